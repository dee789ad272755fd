//! The command line: argument parsing and the headless commands (add, remove, import, export, refresh,
//! list, show). Errors become one clean line on stderr and a non-zero exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::feed::fetch::{FetchLimits, Fetcher};
use crate::feed::normalize_feed_url;
use crate::feed::opml::{ExportFeed, parse_opml, write_opml};
use crate::paths::Profile;
use crate::poller::{RefreshSummary, Refresher, Update};
use crate::store::{AddOutcome, NewFeed, Scope, Store};
use crate::text::clean_line;
use crate::ui::article::ArticleDoc;

#[derive(Debug, Parser)]
#[command(
    name = "tidings",
    version,
    about = "A terminal news reader with an offline cache"
)]
pub struct Cli {
    /// Keep config, cache and log in DIR instead of the XDG directories.
    #[arg(long, global = true, env = "TIDINGS_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Subscribe to a feed (http(s) URL, file:// URL or local path).
    Add {
        url: String,
        /// A tag (group) for the feed; repeat for more.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Show the feed under this title instead of its own.
        #[arg(long)]
        title: Option<String>,
        /// Fetch each new article's page and keep its full text for offline reading.
        #[arg(long)]
        full_text: bool,
        /// Refresh this feed every DURATION (e.g. 30m, 2h, 1d) instead of the default.
        #[arg(long, value_name = "DURATION", value_parser = parse_minutes)]
        every: Option<i64>,
    },
    /// Change a feed's settings.
    Edit {
        /// The feed's URL or id.
        feed: String,
        /// Refresh every DURATION (e.g. 30m, 2h, 1d); `default` for the configured interval.
        #[arg(long, value_name = "DURATION", value_parser = parse_every)]
        every: Option<Every>,
        /// Show the feed under this title; an empty title restores the feed's own.
        #[arg(long)]
        title: Option<String>,
        /// Fetch full articles for this feed (true/false).
        #[arg(long, value_name = "BOOL")]
        full_text: Option<bool>,
    },
    /// Unsubscribe from a feed (by URL or id); its articles are deleted.
    Remove { feed: String },
    /// Subscribe to the feeds of an OPML file; folders become tags.
    Import { file: PathBuf },
    /// Print the subscriptions as OPML 2.0.
    Export,
    /// Fetch feeds now (all, or the given URLs/ids).
    Refresh { feeds: Vec<String> },
    /// List feeds or articles.
    List {
        what: ListWhat,
        /// Only articles of this feed (URL or id).
        #[arg(long)]
        feed: Option<String>,
        /// Only unread articles.
        #[arg(long)]
        unread: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print the main article text of one HTML page (plain text, no link list).
    Extract {
        /// The page's URL, for resolving relative links.
        #[arg(long)]
        url: Option<String>,
        /// The HTML file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Print an article as the article pane shows it.
    Show {
        id: i64,
        /// Wrap the text at this many columns (default: the terminal's width, or 80).
        #[arg(long)]
        width: Option<u16>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Feeds,
    Articles,
}

/// The program's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Error sources often repeat their cause in their own message: print each text once.
            let mut chain: Vec<String> = Vec::new();
            for cause in e.chain() {
                let text = clean_line(&cause.to_string());
                if !chain.last().is_some_and(|prev| prev.contains(&text)) {
                    chain.push(text);
                }
            }
            eprintln!("tidings: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let profile = Profile::resolve(cli.home.as_deref())?;
    profile
        .ensure_dirs()
        .with_context(|| format!("cannot create {}", profile.data_dir.display()))?;
    let config = Config::load(&profile.config_file())?;
    let _log = crate::logging::init(&profile);
    let open_store = || Store::open(&profile.cache_file());
    match cli.command {
        None => {
            if !std::io::stdout().is_terminal() {
                bail!("the reader needs a terminal; see `tidings --help` for the commands");
            }
            crate::ui::run(&profile, &config)?;
        }
        Some(CliCommand::Add {
            url,
            tags,
            title,
            full_text,
            every,
        }) => {
            let url = normalize_feed_url(&url).map_err(anyhow::Error::msg)?;
            let feed = NewFeed {
                url: url.clone(),
                title: title.map(|t| clean_line(&t)).filter(|t| !t.is_empty()),
                site_link: None,
                tags: clean_tags(&tags),
                full_text,
                interval_minutes: every,
            };
            match open_store()?.add_feed(&feed)? {
                AddOutcome::Added(id) => println!("added feed {id}: {url}"),
                AddOutcome::AlreadyExists(id) => println!("already subscribed (feed {id}): {url}"),
            }
        }
        Some(CliCommand::Edit {
            feed,
            every,
            title,
            full_text,
        }) => {
            let mut store = open_store()?;
            let record = store.find_feed(&feed)?;
            let mut changes = Vec::new();
            if let Some(every) = every {
                let minutes = match every {
                    Every::Default => None,
                    Every::Minutes(m) => Some(m),
                };
                store.set_interval(record.id, minutes)?;
                changes.push(match minutes {
                    Some(m) => format!("refreshed every {}", format_minutes(m)),
                    None => "refreshed at the default interval".to_string(),
                });
            }
            if let Some(title) = title {
                let title = clean_line(&title);
                store
                    .set_custom_title(record.id, Some(title.as_str()).filter(|t| !t.is_empty()))?;
                changes.push(format!("title {title:?}"));
            }
            if let Some(on) = full_text {
                store.set_full_text(record.id, on)?;
                changes.push(format!("full articles {}", if on { "on" } else { "off" }));
            }
            if changes.is_empty() {
                bail!("nothing to change; see `tidings edit --help`");
            }
            println!("feed {}: {}", record.id, changes.join(", "));
        }
        Some(CliCommand::Remove { feed }) => {
            let mut store = open_store()?;
            let record = store.find_feed(&feed)?;
            store.remove_feed(record.id)?;
            println!("removed feed {}: {}", record.id, clean_line(&record.url));
        }
        Some(CliCommand::Import { file }) => import(&mut open_store()?, &file)?,
        Some(CliCommand::Export) => {
            let feeds = open_store()?.feed_summaries()?;
            let export: Vec<ExportFeed<'_>> = feeds
                .iter()
                .map(|f| ExportFeed {
                    url: &f.url,
                    title: &f.title,
                    site_link: f.site_link.as_deref(),
                    tags: &f.tags,
                })
                .collect();
            print!("{}", write_opml(&export));
        }
        Some(CliCommand::Refresh { feeds }) => return refresh(open_store, &config, &feeds),
        Some(CliCommand::List {
            what,
            feed,
            unread,
            json,
        }) => {
            list(&open_store()?, what, feed.as_deref(), unread, json)?;
        }
        Some(CliCommand::Extract { url, file }) => {
            let bytes = match file.as_deref() {
                None => read_stdin()?,
                Some(p) if p.as_os_str() == "-" => read_stdin()?,
                Some(p) => {
                    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?
                }
            };
            let html = crate::feed::fetch::decode_html(&bytes, None);
            let text = crate::text::extract::extract_text(&html, url.as_deref());
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            if !text.ends_with('\n') {
                out.write_all(b"\n")?;
            }
        }
        Some(CliCommand::Show { id, width }) => {
            let store = open_store()?;
            let article = store
                .article(id)?
                .with_context(|| format!("no article with id {id}"))?;
            let width = width.unwrap_or_else(|| {
                crossterm::terminal::size()
                    .ok()
                    .filter(|_| std::io::stdout().is_terminal())
                    .map(|(w, _)| w)
                    .unwrap_or(80)
            });
            let tz = chrono::Local::now().fixed_offset().timezone();
            print!(
                "{}",
                ArticleDoc::build(&article, width.max(20), tz, true).to_plain_text()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--every` for `edit`: a duration, or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Default,
    Minutes(i64),
}

fn parse_every(s: &str) -> Result<Every, String> {
    if s.eq_ignore_ascii_case("default") {
        Ok(Every::Default)
    } else {
        parse_minutes(s).map(Every::Minutes)
    }
}

/// "30m", "2h", "1d", "1h30m" or plain minutes ("45") → minutes; at least 1, at most 30 days.
pub fn parse_minutes(s: &str) -> Result<i64, String> {
    let s = s.trim().to_ascii_lowercase();
    if let Ok(m) = s.parse::<i64>() {
        return check_minutes(m);
    }
    let (mut total, mut number) = (0i64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number
            .parse()
            .map_err(|_| format!("invalid duration {s:?}"))?;
        number.clear();
        total = total.saturating_add(match c {
            'm' => n,
            'h' => n.saturating_mul(60),
            'd' => n.saturating_mul(24 * 60),
            _ => {
                return Err(format!(
                    "invalid duration {s:?}: use m, h or d, e.g. 30m or 2h"
                ));
            }
        });
    }
    if !number.is_empty() {
        return Err(format!(
            "invalid duration {s:?}: a number needs a unit (m, h, d)"
        ));
    }
    check_minutes(total)
}

fn check_minutes(m: i64) -> Result<i64, String> {
    if (1..=30 * 24 * 60).contains(&m) {
        Ok(m)
    } else {
        Err("the interval must be between 1 minute and 30 days".into())
    }
}

fn format_minutes(m: i64) -> String {
    match m {
        m if m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .context("cannot read standard input")?;
    Ok(bytes)
}

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| clean_line(t)).filter(|t| !t.is_empty()) {
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

fn import(store: &mut Store, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed =
        parse_opml(&bytes, true).with_context(|| format!("cannot import {}", file.display()))?;
    let (mut added, mut existing) = (0, 0);
    for entry in &parsed.feeds {
        let feed = NewFeed {
            url: entry.url.clone(),
            title: entry.title.clone(),
            site_link: entry.site_link.clone(),
            tags: clean_tags(&entry.tags),
            full_text: false,
            interval_minutes: None,
        };
        match store.add_feed(&feed)? {
            AddOutcome::Added(_) => added += 1,
            AddOutcome::AlreadyExists(_) => existing += 1,
        }
    }
    for (what, why) in &parsed.skipped {
        eprintln!("skipped {}: {}", clean_line(what), clean_line(why));
    }
    println!(
        "imported {added} feeds ({existing} already subscribed, {} skipped)",
        parsed.skipped.len()
    );
    Ok(())
}

fn refresh(
    open_store: impl Fn() -> Result<Store, crate::store::StoreError>,
    config: &Config,
    which: &[String],
) -> anyhow::Result<ExitCode> {
    let store = open_store()?;
    let ids = if which.is_empty() {
        None
    } else {
        let mut ids = Vec::new();
        for w in which {
            ids.push(store.find_feed(w)?.id);
        }
        Some(ids)
    };
    // A parser panic on a worker thread is already turned into that feed's error: log it, don't print it.
    crate::ui::contain_background_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let fetcher = Fetcher::new(FetchLimits::from(config))?;
    let refresher = Refresher::new(fetcher, Arc::new(Mutex::new(store)), config);
    let summary = runtime.block_on(async {
        let feeds = refresher.feeds(ids).await.map_err(anyhow::Error::msg)?;
        let total = feeds.len();
        let (tx, rx) = mpsc::channel(64);
        let printer = tokio::spawn(print_progress(rx));
        let summary = refresher.refresh(feeds, &tx).await;
        drop(tx);
        let _ = printer.await;
        anyhow::Ok((summary, total))
    })?;
    let (
        RefreshSummary {
            fetched,
            unchanged,
            failed,
            new_articles,
        },
        total,
    ) = summary;
    println!(
        "{total} feeds: {fetched} fetched, {unchanged} unchanged, {failed} failed, {new_articles} new articles"
    );
    Ok(if total > 0 && failed == total {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints failures, and a progress bar when stderr is a terminal.
async fn print_progress(mut rx: mpsc::Receiver<Update>) {
    let bar = std::io::stderr().is_terminal();
    let (mut done, mut total) = (0usize, 0usize);
    while let Some(update) = rx.recv().await {
        let mut stderr = std::io::stderr().lock();
        match update {
            Update::RefreshStarted { feeds } => total = feeds,
            Update::FeedDone { .. } => done += 1,
            Update::FeedFailed { title, error, .. } => {
                done += 1;
                if bar {
                    let _ = write!(stderr, "\r\x1b[2K");
                }
                let _ = writeln!(
                    stderr,
                    "failed: {}: {}",
                    clean_line(&title),
                    clean_line(&error)
                );
            }
            Update::FullTextDone { .. } => continue,
            Update::RefreshFinished(_) => {
                if bar {
                    let _ = write!(stderr, "\r\x1b[2K");
                }
                continue;
            }
        }
        if bar && total > 0 {
            const WIDTH: usize = 30;
            let filled = done * WIDTH / total;
            let _ = write!(
                stderr,
                "\r[{}{}] {done}/{total} feeds",
                "#".repeat(filled),
                "-".repeat(WIDTH - filled)
            );
        }
        let _ = stderr.flush();
    }
}

/// `tidings list feeds --json` rows.
#[derive(Serialize)]
struct FeedJson<'a> {
    id: i64,
    url: &'a str,
    title: String,
    tags: &'a [String],
    unread: i64,
    total: i64,
    last_error: Option<String>,
    /// When the feed is fetched next (Unix seconds).
    next_fetch: i64,
    /// The feed's own interval, when it has one.
    interval_minutes: Option<i64>,
}

fn list(
    store: &Store,
    what: ListWhat,
    feed: Option<&str>,
    unread: bool,
    json: bool,
) -> anyhow::Result<()> {
    // Buffered: a million rows are a million lines, not a million writes.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match what {
        ListWhat::Feeds => {
            for f in store.feed_summaries()? {
                if json {
                    let row = FeedJson {
                        id: f.id,
                        url: &f.url,
                        title: clean_line(&f.title),
                        tags: &f.tags,
                        unread: f.unread,
                        total: f.total,
                        last_error: f.last_error.as_deref().map(clean_line),
                        next_fetch: f.next_fetch,
                        interval_minutes: f.interval_minutes,
                    };
                    writeln!(out, "{}", serde_json::to_string(&row)?)?;
                } else {
                    let mut line = clean_line(&f.title);
                    if !f.tags.is_empty() {
                        line.push_str(&format!(" [{}]", clean_line(&f.tags.join(", "))));
                    }
                    line.push_str(&format!(" <{}>", clean_line(&f.url)));
                    if let Some(m) = f.interval_minutes {
                        line.push_str(&format!(" every {}", format_minutes(m)));
                    }
                    if let Some(e) = &f.last_error {
                        line.push_str(&format!(" error: {}", clean_line(e)));
                    }
                    writeln!(out, "{:>5} {:>6}/{:<6} {line}", f.id, f.unread, f.total)?;
                }
            }
        }
        ListWhat::Articles => {
            let scope = match feed {
                Some(f) => Scope::Feed(store.find_feed(f)?.id),
                None => Scope::All,
            };
            let tz = chrono::Local::now().fixed_offset().timezone();
            store.for_each_listing(&scope, unread, |a| -> anyhow::Result<()> {
                if json {
                    serde_json::to_writer(&mut out, &a)?;
                    writeln!(out)?;
                } else {
                    let date = a
                        .published
                        .map(|t| crate::ui::article::format_time(t, tz, "%Y-%m-%d"))
                        .unwrap_or_else(|| "----------".into());
                    let flags = format!(
                        "{}{}",
                        if a.read { ' ' } else { 'N' },
                        if a.starred { '*' } else { ' ' }
                    );
                    writeln!(out, "{:>7} {flags} {date}  {}", a.id, clean_line(&a.title))?;
                }
                Ok(())
            })?;
        }
    }
    out.flush()?;
    Ok(())
}
