//! The built `tidings` binary run as an ordinary process (no terminal) on a profile given with
//! `--home`, a temporary [`Profile`] to run it on, and the files under `tests/fixtures`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test, built by Cargo for the integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_tidings");

/// The file `tests/fixtures/REL`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// `tidings --home HOME ARGS…`, ready to run: in HOME, with no standard input and without the
/// `TIDINGS_HOME` and `BROWSER` of the environment the tests run in.
pub fn command(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--home")
        .arg(home)
        .args(args)
        .env_remove("TIDINGS_HOME")
        .env_remove("BROWSER")
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

/// Runs `tidings --home HOME ARGS…` (see [`command`]) to the end; returns what it did, whatever it was.
pub fn tidings_output(home: &Path, args: &[&str]) -> Output {
    command(home, args).output().expect("cannot run tidings")
}

/// Runs `tidings --home HOME ARGS…`; panics with its output unless it succeeds. Returns stdout, which
/// must be UTF-8.
pub fn tidings(home: &Path, args: &[&str]) -> String {
    let output = tidings_output(home, args);
    assert!(
        output.status.success(),
        "`tidings {}` failed ({}):\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// A fresh profile in a temporary directory (removed when dropped), for running the binary on.
pub struct Profile {
    pub dir: tempfile::TempDir,
}

impl Profile {
    pub fn new() -> Profile {
        Profile {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The profile's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `tidings ARGS…` on this profile, whatever the outcome.
    pub fn run(&self, args: &[&str]) -> Output {
        tidings_output(self.path(), args)
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        tidings(self.path(), args)
    }

    /// Runs and expects success; stdout as one JSON object per line.
    pub fn json_lines(&self, args: &[&str]) -> Vec<serde_json::Value> {
        self.ok(args)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    /// Writes `text` to the file `name` in the profile's directory; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}
