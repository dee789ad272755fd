//! A loopback HTTP/1.1 feed server on std::net and threads: keep-alive, Content-Length,
//! `ETag: "v{version}"` and 304 on a matching `If-None-Match`; bodies are rendered once, in memory.
//!
//! Feeds are spread over 64 addresses, 127.0.0.2 … 127.0.0.65 (all of 127/8 is loopback on Linux),
//! one listener per address on the same port, so per-host limits of the clients (tidings: 2 requests
//! per host) behave as with real-world feeds on many hosts, instead of all feeds queueing on one host.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::{feedgen, xml};

/// How many loopback addresses the feeds are spread over.
pub const HOSTS: usize = 64;

struct Served {
    version: u64,
    body: Arc<Vec<u8>>,
    content_type: &'static str,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    not_modified: AtomicU64,
    bytes: AtomicU64,
}

/// What the server answered since it started (or since a snapshot).
#[derive(Clone, Copy, Debug, Default)]
pub struct Traffic {
    pub requests: u64,
    pub not_modified: u64,
    pub bytes: u64,
}

impl std::ops::Sub for Traffic {
    type Output = Traffic;
    fn sub(self, o: Traffic) -> Traffic {
        Traffic {
            requests: self.requests - o.requests,
            not_modified: self.not_modified - o.not_modified,
            bytes: self.bytes - o.bytes,
        }
    }
}

pub struct Server {
    port: u16,
    items: usize,
    feeds: Arc<RwLock<Vec<Served>>>,
    counters: Arc<Counters>,
}

fn host(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 2 + (index % HOSTS) as u8)
}

impl Server {
    /// Renders `feeds` feeds of `items` items (version 0) and starts listening.
    pub fn start(feeds: usize, items: usize) -> Result<Server> {
        let listeners = bind_all().context("cannot start the loopback feed server")?;
        let port = listeners[0].local_addr()?.port();
        let server = Server {
            port,
            items,
            feeds: Arc::new(RwLock::new(Vec::new())),
            counters: Arc::new(Counters::default()),
        };
        let rendered = render_all(&server, feeds);
        *server.feeds.write().expect("feed table lock") = rendered;
        for listener in listeners {
            let (feeds, counters) = (Arc::clone(&server.feeds), Arc::clone(&server.counters));
            std::thread::Builder::new()
                .name("feed-server".into())
                .spawn(move || accept_loop(listener, feeds, counters))
                .context("cannot start a server thread")?;
        }
        Ok(server)
    }

    pub fn url(&self, index: usize) -> String {
        format!("http://{}:{}/feeds/{index}.xml", host(index), self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn feed_count(&self) -> usize {
        self.feeds.read().expect("feed table lock").len()
    }

    /// Publishes the next version of feed `index`: 5 new items on top, the 5 oldest gone.
    pub fn bump(&self, index: usize) {
        let version = self.feeds.read().expect("feed table lock")[index].version + 1;
        let body = xml::render_feed(index, version, self.items, &self.url(index));
        let mut feeds = self.feeds.write().expect("feed table lock");
        feeds[index].version = version;
        feeds[index].body = Arc::new(body);
    }

    pub fn counters(&self) -> Traffic {
        Traffic {
            requests: self.counters.requests.load(Ordering::SeqCst),
            not_modified: self.counters.not_modified.load(Ordering::SeqCst),
            bytes: self.counters.bytes.load(Ordering::SeqCst),
        }
    }
}

/// Renders every feed on both cores.
fn render_all(server: &Server, feeds: usize) -> Vec<Served> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut parts: Vec<Vec<(usize, Served)>> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    (w..feeds)
                        .step_by(workers)
                        .map(|i| {
                            let body = xml::render_feed(i, 0, server.items, &server.url(i));
                            let content_type = feedgen::content_type(feedgen::format_of(i));
                            let body = Arc::new(body);
                            (
                                i,
                                Served {
                                    version: 0,
                                    body,
                                    content_type,
                                },
                            )
                        })
                        .collect()
                })
            })
            .collect();
        parts = handles
            .into_iter()
            .map(|h| h.join().expect("render thread"))
            .collect();
    });
    let mut all: Vec<(usize, Served)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, s)| s).collect()
}

/// One listener per address, all on the same port (a free one, found by trying a few).
fn bind_all() -> Result<Vec<TcpListener>> {
    let mut last_error = None;
    for _ in 0..20 {
        let first = TcpListener::bind(SocketAddr::from((host(0), 0)))
            .with_context(|| format!("cannot listen on {}", host(0)))?;
        let port = first.local_addr()?.port();
        let mut all = vec![first];
        for i in 1..HOSTS {
            match TcpListener::bind(SocketAddr::from((host(i), port))) {
                Ok(l) => all.push(l),
                Err(e) => {
                    last_error = Some(format!("{}:{port}: {e}", host(i)));
                    break;
                }
            }
        }
        if all.len() == HOSTS {
            return Ok(all);
        }
    }
    bail!(
        "no port was free on all {HOSTS} loopback addresses (last error: {})",
        last_error.unwrap_or_default()
    )
}

fn accept_loop(listener: TcpListener, feeds: Arc<RwLock<Vec<Served>>>, counters: Arc<Counters>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (feeds, counters) = (Arc::clone(&feeds), Arc::clone(&counters));
        let _ = std::thread::Builder::new()
            .name("feed-conn".into())
            .spawn(move || {
                // A broken connection only ends that connection; the client reports it.
                let _ = serve_connection(stream, &feeds, &counters);
            });
    }
}

/// Serves requests on one connection until the client closes it or asks to.
fn serve_connection(
    stream: TcpStream,
    feeds: &RwLock<Vec<Served>>,
    counters: &Counters,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = std::io::BufWriter::with_capacity(64 * 1024, stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let (mut if_none_match, mut close) = (None, request_line.ends_with("HTTP/1.0\r\n"));
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("if-none-match") {
                    if_none_match = Some(value.to_string());
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let index = path
            .strip_prefix("/feeds/")
            .and_then(|p| p.strip_suffix(".xml"))
            .and_then(|n| n.parse::<usize>().ok());
        let found = index.and_then(|i| {
            let feeds = feeds.read().ok()?;
            feeds
                .get(i)
                .map(|f| (f.version, Arc::clone(&f.body), f.content_type))
        });
        let connection = if close { "close" } else { "keep-alive" };
        match found {
            Some((version, body, content_type)) => {
                let etag = format!("\"v{version}\"");
                if if_none_match
                    .as_deref()
                    .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
                {
                    counters.not_modified.fetch_add(1, Ordering::Relaxed);
                    write!(
                        writer,
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: {connection}\r\n\r\n"
                    )?;
                } else {
                    write!(
                        writer,
                        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}; charset=utf-8\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: {connection}\r\n\r\n",
                        body.len()
                    )?;
                    if method != "HEAD" {
                        writer.write_all(&body)?;
                        counters
                            .bytes
                            .fetch_add(body.len() as u64, Ordering::Relaxed);
                    }
                }
            }
            None => write!(
                writer,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: {connection}\r\n\r\n"
            )?,
        }
        writer.flush()?;
        if close {
            return Ok(());
        }
    }
}
