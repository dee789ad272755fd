//! Generic boilerplate removal inside the chosen content: captions, share bars, bylines and datelines
//! at the edges, "Related posts" and comment sections, link lists. Nothing is keyed to one site.

use dom_query::{Document, NodeRef};

use super::content_root;
use super::plain::{Kind, collapse_ws, kind_of};

pub(super) fn post_clean(doc: &Document) {
    let Some(root) = content_root(doc) else {
        return;
    };
    // Elements that never carry article prose.
    doc.select(
        "figcaption, script, style, noscript, template, iframe, form, button, select, input, \
         textarea, nav, aside, [hidden], [aria-hidden=true]",
    )
    .remove();

    let total = root.normalized_char_count().max(1);
    // Class/id based boilerplate, only for blocks that are a small part of
    // the article (so that a wrapper with an unlucky class survives).
    let mut doomed = Vec::new();
    for node in doc.select("[class], [id]").nodes() {
        let name = node.node_name().unwrap_or_default();
        if matches!(name.as_ref(), "html" | "body") {
            continue;
        }
        let mut attrs = String::new();
        if let Some(c) = node.class() {
            attrs.push_str(&c);
        }
        attrs.push(' ');
        if let Some(i) = node.id_attr() {
            attrs.push_str(&i);
        }
        if is_boilerplate_attr(&attrs) {
            let len = node.normalized_char_count();
            if len * 4 < total {
                doomed.push(*node);
            }
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }

    // Text-based: short blocks that are boilerplate phrases.
    let mut doomed = Vec::new();
    for node in doc
        .select("p, div, span, li, h1, h2, h3, h4, h5, h6, strong, b, em, small, section, ul")
        .nodes()
    {
        let text = collapse_ws(&node.text());
        if text.is_empty() {
            if node.select_img_count() == 0 {
                doomed.push(*node);
            }
            continue;
        }
        if text.chars().count() <= 120 && is_boilerplate_text(&text) {
            doomed.push(*node);
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }

    // Tail cut: a heading announcing related content, comments or a reply
    // form ends the article.
    cut_at_tail_headings(doc);
    clean_margins(doc);
}

/// Whether `node` is a block without block descendants.
pub(super) fn is_leaf_block(node: &NodeRef<'_>) -> bool {
    node.descendants_it().all(|d| {
        !d.is_element()
            || d.node_name()
                .is_none_or(|n| matches!(kind_of(n.as_ref()), Kind::Inline | Kind::Br | Kind::Skip))
    })
}

/// Cleans the margins of the article: the blocks before its first and after
/// its last substantial paragraph, where datelines, bylines, share bars, tag
/// lists and lists of related links live.
pub(super) fn clean_margins(doc: &Document) {
    let Some(root) = content_root(doc) else {
        return;
    };
    // Leaf blocks and lists in document order.
    let mut blocks: Vec<(NodeRef<'_>, String)> = Vec::new();
    let mut lists: Vec<(NodeRef<'_>, usize)> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let Some(name) = node.node_name() else {
            continue;
        };
        let kind = kind_of(name.as_ref());
        if matches!(kind, Kind::Skip) {
            continue;
        }
        if matches!(name.as_ref(), "ul" | "ol") {
            lists.push((node, blocks.len()));
        }
        if !matches!(kind, Kind::Inline | Kind::Br) && is_leaf_block(&node) {
            let text = collapse_ws(&node.text());
            if !text.is_empty() {
                blocks.push((node, text));
            }
            continue;
        }
        let start = stack.len();
        for c in node.children_it(false) {
            if c.is_element() {
                stack.push(c);
            }
        }
        stack[start..].reverse();
    }
    let substantial = |t: &str| t.chars().count() >= 120 && t.split_whitespace().count() >= 12;
    let Some(first) = blocks.iter().position(|(_, t)| substantial(t)) else {
        return;
    };
    let last = blocks
        .iter()
        .rposition(|(_, t)| substantial(t))
        .unwrap_or(first);
    let mut doomed = Vec::new();
    for (i, (node, text)) in blocks.iter().enumerate() {
        if (i < first || i > last) && is_margin_noise(text) {
            doomed.push(*node);
        }
    }
    // Lists of links after the article: related stories.
    for (list, first_block) in &lists {
        if *first_block > last {
            let text_len = list.normalized_char_count();
            let link_len: usize = list
                .descendants_it()
                .filter(|a| a.has_name("a"))
                .map(|a| a.normalized_char_count())
                .sum();
            let items = list.children_it(false).filter(|c| c.is_element()).count();
            if items >= 2 && link_len * 10 >= text_len * 7 {
                doomed.push(*list);
            }
        }
    }
    for n in doomed {
        n.remove_from_parent();
    }
}

pub(super) const MONTHS: &[&str] = &[
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "enero",
    "febrero",
    "marzo",
    "mayo",
    "junio",
    "julio",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A short dateline/timestamp ("Updated Nov 19, 6:55 AM", "22 de janeiro
/// de 2018 às 0:13", "05/10/2018").
pub(super) fn looks_like_dateline(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 16 {
        return false;
    }
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let has_year = tokens.iter().any(|t| {
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.bytes().all(|b| b.is_ascii_digit())
    });
    let has_month = tokens.iter().any(|t| MONTHS.contains(t));
    let has_day = tokens
        .iter()
        .any(|t| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()));
    let has_clock = lower
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    let numeric_date = lower.as_bytes().windows(5).any(|w| {
        w[0].is_ascii_digit()
            && (w[1] == b'/' || w[2] == b'/' || w[1] == b'.' || w[2] == b'.')
            && w[4].is_ascii_digit()
    }) && has_year;
    (has_month && (has_year || has_day || has_clock)) || numeric_date || (has_clock && has_year)
}

/// Noise typical of the margins of an article.
pub(super) fn is_margin_noise(text: &str) -> bool {
    if looks_like_dateline(text) || is_share_bar(text) {
        return true;
    }
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    const BYLINE: &[&str] = &[
        "by ",
        "posted by",
        "written by",
        "published by",
        "author:",
        "por ",
        "publicado por",
        "tags",
        "tagged",
        "categories:",
        "category:",
        "filed under",
        "posted in",
    ];
    words <= 8 && BYLINE.iter().any(|b| lower.starts_with(b))
}

/// A row of share buttons ("Facebook Twitter WhatsApp Email").
pub(super) fn is_share_bar(text: &str) -> bool {
    const SOCIAL: &[&str] = &[
        "facebook",
        "twitter",
        "whatsapp",
        "pinterest",
        "pin",
        "pint",
        "linkedin",
        "reddit",
        "email",
        "e-mail",
        "telegram",
        "tumblr",
        "share",
        "tweet",
        "print",
        "messenger",
        "sms",
        "copy",
        "link",
        "mail",
        "flipboard",
        "pocket",
        "vk",
        "x",
    ];
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let social = words.iter().filter(|w| SOCIAL.contains(w)).count();
    !words.is_empty() && words.len() <= 12 && social >= 2 && social * 2 >= words.len()
}

pub(super) trait ImgCount {
    fn select_img_count(&self) -> usize;
}
impl ImgCount for NodeRef<'_> {
    fn select_img_count(&self) -> usize {
        self.descendants_it()
            .filter(|n| {
                n.node_name()
                    .is_some_and(|t| matches!(t.as_ref(), "img" | "picture" | "video" | "br"))
            })
            .count()
    }
}

/// Class/id tokens that mark boilerplate.
pub(super) fn is_boilerplate_attr(attrs: &str) -> bool {
    let lower = attrs.to_ascii_lowercase();
    // Distinctive substrings (also catch camelCase and compound names).
    const SUBSTRINGS: &[&str] = &[
        "caption",
        "share",
        "sharing",
        "social",
        "related",
        "newsletter",
        "breadcrumb",
        "byline",
        "comment",
        "sponsor",
        "outbrain",
        "taboola",
        "promo",
        "subscribe",
        "signup",
        "sign-up",
        "advert",
        "copyright",
        "disqus",
        "author-bio",
        "authorbio",
        "author-info",
        "about-author",
        "recommend",
        "readmore",
        "read-more",
        "more-stories",
        "tagcloud",
        "post-tags",
        "entry-tags",
        "tags-links",
        "cat-links",
        "entry-meta",
        "post-meta",
        "article-meta",
        "timestamp",
        "dateline",
        "credit",
        "toolbar",
        "pagination",
    ];
    if SUBSTRINGS.iter().any(|s| lower.contains(s)) {
        return true;
    }
    const TOKENS: &[&str] = &[
        "ad", "ads", "tags", "tag", "meta", "date", "time", "author", "widget", "sidebar",
        "footer", "popup", "modal", "print", "nav", "menu", "rating", "follow",
    ];
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| TOKENS.contains(&t))
}

/// Short texts that are boilerplate phrases.
pub(super) fn is_boilerplate_text(text: &str) -> bool {
    let lower = text.to_lowercase();
    let l = lower.trim_matches(|c: char| !c.is_alphanumeric());
    const EXACT: &[&str] = &[
        "advertisement",
        "advert",
        "sharing is caring",
        "share this",
        "share this article",
        "share this post",
        "share this story",
        "share",
        "tweet",
        "email",
        "print",
        "comments",
        "leave a reply",
        "leave a comment",
        "related posts",
        "related articles",
        "related stories",
        "related",
        "you may also like",
        "you might also like",
        "read more",
        "continue reading",
        "subscribe",
        "sign up",
        "tags",
        "don't miss",
        "see more",
        "click here",
    ];
    if EXACT.contains(&l) {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "photo:",
        "photos:",
        "image:",
        "images:",
        "credit:",
        "source:",
        "picture:",
        "pictured:",
        "photograph:",
        "(image:",
        "(photo:",
        "read more:",
        "see more:",
        "related:",
        "also read:",
        "read also:",
        "advertisement",
        "share on ",
        "share this",
        "follow us",
        "sign up for",
        "subscribe to",
        "click here to",
        "copyright ©",
        "©",
        "all rights reserved",
        "tags:",
        "filed under",
        "posted in",
        "published:",
        "updated:",
        "last updated",
        "by ",
    ];
    let t = lower.trim();
    const CONTAINS: &[&str] = &[
        "click here",
        "clicking here",
        "requires javascript",
        "tell us what you think",
        "all rights reserved",
        "sign up for our",
        "subscribe to our",
        "follow us on",
    ];
    if CONTAINS.iter().any(|p| t.contains(p)) || is_share_bar(t) {
        return true;
    }
    if PREFIXES.iter().any(|p| t.starts_with(p)) {
        // "By" only as a short byline, not a sentence.
        if t.starts_with("by ") {
            return t.split_whitespace().count() <= 6;
        }
        return true;
    }
    false
}

/// Headings after which the rest of the article is boilerplate.
pub(super) fn is_tail_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    let l = lower.trim_matches(|c: char| !c.is_alphanumeric());
    const STARTS: &[&str] = &[
        "related post",
        "related article",
        "related stor",
        "related content",
        "related reading",
        "you may also like",
        "you might also like",
        "leave a reply",
        "leave a comment",
        "comments",
        "more from",
        "more stories",
        "recommended",
        "read next",
        "popular posts",
        "trending",
        "share this",
        "about the author",
    ];
    // "Related post: <title>" is an inline link to one post, not a section.
    STARTS.iter().any(|s| l.starts_with(s)) && l.chars().count() <= 40 && !l.contains(':')
}

pub(super) fn cut_at_tail_headings(doc: &Document) {
    let heads = doc.select("h1, h2, h3, h4, h5, h6");
    for h in heads.nodes() {
        let text = collapse_ws(&h.text());
        if !is_tail_heading(&text) {
            continue;
        }
        // Remove the heading and everything after it at its level, unless
        // that is most of the article (then the heading is misleading).
        let mut tail = Vec::new();
        let mut tail_len = 0;
        let mut next = h.next_sibling();
        while let Some(n) = next {
            next = n.next_sibling();
            tail_len += n.normalized_char_count();
            tail.push(n);
        }
        let total = content_root(doc).map_or(0, |r| r.normalized_char_count());
        if tail_len * 2 > total {
            continue;
        }
        for n in tail {
            n.remove_from_parent();
        }
        h.remove_from_parent();
    }
}
