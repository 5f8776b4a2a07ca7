//! Template (function) parameters read from the message's own function stack: every way MI
//! reads a sequence template's parameter (`$func:p`, `get-property('func', 'p')`,
//! `${params.functionParams.p}`, also inside `${xpath(…)}`) sees the innermost frame pushed on
//! the message, through plain `Expression::evaluate` with no extra plumbing (Synapse's
//! `EIPUtils.lookupFunctionParam` peeks the top of `SYNAPSE__FUNCTION__STACK`).

use std::collections::HashMap;

use mediate_expr::xpath::{SynapseXPath, XPathScope, synapse_string_value};
use mediate_expr::{Expression, MessageEnv, Namespaces};
use mediate_message::MessageContext;

fn eval(msg: &MessageContext, text: &str) -> String {
    Expression::compile(text, &Namespaces::new())
        .unwrap()
        .evaluate_string(msg)
        .unwrap()
}

fn frame(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const READERS: [&str; 4] = [
    "$func:p",
    "get-property('func', 'p')",
    "${params.functionParams.p}",
    "${xpath('$func:p')}",
];

#[test]
fn every_reader_sees_the_top_frame() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    // No frame: XPath gives the empty node-set (""), a Synapse expression prints null.
    for (reader, absent) in READERS.iter().zip(["", "", "null", ""]) {
        assert_eq!(eval(&msg, reader), absent, "{reader} with no frame");
    }
    msg.push_function_frame(frame(&[("p", "outer")]));
    for reader in READERS {
        assert_eq!(eval(&msg, reader), "outer", "{reader}");
    }
    msg.push_function_frame(frame(&[("q", "inner")]));
    assert_eq!(eval(&msg, "$func:q"), "inner");
    assert_eq!(eval(&msg, "$func:p"), "", "the outer frame is hidden");
    assert_eq!(eval(&msg, "get-property('func', 'p')"), "");
    msg.pop_function_frame();
    for reader in READERS {
        assert_eq!(eval(&msg, reader), "outer", "{reader} after the pop");
    }
    msg.pop_function_frame();
    assert_eq!(eval(&msg, "$func:p"), "");
    assert_eq!(msg.function_depth(), 0);
}

#[test]
fn frame_values_mix_with_the_message() {
    let mut msg = MessageContext::from_xml("<order><id>7</id></order>");
    msg.push_function_frame(frame(&[("prefix", "ORD-"), ("n", "2")]));
    assert_eq!(eval(&msg, "concat($func:prefix, //order/id)"), "ORD-7");
    assert_eq!(eval(&msg, "$func:n * //order/id"), "14.0");
    assert_eq!(
        eval(
            &msg,
            "${params.functionParams.prefix + xpath('//order/id')}"
        ),
        "ORD-7"
    );
}

#[test]
fn an_explicit_scope_still_wins_over_the_message_frame() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.push_function_frame(frame(&[("p", "from-message")]));
    let explicit = frame(&[("p", "explicit")]);
    let x = SynapseXPath::compile("$func:p", &Namespaces::new()).unwrap();
    let scope = XPathScope {
        function_params: Some(&explicit),
        ..XPathScope::default()
    };
    let v = x.evaluate_in(&msg, &scope).unwrap();
    assert_eq!(synapse_string_value(&v, "$func:p"), "explicit");
    assert_eq!(x.string_value_of(&msg).unwrap(), "from-message");

    let e =
        mediate_expr::synapse::SynapseExpression::compile("${params.functionParams.p}").unwrap();
    let env = MessageEnv::new(&msg).with_function_params(&explicit);
    assert_eq!(e.evaluate(&env).unwrap().to_string(), "explicit");
    assert_eq!(
        e.evaluate(&MessageEnv::new(&msg)).unwrap().to_string(),
        "from-message"
    );
}

#[test]
fn a_clone_carries_the_frames() {
    let mut msg = MessageContext::empty();
    msg.push_function_frame(frame(&[("p", "v")]));
    let copy = msg.clone();
    assert_eq!(eval(&copy, "$func:p"), "v");
}
