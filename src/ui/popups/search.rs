//! Search (`/`): a query field over the list on screen (a feed, a tag, or everything), with results
//! that follow the typing; Enter opens the selected article, Ctrl-S keeps the search in the feed
//! list, Ctrl-F makes it a filter that hides what it finds. The query language is README's; a
//! malformed query says where it went wrong, in the dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;

use super::{Context, Outcome, TextField, dialog, error_line, hint};
use crate::session::article::format_time;
use crate::store::{Headline, Scope};
use crate::text::clean_line;
use crate::ui::app::{Command, Done};

/// Results shown at once.
const ROWS: usize = 14;
/// Results asked for.
pub const SEARCH_LIMIT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub field: TextField,
    pub scope: Scope,
    /// What the scope is called, for the title.
    pub scope_name: String,
    pub results: Vec<Headline>,
    pub cursor: usize,
    pub error: Option<String>,
    /// The search asked for last; older answers are dropped.
    pub generation: u64,
    pub searching: bool,
}

impl Search {
    pub fn new(scope: Scope, scope_name: String) -> Search {
        Search {
            field: TextField::default(),
            scope,
            scope_name,
            results: Vec::new(),
            cursor: 0,
            error: None,
            generation: 0,
            searching: false,
        }
    }

    /// Runs the search for what the field holds (a field filled in before the dialog opens).
    pub fn search_now(&mut self) -> Outcome {
        self.run()
    }

    fn run(&mut self) -> Outcome {
        self.generation += 1;
        if self.field.is_empty() {
            self.results.clear();
            self.error = None;
            self.searching = false;
            return Outcome::stay();
        }
        self.searching = true;
        Outcome::run(vec![Command::Search {
            query: self.field.text(),
            scope: self.scope.clone(),
            generation: self.generation,
        }])
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = self.results.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => Outcome::close(),
            KeyCode::Down | KeyCode::Tab => {
                self.cursor = (self.cursor + 1).min(last);
                Outcome::stay()
            }
            KeyCode::Char('n') if ctrl => {
                self.cursor = (self.cursor + 1).min(last);
                Outcome::stay()
            }
            KeyCode::Up | KeyCode::BackTab => {
                self.cursor = self.cursor.saturating_sub(1);
                Outcome::stay()
            }
            KeyCode::Char('p') if ctrl => {
                self.cursor = self.cursor.saturating_sub(1);
                Outcome::stay()
            }
            // Keep the search in the feed list, under its query.
            KeyCode::Char('s') if ctrl && !self.field.is_empty() => {
                let query = self.field.text();
                Outcome {
                    close: true,
                    commands: vec![Command::SaveSearch {
                        name: query.clone(),
                        query,
                    }],
                    ..Outcome::default()
                }
            }
            // Hide what it finds, and what it will find as articles arrive.
            KeyCode::Char('f') if ctrl && !self.field.is_empty() => Outcome {
                close: true,
                commands: vec![Command::AddFilter {
                    query: self.field.text(),
                }],
                ..Outcome::default()
            },
            KeyCode::Enter => match self.results.get(self.cursor) {
                Some(h) => Outcome {
                    close: true,
                    commands: vec![Command::OpenFound(h.id)],
                    ..Outcome::default()
                },
                None => Outcome::stay(),
            },
            _ => {
                let before = self.field.text();
                self.field.on_key(key);
                if self.field.text() != before {
                    self.cursor = 0;
                    return self.run();
                }
                Outcome::stay()
            }
        }
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        if let Done::Found {
            generation,
            results,
        } = done
            && *generation == self.generation
        {
            self.searching = false;
            match results {
                Ok(found) => {
                    self.results = found.clone();
                    self.error = None;
                }
                Err(e) => {
                    self.results.clear();
                    self.error = Some(e.clone());
                }
            }
            self.cursor = self.cursor.min(self.results.len().saturating_sub(1));
        }
        Outcome::stay()
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let mut lines: Vec<Line<'_>> = vec![self.field.line(70, true, theme)];
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        } else if self.field.is_empty() {
            lines.push(hint(
                theme,
                "words, \"phrases\", prefix*, -word, OR, title: author: feed: tag:, is:unread, \
                 has:fulltext, newer:7d, after:2025-01-01",
            ));
        } else if self.results.is_empty() && !self.searching {
            lines.push(Line::styled("Nothing found.", theme.dim));
        }
        let start = self.cursor.saturating_sub(ROWS - 1);
        for (i, h) in self.results.iter().enumerate().skip(start).take(ROWS) {
            let date = format_time(h.time, cx.tz, "%Y-%m-%d");
            let mark = if h.read { " " } else { "●" };
            let style = if i == self.cursor {
                theme.selected
            } else {
                Style::new()
            };
            lines.push(Line::styled(
                format!("{mark} {date}  {}", clean_line(&h.title)),
                style,
            ));
        }
        let count = match self.results.len() {
            _ if self.searching => "searching… · ".to_string(),
            0 => String::new(),
            n if n >= SEARCH_LIMIT => format!("the first {n} · "),
            n => format!("{n} found · "),
        };
        lines.push(hint(
            theme,
            &format!(
                "{count}↑/↓ choose · Enter open · Ctrl-S keep · Ctrl-F hide these · Esc close"
            ),
        ));
        dialog(
            frame,
            theme,
            &format!("Search {}", self.scope_name),
            lines,
            90,
        );
    }
}
