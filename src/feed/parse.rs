//! Parsing feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into the items we store, with stable ids.

use std::collections::HashSet;

use feed_rs::model::{Entry, Link};
use sha2::{Digest, Sha256};

use crate::store::{FeedContent, ItemData, clamp_future};
use crate::text::clean_line;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("this is a web page, not a feed")]
    HtmlPage,
    #[error("not a feed: {0}")]
    Invalid(String),
}

/// Parses raw feed bytes (the encoding is taken from the document itself). Items that repeat an id
/// already seen in the same document are dropped. `now` clamps dates in the far future.
pub fn parse_feed(bytes: &[u8], now: i64) -> Result<FeedContent, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        // Leave missing ids empty: we derive our own, stable ones below (feed-rs would use a random UUID
        // for items with neither link nor id).
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let utf8;
    let bytes = match decode_utf16(bytes) {
        Some(text) => {
            utf8 = text;
            utf8.as_bytes()
        }
        None => bytes,
    };
    // The parser must never take the program down: a panic inside it becomes an error.
    // The parser is dropped right after, so no broken state can be observed: unwind safe.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(bytes)))
        .map_err(|_| ParseError::Invalid("the feed parser failed on this document".into()))?;
    let feed = result.map_err(|e| {
        if looks_like_html(bytes) {
            ParseError::HtmlPage
        } else {
            ParseError::Invalid(e.to_string())
        }
    })?;
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in &feed.entries {
        let item = item_from_entry(entry, now);
        if seen.insert(item.guid.clone()) {
            items.push(item);
        }
    }
    Ok(FeedContent {
        title: feed
            .title
            .as_ref()
            .map(|t| clean_line(&t.content))
            .filter(|t| !t.is_empty()),
        site_link: main_link(&feed.links),
        items,
    })
}

fn item_from_entry(entry: &Entry, now: i64) -> ItemData {
    let title = entry
        .title
        .as_ref()
        .map(|t| clean_line(&t.content))
        .unwrap_or_default();
    let link = main_link(&entry.links);
    let content = entry.content.as_ref().and_then(|c| c.body.clone());
    let summary = entry.summary.as_ref().map(|s| s.content.clone());
    let guid = if entry.id.trim().is_empty() {
        derived_id(
            link.as_deref(),
            &title,
            content.as_deref().or(summary.as_deref()),
        )
    } else {
        entry.id.trim().to_string()
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
        published: clamp_future(entry.published.map(|t| t.timestamp()), now),
        updated: clamp_future(entry.updated.map(|t| t.timestamp()), now),
        content,
        summary,
    }
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

/// The link to the page itself: `alternate` (or no rel) first, then whatever comes first.
fn main_link(links: &[Link]) -> Option<String> {
    links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| links.first())
        .map(|l| clean_line(&l.href))
        .filter(|h| !h.is_empty())
}

/// UTF-16 documents (with a BOM, or recognisable from `<?` in the first bytes) decoded to UTF-8, with the
/// XML declaration's encoding corrected to match; `None` for anything else.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((e, bom)) if e == UTF_16LE || e == UTF_16BE => (e, &bytes[bom..]),
        Some(_) => return None,
        None if bytes.starts_with(&[0x00, b'<', 0x00, b'?']) => (UTF_16BE, bytes),
        None if bytes.starts_with(&[b'<', 0x00, b'?', 0x00]) => (UTF_16LE, bytes),
        None => return None,
    };
    let text = encoding.decode_without_bom_handling(body).0.into_owned();
    Some(fix_declared_encoding(text))
}

/// Rewrites `encoding="…"` in the XML declaration to utf-8 (the text is UTF-8 now).
fn fix_declared_encoding(text: String) -> String {
    let Some(end) = text.starts_with("<?xml").then(|| text.find("?>")).flatten() else {
        return text;
    };
    let declaration = &text[..end];
    let Some(at) = declaration.find("encoding") else {
        return text;
    };
    let after = &declaration[at..];
    let Some(open) = after.find(['"', '\'']) else {
        return text;
    };
    let quote = after[open..].chars().next().unwrap_or('"');
    let Some(close) = after[open + 1..].find(quote) else {
        return text;
    };
    let start = at + open + 1;
    let stop = start + close;
    format!("{}utf-8{}", &text[..start], &text[stop..])
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(2048)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}
