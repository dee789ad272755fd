//! Main-content ("reader mode") extraction for full articles.
//!
//! The pipeline is:
//!
//! 1. Parse the page with `dom_query` (html5ever) and check that it is sane
//!    (nesting depth and element count bounded); pathological pages skip
//!    straight to the fallback.
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
    let html = truncate_at_char_boundary(html, MAX_INPUT_BYTES);
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

fn truncate_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
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

// ---------------------------------------------------------------------------
// Post-cleaning heuristics

fn post_clean(doc: &Document) {
    let Some(root) = content_root(doc) else {
        return;
    };
    // Elements that never carry article prose.
    doc.select(
        "figcaption, script, style, noscript, template, iframe, form, button, select, input, \
         textarea, nav, aside, [hidden], [aria-hidden=true]",
    )
    .remove();

    let total = root.normalized_char_count().max(1);
    // Class/id based boilerplate, only for blocks that are a small part of
    // the article (so that a wrapper with an unlucky class survives).
    let mut doomed = Vec::new();
    for node in doc.select("[class], [id]").nodes() {
        let name = node.node_name().unwrap_or_default();
        if matches!(name.as_ref(), "html" | "body") {
            continue;
        }
        let mut attrs = String::new();
        if let Some(c) = node.class() {
            attrs.push_str(&c);
        }
        attrs.push(' ');
        if let Some(i) = node.id_attr() {
            attrs.push_str(&i);
        }
        if is_boilerplate_attr(&attrs) {
            let len = node.normalized_char_count();
            if len * 4 < total {
                doomed.push(*node);
            }
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }

    // Text-based: short blocks that are boilerplate phrases.
    let mut doomed = Vec::new();
    for node in doc
        .select("p, div, span, li, h1, h2, h3, h4, h5, h6, strong, b, em, small, section, ul")
        .nodes()
    {
        let text = collapse_ws(&node.text());
        if text.is_empty() {
            if node.select_img_count() == 0 {
                doomed.push(*node);
            }
            continue;
        }
        if text.chars().count() <= 120 && is_boilerplate_text(&text) {
            doomed.push(*node);
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }

    // Tail cut: a heading announcing related content, comments or a reply
    // form ends the article.
    cut_at_tail_headings(doc);
    clean_margins(doc);
}

/// Whether `node` is a block without block descendants.
fn is_leaf_block(node: &NodeRef<'_>) -> bool {
    node.descendants_it().all(|d| {
        !d.is_element()
            || d.node_name()
                .is_none_or(|n| matches!(kind_of(n.as_ref()), Kind::Inline | Kind::Br | Kind::Skip))
    })
}

/// Cleans the margins of the article: the blocks before its first and after
/// its last substantial paragraph, where datelines, bylines, share bars, tag
/// lists and lists of related links live.
fn clean_margins(doc: &Document) {
    let Some(root) = content_root(doc) else {
        return;
    };
    // Leaf blocks and lists in document order.
    let mut blocks: Vec<(NodeRef<'_>, String)> = Vec::new();
    let mut lists: Vec<(NodeRef<'_>, usize)> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let Some(name) = node.node_name() else {
            continue;
        };
        let kind = kind_of(name.as_ref());
        if matches!(kind, Kind::Skip) {
            continue;
        }
        if matches!(name.as_ref(), "ul" | "ol") {
            lists.push((node, blocks.len()));
        }
        if !matches!(kind, Kind::Inline | Kind::Br) && is_leaf_block(&node) {
            let text = collapse_ws(&node.text());
            if !text.is_empty() {
                blocks.push((node, text));
            }
            continue;
        }
        let start = stack.len();
        for c in node.children_it(false) {
            if c.is_element() {
                stack.push(c);
            }
        }
        stack[start..].reverse();
    }
    let substantial = |t: &str| t.chars().count() >= 120 && t.split_whitespace().count() >= 12;
    let Some(first) = blocks.iter().position(|(_, t)| substantial(t)) else {
        return;
    };
    let last = blocks
        .iter()
        .rposition(|(_, t)| substantial(t))
        .unwrap_or(first);
    let mut doomed = Vec::new();
    for (i, (node, text)) in blocks.iter().enumerate() {
        if (i < first || i > last) && is_margin_noise(text) {
            doomed.push(*node);
        }
    }
    // Lists of links after the article: related stories.
    for (list, first_block) in &lists {
        if *first_block > last {
            let text_len = list.normalized_char_count();
            let link_len: usize = list
                .descendants_it()
                .filter(|a| a.has_name("a"))
                .map(|a| a.normalized_char_count())
                .sum();
            let items = list.children_it(false).filter(|c| c.is_element()).count();
            if items >= 2 && link_len * 10 >= text_len * 7 {
                doomed.push(*list);
            }
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }
}

const MONTHS: &[&str] = &[
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "enero",
    "febrero",
    "marzo",
    "mayo",
    "junio",
    "julio",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A short dateline/timestamp ("Updated Nov 19, 6:55 AM", "22 de janeiro
/// de 2018 às 0:13", "05/10/2018").
fn looks_like_dateline(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 16 {
        return false;
    }
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let has_year = tokens.iter().any(|t| {
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.bytes().all(|b| b.is_ascii_digit())
    });
    let has_month = tokens.iter().any(|t| MONTHS.contains(t));
    let has_day = tokens
        .iter()
        .any(|t| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()));
    let has_clock = lower
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    let numeric_date = lower.as_bytes().windows(5).any(|w| {
        w[0].is_ascii_digit()
            && (w[1] == b'/' || w[2] == b'/' || w[1] == b'.' || w[2] == b'.')
            && w[4].is_ascii_digit()
    }) && has_year;
    (has_month && (has_year || has_day || has_clock)) || numeric_date || (has_clock && has_year)
}

/// Noise typical of the margins of an article.
fn is_margin_noise(text: &str) -> bool {
    if looks_like_dateline(text) || is_share_bar(text) {
        return true;
    }
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    const BYLINE: &[&str] = &[
        "by ",
        "posted by",
        "written by",
        "published by",
        "author:",
        "por ",
        "publicado por",
        "tags",
        "tagged",
        "categories:",
        "category:",
        "filed under",
        "posted in",
    ];
    words <= 8 && BYLINE.iter().any(|b| lower.starts_with(b))
}

/// A row of share buttons ("Facebook Twitter WhatsApp Email").
fn is_share_bar(text: &str) -> bool {
    const SOCIAL: &[&str] = &[
        "facebook",
        "twitter",
        "whatsapp",
        "pinterest",
        "pin",
        "pint",
        "linkedin",
        "reddit",
        "email",
        "e-mail",
        "telegram",
        "tumblr",
        "share",
        "tweet",
        "print",
        "messenger",
        "sms",
        "copy",
        "link",
        "mail",
        "flipboard",
        "pocket",
        "vk",
        "x",
    ];
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let social = words.iter().filter(|w| SOCIAL.contains(w)).count();
    !words.is_empty() && words.len() <= 12 && social >= 2 && social * 2 >= words.len()
}

trait ImgCount {
    fn select_img_count(&self) -> usize;
}
impl ImgCount for NodeRef<'_> {
    fn select_img_count(&self) -> usize {
        self.descendants_it()
            .filter(|n| {
                n.node_name()
                    .is_some_and(|t| matches!(t.as_ref(), "img" | "picture" | "video" | "br"))
            })
            .count()
    }
}

/// Class/id tokens that mark boilerplate.
fn is_boilerplate_attr(attrs: &str) -> bool {
    let lower = attrs.to_ascii_lowercase();
    // Distinctive substrings (also catch camelCase and compound names).
    const SUBSTRINGS: &[&str] = &[
        "caption",
        "share",
        "sharing",
        "social",
        "related",
        "newsletter",
        "breadcrumb",
        "byline",
        "comment",
        "sponsor",
        "outbrain",
        "taboola",
        "promo",
        "subscribe",
        "signup",
        "sign-up",
        "advert",
        "copyright",
        "disqus",
        "author-bio",
        "authorbio",
        "author-info",
        "about-author",
        "recommend",
        "readmore",
        "read-more",
        "more-stories",
        "tagcloud",
        "post-tags",
        "entry-tags",
        "tags-links",
        "cat-links",
        "entry-meta",
        "post-meta",
        "article-meta",
        "timestamp",
        "dateline",
        "credit",
        "toolbar",
        "pagination",
    ];
    if SUBSTRINGS.iter().any(|s| lower.contains(s)) {
        return true;
    }
    const TOKENS: &[&str] = &[
        "ad", "ads", "tags", "tag", "meta", "date", "time", "author", "widget", "sidebar",
        "footer", "popup", "modal", "print", "nav", "menu", "rating", "follow",
    ];
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| TOKENS.contains(&t))
}

/// Short texts that are boilerplate phrases.
fn is_boilerplate_text(text: &str) -> bool {
    let lower = text.to_lowercase();
    let l = lower.trim_matches(|c: char| !c.is_alphanumeric());
    const EXACT: &[&str] = &[
        "advertisement",
        "advert",
        "sharing is caring",
        "share this",
        "share this article",
        "share this post",
        "share this story",
        "share",
        "tweet",
        "email",
        "print",
        "comments",
        "leave a reply",
        "leave a comment",
        "related posts",
        "related articles",
        "related stories",
        "related",
        "you may also like",
        "you might also like",
        "read more",
        "continue reading",
        "subscribe",
        "sign up",
        "tags",
        "don't miss",
        "see more",
        "click here",
    ];
    if EXACT.contains(&l) {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "photo:",
        "photos:",
        "image:",
        "images:",
        "credit:",
        "source:",
        "picture:",
        "pictured:",
        "photograph:",
        "(image:",
        "(photo:",
        "read more:",
        "see more:",
        "related:",
        "also read:",
        "read also:",
        "advertisement",
        "share on ",
        "share this",
        "follow us",
        "sign up for",
        "subscribe to",
        "click here to",
        "copyright ©",
        "©",
        "all rights reserved",
        "tags:",
        "filed under",
        "posted in",
        "published:",
        "updated:",
        "last updated",
        "by ",
    ];
    let t = lower.trim();
    const CONTAINS: &[&str] = &[
        "click here",
        "clicking here",
        "requires javascript",
        "tell us what you think",
        "all rights reserved",
        "sign up for our",
        "subscribe to our",
        "follow us on",
    ];
    if CONTAINS.iter().any(|p| t.contains(p)) || is_share_bar(t) {
        return true;
    }
    if PREFIXES.iter().any(|p| t.starts_with(p)) {
        // "By" only as a short byline, not a sentence.
        if t.starts_with("by ") {
            return t.split_whitespace().count() <= 6;
        }
        return true;
    }
    false
}

/// Headings after which the rest of the article is boilerplate.
fn is_tail_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    let l = lower.trim_matches(|c: char| !c.is_alphanumeric());
    const STARTS: &[&str] = &[
        "related post",
        "related article",
        "related stor",
        "related content",
        "related reading",
        "you may also like",
        "you might also like",
        "leave a reply",
        "leave a comment",
        "comments",
        "more from",
        "more stories",
        "recommended",
        "read next",
        "popular posts",
        "trending",
        "share this",
        "about the author",
    ];
    // "Related post: <title>" is an inline link to one post, not a section.
    STARTS.iter().any(|s| l.starts_with(s)) && l.chars().count() <= 40 && !l.contains(':')
}

fn cut_at_tail_headings(doc: &Document) {
    let heads = doc.select("h1, h2, h3, h4, h5, h6");
    for h in heads.nodes() {
        let text = collapse_ws(&h.text());
        if !is_tail_heading(&text) {
            continue;
        }
        // Remove the heading and everything after it at its level, unless
        // that is most of the article (then the heading is misleading).
        let mut tail = Vec::new();
        let mut tail_len = 0;
        let mut next = h.next_sibling();
        while let Some(n) = next {
            next = n.next_sibling();
            tail_len += n.normalized_char_count();
            tail.push(n);
        }
        let total = content_root(doc).map_or(0, |r| r.normalized_char_count());
        if tail_len * 2 > total {
            continue;
        }
        for n in tail {
            n.remove_from_parent();
        }
        h.remove_from_parent();
    }
}

// ---------------------------------------------------------------------------
// Text rendering

/// What a tag does to the text layout.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not rendered at all.
    Skip,
    /// Inline content.
    Inline,
    /// A block separated by a blank line.
    Para,
    /// A block on its own line (list item, table row, definition).
    Line,
    /// A table cell.
    Cell,
    /// Preformatted block.
    Pre,
    /// A line break.
    Br,
}

fn kind_of(tag: &str) -> Kind {
    match tag {
        "script" | "style" | "noscript" | "template" | "head" | "title" | "meta" | "link"
        | "iframe" | "svg" | "select" | "option" | "button" | "input" | "textarea" | "object"
        | "embed" | "canvas" | "audio" | "video" | "source" | "track" | "map" | "area" => {
            Kind::Skip
        }
        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "ul" | "ol"
        | "dl" | "table" | "figure" | "section" | "article" | "header" | "footer" | "main"
        | "aside" | "nav" | "form" | "fieldset" | "address" | "details" | "summary" | "hr"
        | "center" | "body" | "html" | "caption" | "figcaption" | "thead" | "tbody" | "tfoot"
        | "hgroup" => Kind::Para,
        "li" | "tr" | "dt" | "dd" | "legend" | "option_group" => Kind::Line,
        "td" | "th" => Kind::Cell,
        "pre" | "listing" | "xmp" | "plaintext" => Kind::Pre,
        "br" => Kind::Br,
        _ => Kind::Inline,
    }
}

/// Accumulates text with collapsed whitespace and block separators.
struct TextOut {
    out: String,
    /// Pending line breaks before the next text (0, 1 or 2).
    pending_breaks: u8,
    /// A space is pending before the next text.
    pending_space: bool,
    /// A cell separator is pending before the next text.
    pending_cell: bool,
    /// An inline element started or ended since the last text.
    boundary: bool,
}

impl TextOut {
    fn new() -> Self {
        TextOut {
            out: String::new(),
            pending_breaks: 0,
            pending_space: false,
            pending_cell: false,
            boundary: false,
        }
    }

    fn brk(&mut self, n: u8) {
        if !self.out.is_empty() {
            self.pending_breaks = self.pending_breaks.max(n);
        }
        self.pending_space = false;
        self.pending_cell = false;
    }

    fn flush_sep(&mut self, next: Option<char>) {
        if self.out.is_empty() {
            self.pending_breaks = 0;
            self.pending_space = false;
            self.pending_cell = false;
            return;
        }
        if self.pending_breaks > 0 {
            // Trim trailing spaces of the finished line.
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            for _ in 0..self.pending_breaks {
                self.out.push('\n');
            }
        } else if self.pending_cell {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            self.out.push_str(" | ");
        } else if self.pending_space && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        } else if self.boundary && cjk_boundary(self.out.chars().next_back(), next) {
            // Scripts written without spaces: an element boundary separates
            // words (as in html_text and browsers' copy/paste of such pages).
            self.out.push(' ');
        }
        self.boundary = false;
        self.pending_breaks = 0;
        self.pending_space = false;
        self.pending_cell = false;
    }

    /// Appends text with whitespace collapsed.
    fn text(&mut self, s: &str) {
        let words = s.split(is_html_ws).peekable();
        let mut first = true;
        let mut any = false;
        if s.starts_with(is_html_ws) {
            self.pending_space = true;
        }
        for w in words {
            if w.is_empty() {
                continue;
            }
            let w = clean_chars(w);
            if w.is_empty() {
                continue;
            }
            if !first {
                self.pending_space = true;
            }
            self.flush_sep(w.chars().next());
            self.out.push_str(&w);
            first = false;
            any = true;
        }
        if any && s.ends_with(is_html_ws) {
            self.pending_space = true;
        }
    }

    /// Appends preformatted text verbatim (line structure kept).
    fn pre_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.flush_sep(None);
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            self.out.push_str(&clean_chars(line.trim_end_matches('\r')));
        }
    }

    fn finish(mut self) -> String {
        while self.out.ends_with([' ', '\n']) {
            self.out.pop();
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }
}

/// True for characters of scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af
        | 0xf900..=0xfaff | 0xff66..=0xff9f | 0x20000..=0x2fa1f)
}

/// Whether an element boundary between `prev` and `next` gets a space.
fn cjk_boundary(prev: Option<char>, next: Option<char>) -> bool {
    match (prev, next) {
        (Some(a), Some(b)) => {
            (is_cjk(a) || is_cjk(b)) && a.is_alphanumeric() && b.is_alphanumeric()
        }
        _ => false,
    }
}

fn is_html_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Drops control characters and stray combining strike-through marks
/// (U+0335..U+0338) that some CMSes wrap around dashes.
fn clean_chars(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(|c| {
        !c.is_control()
            && !matches!(
                c,
                '\u{335}'..='\u{338}' | '\u{ad}' | '\u{200b}' | '\u{feff}'
            )
    }) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter(|&c| {
                !c.is_control()
                    && !matches!(
                        c,
                        '\u{335}'..='\u{338}' | '\u{ad}' | '\u{200b}' | '\u{feff}'
                    )
            })
            .collect(),
    )
}

/// Renders the children of `root` as plain text (iteratively).
fn node_to_text(root: &NodeRef<'_>) -> String {
    enum Step<'a> {
        Enter(NodeRef<'a>),
        Leave(Kind),
    }
    let mut out = TextOut::new();
    let mut pre_depth = 0usize;
    let mut stack: Vec<Step<'_>> = Vec::new();
    push_children(root, &mut stack, Step::Enter);
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(node) => {
                if node.is_text() {
                    let t = node.text();
                    if pre_depth > 0 {
                        out.pre_text(&t);
                    } else {
                        out.text(&t);
                    }
                    continue;
                }
                if !node.is_element() {
                    continue;
                }
                let name = node.node_name().unwrap_or_default();
                let kind = kind_of(name.as_ref());
                match kind {
                    Kind::Skip => continue,
                    Kind::Br => {
                        out.brk(1);
                        // A <br> forces the break even at the start of a block.
                        if !out.out.is_empty() && out.pending_breaks == 0 {
                            out.pending_breaks = 1;
                        }
                        continue;
                    }
                    Kind::Para | Kind::Pre => out.brk(2),
                    Kind::Line => out.brk(1),
                    Kind::Cell => {}
                    Kind::Inline => out.boundary = true,
                }
                if kind == Kind::Pre {
                    pre_depth += 1;
                }
                if name.as_ref() == "img" {
                    continue;
                }
                stack.push(Step::Leave(kind));
                push_children(&node, &mut stack, Step::Enter);
            }
            Step::Leave(kind) => match kind {
                Kind::Para => out.brk(2),
                Kind::Pre => {
                    pre_depth = pre_depth.saturating_sub(1);
                    out.brk(2);
                }
                Kind::Line => out.brk(1),
                Kind::Cell
                    if !out.out.is_empty() && out.pending_breaks == 0 => {
                        out.pending_cell = true;
                    }
                Kind::Inline => out.boundary = true,
                _ => {}
            },
        }
    }
    out.finish()
}

fn push_children<'a, T>(node: &NodeRef<'a>, stack: &mut Vec<T>, f: impl Fn(NodeRef<'a>) -> T) {
    let start = stack.len();
    let mut child = node.first_child();
    while let Some(c) = child {
        child = c.next_sibling();
        stack.push(f(c));
    }
    stack[start..].reverse();
}

fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
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
