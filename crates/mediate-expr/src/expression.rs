//! [`Expression`]: any expression an MI user writes, recognised and compiled once.

use std::borrow::Cow;
use std::fmt;

use mediate_message::{MessageContext, PayloadKind, PropertyValue, Scope};
use mediate_xpath::{Namespaces, Value};
use serde_json::Value as Json;

use crate::jsonpath::{JsonEvalResult, JsonPath};
use crate::message_env::MessageEnv;
use crate::synapse::{ExprError, ExprValue, SynapseExpression};
use crate::xpath::{SynapseXPath, XPathEvalError, XPathScope, synapse_string_value};

/// The three expression languages of MI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpressionKind {
    /// XPath 1.0 with Synapse's functions and variables.
    XPath,
    /// `json-eval(PATH)`: JSONPath over the JSON payload or a JSON property.
    JsonEval,
    /// `${…}`: a Synapse expression (MI 4.4).
    Synapse,
}

impl fmt::Display for ExpressionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExpressionKind::XPath => "XPath",
            ExpressionKind::JsonEval => "json-eval",
            ExpressionKind::Synapse => "Synapse expression",
        })
    }
}

/// A compiled expression: XPath, `json-eval(…)` or `${…}`, decided from its text as Synapse does.
///
/// ```
/// use mediate_expr::Expression;
/// use mediate_message::MessageContext;
/// use mediate_xpath::Namespaces;
///
/// let msg = MessageContext::from_xml("<order><id>A-1</id><qty>3</qty></order>");
/// let ns = Namespaces::new();
/// let id = Expression::compile("//order/id", &ns).unwrap();
/// assert_eq!(id.evaluate_string(&msg).unwrap(), "A-1");
/// let qty = Expression::compile("$body/order/qty * 2", &ns).unwrap();
/// assert_eq!(qty.evaluate_string(&msg).unwrap(), "6.0"); // Synapse prints a Java double
/// ```
#[derive(Clone, Debug)]
pub struct Expression {
    source: String,
    inner: Inner,
}

#[derive(Clone, Debug)]
enum Inner {
    XPath(SynapseXPath),
    JsonEval {
        target: JsonTarget,
        path: JsonPath,
        /// `$` or `$.` over the payload: MI returns the JSON payload's text as it is
        /// (`SynapseJsonPath.isWholeBody`).
        whole_body: bool,
    },
    Synapse(SynapseExpression),
}

/// What a `json-eval` reads: the payload, or a property (`json-eval($ctx:NAME.a.b)`).
#[derive(Clone, Debug)]
enum JsonTarget {
    Payload,
    Property(Scope, String),
}

/// An expression that does not compile: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct CompileError {
    /// Which language the text was read as.
    pub kind: ExpressionKind,
    /// 1-based character column in the expression text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// An expression that failed while it was evaluated.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// The payload could not be read in the form the expression needs.
    #[error("the payload cannot be read: {0}")]
    Payload(#[from] mediate_message::Error),
    /// An XPath failed.
    #[error("{0}")]
    XPath(mediate_xpath::EvalError),
    /// A `json-eval` failed.
    #[error("{0}")]
    JsonEval(String),
    /// A `${…}` expression failed.
    #[error("{0}")]
    Synapse(#[from] ExprError),
}

impl From<XPathEvalError> for EvaluationError {
    fn from(e: XPathEvalError) -> Self {
        match e {
            XPathEvalError::Payload(p) => EvaluationError::Payload(p),
            XPathEvalError::Eval(e) => EvaluationError::XPath(e),
        }
    }
}

/// The typed result of an evaluation.
#[derive(Debug)]
pub enum Evaluated<'m> {
    /// An XPath value; node-sets borrow the message's parsed envelope.
    XPath(Value<'m, 'm>),
    /// A `json-eval` result, shaped as Jayway's.
    Json(JsonEvalResult),
    /// A `${…}` value.
    Synapse(ExprValue),
}

impl Expression {
    /// Compile `text`. `${…}` is a Synapse expression, `json-eval(…)` a JSONPath, anything else
    /// XPath 1.0; `namespaces` resolve prefixes (in XPath, and in `xpath(…)` inside `${…}`).
    pub fn compile(text: &str, namespaces: &Namespaces) -> Result<Expression, CompileError> {
        let trimmed = text.trim();
        let lead = text[..text.len() - text.trim_start().len()].chars().count();
        let inner = if trimmed.starts_with("${") {
            let expr = SynapseExpression::compile(text).map_err(|e| CompileError {
                kind: ExpressionKind::Synapse,
                column: e.column().unwrap_or(1),
                message: e.message().to_owned(),
            })?;
            Inner::Synapse(
                expr.with_namespaces(
                    namespaces
                        .iter()
                        .map(|(p, u)| (p.to_owned(), u.to_owned()))
                        .collect(),
                ),
            )
        } else if let Some(rest) = trimmed.strip_prefix("json-eval(") {
            let Some(arg) = rest.strip_suffix(')') else {
                return Err(CompileError {
                    kind: ExpressionKind::JsonEval,
                    column: lead + trimmed.chars().count() + 1,
                    message: "expected ')' to close json-eval(".into(),
                });
            };
            let offset = lead + "json-eval(".len();
            let (target, path_text, path_offset) = split_json_target(arg);
            // MI documents `$.` as the whole payload (SynapseJsonPath.isWholeBody): read it as `$`.
            let compiled = if path_text.trim() == "$." {
                "$"
            } else {
                path_text.as_str()
            };
            let path = JsonPath::compile(compiled).map_err(|e| CompileError {
                kind: ExpressionKind::JsonEval,
                column: offset + path_offset + e.column,
                message: e.message,
            })?;
            let whole_body =
                matches!(target, JsonTarget::Payload) && matches!(path_text.trim(), "$" | "$.");
            Inner::JsonEval {
                target,
                path,
                whole_body,
            }
        } else {
            Inner::XPath(
                SynapseXPath::compile(text, namespaces).map_err(|e| CompileError {
                    kind: ExpressionKind::XPath,
                    column: e.column,
                    message: e.message,
                })?,
            )
        };
        Ok(Expression {
            source: text.to_owned(),
            inner,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Which language this is.
    pub fn kind(&self) -> ExpressionKind {
        match self.inner {
            Inner::XPath(_) => ExpressionKind::XPath,
            Inner::JsonEval { .. } => ExpressionKind::JsonEval,
            Inner::Synapse(_) => ExpressionKind::Synapse,
        }
    }

    /// Whether evaluating may read the payload, decided from the compiled expression (so a
    /// caller that needs to know, to buffer or parse the body first, compiles the text once):
    ///
    /// - `${…}`: [`SynapseExpression::is_content_aware`] (`payload…`, `$…`, `xpath('…')`);
    /// - `json-eval(…)`: unless it reads a property (`json-eval($ctx:NAME…)`, `$axis2:`, `$trp:`);
    /// - XPath: when it can see a node of the message (a path, `$body`, `$header`, a context
    ///   function, `get-property('MESSAGE_FORMAT')`…), as [`SynapseXPath::evaluate`] decides
    ///   whether to build the envelope.
    ///
    /// ```
    /// use mediate_expr::Expression;
    /// use mediate_xpath::Namespaces;
    ///
    /// let reads = |e: &str| Expression::compile(e, &Namespaces::new()).unwrap().reads_payload();
    /// assert!(reads("${payload.order.id}"));
    /// assert!(!reads("${vars.total + 1}"));
    /// assert!(reads("json-eval($.id)"));
    /// assert!(!reads("json-eval($ctx:order.id)"));
    /// assert!(reads("//order/id"));
    /// assert!(!reads("get-property('orderId')"));
    /// ```
    pub fn reads_payload(&self) -> bool {
        match &self.inner {
            Inner::XPath(x) => x.reads_payload(),
            Inner::JsonEval { target, .. } => matches!(target, JsonTarget::Payload),
            Inner::Synapse(s) => s.is_content_aware(),
        }
    }

    /// The compiled `${…}` expression, when this is one.
    pub fn as_synapse(&self) -> Option<&SynapseExpression> {
        match &self.inner {
            Inner::Synapse(s) => Some(s),
            _ => None,
        }
    }

    /// The compiled XPath, when this is one.
    pub fn as_xpath(&self) -> Option<&SynapseXPath> {
        match &self.inner {
            Inner::XPath(x) => Some(x),
            _ => None,
        }
    }

    /// Evaluate against `msg`, keeping the result's type.
    pub fn evaluate<'m>(&self, msg: &'m MessageContext) -> Result<Evaluated<'m>, EvaluationError> {
        self.evaluate_in(msg, &XPathScope::default())
    }

    /// [`evaluate`](Self::evaluate) with what `scope` adds to the message: template parameters
    /// and the configuration's local entries, which `get-property('KEY')` falls back to (in an
    /// XPath, and in `xpath(…)` inside `${…}`).
    ///
    /// ```
    /// use std::collections::HashMap;
    ///
    /// use mediate_expr::Expression;
    /// use mediate_expr::xpath::XPathScope;
    /// use mediate_message::MessageContext;
    /// use mediate_xpath::Namespaces;
    ///
    /// let entries: HashMap<&str, &str> = [("endpointUrl", "http://backend:9090/orders")].into();
    /// let scope = XPathScope { local_entries: Some(&entries), ..XPathScope::default() };
    /// let msg = MessageContext::from_xml("<a/>");
    /// let ns = Namespaces::new();
    /// let url = Expression::compile("get-property('endpointUrl')", &ns)?;
    /// assert_eq!(url.evaluate_string_in(&msg, &scope)?, "http://backend:9090/orders");
    /// assert_eq!(url.evaluate_string(&msg)?, ""); // no entries in scope
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_in<'m>(
        &self,
        msg: &'m MessageContext,
        scope: &XPathScope<'m>,
    ) -> Result<Evaluated<'m>, EvaluationError> {
        match &self.inner {
            Inner::XPath(x) => Ok(Evaluated::XPath(x.evaluate_in(msg, scope)?)),
            Inner::JsonEval { target, path, .. } => {
                // A simple definite path over a JSON payload nobody has parsed yet: scan the
                // bytes for the one value instead of building the whole tree.
                if let (JsonTarget::Payload, PayloadKind::Json) = (target, msg.payload_kind())
                    && !msg.payload().is_empty()
                    && path.is_streamable()
                    && msg.claim_json_scan()
                    && let Some(r) = path.evaluate_text(msg.payload_as_text()?)
                {
                    return r.map(Evaluated::Json).map_err(|_| {
                        // Report the error exactly as the full parse does.
                        match msg.json() {
                            Err(e) => EvaluationError::Payload(e),
                            Ok(_) => EvaluationError::JsonEval("malformed JSON".into()),
                        }
                    });
                }
                let doc = json_document(target, msg)?;
                let result = match doc {
                    Some(doc) => path
                        .try_evaluate(&doc)
                        .map_err(|e| EvaluationError::JsonEval(e.to_string()))?,
                    None if path.is_definite() => JsonEvalResult::Definite(None),
                    None => JsonEvalResult::Indefinite(Vec::new()),
                };
                Ok(Evaluated::Json(result))
            }
            Inner::Synapse(s) => Ok(Evaluated::Synapse(
                s.evaluate(&MessageEnv::with_scope(msg, scope))?,
            )),
        }
    }

    /// Evaluate to the string a mediator sees (Synapse's `stringValueOf`): for XPath, Java's
    /// number format and the text-or-XML rule for nodes; for `json-eval`, an unquoted string
    /// or compact JSON; for `${…}`, MI's printing of the value.
    pub fn evaluate_string(&self, msg: &MessageContext) -> Result<String, EvaluationError> {
        self.evaluate_string_in(msg, &XPathScope::default())
    }

    /// [`evaluate_string`](Self::evaluate_string) with what `scope` adds to the message (see
    /// [`evaluate_in`](Self::evaluate_in)).
    pub fn evaluate_string_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, EvaluationError> {
        if let Inner::JsonEval {
            whole_body: true, ..
        } = self.inner
            && msg.payload_kind() == PayloadKind::Json
            && !msg.payload().is_empty()
        {
            return Ok(msg.payload_as_text()?.to_owned());
        }
        if let Inner::XPath(x) = &self.inner {
            return Ok(x.string_value_of_in(msg, scope)?);
        }
        // A JSON payload parsed already: write the selected nodes as text without copying them.
        if let Inner::JsonEval {
            target: JsonTarget::Payload,
            path,
            ..
        } = &self.inner
            && msg.payload_kind() == PayloadKind::Json
            && let Some(doc) = msg.json_if_parsed()
        {
            return path
                .try_display(doc)
                .map_err(|e| EvaluationError::JsonEval(e.to_string()));
        }
        Ok(match self.evaluate_in(msg, scope)? {
            Evaluated::XPath(v) => synapse_string_value(&v, &self.source),
            Evaluated::Json(r) => r.to_display_string(),
            Evaluated::Synapse(v) => v.to_string(),
        })
    }
}

/// Split `$ctx:NAME.rest` (also `$axis2:`, `$trp:`) into the property and the path `$.rest`.
fn split_json_target(arg: &str) -> (JsonTarget, String, usize) {
    let trimmed = arg.trim_start();
    let lead = arg.chars().count() - trimmed.chars().count();
    for (prefix, scope) in [
        ("$ctx:", Scope::Default),
        ("$axis2:", Scope::Axis2),
        ("$trp:", Scope::Transport),
    ] {
        if let Some(rest) = trimmed.strip_prefix(prefix) {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let name = rest[..end].to_owned();
            let path = format!("${}", &rest[end..]);
            // Columns in `path` are one less than in `arg` past the name (the `$` stands
            // where the prefix and name were).
            let offset = lead + prefix.len() + rest[..end].chars().count() - 1;
            return (JsonTarget::Property(scope, name), path, offset);
        }
    }
    (JsonTarget::Payload, arg.to_owned(), 0)
}

/// The JSON a `json-eval` reads: the JSON payload; an XML payload's first body child through
/// MI's XML→JSON mapping; or a property's value.
fn json_document<'m>(
    target: &JsonTarget,
    msg: &'m MessageContext,
) -> Result<Option<Cow<'m, Json>>, EvaluationError> {
    match target {
        JsonTarget::Payload => {
            if msg.payload().is_empty() {
                return Ok(None);
            }
            match msg.payload_kind() {
                PayloadKind::Json => Ok(Some(Cow::Borrowed(msg.json()?))),
                // MI reads an XML payload through its JSON form (the message caches it).
                PayloadKind::Xml => match msg.envelope()?.first_body_child() {
                    Some(_) => Ok(Some(Cow::Borrowed(msg.json()?))),
                    None => Ok(None),
                },
                PayloadKind::Text => Ok(Some(Cow::Owned(Json::String(
                    msg.payload_as_text()?.to_owned(),
                )))),
                _ => Err(EvaluationError::JsonEval(
                    "json-eval cannot read a binary payload".into(),
                )),
            }
        }
        JsonTarget::Property(Scope::Default, name)
            if matches!(msg.property(name), Some(PropertyValue::Json(_))) =>
        {
            match msg.property(name) {
                Some(PropertyValue::Json(v)) => Ok(Some(Cow::Borrowed(v))),
                _ => Ok(None),
            }
        }
        JsonTarget::Property(scope, name) => Ok(match msg.scoped_property(*scope, name) {
            None => None,
            Some(PropertyValue::Json(v)) => Some(Cow::Owned(v)),
            Some(PropertyValue::String(s)) => Some(Cow::Owned(
                serde_json::from_str(&s).unwrap_or(Json::String(s)),
            )),
            Some(other) => Some(Cow::Owned(
                serde_json::from_str(&other.as_string()).unwrap_or(Json::Null),
            )),
        }),
    }
}
