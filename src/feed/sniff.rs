//! How bytes become text: the byte-level rules that tell what character encoding a fetched document
//! is in, kept here once for every kind of document.
//!
//! Feeds ([`crate::feed::parse`]), OPML files ([`crate::feed::opml`]) and web pages
//! ([`crate::feed::fetch::decode_html`]) each weigh the evidence in their own order (RFC 7303 for
//! XML, the browsers' order for HTML), but they read it with the same rules, from here: a byte
//! order mark, UTF-16 without one, the `encoding` of an XML declaration, the `charset` parameter of
//! an HTTP `Content-Type`, and an HTML `<meta charset>`. One rule in one place means a fix (or a
//! cap against hostile input) reaches every caller.
//!
//! Everything here reads untrusted bytes: each function looks at a fixed-size head of the document
//! (or the header value it is given) and runs in time linear in what it looks at.

use std::ops::Range;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// The encoding a byte order mark at the start of `bytes` names (UTF-8, UTF-16LE or UTF-16BE), and
/// the length of the mark. The UTF-32LE mark starts with the UTF-16LE one and is reported as
/// UTF-16LE; see [`has_utf32_bom`] to tell them apart.
pub fn bom(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(bytes)
}

/// Whether `bytes` start with a UTF-32 byte order mark (either byte order): text this program
/// cannot decode.
pub fn has_utf32_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0, 0, 0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE, 0, 0])
}

/// The UTF-16 encoding (without a byte order mark) in which `bytes` begin with the ASCII text
/// `ascii`: each of its characters with a zero byte before it (big-endian) or after it
/// (little-endian). `ascii` must be non-empty and hold no zero byte.
pub fn utf16_starting_with(bytes: &[u8], ascii: &[u8]) -> Option<&'static Encoding> {
    debug_assert!(!ascii.is_empty() && !ascii.contains(&0));
    let units = bytes.get(..ascii.len() * 2)?.chunks_exact(2).zip(ascii);
    if units.clone().all(|(unit, &c)| unit == [0, c]) {
        Some(UTF_16BE)
    } else if units.clone().all(|(unit, &c)| unit == [c, 0]) {
        Some(UTF_16LE)
    } else {
        None
    }
}

/// The UTF-16 encoding (without a byte order mark) of a document that starts as markup does: with
/// `<` or XML whitespace.
pub fn utf16_starting_with_markup(bytes: &[u8]) -> Option<&'static Encoding> {
    [b"<", b" ", b"\t", b"\r", b"\n"]
        .into_iter()
        .find_map(|first| utf16_starting_with(bytes, first))
}

/// Where in a document its XML declaration (`<?xml … ?>`) is looked for. The declaration must end
/// within the first [`DeclarationAt::limit`] bytes either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclarationAt {
    /// At the very first byte, as XML requires (feeds: the caller has removed leading whitespace).
    Start,
    /// Anywhere near the start (OPML files, which some tools write with junk before the declaration).
    NearStart,
}

impl DeclarationAt {
    /// How many bytes at the start of a document are searched for the declaration.
    pub const fn limit(self) -> usize {
        match self {
            DeclarationAt::Start => 512,
            DeclarationAt::NearStart => 1024,
        }
    }
}

/// Where the value of `encoding="…"` (or `'…'`) is in the XML declaration of `bytes`, found as `at`
/// says: the span between the quotes, which may be empty or hold any bytes (callers decide what a
/// usable label is). Works on raw bytes of any ASCII-compatible encoding, and on decoded text.
pub fn declared_encoding(bytes: &[u8], at: DeclarationAt) -> Option<Range<usize>> {
    let head = &bytes[..bytes.len().min(at.limit())];
    let start = match at {
        DeclarationAt::Start => head.starts_with(b"<?xml").then_some(0)?,
        DeclarationAt::NearStart => memchr::memmem::find(head, b"<?xml")?,
    };
    let declaration = &head[start..];
    let declaration = &declaration[..memchr::memmem::find(declaration, b"?>")?];
    let name = memchr::memmem::find(declaration, b"encoding")?;
    let rest = declaration[name + b"encoding".len()..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = rest.split_first()?;
    if !matches!(quote, b'"' | b'\'') {
        return None;
    }
    let len = memchr::memchr(quote, value)?;
    let value_start = start + declaration.len() - value.len();
    Some(value_start..value_start + len)
}

/// The `charset` parameter of a `Content-Type` header value, unquoted (double or single quotes) and
/// trimmed; the first non-empty one. The parameter name is matched case-insensitively.
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches(['"', '\'']).trim();
        (key.trim().eq_ignore_ascii_case("charset") && !value.is_empty()).then_some(value)
    })
}

/// How many bytes at the start of an HTML page are searched for a `<meta>` charset.
pub const META_SCAN: usize = 4096;

/// The charset an HTML page names in its first [`META_SCAN`] bytes (`<meta charset="…">` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">`), lower-cased: the first `charset=`
/// anywhere there, then the label's letters, digits, `-` and `_` (possibly none). `None` when there
/// is no `charset=`, or the label runs to the end of the scanned bytes.
pub fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(META_SCAN)]).to_ascii_lowercase();
    let at = head.find("charset=")?;
    let rest = head[at + 8..].trim_start_matches(['"', '\'', ' ']);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests;
