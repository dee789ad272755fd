//! Article text without rough edges seen on real feeds, one test per finding: footnote markers as
//! `[1]`, emoji drawn as images shown as the emoji, figures and captions as blocks, a blank line
//! before a list, long code lines wrapped with a marker, `&nbsp;` runs, references in CDATA.

use tidings::text::render_html;

fn text(html: &str) -> String {
    render_html(html, 80).lines.join("\n")
}

#[test]
fn footnote_markers_render_as_references() {
    let t = text(
        r##"<p>A claim<sup>1</sup> and another<sup><a href="#n2">[2]</a></sup>, x<sup>2</sup>.</p>"##,
    );
    // Digits become superscript digits (html2text does it); a bracketed marker keeps one pair.
    assert!(t.contains("A claim¹") && t.contains("x²"), "{t}");
    assert!(t.contains("another[2]"), "{t}");
    assert!(!t.contains("^{") && !t.contains("[[2]]"), "{t}");
}

#[test]
fn emoji_images_render_as_the_emoji() {
    let t = text(
        r#"<p>Let's dance <img class="wp-smiley emoji" alt="💃" src="https://s.w.org/1f483.png"> now, <img alt="A photo of a cat" src="cat.jpg"></p>"#,
    );
    assert!(t.contains("dance 💃 now"), "{t}");
    assert!(t.contains("[image: A photo of a cat]"), "{t}");
}

#[test]
fn titles_with_html_entities_show_the_characters() {
    let feed = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Caf&amp;eacute; News</title>
<item><title>Rust&amp;nbsp;2.0 &amp;#8211; it&amp;rsquo;s here</title><link>https://example.com/a</link></item>
</channel></rss>"#;
    let parsed = tidings::feed::parse::parse_feed(feed).unwrap();
    assert_eq!(parsed.title.as_deref(), Some("Café News"));
    assert_eq!(parsed.items[0].title, "Rust 2.0 – it’s here");
}

#[test]
fn consecutive_figures_and_their_captions_are_blocks_of_their_own() {
    let t = text(
        r#"<p>Before.</p><FIGURE class="a"><img alt="first" src="a.png"><figcaption>Cap one</figcaption></FIGURE><figure><img alt="second" src="b.png"><figcaption>Cap two</figcaption></figure><p>Full protocol description follows.</p>"#,
    );
    let lines: Vec<&str> = t.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines,
        [
            "Before.",
            "[image: first]",
            "Cap one",
            "[image: second]",
            "Cap two",
            "Full protocol description follows."
        ],
        "{t}"
    );
}

#[test]
fn a_blank_line_separates_a_paragraph_from_the_list_after_it() {
    let t = text(
        "<p>Intro:</p><ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><p>After.</p><div>Text<ol><li>first</li></ol></div>",
    );
    assert_eq!(
        t, "Intro:\n\n* one\n* two\n  * nested\n\nAfter.\n\nText\n\n1. first",
        "no blank line inside a list, one before it"
    );
}

#[test]
fn guardian_photo_captions_are_not_bullets_glued_to_the_paragraph() {
    // The Guardian's markup: a captioned picture between paragraphs, and a list of key points.
    let t = text(
        r#"<p>Paragraph before the picture.</p><figure class="element element-image"><img src="https://i.guim.co.uk/a.jpg" alt="A man walks past a mural" width="460" height="276"><figcaption><span class="element-image__caption">A man walks past a mural in Kyiv.</span> <span class="element-image__credit">Photograph: Someone/AP</span></figcaption></figure><p>Key points:</p><ul><li><p>First point</p></li></ul>"#,
    );
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines,
        [
            "Paragraph before the picture.",
            "",
            "[image: A man walks past a mural]",
            "",
            "A man walks past a mural in Kyiv. Photograph: Someone/AP",
            "",
            "Key points:",
            "",
            "* First point",
        ],
        "{t}"
    );
}

#[test]
fn long_code_lines_wrap_with_a_continuation_marker_at_their_indent() {
    let long = "let total = first_value_with_a_long_name + second_value_with_a_long_name + third;";
    let t = render_html(
        &format!("<pre><code>fn f() {{\n    {long}\n}}</code></pre>"),
        40,
    )
    .lines
    .join("\n");
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "fn f() {");
    assert!(lines[1].starts_with("    let total"), "{t}");
    assert!(lines.len() > 3, "the long line wraps: {t}");
    for cont in &lines[2..lines.len() - 1] {
        assert!(
            cont.starts_with("    ↪ "),
            "continuations keep the indent: {t}"
        );
    }
    assert_eq!(*lines.last().unwrap(), "}");
    // Nothing is lost: the pieces put together are the line.
    let joined: String = std::iter::once(lines[1].trim_start())
        .chain(
            lines[2..lines.len() - 1]
                .iter()
                .map(|l| &l["    ↪ ".len()..]),
        )
        .collect();
    assert_eq!(joined, long);
    assert!(lines.iter().all(|l| l.chars().count() <= 40), "{t}");
}

#[test]
fn runs_of_nbsp_are_one_space_in_text_and_kept_in_code() {
    let t = text(
        "<p>Two&nbsp;&nbsp;spaces, three&nbsp;&nbsp;&nbsp;here.&nbsp; <b>&nbsp;Bold</b></p><pre>a&nbsp;&nbsp;b</pre>",
    );
    assert_eq!(t, "Two spaces, three here. Bold\n\na  b");
}

#[test]
fn entities_inside_cdata_are_decoded() {
    // From univers_freebox.xml: CDATA holds HTML, so its references are characters.
    let feed = br#"<?xml version="1.0"?><rss version="0.92"><channel><title>U</title>
<item><title><![CDATA[SFR la Carte : Illimit&eacute; d&egrave;s 5 &#8364; ( appels et SMS)]]></title><link>http://example.com/1</link>
<description><![CDATA[<p>Prix : 5 &#8364; &amp; plus</p>]]></description></item></channel></rss>"#;
    let parsed = tidings::feed::parse::parse_feed(feed).unwrap();
    assert_eq!(
        parsed.items[0].title,
        "SFR la Carte : Illimité dès 5 € ( appels et SMS)"
    );
    let body = parsed.items[0]
        .summary
        .as_deref()
        .or(parsed.items[0].content.as_deref())
        .unwrap();
    assert_eq!(text(body), "Prix : 5 € & plus");
}

#[test]
fn iframes_never_leave_markup_on_screen() {
    // From 4fsodonline.atom: an iframe written as if it closed itself, then more of the article.
    let t = text(
        "<p>Before.</p><p><iframe width='320' src='https://www.blogger.com/video.g?t=1' FRAMEBORDER='0' /></p><p>After <b>bold</b>.</p>",
    );
    assert_eq!(t, "Before.\n\nAfter bold.");
    // From feedparser's sanitizer tests: what is inside an iframe reads as HTML.
    let t = text(r#"safe<iframe src="http://example.com/"> <b>description</b></iframe>"#);
    assert_eq!(t, "safe\ndescription");
}
