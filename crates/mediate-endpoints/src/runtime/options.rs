//! [`CallOptions`]: which answers count as failures of the endpoint, and the code such
//! failures carry (MI's blocking client); [`FailedResponse`]: the answer behind such a failure.

use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;
use mediate_core::{MediationError, codes};

/// The `ERROR_CODE` of every failure of MI's blocking client (`<call blocking="true">`) whose
/// Axis2 fault carries no numeric code (`SynapseConstants.BLOCKING_SENDER_OPERATION_FAILED`):
/// an error status, a SOAP fault, a refused connection, a timeout.
pub const BLOCKING_SENDER_OPERATION_FAILED: i32 = 401_002;

/// How [`Endpoints::call_with`](super::Endpoints::call_with) judges what a leaf's send gives:
/// which answers fail the endpoint, and the code its failures carry.
///
/// The default is [`Endpoints::call`](super::Endpoints::call)'s, a non-blocking `call`'s:
/// every answer is a response, and each failure has the runtime's own code (101503,
/// 101504…). [`CallOptions::blocking`] is what MI 4.4's blocking client gives the endpoints
/// (Synapse's `BlockingMsgSender`, whose failures go through the endpoint's `onFault`).
///
/// An answer taken as a failure is a failure of the leaf that sent: its suspension settings
/// (`markForSuspension`, `suspendOnFailure` `<errorCodes>`) and `retryConfig` see the
/// failure's code, a `<failover>` group sends the request (as it was before the send) to its
/// next ready child, a `<loadbalance>` group with `failover` too. When no child answers well,
/// the call returns the failure with the last answer applied to the message (status,
/// transport headers, body), even under a failover group, and the error's
/// [cause](std::error::Error::source) is a [`FailedResponse`] saying what came back. The
/// options apply to every leaf of the call, the implicit send to `To` included; when
/// [`fail_on_soap_fault`](Self::fail_on_soap_fault) is set, `FORCE_ERROR_ON_SOAP_FAULT` is not
/// read (MI's blocking client never looks at it).
///
/// ```
/// use mediate_endpoints::{BLOCKING_SENDER_OPERATION_FAILED, CallOptions};
///
/// let blocking = CallOptions::blocking();
/// assert!(blocking.fail_on_error_status && blocking.fail_on_soap_fault);
/// assert_eq!(blocking.error_code, Some(BLOCKING_SENDER_OPERATION_FAILED));
///
/// let mut custom = CallOptions::default();
/// custom.fail_on_error_status = true;
/// assert_eq!(custom.error_code, None, "a failed answer then carries 500000");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// An answer whose status is not 2xx fails the endpoint (Axis2's `transportError`):
    /// `ERROR_MESSAGE` `Transport error: 404 Error: Not Found`.
    pub fail_on_error_status: bool,
    /// An answer that is a SOAP 1.1 or 1.2 fault, whatever its status, fails the endpoint:
    /// `ERROR_MESSAGE` is its reason (`faultstring`, `Reason/Text`), `ERROR_DETAIL` its detail
    /// when it has one, and `ERROR_CODE` the fault code's local part when that is a number (as
    /// Axis2 reads the fault; `s:123` gives 123), else [`error_code`](Self::error_code). It is
    /// recognised as `FORCE_ERROR_ON_SOAP_FAULT` recognises one: a SOAP content type whose
    /// envelope's `Body` starts with a `Fault`, read into memory within the body's limit.
    pub fail_on_soap_fault: bool,
    /// The `ERROR_CODE` of every failure of a leaf's send: an answer failed by the two options
    /// above, and a transport failure or timeout, whose own code (`101xxx`) becomes its cause
    /// (`ERROR_DETAIL`) while `ERROR_MESSAGE` stays. `None`: the transport codes stay, and a
    /// failed answer carries [`ENDPOINT_CUSTOM_ERROR`](super::ENDPOINT_CUSTOM_ERROR) (500000).
    /// Failures of the endpoint itself (suspended 303001, no ready child 303000) keep theirs.
    pub error_code: Option<i32>,
    /// A timeout is a failure even when the endpoint's `responseAction` is `discard` (a
    /// blocking client has no timeout handler that could drop the message).
    pub timeout_always_fails: bool,
}

impl CallOptions {
    /// MI's blocking client: an error status and a SOAP fault fail the endpoint, every failure
    /// of a send carries [`BLOCKING_SENDER_OPERATION_FAILED`] (401002; what Synapse's
    /// `BlockingMsgSender` sets as `ERROR_CODE` before the endpoint's `onFault` reads it, a
    /// refused connection included), and a timeout always fails.
    pub const fn blocking() -> Self {
        Self {
            fail_on_error_status: true,
            fail_on_soap_fault: true,
            error_code: Some(BLOCKING_SENDER_OPERATION_FAILED),
            timeout_always_fails: true,
        }
    }

    /// The code of an answer failed by these options.
    pub(crate) fn answer_code(&self) -> i32 {
        self.error_code.unwrap_or(codes::ENDPOINT_CUSTOM_ERROR)
    }

    /// `error` as these options report it: with [`error_code`](Self::error_code), its own
    /// error becoming the cause (the message stays). Costs nothing without one.
    pub(crate) fn recode(&self, error: MediationError) -> MediationError {
        match self.error_code {
            Some(code) if code != error.code() => {
                MediationError::backend(code, error.message().to_owned())
                    .retryable(error.is_retryable())
                    .with_source(error)
            }
            _ => error,
        }
    }
}

/// What the backend answered when a call under [`CallOptions`] took the answer as a failure:
/// the [cause](std::error::Error::source) of the error the call returns. The message holds
/// that answer.
///
/// ```
/// use mediate_core::MediationError;
/// use mediate_endpoints::FailedResponse;
///
/// let plain = MediationError::backend(101503, "Error connecting to the back end");
/// assert_eq!(FailedResponse::of(&plain), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedResponse {
    /// The answer's status.
    pub status: StatusCode,
    /// Whether the answer was a SOAP fault (else its status failed it).
    pub soap_fault: bool,
}

impl FailedResponse {
    pub(crate) fn new(status: StatusCode, soap_fault: bool) -> Self {
        Self { status, soap_fault }
    }

    /// The answer behind `err`, when a call under [`CallOptions`] failed it.
    pub fn of(err: &MediationError) -> Option<&FailedResponse> {
        let mut cause = StdError::source(err);
        while let Some(c) = cause {
            if let Some(answer) = c.downcast_ref::<FailedResponse>() {
                return Some(answer);
            }
            cause = c.source();
        }
        None
    }
}

impl fmt::Display for FailedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.soap_fault {
            write!(f, "the backend answered {} with a SOAP fault", self.status)
        } else {
            write!(f, "the backend answered {}", self.status)
        }
    }
}

impl StdError for FailedResponse {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_changes_nothing_and_blocking_is_mi_s_client() {
        let default = CallOptions::default();
        assert!(!default.fail_on_error_status && !default.fail_on_soap_fault);
        assert!(!default.timeout_always_fails);
        let err = MediationError::backend(101_503, "refused");
        assert_eq!(default.recode(err).code(), 101_503);
        assert_eq!(default.answer_code(), 500_000);

        let blocking = CallOptions::blocking();
        assert!(blocking.timeout_always_fails);
        assert_eq!(blocking.answer_code(), 401_002);
    }

    #[test]
    fn recoding_keeps_the_message_and_the_original_error_as_cause() {
        let refused = MediationError::backend(101_503, "Error connecting to the back end")
            .with_detail("POST http://x/: refused")
            .retryable(true);
        let err = CallOptions::blocking().recode(refused);
        assert_eq!(err.code(), 401_002);
        assert_eq!(err.message(), "Error connecting to the back end");
        assert!(err.is_retryable());
        let detail = err.to_fault().detail.unwrap_or_default();
        assert!(detail.contains("POST http://x/: refused"), "{detail}");
        // Already the code: untouched.
        let same = CallOptions::blocking().recode(MediationError::backend(401_002, "x"));
        assert!(StdError::source(&same).is_none());
    }

    #[test]
    fn the_failed_response_is_found_in_the_cause_chain() {
        let answer = FailedResponse::new(StatusCode::INTERNAL_SERVER_ERROR, false);
        let err = MediationError::backend(401_002, "Transport error").with_source(answer);
        assert_eq!(FailedResponse::of(&err), Some(&answer));
        assert_eq!(
            answer.to_string(),
            "the backend answered 500 Internal Server Error"
        );
        let wrapped = MediationError::backend(1, "outer").with_source(err);
        assert_eq!(FailedResponse::of(&wrapped), Some(&answer));
    }
}
