//! The download queue (podboat's job) against a hand-written HTTP server on 127.0.0.1 that speaks
//! `Range`, or ignores it, stalls, resets the connection or answers 404: files arrive whole under a
//! safe name, a download cut off (by a restart, a reset) resumes where it stopped, a server that
//! ignores `Range` gets a fresh start, failures leave a clear state and no file that looks
//! complete, and URLs a feed supplies may not reach the local network. Then `tidings download`
//! end to end, killed midway and run again.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::files::{Route, Site, episode_bytes, start};
use tidings::config::Config;
use tidings::session::Session;
use tidings::session::db::Db;
use tidings::session::downloads::{
    DownloadEvent, DownloadSummary, MAX_FILE_NAME, file_name_parts, folder_name, numbered_name,
    player_command, safe_name,
};
use tidings::store::{
    DownloadRecord, DownloadState, Enclosure, FeedContent, FetchMeta, ItemData, Queued, Store,
};
use tokio::sync::mpsc;

// ---- the profile ---------------------------------------------------------------------------------

struct Env {
    dir: tempfile::TempDir,
    session: Session,
    _feed_id: i64,
    articles: Vec<i64>,
}

impl Env {
    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache.db")
    }

    fn downloads_dir(&self) -> PathBuf {
        self.dir.path().join("downloads")
    }

    fn config(dir: &Path) -> Config {
        Config {
            download_dir: Some(dir.join("downloads").display().to_string()),
            timeout_seconds: 10,
            ..Config::default()
        }
    }

    /// A cache with one feed at `feed_url` titled `feed_title`, whose articles carry the given
    /// (title, enclosure URL) pairs; a session on it.
    fn new(feed_url: &str, feed_title: &str, episodes: &[(&str, String)]) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut store = Store::open(&path).unwrap();
        let feed_id = common::store::add_feed(&mut store, feed_url);
        let now = tidings::store::now_unix();
        let items = episodes
            .iter()
            .enumerate()
            .map(|(i, (title, url))| ItemData {
                guid: format!("ep-{i}"),
                title: title.to_string(),
                published: Some(now - i as i64 * 60),
                enclosures: vec![Enclosure {
                    url: url.clone(),
                    mime: Some("audio/mpeg".into()),
                    length: Some(1234),
                    duration: Some(60),
                }],
                ..ItemData::default()
            })
            .collect();
        let content = FeedContent {
            title: Some(feed_title.into()),
            items,
            ..FeedContent::default()
        };
        let meta = FetchMeta {
            fetched_at: now,
            next_fetch: now + 3600,
            ..FetchMeta::default()
        };
        store.apply_refresh(feed_id, &content, &meta).unwrap();
        // Newest first, as the feed gave them.
        let mut articles: Vec<i64> = store
            .headlines(&tidings::store::Scope::Feed(feed_id), false)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        articles.sort();
        drop(store);
        let session = Session::with_db(Db::open(&path).unwrap(), Env::config(dir.path()));
        Env {
            dir,
            session,
            _feed_id: feed_id,
            articles,
        }
    }

    /// A second session on the same cache (the program started again).
    fn restart(&mut self) {
        let session = Session::with_db(
            Db::open(&self.cache()).unwrap(),
            Env::config(self.dir.path()),
        );
        let old = std::mem::replace(&mut self.session, session);
        old.close();
    }

    async fn queue(&self, article: usize) -> i64 {
        let queued = self
            .session
            .downloader()
            .unwrap()
            .queue_enclosure(self.articles[article], 0)
            .await
            .unwrap();
        match queued {
            Queued::Queued(id) => id,
            other => panic!("not queued: {other:?}"),
        }
    }

    /// Runs the queue to its end; returns the summary and every event.
    async fn run(&self) -> (DownloadSummary, Vec<DownloadEvent>) {
        let downloader = self.session.downloader().unwrap();
        let (tx, mut rx) = mpsc::channel(4096);
        let summary = tokio::time::timeout(Duration::from_secs(60), downloader.run_until_idle(&tx))
            .await
            .expect("the queue ends")
            .unwrap();
        drop(tx);
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        (summary, events)
    }

    async fn record(&self, id: i64) -> DownloadRecord {
        self.session
            .download_records()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.id == id)
            .expect("the download is in the queue")
    }

    /// Every file under the downloads folder, relative to it.
    fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let root = self.downloads_dir();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    out.push(
                        path.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        out.sort();
        out
    }
}

/// Waits until `path` holds at least `at_least` bytes and stops growing; returns its size.
async fn settled_size(path: &Path, at_least: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = u64::MAX;
    loop {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size >= at_least && size == last {
            return size;
        }
        assert!(
            Instant::now() < deadline,
            "{} stayed at {size} bytes",
            path.display()
        );
        last = size;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the download's row says `state`.
async fn wait_for_state(env: &Env, id: i64, state: DownloadState) -> DownloadRecord {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let record = env.record(id).await;
        if record.state == state {
            return record;
        }
        assert!(Instant::now() < deadline, "still {:?}", record.state);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- downloads ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_enclosure_downloads_whole_under_the_episodes_title() {
    let site = Site::default();
    let body = episode_bytes(300_000);
    site.route("/media/ep1.mp3", Route::file(&body));
    let addr = start(&site).await;
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod Show",
        &[("Episode 1: Hello", format!("http://{addr}/media/ep1.mp3"))],
    );
    let id = env.queue(0).await;
    assert_eq!(env.record(id).await.state, DownloadState::Queued);
    // Queued twice is still one download.
    let again = env
        .session
        .downloader()
        .unwrap()
        .queue_enclosure(env.articles[0], 0)
        .await
        .unwrap();
    assert_eq!(again, Queued::Already(id, DownloadState::Queued));

    let (summary, events) = env.run().await;
    assert_eq!((summary.done, summary.failed), (1, 0), "{events:?}");
    assert_eq!(summary.bytes, body.len() as u64);
    let file = env.downloads_dir().join("Pod Show/Episode 1 Hello.mp3");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert_eq!(
        env.files(),
        ["Pod Show/Episode 1 Hello.mp3"],
        "no .part left"
    );
    let record = env.record(id).await;
    assert_eq!(record.state, DownloadState::Done);
    assert_eq!(record.bytes_done, body.len() as i64);
    assert_eq!(record.bytes_total, Some(body.len() as i64));
    assert_eq!(record.path.as_deref(), Some(file.to_str().unwrap()));
    assert!(
        events.iter().any(
            |e| matches!(e, DownloadEvent::Done { id: i, path, .. } if *i == id && *path == file)
        ),
        "{events:?}"
    );
    let requests = site.requests("/media/ep1.mp3");
    assert_eq!(requests.len(), 1);
    assert!(
        !requests[0].contains("range:"),
        "a fresh start asks for the whole file"
    );
    assert!(
        requests[0].contains("accept-encoding: identity"),
        "{}",
        requests[0]
    );

    // What a downloads view shows.
    let rows = env.session.downloader().unwrap().rows().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].title, "Episode 1: Hello");
    assert_eq!(rows[0].feed, "Pod Show");
    assert_eq!(rows[0].file, "Episode 1 Hello.mp3");
    assert_eq!(rows[0].fraction(), Some(1.0));
    assert_eq!(rows[0].status_text(), "done");
    assert_eq!(rows[0].size_text(), "300.0 kB");

    // Deleting it removes the file.
    env.session.downloader().unwrap().delete(id).await.unwrap();
    assert!(!file.exists());
    assert!(env.session.download_records().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_off_by_a_restart_resumes_with_range() {
    let site = Site::default();
    let body = episode_bytes(1_000_000);
    site.route(
        "/ep.mp3",
        Route {
            stall_first_after: Some(600_000),
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    let mut env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("Long one", format!("http://{addr}/ep.mp3"))],
    );
    let id = env.queue(0).await;
    let final_path = env.downloads_dir().join("Pod/Long one.mp3");
    let part = env.downloads_dir().join("Pod/Long one.mp3.part");

    // The reader's worker starts, the server stalls after 600 kB, and the program is killed.
    let (tx, mut rx) = mpsc::channel(4096);
    let worker = env.session.downloader().unwrap().spawn(tx);
    let kept = settled_size(&part, 300_000).await;
    worker.abort();
    let _ = worker.await;
    while rx.try_recv().is_ok() {}
    let record = env.record(id).await;
    assert_eq!(
        record.state,
        DownloadState::Downloading,
        "cut off, not finished"
    );
    assert_eq!(record.validator.as_deref(), Some("\"v1\""));
    assert!(!final_path.exists(), "no file that looks complete");

    env.restart();
    let (summary, events) = env.run().await;
    assert_eq!((summary.done, summary.failed), (1, 0), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DownloadEvent::Started { from, .. } if *from == kept)),
        "resumed at {kept}: {events:?}"
    );
    let requests = site.requests("/ep.mp3");
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].contains(&format!("range: bytes={kept}-")),
        "{}",
        requests[1]
    );
    assert!(requests[1].contains("if-range: \"v1\""), "{}", requests[1]);
    assert_eq!(std::fs::read(&final_path).unwrap(), body);
    assert!(!part.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_range_gets_a_fresh_start() {
    let site = Site::default();
    let body = episode_bytes(1_000_000);
    site.route(
        "/ep.mp3",
        Route {
            stall_first_after: Some(600_000),
            ranges: false,
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    let mut env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("Ep", format!("http://{addr}/ep.mp3"))],
    );
    env.queue(0).await;
    let part = env.downloads_dir().join("Pod/Ep.mp3.part");
    let (tx, _rx) = mpsc::channel(4096);
    let worker = env.session.downloader().unwrap().spawn(tx);
    let kept = settled_size(&part, 300_000).await;
    worker.abort();
    let _ = worker.await;

    env.restart();
    let (summary, events) = env.run().await;
    assert_eq!(summary.done, 1, "{events:?}");
    let requests = site.requests("/ep.mp3");
    assert!(requests[1].contains(&format!("range: bytes={kept}-")));
    // The 200 was the whole file: written from the start, not after what was there.
    assert_eq!(
        std::fs::read(env.downloads_dir().join("Pod/Ep.mp3")).unwrap(),
        body
    );
    assert!(!part.exists());
}

/// The program stopped at the very end: the whole file in `.part` but not renamed (the next run
/// asks for the rest, gets 416 and just finishes), or renamed but not recorded as done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_killed_at_the_rename_is_finished_by_the_next_run() {
    let site = Site::default();
    let body = episode_bytes(100_000);
    site.route("/ep.mp3", Route::file(&body));
    let addr = start(&site).await;
    let mut env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("Ep", format!("http://{addr}/ep.mp3"))],
    );
    let id = env.queue(0).await;
    env.run().await;
    let file = env.downloads_dir().join("Pod/Ep.mp3");
    let part = env.downloads_dir().join("Pod/Ep.mp3.part");
    let back_to_downloading = |env: &Env| {
        let conn = rusqlite::Connection::open(env.cache()).unwrap();
        conn.execute(
            "UPDATE downloads SET state = 'downloading' WHERE id = ?1",
            [id],
        )
        .unwrap();
    };

    // Not renamed yet.
    std::fs::rename(&file, &part).unwrap();
    back_to_downloading(&env);
    env.restart();
    let (summary, events) = env.run().await;
    assert_eq!(summary.done, 1, "{events:?}");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert!(!part.exists());
    let last = site.requests("/ep.mp3").pop().unwrap();
    assert!(last.contains("range: bytes=100000-"), "{last}");
    assert_eq!(env.record(id).await.state, DownloadState::Done);

    // Renamed, not recorded.
    back_to_downloading(&env);
    env.restart();
    let asked = site.requests("/ep.mp3").len();
    let (summary, _) = env.run().await;
    assert_eq!(summary.done, 1);
    assert_eq!(
        site.requests("/ep.mp3").len(),
        asked,
        "nothing fetched again"
    );
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert_eq!(env.files(), ["Pod/Ep.mp3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_fails_with_the_status_and_leaves_no_file() {
    let site = Site::default();
    site.route("/gone.mp3", Route::status(404));
    let addr = start(&site).await;
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("Gone", format!("http://{addr}/gone.mp3"))],
    );
    let id = env.queue(0).await;
    let (summary, events) = env.run().await;
    assert_eq!((summary.done, summary.failed), (0, 1));
    let record = env.record(id).await;
    assert_eq!(record.state, DownloadState::Failed);
    assert_eq!(record.error.as_deref(), Some("HTTP 404 Not Found"));
    assert!(
        events.iter().any(
            |e| matches!(e, DownloadEvent::Failed { error, .. } if error == "HTTP 404 Not Found")
        ),
        "{events:?}"
    );
    assert_eq!(
        env.files(),
        Vec::<String>::new(),
        "no file, not even a .part"
    );
    assert!(
        !env.downloads_dir().join("Pod").exists(),
        "not even a folder"
    );
    let rows = env.session.downloader().unwrap().rows().await.unwrap();
    assert_eq!(rows[0].status_text(), "failed: HTTP 404 Not Found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_fails_and_the_retry_resumes() {
    let site = Site::default();
    let body = episode_bytes(500_000);
    site.route(
        "/ep.mp3",
        Route {
            reset_first_after: Some(200_000),
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("Ep", format!("http://{addr}/ep.mp3"))],
    );
    let id = env.queue(0).await;
    let (summary, events) = env.run().await;
    assert_eq!((summary.done, summary.failed), (0, 1), "{events:?}");
    let record = env.record(id).await;
    assert_eq!(record.state, DownloadState::Failed);
    let error = record.error.unwrap();
    assert!(!error.is_empty());
    let final_path = env.downloads_dir().join("Pod/Ep.mp3");
    assert!(!final_path.exists(), "no file that looks complete");
    let kept = std::fs::metadata(env.downloads_dir().join("Pod/Ep.mp3.part"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        kept > 0 && kept <= 200_000,
        "what came before the reset is kept: {kept}"
    );
    assert!(
        error.contains("reset") || error.contains("closed"),
        "{error}"
    );

    // Failed downloads are queued again, and resume from what was kept.
    assert_eq!(
        env.session
            .downloader()
            .unwrap()
            .retry_failed()
            .await
            .unwrap(),
        1
    );
    let (summary, _) = env.run().await;
    assert_eq!(summary.done, 1);
    assert_eq!(std::fs::read(&final_path).unwrap(), body);
    let requests = site.requests("/ep.mp3");
    assert!(requests[1].contains(&format!("range: bytes={kept}-")));
    assert_eq!(env.files(), ["Pod/Ep.mp3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel() {
    let site = Site::default();
    let body = episode_bytes(1_000_000);
    site.route(
        "/a.mp3",
        Route {
            stall_first_after: Some(600_000),
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("A", format!("http://{addr}/a.mp3"))],
    );
    let id = env.queue(0).await;
    let downloader = env.session.downloader().unwrap();
    let (tx, mut rx) = mpsc::channel(4096);
    let worker = Arc::clone(&downloader).spawn(tx);
    let part = env.downloads_dir().join("Pod/A.mp3.part");
    settled_size(&part, 300_000).await;

    // Paused while running: it stops at once and keeps what it has.
    downloader.pause(id).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(DownloadEvent::Stopped { id: i })) if i == id => break,
            Ok(Some(_)) => continue,
            other => panic!("no Stopped event: {other:?}"),
        }
    }
    assert_eq!(env.record(id).await.state, DownloadState::Paused);
    let kept = settled_size(&part, 300_000).await;
    assert!(downloader.pause(id).await.is_err(), "already paused");

    // Resumed: the worker takes it again, from where it stopped.
    downloader.resume(id).await.unwrap();
    wait_for_state(&env, id, DownloadState::Done).await;
    assert_eq!(
        std::fs::read(env.downloads_dir().join("Pod/A.mp3")).unwrap(),
        body
    );
    assert!(site.requests("/a.mp3")[1].contains(&format!("range: bytes={kept}-")));
    assert!(
        downloader.cancel(id).await.is_err(),
        "a finished download is deleted, not cancelled"
    );
    // Queued again, a finished download stays as it is.
    assert_eq!(
        downloader
            .queue_enclosure(env.articles[0], 0)
            .await
            .unwrap(),
        Queued::Already(id, DownloadState::Done)
    );
    worker.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_download_leaves_nothing() {
    let site = Site::default();
    let body = episode_bytes(1_000_000);
    site.route(
        "/b.mp3",
        Route {
            stall_first_after: Some(600_000),
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "Pod",
        &[("B", format!("http://{addr}/b.mp3"))],
    );
    let id = env.queue(0).await;
    let downloader = env.session.downloader().unwrap();
    let (tx, _rx) = mpsc::channel(4096);
    let worker = Arc::clone(&downloader).spawn(tx);
    let part = env.downloads_dir().join("Pod/B.mp3.part");
    settled_size(&part, 300_000).await;
    downloader.cancel(id).await.unwrap();
    let record = wait_for_state(&env, id, DownloadState::Cancelled).await;
    assert_eq!((record.path, record.bytes_done), (None, 0));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.files(), Vec::<String>::new(), "the partial file went");

    // Queued again, it starts over (the server now serves it whole).
    downloader
        .queue_enclosure(env.articles[0], 0)
        .await
        .unwrap();
    wait_for_state(&env, id, DownloadState::Done).await;
    assert_eq!(
        std::fs::read(env.downloads_dir().join("Pod/B.mp3")).unwrap(),
        body
    );
    assert!(!site.requests("/b.mp3")[1].contains("range:"));
    worker.abort();
}

// ---- names -------------------------------------------------------------------------------------

#[test]
fn hostile_names_are_made_safe() {
    // Traversal, in the title or the URL.
    assert_eq!(
        file_name_parts("https://x.example/a.mp3", "../../etc/passwd", None),
        ("etc passwd".to_string(), Some("mp3".to_string()))
    );
    assert_eq!(
        file_name_parts("https://x.example/..%2F..%2Fetc%2Fpasswd", "", None).0,
        "etc passwd"
    );
    assert_eq!(folder_name("../.."), "Unknown feed");
    assert_eq!(folder_name("/"), "Unknown feed");
    assert_eq!(folder_name("..\\..\\Windows"), "Windows");
    // Control characters, escape sequences and bidi controls go.
    assert_eq!(
        safe_name("Evil\x1b[2J\x1b]0;pwned\x07 \u{202e}3pm.exe\r\nname\0", 100),
        "Evil 3pm.exe name"
    );
    // Long names are cut, on a character boundary.
    let long = "é".repeat(10_000);
    let (stem, ext) = file_name_parts("https://x.example/a.mp3", &long, None);
    let name = numbered_name(&stem, 999, ext.as_deref());
    assert!(name.len() <= MAX_FILE_NAME, "{}", name.len());
    assert!(stem.chars().all(|c| c == 'é'));
    // Names Windows reserves, hidden files, options.
    assert_eq!(safe_name("CON", 100), "CON_");
    assert_eq!(safe_name("nul.txt", 100), "nul_.txt");
    assert_eq!(safe_name(".hidden", 100), "hidden");
    assert_eq!(safe_name("--rf", 100), "rf");
    // The extension: the URL's, else the media type's; a title that has it already.
    assert_eq!(
        file_name_parts("https://x.example/get?id=5", "Ep 5.MP3", Some("audio/mpeg")),
        ("Ep 5".to_string(), Some("mp3".to_string()))
    );
    assert_eq!(
        file_name_parts("https://x.example/a.m4a?x=1", "", None),
        ("a".to_string(), Some("m4a".to_string()))
    );
    assert_eq!(
        file_name_parts("https://x.example/", "", None),
        ("download".to_string(), None)
    );
    assert_eq!(
        file_name_parts("https://x.example/x.mp3", "\u{200b}\x1b[0m", None).0,
        "x"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_stay_in_the_download_folder_and_never_overwrite() {
    let site = Site::default();
    let body = episode_bytes(1000);
    for p in ["/1.mp3", "/2.mp3", "/3.mp3"] {
        site.route(p, Route::file(&body));
    }
    let addr = start(&site).await;
    let long = format!("{}\x1b[31m", "x".repeat(10_000));
    let env = Env::new(
        &format!("http://{addr}/feed.xml"),
        "../../../tmp/evil",
        &[
            ("../../etc/passwd", format!("http://{addr}/1.mp3")),
            ("../../etc/passwd", format!("http://{addr}/2.mp3")),
            (&long, format!("http://{addr}/3.mp3")),
        ],
    );
    // A file that is there already is never replaced.
    let folder = env.downloads_dir().join("tmp evil");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("etc passwd.mp3"), b"mine").unwrap();
    for i in 0..3 {
        env.queue(i).await;
    }
    let (summary, _) = env.run().await;
    assert_eq!(summary.done, 3);
    let files = env.files();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.contains(&"tmp evil/etc passwd.mp3".to_string()));
    assert!(files.contains(&"tmp evil/etc passwd (2).mp3".to_string()));
    assert!(files.contains(&"tmp evil/etc passwd (3).mp3".to_string()));
    assert_eq!(
        std::fs::read(folder.join("etc passwd.mp3")).unwrap(),
        b"mine"
    );
    for f in &files {
        let name = Path::new(f).file_name().unwrap().to_str().unwrap();
        assert!(name.len() <= MAX_FILE_NAME, "{name}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }
}

// ---- reach -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_on_the_internet_may_not_send_downloads_into_the_local_network() {
    let site = Site::default();
    site.route("/secret.mp3", Route::file(b"secret"));
    let addr = start(&site).await;
    // A feed at a public address (never fetched here) whose enclosure points at 127.0.0.1.
    let env = Env::new(
        "http://93.184.216.34/feed.xml",
        "Public",
        &[("Sneaky", format!("http://{addr}/secret.mp3"))],
    );
    let id = env.queue(0).await;
    let (summary, _) = env.run().await;
    assert_eq!(summary.failed, 1);
    let record = env.record(id).await;
    assert!(
        record
            .error
            .as_deref()
            .unwrap()
            .contains("local or private network address"),
        "{:?}",
        record.error
    );
    assert!(
        site.requests("/secret.mp3").is_empty(),
        "refused before any request"
    );
    assert_eq!(env.files(), Vec::<String>::new());
}

// ---- feeds that download on their own ------------------------------------------------------------

#[test]
fn automatic_downloads_queue_only_what_a_refresh_brought() {
    let (_dir, mut store, _) = common::store::temp_store();
    let feed = common::store::add_feed(&mut store, "https://pod.example/feed.xml");
    let item = |i: i64, mime: &str| ItemData {
        guid: format!("g{i}"),
        title: format!("Ep {i}"),
        published: Some(1_700_000_000 + i),
        enclosures: vec![
            Enclosure {
                url: format!("https://pod.example/{i}.jpg"),
                mime: Some("image/jpeg".into()),
                ..Enclosure::default()
            },
            Enclosure {
                url: format!("https://pod.example/{i}.{mime}"),
                mime: Some(format!("audio/{mime}")),
                ..Enclosure::default()
            },
        ],
        ..ItemData::default()
    };
    let refresh = |store: &mut Store, items: Vec<ItemData>, at: i64| {
        let content = FeedContent {
            title: Some("Pod".into()),
            items,
            ..FeedContent::default()
        };
        let meta = FetchMeta {
            fetched_at: at,
            next_fetch: at + 60,
            ..FetchMeta::default()
        };
        let new = store.apply_refresh(feed, &content, &meta).unwrap();
        store.queue_new_episodes(feed, at, 10).unwrap();
        new
    };
    refresh(&mut store, vec![item(1, "mpeg")], 1_700_000_100);
    assert!(store.downloads().unwrap().is_empty(), "off by default");
    store.set_auto_download(feed, true).unwrap();
    assert!(store.auto_download(feed).unwrap());
    refresh(
        &mut store,
        vec![item(1, "mpeg"), item(2, "ogg")],
        1_700_000_200,
    );
    let queued = store.downloads().unwrap();
    assert_eq!(queued.len(), 1, "only the new article's: {queued:?}");
    assert_eq!(
        queued[0].url, "https://pod.example/2.ogg",
        "its media, not its image"
    );
    assert_eq!(queued[0].title, "Ep 2");
    assert_eq!(queued[0].feed_title, "Pod");
    // The back catalogue, on request: what was never queued.
    assert_eq!(store.queue_feed_episodes(feed, 10).unwrap(), 1);
    assert_eq!(store.downloads().unwrap().len(), 2);
    assert_eq!(store.queue_feed_episodes(feed, 10).unwrap(), 0);
    // Removing the feed leaves the downloads (and their files) alone.
    store.unsubscribe(feed, false).unwrap();
    let left = store.downloads().unwrap();
    assert_eq!(left.len(), 2);
    assert!(
        left.iter()
            .all(|d| d.feed_id.is_none() && d.article_id.is_none())
    );
}

// ---- playing -----------------------------------------------------------------------------------

#[test]
fn the_player_gets_the_file_as_one_argument_without_a_shell() {
    let file = Path::new("/tmp/My Pod/Ep; rm -rf ~.mp3");
    let args = |c: std::process::Command| {
        (
            c.get_program().to_string_lossy().into_owned(),
            c.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        args(player_command(Some("mpv --no-video %f"), file).unwrap()),
        (
            "mpv".to_string(),
            vec!["--no-video".to_string(), file.display().to_string()]
        )
    );
    assert_eq!(
        args(player_command(Some("vlc --one-instance --file='%f' --play"), file).unwrap()).1,
        [
            "--one-instance".to_string(),
            format!("--file={}", file.display()),
            "--play".to_string()
        ]
    );
    assert_eq!(
        args(player_command(Some("'my player'"), file).unwrap()),
        ("my player".to_string(), vec![file.display().to_string()])
    );
    assert!(player_command(Some("mpv 'unclosed"), file).is_err());
}

// ---- the command line ----------------------------------------------------------------------------

/// An RSS feed whose items' enclosures point at `addr`.
fn rss(addr: SocketAddr, episodes: &[(&str, &str)]) -> String {
    let mut items = String::new();
    for (i, (title, path)) in episodes.iter().enumerate() {
        items.push_str(&format!(
            "<item><guid>{path}</guid><title>{title}</title><pubDate>Mon, 0{} Jan 2024 10:00:00 GMT</pubDate>\
             <enclosure url=\"http://{addr}{path}\" length=\"1\" type=\"audio/mpeg\"/></item>",
            i + 1
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cli Pod</title>\
         <link>http://{addr}/</link>{items}</channel></rss>"
    )
}

fn profile_with_downloads() -> common::cli::Profile {
    let profile = common::cli::Profile::new();
    profile.write(
        "config.toml",
        &format!(
            "download_dir = {:?}\ntimeout_seconds = 10\n",
            profile.path().join("dl").display().to_string()
        ),
    );
    profile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tidings_download_end_to_end() {
    let site = Site::default();
    let one = episode_bytes(200_000);
    let two = episode_bytes(50_000);
    site.route("/1.mp3", Route::file(&one));
    site.route("/2.mp3", Route::file(&two));
    site.route("/4.mp3", Route::status(404));
    let addr = start(&site).await;
    site.route(
        "/feed.xml",
        Route::file(rss(addr, &[("Two", "/2.mp3"), ("One", "/1.mp3")]).as_bytes()),
    );
    let profile = profile_with_downloads();
    let p = profile.path().to_path_buf();
    let feed = format!("http://{addr}/feed.xml");
    let cli = move |args: &[&str]| {
        let p = p.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                common::cli::tidings_output(&p, &args)
            })
            .await
            .unwrap()
        }
    };
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(&cli(&["add", &feed]).await);
    ok(&cli(&["refresh"]).await);
    let out = ok(&cli(&["download"]).await);
    assert!(out.contains("nothing to download"), "{out}");

    // A feed's episodes, headless, with plain lines (no terminal).
    let out = ok(&cli(&["download", "--feed", &feed]).await);
    assert!(out.contains("queued 2 episodes of feed 1"), "{out}");
    assert!(!out.contains("1 episodes"), "{out}");
    assert!(out.contains("downloaded: One → "), "{out}");
    assert!(out.contains("2 downloaded (250.0 kB)"), "{out}");
    let dl = profile.path().join("dl/Cli Pod");
    assert_eq!(std::fs::read(dl.join("One.mp3")).unwrap(), one);
    assert_eq!(std::fs::read(dl.join("Two.mp3")).unwrap(), two);

    let list = ok(&cli(&["download", "--list"]).await);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("done") && list.contains("One (Cli Pod)"),
        "{list}"
    );
    let rows: Vec<serde_json::Value> = ok(&cli(&["download", "--list", "--json"]).await)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let two_row = rows.iter().find(|r| r["title"] == "Two").unwrap();
    assert_eq!(two_row["state"], "done");
    assert_eq!(two_row["bytes_done"], 50_000);
    assert_eq!(two_row["feed"], "Cli Pod");

    // Automatic downloads: the next refresh queues the new episodes; a 404 fails the run.
    let out = ok(&cli(&["edit", "1", "--auto-download", "true"]).await);
    assert!(out.contains("automatic downloads on"), "{out}");
    site.route(
        "/feed.xml",
        Route::file(
            rss(
                addr,
                &[
                    ("Four", "/4.mp3"),
                    ("Three", "/1.mp3?3"),
                    ("Two", "/2.mp3"),
                    ("One", "/1.mp3"),
                ],
            )
            .as_bytes(),
        ),
    );
    site.route("/1.mp3?3", Route::file(&one));
    ok(&cli(&["refresh"]).await);
    let rows = ok(&cli(&["download", "--list", "--json"]).await);
    assert_eq!(rows.matches("\"queued\"").count(), 2, "{rows}");
    let out = cli(&["download"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed download fails the run"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("1 downloaded") && stdout.contains("1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("failed: Four: HTTP 404 Not Found"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dl.join("Three.mp3")).unwrap(), one);
    assert!(!dl.join("Four.mp3").exists() && !dl.join("Four.mp3.part").exists());
    let out = ok(&cli(&["edit", "1", "--auto-download", "false"]).await);
    assert!(out.contains("automatic downloads off"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tidings_download_killed_midway_resumes_when_run_again() {
    let site = Site::default();
    let body = episode_bytes(2_000_000);
    site.route(
        "/big.mp3",
        Route {
            stall_first_after: Some(1_200_000),
            ..Route::file(&body)
        },
    );
    let addr = start(&site).await;
    site.route(
        "/feed.xml",
        Route::file(rss(addr, &[("Big", "/big.mp3")]).as_bytes()),
    );
    let profile = profile_with_downloads();
    let feed = format!("http://{addr}/feed.xml");
    profile.ok(&["add", &feed]);
    profile.ok(&["refresh"]);
    let mut child = common::cli::command(profile.path(), &["download", "--feed", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let part = profile.path().join("dl/Cli Pod/Big.mp3.part");
    let kept = settled_size(&part, 600_000).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!profile.path().join("dl/Cli Pod/Big.mp3").exists());

    let p = profile.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || common::cli::tidings(&p, &["download"]))
        .await
        .unwrap();
    assert!(out.contains("1 downloaded"), "{out}");
    assert_eq!(
        std::fs::read(profile.path().join("dl/Cli Pod/Big.mp3")).unwrap(),
        body
    );
    let requests = site.requests("/big.mp3");
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].contains(&format!("range: bytes={kept}-")),
        "{}",
        requests[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beside_a_process_running_the_queue_tidings_download_only_queues() {
    let site = Site::default();
    site.route("/1.mp3", Route::file(b"one"));
    let addr = start(&site).await;
    site.route(
        "/feed.xml",
        Route::file(rss(addr, &[("One", "/1.mp3")]).as_bytes()),
    );
    let profile = profile_with_downloads();
    profile.ok(&["add", &format!("http://{addr}/feed.xml")]);
    profile.ok(&["refresh"]);
    // The reader's worker holds the queue's lock.
    let lock =
        tidings::lock::ProfileLock::acquire_file(profile.path().join("downloads.lock")).unwrap();
    let p = profile.path().to_path_buf();
    let out =
        tokio::task::spawn_blocking(move || common::cli::tidings(&p, &["download", "--feed", "1"]))
            .await
            .unwrap();
    assert!(out.contains("queued 1 episode of feed 1"), "{out}");
    assert!(
        out.contains(&format!(
            "another tidings (pid {}) is running the download queue",
            std::process::id()
        )),
        "{out}"
    );
    let rows = profile.json_lines(&["download", "--list", "--json"]);
    assert_eq!(rows[0]["state"], "queued");
    assert!(site.requests("/1.mp3").is_empty());
    drop(lock);
    let p = profile.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || common::cli::tidings(&p, &["download"]))
        .await
        .unwrap();
    assert!(out.contains("1 downloaded"), "{out}");
}

/// A write that fails midway (here the file size limit, which fails like a full disk: the
/// program's writes are refused) leaves a failed download and no finished file.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_disk_leaves_a_clear_failure_and_no_finished_file() {
    use std::os::unix::process::CommandExt;
    let site = Site::default();
    let body = episode_bytes(3_000_000);
    site.route("/big.mp3", Route::file(&body));
    let addr = start(&site).await;
    site.route(
        "/feed.xml",
        Route::file(rss(addr, &[("Big", "/big.mp3")]).as_bytes()),
    );
    let profile = profile_with_downloads();
    profile.ok(&["add", &format!("http://{addr}/feed.xml")]);
    profile.ok(&["refresh"]);
    let mut command = common::cli::command(profile.path(), &["download", "--feed", "1"]);
    unsafe {
        command.pre_exec(|| {
            // Writes past 2 MB fail (EFBIG) instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 2_000_000,
                rlim_max: 2_000_000,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("failed: Big: cannot write"), "{stderr}");
    let dir = profile.path().join("dl/Cli Pod");
    assert!(!dir.join("Big.mp3").exists(), "no file that looks complete");
    let rows = profile.json_lines(&["download", "--list", "--json"]);
    assert_eq!(rows[0]["state"], "failed");
    assert!(
        rows[0]["error"].as_str().unwrap().contains("cannot write"),
        "{rows:?}"
    );
    // With room again, the retry finishes it.
    let out = profile.ok(&["download", "--retry"]);
    assert!(out.contains("1 downloaded"), "{out}");
    assert_eq!(std::fs::read(dir.join("Big.mp3")).unwrap(), body);
}
