//! Notifications, end to end in a pseudo-terminal: a background refresh that brings new articles
//! runs the configured command (no shell) with the count and the feed's name as arguments.

mod common;

use std::time::{Duration, Instant};

use common::cli::Profile;
use common::pty::Tui;

#[test]
fn a_background_refresh_runs_the_notify_command_with_the_count_and_the_feed() {
    let profile = Profile::new();
    let feed = profile.write(
        "news.xml",
        r#"<rss version="2.0"><channel><title>Night News</title>
<item><guid>1</guid><title>One</title></item><item><guid>2</guid><title>Two</title></item>
</channel></rss>"#,
    );
    // Not refreshed yet: the reader's poller fetches it in the background at start.
    profile.ok(&["add", feed.to_str().unwrap()]);
    let out = profile.path().join("notified");
    let script = profile.write(
        "notify.sh",
        &format!("#!/bin/sh\nprintf '%s|' \"$@\" > '{}'\n", out.display()),
    );
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    profile.write(
        "config.toml",
        &format!(
            "notify_command = [\"{}\", \"--from-tidings\"]\n",
            script.display()
        ),
    );
    let mut tui = Tui::spawn(profile.path(), 100, 30);
    tui.wait_text("2 new articles");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !out.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = std::fs::read_to_string(&out).expect("the notify command ran");
    assert_eq!(got, "--from-tidings|2|Night News|");
    tui.send(b"q");
    tui.expect_clean_exit();
}
