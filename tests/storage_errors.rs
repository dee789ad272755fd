//! When the cache cannot be written (a read-only data directory, a full disk), commands fail with a
//! clear message and nothing already stored is lost.
//!
//! Both tests need the operating system to refuse writes:
//! - read-only: when this runs as root (which ignores permissions), the commands under test run as the
//!   unprivileged user 65534 on a profile chowned to it, so that permissions hold; when even that
//!   cannot be arranged, the test prints that it was skipped.
//! - disk full: a real, small file system (tmpfs) filled up, mounted in a private mount namespace
//!   (`unshare -m` as root, `unshare -rm` in a user namespace otherwise) so that nothing outside the
//!   test sees it; where that is not allowed, the test prints that it was skipped. Nothing is faked: the
//!   errors are the kernel's ENOSPC.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_tidings");
const NOBODY: u32 = 65534;

/// An RSS document with `items` items (guids `{prefix}{n}`), each body about `body_bytes` long.
fn feed(title: &str, prefix: &str, items: usize, body_bytes: usize) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://storage.example/</link>\n"
    );
    for n in 0..items {
        let mut body = format!("&lt;p&gt;Story {prefix}{n}.&lt;/p&gt;");
        let mut p = 0;
        while body.len() < body_bytes {
            body.push_str(&format!(
                "&lt;p&gt;Paragraph {p} of {prefix}{n}: the quick brown fox jumps over the lazy dog.&lt;/p&gt;"
            ));
            p += 1;
        }
        xml.push_str(&format!(
            "<item><guid>{prefix}{n}</guid><title>Story {prefix}{n}</title>\
             <link>https://storage.example/{prefix}{n}</link><description>{body}</description></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `tidings --home HOME ARGS…`, as `user` (uid, gid) when given.
fn tidings_as(user: Option<u32>, home: &Path, args: &[&str]) -> Output {
    tidings_bin_as(Path::new(BIN), user, home, args)
}

/// [`tidings_as`] with the binary at `bin`.
fn tidings_bin_as(bin: &Path, user: Option<u32>, home: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.arg("--home")
        .arg(home)
        .args(args)
        .env_remove("TIDINGS_HOME")
        .env_remove("TIDINGS_LOG")
        .env("RUST_BACKTRACE", "0")
        .current_dir("/")
        .stdin(Stdio::null());
    if let Some(id) = user {
        cmd.uid(id).gid(id);
    }
    cmd.output().expect("run tidings")
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = tidings_as(None, home, args);
    assert!(
        out.status.success(),
        "`tidings {}` failed: {}{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn integrity(cache: &Path) -> String {
    let conn = Connection::open(cache).expect("open the cache");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

fn chown_tree(path: &Path, id: u32) {
    std::os::unix::fs::chown(path, Some(id), Some(id)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), id);
        }
    }
}

/// Whether user `id` can run the binary at `bin`.
fn can_run(bin: &Path, id: u32) -> bool {
    Command::new(bin)
        .arg("--version")
        .uid(id)
        .gid(id)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A failing command's stderr: exactly one line, `tidings: …`, mentioning one of `words`.
fn assert_one_clear_line(what: &str, out: &Output, words: &[&str]) {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "{what} should fail; it succeeded: {}",
        text(&out.stdout)
    );
    assert_ne!(
        out.status.code(),
        Some(101),
        "{what} panicked instead of reporting the problem:\n{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: one line expected on stderr, got:\n{stderr}"
    );
    let lower = lines[0].to_lowercase();
    assert!(
        lines[0].starts_with("tidings: ") && words.iter().any(|w| lower.contains(w)),
        "{what}: the message should name the problem ({words:?}): {:?}",
        lines[0]
    );
}

/// Makes a directory writable again when dropped.
struct RestoreMode(std::path::PathBuf);

impl Drop for RestoreMode {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn read_only_data_directory_gives_a_clear_error() {
    let feeds = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let feed_path = feeds.path().join("stored.xml");
    std::fs::write(&feed_path, feed("Stored Paper", "s", 5, 500)).unwrap();
    set_mode(feeds.path(), 0o755);
    set_mode(&feed_path, 0o644);
    ok(home, &["add", feed_path.to_str().unwrap()]);
    assert!(ok(home, &["refresh"]).contains("5 new articles"));
    let stored = ok(home, &["list", "articles", "--json"]);
    assert_eq!(stored.lines().count(), 5);
    // New articles for the refresh to (fail to) store.
    std::fs::write(&feed_path, feed("Stored Paper", "t", 5, 500)).unwrap();

    // Root ignores permissions: run the commands as an ordinary user who owns the profile, which is
    // what a user with a read-only data directory has.
    let as_root = std::fs::metadata(home).unwrap().uid() == 0;
    let user = as_root.then_some(NOBODY);
    if as_root {
        chown_tree(home, NOBODY);
    }
    set_mode(home, 0o555);
    // Writable again at the end, however the test ends, so that the directory can be removed.
    let _restore = RestoreMode(home.to_path_buf());
    let probe = {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "touch \"$0/probe\" 2>/dev/null",
            home.to_str().unwrap(),
        ]);
        if let Some(id) = user {
            cmd.uid(id).gid(id);
        }
        cmd.status()
    };
    if !matches!(probe, Ok(s) if !s.success()) {
        println!(
            "skipped: running as root (permissions are not enforced and no unprivileged user is available)"
        );
        return;
    }

    // The unprivileged user may not be able to reach the build directory (a checkout under /root):
    // then it runs a link to (or copy of) the binary in a directory it can read.
    let bin = match user {
        Some(id) if !can_run(Path::new(BIN), id) => {
            let local = feeds.path().join("tidings");
            if std::fs::hard_link(BIN, &local).is_err() {
                std::fs::copy(BIN, &local).expect("copy the tidings binary");
            }
            set_mode(&local, 0o755);
            if !can_run(&local, id) {
                println!("skipped: user {id} cannot run the tidings binary");
                return;
            }
            local
        }
        _ => Path::new(BIN).to_path_buf(),
    };
    let tidings_as =
        |user: Option<u32>, home: &Path, args: &[&str]| tidings_bin_as(&bin, user, home, args);

    let words = ["read-only", "readonly", "permission"];
    let check_refused = |phase: &str| {
        let out = tidings_as(user, home, &["refresh"]);
        assert_one_clear_line(&format!("{phase}: `tidings refresh`"), &out, &words);
        println!("{phase}: refresh: {}", text(&out.stderr).trim());
        let out = tidings_as(user, home, &["add", "https://storage.example/new.xml"]);
        assert_one_clear_line(&format!("{phase}: `tidings add`"), &out, &words);
        println!("{phase}: add: {}", text(&out.stderr).trim());
        let out = tidings_as(user, home, &["list", "articles", "--json"]);
        // Reported, not asserted: reading from a read-only directory is not required yet.
        println!(
            "{phase}: list articles while read-only: exit {:?}, {} rows{}",
            out.status.code(),
            text(&out.stdout).lines().count(),
            if out.status.success() {
                String::new()
            } else {
                format!(", stderr: {}", text(&out.stderr).trim())
            }
        );
    };

    // As the brief has it: the profile was used, so its log file exists.
    check_refused("with the log file");

    // A data directory made read-only before the log was ever written (or after it was removed).
    set_mode(home, 0o755);
    std::fs::remove_file(home.join("tidings.log")).unwrap();
    set_mode(home, 0o555);
    check_refused("without the log file");

    // Nothing stored was lost: once the directory is writable again, the same articles are there.
    set_mode(home, 0o755);
    let after = text(&tidings_as(user, home, &["list", "articles", "--json"]).stdout);
    assert_eq!(after, stored, "the stored articles are unchanged");
    assert_eq!(integrity(&home.join("cache.db")), "ok");
    let refreshed = text(&tidings_as(user, home, &["refresh"]).stdout);
    assert!(
        refreshed.contains("5 new articles"),
        "a refresh works again once the directory is writable: {refreshed}"
    );
}

/// Runs inside a private mount namespace: mounts a 4 MiB tmpfs on `$home` (room for 300 articles with
/// their search index once the fillers are gone), stores a feed there, fills
/// the file system (all but `$free` KiB, then completely), and records what each command did in `$out`.
const DISK_FULL_SCRIPT: &str = r#"
set -u
bin=$1; feeds=$2; out=$3; home=$out/mnt
if ! mount -t tmpfs -o size=4m tidings-test-full "$home" 2> "$out/mount.err"; then
    echo MOUNT_FAILED; exit 0
fi
run() { name=$1; shift; "$bin" --home "$home" "$@" > "$out/$name.out" 2> "$out/$name.err"; echo $? > "$out/$name.rc"; }
cp "$feeds/v1.xml" "$feeds/feed.xml"
run add add "$feeds/feed.xml"
run refresh1 refresh
run before list articles --json
cp "$feeds/v2.xml" "$feeds/feed.xml"
dd if=/dev/zero of="$home/filler" bs=4096 2> /dev/null
truncate -s "-$4K" "$home/filler"
df -k "$home" > "$out/df_nearly.txt"
run nearly refresh
run nearly_list list articles --json
dd if=/dev/zero of="$home/filler2" bs=4096 2> /dev/null
df -k "$home" > "$out/df_full.txt"
run full refresh
run full_add add https://storage.example/later.xml
run full_list list articles --json
mkdir "$out/snapshot"
cp "$home"/cache.db* "$out/snapshot/"
rm "$home/filler" "$home/filler2"
run after_list list articles --json
run refresh2 refresh
run final_list list articles --json
echo DONE
"#;

#[test]
fn disk_full_loses_nothing_already_stored() {
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(
        feeds.path().join("v1.xml"),
        feed("Full Disk Daily", "a", 20, 1000),
    )
    .unwrap();
    // Far more than fits in what is left: about 1.5 MiB of new articles.
    std::fs::write(
        feeds.path().join("v2.xml"),
        feed("Full Disk Daily", "b", 300, 5000),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join("mnt")).unwrap();
    let as_root = std::fs::metadata(out.path()).unwrap().uid() == 0;
    let free_kib = "64";
    let result = Command::new("unshare")
        .args(if as_root {
            ["-m"].as_slice()
        } else {
            ["-r", "-m"].as_slice()
        })
        .args(["sh", "-c", DISK_FULL_SCRIPT, "sh", BIN])
        .arg(feeds.path())
        .arg(out.path())
        .arg(free_kib)
        .env_remove("TIDINGS_HOME")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output();
    let output = match result {
        Ok(o) => o,
        Err(e) => {
            println!("skipped: cannot run unshare to mount a small file system ({e})");
            return;
        }
    };
    let stdout = text(&output.stdout);
    if !output.status.success() || stdout.contains("MOUNT_FAILED") {
        let why = std::fs::read_to_string(out.path().join("mount.err")).unwrap_or_default();
        println!(
            "skipped: cannot mount a small file system in a private mount namespace here ({}{})",
            text(&output.stderr).trim(),
            why.trim()
        );
        return;
    }
    assert!(
        stdout.contains("DONE"),
        "the script did not finish: {stdout}{}",
        text(&output.stderr)
    );

    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    let rc = |name: &str| {
        read(&format!("{name}.rc"))
            .trim()
            .parse::<i32>()
            .unwrap_or(-1)
    };
    let report = |name: &str| {
        format!(
            "`{name}` exit {}; stdout: {}; stderr: {}",
            rc(name),
            read(&format!("{name}.out")).trim(),
            read(&format!("{name}.err")).trim()
        )
    };
    for name in ["add", "refresh1", "before"] {
        assert_eq!(rc(name), 0, "{}", report(name));
    }
    let stored = read("before.out");
    assert_eq!(stored.lines().count(), 20, "{stored}");
    println!("nearly full:\n{}", read("df_nearly.txt"));
    println!("full:\n{}", read("df_full.txt"));
    for name in ["nearly", "nearly_list", "full", "full_add", "full_list"] {
        println!("{}", report(name));
    }

    // Nearly full: the refresh gets far enough to run out of room inside its transaction; it fails,
    // says the disk is full, and the articles stored before are all still listed.
    assert_ne!(
        rc("nearly"),
        0,
        "a refresh that cannot store must fail: {}",
        report("nearly")
    );
    assert_ne!(rc("nearly"), 101, "panicked: {}", report("nearly"));
    assert!(
        read("nearly.err").contains("disk is full"),
        "the refresh should say the disk is full: {}",
        report("nearly")
    );
    assert_eq!(rc("nearly_list"), 0, "{}", report("nearly_list"));
    assert_eq!(
        read("nearly_list.out"),
        stored,
        "listing on a nearly full disk"
    );
    // Completely full: SQLite cannot even map its shared-memory file, so every command fails at
    // open (reading included); each must fail cleanly, with one line and no panic.
    for name in ["full", "full_add"] {
        assert_ne!(rc(name), 0, "{}", report(name));
        assert_ne!(rc(name), 101, "panicked: {}", report(name));
        assert_eq!(
            read(&format!("{name}.err")).lines().count(),
            1,
            "one line: {}",
            report(name)
        );
    }

    // Nothing stored was lost: the file left behind is sound and holds exactly what was there.
    let snapshot = out.path().join("snapshot/cache.db");
    assert_eq!(
        integrity(&snapshot),
        "ok",
        "the cache after the failed writes"
    );
    assert_eq!(rc("after_list"), 0, "{}", report("after_list"));
    assert_eq!(
        read("after_list.out"),
        stored,
        "the stored articles, once there is room again"
    );

    // And with room again, the refresh stores the new articles.
    assert_eq!(rc("refresh2"), 0, "{}", report("refresh2"));
    assert!(
        read("refresh2.out").contains("300 new articles"),
        "{}",
        report("refresh2")
    );
    assert_eq!(read("final_list.out").lines().count(), 320);
}
