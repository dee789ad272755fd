//! Extraction + rendering time per page over the shared corpora (a bench command, not a timed test).
//!
//! Run: `cargo bench --bench extract` (reads `../shared/corpus`; prints that it skipped when absent).
//! For each page (already decoded): extract the main content (`extract`) and render it for the article
//! pane (`render_html` at 100 columns), as the reader does for a full article. Best of three runs per
//! page; prints the median, 90th percentile and maximum per corpus, and the slowest pages.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use tidings::feed::fetch::decode_html;
use tidings::text::extract::extract;
use tidings::text::render_html;

fn pages(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if let Ok(bytes) = std::fs::read(path.join("source.html")) {
                out.push((name, bytes));
            }
        } else if name.ends_with(".html.gz") {
            let mut bytes = Vec::new();
            let file = std::fs::File::open(&path).expect("open page");
            if flate2::read::GzDecoder::new(file)
                .read_to_end(&mut bytes)
                .is_ok()
            {
                out.push((name, bytes));
            }
        }
    }
    out.sort();
    out
}

fn time_corpus(label: &str, pages: &[(String, Vec<u8>)]) {
    let mut times: Vec<(Duration, &str)> = Vec::with_capacity(pages.len());
    for (name, bytes) in pages {
        let html = decode_html(bytes, None);
        // One warm-up run, then the measured one (best of three).
        let _ = extract(&html, None);
        let best = (0..3)
            .map(|_| {
                let start = Instant::now();
                let article = extract(&html, None);
                let rendered = render_html(&article.content_html, 100);
                std::hint::black_box(rendered);
                start.elapsed()
            })
            .min()
            .unwrap_or_default();
        times.push((best, name));
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].0;
    println!(
        "{label}: {} pages; extract + render per page: median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        times.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(1.0))
    );
    for (d, name) in times.iter().rev().take(3) {
        println!("  slowest: {:.2} ms  {name}", ms(*d));
    }
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        println!("skipped: ../shared/corpus not present");
        return;
    }
    for (label, dir) in [
        (
            "article-extraction-benchmark",
            corpus.join("article-extraction-benchmark/html"),
        ),
        (
            "readability-test-pages",
            corpus.join("readability-test-pages"),
        ),
    ] {
        let pages = pages(&dir);
        if pages.is_empty() {
            println!("{label}: no pages found");
        } else {
            time_corpus(label, &pages);
        }
    }
}
