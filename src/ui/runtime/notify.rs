//! Telling the user that a background refresh brought new articles: the bell and the configured
//! command.

use std::sync::Arc;
use std::time::Duration;

use crate::session::Session;

/// A background refresh brought new articles: the bell (between two frames, on the terminal the
/// reader draws on), and the configured command, started off the UI thread with the count and the
/// feeds' names as arguments (no shell; its output is dropped; stopped after 30 s).
pub(super) fn notify(session: Arc<Session>, count: usize, feeds: Vec<i64>) {
    if session.config().notify_bell {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
    let Some(argv) = session
        .config()
        .notify_command
        .clone()
        .filter(|c| !c.is_empty())
    else {
        return;
    };
    tokio::spawn(async move {
        // The feeds' names as stored now (a feed new in this refresh has just got its title).
        let names: Vec<String> = session
            .db()
            .read(move |s| {
                let all = s.feed_summaries()?;
                Ok(feeds
                    .iter()
                    .filter_map(|id| all.iter().find(|f| f.id == *id))
                    .map(|f| crate::text::clean_line(&f.title))
                    .collect())
            })
            .await
            .unwrap_or_default();
        let program = argv[0].clone();
        let mut command = tokio::process::Command::new(&program);
        command
            .args(&argv[1..])
            .arg(count.to_string())
            .args(names)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        match command.spawn() {
            Ok(mut child) => {
                match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
                    Ok(Ok(status)) if !status.success() => {
                        tracing::warn!(%program, %status, "the notify command failed");
                    }
                    Ok(_) => {}
                    Err(_) => tracing::warn!(%program, "the notify command ran too long: stopped"),
                }
            }
            Err(e) => tracing::warn!(%program, error = %e, "cannot run the notify command"),
        }
    });
}
