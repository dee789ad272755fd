//! Subscriptions: adding, removing, finding, scheduling and recording fetch results.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

use super::{
    AddOutcome, FeedRecord, FeedSummary, NewFeed, Result, Store, StoreError, Unchanged, now_unix,
};

const RECORD_COLUMNS: &str = "id, url, COALESCE(custom_title, title, url), etag, last_modified, error_count, full_text, interval_minutes";

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<FeedRecord> {
    Ok(FeedRecord {
        id: row.get(0)?,
        url: row.get(1)?,
        display_title: row.get(2)?,
        etag: row.get(3)?,
        last_modified: row.get(4)?,
        error_count: row.get(5)?,
        full_text: row.get(6)?,
        interval_minutes: row.get(7)?,
    })
}

pub(super) fn insert_tags(tx: &rusqlite::Connection, id: i64, tags: &[String]) -> Result<()> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute(params![id, tag])?;
    }
    Ok(())
}

impl Store {
    /// Subscribes to a feed; an existing URL is left as it is. New feeds are due at once.
    pub fn add_feed(&mut self, feed: &NewFeed) -> Result<AddOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(i64, bool)> = tx
            .query_row(
                "SELECT id, unsubscribed FROM feeds WHERE url = ?1",
                [&feed.url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match existing {
            Some((id, false)) => return Ok(AddOutcome::AlreadyExists(id)),
            Some((id, true)) => {
                // A feed removed earlier whose starred articles were kept: subscribe it again.
                tx.execute(
                    "UPDATE feeds SET unsubscribed = 0, custom_title = ?2, site_link = COALESCE(?3, site_link),
                         full_text = ?4, interval_minutes = ?5, hidden = ?6, next_fetch = 0,
                         etag = NULL, last_modified = NULL
                     WHERE id = ?1",
                    params![id, feed.title, feed.site_link, feed.full_text, feed.interval_minutes, feed.hidden],
                )?;
                tx.execute("DELETE FROM feed_tags WHERE feed_id = ?1", [id])?;
                insert_tags(&tx, id, &feed.tags)?;
                tx.commit()?;
                return Ok(AddOutcome::Added(id));
            }
            None => {}
        }
        tx.execute(
            "INSERT INTO feeds (url, custom_title, site_link, next_fetch, added_at, full_text,
                                interval_minutes, hidden)
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)",
            params![
                feed.url,
                feed.title,
                feed.site_link,
                now_unix(),
                feed.full_text,
                feed.interval_minutes,
                feed.hidden
            ],
        )?;
        let id = tx.last_insert_rowid();
        insert_tags(&tx, id, &feed.tags)?;
        tx.commit()?;
        Ok(AddOutcome::Added(id))
    }

    /// Unsubscribes; the feed's articles go with it. Returns whether a feed was removed.
    pub fn remove_feed(&mut self, id: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM feeds WHERE id = ?1", [id])? > 0)
    }

    /// Finds a feed by numeric id or exact URL.
    pub fn find_feed(&self, url_or_id: &str) -> Result<FeedRecord> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM feeds WHERE (url = ?1 OR id = ?2) AND unsubscribed = 0"
        );
        let id: i64 = url_or_id.trim().parse().unwrap_or(-1);
        self.conn
            .query_row(&sql, params![url_or_id.trim(), id], record_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NoSuchFeed(url_or_id.to_string()))
    }

    /// Every subscription, in the order they were added.
    pub fn feed_records(&self) -> Result<Vec<FeedRecord>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM feeds WHERE unsubscribed = 0 ORDER BY id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], record_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Feeds whose next fetch time has come.
    pub fn due_feeds(&self, now: i64) -> Result<Vec<FeedRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM feeds WHERE next_fetch <= ?1 AND unsubscribed = 0
             ORDER BY next_fetch, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([now], record_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Feeds not due yet at `now`: `(id, next_fetch, schedule_reason)`, so that a refresh of
    /// everything can leave out those a server asked to be left alone.
    pub fn scheduled_after(&self, now: i64) -> Result<Vec<(i64, i64, Option<String>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, next_fetch, schedule_reason FROM feeds
             WHERE next_fetch > ?1 AND unsubscribed = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next feed becomes due, if there are feeds at all.
    pub fn next_due_time(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MIN(next_fetch) FROM feeds WHERE unsubscribed = 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Feeds with their tags and article counts, sorted by title.
    pub fn feed_summaries(&self) -> Result<Vec<FeedSummary>> {
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT feed_id, tag FROM feed_tags ORDER BY tag")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, tag) = row?;
                tags.entry(id).or_default().push(tag);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, url, COALESCE(custom_title, title, url), site_link, last_error, last_fetch, next_fetch,
                    full_text, interval_minutes, unread_count, article_count, hidden
             FROM feeds WHERE unsubscribed = 0
             ORDER BY COALESCE(custom_title, title, url) COLLATE NOCASE, id",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: i64 = r.get(0)?;
            Ok(FeedSummary {
                id,
                url: r.get(1)?,
                title: r.get(2)?,
                site_link: r.get(3)?,
                tags: tags.get(&id).cloned().unwrap_or_default(),
                unread: r.get(9)?,
                total: r.get(10)?,
                last_error: r.get(4)?,
                last_fetch: r.get(5)?,
                next_fetch: r.get(6)?,
                full_text: r.get(7)?,
                interval_minutes: r.get(8)?,
                hidden: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Feeds that answered 304: their validators (when the server sent new ones), when they were
    /// fetched, when to fetch them next and why, and no error. One transaction for all of them: a
    /// refresh writes its 304s in batches, not a commit each.
    pub fn record_unchanged(&mut self, feeds: &[Unchanged]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE feeds SET etag = COALESCE(?2, etag), last_modified = COALESCE(?3, last_modified),
                     last_fetch = ?4, next_fetch = ?5, last_error = NULL, error_count = 0,
                     schedule_reason = ?6
                 WHERE id = ?1",
            )?;
            for f in feeds {
                update.execute(params![
                    f.feed_id,
                    f.etag,
                    f.last_modified,
                    f.fetched_at,
                    f.next_fetch,
                    f.reason
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A failed fetch: remember the error and when to try again. Articles stay untouched.
    pub fn record_failure(&mut self, feed_id: i64, error: &str, next_fetch: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET last_error = ?2, error_count = error_count + 1, next_fetch = ?3,
                 last_error_at = ?4
             WHERE id = ?1",
            params![feed_id, error, next_fetch, now_unix()],
        )?;
        Ok(())
    }

    /// Makes every feed (or the given ones) due now.
    pub fn make_due(&mut self, ids: Option<&[i64]>) -> Result<()> {
        match ids {
            None => {
                self.conn.execute("UPDATE feeds SET next_fetch = 0", [])?;
            }
            Some(ids) => {
                let mut stmt = self
                    .conn
                    .prepare_cached("UPDATE feeds SET next_fetch = 0 WHERE id = ?1")?;
                for id in ids {
                    stmt.execute([id])?;
                }
            }
        }
        Ok(())
    }

    /// Records that a feed moved (a permanent redirect that served a feed). Left alone when another
    /// subscription already has the new address.
    pub fn move_feed(&mut self, feed_id: i64, new_url: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE feeds SET url = ?2 WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?2)",
            params![feed_id, new_url],
        )? > 0)
    }

    /// Sets a feed's own refresh interval (`None`: the default) and reschedules it accordingly.
    pub fn set_interval(&mut self, feed_id: i64, minutes: Option<i64>) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE feeds SET interval_minutes = ?2,
                 schedule_reason = CASE WHEN ?2 IS NULL THEN 'the default interval'
                     ELSE 'the feed''s own interval' END,
                 next_fetch = CASE WHEN ?2 IS NOT NULL AND last_fetch IS NOT NULL
                     THEN MIN(next_fetch, last_fetch + ?2 * 60) ELSE next_fetch END
             WHERE id = ?1",
            params![feed_id, minutes],
        )? > 0)
    }

    /// Sets or clears the user's title for a feed.
    pub fn set_custom_title(&mut self, feed_id: i64, title: Option<&str>) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE feeds SET custom_title = ?2 WHERE id = ?1",
            params![feed_id, title],
        )? > 0)
    }

    /// Turns full-article fetching on or off for a feed. Returns whether the feed exists.
    pub fn set_full_text(&mut self, feed_id: i64, on: bool) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE feeds SET full_text = ?2 WHERE id = ?1",
            params![feed_id, on],
        )? > 0)
    }

    /// A value from the cache's own key/value table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
