//! Hostile sizes: one element with a million attributes, more elements than anyone writes, header
//! fields and words of megabytes, text wider than the screen in CJK. Every test bounds the *shape*
//! of the output (sizes, counts, widths, markers), never the time it took; the timings are in
//! `benches/hostile_sizes.rs`.

mod common;

use std::borrow::Cow;

use chrono::FixedOffset;
use tidings::session::article::{
    ArticleDoc, HeaderLine, MAX_HEADER_CHARS, MAX_RENDERED_HTML, wrap,
};
use tidings::store::Article;
use tidings::text::cap::{MAX_ATTRIBUTES, MAX_ELEMENTS};
use tidings::text::extract::{extract, extract_text};
use tidings::text::{TRUNCATED, cap_html, render_html};
use unicode_width::UnicodeWidthStr;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn article(title: &str, content: Option<String>) -> Article {
    Article {
        id: 1,
        feed_id: 1,
        feed_title: "Feed".into(),
        title: title.into(),
        author: Some("Author".into()),
        link: Some("https://example.com/a".into()),
        published: Some(1_795_608_000),
        content,
        ..Article::default()
    }
}

/// A page whose one `<div>` has `n` distinct attributes, between two paragraphs of text.
fn attribute_page(n: usize) -> String {
    let mut html = String::from(
        "<html><body><article><p>Before the element, a paragraph of ordinary prose.</p><div",
    );
    for i in 0..n {
        html.push_str(&format!(" a{i}"));
    }
    html.push_str(">Inside the element, more prose.</div></article></body></html>");
    html
}

/// Attribute count of the first `<div>` once the HTML parser has read `html`.
fn parsed_div_attributes(html: &str) -> usize {
    let doc = dom_query::Document::from(html);
    let divs = doc.select("div");
    divs.nodes().first().map_or(0, |div| div.attrs().len())
}

fn width_of(line: &HeaderLine) -> usize {
    match line {
        HeaderLine::Title(t) | HeaderLine::More(t) => t.width(),
        HeaderLine::Field(label, value) => label.width() + 2 + value.width(),
        HeaderLine::Blank => 0,
    }
}

/// The title's text as the header shows it: its first line and the continuation lines after it.
fn header_title(doc: &ArticleDoc) -> String {
    let mut lines = doc.header.iter();
    let mut title = match lines.next() {
        Some(HeaderLine::Title(t)) => t.clone(),
        other => panic!("the header starts with the title, not {other:?}"),
    };
    for line in lines {
        match line {
            HeaderLine::More(t) => title.push_str(t),
            _ => break,
        }
    }
    title
}

#[test]
fn huge_attribute_counts_are_capped_per_element() {
    let html = attribute_page(1_000_000);
    assert!(html.len() > 7_000_000);

    // The pre-pass keeps the first MAX_ATTRIBUTES (128) attributes, and the document around them.
    let capped = cap_html(&html);
    assert!(matches!(capped, Cow::Owned(_)));
    assert!(capped.len() < 2_000, "{} bytes left", capped.len());
    assert_eq!(parsed_div_attributes(&capped), MAX_ATTRIBUTES);
    assert!(capped.contains(" a0 a1 a2 "));
    assert!(capped.contains(&format!(" a{}>", MAX_ATTRIBUTES - 1)));
    assert!(!capped.contains(&format!(" a{}", MAX_ATTRIBUTES)));

    // Rendering and extraction see the same bounded document: all the text survives.
    let rendered = render_html(&html, 80);
    let text = rendered.lines.join("\n");
    assert!(text.contains("Before the element"), "{text}");
    assert!(text.contains("Inside the element"), "{text}");
    let extracted = extract_text(&html, None);
    assert!(extracted.contains("Before the element"), "{extracted}");
    assert!(extracted.contains("Inside the element"), "{extracted}");
    let content = extract(&html, None).content_html;
    assert!(content.len() < 2_000, "{content}");

    // In a feed description (the article pane, `tidings show`): all the text of a description
    // within the 2 MiB the pane renders, and the start of one beyond it, with a note.
    let doc = ArticleDoc::build(&article("Attributes", Some(html)), 80, utc(), false);
    let body = doc.body.join("\n");
    assert!(body.contains("Before the element"), "{body}");
    assert!(body.contains(TRUNCATED), "{body}");
    let within = attribute_page(200_000);
    assert!(within.len() < MAX_RENDERED_HTML);
    let doc = ArticleDoc::build(&article("Attributes", Some(within)), 80, utc(), false);
    let body = doc.body.join("\n");
    assert!(body.contains("Before the element"), "{body}");
    assert!(body.contains("Inside the element"), "{body}");
    assert!(!body.contains(TRUNCATED), "{body}");

    // `tidings extract` on such a page prints the text.
    let profile = common::cli::Profile::new();
    let page = profile.write("page.html", &attribute_page(200_000));
    let out = profile.ok(&["extract", page.to_str().unwrap()]);
    assert!(out.contains("Before the element"), "{out}");
    assert!(out.contains("Inside the element"), "{out}");
}

#[test]
fn elements_beyond_the_cap_are_cut_with_a_visible_marker() {
    let mut html = String::from("<html><body>");
    for i in 0..MAX_ELEMENTS + 50 {
        html.push_str(&format!("<b>w{i}</b> "));
    }
    html.push_str("</body></html>");

    let capped = cap_html(&html);
    // html and body are elements too.
    let last_kept = MAX_ELEMENTS - 3;
    assert!(capped.contains(&format!("<b>w{last_kept}</b>")));
    assert!(!capped.contains(&format!("w{}<", last_kept + 1)));
    assert!(capped.trim_end().ends_with("<p>[truncated]</p>"), "{}", {
        let tail = capped.len().saturating_sub(200);
        &capped[tail..]
    });
    assert_eq!(capped.matches("<b>").count(), MAX_ELEMENTS - 2);

    // Extraction and rendering both show where the page was cut.
    let extracted = extract_text(&html, None);
    assert!(extracted.contains(&format!("w{last_kept}")));
    assert_eq!(extracted.trim_end().lines().last(), Some(TRUNCATED));
    let rendered = render_html(&html, 100);
    assert_eq!(
        rendered
            .lines
            .iter()
            .rev()
            .find(|l| !l.is_empty())
            .map(String::as_str),
        Some(TRUNCATED)
    );
}

#[test]
fn long_words_wrap_to_the_width() {
    let word: String = ('a'..='z').cycle().take(1024 * 1024).collect();
    for width in [1, 7, 80] {
        let lines = wrap(&word, width);
        assert!(lines.iter().all(|l| l.width() <= width));
        assert_eq!(lines.len(), word.len().div_ceil(width));
        assert_eq!(lines.concat(), word, "nothing lost at width {width}");
    }
    // After a cut word, the next word goes on where it fits.
    let lines = wrap(&format!("{word} tail"), 80);
    assert!(lines.iter().all(|l| l.width() <= 80));
    assert!(lines.last().is_some_and(|l| l.ends_with(" tail")));
    assert_eq!(lines.concat(), format!("{word} tail"));

    // A title of one 1 MiB word: the header shows its first characters, wrapped to the width.
    let doc = ArticleDoc::build(&article(&word, None), 60, utc(), false);
    assert!(doc.header.iter().all(|l| width_of(l) <= 60));
    let shown = header_title(&doc);
    assert!(shown.starts_with(&word[..MAX_HEADER_CHARS]));
}

#[test]
fn cjk_header_wraps_by_display_width() {
    // No spaces, two columns per character: character counting would overflow every line.
    let title: String = "東京都の天気予報によると明日は晴れるでしょう".repeat(8);
    let author: String = "山田太郎と佐藤花子".repeat(10);
    let mut a = article(&title, Some("<p>本文</p>".into()));
    a.author = Some(author.clone());
    a.feed_title = "技術ブログ・日本語のフィード".repeat(4);
    for width in [41, 60, 100] {
        let doc = ArticleDoc::build(&a, width as u16, utc(), false);
        for line in &doc.header {
            assert!(width_of(line) <= width, "{line:?} wider than {width}");
        }
        assert_eq!(
            header_title(&doc),
            title,
            "every character of the title kept"
        );
        // The author's lines, put together, are the author.
        let mut author_text = String::new();
        let mut in_author = false;
        for line in &doc.header {
            match line {
                HeaderLine::Field("Author", v) => {
                    in_author = true;
                    author_text.push_str(v);
                }
                HeaderLine::More(v) if in_author => author_text.push_str(v),
                _ => in_author = false,
            }
        }
        assert_eq!(author_text, author);
        // The lines are full: a line ends only when the next character would not fit.
        let title_lines: Vec<usize> = doc
            .header
            .iter()
            .take_while(|l| matches!(l, HeaderLine::Title(_) | HeaderLine::More(_)))
            .map(width_of)
            .collect();
        for w in &title_lines[..title_lines.len() - 1] {
            assert!(*w >= width - 1, "{title_lines:?} at {width}");
        }
    }
}

#[test]
fn header_fields_are_capped_with_a_marker() {
    let huge = "word ".repeat(200_000);
    let link = format!("https://example.com/{}", "a".repeat(1_000_000));
    let mut a = article(&huge, Some("<p>Body.</p>".into()));
    a.author = Some(huge.clone());
    a.feed_title = huge.clone();
    a.link = Some(link.clone());
    let doc = ArticleDoc::build(&a, 80, utc(), false);

    let capped = |value: &str| {
        value.ends_with(" [truncated]")
            && value.chars().count() <= MAX_HEADER_CHARS + 1 + TRUNCATED.len()
    };
    assert!(
        capped(&doc.title),
        "title: {} chars",
        doc.title.chars().count()
    );
    for label in ["Feed", "Author", "Link"] {
        let value = doc
            .fields
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{label} field"));
        assert!(capped(value), "{label}: {} chars", value.chars().count());
    }
    // The link is shown cut but opened whole.
    assert_eq!(doc.link.as_deref(), Some(link.as_str()));
    // Everything shown is bounded: the header and `tidings show`'s text.
    let header_chars: usize = doc.header.iter().map(width_of).sum();
    assert!(
        header_chars < 6 * (MAX_HEADER_CHARS + 100),
        "{header_chars}"
    );
    assert!(doc.to_plain_text().len() < 5 * (MAX_HEADER_CHARS + 100) + 200);
    assert!(doc.header.iter().all(|l| width_of(l) <= 80));

    // Fields within the cap are shown whole, without a marker.
    let doc = ArticleDoc::build(&article("A short title", None), 80, utc(), false);
    assert_eq!(doc.title, "A short title");
    assert!(!doc.to_plain_text().contains(TRUNCATED));
}

#[test]
fn article_html_beyond_the_render_cap_ends_with_a_truncated_note() {
    // Paragraphs past 2 MiB, and a link, so the note must come before the reference list.
    let paragraph = "<p>Some words of the article text, repeated.</p>\n";
    let mut html = String::from("<p><a href=\"https://example.com/ref\">A link</a></p>");
    while html.len() <= MAX_RENDERED_HTML + 100_000 {
        html.push_str(paragraph);
    }
    let doc = ArticleDoc::build(&article("Long", Some(html)), 80, utc(), false);
    let note = doc
        .body
        .iter()
        .position(|l| l == TRUNCATED)
        .expect("a [truncated] line");
    let first_ref = doc
        .body
        .iter()
        .position(|l| l.starts_with("[1] "))
        .expect("the reference list");
    assert!(
        note < first_ref,
        "the note ends the text, before the references"
    );
    assert_eq!(doc.body.iter().filter(|l| *l == TRUNCATED).count(), 1);
    assert!(doc.body[note - 1].is_empty() && doc.body[note + 1].is_empty());

    // Within the cap: no note.
    let doc = ArticleDoc::build(
        &article("Short", Some(paragraph.repeat(10))),
        80,
        utc(),
        false,
    );
    assert!(!doc.body.iter().any(|l| l.contains(TRUNCATED)));
}

#[test]
fn normal_pages_pass_the_pre_pass_unchanged() {
    let dir = common::cli::fixture("extract");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path).unwrap();
            assert!(
                matches!(cap_html(&html), Cow::Borrowed(_)),
                "{} changed by the pre-pass",
                path.display()
            );
            pages += 1;
        }
    }
    assert!(pages >= 5, "{pages} fixture pages");
}
