//! The executor: runs the app's commands against the session off the UI thread (network work as
//! tasks of their own: probes, searches, pictures, linked pages, saving and piping) and sends their
//! results back as messages. The cache commands are `store.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::FixedOffset;
use tokio::sync::mpsc;

use crate::session::article::ArticleDoc;
use crate::session::refresh;
use crate::session::subscriptions::{Probe, ProbedFeed};
use crate::session::{Session, SessionError};
use crate::ui::app::{Command, Done, DownloadOp, Msg, ProbeView};
use crate::ui::browser;

/// Saved and piped articles are laid out this many columns wide.
const EXPORT_WIDTH: u16 = 80;

/// Runs commands against the session and turns their results into messages.
pub(super) struct Executor {
    pub(super) session: Arc<Session>,
    pub(super) msgs: mpsc::UnboundedSender<Msg>,
    pub(super) tz: FixedOffset,
    /// Feeds fetched by the add dialog, waiting for the user to add them.
    pub(super) probes: Mutex<HashMap<u64, ProbedFeed>>,
    pub(super) probe_task: Mutex<Option<tokio::task::AbortHandle>>,
    /// The latest search asked for; a queued older one is skipped.
    pub(super) latest_search: Arc<std::sync::atomic::AtomicU64>,
    pub(super) next_token: Mutex<u64>,
    /// How images are drawn; unset while images are off.
    pub(super) picker: std::sync::OnceLock<ratatui_image::picker::Picker>,
    /// Pictures fetched, decoded and prepared at the same time (an article asks for all of its
    /// pictures at once; each holds a full-size decoded image while it is prepared).
    pub(super) picture_slots: tokio::sync::Semaphore,
}

/// Errors as the status line and dialogs show them.
pub(super) fn shown(e: impl std::fmt::Display) -> String {
    crate::text::clean_line(&e.to_string())
}

impl Executor {
    /// Cache work, in order. Returns the message to send back, if any.
    pub(super) async fn store_command(&self, command: Command) -> Option<Msg> {
        match self.store_result(command).await {
            Ok(msg) => msg,
            Err(e) => {
                tracing::error!(error = %e, "cache command failed");
                Some(Msg::Failed(shown(e)))
            }
        }
    }

    /// `D`: the article's first enclosure that is not an image goes into the download queue.
    pub(super) async fn queue_download(&self, article_id: i64) -> Result<String, String> {
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
    pub(super) async fn send_download_rows(&self) {
        if let Ok(d) = self.session.downloader()
            && let Ok(rows) = d.rows().await
        {
            let _ = self.msgs.send(Msg::DownloadsLoaded(rows));
        }
    }

    pub(super) async fn download_op(&self, id: i64, op: DownloadOp) -> Result<(), String> {
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

    /// Fetches a URL for the add dialog on a task of its own; a new probe or Esc cancels it.
    pub(super) fn probe(self: Arc<Self>, url: String) {
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
    pub(super) fn load_image(self: Arc<Self>, key: crate::ui::app::PictureKey, feed_id: i64) {
        tokio::spawn(async move {
            let picture = match self.picture(&key, feed_id).await {
                Ok(p) => crate::ui::app::Picture::Ready(Arc::new(p)),
                Err(e) => crate::ui::app::Picture::Failed(shown(e)),
            };
            let _ = self.msgs.send(Msg::ImageReady { key, picture });
        });
    }

    async fn picture(
        &self,
        key: &crate::ui::app::PictureKey,
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
        tokio::task::spawn_blocking(move || crate::ui::images::prepare(&picker, image, cols, rows))
            .await
            .map_err(shown)?
    }

    pub(super) fn cancel_probe(&self) {
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
    pub(super) fn search(
        self: Arc<Self>,
        query: String,
        scope: crate::store::Scope,
        generation: u64,
    ) {
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
                .search_if(&query, scope, crate::ui::popups::SEARCH_LIMIT, wanted)
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
    pub(super) fn fetch_link_page(self: Arc<Self>, url: String, width: u16) {
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
                id: crate::ui::app::LINKED_PAGE,
                feed_id: crate::ui::app::LINKED_PAGE,
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
        if shown.id == crate::ui::app::LINKED_PAGE {
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
    pub(super) fn save_article(self: Arc<Self>, shown: ArticleDoc, full: bool) {
        tokio::spawn(async move {
            let doc = self.export_doc(shown, full).await;
            let config = self.session.config();
            let (dir, format) = (config.save_folder(), config.save_format);
            let msg = tokio::task::spawn_blocking(move || {
                match crate::ui::export::save(&dir, &doc, format) {
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
    pub(super) fn pipe_article(self: Arc<Self>, shown: ArticleDoc, full: bool, command: String) {
        tokio::spawn(async move {
            let doc = self.export_doc(shown, full).await;
            let msg = tokio::task::spawn_blocking(move || {
                let text = crate::ui::export::plain_text(&doc);
                let ran = crate::ui::export::pipe_argv(&command).and_then(|argv| {
                    crate::ui::export::run_pipe(&argv, &text, crate::ui::export::PIPE_TIMEOUT)
                });
                Msg::Exported(ran)
            })
            .await
            .unwrap_or_else(|_| Msg::Exported(Err("The command could not be waited for".into())));
            let _ = self.msgs.send(msg);
        });
    }

    /// Starts the browser off the async threads; the outcome comes back as a message.
    pub(super) fn open_url(&self, url: String) {
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
