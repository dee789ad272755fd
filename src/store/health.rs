//! Keeping the cache whole: checking it (`tidings check`), salvaging what can be read from a damaged
//! one into a new file, and daily backups (`VACUUM INTO`) that one command restores.
//!
//! A damaged or truncated cache is never silently replaced by an empty one: opening it fails with a
//! message that names the file and what to do.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{Result, Store, StoreError};

/// Backups kept beside the cache; older ones are removed.
pub const BACKUPS_KEPT: usize = 3;
/// A new backup is made when the newest is older than this.
pub const BACKUP_EVERY_SECONDS: u64 = 24 * 3600;

/// What `tidings check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// `ok`, or SQLite's list of problems (at most a hundred lines).
    pub integrity: Vec<String>,
    pub feeds: i64,
    pub articles: i64,
    pub bodies: i64,
    pub full_texts: i64,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"]
    }
}

/// What a salvage copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvaged {
    /// (table, rows copied, rows lost to damage)
    pub tables: Vec<(String, usize, usize)>,
}

/// Tables copied by a salvage, parents first.
const TABLES: &[&str] = &[
    "meta",
    "feeds",
    "feed_tags",
    "articles",
    "article_bodies",
    "article_full",
    "downloads",
];

/// Refuses a cache file that exists but is empty: a cut-off file, never a new cache (a new cache is
/// created by SQLite when the file does not exist).
pub(super) fn refuse_truncated(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == 0 => Err(StoreError::Damaged {
            path: path.display().to_string(),
            reason: "the file is empty (cut off)".into(),
        }),
        _ => Ok(()),
    }
}

impl Store {
    /// Checks the whole file (`PRAGMA integrity_check`) and counts what it holds.
    pub fn check(&self) -> Result<CheckReport> {
        // A damaged page can stop the check itself: that is a finding too, not a failure to report.
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check(100)")
            .and_then(|mut stmt| {
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<_>>()
            })
            .unwrap_or_else(|e| vec![e.to_string()]);
        let count = |table: &str| -> i64 {
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .unwrap_or(-1)
        };
        Ok(CheckReport {
            integrity,
            feeds: count("feeds"),
            articles: count("articles"),
            bodies: count("article_bodies"),
            full_texts: count("article_full"),
        })
    }

    /// Writes a compact copy of the cache to `to` (which must not exist), consistent as of now.
    pub fn backup_to(&self, to: &Path) -> Result<()> {
        self.conn
            .execute("VACUUM INTO ?1", [to.display().to_string()])?;
        Ok(())
    }
}

/// Copies every row that can still be read from the cache at `from` into a new cache at `to`,
/// table by table, stepping over rows on damaged pages. The new file has the current schema.
pub fn salvage(from: &Path, to: &Path) -> Result<Salvaged> {
    if to.exists() {
        return Err(StoreError::Damaged {
            path: to.display().to_string(),
            reason: "the salvage target already exists".into(),
        });
    }
    let mut fresh = Store::open(to)?;
    fresh.set_auto_checkpoint(true)?;
    let conn = &mut fresh.conn;
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    conn.execute(
        "ATTACH DATABASE ?1 AS old",
        [format!("file:{}?mode=ro", from.display())],
    )
    .or_else(|_| conn.execute("ATTACH DATABASE ?1 AS old", [from.display().to_string()]))?;
    let mut report = Salvaged::default();
    for table in TABLES {
        let columns: Vec<String> = {
            let mut stmt = conn.prepare(&format!("PRAGMA main.table_info({table})"))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(1))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let old_columns: Vec<String> = conn
            .prepare(&format!("PRAGMA old.table_info({table})"))
            .and_then(|mut stmt| {
                let rows = stmt.query_map([], |r| r.get::<_, String>(1))?;
                rows.collect::<rusqlite::Result<_>>()
            })
            .unwrap_or_default();
        let shared: Vec<&String> = columns.iter().filter(|c| old_columns.contains(c)).collect();
        if shared.is_empty() {
            report.tables.push((table.to_string(), 0, 0));
            continue;
        }
        let list = shared
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let (copied, lost) = copy_table(conn, table, &list)?;
        report.tables.push((table.to_string(), copied, lost));
    }
    conn.execute_batch("DETACH DATABASE old;")?;
    // Rows whose parent was lost go; the counters are counted afresh (the copied feeds carried the
    // old file's numbers).
    conn.execute_batch(
        "DELETE FROM articles WHERE feed_id NOT IN (SELECT id FROM feeds);
         DELETE FROM article_bodies WHERE article_id NOT IN (SELECT id FROM articles);
         DELETE FROM article_full WHERE article_id NOT IN (SELECT id FROM articles);
         DELETE FROM feed_tags WHERE feed_id NOT IN (SELECT id FROM feeds);
         UPDATE downloads SET article_id = NULL WHERE article_id NOT IN (SELECT id FROM articles);
         UPDATE downloads SET feed_id = NULL WHERE feed_id NOT IN (SELECT id FROM feeds);
         UPDATE feeds SET
             article_count = (SELECT COUNT(*) FROM articles WHERE feed_id = feeds.id),
             unread_count = (SELECT COUNT(*) FROM articles WHERE feed_id = feeds.id AND read = 0);
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(report)
}

/// Copies the rows of one table by rowid ranges; a range that cannot be read is halved until the
/// damaged rows are stepped over one by one. Linear in the rows, plus a logarithmic search per
/// damaged spot.
fn copy_table(conn: &Connection, table: &str, columns: &str) -> Result<(usize, usize)> {
    let bounds: Option<(i64, i64)> = conn
        .query_row(
            &format!("SELECT MIN(rowid), MAX(rowid) FROM old.{table}"),
            [],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        )
        .ok()
        .and_then(|(a, b)| Some((a?, b?)));
    let Some((min, max)) = bounds else {
        // An empty table, or one whose root page is unreadable.
        return Ok((0, 0));
    };
    let insert = format!(
        "INSERT OR IGNORE INTO main.{table} ({columns}) SELECT {columns} FROM old.{table}
         WHERE rowid BETWEEN ?1 AND ?2"
    );
    let (mut copied, mut lost) = (0usize, 0usize);
    let mut stack = vec![(min, max)];
    while let Some((lo, hi)) = stack.pop() {
        match conn.execute(&insert, [lo, hi]) {
            Ok(n) => copied += n,
            Err(_) if lo == hi => lost += 1,
            Err(_) => {
                let mid = lo + (hi - lo) / 2;
                stack.push((mid + 1, hi));
                stack.push((lo, mid));
            }
        }
    }
    Ok((copied, lost))
}

/// The backups of the cache at `cache`, newest first: `cache.db.backup-YYYYMMDD-HHMMSS`.
pub fn backups(cache: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (cache.parent(), cache.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.backup-", name.to_string_lossy());
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.reverse();
    found
}

/// Makes a backup when the newest is older than [`BACKUP_EVERY_SECONDS`] (or there is none), and
/// keeps the newest [`BACKUPS_KEPT`]. Returns the new backup's path, if one was made.
pub fn backup_if_due(
    store: &Store,
    cache: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<PathBuf>> {
    let existing = backups(cache);
    let fresh = existing
        .first()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .is_some_and(|t| {
            t.elapsed()
                .map_or(true, |age| age.as_secs() < BACKUP_EVERY_SECONDS)
        });
    if fresh {
        return Ok(None);
    }
    let target = PathBuf::from(format!(
        "{}.backup-{}",
        cache.display(),
        now.format("%Y%m%d-%H%M%S")
    ));
    let partial = target.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    store.backup_to(&partial)?;
    std::fs::rename(&partial, &target).map_err(|e| StoreError::Damaged {
        path: target.display().to_string(),
        reason: format!("cannot finish the backup: {e}"),
    })?;
    for old in backups(cache).into_iter().skip(BACKUPS_KEPT) {
        let _ = std::fs::remove_file(old);
    }
    Ok(Some(target))
}

/// Puts a backup in place of the cache. The damaged cache is kept beside it as `cache.db.damaged-…`.
/// Only when no reader runs (the caller holds the profile lock).
pub fn restore(cache: &Path, backup: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<PathBuf> {
    // The backup must open as a cache.
    let check = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)))
        .map_err(|e| StoreError::Damaged {
            path: backup.display().to_string(),
            reason: e.to_string(),
        })?;
    if check != "ok" {
        return Err(StoreError::Damaged {
            path: backup.display().to_string(),
            reason: format!("the backup itself is damaged: {check}"),
        });
    }
    let aside = PathBuf::from(format!(
        "{}.damaged-{}",
        cache.display(),
        now.format("%Y%m%d-%H%M%S")
    ));
    let io = |e: std::io::Error| StoreError::Damaged {
        path: cache.display().to_string(),
        reason: e.to_string(),
    };
    if cache.exists() {
        std::fs::rename(cache, &aside).map_err(io)?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", cache.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", aside.display())));
        }
    }
    std::fs::copy(backup, cache).map_err(io)?;
    Ok(aside)
}
