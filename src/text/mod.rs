//! Turns untrusted feed text and HTML into safe plain text for the terminal.

pub mod cap;
pub mod extract;
pub mod render;
pub mod sanitize;

pub use cap::{TRUNCATED, cap_html};
pub use render::{Rendered, StyledRange, TextStyle, render_html};
pub use sanitize::{clean_line, clean_text, clip, cut_at_char_boundary};
