//! The one owner of the cache inside a process. Every write goes to one thread that holds the only
//! writing connection, so read/starred flags, subscriptions and refreshes are written from one place
//! and never race each other for SQLite's lock. Reads that a person waits for (lists, an article) run
//! on a second thread with its own connection: WAL lets them read beside a refresh's writes.
//!
//! Writes come in two lanes. What a person did (a flag, an edit, a new subscription) goes ahead of the
//! refresh work already queued, so a key is never answered after a 2,000-feed refresh's backlog.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use super::SessionError;
use crate::store::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// Which queue a write waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Something a person did: runs before queued background work.
    Interactive,
    /// Refresh and full-text work, in order.
    Background,
}

#[derive(Default)]
struct Queues {
    interactive: VecDeque<Job>,
    background: VecDeque<Job>,
    closed: bool,
}

/// A thread that runs jobs on its own connection, interactive ones first.
struct Worker {
    queues: Mutex<Queues>,
    ready: Condvar,
}

impl Worker {
    fn spawn(
        name: &str,
        mut store: Store,
    ) -> Result<(Arc<Worker>, std::thread::JoinHandle<()>), SessionError> {
        let worker = Arc::new(Worker {
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
        });
        let me = Arc::clone(&worker);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Some(job) = me.next_job() {
                    // A job that panicked drops its answer; the caller sees the error, the thread goes on.
                    let ran =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut store)));
                    if ran.is_err() {
                        tracing::error!("a cache task panicked");
                    }
                }
            })
            .map_err(|e| SessionError::Thread(e.to_string()))?;
        Ok((worker, thread))
    }

    /// The next job, or `None` once every handle is gone and the queues are empty (so every write
    /// queued before quitting lands).
    fn next_job(&self) -> Option<Job> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(job) = q
                .interactive
                .pop_front()
                .or_else(|| q.background.pop_front())
            {
                return Some(job);
            }
            if q.closed {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn push(&self, lane: Lane, job: Job) -> Result<(), SessionError> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            return Err(SessionError::CacheGone);
        }
        match lane {
            Lane::Interactive => q.interactive.push_back(job),
            Lane::Background => q.background.push_back(job),
        }
        drop(q);
        self.ready.notify_one();
        Ok(())
    }

    fn close(&self) {
        self.queues.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.ready.notify_all();
    }
}

struct Inner {
    writer: Arc<Worker>,
    /// `None` for a single connection: reads then go to the writer.
    reader: Option<Arc<Worker>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Inner {
    /// Lets the threads finish their queues, then waits for them: their connections close, which
    /// checkpoints the WAL into the database and removes it.
    fn shutdown(&self) {
        self.writer.close();
        if let Some(r) = &self.reader {
            r.close();
        }
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for thread in threads {
            if thread.join().is_err() {
                tracing::error!("a cache thread panicked");
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A handle on the cache's threads; cheap to clone. The threads finish their queues and stop when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl Db {
    /// Opens (creating and migrating) the cache at `path`: a writing and a reading connection.
    pub fn open(path: &Path) -> Result<Db, SessionError> {
        let writer = Store::open(path)?;
        let reader = Store::open(path)?;
        let (writer, w) = Worker::spawn("store-writer", writer)?;
        let (reader, r) = Worker::spawn("store-reader", reader)?;
        Ok(Db {
            inner: Arc::new(Inner {
                writer,
                reader: Some(reader),
                threads: Mutex::new(vec![w, r]),
            }),
        })
    }

    /// A handle over one connection that both writes and reads (tests, in-memory caches).
    pub fn from_store(store: Store) -> Result<Db, SessionError> {
        let (writer, thread) = Worker::spawn("store-writer", store)?;
        Ok(Db {
            inner: Arc::new(Inner {
                writer,
                reader: None,
                threads: Mutex::new(vec![thread]),
            }),
        })
    }

    fn reader(&self) -> &Worker {
        self.inner.reader.as_deref().unwrap_or(&self.inner.writer)
    }

    /// Runs `f` on the writer thread in `lane` and waits for its answer.
    pub async fn write<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SessionError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.inner.writer.push(
            lane,
            Box::new(move |s| {
                let _ = done.send(f(s));
            }),
        )?;
        Ok(answer.await.map_err(|_| SessionError::TaskPanicked)??)
    }

    /// Queues `f` on the writer thread in `lane` without waiting for it: `f` answers by its own
    /// means (see `writes.rs`).
    pub fn submit(
        &self,
        lane: Lane,
        f: impl FnOnce(&mut Store) + Send + 'static,
    ) -> Result<(), SessionError> {
        self.inner.writer.push(lane, Box::new(f))
    }

    /// Runs `f` on the reader thread and waits for its answer.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SessionError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.reader().push(
            Lane::Interactive,
            Box::new(move |s| {
                let _ = done.send(f(s));
            }),
        )?;
        Ok(answer.await.map_err(|_| SessionError::TaskPanicked)??)
    }

    /// [`Db::write`] for code outside an async runtime (the CLI, tests).
    pub fn write_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SessionError> {
        let (done, answer) = std::sync::mpsc::sync_channel(1);
        self.inner.writer.push(
            Lane::Interactive,
            Box::new(move |s| {
                let _ = done.send(f(s));
            }),
        )?;
        Ok(answer.recv().map_err(|_| SessionError::TaskPanicked)??)
    }

    /// [`Db::read`] for code outside an async runtime (the CLI, tests).
    pub fn read_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SessionError> {
        let (done, answer) = std::sync::mpsc::sync_channel(1);
        self.reader().push(
            Lane::Interactive,
            Box::new(move |s| {
                let _ = done.send(f(s));
            }),
        )?;
        Ok(answer.recv().map_err(|_| SessionError::TaskPanicked)??)
    }

    /// Runs what is queued, closes the connections and stops the threads (before the process exits;
    /// later calls on any handle get [`SessionError::CacheGone`]).
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}
