//! No data lost on a crash: `tidings refresh` is killed with SIGKILL at many different moments while it
//! fetches and stores 40 feeds from a slow loopback server, and after every kill the cache must be a
//! sound SQLite database in which every feed is exactly at one refresh: never half of one.
//!
//! How "half a refresh" would show: the server gives every response of a feed a new version `k`, sent as
//! `ETag: "vk"` and written into every item's body (`[ver=k]`), and the window of items moves by one
//! each version (version `k` carries items `k..k+50`, so each refresh inserts one article and updates
//! fifty). One refresh of a feed is one transaction that writes the items and the ETag together, so
//! after any kill, for each feed: the stored ETag names a version `k`, the fifty items of version `k` are
//! all there with `[ver=k]` bodies, every older item has an older version, and no body carries a version
//! newer than `k`. A feed that was never stored has no ETag and no articles. Across kills, no feed loses
//! articles and no feed's version goes back.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::cli::command;
use common::store::add_feed;
use rusqlite::{Connection, OpenFlags};
use tidings::store::Store;

const FEEDS: usize = 40;
const ITEMS: usize = 50;
const KILLS: usize = 50;

// ---------------------------------------------------------------------------------------------------
// The slow loopback feed server

/// Serves `/feed/N.xml` for N in `0..FEEDS`; every request of a feed gets the next version of it.
struct FeedServer {
    port: u16,
    /// Responses written to the end so far (all feeds).
    served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FeedServer {
    fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let versions: Arc<Vec<AtomicUsize>> =
            Arc::new((0..FEEDS).map(|_| AtomicUsize::new(0)).collect());
        let (served2, stop2) = (Arc::clone(&served), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (versions, served) = (Arc::clone(&versions), Arc::clone(&served2));
                std::thread::spawn(move || {
                    if serve(stream, &versions).is_ok() {
                        served.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        FeedServer {
            port,
            served,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, feed: usize) -> String {
        format!("http://127.0.0.1:{}/feed/{feed}.xml", self.port)
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One request, one response, then the connection is closed. The response is slow on purpose (a few
/// milliseconds, the body in pieces), so that a refresh of all feeds takes a while.
fn serve(mut stream: TcpStream, versions: &[AtomicUsize]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&buf[..n]);
        if request.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let feed = path
        .strip_prefix("/feed/")
        .and_then(|p| p.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < FEEDS);
    let Some(feed) = feed else {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    };
    // Validators are ignored on purpose: every response is a new version, so every refresh writes.
    let version = versions[feed].fetch_add(1, Ordering::SeqCst) + 1;
    let body = feed_document(feed, version);
    std::thread::sleep(Duration::from_millis(3));
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nETag: \"v{version}\"\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    for chunk in body.as_bytes().chunks(body.len() / 4 + 1) {
        std::thread::sleep(Duration::from_millis(1));
        stream.write_all(chunk)?;
    }
    stream.flush()
}

/// Version `version` of feed `feed`: items `version..version + ITEMS`, each body 2–4 KB of HTML
/// carrying `[ver=version]`.
fn feed_document(feed: usize, version: usize) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
         <title>Crash feed {feed}</title><link>https://crash.example/{feed}/</link>\
         <description>Feed {feed}, version {version}</description>\n"
    );
    for item in version..version + ITEMS {
        let published =
            std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + item as u64 * 60);
        let mut body = format!("<p>[ver={version}] Item {item} of feed {feed}.</p>");
        let target = 2000 + (feed * 131 + item * 97) % 2000;
        let mut n = 0;
        while body.len() < target {
            body.push_str(&format!(
                "<p>Paragraph {n} of item {item}: <b>lorem</b> ipsum dolor sit amet, <a href=\"https://crash.example/{feed}/{item}#{n}\">consectetur</a> adipiscing elit, sed do eiusmod tempor.</p>"
            ));
            n += 1;
        }
        xml.push_str(&format!(
            "<item><guid>feed{feed}-item{item}</guid><title>Item {item} of feed {feed}</title>\
             <link>https://crash.example/{feed}/{item}</link><pubDate>{}</pubDate>\
             <description>Teaser of item {item}</description>\
             <content:encoded><![CDATA[{body}]]></content:encoded></item>\n",
            httpdate::fmt_http_date(published)
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

// ---------------------------------------------------------------------------------------------------
// The checks

/// What one feed looks like in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FeedState {
    /// The version named by the stored ETag; 0 when the feed was never stored.
    version: usize,
    articles: usize,
}

/// The version written into a body, `[ver=k]`.
fn body_version(content: &str) -> Option<usize> {
    let rest = content.split_once("[ver=")?.1;
    rest.split_once(']')?.0.parse().ok()
}

/// Opens the cache as the next start of tidings would (recovering the WAL), checks that it is sound and
/// that no feed is half refreshed, and returns each feed's state (by feed id).
fn check_cache(cache: &Path) -> HashMap<i64, FeedState> {
    let conn = Connection::open_with_flags(
        cache,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("the cache opens");
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(integrity, vec!["ok".to_string()], "PRAGMA integrity_check");
    let fk_violations: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk_violations, 0, "PRAGMA foreign_key_check");

    let feeds: Vec<(i64, Option<Vec<u8>>, Option<i64>)> = conn
        .prepare("SELECT id, etag, last_fetch FROM feeds ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(feeds.len(), FEEDS, "every subscription is still there");
    let mut states = HashMap::new();
    for (id, etag, last_fetch) in feeds {
        let rows: Vec<(String, Option<String>)> = conn
            .prepare(
                "SELECT a.guid, b.content FROM articles a
                 LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.feed_id = ?1",
            )
            .unwrap()
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let Some(etag) = etag else {
            assert!(
                rows.is_empty(),
                "feed {id} has no ETag (never stored) but {} articles",
                rows.len()
            );
            assert_eq!(last_fetch, None, "feed {id}: last_fetch without an ETag");
            states.insert(
                id,
                FeedState {
                    version: 0,
                    articles: 0,
                },
            );
            continue;
        };
        let etag = String::from_utf8(etag).expect("the ETag is stored as sent");
        let version: usize = etag
            .strip_prefix("\"v")
            .and_then(|e| e.strip_suffix('"'))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("feed {id}: unexpected ETag {etag:?}"));
        assert!(last_fetch.is_some(), "feed {id}: an ETag but no last_fetch");
        // The feed number is in the guids: feed{N}-item{M}.
        let mut current = 0;
        for (guid, content) in &rows {
            let item: usize = guid
                .rsplit_once("-item")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or_else(|| panic!("feed {id}: unexpected guid {guid:?}"));
            let content = content
                .as_deref()
                .unwrap_or_else(|| panic!("feed {id}: article {guid} has no body"));
            let v = body_version(content)
                .unwrap_or_else(|| panic!("feed {id}: article {guid} has no version marker"));
            if (version..version + ITEMS).contains(&item) {
                assert_eq!(
                    v, version,
                    "feed {id} is at version {version} (ETag) but its item {item} has the body of version {v}: a half-applied refresh"
                );
                current += 1;
            } else {
                assert!(
                    v < version && item < version,
                    "feed {id} is at version {version} (ETag) but holds item {item} with the body of version {v}: a refresh newer than its ETag"
                );
            }
        }
        assert_eq!(
            current, ITEMS,
            "feed {id} is at version {version} but has only {current} of that version's {ITEMS} items"
        );
        states.insert(
            id,
            FeedState {
                version,
                articles: rows.len(),
            },
        );
    }
    states
}

/// Frames at the end of the write-ahead log that belong to a transaction that never committed: what a
/// kill in the middle of writing a transaction leaves behind (SQLite ignores them when it opens the
/// cache). Read before anything opens the cache, since opening recovers and then removes the log.
fn uncommitted_wal_frames(cache: &Path) -> usize {
    let Ok(wal) = std::fs::read(cache.with_extension("db-wal")) else {
        return 0;
    };
    if wal.len() < 32 {
        return 0;
    }
    let word = |at: usize| u32::from_be_bytes(wal[at..at + 4].try_into().unwrap());
    let page_size = word(8) as usize;
    let salts = (word(16), word(20));
    let frame = 24 + page_size;
    let mut after_commit = 0;
    let mut at = 32;
    // Frames of this generation of the log carry its salts; anything after the first that does not is
    // left over from before the log was last reset.
    while page_size > 0 && at + frame <= wal.len() && (word(at + 8), word(at + 12)) == salts {
        after_commit = if word(at + 4) != 0 {
            0
        } else {
            after_commit + 1
        };
        at += frame;
    }
    after_commit
}

// ---------------------------------------------------------------------------------------------------
// The test

#[test]
fn sigkill_during_refresh_50_times_leaves_a_sound_database() {
    let started = Instant::now();
    let server = FeedServer::start();
    let home = tempfile::tempdir().expect("temp profile");
    let cache = home.path().join("cache.db");
    {
        let mut store = Store::open(&cache).expect("create the cache");
        for feed in 0..FEEDS {
            add_feed(&mut store, &server.url(feed));
        }
    }

    let refresh = || {
        command(home.path(), &["refresh"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tidings refresh")
    };

    // How long one whole refresh takes here, for the report (and to see that the kills can land
    // anywhere in it).
    let t = Instant::now();
    let status = refresh().wait().unwrap();
    let full_refresh = t.elapsed();
    assert!(status.success(), "an uninterrupted refresh succeeds");
    let mut before = check_cache(&cache);
    assert!(
        before.values().all(|s| s.version >= 1),
        "an uninterrupted refresh stores every feed: {before:?}"
    );

    let (mut while_running, mut partial_rounds, mut untouched_rounds, mut complete_rounds) =
        (0, 0, 0, 0);
    let mut torn_transactions = 0;
    for round in 0..KILLS {
        // 20..=300 ms, spread over the range in a fixed order.
        let delay = Duration::from_millis(20 + (round as u64 * 113) % 281);
        let served_before = server.served();
        let mut child = refresh();
        std::thread::sleep(delay);
        let running = child.try_wait().expect("poll tidings").is_none();
        // SIGKILL on Unix.
        child.kill().expect("kill tidings");
        child.wait().expect("reap tidings");
        if running {
            while_running += 1;
        }
        let served = server.served() - served_before;
        let torn = uncommitted_wal_frames(&cache);
        if torn > 0 {
            torn_transactions += 1;
        }

        let after = check_cache(&cache);
        let mut advanced = 0;
        for (id, now) in &after {
            let then = before[id];
            assert!(
                now.version >= then.version && now.articles >= then.articles,
                "round {round}: feed {id} went back from {then:?} to {now:?}"
            );
            if now.version > then.version {
                advanced += 1;
            }
        }
        match advanced {
            0 => untouched_rounds += 1,
            FEEDS => complete_rounds += 1,
            _ => partial_rounds += 1,
        }
        eprintln!(
            "round {round:>2}: killed after {:>3} ms ({}), {served:>2} responses served, {advanced:>2}/{FEEDS} feeds stored{}",
            delay.as_millis(),
            if running { "running" } else { "had exited" },
            if torn > 0 {
                format!(", {torn} uncommitted pages in the WAL")
            } else {
                String::new()
            }
        );
        before = after;
    }

    // The cache still works: a refresh to the end stores every feed again.
    let status = refresh().wait().unwrap();
    assert!(status.success(), "a refresh after the kills succeeds");
    let last = check_cache(&cache);
    for (id, now) in &last {
        assert!(
            now.version > before[id].version,
            "feed {id} was refreshed after the kills"
        );
    }

    println!(
        "{KILLS} SIGKILLs: {while_running} landed while `tidings refresh` was running \
         ({partial_rounds} with some feeds stored and others not, {untouched_rounds} before any feed was stored, \
         {complete_rounds} after every feed was stored; {torn_transactions} in the middle of writing a transaction \
         to the WAL); an uninterrupted refresh of {FEEDS} feeds took {} ms; \
         total {:.1} s",
        full_refresh.as_millis(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        while_running * 2 >= KILLS,
        "most kills should land while the refresh runs ({while_running} of {KILLS} did); is the server too fast?"
    );
    assert!(
        partial_rounds > 0,
        "no kill landed between two feeds' transactions; the test did not exercise a mid-refresh crash"
    );
}
