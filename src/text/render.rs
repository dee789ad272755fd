//! Rendering of untrusted article HTML into wrapped, sanitized plain text.
//!
//! The heavy lifting is done by `html2text` with our own [`TextDecorator`]
//! (numbered link references, `[image: alt]`, plain strikeout). Every output
//! line is sanitized afterwards, because entities such as `&#27;` decode to
//! control characters inside the HTML parser. If `html2text` fails (for
//! example when nesting is deeper than the width allows) or panics, a small
//! tag stripper produces a flat, wrapped rendering instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use html2text::config::{self, ImageRenderMode};
use html2text::render::{TaggedLine, TextDecorator};

use super::sanitize::{clean_line, clean_text};

/// Narrowest width we render at.
const MIN_WIDTH: usize = 20;
/// Widest width we render at.
const MAX_WIDTH: usize = 1000;
/// Tab stop used when expanding any tab that survives rendering.
const TAB_STOP: usize = 8;

/// An article rendered for the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The article text wrapped to `width`, then (if there are links) an empty line and one line per link reference: "[1] https://example.com/a". Every line already sanitized with clean_text rules (no control characters at all, no tabs: expand tabs to spaces).
    pub lines: Vec<String>,
    /// The link targets in reference order; links[0] is reference [1].
    pub links: Vec<String>,
}

/// Renders article HTML (untrusted, possibly plain text, possibly broken) at `width` columns (clamp width to at least 20 and at most 1000).
pub fn render_html(html: &str, width: usize) -> Rendered {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let plain;
    let source = if looks_like_html(html) {
        html
    } else {
        plain = plain_text_to_html(html);
        plain.as_str()
    };
    // html2text has a few arithmetic/unwrap paths that can panic on hostile
    // input (e.g. `<ol start>` near i64::MAX overflows in debug builds). The
    // state captured here is freshly created per call, so unwinding cannot
    // leave anything observable in a broken state.
    match catch_unwind(AssertUnwindSafe(|| render_with_html2text(source, width))) {
        Ok(Some(rendered)) => rendered,
        Ok(None) | Err(_) => render_fallback(html, width),
    }
}

// ---------------------------------------------------------------------------
// Link references

/// Link references collected while rendering, shared by all (sub-block)
/// decorators of one render.
#[derive(Debug, Default)]
struct LinkRegistry {
    /// Targets in reference order.
    links: Vec<String>,
    /// Target -> 1-based reference number.
    numbers: HashMap<String, usize>,
    /// Reference numbers of the currently open links (innermost last);
    /// `None` for links that get no reference.
    open: Vec<Option<usize>>,
}

impl LinkRegistry {
    /// Returns the reference number for `href`, allocating one if needed, or
    /// `None` if the link should not be referenced.
    fn register(&mut self, href: &str) -> Option<usize> {
        let url = reference_target(href)?;
        if let Some(&n) = self.numbers.get(&url) {
            return Some(n);
        }
        self.links.push(url.clone());
        let n = self.links.len();
        self.numbers.insert(url, n);
        Some(n)
    }
}

/// Cleans a link target for display and decides whether it deserves a
/// reference. Tabs and newlines are dropped (as URL parsers do), controls and
/// bidi characters removed, whitespace collapsed and trimmed. Empty targets,
/// same-page fragments and script/data URLs get no reference.
fn reference_target(href: &str) -> Option<String> {
    let without_breaks: String = href
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = clean_line(&without_breaks);
    if url.is_empty() || url.starts_with('#') {
        return None;
    }
    if let Some((scheme, _)) = url.split_once(':') {
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme
            && ["javascript", "vbscript", "data"]
                .iter()
                .any(|bad| scheme.eq_ignore_ascii_case(bad))
        {
            return None;
        }
    }
    Some(url)
}

// ---------------------------------------------------------------------------
// html2text decorator

/// Plain-text decorator: numbered link references, `[image: alt]`, `~~`
/// strikeout, markdown-like block prefixes. All prefixes must stay ASCII:
/// html2text compares their byte length with their display width.
#[derive(Clone, Debug)]
struct RefDecorator {
    links: Rc<RefCell<LinkRegistry>>,
}

impl TextDecorator for RefDecorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, url: &str) -> (String, Self::Annotation) {
        if let Ok(mut registry) = self.links.try_borrow_mut() {
            let number = registry.register(url);
            registry.open.push(number);
        }
        (String::new(), ())
    }

    fn decorate_link_end(&mut self) -> String {
        let number = self
            .links
            .try_borrow_mut()
            .ok()
            .and_then(|mut registry| registry.open.pop())
            .flatten();
        match number {
            Some(n) => format!("[{n}]"),
            None => String::new(),
        }
    }

    fn decorate_em_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }

    fn decorate_em_end(&self) -> String {
        String::new()
    }

    fn decorate_strong_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }

    fn decorate_strong_end(&self) -> String {
        String::new()
    }

    fn decorate_strikeout_start(&self) -> (String, Self::Annotation) {
        ("~~".to_string(), ())
    }

    fn decorate_strikeout_end(&self) -> String {
        "~~".to_string()
    }

    fn decorate_code_start(&self) -> (String, Self::Annotation) {
        (String::new(), ())
    }

    fn decorate_code_end(&self) -> String {
        String::new()
    }

    fn decorate_preformat_first(&self) -> Self::Annotation {}

    fn decorate_preformat_cont(&self) -> Self::Annotation {}

    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, Self::Annotation) {
        (image_label(title), ())
    }

    fn header_prefix(&self, level: usize) -> String {
        "#".repeat(level) + " "
    }

    fn quote_prefix(&self) -> String {
        "> ".to_string()
    }

    fn unordered_item_prefix(&self) -> String {
        "* ".to_string()
    }

    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }

    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }

    fn finalise(&mut self, _urls: Vec<String>) -> Vec<TaggedLine<Self::Annotation>> {
        // The reference list is appended by `assemble`, after sanitizing.
        Vec::new()
    }
}

/// Largest `<ol start>` magnitude passed to html2text.
const MAX_OL_START: i128 = 1_000_000_000;
/// Largest colspan passed to html2text (the HTML spec's limit).
const MAX_COLSPAN: i128 = 1000;

/// Rewrites DOM details known to make html2text 0.17 panic:
/// - `<ol start>` near `i64::MAX` overflows its item counter (a panic in
///   debug builds);
/// - a `rowspan` reaching below the last row of its table can hit an
///   `unwrap()` on a missing column (`<table><td colspan=3><td rowspan=2>`).
///
/// The walk uses an explicit stack, so deep documents cannot overflow the
/// call stack.
fn defuse_dom(root: &html2text::Handle) {
    let mut stack = vec![Rc::clone(root)];
    while let Some(node) = stack.pop() {
        match local_name(&node) {
            Some("ol") => clamp_attr(&node, "start", -MAX_OL_START, MAX_OL_START),
            Some("table") => clamp_table_spans(&node),
            _ => {}
        }
        if let Ok(children) = node.children.try_borrow() {
            stack.extend(children.iter().cloned());
        }
    }
}

/// The element's local name, or `None` for non-elements.
fn local_name(node: &html2text::Handle) -> Option<&str> {
    match &node.data {
        html2text::Element { name, .. } => Some(&*name.local),
        _ => None,
    }
}

/// Child elements of `node` whose local name is in `names`.
fn child_elements(node: &html2text::Handle, names: &[&str]) -> Vec<html2text::Handle> {
    node.children
        .try_borrow()
        .map(|children| {
            children
                .iter()
                .filter(|c| local_name(c).is_some_and(|n| names.contains(&n)))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Limits each cell's rowspan to the rows left in its table (rows as
/// html2text sees them: `thead`/`tbody` children of the table, in order)
/// and its colspan to `1..=MAX_COLSPAN` (browsers treat colspan=0 as 1).
fn clamp_table_spans(table: &html2text::Handle) {
    let rows: Vec<html2text::Handle> = child_elements(table, &["thead", "tbody"])
        .iter()
        .flat_map(|section| child_elements(section, &["tr"]))
        .collect();
    let total = rows.len();
    for (index, row) in rows.iter().enumerate() {
        let rows_left = i128::try_from(total - index).unwrap_or(i128::MAX);
        for cell in child_elements(row, &["td", "th"]) {
            clamp_attr(&cell, "rowspan", 1, rows_left);
            clamp_attr(&cell, "colspan", 1, MAX_COLSPAN);
        }
    }
}

/// If `node` has attribute `attr` holding an integer outside `lo..=hi`,
/// replaces it with the nearest bound. Values html2text would not parse as a
/// number are left alone (it ignores them).
fn clamp_attr(node: &html2text::Handle, attr: &str, lo: i128, hi: i128) {
    let html2text::Element { attrs, .. } = &node.data else {
        return;
    };
    let Ok(mut attrs) = attrs.try_borrow_mut() else {
        return;
    };
    for a in attrs.iter_mut().filter(|a| &*a.name.local == attr) {
        if let Ok(value) = a.value.parse::<i128>() {
            let clamped = value.clamp(lo, hi);
            if clamped != value {
                a.value = clamped.to_string().into();
            }
        }
    }
}

fn image_label(alt: &str) -> String {
    let alt = alt.trim();
    if alt.is_empty() {
        "[image]".to_string()
    } else {
        format!("[image: {alt}]")
    }
}

/// Renders with html2text; `None` if it reports an error.
fn render_with_html2text(html: &str, width: usize) -> Option<Rendered> {
    let registry = Rc::new(RefCell::new(LinkRegistry::default()));
    let decorator = RefDecorator {
        links: Rc::clone(&registry),
    };
    let config = config::with_decorator(decorator)
        .unicode_strikeout(false)
        .link_footnotes(false)
        .empty_img_mode(ImageRenderMode::ShowAlways);
    // Parse, defuse, then render: the same steps `string_from_read` does,
    // with a chance to fix up the DOM in between.
    let dom = config.parse_html(html.as_bytes()).ok()?;
    defuse_dom(&dom.document);
    let tree = config.dom_to_render_tree(&dom).ok()?;
    drop(dom);
    let text = config.render_to_string(tree, width).ok()?;
    drop(config);
    let links = std::mem::take(&mut registry.try_borrow_mut().ok()?.links);

    let mut body = Vec::new();
    for raw in text.split('\n') {
        for line in clean_text(raw).split('\n') {
            body.push(expand_tabs(line.trim_end()));
        }
    }
    Some(assemble(body, links))
}

/// Trims blank lines around the body and appends the reference list.
fn assemble(mut body: Vec<String>, links: Vec<String>) -> Rendered {
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    let leading = body.iter().take_while(|l| l.trim().is_empty()).count();
    body.drain(..leading);

    if !links.is_empty() {
        if !body.is_empty() {
            body.push(String::new());
        }
        for (i, url) in links.iter().enumerate() {
            body.push(format!("[{}] {}", i + 1, url));
        }
    }
    Rendered { lines: body, links }
}

/// Replaces tabs with spaces up to the next tab stop.
fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + TAB_STOP);
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = TAB_STOP - col % TAB_STOP;
            out.extend(std::iter::repeat_n(' ', spaces));
            col += spaces;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Plain text input

/// True if `s` contains something the HTML parser would treat as markup: a
/// '<' followed by a letter, '/', '!' or '?'.
fn looks_like_html(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

/// Wraps tag-free text in `<p>`/`<br>` so its line breaks and paragraphs
/// survive HTML whitespace collapsing. Entities are left for the parser to
/// decode (feeds commonly entity-encode "plain" text). No escaping is needed:
/// `looks_like_html` guarantees no '<' in the text starts a tag.
fn plain_text_to_html(s: &str) -> String {
    let text = clean_text(s);
    let mut out = String::with_capacity(text.len() + 64);
    let mut in_paragraph = false;
    for line in text.split('\n') {
        if line.trim().is_empty() {
            if in_paragraph {
                out.push_str("</p>\n");
                in_paragraph = false;
            }
        } else {
            if in_paragraph {
                out.push_str("<br>\n");
            } else {
                out.push_str("<p>");
                in_paragraph = true;
            }
            out.push_str(line);
        }
    }
    if in_paragraph {
        out.push_str("</p>\n");
    }
    out
}

// ---------------------------------------------------------------------------
// Fallback: crude tag stripper

/// Flat rendering used when html2text fails: tags stripped, block elements
/// turned into line breaks, text wrapped by character count.
fn render_fallback(html: &str, width: usize) -> Rendered {
    let (text, links) = strip_tags(html);
    let mut body = Vec::new();
    let mut blank_pending = false;
    for raw in text.split('\n') {
        let line = clean_line(raw);
        if line.is_empty() {
            blank_pending = !body.is_empty();
            continue;
        }
        if blank_pending {
            body.push(String::new());
            blank_pending = false;
        }
        wrap_into(&mut body, &line, width);
    }
    assemble(body, links)
}

/// Greedy word wrap of a single-spaced line; words longer than `width` are
/// split. Widths are counted in chars.
fn wrap_into(out: &mut Vec<String>, line: &str, width: usize) {
    let width = width.max(1);
    let mut cur = String::new();
    let mut cur_len = 0;
    for word in line.split(' ') {
        let word_len = word.chars().count();
        if word_len == 0 {
            continue;
        }
        if cur_len > 0 && cur_len + 1 + word_len <= width {
            cur.push(' ');
            cur.push_str(word);
            cur_len += 1 + word_len;
            continue;
        }
        if cur_len > 0 {
            out.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        for c in word.chars() {
            if cur_len == width {
                out.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            cur.push(c);
            cur_len += 1;
        }
    }
    if cur_len > 0 {
        out.push(cur);
    }
}

/// Elements whose content is never shown.
const RAW_TEXT_ELEMENTS: &[&str] = &["script", "style", "template"];

/// Elements that separate paragraphs.
const PARAGRAPH_ELEMENTS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "table",
    "hr",
    "figure",
];

/// Elements that start a new line.
const LINE_ELEMENTS: &[&str] = &[
    "br",
    "div",
    "tr",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "address",
    "details",
    "summary",
    "figcaption",
    "caption",
];

/// Strips tags from `html`, returning text in which '\n' marks line breaks
/// (source newlines become spaces) plus the link references it mentions.
/// Linear in the input size and not recursive.
fn strip_tags(html: &str) -> (String, Vec<String>) {
    // ASCII lowercasing keeps byte offsets and char boundaries identical.
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len().min(1 << 20));
    let mut registry = LinkRegistry::default();
    let mut i = 0;
    let mut text_start = 0;

    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let starts_tag = bytes
            .get(i + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'));
        if !starts_tag {
            i += 1;
            continue;
        }
        push_text(&mut out, html.get(text_start..i).unwrap_or(""));

        if lower.get(i..).is_some_and(|rest| rest.starts_with("<!--")) {
            i = lower
                .get(i + 4..)
                .and_then(|rest| rest.find("-->"))
                .map_or(bytes.len(), |p| i + 4 + p + 3);
            text_start = i;
            continue;
        }

        let (body_end, next) = find_tag_end(bytes, i + 1);
        let body = html.get(i + 1..body_end).unwrap_or("");
        i = next;

        let closing = body.starts_with('/');
        let name_part = body.trim_start_matches('/');
        let name_len = name_part
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
            .count();
        let name = name_part.get(..name_len).unwrap_or("").to_ascii_lowercase();

        match name.as_str() {
            "a" if closing => {
                if let Some(Some(n)) = registry.open.pop() {
                    out.push_str(&format!("[{n}]"));
                }
            }
            "a" => {
                let number = tag_attr(body, "href").and_then(|href| registry.register(&href));
                registry.open.push(number);
            }
            "img" if !closing => {
                let alt = tag_attr(body, "alt").unwrap_or_default();
                out.push_str(&image_label(&clean_line(&alt)));
            }
            "li" if !closing => out.push_str("\n* "),
            "td" | "th" => out.push(' '),
            n if PARAGRAPH_ELEMENTS.contains(&n) => out.push_str("\n\n"),
            n if LINE_ELEMENTS.contains(&n) => out.push('\n'),
            n if !closing && RAW_TEXT_ELEMENTS.contains(&n) => {
                // Skip everything up to and including the closing tag.
                let close = format!("</{n}");
                i = match lower.get(i..).and_then(|rest| rest.find(&close)) {
                    Some(p) => find_tag_end(bytes, i + p + 1).1,
                    None => bytes.len(),
                };
            }
            _ => {}
        }
        text_start = i;
    }
    push_text(&mut out, html.get(text_start..).unwrap_or(""));
    (out, registry.links)
}

/// Finds the '>' ending a tag whose body starts at `start`, honouring quoted
/// attribute values. Returns (end of body, index after the tag).
fn find_tag_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut quote: Option<u8> = None;
    let mut after_equals = false;
    let mut j = start;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                    after_equals = false;
                }
            }
            None => {
                if b == b'>' {
                    return (j, j + 1);
                }
                if after_equals && (b == b'"' || b == b'\'') {
                    quote = Some(b);
                } else if !b.is_ascii_whitespace() {
                    after_equals = b == b'=';
                }
            }
        }
        j += 1;
    }
    (bytes.len(), bytes.len())
}

/// Value of attribute `wanted` (lowercase) in a tag body such as
/// `a href="x" class=y`, with entities decoded.
fn tag_attr(body: &str, wanted: &str) -> Option<String> {
    let b = body.as_bytes();
    let is_space = |c: u8| c.is_ascii_whitespace() || c == b'/';
    // Skip the tag name.
    let mut j = b.iter().position(|&c| is_space(c))?;
    while j < b.len() {
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        let name_start = j;
        while j < b.len() && !is_space(b[j]) && b[j] != b'=' {
            j += 1;
        }
        let name = body.get(name_start..j).unwrap_or("");
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = None;
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let (value_start, value_end) = match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let s = j + 1;
                    let e = b
                        .get(s..)
                        .and_then(|rest| rest.iter().position(|&c| c == q))
                        .map_or(b.len(), |p| s + p);
                    j = (e + 1).min(b.len());
                    (s, e)
                }
                _ => {
                    let s = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    (s, j)
                }
            };
            value = body.get(value_start..value_end);
        }
        if name.eq_ignore_ascii_case(wanted) {
            return Some(decode_entities(value.unwrap_or("")));
        }
        if name.is_empty() && value.is_none() {
            // No progress possible (e.g. a stray '='); stop.
            j += 1;
        }
    }
    None
}

/// Appends text content, decoding entities; source line breaks and tabs
/// become spaces ('\n' in the output is reserved for element breaks).
fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    for c in decode_entities(raw).chars() {
        out.push(if matches!(c, '\n' | '\r' | '\t') {
            ' '
        } else {
            c
        });
    }
}

/// Decodes numeric character references and the most common named ones;
/// anything else is left as written.
fn decode_entities(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(p) = rest.find('&') {
        out.push_str(rest.get(..p).unwrap_or(""));
        let after = rest.get(p + 1..).unwrap_or("");
        match decode_entity(after) {
            Some((c, used)) => {
                out.push(c);
                rest = after.get(used..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the entity at the start of `s` (just after '&'), returning the
/// character and the number of bytes used including the ';'.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = s.get(..semi)?;
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        }?;
        match char::from_u32(code) {
            Some('\0') | None => '\u{FFFD}',
            Some(c) => c,
        }
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{A0}',
            _ => return None,
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters that must never appear in rendered output.
    fn is_forbidden(c: char) -> bool {
        c.is_control()
            || matches!(
                c,
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}'
            )
    }

    fn assert_clean(r: &Rendered) {
        for line in r.lines.iter().chain(r.links.iter()) {
            assert!(
                !line.chars().any(is_forbidden),
                "forbidden character in {line:?}"
            );
        }
    }

    /// The article part of the output (without the reference list).
    fn body(r: &Rendered) -> &[String] {
        if r.links.is_empty() {
            &r.lines
        } else {
            let n = r.lines.len().saturating_sub(r.links.len() + 1);
            &r.lines[..n]
        }
    }

    fn body_text(r: &Rendered) -> String {
        body(r).join("\n")
    }

    fn index_of(lines: &[String], needle: &str) -> usize {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not found in {lines:#?}"))
    }

    /// Runs `f` on a fresh thread with the default 2 MiB stack.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .expect("spawn test thread")
            .join()
            .expect("render must not panic")
    }

    #[test]
    fn paragraphs_keep_order_and_are_separated_by_blank_lines() {
        let r = render_html(
            "<p>First paragraph.</p><p>Second paragraph.</p><p>Third.</p>",
            80,
        );
        assert_eq!(
            r.lines,
            vec!["First paragraph.", "", "Second paragraph.", "", "Third."]
        );
        assert!(r.links.is_empty());
    }

    #[test]
    fn headings_get_markers() {
        let r = render_html("<h1>Title</h1><p>text</p><h2>Sub</h2><p>more</p>", 80);
        let lines = &r.lines;
        let h1 = index_of(lines, "Title");
        let h2 = index_of(lines, "Sub");
        assert_eq!(lines[h1], "# Title");
        assert_eq!(lines[h2], "## Sub");
        assert!(h1 < index_of(lines, "text"));
        assert!(index_of(lines, "text") < h2);
    }

    #[test]
    fn list_markers() {
        let r = render_html(
            "<ul><li>apple</li><li>pear</li></ul><ol><li>one</li><li>two</li></ol>",
            80,
        );
        let lines = &r.lines;
        assert_eq!(lines[index_of(lines, "apple")], "* apple");
        assert_eq!(lines[index_of(lines, "pear")], "* pear");
        assert_eq!(lines[index_of(lines, "one")], "1. one");
        assert_eq!(lines[index_of(lines, "two")], "2. two");
    }

    #[test]
    fn ordered_list_start_attribute() {
        let r = render_html("<ol start=\"9\"><li>nine</li><li>ten</li></ol>", 80);
        assert!(
            r.lines
                .iter()
                .any(|l| l.starts_with("9.") && l.ends_with("nine"))
        );
        assert!(
            r.lines
                .iter()
                .any(|l| l.starts_with("10.") && l.ends_with("ten"))
        );
    }

    #[test]
    fn hostile_ordered_list_start_does_not_panic() {
        let html = "<ol start=\"9223372036854775807\"><li>a</li><li>b</li><li>c</li></ol>";
        let r = render_html(html, 80);
        assert_clean(&r);
        // Rendered as a list (not the flat fallback), numbering clamped.
        assert!(r.lines.iter().any(|l| l.ends_with(". a")), "{:?}", r.lines);
        assert!(r.lines.iter().any(|l| l.ends_with(". c")), "{:?}", r.lines);
    }

    #[test]
    fn rowspan_below_last_row_does_not_panic() {
        // html2text 0.17.4 panics on this without `defuse_dom`.
        let html = "<table><tr><td colspan=3>wide</td><td rowspan=2>tall</td></tr></table>";
        let r = render_html(html, 80);
        let row = &r.lines[index_of(&r.lines, "wide")];
        assert!(row.contains("tall"), "{:?}", r.lines);
        assert_clean(&r);
        let r = render_html("<table><td colspan=3><td rowspan=2>", 40);
        assert_clean(&r);
    }

    #[test]
    fn blockquote_marker() {
        let r = render_html(
            "<p>Before</p><blockquote><p>Quoted words</p></blockquote>",
            80,
        );
        assert_eq!(r.lines[index_of(&r.lines, "Quoted")], "> Quoted words");
        assert_eq!(r.lines[index_of(&r.lines, "Before")], "Before");
    }

    #[test]
    fn nested_blockquotes_stack_markers() {
        let r = render_html("<blockquote>a<blockquote>b</blockquote></blockquote>", 80);
        assert_eq!(r.lines[index_of(&r.lines, "b")], "> > b");
    }

    #[test]
    fn code_block_keeps_indentation() {
        let html = "<p>Code:</p><pre><code>fn main() {\n    println!(\"hi\");\n        deeper();\n}</code></pre>";
        let r = render_html(html, 80);
        let lines = &r.lines;
        assert_eq!(lines[index_of(lines, "fn main")], "fn main() {");
        assert_eq!(lines[index_of(lines, "println")], "    println!(\"hi\");");
        assert_eq!(lines[index_of(lines, "deeper")], "        deeper();");
        assert_eq!(lines[index_of(lines, "}")], "}");
    }

    #[test]
    fn tabs_in_code_are_expanded() {
        let r = render_html("<pre>a\tb\n\tc &#9;d</pre>", 80);
        assert!(!r.lines.iter().any(|l| l.contains('\t')), "{:?}", r.lines);
        assert_eq!(r.lines[index_of(&r.lines, "a")], "a       b");
        assert!(r.lines[index_of(&r.lines, "c")].starts_with("        c"));
    }

    #[test]
    fn table_cells_are_readable() {
        let html =
            "<table><tr><th>Name</th><th>Score</th></tr><tr><td>Ada</td><td>42</td></tr></table>";
        let r = render_html(html, 80);
        let header = &r.lines[index_of(&r.lines, "Name")];
        assert!(header.contains("Score"), "{:?}", r.lines);
        let row = &r.lines[index_of(&r.lines, "Ada")];
        assert!(row.contains("42"), "{:?}", r.lines);
        assert!(index_of(&r.lines, "Name") < index_of(&r.lines, "Ada"));
        assert_clean(&r);
    }

    #[test]
    fn links_become_numbered_references_listed_at_the_bottom() {
        let html = "<p>See <a href=\"https://example.com/a\">the docs</a> and \
                    <a href=\"https://example.com/b\">the blog</a>.</p><p>End.</p>";
        let r = render_html(html, 80);
        assert_eq!(
            r.links,
            vec!["https://example.com/a", "https://example.com/b"]
        );
        assert_eq!(
            r.lines,
            vec![
                "See the docs[1] and the blog[2].",
                "",
                "End.",
                "",
                "[1] https://example.com/a",
                "[2] https://example.com/b",
            ]
        );
        assert!(!body_text(&r).contains("https://"));
    }

    #[test]
    fn duplicate_url_shares_its_number() {
        let html = "<p><a href=\"https://x.test/1\">one</a> <a href=\"https://x.test/2\">two</a> \
                    <a href=\"https://x.test/1\">again</a></p>";
        let r = render_html(html, 80);
        assert_eq!(r.links, vec!["https://x.test/1", "https://x.test/2"]);
        assert_eq!(body(&r), ["one[1] two[2] again[1]"]);
        assert_eq!(
            r.lines.last().map(String::as_str),
            Some("[2] https://x.test/2")
        );
    }

    #[test]
    fn links_inside_nested_blocks_share_numbering() {
        let html = "<p><a href=\"/a\">top</a></p><ul><li><a href=\"/b\">item</a></li></ul>\
                    <blockquote><a href=\"/a\">quoted</a></blockquote>\
                    <table><tr><td><a href=\"/c\">cell</a></td></tr></table>";
        let r = render_html(html, 80);
        assert_eq!(r.links, vec!["/a", "/b", "/c"]);
        let text = body_text(&r);
        assert!(text.contains("top[1]"), "{text}");
        assert!(text.contains("item[2]"), "{text}");
        assert!(text.contains("quoted[1]"), "{text}");
        assert!(text.contains("cell[3]"), "{text}");
    }

    #[test]
    fn relative_urls_are_kept_as_given() {
        let r = render_html("<a href=\"../post/2?x=1&amp;y=2\">rel</a>", 80);
        assert_eq!(r.links, vec!["../post/2?x=1&y=2"]);
        assert_eq!(r.lines, vec!["rel[1]", "", "[1] ../post/2?x=1&y=2"]);
    }

    #[test]
    fn fragment_empty_and_script_links_get_no_reference() {
        let html = "<p><a href=\"\">empty</a> <a href=\"#top\">frag</a> \
                    <a href=\"javascript:alert(1)\">js</a> <a href=\" JavaScript:alert(1)\">js2</a> \
                    <a href=\"java&#9;script:alert(1)\">js3</a> <a href=\"data:text/html,x\">data</a> \
                    <a>none</a> <a href=\"https://ok.test/\">ok</a></p>";
        let r = render_html(html, 100);
        assert_eq!(r.links, vec!["https://ok.test/"]);
        assert_eq!(body(&r), ["empty frag js js2 js3 data none ok[1]"]);
    }

    #[test]
    fn nested_links_number_correctly() {
        // The parser closes the outer <a> when the inner one opens.
        let html = "<a href=\"/outer\">out <a href=\"/inner\">in</a> tail</a>";
        let r = render_html(html, 80);
        assert_eq!(r.links, vec!["/outer", "/inner"]);
        assert!(body_text(&r).contains("out [1]in[2]") || body_text(&r).contains("out[1]"));
    }

    #[test]
    fn images_show_alt_text_and_are_not_references() {
        let html = "<p>Look: <img src=\"/cat.png\" alt=\"A cat\"> and <img src=\"/x.png\"> \
                    <img src=\"/y.png\" alt=\"\"></p>\
                    <p><a href=\"https://e.test/\"><img src=\"/logo.png\" alt=\"logo\"></a></p>";
        let r = render_html(html, 80);
        let text = body_text(&r);
        assert!(
            text.contains("Look: [image: A cat] and [image] [image]"),
            "{text}"
        );
        assert!(text.contains("[image: logo][1]"), "{text}");
        assert_eq!(r.links, vec!["https://e.test/"]);
        assert!(!text.contains("cat.png"));
    }

    #[test]
    fn strikeout_uses_no_combining_characters() {
        let html = "<p><s>gone</s> <del>deleted</del> <strike>struck</strike> kept</p>";
        let r = render_html(html, 80);
        for line in &r.lines {
            assert!(!line.contains('\u{336}'), "{line:?}");
            assert!(
                !line.chars().any(|c| ('\u{300}'..='\u{36F}').contains(&c)),
                "{line:?}"
            );
        }
        let text = body_text(&r);
        assert!(text.contains("gone"));
        assert!(text.contains("deleted"));
        assert!(text.contains("struck"));
        assert!(text.contains("kept"));
    }

    #[test]
    fn escape_sequences_are_stripped_from_text() {
        let html = "<p>a\x1b[31mred\x1b[0m &#27;[2J &#x1b;]0;title&#7; &#x9b;6n \u{9b}31m \
                    \x1b]52;c;SGVsbG8=\x07 &#0; &#x7f; &#x85; z</p>\
                    <pre>\x1b[1mcode&#27;</pre>";
        let r = render_html(html, 80);
        assert_clean(&r);
        let text = body_text(&r);
        assert!(text.contains("a[31mred[0m"), "{text}");
        assert!(text.contains(" z"), "{text}");
        assert!(text.contains("code"), "{text}");
    }

    #[test]
    fn escape_sequences_are_stripped_from_link_urls() {
        let html = "<a href=\"https://evil.test/\x1b]8;;x\x07&#27;[2J&#x9b;&#x202e;/p\">t</a>";
        let r = render_html(html, 80);
        assert_clean(&r);
        assert_eq!(r.links, vec!["https://evil.test/]8;;x[2J\u{203A}/p"]);
        assert_eq!(
            r.lines.last().map(String::as_str),
            Some("[1] https://evil.test/]8;;x[2J\u{203A}/p")
        );
    }

    #[test]
    fn escape_sequences_are_stripped_from_image_alt() {
        let r = render_html("<img src=\"/i.png\" alt=\"x&#27;[2Jy&#x202e;z\">", 80);
        assert_clean(&r);
        assert_eq!(r.lines, vec!["[image: x[2Jyz]"]);
    }

    #[test]
    fn bidi_controls_are_removed() {
        let html = "<p>abc&#x202e;fed&#x202c; \u{2066}iso\u{2069} &#x200f;&#x200e;&#x61c;end</p>";
        let r = render_html(html, 80);
        assert_clean(&r);
        assert_eq!(r.lines, vec!["abcfed iso end"]);
    }

    #[test]
    fn plain_text_renders_as_its_text() {
        let r = render_html("Just some words.", 80);
        assert_eq!(r.lines, vec!["Just some words."]);
        assert!(r.links.is_empty());

        let r = render_html(
            "Line one\nLine two\r\n\r\nSecond para & 1 < 2 &amp; done",
            80,
        );
        assert_eq!(
            r.lines,
            vec!["Line one", "Line two", "", "Second para & 1 < 2 & done"]
        );
    }

    #[test]
    fn empty_and_whitespace_input() {
        assert_eq!(render_html("", 80), Rendered::default());
        assert_eq!(render_html("   \n\t ", 80), Rendered::default());
        assert_eq!(render_html("<p></p><div> </div>", 80), Rendered::default());
    }

    #[test]
    fn broken_html_still_renders() {
        let r = render_html(
            "<p>unclosed <b>bold <i>both</p><div>after <a href='/x'>link",
            80,
        );
        let text = body_text(&r);
        assert!(text.contains("unclosed bold both"), "{text}");
        assert!(text.contains("after link[1]"), "{text}");
        assert_eq!(r.links, vec!["/x"]);
    }

    #[test]
    fn scripts_and_styles_are_not_shown() {
        let r = render_html(
            "<style>p{color:red}</style><script>alert('x')</script><p>visible</p>",
            80,
        );
        assert_eq!(r.lines, vec!["visible"]);
    }

    #[test]
    fn width_is_respected_for_prose() {
        let words = "The quick brown fox jumps over the lazy dog while an \
                     extraordinarily long-winded narrator keeps talking about \
                     internationalization, 日本語のテキスト, and other things. ";
        let html = format!(
            "<h2>{w}</h2><p>{w}{w}</p><ul><li>{w}</li></ul><blockquote><p>{w}</p></blockquote>\
             <ol><li><p>{w}</p></li></ol><p><a href=\"https://example.com/very/long\">{w}</a></p>",
            w = words
        );
        for width in [0, 20, 21, 33, 47, 80, 120] {
            let r = render_html(&html, width);
            let limit = width.clamp(MIN_WIDTH, MAX_WIDTH);
            assert!(body(&r).len() > 5);
            for line in body(&r) {
                assert!(
                    line.chars().count() <= limit,
                    "width {limit}: {line:?} has {} chars",
                    line.chars().count()
                );
            }
            assert_clean(&r);
        }
    }

    #[test]
    fn width_is_clamped() {
        let long = "word ".repeat(400);
        let r = render_html(&long, 5000);
        assert!(r.lines.iter().all(|l| l.chars().count() <= MAX_WIDTH));
        assert!(r.lines.iter().any(|l| l.chars().count() > 900));
        let r = render_html(&long, 1);
        assert!(r.lines.iter().all(|l| l.chars().count() <= MIN_WIDTH));
    }

    #[test]
    fn deep_div_nesting_returns() {
        let r = on_small_stack(|| {
            let html = format!(
                "{}deep text{}",
                "<div>".repeat(10_000),
                "</div>".repeat(10_000)
            );
            render_html(&html, 80)
        });
        assert!(body_text(&r).contains("deep text"));
        assert_clean(&r);
    }

    #[test]
    fn deep_blockquote_nesting_returns() {
        let r = on_small_stack(|| {
            let html = format!(
                "<p>top <a href=\"/t\">link</a></p>{}deep quote{}",
                "<blockquote>".repeat(5_000),
                "</blockquote>".repeat(5_000)
            );
            render_html(&html, 80)
        });
        let text = body_text(&r);
        assert!(text.contains("deep quote"), "{text}");
        assert!(text.contains("top link[1]"), "{text}");
        assert_eq!(r.links, vec!["/t"]);
        assert!(body(&r).iter().all(|l| l.chars().count() <= 80));
        assert_clean(&r);
    }

    #[test]
    fn deep_list_nesting_returns() {
        let r = on_small_stack(|| {
            let html = format!(
                "{}deep item{}",
                "<ul><li>".repeat(5_000),
                "</li></ul>".repeat(5_000)
            );
            render_html(&html, 80)
        });
        assert!(body_text(&r).contains("deep item"));
        assert!(body(&r).iter().all(|l| l.chars().count() <= 80));
        assert_clean(&r);
    }

    #[test]
    fn moderately_deep_nesting_at_narrow_width_falls_back_gracefully() {
        let html = format!(
            "{}<p>inner words here</p>{}",
            "<blockquote>".repeat(15),
            "</blockquote>".repeat(15)
        );
        let r = render_html(&html, 20);
        assert!(body_text(&r).contains("inner words here"));
        assert!(r.lines.iter().all(|l| l.chars().count() <= 20));
    }

    #[test]
    fn deep_table_nesting_returns() {
        let r = on_small_stack(|| {
            let html = format!(
                "{}cell{}",
                "<table><tr><td>".repeat(2_000),
                "</td></tr></table>".repeat(2_000)
            );
            render_html(&html, 80)
        });
        assert!(body_text(&r).contains("cell"));
        assert_clean(&r);
    }

    #[test]
    fn large_input_returns() {
        let para = "<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit, \
                    <a href=\"https://example.com/x\">sed do</a> eiusmod tempor.</p>\n";
        let html = para.repeat(10 * 1024 * 1024 / para.len() + 1);
        assert!(html.len() >= 10 * 1024 * 1024);
        let r = on_small_stack(move || render_html(&html, 80));
        assert!(r.lines.len() > 10_000);
        assert_eq!(r.links, vec!["https://example.com/x"]);
    }

    #[test]
    fn garbage_input_does_not_panic() {
        let inputs = [
            "<",
            "<<<<>>>>",
            "</",
            "<a href=",
            "<a href=\"",
            "<img",
            "<img alt='x",
            "&",
            "&#",
            "&#x;",
            "&#99999999999;",
            "&#xD800;",
            "<!--",
            "<!-- never closed <p>x",
            "<script>never closed",
            "<table><td colspan=1000000>x</td><td rowspan=999999>y</table>",
            "<ol start=-9223372036854775808><li>a<li>b</ol>",
            "<svg><title>t</title></svg>",
            "<p>\u{FEFF}\u{0}\u{1}\u{7f}</p>",
            "<h7>x</h7><h1><h2><h3>y",
            "<pre>\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tx</pre>",
        ];
        for input in inputs {
            for width in [20, 80] {
                let r = render_html(input, width);
                assert_clean(&r);
                assert!(!r.lines.iter().any(|l| l.contains('\t')));
            }
        }
    }

    #[test]
    fn fallback_strips_tags_and_keeps_links() {
        let html = "<div><p>Hello <b>world</b> &amp; &lt;friends&gt;&#33;</p>\
                    <script>bad()</script><style>.x{}</style><!-- note -->\
                    <ul><li>one</li><li><a href='https://e.test/?a=1&amp;b=2'>two</a></li></ul>\
                    <img src=x alt=\"pic\"><br>line<a href=\"#frag\">f</a>\
                    <a href=\"https://e.test/?a=1&amp;b=2\">again</a></div>";
        let r = render_fallback(html, 80);
        assert_eq!(r.links, vec!["https://e.test/?a=1&b=2"]);
        assert_eq!(
            r.lines,
            vec![
                "Hello world & <friends>!",
                "",
                "* one",
                "* two[1]",
                "",
                "[image: pic]",
                "linefagain[1]",
                "",
                "[1] https://e.test/?a=1&b=2",
            ]
        );
    }

    #[test]
    fn fallback_sanitizes_and_wraps() {
        let html = format!(
            "<p>{}</p><p>\x1b[31m&#27;&#x202e;x {}</p>",
            "word ".repeat(50),
            "a".repeat(70)
        );
        let r = render_fallback(&html, 20);
        assert_clean(&r);
        assert!(
            r.lines.iter().all(|l| l.chars().count() <= 20),
            "{:?}",
            r.lines
        );
        assert!(r.lines.iter().any(|l| l == "[31mx"));
    }

    #[test]
    fn expand_tabs_uses_tab_stops() {
        assert_eq!(expand_tabs("\tx"), "        x");
        assert_eq!(expand_tabs("ab\tc"), "ab      c");
        assert_eq!(expand_tabs("12345678\tz"), "12345678        z");
        assert_eq!(expand_tabs("none"), "none");
    }

    #[test]
    fn reference_target_filtering() {
        assert_eq!(
            reference_target(" https://a.test/x \n"),
            Some("https://a.test/x".into())
        );
        assert_eq!(
            reference_target("mailto:me@x.test"),
            Some("mailto:me@x.test".into())
        );
        assert_eq!(
            reference_target("/path:with:colons"),
            Some("/path:with:colons".into())
        );
        assert_eq!(reference_target(""), None);
        assert_eq!(reference_target("  "), None);
        assert_eq!(reference_target("#x"), None);
        assert_eq!(reference_target("JAVASCRIPT:void(0)"), None);
        assert_eq!(reference_target("vbscript:x"), None);
        assert_eq!(reference_target("data:image/png;base64,AAAA"), None);
        assert_eq!(reference_target("\u{1b}javascript:x"), None);
    }
}
