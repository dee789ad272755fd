//! The mouse through `App::update`, as a state machine: the wheel scrolls the pane under the
//! pointer, a click selects and focuses, a second click opens, a click on a numbered link opens it,
//! and a click on the status line's error shows it whole. Positions are found on the drawn screen
//! (ratatui's `TestBackend`), so the clicks land where a user sees things.

use chrono::FixedOffset;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::session::article::ArticleDoc;
use tidings::store::{Article, FeedSummary, Headline, HeadlineWindow, Scope};
use tidings::ui::app::{App, Command, Msg, Pane, WHEEL_ROWS};
use tidings::ui::keymap::Action;
use tidings::ui::popups::Popup;
use tidings::ui::views;

const T0: i64 = 1_764_072_000;

fn feed(id: i64, title: &str, unread: i64) -> FeedSummary {
    FeedSummary {
        id,
        url: format!("https://example.com/{id}.xml"),
        title: title.into(),
        site_link: None,
        tags: vec![],
        unread,
        total: unread,
        last_error: None,
        last_fetch: Some(T0),
        next_fetch: T0 + 3600,
        full_text: false,
        interval_minutes: None,
        hidden: false,
    }
}

fn headline(id: i64) -> Headline {
    Headline {
        id,
        feed_id: 1,
        title: format!("Headline number {id}"),
        time: T0 - id * 3600,
        read: false,
        starred: false,
    }
}

fn article(id: i64) -> Article {
    let paragraphs: String = (0..40)
        .map(|i| format!("<p>Paragraph {i} of the text.</p>"))
        .collect();
    Article {
        id,
        feed_id: 1,
        feed_title: "Feed One".into(),
        title: format!("Headline number {id}"),
        link: Some(format!("https://example.com/articles/{id}")),
        published: Some(T0),
        content: Some(format!(
            "<p>Read <a href=\"https://example.com/first\">the first</a> and \
             <a href=\"https://example.com/second\">the second</a>.</p>{paragraphs}"
        )),
        ..Article::default()
    }
}

/// Two feeds, fifty headlines in All, 120×30 (three panes).
fn app() -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), FixedOffset::east_opt(0).unwrap());
    app.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "Feed One", 50), feed(2, "Feed Two", 0)],
        unread_total: 50,
        starred_total: 0,
    });
    let rows: Vec<Headline> = (1..=50).map(headline).collect();
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: HeadlineWindow {
            total: rows.len(),
            start: 0,
            rows,
        },
    });
    app
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) -> Vec<Command> {
    app.update(Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

fn click(app: &mut App, (column, row): (u16, u16)) -> Vec<Command> {
    mouse(app, MouseEventKind::Down(MouseButton::Left), column, row)
}

/// Where `text` is drawn first, searching the rows top down.
fn find(app: &App, text: &str) -> (u16, u16) {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    for y in 0..buffer.area.height {
        let cells: Vec<String> = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        for x in 0..cells.len() {
            let rest: String = cells[x..].concat();
            if rest.starts_with(text) {
                return (x as u16, y);
            }
        }
    }
    panic!("{text:?} is not on screen");
}

/// Opens headline `id` with clicks and delivers the article the runtime would load.
fn open_by_clicks(app: &mut App, id: i64) {
    let at = find(app, &format!("Headline number {id} "));
    click(app, at);
    let commands = click(app, at);
    let Some(Command::LoadArticle {
        id: loaded, width, ..
    }) = commands.first().cloned()
    else {
        panic!("the second click did not open the article: {commands:?}");
    };
    assert_eq!(loaded, id);
    app.update(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
        &article(id),
        width,
        FixedOffset::east_opt(0).unwrap(),
        true,
    ))));
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer_without_focusing_it() {
    let mut app = app();
    let (x, y) = find(&app, "Headline number 1 ");
    assert_eq!(app.focus, Pane::Feeds);
    mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    assert_eq!(app.headline_offset, WHEEL_ROWS as usize);
    // The cursor is dragged along so it stays on screen.
    assert_eq!(app.headline_cursor, WHEEL_ROWS as usize);
    assert_eq!(app.focus, Pane::Feeds);
    mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    mouse(&mut app, MouseEventKind::ScrollUp, x, y);
    assert_eq!(app.headline_offset, WHEEL_ROWS as usize);
    assert_eq!(app.headline_cursor, 2 * WHEEL_ROWS as usize);
    // Never beyond the end: 50 rows, 27 on screen.
    for _ in 0..40 {
        mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    }
    assert_eq!(app.headline_offset, 50 - 27);
    for _ in 0..40 {
        mouse(&mut app, MouseEventKind::ScrollUp, x, y);
    }
    assert_eq!(app.headline_offset, 0);
    // Dragged to the top row on screen at the end, the cursor stays where it was on the way back.
    assert_eq!(app.headline_cursor, 50 - 27);
}

#[test]
fn a_click_selects_and_focuses_and_a_second_click_opens() {
    let mut app = app();
    // The feed list: one click selects Feed Two and shows its list, the second opens it.
    let at = find(&app, "Feed Two");
    assert_eq!(
        click(&mut app, at),
        [Command::LoadHeadlines {
            scope: Scope::Feed(2),
            start: 0
        }]
    );
    assert_eq!((app.focus, app.feed_cursor), (Pane::Feeds, 3));
    click(&mut app, at);
    assert_eq!(app.focus, Pane::Headlines);

    // Headlines: from the feed list, a click focuses and selects; the second opens.
    let mut app = self::app();
    let at = find(&app, "Headline number 4 ");
    assert!(click(&mut app, at).is_empty());
    assert_eq!((app.focus, app.headline_cursor), (Pane::Headlines, 3));
    let commands = click(&mut app, at);
    assert!(
        matches!(commands.first(), Some(Command::LoadArticle { id: 4, .. })),
        "{commands:?}"
    );
    assert!(commands.contains(&Command::SetRead { id: 4, read: true }));
    assert_eq!(app.focus, Pane::Article);
    // Another row is a first click again.
    let at = find(&app, "Headline number 6 ");
    assert!(click(&mut app, at).is_empty());
    assert_eq!((app.focus, app.headline_cursor), (Pane::Headlines, 5));
    // Below the last row: focus only.
    let mut few = self::app();
    few.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: HeadlineWindow {
            total: 2,
            start: 0,
            rows: vec![headline(1), headline(2)],
        },
    });
    let (x, y) = find(&few, "Headline number 2 ");
    assert!(click(&mut few, (x, y + 5)).is_empty());
    assert_eq!((few.focus, few.headline_cursor), (Pane::Headlines, 0));
}

#[test]
fn clicking_a_numbered_link_or_the_articles_link_opens_it() {
    let mut app = app();
    open_by_clicks(&mut app, 7);
    let (x, y) = find(&app, "[2]");
    assert_eq!(
        click(&mut app, (x + 1, y)),
        [Command::OpenUrl("https://example.com/second".into())]
    );
    let (x, y) = find(&app, "[1]");
    assert_eq!(
        click(&mut app, (x + 2, y)),
        [Command::OpenUrl("https://example.com/first".into())]
    );
    // Text that is not a link does nothing.
    let (x, y) = find(&app, "Read");
    assert!(click(&mut app, (x, y)).is_empty());
    let (x, y) = find(&app, "Link: ");
    assert_eq!(
        click(&mut app, (x + 8, y)),
        [Command::OpenUrl("https://example.com/articles/7".into())]
    );
}

#[test]
fn the_wheel_scrolls_the_article_and_a_click_in_it_focuses_it() {
    let mut app = app();
    open_by_clicks(&mut app, 7);
    let (x, y) = find(&app, "Read");
    // Focus elsewhere; the wheel scrolls the article under the pointer anyway.
    app.update(Msg::Action(Action::Back));
    assert_eq!(app.focus, Pane::Headlines);
    mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    assert_eq!(app.article_scroll, WHEEL_ROWS as usize);
    assert_eq!(app.focus, Pane::Headlines);
    for _ in 0..100 {
        mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    }
    let end = app.article_scroll;
    assert!(end > 20, "{end}");
    mouse(&mut app, MouseEventKind::ScrollDown, x, y);
    assert_eq!(app.article_scroll, end, "never beyond the end");
    mouse(&mut app, MouseEventKind::ScrollUp, x, y);
    assert_eq!(app.article_scroll, end - WHEEL_ROWS as usize);
    click(&mut app, (x, y));
    assert_eq!(app.focus, Pane::Article);
}

#[test]
fn a_click_on_the_status_lines_error_shows_it_whole() {
    let mut app = app();
    let long = format!("Feed One: {}the end", "connection refused, ".repeat(20));
    app.update(Msg::Failed(long.clone()));
    let (x, y) = find(&app, "Feed One: connection");
    // The right end of the status line ("? help") opens the help.
    let right = app.size.width - 3;
    assert!(click(&mut app, (right, y)).is_empty());
    assert!(matches!(app.popups.pop(), Some(Popup::Help(_))));
    assert!(click(&mut app, (x + 5, y)).is_empty());
    match app.popups.last() {
        Some(Popup::Message(m)) => assert_eq!(m.text, long),
        other => panic!("{other:?}"),
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal.draw(|f| views::draw(f, &app)).unwrap();
    let screen: String = format!("{:?}", terminal.backend());
    assert!(screen.contains("the end"), "{screen}");
    // Any key closes it.
    app.update(Msg::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('x'),
    )));
    assert!(app.popups.is_empty());
}

#[test]
fn the_wheel_scrolls_a_dialog_and_clicks_leave_it_alone() {
    let mut app = app();
    app.update(Msg::Action(Action::Help));
    mouse(&mut app, MouseEventKind::ScrollDown, 60, 15);
    mouse(&mut app, MouseEventKind::ScrollDown, 60, 15);
    match app.popups.last() {
        Some(Popup::Help(h)) => assert_eq!(h.scroll, 2),
        other => panic!("{other:?}"),
    }
    let before = (app.focus, app.headline_cursor);
    // The top left corner is the feed list's, beside the dialog.
    click(&mut app, (1, 2));
    assert!(matches!(app.popups.last(), Some(Popup::Help(_))));
    assert_eq!((app.focus, app.headline_cursor), before);
}
