//! Schema migrations keyed on `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StoreError};

/// Each entry migrates from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    title         TEXT,
    custom_title  TEXT,
    site_link     TEXT,
    etag          BLOB,
    last_modified BLOB,
    last_fetch    INTEGER,
    next_fetch    INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    error_count   INTEGER NOT NULL DEFAULT 0,
    added_at      INTEGER NOT NULL
);
CREATE INDEX feeds_next_fetch ON feeds(next_fetch);
CREATE TABLE feed_tags (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (feed_id, tag)
) WITHOUT ROWID;
CREATE TABLE articles (
    id         INTEGER PRIMARY KEY,
    feed_id    INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid       TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    author     TEXT,
    link       TEXT,
    published  INTEGER,
    updated    INTEGER,
    sort_time  INTEGER NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0,
    starred    INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_feed_time ON articles(feed_id, sort_time DESC);
CREATE INDEX articles_time ON articles(sort_time DESC);
CREATE INDEX articles_unread ON articles(feed_id) WHERE read = 0;
CREATE INDEX articles_starred ON articles(sort_time DESC) WHERE starred = 1;
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE article_bodies (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    content    TEXT,
    summary    TEXT
);
"#,
    r#"
ALTER TABLE feeds ADD COLUMN full_text INTEGER NOT NULL DEFAULT 0;
CREATE TABLE article_full (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    content    TEXT,
    error      TEXT,
    fetched_at INTEGER NOT NULL
);
"#,
    r#"
ALTER TABLE feeds ADD COLUMN interval_minutes INTEGER;
"#,
    // Counts kept by triggers, so the feed list and the size of a headline list never scan articles
    // (and the unread index that counting used goes); the time indexes carry the id tie-break, so a
    // window of a list is one index range; finding the stored copy of an item whose guid changed
    // looks up its link instead of reading the whole feed.
    r#"
ALTER TABLE feeds ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
UPDATE feeds SET
    article_count = (SELECT COUNT(*) FROM articles WHERE feed_id = feeds.id),
    unread_count = (SELECT COUNT(*) FROM articles WHERE feed_id = feeds.id AND read = 0);
CREATE TRIGGER articles_counted_in AFTER INSERT ON articles BEGIN
    UPDATE feeds SET article_count = article_count + 1, unread_count = unread_count + (NEW.read = 0)
    WHERE id = NEW.feed_id;
END;
CREATE TRIGGER articles_counted_out AFTER DELETE ON articles BEGIN
    UPDATE feeds SET article_count = article_count - 1, unread_count = unread_count - (OLD.read = 0)
    WHERE id = OLD.feed_id;
END;
CREATE TRIGGER articles_counted_read AFTER UPDATE OF read ON articles
WHEN OLD.read IS NOT NEW.read BEGIN
    UPDATE feeds SET unread_count = unread_count + (NEW.read = 0) - (OLD.read = 0)
    WHERE id = NEW.feed_id;
END;
DROP INDEX articles_feed_time;
CREATE INDEX articles_feed_time ON articles(feed_id, sort_time DESC, id DESC);
DROP INDEX articles_time;
CREATE INDEX articles_time ON articles(sort_time DESC, id DESC);
DROP INDEX articles_unread;
CREATE INDEX articles_feed_link ON articles(feed_id, link);
"#,
    // Managing subscriptions: feeds hidden from the list (Newsboat's "!"), feeds removed whose starred
    // articles were kept (never polled or listed again), when the last error happened, and why the next
    // fetch is when it is.
    r#"
ALTER TABLE feeds ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN unsubscribed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN last_error_at INTEGER;
ALTER TABLE feeds ADD COLUMN schedule_reason TEXT;
"#,
    // Full-text search: a contentless FTS5 index (rowid = article id) kept by the writer as articles
    // are stored; what was stored before is indexed in the background, newest first, below the id
    // recorded here. No prefix indexes: measured on 6.3 MB of text, `prefix = '2 3'` made the index
    // 14.2 MB instead of 5.2 MB, and a prefix query without them scans the range of its terms.
    r#"
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, author, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_unindexed AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = OLD.id;
END;
INSERT INTO meta (key, value) VALUES ('fts_backfill_below', (SELECT COALESCE(MAX(id), 0) + 1 FROM articles))
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
"#,
    // Syncing with a feed server: feeds and articles keep their id on the server; every read, unread,
    // star and unstar of a synced article made here is queued in the outbox by a trigger, in the
    // same transaction as the change, until the server has it. Changes that come from the server
    // are applied with the `applying_remote` meta key set, and are not queued.
    r#"
ALTER TABLE feeds ADD COLUMN remote_id INTEGER;
CREATE UNIQUE INDEX feeds_remote ON feeds(remote_id) WHERE remote_id IS NOT NULL;
ALTER TABLE articles ADD COLUMN remote_id INTEGER;
CREATE UNIQUE INDEX articles_remote ON articles(remote_id) WHERE remote_id IS NOT NULL;
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    op         TEXT NOT NULL,
    remote_id  INTEGER NOT NULL,
    before     INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TRIGGER outbox_read AFTER UPDATE OF read ON articles
WHEN NEW.remote_id IS NOT NULL AND OLD.read IS NOT NEW.read
    AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'applying_remote')
BEGIN
    INSERT INTO outbox (op, remote_id, created_at)
    VALUES (CASE WHEN NEW.read THEN 'read' ELSE 'unread' END, NEW.remote_id, unixepoch());
END;
CREATE TRIGGER outbox_star AFTER UPDATE OF starred ON articles
WHEN NEW.remote_id IS NOT NULL AND OLD.starred IS NOT NEW.starred
    AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'applying_remote')
BEGIN
    INSERT INTO outbox (op, remote_id, created_at)
    VALUES (CASE WHEN NEW.starred THEN 'star' ELSE 'unstar' END, NEW.remote_id, unixepoch());
END;
"#,
    // Saved searches (listed like feeds), filters that hide or mark read what they match as it
    // arrives, and hidden articles: kept, left out of lists and counts (the counting triggers skip
    // them) until un-hidden.
    r#"
CREATE TABLE saved_searches (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL
);
CREATE TABLE filters (
    id     INTEGER PRIMARY KEY,
    query  TEXT NOT NULL,
    action TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'user'
);
ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_hidden ON articles(sort_time DESC, id DESC) WHERE hidden = 1;
DROP TRIGGER articles_counted_in;
CREATE TRIGGER articles_counted_in AFTER INSERT ON articles WHEN NEW.hidden = 0 BEGIN
    UPDATE feeds SET article_count = article_count + 1, unread_count = unread_count + (NEW.read = 0)
    WHERE id = NEW.feed_id;
END;
DROP TRIGGER articles_counted_out;
CREATE TRIGGER articles_counted_out AFTER DELETE ON articles WHEN OLD.hidden = 0 BEGIN
    UPDATE feeds SET article_count = article_count - 1, unread_count = unread_count - (OLD.read = 0)
    WHERE id = OLD.feed_id;
END;
DROP TRIGGER articles_counted_read;
CREATE TRIGGER articles_counted_read AFTER UPDATE OF read ON articles
WHEN OLD.read IS NOT NEW.read AND OLD.hidden = 0 AND NEW.hidden = 0 BEGIN
    UPDATE feeds SET unread_count = unread_count + (NEW.read = 0) - (OLD.read = 0)
    WHERE id = NEW.feed_id;
END;
CREATE TRIGGER articles_counted_hidden AFTER UPDATE OF hidden ON articles
WHEN OLD.hidden IS NOT NEW.hidden BEGIN
    UPDATE feeds SET
        article_count = article_count + (NEW.hidden = 0) - (OLD.hidden = 0),
        unread_count = unread_count + (NEW.hidden = 0 AND NEW.read = 0) - (OLD.hidden = 0 AND OLD.read = 0)
    WHERE id = NEW.feed_id;
END;
"#,
    // Enclosures: what an item carries (podcast episodes, media), in the feed's order.
    r#"
CREATE TABLE enclosures (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    url        TEXT NOT NULL,
    mime       TEXT,
    length     INTEGER,
    duration   INTEGER,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
"#,
    // The download queue (enclosures fetched to files), and feeds whose new episodes are queued as
    // they arrive. A download outlives its article and feed (the file is still there): their ids
    // become NULL, and the titles shown are kept in the row. `path` is where the finished file goes
    // (the partial one is `path` + `.part`), chosen when the download first starts; no two rows
    // share one. `validator` is the ETag or Last-Modified a resumed request sends as `If-Range`.
    r#"
ALTER TABLE feeds ADD COLUMN auto_download INTEGER NOT NULL DEFAULT 0;
CREATE TABLE downloads (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    feed_id     INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    url         TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL DEFAULT '',
    feed_title  TEXT NOT NULL DEFAULT '',
    mime        TEXT,
    path        TEXT UNIQUE,
    state       TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'downloading', 'paused', 'done', 'failed', 'cancelled')),
    bytes_done  INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER,
    validator   TEXT,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX downloads_state ON downloads(state, id);
CREATE INDEX downloads_article ON downloads(article_id);
CREATE INDEX downloads_feed ON downloads(feed_id);
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    // The common case, an up-to-date file, takes no write lock.
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
