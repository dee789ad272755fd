//! The download queue: enclosures fetched to files (podboat's job), one row per URL, and the feeds
//! whose new episodes are queued as they arrive (`auto_download`).
//!
//! A row moves `queued` → `downloading` → `done`, or to `failed` (with the error; the partial file
//! stays for a resume), `paused` or `cancelled`. Only a row in `downloading` is being written to,
//! and a worker only writes while its row still says so: pausing, cancelling or deleting a row here
//! is seen by the worker at its next progress write, in this process or another. The store keeps
//! the rows; the files are the session's business.

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::{Result, Store, StoreError, now_unix};

/// Where a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DownloadState {
    Queued,
    Downloading,
    Paused,
    Done,
    Failed,
    Cancelled,
}

impl DownloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadState::Queued => "queued",
            DownloadState::Downloading => "downloading",
            DownloadState::Paused => "paused",
            DownloadState::Done => "done",
            DownloadState::Failed => "failed",
            DownloadState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<DownloadState> {
        Some(match s {
            "queued" => DownloadState::Queued,
            "downloading" => DownloadState::Downloading,
            "paused" => DownloadState::Paused,
            "done" => DownloadState::Done,
            "failed" => DownloadState::Failed,
            "cancelled" => DownloadState::Cancelled,
            _ => return None,
        })
    }
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownloadRecord {
    pub id: i64,
    /// The article the enclosure came from, while it is in the cache.
    pub article_id: Option<i64>,
    /// Its feed, while subscribed.
    pub feed_id: Option<i64>,
    pub url: String,
    /// The article's title and the feed's, as they were when queued.
    pub title: String,
    pub feed_title: String,
    #[serde(rename = "type")]
    pub mime: Option<String>,
    /// The finished file (the partial one is this + `.part`); chosen when the download starts.
    pub path: Option<String>,
    pub state: DownloadState,
    pub bytes_done: i64,
    /// The size, when the server (or the feed) said it.
    pub bytes_total: Option<i64>,
    /// The `ETag` (strong) or `Last-Modified` of the response, sent back as `If-Range`.
    #[serde(skip)]
    pub validator: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An enclosure to queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDownload {
    pub article_id: Option<i64>,
    pub feed_id: Option<i64>,
    pub url: String,
    pub title: String,
    pub feed_title: String,
    pub mime: Option<String>,
    /// The size the feed gave (often wrong; replaced by the server's).
    pub length: Option<i64>,
}

/// What queueing one enclosure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A new row, or a failed or cancelled one queued again.
    Queued(i64),
    /// Already in the queue (queued, downloading, paused or done): left as it is.
    Already(i64, DownloadState),
}

impl Queued {
    pub fn id(self) -> i64 {
        match self {
            Queued::Queued(id) | Queued::Already(id, _) => id,
        }
    }
}

const COLUMNS: &str = "id, article_id, feed_id, url, title, feed_title, mime, path, state, bytes_done, \
     bytes_total, validator, error, created_at, updated_at";

fn record_from_row(r: &Row<'_>) -> rusqlite::Result<DownloadRecord> {
    let state: String = r.get(8)?;
    Ok(DownloadRecord {
        id: r.get(0)?,
        article_id: r.get(1)?,
        feed_id: r.get(2)?,
        url: r.get(3)?,
        title: r.get(4)?,
        feed_title: r.get(5)?,
        mime: r.get(6)?,
        path: r.get(7)?,
        state: DownloadState::parse(&state).unwrap_or(DownloadState::Failed),
        bytes_done: r.get(9)?,
        bytes_total: r.get(10)?,
        validator: r.get(11)?,
        error: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

impl Store {
    /// Queues one download. A URL already queued, downloading, paused or done is left as it is; a
    /// failed or cancelled one is queued again (its partial file, if any, is resumed).
    pub fn queue_download(&mut self, d: &NewDownload) -> Result<Queued> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, state FROM downloads WHERE url = ?1",
                [&d.url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let now = now_unix();
        let outcome = match existing {
            Some((id, state)) => {
                let state = DownloadState::parse(&state).unwrap_or(DownloadState::Failed);
                if matches!(state, DownloadState::Failed | DownloadState::Cancelled) {
                    tx.execute(
                        "UPDATE downloads SET state = 'queued', error = NULL, updated_at = ?2,
                             article_id = COALESCE(?3, article_id), feed_id = COALESCE(?4, feed_id)
                         WHERE id = ?1",
                        params![id, now, d.article_id, d.feed_id],
                    )?;
                    Queued::Queued(id)
                } else {
                    Queued::Already(id, state)
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO downloads (article_id, feed_id, url, title, feed_title, mime,
                         bytes_total, state, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8)",
                    params![
                        d.article_id,
                        d.feed_id,
                        d.url,
                        d.title,
                        d.feed_title,
                        d.mime,
                        d.length.filter(|n| *n > 0),
                        now
                    ],
                )?;
                Queued::Queued(tx.last_insert_rowid())
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// The download of enclosure `index` (0 = the first) of an article, as [`Store::queue_download`]
    /// would queue it; `None` when the article or the enclosure is not there.
    pub fn enclosure_download(&self, article_id: i64, index: usize) -> Result<Option<NewDownload>> {
        Ok(self
            .conn
            .query_row(
                "SELECT a.feed_id, e.url, a.title, COALESCE(f.custom_title, f.title, f.url), e.mime,
                     e.length
                 FROM enclosures e JOIN articles a ON a.id = e.article_id
                 JOIN feeds f ON f.id = a.feed_id
                 WHERE e.article_id = ?1 AND e.position = ?2",
                params![article_id, index as i64],
                |r| {
                    Ok(NewDownload {
                        article_id: Some(article_id),
                        feed_id: r.get(0)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        feed_title: r.get(3)?,
                        mime: r.get(4)?,
                        length: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Queues enclosure `index` of an article; `None` when there is no such enclosure.
    pub fn queue_enclosure(&mut self, article_id: i64, index: usize) -> Result<Option<Queued>> {
        match self.enclosure_download(article_id, index)? {
            Some(d) => self.queue_download(&d).map(Some),
            None => Ok(None),
        }
    }

    /// The media enclosures of a feed's articles (newest first; at most `limit` articles, each its
    /// first media enclosure) that have never been queued. With `first_seen`, only the articles a
    /// refresh at that time stored.
    fn episodes_not_queued(
        &self,
        feed_id: i64,
        first_seen: Option<i64>,
        limit: usize,
    ) -> Result<Vec<NewDownload>> {
        // An article's episode is its first enclosure that is not an image or a text (Media RSS
        // thumbnails, transcripts).
        let mut stmt = self.conn.prepare(
            "SELECT a.id, e.url, a.title, COALESCE(f.custom_title, f.title, f.url), e.mime, e.length
             FROM articles a JOIN feeds f ON f.id = a.feed_id
             JOIN enclosures e ON e.article_id = a.id AND e.position = (
                 SELECT MIN(m.position) FROM enclosures m WHERE m.article_id = a.id
                     AND (m.mime IS NULL OR (m.mime NOT LIKE 'image/%' AND m.mime NOT LIKE 'text/%')))
             WHERE a.feed_id = ?1 AND a.hidden = 0 AND (?2 IS NULL OR a.first_seen = ?2)
                 AND NOT EXISTS (SELECT 1 FROM downloads d WHERE d.url = e.url)
             ORDER BY a.sort_time DESC, a.id DESC
             LIMIT ?3",
        )?;
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = stmt.query_map(params![feed_id, first_seen, limit], |r| {
            Ok(NewDownload {
                article_id: Some(r.get(0)?),
                feed_id: Some(feed_id),
                url: r.get(1)?,
                title: r.get(2)?,
                feed_title: r.get(3)?,
                mime: r.get(4)?,
                length: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Queues the episodes of a feed never queued before (newest first, at most `limit` articles,
    /// the first media enclosure of each). Returns how many were queued.
    pub fn queue_feed_episodes(&mut self, feed_id: i64, limit: usize) -> Result<usize> {
        self.find_feed(&feed_id.to_string())?;
        let list = self.episodes_not_queued(feed_id, None, limit)?;
        for d in &list {
            self.queue_download(d)?;
        }
        Ok(list.len())
    }

    /// After a refresh at `fetched_at` stored new articles: when the feed has `auto_download` on,
    /// queues their episodes (at most `limit`). Returns how many were queued.
    pub fn queue_new_episodes(
        &mut self,
        feed_id: i64,
        fetched_at: i64,
        limit: usize,
    ) -> Result<usize> {
        if !self.auto_download(feed_id)? {
            return Ok(0);
        }
        let list = self.episodes_not_queued(feed_id, Some(fetched_at), limit)?;
        for d in &list {
            self.queue_download(d)?;
        }
        Ok(list.len())
    }

    /// Whether a feed's new episodes are queued as they arrive.
    pub fn auto_download(&self, feed_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT auto_download FROM feeds WHERE id = ?1",
                [feed_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Turns a feed's automatic downloads on or off.
    pub fn set_auto_download(&mut self, feed_id: i64, on: bool) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE feeds SET auto_download = ?2 WHERE id = ?1 AND unsubscribed = 0",
            params![feed_id, on],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchFeed(feed_id.to_string()));
        }
        Ok(())
    }

    /// The whole queue, oldest first.
    pub fn downloads(&self) -> Result<Vec<DownloadRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM downloads ORDER BY id"))?;
        let rows = stmt.query_map([], record_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One download.
    pub fn download(&self, id: i64) -> Result<Option<DownloadRecord>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM downloads WHERE id = ?1"),
                [id],
                record_from_row,
            )
            .optional()?)
    }

    /// The downloads of one article (for its header or a key that acts on them).
    pub fn downloads_of_article(&self, article_id: i64) -> Result<Vec<DownloadRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM downloads WHERE article_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([article_id], record_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Takes the first queued download `allowed` accepts: it becomes `downloading`. `None` when
    /// nothing queued is allowed now.
    pub fn claim_download(
        &mut self,
        mut allowed: impl FnMut(&DownloadRecord) -> bool,
    ) -> Result<Option<DownloadRecord>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let chosen = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM downloads WHERE state = 'queued' ORDER BY id"
            ))?;
            let mut rows = stmt.query([])?;
            let mut chosen = None;
            while let Some(row) = rows.next()? {
                let record = record_from_row(row)?;
                if allowed(&record) {
                    chosen = Some(record);
                    break;
                }
            }
            chosen
        };
        let Some(mut record) = chosen else {
            return Ok(None);
        };
        let now = now_unix();
        tx.execute(
            "UPDATE downloads SET state = 'downloading', error = NULL, updated_at = ?2 WHERE id = ?1",
            params![record.id, now],
        )?;
        tx.commit()?;
        record.state = DownloadState::Downloading;
        record.error = None;
        record.updated_at = now;
        Ok(Some(record))
    }

    /// Downloads left `downloading` by a worker that is gone (the program was killed) go back to
    /// the queue; their partial files are resumed. Only the one worker of a profile may call it.
    pub fn requeue_interrupted_downloads(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE downloads SET state = 'queued', updated_at = ?1 WHERE state = 'downloading'",
            [now_unix()],
        )?)
    }

    /// Gives a running download the file it is written to: `Some(true)` when done, `Some(false)`
    /// when another download has that path, `None` when the download is no longer running.
    pub fn set_download_path(&mut self, id: i64, path: Option<&str>) -> Result<Option<bool>> {
        match self.conn.execute(
            "UPDATE downloads SET path = ?2 WHERE id = ?1 AND state = 'downloading'",
            params![id, path],
        ) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(true)),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Ok(Some(false))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records a running download's progress. `false` when the row no longer says `downloading`
    /// (it was paused, cancelled or deleted meanwhile): the worker must stop.
    pub fn download_progress(
        &mut self,
        id: i64,
        bytes_done: i64,
        bytes_total: Option<i64>,
        validator: Option<&str>,
    ) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE downloads SET bytes_done = ?2, bytes_total = COALESCE(?3, bytes_total),
                 validator = COALESCE(?4, validator), updated_at = ?5
             WHERE id = ?1 AND state = 'downloading'",
            params![id, bytes_done, bytes_total, validator, now_unix()],
        )? > 0)
    }

    /// A download finished into `path`. `false` when the row was cancelled or deleted meanwhile.
    pub fn finish_download(&mut self, id: i64, path: &str, bytes: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE downloads SET state = 'done', path = ?2, bytes_done = ?3, bytes_total = ?3,
                 error = NULL, updated_at = ?4
             WHERE id = ?1 AND state IN ('downloading', 'paused')",
            params![id, path, bytes, now_unix()],
        )? > 0)
    }

    /// A download failed with `error`; `bytes_done` bytes are in its partial file.
    pub fn fail_download(&mut self, id: i64, error: &str, bytes_done: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE downloads SET state = 'failed', error = ?2, bytes_done = ?3, updated_at = ?4
             WHERE id = ?1 AND state = 'downloading'",
            params![id, error, bytes_done, now_unix()],
        )? > 0)
    }

    /// Moves a download to `to` if it is in one of `from`; returns the row as it was before, or
    /// `None` when it is not there or not in one of those states.
    pub fn change_download_state(
        &mut self,
        id: i64,
        from: &[DownloadState],
        to: DownloadState,
    ) -> Result<Option<DownloadRecord>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM downloads WHERE id = ?1"),
                [id],
                record_from_row,
            )
            .optional()?;
        let Some(before) = before.filter(|b| from.contains(&b.state)) else {
            return Ok(None);
        };
        match to {
            // A cancelled download starts again from nothing, under a name chosen again.
            DownloadState::Cancelled => tx.execute(
                "UPDATE downloads SET state = 'cancelled', path = NULL, bytes_done = 0,
                     validator = NULL, error = NULL, updated_at = ?2
                 WHERE id = ?1",
                params![id, now_unix()],
            )?,
            DownloadState::Queued => tx.execute(
                "UPDATE downloads SET state = 'queued', error = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, now_unix()],
            )?,
            other => tx.execute(
                "UPDATE downloads SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, other.as_str(), now_unix()],
            )?,
        };
        tx.commit()?;
        Ok(Some(before))
    }

    /// Queues every failed download again. Returns how many.
    pub fn retry_failed_downloads(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE downloads SET state = 'queued', error = NULL, updated_at = ?1
             WHERE state = 'failed'",
            [now_unix()],
        )?)
    }

    /// Removes a download from the queue; returns the row it was.
    pub fn delete_download(&mut self, id: i64) -> Result<Option<DownloadRecord>> {
        let before = self.download(id)?;
        if before.is_some() {
            self.conn
                .execute("DELETE FROM downloads WHERE id = ?1", [id])?;
        }
        Ok(before)
    }

    /// How many downloads are in each state that still needs work: (queued, downloading, paused).
    pub fn pending_downloads(&self) -> Result<(usize, usize, usize)> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'downloading'), 0),
                 COALESCE(SUM(state = 'paused'), 0) FROM downloads",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as usize,
                    r.get::<_, i64>(1)? as usize,
                    r.get::<_, i64>(2)? as usize,
                ))
            },
        )?)
    }
}
