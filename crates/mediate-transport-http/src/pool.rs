//! The connection pool behind [`HyperSender`](crate::HyperSender): keep-alive connections
//! per backend (`scheme://host:port`), one pool per thread that sends. HTTP/1 connections are
//! [`crate::h1_client`]'s (driven by the request using them); HTTP/2 ones hyper's
//! connection-level client ([`hyper::client::conn::http2`]).
//!
//! Written here instead of using hyper-util's `client::legacy::Client`, which this crate
//! used before. That client is general (any connector, proxies, shared across threads) and
//! pays for it on every request: a pool behind a mutex keyed by a SipHash of the
//! scheme and authority, several boxed futures, a URI clone and a formatted `Host` per
//! request, and a spawned task per response that waits to put the connection back. A
//! mediation engine sends to a handful of backends from a thread per core, so here:
//!
//! - a pool belongs to one thread (no lock, no atomics); hosts are found by a short linear
//!   scan (a thread talks to few backends), and their `Host` header is made once;
//! - an HTTP/1.1 connection goes back to its pool when the response body has been read to
//!   its end (or at once when there is none), by the body itself: no task; taken from the
//!   pool, it is checked for a close by the backend first (no system call when there is none);
//! - an HTTP/2 connection (h2c with prior knowledge, or `h2` chosen by ALPN) is shared by
//!   all requests to its host;
//! - a request that a pooled connection could not deliver (the backend had closed it while it
//!   was idle: the first write failed, or, for an idempotent method, the connection ended before
//!   any byte of an answer) is sent again on another connection, when all of it was written in
//!   that first write (a body still streaming cannot be sent twice);
//! - `POST_TO_URI` (the request line in absolute form) is a flag away.
//!
//! Idle connections older than [`ClientConfig::pool_idle_timeout`] are dropped when their
//! host is next used and by a sweep of the whole pool at most every few seconds while the
//! thread sends; a backend's own keep-alive timeout closes the rest.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use std::borrow::Cow;

use http::header::{self, HeaderValue};
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use mediate_core::transport::{ProtocolState, SendError, SendErrorKind};
use thread_local::ThreadLocal;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::body::{Progress, ResponseBody, error_chain};
use crate::client::ClientConfig;
use crate::h1::ResponseHead;
use crate::h1_client::{Connection, Failed, H1Body, Outgoing, Stream};

/// What every thread's pool shares: the settings and, with TLS, the connector.
pub(crate) struct Shared {
    pub(crate) config: ClientConfig,
    pools: ThreadLocal<Pool>,
    #[cfg(feature = "tls")]
    tls: tokio_rustls::TlsConnector,
}

/// A backend: scheme, host (without IPv6 brackets) and port.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    https: bool,
    host: Box<str>,
    port: u16,
}

impl Key {
    fn is(&self, t: &Target<'_>) -> bool {
        self.port == t.port && self.https == t.https && *self.host == *t.host
    }
}

/// Where a request goes, read off its URI.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'u> {
    https: bool,
    /// The host as the URI writes it (IPv6 in brackets), for `Host`.
    authority_host: &'u str,
    /// The host to connect to (IPv6 without brackets).
    host: &'u str,
    port: u16,
    /// The port written in the URI when it is not the scheme's default (for `Host`).
    explicit_port: Option<u16>,
}

impl<'u> Target<'u> {
    /// The target of an absolute `http://` or `https://` URI (its scheme checked by the
    /// caller); `None` without a host.
    pub(crate) fn of(uri: &'u Uri) -> Option<Self> {
        let https = uri.scheme_str()?.eq_ignore_ascii_case("https");
        let authority_host = mediate_core::transport::uri_host(uri).filter(|h| !h.is_empty())?;
        let host = authority_host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(authority_host);
        let default = if https { 443 } else { 80 };
        let port = uri.port_u16().unwrap_or(default);
        Some(Self {
            https,
            authority_host,
            host,
            port,
            explicit_port: (port != default).then_some(port),
        })
    }

    fn host_header(&self) -> Option<HeaderValue> {
        match self.explicit_port {
            None => HeaderValue::from_str(self.authority_host).ok(),
            Some(port) => HeaderValue::try_from(format!("{}:{port}", self.authority_host)).ok(),
        }
    }
}

/// One thread's connections.
#[derive(Default)]
struct Pool {
    hosts: RefCell<Vec<Host>>,
    /// When the whole pool was last swept of expired idle connections.
    swept: Cell<Option<Instant>>,
}

struct Host {
    key: Arc<Key>,
    host_header: HeaderValue,
    /// Idle HTTP/1 connections, the most recently used last.
    idle: Vec<Idle>,
    /// The HTTP/2 connection every request to this host shares.
    h2: Option<http2::SendRequest<ResponseBody>>,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

enum Conn {
    H1(Connection),
    H2(http2::SendRequest<ResponseBody>),
}

/// A response's body as the pool hands it over.
pub(crate) enum Received {
    /// None (an answer to `HEAD`, `204`, `304`, or an empty body on HTTP/1).
    None,
    /// Read off an HTTP/1 connection, which goes back to the pool when the body ends. (Boxed:
    /// it holds the connection; the body is boxed as a stream anyway.)
    H1(Box<H1Body>),
    /// An HTTP/2 stream's.
    H2(Incoming),
}

/// A connection for one request.
struct Lease {
    conn: Conn,
    key: Arc<Key>,
    host_header: HeaderValue,
    /// It came from the pool (so a request it could not start may be tried again).
    reused: bool,
}

/// Where an HTTP/1 connection whose response body is still being read goes back to:
/// [`Release::checkin`] puts it in the pool of the thread that finishes the body.
pub(crate) struct Release {
    shared: Arc<Shared>,
    key: Arc<Key>,
    host_header: HeaderValue,
}

impl Release {
    /// The response body was read to its end: `conn` may carry the next request.
    pub(crate) fn checkin(self, conn: Connection) {
        let Release {
            shared,
            key,
            host_header,
        } = self;
        shared.checkin(key, host_header, conn);
    }
}

/// How a wait for a response head ended.
enum Waited<T> {
    /// The exchange ended (with a response or an error).
    Done(T),
    /// The request's own deadline passed.
    Deadline,
    /// The connection stayed silent for the socket timeout, in this state.
    Silent(ProtocolState),
}

/// Waits for `exchange` until the request's `deadline` or until the connection has been
/// silent for `socket_timeout` (MI's `http.socket.timeout`): a request body still being
/// written (its frames counted by `progress`) is activity. One timer, moved on only when it
/// fires.
///
/// `exchange` is pinned by the caller: a future taken by value would be stored twice in this
/// one (as the argument and as the pinned local), and this one is inside every request's.
async fn wait_head<F: std::future::Future>(
    mut exchange: Pin<&mut F>,
    deadline: Option<Instant>,
    socket_timeout: Duration,
    progress: Option<&Progress>,
) -> Waited<F::Output> {
    let wake = |now: Instant| {
        let silent = now + socket_timeout;
        deadline.map_or(silent, |d| d.min(silent))
    };
    let timer = tokio::time::sleep_until(wake(Instant::now()));
    tokio::pin!(timer);
    let mut frames = progress.map(Progress::frames);
    loop {
        tokio::select! {
            biased;
            done = exchange.as_mut() => return Waited::Done(done),
            () = &mut timer => {}
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Waited::Deadline;
        }
        let now_frames = progress.map(Progress::frames);
        if now_frames == frames {
            return Waited::Silent(progress.map_or(ProtocolState::RequestDone, Progress::state));
        }
        // The body moved on since the timer was set: silence is counted from now.
        frames = now_frames;
        timer.as_mut().reset(wake(now));
    }
}

/// One HTTP/1 exchange of a request on a connection, from [`Shared::send`].
struct Round<'a> {
    parts: &'a http::request::Parts,
    /// The request target (origin or absolute form).
    target: &'a str,
    host: &'a HeaderValue,
    /// The connection came from the pool.
    reused: bool,
    deadline: Option<Instant>,
    socket_timeout: Duration,
}

impl Round<'_> {
    /// Sends the request on `conn` (again as the bytes `replay` when another connection
    /// could not deliver them) and waits for the response head; gives the connection back
    /// with what became of the wait. Not `async`: the future uses its captures where they
    /// are (an `async fn` would also hold the connection a second time).
    #[allow(clippy::manual_async_fn)] // see above: an `async fn` would be larger
    fn run<'f>(
        self,
        mut conn: Connection,
        replay: Option<Vec<u8>>,
        body: &'f mut ResponseBody,
    ) -> impl Future<Output = (Connection, Waited<Result<ResponseHead, Failed>>)> + Send + 'f
    where
        Self: 'f,
    {
        async move {
            let progress = Arc::clone(&conn.progress);
            let (deadline, silence) = (self.deadline, self.socket_timeout);
            let waited = match replay {
                Some(bytes) => {
                    let exchange = pin!(conn.resend(bytes, &self.parts.method));
                    wait_head(exchange, deadline, silence, Some(&progress)).await
                }
                None => {
                    let outgoing = Outgoing {
                        method: &self.parts.method,
                        target: self.target,
                        version: self.parts.version,
                        headers: &self.parts.headers,
                        host: self.host,
                    };
                    let exchange = pin!(conn.exchange(outgoing, body, self.reused));
                    wait_head(exchange, deadline, silence, Some(&progress)).await
                }
            };
            (conn, waited)
        }
    }
}

/// A request's deadline passed while it waited for a connection.
pub(crate) struct Late;

/// The request's deadline passed before its answer's head arrived.
pub(crate) fn late(uri: &Uri, timeout: Option<Duration>) -> SendError {
    let ms = timeout.map_or(0, |t| t.as_millis());
    SendError::new(
        SendErrorKind::Timeout,
        format!("no response from {uri} within {ms} ms"),
    )
}

/// One request sent on an HTTP/2 connection, from [`Shared::send`].
struct H2Send<'a> {
    uri: &'a Uri,
    host_header: &'a HeaderValue,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    socket_timeout: Duration,
    reused: bool,
}

/// What became of an [`H2Send`].
enum H2Sent {
    /// The answer's head, or the request's failure.
    Done(Result<Response<Received>, SendError>),
    /// A pooled connection closed before the request started: to be sent on another.
    Again(Request<ResponseBody>),
}

impl H2Send<'_> {
    async fn send(
        self,
        mut sender: hyper::client::conn::http2::SendRequest<ResponseBody>,
        mut parts: http::request::Parts,
        body: ResponseBody,
    ) -> H2Sent {
        let uri = self.uri;
        // HTTP/2 takes scheme and authority from the URI.
        parts.uri = uri.clone();
        if !parts.headers.contains_key(header::HOST) {
            parts.headers.insert(header::HOST, self.host_header.clone());
        }
        let exchange = pin!(sender.try_send_request(Request::from_parts(parts, body)));
        let failed = match wait_head(exchange, self.deadline, self.socket_timeout, None).await {
            Waited::Done(Ok(response)) => {
                let (head, incoming) = response.into_parts();
                return H2Sent::Done(Ok(Response::from_parts(head, Received::H2(incoming))));
            }
            Waited::Done(Err(failed)) => failed,
            Waited::Deadline => return H2Sent::Done(Err(late(uri, self.timeout))),
            Waited::Silent(_) => {
                let error = silent(uri, self.socket_timeout, ProtocolState::RequestReady);
                return H2Sent::Done(Err(error));
            }
        };
        let mut failed = failed;
        match failed.take_message() {
            // Not started: the connection was closed. Another one.
            Some(unsent) if self.reused => {
                tracing::debug!(
                    error = %failed.error(),
                    "a pooled connection closed before the request started; sending it on another"
                );
                H2Sent::Again(unsent)
            }
            _ => {
                let error = map_error(failed.error(), uri);
                if crate::client::is_request_body_error(failed.error()) {
                    return H2Sent::Done(Err(error));
                }
                H2Sent::Done(Err(error.with_state(ProtocolState::RequestReady)))
            }
        }
    }
}

/// Waits until the HTTP/2 connection of `sender` has room for another stream, until `deadline`
/// at most: `Ok(None)` when the connection closed meanwhile.
async fn h2_ready(
    mut sender: http2::SendRequest<ResponseBody>,
    deadline: Option<Instant>,
) -> Result<Option<http2::SendRequest<ResponseBody>>, Late> {
    let ready = match deadline {
        None => sender.ready().await,
        Some(at) => tokio::time::timeout_at(at, sender.ready())
            .await
            .map_err(|_| Late)?,
    };
    Ok(ready.is_ok().then_some(sender))
}

/// How often, at most, a pool in use is swept of expired idle connections.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

impl Shared {
    pub(crate) fn new(config: ClientConfig) -> Self {
        #[cfg(feature = "tls")]
        let tls = {
            let base = config
                .tls
                .clone()
                .unwrap_or_else(crate::tls::native_client_config);
            let mut tls = (*base).clone();
            tls.alpn_protocols = if config.http2_prior_knowledge {
                vec![b"h2".to_vec(), b"http/1.1".to_vec()]
            } else {
                vec![b"http/1.1".to_vec()]
            };
            tokio_rustls::TlsConnector::from(Arc::new(tls))
        };
        Self {
            config,
            pools: ThreadLocal::new(),
            #[cfg(feature = "tls")]
            tls,
        }
    }

    fn pool(&self) -> &Pool {
        self.pools.get_or_default()
    }

    /// Sends the request of `parts` and `body` to `uri` (checked here: absolute, `http` or
    /// `https`, with a host) and waits for the response head, until `deadline` at most (the
    /// request's own deadline, `timeout` after the send began, which the error names:
    /// [`SendErrorKind::Timeout`]) and as long as the connection is not silent for the socket
    /// timeout ([`SendErrorKind::SocketTimeout`]). With `absolute_form`, an HTTP/1 request
    /// line carries the whole URI (`POST_TO_URI`); otherwise the path and query. A response
    /// whose body is still to be read on an HTTP/1 connection takes the connection with it,
    /// back to the pool when the body ends.
    ///
    /// A failure once the connection is made carries the connection's [`ProtocolState`]
    /// (HTTP/1; an HTTP/2 stream's state is not followed, and adds nothing).
    ///
    /// Not `async`: the future's captures are its arguments, used where they are (an
    /// `async fn` would move them into locals of its own, and hold both; this future is in
    /// every request's boxed send).
    pub(crate) fn send(
        self: &Arc<Self>,
        mut parts: http::request::Parts,
        mut body: ResponseBody,
        uri: Uri,
        absolute_form: bool,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Response<Received>, SendError>> + Send + '_ {
        // Made here, so that the future captures no `bool`: the compiler lays a one-byte
        // capture out after the space its states share, and the future grows by hundreds of
        // bytes of padding.
        let absolute = absolute_form.then(|| uri.to_string());
        async move {
            let uri = &uri;
            let target = crate::client::check_uri(uri)?;
            let late = || late(uri, timeout);
            let socket_timeout = self.config.socket_timeout;
            let request_target: Cow<'_, str> = match &absolute {
                Some(absolute) => Cow::Borrowed(absolute),
                None => origin_form(uri),
            };
            // The bytes of a request a pooled connection turned out unable to deliver, to be sent
            // as they are on the next connection, and the failure to report if that cannot be.
            let mut replay: Option<(Vec<u8>, SendError)> = None;
            loop {
                // In a block of its own, so that the lease (and the connection as it came) take
                // no room in the future while the exchange waits.
                let (mut conn, key, host_header, reused): (Connection, _, _, _) = {
                    let Lease {
                        conn,
                        key,
                        host_header,
                        reused,
                    } = match self.checkout(&target) {
                        // Boxed: the wait (with its timer) would make every request's future
                        // larger, HTTP/1 ones too.
                        Some(Lease {
                            conn: Conn::H2(sender),
                            key,
                            host_header,
                            reused,
                        }) => match Box::pin(h2_ready(sender, deadline))
                            .await
                            .map_err(|Late| late())?
                        {
                            Some(sender) => Lease {
                                conn: Conn::H2(sender),
                                key,
                                host_header,
                                reused,
                            },
                            // Closed meanwhile: the pool is looked at again.
                            None => continue,
                        },
                        Some(lease) => lease,
                        // Boxed: connecting (DNS, TCP, TLS, handshake) is a large future, and
                        // rare; inline it would make every request's future as large, and copied
                        // as often.
                        None => {
                            let connect = Box::pin(self.connect(&target));
                            match deadline {
                                None => connect.await?,
                                Some(at) => tokio::time::timeout_at(at, connect)
                                    .await
                                    .map_err(|_| late())??,
                            }
                        }
                    };
                    match conn {
                        Conn::H1(conn) => (conn, key, host_header, reused),
                        Conn::H2(sender) => {
                            if let Some((_, error)) = replay.take() {
                                // The bytes were HTTP/1's; the request cannot be sent again.
                                return Err(error);
                            }
                            // Boxed: HTTP/2's exchange is a large future, and the rarer one.
                            let h2 = H2Send {
                                uri,
                                host_header: &host_header,
                                deadline,
                                timeout,
                                socket_timeout,
                                reused,
                            };
                            match Box::pin(h2.send(sender, parts, body)).await {
                                H2Sent::Done(result) => return result,
                                H2Sent::Again(unsent) => {
                                    (parts, body) = unsent.into_parts();
                                    continue;
                                }
                            }
                        }
                    }
                };
                // Boxed, with the connection moved in and out: inline, the exchange
                // would make this future (in every request's boxed send) over 1 KiB,
                // the largest size glibc keeps freed memory for per thread; two boxes
                // under it cost less than one over it.
                let round = Round {
                    parts: &parts,
                    target: &request_target,
                    host: &host_header,
                    reused,
                    deadline,
                    socket_timeout,
                };
                let waited;
                (conn, waited) =
                    Box::pin(round.run(conn, replay.take().map(|(bytes, _)| bytes), &mut body))
                        .await;
                let progress = &conn.progress;
                let failed = match waited {
                    Waited::Done(Ok(head)) => {
                        // The request is sent: its header map serves the next head read.
                        mediate_core::header_pool::recycle(std::mem::take(&mut parts.headers));
                        let release = Release {
                            shared: Arc::clone(self),
                            key,
                            host_header,
                        };
                        let received =
                            match H1Body::of(&head, conn, release, self.config.body_idle_timeout) {
                                Some(body) => Received::H1(Box::new(body)),
                                None => Received::None,
                            };
                        let mut response = Response::new(received);
                        *response.status_mut() = head.status;
                        *response.version_mut() = head.version;
                        *response.headers_mut() = head.headers;
                        return Ok(response);
                    }
                    Waited::Done(Err(failed)) => failed,
                    Waited::Deadline => return Err(late()),
                    Waited::Silent(state) => {
                        return Err(silent(uri, socket_timeout, state));
                    }
                };
                let Failed {
                    kind,
                    message,
                    stateful,
                    replayable,
                } = failed;
                let mut error = SendError::new(kind, format!("{message} ({uri})"));
                if stateful {
                    error = error.with_state(progress.state());
                }
                if replayable && reused {
                    tracing::debug!(
                        %error,
                        "a pooled connection was closed by the backend; sending the request on another"
                    );
                    replay = Some((conn.take_request_bytes(), error));
                    continue;
                }
                return Err(error);
            }
        }
    }

    /// A connection to `target` from this thread's pool: an idle HTTP/1 one that the backend
    /// has not closed, or the host's HTTP/2 one (which may have no room for another stream
    /// yet: see [`h2_ready`]).
    fn checkout(&self, target: &Target<'_>) -> Option<Lease> {
        let mut hosts = self.pool().hosts.borrow_mut();
        let host = hosts.iter_mut().find(|h| h.key.is(target))?;
        let conn = if let Some(h2) = host.h2.as_ref().filter(|h2| !h2.is_closed()) {
            Conn::H2(h2.clone())
        } else {
            host.h2 = None;
            let idle_timeout = self.config.pool_idle_timeout;
            let fresh = loop {
                let mut idle = host.idle.pop()?;
                if idle.since.elapsed() < idle_timeout && idle.conn.is_usable() {
                    break idle;
                }
            };
            Conn::H1(fresh.conn)
        };
        Some(Lease {
            conn,
            key: Arc::clone(&host.key),
            host_header: host.host_header.clone(),
            reused: true,
        })
    }

    fn checkin(&self, key: Arc<Key>, host_header: HeaderValue, conn: Connection) {
        let now = Instant::now();
        let pool = self.pool();
        let mut hosts = pool.hosts.borrow_mut();
        let index = match hosts
            .iter()
            .position(|h| Arc::ptr_eq(&h.key, &key) || h.key == key)
        {
            Some(index) => index,
            None => {
                hosts.push(Host {
                    key,
                    host_header,
                    idle: Vec::new(),
                    h2: None,
                });
                hosts.len() - 1
            }
        };
        let host = &mut hosts[index];
        if host.idle.len() < self.config.pool_max_idle_per_host {
            host.idle.push(Idle { conn, since: now });
        }
        if pool
            .swept
            .get()
            .is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY)
        {
            pool.swept.set(Some(now));
            let timeout = self.config.pool_idle_timeout;
            for host in hosts.iter_mut() {
                host.idle
                    .retain_mut(|i| now.duration_since(i.since) < timeout && i.conn.is_usable());
                if host.h2.as_ref().is_some_and(http2::SendRequest::is_closed) {
                    host.h2 = None;
                }
            }
            hosts.retain(|h| !h.idle.is_empty() || h.h2.is_some());
        }
    }

    /// The host entry of `target` in this thread's pool, made on first use.
    fn host_entry(&self, target: &Target<'_>) -> Result<(Arc<Key>, HeaderValue), SendError> {
        let mut hosts = self.pool().hosts.borrow_mut();
        if let Some(host) = hosts.iter().find(|h| h.key.is(target)) {
            return Ok((Arc::clone(&host.key), host.host_header.clone()));
        }
        let host_header = target.host_header().ok_or_else(|| {
            SendError::new(
                SendErrorKind::InvalidRequest,
                format!(
                    "the host `{}` cannot be a Host header",
                    target.authority_host
                ),
            )
        })?;
        let key = Arc::new(Key {
            https: target.https,
            host: target.host.into(),
            port: target.port,
        });
        hosts.push(Host {
            key: Arc::clone(&key),
            host_header: host_header.clone(),
            idle: Vec::new(),
            h2: None,
        });
        Ok((key, host_header))
    }

    /// A new connection to `target`: TCP (and TLS), then the HTTP handshake.
    async fn connect(&self, target: &Target<'_>) -> Result<Lease, SendError> {
        let (key, host_header) = self.host_entry(target)?;
        let what = || {
            format!(
                "{}://{}",
                if target.https { "https" } else { "http" },
                authority(target)
            )
        };
        let limit = self.config.connect_timeout;
        let stream = match tokio::time::timeout(limit, tcp_connect(target)).await {
            Err(_) => {
                return Err(SendError::new(
                    SendErrorKind::ConnectTimeout,
                    format!(
                        "connecting to the backend timed out ({}): no connection within {} ms",
                        what(),
                        limit.as_millis()
                    ),
                ));
            }
            Ok(Err(err)) => {
                let kind = if err.kind() == std::io::ErrorKind::TimedOut {
                    SendErrorKind::ConnectTimeout
                } else {
                    SendErrorKind::ConnectFailed
                };
                return Err(SendError::new(
                    kind,
                    format!("connecting to the backend failed ({}): {err}", what()),
                ));
            }
            Ok(Ok(stream)) => stream,
        };
        let _ = stream.set_nodelay(true);
        let h2 = self.config.http2_prior_knowledge;
        let conn = if target.https {
            #[cfg(feature = "tls")]
            {
                let tls = self
                    .tls_handshake(stream, target, limit)
                    .await
                    .map_err(|detail| {
                        SendError::new(
                            SendErrorKind::ConnectFailed,
                            format!("connecting to the backend failed ({}): {detail}", what()),
                        )
                    })?;
                let alpn_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                if h2 || alpn_h2 {
                    handshake_h2(tls).await
                } else {
                    Ok(Conn::H1(Connection::new(Stream::Tls(Box::new(tls)))))
                }
            }
            #[cfg(not(feature = "tls"))]
            {
                drop(stream);
                return Err(SendError::new(
                    SendErrorKind::InvalidRequest,
                    "https needs the `tls` feature of mediate-transport-http",
                ));
            }
        } else if h2 {
            handshake_h2(stream).await
        } else {
            Ok(Conn::H1(Connection::new(Stream::Tcp(stream))))
        };
        let conn = conn.map_err(|err| {
            SendError::new(
                SendErrorKind::ConnectFailed,
                format!(
                    "connecting to the backend failed ({}): the HTTP handshake failed: {}",
                    what(),
                    error_chain(&err)
                ),
            )
        })?;
        if let Conn::H2(sender) = &conn {
            let mut hosts = self.pool().hosts.borrow_mut();
            if let Some(host) = hosts.iter_mut().find(|h| Arc::ptr_eq(&h.key, &key)) {
                host.h2 = Some(sender.clone());
            }
        }
        Ok(Lease {
            conn,
            key,
            host_header,
            reused: false,
        })
    }

    #[cfg(feature = "tls")]
    async fn tls_handshake(
        &self,
        stream: TcpStream,
        target: &Target<'_>,
        limit: Duration,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
        let name = rustls::pki_types::ServerName::try_from(target.host.to_owned())
            .map_err(|e| format!("`{}` is not a TLS server name: {e}", target.host))?;
        match tokio::time::timeout(limit, self.tls.connect(name, stream)).await {
            Err(_) => Err(format!(
                "the TLS handshake did not finish within {} ms",
                limit.as_millis()
            )),
            Ok(Err(err)) => Err(format!("the TLS handshake failed: {err}")),
            Ok(Ok(tls)) => Ok(tls),
        }
    }
}

fn authority(target: &Target<'_>) -> String {
    format!("{}:{}", target.authority_host, target.port)
}

/// The request target of `uri` in origin form: its path and query (`/` when it has no path).
fn origin_form(uri: &Uri) -> Cow<'_, str> {
    match uri.path_and_query().map(http::uri::PathAndQuery::as_str) {
        Some(path) if path.starts_with('?') => Cow::Owned(format!("/{path}")),
        Some(path) if !path.is_empty() => Cow::Borrowed(path),
        _ => Cow::Borrowed("/"),
    }
}

/// Connects to the first address of `target` that answers.
async fn tcp_connect(target: &Target<'_>) -> std::io::Result<TcpStream> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return TcpStream::connect(SocketAddr::new(ip, target.port)).await;
    }
    let mut last = None;
    for addr in tokio::net::lookup_host((target.host, target.port)).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("the host `{}` has no address", target.host),
        )
    }))
}

/// The HTTP/2 handshake on a new connection, whose driver is spawned on the runtime.
async fn handshake_h2<T>(io: T) -> hyper::Result<Conn>
where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, conn) = http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .handshake(TokioIo::new(io))
        .await?;
    tokio::spawn(async move {
        if let Err(err) = conn.await {
            tracing::debug!(error = %error_chain(&err), "backend HTTP/2 connection ended");
        }
    });
    Ok(Conn::H2(sender))
}

/// Synapse's view of a request that failed once its connection was made.
fn map_error(err: &hyper::Error, uri: &Uri) -> SendError {
    let kind = crate::client::classify(err);
    let what = match kind {
        SendErrorKind::Timeout | SendErrorKind::SocketTimeout => {
            "the backend did not answer in time"
        }
        SendErrorKind::ConnectionClosed => {
            "the backend closed the connection before the response arrived"
        }
        SendErrorKind::ProtocolViolation => "the backend's response broke the HTTP protocol",
        SendErrorKind::InvalidRequest => "the request cannot be sent as given",
        SendErrorKind::ReceiveFailed => "reading the response failed",
        _ => "an I/O error on the connection",
    };
    SendError::new(kind, format!("{what} ({uri}): {}", error_chain(err)))
}

/// The socket timeout fired in `state`.
fn silent(uri: &Uri, socket_timeout: Duration, state: ProtocolState) -> SendError {
    let waiting = if state >= ProtocolState::RequestDone {
        "waiting for the response head"
    } else {
        "while the request was being sent"
    };
    SendError::new(
        SendErrorKind::SocketTimeout,
        format!(
            "the connection to {uri} was silent for the socket timeout of {} ms {waiting} (state {state})",
            socket_timeout.as_millis()
        ),
    )
    .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(uri: &str) -> (bool, String, u16, Option<String>) {
        let uri: Uri = uri.parse().unwrap();
        let t = Target::of(&uri).unwrap();
        let host = t.host_header().map(|h| h.to_str().unwrap().to_owned());
        (t.https, t.host.to_owned(), t.port, host)
    }

    #[test]
    fn targets_and_host_headers_follow_the_uri() {
        assert_eq!(
            target("http://localhost/x"),
            (false, "localhost".into(), 80, Some("localhost".into()))
        );
        assert_eq!(
            target("http://127.0.0.1:8280/x?y=1"),
            (
                false,
                "127.0.0.1".into(),
                8280,
                Some("127.0.0.1:8280".into())
            )
        );
        assert_eq!(
            target("https://h:443/"),
            (true, "h".into(), 443, Some("h".into()))
        );
        assert_eq!(
            target("HTTPS://h:80/"),
            (true, "h".into(), 80, Some("h:80".into()))
        );
        assert_eq!(
            target("http://[::1]:9000/a"),
            (false, "::1".into(), 9000, Some("[::1]:9000".into()))
        );
    }

    #[test]
    fn origin_form_keeps_path_and_query() {
        let o = |u: &str| origin_form(&u.parse().unwrap()).into_owned();
        assert_eq!(o("http://h:1/a/b?c=d"), "/a/b?c=d");
        assert_eq!(o("http://h:1"), "/");
        assert_eq!(o("http://h:1/"), "/");
        assert_eq!(o("http://h:1?x=1"), "/?x=1");
    }
}
