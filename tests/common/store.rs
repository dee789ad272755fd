//! Caches (real SQLite stores) in temporary directories, and feeds added to them.

use std::path::PathBuf;

use tempfile::TempDir;
use tidings::store::{AddOutcome, NewFeed, Store};

/// A new, empty cache `cache.db` in a temporary directory (removed when the `TempDir` is dropped);
/// returns the directory, the open store and the cache's path.
pub fn temp_store() -> (TempDir, Store, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.db");
    let store = Store::open(&path).expect("open store");
    (dir, store, path)
}

/// Subscribes `store` to `feed`; returns the new feed's id. Panics if it was already subscribed.
pub fn add_new_feed(store: &mut Store, feed: &NewFeed) -> i64 {
    match store.add_feed(feed).expect("add feed") {
        AddOutcome::Added(id) => id,
        AddOutcome::AlreadyExists(id) => panic!("{} already exists as feed {id}", feed.url),
    }
}

/// Subscribes `store` to the feed at `url`, with every setting at its default; returns its id.
/// Panics if it was already subscribed.
pub fn add_feed(store: &mut Store, url: &str) -> i64 {
    add_new_feed(store, &new_feed(url))
}

/// [`add_feed`] with tags.
pub fn add_tagged_feed(store: &mut Store, url: &str, tags: &[&str]) -> i64 {
    add_new_feed(
        store,
        &NewFeed {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..new_feed(url)
        },
    )
}

/// The feed at `url`, every other setting at its default (for `..new_feed(url)`).
pub fn new_feed(url: &str) -> NewFeed {
    NewFeed {
        url: url.into(),
        ..NewFeed::default()
    }
}

/// A second connection to the cache at `path` with the search index's merging turned off, so every
/// segment FTS5 writes stays in the index's table of pages; count them with [`index_pages`].
pub fn index_without_merging(path: &std::path::Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(path).expect("open cache");
    db.execute_batch(
        "INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 0);
         INSERT INTO articles_fts (articles_fts, rank) VALUES ('crisismerge', 1000);",
    )
    .expect("turn merging off");
    db
}

/// How many pages the search index holds (a segment takes at least one).
pub fn index_pages(db: &rusqlite::Connection) -> i64 {
    db.query_row("SELECT COUNT(*) FROM articles_fts_data", [], |r| r.get(0))
        .expect("count index pages")
}
