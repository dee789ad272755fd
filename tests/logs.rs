//! What the log tells a user diagnosing a feed: at the default level one line per failed feed or
//! full article with the feed (or link) and the reason; with `TIDINGS_LOG=debug` each request with
//! its status and time, and no library noise.

mod common;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn log_of(home: &std::path::Path) -> String {
    std::fs::read_to_string(home.join("tidings.log")).unwrap_or_default()
}

#[test]
fn failures_are_logged_with_the_feed_and_the_reason() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        let feed = format!(
            r#"<rss version="2.0"><channel><title>T</title><item><guid>a</guid><title>A</title><link>{}/gone.html</link></item></channel></rss>"#,
            server.uri()
        );
        Mock::given(method("GET"))
            .and(path("/feed.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_string(feed))
            .mount(&server)
            .await;
        server
    });
    let home = tempfile::tempdir().unwrap();
    let feed = format!("{}/feed.xml", server.uri());
    common::cli::tidings(home.path(), &["add", &feed, "--full-text"]);
    common::cli::tidings(
        home.path(),
        &["add", &format!("{}/missing.xml", server.uri())],
    );
    let _ = common::cli::tidings_output(home.path(), &["refresh"]);
    let log = log_of(home.path());
    assert!(
        log.lines().any(|l| l.contains("full article failed")
            && l.contains("/gone.html")
            && l.contains("404")),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.contains("refresh failed")
            && l.contains("/missing.xml")
            && l.contains("404")),
        "{log}"
    );
    assert!(
        !log.contains(" DEBUG "),
        "no debug lines by default:\n{log}"
    );

    // Debug: requests with status and time, ours only.
    let debug = tempfile::tempdir().unwrap();
    common::cli::tidings(debug.path(), &["add", &feed]);
    let mut cmd = common::cli::command(debug.path(), &["refresh"]);
    cmd.env("TIDINGS_LOG", "debug");
    let _ = cmd.output().unwrap();
    let log = log_of(debug.path());
    assert!(
        log.lines()
            .any(|l| l.contains("response") && l.contains("status=200") && l.contains("ms=")),
        "{log}"
    );
    assert!(
        log.lines()
            .filter(|l| l.contains(" DEBUG "))
            .all(|l| l.contains("tidings")),
        "only tidings' own debug lines:\n{log}"
    );
}
