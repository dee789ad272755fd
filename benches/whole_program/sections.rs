//! The order of the benchmark: refresh (with newsboat and the scaling table), then per cache size
//! start-up, listing and (on one size) the interactive figures, then key → frame during a refresh,
//! then images (issue 16, `images.rs`).

use std::path::Path;

use anyhow::Result;

use crate::measure::{fmt_duration, percentile};
use crate::newsboat::Newsboat;
use crate::report::{Report, table};
use crate::server::{HOSTS, Server};
use crate::{Options, interactive};

// Beside this file: benches/whole_program/images.rs.
#[path = "images.rs"]
mod images;

pub fn all(
    opts: &Options,
    bin: &Path,
    nb: Option<&Newsboat>,
    root: &Path,
    report: &mut Report,
) -> Result<()> {
    report.section(&format!(
        "Figures are median (min–max) of {} run(s) unless noted; CPU is user + system time of the \
         process (its rusage from wait4), peak RSS is `ru_maxrss`. All runs are on a warm OS page \
         cache. Every refresh is checked (summary line, server counters, items newsboat stored).\n",
        opts.runs
    ));
    let key_feeds = *opts.scale.iter().max().unwrap_or(&opts.feeds);
    let server = if opts.wants("refresh") || opts.wants("interactive") {
        let mut needed = opts.scale.clone();
        needed.push(opts.feeds);
        needed.push(key_feeds);
        let max = needed.into_iter().max().unwrap_or(opts.feeds);
        let t = std::time::Instant::now();
        eprintln!("rendering {max} feeds × {} items …", opts.items);
        let s = Server::start(opts.server, max, opts.items, &root.join("server"))?;
        eprintln!(
            "  rendered in {:.1?}; {} serving on 127.0.0.2–127.0.0.{}:{}",
            t.elapsed(),
            s.describe(),
            HOSTS + 1,
            s.port()
        );
        report.section(&format!("**Feed server**: {}.\n", s.describe()));
        Some(s)
    } else {
        None
    };
    if let (true, Some(server)) = (opts.wants("refresh"), &server) {
        crate::refresh_tables::refresh_section(opts, bin, nb, server, root, report)?;
    }
    if opts.wants("startup")
        || opts.wants("interactive")
        || opts.wants("list")
        || opts.wants("search")
    {
        crate::cache_tables::cache_sections(opts, bin, nb, root, report)?;
    }
    if let (true, Some(server)) = (opts.wants("interactive"), &server) {
        eprintln!("key → frame during a refresh of {key_feeds} feeds …");
        let k = interactive::keys_during_refresh(bin, server, key_feeds, root)?;
        let rows = vec![vec![
            k.during.len().to_string(),
            fmt_duration(percentile(&k.during, 50.0)),
            fmt_duration(percentile(&k.during, 99.0)),
            fmt_duration(percentile(&k.during, 100.0)),
            fmt_duration(percentile(&k.after, 50.0)),
            fmt_duration(k.refresh_took),
            k.requests.to_string(),
        ]];
        report.section(&format!(
            "## Key → frame while a refresh of {key_feeds} feeds runs\n\nThe reader starts on a profile \
             with {key_feeds} just-imported feeds × {} items (all due, served by the loopback server) and \
             refreshes them; meanwhile `j`/`k` alternate every ~20 ms in the feed list (All ↔ Starred, \
             so the headline pane reloads All each time), each timed from the key write until the \
             selection moved on screen. One session.\n\n{}",
            opts.items,
            table(&["keys during refresh", "p50", "p99", "max", "p50 after refresh", "refresh took (in the reader)", "requests"], &rows)
        ));
    }
    if let Some(server) = &server {
        let t = server.counters();
        report.section(&format!(
            "Server sanity check: {} requests, {} answered 304, {:.0} MiB of feed bodies served, {} feeds on {HOSTS} loopback addresses.\n",
            t.requests, t.not_modified, t.bytes as f64 / 1048576.0, server.feed_count()
        ));
    }
    if opts.wants("images") {
        images::section(opts, bin, root, report)?;
    }
    Ok(())
}
