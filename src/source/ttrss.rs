//! The Tiny Tiny RSS JSON API, as of API level 15 (TT-RSS 21.02; later levels only add to it).
//!
//! Every call is a POST of a JSON object to `<base>/api/` holding `op` and the session id `sid`;
//! the answer is `{"seq":…, "status":0|1, "content":…}`, with `content.error` when `status` is 1.
//! A session that the server forgot (`NOT_LOGGED_IN`) is renewed once, automatically.
//!
//! What level 15 offers, and lacks, for syncing:
//! - `getHeadlines` returns at most 200 rows a call (`limit`, `skip` to page), filters by
//!   `since_id` (ids above it) and `view_mode` (`unread`, `marked`, …) but cannot sort by id: its
//!   orders are by score and arrival time, article date, or title. [`Client::articles_after`]
//!   therefore lists the ids above `since_id` (200 a request, the first page with content, the
//!   others without) and fetches the lowest of them with `getArticle`, which takes many ids at
//!   once; the rest of the listing is kept for the next call.
//! - There is no `getCompactHeadlines` (ids only) and no "changed since" query: the unread and
//!   starred sets are listed in full, 200 ids a request. `getCounters`/`getUnread` give counts,
//!   and the virtual feed -6 ("recently read", the last 24 hours) lists recent reads, but nothing
//!   lists articles marked unread again or unstarred.
//! - `catchupFeed` marks a whole feed (or everything older than a day or weeks), never "before a
//!   time"; `before` is emulated (see [`CAPABILITIES`]).
//! - `subscribeToFeed` takes an existing category id; no call creates a category.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use serde::Deserialize;
use serde::de::{
    self as serde_de, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value, json};

use super::remote::{
    Capabilities, Credentials, Flag, MAX_IDS, RemoteArticle, RemoteError, RemoteFeed, de, exchange,
    message, non_empty, parse_json, parse_server_url,
};

/// What TT-RSS can do: subscriptions and categories; `before` only by emulation.
pub const CAPABILITIES: Capabilities = Capabilities {
    subscribe: true,
    categories: true,
    catch_up_before: false,
};

/// Rows per `getHeadlines` request: the most the server gives.
const PAGE: usize = 200;
/// Ids per `getArticle` request.
const ARTICLES_PER_REQUEST: usize = 200;
/// Ids per `updateArticle` request (well under PostgreSQL's limit of bound parameters).
const FLAGS_PER_REQUEST: usize = 1000;
/// Longest session id accepted.
const MAX_SID: usize = 512;

/// A TT-RSS client: one session, renewed when the server forgets it.
pub struct Client {
    api: url::Url,
    creds: Credentials,
    http: reqwest::Client,
    max_body: usize,
    sid: Option<String>,
    requests: u64,
    /// Ids listed by an earlier [`Client::articles_after`] and not returned yet.
    backlog: Option<Backlog>,
}

/// The ids above `since` that a listing found, ascending, less those already returned.
struct Backlog {
    since: i64,
    ids: VecDeque<i64>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ttrss::Client")
            .field("api", &self.api.as_str())
            .field("user", &self.creds.user)
            .field("logged_in", &self.sid.is_some())
            .field("requests", &self.requests)
            .finish()
    }
}

impl Client {
    /// A client for the TT-RSS at `creds.url`: its base address (`https://host/tt-rss/`) or its
    /// API address (`…/api/`). Nothing is sent yet.
    pub fn new(
        creds: Credentials,
        http: reqwest::Client,
        max_body: usize,
    ) -> Result<Client, RemoteError> {
        let mut api = parse_server_url(&creds.url)?;
        api.set_query(None);
        api.set_fragment(None);
        let path = api.path().trim_end_matches('/').to_string();
        let path = if path.ends_with("/api/index.php") {
            path
        } else if path.ends_with("/api") {
            format!("{path}/")
        } else {
            format!("{path}/api/")
        };
        api.set_path(&path);
        Ok(Client {
            api,
            creds,
            http,
            max_body,
            sid: None,
            requests: 0,
            backlog: None,
        })
    }

    /// Logs in: a new session. One request.
    pub async fn login(&mut self) -> Result<(), RemoteError> {
        self.sid = None;
        let body = json!({
            "op": "login",
            "user": self.creds.user,
            "password": self.creds.password,
        });
        let bytes = self.post("login", &body).await?;
        match decode::<LoginReply>(&bytes)? {
            Answer::Done(reply) => {
                let sid = reply
                    .session_id
                    .filter(|s| {
                        !s.is_empty()
                            && s.len() <= MAX_SID
                            && s.bytes().all(|b| b.is_ascii_graphic())
                    })
                    .ok_or_else(|| {
                        RemoteError::Garbage("the login answer holds no usable session id".into())
                    })?;
                self.sid = Some(sid);
                Ok(())
            }
            Answer::Failed(code) => Err(api_error("login", &code)),
        }
    }

    /// Every subscription, with its category's name. Two requests (`getCategories`, `getFeeds`).
    pub async fn feeds(&mut self) -> Result<Vec<RemoteFeed>, RemoteError> {
        let categories = self.categories().await?;
        let names: HashMap<i64, String> = categories
            .into_iter()
            .filter(|c| c.id > 0)
            .filter_map(|c| non_empty(c.title).map(|t| (c.id, t)))
            .collect();
        let rows: Vec<FeedRow> = self.call("getFeeds", json!({ "cat_id": -3 })).await?;
        Ok(rows
            .into_iter()
            .map(|f| RemoteFeed {
                id: f.id,
                title: f.title.unwrap_or_default(),
                feed_url: f.feed_url.unwrap_or_default(),
                site_url: None,
                category: f.cat_id.and_then(|c| names.get(&c).cloned()),
                unread: f.unread,
            })
            .collect())
    }

    /// Up to `limit` articles with ids above `since_id`, ascending by id, with content.
    ///
    /// Requests: when fewer than 200 articles are above `since_id`, one. Otherwise one per 200
    /// articles above `since_id` to list their ids, plus one `getArticle` per 200 returned; the
    /// listing is kept, so the next calls (with `since_id` at or above this one's) cost one
    /// `getArticle` per 200 articles until the listing is used up.
    pub async fn articles_after(
        &mut self,
        since_id: i64,
        limit: usize,
    ) -> Result<Vec<RemoteArticle>, RemoteError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        if let Some(mut backlog) = self.backlog.take().filter(|b| since_id >= b.since) {
            backlog.ids.retain(|&id| id > since_id);
            while !backlog.ids.is_empty() {
                let take = limit.min(backlog.ids.len());
                let ids: Vec<i64> = backlog.ids.drain(..take).collect();
                let got = self.get_articles(&ids).await?;
                if !got.is_empty() {
                    if !backlog.ids.is_empty() {
                        self.backlog = Some(backlog);
                    }
                    return Ok(got);
                }
            }
        }
        let first: Vec<Row> = self
            .call(
                "getHeadlines",
                headline_params(-4, "all_articles", since_id, 0, true),
            )
            .await?;
        let first_len = first.len();
        let mut with_content: BTreeMap<i64, Row> = first
            .into_iter()
            .filter(|r| r.id > since_id)
            .map(|r| (r.id, r))
            .collect();
        let mut ids: Vec<i64> = with_content.keys().copied().collect();
        if first_len >= PAGE {
            ids.extend(
                self.list(-4, "all_articles", since_id, first_len)
                    .await?
                    .into_iter()
                    .map(|r| r.id)
                    .filter(|&id| id > since_id),
            );
            ids.sort_unstable();
            ids.dedup();
        }
        let rest = ids.split_off(limit.min(ids.len()));
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !with_content.contains_key(id))
            .collect();
        let mut articles: Vec<RemoteArticle> = ids
            .iter()
            .filter_map(|id| with_content.remove(id))
            .map(Row::into_article)
            .collect();
        if !missing.is_empty() {
            articles.extend(self.get_articles(&missing).await?);
            articles.sort_by_key(|a| a.id);
        }
        if !rest.is_empty() {
            self.backlog = Some(Backlog {
                since: since_id,
                ids: rest.into(),
            });
        }
        Ok(articles)
    }

    /// The ids of every unread article: one request per 200.
    /// The ids of one feed's unread articles. One request per 200.
    pub async fn unread_ids_of_feed(&mut self, feed_id: i64) -> Result<Vec<i64>, RemoteError> {
        Ok(self
            .list(feed_id, "unread", 0, 0)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    pub async fn unread_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        Ok(self
            .list(-4, "unread", 0, 0)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    /// The ids of every starred article: one request per 200.
    pub async fn starred_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        Ok(self
            .list(-4, "marked", 0, 0)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    /// Sets `flag` on `ids`: one `updateArticle` per 1000 ids (none for no ids).
    pub async fn set_flag(&mut self, ids: &[i64], flag: Flag) -> Result<(), RemoteError> {
        // field: 0 starred, 2 unread; mode: 0 false, 1 true.
        let (field, mode) = match flag {
            Flag::Read => (2, 0),
            Flag::Unread => (2, 1),
            Flag::Star => (0, 1),
            Flag::Unstar => (0, 0),
        };
        for chunk in ids.chunks(FLAGS_PER_REQUEST) {
            let list = join_ids(chunk);
            let _: IgnoredAny = self
                .call(
                    "updateArticle",
                    json!({ "article_ids": list, "field": field, "mode": mode }),
                )
                .await?;
        }
        Ok(())
    }

    /// Marks a feed read. Without `before`: one `catchupFeed`. With it (level 15 has no such
    /// call): lists the feed's unread articles (one request per 200) and marks those dated before
    /// `before` (one request per 1000).
    pub async fn catch_up_feed(
        &mut self,
        feed_id: i64,
        before: Option<i64>,
    ) -> Result<(), RemoteError> {
        match before {
            None => {
                let _: IgnoredAny = self
                    .call(
                        "catchupFeed",
                        json!({ "feed_id": feed_id, "is_cat": false }),
                    )
                    .await?;
                Ok(())
            }
            Some(before) => {
                let ids: Vec<i64> = self
                    .list(feed_id, "unread", 0, 0)
                    .await?
                    .into_iter()
                    .filter(|r| r.updated.is_some_and(|t| t < before))
                    .map(|r| r.id)
                    .collect();
                self.set_flag(&ids, Flag::Read).await
            }
        }
    }

    /// Subscribes to `url`, filed under the existing category named `category` (matched exactly,
    /// else ignoring case); returns the feed's id (also when it was subscribed already). One
    /// request, two with a category. TT-RSS fetches the address before it answers.
    pub async fn subscribe(
        &mut self,
        url: &str,
        category: Option<&str>,
    ) -> Result<i64, RemoteError> {
        let mut params = json!({ "feed_url": url.trim() });
        if let Some(name) = category.map(str::trim).filter(|c| !c.is_empty()) {
            let categories = self.categories().await?;
            let find = |same: &dyn Fn(&str) -> bool| {
                categories
                    .iter()
                    .find(|c| c.id >= 0 && c.title.as_deref().is_some_and(|t| same(t.trim())))
            };
            let lower = name.to_lowercase();
            let found = find(&|t| t == name)
                .or_else(|| find(&|t| t.to_lowercase() == lower))
                .ok_or(RemoteError::Unsupported(
                    "TT-RSS's API (level 15) cannot create a category: create it in TT-RSS first, \
                     or subscribe without one",
                ))?;
            params["category_id"] = json!(found.id);
        }
        let reply: SubscribeReply = self.call("subscribeToFeed", params).await?;
        let status = reply.status;
        match status.code {
            0 | 1 => status.feed_id.ok_or_else(|| {
                RemoteError::Garbage("subscribed, but the answer holds no feed id".into())
            }),
            2 => Err(RemoteError::Api(
                "TT-RSS says the address is not a valid URL".into(),
            )),
            3 => Err(RemoteError::Api(
                "the address is a web page that names no feed".into(),
            )),
            4 => Err(RemoteError::Api(
                "the address is a web page that names several feeds: subscribe to one of them"
                    .into(),
            )),
            5 => Err(RemoteError::Api(match status.message.as_deref() {
                Some(m) if !m.trim().is_empty() => {
                    format!("TT-RSS could not download the feed: {}", message(m))
                }
                _ => "TT-RSS could not download the feed".into(),
            })),
            6 => Err(RemoteError::Api(
                "the address holds no valid feed (invalid XML)".into(),
            )),
            n => Err(RemoteError::Api(format!(
                "subscribing failed (TT-RSS status {n})"
            ))),
        }
    }

    /// Removes a subscription. One request.
    pub async fn unsubscribe(&mut self, feed_id: i64) -> Result<(), RemoteError> {
        let _: IgnoredAny = self
            .call("unsubscribeFeed", json!({ "feed_id": feed_id }))
            .await?;
        Ok(())
    }

    /// HTTP requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Every category (also empty ones). One request.
    async fn categories(&mut self) -> Result<Vec<Category>, RemoteError> {
        self.call("getCategories", json!({ "include_empty": true }))
            .await
    }

    /// The articles `ids` with content, ascending: one `getArticle` per 200.
    async fn get_articles(&mut self, ids: &[i64]) -> Result<Vec<RemoteArticle>, RemoteError> {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ARTICLES_PER_REQUEST) {
            let rows: Vec<Row> = self
                .call("getArticle", json!({ "article_id": join_ids(chunk) }))
                .await?;
            out.extend(
                rows.into_iter()
                    .filter(|r| wanted.contains(&r.id))
                    .map(Row::into_article),
            );
        }
        out.sort_by_key(|a| a.id);
        out.dedup_by_key(|a| a.id);
        Ok(out)
    }

    /// Every headline of `feed_id` in `view_mode` above `since_id`, from row `skip` on, without
    /// content: one request per 200. Stops at a short page, or a page that brings nothing new (a
    /// server that ignores `skip`).
    async fn list(
        &mut self,
        feed_id: i64,
        view_mode: &str,
        since_id: i64,
        mut skip: usize,
    ) -> Result<Vec<IdRow>, RemoteError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        loop {
            let page: Vec<IdRow> = self
                .call(
                    "getHeadlines",
                    headline_params(feed_id, view_mode, since_id, skip, false),
                )
                .await?;
            let n = page.len();
            let before = out.len();
            out.extend(page.into_iter().filter(|r| seen.insert(r.id)));
            if out.len() > MAX_IDS {
                return Err(RemoteError::Garbage(format!(
                    "a list of more than {MAX_IDS} articles"
                )));
            }
            if n < PAGE || out.len() == before {
                return Ok(out);
            }
            skip += n;
        }
    }

    /// One API call in the current session (logging in first if there is none, and once more if
    /// the server forgot it).
    async fn call<T: DeserializeOwned>(
        &mut self,
        op: &'static str,
        params: Value,
    ) -> Result<T, RemoteError> {
        if self.sid.is_none() {
            self.login().await?;
        }
        let mut may_renew = true;
        loop {
            let mut body = match &params {
                Value::Object(map) => map.clone(),
                _ => Map::new(),
            };
            body.insert("op".into(), Value::from(op));
            body.insert(
                "sid".into(),
                Value::from(self.sid.clone().unwrap_or_default()),
            );
            let bytes = self.post(op, &Value::Object(body)).await?;
            match decode::<T>(&bytes)? {
                Answer::Done(content) => return Ok(content),
                Answer::Failed(code) if code == "NOT_LOGGED_IN" && may_renew => {
                    tracing::debug!(op, "TT-RSS session expired; logging in again");
                    may_renew = false;
                    self.login().await?;
                }
                Answer::Failed(code) => return Err(api_error(op, &code)),
            }
        }
    }

    /// One POST to the API; counts it.
    async fn post(&mut self, op: &str, body: &Value) -> Result<Vec<u8>, RemoteError> {
        self.requests += 1;
        let started = Instant::now();
        let request = self
            .http
            .post(self.api.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.to_string());
        let result = exchange(request, self.max_body).await;
        tracing::debug!(
            op,
            ms = started.elapsed().as_millis() as u64,
            bytes = result.as_ref().map(Vec::len).unwrap_or(0),
            error = result.as_ref().err().map(ToString::to_string),
            "TT-RSS call"
        );
        result
    }
}

/// The parameters of a `getHeadlines` page.
fn headline_params(
    feed_id: i64,
    view_mode: &str,
    since_id: i64,
    skip: usize,
    content: bool,
) -> Value {
    json!({
        "feed_id": feed_id,
        "is_cat": false,
        "view_mode": view_mode,
        "since_id": since_id,
        "limit": PAGE,
        "skip": skip,
        "show_content": content,
        "show_excerpt": false,
        "include_attachments": false,
    })
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A TT-RSS error code in words.
fn api_error(op: &str, code: &str) -> RemoteError {
    match code {
        "LOGIN_ERROR" => RemoteError::Auth("wrong user name or password".into()),
        "API_DISABLED" => RemoteError::Auth(
            "API access is off for this user: turn on \"Enable API\" in TT-RSS's preferences"
                .into(),
        ),
        "NOT_LOGGED_IN" => {
            RemoteError::Auth("the server dropped the session again right after logging in".into())
        }
        "INCORRECT_USAGE" => RemoteError::Api(format!(
            "{op}: the server did not accept the request (INCORRECT_USAGE)"
        )),
        "UNKNOWN_METHOD" => RemoteError::Api(format!(
            "{op}: the server does not know this call (UNKNOWN_METHOD); is it too old?"
        )),
        "FEED_NOT_FOUND" => RemoteError::Api(format!("{op}: no such feed on the server")),
        other => RemoteError::Api(format!("{op}: {}", message(other))),
    }
}

/// A decoded answer: its content, or the error code the server gave.
enum Answer<T> {
    Done(T),
    Failed(String),
}

/// Reads an answer: first its status (and error code), then, if it succeeded, its content as `T`.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Answer<T>, RemoteError> {
    let probe: Probe = parse_json(bytes)?;
    match probe.status {
        None => Err(RemoteError::Garbage(
            "no \"status\" in the answer: is the address a TT-RSS API?".into(),
        )),
        Some(0) => {
            let envelope: Envelope<T> = parse_json(bytes)?;
            Ok(Answer::Done(envelope.content))
        }
        Some(_) => Ok(Answer::Failed(
            probe
                .content
                .0
                .unwrap_or_else(|| "an error without a message".into()),
        )),
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    content: T,
}

/// An answer's status and error code, the rest skipped.
#[derive(Deserialize)]
struct Probe {
    #[serde(default, deserialize_with = "de::opt_int")]
    status: Option<i64>,
    #[serde(default)]
    content: ErrorCode,
}

/// `content.error` when `content` is an object that has it.
#[derive(Default)]
struct ErrorCode(Option<String>);

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        struct Text(Option<String>);
        impl<'de> Deserialize<'de> for Text {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
                de::text(d).map(Text)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorCode;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorCode, A::Error> {
                let mut error = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "error" {
                        error = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(ErrorCode(error))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorCode, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrorCode(None))
            }
            fn visit_bool<E: serde_de::Error>(self, _: bool) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_i64<E: serde_de::Error>(self, _: i64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_u64<E: serde_de::Error>(self, _: u64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_f64<E: serde_de::Error>(self, _: f64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_str<E: serde_de::Error>(self, _: &str) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_unit<E: serde_de::Error>(self) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct LoginReply {
    #[serde(default, deserialize_with = "de::text")]
    session_id: Option<String>,
}

#[derive(Deserialize)]
struct Category {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
}

#[derive(Deserialize)]
struct FeedRow {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    feed_url: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    cat_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    unread: Option<i64>,
}

/// A headline (`getHeadlines`) or article (`getArticle`).
#[derive(Deserialize)]
struct Row {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    feed_id: Option<i64>,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    author: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    link: Option<String>,
    #[serde(default, deserialize_with = "de::content")]
    content: Option<String>,
    /// The article's date (from the feed), unix seconds.
    #[serde(default, deserialize_with = "de::opt_int")]
    updated: Option<i64>,
    #[serde(default, deserialize_with = "de::flag")]
    unread: bool,
    #[serde(default, deserialize_with = "de::flag")]
    marked: bool,
}

impl Row {
    fn into_article(self) -> RemoteArticle {
        RemoteArticle {
            id: self.id,
            feed_id: self.feed_id.unwrap_or(0),
            title: self.title.unwrap_or_default(),
            author: non_empty(self.author),
            link: non_empty(self.link),
            content: self.content,
            // TT-RSS keeps one date per article: the feed's published (or updated) date.
            published: self.updated.filter(|&t| t > 0),
            updated: None,
            unread: self.unread,
            starred: self.marked,
        }
    }
}

/// A headline's id and date only.
#[derive(Deserialize)]
struct IdRow {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    updated: Option<i64>,
}

#[derive(Deserialize)]
struct SubscribeReply {
    status: SubscribeStatus,
}

#[derive(Deserialize)]
struct SubscribeStatus {
    #[serde(deserialize_with = "de::id")]
    code: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    feed_id: Option<i64>,
    #[serde(default, deserialize_with = "de::text")]
    message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_of(url: &str) -> String {
        let creds = Credentials {
            url: url.into(),
            user: "u".into(),
            password: "p".into(),
        };
        Client::new(creds, reqwest::Client::new(), 1 << 20)
            .map(|c| c.api.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn base_and_api_addresses_both_work() {
        assert_eq!(api_of("http://h/tt-rss/"), "http://h/tt-rss/api/");
        assert_eq!(api_of("http://h/tt-rss"), "http://h/tt-rss/api/");
        assert_eq!(api_of("https://h/"), "https://h/api/");
        assert_eq!(api_of("https://h"), "https://h/api/");
        assert_eq!(api_of("http://h/tt-rss/api/"), "http://h/tt-rss/api/");
        assert_eq!(api_of("http://h/tt-rss/api"), "http://h/tt-rss/api/");
        assert_eq!(
            api_of("http://h/tt-rss/api/index.php"),
            "http://h/tt-rss/api/index.php"
        );
        assert!(api_of("ftp://h/").starts_with("error"));
        assert!(api_of("h/tt-rss").starts_with("error"));
    }

    #[test]
    fn the_status_decides_before_the_content_is_read() {
        let failed =
            decode::<Vec<Row>>(br#"{"seq":null,"status":1,"content":{"error":"NOT_LOGGED_IN"}}"#);
        assert!(matches!(failed, Ok(Answer::Failed(code)) if code == "NOT_LOGGED_IN"));
        let done = decode::<Vec<IdRow>>(br#"{"seq":0,"status":"0","content":[{"id":"3"}]}"#);
        assert!(matches!(done, Ok(Answer::Done(rows)) if rows[0].id == 3));
        let odd = decode::<Vec<IdRow>>(br#"{"seq":0,"content":[]}"#);
        assert!(matches!(odd, Err(RemoteError::Garbage(_))));
        let wrong = decode::<Vec<IdRow>>(br#"{"status":0,"content":{"id":1}}"#);
        assert!(matches!(wrong, Err(RemoteError::Garbage(_))));
    }
}
