//! Lists of articles: windows of a headline list for the reader, whole lists for the CLI, and the
//! counts that size them. Counts come from the per-feed counters that triggers keep in `feeds`, so no
//! list of a feed, a tag or All is ever counted by scanning articles. Each list remembers its view
//! (unread only or all; newest, oldest or by feed first) in `meta`, and its windows follow it.

use rusqlite::types::Value;
use rusqlite::{Row, params_from_iter};

use super::{ArticleListing, Headline, HeadlineWindow, ListOrder, ListView, Result, Scope, Store};

/// `WHERE` clause and parameters selecting the articles of a scope.
pub(super) fn scope_clause(scope: &Scope, unread_only: bool) -> (String, Vec<Value>) {
    let (mut clause, params) = match scope {
        Scope::All => ("hidden = 0".to_string(), vec![]),
        Scope::Starred => ("starred = 1 AND hidden = 0".to_string(), vec![]),
        Scope::Tag(tag) => (
            "feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?) AND hidden = 0".to_string(),
            vec![Value::Text(tag.clone())],
        ),
        Scope::Feed(id) => (
            "feed_id = ? AND hidden = 0".to_string(),
            vec![Value::Integer(*id)],
        ),
        Scope::Search(text) => {
            let (clause, values) = super::search::query_clause(text);
            (format!("{clause} AND hidden = 0"), values)
        }
        Scope::Hidden => ("hidden = 1".to_string(), vec![]),
    };
    if unread_only {
        clause.push_str(" AND read = 0");
    }
    (clause, params)
}

/// The `ORDER BY` of a list in `order`, or of the same list read from its other end.
fn order_by(order: ListOrder, reversed: bool) -> &'static str {
    match (order, reversed) {
        (ListOrder::Newest, false) | (ListOrder::Oldest, true) => "sort_time DESC, id DESC",
        (ListOrder::Newest, true) | (ListOrder::Oldest, false) => "sort_time ASC, id ASC",
        (ListOrder::ByFeed, false) => "feed_id ASC, sort_time DESC, id DESC",
        (ListOrder::ByFeed, true) => "feed_id DESC, sort_time ASC, id ASC",
    }
}

const HEADLINE_COLUMNS: &str = "id, feed_id, title, sort_time, read, starred";

pub(super) fn headline_from_row(r: &Row<'_>) -> rusqlite::Result<Headline> {
    Ok(Headline {
        id: r.get(0)?,
        feed_id: r.get(1)?,
        title: r.get(2)?,
        time: r.get(3)?,
        read: r.get(4)?,
        starred: r.get(5)?,
    })
}

impl Store {
    /// A whole headline list, newest first (the CLI and tests; the reader asks for windows).
    pub fn headlines(&self, scope: &Scope, unread_only: bool) -> Result<Vec<Headline>> {
        let (clause, values) = scope_clause(scope, unread_only);
        let sql = format!(
            "SELECT {HEADLINE_COLUMNS} FROM articles WHERE {clause} ORDER BY sort_time DESC, id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), headline_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How a list is shown (its remembered view; the default for a list never changed).
    pub fn list_view(&self, scope: &Scope) -> Result<ListView> {
        Ok(self
            .meta(&scope.view_key())?
            .map(|v| ListView::from_meta(&v))
            .unwrap_or_default())
    }

    /// Remembers how a list is shown.
    pub fn set_list_view(&mut self, scope: &Scope, view: ListView) -> Result<()> {
        if view == ListView::default() {
            self.conn
                .execute("DELETE FROM meta WHERE key = ?1", [scope.view_key()])?;
            return Ok(());
        }
        self.set_meta(&scope.view_key(), &view.to_meta())
    }

    /// Every list whose view differs from the default.
    pub fn list_views(&self) -> Result<Vec<(String, ListView)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM meta WHERE key LIKE 'view:%'")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, value) = row?;
            out.push((key, ListView::from_meta(&value)));
        }
        Ok(out)
    }

    /// How many articles a list shows, in its view.
    fn view_count(&self, scope: &Scope, view: ListView) -> Result<usize> {
        if !view.unread_only {
            return self.scope_count(scope);
        }
        let sums = |sql: &str, values: Vec<Value>| -> Result<usize> {
            let n: i64 = self
                .conn
                .prepare_cached(sql)?
                .query_row(params_from_iter(values), |r| r.get(0))?;
            Ok(n.max(0) as usize)
        };
        match scope {
            Scope::All => sums("SELECT COALESCE(SUM(unread_count), 0) FROM feeds", vec![]),
            Scope::Tag(tag) => sums(
                "SELECT COALESCE(SUM(unread_count), 0) FROM feeds
                 WHERE id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)",
                vec![Value::Text(tag.clone())],
            ),
            Scope::Feed(id) => sums(
                "SELECT COALESCE(SUM(unread_count), 0) FROM feeds WHERE id = ?",
                vec![Value::Integer(*id)],
            ),
            Scope::Starred | Scope::Search(_) | Scope::Hidden => {
                let (clause, values) = scope_clause(scope, true);
                sums(
                    &format!("SELECT COUNT(*) FROM articles WHERE {clause}"),
                    values,
                )
            }
        }
    }

    /// How many articles a scope holds.
    pub fn scope_count(&self, scope: &Scope) -> Result<usize> {
        let (sql, values) = match scope {
            Scope::All => ("SELECT COALESCE(SUM(article_count), 0) FROM feeds", vec![]),
            Scope::Starred => (
                "SELECT COUNT(*) FROM articles WHERE starred = 1 AND hidden = 0",
                vec![],
            ),
            Scope::Tag(tag) => (
                "SELECT COALESCE(SUM(article_count), 0) FROM feeds
                 WHERE id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)",
                vec![Value::Text(tag.clone())],
            ),
            Scope::Feed(id) => (
                "SELECT COALESCE(SUM(article_count), 0) FROM feeds WHERE id = ?",
                vec![Value::Integer(*id)],
            ),
            Scope::Search(_) | Scope::Hidden => {
                let (clause, values) = scope_clause(scope, false);
                let sql = format!("SELECT COUNT(*) FROM articles WHERE {clause}");
                let n: i64 = self
                    .conn
                    .prepare_cached(&sql)?
                    .query_row(params_from_iter(values), |r| r.get(0))?;
                return Ok(n.max(0) as usize);
            }
        };
        let n: i64 = self
            .conn
            .prepare_cached(sql)?
            .query_row(params_from_iter(values), |r| r.get(0))?;
        Ok(n.max(0) as usize)
    }

    /// Up to `len` headlines of a scope from position `start` (0 is the newest), with the list's size,
    /// read in one snapshot. Windows in the older half are read from the oldest end, so that no window
    /// walks past more than half the list.
    pub fn headline_window(
        &self,
        scope: &Scope,
        start: usize,
        len: usize,
    ) -> Result<HeadlineWindow> {
        let tx = self.conn.unchecked_transaction()?;
        let view = self.list_view(scope)?;
        let total = self.view_count(scope, view)?;
        let start = start.min(total);
        let len = len.min(total - start);
        let (clause, mut values) = scope_clause(scope, view.unread_only);
        let from_end = total - start - len;
        let (reversed, offset) = if from_end < start {
            (true, from_end)
        } else {
            (false, start)
        };
        values.push(Value::Integer(len as i64));
        values.push(Value::Integer(offset as i64));
        let order = order_by(view.order, reversed);
        let sql = format!(
            "SELECT {HEADLINE_COLUMNS} FROM articles WHERE {clause}
             ORDER BY {order} LIMIT ? OFFSET ?"
        );
        let mut rows: Vec<Headline> = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values), headline_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        if reversed {
            rows.reverse();
        }
        tx.finish()?;
        Ok(HeadlineWindow { total, start, rows })
    }

    /// The position of the nearest unread article at or after `from` (`forward`), or before `from`.
    pub fn unread_position(
        &self,
        scope: &Scope,
        from: usize,
        forward: bool,
    ) -> Result<Option<usize>> {
        let tx = self.conn.unchecked_transaction()?;
        let view = self.list_view(scope)?;
        let total = self.view_count(scope, view)?;
        let from = if forward { from } else { from.min(total) };
        let (clause, mut values) = scope_clause(scope, view.unread_only);
        let (order, offset) = if forward {
            (order_by(view.order, false), from)
        } else {
            (order_by(view.order, true), total - from)
        };
        values.push(Value::Integer(offset as i64));
        let sql = format!(
            "SELECT read FROM articles WHERE {clause}
             ORDER BY {order} LIMIT -1 OFFSET ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut found = None;
        let mut k = 0;
        while let Some(row) = rows.next()? {
            if !row.get::<_, bool>(0)? {
                found = Some(k);
                break;
            }
            k += 1;
        }
        drop(rows);
        drop(stmt);
        tx.finish()?;
        Ok(found.map(|k| if forward { from + k } else { from - 1 - k }))
    }

    /// Every article of a scope for `tidings list articles`, newest first, handed to `each` one at a
    /// time so that a million rows never sit in memory together.
    pub fn for_each_listing<E: From<super::StoreError>>(
        &self,
        scope: &Scope,
        unread_only: bool,
        with_enclosures: bool,
        mut each: impl FnMut(ArticleListing) -> Result<(), E>,
    ) -> Result<(), E> {
        let (clause, values) = scope_clause(scope, unread_only);
        let sql = format!(
            "SELECT id, feed_id, title, link, published, read, starred FROM articles
             WHERE {clause} ORDER BY sort_time DESC, id DESC"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(super::StoreError::from)?;
        let mut rows = stmt
            .query(params_from_iter(values))
            .map_err(super::StoreError::from)?;
        while let Some(r) = rows.next().map_err(super::StoreError::from)? {
            let listing = (|| {
                Ok::<_, rusqlite::Error>(ArticleListing {
                    id: r.get(0)?,
                    feed_id: r.get(1)?,
                    title: r.get(2)?,
                    link: r.get(3)?,
                    published: r.get(4)?,
                    read: r.get(5)?,
                    starred: r.get(6)?,
                    enclosures: Vec::new(),
                })
            })()
            .map_err(super::StoreError::from)?;
            let mut listing = listing;
            // One more lookup per row: only for those who print them (JSON).
            if with_enclosures {
                listing.enclosures = super::enclosures::of(&self.conn, listing.id)?;
            }
            each(listing)?;
        }
        Ok(())
    }

    /// Unread articles in the whole cache.
    pub fn unread_total(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(SUM(unread_count), 0) FROM feeds",
            [],
            |r| r.get(0),
        )?)
    }

    /// Starred articles in the whole cache.
    pub fn starred_total(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM articles WHERE starred = 1 AND hidden = 0",
            [],
            |r| r.get(0),
        )?)
    }
}
