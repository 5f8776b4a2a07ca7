//! Running sequences: order, Stop, nesting, content awareness, counters.

mod support;

use std::sync::Arc;

use mediate_core::{Env, Flow, Mediator, MessageContext, Sequence};
use support::{mark, quiet, stop, trail};

#[tokio::test(flavor = "current_thread")]
async fn mediators_run_in_order_and_continue() {
    let seq = Sequence::named("main")
        .then(mark("a"))
        .then(mark("b"))
        .then(mark("c"));
    let mut msg = MessageContext::empty();
    let flow = seq.mediate(&mut msg, &Env::default()).await.unwrap();
    assert_eq!(flow, Flow::Continue);
    assert_eq!(trail(&msg), "a b c");
}

#[tokio::test(flavor = "current_thread")]
async fn empty_sequence_continues() {
    let mut msg = MessageContext::empty();
    let flow = Sequence::anonymous()
        .mediate(&mut msg, &Env::default())
        .await
        .unwrap();
    assert!(flow.is_continue());
}

#[tokio::test(flavor = "current_thread")]
async fn stop_ends_the_sequence() {
    let seq = Sequence::anonymous()
        .then(mark("a"))
        .then(stop("s"))
        .then(mark("never"));
    let mut msg = MessageContext::empty();
    assert_eq!(
        seq.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert_eq!(trail(&msg), "a s");
}

#[tokio::test(flavor = "current_thread")]
async fn stop_in_a_nested_sequence_stops_the_enclosing_ones() {
    let inner = Sequence::named("inner")
        .then(mark("i1"))
        .then(stop("i-stop"))
        .then(mark("i2"));
    let middle = Sequence::anonymous().then(inner).then(mark("m"));
    let outer = Sequence::named("outer")
        .then(mark("o1"))
        .then(middle)
        .then(mark("o2"));
    let mut msg = MessageContext::empty();
    assert_eq!(
        outer.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert_eq!(trail(&msg), "o1 i1 i-stop");
}

#[tokio::test(flavor = "current_thread")]
async fn nested_continue_goes_on_in_the_enclosing_sequence() {
    let inner = Arc::new(Sequence::named("inner").then(mark("i")));
    let outer = Sequence::anonymous()
        .then(mark("a"))
        .then_arc(inner.clone())
        .then(mark("b"))
        .then_arc(inner.clone());
    let mut msg = MessageContext::empty();
    assert_eq!(
        outer.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Continue
    );
    assert_eq!(trail(&msg), "a i b i");
    assert_eq!(inner.stats().messages_in, 2);
    assert_eq!(inner.stats().continued, 2);
}

#[test]
fn reads_body_is_derived_from_children() {
    assert!(
        !Sequence::anonymous().reads_body(),
        "empty sequence reads nothing"
    );
    let quiet_only = Sequence::anonymous().then(quiet("a")).then(quiet("b"));
    assert!(!quiet_only.reads_body());
    let one_reader = Sequence::anonymous().then(quiet("a")).then(mark("reads"));
    assert!(one_reader.reads_body());
    let nested = Sequence::anonymous()
        .then(quiet("a"))
        .then(Sequence::anonymous().then(quiet("b")).then(mark("deep")));
    assert!(nested.reads_body());
    let nested_quiet = Sequence::anonymous().then(Sequence::anonymous().then(quiet("b")));
    assert!(!nested_quiet.reads_body());
}

#[test]
fn accessors() {
    let seq = Sequence::named("main").on_error("oops").then(mark("a"));
    assert_eq!(seq.name(), Some("main"));
    assert_eq!(seq.on_error_key(), Some("oops"));
    assert_eq!(seq.mediators().len(), 1);
    assert_eq!(seq.mediators()[0].kind(), "a");
    assert_eq!(seq.kind(), "sequence");
    assert_eq!(Sequence::anonymous().name(), None);
    let built = Sequence::new(Some("n".into()), vec![Arc::new(mark("x"))]);
    assert_eq!(built.mediators().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn counters_count_each_exit_once() {
    let seq = Sequence::named("counted").then(mediate_core::mediator_fn(
        "route",
        |msg: &mut MessageContext| match msg.property("route").map(|v| v.as_string()).as_deref() {
            Some("stop") => Ok(Flow::Stop),
            Some("fail") => Err(mediate_core::MediationError::mediator("failed")),
            _ => Ok(Flow::Continue),
        },
    ));
    let env = Env::default();
    for route in ["go", "go", "stop", "fail", "go"] {
        let mut msg = MessageContext::empty();
        msg.set_property("route", route);
        let _ = seq.mediate(&mut msg, &env).await;
    }
    let stats = seq.stats();
    assert_eq!(stats.messages_in, 5);
    assert_eq!(stats.continued, 3);
    assert_eq!(stats.stopped, 1);
    assert_eq!(stats.faulted, 1);
}
