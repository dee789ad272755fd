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
        author: None,
        link: link.map(String::from),
        published: Some(T0),
        updated: None,
        content: Some("<p>Text</p>".into()),
        summary: None,
        full_content: None,
        full_error: None,
        read: false,
        starred: false,
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
