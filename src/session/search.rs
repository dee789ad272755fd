//! Searching the cache, for both front ends: a query in the language of [`crate::store::query`]
//! within a scope, run on the cache's reader; saved searches and filters; and the background
//! indexing of articles stored before the index existed.

use super::db::Lane;
use super::{Session, SessionError};
use crate::store::query::{self, QueryError};
use crate::store::{Filter, FilterAction, Headline, SavedSearch, Scope, now_unix};

/// Why a search gave no results list.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("{0}")]
    Invalid(String),
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

    /// [`Session::search`], skipped (`None`) if `wanted` says no when the reader gets to it: a search
    /// that typing made stale while it waited never runs.
    pub async fn search_if(
        &self,
        text: &str,
        scope: Scope,
        limit: usize,
        wanted: impl Fn() -> bool + Send + 'static,
    ) -> Result<Option<Vec<Headline>>, SearchError> {
        let query = query::parse(text, now_unix())?;
        Ok(self
            .db()
            .read(move |s| {
                if !wanted() {
                    return Ok(None);
                }
                s.search(&query, &scope, limit).map(Some)
            })
            .await?)
    }

    /// Indexes one batch of the backlog; returns how many articles still wait.
    pub async fn index_backlog(&self) -> Result<usize, SessionError> {
        self.db()
            .write(Lane::Background, |s| s.index_backlog(BACKLOG_BATCH))
            .await
    }
}

/// Saved searches and filters, for both front ends. Queries are checked here, when they are saved,
/// so a mistake is said at once with where it went wrong.
impl Session {
    /// Saves `query` under `name` (a search of that name gets the new query); returns its id.
    pub async fn save_search(&self, name: &str, query: &str) -> Result<i64, SearchError> {
        query::parse(query, now_unix())?;
        let name = crate::text::clean_line(name);
        if name.is_empty() {
            return Err(SearchError::Invalid("a saved search needs a name".into()));
        }
        let query = query.to_string();
        Ok(self
            .db()
            .write(Lane::Interactive, move |s| s.save_search(&name, &query))
            .await?)
    }

    /// Removes a saved search (by name or id); returns whether there was one.
    pub async fn remove_saved_search(&self, name_or_id: &str) -> Result<bool, SearchError> {
        let key = name_or_id.to_string();
        Ok(self
            .db()
            .write(Lane::Interactive, move |s| s.remove_saved_search(&key))
            .await?)
    }

    /// The saved searches with their counts.
    pub async fn saved_searches(&self) -> Result<Vec<SavedSearch>, SearchError> {
        Ok(self.db().read(|s| s.saved_searches()).await?)
    }

    /// Adds a filter; `apply_now` also applies it to what is already stored. Returns its id and how
    /// many articles it changed.
    pub async fn add_filter(
        &self,
        query: &str,
        action: FilterAction,
        apply_now: bool,
    ) -> Result<(i64, usize), SearchError> {
        query::parse(query, now_unix())?;
        let query = query.to_string();
        Ok(self
            .db()
            .write(Lane::Interactive, move |s| {
                s.add_filter(&query, action, apply_now)
            })
            .await?)
    }

    /// Removes a filter made in tidings; what it hid shows again.
    pub async fn remove_filter(&self, id: i64) -> Result<bool, SearchError> {
        Ok(self
            .db()
            .write(Lane::Interactive, move |s| s.remove_filter(id))
            .await?)
    }

    /// Makes the cache's config filters those of config.toml (before anything is stored: filters
    /// act on what arrives).
    pub async fn apply_config_filters(&self) -> Result<(), SearchError> {
        let rules: Vec<(String, FilterAction)> = self
            .config()
            .filters
            .iter()
            .map(|r| (r.query.clone(), r.action))
            .collect();
        Ok(self
            .db()
            .write(Lane::Interactive, move |s| s.set_config_filters(&rules))
            .await?)
    }

    pub async fn filters(&self) -> Result<Vec<Filter>, SearchError> {
        Ok(self.db().read(|s| s.filters()).await?)
    }
}

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 160;

/// A stretch of an article's text around the first place one of the query's words occurs (the
/// start of the text when none does): one line, at most [`SNIPPET_CHARS`] characters.
pub fn snippet(html: &str, query_text: &str) -> String {
    let text = crate::text::clean_line(&crate::store::plain_text(html));
    let words: Vec<String> = query::parse(query_text, now_unix())
        .map(|q| {
            q.any
                .iter()
                .flatten()
                .filter(|t| !t.negated && !t.text.trim().is_empty())
                .map(|t| t.text.to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let lower = text.to_lowercase();
    // Found in the lowercased text; mapped back by characters (lowercasing can change lengths).
    let at_char = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .map(|byte| lower[..byte].chars().count())
        .unwrap_or(0);
    let start = at_char.saturating_sub(SNIPPET_CHARS / 3);
    let mut out: String = text.chars().skip(start).take(SNIPPET_CHARS).collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if text.chars().count() > start + SNIPPET_CHARS {
        out.push('…');
    }
    out
}
