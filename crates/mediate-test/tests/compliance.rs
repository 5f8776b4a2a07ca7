//! The compliance check: compliant mediators pass; each kind of contract breach is caught.

use std::sync::Arc;
use std::time::Duration;

use mediate_core::{
    Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Namespaces,
    Registry, Sequence, async_trait, mediator_fn,
};
use mediate_test::compliance::{self, Case, Checker, Rule, corpus};
use mediate_test::{Fail, Probe, Recorder, TestMessage};

#[test]
fn corpus_covers_every_shape_named_in_the_design() {
    let names: Vec<String> = corpus().into_iter().map(|c| c.name).collect();
    for expected in [
        "empty",
        "json-object",
        "json-array",
        "json-primitive",
        "pox",
        "soap11",
        "soap12",
        "text",
        "binary",
        "malformed-xml",
        "malformed-json",
        "large-json",
        "large-xml",
    ] {
        assert!(names.iter().any(|n| n == expected), "missing {expected}");
    }
    let large = corpus()
        .into_iter()
        .find(|c| c.name == "large-json")
        .unwrap();
    assert!(large.msg.payload().len() > 100_000);
    assert!(large.msg.json().is_ok());
    let bad = corpus()
        .into_iter()
        .find(|c| c.name == "malformed-xml")
        .unwrap();
    assert!(bad.msg.xml().is_err());
}

#[test]
fn kit_mediators_are_compliant() {
    compliance::assert_compliant(&Recorder::new());
    compliance::assert_compliant(&Recorder::new().stopping().reading_body());
    compliance::assert_compliant(&Probe::new("p"));
    compliance::assert_compliant(&Fail::message("always"));
    let seq = Sequence::named("s")
        .then(Probe::new("a"))
        .then(Recorder::new())
        .then(Fail::message("end"));
    compliance::assert_compliant(&seq);
}

#[test]
fn a_careful_body_reader_is_compliant() {
    // Reads the JSON view and fails cleanly on anything that is not JSON.
    let reader = mediator_fn("class:com.acme.Reader", |msg: &mut MessageContext| {
        let n = msg.json()?.as_object().map_or(0, serde_json::Map::len);
        msg.set_property("members", i32::try_from(n).unwrap_or(i32::MAX));
        Ok::<_, MediationError>(Flow::Continue)
    });
    let report = compliance::check(&reader);
    assert!(report.is_compliant(), "{report}");
    assert_eq!(report.cases.len(), corpus().len());
    assert_eq!(report.mediator, "class:com.acme.Reader");
}

#[test]
fn a_panicking_mediator_is_caught_per_case() {
    // Unwraps the JSON view: panics on every payload that has none (the contract says: Err).
    #[allow(clippy::unwrap_used)]
    let sloppy = mediator_fn("sloppy", |msg: &mut MessageContext| {
        let _ = msg.json().unwrap();
        Ok::<_, MediationError>(Flow::Continue)
    });
    let report = compliance::check(&sloppy);
    assert!(!report.is_compliant());
    let panicked: Vec<&str> = report
        .violations_of(Rule::Panic)
        .filter_map(|v| v.case.as_deref())
        .collect();
    assert!(panicked.contains(&"malformed-json"), "{report}");
    assert!(panicked.contains(&"binary"), "{report}");
    assert!(!panicked.contains(&"json-object"), "{report}");
    let detail = &report.violations_of(Rule::Panic).next().unwrap().detail;
    assert!(detail.starts_with("panicked: "), "{detail}");
    assert!(
        detail.contains("called `Result::unwrap()` on an `Err` value"),
        "{detail}"
    );
    // The rest of the corpus still ran after the first panic.
    assert_eq!(report.cases.len(), corpus().len());
}

#[test]
fn a_mediator_that_lies_about_reads_body_is_caught() {
    let liar = mediator_fn("liar", |msg: &mut MessageContext| {
        msg.set_text("replaced");
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&liar);
    let changed = report.violations_of(Rule::BodyChanged).count();
    assert_eq!(changed, corpus().len(), "{report}");
    let v = report.violations_of(Rule::BodyChanged).next().unwrap();
    assert!(
        v.detail
            .contains("reads_body() is false but the payload changed"),
        "{v}"
    );
    assert!(v.detail.contains("\"replaced\""), "{v}");

    // The same mediator telling the truth is compliant.
    let honest = mediator_fn("honest", |msg: &mut MessageContext| {
        msg.set_text("replaced");
        Ok::<_, MediationError>(Flow::Continue)
    });
    compliance::assert_compliant(&honest);
}

#[test]
fn a_content_type_change_is_a_body_change() {
    let retype = mediator_fn("retype", |msg: &mut MessageContext| {
        msg.set_content_type("application/x-other");
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&retype);
    assert_eq!(
        report.violations_of(Rule::BodyChanged).count(),
        corpus().len(),
        "{report}"
    );
}

#[test]
fn a_mediator_that_parses_while_claiming_not_to_is_caught() {
    let peeker = mediator_fn("peeker", |msg: &mut MessageContext| {
        let _ = msg.json();
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&peeker);
    let parsed: Vec<&str> = report
        .violations_of(Rule::BodyParsed)
        .filter_map(|v| v.case.as_deref())
        .collect();
    // The JSON view exists for JSON payloads and (MI's mapping) XML ones.
    for case in ["json-object", "json-array", "pox", "soap11", "large-xml"] {
        assert!(parsed.contains(&case), "{case}: {report}");
    }
    assert!(!parsed.contains(&"malformed-json"), "{report}");
    assert_eq!(report.violations_of(Rule::BodyChanged).count(), 0);
}

// The streaming fast path of `json-eval(…)` / `${payload…}` reads one value straight from the
// JSON bytes without building the JSON view: that is reading the body too.
#[test]
fn a_mediator_that_scans_json_while_claiming_not_to_is_caught() {
    let id = Expression::compile("json-eval($.order.id)", &Namespaces::new()).unwrap();
    let scanner = mediator_fn("scanner", move |msg: &mut MessageContext| {
        let _ = id.evaluate_string(msg);
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&scanner);
    let json_object = report
        .violations_of(Rule::BodyParsed)
        .find(|v| v.case.as_deref() == Some("json-object"))
        .unwrap_or_else(|| panic!("the scan of json-object is not reported: {report}"));
    assert_eq!(
        json_object.detail,
        "reads_body() is false but the payload was read (its JSON bytes were scanned for a value)"
    );
    // The XML payloads are read through the JSON view (MI's XML → JSON mapping).
    let pox = report
        .violations_of(Rule::BodyParsed)
        .find(|v| v.case.as_deref() == Some("pox"))
        .unwrap_or_else(|| panic!("pox is not reported: {report}"));
    assert!(
        pox.detail
            .starts_with("reads_body() is false but the payload was parsed (its JSON "),
        "{pox}"
    );
    assert_eq!(report.violations_of(Rule::BodyChanged).count(), 0);

    // The same reader saying it reads the body is compliant.
    let id = Expression::compile("json-eval($.order.id)", &Namespaces::new()).unwrap();
    compliance::assert_compliant(&mediator_fn(
        "honest-scanner",
        move |msg: &mut MessageContext| {
            let _ = id.evaluate_string(msg);
            Ok::<_, MediationError>(Flow::Continue)
        },
    ));
}

// A message scanned or parsed before the mediator ran is not held against it.
#[test]
fn views_built_before_the_run_are_not_the_mediators() {
    let id = Expression::compile("json-eval($.a)", &Namespaces::new()).unwrap();
    let scanned = TestMessage::json(r#"{"a":1}"#).build();
    assert_eq!(id.evaluate_string(&scanned).unwrap(), "1");
    let parsed = TestMessage::json(r#"{"a":2}"#).build();
    assert!(parsed.json().is_ok());
    let quiet = mediator_fn("quiet", |_: &mut MessageContext| {
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = Checker::with_cases(vec![
        Case::new("scanned", scanned),
        Case::new("parsed", parsed),
    ])
    .check(&quiet);
    assert!(report.is_compliant(), "{report}");
    assert_eq!(report.cases, ["scanned", "parsed"]);
}

// Building the XML or envelope view is reading the body as much as building the JSON view is
// (MI: a content-unaware mediator never makes the message be built). The check cannot see
// those views yet: it needs `MessageContext::xml_if_parsed` / `envelope_if_parsed`, which
// need accessors for the cached views in mediate-message's payload.rs.
#[test]
fn a_mediator_that_builds_xml_views_while_claiming_not_to_is_caught() {
    let xml_peeker = mediator_fn("xml-peeker", |msg: &mut MessageContext| {
        let _ = msg.xml();
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&xml_peeker);
    let parsed: Vec<&str> = report
        .violations_of(Rule::BodyParsed)
        .filter_map(|v| v.case.as_deref())
        .collect();
    for case in ["pox", "soap11", "soap12", "large-xml"] {
        assert!(parsed.contains(&case), "{case}: {report}");
    }
    // A parse that failed built no view, as for malformed JSON.
    assert!(!parsed.contains(&"malformed-xml"), "{report}");
    assert!(!parsed.contains(&"text"), "{report}");

    let envelope_peeker = mediator_fn("envelope-peeker", |msg: &mut MessageContext| {
        let _ = msg.envelope();
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let report = compliance::check(&envelope_peeker);
    let parsed: Vec<&str> = report
        .violations_of(Rule::BodyParsed)
        .filter_map(|v| v.case.as_deref())
        .collect();
    // MI's envelope view wraps text and binary payloads too.
    for case in [
        "pox",
        "soap11",
        "soap12",
        "text",
        "binary",
        "large-xml",
        "json-object",
    ] {
        assert!(parsed.contains(&case), "{case}: {report}");
    }
    assert!(!parsed.contains(&"malformed-xml"), "{report}");
    assert_eq!(report.violations_of(Rule::BodyChanged).count(), 0);
}

#[test]
fn blank_error_messages_are_caught() {
    let mute = Fail::with(MediationError::mediator("  "));
    let report = compliance::check(&mute);
    assert_eq!(
        report.violations_of(Rule::EmptyErrorMessage).count(),
        corpus().len(),
        "{report}"
    );
}

#[derive(Debug)]
struct Hangs;

#[async_trait]
impl Mediator for Hangs {
    async fn mediate(&self, _msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        std::future::pending::<()>().await;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "hangs"
    }
}

#[test]
fn a_mediator_that_never_finishes_is_caught_by_the_guard() {
    let report = Checker::with_cases(vec![Case::new("one", TestMessage::empty())])
        .timeout(Duration::from_millis(20))
        .check(&Hangs);
    let v: Vec<_> = report.violations_of(Rule::Hang).collect();
    assert_eq!(v.len(), 1, "{report}");
    assert_eq!(v[0].case.as_deref(), Some("one"));
}

#[test]
fn blank_kind_is_caught_once() {
    let nameless = mediator_fn(" ", |_: &mut MessageContext| {
        Ok::<_, MediationError>(Flow::Continue)
    });
    let report = compliance::check(&nameless);
    assert_eq!(report.violations.len(), 1, "{report}");
    assert_eq!(report.violations[0].rule, Rule::Kind);
    assert!(report.violations[0].case.is_none());
}

#[test]
fn factories_are_built_then_checked() {
    let mut registry = Registry::new();
    registry.register("probe", |spec: &MediatorSpec| {
        Ok(Arc::new(Probe::new(spec.require("label")?)) as Arc<dyn Mediator>)
    });
    registry.register("liar", |_: &MediatorSpec| {
        Ok(Arc::new(
            mediator_fn("liar", |msg: &mut MessageContext| {
                msg.set_text("x");
                Ok::<_, MediationError>(Flow::Continue)
            })
            .with_reads_body(false),
        ) as Arc<dyn Mediator>)
    });
    compliance::assert_factory_compliant(
        &registry,
        &MediatorSpec::new("probe").property("label", "l"),
    );

    let missing = compliance::check_factory(&registry, &MediatorSpec::new("probe"));
    assert_eq!(missing.violations.len(), 1);
    assert_eq!(missing.violations[0].rule, Rule::Build);
    assert!(
        missing.violations[0]
            .detail
            .contains("missing property `label`")
    );
    assert!(missing.cases.is_empty());

    let liar = compliance::check_factory(&registry, &MediatorSpec::new("liar"));
    assert!(liar.violations_of(Rule::BodyChanged).count() > 0);
}

#[test]
fn assert_compliant_panics_with_the_report() {
    let liar = mediator_fn("liar", |msg: &mut MessageContext| {
        msg.set_text("x");
        Ok::<_, MediationError>(Flow::Continue)
    })
    .with_reads_body(false);
    let payload = std::panic::catch_unwind(|| compliance::assert_compliant(&liar)).unwrap_err();
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.starts_with("mediator `liar`: 13 cases, 13 violations of the Mediator contract"),
        "{text}"
    );
    assert!(
        text.contains("\n  - [body-changed] case `empty`: "),
        "{text}"
    );
}

#[test]
fn checker_env_and_extra_cases_reach_the_mediator() {
    let needs_entry = mediator_fn("needs-entry", |_: &mut MessageContext| {
        Ok::<_, MediationError>(Flow::Continue)
    });
    let report = Checker::new()
        .env(Env::builder().local_entry("k", "v").build())
        .case(Case::new("csv", TestMessage::bytes("a,b", "text/csv")))
        .check(&needs_entry);
    assert!(report.is_compliant(), "{report}");
    assert_eq!(report.cases.last().map(String::as_str), Some("csv"));
}

#[tokio::test]
async fn check_async_runs_in_tokio_tests() {
    let report = compliance::check_async(&Recorder::new()).await;
    assert!(report.is_compliant(), "{report}");
}

#[derive(Debug)]
struct PanicsInKind;

#[async_trait]
impl Mediator for PanicsInKind {
    async fn mediate(&self, _msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        panic!("no kind today")
    }
}

#[test]
fn a_panicking_kind_is_reported_not_propagated() {
    let report = compliance::check(&PanicsInKind);
    assert_eq!(report.violations.len(), 1, "{report}");
    assert_eq!(report.violations[0].rule, Rule::Panic);
    assert!(report.violations[0].detail.contains("no kind today"));
}
