//! Making every URL a feed gives absolute before it is stored: the article link, the site link and
//! the `href`/`src` attributes in the content HTML.
//!
//! The base of a URL is the nearest `xml:base` (the element, then its ancestors; a relative one is
//! itself resolved against the next base out), else the feed's own (site) link, else the URL the
//! feed was fetched from. feed-rs already applies an `xml:base` to the links it reads when an
//! absolute one is in scope, but it keeps no base for the content and drops a relative `xml:base`
//! with nothing absolute above it; [`scan_xml_bases`] reads those from the document in one cheap
//! pass, only when the document says `xml:base` at all.
//!
//! Content HTML is rewritten by a linear scan over its tags ([`absolutize_html`]), never by parsing
//! it: absolute values, fragments (`#x`), `mailto:`, `data:` and every other value with a scheme stay
//! byte for byte as they are, and the result never gains a `javascript:` URL. The growth of the
//! HTML is capped, so a hostile document cannot make the rewrite expensive.

use std::borrow::Cow;

use quick_xml::events::Event;
use url::Url;

/// `xml:base` values longer than this are ignored (no real base is this long; each rewritten link
/// would copy it).
const MAX_BASE_LEN: usize = 2048;
/// At most this many nested `xml:base` values count for one element.
const MAX_BASE_DEPTH: usize = 16;
/// The rewritten HTML may grow by at most this much, or by the HTML's own size if that is more;
/// after that the rest is copied unchanged.
const MIN_GROWTH_ALLOWED: usize = 64 * 1024;

/// A base to resolve against: only URLs that can be one (not `mailto:`, `data:`, …).
pub(super) fn base_url(s: &str) -> Option<Url> {
    Url::parse(s.trim())
        .ok()
        .filter(|u| !u.cannot_be_a_base() && u.as_str().len() <= MAX_BASE_LEN)
}

/// Whether `s` starts with a URL scheme (`letter *(letter / digit / "+" / "-" / ".") ":"`): an
/// absolute URL, or at least one that must not be resolved against a base.
fn has_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    for &c in &b[1..] {
        match c {
            b':' => return true,
            c if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.') => {}
            _ => return false,
        }
    }
    false
}

/// Whether `s` is an absolute URL as stored: one that parses on its own.
pub(super) fn is_absolute(s: &str) -> bool {
    has_scheme(s) && Url::parse(s).is_ok()
}

/// `href` made absolute against `base`: as given when it already is absolute, `None` when it is
/// empty, cannot be resolved (no base, or not a URL at all) or would become a `javascript:` URL.
pub(super) fn resolve(base: Option<&Url>, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    if is_absolute(href) {
        return Some(href.to_string());
    }
    let joined = base?.join(href).ok()?;
    (joined.scheme() != "javascript").then(|| joined.to_string())
}

/// `base` with a chain of `xml:base` values (outermost first) applied: an absolute value replaces
/// the base, a relative one is resolved against it, one that is neither is ignored.
pub(super) fn apply_xml_bases<'a>(
    base: Option<Url>,
    chain: impl IntoIterator<Item = &'a str>,
) -> Option<Url> {
    let mut base = base;
    for value in chain {
        let value = value.trim();
        if value.is_empty() || value.len() > MAX_BASE_LEN {
            continue;
        }
        let next = if has_scheme(value) {
            base_url(value)
        } else {
            base.as_ref().and_then(|b| b.join(value).ok())
        };
        if next.is_some() {
            base = next;
        }
    }
    base
}

/// The `xml:base` values of a document that matter for what we store. Each value is kept once, as
/// a node pointing to the one it sits inside, and an item only names the innermost node in scope:
/// the memory stays linear in the document however many items share a long chain.
#[derive(Debug, Default)]
pub(super) struct XmlBases {
    /// Each `xml:base` value with the node of the next one out.
    nodes: Vec<(Option<usize>, String)>,
    /// The innermost value on the root element and the RSS `<channel>`: the site link's base.
    pub feed: Option<usize>,
    /// For each item (`<entry>` or `<item>`) in document order, the innermost value in scope on it.
    pub entries: Vec<Option<usize>>,
}

impl XmlBases {
    /// The values from node `innermost` outwards to the root, outermost first.
    pub fn chain(&self, innermost: Option<usize>) -> Vec<&str> {
        let mut chain = Vec::new();
        let mut at = innermost;
        while let Some(i) = at {
            let (parent, value) = &self.nodes[i];
            chain.push(value.as_str());
            at = *parent;
        }
        chain.reverse();
        chain
    }
}

/// Reads the `xml:base` attributes of a feed document in one pass over its tags, or `None` when it
/// has none (checked first with a fast search) or cannot be read to the end.
pub(super) fn scan_xml_bases(text: &str) -> Option<XmlBases> {
    memchr::memmem::find(text.as_bytes(), b"xml:base")?;
    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.check_comments = false;
    config.allow_dangling_amp = true;
    let mut bases = XmlBases::default();
    // (depth of the element, its node) for the values in scope, innermost last.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    // The depth of the item being read, if inside one.
    let mut in_item: Option<usize> = None;
    loop {
        let (start, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                while stack.last().is_some_and(|(d, _)| *d >= depth) {
                    stack.pop();
                }
                if in_item == Some(depth) {
                    in_item = None;
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Ok(Event::Eof) => break,
            Ok(_) => continue,
            Err(_) => return None,
        };
        depth += 1;
        let name = start.local_name();
        let name = name.as_ref();
        let value = start
            .attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref() == "xml:base")
            .and_then(|a| {
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()?;
                (v.len() <= MAX_BASE_LEN).then(|| v.into_owned())
            });
        if let Some(value) = value.filter(|_| stack.len() < MAX_BASE_DEPTH) {
            let node = bases.nodes.len();
            bases.nodes.push((stack.last().map(|(_, n)| *n), value));
            if depth == 1 || (depth == 2 && name == "channel") {
                bases.feed = Some(node);
            }
            stack.push((depth, node));
        }
        let is_item = matches!(name, "entry" | "item") && depth <= 3;
        if is_item && in_item.is_none() {
            bases.entries.push(stack.last().map(|(_, n)| *n));
            in_item = Some(depth);
        }
        if empty {
            while stack.last().is_some_and(|(d, _)| *d >= depth) {
                stack.pop();
            }
            if in_item == Some(depth) {
                in_item = None;
            }
            depth -= 1;
        }
    }
    Some(bases)
}

/// `html` with every relative `href` and `src` attribute value resolved against `base`, or `None`
/// when nothing needed to change. One pass over the tags; comments are skipped. The output grows
/// by at most the input's size (or [`MIN_GROWTH_ALLOWED`]): past that the rest is left as it was.
pub(super) fn absolutize_html(html: &str, base: &Url) -> Option<String> {
    let b = html.as_bytes();
    let budget = html.len().max(MIN_GROWTH_ALLOWED);
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    'tags: while let Some(found) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + found;
        i = lt + 1;
        if b[i..].starts_with(b"!--") {
            match memchr::memmem::find(&b[i + 3..], b"-->") {
                Some(end) => {
                    i += 3 + end + 3;
                    continue;
                }
                None => break,
            }
        }
        if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        // The tag name.
        while i < b.len() && !is_html_space(b[i]) && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        // The attributes, up to the `>`.
        loop {
            while i < b.len() && (is_html_space(b[i]) || b[i] == b'/') {
                i += 1;
            }
            let Some(&c) = b.get(i) else {
                break 'tags;
            };
            if c == b'>' {
                i += 1;
                continue 'tags;
            }
            let name_start = i;
            i += 1; // A name is at least one byte, whatever it is (always progress).
            while i < b.len() && !is_html_space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/') {
                i += 1;
            }
            let name = &b[name_start..i];
            while i < b.len() && is_html_space(b[i]) {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < b.len() && is_html_space(b[i]) {
                i += 1;
            }
            let (value, quote, end) = match b.get(i) {
                None => break 'tags,
                Some(&q @ (b'"' | b'\'')) => match memchr::memchr(q, &b[i + 1..]) {
                    Some(len) => (i + 1..i + 1 + len, Some(q), i + 1 + len + 1),
                    None => break 'tags,
                },
                Some(_) => {
                    let start = i;
                    while i < b.len() && !is_html_space(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    (start..i, None, i)
                }
            };
            i = end;
            let is_link = name.eq_ignore_ascii_case(b"href") || name.eq_ignore_ascii_case(b"src");
            if !is_link {
                continue;
            }
            let raw = &html[value.clone()];
            let Some(resolved) = resolve_attribute(base, raw) else {
                continue;
            };
            let mut replacement = String::with_capacity(resolved.len() + 2);
            if quote.is_none() {
                replacement.push('"');
            }
            push_attribute_escaped(&mut replacement, &resolved);
            if quote.is_none() {
                replacement.push('"');
            }
            let out = out.get_or_insert_with(|| String::with_capacity(html.len() + 256));
            // What the output holds beyond the input it stands for, after this value.
            let growth =
                (out.len() + (value.start - copied) + replacement.len()).saturating_sub(value.end);
            if growth > budget {
                break 'tags;
            }
            out.push_str(&html[copied..value.start]);
            out.push_str(&replacement);
            copied = value.end;
        }
    }
    let mut out = out?;
    out.push_str(&html[copied..]);
    Some(out)
}

fn is_html_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The absolute URL for a raw (still entity-encoded) attribute value, when it is relative and
/// resolves; `None` leaves the value as it is.
fn resolve_attribute(base: &Url, raw: &str) -> Option<String> {
    let decoded = if raw.contains('&') {
        decode_attribute(raw)
    } else {
        Cow::Borrowed(raw)
    };
    let value = decoded.trim_matches(|c: char| c.is_ascii_whitespace());
    if value.is_empty() || value.starts_with('#') || has_scheme(value) {
        return None;
    }
    let joined = base.join(value).ok()?;
    (joined.scheme() != "javascript").then(|| joined.to_string())
}

/// A URL as an attribute value: the characters that could end or change the value are escaped.
fn push_attribute_escaped(out: &mut String, url: &str) {
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// An attribute value with its character references decoded: numeric ones and the five XML names
/// (the ones that matter in a URL); anything else stays as written.
fn decode_attribute(raw: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let value = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(value).filter(|c| *c != '\0')
                }
            }?;
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
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn relative_values_resolve_and_others_stay() {
        let b = base("https://daringfireball.net/linked/");
        let html = r##"<p><a href="/misc/x.png">x</a> <img src='img/a.png' alt="a"> <a href="#fn1">1</a>
<a href="mailto:a@b.c">m</a> <img src="data:image/png;base64,AA=="> <a href="https://x.example/">x</a>
<a href=rel?a=1&amp;b=2>u</a> <!-- <a href="/in-comment"> --> <a title="href=/no" href = "//cdn.example/c">c</a></p>"##;
        let out = absolutize_html(html, &b).unwrap();
        assert!(
            out.contains(r#"href="https://daringfireball.net/misc/x.png""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src='https://daringfireball.net/linked/img/a.png'"#),
            "{out}"
        );
        assert!(out.contains(r##"href="#fn1""##));
        assert!(out.contains(r#"href="mailto:a@b.c""#));
        assert!(out.contains(r#"src="data:image/png;base64,AA==""#));
        assert!(out.contains(r#"href="https://x.example/""#));
        assert!(
            out.contains(r#"href="https://daringfireball.net/linked/rel?a=1&amp;b=2""#),
            "{out}"
        );
        assert!(
            out.contains(r#"<a href="/in-comment">"#),
            "comments are left alone"
        );
        assert!(out.contains(r#"title="href=/no""#), "{out}");
        assert!(out.contains(r#"href = "https://cdn.example/c""#), "{out}");
    }

    #[test]
    fn nothing_to_change_is_none_and_javascript_is_never_made() {
        let b = base("https://example.com/a/");
        assert_eq!(absolutize_html("<p>plain <b>text</b></p>", &b), None);
        assert_eq!(
            absolutize_html(r#"<a href="https://example.com/">x</a>"#, &b),
            None
        );
        for evil in [
            "&#106;avascript:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
        ] {
            let html = format!(r#"<a href="{evil}">x</a>"#);
            let out = absolutize_html(&html, &b).unwrap_or(html.clone());
            assert!(!out.contains("\"javascript:"), "{out}");
        }
    }

    #[test]
    fn unterminated_tags_and_quotes_end_the_scan() {
        let b = base("https://example.com/");
        assert_eq!(absolutize_html(r#"<a href="/x"#, &b), None);
        assert_eq!(absolutize_html("<a href=", &b), None);
        assert_eq!(absolutize_html("<a", &b), None);
        assert_eq!(absolutize_html("<", &b), None);
        assert_eq!(
            absolutize_html(r#"<a href="/x">"#, &b).unwrap(),
            r#"<a href="https://example.com/x">"#
        );
    }

    #[test]
    fn growth_is_capped() {
        let long = format!("https://example.com/{}/", "p".repeat(2000));
        let b = base(&long);
        let html = "<a href=x>".repeat(100_000);
        let out = absolutize_html(&html, &b).unwrap();
        assert!(
            out.len() <= html.len() * 2,
            "{} from {}",
            out.len(),
            html.len()
        );
        assert!(out.ends_with("<a href=x>"));
    }

    #[test]
    fn xml_bases_are_read_per_entry() {
        let doc = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://a.example/f/">
<!-- <entry xml:base="no"> --><link href="/"/>
<entry xml:base="e1/"><content xml:base="c/">x</content></entry>
<entry><link href="x"/></entry><entry xml:base="http://b.example/"/></feed>"#;
        let bases = scan_xml_bases(doc).unwrap();
        assert_eq!(bases.chain(bases.feed), ["http://a.example/f/"]);
        let chains: Vec<Vec<&str>> = bases.entries.iter().map(|e| bases.chain(*e)).collect();
        assert_eq!(
            chains,
            [
                vec!["http://a.example/f/", "e1/"],
                vec!["http://a.example/f/"],
                vec!["http://a.example/f/", "http://b.example/"],
            ]
        );
        let resolved = apply_xml_bases(None, chains[0].iter().copied()).unwrap();
        assert_eq!(resolved.as_str(), "http://a.example/f/e1/");
        assert!(scan_xml_bases("<rss><channel></channel></rss>").is_none());
    }

    #[test]
    fn many_items_under_long_bases_stay_small() {
        let long = format!("http://a.example/{}/", "p".repeat(2000));
        let mut doc = String::from("<feed>");
        for _ in 0..MAX_BASE_DEPTH {
            doc.push_str(&format!(r#"<x xml:base="{long}">"#));
        }
        doc.push_str(&"<entry/>".repeat(100_000));
        let bases = scan_xml_bases(&doc).unwrap();
        assert_eq!(
            bases.entries.len(),
            0,
            "entries are items only near the root"
        );
        let mut doc = format!(r#"<feed xml:base="{long}">"#);
        doc.push_str(&"<entry/>".repeat(100_000));
        let bases = scan_xml_bases(&doc).unwrap();
        assert_eq!(bases.entries.len(), 100_000);
        assert_eq!(bases.nodes.len(), 1);
    }

    #[test]
    fn resolve_keeps_absolute_and_refuses_the_unresolvable() {
        let b = base("https://example.com/feed.xml");
        assert_eq!(
            resolve(Some(&b), "/notes/x.html").as_deref(),
            Some("https://example.com/notes/x.html")
        );
        assert_eq!(
            resolve(Some(&b), "HTTP://Example.com/A").as_deref(),
            Some("HTTP://Example.com/A")
        );
        assert_eq!(resolve(None, "/x"), None);
        assert_eq!(resolve(Some(&b), "  "), None);
        assert_eq!(resolve(Some(&b), "http://"), None);
    }
}
