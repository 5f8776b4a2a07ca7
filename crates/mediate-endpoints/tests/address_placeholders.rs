//! `${…}` parts of an `<address uri>` over real loopback HTTP: each filled from the message's
//! Synapse property of that name (Synapse's `EndpointDefinition.getAddress`), else from the
//! Synapse expression `${…}` (compiled once, when the endpoint is built), else with nothing.

mod runtime_support;
mod support;

use bytes::Bytes;
use mediate_core::message::PendingBody;
use mediate_core::{Env, MessageContext};
use mediate_endpoints::{CallOutcome, EndpointDefinition, Endpoints};
use runtime_support::{Backend, sender};

fn address(uri: &str) -> EndpointDefinition {
    support::endpoint(&format!(r#"<endpoint><address uri="{uri}"/></endpoint>"#))
}

/// What the backend's `n`-th request asked for (path and query).
fn target(backend: &Backend, n: usize) -> String {
    backend.requests()[n].target.clone()
}

#[tokio::test]
async fn parts_are_filled_for_each_message_from_properties_then_expressions() {
    let backend = Backend::text("ok").await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    // One endpoint, built once, filled differently for every message.
    let ep = address(&backend.url("/${path}/${vars.id}/${properties.synapse.kind}${missing}"));
    for (path, id, kind) in [("orders", "7", "a"), ("items", "8", "b")] {
        let mut msg = MessageContext::from_json("{}");
        msg.set_rest_url_postfix("");
        msg.set_property("path", path);
        msg.set_variable("id", id);
        msg.set_property("kind", kind);
        let outcome = endpoints.call(Some(&ep), &mut msg, &Env::default()).await;
        assert_eq!(outcome.unwrap(), CallOutcome::Response);
    }
    assert_eq!(target(&backend, 0), "/orders/7/a");
    assert_eq!(target(&backend, 1), "/items/8/b");

    // A property of the part's exact name wins over the expression it also is.
    let mut msg = MessageContext::from_json("{}");
    msg.set_rest_url_postfix("");
    msg.set_property("path", "p");
    msg.set_variable("id", "from-variable");
    msg.set_property("vars.id", "from-property");
    msg.set_property("kind", "c");
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(target(&backend, 2), "/p/from-property/c");
}

#[tokio::test]
async fn a_part_that_reads_the_payload_reads_a_streamed_body_first() {
    let backend = Backend::text("ok").await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let request = http::Request::post("http://localhost:8290/in")
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (parts, ()) = request.into_parts();
    let body = PendingBody::from_chunks([
        Bytes::from_static(br#"{"order":"#),
        Bytes::from_static(br#"{"id":"A-7"}}"#),
    ]);
    let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
    msg.set_rest_url_postfix("");
    let ep = address(&backend.url("/orders/${payload.order.id}"));
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    let got = &backend.requests()[0];
    assert_eq!(got.target, "/orders/A-7");
    assert_eq!(got.text(), r#"{"order":{"id":"A-7"}}"#);
}

#[tokio::test]
async fn a_part_that_is_no_expression_is_a_property_name_and_builds() {
    let backend = Backend::text("ok").await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    // `a-b c` is no Synapse expression: in Synapse it is only a property name, so the endpoint
    // deploys and the part is filled from the property when there is one.
    let ep = address(&backend.url("/${a-b c}/x"));
    let mut msg = MessageContext::from_json("{}");
    msg.set_rest_url_postfix("");
    msg.set_property("a-b c", "named");
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    msg.set_rest_url_postfix("");
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(target(&backend, 0), "/named/x");
    assert_eq!(target(&backend, 1), "//x");
}
