//! Rendering of untrusted article HTML into wrapped, sanitized plain text.
//!
//! Pipeline of [`render_html`]:
//! 1. Tag-free input is treated as plain text (line breaks and paragraphs
//!    kept); HTML is first bounded by [`cap_html`] (attributes per element,
//!    attribute sizes, element count; see [`super::cap`]); absurdly deep
//!    nesting skips straight to the fallback (step 5).
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

use super::cap::cap_html;
use super::sanitize::{clean_line, clean_text};

/// Narrowest width we render at.
const MIN_WIDTH: usize = 20;
/// Widest width we render at.
const MAX_WIDTH: usize = 1000;
/// Tab stop used when expanding tabs.
const TAB_STOP: usize = 8;
/// NO-BREAK SPACE, stand-in for whitespace inside `<pre>` (see `harden_pre`).
const NBSP: char = '\u{A0}';

mod dom_fixes;
mod fallback;
mod layout;

use dom_fixes::{defuse_dom, is_tracking_pixel};
use fallback::{MAX_NESTING, decode_entities, nesting_exceeds, render_fallback};

/// An article rendered for the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The article text wrapped to `width`, then (if there are links) an empty line and one line per link reference: "[1] https://example.com/a". Every line already sanitized with clean_text rules (no control characters at all, no tabs: expand tabs to spaces).
    pub lines: Vec<String>,
    /// The link targets in reference order; links[0] is reference [1].
    pub links: Vec<String>,
    /// The emphasised stretches of each line (`styles[i]` belongs to `lines[i]`; missing or empty
    /// for plain lines). Byte ranges, always on character boundaries.
    pub styles: Vec<Vec<StyledRange>>,
    /// The article's http(s) images: the line its `[image: alt]` caption starts on, its URL, and
    /// the size in pixels its `width` and `height` attributes declare.
    pub images: Vec<ImageAt>,
}

/// An image in rendered text: its caption's line, its URL, and its declared size in pixels.
pub type ImageAt = (usize, String, Option<(u32, u32)>);

/// How a stretch of article text is emphasised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    pub strong: bool,
    pub emphasis: bool,
    pub code: bool,
    pub link: bool,
}

/// Bytes `start..end` of a line, drawn in `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StyledRange {
    pub start: usize,
    pub end: usize,
    pub style: TextStyle,
}

/// What the decorator marks; folded into a [`TextStyle`] per piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mark {
    #[default]
    Plain,
    Strong,
    Emphasis,
    Code,
    /// A preformatted line that html2text wrapped (see `layout`).
    CodeContinued,
    Link,
}

impl TextStyle {
    fn from_marks(marks: &[Mark]) -> TextStyle {
        let mut style = TextStyle::default();
        for mark in marks {
            match mark {
                Mark::Plain => {}
                Mark::Strong => style.strong = true,
                Mark::Emphasis => style.emphasis = true,
                Mark::Code | Mark::CodeContinued => style.code = true,
                Mark::Link => style.link = true,
            }
        }
        style
    }
}

/// Renders article HTML (untrusted, possibly plain text, possibly broken) at `width` columns (clamp width to at least 20 and at most 1000).
pub fn render_html(html: &str, width: usize) -> Rendered {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let capped;
    let plain;
    // What the fallback strips: the (capped) HTML, or the plain text as given.
    let (source, raw) = if looks_like_html(html) {
        capped = renamed_elements(cap_html(html));
        (&*capped, &*capped)
    } else {
        plain = plain_text_to_html(html);
        (plain.as_str(), html)
    };
    if nesting_exceeds(source, MAX_NESTING) {
        return render_fallback(raw, width);
    }
    // `defuse_dom` avoids the html2text panics we know of; any other is
    // caught here (a panic hook still sees it). Everything the closure
    // touches is created per call, so unwinding leaves nothing broken behind.
    match catch_unwind(AssertUnwindSafe(|| render_with_html2text(source, width))) {
        Ok(Some(rendered)) => rendered,
        Ok(None) | Err(_) => render_fallback(raw, width),
    }
}

/// Elements renamed before parsing, in one pass over the tags' names (attributes and everything
/// else are left as they are):
/// - `<figure>` and `<figcaption>`, which html2text lays out inline (so consecutive figures and
///   their captions run into one paragraph), become `<div>` and `<p>`: blocks of their own;
/// - `<iframe>`, `<noembed>` and `<noframes>`, whose content HTML parses as raw text, become
///   `<div>`: feeds write `<iframe … />` as if it closed itself (it does not, and the rest of the
///   article would show as markup), and what sits inside one is meant to be read as HTML.
fn renamed_elements(html: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    const RENAMES: [(&str, &str); 5] = [
        ("figcaption", "p"),
        ("figure", "div"),
        ("iframe", "div"),
        ("noembed", "div"),
        ("noframes", "div"),
    ];
    let lower_has = |needle: &str| {
        html.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if !RENAMES.iter().any(|(name, _)| lower_has(name)) {
        return html;
    }
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'/'));
            for (name, with) in RENAMES {
                let end = start + name.len();
                let matches = bytes
                    .get(start..end)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                    && bytes
                        .get(end)
                        .is_none_or(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace());
                if matches {
                    out.push_str(&html[copied..start]);
                    out.push_str(with);
                    copied = end;
                    i = end;
                    break;
                }
            }
        }
        i += 1;
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
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
    /// The http(s) images' URLs, in the order their marks were handed out.
    images: Vec<String>,
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

/// The first of the characters that mark where an image's caption starts (the image's number is
/// added to it); removed again after layout (see [`take_image_marks`]).
const IMAGE_MARK: u32 = 0xF0000;
/// At most this many images of an article are marked.
const MAX_IMAGES: usize = 256;

impl TextDecorator for RefDecorator {
    type Annotation = Mark;

    fn decorate_link_start(&mut self, url: &str) -> (String, Self::Annotation) {
        let mut mark = Mark::Plain;
        if let Ok(mut registry) = self.links.try_borrow_mut() {
            let number = registry.register(url);
            if number.is_some() {
                mark = Mark::Link;
            }
            registry.open.push(number);
        }
        (String::new(), mark)
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
        (String::new(), Mark::Emphasis)
    }

    fn decorate_em_end(&self) -> String {
        String::new()
    }

    fn decorate_strong_start(&self) -> (String, Self::Annotation) {
        (String::new(), Mark::Strong)
    }

    fn decorate_strong_end(&self) -> String {
        String::new()
    }

    fn decorate_strikeout_start(&self) -> (String, Self::Annotation) {
        ("~~".to_string(), Mark::Plain)
    }

    fn decorate_strikeout_end(&self) -> String {
        "~~".to_string()
    }

    fn decorate_code_start(&self) -> (String, Self::Annotation) {
        (String::new(), Mark::Code)
    }

    fn decorate_code_end(&self) -> String {
        String::new()
    }

    fn decorate_preformat_first(&self) -> Self::Annotation {
        Mark::Code
    }

    fn decorate_preformat_cont(&self) -> Self::Annotation {
        Mark::CodeContinued
    }

    fn decorate_image(&mut self, src: &str, title: &str) -> (String, Self::Annotation) {
        let label = image_label(title);
        let src = clean_line(src.trim());
        let http = src.starts_with("http://") || src.starts_with("https://");
        if http
            && label.starts_with('[')
            && let Ok(mut registry) = self.links.try_borrow_mut()
            && registry.images.len() < MAX_IMAGES
            && let Some(mark) = char::from_u32(IMAGE_MARK + registry.images.len() as u32)
        {
            registry.images.push(src);
            return (format!("{mark}{label}"), Mark::Plain);
        }
        (label, Mark::Plain)
    }

    fn decorate_superscript_start(&self) -> (String, Self::Annotation) {
        (SUP_OPEN.to_string(), Mark::Plain)
    }

    fn decorate_superscript_end(&self) -> String {
        SUP_CLOSE.to_string()
    }

    fn header_prefix(&self, level: usize) -> String {
        "#".repeat(level) + " "
    }

    fn quote_prefix(&self) -> String {
        "> ".to_string()
    }

    fn unordered_item_prefix(&self) -> String {
        format!("*{LIST_MARK}")
    }

    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}.{LIST_MARK}")
    }

    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }

    fn finalise(&mut self, _urls: Vec<String>) -> Vec<TaggedLine<Self::Annotation>> {
        // The reference list is appended by `assemble`, after sanitizing.
        Vec::new()
    }
}

/// The space after a list item's `*` or number, marking the line where the item starts (html2text
/// merges the prefix into the text that follows it); [`styled_line`] notes it and writes a space.
/// ASCII, as prefixes must be.
const LIST_MARK: char = '\u{1F}';

/// Stand-ins for html2text's `^{` and `}` around superscripts, resolved per line by
/// [`resolve_superscripts`].
const SUP_OPEN: char = '\u{E000}';
const SUP_CLOSE: char = '\u{E001}';

/// Superscripts (footnote markers) as `[1]`: a marker that already has its brackets (`[1]` in a
/// `<sup>`, as Wikipedia writes them) keeps them without a second pair.
fn resolve_superscripts(line: String, ranges: Vec<StyledRange>) -> (String, Vec<StyledRange>) {
    if !line.contains([SUP_OPEN, SUP_CLOSE]) {
        return (line, ranges);
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut out = String::with_capacity(line.len());
    let mut map = vec![0usize; line.len() + 1];
    for (k, &(i, c)) in chars.iter().enumerate() {
        map[i] = out.len();
        match c {
            SUP_OPEN => {
                if chars.get(k + 1).map(|x| x.1) != Some('[') {
                    out.push('[');
                }
            }
            SUP_CLOSE => {
                if k == 0 || chars[k - 1].1 != ']' {
                    out.push(']');
                }
            }
            c => out.push(c),
        }
    }
    map[line.len()] = out.len();
    let ranges = ranges
        .into_iter()
        .map(|r| StyledRange {
            start: map[r.start],
            end: map[r.end],
            style: r.style,
        })
        .filter(|r| r.start < r.end)
        .collect();
    (out, ranges)
}

/// Whether an image's alt text is an emoji (WordPress and others draw emoji as images): shown as
/// the emoji itself, not as `[image: …]`.
fn is_emoji_alt(alt: &str) -> bool {
    let count = alt.chars().count();
    (1..=8).contains(&count)
        && !alt.chars().any(|c| c.is_alphanumeric())
        && alt.chars().any(|c| c as u32 >= 0x2000)
}

fn image_label(alt: &str) -> String {
    let alt = alt.trim();
    if is_emoji_alt(alt) {
        return alt.to_string();
    }
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
    let sizes = defuse_dom(&dom.document);
    let tree = config.dom_to_render_tree(&dom).ok()?;
    drop(dom);
    let tagged = config.render_to_lines(tree, width).ok()?;
    drop(config);
    let links = std::mem::take(&mut registry.try_borrow_mut().ok()?.links);
    let images = std::mem::take(&mut registry.try_borrow_mut().ok()?.images);
    let lines = tagged
        .iter()
        .map(|line| {
            styled_line(
                line.tagged_strings()
                    .map(|ts| (ts.s.as_str(), ts.tag.as_slice())),
            )
        })
        .collect();
    let lines = layout::lay_out(lines, width);
    let mut rendered = assemble(lines, links);
    take_image_marks(&mut rendered, &images, &sizes);
    Some(rendered)
}

/// Joins html2text's tagged pieces of one line into a sanitized line and its styled ranges:
/// NO-BREAK SPACEs become spaces (a run of them in text one space; inside code, where `harden_pre`
/// put them, each stays one column), control characters go and tabs are expanded. Trailing
/// whitespace is left for [`layout::lay_out`]. Lines are not re-wrapped here: html2text measures
/// display width, which a character count would get wrong for combining marks (Thai, Arabic, ...),
/// so it is trusted on width.
fn styled_line<'a>(pieces: impl Iterator<Item = (&'a str, &'a [Mark])>) -> layout::Line {
    let mut line = String::new();
    let mut ranges: Vec<StyledRange> = Vec::new();
    let mut column = 0;
    let mut list_start = false;
    let mut code_continues = false;
    for (text, marks) in pieces {
        let in_code = marks
            .iter()
            .any(|m| matches!(m, Mark::Code | Mark::CodeContinued));
        code_continues |= marks.contains(&Mark::CodeContinued);
        let marked;
        let text = if text.contains(LIST_MARK) {
            list_start = true;
            marked = text.replace(LIST_MARK, " ");
            marked.as_str()
        } else {
            text
        };
        let text = if in_code || !text.contains(NBSP) {
            text.replace(NBSP, " ")
        } else {
            collapse_spaces(text, line.ends_with(' '))
        };
        let cleaned = clean_text(&text).replace('\n', " ");
        let start = line.len();
        expand_tabs_into(&mut line, &cleaned, &mut column);
        let style = TextStyle::from_marks(marks);
        if style != TextStyle::default() && line.len() > start {
            match ranges.last_mut() {
                Some(last) if last.end == start && last.style == style => last.end = line.len(),
                _ => ranges.push(StyledRange {
                    start,
                    end: line.len(),
                    style,
                }),
            }
        }
    }
    let (text, ranges) = resolve_superscripts(line, ranges);
    layout::Line {
        text,
        ranges,
        list_start,
        code_continues,
    }
}

/// Text with every run of spaces and NO-BREAK SPACEs as one space (`&nbsp;&nbsp;` in prose is
/// spacing, not content); a run at the start goes if the line already ends with a space.
fn collapse_spaces(text: &str, after_space: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = after_space;
    for c in text.chars() {
        if c == ' ' || c == NBSP {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Trims blank lines around the body and appends the reference list.
fn assemble(mut body: Vec<(String, Vec<StyledRange>)>, links: Vec<String>) -> Rendered {
    while body.last().is_some_and(|(l, _)| l.trim().is_empty()) {
        body.pop();
    }
    let leading = body.iter().take_while(|(l, _)| l.trim().is_empty()).count();
    body.drain(..leading);

    if !links.is_empty() {
        if !body.is_empty() {
            body.push((String::new(), Vec::new()));
        }
        for (i, url) in links.iter().enumerate() {
            body.push((format!("[{}] {}", i + 1, url), Vec::new()));
        }
    }
    let (lines, styles) = body.into_iter().unzip();
    Rendered {
        lines,
        links,
        styles,
        images: Vec::new(),
    }
}

/// Removes the image marks from the lines (moving the styled ranges after them) and records the
/// line each marked image's caption starts on.
fn take_image_marks(rendered: &mut Rendered, urls: &[String], sizes: &dom_fixes::ImageSizes) {
    if urls.is_empty() {
        return;
    }
    let is_mark = |c: char| (IMAGE_MARK..IMAGE_MARK + MAX_IMAGES as u32).contains(&(c as u32));
    for (i, line) in rendered.lines.iter_mut().enumerate() {
        if !line.contains(is_mark) {
            continue;
        }
        let mut out = String::with_capacity(line.len());
        let mut removed: Vec<usize> = Vec::new();
        for (at, c) in line.char_indices() {
            if is_mark(c) {
                removed.push(at);
                if let Some(url) = urls.get((c as u32 - IMAGE_MARK) as usize) {
                    let size = sizes.get(url).copied();
                    rendered.images.push((i, url.clone(), size));
                }
            } else {
                out.push(c);
            }
        }
        if let Some(ranges) = rendered.styles.get_mut(i) {
            let shift = |pos: usize| pos - removed.iter().filter(|&&r| r < pos).count() * 4;
            for r in ranges.iter_mut() {
                r.start = shift(r.start);
                r.end = shift(r.end);
            }
            ranges.retain(|r| r.start < r.end);
        }
        *line = out;
    }
}

/// Replaces tabs with spaces up to the next tab stop.
#[cfg(test)]
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    expand_tabs_into(&mut out, line, &mut 0);
    out
}

/// Appends `text` to `out` with tabs expanded, `column` being where `out` ends (in characters).
fn expand_tabs_into(out: &mut String, text: &str, column: &mut usize) {
    for c in text.chars() {
        if c == '\t' {
            let spaces = TAB_STOP - *column % TAB_STOP;
            out.extend(std::iter::repeat_n(' ', spaces));
            *column += spaces;
        } else {
            out.push(c);
            *column += 1;
        }
    }
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

#[cfg(test)]
mod tests;
