//! Parsing feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into the items we store, with stable ids.
//!
//! Before the feed parser sees a document it is decoded to UTF-8 here (byte order mark, then the HTTP
//! charset, then the XML declaration, as RFC 7303 orders them; each read by the rules of
//! [`crate::feed::sniff`]), so that a wrong or missing label never drops fields. The parser never
//! reads external entities or expands entities declared in a DOCTYPE: an unknown entity reference
//! stays as literal text.
//!
//! What is stored is what a reader can use as it is: every URL absolute ([`links`]: article link,
//! site link, links and images in the content), every date the feed gives read ([`dates`], also
//! without a time zone), and a document the parser refuses or misreads gets a second, lenient
//! reading before it is given up ([`lenient`]: sloppy JSON Feeds, XML that is not well formed,
//! Atom 0.3, namespaced RSS, RSS 1.0 items without a link).

mod dates;
mod lenient;
mod links;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use feed_rs::model::{Entry, Feed, Link};
use sha2::{Digest, Sha256};
use url::Url;

use crate::feed::discover::discover_feeds;
use crate::feed::sniff::{self, DeclarationAt};
use crate::store::{Enclosure, FeedContent, ItemData};
use crate::text::{clean_line, clip};

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// An HTML page; `feeds` are the feeds it names in its head (absolute http(s) URLs).
    #[error("{}", html_page_message(.feeds))]
    HtmlPage { feeds: Vec<String> },
    #[error("not a feed: {0}")]
    Invalid(String),
}

fn html_page_message(feeds: &[String]) -> String {
    match feeds {
        [] => "this is a web page, not a feed, and it links to no feed".into(),
        [one] => format!("this is a web page, not a feed; it links to this feed: {one}"),
        _ => format!(
            "this is a web page, not a feed; it links to these feeds: {}",
            feeds.join(", ")
        ),
    }
}

/// Parses raw feed bytes, taking the encoding from the document itself; see
/// [`parse_feed_with_charset`].
pub fn parse_feed(bytes: &[u8]) -> Result<FeedContent, ParseError> {
    parse_feed_with_charset(bytes, None, None)
}

pub use crate::feed::sniff::charset_from_content_type;

/// Parses raw feed bytes served with `http_charset` (the `charset` of the HTTP `Content-Type`, if any;
/// see [`charset_from_content_type`]). The text encoding is chosen as RFC 7303 orders it: a byte order
/// mark, else the HTTP charset, else the XML declaration; undeclared bytes are UTF-8 when they are
/// valid UTF-8, else windows-1252, and bytes invalid in the chosen encoding become U+FFFD. `base_url`
/// (where the document came from, after redirects) is the last base for the feed's relative URLs
/// (after `xml:base` and the feed's own link), and resolves the feed links of an HTML page given
/// instead of a feed; without it only the page's absolute links are reported.
///
/// A document the feed parser refuses is read once more leniently (see [`lenient`]); what that
/// reading finds is kept only when it has items, else the first error stands. Atom 0.3 and
/// namespaced RSS are renamed into the vocabularies the parser knows before it reads them, and an
/// RSS 1.0 document it reads fewer items from than it has (items without a link) is read again.
///
/// Items that repeat an id already seen in the same document are dropped. Dates are kept as the feed
/// gives them; the store clamps one in the far future where it sorts (see `store::clamp_future`).
pub fn parse_feed_with_charset(
    bytes: &[u8],
    http_charset: Option<&str>,
    base_url: Option<&str>,
) -> Result<FeedContent, ParseError> {
    let text = decode_document(bytes, http_charset);
    let text = if text.starts_with('<') {
        repair_references(with_rss_version(text))
    } else {
        text
    };
    let is_xml = text.starts_with('<');
    // Atom 0.3 and namespaced RSS read as empty feeds unless their vocabulary is renamed first.
    let renamed = if is_xml && declares_aliased_namespace(&text) {
        lenient::rewrite_xml(&text)
    } else {
        None
    };
    // feed-rs 3.0 slices person fields by bytes and panics on `<author>“a@b.c”</author>`: on a panic,
    // try once more with spaces around the non-ASCII characters of those fields.
    let attempt =
        |doc: &str| parse_document(doc).or_else(|_| parse_document(&pad_person_fields(doc)));
    let (doc, first) = match renamed.as_deref().map(|r| (r, attempt(r))) {
        Some((renamed, Ok(Ok(feed)))) => (renamed, Ok(Ok(feed))),
        // Renamed or not, the document as it came is the one to judge.
        _ => (&*text, attempt(&text)),
    };
    let (feed, rewritten) = match first {
        Ok(Ok(feed)) if is_xml && drops_rss1_items(&feed, doc) => {
            // RSS 1.0 items without a link are dropped by the parser: read them with one.
            match second_chance(doc, true) {
                Some((more, rewritten)) if more.entries.len() > feed.entries.len() => {
                    (more, rewritten)
                }
                _ => (feed, None),
            }
        }
        Ok(Ok(feed)) => (feed, None),
        failed => {
            let error = match failed {
                Ok(Err(_)) if is_html_page(&text) => {
                    return Err(ParseError::HtmlPage {
                        feeds: discover_feeds(&text, base_url.unwrap_or_default()),
                    });
                }
                Ok(Err(e)) => ParseError::Invalid(shown_error(&e.to_string())),
                _ => ParseError::Invalid("the feed parser failed on this document".into()),
            };
            match second_chance(doc, is_xml) {
                Some(found) => found,
                None => return Err(error),
            }
        }
    };
    let doc = rewritten.as_deref().unwrap_or(doc);
    let bases = if is_xml {
        links::scan_xml_bases(doc)
    } else {
        None
    };
    Ok(feed_content(feed, bases, base_url))
}

/// Whether the root start tag declares a namespace the parser reads only once renamed.
fn declares_aliased_namespace(text: &str) -> bool {
    let Some(root) = root_element_start(text.as_bytes()) else {
        return false;
    };
    let tag = &text[root..];
    let end = memchr::memchr(b'>', tag.as_bytes()).unwrap_or(tag.len());
    lenient::declares_aliased_namespace(&tag[..end])
}

/// Whether the parser read fewer items from this RSS 1.0 document than it has.
fn drops_rss1_items(feed: &Feed, doc: &str) -> bool {
    feed.feed_type == feed_rs::model::FeedType::RSS1
        && lenient::count_item_tags(doc) > feed.entries.len()
}

/// One run of the feed parser over a document. The parser must never take the program down: a
/// panic inside it becomes an `Err`. Each attempt gets a new parser (one that panicked may be left
/// in a broken state), dropped right after, so no broken state can be observed: unwind safe.
fn parse_document(doc: &str) -> std::thread::Result<Result<Feed, feed_rs::parser::ParseFeedError>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new()
            // Leave missing ids empty: we derive our own, stable ones below (feed-rs would use a
            // random UUID for items with neither link nor id).
            .id_generator(|_, _, _| String::new())
            .sanitize_content(false)
            .timestamp_parser(dates::parse_timestamp)
            .build()
            .parse(doc.as_bytes())
    }))
}

/// The lenient reading of a document the parser refused (or read too little of): a repaired JSON
/// Feed, or the XML rewritten into the shape the parser reads (see [`lenient::rewrite_xml`]). Kept
/// only when it parses, and for XML only when it finds items (a rewritten document without any says
/// nothing the error does not). Returns the feed and, for XML, the document it was read from.
fn second_chance(text: &str, is_xml: bool) -> Option<(Feed, Option<String>)> {
    if is_xml {
        let doc = lenient::rewrite_xml(text)?;
        let feed = parse_document(&doc)
            .or_else(|_| parse_document(&pad_person_fields(&doc)))
            .ok()?
            .ok()?;
        (!feed.entries.is_empty()).then_some((feed, Some(doc)))
    } else {
        let doc = lenient::repair_json_feed(text)?;
        let feed = parse_document(&doc).ok()?.ok()?;
        Some((feed, None))
    }
}

/// What we store from a parsed feed: items with stable ids (repeats of an id dropped), absolute
/// URLs and dates as given.
fn feed_content(feed: Feed, bases: Option<links::XmlBases>, base_url: Option<&str>) -> FeedContent {
    let bases = bases.unwrap_or_default();
    let fetched = base_url.and_then(links::base_url);
    // Titles are text, but feeds often write references in them (`&nbsp;`, `&#8217;`).
    let title = feed
        .title
        .as_ref()
        .map(|t| clean_line(&crate::text::decode_entities(&t.content)))
        .filter(|t| !t.is_empty());
    // The site link is read inside the feed's xml:base, over the fetched URL.
    let raw_site_link = main_link(&feed.links);
    let site_base = links::apply_xml_bases(fetched.clone(), bases.chain(bases.feed));
    let site_link = raw_site_link
        .as_deref()
        .and_then(|l| links::resolve(site_base.as_ref(), l));
    let site = site_link.as_deref().and_then(links::base_url);
    // The base below every xml:base: the feed's own link, else the fetched URL. When the site link
    // was itself relative to a relative xml:base, that xml:base is applied again below, so then the
    // fetched URL comes first.
    let site_inside_chain = bases.feed.is_some()
        && raw_site_link
            .as_deref()
            .is_some_and(|l| !links::is_absolute(l));
    let root = if site_inside_chain {
        fetched.or(site)
    } else {
        site.or(fetched)
    };
    // Each entry's xml:base chain, when the scan saw the same entries as the parser; many entries
    // share one, so the base of each chain is worked out once.
    let per_entry = bases.entries.len() == feed.entries.len();
    let mut chain_bases: HashMap<Option<usize>, Option<Url>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let innermost = if per_entry {
            bases.entries[i]
        } else {
            bases.feed
        };
        let base = chain_bases
            .entry(innermost)
            .or_insert_with(|| links::apply_xml_bases(root.clone(), bases.chain(innermost)));
        let item = item_from_entry(entry, base.as_ref());
        if seen.insert(item.guid.clone()) {
            items.push(item);
        }
    }
    FeedContent {
        title,
        site_link,
        items,
    }
}

/// Parser messages beyond this many characters are cut.
const MAX_ERROR_CHARS: usize = 300;

/// A parser message as it may be stored and shown: it can quote the document, so it is cleaned like
/// any feed text, and cut to a sane length.
fn shown_error(message: &str) -> String {
    clip(&clean_line(message), MAX_ERROR_CHARS)
}

/// Takes the entry by value: its bodies are moved, not copied. `base` is the entry's base (its
/// xml:base, else the feed's link, else the fetched URL), for its link and the URLs in its content.
fn item_from_entry(entry: Entry, base: Option<&Url>) -> ItemData {
    // Ids derived from the title use it as the feed writes it (as before titles were decoded), so
    // that stored articles keep their ids.
    let written_title = entry
        .title
        .as_ref()
        .map(|t| clean_line(&t.content))
        .unwrap_or_default();
    let title = entry
        .title
        .as_ref()
        .map(|t| clean_line(&crate::text::decode_entities(&t.content)))
        .unwrap_or_default();
    let raw_link = main_link(&entry.links);
    // The content's own xml:base (Atom), on top of the entry's.
    let content_base = match entry.base.as_deref() {
        Some(own) => links::apply_xml_bases(base.cloned(), [own]),
        None => base.cloned(),
    };
    let enclosures = enclosures(&entry, content_base.as_ref().or(base));
    let content = entry.content.and_then(|c| c.body);
    let summary = entry.summary.map(|s| s.content);
    // Ids are derived from the link as the feed gives it, so that they never change with the base.
    let guid = if entry.id.trim().is_empty() {
        derived_id(
            raw_link.as_deref(),
            &written_title,
            content.as_deref().or(summary.as_deref()),
        )
    } else {
        entry.id.trim().to_string()
    };
    // A link that cannot be made absolute is of no use to open; without any base it is all there is.
    let link = raw_link.and_then(|l| match links::resolve(base, &l) {
        Some(absolute) => Some(absolute),
        None if base.is_none() => Some(l),
        None => None,
    });
    let absolutize = |html: String, base: Option<&Url>| match base {
        Some(base) => links::absolutize_html(&html, base).unwrap_or(html),
        None => html,
    };
    ItemData {
        guid,
        title,
        author: entry
            .authors
            .iter()
            .filter_map(|a| a.name.as_deref().map(clean_line))
            .find(|n| !n.is_empty()),
        link,
        // As given, even far in the future: the store sorts such an item by when it was first seen.
        published: entry.published.map(|t| t.timestamp()),
        updated: entry.updated.map(|t| t.timestamp()),
        content: content.map(|c| absolutize(c, content_base.as_ref())),
        summary: summary.map(|s| absolutize(s, base)),
        enclosures,
    }
}

/// What an entry carries: RSS `<enclosure>` and Media RSS content (feed-rs puts both in `media`),
/// Atom `rel="enclosure"` links, JSON Feed attachments (links with a type and no `rel`). Absolute
/// http(s) URLs only, each once, at most [`crate::store::MAX_ENCLOSURES`].
fn enclosures(entry: &Entry, base: Option<&Url>) -> Vec<Enclosure> {
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).ok();
    let mut out: Vec<Enclosure> = Vec::new();
    let mut push = |url: &str, mime: Option<String>, length: Option<u64>, duration| {
        let Some(url) = links::resolve(base, url.trim()).or_else(|| Some(url.trim().to_string()))
        else {
            return;
        };
        let web = Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !web || out.len() >= crate::store::MAX_ENCLOSURES || out.iter().any(|e| e.url == url) {
            return;
        }
        out.push(Enclosure {
            url: clean_line(&url),
            mime: mime.map(|m| clean_line(&m)).filter(|m| !m.is_empty()),
            length: length
                .and_then(|l| i64::try_from(l).ok())
                .filter(|&l| l > 0),
            duration,
        });
    };
    // iTunes' duration comes in a media object of its own, without content.
    let any_duration = entry.media.iter().find_map(|m| m.duration);
    for media in &entry.media {
        for content in &media.content {
            if let Some(url) = &content.url {
                push(
                    url.as_str(),
                    content.content_type.as_ref().map(|t| t.to_string()),
                    content.size,
                    content
                        .duration
                        .or(media.duration)
                        .or(any_duration)
                        .and_then(seconds),
                );
            }
        }
    }
    for link in &entry.links {
        let attachment = link.rel.is_none()
            && link
                .media_type
                .as_deref()
                .is_some_and(|t| !t.starts_with("text/") && !t.contains("html"));
        if link.rel.as_deref() == Some("enclosure") || attachment {
            push(&link.href, link.media_type.clone(), link.length, None);
        }
    }
    out
}

/// A stable id for an item without one: a hash of its link and title (or its body when it has
/// neither). The same item always gets the same id, so a refresh never duplicates it.
pub fn derived_id(link: Option<&str>, title: &str, body: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(link.unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(title.as_bytes());
    if link.is_none() && title.is_empty() {
        hasher.update([0]);
        hasher.update(body.unwrap_or("").as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("tidings:{hex}")
}

/// The document with a space on each side of every non-ASCII character inside RSS person elements
/// (`author`, `managingEditor`, `webMaster`), which feed-rs cannot split into name and e-mail.
fn pad_person_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some((at, tag)) = ["<author>", "<managingEditor>", "<webMaster>"]
        .iter()
        .filter_map(|tag| rest.find(tag).map(|at| (at, *tag)))
        .min()
    {
        let start = at + tag.len();
        let close = format!("</{}", &tag[1..]);
        let end = rest[start..].find(&close).map_or(rest.len(), |e| start + e);
        out.push_str(&rest[..start]);
        for c in rest[start..end].chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The link to the page itself: `alternate` (or no rel) first, then whatever comes first. The
/// stand-in link the lenient reading gives RSS 1.0 items without one is no link.
fn main_link(links: &[Link]) -> Option<String> {
    let real = || links.iter().filter(|l| l.href != lenient::NO_LINK);
    // A JSON Feed attachment is a link without `rel` but with a media type: not the article.
    let attachment = |l: &Link| {
        l.rel.is_none()
            && l.media_type
                .as_deref()
                .is_some_and(|t| !t.starts_with("text/") && !t.contains("html"))
    };
    real()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")) && !attachment(l))
        .or_else(|| real().next())
        .map(|l| clean_line(&l.href))
        .filter(|h| !h.is_empty())
}

/// The document as UTF-8 text: leading whitespace and any byte order mark removed, and the XML
/// declaration's encoding rewritten to utf-8 (the feed parser would otherwise decode it again).
fn decode_document<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Cow<'a, str> {
    let text = match (sniff::bom(bytes), sniff::utf16_starting_with_markup(bytes)) {
        (Some((encoding, bom)), _) => encoding.decode_without_bom_handling(&bytes[bom..]).0,
        (None, Some(encoding)) => encoding.decode_without_bom_handling(bytes).0,
        (None, None) => {
            let bytes = trim_ascii_start(bytes);
            chosen_encoding(bytes, http_charset)
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    let text = match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.trim_start_matches(is_xml_space)),
        Cow::Owned(t) if t.starts_with(is_xml_space) => {
            Cow::Owned(t.trim_start_matches(is_xml_space).to_string())
        }
        owned => owned,
    };
    match declared_label(text.as_bytes()) {
        Some(span) if !text[span.clone()].eq_ignore_ascii_case("utf-8") => {
            let mut fixed = String::with_capacity(text.len());
            fixed.push_str(&text[..span.start]);
            fixed.push_str("utf-8");
            fixed.push_str(&text[span.end..]);
            Cow::Owned(fixed)
        }
        _ => text,
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    &bytes[skip..]
}

/// The encoding of an 8-bit document without a byte order mark (`bytes` starts at its first
/// non-space). A label claiming UTF-16 for it cannot be right (the label itself was readable as
/// ASCII), so it is ignored.
fn chosen_encoding(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    let usable = |label: &[u8]| {
        Encoding::for_label(label)
            .filter(|e| *e != UTF_16LE && *e != UTF_16BE && *e != encoding_rs::REPLACEMENT)
    };
    let is_json = bytes.first() == Some(&b'{');
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let declared = if is_json {
        // JSON is UTF-8 (RFC 8259): a charset parameter cannot make valid UTF-8 anything else.
        utf8.then_some(UTF_8)
    } else {
        declared_label(bytes).and_then(|span| usable(&bytes[span]))
    };
    let from_http = http_charset.and_then(|c| usable(c.trim().as_bytes()));
    match (from_http, declared) {
        // Servers often label everything with one default charset. When the bytes settle it against
        // the header — the document says UTF-8 and is UTF-8 (not plain ASCII, which reads the same
        // either way), or the header says UTF-8 and the bytes are not — the document is right.
        (Some(http), Some(declared))
            if http != UTF_8 && declared == UTF_8 && utf8 && !bytes.is_ascii() =>
        {
            UTF_8
        }
        (Some(http), Some(declared)) if http == UTF_8 && declared != UTF_8 && !utf8 => declared,
        (Some(http), _) => http,
        (None, Some(declared)) => declared,
        (None, None) if utf8 => UTF_8,
        (None, None) => WINDOWS_1252,
    }
}

/// Where the XML declaration at the start of `bytes` names its encoding, when the label is non-empty
/// ASCII. Works on raw bytes of any ASCII-compatible encoding, and on the decoded text.
fn declared_label(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    sniff::declared_encoding(bytes, DeclarationAt::Start)
        .filter(|span| !span.is_empty() && bytes[span.clone()].is_ascii())
}

/// Makes broken references well-formed, as the XML reader rejects the whole document for one: a bare
/// `&` (as in "AT&T") becomes `&amp;`, `&#X41;` becomes `&#x41;`, and a character reference to no
/// valid character (`&#0;`, a surrogate, beyond U+10FFFF, no digits) becomes U+FFFD. CDATA
/// sections are left alone.
fn repair_references(text: Cow<'_, str>) -> Cow<'_, str> {
    let mut fixed: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    // memchr: this pass reads every byte of every feed, so it uses the vectorised search.
    while let Some(found) = memchr::memchr2(b'&', b'<', &bytes[at..]) {
        let i = at + found;
        if bytes[i] == b'<' {
            if bytes[i..].starts_with(b"<![CDATA[") {
                let Some(end) = memchr::memmem::find(&bytes[i..], b"]]>") else {
                    break;
                };
                at = i + end + 3;
            } else {
                at = i + 1;
            }
            continue;
        }
        // `i` is at an ASCII byte, so a character boundary.
        let rest = &text[i..];
        at = i + 1;
        let replacement = match reference_len(rest) {
            Reference::Fine(len) => {
                at = i + len;
                continue;
            }
            Reference::UpperHex(len) => {
                at = i + len;
                (3, "&#x")
            }
            Reference::BadCharacter(len) => {
                at = i + len;
                (len, "&#xFFFD;")
            }
            Reference::NotOne => (1, "&amp;"),
        };
        let out = fixed.get_or_insert_with(|| String::with_capacity(text.len() + 64));
        out.push_str(&text[copied..i]);
        out.push_str(replacement.1);
        copied = i + replacement.0;
    }
    match fixed {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
        None => text,
    }
}

enum Reference {
    /// A well-formed reference of this many bytes (named ones may be unknown: they stay as text).
    Fine(usize),
    /// A hexadecimal character reference of this many bytes written `&#X…;`, which XML does not
    /// allow (only `&#x…;`): its `X` is made lowercase.
    UpperHex(usize),
    /// A character reference of this many bytes to something that is not a character.
    BadCharacter(usize),
    /// An `&` that starts no reference.
    NotOne,
}

/// What the `&` that `s` starts with begins.
fn reference_len(s: &str) -> Reference {
    const MAX_NAME: usize = 64;
    let Some(semicolon) = s[1..]
        .char_indices()
        .take(MAX_NAME)
        .find(|(_, c)| *c == ';')
    else {
        return Reference::NotOne;
    };
    let body = &s[1..1 + semicolon.0];
    let len = semicolon.0 + 2;
    if let Some(number) = body.strip_prefix('#') {
        let value = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse::<u32>(),
        };
        let digits_only = number
            .trim_start_matches(['x', 'X'])
            .chars()
            .all(|c| c.is_ascii_hexdigit());
        return match value.ok().and_then(char::from_u32) {
            Some(c) if c != '\0' && number.starts_with('X') => Reference::UpperHex(len),
            Some(c) if c != '\0' => Reference::Fine(len),
            _ if digits_only => Reference::BadCharacter(len),
            _ => Reference::NotOne,
        };
    }
    let mut chars = body.chars();
    let name_start = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    if name_start && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')) {
        Reference::Fine(len)
    } else {
        Reference::NotOne
    }
}

/// An `<rss>` root without a `version` (or with one the feed parser does not know, such as 0.94 or
/// 2.0.1) is read as RSS 2.0, a superset of the others: the parser would reject it.
fn with_rss_version(text: Cow<'_, str>) -> Cow<'_, str> {
    let Some(root) = root_element_start(text.as_bytes()) else {
        return text;
    };
    let tag = &text.as_bytes()[root..];
    let after_name = root + 4;
    let name_ends = tag
        .get(4)
        .is_none_or(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
    if !tag.starts_with(b"<rss") || !name_ends {
        return text;
    }
    let (span, value) = match rss_version_value(text.as_bytes(), after_name) {
        Some(Some(span)) => match &text[span.clone()] {
            "2.0" | "0.91" | "0.92" => return text,
            _ => (span, "2.0"),
        },
        Some(None) => (after_name..after_name, " version=\"2.0\""),
        None => return text,
    };
    let mut fixed = String::with_capacity(text.len() + value.len());
    fixed.push_str(&text[..span.start]);
    fixed.push_str(value);
    fixed.push_str(&text[span.end..]);
    Cow::Owned(fixed)
}

/// Where the root element's start tag begins: after the XML declaration, processing instructions,
/// comments, a DOCTYPE (with its internal subset) and whitespace.
fn root_element_start(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = &b[i..];
        if rest.starts_with(b"<?") {
            i += memchr::memmem::find(rest, b"?>")? + 2;
        } else if rest.starts_with(b"<!--") {
            i += memchr::memmem::find(rest, b"-->")? + 3;
        } else if rest.starts_with(b"<!") {
            i += markup_declaration_len(rest)?;
        } else if rest.first() == Some(&b'<') {
            return Some(i);
        } else {
            return None;
        }
    }
}

/// The length of `<!DOCTYPE …>`, skipping quoted strings and the bracketed internal subset.
fn markup_declaration_len(b: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, &c) in b.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The span of the root start tag's `version` value: `Some(None)` when the tag has no such attribute,
/// `None` when the tag could not be read.
fn rss_version_value(b: &[u8], mut i: usize) -> Option<Option<std::ops::Range<usize>>> {
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match b.get(i)? {
            b'>' | b'/' => return Some(None),
            _ => {}
        }
        let name_start = i;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let name = &b[name_start..i];
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if b.get(i)? != &b'=' {
            return None;
        }
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let quote = *b.get(i).filter(|q| matches!(q, b'"' | b'\''))?;
        let start = i + 1;
        let len = b[start..].iter().position(|&c| c == quote)?;
        if name == b"version" {
            return Some(Some(start..start + len));
        }
        i = start + len + 1;
    }
}

/// Whether this whole document is an HTML page (given where a feed was expected): its first 2 KiB
/// hold an `<html` tag or an HTML doctype, in any case.
fn is_html_page(text: &str) -> bool {
    let mut end = text.len().min(2048);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text[..end].to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}
