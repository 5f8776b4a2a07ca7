//! [`SynapseEnv`] over a real [`MessageContext`]: what `${…}` reads on a message.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use mediate_message::{MessageContext, PayloadKind, PropertyValue, Scope, VariableValue};
use mediate_xpath::{Namespaces, Value, XNode};
use serde_json::Value as Json;

use crate::synapse::{ExprValue, ParamKind, PropertyScope, SynapseEnv};
use crate::xpath::{LocalEntries, SynapseXPath, XPathScope, synapse_string_value};

/// The message (and template parameters) a `${…}` expression reads.
pub struct MessageEnv<'m> {
    msg: &'m MessageContext,
    function_params: Option<&'m HashMap<String, String>>,
    local_entries: Option<&'m dyn LocalEntries>,
}

impl std::fmt::Debug for MessageEnv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageEnv")
            .field("msg", &self.msg)
            .field("function_params", &self.function_params)
            .field(
                "local_entries",
                &self.local_entries.map(|_| "dyn LocalEntries"),
            )
            .finish()
    }
}

impl<'m> MessageEnv<'m> {
    /// An environment over `msg`. The template parameters (`params.functionParams`) are those of
    /// the innermost sequence template running on the message
    /// ([`MessageContext::function_params`]).
    pub fn new(msg: &'m MessageContext) -> Self {
        MessageEnv {
            msg,
            function_params: msg.function_params(),
            local_entries: None,
        }
    }

    /// An environment over `msg` with what `scope` adds: its template parameters (when it
    /// names them) and its local entries, which `xpath("get-property('KEY')")` falls back to.
    pub fn with_scope(msg: &'m MessageContext, scope: &XPathScope<'m>) -> Self {
        MessageEnv {
            msg,
            function_params: scope.function_params.or_else(|| msg.function_params()),
            local_entries: scope.local_entries,
        }
    }

    /// With these local entries for `get-property('KEY')` inside `xpath(…)` (see
    /// [`LocalEntries`]).
    pub fn with_local_entries(mut self, entries: &'m dyn LocalEntries) -> Self {
        self.local_entries = Some(entries);
        self
    }

    /// With these parameters as the enclosing sequence template's (`params.functionParams`),
    /// instead of the message's own function stack.
    pub fn with_function_params(mut self, params: &'m HashMap<String, String>) -> Self {
        self.function_params = Some(params);
        self
    }
}

/// A typed property as a `${…}` value.
pub fn property_to_expr(p: &PropertyValue) -> ExprValue {
    match p {
        PropertyValue::String(s) => ExprValue::String(s.clone()),
        PropertyValue::Boolean(b) => ExprValue::Bool(*b),
        PropertyValue::Integer(i) => ExprValue::Int(i64::from(*i)),
        PropertyValue::Long(l) => ExprValue::Int(*l),
        PropertyValue::Short(s) => ExprValue::Int(i64::from(*s)),
        PropertyValue::Double(d) => ExprValue::Double(*d),
        PropertyValue::Float(f) => ExprValue::Double(f64::from(*f)),
        PropertyValue::Om(x) => ExprValue::Xml(x.text().into_owned()),
        PropertyValue::Json(v) => ExprValue::from_json_ref(v),
        other => ExprValue::String(other.as_string()),
    }
}

/// A typed variable as a `${…}` value.
pub fn variable_to_expr(v: &VariableValue) -> ExprValue {
    match v {
        VariableValue::String(s) => ExprValue::String(s.clone()),
        VariableValue::Boolean(b) => ExprValue::Bool(*b),
        VariableValue::Integer(i) => ExprValue::Int(i64::from(*i)),
        VariableValue::Long(l) => ExprValue::Int(*l),
        VariableValue::Double(d) => ExprValue::Double(*d),
        VariableValue::Xml(x) => ExprValue::Xml(x.text().into_owned()),
        VariableValue::Json(j) => ExprValue::from_json_ref(j),
        other => ExprValue::String(other.as_string()),
    }
}

/// How many `${xpath('…')}` expressions a thread keeps compiled before it starts over.
const XPATH_CACHE_LIMIT: usize = 256;

/// Compiled `xpath('…')` arguments, per thread, by text and then by namespaces in scope.
type XPathCache = HashMap<String, Vec<(Vec<(String, String)>, Rc<SynapseXPath>)>>;

thread_local! {
    static XPATH_CACHE: RefCell<XPathCache> = RefCell::new(HashMap::new());
}

/// `expression` compiled with `namespaces`, from this thread's cache: `${xpath('…')}` names
/// its XPath as a string evaluated per message, so without the cache every message would
/// compile it again. The cache is bounded ([`XPATH_CACHE_LIMIT`] texts; full, it is emptied);
/// a text that does not compile is not kept.
fn compiled_xpath(
    expression: &str,
    namespaces: &[(String, String)],
) -> Result<Rc<SynapseXPath>, String> {
    let hit = XPATH_CACHE.with(|cache| {
        cache.borrow().get(expression).and_then(|entries| {
            entries
                .iter()
                .find(|(ns, _)| ns.as_slice() == namespaces)
                .map(|(_, xpath)| Rc::clone(xpath))
        })
    });
    if let Some(xpath) = hit {
        return Ok(xpath);
    }
    let mut ns = Namespaces::new();
    for (p, u) in namespaces {
        ns.insert(p.clone(), u.clone());
    }
    let xpath = Rc::new(
        SynapseXPath::compile(expression, &ns)
            .map_err(|e| format!("bad XPath '{expression}': {e}"))?,
    );
    XPATH_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= XPATH_CACHE_LIMIT && !cache.contains_key(expression) {
            cache.clear();
        }
        cache
            .entry(expression.to_owned())
            .or_default()
            .push((namespaces.to_vec(), Rc::clone(&xpath)));
    });
    Ok(xpath)
}

/// An XPath result as a `${…}` value: numbers, booleans and strings keep their type; a
/// node-set becomes Synapse's string of it (XML text when it holds elements).
pub fn xpath_to_expr(v: &Value<'_, '_>, source: &str) -> ExprValue {
    match v {
        Value::Number(n) => ExprValue::Double(*n),
        Value::Boolean(b) => ExprValue::Bool(*b),
        Value::String(s) => ExprValue::String(s.to_string()),
        Value::NodeSet(nodes) => {
            let s = synapse_string_value(v, source);
            let xml = s.starts_with('<')
                && nodes
                    .iter()
                    .any(|n| matches!(n, XNode::Node(e) if e.is_element()));
            if xml {
                ExprValue::Xml(s)
            } else {
                ExprValue::String(s)
            }
        }
    }
}

impl SynapseEnv for MessageEnv<'_> {
    fn payload_json(&self) -> Result<Option<Cow<'_, Json>>, String> {
        if self.msg.payload().is_empty() {
            return Ok(None);
        }
        match self.msg.payload_kind() {
            PayloadKind::Json => self
                .msg
                .json()
                .map(|v| Some(Cow::Borrowed(v)))
                .map_err(|e| e.to_string()),
            _ => Ok(None),
        }
    }

    fn payload_select(
        &self,
        path: &[crate::jsonpath::PathStep],
    ) -> Option<Result<Option<Json>, String>> {
        // Only a JSON payload that nothing has parsed yet: scan its bytes for the one value.
        if self.msg.payload_kind() != PayloadKind::Json
            || self.msg.payload().is_empty()
            || !self.msg.claim_json_scan()
        {
            return None;
        }
        let text = match self.msg.payload_as_text() {
            Ok(t) => t,
            Err(e) => return Some(Err(e.to_string())),
        };
        Some(match crate::jsonpath::select_in_text(text, path) {
            Ok(v) => Ok(v),
            // Malformed JSON: report it exactly as the full parse does.
            Err(_) => Err(match self.msg.json() {
                Err(e) => e.to_string(),
                Ok(_) => "malformed JSON payload".to_owned(),
            }),
        })
    }

    fn payload_xml_as_json(&self) -> Result<Option<Cow<'_, Json>>, String> {
        if self.msg.payload_kind() != PayloadKind::Xml || self.msg.payload().is_empty() {
            return Ok(None);
        }
        // The message maps (and caches) the body's first element as MI's JsonUtil does.
        self.msg
            .json()
            .map(|v| Some(Cow::Borrowed(v)))
            .map_err(|e| e.to_string())
    }

    fn payload_is_xml(&self) -> bool {
        self.msg.payload_kind() == PayloadKind::Xml
    }

    fn payload_text(&self) -> Result<Option<String>, String> {
        match self.msg.payload_kind() {
            PayloadKind::Xml => {
                let env = self.msg.envelope().map_err(|e| e.to_string())?;
                Ok(Some(match env.first_body_child() {
                    Some(child) => crate::xpath::node_to_xml(&XNode::Node(child)),
                    _ => String::new(),
                }))
            }
            PayloadKind::Json | PayloadKind::Text => self
                .msg
                .payload_as_text()
                .map(|s| Some(s.to_owned()))
                .map_err(|e| e.to_string()),
            _ => Ok(None),
        }
    }

    fn variable(&self, name: &str) -> Option<ExprValue> {
        self.msg.variable(name).map(variable_to_expr)
    }

    fn header(&self, name: &str) -> Option<String> {
        self.msg.transport_header(name)
    }

    fn property(&self, scope: PropertyScope, name: &str) -> Option<ExprValue> {
        let scope = match scope {
            PropertyScope::Synapse => Scope::Default,
            PropertyScope::Axis2 => Scope::Axis2,
        };
        self.msg
            .scoped_property(scope, name)
            .map(|p| property_to_expr(&p))
    }

    fn param(&self, kind: ParamKind, name: &str) -> Option<String> {
        match kind {
            ParamKind::Path => self.msg.path_param(name).map(str::to_owned).or_else(|| {
                self.msg
                    .property(&format!("uri.var.{name}"))
                    .map(PropertyValue::as_string)
            }),
            ParamKind::Query => self.msg.query_param(name).map(str::to_owned).or_else(|| {
                self.msg
                    .property(&format!("query.param.{name}"))
                    .map(PropertyValue::as_string)
            }),
            ParamKind::Function => self.function_params.and_then(|p| p.get(name).cloned()),
        }
    }

    fn xpath(
        &self,
        expression: &str,
        namespaces: &[(String, String)],
    ) -> Result<ExprValue, String> {
        let xpath = compiled_xpath(expression, namespaces)?;
        let scope = XPathScope {
            function_params: self.function_params,
            local_entries: self.local_entries,
        };
        let v = xpath
            .evaluate_in(self.msg, &scope)
            .map_err(|e| e.to_string())?;
        Ok(xpath_to_expr(&v, expression))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Expression;

    fn eval(expr: &str, prefix_uri: &str, msg: &MessageContext) -> String {
        let mut ns = Namespaces::new();
        ns.insert("p".to_owned(), prefix_uri.to_owned());
        Expression::compile(expr, &ns)
            .unwrap()
            .evaluate_string(msg)
            .unwrap()
    }

    #[test]
    fn cached_xpaths_are_told_apart_by_their_namespaces() {
        let msg = MessageContext::from_xml(
            r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><a:v>1</a:v><b:v>2</b:v></r>"#,
        );
        let expr = r#"${xpath("//p:v")}"#;
        for _ in 0..2 {
            assert_eq!(eval(expr, "urn:a", &msg), "1");
            assert_eq!(eval(expr, "urn:b", &msg), "2");
        }
        // A text that does not compile is an error every time, never cached.
        let bad = r#"${xpath("//p:v[")}"#;
        let mut ns = Namespaces::new();
        ns.insert("p".to_owned(), "urn:a".to_owned());
        for _ in 0..2 {
            let compiled = Expression::compile(bad, &ns);
            if let Ok(e) = compiled {
                assert!(e.evaluate_string(&msg).unwrap_or_default().is_empty());
            }
        }
    }

    #[test]
    fn the_cache_is_bounded() {
        let msg = MessageContext::from_xml("<r><v>1</v></r>");
        for i in 0..(XPATH_CACHE_LIMIT + 10) {
            let expr = format!(r#"${{xpath("concat(//v, '-{i}')")}}"#);
            assert_eq!(eval(&expr, "urn:a", &msg), format!("1-{i}"));
        }
        XPATH_CACHE.with(|c| assert!(c.borrow().len() <= XPATH_CACHE_LIMIT));
    }
}
