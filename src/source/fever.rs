//! The Fever API (version 3), as served by Coldsweat, FreshRSS, Miniflux, TT-RSS's fever plugin
//! and others.
//!
//! Every call is a POST to `<endpoint>?api&<commands>` with `api_key` (md5 of "user:password",
//! lowercase hex) in the form body; the answer always holds `auth` (1, or 0 for a wrong key, with
//! HTTP 200). Commands and their query arguments (`items&since_id=…`, `with_ids=…`) go in the
//! query string, `mark`/`as`/`id`/`before` in the form: Coldsweat reads each from that place
//! only.
//!
//! Fever cannot change subscriptions, so [`Client::subscribe`] and [`Client::unsubscribe`] answer
//! [`RemoteError::Unsupported`]. Marking items unread (`as=unread`) is an extension that
//! Coldsweat, FreshRSS and Miniflux accept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};
use serde::{Deserialize, Deserializer};

use super::remote::{
    Capabilities, Credentials, Flag, RemoteArticle, RemoteError, RemoteFeed, de, exchange,
    non_empty, parse_json, parse_server_url,
};

/// What Fever can do: `before` in one request; no subscriptions, no categories to file under.
pub const CAPABILITIES: Capabilities = Capabilities {
    subscribe: false,
    categories: false,
    catch_up_before: true,
};

/// Items per `items` answer, and ids per `with_ids` request: the API's fixed page.
const PAGE: usize = 50;
/// `with_ids` requests one [`Client::articles_after`] makes at most to fill gaps.
const MAX_PROBES: usize = 40;

/// A Fever client. It holds no session: every request carries the key.
pub struct Client {
    endpoint: url::Url,
    api_key: String,
    http: reqwest::Client,
    max_body: usize,
    requests: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("fever::Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("requests", &self.requests)
            .finish()
    }
}

impl Client {
    /// A client for the Fever endpoint at `creds.url`, given with or without its `?api` query
    /// (`https://host/fever/?api`, `https://host/api/fever.php`). Nothing is sent yet.
    pub fn new(
        creds: Credentials,
        http: reqwest::Client,
        max_body: usize,
    ) -> Result<Client, RemoteError> {
        let mut endpoint = parse_server_url(&creds.url)?;
        endpoint.set_fragment(None);
        match endpoint.query() {
            None => {}
            Some(q) if q == "api" || q.starts_with("api&") || q.starts_with("api=") => {
                endpoint.set_query(None);
            }
            Some(_) => {
                return Err(RemoteError::Unreachable(
                    "a Fever address is the API endpoint, with no query or ending in \"?api\""
                        .into(),
                ));
            }
        }
        let api_key = format!(
            "{:x}",
            Md5::digest(format!("{}:{}", creds.user, creds.password).as_bytes())
        );
        Ok(Client {
            endpoint,
            api_key,
            http,
            max_body,
            requests: 0,
        })
    }

    /// Checks the key (`auth` must be 1). One request.
    pub async fn login(&mut self) -> Result<(), RemoteError> {
        self.request("", &[]).await.map(drop)
    }

    /// Every subscription, with its group's name (the first group that lists it). One request
    /// (`feeds&groups`), two if the server answers only one command at a time.
    pub async fn feeds(&mut self) -> Result<Vec<RemoteFeed>, RemoteError> {
        let reply = self.request("feeds&groups", &[]).await?;
        let feeds = reply
            .feeds
            .ok_or_else(|| RemoteError::Garbage("no \"feeds\" in the answer".into()))?;
        let (groups, feeds_groups) = match reply.groups {
            Some(groups) => (groups, reply.feeds_groups.unwrap_or_default()),
            None => {
                let again = self.request("groups", &[]).await?;
                (
                    again.groups.unwrap_or_default(),
                    again
                        .feeds_groups
                        .or(reply.feeds_groups)
                        .unwrap_or_default(),
                )
            }
        };
        let names: HashMap<i64, String> = groups
            .into_iter()
            .filter_map(|g| non_empty(g.title).map(|t| (g.id, t)))
            .collect();
        let mut group_of: HashMap<i64, String> = HashMap::new();
        for fg in feeds_groups {
            if let Some(name) = names.get(&fg.group_id) {
                for feed in fg.feed_ids {
                    group_of.entry(feed).or_insert_with(|| name.clone());
                }
            }
        }
        Ok(feeds
            .into_iter()
            .map(|f| RemoteFeed {
                id: f.id,
                title: f.title.unwrap_or_default(),
                feed_url: f.url.unwrap_or_default(),
                site_url: non_empty(f.site_url),
                category: group_of.get(&f.id).cloned(),
                unread: None,
            })
            .collect())
    }

    /// Up to `limit` items with ids above `since_id`, ascending by id, with content.
    ///
    /// `items&since_id=` gives 50 items above `since_id`, but not necessarily the lowest 50
    /// (Coldsweat has no ORDER BY and answers feed by feed). When the answer is a full page, the
    /// ids between `since_id` and its highest id that it lacks are asked for with `with_ids`, 50
    /// a request, at most 40 requests a call; only items up to the last id so checked are
    /// returned, so that no item is skipped. Requests: one when fewer than 50 items are left, or
    /// the server numbers items without gaps and answers lowest first; else up to 41.
    pub async fn articles_after(
        &mut self,
        since_id: i64,
        limit: usize,
    ) -> Result<Vec<RemoteArticle>, RemoteError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let page = self.items(&format!("items&since_id={since_id}")).await?;
        let full = page.len() >= PAGE;
        let mut found: BTreeMap<i64, Item> = page
            .into_iter()
            .filter(|i| i.id > since_id)
            .map(|i| (i.id, i))
            .collect();
        let Some(&highest) = found.keys().next_back() else {
            return Ok(Vec::new());
        };
        let mut confirmed = if full { since_id } else { highest };
        let mut next = since_id.checked_add(1);
        let mut probes = 0;
        while confirmed < highest && probes < MAX_PROBES {
            let mut chunk = Vec::with_capacity(PAGE);
            while let Some(id) = next.filter(|&n| n <= highest) {
                if chunk.len() == PAGE {
                    break;
                }
                if !found.contains_key(&id) {
                    chunk.push(id);
                }
                next = id.checked_add(1);
            }
            if !chunk.is_empty() {
                probes += 1;
                let wanted: HashSet<i64> = chunk.iter().copied().collect();
                let list = chunk
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                for item in self.items(&format!("items&with_ids={list}")).await? {
                    if wanted.contains(&item.id) {
                        found.insert(item.id, item);
                    }
                }
            }
            confirmed = next.map_or(highest, |n| n - 1).min(highest);
            if found.range(..=confirmed).count() >= limit {
                break;
            }
        }
        let checked = found.range(..=confirmed).count();
        if checked == 0 {
            // Every id checked was empty: the server's lowest item lies further up than the
            // probes reach. Take the page as it is rather than return nothing (which would read
            // as "no more items").
            tracing::warn!(
                since_id,
                probes,
                "Fever: cannot check for items below the page; some may be skipped"
            );
            confirmed = highest;
        }
        Ok(found
            .into_values()
            .filter(|i| i.id <= confirmed)
            .take(limit)
            .map(Item::into_article)
            .collect())
    }

    /// The ids of every unread item. One request.
    pub async fn unread_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        self.request("unread_item_ids", &[])
            .await?
            .unread_item_ids
            .ok_or_else(|| RemoteError::Garbage("no \"unread_item_ids\" in the answer".into()))
    }

    /// The ids of every saved (starred) item. One request.
    pub async fn starred_ids(&mut self) -> Result<Vec<i64>, RemoteError> {
        self.request("saved_item_ids", &[])
            .await?
            .saved_item_ids
            .ok_or_else(|| RemoteError::Garbage("no \"saved_item_ids\" in the answer".into()))
    }

    /// The unread and the saved (starred) ids together, in one request: what a sync with nothing
    /// new costs stays at three requests in all (feeds, items, these).
    pub async fn unread_and_starred_ids(&mut self) -> Result<(Vec<i64>, Vec<i64>), RemoteError> {
        let reply = self.request("unread_item_ids&saved_item_ids", &[]).await?;
        let unread = reply
            .unread_item_ids
            .ok_or_else(|| RemoteError::Garbage("no \"unread_item_ids\" in the answer".into()))?;
        let saved = reply
            .saved_item_ids
            .ok_or_else(|| RemoteError::Garbage("no \"saved_item_ids\" in the answer".into()))?;
        Ok((unread, saved))
    }

    /// Sets `flag` on `ids`: one request per id (Fever marks one item at a time). An item the
    /// server no longer has (HTTP 404) is passed over, once one more request has shown that the
    /// 404 is not the whole endpoint's.
    pub async fn set_flag(&mut self, ids: &[i64], flag: Flag) -> Result<(), RemoteError> {
        let status = match flag {
            Flag::Read => "read",
            Flag::Unread => "unread",
            Flag::Star => "saved",
            Flag::Unstar => "unsaved",
        };
        let mut endpoint_checked = false;
        for id in ids {
            let form = [
                ("mark", "item".to_string()),
                ("as", status.to_string()),
                ("id", id.to_string()),
            ];
            match self.request("", &form).await {
                Ok(_) => {}
                Err(RemoteError::Http(404)) => {
                    if !endpoint_checked {
                        self.login().await?;
                        endpoint_checked = true;
                    }
                    tracing::debug!(id, "Fever: no such item to mark");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Marks a feed's items read: those dated before `before` (unix seconds), or all of them. One
    /// request.
    pub async fn catch_up_feed(
        &mut self,
        feed_id: i64,
        before: Option<i64>,
    ) -> Result<(), RemoteError> {
        // Fever always takes a time; "all" is a year from now (items dated in the future count).
        let before = before.unwrap_or_else(|| now() + 366 * 24 * 3600);
        let form = [
            ("mark", "feed".to_string()),
            ("as", "read".to_string()),
            ("id", feed_id.to_string()),
            ("before", before.to_string()),
        ];
        self.request("", &form).await.map(drop)
    }

    /// Fever cannot subscribe: always [`RemoteError::Unsupported`], without a request.
    pub async fn subscribe(
        &mut self,
        _url: &str,
        _category: Option<&str>,
    ) -> Result<i64, RemoteError> {
        Err(RemoteError::Unsupported(
            "the Fever API cannot add feeds: subscribe on the server itself",
        ))
    }

    /// Fever cannot unsubscribe: always [`RemoteError::Unsupported`], without a request.
    pub async fn unsubscribe(&mut self, _feed_id: i64) -> Result<(), RemoteError> {
        Err(RemoteError::Unsupported(
            "the Fever API cannot remove feeds: unsubscribe on the server itself",
        ))
    }

    /// HTTP requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// An `items` request's items.
    async fn items(&mut self, commands: &str) -> Result<Vec<Item>, RemoteError> {
        self.request(commands, &[])
            .await?
            .items
            .ok_or_else(|| RemoteError::Garbage("no \"items\" in the answer".into()))
    }

    /// One POST to `?api&<commands>` with the key and `form` in the body; fails unless `auth` is 1.
    async fn request(
        &mut self,
        commands: &str,
        form: &[(&str, String)],
    ) -> Result<Reply, RemoteError> {
        self.requests += 1;
        let started = Instant::now();
        let mut url = self.endpoint.clone();
        if commands.is_empty() {
            url.set_query(Some("api"));
        } else {
            url.set_query(Some(&format!("api&{commands}")));
        }
        // Finished before the request is sent: the serializer is not `Send`.
        let body = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            body.append_pair("api_key", &self.api_key);
            for (key, value) in form {
                body.append_pair(key, value);
            }
            body.finish()
        };
        let request = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        let result = exchange(request, self.max_body).await;
        tracing::debug!(
            commands,
            mark = form.first().map(|(_, v)| v.as_str()),
            ms = started.elapsed().as_millis() as u64,
            bytes = result.as_ref().map(Vec::len).unwrap_or(0),
            error = result.as_ref().err().map(ToString::to_string),
            "Fever call"
        );
        let reply: Reply = parse_json(&result?)?;
        match reply.auth {
            Some(true) => Ok(reply),
            Some(false) => Err(RemoteError::Auth(
                "the server refused the API key: check the user name (or e-mail) and password"
                    .into(),
            )),
            None => Err(RemoteError::Garbage(
                "no \"auth\" in the answer: is the address a Fever API?".into(),
            )),
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    de::flag(d).map(Some)
}

fn opt_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    de::id_list(d).map(Some)
}

fn opt_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    de::list(d).map(Some)
}

/// Any Fever answer: each command adds its fields.
#[derive(Deserialize)]
struct Reply {
    #[serde(default, deserialize_with = "opt_flag")]
    auth: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    feeds: Option<Vec<FeedRow>>,
    #[serde(default, deserialize_with = "opt_list")]
    groups: Option<Vec<GroupRow>>,
    #[serde(default, deserialize_with = "opt_list")]
    feeds_groups: Option<Vec<FeedsGroup>>,
    #[serde(default, deserialize_with = "opt_list")]
    items: Option<Vec<Item>>,
    #[serde(default, deserialize_with = "opt_ids")]
    unread_item_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "opt_ids")]
    saved_item_ids: Option<Vec<i64>>,
}

#[derive(Deserialize)]
struct FeedRow {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    url: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    site_url: Option<String>,
}

#[derive(Deserialize)]
struct GroupRow {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
}

#[derive(Deserialize)]
struct FeedsGroup {
    #[serde(deserialize_with = "de::id")]
    group_id: i64,
    #[serde(default, deserialize_with = "de::id_list")]
    feed_ids: Vec<i64>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(deserialize_with = "de::id")]
    id: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    feed_id: Option<i64>,
    #[serde(default, deserialize_with = "de::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    author: Option<String>,
    #[serde(default, deserialize_with = "de::content")]
    html: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    url: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    is_saved: bool,
    #[serde(default, deserialize_with = "de::flag")]
    is_read: bool,
    #[serde(default, deserialize_with = "de::opt_int")]
    created_on_time: Option<i64>,
}

impl Item {
    fn into_article(self) -> RemoteArticle {
        RemoteArticle {
            id: self.id,
            feed_id: self.feed_id.unwrap_or(0),
            title: self.title.unwrap_or_default(),
            author: non_empty(self.author),
            link: non_empty(self.url),
            content: self.html,
            published: self.created_on_time.filter(|&t| t > 0),
            updated: None,
            unread: !self.is_read,
            starred: self.is_saved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(url: &str) -> Result<Client, RemoteError> {
        let creds = Credentials {
            url: url.into(),
            user: "test@example.com".into(),
            password: "password1234".into(),
        };
        Client::new(creds, reqwest::Client::new(), 1 << 20)
    }

    #[test]
    fn the_key_is_the_md5_of_user_colon_password() {
        let c = client("http://h/fever/?api").unwrap();
        assert_eq!(c.api_key, "14c901d5bace3bfc60f3af0eec039272");
        assert_eq!(c.endpoint.as_str(), "http://h/fever/");
    }

    #[test]
    fn endpoint_with_or_without_api() {
        assert_eq!(
            client("https://h/api/fever.php").unwrap().endpoint.as_str(),
            "https://h/api/fever.php"
        );
        assert_eq!(
            client("https://h/api/fever.php?api#x")
                .unwrap()
                .endpoint
                .as_str(),
            "https://h/api/fever.php"
        );
        assert!(client("https://h/fever/?page=2").is_err());
        assert!(client("file:///fever").is_err());
    }
}
