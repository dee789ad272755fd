//! Getting feeds: fetching over HTTP or from local files, parsing them, and OPML subscription lists.

pub mod discover;
pub mod fetch;
pub mod newsboat;
pub mod opml;
pub mod parse;
pub mod schedule;
pub mod sniff;
pub mod trim;

use std::path::Path;

/// How a feed location typed by the user is stored: http(s) URLs as given, local paths as absolute
/// `file://` URLs. Anything else is refused with a reason.
pub fn normalize_feed_url(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("the feed URL is empty".into());
    }
    if let Ok(url) = url::Url::parse(input) {
        match url.scheme() {
            "http" | "https" if url.host_str().is_some() => return Ok(url.to_string()),
            "file" => return Ok(url.to_string()),
            // A one-letter "scheme" is a Windows drive letter, not a URL.
            scheme if scheme.len() > 1 => {
                return Err(format!(
                    "{scheme}: URLs are not supported; use http(s), file:// or a local path"
                ));
            }
            _ => {}
        }
    }
    let path = Path::new(input);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot resolve {input}: {e}"))?
            .join(path)
    };
    let absolute = std::fs::canonicalize(&absolute)
        .map_err(|_| format!("{input} is neither an http(s) URL nor an existing file"))?;
    url::Url::from_file_path(&absolute)
        .map(|u| u.to_string())
        .map_err(|_| format!("cannot turn {} into a file URL", absolute.display()))
}
