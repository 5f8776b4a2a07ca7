//! The listener's own HTTP/1.1 server (`h1_server`) on the wire: exact bytes over raw loopback
//! sockets for pipelining, `100-continue`, chunked request bodies, HTTP/1.0, response framing,
//! `Connection: close`, refusals, unread request bodies, `HEAD` and bodiless statuses, the
//! listener's own headers, the head timeout, reason phrases and shutdown.
//!
//! Every wait is bounded by [`within`]; nothing asserts an upper bound on how long anything
//! took, so the outcomes do not depend on the machine's speed. Whatever a client sends is sent
//! before the server could close the connection (or is all read by the server), so a close is
//! a FIN and never a reset that could destroy the response on its way.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http::{Request, Response, StatusCode};
use mediate_message::{BodyError, BodyStream, PendingBody};
use mediate_transport_http::{MI_SERVER, ResponseBody, ServerConfig, handler_fn};
use support::{Server, find, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc};

// ---------------------------------------------------------------------------------------------
// A raw client
// ---------------------------------------------------------------------------------------------

/// One response as read off the wire.
#[derive(Debug)]
struct Reply {
    /// The status line, without its CRLF.
    status_line: String,
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, decoded from its framing.
    body: Vec<u8>,
    /// The body as it came on the wire (chunk framing included).
    raw_body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        let mut all = self.all(name).into_iter();
        let first = all.next();
        assert!(
            all.next().is_none(),
            "more than one `{name}` header: {self:?}"
        );
        first
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client connection: the socket and what has been read from it but not consumed yet, so
/// that pipelined responses are read one after the other without losing bytes.
struct Conn {
    socket: TcpStream,
    buf: Vec<u8>,
}

/// How the body of a response is delimited, as the client knows it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// From the response's own headers (`Content-Length`, chunked, or the close).
    Framed,
    /// No body whatever the headers say (the answer to `HEAD`).
    NoBody,
}

impl Conn {
    async fn open(server: &Server) -> Self {
        let socket = within(TcpStream::connect(server.addr)).await.unwrap();
        socket.set_nodelay(true).unwrap();
        Self {
            socket,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        within(self.socket.write_all(bytes.as_ref())).await.unwrap();
    }

    /// Reads what comes next into the buffer: how much, 0 at the end of input (a reset counts
    /// as the end).
    async fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 16 * 1024];
        match within(self.socket.read(&mut chunk)).await {
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                n
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Err(err) => panic!("reading from the server failed: {err}"),
        }
    }

    async fn must_fill(&mut self, what: &str) {
        if self.fill().await == 0 {
            panic!(
                "the connection closed {what}; got so far: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        }
    }

    /// The next `n` bytes.
    async fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            self.must_fill("before the expected bytes").await;
        }
        self.buf.drain(..n).collect()
    }

    /// The next line, without its CRLF.
    async fn line(&mut self) -> Vec<u8> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).collect();
                return line[..end].to_vec();
            }
            self.must_fill("inside a line").await;
        }
    }

    /// Reads one response (head and body).
    async fn reply(&mut self) -> Reply {
        self.reply_as(Expect::Framed).await
    }

    /// Reads the answer to a `HEAD` request: a head alone.
    async fn head_reply(&mut self) -> Reply {
        self.reply_as(Expect::NoBody).await
    }

    async fn reply_as(&mut self, expect: Expect) -> Reply {
        let end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end;
            }
            self.must_fill("before a response head").await;
        };
        let head: Vec<u8> = self.buf.drain(..end + 4).collect();
        let head = String::from_utf8(head[..end].to_vec()).expect("a head in ASCII");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_owned();
        assert!(
            status_line.starts_with("HTTP/1.1 "),
            "not a status line: {status_line:?}"
        );
        let status: u16 = status_line
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status code in {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("not a header line: {l:?}"));
                assert_eq!(n, n.trim(), "blanks around a header name: {l:?}");
                (n.to_owned(), v.trim().to_owned())
            })
            .collect();
        let mut reply = Reply {
            status_line,
            status,
            headers,
            body: Vec::new(),
            raw_body: Vec::new(),
        };
        let no_body = expect == Expect::NoBody
            || (100..200).contains(&status)
            || status == 204
            || status == 304;
        if no_body {
            return reply;
        }
        let chunked = reply.header("transfer-encoding").is_some();
        if chunked {
            assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
            assert!(
                reply.header("content-length").is_none(),
                "both content-length and chunked: {reply:?}"
            );
            self.chunked_body(&mut reply).await;
        } else if let Some(length) = reply.header("content-length") {
            let length: usize = length.parse().expect("a decimal content-length");
            reply.body = self.take(length).await;
            reply.raw_body = reply.body.clone();
        } else {
            reply.body = self.closed().await;
            reply.raw_body = reply.body.clone();
        }
        reply
    }

    /// A chunked body, checked strictly: hex sizes, CRLF after every chunk, the last chunk and
    /// the final empty line.
    async fn chunked_body(&mut self, reply: &mut Reply) {
        loop {
            let size_line = self.line().await;
            reply.raw_body.extend_from_slice(&size_line);
            reply.raw_body.extend_from_slice(b"\r\n");
            let text = std::str::from_utf8(&size_line).expect("an ASCII chunk size line");
            let digits = text.split(';').next().unwrap_or_default();
            assert!(
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()),
                "a bad chunk size line: {text:?}"
            );
            let size = usize::from_str_radix(digits, 16).expect("a chunk size");
            if size == 0 {
                loop {
                    let trailer = self.line().await;
                    reply.raw_body.extend_from_slice(&trailer);
                    reply.raw_body.extend_from_slice(b"\r\n");
                    if trailer.is_empty() {
                        return;
                    }
                }
            }
            let data = self.take(size + 2).await;
            assert_eq!(&data[size..], b"\r\n", "no CRLF after a chunk's data");
            reply.body.extend_from_slice(&data[..size]);
            reply.raw_body.extend_from_slice(&data);
        }
    }

    /// Reads until the server closes the connection (a reset counts as a close): what came
    /// after what was already consumed.
    async fn closed(&mut self) -> Vec<u8> {
        while self.fill().await > 0 {}
        std::mem::take(&mut self.buf)
    }

    /// Asserts that the server closes the connection without sending anything more.
    async fn expect_closed(&mut self) {
        let rest = self.closed().await;
        assert!(
            rest.is_empty(),
            "bytes after the last response: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// Asserts that the connection still serves requests: `GET /alive` answered on it.
    async fn expect_alive(&mut self) {
        self.send("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let reply = self.reply().await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.text(), "GET /alive");
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

fn status(code: u16, body: ResponseBody) -> Response<ResponseBody> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(code).expect("a valid status");
    response
}

/// `hello`, a 20 000-byte chunk, then ` world` (after a pause, so that part of the body is
/// not ready when the head is written): of unknown length.
fn unknown_length_stream() -> BodyStream {
    let ready = futures::stream::iter([
        Ok(Bytes::from_static(b"hello")),
        Ok(Bytes::from(vec![b'x'; 20_000])),
    ]);
    let later = futures::stream::iter([Bytes::from_static(b" world")]).then(|chunk| async move {
        tokio::task::yield_now().await;
        Ok(chunk)
    });
    Box::pin(ready.chain(later))
}

fn unknown_length_text() -> Vec<u8> {
    let mut text = b"hello".to_vec();
    text.extend(std::iter::repeat_n(b'x', 20_000));
    text.extend_from_slice(b" world");
    text
}

/// The handler most tests use; what it does depends on the path:
///
/// - `/echo`: reads the body and answers it (`200`), or `500` and the error's text;
/// - `/ignore`: answers `ignored` without touching the body;
/// - `/stream`: answers [`unknown_length_stream`];
/// - `/broken-stream`: a body of unknown length that fails after `partial`;
/// - `/broken-at-once`: a body of 10 bytes whose first read fails;
/// - `/status/NNN`: answers status NNN with a body `body of NNN`;
/// - `/status-stream/NNN`: answers status NNN with a body of unknown length;
/// - `/reason`: `200` with the reason phrase `Fine Thanks`;
/// - `/close`: `200` with the handler's own `Connection: close`;
/// - anything else: `200` and `<method> <path>`.
async fn route(request: Request<Option<PendingBody>>) -> Response<ResponseBody> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let body = request.into_body();
    if let Some(code) = path.strip_prefix("/status/") {
        let code: u16 = code.parse().expect("a status in the path");
        return status(code, ResponseBody::full(format!("body of {code}")));
    }
    if let Some(code) = path.strip_prefix("/status-stream/") {
        let code: u16 = code.parse().expect("a status in the path");
        return status(
            code,
            ResponseBody::from_stream(unknown_length_stream(), None),
        );
    }
    match path.as_str() {
        "/echo" => match body {
            None => Response::new(ResponseBody::full("<no body>")),
            Some(body) => match body.read().await {
                Ok(bytes) => Response::new(ResponseBody::full(bytes)),
                Err(err) => status(500, ResponseBody::full(err.to_string())),
            },
        },
        "/ignore" => Response::new(ResponseBody::full("ignored")),
        "/stream" => Response::new(ResponseBody::from_stream(unknown_length_stream(), None)),
        "/broken-stream" => {
            // The failure comes after the head and the first chunk went out.
            let failure = futures::stream::once(async {
                tokio::task::yield_now().await;
                Err(BodyError::Read("the backend went away".to_owned()))
            });
            let stream = futures::stream::iter([Ok(Bytes::from_static(b"partial"))]).chain(failure);
            Response::new(ResponseBody::from_stream(Box::pin(stream), None))
        }
        "/broken-at-once" => {
            // The body fails before any of it could go with the head.
            let stream = futures::stream::iter([Err::<Bytes, _>(BodyError::Read(
                "the backend went away".to_owned(),
            ))]);
            Response::new(ResponseBody::from_stream(Box::pin(stream), Some(10)))
        }
        "/reason" => {
            let mut response = Response::new(ResponseBody::full("reasoned"));
            response
                .extensions_mut()
                .insert(hyper::ext::ReasonPhrase::from_static(b"Fine Thanks"));
            response
        }
        "/close" => {
            let mut response = Response::new(ResponseBody::full("closing"));
            response
                .headers_mut()
                .insert(http::header::CONNECTION, "close".parse().unwrap());
            response
        }
        _ => Response::new(ResponseBody::full(format!("{method} {path}"))),
    }
}

async fn route_server(config: ServerConfig) -> Server {
    Server::start(handler_fn(route), config).await
}

// ---------------------------------------------------------------------------------------------
// 1. Pipelining
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_pipelined_requests_are_answered_in_order() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let first = conn.reply().await;
    let second = conn.reply().await;
    assert_eq!((first.status, first.text().as_str()), (200, "GET /first"));
    assert_eq!(
        (second.status, second.text().as_str()),
        (200, "GET /second")
    );
    conn.expect_alive().await;
    server.stop().await;
}

#[tokio::test]
async fn three_pipelined_requests_with_bodies_between_are_answered_in_order() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send(concat!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n",
        "GET /third HTTP/1.1\r\nHost: x\r\n\r\n",
    ))
    .await;
    let texts = [
        conn.reply().await.text(),
        conn.reply().await.text(),
        conn.reply().await.text(),
    ];
    assert_eq!(texts, ["first", "second", "GET /third"]);
    conn.expect_alive().await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Expect: 100-continue
// ---------------------------------------------------------------------------------------------

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

#[tokio::test]
async fn expect_100_continue_is_answered_before_the_body_is_sent() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n",
    )
    .await;
    // Nothing of the body has been sent: the interim response comes first.
    assert_eq!(
        String::from_utf8_lossy(&conn.take(CONTINUE.len()).await),
        String::from_utf8_lossy(CONTINUE)
    );
    conn.send("hello there").await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "hello there"));
    conn.expect_alive().await;
    server.stop().await;
}

#[tokio::test]
async fn expect_100_continue_with_a_chunked_body() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    )
    .await;
    assert_eq!(conn.take(CONTINUE.len()).await, CONTINUE);
    conn.send("3\r\nabc\r\n0\r\n\r\n").await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "abc"));
    server.stop().await;
}

#[tokio::test]
async fn no_100_continue_without_a_body_or_from_an_http_10_client() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n",
    )
    .await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "<no body>"));

    // An HTTP/1.0 client cannot take an interim response (RFC 9110 §10.1.1).
    let mut conn = Conn::open(&server).await;
    conn.send("POST /echo HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi")
        .await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "hi"));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Chunked request bodies
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_chunked_request_body_with_extensions_and_trailers_is_decoded() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send(concat!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "5;name=value\r\nhello\r\n",
        "1 ; quoted=\"a;b\"\r\n \r\n",
        "A\r\nchunked!!!\r\n",
        "0;last\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n",
    ))
    .await;
    let reply = conn.reply().await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "hello chunked!!!")
    );
    // The trailers were consumed with the body: the next request parses.
    conn.expect_alive().await;
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_chunked_body_fails_the_read_and_closes_the_connection() {
    let server = route_server(ServerConfig::default()).await;
    for body in [
        &b"zz\r\nhello\r\n0\r\n\r\n"[..],
        b"5\r\nhelloXX0\r\n\r\n",
        b"5\nhello\r\n0\r\n\r\n",
    ] {
        let mut conn = Conn::open(&server).await;
        let mut request =
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        request.extend_from_slice(body);
        // A request after it that must not be served: the connection's framing is lost.
        request.extend_from_slice(b"GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        conn.send(&request).await;
        let reply = conn.reply().await;
        assert_eq!(reply.status, 500, "{reply:?}");
        assert!(
            reply.text().contains("malformed"),
            "the handler saw: {}",
            reply.text()
        );
        conn.expect_closed().await;
    }
    let mut conn = Conn::open(&server).await;
    conn.expect_alive().await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 4. HTTP/1.0
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn http_10_without_keep_alive_is_closed_after_the_response() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /old HTTP/1.0\r\n\r\n").await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "GET /old"));
    assert_eq!(reply.header("content-length"), Some("8"));
    assert_eq!(reply.header("connection"), Some("close"));
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn http_10_with_keep_alive_serves_a_second_request() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    for path in ["/one", "/two"] {
        conn.send(format!(
            "GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        ))
        .await;
        let reply = conn.reply().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.text(), format!("GET {path}"));
        assert!(
            reply
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("keep-alive")),
            "{reply:?}"
        );
    }
    // Without it, the third request is the last.
    conn.send("GET /three HTTP/1.0\r\n\r\n").await;
    assert_eq!(conn.reply().await.text(), "GET /three");
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn http_10_gets_a_body_of_unknown_length_delimited_by_the_close() {
    let server = route_server(ServerConfig::default()).await;
    // Even when the client asked to keep the connection: only the close can end the body.
    for request in [
        "GET /stream HTTP/1.0\r\n\r\n",
        "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ] {
        let mut conn = Conn::open(&server).await;
        conn.send(request).await;
        let reply = conn.reply().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("transfer-encoding"), None, "{request}");
        assert_eq!(reply.header("content-length"), None, "{request}");
        assert_eq!(reply.header("connection"), Some("close"), "{request}");
        // Read to the close by `reply`: the body is the bytes as they are, no chunk framing.
        assert_eq!(reply.body, unknown_length_text(), "{request}");
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 5. Chunked responses
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn http_11_gets_a_body_of_unknown_length_chunked() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let reply = conn.reply().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    assert_eq!(reply.header("content-length"), None);
    assert_eq!(reply.header("connection"), None);
    assert_eq!(reply.body, unknown_length_text());
    assert!(reply.raw_body.starts_with(b"5\r\nhello\r\n"));
    assert!(reply.raw_body.ends_with(b"\r\n0\r\n\r\n"));
    // Nothing stray after the last chunk: the connection goes on.
    conn.expect_alive().await;
    server.stop().await;
}

#[tokio::test]
async fn a_response_body_that_fails_midway_is_cut_without_the_last_chunk() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /broken-stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let head_end = loop {
        if let Some(end) = find(&conn.buf, b"\r\n\r\n") {
            break end + 4;
        }
        conn.must_fill("before the head").await;
    };
    assert!(conn.buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(find(&conn.buf[..head_end], b"transfer-encoding: chunked\r\n").is_some());
    let mut body = conn.buf.split_off(head_end);
    conn.buf.clear();
    body.extend(conn.closed().await);
    // The client can tell the body is incomplete: the last chunk never comes.
    assert_eq!(body, b"7\r\npartial\r\n");
    server.stop().await;
}

#[tokio::test]
async fn a_response_body_that_fails_at_once_still_sends_its_head() {
    // The client gets the status and sees the body cut short (fewer bytes than announced,
    // then the close), not a connection closed without an answer.
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /broken-at-once HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let rest = conn.closed().await;
    let text = String::from_utf8_lossy(&rest).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text:?}");
    assert!(text.contains("content-length: 10\r\n"), "{text:?}");
    assert!(text.ends_with("\r\n\r\n"), "no body bytes: {text:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_answer_before_a_large_upload_ends_reaches_the_client_and_the_rest_is_read_off() {
    // `/ignore` answers without reading the body; with 4 MiB still coming, the connection
    // closes after the answer (too much to skip). The close lingers: what the client still
    // sends is read and dropped, so the client gets the whole answer and the upload is not
    // reset halfway.
    let server = route_server(ServerConfig::default()).await;
    let socket = within(TcpStream::connect(server.addr)).await.unwrap();
    let (mut from_server, mut to_server) = socket.into_split();
    let total = 4 * 1024 * 1024;
    let head = format!("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: {total}\r\n\r\n");
    within(to_server.write_all(head.as_bytes())).await.unwrap();
    let upload = tokio::spawn(async move {
        let piece = vec![b'x'; 16 * 1024];
        let mut sent = 0;
        while sent < total {
            if to_server.write_all(&piece).await.is_err() {
                return (sent, false);
            }
            sent += piece.len();
        }
        (sent, true)
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match within(from_server.read(&mut chunk)).await {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(err) => panic!("{err} after {:?}", String::from_utf8_lossy(&answer)),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text:?}");
    assert!(text.contains("connection: close\r\n"), "{text:?}");
    assert!(text.ends_with("\r\n\r\nignored"), "{text:?}");
    let (sent, whole) = within(upload).await.unwrap();
    assert!(whole, "the upload was reset after {sent} of {total} bytes");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 6. Connection: close
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connection_close_from_the_client_ends_the_connection_after_the_response() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    // The pipelined request after it is not answered.
    conn.send(concat!(
        "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /never HTTP/1.1\r\nHost: x\r\n\r\n",
    ))
    .await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "GET /last"));
    assert_eq!(reply.header("connection"), Some("close"));
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn connection_close_from_the_handler_ends_the_connection_after_the_response() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "closing"));
    assert_eq!(reply.all("connection"), ["close"]);
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_off_closes_every_connection_after_one_response() {
    let mut config = ServerConfig::default();
    config.keep_alive = false;
    let server = route_server(config).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "GET /a"));
    assert_eq!(reply.header("connection"), Some("close"));
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_still_gets_the_response() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping")
        .await;
    within(conn.socket.shutdown()).await.unwrap();
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "ping"));
    conn.expect_closed().await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 7. Refusals
// ---------------------------------------------------------------------------------------------

/// Sends `request` (a head alone, so that the server reads all of it) on a new connection and
/// checks the refusal: `expected`, no body, `connection: close`, then the close.
async fn assert_refused(server: &Server, request: &[u8], expected: u16) {
    let mut conn = Conn::open(server).await;
    conn.send(request).await;
    let what = String::from_utf8_lossy(&request[..request.len().min(80)]).into_owned();
    let reply = conn.reply().await;
    assert_eq!(reply.status, expected, "{what:?}: {reply:?}");
    assert_eq!(reply.header("connection"), Some("close"), "{what:?}");
    assert_eq!(reply.header("content-length"), Some("0"), "{what:?}");
    assert!(reply.header("date").is_some(), "{what:?}");
    // The listener's Server header, as on its other responses.
    assert_eq!(reply.header("server"), Some(MI_SERVER), "{what:?}");
    conn.expect_closed().await;
}

fn refusing_config() -> ServerConfig {
    let mut config = ServerConfig::default();
    // The smallest head limit the listener takes.
    config.max_header_size = 8192;
    config.max_headers = 10;
    config
}

#[tokio::test]
async fn refused_requests_close_their_connection_and_the_server_goes_on() {
    let server = route_server(refusing_config()).await;
    let many_headers: String = (0..11).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    // Exactly one byte over the limit, no line feed: all of it is read before the refusal.
    let long_line = format!("GET /{}", "a".repeat(8192 + 1 - "GET /".len()));
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            501,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
            400,
        ),
        (long_line.into_bytes(), 414),
        (
            format!("GET / HTTP/1.1\r\n{many_headers}\r\n").into_bytes(),
            431,
        ),
    ];
    for (request, expected) in &cases {
        assert_refused(&server, request, *expected).await;
        // A new connection is served as ever.
        let mut conn = Conn::open(&server).await;
        conn.expect_alive().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn a_head_over_the_limit_is_431() {
    let server = route_server(refusing_config()).await;
    let big = "v".repeat(9000);
    assert_refused(
        &server,
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").as_bytes(),
        431,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_request_line_over_the_limit_is_414_even_when_the_head_is_complete() {
    let server = route_server(refusing_config()).await;
    let path = "a".repeat(9000);
    assert_refused(
        &server,
        format!("GET /{path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        414,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn chunked_and_content_length_together_close_the_connection_after_the_response() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    // Transfer-Encoding wins (RFC 9112 §6.3) and the connection is not trusted further.
    conn.send(concat!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "4\r\nabcd\r\n0\r\n\r\n",
    ))
    .await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "abcd"));
    assert_eq!(reply.header("connection"), Some("close"));
    conn.expect_closed().await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 8. Request bodies the handler does not read
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_small_unread_body_is_skipped_and_the_connection_reused() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    let body = vec![b'b'; 10 * 1024];
    let mut request = format!(
        "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    conn.send(&request).await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "ignored"));
    assert_eq!(reply.header("connection"), None);
    conn.expect_alive().await;

    // The same with a chunked body, and the next request pipelined behind it.
    let mut request =
        b"POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b'c'; 0x400]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.send(&request).await;
    assert_eq!(conn.reply().await.text(), "ignored");
    assert_eq!(conn.reply().await.text(), "GET /next");
    server.stop().await;
}

#[tokio::test]
async fn a_large_unread_body_closes_the_connection_after_the_response() {
    let server = route_server(ServerConfig::default()).await;
    // 1 MiB announced; the client sends a little of it, then nothing.
    let mut conn = Conn::open(&server).await;
    let mut request =
        b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n".to_vec();
    request.extend_from_slice(&[b'b'; 1024]);
    conn.send(&request).await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "ignored"));
    conn.expect_closed().await;

    // None of the body at all.
    let mut conn = Conn::open(&server).await;
    conn.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
        .await;
    assert_eq!(conn.reply().await.text(), "ignored");
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn a_small_unread_body_the_client_is_slow_to_send_closes_the_connection() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    let mut request = b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 10240\r\n\r\n".to_vec();
    request.extend_from_slice(&[b'b'; 100]);
    conn.send(&request).await;
    let reply = conn.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "ignored"));
    // Not held open waiting for the rest of a body nobody reads.
    conn.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_still_held_after_the_response_is_waited_for_before_the_next_request() {
    // The handler answers at once and hands the body to a task that reads it later (as a
    // `send` streaming it to a backend after a `202` does).
    let (tx, mut rx) = mpsc::unbounded_channel::<Result<Bytes, BodyError>>();
    let server = Server::start(
        handler_fn(move |request: Request<Option<PendingBody>>| {
            let tx = tx.clone();
            async move {
                if request.uri().path() != "/accept" {
                    return route(request).await;
                }
                let body = request.into_body().expect("a body");
                tokio::spawn(async move {
                    let _ = tx.send(body.read().await);
                });
                status(202, ResponseBody::empty())
            }
        }),
        ServerConfig::default(),
    )
    .await;
    let mut conn = Conn::open(&server).await;
    conn.send("POST /accept HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123")
        .await;
    let reply = conn.reply().await;
    assert_eq!(reply.status, 202);
    // The rest of the body only after the response, with the next request behind it.
    conn.send("456789GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let next = conn.reply().await;
    assert_eq!((next.status, next.text().as_str()), (200, "GET /next"));
    let read = within(rx.recv()).await.expect("the body task reported");
    assert_eq!(read, Ok(Bytes::from_static(b"0123456789")));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 9. HEAD
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn head_is_answered_with_a_head_alone() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    // A body of known length, then one of unknown length: neither reaches the wire.
    for path in ["/known", "/stream"] {
        conn.send(format!("HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
            .await;
        let reply = conn.head_reply().await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("transfer-encoding"), None, "{path}");
        assert!(conn.buf.is_empty(), "{path}: bytes after the head");
        // The next response parses right after the head: no stray body bytes.
        conn.expect_alive().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn head_carries_the_content_length_get_would_have() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("HEAD /known HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let reply = conn.head_reply().await;
    assert_eq!(reply.header("content-length"), Some("11"), "{reply:?}");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 10. 204 and 304
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn no_content_and_not_modified_have_no_body_and_no_framing_headers() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    for path in [
        "/status/204",
        "/status/304",
        "/status-stream/204",
        "/status-stream/304",
    ] {
        conn.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
            .await;
        let reply = conn.reply().await;
        assert_eq!(reply.status.to_string(), path[path.len() - 3..], "{path}");
        assert_eq!(reply.header("content-length"), None, "{path}");
        assert_eq!(reply.header("transfer-encoding"), None, "{path}");
        assert!(conn.buf.is_empty(), "{path}: bytes after the head");
        conn.expect_alive().await;
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 11. Date and Server
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn responses_carry_an_rfc_7231_date_and_the_mi_server_header() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    let before = std::time::SystemTime::now();
    conn.send("GET /dated HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let reply = conn.reply().await;
    let after = std::time::SystemTime::now();
    assert_eq!(reply.header("server"), Some("WSO2-PassThrough-HTTP"));
    let date = reply.header("date").expect("a date header");
    // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    assert_eq!(date.len(), 29, "{date:?}");
    let parsed = httpdate::parse_http_date(date).expect("an HTTP date");
    assert_eq!(
        httpdate::fmt_http_date(parsed),
        date,
        "not in IMF-fixdate form"
    );
    let second = Duration::from_secs(1);
    assert!(
        parsed + second >= before && parsed <= after,
        "{date:?} is not now"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 12. The head timeout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_head_trickled_byte_by_byte_within_the_timeout_is_served() {
    let mut config = ServerConfig::default();
    config.header_read_timeout = Some(Duration::from_secs(10));
    let server = route_server(config).await;
    let mut conn = Conn::open(&server).await;
    for byte in b"GET /trickled HTTP/1.1\r\nHost: x\r\n\r\n" {
        conn.send([*byte]).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let reply = conn.reply().await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "GET /trickled")
    );
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_head_timeout() {
    let limit = Duration::from_millis(300);
    let mut config = ServerConfig::default();
    config.header_read_timeout = Some(limit);
    let server = route_server(config).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(conn.reply().await.text(), "GET /a");
    // A second request resets the wait: the timeout counts from the last response.
    let sent = Instant::now();
    conn.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(conn.reply().await.text(), "GET /b");
    conn.expect_closed().await;
    assert!(
        sent.elapsed() >= limit,
        "closed after {:?}, before the head timeout",
        sent.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_new_connection_has_one_head_timeout_from_its_accept() {
    // The wait for the first byte and the wait for the rest of the head are one wait: a
    // client that sends its first byte late has only what is left of the limit for the rest.
    let limit = Duration::from_millis(1000);
    let mut config = ServerConfig::default();
    config.header_read_timeout = Some(limit);
    let server = route_server(config).await;
    let opened = Instant::now();
    let mut conn = Conn::open(&server).await;
    tokio::time::sleep(limit * 8 / 10).await;
    conn.send("G").await;
    conn.expect_closed().await;
    let closed = opened.elapsed();
    assert!(
        closed >= limit,
        "closed after {closed:?}, before the head timeout"
    );
    // Counted twice (first byte, then head), it would close at 1.8 s.
    assert!(
        closed < limit * 16 / 10,
        "closed after {closed:?}: the first byte's wait was not counted"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 13. Reason phrases
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_reason_phrase_extension_is_written_in_the_status_line() {
    let server = route_server(ServerConfig::default()).await;
    let mut conn = Conn::open(&server).await;
    conn.send("GET /reason HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let reply = conn.reply().await;
    assert_eq!(reply.status_line, "HTTP/1.1 200 Fine Thanks");
    assert_eq!(reply.text(), "reasoned");
    assert_eq!(conn.reply().await.status_line, "HTTP/1.1 200 OK");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 14. Shutdown
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn shutdown_closes_idle_connections_and_finishes_busy_ones_with_connection_close() {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (s, r) = (Arc::clone(&started), Arc::clone(&release));
    let mut config = ServerConfig::default();
    // Neither the head timeout nor the grace period can be what closes anything here.
    config.header_read_timeout = Some(Duration::from_secs(600));
    config.grace_period = Duration::from_secs(600);
    let mut server = Server::start(
        handler_fn(move |request: Request<Option<PendingBody>>| {
            let (started, release) = (Arc::clone(&s), Arc::clone(&r));
            async move {
                if request.uri().path() != "/slow" {
                    return route(request).await;
                }
                started.notify_one();
                release.notified().await;
                Response::new(ResponseBody::full("finished"))
            }
        }),
        config,
    )
    .await;

    let mut idle = Conn::open(&server).await;
    idle.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(idle.reply().await.text(), "GET /a");

    let mut busy = Conn::open(&server).await;
    busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    within(started.notified()).await;

    server.shutdown();
    // The idle connection goes while the busy one is still being answered.
    idle.expect_closed().await;
    assert!(
        !server.task.is_finished(),
        "serve returned with a request in flight"
    );

    release.notify_one();
    let reply = busy.reply().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "finished"));
    assert_eq!(reply.header("connection"), Some("close"));
    busy.expect_closed().await;
    within(&mut server.task).await.unwrap().unwrap();
}
