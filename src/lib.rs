//! tidings: a terminal news reader with an offline cache.
//!
//! Data flows one way: the [`poller`] fetches ([`feed::fetch`]), parses ([`feed::parse`]) and stores
//! ([`store`]) feeds, then sends [`poller::Update`]s to the UI ([`ui`]), whose `App::update` returns
//! commands that a small runtime executes off the UI thread. [`text`] makes every untrusted string safe
//! to draw; [`cli`] is the command-line edge.

pub mod cli;
pub mod config;
pub mod feed;
pub mod lock;
pub mod logging;
pub mod paths;
pub mod poller;
pub mod store;
pub mod text;
pub mod ui;
pub mod welcome;
