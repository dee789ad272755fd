//! The sync account of a profile: which server, which user, and where the password comes from.
//!
//! It lives in `account.toml` beside `config.toml`, never in the cache (which is copied into
//! backups and may be shared) and never in the log. The password itself is either the output of a
//! command the user names (`password_command`, run as argv without a shell: `pass show tt-rss`), or
//! a file that only its owner may read (`password_file`, mode 0600; tidings refuses anything looser
//! and says why). `tidings account add` writes such a file when the password is typed in.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Longest time a password command may take.
const PASSWORD_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest password accepted, in bytes.
const MAX_PASSWORD: usize = 4096;

/// The server protocols tidings speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Tiny Tiny RSS, through its JSON API.
    Ttrss,
    /// The Fever API (FreshRSS, Miniflux, Coldsweat, TT-RSS's Fever plugin, ...).
    Fever,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ttrss => "Tiny Tiny RSS",
            Kind::Fever => "Fever",
        }
    }
}

/// `account.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub kind: Kind,
    pub url: String,
    pub user: String,
    /// A command whose first line of output is the password (argv, no shell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_command: Option<Vec<String>>,
    /// A file holding the password (mode 0600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid account file {path}: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "the password file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    LoosePasswordFile { path: String, mode: u32 },
    #[error("the password command {command:?} failed: {reason}")]
    PasswordCommand { command: String, reason: String },
    #[error("the account has no password: give --password-command or --password-file")]
    NoPassword,
}

/// Where a profile keeps its account file.
pub fn account_file(config_dir: &Path) -> PathBuf {
    config_dir.join("account.toml")
}

/// Where `tidings account add` keeps a password typed in.
pub fn password_file(config_dir: &Path) -> PathBuf {
    config_dir.join("account.password")
}

impl Account {
    /// The profile's account, if it has one.
    pub fn load(config_dir: &Path) -> Result<Option<Account>, AccountError> {
        let path = account_file(config_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(AccountError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let account: Account = toml::from_str(&text).map_err(|e| AccountError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Some(account))
    }

    /// Writes `account.toml` (mode 0600: it names a user and a server).
    pub fn save(&self, config_dir: &Path) -> Result<PathBuf, AccountError> {
        let path = account_file(config_dir);
        let text = toml::to_string(self).map_err(|e| AccountError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        write_private(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Removes the account file and a password file `account add` wrote; returns whether there was
    /// an account.
    pub fn remove(config_dir: &Path) -> Result<bool, AccountError> {
        let mut removed = false;
        for path in [account_file(config_dir), password_file(config_dir)] {
            match std::fs::remove_file(&path) {
                Ok(()) => removed |= path == account_file(config_dir),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(AccountError::Write {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        }
        Ok(removed)
    }

    /// Where the password comes from, for `tidings account show` (never the password).
    pub fn password_source(&self) -> String {
        match (&self.password_command, &self.password_file) {
            (Some(argv), _) => format!("the output of {}", argv.join(" ")),
            (None, Some(path)) => format!("the file {}", path.display()),
            (None, None) => "nowhere (no password set)".to_string(),
        }
    }

    /// The password: the command's first line of output, or the file's first line.
    pub async fn password(&self) -> Result<String, AccountError> {
        if let Some(argv) = &self.password_command {
            return run_password_command(argv).await;
        }
        if let Some(path) = &self.password_file {
            return read_password_file(path);
        }
        Err(AccountError::NoPassword)
    }
}

/// Writes a file only its owner can read, replacing what was there.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AccountError> {
    let err = |source| AccountError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(err)?;
        file.write_all(bytes).map_err(err)?;
        file.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

fn read_password_file(path: &Path) -> Result<String, AccountError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| AccountError::Read {
        path: shown.clone(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AccountError::LoosePasswordFile { path: shown, mode });
        }
    }
    if meta.len() > MAX_PASSWORD as u64 {
        return Err(AccountError::Invalid {
            path: shown,
            message: format!("a password file holds at most {MAX_PASSWORD} bytes"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| AccountError::Read {
        path: shown.clone(),
        source,
    })?;
    first_line(&text).ok_or(AccountError::Invalid {
        path: shown,
        message: "the file is empty".into(),
    })
}

async fn run_password_command(argv: &[String]) -> Result<String, AccountError> {
    let shown = argv.join(" ");
    let fail = |reason: String| AccountError::PasswordCommand {
        command: shown.clone(),
        reason,
    };
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("it is empty".into()))?;
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(PASSWORD_COMMAND_TIMEOUT, child)
        .await
        .map_err(|_| {
            fail(format!(
                "no answer in {} s",
                PASSWORD_COMMAND_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        return Err(fail(format!("it exited with {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout[..output.stdout.len().min(MAX_PASSWORD)])
        .into_owned();
    first_line(&text).ok_or_else(|| fail("it printed nothing".into()))
}

fn first_line(text: &str) -> Option<String> {
    let line = text.lines().next()?.trim_end_matches('\r');
    (!line.is_empty()).then(|| line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "secret\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = read_password_file(&path).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(read_password_file(&path).unwrap(), "secret");
    }

    #[test]
    fn an_account_round_trips_and_its_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let account = Account {
            kind: Kind::Fever,
            url: "http://127.0.0.1:1/fever/".into(),
            user: "me".into(),
            password_command: Some(vec!["printf".into(), "pw".into()]),
            password_file: None,
        };
        let path = account.save(dir.path()).unwrap();
        assert_eq!(Account::load(dir.path()).unwrap(), Some(account));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(Account::remove(dir.path()).unwrap());
        assert_eq!(Account::load(dir.path()).unwrap(), None);
    }

    #[tokio::test]
    async fn a_password_command_runs_without_a_shell() {
        let account = Account {
            kind: Kind::Ttrss,
            url: "http://127.0.0.1:1/".into(),
            user: "me".into(),
            password_command: Some(vec![
                "printf".into(),
                "%s\\nsecond".into(),
                "p w;$(x)".into(),
            ]),
            password_file: None,
        };
        assert_eq!(account.password().await.unwrap(), "p w;$(x)");
        let failing = Account {
            password_command: Some(vec!["false".into()]),
            ..account
        };
        assert!(failing.password().await.is_err());
    }
}
