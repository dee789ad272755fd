//! Helpers shared by the integration tests. Each test binary that needs them declares `mod common;`
//! and compiles this module on its own, so a helper unused by one binary is expected (hence the
//! `dead_code` allowance below).
//!
//! - [`cli`]: the built `tidings` binary run headlessly on a profile, and the test fixtures;
//! - [`files`]: a file server for downloads (`Range`, stalls, resets, statuses);
//! - [`pty`]: the real binary in a pseudo-terminal, its screen parsed by `vt100`;
//! - [`server`]: a tiny hand-written HTTP server on 127.0.0.1, for what wiremock cannot do;
//! - [`store`]: caches in temporary directories, and feeds added to them.

#![allow(dead_code)]

pub mod cli;
pub mod files;
pub mod pty;
pub mod server;
pub mod store;
pub mod sync_servers;
