//! Switch mediator tests. Facts cited from Synapse's `SwitchMediator.java` (SM),
//! `SwitchCase.java` (SC) and MI's `switch-mediator.md`.

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry,
    Sequence, mediator_fn,
};
use mediate_mediators::filter::Branch;
use mediate_mediators::property::PropertyConfig;
use mediate_mediators::simple::Drop;
use mediate_mediators::switch::{Switch, SwitchConfig};

fn recorder(name: &'static str, flow: Flow) -> Sequence {
    Sequence::anonymous().then(
        mediator_fn(name, move |msg: &mut MessageContext| {
            msg.set_property("ran", name);
            Ok::<_, MediationError>(flow)
        })
        .with_reads_body(false),
    )
}

fn ran(msg: &MessageContext) -> Option<String> {
    msg.property("ran").map(|v| v.as_string())
}

fn tiers(source: &str) -> Switch {
    SwitchConfig::new(source)
        .case("gold", recorder("gold", Flow::Continue))
        .case("gold|plat.*", recorder("gold-or-plat", Flow::Continue))
        .case(".*", recorder("any", Flow::Continue))
        .build()
        .unwrap()
}

async fn run(m: &dyn Mediator, msg: &mut MessageContext) -> Result<Flow, MediationError> {
    m.mediate(msg, &Env::default()).await
}

// SM.mediate: cases tried in order, the first whose regex matches wins (SC.matches = whole match).
#[tokio::test(flavor = "current_thread")]
async fn first_whole_match_wins_in_order() {
    let sw = tiers("json-eval($.tier)");
    for (tier, want) in [
        ("gold", "gold"),
        ("platinum", "gold-or-plat"),
        ("golden", "any"),
    ] {
        let mut msg = MessageContext::from_json(format!(r#"{{"tier":"{tier}"}}"#));
        assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "{tier}");
    }
}

// SM.mediate: no case matches → default; no default → nothing runs and the flow continues.
#[tokio::test(flavor = "current_thread")]
async fn default_and_no_default() {
    let sw = SwitchConfig::new("//symbol")
        .case("IBM", recorder("ibm", Flow::Continue))
        .default_case(recorder("default", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_xml("<q><symbol>MSFT</symbol></q>");
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("default"));
    let mut msg = MessageContext::from_xml("<q><symbol>IBM</symbol></q>");
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("ibm"));

    let no_default = SwitchConfig::new("//symbol")
        .case("IBM", recorder("ibm", Flow::Stop))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_xml("<q><symbol>X</symbol></q>");
    assert_eq!(run(&no_default, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg), None);
}

// SM.mediate: sourceText == null → default runs, no case is tried (SC.matches(null) = false);
// an empty XPath string is matched like any other string (`.*` takes it).
#[tokio::test(flavor = "current_thread")]
async fn null_source_goes_to_default_empty_string_is_matched() {
    let sw = SwitchConfig::new("json-eval($.missing)")
        .case(".*", recorder("any", Flow::Continue))
        .default_case(recorder("default", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("default"));

    let sw = SwitchConfig::new("${payload.a}")
        .case(".*", recorder("any", Flow::Continue))
        .default_case(recorder("default", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"a":null}"#);
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("default"));

    let sw = SwitchConfig::new("//missing")
        .case(".*", recorder("any", Flow::Continue))
        .default_case(recorder("default", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("any"));
}

// SM.mediate returns the case's result; SM sets no property on the message.
#[tokio::test(flavor = "current_thread")]
async fn case_flow_is_returned_and_no_property_set() {
    let sw = SwitchConfig::new("${payload.kind}")
        .case("a", recorder("a", Flow::Stop))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"kind":"a"}"#);
    assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Stop);
    let names: Vec<_> = msg.properties().keys().cloned().collect();
    assert_eq!(names, ["ran"]);
}

// A case given as a sequence key is found in the Env at run time.
#[tokio::test(flavor = "current_thread")]
async fn case_by_sequence_key() {
    let env = Env::builder()
        .sequence("s", recorder("keyed", Flow::Continue))
        .build();
    let sw = SwitchConfig::new("get-property('route')")
        .case("r1", Branch::Key("s".into()))
        .case("r2", Branch::Key("absent".into()))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("route", "r1");
    assert_eq!(sw.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("keyed"));
    msg.set_property("route", "r2");
    let err = sw.mediate(&mut msg, &env).await.unwrap_err();
    assert!(err.message().contains("absent"), "{err}");
}

// SM.isContentAware comes from the source; here the cases count too.
#[test]
fn reads_body_and_build_errors() {
    let sw = SwitchConfig::new("get-property('x')")
        .case("a", recorder("a", Flow::Continue))
        .build()
        .unwrap();
    assert!(!sw.reads_body());
    assert_eq!(sw.kind(), "switch");
    assert!(tiers("json-eval($.tier)").reads_body());
    let err = SwitchConfig::new("//a")
        .case("(", Sequence::anonymous())
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidProperty { ref property, .. } if property == "regex"));
    let err = SwitchConfig::new("count(").build().unwrap_err();
    assert!(
        matches!(err, BuildError::InvalidProperty { ref property, .. } if property == "source")
    );
}

// switch-mediator.md example: `source="${payload.request.symbol}"`, cases IBM / MSFT, default.
#[tokio::test(flavor = "current_thread")]
async fn doc_example_synapse_source_on_json() {
    let sw = SwitchConfig::new("${payload.request.symbol}")
        .case("IBM", recorder("ibm", Flow::Continue))
        .case("MSFT", recorder("msft", Flow::Continue))
        .default_case(recorder("default", Flow::Continue))
        .build()
        .unwrap();
    for (sym, want) in [("IBM", "ibm"), ("MSFT", "msft"), ("IBMX", "default")] {
        let mut msg = MessageContext::from_json(format!(r#"{{"request":{{"symbol":"{sym}"}}}}"#));
        assert_eq!(run(&sw, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "{sym}");
    }
    assert!(sw.reads_body());
}

// ---- from_spec: the Synapse XML shape (SwitchMediatorFactory) ----

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register_nested("property", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(PropertyConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    });
    r.register_nested("drop", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(Drop::from_spec(s, r)?) as Arc<dyn Mediator>)
    });
    r.register_nested("switch", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(SwitchConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    });
    r
}

fn set_ran(value: &str) -> MediatorSpec {
    MediatorSpec::new("property")
        .property("name", "ran")
        .property("value", value)
}

fn case(regex: &str, ran: &str) -> MediatorSpec {
    MediatorSpec::new("case")
        .property("regex", regex)
        .child(set_ran(ran))
}

// Doc: `<switch source><case regex>mediator+</case>+<default>mediator+</default>?</switch>`;
// SC.matches is a whole match, cases in order, the default when none matches.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_cases_in_order_then_default() {
    let spec = MediatorSpec::new("switch")
        .property("source", "json-eval($.tier)")
        .child(case("gold", "gold"))
        .child(case("gold|plat.*", "gold-or-plat"))
        // Java lookahead: anything that is not a test tier.
        .child(case("^(?!test).+", "not-test"))
        .child(MediatorSpec::new("default").child(set_ran("default")));
    let sw = registry().build(&spec).unwrap();
    for (tier, want) in [
        ("gold", "gold"),
        ("platinum", "gold-or-plat"),
        ("golden", "not-test"),
        ("test-1", "default"),
    ] {
        let mut msg = MessageContext::from_json(format!(r#"{{"tier":"{tier}"}}"#));
        assert_eq!(run(sw.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "tier {tier}");
    }
}

// A case's mediators can stop the flow (drop).
#[tokio::test(flavor = "current_thread")]
async fn from_spec_case_mediators_decide_the_flow() {
    let spec = MediatorSpec::new("switch")
        .property("source", "get-property('x')")
        .child(
            MediatorSpec::new("case")
                .property("regex", "stop")
                .child(MediatorSpec::new("drop")),
        )
        .child(MediatorSpec::new("case").property("regex", "empty"));
    let sw = registry().build(&spec).unwrap();
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("x", "stop");
    assert_eq!(run(sw.as_ref(), &mut msg).await.unwrap(), Flow::Stop);
    msg.set_property("x", "empty");
    assert_eq!(run(sw.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
    assert!(!sw.reads_body());
}

fn spec_error(spec: &MediatorSpec) -> String {
    match registry().build(spec) {
        Ok(m) => panic!("accepted: {m:?}"),
        Err(e) => e.to_string(),
    }
}

// SwitchMediatorFactory's refusals (with its messages), plus those MI makes silently.
#[test]
fn from_spec_refusals_name_the_problem() {
    let sw = || MediatorSpec::new("switch").property("source", "//a");
    let cases: Vec<(MediatorSpec, &str)> = vec![
        (
            MediatorSpec::new("switch"),
            "A 'source' XPath attribute is required for a switch mediator",
        ),
        (sw().property("sorce", "x"), "unknown attribute `sorce`"),
        (
            sw().child(MediatorSpec::new("case")),
            "The 'regex' attribute is required for a switch case definition",
        ),
        (
            sw().child(
                MediatorSpec::new("case")
                    .property("regex", "a")
                    .property("sequence", "k"),
            ),
            "unknown attribute `sequence`",
        ),
        (
            sw().child(MediatorSpec::new("default"))
                .child(MediatorSpec::new("default")),
            "more than one `<default>`",
        ),
        (
            sw().child(MediatorSpec::new("default").property("regex", "a")),
            "unknown attribute `regex`",
        ),
        (
            sw().child(MediatorSpec::new("drop")),
            "unknown child element `<drop>`",
        ),
        (sw().child(case("(a", "x")), "unclosed group"),
        (sw().child(case(r"\p{InGreek}", "x")), "column 1"),
        (
            MediatorSpec::new("switch").property("source", "count(//a"),
            "column",
        ),
        (
            sw().child(
                MediatorSpec::new("case")
                    .property("regex", "a")
                    .child(MediatorSpec::new("dorp")),
            ),
            "unknown mediator `dorp`",
        ),
    ];
    for (spec, want) in cases {
        let err = spec_error(&spec);
        assert!(err.contains(want), "{spec:?}: {err} (wanted {want})");
    }
}

// A runaway Java regex on the backtracking engine is a mediation error, not a hang.
#[tokio::test(flavor = "current_thread")]
async fn backtracking_limit_is_a_mediation_error() {
    let sw = SwitchConfig::new("get-property('x')")
        .case("((?=a)a|a)*b", recorder("never", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("x", "a".repeat(64));
    let err = run(&sw, &mut msg).await.unwrap_err();
    assert!(err.message().contains("backtracking limit"), "{err}");
}

// The Rust example of docs/mediators/switch.md builds.
#[test]
fn docs_example_builds() -> Result<(), BuildError> {
    let gold = PropertyConfig::set_value("discount", "20").build()?;
    let other = PropertyConfig::set_value("discount", "5").build()?;
    let switch = SwitchConfig::new("json-eval($.tier)")
        .case("gold", Sequence::anonymous().then(gold))
        .case("silver|bronze", Sequence::anonymous().then(other))
        .default_case(Sequence::anonymous().then(Drop))
        .build()?;
    assert_eq!(switch.kind(), "switch");
    Ok(())
}
