//! Rendering of untrusted article HTML into wrapped, sanitized plain text.
//!
//! Pipeline of [`render_html`]:
//! 1. Tag-free input is treated as plain text (line breaks and paragraphs
//!    kept); absurdly deep nesting skips straight to the fallback (step 5).
//! 2. html5ever (via html2text) parses the document; [`defuse_dom`] rewrites
//!    the few constructs that make html2text 0.17 panic or loop forever.
//! 3. html2text lays the text out with our [`TextDecorator`]: numbered link
//!    references, `[image: alt]`, `~~` strikeout, markdown-like prefixes.
//! 4. Every line is sanitized (entities such as `&#27;` decode to control
//!    characters inside the parser) and the reference list is appended.
//! 5. If html2text fails (nesting deeper than the width allows) or panics
//!    anyway, a small linear tag stripper produces a flat rendering instead.

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
/// Tab stop used when expanding tabs.
const TAB_STOP: usize = 8;
/// NO-BREAK SPACE, stand-in for whitespace inside `<pre>` (see `harden_pre`).
const NBSP: char = '\u{A0}';

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
    if nesting_exceeds(source, MAX_NESTING) {
        return render_fallback(html, width);
    }
    // `defuse_dom` avoids the html2text panics we know of; any other is
    // caught here (a panic hook still sees it). Everything the closure
    // touches is created per call, so unwinding leaves nothing broken behind.
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
const MAX_COLSPAN: usize = 1000;
/// Most empty cells [`TableFixer`] may add to one document.
const MAX_PLACEHOLDER_CELLS: usize = 50_000;

/// Rewrites the DOM around html2text 0.17 bugs before rendering:
/// - `<ol start>` near `i64::MAX` overflows its item counter (a panic in
///   debug builds);
/// - its `rowspan` support panics (`<table><td colspan=3><td rowspan=2>`)
///   or overflows the width on some tables, so rowspans are replaced by
///   empty cells; `<tfoot>` rows and `<caption>`s, which it drops, are moved
///   where it renders them (see [`TableFixer`]);
/// - whitespace inside `<pre>` loops forever when laid out in a zero-width
///   block (`<table><td><blockquote><pre>\t`); see [`harden_pre`].
///
/// Every walk uses an explicit stack, so deep documents cannot overflow the
/// call stack.
fn defuse_dom(root: &html2text::Handle) {
    // Tables first: fixing them moves nodes around.
    let mut fixer = TableFixer::new();
    for table in descendants_named(root, "table") {
        fixer.fix(&table);
    }
    let mut images = ImageFixer::default();
    let mut stack = vec![Rc::clone(root)];
    while let Some(node) = stack.pop() {
        match local_name(&node) {
            Some("ol") => clamp_ol_start(&node),
            Some("pre") => harden_pre(&node),
            Some("img") => images.fix(&node),
            _ => {}
        }
        if let Ok(children) = node.children.try_borrow() {
            stack.extend(children.iter().cloned());
        }
    }
}

/// True for an image declared 1x1 or smaller: a tracking pixel, not content.
fn is_tracking_pixel(width: Option<&str>, height: Option<&str>) -> bool {
    let tiny = |v: Option<&str>| {
        v.and_then(|v| v.trim().trim_end_matches("px").trim().parse::<u32>().ok())
            .is_some_and(|n| n <= 1)
    };
    tiny(width) || tiny(height)
}

/// Makes html2text show the images a reader would want to know about and
/// skip the rest: it drops every `<img>` without a `src`, so an image with
/// alt text but no usable `src` (lazy loading puts the real one in
/// `data-src`) gets a dummy one, and tracking pixels without alt text lose
/// theirs. The `src` itself is never shown.
#[derive(Default)]
struct ImageFixer {
    /// An `<img src>` whose attribute is cloned when one must be added.
    template: Option<html2text::Handle>,
}

impl ImageFixer {
    fn fix(&mut self, img: &html2text::Handle) {
        let alt = attr_value(img, "alt").unwrap_or_default();
        let has_alt = !alt.trim().is_empty();
        let width = attr_value(img, "width");
        let height = attr_value(img, "height");
        if is_tracking_pixel(width.as_deref(), height.as_deref()) && !has_alt {
            set_attr(img, "src", "");
        } else if has_alt && attr_value(img, "src").is_none_or(|src| src.is_empty()) {
            self.set_src(img, "#");
        }
    }

    fn set_src(&mut self, img: &html2text::Handle, value: &str) {
        if attr_value(img, "src").is_some() {
            set_attr(img, "src", value);
            return;
        }
        if self.template.is_none() {
            self.template = parse_element(&config::plain(), "<img src=x>", "img");
        }
        let Some(html2text::Element {
            attrs: template, ..
        }) = self.template.as_ref().map(|t| &t.data)
        else {
            return;
        };
        let Some(mut attr) = template.try_borrow().ok().and_then(|t| t.first().cloned()) else {
            return;
        };
        attr.value = value.into();
        if let html2text::Element { attrs, .. } = &img.data
            && let Ok(mut attrs) = attrs.try_borrow_mut()
        {
            attrs.push(attr);
        }
    }
}

/// All elements under `root` (inclusive) named `name`, in document order.
fn descendants_named(root: &html2text::Handle, name: &str) -> Vec<html2text::Handle> {
    let mut found = Vec::new();
    let mut stack = vec![Rc::clone(root)];
    while let Some(node) = stack.pop() {
        if local_name(&node) == Some(name) {
            found.push(Rc::clone(&node));
        }
        if let Ok(children) = node.children.try_borrow() {
            stack.extend(children.iter().rev().cloned());
        }
    }
    found
}

/// Clamps `<ol start>` to `±MAX_OL_START` (values html2text would not parse
/// are left alone; it ignores them).
fn clamp_ol_start(ol: &html2text::Handle) {
    let Some(value) = attr_value(ol, "start") else {
        return;
    };
    if let Ok(start) = value.parse::<i128>() {
        let clamped = start.clamp(-MAX_OL_START, MAX_OL_START);
        if clamped != start {
            set_attr(ol, "start", &clamped.to_string());
        }
    }
}

/// A cell spanning down into following rows.
#[derive(Debug, Clone, Copy)]
struct RowSpan {
    /// First column it covers.
    col: usize,
    /// Columns it covers.
    colspan: usize,
    /// Rows below still covered.
    rows_left: usize,
}

/// Rewrites tables into the subset html2text handles well:
/// - every `rowspan` becomes 1 and an empty cell is inserted in each row it
///   covered, so later cells stay in their columns (at most
///   [`MAX_PLACEHOLDER_CELLS`] per document; rowspans end at their row
///   group, as in browsers);
/// - colspans are clamped to `1..=MAX_COLSPAN` (browsers treat 0 as 1);
/// - `<tfoot>` rows move to the end of the last `<thead>`/`<tbody>`;
/// - each `<caption>` becomes a `<div>` just before its table.
struct TableFixer {
    parser: config::Config<html2text::render::PlainDecorator>,
    /// Shared empty cells by colspan (html2text only reads the DOM).
    placeholders: HashMap<usize, html2text::Handle>,
    budget: usize,
}

impl TableFixer {
    fn new() -> Self {
        TableFixer {
            parser: config::plain(),
            placeholders: HashMap::new(),
            budget: MAX_PLACEHOLDER_CELLS,
        }
    }

    fn fix(&mut self, table: &html2text::Handle) {
        self.move_captions(table);
        self.merge_footers(table);
        for section in child_elements(table, &["thead", "tbody"]) {
            self.fix_row_group(&section);
        }
    }

    fn move_captions(&mut self, table: &html2text::Handle) {
        let captions = child_elements(table, &["caption"]);
        if captions.is_empty() {
            return;
        }
        let Some(parent) = table.get_parent() else {
            return;
        };
        for caption in captions {
            if let Some(div) = parse_element(&self.parser, "<div></div>", "div") {
                move_children(&caption, &div);
                insert_before(&parent, table, div);
            }
        }
    }

    fn merge_footers(&mut self, table: &html2text::Handle) {
        let footers = child_elements(table, &["tfoot"]);
        if footers.is_empty() {
            return;
        }
        let target = match child_elements(table, &["thead", "tbody"]).pop() {
            Some(section) => section,
            None => {
                let html = "<table><tbody></tbody></table>";
                let Some(tbody) = parse_element(&self.parser, html, "tbody") else {
                    return;
                };
                append_child(table, Rc::clone(&tbody));
                tbody
            }
        };
        for footer in footers {
            move_children(&footer, &target);
        }
    }

    /// Replaces rowspans in one `<thead>`/`<tbody>` by placeholder cells.
    fn fix_row_group(&mut self, section: &html2text::Handle) {
        let rows = child_elements(section, &["tr"]);
        let mut pending: Vec<RowSpan> = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let rows_below = rows.len() - index - 1;
            if self.budget == 0 {
                pending.clear();
            }
            let Ok(mut children) = row.children.try_borrow_mut() else {
                continue;
            };
            let old = std::mem::take(&mut *children);
            let mut new = Vec::with_capacity(old.len() + pending.len());
            let mut next: Vec<RowSpan> = Vec::new();
            let mut col = 0;
            let mut spans = pending.iter().peekable();
            for child in old {
                if matches!(local_name(&child), Some("td" | "th")) {
                    while let Some(span) = spans.next_if(|span| span.col <= col) {
                        self.place(&mut new, span, &mut col, &mut next);
                    }
                    let colspan = span_attr(&child, "colspan")
                        .unwrap_or(1)
                        .clamp(1, MAX_COLSPAN);
                    if attr_value(&child, "colspan").is_some() {
                        set_attr(&child, "colspan", &colspan.to_string());
                    }
                    if let Some(rowspan) = span_attr(&child, "rowspan") {
                        set_attr(&child, "rowspan", "1");
                        // 0 spans the rest of the row group.
                        let rowspan = if rowspan == 0 {
                            rows_below + 1
                        } else {
                            rowspan.min(rows_below + 1)
                        };
                        if rowspan > 1 && self.budget > 0 {
                            next.push(RowSpan {
                                col,
                                colspan,
                                rows_left: rowspan - 1,
                            });
                        }
                    } else if attr_value(&child, "rowspan").is_some() {
                        set_attr(&child, "rowspan", "1");
                    }
                    col += colspan;
                }
                new.push(child);
            }
            for span in spans {
                if span.col > col {
                    // The row is short: pad up to the spanning cell.
                    let gap = RowSpan {
                        col,
                        colspan: span.col - col,
                        rows_left: 1,
                    };
                    self.place(&mut new, &gap, &mut col, &mut Vec::new());
                }
                self.place(&mut new, span, &mut col, &mut next);
            }
            *children = new;
            next.sort_by_key(|span| span.col);
            pending = next;
        }
    }

    /// Adds a placeholder for `span` to a row being rebuilt, and carries the
    /// span on to the next row if it reaches further.
    fn place(
        &mut self,
        row: &mut Vec<html2text::Handle>,
        span: &RowSpan,
        col: &mut usize,
        next: &mut Vec<RowSpan>,
    ) {
        let Some(cell) = self.placeholder(span.colspan) else {
            return;
        };
        row.push(cell);
        *col += span.colspan;
        if span.rows_left > 1 {
            next.push(RowSpan {
                rows_left: span.rows_left - 1,
                ..*span
            });
        }
    }

    /// An empty cell with the given colspan, or `None` once the budget is
    /// spent.
    fn placeholder(&mut self, colspan: usize) -> Option<html2text::Handle> {
        self.budget = self.budget.checked_sub(1)?;
        if let Some(cell) = self.placeholders.get(&colspan) {
            return Some(Rc::clone(cell));
        }
        let html = format!("<table><tr><td colspan={colspan}></td></tr></table>");
        let cell = parse_element(&self.parser, &html, "td")?;
        self.placeholders.insert(colspan, Rc::clone(&cell));
        Some(cell)
    }
}

/// A span attribute (`colspan`/`rowspan`) parsed as html2text does.
fn span_attr(node: &html2text::Handle, name: &str) -> Option<usize> {
    attr_value(node, name)?.parse().ok()
}

/// The value of attribute `name` of an element.
fn attr_value(node: &html2text::Handle, name: &str) -> Option<String> {
    let html2text::Element { attrs, .. } = &node.data else {
        return None;
    };
    let attrs = attrs.try_borrow().ok()?;
    attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
}

/// Sets the value of an element's existing attribute `name`.
fn set_attr(node: &html2text::Handle, name: &str, value: &str) {
    if let html2text::Element { attrs, .. } = &node.data
        && let Ok(mut attrs) = attrs.try_borrow_mut()
    {
        for a in attrs.iter_mut().filter(|a| &*a.name.local == name) {
            a.value = value.into();
        }
    }
}

/// Moves all children of `from` to the end of `to`.
fn move_children(from: &html2text::Handle, to: &html2text::Handle) {
    let moved = match from.children.try_borrow_mut() {
        Ok(mut children) => std::mem::take(&mut *children),
        Err(_) => return,
    };
    for child in moved {
        append_child(to, child);
    }
}

fn append_child(parent: &html2text::Handle, child: html2text::Handle) {
    if let Ok(mut children) = parent.children.try_borrow_mut() {
        child.parent.set(Some(Rc::downgrade(parent)));
        children.push(child);
    }
}

/// Inserts `node` into `parent`'s children just before `reference`.
fn insert_before(
    parent: &html2text::Handle,
    reference: &html2text::Handle,
    node: html2text::Handle,
) {
    if let Ok(mut children) = parent.children.try_borrow_mut()
        && let Some(index) = children.iter().position(|c| Rc::ptr_eq(c, reference))
    {
        node.parent.set(Some(Rc::downgrade(parent)));
        children.insert(index, node);
    }
}

/// Parses `html` and returns its first element named `name`, detached from
/// the throwaway document (which empties its children when dropped, so this
/// is meant for elements created empty).
fn parse_element(
    parser: &config::Config<html2text::render::PlainDecorator>,
    html: &str,
    name: &str,
) -> Option<html2text::Handle> {
    let dom = parser.parse_html(html.as_bytes()).ok()?;
    descendants_named(&dom.document, name).into_iter().next()
}

/// Replaces every whitespace character other than '\n' in the text inside
/// `pre` with NO-BREAK SPACE (tabs expanded to the next multiple of
/// [`TAB_STOP`]); the output turns them back into spaces.
///
/// html2text's preformatted layout has two loops that never finish at width
/// 0 (tab expansion, and pending whitespace before a word), and a block gets
/// width 0 when its content is estimated to be 0 columns wide, which
/// whitespace-only `<pre>` text is. NO-BREAK SPACE is an ordinary one-column
/// character to html2text, so neither loop is reachable afterwards.
///
/// Text nodes cannot be edited through html2text's API, so each affected
/// one is swapped for a text node parsed from `<pre>\n{hardened}</pre>`.
fn harden_pre(pre: &html2text::Handle) {
    let parser = config::plain();
    let mut column = 0;
    // (parent, index of the next child to visit): document order, iterative.
    let mut stack: Vec<(html2text::Handle, usize)> = vec![(Rc::clone(pre), 0)];
    while let Some((parent, index)) = stack.pop() {
        let Some(child) = parent
            .children
            .try_borrow()
            .ok()
            .and_then(|children| children.get(index).cloned())
        else {
            continue;
        };
        stack.push((Rc::clone(&parent), index + 1));
        match &child.data {
            html2text::Element { .. } => stack.push((child, 0)),
            html2text::Comment { .. } | html2text::Document => {}
            _ => {
                let Some(text) = node_text(&child) else {
                    continue;
                };
                let Some(hardened) = harden_pre_text(&text, &mut column) else {
                    continue;
                };
                let Some(replacement) = parse_pre_text(&parser, &hardened) else {
                    continue;
                };
                if let Ok(mut children) = parent.children.try_borrow_mut()
                    && let Some(slot) = children.get_mut(index)
                {
                    replacement.parent.set(Some(Rc::downgrade(&parent)));
                    *slot = replacement;
                }
            }
        }
    }
}

/// The text of a text node (serialized by html5ever, then unescaped).
fn node_text(node: &html2text::Handle) -> Option<String> {
    let mut buf = Vec::new();
    node.serialize(&mut buf).ok()?;
    Some(decode_entities(&String::from_utf8_lossy(&buf)))
}

/// `text` with whitespace other than '\n' replaced by NO-BREAK SPACE, or
/// `None` if there is none. `column` carries the position in the current
/// line across text nodes, for tab stops.
fn harden_pre_text(text: &str, column: &mut usize) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut changed = false;
    for c in text.chars() {
        match c {
            '\n' => {
                out.push('\n');
                *column = 0;
            }
            '\t' => {
                let n = TAB_STOP - *column % TAB_STOP;
                out.extend(std::iter::repeat_n(NBSP, n));
                *column += n;
                changed = true;
            }
            c if c.is_whitespace() && c != NBSP => {
                out.push(NBSP);
                *column += 1;
                changed = true;
            }
            c => {
                out.push(c);
                *column += 1;
            }
        }
    }
    changed.then_some(out)
}

/// Parses `text` as the content of a `<pre>` and returns its text node.
fn parse_pre_text(
    parser: &config::Config<html2text::render::PlainDecorator>,
    text: &str,
) -> Option<html2text::Handle> {
    let mut html = String::with_capacity(text.len() + 16);
    // The parser drops one newline right after `<pre>`.
    html.push_str("<pre>\n");
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            c => html.push(c),
        }
    }
    html.push_str("</pre>");
    let dom = parser.parse_html(html.as_bytes()).ok()?;
    let pre = descendants_named(&dom.document, "pre").into_iter().next()?;
    let children = pre.children.try_borrow().ok()?;
    match children.as_slice() {
        [text] if local_name(text).is_none() => Some(Rc::clone(text)),
        _ => None,
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

    Some(assemble(output_lines(&text), links))
}

/// Splits html2text output into sanitized lines: NO-BREAK SPACEs (see
/// [`harden_pre`]) become spaces, tabs are expanded and trailing whitespace
/// is dropped. Lines are not re-wrapped: html2text measures display width,
/// which a character count would get wrong for combining marks (Thai,
/// Arabic, ...), so it is trusted on width.
fn output_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for raw in text.split('\n') {
        for line in clean_text(&raw.replace(NBSP, " ")).split('\n') {
            lines.push(expand_tabs(line.trim_end()));
        }
    }
    lines
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
/// turned into line breaks, link references kept.
fn render_fallback(html: &str, width: usize) -> Rendered {
    let (text, links) = strip_tags(html);
    // Paragraphs of single-spaced, sanitized lines.
    let mut paragraphs: Vec<Vec<String>> = Vec::new();
    let mut in_paragraph = false;
    for raw in text.split('\n') {
        let line = clean_line(raw);
        if line == "*" {
            // A list item without text of its own (e.g. one holding a
            // nested list).
            continue;
        }
        if line.is_empty() {
            in_paragraph = false;
        } else if in_paragraph {
            if let Some(paragraph) = paragraphs.last_mut() {
                paragraph.push(line);
            }
        } else {
            paragraphs.push(vec![line]);
            in_paragraph = true;
        }
    }
    let body = wrap_flat_with_html2text(&paragraphs, width)
        .unwrap_or_else(|| wrap_flat_by_chars(&paragraphs, width));
    assemble(body, links)
}

/// Wraps flat paragraphs with html2text, which measures display width
/// (wide CJK characters, combining marks). Flat `<p>`/`<br>` markup has no
/// nesting, so this does not fail at sane widths; `None` if it does anyway.
fn wrap_flat_with_html2text(paragraphs: &[Vec<String>], width: usize) -> Option<Vec<String>> {
    let mut html = String::new();
    for paragraph in paragraphs {
        html.push_str("<p>");
        for (i, line) in paragraph.iter().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            for c in line.chars() {
                match c {
                    '&' => html.push_str("&amp;"),
                    '<' => html.push_str("&lt;"),
                    '>' => html.push_str("&gt;"),
                    c => html.push(c),
                }
            }
        }
        html.push_str("</p>\n");
    }
    if html.is_empty() {
        return Some(Vec::new());
    }
    let text = catch_unwind(AssertUnwindSafe(|| {
        config::plain_no_decorate().string_from_read(html.as_bytes(), width)
    }))
    .ok()?
    .ok()?;
    Some(output_lines(&text))
}

/// Last-resort wrapping of flat paragraphs, counting chars as columns.
fn wrap_flat_by_chars(paragraphs: &[Vec<String>], width: usize) -> Vec<String> {
    let mut body = Vec::new();
    for paragraph in paragraphs {
        if !body.is_empty() {
            body.push(String::new());
        }
        for line in paragraph {
            wrap_into(&mut body, line, width);
        }
    }
    body
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
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len().min(1 << 20));
    let mut registry = LinkRegistry::default();
    let mut pos = 0;
    while let Some(tag) = next_tag(html, &lower, pos) {
        push_text(&mut out, html.get(pos..tag.start).unwrap_or(""));
        pos = tag.end;
        match tag.name.as_str() {
            "a" if tag.closing => {
                if let Some(Some(n)) = registry.open.pop() {
                    out.push_str(&format!("[{n}]"));
                }
            }
            "a" => {
                let number = tag_attr(tag.body, "href").and_then(|href| registry.register(&href));
                registry.open.push(number);
            }
            "img" if !tag.closing => {
                let attr = |name| tag_attr(tag.body, name);
                let alt = clean_line(&attr("alt").unwrap_or_default());
                let has_src = attr("src").is_some_and(|src| !src.is_empty());
                let pixel = is_tracking_pixel(attr("width").as_deref(), attr("height").as_deref());
                if !(pixel && alt.is_empty()) && (has_src || !alt.is_empty()) {
                    out.push_str(&image_label(&alt));
                }
            }
            "li" if !tag.closing => out.push_str("\n* "),
            "td" | "th" => out.push(' '),
            n if PARAGRAPH_ELEMENTS.contains(&n) => out.push_str("\n\n"),
            n if LINE_ELEMENTS.contains(&n) => out.push('\n'),
            n if !tag.closing && RAW_TEXT_ELEMENTS.contains(&n) => {
                pos = skip_past_end_tag(html, &lower, n, pos);
            }
            _ => {}
        }
    }
    push_text(&mut out, html.get(pos..).unwrap_or(""));
    (out, registry.links)
}

/// Estimated element nesting above which html2text is skipped: html5ever's
/// tree builder takes time quadratic in the nesting depth (1M nested
/// `<div>`s would take hours), and html2text cannot lay out deep nesting in
/// a terminal's width anyway.
const MAX_NESTING: usize = 10_000;

/// Elements that never have content.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
];

/// Elements whose end tag may be omitted; an unclosed one is implicitly
/// closed by its next sibling, so they are not counted as nesting.
const OPTIONAL_END_ELEMENTS: &[&str] = &[
    "html", "head", "body", "p", "li", "dt", "dd", "rb", "rt", "rtc", "rp", "optgroup", "option",
    "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption",
];

/// Elements whose content is not parsed as markup.
const RAW_TEXT_PARSED_ELEMENTS: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// Rough, linear-time check whether elements in `html` nest deeper than
/// `limit`, following the parser's main rules: void elements and elements
/// with optional end tags do not nest, "/>" only self-closes inside
/// `<svg>`/`<math>`, raw-text element content is skipped.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let lower = html.to_ascii_lowercase();
    let mut depth = 0usize;
    let mut foreign = 0usize;
    let mut pos = 0;
    while let Some(tag) = next_tag(html, &lower, pos) {
        pos = tag.end;
        let name = tag.name.as_str();
        if name.is_empty() || VOID_ELEMENTS.contains(&name) || OPTIONAL_END_ELEMENTS.contains(&name)
        {
            continue;
        }
        let is_foreign_root = name == "svg" || name == "math";
        if tag.closing {
            depth = depth.saturating_sub(1);
            if is_foreign_root {
                foreign = foreign.saturating_sub(1);
            }
            continue;
        }
        if tag.body.trim_end().ends_with('/') && (foreign > 0 || is_foreign_root) {
            continue;
        }
        if name == "plaintext" {
            return false;
        }
        if RAW_TEXT_PARSED_ELEMENTS.contains(&name) {
            pos = skip_past_end_tag(html, &lower, name, pos);
            continue;
        }
        if is_foreign_root {
            foreign += 1;
        }
        depth += 1;
        if depth > limit {
            return true;
        }
    }
    false
}

/// A tag (or comment) found by [`next_tag`].
struct RawTag<'a> {
    /// Byte offset of its '<'.
    start: usize,
    /// Byte offset just past it.
    end: usize,
    /// The text between '<' and '>' (empty for comments).
    body: &'a str,
    /// Lowercase element name; empty for comments, doctypes and the like.
    name: String,
    /// True for end tags.
    closing: bool,
}

/// Finds the next tag or comment at or after byte offset `from`. `lower` is
/// `html` lowercased (ASCII lowercasing keeps offsets and char boundaries).
fn next_tag<'a>(html: &'a str, lower: &str, from: usize) -> Option<RawTag<'a>> {
    let bytes = html.as_bytes();
    let mut i = from;
    loop {
        let start = i + bytes.get(i..)?.iter().position(|&b| b == b'<')?;
        let starts_tag = bytes
            .get(start + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'));
        if !starts_tag {
            i = start + 1;
            continue;
        }
        if lower
            .get(start..)
            .is_some_and(|rest| rest.starts_with("<!--"))
        {
            let end = lower
                .get(start + 4..)
                .and_then(|rest| rest.find("-->"))
                .map_or(bytes.len(), |p| start + 4 + p + 3);
            return Some(RawTag {
                start,
                end,
                body: "",
                name: String::new(),
                closing: false,
            });
        }
        let (body_end, end) = find_tag_end(bytes, start + 1);
        let body = html.get(start + 1..body_end).unwrap_or("");
        let closing = body.starts_with('/');
        let name = if body.starts_with(['!', '?']) {
            String::new()
        } else {
            let name_part = body.trim_start_matches('/');
            let name_len = name_part
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
                .count();
            name_part.get(..name_len).unwrap_or("").to_ascii_lowercase()
        };
        return Some(RawTag {
            start,
            end,
            body,
            name,
            closing,
        });
    }
}

/// Byte offset just past the end tag `</name ...>` at or after `from`, or
/// the end of input if there is none.
fn skip_past_end_tag(html: &str, lower: &str, name: &str, from: usize) -> usize {
    let close = format!("</{name}");
    match lower.get(from..).and_then(|rest| rest.find(&close)) {
        Some(p) => find_tag_end(html.as_bytes(), from + p + 1).1,
        None => html.len(),
    }
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

    /// Renders on another thread and fails, instead of hanging, if
    /// `render_html` does not return in time.
    fn render_with_deadline(html: &str, width: usize) -> Rendered {
        let (tx, rx) = std::sync::mpsc::channel();
        let html = html.to_string();
        std::thread::spawn(move || {
            let _ = tx.send(render_html(&html, width));
        });
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("render_html hung"))
    }

    #[test]
    fn pre_whitespace_in_zero_width_block_does_not_hang() {
        // Each of these makes html2text 0.17.4 loop forever on its own.
        let deep_quote = format!(
            "{}<pre>\t</pre>{}",
            "<blockquote>".repeat(10),
            "</blockquote>".repeat(10)
        );
        let inputs = [
            "<table><td><blockquote><pre>\t</pre></td></table>",
            "<table><td colspan=3><blockquote><pre>\t",
            "<table><td><blockquote><pre>&#9;</pre></td></table>",
            "<table><td><blockquote><pre>  \u{301}</pre></blockquote></td></table>",
            "<table><td><ul><li><pre> \t <b>\t</b>\n\t</pre></li></ul></td></table>",
            deep_quote.as_str(),
        ];
        for html in inputs {
            for width in [20, 80] {
                let r = render_with_deadline(html, width);
                assert_clean(&r);
            }
        }
    }

    #[test]
    fn pre_hardening_keeps_text_and_alignment() {
        let html = "<pre>a &amp; b &lt;c&gt;\n\t<b>x\ty</b>\n  &#9;z&nbsp;w</pre>";
        let r = render_html(html, 80);
        assert_eq!(
            r.lines,
            vec!["a & b <c>", "        x       y", "        z w"]
        );
    }

    /// Char column of `needle` in the line containing it.
    fn column_of(lines: &[String], needle: &str) -> usize {
        let line = &lines[index_of(lines, needle)];
        line.find(needle)
            .map_or(usize::MAX, |byte| line[..byte].chars().count())
    }

    #[test]
    fn rowspan_keeps_later_cells_in_their_columns() {
        let html = "<table><tr><th>A</th><th>B</th><th>C</th></tr>\
                    <tr><td rowspan=2>a1</td><td>b1</td><td>c1</td></tr>\
                    <tr><td>b2</td><td>c2</td></tr>\
                    <tr><td>a3</td><td rowspan=0>b3</td><td>c3</td></tr>\
                    <tr><td>a4</td><td>c4</td></tr></table>";
        let r = render_html(html, 80);
        let lines = &r.lines;
        assert_eq!(column_of(lines, "b1"), column_of(lines, "B"), "{lines:#?}");
        assert_eq!(column_of(lines, "b2"), column_of(lines, "b1"), "{lines:#?}");
        assert_eq!(column_of(lines, "c2"), column_of(lines, "c1"), "{lines:#?}");
        assert_eq!(column_of(lines, "a3"), column_of(lines, "a1"), "{lines:#?}");
        assert_eq!(column_of(lines, "a4"), column_of(lines, "a3"), "{lines:#?}");
        assert_eq!(column_of(lines, "c4"), column_of(lines, "c3"), "{lines:#?}");
        assert_clean(&r);
    }

    #[test]
    fn table_footers_and_captions_are_shown() {
        let html = "<table><caption>The caption</caption><thead><tr><th>Head</th></tr></thead>\
                    <tfoot><tr><td>Foot</td></tr></tfoot><tbody><tr><td>Body</td></tr></tbody>\
                    </table><p>after</p>";
        let r = render_html(html, 80);
        let lines = &r.lines;
        let caption = index_of(lines, "The caption");
        assert!(caption < index_of(lines, "Head"), "{lines:#?}");
        assert!(
            index_of(lines, "Head") < index_of(lines, "Body"),
            "{lines:#?}"
        );
        assert!(
            index_of(lines, "Body") < index_of(lines, "Foot"),
            "{lines:#?}"
        );
        assert!(
            index_of(lines, "Foot") < index_of(lines, "after"),
            "{lines:#?}"
        );

        let r = render_html(
            "<table><tfoot><tr><td>only foot</td></tr></tfoot></table>",
            80,
        );
        assert!(body_text(&r).contains("only foot"), "{:?}", r.lines);
    }

    #[test]
    fn hostile_rowspans_are_bounded() {
        let html = format!(
            "<table><tr>{}</tr>{}</table>",
            "<td rowspan=65534>x</td>".repeat(2_000),
            "<tr></tr>".repeat(2_000)
        );
        let r = render_with_deadline(&html, 80);
        assert!(body_text(&r).contains('x'));
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
        assert_eq!(body(&r), ["out [1]in[2] tail"]);
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
    fn images_without_src_and_tracking_pixels() {
        let html = "<p>a <img data-src=\"/lazy.png\" alt=\"Lazy chart\"> \
                    b <img src=\"\" alt=\"Empty src\"> \
                    c <img data-src=\"/x.png\"> \
                    d <img src=\"https://t.test/pixel.gif\" width=\"1\" height=\"1\"> \
                    e <img src=\"/p.gif\" width=\"1px\" height=\"1px\" alt=\"Logo\"> \
                    f <img src=\"/big.png\" width=\"640\" height=\"480\"> g</p>";
        let expected = "a [image: Lazy chart] b [image: Empty src] c d e [image: Logo] f [image] g";
        let r = render_html(html, 120);
        assert_eq!(body_text(&r), expected);
        // The fallback stripper makes the same choices.
        assert_eq!(render_fallback(html, 120).lines, vec![expected]);
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
        // html2text treats <s>/<del> as strikeout (marked with ~~ here) and
        // renders the obsolete <strike> as plain text.
        assert_eq!(body_text(&r), "~~gone~~ ~~deleted~~ struck kept");
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
    fn fallback_measures_display_width() {
        let html = format!(
            "{}<p>{}</p>{}",
            "<blockquote>".repeat(100),
            "日本語のテキスト ".repeat(20),
            "</blockquote>".repeat(100)
        );
        let r = render_html(&html, 30);
        assert!(body_text(&r).contains("日本語のテキスト"));
        // Wide characters take two columns: at most 15 of them per line.
        for line in &r.lines {
            let columns: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            assert!(columns <= 30, "{line:?}");
        }
    }

    #[test]
    fn char_wrapper_splits_long_words() {
        let paragraphs = vec![
            vec!["aaa bbb ccc".to_string(), "x".repeat(25)],
            vec!["next".to_string()],
        ];
        assert_eq!(
            wrap_flat_by_chars(&paragraphs, 10),
            vec![
                "aaa bbb",
                "ccc",
                "xxxxxxxxxx",
                "xxxxxxxxxx",
                "xxxxx",
                "",
                "next"
            ]
        );
    }

    #[test]
    fn nesting_estimate_follows_parser_rules() {
        let div = "<div>".repeat(20);
        assert!(nesting_exceeds(&div, 10));
        assert!(!nesting_exceeds(&div, 20));
        assert!(!nesting_exceeds(
            &format!("{div}{}", "</div>".repeat(20)),
            20
        ));
        assert!(nesting_exceeds(&"<div/>".repeat(20), 10));
        assert!(nesting_exceeds(&"<ul><li>".repeat(20), 10));
        assert!(nesting_exceeds(&"<B>".repeat(20), 10));
        assert!(!nesting_exceeds(&"<div></div>".repeat(100), 10));
        assert!(!nesting_exceeds(&"<p>x".repeat(100), 10));
        assert!(!nesting_exceeds(&"<li>x".repeat(100), 10));
        assert!(!nesting_exceeds(&"<br><img src=x><hr>".repeat(100), 10));
        assert!(!nesting_exceeds(
            &format!("<svg>{}</svg>", "<path d='M0 0'/>".repeat(100)),
            10
        ));
        assert!(!nesting_exceeds(
            &format!("<script>{}</script>", "<div>".repeat(100)),
            10
        ));
        assert!(!nesting_exceeds(
            &format!("<!-- {} -->", "<div>".repeat(100)),
            10
        ));
        assert!(!nesting_exceeds("a < b <<< c", 0));
    }

    #[test]
    fn huge_nesting_returns_quickly() {
        let r = render_with_deadline(
            &format!(
                "{}deep{}",
                "<div>".repeat(1_000_000),
                "</div>".repeat(1_000_000)
            ),
            80,
        );
        assert!(r.lines == ["deep"], "{} lines", r.lines.len());
        let r = render_with_deadline(&format!("{}item", "<ul><li>".repeat(300_000)), 80);
        assert!(r.lines == ["* item"], "{} lines", r.lines.len());
        let r = render_with_deadline(&format!("{}q", "<blockquote>".repeat(300_000)), 80);
        assert!(r.lines == ["q"], "{} lines", r.lines.len());
    }

    #[test]
    fn output_lines_are_sanitized() {
        let text = "short  \n\ttab\u{A0}x \x1b[1m\u{202E}\r\nnext\u{85}";
        assert_eq!(
            output_lines(text),
            vec!["short", "        tab x [1m", "", "next"]
        );
    }

    #[test]
    fn combining_marks_do_not_count_as_columns() {
        // Thai with tone marks: more chars than columns.
        let thai = "ภาษาไทยที่มีวรรณยุกต์ ".repeat(10);
        let r = render_html(&format!("<p>{thai}</p>"), 40);
        assert!(r.lines.len() >= 3, "{:?}", r.lines);
        // Whole words only, and lines may hold more than 40 chars as long
        // as they fit in 40 columns.
        for line in &r.lines {
            assert!(line.split(' ').all(|w| w == "ภาษาไทยที่มีวรรณยุกต์"), "{line:?}");
        }
        assert!(
            r.lines.iter().any(|l| l.chars().count() > 40),
            "{:?}",
            r.lines
        );
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
