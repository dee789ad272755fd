//! Import from inside the reader: a path field for an OPML or Newsboat `urls` file, then the same
//! report the command line prints (what was added, what was already there, what was skipped and why).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::Line;

use super::{Context, Outcome, TextField, Then, dialog, error_line, hint};
use crate::session::subscriptions::ImportReport;
use crate::ui::app::{Command, Done};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStep {
    Path,
    Running,
    Report(ImportReport),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub path: TextField,
    pub step: ImportStep,
    pub error: Option<String>,
    scroll: usize,
}

impl Default for Import {
    fn default() -> Self {
        Import::new()
    }
}

impl Import {
    pub fn new() -> Import {
        Import {
            path: TextField::default(),
            step: ImportStep::Path,
            error: None,
            scroll: 0,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match &self.step {
            ImportStep::Path => match key.code {
                KeyCode::Esc => Outcome::close(),
                KeyCode::Enter if self.path.is_empty() => {
                    self.error = Some("Type the path of the file to import".into());
                    Outcome::stay()
                }
                KeyCode::Enter => {
                    self.error = None;
                    self.step = ImportStep::Running;
                    Outcome::run(vec![Command::Import {
                        path: expand_home(self.path.text().trim()),
                    }])
                }
                _ => {
                    self.path.on_key(key);
                    Outcome::stay()
                }
            },
            ImportStep::Running => Outcome::stay(),
            ImportStep::Report(_) => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    self.scroll += 1;
                    Outcome::stay()
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    self.scroll = self.scroll.saturating_sub(1);
                    Outcome::stay()
                }
                _ => Outcome::close(),
            },
        }
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        let Done::Imported(result) = done else {
            return Outcome::stay();
        };
        match result {
            Ok(report) => {
                self.step = ImportStep::Report(report.clone());
                Outcome {
                    then: Some(Then::Reload),
                    ..Outcome::stay()
                }
            }
            Err(e) => {
                self.step = ImportStep::Path;
                self.error = Some(e.clone());
                Outcome::stay()
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let theme = cx.theme;
        let mut lines: Vec<Line<'_>> = Vec::new();
        match &self.step {
            ImportStep::Path | ImportStep::Running => {
                lines.push(Line::from("File (OPML, or a Newsboat urls file):"));
                lines.push(self.path.line(60, self.step == ImportStep::Path, theme));
                if let Some(e) = &self.error {
                    lines.push(error_line(theme, e));
                }
                lines.push(hint(
                    theme,
                    if self.step == ImportStep::Running {
                        "Importing…"
                    } else {
                        "Enter import · Esc cancel"
                    },
                ));
            }
            ImportStep::Report(report) => {
                lines.push(Line::from(format!("{}: {}", report.kind, report.summary())));
                for (what, why) in report.skipped.iter().skip(self.scroll).take(12) {
                    lines.push(Line::from(format!("skipped {what}: {why}")));
                }
                lines.push(hint(theme, "j/k scroll · any other key closes"));
            }
        }
        dialog(frame, theme, "Import subscriptions", lines, 76);
    }
}

/// `~/x` → `$HOME/x`, as a shell would.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest).display().to_string(),
        _ => path.to_string(),
    }
}
