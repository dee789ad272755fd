//! The small runtime around [`App`]: sets up the terminal, runs the event loop, and executes commands on
//! a store worker thread (reads and writes, in order) or hands them to the poller.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{FixedOffset, Offset};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use super::app::{App, Command, HEADLINE_WINDOW, Msg};
use super::article::ArticleDoc;
use super::{browser, keymap, views};
use crate::config::Config;
use crate::feed::fetch::{FetchLimits, Fetcher};
use crate::paths::Profile;
use crate::poller::{self, PollerCommand, Refresher};
use crate::store::{Store, StoreError};

/// Runs the TUI until the user quits.
pub fn run(profile: &Profile, config: &Config) -> anyhow::Result<()> {
    // One reader per profile, held until the runtime has shut down; the CLI commands work beside it
    // (SQLite WAL and a busy timeout) and never take it.
    let _lock = crate::lock::ProfileLock::acquire(&profile.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(run_async(profile, config));
    // A refresh may be writing; give it a moment. Anything cut short is rolled back by SQLite.
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn run_async(profile: &Profile, config: &Config) -> anyhow::Result<()> {
    let cache = profile.cache_file();
    let mut writer = Store::open(&cache)?;
    crate::welcome::ensure_first_run(&mut writer)?;
    let reader = Store::open(&cache)?;
    let fetcher = Fetcher::new(FetchLimits::from(config))?;
    let refresher = Arc::new(Refresher::new(
        fetcher,
        Arc::new(Mutex::new(writer)),
        config,
    ));
    let (update_tx, mut update_rx) = mpsc::channel(256);
    let (poller_tx, poller_task) = poller::spawn(refresher, update_tx);
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    let tz: FixedOffset = chrono::Local::now().offset().fix();
    let worker = StoreWorker::spawn(reader, msg_tx.clone(), tz, config.browser.clone())
        .context("cannot start the store worker thread")?;

    // From here on the terminal is ours; ratatui's panic hook restores it before a panic is printed.
    let mut terminal = ratatui::init();
    contain_background_panics();
    let size = terminal.size().unwrap_or_default();
    let mut app = App::new(Rect::new(0, 0, size.width, size.height), tz);
    let ctx = Dispatch {
        worker: &worker,
        poller: &poller_tx,
        msgs: &msg_tx,
        browser: config.browser.as_deref(),
    };
    for command in app.init() {
        ctx.run(command);
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let result: anyhow::Result<()> = loop {
        if let Err(e) = terminal.draw(|frame| views::draw(frame, &app)) {
            break Err(e.into());
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    Some(keymap::action_for(key).map_or(Msg::UnboundKey, Msg::Action))
                }
                Some(Ok(Event::Resize(w, h))) => Some(Msg::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            Some(update) = update_rx.recv() => Some(Msg::Poller(update)),
            Some(msg) = msg_rx.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick),
        };
        if let Some(msg) = msg {
            for command in app.update(msg) {
                ctx.run(command);
            }
        }
        if app.quit {
            break Ok(());
        }
    };
    ratatui::restore();
    worker.finish();
    poller_task.abort();
    result
}

/// A panic on the UI thread restores the terminal and prints (ratatui's hook). A panic on a background
/// thread (already caught there and turned into an error) is only logged: printing it would scribble
/// over the screen, and restoring the terminal would leave the still-running UI drawing on a shell.
pub(crate) fn contain_background_panics() {
    let ui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            ui_hook(info);
        } else {
            tracing::error!("background task panicked: {info}");
        }
    }));
}

/// Where each command goes.
struct Dispatch<'a> {
    worker: &'a StoreWorker,
    poller: &'a mpsc::UnboundedSender<PollerCommand>,
    msgs: &'a mpsc::UnboundedSender<Msg>,
    browser: Option<&'a str>,
}

impl Dispatch<'_> {
    fn run(&self, command: Command) {
        match command {
            Command::Refresh(ids) => {
                let _ = self.poller.send(PollerCommand::Refresh(ids));
            }
            Command::RefreshAll => {
                let _ = self.poller.send(PollerCommand::RefreshAll);
            }
            Command::FetchFullText(id) => {
                let _ = self.poller.send(PollerCommand::FullText(id));
            }
            Command::OpenUrl(url) => {
                let msg = match browser::open(&url, self.browser) {
                    Ok(()) => Msg::Notice(format!("Opened {}", crate::text::clean_line(&url))),
                    Err(e) => Msg::Failed(e.to_string()),
                };
                let _ = self.msgs.send(msg);
            }
            other => self.worker.send(other),
        }
    }
}

/// A thread that owns the UI's connection to the cache and runs store commands in the order they were
/// given, sending each result back as a message.
struct StoreWorker {
    jobs: std::sync::mpsc::Sender<Command>,
    thread: std::thread::JoinHandle<()>,
}

impl StoreWorker {
    fn spawn(
        mut store: Store,
        msgs: mpsc::UnboundedSender<Msg>,
        tz: FixedOffset,
        browser: Option<String>,
    ) -> std::io::Result<StoreWorker> {
        let (jobs, rx) = std::sync::mpsc::channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("store-worker".into())
            .spawn(move || {
                // Runs until the UI drops its sender, so every write queued before quitting lands.
                let mut ui_gone = false;
                while let Ok(command) = rx.recv() {
                    if ui_gone && command.is_read_only() {
                        continue;
                    }
                    let msg = match execute(&mut store, command, tz, browser.as_deref()) {
                        Ok(Some(msg)) => msg,
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::error!(error = %e, "store command failed");
                            Msg::Failed(e.to_string())
                        }
                    };
                    ui_gone |= msgs.send(msg).is_err();
                }
            })?;
        Ok(StoreWorker { jobs, thread })
    }

    fn send(&self, command: Command) {
        let _ = self.jobs.send(command);
    }

    /// Runs the queued commands to the end and stops the thread.
    fn finish(self) {
        drop(self.jobs);
        if self.thread.join().is_err() {
            tracing::error!("the store worker panicked");
        }
    }
}

fn execute(
    store: &mut Store,
    command: Command,
    tz: FixedOffset,
    browser_cmd: Option<&str>,
) -> Result<Option<Msg>, StoreError> {
    Ok(match command {
        Command::LoadFeeds => Some(Msg::FeedsLoaded {
            feeds: store.feed_summaries()?,
            unread_total: store.unread_total()?,
            starred_total: store.starred_total()?,
        }),
        Command::LoadHeadlines { scope, start } => {
            let window = store.headline_window(&scope, start, HEADLINE_WINDOW)?;
            Some(Msg::HeadlinesLoaded { scope, window })
        }
        Command::FindUnread {
            scope,
            from,
            forward,
        } => Some(match store.unread_position(&scope, from, forward)? {
            Some(index) => Msg::UnreadFound {
                window: store.headline_window(
                    &scope,
                    index.saturating_sub(HEADLINE_WINDOW / 2),
                    HEADLINE_WINDOW,
                )?,
                scope,
                index,
            },
            None if forward => Msg::Notice("No more unread articles below".into()),
            None => Msg::Notice("No unread articles above".into()),
        }),
        Command::LoadArticle { id, width, full } => match store.article(id)? {
            Some(article) => Some(Msg::ArticleLoaded(Box::new(ArticleDoc::build(
                &article, width, tz, full,
            )))),
            None => Some(Msg::Failed("That article is no longer in the cache".into())),
        },
        Command::SetRead { id, read } => {
            store.set_read(id, read)?;
            None
        }
        Command::SetStarred { id, starred } => {
            store.set_starred(id, starred)?;
            None
        }
        Command::MarkRead(scope) => {
            let n = store.mark_scope_read(&scope)?;
            Some(Msg::Notice(format!("Marked {n} articles read")))
        }
        Command::OpenArticleLink(id) => {
            let link = store.article(id)?.and_then(|a| a.link);
            Some(match link {
                None => Msg::Notice("This article has no link".into()),
                Some(url) => match browser::open(&url, browser_cmd) {
                    Ok(()) => Msg::Notice(format!("Opened {}", crate::text::clean_line(&url))),
                    Err(e) => Msg::Failed(e.to_string()),
                },
            })
        }
        Command::SetFeedFullText { feed_id, on } => {
            store.set_full_text(feed_id, on)?;
            None
        }
        Command::Refresh(_)
        | Command::RefreshAll
        | Command::OpenUrl(_)
        | Command::FetchFullText(_) => None,
    })
}
