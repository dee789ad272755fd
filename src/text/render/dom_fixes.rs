//! Rewrites of the parsed document around html2text 0.17's bugs (hangs on `<pre>` whitespace in
//! zero-width blocks, panics on some rowspans and huge `<ol start>`), before it renders.

use super::*;

/// Largest `<ol start>` magnitude passed to html2text.
pub(super) const MAX_OL_START: i128 = 1_000_000_000;
/// Largest colspan passed to html2text (the HTML spec's limit).
pub(super) const MAX_COLSPAN: usize = 1000;
/// Most empty cells [`TableFixer`] may add to one document.
pub(super) const MAX_PLACEHOLDER_CELLS: usize = 50_000;

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
pub(super) fn defuse_dom(root: &html2text::Handle) -> ImageSizes {
    // Tables first: fixing them moves nodes around.
    let mut fixer = TableFixer::new();
    for table in descendants_named(root, "table") {
        fixer.fix(&table);
    }
    let mut images = ImageFixer::default();
    let mut sizes = ImageSizes::new();
    let mut stack = vec![Rc::clone(root)];
    while let Some(node) = stack.pop() {
        match local_name(&node) {
            Some("ol") => clamp_ol_start(&node),
            Some("pre") => harden_pre(&node),
            Some("img") => {
                images.fix(&node);
                note_size(&node, &mut sizes);
            }
            _ => {}
        }
        if let Ok(children) = node.children.try_borrow() {
            stack.extend(children.iter().cloned());
        }
    }
    sizes
}

/// The pixel sizes images declare (`width` and `height` attributes), by `src`.
pub(super) type ImageSizes = std::collections::HashMap<String, (u32, u32)>;

fn note_size(img: &html2text::Handle, sizes: &mut ImageSizes) {
    let px = |name| {
        attr_value(img, name)
            .and_then(|v| v.trim().trim_end_matches("px").trim().parse::<u32>().ok())
            .filter(|&n| n > 0)
    };
    if sizes.len() < 1024
        && let (Some(src), Some(w), Some(h)) = (attr_value(img, "src"), px("width"), px("height"))
    {
        sizes.insert(src.trim().to_string(), (w, h));
    }
}

/// True for an image declared 1x1 or smaller: a tracking pixel, not content.
pub(super) fn is_tracking_pixel(width: Option<&str>, height: Option<&str>) -> bool {
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
pub(super) struct ImageFixer {
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
pub(super) fn descendants_named(root: &html2text::Handle, name: &str) -> Vec<html2text::Handle> {
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
pub(super) fn clamp_ol_start(ol: &html2text::Handle) {
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
pub(super) struct RowSpan {
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
pub(super) struct TableFixer {
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
pub(super) fn span_attr(node: &html2text::Handle, name: &str) -> Option<usize> {
    attr_value(node, name)?.parse().ok()
}

/// The value of attribute `name` of an element.
pub(super) fn attr_value(node: &html2text::Handle, name: &str) -> Option<String> {
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
pub(super) fn set_attr(node: &html2text::Handle, name: &str, value: &str) {
    if let html2text::Element { attrs, .. } = &node.data
        && let Ok(mut attrs) = attrs.try_borrow_mut()
    {
        for a in attrs.iter_mut().filter(|a| &*a.name.local == name) {
            a.value = value.into();
        }
    }
}

/// Moves all children of `from` to the end of `to`.
pub(super) fn move_children(from: &html2text::Handle, to: &html2text::Handle) {
    let moved = match from.children.try_borrow_mut() {
        Ok(mut children) => std::mem::take(&mut *children),
        Err(_) => return,
    };
    for child in moved {
        append_child(to, child);
    }
}

pub(super) fn append_child(parent: &html2text::Handle, child: html2text::Handle) {
    if let Ok(mut children) = parent.children.try_borrow_mut() {
        child.parent.set(Some(Rc::downgrade(parent)));
        children.push(child);
    }
}

/// Inserts `node` into `parent`'s children just before `reference`.
pub(super) fn insert_before(
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
pub(super) fn parse_element(
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
pub(super) fn harden_pre(pre: &html2text::Handle) {
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
pub(super) fn node_text(node: &html2text::Handle) -> Option<String> {
    let mut buf = Vec::new();
    node.serialize(&mut buf).ok()?;
    Some(decode_entities(&String::from_utf8_lossy(&buf)))
}

/// `text` with whitespace other than '\n' replaced by NO-BREAK SPACE, or
/// `None` if there is none. `column` carries the position in the current
/// line across text nodes, for tab stops.
pub(super) fn harden_pre_text(text: &str, column: &mut usize) -> Option<String> {
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
pub(super) fn parse_pre_text(
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
pub(super) fn local_name(node: &html2text::Handle) -> Option<&str> {
    match &node.data {
        html2text::Element { name, .. } => Some(&*name.local),
        _ => None,
    }
}

/// Child elements of `node` whose local name is in `names`.
pub(super) fn child_elements(node: &html2text::Handle, names: &[&str]) -> Vec<html2text::Handle> {
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
