//! Reads what a Newsboat user migrates from: the `urls` subscription file and the read and flagged
//! state kept in Newsboat's `cache.db`.
//!
//! This module owns the Newsboat formats so that the rest of tidings never has to know them:
//! [`parse_urls`] turns a `urls` file into feeds with titles, tags and the hidden mark, and lists
//! every line it does not take with a reason; [`read_newsboat_cache`] returns, for each article
//! Newsboat still knows, whether it is unread or flagged, so that an import keeps what the user has
//! already read and what they kept. [`looks_like_opml`] tells an OPML document from a `urls` file
//! by content, since both are commonly imported under arbitrary file names.
//!
//! Both files come from outside and are never trusted: nothing here panics on any input, the work
//! is linear in the input size and bounded by explicit caps ([`MAX_URLS_BYTES`],
//! [`MAX_URLS_LINES`], [`MAX_URLS_LINE_BYTES`], [`MAX_CACHE_ROWS`]), titles and tags are made into
//! one clean line, commands (`exec:`, `filter:`) are never run, and the cache is opened read-only.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use url::Url;

use crate::text::{clean_line, clip, cut_at_char_boundary};

/// At most this much of a `urls` file is read (the caller should refuse larger files before
/// reading them; this is the second line of defence).
pub const MAX_URLS_BYTES: usize = 16 * 1024 * 1024;
/// At most this many lines of a `urls` file are read (comments and blank lines included).
pub const MAX_URLS_LINES: usize = 100_000;
/// Longer lines of a `urls` file are skipped.
pub const MAX_URLS_LINE_BYTES: usize = 64 * 1024;
/// At most this many tags per feed; further tags are ignored.
const MAX_TAGS: usize = 32;
/// How much of an input-derived string [`UrlsImport::skipped`] keeps.
const MAX_WHAT_CHARS: usize = 200;

/// At most this many articles are read from a Newsboat cache; a larger cache is refused.
pub const MAX_CACHE_ROWS: usize = 2_000_000;
/// Articles whose guid or feed URL is longer than this (in characters) are ignored, and longer
/// article links are dropped; real ones are far shorter.
const MAX_CACHE_FIELD_CHARS: u32 = 4096;
/// At most this many bytes of guids, links and feed URLs in total are read from a cache.
const MAX_CACHE_BYTES: usize = 256 * 1024 * 1024;
/// How long to wait for a cache that another program (Newsboat itself) is writing.
const CACHE_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// One feed found in a Newsboat `urls` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlsEntry {
    /// The feed URL exactly as written (http(s), or `file://` when allowed), so that it matches the
    /// `feedurl` Newsboat stored in its cache; normalise both the same way before storing them. An
    /// absolute local path (only taken when allowed) is turned into a `file://` URL.
    pub url: String,
    /// The first `~title` tag, without the `~`, as one clean line; `None` when there is none.
    pub title: Option<String>,
    /// The other tags in order, each once, as clean lines; no empty ones, at most 32.
    pub tags: Vec<String>,
    /// Whether a tag starting with `!` hides the feed from Newsboat's feed list.
    pub hidden: bool,
}

/// The result of [`parse_urls`].
#[derive(Debug, Default)]
pub struct UrlsImport {
    /// The feeds taken, in file order, each URL once.
    pub feeds: Vec<UrlsEntry>,
    /// (what: `line N: ` and the URL or line as written, made safe to show; why: a short human
    /// reason) for every line that holds something but was not taken.
    pub skipped: Vec<(String, String)>,
}

/// The state of one article in a Newsboat cache.
///
/// The strings are as Newsboat stored them (invalid UTF-8 replaced): they are keys to match
/// articles by, not text to show; clean them before drawing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedState {
    /// The URL of the feed the article belongs to, as written in the `urls` file.
    pub feed_url: String,
    /// The article's guid (never empty).
    pub guid: String,
    /// The article's link, when there is one.
    pub link: Option<String>,
    /// Whether the article is unread.
    pub unread: bool,
    /// Whether the article carries any Newsboat flag (the letters set with `edit-flags`; Newsboat
    /// keeps flagged articles when it trims a feed, which is what a star means in tidings).
    pub flagged: bool,
}

/// Why a Newsboat cache could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NewsboatError {
    /// The file is missing or cannot be opened.
    #[error("cannot open {path}: {reason}")]
    Open { path: String, reason: String },
    /// The file can be opened, but it is not a database in Newsboat's format.
    #[error("{path} is not a Newsboat cache: {reason}")]
    NotNewsboatCache { path: String, reason: String },
    /// A Newsboat cache that could not be read to the end (locked, damaged, ...).
    #[error("cannot read the Newsboat cache {path}: {reason}")]
    Read { path: String, reason: String },
    /// The cache holds more than tidings imports.
    #[error("the Newsboat cache {path} is too large to import: {reason}")]
    TooLarge { path: String, reason: String },
}

/// Whether `bytes` is an XML document (OPML) rather than a Newsboat `urls` file: after an optional
/// byte order mark, whitespace (and the NUL halves of UTF-16 code units), the content starts with
/// `<`. A `urls` file never does: its lines start with a URL, `#` or a quote.
pub fn looks_like_opml(bytes: &[u8]) -> bool {
    const BOMS: [&[u8]; 3] = [&[0xEF, 0xBB, 0xBF], &[0xFF, 0xFE], &[0xFE, 0xFF]];
    let rest = BOMS
        .iter()
        .find_map(|bom| bytes.strip_prefix(*bom))
        .unwrap_or(bytes);
    rest.iter().find(|&&b| b != 0 && !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Reads a Newsboat `urls` file: one feed per line, the URL followed by tags separated by spaces
/// or tabs. A tag may be double-quoted (`"tag with spaces"`, with `\"` and `\\` escapes; an
/// unterminated quote takes the rest of the line); the first tag starting with `~` is the feed's
/// title, a tag starting with `!` hides the feed. `#` starts a comment (a whole line, or the rest
/// of one when it starts a token); blank lines are ignored.
///
/// Only http(s) feeds are taken; with `allow_local` (the user imports their own file), `file://`
/// URLs are taken as given and absolute paths as `file://` URLs too. Newsboat's command feeds
/// (`exec:`, `filter:`) and saved searches (`query:`) are never taken; they, other URLs and lines
/// over the caps are listed in [`UrlsImport::skipped`] with a reason. A URL given again adds its
/// tags to the first line's feed.
pub fn parse_urls(text: &str, allow_local: bool) -> UrlsImport {
    let mut out = UrlsImport::default();
    // Dedupe key (normalised URL) -> (index in `out.feeds`, line number).
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut truncated = false;
    let text = if text.len() > MAX_URLS_BYTES {
        truncated = true;
        let head = cut_at_char_boundary(text, MAX_URLS_BYTES);
        // The last line is probably cut in the middle: leave it out.
        head.rfind('\n').map_or("", |end| head.split_at(end).0)
    } else {
        text
    };

    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if index >= MAX_URLS_LINES {
            out.skipped.push((
                format!("line {number} and after"),
                format!("the file has more than {MAX_URLS_LINES} lines; the rest was not read"),
            ));
            truncated = false;
            break;
        }
        if line.len() > MAX_URLS_LINE_BYTES {
            let start = clip(&clean_line(cut_at_char_boundary(line, 400)), 60);
            out.skipped.push((
                format!("line {number}: {start}"),
                format!("the line is longer than {} KiB", MAX_URLS_LINE_BYTES / 1024),
            ));
            continue;
        }
        let mut tokens = tokenize(line).into_iter();
        let Some(first) = tokens.next() else {
            // Blank, or a comment.
            continue;
        };
        let written = first.trim_matches(|c: char| c.is_whitespace());
        let what = || {
            let shown = clip(&clean_line(written), MAX_WHAT_CHARS);
            format!("line {number}: {shown}")
        };
        let url = match check_url(written, allow_local) {
            Ok(url) => url,
            Err(why) => {
                out.skipped.push((what(), why));
                continue;
            }
        };

        let mut title = None;
        let mut hidden = false;
        let mut tags = Vec::new();
        for raw in tokens {
            let tag = clean_line(&raw);
            if let Some(name) = tag.strip_prefix('~') {
                let name = name.trim_start();
                if title.is_none() && !name.is_empty() {
                    title = Some(name.to_string());
                }
            } else if tag.starts_with('!') {
                hidden = true;
            } else {
                push_tag(&mut tags, tag);
            }
        }

        let key = Url::parse(&url).map_or_else(|_| url.clone(), String::from);
        if let Some(&(first_index, first_line)) = seen.get(&key) {
            if let Some(first) = out.feeds.get_mut(first_index) {
                for tag in tags {
                    push_tag(&mut first.tags, tag);
                }
                if first.title.is_none() {
                    first.title = title;
                }
            }
            let why = format!("the same feed as line {first_line} (its tags were added there)");
            out.skipped.push((what(), why));
            continue;
        }
        seen.insert(key, (out.feeds.len(), number));
        out.feeds.push(UrlsEntry {
            url,
            title,
            tags,
            hidden,
        });
    }

    if truncated {
        out.skipped.push((
            "the end of the file".to_string(),
            format!(
                "the file is larger than {} MiB; only the lines before that were read",
                MAX_URLS_BYTES / (1024 * 1024)
            ),
        ));
    }
    out
}

/// Whether `c` separates tokens on a `urls` line (Newsboat's separators).
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

/// Splits one `urls` line into tokens the way Newsboat does: tokens are separated by spaces and
/// tabs; a token starting with `"` runs to the next unescaped `"` (or the end of the line) with
/// `\n`, `\r`, `\t` and `\<any>` escapes; a token starting with `#` ends the line (a comment).
fn tokenize(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(is_separator);
        if rest.is_empty() || rest.starts_with('#') {
            break;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut token = String::new();
            let mut end = quoted.len();
            let mut chars = quoted.char_indices();
            while let Some((at, c)) = chars.next() {
                match c {
                    '"' => {
                        end = at + 1;
                        break;
                    }
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            token.push(match escaped {
                                'n' => '\n',
                                'r' => '\r',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    c => token.push(c),
                }
            }
            tokens.push(token);
            rest = quoted.get(end..).unwrap_or("");
        } else {
            let (token, after) = rest.split_at(rest.find(is_separator).unwrap_or(rest.len()));
            tokens.push(token.to_string());
            rest = after;
        }
    }
    tokens
}

/// Checks the URL of a `urls` line and returns what to store, or why the line is not taken.
fn check_url(written: &str, allow_local: bool) -> Result<String, String> {
    let lower = written.get(..8).unwrap_or(written).to_ascii_lowercase();
    if lower.starts_with("exec:") {
        return Err(
            "exec: feeds run a command; tidings never runs commands from an imported file".into(),
        );
    }
    if lower.starts_with("filter:") {
        return Err(
            "filter: feeds pass the feed through a command; tidings never runs commands \
                    from an imported file"
                .into(),
        );
    }
    if lower.starts_with("query:") {
        return Err(
            "query: feeds are Newsboat saved searches over other feeds, not subscriptions".into(),
        );
    }
    if written.is_empty() {
        return Err("empty URL".into());
    }
    if written.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL contains spaces or control characters".into());
    }
    if written.starts_with('/') {
        if !allow_local {
            return Err("local file path (only taken when importing your own file)".into());
        }
        return match Url::from_file_path(written) {
            Ok(url) if url.path() != "/" => Ok(url.into()),
            _ => Err("unusable local file path".into()),
        };
    }
    let Ok(url) = Url::parse(written) else {
        return Err(
            if lower.starts_with("http:") || lower.starts_with("https:") {
                "invalid http(s) URL"
            } else {
                "not an http(s) URL"
            }
            .into(),
        );
    };
    match url.scheme() {
        "http" | "https" => {
            if url.host_str().is_some_and(|host| !host.is_empty()) {
                Ok(written.to_string())
            } else {
                Err("http(s) URL without a host".into())
            }
        }
        "file" if !allow_local => {
            Err("file:// URL (only taken when importing your own file)".into())
        }
        "file" => {
            if matches!(url.host_str(), None | Some("" | "localhost")) && url.path() != "/" {
                Ok(written.to_string())
            } else {
                Err("unusable file:// URL".into())
            }
        }
        // A one-letter "scheme" is a Windows drive letter.
        scheme if scheme.len() == 1 => Err("not an http(s) URL".into()),
        // The url crate only accepts ASCII letters, digits, `+`, `-` and `.` in a scheme.
        scheme => Err(format!(
            "{}: URLs are not supported (only http(s))",
            clip(scheme, 20)
        )),
    }
}

/// Adds `tag` unless it is empty, already there, or the list is full.
fn push_tag(tags: &mut Vec<String>, tag: String) {
    if !tag.is_empty() && tags.len() < MAX_TAGS && !tags.contains(&tag) {
        tags.push(tag);
    }
}

/// Reads the unread and flagged state of every article in a Newsboat cache (`cache.db`), leaving
/// out the articles Newsboat shows as deleted. The file is opened read-only and never written.
///
/// Only `rss_item`'s `guid`, `url`, `feedurl`, `unread`, `flags` and `deleted` columns are read
/// (`flags` and `deleted` came later in Newsboat's history and may be missing). Articles without a
/// guid or feed URL are left out; a cache with more than [`MAX_CACHE_ROWS`] articles is refused.
pub fn read_newsboat_cache(path: &Path) -> Result<Vec<CachedState>, NewsboatError> {
    let shown = clip(&clean_line(&path.display().to_string()), MAX_WHAT_CHARS);
    let open_error = |reason: &str| NewsboatError::Open {
        path: shown.clone(),
        reason: reason.to_string(),
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(open_error("it is a directory")),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(open_error("no such file"));
        }
        Err(e) => return Err(open_error(&clean_line(&e.to_string()))),
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| open_error(&clean_line(&e.to_string())))?;
    let fail = |e: rusqlite::Error| sqlite_error(&shown, &e);
    conn.busy_timeout(CACHE_BUSY_TIMEOUT).map_err(fail)?;
    // Belt and braces on top of the read-only open, and no functions from a hostile schema.
    conn.pragma_update(None, "query_only", "ON").map_err(fail)?;
    conn.pragma_update(None, "trusted_schema", "OFF")
        .map_err(fail)?;

    let not_newsboat = |reason: &str| NewsboatError::NotNewsboatCache {
        path: shown.clone(),
        reason: reason.to_string(),
    };
    // The first read of the file: a file that is not SQLite fails here.
    let table: Option<(String, String)> = {
        let mut stmt = conn
            .prepare(
                "SELECT type, coalesce(sql, '') FROM sqlite_master \
                 WHERE name = 'rss_item' COLLATE NOCASE LIMIT 1",
            )
            .map_err(fail)?;
        let mut rows = stmt.query([]).map_err(fail)?;
        match rows.next().map_err(fail)? {
            Some(row) => Some((
                text(row.get_ref(0).map_err(fail)?).unwrap_or_default(),
                text(row.get_ref(1).map_err(fail)?).unwrap_or_default(),
            )),
            None => None,
        }
    };
    let Some((kind, sql)) = table else {
        return Err(not_newsboat("it has no rss_item table"));
    };
    let plain_table = kind == "table"
        && sql
            .trim_start()
            .get(..12)
            .is_some_and(|start| start.eq_ignore_ascii_case("CREATE TABLE"));
    if !plain_table {
        return Err(not_newsboat("its rss_item is not a plain table"));
    }

    // The columns of rss_item, and whether each is an ordinary stored one.
    let mut columns: HashMap<String, bool> = HashMap::new();
    {
        let mut stmt = conn
            .prepare("SELECT name, hidden FROM pragma_table_xinfo('rss_item') LIMIT 10000")
            .map_err(fail)?;
        let mut rows = stmt.query([]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let name = text(row.get_ref(0).map_err(fail)?).unwrap_or_default();
            let plain = matches!(row.get_ref(1).map_err(fail)?, ValueRef::Integer(0));
            columns.insert(name.to_ascii_lowercase(), plain);
        }
    }
    for needed in ["guid", "url", "feedurl", "unread"] {
        match columns.get(needed) {
            None => {
                return Err(not_newsboat(&format!(
                    "its rss_item table has no {needed} column"
                )));
            }
            Some(false) => {
                return Err(not_newsboat(&format!(
                    "the {needed} column of its rss_item table is computed"
                )));
            }
            Some(true) => {}
        }
    }
    let usable = |name: &str| -> Result<bool, NewsboatError> {
        match columns.get(name) {
            None => Ok(false),
            Some(true) => Ok(true),
            Some(false) => Err(not_newsboat(&format!(
                "the {name} column of its rss_item table is computed"
            ))),
        }
    };
    // Newsboat's flags are letters; an article is flagged when it has any.
    let flagged = if usable("flags")? {
        "coalesce(flags GLOB '*[A-Za-z]*', 0)"
    } else {
        "0"
    };
    // Newsboat shows the articles with `deleted = 0` only.
    let deleted = if usable("deleted")? {
        "deleted = 0 AND"
    } else {
        ""
    };
    // `length()` does not load the value, so oversized fields cost nothing to leave out.
    let max = MAX_CACHE_FIELD_CHARS;
    let query = format!(
        "SELECT guid, CASE WHEN length(url) <= {max} THEN url END, feedurl, \
         coalesce(unread = 1, 0), {flagged} \
         FROM rss_item \
         WHERE {deleted} length(guid) BETWEEN 1 AND {max} AND length(feedurl) BETWEEN 1 AND {max}"
    );

    let mut out = Vec::new();
    let mut total_bytes = 0usize;
    let mut stmt = conn.prepare(&query).map_err(fail)?;
    let mut rows = stmt.query([]).map_err(fail)?;
    while let Some(row) = rows.next().map_err(fail)? {
        if out.len() >= MAX_CACHE_ROWS {
            return Err(NewsboatError::TooLarge {
                path: shown.clone(),
                reason: format!("it holds more than {MAX_CACHE_ROWS} articles"),
            });
        }
        let (Some(guid), Some(feed_url)) = (
            text(row.get_ref(0).map_err(fail)?),
            text(row.get_ref(2).map_err(fail)?),
        ) else {
            continue;
        };
        let link = text(row.get_ref(1).map_err(fail)?).filter(|link| !link.is_empty());
        let unread = flag(row.get_ref(3).map_err(fail)?);
        let flagged = flag(row.get_ref(4).map_err(fail)?);
        total_bytes = total_bytes
            .saturating_add(guid.len())
            .saturating_add(feed_url.len())
            .saturating_add(link.as_ref().map_or(0, String::len));
        if total_bytes > MAX_CACHE_BYTES {
            return Err(NewsboatError::TooLarge {
                path: shown.clone(),
                reason: format!(
                    "its guids and links take more than {} MiB",
                    MAX_CACHE_BYTES / (1024 * 1024)
                ),
            });
        }
        out.push(CachedState {
            feed_url,
            guid,
            link,
            unread,
            flagged,
        });
    }
    Ok(out)
}

/// A column value as text (invalid UTF-8 replaced); `None` for NULL.
fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Null => None,
    }
}

/// A 0/1 column value as a bool; anything but a non-zero integer is false.
fn flag(value: ValueRef<'_>) -> bool {
    matches!(value, ValueRef::Integer(n) if n != 0)
}

/// A [`NewsboatError`] for an SQLite failure while reading the cache at `path` (as shown).
fn sqlite_error(path: &str, e: &rusqlite::Error) -> NewsboatError {
    let path = path.to_string();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => NewsboatError::NotNewsboatCache {
            path,
            reason: "it is not an SQLite database".to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => NewsboatError::Read {
            path,
            reason: "another program is writing it (is Newsboat running? quit it and try again)"
                .to_string(),
        },
        Some(ErrorCode::DatabaseCorrupt) => NewsboatError::Read {
            path,
            reason: format!("the file is damaged ({})", clean_line(&e.to_string())),
        },
        _ => NewsboatError::Read {
            path,
            reason: clip(&clean_line(&e.to_string()), MAX_WHAT_CHARS),
        },
    }
}

#[cfg(test)]
mod tests;
