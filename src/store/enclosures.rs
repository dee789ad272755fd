//! The files items carry (podcast episodes, Media RSS content), kept per article in the feed's order.

use rusqlite::{Connection, params};

use super::{Enclosure, Result};

/// Most enclosures kept per article.
pub const MAX_PER_ARTICLE: usize = 32;

/// Makes an article's enclosures these.
pub(super) fn replace(conn: &Connection, article_id: i64, list: &[Enclosure]) -> Result<()> {
    conn.prepare_cached("DELETE FROM enclosures WHERE article_id = ?1")?
        .execute([article_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO enclosures (article_id, position, url, mime, length, duration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, e) in list.iter().take(MAX_PER_ARTICLE).enumerate() {
        insert.execute(params![
            article_id,
            position as i64,
            e.url,
            e.mime,
            e.length,
            e.duration
        ])?;
    }
    Ok(())
}

/// An article's enclosures, in order.
pub(super) fn of(conn: &Connection, article_id: i64) -> Result<Vec<Enclosure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT url, mime, length, duration FROM enclosures WHERE article_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([article_id], |r| {
        Ok(Enclosure {
            url: r.get(0)?,
            mime: r.get(1)?,
            length: r.get(2)?,
            duration: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
