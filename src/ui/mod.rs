//! The terminal UI, one front end on the [`crate::session`] core: a tokio `select!` over terminal
//! events, refresher updates and command results, feeding [`app::App::update`]; the commands it
//! returns are run by the runtime through the session, never on the UI thread. Panes are drawn by
//! [`views`] in the styles of a [`theme::Theme`]; dialogs live in [`popups`], each with its own state
//! and keys.

pub mod app;
pub mod browser;
pub mod export;
pub mod images;
pub mod keymap;
pub mod layout;
pub mod pager;
pub mod popups;
mod runtime;
pub mod theme;
pub mod views;

pub use runtime::run;
