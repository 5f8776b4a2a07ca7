//! `<call>`: send the message to an endpoint and continue the flow with the response
//! (Synapse's `CallMediator`, MI 4.4's `CallMediatorFactory`).
//!
//! The endpoint runtime ([`Endpoints`], found in the [`Env`] as an extension) does the
//! exchange. The flow waits for the response and goes on with it (MI's non-blocking call also
//! resumes the same sequence after the call mediator). A 4xx/5xx answer is a response
//! (`HTTP_SC` says which); a failure (101503, 101504…) is a [`MediationError`] for the fault
//! sequence.
//!
//! - `<source>` sends the source's value instead of the body (with `contentType`, else a type
//!   guessed from the value); `<target type="property|variable">` stores the response payload
//!   (JSON, XML or text) in that property or variable and keeps the message body, content type
//!   and transport headers (`HTTP_SC` becomes the response's status).
//! - Synapse property `OUT_ONLY` = `true`: a copy is sent in the background and the flow goes
//!   on at once, without a response.
//! - A timeout whose `responseAction` is `discard`, or an endpoint `onError` sequence that
//!   handled a failure, stops the flow.
//! - axis2 `FORCE_SC_ACCEPTED` = `true`: the client is answered `202 Accepted` when the call
//!   starts (MI releases the request flow there), and a later reply is not sent.
//!
//! # Blocking calls
//!
//! `blocking="true"` selects MI's blocking client (`BlockingMsgSender`). mediate does not
//! block a thread for it (the exchange stays asynchronous), but the message sees what MI's
//! blocking call gives it:
//!
//! - The request is read into memory before it is sent (MI's blocking call is content-aware),
//!   and so is the response.
//! - A response with a status other than 2xx is a failure, not a response: `ERROR_CODE`
//!   401002 (`BLOCKING_SENDER_OPERATION_FAILED`), `ERROR_MESSAGE`
//!   `Transport error: 404 Error: Not Found`; the message keeps the request's body and takes
//!   the status as `HTTP_SC`. A SOAP fault answer (any status) is a failure too: the message
//!   takes the fault envelope and status, `ERROR_MESSAGE` is the fault's reason,
//!   `ERROR_DETAIL` its detail, `ERROR_CODE` the fault code when it is a number, else 401002.
//! - A transport failure (connection refused, timeout, connection closed…) has `ERROR_CODE`
//!   401002 instead of the non-blocking `101xxx` code, with the same `ERROR_MESSAGE` (the
//!   runtime's error is kept as its cause, in `ERROR_DETAIL`). A timeout fails whatever its
//!   `responseAction` (a blocking client has no timeout handler that could discard).
//!   Failures of the endpoint itself (suspended: 303001, no ready child: 303000) keep their
//!   codes.
//! - Each of these failures, an error status and a SOAP fault included, is a failure of the
//!   endpoint that sent, with the code above (Synapse's `BlockingMsgSender` sets `ERROR_CODE`,
//!   then hands the message to the endpoint's `onFault`): the endpoint's `<errorCodes>` lists
//!   (`suspendOnFailure`, `markForSuspension`, `retryConfig`) are matched against 401002 (or
//!   a SOAP fault's numeric code), not against `101503`, and a `<failover>` or
//!   `<loadbalance>` group sends the request to its next child. The runtime does this
//!   ([`CallOptions::blocking`](mediate_endpoints::CallOptions::blocking)); when no child
//!   answers well, the fault sequence sees the last answer as above.
//! - Synapse property `BLOCKING_SENDER_ERROR` is `"true"` after a failure (the fault sequence
//!   sees it), `"false"` after a success.
//! - On success the body becomes the response (or goes to the `<target>`) and `HTTP_SC` its
//!   status, but the message keeps the request's transport headers, unless Synapse property
//!   `BLOCKING_SENDER_PRESERVE_REQ_HEADERS` is `"false"`: then it takes the response's.
//! - `OUT_ONLY` = `true`: the call waits for the answer, whose status becomes `HTTP_SC`; the
//!   flow goes on with the message as it was, and a failure (an error status or a SOAP fault
//!   answer included, whose envelope the message does not take) reaches the fault sequence
//!   (nothing runs in the background).
//! - `FORCE_SC_ACCEPTED` answers nothing early: MI's blocking call does not release the
//!   request flow, so the reply after the call is the client's.
//! - `<failover>` and `<loadbalance>` endpoints work as in a non-blocking call; a
//!   `<recipientlist>` is refused: an inline one when the configuration is built, one named by
//!   `<endpoint key>` for each message (`ERROR_CODE` 401001). (MI's documentation refuses
//!   every group endpoint in blocking mode; its blocking client has sent to failover and
//!   load-balance groups since wso2-synapse PR 1089.)
//! - `initAxis2ClientOptions="false"` makes MI's blocking client reuse the message's Axis2
//!   client options (`axis2-client` properties) instead of fresh ones; mediate has no
//!   `axis2-client` scope, so the attribute is accepted and changes nothing. `axis2xml` and
//!   `repository` are refused.
//!
//! Without an [`Endpoints`] in the environment, every message fails with a [`MediationError`]
//! saying that the `call` mediator needs an HTTP transport.

use std::sync::Arc;

use bytes::Bytes;
use mediate_core::message::BodyError;
use mediate_core::{
    BuildError, Env, Expression, Flow, IntoMediator, MediationError, Mediator, MediatorSpec,
    MessageContext, Namespaces, PropertyValue, Registry, Scope, VariableValue, async_trait, codes,
};
use mediate_endpoints::{CallOutcome, EndpointDefinition, Endpoints, payload_value};

use crate::value::{check_attributes, compile_expression};

mod blocking;

/// Where a `<call>` takes the request payload from (`<source type>`); the message body when
/// there is no `<source>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallSourceKind {
    /// `type="body"`: the message body (as without `<source>`).
    Body,
    /// `type="custom"` (the default type): the result of an XPath, `json-eval(…)` or `${…}`
    /// expression, written as the element's text.
    Custom(String),
    /// `type="property"`: the property named by the element's text.
    Property(String),
    /// `type="inline"`: the element's content (XML or text) as written.
    Inline(String),
}

/// `<source [type] [contentType]>…</source>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSource {
    /// What to send.
    pub kind: CallSourceKind,
    /// `contentType`: the content type the request is sent with (the message's own is
    /// restored when the response arrives).
    pub content_type: Option<String>,
}

/// Where a `<call>` puts the response (`<target type>`); the message body when there is no
/// `<target>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// `type="body"`.
    Body,
    /// `type="property"`: the property named by the element's text; the body is kept.
    Property(String),
    /// `type="variable"`: the variable named by the element's text; the body is kept.
    Variable(String),
}

/// The configuration of a `<call>` mediator (data).
///
/// ```
/// use mediate_core::{MediatorSpec, Registry};
/// use mediate_mediators::call::{CallConfig, CallTarget};
///
/// // <call><endpoint key="StockQuoteEP"/><target type="property">RESULT</target></call>
/// let spec = MediatorSpec::new("call")
///     .child(MediatorSpec::new("endpoint").property("key", "StockQuoteEP"))
///     .child(MediatorSpec::new("target").property("type", "property").text("RESULT"));
/// let call = CallConfig::from_spec(&spec, &Registry::new())?;
/// assert!(!call.blocking);
/// assert_eq!(call.target, Some(CallTarget::Property("RESULT".into())));
/// assert_eq!(call.endpoint.unwrap().references().next().unwrap().key, "StockQuoteEP");
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CallConfig {
    /// `blocking`: MI's blocking client, with its error and header semantics (see the
    /// [module](self) documentation); `false` when not given.
    pub blocking: bool,
    /// `initAxis2ClientOptions` (blocking mode only): whether MI's blocking client starts
    /// from fresh Axis2 client options (`true`, MI's default) or reuses the message's; mediate
    /// has no Axis2 client options, so it changes nothing (see the [module](self) docs).
    pub init_axis2_client_options: Option<bool>,
    /// The inline `<endpoint>` or `<endpoint key>`; without one the message's `To` address
    /// is used.
    pub endpoint: Option<EndpointDefinition>,
    /// `<source>`.
    pub source: Option<CallSource>,
    /// `<target>`.
    pub target: Option<CallTarget>,
    /// Prefixes in scope for a custom source's expression.
    pub namespaces: Namespaces,
}

/// `true`/`false`, ignoring case (`Boolean.parseBoolean` reads anything else as `false`;
/// mediate refuses it instead).
fn flag(spec: &MediatorSpec, name: &str) -> Result<Option<bool>, BuildError> {
    match spec.get(name) {
        None => Ok(None),
        Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(spec.invalid(name, v, "expected `true` or `false`")),
    }
}

/// The one optional `<endpoint>` child of `spec`, read as a definition.
pub(crate) fn endpoint_child(
    spec: &MediatorSpec,
) -> Result<Option<EndpointDefinition>, BuildError> {
    let mut endpoints = spec.children.iter().filter(|c| c.kind == "endpoint");
    let first = endpoints.next();
    if let Some(second) = endpoints.next() {
        return Err(spec
            .invalid_structure(format!(
                "`<{}>` takes one `<endpoint>`; group several in a `<failover>`, `<loadbalance>` or `<recipientlist>` endpoint",
                spec.kind
            ))
            .locate(second));
    }
    first.map(EndpointDefinition::from_spec).transpose()
}

/// The error for an unknown child element of `spec`, located at the child.
pub(crate) fn unknown_child(
    spec: &MediatorSpec,
    child: &MediatorSpec,
    allowed: &str,
) -> BuildError {
    spec.invalid_structure(format!(
        "unknown child element `<{}>` (expected {allowed})",
        child.kind
    ))
    .locate(child)
}

impl CallConfig {
    /// Reads `<call [blocking] [initAxis2ClientOptions]>` with an optional `<endpoint>`,
    /// `<source>` and `<target>` (MI 4.4). `axis2xml` and `repository` (a custom Axis2
    /// client configuration for blocking calls) are refused as not supported.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        for unsupported in ["axis2xml", "repository"] {
            if let Some(v) = spec.get(unsupported) {
                return Err(spec.invalid(
                    unsupported,
                    v,
                    "a custom Axis2 client configuration is not supported",
                ));
            }
        }
        check_attributes(spec, &["blocking", "initAxis2ClientOptions", "description"])?;
        for child in &spec.children {
            if !matches!(child.kind.as_str(), "endpoint" | "source" | "target") {
                return Err(unknown_child(
                    spec,
                    child,
                    "`<endpoint>`, `<source>`, `<target>`",
                ));
            }
        }
        for name in ["source", "target"] {
            if let Some(second) = spec.children_named(name).nth(1) {
                return Err(spec
                    .invalid_structure(format!("`<{name}>` is given twice"))
                    .locate(second));
            }
        }
        let source = spec
            .child_named("source")
            .map(|s| read_source(s).map_err(|e| e.locate(s)))
            .transpose()?;
        let target = spec
            .child_named("target")
            .map(|t| read_target(t).map_err(|e| e.locate(t)))
            .transpose()?;
        let blocking = flag(spec, "blocking")?.unwrap_or(false);
        let endpoint = endpoint_child(spec)?;
        if blocking && endpoint.as_ref().is_some_and(blocking::refused_kind) {
            let err = spec.invalid_structure(blocking::REFUSED_REASON);
            return Err(match spec.child_named("endpoint") {
                Some(child) => err.locate(child),
                None => err.locate(spec),
            });
        }
        Ok(Self {
            blocking,
            init_axis2_client_options: flag(spec, "initAxis2ClientOptions")?,
            endpoint,
            source,
            target,
            namespaces: spec.namespaces.clone(),
        })
    }

    /// A non-blocking call to `endpoint`.
    pub fn to_endpoint(endpoint: EndpointDefinition) -> Self {
        Self {
            blocking: false,
            init_axis2_client_options: None,
            endpoint: Some(endpoint),
            source: None,
            target: None,
            namespaces: Namespaces::default(),
        }
    }

    /// Checks what is left (a custom source's expression; no recipient list for a blocking
    /// call) and builds the mediator.
    pub fn build(self) -> Result<Call, BuildError> {
        if self.blocking && self.endpoint.as_ref().is_some_and(blocking::refused_kind) {
            return Err(BuildError::structure("call", blocking::REFUSED_REASON));
        }
        let source = match &self.source {
            Some(CallSource {
                kind: CallSourceKind::Custom(expr),
                ..
            }) => Some(compile_expression(
                "source",
                "custom",
                expr,
                &self.namespaces,
            )?),
            _ => None,
        };
        Ok(Call {
            config: Arc::new(self),
            source,
        })
    }
}

fn read_source(spec: &MediatorSpec) -> Result<CallSource, BuildError> {
    check_attributes(spec, &["type", "contentType"])?;
    let text = spec.text.as_deref().unwrap_or_default();
    let kind = match spec.get("type").unwrap_or("custom") {
        "body" => CallSourceKind::Body,
        "custom" => {
            let expr = text.trim();
            if expr.is_empty() {
                return Err(spec.invalid_structure(
                    "a `custom` source needs an expression as its text (`<source type=\"custom\">$body//order</source>`)",
                ));
            }
            Expression::compile(expr, &spec.namespaces).map_err(|e| {
                spec.invalid_structure(format!(
                    "invalid {} at column {} of the source expression `{expr}`: {}",
                    e.kind, e.column, e.message
                ))
            })?;
            CallSourceKind::Custom(expr.to_owned())
        }
        "property" => {
            let name = text.trim();
            if name.is_empty() {
                return Err(spec.invalid_structure(
                    "a `property` source needs the property's name as its text",
                ));
            }
            CallSourceKind::Property(name.to_owned())
        }
        "inline" => {
            if text.trim().is_empty() {
                return Err(spec.invalid_structure(
                    "an `inline` source needs the payload (XML or text) as its content",
                ));
            }
            CallSourceKind::Inline(text.trim().to_owned())
        }
        other => {
            return Err(spec.invalid(
                "type",
                other,
                "unknown source type (expected `custom`, `property`, `inline` or `body`)",
            ));
        }
    };
    if !matches!(kind, CallSourceKind::Inline(_))
        && let Some(child) = spec.children.first()
    {
        return Err(spec.invalid_structure(format!(
            "unexpected child element `<{}>` (only an `inline` source holds XML)",
            child.kind
        )));
    }
    Ok(CallSource {
        kind,
        content_type: spec.get("contentType").map(str::to_owned),
    })
}

fn read_target(spec: &MediatorSpec) -> Result<CallTarget, BuildError> {
    check_attributes(spec, &["type"])?;
    if let Some(child) = spec.children.first() {
        return Err(spec.invalid_structure(format!(
            "unexpected child element `<{}>` (`<target>` holds a name)",
            child.kind
        )));
    }
    let name = spec.text.as_deref().unwrap_or_default().trim();
    let named = |what: &str| {
        if name.is_empty() {
            Err(spec.invalid_structure(format!(
                "a `{what}` target needs the {what}'s name as its text"
            )))
        } else {
            Ok(name.to_owned())
        }
    };
    match spec.get("type") {
        Some("body") => Ok(CallTarget::Body),
        Some("property") => named("property").map(CallTarget::Property),
        Some("variable") => named("variable").map(CallTarget::Variable),
        Some(other) => Err(spec.invalid(
            "type",
            other,
            "unknown target type (expected `property`, `variable` or `body`)",
        )),
        None => Err(BuildError::missing("target", "type")),
    }
}

/// The runtime `<call>` mediator (see the [module](self) documentation). It reads no body
/// itself: an unread body is streamed to the endpoint (a `<source>` expression or a
/// `<target>` that keeps the body reads it first).
#[derive(Clone, Debug)]
pub struct Call {
    config: Arc<CallConfig>,
    /// The compiled expression of a `custom` source.
    source: Option<Expression>,
}

impl Call {
    /// The configuration it was built from.
    pub fn config(&self) -> &CallConfig {
        &self.config
    }

    /// The request payload a `<source>` gives (`None`: the message body), with its content
    /// type.
    fn source_payload(
        &self,
        msg: &MessageContext,
        env: &Env,
    ) -> Result<Option<(Bytes, String)>, MediationError> {
        let Some(source) = &self.config.source else {
            return Ok(None);
        };
        let text = match &source.kind {
            CallSourceKind::Body => return Ok(None),
            CallSourceKind::Custom(expr) => match &self.source {
                Some(compiled) => compiled.evaluate_string_in(msg, &env.xpath_scope())?,
                None => {
                    return Err(MediationError::mediator(format!(
                        "the `call` source expression `{expr}` was not compiled"
                    )));
                }
            },
            CallSourceKind::Property(name) => match msg.property(name) {
                Some(PropertyValue::Om(xml)) => xml.text().into_owned(),
                Some(PropertyValue::Json(json)) => json.to_string(),
                Some(other) => other.as_string(),
                None => {
                    return Err(MediationError::mediator(format!(
                        "the `call` source property `{name}` is not set"
                    )));
                }
            },
            CallSourceKind::Inline(text) => text.clone(),
        };
        let content_type = source
            .content_type
            .clone()
            .unwrap_or_else(|| guess_content_type(&text).to_owned());
        Ok(Some((Bytes::from(text), content_type)))
    }
}

/// The content type of a source value given without `contentType`.
fn guess_content_type(text: &str) -> &'static str {
    match text.trim_start().chars().next() {
        Some('<') => "application/xml",
        Some('{' | '[') => "application/json",
        _ => "text/plain",
    }
}

/// The error for a body that could not be read.
pub(crate) fn body_error(err: BodyError, response: bool) -> MediationError {
    let code = match (&err, response) {
        (BodyError::TooLarge { .. }, _) => codes::BODY_TOO_LARGE,
        (_, true) => codes::SND_IO_ERROR_RECEIVING,
        (_, false) => codes::RCV_IO_ERROR_RECEIVING,
    };
    if response {
        MediationError::backend(code, err.to_string())
    } else {
        MediationError::client(code, err.to_string())
    }
}

/// Whether a flag property of the default scope is `true` (`OUT_ONLY`).
pub(crate) fn synapse_flag(msg: &MessageContext, name: &str) -> bool {
    msg.scoped_property(Scope::Default, name)
        .is_some_and(|v| v.as_string().trim().eq_ignore_ascii_case("true"))
}

/// What `call` and `send` fail with when the environment has no [`Endpoints`].
pub(crate) fn no_transport(kind: &str) -> MediationError {
    MediationError::mediator(format!(
        "the `{kind}` mediator needs an HTTP transport, which this build does not have yet"
    ))
}

/// The flow after a call's outcome.
fn flow_of(outcome: CallOutcome) -> Flow {
    match outcome {
        CallOutcome::Response => Flow::Continue,
        _ => Flow::Stop,
    }
}

#[async_trait]
impl Mediator for Call {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let Some(endpoints) = env.extension::<Endpoints>() else {
            return Err(no_transport("call"));
        };
        if self.config.blocking {
            // Boxed, as the other uncommon ways below: each would make the future of every
            // call (allocated per message) as large as its own.
            return Box::pin(blocking::call(self, endpoints, msg, env)).await;
        }
        let endpoint = self.config.endpoint.as_ref();
        let keeps_body = matches!(
            self.config.target,
            Some(CallTarget::Property(_) | CallTarget::Variable(_))
        );
        let sources = self.source.is_some()
            || matches!(
                self.config.source.as_ref().map(|s| &s.kind),
                Some(CallSourceKind::Property(_) | CallSourceKind::Inline(_))
            );
        let out_only = synapse_flag(msg, "OUT_ONLY");
        // MI suspends the request flow at a call, and its transport answers 202 then when
        // FORCE_SC_ACCEPTED is set; the reply after the call is not sent.
        mediate_core::exchange::accept_if_forced(msg);
        if !out_only && !keeps_body && !sources {
            let outcome = endpoints.call(endpoint, msg, env).await?;
            return Ok(flow_of(outcome));
        }
        Box::pin(self.call_on_copy(endpoints, msg, env, keeps_body, out_only)).await
    }

    fn kind(&self) -> &str {
        "call"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

impl Call {
    /// A call that sends a copy of the message: out-only, with a `source`, or keeping the
    /// reply in a `target`.
    async fn call_on_copy(
        &self,
        endpoints: &Endpoints,
        msg: &mut MessageContext,
        env: &Env,
        keeps_body: bool,
        out_only: bool,
    ) -> Result<Flow, MediationError> {
        let endpoint = self.config.endpoint.as_ref();
        if keeps_body || self.source.is_some() || out_only {
            msg.read_body().await.map_err(|e| body_error(e, false))?;
        }
        let mut request = msg.clone();
        if let Some((payload, content_type)) = self.source_payload(msg, env)? {
            drop(request.take_unread_body());
            request.set_payload(payload, content_type);
        }
        if out_only {
            // MI sends a clone on an out-only operation and goes on at once.
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return Err(MediationError::mediator(
                    "an out-only `call` needs a tokio runtime to send in the background",
                ));
            };
            let endpoints = endpoints.clone();
            // The configuration itself (not a copy of the endpoint) goes with the task: the
            // endpoints runtime keeps an inline endpoint's state by the definition's identity.
            let config = Arc::clone(&self.config);
            let task_env = env.clone();
            // Tracked by the environment's background tasks: a server stopping waits for it.
            mediate_core::tasks::spawn(env, &runtime, async move {
                let env = task_env;
                let endpoint = config.endpoint.as_ref();
                match endpoints.call(endpoint, &mut request, &env).await {
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(code = err.code(), error = %err, "out-only call failed")
                    }
                }
            });
            return Ok(Flow::Continue);
        }
        let outcome = endpoints.call(endpoint, &mut request, env).await?;
        if outcome != CallOutcome::Response {
            *msg = request;
            return Ok(Flow::Stop);
        }
        if !store_in_target(self.config.target.as_ref(), msg, &mut request).await? {
            *msg = request;
        } else {
            keep_status(msg, &request);
        }
        Ok(Flow::Continue)
    }
}

/// Stores the response (`response`, read here) in a property or variable `<target>`: `true`
/// when it did (the message keeps its body), `false` when the response is to become the
/// message (no `<target>`, or `type="body"`).
async fn store_in_target(
    target: Option<&CallTarget>,
    msg: &mut MessageContext,
    response: &mut MessageContext,
) -> Result<bool, MediationError> {
    match target {
        Some(CallTarget::Property(name)) => {
            response
                .read_body()
                .await
                .map_err(|e| body_error(e, true))?;
            msg.set_property(name.clone(), payload_value(response));
            Ok(true)
        }
        Some(CallTarget::Variable(name)) => {
            response
                .read_body()
                .await
                .map_err(|e| body_error(e, true))?;
            let value = match payload_value(response) {
                PropertyValue::Json(v) => VariableValue::Json(v),
                PropertyValue::Om(x) => VariableValue::Xml(x),
                other => VariableValue::String(other.as_string()),
            };
            msg.set_variable(name.clone(), value);
            Ok(true)
        }
        Some(CallTarget::Body) | None => Ok(false),
    }
}

/// A `<target>` that keeps the body still takes the response's status (`HTTP_SC`).
fn keep_status(msg: &mut MessageContext, response: &MessageContext) {
    if let Some(status) = response.status() {
        msg.set_status(status);
    }
}

impl IntoMediator for CallConfig {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self.build()?))
    }
}
