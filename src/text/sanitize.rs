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

/// How far an unterminated string sequence (OSC, DCS, …) is skipped at most.
const MAX_SEQUENCE: usize = 4096;

/// The characters of `s` with every terminal escape sequence removed whole, not just its ESC: CSI
/// (`ESC [` or U+009B) up to its final byte; OSC, DCS, SOS, PM and APC (`ESC ] P X ^ _` or their C1
/// forms) up to BEL or ST (`ESC \` or U+009C), or a line break, or [`MAX_SEQUENCE`] characters;
/// other escapes with their intermediate and final bytes. One pass, linear in `s`. Lone controls are
/// left for [`is_removed`].
fn without_sequences(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = s.chars().peekable();
    std::iter::from_fn(move || {
        loop {
            let c = chars.next()?;
            let kind = match c {
                '\u{1b}' => match chars.peek() {
                    Some('[') => {
                        chars.next();
                        'c'
                    }
                    Some(']' | 'P' | 'X' | '^' | '_') => {
                        chars.next();
                        's'
                    }
                    Some(&n) if ('\u{21}'..='\u{7e}').contains(&n) => 'e',
                    _ => return Some(c),
                },
                // C1 forms only when they really are sequences: a stray U+0080..U+009F is more
                // often mis-decoded windows-1252 text than an attack, and must not eat the line.
                '\u{9b}' if c1_csi_follows(chars.clone()) => 'c',
                '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}'
                    if terminated_string_follows(chars.clone()) =>
                {
                    's'
                }
                c => return Some(c),
            };
            match kind {
                // Parameters and intermediates, then one final byte.
                'c' => {
                    while let Some(&n) = chars.peek() {
                        if ('\u{20}'..='\u{3f}').contains(&n) {
                            chars.next();
                        } else {
                            if ('\u{40}'..='\u{7e}').contains(&n) {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                // A string, up to its terminator.
                's' => {
                    let mut n = 0;
                    while let Some(&next) = chars.peek() {
                        if next == '\n' || next == '\r' || n >= MAX_SEQUENCE {
                            break;
                        }
                        chars.next();
                        n += 1;
                        if next == '\u{7}' || next == '\u{9c}' {
                            break;
                        }
                        if next == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                // ESC, intermediates, one final byte.
                _ => {
                    while let Some(&n) = chars.peek() {
                        chars.next();
                        if !('\u{20}'..='\u{2f}').contains(&n) {
                            break;
                        }
                    }
                }
            }
        }
    })
}

/// Whether parameter bytes and a final byte follow (a C1 CSI), without intermediates or spaces.
fn c1_csi_follows(mut rest: impl Iterator<Item = char>) -> bool {
    for c in rest.by_ref().take(64) {
        match c {
            '\u{30}'..='\u{3f}' => continue,
            '\u{40}'..='\u{7e}' => return true,
            _ => return false,
        }
    }
    false
}

/// Whether a string terminator (BEL or ST) comes before a line break, within [`MAX_SEQUENCE`].
fn terminated_string_follows(rest: impl Iterator<Item = char>) -> bool {
    let mut previous_esc = false;
    for c in rest.take(MAX_SEQUENCE) {
        match c {
            '\u{7}' | '\u{9c}' => return true,
            '\\' if previous_esc => return true,
            '\n' | '\r' => return false,
            _ => previous_esc = c == '\u{1b}',
        }
    }
    false
}

/// Characters whose width terminals and ratatui disagree on, made unambiguous: a flag (a pair of
/// regional indicators) becomes its letters in brackets (`[US]`), a lone indicator its letter; skin
/// tone modifiers are dropped (the emoji stays); a zero-width joiner is dropped, so the parts of a
/// joined emoji show side by side. Otherwise stray glyphs stay on screen after a redraw.
fn unambiguous_width(chars: impl Iterator<Item = char>) -> impl Iterator<Item = char> {
    let mut chars = chars.peekable();
    let mut pending: Vec<char> = Vec::new();
    std::iter::from_fn(move || {
        loop {
            if !pending.is_empty() {
                return Some(pending.remove(0));
            }
            let c = chars.next()?;
            match c {
                '\u{1F1E6}'..='\u{1F1FF}' => {
                    let letter =
                        |c: char| char::from_u32('A' as u32 + (c as u32 - 0x1F1E6)).unwrap_or('?');
                    match chars.peek() {
                        Some(&n @ '\u{1F1E6}'..='\u{1F1FF}') => {
                            chars.next();
                            pending.extend([letter(c), letter(n), ']']);
                            return Some('[');
                        }
                        _ => return Some(letter(c)),
                    }
                }
                '\u{1F3FB}'..='\u{1F3FF}' | '\u{200D}' => continue,
                c => return Some(c),
            }
        }
    })
}

/// Multi-line text: removes whole escape sequences, then C0 controls except '\n' and '\t' (and turns "\r\n"/"\r" into "\n"), DEL (0x7F), C1 controls (U+0080..=U+009F), bidi embedding/override/isolate characters (U+202A..=U+202E, U+2066..=U+2069) and also U+200E, U+200F, U+061C; everything else kept.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = unambiguous_width(without_sequences(s)).peekable();
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

/// One-line text (titles, authors, feed names, errors, URLs shown on screen): same removals (whole
/// escape sequences included), and every run of whitespace (incl. newlines/tabs) becomes one space; trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in unambiguous_width(without_sequences(s)) {
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
        assert_eq!(out, "red:RED osc: csi: bell: del: nul:");
    }

    #[test]
    fn escape_sequences_go_whole_with_their_payload() {
        // OSC window title with BEL, OSC 8 hyperlink with ST, OSC 52 clipboard, DCS, APC, C1 forms.
        let s = "Evil \x1b]0;owned title\x07feed \x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\ \
                 \x1b]52;c;SGVsbG8=\x07clip \x1bP+q544e\x1b\\dcs \x1b_apc\x1b\\end \u{9d}0;t\u{9c}c1 \
                 \x1b(Bcharset \x1b[2J\x1b[1;31mcsi\x1b[0m \x1bcreset";
        assert_eq!(
            clean_line(s),
            "Evil feed link clip dcs end c1 charset csi reset"
        );
        // An unterminated string ends at the line break; the next line survives.
        assert_eq!(clean_text("a\x1b]0;title\nnext"), "a\nnext");
        // A lone ESC at the end, and ESC before a non-ASCII character, drop only the ESC.
        assert_eq!(clean_line("a\x1b"), "a");
        assert_eq!(clean_line("a\x1bé"), "aé");
    }

    #[test]
    fn clean_text_strips_all_c0_and_c1_except_newline_and_tab() {
        // Every control alone on its line (a C1 string introducer runs to the line break).
        let all: String = (0u32..=0xA0)
            .filter_map(char::from_u32)
            .flat_map(|c| [c, '\n'])
            .collect();
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
        // Zero-width space is not in the removal list.
        let s = "a\u{200B}b";
        assert_eq!(clean_text(s), s);
    }

    #[test]
    fn emoji_of_disputed_width_become_unambiguous() {
        assert_eq!(clean_line("plain🇵🇸plain 🇺🇸!"), "plain[PS]plain [US]!");
        assert_eq!(clean_line("lone 🇦 letter"), "lone A letter");
        assert_eq!(clean_line("👍🏽 ok"), "👍 ok");
        assert_eq!(clean_text("👩\u{200D}💻"), "👩💻");
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
            "title evil"
        );
        assert_eq!(clean_line("a \x1b b"), "a b");
        assert_eq!(clean_line("a\x1b\u{1}b"), "ab");
        assert_eq!(clean_line("\u{85}x\u{9b}"), "x");
        let out = clean_line("x\x00\x01\x0b\x0c\x7f\u{80}\u{9f}y");
        assert_eq!(out, "xy", "a stray C1 introducer is dropped alone");
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
