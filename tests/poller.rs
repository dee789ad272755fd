//! Integration tests of the refresher: real feeds served on 127.0.0.1 (wiremock, or a hand-written
//! server where requests must be counted), stored in a real SQLite cache in a temp dir.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::server::{head_complete, read_head, serve};
use common::store::{add_feed, temp_store};
use tidings::config::Config;
use tidings::feed::fetch::{FetchLimits, Fetcher};
use tidings::session::db::Db;
use tidings::session::refresh::{RefreshSummary, Refresher, Update};
use tidings::store::{FeedSummary, Headline, Scope};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---- harness -----------------------------------------------------------------------------------

struct Env {
    _dir: tempfile::TempDir,
    store: Db,
    refresher: Refresher,
}

impl Env {
    /// A fresh cache with one feed per URL (ids in the same order).
    fn new(config: Config, urls: &[String]) -> (Env, Vec<i64>) {
        let (dir, mut store, _) = temp_store();
        let ids = urls.iter().map(|url| add_feed(&mut store, url)).collect();
        let store = Db::from_store(store).unwrap();
        let fetcher = Fetcher::new(FetchLimits::from(&config)).unwrap();
        let refresher = Refresher::new(fetcher, store.clone(), &config);
        (
            Env {
                _dir: dir,
                store,
                refresher,
            },
            ids,
        )
    }

    /// Refreshes every feed; returns the summary and every update sent.
    async fn refresh_all(&self) -> (RefreshSummary, Vec<Update>) {
        let feeds = self.refresher.feeds(None).await.unwrap();
        let (tx, mut rx) = mpsc::channel(64);
        let summary = self.refresher.refresh(feeds, &tx).await;
        drop(tx);
        let mut updates = Vec::new();
        while let Some(update) = rx.recv().await {
            updates.push(update);
        }
        (summary, updates)
    }

    fn headlines(&self, feed_id: i64) -> Vec<Headline> {
        self.store
            .read_blocking(move |s| s.headlines(&Scope::Feed(feed_id), false))
            .unwrap()
    }

    fn summary_of(&self, feed_id: i64) -> FeedSummary {
        self.store
            .read_blocking(|s| s.feed_summaries())
            .unwrap()
            .into_iter()
            .find(|f| f.id == feed_id)
            .expect("the feed is listed")
    }

    async fn stored_etag(&self, feed_id: i64) -> Option<Vec<u8>> {
        self.refresher
            .feeds(Some(vec![feed_id]))
            .await
            .unwrap()
            .pop()
            .expect("the feed exists")
            .etag
    }
}

fn config() -> Config {
    Config {
        timeout_seconds: 5,
        max_body_bytes: 1024 * 1024,
        ..Default::default()
    }
}

/// An RSS 2.0 document around the given `<item>`s.
fn rss(items: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Test feed</title><link>https://example.com/</link><description>d</description>
{}
</channel></rss>"#,
        items.concat()
    )
}

/// An item with a guid, a link and a date.
fn item(guid: &str, title: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
         <link>https://example.com/{guid}</link>\
         <pubDate>Mon, 01 Jan 2024 12:00:00 GMT</pubDate></item>"
    )
}

fn atom(entries: &[(&str, &str)]) -> String {
    let entries: String = entries
        .iter()
        .map(|(id, title)| {
            format!(
                "<entry><id>{id}</id><title>{title}</title>\
                 <link href=\"https://example.com/{title}\"/>\
                 <updated>2024-01-01T12:00:00Z</updated></entry>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom feed</title><id>urn:test:atom</id><updated>2024-01-01T12:00:00Z</updated>
{entries}
</feed>"#
    )
}

fn xml(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml")
}

fn by_title(headlines: &[Headline]) -> HashMap<String, Headline> {
    headlines
        .iter()
        .map(|h| (h.title.clone(), h.clone()))
        .collect()
}

fn if_none_match(request: &Request) -> Option<&[u8]> {
    request.headers.get("if-none-match").map(|v| v.as_bytes())
}

// ---- tests -------------------------------------------------------------------------------------

#[tokio::test]
async fn one_failing_feed_does_not_stop_the_others() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ok.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            atom(&[("urn:a", "First"), ("urn:b", "Second")]),
            "application/atom+xml",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken.xml"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/stall.xml"))
        .respond_with(xml(rss(&[item("s", "Stalled")])).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let base = server.uri();
    let urls = [
        format!("{base}/broken.xml"),
        format!("{base}/stall.xml"),
        format!("{base}/ok.xml"),
    ];
    let (env, ids) = Env::new(
        Config {
            timeout_seconds: 1,
            ..config()
        },
        &urls,
    );
    let (broken, stall, ok) = (ids[0], ids[1], ids[2]);

    let (summary, updates) = env.refresh_all().await;

    assert_eq!(
        summary,
        RefreshSummary {
            fetched: 1,
            unchanged: 0,
            failed: 2,
            new_articles: 2
        }
    );
    assert_eq!(updates.first(), Some(&Update::RefreshStarted { feeds: 3 }));
    assert_eq!(updates.last(), Some(&Update::RefreshFinished(summary)));
    assert_eq!(updates.len(), 5, "{updates:?}");
    let mut failed = HashMap::new();
    let mut done = Vec::new();
    for update in &updates[1..4] {
        match update {
            Update::FeedFailed { feed_id, error, .. } => {
                failed.insert(*feed_id, error.clone());
            }
            Update::FeedDone {
                feed_id,
                new_articles,
                not_modified,
            } => done.push((*feed_id, *new_articles, *not_modified)),
            other => panic!("unexpected update {other:?}"),
        }
    }
    assert_eq!(done, vec![(ok, 2, false)]);
    assert_eq!(
        failed.keys().copied().collect::<HashSet<_>>(),
        HashSet::from([broken, stall])
    );
    assert!(failed[&broken].contains("500"), "{}", failed[&broken]);
    assert!(failed[&stall].contains("timed out"), "{}", failed[&stall]);

    let titles: HashSet<String> = env.headlines(ok).into_iter().map(|h| h.title).collect();
    assert_eq!(
        titles,
        HashSet::from(["First".to_string(), "Second".to_string()])
    );
    assert!(env.headlines(broken).is_empty());
    assert!(env.headlines(stall).is_empty());

    assert_eq!(env.summary_of(ok).last_error, None);
    assert_eq!(env.summary_of(ok).total, 2);
    let broken_error = env
        .summary_of(broken)
        .last_error
        .expect("an error is recorded");
    assert!(broken_error.contains("500"), "{broken_error}");
    let stall_error = env
        .summary_of(stall)
        .last_error
        .expect("an error is recorded");
    assert!(stall_error.contains("timed out"), "{stall_error}");
}

#[tokio::test]
async fn not_modified_keeps_articles_and_the_stored_etag() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(|r: &Request| if_none_match(r) == Some(&br#""v1""#[..]))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            xml(rss(&[item("a", "Alpha"), item("b", "Beta")])).insert_header("ETag", r#""v1""#),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let (env, ids) = Env::new(config(), &[format!("{}/feed.xml", server.uri())]);
    let id = ids[0];

    let (first, _) = env.refresh_all().await;
    assert_eq!(first.fetched, 1);
    assert_eq!(first.new_articles, 2);
    assert_eq!(env.stored_etag(id).await.as_deref(), Some(&br#""v1""#[..]));
    let before = env.headlines(id);
    assert_eq!(before.len(), 2);

    let (second, updates) = env.refresh_all().await;
    assert_eq!(
        second,
        RefreshSummary {
            fetched: 0,
            unchanged: 1,
            failed: 0,
            new_articles: 0
        }
    );
    assert!(updates.contains(&Update::FeedDone {
        feed_id: id,
        new_articles: 0,
        not_modified: true
    }));
    assert_eq!(env.headlines(id), before);
    assert_eq!(env.stored_etag(id).await.as_deref(), Some(&br#""v1""#[..]));
    assert_eq!(env.summary_of(id).last_error, None);

    // The 304 carried no ETag: the stored one is still sent.
    let (third, _) = env.refresh_all().await;
    assert_eq!(third.unchanged, 1);
    assert_eq!(env.headlines(id), before);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(if_none_match(&requests[0]), None);
    assert_eq!(if_none_match(&requests[1]), Some(&br#""v1""#[..]));
    assert_eq!(if_none_match(&requests[2]), Some(&br#""v1""#[..]));
}

#[tokio::test]
async fn not_modified_with_a_new_etag_replaces_the_stored_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(xml(rss(&[item("a", "Alpha")])).insert_header("ETag", r#""v1""#))
        .mount(&server)
        .await;
    let (env, ids) = Env::new(config(), &[format!("{}/feed.xml", server.uri())]);
    let id = ids[0];
    env.refresh_all().await;

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", r#""v2""#))
        .mount(&server)
        .await;
    let (summary, _) = env.refresh_all().await;
    assert_eq!(summary.unchanged, 1);
    assert_eq!(env.stored_etag(id).await.as_deref(), Some(&br#""v2""#[..]));
    env.refresh_all().await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(if_none_match(&requests[0]), Some(&br#""v1""#[..]));
    assert_eq!(if_none_match(&requests[1]), Some(&br#""v2""#[..]));
    assert_eq!(env.headlines(id).len(), 1);
}

#[tokio::test]
async fn refetch_never_duplicates_and_keeps_read_and_starred() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(xml(rss(&[
            item("a", "Alpha"),
            item("b", "Beta"),
            item("c", "Gamma"),
        ])))
        .mount(&server)
        .await;
    let (env, ids) = Env::new(config(), &[format!("{}/feed.xml", server.uri())]);
    let id = ids[0];

    let (first, _) = env.refresh_all().await;
    assert_eq!(first.new_articles, 3);
    let before = by_title(&env.headlines(id));
    assert_eq!(before.len(), 3);
    let (alpha, beta, gamma) = (before["Alpha"].id, before["Beta"].id, before["Gamma"].id);
    env.store
        .write_blocking(move |store| {
            store.set_read(alpha, true)?;
            store.set_starred(beta, true)
        })
        .unwrap();

    // Same items (one retitled) plus a new one.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(xml(rss(&[
            item("d", "Delta"),
            item("a", "Alpha"),
            item("b", "Beta, corrected"),
            item("c", "Gamma"),
        ])))
        .mount(&server)
        .await;
    let (second, updates) = env.refresh_all().await;
    assert_eq!(second.new_articles, 1);
    assert_eq!(second.fetched, 1);
    assert!(updates.contains(&Update::FeedDone {
        feed_id: id,
        new_articles: 1,
        not_modified: false
    }));

    let after: HashMap<i64, Headline> = env.headlines(id).into_iter().map(|h| (h.id, h)).collect();
    assert_eq!(after.len(), 4);
    assert!(after[&alpha].read && !after[&alpha].starred);
    assert!(after[&beta].starred && !after[&beta].read);
    assert_eq!(after[&beta].title, "Beta, corrected");
    assert!(!after[&gamma].read && !after[&gamma].starred);
    let delta = after
        .values()
        .find(|h| h.title == "Delta")
        .expect("the new item is stored");
    assert!(!delta.read && !delta.starred);

    // And once more with nothing new.
    let (third, _) = env.refresh_all().await;
    assert_eq!(third.new_articles, 0);
    assert_eq!(env.headlines(id).len(), 4);
    let summary = env.summary_of(id);
    assert_eq!((summary.total, summary.unread), (4, 3));
}

#[tokio::test]
async fn items_without_guid_keep_stable_ids() {
    let feed = rss(&[
        "<item><title>Linked one</title><link>https://example.com/1</link></item>".to_string(),
        "<item><title>Linked two</title><link>https://example.com/2</link></item>".to_string(),
        "<item><title>Only a title</title></item>".to_string(),
        "<item><description>Only a description</description></item>".to_string(),
    ]);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(xml(feed))
        .mount(&server)
        .await;
    let (env, ids) = Env::new(config(), &[format!("{}/feed.xml", server.uri())]);
    let id = ids[0];

    let (first, _) = env.refresh_all().await;
    assert_eq!(first.new_articles, 4);
    let mut before: Vec<i64> = env.headlines(id).into_iter().map(|h| h.id).collect();
    before.sort_unstable();

    let (second, updates) = env.refresh_all().await;
    assert_eq!(second.new_articles, 0);
    assert_eq!(second.fetched, 1);
    assert!(updates.contains(&Update::FeedDone {
        feed_id: id,
        new_articles: 0,
        not_modified: false
    }));
    let mut after: Vec<i64> = env.headlines(id).into_iter().map(|h| h.id).collect();
    after.sort_unstable();
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_failure_keeps_articles_and_validators_and_recovery_clears_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(xml(rss(&[item("a", "Alpha")])).insert_header("ETag", r#""v1""#))
        .mount(&server)
        .await;
    let (env, ids) = Env::new(config(), &[format!("{}/feed.xml", server.uri())]);
    let id = ids[0];
    env.refresh_all().await;

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (failed, _) = env.refresh_all().await;
    assert_eq!(failed.failed, 1);
    assert_eq!(env.headlines(id).len(), 1);
    assert!(env.summary_of(id).last_error.is_some());
    assert_eq!(env.stored_etag(id).await.as_deref(), Some(&br#""v1""#[..]));

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(xml(rss(&[item("a", "Alpha"), item("b", "Beta")])))
        .mount(&server)
        .await;
    let (recovered, _) = env.refresh_all().await;
    assert_eq!(recovered.fetched, 1);
    assert_eq!(recovered.new_articles, 1);
    assert_eq!(env.summary_of(id).last_error, None);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(if_none_match(&requests[0]), Some(&br#""v1""#[..]));
}

#[tokio::test]
async fn requests_to_one_host_respect_max_per_host() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let addr = {
        let (in_flight, max_seen, served) = (
            Arc::clone(&in_flight),
            Arc::clone(&max_seen),
            Arc::clone(&served),
        );
        serve(move |mut stream| {
            let (in_flight, max_seen, served) = (
                Arc::clone(&in_flight),
                Arc::clone(&max_seen),
                Arc::clone(&served),
            );
            async move {
                let head = read_head(&mut stream).await;
                if !head_complete(&head) {
                    return;
                }
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_seen.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                // Counted out before answering, so a request counted here always holds one of
                // the client's permits: the count can only be under the client's, never over.
                in_flight.fetch_sub(1, Ordering::SeqCst);
                served.fetch_add(1, Ordering::SeqCst);
                let first_line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let path = first_line.split(' ').nth(1).unwrap_or("/").to_string();
                let body = rss(&[item(&path, &format!("Item at {path}"))]);
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        })
        .await
    };
    let urls: Vec<String> = (1..=6).map(|i| format!("http://{addr}/feed/{i}")).collect();
    let (env, ids) = Env::new(
        Config {
            max_per_host: 2,
            max_concurrent_fetches: 8,
            ..config()
        },
        &urls,
    );

    let (summary, _) = env.refresh_all().await;

    assert_eq!(
        summary,
        RefreshSummary {
            fetched: 6,
            unchanged: 0,
            failed: 0,
            new_articles: 6
        }
    );
    assert_eq!(served.load(Ordering::SeqCst), 6);
    let max = max_seen.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&max),
        "{max} requests were in flight at once"
    );
    for id in ids {
        assert_eq!(env.headlines(id).len(), 1);
    }
}
