//! Bounding a feed document before it is parsed: a feed of 500,000 entries would hold gigabytes in
//! the parser's tree, so a document with more than [`MAX_ITEMS`] items is cut before the first item
//! too many and closed again. One pass over the bytes (memchr), before any parsing.

use std::borrow::Cow;

use memchr::memmem;

/// Items read from one feed document, at most (feeds list their newest first).
pub const MAX_ITEMS: usize = 10_000;

/// The document with at most `max` items (`<item>` for RSS/RDF, `<entry>` for Atom), closed with
/// the end tags of its root; unchanged (borrowed) when it has no more than that, is not an
/// 8-bit XML document (UTF-16, JSON), or its root is not recognised. Returns how many items were
/// left out, for the log.
pub fn cap_items(bytes: &[u8], max: usize) -> (Cow<'_, [u8]>, usize) {
    let head = &bytes[..bytes.len().min(4096)];
    if head.contains(&0) || !head.contains(&b'<') {
        return (Cow::Borrowed(bytes), 0);
    }
    let (tag, closing): (&[u8], &[u8]) = if memmem::find(head, b"<feed").is_some() {
        (b"<entry", b"\n</feed>\n")
    } else if memmem::find(head, b"<rdf:RDF").is_some() {
        (b"<item", b"\n</rdf:RDF>\n")
    } else if memmem::find(head, b"<rss").is_some() || memmem::find(head, b"<channel").is_some() {
        (b"<item", b"\n</channel></rss>\n")
    } else {
        return (Cow::Borrowed(bytes), 0);
    };
    let mut count = 0;
    let mut cut = None;
    for at in memmem::find_iter(bytes, tag) {
        // `<item>` or `<item attr…>`, not `<items>` or `<itemX>`.
        let next = bytes.get(at + tag.len()).copied().unwrap_or(b'>');
        if !(next == b'>' || next == b'/' || next.is_ascii_whitespace()) {
            continue;
        }
        count += 1;
        if count == max + 1 {
            cut = Some(at);
        }
    }
    match cut {
        None => (Cow::Borrowed(bytes), 0),
        Some(at) => {
            let mut out = Vec::with_capacity(at + closing.len());
            out.extend_from_slice(&bytes[..at]);
            out.extend_from_slice(closing);
            (Cow::Owned(out), count - max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cap_items;

    fn rss(n: usize) -> String {
        let items: String = (0..n)
            .map(|i| format!("<item><guid>g{i}</guid><title>t{i}</title></item>"))
            .collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title>{items}</channel></rss>"
        )
    }

    #[test]
    fn small_feeds_pass_unchanged() {
        let doc = rss(5);
        let (out, left) = cap_items(doc.as_bytes(), 5);
        assert!(matches!(out, std::borrow::Cow::Borrowed(_)));
        assert_eq!(left, 0);
    }

    #[test]
    fn big_feeds_keep_the_first_items_and_still_parse() {
        let doc = rss(50);
        let (out, left) = cap_items(doc.as_bytes(), 10);
        assert_eq!(left, 40);
        let parsed = crate::feed::parse::parse_feed(&out).expect("still a feed");
        assert_eq!(parsed.items.len(), 10);
        assert_eq!(parsed.items[0].guid, "g0");

        let atom: String = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>a</title>{}</feed>",
            (0..30)
                .map(|i| format!("<entry><id>e{i}</id><title>t</title></entry>"))
                .collect::<String>()
        );
        let (out, left) = cap_items(atom.as_bytes(), 7);
        assert_eq!(left, 23);
        let parsed = crate::feed::parse::parse_feed(&out).expect("atom");
        assert_eq!(parsed.items.len(), 7);
    }

    #[test]
    fn lookalike_tags_do_not_count() {
        let doc = "<rss><channel><items/><itemize/><item>a</item></channel></rss>";
        assert_eq!(cap_items(doc.as_bytes(), 0).1, 1);
    }
}
