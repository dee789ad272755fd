//! The real `tidings` binary in a pseudo-terminal ([`Tui`]): keys written to the PTY as a user would
//! type them, its output parsed by `vt100`, and functions that read that screen ([`panes`], [`pane`],
//! [`focused_title`], [`selected_in`], [`dump`]).
//!
//! Nothing here asserts on time: the waits poll the screen every [`POLL`] until what is expected shows
//! up, and panic with the screen when it does not within [`TIMEOUT`].

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

use super::cli::BIN;

/// How long any expected screen state or process exit may take to show up.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the screen is looked at while waiting.
pub const POLL: Duration = Duration::from_millis(50);

/// One pane of the screen, found from the corners of its border on the top row.
#[derive(Debug, Clone)]
pub struct PaneInfo {
    /// The border title, e.g. "Feeds", "All articles (7)", "Article 100%".
    pub title: String,
    /// Columns of the left and right border.
    pub left: u16,
    pub right: u16,
    /// The focused pane has a thick border.
    pub focused: bool,
}

/// The panes on screen, left to right.
pub fn panes(screen: &vt100::Screen) -> Vec<PaneInfo> {
    let (_, cols) = screen.size();
    let cell = |col: u16| {
        screen
            .cell(0, col)
            .map(|c| c.contents().to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut col = 0;
    while col < cols {
        let corner = cell(col);
        if corner == "┌" || corner == "┏" {
            let focused = corner == "┏";
            let closing = if focused { "┓" } else { "┐" };
            let Some(right) = (col + 1..cols).find(|&c| cell(c) == closing) else {
                break;
            };
            let title: String = (col + 1..right).map(cell).collect();
            let title = title
                .trim_matches(|c: char| c == '─' || c == '━' || c.is_whitespace())
                .to_string();
            out.push(PaneInfo {
                title,
                left: col,
                right,
                focused,
            });
            col = right + 1;
        } else {
            col += 1;
        }
    }
    out
}

/// The pane whose title starts with `prefix`.
pub fn pane(screen: &vt100::Screen, prefix: &str) -> Option<PaneInfo> {
    panes(screen)
        .into_iter()
        .find(|p| p.title.starts_with(prefix))
}

/// The title of the focused pane.
pub fn focused_title(screen: &vt100::Screen) -> Option<String> {
    panes(screen)
        .into_iter()
        .find(|p| p.focused)
        .map(|p| p.title)
}

/// The text of the selected (reverse-video) row inside the pane whose title starts with `prefix`.
pub fn selected_in(screen: &vt100::Screen, prefix: &str) -> Option<String> {
    let p = pane(screen, prefix)?;
    let (rows, _) = screen.size();
    // Row 0 is the top border; the last two rows are the bottom border and the status line.
    (1..rows.saturating_sub(2)).find_map(|row| {
        let cells: Vec<&vt100::Cell> = (p.left + 1..p.right)
            .filter_map(|col| screen.cell(row, col))
            .collect();
        let inverse = cells.iter().filter(|c| c.inverse()).count();
        (inverse > 1).then(|| {
            let text: String = cells.iter().map(|c| c.contents()).collect();
            text.trim().to_string()
        })
    })
}

/// The screen as text with row numbers, for failure messages.
pub fn dump(screen: &vt100::Screen) -> String {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols)
        .enumerate()
        .map(|(i, row)| format!("{i:>3}|{row}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `needle` first occurs in `haystack`, if it does.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The real binary running in a pseudo-terminal. Dropping it kills the process (if it still runs) and
/// ends the reader thread, so a failing test leaves nothing behind.
pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, unparsed.
    raw: Arc<Mutex<Vec<u8>>>,
    child: Box<dyn Child + Send + Sync>,
    writer: Option<Box<dyn Write + Send>>,
    master: Option<Box<dyn MasterPty + Send>>,
    reader: Option<JoinHandle<()>>,
    /// Signalled when the reader thread ends (the PTY reported end of file or an error).
    reader_done: mpsc::Receiver<()>,
    status: Option<ExitStatus>,
}

impl Tui {
    /// Starts `tidings --home HOME` in a `cols`×`rows` terminal.
    pub fn spawn(home: &Path, cols: u16, rows: u16) -> Tui {
        Tui::spawn_with_env(home, cols, rows, &[])
    }

    /// [`Tui::spawn`] with `env` (name, value) set in the program's environment as well.
    pub fn spawn_with_env(home: &Path, cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot open a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--home");
        cmd.arg(home);
        cmd.cwd(home);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("BROWSER");
        cmd.env_remove("TIDINGS_HOME");
        for (name, value) in env {
            cmd.env(name, value);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("cannot start tidings in the pty");
        // Only the child may hold the terminal side open, so that the reader sees end of file when
        // the child exits.
        drop(pair.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair
            .master
            .try_clone_reader()
            .expect("cannot read from the pty");
        let writer = pair.master.take_writer().expect("cannot write to the pty");
        let (done_tx, reader_done) = mpsc::channel();
        let (thread_parser, thread_raw) = (Arc::clone(&parser), Arc::clone(&raw));
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            thread_raw.lock().unwrap().extend_from_slice(&buf[..n]);
                            thread_parser.lock().unwrap().process(&buf[..n]);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // EIO once the child has exited and closed the terminal.
                        Err(_) => break,
                    }
                }
                let _ = done_tx.send(());
            })
            .expect("cannot start the pty reader thread");
        Tui {
            parser,
            raw,
            child,
            writer: Some(writer),
            master: Some(pair.master),
            reader: Some(reader),
            reader_done,
            status: None,
        }
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the reader's pid")
    }

    /// Types `bytes` into the terminal.
    pub fn send(&mut self, bytes: &[u8]) {
        let writer = self.writer.as_mut().expect("the pty writer is closed");
        writer.write_all(bytes).expect("cannot write to the pty");
        writer.flush().expect("cannot flush the pty");
    }

    /// Runs `f` on the current screen.
    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        let parser = self.parser.lock().unwrap();
        f(parser.screen())
    }

    /// The text on screen now.
    pub fn contents(&self) -> String {
        self.with_screen(|s| s.contents())
    }

    /// The screen with row numbers, for failure messages.
    pub fn dump(&self) -> String {
        self.with_screen(dump)
    }

    /// Waits until `cond` holds for the screen, within `timeout`; panics with the screen otherwise.
    pub fn wait_for_screen(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&vt100::Screen) -> bool,
    ) {
        let start = Instant::now();
        loop {
            if self.with_screen(&cond) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for: {what}\n--- screen ---\n{}\n--------------",
                    self.dump()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `cond` holds for the screen's text, within `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&str) -> bool) {
        self.wait_for_screen(what, timeout, |s| cond(&s.contents()));
    }

    /// Waits until `text` is on screen.
    pub fn wait_text(&self, text: &str) {
        self.wait_for(&format!("{text:?} on screen"), TIMEOUT, |s| {
            s.contains(text)
        });
    }

    /// Waits until the focused pane's title starts with `prefix`.
    pub fn wait_focus(&self, prefix: &str) {
        self.wait_for_screen(
            &format!("the focused pane to be {prefix:?}"),
            TIMEOUT,
            |s| focused_title(s).is_some_and(|t| t.starts_with(prefix)),
        );
    }

    /// Presses `j` in the pane titled `pane_prefix` until its selected row contains `needle`,
    /// watching the selection move after each press.
    pub fn select(&mut self, pane_prefix: &str, needle: &str) {
        for _ in 0..30 {
            let current = self.with_screen(|s| selected_in(s, pane_prefix));
            let Some(current) = current else {
                panic!(
                    "no selected row in the {pane_prefix:?} pane\n{}",
                    self.dump()
                );
            };
            if current.contains(needle) {
                return;
            }
            self.send(b"j");
            self.wait_for_screen(
                &format!("the selection in {pane_prefix:?} to move past {current:?} (looking for {needle:?})"),
                TIMEOUT,
                |s| selected_in(s, pane_prefix).is_some_and(|now| now != current),
            );
        }
        panic!(
            "{needle:?} never got selected in {pane_prefix:?}\n{}",
            self.dump()
        );
    }

    /// Whether the program still runs.
    pub fn is_running(&mut self) -> bool {
        if self.status.is_some() {
            return false;
        }
        let status = self.child.try_wait().expect("cannot poll the child");
        status.is_none()
    }

    /// Waits for the process to exit and for the reader to drain the terminal.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        let status = loop {
            match self.child.try_wait().expect("cannot poll the child") {
                Some(status) => break status,
                None if start.elapsed() > TIMEOUT => {
                    panic!("tidings did not exit within {TIMEOUT:?}\n{}", self.dump())
                }
                None => std::thread::sleep(POLL),
            }
        };
        self.status = Some(status.clone());
        self.join_reader();
        status
    }

    /// Waits for the process to exit and asserts it exited successfully.
    pub fn expect_clean_exit(&mut self) {
        let status = self.wait_exit();
        assert!(
            status.success(),
            "tidings exited with {status:?}\n{}",
            self.dump()
        );
    }

    /// SIGKILL (portable-pty's own `kill` sends SIGHUP first, which the program may handle), then
    /// waits for the exit.
    pub fn sigkill(&mut self) {
        let pid = self.pid();
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -KILL {pid} failed");
        self.wait_exit();
    }

    /// Waits (boundedly) for the reader thread to see end of file, then joins it.
    fn join_reader(&mut self) {
        if self.reader_done.recv_timeout(TIMEOUT).is_ok()
            && let Some(handle) = self.reader.take()
        {
            let _ = handle.join();
        }
    }

    /// Resizes the terminal (the program gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master()
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot resize the pty");
    }

    /// The controlling side of the terminal (e.g. to read its settings).
    pub fn master(&self) -> &dyn MasterPty {
        self.master.as_deref().expect("the pty is closed")
    }

    /// Every byte the program wrote so far, unparsed.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Closing the writer sends a newline and end-of-file; harmless now that the child is gone.
        self.writer.take();
        if self.reader.is_some() {
            self.join_reader();
        }
        // If the reader is still blocked (it should not be), closing the master wakes it up.
        self.master.take();
    }
}
