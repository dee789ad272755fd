//! Saved searches and filters in the reader, through `App::update` as a state machine: saved
//! searches listed like feeds with their counts, Ctrl-S and Ctrl-F in the search dialog, `H` to
//! hide articles like the selected one (and to show one again from the Hidden list), `d` on a saved
//! search, `a` on an account that cannot subscribe; and the download queue's keys (`D`, `W`).

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use tidings::store::{FeedSummary, Headline, HeadlineWindow, SavedSearch, Scope};
use tidings::ui::app::{App, Command, Msg, Pane};
use tidings::ui::keymap::Action;

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

fn app_with_searches(hidden: i64) -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 30), FixedOffset::east_opt(0).unwrap());
    app.update(Msg::FeedsLoaded {
        feeds: vec![feed(1, "A", 2)],
        unread_total: 2,
        starred_total: 0,
    });
    app.update(Msg::SearchesLoaded {
        searches: vec![SavedSearch {
            id: 1,
            name: "Rust news".into(),
            query: "rust newer:3d".into(),
            unread: 4,
            total: 9,
        }],
        hidden_total: hidden,
    });
    app
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn labels(app: &App) -> Vec<(String, i64)> {
    app.entries
        .iter()
        .map(|e| (e.label.clone(), e.unread))
        .collect()
}

#[test]
fn saved_searches_and_hidden_are_listed_like_feeds() {
    let app = app_with_searches(3);
    assert_eq!(
        labels(&app),
        [
            ("All".to_string(), 2),
            ("Starred".to_string(), 0),
            ("Hidden".to_string(), 3),
            ("/Rust news".to_string(), 4),
            ("A".to_string(), 2),
        ]
    );
    // Selecting the search lists what it matches.
    let mut app = app;
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    let commands = app.update(Msg::Action(Action::Down));
    assert_eq!(app.scope, Scope::Search("rust newer:3d".into()));
    assert!(
        commands.contains(&Command::LoadHeadlines {
            scope: Scope::Search("rust newer:3d".into()),
            start: 0
        }),
        "{commands:?}"
    );
    // Without hidden articles there is no Hidden entry.
    assert!(
        !labels(&app_with_searches(0))
            .iter()
            .any(|(l, _)| l == "Hidden")
    );
}

#[test]
fn ctrl_s_keeps_a_search_and_ctrl_f_hides_what_it_finds() {
    let mut app = app_with_searches(0);
    app.update(Msg::Action(Action::Search));
    for c in "ferris".chars() {
        app.update(key(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let commands = app.update(key(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(app.popups.is_empty(), "the dialog closes");
    assert!(
        commands.contains(&Command::SaveSearch {
            name: "ferris".into(),
            query: "ferris".into()
        }),
        "{commands:?}"
    );

    app.update(Msg::Action(Action::Search));
    for c in "title:sponsor".chars() {
        app.update(key(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let commands = app.update(key(KeyCode::Char('f'), KeyModifiers::CONTROL));
    assert!(
        commands.contains(&Command::AddFilter {
            query: "title:sponsor".into()
        }),
        "{commands:?}"
    );
}

#[test]
fn h_searches_for_articles_like_the_selected_one_and_shows_one_again_from_hidden() {
    let mut app = app_with_searches(1);
    // Feed A, its headlines.
    for _ in 0..4 {
        app.update(Msg::Action(Action::Down));
    }
    assert_eq!(app.scope, Scope::Feed(1));
    let rows = vec![Headline {
        id: 7,
        feed_id: 1,
        title: "[Sponsor] \"Buy\" things".into(),
        time: T0,
        read: false,
        starred: false,
    }];
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Feed(1),
        window: HeadlineWindow {
            total: 1,
            start: 0,
            rows: rows.clone(),
        },
    });
    app.update(Msg::Action(Action::NextPane));
    assert_eq!(app.focus, Pane::Headlines);
    let commands = app.update(Msg::Action(Action::HideLikeThis));
    let searched = commands.iter().find_map(|c| match c {
        Command::Search { query, .. } => Some(query.clone()),
        _ => None,
    });
    assert_eq!(searched.as_deref(), Some("title:\"[Sponsor] Buy things\""));
    assert_eq!(
        app.popups.len(),
        1,
        "the search dialog shows what would be hidden"
    );

    // In the Hidden list, H shows the article again.
    app.popups.clear();
    app.update(Msg::Action(Action::Back));
    app.update(Msg::Action(Action::Top));
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.scope, Scope::Hidden);
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Hidden,
        window: HeadlineWindow {
            total: 1,
            start: 0,
            rows,
        },
    });
    app.update(Msg::Action(Action::NextPane));
    assert_eq!(
        app.update(Msg::Action(Action::HideLikeThis)),
        [Command::Unhide(7)]
    );
}

#[test]
fn d_on_a_saved_search_removes_it_and_a_fever_account_says_it_cannot_subscribe() {
    let mut app = app_with_searches(0);
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.scope, Scope::Search("rust newer:3d".into()));
    assert_eq!(
        app.update(Msg::Action(Action::DeleteFeed)),
        [Command::RemoveSavedSearch("rust newer:3d".into())]
    );

    app.cannot_subscribe = Some("A Fever server cannot subscribe".into());
    app.update(Msg::Action(Action::AddFeed));
    assert!(app.popups.is_empty(), "no add dialog");
    assert_eq!(
        app.notice.as_deref(),
        Some("A Fever server cannot subscribe")
    );
}

#[test]
fn d_queues_an_enclosure_and_w_shows_the_queue_as_it_moves() {
    use std::path::PathBuf;
    use tidings::session::downloads::{DownloadEvent, DownloadRow};
    use tidings::store::DownloadState;
    use tidings::ui::app::DownloadOp;
    use tidings::ui::popups::Popup;

    let mut app = app_with_searches(0);
    for _ in 0..3 {
        app.update(Msg::Action(Action::Down));
    }
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::Feed(1),
        window: HeadlineWindow {
            total: 1,
            start: 0,
            rows: vec![Headline {
                id: 7,
                feed_id: 1,
                title: "Episode 7".into(),
                time: T0,
                read: false,
                starred: false,
            }],
        },
    });
    app.update(Msg::Action(Action::NextPane));
    assert_eq!(
        app.update(Msg::Action(Action::QueueDownload)),
        [Command::QueueDownload(7)]
    );
    assert_eq!(
        app.update(Msg::Action(Action::ShowDownloads)),
        [Command::LoadDownloads]
    );
    let row = |state| DownloadRow {
        id: 3,
        title: "Episode 7".into(),
        feed: "A".into(),
        file: "ep7.mp3".into(),
        path: Some(PathBuf::from("/tmp/ep7.mp3")),
        state,
        bytes_done: 0,
        bytes_total: Some(1000),
        speed: None,
        error: None,
    };
    app.update(Msg::DownloadsLoaded(vec![row(DownloadState::Downloading)]));
    app.update(Msg::Download(DownloadEvent::Progress {
        id: 3,
        bytes_done: 500,
        bytes_total: Some(1000),
        speed: 100,
    }));
    let Some(Popup::Downloads(view)) = app.popups.last() else {
        panic!("the downloads view is open");
    };
    assert_eq!(view.rows[0].bytes_done, 500);
    assert_eq!(view.rows[0].fraction(), Some(0.5));
    // p pauses what runs; Enter plays only what is done.
    assert_eq!(
        app.update(key(KeyCode::Char('p'), KeyModifiers::NONE)),
        [Command::Download {
            id: 3,
            op: DownloadOp::Pause
        }]
    );
    assert!(
        app.update(key(KeyCode::Enter, KeyModifiers::NONE))
            .is_empty()
    );
    app.update(Msg::DownloadsLoaded(vec![row(DownloadState::Done)]));
    assert_eq!(
        app.update(key(KeyCode::Enter, KeyModifiers::NONE)),
        [Command::Download {
            id: 3,
            op: DownloadOp::Play
        }]
    );
    // A download finishing says so in the status line.
    app.update(Msg::Download(DownloadEvent::Done {
        id: 3,
        title: "Episode 7".into(),
        path: PathBuf::from("/tmp/ep7.mp3"),
        bytes: 1000,
    }));
    assert_eq!(app.notice.as_deref(), Some("Downloaded Episode 7"));
}

#[test]
fn a_sync_shows_syncing_and_its_pages_not_feeds_out_of_zero() {
    use tidings::session::refresh::Update;
    let mut app = app_with_searches(0);
    app.update(Msg::Poller(Update::RefreshStarted { feeds: 0 }));
    let status = |app: &App| {
        app.status_parts()
            .into_iter()
            .map(|(_, t)| t)
            .collect::<String>()
    };
    assert!(status(&app).contains("Syncing…"), "{}", status(&app));
    app.update(Msg::Poller(Update::FeedDone {
        feed_id: 0,
        new_articles: 200,
        not_modified: false,
    }));
    assert!(status(&app).contains("Syncing… page 1"), "{}", status(&app));
    assert!(!status(&app).contains("/0"));
}
