//! Flows from MI's documentation written as nested `MediatorSpec`s, the shape the Synapse XML
//! loader produces (kind = element name, properties = attributes, children = child elements,
//! text = inline content, namespaces = prefixes in scope on every element), built through
//! `builtins::registry()` and run on real messages.
//!
//! Doc facts are cited from MI's mediator reference pages (`switch-mediator.md`,
//! `filter-mediator.md`, `enrich-mediator.md`, `property-mediator.md`, `header-mediator.md`,
//! `fault-Mediator.md`, `sequence-mediator.md`) and the "Routing based on message payloads"
//! example.

use std::sync::Arc;

use mediate_core::{BuildError, Env, MediatorSpec, Registry, Scope, Sequence};
use mediate_mediators::builtins;
use mediate_test::{
    TestMessage, assert_json_eq, assert_no_property, assert_property, assert_xml_eq, json,
    run_flow, run_in,
};

const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";
const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// `<kind a="v" …/>`.
fn el(kind: &str, attrs: &[(&str, &str)]) -> MediatorSpec {
    attrs
        .iter()
        .fold(MediatorSpec::new(kind), |s, (n, v)| s.property(*n, *v))
}

/// `<kind a="v" …>children</kind>`.
fn with(kind: &str, attrs: &[(&str, &str)], children: Vec<MediatorSpec>) -> MediatorSpec {
    children
        .into_iter()
        .fold(el(kind, attrs), MediatorSpec::child)
}

/// Declares `pairs` on `spec` and on every element under it (the prefixes in scope, as the
/// loader gives each element).
fn xmlns(mut spec: MediatorSpec, pairs: &[(&str, &str)]) -> MediatorSpec {
    for (p, u) in pairs {
        spec.namespaces.insert(*p, *u);
    }
    spec.children = spec.children.into_iter().map(|c| xmlns(c, pairs)).collect();
    spec
}

/// A named sequence of `specs`, built through the registry.
fn sequence(registry: &Registry, name: &str, specs: &[MediatorSpec]) -> Sequence {
    match registry.build_all(specs) {
        Ok(mediators) => Sequence::new(Some(name.to_owned()), mediators),
        Err(e) => panic!("sequence `{name}` does not build: {e}"),
    }
}

fn payload_text(msg: &mediate_core::MessageContext) -> &str {
    msg.payload_as_text().unwrap_or("<not UTF-8>")
}

// ----- content-based routing --------------------------------------------------------------

/// MI switch-mediator.md, example: the switch reads the symbol of a `getQuote` request and
/// sets `symbol` by case (`IBM` → "Great stock - IBM", `MSFT` → "Are you sure? - MSFT"), the
/// default takes `fn:concat('Normal Stock - ', //m0:symbol)`; here a payloadFactory then
/// answers with the property (`$ctx:symbol`) and respond returns the message to the client.
fn cbr_flow(registry: &Registry) -> Sequence {
    let m0 = [("m0", "http://services.samples")];
    let set = |value: &str| el("property", &[("name", "symbol"), ("value", value)]);
    let switch = xmlns(
        with(
            "switch",
            &[("source", "//m0:getQuote/m0:request/m0:symbol")],
            vec![
                with("case", &[("regex", "IBM")], vec![set("Great stock - IBM")]),
                with(
                    "case",
                    &[("regex", "MSFT")],
                    vec![set("Are you sure? - MSFT")],
                ),
                with(
                    "default",
                    &[],
                    vec![el(
                        "property",
                        &[
                            ("name", "symbol"),
                            (
                                "expression",
                                "fn:concat('Normal Stock - ', //m0:getQuote/m0:request/m0:symbol)",
                            ),
                        ],
                    )],
                ),
            ],
        ),
        &m0,
    );
    // payloadFactory's <format> holds XML: its text is the serialized child with the
    // namespaces in scope declared (unprefixed elements are in the Synapse namespace unless
    // they say xmlns="").
    let factory = xmlns(
        with(
            "payloadFactory",
            &[("media-type", "xml")],
            vec![
                el("format", &[]).text(format!(
                    "<m0:getQuoteResponse xmlns:m0=\"http://services.samples\" xmlns=\"{SYNAPSE_NS}\"><m0:return><m0:comment>$1</m0:comment></m0:return></m0:getQuoteResponse>"
                )),
                with("args", &[], vec![el("arg", &[("expression", "$ctx:symbol")])]),
            ],
        ),
        &m0,
    );
    sequence(registry, "cbr", &[switch, factory, el("respond", &[])])
}

fn get_quote(symbol: &str) -> TestMessage {
    TestMessage::soap11(format!(
        "<m0:getQuote xmlns:m0=\"http://services.samples\"><m0:request><m0:symbol>{symbol}</m0:symbol></m0:request></m0:getQuote>"
    ))
    .soap_action("urn:getQuote")
}

#[test]
fn content_based_routing_switch_property_payload_factory_respond() {
    let registry = builtins::registry();
    let flow = cbr_flow(&registry);
    let env = Env::default();
    for (symbol, comment) in [
        ("IBM", "Great stock - IBM"),
        ("MSFT", "Are you sure? - MSFT"),
        ("WSO2", "Normal Stock - WSO2"),
    ] {
        let out = run_in(&env, &flow, get_quote(symbol));
        // respond: "stops the processing on the message and sends the message back to the
        // client as a response" (respond-mediator.md).
        assert!(out.is_stop(), "{symbol}: {out}");
        assert!(out.msg.is_response(), "{symbol}");
        assert_property!(out, "symbol", comment);
        assert_xml_eq!(
            out,
            format!(
                "<m0:getQuoteResponse xmlns:m0=\"http://services.samples\"><m0:return><m0:comment>{comment}</m0:comment></m0:return></m0:getQuoteResponse>"
            )
        );
        // The SOAP 1.1 envelope stays: payloadFactory replaces the Body's content only.
        assert_eq!(
            out.msg.content_type(),
            "text/xml; charset=UTF-8",
            "{symbol}"
        );
        assert!(
            payload_text(&out.msg)
                .starts_with(&format!("<soapenv:Envelope xmlns:soapenv=\"{SOAP11_NS}\">")),
            "{}",
            payload_text(&out.msg)
        );
    }
}

/// "Routing based on message payloads" (MI example): cases name sequences by key
/// (`<sequence key="sequence1"/>`), the default drops the message.
#[test]
fn content_based_routing_to_sequences_by_key_and_drop_by_default() {
    let registry = builtins::registry();
    let ns = [
        ("ser", "http://services.samples"),
        ("xsd", "http://services.samples/xsd"),
    ];
    let flow = sequence(
        &registry,
        "ContentBasedRoutingProxy",
        &[
            xmlns(
                with(
                    "switch",
                    &[("source", "$body//ser:getQuote/ser:request/xsd:symbol")],
                    vec![
                        with(
                            "case",
                            &[("regex", "IBM")],
                            vec![el("sequence", &[("key", "sequence1")])],
                        ),
                        with(
                            "case",
                            &[("regex", "MSFT")],
                            vec![el("sequence", &[("key", "sequence2")])],
                        ),
                        with("default", &[], vec![el("drop", &[])]),
                    ],
                ),
                &ns,
            ),
            el("property", &[("name", "after-switch"), ("value", "yes")]),
        ],
    );
    let routed = |name: &str| {
        sequence(
            &registry,
            name,
            &[el("property", &[("name", "routed-to"), ("value", name)])],
        )
    };
    let env = Env::builder()
        .sequence("sequence1", routed("sequence1"))
        .sequence("sequence2", routed("sequence2"))
        .build();
    let request = |symbol: &str| {
        TestMessage::soap11(format!(
            "<ser:getQuote xmlns:ser=\"http://services.samples\" xmlns:xsd=\"http://services.samples/xsd\"><ser:request><xsd:symbol>{symbol}</xsd:symbol></ser:request></ser:getQuote>"
        ))
    };

    let ibm = run_in(&env, &flow, request("IBM"));
    assert!(ibm.is_continue(), "{ibm}");
    assert_property!(ibm, "routed-to", "sequence1");
    assert_property!(ibm, "after-switch", "yes");

    let msft = run_in(&env, &flow, request("MSFT"));
    assert_property!(msft, "routed-to", "sequence2");

    // drop: "the message is dropped and the flow stops" (drop-mediator.md): nothing after
    // the switch runs.
    let other = run_in(&env, &flow, request("ORCL"));
    assert!(other.is_stop(), "{other}");
    assert_no_property!(other, "routed-to");
    assert_no_property!(other, "after-switch");
}

// ----- filter / else ------------------------------------------------------------------------

/// MI filter-mediator.md: `<filter source regex><then>…</then><else>…</else></filter>`;
/// "If the evaluation returns false, the mediators in the else element are executed". Here the
/// then branch logs and tags the message; the else branch logs and turns the message into a
/// SOAP 1.1 Client fault (fault-Mediator.md: `<makefault version="soap11"><code
/// value="soap11Env:Client"/><reason value/></makefault>`), then responds.
#[test]
fn filter_then_log_else_log_makefault_respond() {
    let registry = builtins::registry();
    let log = |msg: &str| {
        with(
            "log",
            &[("level", "custom")],
            vec![el("property", &[("name", "message"), ("value", msg)])],
        )
    };
    let filter = xmlns(
        with(
            "filter",
            &[("source", "//m0:symbol"), ("regex", "IBM|MSFT")],
            vec![
                with(
                    "then",
                    &[],
                    vec![
                        log("known symbol"),
                        el(
                            "property",
                            &[
                                ("name", "validated"),
                                ("value", "true"),
                                ("type", "BOOLEAN"),
                            ],
                        ),
                    ],
                ),
                with(
                    "else",
                    &[],
                    vec![
                        log("unknown symbol"),
                        with(
                            "makefault",
                            &[("version", "soap11")],
                            vec![
                                el("code", &[("value", "soap11Env:Client")]),
                                el(
                                    "reason",
                                    &[("expression", "fn:concat('Unknown symbol: ', //m0:symbol)")],
                                ),
                            ],
                        ),
                        el("respond", &[]),
                    ],
                ),
            ],
        ),
        &[("m0", "http://services.samples"), ("soap11Env", SOAP11_NS)],
    );
    let flow = sequence(
        &registry,
        "validate",
        &[
            filter,
            el("property", &[("name", "passed"), ("value", "yes")]),
        ],
    );
    let env = Env::default();

    let ok = run_in(&env, &flow, get_quote("IBM"));
    assert!(ok.is_continue(), "{ok}");
    assert_property!(ok, "validated", true);
    assert_property!(ok, "passed", "yes");
    // The then branch leaves the body alone.
    assert_eq!(ok.msg.payload(), get_quote("IBM").build().payload());

    let bad = run_in(&env, &flow, get_quote("ORCL"));
    assert!(bad.is_stop(), "{bad}");
    assert!(bad.msg.is_response());
    assert_no_property!(bad, "validated");
    assert_no_property!(bad, "passed");
    // FaultMediator (SOAP 1.1): faultcode as the QName written, faultstring the reason.
    assert_xml_eq!(
        bad,
        format!(
            "<soapenv:Fault xmlns:soapenv=\"{SOAP11_NS}\"><faultcode>soap11Env:Client</faultcode><faultstring>Unknown symbol: ORCL</faultstring></soapenv:Fault>"
        )
    );
    assert_eq!(bad.msg.content_type(), "text/xml");
}

// ----- enrich round trips -------------------------------------------------------------------

/// MI enrich-mediator.md, "Example 1: Setting the property symbol": the original body is saved
/// into a property (`<source type="body" clone="true"/><target type="property"
/// property="ORIGINAL_REQ"/>`), the body is replaced, and a later enrich puts the property
/// back (`<source type="property" property="ORIGINAL_REQ"/><target type="body"/>`).
#[test]
fn enrich_body_to_property_and_back() {
    let registry = builtins::registry();
    let flow = sequence(
        &registry,
        "roundtrip",
        &[
            with(
                "enrich",
                &[],
                vec![
                    el("source", &[("type", "body"), ("clone", "true")]),
                    el(
                        "target",
                        &[("type", "property"), ("property", "ORIGINAL_REQ")],
                    ),
                ],
            ),
            with(
                "payloadFactory",
                &[("media-type", "xml")],
                vec![el("format", &[]).text("<interim xmlns=\"\">replaced</interim>")],
            ),
            el(
                "property",
                &[("name", "interim"), ("expression", "//interim")],
            ),
            with(
                "enrich",
                &[],
                vec![
                    el(
                        "source",
                        &[("type", "property"), ("property", "ORIGINAL_REQ")],
                    ),
                    el("target", &[("type", "body")]),
                ],
            ),
        ],
    );
    let out = run_in(&Env::default(), &flow, get_quote("IBM"));
    assert!(out.is_continue(), "{out}");
    assert_property!(out, "interim", "replaced");
    assert_xml_eq!(
        out,
        "<m0:getQuote xmlns:m0=\"http://services.samples\"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>"
    );
}

/// MI enrich-mediator.md (JSON): a JSONPath source copied into a property, then added as a
/// child of another object (`action="child"`: Synapse's `EIPUtils.mergeJsonObjects`, the source
/// object's members join the target object), and a property value replacing a field by
/// JSONPath target.
#[test]
fn enrich_json_paths_through_a_property() {
    let registry = builtins::registry();
    let flow = sequence(
        &registry,
        "json-enrich",
        &[
            with(
                "enrich",
                &[],
                vec![
                    el(
                        "source",
                        &[
                            ("type", "custom"),
                            ("xpath", "json-eval($.customer.address)"),
                            ("clone", "true"),
                        ],
                    ),
                    el("target", &[("type", "property"), ("property", "addr")]),
                ],
            ),
            with(
                "enrich",
                &[],
                vec![
                    el("source", &[("type", "property"), ("property", "addr")]),
                    el(
                        "target",
                        &[("xpath", "json-eval($.order)"), ("action", "child")],
                    ),
                ],
            ),
            el("property", &[("name", "status"), ("value", "CONFIRMED")]),
            with(
                "enrich",
                &[],
                vec![
                    el("source", &[("type", "property"), ("property", "status")]),
                    el("target", &[("xpath", "json-eval($.order.status)")]),
                ],
            ),
        ],
    );
    let out = run_in(
        &Env::default(),
        &flow,
        TestMessage::json(
            r#"{"customer":{"name":"Ann","address":{"city":"Colombo"}},"order":{"id":7,"status":"NEW"}}"#,
        ),
    );
    assert!(out.is_continue(), "{out}");
    assert_json_eq!(
        out,
        json!({
            "customer": {"name": "Ann", "address": {"city": "Colombo"}},
            "order": {"id": 7, "status": "CONFIRMED", "city": "Colombo"}
        })
    );
}

// ----- header and special properties --------------------------------------------------------

/// MI property-mediator.md (axis2 scope): `HTTP_SC` sets the response status, `messageType`
/// the formatter, `NO_ENTITY_BODY` drops the body from the wire; transport scope sets or
/// removes HTTP headers. header-mediator.md: `<header name scope="transport" value/>` and
/// `action="remove"`.
#[test]
fn header_and_special_properties_in_axis2_scope() {
    let registry = builtins::registry();
    let flow = sequence(
        &registry,
        "special",
        &[
            el(
                "property",
                &[("name", "HTTP_SC"), ("value", "202"), ("scope", "axis2")],
            ),
            el(
                "property",
                &[
                    ("name", "messageType"),
                    ("value", "application/xml"),
                    ("scope", "axis2"),
                ],
            ),
            el(
                "property",
                &[
                    ("name", "NO_ENTITY_BODY"),
                    ("value", "true"),
                    ("scope", "axis2"),
                    ("type", "BOOLEAN"),
                ],
            ),
            el(
                "header",
                &[
                    ("name", "X-Correlation-ID"),
                    ("expression", "$trp:X-Request-ID"),
                    ("scope", "transport"),
                ],
            ),
            el(
                "header",
                &[
                    ("name", "X-Request-ID"),
                    ("action", "remove"),
                    ("scope", "transport"),
                ],
            ),
            el(
                "property",
                &[
                    ("name", "X-Powered-By"),
                    ("value", "mediate"),
                    ("scope", "transport"),
                ],
            ),
            el(
                "property",
                &[
                    ("name", "Authorization"),
                    ("action", "remove"),
                    ("scope", "transport"),
                ],
            ),
            el(
                "property",
                &[("name", "status"), ("expression", "$axis2:HTTP_SC")],
            ),
            el(
                "property",
                &[
                    ("name", "format"),
                    ("expression", "get-property('axis2', 'messageType')"),
                ],
            ),
        ],
    );
    let out = run_in(
        &Env::default(),
        &flow,
        TestMessage::json(r#"{"a":1}"#)
            .header("X-Request-ID", "r-42")
            .header("Authorization", "Bearer t"),
    );
    assert!(out.is_continue(), "{out}");
    assert_eq!(out.msg.status().map(|s| s.as_u16()), Some(202));
    assert_eq!(out.msg.message_type(), "application/xml");
    assert_property!(out, Scope::Axis2, "NO_ENTITY_BODY", true);
    assert_property!(out, Scope::Transport, "X-Correlation-ID", "r-42");
    assert_property!(out, Scope::Transport, "X-Powered-By", "mediate");
    assert_no_property!(out, Scope::Transport, "X-Request-ID");
    assert_no_property!(out, Scope::Transport, "Authorization");
    assert_property!(out, "status", "202");
    assert_property!(out, "format", "application/xml");
    // None of these touch the payload.
    assert_eq!(payload_text(&out.msg), r#"{"a":1}"#);
    assert_eq!(out.msg.content_type(), "application/json");
}

// ----- sequence reference and onError -------------------------------------------------------

/// MI sequence-mediator.md: `<sequence key="…"/>` runs the named sequence, and a sequence's
/// `onError` names the sequence run when one of its mediators fails ("Error handling"): it
/// sees `ERROR_CODE`/`ERROR_MESSAGE`, here builds a JSON error and responds.
#[test]
fn sequence_reference_and_on_error_sequence() {
    let registry = builtins::registry();
    let audit = sequence(
        &registry,
        "audit",
        &[
            el(
                "property",
                &[("name", "audited"), ("value", "true"), ("type", "BOOLEAN")],
            ),
            el("variable", &[("name", "stage"), ("value", "audit")]),
        ],
    );
    let on_error = sequence(
        &registry,
        "errorHandler",
        &[
            with(
                "log",
                &[("level", "custom")],
                vec![el(
                    "property",
                    &[
                        ("name", "error"),
                        ("expression", "get-property('ERROR_MESSAGE')"),
                    ],
                )],
            ),
            el(
                "property",
                &[("name", "HTTP_SC"), ("value", "500"), ("scope", "axis2")],
            ),
            with(
                "payloadFactory",
                &[("media-type", "json")],
                vec![
                    el("format", &[]).text(r#"{"error": "$1", "stage": "$2"}"#),
                    with(
                        "args",
                        &[],
                        vec![
                            el("arg", &[("expression", "get-property('ERROR_MESSAGE')")]),
                            el("arg", &[("expression", "${vars.stage}")]),
                        ],
                    ),
                ],
            ),
            el("respond", &[]),
        ],
    );
    let main = sequence(
        &registry,
        "main",
        &[
            el("sequence", &[("key", "audit")]),
            el("sequence", &[("key", "{get-property('next')}")]),
            el("property", &[("name", "reached-end"), ("value", "yes")]),
        ],
    )
    .on_error("errorHandler");
    let env = Env::builder()
        .sequence("audit", audit)
        .sequence("errorHandler", on_error)
        .sequence(
            "next",
            sequence(
                &registry,
                "next",
                &[el("property", &[("name", "next-ran"), ("value", "yes")])],
            ),
        )
        .build();

    // The dynamic key names a deployed sequence: the flow runs to its end.
    let fine = run_flow(
        &env,
        &main,
        TestMessage::json(r#"{"id":1}"#).property("next", "next"),
    );
    assert!(fine.is_continue(), "{fine}");
    assert_property!(fine, "audited", true);
    assert_property!(fine, "next-ran", "yes");
    assert_property!(fine, "reached-end", "yes");

    // It names nothing: Synapse's "Sequence named … cannot be found" fails the mediator, the
    // onError sequence runs, and the rest of `main` never does.
    let failed = run_flow(
        &env,
        &main,
        TestMessage::json(r#"{"id":1}"#).property("next", "nope"),
    );
    assert!(failed.is_stop(), "{failed}");
    assert!(failed.msg.is_response());
    assert_property!(failed, "audited", true);
    assert_no_property!(failed, "reached-end");
    let message = failed
        .msg
        .fault()
        .and_then(|f| f.message.clone())
        .unwrap_or_default();
    assert!(message.contains("cannot be found"), "{message}");
    assert_eq!(failed.msg.status().map(|s| s.as_u16()), Some(500));
    assert_json_eq!(failed, json!({"error": message, "stage": "audit"}));
}

// ----- registry errors ----------------------------------------------------------------------

/// An element name that is not a mediator, nested in a filter's branch, fails the whole build
/// with the closest built-in names.
#[test]
fn unknown_nested_element_suggests_the_builtin() {
    let registry = builtins::registry();
    let spec = with(
        "filter",
        &[("xpath", "//a")],
        vec![with("then", &[], vec![el("paylodFactory", &[])])],
    );
    let err = registry.build(&spec).unwrap_err();
    assert_eq!(
        err,
        BuildError::UnknownMediator {
            kind: "paylodFactory".into(),
            suggestions: vec!["payloadFactory".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "unknown mediator `paylodFactory`; did you mean `payloadFactory`?"
    );
    let err = registry
        .build(&with(
            "switch",
            &[("source", "//a")],
            vec![with("default", &[], vec![el("lgo", &[])])],
        ))
        .unwrap_err();
    assert!(err.to_string().contains("did you mean `log`?"), "{err}");
}

/// An unknown attribute on a mediator nested in a switch case is refused, naming the nested
/// mediator and the attribute (no silent drop).
#[test]
fn unknown_attribute_on_a_nested_mediator_names_the_mediator() {
    let registry = builtins::registry();
    let spec = with(
        "switch",
        &[("source", "//a")],
        vec![with(
            "case",
            &[("regex", "x")],
            vec![with(
                "filter",
                &[("xpath", "//b")],
                vec![with("then", &[], vec![el("log", &[("levle", "full")])])],
            )],
        )],
    );
    let err = registry.build(&spec).unwrap_err();
    match &err {
        BuildError::InvalidElement {
            element, reason, ..
        } => {
            assert_eq!(element, "log");
            assert!(reason.starts_with("unknown attribute `levle` "), "{reason}");
        }
        other => panic!("expected an unknown log attribute, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("`<log>`: unknown attribute `levle` "),
        "{err}"
    );

    let err = registry
        .build(&with(
            "filter",
            &[("xpath", "//b")],
            vec![
                with("then", &[], vec![el("drop", &[])]),
                with(
                    "else",
                    &[],
                    vec![el("property", &[("name", "a"), ("vaule", "1")])],
                ),
            ],
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`<property>`: unknown attribute `vaule`"),
        "{text}"
    );
}

/// The same flow built twice gives two independent mediators: nothing is shared through the
/// registry, and a built flow is `Send + Sync` to be shared by every message.
#[test]
fn a_built_flow_is_shareable() {
    let registry = builtins::registry();
    let flow = Arc::new(cbr_flow(&registry));
    let handles: Vec<_> = ["IBM", "MSFT"]
        .into_iter()
        .map(|symbol| {
            let flow = Arc::clone(&flow);
            std::thread::spawn(move || {
                let out = run_in(&Env::default(), &*flow, get_quote(symbol));
                out.msg
                    .property("symbol")
                    .map(|v| v.as_string())
                    .unwrap_or_default()
            })
        })
        .collect();
    let got: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .collect();
    assert_eq!(got, ["Great stock - IBM", "Are you sure? - MSFT"]);
}
