//! The command line, end to end: the real binary on a temp profile (`--home`), local feeds only.

mod common;

use common::cli::{Profile, fixture};

const FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Local News</title><link>https://news.example.com/</link>
<item><guid>one</guid><title>First story</title><link>https://news.example.com/1</link>
<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;The first paragraph of the story.&lt;/p&gt;&lt;p&gt;See &lt;a href="https://example.org/more"&gt;more&lt;/a&gt;.&lt;/p&gt;</description></item>
<item><guid>two</guid><title>Second story</title><link>https://news.example.com/2</link>
<pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate><description>Short.</description></item>
</channel></rss>"#;

#[test]
fn add_refresh_list_show_remove() {
    let p = Profile::new();
    let feed = p.write("local.xml", FEED);
    let added = p.ok(&[
        "add",
        feed.to_str().unwrap(),
        "--tag",
        "local",
        "--tag",
        "news",
    ]);
    assert!(added.starts_with("added feed 1: file://"), "{added}");
    assert!(
        p.ok(&["add", feed.to_str().unwrap()])
            .contains("already subscribed")
    );

    let summary = p.ok(&["refresh"]);
    assert_eq!(
        summary.trim(),
        "1 feeds: 1 fetched, 0 unchanged, 0 failed, 2 new articles"
    );
    let again = p.ok(&["refresh", "1"]);
    assert_eq!(
        again.trim(),
        "1 feeds: 1 fetched, 0 unchanged, 0 failed, 0 new articles"
    );

    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0]["title"], "Local News");
    assert_eq!(feeds[0]["tags"], serde_json::json!(["local", "news"]));
    assert_eq!(
        (feeds[0]["unread"].as_i64(), feeds[0]["total"].as_i64()),
        (Some(2), Some(2))
    );
    assert!(feeds[0]["last_error"].is_null());

    let articles = p.json_lines(&["list", "articles", "--json", "--feed", "1"]);
    assert_eq!(articles.len(), 2);
    assert_eq!(articles[0]["title"], "Second story", "newest first");
    for key in [
        "id",
        "feed_id",
        "title",
        "link",
        "published",
        "read",
        "starred",
    ] {
        assert!(articles[0].get(key).is_some(), "article rows carry {key}");
    }
    let first_id = articles[1]["id"].as_i64().unwrap().to_string();
    let shown = p.ok(&["show", &first_id, "--width", "60"]);
    assert!(
        shown.starts_with("First story\nFeed: Local News\n"),
        "{shown}"
    );
    assert!(shown.contains("The first paragraph of the story."));
    assert!(shown.contains("[1] https://example.org/more"));

    assert_eq!(
        p.json_lines(&["list", "articles", "--unread", "--json"])
            .len(),
        2
    );
    assert!(
        p.ok(&["list", "feeds"])
            .contains("Local News [local, news]")
    );

    assert!(p.ok(&["remove", "1"]).starts_with("removed feed 1"));
    assert!(p.json_lines(&["list", "feeds", "--json"]).is_empty());
    assert!(p.json_lines(&["list", "articles", "--json"]).is_empty());
}

#[test]
fn refresh_exits_non_zero_only_when_every_feed_failed() {
    let p = Profile::new();
    let good = p.write("good.xml", FEED);
    let bad = p.write("bad.xml", "this is not a feed");
    p.ok(&["add", bad.to_str().unwrap()]);
    let out = p.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(1), "every feed failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed:"), "{stderr}");
    p.ok(&["add", good.to_str().unwrap()]);
    let out = p.ok(&["refresh"]);
    assert!(
        out.contains("1 fetched") && out.contains("1 failed"),
        "{out}"
    );
    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    let failed = feeds
        .iter()
        .find(|f| f["url"].as_str().unwrap().ends_with("bad.xml"))
        .unwrap();
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .contains("not a feed")
    );
}

#[test]
fn misuse_is_exit_code_2_and_bad_urls_are_refused() {
    let p = Profile::new();
    assert_eq!(p.run(&["frobnicate"]).status.code(), Some(2));
    for url in [
        "javascript:alert(1)",
        "ftp://example.com/feed",
        "/no/such/file.xml",
    ] {
        let out = p.run(&["add", url]);
        assert_eq!(out.status.code(), Some(1), "{url} must be refused");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("tidings: "));
    }
    let out = p.run(&["show", "99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article with id 99"));
}

#[test]
fn import_export_round_trip() {
    let p = Profile::new();
    let out = p.ok(&[
        "import",
        fixture("opml/newsboat/example.opml").to_str().unwrap(),
    ]);
    assert!(out.starts_with("imported 7 feeds"), "{out}");
    let again = p.ok(&[
        "import",
        fixture("opml/newsboat/example.opml").to_str().unwrap(),
    ]);
    assert!(
        again.starts_with("imported 0 feeds (7 already subscribed"),
        "{again}"
    );

    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    let mike = feeds
        .iter()
        .find(|f| f["title"] == "Notes by Mike")
        .expect("nested feed");
    assert_eq!(mike["tags"], serde_json::json!(["Blogs", "friends"]));

    let exported = p.ok(&["export"]);
    assert!(exported.contains("<opml version=\"2.0\""));
    let copy = Profile::new();
    let file = copy.write("export.opml", &exported);
    copy.ok(&["import", file.to_str().unwrap()]);
    let mut before: Vec<(String, String)> = feeds
        .iter()
        .map(|f| (f["url"].to_string(), f["tags"].to_string()))
        .collect();
    let mut after: Vec<(String, String)> = copy
        .json_lines(&["list", "feeds", "--json"])
        .iter()
        .map(|f| (f["url"].to_string(), f["tags"].to_string()))
        .collect();
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

#[test]
fn import_skips_and_reports_non_http_entries() {
    let p = Profile::new();
    let opml = p.write(
        "evil.opml",
        r#"<opml version="2.0"><body>
        <outline text="ok" xmlUrl="https://example.com/feed"/>
        <outline text="cmd" xmlUrl="|rm -rf ~"/>
        <outline text="exec" xmlUrl="exec:~/bin/feed"/>
        <outline text="filter" xmlUrl="filter:~/f.sh:https://example.com/x"/>
        </body></opml>"#,
    );
    let out = p.run(&["import", opml.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("imported 1 feeds"), "{stdout}");
    assert_eq!(stderr.matches("skipped").count(), 3, "{stderr}");
    assert_eq!(p.json_lines(&["list", "feeds", "--json"]).len(), 1);
}

#[test]
fn broken_opml_is_a_clear_error() {
    let p = Profile::new();
    let file = p.write(
        "broken.opml",
        "<opml><body><outline xmlUrl='https://a.example/'",
    );
    let out = p.run(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot import"));
}

#[test]
fn reader_refuses_to_start_without_a_terminal() {
    let p = Profile::new();
    let out = p.run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn per_feed_interval_is_set_on_add_and_edited_later() {
    let p = Profile::new();
    let feed = p.write("local.xml", FEED);
    p.ok(&["add", feed.to_str().unwrap(), "--every", "30m"]);
    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    assert_eq!(feeds[0]["interval_minutes"], 30);
    assert!(p.ok(&["list", "feeds"]).contains("every 30m"));
    assert_eq!(
        p.ok(&["edit", "1", "--every", "1h30m"]).trim(),
        "feed 1: refreshed every 90m"
    );
    assert_eq!(
        p.json_lines(&["list", "feeds", "--json"])[0]["interval_minutes"],
        90
    );
    p.ok(&[
        "edit",
        "1",
        "--every",
        "2d",
        "--title",
        "Mine",
        "--full-text",
        "true",
    ]);
    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    assert_eq!(
        (
            feeds[0]["interval_minutes"].as_i64(),
            feeds[0]["title"].as_str()
        ),
        (Some(2880), Some("Mine"))
    );
    p.ok(&["edit", "1", "--every", "default", "--title", ""]);
    let feeds = p.json_lines(&["list", "feeds", "--json"]);
    assert!(feeds[0]["interval_minutes"].is_null());
    assert!(
        feeds[0]["title"].as_str().unwrap().contains("local.xml"),
        "back to the feed's own title"
    );
    for bad in ["0m", "5x", "h", "31d"] {
        assert_eq!(
            p.run(&["edit", "1", "--every", bad]).status.code(),
            Some(2),
            "{bad} is refused"
        );
    }
    assert_eq!(
        p.run(&["edit", "1"]).status.code(),
        Some(1),
        "nothing to change"
    );
}
