//! Editing a feed (title, tags, refresh interval, full text) and renaming a tag. Changes are saved
//! through the session and take effect at once; errors stay in the dialog.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Context, Outcome, TextField, Then, dialog, error_line, hint};
use crate::session::subscriptions::{FeedEdit, format_minutes, parse_minutes, split_tags};
use crate::store::FeedSummary;
use crate::text::clean_line;
use crate::ui::app::{Command, Done};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditField {
    Title,
    Tags,
    Interval,
    FullText,
}

const ORDER: [EditField; 4] = [
    EditField::Title,
    EditField::Tags,
    EditField::Interval,
    EditField::FullText,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditFeed {
    pub feed_id: i64,
    pub url: String,
    pub title: TextField,
    pub tags: TextField,
    pub interval: TextField,
    pub full_text: bool,
    pub focus: EditField,
    pub error: Option<String>,
    pub saving: bool,
    original: FeedEdit,
    original_title: Option<String>,
}

impl EditFeed {
    pub fn new(feed: &FeedSummary) -> EditFeed {
        let interval = feed
            .interval_minutes
            .map_or("default".to_string(), format_minutes);
        EditFeed {
            feed_id: feed.id,
            url: clean_line(&feed.url),
            title: TextField::new(&clean_line(&feed.title)),
            tags: TextField::new(&feed.tags.join(", ")),
            interval: TextField::new(&interval),
            full_text: feed.full_text,
            focus: EditField::Title,
            error: None,
            saving: false,
            original_title: Some(clean_line(&feed.title)),
            original: FeedEdit {
                title: None,
                tags: Some(feed.tags.clone()),
                every: Some(feed.interval_minutes),
                full_text: Some(feed.full_text),
                hidden: None,
            },
        }
    }

    /// Only what the user changed, so an untouched title stays the feed's own.
    fn changes(&self) -> Result<FeedEdit, String> {
        let interval = self.interval.text();
        let every = match interval.trim() {
            "" | "default" => None,
            text => Some(parse_minutes(text)?),
        };
        let title = self.title.text().trim().to_string();
        let title = if Some(&title) == self.original_title.as_ref() {
            None
        } else {
            Some(Some(title).filter(|t| !t.is_empty()))
        };
        let tags = Some(split_tags(&self.tags.text()));
        Ok(FeedEdit {
            title,
            tags: tags.filter(|t| Some(t) != self.original.tags.as_ref()),
            every: Some(every).filter(|e| Some(*e) != self.original.every),
            full_text: Some(self.full_text).filter(|f| Some(*f) != self.original.full_text),
            hidden: None,
        })
    }

    pub fn on_key(&mut self, key: KeyEvent, cx: &Context<'_>) -> Outcome {
        if self.saving {
            return Outcome::stay();
        }
        match key.code {
            KeyCode::Esc => return Outcome::close(),
            KeyCode::Enter => {
                return match self.changes() {
                    Ok(edit) if edit == FeedEdit::default() => Outcome::close(),
                    Ok(edit) => {
                        self.saving = true;
                        self.error = None;
                        Outcome::run(vec![Command::EditFeed {
                            id: self.feed_id,
                            edit,
                        }])
                    }
                    Err(e) => {
                        self.error = Some(e);
                        Outcome::stay()
                    }
                };
            }
            KeyCode::Down | KeyCode::Up | KeyCode::BackTab => {
                let at = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
                let next = if key.code == KeyCode::Down {
                    (at + 1) % ORDER.len()
                } else {
                    (at + ORDER.len() - 1) % ORDER.len()
                };
                self.focus = ORDER[next];
            }
            KeyCode::Tab if self.focus == EditField::Tags => {
                super::add_feed::complete_tag(&mut self.tags, cx.tags);
            }
            KeyCode::Tab => {
                let at = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
                self.focus = ORDER[(at + 1) % ORDER.len()];
            }
            KeyCode::Char(' ') if self.focus == EditField::FullText => {
                self.full_text = !self.full_text;
            }
            _ => {
                match self.focus {
                    EditField::Title => self.title.on_key(key),
                    EditField::Tags => self.tags.on_key(key),
                    EditField::Interval => self.interval.on_key(key),
                    EditField::FullText => false,
                };
            }
        }
        Outcome::stay()
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        match done {
            Done::Edited(result) if self.saving => {
                self.saving = false;
                match result {
                    Ok(changes) => Outcome {
                        close: true,
                        commands: vec![],
                        then: Some(Then::Reload),
                        notice: Some(if changes.is_empty() {
                            "Nothing changed".to_string()
                        } else {
                            format!("Saved: {}", changes.join(", "))
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
        let label = |name: &'static str, f: EditField| {
            Span::styled(
                format!("{name:<10}"),
                if self.focus == f {
                    theme.key
                } else {
                    Style::new()
                },
            )
        };
        let field = |name, f, tf: &TextField| {
            let mut line = tf.line(48, self.focus == f, theme);
            line.spans.insert(0, label(name, f));
            line
        };
        let mut lines = vec![
            Line::from(format!("Feed: {}", self.url)),
            field("Title", EditField::Title, &self.title),
            field("Tags", EditField::Tags, &self.tags),
            field("Interval", EditField::Interval, &self.interval),
            Line::from(vec![
                label("Full text", EditField::FullText),
                Span::raw(if self.full_text { "[x]" } else { "[ ]" }),
                Span::raw(" fetch each new article's page"),
            ]),
            hint(
                theme,
                "Interval: 30m, 2h, 1d or default. Tags: separated by commas.",
            ),
        ];
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        }
        lines.push(hint(
            theme,
            if self.saving {
                "Saving…"
            } else {
                "Enter save · ↑/↓ field · Tab complete a tag · Space full text · Esc cancel"
            },
        ));
        dialog(frame, theme, "Edit feed", lines, 80);
    }
}

/// Renaming a tag (edit on a tag row): every feed with the tag gets the new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameTag {
    pub from: String,
    pub name: TextField,
    pub error: Option<String>,
    pub saving: bool,
}

impl RenameTag {
    pub fn new(tag: &str) -> RenameTag {
        RenameTag {
            from: tag.to_string(),
            name: TextField::new(&clean_line(tag)),
            error: None,
            saving: false,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if self.saving {
            return Outcome::stay();
        }
        match key.code {
            KeyCode::Esc => Outcome::close(),
            KeyCode::Enter if self.name.is_empty() => {
                self.error = Some("A tag needs a name".into());
                Outcome::stay()
            }
            KeyCode::Enter => {
                self.saving = true;
                Outcome::run(vec![Command::RenameTag {
                    from: self.from.clone(),
                    to: self.name.text().trim().to_string(),
                }])
            }
            _ => {
                self.name.on_key(key);
                Outcome::stay()
            }
        }
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        match done {
            Done::TagRenamed(result) if self.saving => {
                self.saving = false;
                match result {
                    Ok(n) => Outcome {
                        close: true,
                        commands: vec![],
                        then: Some(Then::Reload),
                        notice: Some(format!(
                            "Renamed the tag to {} ({n} feeds)",
                            clean_line(&self.name.text())
                        )),
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
        let mut lines = vec![
            Line::from(format!("New name for the tag {}:", clean_line(&self.from))),
            self.name.line(48, true, theme),
        ];
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        }
        lines.push(hint(theme, "Enter rename · Esc cancel"));
        dialog(frame, theme, "Rename tag", lines, 60);
    }
}
