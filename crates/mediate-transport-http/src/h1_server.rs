//! The listener's HTTP/1.1 connections, served by the crate's own code on the wire format of
//! [`crate::h1`] (hyper serves HTTP/2 on the same port; see [`crate::h1_client`] for why not
//! hyper for HTTP/1.1).
//!
//! One task per connection reads a request head, hands the request to the
//! [`Handler`](crate::Handler) with its body still on the socket (read only when a mediator
//! reads it, or streamed on to a backend), writes the response, and reads the next head:
//!
//! - keep-alive as RFC 9112 §9.3 has it (HTTP/1.1 unless `Connection: close`; HTTP/1.0 with
//!   `Connection: keep-alive`), pipelined requests answered in order;
//! - request bodies with `Content-Length` or chunked; `Expect: 100-continue` answered with a
//!   `100 Continue` before the handler runs;
//! - responses with `Content-Length` when the body's length is known, chunked otherwise
//!   (delimited by the close for an HTTP/1.0 client); no body for `HEAD`, `1xx`, `204`, `304`;
//!   the `Date` header cached per second;
//! - a body the handler did not read is skipped (up to 64 KiB, else the connection is closed,
//!   lingering: what the client still sends is read and dropped for a while, so that it can
//!   read the answer instead of seeing a reset);
//! - malformed heads answered `400`, oversize ones `431` (`414` for the request line), an
//!   unknown transfer coding `501`, each closing the connection;
//! - the head timeout ([`ServerConfig::header_read_timeout`](crate::ServerConfig)) from the
//!   moment the server waits for a head (for the first, from the accept), armed once per
//!   connection and moved only when it fires;
//! - on shutdown, a connection waiting for a head closes at once, one serving a request closes
//!   after its response.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header;
use http::{Response, StatusCode};
use mediate_message::{BodyError, PendingBody};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::body::{IdleTimer, Peer, ResponseBody, poll_idle};
use crate::h1::{
    ChunkedDecoder, Decoded, Framing, RequestHead, Span, parse_request, write_decimal, write_header,
};
use crate::h1_write::{self, RestFailed};

/// The read side of a connection: a boxed read half.
pub(crate) type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// The write side of a connection.
pub(crate) type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// A request body left unread by the handler is skipped up to this much; beyond, the
/// connection is closed instead.
const DRAIN_MAX: u64 = 64 * 1024;
/// A connection closed while its client may still be sending (a request body left unread, a
/// refused head) reads off and discards what comes for up to this long, so that the close
/// does not reset the connection before the client has read the answer (nginx's
/// `lingering_time`).
const LINGER_TIME: Duration = Duration::from_secs(30);
/// ... and stops once nothing has come for this long (nginx's `lingering_timeout`).
const LINGER_IDLE: Duration = Duration::from_secs(5);
/// The read buffer's size.
const READ_SIZE: usize = 8 * 1024;
/// The most a read of a large body asks for at once.
const READ_MAX: usize = 64 * 1024;

/// What a connection needs to know of the listener.
#[derive(Clone)]
pub(crate) struct Limits {
    pub(crate) max_head: usize,
    pub(crate) max_headers: usize,
    pub(crate) header_read_timeout: Option<Duration>,
    pub(crate) body_idle_timeout: Option<Duration>,
    pub(crate) body_limit: usize,
    pub(crate) keep_alive: bool,
}

/// The read half, its buffer, and how much of the current request's body is left: shared
/// between the connection's task and the request body the handler reads.
struct ReadSide {
    io: Reader,
    buf: BytesMut,
    body: BodyLeft,
    /// The connection's task, waiting for a body still held by someone (a `send` streaming
    /// it after the response went out) to be read or let go.
    waiter: Option<std::task::Waker>,
    /// A [`RequestBody`] of the current request exists.
    held: bool,
}

#[derive(Debug)]
enum BodyLeft {
    /// No body, or all of it read.
    Done,
    Length(u64),
    Chunked(ChunkedDecoder),
    /// The body failed (the client closed, or sent a malformed chunk): the connection cannot
    /// go on.
    Broken,
}

type Shared = Arc<Mutex<ReadSide>>;

fn lock(side: &Shared) -> std::sync::MutexGuard<'_, ReadSide> {
    side.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ReadSide {
    /// Reads more into the buffer: the bytes read, 0 at the end of input.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // A large body is read in large pieces (fewer system calls, and fewer, larger chunks to
        // write on); heads and small bodies in the buffer's 8 KiB.
        let want = match &self.body {
            BodyLeft::Length(n) => usize::try_from(*n)
                .unwrap_or(READ_MAX)
                .clamp(READ_SIZE, READ_MAX),
            BodyLeft::Chunked(_) => 2 * READ_SIZE,
            _ => READ_SIZE,
        };
        let spare = self.buf.capacity() - self.buf.len();
        if spare < 1024 || (want > READ_SIZE && spare < want / 2) {
            self.buf.reserve(want);
        }
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.buf)
    }

    /// The next piece of the body from what is buffered: `Ok(None)` when more must be read.
    fn take_body(&mut self) -> Result<Option<Option<Bytes>>, BodyError> {
        match &mut self.body {
            BodyLeft::Done => Ok(Some(None)),
            BodyLeft::Broken => Err(BodyError::Read(
                "the request body cannot be read: the connection failed".to_owned(),
            )),
            BodyLeft::Length(remaining) => {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(self.buf.len());
                *remaining -= n as u64;
                if *remaining == 0 {
                    self.body = BodyLeft::Done;
                }
                Ok(Some(Some(self.buf.split_to(n).freeze())))
            }
            BodyLeft::Chunked(decoder) => match decoder.decode(&mut self.buf) {
                Ok(Decoded::Data(data)) => Ok(Some(Some(data))),
                Ok(Decoded::End) => {
                    self.body = BodyLeft::Done;
                    Ok(Some(None))
                }
                Ok(Decoded::NeedMore) => Ok(None),
                Err(err) => {
                    self.body = BodyLeft::Broken;
                    Err(BodyError::Read(format!(
                        "the request's chunked body is malformed: {err}"
                    )))
                }
            },
        }
    }
}

/// A request body read off the client's connection as the handler asks for it.
struct RequestBody {
    side: Shared,
    idle: Option<IdleTimer>,
    ended: bool,
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        let mut side = lock(&self.side);
        side.held = false;
        if let Some(waiter) = side.waiter.take() {
            waiter.wake();
        }
    }
}

impl futures::Stream for RequestBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let mut side = lock(&this.side);
        loop {
            match side.take_body() {
                Ok(Some(Some(chunk))) => {
                    if let Some(idle) = &mut this.idle {
                        idle.reset();
                    }
                    if matches!(side.body, BodyLeft::Done) {
                        this.ended = true;
                        if let Some(waiter) = side.waiter.take() {
                            waiter.wake();
                        }
                    }
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Ok(Some(None)) => {
                    this.ended = true;
                    if let Some(waiter) = side.waiter.take() {
                        waiter.wake();
                    }
                    return Poll::Ready(None);
                }
                Ok(None) => {}
                Err(err) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(err)));
                }
            }
            match side.poll_fill(cx) {
                Poll::Ready(Ok(0)) => {
                    side.body = BodyLeft::Broken;
                    this.ended = true;
                    return Poll::Ready(Some(Err(BodyError::Read(
                        "the client closed the connection before the end of the body".to_owned(),
                    ))));
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(err)) => {
                    side.body = BodyLeft::Broken;
                    this.ended = true;
                    return Poll::Ready(Some(Err(BodyError::Read(format!(
                        "reading the request body failed: {err}"
                    )))));
                }
                Poll::Pending => {
                    return match poll_idle(&mut this.idle, cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(err) => {
                            side.body = BodyLeft::Broken;
                            this.ended = true;
                            Poll::Ready(Some(Err(err)))
                        }
                    };
                }
            }
        }
    }
}

/// The head timeout of one connection: one timer, armed at the first wait, whose deadline is
/// moved on only when it fires early (as the body's [`IdleTimer`]).
struct HeadTimer {
    limit: Option<Duration>,
    waiting_since: Option<tokio::time::Instant>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HeadTimer {
    /// A new wait for a head, begun at `since` (`None`: at its first poll).
    fn start(&mut self, since: Option<tokio::time::Instant>) {
        self.waiting_since = since;
    }

    /// Whether the wait for the current head has lasted the limit.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let since = *self
            .waiting_since
            .get_or_insert_with(tokio::time::Instant::now);
        let Some(deadline) = since.checked_add(limit) else {
            return false;
        };
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            if sleep.deadline() >= deadline {
                return true;
            }
            sleep.as_mut().reset(deadline);
        }
    }
}

/// How waiting for a head ended.
enum Next {
    /// A request head, left in the caller's slot (no box per request).
    Head,
    /// The client closed, went silent past the head timeout, or shutdown began while idle.
    Close,
    Refuse(crate::h1::Refusal),
}

/// An accepted connection to serve HTTP/1.1 on.
pub(crate) struct Connection {
    pub(crate) reader: Reader,
    pub(crate) writer: Writer,
    /// Bytes already read (the ones looked at to tell HTTP/1.1 from HTTP/2).
    pub(crate) buf: BytesMut,
    pub(crate) limits: Limits,
    pub(crate) server: Arc<crate::server::Shared>,
    pub(crate) remote: std::net::SocketAddr,
    /// When it was accepted: the first head's timeout counts from here.
    pub(crate) accepted: tokio::time::Instant,
}

/// Serves the HTTP/1.1 requests of one connection until it closes or `stopping` changes.
pub(crate) async fn serve_connection(
    connection: Connection,
    stopping: tokio::sync::watch::Receiver<()>,
) {
    let Connection {
        reader,
        mut writer,
        buf,
        limits,
        server,
        remote,
        accepted,
    } = connection;
    let side: Shared = Arc::new(Mutex::new(ReadSide {
        io: reader,
        buf,
        body: BodyLeft::Done,
        waiter: None,
        held: false,
    }));
    let mut timer = HeadTimer {
        limit: limits.header_read_timeout,
        waiting_since: None,
        sleep: None,
    };
    let mut spans: Vec<Span> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let mut signal = stopping.clone();
    // The first head's wait began at the accept (the first byte may have been waited for
    // already); every later one begins when the previous response has been written.
    let mut first_wait = Some(accepted);
    loop {
        timer.start(first_wait.take());
        // Held across the wait, so that shutdown wakes a connection waiting for a request.
        let mut stop = std::pin::pin!(signal.changed());
        let mut stop_seen = false;
        let mut parsed: Option<RequestHead> = None;
        let next = poll_fn(|cx| {
            let mut s = lock(&side);
            loop {
                match parse_request(&mut s.buf, limits.max_head, limits.max_headers, &mut spans) {
                    Ok(Some(head)) => {
                        parsed = Some(head);
                        return Poll::Ready(Next::Head);
                    }
                    Ok(None) => {}
                    Err(refusal) => return Poll::Ready(Next::Refuse(refusal)),
                }
                let idle = s.buf.is_empty();
                if idle && stopping.has_changed().unwrap_or(true) {
                    return Poll::Ready(Next::Close);
                }
                match s.poll_fill(cx) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Next::Close),
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Ready(Err(err)) => {
                        tracing::debug!(%remote, error = %err, "HTTP connection failed");
                        return Poll::Ready(Next::Close);
                    }
                    Poll::Pending => {}
                }
                if timer.poll_expired(cx) {
                    tracing::debug!(%remote, "no request head on the connection in time; closing it");
                    return Poll::Ready(Next::Close);
                }
                // Shutdown closes a connection that waits for a request.
                if !stop_seen && stop.as_mut().poll(cx).is_ready() {
                    stop_seen = true;
                }
                if stop_seen && s.buf.is_empty() {
                    return Poll::Ready(Next::Close);
                }
                return Poll::Pending;
            }
        })
        .await;
        let head = match (next, parsed) {
            (Next::Head, Some(head)) => head,
            // (`Head` always leaves one; nothing to serve without it.)
            (Next::Head, None) | (Next::Close, _) => return,
            (Next::Refuse(refusal), _) => {
                tracing::debug!(%remote, status = refusal.status.as_u16(), reason = %refusal.reason, "request refused");
                out.clear();
                write_status_line(&mut out, refusal.status, None);
                // The listener's own headers, as on every response it writes.
                if let Some(value) = server.server_header() {
                    out.extend_from_slice(b"server: ");
                    out.extend_from_slice(value.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
                write_date(&mut out);
                out.extend_from_slice(b"content-length: 0\r\nconnection: close\r\n\r\n");
                let _ = writer.write_all(&out).await;
                let _ = writer.shutdown().await;
                linger(&side, &stopping).await;
                return;
            }
        };
        let RequestHead {
            parts,
            framing,
            keep_alive,
            expects_continue,
        } = head;
        let is_head = parts.method == http::Method::HEAD;
        let http_10 = parts.version == http::Version::HTTP_10;
        let body = {
            let mut s = lock(&side);
            s.body = match framing {
                Framing::Empty | Framing::Close => BodyLeft::Done,
                Framing::Length(n) => BodyLeft::Length(n),
                Framing::Chunked => BodyLeft::Chunked(ChunkedDecoder::default()),
            };
            match framing {
                Framing::Empty | Framing::Close => None,
                Framing::Length(n) => Some(Some(n)),
                Framing::Chunked => Some(None),
            }
        };
        if expects_continue
            && body.is_some()
            && let Err(err) = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await
        {
            tracing::debug!(%remote, error = %err, "HTTP connection failed");
            return;
        }
        let body = body.map(|length| {
            lock(&side).held = true;
            let stream = RequestBody {
                side: Arc::clone(&side),
                idle: limits
                    .body_idle_timeout
                    .map(|limit| IdleTimer::new(limit, Peer::Client)),
                ended: false,
            };
            PendingBody::new(Box::pin(stream), length).with_limit(limits.body_limit)
        });
        let response = server.answer_parts(parts, body, remote).await;
        // What is left of the request body decides already whether the connection can go on,
        // so that the response can say so (`connection: close`).
        let body_ok = {
            let s = lock(&side);
            match &s.body {
                BodyLeft::Broken => false,
                BodyLeft::Length(n) => s.held || *n <= DRAIN_MAX,
                _ => true,
            }
        };
        let keep =
            keep_alive && limits.keep_alive && body_ok && !stopping.has_changed().unwrap_or(true);
        let keep = match write_response(&mut writer, &mut out, response, is_head, http_10, keep)
            .await
        {
            Ok(keep) => keep,
            Err(err) => {
                tracing::debug!(%remote, error = %err, "writing the response failed; closing the connection");
                return;
            }
        };
        if !keep || !drain(&side).await {
            let _ = writer.shutdown().await;
            if may_be_sending(&side) {
                linger(&side, &stopping).await;
            }
            return;
        }
    }
}

/// Whether the client may still be sending on a connection about to close: its request
/// body is neither read to its end nor held by someone who will read it.
fn may_be_sending(side: &Shared) -> bool {
    let s = lock(side);
    !s.held && !matches!(s.body, BodyLeft::Done | BodyLeft::Broken)
}

/// A lingering close: after the write side is shut, reads and discards what the client still
/// sends, until it closes, goes quiet for [`LINGER_IDLE`], [`LINGER_TIME`] has passed, or
/// shutdown begins. Closing with unread bytes would make the kernel reset the connection,
/// and a client still sending can then lose the answer it has not read yet.
async fn linger(side: &Shared, stopping: &tokio::sync::watch::Receiver<()>) {
    // A clone sees a shutdown that began before (the listener's receiver is never waited on).
    let mut stopping = stopping.clone();
    let until = tokio::time::Instant::now() + LINGER_TIME;
    loop {
        let read = poll_fn(|cx| {
            let mut s = lock(side);
            s.buf.clear();
            s.poll_fill(cx)
        });
        let idle_until = (tokio::time::Instant::now() + LINGER_IDLE).min(until);
        tokio::select! {
            read = tokio::time::timeout_at(idle_until, read) => match read {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            },
            _ = stopping.changed() => return,
        }
    }
}

/// Waits for a request body still held after the response (a `send` streaming it to a
/// backend, as with `FORCE_SC_ACCEPTED`) to be read or let go, then skips what is left of it:
/// `false` when the connection cannot carry another request (the body is broken, or too
/// much is left).
async fn drain(side: &Shared) -> bool {
    poll_fn(|cx| {
        let mut s = lock(side);
        let held = s.held;
        loop {
            match &s.body {
                BodyLeft::Done => return Poll::Ready(true),
                BodyLeft::Broken => return Poll::Ready(false),
                _ if held => {
                    s.waiter = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                BodyLeft::Length(n) if *n > DRAIN_MAX => return Poll::Ready(false),
                _ => {}
            }
            match s.take_body() {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(_) => return Poll::Ready(false),
            }
            if s.buf.len() as u64 > DRAIN_MAX {
                return Poll::Ready(false);
            }
            match s.poll_fill(cx) {
                Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(false),
                Poll::Ready(Ok(_)) => {}
                // Not waiting for a slow client to finish a body nobody reads.
                Poll::Pending => return Poll::Ready(false),
            }
        }
    })
    .await
}

fn write_status_line(out: &mut Vec<u8>, status: StatusCode, reason: Option<&[u8]>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    match reason {
        Some(reason) => out.extend_from_slice(reason),
        None => out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes()),
    }
    out.extend_from_slice(b"\r\n");
}

thread_local! {
    /// The `Date` header's value for the current second.
    static DATE: std::cell::RefCell<(u64, [u8; 29])> = const { std::cell::RefCell::new((u64::MAX, [0; 29])) };
}

fn write_date(out: &mut Vec<u8>) {
    let now = std::time::SystemTime::now();
    let second = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DATE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != second {
            let text = httpdate::fmt_http_date(now);
            let bytes = text.as_bytes();
            if bytes.len() == 29 {
                cached.1.copy_from_slice(bytes);
                cached.0 = second;
            } else {
                write_header(out, b"date", bytes);
                return;
            }
        }
        write_header(out, b"date", &cached.1);
    });
}

/// Writes `response`; `Ok(keep)`: whether the connection may carry another request.
async fn write_response(
    writer: &mut Writer,
    out: &mut Vec<u8>,
    response: Response<ResponseBody>,
    is_head: bool,
    http_10: bool,
    keep: bool,
) -> io::Result<bool> {
    let (mut parts, mut body) = response.into_parts();
    let status = parts.status;
    let no_body = is_head
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let length = {
        use http_body::Body as _;
        body.size_hint().exact()
    };
    let closes = mediate_core::format::connection_lists(&parts.headers, "close");
    // An HTTP/1.0 client cannot take chunks: a body of unknown length ends with the close.
    let by_close = !no_body && length.is_none() && http_10;
    let keep = keep && !closes && !by_close;
    out.clear();
    let reason = parts
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(hyper::ext::ReasonPhrase::as_bytes);
    write_status_line(out, status, reason);
    for (name, value) in &parts.headers {
        if *name == header::CONNECTION
            || *name == header::TRANSFER_ENCODING
            || (*name == header::CONTENT_LENGTH && !is_head)
            || name.as_str() == "keep-alive"
        {
            continue;
        }
        write_header(out, name.as_str().as_bytes(), value.as_bytes());
    }
    if !parts.headers.contains_key(header::DATE) {
        write_date(out);
    }
    let chunked = !no_body && length.is_none() && !http_10;
    // A HEAD answer carries the length a GET would have (RFC 9110 §9.3.2), unless the
    // handler set its own.
    if is_head
        && !parts.headers.contains_key(header::CONTENT_LENGTH)
        && status != StatusCode::NO_CONTENT
        && status != StatusCode::NOT_MODIFIED
        && !status.is_informational()
        && let Some(n) = length
    {
        out.extend_from_slice(b"content-length: ");
        write_decimal(out, n);
        out.extend_from_slice(b"\r\n");
    }
    // The head is written: its header map serves the next head this thread reads.
    mediate_core::header_pool::recycle(std::mem::take(&mut parts.headers));
    if !no_body {
        match length {
            Some(n) => {
                out.extend_from_slice(b"content-length: ");
                write_decimal(out, n);
                out.extend_from_slice(b"\r\n");
            }
            None if chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
            None => {}
        }
    }
    if !keep {
        out.extend_from_slice(b"connection: close\r\n");
    } else if http_10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if no_body {
        writer.write_all(out).await?;
        writer.flush().await?;
        return Ok(keep);
    }
    // What of the body is ready goes with the head.
    let mut sent = 0;
    let taken = match h1_write::coalesce(&mut body, out, chunked, &mut sent) {
        Ok(taken) => taken,
        Err(err) => {
            // The head (and what of the body came before) still goes out: the client sees
            // the answer cut short, as when a later piece fails, rather than a connection
            // closed without one.
            let _ = writer.write_all(out).await;
            let _ = writer.flush().await;
            return Err(io::Error::other(err));
        }
    };
    h1_write::write_first(writer, out, taken.large.as_ref(), chunked).await?;
    if !taken.ended {
        out.clear();
        h1_write::write_rest(writer, out, &mut body, chunked, &mut sent)
            .await
            .map_err(|failed| match failed {
                RestFailed::Body(err) => io::Error::other(err),
                RestFailed::Write(err) => err,
            })?;
    }
    writer.flush().await?;
    Ok(keep)
}

/// An I/O stream that first gives back bytes already read from it.
pub(crate) struct Rewind<T> {
    prefix: Option<Bytes>,
    inner: T,
}

impl<T> Rewind<T> {
    pub(crate) fn new(prefix: Bytes, inner: T) -> Self {
        Self {
            prefix: (!prefix.is_empty()).then_some(prefix),
            inner,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Rewind<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(prefix) = &mut this.prefix {
            let n = prefix.len().min(buf.remaining());
            buf.put_slice(&prefix.split_to(n));
            if prefix.is_empty() {
                this.prefix = None;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Rewind<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The HTTP/2 connection preface a client with prior knowledge starts with.
pub(crate) const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether `start` (the first bytes of a connection) can still be, or is, the HTTP/2 preface.
pub(crate) fn may_be_h2(start: &[u8]) -> bool {
    let n = start.len().min(H2_PREFACE.len());
    start[..n] == H2_PREFACE[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_h2_preface_is_told_apart_early() {
        assert!(may_be_h2(b""));
        assert!(may_be_h2(b"PRI * HT"));
        assert!(may_be_h2(H2_PREFACE));
        assert!(!may_be_h2(b"POST / HTTP/1.1"));
        assert!(!may_be_h2(b"PRX"));
    }

    #[test]
    fn dates_are_29_bytes_and_cached() {
        let mut out = Vec::new();
        write_date(&mut out);
        assert_eq!(out.len(), "date: ".len() + 29 + 2);
        assert!(out.starts_with(b"date: ") && out.ends_with(b" GMT\r\n"));
    }

    #[test]
    fn status_lines_carry_the_reason() {
        let mut out = Vec::new();
        write_status_line(&mut out, StatusCode::NOT_FOUND, None);
        write_status_line(&mut out, StatusCode::CREATED, Some(b"Made"));
        write_status_line(&mut out, StatusCode::from_u16(599).unwrap(), None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 404 Not Found\r\nHTTP/1.1 201 Made\r\nHTTP/1.1 599 \r\n"
        );
    }
}
