//! Shell completions (`tidings completions SHELL`) and the man page (`tidings man`), both made from
//! the command line's own definition ([`Cli`]), so they always name the commands and options there
//! are. Neither needs a profile: `main` runs them before opening one, so packagers can make them at
//! build time.
//!
//! The man page is one page, `tidings(1)`: clap_mangen's name, synopsis, description and options of
//! the program, then a COMMANDS section with each command's synopsis, description and options
//! (clap_mangen alone would point to a `tidings-add(1)` page per command), then FILES, ENVIRONMENT
//! and VERSION.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CliCommand};

/// Runs `tidings completions` and `tidings man`; `None` for every other command.
pub fn run(command: &CliCommand) -> anyhow::Result<Option<ExitCode>> {
    let text = match command {
        CliCommand::Completions { shell } => completions(*shell),
        CliCommand::Man => man_page()?,
        _ => return Ok(None),
    };
    // Written through a fallible write: a closed pipe is an error `main` ends quietly on.
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Some(ExitCode::SUCCESS))
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tidings", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The man page, in roff.
pub fn man_page() -> io::Result<String> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page.extend_from_slice(format!(".SS \"tidings {}\"\n", sub.get_name()).as_bytes());
        // `--home` and `--help` were told once, under OPTIONS.
        let sub = sub.clone().mut_args(|a| {
            if a.is_global_set() || a.get_id() == "help" {
                a.hide(true)
            } else {
                a
            }
        });
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut part)?;
        }
        // The sections of a command's own page become paragraphs of this one.
        for line in String::from_utf8_lossy(&part).lines() {
            if line.starts_with(".SH ") {
                page.extend_from_slice(b".PP\n");
            } else {
                page.extend_from_slice(line.as_bytes());
                page.push(b'\n');
            }
        }
    }
    page.extend_from_slice(FILES_AND_ENVIRONMENT.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// What clap does not know: where things live and the environment variables read.
const FILES_AND_ENVIRONMENT: &str = r#".SH FILES
.TP
\fI~/.config/tidings/config.toml\fR
The settings (optional): intervals, limits, the browser, the theme and colours.
\fBtidings config \-\-default\fR prints a commented file to start from.
.TP
\fI~/.local/share/tidings/cache.db\fR
The offline cache (SQLite), with a daily backup beside it (\fIcache.db.backup\-*\fR).
.TP
\fI~/.local/share/tidings/tidings.log\fR
The log: failed feeds and what the reader did at start.
.PP
With \fB\-\-home\fR \fIDIR\fR all of them are in \fIDIR\fR.
.SH ENVIRONMENT
.TP
\fBTIDINGS_HOME\fR
The profile directory, as \fB\-\-home\fR.
.TP
\fBTIDINGS_LOG\fR
The log filter; \fBdebug\fR adds each request and why a feed was skipped.
.TP
\fBBROWSER\fR
The program that opens links when \fBbrowser\fR is not set in \fIconfig.toml\fR.
.TP
\fBNO_COLOR\fR
Set and not empty: the reader draws without colour (bold, reverse, underline and dim only),
whatever the theme says.
"#;
