//! The log mediator (`<log>`), with the semantics of Synapse's `LogMediator` (MI 4.x) and the
//! MI 4.4 `<message>` template.
//!
//! ```xml
//! <log [category="INFO|TRACE|DEBUG|WARN|ERROR|FATAL"] [level="simple|headers|full|custom"] [separator="string"]>
//!    <message>text with ${expressions}</message>?
//!    <property name="string" (value="literal" | expression="expression")/>*
//! </log>
//! ```
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
//! A leading separator is trimmed (`trimLeadingSeparator`). A property's expression is printed
//! with `stringValueOf`: a failing `${…}` prints as `""`; a failing XPath/`json-eval` (or an
//! envelope that cannot be built for `full`/`headers`) fails the mediation, as Synapse throws.
//! The message is never changed.

use std::str::FromStr;

use mediate_core::expr::MessageEnv;
use mediate_core::expr::synapse::SynapseTemplate;
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MessageContext, Namespaces,
    async_trait,
};

use crate::property::{ValueSpec, expression_reads_body, string_value_of};
use crate::value::compile_expression;

const KIND: &str = "log";

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

impl FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "custom" => Self::Custom,
            "simple" => Self::Simple,
            "headers" => Self::Headers,
            "full" => Self::Full,
            other => {
                return Err(format!(
                    "unknown level `{other}` (custom, simple, headers, full)"
                ));
            }
        })
    }
}

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

impl FromStr for LogCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "INFO" => Self::Info,
            "DEBUG" => Self::Debug,
            "TRACE" => Self::Trace,
            "WARN" => Self::Warn,
            "ERROR" => Self::Error,
            "FATAL" => Self::Fatal,
            other => {
                return Err(format!(
                    "unknown category `{other}` (INFO, DEBUG, TRACE, WARN, ERROR, FATAL)"
                ));
            }
        })
    }
}

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
    /// Namespace prefixes for the expressions.
    pub namespaces: Namespaces,
}

impl LogConfig {
    /// Checks and compiles the configuration.
    pub fn build(self) -> Result<LogMediator, BuildError> {
        let separator = match self.separator.as_deref() {
            None => ", ".to_owned(),
            Some("\\n") => "\n".to_owned(),
            Some(s) => s.to_owned(),
        };
        let message = match &self.message {
            None => None,
            Some(text) => {
                let ns: Vec<(String, String)> = self
                    .namespaces
                    .iter()
                    .map(|(p, u)| (p.to_owned(), u.to_owned()))
                    .collect();
                Some(
                    SynapseTemplate::compile(text)
                        .map_err(|e| BuildError::InvalidProperty {
                            kind: KIND.into(),
                            property: "message".into(),
                            value: text.clone(),
                            reason: e.to_string(),
                        })?
                        .with_namespaces(ns),
                )
            }
        };
        let mut properties = Vec::with_capacity(self.properties.len());
        let mut content_aware = message
            .as_ref()
            .is_some_and(SynapseTemplate::is_content_aware);
        for p in self.properties {
            if p.name.is_empty() {
                return Err(BuildError::MissingProperty {
                    kind: KIND.into(),
                    property: "property name".into(),
                });
            }
            let value = match p.value {
                ValueSpec::Value(v) => Value::Literal(v),
                ValueSpec::Expression(e) => {
                    content_aware |= expression_reads_body(&e);
                    Value::Expr(compile_expression(
                        KIND,
                        "expression",
                        &e,
                        &self.namespaces,
                    )?)
                }
                ValueSpec::Inline(x) => {
                    return Err(BuildError::InvalidProperty {
                        kind: KIND.into(),
                        property: p.name,
                        value: x,
                        reason: "a log property takes `value` or `expression`".into(),
                    });
                }
            };
            properties.push((p.name, value));
        }
        // LogMediator.isContentAware: only the custom level can avoid the body.
        let custom = self.level == LogLevel::Custom || message.is_some();
        Ok(LogMediator {
            level: self.level,
            category: self.category,
            separator,
            message,
            properties,
            reads_body: !custom || content_aware,
        })
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
    reads_body: bool,
}

impl LogMediator {
    /// The category.
    pub fn category(&self) -> LogCategory {
        self.category
    }

    /// The line MI would log for `msg`; when it cannot be built (an XPath fails, the envelope
    /// cannot be parsed), the error's text.
    pub fn render(&self, msg: &MessageContext) -> String {
        self.try_render(msg).unwrap_or_else(|e| e.to_string())
    }

    /// The line MI would log for `msg`, or the error Synapse would throw.
    pub fn try_render(&self, msg: &MessageContext) -> Result<String, MediationError> {
        let sep = self.separator.as_str();
        let mut sb = String::new();
        if let Some(template) = &self.message {
            sb.push_str(&template.render_lenient(&MessageEnv::new(msg)));
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
                Value::Expr(e) => sb.push_str(&string_value_of(e, msg)?),
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
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        // LM.mediate builds the TRACE and DEBUG lines only when that level is enabled.
        let enabled = match self.category {
            LogCategory::Debug => tracing::enabled!(target: TARGET, tracing::Level::DEBUG),
            LogCategory::Trace => tracing::enabled!(target: TARGET, tracing::Level::TRACE),
            _ => true,
        };
        if !enabled {
            return Ok(Flow::Continue);
        }
        let line = self.try_render(msg)?;
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
