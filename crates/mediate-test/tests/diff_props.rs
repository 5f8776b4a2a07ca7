//! Property tests of the comparisons behind assert_json_eq! and assert_xml_eq!.

use mediate_test::{diff_json, diff_xml};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z ]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-e]{1,2}", inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// The same value with every object's members in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: Option<String>,
    children: Vec<Element>,
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (
        "[a-c]{1,2}",
        prop::collection::btree_map("[x-z]", "[a-z0-9]{0,3}", 0..3),
        prop::option::of("[a-z0-9]{1,4}"),
    )
        .prop_map(|(name, attrs, text)| Element {
            name,
            attrs: attrs.into_iter().collect(),
            text,
            children: Vec::new(),
        });
    leaf.prop_recursive(3, 20, 4, |inner| {
        (
            "[a-c]{1,2}",
            prop::collection::btree_map("[x-z]", "[a-z0-9]{0,3}", 0..3),
            prop::option::of("[a-z0-9]{1,4}"),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(name, attrs, text, children)| Element {
                name,
                attrs: attrs.into_iter().collect(),
                text,
                children,
            })
    })
}

/// Compact, prefixed (`p:`), attributes in order.
fn compact(e: &Element, root: bool, out: &mut String) {
    out.push_str("<p:");
    out.push_str(&e.name);
    if root {
        out.push_str(" xmlns:p=\"urn:t\"");
    }
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}=\"{v}\""));
    }
    out.push('>');
    if let Some(t) = &e.text {
        out.push_str(t);
    }
    for c in &e.children {
        compact(c, false, out);
    }
    out.push_str(&format!("</p:{}>", e.name));
}

/// Indented, default namespace, attributes reversed, with a comment.
fn pretty(e: &Element, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    out.push_str(&format!("{pad}<{}", e.name));
    if depth == 0 {
        out.push_str(" xmlns=\"urn:t\"");
    }
    for (k, v) in e.attrs.iter().rev() {
        out.push_str(&format!(" {k}='{v}'"));
    }
    out.push_str(">\n");
    if let Some(t) = &e.text {
        out.push_str(&format!("{pad}  {t}\n"));
    }
    out.push_str(&format!("{pad}  <!-- note -->\n"));
    for c in &e.children {
        pretty(c, depth + 1, out);
    }
    out.push_str(&format!("{pad}</{}>\n", e.name));
}

proptest! {
    #[test]
    fn json_diff_is_empty_exactly_when_equal(a in json_value(), b in json_value()) {
        prop_assert_eq!(diff_json(&a, &b).is_empty(), a == b);
        prop_assert!(diff_json(&a, &a).is_empty());
    }

    #[test]
    fn json_member_order_never_matters(a in json_value()) {
        prop_assert!(diff_json(&a, &reversed(&a)).is_empty());
    }

    #[test]
    fn xml_layout_prefixes_and_attribute_order_never_matter(e in element()) {
        let mut a = String::new();
        compact(&e, true, &mut a);
        let mut b = String::new();
        pretty(&e, 0, &mut b);
        prop_assert_eq!(diff_xml(&a, &b), Vec::<String>::new(), "{}\nvs\n{}", a, b);
    }

    #[test]
    fn xml_text_or_namespace_changes_are_found(e in element()) {
        let mut a = String::new();
        compact(&e, true, &mut a);
        let mut changed = e.clone();
        changed.text = Some(format!("{}!", e.text.clone().unwrap_or_default()));
        let mut b = String::new();
        compact(&changed, true, &mut b);
        prop_assert!(!diff_xml(&a, &b).is_empty());
        let other_ns = a.replacen("urn:t", "urn:u", 1);
        prop_assert!(!diff_xml(&a, &other_ns).is_empty());
    }
}
