//! Tests of the Newsboat `urls` reader, OPML sniffing and the Newsboat cache reader.
use super::*;
use std::path::PathBuf;

fn parse(text: &str) -> UrlsImport {
    parse_urls(text, false)
}

/// The only feed of `import`, failing the test when there is not exactly one.
fn only_feed(import: &UrlsImport) -> &UrlsEntry {
    assert_eq!(import.feeds.len(), 1, "{import:?}");
    &import.feeds[0]
}

/// The only skipped line of `import`, failing the test when there is not exactly one.
fn only_skipped(import: &UrlsImport) -> (&str, &str) {
    assert_eq!(import.skipped.len(), 1, "{import:?}");
    let (what, why) = &import.skipped[0];
    (what, why)
}

/// True if `c` must never reach the screen.
fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn plain_url_is_taken_as_written() {
    let import = parse("https://Example.com/feed.xml\n");
    assert_eq!(
        only_feed(&import),
        &UrlsEntry {
            url: "https://Example.com/feed.xml".into(),
            title: None,
            tags: vec![],
            hidden: false,
        }
    );
    assert!(import.skipped.is_empty());
}

#[test]
fn tags_follow_the_url_in_order_once_each() {
    let import = parse("http://a.example/rss  tech\tnews  tech \"\" news rust\r\n");
    let feed = only_feed(&import);
    assert_eq!(feed.url, "http://a.example/rss");
    assert_eq!(feed.tags, ["tech", "news", "rust"]);
}

#[test]
fn quoted_tag_keeps_its_spaces_and_escapes() {
    let import = parse(r#"https://a.example/ "tag with spaces" "say \"hi\"" plain"#);
    assert_eq!(
        only_feed(&import).tags,
        ["tag with spaces", "say \"hi\"", "plain"]
    );
}

#[test]
fn tilde_tag_is_the_title_and_not_a_tag() {
    let import = parse("https://a.example/ news \"~My  Title\" \"~Second\" ~Word");
    let feed = only_feed(&import);
    assert_eq!(feed.title.as_deref(), Some("My Title"));
    assert_eq!(feed.tags, ["news"]);
}

#[test]
fn bang_tag_hides_the_feed_and_is_not_a_tag() {
    let import = parse("https://a.example/ ! news\nhttps://b.example/ \"!\"\nhttps://c.example/ x");
    let hidden: Vec<bool> = import.feeds.iter().map(|f| f.hidden).collect();
    assert_eq!(hidden, [true, true, false]);
    assert_eq!(import.feeds[0].tags, ["news"]);
    assert!(import.feeds[1].tags.is_empty());
}

#[test]
fn comment_lines_and_trailing_comments_are_ignored() {
    let import = parse(
        "# my feeds\n  # indented comment https://x.example/\nhttps://a.example/ tag # not a tag\n",
    );
    let feed = only_feed(&import);
    assert_eq!(feed.url, "https://a.example/");
    assert_eq!(feed.tags, ["tag"]);
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
}

#[test]
fn blank_lines_are_ignored() {
    let import = parse("\n   \n\t\r\nhttps://a.example/\n\n");
    assert_eq!(only_feed(&import).url, "https://a.example/");
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
}

#[test]
fn exec_lines_are_skipped_because_they_run_commands() {
    let import = parse("\"exec:~/bin/make-feed --all\" tag\n");
    assert!(import.feeds.is_empty());
    let (what, why) = only_skipped(&import);
    assert_eq!(what, "line 1: exec:~/bin/make-feed --all");
    assert!(why.contains("never runs commands"), "{why}");
}

#[test]
fn filter_lines_are_skipped_because_they_run_commands() {
    let import = parse("filter:~/bin/clean.sh:https://a.example/feed\n");
    assert!(import.feeds.is_empty());
    let (what, why) = only_skipped(&import);
    assert!(what.starts_with("line 1: filter:"), "{what}");
    assert!(why.starts_with("filter:"), "{why}");
    assert!(why.contains("never runs commands"), "{why}");
}

#[test]
fn query_lines_are_skipped_as_saved_searches() {
    let import = parse(r#""query:Unread Articles:unread = \"yes\"" "~Unread""#);
    assert!(import.feeds.is_empty());
    let (what, why) = only_skipped(&import);
    assert_eq!(what, "line 1: query:Unread Articles:unread = \"yes\"");
    assert!(why.contains("saved searches"), "{why}");
}

#[test]
fn urls_that_are_not_http_are_skipped_with_a_reason() {
    let import = parse_urls(
        "ftp://a.example/feed\njavascript:alert(1)\nexample.com/feed\nhttps://\nC:\\feeds\\a.xml\n",
        true,
    );
    assert!(import.feeds.is_empty(), "{:?}", import.feeds);
    let whys: Vec<&str> = import.skipped.iter().map(|(_, why)| why.as_str()).collect();
    assert_eq!(
        whys,
        [
            "ftp: URLs are not supported (only http(s))",
            "javascript: URLs are not supported (only http(s))",
            "not an http(s) URL",
            "invalid http(s) URL",
            "not an http(s) URL",
        ]
    );
    assert!(import.skipped[0].0.starts_with("line 1: ftp://"));
    assert!(import.skipped[4].0.starts_with("line 5: "));
}

#[test]
fn file_urls_and_paths_are_skipped_without_allow_local() {
    let import = parse_urls("file:///home/me/feed.xml\n/home/me/other.xml\n", false);
    assert!(import.feeds.is_empty());
    let whys: Vec<&str> = import.skipped.iter().map(|(_, why)| why.as_str()).collect();
    assert_eq!(
        whys,
        [
            "file:// URL (only taken when importing your own file)",
            "local file path (only taken when importing your own file)",
        ]
    );
}

#[test]
fn file_urls_are_kept_as_given_with_allow_local() {
    let import = parse_urls(
        "file:///home/me/My%20Feed.xml local\n/home/me/other.xml\nfile:///\nfile://remote.example/x\n/\n",
        true,
    );
    let urls: Vec<&str> = import.feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        ["file:///home/me/My%20Feed.xml", "file:///home/me/other.xml"]
    );
    assert_eq!(import.feeds[0].tags, ["local"]);
    let whys: Vec<&str> = import.skipped.iter().map(|(_, why)| why.as_str()).collect();
    assert_eq!(
        whys,
        [
            "unusable file:// URL",
            "unusable file:// URL",
            "unusable local file path"
        ]
    );
}

#[test]
fn unterminated_quote_takes_the_rest_of_the_line() {
    let import =
        parse("https://a.example/ first \"~Title with # and \\\"more\nhttps://b.example/ \"open");
    assert_eq!(import.feeds.len(), 2, "{import:?}");
    assert_eq!(import.feeds[0].tags, ["first"]);
    assert_eq!(
        import.feeds[0].title.as_deref(),
        Some("Title with # and \"more")
    );
    assert_eq!(import.feeds[1].tags, ["open"]);
    // A quote left open around the URL itself: the whole rest is the URL, which has spaces.
    let import = parse("\"https://c.example/ tag");
    assert!(import.feeds.is_empty());
    assert_eq!(
        only_skipped(&import).1,
        "the URL contains spaces or control characters"
    );
}

#[test]
fn control_characters_and_escape_sequences_are_stripped() {
    let import = parse(
        "https://a.example/ \"~\x1b[31mRed\x1b[0m\u{202E}Title\x07\" \"t\x1b]52;c;aGk=\x07ag\" \"\x1b\" \"\\n\\t\"",
    );
    let feed = only_feed(&import);
    let title = feed.title.as_deref().unwrap_or_default();
    assert_eq!(title, "RedTitle");
    assert_eq!(feed.tags, ["tag"]);
    for s in feed.tags.iter().chain(feed.title.iter()) {
        assert!(!s.chars().any(forbidden), "{s:?}");
    }
    // Control characters in a skipped line never reach `what`.
    let import = parse("exec:\x1b[2Jrm\x1b]0;x\x07");
    let (what, _) = only_skipped(&import);
    assert!(!what.chars().any(forbidden), "{what:?}");
    // A URL with a control character in it is not taken.
    let import = parse("https://a.example/\x1b[31m");
    assert!(import.feeds.is_empty());
}

#[test]
fn duplicate_urls_add_their_tags_to_the_first() {
    let import = parse("https://a.example/feed one\nhttps://A.example/feed two \"~Name\" one\n");
    let feed = only_feed(&import);
    assert_eq!(feed.url, "https://a.example/feed");
    assert_eq!(feed.tags, ["one", "two"]);
    assert_eq!(feed.title.as_deref(), Some("Name"));
    let (what, why) = only_skipped(&import);
    assert!(what.starts_with("line 2: "), "{what}");
    assert!(why.contains("line 1"), "{why}");
}

#[test]
fn bom_and_crlf_are_handled() {
    let import = parse("\u{feff}https://a.example/ x\r\nhttps://b.example/\r\n");
    let urls: Vec<&str> = import.feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(urls, ["https://a.example/", "https://b.example/"]);
    assert_eq!(import.feeds[0].tags, ["x"]);
}

#[test]
fn tags_are_capped_per_feed() {
    let tags: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    let import = parse(&format!("https://a.example/ {}", tags.join(" ")));
    assert_eq!(only_feed(&import).tags.len(), MAX_TAGS);
    assert_eq!(only_feed(&import).tags[MAX_TAGS - 1], "t31");
}

#[test]
fn overlong_line_is_skipped() {
    let long = format!(
        "https://a.example/ {}\nhttps://b.example/",
        "x".repeat(MAX_URLS_LINE_BYTES)
    );
    let import = parse(&long);
    assert_eq!(only_feed(&import).url, "https://b.example/");
    let (what, why) = only_skipped(&import);
    assert!(what.starts_with("line 1: https://a.example/"), "{what}");
    assert!(what.chars().count() < 100, "{what}");
    assert!(why.contains("64 KiB"), "{why}");
}

#[test]
fn lines_beyond_the_cap_are_not_read() {
    let mut text = "https://a.example/\n".to_string();
    text.push_str(&"# comment\n".repeat(MAX_URLS_LINES - 1));
    text.push_str("https://late.example/\n");
    let import = parse(&text);
    assert_eq!(only_feed(&import).url, "https://a.example/");
    let (what, why) = only_skipped(&import);
    assert_eq!(what, format!("line {} and after", MAX_URLS_LINES + 1));
    assert!(why.contains("more than 100000 lines"), "{why}");
}

#[test]
fn text_beyond_the_size_cap_is_not_read() {
    // Comments up to 10 bytes before the cap, then a line that crosses it.
    let target = MAX_URLS_BYTES - 10;
    let mut text = "https://a.example/\n".to_string();
    while text.len() + 1000 <= target {
        text.push('#');
        text.push_str(&"x".repeat(998));
        text.push('\n');
    }
    match target - text.len() {
        0 => {}
        1 => text.push('\n'),
        rest => {
            text.push('#');
            text.push_str(&"x".repeat(rest - 2));
            text.push('\n');
        }
    }
    assert_eq!(text.len(), target);
    text.push_str("https://straddle.example/feed.xml\nhttps://late.example/\n");
    let import = parse(&text);
    assert_eq!(only_feed(&import).url, "https://a.example/");
    let (what, why) = only_skipped(&import);
    assert_eq!(what, "the end of the file");
    assert!(why.contains("16 MiB"), "{why}");
}

#[test]
fn hostile_lines_never_panic() {
    let nasty = [
        "\"",
        "\"\\",
        "\\\"",
        "\"\"\"\"\"",
        "\u{feff}\u{feff}#",
        "https://a.example/ \"~",
        "https://a.example/ ~",
        "https://a.example/ \"\u{0}\u{7f}\u{9b}\"",
        "ü\"é\\ñ\"日本",
        "http://[::1/",
        "https://a.example/\u{a0}nbsp",
        "EXEC:rm -rf /",
    ];
    for line in nasty {
        let import = parse_urls(line, true);
        assert!(import.feeds.len() <= 1, "{line:?}: {import:?}");
        for feed in &import.feeds {
            assert!(!feed.url.chars().any(forbidden), "{line:?}: {feed:?}");
        }
    }
    assert!(
        parse("EXEC:rm -rf /").skipped[0]
            .1
            .contains("never runs commands")
    );
}

#[test]
fn opml_is_recognised_by_content() {
    assert!(looks_like_opml(b"<?xml version=\"1.0\"?><opml/>"));
    assert!(looks_like_opml(
        b"\xEF\xBB\xBF\r\n  \t<opml version=\"2.0\">"
    ));
    // UTF-16 with and without a byte order mark.
    assert!(looks_like_opml(b"\xFF\xFE<\0?\0x\0"));
    assert!(looks_like_opml(b"\xFE\xFF\0<\0?"));
    assert!(looks_like_opml(b"<\0?\0x\0"));
}

#[test]
fn urls_text_is_not_opml_even_with_a_bom() {
    assert!(!looks_like_opml(
        b"\xEF\xBB\xBFhttps://a.example/ \"<tag>\"\n"
    ));
    assert!(!looks_like_opml(
        b"# <opml> in a comment\nhttps://a.example/\n"
    ));
    assert!(!looks_like_opml(b"\"~<b>\""));
    assert!(!looks_like_opml(b""));
    assert!(!looks_like_opml(b"\xEF\xBB\xBF  \n"));
}

// --- The Newsboat cache ---

/// Newsboat's schema as its cache ends up after all of its schema patches.
const NEWSBOAT_SCHEMA: &str = "
CREATE TABLE rss_feed (  rssurl VARCHAR(1024) PRIMARY KEY NOT NULL,  url VARCHAR(1024) NOT NULL,  title VARCHAR(1024) NOT NULL );
CREATE TABLE rss_item (  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,  guid VARCHAR(64) NOT NULL,  title VARCHAR(1024) NOT NULL,  author VARCHAR(1024) NOT NULL,  url VARCHAR(1024) NOT NULL,  feedurl VARCHAR(1024) NOT NULL,  pubDate INTEGER NOT NULL,  content VARCHAR(65535) NOT NULL, unread INTEGER(1) NOT NULL );
CREATE TABLE google_replay (  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,  guid VARCHAR(64) NOT NULL,  state INTEGER NOT NULL,  ts INTEGER NOT NULL );
ALTER TABLE rss_item ADD enclosure_url VARCHAR(1024);
ALTER TABLE rss_item ADD enclosure_type VARCHAR(1024);
ALTER TABLE rss_item ADD enqueued INTEGER(1) NOT NULL DEFAULT 0;
ALTER TABLE rss_item ADD flags VARCHAR(52);
CREATE INDEX IF NOT EXISTS idx_rssurl ON rss_feed(rssurl);
CREATE INDEX IF NOT EXISTS idx_guid ON rss_item(guid);
CREATE INDEX IF NOT EXISTS idx_feedurl ON rss_item(feedurl);
ALTER TABLE rss_feed ADD lastmodified INTEGER(11) NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS idx_lastmodified ON rss_feed(lastmodified);
ALTER TABLE rss_item ADD deleted INTEGER(1) NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS idx_deleted ON rss_item(deleted);
ALTER TABLE rss_feed ADD is_rtl INTEGER(1) NOT NULL DEFAULT 0;
ALTER TABLE rss_feed ADD etag VARCHAR(128) NOT NULL DEFAULT \"\";
ALTER TABLE rss_item ADD base VARCHAR(128) NOT NULL DEFAULT \"\";
CREATE TABLE metadata (  db_schema_version_major INTEGER NOT NULL,  db_schema_version_minor INTEGER NOT NULL );
INSERT INTO metadata VALUES ( 2, 11 );
";

/// A Newsboat cache in a temporary directory, built with `sql` after Newsboat's schema.
fn newsboat_cache(sql: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cache.db");
    let conn = Connection::open(&path).expect("a new SQLite file");
    conn.execute_batch(NEWSBOAT_SCHEMA)
        .expect("Newsboat's schema");
    conn.execute_batch(sql).expect("the test rows");
    drop(conn);
    (dir, path)
}

const FEED: &str = "https://a.example/feed";

/// An INSERT of one article of [`FEED`].
fn item(guid: &str, link: &str, unread: i64, flags: Option<&str>, deleted: i64) -> String {
    let flags = flags.map_or("NULL".to_string(), |f| format!("'{f}'"));
    format!(
        "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags, deleted) \
         VALUES ('{guid}', 'T', 'A', '{link}', '{FEED}', 1700000000, '<p>x</p>', {unread}, {flags}, {deleted});\n"
    )
}

#[test]
fn cache_gives_unread_and_flagged_state_and_leaves_deleted_out() {
    let rows = [
        item("g-unread", "https://a.example/1", 1, None, 0),
        item("g-read", "https://a.example/2", 0, Some(""), 0),
        item("g-starred", "https://a.example/3", 0, Some("s"), 0),
        item("g-flags", "", 1, Some("AZ"), 0),
        item("g-deleted", "https://a.example/5", 1, Some("s"), 1),
        item("", "https://a.example/6", 1, None, 0),
    ]
    .concat();
    let (_dir, path) = newsboat_cache(&format!(
        "INSERT INTO rss_feed (rssurl, url, title) VALUES ('{FEED}', 'https://a.example/', 'A');\n{rows}"
    ));
    let before = std::fs::read(&path).expect("the cache file");

    let mut states = read_newsboat_cache(&path).expect("a Newsboat cache");
    states.sort_by(|a, b| a.guid.cmp(&b.guid));
    let state = |guid: &str, link: Option<&str>, unread: bool, flagged: bool| CachedState {
        feed_url: FEED.to_string(),
        guid: guid.to_string(),
        link: link.map(str::to_string),
        unread,
        flagged,
    };
    assert_eq!(
        states,
        [
            state("g-flags", None, true, true),
            state("g-read", Some("https://a.example/2"), false, false),
            state("g-starred", Some("https://a.example/3"), false, true),
            state("g-unread", Some("https://a.example/1"), true, false),
        ]
    );
    // Read-only: the file is exactly as it was.
    assert_eq!(std::fs::read(&path).expect("the cache file"), before);
}

#[test]
fn cache_leaves_out_oversized_fields() {
    let long = "x".repeat(MAX_CACHE_FIELD_CHARS as usize + 1);
    let rows = [
        item(&long, "https://a.example/1", 1, None, 0),
        item(
            "g-long-link",
            &format!("https://a.example/{long}"),
            1,
            None,
            0,
        ),
    ]
    .concat();
    let (_dir, path) = newsboat_cache(&rows);
    let states = read_newsboat_cache(&path).expect("a Newsboat cache");
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!(states[0].guid, "g-long-link");
    assert_eq!(states[0].link, None);
}

#[test]
fn cache_without_flags_and_deleted_columns_is_read() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("old.db");
    let conn = Connection::open(&path).expect("a new SQLite file");
    conn.execute_batch(
        "CREATE TABLE rss_item (id INTEGER PRIMARY KEY, guid VARCHAR(64) NOT NULL, url VARCHAR(1024) NOT NULL, feedurl VARCHAR(1024) NOT NULL, unread INTEGER(1) NOT NULL);
         INSERT INTO rss_item (guid, url, feedurl, unread) VALUES ('g', 'https://a.example/1', 'https://a.example/feed', 1);",
    )
    .expect("an old-style cache");
    drop(conn);
    let states = read_newsboat_cache(&path).expect("an old Newsboat cache");
    assert_eq!(states.len(), 1);
    assert!(states[0].unread);
    assert!(!states[0].flagged);
}

#[test]
fn other_sqlite_file_is_not_a_newsboat_cache() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("other.db");
    let conn = Connection::open(&path).expect("a new SQLite file");
    conn.execute_batch("CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT);")
        .expect("another schema");
    drop(conn);
    let err = read_newsboat_cache(&path).expect_err("not a Newsboat cache");
    assert!(
        matches!(&err, NewsboatError::NotNewsboatCache { reason, .. } if reason == "it has no rss_item table"),
        "{err:?}"
    );
    assert!(err.to_string().contains("is not a Newsboat cache"), "{err}");
}

#[test]
fn rss_item_without_needed_columns_or_as_a_view_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("odd.db");
    let conn = Connection::open(&path).expect("a new SQLite file");
    conn.execute_batch("CREATE TABLE rss_item (id INTEGER PRIMARY KEY, guid TEXT, url TEXT);")
        .expect("a partial table");
    let err = read_newsboat_cache(&path).expect_err("columns missing");
    assert!(err.to_string().contains("no feedurl column"), "{err}");

    conn.execute_batch(
        "DROP TABLE rss_item; CREATE TABLE t (guid, url, feedurl, unread);
         CREATE VIEW rss_item AS SELECT * FROM t;",
    )
    .expect("a view");
    drop(conn);
    let err = read_newsboat_cache(&path).expect_err("a view");
    assert!(err.to_string().contains("not a plain table"), "{err}");
}

#[test]
fn file_that_is_not_sqlite_gives_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("urls");
    std::fs::write(&path, "https://a.example/ tag\n".repeat(100)).expect("a text file");
    let err = read_newsboat_cache(&path).expect_err("not SQLite");
    assert_eq!(
        err,
        NewsboatError::NotNewsboatCache {
            path: path.display().to_string(),
            reason: "it is not an SQLite database".into(),
        }
    );
}

#[test]
fn missing_cache_cannot_be_opened() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("nope.db");
    let err = read_newsboat_cache(&path).expect_err("no file");
    assert!(matches!(err, NewsboatError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("no such file"), "{err}");
    assert!(!path.exists(), "reading must not create the file");
    let err = read_newsboat_cache(dir.path()).expect_err("a directory");
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn computed_columns_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("computed.db");
    let conn = Connection::open(&path).expect("a new SQLite file");
    conn.execute_batch(
        "CREATE TABLE rss_item (id INTEGER PRIMARY KEY, url TEXT, feedurl TEXT, unread INTEGER, \
         guid TEXT GENERATED ALWAYS AS (hex(zeroblob(1000000))) VIRTUAL);
         INSERT INTO rss_item (url, feedurl, unread) VALUES ('https://a.example/1', 'https://a.example/feed', 1);",
    )
    .expect("a table with a computed column");
    drop(conn);
    let err = read_newsboat_cache(&path).expect_err("a computed guid");
    assert!(err.to_string().contains("guid column"), "{err}");
    assert!(err.to_string().contains("computed"), "{err}");
}
