//! [`Sequence`]: an ordered list of mediators with Synapse's onError semantics.

use std::sync::Arc;

use async_trait::async_trait;
use mediate_message::MessageContext;
use tracing::Instrument as _;

use crate::fault::record_fault;
use crate::stats::{Counters, Exit};
use crate::{Env, Flow, MediationError, Mediator, SequenceStats};

/// A named or anonymous ordered list of mediators, itself a [`Mediator`]: Synapse's
/// `<sequence name="…" onError="…">`.
///
/// # Running
///
/// Each mediator runs in order inside a `tracing` span named `mediator` with `kind` and `index`
/// fields. [`Flow::Stop`] ends the sequence and is returned, so every enclosing sequence stops
/// too. When all mediators continue, the sequence returns [`Flow::Continue`].
///
/// # Faults
///
/// When a mediator returns `Err`, the sequence (following Synapse's `SequenceMediator`,
/// `AbstractListMediator`, `FaultHandler` and `MediatorFaultHandler`):
///
/// 1. records the fault facts on the message (`ERROR_CODE`, `ERROR_MESSAGE`, `ERROR_DETAIL`,
///    `ERROR_EXCEPTION`, via [`MessageContext::set_fault`]); a generic error
///    ([`codes::DEFAULT_ERROR`](crate::codes::DEFAULT_ERROR)) keeps a code already recorded, as
///    `FaultHandler` only sets the facts when `ERROR_CODE` is unset;
/// 2. runs its own `on_error` sequence, looked up by key in the [`Env`]. After it the faulted
///    flow does not go on (in Synapse the exception has unwound every enclosing sequence), so
///    the sequence returns `Ok(Flow::Stop)`, or the fault sequence's own error, which goes to
///    the next handler out (Synapse pops the next `FaultHandler`);
/// 3. without an `on_error` (or when the key is not found: Synapse logs "onError handler …
///    cannot be found" and goes on without it) it returns the error to its caller, so the
///    enclosing sequence's `on_error` applies, and at the top [`Env::run`] runs the fault
///    sequence.
///
/// Deviations from Synapse: the fault facts are recorded where the error is first seen rather
/// than when the handler pops off a stack (the result is the same); the fault handler's
/// boolean, which Synapse ignores, is reported as `Flow::Stop`; a `Stop` does not leave the
/// sequence's onError pushed on a fault stack (Synapse only pops it on `true`), as there is no
/// stack.
///
/// # Content awareness
///
/// [`reads_body`](Mediator::reads_body) is `true` when any child reads the body, as
/// `AbstractListMediator.init` derives `isContentAware`.
///
/// ```
/// use mediate_core::{mediator_fn, Env, Flow, MediationError, Mediator, MessageContext, Sequence};
///
/// let seq = Sequence::named("main")
///     .then(mediator_fn("a", |msg: &mut MessageContext| {
///         msg.set_property("a", 1);
///         Ok::<_, MediationError>(Flow::Continue)
///     }))
///     .then(mediator_fn("drop", |_: &mut MessageContext| Ok::<_, MediationError>(Flow::Stop)));
/// let mut msg = MessageContext::empty();
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// assert_eq!(rt.block_on(seq.mediate(&mut msg, &Env::default()))?, Flow::Stop);
/// assert_eq!(seq.stats().stopped, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Sequence {
    name: Option<String>,
    mediators: Vec<Arc<dyn Mediator>>,
    on_error: Option<String>,
    counters: Counters,
}

impl Sequence {
    /// An empty sequence with a name (`<sequence name="…">`).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// An empty anonymous sequence (an inline `inSequence`, `<then>`…).
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// A sequence of the given mediators.
    pub fn new(name: Option<String>, mediators: Vec<Arc<dyn Mediator>>) -> Self {
        Self {
            name,
            mediators,
            ..Self::default()
        }
    }

    /// Appends a mediator.
    #[must_use]
    pub fn then(self, mediator: impl Mediator + 'static) -> Self {
        self.then_arc(Arc::new(mediator))
    }

    /// Appends a shared mediator.
    #[must_use]
    pub fn then_arc(mut self, mediator: Arc<dyn Mediator>) -> Self {
        self.mediators.push(mediator);
        self
    }

    /// Sets the key of the sequence that handles this sequence's faults (`onError="…"`).
    #[must_use]
    pub fn on_error(mut self, key: impl Into<String>) -> Self {
        self.on_error = Some(key.into());
        self
    }

    /// The name, if the sequence is named.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The key of the `onError` sequence, if set.
    pub fn on_error_key(&self) -> Option<&str> {
        self.on_error.as_deref()
    }

    /// The mediators, in order.
    pub fn mediators(&self) -> &[Arc<dyn Mediator>] {
        &self.mediators
    }

    /// A snapshot of the message counters.
    pub fn stats(&self) -> SequenceStats {
        self.counters.snapshot()
    }

    async fn run_children(
        &self,
        msg: &mut MessageContext,
        env: &Env,
    ) -> Result<Flow, MediationError> {
        for (index, mediator) in self.mediators.iter().enumerate() {
            let span = tracing::debug_span!(
                "mediator",
                kind = mediator.kind(),
                index,
                sequence = self.name.as_deref().unwrap_or("anonymous")
            );
            if mediator.mediate(msg, env).instrument(span).await? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }
}

#[async_trait]
impl Mediator for Sequence {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        self.counters.enter();
        let err = match self.run_children(msg, env).await {
            Ok(flow) => {
                self.counters.exit(match flow {
                    Flow::Continue => Exit::Continued,
                    Flow::Stop => Exit::Stopped,
                });
                return Ok(flow);
            }
            Err(err) => err,
        };
        self.counters.exit(Exit::Faulted);
        record_fault(msg, &err);
        let Some(key) = self.on_error.as_deref() else {
            return Err(err);
        };
        let Some(handler) = env.get_sequence(key) else {
            tracing::warn!(
                on_error = key,
                sequence = self.name.as_deref().unwrap_or("anonymous"),
                "onError sequence cannot be found"
            );
            return Err(err);
        };
        tracing::warn!(
            on_error = key,
            code = err.code(),
            error = %err,
            "executing onError sequence"
        );
        handler.mediate(msg, env).await.map(|_| Flow::Stop)
    }

    fn kind(&self) -> &str {
        "sequence"
    }

    fn reads_body(&self) -> bool {
        self.mediators.iter().any(|m| m.reads_body())
    }
}
