//! Main-content ("reader mode") extraction for full articles.
//!
//! The pipeline is:
//!
//! 1. Bound the page with [`cap_html`](crate::text::cap) (attributes per
//!    element, attribute sizes, element count), parse it with `dom_query`
//!    (html5ever) and check that it is sane (nesting depth and element count
//!    bounded); pathological pages skip straight to the fallback.
//! 2. Pick the main content with `dom_smoothie`, a port of Mozilla's
//!    Readability.js, keeping `class`/`id` attributes so that the next step
//!    can use them.
//! 3. Post-clean the chosen content with generic boilerplate heuristics:
//!    image captions and credits, share/social bars, bylines and datelines,
//!    "Related posts"/"You may also like" blocks, comment sections and forms,
//!    newsletter and subscription prompts, copyright lines. Nothing here is
//!    keyed to a particular site.
//! 4. Render to plain text with a small iterative DOM walker (no link list,
//!    no reference markers, entities decoded by the HTML parser, blank lines
//!    between paragraphs, one line per list item and per table row).
//!
//! When no article can be found, the page body (minus scripts, styles and
//! navigation chrome) is returned and [`Extracted::readable`] is `false`.
//! Every step is iterative or bounded, and `dom_smoothie` runs under
//! `catch_unwind`, so hostile HTML cannot hang, overflow the stack or panic
//! through this module.

use std::panic::{AssertUnwindSafe, catch_unwind};

use dom_query::{Document, NodeRef};
use dom_smoothie::{Config, Readability};

mod boilerplate;
mod plain;

use boilerplate::post_clean;
use plain::{Kind, collapse_ws, kind_of, node_to_text};

/// The result of [`extract`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The article's title if found.
    pub title: Option<String>,
    /// The main content as (cleaned) HTML, to be rendered by our html2text renderer for the TUI.
    pub content_html: String,
    /// false when the page was not readable and content_html is the whole page body.
    pub readable: bool,
}

/// Pages nested deeper than this are not handed to the readability pass
/// (whose helpers recurse); they get the flat fallback.
const MAX_DEPTH: usize = 512;
/// Pages with more elements than this are not handed to the readability pass
/// (its cost grows faster than linearly); they get the flat fallback.
const MAX_ELEMENTS: usize = 60_000;
/// Pages whose tags (as counted by a naive scan) nest deeper than this are
/// flattened to paragraphs before parsing.
const MAX_SOURCE_DEPTH: usize = 1000;
/// Inputs longer than this are cut (at a character boundary) before parsing.
const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Below this many characters of text the readability result is not trusted.
const MIN_ARTICLE_CHARS: usize = 140;

/// Extracts the main content of an HTML page. `url` is the page's URL (for resolving relative links), if known.
pub fn extract(html: &str, url: Option<&str>) -> Extracted {
    let (title, doc, readable) = extract_doc(html, url);
    let content_html = match &doc {
        Some(d) => {
            let body = content_root(d);
            strip_attrs_for_output(d);
            body.map(|b| b.inner_html().to_string()).unwrap_or_default()
        }
        None => String::new(),
    };
    Extracted {
        title,
        content_html,
        readable,
    }
}

/// The extracted article as plain text (no link list, no "[1]" markers, entities decoded, paragraphs separated by blank lines, list items on their own lines, table rows on one line each). This is what `tidings extract` prints and what the benchmark scores.
pub fn extract_text(html: &str, url: Option<&str>) -> String {
    let (_, doc, _) = extract_doc(html, url);
    match doc.as_ref().and_then(content_root) {
        Some(root) => node_to_text(&root),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Pipeline

/// Runs the pipeline and returns (title, cleaned content document, readable).
fn extract_doc(html: &str, url: Option<&str>) -> (Option<String>, Option<Document>, bool) {
    let html = crate::text::cut_at_char_boundary(html, MAX_INPUT_BYTES);
    let capped = crate::text::cap_html(html);
    let html: &str = &capped;
    let flat;
    let html = if naive_depth_exceeds(html, MAX_SOURCE_DEPTH) {
        // The HTML5 tree builder is quadratic in the nesting depth: flatten.
        flat = flatten_html(html);
        flat.as_str()
    } else {
        html
    };
    let doc = Document::from(html);
    let (depth, elements) = tree_stats(&doc);
    if depth <= MAX_DEPTH && elements <= MAX_ELEMENTS {
        if let Some((title, content)) = run_readability(doc, url) {
            let cdoc = Document::from(content.as_str());
            post_clean(&cdoc);
            let text_len = content_root(&cdoc)
                .map(|r| r.normalized_char_count())
                .unwrap_or(0);
            if text_len >= MIN_ARTICLE_CHARS {
                return (title, Some(cdoc), true);
            }
        }
        // Readability consumed the document; parse again for the fallback.
        let doc = Document::from(html);
        let title = page_title(&doc);
        fallback_clean(&doc, true);
        (title, Some(doc), false)
    } else {
        let title = page_title(&doc);
        fallback_clean(&doc, depth <= MAX_DEPTH);
        (title, Some(doc), false)
    }
}

/// Elements whose end tag is optional or that have no content: not counted
/// by the naive depth scan.
fn is_uncounted_tag(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "option"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "optgroup"
            | "rb"
            | "rt"
            | "rp"
            | "caption"
            | "html"
            | "head"
            | "body"
    )
}

/// Calls `f(is_end_tag, lowercase_name, self_closing)` for every tag of
/// `html` in one linear pass, and `text(range)` for text between tags. The
/// contents of comments, scripts and styles are skipped. Stops early when `f`
/// returns false.
fn scan_tags(html: &str, mut f: impl FnMut(bool, &str, bool) -> bool, mut text: impl FnMut(&str)) {
    let b = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    let mut name = String::new();
    while let Some(off) = memchr_lt(&b[i..]) {
        let lt = i + off;
        let rest = &b[lt + 1..];
        let is_end = rest.first() == Some(&b'/');
        let name_start = lt + 1 + usize::from(is_end);
        if html[lt..].starts_with("<!--") {
            text(&html[text_start..lt]);
            let end = html[lt + 4..]
                .find("-->")
                .map_or(b.len(), |e| lt + 4 + e + 3);
            i = end;
            text_start = end;
            continue;
        }
        if !b
            .get(name_start)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'!' || *c == b'?')
        {
            i = lt + 1;
            continue;
        }
        text(&html[text_start..lt]);
        let Some(gt) = html[name_start..].find('>').map(|g| name_start + g) else {
            return;
        };
        name.clear();
        for &c in &b[name_start..gt] {
            if c.is_ascii_alphanumeric() || c == b'-' {
                name.push(c.to_ascii_lowercase() as char);
            } else {
                break;
            }
        }
        let self_closing = b[gt - 1] == b'/';
        if !f(is_end, &name, self_closing) {
            return;
        }
        i = gt + 1;
        text_start = i;
        if !is_end && matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            let end = find_close_tag(&b[i..], name.as_bytes()).map_or(b.len(), |e| i + e);
            i = end;
            text_start = end;
        }
    }
    text(&html[text_start..]);
}

/// Byte offset of the first `</name` (ASCII case-insensitive) in `b`.
fn find_close_tag(b: &[u8], name: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < b.len() {
        let off = memchr_lt(&b[i..])?;
        let at = i + off;
        let rest = &b[at + 1..];
        if rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name)
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

/// Whether the tags of `html` (naively counted) nest deeper than `max`.
fn naive_depth_exceeds(html: &str, max: usize) -> bool {
    let mut depth = 0usize;
    let mut exceeded = false;
    scan_tags(
        html,
        |is_end, name, self_closing| {
            if name.is_empty() || is_uncounted_tag(name) || self_closing {
                return true;
            }
            if is_end {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                if depth > max {
                    exceeded = true;
                    return false;
                }
            }
            true
        },
        |_| {},
    );
    exceeded
}

/// Rewrites `html` without nesting: every block-level tag becomes `<p>`,
/// every other tag is dropped (scripts, styles and comments with their
/// content). Text and entities are kept for the HTML parser to decode.
fn flatten_html(html: &str) -> String {
    let out = std::cell::RefCell::new(String::with_capacity(html.len() / 2));
    scan_tags(
        html,
        |_, name, _| {
            let block = !matches!(kind_of(name), Kind::Inline | Kind::Skip | Kind::Cell);
            if block {
                out.borrow_mut().push_str("<p>");
            } else {
                out.borrow_mut().push(' ');
            }
            true
        },
        |t| out.borrow_mut().push_str(&t.replace('<', "&lt;")),
    );
    out.into_inner()
}

/// Maximum element depth and element count, computed iteratively.
fn tree_stats(doc: &Document) -> (usize, usize) {
    let mut max_depth = 0;
    let mut count = 0;
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if node.is_element() {
            count += 1;
            max_depth = max_depth.max(depth);
        }
        let mut child = node.first_child();
        while let Some(c) = child {
            if c.is_element() {
                stack.push((c, depth + 1));
            }
            child = c.next_sibling();
        }
    }
    (max_depth, count)
}

/// Runs dom_smoothie; returns (title, content html) or None when it fails.
fn run_readability(doc: Document, url: Option<&str>) -> Option<(Option<String>, String)> {
    let url = url.filter(|u| {
        let l = u.trim_start().to_ascii_lowercase();
        (l.starts_with("http://") || l.starts_with("https://")) && !u.contains(char::is_whitespace)
    });
    let cfg = Config {
        keep_classes: true,
        ..Default::default()
    };
    let result = catch_unwind(AssertUnwindSafe(move || {
        let mut r = match Readability::with_document(doc, url, Some(cfg.clone())) {
            Ok(r) => r,
            Err(_) => return None,
        };
        let article = r.parse().ok()?;
        let title = article.title.trim().to_string();
        Some((
            (!title.is_empty()).then_some(title),
            article.content.to_string(),
        ))
    }));
    result.ok().flatten()
}

fn page_title(doc: &Document) -> Option<String> {
    let t = doc.select("title").text();
    let t = collapse_ws(&t);
    (!t.is_empty()).then_some(t)
}

/// The element whose children are the content: `<body>` of the document.
fn content_root(doc: &Document) -> Option<NodeRef<'_>> {
    doc.body()
}

/// Removes attributes that were only kept for the heuristics (class, id,
/// style) from the output HTML.
fn strip_attrs_for_output(doc: &Document) {
    for node in doc.select("[class], [id], [style]").nodes() {
        node.remove_attrs(&["class", "id", "style"]);
    }
}

// ---------------------------------------------------------------------------
// Fallback

/// Cleans the whole page for the fallback: drops non-content elements.
fn fallback_clean(doc: &Document, use_selectors: bool) {
    if use_selectors {
        doc.select(
            "script, style, noscript, template, iframe, svg, head, nav, select, button, \
             input, textarea, [hidden], [aria-hidden=true]",
        )
        .remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decoded() {
        let html = "<html><body><article><p>Pages 10&#8211;20 &amp; more &mdash; fine. \
                    This sentence is long enough to make the paragraph count as content for \
                    the readability pass, which wants a reasonable amount of prose.</p>\
                    <p>Another paragraph, with commas, and more text to be safe, more text \
                    and more, and more text again for the scorer to accept it.</p></article></body></html>";
        let t = extract_text(html, None);
        assert!(t.contains("10–20 & more — fine"), "{t}");
        assert!(!t.contains('\u{336}'));
        assert!(!t.contains("1;"));
    }

    #[test]
    fn deep_nesting_bounded() {
        let n = 20_000;
        let html = format!(
            "<html><body>{}<p>deep text</p>{}</body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let e = extract(&html, None);
        assert!(!e.readable);
        assert!(extract_text(&html, None).contains("deep text"));
    }

    #[test]
    fn fallback_body() {
        let html = "<html><head><title>T</title><script>var x=1;</script></head><body><p>Just a note.</p></body></html>";
        let e = extract(html, Some("https://example.com/"));
        assert!(!e.readable);
        assert_eq!(extract_text(html, None), "Just a note.\n");
    }
}
