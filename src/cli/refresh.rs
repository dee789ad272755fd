//! `tidings refresh`: the due (or named) feeds refreshed, or the account synced, with failures and a
//! progress bar on stderr and one summary line at the end.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use tokio::sync::mpsc;

use super::{block_on, emit_line};
use crate::session::Session;
use crate::session::refresh::{FeedSet, RefreshSummary, Skipped, Update};
use crate::text::clean_line;

pub(super) fn refresh(session: &Session, which: &[String], due: bool) -> anyhow::Result<ExitCode> {
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
