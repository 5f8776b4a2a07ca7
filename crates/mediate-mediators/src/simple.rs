//! The small flow mediators: `drop`, `respond`, `loopback`, and the `sequence` reference
//! (`<sequence key="…"/>`).

use std::sync::Arc;

use mediate_core::exchange;
use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Namespaces,
    Registry, Sequence, async_trait,
};

use crate::value::ValueSource;
use crate::value::{
    COMMON_ATTRIBUTES, check_mediator_attributes, check_no_children, compile_expression,
};

/// `from_spec` of a mediator written as an empty element: only the common `description`,
/// `trace` and `statistics` attributes and a `<description>` child are accepted.
fn empty_element(spec: &MediatorSpec) -> Result<(), BuildError> {
    check_mediator_attributes(spec, &[])?;
    check_no_children(spec)
}

/// `<drop/>`: Synapse's `DropMediator`. It clears the message's `To` address and stops the
/// flow ([`Flow::Stop`]); nothing is sent. Reads no body.
#[derive(Clone, Copy, Debug, Default)]
pub struct Drop;

impl Drop {
    /// Reads `<drop/>`: no attributes but the common `description`, `trace` and `statistics`,
    /// no children but `<description>`.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        empty_element(spec)?;
        Ok(Drop)
    }
}

#[async_trait]
impl Mediator for Drop {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        msg.addressing_mut().to = None;
        tracing::debug!(response = msg.is_response(), "message dropped");
        Ok(Flow::Stop)
    }

    fn kind(&self) -> &str {
        "drop"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

/// `<respond/>`: Synapse's `RespondMediator`. It clears `To`, marks the message as a response,
/// sends it back to the client ([`exchange::respond`]) and stops the flow. Reads no body.
#[derive(Clone, Copy, Debug, Default)]
pub struct Respond;

impl Respond {
    /// Reads `<respond/>`: no attributes but the common `description`, `trace` and `statistics`,
    /// no children but `<description>`.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        empty_element(spec)?;
        Ok(Respond)
    }
}

#[async_trait]
impl Mediator for Respond {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        if !exchange::respond(msg) {
            tracing::warn!("respond: the client has had its reply already; message dropped");
        }
        Ok(Flow::Stop)
    }

    fn kind(&self) -> &str {
        "respond"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

/// `<loopback/>`: Synapse's `LoopBackMediator`. On a request (in flow) it marks the message as
/// a response, clears `To` and moves it to the response path: the API resource's or proxy
/// service's out sequence ([`ResponsePath`](mediate_core::exchange::ResponsePath)), or
/// straight back to the client when there is none. On a message already in the response flow
/// it changes nothing (MI: a message cannot be moved to the out flow twice). Either way the
/// rest of the current flow is skipped ([`Flow::Stop`]). Reads no body.
#[derive(Clone, Copy, Debug, Default)]
pub struct Loopback;

impl Loopback {
    /// Reads `<loopback/>`: no attributes but the common `description`, `trace` and `statistics`,
    /// no children but `<description>`.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        empty_element(spec)?;
        Ok(Loopback)
    }
}

#[async_trait]
impl Mediator for Loopback {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if msg.is_response() {
            return Ok(Flow::Stop);
        }
        msg.set_response(true);
        msg.addressing_mut().to = None;
        // Into the response path: the API resource's or proxy's out sequence, else straight
        // back to the client (Synapse's `injectMessage` of a response).
        let path = exchange::response_path(msg).cloned().unwrap_or_default();
        match &path.out_sequence {
            Some(out) => {
                let outcome = env
                    .run_with_fault(out, path.fault_sequence.as_deref(), msg)
                    .await;
                exchange::finish(
                    msg,
                    exchange::Branch::Response,
                    outcome.as_ref().map(|_| ()),
                );
            }
            None => {
                exchange::respond(msg);
            }
        }
        Ok(Flow::Stop)
    }

    fn kind(&self) -> &str {
        "loopback"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

/// The configuration of a sequence reference, `<sequence key="…"/>` (data).
///
/// `key` is a static key (`key="audit"`) or a dynamic one written in braces
/// (`key="{get-property('seq')}"`, `key="{json-eval($.route)}"`, also `key="${vars.seq}"`),
/// whose string value names the sequence for each message.
#[derive(Clone, Debug)]
pub struct SequenceRefConfig {
    /// The key as written.
    pub key: String,
    /// Prefixes used by a dynamic key's expression.
    pub namespaces: Namespaces,
}

impl SequenceRefConfig {
    /// Reads `<sequence key="…"/>` (Synapse's `SequenceMediatorFactory` for a reference): `key`
    /// is required; a static key, `{expression}` or `${…}`. The common `description`, `trace`
    /// and `statistics` attributes and a `<description>` child are accepted; `onError` is
    /// refused with MI's message (a reference cannot have an error handler). A `name` (a named
    /// sequence defined inline in a mediator list, which MI runs in place) is not supported
    /// yet; other attributes and children are refused.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        if let Some(name) = spec.get("name") {
            return Err(spec.invalid(
                "name",
                name,
                format!(
                    "unknown attribute `name` for a sequence reference (expected `key`, {}): a \
                     named sequence defined inside a mediator list is not supported yet; deploy \
                     it as its own `<sequence name>` and refer to it with `<sequence key>`",
                    COMMON_ATTRIBUTES
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if let Some(on_error) = spec.get("onError") {
            return Err(spec.invalid(
                "onError",
                on_error,
                "A sequence mediator with a reference to another sequence can not have \
                 'ErrorHandler'",
            ));
        }
        check_mediator_attributes(spec, &["key"])?;
        check_no_children(spec)?;
        let key = spec.require("key")?;
        Ok(Self::new(key).namespaces(spec.namespaces.clone()))
    }

    /// A reference to the sequence `key` (static, or `{expr}` / `${…}` for a dynamic key).
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            namespaces: Namespaces::default(),
        }
    }

    /// Sets the namespace prefixes of a dynamic key's expression.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Compiles a dynamic key's expression; an empty key is refused.
    pub fn build(self) -> Result<SequenceRef, BuildError> {
        let key = self.key.trim();
        if key.is_empty() {
            return Err(BuildError::missing("sequence", "key"));
        }
        let key = if key.starts_with("${") {
            ValueSource::Expression(compile_expression(
                "sequence",
                "key",
                key,
                &self.namespaces,
            )?)
        } else if let Some(inner) = key.strip_prefix('{').and_then(|k| k.strip_suffix('}')) {
            ValueSource::Expression(compile_expression(
                "sequence",
                "key",
                inner,
                &self.namespaces,
            )?)
        } else {
            ValueSource::Literal(key.to_owned())
        };
        Ok(SequenceRef { key })
    }
}

/// The runtime sequence reference: it looks the sequence up in the [`Env`] and runs it,
/// returning its [`Flow`]. An unknown key is a [`MediationError`] with Synapse's message
/// (`Sequence named Value {name ='key', keyValue ='…'} cannot be found`).
#[derive(Debug)]
pub struct SequenceRef {
    key: ValueSource,
}

impl SequenceRef {
    /// The key, a literal or an expression.
    pub fn key(&self) -> &ValueSource {
        &self.key
    }

    /// The sequence the key names for this message. Not inlined into `mediate`, whose frame
    /// every level of nesting polls through.
    #[inline(never)]
    fn lookup<'e>(
        &self,
        msg: &MessageContext,
        env: &'e Env,
    ) -> Result<&'e Arc<Sequence>, MediationError> {
        let key = self.key.evaluate_string_in(msg, &env.xpath_scope())?;
        let Some(seq) = env.get_sequence(&key) else {
            return Err(MediationError::mediator(format!(
                "Sequence named {} cannot be found",
                self.describe()
            )));
        };
        tracing::debug!(key = %key, "executing sequence by key");
        Ok(seq)
    }

    /// Synapse's `Value.toString()` of the key attribute.
    fn describe(&self) -> String {
        match &self.key {
            ValueSource::Literal(k) => format!("Value {{name ='key', keyValue ='{k}'}}"),
            ValueSource::Expression(e) => {
                format!("Value {{name ='key', expression ={}}}", e.source())
            }
        }
    }
}

#[async_trait]
impl Mediator for SequenceRef {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let seq = self.lookup(msg, env)?;
        // The sequence takes a level of the message's nesting (see `Sequence`), so a sequence
        // that refers to itself fails at `MAX_NESTING_DEPTH` instead of overflowing the stack.
        seq.mediate(msg, env).await
    }

    fn kind(&self) -> &str {
        "sequence"
    }

    /// The referenced sequence is only known at run time, so it may read the body.
    fn reads_body(&self) -> bool {
        true
    }
}
