//! The built-in "Welcome to tidings" feed that a new profile starts with, so the program is useful at
//! once and offline. It is an ordinary subscription that the user can remove.

use crate::store::{FetchMeta, NewFeed, Store, StoreError, now_unix};

/// The address of the built-in feed; the fetcher serves it from the binary.
pub const WELCOME_URL: &str = "tidings:welcome";

/// The feed document, compiled into the binary.
pub const WELCOME_FEED: &str = include_str!("../assets/welcome.xml");

const FIRST_RUN_KEY: &str = "first_run_done";

/// On a profile that has never been set up, subscribes to the welcome feed and stores its articles.
/// Runs once per profile: removing the feed later is respected.
pub fn ensure_first_run(store: &mut Store) -> Result<(), StoreError> {
    if store.meta(FIRST_RUN_KEY)?.is_some() {
        return Ok(());
    }
    let feed = NewFeed {
        url: WELCOME_URL.to_string(),
        title: None,
        site_link: None,
        tags: Vec::new(),
        full_text: false,
        interval_minutes: None,
    };
    if let crate::store::AddOutcome::Added(id) = store.add_feed(&feed)? {
        let now = now_unix();
        // The document is ours and tested, so a parse failure here is a bug; still, never fail start-up.
        if let Ok(content) = crate::feed::parse::parse_feed(WELCOME_FEED.as_bytes(), now) {
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
