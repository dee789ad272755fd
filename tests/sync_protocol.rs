//! The sync protocol clients (`tidings::source`): against real servers (Tiny Tiny RSS and
//! Coldsweat's Fever API, started from `../shared/tools/sync-servers`, each once per test binary,
//! fetching feeds from a loopback feed server), and against loopback servers the tests start that
//! answer with captured or hand-written responses (`tests/fixtures/sync/`) or misbehave: garbage
//! JSON, wrong types, HTML error pages, HTTP errors, huge bodies, silence.
//!
//! The real-server tests print how many HTTP requests each call made. Without the servers'
//! scripts they print `skipped: …` (`TIDINGS_SYNC_TESTS=required` makes that a failure).

mod common;

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::server::{read_head, serve};
use common::sync_servers::{FeedServer, Kind, SyncServer, items, rss};
use tidings::source::remote::{Credentials, Flag, RemoteArticle, RemoteError, RemoteFeed};
use tidings::source::{Remote, fever, ttrss};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_BODY: usize = 1024 * 1024;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client with a longer timeout, for real servers (TT-RSS fetches a feed before it answers
/// `subscribeToFeed`).
fn patient_http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn creds(url: &str, user: &str, password: &str) -> Credentials {
    Credentials {
        url: url.into(),
        user: user.into(),
        password: password.into(),
    }
}

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/sync/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Runs `$call`, printing how many requests and how long it took.
macro_rules! counted {
    ($client:expr, $label:expr, $call:expr) => {{
        let before = $client.requests();
        let started = Instant::now();
        let out = $call;
        println!(
            "  {:<48} {:>3} requests {:>6} ms",
            $label,
            $client.requests() - before,
            started.elapsed().as_millis()
        );
        out
    }};
}

// ------------------------------------------------------------------------------------------------
// Loopback servers that answer as the test says
// ------------------------------------------------------------------------------------------------

/// A request as the test server saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// Path and query.
    target: String,
    body: String,
}

impl Seen {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
    fn form(&self, key: &str) -> Option<String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }
    fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
}

enum Reply {
    Full {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// A body of this many bytes, announced in Content-Length.
    HugeWithLength(usize),
    /// A chunked body of this many bytes (no length announced).
    HugeChunked(usize),
    /// Headers, then a byte now and then.
    Drip,
    /// Nothing at all.
    Silent,
}

fn json_reply(body: Vec<u8>) -> Reply {
    Reply::Full {
        status: 200,
        content_type: "text/json; charset=utf-8",
        body,
    }
}

fn status_reply(status: u16, body: Vec<u8>) -> Reply {
    Reply::Full {
        status,
        content_type: "text/html",
        body,
    }
}

struct TestServer {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A server answering each request with `handler`'s reply.
async fn server(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> TestServer {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let log = seen.clone();
    let addr = serve(move |mut stream| {
        let handler = handler.clone();
        let log = log.clone();
        async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            log.lock().unwrap().push(request.clone());
            let reply = handler(&request);
            write_reply(&mut stream, reply).await;
        }
    })
    .await;
    TestServer {
        base: format!("http://{addr}"),
        seen,
    }
}

/// A server answering with `replies` in turn (the last one again when they run out).
async fn canned(replies: Vec<Reply>) -> TestServer {
    let replies: Vec<Mutex<Option<Reply>>> =
        replies.into_iter().map(|r| Mutex::new(Some(r))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let last = replies.len() - 1;
    server(move |_| {
        let at = next
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .min(last);
        let mut slot = replies[at].lock().unwrap();
        match slot.as_ref() {
            Some(Reply::Full {
                status,
                content_type,
                body,
            }) if at == last => Reply::Full {
                status: *status,
                content_type,
                body: body.clone(),
            },
            _ => slot.take().unwrap_or(Reply::Silent),
        }
    })
    .await
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut bytes = read_head(stream).await;
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let target = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut buf = [0u8; 8192];
    while bytes.len() < end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    }
    let body = String::from_utf8_lossy(&bytes[end..]).into_owned();
    Some(Seen { target, body })
}

async fn write_reply(stream: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Full {
            status,
            content_type,
            body,
        } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        }
        Reply::HugeWithLength(n) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/json\r\nContent-Length: {n}\r\n\
                 Connection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < n {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
        }
        Reply::HugeChunked(n) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/json\r\n\
                        Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let data = vec![b' '; 64 * 1024];
            let chunk = [
                format!("{:x}\r\n", data.len()).into_bytes(),
                data,
                b"\r\n".to_vec(),
            ]
            .concat();
            let mut sent = 0;
            while sent < n {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += 64 * 1024;
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
        Reply::Drip => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/json\r\nContent-Length: 1000\r\n\r\n{";
            let _ = stream.write_all(head.as_bytes()).await;
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if stream.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
    }
    let _ = stream.shutdown().await;
}

fn ttrss_client(base: &str) -> ttrss::Client {
    ttrss::Client::new(creds(base, "admin", "s3cret-pass"), http(), MAX_BODY).expect("client")
}

fn fever_client(base: &str) -> fever::Client {
    fever::Client::new(
        creds(
            &format!("{base}/fever/?api"),
            "test@example.com",
            "password1234",
        ),
        http(),
        MAX_BODY,
    )
    .expect("client")
}

/// The error's message, checked to hold neither the password nor the session id.
fn shown(e: &RemoteError) -> String {
    let text = e.to_string();
    for secret in ["s3cret-pass", "password1234", "fixture-session-0123456789"] {
        assert!(!text.contains(secret), "{text}");
    }
    text
}

// ------------------------------------------------------------------------------------------------
// TT-RSS against canned answers
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn ttrss_reads_loose_json_ids_as_strings_and_flags_as_letters() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/headlines_loose.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let got = c.articles_after(0, 10).await.expect("articles");
    let ids: Vec<i64> = got.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![10, 11, 12], "ascending by id");
    let twelve = &got[2];
    assert_eq!(
        twelve,
        &RemoteArticle {
            id: 12,
            feed_id: 3,
            title: "2024".into(),
            author: None,
            link: Some("http://127.0.0.1/a".into()),
            content: Some("<p>twelve</p>".into()),
            published: Some(1_704_103_200),
            updated: None,
            unread: true,
            starred: false,
        }
    );
    assert!(got[0].unread && got[0].starred);
    assert_eq!(got[0].published, Some(1_704_016_800));
    assert_eq!(got[1].link, None, "an empty link is no link");
    assert_eq!(got[1].author.as_deref(), Some("Someone"));
    assert!(!got[1].unread && got[1].starred);
    assert_eq!((got[1].feed_id, got[1].published), (0, None));
    assert_eq!(c.requests(), 2);

    let seen = s.seen();
    assert_eq!(seen[0].target, "/api/");
    let login = seen[0].json();
    assert_eq!(
        (login["op"].as_str(), login["user"].as_str()),
        (Some("login"), Some("admin"))
    );
    let headlines = seen[1].json();
    assert_eq!(headlines["op"], "getHeadlines");
    assert_eq!(headlines["sid"], "fixture-session-0123456789");
    assert_eq!(headlines["feed_id"], -4);
    assert_eq!(headlines["since_id"], 0);
    assert_eq!(headlines["show_content"], true);
}

#[tokio::test]
async fn ttrss_reads_captured_answers() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/categories_captured.json")),
        json_reply(fixture("ttrss/feeds_captured.json")),
        json_reply(fixture("ttrss/headlines_captured.json")),
    ])
    .await;
    let mut c = ttrss_client(&format!("{}/api/", s.base));
    let feeds = c.feeds().await.expect("feeds");
    assert_eq!(
        feeds,
        vec![RemoteFeed {
            id: 1,
            title: "Feed A".into(),
            feed_url: "http://127.0.0.1:28299/A.xml".into(),
            site_url: None,
            category: None,
            unread: Some(6),
        }]
    );
    let got = c.articles_after(0, 10).await.expect("articles");
    assert_eq!(got.iter().map(|a| a.id).collect::<Vec<_>>(), vec![4, 5, 6]);
    assert_eq!(got[2].title, "A item 6");
    assert_eq!(got[2].content.as_deref(), Some("<p>body A 6</p>"));
    assert_eq!(c.requests(), 4);
}

#[tokio::test]
async fn ttrss_feeds_get_their_category_names() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/categories.json")),
        json_reply(fixture("ttrss/feeds.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let feeds = c.feeds().await.expect("feeds");
    let cats: Vec<(i64, Option<&str>)> = feeds
        .iter()
        .map(|f| (f.id, f.category.as_deref()))
        .collect();
    assert_eq!(cats, vec![(1, Some("News")), (2, None), (3, None)]);
    assert_eq!(s.seen()[1].json()["include_empty"], true);
    assert_eq!(s.seen()[2].json()["cat_id"], -3);
}

#[tokio::test]
async fn ttrss_renews_a_forgotten_session_once() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/not_logged_in_captured.json")),
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/update_ok.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    c.set_flag(&[1, 2], Flag::Read).await.expect("renewed");
    let ops: Vec<String> = s
        .seen()
        .iter()
        .map(|r| r.json()["op"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        ops,
        ["login", "updateArticle", "login", "updateArticle"],
        "one new login, then the call again"
    );
    let update = s.seen()[3].json();
    assert_eq!(
        (
            update["article_ids"].as_str(),
            &update["field"],
            &update["mode"]
        ),
        (Some("1,2"), &serde_json::json!(2), &serde_json::json!(0))
    );
    assert_eq!(c.requests(), 4);

    // A server that forgets every session: one renewal, then an error (no loop).
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/not_logged_in_captured.json")),
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/not_logged_in_captured.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let e = c.unread_ids().await.expect_err("forgets");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    println!("{}", shown(&e));
    assert_eq!(c.requests(), 4);
}

#[tokio::test]
async fn ttrss_login_failures_are_auth_errors() {
    let s = canned(vec![json_reply(fixture("ttrss/login_error_captured.json"))]).await;
    let e = ttrss_client(&s.base).login().await.expect_err("refused");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    assert!(shown(&e).contains("wrong user name or password"), "{e}");

    let s = canned(vec![json_reply(fixture("ttrss/api_disabled.json"))]).await;
    let e = ttrss_client(&s.base).feeds().await.expect_err("disabled");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    assert!(shown(&e).contains("Enable API"), "{e}");
}

#[tokio::test]
async fn ttrss_garbage_answers_say_what_is_wrong() {
    let cases: Vec<(Reply, &str)> = vec![
        (
            json_reply(fixture("ttrss/headlines_wrong_types.json")),
            "unexpected JSON",
        ),
        (
            json_reply(fixture("ttrss/headlines_not_a_list.json")),
            "unexpected JSON",
        ),
        (json_reply(fixture("ttrss/truncated.json")), "cut short"),
        (json_reply(fixture("ttrss/no_status.json")), "status"),
        (json_reply(fixture("php_fatal.txt")), "not valid JSON"),
        (json_reply(fixture("error_page.html")), "web page"),
        (json_reply(Vec::new()), "empty"),
        (json_reply(b"\xff\xfe{}".to_vec()), "not valid JSON"),
    ];
    for (reply, expected) in cases {
        let s = canned(vec![json_reply(fixture("ttrss/login_ok.json")), reply]).await;
        let e = ttrss_client(&s.base)
            .articles_after(0, 10)
            .await
            .expect_err("garbage");
        let text = shown(&e);
        assert!(matches!(e, RemoteError::Garbage(_)), "{e:?}");
        assert!(text.contains(expected), "{text:?} should say {expected:?}");
        println!("{text}");
    }
    // An unknown error code is reported, without its control characters.
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/unknown_error.json")),
    ])
    .await;
    let e = ttrss_client(&s.base)
        .starred_ids()
        .await
        .expect_err("error");
    assert!(matches!(e, RemoteError::Api(_)), "{e:?}");
    let text = shown(&e);
    assert!(
        !text.contains('\u{1b}') && text.contains("SOMETHING_"),
        "{text:?}"
    );
}

#[tokio::test]
async fn http_errors_are_reported_by_status() {
    for (status, expect_auth) in [
        (401, true),
        (403, true),
        (404, false),
        (500, false),
        (502, false),
    ] {
        let s = canned(vec![status_reply(status, fixture("error_page.html"))]).await;
        let e = ttrss_client(&s.base).login().await.expect_err("http error");
        let text = shown(&e);
        if expect_auth {
            assert!(matches!(e, RemoteError::Auth(_)), "{status}: {e:?}");
            assert!(text.contains(&status.to_string()), "{text}");
        } else {
            assert!(matches!(e, RemoteError::Http(s) if s == status), "{e:?}");
        }
        let s = canned(vec![status_reply(status, fixture("error_page.html"))]).await;
        let e = fever_client(&s.base)
            .unread_ids()
            .await
            .expect_err("http error");
        assert_eq!(matches!(e, RemoteError::Auth(_)), expect_auth, "{e:?}");
    }
}

#[tokio::test]
async fn huge_bodies_are_cut_off_at_the_cap() {
    for reply in [
        Reply::HugeWithLength(50 * MAX_BODY),
        Reply::HugeChunked(50 * MAX_BODY),
    ] {
        let started = Instant::now();
        let s = canned(vec![reply]).await;
        let e = ttrss_client(&s.base).login().await.expect_err("too large");
        assert!(matches!(e, RemoteError::TooLarge(MAX_BODY)), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        println!("{}", shown(&e));
    }
    // Just under the cap is fine.
    let mut body = fixture("fever/auth_ok_captured.json");
    body.resize(MAX_BODY, b' ');
    let s = canned(vec![json_reply(body)]).await;
    fever_client(&s.base).login().await.expect("at the cap");
}

#[tokio::test]
async fn silent_and_slow_servers_time_out() {
    for reply in [Reply::Silent, Reply::Drip] {
        let s = canned(vec![reply]).await;
        let started = Instant::now();
        let e = fever_client(&s.base).login().await.expect_err("timeout");
        let took = started.elapsed();
        assert!(matches!(e, RemoteError::Unreachable(_)), "{e:?}");
        assert!(shown(&e).contains("in time"), "{e}");
        assert!(took < Duration::from_secs(4), "{took:?}");
    }
    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = ttrss_client(&format!("http://127.0.0.1:{port}/"))
        .login()
        .await
        .expect_err("refused");
    assert!(matches!(e, RemoteError::Unreachable(_)), "{e:?}");
    println!("{}", shown(&e));
}

#[tokio::test]
async fn ttrss_subscribes_into_an_existing_category_only() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/categories.json")),
        json_reply(fixture("ttrss/subscribe_ok.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let id = c
        .subscribe("http://127.0.0.1/feed.xml", Some(" news "))
        .await
        .expect("subscribed");
    assert_eq!(id, 42);
    let sub = s.seen()[2].json();
    assert_eq!(sub["op"], "subscribeToFeed");
    assert_eq!(sub["feed_url"], "http://127.0.0.1/feed.xml");
    assert_eq!(sub["category_id"], 7, "matched ignoring case");

    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/categories.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let e = c
        .subscribe("http://127.0.0.1/feed.xml", Some("Nowhere"))
        .await
        .expect_err("no such category");
    assert!(matches!(e, RemoteError::Unsupported(_)), "{e:?}");
    assert_eq!(c.requests(), 2, "nothing subscribed");

    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/subscribe_download_failed.json")),
    ])
    .await;
    let e = ttrss_client(&s.base)
        .subscribe("http://127.0.0.1/feed.xml", None)
        .await
        .expect_err("failed");
    assert!(matches!(e, RemoteError::Api(_)), "{e:?}");
    assert!(
        shown(&e).contains("could not download the feed: HTTP/1.0 404"),
        "{e}"
    );
}

#[tokio::test]
async fn ttrss_sends_flags_in_batches() {
    let s = canned(vec![
        json_reply(fixture("ttrss/login_ok.json")),
        json_reply(fixture("ttrss/update_ok.json")),
    ])
    .await;
    let mut c = ttrss_client(&s.base);
    let ids: Vec<i64> = (1..=2500).collect();
    c.set_flag(&ids, Flag::Star).await.expect("starred");
    c.set_flag(&[], Flag::Unstar).await.expect("nothing to do");
    let seen = s.seen();
    assert_eq!(seen.len(), 4, "login + 3 batches");
    let sizes: Vec<usize> = seen[1..]
        .iter()
        .map(|r| {
            let v = r.json();
            assert_eq!(
                (v["field"].as_i64(), v["mode"].as_i64()),
                (Some(0), Some(1))
            );
            v["article_ids"].as_str().unwrap().split(',').count()
        })
        .collect();
    assert_eq!(sizes, vec![1000, 1000, 500]);
}

/// A TT-RSS that behaves like the real one where it matters: `getHeadlines` newest first, at
/// most 200 rows, `since_id` and `skip`; `getArticle` with many ids.
async fn ttrss_simulation(ids: Vec<i64>) -> TestServer {
    server(move |request| {
        let v = request.json();
        let content = match v["op"].as_str().unwrap_or("") {
            "login" => serde_json::json!({ "session_id": "sim", "api_level": 15 }),
            "getHeadlines" => {
                let since = v["since_id"].as_i64().unwrap_or(0);
                let skip = v["skip"].as_u64().unwrap_or(0) as usize;
                let limit = (v["limit"].as_u64().unwrap_or(200) as usize).min(200);
                let with_content = v["show_content"] == true;
                let rows: Vec<serde_json::Value> = ids
                    .iter()
                    .rev()
                    .filter(|&&id| id > since)
                    .skip(skip)
                    .take(limit)
                    .map(|&id| {
                        let mut row = serde_json::json!({ "id": id, "title": format!("t{id}"), "unread": true, "updated": id });
                        if with_content {
                            row["content"] = serde_json::json!(format!("c{id}"));
                        }
                        row
                    })
                    .collect();
                serde_json::Value::from(rows)
            }
            "getArticle" => {
                let wanted: Vec<i64> = v["article_id"]
                    .as_str()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|s| s.parse().ok())
                    .filter(|id| ids.contains(id))
                    .collect();
                serde_json::Value::from(
                    wanted
                        .iter()
                        .map(|&id| serde_json::json!({ "id": id.to_string(), "title": format!("t{id}"), "content": format!("c{id}"), "unread": "t" }))
                        .collect::<Vec<_>>(),
                )
            }
            _ => serde_json::json!({ "error": "UNKNOWN_METHOD" }),
        };
        let status = if content.get("error").is_some() { 1 } else { 0 };
        json_reply(
            serde_json::json!({ "seq": 0, "status": status, "content": content })
                .to_string()
                .into_bytes(),
        )
    })
    .await
}

#[tokio::test]
async fn ttrss_pages_through_more_than_two_hundred_new_articles_in_id_order() {
    let ids: Vec<i64> = (1..=450).map(|n| n * 3).collect();
    let s = ttrss_simulation(ids.clone()).await;
    let mut c = ttrss_client(&s.base);
    let mut since = 0;
    let mut got = Vec::new();
    let mut calls = Vec::new();
    loop {
        let before = c.requests();
        let page = c.articles_after(since, 100).await.expect("page");
        calls.push(c.requests() - before);
        let Some(last) = page.last() else { break };
        assert!(page.windows(2).all(|w| w[0].id < w[1].id), "ascending");
        assert!(
            page.iter()
                .all(|a| a.content.as_deref() == Some(&*format!("c{}", a.id)))
        );
        since = last.id;
        got.extend(page.into_iter().map(|a| a.id));
    }
    assert_eq!(got, ids, "every article once, in id order");
    println!("requests per articles_after(since, 100) over 450 articles: {calls:?}");
    // login + 3 listing pages + 1 getArticle; then one getArticle a call from the kept listing;
    // the last call lists again (one page, empty).
    assert_eq!(calls, vec![5, 1, 1, 1, 1, 1]);

    // Unread ids: one request per 200.
    let before = c.requests();
    let unread = c.unread_ids().await.expect("unread");
    assert_eq!(unread.len(), 450);
    assert_eq!(c.requests() - before, 3);

    // Fewer than a page: one request, and the rest kept for the next call.
    let s = ttrss_simulation((1..=150).collect()).await;
    let mut c = ttrss_client(&s.base);
    c.login().await.unwrap();
    let page = c.articles_after(0, 100).await.unwrap();
    assert_eq!(
        (page.len(), page[0].id, page[99].id, c.requests()),
        (100, 1, 100, 2)
    );
    let page = c.articles_after(100, 100).await.unwrap();
    assert_eq!(
        (page.len(), page[0].id, page[49].id, c.requests()),
        (50, 101, 150, 3)
    );
}

// ------------------------------------------------------------------------------------------------
// Fever against canned answers
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn fever_checks_the_key_and_sends_it_in_the_form() {
    let s = canned(vec![json_reply(fixture("fever/auth_ok_captured.json"))]).await;
    let mut c = fever_client(&s.base);
    c.login().await.expect("auth 1");
    let seen = s.seen();
    assert_eq!(seen[0].target, "/fever/?api");
    assert_eq!(
        seen[0].form("api_key").as_deref(),
        Some("14c901d5bace3bfc60f3af0eec039272")
    );

    let s = canned(vec![json_reply(fixture("fever/auth_0_captured.json"))]).await;
    let e = fever_client(&s.base).login().await.expect_err("auth 0");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    println!("{}", shown(&e));

    let s = canned(vec![json_reply(fixture("fever/no_auth.json"))]).await;
    let e = fever_client(&s.base).login().await.expect_err("no auth");
    assert!(matches!(e, RemoteError::Garbage(_)), "{e:?}");

    let s = canned(vec![status_reply(400, fixture("error_page.html"))]).await;
    let e = fever_client(&s.base).login().await.expect_err("400");
    assert!(matches!(e, RemoteError::Http(400)), "{e:?}");
}

#[tokio::test]
async fn fever_reads_loose_and_captured_items() {
    let s = canned(vec![json_reply(fixture("fever/items_loose.json"))]).await;
    let mut c = fever_client(&s.base);
    let got = c.articles_after(0, 10).await.expect("items");
    assert_eq!(got.iter().map(|a| a.id).collect::<Vec<_>>(), vec![4, 5, 6]);
    assert_eq!(
        got[1],
        RemoteArticle {
            id: 5,
            feed_id: 2,
            title: "Five".into(),
            author: Some("A".into()),
            link: Some("http://127.0.0.1/5".into()),
            content: Some("<p>5</p>".into()),
            published: Some(1_704_103_200),
            updated: None,
            unread: true,
            starred: true,
        }
    );
    assert_eq!(
        (got[0].title.as_str(), got[0].unread, got[0].published),
        ("", false, None)
    );
    assert_eq!((got[2].title.as_str(), got[2].unread), ("66", false));
    assert_eq!(s.seen()[0].query(), "api&items&since_id=0");
    assert_eq!(c.requests(), 1, "fewer than 50: one request");

    let s = canned(vec![json_reply(fixture("fever/items_captured.json"))]).await;
    let got = fever_client(&s.base)
        .articles_after(6, 10)
        .await
        .expect("items");
    assert_eq!(got.iter().map(|a| a.id).collect::<Vec<_>>(), vec![7, 8, 9]);

    let s = canned(vec![json_reply(fixture("fever/items_wrong_types.json"))]).await;
    let e = fever_client(&s.base)
        .articles_after(0, 10)
        .await
        .expect_err("garbage");
    assert!(matches!(e, RemoteError::Garbage(_)), "{e:?}");
    println!("{}", shown(&e));
}

#[tokio::test]
async fn fever_reads_feeds_groups_and_id_lists() {
    let s = canned(vec![json_reply(fixture(
        "fever/feeds_groups_captured.json",
    ))])
    .await;
    let mut c = fever_client(&s.base);
    let feeds = c.feeds().await.expect("feeds");
    assert_eq!(c.requests(), 1);
    assert_eq!(s.seen()[0].query(), "api&feeds&groups");
    assert_eq!(feeds.len(), 2);
    assert_eq!(
        feeds[0],
        RemoteFeed {
            id: 1,
            title: "Feed A".into(),
            feed_url: "http://127.0.0.1:28299/A.xml".into(),
            site_url: Some("http://127.0.0.1:28299/A".into()),
            category: Some("G1".into()),
            unread: None,
        }
    );
    assert_eq!(feeds[1].category.as_deref(), Some("Default"));

    let s = canned(vec![json_reply(fixture("fever/ids_captured.json"))]).await;
    let mut c = fever_client(&s.base);
    assert_eq!(
        c.unread_ids().await.unwrap(),
        vec![4, 5, 6, 1, 2, 3, 7, 8, 9]
    );
    assert_eq!(c.starred_ids().await.unwrap(), Vec::<i64>::new());
    assert_eq!(s.seen()[1].query(), "api&saved_item_ids");

    let s = canned(vec![json_reply(fixture("fever/ids_as_arrays.json"))]).await;
    let mut c = fever_client(&s.base);
    assert_eq!(c.unread_ids().await.unwrap(), vec![3, 1, 2]);
    assert_eq!(c.starred_ids().await.unwrap(), Vec::<i64>::new());

    // More than a million ids is refused, not stored.
    let mut ids = String::with_capacity(8_000_000);
    for n in 1..=1_000_001 {
        ids.push_str(&n.to_string());
        ids.push(',');
    }
    let body = format!(r#"{{"api_version":3,"auth":1,"unread_item_ids":"{ids}"}}"#);
    let s = canned(vec![json_reply(body.into_bytes())]).await;
    let mut c = fever::Client::new(
        creds(&format!("{}/fever/", s.base), "u", "p"),
        http(),
        16 * MAX_BODY,
    )
    .unwrap();
    let e = c.unread_ids().await.expect_err("too many");
    assert!(
        matches!(&e, RemoteError::Garbage(m) if m.contains("more than 1000000 ids")),
        "{e:?}"
    );
}

#[tokio::test]
async fn fever_marks_one_item_a_request_and_catches_up_a_feed() {
    let s = server(|request| {
        if request.form("id").as_deref() == Some("404") {
            status_reply(404, b"no such entry".to_vec())
        } else {
            json_reply(fixture("fever/auth_ok_captured.json"))
        }
    })
    .await;
    let mut c = fever_client(&s.base);
    c.set_flag(&[3, 404, 5], Flag::Read)
        .await
        .expect("marked, 404 passed over");
    c.set_flag(&[3], Flag::Unread).await.unwrap();
    c.set_flag(&[3], Flag::Star).await.unwrap();
    c.set_flag(&[3], Flag::Unstar).await.unwrap();
    c.catch_up_feed(7, Some(1_704_103_200)).await.unwrap();
    c.catch_up_feed(7, None).await.unwrap();
    assert_eq!(
        c.requests(),
        9,
        "one mark a request, and one check after the 404"
    );
    let marks: Vec<(String, String, String)> = s
        .seen()
        .iter()
        .map(|r| {
            assert_eq!(r.query(), "api", "mark goes in the form, not the query");
            (
                r.form("mark").unwrap_or_default(),
                r.form("as").unwrap_or_default(),
                r.form("id").unwrap_or_default(),
            )
        })
        .collect();
    let m = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        marks,
        vec![
            m("item", "read", "3"),
            m("item", "read", "404"),
            m("", "", ""),
            m("item", "read", "5"),
            m("item", "unread", "3"),
            m("item", "saved", "3"),
            m("item", "unsaved", "3"),
            m("feed", "read", "7"),
            m("feed", "read", "7"),
        ]
    );
    let seen = s.seen();
    assert_eq!(seen[7].form("before").as_deref(), Some("1704103200"));
    let all: i64 = seen[8].form("before").unwrap().parse().unwrap();
    assert!(all > 1_800_000_000, "\"all\" is a time far ahead: {all}");

    // A 404 for the whole endpoint is an error, not an item passed over.
    let s = canned(vec![status_reply(404, fixture("error_page.html"))]).await;
    let e = fever_client(&s.base)
        .set_flag(&[1, 2], Flag::Read)
        .await
        .expect_err("wrong address");
    assert!(matches!(e, RemoteError::Http(404)), "{e:?}");
    assert_eq!(s.seen().len(), 2);

    let before = c.requests();
    let e = c
        .subscribe("http://127.0.0.1/x.xml", None)
        .await
        .expect_err("no");
    assert!(matches!(e, RemoteError::Unsupported(_)));
    let e = c.unsubscribe(1).await.expect_err("no");
    assert!(matches!(e, RemoteError::Unsupported(_)));
    assert_eq!(c.requests(), before, "refused without asking the server");
}

/// A Fever server with the items `scan` (in the order it scans them, as Coldsweat does: feed by
/// feed), 50 to a page, `since_id` and `with_ids`.
async fn fever_simulation(scan: Vec<i64>) -> TestServer {
    server(move |request| {
        let query = request.query().to_string();
        let arg = |name: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        let picked: Vec<i64> = if let Some(since) = arg("since_id") {
            let since: i64 = since.parse().unwrap();
            scan.iter().copied().filter(|&id| id > since).take(50).collect()
        } else if let Some(with) = arg("with_ids") {
            let wanted: HashSet<i64> = with.split(',').filter_map(|s| s.parse().ok()).take(50).collect();
            scan.iter().copied().filter(|id| wanted.contains(id)).collect()
        } else {
            scan.iter().copied().take(50).collect()
        };
        let items: Vec<serde_json::Value> = picked
            .iter()
            .map(|&id| serde_json::json!({ "id": id, "feed_id": 1, "title": format!("t{id}"), "html": format!("c{id}"), "is_read": 0, "is_saved": 0 }))
            .collect();
        json_reply(
            serde_json::json!({ "api_version": 3, "auth": 1, "items": items })
                .to_string()
                .into_bytes(),
        )
    })
    .await
}

/// Every item, walking `articles_after(since, limit)` from 0; and the requests of each call.
async fn walk_fever(c: &mut fever::Client, limit: usize) -> (Vec<i64>, Vec<u64>) {
    let mut since = 0;
    let mut got = Vec::new();
    let mut calls = Vec::new();
    loop {
        let before = c.requests();
        let page = c.articles_after(since, limit).await.expect("page");
        calls.push(c.requests() - before);
        let Some(last) = page.last() else { break };
        assert!(page.windows(2).all(|w| w[0].id < w[1].id), "ascending");
        since = last.id;
        got.extend(page.into_iter().map(|a| a.id));
    }
    (got, calls)
}

#[tokio::test]
async fn fever_skips_no_item_when_the_server_answers_feed_by_feed() {
    // Feed B's items (31..=90) are scanned before feed A's (1..=30, 91..=120).
    let scan: Vec<i64> = (31..=90).chain(1..=30).chain(91..=120).collect();
    // What a client that trusts the page order gets: since_id=0 gives 31..=80, and 1..=30 are
    // never seen again.
    let naive_first_page: Vec<i64> = scan.iter().copied().filter(|&id| id > 0).take(50).collect();
    assert!(!naive_first_page.contains(&1));

    let s = fever_simulation(scan).await;
    let mut c = fever_client(&s.base);
    let (got, calls) = walk_fever(&mut c, 100).await;
    assert_eq!(
        got,
        (1..=120).collect::<Vec<_>>(),
        "every item once, in id order"
    );
    println!("requests per articles_after(since, 100), feed-by-feed server: {calls:?}");

    // An orderly server with dense ids: one request a page.
    let s = fever_simulation((1..=120).collect()).await;
    let mut c = fever_client(&s.base);
    let (got, calls) = walk_fever(&mut c, 100).await;
    assert_eq!(got, (1..=120).collect::<Vec<_>>());
    assert_eq!(calls, vec![1, 1, 1, 1]);

    // Sparse ids (other users' items in between): the gaps cost requests, but nothing is lost and
    // every call makes progress.
    let sparse: Vec<i64> = (1..=200).map(|n| n * 37).collect();
    let s = fever_simulation(sparse.clone()).await;
    let mut c = fever_client(&s.base);
    let (got, calls) = walk_fever(&mut c, 100).await;
    assert_eq!(got, sparse);
    assert!(calls.iter().all(|&n| n <= 41), "{calls:?}");
    println!("requests per articles_after(since, 100), ids 37 apart: {calls:?}");
}

// ------------------------------------------------------------------------------------------------
// Real servers
// ------------------------------------------------------------------------------------------------

const SMALL: usize = 3;
const BIG: usize = 230;

/// The loopback feeds the real servers fetch, for the rest of the process.
fn feeds() -> &'static FeedServer {
    static FEEDS: OnceLock<FeedServer> = OnceLock::new();
    FEEDS.get_or_init(|| {
        FeedServer::start(|base| {
            let feed = |name: &str, title: &str, count: usize| {
                (
                    format!("/{name}.xml"),
                    rss(title, &format!("{base}/{name}"), &items(name, count)),
                )
            };
            vec![
                feed("ttrss-small", "Tidings TT-RSS small", SMALL),
                feed("ttrss-big", "Tidings TT-RSS big", BIG),
                feed("fever-small", "Tidings Fever small", SMALL),
                feed("fever-a", "Tidings Fever A", 30),
                feed("fever-b", "Tidings Fever B", 60),
            ]
        })
    })
}

fn shared(kind: Kind) -> Option<&'static SyncServer> {
    static TTRSS: OnceLock<Option<SyncServer>> = OnceLock::new();
    static COLDSWEAT: OnceLock<Option<SyncServer>> = OnceLock::new();
    let cell = match kind {
        Kind::Ttrss => &TTRSS,
        Kind::Coldsweat => &COLDSWEAT,
    };
    cell.get_or_init(|| SyncServer::start(kind)).as_ref()
}

/// Runs a helper command of a server (update, subscribe), failing the test if it fails.
fn run(program: &str, args: &[&str]) -> String {
    let started = Instant::now();
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?}: {text}");
    println!(
        "  ({} {} took {} ms)",
        program.rsplit('/').next().unwrap_or(program),
        args.first().unwrap_or(&""),
        started.elapsed().as_millis()
    );
    text
}

fn ids_of(articles: &[RemoteArticle], feed: i64) -> Vec<i64> {
    articles
        .iter()
        .filter(|a| a.feed_id == feed)
        .map(|a| a.id)
        .collect()
}

/// Every article, walking `articles_after` 100 at a time.
async fn walk(r: &mut Remote) -> Vec<RemoteArticle> {
    let mut since = 0;
    let mut all = Vec::new();
    loop {
        let page = counted!(
            r,
            format!("articles_after({since}, 100)"),
            r.articles_after(since, 100).await.expect("articles")
        );
        let Some(last) = page.last() else { break };
        assert!(page.windows(2).all(|w| w[0].id < w[1].id), "ascending");
        since = last.id;
        all.extend(page);
    }
    all
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn ttrss_real_server_round_trip() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let feeds_at = feeds();
    let small_url = feeds_at.url("/ttrss-small.xml");
    let big_url = feeds_at.url("/ttrss-big.xml");
    let client = ttrss::Client::new(
        creds(
            server.var("TTRSS_URL"),
            server.var("TTRSS_USER"),
            server.var("TTRSS_PASSWORD"),
        ),
        patient_http(),
        16 * MAX_BODY,
    )
    .expect("client");
    let mut r = Remote::Ttrss(client);
    assert!(r.capabilities().subscribe && !r.capabilities().catch_up_before);
    println!("TT-RSS (API level 15) at {}:", server.var("TTRSS_URL"));

    counted!(r, "login()", r.login().await.expect("login"));
    let small = counted!(
        r,
        "subscribe(small, None)",
        r.subscribe(&small_url, None).await.expect("subscribe")
    );
    let big = counted!(
        r,
        "subscribe(big, None)",
        r.subscribe(&big_url, None).await.expect("subscribe")
    );
    let again = counted!(
        r,
        "subscribe(small again, None)",
        r.subscribe(&small_url, None)
            .await
            .expect("subscribed already")
    );
    assert_eq!(again, small);
    let e = counted!(
        r,
        "subscribe(url, Some(\"No such category\"))",
        r.subscribe(&small_url, Some("No such category")).await
    )
    .expect_err("no category");
    assert!(matches!(e, RemoteError::Unsupported(_)), "{e:?}");

    run(server.var("TTRSS_UPDATE_CMD"), &["--quiet"]);

    let feeds = counted!(r, "feeds()", r.feeds().await.expect("feeds"));
    let find = |id: i64| feeds.iter().find(|f| f.id == id).expect("feed listed");
    assert_eq!(find(small).feed_url, small_url);
    assert_eq!(find(small).title, "Tidings TT-RSS small");
    assert_eq!(find(big).title, "Tidings TT-RSS big");

    let all = walk(&mut r).await;
    assert_eq!(all.len(), SMALL + BIG);
    let small_ids = ids_of(&all, small);
    assert_eq!(small_ids.len(), SMALL);
    assert_eq!(ids_of(&all, big).len(), BIG);
    let first = all.iter().find(|a| a.id == small_ids[0]).unwrap();
    assert_eq!(first.title, "ttrss-small item 1");
    assert!(
        first
            .content
            .as_deref()
            .is_some_and(|c| c.contains("ttrss-small</b> item 1")),
        "{:?}",
        first.content
    );
    assert_eq!(
        first.link.as_deref(),
        Some(&*format!("{}/ttrss-small/item/1", feeds_at.url("")))
    );
    assert_eq!(first.published, Some(1_704_103_200));
    assert!(first.unread && !first.starred);
    let last = all.last().unwrap().id;
    assert!(r.articles_after(last, 100).await.unwrap().is_empty());

    let unread = counted!(r, "unread_ids()", r.unread_ids().await.expect("unread"));
    assert_eq!(sorted(unread).len(), SMALL + BIG);
    let starred = counted!(r, "starred_ids()", r.starred_ids().await.expect("starred"));
    assert!(starred.is_empty());

    let (a, b, c) = (small_ids[0], small_ids[1], small_ids[2]);
    counted!(
        r,
        "set_flag([a], Read)",
        r.set_flag(&[a], Flag::Read).await.unwrap()
    );
    counted!(
        r,
        "set_flag([b], Star)",
        r.set_flag(&[b], Flag::Star).await.unwrap()
    );
    let unread = r.unread_ids().await.unwrap();
    assert!(!unread.contains(&a) && unread.contains(&b) && unread.contains(&c));
    assert_eq!(r.starred_ids().await.unwrap(), vec![b]);
    counted!(
        r,
        "set_flag([a], Unread)",
        r.set_flag(&[a], Flag::Unread).await.unwrap()
    );
    counted!(
        r,
        "set_flag([b], Unstar)",
        r.set_flag(&[b], Flag::Unstar).await.unwrap()
    );
    assert!(r.unread_ids().await.unwrap().contains(&a));
    assert!(r.starred_ids().await.unwrap().is_empty());

    // Items are a day apart from 2024-01-01 10:00 UTC: `before` in the second day's evening.
    let before = 1_704_103_200 + 86_400 + 3_600;
    counted!(
        r,
        "catch_up_feed(small, Some(before))",
        r.catch_up_feed(small, Some(before)).await.unwrap()
    );
    let unread: HashSet<i64> = r.unread_ids().await.unwrap().into_iter().collect();
    assert!(!unread.contains(&a) && !unread.contains(&b) && unread.contains(&c));
    counted!(
        r,
        "catch_up_feed(small, None)",
        r.catch_up_feed(small, None).await.unwrap()
    );
    let unread: HashSet<i64> = r.unread_ids().await.unwrap().into_iter().collect();
    assert!(!unread.contains(&c));
    assert_eq!(unread.len(), BIG, "the other feed is untouched");

    counted!(r, "unsubscribe(small)", r.unsubscribe(small).await.unwrap());
    assert!(r.feeds().await.unwrap().iter().all(|f| f.id != small));
    let e = r.unsubscribe(small).await.expect_err("gone");
    assert!(matches!(e, RemoteError::Api(_)), "{e:?}");
    r.unsubscribe(big).await.unwrap();
    println!("  total: {} requests", r.requests());
}

#[tokio::test]
async fn ttrss_real_server_refuses_a_wrong_password() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let mut c = ttrss::Client::new(
        creds(
            server.var("TTRSS_API_URL"),
            server.var("TTRSS_USER"),
            "s3cret-pass",
        ),
        patient_http(),
        MAX_BODY,
    )
    .unwrap();
    let e = c.login().await.expect_err("wrong password");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    println!("{}", shown(&e));
    // A call without a session logs in first, and fails the same way.
    let e = c.feeds().await.expect_err("wrong password");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
}

#[tokio::test]
async fn coldsweat_real_server_round_trip() {
    let Some(server) = shared(Kind::Coldsweat) else {
        return;
    };
    let feeds_at = feeds();
    let cli = server.var("COLDSWEAT_CLI");
    // Fever cannot subscribe: the server's own command does, and fetches the feed. Coldsweat
    // answers `items` group by group (the default group first), so with A (the lower ids) in a
    // group of its own, the first page is B's items and A's must be found in the gap below.
    run(
        cli,
        &[
            "subscribe",
            &feeds_at.url("/fever-a.xml"),
            "Tidings A group",
        ],
    );
    run(cli, &["subscribe", &feeds_at.url("/fever-b.xml")]);
    run(
        cli,
        &[
            "subscribe",
            &feeds_at.url("/fever-small.xml"),
            "Tidings group",
        ],
    );

    let client = fever::Client::new(
        creds(
            server.var("COLDSWEAT_FEVER_URL"),
            server.var("COLDSWEAT_EMAIL"),
            server.var("COLDSWEAT_PASSWORD"),
        ),
        patient_http(),
        16 * MAX_BODY,
    )
    .expect("client");
    let mut r = Remote::Fever(client);
    assert!(!r.capabilities().subscribe && r.capabilities().catch_up_before);
    println!(
        "Coldsweat (Fever) at {}:",
        server.var("COLDSWEAT_FEVER_URL")
    );

    counted!(r, "login()", r.login().await.expect("login"));
    let feeds = counted!(r, "feeds()", r.feeds().await.expect("feeds"));
    let by_url = |path: &str| {
        feeds
            .iter()
            .find(|f| f.feed_url == feeds_at.url(path))
            .unwrap_or_else(|| panic!("{path} in {feeds:?}"))
            .clone()
    };
    let small = by_url("/fever-small.xml");
    assert_eq!(small.title, "Tidings Fever small");
    assert_eq!(small.category.as_deref(), Some("Tidings group"));
    assert_eq!(
        small.site_url,
        Some(format!("{}/fever-small/", feeds_at.url("")))
    );
    let (fa, fb) = (by_url("/fever-a.xml").id, by_url("/fever-b.xml").id);

    let all = walk(&mut r).await;
    assert_eq!(all.len(), SMALL + 30 + 60, "every item once");
    assert_eq!((ids_of(&all, fa).len(), ids_of(&all, fb).len()), (30, 60));
    let small_ids = ids_of(&all, small.id);
    let first = all.iter().find(|a| a.id == small_ids[0]).unwrap();
    assert_eq!(first.title, "fever-small item 1");
    assert!(
        first
            .content
            .as_deref()
            .is_some_and(|c| c.contains("item 1")),
        "{:?}",
        first.content
    );
    assert_eq!(first.published, Some(1_704_103_200));
    assert!(first.unread && !first.starred);

    let unread = counted!(r, "unread_ids()", r.unread_ids().await.expect("unread"));
    assert_eq!(unread.len(), SMALL + 90);
    assert!(counted!(r, "starred_ids()", r.starred_ids().await.unwrap()).is_empty());

    let (a, b, c) = (small_ids[0], small_ids[1], small_ids[2]);
    counted!(
        r,
        "set_flag([a], Read)",
        r.set_flag(&[a], Flag::Read).await.unwrap()
    );
    counted!(
        r,
        "set_flag([b, c], Star)",
        r.set_flag(&[b, c], Flag::Star).await.unwrap()
    );
    let unread = r.unread_ids().await.unwrap();
    assert!(!unread.contains(&a) && unread.contains(&b));
    assert_eq!(sorted(r.starred_ids().await.unwrap()), vec![b, c]);
    let page = r.articles_after(a - 1, 1).await.unwrap();
    assert!(!page[0].unread, "the flags come with the items too");
    counted!(
        r,
        "set_flag([a], Unread)",
        r.set_flag(&[a], Flag::Unread).await.unwrap()
    );
    counted!(
        r,
        "set_flag([b, c], Unstar)",
        r.set_flag(&[b, c], Flag::Unstar).await.unwrap()
    );
    assert!(r.unread_ids().await.unwrap().contains(&a));
    assert!(r.starred_ids().await.unwrap().is_empty());

    let before = 1_704_103_200 + 86_400 + 3_600;
    counted!(
        r,
        "catch_up_feed(small, Some(before))",
        r.catch_up_feed(small.id, Some(before)).await.unwrap()
    );
    let unread: HashSet<i64> = r.unread_ids().await.unwrap().into_iter().collect();
    assert!(!unread.contains(&a) && !unread.contains(&b) && unread.contains(&c));
    counted!(
        r,
        "catch_up_feed(small, None)",
        r.catch_up_feed(small.id, None).await.unwrap()
    );
    let unread: HashSet<i64> = r.unread_ids().await.unwrap().into_iter().collect();
    assert!(!unread.contains(&c));
    assert_eq!(unread.len(), 90, "the other feeds are untouched");

    let e = counted!(
        r,
        "subscribe(url, None)",
        r.subscribe(&feeds_at.url("/x.xml"), None).await
    )
    .expect_err("Fever cannot");
    assert!(matches!(e, RemoteError::Unsupported(_)), "{e:?}");
    let e = r.unsubscribe(small.id).await.expect_err("Fever cannot");
    assert!(matches!(e, RemoteError::Unsupported(_)), "{e:?}");
    println!("  total: {} requests", r.requests());
}

#[tokio::test]
async fn coldsweat_real_server_refuses_a_wrong_key() {
    let Some(server) = shared(Kind::Coldsweat) else {
        return;
    };
    let mut c = fever::Client::new(
        creds(
            server.var("COLDSWEAT_FEVER_URL"),
            server.var("COLDSWEAT_EMAIL"),
            "s3cret-pass",
        ),
        patient_http(),
        MAX_BODY,
    )
    .unwrap();
    let e = c.login().await.expect_err("wrong key");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    let e = c.unread_ids().await.expect_err("wrong key");
    assert!(matches!(e, RemoteError::Auth(_)), "{e:?}");
    println!("{}", shown(&e));
}
