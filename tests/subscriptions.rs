//! The subscription operations that both front ends call (`session::subscriptions`), against real
//! HTTP servers on 127.0.0.1 and real SQLite files in temp dirs: adding from a site's page with
//! autodiscovery, every kind of add error, editing, tags, removal that keeps starred articles,
//! details, Newsboat `urls` files and cache state, export. "Survives a restart" means a new session
//! on the same profile sees it.

use std::path::Path;
use std::time::{Duration, Instant};

use tidings::config::Config;
use tidings::paths::Profile;
use tidings::session::Session;
use tidings::session::subscriptions::{FeedEdit, Probe, SubscribeError, Subscription};
use tidings::store::{AddOutcome, FeedSummary, Scope};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn session(home: &Path) -> Session {
    let config = Config {
        timeout_seconds: 2,
        connect_timeout_seconds: 1,
        ..Config::default()
    };
    Session::open(&Profile::resolve(Some(home)).unwrap(), config).unwrap()
}

fn rss(title: &str, items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, t)| {
            format!("<item><guid>{guid}</guid><title>{t}</title><link>https://example.com/{guid}</link><description>Text of {t}.</description></item>")
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>https://example.com/</link>{items}</channel></rss>"#
    )
}

const HOME_PAGE: &str = r#"<!doctype html><html><head><title>Valley Blog</title>
<link rel="alternate" type="application/rss+xml" title="Valley posts" href="/posts.xml">
<link rel="alternate" type="application/atom+xml" title="Valley comments" href="/comments.xml">
</head><body><p>Hello</p></body></html>"#;

/// A site on loopback: a home page naming two feeds, the two feeds, a page naming none, a 404.
async fn site() -> MockServer {
    let server = MockServer::start().await;
    let html = |body: &str| {
        ResponseTemplate::new(200)
            .insert_header("Content-Type", "text/html; charset=utf-8")
            .set_body_string(body)
    };
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(html(HOME_PAGE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/plain.html"))
        .respond_with(html(
            "<html><head><title>x</title></head><body>no feeds</body></html>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/posts.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(
            "Valley posts",
            &[("p1", "First post"), ("p2", "Second post")],
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/comments.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(
            "Valley comments",
            &[("c1", "A comment"), ("c2", "Another"), ("c3", "Third")],
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/notes.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string("just some words"))
        .mount(&server)
        .await;
    server
}

fn feeds(session: &Session) -> Vec<FeedSummary> {
    session.db().read_blocking(|s| s.feed_summaries()).unwrap()
}

/// Probes `url` and adds what it is (a feed), with `sub`'s title and tags.
async fn add_via_probe(session: &Session, url: &str, sub: Subscription) -> i64 {
    let subs = session.subscriptions();
    let Probe::Feed(feed) = subs.probe(url).await.expect("probe") else {
        panic!("{url} is not a feed");
    };
    subs.add_probed(*feed, sub).await.expect("add")
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_site_page_offers_its_feeds_and_adds_the_chosen_one_with_its_articles() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let id = {
        let session = session(home.path());
        let subs = session.subscriptions();
        let Probe::Page(links) = subs.probe(&format!("{}/", server.uri())).await.unwrap() else {
            panic!("the home page is a page");
        };
        let found: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (l.title.as_str(), l.url.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "Valley posts",
                    format!("{}/posts.xml", server.uri()).as_str()
                ),
                (
                    "Valley comments",
                    format!("{}/comments.xml", server.uri()).as_str()
                ),
            ]
        );
        // Choose the second.
        let Probe::Feed(feed) = subs.probe(&links[1].url).await.unwrap() else {
            panic!("the chosen link is a feed");
        };
        assert_eq!(feed.title, "Valley comments");
        assert_eq!(feed.articles, 3);
        let id = subs
            .add_probed(
                *feed,
                Subscription {
                    title: Some("Comments".into()),
                    tags: vec!["blogs".into(), " blogs ".into(), "valley".into()],
                    ..Subscription::default()
                },
            )
            .await
            .unwrap();
        // Its articles are there at once, without a refresh.
        let headlines = session
            .db()
            .read_blocking(move |s| s.headlines(&Scope::Feed(id), false))
            .unwrap();
        assert_eq!(headlines.len(), 3);
        id
    };
    // A restart sees the feed as it was added.
    let session = session(home.path());
    let feed = feeds(&session).into_iter().find(|f| f.id == id).unwrap();
    assert_eq!(feed.title, "Comments");
    assert_eq!(feed.tags, ["blogs", "valley"]);
    assert_eq!(feed.total, 3);
    assert!(
        feed.next_fetch > tidings::store::now_unix(),
        "not due again at once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn add_errors_say_what_went_wrong() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let subs = session.subscriptions();
    let base = server.uri();

    let err = subs
        .probe(&format!("{base}/missing.xml"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 404"), "{err}");

    let err = subs.probe(&format!("{base}/notes.txt")).await.unwrap_err();
    assert!(matches!(err, SubscribeError::NotAFeed(_)), "{err}");

    let err = subs.probe(&format!("{base}/plain.html")).await.unwrap_err();
    assert!(matches!(err, SubscribeError::NoFeedOnPage), "{err}");

    let err = subs.probe("gopher://example.com/feed").await.unwrap_err();
    assert!(matches!(err, SubscribeError::BadUrl(_)), "{err}");
    assert!(err.to_string().contains("gopher"), "{err}");

    // Nothing listens on this port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = subs
        .probe(&format!("http://127.0.0.1:{closed}/feed.xml"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connect"), "{err}");

    // A duplicate points to the feed already there.
    let id = add_via_probe(
        &session,
        &format!("{base}/posts.xml"),
        Subscription::default(),
    )
    .await;
    let err = subs.probe(&format!("{base}/posts.xml")).await.unwrap_err();
    match err {
        SubscribeError::Duplicate {
            id: existing,
            title,
        } => {
            assert_eq!(existing, id);
            assert_eq!(title, "Valley posts");
        }
        other => panic!("expected a duplicate, got {other}"),
    }
    assert_eq!(feeds(&session).len(), 1, "failed adds add nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_times_out_and_a_probe_can_be_dropped() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let session = std::sync::Arc::new(session(home.path()));
    let start = Instant::now();
    let err = session
        .subscriptions()
        .probe(&format!("http://{addr}/feed.xml"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));

    // What Esc does in the reader: the probe's task is aborted and ends at once.
    let s = std::sync::Arc::clone(&session);
    let task = tokio::spawn(async move {
        s.subscriptions()
            .probe(&format!("http://{addr}/other.xml"))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    task.abort();
    let start = Instant::now();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_take_effect_and_survive_a_restart() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let id = {
        let session = session(home.path());
        let id = add_via_probe(
            &session,
            &format!("{}/posts.xml", server.uri()),
            Subscription::default(),
        )
        .await;
        let changes = session
            .subscriptions()
            .edit(
                id,
                FeedEdit {
                    title: Some(Some("Valley".into())),
                    tags: Some(vec!["news".into(), "local".into()]),
                    every: Some(Some(120)),
                    full_text: Some(true),
                    hidden: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            changes,
            [
                "refreshed every 2h",
                "title \"Valley\"",
                "tags news, local",
                "full articles on"
            ]
        );
        let err = session
            .subscriptions()
            .edit(
                id,
                FeedEdit {
                    every: Some(Some(0)),
                    ..FeedEdit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("between 1 minute and 30 days"),
            "{err}"
        );
        id
    };
    let session = session(home.path());
    let feed = feeds(&session).into_iter().find(|f| f.id == id).unwrap();
    assert_eq!(feed.title, "Valley");
    assert_eq!(feed.tags, ["local", "news"]);
    assert_eq!(feed.interval_minutes, Some(120));
    assert!(feed.full_text);
    // An empty title goes back to the feed's own.
    session
        .subscriptions()
        .edit(
            id,
            FeedEdit {
                title: Some(None),
                ..FeedEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(feeds(&session)[0].title, "Valley posts");
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_a_tag_moves_every_feed_that_has_it() {
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let subs = session.subscriptions();
    for (url, tags) in [
        ("https://a.example/feed", vec!["tech", "daily"]),
        ("https://b.example/feed", vec!["tech"]),
        ("https://c.example/feed", vec!["other"]),
    ] {
        subs.add(Subscription {
            url: url.into(),
            tags: tags.into_iter().map(String::from).collect(),
            ..Subscription::default()
        })
        .await
        .unwrap();
    }
    assert_eq!(subs.rename_tag("tech", "computing").await.unwrap(), 2);
    let tags: Vec<Vec<String>> = feeds(&session).into_iter().map(|f| f.tags).collect();
    assert!(tags.contains(&vec!["computing".to_string(), "daily".to_string()]));
    assert!(tags.contains(&vec!["computing".to_string()]));
    assert_eq!(subs.tags().await.unwrap(), ["computing", "daily", "other"]);
    assert!(subs.rename_tag("daily", "  ").await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_feed_keeps_its_starred_articles_unless_asked_not_to() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let subs = session.subscriptions();
    let posts = add_via_probe(
        &session,
        &format!("{}/posts.xml", server.uri()),
        Subscription::default(),
    )
    .await;
    let comments = add_via_probe(
        &session,
        &format!("{}/comments.xml", server.uri()),
        Subscription::default(),
    )
    .await;
    let starred = session
        .db()
        .write_blocking(move |s| {
            let first = s.headlines(&Scope::Feed(posts), false)?[0].id;
            s.set_starred(first, true)?;
            Ok(first)
        })
        .unwrap();

    let details = subs.details(posts).await.unwrap();
    assert_eq!((details.total, details.starred), (2, 1));

    let removed = subs.remove(posts, true).await.unwrap();
    assert_eq!((removed.deleted_articles, removed.kept_starred), (1, 1));
    assert!(
        feeds(&session).iter().all(|f| f.id != posts),
        "no longer listed"
    );
    let kept = session
        .db()
        .read_blocking(|s| s.headlines(&Scope::Starred, false))
        .unwrap();
    assert_eq!(kept.iter().map(|h| h.id).collect::<Vec<_>>(), [starred]);
    assert!(
        subs.details(posts).await.is_err(),
        "gone from the subscriptions"
    );
    // It is not polled again.
    let due = session
        .db()
        .read_blocking(|s| s.due_feeds(i64::MAX / 4))
        .unwrap();
    assert!(due.iter().all(|f| f.id != posts));

    let removed = subs.remove(comments, false).await.unwrap();
    assert_eq!((removed.deleted_articles, removed.kept_starred), (3, 0));
    assert!(feeds(&session).is_empty());

    // Subscribing again to the removed feed works, and its kept article is still there once.
    let again = subs
        .add(Subscription {
            url: format!("{}/posts.xml", server.uri()),
            ..Subscription::default()
        })
        .await
        .unwrap();
    assert_eq!(again, AddOutcome::Added(posts));
    assert_eq!(feeds(&session).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn details_name_the_schedule_and_the_last_error() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let id = add_via_probe(
        &session,
        &format!("{}/posts.xml", server.uri()),
        Subscription::default(),
    )
    .await;
    let d = session.subscriptions().details(id).await.unwrap();
    assert_eq!(d.url, format!("{}/posts.xml", server.uri()));
    assert_eq!(d.site_link.as_deref(), Some("https://example.com/"));
    assert!(d.last_fetch.is_some());
    assert_eq!(d.schedule_reason.as_deref(), Some("the default interval"));
    assert_eq!(d.error_count, 0);

    // A failed refresh is in the details, with its time.
    server.reset().await;
    let refresher = session.refresher().unwrap();
    let feeds = refresher.feeds(Some(vec![id])).await.unwrap();
    let (tx, _rx) = tokio::sync::mpsc::channel(16);
    refresher.refresh(feeds, &tx).await;
    let d = session.subscriptions().details(id).await.unwrap();
    assert_eq!(d.error_count, 1);
    assert!(d.last_error.as_deref().unwrap_or("").contains("HTTP 404"));
    assert!(d.last_error_at.is_some());
    assert_eq!(d.schedule_reason.as_deref(), Some("backoff after 1 errors"));
}

const URLS_FILE: &str = r#"# My Newsboat urls
https://tech.example/feed.xml tech "daily news"
https://blog.example/atom.xml "~Friend's blog" friends

https://quiet.example/rss "!" hidden-tag
"exec:~/bin/make-feed.sh" scripts
"filter:~/bin/clean.sh:https://dirty.example/feed" filtered
"query:Unread:unread = \"yes\""
ftp://old.example/feed
https://tech.example/feed.xml extra
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_newsboat_urls_file_imports_tags_titles_and_hidden_feeds_and_reports_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("urls");
    std::fs::write(&file, URLS_FILE).unwrap();
    let session = session(home.path());
    let report = session.subscriptions().import(&file, false).await.unwrap();
    assert_eq!(report.kind, "Newsboat urls");
    assert_eq!((report.added, report.existing), (3, 0));
    let reasons = report
        .skipped
        .iter()
        .map(|(what, why)| format!("{what}: {why}"))
        .collect::<Vec<_>>()
        .join("\n");
    for word in ["exec:", "filter:", "query:", "ftp:"] {
        assert!(reasons.contains(word), "{word} not reported in:\n{reasons}");
    }
    let feeds = feeds(&session);
    let by_url = |u: &str| feeds.iter().find(|f| f.url == u).unwrap();
    let tech = by_url("https://tech.example/feed.xml");
    assert_eq!(tech.tags, ["daily news", "extra", "tech"]);
    let blog = by_url("https://blog.example/atom.xml");
    assert_eq!(blog.title, "Friend's blog");
    assert_eq!(blog.tags, ["friends"]);
    assert!(!blog.hidden);
    let quiet = by_url("https://quiet.example/rss");
    assert!(quiet.hidden);
    assert_eq!(quiet.tags, ["hidden-tag"]);
    // Told apart by content: an OPML file named "urls" is read as OPML.
    let opml = home.path().join("urls2");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><body><outline text="x" xmlUrl="https://x.example/feed"/></body></opml>"#,
    )
    .unwrap();
    let report = session.subscriptions().import(&opml, false).await.unwrap();
    assert_eq!((report.kind, report.added), ("OPML", 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_refuse_what_is_not_a_regular_file_and_local_feeds_unless_allowed() {
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let fifo = home.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let err = session
            .subscriptions()
            .import(&fifo, false)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
    let file = home.path().join("local.urls");
    std::fs::write(&file, "file:///etc/hostname\n/etc/hostname\n").unwrap();
    let report = session.subscriptions().import(&file, false).await.unwrap();
    assert_eq!((report.added, report.skipped.len()), (0, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn newsboat_read_and_flagged_state_is_brought_over() {
    let server = site().await;
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let url = format!("{}/comments.xml", server.uri());
    let id = add_via_probe(&session, &url, Subscription::default()).await;
    let cache = home.path().join("newsboat-cache.db");
    let conn = rusqlite::Connection::open(&cache).unwrap();
    conn.execute_batch(
        "CREATE TABLE rss_item (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, guid VARCHAR(64) NOT NULL,
            title VARCHAR(1024) NOT NULL, author VARCHAR(1024) NOT NULL, url VARCHAR(1024) NOT NULL,
            feedurl VARCHAR(1024) NOT NULL, pubDate INTEGER NOT NULL, content VARCHAR(65535) NOT NULL,
            unread INTEGER(1) NOT NULL, enclosure_url VARCHAR(1024), enclosure_type VARCHAR(1024),
            enqueued INTEGER(1) NOT NULL DEFAULT 0, flags VARCHAR(52), deleted INTEGER(1) NOT NULL DEFAULT 0,
            base VARCHAR(128) NOT NULL DEFAULT '');",
    )
    .unwrap();
    let row = |guid: &str, link: &str, unread: i64, flags: &str| {
        conn.execute(
            "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags)
             VALUES (?1, 't', '', ?2, ?3, 0, '', ?4, ?5)",
            rusqlite::params![guid, link, url, unread, flags],
        )
        .unwrap();
    };
    row("c1", "https://example.com/c1", 0, "");
    // Matched by link when the guid differs.
    row("other-guid", "https://example.com/c2", 1, "s");
    row("unknown", "https://example.com/none", 0, "s");
    drop(conn);
    let matched = session
        .subscriptions()
        .import_newsboat_state(&cache)
        .await
        .unwrap();
    assert_eq!(matched, 2);
    let headlines = session
        .db()
        .read_blocking(move |s| s.headlines(&Scope::Feed(id), false))
        .unwrap();
    let state = |title: &str| {
        let h = headlines.iter().find(|h| h.title == title).unwrap();
        (h.read, h.starred)
    };
    assert_eq!(state("A comment"), (true, false));
    assert_eq!(state("Another"), (false, true));
    assert_eq!(state("Third"), (false, false));
}

#[tokio::test(flavor = "multi_thread")]
async fn export_leaves_out_the_built_in_welcome_feed() {
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    session.ensure_first_run().unwrap();
    session
        .subscriptions()
        .add(Subscription {
            url: "https://a.example/feed".into(),
            ..Subscription::default()
        })
        .await
        .unwrap();
    let opml = session.subscriptions().export().await.unwrap();
    assert!(opml.contains("https://a.example/feed"));
    assert!(!opml.contains("tidings:welcome"), "{opml}");
}

#[test]
fn the_welcome_feed_is_added_only_to_a_profile_with_no_feeds() {
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(session.subscriptions().add(Subscription {
        url: "https://a.example/feed".into(),
        ..Subscription::default()
    }))
    .unwrap();
    session.ensure_first_run().unwrap();
    let urls: Vec<String> = feeds(&session).into_iter().map(|f| f.url).collect();
    assert_eq!(urls, ["https://a.example/feed"]);

    let empty = tempfile::tempdir().unwrap();
    let fresh = self::session(empty.path());
    fresh.ensure_first_run().unwrap();
    assert_eq!(feeds(&fresh)[0].url, "tidings:welcome");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_and_import_keep_the_interval_and_full_text() {
    let home = tempfile::tempdir().unwrap();
    let session = session(home.path());
    session
        .subscriptions()
        .add(Subscription {
            url: "https://a.example/feed".into(),
            every: Some(120),
            full_text: true,
            tags: vec!["news".into()],
            ..Subscription::default()
        })
        .await
        .unwrap();
    let opml = session.subscriptions().export().await.unwrap();
    assert!(opml.contains(r#"tidings:every="120""#), "{opml}");
    assert!(opml.contains(r#"tidings:fullText="true""#), "{opml}");
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("subs.opml");
    std::fs::write(&file, &opml).unwrap();
    let copy = self::session(other.path());
    copy.subscriptions().import(&file, false).await.unwrap();
    let feed = &feeds(&copy)[0];
    assert_eq!(feed.interval_minutes, Some(120));
    assert!(feed.full_text);
    assert_eq!(feed.tags, ["news"]);
}
