//! A cache from before the search index (its articles not indexed yet) is indexed in the
//! background when the reader starts: the status line says how far it is, the reader answers
//! meanwhile, and search finds the old articles once it is done.

mod common;

use std::fmt::Write as _;
use std::time::Duration;

use common::cli::Profile;
use common::pty::Tui;

#[test]
fn an_unindexed_cache_is_indexed_in_the_background_with_progress() {
    let profile = Profile::new();
    let mut rss = String::from("<rss version=\"2.0\"><channel><title>Old</title>");
    for i in 0..5000 {
        let _ = write!(
            rss,
            "<item><guid>g{i}</guid><title>Post {i}</title><description>word{i} zeppelin</description></item>"
        );
    }
    rss.push_str("</channel></rss>");
    let feed = profile.write("old.xml", &rss);
    profile.ok(&["add", feed.to_str().unwrap()]);
    profile.ok(&["refresh"]);
    // Make it look like a cache upgraded from before the index: nothing indexed, all of it behind.
    let conn = rusqlite::Connection::open(profile.path().join("cache.db")).unwrap();
    conn.execute_batch(
        "DELETE FROM articles_fts;
         INSERT OR REPLACE INTO meta (key, value)
             VALUES ('fts_backfill_below', (SELECT MAX(id) + 1 FROM articles));",
    )
    .unwrap();
    drop(conn);

    let mut tui = Tui::spawn(profile.path(), 120, 30);
    tui.wait_for(
        "progress in the status line",
        Duration::from_secs(20),
        |s| s.contains("Indexing for search") || s.contains("Search index complete"),
    );
    // The reader answers keys meanwhile.
    tui.send(b"j");
    tui.wait_for("the index to finish", Duration::from_secs(60), |s| {
        s.contains("Search index complete")
    });
    tui.send(b"q");
    tui.expect_clean_exit();
    let found = profile.ok(&["search", "zeppelin", "--limit", "10000"]);
    assert_eq!(found.lines().count(), 5000, "every old article is found");
}
