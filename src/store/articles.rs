//! Articles: applying a refresh, whole articles and read/starred flags.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, TransactionBehavior, params, params_from_iter};

use super::lists::scope_clause;
use super::{Article, FeedContent, FetchMeta, ItemData, PendingFullText, Result, Scope, Store};

/// Items stored in one transaction at most: a 500k-item feed must not hold the write lock for
/// seconds while the command line waits to add a feed.
pub const ITEMS_PER_TRANSACTION: usize = 2000;

/// What the index needs of an article besides its full text: title, author, content, summary.
type IndexedHead = (String, Option<String>, Option<String>, Option<String>);

impl Store {
    /// Stores a successful fetch: new items are inserted, known ones updated in place (read and
    /// starred are never reset), and the feed's metadata and validators replaced. A feed of up to
    /// [`ITEMS_PER_TRANSACTION`] items is one transaction; a bigger one is stored in transactions of
    /// that many items, the validators last, so no write holds the cache for long and a crash
    /// midway leaves the old validators (the next refresh fetches the feed again). Returns how many
    /// articles were new.
    pub fn apply_refresh(
        &mut self,
        feed_id: i64,
        content: &FeedContent,
        meta: &FetchMeta,
    ) -> Result<usize> {
        self.apply_refresh_indexed(feed_id, content, meta, None)
    }

    /// [`Store::apply_refresh`] with each item's search-index text worked out ahead
    /// ([`super::index_body`] of its content, else its summary; one per item, in order), so the
    /// writer only hands it to the index. Without it (or with the wrong count) the writer works it
    /// out for the articles it indexes.
    pub fn apply_refresh_indexed(
        &mut self,
        feed_id: i64,
        content: &FeedContent,
        meta: &FetchMeta,
        index_bodies: Option<&[String]>,
    ) -> Result<usize> {
        let bodies = index_bodies.filter(|b| b.len() == content.items.len());
        let mut new = 0;
        let mut chunks = content.items.chunks(ITEMS_PER_TRANSACTION).peekable();
        if chunks.peek().is_none() {
            return self.apply_items(feed_id, &[], None, content, meta, true);
        }
        let mut done = 0;
        while let Some(items) = chunks.next() {
            let last = chunks.peek().is_none();
            let these = bodies.map(|b| &b[done..done + items.len()]);
            new += self.apply_items(feed_id, items, these, content, meta, last)?;
            done += items.len();
        }
        Ok(new)
    }

    /// One transaction of [`Store::apply_refresh`]: `items`, and with `last` the feed's metadata.
    fn apply_items(
        &mut self,
        feed_id: i64,
        items: &[ItemData],
        index_bodies: Option<&[String]>,
        content: &FeedContent,
        meta: &FetchMeta,
        last: bool,
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut new = 0;
        let mut first_new: Option<i64> = None;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (feed_id, guid, title, author, link, published, updated, sort_time, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
            )?;
            let mut find =
                tx.prepare_cached("SELECT id FROM articles WHERE feed_id = ?1 AND guid = ?2")?;
            let mut same_story = tx.prepare_cached(
                "SELECT id FROM articles WHERE feed_id = ?1 AND link = ?2 AND title = ?3
                 ORDER BY id DESC",
            )?;
            let mut adopt_guid =
                tx.prepare_cached("UPDATE articles SET guid = ?2 WHERE id = ?1")?;
            let mut update = tx.prepare_cached(
                "UPDATE articles SET title = ?2, author = ?3, link = ?4,
                     published = COALESCE(?5, published), updated = ?6
                 WHERE id = ?1 AND (title IS NOT ?2 OR author IS NOT ?3 OR link IS NOT ?4
                     OR published IS NOT COALESCE(?5, published) OR updated IS NOT ?6)",
            )?;
            let mut body = tx.prepare_cached(
                "INSERT INTO article_bodies (article_id, content, summary) VALUES (?1, ?2, ?3)
                 ON CONFLICT (article_id) DO UPDATE SET content = excluded.content, summary = excluded.summary
                 WHERE content IS NOT excluded.content OR summary IS NOT excluded.summary",
            )?;
            // Some feeds give an item a new guid at every fetch while its link and title stay. An
            // item whose guid is unknown is the stored article with the same link and title, which
            // takes the new guid (and keeps its flags) — unless another item of this refresh names
            // that article by its own guid, or has already taken it.
            let mut by_guid = Vec::with_capacity(items.len());
            let mut taken = HashSet::new();
            for item in items {
                let id: Option<i64> = find
                    .query_row(params![feed_id, item.guid], |r| r.get(0))
                    .optional()?;
                taken.extend(id);
                by_guid.push(id);
            }
            let mut guids = HashSet::new();
            for (item, known) in items.iter().zip(by_guid.iter_mut()) {
                let repeated = !guids.insert(item.guid.as_str());
                let Some(link) = item.link.as_deref() else {
                    continue;
                };
                if known.is_some() || repeated || item.title.is_empty() {
                    continue;
                }
                let candidates = same_story
                    .query_map(params![feed_id, link, item.title], |r| r.get::<_, i64>(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()?;
                if let Some(id) = candidates.into_iter().find(|id| !taken.contains(id)) {
                    adopt_guid.execute(params![id, item.guid])?;
                    taken.insert(id);
                    *known = Some(id);
                }
            }
            // Articles to index once the rows are written: item, id, and whether it is new.
            let mut to_index: Vec<(usize, i64, bool)> = Vec::with_capacity(items.len());
            for (n, (item, known)) in items.iter().zip(by_guid).enumerate() {
                // A date far in the future (a broken clock, a typo) would pin the item on top of every
                // list: it sorts by when it was first seen, and the date itself is kept for display.
                let sort_time = clamp_future(item.published.or(item.updated), meta.fetched_at)
                    .unwrap_or(meta.fetched_at);
                let inserted: Option<i64> = match known {
                    Some(_) => None,
                    None => insert
                        .query_row(
                            params![
                                feed_id,
                                item.guid,
                                item.title,
                                item.author,
                                item.link,
                                item.published,
                                item.updated,
                                sort_time,
                                meta.fetched_at
                            ],
                            |r| r.get(0),
                        )
                        .optional()?,
                };
                let mut changed_head = false;
                let id = match (inserted, known) {
                    (Some(id), _) => {
                        new += 1;
                        first_new.get_or_insert(id);
                        id
                    }
                    (None, known) => {
                        let id: i64 = match known {
                            Some(id) => id,
                            None => find.query_row(params![feed_id, item.guid], |r| r.get(0))?,
                        };
                        changed_head = update.execute(params![
                            id,
                            item.title,
                            item.author,
                            item.link,
                            item.published,
                            item.updated
                        ])? > 0;
                        id
                    }
                };
                let changed_body = body.execute(params![id, item.content, item.summary])? > 0;
                if inserted.is_some() || changed_body || changed_head {
                    super::enclosures::replace(&tx, id, &item.enclosures)?;
                    to_index.push((n, id, inserted.is_some()));
                }
            }
            // The index's writes come last, one after another. FTS5 writes the terms it holds in
            // memory to disk at each statement savepoint, and a write with triggers (the insert
            // above) opens one: indexing between them made a segment on disk per article.
            for (n, id, new) in to_index {
                let item = &items[n];
                let body = match index_bodies {
                    Some(bodies) => std::borrow::Cow::Borrowed(bodies[n].as_str()),
                    None => std::borrow::Cow::Owned(super::index_body(&[item
                        .content
                        .as_deref()
                        .or(item.summary.as_deref())])),
                };
                super::search::index_text(
                    &tx,
                    id,
                    &item.title,
                    item.author.as_deref(),
                    &body,
                    new,
                )?;
            }
        }
        if let Some(first) = first_new {
            super::saved::apply_filters(&tx, first)?;
        }
        if !last {
            tx.commit()?;
            return Ok(new);
        }
        tx.execute(
            "UPDATE feeds SET title = COALESCE(?2, title), site_link = COALESCE(?3, site_link),
                 etag = ?4, last_modified = ?5, last_fetch = ?6, next_fetch = ?7,
                 last_error = NULL, error_count = 0
             WHERE id = ?1",
            params![
                feed_id,
                content.title,
                content.site_link,
                meta.etag,
                meta.last_modified,
                meta.fetched_at,
                meta.next_fetch
            ],
        )?;
        tx.commit()?;
        Ok(new)
    }

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

/// A time more than a day after `now` (a broken clock or a typo in the feed) becomes `now`.
pub fn clamp_future(t: Option<i64>, now: i64) -> Option<i64> {
    t.map(|t| if t > now + 86_400 { now } else { t })
}
