//! Writing subscriptions as an OPML 2.0 document.

use std::collections::HashMap;

use super::ExportFeed;

/// Writes an OPML 2.0 document; feeds grouped in folder outlines by their first tag (feeds
/// without tags at top level); every feed also carries a `category` attribute listing all its
/// tags ("/a,/b" OPML 2.0 style); title = "tidings subscriptions". A feed's own interval and full-text
/// setting go into `tidings:every` and `tidings:fullText` (namespace `urn:tidings:opml:1`).
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
        "<opml version=\"2.0\" xmlns:tidings=\"urn:tidings:opml:1\">\n",
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
    // Our own settings, in our namespace: other readers ignore them, an import here restores them.
    if let Some(minutes) = feed.interval_minutes {
        out.push_str(&format!(" tidings:every=\"{minutes}\""));
    }
    if feed.full_text {
        out.push_str(" tidings:fullText=\"true\"");
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
