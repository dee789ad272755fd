//! The binary's edge: parses the command line, opens the profile, and hands over to one of the two
//! front ends: the reader (no command) or the command line.
//!
//! Nothing from the command line reaches the terminal raw: clap's messages (which quote the
//! arguments) are cleaned of escape sequences and control characters before they are printed. A
//! command whose stdout was closed (`tidings export | head`) ends quietly with success.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use tidings::cli::{self, Cli};
use tidings::config::Config;
use tidings::paths::Profile;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    match run(args) {
        Ok(code) => code,
        // The reader of our output went away: nothing is wrong, and there is nobody to tell.
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            cli::report(&e);
            ExitCode::FAILURE
        }
    }
}

/// Prints clap's message (an error, or the help or version asked for) without the escape sequences
/// an argument may carry, and gives clap's exit code.
fn usage_error(e: &clap::Error) -> ExitCode {
    let text = tidings::text::clean_text(&e.render().to_string());
    // Nowhere left to write to is no reason to fail differently.
    let _ = if e.use_stderr() {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    };
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

fn run(args: Cli) -> anyhow::Result<ExitCode> {
    // Completions and the man page need no profile (packagers make them at build time).
    if let Some(command) = &args.command
        && let Some(code) = tidings::shell::run(command)?
    {
        return Ok(code);
    }
    let profile = Profile::resolve(args.home.as_deref())?;
    profile
        .ensure_dirs()
        .with_context(|| format!("cannot create {}", profile.data_dir.display()))?;
    let config = Config::load(&profile.config_file())?;
    let _log = tidings::logging::init(&profile);
    match args.command {
        None => {
            if !std::io::stdout().is_terminal() {
                bail!("the reader needs a terminal; see `tidings --help` for the commands");
            }
            let session = tidings::session::Session::open(&profile, config)?;
            tidings::ui::run(&profile, session)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(command) => cli::run(&profile, config, command),
    }
}
