//! Real sync servers for the protocol tests: Tiny Tiny RSS and Coldsweat (Fever), started with the
//! scripts of `../shared/tools/sync-servers` (beside the checkout) on a free loopback port, and a
//! loopback feed server for them to fetch.
//!
//! Where the scripts are missing or a server does not start, [`SyncServer::start`] prints
//! `skipped: <reason>` and returns `None`, unless `TIDINGS_SYNC_TESTS=required`, which makes it
//! panic with the reason. A server is stopped, and its data removed, when its [`SyncServer`] is
//! dropped; one kept in a `static` (shared by the tests of a binary) is stopped by a watcher
//! process once the test binary has exited.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::server::read_head;
use tokio::io::AsyncWriteExt;

/// The longest a start script may take (the first start installs packages).
const START_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ttrss,
    Coldsweat,
}

impl Kind {
    fn script(self) -> &'static str {
        match self {
            Kind::Ttrss => "ttrss",
            Kind::Coldsweat => "coldsweat",
        }
    }
}

/// A running sync server and what its start script printed (`TTRSS_URL=…`, `COLDSWEAT_CLI=…`).
#[derive(Debug)]
pub struct SyncServer {
    pub kind: Kind,
    pub port: u16,
    pub vars: BTreeMap<String, String>,
    tools: PathBuf,
}

/// `../shared/tools/sync-servers` beside the checkout.
pub fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/sync-servers")
}

fn required() -> bool {
    std::env::var("TIDINGS_SYNC_TESTS").is_ok_and(|v| v == "required")
}

/// Prints that the test was skipped, or panics when the sync tests are required.
fn skip(reason: String) -> Option<SyncServer> {
    if required() {
        panic!("TIDINGS_SYNC_TESTS=required, but {reason}");
    }
    println!("skipped: {reason}");
    None
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SyncServer {
    /// Starts a server of `kind` on a free port (from a clean data dir); `None` when skipped.
    pub fn start(kind: Kind) -> Option<SyncServer> {
        let tools = tools_dir();
        let start = tools.join(format!("{}-start.sh", kind.script()));
        if !start.is_file() {
            return skip(format!("{} not found", start.display()));
        }
        let port = free_port();
        let mut server = SyncServer {
            kind,
            port,
            vars: BTreeMap::new(),
            tools,
        };
        // Anything left from an earlier run on this port goes first.
        server.stop();
        let started = Instant::now();
        let mut child = match Command::new(&start)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => return skip(format!("cannot run {}: {e}", start.display())),
        };
        // Read both pipes on threads, so that a chatty install cannot fill one and stall.
        let out = child.stdout.take().map(read_all_on_thread);
        let err = child.stderr.take().map(read_all_on_thread);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if started.elapsed() > START_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!("did not finish in {} s", START_TIMEOUT.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => break Err(e.to_string()),
            }
        };
        let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
        let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
        let tail = || {
            let lines: Vec<&str> = stderr.lines().collect();
            lines[lines.len().saturating_sub(5)..].join(" | ")
        };
        let failed = |why: String| {
            server.stop();
            skip(format!(
                "{}-start.sh {port} {why}: {}",
                kind.script(),
                tail()
            ))
        };
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => return failed(format!("failed ({s})")),
            Err(why) => return failed(why),
        }
        let vars: BTreeMap<String, String> = stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if vars.is_empty() {
            return failed("printed no KEY=VALUE lines".into());
        }
        println!(
            "{} started on port {port} in {:.1} s",
            kind.script(),
            started.elapsed().as_secs_f64()
        );
        server.vars = vars;
        server.stop_when_this_process_ends();
        Some(server)
    }

    /// A variable the start script printed; panics if it did not.
    pub fn var(&self, key: &str) -> &str {
        self.vars
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from {:?}", self.vars))
    }

    fn stop_script(&self) -> PathBuf {
        self.tools.join(format!("{}-stop.sh", self.kind.script()))
    }

    /// Stops the server and deletes its data dir.
    pub fn stop(&self) {
        let _ = Command::new(self.stop_script())
            .arg(self.port.to_string())
            .arg("--purge")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// A watcher in a process group of its own that stops the server once this process is gone
    /// (a server kept in a `static` is never dropped).
    fn stop_when_this_process_ends(&self) {
        use std::os::unix::process::CommandExt;
        let _ = Command::new("sh")
            .arg("-c")
            .arg(r#"while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; exec "$1" "$2" --purge"#)
            .arg(std::process::id().to_string())
            .arg(self.stop_script())
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_all_on_thread<R: std::io::Read + Send + 'static>(
    mut pipe: R,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// A feed item for [`rss`]: its GUID, title, date (unix seconds) and HTML body.
#[derive(Debug, Clone)]
pub struct TestItem {
    pub guid: String,
    pub title: String,
    pub date: u64,
    pub html: String,
}

/// `count` items named `<name> item <n>`, GUIDs `urn:tidings-sync:<name>:<n>`, one a day from
/// 2024-01-01 10:00 UTC, each body a paragraph naming it.
pub fn items(name: &str, count: usize) -> Vec<TestItem> {
    (1..=count)
        .map(|n| TestItem {
            guid: format!("urn:tidings-sync:{name}:{n}"),
            title: format!("{name} item {n}"),
            date: 1_704_103_200 + (n as u64 - 1) * 86_400,
            html: format!("<p>Body of <b>{name}</b> item {n}</p>"),
        })
        .collect()
}

/// An RSS 2.0 document whose links all point at `base` (a loopback address).
pub fn rss(title: &str, base: &str, items: &[TestItem]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>{base}/</link><description>tidings sync test</description>\n"
    );
    for (n, item) in items.iter().enumerate() {
        let date = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(item.date));
        xml.push_str(&format!(
            "<item><title>{}</title><link>{base}/item/{}</link><guid isPermaLink=\"false\">{}</guid>\
             <pubDate>{date}</pubDate><description>{}</description></item>\n",
            item.title,
            n + 1,
            item.guid,
            item.html.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"),
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// A loopback HTTP server serving fixed documents by path, on a thread and runtime of its own, so
/// that it outlives any one test's runtime (for the rest of the process).
pub struct FeedServer {
    pub addr: SocketAddr,
}

impl FeedServer {
    /// Serves `make(base_url)`: pairs of a path (`/feed.xml`) and its body. Any other path is 404.
    pub fn start(make: impl FnOnce(&str) -> Vec<(String, String)>) -> FeedServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("addr");
        let routes: BTreeMap<String, String> =
            make(&format!("http://{addr}")).into_iter().collect();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = tx.send(());
                let routes = std::sync::Arc::new(routes);
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(answer(stream, routes.clone()));
                }
            });
        });
        rx.recv().expect("feed server started");
        FeedServer { addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Answers one request from `routes`.
async fn answer(
    mut stream: tokio::net::TcpStream,
    routes: std::sync::Arc<BTreeMap<String, String>>,
) {
    let head = read_head(&mut stream).await;
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let response = match routes.get(&path) {
        Some(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
        }
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
