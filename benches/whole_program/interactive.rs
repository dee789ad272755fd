//! Interactive figures in a pseudo-terminal: opening the largest feed, one cursor move in its
//! headlines, memory after paging through every headline (on a prebuilt cache), and key → frame
//! latency while a refresh of many feeds runs (against the loopback server).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::caches::{Cache, LARGEST_TITLE};
use crate::pty::Pty;
use crate::screen::{self, prefix};
use crate::server::Server;
use crate::startup::{TITLE_PREFIX, start_tidings};

const KEY_TIMEOUT: Duration = Duration::from_secs(30);
/// After a frame was seen, output must pause this long before the next key (a frame may come in
/// several chunks).
const QUIET: Duration = Duration::from_millis(5);

pub struct OpenFeed {
    /// Last `j` → the largest feed's newest headline on screen, one per run.
    pub open: Vec<Duration>,
    /// `j` in its headline list → the next screen change, all runs pooled.
    pub moves: Vec<Duration>,
}

/// (a) and (b): per run, a fresh reader; `j` to the largest feed (timing the last key), Enter into
/// its headlines, then `moves` × `j`, each timed to the next screen change.
pub fn open_and_move(bin: &Path, cache: &Cache, runs: usize, moves: usize) -> Result<OpenFeed> {
    let newest = prefix(&cache.newest_title, TITLE_PREFIX);
    let mut result = OpenFeed {
        open: Vec::new(),
        moves: Vec::new(),
    };
    for _ in 0..runs {
        let (mut tui, _) = start_tidings(bin, cache, Duration::from_secs(300))?;
        tui.settle(Duration::from_millis(100), Duration::from_secs(5));
        // All → Starred → the largest feed (it sorts first among the feeds).
        tui.send(b"j")?;
        tui.wait_for("\"Starred\" selected in the feed list", KEY_TIMEOUT, |s| {
            screen::selected(s, 0).is_some_and(|t| t.starts_with("Starred"))
        })?;
        tui.settle(QUIET, Duration::from_secs(5));
        let sent = tui.send(b"j")?;
        let shown = tui.wait_for(
            &format!("{LARGEST_TITLE:?} opened with its newest headline {newest:?}"),
            KEY_TIMEOUT,
            |s| {
                screen::selected(s, 0).is_some_and(|t| t.starts_with(LARGEST_TITLE))
                    && screen::pane_title(s, 1).is_some_and(|t| t.starts_with(LARGEST_TITLE))
                    && screen::pane_text(s, 1).contains(&newest)
            },
        )?;
        result.open.push(shown.saturating_duration_since(sent));
        tui.settle(Duration::from_millis(50), Duration::from_secs(5));
        tui.send(b"\r")?;
        tui.wait_for("the headline pane focused", KEY_TIMEOUT, |s| {
            screen::panes(s).get(1).is_some_and(|p| p.focused)
        })?;
        tui.settle(Duration::from_millis(50), Duration::from_secs(5));
        for i in 0..moves {
            let before = tui.formatted();
            let sent = tui.send(b"j")?;
            let changed = tui.wait_for(
                &format!("the screen to change after `j` #{}", i + 1),
                KEY_TIMEOUT,
                |s| s.contents_formatted() != before,
            )?;
            result.moves.push(changed.saturating_duration_since(sent));
            tui.settle(QUIET, Duration::from_secs(5));
        }
        tui.quit(b"\x03", Duration::from_secs(60))?;
    }
    Ok(result)
}

pub struct ScrollAll {
    pub pages: usize,
    pub took: Duration,
    pub after_start_kib: (u64, u64),
    pub after_scroll_kib: (u64, u64),
}

/// (c): All's headlines paged through with Space until the oldest article is visible; VmHWM and
/// VmRSS right after start-up and after the last page.
pub fn scroll_all(bin: &Path, cache: &Cache) -> Result<ScrollAll> {
    let oldest = prefix(&cache.oldest_title, TITLE_PREFIX);
    let (mut tui, _) = start_tidings(bin, cache, Duration::from_secs(300))?;
    tui.settle(Duration::from_millis(200), Duration::from_secs(5));
    let after_start_kib = tui.memory_kib()?;
    tui.send(b"\t")?;
    tui.wait_for("the headline pane focused", KEY_TIMEOUT, |s| {
        screen::panes(s).get(1).is_some_and(|p| p.focused)
    })?;
    tui.settle(QUIET, Duration::from_secs(5));
    let start = Instant::now();
    let mut pages = 0;
    // A page holds about 44 rows; allow for twice as many presses as that needs.
    let limit = cache.articles / 20 + 100;
    while !tui.with_screen(|s| screen::pane_text(s, 1).contains(&oldest)) {
        if pages > limit {
            bail!(
                "the oldest article {oldest:?} never showed after {pages} pages\n{}",
                tui.with_screen(crate::pty::dump)
            );
        }
        let before = tui.formatted();
        tui.send(b" ")?;
        pages += 1;
        tui.wait_for(
            &format!("the page to change after Space #{pages} (paging towards {oldest:?})"),
            KEY_TIMEOUT,
            |s| s.contents_formatted() != before,
        )?;
        tui.settle(QUIET, Duration::from_secs(5));
    }
    let took = start.elapsed();
    let after_scroll_kib = tui.memory_kib()?;
    tui.quit(b"\x03", Duration::from_secs(60))?;
    Ok(ScrollAll {
        pages,
        took,
        after_start_kib,
        after_scroll_kib,
    })
}

pub struct KeysDuringRefresh {
    /// Key → selection moved, for keys sent while the status line showed the refresh.
    pub during: Vec<Duration>,
    /// The same for keys sent after it finished (a few, for comparison).
    pub after: Vec<Duration>,
    /// Start of the reader until the status line stopped showing the refresh.
    pub refresh_took: Duration,
    pub requests: u64,
}

fn refreshing(s: &vt100::Screen) -> bool {
    screen::status_line(s).contains("Refreshing")
}

/// Key → frame while the reader refreshes `feeds` just-imported (so all due) feeds on start: `j`/`k`
/// alternately in the feed list every ~20 ms, each timed until the selection moved.
pub fn keys_during_refresh(
    bin: &Path,
    server: &Server,
    feeds: usize,
    root: &Path,
) -> Result<KeysDuringRefresh> {
    let home = tempfile::Builder::new().prefix("keys-").tempdir_in(root)?;
    crate::refresh::import(bin, server, feeds, home.path())?;
    let before = server.counters();
    let start = Instant::now();
    let mut tui = Pty::spawn(
        "tidings",
        bin,
        &["--home", &home.path().display().to_string()],
        home.path(),
        &[],
    )?;
    tui.wait_for(
        "the refresh to show in the status line",
        Duration::from_secs(60),
        |s| screen::selected(s, 0).is_some_and(|t| t.starts_with("All")) && refreshing(s),
    )?;
    let mut result = KeysDuringRefresh {
        during: Vec::new(),
        after: Vec::new(),
        refresh_took: Duration::ZERO,
        requests: 0,
    };
    let deadline = Instant::now() + Duration::from_secs(1800);
    while result.after.len() < 20 {
        let (on_all, busy) = tui.with_screen(|s| {
            (
                screen::selected(s, 0).is_some_and(|t| t.starts_with("All")),
                refreshing(s),
            )
        });
        if !busy && result.refresh_took.is_zero() {
            result.refresh_took = start.elapsed();
        }
        let (key, target) = if on_all {
            (b"j", "Starred")
        } else {
            (b"k", "All")
        };
        let sent = tui.send(key)?;
        let moved = tui.wait_for(
            &format!("{target:?} selected in the feed list"),
            KEY_TIMEOUT,
            |s| screen::selected(s, 0).is_some_and(|t| t.starts_with(target)),
        )?;
        let latency = moved.saturating_duration_since(sent);
        if busy {
            result.during.push(latency)
        } else {
            result.after.push(latency)
        }
        tui.settle(Duration::from_millis(2), Duration::from_millis(100));
        if let Some(rest) = Duration::from_millis(20).checked_sub(sent.elapsed()) {
            std::thread::sleep(rest);
        }
        if Instant::now() > deadline {
            bail!(
                "the refresh of {feeds} feeds did not finish within 30 minutes\n{}",
                tui.with_screen(crate::pty::dump)
            );
        }
    }
    tui.quit(b"\x03", Duration::from_secs(60))?;
    result.requests = (server.counters() - before).requests;
    check_no_errors(bin, home.path(), feeds)?;
    Ok(result)
}

/// Every imported feed was fetched without error.
fn check_no_errors(bin: &Path, home: &Path, feeds: usize) -> Result<()> {
    let out = std::process::Command::new(bin)
        .arg("--home")
        .arg(home)
        .args(["list", "feeds", "--json"])
        .output()
        .context("cannot run tidings list feeds")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fetched = 0;
    for line in text.lines() {
        let row: serde_json::Value =
            serde_json::from_str(line).context("bad `list feeds --json` row")?;
        if let Some(err) = row.get("last_error").and_then(|e| e.as_str()) {
            bail!("feed {} failed during the refresh: {err}", row["url"]);
        }
        fetched += usize::from(row["total"].as_i64().unwrap_or(0) > 0);
    }
    if fetched < feeds {
        bail!("only {fetched} of {feeds} feeds have articles after the refresh in the reader");
    }
    Ok(())
}
