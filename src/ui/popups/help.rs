//! The help overlay: the keys in effect for the pane it was opened from (the keymap's help rows, so
//! rebound keys show as they are), in a box that scrolls (j/k, Space/b) and wraps its descriptions
//! to the screen. Any other key closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{Context, Outcome, centered};
use crate::session::article::wrap;

/// The key column is at most this wide; longer key lists wrap after a comma.
const KEY_COLUMN: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    pub scroll: usize,
    /// (keys, what they do), from the keymap in effect.
    pub rows: Vec<(String, &'static str)>,
}

/// `label` ("j / k, ↓ / ↑, Ctrl-N / Ctrl-P") in lines of at most `width` columns, broken after its
/// commas (a part wider than that gets a line of its own).
fn wrap_keys(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let parts: Vec<&str> = label.split(", ").collect();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part},")
        } else {
            part.to_string()
        };
        if !line.is_empty() && line.width() + 1 + piece.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    lines.push(line);
    lines
}

impl Help {
    pub fn new(rows: Vec<(String, &'static str)>) -> Help {
        Help { scroll: 0, rows }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::PageDown => self.scroll += 10,
            KeyCode::Char('b') | KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            _ => return Outcome::close(),
        }
        Outcome::stay()
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let rows = &self.rows;
        let key_width = rows
            .iter()
            .map(|(k, _)| k.width())
            .max()
            .unwrap_or(0)
            .min(KEY_COLUMN);
        let text_width = rows.iter().map(|(_, t)| t.width()).max().unwrap_or(0);
        let area = frame.area();
        let width = ((key_width + text_width + 6) as u16).min(area.width);
        let inner_width = width.saturating_sub(2) as usize;
        // Narrow screens put the description under the keys instead of beside them.
        let beside = inner_width >= key_width + 3 + 20;
        let mut lines: Vec<Line<'_>> = Vec::new();
        let key_style = cx.theme.key;
        for (keys, what) in rows {
            if beside {
                // Keys wrap in their column, descriptions under themselves.
                let room = inner_width.saturating_sub(key_width + 2).max(10);
                let keys = wrap_keys(keys, key_width);
                let text = wrap(what, room);
                for i in 0..keys.len().max(text.len()) {
                    let left = keys.get(i).map_or("", String::as_str);
                    let pad = key_width.saturating_sub(left.width());
                    lines.push(Line::from(vec![
                        Span::styled(format!("{left}{}  ", " ".repeat(pad)), key_style),
                        Span::raw(text.get(i).cloned().unwrap_or_default()),
                    ]));
                }
            } else {
                for part in wrap_keys(keys, inner_width.max(10)) {
                    lines.push(Line::from(Span::styled(part, key_style)));
                }
                for part in wrap(what, inner_width.saturating_sub(2).max(10)) {
                    lines.push(Line::from(format!("  {part}")));
                }
            }
        }
        let rect = centered(area, width, (lines.len() + 3) as u16);
        let visible = rect.height.saturating_sub(3) as usize;
        let max_scroll = lines.len().saturating_sub(visible);
        let scroll = self.scroll.min(max_scroll);
        let more = if max_scroll > 0 {
            " j/k scroll · any other key closes "
        } else {
            " any key closes "
        };
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((scroll as u16, 0))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_type(BorderType::Rounded)
                        .title(Span::styled(" Keys ", cx.theme.title))
                        .title_bottom(Line::styled(more, cx.theme.dim)),
                ),
            rect,
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_key_lists_wrap_after_a_comma() {
        assert_eq!(
            super::wrap_keys("Space / b, PgDn / PgUp, Ctrl-D / Ctrl-U", 24),
            ["Space / b, PgDn / PgUp,", "Ctrl-D / Ctrl-U"]
        );
        assert_eq!(super::wrap_keys("q, Esc", 24), ["q, Esc"]);
    }
}
