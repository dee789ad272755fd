//! The mouse: the wheel scrolls the pane under the pointer, a click selects and focuses, a second
//! click on the selected row opens it, a click on a numbered link (`[3]`) in the article or on its
//! `Link:` opens the link, and a click on the status line's error shows it in full. Where things
//! are comes from the layout the views draw with ([`pane_areas`], [`App::status_parts`]), so a
//! click lands where the user sees it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Margin, Position, Rect};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{App, Command, Msg, Pane, Popup, popups};
use crate::session::article::HeaderLine;
use crate::store::Scope;
use crate::text::clean_line;
use crate::ui::keymap::Action;
use crate::ui::layout::{inner_height, pane_areas};

/// Rows one notch of the wheel scrolls.
pub const WHEEL_ROWS: isize = 3;

/// The parts of the status line's left side, in the order they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPart {
    Progress,
    Notice,
    Error,
}

/// The link number under display column `column` of an article line: a marker (`[3]`), or anywhere
/// on a reference line (`[3] https://…`). Only numbers of the article's `links` count.
pub fn link_number_at(line: &str, column: usize, links: &[String]) -> Option<usize> {
    let valid = |n: usize| (1..=links.len()).contains(&n).then_some(n);
    if let Some(rest) = line.strip_prefix('[')
        && let Some((digits, url)) = rest.split_once("] ")
        && let Ok(n) = digits.parse::<usize>()
        && links.get(n.wrapping_sub(1)).is_some_and(|l| l == url)
    {
        return valid(n);
    }
    // The byte offset of the character drawn at the column.
    let mut at = None;
    let mut x = 0;
    for (i, c) in line.char_indices() {
        let w = c.width().unwrap_or(0);
        if (x..x + w).contains(&column) {
            at = Some(i);
            break;
        }
        x += w;
    }
    let at = at?;
    let bytes = line.as_bytes();
    // The marker's `[` is at or before the click, its `]` at or after it.
    let open = line[..=at].rfind('[')?;
    let close = open + 1 + line[open + 1..].find(']')?;
    if close < at || close == open + 1 || !bytes[open + 1..close].iter().all(u8::is_ascii_digit) {
        return None;
    }
    line[open + 1..close].parse().ok().and_then(valid)
}

impl App {
    /// The status line's left side as the views draw it: refresh progress, the notice, the error
    /// (the last one, else the selected feed's).
    pub fn status_parts(&self) -> Vec<(StatusPart, String)> {
        let mut parts = Vec::new();
        if let Some(p) = self.progress {
            // A sync with a server does not know its size ahead: it counts pages.
            let text = match p.total {
                0 if p.done == 0 => " Syncing… ".to_string(),
                0 => format!(" Syncing… page {} ", p.done),
                total => format!(" Refreshing {}/{total} feeds ", p.done),
            };
            parts.push((StatusPart::Progress, text));
        }
        if let Some(notice) = &self.notice {
            parts.push((StatusPart::Notice, format!(" {notice} ")));
        }
        if let Some(error) = self.status_error() {
            parts.push((StatusPart::Error, format!(" {error} ")));
        }
        parts
    }

    /// The status line's right side.
    pub fn status_right(&self) -> String {
        format!("{} unread · ? help ", self.unread_total)
    }

    /// The error the status line shows, whole.
    fn status_error(&self) -> Option<String> {
        self.last_error
            .clone()
            .or_else(|| self.selected_feed_error())
    }

    /// The last error of the feed selected in the feed list, if it failed.
    fn selected_feed_error(&self) -> Option<String> {
        if self.focus != Pane::Feeds {
            return None;
        }
        let Scope::Feed(id) = self.entries.get(self.feed_cursor)?.scope else {
            return None;
        };
        let feed = self.feeds.iter().find(|f| f.id == id)?;
        let error = feed.last_error.as_deref()?;
        Some(format!(
            "{}: {}",
            clean_line(&feed.title),
            clean_line(error)
        ))
    }

    pub(super) fn on_mouse(&mut self, event: MouseEvent) -> Vec<Command> {
        self.pending_keys.clear();
        let at = Position::new(event.column, event.row);
        if !self.popups.is_empty() {
            // The wheel scrolls a dialog as its arrow keys do; clicks are for the panes.
            let code = match event.kind {
                MouseEventKind::ScrollDown => KeyCode::Down,
                MouseEventKind::ScrollUp => KeyCode::Up,
                _ => return vec![],
            };
            return self.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
        let areas = pane_areas(self.size, self.focus);
        let under = [Pane::Feeds, Pane::Headlines, Pane::Article]
            .into_iter()
            .find_map(|p| areas.get(p).filter(|r| r.contains(at)).map(|r| (p, r)));
        match (event.kind, under) {
            (MouseEventKind::ScrollDown, Some((pane, _))) => self.scroll_pane(pane, WHEEL_ROWS),
            (MouseEventKind::ScrollUp, Some((pane, _))) => self.scroll_pane(pane, -WHEEL_ROWS),
            (MouseEventKind::Down(MouseButton::Left), Some((pane, area))) => {
                self.notice = None;
                self.click_pane(pane, area, at)
            }
            (MouseEventKind::Down(MouseButton::Left), None) if areas.status.contains(at) => {
                self.click_status(at.x - areas.status.x)
            }
            _ => vec![],
        }
    }

    /// Scrolls a pane by `delta` rows without focusing it; a list's cursor is dragged along at the
    /// edge so it stays on screen.
    fn scroll_pane(&mut self, pane: Pane, delta: isize) -> Vec<Command> {
        let rows = pane_areas(self.size, self.focus)
            .get(pane)
            .map(inner_height)
            .unwrap_or(1)
            .max(1);
        let shift = |offset: usize, len: usize| -> usize {
            (offset as isize)
                .saturating_add(delta)
                .clamp(0, len.saturating_sub(rows) as isize) as usize
        };
        let keep = |cursor: usize, offset: usize, len: usize| -> usize {
            cursor
                .clamp(offset, offset + rows - 1)
                .min(len.saturating_sub(1))
        };
        match pane {
            Pane::Feeds => {
                let len = self.entries.len();
                self.feed_offset = shift(self.feed_offset, len);
                let cursor = keep(self.feed_cursor, self.feed_offset, len);
                if cursor == self.feed_cursor {
                    return vec![];
                }
                self.feed_cursor = cursor;
                self.select_scope()
            }
            Pane::Headlines => {
                let len = self.headlines.total;
                self.headline_offset = shift(self.headline_offset, len);
                self.headline_cursor = keep(self.headline_cursor, self.headline_offset, len);
                self.fetch_window_if_needed()
            }
            Pane::Article => {
                self.article_scroll = (self.article_scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, self.article_scroll_max() as isize)
                    as usize;
                vec![]
            }
        }
    }

    fn focus_pane(&mut self, pane: Pane) -> Vec<Command> {
        if self.focus == pane {
            return vec![];
        }
        self.focus = pane;
        self.keep_cursors_visible();
        self.reflow_article()
    }

    /// A click in a pane: focus it; on a list row, select it, or open it when it was selected in
    /// the focused pane already (the second click).
    fn click_pane(&mut self, pane: Pane, area: Rect, at: Position) -> Vec<Command> {
        let row = (at.y > area.y && at.y + 1 < area.bottom()).then(|| (at.y - area.y - 1) as usize);
        match pane {
            Pane::Feeds => {
                let index = row
                    .map(|r| self.feed_offset + r)
                    .filter(|&i| i < self.entries.len());
                let again = self.focus == Pane::Feeds && index == Some(self.feed_cursor);
                let mut commands = self.focus_pane(Pane::Feeds);
                match index {
                    Some(_) if again => commands.extend(self.update(Msg::Action(Action::Open))),
                    Some(i) => {
                        self.feed_cursor = i;
                        self.keep_cursors_visible();
                        commands.extend(self.select_scope());
                    }
                    None => {}
                }
                commands
            }
            Pane::Headlines => {
                let index = row
                    .map(|r| self.headline_offset + r)
                    .filter(|&i| i < self.headlines.total);
                let again = self.focus == Pane::Headlines && index == Some(self.headline_cursor);
                let mut commands = self.focus_pane(Pane::Headlines);
                match index {
                    Some(_) if again => commands.extend(self.open_selected()),
                    Some(i) => {
                        self.headline_cursor = i;
                        self.keep_cursors_visible();
                        commands.extend(self.fetch_window_if_needed());
                    }
                    None => {}
                }
                commands
            }
            Pane::Article if self.article.is_some() => {
                let mut commands = self.focus_pane(Pane::Article);
                commands.extend(self.click_article(area, at));
                commands
            }
            Pane::Article => vec![],
        }
    }

    /// A click on the article's text: a numbered link opens, as does the article's own `Link:`.
    fn click_article(&mut self, area: Rect, at: Position) -> Vec<Command> {
        // The text sits inside the border and a column of padding on each side, as drawn.
        let inner = area.inner(Margin {
            horizontal: 2,
            vertical: 1,
        });
        let Some(doc) = &self.article else {
            return vec![];
        };
        if !inner.contains(at) {
            return vec![];
        }
        let line = self.article_scroll + usize::from(at.y - inner.y);
        let column = usize::from(at.x - inner.x);
        if let Some(header) = doc.header.get(..=line.min(doc.header.len()))
            && line < doc.header.len()
        {
            // A wrapped field continues on `More` lines: the field is the line above them.
            let field = header
                .iter()
                .rev()
                .find(|l| !matches!(l, HeaderLine::More(_)));
            return match (field, &doc.link) {
                (Some(HeaderLine::Field("Link", _)), Some(link)) => {
                    vec![Command::OpenUrl(link.clone())]
                }
                _ => vec![],
            };
        }
        let number = doc
            .body
            .get(line - doc.header.len())
            .and_then(|text| link_number_at(text, column, &doc.links));
        match number {
            Some(n) => self.open_link_number(n),
            None => vec![],
        }
    }

    /// A click on the status line: on the error, the error in full; on "? help", the help.
    fn click_status(&mut self, x: u16) -> Vec<Command> {
        let left_width = usize::from(self.size.width).saturating_sub(self.status_right().width());
        if usize::from(x) >= left_width {
            return self.update(Msg::Action(Action::Help));
        }
        let mut start = 0;
        for (part, text) in self.status_parts() {
            let end = start + text.width();
            if part == StatusPart::Error && (start..end).contains(&usize::from(x)) {
                let error = self.status_error().unwrap_or_default();
                self.popups
                    .push(Popup::Message(popups::Message::new("Error", &error)));
                return vec![];
            }
            start = end;
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::link_number_at;

    #[test]
    fn a_click_finds_the_link_marker_under_it() {
        let links: Vec<String> = (1..=12).map(|i| format!("https://x.example/{i}")).collect();
        let line = "see the notes[3] and [12]; café[2]";
        // On the `[`, the digits and the `]`.
        for column in 13..16 {
            assert_eq!(link_number_at(line, column, &links), Some(3), "{column}");
        }
        assert_eq!(link_number_at(line, 12, &links), None);
        assert_eq!(link_number_at(line, 23, &links), Some(12));
        assert_eq!(link_number_at(line, 33, &links), Some(2), "after a wide é");
        assert_eq!(link_number_at(line, 200, &links), None);
        // A number beyond the links, brackets without digits.
        assert_eq!(link_number_at("a[13]", 2, &links), None);
        assert_eq!(link_number_at("a[x] [] b", 2, &links), None);
        assert_eq!(link_number_at("a[x] [] b", 5, &links), None);
        // A reference line anywhere.
        assert_eq!(
            link_number_at("[4] https://x.example/4", 15, &links),
            Some(4)
        );
    }
}
