//! The command line against hostile input and impolite defaults, end to end with the real binary on
//! temporary profiles: local feeds that are not regular files or too large, a stdout whose reader went
//! away, escape sequences in arguments and in extracted pages, feeds a server asked to be left alone
//! (410 Gone, Retry-After) during a refresh of everything, and full-text fetches a crash cut off.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::cli::{Profile, command, tidings_output};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `tidings ARGS…` on `home`, killed (and the test failed) if it takes longer than `limit`.
fn run_within(home: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = command(home, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run tidings");
    // Read both pipes on threads of their own so that a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`tidings {}` still running after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An RSS document with `items` (guid, title, link, description) items.
fn rss(title: &str, items: &[(String, String, String, String)]) -> String {
    let mut out =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>");
    for (guid, title, link, description) in items {
        out.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>\
             <description>{description}</description></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out
}

// ---- 1. local feeds: regular files only, capped ------------------------------------------------

#[test]
fn local_feeds_must_be_regular_files() {
    let p = Profile::new();
    let fifo = p.path().join("feed.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    p.ok(&["add", fifo.to_str().unwrap()]);
    // A device reads without end (or, for a terminal, steals the user's keys).
    p.ok(&["add", "file:///dev/zero"]);
    // Nobody ever writes to the FIFO: reading it would wait forever.
    let output = run_within(p.path(), &["refresh"], Duration::from_secs(20));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.matches("not a regular file").count(), 2, "{stderr}");
    assert_eq!(output.status.code(), Some(1), "every feed failed");
    for feed in p.json_lines(&["list", "feeds", "--json"]) {
        let error = feed["last_error"].as_str().unwrap();
        assert!(error.contains("not a regular file"), "{error}");
    }
}

#[test]
fn local_feeds_larger_than_the_cap_are_refused() {
    let p = Profile::new();
    p.write("config.toml", "max_body_bytes = 1000\n");
    let items: Vec<_> = (0..100)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Story {i}"),
                format!("https://example.com/{i}"),
                "Some text.".to_string(),
            )
        })
        .collect();
    let big = p.write("big.xml", &rss("Big", &items));
    p.ok(&["add", big.to_str().unwrap()]);
    let output = run_within(p.path(), &["refresh"], Duration::from_secs(20));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("larger than 1000 bytes"), "{stderr}");
    assert!(p.json_lines(&["list", "articles", "--json"]).is_empty());
}

// ---- 2. a closed stdout ends the command quietly -----------------------------------------------

/// Runs `tidings ARGS…` with a stdout whose reader is gone before the output is written.
fn with_closed_stdout(home: &Path, args: &[&str]) -> Output {
    let mut child = command(home, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run tidings");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.stdout.is_empty());
    output
}

#[test]
fn closed_stdout_ends_show_export_list_and_extract_quietly() {
    let p = Profile::new();
    // Every output below is far larger than a pipe's buffer, so some write meets the closed pipe
    // whenever the reader goes.
    let long_text = "All work and no play makes a dull feed. ".repeat(5000);
    let items: Vec<_> = (0..3000)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Story number {i} with a title of some length"),
                format!("https://example.com/{i}"),
                if i == 0 {
                    long_text.clone()
                } else {
                    "Short.".to_string()
                },
            )
        })
        .collect();
    let feed = p.write("many.xml", &rss("Many", &items));
    p.ok(&["add", feed.to_str().unwrap()]);
    p.ok(&["refresh"]);
    let mut opml = String::from("<?xml version=\"1.0\"?><opml version=\"2.0\"><body>");
    for i in 0..1500 {
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Feed {i}\" xmlUrl=\"https://feeds{i}.example.com/a/rather/long/path/feed.xml\"/>"
        ));
    }
    opml.push_str("</body></opml>");
    let opml = p.write("many.opml", &opml);
    p.ok(&["import", opml.to_str().unwrap()]);
    let first = p
        .json_lines(&["list", "articles", "--json"])
        .into_iter()
        .find(|a| a["title"] == "Story number 0 with a title of some length")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let page = p.write(
        "page.html",
        &format!(
            "<html><body><article><h1>A page</h1>{}</article></body></html>",
            "<p>A paragraph of the article, long enough to count as text for the extractor.</p>"
                .repeat(2000)
        ),
    );
    for args in [
        vec!["show", first.as_str(), "--width", "80"],
        vec!["export"],
        vec!["list", "articles"],
        vec!["list", "articles", "--json"],
        vec!["list", "feeds"],
        vec!["extract", page.to_str().unwrap()],
    ] {
        let output = with_closed_stdout(p.path(), &args);
        let stderr = text(&output.stderr);
        assert!(
            output.status.success(),
            "`tidings {}` ended with {}: {stderr}",
            args.join(" "),
            output.status
        );
        assert_eq!(stderr, "", "`tidings {}` said something", args.join(" "));
    }
}

// ---- 3. escape sequences in arguments ----------------------------------------------------------

#[test]
fn escape_sequences_in_arguments_never_reach_stderr() {
    let p = Profile::new();
    for args in [
        vec!["show", "\x1b]0;PWNED\x07\x1b[2J"],
        vec!["show", "12\x1b[2Jx\u{202e}"],
        vec!["\x1b[31mred\x1b[0m"],
        vec!["list", "\x1b]52;c;cHduZWQ=\x07"],
        vec!["refresh", "--\x1b[2J"],
    ] {
        let output = tidings_output(p.path(), &args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        for forbidden in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
            assert!(
                !stderr.contains(forbidden) && !text(&output.stdout).contains(forbidden),
                "{args:?} let {forbidden:?} through: {stderr:?}"
            );
        }
    }
    // Help and version still go to stdout and succeed.
    let help = tidings_output(p.path(), &["--help"]);
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("Usage"));
    assert!(tidings_output(p.path(), &["--version"]).status.success());
}

// ---- 4. extract cleans what it prints ----------------------------------------------------------

#[test]
fn extract_removes_bidi_controls_and_escape_sequences() {
    let p = Profile::new();
    let page = p.write(
        "page.html",
        &format!(
            "<html><body><article><h1>Invoice \u{202e}fdp.exe</h1>{}\
             <p>Isolates \u{2066}here\u{2069} and marks \u{200f}too, and \x1b]0;PWNED\x07 a title \
             change, and a \u{9b}31m C1 sequence.</p></article></body></html>",
            "<p>Plenty of ordinary prose so that the extractor sees an article here.</p>"
                .repeat(10)
        ),
    );
    let output = p.ok(&["extract", page.to_str().unwrap()]);
    assert!(output.contains("fdp.exe"), "{output}");
    assert!(output.contains("Plenty of ordinary prose"), "{output}");
    for forbidden in [
        '\u{202e}', '\u{2066}', '\u{2069}', '\u{200f}', '\x1b', '\x07', '\u{9b}',
    ] {
        assert!(
            !output.contains(forbidden),
            "{forbidden:?} reached stdout: {output:?}"
        );
    }
}

// ---- 5. a refresh of everything is polite ------------------------------------------------------

/// `tidings ARGS…` on `home` from an async test, so the test's server keeps answering meanwhile.
async fn run(home: &Path, args: &[&str]) -> Output {
    let home = home.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_within(&home, &args, Duration::from_secs(60))
    })
    .await
    .unwrap()
}

async fn requests_to(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

fn small_feed(title: &str) -> ResponseTemplate {
    let item = (
        format!("{title}-1"),
        format!("{title} story"),
        "https://example.com/story".to_string(),
        "Text.".to_string(),
    );
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "application/rss+xml")
        .set_body_string(rss(title, &[item]))
}

/// A profile with three feeds on `server`: /ok.xml (a feed), /gone.xml (410) and /busy.xml (503 with
/// `Retry-After: 3600`), refreshed once.
async fn polite_setup(server: &MockServer) -> Profile {
    for (at, response) in [
        ("/ok.xml", small_feed("Ok")),
        ("/new.xml", small_feed("New")),
        ("/gone.xml", ResponseTemplate::new(410)),
        (
            "/busy.xml",
            ResponseTemplate::new(503).insert_header("Retry-After", "3600"),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(response)
            .mount(server)
            .await;
    }
    let p = Profile::new();
    for at in ["/ok.xml", "/gone.xml", "/busy.xml"] {
        p.ok(&["add", &format!("{}{at}", server.uri())]);
    }
    let first = run(p.path(), &["refresh"]).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(
        text(&first.stdout).trim(),
        "3 feeds: 1 fetched, 0 unchanged, 2 failed, 1 new articles"
    );
    for at in ["/ok.xml", "/gone.xml", "/busy.xml"] {
        assert_eq!(requests_to(server, at).await, 1, "{at}");
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_of_everything_skips_gone_and_retry_after_feeds() {
    let server = MockServer::start().await;
    let p = polite_setup(&server).await;
    let second = run(p.path(), &["refresh"]).await;
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(
        text(&second.stdout).trim(),
        "3 feeds: 1 fetched, 0 unchanged, 0 failed, 0 new articles, 2 skipped (1 gone, 1 asked to wait)"
    );
    assert_eq!(requests_to(&server, "/ok.xml").await, 2);
    assert_eq!(
        requests_to(&server, "/gone.xml").await,
        1,
        "410 Gone: never again"
    );
    assert_eq!(
        requests_to(&server, "/busy.xml").await,
        1,
        "Retry-After honoured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_naming_a_skipped_feed_still_fetches_it() {
    let server = MockServer::start().await;
    let p = polite_setup(&server).await;
    let gone = format!("{}/gone.xml", server.uri());
    let busy = format!("{}/busy.xml", server.uri());
    let named = run(p.path(), &["refresh", &gone, &busy]).await;
    assert_eq!(
        text(&named.stdout).trim(),
        "2 feeds: 0 fetched, 0 unchanged, 2 failed, 0 new articles"
    );
    assert_eq!(requests_to(&server, "/gone.xml").await, 2);
    assert_eq!(requests_to(&server, "/busy.xml").await, 2);
    assert_eq!(requests_to(&server, "/ok.xml").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_due_fetches_only_the_feeds_that_are_due() {
    let server = MockServer::start().await;
    let p = polite_setup(&server).await;
    // Nothing is due: the feed that worked waits its hour, the others wait as asked.
    let none = run(p.path(), &["refresh", "--due"]).await;
    assert!(none.status.success(), "{}", text(&none.stderr));
    assert_eq!(
        text(&none.stdout).trim(),
        "0 feeds due: 0 fetched, 0 unchanged, 0 failed, 0 new articles"
    );
    // A new feed is due at once.
    p.ok(&["add", &format!("{}/new.xml", server.uri())]);
    let due = run(p.path(), &["refresh", "--due"]).await;
    assert_eq!(
        text(&due.stdout).trim(),
        "1 feeds due: 1 fetched, 0 unchanged, 0 failed, 1 new articles"
    );
    assert_eq!(requests_to(&server, "/new.xml").await, 1);
    for at in ["/ok.xml", "/gone.xml", "/busy.xml"] {
        assert_eq!(requests_to(&server, at).await, 1, "{at} was not due");
    }
}

// ---- 6. full-text fetches resume after a 304 ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_text_fetches_cut_off_resume_on_a_304() {
    let server = MockServer::start().await;
    let base = server.uri();
    let items: Vec<_> = (1..=2)
        .map(|i| {
            (
                format!("a{i}"),
                format!("Article {i}"),
                format!("{base}/a{i}"),
                "Only a teaser.".to_string(),
            )
        })
        .collect();
    // The conditional request is answered 304 (mounted first: it wins over the full answer).
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .and(header("If-None-Match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"v1\""))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/rss+xml")
                .insert_header("ETag", "\"v1\"")
                .set_body_string(rss("Teasers", &items)),
        )
        .mount(&server)
        .await;
    for i in 1..=2 {
        Mock::given(method("GET"))
            .and(path(format!("/a{i}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Content-Type", "text/html; charset=utf-8")
                    .set_body_string(format!(
                        "<html><body><article><h1>Article {i}</h1>{}</article></body></html>",
                        format!(
                            "<p>The whole story number {i}, told at length for the reader.</p>"
                        )
                        .repeat(20)
                    )),
            )
            .mount(&server)
            .await;
    }
    let p = Profile::new();
    p.ok(&["add", &format!("{base}/feed.xml")]);
    // The first refresh stored the articles but no full text: as if killed before the pages came.
    let first = run(p.path(), &["refresh"]).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(
        (
            requests_to(&server, "/a1").await,
            requests_to(&server, "/a2").await
        ),
        (0, 0)
    );
    p.ok(&["edit", "1", "--full-text", "true"]);

    let second = run(p.path(), &["refresh"]).await;
    assert_eq!(
        text(&second.stdout).trim(),
        "1 feeds: 0 fetched, 1 unchanged, 0 failed, 0 new articles",
        "{}",
        text(&second.stderr)
    );
    assert_eq!(requests_to(&server, "/a1").await, 1, "pending page fetched");
    assert_eq!(requests_to(&server, "/a2").await, 1, "pending page fetched");
    let article = p
        .json_lines(&["list", "articles", "--json"])
        .into_iter()
        .find(|a| a["title"] == "Article 1")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let shown = p.ok(&["show", &article, "--width", "100"]);
    assert!(shown.contains("Text: full article"), "{shown}");
    assert!(shown.contains("The whole story number 1"), "{shown}");

    // Done is done: the next 304 asks for no page again.
    run(p.path(), &["refresh"]).await;
    assert_eq!(requests_to(&server, "/a1").await, 1);
    assert_eq!(requests_to(&server, "/a2").await, 1);
}
