//! What a downloads view shows: one row per download, kept live from the worker's events.

use super::*;

/// One row of a downloads view: what the queue holds, with the live speed of a running download.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadRow {
    pub id: i64,
    /// The episode's title (cleaned), else the file's name.
    pub title: String,
    pub feed: String,
    /// The file's name: the finished file's, once chosen; else what the URL calls it.
    pub file: String,
    pub path: Option<PathBuf>,
    pub state: DownloadState,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    /// Bytes per second, while it runs.
    pub speed: Option<u64>,
    pub error: Option<String>,
}

impl DownloadRow {
    pub fn from_record(r: &DownloadRecord) -> DownloadRow {
        let path = r.path.as_ref().map(PathBuf::from);
        let file = match &path {
            Some(p) => clean_line(&p.file_name().unwrap_or_default().to_string_lossy()),
            None => {
                let (stem, extension) = file_name_parts(&r.url, "", r.mime.as_deref());
                numbered_name(&stem, 1, extension.as_deref())
            }
        };
        DownloadRow {
            id: r.id,
            title: shown_title(r),
            feed: clean_line(&r.feed_title),
            file,
            path,
            state: r.state,
            bytes_done: r.bytes_done.max(0) as u64,
            bytes_total: r.bytes_total.filter(|t| *t > 0).map(|t| t as u64),
            speed: None,
            error: r.error.as_deref().map(clean_line),
        }
    }

    /// How much is done, 0 to 1, when the size is known.
    pub fn fraction(&self) -> Option<f64> {
        if self.state == DownloadState::Done {
            return Some(1.0);
        }
        let total = self.bytes_total?;
        Some((self.bytes_done as f64 / total as f64).clamp(0.0, 1.0))
    }

    /// "3.1 MB of 45.2 MB", "3.1 MB", or the size alone once done.
    pub fn size_text(&self) -> String {
        match (self.state, self.bytes_total) {
            (DownloadState::Done, _) => format_bytes(self.bytes_done),
            (_, Some(total)) => format!(
                "{} of {}",
                format_bytes(self.bytes_done),
                format_bytes(total)
            ),
            (_, None) => format_bytes(self.bytes_done),
        }
    }

    /// "queued", "downloading 27% · 1.2 MB/s", "paused 40%", "failed: HTTP 404 Not Found" …
    pub fn status_text(&self) -> String {
        let mut text = self.state.as_str().to_string();
        if matches!(
            self.state,
            DownloadState::Downloading | DownloadState::Paused
        ) && let Some(f) = self.fraction()
        {
            text.push_str(&format!(" {}%", (f * 100.0).floor() as u64));
        }
        if self.state == DownloadState::Downloading
            && let Some(speed) = self.speed
        {
            text.push_str(&format!(" · {}/s", format_bytes(speed)));
        }
        if let Some(error) = self
            .error
            .as_deref()
            .filter(|_| self.state == DownloadState::Failed)
        {
            text.push_str(": ");
            text.push_str(error);
        }
        text
    }

    /// Takes in what the downloader reported about this row.
    pub fn apply(&mut self, event: &DownloadEvent) {
        match event {
            DownloadEvent::Started {
                id,
                path,
                from,
                total,
                ..
            } if *id == self.id => {
                self.state = DownloadState::Downloading;
                self.file = clean_line(&path.file_name().unwrap_or_default().to_string_lossy());
                self.path = Some(path.clone());
                self.bytes_done = *from;
                self.bytes_total = total.or(self.bytes_total);
                self.error = None;
            }
            DownloadEvent::Progress {
                id,
                bytes_done,
                bytes_total,
                speed,
            } if *id == self.id => {
                self.bytes_done = *bytes_done;
                self.bytes_total = bytes_total.or(self.bytes_total);
                self.speed = Some(*speed);
            }
            DownloadEvent::Done {
                id, path, bytes, ..
            } if *id == self.id => {
                self.state = DownloadState::Done;
                self.file = clean_line(&path.file_name().unwrap_or_default().to_string_lossy());
                self.path = Some(path.clone());
                self.bytes_done = *bytes;
                self.bytes_total = Some(*bytes);
                self.speed = None;
            }
            DownloadEvent::Failed { id, error, .. } if *id == self.id => {
                self.state = DownloadState::Failed;
                self.error = Some(error.clone());
                self.speed = None;
            }
            DownloadEvent::Stopped { id } if *id == self.id => self.speed = None,
            _ => {}
        }
    }
}

/// The rows of a downloads view from the queue, oldest first.
pub fn download_rows(records: &[DownloadRecord]) -> Vec<DownloadRow> {
    records.iter().map(DownloadRow::from_record).collect()
}

/// A size in bytes for people: `512 B`, `3.4 kB`, `45.2 MB`, `1.3 GB` (powers of 1000).
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A text progress bar `width` characters wide: `#####-----`.
pub fn progress_bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "#".repeat(filled), "-".repeat(width - filled))
}
