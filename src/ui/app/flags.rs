//! Read and starred flags: changed at once in the app's own state (headlines, open article, counts),
//! then written by the store worker.

use super::{App, Command, Pane};

impl App {
    /// The article `m`/`s` act on: the open one in the article pane, else the selected headline.
    pub(super) fn target_article(&self) -> Option<(i64, bool, bool)> {
        match (self.focus, &self.article) {
            // A linked page is not in the cache: nothing to mark.
            (Pane::Article, Some(doc)) if doc.id == super::LINKED_PAGE => None,
            (Pane::Article, Some(doc)) => Some((doc.id, doc.read, doc.starred)),
            _ => self.selected_headline().map(|h| (h.id, h.read, h.starred)),
        }
    }

    pub(super) fn set_read(&mut self, id: i64, read: bool) -> Vec<Command> {
        let mut feed = None;
        if let Some(h) = self.headlines.rows.iter_mut().find(|h| h.id == id) {
            if h.read != read {
                feed = Some(h.feed_id);
            }
            h.read = read;
        }
        if let Some(doc) = self.article.as_mut().filter(|d| d.id == id) {
            if feed.is_none() && doc.read != read {
                feed = Some(doc.feed_id);
            }
            doc.read = read;
        }
        if let Some(feed_id) = feed {
            let delta = if read { -1 } else { 1 };
            self.unread_total = (self.unread_total + delta).max(0);
            if let Some(f) = self.feeds.iter_mut().find(|f| f.id == feed_id) {
                f.unread = (f.unread + delta).max(0);
            }
            self.rebuild_entries();
        }
        vec![Command::SetRead { id, read }]
    }

    pub(super) fn set_starred(&mut self, id: i64, starred: bool) -> Vec<Command> {
        let mut changed = false;
        if let Some(h) = self.headlines.rows.iter_mut().find(|h| h.id == id) {
            changed |= h.starred != starred;
            h.starred = starred;
        }
        if let Some(doc) = self.article.as_mut().filter(|d| d.id == id) {
            changed |= doc.starred != starred;
            doc.starred = starred;
        }
        if changed {
            self.starred_total = (self.starred_total + if starred { 1 } else { -1 }).max(0);
            self.rebuild_entries();
        }
        vec![Command::SetStarred { id, starred }]
    }

    pub(super) fn mark_scope_read(&mut self) -> Vec<Command> {
        let scope = match self.focus {
            Pane::Feeds => match self.entries.get(self.feed_cursor) {
                Some(e) => e.scope.clone(),
                None => return vec![],
            },
            _ => self.scope.clone(),
        };
        if scope == self.scope {
            for h in &mut self.headlines.rows {
                h.read = true;
            }
        }
        vec![Command::MarkRead(scope), Command::LoadFeeds]
    }
}
