//! Feed details (`i`): address, site, when it was fetched and is fetched next and why, validators,
//! the last error with its time, counts, and settings.

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use super::{Context, Outcome, dialog, error_line, hint};
use crate::session::article::format_time;
use crate::session::subscriptions::format_minutes;
use crate::store::FeedDetails;
use crate::text::clean_line;
use crate::ui::app::Done;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInfo {
    pub feed_id: i64,
    pub details: Option<FeedDetails>,
    pub error: Option<String>,
}

impl FeedInfo {
    pub fn new(feed_id: i64) -> FeedInfo {
        FeedInfo {
            feed_id,
            details: None,
            error: None,
        }
    }

    pub fn on_key(&mut self, _key: KeyEvent) -> Outcome {
        if matches!(_key.code, KeyCode::Char('j') | KeyCode::Char('k')) {
            return Outcome::stay();
        }
        Outcome::close()
    }

    pub fn on_done(&mut self, done: &Done) -> Outcome {
        if let Done::Details(result) = done {
            match result {
                Ok(d) if d.id == self.feed_id => self.details = Some(d.clone()),
                Ok(_) => {}
                Err(e) => self.error = Some(e.clone()),
            }
        }
        Outcome::stay()
    }

    /// The details as (label, value) rows.
    pub fn rows(d: &FeedDetails, tz: FixedOffset) -> Vec<(&'static str, String)> {
        let time = |t: i64| format_time(t, tz, "%Y-%m-%d %H:%M");
        let mut rows = vec![
            ("Title", clean_line(&d.title)),
            ("Address", clean_line(&d.url)),
            (
                "Site",
                d.site_link.as_deref().map_or("—".into(), clean_line),
            ),
            (
                "Tags",
                if d.tags.is_empty() {
                    "—".into()
                } else {
                    clean_line(&d.tags.join(", "))
                },
            ),
            ("Last fetch", d.last_fetch.map_or("never".into(), time)),
            (
                "Next fetch",
                if d.next_fetch >= i64::MAX / 4 {
                    "never (stopped)".into()
                } else if d.next_fetch == 0 {
                    "at the next refresh".into()
                } else {
                    time(d.next_fetch)
                },
            ),
            (
                "Interval",
                format!(
                    "{} ({})",
                    d.interval_minutes
                        .map_or("default".to_string(), format_minutes),
                    d.schedule_reason
                        .as_deref()
                        .map_or("not fetched yet".into(), clean_line)
                ),
            ),
            (
                "Validators",
                match (d.has_etag, d.has_last_modified) {
                    (true, true) => "ETag and Last-Modified".into(),
                    (true, false) => "ETag".into(),
                    (false, true) => "Last-Modified".into(),
                    (false, false) => "none".into(),
                },
            ),
            (
                "Articles",
                format!("{} ({} unread, {} starred)", d.total, d.unread, d.starred),
            ),
            ("Full text", if d.full_text { "on" } else { "off" }.into()),
            (
                "Errors",
                match d.error_count {
                    0 => "none".into(),
                    n => format!("{n} in a row"),
                },
            ),
        ];
        if let Some(e) = &d.last_error {
            let at = d.last_error_at.map(time).unwrap_or_default();
            rows.push((
                "Last error",
                format!("{at} {}", clean_line(e)).trim().into(),
            ));
        }
        if d.hidden {
            rows.push(("Hidden", "yes (left out of the feed list)".into()));
        }
        rows
    }

    pub fn draw(&self, frame: &mut Frame<'_>, cx: &Context<'_>) {
        let mut lines: Vec<Line<'_>> = Vec::new();
        match &self.details {
            Some(d) => {
                for (label, value) in FeedInfo::rows(d, cx.tz) {
                    lines.push(Line::from(vec![
                        Span::styled(format!("{label:<11}"), cx.theme.label),
                        Span::raw(value),
                    ]));
                }
            }
            None => lines.push(Line::from("Loading…")),
        }
        if let Some(e) = &self.error {
            lines.push(error_line(cx.theme, e));
        }
        lines.push(hint(cx.theme, "any key closes"));
        dialog(frame, cx.theme, "Feed details", lines, 90);
    }
}
