//! Where each pane goes for a given terminal size. Shared by the views (to draw) and the app (to know
//! how many rows a list shows and how wide the article text is).

use ratatui::layout::Rect;

use super::app::Pane;

/// Below this width only the focused pane is shown.
pub const NARROW_BELOW: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneAreas {
    pub feeds: Option<Rect>,
    pub headlines: Option<Rect>,
    pub article: Option<Rect>,
    pub status: Rect,
}

impl PaneAreas {
    pub fn get(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Feeds => self.feeds,
            Pane::Headlines => self.headlines,
            Pane::Article => self.article,
        }
    }
}

/// Splits the screen: three panes side by side when wide, the focused one alone when narrow; the status
/// line at the bottom.
pub fn pane_areas(area: Rect, focus: Pane) -> PaneAreas {
    let body_height = area.height.saturating_sub(1);
    let status = Rect::new(area.x, area.y + body_height, area.width, area.height.min(1));
    let body = Rect::new(area.x, area.y, area.width, body_height);
    if area.width < NARROW_BELOW {
        let mut areas = PaneAreas {
            feeds: None,
            headlines: None,
            article: None,
            status,
        };
        match focus {
            Pane::Feeds => areas.feeds = Some(body),
            Pane::Headlines => areas.headlines = Some(body),
            Pane::Article => areas.article = Some(body),
        }
        return areas;
    }
    let feeds_w = (area.width * 22 / 100).clamp(20, 40);
    let rest = area.width - feeds_w;
    let headlines_w = rest * 45 / 100;
    let article_w = rest - headlines_w;
    PaneAreas {
        feeds: Some(Rect::new(body.x, body.y, feeds_w, body.height)),
        headlines: Some(Rect::new(
            body.x + feeds_w,
            body.y,
            headlines_w,
            body.height,
        )),
        article: Some(Rect::new(
            body.x + feeds_w + headlines_w,
            body.y,
            article_w,
            body.height,
        )),
        status,
    }
}

/// Rows inside a bordered pane.
pub fn inner_height(r: Rect) -> usize {
    r.height.saturating_sub(2) as usize
}

/// Columns inside a bordered pane, less one column of padding on each side.
pub fn inner_width(r: Rect) -> u16 {
    r.width.saturating_sub(4).max(1)
}
