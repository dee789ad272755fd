//! `tidings account add|show|remove|test` and `tidings refresh` on a profile that syncs: the command
//! line's side of [`crate::session::sync`]. The password is asked for on a terminal (without echo),
//! read from standard input otherwise, or left to a command the user names; it is kept in a file
//! only its owner can read, never in the cache.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};

use super::{block_on, emit_line, warn_line};
use crate::config::Config;
use crate::paths::Profile;
use crate::session::Session;
use crate::session::account::{Account, Kind, password_file, write_private};
use crate::session::sync::Syncer;
use crate::text::clean_line;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ServerKind {
    /// Tiny Tiny RSS (its JSON API).
    Ttrss,
    /// A server that speaks the Fever API (FreshRSS, Miniflux, Coldsweat, ...).
    Fever,
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Sync this profile with a server: checks the login, then `tidings refresh` (and the reader)
    /// sync instead of polling.
    Add {
        kind: ServerKind,
        /// The server's address (TT-RSS: its base or `/api/` address; Fever: the `?api` endpoint,
        /// e.g. https://rss.example.com/fever/ or FreshRSS's …/api/fever.php).
        url: String,
        #[arg(long)]
        user: String,
        /// A command that prints the password, split at spaces and run without a shell
        /// (e.g. "pass show tt-rss"). Without it, the password is asked for (or read from stdin).
        #[arg(long, value_name = "CMD", conflicts_with = "password_file")]
        password_command: Option<String>,
        /// A file holding the password; it must be readable by its owner only (mode 0600).
        #[arg(long, value_name = "FILE")]
        password_file: Option<std::path::PathBuf>,
    },
    /// Print the account (never the password) and what waits to be sent.
    Show,
    /// Stop syncing: the account and its stored password go; the feeds stay, polled from here.
    Remove,
    /// Log in and count the server's feeds.
    Test,
}

pub fn run(profile: &Profile, config: Config, action: AccountAction) -> anyhow::Result<ExitCode> {
    match action {
        AccountAction::Add {
            kind,
            url,
            user,
            password_command,
            password_file: file,
        } => add(profile, config, kind, url, user, password_command, file),
        AccountAction::Show => show(profile, config),
        AccountAction::Remove => remove(profile, config),
        AccountAction::Test => {
            let session = Session::open(profile, config)?;
            let syncer = syncer(&session)?;
            let (feeds, requests) = block_on(syncer.test())??;
            emit_line(&format!(
                "Logged in to {} as {}: {feeds} feeds ({requests} requests)",
                clean_line(&syncer.account().url),
                clean_line(&syncer.account().user)
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn syncer(session: &Session) -> anyhow::Result<std::sync::Arc<Syncer>> {
    session
        .syncer()
        .context("this profile has no account; add one with `tidings account add`")
}

fn add(
    profile: &Profile,
    config: Config,
    kind: ServerKind,
    url: String,
    user: String,
    password_command: Option<String>,
    file: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    if Account::load(&profile.config_dir)?.is_some() {
        bail!("this profile already has an account; `tidings account remove` it first");
    }
    let kind = match kind {
        ServerKind::Ttrss => Kind::Ttrss,
        ServerKind::Fever => Kind::Fever,
    };
    // Kept absolute: later commands and the reader run from other directories.
    let file = file
        .map(|f| std::path::absolute(&f).with_context(|| format!("cannot use {}", f.display())))
        .transpose()?;
    let mut account = Account {
        kind,
        url,
        user,
        password_command: password_command
            .map(|cmd| cmd.split_whitespace().map(str::to_string).collect()),
        password_file: file,
    };
    let mut wrote_password = false;
    if account.password_command.is_none() && account.password_file.is_none() {
        let password = ask_password(&account)?;
        let path = password_file(&profile.config_dir);
        write_private(&path, format!("{password}\n").as_bytes())?;
        account.password_file = Some(path);
        wrote_password = true;
    }
    // Checked before it is kept: a typo in the address or the password is said now, not at the
    // first sync.
    let session = Session::open(profile, config)?.with_account(account.clone());
    let syncer = syncer(&session)?;
    match block_on(syncer.test())? {
        Ok((feeds, _)) => {
            let path = account.save(&profile.config_dir)?;
            emit_line(&format!(
                "Added the {} account {} at {} ({feeds} feeds), kept in {}. \
                 `tidings refresh` or the reader's R syncs it.",
                kind.name(),
                clean_line(&account.user),
                clean_line(&account.url),
                path.display()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if wrote_password {
                let _ = std::fs::remove_file(password_file(&profile.config_dir));
            }
            Err(anyhow::Error::new(e).context("the account was not added"))
        }
    }
}

/// The password, asked for without echo on a terminal, else the first line of standard input.
fn ask_password(account: &Account) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!(
            "Password for {} at {}: ",
            clean_line(&account.user),
            clean_line(&account.url)
        ))
        .context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .take(4096)
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    if password.is_empty() {
        bail!("no password given");
    }
    Ok(password)
}

fn show(profile: &Profile, config: Config) -> anyhow::Result<ExitCode> {
    let Some(account) = Account::load(&profile.config_dir)? else {
        emit_line("No account: this profile polls its feeds itself.")?;
        return Ok(ExitCode::SUCCESS);
    };
    let session = Session::open(profile, config)?;
    let (waiting, since) = session
        .db()
        .read_blocking(|s| Ok((s.outbox_len()?, s.sync_since_id()?)))?;
    for line in [
        format!(
            "server:   {} ({})",
            clean_line(&account.url),
            account.kind.name()
        ),
        format!("user:     {}", clean_line(&account.user)),
        format!("password: {}", clean_line(&account.password_source())),
        format!("waiting:  {waiting} changes to send"),
        format!("synced:   articles up to id {since}"),
    ] {
        emit_line(&line)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(profile: &Profile, config: Config) -> anyhow::Result<ExitCode> {
    let session = Session::open(profile, config)?;
    let waiting = session.db().read_blocking(|s| s.outbox_len())?;
    if !Account::remove(&profile.config_dir)? {
        emit_line("No account to remove.")?;
        return Ok(ExitCode::SUCCESS);
    }
    session.db().write_blocking(|s| s.forget_sync())?;
    if waiting > 0 {
        warn_line(&format!(
            "tidings: {waiting} changes made here were never sent to the server"
        ));
    }
    emit_line("Removed the account. Its feeds stay in the cache and are polled from here now.")?;
    Ok(ExitCode::SUCCESS)
}

/// `tidings refresh` on a profile with an account.
pub fn sync(session: &Session) -> anyhow::Result<ExitCode> {
    let syncer = syncer(session)?;
    let result = block_on(async {
        if let Err(e) = session.apply_config_filters().await {
            tracing::warn!(error = %e, "cannot set the filters of config.toml");
        }
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let printer = tokio::spawn(print_sync_progress(rx));
        let result = syncer.sync(Some(&tx)).await;
        drop(tx);
        let _ = printer.await;
        result
    })?;
    match result {
        Ok(report) => {
            emit_line(&format!(
                "Synced with {}: {} feeds (+{} -{}), {} new articles, {} changes sent, {} states \
                 updated, {} requests",
                clean_line(&syncer.account().url),
                report.feeds,
                report.feeds_added,
                report.feeds_removed,
                report.new_articles,
                report.sent,
                report.state_changes,
                report.requests
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let waiting = session.db().read_blocking(|s| s.outbox_len()).unwrap_or(0);
            let kept = if waiting > 0 {
                format!(" ({waiting} changes made here wait to be sent)")
            } else {
                String::new()
            };
            warn_line(&format!("tidings: sync failed: {e}{kept}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// On a terminal, a line on stderr that counts the articles as the pages arrive (a first sync of
/// a big account takes a while); nothing otherwise.
async fn print_sync_progress(mut rx: tokio::sync::mpsc::Receiver<crate::session::refresh::Update>) {
    use std::io::Write;
    let tty = std::io::stderr().is_terminal();
    let mut new = 0;
    let mut pages = 0;
    while let Some(update) = rx.recv().await {
        if let crate::session::refresh::Update::FeedDone { new_articles, .. } = update {
            new += new_articles;
            pages += 1;
            if tty {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\rSyncing: {new} new articles ({pages} pages)");
                let _ = err.flush();
            }
        }
    }
    if tty && pages > 0 {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
}
