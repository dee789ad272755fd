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

/// The default configuration, every setting commented with what it does (`tidings config --default`).
pub const DEFAULT_FILE: &str = r#"# tidings configuration: ~/.config/tidings/config.toml (or DIR/config.toml with --home DIR).
# Every setting is optional; these are the defaults. Unknown settings are errors.

# Minutes between two refreshes of the same feed (a feed's own `--every` wins).
refresh_interval_minutes = 60
# Feeds fetched at the same time, and requests at the same time to one host.
max_concurrent_fetches = 8
max_per_host = 2
# Whole-request and connect timeouts, in seconds.
timeout_seconds = 30
connect_timeout_seconds = 10
# Largest response accepted, after decompression, in bytes.
max_body_bytes = 16777216
# The program that opens links; `%u` marks where the URL goes, else it is the last argument.
# Unset: $BROWSER, then xdg-open.
# browser = "firefox --new-tab %u"
# The browser runs in this terminal (w3m, lynx): the reader steps aside until it exits.
browser_in_terminal = false
"#;

impl Config {
    /// The configuration in effect, as TOML (`tidings config`).
    pub fn to_toml(&self) -> String {
        let mut text = toml::to_string(self).unwrap_or_default();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

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
