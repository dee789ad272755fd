//! Article caches of a given size for the start-up, interactive and listing figures: 2,000 feeds, one
//! of them ("Aardvark Daily", sorting first) holding 20% of the articles, the rest spread evenly;
//! bodies of about 1 KB. Built with the tidings library (`Store::add_feed` / `apply_refresh` in
//! batches) and, when newsboat is compared, with rusqlite into newsboat's own `cache.db`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;
use tidings::store::{FeedContent, FetchMeta, ItemData, NewFeed, Store, now_unix};

use crate::feedgen::{self, Item};
use crate::newsboat::{self, Newsboat};
use crate::pty::Pty;

pub const CACHE_FEEDS: usize = 2000;
pub const LARGEST_TITLE: &str = "Aardvark Daily";
/// The newest article is dated 2025-10-01; the others go back a year.
const CACHE_EPOCH: i64 = 1_759_276_800;
const SPAN: i64 = 365 * 24 * 3600;
const BATCH: usize = 2000;

pub struct Cache {
    pub articles: usize,
    pub label: String,
    pub home: TempDir,
    pub newsboat: Option<(TempDir, newsboat::Profile)>,
    /// The newest article overall; it is also the largest feed's newest.
    pub newest_title: String,
    pub oldest_title: String,
    pub largest_articles: usize,
    pub build_time: Duration,
}

/// "10k" → 10,000; "1m" → 1,000,000.
pub fn parse_size(s: &str) -> Result<usize> {
    let s = s.trim().to_ascii_lowercase();
    let (num, mult) = match s.chars().last() {
        Some('k') => (&s[..s.len() - 1], 1_000),
        Some('m') => (&s[..s.len() - 1], 1_000_000),
        _ => (s.as_str(), 1),
    };
    let n: usize = num
        .parse()
        .with_context(|| format!("invalid size {s:?} (use e.g. 10k, 100k, 1m)"))?;
    if n * mult < CACHE_FEEDS {
        bail!("a cache needs at least {CACHE_FEEDS} articles (one per feed), got {s}");
    }
    Ok(n * mult)
}

pub fn label(n: usize) -> String {
    match n {
        n if n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn per_feed(total: usize) -> Vec<usize> {
    let largest = total / 5;
    let rest = total - largest;
    let others = CACHE_FEEDS - 1;
    let mut counts = vec![largest];
    counts.extend((0..others).map(|i| rest / others + usize::from(i < rest % others)));
    counts
}

fn time_of(feed: usize, j: usize, count: usize) -> i64 {
    let spacing = (SPAN / count as i64).max(1);
    CACHE_EPOCH - j as i64 * spacing - feed as i64 * 13
}

fn cache_item(feed: usize, j: usize, count: usize) -> Item {
    feedgen::item(feed, j as u64, time_of(feed, j, count), 800, 1200)
}

pub fn feed_url(feed: usize) -> String {
    // Nothing listens on port 9; nothing is due for a day, so nothing is fetched.
    format!("http://127.0.0.{}:9/cache/{feed}.xml", 2 + feed % 64)
}

fn title_of(feed: usize) -> String {
    if feed == 0 {
        LARGEST_TITLE.to_string()
    } else {
        feedgen::feed_title(feed)
    }
}

/// Runs the reader once on an empty profile (so it sets the profile up, welcome feed included) and
/// removes the welcome feed again: the cache then holds only our feeds and the reader starts as on
/// any later day.
fn init_profile(bin: &Path, home: &Path) -> Result<()> {
    let mut tui = Pty::spawn(
        "tidings (profile set-up)",
        bin,
        &["--home", &home.display().to_string()],
        home,
        &[],
    )?;
    tui.wait_for(
        "the welcome feed in the feed list",
        Duration::from_secs(30),
        |s| s.contents().contains("Welcome to tidings"),
    )?;
    tui.quit(b"q", Duration::from_secs(30))?;
    let out = Command::new(bin)
        .arg("--home")
        .arg(home)
        .args(["remove", tidings::session::welcome::WELCOME_URL])
        .output()
        .context("cannot run tidings remove")?;
    if !out.status.success() {
        bail!(
            "tidings remove {} failed: {}",
            tidings::session::welcome::WELCOME_URL,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Builds a cache of `articles` articles in a temp dir under `root` (and newsboat's, if `nb`).
pub fn build(bin: &Path, root: &Path, articles: usize, nb: Option<&Newsboat>) -> Result<Cache> {
    let start = Instant::now();
    let label = label(articles);
    let home = tempfile::Builder::new()
        .prefix(&format!("cache-{label}-"))
        .tempdir_in(root)
        .context("cannot create a temp dir for the cache")?;
    init_profile(bin, home.path())?;
    let cache_file: PathBuf = tidings::paths::Profile::resolve(Some(home.path()))?.cache_file();
    let mut store = Store::open(&cache_file)
        .with_context(|| format!("cannot open {}", cache_file.display()))?;
    let mut nb_side = match nb {
        Some(nb) => {
            let dir = tempfile::Builder::new()
                .prefix(&format!("newsboat-{label}-"))
                .tempdir_in(root)?;
            let urls: Vec<String> = (0..CACHE_FEEDS).map(feed_url).collect();
            let profile = newsboat::Profile::create(dir.path(), &urls, 1)?;
            profile.create_cache(nb)?;
            let writer = newsboat::CacheWriter::open(&profile.cache())?;
            Some((dir, profile, writer))
        }
        None => None,
    };
    let counts = per_feed(articles);
    let now = now_unix();
    let meta = FetchMeta {
        etag: None,
        last_modified: None,
        fetched_at: now,
        next_fetch: now + 24 * 3600,
    };
    let (mut done, mut next_report) = (0usize, articles / 10);
    for (feed, &count) in counts.iter().enumerate() {
        let (url, title) = (feed_url(feed), title_of(feed));
        let site = format!("https://site{feed}.example.com/");
        let added = store.add_feed(&NewFeed {
            url: url.clone(),
            ..NewFeed::default()
        })?;
        let tidings::store::AddOutcome::Added(id) = added else {
            bail!("feed {url} was already in the new cache");
        };
        if let Some((_, _, w)) = nb_side.as_mut() {
            w.add_feed(&url, &site, &title)?;
        }
        for lo in (0..count).step_by(BATCH) {
            let items: Vec<Item> = (lo..(lo + BATCH).min(count))
                .map(|j| cache_item(feed, j, count))
                .collect();
            let content = FeedContent {
                title: Some(title.clone()),
                site_link: Some(site.clone()),
                items: items
                    .iter()
                    .map(|i| ItemData {
                        guid: i.guid.clone(),
                        title: i.title.clone(),
                        author: Some(i.author.clone()),
                        link: Some(i.link.clone()),
                        published: Some(i.time),
                        updated: None,
                        content: Some(i.html.clone()),
                        summary: None,
                        enclosures: Vec::new(),
                    })
                    .collect(),
            };
            store
                .apply_refresh(id, &content, &meta)
                .with_context(|| format!("cannot store articles of {url}"))?;
            if let Some((_, _, w)) = nb_side.as_mut() {
                w.add_items(&url, &items)?;
            }
            done += items.len();
            if done >= next_report {
                eprintln!(
                    "  cache {label}: {done}/{articles} articles ({:.0?})",
                    start.elapsed()
                );
                while next_report <= done {
                    next_report += articles / 10;
                }
            }
        }
    }
    drop(store);
    let oldest = (0..CACHE_FEEDS)
        .min_by_key(|&f| time_of(f, counts[f] - 1, counts[f]))
        .unwrap_or(0);
    let cache = Cache {
        articles,
        label,
        home,
        newsboat: nb_side.map(|(d, p, _)| (d, p)),
        newest_title: cache_item(0, 0, counts[0]).title,
        oldest_title: cache_item(oldest, counts[oldest] - 1, counts[oldest]).title,
        largest_articles: counts[0],
        build_time: start.elapsed(),
    };
    check_feed_count(bin, &cache)?;
    keep_copy(&cache)?;
    Ok(cache)
}

/// `TIDINGS_BENCH_KEEP_CACHE=DIR`: a copy of the profile in `DIR/<label>` that outlives the bench,
/// for looking into a figure afterwards (perf, strace, queries).
fn keep_copy(cache: &Cache) -> Result<()> {
    let Some(keep) = std::env::var_os("TIDINGS_BENCH_KEEP_CACHE") else {
        return Ok(());
    };
    let to = Path::new(&keep).join(&cache.label);
    std::fs::create_dir_all(&to)?;
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", cache.home.path().display()))
        .arg(&to)
        .status()
        .context("cannot run cp")?;
    if !status.success() {
        bail!("cp of the cache to {} failed", to.display());
    }
    Ok(())
}

/// The cache holds exactly our feeds (no welcome feed crept in).
pub fn check_feed_count(bin: &Path, cache: &Cache) -> Result<()> {
    let out = Command::new(bin)
        .arg("--home")
        .arg(cache.home.path())
        .args(["list", "feeds", "--json"])
        .output()
        .context("cannot run tidings list feeds")?;
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    if !out.status.success() || lines != CACHE_FEEDS {
        bail!(
            "the {} cache should hold {CACHE_FEEDS} feeds, `tidings list feeds` shows {lines} ({}): {}",
            cache.label,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
