//! The outbound transport seam: one HTTP exchange with a backend, as endpoints need it.
//!
//! Endpoints (`mediate-endpoints`) decide *where* and *whether* to send: addresses, load
//! balancing, failover, suspension, timeouts. A transport ([`HttpSender`], implemented on hyper
//! by `mediate-transport-http`) does the exchange: it sends an [`OutboundRequest`] and returns
//! the response head with its body still streaming, or a [`SendError`] that says what failed in
//! Synapse's terms ([`SendError::code`]: `101503` connection refused, `101504` timed out, …).
//!
//! A 4xx or 5xx answer is a response, not an error: it comes back as `Ok`.
//!
//! # Error codes and the protocol state
//!
//! MI's pass-through transport reports a failure on an open connection as its base code plus
//! the connection's [`ProtocolState`] (Synapse's `TargetErrorHandler` adds the state's ordinal
//! to every code the `TargetHandler` raises, always: no property turns it off), so a
//! [`SendError`] carries the state it happened in and [`SendError::code`] is that sum:
//!
//! | failure | state | `ERROR_CODE` |
//! |---|---|---|
//! | connection refused, unreachable | `REQUEST_READY` (0) | 101503 |
//! | connect timeout | `REQUEST_READY` (0) | 101508 |
//! | socket timeout while the request body is written | `REQUEST_HEAD` (1) | 101505 |
//! | socket timeout waiting for the response head | `REQUEST_DONE` (3) | 101507 |
//! | backend closed the connection before answering | `REQUEST_DONE` (3) | 101508 |
//! | I/O error (reset) before the response head | `REQUEST_DONE` (3) | 101503 |
//! | malformed response head | `REQUEST_DONE` (3) | 101509 |
//! | the request's own deadline ([`OutboundRequest::timeout`], the endpoint's `<timeout>`: Synapse's `TimeoutHandler`, not the transport) | none | 101504 |
//!
//! The sums collide with other base codes (101507 is also `CONNECT_CANCEL`, 101508
//! `CONNECT_TIMEOUT`): that is MI's arithmetic, and what its fault sequences and its
//! endpoints' `<errorCodes>` lists see. Those lists match exact codes, so
//! `<errorCodes>101504</errorCodes>` does not match a socket timeout reported as 101507.
//!
//! Once the response head has arrived the exchange has succeeded: a timeout or a close while
//! its body streams (`RESPONSE_HEAD`, `RESPONSE_BODY`) fails the body's reader, not the send
//! (Synapse raises no endpoint fault for a timeout in those states, and the fault it raises
//! for a close finds the response callback already consumed).

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

/// The state of a backend connection when an exchange on it failed: Synapse's pass-through
/// `ProtocolState`, whose ordinal MI adds to the base error code (see the
/// [module](self) documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ProtocolState {
    /// The connection is ready for a request; nothing sent yet (also every failure to
    /// connect). Adds 0.
    #[default]
    RequestReady,
    /// The request head is submitted and its body is being written (Synapse's `TargetRequest`
    /// keeps this state until the body's last byte). Adds 1.
    RequestHead,
    /// Writing the request body (Synapse defines it; its sender does not enter it). Adds 2.
    RequestBody,
    /// The request is completely sent; the response head is awaited. Adds 3.
    RequestDone,
    /// The response head is being read. Adds 4.
    ResponseHead,
    /// The response body is being read. Adds 5.
    ResponseBody,
    /// The response is complete. Adds 6.
    ResponseDone,
    /// The connection is closing. Adds 7.
    Closing,
    /// The connection is closed. Adds 8.
    Closed,
}

impl ProtocolState {
    /// The ordinal MI adds to the base code.
    pub fn ordinal(self) -> i32 {
        self as i32
    }

    /// MI's name (`REQUEST_DONE`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestReady => "REQUEST_READY",
            Self::RequestHead => "REQUEST_HEAD",
            Self::RequestBody => "REQUEST_BODY",
            Self::RequestDone => "REQUEST_DONE",
            Self::ResponseHead => "RESPONSE_HEAD",
            Self::ResponseBody => "RESPONSE_BODY",
            Self::ResponseDone => "RESPONSE_DONE",
            Self::Closing => "CLOSING",
            Self::Closed => "CLOSED",
        }
    }
}

impl fmt::Display for ProtocolState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What failed in an exchange, in Synapse's terms. [`code`](Self::code) is the base code;
/// [`SendError::code`] adds the [`ProtocolState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The connection could not be made (refused, unreachable, DNS): `101503`.
    ConnectFailed,
    /// Connecting took longer than the connect timeout: `101508`.
    ConnectTimeout,
    /// No response head within the request's own deadline ([`OutboundRequest::timeout`]: the
    /// endpoint's `<timeout>`, Synapse's `TimeoutHandler`): `101504`, no state added.
    Timeout,
    /// The connection stayed silent for the sender's socket timeout (MI's
    /// `http.socket.timeout`) before the response head: `101504` plus the state.
    SocketTimeout,
    /// The backend closed the connection before the response head: `101505` plus the state.
    ConnectionClosed,
    /// An I/O error on the connection (a reset, a broken pipe), or the client's body failing
    /// while it was being written: `101500` plus the state.
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
            Self::Timeout | Self::SocketTimeout => codes::CONNECTION_TIMEOUT,
            Self::ConnectionClosed => codes::CONNECTION_CLOSED,
            Self::SendFailed | Self::InvalidRequest => codes::SND_IO_ERROR_SENDING,
            Self::ReceiveFailed => codes::SND_IO_ERROR_RECEIVING,
            Self::ProtocolViolation => codes::PROTOCOL_VIOLATION,
        }
    }
}

/// A failed exchange: what kind of failure, the connection's [`ProtocolState`] when it
/// happened, and a message for people.
///
/// ```
/// use mediate_core::transport::{ProtocolState, SendError, SendErrorKind};
///
/// let refused = SendError::new(SendErrorKind::ConnectFailed, "connection refused");
/// assert_eq!(refused.code(), 101_503);
/// // The backend closed the connection after the request was sent, before answering.
/// let closed = SendError::new(SendErrorKind::ConnectionClosed, "closed")
///     .with_state(ProtocolState::RequestDone);
/// assert_eq!((closed.base_code(), closed.code()), (101_505, 101_508));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    kind: SendErrorKind,
    state: ProtocolState,
    message: String,
}

impl SendError {
    /// An error of `kind` in the state [`ProtocolState::RequestReady`] (nothing added to the
    /// code).
    pub fn new(kind: SendErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            state: ProtocolState::RequestReady,
            message: message.into(),
        }
    }

    /// The same error, raised in the connection state `state`.
    #[must_use]
    pub fn with_state(mut self, state: ProtocolState) -> Self {
        self.state = state;
        self
    }

    /// The kind.
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// The connection's state when the exchange failed.
    pub fn state(&self) -> ProtocolState {
        self.state
    }

    /// The kind's base code, without the state.
    pub fn base_code(&self) -> i32 {
        self.kind.code()
    }

    /// The Synapse error code (`ERROR_CODE`): the base code plus the state's ordinal, as MI's
    /// pass-through transport reports it.
    pub fn code(&self) -> i32 {
        self.kind.code() + self.state.ordinal()
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

    /// Whether [`send`](Self::send) itself fails with [`SendErrorKind::Timeout`] once
    /// [`OutboundRequest::timeout`] has passed, whatever it is waiting for. When it does not
    /// (the default), the caller puts a timer of its own around every send; a sender that
    /// keeps the deadline saves that timer on every request.
    fn enforces_timeout(&self) -> bool {
        false
    }
}

/// The host of an absolute URI as [`Uri::host`] gives it (an IPv6 address in its brackets),
/// read with a plain scan of the authority: `Uri::host` splits with a `char` pattern, several
/// hundred instructions for a short authority, and a proxied request asks three times.
///
/// ```
/// use http::Uri;
/// use mediate_core::transport::uri_host;
///
/// let uri: Uri = "http://user@[::1]:8080/orders".parse().unwrap();
/// assert_eq!(uri_host(&uri), Some("[::1]"));
/// assert_eq!(uri_host(&"/relative".parse().unwrap()), None);
/// ```
pub fn uri_host(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let host_port = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let end = if host_port.starts_with('[') {
        host_port.bytes().position(|b| b == b']').map(|i| i + 1)
    } else {
        host_port.bytes().position(|b| b == b':')
    };
    Some(&host_port[..end.unwrap_or(host_port.len())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uri_host_reads_the_host_out_of_the_authority() {
        for (uri, host) in [
            ("http://127.0.0.1:18080/direct", Some("127.0.0.1")),
            ("http://backend/", Some("backend")),
            (
                "https://user:secret@example.com:8443/x?y",
                Some("example.com"),
            ),
            ("http://[::1]:9000/", Some("[::1]")),
            ("http://[fe80::1]/", Some("[fe80::1]")),
            ("http://a@b@c:1/", Some("c")),
            ("/only/a/path", None),
        ] {
            let parsed: Uri = uri.parse().unwrap();
            assert_eq!(uri_host(&parsed), host, "{uri}");
            assert_eq!(uri_host(&parsed), parsed.host(), "{uri} against Uri::host");
        }
    }

    proptest! {
        /// Whatever `http` accepts as a URI, the scan and `Uri::host` agree.
        #[test]
        fn uri_host_agrees_with_uri_host(
            user in proptest::option::of("[a-z:]{0,6}"),
            host in "([a-z0-9.-]{0,12}|\\[[0-9a-f:]{2,10}\\])",
            port in proptest::option::of(0u16..),
            path in "(/[a-z0-9]{0,5}){0,3}",
        ) {
            let user = user.map(|u| format!("{u}@")).unwrap_or_default();
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let text = format!("http://{user}{host}{port}{path}");
            if let Ok(uri) = text.parse::<Uri>() {
                prop_assert_eq!(uri_host(&uri), uri.host(), "{}", text);
            }
        }
    }
}
