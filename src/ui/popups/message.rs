//! A message in full: the status line's error when it is clicked (the line cuts it at the screen's
//! edge). Any key closes it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::Line;

use super::{Context, Outcome, dialog, error_line, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    /// One line, already cleaned of control characters; the dialog wraps it.
    pub text: String,
}

impl Message {
    pub fn new(title: &str, text: &str) -> Message {
        Message {
            title: title.to_string(),
            text: crate::text::clean_line(text),
        }
    }

    pub fn on_key(&mut self, _key: KeyEvent) -> Outcome {
        Outcome::close()
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let lines: Vec<Line<'_>> = vec![
            error_line(cx.theme, &self.text),
            Line::raw(""),
            hint(cx.theme, "any key closes"),
        ];
        dialog(frame, cx.theme, &self.title, lines, 80);
    }
}
