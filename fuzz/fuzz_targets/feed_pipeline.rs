//! Untrusted feed bytes through the whole pipeline: parse → render every body at 80 columns → extract
//! the main content of every body → store the feed in a real SQLite cache (one refresh transaction).
//!
//! Nothing here may panic, hang or grow without bound, and storing what the parser produced must never
//! fail. The cache lives in a temporary directory for the life of the process; the feed is dropped and
//! subscribed again every few hundred inputs so that the cache stays small.
//!
//! Panics: tidings runs the feed parser and the HTML renderer under `catch_unwind` on purpose (a panic
//! there becomes an error for that one feed or article). libfuzzer-sys aborts on *every* panic, caught
//! or not, so this target replaces its hook: a panic that tidings contains is counted and its first
//! occurrence per source location printed; a panic that escapes the pipeline aborts (a crash, with its
//! message), as before.

#![no_main]

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use tidings::feed::parse::parse_feed;
use tidings::store::{AddOutcome, FetchMeta, NewFeed, Scope, Store};

/// A fixed "now", so that a crash reproduces whatever the day.
const NOW: i64 = 1_790_000_000;
/// Inputs stored into one feed before it is removed and subscribed again.
const RUNS_PER_FEED: u32 = 256;

struct Cache {
    store: Store,
    feed_id: i64,
    runs: u32,
    generation: u32,
    _dir: tempfile::TempDir,
}

impl Cache {
    fn open() -> Cache {
        // Memory-backed when the machine has it: the cache is written on every input.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("a temporary directory for the cache");
        let store = Store::open(&dir.path().join("cache.db")).expect("open the cache");
        let mut cache = Cache {
            store,
            feed_id: 0,
            runs: 0,
            generation: 0,
            _dir: dir,
        };
        cache.subscribe();
        cache
    }

    fn subscribe(&mut self) {
        self.generation += 1;
        let feed = NewFeed {
            url: format!("https://fuzz.example/feed/{}.xml", self.generation),
            ..NewFeed::default()
        };
        self.feed_id = match self.store.add_feed(&feed).expect("subscribe") {
            AddOutcome::Added(id) | AddOutcome::AlreadyExists(id) => id,
        };
        self.runs = 0;
    }
}

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();

thread_local! {
    /// The message of the last panic on this thread.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Panic locations already reported as contained.
static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let message = format!(
            "panicked at {location}: {}",
            info.payload_as_str().unwrap_or("?")
        );
        let first = SEEN
            .get_or_init(Default::default)
            .lock()
            .map(|mut seen| seen.insert(location))
            .unwrap_or(false);
        if first {
            eprintln!(
                "[feed_pipeline] {message} (reported once per location; a crash only if not contained)"
            );
        }
        LAST_PANIC.with(|last| *last.borrow_mut() = message);
    }));
}

fuzz_target!(|data: &[u8]| {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(install_panic_hook);
    if catch_unwind(AssertUnwindSafe(|| pipeline(data))).is_err() {
        let message = LAST_PANIC.with(|last| last.borrow().clone());
        eprintln!("[feed_pipeline] a panic escaped the pipeline: {message}");
        std::process::abort();
    }
});

fn pipeline(data: &[u8]) {
    let Ok(content) = parse_feed(data) else {
        return;
    };
    for item in &content.items {
        for body in [item.content.as_deref(), item.summary.as_deref()]
            .into_iter()
            .flatten()
        {
            let _ = tidings::text::render_html(body, 80);
            let _ = tidings::text::extract::extract(body, item.link.as_deref());
        }
    }

    let mut cache = CACHE
        .get_or_init(|| Mutex::new(Cache::open()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if cache.runs >= RUNS_PER_FEED {
        let id = cache.feed_id;
        cache.store.remove_feed(id).expect("unsubscribe");
        cache.subscribe();
    }
    cache.runs += 1;
    let feed_id = cache.feed_id;
    let meta = FetchMeta {
        etag: Some(b"\"fuzz\"".to_vec()),
        last_modified: None,
        fetched_at: NOW,
        next_fetch: NOW + 3600,
    };
    // Twice: the second pass takes the update path for every item that the first inserted.
    for _ in 0..2 {
        cache
            .store
            .apply_refresh(feed_id, &content, &meta)
            .expect("storing a parsed feed never fails");
    }
    let headlines = cache
        .store
        .headlines(&Scope::Feed(feed_id), false)
        .expect("list the feed's headlines");
    for h in headlines.iter().take(4) {
        cache
            .store
            .article(h.id)
            .expect("read a stored article")
            .expect("a listed article exists");
    }
}
