//! The worker: takes queued downloads, runs them with bounded concurrency, writes `.part` files
//! and renames them when complete, resumes with `Range`, and reports progress.

use super::*;

impl Downloader {
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
            Some(feed_id) => crate::session::refresh::reach_for_links(&self.db, feed_id).await,
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
pub(super) fn download_error(e: &FetchError) -> String {
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

pub(super) fn write_error(path: &Path, e: &std::io::Error) -> String {
    format!("cannot write {}: {e}", path.display())
}

/// Moves the finished `part` to `path` without ever replacing a file there: a hard link (which
/// fails on an existing name) then the partial name goes; where the file system has no hard links,
/// a rename after a check.
pub(super) fn place(part: &Path, path: &Path) -> std::io::Result<()> {
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
pub(super) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

pub(super) fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

pub(super) fn remove_quietly(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot remove"),
    }
}

/// Downloads from the same host share a limit.
pub(super) fn host_key(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}
