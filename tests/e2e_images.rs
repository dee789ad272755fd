//! An article image in the real program, in a pseudo-terminal that answers no query (so half-blocks):
//! fetched from a loopback server, drawn under its caption, and drawn again from the disk cache
//! after a restart with the server gone.

mod common;

use std::io::Cursor;

use common::cli::tidings;
use common::files::{Route, Site, start};
use common::pty::{TIMEOUT, Tui};

const HEADLINE: &str = "Pictures of Lanterns";

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn has_half_blocks(screen: &str) -> bool {
    screen.contains('▀') || screen.contains('▄')
}

fn open_article(home: &std::path::Path) -> Tui {
    let mut tui = Tui::spawn(home, 120, 40);
    tui.wait_text(HEADLINE);
    tui.select("Feeds", "Lantern Photos");
    tui.send(b"\r");
    tui.wait_focus("Lantern Photos");
    tui.select("Lantern Photos", HEADLINE);
    tui.send(b"\r");
    tui.wait_focus("Article");
    tui.wait_text("[image: a lantern]");
    tui
}

#[test]
fn an_article_image_is_drawn_cached_and_shown_offline() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = Site::default();
    let addr = runtime.block_on(start(&site));
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Lantern Photos</title>
<link>http://{addr}/</link><description>d</description>
<item><title>{HEADLINE}</title><link>http://{addr}/post</link><guid>p1</guid>
<description>&lt;p&gt;Above the lantern.&lt;/p&gt;&lt;p&gt;&lt;img src="http://{addr}/lantern.png" alt="a lantern"&gt;&lt;/p&gt;&lt;p&gt;Below the lantern.&lt;/p&gt;</description>
</item></channel></rss>"#
    );
    site.route("/feed.xml", Route::file(feed.as_bytes()));
    site.route("/lantern.png", Route::file(&png(320, 240)));
    let home = tempfile::tempdir().unwrap();
    tidings(home.path(), &["add", &format!("http://{addr}/feed.xml")]);
    tidings(home.path(), &["refresh"]);

    let mut tui = open_article(home.path());
    tui.wait_for("the picture in half-blocks", TIMEOUT, has_half_blocks);
    let screen = tui.contents();
    let caption = screen
        .lines()
        .position(|l| l.contains("[image: a lantern]"))
        .unwrap();
    let below = screen
        .lines()
        .position(|l| l.contains("Below the lantern."))
        .unwrap();
    assert!(below > caption + 10, "{screen}");
    assert_eq!(site.requests("/lantern.png").len(), 1);
    // `z`: no picture, and the text closes up.
    tui.send(b"z");
    tui.wait_for("the picture gone", TIMEOUT, |s| !has_half_blocks(s));
    tui.send(b"qqq");
    tui.expect_clean_exit();
    assert!(home.path().join("images").read_dir().unwrap().count() >= 1);

    // The server gone: the picture comes from the disk cache.
    drop(runtime);
    let mut tui = open_article(home.path());
    tui.wait_for("the cached picture", TIMEOUT, has_half_blocks);
    tui.send(b"qqq");
    tui.expect_clean_exit();
}
