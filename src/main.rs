//! The binary's edge: parses the command line, opens the profile, and hands over to one of the two
//! front ends: the reader (no command) or the command line.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use tidings::cli::{self, Cli};
use tidings::config::Config;
use tidings::paths::Profile;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            cli::report(&e);
            ExitCode::FAILURE
        }
    }
}

fn run(args: Cli) -> anyhow::Result<ExitCode> {
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
