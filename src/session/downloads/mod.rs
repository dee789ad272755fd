//! Podboat's job: a queue of enclosures (podcast episodes, media) downloaded to files.
//!
//! The queue lives in the cache ([`crate::store::DownloadRecord`]), so it survives a restart. One
//! process at a time runs it (the `downloads.lock` file beside the cache: the reader, or `tidings
//! download`); the others only queue, pause, cancel or delete rows, which the running worker sees at
//! its next progress write. The [`Downloader`] runs at most `download_concurrency` downloads at once
//! and `max_per_host` per host, through the refresher's HTTP client: the same timeouts, redirect
//! rules, no cookies or Referer, and the same refusal of loopback, private and link-local addresses
//! for URLs a feed supplied (unless the feed itself lives there).
//!
//! A file is written as `NAME.part` and renamed (without ever replacing a file) only once the whole
//! body has come: a 404, a full disk, a reset or a stalled connection leave the row `failed` with the
//! reason, and at most a `.part` file, which the next try resumes with HTTP `Range` (`If-Range` makes
//! sure it is the same file; a server that ignores it answers 200, and the download starts over).
//! Names come from the episode's title (else the URL's last segment), in a folder named after the
//! feed, made safe: no path separators or traversal, no control or invisible characters, bounded
//! length, never an existing name (`Title (2).mp3`).

mod names;
mod play;
mod rows;
mod worker;

pub use crate::text::filename::{numbered_name, safe_name};
pub use names::{file_name_parts, folder_name};
pub use play::{play, player_command};
pub use rows::{DownloadRow, download_rows, format_bytes, progress_bar};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
pub use worker::part_path;
use worker::*;

use futures::FutureExt;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, watch};

use super::SessionError;
use super::db::{Db, Lane};
use crate::config::Config;
use crate::feed::fetch::{DownloadStart, FetchError, Fetcher, Reach};
use crate::store::{DownloadRecord, DownloadState, Queued, Store, StoreError};
use crate::text::clean_line;

/// The lock file (beside the cache) held by the process that runs the queue.
pub const LOCK_FILE_NAME: &str = "downloads.lock";
/// What a partial file's name ends with.
pub const PART_SUFFIX: &str = ".part";
/// The longest file name written, in bytes (with ` (999)` and the extension; `.part` comes on top).
pub const MAX_FILE_NAME: usize = 120;
/// The longest name stem, and the longest folder name.
const MAX_STEM: usize = MAX_FILE_NAME - " (999)".len() - ".12345678".len() - "_".len();
/// At most this many files of one name (`Title (999).mp3`).
const MAX_COPIES: usize = 999;
/// Episodes queued per feed and refresh, at most, for a feed with automatic downloads.
pub const AUTO_PER_REFRESH: usize = 10;
/// How often an idle worker looks for work queued by another process (or by a refresh).
const POLL: Duration = Duration::from_secs(15);
/// How often progress is reported over the channel, and written to the cache.
const REPORT_EVERY: Duration = Duration::from_millis(500);
const STORE_EVERY: Duration = Duration::from_secs(2);
/// What the downloader tells the front ends.
#[derive(Debug, Clone, PartialEq)]
pub enum DownloadEvent {
    /// A download began (or resumed at `from`) into `path` (the finished file's name).
    Started {
        id: i64,
        title: String,
        path: PathBuf,
        from: u64,
        total: Option<u64>,
    },
    /// Bytes so far, and the speed over the last half second, in bytes per second.
    Progress {
        id: i64,
        bytes_done: u64,
        bytes_total: Option<u64>,
        speed: u64,
    },
    Done {
        id: i64,
        title: String,
        path: PathBuf,
        bytes: u64,
    },
    Failed {
        id: i64,
        title: String,
        error: String,
    },
    /// Paused, cancelled or deleted while it ran.
    Stopped { id: i64 },
    /// Another tidings runs the queue (its pid, when known); this one waits.
    Elsewhere { pid: Option<u32> },
}

/// Totals of one run of the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DownloadSummary {
    pub done: usize,
    pub failed: usize,
    pub stopped: usize,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("the download queue is being run by another tidings ({})", match .pid {
        Some(pid) => format!("pid {pid}"),
        None => "pid unknown".to_string(),
    })]
    Elsewhere { pid: Option<u32> },
    #[error(transparent)]
    Lock(crate::lock::LockError),
    #[error("no download {0}")]
    NoSuchDownload(i64),
    #[error("article {article_id} has no enclosure {index}")]
    NoSuchEnclosure { article_id: i64, index: usize },
    #[error("download {id} is {state}: {what}")]
    WrongState {
        id: i64,
        state: &'static str,
        what: &'static str,
    },
    #[error("{0}")]
    Player(String),
}

impl From<StoreError> for DownloadError {
    fn from(e: StoreError) -> Self {
        DownloadError::Session(e.into())
    }
}

/// How the downloader works, from the configuration.
#[derive(Debug, Clone)]
pub struct DownloadSettings {
    /// Files go to `dir/<feed title>/`.
    pub dir: PathBuf,
    pub concurrency: usize,
    pub max_per_host: usize,
    /// The lock that makes this process the one that runs the queue; `None`: no other process
    /// uses this cache (tests).
    pub lock_file: Option<PathBuf>,
}

impl DownloadSettings {
    pub fn new(config: &Config, lock_file: Option<PathBuf>) -> DownloadSettings {
        DownloadSettings {
            dir: config.download_folder(),
            concurrency: config.download_concurrency.max(1),
            max_per_host: config.max_per_host.max(1),
            lock_file,
        }
    }
}

/// After a refresh stored new articles of `feed_id` at `fetched_at`: their episodes are queued when
/// the feed downloads automatically. A failure is logged, never the refresh's failure.
pub(crate) fn queue_new_episodes(store: &mut Store, feed_id: i64, fetched_at: i64) {
    match store.queue_new_episodes(feed_id, fetched_at, AUTO_PER_REFRESH) {
        Ok(0) => {}
        Ok(n) => tracing::info!(feed_id, queued = n, "new episodes queued for download"),
        Err(e) => tracing::warn!(feed_id, error = %e, "cannot queue new episodes"),
    }
}

impl super::Session {
    /// Turns a feed's automatic downloads on or off: with it on, each refresh queues the episodes
    /// of the feed's new articles.
    pub async fn set_auto_download(&self, feed_id: i64, on: bool) -> Result<(), SessionError> {
        self.db()
            .write(Lane::Interactive, move |s| s.set_auto_download(feed_id, on))
            .await
    }

    /// The download queue, oldest first (without starting the HTTP client).
    pub async fn download_records(&self) -> Result<Vec<DownloadRecord>, SessionError> {
        self.db().read(|s| s.downloads()).await
    }
}

/// How one download ended.
enum Ending {
    Done {
        path: PathBuf,
        bytes: u64,
    },
    /// Paused, cancelled or deleted meanwhile.
    Stopped,
}

/// The download queue's worker and its controls. Cheap to share: clone the `Arc`.
pub struct Downloader {
    fetcher: Fetcher,
    db: Db,
    settings: DownloadSettings,
    /// The downloads this process runs: a switch that stops each.
    running: Mutex<HashMap<i64, watch::Sender<bool>>>,
    /// Something was queued here: the worker looks at once.
    wake: Notify,
}

impl Downloader {
    pub fn new(fetcher: Fetcher, db: Db, settings: DownloadSettings) -> Downloader {
        Downloader {
            fetcher,
            db,
            settings,
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
        }
    }

    pub fn settings(&self) -> &DownloadSettings {
        &self.settings
    }

    async fn write<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DownloadError> {
        Ok(self.db.write(lane, f).await?)
    }

    // ---- the controls ------------------------------------------------------------------------

    /// Queues enclosure `index` (0 = the first) of an article.
    pub async fn queue_enclosure(
        &self,
        article_id: i64,
        index: usize,
    ) -> Result<Queued, DownloadError> {
        let queued = self
            .write(Lane::Interactive, move |s| {
                s.queue_enclosure(article_id, index)
            })
            .await?
            .ok_or(DownloadError::NoSuchEnclosure { article_id, index })?;
        self.wake.notify_one();
        Ok(queued)
    }

    /// Queues a feed's episodes never queued before (the newest `limit`). Returns how many.
    pub async fn queue_feed(&self, feed_id: i64, limit: usize) -> Result<usize, DownloadError> {
        let n = self
            .write(Lane::Interactive, move |s| {
                s.queue_feed_episodes(feed_id, limit)
            })
            .await?;
        self.wake.notify_one();
        Ok(n)
    }

    /// Queues every failed download again (each resumes its partial file). Returns how many.
    pub async fn retry_failed(&self) -> Result<usize, DownloadError> {
        let n = self
            .write(Lane::Interactive, |s| s.retry_failed_downloads())
            .await?;
        self.wake.notify_one();
        Ok(n)
    }

    /// The whole queue, oldest first.
    pub async fn records(&self) -> Result<Vec<DownloadRecord>, DownloadError> {
        Ok(self.db.read(|s| s.downloads()).await?)
    }

    /// The queue as a downloads view lists it.
    pub async fn rows(&self) -> Result<Vec<DownloadRow>, DownloadError> {
        Ok(self
            .records()
            .await?
            .iter()
            .map(DownloadRow::from_record)
            .collect())
    }

    /// Stops a download this process runs (it keeps or removes its file as its row now says).
    fn stop_here(&self, id: i64) {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stop) = running.get(&id) {
            let _ = stop.send(true);
        }
    }

    /// Why a control did nothing: the download is not there, or not in a state it applies to.
    async fn refused(&self, id: i64, what: &'static str) -> DownloadError {
        match self.db.read(move |s| s.download(id)).await {
            Ok(Some(r)) => DownloadError::WrongState {
                id,
                state: r.state.as_str(),
                what,
            },
            Ok(None) => DownloadError::NoSuchDownload(id),
            Err(e) => e.into(),
        }
    }

    /// Pauses a queued or running download (its partial file is kept).
    pub async fn pause(&self, id: i64) -> Result<(), DownloadError> {
        use DownloadState::*;
        let before = self
            .write(Lane::Interactive, move |s| {
                s.change_download_state(id, &[Queued, Downloading], Paused)
            })
            .await?;
        match before {
            Some(_) => {
                self.stop_here(id);
                Ok(())
            }
            None => Err(self
                .refused(id, "only a queued or running download can be paused")
                .await),
        }
    }

    /// Queues a paused, failed or cancelled download again.
    pub async fn resume(&self, id: i64) -> Result<(), DownloadError> {
        use DownloadState::*;
        let before = self
            .write(Lane::Interactive, move |s| {
                s.change_download_state(id, &[Paused, Failed, Cancelled], Queued)
            })
            .await?;
        match before {
            Some(_) => {
                self.wake.notify_one();
                Ok(())
            }
            None => Err(self
                .refused(
                    id,
                    "only a paused, failed or cancelled download can be resumed",
                )
                .await),
        }
    }

    /// Cancels a download that is not done: it stops, and its partial file goes.
    pub async fn cancel(&self, id: i64) -> Result<(), DownloadError> {
        use DownloadState::*;
        let before = self
            .write(Lane::Interactive, move |s| {
                s.change_download_state(id, &[Queued, Downloading, Paused, Failed], Cancelled)
            })
            .await?;
        match before {
            Some(before) => {
                self.stop_here(id);
                if let Some(path) = &before.path {
                    remove_quietly(&part_path(Path::new(path)));
                }
                Ok(())
            }
            None => Err(self
                .refused(id, "a finished download is deleted, not cancelled")
                .await),
        }
    }

    /// Removes a download from the queue, and its file: the finished one, or the partial one.
    pub async fn delete(&self, id: i64) -> Result<(), DownloadError> {
        let before = self
            .write(Lane::Interactive, move |s| s.delete_download(id))
            .await?
            .ok_or(DownloadError::NoSuchDownload(id))?;
        self.stop_here(id);
        if let Some(path) = &before.path {
            let path = Path::new(path);
            remove_quietly(&part_path(path));
            if before.state == DownloadState::Done {
                remove_quietly(path);
            }
        }
        Ok(())
    }

    /// Plays a finished download with the configured player (see [`player_command`]).
    pub async fn play(
        &self,
        id: i64,
        player: Option<&str>,
    ) -> Result<std::process::Child, DownloadError> {
        let record = self
            .db
            .read(move |s| s.download(id))
            .await?
            .ok_or(DownloadError::NoSuchDownload(id))?;
        let path = match (&record.state, &record.path) {
            (DownloadState::Done, Some(path)) => PathBuf::from(path),
            _ => {
                return Err(self
                    .refused(id, "only a finished download can be played")
                    .await);
            }
        };
        play(player, &path)
    }
}

/// The title a download is shown under: the episode's, else its file's name from the URL.
fn shown_title(record: &DownloadRecord) -> String {
    let title = clean_line(&record.title);
    if !title.is_empty() {
        return title;
    }
    let (stem, extension) = file_name_parts(&record.url, "", None);
    numbered_name(&stem, 1, extension.as_deref())
}
