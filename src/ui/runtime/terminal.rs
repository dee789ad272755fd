//! The terminal itself: mouse reporting on and off, a full redraw, what takes the terminal while the
//! reader steps aside, and the clipboard (OSC 52).

/// Mouse reporting (`mouse = true`): on from the start, off whenever the reader hands the terminal
/// back: before a terminal browser runs, at the end, on an error (when dropped) and on a panic (a
/// panic hook, run before ratatui's own restores the terminal).
pub(super) struct MouseCapture {
    on: bool,
}

impl MouseCapture {
    pub(super) fn start(on: bool) -> MouseCapture {
        if on {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let _ =
                    crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
                previous(info);
            }));
        }
        let capture = MouseCapture { on };
        capture.resume();
        capture
    }

    /// Reporting off (the terminal is handed over or given back).
    pub(super) fn pause(&self) {
        if self.on {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
    }

    /// Reporting on again.
    pub(super) fn resume(&self) {
        if self.on {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
        }
    }
}

impl Drop for MouseCapture {
    fn drop(&mut self) {
        self.pause();
    }
}

/// Clears the screen and forgets what ratatui believes is on it, so the next frame is drawn whole.
/// (`Terminal::clear` would ask the terminal for the cursor position, an answer the key reader may
/// take first.)
pub(super) fn full_redraw(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    crossterm::execute!(
        terminal.backend_mut(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    terminal.current_buffer_mut().reset();
    terminal.swap_buffers();
    Ok(())
}

/// What takes the terminal while the reader steps aside.
pub(super) enum TerminalJob {
    Browse(String),
    Page(String),
}

/// Puts `text` on the clipboard with the terminal's OSC 52 sequence (works over ssh and in tmux with
/// `set-clipboard on`). The text is a link already cleaned of control characters, and base64 leaves
/// nothing in it that the terminal could read as a command.
pub(super) fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let clean = crate::text::clean_line(text);
    let sequence = format!("\x1b]52;c;{}\x07", base64(clean.as_bytes()));
    let mut out = std::io::stdout();
    let _ = out
        .write_all(sequence.as_bytes())
        .and_then(|()| out.flush());
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(super::base64(b"Man"), "TWFu");
        assert_eq!(super::base64(b"Ma"), "TWE=");
        assert_eq!(super::base64(b"M"), "TQ==");
        assert_eq!(super::base64(b""), "");
        assert_eq!(
            super::base64(b"https://example.com/a?b=c"),
            "aHR0cHM6Ly9leGFtcGxlLmNvbS9hP2I9Yw=="
        );
    }
}
