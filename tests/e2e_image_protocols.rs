//! The image protocol chosen from the terminal's own answers, end to end: the real program in a
//! pseudo-terminal that answers its start-up queries as kitty does (graphics `OK`, primary device
//! attributes, cell size) or as a sixel terminal does (no graphics reply, device attributes with
//! the sixel attribute `4`), then an article with an image from a loopback server opened. The raw
//! output must carry the picture in that protocol (kitty: `ESC _ G` transmissions; sixel: a
//! `ESC P … q` device control string) while the article's text is on the parsed screen.
//!
//! The queries played along with: crossterm's `ESC [ ? u ESC [ c` (tidings asks whether the
//! terminal answers at all before it waits for a reply), then ratatui-image's kitty graphics query,
//! `ESC [ c`, `ESC [ 16 t`, ending in `ESC [ 5 n` (a device status report, which every terminal
//! answers with `ESC [ 0 n`, the end of the replies).

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use common::cli::tidings;
use common::files::{Route, Site, start};
use common::pty::{Answer, POLL, TIMEOUT, Tui, contains_bytes, selected_in};

const HEADLINE: &str = "Pictures of Lanterns";
const BELOW: &str = "Below the lantern.";

/// crossterm's question: keyboard enhancement flags, then primary device attributes.
const KEYBOARD_QUERY: &[u8] = b"\x1b[?u\x1b[c";
/// The end of ratatui-image's query: a device status report.
const STATUS_QUERY: &[u8] = b"\x1b[5n";
/// ratatui-image's kitty graphics query (a one-pixel image, `a=q`: query only).
const KITTY_QUERY: &[u8] = b"\x1b_Gi=31,";
/// The start of a kitty transmission as ratatui-image writes it (`q=2`: no replies wanted).
const KITTY_TRANSMIT: &[u8] = b"\x1b_Gq=2,";
/// A cell of a kitty picture placed with Unicode placeholders.
const KITTY_PLACEHOLDER: char = '\u{10EEEE}';

/// kitty: keyboard flags (0) and its device attributes; then graphics OK, the device attributes
/// again, a cell of 10×20 pixels, and the status report.
fn kitty() -> Vec<Answer> {
    vec![
        Answer::new(KEYBOARD_QUERY, b"\x1b[?0u\x1b[?62;c"),
        Answer::new(
            STATUS_QUERY,
            b"\x1b_Gi=31;OK\x1b\\\x1b[?62;c\x1b[6;20;10t\x1b[0n",
        ),
    ]
}

/// A sixel terminal (xterm as a VT340): no keyboard flags and no graphics reply; device
/// attributes with `4` (sixel), a cell of 10×20 pixels, the status report.
fn sixel() -> Vec<Answer> {
    const DA1: &[u8] = b"\x1b[?63;1;2;4;6;9;15;16;22;28c";
    vec![
        Answer::new(KEYBOARD_QUERY, DA1),
        Answer::new(STATUS_QUERY, &[DA1, b"\x1b[6;20;10t\x1b[0n"].concat()),
    ]
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode a PNG in memory");
    out.into_inner()
}

/// Where a sixel device control string (`ESC P`, numeric parameters, `q`) starts in `raw`.
fn sixel_start(raw: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = contains_bytes(&raw[from..], b"\x1bP") {
        let start = from + at;
        let params = raw[start + 2..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b';')
            .count();
        if raw.get(start + 2 + params) == Some(&b'q') {
            return Some(start);
        }
        from = start + 2;
    }
    None
}

/// A loopback server with a feed of one article holding one image, subscribed and refreshed in a
/// new profile.
struct Setup {
    _runtime: tokio::runtime::Runtime,
    site: Site,
    home: tempfile::TempDir,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let site = Site::default();
    let addr = runtime.block_on(start(&site));
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Lantern Photos</title>
<link>http://{addr}/</link><description>d</description>
<item><title>{HEADLINE}</title><link>http://{addr}/post</link><guid>p1</guid>
<description>&lt;p&gt;Above the lantern.&lt;/p&gt;&lt;p&gt;&lt;img src="http://{addr}/lantern.png" alt="a lantern"&gt;&lt;/p&gt;&lt;p&gt;{BELOW}&lt;/p&gt;</description>
</item></channel></rss>"#
    );
    site.route("/feed.xml", Route::file(feed.as_bytes()));
    site.route("/lantern.png", Route::file(&png(320, 240)));
    let home = tempfile::tempdir().expect("a temp dir");
    tidings(home.path(), &["add", &format!("http://{addr}/feed.xml")]);
    tidings(home.path(), &["refresh"]);
    Setup {
        _runtime: runtime,
        site,
        home,
    }
}

/// Starts the reader in a terminal giving `answers`, waits until both queries were answered and
/// the reader takes keys again, then opens the article. Returns the terminal and where in the raw
/// output the article's opening began.
fn open_article(setup: &Setup, answers: Vec<Answer>) -> (Tui, usize) {
    let mut tui = Tui::spawn_answering(setup.home.path(), 120, 40, answers);
    tui.wait_text(HEADLINE);
    let start = Instant::now();
    while tui.answered() < 2 {
        assert!(
            start.elapsed() < TIMEOUT,
            "the program asked {} of the 2 queries a terminal answers\n{}",
            tui.answered(),
            tui.dump()
        );
        std::thread::sleep(POLL);
    }
    let raw = tui.raw_output();
    assert!(
        contains_bytes(&raw, KITTY_QUERY).is_some(),
        "no kitty graphics query in the program's output"
    );
    // A key typed while the image query still reads the answer could be taken by it: the first
    // move in the feed list is typed again until the selection moves.
    let first = tui.with_screen(|s| selected_in(s, "Feeds"));
    let start = Instant::now();
    'moved: loop {
        tui.send(b"j");
        let sent = Instant::now();
        while sent.elapsed() < Duration::from_secs(1) {
            if tui.with_screen(|s| selected_in(s, "Feeds")) != first {
                break 'moved;
            }
            std::thread::sleep(POLL);
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "the reader never took a key after the image query\n{}",
            tui.dump()
        );
    }
    tui.select("Feeds", "Lantern Photos");
    tui.send(b"\r");
    tui.wait_focus("Lantern Photos");
    tui.select("Lantern Photos", HEADLINE);
    let mark = tui.raw_len();
    tui.send(b"\r");
    tui.wait_focus("Article");
    tui.wait_text("[image: a lantern]");
    tui.wait_text(BELOW);
    (tui, mark)
}

fn has_half_blocks(screen: &str) -> bool {
    screen.contains('▀') || screen.contains('▄')
}

#[test]
fn a_terminal_answering_as_kitty_gets_the_picture_in_kitty_graphics() {
    let setup = setup();
    let (mut tui, mark) = open_article(&setup, kitty());
    let at = tui.wait_raw(
        "a kitty graphics transmission",
        mark,
        KITTY_TRANSMIT,
        TIMEOUT,
    );
    let raw = tui.raw_output();
    // The first chunk says what is sent: a transmission (`a=T`) of RGBA pixels (`f=32`) placed by
    // Unicode placeholders (`U=1`).
    let head = String::from_utf8_lossy(&raw[at..(at + 80).min(raw.len())]).into_owned();
    assert!(
        head.contains("a=T") && head.contains("U=1") && head.contains("f=32"),
        "{head:?}"
    );
    assert_eq!(sixel_start(&raw[mark..]), None, "a sixel was sent as well");
    tui.wait_for("the picture's placeholder cells", TIMEOUT, |s| {
        s.contains(KITTY_PLACEHOLDER)
    });
    let screen = tui.contents();
    assert!(screen.contains(BELOW), "{screen}");
    assert!(!has_half_blocks(&screen), "{screen}");
    assert_eq!(setup.site.requests("/lantern.png").len(), 1);
    tui.send(b"qqq");
    tui.expect_clean_exit();
}

#[test]
fn a_terminal_answering_as_sixel_gets_the_picture_in_sixel() {
    let setup = setup();
    let (mut tui, mark) = open_article(&setup, sixel());
    let start = Instant::now();
    let at = loop {
        if let Some(at) = sixel_start(&tui.raw_output()[mark..]) {
            break mark + at;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "no sixel in the program's output\n{}",
            tui.dump()
        );
        std::thread::sleep(POLL);
    };
    let raw = tui.raw_output();
    // The sixel ends with the string terminator.
    assert!(
        contains_bytes(&raw[at..], b"\x1b\\").is_some(),
        "the sixel never ends"
    );
    assert_eq!(
        contains_bytes(&raw[mark..], KITTY_TRANSMIT),
        None,
        "a kitty transmission was sent as well"
    );
    let screen = tui.contents();
    assert!(screen.contains(BELOW), "{screen}");
    assert!(!screen.contains("(loading image"), "{screen}");
    assert!(!has_half_blocks(&screen), "{screen}");
    assert_eq!(setup.site.requests("/lantern.png").len(), 1);
    tui.send(b"qqq");
    tui.expect_clean_exit();
}

/// A terminal that answers crossterm's question but not the image query (tmux passes that query on
/// to the outer terminal: a detached session, or a terminal that ignores it, never replies). After
/// the timeout, the query's reader still waits on the terminal and would take the first key typed;
/// the program asks for a status report of its own, whose answer ends that wait, so the first key
/// typed moves the selection.
#[test]
fn a_terminal_that_ignores_the_image_query_loses_no_key() {
    let setup = setup();
    let answers = vec![
        Answer::new(KEYBOARD_QUERY, b"\x1b[?62;c"),
        // The image query, ending with its status report: no answer at all.
        Answer::new(STATUS_QUERY, b""),
        // The program's own status report after the timeout.
        Answer::new(STATUS_QUERY, b"\x1b[0n"),
    ];
    let mut tui = Tui::spawn_answering(setup.home.path(), 120, 40, answers);
    tui.wait_text(HEADLINE);
    let start = Instant::now();
    while tui.answered() < 3 {
        assert!(
            start.elapsed() < TIMEOUT,
            "the program asked {} of the 3 queries\n{}\nlog:\n{}",
            tui.answered(),
            tui.dump(),
            std::fs::read_to_string(setup.home.path().join("tidings.log")).unwrap_or_default()
        );
        std::thread::sleep(POLL);
    }
    // Past the program's pause after its status query.
    std::thread::sleep(Duration::from_millis(300));
    let first = tui.with_screen(|s| selected_in(s, "Feeds"));
    tui.send(b"j");
    let sent = Instant::now();
    while tui.with_screen(|s| selected_in(s, "Feeds")) == first {
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "the first key typed after the unanswered image query was lost\n{}",
            tui.dump()
        );
        std::thread::sleep(POLL);
    }
}
