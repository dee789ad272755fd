//! `config.toml`: the commented default file is the defaults, the effective configuration can be
//! printed, and a mistake names the file, the line and column, and what was expected.

mod common;

use tidings::config::{Config, DEFAULT_FILE};

#[test]
fn the_commented_default_file_is_the_defaults() {
    let parsed: Config = toml::from_str(DEFAULT_FILE).expect("the default file parses");
    assert_eq!(parsed, Config::default());
    let home = tempfile::tempdir().unwrap();
    assert_eq!(
        common::cli::tidings(home.path(), &["config", "--default"]),
        DEFAULT_FILE
    );
}

#[test]
fn the_effective_configuration_is_printed() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "refresh_interval_minutes = 15\n",
    )
    .unwrap();
    let shown = common::cli::tidings(home.path(), &["config"]);
    let parsed: Config = toml::from_str(&shown).unwrap();
    assert_eq!(parsed.refresh_interval_minutes, 15);
    assert_eq!(parsed.max_per_host, Config::default().max_per_host);
}

#[test]
fn a_mistake_names_the_file_line_column_and_what_was_expected() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("config.toml");
    std::fs::write(&file, "refresh_interval_minutes = 30\ncolour = \"red\"\n").unwrap();
    let out = common::cli::tidings_output(home.path(), &["list", "feeds"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("line 2, column 1"), "{err}");
    assert!(
        err.contains("unknown field `colour`") && err.contains("expected one of"),
        "{err}"
    );
    std::fs::write(&file, "max_per_host = \"two\"\n").unwrap();
    let out = common::cli::tidings_output(home.path(), &["list", "feeds"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1, column 16") && err.contains("expected usize"),
        "{err}"
    );
}

/// `theme` and `[colors]` mistakes stop tidings like any other: the file, the line and column of the
/// value, and what was expected (the themes, the roles, the forms of a colour).
#[test]
fn a_bad_theme_role_or_colour_names_the_line_column_and_what_was_expected() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("config.toml");
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "max_per_host = 2\ntheme = \"solarized\"\n",
            "line 2, column 9",
            &[
                "unknown variant `solarized`",
                "`dark`, `light`, `high-contrast`, `terminal`",
            ],
        ),
        (
            "[colors]\nunread = \"red\"\nborders = \"red\"\n",
            "line 3, column 1",
            &[
                "unknown field `borders`",
                "expected one of",
                "`focused_border`",
            ],
        ),
        (
            "[colors]\nborder = \"reddish\"\n",
            "line 2, column 10",
            &["invalid colour `reddish`", "lightblue", "0-255", "#rrggbb"],
        ),
        (
            "[colors]\nborder = 256\n",
            "line 2, column 10",
            &["invalid colour 256", "0-255"],
        ),
        (
            "[colors]\n\nborder = \"#12345\"\n",
            "line 3, column 10",
            &["invalid colour `#12345`", "#rrggbb"],
        ),
        (
            "[colors]\nborder = true\n",
            "line 2, column 10",
            &["invalid type: boolean `true`", "a 256-colour index"],
        ),
        (
            "[colors]\nselected = { fg = \"black\", bg = \"nope\" }\n",
            "line 2, column 33",
            &["invalid colour `nope`"],
        ),
    ];
    for (text, place, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let out = common::cli::tidings_output(home.path(), &["config"]);
        assert!(!out.status.success(), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains(place), "{text}: {err}");
        for e in expected {
            assert!(err.contains(e), "{text}: no {e:?} in {err}");
        }
    }
}

#[test]
fn theme_and_colours_are_shown_in_the_configuration_in_effect() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "theme = \"terminal\"\n[colors]\nstarred = 214\nselected = { bg = \"#303030\" }\n",
    )
    .unwrap();
    let shown = common::cli::tidings(home.path(), &["config"]);
    assert!(shown.contains("theme = \"terminal\""), "{shown}");
    assert!(shown.contains("starred = \"214\""), "{shown}");
    let parsed: Config = toml::from_str(&shown).unwrap();
    assert_eq!(
        parsed.colors.selected.and_then(|c| c.bg),
        Some(ratatui::style::Color::Rgb(0x30, 0x30, 0x30))
    );
}

/// `[keys]` mistakes stop tidings like any other: a key that cannot be read (at the key), an
/// unknown action or mode, and two actions for one key in one table (at the value).
#[test]
fn a_bad_key_binding_names_the_line_column_and_what_was_expected() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("config.toml");
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "theme = \"dark\"\n[keys.feeds]\n\"ctrl-\" = \"quit\"\n",
            "line 3, column 1",
            &["invalid key `ctrl-`", "f1 … f24", "`g g`"],
        ),
        (
            "[keys.headlines]\nj = \"down\"\nx = \"launch\"\n",
            "line 3, column 5",
            &["unknown action `launch`", "`none`", "`page_down`"],
        ),
        (
            "[keys.article]\n\"ctrl-d\" = \"page_down\"\n\"C-d\" = \"quit\"\n",
            "column ",
            &["conflicting bindings", "`ctrl-d`", "`page_down`", "`quit`"],
        ),
        (
            "[keys.feeds]\ng = \"top\"\n\"g g\" = \"top\"\n",
            "line ",
            &["conflicting bindings", "chord `g g` could never be typed"],
        ),
        (
            "[keys.reader]\nj = \"down\"\n",
            "line 1, column 7",
            &["unknown field `reader`", "`feeds`", "`popup`"],
        ),
        (
            "[keys.popup]\nq = \"back\"\n",
            "line 2, column 1",
            &["types a character"],
        ),
    ];
    for (text, place, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let out = common::cli::tidings_output(home.path(), &["config"]);
        assert!(!out.status.success(), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains(place), "{text}: {err}");
        for e in expected {
            assert!(err.contains(e), "{text}: no {e:?} in {err}");
        }
    }
}

#[test]
fn key_bindings_are_shown_in_the_configuration_in_effect() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[keys.all]\nx = \"toggle-read\"\n[keys.headlines]\n\"g g\" = \"top\"\n\"Ctrl-F\" = \"page_down\"\nm = \"none\"\n",
    )
    .unwrap();
    let shown = common::cli::tidings(home.path(), &["config"]);
    assert!(shown.contains("[keys.headlines]"), "{shown}");
    assert!(shown.contains("\"g g\" = \"top\""), "{shown}");
    assert!(shown.contains("ctrl-f = \"page_down\""), "{shown}");
    assert!(shown.contains("m = \"none\""), "{shown}");
    assert!(shown.contains("x = \"toggle_read\""), "{shown}");
    let parsed: Config = toml::from_str(&shown).unwrap();
    assert_eq!(parsed.keys.headlines.bindings.len(), 3);
}

/// The default file's comment lists every action a key can be bound to.
#[test]
fn the_default_file_names_every_action() {
    for action in tidings::ui::keymap::Action::bindable() {
        let name = action.name().unwrap();
        assert!(
            DEFAULT_FILE.contains(&format!(" {name},"))
                || DEFAULT_FILE.contains(&format!(" {name}."))
                || DEFAULT_FILE.contains(&format!(" {name}\n")),
            "{name} is not in DEFAULT_FILE"
        );
    }
}

/// The commented `[keys]` example of `tidings config --default` works once uncommented.
#[test]
fn the_default_files_key_example_reads() {
    use tidings::ui::keymap::{Action, Keymap, Mode};
    let mut text = String::new();
    let mut in_keys = false;
    for line in DEFAULT_FILE.lines() {
        in_keys |= line == "# [keys.all]";
        in_keys &= !line.is_empty();
        text.push_str(if in_keys { &line[2..] } else { line });
        text.push('\n');
    }
    let parsed: Config = toml::from_str(&text).expect("the uncommented example parses");
    let keymap = Keymap::new(&parsed.keys);
    let press = |c| crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
    assert_eq!(
        keymap.action(Mode::Article, &press('x')),
        Some(Action::ToggleRead)
    );
    assert_eq!(keymap.action(Mode::Feeds, &press('m')), None);
    assert_eq!(
        keymap.action(Mode::Headlines, &press('g')),
        None,
        "g begins the chord g g"
    );
}

#[test]
fn save_and_pipe_settings_read_and_print_back() {
    use tidings::config::SaveFormat;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "mouse = false\nsave_dir = \"~/notes/saved\"\nsave_format = \"text\"\npipe_command = \"wc -w\"\n",
    )
    .unwrap();
    let shown = common::cli::tidings(home.path(), &["config"]);
    let parsed: Config = toml::from_str(&shown).unwrap();
    assert!(!parsed.mouse);
    assert_eq!(parsed.save_format, SaveFormat::Text);
    assert_eq!(parsed.pipe_command.as_deref(), Some("wc -w"));
    let folder = parsed.save_folder();
    assert!(
        folder.is_absolute() && folder.ends_with("notes/saved"),
        "{}",
        folder.display()
    );
    let absolute = Config {
        save_dir: Some("/srv/articles".into()),
        ..Config::default()
    };
    assert_eq!(
        absolute.save_folder(),
        std::path::PathBuf::from("/srv/articles")
    );
    // Unset: a download folder, never the current directory's relative path.
    assert!(Config::default().save_folder().is_absolute());
    std::fs::write(home.path().join("config.toml"), "save_format = \"pdf\"\n").unwrap();
    let out = common::cli::tidings_output(home.path(), &["config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1, column 15") && err.contains("expected `markdown` or `text`"),
        "{err}"
    );
}

#[test]
fn macros_name_one_key_and_known_actions() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[macros]\nr = [\"toggle_read\", \"next_unread\"]\n",
    )
    .unwrap();
    let shown = common::cli::tidings(home.path(), &["config"]);
    assert!(
        shown.contains("[macros]") && shown.contains("toggle_read"),
        "{shown}"
    );
    for (bad, says) in [
        (
            "[macros]\nr = [\"toggle_read\", \"fly\"]\n",
            "no action \"fly\"",
        ),
        ("[macros]\nrr = [\"toggle_read\"]\n", "a macro is one key"),
    ] {
        std::fs::write(home.path().join("config.toml"), bad).unwrap();
        let out = common::cli::tidings_output(home.path(), &["list", "feeds"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
}
