//! Property tests of the enrich mediator: JSON replace/child against direct edits of the
//! document, clone not changing the result of a property/inline source, and XML results that
//! are always well-formed.

use mediate_core::message::roxmltree::Document;
use mediate_core::{Env, MessageContext, PropertyValue};
use mediate_mediators::enrich::{Action, EnrichConfig, Source, Target};
use proptest::prelude::*;
use serde_json::Value;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        "[a-z ]{0,6}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-c]", json_value(), 1..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Every non-root location of `v`, as (JSONPath text, JSON pointer).
fn locations(v: &Value, path: &str, pointer: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                let p = format!("{path}['{k}']");
                let ptr = format!("{pointer}/{k}");
                out.push((p.clone(), ptr.clone()));
                locations(c, &p, &ptr, out);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let ptr = format!("{pointer}/{i}");
                out.push((p.clone(), ptr.clone()));
                locations(c, &p, &ptr, out);
            }
        }
        _ => {}
    }
}

fn enrich(source: Source, target: Target, msg: &mut MessageContext) {
    EnrichConfig::new(source, target)
        .build()
        .unwrap()
        .enrich(msg, &Env::default())
        .unwrap();
}

fn payload_json(msg: &MessageContext) -> Value {
    serde_json::from_slice(msg.payload()).unwrap()
}

/// A random element: names a–c, attributes, text with characters that need escaping.
fn xml_element() -> impl Strategy<Value = String> {
    let text = "[a-z<>&\"' ]{0,5}".prop_map(|t| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    });
    let leaf =
        ("[a-c]", text.clone(), prop::option::of("[a-z&<]{0,3}")).prop_map(|(name, text, attr)| {
            match attr {
                Some(a) => format!(
                    "<{name} id=\"{}\">{text}</{name}>",
                    a.replace('&', "&amp;").replace('<', "&lt;")
                ),
                None => format!("<{name}>{text}</{name}>"),
            }
        });
    leaf.prop_recursive(3, 16, 3, |inner| {
        ("[a-c]", prop::collection::vec(inner, 0..3), prop::bool::ANY).prop_map(
            |(name, children, ns)| {
                let decl = if ns { " xmlns=\"urn:x\"" } else { "" };
                if children.is_empty() {
                    format!("<{name}{decl}/>")
                } else {
                    format!("<{name}{decl}>{}</{name}>", children.concat())
                }
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Replacing at an existing path equals setting the value there.
    #[test]
    fn json_replace_equals_set(doc in json_object(), value in json_value(), pick in any::<prop::sample::Index>()) {
        let mut locs = Vec::new();
        locations(&doc, "$", "", &mut locs);
        prop_assume!(!locs.is_empty());
        let (path, pointer) = &locs[pick.index(locs.len())];
        let mut msg = MessageContext::from_json(doc.to_string());
        msg.set_property("v", PropertyValue::Json(value.clone()));
        enrich(Source::property("v"), Target::custom(format!("json-eval({path})")), &mut msg);
        let mut expected = doc.clone();
        *expected.pointer_mut(pointer).unwrap() = value;
        prop_assert_eq!(payload_json(&msg), expected);
    }

    /// `child` on an array appends the source.
    #[test]
    fn json_child_on_array_appends(doc in json_object(), value in json_value(), pick in any::<prop::sample::Index>()) {
        let mut locs = Vec::new();
        locations(&doc, "$", "", &mut locs);
        locs.retain(|(_, ptr)| doc.pointer(ptr).is_some_and(Value::is_array));
        prop_assume!(!locs.is_empty());
        let (path, pointer) = &locs[pick.index(locs.len())];
        let mut msg = MessageContext::from_json(doc.to_string());
        msg.set_property("v", PropertyValue::Json(value.clone()));
        enrich(
            Source::property("v"),
            Target::custom(format!("json-eval({path})")).action(Action::Child),
            &mut msg,
        );
        let mut expected = doc.clone();
        if let Some(Value::Array(items)) = expected.pointer_mut(pointer) {
            items.push(value);
        }
        prop_assert_eq!(payload_json(&msg), expected);
    }

    /// For a property or inline source, `clone` does not change the result (JSON and XML).
    #[test]
    fn clone_does_not_change_property_or_inline_results(doc in json_object(), value in json_value(), xml in xml_element()) {
        for clone in [true, false] {
            let mut a = MessageContext::from_json(doc.to_string());
            a.set_property("v", PropertyValue::Json(value.clone()));
            enrich(
                Source::property("v").clone_content(clone),
                Target::property("out"),
                &mut a,
            );
            prop_assert_eq!(a.property("out"), Some(&PropertyValue::Json(value.clone())));
            let mut b = MessageContext::from_xml("<r><t/></r>");
            enrich(
                Source::inline(xml.clone()).clone_content(clone),
                Target::custom("//t").action(Action::Child),
                &mut b,
            );
            prop_assert_eq!(b.payload_as_text().unwrap(), format!("<r><t>{xml}</t></r>"));
        }
    }

    /// Replacing the body with an element and reading it back gives the element (POX and SOAP).
    #[test]
    fn xml_replace_body_reads_back(body in xml_element(), source in xml_element()) {
        let mut msg = MessageContext::from_xml(body.clone());
        enrich(Source::inline(source.clone()), Target::body(), &mut msg);
        prop_assert_eq!(msg.payload_as_text().unwrap(), source.as_str());

        let soap = format!(
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>{body}</s:Body></s:Envelope>"
        );
        let mut msg = MessageContext::from_bytes(soap, "text/xml");
        enrich(Source::inline(source.clone()), Target::body(), &mut msg);
        enrich(Source::body(), Target::property("back"), &mut msg);
        prop_assert_eq!(msg.property("back").unwrap().as_string(), source);
    }

    /// Whatever the source, target and action, the XML result is well-formed.
    #[test]
    fn xml_results_are_well_formed(
        doc in xml_element(),
        from in "[a-c]",
        to in "[a-c]",
        action in prop_oneof![Just(Action::Replace), Just(Action::Child), Just(Action::Sibling)],
        clone in any::<bool>(),
    ) {
        let mut msg = MessageContext::from_xml(doc);
        let m = EnrichConfig::new(
            Source::custom(format!("//*[local-name()='{from}']")).clone_content(clone),
            Target::custom(format!("//*[local-name()='{to}']")).action(action),
        )
        .build()
        .unwrap();
        if m.enrich(&mut msg, &Env::default()).is_ok() {
            let text = msg.payload_as_text().unwrap();
            prop_assert!(Document::parse(text).is_ok(), "not well-formed: {}", text);
        }
    }
}
