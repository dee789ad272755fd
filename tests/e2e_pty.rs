//! End-to-end tests: the real `tidings` binary in a pseudo-terminal, its output parsed by `vt100`, keys
//! written to the PTY as a user would type them.
//!
//! No network: every profile is a fresh temporary directory passed with `--home`, and the only feeds are
//! the built-in welcome feed and the local file `tests/fixtures/e2e/local.xml`.
//!
//! The tests never assert on time: they wait (polling every 50 ms, with generous timeouts) until the
//! screen shows what they expect, and dump the screen when it never does.

mod common;

use common::cli::{fixture, tidings};
use common::pty::{TIMEOUT, Tui, contains_bytes, dump, pane, panes, selected_in};

/// The fixture feed's title and headlines (see `tests/fixtures/e2e/local.xml`).
const FEED_TITLE: &str = "E2E Local Gazette";
const NEWEST_HEADLINE: &str = "Zebra Finch Census";
const LINK_HEADLINE: &str = "Copper Lantern Guide";
const LINK_BODY_SENTENCE: &str = "Harbor lamps glow amber.";
const LINK_REFERENCE: &str = "[1] https://example.org/lanterns";

/// A profile subscribed to the local fixture feed, already refreshed.
fn profile_with_fixture() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("cannot create a temporary profile");
    let feed = fixture("e2e/local.xml");
    let added = tidings(home.path(), &["add", feed.to_str().unwrap()]);
    assert!(
        added.contains("added feed"),
        "unexpected `add` output: {added}"
    );
    let refreshed = tidings(home.path(), &["refresh"]);
    assert!(
        refreshed.contains("0 failed") && refreshed.contains("3 new articles"),
        "unexpected `refresh` output: {refreshed}"
    );
    home
}

// ---------------------------------------------------------------------------------------------------
// Tests

#[test]
fn opens_article_and_quits() {
    let home = profile_with_fixture();
    let mut tui = Tui::spawn(home.path(), 120, 40);

    // Wide layout: three panes, the feed list focused with "All" selected.
    tui.wait_text(FEED_TITLE);
    tui.wait_for("a fixture headline in the All list", TIMEOUT, |s| {
        s.contains(NEWEST_HEADLINE)
    });
    // A profile that already had feeds (added from the command line) gets no welcome feed.
    tui.with_screen(|s| {
        assert!(!s.contents().contains("Welcome to tidings"), "{}", dump(s));
    });
    tui.wait_focus("Feeds");
    tui.with_screen(|s| {
        let titles: Vec<String> = panes(s).into_iter().map(|p| p.title).collect();
        assert_eq!(
            titles.len(),
            3,
            "expected three panes: {titles:?}\n{}",
            dump(s)
        );
        assert_eq!(
            selected_in(s, "Feeds")
                .as_deref()
                .map(|t| t.starts_with("All")),
            Some(true)
        );
    });

    // Move to the fixture feed; its three headlines replace "All".
    tui.select("Feeds", FEED_TITLE);
    tui.wait_for_screen("the fixture feed's headlines", TIMEOUT, |s| {
        pane(s, &format!("{FEED_TITLE} (3)")).is_some()
    });
    tui.wait_text(LINK_HEADLINE);

    // Enter focuses the headlines; pick the item with the link and open it.
    tui.send(b"\r");
    tui.wait_focus(FEED_TITLE);
    tui.select(FEED_TITLE, LINK_HEADLINE);
    tui.send(b"\r");
    tui.wait_focus("Article");
    tui.wait_text(LINK_BODY_SENTENCE);
    tui.wait_text(LINK_REFERENCE);
    tui.with_screen(|s| {
        let text = s.contents();
        assert!(
            text.lines().any(|l| l.contains(LINK_REFERENCE)),
            "no link reference line\n{}",
            dump(s)
        );
        assert!(text.contains("Feed: E2E Local Gazette"), "{}", dump(s));
    });

    // q walks back: article → headlines → feeds → quit.
    tui.send(b"q");
    tui.wait_focus(FEED_TITLE);
    tui.send(b"q");
    tui.wait_focus("Feeds");
    tui.send(b"q");
    tui.expect_clean_exit();

    // The opened article was marked read in the cache; the others were not.
    let listing = tidings(home.path(), &["list", "articles", "--json"]);
    let rows: Vec<serde_json::Value> = listing
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let find = |title: &str| {
        rows.iter()
            .find(|r| r["title"] == title)
            .unwrap_or_else(|| panic!("no article {title:?} in:\n{listing}"))
    };
    assert_eq!(find(LINK_HEADLINE)["read"], true, "{listing}");
    assert_eq!(find(NEWEST_HEADLINE)["read"], false, "{listing}");
    assert_eq!(find("Quiet Harbor Notes")["read"], false, "{listing}");
}

#[test]
fn narrow_terminal_shows_one_pane() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 80, 24);

    tui.wait_text("Welcome to tidings");
    tui.wait_focus("Feeds");
    tui.with_screen(|s| {
        let titles: Vec<String> = panes(s).into_iter().map(|p| p.title).collect();
        assert_eq!(
            titles,
            ["Feeds"],
            "only the feed list should show\n{}",
            dump(s)
        );
        let text = s.contents();
        assert!(!text.contains("Article"), "{}", dump(s));
        assert!(!text.contains("All articles"), "{}", dump(s));
    });

    // Enter: the headlines replace the feed list.
    tui.send(b"\r");
    tui.wait_for_screen("the headlines pane alone", TIMEOUT, |s| {
        let p = panes(s);
        p.len() == 1 && p[0].focused && p[0].title.starts_with("All articles (")
    });
    tui.wait_text("Moving around: the keys");

    // Enter again: the article replaces the headlines, wrapped to the whole width.
    tui.send(b"\r");
    tui.wait_for_screen("the article pane alone", TIMEOUT, |s| {
        let p = panes(s);
        p.len() == 1 && p[0].focused && p[0].title.starts_with("Article")
    });
    tui.wait_text("Feed: Welcome to tidings");

    // Back out pane by pane, then quit.
    tui.send(b"q");
    tui.wait_focus("All articles");
    tui.send(b"q");
    tui.wait_focus("Feeds");
    tui.send(b"q");
    tui.expect_clean_exit();
}

#[test]
fn help_overlay_lists_keys() {
    let home = tempfile::tempdir().unwrap();
    // Tall enough for the whole table.
    let mut tui = Tui::spawn(home.path(), 120, 60);
    tui.wait_text("Welcome to tidings");
    tui.wait_focus("Feeds");

    tui.send(b"?");
    tui.wait_text("refresh all feeds");
    tui.with_screen(|s| {
        let text = s.contents();
        for expected in [
            "Keys",
            "open the feed or article",
            "back; quit from the feed list",
        ] {
            assert!(
                text.contains(expected),
                "help lacks {expected:?}\n{}",
                dump(s)
            );
        }
    });

    // q closes the overlay (and only the overlay: the program keeps running).
    tui.send(b"q");
    tui.wait_for("the help overlay to close", TIMEOUT, |s| {
        !s.contains("refresh all feeds")
    });
    tui.wait_focus("Feeds");
    assert!(
        tui.is_running(),
        "closing the help quit the program\n{}",
        tui.dump()
    );

    tui.send(b"q");
    tui.expect_clean_exit();
}

#[test]
fn first_run_shows_welcome_feed() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_for_screen("the welcome feed in the feed list", TIMEOUT, |s| {
        let Some(p) = pane(s, "Feeds") else {
            return false;
        };
        let (rows, _) = s.size();
        (1..rows).any(|row| {
            s.contents_between(row, p.left + 1, row, p.right)
                .contains("Welcome to tidings")
        })
    });
    // Its articles are in "All", and they count as unread.
    tui.wait_text("Where your data lives");
    tui.wait_for("the unread count in the status line", TIMEOUT, |s| {
        s.contains("4 unread")
    });
    tui.send(b"q");
    tui.expect_clean_exit();
}

#[test]
fn terminal_restored_on_exit() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text("Welcome to tidings");
    tui.wait_focus("Feeds");
    assert!(
        tui.with_screen(|s| s.alternate_screen()),
        "not in the alternate screen\n{}",
        tui.dump()
    );

    tui.send(b"q");
    tui.expect_clean_exit();

    let raw = tui.raw_output();
    let entered = contains_bytes(&raw, b"\x1b[?1049h").expect("never entered the alternate screen");
    // Leaving must come after entering.
    contains_bytes(&raw[entered..], b"\x1b[?1049l")
        .expect("did not leave the alternate screen on exit");
    tui.with_screen(|s| {
        assert!(!s.alternate_screen(), "still in the alternate screen");
        assert!(!s.hide_cursor(), "the cursor is still hidden");
        // The main screen is untouched: the UI was drawn only on the alternate one.
        assert!(!s.contents().contains("Welcome to tidings"), "{}", dump(s));
    });

    // Raw mode is off again: the terminal is back to canonical input with echo.
    let termios = tui
        .master()
        .get_termios()
        .expect("cannot read the terminal's settings");
    let flags = format!("{:?}", termios.local_flags);
    let has = |flag: &str| {
        flags
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|t| t == flag)
    };
    assert!(has("ICANON") && has("ECHO"), "raw mode still on: {flags}");
}

#[test]
fn resize_switches_between_layouts() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text("Welcome to tidings");
    tui.wait_for_screen("three panes", TIMEOUT, |s| panes(s).len() == 3);

    tui.resize(80, 24);
    tui.wait_for_screen("only the focused feed list after narrowing", TIMEOUT, |s| {
        let p = panes(s);
        p.len() == 1 && p[0].focused && p[0].title == "Feeds" && p[0].right == 79
    });

    tui.resize(120, 40);
    tui.wait_for_screen("three panes again after widening", TIMEOUT, |s| {
        let p = panes(s);
        p.len() == 3 && p[2].right == 119
    });

    tui.send(b"q");
    tui.expect_clean_exit();
}

#[test]
fn ctrl_c_quits_from_the_article() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text("Where your data lives");
    tui.send(b"\r");
    tui.wait_focus("All articles");
    tui.send(b"\r");
    tui.wait_focus("Article");
    tui.wait_text("Feed: Welcome to tidings");

    // Raw mode: Ctrl-C is a key for the program, not SIGINT; it quits at once and cleanly.
    tui.send(b"\x03");
    tui.expect_clean_exit();
    assert!(tui.with_screen(|s| !s.alternate_screen()));
}

// ---------------------------------------------------------------------------------------------------
// Regression tests for two bugs found by this suite (help closing on any key; writes queued just before
// quitting must land).

/// The help says "(any key closes it)", but a key without a binding never reaches `App::update`
/// (`keymap::action_for` returns `None` and the runtime drops the event), so the overlay stays.
#[test]
fn help_closes_on_any_key() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text("Welcome to tidings");
    tui.send(b"?");
    tui.wait_text("refresh all feeds");
    tui.send(b"x");
    tui.wait_for("the help overlay to close on x", TIMEOUT, |s| {
        !s.contains("refresh all feeds")
    });
}

/// Writes still queued for the store worker thread when the user quits are lost: the thread is never
/// joined (the process exits under it) and it also stops at the first result it cannot send back.
#[test]
fn toggle_read_then_quit_at_once_is_saved() {
    let home = profile_with_fixture();
    let mut tui = Tui::spawn(home.path(), 120, 40);
    tui.wait_text(FEED_TITLE);
    tui.wait_text(NEWEST_HEADLINE);
    tui.select("Feeds", FEED_TITLE);
    tui.wait_for_screen("the fixture feed's headlines", TIMEOUT, |s| {
        pane(s, &format!("{FEED_TITLE} (3)")).is_some()
    });
    tui.send(b"\r");
    tui.wait_focus(FEED_TITLE);
    // m marks the selected (newest) article read; q q goes back to the feeds and quits.
    tui.send(b"mqq");
    tui.expect_clean_exit();
    let listing = tidings(home.path(), &["list", "articles", "--json", "--feed", "1"]);
    let newest: serde_json::Value =
        serde_json::from_str(listing.lines().next().expect("no articles")).unwrap();
    assert_eq!(newest["title"], NEWEST_HEADLINE, "{listing}");
    assert_eq!(newest["read"], true, "the read mark was lost:\n{listing}");
}
