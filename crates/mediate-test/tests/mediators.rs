//! Run helpers and the test mediators (Recorder, Fail, Probe).

use mediate_core::{
    Env, Flow, MediationError, Mediator, MessageContext, PropertyValue, Sequence, codes,
    mediator_fn,
};
use mediate_test::{
    Fail, Probe, Recorder, TRAIL_PROPERTY, TestMessage, run, run_async, run_flow, run_flow_async,
    run_in, trail,
};

fn set(name: &'static str, value: &'static str) -> impl Mediator {
    mediator_fn(name, move |msg: &mut MessageContext| {
        msg.set_property(name, value);
        Ok::<_, MediationError>(Flow::Continue)
    })
}

#[test]
fn recorder_snapshots_each_message_as_it_was_at_its_point() {
    let rec = Recorder::new();
    let seq = Sequence::anonymous()
        .then(rec.at("before"))
        .then(set("p", "1"))
        .then(rec.at("after"));
    run(
        &seq,
        TestMessage::json(r#"{"a":1}"#)
            .header("X-A", "x")
            .variable("v", 2),
    );
    let log = rec.messages();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].point.as_str(), log[0].seq), ("before", 0));
    assert_eq!((log[1].point.as_str(), log[1].seq), ("after", 1));
    // The snapshot before the property mediator does not see its property.
    assert!(log[0].property("p").is_none());
    assert_eq!(log[1].property("p").as_deref(), Some("1"));
    assert_eq!(log[0].payload_text(), r#"{"a":1}"#);
    assert_eq!(log[0].content_type, "application/json");
    assert_eq!(log[0].headers.get("x-a").map(String::as_str), Some("x"));
    assert_eq!(log[0].variables["v"].as_string(), "2");
    assert!(!log[0].is_response);
    assert_eq!(rec.messages_at("after").len(), 1);
}

#[test]
fn recorder_stopping_ends_the_sequence() {
    let sink = Recorder::new().stopping();
    let after = sink.at("after");
    let seq = Sequence::anonymous().then(sink.clone()).then(after);
    let out = run(&seq, TestMessage::empty());
    assert!(out.is_stop());
    assert_eq!(sink.count(), 1, "the mediator after a Stop never runs");
}

#[test]
fn recorder_is_not_content_aware_unless_told() {
    let seq = Sequence::anonymous()
        .then(Recorder::new())
        .then(Probe::new("p"));
    // A sequence of non-content-aware mediators is not content-aware (isContentAware).
    assert!(!seq.reads_body());
    let seq = seq.then(Recorder::new().reading_body());
    assert!(seq.reads_body());
}

#[test]
fn recorder_log_survives_clear_and_shares_between_clones() {
    let rec = Recorder::new();
    let clone = rec.clone();
    run(&clone, TestMessage::empty());
    assert_eq!(rec.count(), 1);
    rec.clear();
    assert_eq!(clone.count(), 0);
    assert!(clone.last().is_none());
}

#[test]
fn fail_copies_every_fact_of_the_error_each_time() {
    let cause = std::io::Error::other("refused by peer");
    let fail = Fail::with(
        MediationError::backend(codes::CONNECTION_FAILED, "connect failed")
            .with_detail("host x")
            .retryable(true)
            .with_source(cause),
    );
    for _ in 0..2 {
        let (err, _) = run(&fail, TestMessage::empty()).expect_error();
        assert_eq!(err.code(), codes::CONNECTION_FAILED);
        assert!(err.is_backend() && err.is_retryable());
        assert_eq!(err.detail(), Some("host x"));
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("refused by peer"));
    }
    assert!(!fail.reads_body());
}

#[test]
fn fault_sequence_sees_the_fault_facts_synapse_records() {
    // Synapse's FaultHandler records ERROR_CODE / ERROR_MESSAGE before the fault sequence runs.
    let seen = Recorder::new().at("fault");
    let env = Env::builder()
        .sequence(
            "fault",
            Sequence::named("fault")
                .then(Probe::new("fault"))
                .then(seen.clone()),
        )
        .build();
    let main = Sequence::named("main")
        .then(Probe::new("main"))
        .then(Fail::with(MediationError::client(400, "bad input")))
        .then(Probe::new("never"));
    let out = run_flow(&env, &main, TestMessage::json("{}"));
    assert!(
        out.is_stop(),
        "after the fault sequence the flow does not resume"
    );
    assert_eq!(trail(&out.msg), ["main", "fault"]);
    assert_eq!(seen.last().unwrap().error_code, Some(400));
    mediate_test::assert_property!(out, "ERROR_CODE", 400);
    mediate_test::assert_property!(out, "ERROR_MESSAGE", "bad input");
}

#[test]
fn run_in_passes_the_env() {
    let env = Env::builder().local_entry("k", "v").build();
    let seq_count = mediator_fn("count", |_: &mut MessageContext| {
        Ok::<_, MediationError>(Flow::Continue)
    });
    let out = run_in(&env, &seq_count, TestMessage::empty());
    assert!(out.is_continue());
    assert!(out.to_string().starts_with("Continue"));
}

#[test]
fn run_accepts_shared_mediators() {
    let shared: std::sync::Arc<dyn Mediator> = std::sync::Arc::new(Probe::new("x"));
    let out = run(&*shared, TestMessage::empty());
    assert_eq!(trail(&out.msg), ["x"]);
}

#[test]
fn probe_trail_and_custom_property() {
    let seq = Sequence::anonymous()
        .then(Probe::new("a"))
        .then(Probe::new("b").into_property("other"))
        .then(Probe::new("c"));
    let out = run(&seq, TestMessage::empty());
    assert_eq!(trail(&out.msg), ["a", "c"]);
    assert_eq!(
        out.msg.property(TRAIL_PROPERTY),
        Some(&PropertyValue::String("a,c".into()))
    );
    assert_eq!(mediate_test::trail_in(&out.msg, "other"), ["b"]);
}

#[test]
#[should_panic(expected = "expected the run to return Continue, it failed: boom")]
fn expect_flow_reports_the_error() {
    let _ = run(&Fail::message("boom"), TestMessage::empty()).expect_flow(Flow::Continue);
}

#[test]
#[should_panic(expected = "expected the run to fail, it returned Continue")]
fn expect_error_reports_the_flow() {
    let _ = run(&Probe::new("p"), TestMessage::empty()).expect_error();
}

#[tokio::test]
async fn async_variants_run_on_the_callers_runtime() {
    let rec = Recorder::new();
    let out = run_async(&rec, TestMessage::text("a")).await;
    assert!(out.is_continue());
    let main = Sequence::named("main").then(Fail::message("x"));
    let out = run_flow_async(&Env::default(), &main, TestMessage::empty()).await;
    assert_eq!(out.error().map(MediationError::message), Some("x"));
    assert_eq!(rec.count(), 1);
}
