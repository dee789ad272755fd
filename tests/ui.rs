//! The UI without a terminal: `App::update` as a pure state machine, and the views drawn on ratatui's
//! `TestBackend` and compared with insta snapshots (wide three-pane and narrow one-pane layouts).

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::session::article::ArticleDoc;
use tidings::session::refresh::{RefreshSummary, Update};
use tidings::store::{Article, FeedSummary, Headline, HeadlineWindow, Scope};
use tidings::ui::app::{App, Command, Msg, Pane};
use tidings::ui::keymap::Action;
use tidings::ui::popups::Popup;
use tidings::ui::views;

const T0: i64 = 1_764_072_000; // 2025-11-25 12:00 UTC

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn feed(id: i64, title: &str, tags: &[&str], unread: i64) -> FeedSummary {
    FeedSummary {
        id,
        url: format!("https://example.com/{id}.xml"),
        title: title.into(),
        site_link: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        unread,
        total: unread + 1,
        last_error: None,
        last_fetch: Some(T0),
        next_fetch: T0 + 3600,
        full_text: false,
        interval_minutes: None,
        hidden: false,
    }
}

fn headline(id: i64, feed_id: i64, title: &str, age_days: i64, read: bool) -> Headline {
    Headline {
        id,
        feed_id,
        title: title.into(),
        time: T0 - age_days * 86_400,
        read,
        starred: id == 3,
    }
}

fn article(id: i64) -> Article {
    Article {
        id,
        feed_id: 1,
        feed_title: "Rust Blog".into(),
        title: "Announcing Rust 2.0".into(),
        author: Some("The Rust Team".into()),
        link: Some("https://blog.example.com/rust-2".into()),
        published: Some(T0),
        content: Some(
            "<p>Today we are happy to announce <a href=\"https://example.com/notes\">the release</a>.</p>\
             <ul><li>Faster builds</li><li>Better errors</li></ul>"
                .into(),
        ),
        ..Article::default()
    }
}

/// A window holding a whole (short) list.
fn whole(rows: Vec<Headline>) -> HeadlineWindow {
    HeadlineWindow {
        total: rows.len(),
        start: 0,
        rows,
    }
}

/// An app with two feeds, four headlines, sized `w`×`h`.
fn loaded_app(w: u16, h: u16) -> App {
    let mut app = App::new(Rect::new(0, 0, w, h), utc());
    let init = app.init();
    assert_eq!(init[0], Command::LoadFeeds);
    assert!(
        matches!(&init[1], Command::LoadFirstHeadlines { scope: Scope::All, rows } if (1..usize::from(h)).contains(rows)),
        "{init:?}"
    );
    assert_eq!(init.len(), 2);
    app.update(Msg::FeedsLoaded {
        feeds: vec![
            feed(1, "Rust Blog", &["tech"], 2),
            feed(2, "World News", &[], 1),
        ],
        unread_total: 3,
        starred_total: 1,
    });
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: whole(vec![
            headline(1, 1, "Announcing Rust 2.0", 0, false),
            headline(2, 2, "Elections held", 1, false),
            headline(3, 1, "This week in Rust", 2, true),
            headline(4, 1, "Rust 1.99 released", 3, false),
        ]),
    });
    app
}

fn act(app: &mut App, action: Action) -> Vec<Command> {
    app.update(Msg::Action(action))
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal
}

/// Opens the selected headline and delivers the article the runtime would load.
fn open_article(app: &mut App) {
    let commands = act(app, Action::Open);
    let Some(Command::LoadArticle { id, width, .. }) = commands.first().cloned() else {
        panic!("opening did not load the article: {commands:?}");
    };
    app.update(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
        &article(id),
        width,
        utc(),
        true,
    ))));
}

#[test]
fn feed_list_has_all_starred_and_tag_groups() {
    let app = loaded_app(120, 30);
    let labels: Vec<(&str, u8, i64)> = app
        .entries
        .iter()
        .map(|e| (e.label.as_str(), e.depth, e.unread))
        .collect();
    assert_eq!(
        labels,
        [
            ("All", 0, 3),
            ("Starred", 0, 1),
            ("tech", 0, 2),
            ("Rust Blog", 1, 2),
            ("World News", 0, 1)
        ]
    );
}

#[test]
fn moving_in_the_feed_list_loads_that_scope() {
    let mut app = loaded_app(120, 30);
    assert_eq!(
        act(&mut app, Action::Down),
        vec![Command::LoadHeadlines {
            scope: Scope::Starred,
            start: 0
        }]
    );
    assert_eq!(
        act(&mut app, Action::Bottom),
        vec![Command::LoadHeadlines {
            scope: Scope::Feed(2),
            start: 0
        }]
    );
    // A late answer for an old scope is ignored.
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: whole(vec![headline(9, 1, "stale", 0, false)]),
    });
    assert!(app.headlines.rows.is_empty());
}

#[test]
fn opening_an_article_marks_it_read_and_focuses_it() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::Open);
    assert_eq!(app.focus, Pane::Headlines);
    let commands = act(&mut app, Action::Open);
    assert!(matches!(commands[0], Command::LoadArticle { id: 1, .. }));
    assert_eq!(commands[1], Command::SetRead { id: 1, read: true });
    assert_eq!(app.focus, Pane::Article);
    assert!(app.headlines.rows[0].read);
    assert_eq!(app.unread_total, 2);
    assert_eq!(app.feeds[0].unread, 1);
}

#[test]
fn toggles_read_and_star_on_the_selected_headline() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    act(&mut app, Action::Down);
    assert_eq!(
        act(&mut app, Action::ToggleRead),
        vec![Command::SetRead { id: 2, read: true }]
    );
    assert_eq!(
        act(&mut app, Action::ToggleRead),
        vec![Command::SetRead { id: 2, read: false }]
    );
    assert_eq!(
        act(&mut app, Action::ToggleStar),
        vec![Command::SetStarred {
            id: 2,
            starred: true
        }]
    );
    assert_eq!(app.starred_total, 2);
}

#[test]
fn next_unread_skips_read_articles() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    let commands = act(&mut app, Action::NextUnread);
    assert!(
        matches!(commands[0], Command::LoadArticle { id: 2, .. }),
        "{commands:?}"
    );
    let commands = act(&mut app, Action::NextUnread);
    assert!(
        matches!(commands[0], Command::LoadArticle { id: 4, .. }),
        "skips read 3: {commands:?}"
    );
    assert!(act(&mut app, Action::NextUnread).is_empty());
    assert!(app.notice.is_some());
    assert!(
        act(&mut app, Action::PrevUnread).is_empty(),
        "everything above was read by opening it"
    );
}

#[test]
fn previous_unread_goes_up() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    act(&mut app, Action::Bottom);
    let commands = act(&mut app, Action::PrevUnread);
    assert!(
        matches!(commands[0], Command::LoadArticle { id: 2, .. }),
        "{commands:?}"
    );
}

#[test]
fn numbered_links_and_browser() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    assert_eq!(
        act(&mut app, Action::OpenLink(1)),
        vec![Command::OpenUrl("https://example.com/notes".into())]
    );
    assert!(act(&mut app, Action::OpenLink(5)).is_empty());
    assert_eq!(app.notice.as_deref(), Some("This article has no link [5]"));
    assert_eq!(
        act(&mut app, Action::OpenInBrowser),
        vec![Command::OpenUrl("https://blog.example.com/rust-2".into())]
    );
}

#[test]
fn refresh_keys() {
    let mut app = loaded_app(120, 30);
    assert_eq!(
        act(&mut app, Action::RefreshSelected),
        vec![Command::RefreshAll]
    );
    act(&mut app, Action::Down);
    act(&mut app, Action::Down);
    assert_eq!(
        act(&mut app, Action::RefreshSelected),
        vec![Command::Refresh(vec![1])],
        "tag refreshes its feeds"
    );
    assert_eq!(act(&mut app, Action::RefreshAll), vec![Command::RefreshAll]);
}

#[test]
fn mark_all_read_in_scope() {
    let mut app = loaded_app(120, 30);
    let commands = act(&mut app, Action::MarkAllRead);
    assert_eq!(
        commands,
        vec![Command::MarkRead(Scope::All), Command::LoadFeeds]
    );
    assert!(app.headlines.rows.iter().all(|h| h.read));
}

#[test]
fn poller_updates_show_progress_and_reload_lists() {
    let mut app = loaded_app(120, 30);
    app.update(Msg::Poller(Update::RefreshStarted { feeds: 2 }));
    app.update(Msg::Poller(Update::FeedDone {
        feed_id: 1,
        new_articles: 3,
        not_modified: false,
    }));
    assert_eq!(app.progress.map(|p| (p.done, p.total)), Some((1, 2)));
    app.update(Msg::Poller(Update::FeedFailed {
        feed_id: 2,
        title: "World News".into(),
        error: "HTTP 503".into(),
    }));
    assert_eq!(app.last_error.as_deref(), Some("World News: HTTP 503"));
    let commands = app.update(Msg::Poller(Update::RefreshFinished(RefreshSummary {
        fetched: 1,
        unchanged: 0,
        failed: 1,
        new_articles: 3,
    })));
    assert_eq!(
        commands,
        vec![
            Command::LoadFeeds,
            Command::LoadHeadlines {
                scope: Scope::All,
                start: 0
            }
        ]
    );
    assert!(app.progress.is_none());
    assert_eq!(app.notice.as_deref(), Some("3 new articles"));
}

#[test]
fn new_articles_mid_refresh_reload_on_tick() {
    let mut app = loaded_app(120, 30);
    app.update(Msg::Poller(Update::RefreshStarted { feeds: 5 }));
    assert!(app.update(Msg::Tick).is_empty());
    app.update(Msg::Poller(Update::FeedDone {
        feed_id: 1,
        new_articles: 1,
        not_modified: false,
    }));
    assert_eq!(
        app.update(Msg::Tick),
        vec![
            Command::LoadFeeds,
            Command::LoadHeadlines {
                scope: Scope::All,
                start: 0
            }
        ]
    );
    assert!(app.update(Msg::Tick).is_empty(), "reloads once");
}

#[test]
fn reload_keeps_the_cursor_on_the_same_article() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    act(&mut app, Action::Down);
    assert_eq!(app.selected_headline().map(|h| h.id), Some(2));
    let mut fresh = app.headlines.rows.clone();
    fresh.insert(0, headline(10, 2, "Breaking", 0, false));
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: whole(fresh),
    });
    assert_eq!(app.selected_headline().map(|h| h.id), Some(2));
}

#[test]
fn back_walks_out_then_quits() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    act(&mut app, Action::Back);
    assert_eq!(app.focus, Pane::Headlines);
    act(&mut app, Action::Back);
    assert_eq!(app.focus, Pane::Feeds);
    assert!(!app.quit);
    act(&mut app, Action::Back);
    assert!(app.quit);
}

#[test]
fn help_closes_on_any_key() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::Help);
    assert!(matches!(app.popups.last(), Some(Popup::Help(_))));
    assert!(
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('x'),
            KeyModifiers::NONE
        )))
        .is_empty()
    );
    assert!(app.popups.is_empty());
    assert_eq!(
        app.feed_cursor, 0,
        "the key that closed help did nothing else"
    );
}

#[test]
fn article_scrolls_within_bounds() {
    let mut app = loaded_app(120, 12);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    act(&mut app, Action::Bottom);
    let max = app.article_scroll;
    let doc_lines = app.article.as_ref().unwrap().line_count();
    assert_eq!(max, doc_lines - (12 - 1 - 2));
    act(&mut app, Action::Down);
    assert_eq!(app.article_scroll, max);
    act(&mut app, Action::Top);
    assert_eq!(app.article_scroll, 0);
}

#[test]
fn resize_rerenders_the_article_at_the_new_width() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    let commands = app.update(Msg::Resize(160, 30));
    assert!(
        matches!(commands[..], [Command::LoadArticle { id: 1, width, .. }] if width == app.article_width())
    );
    let width = app.article_width();
    app.update(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
        &article(1),
        width,
        utc(),
        true,
    ))));
    assert!(
        app.update(Msg::Resize(160, 40)).is_empty(),
        "height alone needs no re-render"
    );
}

#[test]
fn hostile_strings_are_cleaned_before_drawing() {
    let mut app = loaded_app(120, 30);
    app.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "Evil\x1b]52;c;aGk=\x07 Feed\u{202e}", &[], 1)],
        unread_total: 1,
        starred_total: 0,
    });
    app.update(Msg::Failed("boom\x1b[2J\r\nagain".into()));
    let terminal = draw(&app);
    let screen = format!("{:?}", terminal.backend().buffer());
    assert!(!screen.contains('\x1b'));
    assert!(!screen.contains('\u{202e}'));
    assert!(screen.contains("boom"));
}

#[test]
fn snapshot_wide_three_panes() {
    let mut app = loaded_app(120, 20);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_wide_refreshing_with_error() {
    let mut app = loaded_app(120, 12);
    app.update(Msg::Poller(Update::RefreshStarted { feeds: 7 }));
    app.update(Msg::Poller(Update::FeedFailed {
        feed_id: 2,
        title: "World News".into(),
        error: "HTTP 503".into(),
    }));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_narrow_feeds() {
    let app = loaded_app(80, 12);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_narrow_headlines() {
    let mut app = loaded_app(80, 12);
    act(&mut app, Action::Open);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_narrow_article() {
    let mut app = loaded_app(80, 16);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_help_overlay() {
    let mut app = loaded_app(100, 24);
    act(&mut app, Action::Help);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn full_text_key_asks_the_poller_and_reloads_when_done() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    assert_eq!(
        act(&mut app, Action::FetchFullText),
        vec![Command::FetchFullText(1)]
    );
    let commands = app.update(Msg::Poller(Update::FullTextDone {
        article_id: 1,
        error: None,
    }));
    assert!(
        matches!(
            commands[..],
            [Command::LoadArticle {
                id: 1,
                full: true,
                ..
            }]
        ),
        "{commands:?}"
    );
    let commands = app.update(Msg::Poller(Update::FullTextDone {
        article_id: 1,
        error: Some("HTTP 404".into()),
    }));
    assert_eq!(commands.len(), 1);
    assert_eq!(
        app.last_error.as_deref(),
        Some("Full article failed: HTTP 404")
    );
    // Another article's result does not disturb the open one.
    assert!(
        app.update(Msg::Poller(Update::FullTextDone {
            article_id: 7,
            error: None
        }))
        .is_empty()
    );
}

#[test]
fn t_switches_between_full_and_feed_text() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    let commands = act(&mut app, Action::ToggleTextSource);
    assert!(
        matches!(
            commands[..],
            [Command::LoadArticle {
                id: 1,
                full: false,
                ..
            }]
        ),
        "{commands:?}"
    );
    let commands = act(&mut app, Action::ToggleTextSource);
    assert!(
        matches!(
            commands[..],
            [Command::LoadArticle {
                id: 1,
                full: true,
                ..
            }]
        ),
        "{commands:?}"
    );
}

#[test]
fn capital_f_toggles_full_articles_for_the_feed() {
    let mut app = loaded_app(120, 30);
    act(&mut app, Action::Bottom); // World News
    let commands = act(&mut app, Action::ToggleFeedFullText);
    assert_eq!(
        commands,
        vec![
            Command::SetFeedFullText {
                feed_id: 2,
                on: true
            },
            Command::Refresh(vec![2])
        ]
    );
    assert!(app.feeds.iter().find(|f| f.id == 2).unwrap().full_text);
    assert_eq!(
        act(&mut app, Action::ToggleFeedFullText),
        vec![Command::SetFeedFullText {
            feed_id: 2,
            on: false
        }]
    );
    act(&mut app, Action::Top); // "All" is not a feed
    assert!(act(&mut app, Action::ToggleFeedFullText).is_empty());
}

#[test]
fn article_doc_shows_which_text_and_falls_back_with_a_note() {
    let mut a = article(1);
    a.full_content = Some("<p>The whole story, fetched from the page.</p>".into());
    let full = ArticleDoc::build(&a, 60, utc(), true);
    assert!(full.body.iter().any(|l| l.contains("The whole story")));
    assert!(
        full.fields
            .iter()
            .any(|(k, v)| *k == "Text" && v.starts_with("full article"))
    );
    let feed = ArticleDoc::build(&a, 60, utc(), false);
    assert!(feed.body.iter().any(|l| l.contains("happy to announce")));
    assert!(
        feed.fields
            .iter()
            .any(|(k, v)| *k == "Text" && v.starts_with("feed"))
    );
    a.full_content = None;
    a.full_error = Some("HTTP 403".into());
    let failed = ArticleDoc::build(&a, 60, utc(), true);
    assert!(
        failed.body.iter().any(|l| l.contains("happy to announce")),
        "falls back to the feed text"
    );
    let note = &failed.fields.iter().find(|(k, _)| *k == "Text").unwrap().1;
    assert!(note.contains("failed: HTTP 403"), "{note}");
}

#[test]
fn article_text_keeps_its_emphasis_on_screen() {
    let mut app = loaded_app(120, 20);
    act(&mut app, Action::NextPane);
    open_article(&mut app);
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    let find = |needle: &str| -> (u16, u16) {
        for y in 0..buffer.area.height {
            let row: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            if let Some(byte) = row.find(needle) {
                return (row[..byte].chars().count() as u16, y);
            }
        }
        panic!("{needle:?} not on screen");
    };
    let (x, y) = find("announce the release[1]");
    let link = &buffer[(x + 9, y)];
    assert!(
        link.modifier.contains(ratatui::style::Modifier::UNDERLINED),
        "links are underlined"
    );
    let plain = &buffer[(x, y)];
    assert!(
        !plain
            .modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    );
}

#[test]
fn article_text_has_no_runs_of_blank_lines() {
    let mut a = article(1);
    a.content = Some("<p>One.</p><div><p></p><br><br></div><p></p><p>Two.</p>".into());
    let doc = ArticleDoc::build(&a, 60, utc(), true);
    let blanks_in_a_row = doc
        .body
        .windows(2)
        .any(|w| w[0].trim().is_empty() && w[1].trim().is_empty());
    assert!(!blanks_in_a_row, "{:?}", doc.body);
    assert_eq!(doc.body.iter().filter(|l| !l.trim().is_empty()).count(), 2);
    assert_eq!(doc.body_styles.len(), doc.body.len());
}
