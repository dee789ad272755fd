//! Doing things with an article: saving it as a file (`S`) and piping its text to a command (`|`).
//!
//! A saved file's name comes from the article's title, which a feed chose, so it is made safe
//! ([`file_stem`]): no path separators or traversal, no control or bidi characters, not a name
//! Windows reserves, at most [`MAX_FILE_NAME`] bytes; a file is never overwritten (`Title (2).md`
//! instead, created with `create_new`, so not even a race or a symlink can make it replace one).
//!
//! A pipe command is the user's own (typed, or `pipe_command`), split into arguments with shell
//! quoting rules and run as a process, never through a shell. The article only ever reaches it as
//! its standard input: nothing a feed wrote becomes part of a command line.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::SaveFormat;
use crate::session::article::ArticleDoc;
use crate::text::clean_line;

/// The longest file name written, in bytes: far below the 255 of common file systems, with room
/// for a ` (999)` and the extension.
pub const MAX_FILE_NAME: usize = 120;
/// The longest stem: the name without ` (n)`, the extension and a reserved name's `_`.
const MAX_STEM: usize = MAX_FILE_NAME - " (999)".len() - ".txt".len() - "_".len();
/// At most this many files of one name (`Title (999).md`).
const MAX_COPIES: usize = 999;
/// A piped command gets this long before it is stopped.
pub const PIPE_TIMEOUT: Duration = Duration::from_secs(30);
/// Output of a piped command kept (the rest is read and dropped).
const MAX_OUTPUT: usize = 64 * 1024;
/// Characters of a command's first output line shown in the status line.
const SHOWN_CHARS: usize = 200;

/// A file name (without extension) from an article title, made safe by
/// [`crate::text::filename::safe_name`] and cut to [`MAX_STEM`] bytes; an empty result is `article`.
pub fn file_stem(title: &str) -> String {
    Some(crate::text::filename::safe_name(title, MAX_STEM))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "article".into())
}

/// The `n`th name for a stem: `Title.md`, then `Title (2).md`, `Title (3).md` …
pub fn numbered_name(stem: &str, n: usize, extension: &str) -> String {
    crate::text::filename::numbered_name(stem, n, Some(extension))
}

/// The header fields worth keeping in a file (not the pane's hint about which text is shown); the
/// link whole, where the pane may show it cut.
fn fields(doc: &ArticleDoc) -> Vec<(&'static str, String)> {
    doc.fields
        .iter()
        .filter(|(label, _)| *label != "Text")
        .map(|(label, value)| match (*label, &doc.link) {
            ("Link", Some(link)) => (*label, link.clone()),
            _ => (*label, value.clone()),
        })
        .collect()
}

/// The body without the reference list at its end (`[1] https://…`, one line per link), when it is
/// there as the renderer puts it.
fn text_without_references(doc: &ArticleDoc) -> &[String] {
    let n = doc.links.len();
    let Some(start) = doc.body.len().checked_sub(n) else {
        return &doc.body;
    };
    let is_list = doc.body[start..]
        .iter()
        .zip(&doc.links)
        .enumerate()
        .all(|(i, (line, url))| *line == format!("[{}] {url}", i + 1));
    if n == 0 || !is_list {
        return &doc.body;
    }
    let mut end = start;
    while end > 0 && doc.body[end - 1].trim().is_empty() {
        end -= 1;
    }
    &doc.body[..end]
}

/// The article as Markdown: the title as a heading, the fields as a list, the text, and the links
/// as reference definitions, so the text's `[1]` markers link to them.
pub fn markdown(doc: &ArticleDoc) -> String {
    let mut out = format!("# {}\n\n", doc.title);
    for (label, value) in fields(doc) {
        if label == "Link" {
            out.push_str(&format!("- {label}: <{value}>\n"));
        } else {
            out.push_str(&format!("- {label}: {value}\n"));
        }
    }
    out.push('\n');
    for line in text_without_references(doc) {
        out.push_str(line);
        out.push('\n');
    }
    if !doc.links.is_empty() {
        out.push('\n');
        for (i, url) in doc.links.iter().enumerate() {
            out.push_str(&format!("[{}]: <{url}>\n", i + 1));
        }
    }
    out
}

/// The article as plain text, as the pane shows it: title, fields, text, links.
pub fn plain_text(doc: &ArticleDoc) -> String {
    let mut out = format!("{}\n", doc.title);
    for (label, value) in fields(doc) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push('\n');
    for line in &doc.body {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Writes the article into `dir` (made if missing) under a name from its title, never over an
/// existing file. Returns the path written.
pub fn save(dir: &Path, doc: &ArticleDoc, format: SaveFormat) -> std::io::Result<PathBuf> {
    let (text, extension) = match format {
        SaveFormat::Markdown => (markdown(doc), "md"),
        SaveFormat::Text => (plain_text(doc), "txt"),
    };
    std::fs::create_dir_all(dir)?;
    let stem = file_stem(&doc.title);
    for n in 1..=MAX_COPIES {
        let path = dir.join(numbered_name(&stem, n, extension));
        // create_new: fails on any existing name, a symlink included, without a race.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.flush()) {
                    drop(file);
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{MAX_COPIES} files named {stem:?} are there already"),
    ))
}

/// A command as the user wrote it, split into program and arguments with shell quoting rules
/// (`'…'`, `"…"`, `\`), but never given to a shell: no variables, globs, pipes or redirections.
pub fn pipe_argv(command: &str) -> Result<Vec<String>, String> {
    let argv = shell_words::split(command)
        .map_err(|e| format!("cannot read the command {:?}: {e}", clean_line(command)))?;
    if argv.is_empty() {
        return Err("no command given".into());
    }
    Ok(argv)
}

/// The command as messages show it.
fn shown_command(argv: &[String]) -> String {
    let mut shown = clean_line(&argv.join(" "));
    if let Some((cut, _)) = shown.char_indices().nth(60) {
        shown.truncate(cut);
        shown.push('…');
    }
    shown
}

/// The first line with something on it, made safe for the status line and cut.
fn first_line(output: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(output);
    let line = text
        .lines()
        .map(clean_line)
        .find(|l| !l.trim().is_empty())?;
    Some(match line.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    })
}

/// Reads a pipe to its end, keeping the first [`MAX_OUTPUT`] bytes.
fn drain(mut from: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = MAX_OUTPUT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    kept
}

/// Runs `argv` with `input` on its standard input and waits for it (at most `timeout`, then it is
/// killed). `Ok`: it succeeded, with what to show (`wc -l: 12`); `Err`: it could not start, failed
/// or took too long, with why and the first line it wrote.
pub fn run_pipe(argv: &[String], input: &str, timeout: Duration) -> Result<String, String> {
    let shown = shown_command(argv);
    let (program, args) = argv.split_first().ok_or("no command given")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let stdin = child.stdin.take();
    let input = input.to_string();
    // Written and read on threads of their own: a command may read nothing, or write a lot first.
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // A command that stops reading early (head -1) closes the pipe: not an error.
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    let stdout = child
        .stdout
        .take()
        .map(|o| std::thread::spawn(move || drain(o)));
    let stderr = child
        .stderr
        .take()
        .map(|e| std::thread::spawn(move || drain(e)));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for {shown}: {e}")),
        }
    };
    let _ = writer.join();
    let out = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let Some(status) = status else {
        return Err(format!(
            "{shown} took longer than {} s and was stopped",
            timeout.as_secs()
        ));
    };
    if status.success() {
        return Ok(match first_line(&out).or_else(|| first_line(&err)) {
            Some(line) => format!("{shown}: {line}"),
            None => format!("{shown}: done (no output)"),
        });
    }
    let how = match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".to_string(),
    };
    Err(match first_line(&err).or_else(|| first_line(&out)) {
        Some(line) => format!("{shown} {how}: {line}"),
        None => format!("{shown} {how}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_commands_split_like_a_shell_but_run_without_one() {
        assert_eq!(pipe_argv("wc -l").unwrap(), ["wc", "-l"]);
        assert_eq!(
            pipe_argv("grep -c 'a b' \"c d\" e\\ f").unwrap(),
            ["grep", "-c", "a b", "c d", "e f"]
        );
        // Shell syntax is only text here.
        assert_eq!(pipe_argv("cat $HOME; rm").unwrap(), ["cat", "$HOME;", "rm"]);
        assert!(pipe_argv("  ").is_err());
        assert!(pipe_argv("'open").is_err());
    }

    #[test]
    fn a_pipe_shows_the_first_line_or_why_it_failed() {
        let argv = |s: &str| pipe_argv(s).unwrap();
        assert_eq!(
            run_pipe(&argv("wc -l"), "a\nb\nc\n", PIPE_TIMEOUT),
            Ok("wc -l: 3".to_string())
        );
        assert_eq!(
            run_pipe(&argv("true"), "x", PIPE_TIMEOUT),
            Ok("true: done (no output)".to_string())
        );
        let failed = run_pipe(&argv("sh -c 'echo oops >&2; exit 3'"), "", PIPE_TIMEOUT);
        assert_eq!(
            failed,
            Err("sh -c echo oops >&2; exit 3 exited with status 3: oops".to_string())
        );
        let missing = run_pipe(&argv("/nonexistent/tool"), "", PIPE_TIMEOUT).unwrap_err();
        assert!(
            missing.starts_with("cannot run /nonexistent/tool"),
            "{missing}"
        );
        let slow = run_pipe(&argv("sleep 5"), "", Duration::from_millis(200)).unwrap_err();
        assert!(slow.contains("took longer"), "{slow}");
        // Output is made safe for the status line.
        let escape = run_pipe(&argv("printf '\\033[2Jhi\\n'"), "", PIPE_TIMEOUT);
        assert_eq!(escape, Ok("printf \\033[2Jhi\\n: hi".to_string()));
    }
}
