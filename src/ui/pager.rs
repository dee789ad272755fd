//! `E`: the open article's text in the user's pager, with the reader stepped aside meanwhile (the
//! runtime restores the terminal around it, as for a terminal browser).
//!
//! The program is the user's: `$PAGER` (the text on its standard input), else `$EDITOR` (the text
//! in a private temporary file, whose name is ours), else `less`. Each is split into arguments like
//! a shell would, but run without one; nothing from the feed becomes part of a command line.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs the pager (or editor) on `text` and waits for it.
pub fn page(text: &str) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (program, via_file) = match (env("PAGER"), env("EDITOR")) {
        (Some(pager), _) => (pager, false),
        (None, Some(editor)) => (editor, true),
        (None, None) => ("less".to_string(), false),
    };
    let argv = shell_words::split(&program).map_err(|e| format!("cannot read {program:?}: {e}"))?;
    let (name, args) = argv
        .split_first()
        .ok_or_else(|| "the pager setting is empty".to_string())?;
    // A fresh handle on the terminal, as for a terminal browser.
    let tty = || std::fs::File::open("/dev/tty").map_or_else(|_| Stdio::inherit(), Stdio::from);
    let mut command = Command::new(name);
    command
        .args(args)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let status = if via_file {
        let path = private_file(text).map_err(|e| format!("cannot write the article: {e}"))?;
        let status = command.arg(&path).stdin(tty()).status();
        let _ = std::fs::remove_file(&path);
        status.map_err(|e| format!("cannot run {name}: {e}"))?
    } else {
        let mut child = command
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {name}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A pager that quits early closes its input: not an error.
            let _ = stdin.write_all(text.as_bytes());
        }
        child
            .wait()
            .map_err(|e| format!("cannot run {name}: {e}"))?
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} exited with {status}"))
    }
}

/// A new file only the user can read, in the temporary folder, holding `text`.
fn private_file(text: &str) -> std::io::Result<std::path::PathBuf> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!(
        "tidings-article-{}-{stamp}.txt",
        std::process::id()
    ));
    let mut file = options.open(&path)?;
    file.write_all(text.as_bytes())?;
    Ok(path)
}
