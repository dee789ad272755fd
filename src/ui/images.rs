//! Which image protocol the terminal gets (config `images`, `NO_COLOR`, `TERM=dumb`, and the
//! terminal's answer to a query made after the first frame), and pictures prepared for it off the
//! UI thread: scaled to their cells and encoded once per size.

use std::time::Duration;

use image::DynamicImage;
use ratatui::layout::Size;
use ratatui_image::Resize;
use ratatui_image::picker::{Picker, ProtocolType, cap_parser::QueryStdioOptions};
use ratatui_image::protocol::Protocol;

use crate::config::ImageMode;

/// How long the terminal has to answer the protocol query.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(800);

/// Pictures fetched, decoded and prepared at once (each holds its full-size decoded image, e.g.
/// 3 MB for 1200×800, while it is scaled): two keep both cores busy without an article's fifty
/// pictures all being in memory at full size together.
pub const PICTURE_JOBS: usize = 2;

/// What to do about images: nothing, ask the terminal, or use a protocol without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Off,
    /// Ask the terminal; `Some`: use this protocol whatever it says (its answer gives the font size).
    Query(Option<ProtocolType>),
    /// Half-blocks need no answer.
    Halfblocks,
}

/// The plan for `mode` with `NO_COLOR` (set and not empty) and `TERM` as given.
pub fn plan(mode: ImageMode, no_color: bool, term: Option<&str>) -> Plan {
    if no_color || term.is_some_and(|t| t == "dumb") {
        return Plan::Off;
    }
    match mode {
        ImageMode::Off => Plan::Off,
        ImageMode::Auto => Plan::Query(None),
        ImageMode::Halfblocks => Plan::Halfblocks,
        ImageMode::Sixel => Plan::Query(Some(ProtocolType::Sixel)),
        ImageMode::Kitty => Plan::Query(Some(ProtocolType::Kitty)),
        ImageMode::Iterm2 => Plan::Query(Some(ProtocolType::Iterm2)),
    }
}

/// The picker for a plan; the query writes to the terminal and reads its answer from stdin, so it
/// runs before the key reader starts (and after the first frame), at most [`QUERY_TIMEOUT`].
pub fn picker(plan: Plan) -> Option<Picker> {
    match plan {
        Plan::Off => None,
        Plan::Halfblocks => Some(Picker::halfblocks()),
        Plan::Query(forced) => {
            // The query's reader would wait for an answer for ever, taking the first keys typed,
            // in a terminal that never answers (a bare pty): only a terminal that answers is
            // queried.
            if !terminal_answers() {
                tracing::info!("the terminal does not answer queries: images in half-blocks");
                let mut picker = Picker::halfblocks();
                if let Some(forced) = forced {
                    picker.set_protocol_type(forced);
                }
                return Some(picker);
            }
            let options = QueryStdioOptions {
                timeout: QUERY_TIMEOUT,
                ..QueryStdioOptions::default()
            };
            let asked = std::time::Instant::now();
            let mut picker = match Picker::from_query_stdio_with_options(options) {
                Ok(p) => p,
                Err(e) => {
                    tracing::info!(error = %e, "the terminal did not say which images it shows");
                    Picker::halfblocks()
                }
            };
            // A query that was not answered in time comes back as half-blocks, not as an error.
            if asked.elapsed() >= QUERY_TIMEOUT {
                tracing::info!("the terminal did not answer the image query in time");
                release_query_reader();
            }
            if let Some(forced) = forced {
                picker.set_protocol_type(forced);
            }
            tracing::info!(protocol = ?picker.protocol_type(), "images");
            Some(picker)
        }
    }
}

/// The image scaled to fit `cols` × `rows` cells and encoded for the picker's protocol (slow: call
/// it off the UI thread).
pub fn prepare(
    picker: &Picker,
    image: DynamicImage,
    cols: u16,
    rows: u16,
) -> Result<Protocol, String> {
    picker
        .new_protocol(
            image,
            Size::new(cols, rows),
            Resize::Fit(Some(image::imageops::FilterType::Triangle)),
        )
        .map_err(|e| e.to_string())
}

/// After a query that timed out, ratatui-image's reader thread still waits on the terminal for
/// the answer, and would take the first key typed. Seen in tmux: the query goes through to the
/// outer terminal, and a detached session, or a terminal that ignores it, never replies. A status
/// report asked outside any passthrough, which tmux and terminals answer, ends that read: its
/// answer (`ESC [ 0 n`) is what the reader waits for. A moment's pause lets the reader take it
/// before the key reader starts.
fn release_query_reader() {
    use std::io::Write;
    let mut out = std::io::stdout();
    if out.write_all(b"\x1b[5n").and_then(|()| out.flush()).is_ok() {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether the terminal answers a primary device attributes query (`ESC [ c`, which terminal
/// emulators answer), asked through crossterm's event reader: keys typed meanwhile stay queued
/// for the key reader, and a terminal that never answers costs crossterm's timeout (2 s) once.
fn terminal_answers() -> bool {
    crossterm::terminal::supports_keyboard_enhancement().is_ok()
}
