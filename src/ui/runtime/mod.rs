//! The small runtime around [`App`]: sets up the terminal, draws, and turns the app's commands into
//! session calls whose results come back as messages. Cache work runs in order on one task (a write
//! lands before the reload that follows it); network work (probing a URL to add) and the browser run
//! as tasks of their own. The UI thread never waits on any of them.
//!
//! The first frame is drawn complete: the feed list and the headlines it shows are read before it;
//! the window of headlines around them, the HTTP client and the poller come only after it.
//!
//! The parts: this file sets up and runs the event loop; `executor.rs` (and `store.rs`, its cache
//! commands) runs commands; `terminal.rs` holds the mouse, redraw and clipboard; `notify.rs` the bell
//! and the notify command.

mod executor;
mod notify;
mod store;
mod terminal;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{FixedOffset, Offset};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use super::app::{App, Command, Msg};
use super::theme::{self, Theme};
use super::{browser, views};
use crate::paths::Profile;
use crate::session::Session;
use crate::session::refresh::{self, PollerCommand};
use executor::Executor;
use notify::notify;
use terminal::{MouseCapture, TerminalJob, copy_to_clipboard, full_redraw};

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
    // The first frame is the full one: the feed list and the first screen of headlines, read before
    // drawing. What the app asks for then (the window around those headlines) waits for the frame.
    let mut after_first_frame = Vec::new();
    for command in app.init() {
        if let Some(msg) = exec.store_command(command).await {
            after_first_frame.extend(app.update(msg));
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

    for command in after_first_frame {
        dispatch(command);
    }

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
