//! Start-up to the first full frame in a pseudo-terminal (tidings and newsboat), and
//! `tidings list articles --json` end to end, on the prebuilt caches.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::caches::{Cache, LARGEST_TITLE};
use crate::measure::{self, Sample};
use crate::newsboat::Newsboat;
use crate::pty::Pty;
use crate::screen;

/// Characters of a title that are compared with the screen (titles are cut to fit their column).
pub const TITLE_PREFIX: usize = 24;

/// Spawns the reader on `cache` and waits for its first full frame: the feed list with the largest
/// feed and the headlines with the newest article. Returns the session and the time it took.
pub fn start_tidings(bin: &Path, cache: &Cache, timeout: Duration) -> Result<(Pty, Duration)> {
    let home = cache.home.path();
    let start = Instant::now();
    let tui = Pty::spawn(
        "tidings",
        bin,
        &["--home", &home.display().to_string()],
        home,
        &[],
    )?;
    let newest = screen::prefix(&cache.newest_title, TITLE_PREFIX);
    let at = tui.wait_for(
        &format!(
            "the first full frame (feed list with {LARGEST_TITLE:?}, headlines with {newest:?})"
        ),
        timeout,
        |s| {
            screen::pane_text(s, 0).contains(LARGEST_TITLE)
                && screen::pane_text(s, 1).contains(&newest)
        },
    )?;
    Ok((tui, at.saturating_duration_since(start)))
}

/// One start-up of tidings: time to the first full frame, then `q`; CPU and peak RSS of the whole run.
pub fn tidings_once(bin: &Path, cache: &Cache) -> Result<Sample> {
    let (mut tui, first_frame) = start_tidings(bin, cache, Duration::from_secs(300))?;
    let reaped = tui.quit(b"q", Duration::from_secs(60))?;
    Ok(Sample {
        wall: first_frame,
        cpu: reaped.cpu,
        sys: reaped.sys,
        max_rss_kib: reaped.max_rss_kib,
    })
}

/// The baseline: `echo` in the same pseudo-terminal, from spawn until its word is on the screen (what
/// starting any program costs in this harness: the spawn helper, exec, the pty, the vt100 parser).
pub fn echo_once(scratch: &Path) -> Result<Sample> {
    const WORD: &str = "tidings-bench-echo";
    let start = Instant::now();
    let mut tty = Pty::spawn("echo", Path::new("/bin/echo"), &[WORD], scratch, &[])?;
    let at = tty.wait_for(&format!("{WORD:?}"), Duration::from_secs(30), |s| {
        s.contents().contains(WORD)
    })?;
    let reaped = tty.quit(b"", Duration::from_secs(30))?;
    Ok(Sample {
        wall: at.saturating_duration_since(start),
        cpu: reaped.cpu,
        sys: reaped.sys,
        max_rss_kib: reaped.max_rss_kib,
    })
}

/// Newsboat started in a pseudo-terminal on the cache's newsboat side, and when it was spawned.
pub fn spawn_newsboat(nb: &Newsboat, cache: &Cache) -> Result<(Pty, Instant)> {
    let Some((_, profile)) = &cache.newsboat else {
        bail!(
            "the {} cache was built without newsboat's side",
            cache.label
        );
    };
    let args = profile.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = profile.env();
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let start = Instant::now();
    let tui = Pty::spawn("newsboat", &nb.bin, &args, &profile.dir, &env)?;
    Ok((tui, start))
}

/// One start-up of newsboat on the equivalent cache: until the first feed's title is visible, then `q`.
pub fn newsboat_once(nb: &Newsboat, cache: &Cache) -> Result<Sample> {
    let (mut tui, start) = spawn_newsboat(nb, cache)?;
    let at = tui.wait_for(
        &format!("newsboat's feed list with {LARGEST_TITLE:?}"),
        Duration::from_secs(600),
        |s| s.contents().contains(LARGEST_TITLE),
    )?;
    let reaped = tui.quit(b"q", Duration::from_secs(300))?;
    Ok(Sample {
        wall: at.saturating_duration_since(start),
        cpu: reaped.cpu,
        sys: reaped.sys,
        max_rss_kib: reaped.max_rss_kib,
    })
}

/// `tidings list articles --json` with stdout to /dev/null, `runs` times, after one untimed run whose
/// output is kept and its lines counted.
pub fn list_json(bin: &Path, cache: &Cache, runs: usize, scratch: &Path) -> Result<Vec<Sample>> {
    let mut samples = Vec::new();
    for run in 0..=runs {
        let home = cache.home.path().display().to_string();
        let cmd = measure::command(bin, &["--home", &home, "list", "articles", "--json"]);
        let what = format!("tidings list articles --json ({} cache)", cache.label);
        let done = measure::run_with(cmd, &what, scratch, Duration::from_secs(600), run == 0)?;
        if run == 0 {
            let lines = done.stdout.lines().count();
            if lines != cache.articles {
                bail!("{what} printed {lines} lines, expected {}", cache.articles);
            }
        } else {
            samples.push(done.sample);
        }
    }
    Ok(samples)
}
