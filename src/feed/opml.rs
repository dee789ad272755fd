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

/// Attribute values are unescaped by the shared entity table.
use crate::text::decode_entities as unescape_lenient;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::feed::sniff::{self, DeclarationAt};
use crate::text::{clean_line, clip};
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
    /// tidings' own settings, kept in attributes of its namespace that other readers ignore
    /// (`tidings:every` in minutes, `tidings:fullText`).
    pub interval_minutes: Option<i64>,
    pub full_text: bool,
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
    /// Written as `tidings:every` (minutes) when set.
    pub interval_minutes: Option<i64>,
    /// Written as `tidings:fullText="true"` when on.
    pub full_text: bool,
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
    every: Option<String>,
    full_text: Option<String>,
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
        let interval_minutes = attrs
            .every
            .as_deref()
            .and_then(|m| m.trim().parse::<i64>().ok())
            .filter(|m| (1..=30 * 24 * 60).contains(m));
        let full_text = attrs
            .full_text
            .as_deref()
            .is_some_and(|v| matches!(v.trim(), "true" | "1"));
        self.out.feeds.push(OpmlEntry {
            url,
            title,
            site_link,
            tags,
            interval_minutes,
            full_text,
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
        } else if key == "tidings:every" {
            &mut attrs.every
        } else if key == "tidings:fullText" {
            &mut attrs.full_text
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

/// `Some` unless the string is empty.
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// The "what" of a skipped outline: the value as written, made safe to show in a terminal.
fn what(raw: &str) -> String {
    clip(&clean_line(raw), MAX_WHAT_CHARS)
}

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

/// Turns the document into UTF-8 text: a BOM wins (UTF-8, UTF-16), then UTF-16 recognised from
/// `<?`, then the XML declaration's encoding (any encoding_rs knows), each read by the rules of
/// [`crate::feed::sniff`]. Without a declaration, bytes that are not UTF-8 are read as
/// windows-1252; invalid bytes become U+FFFD, never dropped.
fn decode_document(bytes: &[u8]) -> Result<Cow<'_, str>, OpmlError> {
    if sniff::has_utf32_bom(bytes) {
        return Err(OpmlError::Encoding("UTF-32".to_string()));
    }
    if let Some((encoding, bom)) = sniff::bom(bytes) {
        return Ok(Cow::Owned(
            encoding
                .decode_without_bom_handling(&bytes[bom..])
                .0
                .into_owned(),
        ));
    }
    if let Some(encoding) = sniff::utf16_starting_with(bytes, b"<?") {
        return Ok(encoding.decode_without_bom_handling(bytes).0);
    }
    let Some(label) = declared_label(bytes) else {
        return Ok(match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
        });
    };
    match Encoding::for_label(label.as_bytes()) {
        // Declared as UTF-16 but read as 8-bit text: the declaration is wrong.
        Some(e) if e == UTF_16LE || e == UTF_16BE => Ok(String::from_utf8_lossy(bytes)),
        Some(e) => Ok(e.decode_without_bom_handling(bytes).0),
        None if bytes.is_ascii() => Ok(String::from_utf8_lossy(bytes)),
        None => Err(OpmlError::Encoding(clip(&clean_line(&label), 40))),
    }
}

/// The `encoding` of the XML declaration, trimmed and lower-cased, when there is one near the start
/// and it is not blank.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let span = sniff::declared_encoding(bytes, DeclarationAt::NearStart)?;
    let label = String::from_utf8_lossy(&bytes[span])
        .trim()
        .to_ascii_lowercase();
    (!label.is_empty()).then_some(label)
}

mod export;
pub use export::write_opml;

#[cfg(test)]
mod tests;
