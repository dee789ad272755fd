//! Keys and popups: a key goes to the popup on top, else through the focused pane's keymap; the
//! subscription popups (add, edit, rename a tag, delete, details, import) are opened here and their
//! outcomes applied to the app's own state.

use crossterm::event::KeyEvent;

use super::{App, Command, Done, Msg, Pane};
use crate::store::Scope;
use crate::ui::keymap::{self, Mode, Resolved};

/// Quits from anywhere, a dialog included.
const CTRL_C: keymap::Key = keymap::Key {
    code: crossterm::event::KeyCode::Char('c'),
    ctrl: true,
    alt: false,
    shift: false,
};
use crate::ui::popups::{self, Context, Outcome, Popup, Then};

impl App {
    /// The keymap mode of the focused pane.
    pub fn mode(&self) -> Mode {
        match self.focus {
            Pane::Feeds => Mode::Feeds,
            Pane::Headlines => Mode::Headlines,
            Pane::Article => Mode::Article,
        }
    }

    /// Every tag in use (for completion in the dialogs).
    pub fn known_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self.feeds.iter().flat_map(|f| f.tags.clone()).collect();
        tags.sort_by_key(|t| t.to_lowercase());
        tags.dedup();
        tags
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let tags = self.known_tags();
        let cx = Context {
            tags: &tags,
            tz: self.tz,
            theme: &self.theme,
        };
        if let Some(popup) = self.popups.last_mut() {
            self.pending_keys.clear();
            // Ctrl-C quits from anywhere, a dialog included.
            if keymap::Key::from_event(&key) == CTRL_C {
                self.quit = true;
                return vec![];
            }
            // `[keys.popup]` gives dialogs more keys for what they know; "none" silences a key.
            let key = match self.keymap.resolve(Mode::Popup, &[], &key) {
                Resolved::Action(keymap::Action::Quit) => {
                    self.quit = true;
                    return vec![];
                }
                Resolved::Action(action) => match action.popup_key() {
                    Some(known) => known,
                    None => return vec![],
                },
                _ if self.keymap.is_unbound(Mode::Popup, &key) => return vec![],
                _ => key,
            };
            let outcome = popup.on_key(key, &cx);
            return self.apply(outcome);
        }
        if std::mem::take(&mut self.macro_pending) {
            return self.run_macro(&key);
        }
        let pending = std::mem::take(&mut self.pending_keys);
        match self.keymap.resolve(self.mode(), &pending, &key) {
            Resolved::Action(action) => {
                if !pending.is_empty() {
                    self.notice = None;
                }
                self.update(Msg::Action(action))
            }
            Resolved::Pending(seq) => {
                self.notice = Some(format!("{} …", keymap::seq_label(&seq)));
                self.pending_keys = seq;
                vec![]
            }
            Resolved::Cancelled => {
                self.notice = None;
                vec![]
            }
            Resolved::Nothing => {
                if !pending.is_empty() {
                    self.notice = None;
                }
                vec![]
            }
        }
    }

    /// `,` then `key`: the macro's actions in turn, as if their keys were pressed.
    fn run_macro(&mut self, key: &KeyEvent) -> Vec<Command> {
        let crossterm::event::KeyCode::Char(c) = key.code else {
            self.notice = None;
            return vec![];
        };
        let Some(actions) = self.macros.get(&c).cloned() else {
            return self.say(&format!("No macro on {c} ([macros] in config.toml)"));
        };
        self.notice = None;
        let mut commands = Vec::new();
        for action in actions {
            commands.extend(self.update(Msg::Action(action)));
            if self.quit {
                break;
            }
        }
        commands
    }

    /// `,`: the next key names a macro.
    pub(super) fn start_macro(&mut self) -> Vec<Command> {
        if self.macros.is_empty() {
            return self.say("No macros yet: [macros] in config.toml, e.g. r = [\"toggle_read\", \"next_unread\"]");
        }
        self.macro_pending = true;
        self.notice = Some(", …".into());
        vec![]
    }

    pub(super) fn on_done(&mut self, done: Done) -> Vec<Command> {
        match self.popups.last_mut() {
            Some(popup) => {
                let outcome = popup.on_done(&done);
                self.apply(outcome)
            }
            None => {
                // The dialog was closed before its work finished: still tell what happened.
                match &done {
                    Done::Added(Ok((id, _))) => self.apply(Outcome {
                        then: Some(Then::ShowFeed(*id)),
                        ..Outcome::default()
                    }),
                    Done::Probed(_) | Done::Details(_) | Done::Found { .. } => vec![],
                    Done::Changed(Ok(what)) => {
                        self.notice = Some(crate::text::clean_line(what));
                        self.reload()
                    }
                    Done::Changed(Err(e)) => {
                        self.last_error = Some(crate::text::clean_line(e));
                        vec![]
                    }
                    _ => self.reload(),
                }
            }
        }
    }

    fn apply(&mut self, outcome: Outcome) -> Vec<Command> {
        if outcome.close {
            self.popups.pop();
        }
        if let Some(notice) = outcome.notice {
            self.notice = Some(crate::text::clean_line(&notice));
        }
        let mut commands: Vec<Command> = Vec::with_capacity(outcome.commands.len());
        for command in outcome.commands {
            match command {
                // A search result: its article opens in the pane (and counts as read).
                Command::OpenFound(id) => {
                    self.focus = Pane::Article;
                    self.keep_cursors_visible();
                    commands.push(self.load_article(id));
                    commands.push(Command::SetRead { id, read: true });
                }
                Command::PipeTo(command) => commands.extend(self.pipe_article(command)),
                other => commands.push(other),
            }
        }
        for command in &mut commands {
            if let Command::FetchLinkPage { width, .. } = command {
                *width = self.article_width();
                self.pending_article = Some(super::LINKED_PAGE);
            }
        }
        match outcome.then {
            None => {}
            Some(Then::Reload) => commands.extend(self.reload()),
            Some(Then::ShowFeed(id)) => {
                self.select_after_load = Some(Scope::Feed(id));
                commands.extend(self.reload());
            }
            Some(Then::FeedRemoved(id)) => {
                if self.scope == Scope::Feed(id) {
                    self.scope = Scope::All;
                    self.feed_cursor = 0;
                    self.headline_cursor = 0;
                    self.headline_offset = 0;
                    self.headlines = Default::default();
                    self.headlines_loaded = false;
                }
                if self.article.as_ref().is_some_and(|a| a.feed_id == id) {
                    self.article = None;
                    if self.focus == Pane::Article {
                        self.focus = Pane::Headlines;
                    }
                }
                commands.extend(self.reload());
            }
        }
        commands
    }

    /// After the feed list was (re)loaded: select the feed just added, if any.
    pub(super) fn after_feeds_loaded(&mut self) -> Vec<Command> {
        // A feed removed elsewhere (the command line) is not shown any longer.
        if let Scope::Feed(id) = self.scope
            && self.feeds.iter().all(|f| f.id != id)
            && self.select_after_load.is_none()
        {
            if self.article.as_ref().is_some_and(|a| a.feed_id == id) {
                self.article = None;
                self.focus = Pane::Feeds;
            }
            self.select_after_load = Some(Scope::All);
        }
        let Some(scope) = self.select_after_load.take() else {
            return vec![];
        };
        match self.entries.iter().position(|e| e.scope == scope) {
            Some(i) => {
                self.feed_cursor = i;
                self.focus = Pane::Feeds;
                self.keep_cursors_visible();
                self.select_scope()
            }
            None => vec![],
        }
    }

    fn selected_scope(&self) -> Option<&Scope> {
        self.entries.get(self.feed_cursor).map(|e| &e.scope)
    }

    /// The feed the dialogs act on: the selected feed in the feed list, else the shown article's or
    /// headline's feed.
    fn target_feed(&self) -> Option<i64> {
        match self.focus {
            Pane::Feeds => match self.selected_scope() {
                Some(Scope::Feed(id)) => Some(*id),
                _ => None,
            },
            Pane::Headlines => self.selected_headline().map(|h| h.feed_id),
            Pane::Article => self.article.as_ref().map(|a| a.feed_id),
        }
    }

    pub(super) fn open_edit(&mut self) -> Vec<Command> {
        if let Some(Scope::Tag(tag)) = self.selected_scope() {
            let popup = popups::RenameTag::new(tag);
            self.popups.push(Popup::RenameTag(popup));
            return vec![];
        }
        let feed = self
            .target_feed()
            .and_then(|id| self.feeds.iter().find(|f| f.id == id));
        match feed {
            Some(feed) => {
                let popup = popups::EditFeed::new(feed);
                self.popups.push(Popup::EditFeed(popup));
                vec![]
            }
            None => self.say("Select a feed (or a tag) in the feed list to edit it"),
        }
    }

    pub(super) fn open_delete(&mut self) -> Vec<Command> {
        // A saved search selected in the feed list goes at once (it is only a query).
        if self.focus == Pane::Feeds
            && let Some(Scope::Search(query)) = self.entries.get(self.feed_cursor).map(|e| &e.scope)
        {
            let query = query.clone();
            return vec![Command::RemoveSavedSearch(query)];
        }
        let feed = self
            .target_feed()
            .and_then(|id| self.feeds.iter().find(|f| f.id == id));
        match feed {
            Some(feed) => {
                let (id, title) = (feed.id, feed.title.clone());
                self.popups
                    .push(Popup::DeleteFeed(popups::DeleteFeed::new(id, &title)));
                vec![Command::LoadDetails(id)]
            }
            None => self.say("Select a feed in the feed list to delete it"),
        }
    }

    /// `H`: in the Hidden list, show the selected article again; elsewhere a search for articles
    /// like it (its title as a phrase), whose results Ctrl-F hides.
    pub(super) fn hide_like_this(&mut self) -> Vec<Command> {
        let Some(h) = self.selected_headline().cloned() else {
            return self.say("Select an article first");
        };
        if self.scope == Scope::Hidden {
            return vec![Command::Unhide(h.id)];
        }
        let title: String = crate::text::clean_line(&h.title)
            .chars()
            .filter(|c| *c != '"')
            .take(120)
            .collect();
        let mut search = popups::Search::new(Scope::All, "everything".into());
        search.field = popups::TextField::new(&format!("title:\"{title}\""));
        let outcome = search.search_now();
        self.popups.push(Popup::Search(search));
        self.apply(outcome)
    }

    pub(super) fn open_info(&mut self) -> Vec<Command> {
        match self.target_feed() {
            Some(id) => {
                self.popups.push(Popup::FeedInfo(popups::FeedInfo::new(id)));
                vec![Command::LoadDetails(id)]
            }
            None => self.say("Select a feed to see its details"),
        }
    }

    pub(super) fn toggle_failing_only(&mut self) -> Vec<Command> {
        self.failing_only = !self.failing_only;
        let failing = self.feeds.iter().filter(|f| f.last_error.is_some()).count();
        self.notice = Some(if self.failing_only {
            format!("Showing the {failing} feeds whose last refresh failed (E shows all)")
        } else {
            "Showing all feeds".to_string()
        });
        self.rebuild_entries();
        self.select_scope()
    }
}
