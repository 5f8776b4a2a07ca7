//! `<send>`: send the message to an endpoint and end the flow; the response goes to the
//! `receive` sequence or the out flow (Synapse's `SendMediator`, `SendMediatorFactory`).
//!
//! This build reads and checks the whole configuration (the endpoint with
//! [`mediate_endpoints::EndpointDefinition`]), but has no HTTP transport yet: the built
//! [`Send`] fails every message with a [`MediationError`] that says so.

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Flow, IntoMediator, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, async_trait,
};
use mediate_endpoints::{EndpointDefinition, KeyRef};

use crate::call::{endpoint_child, no_transport, unknown_child};
use crate::value::{check_attributes, compile_expression};

/// The sequence that handles a `<send>`'s response (`receive`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiveSequence {
    /// `receive="name"`: a sequence key.
    Key(KeyRef),
    /// `receive="{expression}"`: the key is the expression's value for each message.
    Expression(String),
}

/// The configuration of a `<send>` mediator (data).
///
/// ```
/// use mediate_core::{MediatorSpec, Registry};
/// use mediate_mediators::send::{ReceiveSequence, SendConfig};
///
/// // <send receive="HandleQuote"><endpoint><address uri="http://localhost:9000/services/SimpleStockQuoteService"/></endpoint></send>
/// let spec = MediatorSpec::new("send").property("receive", "HandleQuote").child(
///     MediatorSpec::new("endpoint").child(
///         MediatorSpec::new("address")
///             .property("uri", "http://localhost:9000/services/SimpleStockQuoteService"),
///     ),
/// );
/// let send = SendConfig::from_spec(&spec, &Registry::new())?;
/// assert!(matches!(send.receive, Some(ReceiveSequence::Key(ref k)) if k.key == "HandleQuote"));
/// assert!(!send.build_message);
/// assert!(send.endpoint.is_some());
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SendConfig {
    /// `receive`: the response's sequence; the out flow when not given.
    pub receive: Option<ReceiveSequence>,
    /// `buildmessage`: whether the message is built (parsed) before it is sent; `false`
    /// when not given.
    pub build_message: bool,
    /// The inline `<endpoint>` or `<endpoint key>`; without one the message's `To` address
    /// is used.
    pub endpoint: Option<EndpointDefinition>,
    /// Prefixes in scope for a dynamic `receive` expression.
    pub namespaces: Namespaces,
}

impl SendConfig {
    /// Reads `<send [receive] [buildmessage]>` with an optional `<endpoint>`.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_attributes(spec, &["receive", "buildmessage", "description"])?;
        if let Some(child) = spec.children.iter().find(|c| c.kind != "endpoint") {
            return Err(unknown_child(spec, child, "`<endpoint>`"));
        }
        let receive = match spec.get("receive") {
            None => None,
            Some(r) if r.trim().is_empty() => {
                return Err(spec.invalid("receive", r, "must name a sequence"));
            }
            Some(r) => Some(
                match r.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(expr) => {
                        compile_expression("send", "receive", expr.trim(), &spec.namespaces)?;
                        ReceiveSequence::Expression(expr.trim().to_owned())
                    }
                    None => ReceiveSequence::Key(KeyRef {
                        key: r.to_owned(),
                        position: spec.position_of("receive").or(spec.position),
                    }),
                },
            ),
        };
        let build_message = match spec.get("buildmessage") {
            None => false,
            Some(v) if v.trim().eq_ignore_ascii_case("true") => true,
            Some(v) if v.trim().eq_ignore_ascii_case("false") => false,
            Some(v) => return Err(spec.invalid("buildmessage", v, "expected `true` or `false`")),
        };
        Ok(Self {
            receive,
            build_message,
            endpoint: endpoint_child(spec)?,
            namespaces: spec.namespaces.clone(),
        })
    }

    /// A send to `endpoint`, the response going to the out flow.
    pub fn to_endpoint(endpoint: EndpointDefinition) -> Self {
        Self {
            receive: None,
            build_message: false,
            endpoint: Some(endpoint),
            namespaces: Namespaces::default(),
        }
    }

    /// Checks what is left (a dynamic `receive` expression) and builds the mediator.
    pub fn build(self) -> Result<Send, BuildError> {
        if let Some(ReceiveSequence::Expression(expr)) = &self.receive {
            compile_expression("send", "receive", expr, &self.namespaces)?;
        }
        Ok(Send {
            config: Arc::new(self),
        })
    }
}

/// The runtime `<send>` mediator. This build has no HTTP transport: every message fails with
/// a [`MediationError`] saying so, before anything is sent. It reads no body.
#[derive(Clone, Debug)]
pub struct Send {
    config: Arc<SendConfig>,
}

impl Send {
    /// The configuration it was built from.
    pub fn config(&self) -> &SendConfig {
        &self.config
    }
}

#[async_trait]
impl Mediator for Send {
    async fn mediate(&self, _msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        Err(no_transport("send"))
    }

    fn kind(&self) -> &str {
        "send"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

impl IntoMediator for SendConfig {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self.build()?))
    }
}
