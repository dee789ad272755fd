//! The command line, one front end on the [`crate::session`] core: argument parsing and the headless
//! commands (add, edit, remove, import, export, refresh, list, show, extract). Subscriptions go through
//! the same [`crate::session::subscriptions`] operations as the reader's dialogs. Errors become one
//! clean line on stderr and a non-zero exit code. Output goes through fallible writes to stdout (never
//! `print!`, which panics on a closed pipe): a reader that went away (`tidings list articles | head`)
//! is an error [`is_broken_pipe`] recognises, and `main` ends quietly on it. Everything printed that
//! came from outside (feeds, pages, files, arguments) is cleaned of control characters, escape
//! sequences and bidi controls. Starting the reader is `main`'s business: this module never imports
//! the UI.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::paths::Profile;
use crate::session::Session;
use crate::session::article::ArticleDoc;
use crate::session::refresh::{FeedSet, RefreshSummary, Skipped, Update};
use crate::session::subscriptions::{FeedEdit, Subscription, format_minutes, parse_minutes};
use crate::store::{AddOutcome, Scope};
use crate::text::{clean_line, clean_text};

mod account;
mod download;
mod saved;

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
        /// Replace the feed's tags (repeat for more; `--tag ''` clears them).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Option<Vec<String>>,
        /// Leave the feed out of the reader's feed list (true/false).
        #[arg(long, value_name = "BOOL")]
        hidden: Option<bool>,
        /// Queue the feed's new episodes for download after each refresh (true/false).
        #[arg(long, value_name = "BOOL")]
        auto_download: Option<bool>,
    },
    /// Rename a tag on every feed that has it.
    RenameTag { from: String, to: String },
    /// Unsubscribe from a feed (by URL or id); its articles are deleted, except starred ones.
    Remove {
        feed: String,
        /// Delete its starred articles too.
        #[arg(long)]
        with_starred: bool,
    },
    /// Subscribe to the feeds of an OPML file or a Newsboat `urls` file (told apart by content);
    /// folders and tags become tags.
    Import {
        file: Option<PathBuf>,
        /// Also take local feeds (file:// URLs and paths) from the file.
        #[arg(long)]
        allow_local: bool,
        /// Bring read and starred state over from this Newsboat cache.db (after the import).
        #[arg(long, value_name = "CACHE_DB")]
        newsboat_cache: Option<PathBuf>,
    },
    /// Print the subscriptions as OPML 2.0.
    Export,
    /// Fetch feeds now: the given URLs/ids, else all of them except those a server asked to be left
    /// alone (410 Gone, Retry-After).
    Refresh {
        feeds: Vec<String>,
        /// Only the feeds whose own schedule says they are due (for cron).
        #[arg(long, conflicts_with = "feeds")]
        due: bool,
    },
    /// Print the configuration in effect, or (`--default`) a commented default file to start from.
    Config {
        #[arg(long)]
        default: bool,
    },
    /// Search every article in the cache (see README for the query language).
    Search {
        query: String,
        /// Only in this feed (URL or id).
        #[arg(long)]
        feed: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Check the cache: integrity, counts; salvage a damaged one, or restore a backup.
    Check {
        /// Copy every row that can still be read into a new cache and put it in place (the damaged
        /// file is kept beside it).
        #[arg(long, conflicts_with = "restore")]
        salvage: bool,
        /// Put the newest backup (or the one given) in place of the cache.
        #[arg(long, value_name = "BACKUP", num_args = 0..=1, default_missing_value = "newest")]
        restore: Option<PathBuf>,
        /// Make a backup now.
        #[arg(long, conflicts_with_all = ["salvage", "restore"])]
        backup: bool,
    },
    /// List feeds or articles.
    List {
        what: ListWhat,
        /// Only articles of this feed (URL or id).
        #[arg(long)]
        feed: Option<String>,
        /// Only unread articles.
        #[arg(long)]
        unread: bool,
        /// Only articles this query matches (the language of `search`), newest first.
        #[arg(long, conflicts_with = "feed")]
        query: Option<String>,
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
    /// Print the completion script for a shell (see README for where it goes).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `tidings man > ~/.local/share/man/man1/tidings.1`.
    Man,
    /// Saved searches: listed in the reader like feeds, with their counts.
    Saved {
        #[command(subcommand)]
        action: saved::SavedAction,
    },
    /// Filters: hide (or mark read) what a query matches as it arrives.
    Filter {
        #[command(subcommand)]
        action: saved::FilterCommand,
    },
    /// Download enclosures (podcast episodes): queue a feed's or an article's, then run the queue
    /// (with a progress bar on a terminal); exits 1 if a download failed. `--list` shows the queue.
    Download(download::DownloadArgs),
    /// Sync with a feed server (Tiny Tiny RSS, or one that speaks Fever) instead of polling feeds.
    Account {
        #[command(subcommand)]
        action: account::AccountAction,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Feeds,
    Articles,
}

/// Whether `e` comes from writing to a closed pipe (the reader of stdout went away): the command
/// should end quietly, as other Unix tools do.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// `tidings check`: integrity and counts; with `--salvage` or `--restore`, a cache put right (never
/// while the reader runs: it takes the profile lock); with `--backup`, a backup now.
fn check(
    profile: &Profile,
    salvage: bool,
    restore: Option<&std::path::Path>,
    backup: bool,
) -> anyhow::Result<ExitCode> {
    use crate::store::health;
    let cache = profile.cache_file();
    let now = chrono::Utc::now();
    if let Some(choice) = restore {
        let _lock = crate::lock::ProfileLock::acquire(&profile.data_dir)?;
        let chosen = if choice.as_os_str() == "newest" {
            health::backups(&cache)
                .into_iter()
                .next()
                .with_context(|| format!("no backup of {} to restore", cache.display()))?
        } else {
            choice.to_path_buf()
        };
        let aside = health::restore(&cache, &chosen, now)?;
        emit_line(&format!(
            "restored {} from {} (the previous cache is kept as {})",
            cache.display(),
            chosen.display(),
            aside.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    if salvage {
        let _lock = crate::lock::ProfileLock::acquire(&profile.data_dir)?;
        let target = cache.with_extension(format!("salvaged-{}", now.format("%Y%m%d-%H%M%S")));
        let report = health::salvage(&cache, &target)?;
        for (table, copied, lost) in &report.tables {
            emit_line(&format!("{table}: {copied} rows saved, {lost} lost"))?;
        }
        let aside = health::restore(&cache, &target, now)?;
        let _ = std::fs::remove_file(&target);
        emit_line(&format!(
            "the salvaged cache is in place; the damaged one is kept as {}",
            aside.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = crate::store::Store::open(&cache)?;
    if backup {
        let target = PathBuf::from(format!(
            "{}.backup-{}",
            cache.display(),
            now.format("%Y%m%d-%H%M%S")
        ));
        store.backup_to(&target)?;
        emit_line(&format!("backed up to {}", target.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let report = store.check()?;
    emit_line(&format!(
        "{}: {} feeds, {} articles, {} bodies, {} full texts",
        cache.display(),
        report.feeds,
        report.articles,
        report.bodies,
        report.full_texts
    ))?;
    let backups = health::backups(&cache);
    emit_line(&format!(
        "backups: {}",
        if backups.is_empty() {
            "none yet (the reader makes one a day)".to_string()
        } else {
            backups
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    ))?;
    if report.is_ok() {
        emit_line("integrity: ok")?;
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in &report.integrity {
            emit_line(&format!("integrity: {}", clean_line(problem)))?;
        }
        emit_line(
            "the cache is damaged: `tidings check --salvage` keeps what can be read, \
             `tidings check --restore` puts the newest backup in its place",
        )?;
        Ok(ExitCode::FAILURE)
    }
}

/// Writes `text` to stdout and flushes; a failure (a closed pipe, a full disk) is returned, never a
/// panic as with `print!`.
fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// [`emit`] of one line.
fn emit_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes one line to stderr; a stderr that cannot be written to is ignored (there is nowhere left
/// to say so).
fn warn_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Prints an error as one clean line on stderr: each cause once, no escape sequences.
pub fn report(e: &anyhow::Error) {
    // Error sources often repeat their cause in their own message: print each text once.
    let mut chain: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = clean_line(&cause.to_string());
        if !chain.last().is_some_and(|prev| prev.contains(&text)) {
            chain.push(text);
        }
    }
    // A page found damaged while reading (not at open, which names the file itself).
    let corrupt = e.chain().any(|cause| {
        let sqlite = cause.downcast_ref::<rusqlite::Error>().or_else(|| {
            match cause.downcast_ref::<crate::store::StoreError>() {
                Some(crate::store::StoreError::Sqlite(e)) => Some(e),
                _ => None,
            }
        });
        sqlite.and_then(rusqlite::Error::sqlite_error_code)
            == Some(rusqlite::ErrorCode::DatabaseCorrupt)
    });
    if corrupt {
        chain.push(
            "the cache is damaged; `tidings check` tells what is left and can salvage it".into(),
        );
    }
    warn_line(&format!("tidings: {}", chain.join(": ")));
}

/// Runs the session's async operations from the command line.
fn block_on<F: Future>(work: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(runtime.block_on(work))
}

/// Runs one command.
pub fn run(profile: &Profile, config: Config, command: CliCommand) -> anyhow::Result<ExitCode> {
    if let Some(code) = crate::shell::run(&command)? {
        return Ok(code);
    }
    if let CliCommand::Extract { url, file } = &command {
        extract(url.as_deref(), file.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let CliCommand::Config { default } = &command {
        emit(&if *default {
            crate::config::DEFAULT_FILE.to_string()
        } else {
            // Where each file of the profile is, then the settings in effect.
            format!(
                "# config: {}
# cache:  {}
# log:    {}
{}",
                profile.config_file().display(),
                profile.cache_file().display(),
                profile.data_dir.join(profile.log_file_name()).display(),
                config.to_toml()
            )
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let CliCommand::Account { action } = command {
        return account::run(profile, config, action);
    }
    if let CliCommand::Check {
        salvage,
        restore,
        backup,
    } = &command
    {
        return check(profile, *salvage, restore.as_deref(), *backup);
    }
    // Beside a reader storing a big feed, wait for the cache (and say so) rather than fail.
    crate::store::wait_patiently_for_writers();
    let session = Session::open(profile, config)?;
    let subs = session.subscriptions();
    let code = match command {
        CliCommand::Add {
            url,
            tags,
            title,
            full_text,
            every,
        } => {
            let sub = Subscription {
                url,
                title,
                tags,
                full_text,
                every,
                hidden: false,
            };
            let shown_url =
                crate::session::subscriptions::normalize_feed_url(&sub.url).unwrap_or_default();
            match block_on(subs.add(sub))?? {
                AddOutcome::Added(id) => {
                    emit_line(&format!("added feed {id}: {}", clean_line(&shown_url)))?
                }
                AddOutcome::AlreadyExists(id) => emit_line(&format!(
                    "already subscribed (feed {id}): {}",
                    clean_line(&shown_url)
                ))?,
            }
            ExitCode::SUCCESS
        }
        CliCommand::Edit {
            feed,
            every,
            title,
            full_text,
            tags,
            hidden,
            auto_download,
        } => {
            let edit = FeedEdit {
                title: title.map(|t| Some(t).filter(|t| !t.trim().is_empty())),
                tags,
                every: every.map(|e| match e {
                    Every::Default => None,
                    Every::Minutes(m) => Some(m),
                }),
                full_text,
                hidden,
            };
            if edit == FeedEdit::default() && auto_download.is_none() {
                bail!("nothing to change; see `tidings edit --help`");
            }
            let (id, changes) = block_on(async {
                let id = subs.find(&feed).await?;
                let mut changes = Vec::new();
                if edit != FeedEdit::default() {
                    changes = subs.edit(id, edit).await?;
                }
                if let Some(on) = auto_download {
                    session.set_auto_download(id, on).await?;
                    changes.push(format!(
                        "automatic downloads {}",
                        if on { "on" } else { "off" }
                    ));
                }
                anyhow::Ok((id, changes))
            })??;
            emit_line(&format!("feed {id}: {}", clean_line(&changes.join(", "))))?;
            ExitCode::SUCCESS
        }
        CliCommand::RenameTag { from, to } => {
            let n = block_on(subs.rename_tag(&from, &to))??;
            emit_line(&format!(
                "renamed tag {} to {} ({n} feeds)",
                clean_line(&from),
                clean_line(&to)
            ))?;
            ExitCode::SUCCESS
        }
        CliCommand::Remove { feed, with_starred } => {
            let (id, removed) = block_on(async {
                let id = subs.find(&feed).await?;
                anyhow::Ok((id, subs.remove(id, !with_starred).await?))
            })??;
            let kept = match removed.kept_starred {
                0 => String::new(),
                n => format!("; {n} starred articles kept"),
            };
            emit_line(&format!("removed feed {id}: {}{kept}", clean_line(&feed)))?;
            ExitCode::SUCCESS
        }
        CliCommand::Import {
            file,
            allow_local,
            newsboat_cache,
        } => {
            if file.is_none() && newsboat_cache.is_none() {
                bail!("give a file to import, or --newsboat-cache CACHE_DB");
            }
            if let Some(file) = file {
                let report = block_on(subs.import(&file, allow_local))??;
                for (what, why) in &report.skipped {
                    warn_line(&format!("skipped {what}: {why}"));
                }
                emit_line(&report.summary())?;
            }
            if let Some(cache) = newsboat_cache {
                let matched = block_on(subs.import_newsboat_state(&cache))??;
                emit_line(&format!(
                    "read and starred state taken over for {matched} articles"
                ))?;
            }
            ExitCode::SUCCESS
        }
        CliCommand::Export => {
            emit(&block_on(subs.export())??)?;
            ExitCode::SUCCESS
        }
        CliCommand::Refresh { feeds, due } if session.account().is_some() => {
            if !feeds.is_empty() || due {
                warn_line("tidings: the profile syncs with a server: the whole account is synced");
            }
            account::sync(&session)?
        }
        CliCommand::Refresh { feeds, due } => refresh(&session, &feeds, due)?,
        CliCommand::Saved { action } => saved::saved(&session, action)?,
        CliCommand::Filter { action } => saved::filter(&session, action)?,
        CliCommand::Download(args) => download::run(&session, args)?,
        CliCommand::List {
            what,
            feed,
            unread,
            query,
            json,
        } => {
            let scope = match (feed, query) {
                (Some(f), _) => Scope::Feed(block_on(subs.find(&f))??),
                (None, Some(q)) => {
                    // Checked here, so a mistake says where it is instead of listing nothing.
                    crate::store::query::parse(&q, crate::store::now_unix())?;
                    Scope::Search(q)
                }
                (None, None) => Scope::All,
            };
            list(&session, what, scope, unread, json)?;
            ExitCode::SUCCESS
        }
        CliCommand::Show { id, width } => {
            let article = session
                .db()
                .read_blocking(move |s| s.article(id))?
                .with_context(|| format!("no article with id {id}"))?;
            let width = width.unwrap_or_else(|| {
                crossterm::terminal::size()
                    .ok()
                    .filter(|_| std::io::stdout().is_terminal())
                    .map(|(w, _)| w)
                    .unwrap_or(80)
            });
            let tz = chrono::Local::now().fixed_offset().timezone();
            emit(&ArticleDoc::build(&article, width.max(20), tz, true).to_plain_text())?;
            ExitCode::SUCCESS
        }
        CliCommand::Search {
            query,
            feed,
            limit,
            json,
        } => {
            let found = block_on(async {
                let scope = match &feed {
                    Some(f) => Scope::Feed(subs.find(f).await?),
                    None => Scope::All,
                };
                // Articles stored before the index existed are indexed first.
                loop {
                    let left = session.index_backlog().await?;
                    if left == 0 {
                        break;
                    }
                    warn_line(&format!(
                        "tidings: indexing the cache for search: {left} articles left"
                    ));
                }
                anyhow::Ok(session.search(&query, scope, limit).await?)
            })??;
            let tz = chrono::Local::now().fixed_offset().timezone();
            let mut text = String::new();
            for h in &found {
                if json {
                    let id = h.id;
                    let article = session.db().read_blocking(move |s| s.article(id))?;
                    let body = article
                        .as_ref()
                        .and_then(|a| {
                            a.full_content
                                .as_deref()
                                .or(a.content.as_deref())
                                .or(a.summary.as_deref())
                        })
                        .unwrap_or("");
                    text.push_str(&serde_json::to_string(&SearchJson {
                        id: h.id,
                        feed_id: h.feed_id,
                        title: clean_line(&h.title),
                        link: article
                            .as_ref()
                            .and_then(|a| a.link.as_deref().map(clean_line)),
                        published: article.as_ref().and_then(|a| a.published),
                        time: h.time,
                        read: h.read,
                        starred: h.starred,
                        enclosures: article
                            .as_ref()
                            .map(|a| a.enclosures.clone())
                            .unwrap_or_default(),
                        snippet: crate::session::search::snippet(body, &query),
                    })?);
                } else {
                    let date = crate::session::article::format_time(h.time, tz, "%Y-%m-%d");
                    text.push_str(&format!("{:>7} {date}  {}", h.id, clean_line(&h.title)));
                }
                text.push('\n');
            }
            emit(&text)?;
            ExitCode::SUCCESS
        }
        CliCommand::Extract { .. }
        | CliCommand::Check { .. }
        | CliCommand::Config { .. }
        | CliCommand::Completions { .. }
        | CliCommand::Man
        | CliCommand::Account { .. } => ExitCode::SUCCESS,
    };
    session.close();
    Ok(code)
}

fn extract(url: Option<&str>, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    let bytes = match file {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
    };
    let html = crate::feed::fetch::decode_html(&bytes, None);
    // The page is untrusted: no escape sequence or bidi control reaches the terminal.
    let text = clean_text(&crate::text::extract::extract_text(&html, url));
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
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

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .context("cannot read standard input")?;
    Ok(bytes)
}

fn refresh(session: &Session, which: &[String], due: bool) -> anyhow::Result<ExitCode> {
    // A parser panic on a worker thread is already turned into that feed's error: log it, don't print it.
    crate::logging::contain_background_panics();
    let (summary, total, skipped) = block_on(async {
        session.apply_config_filters().await?;
        let subs = session.subscriptions();
        let set = if due {
            FeedSet::Due
        } else if which.is_empty() {
            FeedSet::All
        } else {
            let mut ids = Vec::new();
            for w in which {
                ids.push(subs.find(w).await?);
            }
            FeedSet::Only(ids)
        };
        let refresher = session.refresher()?;
        let chosen = refresher.choose(set).await?;
        let total = chosen.feeds.len();
        let (tx, rx) = mpsc::channel(64);
        let printer = tokio::spawn(print_progress(rx));
        let summary = refresher.refresh(chosen.feeds, &tx).await;
        drop(tx);
        let _ = printer.await;
        anyhow::Ok((summary, total, chosen.skipped))
    })??;
    emit_line(&summary_line(&summary, total, skipped, due))?;
    Ok(if total > 0 && summary.failed == total {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// "3 feeds: 1 fetched, 0 unchanged, 0 failed, 2 new articles, 2 skipped (1 gone, 1 asked to wait)":
/// the feeds counted are those refreshed and those skipped.
fn summary_line(summary: &RefreshSummary, refreshed: usize, skipped: Skipped, due: bool) -> String {
    let RefreshSummary {
        fetched,
        unchanged,
        failed,
        new_articles,
    } = *summary;
    let feeds = refreshed + skipped.total();
    let due = if due { " due" } else { "" };
    let mut line = format!(
        "{feeds} feeds{due}: {fetched} fetched, {unchanged} unchanged, {failed} failed, {new_articles} new articles"
    );
    if skipped.total() > 0 {
        let mut why = Vec::new();
        if skipped.gone > 0 {
            why.push(format!("{} gone", skipped.gone));
        }
        if skipped.asked_to_wait > 0 {
            why.push(format!("{} asked to wait", skipped.asked_to_wait));
        }
        line.push_str(&format!(
            ", {} skipped ({})",
            skipped.total(),
            why.join(", ")
        ));
    }
    line
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

/// `tidings search --json` rows.
#[derive(Serialize)]
struct SearchJson {
    id: i64,
    feed_id: i64,
    title: String,
    link: Option<String>,
    published: Option<i64>,
    time: i64,
    read: bool,
    starred: bool,
    enclosures: Vec<crate::store::Enclosure>,
    /// Where the query's words occur in the text.
    snippet: String,
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
    session: &Session,
    what: ListWhat,
    scope: Scope,
    unread: bool,
    json: bool,
) -> anyhow::Result<()> {
    // The rows stream out from the session's reader thread: a million rows never sit in memory.
    session
        .db()
        .read_blocking(move |store| Ok(list_on(store, what, scope, unread, json)))?
}

fn list_on(
    store: &crate::store::Store,
    what: ListWhat,
    scope: Scope,
    unread: bool,
    json: bool,
) -> anyhow::Result<()> {
    // Buffered: a million rows are a million lines, not a million writes.
    let mut out = std::io::BufWriter::new(std::io::stdout());
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
            let tz = chrono::Local::now().fixed_offset().timezone();
            store.for_each_listing(&scope, unread, json, |a| -> anyhow::Result<()> {
                if json {
                    serde_json::to_writer(&mut out, &a)?;
                    writeln!(out)?;
                } else {
                    let date = a
                        .published
                        .map(|t| crate::session::article::format_time(t, tz, "%Y-%m-%d"))
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
