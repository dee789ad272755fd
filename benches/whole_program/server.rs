//! The loopback feed server, one of two kinds:
//!
//! * **nginx** (the default, issue 17): the Debian package, run as a child of the benchmark with a
//!   small config written into the temp dir: nginx's defaults (keep-alive, `sendfile`, `ETag` from
//!   mtime and size, 304 on `If-None-Match`/`If-Modified-Since`), the feeds as files, and an access
//!   log (`$status $body_bytes_sent`) that the counters are read from. It runs in processes of its
//!   own, as users' feeds do, and costs the measured program nothing but the kernel's loopback work.
//! * **in-process** (`--server in-process`): HTTP/1.1 on std::net and threads in the bench process:
//!   keep-alive, Content-Length, `ETag: "v{version}"` and 304 on a matching `If-None-Match`; bodies
//!   rendered once, in memory.
//!
//! Feeds are spread over 64 addresses, 127.0.0.2 … 127.0.0.65 (all of 127/8 is loopback on Linux),
//! one listener per address on the same port, so per-host limits of the clients (tidings: 2 requests
//! per host) behave as with real-world feeds on many hosts, instead of all feeds queueing on one host.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// Which server serves the feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Nginx,
    InProcess,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind> {
        match s {
            "nginx" => Ok(Kind::Nginx),
            "in-process" => Ok(Kind::InProcess),
            other => bail!("--server takes nginx or in-process, not {other:?}"),
        }
    }
}

/// nginx, running.
struct Nginx {
    child: Child,
    version: String,
}

pub struct Server {
    port: u16,
    items: usize,
    feeds: Arc<RwLock<Vec<Served>>>,
    counters: Arc<Counters>,
    /// nginx's folder (config, logs, the feeds under `www/`), when nginx serves.
    dir: Option<PathBuf>,
    nginx: Option<Nginx>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(n) = &mut self.nginx {
            // SIGTERM: nginx's fast shutdown; the workers go with the master.
            unsafe { libc::kill(n.child.id() as i32, libc::SIGTERM) };
            let _ = n.child.wait();
        }
    }
}

fn host(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 2 + (index % HOSTS) as u8)
}

impl Server {
    /// Renders `feeds` feeds of `items` items (version 0) and starts serving them: with nginx (files
    /// and config in `dir`) or in this process.
    pub fn start(kind: Kind, feeds: usize, items: usize, dir: &Path) -> Result<Server> {
        let listeners = bind_all().context("cannot start the loopback feed server")?;
        let port = listeners[0].local_addr()?.port();
        let mut server = Server {
            port,
            items,
            feeds: Arc::new(RwLock::new(Vec::new())),
            counters: Arc::new(Counters::default()),
            dir: None,
            nginx: None,
        };
        if kind == Kind::Nginx {
            // nginx binds the port itself; the listeners only found one that is free everywhere.
            drop(listeners);
            let www = dir.join("www");
            for f in ["rss", "atom", "rdf"] {
                std::fs::create_dir_all(www.join(f))?;
            }
            server.dir = Some(dir.to_path_buf());
            let mut rendered = render_all(&server, feeds);
            for (i, served) in rendered.iter_mut().enumerate() {
                server.write_file(i, served.version, &served.body)?;
                // The bench keeps only the versions; nginx reads the files.
                served.body = Arc::new(Vec::new());
            }
            *server.feeds.write().expect("feed table lock") = rendered;
            let (child, version) = start_nginx(dir, port)?;
            server.nginx = Some(Nginx { child, version });
            return Ok(server);
        }
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
        match &self.dir {
            // The folder gives the Content-Type (see the config).
            Some(_) => format!(
                "http://{}:{}/{}/{index}.xml",
                host(index),
                self.port,
                folder(index)
            ),
            None => format!("http://{}:{}/feeds/{index}.xml", host(index), self.port),
        }
    }

    /// What serves the feeds, for the report.
    pub fn describe(&self) -> String {
        match &self.nginx {
            Some(n) => format!(
                "{} (Debian package; its defaults: keep-alive, sendfile, ETag and 304; worker_processes auto)",
                n.version
            ),
            None => "the bench's own in-process server (HTTP/1.1, keep-alive, ETag and 304)".into(),
        }
    }

    /// Writes feed `index` (version `version`) where nginx serves it, by way of a rename so nginx never
    /// serves half a file; its mtime is a fixed time plus the version, so the ETag (nginx makes it of
    /// mtime and size) changes with every version, even within one second.
    fn write_file(&self, index: usize, version: u64, body: &[u8]) -> Result<()> {
        let dir = self.dir.as_ref().expect("nginx's folder");
        let path = dir
            .join("www")
            .join(folder(index))
            .join(format!("{index}.xml"));
        let tmp = path.with_extension("tmp");
        let file = std::fs::File::create(&tmp)?;
        (&file).write_all(body)?;
        let mtime = std::time::UNIX_EPOCH + Duration::from_secs(1_750_000_000 + version * 60);
        file.set_modified(mtime)?;
        drop(file);
        std::fs::rename(&tmp, &path)?;
        Ok(())
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
        if self.dir.is_some() {
            self.write_file(index, version, &body)
                .expect("cannot write a changed feed for nginx");
            self.feeds.write().expect("feed table lock")[index].version = version;
            return;
        }
        let mut feeds = self.feeds.write().expect("feed table lock");
        feeds[index].version = version;
        feeds[index].body = Arc::new(body);
    }

    pub fn counters(&self) -> Traffic {
        if let Some(dir) = &self.dir {
            return nginx_counters(&dir.join("access.log"));
        }
        Traffic {
            requests: self.counters.requests.load(Ordering::SeqCst),
            not_modified: self.counters.not_modified.load(Ordering::SeqCst),
            bytes: self.counters.bytes.load(Ordering::SeqCst),
        }
    }
}

/// The folder nginx serves feed `index` from: it decides the Content-Type.
fn folder(index: usize) -> &'static str {
    match feedgen::format_of(index) {
        feedgen::Format::Rss2 => "rss",
        feedgen::Format::Atom => "atom",
        feedgen::Format::Rdf => "rdf",
    }
}

/// The config: nginx's defaults but for the paths, the listeners and the access log's format.
fn nginx_config(dir: &Path, port: u16) -> String {
    let root = |s: &str| dir.join(s).display().to_string();
    let listen: String = (0..HOSTS)
        .map(|i| format!("        listen {}:{port};\n", host(i)))
        .collect();
    // Root may not be able to hand the files to a `nobody` worker in a 0700 temp dir.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root;\n"
    } else {
        ""
    };
    let types: String = [
        ("rss", feedgen::content_type(feedgen::Format::Rss2)),
        ("atom", feedgen::content_type(feedgen::Format::Atom)),
        ("rdf", feedgen::content_type(feedgen::Format::Rdf)),
    ]
    .iter()
    .map(|(folder, t)| format!("        location /{folder}/ {{ types {{ }} default_type {t}; }}\n"))
    .collect();
    format!(
        "# written by the tidings whole-program benchmark\n\
         {user}worker_processes auto;\n\
         daemon off;\n\
         pid {pid};\n\
         error_log {err} warn;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n\
         \x20   log_format bench '$status $body_bytes_sent';\n\
         \x20   access_log {log} bench;\n\
         \x20   sendfile on;\n\
         \x20   tcp_nopush on;\n\
         \x20   keepalive_timeout 75s;\n\
         \x20   charset utf-8;\n\
         \x20   charset_types *;\n\
         \x20   client_body_temp_path {tmp}/body;\n\
         \x20   server {{\n{listen}\
         \x20       root {www};\n{types}\
         \x20   }}\n\
         }}\n",
        pid = root("nginx.pid"),
        err = root("error.log"),
        log = root("access.log"),
        tmp = root("tmp"),
        www = root("www"),
    )
}

/// Starts nginx on `port` of every loopback address, serving `dir/www`; waits until it answers.
fn start_nginx(dir: &Path, port: u16) -> Result<(Child, String)> {
    let bin = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "nginx"]
        .into_iter()
        .find(|b| !b.starts_with('/') || Path::new(b).exists())
        .unwrap_or("nginx");
    let version = Command::new(bin)
        .arg("-v")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).trim().replace("nginx version: ", ""))
        .context("nginx is not installed (bench/run.sh installs it as root; or pass --server in-process)")?;
    std::fs::create_dir_all(dir.join("tmp"))?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, nginx_config(dir, port))?;
    let child = Command::new(bin)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start nginx")?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let up = [0, HOSTS - 1].iter().all(|&i| {
            TcpStream::connect_timeout(&SocketAddr::from((host(i), port)), Duration::from_secs(1))
                .is_ok()
        });
        if up {
            return Ok((child, version));
        }
        if std::time::Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            bail!("nginx did not start listening on port {port} within 10 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The counters, from nginx's access log (`$status $body_bytes_sent` a line).
fn nginx_counters(log: &Path) -> Traffic {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut t = Traffic::default();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (status, bytes) = (parts.next().unwrap_or(""), parts.next().unwrap_or("0"));
        t.requests += 1;
        if status == "304" {
            t.not_modified += 1;
        }
        t.bytes += bytes.parse::<u64>().unwrap_or(0);
    }
    t
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
