//! What each key asks for outside a popup: the one `match` from [`Action`] to state changes and
//! commands, with the link numbers typed digit by digit.

use super::{App, Command, Pane, Popup, popups};
use crate::store::Scope;
use crate::text::clean_line;
use crate::ui::keymap::Action;

impl App {
    pub(super) fn on_action(&mut self, action: Action) -> Vec<Command> {
        if let Some(commands) = self.link_number_key(action) {
            return commands;
        }
        match action {
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(self.page() as isize),
            Action::PageUp => self.move_by(-(self.page() as isize)),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::NextPane => {
                self.focus = match self.focus {
                    Pane::Feeds => Pane::Headlines,
                    Pane::Headlines if self.article.is_some() => Pane::Article,
                    Pane::Headlines => Pane::Feeds,
                    Pane::Article => Pane::Feeds,
                };
                self.keep_cursors_visible();
                self.reflow_article()
            }
            Action::PrevPane => {
                self.focus = match self.focus {
                    Pane::Feeds if self.article.is_some() => Pane::Article,
                    Pane::Feeds => Pane::Headlines,
                    Pane::Headlines => Pane::Feeds,
                    Pane::Article => Pane::Headlines,
                };
                self.keep_cursors_visible();
                self.reflow_article()
            }
            Action::Open => match self.focus {
                Pane::Feeds => {
                    self.focus = Pane::Headlines;
                    self.keep_cursors_visible();
                    vec![]
                }
                Pane::Headlines => self.open_selected(),
                Pane::Article => vec![],
            },
            Action::NextUnread => self.jump_unread(true),
            Action::PrevUnread => self.jump_unread(false),
            Action::RefreshSelected => {
                self.user_refresh = true;
                self.refresh_selected()
            }
            Action::RefreshAll => {
                self.user_refresh = true;
                vec![Command::RefreshAll]
            }
            Action::ToggleRead => match self.target_article() {
                Some((id, read, _)) => self.set_read(id, !read),
                None => vec![],
            },
            Action::ToggleStar => match self.target_article() {
                Some((id, _, starred)) => self.set_starred(id, !starred),
                None => vec![],
            },
            Action::MarkAllRead => self.mark_scope_read(),
            Action::OpenInBrowser => match (&self.article, self.focus) {
                (Some(doc), Pane::Article) => match &doc.link {
                    Some(link) => vec![Command::OpenUrl(link.clone())],
                    None => self.say("This article has no link"),
                },
                _ => match self.target_article() {
                    Some((id, _, _)) => vec![Command::OpenArticleLink(id)],
                    None => vec![],
                },
            },
            Action::ToggleUnreadOnly | Action::CycleOrder => {
                let scope = self.scope.clone();
                let mut view = self.list_view(&scope);
                if action == Action::ToggleUnreadOnly {
                    view.unread_only = !view.unread_only;
                } else {
                    view.order = view.order.next();
                }
                self.views.insert(scope.view_key(), view);
                self.headline_cursor = 0;
                self.headline_offset = 0;
                vec![Command::SetListView { scope, view }]
            }
            Action::CopyLink => match (&self.article, self.focus) {
                (Some(doc), Pane::Article) => match &doc.link {
                    Some(link) => {
                        self.notice = Some("Copied the link".into());
                        vec![Command::Copy(link.clone())]
                    }
                    None => self.say("This article has no link"),
                },
                _ => match self.target_article() {
                    Some((id, _, _)) => vec![Command::CopyArticleLink(id)],
                    None => self.say("Select an article first"),
                },
            },
            Action::OpenLink(_) => vec![],
            Action::LinkList => match &self.article {
                Some(doc) if !doc.links.is_empty() => {
                    let links = doc.links.clone();
                    self.popups.push(Popup::Links(popups::Links::new(links)));
                    vec![]
                }
                Some(_) => self.say("This article has no links"),
                None => self.say("Open an article first"),
            },
            Action::Undo => match self.last_marked.take() {
                Some(ids) => {
                    let set: std::collections::HashSet<i64> = ids.iter().copied().collect();
                    for h in &mut self.headlines.rows {
                        if set.contains(&h.id) {
                            h.read = false;
                        }
                    }
                    self.notice = Some(format!("Marked {} articles unread again", ids.len()));
                    let mut commands = vec![Command::MarkUnread(ids)];
                    commands.extend(self.reload());
                    commands
                }
                None => self.say("Nothing to undo"),
            },
            Action::Redraw => {
                self.redraw = true;
                vec![]
            }
            Action::FetchFullText => match self.target_article() {
                Some((id, _, _))
                    if self
                        .article
                        .as_ref()
                        .is_some_and(|a| a.id == id && a.link.is_none()) =>
                {
                    self.say("This article has no link, so there is no page to fetch")
                }
                Some((id, _, _)) => {
                    self.prefer_full = true;
                    self.notice = Some("Fetching the full article…".into());
                    vec![Command::FetchFullText(id)]
                }
                None => vec![],
            },
            Action::ToggleTextSource => {
                self.prefer_full = !self.prefer_full;
                self.notice = Some(
                    if self.prefer_full {
                        "Showing the full article when fetched"
                    } else {
                        "Showing the feed's text"
                    }
                    .into(),
                );
                match &self.article {
                    Some(doc) => {
                        let id = doc.id;
                        vec![self.load_article(id)]
                    }
                    None => vec![],
                }
            }
            Action::ToggleFeedFullText => self.toggle_feed_full_text(),
            Action::ToggleImages => self.toggle_images(),
            Action::Search => {
                let name = match &self.scope {
                    Scope::All => "everything".to_string(),
                    Scope::Starred => "Starred".to_string(),
                    Scope::Tag(t) => format!("tag {}", clean_line(t)),
                    Scope::Feed(id) => self.feed_title(*id).to_string(),
                    Scope::Search(q) => format!("search {}", clean_line(q)),
                    Scope::Hidden => "Hidden".to_string(),
                };
                self.popups
                    .push(Popup::Search(popups::Search::new(self.scope.clone(), name)));
                vec![]
            }
            Action::SaveArticle => match &self.article {
                Some(doc) => {
                    let doc = Box::new(doc.clone());
                    self.notice = Some("Saving the article…".into());
                    vec![Command::SaveArticle {
                        doc,
                        full: self.prefer_full,
                    }]
                }
                None => self.say("Open an article first"),
            },
            Action::PipeArticle => match (&self.article, &self.pipe_command) {
                (None, _) => self.say("Open an article first"),
                (Some(_), Some(command)) => {
                    let command = command.clone();
                    self.pipe_article(command)
                }
                (Some(_), None) => {
                    let last = self.last_pipe.clone();
                    self.popups.push(Popup::Pipe(popups::Pipe::new(&last)));
                    vec![]
                }
            },
            Action::Help => {
                let rows = self.keymap.help_rows(Some(self.mode()));
                self.popups.push(Popup::Help(popups::Help::new(rows)));
                vec![]
            }
            Action::AddFeed => {
                if let Some(why) = &self.cannot_subscribe {
                    let why = why.clone();
                    return self.say(&why);
                }
                self.popups.push(Popup::AddFeed(popups::AddFeed::new()));
                vec![]
            }
            Action::HideLikeThis => self.hide_like_this(),
            Action::Macro => self.start_macro(),
            Action::OpenInPager => match &self.article {
                Some(doc) => vec![Command::Page(doc.to_plain_text())],
                None => self.say("Open an article first"),
            },
            Action::QueueDownload => match self.target_article() {
                Some((id, _, _)) => {
                    self.notice = Some("Queueing the enclosure…".into());
                    vec![Command::QueueDownload(id)]
                }
                None => self.say("Select an article first"),
            },
            Action::ShowDownloads => {
                self.popups.push(Popup::Downloads(popups::Downloads::new()));
                vec![Command::LoadDownloads]
            }
            Action::Import => {
                self.popups.push(Popup::Import(popups::Import::new()));
                vec![]
            }
            Action::EditFeed => self.open_edit(),
            Action::DeleteFeed => self.open_delete(),
            Action::FeedInfo => self.open_info(),
            Action::ToggleFailingOnly => self.toggle_failing_only(),
            Action::Back => {
                match self.focus {
                    Pane::Article => self.focus = Pane::Headlines,
                    Pane::Headlines => self.focus = Pane::Feeds,
                    Pane::Feeds => self.quit = true,
                }
                self.keep_cursors_visible();
                vec![]
            }
            Action::Quit => {
                self.quit = true;
                vec![]
            }
        }
    }

    /// Digits typed for a link number, and the Enter that ends them. A number that cannot grow
    /// (ten times it is beyond the article's links) opens at once. `None`: not a link-number key.
    fn link_number_key(&mut self, action: Action) -> Option<Vec<Command>> {
        let pending = self.link_number.take();
        let digit = match action {
            Action::OpenLink(d) => d as usize,
            Action::Open if pending.is_some() => {
                return Some(self.open_link_number(pending.unwrap_or(0)));
            }
            Action::Back if pending.is_some() => return Some(self.say("Cancelled")),
            _ => return None,
        };
        let Some(doc) = &self.article else {
            return Some(self.say("Open an article first"));
        };
        let links = doc.links.len();
        let n = pending
            .unwrap_or(0)
            .saturating_mul(10)
            .saturating_add(digit);
        if n == 0 || n > links {
            return Some(self.say(&format!("This article has no link [{n}]")));
        }
        if n.saturating_mul(10) > links {
            return Some(self.open_link_number(n));
        }
        self.link_number = Some(n);
        self.notice = Some(format!("Link [{n}]… (more digits, or Enter to open)"));
        Some(vec![])
    }

    pub(super) fn open_link_number(&mut self, n: usize) -> Vec<Command> {
        match self
            .article
            .as_ref()
            .and_then(|d| d.links.get(n.wrapping_sub(1)))
        {
            Some(url) => vec![Command::OpenUrl(url.clone())],
            None => self.say(&format!("This article has no link [{n}]")),
        }
    }

    /// Pipes the open article to `command` (the pipe dialog's, or `pipe_command`).
    pub(super) fn pipe_article(&mut self, command: String) -> Vec<Command> {
        let Some(doc) = &self.article else {
            return self.say("Open an article first");
        };
        let doc = Box::new(doc.clone());
        self.notice = Some(format!("Running {}…", clean_line(&command)));
        self.last_pipe = command.clone();
        vec![Command::PipeArticle {
            doc,
            full: self.prefer_full,
            command,
        }]
    }

    /// `F`: full-article fetching on or off for the selected feed (or the open article's feed).
    fn toggle_feed_full_text(&mut self) -> Vec<Command> {
        let feed_id = match self.focus {
            Pane::Feeds => match self.entries.get(self.feed_cursor).map(|e| &e.scope) {
                Some(Scope::Feed(id)) => Some(*id),
                _ => None,
            },
            Pane::Headlines => self.selected_headline().map(|h| h.feed_id),
            Pane::Article => self.article.as_ref().map(|d| d.feed_id),
        };
        let Some(feed) = feed_id.and_then(|id| self.feeds.iter_mut().find(|f| f.id == id)) else {
            return self.say("Select a feed to toggle full-article fetching");
        };
        feed.full_text = !feed.full_text;
        let (feed_id, on) = (feed.id, feed.full_text);
        let title = clean_line(&feed.title);
        self.notice = Some(if on {
            format!("Full articles on for {title}: fetched with each refresh")
        } else {
            format!("Full articles off for {title}")
        });
        let mut commands = vec![Command::SetFeedFullText { feed_id, on }];
        if on {
            commands.push(Command::Refresh(vec![feed_id]));
        }
        commands
    }

    fn refresh_selected(&mut self) -> Vec<Command> {
        // The feed list's selection, else the list on screen (a feed, a tag, All), from any pane.
        let scope = match self.focus {
            Pane::Feeds => self.entries.get(self.feed_cursor).map(|e| e.scope.clone()),
            Pane::Headlines | Pane::Article => Some(self.scope.clone()),
        };
        match scope {
            None => vec![],
            Some(Scope::All | Scope::Starred | Scope::Search(_) | Scope::Hidden) => {
                vec![Command::RefreshAll]
            }
            Some(Scope::Feed(id)) => vec![Command::Refresh(vec![id])],
            Some(Scope::Tag(tag)) => {
                let ids = self
                    .feeds
                    .iter()
                    .filter(|f| f.tags.contains(&tag))
                    .map(|f| f.id)
                    .collect();
                vec![Command::Refresh(ids)]
            }
        }
    }
}
