//! Newsboat on the same data: a profile directory (HOME and XDG dirs inside it, a urls file, a config
//! and `cache.db`), `newsboat -x reload` runs, counting what it stored, and filling its cache with
//! rusqlite for the start-up comparison.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, params};

use crate::feedgen::Item;
use crate::spawner::Spawn;

/// Where newsboat is, and its version line.
#[derive(Clone, Debug)]
pub struct Newsboat {
    pub bin: PathBuf,
    pub version: String,
}

/// Finds `newsboat` on PATH.
pub fn find() -> Option<Newsboat> {
    let path = std::env::var_os("PATH")?;
    let bin = std::env::split_paths(&path)
        .map(|d| d.join("newsboat"))
        .find(|p| p.is_file())?;
    let out = Command::new(&bin).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("newsboat (unknown version)")
        .split(" - ")
        .next()
        .unwrap_or_default()
        .to_string();
    Some(Newsboat { bin, version })
}

/// One newsboat profile inside `dir`.
pub struct Profile {
    pub dir: PathBuf,
}

impl Profile {
    /// Writes the urls file and a config with `reload-threads threads`.
    pub fn create(dir: &Path, urls: &[String], threads: usize) -> Result<Profile> {
        for sub in [".config", ".local/share", ".cache"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("cannot create {}", dir.join(sub).display()))?;
        }
        let mut list = urls.join("\n");
        list.push('\n');
        std::fs::write(dir.join("urls"), list).context("cannot write newsboat's urls file")?;
        // No cleanup pass at exit: it would add work unrelated to what is measured.
        let config = format!(
            "reload-threads {threads}\ncleanup-on-quit no\nshow-read-feeds yes\nconfirm-exit no\n"
        );
        std::fs::write(dir.join("config"), config).context("cannot write newsboat's config")?;
        Ok(Profile {
            dir: dir.to_path_buf(),
        })
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.join("cache.db")
    }

    /// `-u URLS -c CACHE -C CONFIG`.
    pub fn args(&self) -> Vec<String> {
        let p = |name: &str| self.dir.join(name).display().to_string();
        vec![
            "-u".into(),
            p("urls"),
            "-c".into(),
            p("cache.db"),
            "-C".into(),
            p("config"),
        ]
    }

    /// HOME and the XDG directories, all inside the profile.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.dir.clone()),
            ("XDG_CONFIG_HOME", self.dir.join(".config")),
            ("XDG_DATA_HOME", self.dir.join(".local/share")),
            ("XDG_CACHE_HOME", self.dir.join(".cache")),
        ]
    }

    /// `newsboat ARGS… -x ACTION` as a command (not started).
    pub fn command(&self, nb: &Newsboat, action: &str) -> Command {
        let mut cmd = Command::new(&nb.bin);
        cmd.args(self.args())
            .arg("-x")
            .arg(action)
            .current_dir(&self.dir);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd
    }

    /// The same, for the spawn helper (measured runs).
    pub fn spawn(&self, nb: &Newsboat, action: &str) -> Spawn {
        let mut args = self.args();
        args.extend(["-x".to_string(), action.to_string()]);
        Spawn {
            program: nb.bin.display().to_string(),
            args,
            env: self
                .env()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.display().to_string()))
                .collect(),
            cwd: Some(self.dir.display().to_string()),
            ..Spawn::default()
        }
    }

    /// Rows in `rss_item` (what newsboat stored).
    pub fn item_count(&self) -> Result<i64> {
        let conn = Connection::open(self.cache())
            .with_context(|| format!("cannot open {}", self.cache().display()))?;
        conn.query_row("SELECT COUNT(*) FROM rss_item", [], |r| r.get(0))
            .context("cannot count newsboat's rss_item rows")
    }

    /// Lets newsboat create an empty cache (`-x print-unread`), so its own schema is used.
    pub fn create_cache(&self, nb: &Newsboat) -> Result<()> {
        let out = self
            .command(nb, "print-unread")
            .output()
            .context("cannot run newsboat -x print-unread")?;
        if !out.status.success() || !self.cache().exists() {
            bail!(
                "newsboat -x print-unread did not create {} ({}): {}",
                self.cache().display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }
}

/// Fills a newsboat cache in one transaction per call.
pub struct CacheWriter {
    conn: Connection,
}

impl CacheWriter {
    pub fn open(path: &Path) -> Result<CacheWriter> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open newsboat's cache {}", path.display()))?;
        conn.execute_batch("PRAGMA synchronous = OFF;")?;
        Ok(CacheWriter { conn })
    }

    pub fn add_feed(&mut self, url: &str, site: &str, title: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO rss_feed (rssurl, url, title) VALUES (?1, ?2, ?3)",
                params![url, site, title],
            )
            .context("cannot insert into newsboat's rss_feed")?;
        Ok(())
    }

    pub fn add_items(&mut self, feed_url: &str, items: &[Item]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread,
                                       enclosure_url, enclosure_type, enqueued, flags, deleted, base)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, '', '', 0, '', 0, '')",
            )?;
            for i in items {
                stmt.execute(params![
                    i.guid, i.title, i.author, i.link, feed_url, i.time, i.html
                ])
                .context("cannot insert into newsboat's rss_item")?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
