//! The Markdown report: the machine, then one section per figure, printed to stdout as each section
//! is done and collected for `--out FILE`.

use std::path::Path;
use std::process::Command;

/// Accumulates the report; every section is also printed at once.
#[derive(Default)]
pub struct Report {
    text: String,
}

impl Report {
    pub fn section(&mut self, markdown: &str) {
        println!("{markdown}");
        self.text.push_str(markdown);
        self.text.push('\n');
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A Markdown table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", headers.join(" | "));
    for _ in headers {
        out.push_str("---|");
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The machine and versions, as a table.
pub fn machine(newsboat: &str, bin: &Path) -> String {
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let commit = if dirty {
        format!("{commit} + uncommitted changes")
    } else {
        commit
    };
    let rows = vec![
        vec!["CPUs (nproc)".into(), cores.to_string()],
        vec!["CPU".into(), model],
        vec![
            "RAM".into(),
            format!("{:.1} GiB", mem_kib as f64 / 1048576.0),
        ],
        vec![
            "kernel".into(),
            read("/proc/sys/kernel/osrelease").trim().to_string(),
        ],
        vec!["tidings commit".into(), commit],
        vec!["tidings binary".into(), bin.display().to_string()],
        vec!["newsboat".into(), newsboat.to_string()],
        vec![
            "date".into(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ],
    ];
    format!("## Machine\n\n{}", table(&["", ""], &rows))
}

/// newsboat ÷ tidings, as "2.3×".
pub fn ratio(newsboat: std::time::Duration, tidings: std::time::Duration) -> String {
    if tidings.is_zero() {
        return "–".into();
    }
    format!("{:.1}×", newsboat.as_secs_f64() / tidings.as_secs_f64())
}
