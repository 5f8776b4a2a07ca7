//! [`Flow`]: what a mediator tells its sequence to do next.

/// The outcome of one mediator (or of a whole sequence) for one message.
///
/// This is Synapse's `boolean mediate(MessageContext)`: `true` is [`Flow::Continue`], `false` is
/// [`Flow::Stop`]. Failures are not a `Flow`: they are an
/// `Err(`[`MediationError`](crate::MediationError)`)`, which sends the message to the nearest
/// fault handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Flow {
    /// Go on with the next mediator of the sequence.
    Continue,
    /// The message is consumed (dropped, responded to, handed to an endpoint): the enclosing
    /// sequences stop too.
    Stop,
}

impl Flow {
    /// `true` for [`Flow::Continue`].
    pub fn is_continue(self) -> bool {
        self == Self::Continue
    }

    /// `true` for [`Flow::Stop`].
    pub fn is_stop(self) -> bool {
        self == Self::Stop
    }
}
