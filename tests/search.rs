//! Full-text search over real caches in temp dirs: the query language, non-Latin scripts, index
//! upkeep on removal, the backlog of caches from before the index, and the command line.

mod common;

use tidings::store::query::parse;
use tidings::store::{FeedContent, FetchMeta, ItemData, Scope, Store};

const NOW: i64 = 1_764_072_000;

fn item(guid: &str, title: &str, author: Option<&str>, body: &str, days_ago: i64) -> ItemData {
    ItemData {
        guid: guid.into(),
        title: title.into(),
        author: author.map(String::from),
        link: Some(format!("https://example.com/{guid}")),
        published: Some(NOW - days_ago * 86_400),
        content: Some(body.into()),
        ..ItemData::default()
    }
}

fn store_items(store: &mut Store, feed: i64, items: Vec<ItemData>) {
    let content = FeedContent {
        title: None,
        site_link: None,
        items,
    };
    let meta = FetchMeta {
        fetched_at: NOW,
        next_fetch: NOW + 3600,
        ..FetchMeta::default()
    };
    store.apply_refresh(feed, &content, &meta).unwrap();
}

/// Two feeds: "Rust Blog" (tag tech) and "Café World" (tag food).
fn cache() -> (tempfile::TempDir, Store, i64, i64) {
    let (dir, mut store, _) = common::store::temp_store();
    let rust = common::store::add_tagged_feed(&mut store, "https://rust.example/feed", &["tech"]);
    let food = common::store::add_feed(&mut store, "https://food.example/feed");
    store.set_custom_title(rust, Some("Rust Blog")).unwrap();
    store.set_custom_title(food, Some("Café World")).unwrap();
    store_items(
        &mut store,
        rust,
        vec![
            item(
                "r1",
                "Announcing Rust 2.0",
                Some("The Rust Team"),
                "<p>The <b>borrow checker</b> got faster.</p>",
                1,
            ),
            item(
                "r2",
                "Async in depth",
                Some("Ann"),
                "<p>Tokio and async runtimes explained.</p>",
                20,
            ),
            item(
                "r3",
                "Leaving JavaScript",
                None,
                "<p>Why we moved from javascript to Rust.</p>",
                400,
            ),
        ],
    );
    store_items(
        &mut store,
        food,
        vec![
            item(
                "f1",
                "Le meilleur café de Paris",
                Some("Zoé"),
                "<p>Un café crème &amp; croissant.</p>",
                2,
            ),
            item("f2", "中文菜单", None, "<p>我们学习中文很开心。</p>", 3),
            item(
                "f3",
                "日本のラーメン",
                None,
                "<p>日本語のレシピです。</p>",
                4,
            ),
        ],
    );
    (dir, store, rust, food)
}

fn titles(store: &Store, query: &str) -> Vec<String> {
    titles_in(store, Scope::All, query)
}

/// What `query` finds within `scope`, titles sorted.
fn titles_in(store: &Store, scope: Scope, query: &str) -> Vec<String> {
    let q = parse(query, NOW).unwrap_or_else(|e| panic!("{query}: {e}"));
    let mut found: Vec<String> = store
        .search(&q, &scope, 100)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    found.sort();
    found
}

#[test]
fn words_phrases_prefixes_exclusions_and_or() {
    let (_dir, store, _, _) = cache();
    assert_eq!(titles(&store, "borrow checker"), ["Announcing Rust 2.0"]);
    assert_eq!(titles(&store, "\"checker borrow\""), Vec::<String>::new());
    assert_eq!(
        titles(&store, "\"borrow checker\""),
        ["Announcing Rust 2.0"]
    );
    assert_eq!(titles(&store, "runtim*"), ["Async in depth"]);
    assert_eq!(
        titles(&store, "rust -javascript"),
        ["Announcing Rust 2.0"],
        "the third mentions javascript"
    );
    assert_eq!(
        titles(&store, "tokio OR croissant"),
        ["Async in depth", "Le meilleur café de Paris"]
    );
    assert_eq!(
        titles(&store, "-rust").len(),
        4,
        "the food articles and the one that never says rust"
    );
}

#[test]
fn fields_flags_and_dates() {
    let (_dir, mut store, rust, _) = cache();
    assert_eq!(titles(&store, "title:async"), ["Async in depth"]);
    assert_eq!(titles(&store, "author:ann"), ["Async in depth"]);
    assert_eq!(titles(&store, "feed:rust newer:30d").len(), 2);
    assert_eq!(titles(&store, "tag:tech older:1y"), ["Leaving JavaScript"]);
    assert_eq!(titles(&store, "after:2025-11-20 feed:café").len(), 3);
    let first = store.headlines(&Scope::Feed(rust), false).unwrap()[0].id;
    store.set_read(first, true).unwrap();
    store.set_starred(first, true).unwrap();
    assert_eq!(titles(&store, "is:starred"), ["Announcing Rust 2.0"]);
    assert_eq!(titles(&store, "rust is:unread"), ["Leaving JavaScript"]);
    assert_eq!(titles(&store, "is:read"), ["Announcing Rust 2.0"]);
    store
        .store_full_text(first, Ok("<p>The full text mentions lifetimes.</p>"), NOW)
        .unwrap();
    assert_eq!(
        titles(&store, "lifetimes has:fulltext"),
        ["Announcing Rust 2.0"]
    );
}

#[test]
fn accents_and_non_latin_scripts_are_found() {
    let (_dir, store, _, _) = cache();
    assert_eq!(titles(&store, "cafe creme"), ["Le meilleur café de Paris"]);
    assert_eq!(titles(&store, "author:zoe"), ["Le meilleur café de Paris"]);
    assert_eq!(titles(&store, "中文"), ["中文菜单"]);
    assert_eq!(titles(&store, "学习"), ["中文菜单"]);
    assert_eq!(titles(&store, "日本語"), ["日本のラーメン"]);
    assert_eq!(titles(&store, "ラーメン"), ["日本のラーメン"]);
}

#[test]
fn removing_a_feed_removes_it_from_the_index() {
    let (_dir, mut store, rust, _) = cache();
    assert!(!titles(&store, "tokio").is_empty());
    store.unsubscribe(rust, false).unwrap();
    assert!(titles(&store, "tokio").is_empty());
}

#[test]
fn a_cache_from_before_the_index_is_indexed_in_batches() {
    let (_dir, mut store, _, _) = cache();
    // As an older cache upgraded to the index: nothing indexed, everything below the mark waits.
    store.set_meta("fts_backfill_below", "1000").unwrap();
    let mut rounds = 0;
    while store.index_backlog(2).unwrap() > 0 {
        rounds += 1;
        assert!(rounds < 10);
    }
    assert!(rounds >= 2, "six articles in batches of two");
    assert_eq!(
        titles(&store, "tokio"),
        ["Async in depth"],
        "indexed once, not twice"
    );
}

#[test]
fn a_malformed_query_says_where_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let out = common::cli::tidings_output(home.path(), &["search", "rust is:purple"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is:purple is unknown") && stderr.contains("at character"),
        "{stderr}"
    );
    let feed = common::cli::fixture("e2e/local.xml");
    common::cli::tidings(home.path(), &["add", feed.to_str().unwrap()]);
    common::cli::tidings(home.path(), &["refresh"]);
    let found = common::cli::tidings(home.path(), &["search", "lantern*"]);
    assert!(found.contains("Copper Lantern Guide"), "{found}");
}

#[test]
fn slash_searches_as_you_type_and_opens_a_result() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tidings::store::Headline;
    use tidings::ui::app::{App, Command, Done, Msg, Pane};
    let mut app = App::new(
        ratatui::layout::Rect::new(0, 0, 120, 30),
        chrono::FixedOffset::east_opt(0).unwrap(),
    );
    let key =
        |app: &mut App, c: KeyCode| app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('r'));
    let commands = key(&mut app, KeyCode::Char('u'));
    assert_eq!(
        commands,
        [Command::Search {
            query: "ru".into(),
            scope: Scope::All,
            generation: 2
        }]
    );
    // An answer to an older search is dropped; the latest is shown.
    let found = |title: &str, id: i64| Headline {
        id,
        feed_id: 1,
        title: title.into(),
        time: NOW,
        read: false,
        starred: false,
    };
    app.update(Msg::Done(Done::Found {
        generation: 1,
        results: Ok(vec![found("Stale", 9)]),
    }));
    app.update(Msg::Done(Done::Found {
        generation: 2,
        results: Ok(vec![
            found("Announcing Rust 2.0", 1),
            found("Leaving JavaScript", 3),
        ]),
    }));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    terminal
        .draw(|f| tidings::ui::views::draw(f, &app))
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("Leaving JavaScript") && !screen.contains("Stale"));
    key(&mut app, KeyCode::Down);
    let commands = key(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(app.focus, Pane::Article);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadArticle { id: 3, .. }))
    );
    assert!(commands.contains(&Command::SetRead { id: 3, read: true }));
    // A malformed query is answered in the dialog.
    key(&mut app, KeyCode::Char('/'));
    for c in "is:x".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    app.update(Msg::Done(Done::Found {
        generation: 4,
        results: Err(
            "is:x is unknown; use is:unread, is:read or is:starred (at character 3)".into(),
        ),
    }));
    terminal
        .draw(|f| tidings::ui::views::draw(f, &app))
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("is:x is unknown"), "{screen}");
}

/// Property: any string either parses or gives an error that points inside it, and whatever
/// parses runs against a real cache without an SQL or FTS error. Strings are drawn from the
/// characters the language gives meaning to, plus CJK, accents and controls (a fixed-seed xorshift,
/// so a failure reproduces).
#[test]
fn any_string_parses_or_gives_an_error_and_what_parses_runs() {
    let (_dir, store, _, _) = cache();
    const PIECES: &[&str] = &[
        "a",
        "rust",
        "\"",
        "*",
        "-",
        "(",
        ")",
        ":",
        " ",
        "  ",
        "OR",
        "AND",
        "NOT",
        "title:",
        "author:",
        "feed:",
        "tag:",
        "is:",
        "unread",
        "read",
        "starred",
        "has:fulltext",
        "after:",
        "before:",
        "newer:",
        "older:",
        "2025-01-01",
        "7d",
        "1y",
        "99999999999d",
        "東京",
        "é",
        "\u{0}",
        "\u{1b}[31m",
        "'",
        ";",
        "--",
        "NEAR",
        "^",
        "+",
        "{",
        "}",
        "\\",
        "x*y",
        "\"\"",
        "-\"",
        "OR OR",
        "title:\"",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 8) as usize;
        let input: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        match parse(&input, NOW) {
            Ok(q) => {
                if let Err(e) = store.search(&q, &Scope::All, 5) {
                    panic!("{input:?} parsed but failed in SQLite: {e}");
                }
                // The same query kept as a saved search lists and counts too.
                if let Err(e) = store.headline_window(&Scope::Search(input.clone()), 0, 5) {
                    panic!("{input:?} as a saved search failed in SQLite: {e}");
                }
            }
            Err(e) => assert!(
                e.at <= input.len(),
                "{input:?}: error position {} is outside the query",
                e.at
            ),
        }
    }
}

#[test]
fn search_json_has_the_list_shape_and_a_snippet() {
    let profile = common::cli::Profile::new();
    let feed = profile.write(
        "f.xml",
        r#"<rss version="2.0"><channel><title>F</title>
<item><guid>1</guid><title>Launch day</title><link>https://e.example/1</link>
<description>A long introduction that says nothing in particular before the zeppelin finally lifts off over the field.</description></item>
</channel></rss>"#,
    );
    profile.ok(&["add", feed.to_str().unwrap()]);
    profile.ok(&["refresh"]);
    let listed = profile.json_lines(&["list", "articles", "--json"]);
    let found = profile.json_lines(&["search", "zeppelin", "--json"]);
    assert_eq!(found.len(), 1);
    for key in listed[0].as_object().unwrap().keys() {
        assert!(found[0].get(key).is_some(), "search --json lacks {key}");
    }
    let snippet = found[0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("zeppelin finally lifts off"), "{snippet}");
}

#[test]
fn a_word_in_more_articles_than_the_window_is_ranked_among_the_newest_matches() {
    use tidings::store::RANK_WINDOW;
    let (_dir, mut store, _) = common::store::temp_store();
    let feed = common::store::add_feed(&mut store, "https://many.example/feed");
    let n = RANK_WINDOW + 50;
    // Stored in this order: the first (lowest id) and the last both have the word in their title,
    // which bm25 (weighted to titles) ranks above every body-only match.
    let items: Vec<ItemData> = (0..n)
        .map(|i| {
            let title = if i == 0 {
                "Kernel news from long ago".to_string()
            } else if i == n - 1 {
                "Kernel news today".to_string()
            } else {
                format!("Story {i}")
            };
            item(&format!("g{i}"), &title, None, "<p>about the kernel</p>", 1)
        })
        .collect();
    store_items(&mut store, feed, items);
    let q = parse("kernel", NOW).unwrap();
    let found = store.search(&q, &Scope::All, 20).unwrap();
    assert_eq!(found.len(), 20);
    assert_eq!(
        found[0].title, "Kernel news today",
        "the best of the window first"
    );
    assert!(
        found.iter().all(|h| h.title != "Kernel news from long ago"),
        "the oldest match is outside the window of the {RANK_WINDOW} newest"
    );
    // A query with fewer matches than the window ranks them all, old ones included.
    let q = parse("title:kernel", NOW).unwrap();
    let titles: Vec<String> = store
        .search(&q, &Scope::All, 20)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.contains(&"Kernel news from long ago".to_string()));
}

#[test]
fn a_search_within_a_feed_a_tag_or_a_saved_search_keeps_to_it() {
    let (_dir, mut store, rust, food) = cache();
    // Tagged here, so that the tag's scope holds a feed that "rust" could leak in from.
    store.set_tags(food, &["food".to_string()]).unwrap();
    let within = |scope: Scope, query: &str| titles_in(&store, scope, query);
    // "café" is only in the food feed; "rust" only in the rust feed.
    assert_eq!(within(Scope::Feed(rust), "cafe"), Vec::<String>::new());
    assert_eq!(
        within(Scope::Feed(food), "cafe"),
        vec!["Le meilleur café de Paris".to_string()]
    );
    assert_eq!(
        within(Scope::Tag("food".into()), "rust"),
        Vec::<String>::new()
    );
    assert_eq!(
        within(Scope::Tag("food".into()), "cafe"),
        vec!["Le meilleur café de Paris".to_string()]
    );
    assert_eq!(
        within(Scope::Tag("tech".into()), "rust"),
        vec![
            "Announcing Rust 2.0".to_string(),
            "Leaving JavaScript".to_string()
        ]
    );
    // A saved search's list is a query itself: the search runs inside its matches.
    assert_eq!(
        within(Scope::Search("tag:tech".into()), "async"),
        vec!["Async in depth".to_string()]
    );
    assert_eq!(
        within(Scope::Search("café".into()), "async"),
        Vec::<String>::new()
    );
}

/// A feed's articles go to the index as one segment, not one per article: FTS5 writes the terms it
/// holds to disk at every statement savepoint, so an index write between two row writes with
/// triggers cost a segment (and later merges) per article. With merging turned off, each segment
/// stays a page of its own in the index's table.
#[test]
fn a_feeds_articles_are_indexed_together_not_one_segment_each() {
    let (_dir, mut store, path) = common::store::temp_store();
    let feed = common::store::add_feed(&mut store, "https://many.example/feed");
    let db = common::store::index_without_merging(&path);
    let before = common::store::index_pages(&db);
    let items = (0..50)
        .map(|n| {
            item(
                &format!("g{n}"),
                &format!("Story {n}"),
                None,
                "<p>Short.</p>",
                1,
            )
        })
        .collect();
    store_items(&mut store, feed, items);
    assert_eq!(titles(&store, "story").len(), 50);
    let written = common::store::index_pages(&db) - before;
    assert!(written <= 5, "{written} index pages for 50 short articles");
}
