//! The refresh figures and their tables: tidings at every feed count, newsboat with 1 and 8 reload
//! threads, the ratios, and the scaling table.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::Options;
use crate::measure::{CPU_HEADS, fmt_duration, median_wall, row_cpu};
use crate::newsboat::Newsboat;
use crate::refresh::{self, Case, CaseRuns};
use crate::report::{Report, ratio, table};
use crate::server::{HOSTS, Server};

pub fn refresh_section(
    opts: &Options,
    bin: &Path,
    nb: Option<&Newsboat>,
    server: &Server,
    root: &Path,
    report: &mut Report,
) -> Result<()> {
    let mut counts = opts.scale.clone();
    counts.push(opts.feeds);
    counts.sort_unstable();
    counts.dedup();
    let mut scaling: Vec<(usize, Vec<CaseRuns>)> = Vec::new();
    for &n in &counts {
        eprintln!("tidings refresh: {n} feeds × {} items …", opts.items);
        scaling.push((
            n,
            refresh::tidings(bin, server, n, opts.items, opts.runs, root)?,
        ));
    }
    let main = &scaling
        .iter()
        .find(|(n, _)| *n == opts.feeds)
        .context("main feed count")?
        .1;
    let mut text = format!(
        "## Refresh: `tidings refresh`, {} feeds × {} items\n\n\
         Feeds are RSS 2.0 / Atom / RSS 1.0 by index, items with 2–6 KB HTML bodies, served over HTTP/1.1 \
         (keep-alive, ETag, 304, no compression) by {} spread over {HOSTS} loopback \
         addresses (127.0.0.2–127.0.0.{}, one listener each on one port), so per-host limits (tidings: 2 \
         per host, 8 in all) act as with feeds on many real hosts. A run: new profile, `tidings import` \
         (not timed), then cold, unchanged (second refresh, all 304) and 10% changed (every 10th feed \
         gains 5 items, drops 5). CPU is user + system time from the process's rusage; \
         \"CPU per KB of feed\" divides it by the feed bytes the server sent in that run.\n\n",
        opts.feeds,
        opts.items,
        server.describe(),
        HOSTS + 1
    );
    let rows: Vec<Vec<String>> = main
        .iter()
        .map(|c| {
            let mut row = vec![c.case.name().to_string()];
            row.extend(row_cpu(&c.samples, c.traffic.bytes));
            row.push(format!(
                "{} / {} / {:.0} MB",
                c.traffic.requests,
                c.traffic.not_modified,
                c.traffic.bytes as f64 / 1e6
            ));
            row
        })
        .collect();
    let mut heads = vec!["case"];
    heads.extend(CPU_HEADS);
    heads.push("requests / 304s / bytes (last run)");
    text.push_str(&table(&heads, &rows));
    report.section(&text);

    if let Some(nb) = nb {
        let mut by_threads = Vec::new();
        for threads in [1, 8] {
            eprintln!(
                "newsboat -x reload, reload-threads {threads}: {} feeds …",
                opts.feeds
            );
            by_threads.push((
                threads,
                refresh::newsboat(nb, server, opts.feeds, opts.items, threads, opts.runs, root)?,
            ));
        }
        let mut rows = Vec::new();
        for (threads, runs) in &by_threads {
            for c in runs {
                let mut row = vec![format!("{threads}"), c.case.name().to_string()];
                row.extend(row_cpu(&c.samples, c.traffic.bytes));
                row.push(format!(
                    "{} / {}",
                    c.traffic.requests, c.traffic.not_modified
                ));
                rows.push(row);
            }
        }
        let mut text = format!(
            "### Newsboat ({}) on the same feeds\n\n`newsboat -x reload -u URLS -c CACHE -C CONFIG`, HOME and XDG dirs in a temp dir, \
             `reload-threads` 1 and 8; cold = fresh cache, then two unchanged reloads (newsboat's second reload \
             sends no `If-None-Match`, see the 304 column, so it downloads and parses everything again; its \
             third is all 304), then 10% changed. \
             Each run checks the rows newsboat stored in `rss_item`.\n\n",
            nb.version
        );
        let mut heads = vec!["reload-threads", "case"];
        heads.extend(CPU_HEADS);
        heads.push("requests / 304s (last run)");
        text.push_str(&table(&heads, &rows));
        text.push_str("\n**Ratio** (newsboat wall ÷ tidings wall, medians; above 1 means tidings is faster):\n\n");
        // tidings' second refresh is already all 304: it stands for both unchanged newsboat cases.
        let tidings_case = |case: Case| match case {
            Case::UnchangedAgain => Case::Unchanged,
            other => other,
        };
        let wall_of = |runs: &[CaseRuns], case: Case| {
            runs.iter()
                .find(|c| c.case == case)
                .map_or(Duration::ZERO, |c| median_wall(&c.samples))
        };
        let rows: Vec<Vec<String>> = Case::NEWSBOAT
            .iter()
            .map(|&case| {
                let t = wall_of(main, tidings_case(case));
                let mut row = vec![case.name().to_string(), fmt_duration(t)];
                for (_, runs) in &by_threads {
                    let n = wall_of(runs, case);
                    row.push(fmt_duration(n));
                    row.push(ratio(n, t));
                }
                row
            })
            .collect();
        text.push_str(&table(
            &[
                "case",
                "tidings",
                "newsboat 1 thread",
                "ratio",
                "newsboat 8 threads",
                "ratio",
            ],
            &rows,
        ));
        report.section(&text);
    }

    let mut rows = Vec::new();
    for (n, runs) in &scaling {
        for c in runs {
            let per_feed = median_wall(&c.samples) / *n as u32;
            let mut row = vec![
                n.to_string(),
                (n * opts.items).to_string(),
                c.case.name().to_string(),
            ];
            row.extend(row_cpu(&c.samples, c.traffic.bytes));
            row.push(fmt_duration(per_feed));
            rows.push(row);
        }
    }
    report.section(&format!(
        "### Refresh scaling (× {} items per feed)\n\n{}",
        opts.items,
        table(
            &[
                &["feeds", "articles", "case"][..],
                &CPU_HEADS[..],
                &["wall per feed"][..]
            ]
            .concat(),
            &rows
        )
    ));
    Ok(())
}
