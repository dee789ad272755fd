//! Full-text search over every article in the cache: an FTS5 index of title, author and the
//! article's plain text (the feed's text, and the full article when fetched), kept up to date as
//! articles are stored, and queries in the language of [`super::query`].
//!
//! The index is contentless (it keeps only the index, not a second copy of the text) with the
//! `unicode61` tokenizer and diacritics removed (`cafe` finds `café`). It has no prefix indexes
//! (they made it 2.7 times bigger); `tok*` scans the range of terms that start with `tok`. CJK text has no spaces between words, so each Han, kana or
//! Hangul character is indexed as a token of its own and a word is searched as a phrase of its
//! characters ([`super::query::segment_cjk`]). Caches from before the index are indexed in batches
//! in the background ([`Store::index_backlog`]), newest first.
//!
//! Ranking costs time for every match (bm25 reads each match's column sizes): about 60 ms for a
//! word in 70,000 of 100,000 articles. So a query is ranked among its [`RANK_WINDOW`] matches
//! stored last, read in rowid order, newest first (the index keeps that order, so reading stops
//! there); a query with fewer matches is ranked among all of them. For a news reader, the newest
//! few thousand matches of a word that common hold what a person looks for, and the time no longer
//! grows with the cache.

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::lists::{headline_from_row, scope_clause};
use super::query::{Query, push_segmented, segment_cjk};
use super::{Headline, Result, Scope, Store};

/// Matches ranked at most: the ones stored last (see the module doc).
pub const RANK_WINDOW: usize = 5000;

/// Plain text kept in the index per article, at most.
const MAX_INDEXED_CHARS: usize = 64 * 1024;

/// An article to index: id, title, author, feed content, feed summary, full text.
type BacklogRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// `meta` key: articles with an id below this are not indexed yet (0 or missing: all are).
const BACKFILL_KEY: &str = "fts_backfill_below";

/// The text of HTML, for the index: tags dropped, the common entities decoded, CJK characters
/// spaced apart ([`segment_cjk`]), capped at [`MAX_INDEXED_CHARS`]. One pass over the HTML, and no
/// sanitizing: the tokenizer reads control characters and escape sequences' bytes as separators,
/// and this text is never shown as it is (snippets go through `clean_line`).
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(MAX_INDEXED_CHARS));
    // Counts what was read: a char, a run's chars, a whole tag or a whole entity.
    let mut count = 0;
    let mut rest = html;
    while count < MAX_INDEXED_CHARS && !rest.is_empty() {
        // Most of a feed's text is ASCII outside tags: copied a run at a time, not a char at a time.
        let run = rest
            .bytes()
            .take(MAX_INDEXED_CHARS - count)
            .take_while(|&b| b.is_ascii() && b != b'<' && b != b'&')
            .count();
        if run > 0 {
            out.push_str(&rest[..run]);
            rest = &rest[run..];
            count += run;
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        match c {
            '<' => {
                // A tag (or comment) ends at the next '>'; it separates words.
                rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
                out.push(' ');
            }
            '&' => {
                let mut end = 0;
                for n in rest.chars() {
                    if n == ';' || end > 10 || !(n.is_ascii_alphanumeric() || n == '#') {
                        break;
                    }
                    end += 1;
                }
                // The entity's chars are ASCII, so `end` counts bytes too.
                let (entity, mut after) = rest.split_at(end);
                let decoded = crate::text::entities::entity_char(entity);
                if decoded.is_some() && after.starts_with(';') {
                    after = &after[1..];
                }
                match decoded {
                    Some(d) => push_segmented(&mut out, d),
                    None => {
                        out.push('&');
                        out.push_str(entity);
                    }
                }
                rest = after;
            }
            c => push_segmented(&mut out, c),
        }
        count += 1;
    }
    out
}

/// Indexes one article (replacing what was indexed for it).
pub(super) fn index_article(
    conn: &Connection,
    id: i64,
    title: &str,
    author: Option<&str>,
    html: &[Option<&str>],
) -> Result<()> {
    index_text(conn, id, title, author, &index_body(html), false)
}

/// What the index holds of an article's HTML parts: their [`plain_text`], one after another, capped
/// near [`MAX_INDEXED_CHARS`]. Pure: a refresh works it out on the parse threads, off the writer.
pub fn index_body(html: &[Option<&str>]) -> String {
    let mut body = String::new();
    for part in html.iter().flatten() {
        if body.len() >= MAX_INDEXED_CHARS {
            break;
        }
        body.push_str(&plain_text(part));
        body.push(' ');
    }
    body
}

/// Indexes one article whose body text ([`index_body`]) is ready. `new`: the article was inserted in
/// this transaction, so nothing can be indexed under its id yet (a deleted article's entry goes with
/// it, by trigger) and there is nothing to delete first: a delete in a contentless-delete FTS5 table
/// writes a tombstone even for a rowid it never held.
pub(super) fn index_text(
    conn: &Connection,
    id: i64,
    title: &str,
    author: Option<&str>,
    body: &str,
    new: bool,
) -> Result<()> {
    if !new {
        conn.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
            .execute([id])?;
    }
    conn.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, author, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        segment_cjk(title),
        author.map(segment_cjk),
        body
    ])?;
    Ok(())
}

/// `WHERE` conditions (on `a.`) and values for the filters of a query within a scope.
/// Without a scope, hidden articles are matched too (what filters and saved searches build on).
fn filters(query: &Query, scope: Option<&Scope>) -> (String, Vec<Value>) {
    let (mut sql, mut values) = match scope {
        Some(scope) => {
            // The scope's columns name `articles` alone: in a join with the index they are still
            // only `a`'s (the index has title, author and body), and a condition on the row is
            // far cheaper than `a.id IN (SELECT …)`, which lists the whole scope first.
            let (scope_sql, values) = scope_clause(scope, false);
            (format!("({scope_sql})"), values)
        }
        None => ("1".to_string(), Vec::new()),
    };
    if let Some(unread) = query.unread {
        sql.push_str(if unread {
            " AND a.read = 0"
        } else {
            " AND a.read = 1"
        });
    }
    if query.starred {
        sql.push_str(" AND a.starred = 1");
    }
    if query.full_text {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM article_full x WHERE x.article_id = a.id AND x.content IS NOT NULL)",
        );
    }
    if let Some(t) = query.after {
        sql.push_str(" AND a.sort_time >= ?");
        values.push(Value::Integer(t));
    }
    if let Some(t) = query.before {
        sql.push_str(" AND a.sort_time < ?");
        values.push(Value::Integer(t));
    }
    for feed in &query.feeds {
        sql.push_str(
            " AND a.feed_id IN (SELECT id FROM feeds
                 WHERE instr(lower(COALESCE(custom_title, title, url)), lower(?)) > 0)",
        );
        values.push(Value::Text(feed.clone()));
    }
    for tag in &query.tags {
        sql.push_str(
            " AND a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ? COLLATE NOCASE)",
        );
        values.push(Value::Text(tag.clone()));
    }
    (sql, values)
}

/// A `WHERE` condition on `articles` (no alias) for the articles a query matches, read at this
/// moment (relative dates count from now). A query that does not parse matches nothing: it was
/// checked when it was saved, so only a change of the language could make it fail.
pub(super) fn query_clause(text: &str) -> (String, Vec<Value>) {
    let Ok(query) = super::query::parse(text, super::now_unix()) else {
        return ("0".to_string(), Vec::new());
    };
    let (filter_sql, mut values) = filters(&query, None);
    let sql = match (query.fts_expression(), query.negated_expression()) {
        (Some(expr), _) => {
            values.insert(0, Value::Text(expr));
            format!(
                "id IN (SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid
                        WHERE articles_fts MATCH ? AND {filter_sql})"
            )
        }
        (None, Some(neg)) => {
            values.push(Value::Text(neg));
            format!(
                "id IN (SELECT a.id FROM articles a WHERE {filter_sql}
                        AND a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?))"
            )
        }
        (None, None) => format!("id IN (SELECT a.id FROM articles a WHERE {filter_sql})"),
    };
    (sql, values)
}

impl Store {
    /// Articles matching `query` within `scope`: best matches first when there are words, newest
    /// first when there are only filters. At most `limit`.
    pub fn search(&self, query: &Query, scope: &Scope, limit: usize) -> Result<Vec<Headline>> {
        let (filter_sql, mut values) = filters(query, Some(scope));
        let sql = match (query.fts_expression(), query.negated_expression()) {
            (Some(expr), _) => {
                values.insert(0, Value::Text(expr));
                // The window is read newest first (the index keeps rowid order), ranked, sorted.
                format!(
                    "SELECT id, feed_id, title, sort_time, read, starred FROM (
                         SELECT a.id, a.feed_id, a.title, a.sort_time, a.read, a.starred,
                                f.rank AS score
                         FROM articles_fts f JOIN articles a ON a.id = f.rowid
                         WHERE articles_fts MATCH ? AND {filter_sql}
                         ORDER BY f.rowid DESC LIMIT {RANK_WINDOW})
                     ORDER BY score, sort_time DESC LIMIT ?"
                )
            }
            (None, Some(neg)) => {
                values.push(Value::Text(neg));
                format!(
                    "SELECT a.id, a.feed_id, a.title, a.sort_time, a.read, a.starred
                     FROM articles a WHERE {filter_sql}
                       AND a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)
                     ORDER BY a.sort_time DESC, a.id DESC LIMIT ?"
                )
            }
            (None, None) => format!(
                "SELECT a.id, a.feed_id, a.title, a.sort_time, a.read, a.starred
                 FROM articles a WHERE {filter_sql}
                 ORDER BY a.sort_time DESC, a.id DESC LIMIT ?"
            ),
        };
        values.push(Value::Integer(limit.min(i64::MAX as usize) as i64));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), headline_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Indexes up to `batch` articles stored before the index existed, newest first. Returns how
    /// many are still waiting (0: the index is complete).
    pub fn index_backlog(&mut self, batch: usize) -> Result<usize> {
        let below: i64 = self
            .meta(BACKFILL_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if below <= 1 {
            return Ok(0);
        }
        let tx = self.conn.unchecked_transaction()?;
        let rows: Vec<BacklogRow> = {
            let mut stmt = tx.prepare(
                "SELECT a.id, a.title, a.author, b.content, b.summary, x.content
                 FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id
                 LEFT JOIN article_full x ON x.article_id = a.id
                 WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![below, batch as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut lowest = below;
        for (id, title, author, content, summary, full) in &rows {
            let feed_text = content.as_deref().or(summary.as_deref());
            index_article(
                &tx,
                *id,
                title,
                author.as_deref(),
                &[feed_text, full.as_deref()],
            )?;
            lowest = lowest.min(*id);
        }
        let next = if rows.len() < batch { 0 } else { lowest };
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![BACKFILL_KEY, next.to_string()],
        )?;
        tx.commit()?;
        if next <= 1 {
            return Ok(0);
        }
        let left: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM articles WHERE id < ?1", [next], |r| {
                    r.get(0)
                })?;
        Ok(left.max(0) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_INDEXED_CHARS, plain_text, push_segmented};

    /// The char-at-a-time version `plain_text` replaced: the reference it must agree with.
    fn plain_text_char_by_char(html: &str) -> String {
        let mut out = String::with_capacity(html.len().min(MAX_INDEXED_CHARS));
        let mut chars = html.chars().peekable();
        let mut count = 0;
        while let Some(c) = chars.next() {
            if count >= MAX_INDEXED_CHARS {
                break;
            }
            match c {
                '<' => {
                    // A tag (or comment) ends at the next '>'; it separates words.
                    for t in chars.by_ref() {
                        if t == '>' {
                            break;
                        }
                    }
                    out.push(' ');
                }
                '&' => {
                    let mut entity = String::new();
                    while let Some(&n) = chars.peek() {
                        if n == ';' || entity.len() > 10 || !(n.is_ascii_alphanumeric() || n == '#')
                        {
                            break;
                        }
                        entity.push(n);
                        chars.next();
                    }
                    let decoded = crate::text::entities::entity_char(&entity);
                    if decoded.is_some() && chars.peek() == Some(&';') {
                        chars.next();
                    }
                    match decoded {
                        Some(d) => push_segmented(&mut out, d),
                        None => {
                            out.push('&');
                            out.push_str(&entity);
                        }
                    }
                }
                c => push_segmented(&mut out, c),
            }
            count += 1;
        }
        out
    }

    /// 20,000 strings of the pieces that matter to it (tags, entities, comments, CJK, accents,
    /// runs of ASCII), drawn with a fixed-seed xorshift so a failure reproduces.
    #[test]
    fn plain_text_agrees_with_the_char_by_char_version() {
        const PIECES: &[&str] = &[
            "a",
            "word ",
            " ",
            "<",
            ">",
            "<b>",
            "</p>",
            "<!--",
            "-->",
            "&",
            ";",
            "#",
            "&amp;",
            "&amp",
            "&eacute;",
            "&#x41;",
            "&#8364;",
            "&nosuch;",
            "&#",
            "&aaaaaaaaaaaaaaa;",
            "é",
            "中文",
            "ｶ",
            "\u{1b}[31m",
            "\u{0}",
            "x1",
            "Ω",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let html: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            assert_eq!(
                plain_text(&html),
                plain_text_char_by_char(&html),
                "{html:?}"
            );
        }
    }

    #[test]
    fn plain_text_agrees_with_the_char_by_char_version_at_the_cap() {
        for html in [
            "x".repeat(MAX_INDEXED_CHARS + 5),
            format!("{}&amp;<b>é中", "y".repeat(MAX_INDEXED_CHARS - 2)),
            "&eacute;é".repeat(MAX_INDEXED_CHARS / 2 + 3),
        ] {
            assert_eq!(plain_text(&html), plain_text_char_by_char(&html));
        }
    }

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        let words = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            words(plain_text(
                "<p>Caf&eacute; &amp; <b>tea</b>&#8364;&#x41;&nbsp;x</p>"
            )),
            "Café & tea €A x"
        );
        assert_eq!(plain_text("a<!-- c -->b").trim(), "a b");
        assert!(plain_text(&"x".repeat(200_000)).len() <= 64 * 1024);
    }
}
