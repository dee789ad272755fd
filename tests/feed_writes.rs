//! Feeds written several to a transaction: `Store::apply_refreshes`, and the queue in front of the
//! writer that hands it the feeds waiting (`session::writes`). Real SQLite files in temp dirs.

mod common;

use tidings::session::db::{Db, Lane};
use tidings::session::writes::FeedWrites;
use tidings::store::{FeedContent, FetchMeta, FilterAction, ItemData, RefreshWrite, Store};

const NOW: i64 = 1_750_000_000;

/// A feed's refresh of `n` items titled "`name` story k", one of them "Buy pills now".
fn refresh(feed_id: i64, name: &str, n: usize) -> RefreshWrite {
    let mut items: Vec<ItemData> = (0..n)
        .map(|k| ItemData {
            guid: format!("{name}-{k}"),
            title: format!("{name} story {k}"),
            link: Some(format!("https://{name}.example/{k}")),
            published: Some(NOW - k as i64 * 60),
            content: Some(format!("<p>Words about {name}, number {k}.</p>")),
            ..ItemData::default()
        })
        .collect();
    items[0].title = "Buy pills now".into();
    RefreshWrite {
        feed_id,
        content: FeedContent {
            title: Some(format!("{name} feed")),
            site_link: None,
            items,
        },
        meta: FetchMeta {
            etag: Some(format!("\"{name}\"").into_bytes()),
            fetched_at: NOW,
            next_fetch: NOW + 3600,
            ..FetchMeta::default()
        },
        index_bodies: None,
        reason: format!("{name}'s reason"),
    }
}

/// `count` feeds, `items` articles each.
fn feeds(store: &mut Store, count: usize, items: usize) -> Vec<RefreshWrite> {
    (0..count)
        .map(|f| {
            let name = format!("f{f}");
            let id = common::store::add_feed(store, &format!("https://{name}.example/feed"));
            refresh(id, &name, items)
        })
        .collect()
}

/// What the feeds table says of a feed: its etag, schedule reason and unread count.
fn bookkeeping(db: &rusqlite::Connection, feed_id: i64) -> (Option<Vec<u8>>, Option<String>, i64) {
    db.query_row(
        "SELECT etag, schedule_reason, unread_count FROM feeds WHERE id = ?1",
        [feed_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("feed row")
}

fn found(store: &Store, query: &str) -> usize {
    let q = tidings::store::query::parse(query, NOW).expect("query");
    store
        .search(&q, &tidings::store::Scope::All, 1000)
        .expect("search")
        .len()
}

#[test]
fn feeds_written_together_are_stored_whole_and_indexed_as_one_segment() {
    let (_dir, mut store, path) = common::store::temp_store();
    let writes = feeds(&mut store, 10, 20);
    let db = common::store::index_without_merging(&path);
    let before = common::store::index_pages(&db);
    let news = store.apply_refreshes(&writes);
    let news: Vec<usize> = news.into_iter().map(|r| r.expect("written")).collect();
    assert_eq!(news, vec![20; 10]);
    let pages = common::store::index_pages(&db) - before;
    assert!(
        pages <= 5,
        "{pages} index pages for 10 feeds written together"
    );
    for w in &writes {
        let (etag, reason, unread) = bookkeeping(&db, w.feed_id);
        assert_eq!(etag, w.meta.etag);
        assert_eq!(reason.as_deref(), Some(w.reason.as_str()));
        assert_eq!(unread, 20);
    }
    assert_eq!(found(&store, "story"), 190);
    assert_eq!(found(&store, "f7"), 20);

    // The same feeds written one at a time make a segment each: what writing together saves.
    let (_dir2, mut alone, path2) = common::store::temp_store();
    let writes = feeds(&mut alone, 10, 20);
    let db2 = common::store::index_without_merging(&path2);
    let before = common::store::index_pages(&db2);
    for w in &writes {
        alone
            .apply_refreshes(std::slice::from_ref(w))
            .pop()
            .expect("one answer")
            .expect("written");
    }
    let pages_alone = common::store::index_pages(&db2) - before;
    assert!(
        pages_alone >= 10,
        "{pages_alone} index pages for 10 feeds written alone"
    );
}

#[test]
fn a_feed_that_cannot_be_written_fails_alone() {
    let (_dir, mut store, path) = common::store::temp_store();
    let mut writes = feeds(&mut store, 3, 5);
    // A feed removed meanwhile: its articles break the foreign key.
    writes.insert(1, refresh(9_999, "gone", 5));
    let results = store.apply_refreshes(&writes);
    assert_eq!(results.len(), 4);
    assert!(results[1].is_err(), "the missing feed's write failed");
    for n in [0, 2, 3] {
        assert_eq!(results[n].as_ref().ok(), Some(&5), "feed {n} written");
    }
    let db = rusqlite::Connection::open(&path).expect("open");
    for n in [0, 2, 3] {
        let (etag, reason, unread) = bookkeeping(&db, writes[n].feed_id);
        assert_eq!(etag, writes[n].meta.etag);
        assert_eq!(reason.as_deref(), Some(writes[n].reason.as_str()));
        assert_eq!(unread, 5);
    }
    assert_eq!(found(&store, "story"), 12);
}

#[test]
fn filters_act_on_every_feed_written_together() {
    let (_dir, mut store, _path) = common::store::temp_store();
    store
        .add_filter("title:pills", FilterAction::Hide, false)
        .expect("filter");
    let writes = feeds(&mut store, 4, 3);
    for r in store.apply_refreshes(&writes) {
        assert_eq!(r.expect("written"), 3);
    }
    assert_eq!(store.hidden_total().expect("hidden"), 4);
    assert_eq!(
        found(&store, "pills"),
        0,
        "hidden articles stay out of search"
    );
}

#[tokio::test]
async fn feeds_that_wait_for_the_writer_are_written_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.db");
    let writes = {
        let mut store = Store::open(&path).expect("open");
        feeds(&mut store, 12, 10)
    };
    let pages_db = common::store::index_without_merging(&path);
    let before = common::store::index_pages(&pages_db);
    let db = Db::open(&path).expect("open db");
    // The writer is busy until every feed has queued.
    let (release, busy) = std::sync::mpsc::channel::<()>();
    db.submit(Lane::Background, move |_| {
        let _ = busy.recv();
    })
    .expect("submit");
    let queue = FeedWrites::new(db.clone());
    let mut waiting: Vec<_> = writes
        .into_iter()
        .map(|w| {
            let queue = queue.clone();
            Box::pin(async move { queue.write(w, None).await })
                as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
        })
        .collect();
    // join_all polls in order: by the time this one runs, every write has queued.
    waiting.push(Box::pin(async move {
        let _ = release.send(());
        Ok(usize::MAX)
    }));
    let answers = futures::future::join_all(waiting).await;
    for answer in &answers[..12] {
        assert_eq!(answer.as_ref().ok(), Some(&10));
    }
    let pages = common::store::index_pages(&pages_db) - before;
    assert!(pages <= 5, "{pages} index pages for 12 feeds that queued");
    let unread: i64 = pages_db
        .query_row("SELECT SUM(unread_count) FROM feeds", [], |r| r.get(0))
        .expect("count");
    assert_eq!(unread, 120);
    db.shutdown();
}
