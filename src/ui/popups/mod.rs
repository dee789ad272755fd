//! Popups: dialogs drawn over the panes, kept by the app as a stack. Each popup owns its state, takes
//! its own keys (text fields need every key) and draws itself; it answers with an [`Outcome`] (close
//! or stay, and commands for the runtime), and hears back through [`Done`] messages. The app stays the
//! one place where messages change state: it hands each key and result to the popup on top.

mod add_feed;
mod delete_feed;
mod downloads;
mod edit_feed;
mod feed_info;
mod help;
mod import;
mod links;
mod message;
mod pipe;
mod search;
mod text_field;

pub use add_feed::AddFeed;
pub use delete_feed::DeleteFeed;
pub use downloads::Downloads;
pub use edit_feed::{EditFeed, RenameTag};
pub use feed_info::FeedInfo;
pub use help::Help;
pub use import::Import;
pub use links::Links;
pub use message::Message;
pub use pipe::Pipe;
pub use search::{SEARCH_LIMIT, Search};
pub use text_field::TextField;

use chrono::FixedOffset;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph, Wrap};

use super::app::{Command, Done};
use super::theme::Theme;

/// What a popup asks of the app after a key or a result.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub close: bool,
    pub commands: Vec<Command>,
    /// Shown in the status line once the popup is gone.
    pub notice: Option<String>,
    /// What the app does next with its own state.
    pub then: Option<Then>,
}

/// A change to the app's own state that a popup asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// A feed was added: reload the list and show it.
    ShowFeed(i64),
    /// A feed was deleted: leave it if it is shown, reload the lists.
    FeedRemoved(i64),
    /// Feeds were changed (edit, tags, import): reload the lists.
    Reload,
}

impl Outcome {
    pub fn stay() -> Outcome {
        Outcome::default()
    }

    pub fn close() -> Outcome {
        Outcome {
            close: true,
            ..Outcome::default()
        }
    }

    pub fn run(commands: Vec<Command>) -> Outcome {
        Outcome {
            commands,
            ..Outcome::default()
        }
    }
}

/// What popups may know of the app: the tags in use (for completion), the time zone and the theme
/// they draw in.
pub struct Context<'a> {
    pub tags: &'a [String],
    pub tz: FixedOffset,
    pub theme: &'a Theme,
}

#[derive(Debug)]
pub enum Popup {
    Help(Help),
    AddFeed(AddFeed),
    EditFeed(EditFeed),
    RenameTag(RenameTag),
    DeleteFeed(DeleteFeed),
    FeedInfo(FeedInfo),
    Import(Import),
    Links(Links),
    Search(Search),
    Message(Message),
    Pipe(Pipe),
    Downloads(Downloads),
}

impl Popup {
    pub fn on_key(&mut self, key: KeyEvent, cx: &Context<'_>) -> Outcome {
        match self {
            Popup::Help(p) => p.on_key(key),
            Popup::AddFeed(p) => p.on_key(key, cx),
            Popup::EditFeed(p) => p.on_key(key, cx),
            Popup::RenameTag(p) => p.on_key(key),
            Popup::DeleteFeed(p) => p.on_key(key),
            Popup::FeedInfo(p) => p.on_key(key),
            Popup::Import(p) => p.on_key(key),
            Popup::Links(p) => p.on_key(key),
            Popup::Search(p) => p.on_key(key),
            Popup::Message(p) => p.on_key(key),
            Popup::Pipe(p) => p.on_key(key),
            Popup::Downloads(p) => p.on_key(key),
        }
    }

    /// A result from the runtime; popups that did not ask for it stay as they are.
    pub fn on_done(&mut self, done: &Done) -> Outcome {
        match self {
            Popup::AddFeed(p) => p.on_done(done),
            Popup::EditFeed(p) => p.on_done(done),
            Popup::RenameTag(p) => p.on_done(done),
            Popup::DeleteFeed(p) => p.on_done(done),
            Popup::FeedInfo(p) => p.on_done(done),
            Popup::Import(p) => p.on_done(done),
            Popup::Search(p) => p.on_done(done),
            Popup::Help(_)
            | Popup::Links(_)
            | Popup::Message(_)
            | Popup::Pipe(_)
            | Popup::Downloads(_) => Outcome::stay(),
        }
    }

    /// About once a second (spinners).
    pub fn on_tick(&mut self) {
        if let Popup::AddFeed(p) = self {
            p.on_tick();
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        match self {
            Popup::Help(p) => p.draw(frame, cx),
            Popup::AddFeed(p) => p.draw(frame, cx),
            Popup::EditFeed(p) => p.draw(frame, cx),
            Popup::RenameTag(p) => p.draw(frame, cx),
            Popup::DeleteFeed(p) => p.draw(frame, cx),
            Popup::FeedInfo(p) => p.draw(frame, cx),
            Popup::Import(p) => p.draw(frame, cx),
            Popup::Links(p) => p.draw(frame, cx),
            Popup::Search(p) => p.draw(frame, cx),
            Popup::Message(p) => p.draw(frame, cx),
            Popup::Pipe(p) => p.draw(frame, cx),
            Popup::Downloads(p) => p.draw(frame, cx),
        }
    }
}

/// A rectangle of at most `width` × `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Draws a dialog box with `title` and `lines` (wrapped) in the middle of the screen, `width`
/// columns wide at most, as tall as its lines.
pub fn dialog(frame: &mut Frame<'_>, theme: &Theme, title: &str, lines: Vec<Line<'_>>, width: u16) {
    let area = frame.area();
    let width = width.min(area.width.saturating_sub(2)).max(20);
    let inner_width = width.saturating_sub(4).max(1) as usize;
    // Each line takes as many rows as it needs at that width.
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_width))
        .sum();
    let rect = centered(area, width, (rows + 2) as u16);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(theme.popup_border)
                .title(Span::styled(format!(" {title} "), theme.title))
                .padding(Padding::horizontal(1)),
        ),
        rect,
    );
}

/// A key hint line ("Enter add · Esc cancel"), dimmed.
pub fn hint(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), theme.dim)
}

/// An error line, in the theme's error style.
pub fn error_line(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(crate::text::clean_line(text), theme.error)
}
