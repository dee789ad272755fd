//! A file server on 127.0.0.1 for downloads: per path, a body served whole (200) or by `Range`
//! (206, 416 past the end, with an ETag), or a status; on the first request it can stall after
//! some bytes or reset the connection. The request heads it saw are kept, per path.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::server::{read_head, serve};

/// How the server answers for one path.
#[derive(Clone)]
pub struct Route {
    pub body: Arc<Vec<u8>>,
    pub status: u16,
    /// Answer `Range` with 206 (else always the whole file, with 200).
    pub ranges: bool,
    /// On the first request only: send this many bytes of the body, then nothing, forever.
    pub stall_first_after: Option<usize>,
    /// On the first request only: send this many bytes, then reset the connection.
    pub reset_first_after: Option<usize>,
}

impl Route {
    pub fn file(body: &[u8]) -> Route {
        Route {
            body: Arc::new(body.to_vec()),
            status: 200,
            ranges: true,
            stall_first_after: None,
            reset_first_after: None,
        }
    }

    pub fn status(status: u16) -> Route {
        Route {
            status,
            ..Route::file(b"not here\n")
        }
    }
}

/// The server's routes (changeable while it runs) and the request heads it saw, per path.
#[derive(Clone, Default)]
pub struct Site {
    pub routes: Arc<Mutex<HashMap<String, Route>>>,
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Site {
    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.into(), route);
    }

    /// The request heads for `path`, lowercased, in order.
    pub fn requests(&self, path: &str) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, h)| h.to_ascii_lowercase())
            .collect()
    }
}

pub async fn start(site: &Site) -> SocketAddr {
    let site = site.clone();
    serve(move |mut stream| {
        let site = site.clone();
        async move {
            let head = String::from_utf8_lossy(&read_head(&mut stream).await).into_owned();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let first = !site.seen.lock().unwrap().iter().any(|(p, _)| *p == path);
            site.seen.lock().unwrap().push((path.clone(), head.clone()));
            let Some(route) = site.routes.lock().unwrap().get(&path).cloned() else {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                return;
            };
            let len = route.body.len();
            if route.status != 200 {
                let head = format!(
                    "HTTP/1.1 {} Nope\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
                    route.status
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&route.body).await;
                return;
            }
            let range = head.lines().find_map(|l| {
                let l = l.to_ascii_lowercase();
                let v = l
                    .strip_prefix("range:")?
                    .trim()
                    .strip_prefix("bytes=")?
                    .to_string();
                v.trim_end_matches('-').parse::<usize>().ok()
            });
            let (status_line, extra, from) = match range {
                Some(from) if route.ranges && from >= len => {
                    let head = format!(
                        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    return;
                }
                Some(from) if route.ranges => (
                    "206 Partial Content",
                    format!("Content-Range: bytes {from}-{}/{len}\r\n", len - 1),
                    from,
                ),
                _ => ("200 OK", String::new(), 0),
            };
            let head = format!(
                "HTTP/1.1 {status_line}\r\nContent-Type: audio/mpeg\r\nContent-Length: {}\r\n\
                 ETag: \"v1\"\r\nAccept-Ranges: bytes\r\n{extra}Connection: close\r\n\r\n",
                len - from
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let body = &route.body[from..];
            if first && let Some(n) = route.stall_first_after {
                let _ = stream.write_all(&body[..n]).await;
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            if first && let Some(n) = route.reset_first_after {
                let _ = stream.write_all(&body[..n]).await;
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                // SO_LINGER 0: closing sends a reset, not a clean end.
                let _ = stream.set_zero_linger();
                drop(stream);
                return;
            }
            for piece in body.chunks(16 * 1024) {
                if stream.write_all(piece).await.is_err() {
                    return;
                }
            }
        }
    })
    .await
}

/// Bytes that are easy to tell apart by position.
pub fn episode_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}
