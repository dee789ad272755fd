//! Images (issue 16), measured in a pseudo-terminal like the other interactive figures:
//!
//! * opening an article with 10 pictures: Enter → the article's text on screen, with images off and
//!   on (half-blocks forced by the config, pictures downloaded or from the disk cache), and when the
//!   first picture and all pictures on the first screen followed (text first, images after);
//! * memory: an article with 50 pictures of 1200×800 scrolled through to its end with every picture
//!   drawn (half-blocks; kitty graphics and sixel forced by the config too), peak RSS from `wait4`'s
//!   rusage, against the same article with images off.
//!
//! The pictures (PNG and JPEG, half each) are generated here with the `image` crate and served by
//! nginx from loopback with the feed; a feed on a loopback address may fetch its images from one.
//! Owns only this section; the server is `server.rs`'s nginx started with no generated feeds.

use std::cell::Cell;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::Options;
use crate::measure::{Spread, fmt_duration, spread};
use crate::pty::{Pty, dump};
use crate::report::{Report, table};
use crate::screen;
use crate::server::{Kind, Server};

/// The article with a few pictures, opened for the timings.
const TEN: &str = "Ten pictures";
/// The article with many pictures, scrolled through for the memory figure.
const FIFTY: &str = "Fifty pictures";
const TEN_COUNT: usize = 10;
const FIFTY_COUNT: usize = 50;
/// The generated pictures' size.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 800;
/// The issue's cap for the memory figure, in bytes (100 MB; a MiB is larger, so this is the
/// stricter reading).
const MEMORY_CAP_BYTES: u64 = 100_000_000;

const KEY_TIMEOUT: Duration = Duration::from_secs(30);
/// Every picture of a screen downloaded, decoded and drawn.
const PICTURE_TIMEOUT: Duration = Duration::from_secs(120);
/// The article pane (feeds, headlines, article at the bench's 160 columns).
const ARTICLE_PANE: usize = 2;

/// How the reader shows images in a run (the config's `images`). Kitty and sixel are forced: the
/// pty answers no query, so the reader waits out its 2 s for an answer at start-up, then encodes
/// for the forced protocol with a cell of 10×20 pixels.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Halfblocks,
    Kitty,
    Sixel,
}

impl Mode {
    fn config(self) -> &'static str {
        match self {
            Mode::Off => "images = \"off\"\n",
            Mode::Halfblocks => "images = \"halfblocks\"\n",
            Mode::Kitty => "images = \"kitty\"\n",
            Mode::Sixel => "images = \"sixel\"\n",
        }
    }

    /// Whether a row of the pane shows part of a picture: half-blocks, or kitty's placeholder
    /// cells; a sixel is not parsed by vt100, so its rows are only blank (no note in them).
    fn picture_row(self, row: &str) -> bool {
        match self {
            Mode::Off => false,
            Mode::Halfblocks => has_half_blocks(row),
            Mode::Kitty => row.contains('\u{10EEEE}'),
            Mode::Sixel => row.trim().is_empty(),
        }
    }
}

/// A profile subscribed to the image feed, and where its image cache lives.
struct Profile {
    home: tempfile::TempDir,
}

impl Profile {
    fn path(&self) -> &Path {
        self.home.path()
    }

    fn set_mode(&self, mode: Mode) -> Result<()> {
        std::fs::write(self.path().join("config.toml"), mode.config())
            .context("cannot write config.toml")
    }

    /// Empties the image cache: the next run downloads every picture.
    fn forget_images(&self) -> Result<()> {
        let dir = self.path().join("images");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).context("cannot empty the image cache")?;
        }
        Ok(())
    }
}

/// The section: figures when nginx serves, a note otherwise.
pub fn section(opts: &Options, bin: &Path, root: &Path, report: &mut Report) -> Result<()> {
    if opts.server != Kind::Nginx {
        report.section(
            "## Images (issue 16)\n\nNot measured: the pictures are served by nginx (`--server \
             nginx`).\n",
        );
        return Ok(());
    }
    let dir = root.join("images-server");
    eprintln!("images: generating {} pictures …", TEN_COUNT + FIFTY_COUNT);
    let server = Server::start(Kind::Nginx, 0, 1, &dir)?;
    let base = format!("http://127.0.0.2:{}", server.port());
    let bytes = publish(&dir.join("www"), &base)?;
    let profile = subscribe(bin, root, &base)?;

    eprintln!("images: opening the {TEN_COUNT}-picture article …");
    let mut rows = Vec::new();
    for (label, mode, cold) in [
        ("off", Mode::Off, false),
        ("half-blocks, pictures downloaded", Mode::Halfblocks, true),
        (
            "half-blocks, pictures from the disk cache",
            Mode::Halfblocks,
            false,
        ),
    ] {
        profile.set_mode(mode)?;
        let mut opens = Vec::new();
        for _ in 0..opts.runs {
            if cold {
                profile.forget_images()?;
            }
            opens.push(open_ten(bin, &profile, mode)?);
        }
        rows.push(open_row(label, mode, &opens));
    }
    let open_table = table(
        &[
            "images",
            "Enter → text",
            "Enter → first picture",
            "Enter → every picture on screen",
            "text frame without pictures",
        ],
        &rows,
    );

    eprintln!("images: scrolling through the {FIFTY_COUNT}-picture article …");
    let mut mem_rows = Vec::new();
    for (label, mode) in [
        ("off", Mode::Off),
        ("half-blocks", Mode::Halfblocks),
        ("kitty graphics (forced)", Mode::Kitty),
        ("sixel (forced)", Mode::Sixel),
    ] {
        profile.set_mode(mode)?;
        let mut runs = Vec::new();
        for _ in 0..opts.runs {
            profile.forget_images()?;
            runs.push(scroll_fifty(bin, &profile, mode)?);
        }
        mem_rows.push(memory_row(label, &runs));
    }
    let memory_table = table(
        &[
            "images",
            "lines scrolled",
            "pictures seen drawn",
            "scrolling took",
            "VmRSS at the end",
            "peak RSS (ru_maxrss)",
            "≤ 100 MB",
        ],
        &mem_rows,
    );

    report.section(&format!(
        "## Images (issue 16)\n\n\
         A feed on nginx (loopback) with two articles: {TEN_COUNT} and {FIFTY_COUNT} pictures of \
         {WIDTH}×{HEIGHT} (half PNG, half JPEG; {:.1} MiB in all), each picture under a paragraph \
         of its own. The reader runs in a {}×{} pseudo-terminal with `images = \"off\"` or \
         a protocol forced in its config (a pty answers no protocol query). Median \
         (min–max) of {} runs, a new reader each run.\n\n\
         **Opening the {TEN_COUNT}-picture article**: Enter on its headline → the chunk of output \
         that put its first paragraph on screen; then → the first half-block picture; then → no \
         picture on screen still loading. \"Text frame without pictures\": runs where the text \
         arrived in a frame with no picture drawn yet (text first, images after).\n\n{open_table}\n\
         **Memory with {FIFTY_COUNT} pictures**: the article opened (every picture is asked for \
         at once), then scrolled a line at a time (`j`) until its last paragraph shows, \
         waiting at each line until no picture on screen still loads; a picture counts as seen \
         drawn when its caption is on screen with a row of the picture under it (half-blocks; \
         kitty's placeholder cells; for sixel only a blank row, as vt100 does not draw sixels). \
         Kitty and sixel are forced by the config (`images = \"kitty\"`, `\"sixel\"`): the \
         reader waits out its 2 s for a query answer at start-up, then encodes for a cell of \
         10×20 pixels, and keeps each picture's encoding (kitty: its RGBA pixels in base64) \
         while it is cached. The image cache is emptied before each run, so all {FIFTY_COUNT} \
         are downloaded. RSS from /proc at the end; peak RSS from `wait4` after quitting.\n\n\
         {memory_table}",
        bytes as f64 / 1048576.0,
        crate::pty::COLS,
        crate::pty::ROWS,
        opts.runs,
    ));
    Ok(())
}

/// A picture: a smooth gradient with grain (so PNG and JPEG sizes are those of a photograph, not
/// of a flat image), different for each `n`.
fn picture(n: usize, jpeg: bool) -> Result<Vec<u8>> {
    let mut seed = 0x9e37_79b9_u32.wrapping_mul(n as u32 + 1);
    let img = image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let grain = (seed >> 28) as u8;
        image::Rgb([
            ((x * 255 / WIDTH) as u8).wrapping_add(grain),
            ((y * 255 / HEIGHT) as u8).wrapping_add(grain),
            ((n * 37) as u8).wrapping_add(((x + y) / 16) as u8),
        ])
    });
    let format = if jpeg {
        image::ImageFormat::Jpeg
    } else {
        image::ImageFormat::Png
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)
        .context("cannot encode a picture")?;
    Ok(out.into_inner())
}

/// Whether an article's `i`-th picture is a JPEG (else a PNG).
fn is_jpeg(i: usize) -> bool {
    !i.is_multiple_of(2)
}

/// The `i`-th picture's file name of an article (`tag`: which article).
fn picture_name(tag: &str, i: usize) -> String {
    let ext = if is_jpeg(i) { "jpg" } else { "png" };
    format!("{tag}-{i}.{ext}")
}

/// The article's HTML: per picture a paragraph, then the picture; a last paragraph.
fn article_html(base: &str, tag: &str, count: usize, first: &str, last: &str) -> String {
    let mut html = format!("<p>{first}</p>");
    for i in 0..count {
        html.push_str(&format!(
            "<p>Paragraph {} before a picture.</p><p><img src=\"{base}/img/{}\" width=\"{WIDTH}\" \
             height=\"{HEIGHT}\" alt=\"picture {}\"></p>",
            i + 1,
            picture_name(tag, i),
            i + 1
        ));
    }
    html.push_str(&format!("<p>{last}</p>"));
    html
}

fn first_line(count: usize) -> String {
    format!("The first paragraph of {count} pictures.")
}

fn last_line(count: usize) -> String {
    format!("The last paragraph of {count} pictures.")
}

/// Writes the pictures and the feed where nginx serves them; returns the pictures' total size.
fn publish(www: &Path, base: &str) -> Result<u64> {
    let img = www.join("img");
    std::fs::create_dir_all(&img).context("cannot create the picture folder")?;
    let mut total = 0;
    for (tag, count) in [("ten", TEN_COUNT), ("fifty", FIFTY_COUNT)] {
        for i in 0..count {
            let offset = if tag == "ten" { 0 } else { TEN_COUNT };
            let bytes = picture(offset + i, is_jpeg(i))?;
            total += bytes.len() as u64;
            std::fs::write(img.join(picture_name(tag, i)), bytes)
                .context("cannot write a picture")?;
        }
    }
    let item = |title: &str, guid: &str, date: &str, tag: &str, count: usize| {
        format!(
            "<item><title>{title}</title><link>{base}/{guid}</link><guid>{guid}</guid>\
             <pubDate>{date}</pubDate><description><![CDATA[{}]]></description></item>",
            article_html(base, tag, count, &first_line(count), &last_line(count))
        )
    };
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Picture Blog</title>\
         <link>{base}/</link><description>pictures</description>{}{}</channel></rss>",
        item(
            TEN,
            "ten",
            "Tue, 02 Dec 2025 12:00:00 GMT",
            "ten",
            TEN_COUNT
        ),
        item(
            FIFTY,
            "fifty",
            "Mon, 01 Dec 2025 12:00:00 GMT",
            "fifty",
            FIFTY_COUNT
        ),
    );
    // The folder gives the RSS content type (see server.rs).
    std::fs::write(www.join("rss").join("pictures.xml"), feed).context("cannot write the feed")?;
    Ok(total)
}

/// A new profile subscribed to the picture feed, refreshed once.
fn subscribe(bin: &Path, root: &Path, base: &str) -> Result<Profile> {
    let home = tempfile::Builder::new()
        .prefix("images-")
        .tempdir_in(root)?;
    let url = format!("{base}/rss/pictures.xml");
    for args in [vec!["add", url.as_str()], vec!["refresh"]] {
        let out = Command::new(bin)
            .arg("--home")
            .arg(home.path())
            .args(&args)
            .output()
            .with_context(|| format!("cannot run tidings {}", args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "tidings {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok(Profile { home })
}

fn has_half_blocks(text: &str) -> bool {
    text.contains('▀') || text.contains('▄')
}

fn article_text(s: &vt100::Screen) -> String {
    screen::pane_text(s, ARTICLE_PANE)
}

/// Fails when a picture on screen says why it is not shown.
fn check_no_failure(tui: &Pty) -> Result<()> {
    let text = tui.with_screen(article_text);
    if let Some(at) = text.find("(image not shown") {
        let line = text[at..].lines().next().unwrap_or_default();
        bail!("a picture was not shown: {line}\n{}", tui.with_screen(dump));
    }
    Ok(())
}

/// Starts the reader and puts the selection on the headline `title` in the headline pane.
fn start_on(bin: &Path, profile: &Profile, title: &str) -> Result<Pty> {
    let home = profile.path();
    let mut tui = Pty::spawn(
        "tidings",
        bin,
        &["--home", &home.display().to_string()],
        home,
        &[],
    )?;
    tui.wait_for(
        &format!("the headline {title:?} on the first frame"),
        KEY_TIMEOUT,
        |s| screen::pane_text(s, 1).contains(title),
    )?;
    tui.settle(Duration::from_millis(100), Duration::from_secs(5));
    tui.send(b"\t")?;
    tui.wait_for("the headline pane focused", KEY_TIMEOUT, |s| {
        screen::panes(s).get(1).is_some_and(|p| p.focused)
    })?;
    for _ in 0..20 {
        let now = tui.with_screen(|s| screen::selected(s, 1));
        if now.as_deref().is_some_and(|t| t.contains(title)) {
            tui.settle(Duration::from_millis(50), Duration::from_secs(5));
            return Ok(tui);
        }
        tui.send(b"j")?;
        tui.wait_for(
            &format!("the selection to move towards {title:?}"),
            KEY_TIMEOUT,
            |s| screen::selected(s, 1) != now,
        )?;
    }
    bail!(
        "the headline {title:?} never got selected\n{}",
        tui.with_screen(dump)
    )
}

/// One opening of the 10-picture article.
struct Open {
    text: Duration,
    /// Whether the frame that brought the text had a picture drawn.
    pictures_with_text: bool,
    first_picture: Option<Duration>,
    all_pictures: Option<Duration>,
}

fn open_ten(bin: &Path, profile: &Profile, mode: Mode) -> Result<Open> {
    let mut tui = start_on(bin, profile, TEN)?;
    let first = first_line(TEN_COUNT);
    let pictures_with_text = Cell::new(false);
    let sent = tui.send(b"\r")?;
    let text = tui.wait_for(&format!("the article's text {first:?}"), KEY_TIMEOUT, |s| {
        let pane = article_text(s);
        let shown = pane.contains(&first);
        if shown {
            pictures_with_text.set(has_half_blocks(&pane));
        }
        shown
    })?;
    let mut open = Open {
        text: text.saturating_duration_since(sent),
        pictures_with_text: pictures_with_text.get(),
        first_picture: None,
        all_pictures: None,
    };
    if mode == Mode::Halfblocks {
        let first = tui.wait_for("the first picture", PICTURE_TIMEOUT, |s| {
            has_half_blocks(&article_text(s))
        })?;
        open.first_picture = Some(first.saturating_duration_since(sent));
        let all = tui.wait_for("every picture on screen drawn", PICTURE_TIMEOUT, |s| {
            let pane = article_text(s);
            !pane.contains("(loading image") && has_half_blocks(&pane)
        })?;
        open.all_pictures = Some(all.saturating_duration_since(sent));
        check_no_failure(&tui)?;
    } else if tui.with_screen(|s| has_half_blocks(&article_text(s))) {
        bail!("pictures drawn with images off\n{}", tui.with_screen(dump));
    }
    tui.quit(b"\x03", Duration::from_secs(60))?;
    Ok(open)
}

fn fmt_spread(s: Spread<Duration>) -> String {
    format!(
        "{} ({}–{})",
        fmt_duration(s.median),
        fmt_duration(s.min),
        fmt_duration(s.max)
    )
}

fn open_row(label: &str, mode: Mode, opens: &[Open]) -> Vec<String> {
    let text: Vec<Duration> = opens.iter().map(|o| o.text).collect();
    let later = |f: fn(&Open) -> Option<Duration>| {
        let v: Vec<Duration> = opens.iter().filter_map(f).collect();
        if mode == Mode::Off || v.is_empty() {
            "–".to_string()
        } else {
            fmt_spread(spread(&v))
        }
    };
    let without = opens.iter().filter(|o| !o.pictures_with_text).count();
    vec![
        label.to_string(),
        fmt_spread(spread(&text)),
        later(|o| o.first_picture),
        later(|o| o.all_pictures),
        format!("{without} of {}", opens.len()),
    ]
}

/// One scroll through the 50-picture article.
struct Scrolled {
    /// `j` presses (one line each) until the last paragraph showed.
    lines: usize,
    /// Pictures seen drawn: their caption on screen with a row of half-blocks under it.
    pictures_seen: usize,
    took: Duration,
    rss_kib: u64,
    max_rss_kib: u64,
}

/// The pictures whose caption (`[image: picture N]`) is on screen with a row of their picture
/// under it.
fn drawn_captions(pane: &str, mode: Mode, seen: &mut std::collections::BTreeSet<usize>) {
    let lines: Vec<&str> = pane.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.split("[image: picture ").nth(1) else {
            continue;
        };
        let Some(n) = rest.split(']').next().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if lines
            .get(i + 1)
            .is_some_and(|under| mode.picture_row(under))
        {
            seen.insert(n);
        }
    }
}

/// Opens the 50-picture article and scrolls it a line at a time (`j`) until its last paragraph
/// shows; with pictures, each screen's pictures are waited for before the next line.
fn scroll_fifty(bin: &Path, profile: &Profile, mode: Mode) -> Result<Scrolled> {
    let mut tui = start_on(bin, profile, FIFTY)?;
    let (first, last) = (first_line(FIFTY_COUNT), last_line(FIFTY_COUNT));
    tui.send(b"\r")?;
    tui.wait_for(&format!("the article's text {first:?}"), KEY_TIMEOUT, |s| {
        article_text(s).contains(&first)
    })?;
    let start = Instant::now();
    let mut lines = 0;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        if mode != Mode::Off {
            tui.wait_for(
                &format!("the pictures on screen drawn after {lines} lines"),
                PICTURE_TIMEOUT,
                |s| !article_text(s).contains("(loading image"),
            )?;
            check_no_failure(&tui)?;
            drawn_captions(&tui.with_screen(article_text), mode, &mut seen);
        }
        if tui.with_screen(|s| article_text(s).contains(&last)) {
            break;
        }
        if lines > 5000 {
            bail!(
                "the end of the article never showed after {lines} lines\n{}",
                tui.with_screen(dump)
            );
        }
        let before = tui.formatted();
        tui.send(b"j")?;
        lines += 1;
        tui.wait_for(
            &format!("the article to move after `j` #{lines}"),
            KEY_TIMEOUT,
            |s| s.contents_formatted() != before,
        )?;
        tui.settle(Duration::from_millis(5), Duration::from_secs(5));
    }
    let took = start.elapsed();
    if mode != Mode::Off && seen.len() < FIFTY_COUNT {
        bail!(
            "only {} of {FIFTY_COUNT} pictures were seen drawn while scrolling: {seen:?}",
            seen.len()
        );
    }
    let (_, rss_kib) = tui.memory_kib()?;
    let reaped = tui.quit(b"\x03", Duration::from_secs(60))?;
    Ok(Scrolled {
        lines,
        pictures_seen: seen.len(),
        took,
        rss_kib,
        max_rss_kib: reaped.max_rss_kib,
    })
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn memory_row(label: &str, runs: &[Scrolled]) -> Vec<String> {
    let lines = spread(&runs.iter().map(|r| r.lines).collect::<Vec<_>>());
    let seen = spread(&runs.iter().map(|r| r.pictures_seen).collect::<Vec<_>>());
    let took = spread(&runs.iter().map(|r| r.took).collect::<Vec<_>>());
    let rss = spread(&runs.iter().map(|r| r.rss_kib).collect::<Vec<_>>());
    let peak = spread(&runs.iter().map(|r| r.max_rss_kib).collect::<Vec<_>>());
    let within = peak.max * 1024 <= MEMORY_CAP_BYTES;
    vec![
        label.to_string(),
        lines.median.to_string(),
        seen.median.to_string(),
        fmt_spread(took),
        format!("{} ({}–{})", mib(rss.median), mib(rss.min), mib(rss.max)),
        format!("{} ({}–{})", mib(peak.median), mib(peak.min), mib(peak.max)),
        if within {
            format!("yes (max {})", mib(peak.max))
        } else {
            format!("**no** (max {})", mib(peak.max))
        },
    ]
}
