//! `get-property('KEY')` falls back to the configuration's local entry `KEY` when the message has
//! no default-scope property `KEY`, as wso2-synapse's `GetPropertyFunction.evaluate` does
//! (`synCtx.getProperty(key)`, else `synCtx.getEntry(key)`, whose value is the entry's value
//! object: a `String` for a text entry, the `OMElement` of an XML entry).

use std::collections::HashMap;

use mediate_expr::xpath::{LocalEntries, LocalEntry, SynapseXPath, XPathScope};
use mediate_expr::{Evaluated, Expression, XPathValue};
use mediate_message::{MessageContext, XmlValue};
use mediate_xpath::Namespaces;
use proptest::prelude::*;

/// Entries as a runtime keeps them: text entries as text, XML entries parsed.
#[derive(Default)]
struct Entries {
    text: HashMap<String, String>,
    xml: HashMap<String, XmlValue>,
}

impl Entries {
    fn text(mut self, key: &str, value: &str) -> Self {
        self.text.insert(key.to_owned(), value.to_owned());
        self
    }

    fn xml(mut self, key: &str, value: &str) -> Self {
        self.xml
            .insert(key.to_owned(), XmlValue::new(value.to_owned()));
        self
    }
}

impl LocalEntries for Entries {
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        self.text
            .get(key)
            .map(|t| LocalEntry::Text(t))
            .or_else(|| self.xml.get(key).map(LocalEntry::Xml))
    }
}

fn entries() -> Entries {
    Entries::default()
        .text("endpointUrl", "http://backend:9090/orders")
        .text("MessageID", "entry-not-property")
        .xml(
            "config",
            r#"<config xmlns="urn:cfg"><timeout>30</timeout><retries>2</retries></config>"#,
        )
}

/// The string a mediator sees for `expr` (any language) with `entries` in scope.
fn eval_with(msg: &MessageContext, entries: &dyn LocalEntries, expr: &str) -> String {
    let scope = XPathScope {
        local_entries: Some(entries),
        ..XPathScope::default()
    };
    Expression::compile(expr, &Namespaces::new())
        .unwrap_or_else(|e| panic!("compile {expr}: {e}"))
        .evaluate_string_in(msg, &scope)
        .unwrap_or_else(|e| panic!("evaluate {expr}: {e}"))
}

#[test]
fn get_property_falls_back_to_a_text_local_entry() {
    let msg = MessageContext::from_xml("<a/>");
    let e = entries();
    assert_eq!(
        eval_with(&msg, &e, "get-property('endpointUrl')"),
        "http://backend:9090/orders"
    );
    // `get-property('default', KEY)` is the same scope (SCOPE_DEFAULT).
    assert_eq!(
        eval_with(&msg, &e, "get-property('default', 'endpointUrl')"),
        "http://backend:9090/orders"
    );
    // Two arguments whose first is not a scope: key and date format; still the default scope.
    assert_eq!(
        eval_with(&msg, &e, "get-property('endpointUrl', 'yyyy')"),
        "http://backend:9090/orders"
    );
    assert_eq!(
        eval_with(&msg, &e, "concat(get-property('endpointUrl'), '/1')"),
        "http://backend:9090/orders/1"
    );
}

#[test]
fn a_property_of_the_same_name_comes_first() {
    let e = entries();
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("endpointUrl", "http://override/");
    assert_eq!(
        eval_with(&msg, &e, "get-property('endpointUrl')"),
        "http://override/"
    );
    // An empty property is still a property (`result != null`): no fallback.
    msg.set_property("endpointUrl", "");
    assert_eq!(eval_with(&msg, &e, "get-property('endpointUrl')"), "");
}

#[test]
fn special_names_are_answered_before_entries() {
    // GetPropertyFunction checks To, From, Action, MessageID… before getProperty/getEntry.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_message_id("urn:uuid:1");
    assert_eq!(
        eval_with(&msg, &entries(), "get-property('MessageID')"),
        "urn:uuid:1"
    );
}

#[test]
fn other_scopes_and_ctx_variables_do_not_read_entries() {
    let msg = MessageContext::from_xml("<a/>");
    let e = entries();
    // SynapseXPathVariableContext: `$ctx:` is `synCtx.getProperty(localName)` only.
    assert_eq!(eval_with(&msg, &e, "$ctx:endpointUrl"), "");
    for scope in ["axis2", "transport", "operation"] {
        let expr = format!("get-property('{scope}', 'endpointUrl')");
        assert_eq!(eval_with(&msg, &e, &expr), "", "{expr}");
    }
    // `${props.synapse.KEY}` reads the property only (HeadersAndPropertiesAccessNode): the
    // entry changes nothing.
    assert_eq!(
        eval_with(&msg, &e, "${props.synapse.endpointUrl}"),
        eval_with(&msg, &Entries::default(), "${props.synapse.endpointUrl}")
    );
}

#[test]
fn an_unknown_key_or_no_entries_in_scope_is_empty() {
    let msg = MessageContext::from_xml("<a/>");
    assert_eq!(eval_with(&msg, &entries(), "get-property('nope')"), "");
    assert_eq!(
        eval_with(&msg, &entries(), "boolean(get-property('nope'))"),
        "false"
    );
    // Without local entries in scope (the plain evaluate), nothing is found.
    let x = Expression::compile("get-property('endpointUrl')", &Namespaces::new()).unwrap();
    assert_eq!(x.evaluate_string(&msg).unwrap(), "");
    // An environment that keeps no entries: the trait's default.
    struct NoEntries;
    impl LocalEntries for NoEntries {}
    assert_eq!(
        eval_with(&msg, &NoEntries, "get-property('endpointUrl')"),
        ""
    );
}

#[test]
fn an_xml_entry_is_its_element() {
    let msg = MessageContext::from_xml("<a/>");
    let e = entries();
    // Synapse's stringValueOf of an element: its XML.
    assert_eq!(
        eval_with(&msg, &e, "get-property('config')"),
        r#"<config xmlns="urn:cfg"><timeout>30</timeout><retries>2</retries></config>"#
    );
    // A node-set: XPath walks into it, and its string-value is its text.
    assert_eq!(
        eval_with(&msg, &e, "get-property('config')/*[local-name()='timeout']"),
        "30"
    );
    assert_eq!(eval_with(&msg, &e, "string(get-property('config'))"), "302");
    let x = SynapseXPath::compile("get-property('config')", &Namespaces::new()).unwrap();
    let scope = XPathScope {
        local_entries: Some(&e),
        ..XPathScope::default()
    };
    let v = x.evaluate_in(&msg, &scope).unwrap();
    let XPathValue::NodeSet(nodes) = &v else {
        panic!("expected a node-set, got {v:?}");
    };
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].local_name(), "config");
}

#[test]
fn a_text_map_is_local_entries() {
    let msg = MessageContext::from_xml("<a/>");
    let map: HashMap<String, String> = [("k".to_owned(), "v".to_owned())].into();
    assert_eq!(eval_with(&msg, &map, "get-property('k')"), "v");
    let tree: std::collections::BTreeMap<&str, std::sync::Arc<str>> =
        [("k", std::sync::Arc::from("tree"))].into();
    assert_eq!(eval_with(&msg, &tree, "get-property('k')"), "tree");
}

#[test]
fn synapse_expression_xpath_reads_entries_through_the_scope() {
    let msg = MessageContext::from_json(r#"{"id":1}"#);
    let e = entries();
    assert_eq!(
        eval_with(&msg, &e, r#"${xpath("get-property('endpointUrl')")}"#),
        "http://backend:9090/orders"
    );
    let scope = XPathScope {
        local_entries: Some(&e),
        ..XPathScope::default()
    };
    let x = Expression::compile(
        r#"${xpath("get-property('endpointUrl')")}"#,
        &Namespaces::new(),
    )
    .unwrap();
    assert!(matches!(
        x.evaluate_in(&msg, &scope).unwrap(),
        Evaluated::Synapse(_)
    ));
}

#[test]
fn a_property_only_xpath_does_not_parse_the_payload_for_an_entry() {
    // `get-property('KEY')` reads no node: a malformed payload is never parsed for it.
    let msg = MessageContext::from_bytes("<broken", "application/xml");
    assert_eq!(
        eval_with(&msg, &entries(), "get-property('endpointUrl')"),
        "http://backend:9090/orders"
    );
}

proptest! {
    /// For any key and text, `get-property(KEY)` is the property when set, else the entry.
    #[test]
    fn property_then_entry(
        key in "[A-Za-z_][A-Za-z0-9_.-]{0,12}",
        entry in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}]{0,20}",
        property in proptest::option::of("[a-z0-9 ]{0,10}"),
    ) {
        // Keys Synapse answers before properties and entries.
        prop_assume!(![
            "To", "From", "Action", "FaultTo", "ReplyTo", "RelatesTo", "MessageID", "FAULT",
            "MESSAGE_FORMAT", "SYSTEM_DATE", "SYSTEM_TIME", "OperationName",
        ].contains(&key.as_str()));
        let mut msg = MessageContext::from_xml("<a/>");
        if let Some(p) = &property {
            msg.set_property(key.clone(), p.clone());
        }
        let map: HashMap<String, String> = [(key.clone(), entry.clone())].into();
        let got = eval_with(&msg, &map, &format!("get-property('{key}')"));
        prop_assert_eq!(got, property.unwrap_or(entry));
    }
}
