//! Whole-program benchmark (issue 5): the real `tidings` binary, timed end to end, and newsboat on the
//! same data when it is installed.
//!
//! Run: `bash bench/run.sh [OPTIONS]` or `cargo bench --bench whole_program -- [OPTIONS]`.
//!
//! * refresh: `tidings refresh` against a loopback HTTP server (cold, unchanged, 10% changed; 50 /
//!   500 / 2,000 feeds), and `newsboat -x reload` with 1 and 8 threads on the same feeds;
//! * startup: the reader in a pseudo-terminal until its first full frame, on caches of 10k / 100k /
//!   1M articles (newsboat on equivalent caches);
//! * interactive: opening the largest feed, one cursor move, memory after paging through all
//!   headlines, and key → frame while a 2,000-feed refresh runs;
//! * list: `tidings list articles --json` end to end.
//!
//! Results are Markdown tables on stdout (and in `--out FILE`); progress goes to stderr.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

#[path = "whole_program/cache_tables.rs"]
mod cache_tables;
#[path = "whole_program/caches.rs"]
mod caches;
#[path = "whole_program/feedgen.rs"]
mod feedgen;
#[path = "whole_program/interactive.rs"]
mod interactive;
#[path = "whole_program/measure.rs"]
mod measure;
#[path = "whole_program/newsboat.rs"]
mod newsboat;
#[path = "whole_program/pty.rs"]
mod pty;
#[path = "whole_program/refresh.rs"]
mod refresh;
#[path = "whole_program/refresh_tables.rs"]
mod refresh_tables;
#[path = "whole_program/report.rs"]
mod report;
#[path = "whole_program/screen.rs"]
mod screen;
#[path = "whole_program/search.rs"]
mod search;
#[path = "whole_program/sections.rs"]
mod sections;
#[path = "whole_program/server.rs"]
mod server;
#[path = "whole_program/spawner.rs"]
mod spawner;
#[path = "whole_program/startup.rs"]
mod startup;
#[path = "whole_program/xml.rs"]
mod xml;

const USAGE: &str = "\
usage: cargo bench --bench whole_program -- [OPTIONS]

  --runs N            runs per figure, medians reported (default 5)
  --quick             1 run, 10k cache only, 50 and 500 feeds, no newsboat (to try it out)
  --no-newsboat       skip the newsboat comparison
  --only PART         refresh, startup, interactive, list, search, images (repeatable or a comma list)
  --sizes LIST        cache sizes (default 10k,100k,1m)
  --feeds N           feeds of the main refresh figures and the newsboat comparison (default 500)
  --items M           items per feed (default 50)
  --scale LIST        feed counts of the refresh scaling table (default 50,500,2000)
  --server KIND       nginx (default; the Debian package, run from a temp dir) or in-process
  --out FILE          also write the report to FILE
";

/// The command line.
pub struct Options {
    pub runs: usize,
    pub quick: bool,
    pub newsboat: bool,
    pub only: BTreeSet<String>,
    pub sizes: Vec<usize>,
    pub feeds: usize,
    pub items: usize,
    pub scale: Vec<usize>,
    pub out: Option<PathBuf>,
    pub server: server::Kind,
}

impl Options {
    pub fn wants(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.contains(part)
    }
}

fn list<T>(s: &str, f: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| f(p.trim()))
        .collect()
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        runs: 5,
        quick: false,
        newsboat: true,
        only: BTreeSet::new(),
        sizes: vec![10_000, 100_000, 1_000_000],
        feeds: 500,
        items: 50,
        scale: vec![50, 500, 2000],
        out: None,
        server: server::Kind::Nginx,
    };
    let (mut runs, mut sizes, mut scale) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        let number = |s: String, name: &str| {
            s.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .with_context(|| format!("{name} needs a positive number, got {s:?}"))
        };
        match arg.as_str() {
            "--bench" => {} // added by `cargo bench`
            "--runs" => runs = Some(number(value("--runs")?, "--runs")?),
            "--quick" => o.quick = true,
            "--no-newsboat" => o.newsboat = false,
            "--only" => {
                for part in list(&value("--only")?, |p| Ok(p.to_string()))? {
                    if ![
                        "refresh",
                        "startup",
                        "interactive",
                        "list",
                        "search",
                        "images",
                    ]
                    .contains(&part.as_str())
                    {
                        bail!(
                            "--only takes refresh, startup, interactive, list, search or images, not {part:?}"
                        );
                    }
                    o.only.insert(part);
                }
            }
            "--sizes" => sizes = Some(list(&value("--sizes")?, caches::parse_size)?),
            "--feeds" => o.feeds = number(value("--feeds")?, "--feeds")?,
            "--items" => o.items = number(value("--items")?, "--items")?,
            "--scale" => {
                scale = Some(list(&value("--scale")?, |p| {
                    number(p.to_string(), "--scale")
                })?)
            }
            "--server" => o.server = server::Kind::parse(&value("--server")?)?,
            "--out" => o.out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if o.quick {
        o.runs = 1;
        o.newsboat = false;
        o.sizes = vec![10_000];
        o.scale = vec![50, 500];
    }
    o.runs = runs.unwrap_or(o.runs);
    o.sizes = sizes.unwrap_or(o.sizes);
    o.scale = scale.unwrap_or(o.scale);
    Ok(o)
}

fn run() -> Result<()> {
    // First, while this process is still small and has one thread (see spawner.rs for why).
    spawner::init()?;
    let opts = parse_args()?;
    // TIDINGS_BENCH_BIN measures another build (an A/B against a saved binary); else this tree's.
    let other = std::env::var_os("TIDINGS_BENCH_BIN").map(std::path::PathBuf::from);
    let bin = other
        .as_deref()
        .unwrap_or(Path::new(env!("CARGO_BIN_EXE_tidings")));
    let found = newsboat::find();
    let newsboat_line = match (&found, opts.newsboat) {
        (Some(n), true) => n.version.clone(),
        (Some(n), false) => format!("{} (not run: --quick or --no-newsboat)", n.version),
        (None, _) => "not installed: skipped".to_string(),
    };
    if found.is_none() && opts.newsboat {
        eprintln!("newsboat is not on PATH: the newsboat comparison is skipped");
    }
    let nb = found.filter(|_| opts.newsboat);
    let root = tempfile::Builder::new()
        .prefix("tidings-bench-")
        .tempdir()
        .context("cannot create the temp dir")?;
    let mut report = report::Report::default();
    report.section("# tidings whole-program benchmark\n");
    report.section(&report::machine(&newsboat_line, bin));
    let result = sections::all(&opts, bin, nb.as_ref(), root.path(), &mut report);
    if let Some(out) = &opts.out {
        std::fs::write(out, report.text())
            .with_context(|| format!("cannot write the report to {}", out.display()))?;
        eprintln!("report written to {}", out.display());
    }
    result
}

fn main() -> ExitCode {
    let start = std::time::Instant::now();
    match run() {
        Ok(()) => {
            eprintln!("whole_program: done in {:.0?}", start.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("whole_program: FAILED after {:.0?}: {e:?}", start.elapsed());
            ExitCode::FAILURE
        }
    }
}
