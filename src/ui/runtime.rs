//! The small runtime around [`App`]: sets up the terminal, draws, and turns the app's commands into
//! session calls whose results come back as messages. Cache work runs in order on one task (a write
//! lands before the reload that follows it); network work (probing a URL to add) and the browser run
//! as tasks of their own. The UI thread never waits on any of them.
//!
//! The first frame is drawn complete: the feed list and the first headlines are read before it, and
//! the HTTP client and the poller start only after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{FixedOffset, Offset};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use super::app::{App, Command, Done, DownloadOp, HEADLINE_WINDOW, Msg, ProbeView};
use super::theme::{self, Theme};
use super::{browser, views};
use crate::paths::Profile;
use crate::session::article::ArticleDoc;
use crate::session::db::Lane;
use crate::session::refresh::{self, PollerCommand};
use crate::session::subscriptions::{Probe, ProbedFeed};
use crate::session::{Session, SessionError};

/// Runs the TUI until the user quits.
pub fn run(profile: &Profile, session: Session) -> anyhow::Result<()> {
    // One reader per profile, held until the runtime has shut down; the CLI commands work beside it
    // (SQLite WAL and a busy timeout) and never take it.
    let _lock = crate::lock::ProfileLock::acquire(&profile.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let session = Arc::new(session);
    let result = runtime.block_on(run_async(Arc::clone(&session)));
    // Every write queued before quitting lands; a refresh cut short is rolled back by SQLite.
    session.close();
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn run_async(session: Arc<Session>) -> anyhow::Result<()> {
    session.ensure_first_run()?;
    let tz: FixedOffset = chrono::Local::now().offset().fix();
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    let (poller_tx, poller_rx) = mpsc::unbounded_channel();
    let exec = Arc::new(Executor {
        session: Arc::clone(&session),
        msgs: msg_tx.clone(),
        tz,
        probes: Mutex::new(HashMap::new()),
        probe_task: Mutex::new(None),
        latest_search: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        next_token: Mutex::new(0),
        picker: std::sync::OnceLock::new(),
        picture_slots: tokio::sync::Semaphore::new(super::images::PICTURE_JOBS),
    });

    // From here on the terminal is ours; ratatui's panic hook restores it before a panic is printed.
    let mut terminal = ratatui::init();
    // Mouse reporting, switched off again on every way out (see `MouseCapture`); its panic hook
    // goes before the one for background tasks, so only a panic of the reader itself turns it off.
    let mouse = MouseCapture::start(session.config().mouse);
    crate::logging::contain_background_panics();
    let size = terminal.size().unwrap_or_default();
    let mut app = App::new(Rect::new(0, 0, size.width, size.height), tz);
    app.theme = Theme::from_config(
        session.config(),
        theme::no_color(std::env::var_os("NO_COLOR").as_deref()),
    );
    app.keymap = super::keymap::Keymap::new(&session.config().keys);
    app.pipe_command = session.config().pipe_command.clone();
    app.notify = session.config().notify_bell || session.config().notify_command.is_some();
    app.macros = session
        .config()
        .macros
        .iter()
        .filter_map(|(key, names)| {
            let key = key.chars().next()?;
            let actions = names
                .iter()
                .filter_map(|n| super::keymap::Action::from_name(n))
                .collect();
            Some((key, actions))
        })
        .collect();
    if session.syncer().is_some_and(|s| !s.can_subscribe()) {
        app.cannot_subscribe = Some(
            "This Fever account cannot subscribe through its API: add feeds on the server, then R"
                .into(),
        );
    }
    // What other processes change from here on is noticed against this (the first check comes
    // after the image query, which can take a moment, and must not take its changes as the start).
    if let Ok(version) = session.db().read(|s| s.data_version()).await {
        app.update(Msg::CacheVersion(version));
    }
    // The first frame is the full one: the feed list and the first headlines, read before drawing.
    for command in app.init() {
        if let Some(msg) = exec.store_command(command).await {
            let _ = app.update(msg);
        }
    }
    if let Err(e) = terminal.draw(|frame| views::draw(frame, &app)) {
        mouse.pause();
        ratatui::restore();
        return Err(e.into());
    }

    // The daily backup, on a connection and a thread of its own.
    {
        let session = Arc::clone(&session);
        tokio::task::spawn_blocking(move || match session.backup_if_due() {
            Ok(Some(path)) => tracing::info!(backup = %path.display(), "cache backed up"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot back up the cache"),
        });
    }
    // Articles stored before the search index existed are indexed in the background, a batch at a
    // time behind what the user does.
    // The status line says how far it is (search works meanwhile, on what is indexed).
    {
        let session = Arc::clone(&session);
        let msgs = msg_tx.clone();
        tokio::spawn(async move {
            let mut said = false;
            loop {
                match session.index_backlog().await {
                    Ok(0) => {
                        if said {
                            let _ = msgs.send(Msg::Notice("Search index complete".into()));
                        }
                        break;
                    }
                    Ok(left) => {
                        tracing::debug!(left, "indexing for search");
                        said = true;
                        let _ = msgs.send(Msg::Notice(format!(
                            "Indexing for search: {left} articles left"
                        )));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot index the cache for search");
                        break;
                    }
                }
            }
        });
    }
    // Only now the HTTP client (its TLS roots) and the poller.
    let (update_tx, mut update_rx) = mpsc::channel(256);
    // The download worker: what `D` or a feed's auto-download queued downloads in the background
    // (a part file is kept at exit, and the next start resumes it).
    let download_task = {
        let session = Arc::clone(&session);
        let msgs = msg_tx.clone();
        tokio::spawn(async move {
            match session.downloader() {
                Ok(downloader) => {
                    let (tx, mut rx) = mpsc::channel(64);
                    let worker = downloader.spawn(tx);
                    while let Some(event) = rx.recv().await {
                        let _ = msgs.send(Msg::Download(event));
                    }
                    let _ = worker.await;
                }
                Err(e) => tracing::warn!(error = %e, "no download worker"),
            }
        })
    };
    let poller_task = {
        let session = Arc::clone(&session);
        let msgs = msg_tx.clone();
        tokio::spawn(async move {
            if let Err(e) = session.apply_config_filters().await {
                tracing::warn!(error = %e, "cannot set the filters of config.toml");
            }
            match session.refresher() {
                Ok(refresher) => {
                    let _ = match session.syncer() {
                        Some(syncer) => {
                            crate::session::sync::spawn_with(
                                syncer, refresher, update_tx, poller_rx,
                            )
                            .await
                        }
                        None => refresh::spawn_with(refresher, update_tx, poller_rx).await,
                    };
                }
                Err(e) => {
                    let _ = msgs.send(Msg::Failed(format!("cannot refresh feeds: {e}")));
                }
            }
        })
    };
    let (store_tx, mut store_rx) = mpsc::unbounded_channel::<Command>();
    let store_task = {
        let exec = Arc::clone(&exec);
        tokio::spawn(async move {
            while let Some(command) = store_rx.recv().await {
                if let Some(msg) = exec.store_command(command).await {
                    let _ = exec.msgs.send(msg);
                }
            }
        })
    };
    // A terminal browser waits here until the loop can hand it the terminal.
    let in_terminal = session.config().browser_in_terminal;
    let terminal_browser: std::cell::RefCell<Option<String>> = std::cell::RefCell::new(None);
    // Text for the pager, which takes the terminal the same way.
    let pager_text: std::cell::RefCell<Option<String>> = std::cell::RefCell::new(None);
    let dispatch = |command: Command| match command {
        Command::Refresh(ids) => {
            let _ = poller_tx.send(PollerCommand::Refresh(ids));
        }
        Command::RefreshAll => {
            let _ = poller_tx.send(PollerCommand::RefreshAll);
        }
        Command::FetchFullText(id) => {
            let _ = poller_tx.send(PollerCommand::FullText(id));
        }
        Command::OpenUrl(url) if in_terminal => *terminal_browser.borrow_mut() = Some(url),
        Command::Page(text) => *pager_text.borrow_mut() = Some(text),
        Command::OpenUrl(url) => exec.open_url(url),
        Command::Copy(text) => copy_to_clipboard(&text),
        Command::Notify { count, feeds } => notify(Arc::clone(&session), count, feeds),
        Command::Search {
            query,
            scope,
            generation,
        } => Arc::clone(&exec).search(query, scope, generation),
        Command::FetchLinkPage { url, width } => Arc::clone(&exec).fetch_link_page(url, width),
        Command::LoadImage { key, feed_id } => Arc::clone(&exec).load_image(key, feed_id),
        Command::Probe { url } => Arc::clone(&exec).probe(url),
        Command::CancelProbe => exec.cancel_probe(),
        Command::SaveArticle { doc, full } => Arc::clone(&exec).save_article(*doc, full),
        Command::PipeArticle { doc, full, command } => {
            Arc::clone(&exec).pipe_article(*doc, full, command)
        }
        other => {
            let _ = store_tx.send(other);
        }
    };

    // Images: the terminal is asked which protocol it speaks now, after the first frame and before
    // the key reader starts (the answer comes on stdin), for at most a moment.
    let plan = super::images::plan(
        session.config().images,
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("TERM").ok().as_deref(),
    );
    if plan != super::images::Plan::Off {
        let picker = tokio::task::spawn_blocking(move || super::images::picker(plan))
            .await
            .ok()
            .flatten();
        if let Some(picker) = picker {
            let cell = picker.font_size();
            app.image_cell = (cell.width, cell.height);
            let _ = exec.picker.set(picker);
            app.images_on = true;
        }
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let result: anyhow::Result<()> = loop {
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
                Some(Ok(Event::Resize(w, h))) => Some(Msg::Resize(w, h)),
                Some(Ok(Event::Mouse(event))) => Some(Msg::Mouse(event)),
                Some(Ok(_)) => None,
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            Some(update) = update_rx.recv() => Some(Msg::Poller(update)),
            Some(msg) = msg_rx.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick),
        };
        // Pictures are asked for after the frame that shows the text around them: text first.
        let mut after_frame = Vec::new();
        if let Some(msg) = msg {
            for command in app.update(msg) {
                if matches!(command, Command::LoadImage { .. }) {
                    after_frame.push(command);
                } else {
                    dispatch(command);
                }
            }
        }
        if app.quit {
            break Ok(());
        }
        let job = match (
            terminal_browser.borrow_mut().take(),
            pager_text.borrow_mut().take(),
        ) {
            (Some(url), _) => Some(TerminalJob::Browse(url)),
            (None, Some(text)) => Some(TerminalJob::Page(text)),
            (None, None) => None,
        };
        if let Some(job) = job {
            // The browser or the pager gets the terminal: no drawing and no key reading until it
            // exits.
            mouse.pause();
            ratatui::restore();
            drop(events);
            let browser = session.config().browser.clone();
            tracing::debug!("a program in the terminal starts");
            let ran = tokio::task::spawn_blocking(move || match job {
                TerminalJob::Browse(url) => {
                    browser::run_in_terminal(&url, browser.as_deref()).map_err(|e| e.to_string())
                }
                TerminalJob::Page(text) => super::pager::page(&text),
            })
            .await;
            tracing::debug!(?ran, "terminal browser ended");
            // Take the terminal back as ratatui::init would, but keep the same Terminal (a new one
            // would ask the terminal for the cursor position, which races with the key reader).
            if let Err(e) = crossterm::terminal::enable_raw_mode().and_then(|()| {
                crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
            }) {
                break Err(e.into());
            }
            mouse.resume();
            events = EventStream::new();
            app.redraw = true;
            match ran {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    app.update(Msg::Failed(e));
                }
                Err(_) => {
                    app.update(Msg::Failed("the program could not be waited for".into()));
                }
            }
        }
        if std::mem::take(&mut app.redraw)
            && let Err(e) = full_redraw(&mut terminal)
        {
            break Err(e.into());
        }
        if let Err(e) = terminal.draw(|frame| views::draw(frame, &app)) {
            break Err(e.into());
        }
        for command in after_frame {
            dispatch(command);
        }
    };
    mouse.pause();
    ratatui::restore();
    exec.cancel_probe();
    drop(store_tx);
    // Writes queued before quitting run to the end.
    let _ = store_task.await;
    poller_task.abort();
    download_task.abort();
    result
}

/// Mouse reporting (`mouse = true`): on from the start, off whenever the reader hands the terminal
/// back: before a terminal browser runs, at the end, on an error (when dropped) and on a panic (a
/// panic hook, run before ratatui's own restores the terminal).
struct MouseCapture {
    on: bool,
}

impl MouseCapture {
    fn start(on: bool) -> MouseCapture {
        if on {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let _ =
                    crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
                previous(info);
            }));
        }
        let capture = MouseCapture { on };
        capture.resume();
        capture
    }

    /// Reporting off (the terminal is handed over or given back).
    fn pause(&self) {
        if self.on {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
    }

    /// Reporting on again.
    fn resume(&self) {
        if self.on {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
        }
    }
}

impl Drop for MouseCapture {
    fn drop(&mut self) {
        self.pause();
    }
}

/// Clears the screen and forgets what ratatui believes is on it, so the next frame is drawn whole.
/// (`Terminal::clear` would ask the terminal for the cursor position, an answer the key reader may
/// take first.)
fn full_redraw(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    crossterm::execute!(
        terminal.backend_mut(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    terminal.current_buffer_mut().reset();
    terminal.swap_buffers();
    Ok(())
}

/// Puts `text` on the clipboard with the terminal's OSC 52 sequence (works over ssh and in tmux with
/// `set-clipboard on`). The text is a link already cleaned of control characters, and base64 leaves
/// nothing in it that the terminal could read as a command.
/// A background refresh brought new articles: the bell (between two frames, on the terminal the
/// reader draws on), and the configured command, started off the UI thread with the count and the
/// feeds' names as arguments (no shell; its output is dropped; stopped after 30 s).
fn notify(session: Arc<Session>, count: usize, feeds: Vec<i64>) {
    if session.config().notify_bell {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
    let Some(argv) = session
        .config()
        .notify_command
        .clone()
        .filter(|c| !c.is_empty())
    else {
        return;
    };
    tokio::spawn(async move {
        // The feeds' names as stored now (a feed new in this refresh has just got its title).
        let names: Vec<String> = session
            .db()
            .read(move |s| {
                let all = s.feed_summaries()?;
                Ok(feeds
                    .iter()
                    .filter_map(|id| all.iter().find(|f| f.id == *id))
                    .map(|f| crate::text::clean_line(&f.title))
                    .collect())
            })
            .await
            .unwrap_or_default();
        let program = argv[0].clone();
        let mut command = tokio::process::Command::new(&program);
        command
            .args(&argv[1..])
            .arg(count.to_string())
            .args(names)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        match command.spawn() {
            Ok(mut child) => {
                match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
                    Ok(Ok(status)) if !status.success() => {
                        tracing::warn!(%program, %status, "the notify command failed");
                    }
                    Ok(_) => {}
                    Err(_) => tracing::warn!(%program, "the notify command ran too long: stopped"),
                }
            }
            Err(e) => tracing::warn!(%program, error = %e, "cannot run the notify command"),
        }
    });
}

/// What takes the terminal while the reader steps aside.
enum TerminalJob {
    Browse(String),
    Page(String),
}

fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let clean = crate::text::clean_line(text);
    let sequence = format!("\x1b]52;c;{}\x07", base64(clean.as_bytes()));
    let mut out = std::io::stdout();
    let _ = out
        .write_all(sequence.as_bytes())
        .and_then(|()| out.flush());
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Saved and piped articles are laid out this many columns wide.
const EXPORT_WIDTH: u16 = 80;

/// Runs commands against the session and turns their results into messages.
struct Executor {
    session: Arc<Session>,
    msgs: mpsc::UnboundedSender<Msg>,
    tz: FixedOffset,
    /// Feeds fetched by the add dialog, waiting for the user to add them.
    probes: Mutex<HashMap<u64, ProbedFeed>>,
    probe_task: Mutex<Option<tokio::task::AbortHandle>>,
    /// The latest search asked for; a queued older one is skipped.
    latest_search: Arc<std::sync::atomic::AtomicU64>,
    next_token: Mutex<u64>,
    /// How images are drawn; unset while images are off.
    picker: std::sync::OnceLock<ratatui_image::picker::Picker>,
    /// Pictures fetched, decoded and prepared at the same time (an article asks for all of its
    /// pictures at once; each holds a full-size decoded image while it is prepared).
    picture_slots: tokio::sync::Semaphore,
}

/// Errors as the status line and dialogs show them.
fn shown(e: impl std::fmt::Display) -> String {
    crate::text::clean_line(&e.to_string())
}

impl Executor {
    /// Cache work, in order. Returns the message to send back, if any.
    async fn store_command(&self, command: Command) -> Option<Msg> {
        match self.store_result(command).await {
            Ok(msg) => msg,
            Err(e) => {
                tracing::error!(error = %e, "cache command failed");
                Some(Msg::Failed(shown(e)))
            }
        }
    }

    /// `D`: the article's first enclosure that is not an image goes into the download queue.
    async fn queue_download(&self, article_id: i64) -> Result<String, String> {
        let article = self
            .session
            .db()
            .read(move |s| s.article(article_id))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("The article is no longer in the cache")?;
        let index = article
            .enclosures
            .iter()
            .position(|e| !e.mime.as_deref().is_some_and(|m| m.starts_with("image/")))
            .ok_or("This article has no enclosure to download")?;
        let downloader = self.session.downloader().map_err(|e| e.to_string())?;
        downloader
            .queue_enclosure(article_id, index)
            .await
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "Queued {} for download (W shows the queue)",
            crate::text::clean_line(&article.title)
        ))
    }

    /// The queue read again for the downloads view, after a change to it.
    async fn send_download_rows(&self) {
        if let Ok(d) = self.session.downloader()
            && let Ok(rows) = d.rows().await
        {
            let _ = self.msgs.send(Msg::DownloadsLoaded(rows));
        }
    }

    async fn download_op(&self, id: i64, op: DownloadOp) -> Result<(), String> {
        let d = self.session.downloader().map_err(|e| e.to_string())?;
        let result = match op {
            DownloadOp::Pause => d.pause(id).await,
            DownloadOp::Resume => d.resume(id).await,
            DownloadOp::Cancel => d.cancel(id).await,
            DownloadOp::Delete => d.delete(id).await,
            DownloadOp::Play => {
                let player = self.session.config().player.clone();
                match d.play(id, player.as_deref()).await {
                    // Reaped on a thread of its own; the reader never waits for the player.
                    Ok(mut child) => {
                        std::thread::spawn(move || {
                            let _ = child.wait();
                        });
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(|e| e.to_string())
    }

    async fn store_result(&self, command: Command) -> Result<Option<Msg>, SessionError> {
        let db = self.session.db();
        let subs = self.session.subscriptions();
        Ok(match command {
            Command::LoadFeeds => {
                let feeds = db
                    .read(|s| {
                        Ok(Msg::FeedsLoaded {
                            feeds: s.feed_summaries()?,
                            unread_total: s.unread_total()?,
                            starred_total: s.starred_total()?,
                        })
                    })
                    .await?;
                // Saved searches count with the index: after the feeds, on its own.
                let (db, msgs) = (db.clone(), self.msgs.clone());
                tokio::spawn(async move {
                    let loaded = db
                        .read(|s| {
                            Ok((
                                Msg::SearchesLoaded {
                                    searches: s.saved_searches()?,
                                    hidden_total: s.hidden_total()?,
                                },
                                Msg::ViewsLoaded(s.list_views()?),
                            ))
                        })
                        .await;
                    match loaded {
                        Ok((searches, views)) => {
                            let _ = msgs.send(views);
                            let _ = msgs.send(searches);
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot count the saved searches"),
                    }
                });
                Some(feeds)
            }
            Command::LoadHeadlines { scope, start } => {
                let asked = scope.clone();
                Some(
                    match db
                        .read(move |s| s.headline_window(&scope, start, HEADLINE_WINDOW))
                        .await
                    {
                        Ok(window) => Msg::HeadlinesLoaded {
                            scope: asked,
                            window,
                        },
                        Err(e) => {
                            tracing::error!(error = %e, "cannot read the headlines");
                            Msg::HeadlinesFailed {
                                scope: asked,
                                error: shown(e),
                            }
                        }
                    },
                )
            }
            Command::FindUnread {
                scope,
                from,
                forward,
            } => Some(
                db.read(move |s| {
                    Ok(match s.unread_position(&scope, from, forward)? {
                        Some(index) => Msg::UnreadFound {
                            window: s.headline_window(
                                &scope,
                                index.saturating_sub(HEADLINE_WINDOW / 2),
                                HEADLINE_WINDOW,
                            )?,
                            scope,
                            index,
                        },
                        None if forward => Msg::Notice("No more unread articles below".into()),
                        None => Msg::Notice("No unread articles above".into()),
                    })
                })
                .await?,
            ),
            Command::LoadArticle { id, width, full } => {
                let tz = self.tz;
                let article = db.read(move |s| s.article(id)).await?;
                Some(match article {
                    // Rendering is CPU work: off the async threads.
                    Some(article) => tokio::task::spawn_blocking(move || {
                        Msg::ArticleLoaded(Box::new(ArticleDoc::build(&article, width, tz, full)))
                    })
                    .await
                    .unwrap_or_else(|_| Msg::Failed("This article could not be laid out".into())),
                    None => Msg::Failed("That article is no longer in the cache".into()),
                })
            }
            Command::SetRead { id, read } => {
                db.write(Lane::Interactive, move |s| s.set_read(id, read))
                    .await?;
                None
            }
            Command::SetStarred { id, starred } => {
                db.write(Lane::Interactive, move |s| s.set_starred(id, starred))
                    .await?;
                None
            }
            Command::MarkRead(scope) => {
                let ids = db
                    .write(Lane::Interactive, move |s| {
                        s.mark_scope_read_returning(&scope)
                    })
                    .await?;
                Some(Msg::MarkedRead(ids))
            }
            Command::MarkUnread(ids) => {
                db.write(Lane::Interactive, move |s| s.mark_unread(&ids))
                    .await?;
                None
            }
            Command::SetFeedFullText { feed_id, on } => {
                db.write(Lane::Interactive, move |s| s.set_full_text(feed_id, on))
                    .await?;
                None
            }
            Command::QueueDownload(article_id) => {
                let said = self.queue_download(article_id).await;
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::LoadDownloads => match self.session.downloader() {
                Ok(d) => match d.rows().await {
                    Ok(rows) => Some(Msg::DownloadsLoaded(rows)),
                    Err(e) => Some(Msg::Done(Done::Changed(Err(e.to_string())))),
                },
                Err(e) => Some(Msg::Done(Done::Changed(Err(e.to_string())))),
            },
            Command::Download { id, op } => {
                let said = self.download_op(id, op).await;
                // The view reads the queue again after any change.
                self.send_download_rows().await;
                said.err().map(|e| Msg::Done(Done::Changed(Err(e))))
            }
            Command::RetryDownloads => {
                let said = match self.session.downloader() {
                    Ok(d) => match d.retry_failed().await {
                        Ok(n) => Ok(format!("{n} downloads queued again")),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                };
                self.send_download_rows().await;
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::SetListView { scope, view } => {
                let said = match db
                    .write(crate::session::db::Lane::Interactive, move |s| {
                        s.set_list_view(&scope, view)
                    })
                    .await
                {
                    Ok(()) => Ok(format!(
                        "{}, {}",
                        if view.unread_only {
                            "Unread articles only"
                        } else {
                            "All articles"
                        },
                        view.order.name()
                    )),
                    Err(e) => Err(e.to_string()),
                };
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::CopyArticleLink(id) => {
                match db
                    .read(move |s| Ok(s.article(id)?.and_then(|a| a.link)))
                    .await?
                {
                    None => Some(Msg::Notice("This article has no link".into())),
                    Some(url) => Some(Msg::LinkToCopy(url)),
                }
            }
            Command::OpenArticleLink(id) => {
                match db
                    .read(move |s| Ok(s.article(id)?.and_then(|a| a.link)))
                    .await?
                {
                    None => Some(Msg::Notice("This article has no link".into())),
                    Some(url) => Some(Msg::LinkFound(url)),
                }
            }
            Command::AddProbed { token, sub } => {
                let probed = self
                    .probes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&token);
                let result = match probed {
                    Some(feed) => {
                        let title = sub.title.clone().unwrap_or_else(|| feed.title.clone());
                        subs.add_probed(feed, sub)
                            .await
                            .map(|id| (id, title))
                            .map_err(shown)
                    }
                    None => Err("The fetched feed is gone; fetch it again".to_string()),
                };
                Some(Msg::Done(Done::Added(result)))
            }
            Command::EditFeed { id, edit } => Some(Msg::Done(Done::Edited(
                subs.edit(id, edit).await.map_err(shown),
            ))),
            Command::SaveSearch { name, query } => {
                let said = match self.session.save_search(&name, &query).await {
                    Ok(_) => Ok(format!(
                        "Saved the search {}",
                        crate::text::clean_line(&name)
                    )),
                    Err(e) => Err(e.to_string()),
                };
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::RemoveSavedSearch(query) => {
                let names: Vec<String> = self
                    .session
                    .saved_searches()
                    .await
                    .map(|list| {
                        list.into_iter()
                            .filter(|s| s.query == query)
                            .map(|s| s.id.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut removed = false;
                for id in names {
                    removed |= self.session.remove_saved_search(&id).await.unwrap_or(false);
                }
                Some(Msg::Done(Done::Changed(if removed {
                    Ok("Removed the saved search".into())
                } else {
                    Err("That saved search is gone already".into())
                })))
            }
            Command::AddFilter { query } => {
                let said = match self
                    .session
                    .add_filter(&query, crate::store::FilterAction::Hide, true)
                    .await
                {
                    Ok((id, n)) => Ok(format!(
                        "Filter {id} hides {n} articles, and what it matches from now on \
                         (Hidden lists them; `tidings filter remove {id}` undoes it)"
                    )),
                    Err(e) => Err(e.to_string()),
                };
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::Unhide(id) => {
                let said = match db
                    .write(crate::session::db::Lane::Interactive, move |s| s.unhide(id))
                    .await
                {
                    Ok(true) => Ok("Shown again (its filter stays)".into()),
                    Ok(false) => Err("That article is not hidden".into()),
                    Err(e) => Err(e.to_string()),
                };
                Some(Msg::Done(Done::Changed(said)))
            }
            Command::RenameTag { from, to } => Some(Msg::Done(Done::TagRenamed(
                subs.rename_tag(&from, &to).await.map_err(shown),
            ))),
            Command::RemoveFeed { id, keep_starred } => Some(Msg::Done(Done::Removed(
                subs.remove(id, keep_starred).await.map_err(shown),
            ))),
            Command::CheckForChanges => {
                Some(Msg::CacheVersion(db.read(|s| s.data_version()).await?))
            }
            Command::LoadDetails(id) => Some(Msg::Done(Done::Details(
                subs.details(id).await.map_err(shown),
            ))),
            Command::Import { path } => Some(Msg::Done(Done::Imported(
                subs.import(std::path::Path::new(&path), false)
                    .await
                    .map_err(shown),
            ))),
            Command::Refresh(_)
            | Command::RefreshAll
            | Command::FetchFullText(_)
            | Command::OpenUrl(_)
            | Command::Copy(_)
            | Command::FetchLinkPage { .. }
            | Command::LoadImage { .. }
            | Command::Search { .. }
            | Command::OpenFound(_)
            | Command::Probe { .. }
            | Command::CancelProbe
            | Command::SaveArticle { .. }
            | Command::PipeArticle { .. }
            | Command::PipeTo(_)
            | Command::Page(_)
            | Command::Notify { .. } => None,
        })
    }

    /// Fetches a URL for the add dialog on a task of its own; a new probe or Esc cancels it.
    fn probe(self: Arc<Self>, url: String) {
        self.cancel_probe();
        let me = Arc::clone(&self);
        let task = tokio::spawn(async move {
            let result = me.session.subscriptions().probe(&url).await;
            let view = match result {
                Ok(Probe::Feed(feed)) => {
                    let token = {
                        let mut next = me.next_token.lock().unwrap_or_else(|e| e.into_inner());
                        *next += 1;
                        *next
                    };
                    let view = ProbeView::Feed {
                        token,
                        url: feed.url.clone(),
                        title: feed.title.clone(),
                        articles: feed.articles,
                    };
                    let mut probes = me.probes.lock().unwrap_or_else(|e| e.into_inner());
                    // Only the latest probe waits to be added.
                    probes.clear();
                    probes.insert(token, *feed);
                    Ok(view)
                }
                Ok(Probe::Page(links)) => Ok(ProbeView::Page(links)),
                Err(e) => Err(shown(e)),
            };
            let _ = me.msgs.send(Msg::Done(Done::Probed(view)));
        });
        *self.probe_task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
    }

    /// An article image: from the image cache or downloaded (the feed's reach, the caps), decoded,
    /// then scaled and encoded for its cells; the result comes back as [`Msg::ImageReady`].
    fn load_image(self: Arc<Self>, key: super::app::PictureKey, feed_id: i64) {
        tokio::spawn(async move {
            let picture = match self.picture(&key, feed_id).await {
                Ok(p) => super::app::Picture::Ready(Arc::new(p)),
                Err(e) => super::app::Picture::Failed(shown(e)),
            };
            let _ = self.msgs.send(Msg::ImageReady { key, picture });
        });
    }

    async fn picture(
        &self,
        key: &super::app::PictureKey,
        feed_id: i64,
    ) -> Result<ratatui_image::protocol::Protocol, String> {
        let picker = self.picker.get().cloned().ok_or("images are off")?;
        // Held until the picture is prepared: a few full-size images in memory at a time, not
        // one per picture of the article. The queue is fair, so pictures come in article order.
        let _slot = self.picture_slots.acquire().await.map_err(shown)?;
        let store = self.session.images().ok_or("no image cache")?;
        let fetcher = self.session.refresher().map_err(shown)?.fetcher().clone();
        let reach = refresh::reach_for_links(self.session.db(), feed_id).await;
        let image = store.load(&fetcher, &key.url, reach).await.map_err(shown)?;
        let (cols, rows) = (key.cols, key.rows);
        tokio::task::spawn_blocking(move || super::images::prepare(&picker, image, cols, rows))
            .await
            .map_err(shown)?
    }

    fn cancel_probe(&self) {
        if let Some(task) = self
            .probe_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }

    /// Runs a search on the cache's reader; while the user types, only the latest one runs.
    fn search(self: Arc<Self>, query: String, scope: crate::store::Scope, generation: u64) {
        use std::sync::atomic::Ordering;
        self.latest_search.store(generation, Ordering::Relaxed);
        tokio::spawn(async move {
            // No pause for the next key: the search waits in the reader's queue, and one that a newer
            // key made stale by the time its turn comes is skipped there. A burst of typing thus
            // runs the search in progress and then the newest one.
            let latest = Arc::clone(&self.latest_search);
            let wanted = move || latest.load(Ordering::Relaxed) == generation;
            let results = match self
                .session
                .search_if(&query, scope, super::popups::SEARCH_LIMIT, wanted)
                .await
            {
                Ok(None) => return,
                Ok(Some(found)) => Ok(found),
                Err(e) => Err(shown(e)),
            };
            let _ = self.msgs.send(Msg::Done(Done::Found {
                generation,
                results,
            }));
        });
    }

    /// Fetches a linked page (public addresses only: the link came from a feed), extracts its article
    /// and shows it in the article pane, without storing it.
    fn fetch_link_page(self: Arc<Self>, url: String, width: u16) {
        tokio::spawn(async move {
            let msg = match self.linked_page(&url, width).await {
                Ok(doc) => Msg::ArticleLoaded(Box::new(doc)),
                Err(e) => Msg::Failed(format!("Cannot read {}: {}", shown(&url), shown(e))),
            };
            let _ = self.msgs.send(msg);
        });
    }

    async fn linked_page(&self, url: &str, width: u16) -> Result<ArticleDoc, SessionError> {
        let refresher = self.session.refresher()?;
        let html = refresher
            .fetcher()
            .fetch_page(url, crate::feed::fetch::Reach::PublicOnly)
            .await?;
        let (url, tz) = (url.to_string(), self.tz);
        tokio::task::spawn_blocking(move || {
            let page = crate::text::extract::extract(&html, Some(&url));
            let article = crate::store::Article {
                id: super::app::LINKED_PAGE,
                feed_id: super::app::LINKED_PAGE,
                feed_title: "a linked page (not kept)".into(),
                title: page.title.unwrap_or_else(|| url.clone()),
                author: None,
                link: Some(url),
                published: None,
                updated: None,
                content: Some(page.content_html),
                summary: None,
                full_content: None,
                full_error: None,
                read: true,
                starred: false,
                enclosures: Vec::new(),
            };
            ArticleDoc::build(&article, width.max(20), tz, false)
        })
        .await
        .map_err(|_| SessionError::TaskPanicked)
    }

    /// The article laid out for a file or a command: a stored one anew at [`EXPORT_WIDTH`]
    /// columns (the pane's width is the screen's business), a linked page (not stored) as shown.
    async fn export_doc(&self, mut shown: ArticleDoc, full: bool) -> ArticleDoc {
        // Without the rows kept for pictures.
        shown.set_image_rows(0);
        if shown.id == super::app::LINKED_PAGE {
            return shown;
        }
        let id = shown.id;
        let tz = self.tz;
        match self.session.db().read(move |s| s.article(id)).await {
            Ok(Some(article)) => tokio::task::spawn_blocking(move || {
                ArticleDoc::build(&article, EXPORT_WIDTH, tz, full)
            })
            .await
            .unwrap_or(shown),
            _ => shown,
        }
    }

    /// `S`: writes the article into the save folder on a blocking thread; says where, or why not.
    fn save_article(self: Arc<Self>, shown: ArticleDoc, full: bool) {
        tokio::spawn(async move {
            let doc = self.export_doc(shown, full).await;
            let config = self.session.config();
            let (dir, format) = (config.save_folder(), config.save_format);
            let msg = tokio::task::spawn_blocking(move || {
                match super::export::save(&dir, &doc, format) {
                    Ok(path) => Msg::Exported(Ok(format!("Saved {}", path.display()))),
                    Err(e) => Msg::Exported(Err(format!("Cannot save in {}: {e}", dir.display()))),
                }
            })
            .await
            .unwrap_or_else(|_| Msg::Exported(Err("The article could not be saved".into())));
            let _ = self.msgs.send(msg);
        });
    }

    /// `|`: runs the command on a blocking thread with the article's text as its input; its first
    /// line of output (or why it failed) comes back for the status line.
    fn pipe_article(self: Arc<Self>, shown: ArticleDoc, full: bool, command: String) {
        tokio::spawn(async move {
            let doc = self.export_doc(shown, full).await;
            let msg = tokio::task::spawn_blocking(move || {
                let text = super::export::plain_text(&doc);
                let ran = super::export::pipe_argv(&command).and_then(|argv| {
                    super::export::run_pipe(&argv, &text, super::export::PIPE_TIMEOUT)
                });
                Msg::Exported(ran)
            })
            .await
            .unwrap_or_else(|_| Msg::Exported(Err("The command could not be waited for".into())));
            let _ = self.msgs.send(msg);
        });
    }

    /// Starts the browser off the async threads; the outcome comes back as a message.
    fn open_url(&self, url: String) {
        let browser = self.session.config().browser.clone();
        let msgs = self.msgs.clone();
        tokio::task::spawn_blocking(move || {
            let msg = match browser::open(&url, browser.as_deref()) {
                Ok(()) => Msg::Notice(format!("Opened {}", crate::text::clean_line(&url))),
                Err(e) => Msg::Failed(e.to_string()),
            };
            let _ = msgs.send(msg);
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(super::base64(b"Man"), "TWFu");
        assert_eq!(super::base64(b"Ma"), "TWE=");
        assert_eq!(super::base64(b"M"), "TQ==");
        assert_eq!(super::base64(b""), "");
        assert_eq!(
            super::base64(b"https://example.com/a?b=c"),
            "aHR0cHM6Ly9leGFtcGxlLmNvbS9hP2I9Yw=="
        );
    }
}
