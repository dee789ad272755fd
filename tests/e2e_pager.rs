//! `E` in a pseudo-terminal: the article's text goes to `$PAGER` (here a command that keeps it in a
//! file), the reader steps aside meanwhile and takes the terminal back after.

mod common;

use std::time::Duration;

use common::pty::Tui;

#[test]
fn e_pages_the_open_article_and_the_reader_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("paged.txt");
    let pager = format!("sh -c 'cat > {}'", out.display());
    let mut tui = Tui::spawn_with_env(home.path(), 120, 30, &[("PAGER", &pager)]);
    tui.wait_text("Welcome to tidings");
    // The welcome feed's first article, opened.
    tui.send(b"l");
    tui.send(b"\r");
    tui.wait_for("the article open", Duration::from_secs(10), |s| {
        s.contains("Feed: Welcome to tidings")
    });
    tui.send(b"E");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !out.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    tui.wait_for("the reader back", Duration::from_secs(10), |s| {
        s.contains("Feed: Welcome to tidings")
    });
    let paged = std::fs::read_to_string(&out).expect("the pager got the text");
    assert!(paged.contains("Feed: Welcome to tidings"), "{paged}");
    tui.send(b"q");
    tui.send(b"q");
    tui.send(b"q");
    tui.expect_clean_exit();
}
