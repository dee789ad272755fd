//! Removal of terminal-hostile characters from untrusted text.
//!
//! Feed content can contain raw control characters (ESC, CSI, OSC
//! sequences, ...) that would be interpreted by the terminal, and bidi
//! control characters that can visually reorder what is shown. Everything
//! that reaches the screen goes through [`clean_text`] or [`clean_line`].

/// Returns true for characters that are always removed: C0 controls other
/// than '\n', '\t' and '\r' (which are handled by the callers), DEL, C1
/// controls, bidi embedding/override/isolate characters and the implicit
/// directional marks (LRM, RLM, ALM).
fn is_removed(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{B}'..='\u{C}'
            | '\u{E}'..='\u{1F}'
            | '\u{7F}'..='\u{9F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{61C}'
    )
}

/// Multi-line text: removes C0 controls except '\n' and '\t' (and turns "\r\n"/"\r" into "\n"), DEL (0x7F), C1 controls (U+0080..=U+009F), bidi embedding/override/isolate characters (U+202A..=U+202E, U+2066..=U+2069) and also U+200E, U+200F, U+061C; everything else kept.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if is_removed(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// One-line text (titles, authors, feed names, errors, URLs shown on screen): same removals, and every run of whitespace (incl. newlines/tabs) becomes one space; trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_removed(c) {
            // Dropped without a trace; whitespace on either side still
            // collapses into a single space.
        } else if c.is_whitespace() {
            // Includes '\r', '\n', '\t', NBSP and other Unicode spaces.
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// The first `max` bytes of `s`, cut back to a character boundary.
pub fn cut_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True if `c` must never survive sanitizing (ignoring '\n' and '\t').
    fn forbidden(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t') || is_removed(c)
    }

    #[test]
    fn clean_text_keeps_ordinary_text() {
        let s = "Hello, wörld! 日本語 🎉\n\tindented";
        assert_eq!(clean_text(s), s);
    }

    #[test]
    fn clean_text_normalises_line_endings() {
        assert_eq!(clean_text("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(clean_text("a\r\r\nb"), "a\n\nb");
        assert_eq!(clean_text("\r"), "\n");
    }

    #[test]
    fn clean_text_strips_escape_sequences() {
        let s = "red:\x1b[31mRED\x1b[0m osc:\x1b]52;c;SGVsbG8=\x07 csi:\u{9b}2J bell:\x07 del:\x7f nul:\0";
        let out = clean_text(s);
        assert!(!out.chars().any(forbidden), "{out:?}");
        assert_eq!(
            out,
            "red:[31mRED[0m osc:]52;c;SGVsbG8= csi:2J bell: del: nul:"
        );
    }

    #[test]
    fn clean_text_strips_all_c0_and_c1_except_newline_and_tab() {
        let all: String = (0u32..=0xA0).filter_map(char::from_u32).collect();
        let out = clean_text(&all);
        assert!(!out.chars().any(forbidden), "{out:?}");
        assert!(out.contains('\n'));
        assert!(out.contains('\t'));
        assert!(out.contains(' '));
        assert!(out.contains('~'));
        assert!(out.contains('\u{A0}'));
    }

    #[test]
    fn clean_text_strips_bidi_controls() {
        let s = "abc\u{202E}fed\u{202C} \u{2066}x\u{2069} \u{200E}\u{200F}\u{61C}\u{202A}\u{202B}\u{202D}\u{2067}\u{2068}end";
        assert_eq!(clean_text(s), "abcfed x end");
    }

    #[test]
    fn clean_text_keeps_other_format_characters() {
        // Zero-width joiner (emoji sequences) and zero-width space are not
        // in the removal list.
        let s = "👩\u{200D}💻 a\u{200B}b";
        assert_eq!(clean_text(s), s);
    }

    #[test]
    fn clean_line_collapses_whitespace() {
        assert_eq!(clean_line("  Hello \n\n\t world\r\n  "), "Hello world");
        assert_eq!(clean_line("a\u{A0}\u{3000} b"), "a b");
        assert_eq!(clean_line("one"), "one");
        assert_eq!(clean_line(""), "");
        assert_eq!(clean_line(" \n\t "), "");
    }

    #[test]
    fn clean_line_strips_controls_and_bidi() {
        assert_eq!(
            clean_line("\x1b[2Jtitle\x07 \u{202E}evil\u{202C}"),
            "[2Jtitle evil"
        );
        assert_eq!(clean_line("a \x1b b"), "a b");
        assert_eq!(clean_line("a\x1bb"), "ab");
        assert_eq!(clean_line("\u{85}x\u{9b}"), "x");
        let out = clean_line("x\x00\x01\x0b\x0c\x7f\u{80}\u{9f}y");
        assert_eq!(out, "xy");
    }

    #[test]
    fn clean_line_never_contains_newlines_or_tabs() {
        let all: String = (0u32..=0x3000).filter_map(char::from_u32).collect();
        let out = clean_line(&all);
        assert!(!out.chars().any(|c| c.is_control() || is_removed(c)));
        assert!(!out.contains("  "));
        assert_eq!(out, out.trim());
    }
}
