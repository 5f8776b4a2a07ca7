//! The code-first way to build a flow: [`IntoMediator`] and [`SequenceBuilder`].

use std::sync::Arc;

use crate::{BuildError, Mediator, Sequence};

/// Anything that becomes a mediator: a [`Mediator`] itself, an `Arc<dyn Mediator>`, a
/// mediator configuration that compiles into one (every built-in's `…Config`), a
/// [`SequenceBuilder`] (an inline sequence), or the `Result` of building one.
///
/// Building can fail (a bad expression, an unknown regex construct), so
/// [`SequenceBuilder::then`] keeps the first error and reports it at
/// [`build`](SequenceBuilder::build), which lets a whole flow be written as one expression
/// with a single `?` at the end.
pub trait IntoMediator {
    /// Builds the mediator.
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError>;
}

impl<M: Mediator + 'static> IntoMediator for M {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self))
    }
}

impl IntoMediator for Arc<dyn Mediator> {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(self)
    }
}

impl<T: IntoMediator> IntoMediator for Result<T, BuildError> {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        self.and_then(IntoMediator::into_mediator)
    }
}

impl IntoMediator for SequenceBuilder {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self.build()?))
    }
}

/// Builds a [`Sequence`] step by step from anything [`IntoMediator`], keeping the first build
/// error for [`build`](Self::build).
///
/// This is the code-first counterpart of `<sequence name="…" onError="…">…</sequence>`: the
/// same mediators, in the same order, with the same expressions.
///
/// ```
/// use mediate_core::{mediator_fn, Env, Flow, MediationError, MessageContext, SequenceBuilder};
///
/// let main = SequenceBuilder::named("main")
///     .on_error("fault")
///     .then(mediator_fn("mark", |msg: &mut MessageContext| {
///         msg.set_property("seen", true);
///         Ok::<_, MediationError>(Flow::Continue)
///     }))
///     .build()?;
/// assert_eq!(main.name(), Some("main"));
/// assert_eq!(main.mediators().len(), 1);
///
/// let mut msg = MessageContext::empty();
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// assert_eq!(rt.block_on(Env::default().run(&main, &mut msg))?, Flow::Continue);
/// assert!(msg.property("seen").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "a SequenceBuilder does nothing until `build` is called"]
pub struct SequenceBuilder {
    name: Option<String>,
    on_error: Option<String>,
    mediators: Vec<Arc<dyn Mediator>>,
    error: Option<BuildError>,
}

impl SequenceBuilder {
    /// A named sequence (`<sequence name="…">`).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// An anonymous sequence (an inline `<then>`, `<case>`, `inSequence`…).
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// Sets the key of the sequence that handles this sequence's faults (`onError="…"`).
    pub fn on_error(mut self, key: impl Into<String>) -> Self {
        self.on_error = Some(key.into());
        self
    }

    /// Appends a step; if it fails to build, the error is kept and later steps are ignored.
    pub fn then(mut self, step: impl IntoMediator) -> Self {
        if self.error.is_none() {
            match step.into_mediator() {
                Ok(mediator) => self.mediators.push(mediator),
                Err(err) => self.error = Some(err),
            }
        }
        self
    }

    /// The sequence, or the first error of a step.
    pub fn build(self) -> Result<Sequence, BuildError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let seq = Sequence::new(self.name, self.mediators);
        Ok(match self.on_error {
            Some(key) => seq.on_error(key),
            None => seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Flow, MediationError, MediatorSpec, MessageContext, Registry, mediator_fn};

    fn noop() -> impl Mediator {
        mediator_fn("noop", |_: &mut MessageContext| {
            Ok::<_, MediationError>(Flow::Continue)
        })
    }

    #[test]
    fn first_error_wins_and_later_steps_are_ignored() {
        let registry = Registry::new();
        let err = SequenceBuilder::anonymous()
            .then(noop())
            .then(registry.build(&MediatorSpec::new("nope")))
            .then(registry.build(&MediatorSpec::new("other")))
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::UnknownMediator { ref kind, .. } if kind == "nope"));
    }

    #[test]
    fn nested_builders_become_inline_sequences() {
        let seq = SequenceBuilder::named("outer")
            .then(SequenceBuilder::anonymous().then(noop()).then(noop()))
            .then(Arc::new(noop()) as Arc<dyn Mediator>)
            .build()
            .unwrap();
        assert_eq!(seq.mediators().len(), 2);
        assert_eq!(seq.mediators()[0].kind(), "sequence");
        assert_eq!(seq.on_error_key(), None);
    }
}
