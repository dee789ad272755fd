//! Applying a refresh: a feed's items become articles (new ones inserted, known ones updated in
//! place), their search-index entries, and the feed's fetch bookkeeping.
//!
//! Each write is split into the same three steps, in this order within a transaction: every row,
//! then every index entry, then the feeds' bookkeeping. FTS5 writes the terms it holds in memory to
//! disk as a segment at each commit, and at each statement savepoint once the index has been written
//! in the transaction; a write with triggers (the article insert) opens one. Indexing between rows
//! made a segment per article, and a transaction per 50-article feed still made one per feed, which
//! FTS5 then merges. So feeds that queue up for the writer are written several to a transaction
//! ([`Store::apply_refreshes`]), up to [`ITEMS_PER_TRANSACTION`] items, one segment for the lot.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{FeedContent, FetchMeta, ItemData, RefreshWrite, Result, Store};

/// Items stored in one transaction at most: a 500k-item feed must not hold the write lock for
/// seconds while the command line waits to add a feed, and feeds written together stay under it too.
pub const ITEMS_PER_TRANSACTION: usize = 2000;

/// What a transaction wrote of one feed's items.
struct Rows {
    /// How many articles were new.
    new: usize,
    /// The first new article's id (ids only grow, and one writer stores them).
    first_new: Option<i64>,
    /// Articles to index: the item's place, the article's id, and whether it is new.
    to_index: Vec<(usize, i64, bool)>,
}

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

    /// Stores several feeds' refreshes, each with its schedule's reason; answers how many articles
    /// were new in each, in order. Feeds of [`ITEMS_PER_TRANSACTION`] items in all share one
    /// transaction. If that fails, each feed is written alone, so one feed's failure is its own.
    pub fn apply_refreshes(&mut self, writes: &[RefreshWrite]) -> Vec<Result<usize>> {
        let items: usize = writes.iter().map(|w| w.content.items.len()).sum();
        if writes.len() > 1 && items <= ITEMS_PER_TRANSACTION {
            match self.apply_together(writes) {
                Ok(new) => return new.into_iter().map(Ok).collect(),
                Err(e) => {
                    tracing::warn!(error = %e, feeds = writes.len(), "writing feeds together failed; writing each alone");
                }
            }
        }
        writes.iter().map(|w| self.apply_alone(w)).collect()
    }

    fn apply_alone(&mut self, w: &RefreshWrite) -> Result<usize> {
        let bodies = w.index_bodies.as_deref();
        let new = self.apply_refresh_indexed(w.feed_id, &w.content, &w.meta, bodies)?;
        self.set_schedule_reason(w.feed_id, &w.reason)?;
        Ok(new)
    }

    /// [`Store::apply_refreshes`] in one transaction: every feed's rows, then every index entry, then
    /// the filters over the new articles, then every feed's bookkeeping.
    fn apply_together(&mut self, writes: &[RefreshWrite]) -> Result<Vec<usize>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut written = Vec::with_capacity(writes.len());
        for w in writes {
            written.push(write_rows(&tx, w.feed_id, &w.content.items, &w.meta)?);
        }
        for (w, rows) in writes.iter().zip(&written) {
            let bodies = w
                .index_bodies
                .as_deref()
                .filter(|b| b.len() == w.content.items.len());
            index_rows(&tx, &w.content.items, bodies, &rows.to_index)?;
        }
        if let Some(first) = written.iter().filter_map(|r| r.first_new).min() {
            super::saved::apply_filters(&tx, first)?;
        }
        for w in writes {
            finish_feed(&tx, w.feed_id, &w.content, &w.meta)?;
            tx.execute(
                "UPDATE feeds SET schedule_reason = ?2 WHERE id = ?1",
                params![w.feed_id, w.reason],
            )?;
        }
        tx.commit()?;
        Ok(written.into_iter().map(|r| r.new).collect())
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
        let rows = write_rows(&tx, feed_id, items, meta)?;
        index_rows(&tx, items, index_bodies, &rows.to_index)?;
        if let Some(first) = rows.first_new {
            super::saved::apply_filters(&tx, first)?;
        }
        if last {
            finish_feed(&tx, feed_id, content, meta)?;
        }
        tx.commit()?;
        Ok(rows.new)
    }
}

/// Writes `items` of a feed as article rows (bodies and enclosures too), not yet indexed.
fn write_rows(tx: &Connection, feed_id: i64, items: &[ItemData], meta: &FetchMeta) -> Result<Rows> {
    let mut rows = Rows {
        new: 0,
        first_new: None,
        to_index: Vec::with_capacity(items.len()),
    };
    let mut insert = tx.prepare_cached(
        "INSERT INTO articles (feed_id, guid, title, author, link, published, updated, sort_time, first_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
    )?;
    let mut find = tx.prepare_cached("SELECT id FROM articles WHERE feed_id = ?1 AND guid = ?2")?;
    let mut same_story = tx.prepare_cached(
        "SELECT id FROM articles WHERE feed_id = ?1 AND link = ?2 AND title = ?3
         ORDER BY id DESC",
    )?;
    let mut adopt_guid = tx.prepare_cached("UPDATE articles SET guid = ?2 WHERE id = ?1")?;
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
    // Some feeds give an item a new guid at every fetch while its link and title stay. An item
    // whose guid is unknown is the stored article with the same link and title, which takes the new
    // guid (and keeps its flags) — unless another item of this refresh names that article by its own
    // guid, or has already taken it.
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
    for (n, (item, known)) in items.iter().zip(by_guid).enumerate() {
        // A date far in the future (a broken clock, a typo) would pin the item on top of every list:
        // it sorts by when it was first seen, and the date itself is kept for display.
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
                rows.new += 1;
                rows.first_new.get_or_insert(id);
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
            super::enclosures::replace(tx, id, &item.enclosures)?;
            rows.to_index.push((n, id, inserted.is_some()));
        }
    }
    Ok(rows)
}

/// Indexes the articles [`write_rows`] wrote, one after another (see the module's doc for why they
/// come after every row).
fn index_rows(
    tx: &Connection,
    items: &[ItemData],
    index_bodies: Option<&[String]>,
    to_index: &[(usize, i64, bool)],
) -> Result<()> {
    for &(n, id, new) in to_index {
        let item = &items[n];
        let body = match index_bodies {
            Some(bodies) => std::borrow::Cow::Borrowed(bodies[n].as_str()),
            None => std::borrow::Cow::Owned(super::index_body(&[item
                .content
                .as_deref()
                .or(item.summary.as_deref())])),
        };
        super::search::index_text(tx, id, &item.title, item.author.as_deref(), &body, new)?;
    }
    Ok(())
}

/// The feed's metadata and validators, once its items are written: a clean fetch.
fn finish_feed(
    tx: &Connection,
    feed_id: i64,
    content: &FeedContent,
    meta: &FetchMeta,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE feeds SET title = COALESCE(?2, title), site_link = COALESCE(?3, site_link),
             etag = ?4, last_modified = ?5, last_fetch = ?6, next_fetch = ?7,
             last_error = NULL, error_count = 0
         WHERE id = ?1",
    )?
    .execute(params![
        feed_id,
        content.title,
        content.site_link,
        meta.etag,
        meta.last_modified,
        meta.fetched_at,
        meta.next_fetch
    ])?;
    Ok(())
}

/// A time more than a day after `now` (a broken clock or a typo in the feed) becomes `now`.
pub fn clamp_future(t: Option<i64>, now: i64) -> Option<i64> {
    t.map(|t| if t > now + 86_400 { now } else { t })
}
