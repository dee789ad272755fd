//! The yardstick over real feeds: every feed file of the shared corpus (`../shared/corpus/feeds`, when
//! it is there) and the real feeds copied into `tests/fixtures/feeds/real/` (always) are parsed as a
//! refresh would parse them (fetched from a made-up `https://example.com/feed.xml`), and counted:
//! items stored, item links that are absolute, links and images in the content that are absolute or
//! relative, and rendered texts (`tidings::text::render_html` at 80 columns) with leftover markup:
//! `^{`, `&#`, `&amp;` or `<` shown more often than the article's own text holds it (so an escaped
//! `&lt;font&gt;` in prose or `i <= n` in code is not counted). The totals are printed and, with a
//! row for every file that falls short, written to `target/real-feeds-report.tsv`.
//!
//! Asserted: every item link is absolute (each file has a base: at least the fetched URL); no file
//! has fewer items than Newsboat 2.21 stored from it (`newsboat-counts.tsv`, made by
//! `bench/newsboat-counts.sh`); the copied fixtures render without leftover markup.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tidings::feed::parse::parse_feed_with_charset;
use tidings::store::ItemData;

/// Where the feeds are pretended to come from.
const FETCHED_FROM: &str = "https://example.com/feed.xml";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures_dir() -> PathBuf {
    manifest_dir().join("tests/fixtures/feeds/real")
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../shared/corpus/feeds");
    dir.join("MANIFEST.tsv").exists().then_some(dir)
}

/// Whether a MANIFEST.tsv format is a feed (the same selection as `bench/newsboat-counts.sh`).
fn is_feed_format(format: &str) -> bool {
    (format.starts_with("rss") && format != "rss-in-json")
        || format.starts_with("atom")
        || format.starts_with("rdf:RDF (RSS")
        || format.starts_with("jsonfeed")
}

/// The corpus's feed inputs, as paths relative to the corpus folder.
fn corpus_feeds(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut paths: Vec<String> = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.len() >= 5 && cols[3] == "input" && is_feed_format(cols[4]))
                .then(|| cols[0].to_string())
        })
        .collect();
    paths.sort();
    paths
}

/// The copied fixtures (relative to `tests/fixtures/feeds/real/`, the same path as in the corpus),
/// without licence notes, READMEs and the Newsboat counts.
fn fixture_feeds() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
                continue;
            }
            let name = entry.file_name().to_string_lossy().to_string();
            let upper = name.to_ascii_uppercase();
            if upper.starts_with("LICENSE") || upper.starts_with("README") || name.ends_with(".tsv")
            {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            out.push(rel.replace('\\', "/"));
        }
    }
    let mut out = Vec::new();
    let root = fixtures_dir();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

/// Newsboat's item count per corpus path.
fn newsboat_counts() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(fixtures_dir().join("newsboat-counts.tsv"))
        .expect("tests/fixtures/feeds/real/newsboat-counts.tsv (bench/newsboat-counts.sh)");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("path\t"))
        .filter_map(|l| {
            let (path, n) = l.split_once('\t')?;
            Some((path.to_string(), n.trim().parse().ok()?))
        })
        .collect()
}

/// Whether a URL has a scheme (what `url` parses without a base).
fn is_absolute(link: &str) -> bool {
    url::Url::parse(link.trim()).is_ok()
}

#[derive(Default, Clone)]
struct Counts {
    files: usize,
    /// Files the parser refused.
    errors: usize,
    items: usize,
    /// Items of the files Newsboat counted, and Newsboat's items for them.
    newsboat: usize,
    items_with_link: usize,
    absolute_item_links: usize,
    content_absolute: usize,
    content_relative: usize,
    text_blocks: usize,
    /// Rendered texts showing markup their article's text does not hold.
    markup_blocks: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.files += o.files;
        self.errors += o.errors;
        self.items += o.items;
        self.newsboat += o.newsboat;
        self.items_with_link += o.items_with_link;
        self.absolute_item_links += o.absolute_item_links;
        self.content_absolute += o.content_absolute;
        self.content_relative += o.content_relative;
        self.text_blocks += o.text_blocks;
        self.markup_blocks += o.markup_blocks;
    }

    fn row(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.files,
            self.errors,
            self.items,
            self.newsboat,
            self.items_with_link,
            self.absolute_item_links,
            self.content_absolute,
            self.content_relative,
            self.text_blocks,
            self.markup_blocks
        )
    }
}

const HEADER: &str = "path\tfiles\tparse_errors\titems\tnewsboat_items\titems_with_link\tabsolute_item_links\tcontent_links_absolute\tcontent_links_relative\ttext_blocks\tleftover_markup_blocks\tnote";

/// The values of `href` and `src` attributes in an HTML fragment, found by a rough tag scan (good
/// enough to count; quotes and unquoted values, `&amp;` decoded).
fn content_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &b[i..]) {
        let start = i + lt + 1;
        if b[start..].starts_with(b"!--") {
            match html[start..].find("-->") {
                Some(end) => {
                    i = start + end + 3;
                    continue;
                }
                None => break,
            }
        }
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            i = start;
            continue;
        }
        let Some(gt) = memchr(b'>', &b[start..]) else {
            break;
        };
        let tag = &html[start..start + gt];
        i = start + gt + 1;
        let lower = tag.to_ascii_lowercase();
        for name in ["href", "src"] {
            let mut from = 0;
            while let Some(at) = lower[from..].find(name) {
                let at = from + at;
                from = at + name.len();
                let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
                let rest = lower[from..].trim_start();
                if !before_ok || !rest.starts_with('=') {
                    continue;
                }
                let value_at = tag.len() - rest.len() + 1;
                let value = tag[value_at..].trim_start();
                let value = match value.chars().next() {
                    Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                    _ => value
                        .split(|c: char| c.is_ascii_whitespace())
                        .next()
                        .unwrap_or(""),
                };
                // A value written with entity quotes (`href=&quot;…&quot;`, inside another
                // attribute) is counted by what is inside them.
                let value = value.replace("&quot;", "\"").replace("&amp;", "&");
                let value = value.trim_start_matches('"');
                out.push(value.split('"').next().unwrap_or("").to_string());
            }
        }
    }
    out
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// What leftover markup looks like in rendered text.
const MARKERS: [&str; 4] = ["^{", "&#", "&amp;", "<"];

/// The text of an HTML fragment read naively: tags and comments dropped, character references
/// decoded once (numeric ones and the five XML names; others stay). A marker the article's own
/// text holds (an escaped `&lt;font&gt;` in prose, `i <= n` in code) is no leftover.
fn naive_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else if rest.starts_with('<') {
            let tag_like = rest[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
            match (tag_like, rest.find('>')) {
                (true, Some(end)) => rest = &rest[end + 1..],
                _ => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let end = rest
                .char_indices()
                .take(12)
                .find(|(_, c)| *c == ';')
                .map(|(i, _)| i);
            let decoded = end.and_then(|end| {
                let name = &rest[1..end];
                let c = match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => {
                        let n = name.strip_prefix('#')?;
                        let v = match n.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                            None => n.parse().ok()?,
                        };
                        char::from_u32(v)?
                    }
                };
                Some((c, end + 1))
            });
            match decoded {
                Some((c, len)) => {
                    out.push(c);
                    rest = &rest[len..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// The markers rendered text shows more often than the article's own text holds them.
fn leftover_markers(rendered: &str, html: &str) -> Vec<&'static str> {
    let naive = naive_text(html);
    MARKERS
        .iter()
        .copied()
        .filter(|m| rendered.matches(m).count() > naive.matches(m).count())
        .collect()
}

fn count_items(
    items: &[ItemData],
    counts: &mut Counts,
    bad_links: &mut Vec<String>,
    markup: &mut Option<String>,
) {
    counts.items += items.len();
    for item in items {
        if let Some(link) = &item.link {
            counts.items_with_link += 1;
            if is_absolute(link) {
                counts.absolute_item_links += 1;
            } else if bad_links.len() < 3 {
                bad_links.push(link.clone());
            }
        }
        for html in [&item.content, &item.summary].into_iter().flatten() {
            for link in content_links(html) {
                let link = link.trim();
                if link.is_empty() || link.starts_with('#') {
                    continue;
                }
                if is_absolute(link) {
                    counts.content_absolute += 1;
                } else {
                    counts.content_relative += 1;
                }
            }
        }
        if let Some(html) = item.content.as_deref().or(item.summary.as_deref()) {
            let rendered = tidings::text::render_html(html, 80);
            let refs = if rendered.links.is_empty() {
                0
            } else {
                rendered.links.len() + 1
            };
            let body = &rendered.lines[..rendered.lines.len().saturating_sub(refs)];
            counts.text_blocks += 1;
            let text = body.join("\n");
            let leftovers = leftover_markers(&text, html);
            if !leftovers.is_empty() {
                counts.markup_blocks += 1;
                let line = body
                    .iter()
                    .find(|l| leftovers.iter().any(|m| l.contains(m)))
                    .map_or("", |l| l.as_str());
                markup.get_or_insert_with(|| line.chars().take(100).collect());
            }
        }
    }
}

struct FileResult {
    path: String,
    counts: Counts,
    /// Newsboat's count, when the file is listed.
    newsboat: Option<usize>,
    note: String,
}

fn measure(path: &str, bytes: &[u8], newsboat: Option<usize>) -> FileResult {
    let mut counts = Counts {
        files: 1,
        ..Counts::default()
    };
    let mut note = String::new();
    let mut bad_links = Vec::new();
    let mut markup = None;
    match parse_feed_with_charset(bytes, None, Some(FETCHED_FROM)) {
        Ok(content) => count_items(&content.items, &mut counts, &mut bad_links, &mut markup),
        Err(e) => {
            counts.errors = 1;
            let e = e.to_string();
            note = format!("error: {}", e.chars().take(80).collect::<String>());
        }
    }
    if let Some(n) = newsboat {
        counts.newsboat = n;
    }
    if !bad_links.is_empty() {
        let _ = write!(note, " relative item links: {bad_links:?}");
    }
    if let Some(line) = markup {
        let _ = write!(note, " markup: {line:?}");
    }
    FileResult {
        path: path.to_string(),
        counts,
        newsboat,
        note: note.trim().to_string(),
    }
}

impl FileResult {
    /// Items below Newsboat's count.
    fn short_of_newsboat(&self) -> bool {
        self.newsboat.is_some_and(|n| self.counts.items < n)
    }

    fn relative_item_links(&self) -> bool {
        self.counts.absolute_item_links < self.counts.items_with_link
    }

    fn falls_short(&self) -> bool {
        self.counts.errors > 0
            || self.short_of_newsboat()
            || self.relative_item_links()
            || self.counts.content_relative > 0
            || self.counts.markup_blocks > 0
    }
}

fn report_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        manifest_dir().join(target)
    };
    target.join("real-feeds-report.tsv")
}

#[test]
fn real_feeds_yardstick() {
    let newsboat = newsboat_counts();
    let mut results: Vec<(&str, FileResult)> = Vec::new();
    for path in fixture_feeds() {
        let bytes = std::fs::read(fixtures_dir().join(&path)).unwrap();
        results.push((
            "fixtures",
            measure(&path, &bytes, newsboat.get(&path).copied()),
        ));
    }
    match corpus_dir() {
        Some(dir) => {
            for path in corpus_feeds(&dir) {
                let Ok(bytes) = std::fs::read(dir.join(&path)) else {
                    continue;
                };
                let result = std::panic::catch_unwind(|| {
                    measure(&path, &bytes, newsboat.get(&path).copied())
                })
                .unwrap_or_else(|_| panic!("parsing or rendering panicked on {path}"));
                results.push(("corpus", result));
            }
        }
        None => println!("skipped: ../shared/corpus/feeds not found"),
    }

    let mut totals: BTreeMap<&str, Counts> = BTreeMap::new();
    for (set, r) in &results {
        totals.entry(set).or_default().add(&r.counts);
    }
    let mut report = String::new();
    report.push_str(HEADER);
    report.push('\n');
    for (set, t) in &totals {
        let _ = writeln!(report, "TOTAL {set}\t{}\t", t.row());
        println!("{set}: {HEADER_SHORT}");
        println!("{set}: {}", t.row());
    }
    for (set, r) in results.iter().filter(|(_, r)| r.falls_short()) {
        let _ = writeln!(report, "{set}:{}\t{}\t{}", r.path, r.counts.row(), r.note);
    }
    let out = report_path();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, &report).unwrap();
    println!("report: {}", out.display());
    let short: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.short_of_newsboat())
        .map(|(_, r)| format!("{} ({} < {})", r.path, r.counts.items, r.newsboat.unwrap()))
        .collect();
    let relative: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.relative_item_links())
        .map(|(_, r)| format!("{} {}", r.path, r.note))
        .collect();
    let markup: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.counts.markup_blocks > 0)
        .map(|(_, r)| format!("{} {}", r.path, r.note))
        .collect();
    assert!(
        results.iter().any(|(set, _)| *set == "fixtures"),
        "the real-feed fixtures are there"
    );
    assert!(
        relative.is_empty(),
        "item links left relative in {} files: {relative:#?}",
        relative.len()
    );
    assert!(
        short.is_empty(),
        "fewer items than Newsboat in {} files: {short:#?}",
        short.len()
    );
    assert!(
        markup.is_empty(),
        "leftover markup in the rendered text: {markup:?}"
    );
}

const HEADER_SHORT: &str = "files errors items newsboat_items items_with_link absolute_item_links content_abs content_rel text_blocks markup_blocks";
