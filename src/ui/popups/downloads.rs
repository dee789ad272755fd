//! The download queue (`W`): every episode queued with `D` or by a feed's auto-download, with a
//! progress bar, speed and size that follow the downloads as they run. Keys: `p` pauses or resumes,
//! `c` cancels, `x` deletes (the file too), `r` tries the failed ones again, Enter plays a finished
//! one with the configured player, Esc closes.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;

use super::{Context, Outcome, dialog, hint};
use crate::session::downloads::{DownloadEvent, DownloadRow, format_bytes, progress_bar};
use crate::store::DownloadState;
use crate::text::clean_line;
use crate::ui::app::{Command, DownloadOp};

/// Rows shown at once.
const ROWS: usize = 12;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Downloads {
    pub rows: Vec<DownloadRow>,
    pub cursor: usize,
    pub loaded: bool,
}

impl Downloads {
    pub fn new() -> Downloads {
        Downloads::default()
    }

    /// The queue as read from the cache.
    pub fn loaded(&mut self, rows: Vec<DownloadRow>) {
        self.rows = rows;
        self.loaded = true;
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    /// A download moved on.
    pub fn on_event(&mut self, event: &DownloadEvent) {
        for row in &mut self.rows {
            row.apply(event);
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let last = self.rows.len().saturating_sub(1);
        let selected = self.rows.get(self.cursor).map(|r| (r.id, r.state));
        let act = |op: DownloadOp| match selected {
            Some((id, _)) => Outcome::run(vec![Command::Download { id, op }]),
            None => Outcome::stay(),
        };
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.cursor = (self.cursor + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => self.cursor = 0,
            KeyCode::Char('G') | KeyCode::End => self.cursor = last,
            KeyCode::Char('p') => {
                return match selected {
                    Some((_, DownloadState::Paused | DownloadState::Failed)) => {
                        act(DownloadOp::Resume)
                    }
                    Some((_, DownloadState::Queued | DownloadState::Downloading)) => {
                        act(DownloadOp::Pause)
                    }
                    _ => Outcome::stay(),
                };
            }
            KeyCode::Char('c') => return act(DownloadOp::Cancel),
            KeyCode::Char('x') => return act(DownloadOp::Delete),
            KeyCode::Char('r') => return Outcome::run(vec![Command::RetryDownloads]),
            KeyCode::Enter => {
                return match selected {
                    Some((_, DownloadState::Done)) => act(DownloadOp::Play),
                    _ => Outcome::stay(),
                };
            }
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('W') => return Outcome::close(),
            _ => {}
        }
        Outcome::stay()
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let start = self.cursor.saturating_sub(ROWS - 1);
        let mut lines: Vec<Line<'_>> = Vec::new();
        for (i, row) in self.rows.iter().enumerate().skip(start).take(ROWS) {
            let style = if i == self.cursor {
                theme.selected
            } else {
                Style::new()
            };
            let bar = match row.fraction() {
                Some(f) => progress_bar(f, 20),
                None => " ".repeat(20),
            };
            let speed = row
                .speed
                .filter(|_| row.state == DownloadState::Downloading)
                .map(|s| format!(" {}/s", format_bytes(s)))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "{bar} {:<11} {:>9}{speed}  {} · {}",
                    row.status_text(),
                    row.size_text(),
                    clean_line(&row.title),
                    clean_line(&row.feed)
                ),
                style,
            ));
            if i == self.cursor
                && let Some(e) = &row.error
            {
                lines.push(Line::styled(format!("    {}", clean_line(e)), theme.error));
            }
        }
        if lines.is_empty() {
            lines.push(Line::from(if self.loaded {
                "Nothing queued: D on an article with an enclosure queues it."
            } else {
                "Reading the queue…"
            }));
        }
        lines.push(hint(
            theme,
            "p pause/resume · c cancel · x delete (with the file) · r retry failed · Enter play · Esc close",
        ));
        dialog(frame, theme, "Downloads", lines, 110);
    }
}
