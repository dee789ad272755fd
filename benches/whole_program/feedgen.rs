//! Deterministic test data: a splitmix64 PRNG, realistic titles, authors and HTML bodies, and feed
//! documents in RSS 2.0, Atom and RSS 1.0 (RDF), mixed by feed index.
//!
//! Feed `i` at version `v` holds the items with sequence numbers `5v .. 5v + M` (newest first), so a
//! new version gains 5 items at the top and drops the 5 oldest. Everything is a pure function of
//! (feed index, sequence number): the same data on every run and machine.

use std::sync::LazyLock;

/// Dates of the served feeds start here (2025-06-01 00:00 UTC) and grow by 6 h per sequence number.
pub const FEED_EPOCH: i64 = 1_748_736_000;
/// Items gained (and dropped) per version of a feed.
pub const ITEMS_PER_VERSION: u64 = 5;

/// splitmix64: tiny, fast and good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(a: u64, b: u64) -> Rng {
        let mut r = Rng(a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.rotate_left(29) ^ 0x5EED);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next_u64() % words.len() as u64) as usize]
    }
}

static WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "the a of to and in for with on that is was from by system release update network council \
    market river city report study team project energy climate school policy design garden \
    library engine protocol archive harbor festival election museum kernel compiler database \
    storage budget bridge railway forest ocean satellite vaccine research community startup \
    pipeline browser terminal quietly rapidly finally again still almost nearly openly new old \
    small large public private local global early late open secure fast careful second final \
    annual weekly measured announced opened closed fixed broke shipped tested moved grew fell \
    rose planned reviewed explained changed improved replaced their its our every after before \
    while because without between under over across"
        .split_whitespace()
        .collect()
});

/// Title words for feeds other than the largest one: none starts with "A", so every such title sorts
/// after "Aardvark Daily".
static FEED_WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Copper Quiet Northern Lantern Harbor Signal Paper Orbit Prairie Falcon Granite Meadow Pixel \
    River Summit Tidal Velvet Willow Cobalt Ember Juniper Lighthouse Marble Nimbus Pepper Quartz \
    Ridge"
        .split_whitespace()
        .collect()
});
static FEED_KINDS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Journal Weekly Notes Review Dispatch Gazette Blog Digest Times Bulletin Chronicle Log Post \
    Report"
        .split_whitespace()
        .collect()
});
static FIRST_NAMES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Ada Bruno Chiara Dmitri Elena Farid Grace Hiro Ines Jonas Keiko Liam Maya Noor Oscar Priya \
    Quinn Rosa Sven Tariq Uma Viktor"
        .split_whitespace()
        .collect()
});
static LAST_NAMES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Okafor Lindqvist Moreau Tanaka Schmidt Haddad Kowalski Fernandes Novak Brennan Castillo \
    Ivanova Nakamura Osei Petrov Rahman Weber"
        .split_whitespace()
        .collect()
});
static ENTITIES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "&amp; &mdash; &#8217; &quot; &hellip; &nbsp; &lt;"
        .split_whitespace()
        .collect()
});

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// A headline of 5–11 words (about 35–80 characters).
pub fn title(rng: &mut Rng) -> String {
    let n = rng.range(5, 11);
    let mut words: Vec<String> = (0..n).map(|_| rng.pick(&WORDS).to_string()).collect();
    words[0] = capitalize(&words[0]);
    if rng.chance(20) {
        words.insert(n / 2, format!("{}:", rng.range(2, 99)));
    }
    words.join(" ")
}

pub fn author(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES))
}

/// A feed's title; feed 0 of a cache is the largest feed and is titled "Aardvark Daily" by its caller.
pub fn feed_title(index: usize) -> String {
    let mut rng = Rng::new(index as u64, 0xFEED);
    format!(
        "{} {} {} {index}",
        rng.pick(&FEED_WORDS),
        rng.pick(&FEED_WORDS),
        rng.pick(&FEED_KINDS)
    )
}

fn sentence(rng: &mut Rng, out: &mut String) {
    let n = rng.range(8, 20);
    for i in 0..n {
        let word = rng.pick(&WORDS);
        if i == 0 {
            out.push_str(&capitalize(word));
        } else {
            out.push(' ');
            if rng.chance(4) {
                let href = format!("https://example.org/{}/{}", word, rng.range(1, 9999));
                out.push_str(&format!(
                    "<a href=\"{href}\">{word} {}</a>",
                    rng.pick(&WORDS)
                ));
            } else if rng.chance(3) {
                out.push_str(&format!("<em>{word}</em>"));
            } else if rng.chance(3) {
                out.push_str(rng.pick(&ENTITIES));
                out.push(' ');
                out.push_str(word);
            } else {
                out.push_str(word);
            }
        }
    }
    out.push_str(". ");
}

/// An HTML body of `lo..=hi` bytes (roughly): paragraphs with links and entities, lists, an occasional
/// heading, `<pre>` block or image.
pub fn html_body(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let target = rng.range(lo, hi);
    let mut out = String::with_capacity(target + 600);
    while out.len() < target {
        let roll = rng.range(0, 99);
        if roll < 70 || out.is_empty() {
            out.push_str("<p>");
            for _ in 0..rng.range(2, 5) {
                sentence(rng, &mut out);
            }
            out.push_str("</p>\n");
        } else if roll < 82 {
            out.push_str("<ul>\n");
            for _ in 0..rng.range(2, 5) {
                out.push_str("<li>");
                sentence(rng, &mut out);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        } else if roll < 90 {
            out.push_str(&format!("<h2>{}</h2>\n", title(rng)));
        } else if roll < 95 {
            out.push_str("<pre><code>fn main() {\n    let total = items.iter().map(|i| i.len()).sum::&lt;usize&gt;();\n    println!(\"{total}\");\n}</code></pre>\n");
        } else {
            let n = rng.range(1, 999);
            out.push_str(&format!(
                "<p><img src=\"https://img.example.org/{n}.jpg\" alt=\"figure {n}\" width=\"640\" height=\"360\"></p>\n"
            ));
        }
    }
    out
}

/// One item of a feed.
pub struct Item {
    pub guid: String,
    pub title: String,
    pub author: String,
    pub link: String,
    pub time: i64,
    pub html: String,
}

/// Item `seq` of feed `feed`, dated `time`, with a body of `lo..=hi` bytes.
pub fn item(feed: usize, seq: u64, time: i64, lo: usize, hi: usize) -> Item {
    let mut rng = Rng::new(feed as u64, seq);
    let title = title(&mut rng);
    let author = author(&mut rng);
    let link = format!("https://site{feed}.example.com/posts/{seq}");
    Item {
        guid: link.clone(),
        title,
        author,
        link,
        time,
        html: html_body(&mut rng, lo, hi),
    }
}

/// The document formats, chosen by feed index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Rss2,
    Atom,
    Rdf,
}

pub fn format_of(index: usize) -> Format {
    match index % 3 {
        0 => Format::Rss2,
        1 => Format::Atom,
        _ => Format::Rdf,
    }
}

pub fn content_type(format: Format) -> &'static str {
    match format {
        Format::Atom => "application/atom+xml",
        Format::Rss2 | Format::Rdf => "application/rss+xml",
    }
}

/// The items of feed `index` at `version`, newest first: 2–6 KB bodies.
pub fn served_items(index: usize, version: u64, items: usize) -> Vec<Item> {
    let first = ITEMS_PER_VERSION * version;
    (first..first + items as u64)
        .rev()
        .map(|seq| {
            let time = FEED_EPOCH + seq as i64 * 6 * 3600 + index as i64 * 61;
            item(index, seq, time, 2000, 6000)
        })
        .collect()
}
