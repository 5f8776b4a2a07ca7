//! [`HyperSender`]: the pooled HTTP client endpoints send through.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Response, StatusCode, Uri, Version};
use mediate_core::format::strip_excluded_headers;
use mediate_core::transport::{
    HttpSender, InboundResponse, OutboundBody, OutboundRequest, SendError, SendErrorKind,
    SendOptions,
};
use mediate_message::{BodyError, DEFAULT_BODY_LIMIT, PendingBody};

use crate::body::{Peer, ResponseBody, incoming_stream};
use crate::pool::{Received, Shared, Target};
use crate::server::PreservedHeaders;
use tokio::time::Instant;

/// What MI's pass-through transport sends as `User-Agent` (`http.user.agent.preserve=false`).
pub const MI_USER_AGENT: &str = "Synapse-PT-HttpComponents-NIO";

/// Settings of a [`HyperSender`]. `Default` gives the values documented on each field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Give up connecting after this long: [`SendErrorKind::ConnectTimeout`] (`101508`).
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// MI's `http.socket.timeout` on the sender: how long a connection may stay silent while
    /// the request is written and its response head awaited. Past it the exchange fails with
    /// [`SendErrorKind::SocketTimeout`], whose code is `101504` plus the connection's
    /// [`ProtocolState`](mediate_core::transport::ProtocolState) (`101507` waiting for the
    /// head, `101505` while a request body is still being written), as MI's `TargetHandler`
    /// reports it. A request's own [`OutboundRequest::timeout`] (the endpoint's `<timeout>`)
    /// applies beside it and fails with [`SendErrorKind::Timeout`] (`101504`, no state), as
    /// Synapse's `TimeoutHandler`. Default 180 s.
    pub socket_timeout: Duration,
    /// How long a response body may stay silent once its head has arrived: a wait for its
    /// next chunk that lasts this long fails the body with a
    /// [`BodyError::Read`] ("the backend sent no body data for 180 s"), so that a mediator
    /// reading it fails, and a response streamed on to the client is cut (the client's
    /// connection is aborted, as in MI) instead of hanging. MI's `http.socket.timeout` on
    /// the sender. Default 180 s; `None`: no limit.
    pub body_idle_timeout: Option<Duration>,
    /// How long an idle keep-alive connection stays in the pool. Default 60 s.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host (`scheme://host:port`). Default 64.
    pub pool_max_idle_per_host: usize,
    /// Speak HTTP/2 with prior knowledge (h2c) to every backend instead of HTTP/1.1.
    /// Default `false`.
    pub http2_prior_knowledge: bool,
    /// The limit on a response body read into memory ([`PendingBody::with_limit`]), and on a
    /// streamed request body read to send it with `Content-Length` (`DISABLE_CHUNKING`).
    /// Default [`DEFAULT_BODY_LIMIT`] (64 MiB).
    pub body_limit: usize,
    /// The `User-Agent` sent to backends when the message's own is not preserved
    /// ([`preserve_headers`](Self::preserve_headers)). Default [`MI_USER_AGENT`]; `None`
    /// sends none.
    pub user_agent: Option<String>,
    /// The message's headers that go to backends as they are instead of the transport's own
    /// (MI's `http.headers.preserve` and `http.user.agent.preserve`): `User-Agent` and
    /// `Date` are sent from the message when preserved; otherwise the message's are dropped
    /// and [`user_agent`](Self::user_agent) is sent. Default
    /// [`PreservedHeaders::MI_DEFAULT`] (the message's `User-Agent` is not forwarded, as in
    /// MI).
    pub preserve_headers: PreservedHeaders,
    /// The TLS configuration for `https://` backends (feature `tls`); `None`: the platform's
    /// CA certificates ([`native_client_config`](crate::tls::native_client_config)).
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            socket_timeout: Duration::from_secs(180),
            body_idle_timeout: Some(Duration::from_secs(180)),
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 64,
            http2_prior_knowledge: false,
            body_limit: DEFAULT_BODY_LIMIT,
            user_agent: Some(MI_USER_AGENT.to_owned()),
            preserve_headers: PreservedHeaders::MI_DEFAULT,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// The HTTP client of the engine: a keep-alive pool of HTTP/1.1 connections driven by the
/// requests themselves (the crate's own HTTP/1.1 client on `httparse`; hyper's
/// connection-level client for HTTP/2), behind [`HttpSender`]. Cheap to clone (clones share
/// the pool).
///
/// - Keep-alive pool per host and per thread that sends (a connection is driven by the
///   runtime that opened it), idle connections dropped after
///   [`ClientConfig::pool_idle_timeout`]; a request that a pooled connection could not start
///   (the backend had closed it) is sent on another.
/// - HTTP/1.1 to `http://` URIs (HTTP/2 with [`ClientConfig::http2_prior_knowledge`]);
///   `FORCE_HTTP_1.0` sends HTTP/1.0; the request line carries the path and query, or the
///   whole URI with `POST_TO_URI` ([`SendOptions::post_to_uri`](mediate_core::transport::SendOptions::post_to_uri)).
///   `https://` with the `tls` feature (HTTP/2 then by ALPN when
///   [`ClientConfig::http2_prior_knowledge`] is set).
/// - Requests carry MI's headers: the message's own minus the excluded ones
///   ([`mediate_core::format::is_excluded_header`], and the headers `Connection` names);
///   `Host` from the URI, `Content-Length` or chunking from the body, `User-Agent` from
///   [`ClientConfig::user_agent`].
/// - No redirects followed, no decompression: the backend's answer is the answer.
/// - Request bodies stream chunk by chunk ([`OutboundBody::Stream`]), never buffered, unless
///   `DISABLE_CHUNKING` or `FORCE_HTTP_1.0` asks for a `Content-Length`; response bodies come
///   back streaming as a [`PendingBody`] (`None` for `HEAD`, `1xx`, `204`, `304` and empty
///   bodies).
/// - Every failure is a [`SendError`] with Synapse's code (see the crate documentation).
///
/// It must be used inside a tokio runtime (with the time driver).
#[derive(Clone)]
pub struct HyperSender {
    /// The settings and one pool per thread that sends: its connections are spawned on, and
    /// driven by, that thread's runtime, so a request and its connection never wake each
    /// other across threads (a `current_thread` runtime per core).
    shared: Arc<Shared>,
    /// [`ClientConfig::user_agent`] as a header value, made once (`None`: none, or not a
    /// valid header value).
    user_agent: Option<HeaderValue>,
}

impl fmt::Debug for HyperSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperSender")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Default for HyperSender {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperSender {
    /// A sender with the default [`ClientConfig`].
    pub fn new() -> Self {
        Self::with_config(ClientConfig::default())
    }

    /// A sender with `config`.
    pub fn with_config(config: ClientConfig) -> Self {
        // MI's agent is static text: its clones then share no counter between threads.
        let user_agent = config.user_agent.as_deref().and_then(|agent| {
            if agent == MI_USER_AGENT {
                Some(HeaderValue::from_static(MI_USER_AGENT))
            } else {
                HeaderValue::from_str(agent).ok()
            }
        });
        Self {
            shared: Arc::new(Shared::new(config)),
            user_agent,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// Reads a streamed body of unknown length to send it with a `Content-Length`
    /// (`DISABLE_CHUNKING`, `FORCE_HTTP_1.0`), up to [`ClientConfig::body_limit`].
    async fn read_to_send(&self, pending: PendingBody) -> Result<ResponseBody, SendError> {
        let pending = pending.with_limit(self.shared.config.body_limit);
        let bytes = pending.read().await.map_err(|e| {
            SendError::new(
                SendErrorKind::SendFailed,
                format!("reading the request body to send it with a Content-Length failed: {e}"),
            )
        })?;
        Ok(ResponseBody::full(bytes))
    }

    /// The request head as it goes to the backend: the message's headers less the excluded
    /// ones, with the transport's `User-Agent` (or the message's own, when preserved).
    fn head(
        &self,
        method: &Method,
        mut headers: HeaderMap,
        http_1_0: bool,
    ) -> http::request::Parts {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.method = method.clone();
        if http_1_0 {
            parts.version = Version::HTTP_10;
        }
        let preserve = self.shared.config.preserve_headers;
        let kept = |headers: &HeaderMap, name: &header::HeaderName| {
            preserve
                .preserves(name)
                .then(|| headers.get(name).cloned())
                .flatten()
        };
        let agent = kept(&headers, &header::USER_AGENT);
        let date = kept(&headers, &header::DATE);
        strip_excluded_headers(&mut headers);
        if let Some(agent) = agent {
            headers.insert(header::USER_AGENT, agent);
        } else if let Some(agent) = &self.user_agent {
            headers.insert(header::USER_AGENT, agent.clone());
        }
        if let Some(date) = date {
            headers.insert(header::DATE, date);
        }
        parts.headers = headers;
        parts
    }

    /// Sends `body` with the head of `method` and `headers` to `uri`, and makes the answer an
    /// [`InboundResponse`]. Not `async`: the future is the pool's exchange and a synchronous
    /// step after it, so that what the request holds is stored once in it (an `async fn`
    /// keeps its arguments beside the copies it hands on).
    #[allow(clippy::too_many_arguments)]
    fn exchange(
        &self,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: ResponseBody,
        options: SendOptions,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<InboundResponse, SendError>> + Send + '_ {
        let parts = self.head(&method, headers, options.http_1_0);
        let config = &self.shared.config;
        let (limit, idle) = (config.body_limit, config.body_idle_timeout);
        self.shared
            .send(parts, body, uri, options.post_to_uri, deadline, timeout)
            .map(move |sent| Ok(inbound(sent?, &method, limit, idle)))
    }
}

/// The pool's answer as an [`InboundResponse`]: its body (if any) streaming, read up to `limit`.
fn inbound(
    response: Response<Received>,
    method: &Method,
    limit: usize,
    idle: Option<Duration>,
) -> InboundResponse {
    let (parts, received) = response.into_parts();
    let body = match received {
        Received::None => None,
        // The connection goes with the unread body.
        Received::H1(body) => {
            let length = body.length();
            Some(PendingBody::new(Box::into_pin(body), length).with_limit(limit))
        }
        Received::H2(incoming) => {
            let no_body = *method == Method::HEAD
                || parts.status.is_informational()
                || parts.status == StatusCode::NO_CONTENT
                || parts.status == StatusCode::NOT_MODIFIED
                || http_body::Body::is_end_stream(&incoming);
            (!no_body).then(|| {
                let length = content_length(&parts.headers);
                PendingBody::new(incoming_stream(incoming, idle, Peer::Backend), length)
                    .with_limit(limit)
            })
        }
    };
    http::Response::from_parts(parts, body)
}

/// The future of [`HttpSender::send`], as `#[async_trait]` declares it.
type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<InboundResponse, SendError>> + Send + 'a>>;

#[async_trait]
impl HttpSender for HyperSender {
    fn enforces_timeout(&self) -> bool {
        true
    }

    // Not `async`: the head is made and the body framed before the future is boxed, so that
    // the box (one per request) holds the exchange and little else. The whole send keeps to
    // the deadline (`enforces_timeout`): reading a body to send it with a length, waiting for
    // a connection, writing, and the answer's head.
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: OutboundRequest,
    ) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let OutboundRequest {
            method,
            uri,
            headers,
            body,
            timeout,
            options,
            ..
        } = request;
        let deadline = timeout.map(|t| Instant::now() + t);
        let with_length = options.disable_chunking || options.http_1_0;
        let body = match body {
            OutboundBody::Empty => ResponseBody::empty(),
            OutboundBody::Full(bytes) => ResponseBody::full(bytes),
            // A stream whose length is not known is read first to count it (rare: a future
            // of its own); one whose length is known goes with that Content-Length as it is.
            OutboundBody::Stream(pending) if with_length && pending.content_length().is_none() => {
                return Box::pin(async move {
                    check_uri(&uri)?;
                    let read = self.read_to_send(pending);
                    let body = match deadline {
                        None => read.await?,
                        Some(at) => tokio::time::timeout_at(at, read)
                            .await
                            .map_err(|_| crate::pool::late(&uri, timeout))??,
                    };
                    self.exchange(method, uri, headers, body, options, deadline, timeout)
                        .await
                });
            }
            OutboundBody::Stream(pending) => ResponseBody::stream(pending),
        };
        Box::pin(self.exchange(method, uri, headers, body, options, deadline, timeout))
    }
}

/// The `Content-Length` header, when it is one number.
pub(crate) fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()?.trim().parse().ok()
}

/// Where `uri` sends to, once it is checked: absolute, `http` (or `https` with the `tls`
/// feature), with a host.
pub(crate) fn check_uri(uri: &Uri) -> Result<Target<'_>, SendError> {
    let invalid = |why: &str| {
        Err(SendError::new(
            SendErrorKind::InvalidRequest,
            format!("cannot send to `{uri}`: {why}"),
        ))
    };
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => {}
        Some(s) if s.eq_ignore_ascii_case("https") && cfg!(feature = "tls") => {}
        Some(s) if s.eq_ignore_ascii_case("https") => {
            return invalid("https needs the `tls` feature of mediate-transport-http");
        }
        Some(s) => return invalid(&format!("the scheme `{s}` is not http")),
        None => return invalid("the URI is not absolute (no scheme)"),
    }
    match Target::of(uri) {
        Some(target) => Ok(target),
        None => invalid("the URI has no host"),
    }
}

/// An error and its causes, outermost first.
fn error_sources<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

/// Whether the exchange failed because the request body (the client's stream) failed while
/// it was being written: not a failure of the backend connection, so no protocol state is
/// added to its code.
pub(crate) fn is_request_body_error(err: &hyper::Error) -> bool {
    error_sources(err).any(|e| e.is::<BodyError>())
}

/// Synapse's kind of a failed exchange once its connection was made (see the crate
/// documentation's table).
pub(crate) fn classify(err: &hyper::Error) -> SendErrorKind {
    let chain = || error_sources(err);
    if is_request_body_error(err) {
        return SendErrorKind::SendFailed;
    }
    for e in chain() {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            // A clean end of input is a close (Synapse's `TargetHandler.closed`); any other
            // I/O error, a reset included, is an I/O error (`TargetHandler.exception`:
            // `SND_IO_ERROR`).
            return match io.kind() {
                io::ErrorKind::UnexpectedEof => SendErrorKind::ConnectionClosed,
                io::ErrorKind::TimedOut => SendErrorKind::SocketTimeout,
                _ => SendErrorKind::SendFailed,
            };
        }
    }
    for e in chain() {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_parse() {
                return SendErrorKind::ProtocolViolation;
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return SendErrorKind::ConnectionClosed;
            }
            if h.is_timeout() {
                return SendErrorKind::SocketTimeout;
            }
            if h.is_body_write_aborted() {
                return SendErrorKind::SendFailed;
            }
            if h.is_user() {
                return SendErrorKind::InvalidRequest;
            }
        }
    }
    SendErrorKind::SendFailed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_that_cannot_be_sent_are_invalid_requests() {
        let https: &[&str] = if cfg!(feature = "tls") {
            &[]
        } else {
            &["https://h/x"]
        };
        for uri in ["/relative", "ftp://h/x"].iter().chain(https) {
            let err = check_uri(&uri.parse().unwrap()).unwrap_err();
            assert_eq!(err.kind(), SendErrorKind::InvalidRequest, "{uri}");
            assert_eq!(err.code(), 101_500);
        }
        assert!(check_uri(&"http://localhost:8280/x?y=1".parse().unwrap()).is_ok());
    }

    #[test]
    fn content_length_is_one_number() {
        let mut h = http::HeaderMap::new();
        assert_eq!(content_length(&h), None);
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(content_length(&h), Some(12));
        h.append(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(content_length(&h), None);
    }
}
