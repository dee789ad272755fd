//! Headline lists are read in windows: the store's windows and counts agree with the whole list on a
//! real SQLite file, and the reader asks for windows as the cursor moves and draws what it has.

mod common;

use chrono::FixedOffset;
use common::store::{add_feed, add_tagged_feed, temp_store};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::store::{FeedContent, FetchMeta, Headline, HeadlineWindow, ItemData, Scope, Store};
use tidings::ui::app::{App, Command, HEADLINE_WINDOW, Msg, Pane};
use tidings::ui::keymap::Action;
use tidings::ui::views;

const NOW: i64 = 1_750_000_000;

/// `n` items; every third shares its time with the one before, so the id tie-break matters.
fn fill(store: &mut Store, feed: i64, n: usize, prefix: &str) {
    let items = (0..n)
        .map(|i| ItemData {
            guid: format!("{prefix}-{i}"),
            title: format!("{prefix} {i}"),
            published: Some(NOW - (i as i64 - (i % 3 == 2) as i64) * 60),
            ..ItemData::default()
        })
        .collect();
    let content = FeedContent {
        title: Some(prefix.into()),
        items,
        ..FeedContent::default()
    };
    let meta = FetchMeta {
        etag: None,
        last_modified: None,
        fetched_at: NOW,
        next_fetch: NOW + 3600,
    };
    store
        .apply_refresh(feed, &content, &meta)
        .expect("store items");
}

/// Three feeds (two tagged), 1,450 articles, some read and some starred.
fn cache() -> (tempfile::TempDir, Store, Vec<i64>) {
    let (dir, mut store, _) = temp_store();
    let a = add_tagged_feed(&mut store, "https://a.example/feed", &["news"]);
    let b = add_tagged_feed(&mut store, "https://b.example/feed", &["news"]);
    let c = add_feed(&mut store, "https://c.example/feed");
    fill(&mut store, a, 700, "a");
    fill(&mut store, b, 500, "b");
    fill(&mut store, c, 250, "c");
    let all = store.headlines(&Scope::All, false).unwrap();
    for h in all.iter().step_by(7) {
        store.set_read(h.id, true).unwrap();
    }
    for h in all.iter().step_by(11) {
        store.set_starred(h.id, true).unwrap();
    }
    (dir, store, vec![a, b, c])
}

fn scopes(feeds: &[i64]) -> Vec<Scope> {
    vec![
        Scope::All,
        Scope::Starred,
        Scope::Tag("news".into()),
        Scope::Feed(feeds[0]),
        Scope::Feed(feeds[2]),
    ]
}

#[test]
fn windows_are_slices_of_the_whole_list() {
    let (_dir, store, feeds) = cache();
    for scope in scopes(&feeds) {
        let whole = store.headlines(&scope, false).unwrap();
        let total = whole.len();
        assert_eq!(store.scope_count(&scope).unwrap(), total, "{scope:?}");
        for start in [
            0,
            1,
            99,
            total / 2 - 1,
            total / 2,
            total / 2 + 1,
            total - 1,
            total,
            total + 9,
        ] {
            for len in [0, 1, 50, HEADLINE_WINDOW] {
                let window = store.headline_window(&scope, start, len).unwrap();
                let from = start.min(total);
                let to = (start + len).min(total);
                assert_eq!(window.total, total, "{scope:?} {start} {len}");
                assert_eq!(window.start, from, "{scope:?} {start} {len}");
                assert_eq!(window.rows, whole[from..to], "{scope:?} {start} {len}");
            }
        }
    }
}

fn counted(store: &Store) -> Vec<(i64, i64, i64)> {
    store
        .feed_summaries()
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.unread, f.total))
        .collect()
}

fn scanned(store: &Store, feeds: &[i64]) -> Vec<(i64, i64, i64)> {
    let mut out: Vec<(i64, i64, i64)> = feeds
        .iter()
        .map(|&id| {
            let all = store.headlines(&Scope::Feed(id), false).unwrap();
            let unread = all.iter().filter(|h| !h.read).count() as i64;
            (id, unread, all.len() as i64)
        })
        .collect();
    let order: Vec<i64> = store
        .feed_summaries()
        .unwrap()
        .iter()
        .map(|f| f.id)
        .collect();
    out.sort_by_key(|(id, _, _)| order.iter().position(|o| o == id));
    out
}

#[test]
fn counts_follow_inserts_reads_and_removals() {
    let (_dir, mut store, feeds) = cache();
    assert_eq!(counted(&store), scanned(&store, &feeds));
    let unread: i64 = scanned(&store, &feeds).iter().map(|c| c.1).sum();
    assert_eq!(store.unread_total().unwrap(), unread);

    // A refresh with new and known items, read flags toggled both ways, a whole scope marked read.
    fill(&mut store, feeds[1], 520, "b");
    let first = store.headlines(&Scope::Feed(feeds[2]), false).unwrap()[0].id;
    store.set_read(first, true).unwrap();
    store.set_read(first, true).unwrap();
    store.set_read(first, false).unwrap();
    store.mark_scope_read(&Scope::Feed(feeds[0])).unwrap();
    assert_eq!(counted(&store), scanned(&store, &feeds));

    // Removing a feed takes its articles out of every count.
    store.remove_feed(feeds[1]).unwrap();
    let left = [feeds[0], feeds[2]];
    assert_eq!(counted(&store), scanned(&store, &left));
    assert_eq!(store.scope_count(&Scope::All).unwrap(), 700 + 250);
    let unread: i64 = scanned(&store, &left).iter().map(|c| c.1).sum();
    assert_eq!(store.unread_total().unwrap(), unread);
}

#[test]
fn upgrading_a_version_3_cache_counts_what_it_holds() {
    let (dir, store, feeds) = cache();
    let before = counted(&store);
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("cache.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER articles_counted_in; DROP TRIGGER articles_counted_out;
         DROP TRIGGER articles_counted_read; DROP TRIGGER articles_counted_hidden;
         DROP TRIGGER outbox_read; DROP TRIGGER outbox_star; DROP TABLE outbox;
         DROP INDEX feeds_remote; DROP INDEX articles_remote; DROP INDEX articles_hidden;
         ALTER TABLE feeds DROP COLUMN remote_id; ALTER TABLE articles DROP COLUMN remote_id;
         ALTER TABLE articles DROP COLUMN hidden;
         DROP TABLE saved_searches; DROP TABLE filters; DROP TABLE enclosures;
         ALTER TABLE feeds DROP COLUMN article_count; ALTER TABLE feeds DROP COLUMN unread_count;
         ALTER TABLE feeds DROP COLUMN hidden; ALTER TABLE feeds DROP COLUMN unsubscribed;
         ALTER TABLE feeds DROP COLUMN last_error_at; ALTER TABLE feeds DROP COLUMN schedule_reason;
         DROP TRIGGER articles_unindexed; DROP TABLE articles_fts;
         DROP INDEX articles_feed_link;
         DROP TABLE downloads; ALTER TABLE feeds DROP COLUMN auto_download;
         CREATE INDEX articles_unread ON articles(feed_id) WHERE read = 0;
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&dir.path().join("cache.db")).unwrap();
    assert_eq!(counted(&store), before);
    assert_eq!(counted(&store), scanned(&store, &feeds));
}

#[test]
fn unread_positions_match_a_scan_of_the_list() {
    let (_dir, store, feeds) = cache();
    for scope in scopes(&feeds) {
        let whole = store.headlines(&scope, false).unwrap();
        for from in [0, 1, 6, 7, 8, 300, whole.len() - 1, whole.len()] {
            let forward = (from..whole.len()).find(|&i| !whole[i].read);
            let backward = (0..from.min(whole.len())).rev().find(|&i| !whole[i].read);
            assert_eq!(store.unread_position(&scope, from, true).unwrap(), forward);
            assert_eq!(
                store.unread_position(&scope, from, false).unwrap(),
                backward
            );
        }
    }
}

// --- The reader ---

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn row(i: usize, read: bool) -> Headline {
    Headline {
        id: 1_000_000 - i as i64,
        feed_id: 1,
        title: format!("Headline number {i}"),
        time: NOW - i as i64 * 60,
        read,
        starred: false,
    }
}

/// The window of a 100,000-headline list starting at `start`.
fn window(start: usize, read: bool) -> HeadlineWindow {
    let total = 100_000;
    HeadlineWindow {
        total,
        start,
        rows: (start..(start + HEADLINE_WINDOW).min(total))
            .map(|i| row(i, read))
            .collect(),
    }
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn long_list_app() -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), utc());
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: window(0, false),
    });
    app.update(Msg::Action(Action::NextPane));
    assert_eq!(app.focus, Pane::Headlines);
    app
}

#[test]
fn the_first_frame_reads_one_screen_of_headlines_and_the_window_follows() {
    let mut app = App::new(Rect::new(0, 0, 120, 30), utc());
    let init = app.init();
    let Some(&Command::LoadFirstHeadlines { ref scope, rows }) = init.get(1) else {
        panic!("{init:?}");
    };
    assert_eq!(scope, &Scope::All);
    assert!(rows > 0 && rows < 30, "{rows} rows for a 30-row terminal");
    // The screen is full with them...
    let first = HeadlineWindow {
        total: 100_000,
        start: 0,
        rows: (0..rows).map(|i| row(i, false)).collect(),
    };
    let asked = app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: first,
    });
    let shown = screen(&app);
    assert!(shown.contains("All articles (100000)"), "{shown}");
    assert!(shown.contains(&row(rows - 1, false).title), "{shown}");
    assert!(
        !shown.contains("  …"),
        "no placeholder rows on the first screen:\n{shown}"
    );
    // ...and the window around them is asked for next.
    assert_eq!(
        asked,
        vec![Command::LoadHeadlines {
            scope: Scope::All,
            start: 0
        }]
    );
}

#[test]
fn a_long_list_is_read_in_windows_as_the_cursor_moves() {
    let mut app = long_list_app();
    assert!(screen(&app).contains("All articles (100000)"));
    // Moving inside the window needs nothing.
    for _ in 0..100 {
        assert_eq!(app.update(Msg::Action(Action::Down)), vec![]);
    }
    // Paging towards the window's edge asks for the next window before the edge is reached...
    let mut asked = vec![];
    while asked.is_empty() {
        asked = app.update(Msg::Action(Action::PageDown));
        assert!(
            app.headline_cursor < HEADLINE_WINDOW,
            "reached the edge first"
        );
    }
    let Command::LoadHeadlines { scope, start } = asked[0].clone() else {
        panic!("{asked:?}");
    };
    assert_eq!(scope, Scope::All);
    assert!(start > 0 && start <= app.headline_offset, "{start}");
    // ...and only once while it is on its way.
    for _ in 0..5 {
        assert_eq!(app.update(Msg::Action(Action::PageDown)), vec![]);
    }

    // The end of the list: rows not loaded yet show as placeholders, the cursor stays on the last.
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: window(start, false),
    });
    let asked = app.update(Msg::Action(Action::Bottom));
    assert_eq!(app.headline_cursor, 99_999);
    assert!(app.selected_headline().is_none());
    assert!(screen(&app).contains("  …"));
    let Some(Command::LoadHeadlines { start, .. }) = asked.first().cloned() else {
        panic!("{asked:?}");
    };
    assert!(start + HEADLINE_WINDOW >= 100_000, "{start}");
    let answer = window(start, false);
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: answer,
    });
    assert_eq!(
        app.selected_headline().map(|h| h.title.as_str()),
        Some("Headline number 99999")
    );
    let drawn = screen(&app);
    assert!(drawn.contains("Headline number 99999"), "{drawn}");
    assert!(!drawn.contains("  …"), "{drawn}");
}

#[test]
fn next_unread_beyond_the_window_is_found_by_the_store() {
    let mut app = long_list_app();
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: window(0, true),
    });
    let asked = app.update(Msg::Action(Action::NextUnread));
    assert_eq!(
        asked,
        vec![Command::FindUnread {
            scope: Scope::All,
            from: HEADLINE_WINDOW,
            forward: true
        }]
    );
    let mut found = window(5_000 - HEADLINE_WINDOW / 2, true);
    found.rows[HEADLINE_WINDOW / 2].read = false;
    let commands = app.update(Msg::UnreadFound {
        scope: Scope::All,
        index: 5_000,
        window: found,
    });
    assert_eq!(app.headline_cursor, 5_000);
    assert_eq!(app.focus, Pane::Article);
    let id = row(5_000, false).id;
    assert!(
        matches!(commands[0], Command::LoadArticle { id: i, .. } if i == id),
        "{commands:?}"
    );
    assert_eq!(commands[1], Command::SetRead { id, read: true });
}

#[test]
fn a_taller_screen_asks_for_the_rows_it_now_shows() {
    let mut app = long_list_app();
    // 30 rows fit in the loaded window; 800 do not.
    assert_eq!(app.update(Msg::Resize(120, 40)), vec![]);
    let asked = app.update(Msg::Resize(120, 800));
    assert!(
        matches!(
            asked.as_slice(),
            [Command::LoadHeadlines {
                scope: Scope::All,
                ..
            }]
        ),
        "{asked:?}"
    );
}

/// The whole list in a view, read window by window from both ends, against one query of all of it.
#[test]
fn windows_follow_each_lists_view_and_remember_it() {
    use tidings::store::{ListOrder, ListView};
    let (dir, mut store, feeds) = cache();
    let all = store.headlines(&Scope::All, false).unwrap();
    for (scope, view) in [
        (
            Scope::All,
            ListView {
                unread_only: true,
                order: ListOrder::Newest,
            },
        ),
        (
            Scope::All,
            ListView {
                unread_only: false,
                order: ListOrder::Oldest,
            },
        ),
        (
            Scope::Tag("news".into()),
            ListView {
                unread_only: true,
                order: ListOrder::ByFeed,
            },
        ),
        (
            Scope::Starred,
            ListView {
                unread_only: true,
                order: ListOrder::Oldest,
            },
        ),
    ] {
        store.set_list_view(&scope, view).unwrap();
        let mut expected: Vec<&Headline> = all
            .iter()
            .filter(|h| !view.unread_only || !h.read)
            .filter(|h| match &scope {
                Scope::Tag(_) => h.feed_id != feeds[2],
                Scope::Starred => h.starred,
                _ => true,
            })
            .collect();
        match view.order {
            ListOrder::Newest => {}
            ListOrder::Oldest => expected.reverse(),
            ListOrder::ByFeed => expected.sort_by_key(|h| h.feed_id),
        }
        let ids: Vec<i64> = expected.iter().map(|h| h.id).collect();
        let total = ids.len();
        let mut got = Vec::new();
        let mut start = 0;
        while start < total {
            let w = store.headline_window(&scope, start, 100).unwrap();
            assert_eq!(w.total, total, "{scope:?} {view:?}");
            got.extend(w.rows.iter().map(|h| h.id));
            start += 100;
        }
        assert_eq!(got, ids, "{scope:?} {view:?}");
        // `n` finds the next unread in the view's order.
        let first_unread = expected.iter().position(|h| !h.read);
        assert_eq!(
            store.unread_position(&scope, 0, true).unwrap(),
            first_unread
        );
    }
    // Remembered across a reopen; the default view is not stored.
    drop(store);
    let mut store = Store::open(&dir.path().join("cache.db")).unwrap();
    assert_eq!(
        store.list_view(&Scope::All).unwrap().order,
        ListOrder::Oldest
    );
    store
        .set_list_view(&Scope::All, ListView::default())
        .unwrap();
    assert_eq!(store.list_views().unwrap().len(), 2);
}
