//! The outbound transport seam: one HTTP exchange with a backend, as endpoints need it.
//!
//! Endpoints (`mediate-endpoints`) decide *where* and *whether* to send: addresses, load
//! balancing, failover, suspension, timeouts. A transport ([`HttpSender`], implemented on hyper
//! by `mediate-transport-http`) does the exchange: it sends an [`OutboundRequest`] and returns
//! the response head with its body still streaming, or a [`SendError`] that says what failed in
//! Synapse's terms ([`SendError::code`]: `101503` connection refused, `101504` timed out, …).
//!
//! A 4xx or 5xx answer is a response, not an error: it comes back as `Ok`.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use mediate_message::PendingBody;

use crate::codes;

/// The body of an outbound request.
#[derive(Debug, Default)]
pub enum OutboundBody {
    /// No body (`Content-Length: 0` for methods that carry one).
    #[default]
    Empty,
    /// A body in memory.
    Full(Bytes),
    /// A body still streaming in from the client (pass-through): sent chunk by chunk.
    Stream(PendingBody),
}

/// How a request is sent, beyond its method, URI, headers and body (MI's transport
/// properties).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendOptions {
    /// `DISABLE_CHUNKING` (or `FORCE_HTTP_CONTENT_LENGTH`): send a streamed body with a
    /// `Content-Length` instead of chunked: the length it arrived with, else the body is read
    /// into memory first to count it.
    pub disable_chunking: bool,
    /// `FORCE_HTTP_1.0`: send as HTTP/1.0.
    pub http_1_0: bool,
    /// `POST_TO_URI`: the HTTP/1 request line carries the whole URI (absolute form,
    /// `POST http://host:port/path HTTP/1.1`), as a request to a forward proxy does, instead
    /// of the path and query.
    pub post_to_uri: bool,
}

/// One request to a backend.
#[derive(Debug)]
#[non_exhaustive]
pub struct OutboundRequest {
    /// The method.
    pub method: Method,
    /// The absolute URI (`http://host:port/path?query`).
    pub uri: Uri,
    /// The headers to send. Hop-by-hop headers (`Connection`, `Keep-Alive`,
    /// `Transfer-Encoding`, `TE`, `Trailer`, `Upgrade`, `Proxy-*`), `Host` and
    /// `Content-Length` are the transport's to set; a sender ignores them here.
    pub headers: HeaderMap,
    /// The body.
    pub body: OutboundBody,
    /// Give up when the response head has not arrived this long after the request started
    /// (the endpoint's `<timeout><duration>`): [`SendErrorKind::Timeout`]. `None`: the
    /// sender's own default.
    pub timeout: Option<Duration>,
    /// Transport options.
    pub options: SendOptions,
}

impl OutboundRequest {
    /// A request with no headers, no body, no timeout and default options.
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: HeaderMap::new(),
            body: OutboundBody::Empty,
            timeout: None,
            options: SendOptions::default(),
        }
    }
}

/// A response from a backend: status, headers, and the body still streaming (`None`: no body).
pub type InboundResponse = http::Response<Option<PendingBody>>;

/// What failed in an exchange, in Synapse's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The connection could not be made (refused, unreachable, DNS): `101503`.
    ConnectFailed,
    /// Connecting took longer than the connect timeout: `101508`.
    ConnectTimeout,
    /// No response within the timeout: `101504`.
    Timeout,
    /// The backend closed or reset the connection before the response head: `101505`.
    ConnectionClosed,
    /// Writing the request failed (including the client's body failing mid-stream): `101500`.
    SendFailed,
    /// Reading the response failed: `101501`.
    ReceiveFailed,
    /// The backend broke the HTTP protocol: `101506`.
    ProtocolViolation,
    /// The request cannot be sent as given (a URI without scheme or host, a bad header):
    /// `101500`.
    InvalidRequest,
}

impl SendErrorKind {
    /// The Synapse error code (`ERROR_CODE`).
    pub fn code(self) -> i32 {
        match self {
            Self::ConnectFailed => codes::CONNECTION_FAILED,
            Self::ConnectTimeout => codes::CONNECT_TIMEOUT,
            Self::Timeout => codes::CONNECTION_TIMEOUT,
            Self::ConnectionClosed => codes::CONNECTION_CLOSED,
            Self::SendFailed | Self::InvalidRequest => codes::SND_IO_ERROR_SENDING,
            Self::ReceiveFailed => codes::SND_IO_ERROR_RECEIVING,
            Self::ProtocolViolation => codes::PROTOCOL_VIOLATION,
        }
    }
}

/// A failed exchange: what kind of failure, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    kind: SendErrorKind,
    message: String,
}

impl SendError {
    /// An error of `kind`.
    pub fn new(kind: SendErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// The Synapse error code (`ERROR_CODE`).
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Sends one request to a backend (see the [module](self) documentation).
///
/// Implementations pool connections, must not follow redirects or decompress, and must never
/// panic: every failure is a [`SendError`].
#[async_trait]
pub trait HttpSender: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` and returns the response head once it has arrived; its body streams.
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, SendError>;
}
