//! The help overlay: every key binding, read from the keymap's table, in a box that scrolls (j/k,
//! Space/b) and wraps its descriptions to the screen. Any other key closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::{Context, Outcome, centered};
use crate::session::article::wrap;
use crate::ui::keymap::help_rows;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Help {
    pub scroll: usize,
}

impl Help {
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
        let rows: Vec<(&str, &str)> = help_rows().collect();
        let key_width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        let text_width = rows
            .iter()
            .map(|(_, t)| t.chars().count())
            .max()
            .unwrap_or(0);
        let area = frame.area();
        let width = ((key_width + text_width + 6) as u16).min(area.width);
        let rect = centered(area, width, (rows.len() + 3) as u16);
        let inner_width = rect.width.saturating_sub(2) as usize;
        // Narrow screens put the description under the keys instead of beside them.
        let beside = inner_width >= key_width + 3 + 20;
        let mut lines: Vec<Line<'_>> = Vec::new();
        let key_style = cx.theme.key;
        for (keys, what) in &rows {
            if beside {
                // Descriptions wrap under themselves, not under the keys.
                let room = inner_width.saturating_sub(key_width + 2).max(10);
                for (i, part) in wrap(what, room).into_iter().enumerate() {
                    let left = if i == 0 { *keys } else { "" };
                    lines.push(Line::from(vec![
                        Span::styled(format!("{left:<key_width$}  "), key_style),
                        Span::raw(part),
                    ]));
                }
            } else {
                lines.push(Line::from(Span::styled(keys.to_string(), key_style)));
                for part in wrap(what, inner_width.saturating_sub(2).max(10)) {
                    lines.push(Line::from(format!("  {part}")));
                }
            }
        }
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
