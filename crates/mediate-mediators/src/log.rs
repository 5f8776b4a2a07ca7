//! The log mediator (`<log>`), with the semantics of Synapse's `LogMediator` (MI 4.x) and the
//! MI 4.4 `<message>` template.
//!
//! ```xml
//! <log [category="INFO|TRACE|DEBUG|WARN|ERROR|FATAL"] [level="simple|headers|full|custom"] [separator="string"]
//!      [logMessageID="true|false"] [logFullPayload="true|false"]>
//!    <message>text with ${expressions}</message>?
//!    <property name="string" (value="literal" | expression="expression") [scope="default|transport|axis2|axis2-client"]/>*
//! </log>
//! ```
//!
//! Like every mediator, `<log>` also takes `description`, `trace` and `statistics` attributes
//! and a `<description>` child (see [`crate`]); they do not change the line.
//!
//! The line is built as `LogMediator.getLogMessage` builds it:
//!
//! - `simple` (the default): `To: <to>`, then `From: `, `WSAction: `, `SOAPAction: `,
//!   `ReplyTo: ` when present, `MessageID: <id>`, `Direction: request|response`, then the
//!   properties as `name = value`, all joined by the separator (default `", "`; the two
//!   characters `\n` mean a newline, as `setSeparator`);
//! - `headers`: each SOAP header block as `localName : text`, then the properties;
//! - `full`: `simple`, then `Envelope: <the SOAP envelope>` (a JSON payload is shown through
//!   MI's JSON→XML mapping, as `getEnvelope()` is never null in MI);
//! - `custom`: only the properties;
//! - with an MI 4.4 `<message>`, the rendered template, then the properties (the legacy level
//!   fields are not printed: MI 4.4's form has no level).
//!
//! MI 4.4's "Append Message ID" (`logMessageID`, default `false`) and "Append Payload"
//! (`logFullPayload`, default `false`) apply to the MI 4.4 form (a `<message>`, or the `custom`
//! level; the legacy `simple`/`full` levels print the message ID and envelope already): the line
//! is `MessageID: <id>`, the template, the properties, then `Payload: <payload>` (a JSON payload as
//! its JSON text, any other as MI's envelope), each part joined by the separator. The MI doc
//! names the two options and their defaults but not where in the line they go; this order is the
//! one the legacy levels use (identity first, payload last).
//!
//! A leading separator is trimmed (`trimLeadingSeparator`). A property's expression is printed
//! with `stringValueOf`: a failing `${…}` prints as `""`; a failing XPath/`json-eval` (or an
//! envelope that cannot be built for `full`/`headers`) fails the mediation, as Synapse throws.
//! The message is never changed.

use mediate_core::expr::MessageEnv;
use mediate_core::expr::synapse::SynapseTemplate;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::message::PayloadKind;
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, async_trait,
};

use crate::property::{ValueSpec, string_value_of_in};
use crate::value::{
    DESCRIPTION, attribute_enum, check_attributes, check_mediator_attributes, compile_expression,
    compiled_reads_body, locate_at, locate_child, unknown_child_at,
};

const KIND: &str = "log";

/// The attributes `<log>` takes.
const ATTRIBUTES: &[&str] = &[
    "level",
    "category",
    "separator",
    "logMessageID",
    "logFullPayload",
];

/// The attributes of a `<property>` child (`MediatorPropertyFactory`).
const PROPERTY_ATTRIBUTES: &[&str] = &["name", "value", "expression", "scope"];

/// The scopes `MediatorPropertyFactory` accepts on a `<property>` child. `LogMediator` reads
/// only the property's value, so the scope changes nothing in a log line.
const PROPERTY_SCOPES: &[&str] = &["default", "transport", "axis2", "axis2-client"];

/// The tracing target log lines are emitted with.
pub const TARGET: &str = "mediate::log";

/// `level`: what the line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    /// `custom`: only the properties.
    Custom,
    /// `simple` (default): addressing facts, message ID, direction, properties.
    #[default]
    Simple,
    /// `headers`: SOAP header blocks and properties.
    Headers,
    /// `full`: `simple` and the envelope.
    Full,
}

attribute_enum!(LogLevel {
    "custom" => Custom,
    "simple" => Simple,
    "headers" => Headers,
    "full" => Full,
} else |other| format!("unknown level `{other}` (custom, simple, headers, full)"));

/// `category`: the severity the line is logged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogCategory {
    /// `INFO` (default).
    #[default]
    Info,
    /// `DEBUG`.
    Debug,
    /// `TRACE`.
    Trace,
    /// `WARN`.
    Warn,
    /// `ERROR`.
    Error,
    /// `FATAL` (logged at `tracing`'s ERROR level with `fatal = true`).
    Fatal,
}

attribute_enum!(LogCategory {
    "INFO" => Info,
    "DEBUG" => Debug,
    "TRACE" => Trace,
    "WARN" => Warn,
    "ERROR" => Error,
    "FATAL" => Fatal,
} else |other| format!("unknown category `{other}` (INFO, DEBUG, TRACE, WARN, ERROR, FATAL)"));

/// A `<property name="…" value|expression="…"/>` of the log mediator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProperty {
    /// `name`.
    pub name: String,
    /// `value` or `expression`.
    pub value: ValueSpec,
}

impl LogProperty {
    /// `<property name="…" value="…"/>`.
    pub fn value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueSpec::Value(value.into()),
        }
    }

    /// `<property name="…" expression="…"/>`.
    pub fn expression(name: impl Into<String>, expression: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueSpec::Expression(expression.into()),
        }
    }
}

/// The configuration of a log mediator, as written.
#[derive(Debug, Clone, Default)]
pub struct LogConfig {
    /// `level` (default `simple`).
    pub level: LogLevel,
    /// `category` (default `INFO`).
    pub category: LogCategory,
    /// `separator` (default `", "`; `\n` as two characters is a newline).
    pub separator: Option<String>,
    /// MI 4.4 `<message>` template with `${…}` expressions.
    pub message: Option<String>,
    /// The `<property>` children, in order.
    pub properties: Vec<LogProperty>,
    /// MI 4.4 `logMessageID` (default `false`): start the line with `MessageID: <id>`.
    pub log_message_id: bool,
    /// MI 4.4 `logFullPayload` (default `false`): end the line with `Payload: <payload>`.
    pub log_full_payload: bool,
    /// Namespace prefixes for the expressions.
    pub namespaces: Namespaces,
}

impl LogConfig {
    /// The MI 4.4 form: `<log><message>template</message></log>`.
    pub fn message(template: impl Into<String>) -> Self {
        Self {
            message: Some(template.into()),
            ..Self::default()
        }
    }

    /// Sets `category`.
    #[must_use]
    pub fn with_category(mut self, category: LogCategory) -> Self {
        self.category = category;
        self
    }

    /// Adds a `<property>`.
    #[must_use]
    pub fn with_property(mut self, property: LogProperty) -> Self {
        self.properties.push(property);
        self
    }

    /// Sets `logMessageID`.
    #[must_use]
    pub fn log_message_id(mut self, on: bool) -> Self {
        self.log_message_id = on;
        self
    }

    /// Sets `logFullPayload`.
    #[must_use]
    pub fn log_full_payload(mut self, on: bool) -> Self {
        self.log_full_payload = on;
        self
    }

    /// Reads `<log>` as Synapse's `LogMediatorFactory` does: `category` is trimmed and
    /// upper-cased before it is matched; `separator`, `level`, `logMessageID`, `logFullPayload`
    /// as written; `<message>`'s text is the template; each `<property>` takes `name`,
    /// `value` or `expression`, and `scope` (`default`, `transport`, `axis2` or `axis2-client`,
    /// checked as `MediatorPropertyFactory` does; it changes nothing in the line). The common
    /// `description`, `trace` and `statistics` attributes and a `<description>` child are
    /// accepted. Unknown attributes and child elements are refused, with the closest name
    /// suggested.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, ATTRIBUTES)?;
        let level = match spec.get("level") {
            None => LogLevel::default(),
            Some(l) => l.parse().map_err(|r: String| spec.invalid("level", l, r))?,
        };
        let category = match spec.get("category") {
            None => LogCategory::default(),
            Some(c) => c.trim().to_uppercase().parse().map_err(|_| {
                spec.invalid(
                    "category",
                    c,
                    "Invalid log category. Category has to be one of the following : INFO, \
                     TRACE, DEBUG, WARN, ERROR, FATAL",
                )
            })?,
        };
        let flag = |name: &str| -> Result<bool, BuildError> {
            match spec.get(name) {
                None => Ok(false),
                Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
                Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
                Some(v) => Err(spec.invalid(name, v, "expected `true` or `false`")),
            }
        };
        let log_message_id = flag("logMessageID")?;
        let log_full_payload = flag("logFullPayload")?;
        let mut namespaces = spec.namespaces.clone();
        let mut message: Option<(&MediatorSpec, String)> = None;
        let mut properties: Vec<(&MediatorSpec, LogProperty)> = Vec::new();
        for child in &spec.children {
            for (p, u) in child.namespaces.iter() {
                namespaces.insert(p, u);
            }
            match child.kind.as_str() {
                "message" => {
                    if message.is_some() {
                        return Err(locate_at(
                            spec.invalid_structure("more than one <message>"),
                            child,
                            "",
                        ));
                    }
                    check_attributes(child, &[])?;
                    message = Some((child, child.text.clone().unwrap_or_default()));
                }
                "property" => {
                    let property = property_from_spec(child).map_err(|e| locate_child(e, child))?;
                    properties.push((child, property));
                }
                DESCRIPTION => {}
                _ => {
                    return Err(unknown_child_at(
                        spec,
                        child,
                        &["message", "property", DESCRIPTION],
                    ));
                }
            }
        }
        // What `build` compiles, checked here too so that an error is located at the child
        // element (and attribute) that holds it.
        if let Some((child, text)) = &message {
            compile_message(text, &namespaces).map_err(|e| locate_at(e, child, ""))?;
        }
        for (child, property) in &properties {
            compile_property(property.clone(), &namespaces).map_err(|e| locate_child(e, child))?;
        }
        let message = message.map(|(_, text)| text);
        let properties = properties.into_iter().map(|(_, p)| p).collect();
        Ok(Self {
            level,
            category,
            separator: spec.get("separator").map(str::to_owned),
            message,
            properties,
            log_message_id,
            log_full_payload,
            namespaces,
        })
    }

    /// Checks and compiles the configuration.
    pub fn build(self) -> Result<LogMediator, BuildError> {
        let separator = match self.separator.as_deref() {
            None => ", ".to_owned(),
            Some("\\n") => "\n".to_owned(),
            Some(s) => s.to_owned(),
        };
        let message = match &self.message {
            None => None,
            Some(text) => Some(compile_message(text, &self.namespaces)?),
        };
        let mut content_aware = message
            .as_ref()
            .is_some_and(SynapseTemplate::is_content_aware);
        let mut properties = Vec::with_capacity(self.properties.len());
        for p in self.properties {
            let (name, value, reads_body) = compile_property(p, &self.namespaces)?;
            content_aware |= reads_body;
            properties.push((name, value));
        }
        // LogMediator.isContentAware: only the custom level can avoid the body.
        let custom = self.level == LogLevel::Custom || message.is_some();
        Ok(LogMediator {
            level: self.level,
            category: self.category,
            separator,
            message,
            properties,
            log_message_id: custom && self.log_message_id,
            log_full_payload: custom && self.log_full_payload,
            reads_body: !custom || content_aware || self.log_full_payload,
        })
    }
}

/// A `<property>` child of `<log>`, as `MediatorPropertyFactory` reads it (errors are not
/// located: the caller locates them at the child).
fn property_from_spec(child: &MediatorSpec) -> Result<LogProperty, BuildError> {
    check_attributes(child, PROPERTY_ATTRIBUTES)?;
    if let Some(scope) = child.get("scope")
        && !PROPERTY_SCOPES.contains(&scope)
    {
        return Err(child.invalid(
            "scope",
            scope,
            format!(
                "Only 'axis2' or 'transport' or 'axis2-client' values are allowed for attribute \
                 scope for a property, Unsupported scope {scope}"
            ),
        ));
    }
    let name = child.require("name")?.to_owned();
    let value = match (child.get("value"), child.get("expression")) {
        (Some(v), None) => ValueSpec::Value(v.to_owned()),
        (None, Some(e)) => ValueSpec::Expression(e.to_owned()),
        (Some(_), Some(_)) => {
            return Err(child.invalid_structure(format!(
                "property `{name}`: only one of `value` and `expression`"
            )));
        }
        (None, None) => {
            return Err(child.invalid_structure(format!(
                "property `{name}`: `value` or `expression` is required"
            )));
        }
    };
    Ok(LogProperty { name, value })
}

/// The MI 4.4 `<message>` template, compiled.
fn compile_message(text: &str, namespaces: &Namespaces) -> Result<SynapseTemplate, BuildError> {
    let ns: Vec<(String, String)> = namespaces
        .iter()
        .map(|(p, u)| (p.to_owned(), u.to_owned()))
        .collect();
    Ok(SynapseTemplate::compile(text)
        .map_err(|e| BuildError::invalid(KIND, "message", text, e.to_string()))?
        .with_namespaces(ns))
}

/// A property of the line, compiled: its name, value and whether the value reads the body.
fn compile_property(
    p: LogProperty,
    namespaces: &Namespaces,
) -> Result<(String, Value, bool), BuildError> {
    if p.name.is_empty() {
        return Err(BuildError::invalid(
            KIND,
            "name",
            "",
            "a log property needs a name",
        ));
    }
    match p.value {
        ValueSpec::Value(v) => Ok((p.name, Value::Literal(v), false)),
        ValueSpec::Expression(e) => {
            let expr = compile_expression(KIND, "expression", &e, namespaces)?;
            let reads_body = compiled_reads_body(&expr);
            Ok((p.name, Value::Expr(expr), reads_body))
        }
        ValueSpec::Inline(x) => Err(BuildError::invalid(
            KIND,
            p.name,
            x,
            "a log property takes `value` or `expression`",
        )),
    }
}

#[derive(Debug)]
enum Value {
    Literal(String),
    Expr(Expression),
}

/// The log mediator, built from a [`LogConfig`].
#[derive(Debug)]
pub struct LogMediator {
    level: LogLevel,
    category: LogCategory,
    separator: String,
    message: Option<SynapseTemplate>,
    properties: Vec<(String, Value)>,
    log_message_id: bool,
    log_full_payload: bool,
    reads_body: bool,
}

impl LogMediator {
    /// The category.
    pub fn category(&self) -> LogCategory {
        self.category
    }

    /// The line MI would log for `msg`; when it cannot be built (an XPath fails, the envelope
    /// cannot be parsed), the error's text. No local entries are in scope (see
    /// [`try_render_in`](Self::try_render_in)).
    pub fn render(&self, msg: &MessageContext) -> String {
        self.try_render(msg).unwrap_or_else(|e| e.to_string())
    }

    /// The line MI would log for `msg`, or the error Synapse would throw. No local entries are
    /// in scope (see [`try_render_in`](Self::try_render_in)).
    pub fn try_render(&self, msg: &MessageContext) -> Result<String, MediationError> {
        self.try_render_in(msg, &XPathScope::default())
    }

    /// The line MI logs for `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope` (what [`Mediator::mediate`] logs):
    /// `get-property('KEY')` reads its local entry `KEY` when the message has no property `KEY`.
    pub fn try_render_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, MediationError> {
        let sep = self.separator.as_str();
        let mut sb = String::new();
        if self.log_message_id {
            sb.push_str(sep);
            sb.push_str("MessageID: ");
            sb.push_str(msg.message_id());
        }
        if let Some(template) = &self.message {
            let text = template.render_lenient(&MessageEnv::with_scope(msg, scope));
            if !text.is_empty() {
                sb.push_str(sep);
                sb.push_str(&text);
            }
        } else {
            match self.level {
                LogLevel::Custom => {}
                LogLevel::Simple => self.simple(&mut sb, msg),
                LogLevel::Headers => {
                    let env = msg.envelope()?;
                    if let Some(header) = env.header() {
                        for block in header.children().filter(|n| n.is_element()) {
                            let text: String = block
                                .children()
                                .filter(|c| c.is_text())
                                .filter_map(|c| c.text())
                                .collect();
                            sb.push_str(sep);
                            sb.push_str(block.tag_name().name());
                            sb.push_str(" : ");
                            sb.push_str(&text);
                        }
                    }
                }
                LogLevel::Full => {
                    self.simple(&mut sb, msg);
                    let env = msg.envelope().map_err(|e| {
                        MediationError::mediator(format!("Could not build full log message: {e}"))
                            .with_source(e)
                    })?;
                    sb.push_str(sep);
                    sb.push_str("Envelope: ");
                    sb.push_str(env.as_str());
                }
            }
        }
        for (name, value) in &self.properties {
            sb.push_str(sep);
            sb.push_str(name);
            sb.push_str(" = ");
            match value {
                Value::Literal(v) => sb.push_str(v),
                Value::Expr(e) => sb.push_str(&string_value_of_in(e, msg, scope)?),
            }
        }
        if self.log_full_payload {
            sb.push_str(sep);
            sb.push_str("Payload: ");
            if msg.payload_kind() == PayloadKind::Json {
                sb.push_str(msg.payload_as_text()?);
            } else {
                sb.push_str(msg.envelope()?.as_str());
            }
        }
        Ok(match sb.strip_prefix(sep) {
            Some(rest) if !sep.is_empty() => rest.to_owned(),
            _ => sb,
        })
    }

    /// `getSimpleLogMessage` without the properties.
    fn simple(&self, sb: &mut String, msg: &MessageContext) {
        let sep = self.separator.as_str();
        let a = msg.addressing();
        sb.push_str("To: ");
        sb.push_str(a.to.as_deref().unwrap_or(""));
        let mut field = |label: &str, v: Option<&str>| {
            if let Some(v) = v {
                sb.push_str(sep);
                sb.push_str(label);
                sb.push_str(v);
            }
        };
        field("From: ", a.from.as_deref());
        // One action fact stands for both the WS-Addressing action and the SOAPAction.
        field("WSAction: ", a.action.as_deref());
        field("SOAPAction: ", a.action.as_deref());
        field("ReplyTo: ", a.reply_to.as_deref());
        field("MessageID: ", Some(msg.message_id()));
        field(
            "Direction: ",
            Some(if msg.is_response() {
                "response"
            } else {
                "request"
            }),
        );
    }
}

#[async_trait]
impl Mediator for LogMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        // LM.mediate builds the TRACE and DEBUG lines only when that level is enabled.
        let enabled = match self.category {
            LogCategory::Debug => tracing::enabled!(target: TARGET, tracing::Level::DEBUG),
            LogCategory::Trace => tracing::enabled!(target: TARGET, tracing::Level::TRACE),
            _ => true,
        };
        if !enabled {
            return Ok(Flow::Continue);
        }
        let line = self.try_render_in(msg, &env.xpath_scope())?;
        match self.category {
            LogCategory::Info => tracing::info!(target: TARGET, "{line}"),
            LogCategory::Debug => tracing::debug!(target: TARGET, "{line}"),
            LogCategory::Trace => tracing::trace!(target: TARGET, "{line}"),
            LogCategory::Warn => tracing::warn!(target: TARGET, "{line}"),
            LogCategory::Error => tracing::error!(target: TARGET, "{line}"),
            LogCategory::Fatal => tracing::error!(target: TARGET, fatal = true, "{line}"),
        }
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}
