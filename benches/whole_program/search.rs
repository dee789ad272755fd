//! Search figures (issue 13) on a prebuilt cache: the index's share of the cache, the time to build
//! it for a cache that has none, typing queries into `/` in a pseudo-terminal (every keystroke
//! timed until the dialog holds that query's results), the reader's memory after searching, and
//! newsboat's `/` search on the same articles.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::caches::Cache;
use crate::measure::{self, Sample};
use crate::newsboat::Newsboat;
use crate::pty::Pty;
use crate::startup::{spawn_newsboat, start_tidings};

const KEY_TIMEOUT: Duration = Duration::from_secs(60);

/// Typical queries: one or two words, a phrase, a prefix. The generator's vocabulary is about a
/// hundred words, so a single word is in most articles (the worst case for ranking); the phrase of
/// three is rare.
pub const QUERIES: &[&str] = &[
    "kernel",
    "climate policy",
    "harbor festival",
    "\"kernel compiler database\"",
    "rail*",
];

pub struct SearchFigures {
    /// KiB of the FTS5 tables, and of the whole cache file.
    pub index_kib: Option<u64>,
    pub cache_kib: u64,
    /// `tidings search` on a copy of the cache with its index emptied: the build, end to end.
    pub build: Sample,
    /// Each query's last keystroke → its results on screen (one per query and run).
    pub last_key: Vec<Duration>,
    /// Every keystroke → that prefix's results (or "Nothing found.") on screen.
    pub every_key: Vec<Duration>,
    /// VmHWM and VmRSS (KiB) of the reader after the searches.
    pub memory_kib: (u64, u64),
    /// Newsboat: Enter on the query → its search results on screen (one per query and run).
    pub newsboat: Vec<Duration>,
}

/// Size of the FTS5 tables (from `dbstat`) and of the cache file, in KiB.
fn sizes(cache_file: &Path) -> Result<(Option<u64>, u64)> {
    let conn = rusqlite::Connection::open(cache_file)
        .with_context(|| format!("cannot open {}", cache_file.display()))?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let index: Option<i64> = conn
        .query_row(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'",
            [],
            |r| r.get(0),
        )
        .ok()
        .flatten();
    let total: i64 = conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
        [],
        |r| r.get(0),
    )?;
    Ok((index.map(|b| b as u64 / 1024), total as u64 / 1024))
}

/// Copies the cache's profile, empties the copy's index and marks every article as waiting for it,
/// then times `tidings search` there (it indexes the whole backlog before it searches).
fn build_index(bin: &Path, cache: &Cache, scratch: &Path) -> Result<Sample> {
    let copy = tempfile::Builder::new()
        .prefix("search-build-")
        .tempdir_in(scratch)?;
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", cache.home.path().display()))
        .arg(copy.path())
        .status()
        .context("cannot run cp")?;
    if !status.success() {
        bail!("cp of the cache failed");
    }
    let file = tidings::paths::Profile::resolve(Some(copy.path()))?.cache_file();
    {
        let conn = rusqlite::Connection::open(&file)?;
        conn.execute_batch(
            "INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
             INSERT INTO meta (key, value) VALUES
                 ('fts_backfill_below', (SELECT MAX(id) + 1 FROM articles))
             ON CONFLICT (key) DO UPDATE SET value = excluded.value;
             VACUUM;",
        )?;
    }
    let home = copy.path().display().to_string();
    let cmd = measure::command(bin, &["--home", &home, "search", "kernel", "--limit", "1"]);
    let what = format!("tidings search building the index ({} cache)", cache.label);
    let done = measure::run(cmd, &what, scratch, Duration::from_secs(3600))?;
    if done.stdout.trim().is_empty() {
        bail!(
            "{what} found nothing for \"kernel\"; stderr:\n{}",
            done.stderr
        );
    }
    Ok(done.sample)
}

/// The search dialog is done with `typed`: the field shows it and the answer (results, "Nothing
/// found." or an error) is on screen, not "searching…".
fn answered(s: &vt100::Screen, typed: &str) -> bool {
    let text = s.contents();
    // The field is the dialog's first line: "│ TEXT␣…" (the cursor is a styled space).
    let field = format!("│ {typed} ");
    text.lines().any(|l| l.contains(&field))
        && text.contains("Esc close")
        && !text.contains("searching…")
}

/// Types each query into `/`, a key at a time, timing every key until its answer is on screen.
fn type_queries(
    tui: &mut Pty,
    last_key: &mut Vec<Duration>,
    every_key: &mut Vec<Duration>,
) -> Result<()> {
    for query in QUERIES {
        tui.send(b"/")?;
        tui.wait_for("the search dialog", KEY_TIMEOUT, |s| {
            s.contents().contains("Search ")
        })?;
        tui.settle(Duration::from_millis(20), Duration::from_secs(5));
        let mut typed = String::new();
        for ch in query.chars() {
            typed.push(ch);
            let mut buf = [0u8; 4];
            let sent = tui.send(ch.encode_utf8(&mut buf).as_bytes())?;
            let shown = tui.wait_for(&format!("the results for {typed:?}"), KEY_TIMEOUT, |s| {
                answered(s, &typed)
            })?;
            every_key.push(shown.saturating_duration_since(sent));
            if typed.len() == query.len() {
                last_key.push(shown.saturating_duration_since(sent));
            }
            tui.settle(Duration::from_millis(5), Duration::from_secs(5));
        }
        tui.send(b"\x1b")?;
        tui.wait_for("the search dialog closed", KEY_TIMEOUT, |s| {
            !s.contents().contains("Esc close")
        })?;
        tui.settle(Duration::from_millis(20), Duration::from_secs(5));
    }
    Ok(())
}

/// Newsboat's `/` in its feed list: the query typed, then Enter timed until its results show.
fn newsboat_searches(nb: &Newsboat, cache: &Cache, runs: usize) -> Result<Vec<Duration>> {
    let (mut tui, _) = spawn_newsboat(nb, cache)?;
    tui.wait_for("newsboat's feed list", Duration::from_secs(900), |s| {
        s.contents().contains(crate::caches::LARGEST_TITLE)
    })?;
    tui.settle(Duration::from_millis(200), Duration::from_secs(10));
    let mut took = Vec::new();
    for _ in 0..runs {
        for query in QUERIES {
            tui.send(b"/")?;
            tui.wait_for("newsboat's search prompt", KEY_TIMEOUT, |s| {
                s.contents().contains("Search for:")
            })?;
            tui.send(query.as_bytes())?;
            tui.settle(Duration::from_millis(50), Duration::from_secs(5));
            let sent = tui.send(b"\r")?;
            let shown = tui.wait_for(
                &format!("newsboat's results for {query:?}"),
                Duration::from_secs(600),
                |s| {
                    let text = s.contents();
                    text.contains("Search result") || text.contains("No results")
                },
            )?;
            took.push(shown.saturating_duration_since(sent));
            tui.settle(Duration::from_millis(100), Duration::from_secs(10));
            // Back to the feed list (a "no results" message leaves newsboat there).
            if tui.with_screen(|s| s.contents().contains("Search result")) {
                tui.send(b"q")?;
                tui.wait_for("newsboat's feed list again", KEY_TIMEOUT, |s| {
                    !s.contents().contains("Search result")
                })?;
            }
            tui.settle(Duration::from_millis(100), Duration::from_secs(10));
        }
    }
    tui.quit(b"q", Duration::from_secs(300))?;
    Ok(took)
}

pub fn measure(
    bin: &Path,
    nb: Option<&Newsboat>,
    cache: &Cache,
    runs: usize,
    scratch: &Path,
) -> Result<SearchFigures> {
    let file = tidings::paths::Profile::resolve(Some(cache.home.path()))?.cache_file();
    let (index_kib, cache_kib) = sizes(&file)?;
    eprintln!(
        "  search: building the index anew on a copy of the {} cache …",
        cache.label
    );
    let build = build_index(bin, cache, scratch)?;
    let (mut last_key, mut every_key) = (Vec::new(), Vec::new());
    let mut memory_kib = (0, 0);
    for run in 0..runs {
        eprintln!(
            "  search: typing {} queries, run {} …",
            QUERIES.len(),
            run + 1
        );
        let (mut tui, _) = start_tidings(bin, cache, Duration::from_secs(300))?;
        tui.settle(Duration::from_millis(200), Duration::from_secs(5));
        type_queries(&mut tui, &mut last_key, &mut every_key)?;
        memory_kib = tui.memory_kib()?;
        tui.quit(b"q", Duration::from_secs(60))?;
    }
    let newsboat = match nb {
        Some(nb) if cache.newsboat.is_some() => {
            eprintln!("  search: newsboat's / on the {} cache …", cache.label);
            newsboat_searches(nb, cache, runs)?
        }
        _ => Vec::new(),
    };
    Ok(SearchFigures {
        index_kib,
        cache_kib,
        build,
        last_key,
        every_key,
        memory_kib,
        newsboat,
    })
}
