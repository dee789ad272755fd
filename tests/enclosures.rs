//! Enclosures (podcast episodes, media) are stored from every kind of feed, with URL, type, length
//! and duration, and shown: the article header lists them, `tidings show` and `list articles --json`
//! include them.

mod common;

use common::cli::Profile;
use tidings::feed::parse::parse_feed_with_charset;
use tidings::store::Enclosure;

fn enclosures_of(doc: &str) -> Vec<Vec<Enclosure>> {
    parse_feed_with_charset(doc.as_bytes(), None, Some("https://pod.example/feed.xml"))
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.enclosures)
        .collect()
}

#[test]
fn rss_enclosures_keep_url_type_length_and_duration() {
    let got = enclosures_of(
        r#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>P</title>
<item><guid>1</guid><title>Episode 1</title>
<enclosure url="https://pod.example/media/ep1.mp3" length="23400000" type="audio/mpeg"/>
<itunes:duration>00:45:12</itunes:duration><itunes:summary>Show notes</itunes:summary></item>
<item><guid>2</guid><title>No media</title></item>
<item><guid>3</guid><title>Local file</title><enclosure url="file:///etc/passwd" length="1" type="text/plain"/></item>
</channel></rss>"#,
    );
    assert_eq!(
        got[0],
        [Enclosure {
            url: "https://pod.example/media/ep1.mp3".into(),
            mime: Some("audio/mpeg".into()),
            length: Some(23_400_000),
            duration: Some(45 * 60 + 12),
        }]
    );
    assert!(got[1].is_empty());
    assert!(
        got[2].is_empty(),
        "only http(s) media is kept: {:?}",
        got[2]
    );
}

#[test]
fn atom_enclosure_links_and_json_feed_attachments_are_enclosures() {
    let atom = enclosures_of(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
<entry><id>urn:1</id><title>One</title><link href="https://a.example/1"/>
<link rel="enclosure" href="https://a.example/1.ogg" type="audio/ogg" length="1000"/></entry></feed>"#,
    );
    assert_eq!(atom[0].len(), 1);
    assert_eq!(atom[0][0].url, "https://a.example/1.ogg");
    assert_eq!(atom[0][0].mime.as_deref(), Some("audio/ogg"));

    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
        {"id":"1","url":"https://j.example/1","title":"One","content_text":"x",
         "attachments":[{"url":"https://j.example/1.m4a","mime_type":"audio/x-m4a","size_in_bytes":555,"duration_in_seconds":61}]}]}"#;
    let parsed = parse_feed_with_charset(json.as_bytes(), None, None).unwrap();
    let item = &parsed.items[0];
    assert_eq!(
        item.link.as_deref(),
        Some("https://j.example/1"),
        "the attachment is not the link"
    );
    assert_eq!(item.enclosures.len(), 1);
    assert_eq!(item.enclosures[0].url, "https://j.example/1.m4a");
    assert_eq!(item.enclosures[0].length, Some(555));
}

#[test]
fn show_and_list_json_include_enclosures() {
    let profile = Profile::new();
    let feed = profile.write(
        "pod.xml",
        r#"<rss version="2.0"><channel><title>Pod</title><link>https://pod.example/</link>
<item><guid>1</guid><title>Episode 1</title><link>https://pod.example/1</link><description>Notes</description>
<enclosure url="https://pod.example/ep1.mp3" length="23400000" type="audio/mpeg"/></item>
</channel></rss>"#,
    );
    profile.ok(&["add", feed.to_str().unwrap()]);
    profile.ok(&["refresh"]);
    let rows = profile.json_lines(&["list", "articles", "--json"]);
    assert_eq!(
        rows[0]["enclosures"][0]["url"],
        "https://pod.example/ep1.mp3"
    );
    assert_eq!(rows[0]["enclosures"][0]["type"], "audio/mpeg");
    assert_eq!(rows[0]["enclosures"][0]["length"], 23_400_000);
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let shown = profile.ok(&["show", &id, "--width", "100"]);
    assert!(
        shown.contains("Media: https://pod.example/ep1.mp3 (audio/mpeg, 23.4 MB)"),
        "{shown}"
    );
}
