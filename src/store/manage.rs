//! Managing subscriptions in the cache: tags, removal that can keep starred articles, the details of
//! one feed, and read/starred state brought over from another reader.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::feeds::insert_tags;
use super::{ArticleState, FeedDetails, Result, Store, StoreError};

/// What removing a feed did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub deleted_articles: usize,
    /// Starred articles left in the cache (they stay in All and Starred).
    pub kept_starred: usize,
}

impl Store {
    /// Replaces a feed's tags.
    pub fn set_tags(&mut self, feed_id: i64, tags: &[String]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM feed_tags WHERE feed_id = ?1", [feed_id])?;
        insert_tags(&tx, feed_id, tags)?;
        tx.commit()?;
        Ok(())
    }

    /// Renames a tag on every feed that has it (merging into `to` where a feed has both). Returns how
    /// many feeds carry the new name.
    pub fn rename_tag(&mut self, from: &str, to: &str) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO feed_tags (feed_id, tag)
             SELECT feed_id, ?2 FROM feed_tags WHERE tag = ?1",
            params![from, to],
        )?;
        if from != to {
            tx.execute("DELETE FROM feed_tags WHERE tag = ?1", [from])?;
        }
        let n: i64 = tx.query_row("SELECT COUNT(*) FROM feed_tags WHERE tag = ?1", [to], |r| {
            r.get(0)
        })?;
        tx.commit()?;
        Ok(n as usize)
    }

    /// Every tag in use, sorted without regard to case.
    pub fn all_tags(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT tag FROM feed_tags JOIN feeds ON feeds.id = feed_id
             WHERE unsubscribed = 0 ORDER BY tag COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Shows or hides a feed in the feed list.
    pub fn set_hidden(&mut self, feed_id: i64, hidden: bool) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE feeds SET hidden = ?2 WHERE id = ?1",
            params![feed_id, hidden],
        )? > 0)
    }

    /// Unsubscribes. With `keep_starred`, the feed's starred articles stay (the feed is then only
    /// marked unsubscribed: never polled or listed again); everything else of the feed is deleted.
    pub fn unsubscribe(&mut self, feed_id: i64, keep_starred: bool) -> Result<Removed> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM feeds WHERE id = ?1 AND unsubscribed = 0",
                [feed_id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NoSuchFeed(feed_id.to_string()));
        }
        let starred: i64 = tx.query_row(
            "SELECT COUNT(*) FROM articles WHERE feed_id = ?1 AND starred = 1",
            [feed_id],
            |r| r.get(0),
        )?;
        let removed = if keep_starred && starred > 0 {
            let deleted = tx.execute(
                "DELETE FROM articles WHERE feed_id = ?1 AND starred = 0",
                [feed_id],
            )?;
            tx.execute("DELETE FROM feed_tags WHERE feed_id = ?1", [feed_id])?;
            tx.execute(
                "UPDATE feeds SET unsubscribed = 1, next_fetch = ?2, etag = NULL, last_modified = NULL,
                     last_error = NULL
                 WHERE id = ?1",
                params![feed_id, i64::MAX / 2],
            )?;
            Removed {
                deleted_articles: deleted,
                kept_starred: starred as usize,
            }
        } else {
            let total: i64 = tx.query_row(
                "SELECT article_count FROM feeds WHERE id = ?1",
                [feed_id],
                |r| r.get(0),
            )?;
            tx.execute("DELETE FROM feeds WHERE id = ?1", [feed_id])?;
            Removed {
                deleted_articles: total.max(0) as usize,
                kept_starred: 0,
            }
        };
        tx.commit()?;
        Ok(removed)
    }

    /// Everything known about one subscription.
    pub fn feed_details(&self, feed_id: i64) -> Result<FeedDetails> {
        let mut details = self
            .conn
            .query_row(
                "SELECT id, url, COALESCE(custom_title, title, url), site_link, last_fetch, next_fetch,
                        etag IS NOT NULL, last_modified IS NOT NULL, last_error, last_error_at,
                        error_count, article_count, unread_count, full_text, interval_minutes,
                        schedule_reason, hidden
                 FROM feeds WHERE id = ?1 AND unsubscribed = 0",
                [feed_id],
                |r| {
                    Ok(FeedDetails {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        site_link: r.get(3)?,
                        tags: Vec::new(),
                        last_fetch: r.get(4)?,
                        next_fetch: r.get(5)?,
                        has_etag: r.get(6)?,
                        has_last_modified: r.get(7)?,
                        last_error: r.get(8)?,
                        last_error_at: r.get(9)?,
                        error_count: r.get(10)?,
                        total: r.get(11)?,
                        unread: r.get(12)?,
                        starred: 0,
                        full_text: r.get(13)?,
                        interval_minutes: r.get(14)?,
                        schedule_reason: r.get(15)?,
                        hidden: r.get(16)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchFeed(feed_id.to_string()))?;
        details.starred = self.conn.query_row(
            "SELECT COUNT(*) FROM articles WHERE feed_id = ?1 AND starred = 1",
            [feed_id],
            |r| r.get(0),
        )?;
        let mut stmt = self
            .conn
            .prepare("SELECT tag FROM feed_tags WHERE feed_id = ?1 ORDER BY tag COLLATE NOCASE")?;
        details.tags = stmt
            .query_map([feed_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(details)
    }

    /// Records why a feed's next fetch is when it is (shown in the feed details).
    pub fn set_schedule_reason(&mut self, feed_id: i64, reason: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET schedule_reason = ?2 WHERE id = ?1",
            params![feed_id, reason],
        )?;
        Ok(())
    }

    /// Applies read/starred state from another reader to a feed's stored articles, matching by guid,
    /// else by link. Only marks articles read (never unread) and starred (never unstarred), so nothing
    /// already done here is undone. One transaction; returns how many articles matched.
    pub fn apply_article_states(&mut self, feed_id: i64, states: &[ArticleState]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut matched = 0;
        {
            let mut by_guid = tx.prepare_cached(
                "UPDATE articles SET read = MAX(read, ?3), starred = MAX(starred, ?4)
                 WHERE feed_id = ?1 AND guid = ?2",
            )?;
            let mut by_link = tx.prepare_cached(
                "UPDATE articles SET read = MAX(read, ?3), starred = MAX(starred, ?4)
                 WHERE feed_id = ?1 AND link = ?2",
            )?;
            for s in states {
                let mut n = by_guid.execute(params![feed_id, s.guid, s.read, s.starred])?;
                if n == 0
                    && let Some(link) = &s.link
                {
                    n = by_link.execute(params![feed_id, link, s.read, s.starred])?;
                }
                matched += n.min(1);
            }
        }
        tx.commit()?;
        Ok(matched)
    }
}
