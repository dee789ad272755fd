//! A one-line text field: the characters typed, a cursor, and the editing keys a terminal user
//! expects (arrows, Home/End, Backspace/Delete, Ctrl-U to clear, Ctrl-W to delete a word).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::ui::theme::Theme;

/// A field holds at most this many characters (a URL or a path is far shorter).
const MAX_CHARS: usize = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    chars: Vec<char>,
    /// Position of the cursor, in characters.
    cursor: usize,
}

impl TextField {
    pub fn new(text: &str) -> TextField {
        let chars: Vec<char> = text
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_CHARS)
            .collect();
        TextField {
            cursor: chars.len(),
            chars,
        }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.iter().all(|c| c.is_whitespace())
    }

    pub fn set(&mut self, text: &str) {
        *self = TextField::new(text);
    }

    /// Applies an editing key; returns whether the key was one (other keys are the popup's).
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => {
                let mut start = self.cursor;
                while start > 0 && self.chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                while start > 0 && !self.chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.chars.len(),
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if self.chars.len() < MAX_CHARS {
                    self.chars.insert(self.cursor, c);
                    self.cursor += 1;
                }
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            KeyCode::Delete if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.chars.len(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// The field as a line `width` columns wide, scrolled so the cursor shows; the cursor is drawn
    /// (in the theme's cursor style) when `focused`.
    pub fn line(&self, width: usize, focused: bool, theme: &Theme) -> Line<'static> {
        let width = width.max(2);
        let start = (self.cursor + 1).saturating_sub(width);
        let visible: Vec<char> = self.chars.iter().skip(start).take(width).copied().collect();
        let at = self.cursor - start;
        let before: String = visible.iter().take(at).collect();
        let under: String = visible.get(at).map_or(" ".into(), |c| c.to_string());
        let after: String = visible.iter().skip(at + 1).collect();
        let cursor_style = if focused { theme.cursor } else { Style::new() };
        Line::from(vec![
            Span::raw(before),
            Span::styled(under, cursor_style),
            Span::raw(after),
        ])
        .style(theme.input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_and_editing() {
        let mut f = TextField::default();
        for c in "hello world".chars() {
            f.on_key(key(KeyCode::Char(c)));
        }
        f.on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(f.text(), "hello ");
        f.on_key(key(KeyCode::Home));
        f.on_key(key(KeyCode::Delete));
        assert_eq!(f.text(), "ello ");
        f.on_key(key(KeyCode::End));
        f.on_key(key(KeyCode::Backspace));
        assert_eq!(f.text(), "ello");
        f.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(f.is_empty());
        assert!(!f.on_key(key(KeyCode::Enter)), "Enter is the popup's");
    }

    #[test]
    fn control_characters_never_enter_a_field() {
        let f = TextField::new("a\u{1b}[2Jb\n");
        assert_eq!(f.text(), "a[2Jb");
    }
}
