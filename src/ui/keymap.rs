//! Keys to actions. Actions are plain data (serde) so a keymap file can name them later.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Down,
    Up,
    NextPane,
    PrevPane,
    Open,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextUnread,
    PrevUnread,
    RefreshSelected,
    RefreshAll,
    ToggleRead,
    MarkAllRead,
    ToggleStar,
    OpenInBrowser,
    OpenLink(u8),
    FetchFullText,
    ToggleTextSource,
    ToggleFeedFullText,
    Help,
    Back,
    Quit,
}

/// One line of the help overlay: the keys and what they do.
pub const HELP: &[(&str, &str)] = &[
    ("j / k, ↓ / ↑", "move down / up (scroll in an article)"),
    ("h / l, ← / →, Tab", "previous / next pane"),
    ("Enter", "open the feed or article"),
    ("g / G, Home / End", "top / bottom"),
    ("Space / b, PgDn / PgUp", "page down / up"),
    ("n / p", "next / previous unread article"),
    ("r", "refresh the selected feed"),
    ("R", "refresh all feeds"),
    ("m", "toggle read"),
    ("A", "mark everything in the selected feed read"),
    ("s", "star / unstar"),
    ("o", "open the article's link in the browser"),
    ("1 … 9", "open the numbered link of the article"),
    ("f", "fetch the full article from its web page"),
    ("t", "switch between the full article and the feed's text"),
    (
        "F",
        "full articles on/off for the feed (fetched with each refresh)",
    ),
    ("?", "this help (any key closes it)"),
    ("q, Esc", "back; quit from the feed list"),
    ("Ctrl-C", "quit"),
];

/// The default key bindings; `None` for keys that do nothing.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('u') => Some(Action::PageUp),
            KeyCode::Char('n') => Some(Action::Down),
            KeyCode::Char('p') => Some(Action::Up),
            _ => None,
        };
    }
    let action = match key.code {
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('l') | KeyCode::Right | KeyCode::Tab => Action::NextPane,
        KeyCode::Char('h') | KeyCode::Left | KeyCode::BackTab => Action::PrevPane,
        KeyCode::Enter => Action::Open,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Char(' ') | KeyCode::PageDown => Action::PageDown,
        KeyCode::Char('b') | KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('n') => Action::NextUnread,
        KeyCode::Char('p') => Action::PrevUnread,
        KeyCode::Char('r') => Action::RefreshSelected,
        KeyCode::Char('R') => Action::RefreshAll,
        KeyCode::Char('m') => Action::ToggleRead,
        KeyCode::Char('A') => Action::MarkAllRead,
        KeyCode::Char('s') => Action::ToggleStar,
        KeyCode::Char('o') => Action::OpenInBrowser,
        KeyCode::Char(c @ '1'..='9') => Action::OpenLink(c as u8 - b'0'),
        KeyCode::Char('f') => Action::FetchFullText,
        KeyCode::Char('t') => Action::ToggleTextSource,
        KeyCode::Char('F') => Action::ToggleFeedFullText,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('q') | KeyCode::Esc => Action::Back,
        _ => return None,
    };
    Some(action)
}
