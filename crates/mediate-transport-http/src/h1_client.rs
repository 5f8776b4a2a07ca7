//! The HTTP/1.1 side of the client: one backend connection ([`Connection`]) driven by the
//! request that uses it, and the response body read straight off its socket ([`H1Body`]).
//!
//! # Why not hyper's connection-level client
//!
//! hyper's `client::conn::http1` runs every connection as a task of its own: a request is
//! handed to that task through a channel, its response comes back through another, and each
//! body frame crosses a third, every crossing a wake-up and a task switch; every request also
//! allocates its channel slots, and the request line, headers and body are assembled through
//! hyper's general machinery. For a mediation engine that sends most requests to a handful of
//! backends this overhead was more than the whole user-space time nginx spends proxying the
//! same request (`benches/http/README.md`). Here the request's own future writes the request
//! and reads the response head on the socket, the body is read by whoever reads the message's
//! body, and the connection goes back to its thread's pool when the body ends: no task, no
//! channel. The wire format is [`crate::h1`]: `httparse` (hyper's own parser) for response
//! heads, header values sharing the bytes read.
//!
//! hyper stays for HTTP/2 backends (h2c with prior knowledge, `h2` by ALPN) and for the
//! listener.
//!
//! What it does, as hyper did: keep-alive (HTTP/1.1 unless `Connection: close`; HTTP/1.0 with
//! `Connection: keep-alive`), `Content-Length` and chunked bodies both ways, bodies delimited
//! by the close, interim `1xx` answers skipped, no body for `HEAD`, `204` and `304`, a
//! response head limited to 64 KiB and 128 headers, `Content-Length` values that disagree
//! refused. A connection whose response was not read to its end is closed, never reused.
//! What it does not: pipelining (one request at a time per connection, as hyper's client), and
//! a response that arrives while the request body is still being written is read only once the
//! body has been written.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::header::HeaderValue;
use http::{HeaderMap, Method, Version};
use mediate_core::transport::SendErrorKind;
use mediate_message::BodyError;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::body::{IdleTimer, Peer, Progress, ResponseBody};
use crate::h1::{
    ChunkedDecoder, Decoded, Framing, RequestFraming, ResponseHead, Span, parse_response,
    write_request_head,
};
use crate::h1_write::{self, RestFailed};
use crate::pool::Release;

/// The read buffer's size for heads and small bodies.
const READ_SIZE: usize = 8 * 1024;

/// The most a read of a large body asks for at once.
const READ_MAX: usize = 64 * 1024;

/// A backend connection's byte stream: TCP, or TLS over it.
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.is_write_vectored(),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The request an exchange sends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'a Method,
    /// The request target: the path and query, or the absolute URI (`POST_TO_URI`).
    pub(crate) target: &'a str,
    pub(crate) version: Version,
    pub(crate) headers: &'a HeaderMap,
    /// `Host`, when `headers` has none.
    pub(crate) host: &'a HeaderValue,
}

/// An exchange that failed.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) kind: SendErrorKind,
    /// What happened (the pool adds the backend's URI).
    pub(crate) message: String,
    /// The failure is the connection's: the pool adds its protocol state to the code. (A
    /// failure of the client's own body is not.)
    pub(crate) stateful: bool,
    /// The request surely did not reach the backend (a connection from the pool that turned
    /// out closed): it may be sent again on another connection.
    pub(crate) replayable: bool,
}

impl Failed {
    fn connection(kind: SendErrorKind, message: String) -> Self {
        Self {
            kind,
            message,
            stateful: true,
            replayable: false,
        }
    }
}

/// The kind of an I/O failure on a backend connection, as Synapse reports it: a clean end of
/// input is a close (`TargetHandler.closed`), anything else an I/O error (`SND_IO_ERROR`).
fn io_kind(err: &io::Error) -> SendErrorKind {
    match err.kind() {
        io::ErrorKind::UnexpectedEof => SendErrorKind::ConnectionClosed,
        io::ErrorKind::TimedOut => SendErrorKind::SocketTimeout,
        _ => SendErrorKind::SendFailed,
    }
}

/// One HTTP/1 backend connection, idle in a pool or carrying one request.
pub(crate) struct Connection {
    io: Stream,
    /// Bytes read and not yet used; reused from request to request.
    read: BytesMut,
    /// The request head (and a small body) being written; reused.
    write: Vec<u8>,
    spans: Vec<Span>,
    /// The state of the request on this connection, for error codes and the socket timeout.
    pub(crate) progress: Arc<Progress>,
}

impl Connection {
    pub(crate) fn new(io: Stream) -> Self {
        Self {
            io,
            read: BytesMut::new(),
            write: Vec::new(),
            spans: Vec::new(),
            progress: Arc::new(Progress::default()),
        }
    }

    /// Whether an idle connection can carry a request: the backend has not closed it (nor
    /// sent anything unasked). Costs no system call while the socket has nothing to read.
    pub(crate) fn is_usable(&mut self) -> bool {
        if !self.read.is_empty() {
            return false;
        }
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        // Pending: nothing to read, the connection is open. Ready: an end of input, an
        // error, or bytes nobody asked for; all of them end the connection.
        Pin::new(&mut self.io)
            .poll_read(&mut cx, &mut buf)
            .is_pending()
    }

    /// Sends `request` with `body` and reads the response head. `reused`: the connection came
    /// from the pool (a failure showing it was closed before the request reached the backend
    /// is [`Failed::replayable`]).
    pub(crate) async fn exchange(
        &mut self,
        request: Outgoing<'_>,
        body: &mut ResponseBody,
        reused: bool,
    ) -> Result<ResponseHead, Failed> {
        let framing = if http_body::Body::is_end_stream(body) {
            if matches!(*request.method, Method::POST | Method::PUT | Method::PATCH) {
                RequestFraming::Length(0)
            } else {
                RequestFraming::None
            }
        } else {
            match body.length() {
                Some(n) => RequestFraming::Length(n),
                None => RequestFraming::Chunked,
            }
        };
        body.track(Arc::clone(&self.progress));
        self.write.clear();
        write_request_head(
            &mut self.write,
            request.method,
            request.target,
            request.version,
            request.headers,
            request.host,
            framing,
        );
        let chunked = framing == RequestFraming::Chunked;
        let mut sent: u64 = 0;
        // What of the body is ready now goes with the head, in one write (up to COALESCE).
        let (ended, large) =
            if framing == RequestFraming::None || framing == RequestFraming::Length(0) {
                (true, None)
            } else {
                let taken = h1_write::coalesce(body, &mut self.write, chunked, &mut sent)
                    .map_err(|err| body_failed(&err))?;
                (taken.ended, taken.large)
            };
        // The whole request is in the buffer: sent again as it is if need be (`resend`).
        let whole_in_first = ended && large.is_none();
        // The rarer paths are boxed: inline, their futures would make every request's (which
        // is in its boxed send) larger by several hundred bytes.
        let first = match &large {
            None => self.io.write_all(&self.write).await,
            Some(_) => {
                Box::pin(h1_write::write_first(
                    &mut self.io,
                    &self.write,
                    large.as_ref(),
                    chunked,
                ))
                .await
            }
        };
        if let Err(err) = first {
            let mut failed = Failed::connection(
                io_kind(&err),
                format!("writing the request to the backend failed: {err}"),
            );
            // A connection from the pool that fails at the first write was closed while idle:
            // the backend has not seen the request.
            failed.replayable = reused && whole_in_first;
            return Err(failed);
        }
        if !ended {
            Box::pin(self.write_rest(body, chunked, &mut sent)).await?;
        }
        if let RequestFraming::Length(n) = framing
            && n != sent
        {
            return Err(Failed {
                kind: SendErrorKind::SendFailed,
                message: format!(
                    "the request body was {sent} bytes where its Content-Length said {n}"
                ),
                stateful: false,
                replayable: false,
            });
        }
        self.read_head(request.method, reused && whole_in_first)
            .await
    }

    /// Sends again, on this connection, the request whose whole bytes another connection
    /// wrote into `bytes` ([`Failed::replayable`]), and reads its response head.
    pub(crate) async fn resend(
        &mut self,
        bytes: Vec<u8>,
        method: &Method,
    ) -> Result<ResponseHead, Failed> {
        self.write = bytes;
        self.progress.start(true);
        if let Err(err) = self.io.write_all(&self.write).await {
            return Err(Failed::connection(
                io_kind(&err),
                format!("writing the request to the backend failed: {err}"),
            ));
        }
        self.read_head(method, false).await
    }

    /// The request bytes of a [`Failed::replayable`] exchange.
    pub(crate) fn take_request_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.write)
    }

    /// The rest of a body that was not ready with the head, frame by frame.
    async fn write_rest(
        &mut self,
        body: &mut ResponseBody,
        chunked: bool,
        sent: &mut u64,
    ) -> Result<(), Failed> {
        h1_write::write_rest(&mut self.io, &mut self.write, body, chunked, sent)
            .await
            .map_err(|failed| match failed {
                RestFailed::Body(err) => body_failed(&err),
                RestFailed::Write(err) => Failed::connection(
                    io_kind(&err),
                    format!("writing the request body to the backend failed: {err}"),
                ),
            })
    }

    /// Reads the response head. `replayable`: an end of input before any byte of it means the
    /// backend had closed the (pooled) connection, and the request was idempotent and written
    /// whole.
    async fn read_head(
        &mut self,
        method: &Method,
        replayable: bool,
    ) -> Result<ResponseHead, Failed> {
        use tokio::io::AsyncReadExt;
        loop {
            match parse_response(&mut self.read, method, &mut self.spans) {
                Ok(Some(head)) => return Ok(head),
                Ok(None) => {}
                Err(err) => {
                    return Err(Failed::connection(
                        SendErrorKind::ProtocolViolation,
                        format!("the backend's response is not valid HTTP/1.1: {err}"),
                    ));
                }
            }
            if self.read.capacity() - self.read.len() < 1024 {
                self.read.reserve(READ_SIZE);
            }
            match self.io.read_buf(&mut self.read).await {
                Ok(0) => {
                    let mut failed = Failed::connection(
                        SendErrorKind::ConnectionClosed,
                        if self.read.is_empty() {
                            "the backend closed the connection before answering".to_owned()
                        } else {
                            "the backend closed the connection in the middle of the response head"
                                .to_owned()
                        },
                    );
                    failed.replayable =
                        replayable && self.read.is_empty() && method.is_idempotent();
                    return Err(failed);
                }
                Ok(_) => {}
                Err(err) => {
                    let mut failed = Failed::connection(
                        io_kind(&err),
                        format!("reading the response from the backend failed: {err}"),
                    );
                    failed.replayable = replayable
                        && self.read.is_empty()
                        && method.is_idempotent()
                        && err.kind() == io::ErrorKind::ConnectionReset;
                    return Err(failed);
                }
            }
        }
    }
}

fn body_failed(err: &BodyError) -> Failed {
    Failed {
        kind: SendErrorKind::SendFailed,
        message: format!("the request body failed while it was being sent: {err}"),
        stateful: false,
        replayable: false,
    }
}

/// How the rest of a response body is delimited.
#[derive(Debug)]
enum BodyFraming {
    Length(u64),
    Chunked(ChunkedDecoder),
    Close,
}

/// A response body read off its connection as a stream of chunks (each a slice of the
/// connection's read buffer, not copied). When it has been read to its end, the connection
/// goes back to the pool (if the response allows keep-alive); dropped before, or failed, the
/// connection is closed. A wait for the next bytes longer than the idle limit fails the body.
pub(crate) struct H1Body {
    conn: Option<Connection>,
    /// The `Content-Length` the body came with.
    announced: Option<u64>,
    framing: BodyFraming,
    keep_alive: bool,
    release: Option<Release>,
    idle: Option<IdleTimer>,
}

impl H1Body {
    /// The body of `head`, to be read from `conn`; `None` when the response has none (the
    /// connection is then given back at once).
    pub(crate) fn of(
        head: &ResponseHead,
        conn: Connection,
        release: Release,
        idle: Option<std::time::Duration>,
    ) -> Option<Self> {
        let framing = match head.framing {
            Framing::Empty => {
                if head.keep_alive {
                    release.checkin(conn);
                }
                return None;
            }
            Framing::Length(n) => BodyFraming::Length(n),
            Framing::Chunked => BodyFraming::Chunked(ChunkedDecoder::default()),
            Framing::Close => BodyFraming::Close,
        };
        Some(Self {
            conn: Some(conn),
            announced: match framing {
                BodyFraming::Length(n) => Some(n),
                _ => None,
            },
            framing,
            keep_alive: head.keep_alive,
            release: Some(release),
            idle: idle.map(|limit| IdleTimer::new(limit, Peer::Backend)),
        })
    }

    /// The body's length, when the response gave it (`Content-Length`).
    pub(crate) fn length(&self) -> Option<u64> {
        self.announced
    }

    /// The body has been read to its end.
    fn ended(&mut self) {
        self.idle = None;
        let conn = self.conn.take();
        if let (Some(conn), Some(release)) = (conn, self.release.take())
            && self.keep_alive
            && conn.read.is_empty()
        {
            release.checkin(conn);
        }
    }

    fn failed(&mut self, err: BodyError) -> Poll<Option<Result<Bytes, BodyError>>> {
        self.conn = None;
        self.release = None;
        self.idle = None;
        Poll::Ready(Some(Err(err)))
    }
}

impl futures::Stream for H1Body {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            // What the buffer already holds.
            match &mut this.framing {
                BodyFraming::Length(remaining) => {
                    if !conn.read.is_empty() {
                        let n = usize::try_from(*remaining)
                            .unwrap_or(usize::MAX)
                            .min(conn.read.len());
                        let chunk = conn.read.split_to(n).freeze();
                        *remaining -= n as u64;
                        if *remaining == 0 {
                            this.ended();
                        }
                        if let Some(idle) = &mut this.idle {
                            idle.reset();
                        }
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                }
                BodyFraming::Chunked(decoder) => match decoder.decode(&mut conn.read) {
                    Ok(Decoded::Data(chunk)) => {
                        if let Some(idle) = &mut this.idle {
                            idle.reset();
                        }
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                    Ok(Decoded::End) => {
                        this.ended();
                        return Poll::Ready(None);
                    }
                    Ok(Decoded::NeedMore) => {}
                    Err(err) => {
                        return this.failed(BodyError::Read(format!(
                            "the backend's chunked body is malformed: {err}"
                        )));
                    }
                },
                BodyFraming::Close => {
                    if !conn.read.is_empty() {
                        let chunk = conn.read.split().freeze();
                        if let Some(idle) = &mut this.idle {
                            idle.reset();
                        }
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                }
            }
            // Read more.
            let want = match &this.framing {
                BodyFraming::Length(remaining) => usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .clamp(READ_SIZE, READ_MAX),
                _ => READ_SIZE,
            };
            // Room is made only when little is left: the head read before shares the buffer
            // (its header values point into it), so growing it early would copy.
            let spare = conn.read.capacity() - conn.read.len();
            if spare < 1024 || (want > READ_SIZE && spare < want / 2) {
                conn.read.reserve(want);
            }
            match tokio_util::io::poll_read_buf(Pin::new(&mut conn.io), cx, &mut conn.read) {
                Poll::Ready(Ok(n)) => {
                    if n == 0 {
                        if matches!(this.framing, BodyFraming::Close) {
                            this.keep_alive = false;
                            this.ended();
                            return Poll::Ready(None);
                        }
                        return this.failed(BodyError::Read(
                            "the backend closed the connection before the end of the body"
                                .to_owned(),
                        ));
                    }
                }
                Poll::Ready(Err(err)) => {
                    return this.failed(BodyError::Read(format!(
                        "reading the response body from the backend failed: {err}"
                    )));
                }
                Poll::Pending => {
                    return match crate::body::poll_idle(&mut this.idle, cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(err) => this.failed(err),
                    };
                }
            }
        }
    }
}
