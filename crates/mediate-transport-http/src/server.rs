//! [`serve`]: the HTTP listener (HTTP/1.1 and HTTP/2 on one port, graceful drain), and what it
//! tells a handler about a request ([`RemoteAddr`], [`Https`]) and which headers of a reply it
//! writes as they are ([`PreservedHeaders`]).

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use mediate_message::{DEFAULT_BODY_LIMIT, PendingBody};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;

use crate::body::{Peer, ResponseBody, incoming_stream};
use crate::client::content_length;
use crate::h1_server::{self, H2_PREFACE, Reader, Rewind, Writer, may_be_h2};

/// The smallest head limit (hyper's minimum read buffer, kept when HTTP/1.1 moved off hyper).
const MIN_HEADER_SIZE: usize = 8192;

/// What MI's pass-through transport sends as `Server`.
pub const MI_SERVER: &str = "WSO2-PassThrough-HTTP";

/// Settings of [`serve`]. `Default` gives the values documented on each field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The limit on a request body read into memory, set on every request's [`PendingBody`]
    /// ([`PendingBody::with_limit`]). Default [`DEFAULT_BODY_LIMIT`] (64 MiB). Streaming a
    /// body on unread has no limit.
    pub body_limit: usize,
    /// The most bytes a request head (request line and headers) may take; beyond it the answer
    /// is `431 Request Header Fields Too Large`. Default 64 KiB; at least 8 KiB (smaller values
    /// are raised to it). For HTTP/2 it is the header list size limit.
    pub max_header_size: usize,
    /// The most headers a request may have (HTTP/1.1), else `431`. Default 100.
    pub max_headers: usize,
    /// How long a client may take to send a whole request head (HTTP/1.1) before the
    /// connection is closed; it is also how long an idle keep-alive connection waits for its
    /// next request, and how long a new connection (HTTP/1.1 or HTTP/2) may stay silent.
    /// Default 30 s; `None`: no limit.
    pub header_read_timeout: Option<Duration>,
    /// How long a request body may stay silent: a wait for its next chunk that lasts this long
    /// fails the body with a [`BodyError::Read`](mediate_message::BodyError::Read) ("the client
    /// sent no body data for 180 s"), so that a mediator reading it fails and a body streamed
    /// on to a backend aborts that request, instead of the request being held for ever. It is
    /// MI's `http.socket.timeout` for a client that stops sending its body. Default 180 s;
    /// `None`: no limit.
    pub body_idle_timeout: Option<Duration>,
    /// How long in-flight requests may run on after shutdown is asked for; connections still
    /// open then are cut. Default 30 s.
    pub grace_period: Duration,
    /// Keep HTTP/1.1 connections open between requests. Default `true`.
    pub keep_alive: bool,
    /// Accept HTTP/2 with prior knowledge (h2c) next to HTTP/1.1. Default `true`.
    pub http2: bool,
    /// The `Server` header of responses that do not carry one (or whose own is not
    /// [preserved](Self::preserve_headers)). Default [`MI_SERVER`]; `None` sends none.
    pub server_header: Option<String>,
    /// The headers of a reply written as the message holds them instead of the listener's own:
    /// MI's `http.headers.preserve`, `http.server.preserve` and `http.user.agent.preserve`
    /// (see [`PreservedHeaders`]). Default [`PreservedHeaders::MI_DEFAULT`]: a backend's
    /// `Server` reaches the client; `Date` is the listener's.
    pub preserve_headers: PreservedHeaders,
    /// Serve HTTPS with this TLS configuration (feature `tls`; see
    /// [`tls::server_config`](crate::tls::server_config)). `None`: plain HTTP.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: DEFAULT_BODY_LIMIT,
            max_header_size: 64 * 1024,
            max_headers: 100,
            header_read_timeout: Some(Duration::from_secs(30)),
            body_idle_timeout: Some(Duration::from_secs(180)),
            grace_period: Duration::from_secs(30),
            keep_alive: true,
            http2: true,
            server_header: Some(MI_SERVER.to_owned()),
            preserve_headers: PreservedHeaders::MI_DEFAULT,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// The client's address, in every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemoteAddr(pub SocketAddr);

/// In the extensions of every request that came over TLS (a listener with `ServerConfig::tls`,
/// feature `tls`): the request's scheme is `https`, which MI calls its transport
/// (`https` against `http`). A request without it came over plain HTTP. A marker without data,
/// so that marking a request costs no allocation.
///
/// ```
/// use mediate_transport_http::Https;
///
/// let mut request = http::Request::new(());
/// assert!(!Https::is_set(request.extensions()));
/// request.extensions_mut().insert(Https);
/// assert!(Https::is_set(request.extensions()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Https;

impl Https {
    /// Whether `extensions` (a request's, or a message's made from it) say the request came
    /// over TLS.
    pub fn is_set(extensions: &http::Extensions) -> bool {
        extensions.get::<Https>().is_some()
    }
}

/// Which headers the transport keeps as a message holds them instead of setting its own: MI's
/// `http.headers.preserve` (a comma-separated list of header names, in `passthru-http.properties`;
/// `preserve_http_headers` under `[transport.http]` in `deployment.toml`), plus `Server` when
/// `http.server.preserve` (`preserve_http_server_name`) is true and `User-Agent` when
/// `http.user.agent.preserve` (`preserve_http_user_agent`) is, as the pass-through transport
/// merges them (wso2-synapse `passthru/config/TargetConfiguration.populatePreserveHttpHeaders`).
///
/// What each name does on the listener (the reply to a client):
///
/// | name | preserved | not preserved |
/// |---|---|---|
/// | `Server` | the message's `Server` (a backend's) is written | replaced by [`ServerConfig::server_header`] |
/// | `Date` | the message's `Date` (a backend's) is written | the listener writes the current date |
/// | `User-Agent` | the message's `User-Agent` is written (a reply built from the request echoes the client's) | dropped |
/// | `Content-Type` | the content type the payload came with, parameters included | mediate does this always (see [`mediate_core::format`]) |
/// | `Content-Length`, `Keep-Alive`, `Location`, `Host` | accepted; the listener computes the length and connection headers itself and never rewrites `Location` | |
///
/// On the way to a backend the same list decides whether the client's `User-Agent`, `Date` and
/// `Host` are sent (the client's part, [`HyperSender`](crate::HyperSender)).
///
/// MI 4.4's defaults ([`MI_DEFAULT`](Self::MI_DEFAULT)) are `preserve_http_headers =
/// ["Content-Type"]`, `preserve_http_server_name = true`, `preserve_http_user_agent = false`.
///
/// ```
/// use mediate_transport_http::PreservedHeaders;
///
/// let preserved = PreservedHeaders::from_mi("Date, Location", false, true)?;
/// assert!(preserved.preserves(&http::header::DATE));
/// assert!(preserved.preserves(&http::header::USER_AGENT));
/// assert!(!preserved.preserves(&http::header::SERVER));
/// assert!(PreservedHeaders::MI_DEFAULT.preserves(&http::header::SERVER));
///
/// let err = PreservedHeaders::from_mi("Date,X-Mine", false, false).unwrap_err();
/// assert_eq!(err.name(), "X-Mine");
/// # Ok::<(), mediate_transport_http::UnknownPreservedHeader>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PreservedHeaders {
    bits: u8,
}

/// The headers MI's pass-through transport can preserve, in the order of their bits.
const PRESERVABLE: [&str; 8] = [
    "server",
    "date",
    "user-agent",
    "content-type",
    "content-length",
    "keep-alive",
    "location",
    "host",
];

impl PreservedHeaders {
    /// None: the transport sets `Server`, `Date` and `User-Agent` itself.
    pub const NONE: Self = Self { bits: 0 };

    /// MI 4.4's defaults: `Content-Type` and `Server`.
    pub const MI_DEFAULT: Self = Self {
        bits: 1 << 0 | 1 << 3,
    };

    /// From MI's three settings: `list` is `http.headers.preserve` (names separated by commas,
    /// any case, blanks around them ignored; empty: none), `server` is
    /// `http.server.preserve`, `user_agent` is `http.user.agent.preserve`.
    ///
    /// A name MI cannot preserve (anything but `Server`, `Date`, `User-Agent`, `Content-Type`,
    /// `Content-Length`, `Keep-Alive`, `Location`, `Host`) is an error naming it, where MI
    /// ignores it silently.
    pub fn from_mi(
        list: &str,
        server: bool,
        user_agent: bool,
    ) -> Result<Self, UnknownPreservedHeader> {
        let mut preserved = Self::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match PRESERVABLE
                .iter()
                .position(|known| known.eq_ignore_ascii_case(name))
            {
                Some(bit) => preserved.bits |= 1 << bit,
                None => return Err(UnknownPreservedHeader(name.to_owned())),
            }
        }
        if server {
            preserved = preserved.with(&header::SERVER);
        }
        if user_agent {
            preserved = preserved.with(&header::USER_AGENT);
        }
        Ok(preserved)
    }

    /// These headers and `name` too (a name MI cannot preserve changes nothing).
    #[must_use]
    pub fn with(self, name: &http::HeaderName) -> Self {
        match bit(name) {
            Some(bit) => Self {
                bits: self.bits | 1 << bit,
            },
            None => self,
        }
    }

    /// Whether `name` is preserved.
    pub fn preserves(&self, name: &http::HeaderName) -> bool {
        bit(name).is_some_and(|bit| self.bits & 1 << bit != 0)
    }
}

fn bit(name: &http::HeaderName) -> Option<usize> {
    PRESERVABLE.iter().position(|known| *known == name.as_str())
}

/// A name in MI's `http.headers.preserve` list that MI's transport cannot preserve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` cannot be preserved; http.headers.preserve takes Server, Date, User-Agent, Content-Type, Content-Length, Keep-Alive, Location and Host"
)]
pub struct UnknownPreservedHeader(String);

impl UnknownPreservedHeader {
    /// The name, as written.
    pub fn name(&self) -> &str {
        &self.0
    }
}

/// Answers requests: what [`serve`] calls for each request.
///
/// The request body streams in (`None` when the request has none) with the configured limit on
/// reading it into memory; the client's address is a [`RemoteAddr`] in the request's
/// extensions. A handler that panics answers `500` (the panic is logged); it never takes the
/// server down.
///
/// ```
/// use mediate_transport_http::{async_trait, Handler, ResponseBody};
/// use mediate_message::PendingBody;
///
/// #[derive(Debug)]
/// struct Echo;
///
/// #[async_trait]
/// impl Handler for Echo {
///     async fn handle(&self, request: http::Request<Option<PendingBody>>) -> http::Response<ResponseBody> {
///         // Stream the request body back unread.
///         http::Response::new(ResponseBody::from(request.into_body()))
///     }
/// }
/// ```
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    async fn handle(&self, request: Request<Option<PendingBody>>) -> Response<ResponseBody>;
}

/// A [`Handler`] from an async closure (see [`handler_fn`]).
#[derive(Clone)]
pub struct HandlerFn<F> {
    f: F,
}

impl<F> fmt::Debug for HandlerFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerFn").finish_non_exhaustive()
    }
}

/// A [`Handler`] from a closure returning a future.
///
/// ```
/// use std::sync::Arc;
/// use mediate_transport_http::{handler_fn, Handler, ResponseBody};
///
/// let hello: Arc<dyn Handler> = Arc::new(handler_fn(|_request| async {
///     http::Response::new(ResponseBody::full("hello"))
/// }));
/// ```
pub fn handler_fn<F, Fut>(f: F) -> HandlerFn<F>
where
    F: Fn(Request<Option<PendingBody>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<ResponseBody>> + Send + 'static,
{
    HandlerFn { f }
}

#[async_trait]
impl<F, Fut> Handler for HandlerFn<F>
where
    F: Fn(Request<Option<PendingBody>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<ResponseBody>> + Send + 'static,
{
    async fn handle(&self, request: Request<Option<PendingBody>>) -> Response<ResponseBody> {
        (self.f)(request).await
    }
}

/// Serves HTTP on `listener` until `shutdown` completes, then drains: stops accepting, lets
/// requests in flight finish (idle keep-alive connections are closed at once), waits at most
/// [`ServerConfig::grace_period`] for them, cuts what is left, and returns.
///
/// HTTP/1.1 (keep-alive) and HTTP/2 with prior knowledge are both served on the port (the
/// protocol is read from the first bytes: HTTP/2's preface goes to hyper, anything else to the
/// crate's HTTP/1.1 code). Malformed requests are answered by the listener: `400 Bad Request`
/// (bad request line or header, conflicting `Content-Length`s, chunked not last), `431` (head
/// over [`ServerConfig::max_header_size`] or [`ServerConfig::max_headers`]), `414` (request
/// line over the head limit), `501` (unknown transfer coding), each closing its connection.
/// Connection errors are logged (`tracing`, debug level) and never end the server; errors
/// accepting connections (out of file descriptors) are logged and retried.
///
/// Returns an error only when the listener itself is unusable (its address cannot be read).
pub async fn serve(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let local = listener.local_addr()?;
    let builder = Arc::new(builder(&config));
    // MI's name is static text: its clones (one per response) then count no references.
    let server_header = config.server_header.as_deref().and_then(|s| {
        if s == MI_SERVER {
            Some(HeaderValue::from_static(MI_SERVER))
        } else {
            HeaderValue::from_str(s).ok()
        }
    });
    #[cfg(feature = "tls")]
    let https = config.tls.is_some();
    #[cfg(not(feature = "tls"))]
    let https = false;
    let shared = Arc::new(Shared {
        handler,
        body_limit: config.body_limit,
        body_idle_timeout: config.body_idle_timeout,
        server_header,
        preserve: config.preserve_headers,
        https,
    });
    let graceful = GracefulShutdown::new();
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(());
    let http2 = config.http2;
    let limits = h1_server::Limits {
        max_head: config.max_header_size.max(MIN_HEADER_SIZE),
        max_headers: config.max_headers,
        header_read_timeout: config.header_read_timeout,
        body_idle_timeout: config.body_idle_timeout,
        body_limit: config.body_limit,
        keep_alive: config.keep_alive,
    };
    let header_read_timeout = config.header_read_timeout;
    #[cfg(feature = "tls")]
    let acceptor = config.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    #[cfg(not(feature = "tls"))]
    let acceptor: Option<NoTls> = None;
    let mut connections = JoinSet::new();
    tracing::debug!(%local, "HTTP listener started");
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_error(&err).await;
                        continue;
                    }
                };
                if let Err(err) = stream.set_nodelay(true) {
                    tracing::debug!(%remote, error = %err, "cannot set TCP_NODELAY");
                }
                let shared = Arc::clone(&shared);
                let builder = Arc::clone(&builder);
                let watcher = graceful.watcher();
                let mut stopping = stopping_rx.clone();
                let acceptor = acceptor.clone();
                let limits = limits.clone();
                connections.spawn(async move {
                    // The head timeout of a new connection counts from its accept: the first
                    // byte, the protocol's preface and the first head all fall within it.
                    let accepted = tokio::time::Instant::now();
                    // The first byte must come within the head timeout, and a connection that
                    // has sent nothing when shutdown starts is dropped rather than waited for.
                    if let Some(limit) = header_read_timeout {
                        let mut first = [0u8; 1];
                        tokio::select! {
                            peeked = tokio::time::timeout_at(accepted + limit, stream.peek(&mut first)) => match peeked {
                                Ok(Ok(n)) if n > 0 => {}
                                Ok(Ok(_)) => return,
                                Ok(Err(err)) => {
                                    tracing::debug!(%remote, error = %err, "HTTP connection failed before a request");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!(%remote, "no request on the connection in time; closing it");
                                    return;
                                }
                            },
                            _ = stopping.changed() => return,
                        }
                    }
                    // Read and write halves: TCP's own (no lock), or TLS split.
                    let (mut reader, writer): (Reader, Writer) = if acceptor.is_some() {
                        let Some(io) = tls_accept(&acceptor, stream, header_read_timeout, remote).await else {
                            return;
                        };
                        let (r, w) = tokio::io::split(io);
                        (Box::new(r), Box::new(w))
                    } else {
                        let (r, w) = stream.into_split();
                        (Box::new(r), Box::new(w))
                    };
                    // HTTP/2 with prior knowledge starts with its preface; anything else is
                    // HTTP/1.1. Most requests tell at the first byte.
                    let mut start = BytesMut::new();
                    if http2 {
                        let decided = async {
                            while start.len() < H2_PREFACE.len() && may_be_h2(&start) {
                                start.reserve(8192);
                                match reader.read_buf(&mut start).await {
                                    Ok(0) | Err(_) => return false,
                                    Ok(_) => {}
                                }
                            }
                            true
                        };
                        let decided = match header_read_timeout {
                            Some(limit) => tokio::time::timeout_at(accepted + limit, decided)
                                .await
                                .unwrap_or(false),
                            None => decided.await,
                        };
                        if !decided {
                            return;
                        }
                    }
                    if http2 && start.len() >= H2_PREFACE.len() && may_be_h2(&start) {
                        let io = Rewind::new(start.freeze(), tokio::io::join(reader, writer));
                        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                            let shared = Arc::clone(&shared);
                            async move { Ok::<_, Infallible>(shared.answer(request, remote).await) }
                        });
                        let connection = builder.serve_connection(TokioIo::new(io), service);
                        if let Err(err) = watcher.watch(connection).await {
                            tracing::debug!(%remote, error = %err, "HTTP/2 connection ended with an error");
                        }
                        return;
                    }
                    drop(watcher);
                    let connection = h1_server::Connection {
                        reader,
                        writer,
                        buf: start,
                        limits,
                        server: shared,
                        remote,
                        accepted,
                    };
                    h1_server::serve_connection(connection, stopping).await;
                });
            }
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(err) = done
                    && err.is_panic()
                {
                    tracing::error!(error = %err, "an HTTP connection task panicked");
                }
            }
        }
    }
    drop(listener);
    stopping_tx.send_replace(());
    tracing::debug!(
        %local,
        in_flight = graceful.count(),
        "HTTP listener stopped accepting; draining connections"
    );
    let drained = async {
        graceful.shutdown().await;
        while connections.join_next().await.is_some() {}
    };
    if tokio::time::timeout(config.grace_period, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            %local,
            grace_ms = config.grace_period.as_millis() as u64,
            "HTTP connections still open after the grace period are closed"
        );
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
    tracing::debug!(%local, "HTTP listener stopped");
    Ok(())
}

/// A connection's byte stream: plain TCP, or TLS over it.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

/// Stands for the TLS acceptor when the crate is built without TLS.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
enum NoTls {}

#[cfg(not(feature = "tls"))]
async fn tls_accept(
    acceptor: &Option<NoTls>,
    stream: tokio::net::TcpStream,
    _: Option<Duration>,
    _: SocketAddr,
) -> Option<Box<dyn Io>> {
    match acceptor {
        None => Some(Box::new(stream)),
        Some(never) => match *never {},
    }
}

/// The TLS handshake, when the listener has TLS (within the head timeout).
#[cfg(feature = "tls")]
async fn tls_accept(
    acceptor: &Option<tokio_rustls::TlsAcceptor>,
    stream: tokio::net::TcpStream,
    limit: Option<Duration>,
    remote: SocketAddr,
) -> Option<Box<dyn Io>> {
    let Some(acceptor) = acceptor else {
        return Some(Box::new(stream));
    };
    let handshake = acceptor.accept(stream);
    let result = match limit {
        Some(limit) => match tokio::time::timeout(limit, handshake).await {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(%remote, "TLS handshake not done in time; closing the connection");
                return None;
            }
        },
        None => handshake.await,
    };
    match result {
        Ok(tls) => Some(Box::new(tls)),
        Err(err) => {
            tracing::debug!(%remote, error = %err, "TLS handshake failed");
            None
        }
    }
}

/// hyper's server, for HTTP/2 connections only (HTTP/1.1 is `h1_server`'s).
fn builder(config: &ServerConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    let header_size = config.max_header_size.max(MIN_HEADER_SIZE);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(header_size).unwrap_or(u32::MAX));
    builder.http2_only()
}

/// Accept failures: a connection that died before it was accepted is nothing; anything else
/// (out of file descriptors) is logged, and accepting pauses briefly so as not to spin.
async fn accept_error(err: &io::Error) {
    match err.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionRefused
        | io::ErrorKind::Interrupted => {
            tracing::debug!(error = %err, "accepting a connection failed");
        }
        _ => {
            tracing::error!(error = %err, "accepting connections failed; retrying in 100 ms");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub(crate) struct Shared {
    handler: Arc<dyn Handler>,
    body_limit: usize,
    body_idle_timeout: Option<Duration>,
    server_header: Option<HeaderValue>,
    preserve: PreservedHeaders,
    /// The listener has TLS: every request gets [`Https`].
    https: bool,
}

impl Shared {
    /// The listener's own `Server` header ([`ServerConfig::server_header`]).
    pub(crate) fn server_header(&self) -> Option<&HeaderValue> {
        self.server_header.as_ref()
    }

    async fn answer(
        &self,
        request: Request<Incoming>,
        remote: SocketAddr,
    ) -> Response<ResponseBody> {
        let (parts, incoming) = request.into_parts();
        let body = if http_body::Body::is_end_stream(&incoming) {
            None
        } else {
            let length = content_length(&parts.headers);
            let stream = incoming_stream(incoming, self.body_idle_timeout, Peer::Client);
            Some(PendingBody::new(stream, length).with_limit(self.body_limit))
        };
        self.answer_parts(parts, body, remote).await
    }

    /// Answers one request (whose body, if any, is `body`) with the handler, catching its
    /// panics, and sets the listener's own headers on the response.
    pub(crate) async fn answer_parts(
        &self,
        mut parts: http::request::Parts,
        body: Option<PendingBody>,
        remote: SocketAddr,
    ) -> Response<ResponseBody> {
        parts.extensions.insert(RemoteAddr(remote));
        if self.https {
            parts.extensions.insert(Https);
        }
        // For the log line of a panic; cloning a method or a URI copies no text.
        let method = parts.method.clone();
        let uri = parts.uri.clone();
        let request = Request::from_parts(parts, body);
        let mut response = match AssertUnwindSafe(self.handler.handle(request))
            .catch_unwind()
            .await
        {
            Ok(response) => response,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                let path = uri.path();
                tracing::error!(%remote, %method, %path, panic = %what, "the request handler panicked");
                let mut response = Response::new(ResponseBody::empty());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        };
        self.finish_headers(response.headers_mut());
        response
    }

    /// The listener's own `Server` and `Date` unless the reply's are
    /// [preserved](PreservedHeaders); a `User-Agent` only when preserved.
    fn finish_headers(&self, headers: &mut http::HeaderMap) {
        if !self.preserve.preserves(&header::DATE) {
            // The listener writes the current date when the response has none.
            headers.remove(header::DATE);
        }
        if !self.preserve.preserves(&header::USER_AGENT) {
            headers.remove(header::USER_AGENT);
        }
        let keep_server = self.preserve.preserves(&header::SERVER);
        match &self.server_header {
            Some(server) if keep_server => {
                headers
                    .entry(header::SERVER)
                    .or_insert_with(|| server.clone());
            }
            Some(server) => {
                headers.insert(header::SERVER, server.clone());
            }
            None if keep_server => {}
            None => {
                headers.remove(header::SERVER);
            }
        }
    }
}
