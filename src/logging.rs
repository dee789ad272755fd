//! Logs go to a file in the data directory, never to the terminal the UI draws on.

use tracing_appender::non_blocking::WorkerGuard;

use crate::paths::Profile;

/// `TIDINGS_LOG=debug` (a bare level) is about tidings itself: the libraries stay at warnings, so the
/// log shows requests, statuses, timings and skipped feeds rather than HTTP-stack noise. Full
/// directives (`tidings=trace,hyper=debug`) are taken as written. Unset: `info` for tidings.
pub fn filter_directives(setting: Option<&str>) -> String {
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        None => "warn,tidings=info".to_string(),
        Some(level) if !level.contains(['=', ',']) => format!("warn,tidings={level}"),
        Some(directives) => directives.to_string(),
    }
}

/// Log lines queued for the writer thread at most.
const LOG_QUEUE_LINES: usize = 8192;

/// Starts file logging; keep the guard alive for the life of the program. `None` when the log file
/// cannot be opened. `TIDINGS_LOG` sets the filter (see [`filter_directives`]).
pub fn init(profile: &Profile) -> Option<WorkerGuard> {
    // A log file that cannot be created (read-only or full data directory) means no log, not a
    // crash: the command itself reports the real problem.
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::NEVER)
        .filename_prefix(profile.log_file_name())
        .build(&profile.data_dir)
        .ok()?;
    // The default queue holds 128,000 lines: a 4 MB buffer whose every slot is written before the
    // first frame (2–19 ms from opening the log to the first thread, in strace). A few thousand
    // lines are plenty for a log that writes a line per feed; when full, lines are dropped (lossy),
    // never waited for.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::new(filter_directives(
        std::env::var("TIDINGS_LOG").ok().as_deref(),
    ));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok();
    ok.then_some(guard)
}

/// A panic on the main thread (the UI's, or the command's) goes to the hook that was there before
/// (ratatui's restores the terminal first). A panic on a background thread, already caught there and
/// turned into an error, is only logged: printing it would scribble over the screen.
pub fn contain_background_panics() {
    let main_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            main_hook(info);
        } else {
            tracing::error!("background task panicked: {info}");
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::filter_directives;

    #[test]
    fn a_bare_level_is_for_tidings_only() {
        assert_eq!(filter_directives(None), "warn,tidings=info");
        assert_eq!(filter_directives(Some("debug")), "warn,tidings=debug");
        assert_eq!(
            filter_directives(Some("tidings=trace,hyper=debug")),
            "tidings=trace,hyper=debug"
        );
    }
}
