//! An article laid out for reading: header fields, then the text at a given width. Shared by the
//! article pane and `tidings show`.

use chrono::{DateTime, FixedOffset};

use crate::store::Article;
use crate::text::{StyledRange, clean_line, cut_at_char_boundary, render_html};

/// One line of the article header, already wrapped to the pane's width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderLine {
    Title(String),
    /// The first line of a field: its label and the start of its value.
    Field(&'static str, String),
    /// A wrapped continuation of the title or a field.
    More(String),
    Blank,
}

/// A rendered article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDoc {
    pub id: i64,
    pub feed_id: i64,
    pub title: String,
    /// Label and value, e.g. ("Feed", "Example"); values are sanitized single lines.
    pub fields: Vec<(&'static str, String)>,
    /// The title and fields wrapped to `width`, then a blank line.
    pub header: Vec<HeaderLine>,
    /// The text lines, then the link references.
    pub body: Vec<String>,
    /// Emphasis in the body: `body_styles[i]` belongs to `body[i]` (may be shorter than `body`).
    pub body_styles: Vec<Vec<StyledRange>>,
    /// Link targets; `links[0]` is reference [1].
    pub links: Vec<String>,
    /// The article's own link, if it is one that may be opened.
    pub link: Option<String>,
    pub read: bool,
    pub starred: bool,
    /// The width the body was wrapped at.
    pub width: u16,
}

/// Article HTML beyond this is not rendered: pathological documents take seconds in the renderer,
/// and no real article comes near it.
const MAX_RENDERED_HTML: usize = 2 * 1024 * 1024;

/// Runs of blank lines (pages wrap paragraphs in empty blocks) become one blank line.
fn squeeze_blank_lines(
    lines: Vec<String>,
    styles: Vec<Vec<StyledRange>>,
) -> (Vec<String>, Vec<Vec<StyledRange>>) {
    let mut styles = styles.into_iter();
    let mut out = (
        Vec::with_capacity(lines.len()),
        Vec::with_capacity(lines.len()),
    );
    let mut previous_blank = false;
    for line in lines {
        let style = styles.next().unwrap_or_default();
        let blank = line.trim().is_empty();
        if !(blank && previous_blank) {
            out.0.push(line);
            out.1.push(style);
        }
        previous_blank = blank;
    }
    out
}

const NO_TEXT: &str = "(This article has no text in the feed. Press o to open it in the browser.)";

/// Formats a Unix time in the given zone, e.g. "2026-11-25 14:03".
pub fn format_time(ts: i64, tz: FixedOffset, format: &str) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&tz).format(format).to_string())
        .unwrap_or_default()
}

impl ArticleDoc {
    /// Lays out `article` with its text wrapped to `width` columns: the fetched full article when
    /// there is one and `prefer_full` is set, else the richest text the feed gave.
    pub fn build(article: &Article, width: u16, tz: FixedOffset, prefer_full: bool) -> ArticleDoc {
        let full = article
            .full_content
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let feed_text = article
            .content
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .or(article.summary.as_deref())
            .unwrap_or("");
        let showing_full = prefer_full && full.is_some();
        let html = if showing_full {
            full.unwrap_or_default()
        } else {
            feed_text
        };
        let html = cut_at_char_boundary(html, MAX_RENDERED_HTML);
        let rendered = render_html(html, width as usize);
        let (mut body, mut body_styles) = squeeze_blank_lines(rendered.lines, rendered.styles);
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        if body.iter().all(|l| l.trim().is_empty()) {
            body = vec![NO_TEXT.to_string()];
            body_styles.clear();
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
        fields.push(("Text", text_source_note(article, showing_full)));
        let mut title = clean_line(&article.title);
        if title.is_empty() {
            title = "(untitled)".into();
        }
        let header = header_lines(&title, &fields, width as usize);
        ArticleDoc {
            id: article.id,
            feed_id: article.feed_id,
            title,
            fields,
            header,
            body,
            body_styles,
            links: rendered.links,
            link,
            read: article.read,
            starred: article.starred,
            width,
        }
    }

    /// All lines, header included.
    pub fn line_count(&self) -> usize {
        self.header.len() + self.body.len()
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

/// Which text the pane shows, and how to get the other one.
fn text_source_note(article: &Article, showing_full: bool) -> String {
    let has_full = article
        .full_content
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty());
    match (showing_full, has_full, &article.full_error) {
        (true, _, _) => "full article (t: the feed's text)".into(),
        (false, true, _) => "feed (t: the full article)".into(),
        (false, false, Some(e)) => format!(
            "feed; the full article failed: {} (f: retry)",
            clean_line(e)
        ),
        // Only an article with a link has a page to fetch.
        (false, false, None) if article.link.is_some() => "feed (f: fetch the full article)".into(),
        (false, false, None) => "feed".into(),
    }
}

fn header_lines(title: &str, fields: &[(&'static str, String)], width: usize) -> Vec<HeaderLine> {
    let mut lines = Vec::new();
    for (i, part) in wrap(title, width).into_iter().enumerate() {
        lines.push(if i == 0 {
            HeaderLine::Title(part)
        } else {
            HeaderLine::More(part)
        });
    }
    for (label, value) in fields {
        let first_width = width.saturating_sub(label.chars().count() + 2);
        let mut parts = wrap(value, first_width.max(10)).into_iter();
        lines.push(HeaderLine::Field(label, parts.next().unwrap_or_default()));
        let rest: String = parts.collect::<Vec<_>>().join(" ");
        lines.extend(
            wrap(&rest, width)
                .into_iter()
                .filter(|l| !l.is_empty())
                .map(HeaderLine::More),
        );
    }
    lines.push(HeaderLine::Blank);
    lines
}

/// Greedy word wrap by characters; words longer than the width (URLs) are cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        while len == 0 && word.len() > width {
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        len += word.len();
        line.extend(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(
            wrap("https://example.com/long", 10),
            ["https://ex", "ample.com/", "long"]
        );
        assert_eq!(wrap("", 5), [""]);
        assert!(wrap("x y z w v", 3).iter().all(|l| l.chars().count() <= 3));
    }
}
