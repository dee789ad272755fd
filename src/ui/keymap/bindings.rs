//! The default table: every key the reader knows, the modes it works in and the help text for it.

use crossterm::event::KeyCode;

use super::key::{alt, code, ctrl, k};
use super::{Action, Key, Mode, PANE_MODES};

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
