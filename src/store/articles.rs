//! Articles once stored: a whole article, read/starred flags, and full texts fetched later.
//! (Writing a refresh's items is `apply.rs`.)

use rusqlite::{OptionalExtension, params, params_from_iter};

use super::lists::scope_clause;
use super::{Article, PendingFullText, Result, Scope, Store};

/// What the index needs of an article besides its full text: title, author, content, summary.
type IndexedHead = (String, Option<String>, Option<String>, Option<String>);

impl Store {
    /// One whole article with its body, if it exists.
    pub fn article(&self, id: i64) -> Result<Option<Article>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.feed_id, COALESCE(f.custom_title, f.title, f.url), a.title, a.author, a.link,
                    a.published, a.updated, b.content, b.summary, a.read, a.starred, x.content, x.error
             FROM articles a JOIN feeds f ON f.id = a.feed_id
             LEFT JOIN article_bodies b ON b.article_id = a.id
             LEFT JOIN article_full x ON x.article_id = a.id
             WHERE a.id = ?1",
        )?;
        stmt.query_row([id], |r| {
            Ok(Article {
                id: r.get(0)?,
                feed_id: r.get(1)?,
                feed_title: r.get(2)?,
                title: r.get(3)?,
                author: r.get(4)?,
                link: r.get(5)?,
                published: r.get(6)?,
                updated: r.get(7)?,
                content: r.get(8)?,
                summary: r.get(9)?,
                read: r.get(10)?,
                starred: r.get(11)?,
                full_content: r.get(12)?,
                full_error: r.get(13)?,
                enclosures: Vec::new(),
            })
        })
        .optional()?
        .map(|mut article| {
            article.enclosures = super::enclosures::of(&self.conn, id)?;
            Ok::<_, super::StoreError>(article)
        })
        .transpose()
    }

    pub fn set_read(&mut self, id: i64, read: bool) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE articles SET read = ?2 WHERE id = ?1")?
            .execute(params![id, read])?;
        Ok(())
    }

    pub fn set_starred(&mut self, id: i64, starred: bool) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE articles SET starred = ?2 WHERE id = ?1")?
            .execute(params![id, starred])?;
        Ok(())
    }

    /// Marks every article of a scope read; returns how many changed.
    pub fn mark_scope_read(&mut self, scope: &Scope) -> Result<usize> {
        Ok(self.mark_scope_read_returning(scope)?.len())
    }

    /// Marks a scope read and returns the ids of the articles it changed (so it can be undone).
    ///
    /// For synced feeds, a whole feed marked read goes to the server as one catch-up of that feed
    /// (not one update per article): the per-article entries the triggers queued are replaced in the
    /// same transaction. The starred list is not a feed, so its articles go one by one.
    pub fn mark_scope_read_returning(&mut self, scope: &Scope) -> Result<Vec<i64>> {
        let (clause, values) = scope_clause(scope, true);
        let sql = format!("UPDATE articles SET read = 1 WHERE {clause} RETURNING id");
        let tx = self.conn.unchecked_transaction()?;
        let queued_before: i64 =
            tx.query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))?;
        let ids = {
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(values), |r| r.get(0))?;
            rows.collect::<rusqlite::Result<Vec<i64>>>()?
        };
        if matches!(scope, Scope::All | Scope::Tag(_) | Scope::Feed(_)) {
            let now = super::now_unix();
            tx.execute(
                "INSERT INTO outbox (op, remote_id, before, created_at)
                 SELECT 'catchup', f.remote_id, ?2, ?2 FROM feeds f
                 WHERE f.remote_id IS NOT NULL AND f.id IN (
                     SELECT a.feed_id FROM outbox o JOIN articles a ON a.remote_id = o.remote_id
                     WHERE o.id > ?1 AND o.op = 'read')",
                params![queued_before, now],
            )?;
            tx.execute(
                "DELETE FROM outbox WHERE id > ?1 AND op = 'read'",
                [queued_before],
            )?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Marks these articles unread again (undoing a mark-read); one transaction.
    pub fn mark_unread(&mut self, ids: &[i64]) -> Result<usize> {
        let tx = self.conn.unchecked_transaction()?;
        let mut n = 0;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE articles SET read = 0 WHERE id = ?1 AND read = 1")?;
            for id in ids {
                n += stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Articles of a feed with a link whose full text was never fetched, newest first.
    pub fn pending_full_texts(&self, feed_id: i64, limit: usize) -> Result<Vec<PendingFullText>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.link FROM articles a
             WHERE a.feed_id = ?1 AND a.link IS NOT NULL AND a.link != ''
               AND NOT EXISTS (SELECT 1 FROM article_full x WHERE x.article_id = a.id)
             ORDER BY a.sort_time DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![feed_id, limit as i64], |r| {
            Ok(PendingFullText {
                article_id: r.get(0)?,
                link: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the outcome of fetching an article's full text: the extracted HTML, or why it failed.
    /// A failure never replaces full text fetched earlier.
    pub fn store_full_text(
        &mut self,
        article_id: i64,
        outcome: std::result::Result<&str, &str>,
        fetched_at: i64,
    ) -> Result<()> {
        match outcome {
            Ok(content) => {
                let tx = self.conn.unchecked_transaction()?;
                tx.execute(
                    "INSERT INTO article_full (article_id, content, error, fetched_at) VALUES (?1, ?2, NULL, ?3)
                     ON CONFLICT (article_id) DO UPDATE SET content = excluded.content, error = NULL,
                         fetched_at = excluded.fetched_at",
                    params![article_id, content, fetched_at],
                )?;
                // The full article is searchable too.
                let head: Option<IndexedHead> = tx
                    .query_row(
                        "SELECT a.title, a.author, b.content, b.summary FROM articles a
                         LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.id = ?1",
                        [article_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if let Some((title, author, feed_content, summary)) = head {
                    let feed_text = feed_content.as_deref().or(summary.as_deref());
                    super::search::index_article(
                        &tx,
                        article_id,
                        &title,
                        author.as_deref(),
                        &[feed_text, Some(content)],
                    )?;
                }
                tx.commit()?;
                1
            }
            Err(error) => self.conn.execute(
                "INSERT INTO article_full (article_id, content, error, fetched_at) VALUES (?1, NULL, ?2, ?3)
                 ON CONFLICT (article_id) DO UPDATE SET error = excluded.error, fetched_at = excluded.fetched_at",
                params![article_id, error, fetched_at],
            )?,
        };
        Ok(())
    }
}
