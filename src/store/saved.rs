//! Saved searches (listed beside the feeds with their counts) and filters (rules in the query
//! language that hide or mark read the articles they match, as those arrive).
//!
//! Both keep the query as text and parse it when it is used, so relative dates (`newer:3d`) always
//! count from now. A query is checked when it is saved; one that fails to parse later (a change of
//! the language) matches nothing rather than failing a list or a refresh.

use rusqlite::{OptionalExtension, params, params_from_iter};

use super::search::query_clause;
use super::{Filter, FilterAction, Result, SavedSearch, Store, StoreError};

/// Longest name of a saved search, in characters.
const MAX_NAME_CHARS: usize = 200;

impl Store {
    /// Saves `query` under `name` (replacing the query of a search of that name); returns its id.
    pub fn save_search(&mut self, name: &str, query: &str) -> Result<i64> {
        let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
        Ok(self.conn.query_row(
            "INSERT INTO saved_searches (name, query) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET query = excluded.query RETURNING id",
            params![name, query],
            |r| r.get(0),
        )?)
    }

    /// Removes a saved search by name or id; returns whether there was one.
    pub fn remove_saved_search(&mut self, name_or_id: &str) -> Result<bool> {
        let by_id = name_or_id.parse::<i64>().ok();
        Ok(self.conn.execute(
            "DELETE FROM saved_searches WHERE name = ?1 OR id = ?2",
            params![name_or_id, by_id],
        )? > 0)
    }

    /// Every saved search with its unread and total counts (hidden articles left out), by name.
    pub fn saved_searches(&self) -> Result<Vec<SavedSearch>> {
        let list: Vec<(i64, String, String)> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, name, query FROM saved_searches ORDER BY name")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::with_capacity(list.len());
        for (id, name, query) in list {
            let (clause, values) = query_clause(&query);
            let sql = format!(
                "SELECT COUNT(*), COALESCE(SUM(read = 0), 0) FROM articles
                 WHERE {clause} AND hidden = 0"
            );
            let (total, unread): (i64, i64) = self
                .conn
                .prepare(&sql)?
                .query_row(params_from_iter(values), |r| Ok((r.get(0)?, r.get(1)?)))?;
            out.push(SavedSearch {
                id,
                name,
                query,
                unread,
                total,
            });
        }
        Ok(out)
    }

    /// Adds a filter; with `apply_now`, it also acts on the articles already stored (made from the
    /// reader: "hide articles like this one"). Returns its id and how many articles it changed.
    pub fn add_filter(
        &mut self,
        query: &str,
        action: FilterAction,
        apply_now: bool,
    ) -> Result<(i64, usize)> {
        let tx = self.conn.unchecked_transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO filters (query, action, origin) VALUES (?1, ?2, 'user') RETURNING id",
            params![query, action.as_str()],
            |r| r.get(0),
        )?;
        let changed = if apply_now {
            apply_one(&tx, query, action, 0)?
        } else {
            0
        };
        tx.commit()?;
        Ok((id, changed))
    }

    /// Removes a filter made in tidings (those from config.toml are changed there). The articles it
    /// hid are shown again unless another filter hides them too. Returns whether there was one.
    pub fn remove_filter(&mut self, id: i64) -> Result<bool> {
        let tx = self.conn.unchecked_transaction()?;
        let found: Option<(String, String)> = tx
            .query_row(
                "SELECT query, action FROM filters WHERE id = ?1 AND origin = 'user'",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((query, action)) = found else {
            return Ok(false);
        };
        tx.execute("DELETE FROM filters WHERE id = ?1", [id])?;
        if action == "hide" {
            let (clause, values) = query_clause(&query);
            tx.execute(
                &format!("UPDATE articles SET hidden = 0 WHERE hidden = 1 AND {clause}"),
                params_from_iter(values),
            )?;
            // What another hiding filter matches stays hidden.
            let others: Vec<String> = {
                let mut stmt = tx.prepare("SELECT query FROM filters WHERE action = 'hide'")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for other in others {
                apply_one(&tx, &other, FilterAction::Hide, 0)?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    /// Every filter, config ones first.
    pub fn filters(&self) -> Result<Vec<Filter>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, query, action, origin FROM filters ORDER BY origin = 'user', id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, query, action, origin) = row?;
            if let Some(action) = FilterAction::parse(&action) {
                out.push(Filter {
                    id,
                    query,
                    action,
                    origin,
                });
            }
        }
        Ok(out)
    }

    /// Makes the filters from config.toml these (they act on articles that arrive from now on).
    pub fn set_config_filters(&mut self, rules: &[(String, FilterAction)]) -> Result<()> {
        let current: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT query, action FROM filters WHERE origin = 'config' ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let wanted: Vec<(String, String)> = rules
            .iter()
            .map(|(q, a)| (q.clone(), a.as_str().to_string()))
            .collect();
        if current == wanted {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM filters WHERE origin = 'config'", [])?;
        for (query, action) in &wanted {
            tx.execute(
                "INSERT INTO filters (query, action, origin) VALUES (?1, ?2, 'config')",
                params![query, action],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Shows a hidden article again (its filter stays).
    pub fn unhide(&mut self, article_id: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE articles SET hidden = 0 WHERE id = ?1 AND hidden = 1",
            [article_id],
        )? > 0)
    }

    /// How many articles filters hide.
    pub fn hidden_total(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM articles WHERE hidden = 1", [], |r| {
                r.get(0)
            })?)
    }
}

/// Runs every filter over the articles stored from `first_new_id` on (those of the refresh being
/// written: ids only grow, and one writer stores them). Returns how many articles changed.
pub(super) fn apply_filters(conn: &rusqlite::Connection, first_new_id: i64) -> Result<usize> {
    let rules: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached("SELECT query, action FROM filters ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut changed = 0;
    for (query, action) in rules {
        if let Some(action) = FilterAction::parse(&action) {
            changed += apply_one(conn, &query, action, first_new_id)?;
        }
    }
    Ok(changed)
}

/// One filter over the articles from `first_id` on.
fn apply_one(
    conn: &rusqlite::Connection,
    query: &str,
    action: FilterAction,
    first_id: i64,
) -> Result<usize> {
    let (clause, mut values) = query_clause(query);
    let set = match action {
        FilterAction::Hide => "hidden = 1 WHERE hidden = 0",
        FilterAction::Read => "read = 1 WHERE read = 0",
    };
    values.insert(0, rusqlite::types::Value::Integer(first_id));
    let sql = format!("UPDATE articles SET {set} AND id >= ? AND {clause}");
    conn.execute(&sql, params_from_iter(values))
        .map_err(StoreError::from)
}
