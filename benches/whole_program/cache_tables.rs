//! The figures on prebuilt caches and their tables: cache builds, start-up (tidings and newsboat),
//! `list articles --json`, and the interactive figures on one size.

use std::path::Path;

use anyhow::{Context, Result};

use crate::caches::{self, Cache};
use crate::measure::{Sample, fmt_duration, fmt_kib, median_wall, percentile, row3, summarize};
use crate::newsboat::Newsboat;
use crate::report::{Report, ratio, table};
use crate::{Options, interactive, search, startup};

const MOVES: usize = 200;

pub fn cache_sections(
    opts: &Options,
    bin: &Path,
    nb: Option<&Newsboat>,
    root: &Path,
    report: &mut Report,
) -> Result<()> {
    let interactive_size = if opts.sizes.contains(&100_000) {
        100_000
    } else {
        *opts.sizes.iter().max().context("no cache sizes")?
    };
    let (mut builds, mut starts, mut lists, mut notes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut searches = Vec::new();
    let mut interactive_text = None;
    // Whatever was measured is reported even when a later size fails.
    let mut measure_all = || -> Result<()> {
        for &size in &opts.sizes {
            let label = caches::label(size);
            // Newsboat's start-up is far slower on big caches: 3 runs at most from 100k on, none at 1M.
            let nb_here =
                nb.filter(|_| (opts.wants("startup") || opts.wants("search")) && size < 1_000_000);
            if nb.is_some() && size >= 1_000_000 && opts.wants("startup") {
                notes.push(format!("newsboat is not run on the {label} cache: it loads every article at start (see its time at 100k), so one start would take many minutes."));
            }
            eprintln!(
                "building the {label} cache ({} feeds{}) …",
                caches::CACHE_FEEDS,
                if nb_here.is_some() {
                    ", and newsboat's"
                } else {
                    ""
                }
            );
            let cache = caches::build(bin, root, size, nb_here)?;
            builds.push(vec![
                label.clone(),
                size.to_string(),
                cache.largest_articles.to_string(),
                fmt_duration(cache.build_time),
                fmt_kib(dir_kib(cache.home.path())),
                cache
                    .newsboat
                    .as_ref()
                    .map_or("–".into(), |(d, _)| fmt_kib(dir_kib(d.path()))),
            ]);
            if opts.wants("startup") {
                starts.push(startup_row(opts, bin, nb_here, &cache, &mut notes)?);
            }
            if opts.wants("list") {
                eprintln!("  tidings list articles --json on {label} …");
                let s = startup::list_json(bin, &cache, opts.runs, root)?;
                let [w, cpu, rss] = row3(&s);
                lists.push(vec![label.clone(), w, cpu, rss]);
            }
            if opts.wants("search") {
                eprintln!("  search on {label} …");
                let f = search::measure(bin, nb_here, &cache, opts.runs, root)?;
                searches.push(search_row(&label, &f));
            }
            if opts.wants("interactive") && size == interactive_size {
                interactive_text = Some(interactive_section(opts, bin, &cache)?);
            }
        }
        Ok(())
    };
    let outcome = measure_all();
    report.section(&format!(
        "## Caches\n\n{} feeds per cache; \"{}\" (sorting first in the feed list) holds 20% of the articles, the other feeds share the rest evenly; bodies are ~1 KB of HTML (smaller than the refresh feeds' 2–6 KB, to keep 1M manageable). Built with the tidings library (`Store::add_feed`, `apply_refresh` in batches of 2,000); newsboat's with rusqlite into the `cache.db` newsboat created.\n\n{}",
        caches::CACHE_FEEDS, caches::LARGEST_TITLE,
        table(&["cache", "articles", "largest feed", "build time", "tidings profile size", "newsboat cache size"], &builds)
    ));
    if !starts.is_empty() {
        let mut text = format!(
            "## Start-up to the first full frame\n\nPseudo-terminal {}×{}, TERM=xterm-256color. tidings: from spawn until the feed list shows \"{}\" and the headline pane the newest article; newsboat: until its feed list shows \"{}\". Then `q`; CPU and peak RSS cover the whole run (start-up, first frame, quit). The baseline is `/bin/echo WORD` in the same harness (spawn helper, pty, vt100 parser) until WORD is on the screen, alternating with the reader's runs.\n\n",
            crate::pty::COLS,
            crate::pty::ROWS,
            caches::LARGEST_TITLE,
            caches::LARGEST_TITLE
        );
        text.push_str(&table(
            &[
                "cache",
                "tidings first frame",
                "CPU",
                "peak RSS",
                "`echo`, same run",
                "tidings − echo (medians)",
                "newsboat first frame",
                "CPU",
                "peak RSS",
                "ratio",
            ],
            &starts,
        ));
        for n in &notes {
            text.push_str(&format!("\n* {n}"));
        }
        report.section(&text);
    }
    if !lists.is_empty() {
        report.section(&format!("## `tidings list articles --json`\n\nstdout to /dev/null (one more untimed run checks the line count).\n\n{}", table(&["cache", "wall", "CPU", "peak RSS"], &lists)));
    }
    if !searches.is_empty() {
        report.section(&format!(
            "## Search (issue 13)\n\nQueries {}, typed into `/` in the reader a key at a time (pty {}×{}); each key is timed from its write until the dialog shows that text with its answer (results, \"Nothing found.\" or an error) and no longer \"searching…\". \"Last key\" is the key that completes a query: the query's first page of results on screen. Newsboat: the query typed at its `/` prompt, Enter timed until its search result list (or \"No results\") shows. Index: the FTS5 tables' pages (`dbstat`) against the cache file. Build: `tidings search` on a copy of the cache whose index was emptied (`delete-all`, every article waiting), which indexes the whole backlog before it searches; end to end. Memory: the reader's VmHWM / VmRSS after its searches.\n\n{}",
            search::QUERIES.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", "),
            crate::pty::COLS,
            crate::pty::ROWS,
            table(
                &[
                    "cache",
                    "last key → results, p50",
                    "p99",
                    "every key → results, p50",
                    "p99",
                    "max",
                    "newsboat Enter → results, p50",
                    "index / cache",
                    "index build (wall, CPU, peak RSS)",
                    "reader memory after searching (HWM / RSS)",
                ],
                &searches
            )
        ));
    }
    if let Some(text) = interactive_text {
        report.section(&text);
    }
    outcome
}

fn search_row(label: &str, f: &search::SearchFigures) -> Vec<String> {
    let p = |v: &[std::time::Duration], q: f64| {
        if v.is_empty() {
            "–".to_string()
        } else {
            fmt_duration(percentile(v, q))
        }
    };
    let index = match f.index_kib {
        Some(kib) => format!(
            "{} / {} ({:.1}%)",
            fmt_kib(kib),
            fmt_kib(f.cache_kib),
            kib as f64 * 100.0 / f.cache_kib.max(1) as f64
        ),
        None => format!("– / {}", fmt_kib(f.cache_kib)),
    };
    vec![
        label.to_string(),
        p(&f.last_key, 50.0),
        p(&f.last_key, 99.0),
        p(&f.every_key, 50.0),
        p(&f.every_key, 99.0),
        p(&f.every_key, 100.0),
        p(&f.newsboat, 50.0),
        index,
        format!(
            "{}, {}, {}",
            fmt_duration(f.build.wall),
            fmt_duration(f.build.cpu),
            fmt_kib(f.build.max_rss_kib)
        ),
        format!("{} / {}", fmt_kib(f.memory_kib.0), fmt_kib(f.memory_kib.1)),
    ]
}

fn startup_row(
    opts: &Options,
    bin: &Path,
    nb: Option<&Newsboat>,
    cache: &Cache,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    eprintln!("  start-up on {} …", cache.label);
    let (mut t, mut e) = (Vec::new(), Vec::new());
    // The echo baseline alternates with the reader, so both see the same load.
    for _ in 0..opts.runs {
        e.push(startup::echo_once(cache.home.path())?);
        t.push(startup::tidings_once(bin, cache)?);
    }
    caches::check_feed_count(bin, cache)?;
    let [w, cpu, rss] = row3(&t);
    let echo = median_wall(&e);
    let over = median_wall(&t).saturating_sub(echo);
    let mut row = vec![
        cache.label.clone(),
        w,
        cpu,
        rss,
        row3(&e)[0].clone(),
        fmt_duration(over),
    ];
    match nb {
        Some(nb) => {
            let runs = if cache.articles >= 100_000 {
                opts.runs.min(3)
            } else {
                opts.runs
            };
            if runs < opts.runs {
                notes.push(format!(
                    "newsboat on {}: {runs} runs (each start takes long).",
                    cache.label
                ));
            }
            let mut n = Vec::new();
            for i in 0..runs {
                eprintln!(
                    "  newsboat start-up on {} ({}/{runs}) …",
                    cache.label,
                    i + 1
                );
                n.push(startup::newsboat_once(nb, cache)?);
            }
            row.extend(row3(&n));
            row.push(ratio(median_wall(&n), median_wall(&t)));
        }
        None => row.extend(["–".into(), "–".into(), "–".into(), "–".into()]),
    }
    Ok(row)
}

fn interactive_section(opts: &Options, bin: &Path, cache: &Cache) -> Result<String> {
    eprintln!("  interactive figures on {} …", cache.label);
    let o = interactive::open_and_move(bin, cache, opts.runs, MOVES)?;
    let s = interactive::scroll_all(bin, cache)?;
    let open = summarize(
        &o.open
            .iter()
            .map(|&wall| Sample {
                wall,
                ..Sample::default()
            })
            .collect::<Vec<_>>(),
    );
    let rows = vec![
        vec![
            format!(
                "open \"{}\" ({} articles): last `j` → its newest headline on screen",
                caches::LARGEST_TITLE,
                cache.largest_articles
            ),
            open.wall(),
        ],
        vec![
            format!(
                "one cursor move in its headlines (`j` → next screen change, {} moves), median",
                o.moves.len()
            ),
            fmt_duration(percentile(&o.moves, 50.0)),
        ],
        vec!["… p99".into(), fmt_duration(percentile(&o.moves, 99.0))],
        vec!["… max".into(), fmt_duration(percentile(&o.moves, 100.0))],
        vec![
            "VmHWM / VmRSS after start-up".into(),
            format!(
                "{} / {}",
                fmt_kib(s.after_start_kib.0),
                fmt_kib(s.after_start_kib.1)
            ),
        ],
        vec![
            format!(
                "VmHWM / VmRSS after paging through all {} headlines ({} × Space, {})",
                cache.articles,
                s.pages,
                fmt_duration(s.took)
            ),
            format!(
                "{} / {}",
                fmt_kib(s.after_scroll_kib.0),
                fmt_kib(s.after_scroll_kib.1)
            ),
        ],
    ];
    Ok(format!(
        "## Interactive, {} cache\n\nOpening: {} run(s), each in a fresh reader. Memory: one session.\n\n{}",
        cache.label,
        opts.runs,
        table(&["figure", "value"], &rows)
    ))
}

/// Disk use of a directory tree, KiB.
fn dir_kib(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_kib(&e.path()),
                Ok(m) => total += m.len() / 1024,
                Err(_) => {}
            }
        }
    }
    total
}
