//! Themes: `theme` and `[colors]` in `config.toml` become the styles the reader draws in, and
//! `NO_COLOR` (handed in, never read from the test's environment) draws without colour. The panes are
//! snapshotted with their styles (each row of the screen, then its styled runs), so a colour that
//! changes fails a snapshot. Last, the real binary in a pseudo-terminal: the configured theme and
//! `NO_COLOR` (set in the child's environment) reach the screen.

mod common;

use std::ffi::OsStr;

use chrono::FixedOffset;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use tidings::config::{Colors, Config, RoleColor, ThemeName};
use tidings::session::article::ArticleDoc;
use tidings::session::refresh::Update;
use tidings::store::{Article, FeedSummary, Headline, HeadlineWindow, Scope};
use tidings::ui::app::{App, Command, Msg};
use tidings::ui::keymap::Action;
use tidings::ui::theme::{self, Theme};
use tidings::ui::views;

const T0: i64 = 1_764_072_000; // 2025-11-25 12:00 UTC

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn config(text: &str) -> Config {
    toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

// ---- loading ----

#[test]
fn each_built_in_theme_by_name() {
    assert_eq!(Config::default().theme, ThemeName::Dark);
    assert_eq!(Theme::from_config(&Config::default(), false), Theme::dark());
    assert_eq!(Theme::default(), Theme::dark());
    for (name, theme) in [
        ("dark", Theme::dark()),
        ("light", Theme::light()),
        ("high-contrast", Theme::high_contrast()),
        ("terminal", Theme::terminal()),
    ] {
        let c = config(&format!("theme = \"{name}\"\n"));
        assert_eq!(Theme::from_config(&c, false), theme, "{name}");
    }
    let themes = [
        Theme::dark(),
        Theme::light(),
        Theme::high_contrast(),
        Theme::terminal(),
        Theme::monochrome(),
    ];
    for (i, a) in themes.iter().enumerate() {
        for b in &themes[i + 1..] {
            assert_ne!(a, b, "two themes are the same");
        }
    }
}

/// The dark theme is the colours the reader always had.
#[test]
fn dark_is_the_colours_from_before_themes() {
    let t = Theme::dark();
    assert_eq!(t.focused_border.fg, Some(Color::Cyan));
    assert_eq!(t.border.fg, Some(Color::DarkGray));
    assert_eq!(t.read.fg, Some(Color::Gray));
    assert_eq!(t.starred.fg, Some(Color::Yellow));
    assert_eq!(t.link.fg, Some(Color::Blue));
    assert_eq!(
        (t.progress.fg, t.progress.bg),
        (Some(Color::Black), Some(Color::Cyan))
    );
    assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
}

#[test]
fn every_colour_syntax() {
    let c = config(
        r##"
theme = "light"
[colors]
title = "red"
border = "LightBlue"
focused_border = "light-blue"
popup_border = "dark_grey"
dim = "Dark Gray"
read = "238"
unread = 17
error = "#0A0b0C"
link = "default"
label = "reset"
code = "grey"
starred = { fg = "yellow" }
selected = { fg = "black", bg = "#ffd75f" }
progress = { bg = 25 }
"##,
    );
    let colors = &c.colors;
    let fg = |r: &Option<RoleColor>| r.and_then(|r| r.fg);
    assert_eq!(fg(&colors.title), Some(Color::Red));
    assert_eq!(fg(&colors.border), Some(Color::LightBlue));
    assert_eq!(fg(&colors.focused_border), Some(Color::LightBlue));
    assert_eq!(fg(&colors.popup_border), Some(Color::DarkGray));
    assert_eq!(fg(&colors.dim), Some(Color::DarkGray));
    assert_eq!(fg(&colors.read), Some(Color::Indexed(238)));
    assert_eq!(fg(&colors.unread), Some(Color::Indexed(17)));
    assert_eq!(fg(&colors.error), Some(Color::Rgb(10, 11, 12)));
    assert_eq!(fg(&colors.link), Some(Color::Reset));
    assert_eq!(fg(&colors.label), Some(Color::Reset));
    assert_eq!(fg(&colors.code), Some(Color::Gray));
    assert_eq!(fg(&colors.starred), Some(Color::Yellow));
    assert_eq!(
        colors.selected,
        Some(RoleColor {
            fg: Some(Color::Black),
            bg: Some(Color::Rgb(0xff, 0xd7, 0x5f))
        })
    );
    assert_eq!(
        colors.progress,
        Some(RoleColor {
            fg: None,
            bg: Some(Color::Indexed(25))
        })
    );

    // Over the light theme: the roles named change, the others stay the light theme's.
    let t = Theme::from_config(&c, false);
    let light = Theme::light();
    assert_eq!(t.title.fg, Some(Color::Red));
    assert!(
        t.title.add_modifier.contains(Modifier::BOLD),
        "attributes stay"
    );
    assert_eq!(t.error.fg, Some(Color::Rgb(10, 11, 12)));
    assert_eq!(t.selected.bg, Some(Color::Rgb(0xff, 0xd7, 0x5f)));
    assert_eq!(t.progress.fg, light.progress.fg, "bg only");
    assert_eq!(t.progress.bg, Some(Color::Indexed(25)));
    assert_eq!(t.unread_marker, light.unread_marker);
    assert_eq!(t.key, light.key);

    // A background replaces the reversed highlight (dark's `selected` is reversed).
    let c = config("[colors]\nselected = { bg = \"238\" }\n");
    let t = Theme::from_config(&c, false);
    assert_eq!(t.selected.bg, Some(Color::Indexed(238)));
    assert!(!t.selected.add_modifier.contains(Modifier::REVERSED));
    // A foreground alone keeps it.
    let c = config("[colors]\nselected = \"red\"\n");
    let t = Theme::from_config(&c, false);
    assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
}

#[test]
fn colours_print_back_as_they_read() {
    let c = config(
        "theme = \"high-contrast\"\n[colors]\nborder = \"lightblue\"\nread = 238\nerror = \"#0a0b0c\"\n\
         selected = { fg = \"black\", bg = \"cyan\" }\nprogress = { bg = \"25\" }\n",
    );
    let text = c.to_toml();
    assert!(text.contains("theme = \"high-contrast\""), "{text}");
    assert!(text.contains("border = \"lightblue\""), "{text}");
    assert!(text.contains("read = \"238\""), "{text}");
    assert_eq!(config(&text), c);
    // No `[colors]` table when nothing is overridden.
    assert!(!Config::default().to_toml().contains("colors"));
    assert!(Colors::default().is_empty());
}

/// The commented `[colors]` example of `tidings config --default` works once uncommented.
#[test]
fn the_default_files_colour_example_reads() {
    let mut text = String::new();
    let mut in_colors = false;
    for line in tidings::config::DEFAULT_FILE.lines() {
        in_colors |= line == "# [colors]";
        text.push_str(if in_colors { &line[2..] } else { line });
        text.push('\n');
    }
    let c = config(&text);
    assert_eq!(
        c.colors.unread_marker.and_then(|r| r.fg),
        Some(Color::LightBlue)
    );
    assert_eq!(
        c.colors.selected.and_then(|r| r.bg),
        Some(Color::Rgb(0xff, 0xd7, 0x5f))
    );
}

#[test]
fn parse_color_names_the_expected_forms() {
    use tidings::config::{color_name, parse_color};
    for (text, color) in [
        ("magenta", Color::Magenta),
        ("LIGHTCYAN", Color::LightCyan),
        ("light_green", Color::LightGreen),
        ("lightgray", Color::Gray),
        ("white", Color::White),
        ("0", Color::Indexed(0)),
        ("255", Color::Indexed(255)),
        ("#ffffff", Color::Rgb(255, 255, 255)),
    ] {
        assert_eq!(parse_color(text), Ok(color), "{text}");
        assert_eq!(parse_color(&color_name(color)), Ok(color), "{text}");
    }
    for bad in ["", "256", "-1", "#fff", "#gggggg", "brown", "rgb(1,2,3)"] {
        let err = parse_color(bad).unwrap_err();
        assert!(err.contains("invalid colour"), "{bad}: {err}");
    }
    assert!(parse_color("brown").unwrap_err().contains("#rrggbb"));
}

#[test]
fn no_color_is_any_non_empty_value() {
    assert!(!theme::no_color(None));
    assert!(!theme::no_color(Some(OsStr::new(""))));
    assert!(theme::no_color(Some(OsStr::new("1"))));
    assert!(theme::no_color(Some(OsStr::new("false"))));
    // It wins over the theme and the colours.
    let c = config("theme = \"light\"\n[colors]\nerror = \"red\"\n");
    assert_eq!(
        Theme::from_config(&c, theme::no_color(Some(OsStr::new("1")))),
        Theme::monochrome()
    );
}

// ---- drawing ----

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

fn headline(id: i64, feed_id: i64, title: &str, read: bool, starred: bool) -> Headline {
    Headline {
        id,
        feed_id,
        title: title.into(),
        time: T0 - id * 86_400,
        read,
        starred,
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
            "<p>We are <strong>happy</strong> to <em>announce</em> <code>cargo new</code> and \
             <a href=\"https://example.com/notes\">the notes</a>.</p>"
                .into(),
        ),
        ..Article::default()
    }
}

/// Three panes (120 columns): a tag, a failing feed and a read one; unread, read and starred
/// headlines; the article open with strong, emphasised, code and link text; a refresh under way and
/// an error in the status line.
fn three_panes(theme: Theme) -> App {
    let mut app = App::new(Rect::new(0, 0, 120, 14), utc());
    app.theme = theme;
    let mut failing = feed(2, "World News", &[], 1);
    failing.last_error = Some("HTTP 503".into());
    app.update(Msg::FeedsLoaded {
        feeds: vec![
            feed(1, "Rust Blog", &["tech"], 2),
            failing,
            feed(3, "Quiet Blog", &[], 0),
        ],
        unread_total: 3,
        starred_total: 1,
    });
    let rows = vec![
        headline(1, 1, "Announcing Rust 2.0", false, false),
        headline(2, 2, "Elections held", false, true),
        headline(3, 1, "This week in Rust", true, false),
    ];
    app.update(Msg::HeadlinesLoaded {
        scope: Scope::All,
        window: HeadlineWindow {
            total: rows.len(),
            start: 0,
            rows,
        },
    });
    app.update(Msg::Action(Action::NextPane));
    let commands = app.update(Msg::Action(Action::Open));
    let Some(Command::LoadArticle { id, width, .. }) = commands.first().cloned() else {
        panic!("opening did not load the article: {commands:?}");
    };
    app.update(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
        &article(id),
        width,
        utc(),
        true,
    ))));
    app.update(Msg::Poller(Update::RefreshStarted { feeds: 3 }));
    app.update(Msg::Failed("World News: HTTP 503".into()));
    app
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal
}

/// The screen as text, each row followed (after `·`) by its styled runs, `x-x fg bg MODIFIERS`, for
/// every run of cells drawn in anything but the terminal's defaults.
fn styled_screen(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut text = String::new();
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            text.push_str(cell.symbol());
            let mut parts = Vec::new();
            if cell.fg != Color::Reset {
                parts.push(format!("fg={:?}", cell.fg));
            }
            if cell.bg != Color::Reset {
                parts.push(format!("bg={:?}", cell.bg));
            }
            if !cell.modifier.is_empty() {
                parts.push(format!("{:?}", cell.modifier));
            }
            let style = parts.join(" ");
            match runs.last_mut() {
                Some((_, end, last)) if *last == style => *end = x,
                _ => runs.push((x, x, style)),
            }
        }
        out.push_str(&format!("{:>2} {text}\n", y));
        let runs: Vec<String> = runs
            .into_iter()
            .filter(|(_, _, style)| !style.is_empty())
            .map(|(a, b, style)| format!("{a}-{b} {style}"))
            .collect();
        if !runs.is_empty() {
            out.push_str(&format!("   · {}\n", runs.join("; ")));
        }
    }
    out
}

#[test]
fn snapshot_three_panes_light() {
    let app = three_panes(Theme::from_config(&config("theme = \"light\""), false));
    insta::assert_snapshot!(styled_screen(&draw(&app)));
}

#[test]
fn snapshot_three_panes_high_contrast() {
    let app = three_panes(Theme::from_config(
        &config("theme = \"high-contrast\""),
        false,
    ));
    insta::assert_snapshot!(styled_screen(&draw(&app)));
}

#[test]
fn snapshot_three_panes_no_color() {
    // Whatever the settings say.
    let c = config("theme = \"light\"\n[colors]\nerror = \"red\"\n");
    let app = three_panes(Theme::from_config(
        &c,
        theme::no_color(Some(OsStr::new("1"))),
    ));
    insta::assert_snapshot!(styled_screen(&draw(&app)));
}

/// The dark theme draws the screen exactly as the reader did before themes: the panes of
/// `three_panes` with the colours of then (checked cell by cell on a few landmarks).
#[test]
fn dark_draws_the_colours_of_before() {
    let app = three_panes(Theme::default());
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    // The feed list's border is unfocused (dark grey), the article's focused (cyan).
    assert_eq!(buffer[(0, 0)].fg, Color::DarkGray);
    assert_eq!(buffer[(119, 0)].fg, Color::Cyan);
    let screen = styled_screen(&terminal);
    assert!(screen.contains("fg=Black bg=Cyan"), "{screen}");
    assert!(screen.contains("fg=Red"), "{screen}");
    assert!(screen.contains("fg=Yellow"), "{screen}");
    assert!(screen.contains("fg=Blue UNDERLINED"), "{screen}");
}

/// With NO_COLOR, no cell anywhere has a colour: the panes, and every dialog that can be opened
/// without the runtime (help, add, search, import, the links).
#[test]
fn no_color_draws_no_colour_anywhere() {
    let mono = Theme::from_config(&Config::default(), true);
    let mut app = three_panes(mono);
    let mut screens = vec![draw(&app)];
    for action in [
        Action::Help,
        Action::AddFeed,
        Action::Search,
        Action::Import,
        Action::LinkList,
    ] {
        app.popups.clear();
        app.update(Msg::Action(action));
        screens.push(draw(&app));
    }
    for terminal in &screens {
        for cell in terminal.backend().buffer().content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "{}",
                styled_screen(terminal)
            );
        }
    }
}

// ---- the real reader ----

/// The reader on a fresh profile with `config` (its welcome feed is enough to draw every pane), in a
/// terminal with `env`; returns the screen once the welcome feed is listed.
fn reader_screen(config: &str, env: &[(&str, &str)]) -> vt100::Screen {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let mut tui = common::pty::Tui::spawn_with_env(home.path(), 120, 30, env);
    tui.wait_text("Welcome to tidings");
    tui.wait_focus("Feeds");
    let screen = tui.with_screen(|s| s.clone());
    tui.send(b"q");
    tui.expect_clean_exit();
    screen
}

#[test]
fn the_reader_draws_in_the_configured_theme() {
    // An empty NO_COLOR asks for nothing.
    let screen = reader_screen(
        "theme = \"light\"\n[colors]\nborder = \"#102030\"\n",
        &[("NO_COLOR", "")],
    );
    // The feed list has the focus: its corner in light's blue; the headlines' border as configured.
    let focused = screen.cell(0, 0).unwrap();
    assert_eq!(
        focused.fgcolor(),
        vt100::Color::Idx(25),
        "{}",
        common::pty::dump(&screen)
    );
    let headlines = common::pty::pane(&screen, "All").expect("the headline pane");
    let border = screen.cell(0, headlines.left).unwrap();
    assert_eq!(border.fgcolor(), vt100::Color::Rgb(0x10, 0x20, 0x30));
}

#[test]
fn no_color_in_the_environment_draws_without_colour() {
    let screen = reader_screen("theme = \"light\"\n", &[("NO_COLOR", "1")]);
    let (rows, cols) = screen.size();
    let mut bold = 0;
    for row in 0..rows {
        for col in 0..cols {
            let cell = screen.cell(row, col).unwrap();
            assert_eq!(
                (cell.fgcolor(), cell.bgcolor()),
                (vt100::Color::Default, vt100::Color::Default),
                "row {row}, column {col}:\n{}",
                common::pty::dump(&screen)
            );
            bold += usize::from(cell.bold());
        }
    }
    assert!(bold > 0, "the monochrome theme still marks with bold");
}
