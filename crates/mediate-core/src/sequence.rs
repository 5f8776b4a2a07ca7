//! [`Sequence`]: an ordered list of mediators with Synapse's onError semantics.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use mediate_message::MessageContext;
use tracing::Instrument as _;

use crate::fault::record_fault;
use crate::nesting::{self, Entered};
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
/// # Nesting
///
/// A named sequence takes one level of the message's
/// [nesting](mediate_message::MessageContext::nesting) while its mediators run, and gives it
/// back when they finish, whatever the outcome (before its `onError` handler runs, which takes
/// its place). A message already [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) levels deep
/// cannot enter one more: [`mediate`](Mediator::mediate) returns a
/// [`codes::NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED) error without
/// running anything (so not its own `onError` either), for its caller's handlers. A sequence
/// that calls itself thus fails instead of exhausting the stack. Anonymous sequences take no
/// level.
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
    name: Option<Arc<str>>,
    mediators: Vec<Arc<dyn Mediator>>,
    on_error: Option<String>,
    counters: Counters,
}

impl Sequence {
    /// An empty sequence with a name (`<sequence name="…">`).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: Some(Arc::from(name.into())),
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
            name: name.map(Arc::from),
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

    /// Names an anonymous sequence deployed under a key (see [`EnvBuilder::sequence`]).
    ///
    /// [`EnvBuilder::sequence`]: crate::EnvBuilder::sequence
    pub(crate) fn set_name(&mut self, name: &str) {
        self.name = Some(Arc::from(name));
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

    /// Runs the mediators in order and counts the outcome.
    ///
    /// One `async fn` (not split further) and no `tracing` macro expanded inline: every level
    /// of nesting polls through this frame, so its size bounds how deep a flow can go on a
    /// thread's stack.
    async fn run_counted(
        &self,
        msg: &mut MessageContext,
        env: &Env,
    ) -> Result<Flow, MediationError> {
        self.counters.enter();
        let mut exit = Exit::Continued;
        let mut result = Ok(Flow::Continue);
        for (index, mediator) in self.mediators.iter().enumerate() {
            // MI's lazy message building: a body still on the wire is read only when a
            // mediator that looks at the payload is about to run.
            if msg.has_unread_body()
                && mediator.reads_body()
                && let Err(err) = msg.read_body().await
            {
                exit = Exit::Faulted;
                result = Err(crate::error::body_error(err, msg.is_response()));
                break;
            }
            let span = self.mediator_span(&**mediator, index);
            match mediator.mediate(msg, env).instrument(span).await {
                Ok(Flow::Continue) => {}
                Ok(Flow::Stop) => {
                    exit = Exit::Stopped;
                    result = Ok(Flow::Stop);
                    break;
                }
                Err(err) => {
                    exit = Exit::Faulted;
                    result = Err(err);
                    break;
                }
            }
        }
        self.counters.exit(exit);
        result
    }

    /// The span each mediator runs in (kept out of [`run_counted`](Self::run_counted)'s frame).
    #[inline(never)]
    fn mediator_span(&self, mediator: &dyn Mediator, index: usize) -> tracing::Span {
        tracing::debug_span!(
            "mediator",
            kind = mediator.kind(),
            index,
            sequence = self.name.as_deref().unwrap_or("anonymous")
        )
    }

    /// Runs the sequence (mediators, then `onError` on a fault) without taking a level of the
    /// message's nesting: a template's body, whose level the template took.
    pub(crate) async fn run(
        &self,
        msg: &mut MessageContext,
        env: &Env,
    ) -> Result<Flow, MediationError> {
        match self.run_counted(msg, env).await {
            Ok(flow) => Ok(flow),
            Err(err) => self.handle_fault(err, msg, env).await,
        }
    }

    /// Records the fault and hands it to the `onError` sequence (see the type's docs).
    ///
    /// A boxed future made in its own frame, so that the callers' frames (every level of
    /// nesting polls through them) do not hold its state.
    fn handle_fault<'a>(
        &'a self,
        err: MediationError,
        msg: &'a mut MessageContext,
        env: &'a Env,
    ) -> Pin<Box<dyn Future<Output = Result<Flow, MediationError>> + Send + 'a>> {
        Box::pin(async move {
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
        })
    }
}

#[async_trait]
impl Mediator for Sequence {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let depth = match &self.name {
            Some(name) => Some(nesting::enter(msg, Entered::Sequence, name)?),
            None => None,
        };
        let result = self.run_counted(msg, env).await;
        // Left before the onError handler runs: the handler takes the faulted sequence's
        // place, so the innermost one can run even when the nesting is full.
        if let Some(depth) = depth {
            msg.truncate_nesting(depth);
        }
        match result {
            Ok(flow) => Ok(flow),
            Err(err) => self.handle_fault(err, msg, env).await,
        }
    }

    fn kind(&self) -> &str {
        "sequence"
    }

    fn reads_body(&self) -> bool {
        self.mediators.iter().any(|m| m.reads_body())
    }
}
