//! Payload and property assertions with failure messages that say where things differ.

use std::fmt::Write as _;

use mediate_core::message::roxmltree::{self, Node, NodeType};
use mediate_core::{MessageContext, PropertyValue, Scope};
use serde_json::Value;

use crate::{Outcome, TestMessage};

/// Something that holds a message to assert on: a [`MessageContext`], an [`Outcome`] (its
/// message), a [`TestMessage`] (built on the fly) or a reference to one of them.
///
/// ```
/// use mediate_test::{AsMessage, TestMessage};
///
/// let msg = TestMessage::text("x").build();
/// assert_eq!(msg.as_message().payload_as_text().unwrap(), "x");
/// ```
pub trait AsMessage {
    /// The message.
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext>;
}

impl AsMessage for MessageContext {
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl AsMessage for Outcome {
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext> {
        std::borrow::Cow::Borrowed(&self.msg)
    }
}

impl AsMessage for TestMessage {
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext> {
        std::borrow::Cow::Owned(self.clone().build())
    }
}

impl<T: AsMessage + ?Sized> AsMessage for &T {
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext> {
        (**self).as_message()
    }
}

impl<T: AsMessage + ?Sized> AsMessage for &mut T {
    fn as_message(&self) -> std::borrow::Cow<'_, MessageContext> {
        (**self).as_message()
    }
}

/// The first 512 bytes of a payload as (lossy) text, with its length when cut.
pub(crate) fn preview(bytes: &[u8]) -> String {
    const MAX: usize = 512;
    if bytes.len() <= MAX {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else {
        format!(
            "{:?}… ({} bytes)",
            String::from_utf8_lossy(&bytes[..MAX]),
            bytes.len()
        )
    }
}

const MAX_DIFFS: usize = 20;

// ----- JSON ------------------------------------------------------------------------------

/// The differences between two JSON values, one line each (`$.a.b[2]: expected 1, got "1"`),
/// at most 20; empty when equal. Objects compare without regard to key order; numbers compare
/// as serde_json does (`1` and `1.0` differ).
///
/// ```
/// use serde_json::json;
/// use mediate_test::diff_json;
///
/// assert!(diff_json(&json!({"a":1,"b":[true]}), &json!({"b":[true],"a":1})).is_empty());
/// assert_eq!(
///     diff_json(&json!({"a":{"b":"1"},"x":0}), &json!({"a":{"b":1},"y":0})),
///     [
///         "$.a.b: expected 1, got \"1\"",
///         "$.x: unexpected member (got 0)",
///         "$.y: missing member (expected 0)",
///     ]
/// );
/// ```
pub fn diff_json(actual: &Value, expected: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = String::from("$");
    json_walk(&mut path, actual, expected, &mut out);
    out
}

fn json_walk(path: &mut String, actual: &Value, expected: &Value, out: &mut Vec<String>) {
    if out.len() >= MAX_DIFFS {
        return;
    }
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut keys: Vec<&String> = a.keys().chain(e.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let len = path.len();
                push_member(path, key);
                match (a.get(key), e.get(key)) {
                    (Some(av), Some(ev)) => json_walk(path, av, ev, out),
                    (Some(av), None) => out.push(format!("{path}: unexpected member (got {av})")),
                    (None, Some(ev)) => {
                        out.push(format!("{path}: missing member (expected {ev})"));
                    }
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                out.push(format!(
                    "{path}: expected {} elements, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (av, ev)) in a.iter().zip(e).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                json_walk(path, av, ev, out);
                path.truncate(len);
            }
        }
        _ if actual == expected => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn push_member(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        let _ = write!(path, "[{}]", Value::String(key.to_owned()));
    }
}

/// Asserts that a message's payload, read as JSON ([`MessageContext::json`]: a JSON payload,
/// or MI's JSON form of an XML one), equals `expected`, object members in any order.
///
/// Prefer the [`assert_json_eq!`](crate::assert_json_eq) macro.
///
/// # Panics
///
/// When the payload is not JSON, or differs: the message lists each difference by JSON path
/// and shows both documents.
///
/// ```
/// use serde_json::json;
/// use mediate_test::{assert_json_eq_impl, TestMessage};
///
/// assert_json_eq_impl(&TestMessage::json(r#"{"b":2,"a":1}"#), &json!({"a":1,"b":2}));
/// ```
#[track_caller]
pub fn assert_json_eq_impl<M: AsMessage + ?Sized>(msg: &M, expected: &Value) {
    let msg = msg.as_message();
    let actual = match msg.json() {
        Ok(v) => v,
        Err(e) => panic!(
            "assert_json_eq: the payload ({}) cannot be read as JSON: {e}\n  payload: {}",
            msg.content_type(),
            preview(msg.payload())
        ),
    };
    let diffs = diff_json(actual, expected);
    if !diffs.is_empty() {
        panic!(
            "assert_json_eq: payload JSON differs from the expected JSON:\n  {}\nexpected: {expected}\n  actual: {actual}",
            diffs.join("\n  ")
        );
    }
}

/// Asserts that a message's payload as JSON equals a [`serde_json::Value`] (object members in
/// any order), listing the differences by JSON path when it does not.
///
/// The first argument is anything [`AsMessage`]: a `MessageContext`, an [`Outcome`], a
/// [`TestMessage`].
///
/// ```
/// use serde_json::json;
/// use mediate_test::{assert_json_eq, TestMessage};
///
/// let msg = TestMessage::json(r#"{"order":{"items":[1,2],"id":7}}"#).build();
/// assert_json_eq!(msg, json!({"order": {"id": 7, "items": [1, 2]}}));
///
/// // An XML payload is read through MI's XML → JSON mapping.
/// assert_json_eq!(TestMessage::xml("<a><b>x</b></a>"), json!({"a": {"b": "x"}}));
/// ```
///
/// ```should_panic
/// use serde_json::json;
/// use mediate_test::{assert_json_eq, TestMessage};
///
/// // panics: "$.id: expected 8, got 7"
/// assert_json_eq!(TestMessage::json(r#"{"id":7}"#), json!({"id": 8}));
/// ```
#[macro_export]
macro_rules! assert_json_eq {
    ($msg:expr, $expected:expr $(,)?) => {
        $crate::assert_json_eq_impl(&$msg, &$expected)
    };
}

// ----- XML -------------------------------------------------------------------------------

/// The differences between two XML texts, compared as [`assert_xml_eq!`](crate::assert_xml_eq)
/// does, one line each, at most 20; empty when equal. A text that does not parse is reported
/// as a difference.
///
/// ```
/// use mediate_test::diff_xml;
///
/// assert!(diff_xml(
///     "<p:a xmlns:p='urn:x' y='2' x='1'>\n  <p:b> t </p:b>\n</p:a>",
///     "<a xmlns='urn:x' x='1' y='2'><b>t</b></a>",
/// ).is_empty());
/// assert_eq!(diff_xml("<a><b/></a>", "<a><c/></a>"), ["/a/*[1]: expected element c, got element b"]);
/// ```
pub fn diff_xml(actual: &str, expected: &str) -> Vec<String> {
    let actual_doc = match roxmltree::Document::parse(actual) {
        Ok(d) => d,
        Err(e) => return vec![format!("actual XML does not parse: {e}")],
    };
    let expected_doc = match roxmltree::Document::parse(expected) {
        Ok(d) => d,
        Err(e) => return vec![format!("expected XML does not parse: {e}")],
    };
    diff_xml_nodes(actual_doc.root_element(), expected_doc.root_element())
}

/// The differences between two XML elements (see [`diff_xml`]).
///
/// ```
/// use mediate_core::message::roxmltree::Document;
/// use mediate_test::diff_xml_nodes;
///
/// let a = Document::parse("<r><x a='1'/></r>").unwrap();
/// let b = Document::parse("<r><x a='2'/></r>").unwrap();
/// assert_eq!(
///     diff_xml_nodes(a.root_element(), b.root_element()),
///     ["/r/x: attribute a: expected \"2\", got \"1\""]
/// );
/// ```
pub fn diff_xml_nodes(actual: Node<'_, '_>, expected: Node<'_, '_>) -> Vec<String> {
    let mut out = Vec::new();
    if !same_name(actual, expected) {
        out.push(format!(
            "/: expected root element {}, got {}",
            expanded(expected),
            expanded(actual)
        ));
        return out;
    }
    let mut path = format!("/{}", expected.tag_name().name());
    xml_walk(&mut path, actual, expected, &mut out);
    out
}

fn expanded(node: Node<'_, '_>) -> String {
    match node.tag_name().namespace() {
        Some(ns) => format!("{{{ns}}}{}", node.tag_name().name()),
        None => node.tag_name().name().to_owned(),
    }
}

fn same_name(a: Node<'_, '_>, b: Node<'_, '_>) -> bool {
    a.tag_name().name() == b.tag_name().name()
        && a.tag_name().namespace().unwrap_or("") == b.tag_name().namespace().unwrap_or("")
}

/// An element child, or a text child that is not only whitespace (trimmed).
enum Significant<'a, 'input> {
    Element(Node<'a, 'input>),
    Text(&'a str),
}

fn significant<'a, 'input>(node: Node<'a, 'input>) -> Vec<Significant<'a, 'input>> {
    node.children()
        .filter_map(|c| match c.node_type() {
            NodeType::Element => Some(Significant::Element(c)),
            NodeType::Text => {
                let t = c.text().unwrap_or_default().trim();
                (!t.is_empty()).then_some(Significant::Text(t))
            }
            _ => None,
        })
        .collect()
}

fn describe(s: &Significant<'_, '_>) -> String {
    match s {
        Significant::Element(n) => format!("element {}", expanded(*n)),
        Significant::Text(t) => format!("text {t:?}"),
    }
}

fn xml_walk(
    path: &mut String,
    actual: Node<'_, '_>,
    expected: Node<'_, '_>,
    out: &mut Vec<String>,
) {
    if out.len() >= MAX_DIFFS {
        return;
    }
    // Attributes, as sets of expanded names.
    let key = |a: &roxmltree::Attribute<'_, '_>| match a.namespace() {
        Some(ns) => format!("{{{ns}}}{}", a.name()),
        None => a.name().to_owned(),
    };
    let mut names: Vec<String> = actual
        .attributes()
        .chain(expected.attributes())
        .map(|a| key(&a))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let av = actual.attributes().find(|a| key(a) == name);
        let ev = expected.attributes().find(|a| key(a) == name);
        match (av, ev) {
            (Some(av), Some(ev)) if av.value() != ev.value() => out.push(format!(
                "{path}: attribute {name}: expected {:?}, got {:?}",
                ev.value(),
                av.value()
            )),
            (Some(av), None) => out.push(format!(
                "{path}: unexpected attribute {name}={:?}",
                av.value()
            )),
            (None, Some(ev)) => {
                out.push(format!("{path}: missing attribute {name}={:?}", ev.value()));
            }
            _ => {}
        }
    }
    let a_children = significant(actual);
    let e_children = significant(expected);
    if a_children.len() != e_children.len() {
        let list =
            |v: &[Significant<'_, '_>]| v.iter().map(describe).collect::<Vec<_>>().join(", ");
        out.push(format!(
            "{path}: expected {} child nodes [{}], got {} [{}]",
            e_children.len(),
            list(&e_children),
            a_children.len(),
            list(&a_children)
        ));
    }
    for (i, (a, e)) in a_children.iter().zip(&e_children).enumerate() {
        if out.len() >= MAX_DIFFS {
            return;
        }
        match (a, e) {
            (Significant::Text(at), Significant::Text(et)) => {
                if at != et {
                    out.push(format!("{path}/text(): expected {et:?}, got {at:?}"));
                }
            }
            (Significant::Element(an), Significant::Element(en)) if same_name(*an, *en) => {
                let len = path.len();
                path.push('/');
                path.push_str(en.tag_name().name());
                let same_before = e_children[..i]
                    .iter()
                    .filter(|s| matches!(s, Significant::Element(n) if same_name(*n, *en)))
                    .count();
                let same_total = e_children
                    .iter()
                    .filter(|s| matches!(s, Significant::Element(n) if same_name(*n, *en)))
                    .count();
                if same_total > 1 {
                    let _ = write!(path, "[{}]", same_before + 1);
                }
                xml_walk(path, *an, *en, out);
                path.truncate(len);
            }
            _ => out.push(format!(
                "{path}/*[{}]: expected {}, got {}",
                i + 1,
                describe(e),
                describe(a)
            )),
        }
    }
}

/// Asserts that a message's XML body equals `expected`: the first child of a SOAP Body, the
/// root of a POX payload (MI's envelope view, so a JSON payload is its `jsonObject`).
///
/// The comparison is namespace-aware (expanded names, prefixes do not matter), takes
/// attributes as sets, trims text and ignores whitespace-only text, comments and processing
/// instructions. Prefer the [`assert_xml_eq!`](crate::assert_xml_eq) macro.
///
/// # Panics
///
/// When the payload has no XML view or an empty body, when `expected` does not parse, or
/// when they differ (each difference is listed with its path).
///
/// ```
/// use mediate_test::{assert_xml_eq_impl, TestMessage};
///
/// assert_xml_eq_impl(&TestMessage::soap11("<a> 1 </a>"), "<a>1</a>");
/// ```
#[track_caller]
pub fn assert_xml_eq_impl<M: AsMessage + ?Sized>(msg: &M, expected: &str) {
    let msg = msg.as_message();
    let envelope = match msg.envelope() {
        Ok(env) => env,
        Err(e) => panic!(
            "assert_xml_eq: the payload ({}) has no XML view: {e}\n  payload: {}",
            msg.content_type(),
            preview(msg.payload())
        ),
    };
    let Some(actual) = envelope.first_body_child() else {
        panic!(
            "assert_xml_eq: the body is empty, expected {expected}\n  payload: {}",
            preview(msg.payload())
        );
    };
    let expected_doc = match roxmltree::Document::parse(expected) {
        Ok(d) => d,
        Err(e) => panic!("assert_xml_eq: the expected XML does not parse: {e}\n  {expected}"),
    };
    let diffs = diff_xml_nodes(actual, expected_doc.root_element());
    if !diffs.is_empty() {
        let range = actual.range();
        let actual_text = envelope.as_str().get(range).unwrap_or_default();
        panic!(
            "assert_xml_eq: body XML differs from the expected XML:\n  {}\nexpected: {expected}\n  actual: {actual_text}",
            diffs.join("\n  ")
        );
    }
}

/// Asserts that a message's XML body (first child of the SOAP Body, or the POX root) equals
/// an XML text: namespace-aware, attributes as sets, whitespace-insensitive.
///
/// ```
/// use mediate_test::{assert_xml_eq, TestMessage};
///
/// let msg = TestMessage::soap12(
///     r#"<m:quote xmlns:m="urn:q" currency="USD" symbol="IBM"><m:price>1.5</m:price></m:quote>"#,
/// );
/// assert_xml_eq!(msg, r#"
///     <quote xmlns="urn:q" symbol="IBM" currency="USD">
///         <price>1.5</price>
///     </quote>"#);
/// ```
///
/// ```should_panic
/// use mediate_test::{assert_xml_eq, TestMessage};
///
/// // panics: "/a: attribute x: expected \"2\", got \"1\""
/// assert_xml_eq!(TestMessage::xml("<a x='1'/>"), "<a x='2'/>");
/// ```
#[macro_export]
macro_rules! assert_xml_eq {
    ($msg:expr, $expected:expr $(,)?) => {
        $crate::assert_xml_eq_impl(&$msg, ::core::convert::AsRef::<str>::as_ref(&$expected))
    };
}

// ----- properties ------------------------------------------------------------------------

fn show(value: &PropertyValue) -> String {
    match value {
        PropertyValue::String(s) => format!("STRING {s:?}"),
        other => format!("{} {}", other.type_name(), other.as_string()),
    }
}

/// Asserts that a property of `scope` is set to `expected` (same type and value). The default
/// scope answers the fault facts (`ERROR_CODE`…) too, the axis2 scope `HTTP_SC`,
/// `messageType`… (see [`MessageContext::scoped_property`]).
///
/// Prefer the [`assert_property!`](crate::assert_property) macro.
///
/// # Panics
///
/// When the property is unset or differs; the message shows both types and values.
///
/// ```
/// use mediate_core::Scope;
/// use mediate_test::{assert_property_impl, TestMessage};
///
/// assert_property_impl(&TestMessage::empty().property("n", 1), Scope::Default, "n", 1);
/// ```
#[track_caller]
pub fn assert_property_impl<M: AsMessage + ?Sized>(
    msg: &M,
    scope: Scope,
    name: &str,
    expected: impl Into<PropertyValue>,
) {
    let msg = msg.as_message();
    let expected = expected.into();
    match msg.scoped_property(scope, name) {
        Some(actual) if actual == expected => {}
        Some(actual) => panic!(
            "assert_property: {scope}-scope property `{name}`: expected {}, got {}",
            show(&expected),
            show(&actual)
        ),
        None => panic!(
            "assert_property: {scope}-scope property `{name}` is not set, expected {}{}",
            show(&expected),
            known_names(&msg, scope)
        ),
    }
}

fn known_names(msg: &MessageContext, scope: Scope) -> String {
    let map = match scope {
        Scope::Default => msg.properties(),
        Scope::Axis2 => msg.axis2_properties(),
        Scope::Operation => msg.operation_properties(),
        _ => return String::new(),
    };
    let mut names: Vec<&str> = map.keys().map(AsRef::as_ref).collect();
    names.sort_unstable();
    format!(" (set: {names:?})")
}

/// Asserts that a property of `scope` is not set.
///
/// Prefer the [`assert_no_property!`](crate::assert_no_property) macro.
///
/// # Panics
///
/// When the property is set; the message shows its value.
///
/// ```
/// use mediate_core::Scope;
/// use mediate_test::{assert_no_property_impl, TestMessage};
///
/// assert_no_property_impl(&TestMessage::empty(), Scope::Default, "n");
/// ```
#[track_caller]
pub fn assert_no_property_impl<M: AsMessage + ?Sized>(msg: &M, scope: Scope, name: &str) {
    let msg = msg.as_message();
    if let Some(actual) = msg.scoped_property(scope, name) {
        panic!(
            "assert_no_property: {scope}-scope property `{name}` is set to {}",
            show(&actual)
        );
    }
}

/// Asserts that a property is set to a value of the same type: `assert_property!(msg, name,
/// value)` for the default scope, `assert_property!(msg, scope, name, value)` for another.
///
/// ```
/// use mediate_core::Scope;
/// use mediate_test::{assert_property, TestMessage};
///
/// let msg = TestMessage::empty()
///     .property("count", 3)
///     .scoped_property(Scope::Axis2, "messageType", "application/json")
///     .header("X-A", "1")
///     .build();
/// assert_property!(msg, "count", 3);
/// assert_property!(msg, Scope::Axis2, "messageType", "application/json");
/// assert_property!(msg, Scope::Transport, "x-a", "1");
/// ```
///
/// ```should_panic
/// use mediate_test::{assert_property, TestMessage};
///
/// // panics: "expected INTEGER 3, got STRING \"3\""
/// assert_property!(TestMessage::empty().property("count", "3"), "count", 3);
/// ```
#[macro_export]
macro_rules! assert_property {
    ($msg:expr, $name:expr, $expected:expr $(,)?) => {
        $crate::assert_property_impl(&$msg, $crate::__private::Scope::Default, $name, $expected)
    };
    ($msg:expr, $scope:expr, $name:expr, $expected:expr $(,)?) => {
        $crate::assert_property_impl(&$msg, $scope, $name, $expected)
    };
}

/// Asserts that a property is not set: `assert_no_property!(msg, name)` for the default
/// scope, `assert_no_property!(msg, scope, name)` for another.
///
/// ```
/// use mediate_core::Scope;
/// use mediate_test::{assert_no_property, TestMessage};
///
/// let msg = TestMessage::empty().property("a", 1).build();
/// assert_no_property!(msg, "b");
/// assert_no_property!(msg, Scope::Operation, "a");
/// ```
#[macro_export]
macro_rules! assert_no_property {
    ($msg:expr, $name:expr $(,)?) => {
        $crate::assert_no_property_impl(&$msg, $crate::__private::Scope::Default, $name)
    };
    ($msg:expr, $scope:expr, $name:expr $(,)?) => {
        $crate::assert_no_property_impl(&$msg, $scope, $name)
    };
}
