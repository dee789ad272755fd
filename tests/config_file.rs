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
