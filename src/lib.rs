//! tidings: a terminal news reader with an offline cache.
//!
//! The layers, from the bottom: [`text`] makes every untrusted string safe to draw; [`feed`] fetches
//! and parses feeds and subscription lists; [`store`] is the offline cache (SQLite). [`session`] is
//! the core on top of them: it owns the one cache handle, the refresher and the subscription
//! operations. Two thin front ends stand on the session and never import each other: [`ui`] (the
//! reader) and [`cli`] (the commands).
//!
//! Data flows one way: the refresher fetches, parses and stores feeds, then sends
//! [`session::refresh::Update`]s to the reader, whose `App::update` returns commands that its runtime
//! hands to the session, off the UI thread.

pub mod cli;
pub mod config;
pub mod feed;
pub mod lock;
pub mod logging;
pub mod paths;
pub mod session;
pub mod shell;
pub mod source;
pub mod store;
pub mod text;
pub mod ui;
