//! A tiny hand-written HTTP server on 127.0.0.1, for what wiremock cannot do: the test writes the
//! response byte by byte (a body that drips forever, an endless chunked body, header bytes that are not
//! ASCII) or watches the requests as they come (how many are in flight at once).

use std::net::SocketAddr;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// Serves every connection with `handler` until the test's runtime ends. Returns the address.
pub async fn serve<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handler(stream));
        }
    });
    addr
}

/// Whether `head` holds a whole request head (it has reached the blank line).
pub fn head_complete(head: &[u8]) -> bool {
    head.windows(4).any(|w| w == b"\r\n\r\n")
}

/// Reads a request head (up to the blank line) and returns its raw bytes; fewer when the client
/// closes the connection or it fails first (see [`head_complete`]).
pub async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head_complete(&head) {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}
