//! A damaged cache gets a clear message naming the file and what to do, never an empty profile or a
//! reader stuck on "Loading…"; `check` finds the damage and salvages what can be read; backups are
//! made at most daily, a few are kept, and one restores.

mod common;

use std::io::{Seek, SeekFrom, Write};

use tidings::store::health::{self, BACKUPS_KEPT};
use tidings::store::{FeedContent, FetchMeta, ItemData, Scope, Store};

fn filled_cache(dir: &std::path::Path, articles: usize) -> std::path::PathBuf {
    let path = dir.join("cache.db");
    let mut store = Store::open(&path).unwrap();
    let feed = common::store::add_feed(&mut store, "https://a.example/feed");
    let items = (0..articles)
        .map(|i| ItemData {
            guid: format!("g{i}"),
            title: format!("Article number {i}"),
            link: Some(format!("https://a.example/{i}")),
            published: Some(1_700_000_000 + i as i64),
            content: Some(format!("<p>{}</p>", "words ".repeat(200))),
            ..ItemData::default()
        })
        .collect();
    let content = FeedContent {
        title: Some("A".into()),
        site_link: None,
        items,
    };
    store
        .apply_refresh(
            feed,
            &content,
            &FetchMeta {
                fetched_at: 1_700_000_000,
                next_fetch: 1_700_003_600,
                ..FetchMeta::default()
            },
        )
        .unwrap();
    drop(store);
    path
}

#[test]
fn a_truncated_cache_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = filled_cache(dir.path(), 10);
    std::fs::File::create(&path).unwrap(); // cut to zero bytes
    let err = Store::open(&path).err().expect("refused").to_string();
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(
        err.contains("empty") && err.contains("tidings check"),
        "{err}"
    );
    let out = common::cli::tidings_output(dir.path(), &["list", "feeds"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("damaged") && stderr.contains("tidings check"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_cache_is_named_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(&path, vec![0x5Au8; 8192]).unwrap();
    let err = Store::open(&path).err().expect("refused").to_string();
    assert!(err.contains("damaged") && err.contains("cache.db"), "{err}");
}

#[test]
fn check_finds_flipped_bytes_and_salvage_keeps_what_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = filled_cache(dir.path(), 2000);
    let size = std::fs::metadata(&path).unwrap().len();
    {
        // Scribble over pages in the middle of the file (article bodies live there).
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        for k in 0..3u64 {
            f.seek(SeekFrom::Start(size / 2 + k * 40_000)).unwrap();
            f.write_all(&[0xFFu8; 4096]).unwrap();
        }
    }
    let store = Store::open(&path).expect("the header is intact");
    let report = store.check().unwrap();
    assert!(!report.is_ok(), "{report:?}");
    drop(store);
    // A command that runs into the damage says what to do.
    for args in [&["list", "articles"][..], &["search", "words"][..]] {
        let out = common::cli::tidings_output(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || stderr.contains("`tidings check`"),
            "{args:?}: {stderr}"
        );
    }
    let rescued = dir.path().join("rescued.db");
    let salvaged = health::salvage(&path, &rescued).unwrap();
    let articles = salvaged
        .tables
        .iter()
        .find(|(t, _, _)| t == "articles")
        .unwrap();
    assert!(articles.1 > 0, "{salvaged:?}");
    let fresh = Store::open(&rescued).unwrap();
    assert!(fresh.check().unwrap().is_ok());
    // The counters agree with what was saved.
    let listed = fresh.headlines(&Scope::All, false).unwrap().len();
    assert_eq!(fresh.scope_count(&Scope::All).unwrap(), listed);
    assert!(listed > 0);
}

#[test]
fn backups_are_daily_kept_few_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let path = filled_cache(dir.path(), 50);
    let store = Store::open(&path).unwrap();
    let now = chrono::Utc::now();
    let first = health::backup_if_due(&store, &path, now)
        .unwrap()
        .expect("a first backup");
    assert!(first.exists());
    assert!(
        health::backup_if_due(&store, &path, now).unwrap().is_none(),
        "not again the same day"
    );
    // Older backups beyond the few kept are removed.
    for day in 1..=5 {
        let name = format!("{}.backup-2020010{day}-000000", path.display());
        std::fs::copy(&first, &name).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(&name)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    std::fs::remove_file(&first).unwrap();
    let made = health::backup_if_due(&store, &path, now).unwrap();
    assert!(made.is_some(), "the newest was days old");
    assert_eq!(health::backups(&path).len(), BACKUPS_KEPT);
    drop(store);

    // Damage the cache, then restore the newest backup.
    std::fs::write(&path, b"not a database at all, just junk bytes").unwrap();
    let newest = health::backups(&path)[0].clone();
    let aside = health::restore(&path, &newest, now).unwrap();
    assert!(aside.exists(), "the damaged file is kept aside");
    let back = Store::open(&path).unwrap();
    assert_eq!(back.headlines(&Scope::All, false).unwrap().len(), 50);
}

#[test]
fn check_backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    filled_cache(dir.path(), 20);
    let ok = common::cli::tidings(dir.path(), &["check"]);
    assert!(
        ok.contains("1 feeds, 20 articles") && ok.contains("integrity: ok"),
        "{ok}"
    );
    let backed = common::cli::tidings(dir.path(), &["check", "--backup"]);
    assert!(backed.starts_with("backed up to "), "{backed}");
    std::fs::write(dir.path().join("cache.db"), b"").unwrap();
    let refused = common::cli::tidings_output(dir.path(), &["list", "articles"]);
    assert!(!refused.status.success());
    let restored = common::cli::tidings(dir.path(), &["check", "--restore"]);
    assert!(restored.starts_with("restored "), "{restored}");
    let listed = common::cli::tidings(dir.path(), &["list", "articles"]);
    assert_eq!(listed.lines().count(), 20);
}

#[test]
fn a_command_waits_for_a_long_write_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = filled_cache(dir.path(), 5);
    // Another writer holds the cache for a while (as a refresh storing a huge feed would).
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; UPDATE feeds SET title = 'held';")
        .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(2500));
        holder.execute_batch("COMMIT;").unwrap();
    });
    let out = common::cli::tidings_output(dir.path(), &["add", "https://b.example/feed"]);
    release.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("waiting for the cache"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("added feed 2"));
}

#[test]
fn huge_feeds_are_stored_in_bounded_transactions_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let n = tidings::store::ITEMS_PER_TRANSACTION * 2 + 17;
    let path = filled_cache(dir.path(), n);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.scope_count(&Scope::All).unwrap(), n);
    assert_eq!(store.headlines(&Scope::All, false).unwrap().len(), n);
    assert_eq!(store.unread_total().unwrap(), n as i64);
}
