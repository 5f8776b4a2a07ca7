//! `<send>`: send the message to an endpoint; the response goes to the `receive` sequence or
//! the out flow (Synapse's `SendMediator`, `SendMediatorFactory`).
//!
//! As in MI, `send` does not wait: it hands the exchange to a task of its own and the current
//! flow goes on (`send` returns `true` in Synapse; mediators after it still run). The message's
//! client then waits for the response branch ([`exchange::expect_reply`]), where the response
//! runs through, in this order:
//!
//! 1. the `receive` sequence, when given (evaluated when the message is sent);
//! 2. else the out sequence of the message's API resource or proxy service
//!    ([`exchange::response_path`]);
//! 3. else it goes straight back to the client ([`exchange::respond`]).
//!
//! A failed send (101503, 101504, 303000…) runs the fault sequence of the resource or proxy
//! (else `fault`) on the request, with `ERROR_CODE` and `ERROR_MESSAGE` set. Each branch ends
//! with [`exchange::finish`], so a client is never left without a reply. A recipient list's
//! responses each run through the response flow as they arrive, in the order the recipients
//! answer (the first one to reply answers the client; a slow recipient holds up no other).
//!
//! The exchange's task is a background task of the environment
//! ([`mediate_core::tasks::spawn`]): a server that stops waits for it (within its grace
//! period), so a message accepted with `FORCE_SC_ACCEPTED` is still delivered.
//!
//! `<send/>` without an endpoint on a response message replies to the client. Synapse property
//! `OUT_ONLY` = `true`: the message is sent and no response is awaited or processed; axis2
//! `FORCE_SC_ACCEPTED` = `true`: the client gets `202 Accepted` when the request flow ends (the
//! transport's part) and a later response is not sent.
//!
//! Without an [`Endpoints`] in the environment, a send to an endpoint fails with a
//! [`MediationError`] saying that the `send` mediator needs an HTTP transport.

use std::sync::Arc;

use futures::StreamExt;
use mediate_core::exchange::{self, Branch};
use mediate_core::tasks;
use mediate_core::{
    BuildError, Env, Expression, Flow, IntoMediator, MediationError, Mediator, MediatorSpec,
    MessageContext, Namespaces, Registry, async_trait,
};
use mediate_endpoints::{CallOutcome, Delivery, EndpointDefinition, Endpoints, KeyRef};

use crate::call::{body_error, endpoint_child, no_transport, synapse_flag, unknown_child};
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
        let receive = match &self.receive {
            Some(ReceiveSequence::Expression(expr)) => Some(compile_expression(
                "send",
                "receive",
                expr,
                &self.namespaces,
            )?),
            _ => None,
        };
        Ok(Send {
            config: Arc::new(self),
            receive,
        })
    }
}

/// The runtime `<send>` mediator (see the [module](self) documentation). It reads no body
/// itself (unless `buildmessage="true"`): an unread body is streamed to the endpoint.
#[derive(Clone, Debug)]
pub struct Send {
    config: Arc<SendConfig>,
    /// The compiled expression of a dynamic `receive`.
    receive: Option<Expression>,
}

impl Send {
    /// The configuration it was built from.
    pub fn config(&self) -> &SendConfig {
        &self.config
    }

    /// The `receive` sequence's key for this message (Synapse's `RECEIVING_SEQUENCE`).
    fn receive_key(
        &self,
        msg: &MessageContext,
        env: &Env,
    ) -> Result<Option<String>, MediationError> {
        match (&self.config.receive, &self.receive) {
            (Some(ReceiveSequence::Key(key)), _) => Ok(Some(key.key.clone())),
            (Some(ReceiveSequence::Expression(_)), Some(expr)) => Ok(Some(
                expr.evaluate_string_in(msg, &env.xpath_scope())?
                    .trim()
                    .to_owned(),
            )),
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl Mediator for Send {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if self.config.endpoint.is_none() && msg.is_response() {
            // `<send/>` in the response flow: back to the client (`Axis2Sender.sendBack`).
            if !exchange::respond(msg) {
                tracing::warn!("send: the client has had its reply already; response dropped");
            }
            return Ok(Flow::Continue);
        }
        let Some(endpoints) = env.extension::<Endpoints>().cloned() else {
            return Err(no_transport("send"));
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(MediationError::mediator(
                "the `send` mediator needs a tokio runtime to run the exchange",
            ));
        };
        if self.config.build_message {
            msg.read_body().await.map_err(|e| body_error(e, false))?;
        }
        let receive = self.receive_key(msg, env)?;
        let out_only = synapse_flag(msg, "OUT_ONLY");
        // The copy that goes out takes the unread body; the flow goes on with the rest.
        let pending = msg.take_unread_body();
        let mut copy = msg.clone();
        if let Some(body) = pending {
            copy.set_unread_body(body, msg.shared_content_type());
        }
        if !out_only {
            exchange::expect_reply(msg);
        }
        let endpoint = self.config.clone();
        let task_env = env.clone();
        // Tracked by the environment's background tasks: a server stopping waits for it.
        tasks::spawn(env, &runtime, async move {
            let env = task_env;
            let mut deliveries = endpoints
                .call_all(endpoint.endpoint.as_ref(), copy, &env)
                .await;
            if out_only {
                while let Some(delivery) = deliveries.next().await {
                    if let Err(err) = &delivery.outcome {
                        tracing::warn!(code = err.code(), error = %err, "out-only send failed");
                    }
                }
            } else if deliveries.remaining() <= 1 {
                if let Some(delivery) = deliveries.next().await {
                    response_flow(delivery, receive.as_deref(), &env).await;
                }
            } else {
                // A recipient list: each response runs through the response flow as it
                // arrives, beside the sends still waiting for theirs.
                deliveries
                    .for_each_concurrent(None, |delivery| {
                        response_flow(delivery, receive.as_deref(), &env)
                    })
                    .await;
            }
        });
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "send"
    }

    fn reads_body(&self) -> bool {
        self.config.build_message
    }
}

/// Where one response (or failure) of a `send` goes (Synapse's `injectMessage` of a
/// response, or the fault handler of the request).
async fn response_flow(delivery: Delivery, receive: Option<&str>, env: &Env) {
    let Delivery {
        message: mut msg,
        outcome,
    } = delivery;
    let path = exchange::response_path(&msg).cloned().unwrap_or_default();
    let result = match outcome {
        Ok(CallOutcome::Response) => {
            msg.set_response(true);
            if let Some(key) = receive {
                match env.get_sequence(key) {
                    Some(seq) => env
                        .run_with_fault(seq, path.fault_sequence.as_deref(), &mut msg)
                        .await
                        .map(|_| ()),
                    None => Err(MediationError::mediator(format!(
                        "Specified sequence: {key} cannot be found"
                    ))),
                }
            } else if let Some(out) = &path.out_sequence {
                env.run_with_fault(out, path.fault_sequence.as_deref(), &mut msg)
                    .await
                    .map(|_| ())
            } else {
                exchange::respond(&mut msg);
                Ok(())
            }
        }
        Ok(_) => Ok(()),
        Err(err) => fault_flow(&mut msg, err, path.fault_sequence.as_deref(), env).await,
    };
    if let Err(err) = &result {
        tracing::warn!(code = err.code(), error = %err, "send: the response flow failed");
    }
    exchange::finish(&mut msg, Branch::Response, result.as_ref().map(|_| ()));
}

/// A failed send: the fault facts go on the request, and the fault sequence runs.
async fn fault_flow(
    msg: &mut MessageContext,
    err: MediationError,
    fault: Option<&mediate_core::Sequence>,
    env: &Env,
) -> Result<(), MediationError> {
    msg.set_fault(err.to_fault());
    let handler = fault.or_else(|| {
        env.get_sequence(mediate_core::FAULT_SEQUENCE_KEY)
            .map(|s| &**s)
    });
    let Some(handler) = handler else {
        return Err(err);
    };
    tracing::warn!(code = err.code(), error = %err, "send failed; executing fault sequence");
    handler.mediate(msg, env).await.map(|_| ())
}

impl IntoMediator for SendConfig {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self.build()?))
    }
}
