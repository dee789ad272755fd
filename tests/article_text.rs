//! Article text without rough edges seen on real feeds: footnote markers as `[1]`, emoji drawn as
//! images shown as the emoji.

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
    let parsed = tidings::feed::parse::parse_feed(feed, 1_700_000_000).unwrap();
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
