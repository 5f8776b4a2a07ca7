//! [`mediator_fn`]: a one-off mediator from a closure.

use std::fmt;

use async_trait::async_trait;
use mediate_message::MessageContext;

use crate::{Env, Flow, MediationError, Mediator};

/// Makes a mediator of a synchronous closure, for one-off steps and tests.
///
/// The closure gets the message and returns the [`Flow`] (or a [`MediationError`]); `kind`
/// names it in spans and errors. It is taken to read the body; say otherwise with
/// [`MediatorFn::with_reads_body`].
///
/// ```
/// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext, Mediator};
///
/// let tag = mediator_fn("tag", |msg: &mut MessageContext| -> Result<Flow, MediationError> {
///     msg.set_property("tagged", true);
///     Ok(Flow::Continue)
/// })
/// .with_reads_body(false);
/// assert_eq!(tag.kind(), "tag");
/// assert!(!tag.reads_body());
/// ```
pub fn mediator_fn<F>(kind: impl Into<String>, f: F) -> MediatorFn<F>
where
    F: Fn(&mut MessageContext) -> Result<Flow, MediationError> + Send + Sync,
{
    MediatorFn {
        kind: kind.into(),
        reads_body: true,
        f,
    }
}

/// A [`Mediator`] made of a closure by [`mediator_fn`].
#[derive(Clone)]
pub struct MediatorFn<F> {
    kind: String,
    reads_body: bool,
    f: F,
}

impl<F> MediatorFn<F> {
    /// Declares whether the closure reads the payload (`true` by default).
    #[must_use]
    pub fn with_reads_body(mut self, reads_body: bool) -> Self {
        self.reads_body = reads_body;
        self
    }
}

impl<F> fmt::Debug for MediatorFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediatorFn")
            .field("kind", &self.kind)
            .field("reads_body", &self.reads_body)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<F> Mediator for MediatorFn<F>
where
    F: Fn(&mut MessageContext) -> Result<Flow, MediationError> + Send + Sync,
{
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        (self.f)(msg)
    }

    fn kind(&self) -> &str {
        &self.kind
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}
