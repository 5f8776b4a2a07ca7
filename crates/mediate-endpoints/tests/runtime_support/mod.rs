//! Real loopback HTTP for the endpoint runtime tests: a tiny HTTP/1.1 backend on
//! `127.0.0.1:0` that records what it receives and answers as told, and a minimal real-socket
//! [`HttpSender`] (raw HTTP/1.1 over a tokio `TcpStream`, `Content-Length` bodies, one
//! connection per request).
//!
//! The sender stands in for the hyper sender of `mediate-transport-http` until that exists.
//! Also used by `mediate-mediators`' `call_send*` tests (through `#[path]`).

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use mediate_core::async_trait;
use mediate_core::message::PendingBody;
use mediate_core::transport::{
    HttpSender, InboundResponse, OutboundBody, OutboundRequest, SendError, SendErrorKind,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request as the backend received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the backend does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with this status, headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Wait, then do the inner reply.
    After(Duration, Box<Reply>),
    /// Close the connection without answering.
    Close,
}

impl Reply {
    /// `status` with a `text/plain` body.
    pub fn text(status: u16, body: &str) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// `200` with a JSON body.
    pub fn json(body: &str) -> Self {
        Reply::Respond {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Respond {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_owned(), value.to_owned()));
                Reply::Respond {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }

    /// Waits `delay` before this reply.
    pub fn after(self, delay: Duration) -> Self {
        Reply::After(delay, Box::new(self))
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A backend on `127.0.0.1:0`, stopped when dropped.
pub struct Backend {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Backend {
    /// A backend answering every request with `handler`'s reply.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let _ = serve(stream, handler, recorded).await;
                });
            }
        });
        Backend {
            addr,
            requests,
            task,
        }
    }

    /// A backend answering `200 text/plain` with `body`.
    pub async fn text(body: &'static str) -> Backend {
        Backend::start(move |_| Reply::text(200, body)).await
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests").clone()
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.requests.lock().expect("requests").len()
    }
}

/// A `http://127.0.0.1:PORT` nothing listens on (the port was just freed).
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    recorded.lock().expect("requests").push(request.clone());
    let mut reply = handler(&request);
    loop {
        match reply {
            Reply::After(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Close => return stream.shutdown().await,
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (n, v) in &headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str(&format!(
                    "content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                ));
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                return stream.shutdown().await;
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

/// Reads one request (head, then a `Content-Length` or chunked body).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 1 << 20 {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut rest = buf[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length").and_then(|l| l.parse::<usize>().ok()) {
        while rest.len() < len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        while find(&rest, b"0\r\n\r\n").is_none() {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        dechunk(&rest)
    } else {
        Vec::new()
    };
    Ok(Some(Recorded {
        method,
        target,
        headers,
        body,
    }))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(data, b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[line_end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A minimal real-socket sender: one connection per request, `Content-Length` bodies, the
/// whole response read before it is returned (the backend closes after answering).
#[derive(Debug, Default)]
pub struct RawSender;

#[async_trait]
impl HttpSender for RawSender {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, SendError> {
        match request.timeout {
            Some(t) => tokio::time::timeout(t, exchange(request))
                .await
                .map_err(|_| SendError::new(SendErrorKind::Timeout, "read timed out"))?,
            None => exchange(request).await,
        }
    }
}

async fn exchange(request: OutboundRequest) -> Result<InboundResponse, SendError> {
    let invalid = |m: String| SendError::new(SendErrorKind::InvalidRequest, m);
    if request.uri.scheme_str() != Some("http") {
        return Err(invalid(format!(
            "{}: the test sender speaks plain http only",
            request.uri
        )));
    }
    let host = request
        .uri
        .host()
        .ok_or_else(|| invalid(format!("{}: no host", request.uri)))?
        .to_owned();
    let port = request.uri.port_u16().unwrap_or(80);
    let mut stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| SendError::new(SendErrorKind::ConnectFailed, e.to_string()))?;
    let body: Bytes = match request.body {
        OutboundBody::Empty => Bytes::new(),
        OutboundBody::Full(b) => b,
        OutboundBody::Stream(p) => p
            .read()
            .await
            .map_err(|e| SendError::new(SendErrorKind::SendFailed, e.to_string()))?,
    };
    let target = request
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {host}:{port}\r\n",
        request.method
    );
    for (name, value) in &request.headers {
        if matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            continue;
        }
        head.push_str(&format!(
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    if !body.is_empty() || !matches!(request.method.as_str(), "GET" | "HEAD") {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("connection: close\r\n\r\n");
    let send_failed = |e: std::io::Error| SendError::new(SendErrorKind::SendFailed, e.to_string());
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(send_failed)?;
    stream.write_all(&body).await.map_err(send_failed)?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| SendError::new(SendErrorKind::ConnectionClosed, e.to_string()))?;
    let Some(head_end) = find(&raw, b"\r\n\r\n") else {
        return Err(SendError::new(
            SendErrorKind::ConnectionClosed,
            "the backend closed the connection before answering",
        ));
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| SendError::new(SendErrorKind::ProtocolViolation, "bad status line"))?;
    let mut builder = http::Response::builder().status(status);
    let mut length = None;
    for line in lines {
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            }
            builder = builder.header(n.trim(), v.trim());
        }
    }
    let mut body = raw[head_end + 4..].to_vec();
    if let Some(len) = length {
        body.truncate(len);
    }
    let body = (!body.is_empty()).then(|| PendingBody::from_chunks([Bytes::from(body)]));
    builder
        .body(body)
        .map_err(|e| SendError::new(SendErrorKind::ProtocolViolation, e.to_string()))
}

/// The sender as the runtime takes it.
pub fn sender() -> Arc<dyn HttpSender> {
    Arc::new(RawSender)
}
