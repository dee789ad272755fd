//! Golden tests for main-content extraction (`tidings::text::extract`).
//!
//! The fixtures under `tests/fixtures/extract/` are pages from Mozilla's
//! Readability test suite and from the scrapinghub article-extraction
//! benchmark (see the README there for sources and licences).

mod common;

use tidings::text::extract::{extract, extract_text};

fn fixture(name: &str) -> String {
    let path = common::cli::fixture(&format!("extract/{name}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts that every needle occurs in `text`, in the given order.
fn assert_in_order(text: &str, needles: &[&str]) {
    let mut pos = 0;
    for needle in needles {
        match text[pos..].find(needle) {
            Some(i) => pos += i + needle.len(),
            None => panic!("{needle:?} missing (or out of order) in extracted text:\n{text}"),
        }
    }
}

fn assert_absent(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            !text.contains(needle),
            "boilerplate {needle:?} present in extracted text:\n{text}"
        );
    }
}

/// Common properties of extracted text.
fn assert_clean(text: &str) {
    assert!(!text.contains('\u{336}'), "stray combining mark");
    assert!(!text.contains("[1]"), "link reference marker");
    assert!(
        !text.contains("&amp;") && !text.contains("&#"),
        "undecoded entity"
    );
    assert!(
        !text.contains("<p>") && !text.contains("<div"),
        "markup left in text"
    );
}

#[test]
fn wordpress_article() {
    let html = fixture("readability-wordpress.html");
    let e = extract(&html, Some("http://fakehost/test/page.html"));
    assert!(e.readable);
    assert!(e.title.is_some());
    let text = extract_text(&html, Some("http://fakehost/test/page.html"));
    assert_clean(&text);
    assert_in_order(
        &text,
        &[
            "Stack Overflow published its analysis of 2017 hiring trends",
            "Stack Overflow also measured the demand relative to the available developers",
            "These are both highly portable skills that are in demand on the web.",
        ],
    );
    assert_absent(
        &text,
        &[
            "Share this:",
            "Click to share on Facebook",
            "Notify me of follow-up comments",
            "Subscribe to Blog via Email",
            "other subscribers",
            "Copyright ©",
            "Powered by",
            "Previous Post:",
            "Next Post:",
            "Recent Comments",
            "Expand Search Form",
            "Secondary Menu",
        ],
    );
}

#[test]
fn firefox_nightly_blog_article() {
    let html = fixture("readability-firefox-nightly-blog.html");
    let e = extract(&html, None);
    assert!(e.readable);
    let text = extract_text(&html, None);
    assert_clean(&text);
    assert_in_order(
        &text,
        &[
            "Highlights",
            "Here’s our Firefox Year in Review!",
            "We’ve just landed Bug 1553982",
            "Project Updates",
            "Fixed a bug where search engines were being re-added on startup",
        ],
    );
    // One item per line.
    assert!(
        text.contains("Here’s our Firefox Year in Review!\nHere’s our Performance Year in Review!")
    );
    assert_absent(
        &text,
        &[
            "Leave a Reply",
            "Post a comment",
            "Save my name, email, and website",
            "comments on “These Weeks in Firefox",
            "Get the Mozilla newsletter",
            "Recent Comments",
            "Previous article",
            "Search this site",
        ],
    );
}

#[test]
fn benchmark_expapp_interview() {
    let html = fixture("bench-4648a420af99.html");
    let url = "https://www.expapp.com/blog/introducing-junior-gaspard-new-ceo-experience/";
    assert!(extract(&html, Some(url)).readable);
    let text = extract_text(&html, Some(url));
    assert_clean(&text);
    assert_in_order(
        &text,
        &[
            "Experience is thrilled to have Junior Gaspard",
            "We’ve asked him to share some insights",
            "Q: What are your hobbies?",
            "A: Watching NBA League Pass",
            "Thanks Junior!",
        ],
    );
    assert_absent(
        &text,
        &[
            "Previous Post",
            "Next Post",
            "Categories:",
            "© 2019 Experience",
        ],
    );
    // Paragraphs are separated by blank lines.
    assert!(text.contains("Q: What are your hobbies?\n\nA: Watching NBA League Pass"));
}

#[test]
fn benchmark_givewell_post() {
    let html = fixture("bench-ad9e9e596f21.html");
    let url = "https://blog.givewell.org/2018/10/09/a-grant-to-evidence-action-beta-to-prototype-highly-cost-effective-interventions/";
    let text = extract_text(&html, Some(url));
    assert_clean(&text);
    assert_in_order(
        &text,
        &[
            "In July 2018, we recommended a $5.1 million grant to Evidence Action Beta",
            "This grant was made as part of GiveWell’s Incubation Grants program",
            "Going forward",
            "We look forward to sharing updates and the results.",
        ],
    );
    assert_absent(
        &text,
        &[
            "Enter search terms here.",
            "Comments are closed.",
            "Recent Comments",
            "commented on",
            "Subscribe to email updates",
            "Previous Post",
            "Want to stay updated on GiveWell",
            "Attribution-Noncommercial",
        ],
    );
}

#[test]
fn benchmark_mspoweruser_news() {
    let html = fixture("bench-aade2ec8d1e7.html");
    let url =
        "https://mspoweruser.com/google-stadia-red-dead-redemption-2-doesnt-run-at-a-stable-60fps/";
    let text = extract_text(&html, Some(url));
    assert_clean(&text);
    assert_in_order(
        &text,
        &[
            "The promise of Google Stadia: high quality visuals",
            "Posted on social media by the performance analysts at Digital Foundry",
            "— Digital Foundry (@digitalfoundry) November 18, 2019",
            "Read our review-in-progress here.",
        ],
    );
    assert_absent(
        &text,
        &[
            "MSPoweruser - All rights reserved",
            "\nTweet\n",
            "\nShare\n",
            "\nRelated\n",
        ],
    );
}

#[test]
fn deep_nesting_does_not_panic() {
    let n = 20_000;
    let html = format!(
        "<html><body>{}<p>deep text &amp; more</p>{}</body></html>",
        "<div>".repeat(n),
        "</div>".repeat(n)
    );
    let started = std::time::Instant::now();
    let e = extract(&html, None);
    assert!(!e.readable);
    let text = extract_text(&html, None);
    assert!(text.contains("deep text & more"), "{text}");
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn ten_megabyte_page_is_bounded() {
    let para = "<p>Paragraph with some words, commas, and more text to read. It is long enough to count.</p>\n";
    let mut html = String::from("<html><head><title>Big</title></head><body><article>");
    while html.len() < 10 * 1024 * 1024 {
        html.push_str(para);
    }
    html.push_str("</article></body></html>");
    let text = extract_text(&html, Some("https://example.com/big"));
    assert!(text.starts_with("Paragraph with some words"));
    let e = extract(&html, Some("https://example.com/big"));
    assert!(!e.content_html.is_empty());
}

#[test]
fn page_without_article_falls_back_to_body() {
    let html = "<html><head><title>Nothing here</title><style>p{}</style></head>\
                <body><p>Just a short note.</p><script>var x = 1;</script></body></html>";
    let e = extract(html, Some("https://example.com/"));
    assert!(!e.readable);
    assert!(e.content_html.contains("Just a short note."));
    assert!(!e.content_html.contains("var x"));
    assert_eq!(extract_text(html, None), "Just a short note.\n");
}

#[test]
fn entities_are_decoded() {
    let body = "<p>Pages 10&#8211;20 &amp; more &mdash; entity test. This sentence is long enough to \
                make the paragraph count as content, with commas, for the readability pass.</p>";
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        body.repeat(4)
    );
    let text = extract_text(&html, None);
    assert!(text.contains("Pages 10–20 & more — entity test."), "{text}");
    assert!(!text.contains('\u{336}'));
    assert!(!text.contains("1;") && !text.contains("&#"));
}

#[test]
fn lists_and_tables_layout() {
    let intro = "<p>An introduction paragraph that is long enough, with commas, to be the article \
                 content for the readability pass, and some more words here.</p>";
    let html = format!(
        "<html><body><article>{intro}{intro}<ul><li>first item</li><li>second item</li></ul>\
         <table><tr><td>a1</td><td>b1</td></tr><tr><td>a2</td><td>b2</td></tr></table>{intro}</article></body></html>"
    );
    let text = extract_text(&html, None);
    assert!(text.contains("first item\nsecond item"), "{text}");
    assert!(text.contains("a1 | b1\na2 | b2"), "{text}");
}
