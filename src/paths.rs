//! Where a profile keeps its config, cache and log (XDG directories, or one `--home` directory).

use std::path::{Path, PathBuf};

/// The files of one profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Profile {
    /// `home` (from `--home` or `TIDINGS_HOME`) puts everything under one directory; otherwise the XDG
    /// config and data directories are used.
    pub fn resolve(home: Option<&Path>) -> anyhow::Result<Profile> {
        if let Some(home) = home {
            return Ok(Profile {
                config_dir: home.to_path_buf(),
                data_dir: home.to_path_buf(),
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "tidings").ok_or_else(|| {
            anyhow::anyhow!("cannot find a home directory; pass --home DIR or set TIDINGS_HOME")
        })?;
        Ok(Profile {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn cache_file(&self) -> PathBuf {
        self.data_dir.join("cache.db")
    }

    pub fn log_file_name(&self) -> &'static str {
        "tidings.log"
    }

    /// Creates the directories if they do not exist yet.
    pub fn ensure_dirs(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.config_dir)?;
        std::fs::create_dir_all(&self.data_dir)
    }
}
