//! The article's links (`L`): every numbered link of the article in a list to pick from; Enter or
//! `o` opens one in the browser, `y` copies it to the terminal's clipboard, `f` fetches the page and
//! shows its article in the article pane.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;

use super::{Context, Outcome, dialog, hint};
use crate::text::clean_line;
use crate::ui::app::Command;

/// Rows of links shown at once.
const ROWS: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub links: Vec<String>,
    pub cursor: usize,
}

impl Links {
    pub fn new(links: Vec<String>) -> Links {
        Links { links, cursor: 0 }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let last = self.links.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.cursor = (self.cursor + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::PageDown => self.cursor = (self.cursor + ROWS).min(last),
            KeyCode::Char('b') | KeyCode::PageUp => self.cursor = self.cursor.saturating_sub(ROWS),
            KeyCode::Char('g') | KeyCode::Home => self.cursor = 0,
            KeyCode::Char('G') | KeyCode::End => self.cursor = last,
            KeyCode::Enter | KeyCode::Char('o') => {
                return match self.links.get(self.cursor) {
                    Some(url) => Outcome {
                        close: true,
                        commands: vec![Command::OpenUrl(url.clone())],
                        ..Outcome::default()
                    },
                    None => Outcome::close(),
                };
            }
            KeyCode::Char('y') => {
                return match self.links.get(self.cursor) {
                    Some(url) => Outcome {
                        close: true,
                        commands: vec![Command::Copy(url.clone())],
                        notice: Some(format!("Copied {}", clean_line(url))),
                        ..Outcome::default()
                    },
                    None => Outcome::close(),
                };
            }
            KeyCode::Char('f') => {
                return match self.links.get(self.cursor) {
                    Some(url) => Outcome {
                        close: true,
                        commands: vec![Command::FetchLinkPage {
                            url: url.clone(),
                            width: 0,
                        }],
                        notice: Some(format!("Fetching {}…", clean_line(url))),
                        ..Outcome::default()
                    },
                    None => Outcome::close(),
                };
            }
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => return Outcome::close(),
            _ => {}
        }
        Outcome::stay()
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let start = self.cursor.saturating_sub(ROWS - 1);
        let mut lines: Vec<Line<'_>> = self
            .links
            .iter()
            .enumerate()
            .skip(start)
            .take(ROWS)
            .map(|(i, url)| {
                let style = if i == self.cursor {
                    theme.selected
                } else {
                    Style::new()
                };
                Line::styled(format!("[{}] {}", i + 1, clean_line(url)), style)
            })
            .collect();
        if lines.is_empty() {
            lines.push(Line::from("This article has no links."));
        }
        lines.push(hint(
            theme,
            &format!(
                "{} of {} · Enter/o open · y copy · f read the page here · Esc close",
                (self.cursor + 1).min(self.links.len()),
                self.links.len()
            ),
        ));
        dialog(frame, theme, "Links", lines, 100);
    }
}
