//! Fault handling: fault facts, the sequence's own onError, the enclosing onError, the given
//! fault sequence and the default `fault` sequence.

mod support;

use mediate_core::{
    Env, Flow, MediationError, Mediator, MessageContext, PropertyValue, Scope, Sequence, codes,
};
use support::{fail, mark, trail};

fn generic() -> MediationError {
    MediationError::mediator("boom\nsecond line").with_detail("the detail")
}

fn refused() -> MediationError {
    MediationError::backend(codes::CONNECTION_FAILED, "connection refused").retryable(true)
}

fn code(msg: &MessageContext) -> Option<PropertyValue> {
    msg.scoped_property(Scope::Default, "ERROR_CODE")
}

#[tokio::test(flavor = "current_thread")]
async fn error_sets_fault_facts_and_returns_to_the_caller() {
    let seq = Sequence::named("main")
        .then(mark("a"))
        .then(fail("f", generic))
        .then(mark("never"));
    let mut msg = MessageContext::empty();
    let err = seq.mediate(&mut msg, &Env::default()).await.unwrap_err();
    assert_eq!(err.message(), "boom\nsecond line");
    assert_eq!(trail(&msg), "a f");
    assert_eq!(code(&msg), Some(PropertyValue::Integer(0)));
    let message = msg.scoped_property(Scope::Default, "ERROR_MESSAGE");
    assert_eq!(message, Some(PropertyValue::String("boom".into())));
    let detail = msg.scoped_property(Scope::Default, "ERROR_DETAIL");
    assert_eq!(detail, Some(PropertyValue::String("the detail".into())));
    assert!(
        msg.scoped_property(Scope::Default, "ERROR_EXCEPTION")
            .is_some()
    );
    assert_eq!(seq.stats().faulted, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn own_on_error_runs_and_the_flow_does_not_continue() {
    let env = Env::builder()
        .sequence("onErr", Sequence::named("onErr").then(mark("handler")))
        .sequence(
            "fault",
            Sequence::named("fault").then(mark("default-fault")),
        )
        .build();
    let seq = Sequence::named("main")
        .on_error("onErr")
        .then(fail("f", refused))
        .then(mark("never"));
    let mut msg = MessageContext::empty();
    let flow = env.run(&seq, &mut msg).await.unwrap();
    assert_eq!(flow, Flow::Stop);
    assert_eq!(trail(&msg), "f handler");
    assert_eq!(code(&msg), Some(PropertyValue::Integer(101_503)));
    let handler = env.get_sequence("onErr").unwrap();
    assert_eq!(handler.stats().continued, 1);
    assert_eq!(env.get_sequence("fault").unwrap().stats().messages_in, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn enclosing_on_error_applies_when_the_inner_sequence_has_none() {
    let env = Env::builder()
        .sequence(
            "outerErr",
            Sequence::anonymous().then(mark("outer-handler")),
        )
        .build();
    let inner = Sequence::named("inner")
        .then(mark("i"))
        .then(fail("f", generic));
    let outer = Sequence::named("outer")
        .on_error("outerErr")
        .then(inner)
        .then(mark("never"));
    let mut msg = MessageContext::empty();
    assert_eq!(outer.mediate(&mut msg, &env).await.unwrap(), Flow::Stop);
    assert_eq!(trail(&msg), "i f outer-handler");
}

#[tokio::test(flavor = "current_thread")]
async fn nearest_on_error_wins_and_the_enclosing_flow_stops() {
    let env = Env::builder()
        .sequence(
            "innerErr",
            Sequence::anonymous().then(mark("inner-handler")),
        )
        .sequence(
            "outerErr",
            Sequence::anonymous().then(mark("outer-handler")),
        )
        .build();
    let inner = Sequence::named("inner")
        .on_error("innerErr")
        .then(fail("f", generic));
    let outer = Sequence::named("outer")
        .on_error("outerErr")
        .then(inner)
        .then(mark("never"));
    let mut msg = MessageContext::empty();
    assert_eq!(outer.mediate(&mut msg, &env).await.unwrap(), Flow::Stop);
    assert_eq!(trail(&msg), "f inner-handler");
    assert_eq!(outer.stats().stopped, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn failing_on_error_goes_to_the_enclosing_handler_keeping_the_first_code() {
    let env = Env::builder()
        .sequence(
            "innerErr",
            Sequence::anonymous()
                .then(mark("inner-handler"))
                .then(fail("again", generic)),
        )
        .sequence(
            "outerErr",
            Sequence::anonymous().then(mark("outer-handler")),
        )
        .build();
    let inner = Sequence::named("inner")
        .on_error("innerErr")
        .then(fail("f", refused));
    let outer = Sequence::named("outer").on_error("outerErr").then(inner);
    let mut msg = MessageContext::empty();
    assert_eq!(outer.mediate(&mut msg, &env).await.unwrap(), Flow::Stop);
    assert_eq!(trail(&msg), "f inner-handler again outer-handler");
    // FaultHandler only records a generic error when ERROR_CODE is unset.
    assert_eq!(code(&msg), Some(PropertyValue::Integer(101_503)));
    let message = msg.scoped_property(Scope::Default, "ERROR_MESSAGE");
    assert_eq!(
        message,
        Some(PropertyValue::String("connection refused".into()))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn specific_code_overwrites_earlier_facts() {
    let env = Env::builder()
        .sequence(
            "innerErr",
            Sequence::anonymous().then(fail("timeout", || {
                MediationError::backend(codes::CONNECTION_TIMEOUT, "timed out")
            })),
        )
        .build();
    let inner = Sequence::named("inner")
        .on_error("innerErr")
        .then(fail("f", generic));
    let mut msg = MessageContext::empty();
    let err = inner.mediate(&mut msg, &env).await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(code(&msg), Some(PropertyValue::Integer(101_504)));
}

#[tokio::test(flavor = "current_thread")]
async fn unhandled_fault_runs_the_default_fault_sequence() {
    let env = Env::builder()
        .sequence(
            "fault",
            Sequence::named("fault").then(mark("default-fault")),
        )
        .build();
    let inner = Sequence::named("inner").then(fail("f", generic));
    let main = Sequence::named("main").then(inner).then(mark("never"));
    let mut msg = MessageContext::empty();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(trail(&msg), "f default-fault");
    assert_eq!(code(&msg), Some(PropertyValue::Integer(0)));
    assert_eq!(main.stats().faulted, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn given_fault_sequence_replaces_the_default() {
    let env = Env::builder()
        .sequence(
            "fault",
            Sequence::named("fault").then(mark("default-fault")),
        )
        .build();
    let proxy_fault = Sequence::named("proxyFault").then(mark("proxy-fault"));
    let main = Sequence::anonymous().then(fail("f", generic));
    let mut msg = MessageContext::empty();
    let flow = env
        .run_with_fault(&main, Some(&proxy_fault), &mut msg)
        .await
        .unwrap();
    assert_eq!(flow, Flow::Stop);
    assert_eq!(trail(&msg), "f proxy-fault");
}

#[tokio::test(flavor = "current_thread")]
async fn missing_on_error_key_falls_through_to_the_fault_sequence() {
    let env = Env::builder()
        .sequence("fault", Sequence::anonymous().then(mark("default-fault")))
        .build();
    let main = Sequence::named("main")
        .on_error("nowhere")
        .then(fail("f", generic));
    let mut msg = MessageContext::empty();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(trail(&msg), "f default-fault");
}

#[tokio::test(flavor = "current_thread")]
async fn without_any_fault_sequence_the_error_is_returned() {
    let main = Sequence::anonymous().then(fail("f", refused));
    let mut msg = MessageContext::empty();
    let err = Env::default().run(&main, &mut msg).await.unwrap_err();
    assert!(err.is_connection_failure() && err.is_backend() && err.is_retryable());
    assert_eq!(code(&msg), Some(PropertyValue::Integer(101_503)));
}

#[tokio::test(flavor = "current_thread")]
async fn failing_fault_sequence_returns_its_error() {
    let env = Env::builder()
        .sequence(
            "fault",
            Sequence::anonymous()
                .then(fail("fault-fails", || MediationError::mediator("in fault"))),
        )
        .build();
    let main = Sequence::anonymous().then(fail("f", refused));
    let mut msg = MessageContext::empty();
    let err = env.run(&main, &mut msg).await.unwrap_err();
    assert_eq!(err.message(), "in fault");
    assert_eq!(trail(&msg), "f fault-fails");
}

#[tokio::test(flavor = "current_thread")]
async fn successful_runs_do_not_touch_the_fault_sequence() {
    let env = Env::builder()
        .sequence("fault", Sequence::anonymous().then(mark("default-fault")))
        .build();
    let main = Sequence::anonymous().then(mark("a"));
    let mut msg = MessageContext::empty();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(trail(&msg), "a");
    assert!(msg.fault().is_none());
}
