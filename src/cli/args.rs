//! The command line's words: every command and option, as clap reads them. The help, the shell
//! completions and the man page are generated from these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::{account, download, saved};
use crate::session::subscriptions::parse_minutes;

#[derive(Debug, Parser)]
#[command(
    name = "tidings",
    version,
    about = "A terminal news reader with an offline cache"
)]
pub struct Cli {
    /// Keep config, cache and log in DIR instead of the XDG directories.
    #[arg(long, global = true, env = "TIDINGS_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Subscribe to a feed (http(s) URL, file:// URL or local path).
    Add {
        url: String,
        /// A tag (group) for the feed; repeat for more.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Show the feed under this title instead of its own.
        #[arg(long)]
        title: Option<String>,
        /// Fetch each new article's page and keep its full text for offline reading.
        #[arg(long)]
        full_text: bool,
        /// Refresh this feed every DURATION (e.g. 30m, 2h, 1d) instead of the default.
        #[arg(long, value_name = "DURATION", value_parser = parse_minutes)]
        every: Option<i64>,
    },
    /// Change a feed's settings.
    Edit {
        /// The feed's URL or id.
        feed: String,
        /// Refresh every DURATION (e.g. 30m, 2h, 1d); `default` for the configured interval.
        #[arg(long, value_name = "DURATION", value_parser = parse_every)]
        every: Option<Every>,
        /// Show the feed under this title; an empty title restores the feed's own.
        #[arg(long)]
        title: Option<String>,
        /// Fetch full articles for this feed (true/false).
        #[arg(long, value_name = "BOOL")]
        full_text: Option<bool>,
        /// Replace the feed's tags (repeat for more; `--tag ''` clears them).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Option<Vec<String>>,
        /// Leave the feed out of the reader's feed list (true/false).
        #[arg(long, value_name = "BOOL")]
        hidden: Option<bool>,
        /// Queue the feed's new episodes for download after each refresh (true/false).
        #[arg(long, value_name = "BOOL")]
        auto_download: Option<bool>,
    },
    /// Rename a tag on every feed that has it.
    RenameTag { from: String, to: String },
    /// Unsubscribe from a feed (by URL or id); its articles are deleted, except starred ones.
    Remove {
        feed: String,
        /// Delete its starred articles too.
        #[arg(long)]
        with_starred: bool,
    },
    /// Subscribe to the feeds of an OPML file or a Newsboat `urls` file (told apart by content);
    /// folders and tags become tags.
    Import {
        file: Option<PathBuf>,
        /// Also take local feeds (file:// URLs and paths) from the file.
        #[arg(long)]
        allow_local: bool,
        /// Bring read and starred state over from this Newsboat cache.db (after the import).
        #[arg(long, value_name = "CACHE_DB")]
        newsboat_cache: Option<PathBuf>,
    },
    /// Print the subscriptions as OPML 2.0.
    Export,
    /// Fetch feeds now: the given URLs/ids, else all of them except those a server asked to be left
    /// alone (410 Gone, Retry-After).
    Refresh {
        feeds: Vec<String>,
        /// Only the feeds whose own schedule says they are due (for cron).
        #[arg(long, conflicts_with = "feeds")]
        due: bool,
    },
    /// Print the configuration in effect, or (`--default`) a commented default file to start from.
    Config {
        #[arg(long)]
        default: bool,
    },
    /// Search every article in the cache (see README for the query language).
    Search {
        query: String,
        /// Only in this feed (URL or id).
        #[arg(long)]
        feed: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Check the cache: integrity, counts; salvage a damaged one, or restore a backup.
    Check {
        /// Copy every row that can still be read into a new cache and put it in place (the damaged
        /// file is kept beside it).
        #[arg(long, conflicts_with = "restore")]
        salvage: bool,
        /// Put the newest backup (or the one given) in place of the cache.
        #[arg(long, value_name = "BACKUP", num_args = 0..=1, default_missing_value = "newest")]
        restore: Option<PathBuf>,
        /// Make a backup now.
        #[arg(long, conflicts_with_all = ["salvage", "restore"])]
        backup: bool,
    },
    /// List feeds or articles.
    List {
        what: ListWhat,
        /// Only articles of this feed (URL or id).
        #[arg(long)]
        feed: Option<String>,
        /// Only unread articles.
        #[arg(long)]
        unread: bool,
        /// Only articles this query matches (the language of `search`), newest first.
        #[arg(long, conflicts_with = "feed")]
        query: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print the main article text of one HTML page (plain text, no link list).
    Extract {
        /// The page's URL, for resolving relative links.
        #[arg(long)]
        url: Option<String>,
        /// The HTML file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Print an article as the article pane shows it.
    Show {
        id: i64,
        /// Wrap the text at this many columns (default: the terminal's width, or 80).
        #[arg(long)]
        width: Option<u16>,
    },
    /// Print the completion script for a shell (see README for where it goes).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `tidings man > ~/.local/share/man/man1/tidings.1`.
    Man,
    /// Saved searches: listed in the reader like feeds, with their counts.
    Saved {
        #[command(subcommand)]
        action: saved::SavedAction,
    },
    /// Filters: hide (or mark read) what a query matches as it arrives.
    Filter {
        #[command(subcommand)]
        action: saved::FilterCommand,
    },
    /// Download enclosures (podcast episodes): queue a feed's or an article's, then run the queue
    /// (with a progress bar on a terminal); exits 1 if a download failed. `--list` shows the queue.
    Download(download::DownloadArgs),
    /// Sync with a feed server (Tiny Tiny RSS, or one that speaks Fever) instead of polling feeds.
    Account {
        #[command(subcommand)]
        action: account::AccountAction,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Feeds,
    Articles,
}

/// `--every` for `edit`: a duration, or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Default,
    Minutes(i64),
}

fn parse_every(s: &str) -> Result<Every, String> {
    if s.eq_ignore_ascii_case("default") {
        Ok(Every::Default)
    } else {
        parse_minutes(s).map(Every::Minutes)
    }
}
