//! Saving an article (`S`): the file name from a hostile title is safe (no traversal, no control
//! characters, bounded, no reserved names), a file is never overwritten, and the Markdown keeps the
//! links; the `S` and `|` keys through `App::update`.

use std::path::Path;

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use tidings::config::SaveFormat;
use tidings::session::article::ArticleDoc;
use tidings::store::Article;
use tidings::ui::app::{App, Command, Msg, Pane};
use tidings::ui::export::{MAX_FILE_NAME, file_stem, markdown, numbered_name, save};
use tidings::ui::popups::Popup;

fn article(title: &str) -> Article {
    Article {
        id: 5,
        feed_id: 1,
        feed_title: "Feed One".into(),
        title: title.into(),
        author: Some("Ann Author".into()),
        link: Some("https://example.com/post".into()),
        published: Some(1_764_072_000),
        content: Some(
            "<p>Read <a href=\"https://example.com/notes\">the notes</a> today.</p>\
             <ul><li>one</li><li>two</li></ul>"
                .into(),
        ),
        ..Article::default()
    }
}

fn doc(title: &str) -> ArticleDoc {
    ArticleDoc::build(&article(title), 80, FixedOffset::east_opt(0).unwrap(), true)
}

/// Everything a safe stem is: one path component, not hidden, no control or invisible characters,
/// not a reserved device name, short enough with ` (999)` and the extension.
fn assert_safe(title: &str) -> String {
    let stem = file_stem(title);
    let name = numbered_name(&stem, 999, "txt");
    assert!(!stem.is_empty(), "{title:?}");
    assert!(
        name.len() <= MAX_FILE_NAME,
        "{title:?}: {} bytes",
        name.len()
    );
    assert!(
        !stem.contains(['/', '\\', '\0', ':', '*', '?', '"', '<', '>', '|']),
        "{stem:?}"
    );
    assert!(!stem.chars().any(char::is_control), "{stem:?}");
    assert!(
        !stem.chars().any(|c| matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')),
        "{stem:?}"
    );
    assert!(!stem.starts_with(['.', '-', ' ']), "{stem:?}");
    assert!(!stem.ends_with(['.', ' ']), "{stem:?}");
    assert_ne!(stem, ".");
    assert_ne!(stem, "..");
    let device = stem
        .split('.')
        .next()
        .unwrap()
        .trim_end()
        .to_ascii_uppercase();
    assert!(
        !["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"].contains(&device.as_str()),
        "{stem:?}"
    );
    assert_eq!(Path::new(&name).components().count(), 1, "{name:?}");
    stem
}

#[test]
fn hostile_titles_make_safe_file_names() {
    let long_ascii = "a".repeat(10_000);
    let long_accents = "é".repeat(10_000);
    let long_cjk = "学".repeat(10_000);
    let long_words = "word ".repeat(2_000);
    let cases: Vec<(&str, Option<&str>)> = vec![
        ("../../etc/passwd", Some("etc passwd")),
        ("/etc/passwd", Some("etc passwd")),
        ("..\\..\\windows\\system32", Some("windows system32")),
        (".", Some("article")),
        ("..", Some("article")),
        ("...", Some("article")),
        ("", Some("article")),
        ("   \t\n ", Some("article")),
        (".hidden", Some("hidden")),
        ("-rf --no-preserve-root", Some("rf --no-preserve-root")),
        ("CON", Some("CON_")),
        ("con", Some("con_")),
        ("nul.txt", Some("nul_.txt")),
        ("Com1", Some("Com1_")),
        ("LPT9.md", Some("LPT9_.md")),
        ("CONSOLE news", Some("CONSOLE news")),
        ("Hello\x1b[31mred\x1b[0m\x07 world", Some("Hellored world")),
        ("line\none\ttwo\r\nthree", Some("line one two three")),
        ("abc\u{202e}gnp.exe", Some("abcgnp.exe")),
        ("zero\u{200b}width\u{feff}", Some("zerowidth")),
        ("a:b*c?d\"e<f>g|h", Some("a b c d e f g h")),
        ("Rust 2.0: the release.", Some("Rust 2.0 the release")),
        ("trailing dots...  ", Some("trailing dots")),
        ("nul\0byte", Some("nulbyte")),
        (&long_ascii, None),
        (&long_accents, None),
        (&long_cjk, None),
        (&long_words, None),
    ];
    for (title, expected) in cases {
        let stem = assert_safe(title);
        if let Some(expected) = expected {
            assert_eq!(stem, expected, "{title:?}");
        }
    }
    // Long titles are cut on a character boundary, keeping as much as fits.
    let stem = file_stem(&long_cjk);
    assert!(stem.chars().all(|c| c == '学'));
    assert!(stem.len() > 100, "{}", stem.len());
}

#[test]
fn a_saved_article_never_overwrites_and_stays_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("saved/articles");
    let doc = doc("../../etc/passwd");
    let first = save(&folder, &doc, SaveFormat::Markdown).unwrap();
    assert_eq!(first, folder.join("etc passwd.md"));
    let second = save(&folder, &doc, SaveFormat::Markdown).unwrap();
    assert_eq!(second, folder.join("etc passwd (2).md"));
    // A symlink in the way is never written through.
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, folder.join("etc passwd (3).md")).unwrap();
    let third = save(&folder, &doc, SaveFormat::Markdown).unwrap();
    assert_eq!(third, folder.join("etc passwd (4).md"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(
        std::fs::read_to_string(&first)
            .unwrap()
            .starts_with("# ../../etc/passwd\n")
    );
    let text = save(&folder, &doc, SaveFormat::Text).unwrap();
    assert_eq!(text, folder.join("etc passwd.txt"));
    for path in [first, second, third, text] {
        assert_eq!(path.parent(), Some(folder.as_path()));
    }
}

#[test]
fn markdown_has_a_heading_fields_text_and_link_definitions() {
    let md = markdown(&doc("Announcing things"));
    assert!(
        md.starts_with("# Announcing things\n\n- Feed: Feed One\n- Author: Ann Author\n"),
        "{md}"
    );
    assert!(md.contains("- Link: <https://example.com/post>\n"), "{md}");
    assert!(!md.contains("Text:"), "the pane's hint stays out: {md}");
    assert!(md.contains("Read the notes[1] today."), "{md}");
    assert!(md.contains("* one\n* two\n"), "{md}");
    assert!(
        md.ends_with("\n\n[1]: <https://example.com/notes>\n"),
        "{md}"
    );
    assert!(
        !md.contains("[1] https://"),
        "the list became definitions: {md}"
    );
}

fn app_with_article() -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), FixedOffset::east_opt(0).unwrap());
    app.focus = Pane::Article;
    app.article = Some(doc("Announcing things"));
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::from(code)))
}

#[test]
fn s_saves_and_the_pipe_key_asks_for_a_command() {
    let mut app = App::new(Rect::new(0, 0, 120, 30), FixedOffset::east_opt(0).unwrap());
    assert!(key(&mut app, KeyCode::Char('S')).is_empty());
    assert_eq!(app.notice.as_deref(), Some("Open an article first"));

    let mut app = app_with_article();
    let commands = key(&mut app, KeyCode::Char('S'));
    assert!(
        matches!(&commands[..], [Command::SaveArticle { doc, full: true }] if doc.id == 5),
        "{commands:?}"
    );
    app.update(Msg::Exported(
        Ok("Saved /tmp/x/Announcing things.md".into()),
    ));
    assert_eq!(
        app.notice.as_deref(),
        Some("Saved /tmp/x/Announcing things.md")
    );

    // `|` asks; Enter runs what was typed, with the open article.
    assert!(key(&mut app, KeyCode::Char('|')).is_empty());
    assert!(matches!(app.popups.last(), Some(Popup::Pipe(_))));
    for c in "wc -l".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let commands = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&commands[..], [Command::PipeArticle { doc, command, .. }] if doc.id == 5 && command == "wc -l"),
        "{commands:?}"
    );
    assert!(app.popups.is_empty());
    app.update(Msg::Exported(Err("wc -l exited with status 1".into())));
    assert_eq!(app.notice, None);
    assert_eq!(
        app.last_error.as_deref(),
        Some("wc -l exited with status 1")
    );
    // The next time the dialog starts with the last command; a broken one stays in the dialog.
    key(&mut app, KeyCode::Char('|'));
    match app.popups.last() {
        Some(Popup::Pipe(p)) => assert_eq!(p.command.text(), "wc -l"),
        other => panic!("{other:?}"),
    }
    key(&mut app, KeyCode::Char('\''));
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(app.popups.last(), Some(Popup::Pipe(p)) if p.error.is_some()));
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());

    // With `pipe_command` set, `|` runs it at once.
    app.pipe_command = Some("wc -w".into());
    let commands = key(&mut app, KeyCode::Char('|'));
    assert!(
        matches!(&commands[..], [Command::PipeArticle { command, .. }] if command == "wc -w"),
        "{commands:?}"
    );
}
