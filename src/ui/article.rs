//! An article laid out for reading: header fields, then the text at a given width. Shared by the
//! article pane and `tidings show`.

use chrono::{DateTime, FixedOffset};

use crate::store::Article;
use crate::text::{clean_line, render_html};

/// A rendered article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDoc {
    pub id: i64,
    pub feed_id: i64,
    pub title: String,
    /// Label and value, e.g. ("Feed", "Example"); values are sanitized single lines.
    pub fields: Vec<(&'static str, String)>,
    /// The text lines, then the link references.
    pub body: Vec<String>,
    /// Link targets; `links[0]` is reference [1].
    pub links: Vec<String>,
    /// The article's own link, if it is one that may be opened.
    pub link: Option<String>,
    pub read: bool,
    pub starred: bool,
    /// The width the body was wrapped at.
    pub width: u16,
}

const NO_TEXT: &str = "(This article has no text in the feed. Press o to open it in the browser.)";

/// Formats a Unix time in the given zone, e.g. "2026-11-25 14:03".
pub fn format_time(ts: i64, tz: FixedOffset, format: &str) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz).format(format).to_string())
        .unwrap_or_default()
}

impl ArticleDoc {
    /// Lays out `article` with its text wrapped to `width` columns.
    pub fn build(article: &Article, width: u16, tz: FixedOffset) -> ArticleDoc {
        let html = article
            .content
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .or(article.summary.as_deref())
            .unwrap_or("");
        let rendered = render_html(html, width as usize);
        let mut body = rendered.lines;
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        if body.iter().all(|l| l.trim().is_empty()) {
            body = vec![NO_TEXT.to_string()];
        }
        let mut fields = vec![("Feed", clean_line(&article.feed_title))];
        if let Some(author) = article
            .author
            .as_deref()
            .map(clean_line)
            .filter(|a| !a.is_empty())
        {
            fields.push(("Author", author));
        }
        if let Some(ts) = article.published.or(article.updated) {
            fields.push(("Date", format_time(ts, tz, "%Y-%m-%d %H:%M")));
        }
        let link = article
            .link
            .as_deref()
            .map(clean_line)
            .filter(|l| !l.is_empty());
        if let Some(link) = &link {
            fields.push(("Link", link.clone()));
        }
        let title = clean_line(&article.title);
        ArticleDoc {
            id: article.id,
            feed_id: article.feed_id,
            title: if title.is_empty() {
                "(untitled)".into()
            } else {
                title
            },
            fields,
            body,
            links: rendered.links,
            link,
            read: article.read,
            starred: article.starred,
            width,
        }
    }

    /// Lines above the text: the title, the fields, and a blank line.
    pub fn header_len(&self) -> usize {
        self.fields.len() + 2
    }

    /// All lines, header included.
    pub fn line_count(&self) -> usize {
        self.header_len() + self.body.len()
    }

    /// The article as plain text, as the pane shows it (for `tidings show`).
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&self.title);
        out.push('\n');
        for (label, value) in &self.fields {
            out.push_str(&format!("{label}: {value}\n"));
        }
        out.push('\n');
        for line in &self.body {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}
