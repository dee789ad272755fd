//! The real `tidings` binary in a pseudo-terminal ([`Tui`]): keys written to the PTY as a user would
//! type them, its output parsed by `vt100`, and functions that read that screen ([`panes`], [`pane`],
//! [`focused_title`], [`selected_in`], [`dump`]).
//!
//! Nothing here asserts on time: the waits poll the screen every [`POLL`] until what is expected shows
//! up, and panic with the screen when it does not within [`TIMEOUT`].
//!
//! The terminal can also play a real one's part in queries ([`Tui::spawn_answering`]): each
//! [`Answer`] is typed back by the reader thread the moment the program has written its query, so
//! within the program's query timeout however slow the test's own thread is.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// What a terminal answers to a query: once the program has written `query` (after the previous
/// answer's query), `reply` is typed into the terminal.
#[derive(Debug, Clone)]
pub struct Answer {
    pub query: Vec<u8>,
    pub reply: Vec<u8>,
}

impl Answer {
    pub fn new(query: &[u8], reply: &[u8]) -> Answer {
        Answer {
            query: query.to_vec(),
            reply: reply.to_vec(),
        }
    }
}

/// The pty's writing side, shared by the test (keys) and the reader thread (answers); `None` once
/// closed.
type SharedWriter = Arc<Mutex<Option<Box<dyn Write + Send>>>>;

/// The real binary running in a pseudo-terminal. Dropping it kills the process (if it still runs) and
/// ends the reader thread, so a failing test leaves nothing behind.
pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, unparsed.
    raw: Arc<Mutex<Vec<u8>>>,
    child: Box<dyn Child + Send + Sync>,
    writer: SharedWriter,
    /// How many of the [`Answer`]s were typed back so far.
    answered: Arc<AtomicUsize>,
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
        Tui::start(home, cols, rows, env, Vec::new())
    }

    /// [`Tui::spawn`] in a terminal that gives `answers`, in order, to the program's queries.
    /// Variables by which a program could recognise the terminal some other way (`TERM_PROGRAM`,
    /// `TMUX`, `KITTY_WINDOW_ID`, …) are removed, so only the answers tell.
    pub fn spawn_answering(home: &Path, cols: u16, rows: u16, answers: Vec<Answer>) -> Tui {
        Tui::start(home, cols, rows, &[], answers)
    }

    fn start(home: &Path, cols: u16, rows: u16, env: &[(&str, &str)], answers: Vec<Answer>) -> Tui {
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
        if !answers.is_empty() {
            for name in [
                "TERM_PROGRAM",
                "TMUX",
                "KITTY_WINDOW_ID",
                "WEZTERM_EXECUTABLE",
                "KONSOLE_VERSION",
                "LC_TERMINAL",
                "ITERM_SESSION_ID",
                "NO_COLOR",
            ] {
                cmd.env_remove(name);
            }
        }
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
        let writer: SharedWriter = Arc::new(Mutex::new(Some(
            pair.master.take_writer().expect("cannot write to the pty"),
        )));
        let answered = Arc::new(AtomicUsize::new(0));
        let (done_tx, reader_done) = mpsc::channel();
        let (thread_parser, thread_raw) = (Arc::clone(&parser), Arc::clone(&raw));
        let (thread_writer, thread_answered) = (Arc::clone(&writer), Arc::clone(&answered));
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                let mut answers = answers.into_iter().filter(|a| !a.query.is_empty());
                let mut next = answers.next();
                // Where the next answer's query is looked for in the raw output.
                let mut from = 0;
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut raw = thread_raw.lock().unwrap();
                            raw.extend_from_slice(&buf[..n]);
                            while let Some(answer) = &next {
                                let Some(at) = contains_bytes(&raw[from..], &answer.query) else {
                                    break;
                                };
                                from += at + answer.query.len();
                                if let Some(w) = thread_writer.lock().unwrap().as_mut() {
                                    let _ = w.write_all(&answer.reply).and_then(|()| w.flush());
                                }
                                thread_answered.fetch_add(1, Ordering::SeqCst);
                                next = answers.next();
                            }
                            drop(raw);
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
            writer,
            answered,
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
        let mut writer = self.writer.lock().unwrap();
        let writer = writer.as_mut().expect("the pty writer is closed");
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

    /// How many bytes the program wrote so far.
    pub fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    /// How many of the [`Answer`]s given to [`Tui::spawn_answering`] were typed back so far.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Waits until the raw output after byte `from` holds `needle`, within `timeout`; returns where
    /// it starts. Panics with the screen otherwise.
    pub fn wait_raw(&self, what: &str, from: usize, needle: &[u8], timeout: Duration) -> usize {
        let start = Instant::now();
        loop {
            let found = {
                let raw = self.raw.lock().unwrap();
                raw.get(from..)
                    .and_then(|tail| contains_bytes(tail, needle))
                    .map(|at| from + at)
            };
            if let Some(at) = found {
                return at;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what} in the program's output\n--- screen ---\n{}\n--------------",
                    self.dump()
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Closing the writer sends a newline and end-of-file; harmless now that the child is gone.
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if self.reader.is_some() {
            self.join_reader();
        }
        // If the reader is still blocked (it should not be), closing the master wakes it up.
        self.master.take();
    }
}
