//! Deleting a feed, after a confirmation that names it and says how many articles go, and how many
//! of them are starred. Starred articles stay unless the user says otherwise.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::Line;

use super::{Context, Outcome, Then, dialog, error_line, hint};
use crate::store::FeedDetails;
use crate::text::clean_line;
use crate::ui::app::{Command, Done};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteFeed {
    pub feed_id: i64,
    pub title: String,
    /// The counts, once loaded.
    pub details: Option<FeedDetails>,
    pub error: Option<String>,
    pub deleting: bool,
}

impl DeleteFeed {
    pub fn new(feed_id: i64, title: &str) -> DeleteFeed {
        DeleteFeed {
            feed_id,
            title: clean_line(title),
            details: None,
            error: None,
            deleting: false,
        }
    }

    fn delete(&mut self, keep_starred: bool) -> Outcome {
        self.deleting = true;
        Outcome::run(vec![Command::RemoveFeed {
            id: self.feed_id,
            keep_starred,
        }])
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if self.deleting {
            return Outcome::stay();
        }
        match key.code {
            KeyCode::Char('y') | KeyCode::Enter => self.delete(true),
            KeyCode::Char('D') => self.delete(false),
            KeyCode::Char('n') | KeyCode::Char('q') | KeyCode::Esc => Outcome::close(),
            _ => Outcome::stay(),
        }
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        match done {
            Done::Details(Ok(d)) if d.id == self.feed_id && self.details.is_none() => {
                self.details = Some(d.clone());
                Outcome::stay()
            }
            Done::Removed(result) if self.deleting => {
                self.deleting = false;
                match result {
                    Ok(removed) => Outcome {
                        close: true,
                        commands: vec![],
                        then: Some(Then::FeedRemoved(self.feed_id)),
                        notice: Some(match removed.kept_starred {
                            0 => format!(
                                "Deleted {} ({} articles)",
                                self.title, removed.deleted_articles
                            ),
                            n => format!(
                                "Deleted {} ({} articles; {n} starred kept in Starred)",
                                self.title, removed.deleted_articles
                            ),
                        }),
                    },
                    Err(e) => {
                        self.error = Some(e.clone());
                        Outcome::stay()
                    }
                }
            }
            _ => Outcome::stay(),
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let mut lines = vec![Line::styled(
            format!("Delete the feed {}?", self.title),
            theme.title,
        )];
        match &self.details {
            Some(d) => {
                lines.push(Line::from(format!(
                    "It holds {} articles ({} unread), {} of them starred.",
                    d.total, d.unread, d.starred
                )));
                lines.push(hint(theme, if d.starred > 0 {
                    "y delete, keep the starred articles · D delete everything · n/Esc keep the feed"
                } else {
                    "y delete · n/Esc keep the feed"
                }));
            }
            None => {
                lines.push(Line::from("Counting its articles…"));
                lines.push(hint(
                    theme,
                    "y delete, keep starred articles · D delete everything · n/Esc keep the feed",
                ));
            }
        }
        if self.deleting {
            lines.push(hint(theme, "Deleting…"));
        }
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        }
        dialog(frame, theme, "Delete feed", lines, 72);
    }
}
