//! Safe file names from text a feed chose (an article's title, an episode's name): for saving an
//! article (`S`) and for downloads. One sanitizer for both, so a fix reaches both.

use super::{clean_line, cut_at_char_boundary};

/// Names Windows reserves for devices, with any extension.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Invisible characters that reorder or hide text (bidi controls, zero-width ones, the BOM).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
    )
}

/// A safe file or folder name from text a feed chose: escape sequences go, path separators and
/// the characters file systems refuse become spaces, control and invisible characters go, runs of
/// spaces become one, leading dots and dashes go (no hidden file, no `.`/`..`, nothing read as an
/// option), trailing dots and spaces too; at most `max` bytes, cut on a character boundary; a
/// name Windows reserves (`CON`, `nul.txt`) gets a `_`. Empty when nothing is left.
pub fn safe_name(text: &str, max: usize) -> String {
    let text = clean_line(cut_at_char_boundary(text, 64 * 1024));
    let mut out = String::new();
    let mut pending_space = false;
    for c in text.chars() {
        let c = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => ' ',
            c if c.is_whitespace() => ' ',
            c if c.is_control() || is_invisible(c) => continue,
            c => c,
        };
        if c == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if out.is_empty() && matches!(c, '.' | '-') {
            continue;
        }
        let space = if pending_space { 1 } else { 0 };
        if out.len() + space + c.len_utf8() > max {
            break;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    let trimmed = out.trim_end_matches(['.', ' ']).len();
    out.truncate(trimmed);
    let device = out.split('.').next().unwrap_or("").trim_end();
    if !device.is_empty() && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(device)) {
        out.insert(device.len(), '_');
    }
    out
}

/// The `n`th name for a stem: `Title.mp3`, then `Title (2).mp3`, `Title (3).mp3` …
pub fn numbered_name(stem: &str, n: usize, extension: Option<&str>) -> String {
    let numbered = if n <= 1 {
        stem.to_string()
    } else {
        format!("{stem} ({n})")
    };
    match extension {
        Some(ext) => format!("{numbered}.{ext}"),
        None => numbered,
    }
}
