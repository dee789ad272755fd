//! What the cache keeps for a profile that syncs with a feed server: which feeds and articles are
//! the server's (their ids there), how far the article stream has been read (`sync_since_id`), and
//! the outbox of changes made here that the server has not had yet.
//!
//! The outbox is filled by triggers (see the schema), so every path that marks an article read,
//! unread, starred or unstarred queues the change in its own transaction, and nothing is lost on a
//! crash. What comes from the server is written with the `applying_remote` key set in `meta` for the
//! length of the transaction, which the triggers read as "not a change made here".

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, feeds::insert_tags};
use super::{SyncedArticle, SyncedFeed};

/// How far the server's article stream was stored (its ids only grow).
const SINCE_KEY: &str = "sync_since_id";

/// One change waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub op: OutboxOp,
    /// The article's id on the server (the feed's, for a catch-up).
    pub remote_id: i64,
    /// A catch-up covers what the server had before this time (unix seconds).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxOp {
    Read,
    Unread,
    Star,
    Unstar,
    /// Everything in a feed read (the server's catch-up call, not one update per article).
    CatchUp,
}

impl OutboxOp {
    fn parse(s: &str) -> Option<OutboxOp> {
        Some(match s {
            "read" => OutboxOp::Read,
            "unread" => OutboxOp::Unread,
            "star" => OutboxOp::Star,
            "unstar" => OutboxOp::Unstar,
            "catchup" => OutboxOp::CatchUp,
            _ => return None,
        })
    }
}

/// What storing the server's feed list changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncedFeeds {
    pub added: usize,
    pub removed: usize,
}

impl Store {
    /// Makes the feed list the server's: new feeds are added (a feed already here with the same URL is
    /// adopted), titles, site links and tags follow the server, and feeds gone from the server are
    /// unsubscribed (their starred articles kept). Feeds polled here and not on the server are left as
    /// they are.
    pub fn store_synced_feeds(&mut self, feeds: &[SyncedFeed]) -> Result<SyncedFeeds> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = SyncedFeeds::default();
        let now = super::now_unix();
        {
            let mut by_remote = tx.prepare_cached("SELECT id FROM feeds WHERE remote_id = ?1")?;
            let mut by_url = tx.prepare_cached("SELECT id FROM feeds WHERE url = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO feeds (url, title, site_link, added_at, remote_id, next_fetch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE feeds SET remote_id = ?2, title = ?3, site_link = COALESCE(?4, site_link),
                     unsubscribed = 0, next_fetch = ?5
                 WHERE id = ?1",
            )?;
            let mut clear_tags = tx.prepare_cached("DELETE FROM feed_tags WHERE feed_id = ?1")?;
            for feed in feeds {
                let known: Option<i64> = match by_remote
                    .query_row([feed.remote_id], |r| r.get(0))
                    .optional()?
                {
                    Some(id) => Some(id),
                    None => by_url.query_row([&feed.url], |r| r.get(0)).optional()?,
                };
                // Never due here: the server fetches these feeds.
                let never = i64::MAX / 2;
                let id = match known {
                    Some(id) => {
                        update.execute(params![
                            id,
                            feed.remote_id,
                            feed.title,
                            feed.site_link,
                            never
                        ])?;
                        id
                    }
                    None => {
                        report.added += 1;
                        insert.query_row(
                            params![
                                feed.url,
                                feed.title,
                                feed.site_link,
                                now,
                                feed.remote_id,
                                never
                            ],
                            |r| r.get(0),
                        )?
                    }
                };
                clear_tags.execute([id])?;
                insert_tags(&tx, id, &feed.tags)?;
            }
        }
        let gone: Vec<i64> = {
            let listed: std::collections::HashSet<i64> =
                feeds.iter().map(|f| f.remote_id).collect();
            let mut stmt = tx.prepare(
                "SELECT id, remote_id FROM feeds WHERE remote_id IS NOT NULL AND unsubscribed = 0",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
            let mut gone = Vec::new();
            for row in rows {
                let (id, remote) = row?;
                if !listed.contains(&remote) {
                    gone.push(id);
                }
            }
            gone
        };
        tx.commit()?;
        for id in gone {
            self.unsubscribe(id, true)?;
            report.removed += 1;
        }
        Ok(report)
    }

    /// Stores one page of the server's articles with their read and starred state, and how far the
    /// stream has been read, in one transaction (a sync killed half-way resumes after the last page
    /// stored, and storing a page twice changes nothing). Articles of feeds the cache does not know
    /// are skipped. Returns how many articles were new.
    pub fn store_synced_articles(
        &mut self,
        articles: &[SyncedArticle],
        since_id: i64,
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('applying_remote', '1')",
            [],
        )?;
        let now = super::now_unix();
        let mut new = 0;
        let mut first_new: Option<i64> = None;
        {
            let mut feed_of = tx.prepare_cached("SELECT id FROM feeds WHERE remote_id = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (feed_id, guid, title, author, link, published, updated,
                     sort_time, first_seen, read, starred, remote_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT DO NOTHING RETURNING id",
            )?;
            let mut existing = tx.prepare_cached(
                "UPDATE articles SET title = ?2, author = ?3, link = ?4, read = ?5, starred = ?6
                 WHERE remote_id = ?1 RETURNING id",
            )?;
            let mut body = tx.prepare_cached(
                "INSERT INTO article_bodies (article_id, content) VALUES (?1, ?2)
                 ON CONFLICT (article_id) DO UPDATE SET content = excluded.content",
            )?;
            // Articles to index once the rows are written: what came, its id, and whether it is new.
            let mut to_index: Vec<(&SyncedArticle, i64, bool)> = Vec::with_capacity(articles.len());
            for a in articles {
                let Some(feed_id): Option<i64> = feed_of
                    .query_row([a.remote_feed_id], |r| r.get(0))
                    .optional()?
                else {
                    continue;
                };
                let item = &a.item;
                let sort_time =
                    super::clamp_future(item.published.or(item.updated), now).unwrap_or(now);
                let inserted: Option<i64> = insert
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
                            now,
                            a.read,
                            a.starred,
                            a.remote_id
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                let id = match inserted {
                    Some(id) => {
                        new += 1;
                        first_new.get_or_insert(id);
                        id
                    }
                    None => match existing
                        .query_row(
                            params![
                                a.remote_id,
                                item.title,
                                item.author,
                                item.link,
                                a.read,
                                a.starred
                            ],
                            |r| r.get(0),
                        )
                        .optional()?
                    {
                        Some(id) => id,
                        None => continue,
                    },
                };
                body.execute(params![id, item.content])?;
                to_index.push((a, id, inserted.is_some()));
            }
            // The index's writes come last, one after another (see `Store::apply_refresh`: FTS5
            // writes what it holds to disk at each statement savepoint).
            for (a, id, new) in to_index {
                let body = super::index_body(&[a.item.content.as_deref()]);
                super::search::index_text(
                    &tx,
                    id,
                    &a.item.title,
                    a.item.author.as_deref(),
                    &body,
                    new,
                )?;
            }
        }
        if let Some(first) = first_new {
            super::saved::apply_filters(&tx, first)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![SINCE_KEY, since_id.to_string()],
        )?;
        tx.execute("DELETE FROM meta WHERE key = 'applying_remote'", [])?;
        tx.commit()?;
        Ok(new)
    }

    /// How far the server's article stream has been stored (0 before the first sync).
    pub fn sync_since_id(&self) -> Result<i64> {
        Ok(self
            .meta(SINCE_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Makes the read and starred state of the synced articles the server's: unread exactly when the
    /// server lists them unread, starred exactly when it lists them starred. Articles with a change
    /// still in the outbox keep theirs (the server has not seen it yet). Returns how many changed.
    pub fn apply_synced_state(&mut self, unread: &[i64], starred: &[i64]) -> Result<usize> {
        self.apply_synced_state_in(None, unread, starred)
    }

    /// [`Store::apply_synced_state`], with the read state only for the articles of these server
    /// feeds (`None`: all) — the feeds whose unread count differs from the server's.
    pub fn apply_synced_state_in(
        &mut self,
        feeds: Option<&[i64]>,
        unread: &[i64],
        starred: &[i64],
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('applying_remote', '1')",
            [],
        )?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS remote_unread (id INTEGER PRIMARY KEY);
             CREATE TEMP TABLE IF NOT EXISTS remote_starred (id INTEGER PRIMARY KEY);
             DELETE FROM temp.remote_unread; DELETE FROM temp.remote_starred;",
        )?;
        {
            let mut put =
                tx.prepare("INSERT OR IGNORE INTO temp.remote_unread (id) VALUES (?1)")?;
            for id in unread {
                put.execute([id])?;
            }
            let mut put =
                tx.prepare("INSERT OR IGNORE INTO temp.remote_starred (id) VALUES (?1)")?;
            for id in starred {
                put.execute([id])?;
            }
        }
        let pending = "remote_id NOT IN (SELECT remote_id FROM outbox WHERE op != 'catchup')
             AND feed_id NOT IN (SELECT f.id FROM feeds f JOIN outbox o
                 ON o.op = 'catchup' AND o.remote_id = f.remote_id)";
        let in_feeds = match feeds {
            None => String::new(),
            Some(ids) => {
                // Server ids are integers: written into the statement, never text from outside.
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    " AND feed_id IN (SELECT id FROM feeds WHERE remote_id IN ({}))",
                    list.join(",")
                )
            }
        };
        let mut changed = tx.execute(
            &format!(
                "UPDATE articles SET read = (remote_id NOT IN (SELECT id FROM temp.remote_unread))
                 WHERE remote_id IS NOT NULL
                     AND read IS NOT (remote_id NOT IN (SELECT id FROM temp.remote_unread))
                     AND {pending}{in_feeds}"
            ),
            [],
        )?;
        changed += tx.execute(
            &format!(
                "UPDATE articles SET starred = (remote_id IN (SELECT id FROM temp.remote_starred))
                 WHERE remote_id IS NOT NULL
                     AND starred IS NOT (remote_id IN (SELECT id FROM temp.remote_starred))
                     AND {pending}"
            ),
            [],
        )?;
        tx.execute_batch(
            "DELETE FROM temp.remote_unread; DELETE FROM temp.remote_starred;
             DELETE FROM meta WHERE key = 'applying_remote';",
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// The oldest changes waiting for the server, in the order they were made.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, op, remote_id, before FROM outbox ORDER BY id LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, op, remote_id, before) = row?;
            match OutboxOp::parse(&op) {
                Some(op) => out.push(OutboxEntry {
                    id,
                    op,
                    remote_id,
                    before,
                }),
                None => tracing::warn!(id, op, "an outbox entry of an unknown kind is skipped"),
            }
        }
        Ok(out)
    }

    /// Changes waiting for the server.
    pub fn outbox_len(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            .max(0) as usize)
    }

    /// Removes the entries the server has taken, up to and including `last_id`.
    pub fn outbox_sent(&mut self, last_id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id <= ?1", [last_id])?;
        Ok(())
    }

    /// The unread count of each synced feed, by its server id (hidden articles not counted).
    pub fn synced_unread_counts(&self) -> Result<std::collections::HashMap<i64, i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT remote_id, unread_count FROM feeds WHERE remote_id IS NOT NULL AND unsubscribed = 0",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Which of these server feed ids the cache has no feed for (subscribed on the server after
    /// the feed list was read).
    pub fn unknown_remote_feeds(&self, remote_ids: &[i64]) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM feeds WHERE remote_id = ?1 AND unsubscribed = 0")?;
        let mut unknown = Vec::new();
        for &id in remote_ids {
            if !unknown.contains(&id) && !stmt.exists([id])? {
                unknown.push(id);
            }
        }
        Ok(unknown)
    }

    /// A feed's id on the sync server (`None` for a feed polled here).
    pub fn feed_remote_id(&self, feed_id: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT remote_id FROM feeds WHERE id = ?1",
                [feed_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Whether any feed in the cache comes from a sync server.
    pub fn has_synced_feeds(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM feeds WHERE remote_id IS NOT NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Forgets the server: its feeds become ordinary feeds polled here again, the outbox and the
    /// stream position go. (Removing an account keeps what was read.)
    pub fn forget_sync(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "UPDATE feeds SET remote_id = NULL, next_fetch = 0 WHERE remote_id IS NOT NULL;
             UPDATE articles SET remote_id = NULL WHERE remote_id IS NOT NULL;
             DELETE FROM outbox;
             DELETE FROM meta WHERE key IN ('sync_since_id', 'applying_remote', 'sync_full_state_at');",
        )?;
        tx.commit()?;
        Ok(())
    }
}
