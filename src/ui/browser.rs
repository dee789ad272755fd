//! Opening links: only http(s) URLs, handed to the browser as one argument of a process, never through
//! a shell.

use std::process::{Command, Stdio};

/// Why a link was not opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("refusing to open {0:?}: only http(s) links are opened")]
    NotHttp(String),
    #[error("cannot start the browser {program:?}: {error}")]
    Spawn { program: String, error: String },
}

/// Checks that `url` is an http(s) URL and returns it in normalized form (percent-encoded, so it
/// contains no spaces or control characters).
pub fn checked_url(url: &str) -> Result<String, OpenError> {
    let shown = crate::text::clean_line(url);
    if url.trim_start().starts_with('-') {
        return Err(OpenError::NotHttp(shown));
    }
    match url::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(u.to_string())
        }
        _ => Err(OpenError::NotHttp(shown)),
    }
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
    let url = checked_url(url)?;
    let command = browser_command(configured);
    let Some((program, args)) = command.split_first() else {
        return Err(OpenError::Spawn {
            program: String::new(),
            error: "no browser configured".into(),
        });
    };
    let mut child = Command::new(program)
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| OpenError::Spawn {
            program: program.clone(),
            error: e.to_string(),
        })?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
