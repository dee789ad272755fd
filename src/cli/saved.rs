//! `tidings saved …` (saved searches, listed in the reader like feeds) and `tidings filter …`
//! (rules that hide or mark read what they match as it arrives), on the session's operations.

use std::process::ExitCode;

use clap::Subcommand;

use super::{block_on, emit, emit_line};
use crate::session::Session;
use crate::store::FilterAction;
use crate::text::clean_line;

#[derive(Debug, Subcommand)]
pub enum SavedAction {
    /// The saved searches with their unread and total counts.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Save a search (a search of that name gets the new query).
    Add { name: String, query: String },
    /// Remove a saved search (by name or id).
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum FilterCommand {
    /// The filters: those from config.toml, then those made here.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Hide (or with --read, mark read) the articles QUERY matches as they arrive.
    Add {
        query: String,
        /// Mark them read instead of hiding them.
        #[arg(long)]
        read: bool,
        /// Also apply it to the articles already stored.
        #[arg(long)]
        now: bool,
    },
    /// Remove a filter made here (by id); what it hid shows again.
    Remove { id: i64 },
}

pub fn saved(session: &Session, action: SavedAction) -> anyhow::Result<ExitCode> {
    match action {
        SavedAction::List { json } => {
            let list = block_on(session.saved_searches())??;
            let mut text = String::new();
            for s in &list {
                if json {
                    text.push_str(&serde_json::to_string(s)?);
                } else {
                    text.push_str(&format!(
                        "{:>5} {:>6}/{:<6} {}  {}",
                        s.id,
                        s.unread,
                        s.total,
                        clean_line(&s.name),
                        clean_line(&s.query)
                    ));
                }
                text.push('\n');
            }
            emit(&text)?;
        }
        SavedAction::Add { name, query } => {
            let id = block_on(session.save_search(&name, &query))??;
            emit_line(&format!(
                "saved search {id}: {} = {}",
                clean_line(&name),
                clean_line(&query)
            ))?;
        }
        SavedAction::Remove { name } => {
            if !block_on(session.remove_saved_search(&name))?? {
                anyhow::bail!("no saved search {:?}", clean_line(&name));
            }
            emit_line(&format!("removed saved search {}", clean_line(&name)))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn filter(session: &Session, action: FilterCommand) -> anyhow::Result<ExitCode> {
    match action {
        FilterCommand::List { json } => {
            let list = block_on(session.filters())??;
            let mut text = String::new();
            for f in &list {
                if json {
                    text.push_str(&serde_json::to_string(f)?);
                } else {
                    text.push_str(&format!(
                        "{:>5} {:<4} {:<6} {}",
                        f.id,
                        f.action.as_str(),
                        f.origin,
                        clean_line(&f.query)
                    ));
                }
                text.push('\n');
            }
            emit(&text)?;
        }
        FilterCommand::Add { query, read, now } => {
            let action = if read {
                FilterAction::Read
            } else {
                FilterAction::Hide
            };
            let (id, changed) = block_on(session.add_filter(&query, action, now))??;
            let what = match action {
                FilterAction::Hide => "hides",
                FilterAction::Read => "marks read",
            };
            let mut line = format!("filter {id} {what} {}", clean_line(&query));
            if now {
                line.push_str(&format!(" ({changed} articles now)"));
            }
            emit_line(&line)?;
        }
        FilterCommand::Remove { id } => {
            if !block_on(session.remove_filter(id))?? {
                anyhow::bail!(
                    "no filter {id} made here (those from config.toml are changed there)"
                );
            }
            emit_line(&format!("removed filter {id}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
