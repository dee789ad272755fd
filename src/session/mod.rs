//! The core that both front ends stand on. A [`Session`] owns the one cache handle of the process
//! ([`db::Db`]: one writer thread, one reader thread), the HTTP client and the [`refresh::Refresher`],
//! the download queue ([`downloads::Downloader`]), the subscription operations ([`subscriptions`])
//! and the configuration. The TUI (`ui`) and the command line (`cli`) are thin front ends on it and
//! never import each other.
//!
//! The HTTP client is built on first use: loading the system's TLS roots costs milliseconds that the
//! reader's first frame should not wait for.

pub mod account;
pub mod article;
pub mod db;
pub mod downloads;
pub mod images;
pub mod refresh;
pub mod search;
pub mod subscriptions;
pub mod sync;
pub mod welcome;
pub mod writes;

use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::feed::fetch::{FetchError, FetchLimits, Fetcher};
use crate::paths::Profile;
use crate::store::StoreError;
use db::Db;
use refresh::Refresher;

/// What can go wrong below the front ends; they format it.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("cannot start a thread: {0}")]
    Thread(String),
    #[error("the cache has been closed")]
    CacheGone,
    #[error("a cache task failed (see the log)")]
    TaskPanicked,
    #[error(transparent)]
    Account(#[from] account::AccountError),
}

/// One profile, opened: the cache, the client, the refresher and the settings.
pub struct Session {
    config: Config,
    db: Db,
    /// The cache file (`None` for a session over a store handed in by a test).
    cache: Option<std::path::PathBuf>,
    refresher: OnceLock<Arc<Refresher>>,
    /// The sync account (`account.toml`); without one, the profile polls its feeds itself.
    account: Option<account::Account>,
    syncer: OnceLock<Arc<sync::Syncer>>,
    downloader: OnceLock<Arc<downloads::Downloader>>,
}

impl Session {
    /// Opens the profile's cache (creating and migrating it). Nothing touches the network.
    pub fn open(profile: &Profile, config: Config) -> Result<Session, SessionError> {
        let account = account::Account::load(&profile.config_dir)?;
        let cache = profile.cache_file();
        let db = Db::open(&cache)?;
        let mut session = Session::with_db(db, config);
        session.cache = Some(cache);
        session.account = account;
        Ok(session)
    }

    /// A session over an already open cache (tests).
    pub fn with_db(db: Db, config: Config) -> Session {
        Session {
            config,
            db,
            cache: None,
            refresher: OnceLock::new(),
            account: None,
            syncer: OnceLock::new(),
            downloader: OnceLock::new(),
        }
    }

    /// A session that syncs with `account` (tests; `open` reads the profile's account file).
    pub fn with_account(mut self, account: account::Account) -> Session {
        self.account = Some(account);
        self
    }

    /// The sync account, if the profile has one.
    pub fn account(&self) -> Option<&account::Account> {
        self.account.as_ref()
    }

    /// The sync source, when the profile has an account (built on first use; nothing is sent yet).
    pub fn syncer(&self) -> Option<Arc<sync::Syncer>> {
        let account = self.account.as_ref()?;
        Some(Arc::clone(self.syncer.get_or_init(|| {
            Arc::new(sync::Syncer::new(
                account.clone(),
                self.db.clone(),
                &self.config,
            ))
        })))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The refresher (and with it the HTTP client), built on first use.
    pub fn refresher(&self) -> Result<Arc<Refresher>, SessionError> {
        if let Some(r) = self.refresher.get() {
            return Ok(Arc::clone(r));
        }
        let fetcher = Fetcher::new(FetchLimits::from(&self.config))?;
        let refresher = Arc::new(Refresher::new(fetcher, self.db.clone(), &self.config));
        Ok(Arc::clone(self.refresher.get_or_init(|| refresher)))
    }

    /// The download queue's worker and controls, on the refresher's HTTP client (built on first
    /// use; nothing is downloaded until its worker runs). The queue's lock file lies beside the
    /// cache; a session over a store handed in (tests) has none and is the queue's only worker.
    pub fn downloader(&self) -> Result<Arc<downloads::Downloader>, SessionError> {
        if let Some(d) = self.downloader.get() {
            return Ok(Arc::clone(d));
        }
        let fetcher = self.refresher()?.fetcher().clone();
        let lock = self
            .cache
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(|dir| dir.join(downloads::LOCK_FILE_NAME));
        let settings = downloads::DownloadSettings::new(&self.config, lock);
        let downloader = Arc::new(downloads::Downloader::new(
            fetcher,
            self.db.clone(),
            settings,
        ));
        Ok(Arc::clone(self.downloader.get_or_init(|| downloader)))
    }

    /// The image cache, in the cache file's folder (`None` for a session over a store handed in).
    pub fn images(&self) -> Option<images::ImageStore> {
        let dir = self.cache.as_deref()?.parent()?.join(images::IMAGE_DIR);
        Some(images::ImageStore::new(
            dir,
            self.config.image_cache_mb.saturating_mul(1024 * 1024),
        ))
    }

    /// The subscription operations over this session's cache and client.
    pub fn subscriptions(&self) -> subscriptions::Subscriptions<'_> {
        subscriptions::Subscriptions::new(self)
    }

    /// The first start of a profile: the welcome feed, unless the profile already has feeds or
    /// takes them from a sync server.
    pub fn ensure_first_run(&self) -> Result<(), SessionError> {
        if self.account.is_some() {
            return Ok(());
        }
        self.db.write_blocking(welcome::ensure_first_run)
    }

    /// The daily backup of the cache (`cache.db.backup-…`, a few kept), made on a connection of its
    /// own so that neither reads nor writes wait for it. Blocking: call it off the async threads.
    pub fn backup_if_due(&self) -> Result<Option<std::path::PathBuf>, SessionError> {
        let Some(cache) = &self.cache else {
            return Ok(None);
        };
        let store = crate::store::Store::open(cache)?;
        Ok(crate::store::health::backup_if_due(
            &store,
            cache,
            chrono::Utc::now(),
        )?)
    }

    /// Runs every write queued so far and closes the cache (before the process exits).
    pub fn close(&self) {
        self.db.shutdown();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}
