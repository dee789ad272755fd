//! The reader behaving as a Newsboat user expects (`App::update` as a state machine): `n` from the
//! feed list, `n`/`p` across feeds, `r` from any pane, one status message at a time, and `f` only
//! where there is a page to fetch.

use chrono::FixedOffset;
use ratatui::layout::Rect;
use tidings::session::article::ArticleDoc;
use tidings::session::refresh::Update;
use tidings::store::{Article, FeedSummary, Headline, HeadlineWindow, Scope};
use tidings::ui::app::{App, Command, Msg, Pane};
use tidings::ui::keymap::Action;

const T0: i64 = 1_764_072_000;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn feed(id: i64, title: &str, unread: i64) -> FeedSummary {
    FeedSummary {
        id,
        url: format!("https://example.com/{id}.xml"),
        title: title.into(),
        site_link: None,
        tags: vec![],
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

fn headline(id: i64, feed_id: i64, read: bool) -> Headline {
    Headline {
        id,
        feed_id,
        title: format!("Article {id}"),
        time: T0 - id * 60,
        read,
        starred: false,
    }
}

fn window(rows: Vec<Headline>) -> HeadlineWindow {
    HeadlineWindow {
        total: rows.len(),
        start: 0,
        rows,
    }
}

fn article(id: i64, feed_id: i64, link: Option<&str>) -> ArticleDoc {
    let a = Article {
        id,
        feed_id,
        feed_title: "Feed".into(),
        title: format!("Article {id}"),
        link: link.map(String::from),
        published: Some(T0),
        content: Some("<p>Text</p>".into()),
        ..Article::default()
    };
    ArticleDoc::build(&a, 60, utc(), true)
}

fn act(app: &mut App, action: Action) -> Vec<Command> {
    app.update(Msg::Action(action))
}

/// Feeds A (id 1, two unread) and B (id 2, one unread) without tags; the feed list shows A.
fn app_on_feed_a() -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), utc());
    app.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "A", 2), feed(2, "B", 1)],
        unread_total: 3,
        starred_total: 0,
    });
    // All, Starred, A, B.
    act(&mut app, Action::Down);
    act(&mut app, Action::Down);
    assert_eq!(app.scope, Scope::Feed(1));
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Feed(1),
        window: window(vec![headline(10, 1, false), headline(11, 1, false)]),
    });
    app
}

#[test]
fn n_from_the_feed_list_opens_the_first_unread_article() {
    let mut app = app_on_feed_a();
    // An article of another list was open before: it must not make `n` skip the first one.
    app.update(Msg::Action(Action::Help));
    app.popups.clear();
    let commands = act(&mut app, Action::NextUnread);
    assert!(
        commands.contains(&Command::LoadArticle {
            id: 10,
            width: app.article_width(),
            full: true
        }),
        "{commands:?}"
    );
}

#[test]
fn n_from_the_feed_list_after_reading_elsewhere_still_starts_at_the_top() {
    let mut app = app_on_feed_a();
    app.update(Msg::ArticleLoaded(Box::new(article(99, 2, None))));
    app.focus = Pane::Feeds;
    let commands = act(&mut app, Action::NextUnread);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadArticle { id: 10, .. })),
        "{commands:?}"
    );
}

#[test]
fn n_at_the_end_of_a_feed_goes_on_to_the_next_feed_with_unread_articles() {
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextUnread); // opens 10
    act(&mut app, Action::NextUnread); // opens 11
    let commands = act(&mut app, Action::NextUnread);
    assert_eq!(app.scope, Scope::Feed(2));
    assert!(
        commands.contains(&Command::FindUnread {
            scope: Scope::Feed(2),
            from: 0,
            forward: true
        }),
        "{commands:?}"
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("Next feed with unread articles: B")
    );
    // A has nothing unread left: p from the top of B stops there.
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Feed(2),
        window: window(vec![headline(20, 2, false)]),
    });
    act(&mut app, Action::PrevUnread);
    assert_eq!(app.scope, Scope::Feed(2));
    assert_eq!(app.notice.as_deref(), Some("No unread articles above"));
}

#[test]
fn p_at_the_top_of_a_feed_goes_back_to_the_previous_feed_with_unread_articles() {
    let mut app = app_on_feed_a();
    act(&mut app, Action::Down); // B
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Feed(2),
        window: window(vec![headline(20, 2, true)]),
    });
    app.focus = Pane::Headlines;
    let commands = act(&mut app, Action::PrevUnread);
    assert_eq!(app.scope, Scope::Feed(1));
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::FindUnread {
                scope: Scope::Feed(1),
                forward: false,
                ..
            }
        )),
        "{commands:?}"
    );
}

#[test]
fn r_refreshes_the_shown_list_from_any_pane() {
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextPane);
    assert_eq!(app.focus, Pane::Headlines);
    assert_eq!(
        act(&mut app, Action::RefreshSelected),
        [Command::Refresh(vec![1])]
    );
    // An empty list ("No articles here yet. Press r to refresh.") refreshes too.
    let mut empty = App::new(Rect::new(0, 0, 120, 30), utc());
    empty.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "A", 0)],
        unread_total: 0,
        starred_total: 0,
    });
    empty.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: window(vec![]),
    });
    empty.focus = Pane::Headlines;
    assert_eq!(
        act(&mut empty, Action::RefreshSelected),
        [Command::RefreshAll]
    );
}

#[test]
fn a_failed_full_article_replaces_the_fetching_message() {
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextUnread);
    app.update(Msg::ArticleLoaded(Box::new(article(
        10,
        1,
        Some("https://example.com/10"),
    ))));
    act(&mut app, Action::FetchFullText);
    assert_eq!(app.notice.as_deref(), Some("Fetching the full article…"));
    app.update(Msg::Poller(Update::FullTextDone {
        article_id: 10,
        error: Some("HTTP 404".into()),
    }));
    assert_eq!(app.notice, None);
    assert_eq!(
        app.last_error.as_deref(),
        Some("Full article failed: HTTP 404")
    );
}

#[test]
fn articles_without_a_link_offer_no_full_article() {
    let doc = article(5, 1, None);
    let text: Vec<String> = doc
        .fields
        .iter()
        .map(|(l, v)| format!("{l}: {v}"))
        .collect();
    assert!(text.contains(&"Text: feed".to_string()), "{text:?}");
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextUnread);
    app.update(Msg::ArticleLoaded(Box::new(article(10, 1, None))));
    assert!(act(&mut app, Action::FetchFullText).is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some("This article has no link, so there is no page to fetch")
    );
}

/// An article with `n` numbered links, open in the article pane.
fn app_with_links(n: usize) -> App {
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextUnread);
    let mut doc = article(10, 1, Some("https://example.com/10"));
    doc.links = (1..=n)
        .map(|i| format!("https://example.com/link{i}"))
        .collect();
    app.update(Msg::ArticleLoaded(Box::new(doc)));
    app
}

#[test]
fn links_beyond_nine_open_by_number_and_enter() {
    let mut app = app_with_links(256);
    assert!(
        act(&mut app, Action::OpenLink(1)).is_empty(),
        "1 could become 12"
    );
    assert!(
        act(&mut app, Action::OpenLink(2)).is_empty(),
        "12 could become 123"
    );
    assert_eq!(
        act(&mut app, Action::OpenLink(3)),
        [Command::OpenUrl("https://example.com/link123".into())],
        "1230 is beyond 256: 123 opens at once"
    );
    act(&mut app, Action::OpenLink(2));
    assert!(
        act(&mut app, Action::OpenLink(5)).is_empty(),
        "250 ≤ 256: it may go on"
    );
    assert_eq!(
        act(&mut app, Action::Open),
        [Command::OpenUrl("https://example.com/link25".into())]
    );
    // Esc forgets the digits; a number beyond the links says so.
    act(&mut app, Action::OpenLink(7));
    act(&mut app, Action::Back);
    assert_eq!(app.link_number, None);
    assert_eq!(app.focus, Pane::Article, "Esc only cancelled the number");
    let mut few = app_with_links(3);
    assert_eq!(
        act(&mut few, Action::OpenLink(2)),
        [Command::OpenUrl("https://example.com/link2".into())]
    );
    assert!(act(&mut few, Action::OpenLink(9)).is_empty());
    assert_eq!(few.notice.as_deref(), Some("This article has no link [9]"));
}

#[test]
fn the_link_list_opens_or_copies_any_link() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut app = app_with_links(40);
    act(&mut app, Action::LinkList);
    let key =
        |app: &mut App, c: KeyCode| app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::OpenUrl("https://example.com/link40".into())]
    );
    assert!(app.popups.is_empty());
    act(&mut app, Action::LinkList);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        [Command::Copy("https://example.com/link2".into())]
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("Copied https://example.com/link2")
    );
}

#[test]
fn mark_everything_read_can_be_undone() {
    let mut app = app_on_feed_a();
    let commands = act(&mut app, Action::MarkAllRead);
    assert!(
        commands.contains(&Command::MarkRead(Scope::Feed(1))),
        "{commands:?}"
    );
    assert!(app.headlines.rows.iter().all(|h| h.read));
    app.update(Msg::MarkedRead(vec![10, 11]));
    assert_eq!(
        app.notice.as_deref(),
        Some("Marked 2 articles read (u undoes)")
    );
    let commands = act(&mut app, Action::Undo);
    assert_eq!(commands[0], Command::MarkUnread(vec![10, 11]));
    assert!(app.headlines.rows.iter().all(|h| !h.read));
    assert!(act(&mut app, Action::Undo).is_empty());
    assert_eq!(app.notice.as_deref(), Some("Nothing to undo"));
}

#[test]
fn ctrl_l_asks_for_a_full_redraw() {
    let mut app = app_on_feed_a();
    act(&mut app, Action::Redraw);
    assert!(app.redraw);
}

#[test]
fn full_texts_fetched_by_a_refresh_show_in_the_open_article() {
    let mut app = App::new(Rect::new(0, 0, 120, 30), utc());
    let mut full = feed(1, "A", 2);
    full.full_text = true;
    app.update(Msg::FeedsLoaded {
        feeds: vec![full],
        unread_total: 2,
        starred_total: 0,
    });
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: window(vec![headline(10, 1, false)]),
    });
    app.focus = Pane::Headlines;
    act(&mut app, Action::Open);
    app.update(Msg::ArticleLoaded(Box::new(article(
        10,
        1,
        Some("https://x.example/10"),
    ))));
    let commands = app.update(Msg::Poller(Update::FeedDone {
        feed_id: 1,
        new_articles: 0,
        not_modified: false,
    }));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadArticle { id: 10, .. })),
        "{commands:?}"
    );
}

fn help_screen(w: u16, h: u16, scroll_keys: usize) -> String {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut app = App::new(Rect::new(0, 0, w, h), utc());
    act(&mut app, Action::Help);
    for _ in 0..scroll_keys {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
        )));
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| tidings::ui::views::draw(f, &app))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn help_fits_80_by_24_and_scrolls() {
    let top = help_screen(80, 24, 0);
    insta::assert_snapshot!("help_80x24", top);
    assert!(top.contains("j/k scroll"), "{top}");
    // Scrolled to the end, the last binding shows.
    let end = help_screen(80, 24, 100);
    assert!(end.contains("Ctrl-C") && end.contains("quit"), "{end}");
}

#[test]
fn help_fits_60_by_20_wrapping_its_descriptions() {
    let top = help_screen(60, 20, 0);
    insta::assert_snapshot!("help_60x20", top);
    // Every row is inside the box: no description is cut at the right edge.
    let end = help_screen(60, 20, 100);
    assert!(end.contains("quit"), "{end}");
    assert!(top.contains("move down / up"), "{top}");
}

#[test]
fn a_link_can_be_read_as_an_article_in_the_pane() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut app = app_with_links(3);
    act(&mut app, Action::LinkList);
    let commands = app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('f'),
        KeyModifiers::NONE,
    )));
    assert_eq!(
        commands,
        [Command::FetchLinkPage {
            url: "https://example.com/link1".into(),
            width: app.article_width()
        }]
    );
    let mut page = article(
        tidings::ui::app::LINKED_PAGE,
        tidings::ui::app::LINKED_PAGE,
        Some("https://example.com/link1"),
    );
    page.title = "The linked page".into();
    app.update(Msg::ArticleLoaded(Box::new(page)));
    assert_eq!(
        app.article.as_ref().map(|a| a.title.as_str()),
        Some("The linked page")
    );
    app.focus = Pane::Article;
    assert!(
        act(&mut app, Action::ToggleRead).is_empty(),
        "a linked page is not in the cache"
    );
}

#[test]
fn y_copies_the_link_of_the_open_or_selected_article() {
    let mut app = app_on_feed_a();
    // From the headline list: the runtime looks the link up, then the app copies it.
    act(&mut app, Action::NextPane);
    assert_eq!(
        act(&mut app, Action::CopyLink),
        [Command::CopyArticleLink(10)]
    );
    let commands = app.update(Msg::LinkToCopy("https://example.com/10".into()));
    assert_eq!(commands, [Command::Copy("https://example.com/10".into())]);
    assert_eq!(app.notice.as_deref(), Some("Copied the link"));
    // From the open article: at once.
    act(&mut app, Action::Open);
    app.update(Msg::ArticleLoaded(Box::new(article(
        10,
        1,
        Some("https://e.example/a"),
    ))));
    app.focus = Pane::Article;
    assert_eq!(
        act(&mut app, Action::CopyLink),
        [Command::Copy("https://e.example/a".into())]
    );
}

#[test]
fn u_and_o_change_how_the_list_on_screen_is_shown_and_say_so() {
    use tidings::store::{ListOrder, ListView};
    let mut app = app_on_feed_a();
    let commands = act(&mut app, Action::ToggleUnreadOnly);
    let unread = ListView {
        unread_only: true,
        order: ListOrder::Newest,
    };
    assert_eq!(
        commands,
        [Command::SetListView {
            scope: Scope::Feed(1),
            view: unread
        }]
    );
    let commands = act(&mut app, Action::CycleOrder);
    let oldest = ListView {
        order: ListOrder::Oldest,
        ..unread
    };
    assert_eq!(
        commands,
        [Command::SetListView {
            scope: Scope::Feed(1),
            view: oldest
        }]
    );
    assert_eq!(app.list_view(&Scope::Feed(1)), oldest);
    assert_eq!(app.list_view(&Scope::All), ListView::default(), "per list");
    // Views read from the cache at start are the app's.
    app.update(Msg::ViewsLoaded(vec![(Scope::All.view_key(), unread)]));
    assert_eq!(app.list_view(&Scope::All), unread);
}

#[test]
fn a_background_refresh_with_new_articles_notifies_and_one_asked_for_does_not() {
    use tidings::session::refresh::RefreshSummary;
    let mut app = app_on_feed_a();
    app.notify = true;
    let refresh = |app: &mut App| {
        app.update(Msg::Poller(Update::RefreshStarted { feeds: 2 }));
        app.update(Msg::Poller(Update::FeedDone {
            feed_id: 1,
            new_articles: 2,
            not_modified: false,
        }));
        app.update(Msg::Poller(Update::FeedDone {
            feed_id: 2,
            new_articles: 0,
            not_modified: true,
        }));
        app.update(Msg::Poller(Update::RefreshFinished(RefreshSummary {
            fetched: 2,
            new_articles: 2,
            ..RefreshSummary::default()
        })))
    };
    let commands = refresh(&mut app);
    assert!(
        commands.contains(&Command::Notify {
            count: 2,
            feeds: vec![1]
        }),
        "{commands:?}"
    );
    // After R the user is there to see it.
    act(&mut app, Action::RefreshAll);
    let commands = refresh(&mut app);
    assert!(!commands.iter().any(|c| matches!(c, Command::Notify { .. })));
    // Off unless configured.
    app.notify = false;
    let commands = refresh(&mut app);
    assert!(!commands.iter().any(|c| matches!(c, Command::Notify { .. })));
}

#[test]
fn a_macro_runs_its_actions_in_turn_and_e_pages_the_open_article() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let mut app = app_on_feed_a();
    act(&mut app, Action::NextPane);
    // Without macros `,` says how to make one.
    app.update(press(','));
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.contains("[macros]"))
    );
    app.macros
        .insert('r', vec![Action::ToggleRead, Action::Down]);
    app.update(press(','));
    assert_eq!(app.notice.as_deref(), Some(", …"));
    let commands = app.update(press('r'));
    assert!(
        commands.contains(&Command::SetRead { id: 10, read: true }),
        "{commands:?}"
    );
    assert_eq!(app.headline_cursor, 1, "then down");
    // An unknown macro key says so and does nothing.
    app.update(press(','));
    assert!(app.update(press('x')).is_empty());
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.contains("No macro on x"))
    );

    // E: the open article's text to the pager.
    assert_eq!(act(&mut app, Action::OpenInPager), Vec::<Command>::new());
    act(&mut app, Action::Open);
    app.update(Msg::ArticleLoaded(Box::new(article(11, 1, None))));
    let commands = act(&mut app, Action::OpenInPager);
    assert!(
        matches!(&commands[..], [Command::Page(text)] if text.contains("Article 11")),
        "{commands:?}"
    );
}
