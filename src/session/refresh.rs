//! The background refresher: fetches due (or requested) feeds with bounded concurrency, parses them off
//! the async threads, stores each in one transaction, and reports progress as [`Update`] messages.
//!
//! Which feeds a refresh takes is a [`FeedSet`]: the due ones (the poller's timer, `tidings refresh
//! --due`), the named ones (always fetched, whatever their schedule), or all of them, which still leaves
//! out the feeds a server asked us to leave alone ([`Skipped`]: 410 Gone, or a `Retry-After` not yet
//! over). A 304 of a feed with full articles on also fetches the pages still missing, so work a crash
//! cut off resumes.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{Semaphore, mpsc};

use super::SessionError;
use super::db::{Db, Lane};
use super::welcome;
use super::writes::FeedWrites;
use crate::config::Config;
use crate::feed::fetch::{FetchError, Fetched, Fetcher, Reach, Validators, is_public_url};
use crate::feed::parse::{charset_from_content_type, parse_feed_with_charset};
use crate::feed::schedule::{self, FeedHints, MAX_WAIT};
use crate::store::{FeedRecord, FetchMeta, RefreshWrite, Store, StoreError, Unchanged, now_unix};
use crate::text::clean_line;

/// What the refresher tells the UI (or the CLI's progress line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    RefreshStarted {
        feeds: usize,
    },
    FeedDone {
        feed_id: i64,
        new_articles: usize,
        not_modified: bool,
    },
    FeedFailed {
        feed_id: i64,
        title: String,
        error: String,
    },
    RefreshFinished(RefreshSummary),
    /// An article's full text was fetched (or failed: `error`).
    FullTextDone {
        article_id: i64,
        error: Option<String>,
    },
}

/// Totals of one refresh run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshSummary {
    pub fetched: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub new_articles: usize,
}

/// What the UI asks the poller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollerCommand {
    RefreshAll,
    Refresh(Vec<i64>),
    /// Fetch (again) the full text of one article.
    FullText(i64),
}

/// Full texts fetched per feed and refresh, at most; older articles are left to the `f` key.
const FULL_TEXTS_PER_REFRESH: usize = 20;

/// Why a refresh failed. The kind is kept until the message is written: a fetch error decides when
/// to try again.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Fetch(FetchError),
    #[error(transparent)]
    Parse(crate::feed::parse::ParseError),
    #[error("the parser crashed on this feed")]
    ParserCrashed,
    #[error(transparent)]
    Cache(SessionError),
}

/// `next_fetch` of a feed that is never polled again (410 Gone); an explicit refresh still tries.
const NEVER: i64 = i64::MAX / 2;

/// The schedule reason of a feed that answered 410 Gone.
const GONE_REASON: &str = "410 Gone: not polled again";

/// How the schedule reason of a feed under a server's `Retry-After` begins.
const RETRY_AFTER_REASON: &str = "the server's Retry-After";

/// Which feeds a refresh takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSet {
    /// Every feed, except those a server asked us to leave alone (see [`Skipped`]).
    All,
    /// The feeds whose own schedule says they are due.
    Due,
    /// These feeds (by id), whatever their schedule: a person named them.
    Only(Vec<i64>),
}

/// The feeds a refresh of everything left alone, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Answered 410 Gone: never polled again unless named.
    pub gone: usize,
    /// Under the server's `Retry-After` (429 or 503), which is not over yet.
    pub asked_to_wait: usize,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.gone + self.asked_to_wait
    }
}

/// The feeds a [`FeedSet`] stands for now, and those it left out.
#[derive(Debug, Clone, Default)]
pub struct Chosen {
    pub feeds: Vec<FeedRecord>,
    pub skipped: Skipped,
}

/// Why a refresh of everything leaves a feed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    Gone,
    AskedToWait,
}

/// Whether a feed scheduled for `next_fetch` (for `reason`) is left out of a refresh of everything
/// at `now`, and why: 410 Gone, or a `Retry-After` not yet over.
fn held_back(next_fetch: i64, reason: Option<&str>, now: i64) -> Option<Hold> {
    if next_fetch <= now {
        None
    } else if next_fetch >= NEVER || reason == Some(GONE_REASON) {
        Some(Hold::Gone)
    } else if reason.is_some_and(|r| r.starts_with(RETRY_AFTER_REASON)) {
        Some(Hold::AskedToWait)
    } else {
        None
    }
}

/// "14:05" (today) or "2026-11-26 14:05", local time, for messages about the next try.
fn local_time(ts: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(ts, 0) else {
        return String::new();
    };
    let t = t.with_timezone(&chrono::Local);
    if t.date_naive() == chrono::Local::now().date_naive() {
        t.format("%H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

enum Outcome {
    Stored(usize),
    /// A 304: what the cache is to record, in a batch with others ([`UNCHANGED_BATCH`]).
    NotModified(Unchanged),
    Failed(String),
}

/// 304s recorded in one transaction: a refresh where nothing changed is a few commits, not one
/// per feed. Losing a batch (a crash, a failed write) only means those feeds are fetched again,
/// with the validators they had.
const UNCHANGED_BATCH: usize = 100;

/// A 304 the cache could not record: the feed's id and title, and why.
type NotRecorded = (i64, String, String);

/// Refreshes feeds into the store. Cheap to share: clone the `Arc`.
pub struct Refresher {
    fetcher: Fetcher,
    /// The session's cache: refresh writes queue in its background lane, in order.
    db: Db,
    /// Parsed feeds waiting for the writer, written several to a transaction.
    writes: Arc<FeedWrites>,
    interval: Duration,
    max_concurrent: usize,
    max_per_host: usize,
    /// Parsing and extraction are CPU work: one at a time per core, however many fetches are open,
    /// so that neither the threads nor the documents held in memory outnumber the cores.
    cpu_slots: Arc<Semaphore>,
    /// Documents being parsed at once, by size: parsing holds several times a document's size in
    /// memory, so two 16 MB feeds wait for each other while small ones go side by side.
    parse_budget: Arc<Semaphore>,
}

/// The parse budget's unit, and how many units there are (16 MiB of documents at once; a document
/// bigger than that takes the whole budget and is parsed alone).
const BUDGET_UNIT: usize = 64 * 1024;
const BUDGET_UNITS: u32 = 256;

impl Refresher {
    pub fn new(fetcher: Fetcher, db: Db, config: &Config) -> Refresher {
        Refresher {
            fetcher,
            writes: FeedWrites::new(db.clone()),
            db,
            interval: config.refresh_interval(),
            max_concurrent: config.max_concurrent_fetches.max(1),
            max_per_host: config.max_per_host.max(1),
            cpu_slots: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            parse_budget: Arc::new(Semaphore::new(BUDGET_UNITS as usize)),
        }
    }

    /// Runs CPU-bound `f` over a document of `bytes` on a blocking thread, once its share of the
    /// parse budget and a core are free.
    async fn on_a_core<T: Send + 'static>(
        &self,
        bytes: usize,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let units = (bytes / BUDGET_UNIT + 1).min(BUDGET_UNITS as usize) as u32;
        let _budget = self.parse_budget.acquire_many(units).await;
        let _slot = self.cpu_slots.acquire().await;
        tokio::task::spawn_blocking(f).await
    }

    /// Runs `f` on the cache's writer thread, behind what a person asked for.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SessionError> {
        self.db.write(Lane::Background, f).await
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Feeds whose time has come.
    pub async fn due_feeds(&self) -> Result<Vec<FeedRecord>, SessionError> {
        self.with_store(|s| s.due_feeds(now_unix())).await
    }

    /// Every feed but those a server asked us to leave alone ([`FeedSet::All`]), or only those with
    /// the given ids, whatever their schedule ([`FeedSet::Only`]).
    pub async fn feeds(&self, ids: Option<Vec<i64>>) -> Result<Vec<FeedRecord>, SessionError> {
        let set = match ids {
            None => FeedSet::All,
            Some(ids) => FeedSet::Only(ids),
        };
        Ok(self.choose(set).await?.feeds)
    }

    /// The feeds `set` stands for now, and (for [`FeedSet::All`]) those left out and why.
    pub async fn choose(&self, set: FeedSet) -> Result<Chosen, SessionError> {
        match set {
            FeedSet::Due => Ok(Chosen {
                feeds: self.due_feeds().await?,
                skipped: Skipped::default(),
            }),
            FeedSet::Only(ids) => {
                let all = self.with_store(|s| s.feed_records()).await?;
                Ok(Chosen {
                    feeds: all.into_iter().filter(|f| ids.contains(&f.id)).collect(),
                    skipped: Skipped::default(),
                })
            }
            FeedSet::All => {
                let now = now_unix();
                let (all, later) = self
                    .with_store(move |s| Ok((s.feed_records()?, s.scheduled_after(now)?)))
                    .await?;
                let mut skipped = Skipped::default();
                let mut held = std::collections::HashSet::new();
                for (id, next_fetch, reason) in later {
                    match held_back(next_fetch, reason.as_deref(), now) {
                        Some(Hold::Gone) => skipped.gone += 1,
                        Some(Hold::AskedToWait) => skipped.asked_to_wait += 1,
                        None => continue,
                    }
                    tracing::debug!(feed_id = id, next_fetch, reason = ?reason, "skipped");
                    held.insert(id);
                }
                let feeds = all.into_iter().filter(|f| !held.contains(&f.id)).collect();
                Ok(Chosen { feeds, skipped })
            }
        }
    }

    /// Refreshes `feeds`: at most `max_concurrent` at once and `max_per_host` per host. One failing
    /// feed never stops the others.
    pub async fn refresh(
        &self,
        feeds: Vec<FeedRecord>,
        updates: &mpsc::Sender<Update>,
    ) -> RefreshSummary {
        let _ = updates
            .send(Update::RefreshStarted { feeds: feeds.len() })
            .await;
        // The writer commits; a thread of its own copies the WAL into the database meanwhile.
        let checkpoints = self
            .with_store(|s| {
                let background = s.checkpoint_in_background();
                if background.is_some() {
                    s.set_auto_checkpoint(false)?;
                }
                Ok(background)
            })
            .await
            .ok()
            .flatten();
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let jobs: Vec<_> = feeds
            .into_iter()
            .map(|feed| {
                let sem = hosts
                    .entry(host_key(&feed.url))
                    .or_insert_with(|| Arc::new(Semaphore::new(self.max_per_host)))
                    .clone();
                (feed, sem)
            })
            .collect();
        let mut results = futures::stream::iter(jobs)
            .map(|(feed, sem)| async move {
                let _permit = sem.acquire_owned().await;
                let outcome = self.refresh_one(&feed).await;
                (feed, outcome)
            })
            .buffer_unordered(self.max_concurrent);
        let mut summary = RefreshSummary::default();
        // 304s waiting to be recorded, with their feeds' titles (for a failure).
        let mut unchanged: Vec<(Unchanged, String)> = Vec::new();
        let mut writes = Vec::new();
        while let Some((feed, outcome)) = results.next().await {
            let update = match outcome {
                Outcome::Stored(new) => {
                    summary.fetched += 1;
                    summary.new_articles += new;
                    Update::FeedDone {
                        feed_id: feed.id,
                        new_articles: new,
                        not_modified: false,
                    }
                }
                Outcome::NotModified(record) => {
                    summary.unchanged += 1;
                    unchanged.push((record, clean_line(&feed.display_title)));
                    if unchanged.len() >= UNCHANGED_BATCH {
                        writes.push(self.record_unchanged(std::mem::take(&mut unchanged)));
                    }
                    Update::FeedDone {
                        feed_id: feed.id,
                        new_articles: 0,
                        not_modified: true,
                    }
                }
                Outcome::Failed(error) => {
                    summary.failed += 1;
                    tracing::warn!(feed = %feed.url, %error, "refresh failed");
                    Update::FeedFailed {
                        feed_id: feed.id,
                        title: clean_line(&feed.display_title),
                        error: clean_line(&error),
                    }
                }
            };
            let _ = updates.send(update).await;
        }
        writes.push(self.record_unchanged(unchanged));
        for write in writes {
            if let Ok(Err(failed)) = write.await {
                // Said as failures: those feeds keep their old schedule and are fetched again.
                summary.unchanged -= failed.len();
                summary.failed += failed.len();
                for (feed_id, title, error) in failed {
                    let _ = updates
                        .send(Update::FeedFailed {
                            feed_id,
                            title,
                            error,
                        })
                        .await;
                }
            }
        }
        if let Some(background) = checkpoints {
            // Joining runs the last checkpoint: off the async threads.
            let _ = tokio::task::spawn_blocking(move || drop(background)).await;
            if let Err(e) = self.with_store(|s| s.set_auto_checkpoint(true)).await {
                tracing::warn!(error = %e, "could not turn automatic checkpoints back on");
            }
        }
        let _ = updates.send(Update::RefreshFinished(summary)).await;
        summary
    }

    /// Records a batch of 304s on the writer, without waiting for it (the writer keeps the order):
    /// the handle answers the feeds whose record failed (id, title), with why.
    fn record_unchanged(
        &self,
        batch: Vec<(Unchanged, String)>,
    ) -> tokio::task::JoinHandle<Result<(), Vec<NotRecorded>>> {
        let db = self.db.clone();
        tokio::spawn(async move {
            if batch.is_empty() {
                return Ok(());
            }
            let (records, titles): (Vec<Unchanged>, Vec<String>) = batch.into_iter().unzip();
            let ids: Vec<i64> = records.iter().map(|u| u.feed_id).collect();
            match db
                .write(Lane::Background, move |s| s.record_unchanged(&records))
                .await
            {
                Ok(()) => Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, feeds = ids.len(), "could not record unchanged feeds");
                    let error = clean_line(&e.to_string());
                    Err(ids
                        .into_iter()
                        .zip(titles)
                        .map(|(id, title)| (id, title, error.clone()))
                        .collect())
                }
            }
        })
    }

    async fn refresh_one(&self, feed: &FeedRecord) -> Outcome {
        let validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let fetched = match welcome::built_in(&feed.url) {
            Some(document) => Ok(document),
            None => self.fetcher.fetch(&feed.url, &validators).await,
        };
        let now = now_unix();
        let interval = feed
            .interval_minutes
            .map(|m| Duration::from_secs(m.max(1) as u64 * 60))
            .unwrap_or(self.interval);
        let jitter = jitter(interval);
        let id = feed.id;
        let own = feed.interval_minutes.is_some();
        let result = match fetched {
            Err(e) => Err(Failure::Fetch(e)),
            Ok(Fetched::NotModified {
                validators: v,
                fresh_for,
            }) => {
                // The feed is unchanged, but pages an earlier refresh never got to (the program was
                // killed, or full articles were turned on since) are still missing: fetch them now.
                if feed.full_text {
                    self.fetch_pending_full_texts(id).await;
                }
                let hints = FeedHints::default();
                Ok(Outcome::NotModified(Unchanged {
                    feed_id: id,
                    etag: v.etag,
                    last_modified: v.last_modified,
                    fetched_at: now,
                    next_fetch: schedule::next_fetch(now, interval, jitter, fresh_for, &hints),
                    reason: schedule::wait_reason(own, interval, fresh_for, &hints),
                }))
            }
            Ok(Fetched::Body {
                bytes,
                validators,
                moved_to,
                fresh_for,
                content_type,
                ..
            }) => {
                // Where the document came from: a web page's relative feed links resolve against it.
                let base = moved_to.clone().unwrap_or_else(|| feed.url.clone());
                // A feed without validators is new to us (or its server never sends any): its items
                // are mostly new, so their search-index text is worked out here, on the parse
                // threads, rather than on the one writer. Otherwise the writer does it for the few
                // articles that are new or changed.
                let index_ahead = feed.etag.is_none() && feed.last_modified.is_none();
                let parsed = self
                    .on_a_core(bytes.len(), move || {
                        let (bytes, left_out) =
                            crate::feed::trim::cap_items(&bytes, crate::feed::trim::MAX_ITEMS);
                        if left_out > 0 {
                            tracing::warn!(feed = %base, left_out, "feed too long: its first items were kept");
                        }
                        let charset = content_type.as_deref().and_then(charset_from_content_type);
                        parse_feed_with_charset(&bytes, charset, Some(&base)).map(|content| {
                            let bodies = index_ahead.then(|| {
                                content
                                    .items
                                    .iter()
                                    .map(|i| {
                                        crate::store::index_body(&[i
                                            .content
                                            .as_deref()
                                            .or(i.summary.as_deref())])
                                    })
                                    .collect::<Vec<_>>()
                            });
                            (content, schedule::feed_hints(&bytes), bodies)
                        })
                    })
                    .await;
                match parsed {
                    Ok(Ok((content, hints, bodies))) => {
                        let next_fetch =
                            schedule::next_fetch(now, interval, jitter, fresh_for, &hints);
                        let reason = schedule::wait_reason(own, interval, fresh_for, &hints);
                        let meta = FetchMeta {
                            etag: validators.etag,
                            last_modified: validators.last_modified,
                            fetched_at: now,
                            next_fetch,
                        };
                        let write = RefreshWrite {
                            feed_id: id,
                            content,
                            meta,
                            index_bodies: bodies,
                            reason,
                        };
                        let stored = self
                            .writes
                            .write(write, moved_to)
                            .await
                            .map(Outcome::Stored)
                            .map_err(Failure::Cache);
                        if stored.is_ok() && feed.full_text {
                            self.fetch_pending_full_texts(id).await;
                        }
                        stored
                    }
                    Ok(Err(e)) => Err(Failure::Parse(e)),
                    Err(_) => Err(Failure::ParserCrashed),
                }
            }
        };
        match result {
            Ok(outcome) => outcome,
            Err(error) => {
                let (error, retry, reason) = match error {
                    Failure::Fetch(FetchError::Gone) => (
                        format!(
                            "{}; polling stopped (remove it with `tidings remove {id}`)",
                            FetchError::Gone
                        ),
                        NEVER,
                        GONE_REASON.to_string(),
                    ),
                    Failure::Fetch(FetchError::RetryLater { status, after }) => {
                        let reason = match after {
                            Some(_) => format!("{RETRY_AFTER_REASON} (HTTP {status})"),
                            None => format!("backoff after {} errors", feed.error_count + 1),
                        };
                        let wait = after
                            .map(Duration::from_secs)
                            .unwrap_or_else(|| backoff(feed.error_count))
                            .min(MAX_WAIT);
                        let at = now + wait.as_secs() as i64;
                        (
                            format!(
                                "HTTP {status}: the server asked to wait; next try {}",
                                local_time(at)
                            ),
                            at,
                            reason,
                        )
                    }
                    other => {
                        let at = now + backoff(feed.error_count).as_secs() as i64;
                        (
                            format!("{other}; next try {}", local_time(at)),
                            at,
                            format!("backoff after {} errors", feed.error_count + 1),
                        )
                    }
                };
                let message = error.clone();
                if let Err(e) = self
                    .with_store(move |s| {
                        s.set_schedule_reason(id, &reason)?;
                        s.record_failure(id, &message, retry)
                    })
                    .await
                {
                    tracing::error!(feed = %feed.url, error = %e, "cannot record failure");
                }
                Outcome::Failed(error)
            }
        }
    }
}

impl Refresher {
    /// How far a feed's article links may reach: anywhere for a feed the user put on a local or
    /// private address, public addresses only otherwise.
    async fn reach_for_links_of(&self, feed_id: i64) -> Reach {
        reach_for_links(&self.db, feed_id).await
    }

    /// Fetches the pages of a feed's newest articles that have no full text yet, one at a time.
    async fn fetch_pending_full_texts(&self, feed_id: i64) {
        let pending = self
            .with_store(move |s| s.pending_full_texts(feed_id, FULL_TEXTS_PER_REFRESH))
            .await;
        match pending {
            Ok(pending) => {
                let reach = self.reach_for_links_of(feed_id).await;
                for p in pending {
                    let _ = self.fetch_full_text(p.article_id, p.link, reach).await;
                }
            }
            Err(e) => tracing::error!(feed_id, error = %e, "cannot list pending full texts"),
        }
    }

    /// Fetches one article's page, extracts the article and stores it for offline reading. A failure
    /// is stored too (the feed text stays), and returned.
    pub async fn fetch_full_text(
        &self,
        article_id: i64,
        link: String,
        reach: Reach,
    ) -> Result<(), String> {
        let shown_link = clean_line(&link);
        let outcome = match self.fetcher.fetch_page(&link, reach).await {
            Ok(html) => self
                .on_a_core(html.len(), move || {
                    crate::text::extract::extract(&html, Some(&link)).content_html
                })
                .await
                .map_err(|_| "the article extractor failed on this page".to_string()),
            Err(e) => Err(e.to_string()),
        };
        let now = now_unix();
        if let Err(e) = &outcome {
            tracing::warn!(article_id, link = %shown_link, error = %clean_line(e), "full article failed");
        }
        let result = outcome.clone();
        self.with_store(move |s| {
            let stored = match &outcome {
                Ok(html) => Ok(html.as_str()),
                Err(e) => Err(e.as_str()),
            };
            s.store_full_text(article_id, stored, now)
        })
        .await
        .map_err(|e| e.to_string())?;
        result.map(|_| ())
    }

    /// The full text of one article, on request; reported as [`Update::FullTextDone`].
    pub async fn fetch_full_text_of(&self, article_id: i64, updates: &mpsc::Sender<Update>) {
        let article = self
            .with_store(move |s| Ok(s.article(article_id)?.map(|a| (a.link, a.feed_id))))
            .await;
        let error = match article {
            Ok(Some((Some(link), feed_id))) => {
                let reach = self.reach_for_links_of(feed_id).await;
                self.fetch_full_text(article_id, link, reach).await.err()
            }
            Ok(Some((None, _))) => Some("this article has no link".to_string()),
            Ok(None) => Some("the article is no longer in the cache".to_string()),
            Err(e) => Some(e.to_string()),
        };
        let error = error.map(|e| clean_line(&e));
        let _ = updates
            .send(Update::FullTextDone { article_id, error })
            .await;
    }
}

/// How far the URLs a feed supplies (article pages, enclosures) may reach: anywhere for a feed the
/// user put on a local or private address, public addresses only otherwise (and for a feed that is
/// gone).
pub(crate) async fn reach_for_links(db: &Db, feed_id: i64) -> Reach {
    let url = db
        .write(Lane::Background, move |s| {
            Ok(s.find_feed(&feed_id.to_string())?.url)
        })
        .await;
    match url {
        Ok(url) if welcome::built_in(&url).is_none() && !is_public_url(&url).await => {
            Reach::Anywhere
        }
        _ => Reach::PublicOnly,
    }
}

/// The background task: refreshes due feeds when their time comes and on request, until the command
/// channel closes.
pub fn spawn(
    refresher: Arc<Refresher>,
    updates: mpsc::Sender<Update>,
) -> (
    mpsc::UnboundedSender<PollerCommand>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, spawn_with(refresher, updates, rx))
}

/// [`spawn`] on a command channel made earlier (the reader makes it before its first frame and starts
/// the poller after).
pub fn spawn_with(
    refresher: Arc<Refresher>,
    updates: mpsc::Sender<Update>,
    mut rx: mpsc::UnboundedReceiver<PollerCommand>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let wait = match refresher.with_store(|s| s.next_due_time()).await {
                Ok(Some(due)) => Duration::from_secs((due - now_unix()).clamp(0, 300) as u64),
                Ok(None) => Duration::from_secs(300),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the schedule");
                    Duration::from_secs(60)
                }
            };
            let feeds = tokio::select! {
                command = rx.recv() => match command {
                    None => break,
                    Some(PollerCommand::RefreshAll) => refresher.choose(FeedSet::All).await.map(|chosen| {
                        if chosen.skipped.total() > 0 {
                            tracing::info!(
                                gone = chosen.skipped.gone,
                                asked_to_wait = chosen.skipped.asked_to_wait,
                                "refresh of all feeds skips feeds the servers asked to leave alone"
                            );
                        }
                        chosen.feeds
                    }),
                    Some(PollerCommand::Refresh(ids)) => refresher.feeds(Some(ids)).await,
                    Some(PollerCommand::FullText(id)) => {
                        // Its own task, so a slow page never holds up refreshes or other requests.
                        let (refresher, updates) = (Arc::clone(&refresher), updates.clone());
                        tokio::spawn(async move { refresher.fetch_full_text_of(id, &updates).await });
                        continue;
                    }
                },
                () = tokio::time::sleep(wait) => refresher.due_feeds().await,
            };
            match feeds {
                Ok(feeds) if !feeds.is_empty() => {
                    refresher.refresh(feeds, &updates).await;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot list feeds to refresh"),
            }
        }
    })
}

/// Feeds on the same host share a limit; local files share one too.
fn host_key(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// Up to a tenth of `interval`, so that feeds added together drift apart instead of hitting servers
/// in bursts.
fn jitter(interval: Duration) -> Duration {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let spread = interval.as_secs() / 10;
    Duration::from_secs(if spread == 0 { 0 } else { random % spread })
}

/// After `errors` failures in a row: 5 minutes, doubling each time, at most a day.
fn backoff(errors: i64) -> Duration {
    let exp = errors.clamp(0, 10) as u32;
    let base = Duration::from_secs(300u64 << exp);
    (base + jitter(base)).min(MAX_WAIT)
}
