//! Moving around: cursors, paging, scrolling, keeping the selection on screen, jumping to unread.

use super::{App, Command, Pane};
use crate::ui::layout::{inner_height, inner_width, pane_areas};

impl App {
    /// Rows a page moves: the height of the focused list.
    pub(super) fn page(&self) -> usize {
        pane_areas(self.size, self.focus)
            .get(self.focus)
            .map(inner_height)
            .unwrap_or(1)
            .max(1)
    }

    /// The width article text is wrapped at (the article pane's, wide or narrow).
    pub fn article_width(&self) -> u16 {
        pane_areas(self.size, Pane::Article)
            .article
            .map(inner_width)
            .unwrap_or(60)
    }

    pub(super) fn move_by(&mut self, delta: isize) -> Vec<Command> {
        let step = |cursor: usize, len: usize| -> usize {
            if len == 0 {
                0
            } else {
                (cursor as isize)
                    .saturating_add(delta)
                    .clamp(0, len as isize - 1) as usize
            }
        };
        match self.focus {
            Pane::Feeds => {
                self.feed_cursor = step(self.feed_cursor, self.entries.len());
                self.keep_cursors_visible();
                self.select_scope()
            }
            Pane::Headlines => {
                self.headline_cursor = step(self.headline_cursor, self.headlines.total);
                self.keep_cursors_visible();
                self.fetch_window_if_needed()
            }
            Pane::Article => {
                let max = self.article_scroll_max();
                self.article_scroll = (self.article_scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, max as isize) as usize;
                vec![]
            }
        }
    }

    pub(super) fn article_scroll_max(&self) -> usize {
        let height = pane_areas(self.size, Pane::Article)
            .article
            .map(inner_height)
            .unwrap_or(1);
        self.article
            .as_ref()
            .map(|d| d.line_count().saturating_sub(height))
            .unwrap_or(0)
    }

    pub(super) fn clamp_article_scroll(&mut self) {
        self.article_scroll = self.article_scroll.min(self.article_scroll_max());
    }

    pub(super) fn keep_cursors_visible(&mut self) {
        let areas = pane_areas(self.size, self.focus);
        let fit = |cursor: usize, offset: usize, rows: usize| -> usize {
            let rows = rows.max(1);
            if cursor < offset {
                cursor
            } else if cursor >= offset + rows {
                cursor + 1 - rows
            } else {
                offset
            }
        };
        if let Some(r) = areas.feeds {
            self.feed_offset = fit(self.feed_cursor, self.feed_offset, inner_height(r));
        }
        if let Some(r) = areas.headlines {
            self.headline_offset = fit(self.headline_cursor, self.headline_offset, inner_height(r));
        }
    }
}
