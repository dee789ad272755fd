//! Adding a feed: a URL field (a feed's address or a site's page), a fetch in the background with a
//! spinner that Esc cancels, a picker when the page names several feeds, then title, tags (Tab
//! completes from the tags in use) and full text. Errors stay in the dialog.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Context, Outcome, TextField, Then, dialog, error_line, hint};
use crate::feed::discover::FeedLink;
use crate::session::subscriptions::{Subscription, split_tags};
use crate::text::clean_line;
use crate::ui::app::{Command, Done, ProbeView};

const SPINNER: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The fields of the last step, in the order Up/Down walk them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailField {
    Title,
    Tags,
    FullText,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddStep {
    Url,
    /// Fetching the URL; `seconds` since it started.
    Probing {
        seconds: u32,
    },
    Pick {
        links: Vec<FeedLink>,
        cursor: usize,
    },
    Details {
        token: u64,
        url: String,
        articles: usize,
        focus: DetailField,
    },
    Adding,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddFeed {
    pub url: TextField,
    pub title: TextField,
    pub tags: TextField,
    pub full_text: bool,
    pub step: AddStep,
    pub error: Option<String>,
    /// Where Esc from the details goes back to: the picker, when there was one.
    picked_from: Option<Vec<FeedLink>>,
}

impl Default for AddFeed {
    fn default() -> Self {
        AddFeed::new()
    }
}

impl AddFeed {
    pub fn new() -> AddFeed {
        AddFeed {
            url: TextField::default(),
            title: TextField::default(),
            tags: TextField::default(),
            full_text: false,
            step: AddStep::Url,
            error: None,
            picked_from: None,
        }
    }

    fn probe(&mut self, url: String) -> Outcome {
        self.error = None;
        self.step = AddStep::Probing { seconds: 0 };
        Outcome::run(vec![Command::Probe { url }])
    }

    pub fn on_key(&mut self, key: KeyEvent, cx: &Context<'_>) -> Outcome {
        match &mut self.step {
            AddStep::Url => match key.code {
                KeyCode::Esc => Outcome::close(),
                KeyCode::Enter if self.url.is_empty() => {
                    self.error = Some("Type the address of a feed or of a site".into());
                    Outcome::stay()
                }
                KeyCode::Enter => {
                    self.picked_from = None;
                    self.probe(self.url.text().trim().to_string())
                }
                _ => {
                    self.url.on_key(key);
                    Outcome::stay()
                }
            },
            AddStep::Probing { .. } => match key.code {
                KeyCode::Esc => {
                    self.step = AddStep::Url;
                    self.error = Some("Cancelled".into());
                    Outcome::run(vec![Command::CancelProbe])
                }
                _ => Outcome::stay(),
            },
            AddStep::Pick { links, cursor } => match key.code {
                KeyCode::Esc => {
                    self.step = AddStep::Url;
                    Outcome::stay()
                }
                KeyCode::Char('j') | KeyCode::Down => {
                    *cursor = (*cursor + 1).min(links.len().saturating_sub(1));
                    Outcome::stay()
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    *cursor = cursor.saturating_sub(1);
                    Outcome::stay()
                }
                KeyCode::Enter => match links.get(*cursor) {
                    Some(link) => {
                        let url = link.url.clone();
                        self.picked_from = Some(links.clone());
                        self.probe(url)
                    }
                    None => Outcome::stay(),
                },
                _ => Outcome::stay(),
            },
            AddStep::Details {
                token, url, focus, ..
            } => match key.code {
                KeyCode::Esc => {
                    self.step = match self.picked_from.take() {
                        Some(links) => AddStep::Pick { links, cursor: 0 },
                        None => AddStep::Url,
                    };
                    Outcome::stay()
                }
                KeyCode::Enter => {
                    let command = Command::AddProbed {
                        token: *token,
                        sub: Subscription {
                            url: url.clone(),
                            title: Some(self.title.text()).filter(|t| !t.trim().is_empty()),
                            tags: split_tags(&self.tags.text()),
                            full_text: self.full_text,
                            every: None,
                            hidden: false,
                        },
                    };
                    self.error = None;
                    self.step = AddStep::Adding;
                    Outcome::run(vec![command])
                }
                KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
                    let order = [DetailField::Title, DetailField::Tags, DetailField::FullText];
                    let at = order.iter().position(|f| f == focus).unwrap_or(0);
                    let next = if key.code == KeyCode::Down {
                        (at + 1) % order.len()
                    } else {
                        (at + order.len() - 1) % order.len()
                    };
                    *focus = order[next];
                    Outcome::stay()
                }
                KeyCode::Tab => {
                    if *focus == DetailField::Tags {
                        complete_tag(&mut self.tags, cx.tags);
                    } else {
                        *focus = match focus {
                            DetailField::Title => DetailField::Tags,
                            _ => DetailField::Title,
                        };
                    }
                    Outcome::stay()
                }
                KeyCode::Char(' ') if *focus == DetailField::FullText => {
                    self.full_text = !self.full_text;
                    Outcome::stay()
                }
                _ => {
                    match focus {
                        DetailField::Title => self.title.on_key(key),
                        DetailField::Tags => self.tags.on_key(key),
                        DetailField::FullText => false,
                    };
                    Outcome::stay()
                }
            },
            AddStep::Adding => Outcome::stay(),
        }
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        match done {
            Done::Probed(result) if matches!(self.step, AddStep::Probing { .. }) => {
                match result {
                    Ok(ProbeView::Feed {
                        token,
                        url,
                        title,
                        articles,
                    }) => {
                        self.title.set(title);
                        self.step = AddStep::Details {
                            token: *token,
                            url: url.clone(),
                            articles: *articles,
                            focus: DetailField::Title,
                        };
                    }
                    Ok(ProbeView::Page(links)) => {
                        self.step = AddStep::Pick {
                            links: links.clone(),
                            cursor: 0,
                        };
                    }
                    Err(e) => {
                        self.error = Some(e.clone());
                        self.step = match self.picked_from.take() {
                            Some(links) => AddStep::Pick { links, cursor: 0 },
                            None => AddStep::Url,
                        };
                    }
                }
                Outcome::stay()
            }
            Done::Added(result) if self.step == AddStep::Adding => match result {
                Ok((id, title)) => Outcome {
                    close: true,
                    commands: vec![],
                    notice: Some(format!("Subscribed to {}", clean_line(title))),
                    then: Some(Then::ShowFeed(*id)),
                },
                Err(e) => {
                    self.error = Some(e.clone());
                    self.step = AddStep::Url;
                    Outcome::stay()
                }
            },
            _ => Outcome::stay(),
        }
    }

    pub fn on_tick(&mut self) {
        if let AddStep::Probing { seconds } = &mut self.step {
            *seconds += 1;
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let mut lines: Vec<Line<'_>> = Vec::new();
        let url_focused = self.step == AddStep::Url;
        lines.push(Line::from(
            "Address of a feed, or of a site that links to one:",
        ));
        lines.push(self.url.line(60, url_focused, theme));
        match &self.step {
            AddStep::Url => {}
            AddStep::Probing { seconds } => {
                let spin = SPINNER[*seconds as usize % SPINNER.len()];
                lines.push(Line::styled(
                    format!("{spin} Fetching… {seconds} s"),
                    theme.busy,
                ));
            }
            AddStep::Pick { links, cursor } => {
                lines.push(Line::from("This page links to these feeds; pick one:"));
                for (i, link) in links.iter().enumerate() {
                    let label = if link.title.is_empty() {
                        clean_line(&link.url)
                    } else {
                        format!("{} <{}>", link.title, clean_line(&link.url))
                    };
                    let style = if i == *cursor {
                        theme.selected
                    } else {
                        Style::new()
                    };
                    lines.push(Line::styled(format!(" {label}"), style));
                }
            }
            AddStep::Details {
                url,
                articles,
                focus,
                ..
            } => {
                lines.push(Line::from(format!(
                    "Feed: {} ({articles} articles)",
                    clean_line(url)
                )));
                let label = |name: &'static str, f: DetailField| {
                    Span::styled(
                        format!("{name:<10}"),
                        if *focus == f { theme.key } else { Style::new() },
                    )
                };
                let mut title = self.title.line(48, *focus == DetailField::Title, theme);
                title.spans.insert(0, label("Title", DetailField::Title));
                lines.push(title);
                let mut tags = self.tags.line(48, *focus == DetailField::Tags, theme);
                tags.spans.insert(0, label("Tags", DetailField::Tags));
                lines.push(tags);
                lines.push(Line::from(vec![
                    label("Full text", DetailField::FullText),
                    Span::raw(if self.full_text { "[x]" } else { "[ ]" }),
                    Span::raw(" fetch each new article's page"),
                ]));
            }
            AddStep::Adding => {
                lines.push(Line::styled("Adding…", theme.busy));
            }
        }
        if let Some(e) = &self.error {
            lines.push(error_line(theme, e));
        }
        lines.push(hint(
            theme,
            match &self.step {
                AddStep::Url => "Enter fetch · Esc close",
                AddStep::Probing { .. } => "Esc cancel",
                AddStep::Pick { .. } => "j/k choose · Enter take · Esc back",
                AddStep::Details { .. } => {
                    "Enter add · ↑/↓ field · Tab complete a tag · Space full text · Esc back"
                }
                AddStep::Adding => "",
            },
        ));
        dialog(frame, theme, "Add a feed", lines, 80);
    }
}

/// Completes the last tag being typed from the tags in use (the first that starts with it).
pub(super) fn complete_tag(field: &mut TextField, known: &[String]) {
    let text = field.text();
    let (done, partial) = match text.rfind(',') {
        Some(i) => (&text[..=i], text[i + 1..].trim_start()),
        None => ("", text.trim_start()),
    };
    if partial.is_empty() {
        return;
    }
    let lower = partial.to_lowercase();
    if let Some(tag) = known
        .iter()
        .find(|t| t.to_lowercase().starts_with(&lower) && t.len() > partial.len())
    {
        let sep = if done.is_empty() { "" } else { " " };
        field.set(&format!("{done}{sep}{tag}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_complete_from_those_in_use() {
        let known = vec!["news".to_string(), "tech".to_string()];
        let mut f = TextField::new("news, te");
        complete_tag(&mut f, &known);
        assert_eq!(f.text(), "news, tech");
        let mut f = TextField::new("x");
        complete_tag(&mut f, &known);
        assert_eq!(f.text(), "x", "nothing to complete");
    }
}
