//! Criterion benches of the in-process pieces: feed parsing, HTML → text, the search index's text,
//! extraction, storing a 50-item feed, headline queries on a 100k-article cache, and `App::update` +
//! draw.
//!
//! Run: `cargo bench --bench pieces` (add a filter to run some: `cargo bench --bench pieces -- store/`).
//! The feeds come from the same deterministic generator as the whole-program bench
//! (`benches/whole_program/feedgen.rs` and `xml.rs`).

use std::hint::black_box;

use chrono::FixedOffset;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::feed::parse::parse_feed;
use tidings::store::{AddOutcome, FeedContent, FetchMeta, NewFeed, Scope, Store};
use tidings::text::extract::extract;
use tidings::text::render_html;
use tidings::ui::app::{App, HEADLINE_WINDOW, Msg};
use tidings::ui::keymap::Action;
use tidings::ui::views;

#[allow(dead_code)]
#[path = "whole_program/feedgen.rs"]
mod feedgen;
#[allow(dead_code)]
#[path = "whole_program/xml.rs"]
mod xml;

const NOW: i64 = 1_780_000_000;

fn feed_doc(index: usize) -> Vec<u8> {
    xml::render_feed(index, 0, 50, "http://127.0.0.1/feed.xml")
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for index in 0..3 {
        let doc = feed_doc(index);
        let name = format!(
            "{:?}_50_items_{}kb",
            feedgen::format_of(index),
            doc.len() / 1024
        );
        group.bench_function(name, |b| b.iter(|| parse_feed(black_box(&doc))));
    }
    group.finish();
}

fn text(c: &mut Criterion) {
    let body = feedgen::html_body(&mut feedgen::Rng::new(7, 7), 4000, 4500);
    c.bench_function("html_to_text/4kb_body_at_100_cols", |b| {
        b.iter(|| render_html(black_box(&body), 100))
    });
    c.bench_function("index_text/4kb_body", |b| {
        b.iter(|| tidings::store::plain_text(black_box(&body)))
    });
    let page = include_str!("../tests/fixtures/extract/readability-wordpress.html");
    c.bench_function("extract/wordpress_page", |b| {
        b.iter(|| extract(black_box(page), Some("https://wordpress.org/news/")))
    });
}

fn meta() -> FetchMeta {
    FetchMeta {
        etag: Some(b"\"v1\"".to_vec()),
        last_modified: None,
        fetched_at: NOW,
        next_fetch: NOW + 86_400,
    }
}

fn parsed(index: usize) -> FeedContent {
    parse_feed(&feed_doc(index)).expect("generated feeds parse")
}

fn store(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("cache.db")).expect("open cache");
    let content = parsed(0);
    let mut next = 0;
    let mut group = c.benchmark_group("store");
    group.bench_function("upsert_50_item_feed/new", |b| {
        b.iter_custom(|iters| {
            let mut spent = std::time::Duration::ZERO;
            for _ in 0..iters {
                next += 1;
                let feed = NewFeed {
                    url: format!("http://127.0.0.1/{next}.xml"),
                    ..NewFeed::default()
                };
                let id = match store.add_feed(&feed).expect("add feed") {
                    AddOutcome::Added(id) | AddOutcome::AlreadyExists(id) => id,
                };
                let started = std::time::Instant::now();
                black_box(store.apply_refresh(id, &content, &meta()).expect("store"));
                spent += started.elapsed();
            }
            spent
        })
    });
    group.bench_function("upsert_50_item_feed/unchanged", |b| {
        b.iter(|| store.apply_refresh(1, &content, &meta()).expect("store"))
    });
    group.finish();
}

/// A cache of 2,000 feeds × 50 articles (100k), bodies left out: the lists never read them.
fn big_cache() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("cache.db")).expect("open cache");
    let mut template = parsed(0);
    for item in &mut template.items {
        item.content = None;
        item.summary = None;
    }
    for f in 0..2_000 {
        let id = match store
            .add_feed(&NewFeed {
                url: format!("http://127.0.0.1/{f}.xml"),
                title: Some(feedgen::feed_title(f)),
                ..NewFeed::default()
            })
            .expect("add feed")
        {
            AddOutcome::Added(id) | AddOutcome::AlreadyExists(id) => id,
        };
        let mut content = template.clone();
        for (i, item) in content.items.iter_mut().enumerate() {
            item.guid = format!("{f}-{i}");
            item.published = Some(NOW - (i * 2_000 + f) as i64 * 60);
        }
        store.apply_refresh(id, &content, &meta()).expect("store");
    }
    (dir, store)
}

fn lists(c: &mut Criterion) {
    let (_dir, store) = big_cache();
    let mut group = c.benchmark_group("headlines_100k");
    group.bench_function("feed_list_2000_feeds", |b| {
        b.iter(|| store.feed_summaries().expect("feeds"))
    });
    for (name, start) in [
        ("top", 0),
        ("middle", 50_000 - HEADLINE_WINDOW / 2),
        ("end", 100_000 - HEADLINE_WINDOW),
    ] {
        group.bench_function(format!("all_window_{name}"), |b| {
            b.iter(|| {
                store
                    .headline_window(&Scope::All, start, HEADLINE_WINDOW)
                    .expect("window")
            })
        });
    }
    group.bench_function("feed_window_top", |b| {
        b.iter(|| {
            store
                .headline_window(&Scope::Feed(7), 0, HEADLINE_WINDOW)
                .expect("window")
        })
    });
    group.finish();

    // The reader on that cache: one key, then a full frame at 160×48.
    let tz = FixedOffset::east_opt(0).expect("UTC");
    let mut app = App::new(Rect::new(0, 0, 160, 48), tz);
    app.update(Msg::FeedsLoaded {
        feeds: store.feed_summaries().expect("feeds"),
        unread_total: store.unread_total().expect("unread"),
        starred_total: 0,
    });
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: store
            .headline_window(&Scope::All, 0, HEADLINE_WINDOW)
            .expect("window"),
    });
    app.update(Msg::Action(Action::NextPane));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test terminal");
    let mut down = true;
    c.bench_function("ui/key_update_and_draw_160x48", |b| {
        b.iter(|| {
            // Up and down inside the loaded window, so no load is asked for.
            let action = if down { Action::Down } else { Action::Up };
            down = !down;
            black_box(app.update(Msg::Action(action)));
            terminal.draw(|f| views::draw(f, &app)).expect("draw");
        })
    });
}

criterion_group!(benches, parse, text, store, lists);
criterion_main!(benches);
