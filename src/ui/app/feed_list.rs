//! The feed list: All, Starred, Hidden (when filters hid something), the saved searches, one group
//! per tag, then the feeds without tags; and what selecting an entry loads.

use super::{App, Command, FeedEntry};
use crate::store::{FeedSummary, HeadlineWindow, Scope};
use crate::text::clean_line;

impl App {
    /// The feed list: All, Starred, one group per tag, then the feeds without tags.
    pub(super) fn rebuild_entries(&mut self) {
        let selected = self.entries.get(self.feed_cursor).map(|e| e.scope.clone());
        let mut entries = vec![
            FeedEntry {
                scope: Scope::All,
                label: "All".into(),
                unread: self.unread_total,
                depth: 0,
                failed: false,
            },
            FeedEntry {
                scope: Scope::Starred,
                label: "Starred".into(),
                unread: self.starred_total,
                depth: 0,
                failed: false,
            },
        ];
        if self.hidden_total > 0 {
            entries.push(FeedEntry {
                scope: Scope::Hidden,
                label: "Hidden".into(),
                unread: self.hidden_total,
                depth: 0,
                failed: false,
            });
        }
        // Saved searches, marked with the search key.
        entries.extend(self.saved_searches.iter().map(|s| FeedEntry {
            scope: Scope::Search(s.query.clone()),
            label: format!("/{}", clean_line(&s.name)),
            unread: s.unread,
            depth: 0,
            failed: false,
        }));
        if self.failing_only {
            // A flat list of the feeds to clean up, hidden ones included.
            entries.extend(
                self.feeds
                    .iter()
                    .filter(|f| f.last_error.is_some())
                    .map(|f| FeedEntry {
                        scope: Scope::Feed(f.id),
                        label: clean_line(&f.title),
                        unread: f.unread,
                        depth: 0,
                        failed: true,
                    }),
            );
            self.finish_entries(entries, selected);
            return;
        }
        let shown: Vec<&FeedSummary> = self.feeds.iter().filter(|f| !f.hidden).collect();
        let mut tags: Vec<&String> = shown.iter().flat_map(|f| f.tags.iter()).collect();
        tags.sort_by_key(|t| t.to_lowercase());
        tags.dedup();
        let feed_entry = |f: &FeedSummary, depth| FeedEntry {
            scope: Scope::Feed(f.id),
            label: clean_line(&f.title),
            unread: f.unread,
            depth,
            failed: f.last_error.is_some(),
        };
        for tag in tags {
            let members: Vec<&FeedSummary> = shown
                .iter()
                .copied()
                .filter(|f| f.tags.contains(tag))
                .collect();
            entries.push(FeedEntry {
                scope: Scope::Tag(tag.clone()),
                label: clean_line(tag),
                unread: members.iter().map(|f| f.unread).sum(),
                depth: 0,
                failed: false,
            });
            entries.extend(members.into_iter().map(|f| feed_entry(f, 1)));
        }
        entries.extend(
            shown
                .iter()
                .filter(|f| f.tags.is_empty())
                .map(|f| feed_entry(f, 0)),
        );
        self.finish_entries(entries, selected);
    }

    fn finish_entries(&mut self, entries: Vec<FeedEntry>, selected: Option<Scope>) {
        self.entries = entries;
        self.feed_cursor = selected
            .and_then(|s| self.entries.iter().position(|e| e.scope == s))
            .unwrap_or(self.feed_cursor)
            .min(self.entries.len().saturating_sub(1));
        self.keep_cursors_visible();
    }

    /// The feed list's selection changed: show that scope's headlines.
    pub(super) fn select_scope(&mut self) -> Vec<Command> {
        let Some(entry) = self.entries.get(self.feed_cursor) else {
            return vec![];
        };
        if entry.scope == self.scope {
            return vec![];
        }
        self.scope = entry.scope.clone();
        self.headlines = HeadlineWindow::default();
        self.headlines_loaded = false;
        self.headline_cursor = 0;
        self.headline_offset = 0;
        vec![Command::LoadHeadlines {
            scope: self.scope.clone(),
            start: 0,
        }]
    }
}
