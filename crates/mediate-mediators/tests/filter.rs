//! Filter mediator tests. Facts cited from Synapse's `FilterMediator.java` (FM) and MI's
//! `filter-mediator.md` (doc).

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry,
    Sequence, mediator_fn,
};
use mediate_mediators::filter::{Branch, FilterConfig, matches_whole};
use mediate_mediators::property::PropertyConfig;
use mediate_mediators::simple::Drop;
use proptest::prelude::*;

/// A sequence whose one mediator records `name` in the `ran` property.
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

fn then_else(cfg: FilterConfig) -> mediate_mediators::filter::Filter {
    cfg.then(recorder("then", Flow::Continue))
        .otherwise(recorder("else", Flow::Continue))
        .build()
        .unwrap()
}

async fn run(m: &dyn Mediator, msg: &mut MessageContext) -> Result<Flow, MediationError> {
    m.mediate(msg, &Env::default()).await
}

// FM.test: `xpath.booleanValueOf` — XPath boolean() of a node-set is "non-empty".
#[tokio::test(flavor = "current_thread")]
async fn xpath_node_set_true_when_non_empty_fm_boolean_value_of() {
    let f = then_else(FilterConfig::expression("//order/vip"));
    let mut msg = MessageContext::from_xml("<order><vip/></order>");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("then"));
    let mut msg = MessageContext::from_xml("<order><id>1</id></order>");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("else"));
}

// XPath 1.0 boolean(): a comparison; a string is true when non-empty, a number when non-zero.
#[tokio::test(flavor = "current_thread")]
async fn xpath_comparison_and_xpath_boolean_rules() {
    let mut msg = MessageContext::from_xml("<o><qty>3</qty></o>");
    for (x, want) in [
        ("//qty > 2", "then"),
        ("//qty = 4", "else"),
        ("string(//missing)", "else"),
        ("0", "else"),
        ("number(//qty)", "then"),
        ("get-property('absent')", "else"),
    ] {
        let f = then_else(FilterConfig::expression(x));
        msg.remove_property("ran");
        assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "{x}");
    }
}

// MI 4.4 `${…}` condition on a JSON payload: the boolean result decides.
#[tokio::test(flavor = "current_thread")]
async fn synapse_expression_boolean_on_json() {
    let f = then_else(FilterConfig::expression("${payload.tier == \"gold\"}"));
    let mut msg = MessageContext::from_json(r#"{"tier":"gold"}"#);
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("then"));
    let mut msg = MessageContext::from_json(r#"{"tier":"silver"}"#);
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("else"));
    assert!(f.reads_body());
}

// SynapseJsonPath.booleanValueOf = Boolean.parseBoolean(stringValueOf): only "true" (any case).
#[tokio::test(flavor = "current_thread")]
async fn json_eval_uses_java_parse_boolean() {
    for (json, want) in [
        (r#"{"ok":true}"#, "then"),
        (r#"{"ok":"TRUE"}"#, "then"),
        (r#"{"ok":1}"#, "else"),
        (r#"{"ok":"yes"}"#, "else"),
        (r#"{"other":true}"#, "else"),
    ] {
        let f = then_else(FilterConfig::expression("json-eval($.ok)"));
        let mut msg = MessageContext::from_json(json);
        assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "{json}");
    }
}

// FM.test: regex via `matcher.matches()`, the WHOLE source string (doc example gold|plat.*).
#[tokio::test(flavor = "current_thread")]
async fn regex_must_match_whole_source_java_matches() {
    let f = then_else(FilterConfig::regex("json-eval($.tier)", "gold|plat.*"));
    for (tier, want) in [
        ("gold", "then"),
        ("platinum", "then"),
        ("golden", "else"),
        ("xgold", "else"),
    ] {
        let mut msg = MessageContext::from_json(format!(r#"{{"tier":"{tier}"}}"#));
        assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "{tier}");
    }
}

// FM.test: a source that evaluates to null is false (json-eval that matches nothing).
#[tokio::test(flavor = "current_thread")]
async fn regex_source_null_is_false() {
    let f = then_else(FilterConfig::regex("json-eval($.missing)", ".*"));
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("else"));
}

// Regex source over an XML payload and a property.
#[tokio::test(flavor = "current_thread")]
async fn regex_on_xpath_source_and_property() {
    let f = then_else(FilterConfig::regex("//symbol", "IBM|MSFT"));
    let mut msg = MessageContext::from_xml("<q><symbol>IBM</symbol></q>");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("then"));
    let f = then_else(FilterConfig::regex("get-property('To')", ".*/StockQuote.*"));
    let mut msg = MessageContext::from_xml("<q/>");
    // doc example: get-property('To') is the message's To address, not a user property.
    msg.addressing_mut().to = Some("http://h/services/StockQuoteService".into());
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("then"));
}

// FM.mediate short form: children run when true; nothing (result true → Continue) when false.
#[tokio::test(flavor = "current_thread")]
async fn short_form_children_run_only_when_true() {
    let f = FilterConfig::expression("//a")
        .then(recorder("child", Flow::Continue))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("child"));
    let mut msg = MessageContext::from_xml("<b/>");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg), None);
}

// FM.mediate returns the branch's result: a Stop (e.g. drop) in the branch stops the filter.
#[tokio::test(flavor = "current_thread")]
async fn branch_flow_is_returned() {
    let f = FilterConfig::expression("true()")
        .then(recorder("then", Flow::Stop))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    assert_eq!(run(&f, &mut msg).await.unwrap(), Flow::Stop);
}

// FM: `<then sequence="key"/>` / `<else sequence="key"/>` resolved by `synCtx.getSequence` at
// run time; unknown → handleException("Couldn't find the referred then sequence with key : …").
#[tokio::test(flavor = "current_thread")]
async fn then_else_sequence_keys_resolved_in_env() {
    let env = Env::builder()
        .sequence("gold", recorder("gold-seq", Flow::Continue))
        .sequence("std", recorder("std-seq", Flow::Stop))
        .build();
    let f = FilterConfig::expression("json-eval($.vip)")
        .then(Branch::Key("gold".into()))
        .otherwise(Branch::Key("std".into()))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"vip":true}"#);
    assert_eq!(f.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("gold-seq"));
    let mut msg = MessageContext::from_json(r#"{"vip":false}"#);
    assert_eq!(f.mediate(&mut msg, &env).await.unwrap(), Flow::Stop);
    assert_eq!(ran(&msg).as_deref(), Some("std-seq"));

    let missing = FilterConfig::expression("true()")
        .then(Branch::Key("nope".into()))
        .build()
        .unwrap();
    let err = missing.mediate(&mut msg, &env).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Couldn't find the referred then sequence with key : nope"
    );
    let missing = FilterConfig::expression("false()")
        .otherwise(Branch::Key("nope".into()))
        .build()
        .unwrap();
    let err = missing.mediate(&mut msg, &env).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Couldn't find the referred else sequence with key : nope"
    );
}

// FM.test: an XPath that fails → "Error evaluating XPath expression : …".
#[tokio::test(flavor = "current_thread")]
async fn failing_expression_is_an_error() {
    let f = then_else(FilterConfig::expression("//a"));
    let mut msg = MessageContext::from_bytes("<a>", "application/xml");
    let err = run(&f, &mut msg).await.unwrap_err();
    assert!(
        err.message()
            .starts_with("Error evaluating XPath expression : //a"),
        "{err}"
    );
}

#[test]
fn bad_expression_or_regex_is_a_build_error() {
    let err = FilterConfig::expression("count(//a").build().unwrap_err();
    assert!(matches!(err, BuildError::InvalidProperty { ref property, .. } if property == "xpath"));
    let err = FilterConfig::regex("//a", "(unclosed").build().unwrap_err();
    assert!(matches!(err, BuildError::InvalidProperty { ref property, .. } if property == "regex"));
}

// isContentAware: true when the condition reads the payload or a child does.
#[test]
fn reads_body_is_derived() {
    let props_only = FilterConfig::expression("get-property('x') = 'y'")
        .then(recorder("t", Flow::Continue))
        .build()
        .unwrap();
    assert!(!props_only.reads_body());
    assert_eq!(props_only.kind(), "filter");
    let body_child = FilterConfig::expression("get-property('x') = 'y'")
        .then(
            Sequence::anonymous().then(mediator_fn("b", |_: &mut MessageContext| {
                Ok::<_, MediationError>(Flow::Continue)
            })),
        )
        .build()
        .unwrap();
    assert!(body_child.reads_body());
    assert!(
        FilterConfig::regex("//a", "x")
            .build()
            .unwrap()
            .reads_body()
    );
}

proptest! {
    // Java `Matcher.matches` = whole match: agrees with `^(?:r)$`.
    #[test]
    fn whole_match_agrees_with_anchored_regex(
        input in "[a-z0-9 ]{0,12}",
        regex in prop::sample::select(vec![
            "gold|plat.*", "a+", "[0-9]+", "ab|a", "(a|b)*c?", ".*x", "", "x?", "[a-m ]*", "\\d{2,3}",
        ]),
    ) {
        let anchored = regex::Regex::new(&format!("^(?:{regex})$")).unwrap();
        prop_assert_eq!(matches_whole(regex, &input), Some(anchored.is_match(&input)));
    }
}

// ---- from_spec: the Synapse XML shape (FilterMediatorFactory) ----

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register_nested("property", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(PropertyConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    });
    r.register_nested("drop", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(Drop::from_spec(s, r)?) as Arc<dyn Mediator>)
    });
    r.register_nested("filter", |s: &MediatorSpec, r: &Registry| {
        Ok(Arc::new(FilterConfig::from_spec(s, r)?.build()?) as Arc<dyn Mediator>)
    });
    r
}

/// `<property name="ran" value="{value}"/>`
fn set_ran(value: &str) -> MediatorSpec {
    MediatorSpec::new("property")
        .property("name", "ran")
        .property("value", value)
}

fn build_spec(spec: &MediatorSpec) -> Result<Arc<dyn Mediator>, BuildError> {
    registry().build(spec)
}

fn tier_msg(tier: &str) -> MessageContext {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("tier", tier);
    msg
}

// Doc: short form `<filter xpath>mediator+</filter>`: the children run when the condition holds.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_short_form_children_are_the_then_branch() {
    let spec = MediatorSpec::new("filter")
        .property("xpath", "//vip")
        .child(set_ran("then"));
    let f = build_spec(&spec).unwrap();
    let mut msg = MessageContext::from_xml("<o><vip/></o>");
    assert_eq!(run(f.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("then"));
    let mut msg = MessageContext::from_xml("<o/>");
    assert_eq!(run(f.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg), None);
}

// Doc: `<then>`/`<else>`; FM.test with source+regex uses Matcher.matches (whole match), so
// `gold|plat.*` does not take "golden".
#[tokio::test(flavor = "current_thread")]
async fn from_spec_then_else_with_whole_match_regex() {
    let spec = MediatorSpec::new("filter")
        .property("source", "get-property('tier')")
        .property("regex", "gold|plat.*")
        .child(MediatorSpec::new("then").child(set_ran("then")))
        .child(MediatorSpec::new("else").child(set_ran("else")));
    let f = build_spec(&spec).unwrap();
    for (tier, want) in [("gold", "then"), ("platinum", "then"), ("golden", "else")] {
        let mut msg = tier_msg(tier);
        assert_eq!(run(f.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some(want), "tier {tier}");
    }
    assert!(
        !f.reads_body(),
        "get-property and property mediators read no body"
    );
}

// MI takes Java regexes: lookahead (refused by Rust's regex crate) works in `regex`.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_java_lookahead_regex() {
    let spec = MediatorSpec::new("filter")
        .property("source", "get-property('tier')")
        .property("regex", "^(?!test).*")
        .child(MediatorSpec::new("then").child(MediatorSpec::new("drop")));
    let f = build_spec(&spec).unwrap();
    let mut msg = tier_msg("test-env");
    assert_eq!(run(f.as_ref(), &mut msg).await.unwrap(), Flow::Continue);
    let mut msg = tier_msg("prod");
    assert_eq!(run(f.as_ref(), &mut msg).await.unwrap(), Flow::Stop);
}

// FilterMediatorFactory: `<then sequence="key">` / `<else sequence="key">` name deployed sequences.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_branch_sequence_keys() {
    let spec = MediatorSpec::new("filter")
        .property("xpath", "get-property('tier') = 'gold'")
        .child(MediatorSpec::new("then").property("sequence", "vip"))
        .child(MediatorSpec::new("else").property("sequence", "std"));
    let f = build_spec(&spec).unwrap();
    let env = Env::builder()
        .sequence("vip", recorder("vip", Flow::Continue))
        .sequence("std", recorder("std", Flow::Continue))
        .build();
    let mut msg = tier_msg("gold");
    assert_eq!(f.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("vip"));
    let mut msg = tier_msg("silver");
    assert_eq!(f.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("std"));
    assert!(f.reads_body(), "a keyed sequence may read the body");
}

#[test]
fn from_spec_nested_filters_build() {
    let inner = MediatorSpec::new("filter")
        .property("xpath", "1 = 1")
        .child(MediatorSpec::new("drop"));
    let outer = MediatorSpec::new("filter")
        .property("xpath", "1 = 1")
        .child(MediatorSpec::new("then").child(inner));
    assert_eq!(build_spec(&outer).unwrap().kind(), "filter");
}

fn spec_error(spec: &MediatorSpec) -> String {
    match build_spec(spec) {
        Ok(m) => panic!("accepted: {m:?}"),
        Err(e) => e.to_string(),
    }
}

// FilterMediatorFactory's refusals, plus the ones MI makes silently (both forms, branch with
// key and children, unknown children and attributes).
#[test]
fn from_spec_refusals_name_the_problem() {
    let f = || MediatorSpec::new("filter");
    let cases: Vec<(MediatorSpec, &str)> = vec![
        (f().property("xpth", "//a"), "unknown attribute `xpth`"),
        (f(), "An xpath or (source, regex) attributes are required"),
        (f().property("source", "//a"), "An xpath or (source, regex)"),
        (f().property("regex", "a"), "An xpath or (source, regex)"),
        (
            f().property("xpath", "//a")
                .property("source", "//b")
                .property("regex", "x"),
            "not both",
        ),
        (
            f().property("xpath", "  "),
            "Invalid attribute value specified for xpath",
        ),
        (
            f().property("source", "//a").property("regex", ""),
            "Invalid attribute value specified for regex",
        ),
        (
            f().property("xpath", "//a")
                .child(MediatorSpec::new("else")),
            "`<else>` needs a `<then>`",
        ),
        (
            f().property("xpath", "//a")
                .child(MediatorSpec::new("then"))
                .child(MediatorSpec::new("drop")),
            "unknown child element `<drop>`",
        ),
        (
            f().property("xpath", "//a").child(
                MediatorSpec::new("then")
                    .property("sequence", "k")
                    .child(set_ran("x")),
            ),
            "either a sequence key or mediators",
        ),
        (
            f().property("xpath", "//a")
                .child(MediatorSpec::new("then").property("key", "k")),
            "unknown attribute `key`",
        ),
        (
            f().property("xpath", "//a")
                .child(MediatorSpec::new("then"))
                .child(MediatorSpec::new("then")),
            "more than one `<then>`",
        ),
        (
            f().property("source", "//a")
                .property("regex", r"\p{InGreek}"),
            "column 1",
        ),
        (f().property("xpath", "count(//a"), "column"),
        (
            f().property("xpath", "//a")
                .child(MediatorSpec::new("dorp")),
            "unknown mediator `dorp`",
        ),
    ];
    for (spec, want) in cases {
        let err = spec_error(&spec);
        assert!(err.contains(want), "{spec:?}: {err} (wanted {want})");
    }
}

#[test]
fn from_spec_accepts_description() {
    let spec = MediatorSpec::new("filter")
        .property("xpath", "//a")
        .property("description", "route VIPs");
    assert!(build_spec(&spec).is_ok());
}

// The Rust example of docs/mediators/filter.md builds.
#[test]
fn docs_example_builds() -> Result<(), BuildError> {
    use mediate_mediators::simple::Drop;

    let discount = PropertyConfig::set_value("discount", "10").build()?;
    let filter = FilterConfig::regex("get-property('tier')", "gold|plat.*")
        .then(Sequence::anonymous().then(discount))
        .otherwise(Branch::Key("standardPricing".into()))
        .build()?;
    let guard = FilterConfig::expression("$trp:X-Env = 'test'")
        .then(Sequence::anonymous().then(Drop))
        .build()?;
    assert_eq!((filter.kind(), guard.kind()), ("filter", "filter"));
    Ok(())
}
