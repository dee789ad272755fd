//! Tests of the HTML renderer, including html2text's known hangs and panics.
use super::fallback::wrap_flat_by_chars;
use super::*;

/// Characters that must never appear in rendered output.
fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}'
        )
}

fn assert_clean(r: &Rendered) {
    for line in r.lines.iter().chain(r.links.iter()) {
        assert!(
            !line.chars().any(is_forbidden),
            "forbidden character in {line:?}"
        );
    }
}

/// The article part of the output (without the reference list).
fn body(r: &Rendered) -> &[String] {
    if r.links.is_empty() {
        &r.lines
    } else {
        let n = r.lines.len().saturating_sub(r.links.len() + 1);
        &r.lines[..n]
    }
}

fn body_text(r: &Rendered) -> String {
    body(r).join("\n")
}

fn index_of(lines: &[String], needle: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not found in {lines:#?}"))
}

/// Runs `f` on a fresh thread with the default 2 MiB stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn test thread")
        .join()
        .expect("render must not panic")
}

#[test]
fn paragraphs_keep_order_and_are_separated_by_blank_lines() {
    let r = render_html(
        "<p>First paragraph.</p><p>Second paragraph.</p><p>Third.</p>",
        80,
    );
    assert_eq!(
        r.lines,
        vec!["First paragraph.", "", "Second paragraph.", "", "Third."]
    );
    assert!(r.links.is_empty());
}

#[test]
fn headings_get_markers() {
    let r = render_html("<h1>Title</h1><p>text</p><h2>Sub</h2><p>more</p>", 80);
    let lines = &r.lines;
    let h1 = index_of(lines, "Title");
    let h2 = index_of(lines, "Sub");
    assert_eq!(lines[h1], "# Title");
    assert_eq!(lines[h2], "## Sub");
    assert!(h1 < index_of(lines, "text"));
    assert!(index_of(lines, "text") < h2);
}

#[test]
fn list_markers() {
    let r = render_html(
        "<ul><li>apple</li><li>pear</li></ul><ol><li>one</li><li>two</li></ol>",
        80,
    );
    let lines = &r.lines;
    assert_eq!(lines[index_of(lines, "apple")], "* apple");
    assert_eq!(lines[index_of(lines, "pear")], "* pear");
    assert_eq!(lines[index_of(lines, "one")], "1. one");
    assert_eq!(lines[index_of(lines, "two")], "2. two");
}

#[test]
fn ordered_list_start_attribute() {
    let r = render_html("<ol start=\"9\"><li>nine</li><li>ten</li></ol>", 80);
    assert!(
        r.lines
            .iter()
            .any(|l| l.starts_with("9.") && l.ends_with("nine"))
    );
    assert!(
        r.lines
            .iter()
            .any(|l| l.starts_with("10.") && l.ends_with("ten"))
    );
}

#[test]
fn hostile_ordered_list_start_does_not_panic() {
    let html = "<ol start=\"9223372036854775807\"><li>a</li><li>b</li><li>c</li></ol>";
    let r = render_html(html, 80);
    assert_clean(&r);
    // Rendered as a list (not the flat fallback), numbering clamped.
    assert!(r.lines.iter().any(|l| l.ends_with(". a")), "{:?}", r.lines);
    assert!(r.lines.iter().any(|l| l.ends_with(". c")), "{:?}", r.lines);
}

#[test]
fn rowspan_below_last_row_does_not_panic() {
    // html2text 0.17.4 panics on this without `defuse_dom`.
    let html = "<table><tr><td colspan=3>wide</td><td rowspan=2>tall</td></tr></table>";
    let r = render_html(html, 80);
    let row = &r.lines[index_of(&r.lines, "wide")];
    assert!(row.contains("tall"), "{:?}", r.lines);
    assert_clean(&r);
    let r = render_html("<table><td colspan=3><td rowspan=2>", 40);
    assert_clean(&r);
}

/// Renders on another thread and fails, instead of hanging, if
/// `render_html` does not return in time.
fn render_with_deadline(html: &str, width: usize) -> Rendered {
    let (tx, rx) = std::sync::mpsc::channel();
    let html = html.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(render_html(&html, width));
    });
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("render_html hung"))
}

#[test]
fn pre_whitespace_in_zero_width_block_does_not_hang() {
    // Each of these makes html2text 0.17.4 loop forever on its own.
    let deep_quote = format!(
        "{}<pre>\t</pre>{}",
        "<blockquote>".repeat(10),
        "</blockquote>".repeat(10)
    );
    let inputs = [
        "<table><td><blockquote><pre>\t</pre></td></table>",
        "<table><td colspan=3><blockquote><pre>\t",
        "<table><td><blockquote><pre>&#9;</pre></td></table>",
        "<table><td><blockquote><pre>  \u{301}</pre></blockquote></td></table>",
        "<table><td><ul><li><pre> \t <b>\t</b>\n\t</pre></li></ul></td></table>",
        deep_quote.as_str(),
    ];
    for html in inputs {
        for width in [20, 80] {
            let r = render_with_deadline(html, width);
            assert_clean(&r);
        }
    }
}

#[test]
fn pre_hardening_keeps_text_and_alignment() {
    let html = "<pre>a &amp; b &lt;c&gt;\n\t<b>x\ty</b>\n  &#9;z&nbsp;w</pre>";
    let r = render_html(html, 80);
    assert_eq!(
        r.lines,
        vec!["a & b <c>", "        x       y", "        z w"]
    );
}

/// Char column of `needle` in the line containing it.
fn column_of(lines: &[String], needle: &str) -> usize {
    let line = &lines[index_of(lines, needle)];
    line.find(needle)
        .map_or(usize::MAX, |byte| line[..byte].chars().count())
}

#[test]
fn rowspan_keeps_later_cells_in_their_columns() {
    let html = "<table><tr><th>A</th><th>B</th><th>C</th></tr>\
                <tr><td rowspan=2>a1</td><td>b1</td><td>c1</td></tr>\
                <tr><td>b2</td><td>c2</td></tr>\
                <tr><td>a3</td><td rowspan=0>b3</td><td>c3</td></tr>\
                <tr><td>a4</td><td>c4</td></tr></table>";
    let r = render_html(html, 80);
    let lines = &r.lines;
    assert_eq!(column_of(lines, "b1"), column_of(lines, "B"), "{lines:#?}");
    assert_eq!(column_of(lines, "b2"), column_of(lines, "b1"), "{lines:#?}");
    assert_eq!(column_of(lines, "c2"), column_of(lines, "c1"), "{lines:#?}");
    assert_eq!(column_of(lines, "a3"), column_of(lines, "a1"), "{lines:#?}");
    assert_eq!(column_of(lines, "a4"), column_of(lines, "a3"), "{lines:#?}");
    assert_eq!(column_of(lines, "c4"), column_of(lines, "c3"), "{lines:#?}");
    assert_clean(&r);
}

#[test]
fn table_footers_and_captions_are_shown() {
    let html = "<table><caption>The caption</caption><thead><tr><th>Head</th></tr></thead>\
                <tfoot><tr><td>Foot</td></tr></tfoot><tbody><tr><td>Body</td></tr></tbody>\
                </table><p>after</p>";
    let r = render_html(html, 80);
    let lines = &r.lines;
    let caption = index_of(lines, "The caption");
    assert!(caption < index_of(lines, "Head"), "{lines:#?}");
    assert!(
        index_of(lines, "Head") < index_of(lines, "Body"),
        "{lines:#?}"
    );
    assert!(
        index_of(lines, "Body") < index_of(lines, "Foot"),
        "{lines:#?}"
    );
    assert!(
        index_of(lines, "Foot") < index_of(lines, "after"),
        "{lines:#?}"
    );

    let r = render_html(
        "<table><tfoot><tr><td>only foot</td></tr></tfoot></table>",
        80,
    );
    assert!(body_text(&r).contains("only foot"), "{:?}", r.lines);
}

#[test]
fn hostile_rowspans_are_bounded() {
    let html = format!(
        "<table><tr>{}</tr>{}</table>",
        "<td rowspan=65534>x</td>".repeat(2_000),
        "<tr></tr>".repeat(2_000)
    );
    let r = render_with_deadline(&html, 80);
    assert!(body_text(&r).contains('x'));
    assert_clean(&r);
}

#[test]
fn blockquote_marker() {
    let r = render_html(
        "<p>Before</p><blockquote><p>Quoted words</p></blockquote>",
        80,
    );
    assert_eq!(r.lines[index_of(&r.lines, "Quoted")], "> Quoted words");
    assert_eq!(r.lines[index_of(&r.lines, "Before")], "Before");
}

#[test]
fn nested_blockquotes_stack_markers() {
    let r = render_html("<blockquote>a<blockquote>b</blockquote></blockquote>", 80);
    assert_eq!(r.lines[index_of(&r.lines, "b")], "> > b");
}

#[test]
fn code_block_keeps_indentation() {
    let html = "<p>Code:</p><pre><code>fn main() {\n    println!(\"hi\");\n        deeper();\n}</code></pre>";
    let r = render_html(html, 80);
    let lines = &r.lines;
    assert_eq!(lines[index_of(lines, "fn main")], "fn main() {");
    assert_eq!(lines[index_of(lines, "println")], "    println!(\"hi\");");
    assert_eq!(lines[index_of(lines, "deeper")], "        deeper();");
    assert_eq!(lines[index_of(lines, "}")], "}");
}

#[test]
fn tabs_in_code_are_expanded() {
    let r = render_html("<pre>a\tb\n\tc &#9;d</pre>", 80);
    assert!(!r.lines.iter().any(|l| l.contains('\t')), "{:?}", r.lines);
    assert_eq!(r.lines[index_of(&r.lines, "a")], "a       b");
    assert!(r.lines[index_of(&r.lines, "c")].starts_with("        c"));
}

#[test]
fn table_cells_are_readable() {
    let html =
        "<table><tr><th>Name</th><th>Score</th></tr><tr><td>Ada</td><td>42</td></tr></table>";
    let r = render_html(html, 80);
    let header = &r.lines[index_of(&r.lines, "Name")];
    assert!(header.contains("Score"), "{:?}", r.lines);
    let row = &r.lines[index_of(&r.lines, "Ada")];
    assert!(row.contains("42"), "{:?}", r.lines);
    assert!(index_of(&r.lines, "Name") < index_of(&r.lines, "Ada"));
    assert_clean(&r);
}

#[test]
fn links_become_numbered_references_listed_at_the_bottom() {
    let html = "<p>See <a href=\"https://example.com/a\">the docs</a> and \
                <a href=\"https://example.com/b\">the blog</a>.</p><p>End.</p>";
    let r = render_html(html, 80);
    assert_eq!(
        r.links,
        vec!["https://example.com/a", "https://example.com/b"]
    );
    assert_eq!(
        r.lines,
        vec![
            "See the docs[1] and the blog[2].",
            "",
            "End.",
            "",
            "[1] https://example.com/a",
            "[2] https://example.com/b",
        ]
    );
    assert!(!body_text(&r).contains("https://"));
}

#[test]
fn duplicate_url_shares_its_number() {
    let html = "<p><a href=\"https://x.test/1\">one</a> <a href=\"https://x.test/2\">two</a> \
                <a href=\"https://x.test/1\">again</a></p>";
    let r = render_html(html, 80);
    assert_eq!(r.links, vec!["https://x.test/1", "https://x.test/2"]);
    assert_eq!(body(&r), ["one[1] two[2] again[1]"]);
    assert_eq!(
        r.lines.last().map(String::as_str),
        Some("[2] https://x.test/2")
    );
}

#[test]
fn links_inside_nested_blocks_share_numbering() {
    let html = "<p><a href=\"/a\">top</a></p><ul><li><a href=\"/b\">item</a></li></ul>\
                <blockquote><a href=\"/a\">quoted</a></blockquote>\
                <table><tr><td><a href=\"/c\">cell</a></td></tr></table>";
    let r = render_html(html, 80);
    assert_eq!(r.links, vec!["/a", "/b", "/c"]);
    let text = body_text(&r);
    assert!(text.contains("top[1]"), "{text}");
    assert!(text.contains("item[2]"), "{text}");
    assert!(text.contains("quoted[1]"), "{text}");
    assert!(text.contains("cell[3]"), "{text}");
}

#[test]
fn relative_urls_are_kept_as_given() {
    let r = render_html("<a href=\"../post/2?x=1&amp;y=2\">rel</a>", 80);
    assert_eq!(r.links, vec!["../post/2?x=1&y=2"]);
    assert_eq!(r.lines, vec!["rel[1]", "", "[1] ../post/2?x=1&y=2"]);
}

#[test]
fn fragment_empty_and_script_links_get_no_reference() {
    let html = "<p><a href=\"\">empty</a> <a href=\"#top\">frag</a> \
                <a href=\"javascript:alert(1)\">js</a> <a href=\" JavaScript:alert(1)\">js2</a> \
                <a href=\"java&#9;script:alert(1)\">js3</a> <a href=\"data:text/html,x\">data</a> \
                <a>none</a> <a href=\"https://ok.test/\">ok</a></p>";
    let r = render_html(html, 100);
    assert_eq!(r.links, vec!["https://ok.test/"]);
    assert_eq!(body(&r), ["empty frag js js2 js3 data none ok[1]"]);
}

#[test]
fn nested_links_number_correctly() {
    // The parser closes the outer <a> when the inner one opens.
    let html = "<a href=\"/outer\">out <a href=\"/inner\">in</a> tail</a>";
    let r = render_html(html, 80);
    assert_eq!(r.links, vec!["/outer", "/inner"]);
    assert_eq!(body(&r), ["out [1]in[2] tail"]);
}

#[test]
fn images_show_alt_text_and_are_not_references() {
    let html = "<p>Look: <img src=\"/cat.png\" alt=\"A cat\"> and <img src=\"/x.png\"> \
                <img src=\"/y.png\" alt=\"\"></p>\
                <p><a href=\"https://e.test/\"><img src=\"/logo.png\" alt=\"logo\"></a></p>";
    let r = render_html(html, 80);
    let text = body_text(&r);
    assert!(
        text.contains("Look: [image: A cat] and [image] [image]"),
        "{text}"
    );
    assert!(text.contains("[image: logo][1]"), "{text}");
    assert_eq!(r.links, vec!["https://e.test/"]);
    assert!(!text.contains("cat.png"));
}

#[test]
fn images_without_src_and_tracking_pixels() {
    let html = "<p>a <img data-src=\"/lazy.png\" alt=\"Lazy chart\"> \
                b <img src=\"\" alt=\"Empty src\"> \
                c <img data-src=\"/x.png\"> \
                d <img src=\"https://t.test/pixel.gif\" width=\"1\" height=\"1\"> \
                e <img src=\"/p.gif\" width=\"1px\" height=\"1px\" alt=\"Logo\"> \
                f <img src=\"/big.png\" width=\"640\" height=\"480\"> g</p>";
    let expected = "a [image: Lazy chart] b [image: Empty src] c d e [image: Logo] f [image] g";
    let r = render_html(html, 120);
    assert_eq!(body_text(&r), expected);
    // The fallback stripper makes the same choices.
    assert_eq!(render_fallback(html, 120).lines, vec![expected]);
}

#[test]
fn strikeout_uses_no_combining_characters() {
    let html = "<p><s>gone</s> <del>deleted</del> <strike>struck</strike> kept</p>";
    let r = render_html(html, 80);
    for line in &r.lines {
        assert!(!line.contains('\u{336}'), "{line:?}");
        assert!(
            !line.chars().any(|c| ('\u{300}'..='\u{36F}').contains(&c)),
            "{line:?}"
        );
    }
    // html2text treats <s>/<del> as strikeout (marked with ~~ here) and
    // renders the obsolete <strike> as plain text.
    assert_eq!(body_text(&r), "~~gone~~ ~~deleted~~ struck kept");
}

#[test]
fn escape_sequences_are_stripped_from_text() {
    let html = "<p>a\x1b[31mred\x1b[0m &#27;[2J &#x1b;]0;title&#7; &#x9b;6n \u{9b}31m \
                \x1b]52;c;SGVsbG8=\x07 &#0; &#x7f; &#x85; z</p>\
                <pre>\x1b[1mcode&#27;</pre>";
    let r = render_html(html, 80);
    assert_clean(&r);
    let text = body_text(&r);
    assert!(text.contains("a[31mred[0m"), "{text}");
    assert!(text.contains(" z"), "{text}");
    assert!(text.contains("code"), "{text}");
}

#[test]
fn escape_sequences_are_stripped_from_link_urls() {
    let html = "<a href=\"https://evil.test/\x1b]8;;x\x07&#27;[2J&#x9b;&#x202e;/p\">t</a>";
    let r = render_html(html, 80);
    assert_clean(&r);
    assert_eq!(r.links, vec!["https://evil.test/\u{203A}/p"]);
    assert_eq!(
        r.lines.last().map(String::as_str),
        Some("[1] https://evil.test/\u{203A}/p")
    );
}

#[test]
fn escape_sequences_are_stripped_from_image_alt() {
    let r = render_html("<img src=\"/i.png\" alt=\"x&#27;[2Jy&#x202e;z\">", 80);
    assert_clean(&r);
    assert_eq!(r.lines, vec!["[image: x[2Jyz]"]);
}

#[test]
fn bidi_controls_are_removed() {
    let html = "<p>abc&#x202e;fed&#x202c; \u{2066}iso\u{2069} &#x200f;&#x200e;&#x61c;end</p>";
    let r = render_html(html, 80);
    assert_clean(&r);
    assert_eq!(r.lines, vec!["abcfed iso end"]);
}

#[test]
fn plain_text_renders_as_its_text() {
    let r = render_html("Just some words.", 80);
    assert_eq!(r.lines, vec!["Just some words."]);
    assert!(r.links.is_empty());

    let r = render_html(
        "Line one\nLine two\r\n\r\nSecond para & 1 < 2 &amp; done",
        80,
    );
    assert_eq!(
        r.lines,
        vec!["Line one", "Line two", "", "Second para & 1 < 2 & done"]
    );
}

#[test]
fn empty_and_whitespace_input() {
    assert_eq!(render_html("", 80), Rendered::default());
    assert_eq!(render_html("   \n\t ", 80), Rendered::default());
    assert_eq!(render_html("<p></p><div> </div>", 80), Rendered::default());
}

#[test]
fn broken_html_still_renders() {
    let r = render_html(
        "<p>unclosed <b>bold <i>both</p><div>after <a href='/x'>link",
        80,
    );
    let text = body_text(&r);
    assert!(text.contains("unclosed bold both"), "{text}");
    assert!(text.contains("after link[1]"), "{text}");
    assert_eq!(r.links, vec!["/x"]);
}

#[test]
fn scripts_and_styles_are_not_shown() {
    let r = render_html(
        "<style>p{color:red}</style><script>alert('x')</script><p>visible</p>",
        80,
    );
    assert_eq!(r.lines, vec!["visible"]);
}

#[test]
fn width_is_respected_for_prose() {
    let words = "The quick brown fox jumps over the lazy dog while an \
                 extraordinarily long-winded narrator keeps talking about \
                 internationalization, 日本語のテキスト, and other things. ";
    let html = format!(
        "<h2>{w}</h2><p>{w}{w}</p><ul><li>{w}</li></ul><blockquote><p>{w}</p></blockquote>\
         <ol><li><p>{w}</p></li></ol><p><a href=\"https://example.com/very/long\">{w}</a></p>",
        w = words
    );
    for width in [0, 20, 21, 33, 47, 80, 120] {
        let r = render_html(&html, width);
        let limit = width.clamp(MIN_WIDTH, MAX_WIDTH);
        assert!(body(&r).len() > 5);
        for line in body(&r) {
            assert!(
                line.chars().count() <= limit,
                "width {limit}: {line:?} has {} chars",
                line.chars().count()
            );
        }
        assert_clean(&r);
    }
}

#[test]
fn width_is_clamped() {
    let long = "word ".repeat(400);
    let r = render_html(&long, 5000);
    assert!(r.lines.iter().all(|l| l.chars().count() <= MAX_WIDTH));
    assert!(r.lines.iter().any(|l| l.chars().count() > 900));
    let r = render_html(&long, 1);
    assert!(r.lines.iter().all(|l| l.chars().count() <= MIN_WIDTH));
}

#[test]
fn deep_div_nesting_returns() {
    let r = on_small_stack(|| {
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(10_000),
            "</div>".repeat(10_000)
        );
        render_html(&html, 80)
    });
    assert!(body_text(&r).contains("deep text"));
    assert_clean(&r);
}

#[test]
fn deep_blockquote_nesting_returns() {
    let r = on_small_stack(|| {
        let html = format!(
            "<p>top <a href=\"/t\">link</a></p>{}deep quote{}",
            "<blockquote>".repeat(5_000),
            "</blockquote>".repeat(5_000)
        );
        render_html(&html, 80)
    });
    let text = body_text(&r);
    assert!(text.contains("deep quote"), "{text}");
    assert!(text.contains("top link[1]"), "{text}");
    assert_eq!(r.links, vec!["/t"]);
    assert!(body(&r).iter().all(|l| l.chars().count() <= 80));
    assert_clean(&r);
}

#[test]
fn deep_list_nesting_returns() {
    let r = on_small_stack(|| {
        let html = format!(
            "{}deep item{}",
            "<ul><li>".repeat(5_000),
            "</li></ul>".repeat(5_000)
        );
        render_html(&html, 80)
    });
    assert!(body_text(&r).contains("deep item"));
    assert!(body(&r).iter().all(|l| l.chars().count() <= 80));
    assert_clean(&r);
}

#[test]
fn moderately_deep_nesting_at_narrow_width_falls_back_gracefully() {
    let html = format!(
        "{}<p>inner words here</p>{}",
        "<blockquote>".repeat(15),
        "</blockquote>".repeat(15)
    );
    let r = render_html(&html, 20);
    assert!(body_text(&r).contains("inner words here"));
    assert!(r.lines.iter().all(|l| l.chars().count() <= 20));
}

#[test]
fn deep_table_nesting_returns() {
    let r = on_small_stack(|| {
        let html = format!(
            "{}cell{}",
            "<table><tr><td>".repeat(2_000),
            "</td></tr></table>".repeat(2_000)
        );
        render_html(&html, 80)
    });
    assert!(body_text(&r).contains("cell"));
    assert_clean(&r);
}

#[test]
fn large_input_returns() {
    let para = "<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit, \
                <a href=\"https://example.com/x\">sed do</a> eiusmod tempor.</p>\n";
    let html = para.repeat(10 * 1024 * 1024 / para.len() + 1);
    assert!(html.len() >= 10 * 1024 * 1024);
    let r = on_small_stack(move || render_html(&html, 80));
    assert!(r.lines.len() > 10_000);
    assert_eq!(r.links, vec!["https://example.com/x"]);
}

#[test]
fn garbage_input_does_not_panic() {
    let inputs = [
        "<",
        "<<<<>>>>",
        "</",
        "<a href=",
        "<a href=\"",
        "<img",
        "<img alt='x",
        "&",
        "&#",
        "&#x;",
        "&#99999999999;",
        "&#xD800;",
        "<!--",
        "<!-- never closed <p>x",
        "<script>never closed",
        "<table><td colspan=1000000>x</td><td rowspan=999999>y</table>",
        "<ol start=-9223372036854775808><li>a<li>b</ol>",
        "<svg><title>t</title></svg>",
        "<p>\u{FEFF}\u{0}\u{1}\u{7f}</p>",
        "<h7>x</h7><h1><h2><h3>y",
        "<pre>\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tx</pre>",
    ];
    for input in inputs {
        for width in [20, 80] {
            let r = render_html(input, width);
            assert_clean(&r);
            assert!(!r.lines.iter().any(|l| l.contains('\t')));
        }
    }
}

#[test]
fn fallback_strips_tags_and_keeps_links() {
    let html = "<div><p>Hello <b>world</b> &amp; &lt;friends&gt;&#33;</p>\
                <script>bad()</script><style>.x{}</style><!-- note -->\
                <ul><li>one</li><li><a href='https://e.test/?a=1&amp;b=2'>two</a></li></ul>\
                <img src=x alt=\"pic\"><br>line<a href=\"#frag\">f</a>\
                <a href=\"https://e.test/?a=1&amp;b=2\">again</a></div>";
    let r = render_fallback(html, 80);
    assert_eq!(r.links, vec!["https://e.test/?a=1&b=2"]);
    assert_eq!(
        r.lines,
        vec![
            "Hello world & <friends>!",
            "",
            "* one",
            "* two[1]",
            "",
            "[image: pic]",
            "linefagain[1]",
            "",
            "[1] https://e.test/?a=1&b=2",
        ]
    );
}

#[test]
fn fallback_sanitizes_and_wraps() {
    let html = format!(
        "<p>{}</p><p>\x1b[31m&#27;&#x202e;x {}</p>",
        "word ".repeat(50),
        "a".repeat(70)
    );
    let r = render_fallback(&html, 20);
    assert_clean(&r);
    assert!(
        r.lines.iter().all(|l| l.chars().count() <= 20),
        "{:?}",
        r.lines
    );
    assert!(r.lines.iter().any(|l| l == "x"), "{:?}", r.lines);
}

#[test]
fn fallback_measures_display_width() {
    let html = format!(
        "{}<p>{}</p>{}",
        "<blockquote>".repeat(100),
        "日本語のテキスト ".repeat(20),
        "</blockquote>".repeat(100)
    );
    let r = render_html(&html, 30);
    assert!(body_text(&r).contains("日本語のテキスト"));
    // Wide characters take two columns: at most 15 of them per line.
    for line in &r.lines {
        let columns: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        assert!(columns <= 30, "{line:?}");
    }
}

#[test]
fn char_wrapper_splits_long_words() {
    let paragraphs = vec![
        vec!["aaa bbb ccc".to_string(), "x".repeat(25)],
        vec!["next".to_string()],
    ];
    assert_eq!(
        wrap_flat_by_chars(&paragraphs, 10),
        vec![
            "aaa bbb",
            "ccc",
            "xxxxxxxxxx",
            "xxxxxxxxxx",
            "xxxxx",
            "",
            "next"
        ]
    );
}

#[test]
fn nesting_estimate_follows_parser_rules() {
    let div = "<div>".repeat(20);
    assert!(nesting_exceeds(&div, 10));
    assert!(!nesting_exceeds(&div, 20));
    assert!(!nesting_exceeds(
        &format!("{div}{}", "</div>".repeat(20)),
        20
    ));
    assert!(nesting_exceeds(&"<div/>".repeat(20), 10));
    assert!(nesting_exceeds(&"<ul><li>".repeat(20), 10));
    assert!(nesting_exceeds(&"<B>".repeat(20), 10));
    assert!(!nesting_exceeds(&"<div></div>".repeat(100), 10));
    assert!(!nesting_exceeds(&"<p>x".repeat(100), 10));
    assert!(!nesting_exceeds(&"<li>x".repeat(100), 10));
    assert!(!nesting_exceeds(&"<br><img src=x><hr>".repeat(100), 10));
    assert!(!nesting_exceeds(
        &format!("<svg>{}</svg>", "<path d='M0 0'/>".repeat(100)),
        10
    ));
    assert!(!nesting_exceeds(
        &format!("<script>{}</script>", "<div>".repeat(100)),
        10
    ));
    assert!(!nesting_exceeds(
        &format!("<!-- {} -->", "<div>".repeat(100)),
        10
    ));
    assert!(!nesting_exceeds("a < b <<< c", 0));
}

#[test]
fn huge_nesting_returns_quickly() {
    // Nesting far past what html2text takes, within the element cap (see `text::cap`).
    let n = 90_000;
    let r = render_with_deadline(
        &format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n)),
        80,
    );
    assert!(r.lines == ["deep"], "{} lines", r.lines.len());
    let r = render_with_deadline(&format!("{}item", "<ul><li>".repeat(n / 2)), 80);
    assert!(r.lines == ["* item"], "{} lines", r.lines.len());
    let r = render_with_deadline(&format!("{}q", "<blockquote>".repeat(n)), 80);
    assert!(r.lines == ["q"], "{} lines", r.lines.len());
    // Past the element cap the document is cut there, visibly.
    let r = render_with_deadline(
        &format!(
            "{}deep{}",
            "<div>".repeat(1_000_000),
            "</div>".repeat(1_000_000)
        ),
        80,
    );
    assert!(r.lines == [crate::text::TRUNCATED], "{:?}", r.lines);
}

#[test]
fn output_lines_are_sanitized() {
    let (line, styles) = layout::finished(styled_line(
        [
            ("\ttab\u{A0}x \x1b[1m\u{202E}", &[][..]),
            ("next\u{85}  ", &[Mark::Strong][..]),
        ]
        .into_iter(),
    ));
    assert_eq!(line, "        tab x next");
    assert_eq!(styles.len(), 1);
    assert_eq!(
        &line[styles[0].start..styles[0].end],
        "next",
        "trailing blanks trimmed from the range"
    );
}

#[test]
fn emphasis_code_and_links_are_styled() {
    let r = render_html(
        "<p>Plain <b>bold</b> and <em>soft</em>, <code>x = 1</code>, <a href=\"https://e.com/\">a link</a>.</p>",
        80,
    );
    let line = &r.lines[0];
    let styled = |style: fn(&TextStyle) -> bool| -> Vec<&str> {
        r.styles[0]
            .iter()
            .filter(|s| style(&s.style))
            .map(|s| &line[s.start..s.end])
            .collect()
    };
    assert_eq!(styled(|s| s.strong), ["bold"]);
    assert_eq!(styled(|s| s.emphasis), ["soft"]);
    assert_eq!(styled(|s| s.code), ["x = 1"]);
    assert_eq!(
        styled(|s| s.link),
        ["a link[1]"],
        "the reference number goes with its link"
    );
    assert!(line.contains("a link[1]"), "{line}");
    assert!(
        r.styles.iter().skip(1).all(|s| s.is_empty()),
        "reference lines are plain"
    );
}

#[test]
fn preformatted_text_is_code() {
    let r = render_html("<pre>fn main() {\n    run();\n}</pre>", 60);
    assert_eq!(r.lines[1], "    run();");
    assert!(r.styles[1].iter().any(|s| s.style.code));
}

#[test]
fn combining_marks_do_not_count_as_columns() {
    // Thai with tone marks: more chars than columns.
    let thai = "ภาษาไทยที่มีวรรณยุกต์ ".repeat(10);
    let r = render_html(&format!("<p>{thai}</p>"), 40);
    assert!(r.lines.len() >= 3, "{:?}", r.lines);
    // Whole words only, and lines may hold more than 40 chars as long
    // as they fit in 40 columns.
    for line in &r.lines {
        assert!(line.split(' ').all(|w| w == "ภาษาไทยที่มีวรรณยุกต์"), "{line:?}");
    }
    assert!(
        r.lines.iter().any(|l| l.chars().count() > 40),
        "{:?}",
        r.lines
    );
}

#[test]
fn expand_tabs_uses_tab_stops() {
    assert_eq!(expand_tabs("\tx"), "        x");
    assert_eq!(expand_tabs("ab\tc"), "ab      c");
    assert_eq!(expand_tabs("12345678\tz"), "12345678        z");
    assert_eq!(expand_tabs("none"), "none");
}

#[test]
fn reference_target_filtering() {
    assert_eq!(
        reference_target(" https://a.test/x \n"),
        Some("https://a.test/x".into())
    );
    assert_eq!(
        reference_target("mailto:me@x.test"),
        Some("mailto:me@x.test".into())
    );
    assert_eq!(
        reference_target("/path:with:colons"),
        Some("/path:with:colons".into())
    );
    assert_eq!(reference_target(""), None);
    assert_eq!(reference_target("  "), None);
    assert_eq!(reference_target("#x"), None);
    assert_eq!(reference_target("JAVASCRIPT:void(0)"), None);
    assert_eq!(reference_target("vbscript:x"), None);
    assert_eq!(reference_target("data:image/png;base64,AAAA"), None);
    // ESC j is a sequence of its own: what is left is no javascript: link.
    assert!(reference_target("\u{1b}javascript:x").is_none_or(|t| !t.starts_with("javascript")));
}
