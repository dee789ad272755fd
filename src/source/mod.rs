//! Talking to a sync server: the protocol clients for Tiny Tiny RSS ([`ttrss`], API level 15 and
//! later) and Fever ([`fever`], as served by Coldsweat, FreshRSS, Miniflux and others). This layer
//! owns the conversation only: logging in, listing feeds, articles and flags, and sending flag
//! changes. It stores nothing; the caller decides what to keep.
//!
//! Everything a server returns is untrusted: each answer is read with a byte cap, parsed into
//! typed structures that accept the usual variations (ids as numbers or strings, flags as 0/1 or
//! booleans, missing optional fields) and refuse anything else with [`RemoteError::Garbage`];
//! strings are cut at [`remote::MAX_TEXT`] (content at [`remote::MAX_CONTENT`]), id lists at
//! [`remote::MAX_IDS`]. Titles and other text come back as sent: the caller sanitises them.
//!
//! The clients count their HTTP requests ([`Remote::requests`]) so that a sync can report them.
//! They use the HTTP client they are given, whose timeouts bound every call.

pub mod fever;
pub mod remote;
pub mod ttrss;

use remote::{Capabilities, Flag, RemoteArticle, RemoteError, RemoteFeed};

/// A client for either protocol; every method forwards to the one inside.
#[derive(Debug)]
pub enum Remote {
    Ttrss(ttrss::Client),
    Fever(fever::Client),
}

impl Remote {
    /// What this server can do beyond the common ground.
    pub fn capabilities(&self) -> Capabilities {
        match self {
            Remote::Ttrss(_) => ttrss::CAPABILITIES,
            Remote::Fever(_) => fever::CAPABILITIES,
        }
    }

    /// Logs in (TT-RSS: a new session; Fever: checks the API key).
    pub async fn login(&mut self) -> Result<(), RemoteError> {
        match self {
            Remote::Ttrss(c) => c.login().await,
            Remote::Fever(c) => c.login().await,
        }
    }

    /// Every subscription, with its category's name.
    pub async fn feeds(&mut self) -> Result<Vec<RemoteFeed>, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.feeds().await,
            Remote::Fever(c) => c.feeds().await,
        }
    }

    /// One page of articles with ids above `since_id`, ascending by id, at most `limit` of them;
    /// every article up to the last one returned has been returned (empty: none are left).
    pub async fn articles_after(
        &mut self,
        since_id: i64,
        limit: usize,
    ) -> Result<Vec<RemoteArticle>, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.articles_after(since_id, limit).await,
            Remote::Fever(c) => c.articles_after(since_id, limit).await,
        }
    }

    /// The ids of every unread article.
    pub async fn unread_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.unread_ids().await,
            Remote::Fever(c) => c.unread_ids().await,
        }
    }

    /// The ids of every starred (Fever: saved) article.
    pub async fn starred_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.starred_ids().await,
            Remote::Fever(c) => c.starred_ids().await,
        }
    }

    /// The unread and the starred ids (Fever: one request for both; TT-RSS: its two listings).
    pub async fn unread_and_starred_ids(&mut self) -> Result<(Vec<i64>, Vec<i64>), RemoteError> {
        match self {
            Remote::Ttrss(c) => Ok((c.unread_ids().await?, c.starred_ids().await?)),
            Remote::Fever(c) => c.unread_and_starred_ids().await,
        }
    }

    /// The ids of one feed's unread articles (TT-RSS; Fever lists all of them or none).
    pub async fn unread_ids_of_feed(&mut self, feed_id: i64) -> Result<Vec<i64>, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.unread_ids_of_feed(feed_id).await,
            Remote::Fever(_) => Err(RemoteError::Unsupported("listing one feed's unread items")),
        }
    }

    /// Sets `flag` on the articles `ids`.
    pub async fn set_flag(&mut self, ids: &[i64], flag: Flag) -> Result<(), RemoteError> {
        match self {
            Remote::Ttrss(c) => c.set_flag(ids, flag).await,
            Remote::Fever(c) => c.set_flag(ids, flag).await,
        }
    }

    /// Marks a feed's articles read: all of them, or those published before `before` (unix
    /// seconds; see [`Capabilities::catch_up_before`]).
    pub async fn catch_up_feed(
        &mut self,
        feed_id: i64,
        before: Option<i64>,
    ) -> Result<(), RemoteError> {
        match self {
            Remote::Ttrss(c) => c.catch_up_feed(feed_id, before).await,
            Remote::Fever(c) => c.catch_up_feed(feed_id, before).await,
        }
    }

    /// Subscribes the server to `url`, in the category named `category`; returns the feed's id.
    pub async fn subscribe(
        &mut self,
        url: &str,
        category: Option<&str>,
    ) -> Result<i64, RemoteError> {
        match self {
            Remote::Ttrss(c) => c.subscribe(url, category).await,
            Remote::Fever(c) => c.subscribe(url, category).await,
        }
    }

    /// Removes a subscription.
    pub async fn unsubscribe(&mut self, feed_id: i64) -> Result<(), RemoteError> {
        match self {
            Remote::Ttrss(c) => c.unsubscribe(feed_id).await,
            Remote::Fever(c) => c.unsubscribe(feed_id).await,
        }
    }

    /// HTTP requests made so far.
    pub fn requests(&self) -> u64 {
        match self {
            Remote::Ttrss(c) => c.requests(),
            Remote::Fever(c) => c.requests(),
        }
    }
}
