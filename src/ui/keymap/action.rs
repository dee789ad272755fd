//! What keys can ask for: the [`Action`]s with the names the config file and the help use, the
//! popups' own moves, and the [`Mode`]s (panes) a key works in.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

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
pub(super) const ACTION_NAMES: &[(Action, &str)] = &[
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
pub(super) const POPUP_ACTIONS: &[(Action, KeyCode)] = &[
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
