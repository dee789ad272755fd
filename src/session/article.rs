//! An article laid out for reading: header fields, then the text at a given width. Shared by the
//! article pane and `tidings show`.
//!
//! Everything here is linear in the article and bounded: header fields are cut to
//! [`MAX_HEADER_CHARS`] characters and the article HTML to [`MAX_RENDERED_HTML`] bytes, each with a
//! visible [`TRUNCATED`] where something was cut, and [`wrap`] wraps by display width in one pass.

use chrono::{DateTime, FixedOffset};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::store::Article;
use crate::text::{StyledRange, TRUNCATED, clean_line, cut_at_char_boundary, render_html};

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
    /// The article's http(s) images, where the body shows them.
    pub images: Vec<DocImage>,
}

/// An image of an article: its caption line (`[image: alt]`) in the body, and the blank rows
/// reserved after it for the picture (none until [`ArticleDoc::set_image_rows`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocImage {
    /// Index in `body` of the line the caption starts on.
    pub caption: usize,
    pub url: String,
    /// The size in pixels the HTML declares (`width`, `height`), when it does.
    pub size: Option<(u32, u32)>,
    /// Blank body lines after the caption line, kept for the picture.
    pub rows: u16,
}

/// Article HTML beyond this is not rendered (a [`TRUNCATED`] line ends the text instead):
/// pathological documents take seconds in the renderer, and no real article comes near it.
pub const MAX_RENDERED_HTML: usize = 2 * 1024 * 1024;

/// Header fields (title, feed title, author, link) are cut to this many characters, with
/// " [truncated]" appended.
pub const MAX_HEADER_CHARS: usize = 2000;

/// At most this much of a raw header field is cleaned: far more than [`MAX_HEADER_CHARS`]
/// characters need, even with escape sequences removed from it.
const MAX_HEADER_SOURCE: usize = 64 * 1024;

/// A header field as shown: one sanitized line (see [`clean_line`]) of at most
/// [`MAX_HEADER_CHARS`] characters, ending in " [truncated]" when something was cut.
pub fn header_field(raw: &str) -> String {
    let source = cut_at_char_boundary(raw, MAX_HEADER_SOURCE);
    let mut line = clean_line(source);
    let mut cut = !raw[source.len()..].trim().is_empty();
    if let Some((at, _)) = line.char_indices().nth(MAX_HEADER_CHARS) {
        line.truncate(at);
        cut = true;
    }
    if cut {
        line.truncate(line.trim_end().len());
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(TRUNCATED);
    }
    line
}

/// Ends the text of a rendering whose HTML was cut with a [`TRUNCATED`] line (before the link
/// references, which are the last `links` lines), unless the text already ends with one.
fn note_truncation(lines: &mut Vec<String>, styles: &mut Vec<Vec<StyledRange>>, links: usize) {
    let refs = links.min(lines.len());
    // With references, a blank line separates them from the text.
    let text_end = match lines.len() - refs {
        n if refs > 0 && n > 0 => n - 1,
        n => n,
    };
    let text = &lines[..text_end];
    if text
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim() == TRUNCATED)
    {
        return;
    }
    let mut note = Vec::new();
    if text_end > 0 {
        note.push(String::new());
    }
    note.push(TRUNCATED.to_string());
    if text_end == 0 && refs > 0 {
        note.push(String::new());
    }
    if styles.len() >= text_end {
        styles.splice(text_end..text_end, note.iter().map(|_| Vec::new()));
    }
    lines.splice(text_end..text_end, note);
}

/// Runs of blank lines (pages wrap paragraphs in empty blocks) become one blank line.
fn squeeze_blank_lines(
    lines: Vec<String>,
    styles: Vec<Vec<StyledRange>>,
    images: &mut [crate::text::render::ImageAt],
) -> (Vec<String>, Vec<Vec<StyledRange>>) {
    let mut at = vec![0; lines.len()];
    let mut styles = styles.into_iter();
    let mut out = (
        Vec::with_capacity(lines.len()),
        Vec::with_capacity(lines.len()),
    );
    let mut previous_blank = false;
    for (i, line) in lines.into_iter().enumerate() {
        at[i] = out.0.len();
        let style = styles.next().unwrap_or_default();
        let blank = line.trim().is_empty();
        if !(blank && previous_blank) {
            out.0.push(line);
            out.1.push(style);
        }
        previous_blank = blank;
    }
    for (line, _, _) in images.iter_mut() {
        *line = at.get(*line).copied().unwrap_or(*line);
    }
    out
}

const NO_TEXT: &str = "(This article has no text in the feed. Press o to open it in the browser.)";

/// Formats a Unix time in the given zone, e.g. "2026-11-25 14:03".
/// An enclosure as the header shows it: `URL (audio/mpeg, 23.4 MB, 45:12)`.
pub fn enclosure_field(e: &crate::store::Enclosure) -> String {
    let mut about = Vec::new();
    if let Some(mime) = e.mime.as_deref().map(clean_line).filter(|m| !m.is_empty()) {
        about.push(mime);
    }
    if let Some(bytes) = e.length.filter(|&b| b > 0) {
        about.push(match bytes {
            b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
            b if b >= 1_000 => format!("{} kB", b / 1000),
            b => format!("{b} bytes"),
        });
    }
    if let Some(d) = e.duration.filter(|&d| d > 0) {
        about.push(match d {
            d if d >= 3600 => format!("{}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60),
            d => format!("{}:{:02}", d / 60, d % 60),
        });
    }
    let url = header_field(&e.url);
    if about.is_empty() {
        url
    } else {
        format!("{url} ({})", about.join(", "))
    }
}

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
        let cut = cut_at_char_boundary(html, MAX_RENDERED_HTML);
        let mut rendered = render_html(cut, width as usize);
        if cut.len() < html.len() {
            let links = rendered.links.len();
            note_truncation(&mut rendered.lines, &mut rendered.styles, links);
        }
        let mut images = std::mem::take(&mut rendered.images);
        let (mut body, mut body_styles) =
            squeeze_blank_lines(rendered.lines, rendered.styles, &mut images);
        let images = images
            .into_iter()
            .filter(|(line, _, _)| *line < body.len())
            .map(|(caption, url, size)| DocImage {
                caption,
                url,
                size,
                rows: 0,
            })
            .collect();
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        if body.iter().all(|l| l.trim().is_empty()) {
            body = vec![NO_TEXT.to_string()];
            body_styles.clear();
        }
        let mut fields = vec![("Feed", header_field(&article.feed_title))];
        if let Some(author) = article
            .author
            .as_deref()
            .map(header_field)
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
            // Shown cut; opened whole.
            fields.push(("Link", header_field(link)));
        }
        for e in &article.enclosures {
            fields.push(("Media", enclosure_field(e)));
        }
        fields.push(("Text", text_source_note(article, showing_full)));
        let mut title = header_field(&article.title);
        if title.is_empty() {
            title = "(untitled)".into();
        }
        let header = header_lines(&title, &fields, width as usize);
        // Enclosures can be opened from the links list too, after the text's own links.
        let mut links = rendered.links;
        for e in &article.enclosures {
            let url = clean_line(&e.url);
            if !links.contains(&url) {
                links.push(url);
            }
        }
        ArticleDoc {
            id: article.id,
            feed_id: article.feed_id,
            title,
            fields,
            header,
            body,
            body_styles,
            links,
            link,
            read: article.read,
            starred: article.starred,
            width,
            images,
        }
    }

    /// Reserves `rows` blank lines after each image's caption line for its picture (0: none),
    /// replacing what was reserved before.
    pub fn set_image_rows(&mut self, rows: u16) {
        self.set_image_rows_with(|_| rows);
    }

    /// [`ArticleDoc::set_image_rows`] with each image's rows from `rows` (0: none).
    pub fn set_image_rows_with(&mut self, rows: impl Fn(&DocImage) -> u16) {
        // Take out what was reserved, last image first so the earlier indices hold.
        for image in self.images.iter_mut().rev() {
            let from = (image.caption + 1).min(self.body.len());
            let to = (from + image.rows as usize).min(self.body.len());
            self.body.drain(from..to);
            if self.body_styles.len() > from {
                let to = to.min(self.body_styles.len());
                self.body_styles.drain(from..to);
            }
        }
        let mut removed = 0;
        for image in self.images.iter_mut() {
            image.caption -= removed;
            removed += image.rows as usize;
            image.rows = 0;
        }
        let mut shift = 0;
        for image in self.images.iter_mut() {
            image.caption += shift;
            let rows = rows(image);
            if rows == 0 {
                continue;
            }
            let from = image.caption + 1;
            self.body.splice(
                from..from,
                std::iter::repeat_n(String::new(), rows as usize),
            );
            if self.body_styles.len() >= from {
                self.body_styles
                    .splice(from..from, std::iter::repeat_n(Vec::new(), rows as usize));
            }
            image.rows = rows;
            shift += rows as usize;
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
            header_field(e)
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
        // The pane draws "Label: value" on the first line.
        let first_width = width.saturating_sub(label.width() + 2);
        let mut parts = wrap_widths(value, first_width.max(10), width).into_iter();
        lines.push(HeaderLine::Field(label, parts.next().unwrap_or_default()));
        lines.extend(parts.filter(|l| !l.is_empty()).map(HeaderLine::More));
    }
    lines.push(HeaderLine::Blank);
    lines
}

/// Greedy word wrap by display width (a wide CJK character takes two columns, a combining mark
/// none); words wider than the width (URLs, text without spaces) are cut between characters. Runs
/// of whitespace become one space. One pass: linear in the text.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_widths(text, width, width)
}

/// [`wrap`] with the first line `first` columns wide and the others `rest`. A character wider than
/// the whole line (a wide one at width 1) gets a line of its own.
fn wrap_widths(text: &str, first: usize, rest: usize) -> Vec<String> {
    let rest = rest.max(1);
    let mut limit = first.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let word_width = word.width();
        if used > 0 && used + 1 + word_width > limit {
            lines.push(std::mem::take(&mut line));
            used = 0;
            limit = rest;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        if used + word_width <= limit {
            line.push_str(word);
            used += word_width;
            continue;
        }
        // Only a word too wide for a line of its own gets here (on an empty line).
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used > 0 && used + w > limit {
                lines.push(std::mem::take(&mut line));
                used = 0;
                limit = rest;
            }
            line.push(c);
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn wraps_by_display_width() {
        // Wide characters take two columns: ten of them fill a 20-column line.
        let cjk = "漢字".repeat(15);
        let lines = wrap(&cjk, 20);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
        assert_eq!(lines.concat(), cjk);
        // An odd width leaves the last column empty rather than splitting a character.
        assert!(wrap(&cjk, 7).iter().all(|l| l.width() == 6));
        // Combining marks take no column and stay with their letter.
        let accented = "e\u{301}".repeat(12);
        assert_eq!(wrap(&accented, 10), [&accented[..30], &accented[30..]]);
        // Words go on the line where they fit, after a cut word too.
        assert_eq!(wrap("abcdefgh ij", 5), ["abcde", "fgh", "ij"]);
        assert_eq!(wrap("abcdefg h", 5), ["abcde", "fg h"]);
    }

    #[test]
    fn header_fields_are_cut_with_a_marker() {
        assert_eq!(header_field("  A  short\ttitle "), "A short title");
        let long = "x".repeat(MAX_HEADER_CHARS + 1);
        let shown = header_field(&long);
        assert_eq!(shown.len(), MAX_HEADER_CHARS + 1 + TRUNCATED.len());
        assert!(shown.ends_with(" [truncated]"));
        assert_eq!(
            header_field(&"x".repeat(MAX_HEADER_CHARS)).len(),
            MAX_HEADER_CHARS
        );
        // Beyond the cleaned prefix only whitespace: nothing is lost.
        let padded = format!("title{}", " ".repeat(MAX_HEADER_SOURCE));
        assert_eq!(header_field(&padded), "title");
        // Beyond it, text: cut, even when the prefix cleans to nothing.
        let hidden = format!("{}title", "\u{7}".repeat(MAX_HEADER_SOURCE));
        assert_eq!(header_field(&hidden), TRUNCATED);
    }

    #[test]
    fn truncation_note_goes_before_the_references() {
        let mut lines: Vec<String> = ["text", "", "[1] https://a.example/"]
            .map(String::from)
            .to_vec();
        let mut styles = vec![Vec::new(); 3];
        note_truncation(&mut lines, &mut styles, 1);
        assert_eq!(lines, ["text", "", TRUNCATED, "", "[1] https://a.example/"]);
        assert_eq!(styles.len(), lines.len());
        let mut lines = vec!["text".to_string()];
        note_truncation(&mut lines, &mut Vec::new(), 0);
        assert_eq!(lines, ["text", "", TRUNCATED]);
        // Already marked by the HTML pre-pass: not twice.
        let mut lines = vec!["text".to_string(), TRUNCATED.to_string()];
        note_truncation(&mut lines, &mut Vec::new(), 0);
        assert_eq!(lines, ["text", TRUNCATED]);
        let mut lines = vec!["[1] https://a.example/".to_string()];
        note_truncation(&mut lines, &mut Vec::new(), 1);
        assert_eq!(lines, [TRUNCATED, "", "[1] https://a.example/"]);
    }
}
