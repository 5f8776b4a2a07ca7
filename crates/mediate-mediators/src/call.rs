//! `<call>`: send the message to an endpoint and continue the flow with the response
//! (Synapse's `CallMediator`, MI 4.4's `CallMediatorFactory`).
//!
//! This build reads and checks the whole configuration (the endpoint with
//! [`mediate_endpoints::EndpointDefinition`]), but has no HTTP transport yet: the built
//! [`Call`] fails every message with a [`MediationError`] that says so.

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Expression, Flow, IntoMediator, MediationError, Mediator, MediatorSpec,
    MessageContext, Namespaces, Registry, async_trait,
};
use mediate_endpoints::EndpointDefinition;

use crate::value::{check_attributes, compile_expression};

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
    /// `blocking`: wait for the response on the calling thread (MI's blocking client);
    /// `false` when not given.
    pub blocking: bool,
    /// `initAxis2ClientOptions` (blocking mode only): whether the blocking client starts
    /// from fresh Axis2 options; MI's default is `true`.
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
        Ok(Self {
            blocking: flag(spec, "blocking")?.unwrap_or(false),
            init_axis2_client_options: flag(spec, "initAxis2ClientOptions")?,
            endpoint: endpoint_child(spec)?,
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

    /// Checks what is left (a custom source's expression) and builds the mediator.
    pub fn build(self) -> Result<Call, BuildError> {
        if let Some(CallSource {
            kind: CallSourceKind::Custom(expr),
            ..
        }) = &self.source
        {
            compile_expression("source", "custom", expr, &self.namespaces)?;
        }
        Ok(Call {
            config: Arc::new(self),
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

/// The runtime `<call>` mediator. This build has no HTTP transport: every message fails with
/// a [`MediationError`] saying so, before anything is sent. It reads no body.
#[derive(Clone, Debug)]
pub struct Call {
    config: Arc<CallConfig>,
}

impl Call {
    /// The configuration it was built from.
    pub fn config(&self) -> &CallConfig {
        &self.config
    }
}

/// What `call` and `send` fail with until the HTTP transport exists.
pub(crate) fn no_transport(kind: &str) -> MediationError {
    MediationError::mediator(format!(
        "the `{kind}` mediator needs an HTTP transport, which this build does not have yet"
    ))
}

#[async_trait]
impl Mediator for Call {
    async fn mediate(&self, _msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        Err(no_transport("call"))
    }

    fn kind(&self) -> &str {
        "call"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

impl IntoMediator for CallConfig {
    fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
        Ok(Arc::new(self.build()?))
    }
}
