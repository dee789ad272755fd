//! Doing things with an article in the real program: `|` pipes its text to a command typed in a
//! dialog (`wc -l`) and the status line shows the command's answer; `S` saves it in `save_dir`.

mod common;

use common::cli::{fixture, tidings};
use common::pty::{TIMEOUT, Tui};

const FEED_TITLE: &str = "E2E Local Gazette";
const LINK_HEADLINE: &str = "Copper Lantern Guide";

/// The number the status line shows after `wc -l: `, once it is there.
fn wc_answer(screen: &str) -> Option<usize> {
    let rest = &screen[screen.find("wc -l: ")? + "wc -l: ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn pipe_an_article_to_wc_and_save_it() {
    let home = tempfile::tempdir().unwrap();
    let feed = fixture("e2e/local.xml");
    tidings(home.path(), &["add", feed.to_str().unwrap()]);
    tidings(home.path(), &["refresh"]);
    let saved = home.path().join("saved");
    std::fs::write(
        home.path().join("config.toml"),
        format!("save_dir = \"{}\"\n", saved.display()),
    )
    .unwrap();

    let mut tui = Tui::spawn(home.path(), 120, 30);
    tui.wait_text(LINK_HEADLINE);
    tui.select("Feeds", FEED_TITLE);
    tui.send(b"\r");
    tui.wait_focus(FEED_TITLE);
    tui.select(FEED_TITLE, LINK_HEADLINE);
    tui.send(b"\r");
    tui.wait_focus("Article");
    tui.wait_text(&format!("Feed: {FEED_TITLE}"));

    tui.send(b"|");
    tui.wait_text("Pipe the article");
    tui.send(b"wc -l\r");
    tui.wait_for("wc -l's line count in the status line", TIMEOUT, |s| {
        wc_answer(s).is_some_and(|n| n > 3)
    });
    assert!(!tui.contents().contains("Pipe the article"));

    tui.send(b"S");
    tui.wait_text("Saved ");
    let file = saved.join(format!("{LINK_HEADLINE}.md"));
    let text = std::fs::read_to_string(&file).expect("the article was saved");
    assert!(text.starts_with(&format!("# {LINK_HEADLINE}\n")), "{text}");
    assert!(
        text.contains("[1]: <https://example.org/lanterns>"),
        "{text}"
    );
    // Saving again never overwrites.
    tui.send(b"S");
    tui.wait_text(&format!("{LINK_HEADLINE} (2).md"));

    tui.send(b"qqq");
    tui.expect_clean_exit();
}
