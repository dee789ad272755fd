//! The size caps on untrusted HTML, applied in one linear pass before any HTML parser
//! (html5ever via html2text or dom_query) sees a document.
//!
//! html5ever checks every new attribute of a tag against all the tag's earlier ones, so one element
//! with n distinct attributes costs O(n²) (80,000 attributes: seconds; a million: minutes), and the
//! tree walkers after it grow with the element count. [`cap_html`] walks the tags the way the HTML
//! tokenizer does (quoted attribute values, comments, doctypes, raw text of `<script>`, `<style>`,
//! `<textarea>`, …) and keeps:
//!
//! - at most [`MAX_ATTRIBUTES`] attributes per tag (start and end tags): the first that many distinct
//!   names, as the parser would keep them (it drops repeated names itself); the rest are dropped.
//!   A tag at the cap costs the parser at most 128²/2 comparisons;
//! - attribute values of at most [`MAX_ATTRIBUTE_VALUE`] bytes (cut at a character boundary) and
//!   names of at most [`MAX_ATTRIBUTE_NAME`] bytes (longer ones dropped);
//! - at most [`MAX_ELEMENTS`] start tags: the document is cut before the next one and a visible
//!   [`TRUNCATED`] paragraph appended.
//!
//! The caps sit above what real pages use (311 pages of the extraction corpora pass unchanged;
//! the largest has a tag with 70 attributes, and inline SVG paths, `data:` URLs and JSON in
//! attributes exceed 8 KiB). A document within the caps comes back unchanged and unallocated
//! (`Cow::Borrowed`): only tags over a cap are rewritten. Every byte is looked at a bounded number
//! of times, so the pass is O(n) whatever the input.
//!
//! Raw text is skipped only where the parser surely reads it as text. Inside `<svg>`/`<math>` (where
//! `<style>` and `<script>` hold markup), inside `<select>` (which ignores `<style>`), after a tag
//! inside an integration point such as `<foreignObject>` (an HTML element there makes the parser
//! ignore `</svg>`) and after `<frameset>`, raw-text contents are scanned as markup too, up to their
//! end tag, so a tag hidden there is capped as well. Every guess errs that way: at worst it
//! rewrites text nobody sees (a script's), and only when that text breaks a cap.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

/// Most attributes kept on one tag.
pub const MAX_ATTRIBUTES: usize = 128;
/// Most start tags (elements) kept in one document.
pub const MAX_ELEMENTS: usize = 100_000;
/// Longest attribute value kept, in bytes (longer ones are cut).
pub const MAX_ATTRIBUTE_VALUE: usize = 64 * 1024;
/// Longest attribute name kept, in bytes (longer ones are dropped).
pub const MAX_ATTRIBUTE_NAME: usize = 1024;
/// The marker shown where something was cut.
pub const TRUNCATED: &str = "[truncated]";

/// Most integration points followed as open at once (more: the pass stops following).
const MAX_OPEN_INTEGRATION_POINTS: usize = 64;

/// What is appended where a document is cut: closes a `<select>` or `<template>` the marker would
/// be invisible in (stray end tags are ignored by the parser), then the marker paragraph.
const CUT_MARKER: &str = "</select></template>\n<p>[truncated]</p>\n";

/// The caps of one pass (the defaults are the constants above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlCaps {
    pub max_attributes: usize,
    pub max_elements: usize,
    pub max_attribute_value: usize,
    pub max_attribute_name: usize,
}

impl Default for HtmlCaps {
    fn default() -> Self {
        HtmlCaps {
            max_attributes: MAX_ATTRIBUTES,
            max_elements: MAX_ELEMENTS,
            max_attribute_value: MAX_ATTRIBUTE_VALUE,
            max_attribute_name: MAX_ATTRIBUTE_NAME,
        }
    }
}

/// What one pass found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapReport {
    /// Start tags seen (and kept).
    pub elements: usize,
    /// Tags rewritten because they broke an attribute cap.
    pub tags_rewritten: usize,
    /// Attributes dropped (over the count, repeated names in a rewritten tag, over-long names).
    pub attributes_dropped: usize,
    /// Attribute values cut to [`MAX_ATTRIBUTE_VALUE`].
    pub values_cut: usize,
    /// True when the document was cut at the element cap.
    pub truncated: bool,
}

/// `html` within the default caps (see the module documentation); borrowed when nothing was over.
pub fn cap_html(html: &str) -> Cow<'_, str> {
    cap_html_with(html, &HtmlCaps::default()).0
}

/// [`cap_html`] with explicit caps, and what was done.
pub fn cap_html_with<'a>(html: &'a str, caps: &HtmlCaps) -> (Cow<'a, str>, CapReport) {
    let mut pass = Pass {
        src: html,
        b: html.as_bytes(),
        caps: *caps,
        out: None,
        copied: 0,
        report: CapReport::default(),
        svg: 0,
        math: 0,
        select: 0,
        integration_points: Vec::new(),
        unsure: false,
        attrs: Vec::new(),
    };
    pass.markup(0, html.len(), None);
    let report = pass.report;
    let out = match pass.out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(&html[pass.copied.min(html.len())..]);
            Cow::Owned(out)
        }
    };
    (out, report)
}

/// HTML whitespace as the tokenizer sees it (CR is normalised to LF before tokenizing).
fn is_ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Elements whose contents the parser (in HTML content) reads as text up to their end tag.
fn is_raw_text(name: &[u8]) -> bool {
    [
        &b"script"[..],
        b"style",
        b"textarea",
        b"title",
        b"xmp",
        b"iframe",
        b"noembed",
        b"noframes",
    ]
    .iter()
    .any(|raw| name.eq_ignore_ascii_case(raw))
}

/// Elements inside `<svg>`/`<math>` whose contents are parsed as HTML again.
fn is_integration_point(name: &[u8]) -> bool {
    [
        &b"foreignobject"[..],
        b"desc",
        b"title",
        b"mi",
        b"mo",
        b"mn",
        b"ms",
        b"mtext",
        b"annotation-xml",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

/// One attribute of the tag being scanned (byte offsets into the input).
#[derive(Debug, Clone, Copy)]
struct Attr {
    name: (usize, usize),
    /// The value, when there is an `=value`.
    value: Option<Value>,
    /// FNV-1a of the ASCII-lowercased name, to find repeated names without comparing them all.
    hash: u64,
}

/// An attribute value (byte offsets into the input).
#[derive(Debug, Clone, Copy)]
struct Value {
    /// The contents, without quotes.
    start: usize,
    end: usize,
    /// The quote character, if quoted.
    quote: Option<u8>,
    /// False for a quoted value the input ends inside.
    closed: bool,
}

impl Value {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// A tag found by [`Pass::tag`].
struct Tag {
    /// The element name, in any case (input offsets).
    name: (usize, usize),
    /// Offset just past the tag (past its `>`, or the scan limit when unterminated).
    end: usize,
    terminated: bool,
    /// Ends in `/>`.
    self_closing: bool,
}

struct Pass<'a> {
    src: &'a str,
    b: &'a [u8],
    caps: HtmlCaps,
    /// The rewritten document, once something had to change.
    out: Option<String>,
    /// Input before this offset is already in `out`.
    copied: usize,
    report: CapReport,
    /// Open `<svg>` and `<math>` elements (as far as tags tell).
    svg: usize,
    math: usize,
    /// Open `<select>` start tags: in a select, `<style>` and friends are ignored, not raw text.
    select: usize,
    /// Names (input offsets) of the integration points (`<foreignObject>`, `<title>`, `<mi>`, …)
    /// open inside svg/math, innermost last. While they hold only text, `</svg>` closes the svg.
    integration_points: Vec<(usize, usize)>,
    /// The parser's state can no longer be followed: a tag inside an integration point (an HTML
    /// element there makes the parser ignore `</svg>`), or a `<frameset>` (after which it ignores
    /// most start tags, `<script>` and `<style>` included). Raw text is scanned from then on.
    unsure: bool,
    /// The kept attributes of the tag being scanned (at most `max_attributes`; reused).
    attrs: Vec<Attr>,
}

impl Pass<'_> {
    /// Replaces input `start..end` with `with` in the output.
    fn replace(&mut self, start: usize, end: usize, with: &str) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.src.len()));
        out.push_str(&self.src[self.copied..start]);
        out.push_str(with);
        self.copied = end;
    }

    /// True when the parser surely reads the contents of a raw-text element as text.
    fn surely_html_content(&self) -> bool {
        self.svg == 0 && self.math == 0 && self.select == 0 && !self.unsure
    }

    /// Scans `from..limit` as markup. `contained` is the name of the raw-text element whose contents
    /// these are (scanned as markup only because the parser's state is uncertain): no further raw
    /// text is entered, and nothing reaches past `limit`. Returns false when the document was cut.
    fn markup(&mut self, from: usize, limit: usize, contained: Option<(usize, usize)>) -> bool {
        let b = self.b;
        let mut i = from;
        while i < limit {
            let Some(off) = memchr(b'<', &b[i..limit]) else {
                break;
            };
            let lt = i + off;
            let next = b.get(lt + 1).copied().filter(|_| lt + 1 < limit);
            i = match next {
                Some(b'!') => self.declaration_end(lt, limit),
                Some(b'?') => bogus_comment_end(b, lt + 2, limit),
                Some(b'/') => match b.get(lt + 2).copied().filter(|_| lt + 2 < limit) {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let tag = self.tag(lt, lt + 2, limit);
                        self.end_tag(&tag);
                        tag.end
                    }
                    Some(b'>') => lt + 3,
                    Some(_) => bogus_comment_end(b, lt + 2, limit),
                    None => limit,
                },
                Some(c) if c.is_ascii_alphabetic() => {
                    if self.report.elements >= self.caps.max_elements {
                        let mut marker = String::new();
                        if let Some((s, e)) = contained {
                            marker.push_str("</");
                            marker.push_str(&self.src[s..e]);
                            marker.push('>');
                        }
                        marker.push_str(CUT_MARKER);
                        self.replace(lt, b.len(), &marker);
                        self.report.truncated = true;
                        return false;
                    }
                    self.report.elements += 1;
                    let tag = self.tag(lt, lt + 1, limit);
                    let name = &b[tag.name.0..tag.name.1];
                    self.start_tag(&tag);
                    if contained.is_none() && tag.terminated && is_raw_text(name) {
                        let raw_end = raw_text_end(b, tag.end, name);
                        if !self.surely_html_content()
                            && !self.markup(tag.end, raw_end, Some(tag.name))
                        {
                            return false;
                        }
                        raw_end
                    } else {
                        tag.end
                    }
                }
                _ => lt + 1,
            };
        }
        true
    }

    /// Bookkeeping of the parser state that decides what is raw text. Every guess errs towards
    /// "maybe markup": that only makes the pass scan (and cap) more.
    fn start_tag(&mut self, tag: &Tag) {
        let name = &self.b[tag.name.0..tag.name.1];
        if !self.integration_points.is_empty() {
            self.unsure = true;
        }
        // `<svg/>` and `<math/>` close at once; HTML elements ignore the '/'.
        if name.eq_ignore_ascii_case(b"svg") && !tag.self_closing {
            self.svg += 1;
        } else if name.eq_ignore_ascii_case(b"math") && !tag.self_closing {
            self.math += 1;
        } else if name.eq_ignore_ascii_case(b"select") {
            self.select += 1;
        } else if name.eq_ignore_ascii_case(b"frameset") {
            self.unsure = true;
        } else if self.svg + self.math > 0 && is_integration_point(name) && !tag.self_closing {
            if self.integration_points.len() >= MAX_OPEN_INTEGRATION_POINTS {
                self.unsure = true;
            } else {
                self.integration_points.push(tag.name);
            }
        }
    }

    fn end_tag(&mut self, tag: &Tag) {
        let b = self.b;
        let name = &b[tag.name.0..tag.name.1];
        // An integration point holding only text is the parser's current node: its end tag
        // closes it.
        if let Some(&(s, e)) = self.integration_points.last()
            && b[s..e].eq_ignore_ascii_case(name)
        {
            self.integration_points.pop();
            return;
        }
        if self.unsure {
            return;
        }
        if name.eq_ignore_ascii_case(b"svg") {
            self.svg = self.svg.saturating_sub(1);
        } else if name.eq_ignore_ascii_case(b"math") {
            self.math = self.math.saturating_sub(1);
        } else if name.eq_ignore_ascii_case(b"select") {
            self.select = self.select.saturating_sub(1);
        }
        if self.svg + self.math == 0 {
            self.integration_points.clear();
        }
    }

    /// Offset past a `<!…` construct at `lt`: a comment (ended the way the tokenizer ends one:
    /// `-->`, `--!>`, or abruptly `<!-->`, `<!--->`), or a doctype or bogus comment ended by the
    /// first `>`. `<![CDATA[` is taken as a bogus comment (as in HTML content); inside svg/math
    /// that scans CDATA contents as markup, which only ever caps more.
    fn declaration_end(&self, lt: usize, limit: usize) -> usize {
        let b = &self.b[..limit];
        if !b[lt..].starts_with(b"<!--") {
            return bogus_comment_end(b, lt + 2, limit);
        }
        let body = lt + 4;
        if b[body..].starts_with(b">") {
            return body + 1;
        }
        if b[body..].starts_with(b"->") {
            return body + 2;
        }
        let mut i = body;
        while let Some(off) = memchr(b'-', &b[i..]) {
            let dash = i + off;
            if b.get(dash + 1) != Some(&b'-') {
                i = dash + 1;
                continue;
            }
            let mut j = dash + 2;
            while b.get(j) == Some(&b'-') {
                j += 1;
            }
            match b.get(j) {
                Some(b'>') => return j + 1,
                Some(b'!') if b.get(j + 1) == Some(&b'>') => return j + 2,
                _ => i = j,
            }
        }
        limit
    }

    /// Scans the tag whose `<` is at `lt` and whose name starts at `name_start` (start and end
    /// tags alike: the tokenizer builds end-tag attributes too), rewriting it when it breaks a cap.
    fn tag(&mut self, lt: usize, name_start: usize, limit: usize) -> Tag {
        let b = self.b;
        let b = &b[..limit];
        let mut j = name_start;
        while j < limit && !is_ws(b[j]) && b[j] != b'/' && b[j] != b'>' {
            j += 1;
        }
        let name = (name_start, j);
        self.attrs.clear();
        let mut seen = 0usize;
        let mut rewrite = false;
        let mut self_closing = false;
        let mut terminated = false;
        // The attribute being read: name span, and value once there is one.
        let mut current: Option<Attr> = None;
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            BeforeName,
            Name,
            AfterName,
            BeforeValue,
            AfterQuoted,
            SelfClosing,
        }
        let mut state = State::BeforeName;
        if j < limit && b[j] == b'/' {
            state = State::SelfClosing;
            j += 1;
        }
        while j < limit {
            let c = b[j];
            match state {
                State::BeforeName => {
                    if is_ws(c) {
                        j += 1;
                    } else if c == b'/' || c == b'>' {
                        state = State::AfterName;
                    } else {
                        // A name starts (even with '='); the previous attribute is complete.
                        self.finish(current.take(), &mut seen, &mut rewrite);
                        current = Some(Attr {
                            name: (j, j + 1),
                            value: None,
                            hash: 0,
                        });
                        j += 1;
                        state = State::Name;
                    }
                }
                State::Name => {
                    if is_ws(c) || c == b'/' || c == b'>' {
                        state = State::AfterName;
                    } else {
                        j += 1;
                        if c == b'=' {
                            state = State::BeforeValue;
                        } else if let Some(a) = current.as_mut() {
                            a.name.1 = j;
                        }
                    }
                }
                State::AfterName => {
                    if is_ws(c) {
                        j += 1;
                    } else if c == b'/' {
                        j += 1;
                        state = State::SelfClosing;
                    } else if c == b'=' {
                        j += 1;
                        state = State::BeforeValue;
                    } else if c == b'>' {
                        terminated = true;
                        j += 1;
                        break;
                    } else {
                        self.finish(current.take(), &mut seen, &mut rewrite);
                        current = Some(Attr {
                            name: (j, j + 1),
                            value: None,
                            hash: 0,
                        });
                        j += 1;
                        state = State::Name;
                    }
                }
                State::BeforeValue => {
                    if is_ws(c) {
                        j += 1;
                    } else if c == b'>' {
                        terminated = true;
                        j += 1;
                        break;
                    } else if c == b'"' || c == b'\'' {
                        let start = j + 1;
                        let close = memchr(c, &b[start..]).map(|off| start + off);
                        let end = close.unwrap_or(limit);
                        if let Some(a) = current.as_mut() {
                            a.value = Some(Value {
                                start,
                                end,
                                quote: Some(c),
                                closed: close.is_some(),
                            });
                        }
                        j = (end + 1).min(limit);
                        state = State::AfterQuoted;
                    } else {
                        let start = j;
                        while j < limit && !is_ws(b[j]) && b[j] != b'>' {
                            j += 1;
                        }
                        if let Some(a) = current.as_mut() {
                            a.value = Some(Value {
                                start,
                                end: j,
                                quote: None,
                                closed: true,
                            });
                        }
                        state = State::BeforeName;
                    }
                }
                State::AfterQuoted => {
                    if is_ws(c) {
                        j += 1;
                        state = State::BeforeName;
                    } else if c == b'/' {
                        j += 1;
                        state = State::SelfClosing;
                    } else if c == b'>' {
                        terminated = true;
                        j += 1;
                        break;
                    } else {
                        state = State::BeforeName;
                    }
                }
                State::SelfClosing => {
                    if c == b'>' {
                        self_closing = true;
                        terminated = true;
                        j += 1;
                        break;
                    }
                    state = State::BeforeName;
                }
            }
        }
        self.finish(current.take(), &mut seen, &mut rewrite);
        if seen > self.caps.max_attributes {
            rewrite = true;
        }
        if rewrite {
            self.rewrite_tag(lt, name.1, j, terminated, self_closing, seen);
        }
        Tag {
            name,
            end: j,
            terminated,
            self_closing,
        }
    }

    /// Takes a complete attribute: counts it, keeps it if its name is new and there is room.
    fn finish(&mut self, attr: Option<Attr>, seen: &mut usize, rewrite: &mut bool) {
        let Some(mut attr) = attr else {
            return;
        };
        *seen += 1;
        if attr
            .value
            .is_some_and(|v| v.len() > self.caps.max_attribute_value)
        {
            *rewrite = true;
        }
        let (ns, ne) = attr.name;
        if ne - ns > self.caps.max_attribute_name {
            *rewrite = true;
            return;
        }
        if self.attrs.len() >= self.caps.max_attributes {
            return;
        }
        let name = &self.b[ns..ne];
        attr.hash = name.iter().fold(0xcbf2_9ce4_8422_2325, |h: u64, &c| {
            (h ^ u64::from(c.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
        });
        let repeated = self.attrs.iter().any(|kept| {
            kept.hash == attr.hash
                && kept.name.1 - kept.name.0 == name.len()
                && self.b[kept.name.0..kept.name.1].eq_ignore_ascii_case(name)
        });
        if !repeated {
            self.attrs.push(attr);
        }
    }

    /// Writes the tag `lt..end` again with only its kept attributes, values cut to the cap.
    fn rewrite_tag(
        &mut self,
        lt: usize,
        name_end: usize,
        end: usize,
        terminated: bool,
        self_closing: bool,
        seen: usize,
    ) {
        let src = self.src;
        let mut tag = String::with_capacity(name_end - lt + 64 * self.attrs.len());
        tag.push_str(&src[lt..name_end]);
        for attr in &self.attrs {
            tag.push(' ');
            tag.push_str(&src[attr.name.0..attr.name.1]);
            if let Some(v) = attr.value {
                let value = crate::text::cut_at_char_boundary(
                    &src[v.start..v.end],
                    self.caps.max_attribute_value,
                );
                if value.len() < v.len() {
                    self.report.values_cut += 1;
                }
                tag.push('=');
                let quote = v.quote.map(char::from);
                tag.extend(quote);
                tag.push_str(value);
                if v.closed {
                    tag.extend(quote);
                }
            }
        }
        if terminated {
            tag.push_str(if self_closing { " />" } else { ">" });
        }
        self.report.tags_rewritten += 1;
        self.report.attributes_dropped += seen - self.attrs.len();
        self.replace(lt, end, &tag);
    }
}

/// Offset past a bogus comment (or doctype) whose body starts at `from`: its first `>`.
fn bogus_comment_end(b: &[u8], from: usize, limit: usize) -> usize {
    let from = from.min(limit);
    memchr(b'>', &b[from..limit]).map_or(limit, |off| from + off + 1)
}

/// Where the contents of the raw-text element `name` that start at `from` end: at its end tag
/// (`</name` followed by whitespace, `/` or `>`, any case), or the end of the input. Scripts follow
/// the tokenizer's escape states: inside `<!--`, a `<script>` makes the next `</script>` part of
/// the text.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let is_script = name.eq_ignore_ascii_case(b"script");
    // Script states: 0 plain, 1 escaped (after `<!--`), 2 double escaped (`<script>` inside that).
    let mut state = 0u8;
    let mut i = from;
    while let Some(off) = if is_script {
        memchr2(b'<', b'-', &b[i..])
    } else {
        memchr(b'<', &b[i..])
    } {
        let at = i + off;
        i = at + 1;
        if b[at] == b'-' {
            // `-->` ends an escape.
            if state != 0 && b[at..].starts_with(b"-->") {
                state = 0;
                i = at + 3;
            }
            continue;
        }
        let rest = &b[at + 1..];
        if is_script && state == 0 && rest.starts_with(b"!--") {
            state = 1;
            // The dashes of `<!--` may already be the start of `-->` (as in `<!-->`).
            i = at + 2;
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let named = &rest[usize::from(closing)..];
        let is_name = named.len() > name.len()
            && named[..name.len()].eq_ignore_ascii_case(name)
            && (is_ws(named[name.len()]) || matches!(named[name.len()], b'/' | b'>'));
        if !is_name {
            continue;
        }
        match (closing, state) {
            (true, 0 | 1) => return at,
            (true, _) => state = 1,
            (false, 1) => state = 2,
            (false, _) => {}
        }
    }
    b.len()
}

#[cfg(test)]
mod tests;
