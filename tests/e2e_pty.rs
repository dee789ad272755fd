//! End-to-end tests: the real `tidings` binary in a pseudo-terminal, its output parsed by `vt100`, keys
//! written to the PTY as a user would type them.
//!
//! No network: every profile is a fresh temporary directory passed with `--home`, and the only feeds are
//! the built-in welcome feed and the local file `tests/fixtures/e2e/local.xml`.
//!
//! The tests never assert on time: they wait (polling every 50 ms, with generous timeouts) until the
//! screen shows what they expect, and dump the screen when it never does.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

/// How long any expected screen state or process exit may take to show up.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(50);

const BIN: &str = env!("CARGO_BIN_EXE_tidings");

/// The fixture feed's title and headlines (see `tests/fixtures/e2e/local.xml`).
const FEED_TITLE: &str = "E2E Local Gazette";
const NEWEST_HEADLINE: &str = "Zebra Finch Census";
const LINK_HEADLINE: &str = "Copper Lantern Guide";
const LINK_BODY_SENTENCE: &str = "Harbor lamps glow amber.";
const LINK_REFERENCE: &str = "[1] https://example.org/lanterns";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/e2e")
        .join(name)
}

// ---------------------------------------------------------------------------------------------------
// Headless commands

/// Runs `tidings --home HOME ARGS…` as an ordinary process; panics with its output unless it succeeds.
fn tidings(home: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("TIDINGS_HOME")
        .env_remove("BROWSER")
        .current_dir(home)
        .output()
        .expect("cannot run tidings");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`tidings {}` failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A profile subscribed to the local fixture feed, already refreshed.
fn profile_with_fixture() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("cannot create a temporary profile");
    let feed = fixture("local.xml");
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
// The PTY harness

/// One pane of the screen, found from the corners of its border on the top row.
#[derive(Debug, Clone)]
struct PaneInfo {
    /// The border title, e.g. "Feeds", "All articles (7)", "Article 100%".
    title: String,
    /// Columns of the left and right border.
    left: u16,
    right: u16,
    /// The focused pane has a thick border.
    focused: bool,
}

/// The panes on screen, left to right.
fn panes(screen: &vt100::Screen) -> Vec<PaneInfo> {
    let (_, cols) = screen.size();
    let cell = |col: u16| {
        screen
            .cell(0, col)
            .map(|c| c.contents().to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut col = 0;
    while col < cols {
        let corner = cell(col);
        if corner == "┌" || corner == "┏" {
            let focused = corner == "┏";
            let closing = if focused { "┓" } else { "┐" };
            let Some(right) = (col + 1..cols).find(|&c| cell(c) == closing) else {
                break;
            };
            let title: String = (col + 1..right).map(cell).collect();
            let title = title
                .trim_matches(|c: char| c == '─' || c == '━' || c.is_whitespace())
                .to_string();
            out.push(PaneInfo {
                title,
                left: col,
                right,
                focused,
            });
            col = right + 1;
        } else {
            col += 1;
        }
    }
    out
}

/// The pane whose title starts with `prefix`.
fn pane(screen: &vt100::Screen, prefix: &str) -> Option<PaneInfo> {
    panes(screen)
        .into_iter()
        .find(|p| p.title.starts_with(prefix))
}

/// The title of the focused pane.
fn focused_title(screen: &vt100::Screen) -> Option<String> {
    panes(screen)
        .into_iter()
        .find(|p| p.focused)
        .map(|p| p.title)
}

/// The text of the selected (reverse-video) row inside the pane whose title starts with `prefix`.
fn selected_in(screen: &vt100::Screen, prefix: &str) -> Option<String> {
    let p = pane(screen, prefix)?;
    let (rows, _) = screen.size();
    // Row 0 is the top border; the last two rows are the bottom border and the status line.
    (1..rows.saturating_sub(2)).find_map(|row| {
        let cells: Vec<&vt100::Cell> = (p.left + 1..p.right)
            .filter_map(|col| screen.cell(row, col))
            .collect();
        let inverse = cells.iter().filter(|c| c.inverse()).count();
        (inverse > 1).then(|| {
            let text: String = cells.iter().map(|c| c.contents()).collect();
            text.trim().to_string()
        })
    })
}

/// The screen as text with row numbers, for failure messages.
fn dump(screen: &vt100::Screen) -> String {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols)
        .enumerate()
        .map(|(i, row)| format!("{i:>3}|{row}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The real binary running in a pseudo-terminal. Dropping it kills the process (if it still runs) and
/// ends the reader thread, so a failing test leaves nothing behind.
struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, unparsed.
    raw: Arc<Mutex<Vec<u8>>>,
    child: Box<dyn Child + Send + Sync>,
    writer: Option<Box<dyn Write + Send>>,
    master: Option<Box<dyn MasterPty + Send>>,
    reader: Option<JoinHandle<()>>,
    /// Signalled when the reader thread ends (the PTY reported end of file or an error).
    reader_done: mpsc::Receiver<()>,
    status: Option<ExitStatus>,
}

impl Tui {
    /// Starts `tidings --home HOME` in a `cols`×`rows` terminal.
    fn spawn(home: &Path, cols: u16, rows: u16) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot open a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--home");
        cmd.arg(home);
        cmd.cwd(home);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("BROWSER");
        cmd.env_remove("TIDINGS_HOME");
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("cannot start tidings in the pty");
        // Only the child may hold the terminal side open, so that the reader sees end of file when
        // the child exits.
        drop(pair.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair
            .master
            .try_clone_reader()
            .expect("cannot read from the pty");
        let writer = pair.master.take_writer().expect("cannot write to the pty");
        let (done_tx, reader_done) = mpsc::channel();
        let (thread_parser, thread_raw) = (Arc::clone(&parser), Arc::clone(&raw));
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            thread_raw.lock().unwrap().extend_from_slice(&buf[..n]);
                            thread_parser.lock().unwrap().process(&buf[..n]);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // EIO once the child has exited and closed the terminal.
                        Err(_) => break,
                    }
                }
                let _ = done_tx.send(());
            })
            .expect("cannot start the pty reader thread");
        Tui {
            parser,
            raw,
            child,
            writer: Some(writer),
            master: Some(pair.master),
            reader: Some(reader),
            reader_done,
            status: None,
        }
    }

    /// Types `bytes` into the terminal.
    fn send(&mut self, bytes: &[u8]) {
        let writer = self.writer.as_mut().expect("the pty writer is closed");
        writer.write_all(bytes).expect("cannot write to the pty");
        writer.flush().expect("cannot flush the pty");
    }

    /// Runs `f` on the current screen.
    fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        let parser = self.parser.lock().unwrap();
        f(parser.screen())
    }

    fn dump(&self) -> String {
        self.with_screen(dump)
    }

    /// Waits until `cond` holds for the screen, within `timeout`; panics with the screen otherwise.
    fn wait_for_screen(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&vt100::Screen) -> bool,
    ) {
        let start = Instant::now();
        loop {
            if self.with_screen(&cond) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for: {what}\n--- screen ---\n{}\n--------------",
                    self.dump()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `cond` holds for the screen's text, within `timeout`.
    fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&str) -> bool) {
        self.wait_for_screen(what, timeout, |s| cond(&s.contents()));
    }

    /// Waits until `text` is on screen.
    fn wait_text(&self, text: &str) {
        self.wait_for(&format!("{text:?} on screen"), TIMEOUT, |s| {
            s.contains(text)
        });
    }

    /// Waits until the focused pane's title starts with `prefix`.
    fn wait_focus(&self, prefix: &str) {
        self.wait_for_screen(
            &format!("the focused pane to be {prefix:?}"),
            TIMEOUT,
            |s| focused_title(s).is_some_and(|t| t.starts_with(prefix)),
        );
    }

    /// Presses `j` in the pane titled `pane_prefix` until its selected row contains `needle`,
    /// watching the selection move after each press.
    fn select(&mut self, pane_prefix: &str, needle: &str) {
        for _ in 0..30 {
            let current = self.with_screen(|s| selected_in(s, pane_prefix));
            let Some(current) = current else {
                panic!(
                    "no selected row in the {pane_prefix:?} pane\n{}",
                    self.dump()
                );
            };
            if current.contains(needle) {
                return;
            }
            self.send(b"j");
            self.wait_for_screen(
                &format!("the selection in {pane_prefix:?} to move past {current:?} (looking for {needle:?})"),
                TIMEOUT,
                |s| selected_in(s, pane_prefix).is_some_and(|now| now != current),
            );
        }
        panic!(
            "{needle:?} never got selected in {pane_prefix:?}\n{}",
            self.dump()
        );
    }

    /// Waits for the process to exit and for the reader to drain the terminal.
    fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        let status = loop {
            match self.child.try_wait().expect("cannot poll the child") {
                Some(status) => break status,
                None if start.elapsed() > TIMEOUT => {
                    panic!("tidings did not exit within {TIMEOUT:?}\n{}", self.dump())
                }
                None => std::thread::sleep(POLL),
            }
        };
        self.status = Some(status.clone());
        self.join_reader();
        status
    }

    /// Waits for the process to exit and asserts it exited successfully.
    fn expect_clean_exit(&mut self) {
        let status = self.wait_exit();
        assert!(
            status.success(),
            "tidings exited with {status:?}\n{}",
            self.dump()
        );
    }

    /// Waits (boundedly) for the reader thread to see end of file, then joins it.
    fn join_reader(&mut self) {
        if self.reader_done.recv_timeout(TIMEOUT).is_ok()
            && let Some(handle) = self.reader.take()
        {
            let _ = handle.join();
        }
    }

    /// Resizes the terminal (the program gets SIGWINCH).
    fn resize(&self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master
            .as_ref()
            .expect("the pty is closed")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot resize the pty");
    }

    fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Closing the writer sends a newline and end-of-file; harmless now that the child is gone.
        self.writer.take();
        if self.reader.is_some() {
            self.join_reader();
        }
        // If the reader is still blocked (it should not be), closing the master wakes it up.
        self.master.take();
    }
}

/// Whether `haystack` contains `needle`.
fn contains_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
    let mut tui = Tui::spawn(home.path(), 120, 40);
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
        tui.child.try_wait().unwrap().is_none(),
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
        .master
        .as_ref()
        .and_then(|m| m.get_termios())
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
