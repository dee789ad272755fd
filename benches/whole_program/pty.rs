//! A program in a pseudo-terminal (portable-pty), its output fed into a `vt100::Parser` by a reader
//! thread that notes when each chunk arrived; waits are woken by new output, so the time a screen
//! state appeared is the arrival time of the chunk that completed it, not a polling tick.
//!
//! The program is started by the spawn helper (see `spawner`) with the terminal as its controlling
//! terminal, and reaped there with `wait4` for its rusage; dropping a `Pty` that still runs kills it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use portable_pty::{MasterPty, PtySize, native_pty_system};

use crate::spawner::{self, Reaped, Spawn};

pub const COLS: u16 = 160;
pub const ROWS: u16 = 48;

struct ScreenState {
    parser: vt100::Parser,
    /// When the latest chunk arrived.
    last_output: Instant,
    eof: bool,
}

type Shared = Arc<(Mutex<ScreenState>, Condvar)>;

pub struct Pty {
    name: String,
    shared: Shared,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
    pid: i32,
    reaped: bool,
}

/// The screen as text with row numbers, for error messages.
pub fn dump(screen: &vt100::Screen) -> String {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols)
        .enumerate()
        .map(|(i, row)| format!("{i:>3}|{}", row.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Pty {
    /// Starts `program args` in `cwd`, in a COLS×ROWS terminal with TERM=xterm-256color and `env`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[&str],
        cwd: &Path,
        env: &[(&str, &Path)],
    ) -> Result<Pty> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| anyhow!("cannot open a pty: {e}"))?;
        let tty = pair
            .master
            .tty_name()
            .with_context(|| format!("the pty for {name} has no device name"))?;
        let shared: Shared = Arc::new((
            Mutex::new(ScreenState {
                parser: vt100::Parser::new(ROWS, COLS, 0),
                last_output: Instant::now(),
                eof: false,
            }),
            Condvar::new(),
        ));
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| anyhow!("cannot read from the pty: {e}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| anyhow!("cannot write to the pty: {e}"))?;
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(_) => break, // EIO once the child has exited
                    };
                    let at = Instant::now();
                    let (lock, cv) = &*thread_shared;
                    let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
                    st.parser.process(&buf[..n]);
                    st.last_output = at;
                    cv.notify_all();
                }
                let (lock, cv) = &*thread_shared;
                lock.lock().unwrap_or_else(|e| e.into_inner()).eof = true;
                cv.notify_all();
            })
            .context("cannot start the pty reader thread")?;
        let mut env_set = vec![("TERM".to_string(), "xterm-256color".to_string())];
        env_set.extend(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.display().to_string())),
        );
        // Everything that can fail is done: from here on the child is always waited for.
        let pid = spawner::spawn(Spawn {
            program: program.display().to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: env_set,
            env_remove: vec!["TIDINGS_HOME".into(), "BROWSER".into()],
            cwd: Some(cwd.display().to_string()),
            tty: Some(tty.display().to_string()),
            ..Spawn::default()
        })
        .with_context(|| format!("cannot start {name} in a pty"))?;
        // The child has opened the terminal by now (the helper answers after exec); only it keeps
        // the terminal side open, so the reader sees end of file when it exits.
        drop(pair.slave);
        Ok(Pty {
            name: name.to_string(),
            shared,
            writer,
            _master: pair.master,
            pid,
            reaped: false,
        })
    }

    fn state(&self) -> MutexGuard<'_, ScreenState> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Types `bytes`; returns the moment the write finished.
    pub fn send(&mut self, bytes: &[u8]) -> Result<Instant> {
        self.writer
            .write_all(bytes)
            .and_then(|_| self.writer.flush())
            .with_context(|| format!("cannot type into {}'s terminal", self.name))?;
        Ok(Instant::now())
    }

    pub fn formatted(&self) -> Vec<u8> {
        self.state().parser.screen().contents_formatted()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.state().parser.screen())
    }

    /// Waits until `cond` holds for the screen; returns when the output that made it hold arrived.
    /// Fails after `timeout`, naming `what` and showing the last screen.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&vt100::Screen) -> bool,
    ) -> Result<Instant> {
        let start = Instant::now();
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if cond(st.parser.screen()) {
                return Ok(st.last_output);
            }
            let elapsed = start.elapsed();
            if elapsed >= timeout || st.eof {
                let why = if st.eof {
                    format!("{} exited", self.name)
                } else {
                    format!("timed out after {timeout:?}")
                };
                bail!(
                    "{}: {why} waiting for {what}\n--- last screen ---\n{}\n-------------------",
                    self.name,
                    dump(st.parser.screen())
                );
            }
            let (guard, _) = cv
                .wait_timeout(st, timeout - elapsed)
                .unwrap_or_else(|e| e.into_inner());
            st = guard;
        }
    }

    /// Waits until no output arrived for `quiet` (at most `timeout`).
    pub fn settle(&self, quiet: Duration, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            let since = self.state().last_output.elapsed();
            if since >= quiet {
                return;
            }
            std::thread::sleep(quiet - since);
        }
    }

    /// Reads `VmHWM` and `VmRSS` (KiB) from /proc/PID/status.
    pub fn memory_kib(&self) -> Result<(u64, u64)> {
        let path = format!("/proc/{}/status", self.pid);
        let status =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .with_context(|| format!("no {name} in {path}"))
        };
        Ok((field("VmHWM:")?, field("VmRSS:")?))
    }

    /// Types `keys` (e.g. `q`) and waits for the program to exit; returns its rusage. Fails (and
    /// kills it) when it has not exited within `timeout` or exited unsuccessfully.
    pub fn quit(&mut self, keys: &[u8], timeout: Duration) -> Result<Reaped> {
        self.send(keys)?;
        let what = format!("{} exiting after {keys:?}", self.name);
        let reaped = spawner::wait(self.pid, timeout, &what);
        // Waited for either way (killed on a timeout).
        self.reaped = true;
        let r =
            reaped.map_err(|e| e.context(format!("last screen:\n{}", self.with_screen(dump))))?;
        if !r.success() {
            bail!(
                "{} exited with {} after {keys:?}\n{}",
                self.name,
                r.describe(),
                self.with_screen(dump)
            );
        }
        Ok(r)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if !self.reaped {
            spawner::kill(self.pid);
            let _ = spawner::wait(self.pid, Duration::from_secs(30), &self.name);
        }
    }
}
