//! `tidings refresh` (cold, unchanged, 10% changed) against the loopback server, and `newsboat -x
//! reload` on the same feeds; every run is checked (summary line, server counters, stored items).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::feedgen;
use crate::measure::{self, Sample};
use crate::newsboat::{self, Newsboat};
use crate::server::{Server, Traffic};

const TIMEOUT: Duration = Duration::from_secs(900);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Cold,
    Unchanged,
    /// A third refresh: newsboat 2.21 sends no `If-None-Match` on its second reload (it appears to keep
    /// a feed's ETag only from its second fetch on), so only its third reload is all 304.
    UnchangedAgain,
    Changed,
}

impl Case {
    pub const TIDINGS: [Case; 3] = [Case::Cold, Case::Unchanged, Case::Changed];
    pub const NEWSBOAT: [Case; 4] = [
        Case::Cold,
        Case::Unchanged,
        Case::UnchangedAgain,
        Case::Changed,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Case::Cold => "cold",
            Case::Unchanged => "unchanged (2nd refresh)",
            Case::UnchangedAgain => "unchanged (3rd refresh)",
            Case::Changed => "10% changed",
        }
    }
}

/// The runs of one case, with what the server saw on the last one.
#[derive(Clone, Debug)]
pub struct CaseRuns {
    pub case: Case,
    pub samples: Vec<Sample>,
    pub traffic: Traffic,
}

fn opml(server: &Server, feeds: usize) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>bench</title></head>\n<body>\n",
    );
    for i in 0..feeds {
        x.push_str(&format!(
            "<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"/>\n",
            feedgen::feed_title(i),
            server.url(i)
        ));
    }
    x.push_str("</body>\n</opml>\n");
    x
}

/// Subscribes a new profile in `home` to the first `feeds` served feeds (`tidings import`, untimed).
pub fn import(bin: &Path, server: &Server, feeds: usize, home: &Path) -> Result<()> {
    let file = home.join("feeds.opml");
    std::fs::write(&file, opml(server, feeds)).context("cannot write the OPML file")?;
    let out = Command::new(bin)
        .arg("--home")
        .arg(home)
        .arg("import")
        .arg(&file)
        .output()
        .context("cannot run tidings import")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.contains(&format!("imported {feeds} feeds")) {
        bail!(
            "tidings import failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The numbers of `N feeds: F fetched, U unchanged, X failed, A new articles`.
fn summary(stdout: &str) -> Option<[u64; 5]> {
    let line = stdout.lines().rev().find(|l| l.contains(" feeds: "))?;
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    nums.try_into().ok()
}

/// One timed `tidings refresh`, checked against what it should have done.
fn refresh_once(
    bin: &Path,
    home: &Path,
    expect: [u64; 5],
    server: &Server,
) -> Result<(Sample, Traffic)> {
    let before = server.counters();
    let home_arg = home.display().to_string();
    let cmd = measure::command(bin, &["--home", &home_arg, "refresh"]);
    let done = measure::run(cmd, "tidings refresh", home, TIMEOUT)?;
    let traffic = server.counters() - before;
    let got = summary(&done.stdout);
    if got != Some(expect) {
        bail!(
            "tidings refresh: expected \"{} feeds: {} fetched, {} unchanged, {} failed, {} new articles\", got {:?}\nstdout:\n{}\nstderr:\n{}",
            expect[0],
            expect[1],
            expect[2],
            expect[3],
            expect[4],
            got,
            done.stdout,
            done.stderr
        );
    }
    Ok((done.sample, traffic))
}

/// The indices of the feeds the "10% changed" case changes: every 10th.
fn changed(feeds: usize) -> Vec<usize> {
    (0..feeds).step_by(10).collect()
}

fn no_runs_yet(cases: &[Case]) -> Vec<CaseRuns> {
    cases
        .iter()
        .map(|&case| CaseRuns {
            case,
            samples: Vec::new(),
            traffic: Traffic::default(),
        })
        .collect()
}

/// `runs` × (new profile: cold, then unchanged, then 10% changed) for the first `feeds` feeds.
pub fn tidings(
    bin: &Path,
    server: &Server,
    feeds: usize,
    items: usize,
    runs: usize,
    root: &Path,
) -> Result<Vec<CaseRuns>> {
    let mut out = no_runs_yet(&Case::TIDINGS);
    let n = feeds as u64;
    for run in 0..runs {
        eprintln!("  tidings refresh, {feeds} feeds, run {}/{runs}", run + 1);
        let home = tempfile::Builder::new()
            .prefix("refresh-")
            .tempdir_in(root)?;
        import(bin, server, feeds, home.path())?;
        let bumped = changed(feeds);
        let c = bumped.len() as u64;
        for (i, case) in Case::TIDINGS.iter().enumerate() {
            let expect = match case {
                Case::Cold => [n, n, 0, 0, n * items as u64],
                Case::Unchanged | Case::UnchangedAgain => [n, 0, n, 0, 0],
                Case::Changed => {
                    bumped.iter().for_each(|&f| server.bump(f));
                    [n, c, n - c, 0, c * feedgen::ITEMS_PER_VERSION]
                }
            };
            let (sample, traffic) = refresh_once(bin, home.path(), expect, server)
                .with_context(|| format!("{feeds} feeds, {}", case.name()))?;
            out[i].samples.push(sample);
            out[i].traffic = traffic;
        }
    }
    Ok(out)
}

/// The same for newsboat with `reload-threads threads`; each run checks the items newsboat stored.
pub fn newsboat(
    nb: &Newsboat,
    server: &Server,
    feeds: usize,
    items: usize,
    threads: usize,
    runs: usize,
    root: &Path,
) -> Result<Vec<CaseRuns>> {
    let mut out = no_runs_yet(&Case::NEWSBOAT);
    let urls: Vec<String> = (0..feeds).map(|i| server.url(i)).collect();
    for run in 0..runs {
        eprintln!(
            "  newsboat -x reload ({threads} threads), {feeds} feeds, run {}/{runs}",
            run + 1
        );
        let dir = tempfile::Builder::new()
            .prefix("newsboat-")
            .tempdir_in(root)?;
        let profile = newsboat::Profile::create(dir.path(), &urls, threads)?;
        let bumped = changed(feeds);
        let mut stored = 0;
        for (i, case) in Case::NEWSBOAT.iter().enumerate() {
            let expect_items = match case {
                Case::Cold => (feeds * items) as i64,
                Case::Unchanged | Case::UnchangedAgain => stored,
                Case::Changed => {
                    bumped.iter().for_each(|&f| server.bump(f));
                    stored + (bumped.len() as u64 * feedgen::ITEMS_PER_VERSION) as i64
                }
            };
            let before = server.counters();
            let what = format!(
                "newsboat -x reload ({threads} threads, {feeds} feeds, {})",
                case.name()
            );
            let done = measure::run(profile.spawn(nb, "reload"), &what, dir.path(), TIMEOUT)?;
            let traffic = server.counters() - before;
            stored = profile.item_count()?;
            if stored != expect_items || traffic.requests < feeds as u64 {
                bail!(
                    "{what}: newsboat stored {stored} items (expected {expect_items}) after {} requests for {feeds} feeds\nstderr:\n{}",
                    traffic.requests,
                    done.stderr
                );
            }
            out[i].samples.push(done.sample);
            out[i].traffic = traffic;
        }
    }
    Ok(out)
}
