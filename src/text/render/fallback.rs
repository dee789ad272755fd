//! The fallback renderer: a crude, linear tag stripper for documents html2text cannot take (errors,
//! nesting deeper than it handles in reasonable time).

use super::*;

/// Flat rendering used when html2text fails: tags stripped, block elements
/// turned into line breaks, link references kept.
pub(super) fn render_fallback(html: &str, width: usize) -> Rendered {
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
    assemble(body.into_iter().map(|l| (l, Vec::new())).collect(), links)
}

/// Wraps flat paragraphs with html2text, which measures display width
/// (wide CJK characters, combining marks). Flat `<p>`/`<br>` markup has no
/// nesting, so this does not fail at sane widths; `None` if it does anyway.
pub(super) fn wrap_flat_with_html2text(
    paragraphs: &[Vec<String>],
    width: usize,
) -> Option<Vec<String>> {
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
    Some(
        text.split('\n')
            .map(|raw| layout::finished(styled_line(std::iter::once((raw, &[][..])))).0)
            .collect(),
    )
}

/// Last-resort wrapping of flat paragraphs, counting chars as columns.
pub(super) fn wrap_flat_by_chars(paragraphs: &[Vec<String>], width: usize) -> Vec<String> {
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
pub(super) fn wrap_into(out: &mut Vec<String>, line: &str, width: usize) {
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
pub(super) const RAW_TEXT_ELEMENTS: &[&str] = &["script", "style", "template"];

/// Elements that separate paragraphs.
pub(super) const PARAGRAPH_ELEMENTS: &[&str] = &[
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
pub(super) const LINE_ELEMENTS: &[&str] = &[
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
pub(super) fn strip_tags(html: &str) -> (String, Vec<String>) {
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
pub(super) const MAX_NESTING: usize = 10_000;

/// Elements that never have content.
pub(super) const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
];

/// Elements whose end tag may be omitted; an unclosed one is implicitly
/// closed by its next sibling, so they are not counted as nesting.
pub(super) const OPTIONAL_END_ELEMENTS: &[&str] = &[
    "html", "head", "body", "p", "li", "dt", "dd", "rb", "rt", "rtc", "rp", "optgroup", "option",
    "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption",
];

/// Elements whose content is not parsed as markup.
pub(super) const RAW_TEXT_PARSED_ELEMENTS: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// Rough, linear-time check whether elements in `html` nest deeper than
/// `limit`, following the parser's main rules: void elements and elements
/// with optional end tags do not nest, "/>" only self-closes inside
/// `<svg>`/`<math>`, raw-text element content is skipped.
pub(super) fn nesting_exceeds(html: &str, limit: usize) -> bool {
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
pub(super) struct RawTag<'a> {
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
pub(super) fn next_tag<'a>(html: &'a str, lower: &str, from: usize) -> Option<RawTag<'a>> {
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
pub(super) fn skip_past_end_tag(html: &str, lower: &str, name: &str, from: usize) -> usize {
    let close = format!("</{name}");
    match lower.get(from..).and_then(|rest| rest.find(&close)) {
        Some(p) => find_tag_end(html.as_bytes(), from + p + 1).1,
        None => html.len(),
    }
}

/// Finds the '>' ending a tag whose body starts at `start`, honouring quoted
/// attribute values. Returns (end of body, index after the tag).
pub(super) fn find_tag_end(bytes: &[u8], start: usize) -> (usize, usize) {
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
pub(super) fn tag_attr(body: &str, wanted: &str) -> Option<String> {
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
pub(super) fn push_text(out: &mut String, raw: &str) {
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
pub(super) fn decode_entities(raw: &str) -> String {
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
pub(super) fn decode_entity(s: &str) -> Option<(char, usize)> {
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
