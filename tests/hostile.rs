//! Hostile input, end to end: terminal escapes in every field a feed has, links that try to run
//! something, XML entity tricks, wrong or missing encodings, ids that rotate, and web pages given as
//! feeds. Everything is local: files, a temp cache, the real binary on a temp profile, and servers on
//! 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use common::cli::tidings_output;
use common::store::{add_feed, add_new_feed, new_feed, temp_store};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::feed::parse::{
    ParseError, charset_from_content_type, parse_feed, parse_feed_with_charset,
};
use tidings::session::article::ArticleDoc;
use tidings::session::refresh::Update;
use tidings::store::{FeedContent, FetchMeta, NewFeed, Scope, Store};
use tidings::ui::app::{App, Command as AppCommand, Msg};
use tidings::ui::browser::{self, OpenError, browser_command, checked_url};
use tidings::ui::keymap::Action;
use tidings::ui::views;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOW: i64 = 1_795_608_000; // 2026-11-24 10:00 UTC

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn fixture_path(name: &str) -> PathBuf {
    common::cli::fixture(&format!("hostile/{name}"))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Characters that must never reach a terminal: every C0 control (newlines included: a screen cell
/// or a rendered line has none), DEL, every C1 control, and the bidi embeddings, overrides,
/// isolates and marks.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| forbidden(c)) {
        panic!("{what} contains {c:?}: {text:?}");
    }
}

/// The same check for program output, which may end lines.
#[track_caller]
fn assert_clean_output(what: &str, bytes: &[u8]) {
    for (byte, name) in [(0x1b, "ESC"), (0x07, "BEL"), (0x9b, "a raw 0x9b byte")] {
        assert!(
            !bytes.contains(&byte),
            "{what} contains {name}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text.chars().find(|&c| c != '\n' && forbidden(c)) {
        panic!("{what} contains {c:?}: {text:?}");
    }
}

fn meta(at: i64) -> FetchMeta {
    FetchMeta {
        fetched_at: at,
        next_fetch: at + 3600,
        ..FetchMeta::default()
    }
}

/// Runs `f` on its own thread and fails (instead of hanging) when it takes more than a minute.
fn within_a_minute<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} did not finish within a minute"))
}

// ---- 1. escape sequences -------------------------------------------------------------------------

const ESCAPE_FIXTURES: [&str; 3] = ["escapes.rss", "escapes.atom", "escapes.json"];

/// A hostile string for the places tests fill in themselves (custom titles, tags, errors).
const HOSTILE: &str = "Evil\x1b[2J\x1b]0;title\x07 \x1b]52;c;aGVsbG8=\x07\u{9b}31m\u{202e}txt.exe\u{2066}\r\nnext\x7f\u{85}";

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal
}

#[track_caller]
fn assert_screen_clean(what: &str, terminal: &Terminal<TestBackend>) {
    for cell in terminal.backend().buffer().content() {
        assert_clean(what, cell.symbol());
    }
}

/// Every string of a laid-out article.
#[track_caller]
fn assert_doc_clean(doc: &ArticleDoc) {
    let what = format!("article {}", doc.id);
    assert_clean(&what, &doc.title);
    for (label, value) in &doc.fields {
        assert_clean(&format!("{what} field {label}"), value);
    }
    for line in &doc.header {
        assert_clean(&what, &format!("{line:?}"));
    }
    for line in &doc.body {
        assert_clean(&format!("{what} body"), line);
    }
    for link in doc.links.iter().chain(&doc.link) {
        assert_clean(&format!("{what} link"), link);
    }
    assert_clean(
        &format!("{what} as plain text"),
        &doc.to_plain_text().replace('\n', ""),
    );
}

/// An app showing the cache's feeds and headlines, sized `w`×`h`.
fn app_on(store: &Store, w: u16, h: u16) -> App {
    let mut app = App::new(Rect::new(0, 0, w, h), utc());
    app.init();
    app.update(Msg::FeedsLoaded {
        feeds: store.feed_summaries().unwrap(),
        unread_total: store.unread_total().unwrap(),
        starred_total: store.starred_total().unwrap(),
    });
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: store
            .headline_window(&Scope::All, 0, tidings::ui::app::HEADLINE_WINDOW)
            .unwrap(),
    });
    app
}

#[test]
fn escape_sequences_never_reach_the_screen() {
    let (_dir, mut store, _) = temp_store();
    for (i, name) in ESCAPE_FIXTURES.iter().enumerate() {
        let content = parse_feed(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(content.items.len() >= 2, "{name}: {content:?}");
        let title = content.title.clone().unwrap_or_default();
        // The escapes are gone but the visible text around them stays.
        assert!(
            title.contains("clear") && title.contains("clip") && title.contains("end"),
            "{name}: {title:?}"
        );
        let feed = NewFeed {
            // The first feed also gets a hostile custom title and tag, as `add --title --tag` could.
            title: (i == 0).then(|| HOSTILE.to_string()),
            tags: if i == 0 {
                vec![HOSTILE.to_string()]
            } else {
                vec![]
            },
            ..new_feed(&format!("https://evil.example/{name}"))
        };
        let id = add_new_feed(&mut store, &feed);
        store.apply_refresh(id, &content, &meta(NOW)).unwrap();
    }
    // A feed whose last error is hostile, shown in the feed list and the status line.
    let failing = add_feed(&mut store, "https://evil.example/failing");
    store.record_failure(failing, HOSTILE, NOW + 60).unwrap();
    // Full article texts (and a failed one) come from web pages: just as hostile.
    let headlines = store.headlines(&Scope::All, false).unwrap();
    assert!(headlines.len() >= 6, "{headlines:?}");
    let page = String::from_utf8(fixture("escapes.rss")).unwrap();
    store
        .store_full_text(headlines[0].id, Ok(&page), NOW)
        .unwrap();
    store
        .store_full_text(headlines[1].id, Err(HOSTILE), NOW)
        .unwrap();

    for h in &headlines {
        assert_clean("headline", &h.title);
        let article = store.article(h.id).unwrap().expect("article");
        for width in [80, 20] {
            for prefer_full in [true, false] {
                assert_doc_clean(&ArticleDoc::build(&article, width, utc(), prefer_full));
            }
        }
    }

    // The views, wide (three panes) and narrow (one pane), with each article open in turn.
    for (w, h) in [(160, 45), (80, 24)] {
        let mut app = app_on(&store, w, h);
        assert_screen_clean("feed list", &draw(&app, w, h));
        app.update(Msg::Failed(HOSTILE.into()));
        app.update(Msg::Poller(Update::FeedFailed {
            feed_id: failing,
            title: HOSTILE.into(),
            error: HOSTILE.into(),
        }));
        assert_screen_clean("status line", &draw(&app, w, h));
        for index in 0..headlines.len() {
            let mut app = app_on(&store, w, h);
            app.update(Msg::Action(Action::NextPane));
            for _ in 0..index {
                app.update(Msg::Action(Action::Down));
            }
            assert_screen_clean("headline list", &draw(&app, w, h));
            let commands = app.update(Msg::Action(Action::Open));
            let Some(AppCommand::LoadArticle { id, width, full }) = commands.first().cloned()
            else {
                panic!("opening did not load the article: {commands:?}");
            };
            let article = store.article(id).unwrap().expect("article");
            app.update(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
                &article,
                width,
                utc(),
                full,
            ))));
            assert_screen_clean(&format!("article {id} at {w}x{h}"), &draw(&app, w, h));
            app.update(Msg::Action(Action::Bottom));
            assert_screen_clean(&format!("article {id} bottom"), &draw(&app, w, h));
        }
    }

    // The real binary on a profile with the same feeds, added as local files.
    let profile = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Output {
        let out = tidings_output(profile.path(), args);
        assert_clean_output(&format!("stdout of {args:?}"), &out.stdout);
        assert_clean_output(&format!("stderr of {args:?}"), &out.stderr);
        out
    };
    for name in ESCAPE_FIXTURES {
        let file = profile.path().join(name);
        std::fs::copy(fixture_path(name), &file).unwrap();
        assert!(run(&["add", file.to_str().unwrap()]).status.success());
    }
    // A document the XML reader rejects, with escapes in the names its error quotes.
    let broken = profile.path().join("broken.xml");
    std::fs::write(
        &broken,
        "<rss version=\"2.0\"><channel><title>t</title><x\x1b]0;pwned\x07\u{9b}2J></y\x1b[2J></channel></rss>",
    )
    .unwrap();
    assert!(run(&["add", broken.to_str().unwrap()]).status.success());
    run(&["refresh"]);
    let feeds = run(&["list", "feeds"]);
    assert!(feeds.status.success());
    let feeds = String::from_utf8_lossy(&feeds.stdout);
    assert!(feeds.contains("clip"), "{feeds}");
    assert!(
        feeds.contains("error:"),
        "the broken feed shows its error: {feeds}"
    );
    run(&["list", "feeds", "--json"]);
    run(&["list", "articles", "--json"]);
    let articles = run(&["list", "articles"]);
    assert!(articles.status.success());
    let ids: Vec<String> = String::from_utf8_lossy(&articles.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(ids.len() >= 6, "{ids:?}");
    for id in &ids {
        let shown = run(&["show", id]);
        assert!(shown.status.success(), "show {id}");
        assert!(
            String::from_utf8_lossy(&shown.stdout).contains("clip"),
            "show {id}"
        );
    }
}

// ---- 2. links --------------------------------------------------------------------------------------

#[test]
fn links_open_only_http_and_never_through_a_shell() {
    // Refused, each with its reason.
    let refused = [
        ("-rf", "starts with '-'"),
        ("--new-window=https://x.example/", "starts with '-'"),
        ("  -https://x.example/", "starts with '-'"),
        ("file:///etc/passwd", "file: links are not opened"),
        ("FILE:///etc/passwd", "file: links are not opened"),
        (
            "javascript:alert(document.cookie)",
            "javascript: links are not opened",
        ),
        (
            "\x01 JavaScript:alert(1)",
            "javascript: links are not opened",
        ),
        (
            "data:text/html,<script>alert(1)</script>",
            "data: links are not opened",
        ),
        ("ftp://x.example/file", "ftp: links are not opened"),
        ("mailto:a@x.example", "mailto: links are not opened"),
        ("/relative/path", "not a valid URL"),
        ("x.example/no-scheme", "not a valid URL"),
        ("https://", "not a valid URL"),
    ];
    for (url, reason) in refused {
        match checked_url(url) {
            Err(e @ OpenError::Refused { .. }) => {
                let message = e.to_string();
                assert!(message.contains(reason), "{url:?}: {message}");
                assert!(message.contains("only http(s)"), "{url:?}: {message}");
                assert_clean("refusal", &message);
            }
            other => panic!("{url:?} was not refused: {other:?}"),
        }
    }
    let huge = format!("data:text/plain,{}", "A".repeat(100_000));
    let message = checked_url(&huge).unwrap_err().to_string();
    assert!(
        message.len() < 400,
        "the message quotes a bounded part of the URL"
    );

    // Accepted: whatever the URL holds comes out as one argument, with nothing a shell (or a
    // launcher script quoting it) would act on.
    let accepted = [
        (
            "https://x.example/a?b=1&c=2;d=3",
            "https://x.example/a?b=1&c=2;d=3",
        ),
        (
            "https://x.example/$(touch x)`id`",
            "https://x.example/%24(touch%20x)%60id%60",
        ),
        (
            "http://x.example/a b>c<d|e \"q\" 'r' \\s",
            "http://x.example/a%20b%3Ec%3Cd|e%20%22q%22%20%27r%27%20/s",
        ),
        (
            "https://x.example/?q=$HOME&r=`id`#frag'$(x)",
            "https://x.example/?q=%24HOME&r=%60id%60#frag%27%24(x)",
        ),
        (" https://x.example/\tp\na\rth ", "https://x.example/path"),
        ("HTTPS://X.EXAMPLE", "https://x.example/"),
    ];
    for (url, expected) in accepted {
        let checked = checked_url(url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
        assert_eq!(checked, expected, "{url:?}");
        assert!(
            !checked.contains(|c: char| c.is_whitespace()
                || forbidden(c)
                || matches!(c, '$' | '`' | '"' | '\'' | '\\')),
            "{checked:?}"
        );
        assert_eq!(checked_url(&checked).as_deref(), Ok(checked.as_str()));
    }
    assert_eq!(
        browser_command(Some("firefox --new-window")),
        vec!["firefox", "--new-window"]
    );
    assert_eq!(browser_command(Some("  lynx  ")), vec!["lynx"]);

    // End to end: the browser is a script that records its arguments. Shell syntax in the URL must
    // arrive as text in one argument and run nothing.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    assert!(!d.contains(char::is_whitespace), "{d}");
    let script = dir.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > {d}/args.tmp && mv {d}/args.tmp {d}/args\n"
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = script.to_str().unwrap().to_string();
    let url = format!(
        "https://x.example/a?b=1&c=$(touch {d}/pwned1)`touch {d}/pwned2`;touch {d}/pwned3\
         &&touch${{IFS}}{d}/pwned4|tee {d}/pwned5>{d}/pwned6 'x' \"y\" \\z#$(touch {d}/pwned7)"
    );
    // Refused links start nothing.
    assert!(matches!(
        browser::open("file:///etc/passwd", Some(&script)),
        Err(OpenError::Refused { .. })
    ));
    assert!(matches!(
        browser::open("-e touch /tmp/x", Some(&script)),
        Err(OpenError::Refused { .. })
    ));
    open_retrying(&url, &script);
    let args_file = dir.path().join("args");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !args_file.exists() {
        assert!(Instant::now() < deadline, "the browser script did not run");
        std::thread::sleep(Duration::from_millis(20));
    }
    let expected = checked_url(&url).unwrap();
    assert_eq!(
        std::fs::read_to_string(&args_file).unwrap(),
        format!("1\n{expected}\n"),
        "one argument, the normalized URL"
    );
    // Give anything the URL might have started time to show.
    std::thread::sleep(Duration::from_millis(200));
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["args", "browser.sh"], "nothing else was created");
    assert!(!Path::new("/tmp/x").exists() || Path::new("/tmp/x").is_dir());
}

/// `browser::open`, retried while the just-written script is still busy in a process another test
/// thread is forking ("text file busy").
fn open_retrying(url: &str, script: &str) {
    for _ in 0..50 {
        match browser::open(url, Some(script)) {
            Ok(()) => return,
            Err(OpenError::Spawn { error, .. }) if error.contains("busy") => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the browser script stayed busy");
}

// ---- 3. XML ---------------------------------------------------------------------------------------

/// All the text a parsed feed holds.
fn all_text(content: &FeedContent) -> String {
    let mut text = format!("{:?}{:?}", content.title, content.site_link);
    for item in &content.items {
        text.push_str(&format!("{item:?}"));
    }
    text
}

#[test]
fn doctype_and_external_entities_are_never_read() {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    assert!(
        passwd.contains("root:"),
        "the test needs a readable /etc/passwd"
    );
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("secret.txt");
    std::fs::write(&local, "root:SECRET-FROM-A-LOCAL-FILE").unwrap();
    let local = url::Url::from_file_path(&local).unwrap();
    let docs = [
        format!(
            r#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY local SYSTEM "{local}">]>
<rss version="2.0"><channel><title>&xxe;</title><link>https://x.example/&local;</link>
<item><guid>1</guid><title>a &xxe; b &local;</title><author>&xxe;</author>
<description>&xxe;&local;</description><link>https://x.example/1</link></item></channel></rss>"#
        ),
        // A parameter entity pulling in an external DTD, and an XInclude.
        format!(
            r#"<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY % dtd SYSTEM "{local}"> %dtd; <!ENTITY all "%dtd;">]>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:xi="http://www.w3.org/2001/XInclude">
<title>&all;</title><id>urn:x</id><updated>2026-11-24T10:00:00Z</updated>
<entry><id>urn:x:1</id><title>&all;</title><updated>2026-11-24T10:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><xi:include href="{local}" parse="text"/></div></content>
</entry></feed>"#
        ),
    ];
    for doc in docs {
        match parse_feed(doc.as_bytes()) {
            Ok(content) => {
                let text = all_text(&content);
                assert!(!text.contains("root:"), "{text}");
                assert!(!text.contains("SECRET"), "{text}");
                assert!(!content.items.is_empty());
            }
            Err(e) => assert!(!e.to_string().contains("root:"), "{e}"),
        }
    }
}

#[test]
fn entity_expansion_bomb_ends_fast_with_an_error_or_nothing_expanded() {
    let mut doc = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let previous = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    // Quadratic blowup: one big entity referenced many times.
    doc.push_str(&format!("<!ENTITY big \"{}\">\n]>\n", "x".repeat(50_000)));
    doc.push_str("<rss version=\"2.0\"><channel><title>&lol9;</title>");
    for i in 0..20 {
        doc.push_str(&format!(
            "<item><guid>{i}</guid><title>&lol9;&lol9;</title><description>{}</description></item>",
            "&big;".repeat(20)
        ));
    }
    doc.push_str("</channel></rss>");
    let size = doc.len();
    let result = within_a_minute("the entity bomb", move || parse_feed(doc.as_bytes()));
    if let Ok(content) = result {
        let (_dir, mut store, _) = temp_store();
        let id = add_feed(&mut store, "https://x.example/bomb");
        store.apply_refresh(id, &content, &meta(NOW)).unwrap();
        let mut stored = 0;
        for h in store.headlines(&Scope::All, false).unwrap() {
            let a = store.article(h.id).unwrap().unwrap();
            stored +=
                a.title.len() + a.content.map_or(0, |c| c.len()) + a.summary.map_or(0, |s| s.len());
        }
        // Expanded, the items alone would hold gigabytes of "lol" and 20 MB of "x".
        assert!(
            stored < 10_000,
            "{stored} bytes stored from a {size}-byte document"
        );
        let text = all_text(&content);
        assert!(!text.contains("lollol") && !text.contains("xxxx"), "{text}");
    }
}

#[test]
fn huge_attribute_counts_end_fast() {
    let mut attributes = String::from("<rss version=\"2.0\"><channel><title>t</title><item ");
    for i in 0..100_000 {
        attributes.push_str(&format!("a{i}=\"v{i}\" "));
    }
    attributes.push_str("><guid>1</guid><title>x</title></item></channel></rss>");
    let mut duplicates = String::from("<rss version=\"2.0\"><channel><title>t</title><item ");
    duplicates.push_str(&"a=\"v\" ".repeat(100_000));
    duplicates.push_str("><guid>1</guid><title>x</title></item></channel></rss>");
    let mut namespaces = String::from("<rss version=\"2.0\"");
    for i in 0..1000 {
        namespaces.push_str(&format!(" xmlns:n{i}=\"urn:x:{i}\""));
    }
    namespaces.push_str("><channel><title>t</title>");
    for i in 0..1000 {
        namespaces.push_str(&format!(
            "<item><guid>{i}</guid><title>x</title><n{i}:x n{i}:a=\"1\">y</n{i}:x></item>"
        ));
    }
    namespaces.push_str("</channel></rss>");
    let mut nested =
        String::from("<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid>");
    nested.push_str(&"<x>".repeat(100_000));
    nested.push_str(&"</x>".repeat(100_000));
    nested.push_str("</item></channel></rss>");
    for (what, doc) in [
        ("100,000 attributes", attributes),
        ("100,000 duplicate attributes", duplicates),
        ("1,000 namespace declarations", namespaces),
        ("100,000 nested elements", nested),
    ] {
        // Ok or Err are both fine: the parse must return.
        let _ = within_a_minute(what, move || {
            parse_feed(doc.as_bytes()).map(|c| c.items.len())
        });
    }
    // An error that quotes a huge name stays short (it is stored and shown).
    let mismatched = format!(
        "<rss version=\"2.0\"><channel><{0}></{0}x></channel></rss>",
        "n".repeat(1_000_000)
    );
    let error = within_a_minute("a huge mismatched name", move || {
        parse_feed(mismatched.as_bytes()).map(|c| c.items.len())
    })
    .unwrap_err()
    .to_string();
    assert!(error.chars().count() < 400, "{} characters", error.len());
}

// ---- 4. encodings ----------------------------------------------------------------------------------

fn title_of(bytes: &[u8], http_charset: Option<&str>) -> String {
    let content = parse_feed_with_charset(bytes, http_charset, None)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(bytes)));
    content.items[0].title.clone()
}

fn rss_with_title(declaration: &str, title: &[u8]) -> Vec<u8> {
    let mut doc = declaration.as_bytes().to_vec();
    doc.extend_from_slice(
        b"<rss version=\"2.0\"><channel><title>Feed</title><item><guid>1</guid><title>",
    );
    doc.extend_from_slice(title);
    doc.extend_from_slice(b"</title></item></channel></rss>");
    doc
}

#[test]
fn bom_http_charset_and_xml_declaration_are_reconciled() {
    let (cyrillic, _, _) = encoding_rs::WINDOWS_1251.encode("Привет");
    let latin1 = b"caf\xe9";
    let utf8 = "café".as_bytes();
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        (
            "a UTF-8 BOM beats the header and the declaration",
            [
                b"\xef\xbb\xbf".as_slice(),
                &rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1251\"?>", utf8),
            ]
            .concat(),
            Some("iso-8859-1"),
            "café",
        ),
        (
            "the header beats the declaration",
            rss_with_title("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>", &cyrillic),
            Some("windows-1251"),
            "Привет",
        ),
        (
            "the declaration without a header",
            rss_with_title(
                "<?xml version=\"1.0\" encoding=\"windows-1251\"?>",
                &cyrillic,
            ),
            None,
            "Привет",
        ),
        (
            "a declaration in single quotes, after whitespace",
            rss_with_title(
                "\n  <?xml version='1.0' encoding = 'KOI8-R' ?>",
                &encoding_rs::KOI8_R.encode("Привет").0,
            ),
            None,
            "Привет",
        ),
        (
            "an unknown header charset is ignored",
            rss_with_title(
                "<?xml version=\"1.0\" encoding=\"windows-1251\"?>",
                &cyrillic,
            ),
            Some("x-no-such-charset"),
            "Привет",
        ),
        (
            "a server's default charset loses to a UTF-8 document that says so",
            rss_with_title("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", utf8),
            Some("ISO-8859-1"),
            "café",
        ),
        (
            "a header saying UTF-8 loses to a latin-1 document that says so",
            rss_with_title("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>", latin1),
            Some("utf-8"),
            "café",
        ),
        (
            "a header without a declaration",
            rss_with_title("", latin1),
            Some("iso-8859-1"),
            "café",
        ),
        (
            "a declaration claiming UTF-16 for 8-bit text",
            rss_with_title("<?xml version=\"1.0\" encoding=\"UTF-16\"?>", utf8),
            None,
            "café",
        ),
        (
            "a header claiming UTF-16 for 8-bit text",
            rss_with_title("<?xml version=\"1.0\" encoding=\"utf-8\"?>", utf8),
            Some("utf-16"),
            "café",
        ),
    ];
    for (what, doc, http, expected) in cases {
        assert_eq!(title_of(&doc, http), expected, "{what}");
    }
    // A UTF-16 BOM beats a header naming an 8-bit charset.
    let text = String::from_utf8(rss_with_title(
        "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
        utf8,
    ))
    .unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(title_of(&utf16, Some("iso-8859-1")), "café");

    assert_eq!(
        charset_from_content_type("application/rss+xml; charset=\"Windows-1251\""),
        Some("Windows-1251")
    );
    assert_eq!(
        charset_from_content_type("text/xml;Charset=utf-8;foo=bar"),
        Some("utf-8")
    );
    assert_eq!(charset_from_content_type("application/atom+xml"), None);
    assert_eq!(charset_from_content_type("text/xml; charset="), None);
}

#[test]
fn undeclared_windows_1252_keeps_its_fields() {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Café «Zürich»</title>\
         <item><guid>1</guid><title>“Smart” quotes – €5 naïve</title><dc:creator>José Müller</dc:creator>\
         <link>https://x.example/1</link><description>Crème brûlée</description></item></channel></rss>",
    );
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test document is not UTF-8"
    );
    let content = parse_feed(&bytes).unwrap();
    assert_eq!(content.title.as_deref(), Some("Café «Zürich»"));
    let item = &content.items[0];
    assert_eq!(item.title, "“Smart” quotes – €5 naïve");
    assert_eq!(item.author.as_deref(), Some("José Müller"));
    assert_eq!(item.summary.as_deref(), Some("Crème brûlée"));
    assert_eq!(item.link.as_deref(), Some("https://x.example/1"));
}

#[test]
fn invalid_utf8_does_not_drop_fields() {
    let doc = rss_with_title(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        b"Caf\xe9 ok \xf0\x9f trunc \xc3\xa9t\xc3\xa9 \xed\xa0\x80 surrogate",
    );
    let content = parse_feed(&doc).expect("parses despite invalid UTF-8");
    assert_eq!(content.title.as_deref(), Some("Feed"));
    let title = &content.items[0].title;
    assert!(title.starts_with("Caf\u{fffd} ok \u{fffd}"), "{title:?}");
    assert!(title.contains("été"), "{title:?}");
    assert!(title.ends_with("surrogate"), "{title:?}");
    // Invalid UTF-8 in a document that declares nothing: still one feed, nothing dropped.
    let doc = rss_with_title("", b"Stra\xdfe");
    assert_eq!(title_of(&doc, None), "Straße");
}

#[test]
fn utf16_with_bom_parses() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
        <title>Ünïcode 日本</title><id>urn:x</id><updated>2026-11-24T10:00:00Z</updated>\
        <entry><id>urn:x:1</id><title>Grüße 🎉</title><updated>2026-11-24T10:00:00Z</updated></entry></feed>";
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let bomless_be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let bomless_le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let spaced_le: Vec<u8> = format!(
        "\n{}",
        text.replace("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n", "")
    )
    .encode_utf16()
    .flat_map(u16::to_le_bytes)
    .collect();
    for (what, doc) in [
        ("UTF-16LE with a BOM", le),
        ("UTF-16BE with a BOM", be),
        ("UTF-16BE without a BOM", bomless_be),
        ("UTF-16LE without a BOM", bomless_le),
        (
            "UTF-16LE without a BOM or declaration, after a newline",
            spaced_le,
        ),
    ] {
        let content = parse_feed(&doc).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(content.title.as_deref(), Some("Ünïcode 日本"), "{what}");
        assert_eq!(content.items[0].title, "Grüße 🎉", "{what}");
    }
}

#[test]
fn rss_without_version_parses() {
    let body = "<channel><title>No version</title><link>https://x.example/</link>\
        <item><guid>1</guid><title>First</title><link>https://x.example/1</link></item>\
        <item><guid>2</guid><title>Second</title></item></channel></rss>";
    for root in [
        "<rss>",
        "<rss >",
        "<rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
        "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<?xml-stylesheet href=\"s.xsl\"?>\n<!DOCTYPE rss [<!ENTITY a \"]>\">]>\n<rss>",
        "<rss version=\"0.94\">",
        "<rss version='2.0.1'>",
        "<rss version=\" 2.0 \">",
        "<rss version=\"2.0\">",
        "<rss version=\"0.91\">",
    ] {
        let doc = format!("{root}{body}");
        let content = parse_feed(doc.as_bytes()).unwrap_or_else(|e| panic!("{root}: {e}"));
        assert_eq!(content.title.as_deref(), Some("No version"), "{root}");
        let titles: Vec<&str> = content.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["First", "Second"], "{root}");
    }
    // An element merely starting with "rss" is not touched.
    assert!(parse_feed(b"<rssfeed><channel><title>x</title></channel></rssfeed>").is_err());
}

#[test]
fn malformed_references_do_not_drop_the_feed() {
    let doc = "<rss version=\"2.0\"><channel><title>AT&T & friends</title>\
        <item><guid>1</guid><title>Nul &#0; surrogate &#xD800; huge &#x110000; empty &#; ok &#233;&amp;&lt;</title>\
        <link>https://x.example/?a=1&b=2</link>\
        <description><![CDATA[<p>Fish & chips &#0;</p>]]></description></item></channel></rss>";
    let content = parse_feed(doc.as_bytes()).unwrap();
    assert_eq!(content.title.as_deref(), Some("AT&T & friends"));
    let item = &content.items[0];
    assert_eq!(
        item.title,
        "Nul \u{fffd} surrogate \u{fffd} huge \u{fffd} empty \u{fffd} ok é&<"
    );
    assert_eq!(item.link.as_deref(), Some("https://x.example/?a=1&b=2"));
    assert_eq!(item.summary.as_deref(), Some("<p>Fish & chips &#0;</p>"));
}

// ---- 5. ids ---------------------------------------------------------------------------------------

fn rotating_feed(generation: usize) -> String {
    let mut doc = String::from("<rss version=\"2.0\"><channel><title>Rotating</title>");
    for i in 0..3 {
        doc.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{generation}-{i}-{:x}</guid><title>Story {i}</title>\
             <link>https://x.example/story/{i}</link><description>Body {i}</description></item>",
            generation * 7919 + i
        ));
    }
    // Two distinct items that share a link and title (a feed of "Update" posts to one page).
    for j in 0..2 {
        doc.push_str(&format!(
            "<item><guid>stable-{j}</guid><title>Update</title><link>https://x.example/updates</link>\
             <description>Update {j}</description></item>"
        ));
    }
    doc.push_str("</channel></rss>");
    doc
}

#[test]
fn items_whose_guids_rotate_while_links_stay_do_not_flood_unread() {
    let (_dir, mut store, _) = temp_store();
    let feed = add_feed(&mut store, "https://x.example/rotating.xml");
    let first = parse_feed(rotating_feed(0).as_bytes()).unwrap();
    assert_eq!(first.items.len(), 5);
    assert_eq!(store.apply_refresh(feed, &first, &meta(NOW)).unwrap(), 5);
    let story = |store: &Store, i: usize| {
        store
            .headlines(&Scope::Feed(feed), false)
            .unwrap()
            .into_iter()
            .find(|h| h.title == format!("Story {i}"))
            .unwrap()
    };
    let read = story(&store, 0).id;
    store.set_read(read, true).unwrap();
    let starred = story(&store, 1).id;
    store.set_starred(starred, true).unwrap();
    for generation in 1..=3 {
        let again = parse_feed(rotating_feed(generation).as_bytes()).unwrap();
        let new = store
            .apply_refresh(feed, &again, &meta(NOW + generation as i64 * 3600))
            .unwrap();
        assert_eq!(
            new, 0,
            "refresh {generation} created articles for rotated guids"
        );
    }
    let headlines = store.headlines(&Scope::Feed(feed), false).unwrap();
    assert_eq!(headlines.len(), 5, "{headlines:?}");
    assert_eq!(
        headlines.iter().filter(|h| !h.read).count(),
        4,
        "the read flag stayed"
    );
    assert_eq!(story(&store, 0).id, read);
    assert!(story(&store, 0).read);
    assert!(story(&store, 1).starred);
    assert_eq!(
        headlines.iter().filter(|h| h.title == "Update").count(),
        2,
        "items of one document that share link and title stay distinct"
    );
}

#[test]
fn duplicate_guids_across_feeds_do_not_collide() {
    let (_dir, mut store, _) = temp_store();
    let doc = |feed: &str| {
        format!(
            "<rss version=\"2.0\"><channel><title>{feed}</title>\
             <item><guid>same-guid</guid><title>{feed} story</title><link>https://{feed}.example/1</link></item>\
             <item><guid>https://shared.example/syndicated</guid><title>Syndicated</title></item>\
             </channel></rss>"
        )
    };
    let a = add_feed(&mut store, "https://a.example/feed");
    let b = add_feed(&mut store, "https://b.example/feed");
    let content_a = parse_feed(doc("a").as_bytes()).unwrap();
    let content_b = parse_feed(doc("b").as_bytes()).unwrap();
    assert_eq!(store.apply_refresh(a, &content_a, &meta(NOW)).unwrap(), 2);
    assert_eq!(store.apply_refresh(b, &content_b, &meta(NOW)).unwrap(), 2);
    let in_a = store.headlines(&Scope::Feed(a), false).unwrap();
    let in_b = store.headlines(&Scope::Feed(b), false).unwrap();
    assert_eq!(in_a.len(), 2);
    assert_eq!(in_b.len(), 2);
    assert!(in_a.iter().any(|h| h.title == "a story"));
    assert!(in_b.iter().any(|h| h.title == "b story"));
    // Reading one feed's copy leaves the other's alone.
    let syndicated_a = in_a.iter().find(|h| h.title == "Syndicated").unwrap().id;
    store.set_read(syndicated_a, true).unwrap();
    let unread_b = store.headlines(&Scope::Feed(b), true).unwrap();
    assert_eq!(unread_b.len(), 2);
    assert_eq!(store.headlines(&Scope::All, false).unwrap().len(), 4);
}

// ---- 6. autodiscovery ------------------------------------------------------------------------------

#[test]
fn html_page_as_feed_url_names_the_feeds_it_links_to() {
    let page = fixture("page-with-feeds.html");
    let base = "https://blog.example.com/posts/hello.html";
    let err = parse_feed_with_charset(&page, Some("utf-8"), Some(base)).unwrap_err();
    let ParseError::HtmlPage { feeds } = &err else {
        panic!("not recognised as a page: {err}");
    };
    assert_eq!(
        feeds,
        &[
            "https://blog.example.com/feed.xml",
            "https://blog.example.com/posts/atom.xml",
            "https://blog.example.com/feed.json",
            "https://comments.example.com/feed/",
        ]
    );
    let message = err.to_string();
    assert_eq!(
        message,
        "this is a web page, not a feed; it links to these feeds: \
         https://blog.example.com/feed.xml, https://blog.example.com/posts/atom.xml, \
         https://blog.example.com/feed.json, https://comments.example.com/feed/"
    );
    assert_clean("message", &message);

    // Without a base only absolute links can be named; `parse_feed` knows no base.
    let Err(ParseError::HtmlPage { feeds }) = parse_feed(&page) else {
        panic!("not recognised as a page");
    };
    assert_eq!(
        feeds,
        [
            "https://blog.example.com/feed.xml",
            "https://comments.example.com/feed/"
        ]
    );

    let plain = b"<!DOCTYPE html><html><head><title>No feeds</title></head><body>Hi</body></html>";
    let err = parse_feed_with_charset(plain, None, Some(base)).unwrap_err();
    assert!(matches!(&err, ParseError::HtmlPage { feeds } if feeds.is_empty()));
    assert_eq!(
        err.to_string(),
        "this is a web page, not a feed, and it links to no feed"
    );
    let one = br#"<html><head><link rel="alternate" type="application/atom+xml" href="/a.xml"></head></html>"#;
    assert_eq!(
        parse_feed_with_charset(one, None, Some(base))
            .unwrap_err()
            .to_string(),
        "this is a web page, not a feed; it links to this feed: https://blog.example.com/a.xml"
    );
}

/// Served over HTTP, the charset and the page's address reach the parser: the feed's text decodes
/// by its `Content-Type`, and a page's relative feed links are named in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_feeds_use_the_http_charset_and_pages_name_their_feeds() {
    let server = MockServer::start().await;
    let (cyrillic, _, _) = encoding_rs::WINDOWS_1251.encode("Привет, мир");
    let feed = rss_with_title("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>", &cyrillic);
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/rss+xml; charset=windows-1251")
                .set_body_bytes(feed),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/blog/"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html; charset=utf-8")
                .set_body_bytes(fixture("page-with-feeds.html")),
        )
        .mount(&server)
        .await;
    let base = server.uri();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let profile = tempfile::tempdir().unwrap();
    let home = profile.path().to_path_buf();
    let run = move |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tidings_output(&home, &args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let run = std::sync::Arc::new(run);
    let blocking = |args: Vec<String>| {
        let run = std::sync::Arc::clone(&run);
        tokio::task::spawn_blocking(move || run(args))
    };
    blocking(vec!["add".into(), format!("{base}/feed.xml")])
        .await
        .unwrap();
    blocking(vec!["add".into(), format!("{base}/blog/")])
        .await
        .unwrap();
    blocking(vec!["refresh".into()]).await.unwrap();
    let articles = blocking(vec!["list".into(), "articles".into()])
        .await
        .unwrap();
    assert!(articles.contains("Привет, мир"), "{articles}");
    let feeds = blocking(vec!["list".into(), "feeds".into(), "--json".into()])
        .await
        .unwrap();
    let page_error = feeds
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|f| f["url"].as_str().is_some_and(|u| u.ends_with("/blog/")))
        .and_then(|f| f["last_error"].as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(
        page_error.contains(&format!(
            "it links to these feeds: {base}/feed.xml, https://blog.example.com/feed.xml, \
             {base}/blog/atom.xml, {base}/feed.json, https://comments.example.com/feed/"
        )),
        "{page_error}"
    );
}

/// Inputs the fuzzer found that made feed-rs or quick-xml panic (caught): the first is a realistic feed
/// that must still load; the second may fail, but as an error.
#[test]
fn fuzzer_findings_do_not_lose_a_feed() {
    let dir = fixture_path("fuzz");
    let author =
        std::fs::read(dir.join("contained-panic-feed-rs-author-email-char-boundary.xml")).unwrap();
    let feed = tidings::feed::parse::parse_feed(&author).expect("the feed loads");
    assert_eq!(feed.items.len(), 1);
    assert_eq!(feed.items[0].title, "One");
    let declaration =
        std::fs::read(dir.join("contained-panic-xml-declaration-inside-document.xml")).unwrap();
    let _ = tidings::feed::parse::parse_feed(&declaration);
}
