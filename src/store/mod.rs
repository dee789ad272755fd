//! The offline cache: one SQLite file (WAL) holding feeds, their tags and articles.
//!
//! Lists read only the columns they show; article bodies live in their own table so that headline
//! queries never touch them. A refresh of one feed is one `BEGIN IMMEDIATE` transaction, or a share
//! of one with the feeds that were waiting for the writer beside it (`apply.rs`).

mod apply;
pub use apply::{ITEMS_PER_TRANSACTION, clamp_future};
mod articles;
mod checkpoint;
mod downloads;
pub use downloads::{DownloadRecord, DownloadState, NewDownload, Queued};
mod enclosures;
pub use checkpoint::BackgroundCheckpoints;
pub use enclosures::MAX_PER_ARTICLE as MAX_ENCLOSURES;
mod feeds;
pub mod health;
mod lists;
mod manage;
pub use manage::Removed;
mod model;
pub mod query;
mod remote;
mod saved;
pub use remote::{OutboxEntry, OutboxOp, SyncedFeeds};
mod search;
pub use search::{RANK_WINDOW, index_body, plain_text};
mod schema;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub use model::*;
pub use schema::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the cache was written by a newer tidings (schema {found}, this build knows {known}); upgrade tidings"
    )]
    TooNew { found: i64, known: i64 },
    #[error("cannot open the cache {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("no feed matches {0:?}")]
    NoSuchFeed(String),
    #[error(
        "the cache {path} is damaged ({reason}); `tidings check` tells what is left and can salvage \
         it, `tidings check --restore` puts the newest backup in its place"
    )]
    Damaged { path: String, reason: String },
}

impl StoreError {
    /// The error for a cache SQLite cannot read as a database.
    fn damaged_if_corrupt(self, path: &Path) -> StoreError {
        let corrupt = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
            )
        };
        match &self {
            StoreError::Sqlite(e) | StoreError::Open { source: e, .. } if corrupt(e) => {
                StoreError::Damaged {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }
            }
            _ => self,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One connection to the cache. Open one per thread that needs it; SQLite's WAL mode lets a reader and
/// a writer work side by side, and the busy timeout makes writers wait for each other instead of failing.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates the cache at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        health::refuse_truncated(path)?;
        Store::open_checked(path).map_err(|e| e.damaged_if_corrupt(path))
    }

    fn open_checked(path: &Path) -> Result<Store> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        if PATIENT.load(std::sync::atomic::Ordering::Relaxed) {
            conn.busy_handler(Some(wait_patiently))?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// A number that changes whenever another connection (another process, or this process's writer)
    /// commits to the cache: the reader polls it to notice outside changes cheaply.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The schema version stored in the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

static PATIENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// For the command line: caches opened from now on wait for another writer (a refresh storing a big
/// feed) for up to two minutes instead of ten seconds, and say once on stderr that they wait.
pub fn wait_patiently_for_writers() {
    PATIENT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// SQLite's busy handler: 20 ms naps; after a second, one line on stderr; gives up after two minutes.
fn wait_patiently(attempt: i32) -> bool {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if attempt == 50 && !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!("tidings: waiting for the cache: another tidings is writing to it…");
    }
    if attempt > 6000 {
        return false;
    }
    std::thread::sleep(Duration::from_millis(20));
    true
}

/// Seconds since the Unix epoch, the unit of every time in the cache.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
