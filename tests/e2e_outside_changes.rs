//! The running reader follows what other processes do to the cache: a feed added, refreshed or
//! removed from the command line shows up (or goes) without restarting the reader.

mod common;

use std::time::Duration;

use common::cli::{fixture, tidings};
use common::pty::Tui;

#[test]
fn the_reader_follows_changes_made_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 30);
    tui.wait_text("Welcome to tidings");

    // Added and refreshed beside the running reader.
    let feed = fixture("e2e/local.xml");
    tidings(home.path(), &["add", feed.to_str().unwrap()]);
    tidings(home.path(), &["refresh", feed.to_str().unwrap()]);
    tui.wait_for("the new feed listed", Duration::from_secs(10), |s| {
        s.contains("E2E Local Gazette")
    });
    tui.wait_text("Zebra Finch Census");

    // Removed beside it: it goes from the list.
    tidings(home.path(), &["remove", feed.to_str().unwrap()]);
    tui.wait_for("the feed gone", Duration::from_secs(10), |s| {
        !s.contains("E2E Local Gazette") && !s.contains("Zebra Finch Census")
    });
    tui.send(b"q");
    tui.expect_clean_exit();
}
