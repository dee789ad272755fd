//! `|`: asks for the command to pipe the open article to. What is typed is split into arguments
//! like a shell would and run without one; the article's text is its standard input.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::Line;

use super::{Context, Outcome, TextField, dialog, error_line, hint};
use crate::ui::app::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipe {
    pub command: TextField,
    pub error: Option<String>,
}

impl Pipe {
    /// The field starts with the command used last.
    pub fn new(last: &str) -> Pipe {
        Pipe {
            command: TextField::new(last),
            error: None,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => Outcome::close(),
            KeyCode::Enter => match crate::ui::export::pipe_argv(&self.command.text()) {
                Ok(_) => Outcome {
                    close: true,
                    commands: vec![Command::PipeTo(self.command.text().trim().to_string())],
                    ..Outcome::default()
                },
                Err(e) => {
                    self.error = Some(e);
                    Outcome::stay()
                }
            },
            _ => {
                self.command.on_key(key);
                Outcome::stay()
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let mut lines: Vec<Line<'_>> = vec![
            Line::from("Command (its input is the article's text; no shell):"),
            self.command.line(60, true, theme),
        ];
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        }
        lines.push(hint(theme, "Enter run · Esc cancel"));
        dialog(frame, theme, "Pipe the article", lines, 76);
    }
}
