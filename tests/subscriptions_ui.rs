//! Managing subscriptions in the reader, as a state machine: keys in, commands out, results back as
//! messages (`App::update`), and the dialogs drawn on a `TestBackend` (insta snapshots). Each step of
//! the new-user path (add from a site's page and choose a feed, rename and tag it, set its interval,
//! see its details, delete another feed) has a test here; `e2e_subscriptions.rs` runs the same path
//! in the real program.

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tidings::feed::discover::FeedLink;
use tidings::session::subscriptions::{FeedEdit, Subscription};
use tidings::store::{FeedDetails, FeedSummary, HeadlineWindow, Removed, Scope};
use tidings::ui::app::{App, Command, Done, Msg, Pane, ProbeView};
use tidings::ui::keymap::{self, Mode};
use tidings::ui::popups::Popup;
use tidings::ui::views;

const T0: i64 = 1_764_072_000;

fn feed(id: i64, title: &str, tags: &[&str]) -> FeedSummary {
    FeedSummary {
        id,
        url: format!("https://example.com/{id}.xml"),
        title: title.into(),
        site_link: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        unread: 2,
        total: 5,
        last_error: None,
        last_fetch: Some(T0),
        next_fetch: T0 + 3600,
        full_text: false,
        interval_minutes: None,
        hidden: false,
    }
}

fn loaded(feeds: Vec<FeedSummary>) -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), FixedOffset::east_opt(0).unwrap());
    app.update(Msg::FeedsLoaded {
        feeds,
        unread_total: 4,
        starred_total: 0,
    });
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: HeadlineWindow::default(),
    });
    app
}

fn two_feeds() -> App {
    loaded(vec![
        feed(1, "Rust Blog", &["tech"]),
        feed(2, "World News", &[]),
    ])
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(app: &mut App, c: char) -> Vec<Command> {
    key(app, KeyCode::Char(c))
}

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(ch(app, c).is_empty(), "typing {c:?} ran a command");
    }
}

fn select_feed(app: &mut App, title: &str) -> Vec<Command> {
    let at = app
        .entries
        .iter()
        .position(|e| e.label == title)
        .unwrap_or_else(|| panic!("{title} is not in the feed list"));
    app.focus = Pane::Feeds;
    let delta = at as isize - app.feed_cursor as isize;
    let mut commands = Vec::new();
    for _ in 0..delta.unsigned_abs() {
        commands = ch(app, if delta > 0 { 'j' } else { 'k' });
    }
    commands
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn links() -> Vec<FeedLink> {
    vec![
        FeedLink {
            url: "http://127.0.0.1:9/posts.xml".into(),
            title: "Valley posts".into(),
        },
        FeedLink {
            url: "http://127.0.0.1:9/comments.xml".into(),
            title: "Valley comments".into(),
        },
    ]
}

#[test]
fn add_from_a_site_page_choosing_one_of_its_feeds() {
    let mut app = two_feeds();
    assert!(ch(&mut app, 'a').is_empty());
    assert!(matches!(app.popups.last(), Some(Popup::AddFeed(_))));
    typed(&mut app, "http://127.0.0.1:9/");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::Probe {
            url: "http://127.0.0.1:9/".into()
        }]
    );
    // The UI never waits: ticks and keys are answered while the fetch runs.
    app.update(Msg::Tick);
    assert!(screen(&app).contains("Fetching… 1 s"), "{}", screen(&app));
    assert!(ch(&mut app, 'x').is_empty());

    app.update(Msg::Done(Done::Probed(Ok(ProbeView::Page(links())))));
    let shown = screen(&app);
    assert!(
        shown.contains("Valley posts <http://127.0.0.1:9/posts.xml>"),
        "{shown}"
    );
    assert!(shown.contains("Valley comments"), "{shown}");
    insta::assert_snapshot!("add_dialog_picker", shown);

    ch(&mut app, 'j');
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::Probe {
            url: "http://127.0.0.1:9/comments.xml".into()
        }]
    );
    app.update(Msg::Done(Done::Probed(Ok(ProbeView::Feed {
        token: 7,
        url: "http://127.0.0.1:9/comments.xml".into(),
        title: "Valley comments".into(),
        articles: 3,
    }))));
    // Title prefilled from the feed; rename it, then tags (completed from those in use).
    ctrl(&mut app, 'u');
    typed(&mut app, "Comments");
    key(&mut app, KeyCode::Down);
    typed(&mut app, "te");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, ", valley");
    key(&mut app, KeyCode::Down);
    ch(&mut app, ' ');
    insta::assert_snapshot!("add_dialog_details", screen(&app));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::AddProbed {
            token: 7,
            sub: Subscription {
                url: "http://127.0.0.1:9/comments.xml".into(),
                title: Some("Comments".into()),
                tags: vec!["tech".into(), "valley".into()],
                full_text: true,
                every: None,
                hidden: false,
            }
        }]
    );
    let commands = app.update(Msg::Done(Done::Added(Ok((3, "Comments".into())))));
    assert!(app.popups.is_empty());
    assert_eq!(app.notice.as_deref(), Some("Subscribed to Comments"));
    assert!(commands.contains(&Command::LoadFeeds));
    // Once the list holds it, the new feed is selected and its articles load.
    let mut new = feed(3, "Comments", &["tech", "valley"]);
    new.total = 3;
    let commands = app.update(Msg::FeedsLoaded {
        feeds: vec![
            feed(1, "Rust Blog", &["tech"]),
            feed(2, "World News", &[]),
            new,
        ],
        unread_total: 6,
        starred_total: 0,
    });
    assert_eq!(app.scope, Scope::Feed(3));
    assert_eq!(
        commands,
        [Command::LoadHeadlines {
            scope: Scope::Feed(3),
            start: 0
        }]
    );
}

#[test]
fn add_errors_stay_in_the_dialog_and_esc_cancels_a_fetch() {
    let mut app = two_feeds();
    ch(&mut app, 'a');
    // An empty address is refused in place.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(screen(&app).contains("Type the address"));
    typed(&mut app, "http://127.0.0.1:9/missing.xml");
    key(&mut app, KeyCode::Enter);
    app.update(Msg::Done(Done::Probed(Err("HTTP 404".into()))));
    let shown = screen(&app);
    assert!(shown.contains("HTTP 404"), "{shown}");
    assert!(
        matches!(app.popups.last(), Some(Popup::AddFeed(_))),
        "still open"
    );
    assert!(
        app.last_error.is_none(),
        "the error is the dialog's, not the status line's"
    );

    // Esc while fetching cancels the fetch and keeps the dialog; Esc again closes it.
    key(&mut app, KeyCode::Enter);
    assert_eq!(key(&mut app, KeyCode::Esc), [Command::CancelProbe]);
    assert!(screen(&app).contains("Cancelled"));
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.popups.is_empty());
    // A late answer to the cancelled fetch changes nothing.
    assert!(
        app.update(Msg::Done(Done::Probed(Ok(ProbeView::Page(links())))))
            .is_empty()
    );
    // Ctrl-C quits from inside a dialog.
    ch(&mut app, 'a');
    ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[test]
fn edit_renames_tags_and_sets_the_interval() {
    let mut app = two_feeds();
    select_feed(&mut app, "World News");
    assert!(ch(&mut app, 'e').is_empty());
    assert!(screen(&app).contains("Edit feed"));
    ctrl(&mut app, 'u');
    typed(&mut app, "World");
    key(&mut app, KeyCode::Down);
    typed(&mut app, "news, daily");
    key(&mut app, KeyCode::Down);
    ctrl(&mut app, 'u');
    typed(&mut app, "2h");
    insta::assert_snapshot!("edit_dialog", screen(&app));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::EditFeed {
            id: 2,
            edit: FeedEdit {
                title: Some(Some("World".into())),
                tags: Some(vec!["news".into(), "daily".into()]),
                every: Some(Some(120)),
                full_text: None,
                hidden: None,
            }
        }]
    );
    let commands = app.update(Msg::Done(Done::Edited(Ok(vec!["title \"World\"".into()]))));
    assert!(app.popups.is_empty());
    assert!(commands.contains(&Command::LoadFeeds), "{commands:?}");
    assert_eq!(app.notice.as_deref(), Some("Saved: title \"World\""));
}

#[test]
fn a_bad_interval_is_refused_in_the_dialog() {
    let mut app = two_feeds();
    select_feed(&mut app, "World News");
    ch(&mut app, 'e');
    for _ in 0..2 {
        key(&mut app, KeyCode::Down);
    }
    ctrl(&mut app, 'u');
    typed(&mut app, "soon");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(
        screen(&app).contains("invalid duration"),
        "{}",
        screen(&app)
    );
    // Untouched fields are not sent: only the interval would change.
    ctrl(&mut app, 'u');
    typed(&mut app, "45");
    let commands = key(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        [Command::EditFeed {
            id: 2,
            edit: FeedEdit {
                every: Some(Some(45)),
                ..FeedEdit::default()
            }
        }]
    );
}

#[test]
fn edit_on_a_tag_row_renames_the_tag() {
    let mut app = two_feeds();
    select_feed(&mut app, "tech");
    ch(&mut app, 'e');
    assert!(matches!(app.popups.last(), Some(Popup::RenameTag(_))));
    ctrl(&mut app, 'u');
    typed(&mut app, "computing");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::RenameTag {
            from: "tech".into(),
            to: "computing".into()
        }]
    );
    let commands = app.update(Msg::Done(Done::TagRenamed(Ok(1))));
    assert!(app.popups.is_empty());
    assert!(commands.contains(&Command::LoadFeeds));
}

#[test]
fn details_show_schedule_errors_and_counts() {
    let mut app = two_feeds();
    select_feed(&mut app, "Rust Blog");
    assert_eq!(ch(&mut app, 'i'), [Command::LoadDetails(1)]);
    assert!(screen(&app).contains("Loading…"));
    app.update(Msg::Done(Done::Details(Ok(FeedDetails {
        id: 1,
        url: "https://blog.example.com/feed.xml".into(),
        title: "Rust Blog".into(),
        site_link: Some("https://blog.example.com/".into()),
        tags: vec!["tech".into()],
        last_fetch: Some(T0),
        next_fetch: T0 + 7200,
        has_etag: true,
        has_last_modified: false,
        last_error: Some("HTTP 503: the server asked to wait".into()),
        last_error_at: Some(T0 - 60),
        error_count: 1,
        total: 40,
        unread: 3,
        starred: 2,
        full_text: false,
        interval_minutes: Some(120),
        schedule_reason: Some("the server's Retry-After (HTTP 503)".into()),
        hidden: false,
    }))));
    let shown = screen(&app);
    insta::assert_snapshot!("feed_details", shown);
    assert!(shown.contains("40 (3 unread, 2 starred)"));
    assert!(shown.contains("2h (the server's Retry-After (HTTP 503))"));
    assert!(shown.contains("2025-11-25 11:59 HTTP 503"));
    ch(&mut app, 'x');
    assert!(app.popups.is_empty());
}

#[test]
fn delete_asks_first_names_the_counts_and_keeps_starred_by_default() {
    let mut app = two_feeds();
    let commands = select_feed(&mut app, "Rust Blog");
    assert_eq!(
        commands,
        [Command::LoadHeadlines {
            scope: Scope::Feed(1),
            start: 0
        }]
    );
    assert_eq!(ch(&mut app, 'd'), [Command::LoadDetails(1)]);
    app.update(Msg::Done(Done::Details(Ok(FeedDetails {
        id: 1,
        title: "Rust Blog".into(),
        total: 40,
        unread: 3,
        starred: 2,
        ..FeedDetails::default()
    }))));
    let shown = screen(&app);
    assert!(shown.contains("Delete the feed Rust Blog?"), "{shown}");
    assert!(shown.contains("It holds 40 articles (3 unread), 2 of them starred."));
    // A stray key deletes nothing.
    assert!(ch(&mut app, 'x').is_empty());
    assert_eq!(
        ch(&mut app, 'y'),
        [Command::RemoveFeed {
            id: 1,
            keep_starred: true
        }]
    );
    let commands = app.update(Msg::Done(Done::Removed(Ok(Removed {
        deleted_articles: 38,
        kept_starred: 2,
    }))));
    assert!(app.popups.is_empty());
    assert_eq!(app.scope, Scope::All, "the deleted feed is no longer shown");
    assert!(commands.contains(&Command::LoadFeeds));
    assert_eq!(
        app.notice.as_deref(),
        Some("Deleted Rust Blog (38 articles; 2 starred kept in Starred)")
    );

    // D deletes the starred articles too; n keeps the feed.
    let mut app = two_feeds();
    select_feed(&mut app, "World News");
    ch(&mut app, 'd');
    ch(&mut app, 'n');
    assert!(app.popups.is_empty());
    ch(&mut app, 'd');
    assert_eq!(
        ch(&mut app, 'D'),
        [Command::RemoveFeed {
            id: 2,
            keep_starred: false
        }]
    );
}

#[test]
fn import_from_the_reader_shows_the_report() {
    let mut app = two_feeds();
    ch(&mut app, 'I');
    typed(&mut app, "/tmp/urls");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Command::Import {
            path: "/tmp/urls".into()
        }]
    );
    let commands = app.update(Msg::Done(Done::Imported(Ok(
        tidings::session::subscriptions::ImportReport {
            kind: "Newsboat urls",
            added: 3,
            existing: 1,
            skipped: vec![(
                "line 5: exec:~/bin/x".into(),
                "exec: feeds run a command".into(),
            )],
        },
    ))));
    assert!(commands.contains(&Command::LoadFeeds));
    let shown = screen(&app);
    assert!(
        shown.contains("Newsboat urls: imported 3 feeds (1 already subscribed, 1 skipped)"),
        "{shown}"
    );
    assert!(shown.contains("skipped line 5: exec:~/bin/x: exec: feeds run a command"));
}

#[test]
fn failing_feeds_are_marked_and_can_be_listed_alone() {
    let mut broken = feed(2, "World News", &[]);
    broken.last_error = Some("HTTP 404; next try 14:05".into());
    let mut hidden = feed(3, "Hidden", &[]);
    hidden.hidden = true;
    let mut app = loaded(vec![feed(1, "Rust Blog", &["tech"]), broken, hidden]);
    assert!(
        app.entries.iter().all(|e| e.label != "Hidden"),
        "hidden feeds are not listed"
    );
    select_feed(&mut app, "World News");
    let shown = screen(&app);
    assert!(shown.contains("World News!"), "marked\n{shown}");
    assert!(
        shown.contains("World News: HTTP 404; next try 14:05"),
        "{shown}"
    );

    ch(&mut app, 'E');
    let labels: Vec<&str> = app.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["All", "Starred", "World News"]);
    ch(&mut app, 'E');
    assert!(app.entries.iter().any(|e| e.label == "Rust Blog"));
}

#[test]
fn feed_keys_work_in_the_feed_list_only() {
    let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
    assert_eq!(
        keymap::action_for(Mode::Feeds, d),
        Some(keymap::Action::DeleteFeed)
    );
    assert_eq!(keymap::action_for(Mode::Headlines, d), None);
    assert_eq!(keymap::action_for(Mode::Article, d), None);
}

#[test]
fn readme_key_table_is_the_keymap() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = keymap::markdown_table();
    assert!(
        readme.contains(&table),
        "README's key table differs from the keymap; paste this:\n{table}"
    );
}

#[test]
fn changes_made_by_other_processes_are_picked_up() {
    let mut app = two_feeds();
    assert_eq!(app.update(Msg::Tick), [Command::CheckForChanges]);
    assert!(
        app.update(Msg::CacheVersion(7)).is_empty(),
        "the first look only notes it"
    );
    assert!(
        app.update(Msg::CacheVersion(7)).is_empty(),
        "nothing changed"
    );
    let commands = app.update(Msg::CacheVersion(8));
    assert!(commands.contains(&Command::LoadFeeds), "{commands:?}");
    // The shown feed was removed elsewhere: the reader goes back to All.
    select_feed(&mut app, "World News");
    assert_eq!(app.scope, Scope::Feed(2));
    let commands = app.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "Rust Blog", &["tech"])],
        unread_total: 2,
        starred_total: 0,
    });
    assert_eq!(app.scope, Scope::All);
    assert!(commands.contains(&Command::LoadHeadlines {
        scope: Scope::All,
        start: 0
    }));
}
