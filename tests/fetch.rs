//! Integration tests of `tidings::feed::fetch` against real HTTP servers on 127.0.0.1: wiremock for
//! ordinary responses, and tiny hand-written TCP servers for what wiremock cannot do (a body that drips
//! forever, an endless chunked body, header bytes that are not ASCII).

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{read_head, serve};
use flate2::Compression;
use flate2::write::GzEncoder;
use tidings::config::Config;
use tidings::feed::fetch::{FetchError, FetchLimits, Fetched, Fetcher, Validators};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MB: usize = 1024 * 1024;
const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

fn fetcher(timeout_seconds: u64, max_body_bytes: usize) -> Fetcher {
    let config = Config {
        timeout_seconds,
        max_body_bytes,
        ..Default::default()
    };
    Fetcher::new(FetchLimits::from(&config)).expect("the HTTP client builds")
}

/// A fetcher with generous limits, for tests that are not about limits.
fn default_fetcher() -> Fetcher {
    fetcher(30, 16 * MB)
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a [u8]> {
    request.headers.get(name).map(|v| v.as_bytes())
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

// ---- raw request heads (from the hand-written server of `common::server`) ----------------------

/// The value of header `name` in a raw request head, byte for byte.
fn raw_header(head: &[u8], name: &str) -> Option<Vec<u8>> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        let (key, value) = line.split_at(colon);
        if !key.eq_ignore_ascii_case(name.as_bytes()) {
            return None;
        }
        let value = &value[1..];
        let start = value
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(value.len());
        Some(value[start..].to_vec())
    })
}

// ---- conditional GET ---------------------------------------------------------------------------

#[tokio::test]
async fn etag_and_last_modified_round_trip_byte_for_byte() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", r#"W/"abc""#)
                .insert_header("Last-Modified", LAST_MODIFIED)
                .set_body_string("<rss/>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}/feed.xml", server.uri());
    let fetcher = default_fetcher();

    let validators = match fetcher.fetch(&url, &Validators::default()).await {
        Ok(Fetched::Body {
            bytes, validators, ..
        }) => {
            assert_eq!(bytes, b"<rss/>");
            validators
        }
        other => panic!("expected a body, got {other:?}"),
    };
    assert_eq!(validators.etag.as_deref(), Some(&br#"W/"abc""#[..]));
    assert_eq!(
        validators.last_modified.as_deref(),
        Some(LAST_MODIFIED.as_bytes())
    );

    server.verify().await;
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;

    let second = fetcher.fetch(&url, &validators).await;
    match second {
        Ok(Fetched::NotModified { validators: v, .. }) => assert_eq!(v, Validators::default()),
        other => panic!("expected NotModified, got {other:?}"),
    }
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(
        header(&requests[0], "if-none-match"),
        Some(&br#"W/"abc""#[..])
    );
    assert_eq!(
        header(&requests[0], "if-modified-since"),
        Some(LAST_MODIFIED.as_bytes())
    );
    assert_eq!(
        requests[0].headers.get_all("if-none-match").iter().count(),
        1
    );
    assert_eq!(
        requests[0]
            .headers
            .get_all("if-modified-since")
            .iter()
            .count(),
        1
    );
}

#[tokio::test]
async fn only_the_validators_given_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<rss/>"))
        .mount(&server)
        .await;
    let base = server.uri();
    let fetcher = default_fetcher();

    fetcher
        .fetch(&format!("{base}/none"), &Validators::default())
        .await
        .unwrap();
    fetcher
        .fetch(
            &format!("{base}/etag-only"),
            &Validators {
                etag: Some(b"\"only\"".to_vec()),
                last_modified: None,
            },
        )
        .await
        .unwrap();
    fetcher
        .fetch(
            &format!("{base}/lm-only"),
            &Validators {
                etag: None,
                last_modified: Some(LAST_MODIFIED.as_bytes().to_vec()),
            },
        )
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let by_path = |p: &str| {
        requests
            .iter()
            .find(|r| r.url.path() == p)
            .unwrap_or_else(|| panic!("no request to {p}"))
    };

    let none = by_path("/none");
    assert_eq!(header(none, "if-none-match"), None);
    assert_eq!(header(none, "if-modified-since"), None);

    let etag_only = by_path("/etag-only");
    assert_eq!(header(etag_only, "if-none-match"), Some(&b"\"only\""[..]));
    assert_eq!(header(etag_only, "if-modified-since"), None);

    let lm_only = by_path("/lm-only");
    assert_eq!(header(lm_only, "if-none-match"), None);
    assert_eq!(
        header(lm_only, "if-modified-since"),
        Some(LAST_MODIFIED.as_bytes())
    );
}

#[tokio::test]
async fn not_modified_with_a_new_etag_returns_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(304)
                .insert_header("ETag", r#""v2""#)
                .insert_header("Last-Modified", LAST_MODIFIED),
        )
        .mount(&server)
        .await;
    let old = Validators {
        etag: Some(br#""v1""#.to_vec()),
        last_modified: None,
    };
    match default_fetcher().fetch(&server.uri(), &old).await {
        Ok(Fetched::NotModified { validators: v, .. }) => {
            assert_eq!(v.etag.as_deref(), Some(&br#""v2""#[..]));
            assert_eq!(v.last_modified.as_deref(), Some(LAST_MODIFIED.as_bytes()));
        }
        other => panic!("expected NotModified, got {other:?}"),
    }
}

#[tokio::test]
async fn non_ascii_etag_round_trips_byte_for_byte() {
    // Header values may carry obs-text (bytes 0x80..=0xFF); they must come back and go out unchanged.
    const ETAG: &[u8] = b"\"caf\xe9-\xff\"";
    let heads = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = Arc::clone(&heads);
    let addr = serve(move |mut stream| {
        let seen = Arc::clone(&seen);
        async move {
            let head = read_head(&mut stream).await;
            seen.lock().unwrap().push(head);
            let mut response = b"HTTP/1.1 200 OK\r\nETag: ".to_vec();
            response.extend_from_slice(ETAG);
            response.extend_from_slice(b"\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<rss/>");
            let _ = stream.write_all(&response).await;
            let _ = stream.shutdown().await;
        }
    })
    .await;
    let url = format!("http://{addr}/feed");
    let fetcher = default_fetcher();

    let validators = match fetcher.fetch(&url, &Validators::default()).await {
        Ok(Fetched::Body { validators, .. }) => validators,
        other => panic!("expected a body, got {other:?}"),
    };
    assert_eq!(validators.etag.as_deref(), Some(ETAG));
    fetcher.fetch(&url, &validators).await.unwrap();

    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 2);
    assert_eq!(raw_header(&heads[0], "if-none-match"), None);
    assert_eq!(
        raw_header(&heads[1], "if-none-match").as_deref(),
        Some(ETAG)
    );
}

#[tokio::test]
async fn user_agent_starts_with_tidings() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<rss/>"))
        .mount(&server)
        .await;
    default_fetcher()
        .fetch(&server.uri(), &Validators::default())
        .await
        .unwrap();
    let requests = received(&server).await;
    let agent = header(&requests[0], "user-agent").expect("a User-Agent header");
    assert!(
        agent.starts_with(b"tidings/"),
        "User-Agent is {:?}",
        String::from_utf8_lossy(agent)
    );
}

// ---- timeouts ----------------------------------------------------------------------------------

#[tokio::test]
async fn slow_response_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("<rss/>")
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&server)
        .await;
    let result = fetcher(1, MB)
        .fetch(&server.uri(), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::Timeout(1))),
        "expected Timeout(1), got {result:?}"
    );
}

#[tokio::test]
async fn body_dripping_forever_is_cut_by_the_total_timeout() {
    let addr = serve(|mut stream| async move {
        read_head(&mut stream).await;
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        // One byte every 200 ms, until the client hangs up.
        loop {
            if stream.write_all(b"x").await.is_err() || stream.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let result = fetcher(1, MB)
        .fetch(&format!("http://{addr}/drip"), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::Timeout(1))),
        "expected Timeout(1), got {result:?}"
    );
}

// ---- body size cap -----------------------------------------------------------------------------

#[tokio::test]
async fn body_larger_than_the_cap_is_too_large() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 2 * MB]))
        .mount(&server)
        .await;
    let result = fetcher(30, MB)
        .fetch(&server.uri(), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::TooLarge(n)) if n == MB),
        "expected TooLarge, got {result:?}"
    );
}

#[tokio::test]
async fn body_of_exactly_the_cap_is_accepted_and_one_more_byte_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/exact"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; MB]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/over"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; MB + 1]))
        .mount(&server)
        .await;
    let fetcher = fetcher(30, MB);
    match fetcher
        .fetch(&format!("{}/exact", server.uri()), &Validators::default())
        .await
    {
        Ok(Fetched::Body { bytes, .. }) => assert_eq!(bytes.len(), MB),
        other => panic!("expected a body, got {other:?}"),
    }
    let result = fetcher
        .fetch(&format!("{}/over", server.uri()), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::TooLarge(n)) if n == MB),
        "expected TooLarge, got {result:?}"
    );
}

#[tokio::test]
async fn endless_chunked_body_without_length_is_too_large() {
    let addr = serve(|mut stream| async move {
        read_head(&mut stream).await;
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        let mut chunk = b"4000\r\n".to_vec();
        chunk.extend_from_slice(&[b'x'; 0x4000]);
        chunk.extend_from_slice(b"\r\n");
        // Never sends the terminating zero-length chunk.
        while stream.write_all(&chunk).await.is_ok() {}
    })
    .await;
    let result = fetcher(30, MB)
        .fetch(&format!("http://{addr}/endless"), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::TooLarge(n)) if n == MB),
        "expected TooLarge, got {result:?}"
    );
}

#[tokio::test]
async fn chunked_body_under_the_cap_is_read_whole() {
    let addr = serve(|mut stream| async move {
        read_head(&mut stream).await;
        let response =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                         3\r\n<rs\r\n3\r\ns/>\r\n0\r\n\r\n";
        let _ = stream.write_all(response).await;
        let _ = stream.shutdown().await;
    })
    .await;
    match fetcher(30, MB)
        .fetch(&format!("http://{addr}/chunked"), &Validators::default())
        .await
    {
        Ok(Fetched::Body { bytes, .. }) => assert_eq!(bytes, b"<rss/>"),
        other => panic!("expected a body, got {other:?}"),
    }
}

// ---- compression -------------------------------------------------------------------------------

#[tokio::test]
async fn gzip_body_is_decompressed() {
    let feed = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Zipped</title></channel></rss>";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .insert_header("Content-Type", "application/rss+xml")
                .set_body_bytes(gzip(feed)),
        )
        .mount(&server)
        .await;
    match default_fetcher()
        .fetch(&server.uri(), &Validators::default())
        .await
    {
        Ok(Fetched::Body {
            bytes,
            content_type,
            ..
        }) => {
            assert_eq!(bytes, feed);
            assert_eq!(content_type.as_deref(), Some("application/rss+xml"));
        }
        other => panic!("expected a body, got {other:?}"),
    }
    let requests = received(&server).await;
    let accept = header(&requests[0], "accept-encoding").expect("an Accept-Encoding header");
    assert!(
        String::from_utf8_lossy(accept).contains("gzip"),
        "Accept-Encoding is {:?}",
        String::from_utf8_lossy(accept)
    );
}

#[tokio::test]
async fn gzip_bomb_stops_at_the_cap() {
    // 50 MB of zeros compress to about 50 KB: the compressed length is far under the cap, the
    // decompressed one far over it.
    let bomb = gzip(&vec![0u8; 50 * MB]);
    assert!(bomb.len() < MB / 4);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .set_body_bytes(bomb),
        )
        .mount(&server)
        .await;
    let result = fetcher(30, MB)
        .fetch(&server.uri(), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::TooLarge(n)) if n == MB),
        "expected TooLarge, got {result:?}"
    );
}

// ---- HTTP errors -------------------------------------------------------------------------------

#[tokio::test]
async fn error_statuses_are_reported_with_their_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_string("not found"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .mount(&server)
        .await;
    let fetcher = default_fetcher();
    let missing = fetcher
        .fetch(&format!("{}/missing", server.uri()), &Validators::default())
        .await;
    assert!(
        matches!(missing, Err(FetchError::Status(404))),
        "expected Status(404), got {missing:?}"
    );
    let broken = fetcher
        .fetch(&format!("{}/broken", server.uri()), &Validators::default())
        .await;
    assert!(
        matches!(broken, Err(FetchError::Status(500))),
        "expected Status(500), got {broken:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let result = default_fetcher()
        .fetch(
            &format!("http://127.0.0.1:{port}/feed"),
            &Validators::default(),
        )
        .await;
    assert!(
        matches!(result, Err(FetchError::Connect(_))),
        "expected Connect, got {result:?}"
    );
}

// ---- other URLs --------------------------------------------------------------------------------

#[tokio::test]
async fn file_url_returns_the_file_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.xml");
    let content = b"<rss version=\"2.0\"><channel><title>Local</title></channel></rss>\n";
    std::fs::write(&file, content).unwrap();
    let url = url::Url::from_file_path(&file).unwrap();
    match default_fetcher()
        .fetch(url.as_str(), &Validators::default())
        .await
    {
        Ok(Fetched::Body {
            bytes, validators, ..
        }) => {
            assert_eq!(bytes, content);
            assert_eq!(validators, Validators::default());
        }
        other => panic!("expected a body, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_file_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = url::Url::from_file_path(dir.path().join("absent.xml")).unwrap();
    let result = default_fetcher()
        .fetch(url.as_str(), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::File(_))),
        "expected File, got {result:?}"
    );
}

#[tokio::test]
async fn file_larger_than_the_cap_is_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.xml");
    std::fs::write(&file, vec![b'a'; MB + 1]).unwrap();
    let url = url::Url::from_file_path(&file).unwrap();
    let result = fetcher(30, MB)
        .fetch(url.as_str(), &Validators::default())
        .await;
    assert!(
        matches!(result, Err(FetchError::TooLarge(n)) if n == MB),
        "expected TooLarge, got {result:?}"
    );
}

#[tokio::test]
async fn unsupported_scheme_and_invalid_url_are_rejected() {
    let fetcher = default_fetcher();
    let ftp = fetcher
        .fetch("ftp://127.0.0.1/feed.xml", &Validators::default())
        .await;
    assert!(
        matches!(&ftp, Err(FetchError::UnsupportedScheme(s)) if s == "ftp"),
        "expected UnsupportedScheme, got {ftp:?}"
    );
    let junk = fetcher.fetch("not a url", &Validators::default()).await;
    assert!(
        matches!(junk, Err(FetchError::InvalidUrl(_))),
        "expected InvalidUrl, got {junk:?}"
    );
}
