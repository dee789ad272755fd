//! Syncing with a feed server (Tiny Tiny RSS or Fever): the source of a profile that has an account,
//! in place of the feeds it would poll itself.
//!
//! One sync, in this order:
//! 1. the outbox (changes made here: read, unread, star, unstar, catch-ups) is sent, oldest first;
//!    an entry leaves the outbox only once the server has taken it;
//! 2. the feed list becomes the server's (categories as tags);
//! 3. articles above the last id stored are pulled page by page, each page stored with the new
//!    position in one transaction (a sync killed half-way resumes where it stopped, and nothing is
//!    stored twice);
//! 4. read and starred state becomes the server's, except for articles with a change still waiting
//!    in the outbox.
//!
//! The rule for conflicts: what was changed here is sent first, then the server's state is taken
//! as it answers. If the server cannot be reached, changes stay in the outbox and nothing else
//! happens; the next sync (or the outbox timer) sends them.
//!
//! Everything from the server is untrusted, as a feed is: titles and authors are cleaned, links
//! must be absolute http(s), content goes through the same renderer and search indexing as a feed's.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};

use super::SessionError;
use super::account::{Account, AccountError, Kind};
use super::db::{Db, Lane};
use super::refresh::{PollerCommand, RefreshSummary, Refresher, Update};
use crate::config::Config;
use crate::source::remote::{Credentials, Flag, RemoteArticle, RemoteError, RemoteFeed};
use crate::source::{Remote, fever, ttrss};
use crate::store::{ItemData, OutboxOp, SyncedArticle, SyncedFeed};
use crate::text::{clean_line, decode_entities};

/// When the whole read state was last listed (TT-RSS), in `meta`.
const FULL_STATE_KEY: &str = "sync_full_state_at";
/// How often it is listed whole, in seconds.
const FULL_STATE_EVERY: i64 = 24 * 3600;
/// Articles asked for per request.
const PAGE: usize = 200;
/// Outbox entries read per round.
const OUTBOX_BATCH: usize = 1000;
/// How soon changes made here go to the server between syncs (a cheap count when there are none).
const OUTBOX_SOON: Duration = Duration::from_secs(5);
/// How long to wait before trying again after the server could not take them.
const OUTBOX_RETRY: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("cannot set up HTTP: {0}")]
    Http(String),
}

impl SyncError {
    /// The server could not be reached (changes wait in the outbox).
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Remote(RemoteError::Unreachable(_)))
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub sent: usize,
    pub feeds: usize,
    pub feeds_added: usize,
    pub feeds_removed: usize,
    pub new_articles: usize,
    pub state_changes: usize,
    /// HTTP requests made, sending the outbox included; the login is not counted.
    pub requests: u64,
}

/// The sync source of one profile.
pub struct Syncer {
    account: Account,
    db: Db,
    config: Config,
    remote: Mutex<Option<Remote>>,
}

impl Syncer {
    pub fn new(account: Account, db: Db, config: &Config) -> Syncer {
        Syncer {
            account,
            db,
            config: config.clone(),
            remote: Mutex::new(None),
        }
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The client, logged in (the password is read at the first call).
    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Remote>>, SyncError> {
        let mut guard = self.remote.lock().await;
        if guard.is_none() {
            let password = self.account.password().await?;
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(self.config.timeout_seconds.max(1)))
                .connect_timeout(Duration::from_secs(
                    self.config.connect_timeout_seconds.max(1),
                ))
                .user_agent(concat!("tidings/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| SyncError::Http(e.to_string()))?;
            let creds = Credentials {
                url: self.account.url.clone(),
                user: self.account.user.clone(),
                password,
            };
            let max_body = self.config.max_body_bytes.max(1 << 20) * 4;
            let mut remote = match self.account.kind {
                Kind::Ttrss => Remote::Ttrss(ttrss::Client::new(creds, http, max_body)?),
                Kind::Fever => Remote::Fever(fever::Client::new(creds, http, max_body)?),
            };
            remote.login().await?;
            *guard = Some(remote);
        }
        Ok(guard)
    }

    /// Whether the server can subscribe and unsubscribe (TT-RSS can, the Fever API cannot).
    pub fn can_subscribe(&self) -> bool {
        self.account.kind == Kind::Ttrss
    }

    /// Subscribes on the server (filed under `category` when the server has one of that name), then
    /// syncs so the feed shows here. Returns the feed's id in the cache when it came back.
    pub async fn subscribe(
        &self,
        url: &str,
        category: Option<&str>,
    ) -> Result<Option<i64>, SyncError> {
        {
            let mut guard = self.client().await?;
            let remote = guard.as_mut().ok_or(SyncError::Http("no client".into()))?;
            // TT-RSS's API cannot create a category: without one of that name, no category.
            let remote_id = match remote.subscribe(url, category).await {
                Err(RemoteError::Unsupported(why)) if category.is_some() => {
                    tracing::info!(why, "subscribing without a category");
                    remote.subscribe(url, None).await?
                }
                other => other?,
            };
            tracing::info!(remote_id, "subscribed on the server");
        }
        self.sync(None).await?;
        let url = url.to_string();
        Ok(self
            .db
            .read(move |s| Ok(s.find_feed(&url).ok().map(|f| f.id)))
            .await?)
    }

    /// Unsubscribes on the server (the caller removes the feed here).
    pub async fn unsubscribe(&self, remote_id: i64) -> Result<(), SyncError> {
        let mut guard = self.client().await?;
        let remote = guard.as_mut().ok_or(SyncError::Http("no client".into()))?;
        Ok(remote.unsubscribe(remote_id).await?)
    }

    /// Logs in and counts the server's feeds (`tidings account test`).
    pub async fn test(&self) -> Result<(usize, u64), SyncError> {
        let mut guard = self.client().await?;
        let remote = guard.as_mut().ok_or(SyncError::Http("no client".into()))?;
        let feeds = remote.feeds().await?;
        Ok((feeds.len(), remote.requests()))
    }

    /// Sends what waits in the outbox, oldest first; returns how many entries the server took.
    pub async fn send_outbox(&self) -> Result<usize, SyncError> {
        if self.db.read(|s| s.outbox_len()).await? == 0 {
            return Ok(0);
        }
        let mut guard = self.client().await?;
        let remote = guard.as_mut().ok_or(SyncError::Http("no client".into()))?;
        let mut sent = 0;
        loop {
            let entries = self.db.read(|s| s.outbox(OUTBOX_BATCH)).await?;
            if entries.is_empty() {
                return Ok(sent);
            }
            let mut i = 0;
            while i < entries.len() {
                let op = entries[i].op;
                // A run of the same change is one request where the protocol allows it.
                let mut j = i + 1;
                while j < entries.len() && entries[j].op == op && op != OutboxOp::CatchUp {
                    j += 1;
                }
                let run = &entries[i..j];
                let ids: Vec<i64> = run.iter().map(|e| e.remote_id).collect();
                match op {
                    OutboxOp::Read => remote.set_flag(&ids, Flag::Read).await?,
                    OutboxOp::Unread => remote.set_flag(&ids, Flag::Unread).await?,
                    OutboxOp::Star => remote.set_flag(&ids, Flag::Star).await?,
                    OutboxOp::Unstar => remote.set_flag(&ids, Flag::Unstar).await?,
                    OutboxOp::CatchUp => {
                        remote
                            .catch_up_feed(run[0].remote_id, run[0].before)
                            .await?
                    }
                }
                let last = run[run.len() - 1].id;
                self.db
                    .write(Lane::Interactive, move |s| s.outbox_sent(last))
                    .await?;
                sent += run.len();
                i = j;
            }
        }
    }

    /// Read and starred state from the server. Where the server gives unread counts per feed
    /// (TT-RSS, whose API lists unread ids only 200 at a time), only the feeds whose count differs
    /// from the cache's are listed, and all of them once a day (a read and an unread in one feed
    /// between two syncs leave its count as it was). Fever lists every id in one request.
    async fn sync_state(
        &self,
        remote: &mut Remote,
        server_unread: &[(i64, Option<i64>)],
    ) -> Result<usize, SyncError> {
        let now = crate::store::now_unix();
        let last_full: i64 = self
            .db
            .read(|s| Ok(s.meta(FULL_STATE_KEY)?.and_then(|v| v.parse().ok())))
            .await?
            .unwrap_or(0);
        let counted = server_unread.iter().all(|(_, n)| n.is_some());
        if !counted || now - last_full > FULL_STATE_EVERY {
            let (unread, starred) = remote.unread_and_starred_ids().await?;
            return Ok(self
                .db
                .write(Lane::Background, move |s| {
                    let changed = s.apply_synced_state(&unread, &starred)?;
                    s.set_meta(FULL_STATE_KEY, &now.to_string())?;
                    Ok(changed)
                })
                .await?);
        }
        let local = self.db.read(|s| s.synced_unread_counts()).await?;
        let differ: Vec<i64> = server_unread
            .iter()
            .filter(|(id, n)| local.get(id).copied() != *n)
            .map(|(id, _)| *id)
            .collect();
        let mut unread = Vec::new();
        for id in &differ {
            unread.extend(remote.unread_ids_of_feed(*id).await?);
        }
        let starred = remote.starred_ids().await?;
        tracing::debug!(feeds = differ.len(), "unread counts differ");
        Ok(self
            .db
            .write(Lane::Background, move |s| {
                s.apply_synced_state_in(Some(&differ), &unread, &starred)
            })
            .await?)
    }

    /// Makes the cache's feed list the server's; returns each feed's unread count on the server
    /// (when the server gives them).
    async fn sync_feeds(
        &self,
        remote: &mut Remote,
        report: &mut SyncReport,
    ) -> Result<Vec<(i64, Option<i64>)>, SyncError> {
        let listed = remote.feeds().await?;
        let counts: Vec<(i64, Option<i64>)> = listed.iter().map(|f| (f.id, f.unread)).collect();
        let feeds: Vec<SyncedFeed> = listed.into_iter().filter_map(feed).collect();
        report.feeds = feeds.len();
        let stored = self
            .db
            .write(Lane::Background, move |s| s.store_synced_feeds(&feeds))
            .await?;
        report.feeds_added += stored.added;
        report.feeds_removed += stored.removed;
        Ok(counts)
    }

    /// One whole sync (see the module documentation). `updates` hears of progress.
    pub async fn sync(
        &self,
        updates: Option<&mpsc::Sender<Update>>,
    ) -> Result<SyncReport, SyncError> {
        // Counted from after the login (made by the first call of the process), so that the
        // outbox's requests count too.
        let before = self.client().await?.as_ref().map_or(0, Remote::requests);
        let mut report = SyncReport {
            sent: self.send_outbox().await?,
            ..SyncReport::default()
        };
        let mut guard = self.client().await?;
        let remote = guard.as_mut().ok_or(SyncError::Http("no client".into()))?;

        let mut server_unread = self.sync_feeds(remote, &mut report).await?;
        let mut feeds_reread = false;

        let mut since = self.db.read(|s| s.sync_since_id()).await?;
        loop {
            let page = remote.articles_after(since, PAGE).await?;
            let Some(last) = page.iter().map(|a| a.id).max() else {
                break;
            };
            if last <= since {
                return Err(RemoteError::Garbage(format!(
                    "asked for articles after {since}, got none after it"
                ))
                .into());
            }
            since = last;
            // A feed subscribed on the server since its list was read: read the list again, or
            // its articles would be passed over for good.
            let feed_ids: Vec<i64> = page.iter().map(|a| a.feed_id).collect();
            let unknown = self
                .db
                .read(move |s| s.unknown_remote_feeds(&feed_ids))
                .await?;
            if !unknown.is_empty() && !feeds_reread {
                tracing::info!(
                    ?unknown,
                    "articles of feeds not listed yet: reading the feed list again"
                );
                server_unread = self.sync_feeds(remote, &mut report).await?;
                feeds_reread = true;
            }
            let articles: Vec<SyncedArticle> = page.into_iter().map(article).collect();
            let new = self
                .db
                .write(Lane::Background, move |s| {
                    s.store_synced_articles(&articles, last)
                })
                .await?;
            report.new_articles += new;
            if let Some(updates) = updates {
                let _ = updates
                    .send(Update::FeedDone {
                        feed_id: 0,
                        new_articles: new,
                        not_modified: new == 0,
                    })
                    .await;
            }
        }

        report.state_changes = self.sync_state(remote, &server_unread).await?;
        report.requests = remote.requests() - before;
        tracing::info!(?report, server = %self.account.url, "synced");
        Ok(report)
    }
}

/// A feed from the server, cleaned; `None` for one without an http(s) address.
fn feed(f: RemoteFeed) -> Option<SyncedFeed> {
    let url = web_url(&f.feed_url)?;
    let title = clean_line(&decode_entities(&f.title));
    Some(SyncedFeed {
        remote_id: f.id,
        title: if title.is_empty() { url.clone() } else { title },
        url,
        site_link: f.site_url.as_deref().and_then(web_url),
        tags: f
            .category
            .map(|c| clean_line(&decode_entities(&c)))
            .filter(|c| !c.is_empty())
            .into_iter()
            .collect(),
    })
}

/// An article from the server, cleaned: its id becomes its guid, a link that is not absolute
/// http(s) is dropped.
fn article(a: RemoteArticle) -> SyncedArticle {
    SyncedArticle {
        remote_id: a.id,
        remote_feed_id: a.feed_id,
        item: ItemData {
            guid: format!("sync:{}", a.id),
            title: clean_line(&decode_entities(&a.title)),
            author: a
                .author
                .map(|x| clean_line(&decode_entities(&x)))
                .filter(|x| !x.is_empty()),
            link: a.link.as_deref().and_then(web_url),
            published: a.published,
            updated: a.updated,
            content: a.content,
            summary: None,
            enclosures: Vec::new(),
        },
        read: !a.unread,
        starred: a.starred,
    }
}

/// `raw` if it is an absolute http(s) URL (`file:`, `javascript:` and relative ones are refused).
fn web_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The background task of a profile with an account: syncs when it is time and on request, and
/// retries waiting changes every half minute, until the command channel closes. Full texts are
/// fetched by `refresher`, as for polled feeds.
pub fn spawn_with(
    syncer: Arc<Syncer>,
    refresher: Arc<Refresher>,
    updates: mpsc::Sender<Update>,
    mut rx: mpsc::UnboundedReceiver<PollerCommand>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = syncer.config.refresh_interval();
        let mut next_sync = tokio::time::Instant::now();
        let mut outbox_wait = OUTBOX_SOON;
        loop {
            let run = tokio::select! {
                command = rx.recv() => match command {
                    None => break,
                    Some(PollerCommand::RefreshAll | PollerCommand::Refresh(_)) => true,
                    Some(PollerCommand::FullText(id)) => {
                        let (refresher, updates) = (Arc::clone(&refresher), updates.clone());
                        tokio::spawn(async move { refresher.fetch_full_text_of(id, &updates).await });
                        false
                    }
                },
                () = tokio::time::sleep_until(next_sync) => true,
                () = tokio::time::sleep(outbox_wait) => {
                    outbox_wait = match syncer.send_outbox().await {
                        Ok(_) => OUTBOX_SOON,
                        Err(e) => {
                            tracing::info!(error = %e, "changes wait in the outbox");
                            OUTBOX_RETRY
                        }
                    };
                    false
                }
            };
            if !run {
                continue;
            }
            next_sync = tokio::time::Instant::now() + interval;
            outbox_wait = OUTBOX_SOON;
            let _ = updates.send(Update::RefreshStarted { feeds: 0 }).await;
            let summary = match syncer.sync(Some(&updates)).await {
                Ok(report) => RefreshSummary {
                    fetched: report.feeds,
                    new_articles: report.new_articles,
                    ..RefreshSummary::default()
                },
                Err(e) => {
                    let waiting = syncer.db.read(|s| s.outbox_len()).await.unwrap_or(0);
                    let mut error = e.to_string();
                    if waiting > 0 {
                        error.push_str(&format!(" ({waiting} changes wait to be sent)"));
                    }
                    tracing::warn!(%error, "sync failed");
                    let _ = updates
                        .send(Update::FeedFailed {
                            feed_id: 0,
                            title: format!("Sync with {}", syncer.account.kind.name()),
                            error,
                        })
                        .await;
                    RefreshSummary {
                        failed: 1,
                        ..RefreshSummary::default()
                    }
                }
            };
            let _ = updates.send(Update::RefreshFinished(summary)).await;
        }
    })
}
