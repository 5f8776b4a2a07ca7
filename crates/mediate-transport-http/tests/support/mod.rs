//! Shared helpers for the transport tests: servers on 127.0.0.1:0 and a raw HTTP/1.1 reader.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mediate_transport_http::{Handler, ServerConfig, serve};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A generous bound that only keeps a broken test from hanging.
pub const HANG: Duration = Duration::from_secs(30);

/// Awaits `f`, failing the test if it takes longer than [`HANG`].
pub async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(HANG, f)
        .await
        .expect("the test hung (30 s)")
}

/// A running [`serve`] on a free loopback port.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(handler: impl Handler, config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Arc::new(handler), config, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    pub fn url(&self, path: &str) -> http::Uri {
        format!("http://{}{path}", self.addr).parse().unwrap()
    }

    /// Asks the server to shut down (without waiting).
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down and waits for [`serve`] to return.
    pub async fn stop(mut self) {
        self.shutdown();
        within(&mut self.task).await.unwrap().unwrap();
    }
}

/// One HTTP/1.1 response read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (head, then a `Content-Length` body, or a chunked one) from `stream`.
pub async fn read_response<S: AsyncRead + Unpin>(stream: &mut S) -> RawResponse {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = within(stream.read(&mut chunk)).await.unwrap();
        assert!(
            n > 0,
            "connection closed before a response head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let mut rest = buf[head_end..].to_vec();
    let response = RawResponse {
        status,
        headers,
        body: Vec::new(),
    };
    let body = if let Some(len) = response.header("content-length") {
        let len: usize = len.parse().unwrap();
        while rest.len() < len {
            let mut chunk = [0u8; 4096];
            let n = within(stream.read(&mut chunk)).await.unwrap();
            assert!(n > 0, "connection closed inside a body");
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if response
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        while find(&rest, b"0\r\n\r\n").is_none() {
            let mut chunk = [0u8; 4096];
            let n = within(stream.read(&mut chunk)).await.unwrap();
            assert!(n > 0, "connection closed inside a chunked body");
            rest.extend_from_slice(&chunk[..n]);
        }
        dechunk(&rest)
    } else {
        Vec::new()
    };
    RawResponse { body, ..response }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The test certificate chain for `localhost`, its key, and the CA that signed it (`tests/tls/`).
#[cfg(feature = "tls")]
pub mod certs {
    pub const CHAIN: &[u8] = include_bytes!("../tls/localhost.pem");
    pub const KEY: &[u8] = include_bytes!("../tls/localhost.key");
    pub const CA: &[u8] = include_bytes!("../tls/ca.pem");
}

/// A client that trusts the test CA, speaking HTTP/2 with prior knowledge when `http2`.
#[cfg(feature = "tls")]
pub fn trusting_sender(http2: bool) -> mediate_transport_http::HyperSender {
    let mut config = mediate_transport_http::ClientConfig::default();
    config.tls = Some(mediate_transport_http::tls::client_config_with_roots(certs::CA).unwrap());
    config.http2_prior_knowledge = http2;
    mediate_transport_http::HyperSender::with_config(config)
}
