//! `tidings download`: podboat's job, headless. Queues what is asked (a feed's episodes never
//! downloaded, an article's enclosure, the failed downloads again), then runs the whole queue to its
//! end with a progress bar on a terminal, or one line per file (for cron); exits 1 when a download
//! failed. `--list` shows the queue. When the reader (or another `tidings download`) is running the
//! queue, what was asked is queued for it, and this one says so and ends.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use tokio::sync::mpsc;

use super::{block_on, emit_line, warn_line};
use crate::session::Session;
use crate::session::downloads::{
    DownloadError, DownloadEvent, DownloadRow, DownloadSummary, format_bytes, progress_bar,
};
use crate::store::{DownloadState, Queued};
use crate::text::clean_line;

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Queue the episodes of this feed (URL or id) that were never downloaded, then run the queue.
    #[arg(long, value_name = "URL|ID")]
    pub feed: Option<String>,
    /// With --feed: only its newest N episodes.
    #[arg(long, value_name = "N", requires = "feed")]
    pub limit: Option<usize>,
    /// Queue an enclosure of this article (the first; see --enclosure), then run the queue.
    #[arg(long, value_name = "ID")]
    pub article: Option<i64>,
    /// With --article: which of its enclosures (1 = the first).
    #[arg(long, value_name = "N", requires = "article", default_value_t = 1)]
    pub enclosure: usize,
    /// Queue the failed downloads again (each resumes where it stopped), then run the queue.
    #[arg(long)]
    pub retry: bool,
    /// Show the queue, and download nothing.
    #[arg(long, conflicts_with_all = ["feed", "article", "retry"])]
    pub list: bool,
    /// With --list: one JSON object per line.
    #[arg(long, requires = "list")]
    pub json: bool,
}

pub fn run(session: &Session, args: DownloadArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        list(session, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::logging::contain_background_panics();
    let outcome = block_on(async {
        let downloader = session.downloader()?;
        if let Some(feed) = &args.feed {
            let id = session.subscriptions().find(feed).await?;
            let n = downloader
                .queue_feed(id, args.limit.unwrap_or(usize::MAX))
                .await?;
            let episodes = if n == 1 { "episode" } else { "episodes" };
            emit_line(&format!("queued {n} {episodes} of feed {id}"))?;
        }
        if let Some(article) = args.article {
            let index = args.enclosure.max(1) - 1;
            match downloader.queue_enclosure(article, index).await? {
                Queued::Queued(id) => emit_line(&format!("queued download {id}"))?,
                Queued::Already(id, state) => {
                    emit_line(&format!("download {id} is {} already", state.as_str()))?
                }
            }
        }
        if args.retry {
            let n = downloader.retry_failed().await?;
            emit_line(&format!("queued {n} failed downloads again"))?;
        }
        let (queued, _, _) = session.db().read(|s| s.pending_downloads()).await?;
        let (tx, rx) = mpsc::channel(256);
        let printer = tokio::spawn(print_progress(rx, queued));
        let ran = downloader.run_until_idle(&tx).await;
        drop(tx);
        let _ = printer.await;
        anyhow::Ok(ran)
    })??;
    match outcome {
        Ok(summary) => {
            emit_line(&summary_line(&summary))?;
            Ok(if summary.failed > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(DownloadError::Elsewhere { pid }) => {
            let pid = pid.map_or_else(|| "pid unknown".to_string(), |p| format!("pid {p}"));
            emit_line(&format!(
                "another tidings ({pid}) is running the download queue: what was asked is queued \
                 there"
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e.into()),
    }
}

/// "2 downloaded (45.2 MB), 1 failed", "1 failed", or "nothing to download".
fn summary_line(s: &DownloadSummary) -> String {
    if s.done + s.failed + s.stopped == 0 {
        return "nothing to download".to_string();
    }
    let mut parts = Vec::new();
    if s.done > 0 {
        parts.push(format!("{} downloaded ({})", s.done, format_bytes(s.bytes)));
    }
    if s.failed > 0 {
        parts.push(format!("{} failed", s.failed));
    }
    if s.stopped > 0 {
        parts.push(format!("{} stopped", s.stopped));
    }
    parts.join(", ")
}

/// Prints each finished file (stdout) and failure (stderr), and a progress bar on a terminal.
async fn print_progress(mut rx: mpsc::Receiver<DownloadEvent>, queued: usize) {
    let bar = std::io::stderr().is_terminal();
    // Per running download: bytes done, size (when known), speed.
    let mut running: HashMap<i64, (u64, Option<u64>, u64)> = HashMap::new();
    let mut finished = 0usize;
    let mut total = queued;
    let clear = |err: &mut std::io::StderrLock<'_>| {
        if bar {
            let _ = write!(err, "\r\x1b[2K");
        }
    };
    while let Some(event) = rx.recv().await {
        let mut err = std::io::stderr().lock();
        match event {
            DownloadEvent::Started {
                id, from, total: t, ..
            } => {
                running.insert(id, (from, t, 0));
            }
            DownloadEvent::Progress {
                id,
                bytes_done,
                bytes_total,
                speed,
            } => {
                running.insert(id, (bytes_done, bytes_total, speed));
            }
            DownloadEvent::Done {
                id, title, path, ..
            } => {
                running.remove(&id);
                finished += 1;
                clear(&mut err);
                drop(err);
                let _ = emit_line(&format!(
                    "downloaded: {} → {}",
                    clean_line(&title),
                    clean_line(&path.display().to_string())
                ));
                err = std::io::stderr().lock();
            }
            DownloadEvent::Failed { id, title, error } => {
                running.remove(&id);
                finished += 1;
                clear(&mut err);
                let _ = writeln!(
                    err,
                    "failed: {}: {}",
                    clean_line(&title),
                    clean_line(&error)
                );
            }
            DownloadEvent::Stopped { id } => {
                running.remove(&id);
                finished += 1;
            }
            DownloadEvent::Elsewhere { .. } => {}
        }
        total = total.max(finished + running.len());
        if bar {
            let done: u64 = running.values().map(|r| r.0).sum();
            let size: Option<u64> = running.values().map(|r| r.1).sum();
            let speed: u64 = running.values().map(|r| r.2).sum();
            let fraction = match size {
                Some(size) if size > 0 => done as f64 / size as f64,
                _ => 0.0,
            };
            let bytes = match size {
                Some(size) => format!("{} of {}", format_bytes(done), format_bytes(size)),
                None => format_bytes(done),
            };
            let _ = write!(
                err,
                "\r\x1b[2K[{}] {finished}/{total} files · {bytes} · {}/s",
                progress_bar(fraction, 30),
                format_bytes(speed)
            );
        }
        let _ = err.flush();
    }
    if bar {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

/// `tidings download --list --json` rows.
#[derive(Serialize)]
struct DownloadJson {
    id: i64,
    article_id: Option<i64>,
    feed_id: Option<i64>,
    url: String,
    title: String,
    feed: String,
    state: DownloadState,
    bytes_done: i64,
    bytes_total: Option<i64>,
    path: Option<String>,
    error: Option<String>,
}

fn list(session: &Session, json: bool) -> anyhow::Result<()> {
    let records = block_on(session.download_records())??;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for r in &records {
        if json {
            let row = DownloadJson {
                id: r.id,
                article_id: r.article_id,
                feed_id: r.feed_id,
                url: clean_line(&r.url),
                title: clean_line(&r.title),
                feed: clean_line(&r.feed_title),
                state: r.state,
                bytes_done: r.bytes_done,
                bytes_total: r.bytes_total,
                path: r.path.as_deref().map(clean_line),
                error: r.error.as_deref().map(clean_line),
            };
            writeln!(out, "{}", serde_json::to_string(&row)?)?;
        } else {
            let row = DownloadRow::from_record(r);
            let mut line = format!(
                "{:>5} {:<30} {:<22} {}",
                row.id,
                row.status_text(),
                row.size_text(),
                row.title
            );
            if !row.feed.is_empty() {
                line.push_str(&format!(" ({})", row.feed));
            }
            if let Some(path) = &row.path {
                line.push_str(&format!(" → {}", clean_line(&path.display().to_string())));
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    if records.is_empty() && !json {
        warn_line("the download queue is empty");
    }
    Ok(())
}
