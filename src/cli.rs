//! The command line, one front end on the [`crate::session`] core: argument parsing and the headless
//! commands (add, edit, remove, import, export, refresh, list, show, extract). Subscriptions go through
//! the same [`crate::session::subscriptions`] operations as the reader's dialogs. Errors become one
//! clean line on stderr and a non-zero exit code. Output goes through fallible writes to stdout (never
//! `print!`, which panics on a closed pipe): a reader that went away (`tidings list articles | head`)
//! is an error [`is_broken_pipe`] recognises, and `main` ends quietly on it. Everything printed that
//! came from outside (feeds, pages, files, arguments) is cleaned of control characters, escape
//! sequences and bidi controls. Starting the reader is `main`'s business: this module never imports
//! the UI. The commands and options are in `args`; refresh, listing, accounts, saved searches and
//! downloads have files of their own.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::paths::Profile;
use crate::session::Session;
use crate::session::article::ArticleDoc;
use crate::session::subscriptions::{FeedEdit, Subscription};
use crate::store::{AddOutcome, Scope};
use crate::text::{clean_line, clean_text};

mod account;
mod args;
mod download;
mod list;
mod refresh;
mod saved;

pub use args::{Cli, CliCommand, Every, ListWhat};
use list::{SearchJson, list};
use refresh::refresh;

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

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .context("cannot read standard input")?;
    Ok(bytes)
}
