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

pub use crate::text::filename::{numbered_name, safe_name};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
            dir: download_folder(config),
            concurrency: config.download_concurrency.max(1),
            max_per_host: config.max_per_host.max(1),
            lock_file,
        }
    }
}

/// The folder downloads go to: `download_dir` (with `~/` expanded), else the user's download folder
/// (XDG_DOWNLOAD_DIR), else `~/Downloads`.
pub fn download_folder(config: &Config) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if let Some(dir) = config
        .download_dir
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        return match (dir.strip_prefix("~/"), home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ if dir == "~" => home().unwrap_or_else(|| PathBuf::from(dir)),
            _ => PathBuf::from(dir),
        };
    }
    directories::UserDirs::new()
        .and_then(|d| d.download_dir().map(Path::to_path_buf))
        .or_else(|| home().map(|h| h.join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
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

    // ---- the worker --------------------------------------------------------------------------

    /// Takes the queue's lock: this process runs the queue while it is held.
    fn lock(&self) -> Result<Option<crate::lock::ProfileLock>, DownloadError> {
        let Some(path) = &self.settings.lock_file else {
            return Ok(None);
        };
        match crate::lock::ProfileLock::acquire_file(path.clone()) {
            Ok(lock) => Ok(Some(lock)),
            Err(crate::lock::LockError::AlreadyRunning { pid }) => {
                Err(DownloadError::Elsewhere { pid })
            }
            Err(e) => Err(DownloadError::Lock(e)),
        }
    }

    /// Runs the queue until nothing queued is left (the command line), then returns what it did.
    /// Fails with [`DownloadError::Elsewhere`] when another process runs the queue.
    pub async fn run_until_idle(
        self: &Arc<Self>,
        events: &mpsc::Sender<DownloadEvent>,
    ) -> Result<DownloadSummary, DownloadError> {
        let lock = self.lock()?;
        self.work(events, true, lock).await
    }

    /// The worker for as long as the program runs (the reader): downloads what is queued, here or
    /// by another process, and waits for more. While another process runs the queue it says so
    /// once and waits for its turn.
    pub fn spawn(
        self: Arc<Self>,
        events: mpsc::Sender<DownloadEvent>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut said = false;
            let lock = loop {
                match self.lock() {
                    Ok(lock) => break lock,
                    Err(DownloadError::Elsewhere { pid }) => {
                        if !said {
                            let _ = events.send(DownloadEvent::Elsewhere { pid }).await;
                            said = true;
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot run the download queue"),
                }
                tokio::time::sleep(POLL).await;
            };
            if let Err(e) = self.work(&events, false, lock).await {
                tracing::error!(error = %e, "the download queue stopped");
            }
        })
    }

    async fn work(
        self: &Arc<Self>,
        events: &mpsc::Sender<DownloadEvent>,
        until_idle: bool,
        _lock: Option<crate::lock::ProfileLock>,
    ) -> Result<DownloadSummary, DownloadError> {
        // Holding the lock, this is the only worker: what says `downloading` was cut off.
        let interrupted = self
            .write(Lane::Background, |s| s.requeue_interrupted_downloads())
            .await?;
        if interrupted > 0 {
            tracing::info!(interrupted, "resuming downloads cut off earlier");
        }
        let mut tasks = tokio::task::JoinSet::new();
        let mut per_host: HashMap<String, usize> = HashMap::new();
        let mut summary = DownloadSummary::default();
        loop {
            while tasks.len() < self.settings.concurrency {
                let full: HashSet<String> = per_host
                    .iter()
                    .filter(|(_, n)| **n >= self.settings.max_per_host)
                    .map(|(h, _)| h.clone())
                    .collect();
                let claimed = self
                    .write(Lane::Background, move |s| {
                        s.claim_download(|r| !full.contains(&host_key(&r.url)))
                    })
                    .await?;
                let Some(record) = claimed else { break };
                let host = host_key(&record.url);
                *per_host.entry(host.clone()).or_default() += 1;
                let (stop, stopped) = watch::channel(false);
                self.running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(record.id, stop);
                let me = Arc::clone(self);
                let events = events.clone();
                tasks.spawn(async move {
                    let id = record.id;
                    let ran = std::panic::AssertUnwindSafe(me.download(record, stopped, &events))
                        .catch_unwind()
                        .await;
                    let outcome = match ran {
                        Ok(outcome) => outcome,
                        Err(_) => {
                            tracing::error!(id, "a download crashed");
                            let _ = me
                                .write(Lane::Background, move |s| {
                                    s.fail_download(id, "the download crashed (see the log)", 0)
                                })
                                .await;
                            Outcome::Failed
                        }
                    };
                    (id, host, outcome)
                });
            }
            if tasks.is_empty() && until_idle {
                break;
            }
            tokio::select! {
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok((id, host, outcome)) = joined {
                        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                        if let Some(n) = per_host.get_mut(&host) {
                            *n = n.saturating_sub(1);
                        }
                        match outcome {
                            Outcome::Done(bytes) => {
                                summary.done += 1;
                                summary.bytes += bytes;
                            }
                            Outcome::Failed => summary.failed += 1,
                            Outcome::Stopped => summary.stopped += 1,
                        }
                    }
                }
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL), if !until_idle => {}
            }
        }
        Ok(summary)
    }

    /// Runs one claimed download to its end, and records how it ended.
    async fn download(
        &self,
        record: DownloadRecord,
        mut stop: watch::Receiver<bool>,
        events: &mpsc::Sender<DownloadEvent>,
    ) -> Outcome {
        let id = record.id;
        let title = shown_title(&record);
        let mut part = None;
        let result = self
            .transfer(&record, &title, &mut stop, events, &mut part)
            .await;
        match result {
            Ok(Ending::Done { path, bytes }) => {
                tracing::debug!(id, path = %path.display(), bytes, "download done");
                let _ = events
                    .send(DownloadEvent::Done {
                        id,
                        title,
                        path,
                        bytes,
                    })
                    .await;
                Outcome::Done(bytes)
            }
            Ok(Ending::Stopped) => {
                self.after_stop(id, part.as_deref()).await;
                let _ = events.send(DownloadEvent::Stopped { id }).await;
                Outcome::Stopped
            }
            Err(error) => {
                let error = clean_line(&error);
                tracing::warn!(id, url = %clean_line(&record.url), %error, "download failed");
                // What is on disk is what a resume starts from; an empty partial file is no use.
                let kept = part
                    .as_deref()
                    .map_or(0, |p| match std::fs::symlink_metadata(p) {
                        Ok(m) if m.is_file() => m.len(),
                        _ => 0,
                    });
                if kept == 0
                    && let Some(p) = &part
                {
                    remove_quietly(p);
                }
                let message = error.clone();
                let failed = self
                    .write(Lane::Background, move |s| {
                        s.fail_download(id, &message, kept as i64)
                    })
                    .await;
                if !matches!(failed, Ok(true)) {
                    // Paused, cancelled or deleted while it failed: that wins.
                    self.after_stop(id, part.as_deref()).await;
                    let _ = events.send(DownloadEvent::Stopped { id }).await;
                    return Outcome::Stopped;
                }
                let _ = events
                    .send(DownloadEvent::Failed { id, title, error })
                    .await;
                Outcome::Failed
            }
        }
    }

    /// A download stopped: a cancelled or deleted one leaves no partial file behind (the control
    /// removed it, but the worker may have made it again since); a paused one keeps it.
    async fn after_stop(&self, id: i64, part: Option<&Path>) {
        let Some(part) = part else { return };
        if let Ok(row) = self.db.read(move |s| s.download(id)).await {
            let keep = row.is_some_and(|r| r.state != DownloadState::Cancelled);
            if !keep {
                remove_quietly(part);
            }
        }
    }

    /// Gives a download a file name in its feed's folder that no file and no other download has.
    /// `None` when the download is no longer running (paused, cancelled or deleted).
    async fn choose_path(&self, record: &DownloadRecord) -> Result<Option<PathBuf>, String> {
        let dir = self.settings.dir.join(folder_name(&record.feed_title));
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let (stem, extension) = file_name_parts(&record.url, &record.title, record.mime.as_deref());
        for n in 1..=MAX_COPIES {
            let candidate = dir.join(numbered_name(&stem, n, extension.as_deref()));
            if exists(&candidate) || exists(&part_path(&candidate)) {
                continue;
            }
            let Some(text) = candidate.to_str().map(str::to_string) else {
                return Err(format!(
                    "the download folder {} is not a UTF-8 path",
                    self.settings.dir.display()
                ));
            };
            let id = record.id;
            let claimed = self
                .write(Lane::Background, move |s| {
                    s.set_download_path(id, Some(&text))
                })
                .await
                .map_err(|e| e.to_string())?;
            match claimed {
                Some(true) => return Ok(Some(candidate)),
                Some(false) => continue,
                None => return Ok(None),
            }
        }
        Err(format!(
            "{MAX_COPIES} files named {stem:?} are in {} already",
            dir.display()
        ))
    }

    /// Downloads into `path` + `.part` (resuming what is there), then gives the file its name.
    async fn transfer(
        &self,
        record: &DownloadRecord,
        title: &str,
        stop: &mut watch::Receiver<bool>,
        events: &mpsc::Sender<DownloadEvent>,
        part_out: &mut Option<PathBuf>,
    ) -> Result<Ending, String> {
        let id = record.id;
        let reach = match record.feed_id {
            Some(feed_id) => super::refresh::reach_for_links(&self.db, feed_id).await,
            None => Reach::PublicOnly,
        };
        // A download that started before has its name (and maybe a partial file); a new one gets
        // its name once the server answered with the file, so a 404 leaves nothing behind.
        let earlier = record.path.as_ref().map(PathBuf::from);
        let mut from = 0;
        if let Some(path) = &earlier {
            let part = part_path(path);
            *part_out = Some(part.clone());
            // Finished, but the program was stopped before it said so: the name was this one's.
            if !exists(&part) && is_regular_file(path) {
                let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                return self.record_done(id, path.clone(), &part, bytes).await;
            }
            from = match std::fs::symlink_metadata(&part) {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => return Err(format!("{} is not a regular file", part.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(format!("cannot read {}: {e}", part.display())),
            };
        }
        let mut tries = 0;
        let (mut body, total) = loop {
            tries += 1;
            let if_range = record.validator.as_deref().filter(|_| from > 0);
            let started = tokio::select! {
                started = self.fetcher.start_download(&record.url, reach, from, if_range) => started,
                () = stopped(stop) => return Ok(Ending::Stopped),
            };
            let body = started.map_err(|e| download_error(&e))?;
            match body.start {
                // The whole file: a fresh start, or a server that ignores Range (or If-Range saw
                // another file): start over.
                DownloadStart::Whole { total } => {
                    from = 0;
                    break (body, total);
                }
                DownloadStart::From { offset, total } if offset == from => break (body, total),
                // Asked for the rest of a file that is all there already.
                DownloadStart::PastTheEnd { total: Some(total) }
                    if from > 0
                        && total == from
                        && let Some(path) = &earlier =>
                {
                    drop(body);
                    return self
                        .finish(record, path.clone(), &part_path(path), from)
                        .await;
                }
                // A range that does not fit what is on disk: ask for the whole file.
                other if tries < 2 && from > 0 => {
                    tracing::debug!(id, ?other, from, "unusable range: starting over");
                    from = 0;
                }
                other => return Err(format!("the server sent an unusable range ({other:?})")),
            }
        };
        let path = match earlier {
            Some(path) => path,
            None => match self.choose_path(record).await? {
                Some(path) => path,
                None => return Ok(Ending::Stopped),
            },
        };
        let part = part_path(&path);
        *part_out = Some(part.clone());
        if exists(&part) && !is_regular_file(&part) {
            return Err(format!("{} is not a regular file", part.display()));
        }
        let validator = body.validator.clone();
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&part)
            .await
            .map_err(|e| write_error(&part, &e))?;
        let mut file = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let placed = async {
            file.get_mut().set_len(from).await?;
            file.get_mut().seek(std::io::SeekFrom::Start(from)).await
        }
        .await;
        placed.map_err(|e| write_error(&part, &e))?;
        let stored_total = total.map(|t| t as i64);
        let still = self
            .write(Lane::Background, move |s| {
                s.download_progress(id, from as i64, stored_total, validator.as_deref())
            })
            .await
            .map_err(|e| e.to_string())?;
        if !still {
            return Ok(Ending::Stopped);
        }
        let _ = events
            .send(DownloadEvent::Started {
                id,
                title: title.to_string(),
                path: path.clone(),
                from,
                total,
            })
            .await;
        let mut done = from;
        let mut reported = Instant::now();
        let mut stored = Instant::now();
        let mut window = 0u64;
        loop {
            let chunk = tokio::select! {
                biased;
                () = stopped(stop) => {
                    let _ = file.flush().await;
                    return Ok(Ending::Stopped);
                }
                chunk = body.chunk() => chunk,
            };
            let chunk = match chunk {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    // What came is kept for the next try.
                    let _ = file.flush().await;
                    return Err(download_error(&e));
                }
            };
            let bytes = chunk.as_ref();
            if let Err(e) = file.write_all(bytes).await {
                let _ = file.flush().await;
                return Err(write_error(&part, &e));
            }
            done += bytes.len() as u64;
            window += bytes.len() as u64;
            let now = Instant::now();
            let since = now.duration_since(reported);
            if since >= REPORT_EVERY {
                let speed = (window as f64 / since.as_secs_f64()) as u64;
                let _ = events.try_send(DownloadEvent::Progress {
                    id,
                    bytes_done: done,
                    bytes_total: total,
                    speed,
                });
                reported = now;
                window = 0;
            }
            if now.duration_since(stored) >= STORE_EVERY {
                stored = now;
                let still = self
                    .write(Lane::Background, move |s| {
                        s.download_progress(id, done as i64, None, None)
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                if !still {
                    let _ = file.flush().await;
                    return Ok(Ending::Stopped);
                }
            }
        }
        file.flush().await.map_err(|e| write_error(&part, &e))?;
        let file = file.into_inner();
        file.sync_all().await.map_err(|e| write_error(&part, &e))?;
        drop(file);
        if let Some(total) = total
            && done != total
        {
            return Err(if done < total {
                format!(
                    "the connection closed after {} of {}",
                    format_bytes(done),
                    format_bytes(total)
                )
            } else {
                format!(
                    "the server sent {} where it said {}",
                    format_bytes(done),
                    format_bytes(total)
                )
            });
        }
        self.finish(record, path, &part, done).await
    }

    /// The whole file is in `part`: it gets its name (never over an existing file: the next free
    /// one then), and the row says done.
    async fn finish(
        &self,
        record: &DownloadRecord,
        mut path: PathBuf,
        part: &Path,
        bytes: u64,
    ) -> Result<Ending, String> {
        loop {
            match place(part, &path) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // A file of that name appeared meanwhile.
                    match self.choose_path(record).await? {
                        Some(next) => path = next,
                        None => return Ok(Ending::Stopped),
                    }
                }
                Err(e) => {
                    return Err(format!(
                        "cannot rename {} to {}: {e}",
                        part.display(),
                        path.display()
                    ));
                }
            }
        }
        self.record_done(record.id, path, part, bytes).await
    }

    async fn record_done(
        &self,
        id: i64,
        path: PathBuf,
        part: &Path,
        bytes: u64,
    ) -> Result<Ending, String> {
        let Some(text) = path.to_str().map(str::to_string) else {
            return Err(format!("{} is not a UTF-8 path", path.display()));
        };
        let recorded = self
            .write(Lane::Background, move |s| {
                s.finish_download(id, &text, bytes as i64)
            })
            .await
            .map_err(|e| e.to_string())?;
        if !recorded {
            // Cancelled or deleted at the last moment.
            remove_quietly(&path);
            remove_quietly(part);
            return Ok(Ending::Stopped);
        }
        Ok(Ending::Done { path, bytes })
    }
}

/// How a download ended, for the summary.
enum Outcome {
    Done(u64),
    Failed,
    Stopped,
}

/// Resolves when the stop switch is thrown (never, once its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A fetch error as a download's error: HTTP statuses with their reason.
fn download_error(e: &FetchError) -> String {
    match e {
        FetchError::Status(code) => {
            let reason = reqwest::StatusCode::from_u16(*code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            format!("HTTP {code} {reason}").trim_end().to_string()
        }
        other => other.to_string(),
    }
}

fn write_error(path: &Path, e: &std::io::Error) -> String {
    format!("cannot write {}: {e}", path.display())
}

/// Moves the finished `part` to `path` without ever replacing a file there: a hard link (which
/// fails on an existing name) then the partial name goes; where the file system has no hard links,
/// a rename after a check.
fn place(part: &Path, path: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(part, path) {
        Ok(()) => {
            remove_quietly(part);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(e),
        Err(_) => {
            if exists(path) {
                return Err(std::io::ErrorKind::AlreadyExists.into());
            }
            std::fs::rename(part, path)
        }
    }
}

/// `path` + `.part`.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(PART_SUFFIX);
    PathBuf::from(name)
}

/// Whether anything is at `path` (a dangling symlink too).
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

fn remove_quietly(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot remove"),
    }
}

/// Downloads from the same host share a limit.
fn host_key(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
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

// ---- names -----------------------------------------------------------------------------------

/// The folder of a feed's downloads, from its title.
pub fn folder_name(feed_title: &str) -> String {
    Some(safe_name(feed_title, MAX_STEM))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Unknown feed".to_string())
}

/// `%xx` escapes decoded (invalid UTF-8 replaced).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A plausible file extension: 1 to 8 ASCII letters and digits, at least one a letter.
fn is_extension(ext: &str) -> bool {
    (1..=8).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        && ext.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The usual extension of a media type.
fn extension_for_mime(mime: &str) -> Option<&'static str> {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match mime.as_str() {
        "audio/mpeg" | "audio/mp3" | "audio/mpeg3" | "audio/x-mpeg" | "audio/x-mp3" => "mp3",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" | "audio/aac" | "audio/x-aac" => "m4a",
        "audio/ogg" | "application/ogg" | "audio/vorbis" => "ogg",
        "audio/opus" => "opus",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "video/mp4" => "mp4",
        "video/x-m4v" => "m4v",
        "video/webm" => "webm",
        "audio/webm" => "weba",
        "video/quicktime" => "mov",
        "application/pdf" => "pdf",
        "application/x-bittorrent" => "torrent",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => return None,
    })
}

/// A download's file name, as a stem and an extension: the stem from the episode's title, else the
/// URL's last path segment, else `download`; the extension from that segment, else the media type.
/// Both made safe ([`safe_name`]).
pub fn file_name_parts(url: &str, title: &str, mime: Option<&str>) -> (String, Option<String>) {
    let segment = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.rfind(|s| !s.is_empty()).map(percent_decode))
        })
        .unwrap_or_default();
    let (segment_stem, segment_ext) = match segment.rsplit_once('.') {
        Some((stem, ext)) if is_extension(ext) && !stem.is_empty() => {
            (stem.to_string(), Some(ext.to_ascii_lowercase()))
        }
        _ => (segment.clone(), None),
    };
    let extension = segment_ext.or_else(|| mime.and_then(extension_for_mime).map(str::to_string));
    let mut title = title.trim();
    // "Episode 5.mp3" as a title is not "Episode 5.mp3.mp3".
    if let Some(ext) = &extension
        && let Some((stem, last)) = title.rsplit_once('.')
        && last.eq_ignore_ascii_case(ext)
    {
        title = stem;
    }
    let stem = [title, segment_stem.as_str()]
        .iter()
        .map(|t| safe_name(t, MAX_STEM))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "download".to_string());
    (stem, extension)
}

// ---- playing ---------------------------------------------------------------------------------

/// The player's command for `file`: `player` (the `player` setting; unset: `xdg-open`, `open` on
/// macOS) split into arguments as a shell would (`'…'`, `"…"`, `\`) but never run by one; the
/// file is one argument, where an argument says `%f` (also inside one, as in `--file=%f`), else
/// the last. The caller decides where its input and output go.
pub fn player_command(
    player: Option<&str>,
    file: &Path,
) -> Result<std::process::Command, DownloadError> {
    let default = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let line = player
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(default);
    let argv = shell_words::split(line).map_err(|e| {
        DownloadError::Player(format!(
            "cannot read the player {:?}: {e}",
            clean_line(line)
        ))
    })?;
    let Some((program, args)) = argv.split_first() else {
        return Err(DownloadError::Player("no player given".into()));
    };
    let mut command = std::process::Command::new(program);
    let mut placed = false;
    for arg in args {
        if arg.contains("%f") {
            placed = true;
            let mut pieces = arg.split("%f");
            let mut built = OsString::from(pieces.next().unwrap_or(""));
            for piece in pieces {
                built.push(file.as_os_str());
                built.push(piece);
            }
            command.arg(built);
        } else {
            command.arg(arg);
        }
    }
    if !placed {
        command.arg(file);
    }
    Ok(command)
}

/// Starts the player on `file` in the background, its input and output away from the terminal.
pub fn play(player: Option<&str>, file: &Path) -> Result<std::process::Child, DownloadError> {
    let mut command = player_command(player, file)?;
    let program = clean_line(&command.get_program().to_string_lossy());
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| DownloadError::Player(format!("cannot start {program}: {e}")))
}

// ---- what a downloads view shows -------------------------------------------------------------

/// One row of a downloads view: what the queue holds, with the live speed of a running download.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadRow {
    pub id: i64,
    /// The episode's title (cleaned), else the file's name.
    pub title: String,
    pub feed: String,
    /// The file's name: the finished file's, once chosen; else what the URL calls it.
    pub file: String,
    pub path: Option<PathBuf>,
    pub state: DownloadState,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    /// Bytes per second, while it runs.
    pub speed: Option<u64>,
    pub error: Option<String>,
}

impl DownloadRow {
    pub fn from_record(r: &DownloadRecord) -> DownloadRow {
        let path = r.path.as_ref().map(PathBuf::from);
        let file = match &path {
            Some(p) => clean_line(&p.file_name().unwrap_or_default().to_string_lossy()),
            None => {
                let (stem, extension) = file_name_parts(&r.url, "", r.mime.as_deref());
                numbered_name(&stem, 1, extension.as_deref())
            }
        };
        DownloadRow {
            id: r.id,
            title: shown_title(r),
            feed: clean_line(&r.feed_title),
            file,
            path,
            state: r.state,
            bytes_done: r.bytes_done.max(0) as u64,
            bytes_total: r.bytes_total.filter(|t| *t > 0).map(|t| t as u64),
            speed: None,
            error: r.error.as_deref().map(clean_line),
        }
    }

    /// How much is done, 0 to 1, when the size is known.
    pub fn fraction(&self) -> Option<f64> {
        if self.state == DownloadState::Done {
            return Some(1.0);
        }
        let total = self.bytes_total?;
        Some((self.bytes_done as f64 / total as f64).clamp(0.0, 1.0))
    }

    /// "3.1 MB of 45.2 MB", "3.1 MB", or the size alone once done.
    pub fn size_text(&self) -> String {
        match (self.state, self.bytes_total) {
            (DownloadState::Done, _) => format_bytes(self.bytes_done),
            (_, Some(total)) => format!(
                "{} of {}",
                format_bytes(self.bytes_done),
                format_bytes(total)
            ),
            (_, None) => format_bytes(self.bytes_done),
        }
    }

    /// "queued", "downloading 27% · 1.2 MB/s", "paused 40%", "failed: HTTP 404 Not Found" …
    pub fn status_text(&self) -> String {
        let mut text = self.state.as_str().to_string();
        if matches!(
            self.state,
            DownloadState::Downloading | DownloadState::Paused
        ) && let Some(f) = self.fraction()
        {
            text.push_str(&format!(" {}%", (f * 100.0).floor() as u64));
        }
        if self.state == DownloadState::Downloading
            && let Some(speed) = self.speed
        {
            text.push_str(&format!(" · {}/s", format_bytes(speed)));
        }
        if let Some(error) = self
            .error
            .as_deref()
            .filter(|_| self.state == DownloadState::Failed)
        {
            text.push_str(": ");
            text.push_str(error);
        }
        text
    }

    /// Takes in what the downloader reported about this row.
    pub fn apply(&mut self, event: &DownloadEvent) {
        match event {
            DownloadEvent::Started {
                id,
                path,
                from,
                total,
                ..
            } if *id == self.id => {
                self.state = DownloadState::Downloading;
                self.file = clean_line(&path.file_name().unwrap_or_default().to_string_lossy());
                self.path = Some(path.clone());
                self.bytes_done = *from;
                self.bytes_total = total.or(self.bytes_total);
                self.error = None;
            }
            DownloadEvent::Progress {
                id,
                bytes_done,
                bytes_total,
                speed,
            } if *id == self.id => {
                self.bytes_done = *bytes_done;
                self.bytes_total = bytes_total.or(self.bytes_total);
                self.speed = Some(*speed);
            }
            DownloadEvent::Done {
                id, path, bytes, ..
            } if *id == self.id => {
                self.state = DownloadState::Done;
                self.file = clean_line(&path.file_name().unwrap_or_default().to_string_lossy());
                self.path = Some(path.clone());
                self.bytes_done = *bytes;
                self.bytes_total = Some(*bytes);
                self.speed = None;
            }
            DownloadEvent::Failed { id, error, .. } if *id == self.id => {
                self.state = DownloadState::Failed;
                self.error = Some(error.clone());
                self.speed = None;
            }
            DownloadEvent::Stopped { id } if *id == self.id => self.speed = None,
            _ => {}
        }
    }
}

/// The rows of a downloads view from the queue, oldest first.
pub fn download_rows(records: &[DownloadRecord]) -> Vec<DownloadRow> {
    records.iter().map(DownloadRow::from_record).collect()
}

/// A size in bytes for people: `512 B`, `3.4 kB`, `45.2 MB`, `1.3 GB` (powers of 1000).
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A text progress bar `width` characters wide: `#####-----`.
pub fn progress_bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "#".repeat(filled), "-".repeat(width - filled))
}
