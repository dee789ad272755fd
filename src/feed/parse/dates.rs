//! Reading the dates feeds give: the timestamp parser handed to feed-rs.
//!
//! It reads what feed-rs's own lenient parser reads (RFC 3339, RFC 2822 and RFC 1123 with the same
//! repairs: a missing colon in the offset, `UTC`, long month and weekday names, month and day
//! swapped, hour 24, one-digit hours, a bare date) and, beyond it, an ISO 8601 date and time without
//! a time zone (`2018-01-06T08:00`, as some JSON Feeds write them), read as UTC rather than dropped.
//! A dropped date would make the item look new at every first sight. Written without regular
//! expressions; every step is linear in the (capped) length of the text.

use chrono::{DateTime, NaiveDateTime, Utc};

/// No date is longer than this; longer text is not a date.
const MAX_DATE_LEN: usize = 128;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The instant a feed's date text names, if it can be read.
pub(super) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_DATE_LEN {
        return None;
    }
    rfc3339(text)
        .or_else(|| without_zone(text))
        .or_else(|| rfc2822(text))
        .or_else(|| rfc1123(text))
}

fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // A missing colon in the offset (`+0100`), then a bare date (`2018-01-06`) at midnight UTC.
    let mut cleaned = insert_offset_colon(text);
    let b = cleaned.as_bytes();
    if b.len() >= 3 && b[b.len() - 3] == b'-' && b[b.len() - 2..].iter().all(u8::is_ascii_digit) {
        cleaned.push_str("T00:00:00+00:00");
    }
    DateTime::parse_from_rfc3339(cleaned.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The first `+hhmm` or `-hhmm` in `text` as `+hh:mm`.
fn insert_offset_colon(text: &str) -> String {
    let b = text.as_bytes();
    let at = (0..b.len().saturating_sub(4))
        .find(|&i| matches!(b[i], b'+' | b'-') && b[i + 1..i + 5].iter().all(u8::is_ascii_digit));
    match at {
        Some(i) => format!("{}:{}", &text[..i + 3], &text[i + 3..]),
        None => text.to_string(),
    }
}

/// An ISO 8601 date and time with no zone at all, read as UTC: `2018-01-06T08:00`,
/// `2018-01-06T08:00:00`, `2018-01-06 08:00:00.123`.
fn without_zone(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    // Only the shape `dddd-dd-dd[T ]dd:dd…`, ending in a digit (so no zone of any kind).
    let shaped = b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b.last().is_some_and(u8::is_ascii_digit);
    if !shaped {
        return None;
    }
    let normalized: String = text
        .char_indices()
        .map(|(i, c)| if i == 10 { 'T' } else { c })
        .collect();
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normalized, f).ok())
        .map(|t| t.and_utc())
}

fn rfc2822(text: &str) -> Option<DateTime<Utc>> {
    let cleaned = fix_rfc2822(text);
    DateTime::parse_from_rfc2822(&cleaned)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The repairs feed-rs applies before reading an RFC 2822 date, each to the first match as its
/// regular expressions do.
fn fix_rfc2822(text: &str) -> String {
    // "UTC" anywhere, or "-0000" at the end, is "+0000".
    let mut s = if let Some(at) = text.find("UTC") {
        format!("{}+0000{}", &text[..at], &text[at + 3..])
    } else if let Some(head) = text.strip_suffix("-0000") {
        format!("{head}+0000")
    } else {
        text.to_string()
    };
    // The weekday (which may be wrong, or long) is dropped: `Thurs, ` included.
    if let Some((at, len)) = first_word_with_prefix(&s, &WEEKDAYS, true) {
        s.replace_range(at..at + len, "");
    }
    // A long month name becomes its short one.
    if let Some((at, len)) = first_word_with_prefix(&s, &MONTHS, false) {
        s.replace_range(at + 3..at + len, "");
    }
    // "Aug 25 2012" (month first) becomes "25 Aug 2012".
    s = swap_month_and_day(&s);
    // Hour 24 is midnight; a one-digit hour gets its zero.
    if let Some(at) = s.find(" 24:") {
        s.replace_range(at + 1..at + 3, "00");
    }
    let b = s.as_bytes();
    if let Some(i) = (0..b.len().saturating_sub(2))
        .find(|&i| b[i] == b' ' && b[i + 1].is_ascii_digit() && b[i + 2] == b':')
    {
        s.insert(i + 1, '0');
    }
    s
}

/// The first place (byte offset, length) where one of `prefixes` starts a run of ASCII lowercase
/// letters after it; with `comma`, the run must be followed by ", " (included in the length).
fn first_word_with_prefix(s: &str, prefixes: &[&str], comma: bool) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    (0..b.len()).find_map(|i| {
        let p = prefixes.iter().find(|p| b[i..].starts_with(p.as_bytes()))?;
        let mut end = i + p.len();
        while end < b.len() && b[end].is_ascii_lowercase() {
            end += 1;
        }
        if comma {
            b[end..].starts_with(b", ").then_some((i, end + 2 - i))
        } else {
            Some((i, end - i))
        }
    })
}

/// `Mon dd yyyy` (the first one) as `dd Mon yyyy`.
fn swap_month_and_day(s: &str) -> String {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if !MONTHS.iter().any(|m| b[i..].starts_with(m.as_bytes())) || b.get(i + 3) != Some(&b' ') {
            continue;
        }
        let day_start = i + 4;
        let mut day_end = day_start;
        while day_end < b.len() && day_end - day_start < 2 && b[day_end].is_ascii_digit() {
            day_end += 1;
        }
        let year_start = day_end + 1;
        let is_year = day_end > day_start
            && b.get(day_end) == Some(&b' ')
            && b.len() >= year_start + 4
            && b[year_start..year_start + 4].iter().all(u8::is_ascii_digit);
        if is_year {
            return format!(
                "{}{} {} {}",
                &s[..i],
                &s[day_start..day_end],
                &s[i..i + 3],
                &s[year_start..]
            );
        }
    }
    s.to_string()
}

fn rfc1123(text: &str) -> Option<DateTime<Utc>> {
    let mut s = match text.strip_suffix(" Z") {
        Some(head) => format!("{head} +0000"),
        None => text.to_string(),
    };
    let b = s.as_bytes();
    if b.len() >= 5 && b[..3].iter().all(u8::is_ascii_alphabetic) && b[3..].starts_with(b", ") {
        s.replace_range(..5, "");
    }
    DateTime::parse_from_str(&s, "%d %b %Y %H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        parse_timestamp(text).map(|t| t.to_rfc3339())
    }

    #[test]
    fn standard_dates() {
        assert_eq!(
            at("2018-01-06T08:00:00Z").as_deref(),
            Some("2018-01-06T08:00:00+00:00")
        );
        assert_eq!(
            at("2018-01-06T08:00:00-05:00").as_deref(),
            Some("2018-01-06T13:00:00+00:00")
        );
        assert_eq!(
            at("Sat, 06 Jan 2018 08:00:00 GMT").as_deref(),
            Some("2018-01-06T08:00:00+00:00")
        );
        assert_eq!(
            at("Sat, 06 Jan 2018 08:00:00 +0100").as_deref(),
            Some("2018-01-06T07:00:00+00:00")
        );
    }

    #[test]
    fn dates_without_a_zone_are_utc() {
        assert_eq!(
            at("2018-01-06T08:00").as_deref(),
            Some("2018-01-06T08:00:00+00:00")
        );
        assert_eq!(
            at("2018-01-06T08:00:30").as_deref(),
            Some("2018-01-06T08:00:30+00:00")
        );
        assert_eq!(
            at("2018-01-06 08:00:30.5").as_deref(),
            Some("2018-01-06T08:00:30.500+00:00")
        );
        assert_eq!(
            at("2018-01-06").as_deref(),
            Some("2018-01-06T00:00:00+00:00")
        );
    }

    #[test]
    fn feed_rs_repairs_are_kept() {
        assert_eq!(
            at("2018-01-06T08:00:00+0100").as_deref(),
            Some("2018-01-06T07:00:00+00:00")
        );
        assert_eq!(
            at("Thurs, 13 Jul 2011 07:38:00 GMT").as_deref(),
            Some("2011-07-13T07:38:00+00:00")
        );
        assert_eq!(
            at("Wed, 25 August 2012 10:00:00 UTC").as_deref(),
            Some("2012-08-25T10:00:00+00:00")
        );
        assert_eq!(
            at("Aug 25 2012 10:00:00 -0000").as_deref(),
            Some("2012-08-25T10:00:00+00:00")
        );
        assert_eq!(
            at("Sat, 25 Aug 2012 24:10:00 GMT").as_deref(),
            Some("2012-08-25T00:10:00+00:00")
        );
        assert_eq!(
            at("Sat, 25 Aug 2012 7:10:00 GMT").as_deref(),
            Some("2012-08-25T07:10:00+00:00")
        );
        assert_eq!(
            at("Tue, 15 Nov 2022 20:15:04 Z").as_deref(),
            Some("2022-11-15T20:15:04+00:00")
        );
    }

    #[test]
    fn nonsense_is_none() {
        for text in ["", "yesterday", "2018-13-45T99:99", &"9".repeat(10_000)] {
            assert_eq!(at(text), None, "{text:.40}");
        }
    }
}
