//! The offline cache on real SQLite files: migrations, upserts, flags that survive refreshes.

mod common;

use common::store::{add_feed, add_tagged_feed, temp_store};
use tidings::feed::parse::parse_feed;
use tidings::store::{
    AddOutcome, FeedContent, FetchMeta, ItemData, NewFeed, SCHEMA_VERSION, Scope, Store,
    StoreError, Unchanged,
};

fn item(guid: &str, title: &str, published: i64) -> ItemData {
    ItemData {
        guid: guid.into(),
        title: title.into(),
        link: Some(format!("https://example.com/{guid}")),
        published: Some(published),
        content: Some(format!("<p>{title} body</p>")),
        ..ItemData::default()
    }
}

fn meta(now: i64) -> FetchMeta {
    FetchMeta {
        etag: Some(b"\"v1\"".to_vec()),
        last_modified: None,
        fetched_at: now,
        next_fetch: now + 3600,
    }
}

#[test]
fn new_cache_is_at_current_schema_and_reopens() {
    let (_dir, store, path) = temp_store();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn refuses_a_newer_schema() {
    let (_dir, store, path) = temp_store();
    drop(store);
    let conn = rusqlite_conn(&path);
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    match Store::open(&path) {
        Err(StoreError::TooNew { found, known }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(known, SCHEMA_VERSION);
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn cache_uses_wal() {
    let (_dir, store, path) = temp_store();
    drop(store);
    let mode: String = rusqlite_conn(&path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn adding_the_same_url_twice_keeps_one_feed() {
    let (_dir, mut store, _) = temp_store();
    let id = add_tagged_feed(&mut store, "https://example.com/feed", &["news"]);
    let again = store
        .add_feed(&NewFeed {
            url: "https://example.com/feed".into(),
            ..NewFeed::default()
        })
        .unwrap();
    assert_eq!(again, AddOutcome::AlreadyExists(id));
    assert_eq!(store.feed_summaries().unwrap().len(), 1);
    assert_eq!(
        store.find_feed(&id.to_string()).unwrap().url,
        "https://example.com/feed"
    );
    assert_eq!(store.find_feed("https://example.com/feed").unwrap().id, id);
    assert!(store.find_feed("nope").is_err());
}

#[test]
fn refresh_upserts_without_duplicates() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed");
    let first = FeedContent {
        title: Some("Example".into()),
        site_link: None,
        items: vec![item("a", "A", 100), item("b", "B", 200)],
    };
    assert_eq!(store.apply_refresh(feed, &first, &meta(1000)).unwrap(), 2);
    let mut second = first.clone();
    second.items[0].title = "A, corrected".into();
    second.items.push(item("c", "C", 300));
    assert_eq!(store.apply_refresh(feed, &second, &meta(2000)).unwrap(), 1);
    let titles: Vec<String> = store
        .headlines(&Scope::Feed(feed), false)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    assert_eq!(titles, ["C", "B", "A, corrected"]);
    let summary = &store.feed_summaries().unwrap()[0];
    assert_eq!(summary.title, "Example");
    assert_eq!((summary.unread, summary.total), (3, 3));
}

#[test]
fn read_and_starred_survive_a_refresh() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed");
    let content = FeedContent {
        items: vec![item("a", "A", 100), item("b", "B", 200)],
        ..FeedContent::default()
    };
    store.apply_refresh(feed, &content, &meta(1000)).unwrap();
    let heads = store.headlines(&Scope::Feed(feed), false).unwrap();
    store.set_read(heads[0].id, true).unwrap();
    store.set_starred(heads[1].id, true).unwrap();
    store.apply_refresh(feed, &content, &meta(2000)).unwrap();
    let after = store.headlines(&Scope::Feed(feed), false).unwrap();
    assert!(after[0].read && !after[0].starred);
    assert!(!after[1].read && after[1].starred);
    assert_eq!(store.unread_total().unwrap(), 1);
    assert_eq!(store.starred_total().unwrap(), 1);
    assert_eq!(store.headlines(&Scope::Starred, false).unwrap().len(), 1);
    assert_eq!(store.headlines(&Scope::All, true).unwrap().len(), 1);
}

#[test]
fn items_without_guid_keep_their_ids_across_refreshes() {
    let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <item><title>Linked</title><link>https://example.com/1</link><description>x</description></item>
        <item><title>Only a title</title><description>y</description></item>
        <item><description>Neither link nor title</description></item>
        </channel></rss>"#;
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed");
    let first = parse_feed(rss.as_bytes()).unwrap();
    let second = parse_feed(rss.as_bytes()).unwrap();
    let ids = |c: &FeedContent| c.items.iter().map(|i| i.guid.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second));
    assert_eq!(store.apply_refresh(feed, &first, &meta(1000)).unwrap(), 3);
    assert_eq!(store.apply_refresh(feed, &second, &meta(5000)).unwrap(), 0);
    assert_eq!(store.headlines(&Scope::Feed(feed), false).unwrap().len(), 3);
}

#[test]
fn bodies_are_stored_and_read_back() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed");
    let content = FeedContent {
        items: vec![item("a", "A", 100)],
        ..FeedContent::default()
    };
    store.apply_refresh(feed, &content, &meta(1000)).unwrap();
    let id = store.headlines(&Scope::All, false).unwrap()[0].id;
    let article = store.article(id).unwrap().expect("article");
    assert_eq!(article.content.as_deref(), Some("<p>A body</p>"));
    assert_eq!(article.link.as_deref(), Some("https://example.com/a"));
    assert_eq!(article.feed_title, "https://example.com/feed");
}

#[test]
fn validators_are_kept_byte_for_byte() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed");
    let mut m = meta(1000);
    m.etag = Some(b"W/\"abc\xff\"".to_vec());
    m.last_modified = Some(b"Wed, 21 Oct 2015 07:28:00 GMT".to_vec());
    store
        .apply_refresh(feed, &FeedContent::default(), &m)
        .unwrap();
    let rec = store.find_feed("https://example.com/feed").unwrap();
    assert_eq!(rec.etag.as_deref(), Some(&b"W/\"abc\xff\""[..]));
    assert_eq!(
        rec.last_modified.as_deref(),
        Some(&b"Wed, 21 Oct 2015 07:28:00 GMT"[..])
    );
    // A 304 without validators keeps the old ones; one with a new ETag takes it (both in one batch).
    let other = add_feed(&mut store, "https://example.com/other");
    store
        .record_unchanged(&[
            Unchanged {
                feed_id: feed,
                fetched_at: 2000,
                next_fetch: 5000,
                ..Unchanged::default()
            },
            Unchanged {
                feed_id: other,
                etag: Some(b"\"v2\"".to_vec()),
                fetched_at: 2000,
                next_fetch: 5000,
                ..Unchanged::default()
            },
        ])
        .unwrap();
    let rec = store.find_feed("https://example.com/feed").unwrap();
    assert_eq!(rec.etag.as_deref(), Some(&b"W/\"abc\xff\""[..]));
    let rec = store.find_feed("https://example.com/other").unwrap();
    assert_eq!(rec.etag.as_deref(), Some(&b"\"v2\""[..]));
    let due = |at: i64| -> Vec<i64> { store.due_feeds(at).unwrap().iter().map(|f| f.id).collect() };
    assert!(due(4999).is_empty(), "both are next fetched at 5000");
    assert_eq!(due(5000).len(), 2);
}

#[test]
fn schedule_and_failures() {
    let (_dir, mut store, _) = temp_store();
    let a = add_feed(&mut store, "https://a.example/feed");
    let b = add_feed(&mut store, "https://b.example/feed");
    assert_eq!(
        store.due_feeds(10).unwrap().len(),
        2,
        "new feeds are due at once"
    );
    store
        .apply_refresh(a, &FeedContent::default(), &meta(1000))
        .unwrap();
    store.record_failure(b, "HTTP 500", 1300).unwrap();
    let due: Vec<i64> = store
        .due_feeds(1200)
        .unwrap()
        .iter()
        .map(|f| f.id)
        .collect();
    assert!(due.is_empty());
    assert_eq!(store.next_due_time().unwrap(), Some(1300));
    let due: Vec<i64> = store
        .due_feeds(1300)
        .unwrap()
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(due, [b]);
    let summaries = store.feed_summaries().unwrap();
    let failed = summaries.iter().find(|f| f.id == b).unwrap();
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(store.find_feed(&b.to_string()).unwrap().error_count, 1);
}

#[test]
fn tags_scope_and_mark_read() {
    let (_dir, mut store, _) = temp_store();
    let a = add_tagged_feed(&mut store, "https://a.example/feed", &["tech", "news"]);
    let b = add_tagged_feed(&mut store, "https://b.example/feed", &["news"]);
    for (feed, guid) in [(a, "a1"), (a, "a2"), (b, "b1")] {
        let content = FeedContent {
            items: vec![item(guid, guid, 100)],
            ..FeedContent::default()
        };
        store.apply_refresh(feed, &content, &meta(1000)).unwrap();
    }
    assert_eq!(
        store
            .headlines(&Scope::Tag("news".into()), false)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .headlines(&Scope::Tag("tech".into()), false)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store.mark_scope_read(&Scope::Tag("tech".into())).unwrap(),
        2
    );
    assert_eq!(store.unread_total().unwrap(), 1);
    let summaries = store.feed_summaries().unwrap();
    let tags = &summaries.iter().find(|f| f.id == a).unwrap().tags;
    assert_eq!(tags, &["news".to_string(), "tech".to_string()]);
}

#[test]
fn removing_a_feed_removes_its_articles() {
    let (_dir, mut store, _) = temp_store();
    let a = add_feed(&mut store, "https://a.example/feed");
    let content = FeedContent {
        items: vec![item("x", "X", 100)],
        ..FeedContent::default()
    };
    store.apply_refresh(a, &content, &meta(1000)).unwrap();
    let id = store.headlines(&Scope::All, false).unwrap()[0].id;
    assert!(store.remove_feed(a).unwrap());
    assert!(store.headlines(&Scope::All, false).unwrap().is_empty());
    assert!(store.article(id).unwrap().is_none());
    assert!(!store.remove_feed(a).unwrap());
}

#[test]
fn a_far_future_date_sorts_by_first_seen_and_is_kept_for_display() {
    let (_dir, mut store, _path) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed.xml");
    let rss = r#"<rss version="2.0"><channel><title>T</title>
        <item><guid>1</guid><title>Past</title><pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate></item>
        <item><guid>3</guid><title>Year 3000</title><pubDate>Wed, 01 Jan 3000 00:00:00 GMT</pubDate></item>
        </channel></rss>"#;
    let year_3000 = 32_503_680_000;
    let content = parse_feed(rss.as_bytes()).unwrap();
    let y3000 = content.items.iter().find(|i| i.guid == "3").unwrap();
    assert_eq!(
        y3000.published,
        Some(year_3000),
        "the parser keeps the date"
    );
    let now = 1_700_000_100;
    store.apply_refresh(feed, &content, &meta(now)).unwrap();
    let list = store.headlines(&Scope::All, false).unwrap();
    let times: Vec<(&str, i64)> = list.iter().map(|h| (h.title.as_str(), h.time)).collect();
    // Sorted by when it was first seen (just ahead of the 2023 item), not pinned to the top for
    // a thousand years; the article still shows the date the feed gave.
    assert_eq!(times, [("Year 3000", now), ("Past", 1_700_000_000)]);
    let article = store.article(list[0].id).unwrap().unwrap();
    assert_eq!(article.published, Some(year_3000));
}

#[test]
fn background_checkpoints_copy_the_wal_while_the_writer_keeps_writing() {
    let (_dir, mut store, path) = temp_store();
    let feed = add_feed(&mut store, "https://example.com/feed.xml");
    store.set_auto_checkpoint(false).unwrap();
    let background = store
        .checkpoint_in_background()
        .expect("a file-backed cache");
    for round in 0..20 {
        let content = FeedContent {
            title: Some("Feed".into()),
            site_link: None,
            items: (0..50)
                .map(|i| {
                    let mut it = item(&format!("{round}-{i}"), "Title", 1_700_000_000 - i);
                    it.content = Some("<p>body</p>".repeat(300));
                    it
                })
                .collect(),
        };
        store
            .apply_refresh(feed, &content, &meta(1_700_000_000))
            .unwrap();
    }
    drop(background);
    // The writer's own checkpoints were off: only the background thread can have copied the 3 MB of
    // bodies from the WAL into the database file.
    let db_bytes = std::fs::metadata(&path).unwrap().len();
    assert!(db_bytes > 3_000_000, "database file is {db_bytes} bytes");
    let conn = rusqlite_conn(&path);
    let (busy, log, copied): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((busy, copied), (0, log));
    store.set_auto_checkpoint(true).unwrap();
    assert_eq!(
        store.headlines(&Scope::Feed(feed), false).unwrap().len(),
        1000
    );
}

/// SQLite's plan for `sql`, one line per step.
fn plan(conn: &rusqlite::Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
    rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("\n")
}

#[test]
fn lists_and_lookups_are_index_ranges_not_scans_or_sorts() {
    let (_dir, _store, path) = temp_store();
    let conn = rusqlite_conn(&path);
    let cases = [
        // A window of "All", and of one feed: newest first, no sort step.
        (
            "SELECT id, title FROM articles ORDER BY sort_time DESC, id DESC LIMIT 600 OFFSET 0",
            "articles_time",
        ),
        (
            "SELECT id, title FROM articles WHERE feed_id = 7 ORDER BY sort_time DESC, id DESC LIMIT 600",
            "articles_feed_time",
        ),
        // The stored copy of an item whose guid changed, looked up by its link.
        (
            "SELECT id FROM articles WHERE feed_id = 7 AND link = 'x' AND title = 'y' ORDER BY id DESC",
            "articles_feed_link",
        ),
    ];
    for (sql, index) in cases {
        let plan = plan(&conn, sql);
        assert!(plan.contains(index), "{sql}\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{sql}\n{plan}");
        assert!(
            !plan.starts_with("SCAN articles\n") && plan != "SCAN articles",
            "{sql}\n{plan}"
        );
    }
    // The feed list reads counts kept in `feeds`, never articles.
    let feeds = plan(
        &conn,
        "SELECT id, unread_count, article_count FROM feeds ORDER BY title COLLATE NOCASE",
    );
    assert!(!feeds.contains("articles"), "{feeds}");
}
