//! Feed autodiscovery: the feeds a web page names in its head, so that subscribing to a site's page
//! instead of its feed can tell the user what to subscribe to.

use dom_query::Document;
use url::Url;

/// Only this much of a page is looked at (its head is almost always far smaller).
const MAX_SCANNED: usize = 1024 * 1024;

/// At most this many feeds are reported.
const MAX_FEEDS: usize = 10;

/// The feeds a page links to with `<link rel="alternate" type="…" href="…">` (RSS, Atom, RDF and JSON
/// Feed types), in document order, resolved against the page's `<base href>` and then `base_url`,
/// http(s) only, without duplicates. Relative links are dropped when `base_url` is not an absolute
/// URL. Only the head (at most the first MiB) is parsed, and at most ten feeds are returned.
pub fn discover_feeds(html: &str, base_url: &str) -> Vec<String> {
    discover_feed_links(html, base_url)
        .into_iter()
        .map(|link| link.url)
        .collect()
}

/// A feed a page names, with the title the page gives it (cleaned for display; may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub url: String,
    pub title: String,
}

/// [`discover_feeds`] with each link's title, for a picker.
pub fn discover_feed_links(html: &str, base_url: &str) -> Vec<FeedLink> {
    // Bounded like every HTML we parse: a page with a million attributes costs what its text does.
    let doc = Document::from(&*crate::text::cap_html(head_of(html)));
    let page_base = Url::parse(base_url.trim()).ok();
    let base = doc
        .select("base[href]")
        .nodes()
        .first()
        .and_then(|n| n.attr("href"))
        .and_then(|href| resolve(page_base.as_ref(), &href))
        .or(page_base);
    let mut feeds: Vec<FeedLink> = Vec::new();
    for link in doc.select("link[href]").nodes() {
        let is_alternate = link.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let Some(href) = link.attr("href") else {
            continue;
        };
        let kind = link.attr("type").unwrap_or_default();
        let title = link.attr("title").unwrap_or_default();
        if !is_alternate || !is_feed_type(&kind, &href, &title) {
            continue;
        }
        let Some(url) = resolve(base.as_ref(), &href) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            continue;
        }
        let url = url.to_string();
        if !feeds.iter().any(|f| f.url == url) {
            feeds.push(FeedLink {
                url,
                title: crate::text::clip(&crate::text::clean_line(&title), 200),
            });
            if feeds.len() == MAX_FEEDS {
                break;
            }
        }
    }
    feeds
}

/// The start of `html` up to where its body begins (or the head ends), at most [`MAX_SCANNED`] bytes.
fn head_of(html: &str) -> &str {
    let mut end = html.len().min(MAX_SCANNED);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let scanned = &html[..end];
    let lower = scanned.to_ascii_lowercase();
    let cut = [lower.find("</head"), lower.find("<body")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(scanned.len());
    &scanned[..cut]
}

/// Whether a `<link rel="alternate">` of this MIME type is a feed. Plain `application/json` (JSON Feed
/// 1.0's type) counts only when the link calls itself a feed: WordPress names its REST API that way.
fn is_feed_type(kind: &str, href: &str, title: &str) -> bool {
    let kind = kind
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match kind.as_str() {
        "application/rss+xml"
        | "application/atom+xml"
        | "application/rdf+xml"
        | "application/feed+json" => true,
        "application/json" => {
            let says_feed = |s: &str| s.to_ascii_lowercase().contains("feed");
            !href.contains("/wp-json/") && (says_feed(href) || says_feed(title))
        }
        _ => false,
    }
}

fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    match base {
        Some(base) => base.join(href).ok(),
        None => Url::parse(href).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_resolves_and_dedupes_feed_links() {
        let html = r#"<!doctype html><html><head><title>Blog</title>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">
            <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://blog.example.com/atom.xml">
            <link rel="alternate" type="application/rss+xml" href="https://blog.example.com/feed.xml">
            <link rel="alternate" type="application/feed+json" href="feed.json">
            <link rel="alternate" type="application/json" href="https://blog.example.com/wp-json/wp/v2/posts/1">
            <link rel="alternate" type="application/json+oembed" href="/oembed?feed=1">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="ftp://blog.example.com/feed">
            <link rel="alternate" hreflang="de" href="/de/">
            </head><body><link rel="alternate" type="application/rss+xml" href="/body.xml"></body></html>"#;
        assert_eq!(
            discover_feeds(html, "https://blog.example.com/posts/hello"),
            vec![
                "https://blog.example.com/feed.xml",
                "https://blog.example.com/atom.xml",
                "https://blog.example.com/posts/feed.json",
            ]
        );
    }

    #[test]
    fn base_element_and_missing_base() {
        let html = r#"<html><head><base href="https://cdn.example.net/site/">
            <link rel="alternate" type="application/atom+xml" href="atom.xml">
            <link rel="alternate" type="application/json" title="JSON Feed" href="/index.json"></head></html>"#;
        assert_eq!(
            discover_feeds(html, "https://example.com/"),
            vec![
                "https://cdn.example.net/site/atom.xml",
                "https://cdn.example.net/index.json"
            ]
        );
        let html = r#"<head><link rel="alternate" type="application/rss+xml" href="/rel.xml">
            <link rel="alternate" type="application/rss+xml" href="https://example.com/abs.xml"></head>"#;
        assert_eq!(
            discover_feeds(html, ""),
            vec!["https://example.com/abs.xml"]
        );
    }

    #[test]
    fn huge_pages_are_cut_and_results_capped() {
        let mut html = String::from("<html><head>");
        for i in 0..50 {
            html.push_str(&format!(
                r#"<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">"#
            ));
        }
        html.push_str(&"<meta name=x content=y>".repeat(100_000));
        html.push_str("</head><body>");
        html.push_str(&"<p>é</p>".repeat(200_000));
        let feeds = discover_feeds(&html, "http://example.com/");
        assert_eq!(feeds.len(), MAX_FEEDS);
        assert_eq!(feeds[0], "http://example.com/f0.xml");
    }
}
