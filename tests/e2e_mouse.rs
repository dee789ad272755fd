//! The mouse in the real program: reporting is switched on at start and off at the end, a click on
//! a feed selects it and a second click opens it; `mouse = false` leaves the mouse to the terminal.

mod common;

use common::cli::{fixture, tidings};
use common::pty::{TIMEOUT, Tui, contains_bytes, pane, selected_in};

const FEED_TITLE: &str = "E2E Local Gazette";
const MOUSE_ON: &[u8] = b"\x1b[?1000h";
const MOUSE_OFF: &[u8] = b"\x1b[?1000l";

fn profile(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let feed = fixture("e2e/local.xml");
    tidings(home.path(), &["add", feed.to_str().unwrap()]);
    tidings(home.path(), &["refresh"]);
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    home
}

/// The cell (column, row) where `text` starts inside the pane titled `prefix` (whose rows are plain
/// text with one cell per character).
fn locate(screen: &vt100::Screen, prefix: &str, text: &str) -> Option<(u16, u16)> {
    let p = pane(screen, prefix)?;
    let (rows, _) = screen.size();
    (1..rows).find_map(|row| {
        let line: String = screen
            .rows(p.left + 1, p.right - p.left - 1)
            .nth(usize::from(row))?;
        let at = line.find(text)?;
        Some((p.left + 1 + line[..at].chars().count() as u16, row))
    })
}

/// A left click at a cell, as an xterm reports it in SGR mode (1-based): press, then release.
fn click(tui: &mut Tui, (col, row): (u16, u16)) {
    let (x, y) = (col + 1, row + 1);
    tui.send(format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m").as_bytes());
}

#[test]
fn clicks_select_and_open_and_reporting_is_off_again_at_the_end() {
    let home = profile("");
    let mut tui = Tui::spawn(home.path(), 120, 30);
    tui.wait_text(FEED_TITLE);
    tui.wait_focus("Feeds");
    assert!(contains_bytes(&tui.raw_output(), MOUSE_ON).is_some());

    let at = tui
        .with_screen(|s| locate(s, "Feeds", FEED_TITLE))
        .unwrap_or_else(|| panic!("no {FEED_TITLE} in the feed list\n{}", tui.dump()));
    click(&mut tui, at);
    tui.wait_for_screen("the click to select the feed", TIMEOUT, |s| {
        selected_in(s, "Feeds").is_some_and(|t| t.starts_with(FEED_TITLE))
    });
    click(&mut tui, at);
    tui.wait_focus(FEED_TITLE);

    tui.send(b"q");
    tui.wait_focus("Feeds");
    tui.send(b"q");
    tui.expect_clean_exit();
    let raw = tui.raw_output();
    let last_on = raw
        .windows(MOUSE_ON.len())
        .rposition(|w| w == MOUSE_ON)
        .unwrap();
    assert!(
        contains_bytes(&raw[last_on..], MOUSE_OFF).is_some(),
        "mouse reporting was left on"
    );
}

#[test]
fn mouse_false_leaves_the_mouse_to_the_terminal() {
    let home = profile("mouse = false\n");
    let mut tui = Tui::spawn(home.path(), 120, 30);
    tui.wait_text(FEED_TITLE);
    tui.send(b"q");
    tui.expect_clean_exit();
    assert!(contains_bytes(&tui.raw_output(), MOUSE_ON).is_none());
}
