//! `call` and `send` configurations (MI 4.4 `CallMediatorFactory`, `SendMediatorFactory`, the
//! "Call Mediator" and "Send Mediator" pages), and their transport-less runtime.

mod flows;

use flows::address;

use std::sync::Arc;

use mediate_core::{BuildError, Env, Mediator, MediatorSpec, MessageContext, Position, Registry};
use mediate_endpoints::{EndpointDefinition, EndpointKind, KeyRef};
use mediate_mediators::call::{CallConfig, CallSource, CallSourceKind, CallTarget};
use mediate_mediators::send::{ReceiveSequence, SendConfig};

/// A registry with `call` and `send` registered as `builtins` will register them.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.register_nested("call", |s, r| {
        Ok(Arc::new(CallConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    })
    .register_nested("send", |s, r| {
        Ok(Arc::new(SendConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    });
    r
}

fn call(spec: &MediatorSpec) -> Result<CallConfig, BuildError> {
    CallConfig::from_spec(spec, &Registry::new())
}

fn send(spec: &MediatorSpec) -> Result<SendConfig, BuildError> {
    SendConfig::from_spec(spec, &Registry::new())
}

fn key(k: &str) -> MediatorSpec {
    MediatorSpec::new("endpoint").property("key", k)
}

fn err_text(r: Result<impl std::fmt::Debug, BuildError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn call_without_endpoint_uses_to() {
    let c = call(&MediatorSpec::new("call")).unwrap();
    assert!(!c.blocking);
    assert_eq!(c.endpoint, None);
    assert_eq!(c.source, None);
    assert_eq!(c.target, None);
}

#[test]
fn blocking_call_with_inline_endpoint() {
    // "Call Mediator", example 3.
    let spec = MediatorSpec::new("call")
        .property("blocking", "true")
        .property("initAxis2ClientOptions", "false")
        .child(address(
            "http://localhost:9000/services/SimpleStockQuoteService",
        ));
    let c = call(&spec).unwrap();
    assert!(c.blocking);
    assert_eq!(c.init_axis2_client_options, Some(false));
    let ep = c.endpoint.unwrap();
    assert!(
        matches!(ep.kind, EndpointKind::Address(ref a) if a.uri == "http://localhost:9000/services/SimpleStockQuoteService")
    );
}

#[test]
fn call_with_endpoint_key() {
    // "Call Mediator", example 1.
    let c = call(&MediatorSpec::new("call").child(key("MockAxis2ServiceEndpoint"))).unwrap();
    assert_eq!(
        c.endpoint.unwrap().kind,
        EndpointKind::Indirect {
            key: KeyRef::new("MockAxis2ServiceEndpoint")
        }
    );
}

#[test]
fn call_source_and_target_examples() {
    // "Call Mediator": examples using source and target configurations.
    let property = call(
        &MediatorSpec::new("call")
            .child(address("http://backend:8080/x"))
            .child(
                MediatorSpec::new("source")
                    .property("contentType", "application/xml")
                    .property("type", "property")
                    .text("SOURCE"),
            )
            .child(
                MediatorSpec::new("target")
                    .property("type", "property")
                    .text("TARGET"),
            ),
    )
    .unwrap();
    assert_eq!(
        property.source,
        Some(CallSource {
            kind: CallSourceKind::Property("SOURCE".into()),
            content_type: Some("application/xml".into())
        })
    );
    assert_eq!(property.target, Some(CallTarget::Property("TARGET".into())));

    let custom = call(
        &MediatorSpec::new("call").child(
            MediatorSpec::new("source")
                .property("contentType", "application/xml")
                .property("type", "custom")
                .text("$body//INCOMING2"),
        ),
    )
    .unwrap();
    assert_eq!(
        custom.source.unwrap().kind,
        CallSourceKind::Custom("$body//INCOMING2".into())
    );

    // No `type`: Synapse's Source defaults to custom.
    let default_type = call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").text("json-eval($.order)")),
    )
    .unwrap();
    assert_eq!(
        default_type.source.unwrap().kind,
        CallSourceKind::Custom("json-eval($.order)".into())
    );

    let inline_xml = "<Intermediate xmlns=\"http://ws.apache.org/ns/synapse\"><Intermediate1>Intermediate</Intermediate1></Intermediate>";
    let inline = call(
        &MediatorSpec::new("call").child(
            MediatorSpec::new("source")
                .property("type", "inline")
                .child(MediatorSpec::new("Intermediate"))
                .text(inline_xml),
        ),
    )
    .unwrap();
    assert_eq!(
        inline.source.unwrap().kind,
        CallSourceKind::Inline(inline_xml.into())
    );

    let body = call(
        &MediatorSpec::new("call")
            .child(MediatorSpec::new("source").property("type", "body"))
            .child(MediatorSpec::new("target").property("type", "body")),
    )
    .unwrap();
    assert_eq!(body.source.unwrap().kind, CallSourceKind::Body);
    assert_eq!(body.target, Some(CallTarget::Body));

    let variable = call(
        &MediatorSpec::new("call").child(
            MediatorSpec::new("target")
                .property("type", "variable")
                .text("quote"),
        ),
    )
    .unwrap();
    assert_eq!(variable.target, Some(CallTarget::Variable("quote".into())));
}

#[test]
fn call_refusals() {
    let t = err_text(call(&MediatorSpec::new("call").property("blocking", "yes")));
    assert!(t.contains("expected `true` or `false`"), "{t}");
    let t = err_text(call(&MediatorSpec::new("call").property("block", "true")));
    assert!(t.contains("unknown attribute `block`"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").property("axis2xml", "/tmp/axis2.xml"),
    ));
    assert!(
        t.contains("custom Axis2 client configuration is not supported"),
        "{t}"
    );
    let t = err_text(call(
        &MediatorSpec::new("call").child(key("a")).child(key("b")),
    ));
    assert!(t.contains("takes one `<endpoint>`"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("endpont")),
    ));
    assert!(t.contains("unknown child element `<endpont>`"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").property("type", "envelope")),
    ));
    assert!(t.contains("unknown source type"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").property("type", "custom")),
    ));
    assert!(t.contains("needs an expression"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").text("//a[")),
    ));
    assert!(t.contains("invalid XPath at column"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").property("type", "property")),
    ));
    assert!(t.contains("property's name"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("source").property("type", "inline")),
    ));
    assert!(t.contains("needs the payload"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("target").text("X")),
    ));
    assert!(t.contains("missing property `type`"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("target").property("type", "header")),
    ));
    assert!(t.contains("unknown target type"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call").child(MediatorSpec::new("target").property("type", "property")),
    ));
    assert!(t.contains("property's name"), "{t}");
    let t = err_text(call(
        &MediatorSpec::new("call")
            .child(MediatorSpec::new("target").property("type", "body"))
            .child(MediatorSpec::new("target").property("type", "body")),
    ));
    assert!(t.contains("`<target>` is given twice"), "{t}");
}

#[test]
fn endpoint_errors_keep_their_position_through_the_registry() {
    // <call>               (1:1)
    //   <endpoint>         (2:3)
    //     <address uri="nope"/>   value at 3:19
    let spec = MediatorSpec::new("call").at(Position::new(1, 1)).child(
        MediatorSpec::new("endpoint").at(Position::new(2, 3)).child(
            MediatorSpec::new("address")
                .at(Position::new(3, 5))
                .property_at("uri", "nope", Position::new(3, 19)),
        ),
    );
    let err = registry().build(&spec).unwrap_err();
    assert_eq!(err.position(), Some(Position::new(3, 19)));
    assert!(err.to_string().contains("has no scheme"), "{err}");

    // A call's own attribute error is located at the attribute.
    let spec = MediatorSpec::new("call")
        .at(Position::new(1, 1))
        .property_at("blocking", "maybe", Position::new(1, 17));
    let err = registry().build(&spec).unwrap_err();
    assert_eq!(err.position(), Some(Position::new(1, 17)));
}

#[test]
fn send_configurations() {
    let s = send(&MediatorSpec::new("send")).unwrap();
    assert_eq!(s.receive, None);
    assert!(!s.build_message);
    assert_eq!(s.endpoint, None);

    let s = send(
        &MediatorSpec::new("send")
            .property_at("receive", "HandleQuote", Position::new(1, 16))
            .property("buildmessage", "true")
            .child(key("StockQuoteEP")),
    )
    .unwrap();
    assert_eq!(
        s.receive,
        Some(ReceiveSequence::Key(KeyRef::new("HandleQuote")))
    );
    let Some(ReceiveSequence::Key(k)) = &s.receive else {
        panic!()
    };
    assert_eq!(k.position, Some(Position::new(1, 16)));
    assert!(s.build_message);
    assert!(s.endpoint.is_some());

    let s = send(&MediatorSpec::new("send").property("receive", "{get-property('seq')}")).unwrap();
    assert_eq!(
        s.receive,
        Some(ReceiveSequence::Expression("get-property('seq')".into()))
    );

    let inline = send(
        &MediatorSpec::new("send").child(
            MediatorSpec::new("endpoint").child(
                MediatorSpec::new("failover")
                    .child(address("http://a:80/"))
                    .child(address("http://b:80/")),
            ),
        ),
    )
    .unwrap();
    assert_eq!(inline.endpoint.unwrap().children().len(), 2);
}

#[test]
fn send_refusals() {
    let t = err_text(send(
        &MediatorSpec::new("send").property("buildmessage", "yes"),
    ));
    assert!(t.contains("expected `true` or `false`"), "{t}");
    let t = err_text(send(&MediatorSpec::new("send").property("receive", " ")));
    assert!(t.contains("must name a sequence"), "{t}");
    let t = err_text(send(
        &MediatorSpec::new("send").property("receive", "{get-property(}"),
    ));
    assert!(t.contains("invalid XPath"), "{t}");
    let t = err_text(send(&MediatorSpec::new("send").property("recieve", "x")));
    assert!(t.contains("unknown attribute `recieve`"), "{t}");
    let t = err_text(send(
        &MediatorSpec::new("send").child(MediatorSpec::new("source")),
    ));
    assert!(t.contains("unknown child element `<source>`"), "{t}");
    let t = err_text(send(
        &MediatorSpec::new("send").child(key("a")).child(key("b")),
    ));
    assert!(t.contains("takes one `<endpoint>`"), "{t}");
    let t = err_text(send(
        &MediatorSpec::new("send")
            .child(MediatorSpec::new("endpoint").child(MediatorSpec::new("wsdl"))),
    ));
    assert!(t.contains("WSDL endpoints are not supported yet"), "{t}");
}

#[tokio::test(flavor = "current_thread")]
async fn built_mediators_fail_without_a_transport() {
    let env = Env::default();
    let c = CallConfig::to_endpoint(EndpointDefinition::indirect("EP"))
        .build()
        .unwrap();
    assert_eq!(c.kind(), "call");
    assert!(!c.reads_body());
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    let err = c.mediate(&mut msg, &env).await.unwrap_err();
    assert_eq!(
        err.message(),
        "the `call` mediator needs an HTTP transport, which this build does not have yet"
    );
    assert!(err.is_internal());

    let s = SendConfig::to_endpoint(EndpointDefinition::indirect("EP"))
        .build()
        .unwrap();
    assert_eq!(s.kind(), "send");
    assert!(!s.reads_body());
    let err = s.mediate(&mut msg, &env).await.unwrap_err();
    assert_eq!(
        err.message(),
        "the `send` mediator needs an HTTP transport, which this build does not have yet"
    );

    // Through the registry too.
    let m = registry()
        .build(&MediatorSpec::new("call").child(key("EP")))
        .unwrap();
    assert!(m.mediate(&mut msg, &env).await.is_err());
}
