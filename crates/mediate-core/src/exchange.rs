//! What a message carries about its exchange with a client: where its reply goes
//! ([`Responder`]) and which sequences a response from an endpoint runs through
//! ([`ResponsePath`]).
//!
//! A transport that receives a request hangs both on the message's
//! [`extensions`](MessageContext::extensions) before the flow starts. The transport mediators
//! use them: `respond` (and `send` without an endpoint in a response flow) hands the message
//! to the [`Responder`]; `send` runs the endpoint's response through the
//! [`ResponsePath`]'s out sequence. A message run in-process without them (a test, an
//! embedding program's single message) keeps its reply on itself: [`respond`] marks it as a
//! response and the caller reads it after the flow.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use mediate_core::exchange::{respond, Responder};
//! use mediate_core::MessageContext;
//!
//! let got = Arc::new(Mutex::new(None));
//! let slot = Arc::clone(&got);
//! let mut msg = MessageContext::from_text("hello");
//! msg.extensions_mut().insert(Responder::new(move |reply| {
//!     *slot.lock().unwrap() = Some(reply);
//! }));
//! assert!(respond(&mut msg));
//! let reply = got.lock().unwrap().take().expect("replied");
//! assert!(reply.is_response());
//! assert_eq!(reply.payload_as_text().unwrap(), "hello");
//! assert!(!respond(&mut msg), "a client gets one reply");
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use http::StatusCode;
use mediate_message::{MessageContext, PropertyValue, Scope};

use crate::format::axis2_flag;
use crate::{MediationError, Sequence};

/// Where the reply goes: a transport's callback, or a channel its request waits on.
enum ReplyTo {
    Callback(Box<dyn FnOnce(MessageContext) + Send>),
    /// No box: the engine's own requests wait on this (one allocation less per request).
    Channel(tokio::sync::oneshot::Sender<MessageContext>),
}

/// Where a message's reply goes: one reply per client request, whoever sends it first
/// (`respond`, `send` in the response flow, an early `202 Accepted` for `FORCE_SC_ACCEPTED`).
///
/// Clones share the one reply (a message's clones answer the same client).
#[derive(Clone)]
pub struct Responder {
    shared: Arc<Shared>,
}

/// What a [`Responder`]'s clones share, in one allocation.
struct Shared {
    reply: Mutex<Option<ReplyTo>>,
    /// Set when a branch that runs on after the request flow (a `send`'s response) will
    /// answer: the end of the request flow then leaves the reply to it.
    pending: AtomicBool,
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("responded", &self.has_responded())
            .field("pending", &self.shared.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl Responder {
    /// A responder that hands the reply to `reply` (a transport sends it to the client).
    pub fn new(reply: impl FnOnce(MessageContext) + Send + 'static) -> Self {
        Self::to(ReplyTo::Callback(Box::new(reply)))
    }

    /// A responder whose reply arrives on the receiver; the receiver sees the channel closed
    /// when every clone of the responder is gone without a reply.
    ///
    /// ```
    /// use mediate_core::exchange::Responder;
    /// use mediate_message::MessageContext;
    ///
    /// let (responder, mut reply) = Responder::channel();
    /// responder.respond(MessageContext::from_text("hi")).expect("the first reply");
    /// assert_eq!(reply.try_recv().expect("sent").payload_as_text().unwrap(), "hi");
    /// ```
    pub fn channel() -> (Self, tokio::sync::oneshot::Receiver<MessageContext>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (Self::to(ReplyTo::Channel(tx)), rx)
    }

    fn to(reply: ReplyTo) -> Self {
        Self {
            shared: Arc::new(Shared {
                reply: Mutex::new(Some(reply)),
                pending: AtomicBool::new(false),
            }),
        }
    }

    /// Sends `msg` as the reply. `Err(msg)` when a reply has been sent already.
    pub fn respond(&self, msg: MessageContext) -> Result<(), Box<MessageContext>> {
        let reply = self
            .shared
            .reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match reply {
            Some(ReplyTo::Callback(reply)) => {
                reply(msg);
                Ok(())
            }
            Some(ReplyTo::Channel(tx)) => {
                // A receiver gone (its client left) wants no reply; that is not a second one.
                let _ = tx.send(msg);
                Ok(())
            }
            None => Err(Box::new(msg)),
        }
    }

    /// Marks that a branch running on after the request flow (a `send`'s response flow) will
    /// send the reply; see [`expect_reply`].
    pub fn set_pending(&self) {
        self.shared.pending.store(true, Ordering::Release);
    }

    /// Whether a branch running on after the request flow will send the reply.
    pub fn is_pending(&self) -> bool {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// Whether the reply has been sent.
    pub fn has_responded(&self) -> bool {
        self.shared
            .reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_none()
    }
}

/// The sequences a response from an endpoint runs through, for the message's API resource or
/// proxy service: its out sequence (`outSequence`) and fault sequence. `None` out sequence: the
/// response goes straight back to the client.
#[derive(Clone, Debug, Default)]
pub struct ResponsePath {
    /// The out sequence, if the resource or proxy has one.
    pub out_sequence: Option<Arc<Sequence>>,
    /// The fault sequence for the response flow; `None` is the default `fault` sequence.
    pub fault_sequence: Option<Arc<Sequence>>,
}

/// Sends `msg` back to its client as a response (Synapse's `Axis2Sender.sendBack`): marks it as
/// a response, clears `To`, and hands it to the message's [`Responder`]. Returns `false` when
/// the client has had its reply already (the message is left as it is, marked as a response).
///
/// Without a responder (a message run in-process) the message itself is the reply: it is
/// marked as a response and stays where it is, and the result is `true`.
///
/// With a responder the message is handed over whole (no copy) but for its extensions (the
/// exchange), which stay with `msg`, otherwise left empty.
pub fn respond(msg: &mut MessageContext) -> bool {
    msg.set_response(true);
    msg.addressing_mut().to = None;
    let Some(responder) = msg.extensions().get::<Responder>().cloned() else {
        return true;
    };
    if responder.has_responded() {
        return false;
    }
    // The flow stops after a reply; what stays behind keeps the exchange (a clone's sibling
    // or a fault handler may still look for it) and nothing else.
    // The extensions are moved, not cloned: the reply is written by the transport, which
    // needs none of them.
    let mut rest = MessageContext::empty();
    *rest.extensions_mut() = std::mem::take(msg.extensions_mut());
    rest.set_response(true);
    let reply = std::mem::replace(msg, rest);
    responder.respond(reply).is_ok()
}

/// The message's [`ResponsePath`], if a transport set one. `None` reads as the default path
/// (no out sequence, the default fault sequence): a transport may leave that one out.
pub fn response_path(msg: &MessageContext) -> Option<&ResponsePath> {
    msg.extensions().get::<ResponsePath>()
}

/// Whether the message's client has had its reply (always `false` for a message without a
/// [`Responder`]).
pub fn has_responded(msg: &MessageContext) -> bool {
    msg.extensions()
        .get::<Responder>()
        .is_some_and(Responder::has_responded)
}

/// Marks that the reply will come from a branch that runs on after the request flow ends (what
/// `send` does before it hands the exchange to a task of its own: Synapse's
/// `RESPONSE_WRITTEN=SKIP`). The end of the request flow then does not answer `202`; the
/// branch calls [`finish`] when it is done. Does nothing for a message without a
/// [`Responder`].
pub fn expect_reply(msg: &MessageContext) {
    if let Some(responder) = msg.extensions().get::<Responder>() {
        responder.set_pending();
    }
}

/// Which branch of an exchange ends in [`finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// The request flow (the transport ran it; `send` may have left the reply to a response
    /// branch).
    Request,
    /// A response flow that `send` started; it was the one expected to reply.
    Response,
}

/// Ends a branch of an exchange whose client may still wait for a reply, as MI's transport does
/// when mediation returns (`ServerWorker.sendAck`), but never leaving a client without one:
///
/// - the reply was sent: nothing to do;
/// - axis2 `FORCE_SC_ACCEPTED` is `true` at the end of the request flow: `202 Accepted`, empty
///   (as MI, even when a response is still expected: that response is then not sent);
/// - the request flow left the reply to a response branch ([`expect_reply`]): nothing yet;
/// - the branch failed (`outcome` is an error, or the message carries fault facts because a
///   fault sequence ran and did not reply): `500` with a JSON body naming the error code and
///   message — where MI leaves the client waiting until its socket times out (`413` for a
///   body over the read limit, [`codes::BODY_TOO_LARGE`](crate::codes::BODY_TOO_LARGE));
/// - otherwise (a request flow that dropped the message, or never sent it anywhere): `202
///   Accepted`, empty, as MI. A response flow that dropped its response gets the same `202`
///   (MI never answers such a client).
///
/// Does nothing for a message without a [`Responder`] (a message run in-process).
pub fn finish(msg: &mut MessageContext, branch: Branch, outcome: Result<(), &MediationError>) {
    let Some(responder) = msg.extensions().get::<Responder>().cloned() else {
        return;
    };
    if responder.has_responded() {
        return;
    }
    let forced = branch == Branch::Request && axis2_flag(msg, "FORCE_SC_ACCEPTED");
    if !forced && branch == Branch::Request && responder.is_pending() {
        return;
    }
    let fault = match outcome {
        Err(err) => Some((err.code(), err.to_string())),
        Ok(()) => msg
            .fault()
            .map(|f| (f.code.unwrap_or(0), f.message.clone().unwrap_or_default())),
    };
    let mut reply = MessageContext::empty();
    reply.set_response(true);
    match fault {
        Some((code, message)) if !forced => {
            let body = serde_json::json!({ "error": { "code": code, "message": message } });
            reply.set_json(body);
            reply.set_status(if code == crate::codes::BODY_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            });
        }
        _ => reply.set_status(StatusCode::ACCEPTED),
    }
    // The properties stay with the reply (the transport and metrics may read them).
    for (name, value) in msg.properties().iter() {
        reply.set_property(name.clone(), value.clone());
    }
    let _ = responder.respond(reply);
}

/// Answers `202 Accepted` now when axis2 `FORCE_SC_ACCEPTED` is `true` and the client has had
/// no reply yet: what MI's transport does when a `call` suspends the request flow. A later reply
/// (the `respond` after the `call`) is then not sent. Returns whether it answered.
pub fn accept_if_forced(msg: &mut MessageContext) -> bool {
    let forced = axis2_flag(msg, "FORCE_SC_ACCEPTED");
    let Some(responder) = msg.extensions().get::<Responder>().cloned() else {
        return false;
    };
    if !forced || responder.has_responded() {
        return false;
    }
    let mut reply = MessageContext::empty();
    reply.set_response(true);
    reply.set_status(StatusCode::ACCEPTED);
    responder.respond(reply).is_ok()
}

/// `FORCE_SC_ACCEPTED` as a property value, for tests and callers that set it.
pub fn force_sc_accepted(msg: &mut MessageContext) {
    let _ = msg.set_scoped_property(
        Scope::Axis2,
        "FORCE_SC_ACCEPTED",
        PropertyValue::from("true"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange() -> (MessageContext, Arc<Mutex<Option<MessageContext>>>) {
        let got = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&got);
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.extensions_mut().insert(Responder::new(move |reply| {
            *slot.lock().unwrap() = Some(reply)
        }));
        (msg, got)
    }

    fn status(got: &Arc<Mutex<Option<MessageContext>>>) -> Option<u16> {
        got.lock()
            .unwrap()
            .as_ref()
            .map(|m| m.status().map_or(200, |s| s.as_u16()))
    }

    #[test]
    fn a_request_flow_that_replied_is_left_alone() {
        let (mut msg, got) = exchange();
        msg.set_status(StatusCode::CREATED);
        assert!(respond(&mut msg));
        finish(&mut msg, Branch::Request, Ok(()));
        assert_eq!(status(&got), Some(201));
    }

    #[test]
    fn a_request_flow_that_never_replied_gets_202() {
        let (mut msg, got) = exchange();
        finish(&mut msg, Branch::Request, Ok(()));
        assert_eq!(status(&got), Some(202));
        assert!(got.lock().unwrap().as_ref().unwrap().payload().is_empty());
    }

    #[test]
    fn a_failed_flow_gets_500_with_the_error() {
        let (mut msg, got) = exchange();
        let err = MediationError::backend(101_503, "Error connecting to the back end");
        finish(&mut msg, Branch::Request, Err(&err));
        let reply = got.lock().unwrap().take().unwrap();
        assert_eq!(reply.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(reply.json().unwrap()["error"]["code"], 101_503);
    }

    #[test]
    fn a_pending_reply_waits_for_its_branch_unless_forced() {
        let (mut msg, got) = exchange();
        expect_reply(&msg);
        finish(&mut msg, Branch::Request, Ok(()));
        assert_eq!(status(&got), None);
        finish(&mut msg, Branch::Response, Ok(()));
        assert_eq!(status(&got), Some(202));

        let (mut msg, got) = exchange();
        expect_reply(&msg);
        force_sc_accepted(&mut msg);
        finish(&mut msg, Branch::Request, Ok(()));
        assert_eq!(status(&got), Some(202));
        assert!(!respond(&mut msg), "the later response is not sent");
    }

    #[test]
    fn without_a_responder_the_message_is_its_own_reply() {
        let mut msg = MessageContext::from_text("x");
        assert!(respond(&mut msg));
        assert!(msg.is_response());
        assert_eq!(msg.payload_as_text().unwrap(), "x");
        finish(&mut msg, Branch::Request, Ok(()));
        assert!(!has_responded(&msg));
    }
}
