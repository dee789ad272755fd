//! File and folder names for downloads, from what a feed gave (the episode's title, the URL, the
//! media type), made safe by [`crate::text::filename::safe_name`].

use super::*;

/// The folder of a feed's downloads, from its title.
pub fn folder_name(feed_title: &str) -> String {
    Some(safe_name(feed_title, MAX_STEM))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Unknown feed".to_string())
}

/// `%xx` escapes decoded (invalid UTF-8 replaced).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A plausible file extension: 1 to 8 ASCII letters and digits, at least one a letter.
fn is_extension(ext: &str) -> bool {
    (1..=8).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        && ext.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The usual extension of a media type.
fn extension_for_mime(mime: &str) -> Option<&'static str> {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match mime.as_str() {
        "audio/mpeg" | "audio/mp3" | "audio/mpeg3" | "audio/x-mpeg" | "audio/x-mp3" => "mp3",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" | "audio/aac" | "audio/x-aac" => "m4a",
        "audio/ogg" | "application/ogg" | "audio/vorbis" => "ogg",
        "audio/opus" => "opus",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "video/mp4" => "mp4",
        "video/x-m4v" => "m4v",
        "video/webm" => "webm",
        "audio/webm" => "weba",
        "video/quicktime" => "mov",
        "application/pdf" => "pdf",
        "application/x-bittorrent" => "torrent",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => return None,
    })
}

/// A download's file name, as a stem and an extension: the stem from the episode's title, else the
/// URL's last path segment, else `download`; the extension from that segment, else the media type.
/// Both made safe ([`safe_name`]).
pub fn file_name_parts(url: &str, title: &str, mime: Option<&str>) -> (String, Option<String>) {
    let segment = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.rfind(|s| !s.is_empty()).map(percent_decode))
        })
        .unwrap_or_default();
    let (segment_stem, segment_ext) = match segment.rsplit_once('.') {
        Some((stem, ext)) if is_extension(ext) && !stem.is_empty() => {
            (stem.to_string(), Some(ext.to_ascii_lowercase()))
        }
        _ => (segment.clone(), None),
    };
    let extension = segment_ext.or_else(|| mime.and_then(extension_for_mime).map(str::to_string));
    let mut title = title.trim();
    // "Episode 5.mp3" as a title is not "Episode 5.mp3.mp3".
    if let Some(ext) = &extension
        && let Some((stem, last)) = title.rsplit_once('.')
        && last.eq_ignore_ascii_case(ext)
    {
        title = stem;
    }
    let stem = [title, segment_stem.as_str()]
        .iter()
        .map(|t| safe_name(t, MAX_STEM))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "download".to_string());
    (stem, extension)
}
