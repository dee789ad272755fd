//! The reader's state and its one entry point, [`App::update`]: a message in, commands out. No I/O
//! happens here; the runtime executes the commands and sends their results back as messages.

use std::collections::HashMap;

use chrono::FixedOffset;
use ratatui::layout::Rect;

use crossterm::event::{KeyEvent, MouseEvent};

mod actions;
mod feed_list;
mod flags;
mod headline_window;
mod images;
mod manage;
mod mouse;
mod navigation;

pub use headline_window::HEADLINE_WINDOW;
pub use images::{IMAGE_ROWS, Picture, PictureKey, rows_for};
pub use mouse::{StatusPart, WHEEL_ROWS, link_number_at};

/// The article id of a linked page shown in the article pane (fetched, not stored).
pub const LINKED_PAGE: i64 = -1;

use super::keymap::{Action, Key, Keymap};
use super::popups::{self, Popup};
use super::theme::Theme;
use crate::feed::discover::FeedLink;
use crate::session::article::ArticleDoc;
use crate::session::refresh::Update;
use crate::session::subscriptions::{FeedEdit, ImportReport, Subscription};
use crate::store::{FeedDetails, FeedSummary, Headline, HeadlineWindow, Removed, Scope};
use crate::text::clean_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Feeds,
    Headlines,
    Article,
}

/// One row of the feed list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub scope: Scope,
    pub label: String,
    pub unread: i64,
    /// 0 for All, Starred, tags and untagged feeds; 1 for feeds under a tag.
    pub depth: u8,
    pub failed: bool,
}

/// What a probed URL turned out to be, as the add dialog shows it. The fetched feed itself waits in
/// the runtime under `token` until the user adds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeView {
    Feed {
        token: u64,
        url: String,
        title: String,
        articles: usize,
    },
    Page(Vec<FeedLink>),
}

/// Results of subscription work, handed to the popup on top. Errors arrive formatted for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Probed(Result<ProbeView, String>),
    /// The new feed's id and title.
    Added(Result<(i64, String), String>),
    Edited(Result<Vec<String>, String>),
    TagRenamed(Result<usize, String>),
    Removed(Result<Removed, String>),
    Details(Result<FeedDetails, String>),
    Imported(Result<ImportReport, String>),
    /// Saved searches, filters or hidden articles changed: what to say, or why it failed.
    Changed(Result<String, String>),
    /// Search results for the search numbered `generation`.
    Found {
        generation: u64,
        results: Result<Vec<Headline>, String>,
    },
}

/// What the downloads view asks of one download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadOp {
    Pause,
    Resume,
    Cancel,
    Delete,
    Play,
}

#[derive(Debug)]
pub enum Msg {
    /// A key as pressed: the popup on top takes it, else the keymap of the focused pane.
    Key(KeyEvent),
    /// A mouse event (when the mouse is on): wheel and clicks, at terminal cells.
    Mouse(MouseEvent),
    Action(Action),
    Resize(u16, u16),
    /// About once a second: coalesced reloads happen here.
    Tick,
    Poller(Update),
    FeedsLoaded {
        feeds: Vec<FeedSummary>,
        unread_total: i64,
        starred_total: i64,
    },
    /// The saved searches with fresh counts, and how many articles filters hide (read after the
    /// feeds, so the feed list never waits for the searches).
    SearchesLoaded {
        searches: Vec<crate::store::SavedSearch>,
        hidden_total: i64,
    },
    /// The download queue, read for the downloads view.
    DownloadsLoaded(Vec<crate::session::downloads::DownloadRow>),
    /// A download moved on (from the download worker).
    Download(crate::session::downloads::DownloadEvent),
    /// The lists whose view (unread only, order) differs from the default.
    ViewsLoaded(Vec<(String, crate::store::ListView)>),
    /// Reading the scope's headlines failed (a damaged cache): say so instead of "Loading…".
    HeadlinesFailed {
        scope: Scope,
        error: String,
    },
    /// A window of the scope's headline list (the answer to `LoadHeadlines`).
    HeadlinesLoaded {
        scope: Scope,
        window: HeadlineWindow,
    },
    /// The nearest unread article beyond the loaded window (the answer to `FindUnread`), with the
    /// window around it.
    UnreadFound {
        scope: Scope,
        index: usize,
        window: HeadlineWindow,
    },
    ArticleLoaded(Box<ArticleDoc>),
    /// An article image, ready to draw at a width (or why it cannot be shown).
    ImageReady {
        key: PictureKey,
        picture: Picture,
    },
    /// A command failed; the text is shown in the status line.
    Failed(String),
    /// Something worth telling the user that is not an error.
    Notice(String),
    /// Subscription work finished.
    Done(Done),
    /// The cache's change counter (the answer to `CheckForChanges`).
    CacheVersion(i64),
    /// A mark-read changed these articles (kept for undo).
    MarkedRead(Vec<i64>),
    /// Open this link (the article's own, looked up by the runtime).
    LinkFound(String),
    /// Copy this link (the article's own, looked up by the runtime).
    LinkToCopy(String),
    /// An article was saved or piped: what to say (`Ok`), or why it failed (`Err`); either
    /// replaces the "Saving…"/"Running…" notice.
    Exported(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    LoadFeeds,
    /// [`HEADLINE_WINDOW`] headlines of the scope from list position `start`.
    LoadHeadlines {
        scope: Scope,
        start: usize,
    },
    /// The first `rows` headlines of the scope: all the first frame shows, read before it is drawn.
    /// The window around them is asked for once they are in (see `headline_window.rs`).
    LoadFirstHeadlines {
        scope: Scope,
        rows: usize,
    },
    /// Find the nearest unread article from list position `from` (the loaded window had none).
    FindUnread {
        scope: Scope,
        from: usize,
        forward: bool,
    },
    /// `full`: show the fetched full article when there is one.
    LoadArticle {
        id: i64,
        width: u16,
        full: bool,
    },
    /// Fetch the full text of an article (the poller does it).
    FetchFullText(i64),
    SetFeedFullText {
        feed_id: i64,
        on: bool,
    },
    SetRead {
        id: i64,
        read: bool,
    },
    SetStarred {
        id: i64,
        starred: bool,
    },
    MarkRead(Scope),
    /// Undo a mark-read: these articles become unread again.
    MarkUnread(Vec<i64>),
    /// Put this text on the terminal's clipboard.
    Copy(String),
    /// Search the cache (the latest `generation` wins; older ones are skipped).
    Search {
        query: String,
        scope: Scope,
        generation: u64,
    },
    /// Open an article found by a search (app-internal: turned into loading it).
    OpenFound(i64),
    /// Fetch a linked page and show its article in the article pane (not stored), `width` columns
    /// wide (0 until the app fills it in).
    FetchLinkPage {
        url: String,
        width: u16,
    },
    /// Download (or read from the image cache) an article's image and prepare it for drawing in
    /// `key.cols` × `key.rows` cells.
    LoadImage {
        key: PictureKey,
        feed_id: i64,
    },
    Refresh(Vec<i64>),
    RefreshAll,
    /// Open the article's own link in the browser (looked up by the runtime).
    OpenArticleLink(i64),
    /// Copy the article's own link (looked up by the runtime).
    CopyArticleLink(i64),
    /// Show this text in the user's pager (the reader steps aside meanwhile).
    Page(String),
    /// Queue the article's first enclosure that is not an image for download.
    QueueDownload(i64),
    /// Read the download queue (for the downloads view).
    LoadDownloads,
    /// Pause, resume, cancel, delete or play one download.
    Download {
        id: i64,
        op: DownloadOp,
    },
    /// Queue the failed downloads again.
    RetryDownloads,
    /// A background refresh brought `count` new articles in these feeds: ring and/or run the
    /// configured command.
    Notify {
        count: usize,
        feeds: Vec<i64>,
    },
    /// Show the list of `scope` this way from now on (remembered in the cache).
    SetListView {
        scope: Scope,
        view: crate::store::ListView,
    },
    OpenUrl(String),
    /// Fetch a URL the user typed to see whether it is a feed or a page naming feeds (cancellable).
    Probe {
        url: String,
    },
    CancelProbe,
    /// Subscribe to the feed probed under `token`.
    AddProbed {
        token: u64,
        sub: Subscription,
    },
    EditFeed {
        id: i64,
        edit: FeedEdit,
    },
    RenameTag {
        from: String,
        to: String,
    },
    RemoveFeed {
        id: i64,
        keep_starred: bool,
    },
    LoadDetails(i64),
    /// Read the cache's change counter, to notice changes made by other processes (the CLI, cron).
    CheckForChanges,
    Import {
        path: String,
    },
    /// Save the article (as shown) in the save folder; `full`: the full article when fetched.
    SaveArticle {
        doc: Box<ArticleDoc>,
        full: bool,
    },
    /// Run `command` (split like a shell would, run without one) with the article's text as its
    /// input.
    PipeArticle {
        doc: Box<ArticleDoc>,
        full: bool,
        command: String,
    },
    /// The pipe dialog's command (app-internal: turned into piping the open article).
    PipeTo(String),
    /// Keep a search under a name; it shows in the feed list.
    SaveSearch {
        name: String,
        query: String,
    },
    /// Remove the saved search with this query.
    RemoveSavedSearch(String),
    /// Hide what `query` matches, what is stored and what arrives.
    AddFilter {
        query: String,
    },
    /// Show a hidden article again.
    Unhide(i64),
}

impl Command {
    /// Commands that only read; skipped when nobody is left to see their result.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Command::LoadFeeds
                | Command::LoadHeadlines { .. }
                | Command::LoadFirstHeadlines { .. }
                | Command::FindUnread { .. }
                | Command::LoadArticle { .. }
                | Command::OpenArticleLink(_)
                | Command::LoadDetails(_)
                | Command::CheckForChanges
                | Command::Search { .. }
                | Command::Copy(_)
        )
    }
}

/// Refresh progress for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

pub struct App {
    pub focus: Pane,
    pub size: Rect,
    pub tz: FixedOffset,
    pub feeds: Vec<FeedSummary>,
    pub entries: Vec<FeedEntry>,
    pub feed_cursor: usize,
    pub feed_offset: usize,
    pub scope: Scope,
    /// The loaded part of the scope's headline list; `headline_cursor` is a position in the whole list.
    pub headlines: HeadlineWindow,
    pub headlines_loaded: bool,
    /// A window load is on its way; the next one waits for it.
    window_pending: bool,
    pub headline_cursor: usize,
    pub headline_offset: usize,
    pub article: Option<ArticleDoc>,
    pub article_scroll: usize,
    pub unread_total: i64,
    pub starred_total: i64,
    /// Saved searches, listed in the feed list with their counts.
    pub saved_searches: Vec<crate::store::SavedSearch>,
    /// Articles filters hid (the Hidden entry shows when there are some).
    pub hidden_total: i64,
    /// Why `a` cannot subscribe here (a Fever account), said instead of opening the dialog.
    pub cannot_subscribe: Option<String>,
    /// How lists are shown where that differs from the default, by [`Scope::view_key`].
    pub views: HashMap<String, crate::store::ListView>,
    /// Tell the user when a background refresh brings new articles (config `notify_*`).
    pub notify: bool,
    /// `[macros]`: a key after `,` runs these actions in turn.
    pub macros: HashMap<char, Vec<Action>>,
    /// `,` was pressed: the next key names a macro.
    macro_pending: bool,
    /// The refresh running was asked for with `r`/`R` (no notification for it).
    user_refresh: bool,
    /// Feeds that brought new articles in the refresh running.
    fresh_feeds: Vec<i64>,
    pub progress: Option<Progress>,
    pub last_error: Option<String>,
    pub notice: Option<String>,
    /// Dialogs over the panes; the last one takes the keys.
    pub popups: Vec<Popup>,
    /// The feed list shows only feeds whose last refresh failed.
    pub failing_only: bool,
    pub quit: bool,
    /// Show an article's full text (when fetched) rather than the feed's.
    pub prefer_full: bool,
    feed_titles: HashMap<i64, String>,
    /// The article asked for last; results for any other are stale.
    pending_article: Option<i64>,
    /// New articles arrived; reload lists at the next tick.
    stale: bool,
    /// Select this scope in the feed list once the feeds are loaded (a feed just added).
    select_after_load: Option<Scope>,
    /// The cache's change counter when last looked at.
    cache_version: Option<i64>,
    /// Digits typed so far for a link number (`12` then Enter opens link 12).
    pub link_number: Option<usize>,
    /// The articles the last mark-read changed, for `u`.
    last_marked: Option<Vec<i64>>,
    /// The runtime clears and redraws the whole screen before the next frame (Ctrl-L).
    pub redraw: bool,
    /// The styles everything is drawn in (the dark theme until the runtime sets the configured one).
    pub theme: Theme,
    /// The keys in effect (the defaults until the runtime lays `[keys]` over them).
    pub keymap: Keymap,
    /// The keys of a chord typed so far (`g` of `g g`).
    pub pending_keys: Vec<Key>,
    /// `pipe_command` from the config: `|` runs it without asking.
    pub pipe_command: Option<String>,
    /// The command piped to last (the pipe dialog starts with it).
    pub last_pipe: String,
    /// Images are drawn (config `images`, the terminal; set by the runtime).
    pub images_on: bool,
    /// The terminal's cell in pixels (width, height), for images' declared sizes.
    pub image_cell: (u16, u16),
    /// Articles whose images were toggled off (`z`).
    images_hidden: std::collections::HashSet<i64>,
    /// Images ready to draw (or failed), by URL and size; asked-for ones are in `pictures_asked`.
    pub pictures: HashMap<PictureKey, Picture>,
    pictures_asked: std::collections::HashSet<PictureKey>,
}

impl App {
    pub fn new(size: Rect, tz: FixedOffset) -> App {
        App {
            focus: Pane::Feeds,
            size,
            tz,
            feeds: Vec::new(),
            entries: vec![],
            feed_cursor: 0,
            feed_offset: 0,
            scope: Scope::All,
            headlines: HeadlineWindow::default(),
            headlines_loaded: false,
            window_pending: false,
            headline_cursor: 0,
            headline_offset: 0,
            article: None,
            article_scroll: 0,
            unread_total: 0,
            starred_total: 0,
            saved_searches: Vec::new(),
            hidden_total: 0,
            cannot_subscribe: None,
            views: HashMap::new(),
            notify: false,
            macros: HashMap::new(),
            macro_pending: false,
            user_refresh: false,
            fresh_feeds: Vec::new(),
            progress: None,
            last_error: None,
            notice: None,
            popups: Vec::new(),
            failing_only: false,
            quit: false,
            prefer_full: true,
            feed_titles: HashMap::new(),
            pending_article: None,
            stale: false,
            select_after_load: None,
            cache_version: None,
            link_number: None,
            last_marked: None,
            redraw: false,
            theme: Theme::default(),
            keymap: Keymap::default(),
            pending_keys: Vec::new(),
            pipe_command: None,
            last_pipe: String::new(),
            images_on: false,
            image_cell: (10, 20),
            images_hidden: Default::default(),
            pictures: HashMap::new(),
            pictures_asked: Default::default(),
        }
        .with_entries()
    }

    fn with_entries(mut self) -> App {
        self.rebuild_entries();
        self
    }

    /// What to load at start.
    pub fn init(&self) -> Vec<Command> {
        vec![
            Command::LoadFeeds,
            Command::LoadFirstHeadlines {
                scope: self.scope.clone(),
                rows: self.headline_rows(),
            },
        ]
    }

    /// How the list of `scope` is shown.
    pub fn list_view(&self, scope: &Scope) -> crate::store::ListView {
        self.views
            .get(&scope.view_key())
            .copied()
            .unwrap_or_default()
    }

    /// What a search list is called: its saved name, else the query.
    pub fn search_title(&self, query: &str) -> String {
        self.saved_searches
            .iter()
            .find(|s| s.query == query)
            .map(|s| clean_line(&s.name))
            .unwrap_or_else(|| format!("Search: {}", clean_line(query)))
    }

    pub fn feed_title(&self, id: i64) -> &str {
        self.feed_titles.get(&id).map(String::as_str).unwrap_or("")
    }

    pub fn selected_headline(&self) -> Option<&Headline> {
        self.headlines.get(self.headline_cursor)
    }

    /// How many headlines the selected scope holds (loaded or not).
    pub fn headline_count(&self) -> usize {
        self.headlines.total
    }

    /// The one entry point: apply a message, return the work to do.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(event) => self.on_mouse(event),
            Msg::Action(action) => {
                if !self.popups.is_empty() {
                    // Keys reach popups as keys; an action while one is open only quits or closes it.
                    if action == Action::Quit {
                        self.quit = true;
                    } else {
                        self.popups.pop();
                    }
                    return vec![];
                }
                self.notice = None;
                self.on_action(action)
            }
            Msg::Done(done) => self.on_done(done),
            Msg::LinkFound(url) => vec![Command::OpenUrl(url)],
            Msg::LinkToCopy(url) => {
                self.notice = Some("Copied the link".into());
                vec![Command::Copy(url)]
            }
            Msg::MarkedRead(ids) => {
                let n = ids.len();
                self.notice = Some(match n {
                    0 => "Nothing to mark read".to_string(),
                    1 => "Marked 1 article read (u undoes)".to_string(),
                    n => format!("Marked {n} articles read (u undoes)"),
                });
                self.last_marked = Some(ids).filter(|ids| !ids.is_empty());
                vec![]
            }
            Msg::CacheVersion(version) => {
                let changed = self.cache_version.is_some_and(|v| v != version);
                self.cache_version = Some(version);
                if changed && self.progress.is_none() {
                    self.reload()
                } else {
                    vec![]
                }
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.keep_cursors_visible();
                self.clamp_article_scroll();
                let mut commands = self.reflow_article();
                // A taller headline pane may show rows beyond the loaded window.
                commands.extend(self.fetch_window_if_needed());
                commands
            }
            Msg::Tick => {
                for popup in &mut self.popups {
                    popup.on_tick();
                }
                if self.stale {
                    self.stale = false;
                    self.reload()
                } else if self.progress.is_none() {
                    // Other processes (the command line, cron) may have changed the cache.
                    vec![Command::CheckForChanges]
                } else {
                    vec![]
                }
            }
            Msg::Poller(update) => self.on_poller(update),
            Msg::FeedsLoaded {
                feeds,
                unread_total,
                starred_total,
            } => {
                self.feed_titles = feeds.iter().map(|f| (f.id, clean_line(&f.title))).collect();
                self.feeds = feeds;
                self.unread_total = unread_total;
                self.starred_total = starred_total;
                self.rebuild_entries();
                self.after_feeds_loaded()
            }
            Msg::SearchesLoaded {
                searches,
                hidden_total,
            } => {
                self.saved_searches = searches;
                self.hidden_total = hidden_total;
                self.rebuild_entries();
                vec![]
            }
            Msg::DownloadsLoaded(rows) => {
                if let Some(Popup::Downloads(p)) = self.popups.last_mut() {
                    p.loaded(rows);
                }
                vec![]
            }
            Msg::Download(event) => {
                use crate::session::downloads::DownloadEvent;
                match &event {
                    DownloadEvent::Done { title, .. } => {
                        self.notice = Some(format!("Downloaded {}", clean_line(title)));
                    }
                    DownloadEvent::Failed { title, error, .. } => {
                        self.last_error =
                            Some(clean_line(&format!("Download of {title} failed: {error}")));
                    }
                    DownloadEvent::Elsewhere { .. } => {
                        self.notice =
                            Some("Another tidings runs the download queue; this one waits".into());
                    }
                    _ => {}
                }
                if let Some(Popup::Downloads(p)) = self.popups.last_mut() {
                    p.on_event(&event);
                }
                vec![]
            }
            Msg::ViewsLoaded(views) => {
                self.views = views.into_iter().collect();
                vec![]
            }
            Msg::HeadlinesLoaded { scope, window } => self.window_loaded(scope, window),
            Msg::HeadlinesFailed { scope, error } => {
                if scope == self.scope {
                    self.headlines_loaded = true;
                    self.window_pending = false;
                    self.last_error = Some(clean_line(&error));
                }
                vec![]
            }
            Msg::UnreadFound {
                scope,
                index,
                window,
            } => {
                if scope != self.scope {
                    return vec![];
                }
                self.install_window(window);
                self.headline_cursor = index.min(self.headlines.total.saturating_sub(1));
                self.open_selected()
            }
            Msg::ArticleLoaded(doc) => {
                if self.pending_article != Some(doc.id) {
                    return vec![];
                }
                let same = self.article.as_ref().is_some_and(|a| a.id == doc.id);
                self.article = Some(*doc);
                if !same {
                    self.article_scroll = 0;
                }
                let commands = self.lay_out_images();
                self.clamp_article_scroll();
                commands
            }
            Msg::ImageReady { key, picture } => {
                self.picture_ready(key, picture);
                vec![]
            }
            Msg::Failed(error) => {
                self.last_error = Some(clean_line(&error));
                vec![]
            }
            Msg::Notice(text) => {
                self.notice = Some(clean_line(&text));
                vec![]
            }
            Msg::Exported(Ok(text)) => {
                self.notice = Some(clean_line(&text));
                vec![]
            }
            Msg::Exported(Err(error)) => {
                self.notice = None;
                self.last_error = Some(clean_line(&error));
                vec![]
            }
        }
    }

    fn on_poller(&mut self, update: Update) -> Vec<Command> {
        match update {
            Update::RefreshStarted { feeds } => {
                self.last_error = None;
                self.progress = Some(Progress {
                    done: 0,
                    total: feeds,
                });
                vec![]
            }
            Update::FeedDone {
                feed_id,
                new_articles,
                ..
            } => {
                if let Some(p) = &mut self.progress {
                    p.done += 1;
                }
                self.stale |= new_articles > 0;
                if new_articles > 0 && feed_id != 0 && !self.fresh_feeds.contains(&feed_id) {
                    self.fresh_feeds.push(feed_id);
                }
                // Its full texts may have arrived with the refresh (`F`): show the open article anew.
                match &self.article {
                    Some(doc)
                        if doc.feed_id == feed_id
                            && self.feeds.iter().any(|f| f.id == feed_id && f.full_text) =>
                    {
                        let id = doc.id;
                        vec![self.load_article(id)]
                    }
                    _ => vec![],
                }
            }
            Update::FeedFailed { title, error, .. } => {
                if let Some(p) = &mut self.progress {
                    p.done += 1;
                }
                self.last_error = Some(clean_line(&format!("{title}: {error}")));
                self.stale = true;
                vec![]
            }
            Update::FullTextDone { article_id, error } => {
                match error {
                    None => {
                        self.notice = Some("Full article fetched".into());
                        self.last_error = None;
                    }
                    Some(e) => {
                        // One message at a time: the failure replaces "Fetching…".
                        self.notice = None;
                        self.last_error = Some(format!("Full article failed: {e}"));
                    }
                }
                match &self.article {
                    Some(doc) if doc.id == article_id => vec![self.load_article(article_id)],
                    _ => vec![],
                }
            }
            Update::RefreshFinished(summary) => {
                self.progress = None;
                let by_user = std::mem::take(&mut self.user_refresh);
                let fresh = std::mem::take(&mut self.fresh_feeds);
                let mut notify = Vec::new();
                if self.notify && !by_user && summary.new_articles > 0 {
                    notify.push(Command::Notify {
                        count: summary.new_articles,
                        feeds: fresh,
                    });
                }
                self.notice = Some(match summary.new_articles {
                    0 => "No new articles".to_string(),
                    1 => "1 new article".to_string(),
                    n => format!("{n} new articles"),
                });
                self.stale = false;
                notify.extend(self.reload());
                notify
            }
        }
    }

    fn reload(&mut self) -> Vec<Command> {
        self.window_pending = true;
        vec![
            Command::LoadFeeds,
            Command::LoadHeadlines {
                scope: self.scope.clone(),
                start: self.headlines.start,
            },
        ]
    }

    fn say(&mut self, text: &str) -> Vec<Command> {
        self.notice = Some(text.to_string());
        vec![]
    }

    /// Asks for an article rendered for the article pane, in the text the user prefers.
    fn load_article(&mut self, id: i64) -> Command {
        self.pending_article = Some(id);
        Command::LoadArticle {
            id,
            width: self.article_width(),
            full: self.prefer_full,
        }
    }

    /// The article pane changed width (resize, or narrow mode's full-width pane): re-render.
    fn reflow_article(&mut self) -> Vec<Command> {
        match &self.article {
            Some(doc) if doc.width != self.article_width() && doc.id != LINKED_PAGE => {
                let id = doc.id;
                vec![self.load_article(id)]
            }
            _ => vec![],
        }
    }

    fn open_selected(&mut self) -> Vec<Command> {
        let Some(h) = self.selected_headline() else {
            return vec![];
        };
        let id = h.id;
        let was_read = h.read;
        self.focus = Pane::Article;
        self.keep_cursors_visible();
        let mut commands = vec![self.load_article(id)];
        if !was_read {
            commands.extend(self.set_read(id, true));
        }
        commands
    }
}
