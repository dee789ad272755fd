//! Saved searches (lists and counts like a feed's) and filters (hide or mark read as articles
//! arrive; hidden is not deleted), on real SQLite caches in temp dirs.

mod common;

use common::store::{add_feed, add_tagged_feed, temp_store};
use tidings::store::{FeedContent, FetchMeta, FilterAction, ItemData, Scope, Store};

fn item(guid: &str, title: &str, body: &str, published: i64) -> ItemData {
    ItemData {
        guid: guid.into(),
        title: title.into(),
        link: Some(format!("https://example.com/{guid}")),
        published: Some(published),
        content: Some(format!("<p>{body}</p>")),
        ..ItemData::default()
    }
}

fn store_items(store: &mut Store, feed: i64, items: Vec<ItemData>, now: i64) -> usize {
    let content = FeedContent {
        title: Some("Feed".into()),
        site_link: None,
        items,
    };
    let meta = FetchMeta {
        fetched_at: now,
        next_fetch: now + 3600,
        ..FetchMeta::default()
    };
    store.apply_refresh(feed, &content, &meta).unwrap()
}

fn titles(store: &Store, scope: &Scope) -> Vec<String> {
    store
        .headline_window(scope, 0, 100)
        .unwrap()
        .rows
        .into_iter()
        .map(|h| h.title)
        .collect()
}

const NOW: i64 = 1_764_072_000;

#[test]
fn a_saved_search_survives_a_restart_with_a_correct_unread_count() {
    let (dir, mut store, path) = temp_store();
    let tech = add_tagged_feed(&mut store, "https://a.example/feed", &["tech"]);
    let other = add_feed(&mut store, "https://b.example/feed");
    store_items(
        &mut store,
        tech,
        vec![
            item("1", "Rust 2.0 is out", "the release", NOW - 100),
            item("2", "Ferris turns ten", "a crab", NOW - 200),
            item("3", "Gardening", "tomatoes", NOW - 300),
        ],
        NOW,
    );
    store_items(
        &mut store,
        other,
        vec![item("4", "Rust 2.0 elsewhere", "same news", NOW - 50)],
        NOW,
    );
    store
        .save_search("Rust in tech", "rust OR ferris tag:tech")
        .unwrap();
    store.save_search("Café", "café").unwrap();
    let first = titles(&store, &Scope::Search("rust OR ferris tag:tech".into()));
    assert_eq!(first, ["Rust 2.0 is out", "Ferris turns ten"]);
    // Read one, then reopen the cache.
    let id = store
        .headline_window(&Scope::Search("rust OR ferris tag:tech".into()), 0, 1)
        .unwrap()
        .rows[0]
        .id;
    store.set_read(id, true).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    let searches = store.saved_searches().unwrap();
    let names: Vec<(&str, i64, i64)> = searches
        .iter()
        .map(|s| (s.name.as_str(), s.unread, s.total))
        .collect();
    assert_eq!(names, [("Café", 0, 0), ("Rust in tech", 1, 2)]);
    assert_eq!(
        store
            .scope_count(&Scope::Search("rust OR ferris tag:tech".into()))
            .unwrap(),
        2
    );
    drop(dir);
}

#[test]
fn saved_searches_find_cjk_and_accented_text() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://a.example/feed");
    store_items(
        &mut store,
        feed,
        vec![
            item("1", "東京の天気", "今日は晴れです", NOW - 10),
            item("2", "Crème brûlée", "un dessert", NOW - 20),
            item("3", "Nothing", "plain", NOW - 30),
        ],
        NOW,
    );
    store.save_search("weather", "天気").unwrap();
    store.save_search("dessert", "creme").unwrap();
    assert_eq!(
        titles(&store, &Scope::Search("天気".into())),
        ["東京の天気"]
    );
    assert_eq!(
        titles(&store, &Scope::Search("creme".into())),
        ["Crème brûlée"]
    );
}

#[test]
fn a_filter_hides_what_arrives_and_removing_it_shows_it_again() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://a.example/feed");
    store_items(
        &mut store,
        feed,
        vec![item("1", "Old sponsor post", "ad", NOW - 1000)],
        NOW - 900,
    );
    let (filter, now_hidden) = store
        .add_filter("title:sponsor", FilterAction::Hide, false)
        .unwrap();
    assert_eq!(now_hidden, 0, "not applied to what is stored unless asked");
    store_items(
        &mut store,
        feed,
        vec![
            item("2", "[Sponsor] Buy things", "ad", NOW - 10),
            item("3", "A real post", "words", NOW - 20),
        ],
        NOW,
    );
    assert_eq!(
        titles(&store, &Scope::All),
        ["A real post", "Old sponsor post"]
    );
    assert_eq!(titles(&store, &Scope::Hidden), ["[Sponsor] Buy things"]);
    // Counts leave hidden articles out, and agree with the list.
    let summary = &store.feed_summaries().unwrap()[0];
    assert_eq!((summary.unread, summary.total), (2, 2));
    assert_eq!(store.unread_total().unwrap(), 2);
    assert_eq!(store.scope_count(&Scope::Feed(feed)).unwrap(), 2);
    assert_eq!(store.hidden_total().unwrap(), 1);
    // Hidden is not deleted: removing the filter shows it again, counted.
    assert!(store.remove_filter(filter).unwrap());
    assert_eq!(store.hidden_total().unwrap(), 0);
    assert_eq!(titles(&store, &Scope::All).len(), 3);
    let summary = &store.feed_summaries().unwrap()[0];
    assert_eq!((summary.unread, summary.total), (3, 3));
}

#[test]
fn a_filter_made_from_the_reader_applies_to_what_is_stored_and_can_mark_read() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://a.example/feed");
    store_items(
        &mut store,
        feed,
        vec![
            item("1", "Weekly links #1", "x", NOW - 30),
            item("2", "Weekly links #2", "y", NOW - 20),
            item("3", "Essay", "z", NOW - 10),
        ],
        NOW,
    );
    let (_, changed) = store
        .add_filter("title:\"weekly links\"", FilterAction::Read, true)
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(store.unread_total().unwrap(), 1);
    assert_eq!(
        titles(&store, &Scope::All).len(),
        3,
        "marked read, still listed"
    );
    // Config filters are replaced as a set and act on what arrives next.
    store
        .set_config_filters(&[("essay".to_string(), FilterAction::Hide)])
        .unwrap();
    let origins: Vec<String> = store
        .filters()
        .unwrap()
        .into_iter()
        .map(|f| f.origin)
        .collect();
    assert_eq!(origins, ["config", "user"]);
    store_items(
        &mut store,
        feed,
        vec![item("4", "Essay two", "w", NOW + 5)],
        NOW + 10,
    );
    assert_eq!(titles(&store, &Scope::Hidden), ["Essay two"]);
    // A config filter is not removed from here.
    let config_id = store.filters().unwrap()[0].id;
    assert!(!store.remove_filter(config_id).unwrap());
}

#[test]
fn filters_in_config_toml_hide_what_arrives_and_a_bad_query_says_where() {
    let profile = common::cli::Profile::new();
    profile.write(
        "config.toml",
        "[[filters]]\nquery = \"title:sponsor\"\n\n[[filters]]\nquery = \"title:weekly\"\naction = \"read\"\n",
    );
    let feed = profile.write(
        "f.xml",
        r#"<rss version="2.0"><channel><title>F</title>
<item><guid>1</guid><title>[Sponsor] Buy</title></item>
<item><guid>2</guid><title>Weekly links</title></item>
<item><guid>3</guid><title>An essay</title></item>
</channel></rss>"#,
    );
    profile.ok(&["add", feed.to_str().unwrap()]);
    profile.ok(&["refresh"]);
    let listed = profile.ok(&["list", "articles"]);
    assert!(!listed.contains("Sponsor"), "{listed}");
    assert!(
        listed.contains("    Weekly links") || listed.contains("  Weekly links"),
        "{listed}"
    );
    let unread = profile.ok(&["list", "articles", "--unread"]);
    assert!(
        !unread.contains("Weekly") && unread.contains("An essay"),
        "{unread}"
    );
    let filters = profile.ok(&["filter", "list"]);
    assert_eq!(
        filters.lines().filter(|l| l.contains("config")).count(),
        2,
        "{filters}"
    );

    profile.write("config.toml", "[[filters]]\nquery = \"\\\"never closed\"\n");
    let out = profile.run(&["list", "feeds"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("filters[0].query") && err.contains("never closed"),
        "{err}"
    );
}
