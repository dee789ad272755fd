//! Checkpoints off the writer's path. While a refresh writes, the WAL is copied into the database by a
//! thread with its own connection, so the writer never stops to wait for the disk (a checkpoint ends
//! with an fsync). Durability is unchanged: commits are as safe as before, only the copying moved.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::{Result, Store};

/// How often the background thread copies what the writer has committed.
const EVERY: Duration = Duration::from_millis(25);
/// SQLite's own default: the writer checkpoints itself once the WAL holds this many pages.
const DEFAULT_AUTO_CHECKPOINT: i64 = 1000;

/// Background checkpoints until dropped (the last one runs before the drop returns).
pub struct BackgroundCheckpoints {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Store {
    /// Turns this connection's own checkpoints off or back on (SQLite's default).
    pub fn set_auto_checkpoint(&mut self, on: bool) -> Result<()> {
        let pages = if on { DEFAULT_AUTO_CHECKPOINT } else { 0 };
        self.conn.pragma_update(None, "wal_autocheckpoint", pages)?;
        Ok(())
    }

    /// Starts checkpointing this cache on a thread of its own; pair with `set_auto_checkpoint(false)`
    /// on the writer. `None` for an in-memory cache or when the thread can't start (the writer then
    /// keeps checkpointing itself).
    pub fn checkpoint_in_background(&self) -> Option<BackgroundCheckpoints> {
        let path = self.conn.path().filter(|p| !p.is_empty())?.to_string();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("checkpoints".into())
            .spawn(move || {
                let conn = match Connection::open(&path) {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "background checkpoints could not start");
                        return;
                    }
                };
                let _ = conn.busy_timeout(Duration::from_secs(1));
                let _ = conn.pragma_update(None, "synchronous", "NORMAL");
                let checkpoint = || {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "background checkpoint failed");
                    }
                };
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    checkpoint();
                }
                checkpoint();
            })
            .map_err(|e| tracing::warn!(error = %e, "no thread for background checkpoints"))
            .ok()?;
        Some(BackgroundCheckpoints {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundCheckpoints {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the checkpoint thread panicked");
        }
    }
}
