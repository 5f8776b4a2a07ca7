//! [`Env`]: the read-only environment passed beside the message.

use std::collections::HashMap;
use std::sync::Arc;

use mediate_message::MessageContext;

use crate::fault::record_fault;
use crate::{Flow, MediationError, Mediator, Sequence, Template};

/// The key of the default fault sequence (Synapse's `fault`).
pub const FAULT_SEQUENCE_KEY: &str = "fault";

/// The read-only environment every mediator gets beside the message: the deployed sequences,
/// sequence templates and local entries by key (endpoints join later).
///
/// A sequence template ([`Template`], `<template name="…">`) is looked up by the
/// `call-template` mediator with [`get_template`](Env::get_template); templates and sequences
/// have separate keys, as in Synapse.
///
/// A local entry (`<localEntry key="…">`) or registry resource (`conf:/…`, `gov:/…`) is held
/// as the text it was deployed with: an XML fragment, a payload template, a plain string.
/// Mediators that take a `key` (payloadFactory's `<format key>`, enrich's inline `key`) read it
/// with [`local_entry`](Env::local_entry).
///
/// It is never stored on the message. Build one with [`Env::builder`].
///
/// ```
/// use mediate_core::{mediator_fn, Env, Flow, MediationError, MessageContext, Sequence};
///
/// let env = Env::builder()
///     .sequence("fault", Sequence::named("fault").then(mediator_fn("mark", |msg: &mut MessageContext| {
///         msg.set_property("handled", true);
///         Ok::<_, MediationError>(Flow::Continue)
///     })))
///     .build();
/// let main = Sequence::named("main").then(mediator_fn("fail", |_: &mut MessageContext| {
///     Err::<Flow, _>(MediationError::mediator("boom"))
/// }));
/// let mut msg = MessageContext::empty();
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// assert_eq!(rt.block_on(env.run(&main, &mut msg))?, Flow::Stop);
/// assert!(msg.property("handled").is_some());
/// assert_eq!(msg.fault().unwrap().message.as_deref(), Some("boom"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Cloning an `Env` is cheap (one reference count): a task that runs on after the flow that
/// started it (a `send`'s response) takes a clone, and is spawned with
/// [`tasks::spawn`](crate::tasks::spawn) so that a server waits for it before it stops (when
/// the environment has a [`BackgroundTasks`](crate::tasks::BackgroundTasks) extension).
#[derive(Debug, Clone, Default)]
pub struct Env {
    inner: Arc<EnvInner>,
}

#[derive(Debug, Default)]
struct EnvInner {
    sequences: HashMap<String, Arc<Sequence>>,
    templates: HashMap<String, Arc<Template>>,
    local_entries: HashMap<String, Arc<str>>,
    extensions: http::Extensions,
}

impl Env {
    /// A builder for an environment.
    pub fn builder() -> EnvBuilder {
        EnvBuilder::default()
    }

    /// The sequence deployed under `key`.
    pub fn get_sequence(&self, key: &str) -> Option<&Arc<Sequence>> {
        self.inner.sequences.get(key)
    }

    /// The sequence template deployed under `key` (Synapse's `getSequenceTemplate`).
    pub fn get_template(&self, key: &str) -> Option<&Arc<Template>> {
        self.inner.templates.get(key)
    }

    /// The local entry (or registry resource) deployed under `key`, as text.
    pub fn local_entry(&self, key: &str) -> Option<&Arc<str>> {
        self.inner.local_entries.get(key)
    }

    /// A typed value the runtime deployed beside the configuration (the endpoints, an outbound
    /// transport), looked up by type; see [`EnvBuilder::extension`].
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }

    /// The keys of the deployed sequences, in no particular order.
    pub fn sequence_keys(&self) -> impl Iterator<Item = &str> {
        self.inner.sequences.keys().map(String::as_str)
    }

    /// The keys of the deployed sequence templates, in no particular order.
    pub fn template_keys(&self) -> impl Iterator<Item = &str> {
        self.inner.templates.keys().map(String::as_str)
    }

    /// Hands `err` to the `onError` sequence `key` of a mediator that has one (the
    /// `call-template` mediator's `onError`), as a [`Sequence`] does with its own: the error is
    /// recorded as the message's fault facts, the handler runs, and the faulted flow does not
    /// go on (`Ok(Flow::Stop)`, or the handler's own error). When no sequence is deployed under
    /// `key` (Synapse logs and goes on without the handler), `err` is returned for the next
    /// handler out.
    ///
    /// ```
    /// use mediate_core::{mediator_fn, Env, Flow, MediationError, MessageContext, Sequence};
    ///
    /// let env = Env::builder()
    ///     .sequence("onFail", Sequence::named("onFail").then(mediator_fn("mark", |msg: &mut MessageContext| {
    ///         msg.set_property("handled", true);
    ///         Ok::<_, MediationError>(Flow::Continue)
    ///     })))
    ///     .build();
    /// let mut msg = MessageContext::empty();
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let flow = rt.block_on(env.handle_error("onFail", &mut msg, MediationError::mediator("boom")))?;
    /// assert_eq!(flow, Flow::Stop);
    /// assert!(msg.property("handled").is_some());
    /// assert_eq!(msg.fault().unwrap().message.as_deref(), Some("boom"));
    ///
    /// let unhandled = rt.block_on(env.handle_error("missing", &mut msg, MediationError::mediator("again")));
    /// assert_eq!(unhandled.unwrap_err().message(), "again");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn handle_error(
        &self,
        key: &str,
        msg: &mut MessageContext,
        err: MediationError,
    ) -> Result<Flow, MediationError> {
        record_fault(msg, &err);
        let Some(handler) = self.get_sequence(key) else {
            tracing::warn!(on_error = key, "onError sequence cannot be found");
            return Err(err);
        };
        tracing::warn!(
            on_error = key,
            code = err.code(),
            error = %err,
            "executing onError sequence"
        );
        handler.mediate(msg, self).await.map(|_| Flow::Stop)
    }

    /// Runs `seq` on a message as the top of a flow, with the default fault sequence
    /// ([`FAULT_SEQUENCE_KEY`]) as the last fault handler.
    ///
    /// A fault that no `on_error` handled is recorded on the message and handed to the `fault`
    /// sequence; after it the result is `Ok(Flow::Stop)` (the faulted flow never resumes), or the
    /// fault sequence's own error. Without a `fault` sequence the error is returned.
    ///
    /// That includes a configuration that calls itself: past
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) nested named sequences and templates the
    /// next one fails with [`codes::NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED),
    /// and by the time the fault sequence runs every level has been left.
    pub async fn run(
        &self,
        seq: &Sequence,
        msg: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        self.run_with_fault(
            seq,
            self.get_sequence(FAULT_SEQUENCE_KEY).map(|s| &**s),
            msg,
        )
        .await
    }

    /// Runs `seq` as [`run`](Self::run) does, with `fault` (a proxy's or API's fault sequence)
    /// as the last fault handler instead of the default; `None` means the default.
    ///
    /// As in Synapse, a failing fault sequence is not handed to yet another one: its error is
    /// returned.
    pub async fn run_with_fault(
        &self,
        seq: &Sequence,
        fault: Option<&Sequence>,
        msg: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        let err = match seq.mediate(msg, self).await {
            Ok(flow) => return Ok(flow),
            Err(err) => err,
        };
        record_fault(msg, &err);
        let handler = fault.or_else(|| self.get_sequence(FAULT_SEQUENCE_KEY).map(|s| &**s));
        let Some(handler) = handler else {
            return Err(err);
        };
        tracing::warn!(code = err.code(), error = %err, "executing fault sequence");
        handler.mediate(msg, self).await.map(|_| Flow::Stop)
    }
}

/// Builds an [`Env`].
#[derive(Debug, Default)]
pub struct EnvBuilder {
    sequences: HashMap<String, Arc<Sequence>>,
    templates: HashMap<String, Arc<Template>>,
    local_entries: HashMap<String, Arc<str>>,
    extensions: http::Extensions,
}

impl EnvBuilder {
    /// Deploys `seq` under `key`; a later sequence with the same key replaces it.
    ///
    /// A deployed sequence is named by its key, as in Synapse: an anonymous `seq` gets the name
    /// `key` (unless it is an `Arc` shared elsewhere), so that entering it by key takes a level
    /// of the message's nesting ([`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)) like any
    /// named sequence.
    ///
    /// ```
    /// use mediate_core::{Env, Sequence};
    ///
    /// let env = Env::builder().sequence("audit", Sequence::anonymous()).build();
    /// assert_eq!(env.get_sequence("audit").unwrap().name(), Some("audit"));
    /// ```
    #[must_use]
    pub fn sequence(mut self, key: impl Into<String>, seq: impl Into<Arc<Sequence>>) -> Self {
        let key = key.into();
        let mut seq = seq.into();
        if seq.name().is_none()
            && let Some(anonymous) = Arc::get_mut(&mut seq)
        {
            anonymous.set_name(&key);
        }
        self.sequences.insert(key, seq);
        self
    }

    /// Deploys the sequence template `template` under `key` (its name, in Synapse); a later
    /// template with the same key replaces it.
    #[must_use]
    pub fn template(mut self, key: impl Into<String>, template: impl Into<Arc<Template>>) -> Self {
        self.templates.insert(key.into(), template.into());
        self
    }

    /// Deploys a local entry (or registry resource) under `key`; a later one with the same
    /// key replaces it.
    #[must_use]
    pub fn local_entry(mut self, key: impl Into<String>, value: impl Into<Arc<str>>) -> Self {
        self.local_entries.insert(key.into(), value.into());
        self
    }

    /// Adds a typed value for mediators to find with [`Env::extension`]: how layers above the
    /// core (endpoints, transports) reach the mediators that need them without the core
    /// knowing their types. A later value of the same type replaces it.
    ///
    /// ```
    /// use mediate_core::Env;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Region(&'static str);
    ///
    /// let env = Env::builder().extension(Region("eu-west")).build();
    /// assert_eq!(env.extension::<Region>(), Some(&Region("eu-west")));
    /// assert_eq!(env.extension::<u32>(), None);
    /// ```
    #[must_use]
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The environment.
    pub fn build(self) -> Env {
        Env {
            inner: Arc::new(EnvInner {
                sequences: self.sequences,
                templates: self.templates,
                local_entries: self.local_entries,
                extensions: self.extensions,
            }),
        }
    }
}
