//! Keys to actions, per mode. One table ([`BINDINGS`]) says which keys do what in which pane and
//! how the help describes it; the key lookup and the help overlay are both read from it, so they
//! cannot drift apart. Actions are plain data (serde) so a keymap file can name them later. Popups
//! (dialogs with text fields) take their keys themselves.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

/// Everything a key can ask for outside a popup.
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
    AddFeed,
    EditFeed,
    DeleteFeed,
    FeedInfo,
    Import,
    ToggleFailingOnly,
    LinkList,
    Search,
    Undo,
    Redraw,
    Help,
    Back,
    Quit,
}

/// Where the keyboard is: which pane has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Feeds,
    Headlines,
    Article,
}

/// A key: a code and the modifiers that must be held (Shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

/// One line of the table: the keys, the modes they work in, the action, and the help text.
pub struct Binding {
    pub keys: &'static [Key],
    /// How the help and README write the keys.
    pub label: &'static str,
    pub modes: &'static [Mode],
    pub action: Action,
    pub help: &'static str,
}

const ALL: &[Mode] = &[Mode::Feeds, Mode::Headlines, Mode::Article];
const FEEDS: &[Mode] = &[Mode::Feeds];

/// The default key bindings. Digits `1`…`9` (open a numbered link) are handled beside the table.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[k('j'), code(KeyCode::Down), ctrl('n')],
        label: "j / k, ↓ / ↑",
        modes: ALL,
        action: Action::Down,
        help: "move down / up (scroll in an article)",
    },
    Binding {
        keys: &[k('k'), code(KeyCode::Up), ctrl('p')],
        label: "",
        modes: ALL,
        action: Action::Up,
        help: "",
    },
    Binding {
        keys: &[k('l'), code(KeyCode::Right), code(KeyCode::Tab)],
        label: "h / l, ← / →, Tab",
        modes: ALL,
        action: Action::NextPane,
        help: "previous / next pane",
    },
    Binding {
        keys: &[k('h'), code(KeyCode::Left), code(KeyCode::BackTab)],
        label: "",
        modes: ALL,
        action: Action::PrevPane,
        help: "",
    },
    Binding {
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        modes: ALL,
        action: Action::Open,
        help: "open the feed or article",
    },
    Binding {
        keys: &[k('g'), code(KeyCode::Home)],
        label: "g / G, Home / End",
        modes: ALL,
        action: Action::Top,
        help: "top / bottom",
    },
    Binding {
        keys: &[k('G'), code(KeyCode::End)],
        label: "",
        modes: ALL,
        action: Action::Bottom,
        help: "",
    },
    Binding {
        keys: &[k(' '), code(KeyCode::PageDown), ctrl('d')],
        label: "Space / b, PgDn / PgUp",
        modes: ALL,
        action: Action::PageDown,
        help: "page down / up",
    },
    Binding {
        keys: &[k('b'), code(KeyCode::PageUp), ctrl('u')],
        label: "",
        modes: ALL,
        action: Action::PageUp,
        help: "",
    },
    Binding {
        keys: &[k('n')],
        label: "n / p",
        modes: ALL,
        action: Action::NextUnread,
        help: "next / previous unread article",
    },
    Binding {
        keys: &[k('p')],
        label: "",
        modes: ALL,
        action: Action::PrevUnread,
        help: "",
    },
    Binding {
        keys: &[k('r')],
        label: "r",
        modes: ALL,
        action: Action::RefreshSelected,
        help: "refresh the selected feed (or tag)",
    },
    Binding {
        keys: &[k('R')],
        label: "R",
        modes: ALL,
        action: Action::RefreshAll,
        help: "refresh all feeds",
    },
    Binding {
        keys: &[k('m')],
        label: "m",
        modes: ALL,
        action: Action::ToggleRead,
        help: "toggle read",
    },
    Binding {
        keys: &[k('A')],
        label: "A",
        modes: ALL,
        action: Action::MarkAllRead,
        help: "mark everything in the selected feed, tag or list read",
    },
    Binding {
        keys: &[k('u')],
        label: "u",
        modes: ALL,
        action: Action::Undo,
        help: "undo the last mark-everything-read",
    },
    Binding {
        keys: &[k('s')],
        label: "s",
        modes: ALL,
        action: Action::ToggleStar,
        help: "star / unstar",
    },
    Binding {
        keys: &[k('o')],
        label: "o",
        modes: ALL,
        action: Action::OpenInBrowser,
        help: "open the article's link in the browser",
    },
    Binding {
        keys: &[],
        label: "1 … 9",
        modes: ALL,
        action: Action::OpenLink(1),
        help: "open the article's numbered link (several digits, then Enter, for link 10 and up)",
    },
    Binding {
        keys: &[k('L')],
        label: "L",
        modes: ALL,
        action: Action::LinkList,
        help: "the article's links: open, copy, or read the page here",
    },
    Binding {
        keys: &[k('f')],
        label: "f",
        modes: ALL,
        action: Action::FetchFullText,
        help: "fetch the full article from its web page",
    },
    Binding {
        keys: &[k('t')],
        label: "t",
        modes: ALL,
        action: Action::ToggleTextSource,
        help: "switch between the full article and the feed's text",
    },
    Binding {
        keys: &[k('F')],
        label: "F",
        modes: ALL,
        action: Action::ToggleFeedFullText,
        help: "full articles on/off for the feed (fetched with each refresh)",
    },
    Binding {
        keys: &[k('a')],
        label: "a",
        modes: ALL,
        action: Action::AddFeed,
        help: "add a feed (a feed or a site's address)",
    },
    Binding {
        keys: &[k('e')],
        label: "e",
        modes: FEEDS,
        action: Action::EditFeed,
        help: "feed list: edit the feed (title, tags, interval, full text) or rename the tag",
    },
    Binding {
        keys: &[k('d')],
        label: "d",
        modes: FEEDS,
        action: Action::DeleteFeed,
        help: "feed list: delete the feed (asks first; starred articles can stay)",
    },
    Binding {
        keys: &[k('i')],
        label: "i",
        modes: ALL,
        action: Action::FeedInfo,
        help: "details of the selected feed: address, schedule, errors, counts",
    },
    Binding {
        keys: &[k('I')],
        label: "I",
        modes: ALL,
        action: Action::Import,
        help: "import an OPML or Newsboat urls file",
    },
    Binding {
        keys: &[k('E')],
        label: "E",
        modes: FEEDS,
        action: Action::ToggleFailingOnly,
        help: "feed list: only the feeds whose last refresh failed, or all",
    },
    Binding {
        keys: &[k('/')],
        label: "/",
        modes: ALL,
        action: Action::Search,
        help: "search the list on screen (all articles from All); results follow the typing",
    },
    Binding {
        keys: &[k('?')],
        label: "?",
        modes: ALL,
        action: Action::Help,
        help: "this help",
    },
    Binding {
        keys: &[k('q'), code(KeyCode::Esc)],
        label: "q, Esc",
        modes: ALL,
        action: Action::Back,
        help: "back; quit from the feed list",
    },
    Binding {
        keys: &[ctrl('l')],
        label: "Ctrl-L",
        modes: ALL,
        action: Action::Redraw,
        help: "redraw the whole screen",
    },
    Binding {
        keys: &[ctrl('c')],
        label: "Ctrl-C",
        modes: ALL,
        action: Action::Quit,
        help: "quit",
    },
];

fn matches(binding: &Key, key: &KeyEvent) -> bool {
    let held_ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    binding.ctrl == held_ctrl
        && match (binding.code, key.code) {
            // Terminals differ on whether Ctrl-letters arrive upper or lower case.
            (KeyCode::Char(a), KeyCode::Char(b)) if held_ctrl => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        }
}

/// The action a key asks for in `mode`; `None` for keys that do nothing there.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    if (key.modifiers.is_empty() || key.modifiers == KeyModifiers::SHIFT)
        && let KeyCode::Char(c @ '1'..='9') = key.code
    {
        return Some(Action::OpenLink(c as u8 - b'0'));
    }
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .find(|b| b.keys.iter().any(|k| matches(k, &key)))
        .map(|b| b.action)
}

/// The help overlay's rows, read from [`BINDINGS`]: (keys, what they do).
pub fn help_rows() -> impl Iterator<Item = (&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| !b.label.is_empty())
        .map(|b| (b.label, b.help))
}

/// The help as a Markdown table (README's key table is this, checked by a test).
pub fn markdown_table() -> String {
    let mut out = String::from("| key | action |\n|---|---|\n");
    for (keys, what) in help_rows() {
        out.push_str(&format!("| `{keys}` | {what} |\n"));
    }
    out
}
