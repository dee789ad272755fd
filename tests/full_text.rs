//! Full articles end to end on loopback: a feed whose items link to pages on the same test server; the
//! poller fetches each page, extracts the article and stores it; it reads back offline.

mod common;

use chrono::FixedOffset;
use common::store::{add_feed, add_new_feed, new_feed, temp_store};
use tidings::config::Config;
use tidings::feed::fetch::{FetchLimits, Fetcher, Reach};
use tidings::session::article::ArticleDoc;
use tidings::session::db::Db;
use tidings::session::refresh::{Refresher, Update};
use tidings::store::{NewFeed, Scope, Store};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PARAGRAPHS: [&str; 3] = [
    "The river rose four metres overnight, the highest level recorded since the flood defences were built.",
    "Volunteers filled sandbags through the night while the council opened two schools as shelters for families.",
    "Engineers expect the water to fall by the weekend, but warned that more rain is forecast for the valley.",
];

fn page() -> String {
    let body: String = PARAGRAPHS.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>River rises - Valley News</title></head>
<body>
<nav class="menu"><a href="/">Home</a> / <a href="/local">Local</a> / River rises</nav>
<div class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Cat stuck in tree</a></li><li><a href="/b">Bake sale</a></li></ul></div>
<article class="post"><h1>River rises to record level</h1>
{body}
<div class="share-buttons"><a href="/s/fb">Facebook</a> <a href="/s/tw">Twitter</a> <a href="/s/mail">Email</a></div>
</article>
<div id="comments"><h3>Leave a Reply</h3><p>Your email address will not be published. Required fields are marked *</p>
<form><textarea></textarea></form></div>
<footer>Copyright 2026 Valley News. All rights reserved.</footer>
</body></html>"#
    )
}

fn feed_xml(base: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<item><guid>river</guid><title>River rises to record level</title><link>{base}/river.html</link>
<description>The river rose overnight…</description></item>
<item><guid>gone</guid><title>Missing page</title><link>{base}/gone.html</link>
<description>Teaser of a page that is gone.</description></item>
</channel></rss>"#
    )
}

fn refresher(store: Store) -> Refresher {
    let config = Config {
        timeout_seconds: 5,
        ..Config::default()
    };
    let fetcher = Fetcher::new(FetchLimits::from(&config)).unwrap();
    Refresher::new(fetcher, Db::from_store(store).unwrap(), &config)
}

#[tokio::test]
async fn full_articles_are_fetched_extracted_and_read_offline() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(feed_xml(&base)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/river.html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page(), "text/html; charset=utf-8"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone.html"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let (_dir, mut store, db) = temp_store();
    add_new_feed(
        &mut store,
        &NewFeed {
            full_text: true,
            ..new_feed(&format!("{base}/feed.xml"))
        },
    );
    let refresher = refresher(store);
    let feeds = refresher.feeds(None).await.unwrap();
    assert!(feeds[0].full_text);
    let (tx, mut rx) = mpsc::channel(16);
    let summary = refresher.refresh(feeds, &tx).await;
    assert_eq!((summary.fetched, summary.new_articles), (1, 2));
    drop(tx);
    while rx.recv().await.is_some() {}

    // The server goes away: everything below is read from the cache.
    drop(server);
    drop(refresher);
    let store = Store::open(&db).unwrap();
    let heads = store.headlines(&Scope::All, false).unwrap();
    let river = heads.iter().find(|h| h.title.starts_with("River")).unwrap();
    let article = store.article(river.id).unwrap().unwrap();
    let full = article.full_content.as_deref().expect("full text stored");
    let mut at = 0;
    for p in PARAGRAPHS {
        let found = full[at..]
            .find(p)
            .unwrap_or_else(|| panic!("missing or out of order: {p}\n{full}"));
        at += found + p.len();
    }
    for junk in [
        "Leave a Reply",
        "Cat stuck in tree",
        "All rights reserved",
        "Required fields",
    ] {
        assert!(!full.contains(junk), "boilerplate {junk:?} kept:\n{full}");
    }
    let doc = ArticleDoc::build(&article, 80, FixedOffset::east_opt(0).unwrap(), true);
    assert!(doc.body.join(" ").contains("Volunteers filled sandbags"));

    let gone = heads.iter().find(|h| h.title == "Missing page").unwrap();
    let gone = store.article(gone.id).unwrap().unwrap();
    assert!(gone.full_content.is_none());
    assert_eq!(gone.full_error.as_deref(), Some("HTTP 404"));
    let doc = ArticleDoc::build(&gone, 80, FixedOffset::east_opt(0).unwrap(), true);
    assert!(
        doc.body.join(" ").contains("Teaser of a page that is gone"),
        "falls back to the feed text"
    );
    assert!(
        doc.fields
            .iter()
            .any(|(k, v)| *k == "Text" && v.contains("failed"))
    );
}

#[tokio::test]
async fn full_text_on_demand_for_a_feed_without_the_setting() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(feed_xml(&base)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/river.html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page(), "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, mut store, db) = temp_store();
    add_feed(&mut store, &format!("{base}/feed.xml"));
    let refresher = refresher(store);
    let (tx, mut rx) = mpsc::channel(16);
    refresher
        .refresh(refresher.feeds(None).await.unwrap(), &tx)
        .await;
    while let Ok(update) = rx.try_recv() {
        assert!(
            !matches!(update, Update::FullTextDone { .. }),
            "no pages fetched without the setting"
        );
    }
    let id = {
        let s = Store::open(&db).unwrap();
        s.headlines(&Scope::All, false)
            .unwrap()
            .into_iter()
            .find(|h| h.title.starts_with("River"))
            .unwrap()
            .id
    };
    refresher.fetch_full_text_of(id, &tx).await;
    assert_eq!(
        rx.recv().await,
        Some(Update::FullTextDone {
            article_id: id,
            error: None
        })
    );
    let s = Store::open(&db).unwrap();
    assert!(
        s.article(id)
            .unwrap()
            .unwrap()
            .full_content
            .unwrap()
            .contains(PARAGRAPHS[1])
    );
}

#[tokio::test]
async fn a_non_html_link_is_refused_with_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/file.zip"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![0u8; 64], "application/zip"))
        .mount(&server)
        .await;
    let fetcher = Fetcher::new(FetchLimits::from(&Config::default())).unwrap();
    let err = fetcher
        .fetch_page(&format!("{}/file.zip", server.uri()), Reach::Anywhere)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not a web page (application/zip)");
    let err = fetcher
        .fetch_page("file:///etc/passwd", Reach::Anywhere)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unsupported URL scheme"), "{err}");
}

#[test]
fn pages_are_decoded_with_their_charset() {
    use tidings::feed::fetch::decode_html;
    let latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
    assert!(decode_html(latin1, None).contains("café"));
    let header = b"<html><body>na\xefve</body></html>";
    assert!(decode_html(header, Some("text/html; charset=windows-1252")).contains("naïve"));
    let broken = b"<p>ok \xff bytes</p>";
    assert!(
        decode_html(broken, None).contains("ok \u{fffd} bytes"),
        "invalid bytes replaced, not dropped"
    );
}

#[tokio::test]
async fn links_a_feed_supplied_may_not_reach_the_local_network() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/river.html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page(), "text/html"))
        .mount(&server)
        .await;
    let fetcher = Fetcher::new(FetchLimits::from(&Config::default())).unwrap();
    let url = format!("{}/river.html", server.uri());
    assert!(
        fetcher.fetch_page(&url, Reach::Anywhere).await.is_ok(),
        "a user's own local server is fine"
    );
    let err = fetcher
        .fetch_page(&url, Reach::PublicOnly)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("local or private network address"),
        "{err}"
    );
    for private in [
        "http://10.1.2.3/x",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
    ] {
        let err = fetcher
            .fetch_page(private, Reach::PublicOnly)
            .await
            .unwrap_err();
        assert!(
            matches!(err, tidings::feed::fetch::FetchError::PrivateAddress(_)),
            "{private}: {err}"
        );
    }
    assert!(
        server.received_requests().await.unwrap().len() == 1,
        "refused before any request"
    );
}

#[test]
fn public_and_private_addresses() {
    use std::net::IpAddr;
    use tidings::feed::fetch::is_public;
    for ip in [
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
        "8.8.8.8",
    ] {
        assert!(is_public(&ip.parse::<IpAddr>().unwrap()), "{ip}");
    }
    for ip in [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ] {
        assert!(!is_public(&ip.parse::<IpAddr>().unwrap()), "{ip}");
    }
}
