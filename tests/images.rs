//! Images in the article pane: the caps (bytes; pixels read from the header, before decoding), the
//! refusal of private addresses for a public feed's images, the disk cache (a second load reads the
//! disk; eviction keeps the total under the cap), and the layout (rows reserved under the caption
//! so the text below stays put when the picture arrives), on TestBackend with half-blocks.

mod common;

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use chrono::FixedOffset;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::config::ImageMode;
use tidings::feed::fetch::{FetchError, FetchLimits, Fetcher, Reach};
use tidings::session::article::ArticleDoc;
use tidings::session::images::{ImageError, ImageStore, MAX_IMAGE_BYTES, check_dimensions, decode};
use tidings::store::{Article, FeedSummary, Headline, HeadlineWindow};
use tidings::ui::app::{App, Command, IMAGE_ROWS, Msg, Picture};
use tidings::ui::images::{Plan, plan, prepare};
use tidings::ui::keymap::Action;

use common::files::{Route, Site, start};

fn fetcher() -> Fetcher {
    Fetcher::new(FetchLimits {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_body_bytes: 16 * 1024 * 1024,
    })
    .unwrap()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 200]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header says `w`×`h` (a decompression bomb's shape): the IHDR rewritten, its
/// CRC fixed.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut bytes = png(2, 2);
    // Signature (8), length (4), "IHDR" (4), then width and height.
    bytes[16..20].copy_from_slice(&w.to_be_bytes());
    bytes[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

#[test]
fn a_png_that_declares_huge_dimensions_is_refused_before_decoding() {
    let bomb = png_claiming(50_000, 50_000);
    assert!(bomb.len() < 200);
    assert!(matches!(
        check_dimensions(&bomb),
        Err(ImageError::TooManyPixels(50_000, 50_000))
    ));
    assert!(matches!(decode(&bomb), Err(ImageError::TooManyPixels(..))));
    // A real small image passes.
    assert_eq!(check_dimensions(&png(30, 20)).unwrap(), (30, 20));
    assert_eq!(decode(&png(30, 20)).unwrap().width(), 30);
}

#[tokio::test]
async fn oversized_bodies_and_bombs_are_refused_and_not_cached() {
    let site = Site::default();
    site.route("/big.png", Route::file(&vec![0u8; MAX_IMAGE_BYTES + 1]));
    site.route("/bomb.png", Route::file(&png_claiming(40_000, 40_000)));
    let addr = start(&site).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::new(dir.path().join("images"), 200 << 20);
    let f = fetcher();
    let big = store
        .load(&f, &format!("http://{addr}/big.png"), Reach::Anywhere)
        .await;
    assert!(matches!(big, Err(ImageError::TooLarge)), "{big:?}");
    let bomb = store
        .load(&f, &format!("http://{addr}/bomb.png"), Reach::Anywhere)
        .await;
    assert!(
        matches!(bomb, Err(ImageError::TooManyPixels(..))),
        "{bomb:?}"
    );
    assert_eq!(store.total_bytes(), 0);
}

#[tokio::test]
async fn a_public_feeds_image_on_a_private_address_is_refused() {
    let site = Site::default();
    site.route("/a.png", Route::file(&png(4, 4)));
    let addr = start(&site).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::new(dir.path().join("images"), 200 << 20);
    let got = store
        .load(
            &fetcher(),
            &format!("http://{addr}/a.png"),
            Reach::PublicOnly,
        )
        .await;
    assert!(
        matches!(got, Err(ImageError::Fetch(FetchError::PrivateAddress(_)))),
        "{got:?}"
    );
    assert!(site.requests("/a.png").is_empty());
}

#[tokio::test]
async fn images_are_cached_on_disk_and_evicted_least_recently_used_first() {
    let site = Site::default();
    for name in ["a", "b", "c"] {
        site.route(&format!("/{name}.png"), Route::file(&png(200, 200)));
    }
    let addr = start(&site).await;
    let one = png(200, 200).len() as u64;
    let dir = tempfile::tempdir().unwrap();
    // Room for two images.
    let store = ImageStore::new(dir.path().join("images"), one * 2 + one / 2);
    let f = fetcher();
    let url = |n: &str| format!("http://{addr}/{n}.png");
    store.load(&f, &url("a"), Reach::Anywhere).await.unwrap();
    // The second load reads the disk: the server sees one request.
    let again = store.load(&f, &url("a"), Reach::Anywhere).await.unwrap();
    assert_eq!(again.width(), 200);
    assert_eq!(site.requests("/a.png").len(), 1);
    assert!(store.path_for(&url("a")).exists());
    tokio::time::sleep(Duration::from_millis(20)).await;
    store.load(&f, &url("b"), Reach::Anywhere).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    // `a` is used again: `b` is now the least recently used.
    store.load(&f, &url("a"), Reach::Anywhere).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    store.load(&f, &url("c"), Reach::Anywhere).await.unwrap();
    assert!(store.total_bytes() <= one * 2 + one / 2);
    assert!(store.path_for(&url("a")).exists());
    assert!(!store.path_for(&url("b")).exists());
    assert!(store.path_for(&url("c")).exists());
    // Offline (the server gone), cached images still load.
    drop(site);
    assert!(store.load(&f, &url("c"), Reach::Anywhere).await.is_ok());
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

const IMG_URL: &str = "https://images.example/cat.png";

fn app_with_article(images_on: bool) -> (App, Vec<Command>) {
    let mut app = App::new(Rect::new(0, 0, 120, 40), utc());
    app.images_on = images_on;
    app.update(Msg::FeedsLoaded {
        feeds: vec![FeedSummary {
            id: 1,
            url: "https://example.com/feed.xml".into(),
            title: "A".into(),
            site_link: None,
            tags: vec![],
            unread: 1,
            total: 1,
            last_error: None,
            last_fetch: None,
            next_fetch: 0,
            full_text: false,
            interval_minutes: None,
            hidden: false,
        }],
        unread_total: 1,
        starred_total: 0,
    });
    app.update(Msg::HeadlinesLoaded {
        scope: app.scope.clone(),
        window: HeadlineWindow {
            total: 1,
            start: 0,
            rows: vec![Headline {
                id: 7,
                feed_id: 1,
                title: "Cats".into(),
                time: 0,
                read: false,
                starred: false,
            }],
        },
    });
    let commands = app.update(Msg::Action(Action::NextUnread));
    let width = commands
        .iter()
        .find_map(|c| match c {
            Command::LoadArticle { width, .. } => Some(*width),
            _ => None,
        })
        .expect("the article is asked for");
    let article = Article {
        id: 7,
        feed_id: 1,
        feed_title: "A".into(),
        title: "Cats".into(),
        content: Some(format!(
            "<p>Before the picture.</p><p><img src=\"{IMG_URL}\" alt=\"a cat\"></p><p>After the picture.</p>"
        )),
        ..Article::default()
    };
    let doc = ArticleDoc::build(&article, width, utc(), true);
    let commands = app.update(Msg::ArticleLoaded(Box::new(doc)));
    (app, commands)
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| tidings::ui::views::draw(frame, app))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn row_of(screen: &str, text: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains(text))
}

#[test]
fn image_rows_are_reserved_and_the_text_below_stays_put_when_the_picture_arrives() {
    let (mut app, commands) = app_with_article(true);
    let key = commands
        .iter()
        .find_map(|c| match c {
            Command::LoadImage { key, feed_id: 1 } if key.url == IMG_URL => Some(key.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the image is asked for: {commands:?}"));
    assert_eq!(key.rows, IMAGE_ROWS);
    let doc = app.article.as_ref().unwrap();
    let caption = doc
        .body
        .iter()
        .position(|l| l.contains("[image: a cat]"))
        .unwrap();
    assert_eq!(doc.images[0].caption, caption);
    assert!(
        doc.body[caption + 1..caption + 1 + IMAGE_ROWS as usize]
            .iter()
            .all(String::is_empty)
    );
    let before = screen(&app);
    let caption_row = row_of(&before, "[image: a cat]").unwrap();
    let after_row = row_of(&before, "After the picture.").unwrap();
    assert!(after_row > caption_row + IMAGE_ROWS as usize, "{before}");
    assert!(before.contains("loading image"));

    // The picture arrives (half-blocks): drawn in the reserved rows, the text below unmoved.
    let picker = ratatui_image::picker::Picker::halfblocks();
    let image = decode(&png(400, 300)).unwrap();
    let protocol = prepare(&picker, image, key.cols, key.rows).unwrap();
    app.update(Msg::ImageReady {
        key,
        picture: Picture::Ready(Arc::new(protocol)),
    });
    let after = screen(&app);
    assert_eq!(
        row_of(&after, "After the picture."),
        Some(after_row),
        "{after}"
    );
    assert_eq!(row_of(&after, "[image: a cat]"), Some(caption_row));
    let picture_rows: Vec<&str> = after
        .lines()
        .skip(caption_row + 1)
        .take(IMAGE_ROWS as usize)
        .collect();
    assert!(
        picture_rows
            .iter()
            .any(|l| l.contains('▀') || l.contains('▄') || l.contains('█')),
        "{after}"
    );
    assert!(!after.contains("loading image"));

    // Scrolled so the picture's top is off the pane: its visible half-block rows are still drawn.
    let doc = app.article.as_ref().unwrap();
    let first_picture_line = doc.header.len() + doc.images[0].caption + 1;
    let saved = app.article_scroll;
    app.article_scroll = first_picture_line + 3;
    let scrolled = screen(&app);
    let half = |l: &str| l.contains('▀') || l.contains('▄') || l.contains('█');
    assert!(scrolled.lines().skip(1).take(3).any(half), "{scrolled}");
    app.article_scroll = saved;

    // `z` takes the rows away for this article, and gives them back.
    app.update(Msg::Action(Action::ToggleImages));
    let off = screen(&app);
    assert_eq!(
        row_of(&off, "After the picture."),
        Some(caption_row + 2),
        "{off}"
    );
    app.update(Msg::Action(Action::ToggleImages));
    assert_eq!(row_of(&screen(&app), "After the picture."), Some(after_row));
}

#[test]
fn images_off_no_color_and_dumb_terminals_reserve_no_rows() {
    assert_eq!(plan(ImageMode::Off, false, Some("xterm-kitty")), Plan::Off);
    assert_eq!(plan(ImageMode::Auto, true, Some("xterm-kitty")), Plan::Off);
    assert_eq!(plan(ImageMode::Kitty, false, Some("dumb")), Plan::Off);
    assert_eq!(plan(ImageMode::Halfblocks, false, None), Plan::Halfblocks);
    assert!(matches!(
        plan(ImageMode::Auto, false, Some("xterm")),
        Plan::Query(None)
    ));
    // With images off (what the runtime leaves when the plan is Off), no rows and no downloads.
    let (app, commands) = app_with_article(false);
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::LoadImage { .. }))
    );
    let doc = app.article.as_ref().unwrap();
    assert!(doc.images.iter().all(|i| i.rows == 0));
    let shown = screen(&app);
    let caption_row = row_of(&shown, "[image: a cat]").unwrap();
    assert_eq!(
        row_of(&shown, "After the picture."),
        Some(caption_row + 2),
        "{shown}"
    );
}

#[test]
fn the_config_reads_images_settings() {
    let c: tidings::config::Config =
        toml::from_str("images = \"off\"\nimage_cache_mb = 5\n").unwrap();
    assert_eq!(c.images, ImageMode::Off);
    assert_eq!(c.image_cache_mb, 5);
    let c: tidings::config::Config = toml::from_str("images = \"sixel\"").unwrap();
    assert_eq!(c.images, ImageMode::Sixel);
}

#[test]
fn reserved_rows_follow_each_caption_and_come_out_again() {
    let article = Article {
        id: 1,
        feed_id: 1,
        feed_title: "A".into(),
        title: "Two".into(),
        content: Some(
            "<p>One.</p><img src=\"https://a.example/1.png\" alt=\"first\">\
             <p>Two.</p><img src=\"https://a.example/2.gif\" alt=\"second\">\
             <img src=\"data:image/png;base64,AAAA\" alt=\"inline\"><p>Three.</p>"
                .into(),
        ),
        ..Article::default()
    };
    let mut doc = ArticleDoc::build(&article, 60, utc(), true);
    let original = doc.body.clone();
    // Only http(s) images get a place; captions keep their text.
    let urls: Vec<&str> = doc.images.iter().map(|i| i.url.as_str()).collect();
    assert_eq!(urls, ["https://a.example/1.png", "https://a.example/2.gif"]);
    for image in &doc.images {
        assert!(
            doc.body[image.caption].contains("[image: "),
            "{:?}",
            doc.body
        );
    }
    doc.set_image_rows(3);
    assert_eq!(doc.body.len(), original.len() + 6);
    for image in &doc.images {
        assert!(doc.body[image.caption].contains("[image: "));
        assert!(
            doc.body[image.caption + 1..image.caption + 4]
                .iter()
                .all(String::is_empty)
        );
    }
    doc.set_image_rows(5);
    assert_eq!(doc.body.len(), original.len() + 10);
    doc.set_image_rows(0);
    assert_eq!(doc.body, original);
    assert_eq!(
        doc.body_styles.len().min(doc.body.len()),
        doc.body_styles.len()
    );
}

#[test]
fn declared_sizes_give_fewer_rows_to_small_images() {
    let article = Article {
        id: 1,
        feed_id: 1,
        feed_title: "A".into(),
        title: "Sizes".into(),
        content: Some(
            "<p><img src=\"https://a.example/banner.png\" width=\"200\" height=\"40\" alt=\"banner\"></p>\
             <p><img src=\"https://a.example/tall.png\" width=\"2000\" height=\"8000\" alt=\"tall\"></p>\
             <p><img src=\"https://a.example/plain.png\" alt=\"plain\"></p>"
                .into(),
        ),
        ..Article::default()
    };
    let doc = ArticleDoc::build(&article, 60, utc(), true);
    let sizes: Vec<_> = doc.images.iter().map(|i| i.size).collect();
    assert_eq!(sizes, [Some((200, 40)), Some((2000, 8000)), None]);
    let rows: Vec<u16> = doc
        .images
        .iter()
        .map(|i| tidings::ui::app::rows_for(i, 60, (10, 20)))
        .collect();
    // 40 px in 20-px cells; 8000 px scaled to 600 px wide is 2400 px: the cap; unknown: the cap.
    assert_eq!(rows, [2, IMAGE_ROWS, IMAGE_ROWS]);
}
