//! `tidings list` and the JSON rows of `list` and `search`: streamed from the cache's reader, every
//! string from outside cleaned before it is printed.

use std::io::Write;

use serde::Serialize;

use super::args::ListWhat;
use crate::session::Session;
use crate::session::subscriptions::format_minutes;
use crate::store::Scope;
use crate::text::clean_line;

/// `tidings search --json` rows.
#[derive(Serialize)]
pub(super) struct SearchJson {
    pub(super) id: i64,
    pub(super) feed_id: i64,
    pub(super) title: String,
    pub(super) link: Option<String>,
    pub(super) published: Option<i64>,
    pub(super) time: i64,
    pub(super) read: bool,
    pub(super) starred: bool,
    pub(super) enclosures: Vec<crate::store::Enclosure>,
    /// Where the query's words occur in the text.
    pub(super) snippet: String,
}

/// `tidings list feeds --json` rows.
#[derive(Serialize)]
struct FeedJson<'a> {
    id: i64,
    url: &'a str,
    title: String,
    tags: &'a [String],
    unread: i64,
    total: i64,
    last_error: Option<String>,
    /// When the feed is fetched next (Unix seconds).
    next_fetch: i64,
    /// The feed's own interval, when it has one.
    interval_minutes: Option<i64>,
}

pub(super) fn list(
    session: &Session,
    what: ListWhat,
    scope: Scope,
    unread: bool,
    json: bool,
) -> anyhow::Result<()> {
    // The rows stream out from the session's reader thread: a million rows never sit in memory.
    session
        .db()
        .read_blocking(move |store| Ok(list_on(store, what, scope, unread, json)))?
}

fn list_on(
    store: &crate::store::Store,
    what: ListWhat,
    scope: Scope,
    unread: bool,
    json: bool,
) -> anyhow::Result<()> {
    // Buffered: a million rows are a million lines, not a million writes.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    match what {
        ListWhat::Feeds => {
            for f in store.feed_summaries()? {
                if json {
                    let row = FeedJson {
                        id: f.id,
                        url: &f.url,
                        title: clean_line(&f.title),
                        tags: &f.tags,
                        unread: f.unread,
                        total: f.total,
                        last_error: f.last_error.as_deref().map(clean_line),
                        next_fetch: f.next_fetch,
                        interval_minutes: f.interval_minutes,
                    };
                    writeln!(out, "{}", serde_json::to_string(&row)?)?;
                } else {
                    let mut line = clean_line(&f.title);
                    if !f.tags.is_empty() {
                        line.push_str(&format!(" [{}]", clean_line(&f.tags.join(", "))));
                    }
                    line.push_str(&format!(" <{}>", clean_line(&f.url)));
                    if let Some(m) = f.interval_minutes {
                        line.push_str(&format!(" every {}", format_minutes(m)));
                    }
                    if let Some(e) = &f.last_error {
                        line.push_str(&format!(" error: {}", clean_line(e)));
                    }
                    writeln!(out, "{:>5} {:>6}/{:<6} {line}", f.id, f.unread, f.total)?;
                }
            }
        }
        ListWhat::Articles => {
            let tz = chrono::Local::now().fixed_offset().timezone();
            store.for_each_listing(&scope, unread, json, |a| -> anyhow::Result<()> {
                if json {
                    serde_json::to_writer(&mut out, &a)?;
                    writeln!(out)?;
                } else {
                    let date = a
                        .published
                        .map(|t| crate::session::article::format_time(t, tz, "%Y-%m-%d"))
                        .unwrap_or_else(|| "----------".into());
                    let flags = format!(
                        "{}{}",
                        if a.read { ' ' } else { 'N' },
                        if a.starred { '*' } else { ' ' }
                    );
                    writeln!(out, "{:>7} {flags} {date}  {}", a.id, clean_line(&a.title))?;
                }
                Ok(())
            })?;
        }
    }
    out.flush()?;
    Ok(())
}
