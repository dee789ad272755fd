//! The search query language, parsed into a [`Query`] that the store turns into SQL with bound
//! values. Nothing typed by a user reaches SQL as text: the FTS5 expression is written here from
//! quoted, escaped terms, and every other value is a parameter.
//!
//! ```text
//! rust async                words (all of them)
//! "borrow checker"          a phrase
//! tok*                      a prefix
//! -javascript               not this word
//! rust OR go                either
//! title:release author:ann  in one field (title, author); feed:NAME, tag:NAME
//! is:unread is:read is:starred has:fulltext
//! after:2025-01-01 before:2025-02-01 newer:7d older:1y   (d, w, m, y)
//! ```

/// A query could not be read; `at` is the character position where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct QueryError {
    pub at: usize,
    pub message: String,
}

/// One full-text term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// `Some("title")` / `Some("author")` for a field, `None` for anywhere.
    pub field: Option<&'static str>,
    pub text: String,
    pub prefix: bool,
    pub negated: bool,
}

/// A parsed query: full-text terms (alternatives of conjunctions), and filters on the articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `any[i]` is a conjunction of terms; the query matches when any of them does (`OR`).
    pub any: Vec<Vec<Term>>,
    pub feeds: Vec<String>,
    pub tags: Vec<String>,
    pub unread: Option<bool>,
    pub starred: bool,
    pub full_text: bool,
    /// Unix seconds, inclusive/exclusive bounds on the article's time.
    pub after: Option<i64>,
    pub before: Option<i64>,
}

/// Longest query read.
const MAX_QUERY_CHARS: usize = 1000;
/// Most terms in a query.
const MAX_TERMS: usize = 64;

impl Query {
    /// Whether there are full-text terms (else only filters apply).
    pub fn has_text(&self) -> bool {
        self.any.iter().any(|c| c.iter().any(|t| !t.negated))
    }

    /// The FTS5 match expression, built from quoted terms only. `None` when there is no positive
    /// term (then the negated ones are applied with [`Query::negated_expression`]).
    pub fn fts_expression(&self) -> Option<String> {
        let groups: Vec<String> = self
            .any
            .iter()
            .filter(|c| c.iter().any(|t| !t.negated))
            .map(|conj| {
                let mut out = String::new();
                for t in conj.iter().filter(|t| !t.negated) {
                    if !out.is_empty() {
                        out.push_str(" AND ");
                    }
                    out.push_str(&fts_term(t));
                }
                for t in conj.iter().filter(|t| t.negated) {
                    out.push_str(" NOT ");
                    out.push_str(&fts_term(t));
                }
                format!("({out})")
            })
            .collect();
        (!groups.is_empty()).then(|| groups.join(" OR "))
    }

    /// For a query of only negated terms: the expression of what to leave out.
    pub fn negated_expression(&self) -> Option<String> {
        if self.has_text() {
            return None;
        }
        let terms: Vec<String> = self
            .any
            .iter()
            .flatten()
            .filter(|t| t.negated)
            .map(fts_term)
            .collect();
        (!terms.is_empty()).then(|| terms.join(" OR "))
    }
}

/// One term as FTS5 syntax: a double-quoted string (quotes doubled), `*` for a prefix, `field :`.
/// CJK text is written as a phrase of single characters, as the index holds it.
fn fts_term(t: &Term) -> String {
    // Control characters index as nothing, and a NUL would end the expression inside SQLite.
    let clean: String = t.text.chars().filter(|c| !c.is_control()).collect();
    let text = segment_cjk(&clean);
    let mut s = format!("\"{}\"", text.replace('"', "\"\""));
    if t.prefix {
        s.push('*');
    }
    match t.field {
        Some(field) => format!("{field} : {s}"),
        None => s,
    }
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

/// Spaces around every CJK character, so the index's word tokenizer holds each as a token and a
/// word of several characters is found as a phrase. Text without CJK is returned as it is.
pub fn segment_cjk(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        push_segmented(&mut out, c);
    }
    out
}

/// Pushes `c`, with a space on either side if it is a CJK character (see [`segment_cjk`]).
pub(super) fn push_segmented(out: &mut String, c: char) {
    if is_cjk(c) {
        out.push(' ');
        out.push(c);
        out.push(' ');
    } else {
        out.push(c);
    }
}

/// Reads a query. `now` (Unix seconds) anchors `newer:`/`older:`.
pub fn parse(input: &str, now: i64) -> Result<Query, QueryError> {
    let chars: Vec<char> = input.chars().take(MAX_QUERY_CHARS + 1).collect();
    if chars.len() > MAX_QUERY_CHARS {
        return Err(QueryError {
            at: MAX_QUERY_CHARS,
            message: format!("the query is longer than {MAX_QUERY_CHARS} characters"),
        });
    }
    let mut q = Query {
        any: vec![Vec::new()],
        ..Query::default()
    };
    let mut i = 0;
    let mut terms = 0;
    let mut pending_or = false;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let negated = chars[i] == '-';
        if negated {
            i += 1;
        }
        // A quoted phrase.
        if chars.get(i) == Some(&'"') {
            let close = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map(|p| i + 1 + p)
                .ok_or(QueryError {
                    at: i,
                    message: "this quote is never closed".into(),
                })?;
            let text: String = chars[i + 1..close].iter().collect();
            i = close + 1;
            let prefix = chars.get(i) == Some(&'*');
            if prefix {
                i += 1;
            }
            if !text.trim().is_empty() {
                push_term(
                    &mut q,
                    &mut terms,
                    &mut pending_or,
                    start,
                    Term {
                        field: None,
                        text,
                        prefix,
                        negated,
                    },
                )?;
            }
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| chars[j].is_whitespace())
            .unwrap_or(chars.len());
        let word: String = chars[i..end].iter().collect();
        i = end;
        if word.is_empty() {
            return Err(QueryError {
                at: start,
                message: "a '-' needs a word after it".into(),
            });
        }
        if word == "OR" && !negated {
            if q.any.last().is_none_or(Vec::is_empty) {
                return Err(QueryError {
                    at: start,
                    message: "OR needs a word before it".into(),
                });
            }
            pending_or = true;
            continue;
        }
        if let Some((field, value)) = word.split_once(':')
            && !field.is_empty()
            && field.chars().all(|c| c.is_ascii_alphabetic())
        {
            let at = start + field.chars().count() + 1 + usize::from(negated);
            // A quoted value: `title:"two words"`.
            let mut value = value.to_string();
            if value.starts_with('"') && !(value.len() > 1 && value.ends_with('"')) {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == '"')
                    .map(|p| i + p)
                    .ok_or(QueryError {
                        at,
                        message: "this quote is never closed".into(),
                    })?;
                value.extend(chars[i..=close].iter());
                i = close + 1;
            }
            let value = value.trim_matches('"').to_string();
            if value.is_empty() {
                return Err(QueryError {
                    at,
                    message: format!("{field}: needs a value"),
                });
            }
            filter(
                &mut q,
                &mut terms,
                &mut pending_or,
                field,
                &value,
                negated,
                at,
                start,
                now,
            )?;
            continue;
        }
        let prefix = word.ends_with('*') && word.chars().count() > 1;
        let text = word.trim_end_matches('*').to_string();
        push_term(
            &mut q,
            &mut terms,
            &mut pending_or,
            start,
            Term {
                field: None,
                text,
                prefix,
                negated,
            },
        )?;
    }
    if pending_or {
        return Err(QueryError {
            at: chars.len(),
            message: "OR needs a word after it".into(),
        });
    }
    q.any.retain(|c| !c.is_empty());
    Ok(q)
}

fn push_term(
    q: &mut Query,
    terms: &mut usize,
    pending_or: &mut bool,
    at: usize,
    term: Term,
) -> Result<(), QueryError> {
    *terms += 1;
    if *terms > MAX_TERMS {
        return Err(QueryError {
            at,
            message: format!("more than {MAX_TERMS} words"),
        });
    }
    if std::mem::take(pending_or) {
        q.any.push(Vec::new());
    }
    if let Some(conj) = q.any.last_mut() {
        conj.push(term);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn filter(
    q: &mut Query,
    terms: &mut usize,
    pending_or: &mut bool,
    field: &str,
    value: &str,
    negated: bool,
    at: usize,
    start: usize,
    now: i64,
) -> Result<(), QueryError> {
    let bad = |message: String| QueryError { at, message };
    if negated && !matches!(field, "title" | "author") {
        return Err(QueryError {
            at: start,
            message: format!("-{field}: cannot be negated; only words can"),
        });
    }
    match field {
        "title" | "author" => {
            let prefix = value.ends_with('*') && value.chars().count() > 1;
            push_term(
                q,
                terms,
                pending_or,
                start,
                Term {
                    field: Some(if field == "title" { "title" } else { "author" }),
                    text: value.trim_end_matches('*').to_string(),
                    prefix,
                    negated,
                },
            )?;
        }
        "feed" => q.feeds.push(value.to_string()),
        "tag" => q.tags.push(value.to_string()),
        "is" => match value {
            "unread" => q.unread = Some(true),
            "read" => q.unread = Some(false),
            "starred" => q.starred = true,
            other => {
                return Err(bad(format!(
                    "is:{other} is unknown; use is:unread, is:read or is:starred"
                )));
            }
        },
        "has" => match value {
            "fulltext" => q.full_text = true,
            other => return Err(bad(format!("has:{other} is unknown; use has:fulltext"))),
        },
        "after" | "before" => {
            let day = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                bad(format!(
                    "{field}: wants a date like 2025-01-31, not {value:?}"
                ))
            })?;
            let t = day
                .and_hms_opt(0, 0, 0)
                .map(|d| d.and_utc().timestamp())
                .unwrap_or(0);
            if field == "after" {
                q.after = Some(t);
            } else {
                q.before = Some(t);
            }
        }
        "newer" | "older" => {
            let seconds = age_seconds(value).ok_or_else(|| {
                bad(format!(
                    "{field}: wants an age like 7d, 2w, 3m or 1y, not {value:?}"
                ))
            })?;
            let t = now.saturating_sub(seconds);
            if field == "newer" {
                q.after = Some(t);
            } else {
                q.before = Some(t);
            }
        }
        other => {
            return Err(QueryError {
                at: start,
                message: format!(
                    "{other}: is not a field; use title:, author:, feed:, tag:, is:, has:, after:, before:, newer: or older:"
                ),
            });
        }
    }
    Ok(())
}

/// "7d", "2w", "3m", "1y", "12h" → seconds.
fn age_seconds(value: &str) -> Option<i64> {
    let unit = value.chars().last()?;
    let n: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    let per = match unit {
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        'm' => 30 * 86_400,
        'y' => 365 * 86_400,
        _ => return None,
    };
    (0..=100_000).contains(&n).then_some(n * per)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_072_000;

    #[test]
    fn words_phrases_prefixes_and_or() {
        let q = parse(r#"rust "borrow checker" tok* -java OR go"#, NOW).unwrap();
        assert_eq!(
            q.fts_expression().unwrap(),
            r#"("rust" AND "borrow checker" AND "tok"* NOT "java") OR ("go")"#
        );
    }

    #[test]
    fn fields_and_filters() {
        let q = parse("title:release author:ann feed:Rust tag:tech is:unread has:fulltext newer:7d before:2025-02-01", NOW).unwrap();
        assert_eq!(
            q.fts_expression().unwrap(),
            r#"(title : "release" AND author : "ann")"#
        );
        assert_eq!(q.feeds, ["Rust"]);
        assert_eq!(q.tags, ["tech"]);
        assert_eq!(q.unread, Some(true));
        assert!(q.full_text);
        assert_eq!(q.after, Some(NOW - 7 * 86_400));
        assert_eq!(q.before, Some(1_738_368_000));
    }

    #[test]
    fn quotes_in_terms_never_escape_the_expression() {
        let q = parse(r#"a"b" title:"x y""#, NOW).unwrap();
        let e = q.fts_expression().unwrap();
        assert_eq!(e, r#"("a""b""" AND title : "x y")"#);
    }

    #[test]
    fn only_negations_are_a_leave_out_list() {
        let q = parse("-spam -ads is:unread", NOW).unwrap();
        assert_eq!(q.fts_expression(), None);
        assert_eq!(q.negated_expression().unwrap(), r#""spam" OR "ads""#);
    }

    #[test]
    fn cjk_terms_become_phrases_of_characters() {
        let q = parse("中文 日本語", NOW).unwrap();
        assert_eq!(
            q.fts_expression().unwrap(),
            r#"(" 中  文 " AND " 日  本  語 ")"#
        );
    }

    #[test]
    fn malformed_queries_say_where() {
        let cases = [
            ("\"never closed", 0, "never closed"),
            ("a OR", 4, "after it"),
            ("OR a", 0, "before it"),
            ("is:funny", 3, "is:funny is unknown"),
            ("after:yesterday", 6, "wants a date"),
            ("newer:soon", 6, "wants an age"),
            ("color:red", 0, "is not a field"),
            ("-feed:x", 0, "cannot be negated"),
            ("title:", 6, "needs a value"),
        ];
        for (input, at, words) in cases {
            let e = parse(input, NOW).unwrap_err();
            assert_eq!(e.at, at, "{input}: {e}");
            assert!(e.message.contains(words), "{input}: {e}");
        }
        assert!(parse(&"x ".repeat(600), NOW).is_err());
    }
}
