//! Sequence templates and the call-template mediator. Facts cited from Synapse's
//! `template/InvokeMediator.java` (IM), `template/TemplateMediator.java` (TM),
//! `template/TemplateContext.java` (TC), `config/xml/InvokeMediatorFactory.java` (IMF),
//! `config/xml/ValueFactory.java` (VF), and MI's `call-template-mediator.md` and
//! `template-properties.md` (doc).

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry,
    Sequence, Template, TemplateParameter, mediator_fn,
};
use mediate_mediators::builtins;
use mediate_mediators::call_template::{CallTemplate, CallTemplateConfig};
use mediate_mediators::log::{LogConfig, LogLevel, LogProperty};
use mediate_test::{Fail, Probe, run_flow, run_in, trail};

/// `<property name="…" expression="…"/>` built through the registry.
fn set(name: &str, expression: &str) -> Arc<dyn Mediator> {
    builtins::registry()
        .build(
            &MediatorSpec::new("property")
                .property("name", name)
                .property("expression", expression),
        )
        .unwrap()
}

/// A template body made of mediators.
fn body(name: &str, mediators: Vec<Arc<dyn Mediator>>) -> Sequence {
    Sequence::new(Some(name.to_owned()), mediators)
}

fn prop(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(|v| v.as_string())
}

fn call(target: &str, params: &[(&str, &str)]) -> CallTemplate {
    params
        .iter()
        .fold(CallTemplateConfig::new(target), |c, (n, v)| {
            c.with_param(*n, *v)
        })
        .build()
        .unwrap()
}

/// A template `T` with parameters `a` and `b` whose body copies them into properties through
/// each way MI reads a template parameter.
fn reader_env() -> Env {
    let t = Template::new(
        "T",
        vec![TemplateParameter::new("a"), TemplateParameter::new("b")],
        body(
            "T",
            vec![
                set("via_func", "$func:a"),
                set("via_get_property", "get-property('func', 'b')"),
                set("via_expression", "${params.functionParams.a}"),
                set("concat", "concat($func:a, '+', $func:b)"),
            ],
        ),
    );
    Env::builder().template("T", t).build()
}

// doc ("Sequence template parameters can be referenced using … $func:foo … get-property('func')"),
// IM.populateParameters + TC.setupParams: literal values as written, `{xpath}` evaluated on the
// message at call time.
#[test]
fn literal_and_expression_params_are_read_through_func() {
    let env = reader_env();
    let ct = call("T", &[("a", "literal"), ("b", "{//order/id}")]);
    let out = run_in(
        &env,
        &ct,
        MessageContext::from_xml("<order><id>A-7</id></order>"),
    );
    let msg = out.expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("literal"));
    assert_eq!(prop(&msg, "via_get_property").as_deref(), Some("A-7"));
    assert_eq!(prop(&msg, "via_expression").as_deref(), Some("literal"));
    assert_eq!(prop(&msg, "concat").as_deref(), Some("literal+A-7"));
}

// VF.createValue: `{json-eval(…)}` is a JSON path; MI 4.4 `${…}` a Synapse expression.
#[test]
fn json_eval_and_synapse_expression_params() {
    let env = reader_env();
    let ct = call(
        "T",
        &[
            ("a", "{json-eval($.order.id)}"),
            ("b", "${payload.order.qty * 2}"),
        ],
    );
    let out = run_in(
        &env,
        &ct,
        MessageContext::from_json(r#"{"order":{"id":"J-1","qty":3}}"#),
    );
    let msg = out.expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("J-1"));
    assert_eq!(prop(&msg, "via_get_property").as_deref(), Some("6"));
}

// VF.isEscapedExpression/getEscapedExpression: `{{expr}}` is not evaluated; the template gets
// `{expr}` to hand to a mediator that takes a dynamic expression.
#[test]
fn escaped_expression_is_passed_unevaluated() {
    let env = reader_env();
    let ct = call("T", &[("a", "{{//m0:getQuote}}")]);
    let msg = run_in(&env, &ct, MessageContext::from_xml("<a/>")).expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("{//m0:getQuote}"));
}

// A parameter read by a payloadFactory and a log inside the template (doc example 1: the
// HelloWorld_Logger template logs `$func:message`).
#[test]
fn payload_factory_and_log_read_template_params() {
    let registry = builtins::registry();
    let pf = registry
        .build(
            &MediatorSpec::new("payloadFactory")
                .property("media-type", "json")
                .child(MediatorSpec::new("format").text(r#"{"greeting":"$1","to":"$2"}"#))
                .child(
                    MediatorSpec::new("args")
                        .child(MediatorSpec::new("arg").property("expression", "$func:message"))
                        .child(
                            MediatorSpec::new("arg")
                                .property("expression", "get-property('func', 'to')"),
                        ),
                ),
        )
        .unwrap();
    let mut log = LogConfig {
        level: LogLevel::Custom,
        ..LogConfig::default()
    };
    log.properties
        .push(LogProperty::expression("GREETING_MESSAGE", "$func:message"));
    let log = log.build().unwrap();
    let render = mediator_fn("render-log", move |msg: &mut MessageContext| {
        let line = log.render(msg);
        msg.set_property("log.line", line);
        Ok::<_, MediationError>(Flow::Continue)
    });
    let t = Template::new(
        "HelloWorld_Logger",
        vec![
            TemplateParameter::new("message").mandatory(),
            TemplateParameter::new("to").default_value("world"),
        ],
        Sequence::named("HelloWorld_Logger")
            .then(render)
            .then_arc(pf),
    );
    let env = Env::builder().template("HelloWorld_Logger", t).build();
    for (message, want) in [
        ("HELLO WORLD!!!!!!", "HELLO WORLD!!!!!!"),
        ("Bonjour tout le monde!!!!!!", "Bonjour tout le monde!!!!!!"),
    ] {
        let ct = call("HelloWorld_Logger", &[("message", message)]);
        let msg = run_in(&env, &ct, MessageContext::empty()).expect_flow(Flow::Continue);
        assert_eq!(
            prop(&msg, "log.line").unwrap(),
            format!("GREETING_MESSAGE = {want}")
        );
        assert_eq!(
            msg.payload_as_text().unwrap(),
            format!(r#"{{"greeting":"{want}","to":"world"}}"#)
        );
    }
}

/// A template with an optional parameter that has a default, one that has none, and a
/// mandatory one, copying them into properties.
fn defaults_env() -> Env {
    let t = Template::new(
        "D",
        vec![
            TemplateParameter::new("greeting").default_value("Welcome"),
            TemplateParameter::new("plain"),
            TemplateParameter::new("id").mandatory(),
        ],
        body(
            "D",
            vec![
                set("greeting", "$func:greeting"),
                set("plain", "$func:plain"),
                set("plain_is_set", "boolean($func:plain)"),
                set("id", "$func:id"),
            ],
        ),
    );
    Env::builder()
        .template("D", t)
        .sequence(
            "onFail",
            Sequence::named("onFail").then(Probe::new("onFail")),
        )
        .build()
}

// doc (template-properties: defaultValue "should apply when a value is not passed"; "If an
// empty value is passed … the empty value will be used instead of using the default value");
// TC.setupParams: an optional parameter with neither value nor default has no value.
#[test]
fn defaults_apply_only_when_no_value_is_passed() {
    let env = defaults_env();
    let msg = run_in(&env, &call("D", &[("id", "1")]), MessageContext::empty())
        .expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "greeting").as_deref(), Some("Welcome"));
    assert_eq!(prop(&msg, "plain").as_deref(), Some(""));
    assert_eq!(prop(&msg, "plain_is_set").as_deref(), Some("false"));

    let msg = run_in(
        &env,
        &call("D", &[("id", "1"), ("greeting", ""), ("plain", "p")]),
        MessageContext::empty(),
    )
    .expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "greeting").as_deref(), Some(""));
    assert_eq!(prop(&msg, "plain").as_deref(), Some("p"));
}

// TC.setupParams: a mandatory parameter with no value passed sets ERROR_CODE 500101 and fails
// with "Neither a value nor default value is provided for mandatory parameter: … in
// seq-template …"; the body does not run.
#[test]
fn missing_mandatory_param_is_a_fault_with_code_500101() {
    let env = defaults_env();
    let (err, msg) = run_in(&env, &call("D", &[]), MessageContext::empty()).expect_error();
    assert_eq!(err.code(), 500_101);
    assert_eq!(
        err.message(),
        "Neither a value nor default value is provided for mandatory parameter: id in seq-template D"
    );
    assert_eq!(prop(&msg, "greeting"), None, "the body did not run");
    assert_eq!(msg.function_depth(), 0);

    // doc example 3: the call-template's onError handles it; the flow stops after the handler.
    let ct = CallTemplateConfig::new("D")
        .on_error("onFail")
        .build()
        .unwrap();
    let msg = run_in(&env, &ct, MessageContext::empty()).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["onFail"]);
    let fault = msg.fault().unwrap();
    assert_eq!(fault.code, Some(500_101));
    assert!(
        fault
            .message
            .as_deref()
            .unwrap()
            .contains("mandatory parameter: id")
    );
}

// TC.setupParams checks isMandatory before the default: a mandatory parameter's default does not
// stand in for a value.
#[test]
fn a_mandatory_params_default_does_not_satisfy_it() {
    let t = Template::new(
        "M",
        vec![
            TemplateParameter::new("greeting_message")
                .mandatory()
                .default_value("Welcome"),
        ],
        Sequence::named("M"),
    );
    let env = Env::builder().template("M", t).build();
    let (err, _) = run_in(&env, &call("M", &[]), MessageContext::empty()).expect_error();
    assert_eq!(err.code(), 500_101);
    run_in(
        &env,
        &call("M", &[("greeting_message", "hi")]),
        MessageContext::empty(),
    )
    .expect_flow(Flow::Continue);
}

// TC.setupParams reads only the declared parameters: a with-param naming none is dropped.
#[test]
fn undeclared_params_are_ignored() {
    let env = reader_env();
    let ct = call("T", &[("a", "x"), ("nope", "y")]);
    let msg = run_in(&env, &ct, MessageContext::empty()).expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("x"));
}

// TM.pushFuncContextTo pushes one frame per call on SYNAPSE__FUNCTION__STACK; lookups read the
// top frame (EIPUtils.lookupFunctionParam peeks), so an inner template's frame hides the outer
// one; IM evaluates the with-params before the callee's frame is pushed, in the caller's frame.
#[test]
fn nested_templates_shadow_and_restore_frames() {
    let inner = Template::new(
        "Inner",
        vec![TemplateParameter::new("q")],
        body(
            "Inner",
            vec![
                set("inner_q", "$func:q"),
                set("inner_sees_p", "$func:p"),
                set("inner_depth_q", "get-property('func', 'q')"),
            ],
        ),
    );
    let outer = Template::new(
        "Outer",
        vec![TemplateParameter::new("p")],
        body(
            "Outer",
            vec![
                set("before_p", "$func:p"),
                Arc::new(call("Inner", &[("q", "{concat('from-', $func:p)}")])),
                set("after_p", "$func:p"),
                set("after_q", "$func:q"),
            ],
        ),
    );
    let env = Env::builder()
        .template("Inner", inner)
        .template("Outer", outer)
        .build();
    let msg = run_in(
        &env,
        &call("Outer", &[("p", "outer")]),
        MessageContext::empty(),
    )
    .expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "before_p").as_deref(), Some("outer"));
    assert_eq!(prop(&msg, "inner_q").as_deref(), Some("from-outer"));
    assert_eq!(prop(&msg, "inner_depth_q").as_deref(), Some("from-outer"));
    assert_eq!(prop(&msg, "inner_sees_p").as_deref(), Some(""), "shadowed");
    assert_eq!(prop(&msg, "after_p").as_deref(), Some("outer"), "restored");
    assert_eq!(prop(&msg, "after_q").as_deref(), Some(""));
    assert_eq!(msg.function_depth(), 0);
}

// A template may call itself (recursion through call-template), each call with its own frame.
#[test]
fn a_template_can_recurse_with_its_own_frames() {
    let registry = builtins::registry();
    let countdown = Template::new(
        "Countdown",
        vec![TemplateParameter::new("n").mandatory()],
        body(
            "Countdown",
            vec![
                registry
                    .build(
                        &MediatorSpec::new("property")
                            .property("name", "seen")
                            .property("expression", "concat(get-property('seen'), $func:n)"),
                    )
                    .unwrap(),
                registry
                    .build(
                        &MediatorSpec::new("filter")
                            .property("xpath", "$func:n > 1")
                            .child(
                                MediatorSpec::new("then").child(
                                    MediatorSpec::new("call-template")
                                        .property("target", "Countdown")
                                        .child(
                                            MediatorSpec::new("with-param")
                                                .property("name", "n")
                                                .property("value", "{$func:n - 1}"),
                                        ),
                                ),
                            ),
                    )
                    .unwrap(),
                set("unwound", "concat(get-property('unwound'), $func:n)"),
            ],
        ),
    );
    let env = Env::builder().template("Countdown", countdown).build();
    let msg = run_in(
        &env,
        &call("Countdown", &[("n", "3")]),
        MessageContext::empty(),
    )
    .expect_flow(Flow::Continue);
    // `$func:n - 1` is an XPath number: Synapse prints 2.0, 1.0.
    assert_eq!(prop(&msg, "seen").as_deref(), Some("32.01.0"));
    assert_eq!(prop(&msg, "unwound").as_deref(), Some("1.02.03"));
}

// IM.mediate: "Sequence template … cannot be found" when the target is not deployed; the
// mediator's onError handler is pushed only after the lookup, so it does not run.
#[test]
fn unknown_target_is_a_fault_not_handled_by_on_error() {
    let env = Env::builder()
        .sequence(
            "onFail",
            Sequence::named("onFail").then(Probe::new("onFail")),
        )
        .build();
    let ct = CallTemplateConfig::new("nope")
        .on_error("onFail")
        .build()
        .unwrap();
    let (err, msg) = run_in(&env, &ct, MessageContext::empty()).expect_error();
    assert_eq!(err.message(), "Sequence template nope cannot be found");
    assert_eq!(err.code(), 0);
    assert!(trail(&msg).is_empty());
}

// The frame is popped when the body finishes: the parameter is not visible after the call.
#[test]
fn the_frame_is_popped_after_the_call() {
    let env = reader_env();
    let flow = Sequence::named("main")
        .then(call("T", &[("a", "inside")]))
        .then_arc(set("after", "$func:a"));
    let msg = run_flow(&env, &flow, MessageContext::empty()).expect_flow(Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("inside"));
    assert_eq!(prop(&msg, "after").as_deref(), Some(""));
    assert_eq!(msg.function_depth(), 0);
    assert!(msg.function_params().is_none());
}

// A stop inside the template (drop, respond) stops the caller too; the frame is still popped.
#[test]
fn a_stop_in_the_body_stops_the_caller() {
    let t = Template::new(
        "S",
        vec![TemplateParameter::new("a")],
        Sequence::named("S")
            .then(Probe::new("in"))
            .then(mediate_mediators::simple::Drop),
    );
    let env = Env::builder().template("S", t).build();
    let flow = Sequence::named("main")
        .then(call("S", &[("a", "1")]))
        .then(Probe::new("after"));
    let msg = run_flow(&env, &flow, MessageContext::empty()).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["in"]);
    assert_eq!(msg.function_depth(), 0);
}

/// A template `F` whose body records `$func:a` then fails, with the given template onError.
fn failing_env(template_on_error: Option<&str>) -> Env {
    let mut t = Template::new(
        "F",
        vec![TemplateParameter::new("a")],
        Sequence::named("F")
            .then(Probe::new("body"))
            .then(Fail::with(MediationError::mediator("template body failed"))),
    );
    if let Some(key) = template_on_error {
        t = t.on_error(key);
    }
    Env::builder()
        .template("F", t)
        .sequence(
            "templateOnError",
            body(
                "templateOnError",
                vec![
                    Arc::new(Probe::new("templateOnError")),
                    set("seen_a", "$func:a"),
                ],
            ),
        )
        .sequence(
            "callOnError",
            body(
                "callOnError",
                vec![
                    Arc::new(Probe::new("callOnError")),
                    set("call_seen_a", "$func:a"),
                ],
            ),
        )
        .sequence("fault", Sequence::named("fault").then(Probe::new("fault")))
        .build()
}

// TemplateMediatorFactory reads `onError` on <template>; TM pushes it as the fault handler of
// its body (wso2-synapse#1191): it handles a body fault while the template's frame is pushed.
#[test]
fn a_body_fault_goes_to_the_templates_on_error() {
    let env = failing_env(Some("templateOnError"));
    let ct = CallTemplateConfig::new("F")
        .with_param("a", "A")
        .on_error("callOnError")
        .build()
        .unwrap();
    let msg = run_in(&env, &ct, MessageContext::empty()).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["body", "templateOnError"]);
    assert_eq!(prop(&msg, "seen_a").as_deref(), Some("A"));
    assert_eq!(
        msg.fault().unwrap().message.as_deref(),
        Some("template body failed")
    );
    assert_eq!(msg.function_depth(), 0);
}

// IM: the call-template's `onError` is pushed as a fault handler around the call (doc: "the
// error handling sequence that should be called if there is an error when the Call Template
// logic is executed"). Here it runs after the template's frame is popped (Synapse leaves it).
#[test]
fn a_body_fault_goes_to_the_call_templates_on_error() {
    let env = failing_env(None);
    let ct = CallTemplateConfig::new("F")
        .with_param("a", "A")
        .on_error("callOnError")
        .build()
        .unwrap();
    let msg = run_in(&env, &ct, MessageContext::empty()).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["body", "callOnError"]);
    assert_eq!(prop(&msg, "call_seen_a").as_deref(), Some(""));
    assert_eq!(msg.fault().unwrap().code, Some(0));
}

// Without any onError the fault goes to the enclosing flow's fault sequence.
#[test]
fn an_unhandled_body_fault_reaches_the_fault_sequence() {
    let env = failing_env(None);
    let flow = Sequence::named("main")
        .then(call("F", &[("a", "A")]))
        .then(Probe::new("after"));
    let msg = run_flow(&env, &flow, MessageContext::empty()).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["body", "fault"]);
    assert_eq!(msg.function_depth(), 0);
}

// An onError key that names no deployed sequence is skipped (IM: getSequence returns null, no
// handler is pushed): the fault goes on to the caller.
#[test]
fn an_on_error_that_is_not_deployed_is_skipped() {
    let env = failing_env(None);
    let ct = CallTemplateConfig::new("F")
        .on_error("missing")
        .build()
        .unwrap();
    let (err, _) = run_in(&env, &ct, MessageContext::empty()).expect_error();
    assert_eq!(err.message(), "template body failed");
}

// A parameter expression that fails is a fault of the call (TC.setupParams evaluates inside the
// template call): the call-template's onError handles it and names the parameter.
#[test]
fn a_failing_param_expression_is_a_fault_of_the_call() {
    let env = failing_env(None);
    let ct = CallTemplateConfig::new("F")
        .with_param("a", "{json-eval($.order.id)}")
        .on_error("callOnError")
        .build()
        .unwrap();
    let msg = run_in(&env, &ct, MessageContext::from_json("{not json")).expect_flow(Flow::Stop);
    assert_eq!(trail(&msg), ["callOnError"], "the body did not run");
    let fault = msg.fault().unwrap();
    assert_eq!(
        fault.message.as_deref(),
        Some("Error while evaluating parameter `a` passed to template F")
    );
    assert!(
        fault
            .detail
            .as_deref()
            .unwrap()
            .starts_with("json-eval($.order.id): ")
    );
}

// IM.isContentAware: only the parameter expressions decide.
#[test]
fn reads_body_follows_the_param_expressions() {
    for (value, reads) in [
        ("literal", false),
        ("{$ctx:x}", false),
        ("{get-property('func', 'p')}", false),
        ("{$func:p}", false),
        ("{{//a}}", false),
        ("${vars.x}", false),
        ("{//a}", true),
        ("{json-eval($.a)}", true),
        ("${payload.a}", true),
    ] {
        assert_eq!(call("T", &[("p", value)]).reads_body(), reads, "{value}");
    }
    assert!(!call("T", &[]).reads_body());
    assert_eq!(call("T", &[]).kind(), "call-template");
}

fn build(spec: &MediatorSpec) -> Result<Arc<dyn Mediator>, BuildError> {
    builtins::registry().build(spec)
}

fn with_param(name: &str, value: &str) -> MediatorSpec {
    MediatorSpec::new("with-param")
        .property("name", name)
        .property("value", value)
}

// IMF: `target` is required and must not be empty; each with-param needs a non-empty name and a
// `value` (VF: "The 'value' attribute is required for the element 'with-param'").
#[test]
fn configuration_errors_name_the_attribute() {
    let err = |spec: MediatorSpec| build(&spec).unwrap_err().to_string();
    let ct = || MediatorSpec::new("call-template");
    assert_eq!(
        err(ct()),
        "mediator `call-template`: missing property `target`"
    );
    assert!(err(ct().property("target", " ")).contains("must not be empty"));
    assert!(
        err(ct().property("targt", "T")).contains("; did you mean `target`?"),
        "{}",
        err(ct().property("targt", "T"))
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(with_param("p", "v").child(MediatorSpec::new("x"))))
        .contains("unknown child element `<x>`")
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(MediatorSpec::new("with-param").property("name", "p")))
        .contains("mediator `with-param`: missing property `value`")
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(MediatorSpec::new("with-param").property("value", "v")))
        .contains("missing property `name`")
    );
    assert!(
        err(ct().property("target", "T").child(with_param("", "v"))).contains("non-empty name")
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(with_param("p", "1"))
            .child(with_param("p", "2")))
        .contains("parameter `p` is passed twice")
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(MediatorSpec::new("parameter")))
        .contains("unknown child element `<parameter>`")
    );
    assert!(
        err(ct()
            .property("target", "T")
            .child(with_param("p", "v").property("extra", "x")))
        .contains("unknown attribute `extra`")
    );
    let bad = err(ct()
        .property("target", "T")
        .child(with_param("p", "{count(//a}")));
    assert!(bad.contains("mediator `with-param`"), "{bad}");
    // Counted from the value's first character (its `{`), so a reader can point at it.
    assert!(bad.contains("column 11"), "{bad}");
    assert!(err(ct().property("target", "T").property("onError", "")).contains("onError"));
}

// The XML shape builds through the registry with the attributes and `<description>` child every
// mediator takes (AbstractMediatorFactory) and namespaces for the expressions.
#[tokio::test(flavor = "current_thread")]
async fn builds_from_the_xml_shape() {
    let mut ns = mediate_core::Namespaces::new();
    ns.insert("m", "urn:quote");
    let spec = MediatorSpec::new("call-template")
        .property("target", "T")
        .property("onError", "onFail")
        .property("description", "calls T")
        .property("trace", "disable")
        .property("statistics", "enable")
        .namespaces(ns)
        .child(MediatorSpec::new("description").text("calls T with a symbol"))
        .child(with_param("a", "{//m:symbol}"))
        .child(with_param("b", "static"));
    let m = CallTemplateConfig::from_spec(&spec, &Registry::new()).unwrap();
    assert_eq!(m.target, "T");
    assert_eq!(m.on_error.as_deref(), Some("onFail"));
    assert_eq!(m.params.len(), 2);
    let built = build(&spec).unwrap();
    assert!(built.reads_body());
    let env = reader_env();
    let mut msg = MessageContext::from_xml(
        r#"<m:getQuote xmlns:m="urn:quote"><m:symbol>IBM</m:symbol></m:getQuote>"#,
    );
    assert_eq!(built.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(prop(&msg, "via_func").as_deref(), Some("IBM"));
    assert_eq!(prop(&msg, "via_get_property").as_deref(), Some("static"));
}

// Template::bind is what a call binds: declared names only, defaults for optional ones.
#[test]
fn template_accessors_and_bind() {
    let t = Template::new(
        "B",
        vec![
            TemplateParameter::new("x").description("the x"),
            TemplateParameter::new("y").default_value("dy"),
        ],
        Sequence::named("B"),
    )
    .on_error("err");
    assert_eq!(t.name(), "B");
    assert_eq!(t.on_error_key(), Some("err"));
    assert_eq!(t.parameters().len(), 2);
    assert_eq!(
        t.parameter("x").unwrap().description.as_deref(),
        Some("the x")
    );
    assert!(t.parameter("z").is_none());
    assert!(!t.reads_body());
    let frame = t.bind(Default::default()).unwrap();
    assert_eq!(frame.len(), 1);
    assert_eq!(frame["y"], "dy");
    let env = Env::builder().template("B", t).build();
    assert_eq!(env.template_keys().collect::<Vec<_>>(), ["B"]);
    assert!(env.get_template("A").is_none());
}

// A `<with-param>`'s errors are located in the file at the with-param (its `value` for a bad
// expression, its `name` for a bad name, the element for a missing attribute), not at the
// `<call-template>`, so `mediate check` points at the faulty parameter.
#[test]
fn with_param_errors_are_located_at_the_with_param() {
    use mediate_core::Position;
    let located = |child: MediatorSpec| {
        let spec = MediatorSpec::new("call-template")
            .property_at("target", "T", Position::new(1, 26))
            .at(Position::new(1, 1))
            .child(with_param("ok", "{//a}").at(Position::new(2, 5)))
            .child(child);
        let err = build(&spec).unwrap_err();
        (err.position(), err.without_position().to_string())
    };
    let (position, message) = located(
        MediatorSpec::new("with-param")
            .property_at("name", "p", Position::new(3, 22))
            .property_at("value", "{count(//a}", Position::new(3, 33))
            .at(Position::new(3, 5)),
    );
    assert_eq!(position, Some(Position::new(3, 33)));
    assert!(message.contains("mediator `with-param`"), "{message}");
    assert!(message.contains("column 11"), "{message}");

    let (position, message) = located(
        MediatorSpec::new("with-param")
            .property_at("name", "  ", Position::new(3, 22))
            .property_at("value", "v", Position::new(3, 30))
            .at(Position::new(3, 5)),
    );
    assert_eq!(position, Some(Position::new(3, 22)));
    assert!(message.contains("non-empty name"), "{message}");

    let (position, message) = located(
        MediatorSpec::new("with-param")
            .property_at("name", "p", Position::new(3, 22))
            .at(Position::new(3, 5)),
    );
    assert_eq!(position, Some(Position::new(3, 5)));
    assert!(message.contains("`value`"), "{message}");

    let (position, _) = located(
        MediatorSpec::new("with-param")
            .property_at("name", "ok", Position::new(3, 22))
            .property_at("value", "v", Position::new(3, 31))
            .at(Position::new(3, 5)),
    );
    assert_eq!(position, Some(Position::new(3, 22)), "a name passed twice");

    // A `${…}` expression after blanks counts its column from the value's first character.
    let (position, message) = located(
        MediatorSpec::new("with-param")
            .property_at("name", "p", Position::new(3, 22))
            .property_at("value", "  ${vars.}", Position::new(3, 33))
            .at(Position::new(3, 5)),
    );
    assert_eq!(position, Some(Position::new(3, 33)));
    // Column 10 is the closing `}`, where a name after `vars.` was expected.
    assert!(message.contains("at column 10:"), "{message}");
}
