//! Lenient readings of documents the feed parser refuses or misreads, as real feeds are sloppy.
//!
//! * JSON Feed: [`repair_json_feed`] rewrites the fields feed-rs is strict about into the shapes it
//!   reads: a version URL given with `http://` (or a bare "1.0"), a missing title, `tags` as one
//!   comma-separated string, ids given as numbers, authors given as strings, attachments without a
//!   URL. Only called after feed-rs refused the document, so well-formed feeds pay nothing.
//! * XML: [`rewrite_xml`] re-emits a document in the shape the feed parser reads: balanced as a
//!   recovering parser (libxml2, which Newsboat uses) would read a document that is not well
//!   formed, with clean attributes, Atom 0.3 and namespaced RSS as the parser's own vocabularies,
//!   Atom text types it knows, and RSS 1.0 items it will not drop for lack of a link. Used for
//!   documents the parser refuses, for Atom 0.3 and namespaced RSS (which it would read as empty)
//!   and for RSS 1.0 documents it read fewer items from than they have. One pass, linear in the
//!   document, the output at most about twice its size.

use std::collections::HashSet;
use std::hash::BuildHasher;

use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// The version feed-rs reads.
const JSON_FEED_VERSION: &str = "https://jsonfeed.org/version/1";

/// The document rewritten so that feed-rs can read it, when it is a JSON object with an `items`
/// list (a JSON Feed, perhaps a sloppy one); `None` otherwise.
pub(super) fn repair_json_feed(text: &str) -> Option<String> {
    let mut value: Value = serde_json::from_str(text).ok()?;
    let feed = value.as_object_mut()?;
    let items = match feed.remove("items")? {
        Value::Array(items) => items,
        item @ Value::Object(_) => vec![item],
        _ => return None,
    };
    // feed-rs reads only versions under this URL, and nothing else depends on the version.
    feed.insert("version".into(), Value::String(JSON_FEED_VERSION.into()));
    let title = as_text(feed.remove("title")).unwrap_or_default();
    feed.insert("title".into(), Value::String(title));
    for key in [
        "home_page_url",
        "feed_url",
        "language",
        "description",
        "icon",
        "favicon",
    ] {
        text_field(feed, key);
    }
    author_fields(feed);
    let items = items
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(mut item) => {
                repair_item(&mut item);
                Some(Value::Object(item))
            }
            _ => None,
        })
        .collect();
    feed.insert("items".into(), Value::Array(items));
    serde_json::to_string(&value).ok()
}

fn repair_item(item: &mut Map<String, Value>) {
    for key in [
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "date_published",
        "date_modified",
    ] {
        text_field(item, key);
    }
    author_fields(item);
    let tags: Vec<Value> = match item.remove("tags") {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(t.to_string()))
            .collect(),
        Some(Value::Array(tags)) => tags
            .into_iter()
            .filter_map(|t| as_text(Some(t)).map(Value::String))
            .collect(),
        _ => Vec::new(),
    };
    if !tags.is_empty() {
        item.insert("tags".into(), Value::Array(tags));
    }
    let attachments: Vec<Value> = match item.remove("attachments") {
        Some(Value::Array(list)) => list,
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
    .into_iter()
    .filter_map(|a| {
        let Value::Object(mut a) = a else {
            return None;
        };
        let url = as_text(a.remove("url"))?;
        let mime_type = as_text(a.remove("mime_type")).unwrap_or_default();
        let mut out = Map::new();
        out.insert("url".into(), Value::String(url));
        out.insert("mime_type".into(), Value::String(mime_type));
        if let Some(title) = as_text(a.remove("title")) {
            out.insert("title".into(), Value::String(title));
        }
        if let Some(size) = a.remove("size_in_bytes").and_then(|s| s.as_u64()) {
            out.insert("size_in_bytes".into(), Value::from(size));
        }
        Some(Value::Object(out))
    })
    .collect();
    if !attachments.is_empty() {
        item.insert("attachments".into(), Value::Array(attachments));
    }
}

/// A string field as a string: numbers and booleans become their text, anything else is removed.
fn text_field(object: &mut Map<String, Value>, key: &str) {
    if let Some(text) = as_text(object.remove(key)) {
        object.insert(key.into(), Value::String(text));
    }
}

fn as_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `author` as one author object and `authors` as a list of them (a string is a name).
fn author_fields(object: &mut Map<String, Value>) {
    if let Some(author) = object.remove("author").and_then(as_author) {
        object.insert("author".into(), author);
    }
    let authors: Vec<Value> = match object.remove("authors") {
        Some(Value::Array(list)) => list.into_iter().filter_map(as_author).collect(),
        Some(one) => as_author(one).into_iter().collect(),
        None => Vec::new(),
    };
    if !authors.is_empty() {
        object.insert("authors".into(), Value::Array(authors));
    }
}

fn as_author(value: Value) -> Option<Value> {
    let mut out = Map::new();
    match value {
        Value::String(name) => {
            out.insert("name".into(), Value::String(name));
        }
        Value::Object(mut a) => {
            for key in ["name", "url"] {
                if let Some(text) = as_text(a.remove(key)) {
                    out.insert(key.into(), Value::String(text));
                }
            }
        }
        _ => return None,
    }
    Some(Value::Object(out))
}

/// Elements open at once beyond this are not tracked (they are left out, and as many end tags after
/// them); a feed is never this deep.
const MAX_OPEN: usize = 4096;
/// An end tag looks this far down the open elements for its start; no further (linear time).
const MAX_END_SEARCH: usize = 64;
/// At most this many attributes per element are kept.
const MAX_ATTRIBUTES: usize = 256;

/// The link given to an RSS 1.0 item that has none, so that the feed parser keeps the item (it
/// drops items without a link); taken out again before the item is stored.
pub(super) const NO_LINK: &str = "tidings:no-link";

/// Namespaces read as the one the feed parser knows for the same elements: Atom 0.3 as Atom 1.0,
/// RSS 0.90 and the namespaced variants of RSS 2.0 as RSS 1.0's (the parser reads RSS elements in
/// that namespace).
const NAMESPACE_ALIASES: [(&str, &str); 4] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    (
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    ),
    (
        "http://backend.userland.com/rss2",
        "http://purl.org/rss/1.0/",
    ),
    (
        "http://blogs.law.harvard.edu/tech/rss",
        "http://purl.org/rss/1.0/",
    ),
];
const ATOM_03: &str = "http://purl.org/atom/ns#";

/// Whether the root start tag (`root_tag`, from `<` to `>`) declares a namespace the feed parser
/// only reads after [`rewrite_xml`] has renamed it.
pub(super) fn declares_aliased_namespace(root_tag: &str) -> bool {
    NAMESPACE_ALIASES
        .iter()
        .any(|(from, _)| memchr::memmem::find(root_tag.as_bytes(), from.as_bytes()).is_some())
}

/// How many RSS 1.0 `item` start tags (`<item` or `<prefix:item`) the document has: a quick count
/// by text search (one in a comment counts too) to tell whether the parser dropped items.
pub(super) fn count_item_tags(text: &str) -> usize {
    let b = text.as_bytes();
    memchr::memmem::find_iter(b, b"item")
        .filter(|&at| {
            let after = b.get(at + 4).copied();
            if !matches!(after, Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')) {
                return false;
            }
            match at.checked_sub(1).map(|i| b[i]) {
                Some(b'<') => true,
                Some(b':') => {
                    // `<prefix:item`: back over the prefix (a short name) to the `<`.
                    let mut i = at - 1;
                    while i > 0 && at - i < 64 && is_name_byte(b[i - 1]) {
                        i -= 1;
                    }
                    i > 0 && b[i - 1] == b'<'
                }
                _ => false,
            }
        })
        .count()
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.') || c >= 0x80
}

/// Whether `name` is an XML name (ASCII rules; any non-ASCII byte is allowed).
fn is_xml_name(name: &[u8]) -> bool {
    name.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b':') || *c >= 0x80)
        && name.iter().all(|&c| is_name_byte(c) || c == b':')
}

/// What kind of feed the root element makes the document.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    Unknown,
    Atom,
    Rdf,
    Other,
}

/// One open element: its name as written (what an end tag must match) and as re-emitted.
struct Open {
    written: String,
    /// A keyed hash of `written`: an end tag is compared with the open elements by hash first, so
    /// names made to share long prefixes cost nothing extra.
    hash: u64,
    emitted: String,
}

/// `text` (a decoded XML document) re-emitted in the shape the feed parser reads; `None` when it
/// has no element at all. In one pass:
///
/// * elements are balanced: an end tag that closes nothing is dropped, one that closes an element
///   further out closes those inside it first, and what is open at the end — or where the
///   tokenizer gives up on the document — is closed there; `a <b` in text stays text;
/// * attributes are kept only when well formed, each name once;
/// * namespaces in [`NAMESPACE_ALIASES`] are renamed, Atom 0.3's `issued`, `modified`, `tagline`
///   and `copyright` become Atom 1.0's `published`, `updated`, `subtitle` and `rights`;
/// * the `type` (and Atom 0.3 `mode`) of Atom text elements becomes one the parser reads
///   (`text/html` is `html`, an unknown or base64 type is `text`), as it refuses the whole feed
///   for one it does not know;
/// * an RSS 1.0 item gets a last `<link>` of [`NO_LINK`], which keeps it when it has no link.
pub(super) fn rewrite_xml(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.check_comments = false;
    config.allow_dangling_amp = true;
    let mut out = String::with_capacity(text.len() + 256);
    let mut open: Vec<Open> = Vec::new();
    let hasher = std::collections::hash_map::RandomState::new();
    let mut overflow = 0usize;
    let mut root = Root::Unknown;
    let mut atom03 = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        let raw = &text[before..(reader.buffer_position() as usize).min(text.len())];
        match event {
            Event::Start(start) | Event::Empty(start)
                if !is_xml_name(start.name().as_ref().as_bytes()) =>
            {
                push_escaped_text(&mut out, raw);
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let written = start.name().as_ref().to_string();
                if root == Root::Unknown {
                    root = match local(&written) {
                        "feed" | "entry" => Root::Atom,
                        "RDF" => Root::Rdf,
                        _ => Root::Other,
                    };
                    atom03 = root == Root::Atom
                        && memchr::memmem::find(raw.as_bytes(), ATOM_03.as_bytes()).is_some();
                }
                if !empty && open.len() >= MAX_OPEN {
                    overflow += 1;
                    continue;
                }
                let emitted = if atom03 {
                    renamed_atom03(&written)
                } else {
                    written.clone()
                };
                if empty && root == Root::Rdf && open.len() == 1 && local(&emitted) == "item" {
                    // `<item/>`: an item all the same, given its link as any other.
                    push_start(&mut out, start, &emitted, root, false);
                    open.push(Open {
                        hash: hasher.hash_one(&written),
                        written,
                        emitted,
                    });
                    close(&mut out, &mut open, root);
                    continue;
                }
                push_start(&mut out, start, &emitted, root, empty);
                if !empty {
                    open.push(Open {
                        hash: hasher.hash_one(&written),
                        written,
                        emitted,
                    });
                }
            }
            Event::End(end) => {
                if overflow > 0 {
                    overflow -= 1;
                    continue;
                }
                let name = end.name();
                let name = name.as_ref();
                let hash = hasher.hash_one(name);
                let Some(found) = open
                    .iter()
                    .rev()
                    .take(MAX_END_SEARCH)
                    .position(|o| o.hash == hash && o.written == name)
                else {
                    continue;
                };
                for _ in 0..=found {
                    close(&mut out, &mut open, root);
                }
            }
            // Text, references, CDATA, comments, processing instructions, the declaration and a
            // DOCTYPE are copied as written.
            _ => out.push_str(raw),
        }
        if root != Root::Unknown && open.is_empty() {
            // The root closed: whatever follows is not part of the feed.
            break;
        }
    }
    while !open.is_empty() {
        close(&mut out, &mut open, root);
    }
    (root != Root::Unknown).then_some(out)
}

/// Closes the innermost open element; an RSS 1.0 item gets its [`NO_LINK`] link first.
fn close(out: &mut String, open: &mut Vec<Open>, root: Root) {
    let Some(element) = open.pop() else {
        return;
    };
    if root == Root::Rdf && open.len() == 1 && local(&element.emitted) == "item" {
        let prefix = &element.emitted[..element.emitted.len() - "item".len()];
        out.push_str(&format!("<{prefix}link>{NO_LINK}</{prefix}link>"));
    }
    out.push_str("</");
    out.push_str(&element.emitted);
    out.push('>');
}

/// The local part of a qualified name.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// An Atom 0.3 element name as its Atom 1.0 equivalent (prefix kept).
fn renamed_atom03(name: &str) -> String {
    let (prefix, local) = match name.rsplit_once(':') {
        Some((p, l)) => (&name[..p.len() + 1], l),
        None => ("", name),
    };
    let renamed = match local {
        "issued" => "published",
        "modified" => "updated",
        "tagline" => "subtitle",
        "copyright" => "rights",
        _ => return name.to_string(),
    };
    format!("{prefix}{renamed}")
}

/// The `type` an Atom text element (`local`) should have for the parser, given its `type` and
/// Atom 0.3 `mode`; `None` keeps the one it has.
fn atom_text_type(local: &str, ty: Option<&str>, mode: Option<&str>) -> Option<&'static str> {
    let is_content = local == "content";
    let ty = ty.unwrap_or("").trim().to_ascii_lowercase();
    let mode = mode.unwrap_or("").trim().to_ascii_lowercase();
    let html = || if ty.contains("html") { "html" } else { "text" };
    match (mode.as_str(), ty.as_str()) {
        ("escaped", _) => Some(html()),
        ("base64", _) => Some("text"),
        (_, "text" | "html" | "xhtml") => None,
        (_, "") if !is_content => Some("text"),
        (_, "") => None,
        (_, "text/plain") => Some("text"),
        (_, "text/html") => Some("html"),
        (_, "application/xhtml+xml") => Some("xhtml"),
        // Content may be of any media type; a text element of an unknown type is text.
        (_, t)
            if is_content
                && t.split_once('/')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()) =>
        {
            None
        }
        _ => Some("text"),
    }
}

/// The Atom elements whose `type` says how their text is written.
fn is_atom_text(local: &str) -> bool {
    matches!(
        local,
        "title" | "subtitle" | "summary" | "rights" | "content" | "tagline" | "copyright" | "info"
    )
}

fn push_escaped_text(out: &mut String, raw: &str) {
    for c in raw.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// A start tag named `name`, with only its well-formed attributes (each name once), namespaces
/// renamed and, in Atom, the text `type` fixed.
fn push_start(out: &mut String, start: &BytesStart<'_>, name: &str, root: Root, empty: bool) {
    out.push('<');
    out.push_str(name);
    let mut kept: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::new();
    let mut names: HashSet<&str> = HashSet::new();
    for attribute in start.attributes().with_checks(false) {
        let Ok(attribute) = attribute else {
            // The rest of the tag cannot be read reliably.
            break;
        };
        let key = attribute.key.into_inner();
        if !is_xml_name(key.as_bytes()) || kept.len() >= MAX_ATTRIBUTES || !names.insert(key) {
            continue;
        }
        kept.push((key, attribute.value));
    }
    let local_name = local(name);
    let new_type = if root == Root::Atom && is_atom_text(local_name) {
        let find = |k: &str| {
            kept.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.as_ref())
        };
        atom_text_type(local_name, find("type"), find("mode"))
    } else {
        None
    };
    let mut typed = false;
    for (key, value) in &kept {
        let value: &str = match *key {
            "type" if new_type.is_some() => {
                typed = true;
                new_type.unwrap_or_default()
            }
            k if k == "xmlns" || k.starts_with("xmlns:") => NAMESPACE_ALIASES
                .iter()
                .find(|(from, _)| value.trim() == *from)
                .map_or(value.as_ref(), |(_, to)| to),
            _ => value.as_ref(),
        };
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '"' => out.push_str("&quot;"),
                '<' => out.push_str("&lt;"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    if let (Some(ty), false) = (new_type, typed) {
        out.push_str(" type=\"");
        out.push_str(ty);
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_feed_repairs() {
        let doc = r#"{"version": "http://jsonfeed.org/version/1", "items": [
            {"id": 7, "url": "/a", "tags": "one, two,", "author": "Ann"},
            "not an item",
            {"id": "b", "attachments": [{"mime_type": "x"}, {"url": "/e.mp3"}]}]}"#;
        let fixed: Value = serde_json::from_str(&repair_json_feed(doc).unwrap()).unwrap();
        assert_eq!(fixed["version"], JSON_FEED_VERSION);
        assert_eq!(fixed["title"], "");
        let items = fixed["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], "7");
        assert_eq!(items[0]["tags"], serde_json::json!(["one", "two"]));
        assert_eq!(items[0]["author"]["name"], "Ann");
        assert_eq!(items[1]["attachments"].as_array().unwrap().len(), 1);
        assert_eq!(repair_json_feed(r#"{"title": "no items"}"#), None);
        assert_eq!(repair_json_feed("[1, 2]"), None);
        assert_eq!(repair_json_feed("{truncated"), None);
    }

    #[test]
    fn xml_is_balanced() {
        let doc = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title></b></item><item a="1" a="2" 3="x"><title>B</title>"#;
        let fixed = rewrite_xml(doc).unwrap();
        assert!(fixed.ends_with("</item></channel></rss>"), "{fixed}");
        assert!(!fixed.contains("</b>"), "{fixed}");
        assert!(fixed.contains(r#"<item a="1">"#), "{fixed}");
        let crossed = rewrite_xml("<a><b><c></b>x</a>").unwrap();
        assert_eq!(crossed, "<a><b><c></c></b>x</a>");
        let atom03 = rewrite_xml(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><issued>x</issued>
<title type="text/html" mode="escaped">&lt;b&gt;</title><content type="application/xhtml+xml"><div/></content>
<summary type="application/octet-stream" mode="base64">AA==</summary></entry></feed>"#,
        )
        .unwrap();
        assert!(
            atom03.contains(r#"xmlns="http://www.w3.org/2005/Atom""#),
            "{atom03}"
        );
        assert!(atom03.contains("<published>x</published>"), "{atom03}");
        assert!(
            atom03.contains(r#"<title type="html" mode="escaped">"#),
            "{atom03}"
        );
        assert!(atom03.contains(r#"<content type="xhtml">"#), "{atom03}");
        assert!(
            atom03.contains(r#"<summary type="text" mode="base64">"#),
            "{atom03}"
        );
        let rdf = rewrite_xml(
            r#"<rdf:RDF xmlns:rdf="r" xmlns="http://purl.org/rss/1.0/"><item><title>t</title></item></rdf:RDF>"#,
        )
        .unwrap();
        assert!(
            rdf.contains(&format!("<link>{NO_LINK}</link></item>")),
            "{rdf}"
        );
        assert_eq!(
            count_item_tags("<item>a</item><rss:item x='1'/><!-- <items> --><itemx>"),
            2
        );
        assert_eq!(rewrite_xml("just text"), None);
    }

    #[test]
    fn hostile_names_and_attributes_stay_linear() {
        let long = "n".repeat(1000);
        let mut doc = String::from("<rss>");
        for i in 0..64 {
            doc.push_str(&format!("<{long}{i:02}>"));
        }
        doc.push_str(&format!("</{long}xx>").repeat(20_000));
        doc.push_str("<item ");
        for i in 0..100_000 {
            doc.push_str(&format!("{long}{i}=\"v\" "));
        }
        doc.push_str("/></rss>");
        let started = std::time::Instant::now();
        let fixed = rewrite_xml(&doc).unwrap();
        assert!(fixed.len() <= doc.len() * 2);
        assert!(fixed.ends_with("</rss>"));
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }

    #[test]
    fn deep_and_unmatched_documents_stay_linear() {
        let mut doc = "<x>".repeat(100_000);
        doc.push_str(&"</y>".repeat(100_000));
        let started = std::time::Instant::now();
        let fixed = rewrite_xml(&doc).unwrap();
        assert!(fixed.len() <= doc.len() * 2);
        assert!(started.elapsed().as_secs() < 10);
    }
}
