//! Managing subscriptions in the real program, in a pseudo-terminal, as a new user with no command
//! line would: add a feed from a site's home page on a loopback server that links to two feeds and
//! choose one, rename and tag it, set its interval, see its details, delete another feed; then start
//! again and find it all as it was left. And a server that never answers leaves the reader
//! responsive, with Esc cancelling the add.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::cli::tidings;
use common::pty::{Tui, selected_in};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CTRL_U: &[u8] = b"\x15";
const DOWN: &[u8] = b"\x1b[B";
const ESC: &[u8] = b"\x1b";

fn rss(title: &str, items: &[&str]) -> String {
    let items: String = items
        .iter()
        .map(|t| {
            format!("<item><guid>{t}</guid><title>{t}</title><link>https://example.com/{t}</link><description>About {t}.</description></item>")
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>"#
    )
}

/// A site whose home page names two feeds.
async fn site() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "text/html")
                .set_body_string(
                    r#"<html><head><title>Valley</title>
<link rel="alternate" type="application/rss+xml" title="Valley posts" href="/posts.xml">
<link rel="alternate" type="application/rss+xml" title="Valley comments" href="/comments.xml">
</head><body>Hi</body></html>"#,
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/posts.xml"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(rss("Valley posts", &["Post one"])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/comments.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(
            "Valley comments",
            &["Comment one", "Comment two", "Comment three"],
        )))
        .mount(&server)
        .await;
    server
}

#[test]
fn a_new_user_manages_subscriptions_without_the_command_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(site());
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 36);
    tui.wait_text("Welcome to tidings");

    // 1. Add from the site's home page, and choose the second feed it names.
    tui.send(b"a");
    tui.wait_text("Add a feed");
    tui.send(format!("{}/\r", server.uri()).as_bytes());
    tui.wait_text("This page links to these feeds");
    tui.wait_text("Valley comments <");
    tui.send(b"j\r");
    tui.wait_text("(3 articles)");
    // A tag, then add.
    tui.send(DOWN);
    tui.send(b"blogs\r");
    tui.wait_text("Subscribed to Valley comments");
    tui.wait_text("Comment three");
    tui.with_screen(|s| {
        assert!(
            selected_in(s, "Feeds").is_some_and(|l| l.trim_start().starts_with("Valley comments")),
            "the new feed is selected\n{}",
            common::pty::dump(s)
        );
    });

    // 2 and 3. Rename it, tag it again, set its interval.
    tui.send(b"e");
    tui.wait_text("Edit feed");
    tui.send(CTRL_U);
    tui.send(b"Valley talk");
    tui.send(DOWN);
    tui.send(CTRL_U);
    tui.send(b"news, local");
    tui.send(DOWN);
    tui.send(CTRL_U);
    tui.send(b"2h\r");
    tui.wait_text("Saved: refreshed every 2h");
    tui.wait_text("Valley talk");

    // 4. Its details.
    tui.send(b"i");
    tui.wait_text("Feed details");
    tui.wait_text("2h (the feed's own interval)");
    tui.wait_text("3 (3 unread, 0 starred)");
    tui.send(b"x");
    tui.wait_for("the details closed", Duration::from_secs(10), |s| {
        !s.contains("Feed details")
    });

    // 5. Delete the welcome feed, after the confirmation.
    tui.select("Feeds", "Welcome to tidings");
    tui.send(b"d");
    tui.wait_text("Delete the feed Welcome to tidings?");
    tui.wait_text("0 of them starred");
    tui.send(b"y");
    tui.wait_text("Deleted Welcome to tidings");
    tui.send(b"q");
    tui.expect_clean_exit();

    // Everything survives a restart.
    let mut again = Tui::spawn(home.path(), 120, 36);
    again.wait_text("Valley talk");
    again.with_screen(|s| {
        let text = s.contents();
        assert!(!text.contains("Welcome to tidings"), "{text}");
        assert!(text.contains("local") && text.contains("news"), "{text}");
    });
    again.send(b"q");
    again.expect_clean_exit();
    let feeds = tidings(home.path(), &["list", "feeds", "--json"]);
    let rows: Vec<serde_json::Value> = feeds
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{feeds}");
    assert_eq!(rows[0]["title"], "Valley talk");
    assert_eq!(rows[0]["tags"], serde_json::json!(["local", "news"]));
    assert_eq!(rows[0]["interval_minutes"], 120);
    assert_eq!(rows[0]["total"], 3);
}

#[test]
fn a_server_that_never_answers_leaves_the_reader_responsive_and_esc_cancels() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 36);
    tui.wait_text("Welcome to tidings");
    tui.send(b"a");
    tui.wait_text("Add a feed");
    tui.send(format!("http://{addr}/feed.xml\r").as_bytes());
    // The spinner keeps counting: the screen is drawn while the fetch waits.
    tui.wait_text("Fetching… 2 s");
    tui.send(ESC);
    tui.wait_text("Cancelled");
    tui.send(ESC);
    tui.wait_for("the dialog closed", Duration::from_secs(5), |s| {
        !s.contains("Add a feed")
    });
    // Keys still move the cursor at once.
    tui.send(b"j");
    tui.wait_for_screen("Starred selected", Duration::from_secs(5), |s| {
        selected_in(s, "Feeds").is_some_and(|l| l.starts_with("Starred"))
    });
    tui.send(b"q");
    tui.expect_clean_exit();
}
