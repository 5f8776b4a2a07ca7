//! Property tests for the argument escaping of the payloadFactory mediator (Synapse's
//! `TemplateProcessor.escapeSpecialChars` for json formats, `escapeXml10` for xml formats, and
//! MI 4.4's inline `"${…}"` / `${…}`): whatever the string, the result is valid JSON / well-formed
//! XML that gives the string back.

use mediate_core::message::roxmltree::Document;
use mediate_core::{Env, MessageContext};
use mediate_mediators::payload_factory::{Arg, PayloadFactoryConfig, PayloadFactoryMediator};
use proptest::prelude::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn run(pf: &PayloadFactoryMediator, msg: &mut MessageContext) {
    use mediate_core::Mediator;
    let flow = rt()
        .block_on(pf.mediate(msg, &Env::default()))
        .expect("mediates");
    assert_eq!(flow, mediate_core::Flow::Continue);
}

/// Strings with the characters that matter: quotes, backslashes, markup, control characters,
/// `$` and braces, and any Unicode.
fn nasty() -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('<'),
        Just('>'),
        Just('&'),
        Just('\''),
        Just('$'),
        Just('{'),
        Just('}'),
        Just('['),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('\u{0}'),
        Just('\u{1}'),
        Just('\u{1f}'),
        Just('\u{7f}'),
        Just('\u{85}'),
        Just('\u{2028}'),
        Just('\u{fffe}'),
        Just('é'),
        Just('😀'),
        Just(' '),
    ];
    prop::collection::vec(prop_oneof![special, any::<char>()], 0..40)
        .prop_map(|chars| chars.into_iter().collect())
}

/// `TemplateProcessor.isXML` reads a value that parses as XML as XML (inserted, not escaped);
/// such values are not strings to escape.
fn looks_like_xml(s: &str) -> bool {
    s.trim_matches(|c: char| c <= ' ').ends_with('>')
}

/// `isJson`: a value starting with `{` or `[` is JSON (converted, not escaped) in some paths.
fn looks_like_json(s: &str) -> bool {
    matches!(
        s.trim_matches(|c: char| c <= ' ').as_bytes().first(),
        Some(b'{' | b'[')
    )
}

fn xml_text(xml: &str) -> String {
    let doc = Document::parse(xml).expect("well-formed XML");
    doc.root_element()
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

/// What an XML 1.0 document can carry of `s`: `escapeXml10` removes the other characters.
fn xml10(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // An expression's string inserted between quotes of a json format is JSON-escaped.
    #[test]
    fn json_arg_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s));
        let pf = PayloadFactoryConfig::json(r#"{"v":"$1"}"#)
            .arg(Arg::expression("$ctx:p"))
            .build()
            .expect("builds");
        let mut msg = MessageContext::from_json("{}");
        msg.set_property("p", s.clone());
        run(&pf, &mut msg);
        let v: serde_json::Value = serde_json::from_slice(msg.payload()).expect("valid JSON");
        prop_assert_eq!(v["v"].as_str(), Some(s.as_str()));
    }

    // A literal json-eval string is JSON-escaped too, even when it looks like JSON.
    #[test]
    fn json_literal_arg_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s));
        let pf = PayloadFactoryConfig::json(r#"{"v":"$1"}"#)
            .arg(Arg::expression("json-eval($.s)").literal(true))
            .build()
            .expect("builds");
        let mut msg = MessageContext::from_json(serde_json::json!({ "s": s }).to_string());
        run(&pf, &mut msg);
        let v: serde_json::Value = serde_json::from_slice(msg.payload()).expect("valid JSON");
        prop_assert_eq!(v["v"].as_str(), Some(s.as_str()));
    }

    // MI 4.4: a string inlined with "${…}" in a json format.
    #[test]
    fn json_inline_quoted_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s));
        let pf = PayloadFactoryConfig::json(r#"{"v":"${vars.s}"}"#).build().expect("builds");
        let mut msg = MessageContext::from_json("{}");
        msg.set_variable("s", serde_json::Value::String(s.clone()));
        run(&pf, &mut msg);
        let v: serde_json::Value = serde_json::from_slice(msg.payload()).expect("valid JSON");
        prop_assert_eq!(v["v"].as_str(), Some(s.as_str()));
    }

    // An expression's string inserted in an xml format is XML-escaped (escapeXml10).
    #[test]
    fn xml_arg_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s) && !looks_like_json(&xml10(&s)));
        let pf = PayloadFactoryConfig::xml(r#"<r a="$1">$1</r>"#)
            .arg(Arg::expression("$ctx:p"))
            .build()
            .expect("builds");
        let mut msg = MessageContext::from_xml("<x/>");
        msg.set_property("p", s.clone());
        run(&pf, &mut msg);
        let xml = msg.payload_as_text().expect("utf-8");
        prop_assert_eq!(xml_text(xml), xml10(&s));
        let doc = Document::parse(xml).expect("well-formed");
        let attr = doc.root_element().attribute("a").unwrap_or_default().to_owned();
        // Attribute values normalize \t \n \r to spaces unless written as references; only
        // \r is written as a reference.
        let expected: String = xml10(&s).chars().map(|c| if c == '\t' || c == '\n' { ' ' } else { c }).collect();
        prop_assert_eq!(attr, expected);
    }

    // A `value` argument is escaped the same way (whatever the media type).
    #[test]
    fn xml_value_arg_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s) && !looks_like_json(&xml10(&s)));
        let pf = PayloadFactoryConfig::xml("<r>$1</r>").arg(Arg::value(s.clone())).build().expect("builds");
        let mut msg = MessageContext::from_xml("<x/>");
        run(&pf, &mut msg);
        prop_assert_eq!(xml_text(msg.payload_as_text().expect("utf-8")), xml10(&s));
    }

    // MI 4.4: a string inlined with ${…} in an xml format is XML-escaped, JSON-looking or not.
    #[test]
    fn xml_inline_round_trips(s in nasty()) {
        prop_assume!(!looks_like_xml(&s));
        let pf = PayloadFactoryConfig::xml("<r>${vars.s}</r>").build().expect("builds");
        let mut msg = MessageContext::from_xml("<x/>");
        msg.set_variable("s", serde_json::Value::String(s.clone()));
        run(&pf, &mut msg);
        prop_assert_eq!(xml_text(msg.payload_as_text().expect("utf-8")), xml10(&s));
    }
}
