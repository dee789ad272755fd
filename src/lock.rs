//! One reader per profile: an advisory lock on `tidings.lock` in the data directory.
//!
//! The reader (the TUI) takes the lock for as long as it runs, so that a second reader on the same
//! profile is refused with a clear message instead of two UIs refreshing and marking articles side by
//! side. The headless commands (`add`, `list`, `refresh`, …) do not take it: SQLite's WAL mode and busy
//! timeout make them safe beside a running reader.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows, through
//! [`std::fs::File::try_lock`]), held by the open file: it goes away when the holder exits, however it
//! exits (a crash or SIGKILL included), so there is never a stale lock to clean up. The file itself
//! stays; it only carries the holder's pid for the message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file's name inside the data directory.
pub const LOCK_FILE_NAME: &str = "tidings.lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock. `pid` is what it wrote into the lock file, when readable.
    #[error("tidings is already running on this profile ({})", pid_text(*.pid))]
    AlreadyRunning { pid: Option<u32> },
    /// The lock file could not be opened or locked.
    #[error("cannot lock the profile ({}): {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn pid_text(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("pid {pid}"),
        None => "pid unknown".to_string(),
    }
}

/// The profile's lock, held while this value lives.
#[derive(Debug)]
pub struct ProfileLock {
    /// `None` when the file system cannot lock files at all: then nothing is enforced.
    file: Option<File>,
    path: PathBuf,
}

impl ProfileLock {
    /// Takes the lock of the profile whose data directory is `data_dir` (which must exist), without
    /// waiting: fails with [`LockError::AlreadyRunning`] when another process (or another
    /// `ProfileLock` in this one) holds it. On a file system that does not support locks at all,
    /// succeeds without a lock (and logs a warning) rather than refusing to start.
    pub fn acquire(data_dir: &Path) -> Result<ProfileLock, LockError> {
        ProfileLock::acquire_file(data_dir.join(LOCK_FILE_NAME))
    }

    /// [`ProfileLock::acquire`] of another lock file of the profile (the download queue's
    /// `downloads.lock`: one process runs the queue at a time).
    pub fn acquire_file(path: PathBuf) -> Result<ProfileLock, LockError> {
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        // Never truncate before holding the lock: the holder's pid is in there.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::AlreadyRunning {
                    pid: read_holder_pid(&mut file),
                });
            }
            Err(std::fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                tracing::warn!(path = %path.display(), error = %e, "file locks are not supported here; a second reader is not prevented");
                return Ok(ProfileLock { file: None, path });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(e)),
        }
        write_pid(&mut file).map_err(io_error)?;
        Ok(ProfileLock {
            file: Some(file),
            path,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the lock is really held (false only where the file system cannot lock files).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first just makes it explicit. The pid is
        // left in the file: removing or truncating it here could race with the next holder.
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
    }
}

fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()
}

/// The pid the holder wrote. The holder writes it right after locking, so an empty file is given a
/// moment before giving up.
fn read_holder_pid(file: &mut File) -> Option<u32> {
    for _ in 0..10 {
        let mut text = String::new();
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text));
        if read.is_ok()
            && let Ok(pid) = text.trim().parse::<u32>()
        {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}
