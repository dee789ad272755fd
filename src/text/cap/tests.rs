use super::*;

/// The attribute cap.
const N: usize = MAX_ATTRIBUTES;

/// The last of `n` attributes made by [`attrs`].
fn last(n: usize) -> String {
    format!(" a{0}=v{0}", n - 1)
}

/// `n` distinct attributes `a0=v0 a1=v1 …`.
fn attrs(n: usize) -> String {
    (0..n).map(|i| format!(" a{i}=v{i}")).collect()
}

/// Attribute names of the first element named `tag` once parsed (the parser's view).
fn parsed_attrs(html: &str, tag: &str) -> Vec<String> {
    let doc = dom_query::Document::from(html);
    let sel = doc.select(tag);
    let node = sel.nodes().first().copied().expect("element present");
    node.attrs()
        .iter()
        .map(|a| a.name.local.to_string())
        .collect()
}

fn small(max_elements: usize) -> HtmlCaps {
    HtmlCaps {
        max_elements,
        ..HtmlCaps::default()
    }
}

#[test]
fn normal_page_passes_through_unchanged() {
    let page = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x>y">
<html lang="en"><head><meta charset="utf-8"><title>A <b> in a title</title>
<!-- a comment with <div a b c d e f> and -- dashes --->
<style>p > a { color: red } /* <div x="1"> */</style>
<script>for (var i=0;i<n;i++) { if (a<b && c>d) s = "<div class='x'>"; }</script>
<script><!-- document.write("<script></script>") --></script>
</head><body class="post single" id=main data-x='1 > 0'>
<svg viewBox="0 0 10 10"><title>icon</title><style>.a{}</style><path d="M0 0L10 10"/></svg>
<p>Text with a < b, 3<4, </> and <?php echo 1 ?> and <!---> and <!-- x --!> done.</p>
<img src="data:image/png;base64,AAAA" alt="pic"><a href="https://example.com/?a=1&amp;b=2">link</a>
<textarea><div not a tag></textarea><select><option>1</option></select>
</body></html>"#;
    let (out, report) = cap_html_with(page, &HtmlCaps::default());
    assert!(
        matches!(out, Cow::Borrowed(_)),
        "a normal page is not copied"
    );
    assert_eq!(out, page);
    assert_eq!(report.tags_rewritten, 0);
    assert!(!report.truncated);
    assert!(report.elements > 10);
}

#[test]
fn attributes_over_the_cap_are_dropped_in_order() {
    let html = format!("<p>before</p><div{}>inside</div><p>after</p>", attrs(1000));
    let (out, report) = cap_html_with(&html, &HtmlCaps::default());
    assert!(matches!(out, Cow::Owned(_)));
    assert_eq!(report.tags_rewritten, 1);
    assert_eq!(report.attributes_dropped, 1000 - MAX_ATTRIBUTES);
    let expected = format!("<p>before</p><div{}>inside</div><p>after</p>", attrs(N));
    assert_eq!(out, expected);
    let names = parsed_attrs(&out, "div");
    assert_eq!(names.len(), MAX_ATTRIBUTES);
    assert_eq!(names[0], "a0");
    assert_eq!(names[N - 1], format!("a{}", N - 1));
}

#[test]
fn exactly_the_cap_is_left_alone() {
    let html = format!("<div{}>x</div>", attrs(MAX_ATTRIBUTES));
    assert!(matches!(cap_html(&html), Cow::Borrowed(_)));
}

#[test]
fn quotes_containing_gt_do_not_end_the_tag() {
    let html = format!(
        r#"<div title="a > b" data-q='c > "d"'{} last="x>y">text > more</div>"#,
        attrs(N + 36)
    );
    let out = cap_html(&html);
    assert!(
        out.starts_with(r#"<div title="a > b" data-q='c > "d"' a0=v0"#),
        "{out}"
    );
    assert!(
        out.ends_with(&format!("{}>text > more</div>", last(N - 2))),
        "{out}"
    );
    let names = parsed_attrs(&out, "div");
    assert_eq!(names.len(), N);
    assert_eq!(&names[..2], ["title", "data-q"]);
}

#[test]
fn repeated_names_count_once_like_the_parser_and_the_tag_stays_bounded() {
    // Few distinct names, but many attributes: rewritten to the distinct ones (first value wins).
    let html = format!("<a{} href=x CLASS=b>t</a>", " class=a".repeat(5000));
    let (out, report) = cap_html_with(&html, &HtmlCaps::default());
    assert_eq!(out, "<a class=a href=x>t</a>");
    assert_eq!(report.attributes_dropped, 5000);
    // Within the cap, repeated names are the parser's business: nothing is rewritten.
    let few = "<a class=a class=b href=x>t</a>";
    assert!(matches!(cap_html(few), Cow::Borrowed(_)));
}

#[test]
fn unterminated_tags_stay_unterminated() {
    let html = format!("<p>kept</p><div{}", attrs(2 * N));
    let out = cap_html(&html);
    assert_eq!(out, format!("<p>kept</p><div{}", attrs(N)));
    // A quoted value the input ends in is not closed either.
    let html = format!("<p>kept</p><div{} z=\"never closed", attrs(N + 36));
    let out = cap_html(&html);
    assert!(out.ends_with(&last(N)), "{out}");
    let html = format!("<div{} z=\"never closed", attrs(10));
    assert!(matches!(cap_html(&html), Cow::Borrowed(_)));
    // The unterminated tag is dropped by the parser either way; the text before survives.
    assert!(
        crate::text::extract::extract_text(&format!("<p>kept</p><div{}", attrs(2 * N)), None)
            .contains("kept")
    );
}

#[test]
fn comments_hide_tags_until_they_end_as_the_tokenizer_ends_them() {
    let hidden = format!("<!-- <div{}> -->", attrs(N + 36));
    assert!(matches!(cap_html(&hidden), Cow::Borrowed(_)));
    let hidden = format!("<!-- a -- b <div{}> --!-->", attrs(N + 36));
    assert!(matches!(cap_html(&hidden), Cow::Borrowed(_)));
    // Comments that end early: the div after them is a real tag.
    for opener in ["<!-->", "<!--->", "<!-- x --!>", "<!-- x --->", "<!---->"] {
        let html = format!("{opener}<div{}>t</div>", attrs(N + 36));
        let out = cap_html(&html);
        assert_eq!(out, format!("{opener}<div{}>t</div>", attrs(N)), "{opener}");
    }
    // An unterminated comment runs to the end.
    let html = format!("<p>x</p><!-- <div{}>", attrs(N + 36));
    assert!(matches!(cap_html(&html), Cow::Borrowed(_)));
    // Doctypes, processing instructions and bogus comments end at the first '>'.
    let html = format!("<!doctype html><?xml x?></ bogus><div{}>", attrs(N + 6));
    assert!(cap_html(&html).ends_with(&format!("{}>", last(N))));
}

#[test]
fn script_and_style_contents_are_text() {
    for (open, close) in [
        ("<script>", "</script>"),
        ("<SCRIPT type=module>", "</ScRiPt >"),
        ("<style>", "</style>"),
        ("<textarea>", "</textarea>"),
        ("<title>", "</title>"),
        ("<xmp>", "</xmp>"),
        ("<iframe>", "</iframe>"),
        ("<noembed>", "</noembed>"),
        ("<noframes>", "</noframes>"),
    ] {
        let html = format!(
            "{open}var s = '<div{}>' + \"<b\" + '\"';{close}<p>after</p>",
            attrs(N + 36)
        );
        let (out, report) = cap_html_with(&html, &HtmlCaps::default());
        assert!(matches!(out, Cow::Borrowed(_)), "{open}");
        assert_eq!(report.elements, 2, "{open}");
    }
    // `</scriptx>` does not end a script; the real end tag does, and what follows is markup.
    let html = format!(
        "<script>a</scriptx><div{}></script><div{}>",
        attrs(N + 36),
        attrs(N + 36)
    );
    let out = cap_html(&html);
    assert_eq!(
        out,
        format!(
            "<script>a</scriptx><div{}></script><div{}>",
            attrs(N + 36),
            attrs(N)
        )
    );
}

#[test]
fn script_escapes_follow_the_tokenizer() {
    // Inside `<!--`, a `<script>` makes the next `</script>` part of the script.
    let inner = format!("<div{}>", attrs(N + 36));
    let html = format!(
        "<script><!--<script>x</script>{inner}--></script><p{}>",
        attrs(N + 6)
    );
    let out = cap_html(&html);
    assert_eq!(
        out,
        format!(
            "<script><!--<script>x</script>{inner}--></script><p{}>",
            attrs(N)
        )
    );
    // Without the inner `<script>`, `</script>` ends it even inside `<!--`.
    let html = format!("<script><!-- x </script>{inner}");
    assert_eq!(
        cap_html(&html),
        format!("<script><!-- x </script><div{}>", attrs(N))
    );
    // `<!-->` closes the escape at once.
    let html = format!("<script><!--><script></script>{inner}");
    assert_eq!(
        cap_html(&html),
        format!("<script><!--><script></script><div{}>", attrs(N))
    );
}

#[test]
fn raw_text_where_the_parser_may_read_markup_is_capped_too() {
    // In svg, in a select and after a frameset the parser may tokenize `<style>` contents.
    for prefix in ["<svg>", "<math>", "<select>", "<frameset>"] {
        let html = format!("{prefix}<style><div{}></style>", attrs(N + 36));
        let out = cap_html(&html);
        assert_eq!(
            out,
            format!("{prefix}<style><div{}></style>", attrs(N)),
            "{prefix}"
        );
    }
    // A closed svg is HTML again, also after integration points that held only text.
    for svg in [
        "<svg><path/></svg>",
        "<svg><title>icon</title><desc>d</desc></svg>",
        "<svg><g><title>t</title></g></svg>",
        "<math><mi>x</mi></math><svg/>",
    ] {
        let html = format!("{svg}<style><div{}></style>", attrs(N + 36));
        assert!(matches!(cap_html(&html), Cow::Borrowed(_)), "{svg}");
    }
    // A tag inside an integration point may be an HTML element that keeps the svg open.
    let html = format!(
        "<svg><title>a</desc><b></svg></b></title><style><div{}></style>",
        attrs(N + 36)
    );
    assert!(matches!(cap_html(&html), Cow::Owned(_)));
    // After an integration point `</svg>` may be ignored by the parser: stay careful.
    let html = format!(
        "<svg><foreignObject><div></svg></div></foreignObject><style><div{}></style>",
        attrs(N + 36)
    );
    assert!(matches!(cap_html(&html), Cow::Owned(_)));
    // `</math>` does not close an svg.
    let html = format!("<svg></math><style><div{}></style>", attrs(N + 36));
    assert!(matches!(cap_html(&html), Cow::Owned(_)));
}

#[test]
fn end_tags_and_self_closing_tags_are_capped() {
    let html = format!("<div></div{}>", attrs(N + 36));
    assert_eq!(cap_html(&html), format!("<div></div{}>", attrs(N)));
    // `a99=v99/>` would make the '/' part of the value; after a space it self-closes.
    let html = format!("<svg><path{} /></svg>", attrs(N + 36));
    assert_eq!(cap_html(&html), format!("<svg><path{} /></svg>", attrs(N)));
    // A '/' inside an unquoted value is part of the value.
    let html = format!("<a{} href=/x/>t</a>", attrs(N));
    assert_eq!(cap_html(&html), format!("<a{}>t</a>", attrs(N)));
}

#[test]
fn odd_attribute_syntax_is_kept_as_the_tokenizer_reads_it() {
    let html = format!("<div =x a\"b=1 c='2'd=\"3\"/e = 4 f{}>", attrs(N + 36));
    let out = cap_html(&html);
    assert!(
        out.starts_with("<div =x a\"b=1 c='2' d=\"3\" e=4 f a0=v0"),
        "{out}"
    );
    let names = parsed_attrs(&out, "div");
    assert_eq!(&names[..6], ["=x", "a\"b", "c", "d", "e", "f"]);
}

#[test]
fn long_values_are_cut_and_long_names_dropped() {
    let long = "é".repeat(MAX_ATTRIBUTE_VALUE); // 2 bytes each
    let html = format!("<img alt=\"{long}\" src=x>");
    let (out, report) = cap_html_with(&html, &HtmlCaps::default());
    assert_eq!(report.values_cut, 1);
    let kept = "é".repeat(MAX_ATTRIBUTE_VALUE / 2);
    assert_eq!(out, format!("<img alt=\"{kept}\" src=x>"));
    let html = format!("<img alt={} src=x>", "v".repeat(MAX_ATTRIBUTE_VALUE + 1));
    assert_eq!(
        cap_html(&html),
        format!("<img alt={} src=x>", "v".repeat(MAX_ATTRIBUTE_VALUE))
    );
    let html = format!("<img {}=1 src=x>", "n".repeat(MAX_ATTRIBUTE_NAME + 1));
    assert_eq!(cap_html(&html), "<img src=x>");
    // A long value on a repeated (ignored) name is dropped with it.
    let html = format!(
        "<img src=x src=\"{}\">",
        "v".repeat(MAX_ATTRIBUTE_VALUE + 1)
    );
    assert_eq!(cap_html(&html), "<img src=x>");
}

#[test]
fn elements_beyond_the_cap_are_cut_with_a_marker() {
    let html = "<p>1</p><p>2</p><p>3</p><p>4</p>";
    let (out, report) = cap_html_with(html, &small(3));
    assert!(report.truncated);
    assert_eq!(report.elements, 3);
    assert_eq!(out, format!("<p>1</p><p>2</p><p>3</p>{CUT_MARKER}"));
    let (out, report) = cap_html_with(html, &small(4));
    assert!(!report.truncated);
    assert!(matches!(out, Cow::Borrowed(_)));
    // Cut inside raw text scanned as markup: the raw-text element is closed first.
    let (out, _) = cap_html_with("<svg><style><b><b><b></style>", &small(3));
    assert_eq!(out, format!("<svg><style><b></style>{CUT_MARKER}"));
    // The marker is visible once rendered.
    let (out, _) = cap_html_with("<select><option>a<p>b<p>c", &small(3));
    assert!(
        crate::text::render_html(&out, 80)
            .lines
            .iter()
            .any(|l| l.contains(TRUNCATED))
    );
}

#[test]
fn text_that_is_not_markup_is_left_alone() {
    for s in [
        "a < b", "3<4", "x </> y", "</ x>", "<", "</", "<!", "a <3 b", "<<<>>>", "é<é",
    ] {
        assert!(matches!(cap_html(s), Cow::Borrowed(_)), "{s}");
    }
}
