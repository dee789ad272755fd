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
