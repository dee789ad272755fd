//! When to fetch a feed next: our interval (per feed, or the default), lengthened by what the server
//! and the feed ask for (`Cache-Control: max-age` / `Expires`, RSS `<ttl>`, `sy:updatePeriod` /
//! `sy:updateFrequency`), capped at a day, with jitter, and moved out of RSS `skipHours`/`skipDays`.

use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike, Utc};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The longest any feed waits between two fetches.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// What a feed document says about how often to fetch it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedHints {
    /// RSS `<ttl>`: minutes the feed may be cached.
    pub ttl_minutes: Option<u64>,
    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// RSS `<skipHours>`: hours (0–23, GMT) in which not to fetch.
    pub skip_hours: Vec<u32>,
    /// RSS `<skipDays>`: weekdays (0 = Monday) on which not to fetch.
    pub skip_days: Vec<u32>,
}

/// Elements read before giving up on finding the hints (they sit in the channel, before the items).
const MAX_EVENTS: usize = 20_000;

/// Reads the scheduling hints of an RSS document (cheap: stops at the first item, or after a bounded
/// number of events). Anything unreadable is simply absent.
pub fn feed_hints(bytes: &[u8]) -> FeedHints {
    let mut hints = FeedHints::default();
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut frequency: Option<u64> = None;
    let mut period: Option<u64> = None;
    for _ in 0..MAX_EVENTS {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_ascii_lowercase();
                if name == "item" || name == "entry" {
                    break;
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.trim().to_string();
                let Some(element) = path.last().map(String::as_str) else {
                    continue;
                };
                let parent = path
                    .len()
                    .checked_sub(2)
                    .and_then(|i| path.get(i))
                    .map(String::as_str);
                match (parent, element) {
                    (_, "ttl") => hints.ttl_minutes = text.parse().ok(),
                    (_, "updateperiod") => period = period_seconds(&text),
                    (_, "updatefrequency") => frequency = text.parse().ok().filter(|f| *f > 0),
                    (Some("skiphours"), "hour") => {
                        // RSS allows 0–23; some feeds write 24 for midnight.
                        if let Ok(h) = text.parse::<u32>() {
                            hints.skip_hours.push(h % 24);
                        }
                    }
                    (Some("skipdays"), "day") => {
                        if let Some(d) = weekday(&text) {
                            hints.skip_days.push(d);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if let Some(period) = period {
        hints.update_period = Some(Duration::from_secs(period / frequency.unwrap_or(1)));
    }
    hints
}

fn period_seconds(text: &str) -> Option<u64> {
    Some(match text.to_ascii_lowercase().as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    })
}

fn weekday(text: &str) -> Option<u32> {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    days.iter()
        .position(|d| d.eq_ignore_ascii_case(text.trim()))
        .map(|i| i as u32)
}

/// The next fetch time after a successful fetch at `now`: `interval` plus up to a tenth of jitter,
/// lengthened (never shortened) by the server's freshness and the feed's hints, capped at
/// [`MAX_WAIT`], then moved to the first hour that is not skipped.
pub fn next_fetch(
    now: i64,
    interval: Duration,
    jitter: Duration,
    http_fresh_for: Option<Duration>,
    hints: &FeedHints,
) -> i64 {
    let mut wait = interval + jitter;
    for hint in [
        http_fresh_for,
        hints
            .ttl_minutes
            .map(|m| Duration::from_secs(m.saturating_mul(60))),
        hints.update_period,
    ]
    .into_iter()
    .flatten()
    {
        wait = wait.max(hint);
    }
    let at = now + wait.min(MAX_WAIT).as_secs() as i64;
    skip_forward(at, hints)
}

/// Which term decided [`next_fetch`]'s wait, in words for the feed details: the longest of the
/// interval and the hints wins.
pub fn wait_reason(
    own_interval: bool,
    interval: Duration,
    http_fresh_for: Option<Duration>,
    hints: &FeedHints,
) -> String {
    let mut reason = if own_interval {
        "the feed's own interval"
    } else {
        "the default interval"
    };
    let mut wait = interval;
    let terms = [
        (http_fresh_for, "the server's Cache-Control/Expires"),
        (
            hints
                .ttl_minutes
                .map(|m| Duration::from_secs(m.saturating_mul(60))),
            "the feed's <ttl>",
        ),
        (hints.update_period, "the feed's sy:updatePeriod"),
    ];
    for (hint, why) in terms {
        if let Some(hint) = hint
            && hint > wait
        {
            wait = hint;
            reason = why;
        }
    }
    let mut text = reason.to_string();
    if wait > MAX_WAIT {
        text.push_str(", capped at a day");
    }
    if !hints.skip_hours.is_empty() || !hints.skip_days.is_empty() {
        text.push_str(", then skipHours/skipDays");
    }
    text
}

/// Moves `at` past skipped hours and days (at most a week ahead; a feed that skips everything is
/// fetched anyway).
fn skip_forward(at: i64, hints: &FeedHints) -> i64 {
    if hints.skip_hours.is_empty() && hints.skip_days.is_empty() {
        return at;
    }
    let mut t = at;
    for _ in 0..(7 * 24) {
        let Some(when) = DateTime::<Utc>::from_timestamp(t, 0) else {
            return at;
        };
        let skipped = hints.skip_hours.contains(&when.hour())
            || hints
                .skip_days
                .contains(&when.weekday().num_days_from_monday());
        if !skipped {
            return t;
        }
        // The start of the next hour.
        t = t - i64::from(when.minute() * 60 + when.second()) + 3600;
    }
    at
}

/// How long a response may be considered fresh: `Cache-Control: max-age`, else `Expires` − `Date`
/// (or − now). `no-cache`/`no-store` give nothing. Values are not trusted beyond [`MAX_WAIT`].
pub fn http_freshness(
    cache_control: Option<&str>,
    expires: Option<&str>,
    date: Option<&str>,
) -> Option<Duration> {
    if let Some(cc) = cache_control {
        let mut max_age = None;
        for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-cache" || directive == "no-store" {
                return None;
            }
            if let Some(v) = directive.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<u64>().ok();
            }
        }
        if let Some(secs) = max_age {
            return Some(Duration::from_secs(secs).min(MAX_WAIT));
        }
    }
    let expires = httpdate::parse_http_date(expires?.trim()).ok()?;
    let base = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(std::time::SystemTime::now);
    expires.duration_since(base).ok().map(|d| d.min(MAX_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<title>T</title><ttl>120</ttl>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
<skipHours><hour>0</hour><hour>1</hour><hour>24</hour></skipHours>
<skipDays><day>Sunday</day></skipDays>
<item><title>x</title><ttl>1</ttl></item>
</channel></rss>"#;

    #[test]
    fn reads_ttl_syndication_and_skips() {
        let hints = feed_hints(RSS.as_bytes());
        assert_eq!(hints.ttl_minutes, Some(120));
        assert_eq!(hints.update_period, Some(Duration::from_secs(6 * 3600)));
        assert_eq!(hints.skip_hours, [0, 1, 0]);
        assert_eq!(hints.skip_days, [6]);
        assert_eq!(feed_hints(b"not xml at all <<<"), FeedHints::default());
    }

    #[test]
    fn hints_only_lengthen_and_are_capped() {
        let hour = Duration::from_secs(3600);
        let none = FeedHints::default();
        assert_eq!(next_fetch(0, hour, Duration::ZERO, None, &none), 3600);
        assert_eq!(
            next_fetch(
                0,
                hour,
                Duration::ZERO,
                Some(Duration::from_secs(60)),
                &none
            ),
            3600
        );
        assert_eq!(
            next_fetch(0, hour, Duration::ZERO, Some(2 * hour), &none),
            7200
        );
        let ttl = FeedHints {
            ttl_minutes: Some(10 * 24 * 60),
            ..FeedHints::default()
        };
        assert_eq!(
            next_fetch(0, hour, Duration::ZERO, None, &ttl),
            86_400,
            "capped at a day"
        );
    }

    #[test]
    fn skipped_hours_and_days_are_stepped_over() {
        // 1970-01-01 was a Thursday; 00:30 is in skipped hour 0, 1:00 in skipped hour 1.
        let hints = FeedHints {
            skip_hours: vec![0, 1],
            ..FeedHints::default()
        };
        assert_eq!(skip_forward(1800, &hints), 2 * 3600);
        let thursday = FeedHints {
            skip_days: vec![3],
            ..FeedHints::default()
        };
        assert_eq!(skip_forward(1800, &thursday), 86_400, "to Friday 00:00");
        let all = FeedHints {
            skip_hours: (0..24).collect(),
            ..FeedHints::default()
        };
        assert_eq!(
            skip_forward(1800, &all),
            1800,
            "skipping everything is ignored"
        );
    }

    #[test]
    fn http_freshness_from_headers() {
        assert_eq!(
            http_freshness(Some("public, max-age=7200"), None, None),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            http_freshness(Some("no-cache, max-age=7200"), None, None),
            None
        );
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let expires = "Wed, 21 Oct 2015 09:28:00 GMT";
        assert_eq!(
            http_freshness(None, Some(expires), Some(date)),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            http_freshness(Some("max-age=99999999"), None, None),
            Some(MAX_WAIT)
        );
        assert_eq!(http_freshness(None, Some("garbage"), Some(date)), None);
    }
}
