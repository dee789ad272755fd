//! The built-in "Welcome to tidings" feed that a new profile starts with, so the program is useful at
//! once and offline. It is an ordinary subscription that the user can remove.

use crate::feed::fetch::{Fetched, Validators};
use crate::store::{FetchMeta, NewFeed, Store, StoreError, now_unix};

/// The address of the built-in feed; the refresher serves it from the binary, never the fetcher.
pub const WELCOME_URL: &str = "tidings:welcome";

/// The feed document, compiled into the binary.
pub const WELCOME_FEED: &str = include_str!("../../assets/welcome.xml");

/// The document of a built-in feed, as if it had been fetched; `None` for every other URL.
pub fn built_in(url: &str) -> Option<Fetched> {
    (url == WELCOME_URL).then(|| Fetched::Body {
        bytes: WELCOME_FEED.as_bytes().to_vec(),
        validators: Validators::default(),
        content_type: None,
        moved_to: None,
        fresh_for: None,
    })
}

const FIRST_RUN_KEY: &str = "first_run_done";

/// On a profile that has never been set up, subscribes to the welcome feed and stores its articles.
/// Runs once per profile: removing the feed later is respected, and a profile that already has feeds
/// (imported from the command line first) is left as it is.
pub fn ensure_first_run(store: &mut Store) -> Result<(), StoreError> {
    if store.meta(FIRST_RUN_KEY)?.is_some() {
        return Ok(());
    }
    if !store.feed_records()?.is_empty() {
        return store.set_meta(FIRST_RUN_KEY, "1");
    }
    let feed = NewFeed {
        url: WELCOME_URL.to_string(),
        title: None,
        site_link: None,
        tags: Vec::new(),
        full_text: false,
        interval_minutes: None,
        hidden: false,
    };
    if let crate::store::AddOutcome::Added(id) = store.add_feed(&feed)? {
        let now = now_unix();
        // The document is ours and tested, so a parse failure here is a bug; still, never fail start-up.
        if let Ok(content) = crate::feed::parse::parse_feed(WELCOME_FEED.as_bytes()) {
            let meta = FetchMeta {
                etag: None,
                last_modified: None,
                fetched_at: now,
                next_fetch: now + 30 * 24 * 3600,
            };
            store.apply_refresh(id, &content, &meta)?;
        }
    }
    store.set_meta(FIRST_RUN_KEY, "1")
}
