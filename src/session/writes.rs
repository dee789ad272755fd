//! Parsed feeds on their way into the cache, written several to a transaction when they queue up.
//!
//! In a big refresh the one writer is the slowest stage, so parsed feeds wait for it. Rather than a
//! job (and a transaction, an index segment and a commit) per feed, the writer takes everything that
//! waits when it gets there, up to [`ITEMS_PER_TRANSACTION`] items, and writes it as one
//! ([`Store::apply_refreshes`]). When the writer is idle a feed is written at once, alone, so no feed
//! waits for company. Each feed still gets its own answer, and a feed that cannot be written fails
//! alone.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::SessionError;
use super::db::{Db, Lane};
use crate::store::{ITEMS_PER_TRANSACTION, RefreshWrite, Store};

/// A feed's write and where its answer goes.
struct Waiting {
    write: RefreshWrite,
    /// The feed's new address, once it served a feed from there (a permanent redirect).
    moved_to: Option<String>,
    done: oneshot::Sender<Result<usize, SessionError>>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Waiting>,
    /// A job that takes from `waiting` is queued on the writer.
    scheduled: bool,
}

/// The queue of parsed feeds in front of the writer. Cheap to share: clone the `Arc`.
pub struct FeedWrites {
    db: Db,
    state: Mutex<State>,
}

impl FeedWrites {
    pub fn new(db: Db) -> Arc<FeedWrites> {
        Arc::new(FeedWrites {
            db,
            state: Mutex::new(State::default()),
        })
    }

    /// Stores one feed's refresh (and follows its redirect), in the writer's background lane;
    /// answers how many articles were new.
    pub async fn write(
        self: &Arc<Self>,
        write: RefreshWrite,
        moved_to: Option<String>,
    ) -> Result<usize, SessionError> {
        let (done, answer) = oneshot::channel();
        let schedule = {
            let mut state = self.lock();
            state.waiting.push_back(Waiting {
                write,
                moved_to,
                done,
            });
            !std::mem::replace(&mut state.scheduled, true)
        };
        if schedule {
            self.schedule();
        }
        answer.await.map_err(|_| SessionError::TaskPanicked)?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a job on the writer that takes what waits then. If the cache is gone, everything
    /// waiting is answered with that.
    fn schedule(self: &Arc<Self>) {
        let me = Arc::clone(self);
        if let Err(e) = self.db.submit(Lane::Background, move |store| me.run(store)) {
            let mut state = self.lock();
            state.scheduled = false;
            for waiting in state.waiting.drain(..) {
                let _ = waiting.done.send(Err(SessionError::CacheGone));
            }
            tracing::warn!(error = %e, "refresh writes dropped");
        }
    }

    /// On the writer: takes the feeds waiting (up to the cap), queues a job for any left over, and
    /// writes them.
    fn run(self: &Arc<Self>, store: &mut Store) {
        let (batch, more) = {
            let mut state = self.lock();
            let batch = take_batch(&mut state.waiting);
            let more = !state.waiting.is_empty();
            state.scheduled = more;
            (batch, more)
        };
        if more {
            self.schedule();
        }
        let (writes, answers): (Vec<RefreshWrite>, Vec<_>) = batch
            .into_iter()
            .map(|w| (w.write, (w.moved_to, w.done)))
            .unzip();
        tracing::debug!(
            feeds = writes.len(),
            items = writes.iter().map(|w| w.content.items.len()).sum::<usize>(),
            "writing refreshed feeds"
        );
        let results = store.apply_refreshes(&writes);
        for ((write, result), (moved_to, done)) in writes.iter().zip(results).zip(answers) {
            let answer = result.map_err(SessionError::from).and_then(|new| {
                if new > 0 {
                    super::downloads::queue_new_episodes(
                        store,
                        write.feed_id,
                        write.meta.fetched_at,
                    );
                }
                // A permanent redirect is followed in the store only once the new address served
                // a feed.
                if let Some(url) = moved_to {
                    store.move_feed(write.feed_id, &url)?;
                }
                Ok(new)
            });
            let _ = done.send(answer);
        }
    }
}

/// The first feed waiting, and those after it while their items stay within
/// [`ITEMS_PER_TRANSACTION`].
fn take_batch(waiting: &mut VecDeque<Waiting>) -> Vec<Waiting> {
    let mut batch = Vec::new();
    let mut items = 0;
    while let Some(next) = waiting.front() {
        let n = next.write.content.items.len();
        if !batch.is_empty() && items + n > ITEMS_PER_TRANSACTION {
            break;
        }
        items += n;
        batch.extend(waiting.pop_front());
    }
    batch
}
