//! The headline list is read in windows: the reader holds [`HEADLINE_WINDOW`] rows around what is on
//! screen and asks for the next window before the cursor reaches the edge, so a list of a million
//! articles costs what a list of a thousand does.

use super::{App, Command, Pane};
use crate::store::{HeadlineWindow, Scope};
use crate::ui::layout::{inner_height, pane_areas};

/// Headlines held in memory around the visible rows.
pub const HEADLINE_WINDOW: usize = 600;
/// A new window is asked for when the visible rows come this close to the loaded window's edge.
const WINDOW_MARGIN: usize = 150;

impl App {
    /// The answer to `LoadHeadlines`: keeps the cursor on the same article when the window still holds
    /// it (new articles above it move it down), then asks for more if the screen needs it.
    pub(super) fn window_loaded(&mut self, scope: Scope, window: HeadlineWindow) -> Vec<Command> {
        if scope != self.scope {
            return vec![];
        }
        let keep = self.selected_headline().map(|h| h.id);
        self.install_window(window);
        if let Some(i) = keep.and_then(|id| self.headlines.rows.iter().position(|h| h.id == id)) {
            self.headline_cursor = self.headlines.start + i;
        }
        self.headline_cursor = self
            .headline_cursor
            .min(self.headlines.total.saturating_sub(1));
        self.keep_cursors_visible();
        self.fetch_window_if_needed()
    }

    pub(super) fn install_window(&mut self, window: HeadlineWindow) {
        self.headlines = window;
        self.headlines_loaded = true;
        self.window_pending = false;
    }

    /// Rows the headline pane shows (also when another pane has the screen in the narrow layout).
    pub(super) fn headline_rows(&self) -> usize {
        pane_areas(self.size, Pane::Headlines)
            .headlines
            .map(inner_height)
            .unwrap_or(1)
            .max(1)
    }

    /// Asks for the window around the visible rows when they come near the loaded window's edge; one
    /// load at a time.
    pub(super) fn fetch_window_if_needed(&mut self) -> Vec<Command> {
        if !self.headlines_loaded || self.window_pending {
            return vec![];
        }
        let rows = self.headline_rows();
        let from = self.headline_offset.saturating_sub(WINDOW_MARGIN);
        let to = self.headline_offset + rows + WINDOW_MARGIN;
        if self.headlines.covers(from, to) {
            return vec![];
        }
        self.window_pending = true;
        vec![Command::LoadHeadlines {
            scope: self.scope.clone(),
            start: (self.headline_offset + rows / 2).saturating_sub(HEADLINE_WINDOW / 2),
        }]
    }

    /// `n` / `p`: the nearest unread article in the loaded window, else asks the store to find it.
    pub(super) fn jump_unread(&mut self, forward: bool) -> Vec<Command> {
        let start = self.headline_cursor;
        let window = &self.headlines;
        let end = window.start + window.rows.len();
        let found = if forward {
            // From the feed list the selected article is a candidate itself, unless it is the one open.
            let open_here = self
                .article
                .as_ref()
                .is_some_and(|a| window.get(start).is_some_and(|h| h.id == a.id));
            let from = if open_here || self.focus != Pane::Feeds {
                start + 1
            } else {
                start
            };
            (from.max(window.start)..end).find(|&i| window.get(i).is_some_and(|h| !h.read))
        } else {
            (window.start..start.min(end))
                .rev()
                .find(|&i| window.get(i).is_some_and(|h| !h.read))
        };
        if let Some(i) = found {
            self.headline_cursor = i;
            return self.open_selected();
        }
        let searched_all = if forward {
            end >= window.total
        } else {
            window.start == 0
        };
        if searched_all {
            if let Some(commands) = self.unread_in_next_feed(forward) {
                return commands;
            }
            return self.say(if forward {
                "No more unread articles below"
            } else {
                "No unread articles above"
            });
        }
        let from = if forward {
            end.max(start + 1)
        } else {
            window.start.min(start)
        };
        vec![Command::FindUnread {
            scope: self.scope.clone(),
            from,
            forward,
        }]
    }

    /// At the end of a feed's list, `n` goes on to the next feed with unread articles (and `p` back
    /// to the previous one, to its last unread article), as in Newsboat.
    fn unread_in_next_feed(&mut self, forward: bool) -> Option<Vec<Command>> {
        if !matches!(self.scope, Scope::Feed(_)) {
            return None;
        }
        let here = self.entries.iter().position(|e| e.scope == self.scope)?;
        let has_unread = |i: &usize| {
            let e = &self.entries[*i];
            matches!(e.scope, Scope::Feed(_)) && e.unread > 0 && e.scope != self.scope
        };
        let next = if forward {
            (here + 1..self.entries.len()).find(has_unread)
        } else {
            (0..here).rev().find(has_unread)
        }?;
        self.feed_cursor = next;
        self.keep_cursors_visible();
        let mut commands = self.select_scope();
        let title = self.entries[next].label.clone();
        self.notice = Some(format!("Next feed with unread articles: {title}"));
        commands.push(Command::FindUnread {
            scope: self.scope.clone(),
            from: if forward { 0 } else { usize::MAX / 4 },
            forward,
        });
        Some(commands)
    }
}
