//! Plain data that goes in and out of the cache.

use serde::Serialize;

/// A subscription as the poller needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    pub id: i64,
    pub url: String,
    /// What to show: the user's title, else the feed's, else the URL.
    pub display_title: String,
    /// Validators exactly as the server sent them.
    pub etag: Option<Vec<u8>>,
    pub last_modified: Option<Vec<u8>>,
    pub error_count: i64,
    /// Fetch each new article's page and extract the full text.
    pub full_text: bool,
    /// This feed's own refresh interval; `None` for the configured default.
    pub interval_minutes: Option<i64>,
}

/// A feed as the feed list and `tidings list feeds` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedSummary {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub site_link: Option<String>,
    pub tags: Vec<String>,
    pub unread: i64,
    pub total: i64,
    pub last_error: Option<String>,
    pub last_fetch: Option<i64>,
    pub next_fetch: i64,
    pub full_text: bool,
    pub interval_minutes: Option<i64>,
    /// Left out of the feed list (Newsboat's `!`); its articles still show in All and its tags.
    pub hidden: bool,
}

/// A new subscription.
#[derive(Debug, Clone, Default)]
pub struct NewFeed {
    pub url: String,
    pub title: Option<String>,
    pub site_link: Option<String>,
    pub tags: Vec<String>,
    pub full_text: bool,
    pub interval_minutes: Option<i64>,
    pub hidden: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Added(i64),
    AlreadyExists(i64),
}

/// Which articles a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    Starred,
    Tag(String),
    Feed(i64),
    /// The articles a query matches (a saved search), in the query language of [`super::query`];
    /// relative dates (`newer:3d`) count from when the list is read.
    Search(String),
    /// Articles a filter hid.
    Hidden,
}

/// One parsed item, ready to be stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemData {
    /// Stable id within the feed: the guid, else a hash of link and title (never random).
    pub guid: String,
    pub title: String,
    pub author: Option<String>,
    pub link: Option<String>,
    pub published: Option<i64>,
    pub updated: Option<i64>,
    pub content: Option<String>,
    pub summary: Option<String>,
    /// Media attached to the item (podcast episodes, Media RSS content), absolute http(s) URLs.
    pub enclosures: Vec<Enclosure>,
}

/// A file attached to an item: RSS `<enclosure>`, Atom `rel="enclosure"`, a JSON Feed attachment,
/// Media RSS content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Enclosure {
    pub url: String,
    /// MIME type, as the feed gives it.
    #[serde(rename = "type")]
    pub mime: Option<String>,
    /// Size in bytes, as the feed gives it (often wrong or 0).
    pub length: Option<i64>,
    /// Playing time in seconds.
    pub duration: Option<i64>,
}

/// The result of fetching and parsing one feed.
#[derive(Debug, Clone, Default)]
pub struct FeedContent {
    pub title: Option<String>,
    pub site_link: Option<String>,
    pub items: Vec<ItemData>,
}

/// Fetch bookkeeping written with a refresh.
#[derive(Debug, Clone, Default)]
pub struct FetchMeta {
    pub etag: Option<Vec<u8>>,
    pub last_modified: Option<Vec<u8>>,
    pub fetched_at: i64,
    pub next_fetch: i64,
}

/// One feed's successful fetch, as [`Store::apply_refreshes`] writes it.
#[derive(Debug, Clone, Default)]
pub struct RefreshWrite {
    pub feed_id: i64,
    pub content: FeedContent,
    pub meta: FetchMeta,
    /// Each item's search-index text worked out ahead, if it was (see
    /// [`Store::apply_refresh_indexed`]).
    pub index_bodies: Option<Vec<String>>,
    /// Why the next fetch is when it is (shown in the feed's details).
    pub reason: String,
}

/// A feed that answered 304, as [`Store::record_unchanged`] writes it.
#[derive(Debug, Clone, Default)]
pub struct Unchanged {
    pub feed_id: i64,
    /// New validators, when the server sent them (else the stored ones stay).
    pub etag: Option<Vec<u8>>,
    pub last_modified: Option<Vec<u8>>,
    pub fetched_at: i64,
    pub next_fetch: i64,
    /// Why the next fetch is when it is (shown in the feed's details).
    pub reason: String,
}

/// A row of the headline list: only what the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub id: i64,
    pub feed_id: i64,
    pub title: String,
    pub time: i64,
    pub read: bool,
    pub starred: bool,
}

/// Part of a headline list: `rows` are positions `start..start + rows.len()` of the `total` in the
/// list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadlineWindow {
    pub total: usize,
    pub start: usize,
    pub rows: Vec<Headline>,
}

impl HeadlineWindow {
    /// The headline at list position `index`, when this window holds it.
    pub fn get(&self, index: usize) -> Option<&Headline> {
        index.checked_sub(self.start).and_then(|i| self.rows.get(i))
    }

    /// Whether positions `from..to` are all in this window (or past the list's end).
    pub fn covers(&self, from: usize, to: usize) -> bool {
        let to = to.min(self.total);
        from >= self.start && to <= self.start + self.rows.len() || from >= to
    }
}

/// `tidings list articles --json` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleListing {
    pub id: i64,
    pub feed_id: i64,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<i64>,
    pub read: bool,
    pub starred: bool,
    pub enclosures: Vec<Enclosure>,
}

/// One whole article, for the article pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    pub id: i64,
    pub feed_id: i64,
    pub feed_title: String,
    pub title: String,
    pub author: Option<String>,
    pub link: Option<String>,
    pub published: Option<i64>,
    pub updated: Option<i64>,
    pub content: Option<String>,
    pub summary: Option<String>,
    /// The extracted full article (HTML), when it was fetched.
    pub full_content: Option<String>,
    /// Why fetching the full article failed, when it did.
    pub full_error: Option<String>,
    pub read: bool,
    pub starred: bool,
    pub enclosures: Vec<Enclosure>,
}

/// An article whose page is still to be fetched for its full text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFullText {
    pub article_id: i64,
    pub link: String,
}

/// Everything the feed details popup shows about one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedDetails {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub site_link: Option<String>,
    pub tags: Vec<String>,
    pub last_fetch: Option<i64>,
    pub next_fetch: i64,
    pub has_etag: bool,
    pub has_last_modified: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub error_count: i64,
    pub total: i64,
    pub unread: i64,
    pub starred: i64,
    pub full_text: bool,
    pub interval_minutes: Option<i64>,
    /// Why the next fetch is when it is (the default interval, `--every`, ttl, Cache-Control, …).
    pub schedule_reason: Option<String>,
    pub hidden: bool,
}

/// Read and starred state brought over from another reader, matched by guid, else by link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleState {
    pub guid: String,
    pub link: Option<String>,
    pub read: bool,
    pub starred: bool,
}

/// A feed as a sync server lists it, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedFeed {
    /// Its id on the server.
    pub remote_id: i64,
    pub url: String,
    pub title: String,
    pub site_link: Option<String>,
    /// The server's category (TT-RSS) or group (Fever).
    pub tags: Vec<String>,
}

/// An article from a sync server, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedArticle {
    /// Its id on the server.
    pub remote_id: i64,
    /// Its feed's id on the server.
    pub remote_feed_id: i64,
    /// The article; its guid is made from the server's id.
    pub item: ItemData,
    pub read: bool,
    pub starred: bool,
}

/// A saved search as the feed list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub unread: i64,
    pub total: i64,
}

/// What a filter does to the articles it matches as they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterAction {
    /// Kept but left out of every list (the Hidden list shows them).
    Hide,
    /// Marked read.
    Read,
}

impl FilterAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterAction::Hide => "hide",
            FilterAction::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<FilterAction> {
        match s {
            "hide" => Some(FilterAction::Hide),
            "read" => Some(FilterAction::Read),
            _ => None,
        }
    }
}

/// A filter rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filter {
    pub id: i64,
    pub query: String,
    pub action: FilterAction,
    /// `config` for rules from config.toml (changed there), `user` for rules made in tidings.
    pub origin: String,
}

/// How a headline list is shown, remembered per list: only unread articles or all, in which order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ListView {
    pub unread_only: bool,
    pub order: ListOrder,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ListOrder {
    #[default]
    Newest,
    Oldest,
    /// Grouped by feed (in the order they were added), newest first in each.
    ByFeed,
}

impl ListOrder {
    pub fn next(self) -> ListOrder {
        match self {
            ListOrder::Newest => ListOrder::Oldest,
            ListOrder::Oldest => ListOrder::ByFeed,
            ListOrder::ByFeed => ListOrder::Newest,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ListOrder::Newest => "newest first",
            ListOrder::Oldest => "oldest first",
            ListOrder::ByFeed => "by feed",
        }
    }
}

impl ListView {
    fn encode(self) -> String {
        format!(
            "{}:{}",
            u8::from(self.unread_only),
            match self.order {
                ListOrder::Newest => "newest",
                ListOrder::Oldest => "oldest",
                ListOrder::ByFeed => "feed",
            }
        )
    }

    fn decode(s: &str) -> ListView {
        let (unread, order) = s.split_once(':').unwrap_or(("0", "newest"));
        ListView {
            unread_only: unread == "1",
            order: match order {
                "oldest" => ListOrder::Oldest,
                "feed" => ListOrder::ByFeed,
                _ => ListOrder::Newest,
            },
        }
    }

    /// As kept in the cache's `meta` table.
    pub(crate) fn to_meta(self) -> String {
        self.encode()
    }

    pub(crate) fn from_meta(s: &str) -> ListView {
        ListView::decode(s)
    }
}

impl Scope {
    /// The key a list's view is kept under.
    pub fn view_key(&self) -> String {
        match self {
            Scope::All => "view:all".into(),
            Scope::Starred => "view:starred".into(),
            Scope::Tag(t) => format!("view:tag:{t}"),
            Scope::Feed(id) => format!("view:feed:{id}"),
            Scope::Search(q) => format!("view:search:{q}"),
            Scope::Hidden => "view:hidden".into(),
        }
    }
}
