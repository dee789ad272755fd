//! What the cache keeps for a synced profile, on real SQLite files and without a server (these run
//! on every clone; tests/sync.rs runs the same paths against the real servers): the outbox filled
//! in the same transaction as each change, a whole feed read as one catch-up, the server's state
//! applied except where a change waits, pages stored once however often they come, and feeds the
//! server lists after its articles.

mod common;

use common::store::temp_store;
use tidings::store::{ItemData, OutboxOp, Scope, Store, SyncedArticle, SyncedFeed};

fn feed(remote_id: i64, url: &str) -> SyncedFeed {
    SyncedFeed {
        remote_id,
        url: url.into(),
        title: format!("Feed {remote_id}"),
        site_link: None,
        tags: vec!["News".into()],
    }
}

fn article(remote_id: i64, remote_feed_id: i64, read: bool) -> SyncedArticle {
    SyncedArticle {
        remote_id,
        remote_feed_id,
        item: ItemData {
            guid: format!("sync:{remote_id}"),
            title: format!("Article {remote_id}"),
            link: Some(format!("https://e.example/{remote_id}")),
            published: Some(1_700_000_000 + remote_id),
            content: Some(format!("<p>Body {remote_id}</p>")),
            ..ItemData::default()
        },
        read,
        starred: false,
    }
}

fn local_id(store: &Store, remote_id: i64) -> i64 {
    store
        .headlines(&Scope::All, false)
        .unwrap()
        .into_iter()
        .find(|h| h.title == format!("Article {remote_id}"))
        .unwrap()
        .id
}

fn synced_store() -> (tempfile::TempDir, Store) {
    let (dir, mut store, _) = temp_store();
    store
        .store_synced_feeds(&[
            feed(1, "https://a.example/feed"),
            feed(2, "https://b.example/feed"),
        ])
        .unwrap();
    let page: Vec<SyncedArticle> = (10..15)
        .map(|id| article(id, if id < 13 { 1 } else { 2 }, id == 10))
        .collect();
    assert_eq!(store.store_synced_articles(&page, 14).unwrap(), 5);
    (dir, store)
}

#[test]
fn what_comes_from_the_server_is_not_queued_and_pages_are_stored_once() {
    let (_dir, mut store) = synced_store();
    assert_eq!(
        store.outbox_len().unwrap(),
        0,
        "server state is not sent back"
    );
    assert_eq!(store.sync_since_id().unwrap(), 14);
    // The same page again (a sync killed after storing it): nothing new, nothing doubled.
    let page: Vec<SyncedArticle> = (10..15).map(|id| article(id, 1, id == 10)).collect();
    assert_eq!(store.store_synced_articles(&page, 14).unwrap(), 0);
    assert_eq!(store.headlines(&Scope::All, false).unwrap().len(), 5);
    let tags: Vec<Vec<String>> = store
        .feed_summaries()
        .unwrap()
        .into_iter()
        .map(|f| f.tags)
        .collect();
    assert_eq!(tags, [vec!["News".to_string()], vec!["News".to_string()]]);
}

#[test]
fn changes_made_here_are_queued_in_order_and_survive_a_reopen() {
    let (dir, mut store) = synced_store();
    let a = local_id(&store, 11);
    let b = local_id(&store, 12);
    store.set_read(a, true).unwrap();
    store.set_starred(b, true).unwrap();
    store.set_read(a, false).unwrap();
    // A change that changes nothing queues nothing.
    store.set_starred(b, true).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("cache.db")).unwrap();
    let queued: Vec<(OutboxOp, i64)> = store
        .outbox(10)
        .unwrap()
        .into_iter()
        .map(|e| (e.op, e.remote_id))
        .collect();
    assert_eq!(
        queued,
        [
            (OutboxOp::Read, 11),
            (OutboxOp::Star, 12),
            (OutboxOp::Unread, 11)
        ]
    );
}

#[test]
fn a_whole_feed_read_is_one_catch_up_and_the_starred_list_goes_one_by_one() {
    let (_dir, mut store) = synced_store();
    store.mark_scope_read(&Scope::Feed(1)).unwrap();
    let queued = store.outbox(10).unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!((queued[0].op, queued[0].remote_id), (OutboxOp::CatchUp, 1));
    assert!(queued[0].before.is_some());
    store.outbox_sent(queued[0].id).unwrap();

    let c = local_id(&store, 13);
    store.set_starred(c, true).unwrap();
    store.outbox_sent(store.outbox(10).unwrap()[0].id).unwrap();
    store.mark_scope_read(&Scope::Starred).unwrap();
    let queued: Vec<(OutboxOp, i64)> = store
        .outbox(10)
        .unwrap()
        .into_iter()
        .map(|e| (e.op, e.remote_id))
        .collect();
    assert_eq!(queued, [(OutboxOp::Read, 13)]);
}

#[test]
fn the_servers_state_is_applied_except_where_a_change_waits() {
    let (_dir, mut store) = synced_store();
    let waiting = local_id(&store, 12);
    store.set_read(waiting, true).unwrap();
    // The server says: 10, 11 and 12 unread (10 was read), so 13 and 14 read; 14 starred.
    let changed = store.apply_synced_state(&[10, 11, 12], &[14]).unwrap();
    let state = |store: &Store, remote: i64| {
        let h = store
            .headlines(&Scope::All, false)
            .unwrap()
            .into_iter()
            .find(|h| h.title == format!("Article {remote}"))
            .unwrap();
        (h.read, h.starred)
    };
    assert_eq!(state(&store, 10), (false, false));
    assert_eq!(
        state(&store, 12),
        (true, false),
        "the change here waits for the server"
    );
    assert_eq!(state(&store, 13), (true, false));
    assert_eq!(state(&store, 14), (true, true));
    assert_eq!(changed, 4);
    assert_eq!(
        store.outbox_len().unwrap(),
        1,
        "applying server state queues nothing"
    );
    // Counts follow.
    let unread: i64 = store
        .feed_summaries()
        .unwrap()
        .iter()
        .map(|f| f.unread)
        .sum();
    assert_eq!(unread, 2);
}

#[test]
fn feeds_gone_from_the_server_go_and_unknown_ones_are_noticed() {
    let (_dir, mut store) = synced_store();
    assert_eq!(store.unknown_remote_feeds(&[1, 2, 3, 3]).unwrap(), [3]);
    // The server lists feed 3 now, and no longer feed 2.
    let report = store
        .store_synced_feeds(&[
            feed(1, "https://a.example/feed"),
            feed(3, "https://c.example/feed"),
        ])
        .unwrap();
    assert_eq!((report.added, report.removed), (1, 1));
    assert!(store.unknown_remote_feeds(&[1, 3]).unwrap().is_empty());
    assert_eq!(store.unknown_remote_feeds(&[2]).unwrap(), [2]);
    // Forgetting the account keeps everything, as ordinary feeds.
    store.forget_sync().unwrap();
    assert!(!store.has_synced_feeds().unwrap());
    assert_eq!(store.sync_since_id().unwrap(), 0);
}

/// A page of synced articles goes to the search index as one segment, not one per article (as a
/// refresh's feed does: tests/search.rs).
#[test]
fn a_synced_page_is_indexed_together_not_one_segment_each() {
    let (_dir, mut store, path) = temp_store();
    store
        .store_synced_feeds(&[feed(1, "https://a.example/feed")])
        .unwrap();
    let db = common::store::index_without_merging(&path);
    let before = common::store::index_pages(&db);
    let page: Vec<SyncedArticle> = (100..150).map(|id| article(id, 1, false)).collect();
    assert_eq!(store.store_synced_articles(&page, 149).unwrap(), 50);
    let written = common::store::index_pages(&db) - before;
    assert!(written <= 5, "{written} index pages for 50 short articles");
    let found = store
        .search(
            &tidings::store::query::parse("body", 0).unwrap(),
            &Scope::All,
            100,
        )
        .unwrap();
    assert_eq!(found.len(), 50);
}
