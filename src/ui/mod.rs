//! The terminal UI: a tokio `select!` over terminal events, poller updates and command results, feeding
//! [`app::App::update`]; the commands it returns run on a store worker thread or the poller, never on the
//! UI thread.

pub mod app;
pub mod article;
pub mod browser;
pub mod keymap;
pub mod layout;
mod runtime;
pub mod views;

pub(crate) use runtime::contain_background_panics;
pub use runtime::run;
