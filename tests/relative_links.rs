//! What real feeds do that the parser must take in stride, one test per finding of the trial on
//! real feeds beside Newsboat: relative URLs (article links, links and images in the content, the
//! site link) are stored absolute; sloppy JSON Feeds (an `http://` version, `tags` as a string,
//! dates without a zone) read; XML that is not well formed still gives its items; dates far in the
//! future are kept as given. Real documents come from `tests/fixtures/feeds/real/` (see its README).

use chrono::{TimeZone, Utc};
use tidings::feed::opml::{ExportFeed, write_opml};
use tidings::feed::parse::{parse_feed, parse_feed_with_charset};
use tidings::store::FeedContent;

const NOW: i64 = 1_764_072_000;
const FETCHED: &str = "https://feeds.example.net/blog/feed.xml";

fn real(path: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds/real")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_from(doc: &[u8], fetched: Option<&str>) -> FeedContent {
    parse_feed_with_charset(doc, None, fetched).unwrap_or_else(|e| panic!("{e}"))
}

fn links(content: &FeedContent) -> Vec<&str> {
    content
        .items
        .iter()
        .map(|i| i.link.as_deref().unwrap_or("-"))
        .collect()
}

#[test]
fn relative_article_links_resolve_against_xml_base_then_feed_link_then_fetched_url() {
    // The real case: a root-relative link in an Atom feed whose own link is absolute.
    let yakubin = parse_from(&real("readers/netnewswire/yakubin.atom"), Some(FETCHED));
    assert_eq!(
        yakubin.items[0].link.as_deref(),
        Some("https://yakubin.com/notes/thoughts-about-prolog.html")
    );
    assert!(
        yakubin.items.iter().all(|i| i
            .link
            .as_deref()
            .is_some_and(|l| l.starts_with("https://yakubin.com/"))),
        "{:?}",
        links(&yakubin)
    );

    // xml:base first: on the entry, then on the feed (a relative one resolved against what is
    // outside it), then the feed's link, then the fetched URL.
    let atom = br#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/site/">
  <title>T</title><id>urn:t</id><updated>2025-01-01T00:00:00Z</updated>
  <link rel="alternate" href="https://blog.example.com/"/>
  <entry xml:base="https://other.example.org/posts/"><id>urn:1</id><title>1</title>
    <updated>2025-01-01T00:00:00Z</updated><link href="one.html"/></entry>
  <entry><id>urn:2</id><title>2</title><updated>2025-01-01T00:00:00Z</updated>
    <link href="two.html"/></entry>
  <entry xml:base="deeper/"><id>urn:3</id><title>3</title><updated>2025-01-01T00:00:00Z</updated>
    <link href="/root.html"/></entry>
</feed>"#;
    let content = parse_from(atom, Some(FETCHED));
    assert_eq!(
        links(&content),
        [
            "https://other.example.org/posts/one.html",
            "https://blog.example.com/site/two.html",
            "https://blog.example.com/root.html",
        ]
    );

    // No xml:base: the feed's link; the feed's link relative: it is resolved first.
    let rss = |channel_link: &str| {
        format!(
            r#"<rss version="2.0"><channel><title>T</title>{channel_link}
<item><guid>1</guid><title>1</title><link>posts/1.html</link></item>
<item><guid>2</guid><title>2</title><link>//cdn.example.org/2.html</link></item>
<item><guid>3</guid><title>3</title><link>https://abs.example.org/3</link></item>
</channel></rss>"#
        )
    };
    let with_link = parse_from(
        rss("<link>https://www.example.com/news/</link>").as_bytes(),
        Some(FETCHED),
    );
    assert_eq!(
        links(&with_link),
        [
            "https://www.example.com/news/posts/1.html",
            "https://cdn.example.org/2.html",
            "https://abs.example.org/3",
        ]
    );
    let relative_link = parse_from(rss("<link>/news/</link>").as_bytes(), Some(FETCHED));
    assert_eq!(
        relative_link.items[0].link.as_deref(),
        Some("https://feeds.example.net/news/posts/1.html")
    );

    // No feed link at all: the URL the feed was fetched from (after redirects).
    let bare = parse_from(rss("").as_bytes(), Some(FETCHED));
    assert_eq!(
        bare.items[0].link.as_deref(),
        Some("https://feeds.example.net/blog/posts/1.html")
    );

    // Without any base a relative link is all there is: kept as given.
    let unknown = parse_feed(rss("").as_bytes()).unwrap();
    assert_eq!(unknown.items[0].link.as_deref(), Some("posts/1.html"));

    // A relative link never changes an item's id: ids come from the link as the feed gives it.
    assert_eq!(bare.items[0].guid, unknown.items[0].guid);
}

#[test]
fn content_links_and_images_resolve() {
    // The real case: content with its own xml:base and root-relative links in it.
    let df = parse_from(
        &real("readers/netnewswire/DaringFireball.atom"),
        Some(FETCHED),
    );
    let item = df
        .items
        .iter()
        .find(|i| {
            i.content
                .as_deref()
                .is_some_and(|c| c.contains("dickbar-techcrunch"))
        })
        .expect("the Medium dickbars article");
    let html = item.content.as_deref().unwrap();
    assert!(
        html.contains(r#"href="https://daringfireball.net/misc/2017/06/dickbar-techcrunch.png""#),
        "{html}"
    );
    let rendered = tidings::text::render_html(html, 80);
    assert!(
        rendered
            .links
            .iter()
            .any(|l| l == "https://daringfireball.net/misc/2017/06/dickbar-techcrunch.png"),
        "{:?}",
        rendered.links
    );
    for item in &df.items {
        let rendered = tidings::text::render_html(item.content.as_deref().unwrap_or(""), 80);
        for link in &rendered.links {
            assert!(
                link.starts_with("https://")
                    || link.starts_with("http://")
                    || link.starts_with("mailto:"),
                "{}: {link}",
                item.title
            );
        }
    }

    // Summary and content, images and links; what must stay stays.
    let rss = br##"<rss version="2.0"><channel><title>T</title><link>https://www.example.com/blog/</link>
<item><guid>1</guid><title>1</title>
<description>&lt;a href="/about"&gt;About&lt;/a&gt; &lt;img src="img/cat.png" alt="cat"&gt;</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[
<p><a href="../up.html">up</a> <a href="#note">note</a> <a href="mailto:me@example.com">mail</a>
<img src="data:image/gif;base64,R0lGOD=="> <a href='https://elsewhere.example.org/x'>x</a>
<a href="?page=2&amp;sort=new">next</a> <a href="javascript:alert(1)">js</a></p>]]></content:encoded>
</item></channel></rss>"##;
    let content = parse_from(rss, Some(FETCHED));
    let item = &content.items[0];
    let summary = item.summary.as_deref().unwrap();
    assert!(
        summary.contains(r#"href="https://www.example.com/about""#),
        "{summary}"
    );
    assert!(
        summary.contains(r#"src="https://www.example.com/blog/img/cat.png""#),
        "{summary}"
    );
    let html = item.content.as_deref().unwrap();
    for expected in [
        r#"href="https://www.example.com/up.html""#,
        r##"href="#note""##,
        r#"href="mailto:me@example.com""#,
        r#"src="data:image/gif;base64,R0lGOD==""#,
        r#"href='https://elsewhere.example.org/x'"#,
        r#"href="https://www.example.com/blog/?page=2&amp;sort=new""#,
        r#"href="javascript:alert(1)""#,
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    assert_eq!(html.matches("javascript:").count(), 1, "{html}");
}

#[test]
fn site_link_is_absolute() {
    let rss = br#"<rss version="2.0"><channel><title>T</title><link>/</link>
<item><guid>1</guid><title>1</title></item></channel></rss>"#;
    let content = parse_from(rss, Some("https://example.com/feed.xml"));
    assert_eq!(content.site_link.as_deref(), Some("https://example.com/"));
    // As exported.
    let opml = write_opml(&[ExportFeed {
        url: "https://example.com/feed.xml",
        title: "T",
        site_link: content.site_link.as_deref(),
        tags: &[],
        interval_minutes: None,
        full_text: false,
    }]);
    assert!(opml.contains(r#"htmlUrl="https://example.com/""#), "{opml}");
    assert!(!opml.contains(r#"htmlUrl="/""#), "{opml}");
    // A relative site link with nothing to resolve it against is not kept.
    assert_eq!(parse_feed(rss).unwrap().site_link, None);
    // Inside an xml:base.
    let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.example.org/a/">
<title>T</title><id>urn:t</id><updated>2025-01-01T00:00:00Z</updated><link href="home/"/></feed>"#;
    assert_eq!(
        parse_from(atom, Some(FETCHED)).site_link.as_deref(),
        Some("https://www.example.org/a/home/")
    );
    // The real feeds' site links.
    for path in [
        "readers/netnewswire/yakubin.atom",
        "readers/netnewswire/DaringFireball.atom",
        "jsonfeed/netnewswire/pxlnv.json",
    ] {
        let site = parse_from(&real(path), Some(FETCHED)).site_link;
        assert!(
            site.as_deref().is_some_and(|s| s.starts_with("https://")),
            "{path}: {site:?}"
        );
    }
}

#[test]
fn json_feed_with_http_version_reads() {
    let pxlnv = parse_from(&real("jsonfeed/netnewswire/pxlnv.json"), Some(FETCHED));
    assert_eq!(pxlnv.items.len(), 20);
    assert!(
        pxlnv
            .items
            .iter()
            .all(|i| !i.title.is_empty() && i.published.is_some())
    );
    let doc = br#"{"version": "http://jsonfeed.org/version/1", "title": "T",
        "home_page_url": "https://example.org/",
        "items": [{"id": "1", "url": "/one", "title": "One", "content_text": "x"}]}"#;
    let content = parse_from(doc, Some(FETCHED));
    assert_eq!(content.title.as_deref(), Some("T"));
    assert_eq!(
        content.items[0].link.as_deref(),
        Some("https://example.org/one")
    );
    // Not a feed at all is still an error.
    assert!(parse_feed(br#"{"title": "no items here"}"#).is_err());
}

#[test]
fn json_feed_tags_as_a_string_read() {
    let rose = parse_from(&real("jsonfeed/netnewswire/rose.json"), Some(FETCHED));
    assert_eq!(rose.items.len(), 84);
    let doc = br#"{"version": "https://jsonfeed.org/version/1", "title": "T",
        "items": [{"id": "1", "title": "One", "tags": "a,b", "content_html": "<p>x</p>"},
                  {"id": "2", "title": "Two", "tags": "", "content_html": "<p>y</p>"}]}"#;
    let content = parse_from(doc, Some(FETCHED));
    assert_eq!(
        content
            .items
            .iter()
            .map(|i| i.title.as_str())
            .collect::<Vec<_>>(),
        ["One", "Two"]
    );
}

#[test]
fn dates_without_a_zone_read_as_utc() {
    let curt = parse_from(&real("jsonfeed/netnewswire/curt.json"), Some(FETCHED));
    assert_eq!(curt.items.len(), 26);
    let jan6 = Utc
        .with_ymd_and_hms(2018, 1, 6, 8, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(curt.items[0].published, Some(jan6));
    assert!(
        curt.items
            .iter()
            .all(|i| i.published.is_some_and(|p| p < NOW))
    );
    let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<updated>2018-01-06T08:00</updated>
<entry><id>urn:1</id><title>1</title><updated>2018-01-06T08:00:00</updated>
<published>2018-01-06 08:00</published></entry></feed>"#;
    let content = parse_from(atom, Some(FETCHED));
    assert_eq!(content.items[0].updated, Some(jan6));
    assert_eq!(content.items[0].published, Some(jan6));
    // Dates with a zone are read as before.
    let rss = br#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid>
<pubDate>Sat, 06 Jan 2018 09:00:00 +0100</pubDate></item></channel></rss>"#;
    assert_eq!(parse_from(rss, None).items[0].published, Some(jan6));
}

#[test]
fn malformed_xml_recovers_items() {
    // The real case: a Mastodon feed whose channel is never closed.
    let microposts = parse_from(&real("readers/feedbin/microposts.xml"), Some(FETCHED));
    assert_eq!(microposts.items.len(), 2);
    assert_eq!(microposts.title.as_deref(), Some("Chris Coyier"));
    assert!(microposts.items.iter().all(|i| {
        i.link
            .as_deref()
            .is_some_and(|l| l.starts_with("https://front-end.social/@chriscoyier/"))
    }));

    // Cut off mid-item, a stray end tag, a repeated attribute: the items before and around still
    // read.
    let broken = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>1</guid><title>One</title></span><link>/1</link></item>
<item><guid isPermaLink="false" isPermaLink="false">2</guid><title>Two</title></item>
<item><guid>3</guid><title>Three</ti"#;
    let content = parse_from(broken, Some(FETCHED));
    let titles: Vec<&str> = content.items.iter().map(|i| i.title.as_str()).collect();
    assert!(titles.starts_with(&["One", "Two"]), "{titles:?}");
    assert_eq!(
        content.items[0].link.as_deref(),
        Some("https://feeds.example.net/1")
    );

    // What recovers nothing keeps its error.
    assert!(parse_feed(b"<rss version=\"2.0\"><channel><title>T</titl").is_err());
    assert!(parse_feed(b"<html><body><p>a page</body></html>").is_err());
}

#[test]
fn future_dates_are_kept_as_given() {
    let rss = br#"<rss version="2.0"><channel><title>T</title>
<item><guid>far</guid><title>Far</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
<item><guid>soon</guid><title>Soon</title><pubDate>Tue, 25 Nov 2025 13:00:00 GMT</pubDate></item>
<item><guid>past</guid><title>Past</title><pubDate>Mon, 01 Jan 2018 00:00:00 GMT</pubDate></item>
</channel></rss>"#;
    let content = parse_from(rss, Some(FETCHED));
    // The store sorts a far one by when it was first seen (tests/store.rs); the date is kept.
    let far = Utc
        .with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(content.items[0].published, Some(far));
    let soon = Utc
        .with_ymd_and_hms(2025, 11, 25, 13, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(content.items[1].published, Some(soon));
    let past = Utc
        .with_ymd_and_hms(2018, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(content.items[2].published, Some(past));
    let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<entry><id>urn:1</id><title>1</title><updated>2999-12-31T23:59:59Z</updated></entry></feed>"#;
    let content = parse_from(atom, Some(FETCHED));
    assert!(content.items[0].updated.is_some_and(|u| u > NOW + 86_400));
}
