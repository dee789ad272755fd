//! One reader per profile: the reader holds an advisory lock on `tidings.lock` in the data directory, a
//! second reader on the same profile is refused with a clear message, the lock goes away with its
//! holder however it dies, and the headless commands never take it (they work beside a running reader).
//!
//! Across processes, the lock is held either by this test binary started again as a helper (the
//! `lock_holder_process` test, which does nothing unless `TIDINGS_TEST_HOLD_LOCK` is set) or by the real
//! reader in a pseudo-terminal.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::cli::tidings;
use common::pty::{POLL, TIMEOUT, Tui};
use tidings::lock::{LOCK_FILE_NAME, LockError, ProfileLock};

const HOLD_ENV: &str = "TIDINGS_TEST_HOLD_LOCK";

const FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Beside The Reader</title><link>https://beside.example/</link>
<item><guid>one</guid><title>Written while the reader runs</title><link>https://beside.example/1</link>
<description>Hello.</description></item>
</channel></rss>"#;

fn already_running(pid: u32) -> String {
    format!("tidings is already running on this profile (pid {pid})")
}

// ---------------------------------------------------------------------------------------------------
// A lock holder in another process: this test binary, started again

/// The helper's body: with `TIDINGS_TEST_HOLD_LOCK=DIR`, takes the lock of DIR, says so on stdout and
/// holds it until its standard input closes. Without the variable (every ordinary run) it does nothing.
#[test]
fn lock_holder_process() {
    let Some(dir) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let lock = ProfileLock::acquire(Path::new(&dir)).expect("the helper takes the lock");
    println!("LOCKED {}", std::process::id());
    std::io::stdout().flush().unwrap();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(lock);
}

/// Another process holding the profile's lock.
struct Holder {
    child: std::process::Child,
}

impl Holder {
    fn start(dir: &Path) -> Holder {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["--exact", "lock_holder_process", "--nocapture"])
            .env(HOLD_ENV, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the lock holder");
        let stdout = child.stdout.take().unwrap();
        let expected = format!("LOCKED {}", child.id());
        let locked = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.trim() == expected);
        assert!(locked, "the helper process never took the lock");
        Holder { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no destructor, no unlock; only the operating system can release the lock.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL the holder");
        self.child.wait().expect("reap the holder");
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the lock of `dir` can be taken (the holder's exit may take a moment to be processed).
fn acquire_soon(dir: &Path) -> ProfileLock {
    let start = Instant::now();
    loop {
        match ProfileLock::acquire(dir) {
            Ok(lock) => return lock,
            Err(e) if start.elapsed() > TIMEOUT => {
                panic!("the lock was never released after its holder died: {e}")
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The tests

#[test]
fn second_instance_is_refused_with_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();

    // In one process: the second acquire fails and names this process.
    let first = ProfileLock::acquire(dir).expect("the first lock");
    assert!(first.is_held());
    assert_eq!(first.path(), dir.join(LOCK_FILE_NAME));
    let second = ProfileLock::acquire(dir).expect_err("a second lock on the same profile");
    assert!(
        matches!(second, LockError::AlreadyRunning { pid: Some(pid) } if pid == std::process::id()),
        "{second:?}"
    );
    assert_eq!(second.to_string(), already_running(std::process::id()));
    // Another profile is not affected.
    let other = tempfile::tempdir().unwrap();
    ProfileLock::acquire(other.path()).expect("another profile's lock");
    drop(first);
    drop(ProfileLock::acquire(dir).expect("the lock again once the first is dropped"));

    // Across processes: another process holds it; the message names that process.
    let holder = Holder::start(dir);
    let refused = ProfileLock::acquire(dir).expect_err("the lock is held by another process");
    assert_eq!(refused.to_string(), already_running(holder.pid()));
    drop(holder);

    // The real reader, while this process holds the lock: refused at once, with the message on its
    // terminal and a non-zero exit, before it takes the screen.
    let lock = acquire_soon(dir);
    let mut tui = Tui::spawn(dir, 120, 30);
    let status = tui.wait_exit();
    let screen = tui.contents();
    assert!(
        !status.success(),
        "a second reader must be refused; it exited with {status:?}\n{screen}"
    );
    assert!(
        screen.contains(&already_running(std::process::id())),
        "the refusal should say {:?}; the terminal shows:\n{screen}",
        already_running(std::process::id())
    );
    drop(lock);
}

#[test]
fn lock_is_released_when_the_holder_dies() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();

    // A holder killed with SIGKILL: nothing of it runs its destructors.
    let holder = Holder::start(dir);
    let pid = holder.pid();
    assert_eq!(
        ProfileLock::acquire(dir).unwrap_err().to_string(),
        already_running(pid)
    );
    holder.kill();
    drop(acquire_soon(dir));

    // The real reader holds the lock while it runs, and loses it when killed.
    let mut tui = Tui::spawn(dir, 120, 30);
    tui.wait_text("Welcome to tidings");
    match ProfileLock::acquire(dir) {
        Err(e) => assert_eq!(e.to_string(), already_running(tui.pid())),
        Ok(_) => panic!("the running reader does not hold the profile lock"),
    }
    tui.sigkill();
    drop(acquire_soon(dir));

    // And a new reader starts on the same profile.
    let mut again = Tui::spawn(dir, 120, 30);
    again.wait_text("Welcome to tidings");
    assert!(again.is_running());
    again.send(b"\x03");
    assert!(again.wait_exit().success(), "Ctrl-C quits cleanly");
}

#[test]
fn cli_commands_work_beside_a_running_reader() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let feed = dir.join("beside.xml");
    std::fs::write(&feed, FEED).unwrap();
    let feed = feed.to_str().unwrap();

    // While the lock is held (here by this process), every headless command works.
    {
        let _lock = ProfileLock::acquire(dir).expect("the lock");
        let added = tidings(dir, &["add", feed, "--tag", "beside"]);
        assert!(added.starts_with("added feed"), "{added}");
        let feeds = tidings(dir, &["list", "feeds", "--json"]);
        assert!(
            feeds.contains("Beside") || feeds.contains("beside.xml"),
            "{feeds}"
        );
        let refreshed = tidings(dir, &["refresh"]);
        assert!(refreshed.contains("1 new articles"), "{refreshed}");
        let articles = tidings(dir, &["list", "articles", "--json"]);
        assert!(
            articles.contains("Written while the reader runs"),
            "{articles}"
        );
        tidings(dir, &["export"]);
    }

    // Beside the real reader: adding, refreshing and listing work while it runs, and it keeps running.
    let mut tui = Tui::spawn(dir, 120, 30);
    tui.wait_text("Beside The Reader");
    let second = dir.join("second.xml");
    std::fs::write(
        &second,
        FEED.replace("Beside The Reader", "Second Paper")
            .replace("<guid>one</guid>", "<guid>two</guid>"),
    )
    .unwrap();
    let added = tidings(dir, &["add", second.to_str().unwrap()]);
    assert!(added.starts_with("added feed"), "{added}");
    let refreshed = tidings(dir, &["refresh"]);
    assert!(refreshed.contains("0 failed"), "{refreshed}");
    let feeds = tidings(dir, &["list", "feeds", "--json"]);
    assert!(feeds.contains("Second Paper"), "{feeds}");
    assert_eq!(
        tidings(dir, &["list", "articles", "--json"])
            .lines()
            .filter(|l| l.contains("Written while the reader runs"))
            .count(),
        2
    );
    assert!(
        tui.is_running(),
        "the reader still runs\n{}",
        tui.contents()
    );
    tui.send(b"\x03");
    assert!(tui.wait_exit().success(), "the reader quits cleanly");
}
