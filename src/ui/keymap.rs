//! Keys to actions, per mode. One table ([`BINDINGS`]) says which keys do what in which pane by
//! default and how the help describes it. The `[keys]` section of `config.toml` ([`KeyConfig`]) is
//! laid over it into the [`Keymap`] in effect; the key lookup, the help overlay and README's key table
//! are all read from a keymap, so they cannot drift apart. Actions are plain data named as serde
//! names them (`page_down`), which is how the config file writes them.
//!
//! Popups (dialogs with text fields) take their keys themselves; `[keys.popup]` can only give them
//! more keys for the moves they know (down, up, pages, top, bottom, Enter, Esc, Tab).

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Everything a key can ask for outside a popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    CopyLink,
    ToggleUnreadOnly,
    CycleOrder,
    OpenLink(u8),
    FetchFullText,
    ToggleTextSource,
    ToggleFeedFullText,
    ToggleImages,
    AddFeed,
    EditFeed,
    DeleteFeed,
    FeedInfo,
    Import,
    ToggleFailingOnly,
    LinkList,
    Search,
    HideLikeThis,
    SaveArticle,
    PipeArticle,
    QueueDownload,
    ShowDownloads,
    OpenInPager,
    Macro,
    Undo,
    Redraw,
    Help,
    Back,
    Quit,
}

/// The actions a key can be bound to in `config.toml` (every one but the numbered links, which the
/// digits open), with their names there (serde's; a test checks they agree).
const ACTION_NAMES: &[(Action, &str)] = &[
    (Action::Down, "down"),
    (Action::Up, "up"),
    (Action::NextPane, "next_pane"),
    (Action::PrevPane, "prev_pane"),
    (Action::Open, "open"),
    (Action::Top, "top"),
    (Action::Bottom, "bottom"),
    (Action::PageDown, "page_down"),
    (Action::PageUp, "page_up"),
    (Action::NextUnread, "next_unread"),
    (Action::PrevUnread, "prev_unread"),
    (Action::RefreshSelected, "refresh_selected"),
    (Action::RefreshAll, "refresh_all"),
    (Action::ToggleRead, "toggle_read"),
    (Action::MarkAllRead, "mark_all_read"),
    (Action::ToggleStar, "toggle_star"),
    (Action::OpenInBrowser, "open_in_browser"),
    (Action::CopyLink, "copy_link"),
    (Action::ToggleUnreadOnly, "toggle_unread_only"),
    (Action::CycleOrder, "cycle_order"),
    (Action::FetchFullText, "fetch_full_text"),
    (Action::ToggleTextSource, "toggle_text_source"),
    (Action::ToggleFeedFullText, "toggle_feed_full_text"),
    (Action::ToggleImages, "toggle_images"),
    (Action::AddFeed, "add_feed"),
    (Action::EditFeed, "edit_feed"),
    (Action::DeleteFeed, "delete_feed"),
    (Action::FeedInfo, "feed_info"),
    (Action::Import, "import"),
    (Action::ToggleFailingOnly, "toggle_failing_only"),
    (Action::LinkList, "link_list"),
    (Action::Search, "search"),
    (Action::HideLikeThis, "hide_like_this"),
    (Action::SaveArticle, "save_article"),
    (Action::PipeArticle, "pipe_article"),
    (Action::QueueDownload, "queue_download"),
    (Action::ShowDownloads, "show_downloads"),
    (Action::OpenInPager, "open_in_pager"),
    (Action::Macro, "macro"),
    (Action::Undo, "undo"),
    (Action::Redraw, "redraw"),
    (Action::Help, "help"),
    (Action::Back, "back"),
    (Action::Quit, "quit"),
];

/// The action name that unbinds a key.
pub const UNBOUND: &str = "none";

/// What dialogs understand from `[keys.popup]`: each action stands for the key the dialogs already
/// know for it.
const POPUP_ACTIONS: &[(Action, KeyCode)] = &[
    (Action::Down, KeyCode::Down),
    (Action::Up, KeyCode::Up),
    (Action::PageDown, KeyCode::PageDown),
    (Action::PageUp, KeyCode::PageUp),
    (Action::Top, KeyCode::Home),
    (Action::Bottom, KeyCode::End),
    (Action::Open, KeyCode::Enter),
    (Action::Back, KeyCode::Esc),
    (Action::NextPane, KeyCode::Tab),
    (Action::PrevPane, KeyCode::BackTab),
    (Action::Quit, KeyCode::Null),
];

impl Action {
    /// The name `config.toml` uses (serde's); `None` for the numbered links.
    pub fn name(self) -> Option<&'static str> {
        ACTION_NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map(|(_, n)| *n)
    }

    /// The action a config file names (`-` may stand for `_`).
    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.trim().replace('-', "_");
        ACTION_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(a, _)| *a)
    }

    /// Every action a key can be bound to.
    pub fn bindable() -> impl Iterator<Item = Action> {
        ACTION_NAMES.iter().map(|(a, _)| *a)
    }

    /// The key a dialog knows for this action (`[keys.popup]`); Ctrl-C for quit.
    pub fn popup_key(self) -> Option<KeyEvent> {
        POPUP_ACTIONS
            .iter()
            .find(|(a, _)| *a == self)
            .map(|(_, code)| match code {
                KeyCode::Null => KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                code => KeyEvent::new(*code, KeyModifiers::NONE),
            })
    }
}

/// Where the keyboard is: which pane has the focus, or a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Feeds,
    Headlines,
    Article,
    /// A dialog is open (it takes its keys itself; see [`Action::popup_key`]).
    Popup,
}

/// The panes' modes, which the default table and `[keys.all]` fill.
pub const PANE_MODES: [Mode; 3] = [Mode::Feeds, Mode::Headlines, Mode::Article];

/// A key: a code and the modifiers that must be held. Shift is part of a character (`G`, `?`) and
/// only a modifier of its own for named keys (`shift-up`); Shift-Tab is [`KeyCode::BackTab`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
        alt: false,
        shift: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
        alt: false,
        shift: false,
    }
}

const fn alt(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
        alt: true,
        shift: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: false,
        alt: false,
        shift: false,
    }
}

/// Names of keys in the config file (lower case), besides single characters.
const KEY_NAMES: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
];

/// What a key may be written as, for error messages.
const KEY_EXPECTED: &str = "a character (`j`, `G`, `?`) or a key name (space, enter, esc, tab, \
     backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown, f1 … f24), \
     after ctrl-, alt- or shift- if held; a chord is keys separated by spaces (`g g`)";

impl Key {
    /// The key of a terminal event, in the form bindings are written in: Shift dropped where the
    /// character carries it, Ctrl-letters in lower case (terminals differ on it).
    pub fn from_event(event: &KeyEvent) -> Key {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let shift = event.modifiers.contains(KeyModifiers::SHIFT);
        match event.code {
            KeyCode::Char(c) => Key {
                code: KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                ctrl,
                alt,
                shift: false,
            },
            KeyCode::BackTab => Key {
                code: KeyCode::BackTab,
                ctrl,
                alt,
                shift: false,
            },
            code => Key {
                code,
                ctrl,
                alt,
                shift,
            },
        }
    }

    /// Reads one key as `config.toml` writes it: `j`, `G`, `?`, `space`, `ctrl-d`, `alt-v`,
    /// `shift-tab`, `f5`, `pagedown` (names and modifiers in any case, `+` for `-`).
    pub fn parse(spec: &str) -> Result<Key, String> {
        let bad = |why: &str| format!("invalid key `{spec}`: {why}; expected {KEY_EXPECTED}");
        let mut key = Key {
            code: KeyCode::Null,
            ctrl: false,
            alt: false,
            shift: false,
        };
        let mut rest = spec;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let Some(at) = rest.find(['-', '+']).filter(|&at| at > 0) else {
                break;
            };
            let (word, after) = (&rest[..at], &rest[at + 1..]);
            if after.is_empty() {
                break;
            }
            match word.to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => key.ctrl = true,
                "alt" | "meta" | "m" => key.alt = true,
                "shift" | "s" => key.shift = true,
                _ => break,
            }
            rest = after;
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad("no key")),
            (Some(c), None) if c.is_control() => return Err(bad("a control character")),
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                let name = rest.to_ascii_lowercase();
                if let Some((_, code)) = KEY_NAMES.iter().find(|(n, _)| *n == name) {
                    *code
                } else if let Some(n) = name
                    .strip_prefix('f')
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=24).contains(n))
                {
                    KeyCode::F(n)
                } else {
                    return Err(bad("unknown key name"));
                }
            }
        };
        match key.code {
            KeyCode::Char(c) if key.shift => {
                if !c.is_alphabetic() || key.ctrl {
                    return Err(bad(
                        "shift- goes with letters and named keys; write the character itself (`?`)",
                    ));
                }
                key.code = KeyCode::Char(c.to_uppercase().next().unwrap_or(c));
                key.shift = false;
            }
            KeyCode::Char(c) if key.ctrl => key.code = KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::Tab if key.shift => {
                key.code = KeyCode::BackTab;
                key.shift = false;
            }
            _ => {}
        }
        Ok(key)
    }

    /// The key as `config.toml` writes it (`ctrl-d`, `space`, `shift-tab`).
    pub fn spec(&self) -> String {
        let mut out = String::new();
        if self.ctrl {
            out.push_str("ctrl-");
        }
        if self.alt {
            out.push_str("alt-");
        }
        if self.shift {
            out.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            code => out.push_str(
                KEY_NAMES
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| n),
            ),
        }
        out
    }

    /// A key that types a character (dialogs with text fields need those).
    fn types_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.ctrl && !self.alt
    }
}

/// How the help and README write a key: `j`, `↓`, `Ctrl-N`, `Alt-V`, `Shift-Tab`, `Space`.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        if self.shift {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other}"),
        }
    }
}

/// A key, or a chord of keys pressed one after the other (`g g`).
pub type KeySeq = Vec<Key>;

/// The longest chord.
const MAX_CHORD: usize = 3;

/// Reads a key or a chord (`g g`, `ctrl-x ctrl-s`); a lone space is the space bar.
pub fn parse_seq(spec: &str) -> Result<KeySeq, String> {
    if spec == " " {
        return Ok(vec![k(' ')]);
    }
    let parts: Vec<&str> = spec.split_whitespace().collect();
    if parts.is_empty() {
        return Err(format!("invalid key `{spec}`: expected {KEY_EXPECTED}"));
    }
    if parts.len() > MAX_CHORD {
        return Err(format!(
            "invalid key `{spec}`: a chord has at most {MAX_CHORD} keys"
        ));
    }
    parts.into_iter().map(Key::parse).collect()
}

/// A chord as `config.toml` writes it.
pub fn seq_spec(seq: &[Key]) -> String {
    seq.iter().map(Key::spec).collect::<Vec<_>>().join(" ")
}

/// A chord as the help writes it.
pub fn seq_label(seq: &[Key]) -> String {
    seq.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line of the default table: the action (or two, described together: down / up) with its
/// keys, the modes the keys work in, and the help text.
pub struct Binding {
    pub actions: &'static [(Action, &'static [Key])],
    pub modes: &'static [Mode],
    pub help: &'static str,
}

const ALL: &[Mode] = &PANE_MODES;
const FEEDS: &[Mode] = &[Mode::Feeds];
const READING: &[Mode] = &[Mode::Headlines, Mode::Article];

/// The default key bindings: Vim keys, arrows and Emacs keys side by side. Digits `1`…`9` (open a
/// numbered link) are handled beside the table.
pub const BINDINGS: &[Binding] = &[
    Binding {
        actions: &[
            (Action::Down, &[k('j'), code(KeyCode::Down), ctrl('n')]),
            (Action::Up, &[k('k'), code(KeyCode::Up), ctrl('p')]),
        ],
        modes: ALL,
        help: "move down / up (scroll in an article)",
    },
    Binding {
        actions: &[
            (
                Action::PrevPane,
                &[k('h'), code(KeyCode::Left), code(KeyCode::BackTab)],
            ),
            (
                Action::NextPane,
                &[k('l'), code(KeyCode::Right), code(KeyCode::Tab)],
            ),
        ],
        modes: ALL,
        help: "previous / next pane",
    },
    Binding {
        actions: &[(Action::Open, &[code(KeyCode::Enter)])],
        modes: ALL,
        help: "open the feed or article",
    },
    Binding {
        actions: &[
            (Action::Top, &[k('g'), code(KeyCode::Home), alt('<')]),
            (Action::Bottom, &[k('G'), code(KeyCode::End), alt('>')]),
        ],
        modes: ALL,
        help: "top / bottom",
    },
    Binding {
        actions: &[
            (
                Action::PageDown,
                &[k(' '), code(KeyCode::PageDown), ctrl('d'), ctrl('v')],
            ),
            (
                Action::PageUp,
                &[k('b'), code(KeyCode::PageUp), ctrl('u'), alt('v')],
            ),
        ],
        modes: ALL,
        help: "page down / up",
    },
    Binding {
        actions: &[
            (Action::NextUnread, &[k('n')]),
            (Action::PrevUnread, &[k('p')]),
        ],
        modes: ALL,
        help: "next / previous unread article",
    },
    Binding {
        actions: &[(Action::RefreshSelected, &[k('r')])],
        modes: ALL,
        help: "refresh the selected feed (or tag)",
    },
    Binding {
        actions: &[(Action::RefreshAll, &[k('R')])],
        modes: ALL,
        help: "refresh all feeds",
    },
    Binding {
        actions: &[(Action::ToggleRead, &[k('m')])],
        modes: ALL,
        help: "toggle read",
    },
    Binding {
        actions: &[(Action::MarkAllRead, &[k('A')])],
        modes: ALL,
        help: "mark everything in the selected feed, tag or list read",
    },
    Binding {
        actions: &[(Action::Undo, &[k('u')])],
        modes: ALL,
        help: "undo the last mark-everything-read",
    },
    Binding {
        actions: &[(Action::ToggleStar, &[k('s')])],
        modes: ALL,
        help: "star / unstar",
    },
    Binding {
        actions: &[(Action::OpenInBrowser, &[k('o')])],
        modes: ALL,
        help: "open the article's link in the browser",
    },
    Binding {
        actions: &[(Action::ToggleUnreadOnly, &[k('U')])],
        modes: ALL,
        help: "the list on screen: only unread articles, or all (remembered for each list)",
    },
    Binding {
        actions: &[(Action::CycleOrder, &[k('O')])],
        modes: ALL,
        help: "the list on screen: newest first, oldest first, or by feed (remembered for each list)",
    },
    Binding {
        actions: &[(Action::CopyLink, &[k('y')])],
        modes: ALL,
        help: "copy the article's link (OSC 52: the terminal puts it on the clipboard)",
    },
    Binding {
        actions: &[(Action::OpenLink(1), &[])],
        modes: ALL,
        help: "open the article's numbered link (several digits, then Enter, for link 10 and up)",
    },
    Binding {
        actions: &[(Action::LinkList, &[k('L')])],
        modes: ALL,
        help: "the article's links: open, copy, or read the page here",
    },
    Binding {
        actions: &[(Action::FetchFullText, &[k('f')])],
        modes: ALL,
        help: "fetch the full article from its web page",
    },
    Binding {
        actions: &[(Action::ToggleTextSource, &[k('t')])],
        modes: ALL,
        help: "switch between the full article and the feed's text",
    },
    Binding {
        actions: &[(Action::ToggleFeedFullText, &[k('F')])],
        modes: ALL,
        help: "full articles on/off for the feed (fetched with each refresh)",
    },
    Binding {
        actions: &[(Action::ToggleImages, &[k('z')])],
        modes: ALL,
        help: "images on/off in the open article",
    },
    Binding {
        actions: &[(Action::AddFeed, &[k('a')])],
        modes: ALL,
        help: "add a feed (a feed or a site's address)",
    },
    Binding {
        actions: &[(Action::EditFeed, &[k('e')])],
        modes: FEEDS,
        help: "feed list: edit the feed (title, tags, interval, full text) or rename the tag",
    },
    Binding {
        actions: &[(Action::DeleteFeed, &[k('d')])],
        modes: FEEDS,
        help: "feed list: delete the feed (asks first; starred articles can stay)",
    },
    Binding {
        actions: &[(Action::FeedInfo, &[k('i')])],
        modes: ALL,
        help: "details of the selected feed: address, schedule, errors, counts",
    },
    Binding {
        actions: &[(Action::Import, &[k('I')])],
        modes: ALL,
        help: "import an OPML or Newsboat urls file",
    },
    Binding {
        actions: &[(Action::ToggleFailingOnly, &[k('E')])],
        modes: FEEDS,
        help: "feed list: only the feeds whose last refresh failed, or all",
    },
    Binding {
        actions: &[(Action::Search, &[k('/')])],
        modes: ALL,
        help: "search the list on screen (all articles from All); results follow the typing; \
               in the search, Ctrl-S keeps it in the feed list, Ctrl-F hides what it finds",
    },
    Binding {
        actions: &[(Action::HideLikeThis, &[k('H')])],
        modes: ALL,
        help: "hide articles like the selected one (a search for its title, to hide with Ctrl-F); \
               in the Hidden list, show it again",
    },
    Binding {
        actions: &[(Action::SaveArticle, &[k('S')])],
        modes: ALL,
        help: "save the open article as a file (Markdown or text) in the save folder",
    },
    Binding {
        actions: &[(Action::PipeArticle, &[k('|')])],
        modes: ALL,
        help: "pipe the open article's text to a command (typed, or pipe_command)",
    },
    Binding {
        actions: &[(Action::OpenInPager, &[k('E')])],
        modes: READING,
        help: "the article's text in $PAGER (else $EDITOR, else less); the reader steps aside",
    },
    Binding {
        actions: &[(Action::Macro, &[k(',')])],
        modes: ALL,
        help: "then a key: run that macro ([macros] in config.toml: a key and a list of actions)",
    },
    Binding {
        actions: &[(Action::QueueDownload, &[k('D')])],
        modes: ALL,
        help: "download the article's enclosure (a podcast episode) into the download folder",
    },
    Binding {
        actions: &[(Action::ShowDownloads, &[k('W')])],
        modes: ALL,
        help: "the download queue: progress; pause, cancel, delete, retry, play",
    },
    Binding {
        actions: &[(Action::Help, &[k('?')])],
        modes: ALL,
        help: "this help",
    },
    Binding {
        actions: &[(Action::Back, &[k('q'), code(KeyCode::Esc), ctrl('g')])],
        modes: ALL,
        help: "back; quit from the feed list",
    },
    Binding {
        actions: &[(Action::Redraw, &[ctrl('l')])],
        modes: ALL,
        help: "redraw the whole screen",
    },
    Binding {
        actions: &[(Action::Quit, &[ctrl('c')])],
        modes: ALL,
        help: "quit",
    },
];

/// Whether one chord is the other or begins it (then one of them could never be typed).
fn overlaps(a: &[Key], b: &[Key]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// One table of `[keys]` as the user wrote it: keys (or chords) and their actions, `None` for
/// `"none"` (unbound). Within one table a key has one action, and a key that acts cannot also begin
/// a chord.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTable {
    pub bindings: Vec<(KeySeq, Option<Action>)>,
}

fn action_label(action: Option<Action>) -> &'static str {
    action.and_then(Action::name).unwrap_or(UNBOUND)
}

impl KeyTable {
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// Adds a binding; a second action for the same key, or a key that is also the start of a chord
    /// in this table, is a conflict.
    pub fn insert(&mut self, seq: KeySeq, action: Option<Action>) -> Result<(), String> {
        for (other, other_action) in &self.bindings {
            if *other == seq {
                if *other_action == action {
                    return Ok(());
                }
                return Err(format!(
                    "conflicting bindings: `{}` is bound to `{}` and to `{}` in the same table \
                     (written the same or differently)",
                    seq_spec(&seq),
                    action_label(*other_action),
                    action_label(action)
                ));
            }
            if overlaps(other, &seq) {
                let (short, long) = if other.len() < seq.len() {
                    (other, &seq)
                } else {
                    (&seq, other)
                };
                return Err(format!(
                    "conflicting bindings: `{}` is bound, so the chord `{}` could never be typed \
                     (in the same table)",
                    seq_spec(short),
                    seq_spec(long)
                ));
            }
        }
        self.bindings.push((seq, action));
        Ok(())
    }
}

/// `[keys]`: a table per mode laid over the defaults (`all` for the three panes, then the pane's
/// own, which wins over `all`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeyConfig {
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub all: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub feeds: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub headlines: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub article: KeyTable,
    #[serde(
        skip_serializing_if = "KeyTable::is_empty",
        deserialize_with = "popup_table"
    )]
    pub popup: KeyTable,
}

impl KeyConfig {
    pub fn is_empty(&self) -> bool {
        *self == KeyConfig::default()
    }
}

/// Reads a key table; `popup` allows only what dialogs understand.
struct TableVisitor {
    popup: bool,
}

/// Reads a key spec (a map key), so a bad one is reported where it is written.
struct SeqSeed {
    popup: bool,
}

impl<'de> DeserializeSeed<'de> for SeqSeed {
    type Value = KeySeq;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<KeySeq, D::Error> {
        let spec = String::deserialize(deserializer)?;
        let seq = parse_seq(&spec).map_err(de::Error::custom)?;
        if self.popup {
            if seq.len() > 1 {
                return Err(de::Error::custom(format!(
                    "invalid key `{spec}` in [keys.popup]: dialogs take no chords"
                )));
            }
            if seq.iter().any(Key::types_text) {
                return Err(de::Error::custom(format!(
                    "invalid key `{spec}` in [keys.popup]: it types a character, which dialogs \
                     with text fields need; use a key with ctrl- or alt-, or a named key"
                )));
            }
        }
        Ok(seq)
    }
}

/// Reads an action name (a map value) and adds the binding, so a conflict is reported at the value.
struct ActionSeed<'a> {
    table: &'a mut KeyTable,
    seq: KeySeq,
    popup: bool,
}

impl<'de> DeserializeSeed<'de> for ActionSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let name = String::deserialize(deserializer)?;
        let action = if name.trim() == UNBOUND {
            None
        } else {
            let Some(action) = Action::from_name(&name) else {
                let names: Vec<&str> = ACTION_NAMES.iter().map(|(_, n)| *n).collect();
                return Err(de::Error::custom(format!(
                    "unknown action `{name}`, expected `{UNBOUND}` or one of `{}`",
                    names.join("`, `")
                )));
            };
            Some(action)
        };
        if self.popup
            && let Some(action) = action
            && action.popup_key().is_none()
        {
            let names: Vec<&str> = POPUP_ACTIONS.iter().filter_map(|(a, _)| a.name()).collect();
            return Err(de::Error::custom(format!(
                "action `{name}` does nothing in dialogs; [keys.popup] takes `{UNBOUND}` or one of \
                 `{}`",
                names.join("`, `")
            )));
        }
        self.table
            .insert(self.seq, action)
            .map_err(de::Error::custom)
    }
}

impl<'de> Visitor<'de> for TableVisitor {
    type Value = KeyTable;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of keys and action names, e.g. \"ctrl-d\" = \"page_down\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyTable, A::Error> {
        let mut table = KeyTable::default();
        while let Some(seq) = map.next_key_seed(SeqSeed { popup: self.popup })? {
            map.next_value_seed(ActionSeed {
                table: &mut table,
                seq,
                popup: self.popup,
            })?;
        }
        Ok(table)
    }
}

impl<'de> Deserialize<'de> for KeyTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TableVisitor { popup: false })
    }
}

fn popup_table<'de, D: Deserializer<'de>>(deserializer: D) -> Result<KeyTable, D::Error> {
    deserializer.deserialize_map(TableVisitor { popup: true })
}

impl Serialize for KeyTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.bindings.len()))?;
        for (seq, action) in &self.bindings {
            map.serialize_entry(&seq_spec(seq), action_label(*action))?;
        }
        map.end()
    }
}

/// What a key (after the keys of a chord begun before it) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Action(Action),
    /// The start of a chord: wait for its next key.
    Pending(KeySeq),
    /// A chord begun was left with Esc.
    Cancelled,
    /// Nothing is bound to it.
    Nothing,
}

/// What a key sequence is in one mode's table.
enum Lookup {
    Bound(Option<Action>),
    Prefix,
    Unbound,
}

/// The keys in effect: the defaults with `[keys]` laid over them. In each mode a key (or chord) has
/// at most one action; a user binding replaces every default it overlaps (the same key, or a chord
/// starting with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: HashMap<Mode, Vec<(KeySeq, Option<Action>)>>,
}

impl Default for Keymap {
    fn default() -> Self {
        DEFAULT_KEYMAP.clone()
    }
}

static DEFAULT_KEYMAP: LazyLock<Keymap> = LazyLock::new(|| Keymap::new(&KeyConfig::default()));

/// Lays a user's table over `bindings`: each binding takes the place of the first one it overlaps
/// (so the help lists keys in the same order), and the others it overlaps go.
fn lay_over(bindings: &mut Vec<(KeySeq, Option<Action>)>, table: &KeyTable) {
    for (seq, action) in &table.bindings {
        let at = bindings
            .iter()
            .position(|(other, _)| overlaps(other, seq))
            .unwrap_or(bindings.len());
        bindings.retain(|(other, _)| !overlaps(other, seq));
        bindings.insert(at.min(bindings.len()), (seq.clone(), *action));
    }
}

impl Keymap {
    /// The defaults, then `[keys.all]`, then each pane's own table.
    pub fn new(config: &KeyConfig) -> Keymap {
        let mut modes = HashMap::new();
        for mode in PANE_MODES {
            let mut bindings: Vec<(KeySeq, Option<Action>)> = BINDINGS
                .iter()
                .filter(|b| b.modes.contains(&mode))
                .flat_map(|b| b.actions.iter())
                .flat_map(|(action, keys)| keys.iter().map(|key| (vec![*key], Some(*action))))
                .collect();
            lay_over(&mut bindings, &config.all);
            let own = match mode {
                Mode::Feeds => &config.feeds,
                Mode::Headlines => &config.headlines,
                _ => &config.article,
            };
            lay_over(&mut bindings, own);
            modes.insert(mode, bindings);
        }
        let mut popup = Vec::new();
        lay_over(&mut popup, &config.popup);
        modes.insert(Mode::Popup, popup);
        Keymap { modes }
    }

    fn bindings(&self, mode: Mode) -> &[(KeySeq, Option<Action>)] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    fn lookup(&self, mode: Mode, seq: &[Key]) -> Lookup {
        let mut prefix = false;
        for (bound, action) in self.bindings(mode) {
            if bound.as_slice() == seq {
                return Lookup::Bound(*action);
            }
            prefix |= bound.len() > seq.len() && bound.starts_with(seq);
        }
        if prefix {
            Lookup::Prefix
        } else {
            Lookup::Unbound
        }
    }

    /// What `event` asks for in `mode`, after the keys of a chord begun before it (`pending`). A key
    /// that does not continue the chord counts on its own.
    pub fn resolve(&self, mode: Mode, pending: &[Key], event: &KeyEvent) -> Resolved {
        let key = Key::from_event(event);
        if !pending.is_empty() {
            let mut seq = pending.to_vec();
            seq.push(key);
            match self.lookup(mode, &seq) {
                Lookup::Bound(Some(action)) => return Resolved::Action(action),
                Lookup::Bound(None) => return Resolved::Nothing,
                Lookup::Prefix => return Resolved::Pending(seq),
                Lookup::Unbound if key == code(KeyCode::Esc) => return Resolved::Cancelled,
                Lookup::Unbound => {}
            }
        }
        match self.lookup(mode, &[key]) {
            Lookup::Bound(Some(action)) => Resolved::Action(action),
            Lookup::Bound(None) => Resolved::Nothing,
            Lookup::Prefix => Resolved::Pending(vec![key]),
            Lookup::Unbound => match key.code {
                KeyCode::Char(c @ '1'..='9') if !key.ctrl && !key.alt && mode != Mode::Popup => {
                    Resolved::Action(Action::OpenLink(c as u8 - b'0'))
                }
                // Shift with a named key that has no binding of its own: the key without it.
                _ if key.shift => {
                    let plain = Key {
                        shift: false,
                        ..key
                    };
                    match self.lookup(mode, &[plain]) {
                        Lookup::Bound(Some(action)) => Resolved::Action(action),
                        _ => Resolved::Nothing,
                    }
                }
                _ => Resolved::Nothing,
            },
        }
    }

    /// The action a single key asks for in `mode` (`None` for keys that do nothing there, or begin
    /// a chord).
    pub fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        match self.resolve(mode, &[], event) {
            Resolved::Action(action) => Some(action),
            _ => None,
        }
    }

    /// Whether `event` was unbound in `mode` (`"none"`).
    pub fn is_unbound(&self, mode: Mode, event: &KeyEvent) -> bool {
        matches!(
            self.lookup(mode, &[Key::from_event(event)]),
            Lookup::Bound(None)
        )
    }

    /// The keys bound to `action` in `mode`, in the order they were bound.
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<KeySeq> {
        self.bindings(mode)
            .iter()
            .filter(|(_, a)| *a == Some(action))
            .map(|(seq, _)| seq.clone())
            .collect()
    }

    /// The help's rows: (keys, what they do), in the default table's order. `Some(mode)`: the keys
    /// of that mode; `None`: of any pane (README). Rows without keys are left out.
    pub fn help_rows(&self, mode: Option<Mode>) -> Vec<(String, &'static str)> {
        let modes: Vec<Mode> = match mode {
            Some(mode) => vec![mode],
            None => PANE_MODES.to_vec(),
        };
        let mut rows = Vec::new();
        for binding in BINDINGS {
            if binding
                .actions
                .iter()
                .any(|(a, _)| matches!(a, Action::OpenLink(_)))
            {
                rows.push(("1 … 9".to_string(), binding.help));
                continue;
            }
            let groups: Vec<Vec<String>> = binding
                .actions
                .iter()
                .map(|(action, _)| {
                    let mut labels: Vec<String> = Vec::new();
                    for mode in &modes {
                        for seq in self.keys_for(*mode, *action) {
                            let label = seq_label(&seq);
                            if !labels.contains(&label) {
                                labels.push(label);
                            }
                        }
                    }
                    labels
                })
                .collect();
            // Keys pair up (`j / k`) as long as they are the defaults; changed ones are listed.
            let defaults: Vec<Vec<String>> = binding
                .actions
                .iter()
                .map(|(_, keys)| keys.iter().map(ToString::to_string).collect())
                .collect();
            let label = keys_label(&groups, groups == defaults);
            if !label.is_empty() {
                rows.push((label, binding.help));
            }
        }
        rows
    }

    /// The help as a Markdown table (README's key table is the default keymap's, checked by a test).
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| key | action |\n|---|---|\n");
        for (keys, what) in self.help_rows(None) {
            // A `|` would end the cell, even in code.
            let keys = keys.replace('|', "\\|");
            out.push_str(&format!("| `{keys}` | {what} |\n"));
        }
        out
    }
}

/// The keys of a help row: `q, Esc` for one action; for two, their keys side by side when they are
/// the default pairs (`j / k, ↓ / ↑`), else each action's keys (`x, ↓ / k, ↑`).
fn keys_label(groups: &[Vec<String>], paired: bool) -> String {
    match groups {
        [one] => one.join(", "),
        [a, b] if paired && a.len() == b.len() => a
            .iter()
            .zip(b)
            .map(|(x, y)| format!("{x} / {y}"))
            .collect::<Vec<_>>()
            .join(", "),
        groups => groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| g.join(", "))
            .collect::<Vec<_>>()
            .join(" / "),
    }
}

/// The action a key asks for in `mode` with the default keys; `None` for keys that do nothing there.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    DEFAULT_KEYMAP.action(mode, &key)
}

/// The default help rows (keys, what they do).
pub fn help_rows() -> Vec<(String, &'static str)> {
    DEFAULT_KEYMAP.help_rows(None)
}

/// The default keys as a Markdown table (README's key table is this, checked by a test).
pub fn markdown_table() -> String {
    DEFAULT_KEYMAP.markdown_table()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<KeyConfig, String> {
        toml::from_str::<KeyConfig>(text).map_err(|e| e.to_string())
    }

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn names_are_serdes() {
        for (action, name) in ACTION_NAMES {
            assert_eq!(
                serde_json::to_string(action).unwrap(),
                format!("\"{name}\"")
            );
            assert_eq!(Action::from_name(name), Some(*action));
        }
        assert_eq!(Action::from_name("page-down"), Some(Action::PageDown));
        assert_eq!(Action::from_name("open_link"), None);
    }

    #[test]
    fn every_bindable_action_has_a_help_row() {
        for action in Action::bindable() {
            assert!(
                BINDINGS
                    .iter()
                    .any(|b| b.actions.iter().any(|(a, _)| *a == action)),
                "{action:?}"
            );
        }
    }

    #[test]
    fn keys_parse_in_every_spelling() {
        let cases: &[(&str, Key)] = &[
            ("j", k('j')),
            ("G", k('G')),
            ("?", k('?')),
            ("-", k('-')),
            ("+", k('+')),
            (" ", k(' ')),
            ("space", k(' ')),
            ("Space", k(' ')),
            ("ctrl-d", ctrl('d')),
            ("Ctrl-D", ctrl('d')),
            ("C-d", ctrl('d')),
            ("ctrl+d", ctrl('d')),
            ("ctrl--", ctrl('-')),
            ("alt-v", alt('v')),
            ("M-v", alt('v')),
            ("alt-V", alt('V')),
            ("shift-a", k('A')),
            ("shift-tab", code(KeyCode::BackTab)),
            ("backtab", code(KeyCode::BackTab)),
            ("f5", code(KeyCode::F(5))),
            ("F12", code(KeyCode::F(12))),
            ("pgdn", code(KeyCode::PageDown)),
            ("enter", code(KeyCode::Enter)),
            ("esc", code(KeyCode::Esc)),
            (
                "shift-up",
                Key {
                    shift: true,
                    ..code(KeyCode::Up)
                },
            ),
        ];
        for (spec, key) in cases {
            assert_eq!(Key::parse(spec).as_ref(), Ok(key), "{spec:?}");
            // The canonical spelling reads back as the same key.
            assert_eq!(Key::parse(&key.spec()).as_ref(), Ok(key), "{spec:?}");
        }
        assert_eq!(parse_seq("g g"), Ok(vec![k('g'), k('g')]));
        assert_eq!(parse_seq("ctrl-x  ctrl-s"), Ok(vec![ctrl('x'), ctrl('s')]));
        for bad in [
            "", "ctrl-", "f0", "f25", "hyper-x", "pagedwn", "shift-?", "a b c d", "\u{7}",
        ] {
            assert!(parse_seq(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events_match_as_terminals_send_them() {
        let map = Keymap::default();
        let ev = |code, mods| KeyEvent::new(code, mods);
        // Ctrl-letters in either case, Shift carried by the character or not.
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        // Shift with an arrow that has no binding of its own: the arrow.
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::Down, KeyModifiers::SHIFT)),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::Char('v'), KeyModifiers::ALT)),
            Some(Action::PageUp)
        );
        assert_eq!(
            map.action(Mode::Feeds, &ev(KeyCode::Char('<'), KeyModifiers::ALT)),
            Some(Action::Top)
        );
        assert_eq!(
            map.action(Mode::Feeds, &press('3')),
            Some(Action::OpenLink(3))
        );
        assert_eq!(map.action(Mode::Popup, &press('j')), None);
    }

    #[test]
    fn a_user_binding_replaces_the_default_for_that_key() {
        let config = table(
            "[all]\nx = \"toggle_read\"\nm = \"none\"\nj = \"up\"\n\
             [article]\nx = \"toggle_star\"\n\"3\" = \"none\"\n",
        )
        .unwrap();
        let map = Keymap::new(&config);
        for mode in PANE_MODES {
            assert_eq!(map.action(mode, &press('m')), None, "{mode:?}");
            assert_eq!(map.action(mode, &press('j')), Some(Action::Up));
            // Other keys of the action stay.
            assert_eq!(
                map.action(mode, &KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
                Some(Action::Down)
            );
        }
        assert_eq!(
            map.action(Mode::Feeds, &press('x')),
            Some(Action::ToggleRead)
        );
        // The pane's own table wins over `all`.
        assert_eq!(
            map.action(Mode::Article, &press('x')),
            Some(Action::ToggleStar)
        );
        assert_eq!(map.action(Mode::Article, &press('3')), None);
        assert_eq!(
            map.action(Mode::Feeds, &press('3')),
            Some(Action::OpenLink(3))
        );
        assert_eq!(
            map.keys_for(Mode::Headlines, Action::ToggleRead),
            vec![vec![k('x')]]
        );
    }

    #[test]
    fn chords_wait_for_their_second_key() {
        let config = table("[headlines]\n\"g g\" = \"top\"\n\"g x\" = \"quit\"\n").unwrap();
        let map = Keymap::new(&config);
        // The chord replaced the default `g` in headlines only.
        assert_eq!(
            map.resolve(Mode::Headlines, &[], &press('g')),
            Resolved::Pending(vec![k('g')])
        );
        assert_eq!(
            map.resolve(Mode::Headlines, &[k('g')], &press('g')),
            Resolved::Action(Action::Top)
        );
        assert_eq!(
            map.resolve(Mode::Headlines, &[k('g')], &press('x')),
            Resolved::Action(Action::Quit)
        );
        // A key that does not continue the chord counts on its own; Esc only cancels.
        assert_eq!(
            map.resolve(Mode::Headlines, &[k('g')], &press('j')),
            Resolved::Action(Action::Down)
        );
        assert_eq!(
            map.resolve(
                Mode::Headlines,
                &[k('g')],
                &KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)
            ),
            Resolved::Cancelled
        );
        assert_eq!(map.action(Mode::Feeds, &press('g')), Some(Action::Top));
        let rows = map.help_rows(Some(Mode::Headlines));
        assert!(
            rows.iter()
                .any(|(keys, _)| keys == "g g, Home, Alt-< / G, End, Alt->"),
            "{rows:?}"
        );
    }

    #[test]
    fn conflicts_are_errors_with_the_place() {
        let cases: &[(&str, &[&str])] = &[
            (
                "[feeds]\n\"ctrl-d\" = \"down\"\n\"Ctrl-D\" = \"quit\"\n",
                &["column 12", "`ctrl-d` is bound to", "`down`", "`quit`"],
            ),
            (
                "[headlines]\ng = \"top\"\n\"g g\" = \"bottom\"\n",
                &[
                    "line 3",
                    "`g` is bound, so the chord `g g` could never be typed",
                ],
            ),
            (
                "[article]\nx = \"explode\"\n",
                &[
                    "line 2, column 5",
                    "unknown action `explode`",
                    "`page_down`",
                ],
            ),
            (
                "[article]\n\"ctrl-shift\" = \"quit\"\n",
                &["line 2, column 1", "invalid key `ctrl-shift`", "f1 … f24"],
            ),
            (
                "[panes]\nx = \"quit\"\n",
                &["unknown field `panes`", "`headlines`"],
            ),
            (
                "[popup]\nj = \"down\"\n",
                &["line 2, column 1", "types a character"],
            ),
            (
                "[popup]\n\"ctrl-r\" = \"refresh_all\"\n",
                &["line 2, column 12", "does nothing in dialogs", "`down`"],
            ),
        ];
        for (text, expected) in cases {
            let err = table(text).expect_err(text);
            for e in *expected {
                assert!(err.contains(e), "{text}: no {e:?} in {err}");
            }
        }
        // The same binding twice is no conflict; a pane's table over `all` is none either.
        let config = table("[all]\nx = \"quit\"\n[feeds]\nx = \"help\"\nX = \"help\"\n").unwrap();
        assert_eq!(
            Keymap::new(&config).action(Mode::Feeds, &press('x')),
            Some(Action::Help)
        );
    }

    #[test]
    fn after_merging_no_key_has_two_actions() {
        let config = table(
            "[all]\n\"g g\" = \"top\"\nj = \"up\"\n[feeds]\ng = \"help\"\n\"j k\" = \"quit\"\n",
        )
        .unwrap();
        let map = Keymap::new(&config);
        for mode in PANE_MODES {
            let bindings = map.bindings(mode);
            for (i, (a, _)) in bindings.iter().enumerate() {
                for (b, _) in &bindings[i + 1..] {
                    assert!(!overlaps(a, b), "{mode:?}: {a:?} and {b:?}");
                }
            }
        }
        assert_eq!(map.action(Mode::Feeds, &press('g')), Some(Action::Help));
        assert_eq!(
            map.resolve(Mode::Feeds, &[k('j')], &press('k')),
            Resolved::Action(Action::Quit)
        );
    }

    #[test]
    fn tables_print_back_as_they_read() {
        let text = "[feeds]\n\"ctrl-d\" = \"quit\"\n\"g g\" = \"top\"\nx = \"none\"\n\
                    [popup]\n\"ctrl-j\" = \"down\"\n";
        let config = table(text).unwrap();
        let printed = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<KeyConfig>(&printed).unwrap(), config);
        assert!(printed.contains("\"g g\" = \"top\""), "{printed}");
    }

    #[test]
    fn the_default_help_pairs_the_keys() {
        let rows = help_rows();
        assert_eq!(rows[0].0, "j / k, ↓ / ↑, Ctrl-N / Ctrl-P");
        assert_eq!(rows[1].0, "h / l, ← / →, Shift-Tab / Tab");
        assert!(rows.iter().any(|(k, _)| k == "q, Esc, Ctrl-G"));
        assert!(
            rows.iter()
                .any(|(k, _)| k == "Space / b, PgDn / PgUp, Ctrl-D / Ctrl-U, Ctrl-V / Alt-v")
        );
        // Feed-list keys show in the feed list's help only.
        let headlines = Keymap::default().help_rows(Some(Mode::Headlines));
        assert!(!headlines.iter().any(|(k, _)| k == "e"));
        assert!(
            Keymap::default()
                .help_rows(Some(Mode::Feeds))
                .iter()
                .any(|(k, _)| k == "e")
        );
    }
}
