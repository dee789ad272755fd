//! Time and memory on hostile input sizes: one element with very many attributes, very many
//! elements, and a title that is one enormous word (a bench command, not a timed test).
//!
//! Run: `cargo bench --bench hostile_sizes`. Each row is one input size; the per-unit columns (time
//! per attribute, per element or per byte) stay flat when the cost grows linearly. Peak memory is
//! the most heap in use above what was in use before the row (a counting global allocator); the
//! process's maximum resident set (`getrusage`) is printed at the end. When `../shared/corpus` is
//! present, its pages are also checked to pass the HTML pre-pass unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use tidings::session::article::{ArticleDoc, wrap};
use tidings::store::Article;
use tidings::text::cap::MAX_ATTRIBUTES;
use tidings::text::cap_html;
use tidings::text::extract::{extract, extract_text};
use tidings::text::render_html;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let now = IN_USE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` (best of `runs`); returns the best time and the peak heap above the starting point.
fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut peak = 0;
    for _ in 0..runs {
        let base = IN_USE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        f();
        best = best.min(start.elapsed());
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
    }
    (best, peak)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn header(first: &str, unit: &str) {
    println!(
        "{first:<34} {:>10} {:>10} {:>12} {:>12} {:>10}",
        "input MiB",
        "time ms",
        format!("ns/{unit}"),
        "peak MiB",
        "peak/input"
    );
}

fn row(label: &str, input: usize, units: usize, time: Duration, peak: usize) {
    println!(
        "{label:<34} {:>10.2} {:>10.1} {:>12.1} {:>12.2} {:>10.2}",
        mib(input),
        ms(time),
        time.as_nanos() as f64 / units as f64,
        mib(peak),
        peak as f64 / input as f64
    );
}

/// A page whose one `<div>` has `n` distinct attributes.
fn attribute_page(n: usize) -> String {
    let mut html = String::from("<html><body><p>Before the element.</p><div");
    for i in 0..n {
        html.push_str(&format!(" a{i}"));
    }
    html.push_str(">Inside the element.</div></body></html>");
    html
}

/// A page of `<i>` elements with [`MAX_ATTRIBUTES`] distinct attributes each, `n` in all.
fn at_the_cap_page(n: usize) -> String {
    let mut html = String::from("<html><body><p>");
    for tag in 0..n / MAX_ATTRIBUTES {
        html.push_str("<i");
        for i in 0..MAX_ATTRIBUTES {
            html.push_str(&format!(" a{i}"));
        }
        html.push_str(&format!(">{tag}</i> "));
    }
    html.push_str("</p></body></html>");
    html
}

/// A page with `n` small elements.
fn element_page(n: usize) -> String {
    let mut html = String::from("<html><body><p>");
    for _ in 0..n {
        html.push_str("<i>x</i> ");
    }
    html.push_str("</p></body></html>");
    html
}

fn article(title: String, content: Option<String>) -> Article {
    Article {
        id: 1,
        feed_id: 1,
        feed_title: "Feed".into(),
        title,
        author: Some("Author".into()),
        link: Some("https://example.com/a".into()),
        published: Some(1_795_608_000),
        updated: None,
        content,
        summary: None,
        full_content: None,
        full_error: None,
        enclosures: Vec::new(),
        read: false,
        starred: false,
    }
}

fn corpus_pages(dir: &Path) -> Vec<(String, String)> {
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
        let mut bytes = Vec::new();
        if path.is_dir() {
            if let Ok(b) = std::fs::read(path.join("source.html")) {
                bytes = b;
            }
        } else if name.ends_with(".html.gz") {
            let Ok(file) = std::fs::File::open(&path) else {
                continue;
            };
            let _ = flate2::read::GzDecoder::new(file).read_to_end(&mut bytes);
        }
        if !bytes.is_empty() {
            out.push((name, tidings::feed::fetch::decode_html(&bytes, None)));
        }
    }
    out.sort();
    out
}

fn main() {
    let utc = FixedOffset::east_opt(0).expect("UTC");

    println!("One element with n attributes (the pre-pass keeps 128)");
    header("case", "attr");
    for n in [10_000, 100_000, 1_000_000] {
        let html = attribute_page(n);
        let (t, p) = measure(3, || {
            black_box(cap_html(&html));
        });
        row(&format!("cap_html, {n} attrs"), html.len(), n, t, p);
        let (t, p) = measure(3, || {
            black_box(render_html(&html, 80));
        });
        row(&format!("render_html, {n} attrs"), html.len(), n, t, p);
        let (t, p) = measure(3, || {
            black_box(extract(&html, None));
            black_box(extract_text(&html, None));
        });
        row(
            &format!("extract + extract_text, {n} attrs"),
            html.len(),
            n,
            t,
            p,
        );
        let doc = article("Title".into(), Some(html.clone()));
        let (t, p) = measure(3, || {
            black_box(ArticleDoc::build(&doc, 100, utc, false));
        });
        row(
            &format!("ArticleDoc::build, {n} attrs"),
            html.len(),
            n,
            t,
            p,
        );
    }

    println!();
    println!(
        "n attributes spread over tags of 128 each, just within the cap (the worst case kept)"
    );
    header("case", "attr");
    for n in [10_000, 100_000, 1_000_000] {
        let html = at_the_cap_page(n);
        let (t, p) = measure(3, || {
            black_box(cap_html(&html));
        });
        row(&format!("cap_html, {n} attrs"), html.len(), n, t, p);
        let (t, p) = measure(1, || {
            black_box(render_html(&html, 80));
        });
        row(&format!("render_html, {n} attrs"), html.len(), n, t, p);
        let (t, p) = measure(1, || {
            black_box(extract_text(&html, None));
        });
        row(&format!("extract_text, {n} attrs"), html.len(), n, t, p);
    }

    println!();
    println!("n elements (the pre-pass keeps 100,000; ArticleDoc::build renders 2 MiB at most)");
    header("case", "elem");
    for n in [10_000, 100_000, 1_000_000] {
        let html = element_page(n);
        let (t, p) = measure(3, || {
            black_box(cap_html(&html));
        });
        row(&format!("cap_html, {n} elements"), html.len(), n, t, p);
        let (t, p) = measure(1, || {
            black_box(render_html(&html, 80));
        });
        row(&format!("render_html, {n} elements"), html.len(), n, t, p);
        let (t, p) = measure(1, || {
            black_box(extract_text(&html, None));
        });
        row(&format!("extract_text, {n} elements"), html.len(), n, t, p);
    }

    println!();
    println!("A title that is one word of n bytes (the header shows 2,000 characters)");
    header("case", "byte");
    for mb in [1, 4, 10] {
        let word = "x".repeat(mb * 1024 * 1024);
        let (t, p) = measure(3, || {
            black_box(wrap(&word, 80));
        });
        row(
            &format!("wrap at 80, {mb} MiB word"),
            word.len(),
            word.len(),
            t,
            p,
        );
        let cjk = "漢".repeat(mb * 1024 * 1024 / 3);
        let (t, p) = measure(3, || {
            black_box(wrap(&cjk, 80));
        });
        row(
            &format!("wrap at 80, {mb} MiB CJK"),
            cjk.len(),
            cjk.len(),
            t,
            p,
        );
        let doc = article(word.clone(), Some("<p>Body.</p>".into()));
        let (t, p) = measure(3, || {
            black_box(ArticleDoc::build(&doc, 100, utc, false));
        });
        row(
            &format!("ArticleDoc::build, {mb} MiB title"),
            word.len(),
            word.len(),
            t,
            p,
        );
    }

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    println!();
    if corpus.exists() {
        let mut total = 0;
        let mut changed = Vec::new();
        for dir in [
            corpus.join("article-extraction-benchmark/html"),
            corpus.join("readability-test-pages"),
        ] {
            for (name, html) in corpus_pages(&dir) {
                total += 1;
                if matches!(cap_html(&html), Cow::Owned(_)) {
                    changed.push(name);
                }
            }
        }
        println!(
            "corpus: {} of {total} pages pass the pre-pass unchanged",
            total - changed.len()
        );
        for name in changed {
            println!("  changed: {name}");
        }
    } else {
        println!("corpus: skipped (../shared/corpus not present)");
    }

    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
        println!(
            "process maximum resident set: {:.1} MiB",
            usage.ru_maxrss as f64 / 1024.0
        );
    }
    println!();
    println!("A feed of n MB of small Atom entries: cut to the first items, then parsed");
    header("case", "MB");
    for mb in [1usize, 4, 16] {
        let mut doc = String::from(
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Big</title>\n",
        );
        let mut i = 0;
        while doc.len() < mb * 1024 * 1024 {
            doc.push_str(&format!(
                "<entry><id>e{i}</id><title>t{i}</title></entry>\n"
            ));
            i += 1;
        }
        doc.push_str("</feed>\n");
        let (t, p) = measure(1, || {
            let (capped, _) =
                tidings::feed::trim::cap_items(doc.as_bytes(), tidings::feed::trim::MAX_ITEMS);
            black_box(tidings::feed::parse::parse_feed(&capped).ok());
        });
        row(
            &format!("cap_items + parse_feed, {mb} MB ({i} entries)"),
            doc.len(),
            mb,
            t,
            p,
        );
    }
}
