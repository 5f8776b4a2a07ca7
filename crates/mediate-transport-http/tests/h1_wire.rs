//! The HTTP/1.1 wire behaviour of [`HyperSender`] against scripted raw TCP backends: each
//! backend reads the exact request bytes the client sends (decoding its framing strictly) and
//! answers with exact response bytes, so that framing (RFC 9112 §6.3), chunked coding,
//! interim responses, keep-alive decisions, the pool's liveness check and replay, and protocol
//! errors are checked on the wire, connection by connection.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{Method, StatusCode, Uri, Version};
use mediate_core::transport::{
    HttpSender, InboundResponse, OutboundBody, OutboundRequest, ProtocolState, SendError,
    SendErrorKind, SendOptions,
};
use mediate_message::{BodyError, BodyStream, PendingBody};
use mediate_transport_http::{ClientConfig, HyperSender};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};

/// The bound on every await: a broken test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(10);

/// Awaits `f`, failing the test if it takes longer than [`LIMIT`].
async fn t<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("timed out (10 s): the test hung")
}

/// A response with a two-byte body, keep-alive.
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// `len` bytes that differ from their neighbours (a 251-byte cycle), to check order.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The scripted backend.
// ---------------------------------------------------------------------------------------------

/// One request as the backend read it off the wire.
#[derive(Debug, Clone)]
struct Seen {
    /// The connection it came on: 0 for the first the backend accepted.
    conn: usize,
    /// How many requests came before it on its connection.
    index: usize,
    /// The request line and headers, as sent (up to and with the blank line).
    head: String,
    method: String,
    target: String,
    version: String,
    /// Names in lower case, values trimmed, in the order sent.
    headers: Vec<(String, String)>,
    /// The body as it was on the wire (chunked coding included).
    raw_body: Vec<u8>,
    /// The body, decoded.
    body: Vec<u8>,
    /// The sizes of the chunks of a chunked body, the last (empty) one left out.
    chunk_sizes: Vec<usize>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(n, _)| n == name).count()
    }
}

/// What the backend does after reading a request.
struct Reply {
    /// Written in order, with `delay` between two pieces.
    pieces: Vec<Vec<u8>>,
    delay: Duration,
    /// Before writing the piece at this index, wait for this notification.
    gate: Option<(usize, Arc<Notify>)>,
    /// Close the connection once the reply is written (else read the next request).
    close: bool,
}

/// Writes `bytes`; the connection then carries the next request.
fn keep(bytes: impl AsRef<[u8]>) -> Reply {
    Reply {
        pieces: vec![bytes.as_ref().to_vec()],
        delay: Duration::ZERO,
        gate: None,
        close: false,
    }
}

/// Writes `bytes`, then closes the connection.
fn close(bytes: impl AsRef<[u8]>) -> Reply {
    Reply {
        close: true,
        ..keep(bytes)
    }
}

/// Closes the connection without answering.
fn hang_up() -> Reply {
    Reply {
        pieces: Vec::new(),
        delay: Duration::ZERO,
        gate: None,
        close: true,
    }
}

impl Reply {
    /// The same bytes written `size` bytes at a time, `delay` apart.
    fn in_pieces(self, size: usize, delay: Duration) -> Self {
        let all = self.pieces.concat();
        Self {
            pieces: all.chunks(size).map(<[u8]>::to_vec).collect(),
            delay,
            ..self
        }
    }

    /// Waits for `gate` before writing the piece at `index`.
    fn gated(self, index: usize, gate: Arc<Notify>) -> Self {
        Self {
            gate: Some((index, gate)),
            ..self
        }
    }
}

/// A loopback backend that answers each request with what its script says.
struct Backend {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    /// Every request read, or why one could not be.
    requests: mpsc::UnboundedReceiver<Result<Seen, String>>,
    /// Connections the backend closed (after a [`Reply`] with `close`).
    closed: mpsc::UnboundedReceiver<usize>,
    /// Connections the client closed (end of input, or a failed read or write).
    client_closed: mpsc::UnboundedReceiver<usize>,
}

impl Backend {
    fn uri(&self, path: &str) -> Uri {
        format!("http://{}{path}", self.addr)
            .parse()
            .expect("a valid URI")
    }

    fn get(&self, path: &str) -> OutboundRequest {
        OutboundRequest::new(Method::GET, self.uri(path))
    }

    /// The next request the backend read.
    async fn request(&mut self) -> Seen {
        match t(self.requests.recv()).await {
            Some(Ok(seen)) => seen,
            Some(Err(problem)) => panic!("the backend got a malformed request: {problem}"),
            None => panic!("the backend is gone"),
        }
    }

    /// Asserts that the backend has read no request that was not yet taken.
    fn no_more_requests(&mut self) {
        if let Ok(extra) = self.requests.try_recv() {
            panic!("the backend read one more request than expected: {extra:?}");
        }
    }

    /// The next connection the backend closed.
    async fn closed(&mut self) -> usize {
        t(self.closed.recv()).await.expect("the backend is gone")
    }

    /// The next connection the client closed.
    async fn client_closed(&mut self) -> usize {
        t(self.client_closed.recv())
            .await
            .expect("the backend is gone")
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Starts a backend on 127.0.0.1:0 answering every request with `script(request)`.
async fn backend(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("a local address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let (closed_tx, closed) = mpsc::unbounded_channel();
    let (client_closed_tx, client_closed) = mpsc::unbounded_channel();
    let script = Arc::new(script);
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let conn = counter.fetch_add(1, Ordering::SeqCst);
            let script = Arc::clone(&script);
            let requests = requests_tx.clone();
            let closed = closed_tx.clone();
            let client_closed = client_closed_tx.clone();
            tokio::spawn(async move {
                let _ = socket.set_nodelay(true);
                let mut wire = Wire {
                    socket,
                    buf: Vec::new(),
                };
                let mut index = 0;
                loop {
                    let seen = match read_request(&mut wire, conn, index).await {
                        Ok(Some(seen)) => seen,
                        Ok(None) => {
                            let _ = client_closed.send(conn);
                            return;
                        }
                        Err(problem) => {
                            let _ = requests.send(Err(problem));
                            return;
                        }
                    };
                    index += 1;
                    let reply = script(&seen);
                    // Recorded before the answer: once the client has it, so has the test.
                    let _ = requests.send(Ok(seen));
                    for (i, piece) in reply.pieces.iter().enumerate() {
                        if let Some((at, gate)) = &reply.gate
                            && *at == i
                        {
                            gate.notified().await;
                        }
                        if i > 0 && !reply.delay.is_zero() {
                            tokio::time::sleep(reply.delay).await;
                        }
                        if wire.socket.write_all(piece).await.is_err() {
                            let _ = client_closed.send(conn);
                            return;
                        }
                    }
                    if reply.close {
                        drop(wire);
                        let _ = closed.send(conn);
                        return;
                    }
                }
            });
        }
    });
    Backend {
        addr,
        accepted,
        requests,
        closed,
        client_closed,
    }
}

/// A socket and the bytes read from it but not used yet.
struct Wire {
    socket: TcpStream,
    buf: Vec<u8>,
}

impl Wire {
    /// Reads until at least `n` bytes are buffered; `false` at the end of input.
    async fn fill(&mut self, n: usize) -> bool {
        while self.buf.len() < n {
            let mut chunk = vec![0u8; 64 * 1024];
            match self.socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
            }
        }
        true
    }

    /// The bytes up to and with `delim`; `None` at the end of input.
    async fn until(&mut self, delim: &[u8]) -> Option<Vec<u8>> {
        loop {
            if let Some(at) = find(&self.buf, delim) {
                return Some(self.buf.drain(..at + delim.len()).collect());
            }
            let have = self.buf.len();
            if !self.fill(have + 1).await {
                return None;
            }
        }
    }

    /// The next `n` bytes; `None` at the end of input.
    async fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        if !self.fill(n).await {
            return None;
        }
        Some(self.buf.drain(..n).collect())
    }
}

/// Reads one request, strictly: `Ok(None)` when the input ends before it starts.
async fn read_request(wire: &mut Wire, conn: usize, index: usize) -> Result<Option<Seen>, String> {
    let Some(head) = wire.until(b"\r\n\r\n").await else {
        if wire.buf.is_empty() {
            return Ok(None);
        }
        return Err(format!(
            "the input ended inside a request head: {:?}",
            String::from_utf8_lossy(&wire.buf)
        ));
    };
    let head = String::from_utf8(head).map_err(|_| "the request head is not UTF-8".to_owned())?;
    let mut lines = head.trim_end_matches("\r\n").split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.splitn(3, ' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("a bad request line: {line:?}"));
    };
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a header line without a colon: {line:?}"));
        };
        if name.is_empty() || name.contains(' ') || name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "a header name not in lower-case token form: {name:?}"
            ));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut seen = Seen {
        conn,
        index,
        head: head.clone(),
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
        raw_body: Vec::new(),
        body: Vec::new(),
        chunk_sizes: Vec::new(),
    };
    if seen.count("transfer-encoding") + seen.count("content-length") > 1 {
        return Err(format!("more than one framing header:\n{head}"));
    }
    if let Some(coding) = seen.header("transfer-encoding") {
        if coding != "chunked" {
            return Err(format!("transfer-encoding `{coding}`"));
        }
        read_chunked(wire, &mut seen).await?;
    } else if let Some(length) = seen.header("content-length") {
        let n: usize = length
            .parse()
            .map_err(|_| format!("content-length `{length}`"))?;
        let body = wire
            .take(n)
            .await
            .ok_or_else(|| format!("the input ended inside a {n}-byte body"))?;
        seen.raw_body = body.clone();
        seen.body = body;
    }
    Ok(Some(seen))
}

/// Decodes a chunked request body (RFC 9112 §7.1), refusing anything malformed.
async fn read_chunked(wire: &mut Wire, seen: &mut Seen) -> Result<(), String> {
    let ended = || "the input ended inside a chunked body".to_owned();
    loop {
        let line = wire.until(b"\r\n").await.ok_or_else(ended)?;
        seen.raw_body.extend_from_slice(&line);
        let text = std::str::from_utf8(&line[..line.len() - 2])
            .map_err(|_| "a chunk size line is not UTF-8".to_owned())?;
        let size_text = text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("a bad chunk size line {text:?}"))?;
        if size == 0 {
            loop {
                let trailer = wire.until(b"\r\n").await.ok_or_else(ended)?;
                seen.raw_body.extend_from_slice(&trailer);
                if trailer == b"\r\n" {
                    return Ok(());
                }
            }
        }
        let data = wire.take(size + 2).await.ok_or_else(ended)?;
        if !data.ends_with(b"\r\n") {
            return Err(format!("chunk data of {size} bytes not followed by CRLF"));
        }
        seen.raw_body.extend_from_slice(&data);
        seen.body.extend_from_slice(&data[..size]);
        seen.chunk_sizes.push(size);
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers on the client side.
// ---------------------------------------------------------------------------------------------

async fn send(
    sender: &HyperSender,
    request: OutboundRequest,
) -> Result<InboundResponse, SendError> {
    t(sender.send(request)).await
}

/// Sends `request`, which must succeed, and reads its body (empty when there is none).
async fn fetch(sender: &HyperSender, request: OutboundRequest) -> (StatusCode, Bytes) {
    let response = send(sender, request).await.expect("a response");
    let status = response.status();
    let body = match response.into_body() {
        Some(body) => t(body.read()).await.expect("the body reads to its end"),
        None => Bytes::new(),
    };
    (status, body)
}

/// A body that yields `chunks` and announces no length.
fn unsized_stream(chunks: &[&[u8]]) -> PendingBody {
    let chunks: Vec<Result<Bytes, BodyError>> = chunks
        .iter()
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let stream: BodyStream = Box::pin(futures::stream::iter(chunks));
    PendingBody::new(stream, None)
}

/// Asserts that `err` is a protocol violation found once the request was written
/// (`101506` + `REQUEST_DONE`), whose message names `uri`.
fn assert_protocol_violation(err: &SendError, uri: &Uri) {
    assert_eq!(err.kind(), SendErrorKind::ProtocolViolation, "{err}");
    assert_eq!(err.state(), ProtocolState::RequestDone, "{err}");
    assert_eq!((err.base_code(), err.code()), (101_506, 101_509), "{err}");
    assert!(
        err.message().contains(&uri.to_string()),
        "the message names the URI {uri}: {err}"
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Chunked responses.
// ---------------------------------------------------------------------------------------------

const CHUNKED: &[u8] =
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n\
5;name=value\r\nhello\r\n\
7 ; quoted=\"a;b\"\r\n, world\r\n\
A\r\n0123456789\r\n\
0;last=yes\r\nX-Trailer: yes\r\nX-Digest: abc\r\n\r\n";

#[tokio::test]
async fn a_chunked_body_with_extensions_and_trailers_is_decoded_and_the_connection_reused() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/whole" => keep(CHUNKED),
        // Cut everywhere: inside sizes, extensions, data, CRLFs and trailers.
        "/pieces" => keep(CHUNKED).in_pieces(3, Duration::from_millis(1)),
        _ => keep("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    })
    .await;
    let sender = HyperSender::new();
    for (i, path) in ["/whole", "/pieces"].into_iter().enumerate() {
        let response = send(&sender, backend.get(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers().get("x-trailer").is_none(),
            "trailers are not headers"
        );
        let body = response.into_body().expect("a chunked body");
        assert_eq!(body.content_length(), None);
        assert_eq!(
            &t(body.read()).await.unwrap()[..],
            b"hello, world0123456789",
            "{path}"
        );
        let seen = backend.request().await;
        assert_eq!((seen.conn, seen.index), (0, i), "{path}");
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"abc");
    let seen = backend.request().await;
    assert_eq!((seen.conn, seen.index), (0, 2), "the connection was reused");
    assert_eq!(backend.accepted(), 1);
}

// ---------------------------------------------------------------------------------------------
// 2, 3, 5. Keep-alive decisions.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_delimited_by_the_close_is_read_whole_and_the_connection_not_reused() {
    let payload = pattern(20_000);
    let mut by_close =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    by_close.extend_from_slice(&payload);
    // A transfer coding other than chunked last: delimited by the close too (§6.3 rule 4).
    let gzip = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nnot really gzip".to_vec();
    let mut backend = backend(move |seen| match seen.target.as_str() {
        "/close" => close(&by_close).in_pieces(4096, Duration::from_millis(1)),
        "/gzip" => close(&gzip),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();

    let response = send(&sender, backend.get("/close")).await.unwrap();
    let body = response.into_body().expect("a body");
    assert_eq!(body.content_length(), None);
    assert_eq!(t(body.read()).await.unwrap().to_vec(), payload);
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(backend.closed().await, 0);

    let (_, body) = fetch(&sender, backend.get("/gzip")).await;
    assert_eq!(&body[..], b"not really gzip");
    assert_eq!(backend.request().await.conn, 1);

    let (_, body) = fetch(&sender, backend.get("/after")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 2, "a new connection");
    assert_eq!(backend.accepted(), 3);
}

#[tokio::test]
async fn connection_close_with_a_content_length_ends_the_connection() {
    // The backend keeps its side open: the client must not reuse the connection anyway.
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/close" => keep("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"),
        "/mixed" => {
            keep("HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 2\r\n\r\nhi")
        }
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    let (_, body) = fetch(&sender, backend.get("/close")).await;
    assert_eq!(&body[..], b"hello");
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(
        backend.client_closed().await,
        0,
        "the client closed the connection"
    );

    let (_, body) = fetch(&sender, backend.get("/mixed")).await;
    assert_eq!(&body[..], b"hi");
    assert_eq!(backend.request().await.conn, 1, "a new connection");
    assert_eq!(
        backend.client_closed().await,
        1,
        "`close` among other tokens counts"
    );

    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 2, "a new connection");
    assert_eq!(backend.accepted(), 3);
}

#[tokio::test]
async fn http_1_0_responses_keep_the_connection_only_with_keep_alive() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/plain" => keep("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nv0"),
        "/keep-alive" => {
            keep("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nka")
        }
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();

    let response = send(&sender, backend.get("/plain")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_10);
    assert_eq!(
        &t(response.into_body().unwrap().read()).await.unwrap()[..],
        b"v0"
    );
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(
        backend.client_closed().await,
        0,
        "HTTP/1.0 without keep-alive: closed"
    );

    let (_, body) = fetch(&sender, backend.get("/keep-alive")).await;
    assert_eq!(&body[..], b"ka");
    assert_eq!(backend.request().await.conn, 1);

    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    let seen = backend.request().await;
    assert_eq!(
        (seen.conn, seen.index),
        (1, 1),
        "HTTP/1.0 with keep-alive: reused"
    );
    assert_eq!(backend.accepted(), 2);
}

// ---------------------------------------------------------------------------------------------
// 4. Interim responses.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn interim_100_and_103_responses_are_skipped() {
    let interim: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n\
HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 4\r\n\r\ndone";
    let mut backend = backend(move |seen| match seen.target.as_str() {
        "/together" => keep(interim),
        "/apart" => keep(interim).in_pieces(11, Duration::from_millis(1)),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for path in ["/together", "/apart"] {
        let mut request = backend.get(path);
        request.method = Method::POST;
        request.body = OutboundBody::Full(Bytes::from_static(b"payload"));
        let response = send(&sender, request).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
        assert_eq!(response.headers()["x-final"], "yes");
        assert!(
            response.headers().get("link").is_none(),
            "{path}: an interim header leaked"
        );
        assert_eq!(
            &t(response.into_body().unwrap().read()).await.unwrap()[..],
            b"done"
        );
        assert_eq!(backend.request().await.body, b"payload");
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    let seen = backend.request().await;
    assert_eq!(
        (seen.conn, seen.index),
        (0, 2),
        "nothing of the interim answers was left over"
    );
}

// ---------------------------------------------------------------------------------------------
// 6, 7. Responses without a body.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_head_response_has_no_body_whatever_its_framing_headers_say() {
    // The backend sends no body, as it must: a client waiting for 20 bytes would hang.
    let mut backend = backend(|seen| match (seen.method.as_str(), seen.target.as_str()) {
        ("HEAD", "/length") => {
            keep("HTTP/1.1 200 OK\r\nContent-Length: 20\r\nContent-Type: text/plain\r\n\r\n")
        }
        ("HEAD", "/chunked") => keep("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for path in ["/length", "/chunked"] {
        let response = send(
            &sender,
            OutboundRequest::new(Method::HEAD, backend.uri(path)),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.body().is_none(),
            "{path}: a HEAD response has no body"
        );
        let seen = backend.request().await;
        assert_eq!(seen.method, "HEAD");
        assert_eq!(
            seen.header("content-length"),
            None,
            "a HEAD request has no length"
        );
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    let seen = backend.request().await;
    assert_eq!(
        (seen.conn, seen.index),
        (0, 2),
        "reused after the HEAD responses"
    );
    assert_eq!(backend.accepted(), 1);
}

#[tokio::test]
async fn responses_204_304_and_content_length_0_have_no_body_and_keep_the_connection() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/204" => keep("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"),
        // A 304 carries the length the full response would have had, and no body.
        "/304" => keep("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 9\r\n\r\n"),
        "/empty" => keep("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for (path, status) in [
        ("/204", StatusCode::NO_CONTENT),
        ("/304", StatusCode::NOT_MODIFIED),
        ("/empty", StatusCode::OK),
    ] {
        let response = send(&sender, backend.get(path)).await.unwrap();
        assert_eq!(response.status(), status);
        assert!(response.body().is_none(), "{path}");
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    for index in 0..4 {
        let seen = backend.request().await;
        assert_eq!((seen.conn, seen.index), (0, index));
    }
    assert_eq!(backend.accepted(), 1);
}

// ---------------------------------------------------------------------------------------------
// 8, 9, 15. Bodies that fail or are abandoned.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_malformed_chunked_body_fails_the_read_and_the_connection_is_not_reused() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        // A good chunk, then a size line that is not hex.
        "/bad-size" => keep("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nxyz\r\nabc\r\n0\r\n\r\n"),
        // Chunk data longer than its size says.
        "/bad-data" => keep("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n"),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for (conn, path) in ["/bad-size", "/bad-data"].into_iter().enumerate() {
        let response = send(&sender, backend.get(path)).await.unwrap();
        let err = t(response.into_body().unwrap().read()).await.unwrap_err();
        assert!(matches!(err, BodyError::Read(_)), "{path}: {err:?}");
        assert_eq!(backend.request().await.conn, conn);
        assert_eq!(
            backend.client_closed().await,
            conn,
            "{path}: the client closed it"
        );
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 2, "a new connection");
}

#[tokio::test]
async fn a_backend_closing_in_the_middle_of_a_body_fails_the_read() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/length" => close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
        "/chunked" => close("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for (conn, path) in ["/length", "/chunked"].into_iter().enumerate() {
        let response = send(&sender, backend.get(path)).await.unwrap();
        let body = response.into_body().unwrap();
        if path == "/length" {
            assert_eq!(body.content_length(), Some(100));
        }
        let err = t(body.read()).await.unwrap_err();
        assert!(matches!(err, BodyError::Read(_)), "{path}: {err:?}");
        assert_eq!(backend.request().await.conn, conn);
    }
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 2);
}

#[tokio::test]
async fn a_response_body_dropped_unread_or_half_read_ends_its_connection() {
    let mut big = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        big.extend_from_slice(b"1000\r\n");
        big.extend_from_slice(&[b'z'; 0x1000]);
        big.extend_from_slice(b"\r\n");
    }
    big.extend_from_slice(b"0\r\n\r\n");
    let half_gate = Arc::new(Notify::new());
    let gate = Arc::clone(&half_gate);
    let mut backend = backend(move |seen| match seen.target.as_str() {
        "/unread" => keep(format!(
            "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",
            "u".repeat(100)
        )),
        // Half the body, then (once the client has dropped its stream) the rest.
        "/half" => keep(&big)
            .in_pieces(big.len() / 2, Duration::ZERO)
            .gated(1, Arc::clone(&gate)),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();

    let response = send(&sender, backend.get("/unread")).await.unwrap();
    drop(response);
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(
        backend.client_closed().await,
        0,
        "the unread body's connection was closed"
    );

    let response = send(&sender, backend.get("/half")).await.unwrap();
    let mut stream = t(response.into_body().unwrap().into_stream())
        .await
        .unwrap();
    let first = t(stream.next()).await.expect("a first chunk").unwrap();
    assert!(first.iter().all(|&b| b == b'z') && !first.is_empty());
    drop(stream);
    half_gate.notify_one();
    assert_eq!(backend.request().await.conn, 1);
    assert_eq!(
        backend.client_closed().await,
        1,
        "the half-read body's connection was closed"
    );

    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 2, "a new connection");
    assert_eq!(backend.accepted(), 3);
}

#[tokio::test]
async fn bytes_past_the_content_length_keep_the_connection_out_of_the_pool() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/extra" => keep("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE"),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    let (_, body) = fetch(&sender, backend.get("/extra")).await;
    assert_eq!(&body[..], b"ok", "the body stops at its length");
    assert_eq!(backend.request().await.conn, 0);
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(
        &body[..],
        b"ok",
        "the next response is not read from the garbage"
    );
    assert_eq!(backend.request().await.conn, 1, "a new connection");
}

// ---------------------------------------------------------------------------------------------
// 10, 11. Protocol violations.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_response_head_that_grows_past_64_kib_is_a_protocol_violation() {
    // The head never ends: 80 KiB of one header value, then the backend waits.
    let mut huge = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 80 * 1024));
    let mut backend =
        backend(move |_| keep(&huge).in_pieces(8 * 1024, Duration::from_millis(1))).await;
    let uri = backend.uri("/huge");
    let err = send(&HyperSender::new(), backend.get("/huge"))
        .await
        .unwrap_err();
    assert_protocol_violation(&err, &uri);
    backend.request().await;
}

#[tokio::test]
async fn a_complete_response_head_over_64_kib_is_a_protocol_violation() {
    let mut huge = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Huge: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 100 * 1024));
    huge.extend_from_slice(b"\r\n\r\nok");
    let mut backend = backend(move |_| keep(&huge)).await;
    let uri = backend.uri("/huge");
    let result = send(&HyperSender::new(), backend.get("/huge")).await;
    let err = result
        .map(|r| r.status())
        .expect_err("a 100 KiB head must be refused");
    assert_protocol_violation(&err, &uri);
    backend.request().await;
}

#[tokio::test]
async fn garbage_instead_of_a_response_is_a_protocol_violation() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/garbage" => keep("garbage, not HTTP at all\r\n\r\n"),
        "/bad-header" => keep("HTTP/1.1 200 OK\r\nBad Header Name: x\r\nContent-Length: 0\r\n\r\n"),
        "/bad-status" => keep("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
        "/switch" => keep("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
        "/binary" => keep([
            0x16u8, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, b'\r', b'\n', b'\r', b'\n',
        ]),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for path in [
        "/garbage",
        "/bad-header",
        "/bad-status",
        "/switch",
        "/binary",
    ] {
        let uri = backend.uri(path);
        let err = send(&sender, backend.get(path)).await.unwrap_err();
        assert_protocol_violation(&err, &uri);
        backend.request().await;
    }
    // Every failed connection was dropped: this one is new, and works.
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 5);
}

#[tokio::test]
async fn differing_content_lengths_are_a_protocol_violation() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        "/two-headers" => {
            keep("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
        }
        "/list" => keep("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!"),
        "/not-a-number" => keep("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello"),
        "/negative" => keep("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
        // The same value repeated is one length (RFC 9112 §6.3 rule 5).
        "/same" => {
            keep("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\nhello")
        }
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    for path in ["/two-headers", "/list", "/not-a-number", "/negative"] {
        let uri = backend.uri(path);
        let err = send(&sender, backend.get(path)).await.unwrap_err();
        assert_protocol_violation(&err, &uri);
        backend.request().await;
    }
    let (_, body) = fetch(&sender, backend.get("/same")).await;
    assert_eq!(&body[..], b"hello");
    assert_eq!(backend.request().await.conn, 4);
}

// ---------------------------------------------------------------------------------------------
// 12. What the backend receives.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_bodies_are_framed_by_what_is_known_of_their_length() {
    let mut backend = backend(|_| keep(OK)).await;
    let sender = HyperSender::new();
    let host = backend.addr.to_string();
    let common = |seen: &Seen| {
        assert_eq!(seen.version, "HTTP/1.1");
        assert_eq!(seen.count("host"), 1, "{}", seen.head);
        assert_eq!(seen.header("host"), Some(host.as_str()));
    };

    // GET without a body: no length header at all.
    fetch(&sender, backend.get("/none?q=1")).await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("GET", "/none?q=1")
    );
    assert!(
        seen.head.starts_with("GET /none?q=1 HTTP/1.1\r\n"),
        "{}",
        seen.head
    );
    assert_eq!(seen.header("content-length"), None, "{}", seen.head);
    assert_eq!(seen.header("transfer-encoding"), None, "{}", seen.head);
    assert!(seen.body.is_empty());

    // POST with an empty body: `content-length: 0`.
    fetch(
        &sender,
        OutboundRequest::new(Method::POST, backend.uri("/empty")),
    )
    .await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(seen.header("content-length"), Some("0"), "{}", seen.head);
    assert_eq!(seen.header("transfer-encoding"), None, "{}", seen.head);

    // A body in memory: its length.
    let mut request = OutboundRequest::new(Method::POST, backend.uri("/full"));
    request.body = OutboundBody::Full(Bytes::from_static(b"hello"));
    fetch(&sender, request).await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(seen.header("content-length"), Some("5"), "{}", seen.head);
    assert_eq!(seen.header("transfer-encoding"), None, "{}", seen.head);
    assert_eq!(seen.raw_body, b"hello");

    // A stream of unknown length, ready at once: chunked, empty chunks skipped (an empty
    // chunk would end the body).
    let mut request = OutboundRequest::new(Method::POST, backend.uri("/stream"));
    request.body = OutboundBody::Stream(unsized_stream(&[b"ab", b"", b"cde", b"fghij"]));
    fetch(&sender, request).await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(
        seen.header("transfer-encoding"),
        Some("chunked"),
        "{}",
        seen.head
    );
    assert_eq!(seen.header("content-length"), None, "{}", seen.head);
    assert_eq!(seen.body, b"abcdefghij");
    assert_eq!(
        String::from_utf8_lossy(&seen.raw_body),
        "2\r\nab\r\n3\r\ncde\r\n5\r\nfghij\r\n0\r\n\r\n"
    );

    // A stream whose chunks come later (after the head went out): chunked as they come.
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, BodyError>>();
    tx.unbounded_send(Ok(Bytes::from_static(b"first,")))
        .unwrap();
    let mut request = OutboundRequest::new(Method::PUT, backend.uri("/late"));
    request.body = OutboundBody::Stream(PendingBody::new(Box::pin(rx), None));
    let feeder = async move {
        for chunk in [&b"second,"[..], b"third"] {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tx.unbounded_send(Ok(Bytes::from_static(chunk))).unwrap();
        }
        drop(tx);
    };
    let (result, ()) = tokio::join!(send(&sender, request), feeder);
    let body = result.unwrap().into_body().expect("a body");
    assert_eq!(&t(body.read()).await.unwrap()[..], b"ok");
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(seen.method, "PUT");
    assert_eq!(
        seen.header("transfer-encoding"),
        Some("chunked"),
        "{}",
        seen.head
    );
    assert_eq!(seen.body, b"first,second,third");
    assert_eq!(seen.chunk_sizes, [6, 7, 5]);

    // Large bodies (written apart from the head): a 100 KiB body in memory, and a stream
    // with a 40 KiB chunk between two small ones.
    let large = pattern(100 * 1024);
    let mut request = OutboundRequest::new(Method::POST, backend.uri("/large"));
    request.body = OutboundBody::Full(Bytes::from(large.clone()));
    fetch(&sender, request).await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(
        seen.header("content-length"),
        Some("102400"),
        "{}",
        seen.head
    );
    assert_eq!(seen.body, large);

    let middle = pattern(40 * 1024);
    let mut request = OutboundRequest::new(Method::POST, backend.uri("/large-chunk"));
    request.body = OutboundBody::Stream(unsized_stream(&[b"0123456789", &middle, b"tail!"]));
    fetch(&sender, request).await;
    let seen = backend.request().await;
    common(&seen);
    assert_eq!(
        seen.header("transfer-encoding"),
        Some("chunked"),
        "{}",
        seen.head
    );
    assert_eq!(seen.chunk_sizes, [10, 40 * 1024, 5]);
    assert_eq!(seen.body, [&b"0123456789"[..], &middle, b"tail!"].concat());

    // All of it on one connection.
    assert_eq!(backend.accepted(), 1);
    backend.no_more_requests();
}

// ---------------------------------------------------------------------------------------------
// 13. A large body in small pieces.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_1_mib_body_in_7_kib_pieces_arrives_whole_in_order_and_streaming() {
    const SIZE: usize = 1024 * 1024;
    const PIECE: usize = 7 * 1024;
    let payload = pattern(SIZE);
    let mut response = format!("HTTP/1.1 200 OK\r\nContent-Length: {SIZE}\r\n\r\n").into_bytes();
    let head_len = response.len();
    response.extend_from_slice(&payload);
    // Pieces of 7 KiB of the body (the head goes in the first), 1 ms apart; the second half
    // only once the client has taken the first: the body streams, it is not gathered first.
    let mut pieces = vec![response[..head_len + PIECE].to_vec()];
    pieces.extend(
        response[head_len + PIECE..]
            .chunks(PIECE)
            .map(<[u8]>::to_vec),
    );
    let half = pieces.len() / 2;
    let first_half_bytes: usize = pieces[..half].iter().map(Vec::len).sum::<usize>() - head_len;
    let gate = Arc::new(Notify::new());
    let backend_gate = Arc::clone(&gate);
    let mut backend = backend(move |seen| match seen.target.as_str() {
        "/big" => Reply {
            pieces: pieces.clone(),
            delay: Duration::from_millis(1),
            gate: None,
            close: false,
        }
        .gated(half, Arc::clone(&backend_gate)),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    let response = send(&sender, backend.get("/big")).await.unwrap();
    let body = response.into_body().unwrap();
    assert_eq!(body.content_length(), Some(SIZE as u64));
    let mut stream = t(body.into_stream()).await.unwrap();
    let mut got = Vec::with_capacity(SIZE);
    let mut chunks = 0;
    let mut opened = false;
    while let Some(chunk) = t(stream.next()).await {
        got.extend_from_slice(&chunk.unwrap());
        chunks += 1;
        if !opened && got.len() >= first_half_bytes {
            opened = true;
            gate.notify_one();
        }
    }
    assert!(
        opened,
        "the first half arrived before the second was written"
    );
    assert_eq!(got.len(), SIZE);
    assert!(got == payload, "the body arrived out of order or altered");
    assert!(chunks > 1, "the body streamed in {chunks} chunks");
    assert_eq!(backend.request().await.conn, 0);

    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(
        backend.request().await.conn,
        0,
        "reused once the body was read"
    );
}

// ---------------------------------------------------------------------------------------------
// 14. Pooled connections the backend closed.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_pooled_connection_the_backend_closed_is_not_used_again() {
    // Every response says keep-alive, and the backend closes right after writing it.
    let mut backend = backend(|_| close(OK)).await;
    let sender = HyperSender::new();
    let (_, body) = fetch(&sender, backend.get("/first")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(backend.closed().await, 0);

    let (status, body) = fetch(&sender, backend.get("/second")).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
    assert_eq!(backend.closed().await, 1);

    let mut post = OutboundRequest::new(Method::POST, backend.uri("/post"));
    post.body = OutboundBody::Full(Bytes::from_static(b"{\"a\":1}"));
    let (status, body) = fetch(&sender, post).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));

    // Whether by the liveness check or by a replay, each request was answered once, each on
    // a connection of its own, and the POST reached the backend exactly once.
    let second = backend.request().await;
    let post = backend.request().await;
    assert_eq!(second.target, "/second");
    assert_eq!(post.target, "/post");
    assert_eq!(post.body, b"{\"a\":1}");
    assert_eq!(post.index, 0, "a connection of its own");
    backend.no_more_requests();
}

#[tokio::test]
async fn a_get_whose_pooled_connection_ends_before_any_answer_is_sent_again() {
    // The first connection answers once, then reads the next request and hangs up without a
    // byte of answer (a keep-alive timeout racing the request).
    let mut backend = backend(|seen| match (seen.conn, seen.index) {
        (0, 0) => keep(OK),
        (0, _) => hang_up(),
        _ => keep("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain"),
    })
    .await;
    let sender = HyperSender::new();
    fetch(&sender, backend.get("/first")).await;
    let (status, body) = fetch(&sender, backend.get("/idempotent")).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"again"[..]));
    backend.request().await;
    let hung_up = backend.request().await;
    let replayed = backend.request().await;
    assert_eq!(
        (hung_up.conn, hung_up.index, hung_up.target.as_str()),
        (0, 1, "/idempotent")
    );
    assert_eq!(
        (replayed.conn, replayed.index),
        (1, 0),
        "sent again on a new connection"
    );
    assert_eq!(replayed.head, hung_up.head, "the same bytes");
    backend.no_more_requests();
}

#[tokio::test]
async fn a_post_whose_pooled_connection_ends_before_any_answer_is_not_sent_again() {
    let mut backend = backend(|seen| match (seen.conn, seen.index) {
        (0, 0) => keep(OK),
        (0, _) => hang_up(),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    fetch(&sender, backend.get("/first")).await;
    let mut post = OutboundRequest::new(Method::POST, backend.uri("/post"));
    post.body = OutboundBody::Full(Bytes::from_static(b"once"));
    let uri = post.uri.clone();
    let err = send(&sender, post).await.unwrap_err();
    // The backend may have acted on it: a POST is not sent twice.
    assert_eq!(err.kind(), SendErrorKind::ConnectionClosed, "{err}");
    assert_eq!(err.code(), 101_508, "{err}");
    assert!(err.message().contains(&uri.to_string()), "{err}");
    backend.request().await;
    let post = backend.request().await;
    assert_eq!(
        (post.conn, post.index, post.body.as_slice()),
        (0, 1, &b"once"[..])
    );
    backend.no_more_requests();
    // The pool is not poisoned.
    fetch(&sender, backend.get("/after")).await;
    assert_eq!(backend.request().await.conn, 1);
}

// ---------------------------------------------------------------------------------------------
// Beyond the list: limits that must still let normal traffic through, a stalled body, and
// FORCE_HTTP_1.0 on the wire.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn heads_near_the_limits_are_read_and_past_the_header_count_refused() {
    // 60 KiB of head, and 128 headers: both within the limits.
    let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'b', 60 * 1024));
    big.extend_from_slice(b"\r\n\r\nok");
    let headers = |n: usize| -> String { (0..n).map(|i| format!("X-H{i}: v\r\n")).collect() };
    let many = format!(
        "HTTP/1.1 200 OK\r\n{}Content-Length: 2\r\n\r\nok",
        headers(127)
    );
    let too_many = format!(
        "HTTP/1.1 200 OK\r\n{}Content-Length: 2\r\n\r\nok",
        headers(128)
    );
    let mut backend = backend(move |seen| match seen.target.as_str() {
        "/big" => keep(&big).in_pieces(4096, Duration::ZERO),
        "/many" => keep(&many),
        "/too-many" => keep(&too_many),
        _ => keep(OK),
    })
    .await;
    let sender = HyperSender::new();
    let response = send(&sender, backend.get("/big")).await.unwrap();
    assert_eq!(response.headers()["x-big"].len(), 60 * 1024);
    assert_eq!(
        &t(response.into_body().unwrap().read()).await.unwrap()[..],
        b"ok"
    );
    let response = send(&sender, backend.get("/many")).await.unwrap();
    assert_eq!(response.headers().len(), 128);
    assert_eq!(
        &t(response.into_body().unwrap().read()).await.unwrap()[..],
        b"ok"
    );
    let uri = backend.uri("/too-many");
    let err = send(&sender, backend.get("/too-many")).await.unwrap_err();
    assert_protocol_violation(&err, &uri);
    for (index, target) in ["/big", "/many", "/too-many"].into_iter().enumerate() {
        let seen = backend.request().await;
        assert_eq!(
            (seen.conn, seen.index, seen.target.as_str()),
            (0, index, target)
        );
    }
}

#[tokio::test]
async fn a_body_that_stalls_fails_after_the_body_idle_timeout_and_ends_its_connection() {
    let mut backend = backend(|seen| match seen.target.as_str() {
        // 10 of 100 bytes, then nothing (the connection stays open).
        "/stall" => keep("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
        _ => keep(OK),
    })
    .await;
    let mut config = ClientConfig::default();
    config.body_idle_timeout = Some(Duration::from_millis(200));
    let sender = HyperSender::with_config(config);
    let response = send(&sender, backend.get("/stall")).await.unwrap();
    let err = t(response.into_body().unwrap().read()).await.unwrap_err();
    assert!(
        matches!(&err, BodyError::Read(why) if why.contains("backend")),
        "{err:?}"
    );
    assert_eq!(backend.request().await.conn, 0);
    assert_eq!(
        backend.client_closed().await,
        0,
        "the stalled connection was closed"
    );
    let (_, body) = fetch(&sender, backend.get("/next")).await;
    assert_eq!(&body[..], b"ok");
    assert_eq!(backend.request().await.conn, 1);
}

#[tokio::test]
async fn force_http_1_0_asks_for_keep_alive_and_sends_a_length() {
    let mut backend = backend(|_| {
        keep("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
    })
    .await;
    let sender = HyperSender::new();
    for i in 0..2 {
        let mut request = OutboundRequest::new(Method::POST, backend.uri("/old"));
        request.body = OutboundBody::Stream(unsized_stream(&[b"ab", b"cd"]));
        let mut options = SendOptions::default();
        options.http_1_0 = true;
        request.options = options;
        let (_, body) = fetch(&sender, request).await;
        assert_eq!(&body[..], b"ok");
        let seen = backend.request().await;
        assert!(
            seen.head.starts_with("POST /old HTTP/1.0\r\n"),
            "{}",
            seen.head
        );
        assert_eq!(
            seen.header("connection"),
            Some("keep-alive"),
            "{}",
            seen.head
        );
        assert_eq!(seen.header("content-length"), Some("4"), "{}", seen.head);
        assert_eq!(seen.header("transfer-encoding"), None, "{}", seen.head);
        assert_eq!(seen.body, b"abcd");
        assert_eq!((seen.conn, seen.index), (0, i), "kept alive");
    }
}
