//! The browser setting in the real program: `%u` puts the URL inside an argument, and a terminal
//! browser (`browser_in_terminal = true`) gets the terminal in the foreground (its prompt is on the
//! screen and it reads the keys), then the reader takes the screen back.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::cli::{fixture, tidings};
use common::pty::Tui;

#[test]
fn browser_arguments_take_the_url_at_the_placeholder() {
    use tidings::ui::browser::browser_argv;
    assert_eq!(
        browser_argv(
            "https://x.example/a b",
            Some("/opt/browser.sh --new-tab %u")
        )
        .unwrap(),
        ["/opt/browser.sh", "--new-tab", "https://x.example/a%20b"]
    );
    assert_eq!(
        browser_argv("https://x.example/", Some("open --url=%u")).unwrap(),
        ["open", "--url=https://x.example/"]
    );
    assert_eq!(
        browser_argv("https://x.example/", Some("firefox")).unwrap(),
        ["firefox", "https://x.example/"]
    );
    // The placeholder never lets a refused link through.
    assert!(browser_argv("file:///etc/passwd", Some("b %u")).is_err());
}

#[test]
fn a_terminal_browser_gets_the_terminal_and_the_reader_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let feed = fixture("e2e/local.xml");
    tidings(home.path(), &["add", feed.to_str().unwrap()]);
    tidings(home.path(), &["refresh"]);
    // A "terminal browser": shows the URL, waits for a line on its stdin, leaves a trace.
    let script = home.path().join("termbrowser.sh");
    let trace = home.path().join("browsed.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf 'TERMBROWSER %s\\n' \"$1\"\nread answer\nprintf '%s %s' \"$1\" \"$answer\" > '{}'\n",
            trace.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "browser = \"{} %u\"\nbrowser_in_terminal = true\n",
            script.display()
        ),
    )
    .unwrap();

    let mut tui = Tui::spawn(home.path(), 120, 30);
    tui.wait_text("Copper Lantern Guide");
    tui.select("Feeds", "E2E Local Gazette");
    tui.send(b"\r");
    tui.select("E2E Local Gazette", "Copper Lantern Guide");
    tui.send(b"o");
    tui.wait_text("TERMBROWSER https://");
    tui.send(b"done\r");
    // The reader draws again.
    tui.wait_text("Copper Lantern Guide");
    tui.wait_text("Feeds");
    let browsed = std::fs::read_to_string(&trace).expect("the browser ran");
    assert!(browsed.starts_with("https://"), "{browsed}");
    assert!(
        browsed.ends_with(" done"),
        "the browser read the keys: {browsed}"
    );
    tui.send(b"q");
    tui.send(b"q");
    tui.expect_clean_exit();
}
