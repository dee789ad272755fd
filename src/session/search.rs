//! Searching the cache, for both front ends: a query in the language of [`crate::store::query`]
//! within a scope, run on the cache's reader; and the background indexing of articles stored before
//! the index existed.

use super::db::Lane;
use super::{Session, SessionError};
use crate::store::query::{self, QueryError};
use crate::store::{Headline, Scope, now_unix};

/// Why a search gave no results list.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// Articles indexed per batch of the backlog: small enough that a person's write is never behind
/// a long one.
pub const BACKLOG_BATCH: usize = 2000;

impl Session {
    /// The articles matching `text` within `scope`, best first; at most `limit`.
    pub async fn search(
        &self,
        text: &str,
        scope: Scope,
        limit: usize,
    ) -> Result<Vec<Headline>, SearchError> {
        let query = query::parse(text, now_unix())?;
        Ok(self
            .db()
            .read(move |s| s.search(&query, &scope, limit))
            .await?)
    }

    /// Indexes one batch of the backlog; returns how many articles still wait.
    pub async fn index_backlog(&self) -> Result<usize, SessionError> {
        self.db()
            .write(Lane::Background, |s| s.index_backlog(BACKLOG_BATCH))
            .await
    }
}
