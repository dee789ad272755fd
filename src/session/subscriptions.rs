//! Subscription operations, the one place both front ends manage feeds through: add (probing a URL
//! first, with autodiscovery when it is a web page), edit, remove, tags, import (OPML or a Newsboat
//! `urls` file, and Newsboat's read/starred state) and export. Every operation is async and runs its
//! cache work on the session's writer; the CLI blocks on them, the TUI runs them as tasks.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use super::db::Lane;
use super::{Session, SessionError, welcome};
use crate::feed::discover::{FeedLink, discover_feed_links};
use crate::feed::fetch::{FetchError, Fetched, Validators, decode_html};
use crate::feed::opml::{ExportFeed, OpmlError, parse_opml, write_opml};
use crate::feed::parse::{ParseError, charset_from_content_type, parse_feed_with_charset};
use crate::feed::{newsboat, schedule};
use crate::store::{
    AddOutcome, ArticleState, FeedContent, FeedDetails, FetchMeta, NewFeed, Removed, now_unix,
};
use crate::text::{clean_line, clip};

/// Imported files are read up to this size.
const MAX_IMPORT_BYTES: u64 = 16 * 1024 * 1024;

/// A subscription as the user describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    pub url: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub full_text: bool,
    /// Minutes between refreshes; `None` for the configured default.
    pub every: Option<i64>,
    pub hidden: bool,
}

/// Changes to one feed; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedEdit {
    /// `Some(None)` restores the feed's own title.
    pub title: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` goes back to the default interval.
    pub every: Option<Option<i64>>,
    pub full_text: Option<bool>,
    pub hidden: Option<bool>,
}

/// Why a subscription operation failed, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error("{0}")]
    BadUrl(String),
    #[error("already subscribed: {title} (feed {id})")]
    Duplicate { id: i64, title: String },
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    NotAFeed(String),
    #[error("this web page links to no feed")]
    NoFeedOnPage,
    #[error("cannot read {path}: {reason}")]
    ReadFile { path: String, reason: String },
    #[error("cannot import {path}: {source}")]
    Opml { path: String, source: OpmlError },
    #[error("cannot read the Newsboat cache {path}: {reason}")]
    NewsboatCache { path: String, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("{0}")]
    Server(String),
}

impl From<super::sync::SyncError> for SubscribeError {
    fn from(e: super::sync::SyncError) -> Self {
        SubscribeError::Server(e.to_string())
    }
}

/// What the Fever API cannot do, said where the user asked for it.
const FEVER_CANNOT_SUBSCRIBE: &str = "a Fever server cannot subscribe or unsubscribe through its API: do it on the server's own pages, then sync";

impl From<crate::store::StoreError> for SubscribeError {
    fn from(e: crate::store::StoreError) -> Self {
        SubscribeError::Session(e.into())
    }
}

/// What a URL turned out to be.
#[derive(Debug)]
pub enum Probe {
    /// A feed, fetched and parsed, ready to subscribe to.
    Feed(Box<ProbedFeed>),
    /// A web page that names these feeds (at least one).
    Page(Vec<FeedLink>),
}

/// A feed fetched once while subscribing; adding it stores what was fetched, so its articles show at
/// once.
#[derive(Debug)]
pub struct ProbedFeed {
    /// The address to subscribe to (after permanent redirects).
    pub url: String,
    /// The feed's own title, cleaned for display.
    pub title: String,
    pub articles: usize,
    content: FeedContent,
    validators: Validators,
    hints: schedule::FeedHints,
    fresh_for: Option<Duration>,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// "OPML" or "Newsboat urls".
    pub kind: &'static str,
    pub added: usize,
    pub existing: usize,
    /// (what, why) for every entry not taken, cleaned for display.
    pub skipped: Vec<(String, String)>,
}

impl ImportReport {
    pub fn summary(&self) -> String {
        format!(
            "imported {} feeds ({} already subscribed, {} skipped)",
            self.added,
            self.existing,
            self.skipped.len()
        )
    }
}

/// The operations, over one session.
pub struct Subscriptions<'a> {
    session: &'a Session,
}

impl<'a> Subscriptions<'a> {
    pub(super) fn new(session: &'a Session) -> Subscriptions<'a> {
        Subscriptions { session }
    }

    /// Fetches and reads `input` once: a feed, or a web page with the feeds it names. Refuses what
    /// is already subscribed, pointing to it.
    pub async fn probe(&self, input: &str) -> Result<Probe, SubscribeError> {
        let url = normalize_feed_url(input).map_err(SubscribeError::BadUrl)?;
        self.refuse_duplicate(&url).await?;
        let fetched = match welcome::built_in(&url) {
            Some(doc) => doc,
            None => {
                let refresher = self.session.refresher()?;
                refresher
                    .fetcher()
                    .fetch(&url, &Validators::default())
                    .await?
            }
        };
        let Fetched::Body {
            bytes,
            validators,
            content_type,
            moved_to,
            fresh_for,
        } = fetched
        else {
            return Err(SubscribeError::Fetch(FetchError::Status(304)));
        };
        let final_url = moved_to.unwrap_or(url);
        if final_url != input.trim() {
            self.refuse_duplicate(&final_url).await?;
        }
        let base = final_url.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            let charset = content_type.as_deref().and_then(charset_from_content_type);
            match parse_feed_with_charset(&bytes, charset, Some(&base)) {
                Ok(content) => Ok((content, schedule::feed_hints(&bytes))),
                Err(ParseError::HtmlPage { .. }) => {
                    let html = decode_html(&bytes, content_type.as_deref());
                    Err(Ok(discover_feed_links(&html, &base)))
                }
                Err(e) => Err(Err(e)),
            }
        })
        .await
        .map_err(|_| SubscribeError::NotAFeed("the feed parser crashed on this document".into()))?;
        match parsed {
            Ok((content, hints)) => Ok(Probe::Feed(Box::new(ProbedFeed {
                title: content
                    .title
                    .as_deref()
                    .map(clean_line)
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| clean_line(&final_url)),
                url: final_url,
                articles: content.items.len(),
                content,
                validators,
                hints,
                fresh_for,
            }))),
            Err(Ok(links)) if links.is_empty() => Err(SubscribeError::NoFeedOnPage),
            Err(Ok(links)) => Ok(Probe::Page(links)),
            Err(Err(e)) => Err(SubscribeError::NotAFeed(e.to_string())),
        }
    }

    async fn refuse_duplicate(&self, url: &str) -> Result<(), SubscribeError> {
        let url = url.to_string();
        let existing = self
            .session
            .db()
            .read(move |s| match s.find_feed(&url) {
                Ok(f) => Ok(Some((f.id, f.display_title))),
                Err(crate::store::StoreError::NoSuchFeed(_)) => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        match existing {
            Some((id, title)) => Err(SubscribeError::Duplicate {
                id,
                title: clean_line(&title),
            }),
            None => Ok(()),
        }
    }

    /// Subscribes to a probed feed and stores the articles it was fetched with. Returns the feed id.
    pub async fn add_probed(
        &self,
        feed: ProbedFeed,
        sub: Subscription,
    ) -> Result<i64, SubscribeError> {
        if self.session.account().is_some() {
            return self.add_on_server(&feed.url, &sub).await;
        }
        let new = new_feed(&Subscription {
            url: feed.url.clone(),
            ..sub
        });
        let interval = new
            .interval_minutes
            .map(|m| Duration::from_secs(m.max(1) as u64 * 60))
            .unwrap_or_else(|| self.session.config().refresh_interval());
        let now = now_unix();
        let meta = FetchMeta {
            etag: feed.validators.etag,
            last_modified: feed.validators.last_modified,
            fetched_at: now,
            next_fetch: schedule::next_fetch(
                now,
                interval,
                Duration::ZERO,
                feed.fresh_for,
                &feed.hints,
            ),
        };
        let reason = schedule::wait_reason(
            new.interval_minutes.is_some(),
            interval,
            feed.fresh_for,
            &feed.hints,
        );
        let content = feed.content;
        let id = self
            .session
            .db()
            .write(Lane::Interactive, move |s| {
                let id = match s.add_feed(&new)? {
                    AddOutcome::Added(id) => id,
                    AddOutcome::AlreadyExists(id) => return Ok(Err(id)),
                };
                s.apply_refresh(id, &content, &meta)?;
                s.set_schedule_reason(id, &reason)?;
                Ok(Ok(id))
            })
            .await?;
        match id {
            Ok(id) => Ok(id),
            Err(id) => Err(SubscribeError::Duplicate {
                id,
                title: clean_line(&feed.title),
            }),
        }
    }

    /// Subscribes without fetching (the command line's `add`; the next refresh fetches it).
    pub async fn add(&self, sub: Subscription) -> Result<AddOutcome, SubscribeError> {
        let url = normalize_feed_url(&sub.url).map_err(SubscribeError::BadUrl)?;
        if self.session.account().is_some() {
            return self.add_on_server(&url, &sub).await.map(AddOutcome::Added);
        }
        let new = new_feed(&Subscription { url, ..sub });
        Ok(self
            .session
            .db()
            .write(Lane::Interactive, move |s| s.add_feed(&new))
            .await?)
    }

    /// Subscribes through the sync server, which fetches the feed from then on.
    async fn add_on_server(&self, url: &str, sub: &Subscription) -> Result<i64, SubscribeError> {
        let Some(syncer) = self.session.syncer() else {
            return Err(SubscribeError::Server("this profile has no account".into()));
        };
        if !syncer.can_subscribe() {
            return Err(SubscribeError::Server(FEVER_CANNOT_SUBSCRIBE.into()));
        }
        let category = clean_tags(&sub.tags).into_iter().next();
        syncer
            .subscribe(url, category.as_deref())
            .await?
            .ok_or_else(|| {
                SubscribeError::Server(
                    "the server took the subscription but does not list the feed yet; sync again later"
                        .into(),
                )
            })
    }

    /// Applies `edit` to a feed; returns what changed, in words (empty when nothing did).
    pub async fn edit(&self, feed_id: i64, edit: FeedEdit) -> Result<Vec<String>, SubscribeError> {
        let mut changes = Vec::new();
        if let Some(Some(m)) = edit.every {
            check_minutes(m).map_err(SubscribeError::Invalid)?;
        }
        let edit = FeedEdit {
            title: edit
                .title
                .map(|t| t.map(|t| clean_line(&t)).filter(|t| !t.is_empty())),
            tags: edit.tags.map(|t| clean_tags(&t)),
            ..edit
        };
        if let Some(every) = edit.every {
            changes.push(match every {
                Some(m) => format!("refreshed every {}", format_minutes(m)),
                None => "refreshed at the default interval".to_string(),
            });
        }
        if let Some(title) = &edit.title {
            changes.push(match title {
                Some(t) => format!("title {t:?}"),
                None => "the feed's own title".to_string(),
            });
        }
        if let Some(tags) = &edit.tags {
            changes.push(match tags.as_slice() {
                [] => "no tags".to_string(),
                tags => format!("tags {}", tags.join(", ")),
            });
        }
        if let Some(on) = edit.full_text {
            changes.push(format!("full articles {}", if on { "on" } else { "off" }));
        }
        if edit.tags.is_some() && self.remote_id(feed_id).await?.is_some() {
            return Err(SubscribeError::Invalid(
                "the tags of a synced feed are its category on the server: change it there".into(),
            ));
        }
        if let Some(hidden) = edit.hidden {
            changes.push(if hidden { "hidden" } else { "shown" }.to_string());
        }
        self.session
            .db()
            .write(Lane::Interactive, move |s| {
                s.find_feed(&feed_id.to_string())?;
                if let Some(every) = edit.every {
                    s.set_interval(feed_id, every)?;
                }
                if let Some(title) = &edit.title {
                    s.set_custom_title(feed_id, title.as_deref())?;
                }
                if let Some(tags) = &edit.tags {
                    s.set_tags(feed_id, tags)?;
                }
                if let Some(on) = edit.full_text {
                    s.set_full_text(feed_id, on)?;
                }
                if let Some(hidden) = edit.hidden {
                    s.set_hidden(feed_id, hidden)?;
                }
                Ok(())
            })
            .await?;
        Ok(changes)
    }

    /// A feed's id on the sync server, if it is synced.
    async fn remote_id(&self, feed_id: i64) -> Result<Option<i64>, SubscribeError> {
        Ok(self
            .session
            .db()
            .read(move |s| s.feed_remote_id(feed_id))
            .await?)
    }

    /// Unsubscribes (on the sync server too, for a synced feed); with `keep_starred` the feed's
    /// starred articles stay in the cache.
    pub async fn remove(
        &self,
        feed_id: i64,
        keep_starred: bool,
    ) -> Result<Removed, SubscribeError> {
        if let (Some(remote_id), Some(syncer)) =
            (self.remote_id(feed_id).await?, self.session.syncer())
        {
            if !syncer.can_subscribe() {
                return Err(SubscribeError::Server(FEVER_CANNOT_SUBSCRIBE.into()));
            }
            syncer.unsubscribe(remote_id).await?;
        }
        Ok(self
            .session
            .db()
            .write(Lane::Interactive, move |s| {
                s.unsubscribe(feed_id, keep_starred)
            })
            .await?)
    }

    /// Renames a tag on every feed; returns how many feeds carry the new name.
    pub async fn rename_tag(&self, from: &str, to: &str) -> Result<usize, SubscribeError> {
        let to = clean_line(to).trim().to_string();
        if to.is_empty() {
            return Err(SubscribeError::Invalid("a tag needs a name".into()));
        }
        let from = from.to_string();
        Ok(self
            .session
            .db()
            .write(Lane::Interactive, move |s| s.rename_tag(&from, &to))
            .await?)
    }

    /// The tags in use (for completion).
    pub async fn tags(&self) -> Result<Vec<String>, SubscribeError> {
        Ok(self.session.db().read(|s| s.all_tags()).await?)
    }

    /// Everything known about one feed.
    pub async fn details(&self, feed_id: i64) -> Result<FeedDetails, SubscribeError> {
        Ok(self
            .session
            .db()
            .read(move |s| s.feed_details(feed_id))
            .await?)
    }

    /// The id of the feed a URL or id names.
    pub async fn find(&self, url_or_id: &str) -> Result<i64, SubscribeError> {
        let mut key = url_or_id.trim().to_string();
        // A local path names the feed it was added as.
        if let Ok(url) = normalize_feed_url(&key)
            && key.parse::<i64>().is_err()
        {
            let url_clone = url.clone();
            let found = self
                .session
                .db()
                .read(move |s| Ok(s.find_feed(&url_clone).ok().map(|f| f.id)))
                .await?;
            if found.is_some() {
                key = url;
            }
        }
        Ok(self
            .session
            .db()
            .read(move |s| Ok(s.find_feed(&key)?.id))
            .await?)
    }

    /// Subscribes to the feeds of an OPML file or a Newsboat `urls` file (told apart by content).
    /// Local feeds (`file://`) are taken only with `allow_local`.
    pub async fn import(
        &self,
        path: &Path,
        allow_local: bool,
    ) -> Result<ImportReport, SubscribeError> {
        let bytes = read_regular_file(path)?;
        let (kind, feeds, skipped) = if newsboat::looks_like_opml(&bytes) {
            let parsed =
                parse_opml(&bytes, allow_local).map_err(|source| SubscribeError::Opml {
                    path: path.display().to_string(),
                    source,
                })?;
            let feeds: Vec<NewFeed> = parsed
                .feeds
                .into_iter()
                .map(|e| NewFeed {
                    url: e.url,
                    title: e.title,
                    site_link: e.site_link,
                    tags: clean_tags(&e.tags),
                    full_text: e.full_text,
                    interval_minutes: e.interval_minutes,
                    ..NewFeed::default()
                })
                .collect();
            ("OPML", feeds, parsed.skipped)
        } else {
            let text = String::from_utf8_lossy(&bytes);
            let parsed = newsboat::parse_urls(&text, allow_local);
            let feeds: Vec<NewFeed> = parsed
                .feeds
                .into_iter()
                .map(|e| NewFeed {
                    // Stored as `add` stores URLs, so the two find the same feed.
                    url: normalize_feed_url(&e.url).unwrap_or(e.url),
                    title: e.title,
                    tags: clean_tags(&e.tags),
                    hidden: e.hidden,
                    ..NewFeed::default()
                })
                .collect();
            ("Newsboat urls", feeds, parsed.skipped)
        };
        let (added, existing) = self
            .session
            .db()
            .write(Lane::Interactive, move |s| {
                let (mut added, mut existing) = (0, 0);
                for feed in &feeds {
                    match s.add_feed(feed)? {
                        AddOutcome::Added(_) => added += 1,
                        AddOutcome::AlreadyExists(_) => existing += 1,
                    }
                }
                Ok((added, existing))
            })
            .await?;
        Ok(ImportReport {
            kind,
            added,
            existing,
            skipped: skipped
                .into_iter()
                .map(|(what, why)| (clip(&clean_line(&what), 200), clean_line(&why)))
                .collect(),
        })
    }

    /// Brings read and starred state over from a Newsboat `cache.db` for the articles this cache
    /// holds (matched by feed URL and guid, else link). Returns how many articles matched.
    pub async fn import_newsboat_state(&self, path: &Path) -> Result<usize, SubscribeError> {
        let path_text = path.display().to_string();
        let path = path.to_path_buf();
        let rows = tokio::task::spawn_blocking(move || newsboat::read_newsboat_cache(&path))
            .await
            .map_err(|_| SubscribeError::NewsboatCache {
                path: path_text.clone(),
                reason: "the reader crashed".into(),
            })?
            .map_err(|e| SubscribeError::NewsboatCache {
                path: path_text,
                reason: e.to_string(),
            })?;
        let mut by_feed: std::collections::HashMap<String, Vec<ArticleState>> = Default::default();
        for row in rows {
            by_feed.entry(row.feed_url).or_default().push(ArticleState {
                guid: row.guid,
                link: row.link,
                read: !row.unread,
                starred: row.flagged,
            });
        }
        Ok(self
            .session
            .db()
            .write(Lane::Interactive, move |s| {
                let mut matched = 0;
                for (url, states) in &by_feed {
                    let normalized = normalize_feed_url(url).unwrap_or_default();
                    let feed = s.find_feed(url).or_else(|_| s.find_feed(&normalized));
                    if let Ok(feed) = feed {
                        matched += s.apply_article_states(feed.id, states)?;
                    }
                }
                Ok(matched)
            })
            .await?)
    }

    /// The subscriptions as OPML 2.0 (built-in feeds are left out: no other reader can use them).
    pub async fn export(&self) -> Result<String, SubscribeError> {
        let feeds = self.session.db().read(|s| s.feed_summaries()).await?;
        let export: Vec<ExportFeed<'_>> = feeds
            .iter()
            .filter(|f| welcome::built_in(&f.url).is_none())
            .map(|f| ExportFeed {
                url: &f.url,
                title: &f.title,
                site_link: f.site_link.as_deref(),
                tags: &f.tags,
                interval_minutes: f.interval_minutes,
                full_text: f.full_text,
            })
            .collect();
        Ok(write_opml(&export))
    }
}

/// A location as stored: the built-in feeds by name, everything else as `feed::normalize_feed_url`
/// has it.
pub fn normalize_feed_url(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if welcome::built_in(trimmed).is_some() {
        return Ok(trimmed.to_string());
    }
    crate::feed::normalize_feed_url(trimmed)
}

fn new_feed(sub: &Subscription) -> NewFeed {
    NewFeed {
        url: sub.url.clone(),
        title: sub
            .title
            .as_deref()
            .map(clean_line)
            .filter(|t| !t.is_empty()),
        site_link: None,
        tags: clean_tags(&sub.tags),
        full_text: sub.full_text,
        interval_minutes: sub.every,
        hidden: sub.hidden,
    }
}

/// A regular file, read up to [`MAX_IMPORT_BYTES`]: never a FIFO or a device, which could block
/// forever or read without end.
fn read_regular_file(path: &Path) -> Result<Vec<u8>, SubscribeError> {
    let fail = |reason: String| SubscribeError::ReadFile {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(fail(format!("larger than {MAX_IMPORT_BYTES} bytes")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_IMPORT_BYTES).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

/// Tags cleaned for display, without blanks or repeats, in the order given.
pub fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| clean_line(t).trim().to_string()) {
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Tags typed as one line, separated by commas.
pub fn split_tags(text: &str) -> Vec<String> {
    clean_tags(&text.split(',').map(str::to_string).collect::<Vec<_>>())
}

/// "30m", "2h", "1d", "1h30m" or plain minutes ("45") → minutes; at least 1, at most 30 days.
pub fn parse_minutes(s: &str) -> Result<i64, String> {
    let s = s.trim().to_ascii_lowercase();
    if let Ok(m) = s.parse::<i64>() {
        return check_minutes(m);
    }
    let (mut total, mut number) = (0i64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number
            .parse()
            .map_err(|_| format!("invalid duration {s:?}"))?;
        number.clear();
        total = total.saturating_add(match c {
            'm' => n,
            'h' => n.saturating_mul(60),
            'd' => n.saturating_mul(24 * 60),
            _ => {
                return Err(format!(
                    "invalid duration {s:?}: use m, h or d, e.g. 30m or 2h"
                ));
            }
        });
    }
    if !number.is_empty() {
        return Err(format!(
            "invalid duration {s:?}: a number needs a unit (m, h, d)"
        ));
    }
    check_minutes(total)
}

fn check_minutes(m: i64) -> Result<i64, String> {
    if (1..=30 * 24 * 60).contains(&m) {
        Ok(m)
    } else {
        Err("the interval must be between 1 minute and 30 days".into())
    }
}

/// Minutes as the shortest of "2d", "3h", "45m".
pub fn format_minutes(m: i64) -> String {
    match m {
        m if m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}
