//! Drawing: pure functions from [`App`] to a frame. Every string drawn here went through `clean_line`
//! or the text renderer, so no control character reaches the terminal. Every style comes from the
//! app's [`Theme`]: no colour is named here.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::app::{App, Pane, Picture, StatusPart};
use super::layout::{inner_height, pane_areas};
use super::popups::Context;
use super::theme::Theme;
use crate::session::article::{ArticleDoc, HeaderLine, format_time};
use crate::store::Scope;
use crate::text::{StyledRange, clean_line};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let areas = pane_areas(frame.area(), app.focus);
    if let Some(r) = areas.feeds {
        draw_feeds(frame, app, r);
    }
    if let Some(r) = areas.headlines {
        draw_headlines(frame, app, r);
    }
    if let Some(r) = areas.article {
        draw_article(frame, app, r);
    }
    draw_status(frame, app, areas.status);
    let tags = app.known_tags();
    let cx = Context {
        tags: &tags,
        tz: app.tz,
        theme: &app.theme,
    };
    for popup in &app.popups {
        popup.draw(frame, &cx);
    }
}

fn pane_block(theme: &Theme, title: String, focused: bool) -> Block<'static> {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), theme.title));
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.focused_border)
    } else {
        block.border_style(theme.border)
    }
}

/// `text` cut to `width` columns (by characters; wide characters may overflow slightly and are then
/// clipped by the frame).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn draw_feeds(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = &app.theme;
    let focused = app.focus == Pane::Feeds;
    let block = pane_block(theme, "Feeds".into(), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line<'_>> = app
        .entries
        .iter()
        .enumerate()
        .skip(app.feed_offset)
        .take(inner_height(area))
        .map(|(i, e)| {
            let count = if e.unread > 0 {
                e.unread.to_string()
            } else {
                String::new()
            };
            let indent = if e.depth > 0 { "  " } else { "" };
            let mark = if e.failed { "!" } else { "" };
            let label_room = width.saturating_sub(indent.len() + count.len() + mark.len() + 1);
            let label = fit(&e.label, label_room);
            let pad = width
                .saturating_sub(indent.len() + label.chars().count() + mark.len() + count.len());
            let mut style = Style::new();
            if matches!(e.scope, Scope::All | Scope::Starred | Scope::Tag(_)) {
                style = style.patch(theme.group);
            }
            if e.unread == 0 && matches!(e.scope, Scope::Feed(_)) {
                style = style.patch(theme.dim);
            }
            if i == app.feed_cursor {
                style = style.patch(theme.selected);
            }
            Line::from(vec![
                Span::raw(indent),
                Span::raw(label),
                Span::styled(mark, theme.error),
                Span::raw(" ".repeat(pad)),
                Span::raw(count),
            ])
            .style(style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn scope_title(app: &App) -> String {
    match &app.scope {
        Scope::All => "All articles".into(),
        Scope::Starred => "Starred".into(),
        Scope::Tag(t) => clean_line(t),
        Scope::Feed(id) => app.feed_title(*id).to_string(),
        Scope::Search(q) => app.search_title(q),
        Scope::Hidden => "Hidden by filters".into(),
    }
}

fn draw_headlines(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = &app.theme;
    let focused = app.focus == Pane::Headlines;
    let mut title = format!("{} ({})", fit(&scope_title(app), 40), app.headline_count());
    let view = app.list_view(&app.scope);
    if view.unread_only {
        title.push_str(" · unread");
    }
    if view.order != crate::store::ListOrder::Newest {
        title.push_str(" · ");
        title.push_str(view.order.name());
    }
    let block = pane_block(theme, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.headline_count() == 0 {
        let text = if app.headlines_loaded {
            "No articles here yet. Press r to refresh."
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim), inner);
        return;
    }
    let width = inner.width as usize;
    let show_feed = !matches!(app.scope, Scope::Feed(_));
    let end = (app.headline_offset + inner_height(area)).min(app.headline_count());
    let lines: Vec<Line<'_>> = (app.headline_offset..end)
        .map(|i| {
            // A row outside the loaded window shows as a placeholder until its window arrives.
            let Some(h) = app.headlines.get(i) else {
                return Line::styled("  …", theme.dim);
            };
            let date = format_time(h.time, app.tz, "%Y-%m-%d");
            let unread = if h.read { " " } else { "●" };
            let star = if h.starred { "★" } else { " " };
            let mut title = clean_line(&h.title);
            if title.is_empty() {
                title = "(untitled)".into();
            }
            if show_feed {
                let feed = app.feed_title(h.feed_id);
                if !feed.is_empty() {
                    title = format!("{title} · {}", fit(feed, 24));
                }
            }
            let room = width.saturating_sub(date.len() + 5);
            let mut style = if h.read { theme.read } else { theme.unread };
            if i == app.headline_cursor {
                style = style.patch(theme.selected);
            }
            Line::from(vec![
                Span::styled(unread, theme.unread_marker),
                Span::styled(star, theme.starred),
                Span::raw(" "),
                Span::raw(date),
                Span::raw("  "),
                Span::raw(fit(&title, room)),
            ])
            .style(style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_article(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = &app.theme;
    let focused = app.focus == Pane::Article;
    let Some(doc) = &app.article else {
        let block = pane_block(theme, "Article".into(), focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new("Select a headline and press Enter to read it.").style(theme.dim),
            inner,
        );
        return;
    };
    let total = doc.line_count();
    let shown = (app.article_scroll + inner_height(area)).min(total) * 100;
    let title = match shown.checked_div(total) {
        Some(percent) => format!("Article {percent}%"),
        None => "Article".into(),
    };
    let block = pane_block(theme, title, focused);
    let inner = block.inner(area).inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    frame.render_widget(block, area);
    let header = doc.header.iter().map(|line| match line {
        HeaderLine::Title(t) => Line::styled(t.as_str(), theme.article_title),
        HeaderLine::Field(label, value) => Line::from(vec![
            Span::styled(format!("{label}: "), theme.label),
            Span::raw(value.as_str()),
        ]),
        HeaderLine::More(text) => Line::raw(text.as_str()),
        HeaderLine::Blank => Line::raw(""),
    });
    let body = doc.body.iter().enumerate().map(|(i, line)| {
        styled_body_line(
            theme,
            line,
            doc.body_styles.get(i).map_or(&[][..], Vec::as_slice),
        )
    });
    let lines: Vec<Line<'_>> = header
        .chain(body)
        .skip(app.article_scroll)
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if app.images_shown() {
        draw_pictures(frame, app, doc, inner);
    }
}

/// The open article's pictures over the rows reserved for them (under each `[image: …]` caption):
/// drawn when their first row is on screen, cut at the pane's bottom; a note while one loads or
/// when it cannot be shown.
fn draw_pictures(frame: &mut Frame<'_>, app: &App, doc: &ArticleDoc, inner: Rect) {
    let top = app.article_scroll;
    let bottom = top + inner.height as usize;
    for image in doc.images.iter().filter(|i| i.rows > 0) {
        let first = doc.header.len() + image.caption + 1;
        let last = first + image.rows as usize;
        if first < top && last > top {
            // Its top scrolled off: half-blocks are plain cells, so their visible part is drawn;
            // the other protocols draw a whole picture or none.
            if let Some(Picture::Ready(protocol)) = app
                .picture_key(&image.url)
                .and_then(|key| app.pictures.get(&key))
                && matches!(**protocol, ratatui_image::protocol::Protocol::Halfblocks(_))
            {
                let full = Rect::new(0, 0, inner.width, image.rows);
                let mut scratch = ratatui::buffer::Buffer::empty(full);
                ratatui::widgets::Widget::render(
                    ratatui_image::Image::new(protocol),
                    full,
                    &mut scratch,
                );
                let skip = (top - first) as u16;
                let shown = ((last - top) as u16).min(inner.height);
                let buf = frame.buffer_mut();
                for dy in 0..shown {
                    for dx in 0..inner.width {
                        buf[(inner.x + dx, inner.y + dy)] = scratch[(dx, skip + dy)].clone();
                    }
                }
            }
            continue;
        }
        if first < top || first >= bottom {
            continue;
        }
        let y = inner.y + (first - top) as u16;
        let height = (image.rows as usize).min(bottom - first) as u16;
        let area = Rect::new(inner.x, y, inner.width, height);
        let picture = app
            .picture_key(&image.url)
            .and_then(|key| app.pictures.get(&key));
        match picture {
            Some(Picture::Ready(protocol)) => {
                frame.render_widget(
                    ratatui_image::Image::new(protocol).allow_clipping(true),
                    area,
                );
            }
            Some(Picture::Failed(reason)) => frame.render_widget(
                Paragraph::new(fit(
                    &format!("(image not shown: {reason})"),
                    area.width as usize,
                ))
                .style(app.theme.dim),
                area,
            ),
            None => frame.render_widget(
                Paragraph::new("(loading image…)").style(app.theme.dim),
                area,
            ),
        }
    }
}

/// A body line with its emphasis: strong, emphasised, code and links in the theme's styles.
fn styled_body_line<'a>(theme: &Theme, line: &'a str, ranges: &[StyledRange]) -> Line<'a> {
    if ranges.is_empty() {
        return Line::raw(line);
    }
    let mut spans = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for r in ranges {
        let (Some(before), Some(text)) = (line.get(at..r.start), line.get(r.start..r.end)) else {
            // Ranges come from the renderer on character boundaries; anything else is drawn plain.
            return Line::raw(line);
        };
        spans.push(Span::raw(before));
        let mut style = Style::new();
        if r.style.strong {
            style = style.patch(theme.strong);
        }
        if r.style.emphasis {
            style = style.patch(theme.emphasis);
        }
        if r.style.code {
            style = style.patch(theme.code);
        }
        if r.style.link {
            style = style.patch(theme.link);
        }
        spans.push(Span::styled(text, style));
        at = r.end;
    }
    spans.push(Span::raw(line.get(at..).unwrap_or("")));
    Line::from(spans)
}

fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = &app.theme;
    let left: Vec<Span<'_>> = app
        .status_parts()
        .into_iter()
        .map(|(part, text)| {
            let style = match part {
                StatusPart::Progress => theme.progress,
                StatusPart::Notice => theme.status,
                StatusPart::Error => theme.error,
            };
            Span::styled(text, style)
        })
        .collect();
    let right = app.status_right();
    let right_width = right.chars().count() as u16;
    let left_area = Rect {
        width: area.width.saturating_sub(right_width),
        ..area
    };
    let right_area = Rect {
        x: area.x + left_area.width,
        width: area.width - left_area.width,
        ..area
    };
    frame.render_widget(Paragraph::new(Line::from(left)), left_area);
    frame.render_widget(
        Paragraph::new(right)
            .alignment(Alignment::Right)
            .style(theme.dim),
        right_area,
    );
}
