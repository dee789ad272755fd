//! Images in the article pane: rows reserved under each image's caption (so the text below never
//! moves when the picture arrives), the pictures asked for per width, and `z`.

use std::sync::Arc;

use ratatui_image::protocol::Protocol;

use super::{App, Command};
use crate::session::article::DocImage;

/// Rows reserved for an image (its picture is scaled to fit them and the pane's width).
pub const IMAGE_ROWS: u16 = 12;

/// An image at a size: its URL and the cells it is drawn in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PictureKey {
    pub url: String,
    pub cols: u16,
    pub rows: u16,
}

/// An image prepared for the terminal (resized and encoded once for its size), or why not.
#[derive(Clone)]
pub enum Picture {
    Ready(Arc<Protocol>),
    Failed(String),
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Picture::Ready(p) => write!(f, "Ready({:?})", p.size()),
            Picture::Failed(e) => write!(f, "Failed({e})"),
        }
    }
}

/// The rows an image gets: [`IMAGE_ROWS`], or fewer when its declared size (`width` and `height`
/// in the HTML), scaled down to `cols` cells of `cell` pixels, needs fewer.
pub fn rows_for(image: &DocImage, cols: u16, cell: (u16, u16)) -> u16 {
    let Some((w, h)) = image.size else {
        return IMAGE_ROWS;
    };
    let (cell_w, cell_h) = (u64::from(cell.0.max(1)), u64::from(cell.1.max(1)));
    let room = u64::from(cols.max(1)) * cell_w;
    let (w, h) = (u64::from(w.max(1)), u64::from(h.max(1)));
    let height = if w > room { h * room / w } else { h };
    height.div_ceil(cell_h).clamp(1, u64::from(IMAGE_ROWS)) as u16
}

/// Pictures kept in memory at most (the oldest sizes go first).
const MAX_PICTURES: usize = 64;

impl App {
    /// Whether the open article shows its images.
    pub fn images_shown(&self) -> bool {
        self.images_on
            && self
                .article
                .as_ref()
                .is_some_and(|doc| !self.images_hidden.contains(&doc.id))
    }

    /// The size a picture of the open article is drawn at: the rows kept for it, the body's width.
    pub fn picture_key(&self, url: &str) -> Option<PictureKey> {
        let doc = self.article.as_ref()?;
        let image = doc.images.iter().find(|i| i.url == url)?;
        Some(PictureKey {
            url: url.to_string(),
            cols: doc.width,
            rows: if image.rows > 0 {
                image.rows
            } else {
                IMAGE_ROWS
            },
        })
    }

    /// Reserves (or frees) the open article's image rows and asks for the pictures not yet had.
    pub(super) fn lay_out_images(&mut self) -> Vec<Command> {
        let shown = self.images_shown();
        let Some(doc) = self.article.as_mut() else {
            return vec![];
        };
        let (cols, cell) = (doc.width, self.image_cell);
        doc.set_image_rows_with(|image| {
            if shown {
                rows_for(image, cols, cell)
            } else {
                0
            }
        });
        if !shown {
            return vec![];
        }
        let feed_id = doc.feed_id;
        let urls: Vec<String> = doc.images.iter().map(|i| i.url.clone()).collect();
        let mut commands = Vec::new();
        for url in urls {
            let Some(key) = self.picture_key(&url) else {
                continue;
            };
            if self.pictures.contains_key(&key) || !self.pictures_asked.insert(key.clone()) {
                continue;
            }
            commands.push(Command::LoadImage { key, feed_id });
        }
        commands
    }

    pub(super) fn picture_ready(&mut self, key: PictureKey, picture: Picture) {
        self.pictures_asked.remove(&key);
        if let Picture::Failed(reason) = &picture {
            tracing::info!(url = %crate::text::clean_line(&key.url), %reason, "image not shown");
        }
        if self.pictures.len() >= MAX_PICTURES {
            // Keep the open article's pictures; drop the others.
            let keep: Vec<String> = self
                .article
                .as_ref()
                .map(|d| d.images.iter().map(|i| i.url.clone()).collect())
                .unwrap_or_default();
            self.pictures.retain(|k, _| keep.contains(&k.url));
        }
        self.pictures.insert(key, picture);
    }

    /// `z`: the open article's images off, or on again.
    pub(super) fn toggle_images(&mut self) -> Vec<Command> {
        let Some(id) = self.article.as_ref().map(|d| d.id) else {
            return vec![];
        };
        if !self.images_on {
            self.notice = Some("Images are off (config images, NO_COLOR or the terminal)".into());
            return vec![];
        }
        if !self.images_hidden.remove(&id) {
            self.images_hidden.insert(id);
        }
        let commands = self.lay_out_images();
        self.clamp_article_scroll();
        self.notice = Some(
            if self.images_shown() {
                "Images on"
            } else {
                "Images off"
            }
            .into(),
        );
        commands
    }
}
