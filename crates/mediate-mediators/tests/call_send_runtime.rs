//! `call` and `send` over the endpoint runtime and real loopback HTTP backends: the response
//! continues the flow (call) or runs through the response path (send), failures reach the
//! fault sequence with MI's `ERROR_CODE`.

#[path = "../../mediate-endpoints/tests/runtime_support/mod.rs"]
mod support;

mod flows;

use flows::{address, sequence};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mediate_core::exchange::{self, Branch, Responder, ResponsePath};
use mediate_core::{
    Env, Flow, MediationError, MediatorSpec, MessageContext, Scope, Sequence, mediator_fn,
};
use mediate_endpoints::Endpoints;
use support::{Backend, Reply, refused_url, sender};

fn endpoints() -> Endpoints {
    Endpoints::builder(sender()).build().unwrap()
}

/// A sequence whose last step copies what the test wants to see into properties.
fn observed(name: &str, specs: Vec<MediatorSpec>) -> Sequence {
    sequence(name, specs).then(mediator_fn("observe", |msg: &mut MessageContext| {
        let text = msg.payload_as_text().unwrap_or_default().to_owned();
        let status = msg
            .status()
            .map(|s| s.as_u16().to_string())
            .unwrap_or_default();
        msg.set_property("seen.payload", text);
        msg.set_property("seen.status", status);
        Ok::<_, MediationError>(Flow::Continue)
    }))
}

/// The default `fault` sequence of the tests: copies the fault facts into properties.
fn fault_sequence() -> Sequence {
    Sequence::named("fault").then(mediator_fn("record", |msg: &mut MessageContext| {
        let code = msg
            .scoped_property(Scope::Default, "ERROR_CODE")
            .map(|v| v.as_string());
        let message = msg
            .scoped_property(Scope::Default, "ERROR_MESSAGE")
            .map(|v| v.as_string());
        msg.set_property("fault.code", code.unwrap_or_default());
        msg.set_property("fault.message", message.unwrap_or_default());
        Ok::<_, MediationError>(Flow::Continue)
    }))
}

fn env_with(endpoints: &Endpoints) -> Env {
    Env::builder()
        .extension(endpoints.clone())
        .sequence("fault", fault_sequence())
        .build()
}

fn prop(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(|v| v.as_string())
}

/// A message whose reply lands in the returned slot.
fn client_message(msg: MessageContext) -> (MessageContext, Arc<Mutex<Option<MessageContext>>>) {
    let slot: Arc<Mutex<Option<MessageContext>>> = Arc::default();
    let reply = Arc::clone(&slot);
    let mut msg = msg;
    msg.extensions_mut().insert(Responder::new(move |m| {
        *reply.lock().unwrap() = Some(m);
    }));
    (msg, slot)
}

/// Waits (up to 5 s) for the reply.
async fn wait_reply(slot: &Arc<Mutex<Option<MessageContext>>>) -> MessageContext {
    for _ in 0..500 {
        if let Some(m) = slot.lock().unwrap().take() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no reply within 5 s");
}

async fn reply_text(slot: &Arc<Mutex<Option<MessageContext>>>) -> (MessageContext, String) {
    let mut m = wait_reply(slot).await;
    m.read_body().await.unwrap();
    let text = m.payload_as_text().unwrap().to_owned();
    (m, text)
}

#[tokio::test]
async fn call_continues_the_sequence_with_the_response() {
    let backend = Backend::start(|_| Reply::json(r#"{"price":10}"#)).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![MediatorSpec::new("call").child(address(&backend.url("/quote")))],
    );
    let mut msg = MessageContext::from_json(r#"{"symbol":"IBM"}"#);
    let flow = env.run(&main, &mut msg).await.unwrap();
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"price":10}"#)
    );
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("200"));
    assert_eq!(backend.requests()[0].text(), r#"{"symbol":"IBM"}"#);
}

#[tokio::test]
async fn a_failed_call_reaches_the_fault_sequence_with_its_error_code() {
    let down = refused_url().await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![MediatorSpec::new("call").child(address(&down))],
    );
    let mut msg = MessageContext::from_text("x");
    let flow = env.run(&main, &mut msg).await.unwrap();
    assert_eq!(flow, Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("101503"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Error connecting to the back end")
    );
    assert_eq!(
        prop(&msg, "seen.status"),
        None,
        "the rest of the sequence did not run"
    );
}

#[tokio::test]
async fn a_server_error_continues_the_flow() {
    let backend = Backend::start(|_| Reply::text(500, "oops")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![MediatorSpec::new("call").child(address(&backend.url("/")))],
    );
    let mut msg = MessageContext::from_text("x");
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("500"));
    assert_eq!(prop(&msg, "seen.payload").as_deref(), Some("oops"));
    assert_eq!(prop(&msg, "fault.code"), None);
}

fn timeout_endpoint(url: &str, action: &str) -> MediatorSpec {
    let leaf = |n: &str, t: &str| MediatorSpec::new(n).text(t);
    MediatorSpec::new("endpoint").child(
        MediatorSpec::new("address").property("uri", url).child(
            MediatorSpec::new("timeout")
                .child(leaf("duration", "200"))
                .child(leaf("responseAction", action)),
        ),
    )
}

#[tokio::test]
async fn a_timeout_faults_or_discards_as_its_response_action_says() {
    let backend = Backend::start(|_| Reply::text(200, "late").after(Duration::from_secs(3))).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);

    let faulting = observed(
        "main",
        vec![MediatorSpec::new("call").child(timeout_endpoint(&backend.url("/"), "fault"))],
    );
    let mut msg = MessageContext::from_text("x");
    assert_eq!(env.run(&faulting, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("101504"));
    assert_eq!(prop(&msg, "fault.message").as_deref(), Some("Send timeout"));

    let discarding = observed(
        "main",
        vec![MediatorSpec::new("call").child(timeout_endpoint(&backend.url("/"), "discard"))],
    );
    let mut msg = MessageContext::from_text("x");
    assert_eq!(env.run(&discarding, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(
        prop(&msg, "fault.code"),
        None,
        "no fault sequence for a discard"
    );
    assert_eq!(prop(&msg, "seen.status"), None);
}

#[tokio::test]
async fn a_property_target_keeps_the_body() {
    let backend = Backend::start(|_| Reply::json(r#"{"stock":3}"#)).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![
            MediatorSpec::new("call")
                .child(address(&backend.url("/stock")))
                .child(
                    MediatorSpec::new("target")
                        .property("type", "property")
                        .text("STOCK"),
                ),
        ],
    );
    let mut msg = MessageContext::from_json(r#"{"order":1}"#);
    let _ = env.run(&main, &mut msg).await.unwrap();
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"order":1}"#)
    );
    match msg.property("STOCK") {
        Some(mediate_core::PropertyValue::Json(v)) => assert_eq!(v["stock"], 3),
        other => panic!("expected a JSON property, got {other:?}"),
    }
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("200"));
}

#[tokio::test]
async fn an_inline_source_is_sent_instead_of_the_body() {
    let backend = Backend::text("ok").await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![
            MediatorSpec::new("call")
                .child(address(&backend.url("/")))
                .child(
                    MediatorSpec::new("source")
                        .property("type", "inline")
                        .property("contentType", "application/xml")
                        .text("<ping/>"),
                ),
        ],
    );
    let mut msg = MessageContext::from_json(r#"{"not":"sent"}"#);
    let _ = env.run(&main, &mut msg).await.unwrap();
    let got = &backend.requests()[0];
    assert_eq!(got.text(), "<ping/>");
    assert_eq!(got.header("content-type"), Some("application/xml"));
    assert_eq!(prop(&msg, "seen.payload").as_deref(), Some("ok"));
}

#[tokio::test]
async fn an_out_only_call_goes_on_without_the_response() {
    let backend = Backend::text("ignored").await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![
            MediatorSpec::new("property")
                .property("name", "OUT_ONLY")
                .property("value", "true"),
            MediatorSpec::new("call").child(address(&backend.url("/fire"))),
        ],
    );
    let mut msg = MessageContext::from_text("event");
    let _ = env.run(&main, &mut msg).await.unwrap();
    assert_eq!(prop(&msg, "seen.payload").as_deref(), Some("event"));
    for _ in 0..500 {
        if backend.hits() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(backend.requests()[0].text(), "event");
}

#[tokio::test]
async fn send_returns_at_once_and_the_response_goes_back_to_the_client() {
    let backend = Backend::start(|_| Reply::text(201, "created")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(
        "main",
        vec![MediatorSpec::new("send").child(address(&backend.url("/orders")))],
    );
    let (mut msg, slot) = client_message(MessageContext::from_json(r#"{"id":1}"#));
    let flow = env.run(&main, &mut msg).await.unwrap();
    assert_eq!(
        flow,
        Flow::Continue,
        "send returns true: the sequence goes on"
    );
    assert!(prop(&msg, "seen.status").is_some());
    // The end of the request flow leaves the reply to the response branch.
    exchange::finish(&mut msg, Branch::Request, Ok(()));
    let (reply, text) = reply_text(&slot).await;
    assert_eq!(text, "created");
    assert_eq!(reply.status().map(|s| s.as_u16()), Some(201));
    assert!(reply.is_response());
    assert_eq!(backend.requests()[0].text(), r#"{"id":1}"#);
}

#[tokio::test]
async fn send_runs_the_receive_sequence() {
    let backend = Backend::text("quote").await;
    let endpoints = endpoints();
    let handler = sequence(
        "HandleQuote",
        vec![
            MediatorSpec::new("property")
                .property("name", "handled")
                .property("value", "yes"),
            MediatorSpec::new("respond"),
        ],
    );
    let env = Env::builder()
        .extension(endpoints.clone())
        .sequence("HandleQuote", handler)
        .build();
    let main = sequence(
        "main",
        vec![
            MediatorSpec::new("send")
                .property("receive", "HandleQuote")
                .child(address(&backend.url("/"))),
        ],
    );
    let (mut msg, slot) = client_message(MessageContext::from_text("q"));
    let _ = env.run(&main, &mut msg).await.unwrap();
    let (reply, text) = reply_text(&slot).await;
    assert_eq!(text, "quote");
    assert_eq!(prop(&reply, "handled").as_deref(), Some("yes"));
}

#[tokio::test]
async fn send_runs_the_out_sequence_of_the_response_path() {
    let backend = Backend::text("from backend").await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let out = sequence(
        "out",
        vec![
            MediatorSpec::new("property")
                .property("name", "X-Out")
                .property("scope", "transport")
                .property("value", "1"),
            MediatorSpec::new("send"),
        ],
    );
    let main = sequence(
        "main",
        vec![MediatorSpec::new("send").child(address(&backend.url("/")))],
    );
    let (mut msg, slot) = client_message(MessageContext::from_text("q"));
    msg.extensions_mut().insert(ResponsePath {
        out_sequence: Some(Arc::new(out)),
        fault_sequence: None,
    });
    let _ = env.run(&main, &mut msg).await.unwrap();
    let (reply, text) = reply_text(&slot).await;
    assert_eq!(text, "from backend");
    assert_eq!(reply.transport_header("X-Out").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_failed_send_runs_the_fault_sequence_and_the_client_hears_of_it() {
    let down = refused_url().await;
    let endpoints = endpoints();
    let responding_fault = sequence(
        "ApiFault",
        vec![
            MediatorSpec::new("property")
                .property("name", "HTTP_SC")
                .property("scope", "axis2")
                .property("value", "502"),
            MediatorSpec::new("respond"),
        ],
    );
    let env = env_with(&endpoints);
    let main = sequence(
        "main",
        vec![MediatorSpec::new("send").child(address(&down))],
    );

    let (mut msg, slot) = client_message(MessageContext::from_text("q"));
    msg.extensions_mut().insert(ResponsePath {
        out_sequence: None,
        fault_sequence: Some(Arc::new(responding_fault)),
    });
    let _ = env.run(&main, &mut msg).await.unwrap();
    let reply = wait_reply(&slot).await;
    assert_eq!(reply.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(reply.fault().and_then(|f| f.code), Some(101_503));

    // The inline endpoint is suspended now (MI's 30 s): the next message is not sent (303001).
    // The default fault sequence of the tests does not reply: the client gets a 500 naming
    // the error rather than waiting forever.
    let (mut msg, slot) = client_message(MessageContext::from_text("q"));
    let _ = env.run(&main, &mut msg).await.unwrap();
    let mut reply = wait_reply(&slot).await;
    assert_eq!(reply.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(prop(&reply, "fault.code").as_deref(), Some("303001"));
    assert_eq!(
        prop(&reply, "fault.message").as_deref(),
        Some("Currently , Address endpoint : [ Name : AnonymousEndpoint ] [ State : SUSPENDED ]")
    );
    reply.read_body().await.unwrap();
    assert_eq!(reply.json().unwrap()["error"]["code"], 303_001);
}

#[tokio::test]
async fn send_without_an_endpoint_on_a_response_replies_to_the_client() {
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = sequence("out", vec![MediatorSpec::new("send")]);
    let (mut msg, slot) = client_message(MessageContext::from_text("done"));
    msg.set_response(true);
    let _ = env.run(&main, &mut msg).await.unwrap();
    let (_, text) = reply_text(&slot).await;
    assert_eq!(text, "done");
}

#[tokio::test]
async fn send_to_a_recipient_list_reaches_every_recipient() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let list = MediatorSpec::new("endpoint").child(
        MediatorSpec::new("recipientlist")
            .child(address(&a.url("/")))
            .child(address(&b.url("/"))),
    );
    let main = sequence("main", vec![MediatorSpec::new("send").child(list)]);
    let (mut msg, slot) = client_message(MessageContext::from_text("fan-out"));
    let _ = env.run(&main, &mut msg).await.unwrap();
    let (_, text) = reply_text(&slot).await;
    assert!(text == "a" || text == "b", "{text}");
    for _ in 0..500 {
        if a.hits() == 1 && b.hits() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(a.requests()[0].text(), "fan-out");
    assert_eq!(b.requests()[0].text(), "fan-out");
}

#[tokio::test]
async fn an_out_only_send_leaves_the_client_to_the_request_flow() {
    let backend = Backend::text("ignored").await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = sequence(
        "main",
        vec![
            MediatorSpec::new("property")
                .property("name", "OUT_ONLY")
                .property("value", "true"),
            MediatorSpec::new("send").child(address(&backend.url("/"))),
        ],
    );
    let (mut msg, slot) = client_message(MessageContext::from_text("event"));
    let _ = env.run(&main, &mut msg).await.unwrap();
    exchange::finish(&mut msg, Branch::Request, Ok(()));
    let reply = wait_reply(&slot).await;
    assert_eq!(reply.status().map(|s| s.as_u16()), Some(202));
}
