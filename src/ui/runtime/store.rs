//! The executor's cache commands: each [`Command`] that reads or writes the cache, run in order on
//! the store task, and the message it answers with.

use super::executor::{Executor, shown};
use crate::session::SessionError;
use crate::session::article::ArticleDoc;
use crate::session::db::Lane;
use crate::ui::app::{Command, Done, HEADLINE_WINDOW, Msg};

impl Executor {
    pub(super) async fn store_result(&self, command: Command) -> Result<Option<Msg>, SessionError> {
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
                Some(self.headlines(scope, start, HEADLINE_WINDOW).await)
            }
            Command::LoadFirstHeadlines { scope, rows } => {
                Some(self.headlines(scope, 0, rows).await)
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

    /// `len` headlines of `scope` from list position `start`, as the message that answers for them.
    async fn headlines(&self, scope: crate::store::Scope, start: usize, len: usize) -> Msg {
        let asked = scope.clone();
        match self
            .session
            .db()
            .read(move |s| s.headline_window(&scope, start, len))
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
        }
    }
}
