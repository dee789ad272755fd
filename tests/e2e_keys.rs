//! Rebound keys in the real program: `[keys]` in config.toml changes what keys do, a chord waits for
//! its second key, an unbound key does nothing, and the help shows the keys in effect.

mod common;

use common::cli::{fixture, tidings};
use common::pty::{TIMEOUT, Tui, selected_in};

const FEED_TITLE: &str = "E2E Local Gazette";

#[test]
fn a_rebound_key_a_chord_and_an_unbound_key() {
    let home = tempfile::tempdir().unwrap();
    let feed = fixture("e2e/local.xml");
    tidings(home.path(), &["add", feed.to_str().unwrap()]);
    tidings(home.path(), &["refresh"]);
    std::fs::write(
        home.path().join("config.toml"),
        "[keys.feeds]\nx = \"down\"\nj = \"none\"\n\"g g\" = \"bottom\"\n",
    )
    .unwrap();

    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text(FEED_TITLE);
    tui.wait_focus("Feeds");
    let selected = |tui: &Tui| {
        tui.with_screen(|s| selected_in(s, "Feeds"))
            .unwrap_or_default()
    };
    assert!(selected(&tui).starts_with("All"), "{}", tui.dump());

    // x moves down now.
    tui.send(b"x");
    tui.wait_for_screen("x to select Starred", TIMEOUT, |s| {
        selected_in(s, "Feeds").is_some_and(|t| t.starts_with("Starred"))
    });
    // `g g` goes to the bottom: the first g only waits.
    tui.send(b"g");
    tui.wait_text("g …");
    tui.send(b"g");
    tui.wait_for_screen("g g to select the last feed", TIMEOUT, |s| {
        selected_in(s, "Feeds").is_some_and(|t| t.starts_with(FEED_TITLE))
    });
    // Home still goes to the top; j does nothing any more, so j then x lands on Starred.
    tui.send(b"\x1b[H");
    tui.wait_for_screen("Home to select All", TIMEOUT, |s| {
        selected_in(s, "Feeds").is_some_and(|t| t.starts_with("All"))
    });
    tui.send(b"jx?");
    // The help lists the keys in effect in the feed list.
    tui.wait_text("Ctrl-N, x / k");
    tui.send(b"\x1b");
    tui.wait_for("the help to close", TIMEOUT, |s| {
        !s.contains("Ctrl-N, x / k")
    });
    assert!(selected(&tui).starts_with("Starred"), "{}", tui.dump());

    tui.send(b"q");
    tui.expect_clean_exit();
}
