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
use std::sync::{Arc, Mutex};

use mediate_message::MessageContext;

use crate::Sequence;

type ReplyFn = Box<dyn FnOnce(MessageContext) + Send>;

/// Where a message's reply goes: one reply per client request, whoever sends it first
/// (`respond`, `send` in the response flow, an early `202 Accepted` for `FORCE_SC_ACCEPTED`).
///
/// Clones share the one reply (a message's clones answer the same client).
#[derive(Clone)]
pub struct Responder {
    reply: Arc<Mutex<Option<ReplyFn>>>,
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("responded", &self.has_responded())
            .finish()
    }
}

impl Responder {
    /// A responder that hands the reply to `reply` (a transport sends it to the client).
    pub fn new(reply: impl FnOnce(MessageContext) + Send + 'static) -> Self {
        Self {
            reply: Arc::new(Mutex::new(Some(Box::new(reply)))),
        }
    }

    /// Sends `msg` as the reply. `Err(msg)` when a reply has been sent already.
    pub fn respond(&self, msg: MessageContext) -> Result<(), Box<MessageContext>> {
        let reply = self
            .reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match reply {
            Some(reply) => {
                reply(msg);
                Ok(())
            }
            None => Err(Box::new(msg)),
        }
    }

    /// Whether the reply has been sent.
    pub fn has_responded(&self) -> bool {
        self.reply
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
/// With a responder the message is handed over whole, and `msg` is left with an empty payload
/// but its properties, so that whatever still runs (a fault handler, a clone's sibling) sees
/// the same properties.
pub fn respond(msg: &mut MessageContext) -> bool {
    msg.set_response(true);
    msg.addressing_mut().to = None;
    let Some(responder) = msg.extensions().get::<Responder>().cloned() else {
        return true;
    };
    if responder.has_responded() {
        return false;
    }
    let mut rest = msg.clone();
    rest.set_payload(bytes::Bytes::new(), "");
    let reply = std::mem::replace(msg, rest);
    responder.respond(reply).is_ok()
}

/// The message's [`ResponsePath`], if a transport set one.
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
