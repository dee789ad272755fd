//! What both sync protocols share: the credentials, the feeds and articles a server reports, the
//! flags we send, the errors; and the plumbing under both clients: one capped HTTP exchange, and
//! lenient JSON field readers (ids as numbers or strings, booleans as 0/1/true/"1", long strings
//! cut, long id lists refused).

use std::fmt;

use reqwest::StatusCode;

/// Where a sync server is and who logs in. `Debug` never shows the password (nor one written into
/// the URL).
#[derive(Clone)]
pub struct Credentials {
    pub url: String,
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match url::Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("hidden"));
                u.to_string()
            }
            Ok(u) => u.to_string(),
            Err(_) => "<not a URL>".to_string(),
        };
        f.debug_struct("Credentials")
            .field("url", &url)
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// A subscription on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteFeed {
    pub id: i64,
    pub title: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    /// The name of its category (TT-RSS) or group (Fever), if it has one.
    pub category: Option<String>,
    /// Its unread articles, when the server says (TT-RSS does; Fever does not).
    pub unread: Option<i64>,
}

/// An article as the server reports it. Strings are as sent (the caller sanitises them), cut at
/// [`MAX_TEXT`] bytes ([`MAX_CONTENT`] for `content`).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteArticle {
    pub id: i64,
    pub feed_id: i64,
    pub title: String,
    pub author: Option<String>,
    pub link: Option<String>,
    /// HTML as sent.
    pub content: Option<String>,
    /// Unix seconds.
    pub published: Option<i64>,
    /// Unix seconds.
    pub updated: Option<i64>,
    pub unread: bool,
    pub starred: bool,
}

/// A change of an article's state, sent to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Flag {
    Read,
    Unread,
    Star,
    Unstar,
}

/// What a server can do beyond the common ground.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `subscribe` and `unsubscribe` work (TT-RSS); Fever's API cannot change subscriptions.
    pub subscribe: bool,
    /// `subscribe` can file the new feed under a category (TT-RSS: an existing one only, API level
    /// 15 cannot create categories).
    pub categories: bool,
    /// The server itself applies `catch_up_feed`'s `before` in one request (Fever). Without it
    /// (TT-RSS) the client emulates `before` by listing the feed's unread articles and marking
    /// the older ones, which costs more requests: marking the ids you know is cheaper.
    pub catch_up_before: bool,
}

/// Why a call to a sync server failed. The messages never hold the password or a session id.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Connection refused, DNS, TLS, timeout, or an address that is no URL.
    #[error("cannot reach the sync server: {0}")]
    Unreachable(String),
    /// Wrong user name or password, API access disabled, HTTP 401/403.
    #[error("the sync server refused the login: {0}")]
    Auth(String),
    #[error("the sync server answered HTTP {0}")]
    Http(u16),
    /// Not the JSON we expect; says what.
    #[error("the sync server's answer makes no sense: {0}")]
    Garbage(String),
    #[error("the sync server's answer is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// The server answered with an error message of its own.
    #[error("the sync server reported an error: {0}")]
    Api(String),
    #[error("the sync server cannot do that: {0}")]
    Unsupported(&'static str),
}

/// Longest title, author, URL or category name kept, in bytes; longer ones are cut.
pub const MAX_TEXT: usize = 64 * 1024;
/// Longest article content kept, in bytes (articles of more than 64 KiB of HTML are common).
pub const MAX_CONTENT: usize = 2 * 1024 * 1024;
/// Most ids in one list (unread, starred); a longer list is refused as garbage.
pub const MAX_IDS: usize = 1_000_000;
/// Longest server-supplied text put into an error message, in characters.
const MAX_MESSAGE: usize = 200;

/// Server text made fit for an error message: one line, no control characters, short.
pub(crate) fn message(s: &str) -> String {
    let line = crate::text::clean_line(s);
    match line.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// `s` cut to at most `max` bytes, at a character boundary.
pub(crate) fn cap(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// `Some(s)` unless it is empty or only whitespace.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// The server address checked: http or https, with a host.
pub(crate) fn parse_server_url(raw: &str) -> Result<url::Url, RemoteError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| RemoteError::Unreachable(format!("the address is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(RemoteError::Unsupported(
            "sync server addresses must start with http:// or https://",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(RemoteError::Unreachable(
            "the address has no host name".into(),
        ));
    }
    Ok(url)
}

/// Sends one request and reads the answer, at most `max_body` bytes of it (streamed: a huge body
/// is refused as soon as it passes the cap). The client's own timeouts bound the time.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    max_body: usize,
) -> Result<Vec<u8>, RemoteError> {
    let mut response = request.send().await.map_err(network_error)?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(RemoteError::Auth(format!(
            "HTTP {}: check the user name and password, or the server's access rules",
            status.as_u16()
        )));
    }
    if !status.is_success() {
        return Err(RemoteError::Http(status.as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > max_body as u64)
    {
        return Err(RemoteError::TooLarge(max_body));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if bytes.len() + chunk.len() > max_body {
            return Err(RemoteError::TooLarge(max_body));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A failed exchange in words, without the URL (it may hold a user name) or anything we sent.
fn network_error(e: reqwest::Error) -> RemoteError {
    if e.is_timeout() {
        return RemoteError::Unreachable(
            "no answer in time (the server is down, overloaded or unreachable)".into(),
        );
    }
    let e = e.without_url();
    let mut cause: &(dyn std::error::Error + 'static) = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    RemoteError::Unreachable(format!("{what}: {}", message(&cause.to_string())))
}

/// Parses an answer into `T`, saying in a few words what was wrong with it if it does not fit.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RemoteError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|at| &bytes[at..])
        .unwrap_or(&[]);
    if start.is_empty() {
        return Err(RemoteError::Garbage("an empty answer".into()));
    }
    if start.starts_with(b"<") {
        return Err(RemoteError::Garbage(
            "a web page instead of JSON: is the address the server's API?".into(),
        ));
    }
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    serde_json::from_slice(start).map_err(|e| json_error(&e))
}

fn json_error(e: &serde_json::Error) -> RemoteError {
    use serde_json::error::Category;
    RemoteError::Garbage(match e.classify() {
        Category::Eof => "the JSON answer is cut short".to_string(),
        Category::Syntax => format!("not valid JSON ({})", message(&e.to_string())),
        Category::Data => format!("unexpected JSON ({})", message(&e.to_string())),
        Category::Io => format!("cannot read the answer ({})", message(&e.to_string())),
    })
}

/// Lenient readers for fields of a server's JSON, for `#[serde(deserialize_with = …)]`.
pub(crate) mod de {
    use std::fmt;

    use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

    use super::{MAX_CONTENT, MAX_IDS, MAX_TEXT, cap};

    fn int_from_f64<E: de::Error>(v: f64) -> Result<i64, E> {
        if v.fract() == 0.0 && v >= i64::MIN as f64 && v <= i64::MAX as f64 {
            Ok(v as i64)
        } else {
            Err(E::custom(format!("{v} is not a whole number")))
        }
    }

    fn int_from_str<E: de::Error>(v: &str) -> Result<i64, E> {
        let t = v.trim();
        t.parse::<i64>().or_else(|_| {
            // "12.0"
            t.parse::<f64>()
                .map_err(|_| E::custom(format!("{:?} is not a number", super::message(v))))
                .and_then(int_from_f64)
        })
    }

    struct IntVisitor;

    impl<'de> Visitor<'de> for IntVisitor {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number, or a number in a string")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("{v} is too large")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            int_from_f64(v).map(Some)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            int_from_str(v).map(Some)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// A required id: `12` or `"12"`.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(IntVisitor)?
            .ok_or_else(|| de::Error::custom("an id is null or empty"))
    }

    /// An optional number: `12`, `"12"`, `null`, `""` or missing (with `#[serde(default)]`).
    pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(IntVisitor)
    }

    struct BoolVisitor;

    impl<'de> Visitor<'de> for BoolVisitor {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("true/false, 0/1 or one of them in a string")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
            Ok(v != 0.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "yes" | "y" | "on" => Ok(true),
                "0" | "false" | "f" | "no" | "n" | "off" | "" => Ok(false),
                _ => Err(E::custom(format!(
                    "{:?} is not a yes or no",
                    super::message(v)
                ))),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// A flag: `true`, `1`, `"1"`, `"t"`, … (`null` and missing are false).
    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        d.deserialize_any(BoolVisitor)
    }

    struct TextVisitor(usize);

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let end = if v.len() > self.0 {
                (0..=self.0)
                    .rev()
                    .find(|&i| v.is_char_boundary(i))
                    .unwrap_or(0)
            } else {
                v.len()
            };
            Ok(Some(v[..end].to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(cap(v, self.0)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            // PHP writes `false` for a missing value.
            Ok(v.then(|| "true".to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// A short string (title, author, URL), cut at [`MAX_TEXT`] bytes; numbers are taken as text,
    /// `null` and missing as `None`.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(TextVisitor(MAX_TEXT))
    }

    /// Article content, cut at [`MAX_CONTENT`] bytes.
    pub fn content<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(TextVisitor(MAX_CONTENT))
    }

    struct IdListVisitor;

    fn too_many<E: de::Error>() -> E {
        E::custom(format!("a list of more than {MAX_IDS} ids"))
    }

    impl<'de> Visitor<'de> for IdListVisitor {
        type Value = Vec<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("ids separated by commas, or a list of ids")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<i64>, E> {
            let mut ids = Vec::new();
            for part in v.split(',') {
                if part.trim().is_empty() {
                    continue;
                }
                if ids.len() == MAX_IDS {
                    return Err(too_many());
                }
                ids.push(int_from_str(part)?);
            }
            Ok(ids)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<i64>, A::Error> {
            let mut ids = Vec::new();
            while let Some(Id(id)) = seq.next_element()? {
                if ids.len() == MAX_IDS {
                    // Read the rest so that the error is ours, not a syntax error.
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Err(too_many());
                }
                ids.push(id);
            }
            Ok(ids)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<i64>, E> {
            Ok(vec![v])
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<i64>, E> {
            IntVisitor.visit_u64(v).map(|id| id.into_iter().collect())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<i64>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<i64>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<i64>, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// A list of ids: `"1,2,3"` (Fever) or `[1, "2", 3]`; at most [`MAX_IDS`].
    pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        d.deserialize_any(IdListVisitor)
    }

    /// One id inside a list.
    struct Id(i64);

    impl<'de> serde::Deserialize<'de> for Id {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
            id(d).map(Id)
        }
    }

    /// A list of `T` where the server may write `null` or `false` for an empty list.
    pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: serde::Deserialize<'de>,
    {
        struct ListVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
                if v {
                    Err(E::invalid_type(de::Unexpected::Bool(true), &self))
                } else {
                    Ok(Vec::new())
                }
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(ListVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Row {
        #[serde(deserialize_with = "de::id")]
        id: i64,
        #[serde(default, deserialize_with = "de::flag")]
        unread: bool,
        #[serde(default, deserialize_with = "de::text")]
        title: Option<String>,
        #[serde(default, deserialize_with = "de::id_list")]
        ids: Vec<i64>,
    }

    #[test]
    fn lenient_fields() {
        let r: Row = parse_json(br#"{"id":"12","unread":"1","title":5,"ids":"1, 2,3,"}"#).unwrap();
        assert_eq!((r.id, r.unread, r.title.as_deref()), (12, true, Some("5")));
        assert_eq!(r.ids, vec![1, 2, 3]);
        let r: Row = parse_json(br#"{"id":7.0,"unread":0,"ids":[4,"5"]}"#).unwrap();
        assert_eq!(
            (r.id, r.unread, r.title, r.ids),
            (7, false, None, vec![4, 5])
        );
        let r: Row = parse_json(br#"{"id":1,"unread":true,"ids":null}"#).unwrap();
        assert!(r.unread && r.ids.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for body in [
            &b""[..],
            b"<html><body>Error</body></html>",
            b"{\"id\":",
            b"{\"id\":[1]}",
            b"{\"id\":\"x\"}",
            b"{\"id\":1.5}",
            b"{\"id\":99999999999999999999}",
            b"{\"id\":1,\"unread\":\"maybe\"}",
            b"{\"id\":1,\"ids\":\"1,x\"}",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_json::<Row>(body), Err(RemoteError::Garbage(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn long_strings_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT);
        let body = format!(r#"{{"id":1,"title":"{long}"}}"#);
        let r: Row = parse_json(body.as_bytes()).unwrap();
        let title = r.title.unwrap();
        assert!(title.len() <= MAX_TEXT && title.len() >= MAX_TEXT - 1);
        assert_eq!(cap("aé".into(), 2), "a");
    }

    #[test]
    fn debug_hides_the_password() {
        let c = Credentials {
            url: "https://me:secret1@example.com/tt-rss/".into(),
            user: "me".into(),
            password: "secret2".into(),
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("secret1") && !shown.contains("secret2"),
            "{shown}"
        );
    }
}
