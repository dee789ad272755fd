//! Running a program and measuring it: wall time, CPU time (user + system) and peak RSS (`ru_maxrss`,
//! KiB) from `wait4` in the spawn helper; a timeout kills it. Plus medians, ranges and formatting.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::spawner::{self, Spawn};

/// One measured run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
    /// The system-time part of `cpu` (user = cpu − sys).
    pub sys: Duration,
    pub max_rss_kib: u64,
}

impl Sample {
    pub fn user(&self) -> Duration {
        self.cpu.saturating_sub(self.sys)
    }
}

/// What a finished command printed, and how it was measured.
pub struct Finished {
    pub sample: Sample,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` (through the spawn helper) with stdout and stderr going to files in `scratch` (read
/// back afterwards), measuring it; fails with its output when it exits unsuccessfully or does not
/// finish within `timeout`.
pub fn run(cmd: Spawn, what: &str, scratch: &Path, timeout: Duration) -> Result<Finished> {
    run_with(cmd, what, scratch, timeout, true)
}

/// [`run`], with stdout to /dev/null unless `keep_stdout`.
pub fn run_with(
    mut cmd: Spawn,
    what: &str,
    scratch: &Path,
    timeout: Duration,
    keep_stdout: bool,
) -> Result<Finished> {
    let out_path = scratch.join("stdout.txt");
    let err_path = scratch.join("stderr.txt");
    let _ = std::fs::remove_file(&out_path);
    cmd.stdout = keep_stdout.then(|| out_path.display().to_string());
    cmd.stderr = Some(err_path.display().to_string());
    let pid = spawner::spawn(cmd).with_context(|| format!("cannot start {what}"))?;
    let reaped = spawner::wait(pid, timeout, what).map_err(|e| {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        e.context(format!("stderr so far:\n{stderr}"))
    })?;
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    if !reaped.success() {
        bail!(
            "{what} failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}",
            reaped.describe()
        );
    }
    let sample = Sample {
        wall: reaped.wall,
        cpu: reaped.cpu,
        sys: reaped.sys,
        max_rss_kib: reaped.max_rss_kib,
    };
    Ok(Finished {
        sample,
        stdout,
        stderr,
    })
}

/// A command for [`run`]: `program args…`.
pub fn command(program: &Path, args: &[&str]) -> Spawn {
    Spawn {
        program: program.display().to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        env_remove: vec!["TIDINGS_HOME".into(), "BROWSER".into()],
        ..Spawn::default()
    }
}

/// Median, minimum and maximum of some runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spread<T> {
    pub median: T,
    pub min: T,
    pub max: T,
}

pub fn spread<T: Copy + PartialOrd + Default>(values: &[T]) -> Spread<T> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if v.is_empty() {
        return Spread::default();
    }
    Spread {
        median: v[v.len() / 2],
        min: v[0],
        max: v[v.len() - 1],
    }
}

/// The `p`-th percentile (nearest rank) of `values`.
pub fn percentile(values: &[Duration], p: f64) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// The spreads of wall, CPU and peak RSS over some samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub wall: Spread<Duration>,
    pub cpu: Spread<Duration>,
    pub rss: Spread<u64>,
}

pub fn summarize(samples: &[Sample]) -> Summary {
    let pick = |f: fn(&Sample) -> Duration| samples.iter().map(f).collect::<Vec<_>>();
    Summary {
        wall: spread(&pick(|s| s.wall)),
        cpu: spread(&pick(|s| s.cpu)),
        rss: spread(&samples.iter().map(|s| s.max_rss_kib).collect::<Vec<_>>()),
    }
}

pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

pub fn fmt_kib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// "median (min–max)", or just the value for one run.
pub fn fmt_spread<T: Copy + PartialEq>(s: &Spread<T>, f: impl Fn(T) -> String) -> String {
    if s.min == s.max {
        f(s.median)
    } else {
        format!("{} ({}–{})", f(s.median), f(s.min), f(s.max))
    }
}

impl Summary {
    pub fn wall(&self) -> String {
        fmt_spread(&self.wall, fmt_duration)
    }
    pub fn cpu(&self) -> String {
        fmt_spread(&self.cpu, fmt_duration)
    }
    pub fn rss(&self) -> String {
        fmt_spread(&self.rss, fmt_kib)
    }
}

/// Wall, CPU and peak RSS of some samples, formatted.
pub fn row3(s: &[Sample]) -> [String; 3] {
    let m = summarize(s);
    [m.wall(), m.cpu(), m.rss()]
}

/// Wall, CPU, user, system, CPU per KB of feed served (`bytes`, "–" when nothing was) and peak RSS
/// of some samples, formatted: the refresh tables' columns.
pub fn row_cpu(s: &[Sample], bytes: u64) -> [String; 6] {
    let m = summarize(s);
    let user = spread(&s.iter().map(Sample::user).collect::<Vec<_>>());
    let sys = spread(&s.iter().map(|x| x.sys).collect::<Vec<_>>());
    let per_kb = if bytes >= 1024 {
        format!(
            "{:.2} µs",
            m.cpu.median.as_secs_f64() * 1e6 / (bytes as f64 / 1024.0)
        )
    } else {
        "–".to_string()
    };
    [
        m.wall(),
        m.cpu(),
        fmt_spread(&user, fmt_duration),
        fmt_spread(&sys, fmt_duration),
        per_kb,
        m.rss(),
    ]
}

/// The column heads of [`row_cpu`].
pub const CPU_HEADS: [&str; 6] = [
    "wall",
    "CPU (user + sys)",
    "user",
    "sys",
    "CPU per KB of feed",
    "peak RSS",
];

/// The median wall time.
pub fn median_wall(s: &[Sample]) -> Duration {
    summarize(s).wall.median
}
