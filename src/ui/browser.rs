//! Opening links: only http(s) URLs, handed to the browser as one argument of a process, never through
//! a shell. `%u` in the browser setting marks where the URL goes (Newsboat's placeholder); without it
//! the URL is the last argument. A terminal browser (w3m, lynx) runs in the foreground with the
//! terminal handed over to it ([`run_in_terminal`]); others start in the background ([`open`]).

use std::process::{Command, Stdio};

/// Why a link was not opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("refusing to open {url:?}: {reason}")]
    Refused { url: String, reason: String },
    #[error("cannot start the browser {program:?}: {error}")]
    Spawn { program: String, error: String },
}

/// URLs shown in messages are cut to this many characters.
const SHOWN_URL_CHARS: usize = 100;

/// Characters a URL may contain that are special inside a double- or single-quoted shell word. The
/// URL is never given to a shell here, but browser launchers are often shell scripts; percent-encoded
/// they mean the same to the web server and nothing to a shell.
const SHELL_QUOTED_SPECIALS: [(char, &str); 5] = [
    ('$', "%24"),
    ('`', "%60"),
    ('"', "%22"),
    ('\\', "%5C"),
    ('\'', "%27"),
];

/// Checks that `url` is an http(s) URL and returns it in normalized form: percent-encoded, so it
/// contains no spaces or control characters, nor `$`, backticks, quotes or backslashes. Anything else
/// is refused with the reason.
pub fn checked_url(url: &str) -> Result<String, OpenError> {
    let refuse = |reason: String| {
        let mut shown = crate::text::clean_line(url);
        if let Some((cut, _)) = shown.char_indices().nth(SHOWN_URL_CHARS) {
            shown.truncate(cut);
            shown.push('…');
        }
        OpenError::Refused { url: shown, reason }
    };
    if url.trim_start().starts_with('-') {
        return Err(refuse(
            "it starts with '-' and would be read as an option; only http(s) links are opened"
                .into(),
        ));
    }
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        refuse(format!(
            "it is not a valid URL ({e}); only http(s) links are opened"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(refuse(format!(
            "{}: links are not opened, only http(s) ones",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(refuse("the link names no host".into()));
    }
    let mut normalized = String::with_capacity(parsed.as_str().len());
    for c in parsed.as_str().chars() {
        match SHELL_QUOTED_SPECIALS
            .iter()
            .find(|(special, _)| *special == c)
        {
            Some((_, encoded)) => normalized.push_str(encoded),
            None => normalized.push(c),
        }
    }
    Ok(normalized)
}

/// The browser command: the configured one, else `$BROWSER` (its first entry when it is a
/// colon-separated list), else `xdg-open`. Split on whitespace into program and leading arguments.
pub fn browser_command(configured: Option<&str>) -> Vec<String> {
    let from_env = std::env::var("BROWSER").ok();
    let chosen = configured
        .map(str::to_string)
        .or_else(|| from_env.and_then(|b| b.split(':').next().map(str::to_string)))
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "xdg-open".to_string());
    chosen.split_whitespace().map(str::to_string).collect()
}

/// Starts the browser on `url` without waiting for it. Its output goes nowhere (it must not scribble
/// over the UI); a thread reaps it when it exits.
pub fn open(url: &str, configured: Option<&str>) -> Result<(), OpenError> {
    let mut child = spawn(url, configured)?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// The program and its arguments for `url`: the browser command split on whitespace, with every
/// `%u` replaced by the checked URL (still inside its one argument), or the URL appended as the last
/// argument when there is no `%u`.
pub fn browser_argv(url: &str, configured: Option<&str>) -> Result<Vec<String>, OpenError> {
    let url = checked_url(url)?;
    let mut command = browser_command(configured);
    if command.is_empty() {
        return Err(OpenError::Spawn {
            program: String::new(),
            error: "no browser configured".into(),
        });
    }
    if command.iter().skip(1).any(|a| a.contains("%u")) {
        for arg in command.iter_mut().skip(1) {
            *arg = arg.replace("%u", &url);
        }
    } else {
        command.push(url);
    }
    Ok(command)
}

fn command_for(url: &str, configured: Option<&str>) -> Result<(Command, String), OpenError> {
    let argv = browser_argv(url, configured)?;
    let (program, args) = argv.split_first().ok_or_else(|| OpenError::Spawn {
        program: String::new(),
        error: "no browser configured".into(),
    })?;
    let mut command = Command::new(program);
    command.args(args);
    Ok((command, program.clone()))
}

/// Starts the browser on the checked `url` (see [`checked_url`]) as one process, and returns it; the
/// caller must wait for it.
fn spawn(url: &str, configured: Option<&str>) -> Result<std::process::Child, OpenError> {
    let (mut command, program) = command_for(url, configured)?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| OpenError::Spawn {
            program,
            error: e.to_string(),
        })
}

/// Runs a terminal browser on `url` in the foreground, with the terminal's stdin and stdout, and
/// waits for it to exit. The reader has given up the terminal before calling this (and takes it
/// back after).
pub fn run_in_terminal(url: &str, configured: Option<&str>) -> Result<(), OpenError> {
    let (mut command, program) = command_for(url, configured)?;
    // A fresh handle on the terminal: the reader's own may be left non-blocking by its event reader,
    // and a browser reading it would see an immediate end of input.
    let stdin = std::fs::File::open("/dev/tty").map_or_else(|_| Stdio::inherit(), Stdio::from);
    let status = command
        .stdin(stdin)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| OpenError::Spawn {
            program: program.clone(),
            error: e.to_string(),
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(OpenError::Spawn {
            program,
            error: format!("it exited with {status}"),
        })
    }
}
