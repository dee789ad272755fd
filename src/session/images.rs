//! Article images: downloaded in the background on the program's one HTTP client (the same limits
//! and the same refusal of local and private addresses for URLs a feed supplies), capped in bytes
//! ([`MAX_IMAGE_BYTES`]) and in decoded pixels ([`MAX_IMAGE_PIXELS`], checked from the header before
//! anything is decoded, so a decompression bomb ends as a refusal), and kept on disk under the
//! profile's data folder (`images/`, one file per URL named by its SHA-256) with least-recently-used
//! eviction (a file's modification time is its last use) so a read article shows its images offline.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use image::{DynamicImage, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::feed::fetch::{FetchError, Fetcher, Reach};

/// Largest image body accepted.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;
/// Most pixels an image may have once decoded (40 megapixels).
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// The folder under the profile's data folder.
pub const IMAGE_DIR: &str = "images";

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("not an http(s) image URL")]
    NotHttp,
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("image larger than {} bytes", MAX_IMAGE_BYTES)]
    TooLarge,
    #[error("image of {0}×{1} pixels is over the {MAX_IMAGE_PIXELS}-pixel cap")]
    TooManyPixels(u32, u32),
    #[error("cannot decode the image: {0}")]
    Decode(String),
}

/// The disk cache of images and the way to fill it.
#[derive(Debug, Clone)]
pub struct ImageStore {
    dir: PathBuf,
    max_bytes: u64,
}

impl ImageStore {
    /// A cache in `dir` holding at most `max_bytes` in total.
    pub fn new(dir: PathBuf, max_bytes: u64) -> ImageStore {
        ImageStore { dir, max_bytes }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the image at `url` is kept.
    pub fn path_for(&self, url: &str) -> PathBuf {
        let hash = Sha256::digest(url.as_bytes());
        let name: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(name)
    }

    /// The image's bytes: from the disk cache when there (its use noted), else downloaded (at most
    /// [`MAX_IMAGE_BYTES`]), checked to be an image within the pixel cap, stored and the cache
    /// trimmed. `reach`: [`Reach::PublicOnly`] for URLs a feed supplied on a public feed.
    pub async fn bytes(
        &self,
        fetcher: &Fetcher,
        url: &str,
        reach: Reach,
    ) -> Result<Vec<u8>, ImageError> {
        let path = self.path_for(url);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            touch(&path);
            return Ok(bytes);
        }
        let bytes = download(fetcher, url, reach).await?;
        // Only images within the cap are kept.
        check_dimensions(&bytes)?;
        let store = self.clone();
        let keep = bytes.clone();
        let _ = tokio::task::spawn_blocking(move || store.keep(&path, &keep)).await;
        Ok(bytes)
    }

    /// [`ImageStore::bytes`] then [`decode`] (off the async threads).
    pub async fn load(
        &self,
        fetcher: &Fetcher,
        url: &str,
        reach: Reach,
    ) -> Result<DynamicImage, ImageError> {
        let bytes = self.bytes(fetcher, url, reach).await?;
        tokio::task::spawn_blocking(move || decode(&bytes))
            .await
            .map_err(|e| ImageError::Decode(e.to_string()))?
    }

    /// Writes `bytes` to `path` (a temporary file renamed into place), then evicts the least
    /// recently used files until the total is within the cap.
    fn keep(&self, path: &Path, bytes: &[u8]) {
        if let Err(e) = std::fs::create_dir_all(&self.dir) {
            tracing::warn!(error = %e, "cannot create the image cache folder");
            return;
        }
        let part = path.with_extension("part");
        if std::fs::write(&part, bytes)
            .and_then(|()| std::fs::rename(&part, path))
            .is_err()
        {
            let _ = std::fs::remove_file(&part);
            return;
        }
        self.evict();
    }

    /// Removes the least recently used images until the cache holds at most its cap.
    pub fn evict(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                meta.is_file().then(|| {
                    (
                        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        meta.len(),
                        e.path(),
                    )
                })
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// The cache's total size in bytes.
    pub fn total_bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Notes a cached image's use (its modification time), for eviction.
fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Downloads an image: http(s) only, at most [`MAX_IMAGE_BYTES`] (a larger `Content-Length` is
/// refused before the body is read).
async fn download(fetcher: &Fetcher, url: &str, reach: Reach) -> Result<Vec<u8>, ImageError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ImageError::NotHttp);
    }
    let mut download = fetcher.start_download(url, reach, 0, None).await?;
    if let crate::feed::fetch::DownloadStart::Whole { total: Some(n) } = download.start
        && n > MAX_IMAGE_BYTES as u64
    {
        return Err(ImageError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = download.chunk().await? {
        let chunk = chunk.as_ref();
        if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
            return Err(ImageError::TooLarge);
        }
        bytes.extend_from_slice(chunk);
    }
    Ok(bytes)
}

/// The image's width and height from its header, refused over [`MAX_IMAGE_PIXELS`]; nothing is
/// decoded.
pub fn check_dimensions(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(ImageError::TooManyPixels(w, h));
    }
    Ok((w, h))
}

/// Decodes an image within the caps: the header's dimensions checked first, then the decoder held
/// to the same limits (frames of a GIF, chunks of a PNG that say otherwise).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    check_dimensions(bytes)?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4 + 16 * 1024 * 1024);
    limits.max_image_width = Some(100_000);
    limits.max_image_height = Some(100_000);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))
}
