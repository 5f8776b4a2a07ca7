//! `SynapseXPath`: an XPath 1.0 expression with Synapse's functions and variables, evaluated
//! over a [`MessageContext`] the way MI evaluates it.
//!
//! The context node is the SOAP envelope (for a POX or JSON message, the implicit one), so
//! `/soapenv:Envelope/soapenv:Body/order`, `$body/order` and `//order` all find a POX root `order`.
//!
//! | Synapse addition | meaning |
//! |---|---|
//! | `get-property('NAME')` | default-scope property, or one of the special names below |
//! | `get-property('SCOPE', 'NAME')` | scopes `default`, `transport`, `axis2`, `operation`, `func`, `system`, `registry` |
//! | `get-property('SYSTEM_DATE', 'FORMAT')` | the current date in a Java `SimpleDateFormat` pattern |
//! | `base64Encode(s[, charset])`, `base64Decode(s[, charset])` | Base64 of the string's bytes |
//! | `url-encode(s[, charset])`, `url-decode(s[, charset])` | URI path/query escaping (httpclient's `URIUtil`, see [`crate::java::codec`]) |
//! | `$body`, `$header`, `$env` | the SOAP Body, Header and Envelope elements |
//! | `$ctx:N`, `$axis2:N`, `$trp:N`, `$operation:N` | properties of those scopes (`$trp` ignores case) |
//! | `$url:N` | query parameter `N` of the request URL (decoded; `""` when absent) |
//! | `$func:N` | parameter `N` of the enclosing sequence template |
//! | `$var:N` | MI 4.4 variable `N` (an XML variable is its element, so `$var:N//a` works) |
//! | `$system:N` | system property `N` (here: the process environment variable `N`; `""` when absent) |
//!
//! Special names of `get-property` (default scope): `To`, `From`, `Action`, `FaultTo`, `ReplyTo`,
//! `RelatesTo`, `MessageID`, `FAULT`, `MESSAGE_FORMAT` (`soap11`, `soap12`, `pox`, `get`),
//! `OperationName`, `SYSTEM_DATE`, `SYSTEM_TIME` (milliseconds since the epoch), and the fault facts
//! `ERROR_CODE`, `ERROR_MESSAGE`, `ERROR_DETAIL`, `ERROR_EXCEPTION`.
//!
//! A property that is not set evaluates to the empty node-set (Jaxen's `null`): its string is `""`
//! and its boolean `false`. When the message has no default-scope property `NAME`,
//! `get-property('NAME')` (and `get-property('default', 'NAME')`) falls back to the
//! configuration's local entry `NAME`, if the [`XPathScope`] has
//! [`local_entries`](XPathScope::local_entries) (Synapse's `synCtx.getEntry(key)`; see
//! [`LocalEntries`]).

use std::borrow::Cow;
use std::collections::HashMap;

use mediate_message::{
    Envelope, EnvelopeOrigin, MessageContext, PathValue, PropertyValue, Scope, SimplePath,
    SoapVersion, VariableValue,
};
use mediate_xpath::{
    EvalError, FunctionLibrary, Namespaces, ParseError, QName, Value, XNode, XPath,
};

use super::entries::{LocalEntries, LocalEntry};
use super::string_value::synapse_string_value;
use crate::datefmt::JavaDateFormat;
use crate::java::codec;

/// The names and arities of Synapse's XPath extension functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct SynapseFunctions;

impl FunctionLibrary for SynapseFunctions {
    fn has_function(&self, name: &QName<'_>, arity: usize) -> bool {
        if name.namespace.is_some() {
            return false;
        }
        match name.local {
            "get-property" => (1..=3).contains(&arity),
            "base64Encode" | "base64Decode" | "url-encode" | "url-decode" => {
                (1..=2).contains(&arity)
            }
            _ => false,
        }
    }
}

/// What an XPath may read besides the message: the parameters of the enclosing template
/// (`$func:NAME`, `get-property('func', 'NAME')`) and the configuration's local entries
/// (`get-property('KEY')` when the message has no property `KEY`).
///
/// Build one with struct update syntax, so that fields added later keep their defaults:
/// `XPathScope { local_entries: Some(&entries), ..XPathScope::default() }`.
#[derive(Clone, Copy, Default)]
pub struct XPathScope<'s> {
    /// Template (function) parameters by name; `None` reads the top frame of the message's own
    /// function stack ([`MessageContext::function_params`]).
    pub function_params: Option<&'s HashMap<String, String>>,
    /// The deployed local entries and registry resources; `None` knows no entry, so
    /// `get-property('KEY')` of an unset property is empty.
    pub local_entries: Option<&'s dyn LocalEntries>,
}

impl std::fmt::Debug for XPathScope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XPathScope")
            .field("function_params", &self.function_params)
            .field(
                "local_entries",
                &self.local_entries.map(|_| "dyn LocalEntries"),
            )
            .finish()
    }
}

/// An XPath 1.0 expression with Synapse's functions and variables; compile once, evaluate often.
#[derive(Clone, Debug)]
pub struct SynapseXPath {
    xpath: XPath,
    /// Whether the expression can see a node of the message (decided once, at compile time).
    reads_nodes: bool,
    /// The expression as a simple location path (`//order/type`), which
    /// [`string_value_of_in`](Self::string_value_of_in) can answer from the payload's bytes
    /// without building its tree ([`MessageContext::scan_xml_path`]).
    simple: Option<SimplePath>,
}

/// Why evaluating a Synapse XPath failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XPathEvalError {
    /// The payload could not be seen as XML (malformed XML or JSON, and the like).
    #[error("the payload cannot be read as XML: {0}")]
    Payload(#[from] mediate_message::Error),
    /// The expression failed while it ran.
    #[error("{0}")]
    Eval(#[from] EvalError),
}

impl SynapseXPath {
    /// Compile `expr`, resolving prefixes from `namespaces`. Synapse's extension functions are
    /// known; any other unknown function is an error at its column.
    ///
    /// Synapse's `{uri}local` shorthand for namespaced steps is accepted too: each `{uri}` is
    /// bound to a generated prefix (`rp0`, `rp1`, …), as Synapse's `parseXPathString` does.
    pub fn compile(expr: &str, namespaces: &Namespaces) -> Result<SynapseXPath, ParseError> {
        if expr.contains('{') && !expr.contains('\'') && !expr.contains('"') {
            let (rewritten, ns) = rewrite_clark_names(expr, namespaces);
            let xpath = XPath::compile_with(&rewritten, &ns, &SynapseFunctions)?;
            return Ok(SynapseXPath::new(xpath));
        }
        let xpath = XPath::compile_with(expr, namespaces, &SynapseFunctions)?;
        let mut x = SynapseXPath::new(xpath);
        x.simple = SimplePath::parse(expr, |p| namespaces.get(p).map(str::to_owned));
        Ok(x)
    }

    fn new(xpath: XPath) -> SynapseXPath {
        let mut x = SynapseXPath {
            xpath,
            reads_nodes: true,
            simple: None,
        };
        // Nodes are reached through paths and context functions, or through the unprefixed
        // node variables (`$body`, `$header`, `$env`); scoped ones (`$ctx:x`, `$trp:h`…) hold
        // values. `get-property('MESSAGE_FORMAT')` reads the envelope's SOAP version.
        x.reads_nodes = x.content_aware()
            || x.xpath.reads_nodes(|prefix, _| prefix.is_none())
            || x.source().contains("MESSAGE_FORMAT");
        x
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        self.xpath.source()
    }

    /// The compiled XPath 1.0 expression underneath.
    pub fn xpath(&self) -> &XPath {
        &self.xpath
    }

    /// Evaluate against the message; the result borrows the message's parsed envelope.
    /// `$func:NAME` reads the innermost sequence template running on the message.
    pub fn evaluate<'m>(&self, msg: &'m MessageContext) -> Result<Value<'m, 'm>, XPathEvalError> {
        self.evaluate_in(msg, &XPathScope::default())
    }

    /// Evaluate with template parameters in scope (the message's own function stack when the
    /// scope names none) and, when the scope has them, the configuration's local entries.
    pub fn evaluate_in<'m>(
        &self,
        msg: &'m MessageContext,
        scope: &XPathScope<'m>,
    ) -> Result<Value<'m, 'm>, XPathEvalError> {
        // An XPath that can see no node of the message (`get-property('id')`, `$ctx:x`,
        // `concat($trp:a, 'b')`) never builds the envelope: a JSON payload is not mapped to XML
        // for it, as Synapse does not build the message for it.
        let envelope = if !self.reads_nodes {
            empty_envelope()
        } else {
            match msg.envelope() {
                Ok(envelope) => envelope,
                // Synapse builds the message only for a content-aware XPath (one with a `/`, or
                // `get-property('From'…` / `get-property('FAULT')`); any other runs over the
                // unbuilt, empty envelope, so `get-property('ERROR_MESSAGE')` still works on a
                // payload that does not parse.
                Err(_) if !self.content_aware() => empty_envelope(),
                Err(e) => return Err(e.into()),
            }
        };
        let env = MessageEnv {
            msg,
            envelope,
            function_params: scope.function_params.or_else(|| msg.function_params()),
            local_entries: scope.local_entries,
        };
        Ok(self
            .xpath
            .evaluate_with(XNode::Node(envelope.envelope()), &env)?)
    }

    /// Whether evaluating may read the payload: the expression can see a node of the message
    /// (decided once, at compile time), so [`evaluate`](Self::evaluate) builds the envelope.
    /// `get-property('id')`, `$ctx:x` or `concat($trp:a, 'b')` read no payload.
    pub fn reads_payload(&self) -> bool {
        self.reads_nodes
    }

    /// Whether Synapse must build the payload for this XPath (`SynapseXPath`'s `contentAware`).
    fn content_aware(&self) -> bool {
        let src = self.source();
        // The scope of the first two-argument get-property(…).
        let scope = src.find("get-property(").and_then(|i| {
            let args = &src[i + "get-property(".len()..];
            let args = &args[..args.find(')')?];
            let parts: Vec<&str> = args.split(',').collect();
            (parts.len() == 2).then(|| parts[0].trim().trim_matches('\'').trim())
        });
        if matches!(
            scope,
            Some("registry" | "system" | "transport" | "env" | "file")
        ) || ["$trp", "$ctx", "$axis2", "$config"]
            .iter()
            .any(|p| src.contains(p))
        {
            return false;
        }
        src.contains('/')
            || src.contains("get-property('From'")
            || src.contains("get-property('FAULT')")
    }

    /// The string Synapse's `stringValueOf` gives (what property, log and filter mediators use):
    /// see [`synapse_string_value`].
    pub fn string_value_of(&self, msg: &MessageContext) -> Result<String, XPathEvalError> {
        self.string_value_of_in(msg, &XPathScope::default())
    }

    /// [`string_value_of`](Self::string_value_of) with template parameters and local entries
    /// in scope (see [`evaluate_in`](Self::evaluate_in)).
    pub fn string_value_of_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, XPathEvalError> {
        // One element's text, read from the bytes by the first reader of a plain-XML payload.
        if let Some(path) = &self.simple
            && let Some(value) = msg.scan_xml_path(path)
        {
            return Ok(match value {
                PathValue::Text(text) => text,
                PathValue::NoMatch => {
                    synapse_string_value(&Value::NodeSet(Vec::new()), self.source())
                }
            });
        }
        let v = self.evaluate_in(msg, scope)?;
        Ok(synapse_string_value(&v, self.source()))
    }
}

/// Replace `{uri}` in `expr` with generated prefixes bound in a copy of `namespaces`.
fn rewrite_clark_names(expr: &str, namespaces: &Namespaces) -> (String, Namespaces) {
    let mut ns = namespaces.clone();
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    let mut count = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let uri = &rest[open + 1..open + close];
        let prefix = format!("rp{count}");
        count += 1;
        ns.insert(prefix.clone(), uri);
        out.push_str(&prefix);
        out.push(':');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (out, ns)
}

/// The envelope of a message with no payload, for XPaths that do not read the payload.
fn empty_envelope() -> &'static Envelope {
    static EMPTY: std::sync::OnceLock<MessageContext> = std::sync::OnceLock::new();
    EMPTY
        .get_or_init(MessageContext::empty)
        .envelope()
        .expect("an empty message has an envelope")
}

struct MessageEnv<'m> {
    msg: &'m MessageContext,
    envelope: &'m Envelope,
    function_params: Option<&'m HashMap<String, String>>,
    local_entries: Option<&'m dyn LocalEntries>,
}

fn nothing<'m>() -> Value<'m, 'm> {
    Value::NodeSet(Vec::new())
}

fn string<'m>(s: impl Into<Cow<'m, str>>) -> Value<'m, 'm> {
    Value::String(s.into())
}

impl<'m> MessageEnv<'m> {
    /// A stored property as an XPath value, borrowing from the message where it can.
    fn property_ref(&self, p: &'m PropertyValue) -> Value<'m, 'm> {
        match p {
            PropertyValue::String(s) => string(s.as_str()),
            PropertyValue::Om(xml) => match xml.document() {
                Ok(doc) => Value::NodeSet(vec![XNode::Node(doc.root_element())]),
                Err(_) => string(xml.text().into_owned()),
            },
            other => self.property_owned(other.clone()),
        }
    }

    fn property_owned(&self, p: PropertyValue) -> Value<'m, 'm> {
        match p {
            PropertyValue::Boolean(b) => Value::Boolean(b),
            PropertyValue::Double(d) => Value::Number(d),
            // Java's Float.toString (`1.1`), not the widened double (`1.100000023841858`):
            // Synapse appends a Float property with toString().
            PropertyValue::Float(f) => string(mediate_message::java_float_to_string(f)),
            other => string(other.as_string()),
        }
    }

    /// The default-scope property `name`, if the message has it.
    fn default_property(&self, name: &str) -> Option<Value<'m, 'm>> {
        if let Some(p) = self.msg.property(name) {
            return Some(self.property_ref(p));
        }
        self.msg
            .scoped_property(Scope::Default, name)
            .map(|p| self.property_owned(p))
    }

    /// The local entry `key` (Synapse's `synCtx.getEntry(key)`): a text entry is its string, an
    /// XML entry a node-set of its element (the value object Jaxen receives in Synapse).
    fn local_entry(&self, key: &str) -> Option<Value<'m, 'm>> {
        Some(match self.local_entries?.local_entry(key)? {
            LocalEntry::Text(text) => string(text),
            LocalEntry::Xml(xml) => match xml.document() {
                Ok(doc) => Value::NodeSet(vec![XNode::Node(doc.root_element())]),
                Err(_) => string(xml.text().into_owned()),
            },
        })
    }

    fn scoped(&self, scope: Scope, name: &str) -> Value<'m, 'm> {
        match scope {
            Scope::Default => self.default_property(name).unwrap_or_else(nothing),
            Scope::System | Scope::Env => string(std::env::var(name).unwrap_or_default()),
            _ => self
                .msg
                .scoped_property(scope, name)
                .map_or_else(nothing, |p| self.property_owned(p)),
        }
    }

    fn message_format(&self) -> &'static str {
        match self.envelope.origin() {
            EnvelopeOrigin::Soap => match self.envelope.soap_version() {
                SoapVersion::Soap11 => "soap11",
                SoapVersion::Soap12 => "soap12",
            },
            EnvelopeOrigin::Empty if self.msg.http_method().is_some_and(|m| m == http_get()) => {
                "get"
            }
            _ => "pox",
        }
    }

    fn get_property(&self, args: &[Value<'m, 'm>]) -> Result<Value<'m, 'm>, EvalError> {
        let arg = |i: usize| args.get(i).map(|v| v.string().into_owned());
        let (scope, key, format) = match args.len() {
            1 => ("default".to_owned(), arg(0).unwrap_or_default(), None),
            2 => {
                let first = arg(0).unwrap_or_default();
                if is_scope_name(&first) {
                    (first, arg(1).unwrap_or_default(), None)
                } else {
                    ("default".to_owned(), first, arg(1))
                }
            }
            _ => (
                arg(0).unwrap_or_default(),
                arg(1).unwrap_or_default(),
                arg(2),
            ),
        };
        if key.is_empty() {
            return Ok(string(""));
        }
        // SYSTEM_DATE and SYSTEM_TIME answer whatever the scope.
        if key == "SYSTEM_DATE" {
            let pattern = format.as_deref().unwrap_or("M/d/yy, h:mm a");
            let fmt = JavaDateFormat::compile(pattern).map_err(|e| {
                EvalError::Custom(format!(
                    "get-property('SYSTEM_DATE', '{pattern}'): bad date pattern: {e}"
                ))
            })?;
            return Ok(string(fmt.format(&chrono::Local::now())));
        }
        if key == "SYSTEM_TIME" {
            return Ok(string(chrono::Utc::now().timestamp_millis().to_string()));
        }
        let scope = match scope.as_str() {
            "default" => Scope::Default,
            "transport" => Scope::Transport,
            "axis2" | "axis2-client" => Scope::Axis2,
            "operation" => Scope::Operation,
            "system" => Scope::System,
            "func" => {
                return Ok(self
                    .function_params
                    .and_then(|p| p.get(key.as_str()))
                    .map_or_else(nothing, |v| string(v.as_str())));
            }
            "registry" => {
                return Err(EvalError::Custom(format!(
                    "get-property('registry', '{key}'): no registry is configured in this runtime"
                )));
            }
            _ => return Ok(string("")),
        };
        if scope == Scope::Default {
            let a = self.msg.addressing();
            let special = |v: Option<&'m String>| Ok(string(v.map_or("", String::as_str)));
            match key.as_str() {
                "To" => return special(a.to.as_ref()),
                "From" => return special(a.from.as_ref()),
                "Action" => return special(a.action.as_ref()),
                "ReplyTo" => return special(a.reply_to.as_ref()),
                "RelatesTo" => return special(a.relates_to.as_ref()),
                "FaultTo" => return special(a.fault_to.as_ref()),
                "MessageID" => return Ok(string(self.msg.message_id())),
                "MESSAGE_FORMAT" => return Ok(string(self.message_format())),
                "FAULT" => {
                    let fault = self.envelope.body().children().any(|c| {
                        c.is_element()
                            && c.tag_name().name() == "Fault"
                            && c.tag_name().namespace()
                                == Some(self.envelope.soap_version().namespace())
                    }) || self.msg.fault().is_some();
                    return Ok(string(if fault { "true" } else { "" }));
                }
                _ => {}
            }
            // GetPropertyFunction: `synCtx.getProperty(key)`, else `synCtx.getEntry(key)`.
            return Ok(self
                .default_property(&key)
                .or_else(|| self.local_entry(&key))
                .unwrap_or_else(nothing));
        }
        Ok(self.scoped(scope, &key))
    }
}

fn http_get() -> http::Method {
    http::Method::GET
}

fn is_scope_name(s: &str) -> bool {
    matches!(
        s,
        "axis2" | "operation" | "default" | "transport" | "registry" | "func" | "system"
    )
}

impl<'m> mediate_xpath::Environment<'m, 'm> for MessageEnv<'m> {
    fn variable(&self, name: &QName<'_>) -> Option<Value<'m, 'm>> {
        if name.namespace.is_some() {
            return None;
        }
        let local = name.local;
        // Synapse (SynapseXPathVariableContext) checks `body`, `header` and `env` before the
        // prefix: `$ctx:body` is the SOAP Body too.
        match local {
            "body" => return Some(Value::NodeSet(vec![XNode::Node(self.envelope.body())])),
            "header" => {
                return Some(Value::NodeSet(
                    self.envelope
                        .header()
                        .map(XNode::Node)
                        .into_iter()
                        .collect(),
                ));
            }
            "env" => return Some(Value::NodeSet(vec![XNode::Node(self.envelope.envelope())])),
            _ => {}
        }
        match name.prefix {
            None => None,
            Some("ctx") => Some(self.scoped(Scope::Default, local)),
            Some("axis2") => Some(self.scoped(Scope::Axis2, local)),
            Some("trp") => Some(self.scoped(Scope::Transport, local)),
            Some("operation") => Some(self.scoped(Scope::Operation, local)),
            Some("system") => Some(self.scoped(Scope::System, local)),
            Some("url") => Some(string(
                self.msg
                    .query_params()
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(local))
                    .map_or("", |(_, v)| v.as_str()),
            )),
            // MI 4.4 variables; `${xpath('//a', 'v')}` evaluates `$var:v//a`.
            Some("var") => Some(match self.msg.variable(local) {
                None => nothing(),
                Some(VariableValue::String(s)) => string(s.as_str()),
                Some(VariableValue::Boolean(b)) => Value::Boolean(*b),
                Some(VariableValue::Double(d)) => Value::Number(*d),
                Some(VariableValue::Xml(xml)) => match xml.document() {
                    Ok(doc) => Value::NodeSet(vec![XNode::Node(doc.root_element())]),
                    Err(_) => string(xml.text().into_owned()),
                },
                Some(other) => string(other.as_string()),
            }),
            Some("func") => Some(
                self.function_params
                    .and_then(|p| p.get(local))
                    .map_or_else(nothing, |v| string(v.as_str())),
            ),
            Some(_) => None,
        }
    }

    fn function(
        &self,
        name: &QName<'_>,
        args: Vec<Value<'m, 'm>>,
        _context: XNode<'m, 'm>,
    ) -> Option<Result<Value<'m, 'm>, EvalError>> {
        if name.namespace.is_some() {
            return None;
        }
        let text = |i: usize| {
            args.get(i)
                .map(|v| v.string().into_owned())
                .unwrap_or_default()
        };
        let charset = args.get(1).map(|v| v.string().into_owned());
        let codec_result = |r: Result<String, codec::CodecError>, f: &str| {
            r.map(string)
                .map_err(|e| EvalError::Custom(format!("{f}(): {e}")))
        };
        Some(match name.local {
            "get-property" => self.get_property(&args),
            "base64Encode" => codec_result(
                codec::base64_encode(&text(0), charset.as_deref()),
                "base64Encode",
            ),
            "base64Decode" => codec_result(
                codec::base64_decode(&text(0), charset.as_deref()),
                "base64Decode",
            ),
            "url-encode" => codec_result(
                codec::url_encode_path_query(&text(0), charset.as_deref()),
                "url-encode",
            ),
            "url-decode" => codec_result(
                codec::url_decode_path_query(&text(0), charset.as_deref()),
                "url-decode",
            ),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod reads_nodes_tests {
    use super::SynapseXPath;
    use mediate_xpath::Namespaces;

    fn reads(src: &str) -> bool {
        SynapseXPath::compile(src, &Namespaces::new())
            .unwrap()
            .reads_nodes
    }

    #[test]
    fn property_only_expressions_read_no_node() {
        for src in [
            "get-property('orderId')",
            "get-property('transport', 'Content-Type')",
            "$ctx:orderId",
            "concat($trp:Host, '-a-b.c', \"x\")",
            "$ctx:a * 2 + 1",
            "true() and not(false())",
            "$var:tier",
        ] {
            assert!(!reads(src), "{src}");
        }
    }

    #[test]
    fn anything_that_may_see_a_node_reads_nodes() {
        for src in [
            "$body",
            "$header/foo",
            "count(*)",
            "name()",
            "string()",
            "Body",
            ".",
            "@id",
            "order",
            "get-property('a') = child",
            "get-property('MESSAGE_FORMAT')",
        ] {
            assert!(reads(src), "{src}");
        }
    }
}
