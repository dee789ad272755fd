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
