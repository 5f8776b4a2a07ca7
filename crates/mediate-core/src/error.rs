//! [`MediationError`]: one error type carrying what a fault sequence needs.

use std::error::Error as StdError;
use std::fmt::Write as _;

use mediate_message::Fault;

/// Synapse error codes (`org.apache.synapse.SynapseConstants`), the values a fault sequence sees
/// in `ERROR_CODE`.
pub mod codes {
    /// A generic mediator failure (`SynapseConstants.DEFAULT_ERROR`), what `FaultHandler` records
    /// for an exception that set no code of its own.
    pub const DEFAULT_ERROR: i32 = 0;
    /// I/O error while the listener sent the response (`RCV_IO_ERROR_SENDING`).
    pub const RCV_IO_ERROR_SENDING: i32 = 101_000;
    /// I/O error while the listener received the request (`RCV_IO_ERROR_RECEIVING`).
    pub const RCV_IO_ERROR_RECEIVING: i32 = 101_001;
    /// I/O error while sending to the backend (`SND_IO_ERROR_SENDING`).
    pub const SND_IO_ERROR_SENDING: i32 = 101_500;
    /// I/O error while receiving from the backend (`SND_IO_ERROR_RECEIVING`).
    pub const SND_IO_ERROR_RECEIVING: i32 = 101_501;
    /// The backend connection could not be made (`NHTTP_CONNECTION_FAILED`).
    pub const CONNECTION_FAILED: i32 = 101_503;
    /// The backend did not answer in time (`NHTTP_CONNECTION_TIMEOUT`).
    pub const CONNECTION_TIMEOUT: i32 = 101_504;
    /// The backend closed the connection (`NHTTP_CONNECTION_CLOSED`).
    pub const CONNECTION_CLOSED: i32 = 101_505;
    /// The backend broke the HTTP protocol (`NHTTP_PROTOCOL_VIOLATION`).
    pub const PROTOCOL_VIOLATION: i32 = 101_506;
    /// Connecting was cancelled (`NHTTP_CONNECT_CANCEL`).
    pub const CONNECT_CANCEL: i32 = 101_507;
    /// Connecting timed out (`NHTTP_CONNECT_TIMEOUT`).
    pub const CONNECT_TIMEOUT: i32 = 101_508;
    /// The backend's response could not be processed (`NHTTP_RESPONSE_PROCESSING_FAILURE`).
    pub const RESPONSE_PROCESSING_FAILURE: i32 = 101_510;
    /// No child of a load-balance, failover or recipient-list endpoint is ready
    /// (`ENDPOINT_LB_NONE_READY` and its two twins).
    pub const ENDPOINT_NONE_READY: i32 = 303_000;
    /// An address endpoint is suspended or timed out (`ENDPOINT_ADDRESS_NONE_READY`).
    pub const ENDPOINT_ADDRESS_NONE_READY: i32 = 303_001;
    /// Endpoint authentication failed (`ENDPOINT_AUTH_FAILURE`).
    pub const ENDPOINT_AUTH_FAILURE: i32 = 303_003;
    /// The message could not be parsed as XML or JSON (`MESSAGE_PARSING_ERROR`).
    pub const MESSAGE_PARSING_ERROR: i32 = 601_000;
    /// A backend answered with a SOAP fault while the request held
    /// `FORCE_ERROR_ON_SOAP_FAULT=true`: the endpoint is failed
    /// (`SynapseConstants.ENDPOINT_CUSTOM_ERROR`).
    pub const ENDPOINT_CUSTOM_ERROR: i32 = 500_000;
    /// A named sequence or a sequence template could not be entered because the message is
    /// already [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) levels deep: a configuration that
    /// calls itself without end.
    ///
    /// mediate's own code: Synapse has no such bound (it overflows the stack), so none of its
    /// codes applies. It sits next to `500101`, the code `TemplateContext` gives a missing
    /// mandatory template parameter, in no range Synapse's `SynapseConstants` uses.
    pub const NESTING_LIMIT_EXCEEDED: i32 = 500_102;
    /// A body too large to read into memory (over the transport's limit, 64 MiB by default):
    /// mediate's own code (MI has none); an HTTP transport answers `413 Payload Too Large`
    /// when no fault sequence responds.
    pub const BODY_TOO_LARGE: i32 = 601_413;
}

/// Where a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// The client's request was at fault (bad payload, missing parameter…).
    Client,
    /// The backend failed (connection refused, timeout, bad response…).
    Backend,
    /// The mediation itself failed (a mediator's bug or configuration).
    Internal,
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// A failed mediation: everything a fault sequence needs to handle it.
///
/// It carries the Synapse error code (see [`codes`]), a one-line message, an optional detail,
/// where it came from ([`Origin`]), whether trying again may succeed, and the underlying cause.
/// When a sequence receives one from a mediator it records these as the message's fault facts
/// (`ERROR_CODE`, `ERROR_MESSAGE`, `ERROR_DETAIL`, `ERROR_EXCEPTION`) and runs the nearest fault
/// handler; see [`Sequence`](crate::Sequence).
///
/// Match on [`code`](Self::code) and the `is_*` predicates, not on the `Display` text, which
/// may change between releases.
///
/// ```
/// use mediate_core::{MediationError, Origin, codes};
///
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let err = MediationError::backend(codes::CONNECTION_FAILED, "connection refused")
///     .retryable(true)
///     .with_source(refused);
/// assert!(err.is_backend() && err.is_retryable() && err.is_connection_failure());
/// assert_eq!(err.code(), 101503);
/// assert_eq!(err.origin(), Origin::Backend);
/// assert!(std::error::Error::source(&err).is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}", self.display())]
pub struct MediationError {
    code: i32,
    message: String,
    detail: Option<String>,
    origin: Origin,
    retryable: bool,
    #[source]
    source: Option<Source>,
}

impl MediationError {
    /// An error with the given Synapse code, origin and message; not retryable, no detail.
    pub fn new(code: i32, origin: Origin, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            origin,
            retryable: false,
            source: None,
        }
    }

    /// A generic mediator failure: code [`codes::DEFAULT_ERROR`], origin [`Origin::Internal`].
    pub fn mediator(message: impl Into<String>) -> Self {
        Self::new(codes::DEFAULT_ERROR, Origin::Internal, message)
    }

    /// The client's request is at fault ([`Origin::Client`]).
    pub fn client(code: i32, message: impl Into<String>) -> Self {
        Self::new(code, Origin::Client, message)
    }

    /// The backend failed ([`Origin::Backend`]).
    pub fn backend(code: i32, message: impl Into<String>) -> Self {
        Self::new(code, Origin::Backend, message)
    }

    /// The message, then the detail when there is one (`Failed to get the source for
    /// Enriching : No results for path: $.x`): what `Display` shows. The fault facts keep them
    /// apart (`ERROR_MESSAGE`, `ERROR_DETAIL`).
    fn display(&self) -> String {
        match self.detail.as_deref().map(str::trim) {
            None | Some("") => self.message.clone(),
            Some(detail) if detail == self.message.trim() => self.message.clone(),
            Some(detail) => {
                let message = self.message.trim_end();
                if message.ends_with(':') {
                    format!("{message} {detail}")
                } else {
                    format!("{message}: {detail}")
                }
            }
        }
    }

    /// Sets the detail (`ERROR_DETAIL`).
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Marks whether trying again may succeed.
    #[must_use]
    pub fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// The Synapse error code (`ERROR_CODE`).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The message (`ERROR_MESSAGE` gets its first line).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The detail, if one was given.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Where the failure came from.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// `true` if the client's request was at fault.
    pub fn is_client(&self) -> bool {
        self.origin == Origin::Client
    }

    /// `true` if the backend failed.
    pub fn is_backend(&self) -> bool {
        self.origin == Origin::Backend
    }

    /// `true` if the mediation itself failed.
    pub fn is_internal(&self) -> bool {
        self.origin == Origin::Internal
    }

    /// `true` if trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// `true` for the timeout codes ([`codes::CONNECTION_TIMEOUT`], [`codes::CONNECT_TIMEOUT`]).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.code,
            codes::CONNECTION_TIMEOUT | codes::CONNECT_TIMEOUT
        )
    }

    /// `true` for [`codes::CONNECTION_FAILED`].
    pub fn is_connection_failure(&self) -> bool {
        self.code == codes::CONNECTION_FAILED
    }

    /// `true` for [`codes::NESTING_LIMIT_EXCEEDED`]: sequences or templates nested beyond
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH), a configuration calling itself.
    pub fn is_nesting_limit(&self) -> bool {
        self.code == codes::NESTING_LIMIT_EXCEEDED
    }

    /// The fault facts Synapse's `FaultHandler` records for this error: `ERROR_CODE`, the
    /// first line of the message as `ERROR_MESSAGE`, the detail (else the chain of causes) as
    /// `ERROR_DETAIL`, and the error with its causes as `ERROR_EXCEPTION`.
    pub fn to_fault(&self) -> Fault {
        let mut chain = String::new();
        let mut cause = StdError::source(self);
        while let Some(c) = cause {
            if !chain.is_empty() {
                chain.push_str("\ncaused by: ");
            }
            let _ = write!(chain, "{c}");
            cause = c.source();
        }
        let exception = if chain.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.message, chain.replace("\ncaused by: ", ": "))
        };
        let detail = self
            .detail
            .clone()
            .or_else(|| (!chain.is_empty()).then_some(chain));
        Fault {
            code: Some(self.code),
            message: Some(self.message.lines().next().unwrap_or_default().to_owned()),
            detail,
            exception: Some(exception),
        }
    }
}

impl From<mediate_message::Error> for MediationError {
    fn from(err: mediate_message::Error) -> Self {
        Self::mediator(err.to_string()).with_source(err)
    }
}

impl From<mediate_expr::EvaluationError> for MediationError {
    fn from(err: mediate_expr::EvaluationError) -> Self {
        Self::mediator(err.to_string()).with_source(err)
    }
}

/// The error for a body that could not be read into memory: too large
/// ([`codes::BODY_TOO_LARGE`], the client's or backend's fault), or cut off while arriving
/// ([`codes::RCV_IO_ERROR_RECEIVING`] for a request, [`codes::SND_IO_ERROR_RECEIVING`] for a
/// response).
pub(crate) fn body_error(err: mediate_message::BodyError, response: bool) -> MediationError {
    use mediate_message::BodyError;
    let origin = if response {
        Origin::Backend
    } else {
        Origin::Client
    };
    let code = match &err {
        BodyError::TooLarge { .. } => codes::BODY_TOO_LARGE,
        _ if response => codes::SND_IO_ERROR_RECEIVING,
        _ => codes::RCV_IO_ERROR_RECEIVING,
    };
    MediationError::new(code, origin, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_facts_take_first_line_and_cause_chain() {
        let io = std::io::Error::other("refused");
        let err = MediationError::backend(codes::CONNECTION_FAILED, "connect failed\nmore")
            .with_source(io);
        let fault = err.to_fault();
        assert_eq!(fault.code, Some(101_503));
        assert_eq!(fault.message.as_deref(), Some("connect failed"));
        assert_eq!(fault.detail.as_deref(), Some("refused"));
        assert!(fault.exception.unwrap().ends_with(": refused"));
    }

    #[test]
    fn explicit_detail_wins_and_predicates_hold() {
        let err = MediationError::client(400, "bad").with_detail("field x");
        assert_eq!(err.to_fault().detail.as_deref(), Some("field x"));
        assert!(err.is_client() && !err.is_backend() && !err.is_internal());
        assert!(!err.is_retryable() && !err.is_timeout());
        let t = MediationError::backend(codes::CONNECT_TIMEOUT, "t").retryable(true);
        assert!(t.is_timeout() && t.is_retryable());
        assert!(MediationError::mediator("x").is_internal());
        assert_eq!(MediationError::mediator("x").code(), codes::DEFAULT_ERROR);
    }
}
