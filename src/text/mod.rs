//! Turns untrusted feed text and HTML into safe plain text for the terminal.

pub mod cap;
pub mod entities;
pub mod extract;
pub mod filename;
pub mod render;
pub mod sanitize;

pub use cap::{TRUNCATED, cap_html};
pub use entities::decode_entities;
pub use render::{Rendered, StyledRange, TextStyle, render_html};
pub use sanitize::{clean_line, clean_text, clip, cut_at_char_boundary};
