//! `tidings completions SHELL`, `tidings man` and `tidings --version`, run as the real binary: the
//! scripts are valid and name the commands, the man page is roff that `man` renders without a
//! warning, and none of them needs a profile (or a valid config file).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use clap::CommandFactory;
use tidings::cli::Cli;

/// The commands `tidings --help` lists (from the definition itself, so a new one is checked too).
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect()
}

/// `tidings ARGS` with a profile whose config file is broken: these commands must not read it.
fn run(args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), "not = [valid\n").unwrap();
    common::cli::tidings(home.path(), args)
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Feeds `input` to `program args` and returns its status, stdout and stderr.
fn pipe(program: &str, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_prints_the_version() {
    let out = run(&["--version"]);
    assert_eq!(out, format!("tidings {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn bash_completions_are_valid_bash() {
    let script = run(&["completions", "bash"]);
    let (ok, _, err) = pipe("bash", &["-n"], &script);
    assert!(ok, "bash -n: {err}");
    assert!(script.contains("complete -F _tidings"), "{script}");
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    let commands = subcommands();
    assert!(commands.contains(&"completions".to_string()));
    assert!(commands.contains(&"man".to_string()));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = run(&["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}");
        for command in &commands {
            assert!(script.contains(command.as_str()), "{shell}: no {command}");
        }
    }
    // The same scripts as the library makes.
    assert_eq!(
        run(&["completions", "fish"]),
        tidings::shell::completions(clap_complete::Shell::Fish)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let out = common::cli::tidings_output(home.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let page = run(&["man"]);
    let title = page
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap();
    assert!(title.starts_with(".TH tidings 1"), "{title}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SH FILES",
        ".SH ENVIRONMENT",
    ] {
        assert!(page.contains(section), "no {section}");
    }
    for command in subcommands() {
        assert!(
            page.contains(&format!(".SS \"tidings {command}\"")),
            "no section for {command}"
        );
    }
    assert!(page.contains("NO_COLOR"));
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
}

/// Rendered by `man` (groff) with warnings on, the page gives none. Where `man` is missing, `mandoc
/// -T lint` does the same check; where neither is, the test says it was skipped.
#[test]
fn man_renders_the_page_without_warnings() {
    let page = run(&["man"]);
    if have("man") && have("groff") {
        let (ok, text, err) = pipe("man", &["--warnings", "-E", "UTF-8", "-l", "-"], &page);
        assert!(ok, "man failed: {err}");
        assert!(err.trim().is_empty(), "man warned:\n{err}");
        assert!(text.contains("COMMANDS"), "{text}");
        assert!(text.contains("tidings completions"), "{text}");
    } else if have("mandoc") {
        let (ok, text, err) = pipe("mandoc", &["-T", "lint", "-W", "warning"], &page);
        assert!(ok && text.trim().is_empty(), "mandoc -T lint:\n{text}{err}");
    } else {
        println!("skipped: man not installed");
    }
}
