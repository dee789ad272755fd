//! User settings from `config.toml`; every field has a sensible default, so the file is optional.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Minutes between two refreshes of the same feed.
    pub refresh_interval_minutes: u64,
    /// Feeds fetched at the same time.
    pub max_concurrent_fetches: usize,
    /// Requests at the same time to one host.
    pub max_per_host: usize,
    /// Whole-request timeout in seconds (connect, headers and body).
    pub timeout_seconds: u64,
    pub connect_timeout_seconds: u64,
    /// Largest accepted response body after decompression.
    pub max_body_bytes: usize,
    /// Program used to open links; `$BROWSER`, then `xdg-open`, when unset. `%u` marks where the URL
    /// goes, else it is the last argument.
    pub browser: Option<String>,
    /// The browser runs in this terminal (w3m, lynx): the reader steps aside until it exits.
    pub browser_in_terminal: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_interval_minutes: 60,
            max_concurrent_fetches: 8,
            max_per_host: 2,
            timeout_seconds: 30,
            connect_timeout_seconds: 10,
            max_body_bytes: 16 * 1024 * 1024,
            browser: None,
            browser_in_terminal: false,
        }
    }
}

impl Config {
    /// Reads the file if it exists; a missing file gives the defaults, a broken one a clear error.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn refresh_interval(&self) -> Duration {
        Duration::from_secs(self.refresh_interval_minutes.max(1) * 60)
    }
}
