//! Politeness towards servers, each behaviour against a loopback server that records requests:
//! redirects (followed by our own loop), Retry-After on 429/503, 410 Gone, no cookies or Referer.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::store::{add_feed, add_new_feed, new_feed, temp_store};
use tidings::config::Config;
use tidings::feed::fetch::{
    FetchError, FetchLimits, Fetched, Fetcher, Validators, retry_after_seconds,
};
use tidings::session::db::Db;
use tidings::session::refresh::Refresher;
use tidings::store::{NewFeed, Store, now_unix};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RSS: &str = r#"<rss version="2.0"><channel><title>Moved feed</title>
<item><guid>1</guid><title>Hello</title></item></channel></rss>"#;

fn fetcher() -> Fetcher {
    Fetcher::new(FetchLimits::from(&Config {
        timeout_seconds: 5,
        ..Config::default()
    }))
    .unwrap()
}

async fn redirect(server: &MockServer, from: &str, status: u16, to: &str) {
    Mock::given(method("GET"))
        .and(path(from))
        .respond_with(ResponseTemplate::new(status).insert_header("Location", to))
        .mount(server)
        .await;
}

async fn feed_at(server: &MockServer, at: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(RSS)
                .insert_header("Set-Cookie", "session=abc; Path=/"),
        )
        .mount(server)
        .await;
}

/// A store with one feed at `url`, and a refresher over it.
fn setup(url: &str) -> (tempfile::TempDir, Refresher, std::path::PathBuf) {
    let (dir, mut store, db) = temp_store();
    add_feed(&mut store, url);
    let config = Config {
        timeout_seconds: 5,
        ..Config::default()
    };
    let refresher = Refresher::new(fetcher(), Db::from_store(store).unwrap(), &config);
    (dir, refresher, db)
}

async fn refresh_all(refresher: &Refresher) {
    let (tx, mut rx) = mpsc::channel(16);
    refresher
        .refresh(refresher.feeds(None).await.unwrap(), &tx)
        .await;
    drop(tx);
    while rx.recv().await.is_some() {}
}

#[tokio::test]
async fn permanent_redirect_moves_the_feed_after_it_served_a_feed() {
    let server = MockServer::start().await;
    let base = server.uri();
    redirect(&server, "/old.xml", 301, "/mid.xml").await;
    redirect(&server, "/mid.xml", 308, &format!("{base}/new.xml")).await;
    feed_at(&server, "/new.xml").await;
    let (_dir, refresher, db) = setup(&format!("{base}/old.xml"));
    refresh_all(&refresher).await;
    let feeds = Store::open(&db).unwrap().feed_summaries().unwrap();
    assert_eq!(feeds[0].url, format!("{base}/new.xml"));
    assert_eq!((feeds[0].title.as_str(), feeds[0].total), ("Moved feed", 1));
}

#[tokio::test]
async fn permanent_redirect_to_something_that_is_not_a_feed_keeps_the_old_url() {
    let server = MockServer::start().await;
    let base = server.uri();
    redirect(&server, "/old.xml", 301, "/parked.html").await;
    Mock::given(method("GET"))
        .and(path("/parked.html"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>Domain for sale</body></html>"),
        )
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{base}/old.xml"));
    refresh_all(&refresher).await;
    let feeds = Store::open(&db).unwrap().feed_summaries().unwrap();
    assert_eq!(feeds[0].url, format!("{base}/old.xml"));
    assert!(
        feeds[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("web page, not a feed")
    );
}

#[tokio::test]
async fn temporary_redirects_keep_the_url() {
    for status in [302, 303, 307] {
        let server = MockServer::start().await;
        let base = server.uri();
        redirect(&server, "/old.xml", 301, "/tmp.xml").await;
        redirect(&server, "/tmp.xml", status, "/new.xml").await;
        feed_at(&server, "/new.xml").await;
        let (_dir, refresher, db) = setup(&format!("{base}/old.xml"));
        refresh_all(&refresher).await;
        let feeds = Store::open(&db).unwrap().feed_summaries().unwrap();
        assert_eq!(
            feeds[0].url,
            format!("{base}/old.xml"),
            "a {status} in the chain keeps the URL"
        );
        assert_eq!(feeds[0].total, 1);
    }
}

#[tokio::test]
async fn redirect_to_a_file_url_is_refused() {
    let server = MockServer::start().await;
    redirect(&server, "/feed.xml", 301, "file:///etc/passwd").await;
    let err = fetcher()
        .fetch(
            &format!("{}/feed.xml", server.uri()),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::BadRedirect(_)), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
}

#[tokio::test]
async fn redirect_loops_and_long_chains_end_with_a_clear_error() {
    let server = MockServer::start().await;
    redirect(&server, "/a", 302, "/b").await;
    redirect(&server, "/b", 302, "/a").await;
    let err = fetcher()
        .fetch(&format!("{}/a", server.uri()), &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "redirect refused: redirect loop");

    for i in 0..8 {
        redirect(&server, &format!("/hop{i}"), 302, &format!("/hop{}", i + 1)).await;
    }
    let err = fetcher()
        .fetch(&format!("{}/hop0", server.uri()), &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "redirect refused: more than 5 redirects");
    let requests = server.received_requests().await.unwrap();
    let hops = requests
        .iter()
        .filter(|r| r.url.path().starts_with("/hop"))
        .count();
    assert_eq!(hops, 6, "the first request and five redirects, then stop");

    // Five redirects are fine.
    feed_at(&server, "/hop5").await;
    let server2 = MockServer::start().await;
    for i in 0..5 {
        redirect(&server2, &format!("/r{i}"), 307, &format!("/r{}", i + 1)).await;
    }
    feed_at(&server2, "/r5").await;
    let ok = fetcher()
        .fetch(&format!("{}/r0", server2.uri()), &Validators::default())
        .await
        .unwrap();
    assert!(matches!(ok, Fetched::Body { moved_to: None, .. }));
}

#[tokio::test]
async fn no_cookies_and_no_referer_are_sent() {
    let server = MockServer::start().await;
    redirect(&server, "/start", 302, "/feed.xml").await;
    feed_at(&server, "/feed.xml").await;
    let f = fetcher();
    for _ in 0..2 {
        f.fetch(&format!("{}/start", server.uri()), &Validators::default())
            .await
            .unwrap();
    }
    for request in server.received_requests().await.unwrap() {
        assert!(
            request.headers.get("cookie").is_none(),
            "cookie sent to {}",
            request.url
        );
        assert!(
            request.headers.get("referer").is_none(),
            "referer sent to {}",
            request.url
        );
    }
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7200"))
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{}/feed.xml", server.uri()));
    let before = now_unix();
    refresh_all(&refresher).await;
    let feed = &Store::open(&db).unwrap().feed_summaries().unwrap()[0];
    let wait = feed.next_fetch - before;
    assert!((7200..=7210).contains(&wait), "waits as asked: {wait} s");
    let error = feed.last_error.as_deref().unwrap();
    assert!(
        error.starts_with("HTTP 429: the server asked to wait; next try "),
        "{error}"
    );
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_and_capped_at_a_day() {
    let server = MockServer::start().await;
    let in_an_hour = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    Mock::given(method("GET"))
        .and(path("/soon.xml"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", in_an_hour.as_str()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/never.xml"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "99999999"))
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{}/soon.xml", server.uri()));
    add_feed(
        &mut Store::open(&db).unwrap(),
        &format!("{}/never.xml", server.uri()),
    );
    let before = now_unix();
    refresh_all(&refresher).await;
    for feed in Store::open(&db).unwrap().feed_summaries().unwrap() {
        let wait = feed.next_fetch - before;
        if feed.url.ends_with("soon.xml") {
            assert!(
                (3590..=3610).contains(&wait),
                "HTTP date honoured: {wait} s"
            );
        } else {
            assert!(
                (86_390..=86_410).contains(&wait),
                "capped at a day: {wait} s"
            );
        }
    }
}

#[tokio::test]
async fn gone_stops_polling_and_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(410))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{}/feed.xml", server.uri()));
    refresh_all(&refresher).await;
    let store = Store::open(&db).unwrap();
    let feed = &store.feed_summaries().unwrap()[0];
    assert!(feed.last_error.as_deref().unwrap().contains("410 Gone"));
    assert!(
        feed.last_error
            .as_deref()
            .unwrap()
            .contains("polling stopped")
    );
    assert!(
        store
            .due_feeds(now_unix() + 10 * 365 * 86_400)
            .unwrap()
            .is_empty(),
        "never due again"
    );
}

#[tokio::test]
async fn not_found_and_server_errors_only_back_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{}/feed.xml", server.uri()));
    let before = now_unix();
    refresh_all(&refresher).await;
    let feed = &Store::open(&db).unwrap().feed_summaries().unwrap()[0];
    let wait = feed.next_fetch - before;
    assert!(
        (300..=400).contains(&wait),
        "first failure waits about five minutes: {wait} s"
    );
    assert!(
        feed.last_error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 404; next try")
    );
}

#[test]
fn retry_after_parses_both_forms() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
    assert_eq!(retry_after_seconds("120", now), Some(120));
    assert_eq!(retry_after_seconds(" 0 ", now), Some(0));
    assert_eq!(
        retry_after_seconds("Wed, 21 Oct 2015 07:30:00 GMT", now),
        Some(120)
    );
    assert_eq!(
        retry_after_seconds("Wed, 21 Oct 2015 07:00:00 GMT", now),
        Some(0),
        "a past date means now"
    );
    assert_eq!(retry_after_seconds("soon", now), None);
    assert_eq!(retry_after_seconds("-5", now), None);
}

/// Refreshes one feed served with `template` and returns how long it waits until the next fetch.
async fn wait_after(template: ResponseTemplate, interval_minutes: Option<i64>) -> i64 {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let (_dir, mut store, db) = temp_store();
    add_new_feed(
        &mut store,
        &NewFeed {
            interval_minutes,
            ..new_feed(&format!("{}/feed.xml", server.uri()))
        },
    );
    let refresher = Refresher::new(
        fetcher(),
        Db::from_store(store).unwrap(),
        &Config::default(),
    );
    let before = now_unix();
    refresh_all(&refresher).await;
    let next = Store::open(&db).unwrap().feed_summaries().unwrap()[0].next_fetch;
    next - before
}

#[tokio::test]
async fn default_interval_is_an_hour_with_jitter() {
    let wait = wait_after(ResponseTemplate::new(200).set_body_string(RSS), None).await;
    assert!((3600..=3600 + 360 + 5).contains(&wait), "{wait} s");
}

#[tokio::test]
async fn per_feed_interval_is_used() {
    let wait = wait_after(ResponseTemplate::new(200).set_body_string(RSS), Some(30)).await;
    assert!((1800..=1800 + 180 + 5).contains(&wait), "{wait} s");
}

#[tokio::test]
async fn cache_control_max_age_lengthens_the_wait() {
    let template = ResponseTemplate::new(200)
        .set_body_string(RSS)
        .insert_header("Cache-Control", "max-age=10800");
    let wait = wait_after(template, None).await;
    assert!((10_800..=10_805).contains(&wait), "{wait} s");
    // A shorter max-age never shortens our interval.
    let template = ResponseTemplate::new(200)
        .set_body_string(RSS)
        .insert_header("Cache-Control", "max-age=60");
    assert!(wait_after(template, None).await >= 3600);
}

#[tokio::test]
async fn expires_lengthens_the_wait() {
    let expires = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5 * 3600));
    let template = ResponseTemplate::new(200)
        .set_body_string(RSS)
        .insert_header("Expires", expires.as_str());
    let wait = wait_after(template, None).await;
    assert!((5 * 3600 - 10..=5 * 3600 + 5).contains(&wait), "{wait} s");
}

#[tokio::test]
async fn rss_ttl_and_update_period_lengthen_the_wait_up_to_a_day() {
    let ttl = r#"<rss version="2.0"><channel><title>T</title><ttl>240</ttl><item><guid>1</guid></item></channel></rss>"#;
    let wait = wait_after(ResponseTemplate::new(200).set_body_string(ttl), None).await;
    assert!((4 * 3600..=4 * 3600 + 5).contains(&wait), "ttl: {wait} s");
    let weekly = r#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
        <title>T</title><sy:updatePeriod>weekly</sy:updatePeriod><item><guid>1</guid></item></channel></rss>"#;
    let wait = wait_after(ResponseTemplate::new(200).set_body_string(weekly), None).await;
    assert!(
        (86_400..=86_405).contains(&wait),
        "capped at a day: {wait} s"
    );
}

#[tokio::test]
async fn skip_hours_are_honoured() {
    // Skip every hour but the current one + 3 (UTC): the next fetch lands in that hour.
    let now = chrono::Utc::now();
    use chrono::Timelike;
    let allowed = (now.hour() + 3) % 24;
    let hours: String = (0..24)
        .filter(|h| *h != allowed)
        .map(|h| format!("<hour>{h}</hour>"))
        .collect();
    let rss = format!(
        r#"<rss version="2.0"><channel><title>T</title><skipHours>{hours}</skipHours><item><guid>1</guid></item></channel></rss>"#
    );
    let wait = wait_after(ResponseTemplate::new(200).set_body_string(rss), None).await;
    let next = chrono::DateTime::from_timestamp(now.timestamp() + wait, 0).unwrap();
    assert_eq!(next.hour(), allowed, "next fetch at {next}");
}

#[tokio::test]
async fn starting_twice_within_a_minute_sends_no_second_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(RSS)
                .insert_header("ETag", "\"v1\""),
        )
        .mount(&server)
        .await;
    let (_dir, mut store, db) = temp_store();
    add_feed(&mut store, &format!("{}/feed.xml", server.uri()));
    drop(store);
    for start in 0..2 {
        // What the reader does at start: a poller over its own connection, refreshing what is due.
        let store = Db::from_store(Store::open(&db).unwrap()).unwrap();
        let refresher = Arc::new(Refresher::new(fetcher(), store, &Config::default()));
        let (tx, mut rx) = mpsc::channel(16);
        let (commands, task) = tidings::session::refresh::spawn(Arc::clone(&refresher), tx);
        if start == 0 {
            while let Some(update) = rx.recv().await {
                if matches!(
                    update,
                    tidings::session::refresh::Update::RefreshFinished(_)
                ) {
                    break;
                }
            }
        } else {
            assert!(
                refresher.due_feeds().await.unwrap().is_empty(),
                "nothing is due at the second start"
            );
            // Give a wrongly eager poller the chance to fetch before counting.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        drop(commands);
        task.abort();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// The request log of a normal day: a feed that sends ETags, refreshed once an hour (each hour's
/// refresh run as the poller runs it when the feed is due) shows one conditional GET an hour and
/// nothing else.
#[tokio::test]
async fn a_normal_day_is_one_conditional_request_an_hour() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::header("If-None-Match", "W/\"day-1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "W/\"day-1\""))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(RSS)
                .insert_header("ETag", "W/\"day-1\""),
        )
        .mount(&server)
        .await;
    let (_dir, refresher, db) = setup(&format!("{}/feed.xml", server.uri()));
    for hour in 0..24 {
        let before = now_unix();
        refresh_all(&refresher).await;
        let next = Store::open(&db).unwrap().feed_summaries().unwrap()[0].next_fetch;
        assert!(
            (3600..=3600 + 366).contains(&(next - before)),
            "hour {hour}: next fetch in an hour"
        );
    }
    let log = server.received_requests().await.unwrap();
    println!("request log of one day:");
    for (hour, r) in log.iter().enumerate() {
        let inm = r
            .headers
            .get("if-none-match")
            .map(|v| v.to_str().unwrap_or("?").to_string());
        println!(
            "  {hour:02}:00 {} {} If-None-Match: {inm:?}",
            r.method,
            r.url.path()
        );
    }
    assert_eq!(log.len(), 24, "one request an hour, nothing else");
    assert!(
        log.iter()
            .all(|r| r.method.as_str() == "GET" && r.url.path() == "/feed.xml")
    );
    assert!(
        log[0].headers.get("if-none-match").is_none(),
        "the first request has nothing to validate"
    );
    for r in &log[1..] {
        assert_eq!(r.headers.get("if-none-match").unwrap(), "W/\"day-1\"");
        assert!(
            r.headers.get("if-modified-since").is_none(),
            "no invented date"
        );
    }
    assert_eq!(
        Store::open(&db).unwrap().feed_summaries().unwrap()[0].total,
        1
    );
}
