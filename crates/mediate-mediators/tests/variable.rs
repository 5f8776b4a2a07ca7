//! Variable mediator tests. Facts cited from Synapse's `v2/VariableMediator.java` (VM) and
//! `v2/ScatterGatherUtils.java` (SGU: `convertValue`, `getResolvedValue`,
//! `convertExpressionResult`, `convertJsonPrimitive`).

use mediate_core::message::XmlValue;
use mediate_core::{
    Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry, VariableValue,
};
use mediate_mediators::variable::VariableConfig;
use serde_json::json;

/// Runs the mediator built from `cfg`; it must continue (property/variable always return true).
async fn run(cfg: VariableConfig, msg: &mut MessageContext) -> Result<(), MediationError> {
    let flow = cfg
        .build()
        .expect("builds")
        .mediate(msg, &Env::builder().build())
        .await?;
    assert_eq!(flow, Flow::Continue);
    Ok(())
}

// SGU.convertValue: literal conversion per type; no type is a string.
#[tokio::test(flavor = "current_thread")]
async fn literals_by_type() {
    let cases = [
        (None, "abc", VariableValue::String("abc".into())),
        (Some("STRING"), "12", VariableValue::String("12".into())),
        (Some("BOOLEAN"), "Yes", VariableValue::Boolean(true)),
        (Some("BOOLEAN"), "no", VariableValue::Boolean(false)),
        (Some("INTEGER"), "-5", VariableValue::Integer(-5)),
        (
            Some("LONG"),
            "9000000000",
            VariableValue::Long(9_000_000_000),
        ),
        (Some("DOUBLE"), "2", VariableValue::Double(2.0)),
        (
            Some("JSON"),
            r#"{"a":1}"#,
            VariableValue::Json(json!({"a":1})),
        ),
        (
            Some("XML"),
            "<a>1</a>",
            VariableValue::Xml(XmlValue::new("<a>1</a>")),
        ),
    ];
    for (ty, v, want) in cases {
        let mut cfg = VariableConfig::set_value("v", v);
        cfg.value_type = ty.map(str::to_owned);
        let mut msg = MessageContext::from_json("{}");
        run(cfg, &mut msg).await.unwrap();
        assert_eq!(msg.variable("v"), Some(&want), "{ty:?} {v}");
    }
}

// SGU.buildJSONElement: a JSON text that does not parse is retried in quotes -> a JSON string.
#[tokio::test(flavor = "current_thread")]
async fn json_literal_retried_as_string() {
    let mut msg = MessageContext::empty();
    run(
        VariableConfig::set_value("v", "hello world").with_type("JSON"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.variable("v"),
        Some(&VariableValue::Json(json!("hello world")))
    );
}

// SGU.convertValue throws for an unparsable literal (configuration time here) and
// VARIABLE_DATA_TYPES has no FLOAT/SHORT/OM.
#[test]
fn bad_literals_and_types_refused_at_build() {
    assert!(
        VariableConfig::set_value("v", "x")
            .with_type("INTEGER")
            .build()
            .is_err()
    );
    assert!(
        VariableConfig::set_value("v", "<a>")
            .with_type("XML")
            .build()
            .is_err()
    );
    assert!(
        VariableConfig::set_value("v", "1")
            .with_type("FLOAT")
            .build()
            .is_err()
    );
    assert!(
        VariableConfig::set_value("v", "1")
            .with_type("OM")
            .build()
            .is_err()
    );
    assert!(VariableConfig::set_value("", "1").build().is_err());
}

// SGU.convertJsonPrimitive: JSON payload values converted by type (JSON message).
#[tokio::test(flavor = "current_thread")]
async fn expression_json_primitives() {
    let body = r#"{"n":7,"d":1.5,"b":true,"s":"x","o":{"k":[1]}}"#;
    let cases = [
        ("${payload.n}", "INTEGER", VariableValue::Integer(7)),
        ("${payload.n}", "LONG", VariableValue::Long(7)),
        ("${payload.n}", "DOUBLE", VariableValue::Double(7.0)),
        ("${payload.d}", "DOUBLE", VariableValue::Double(1.5)),
        ("${payload.b}", "BOOLEAN", VariableValue::Boolean(true)),
        ("${payload.s}", "STRING", VariableValue::String("x".into())),
        (
            "${payload.o}",
            "JSON",
            VariableValue::Json(json!({"k":[1]})),
        ),
        // a primitive for type JSON is getAsString (SGU.convertJsonPrimitive default).
        ("${payload.s}", "JSON", VariableValue::String("x".into())),
    ];
    for (e, ty, want) in cases {
        let mut msg = MessageContext::from_json(body);
        run(
            VariableConfig::set_expression("v", e).with_type(ty),
            &mut msg,
        )
        .await
        .unwrap();
        assert_eq!(msg.variable("v"), Some(&want), "{e} {ty}");
    }
}

// SGU.handleDataTypeException: "Expression '${…}' result does not match the expected data type 'T'".
#[tokio::test(flavor = "current_thread")]
async fn type_mismatch_is_error() {
    let mut msg = MessageContext::from_json(r#"{"s":"x","o":{"a":1}}"#);
    let err = run(
        VariableConfig::set_expression("v", "${payload.s}").with_type("INTEGER"),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Expression '${payload.s}' result does not match the expected data type 'INTEGER'"
    );
    let err = run(
        VariableConfig::set_expression("v", "${payload.o}").with_type("BOOLEAN"),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(err.message().contains("'BOOLEAN'"), "{err}");
    assert_eq!(msg.variable("v"), None);
}

// SGU.getResolvedValue: type XML parses the expression's string value (XML message); an
// element with only text gives its text (stringValueOf), which is not XML: an error.
#[tokio::test(flavor = "current_thread")]
async fn expression_xml_type_from_xpath() {
    let mut text_only = MessageContext::from_xml("<r><t>a</t></r>");
    assert!(
        run(
            VariableConfig::set_expression("v", "//t").with_type("XML"),
            &mut text_only
        )
        .await
        .is_err()
    );
    let mut msg = MessageContext::from_xml("<r><item id=\"1\"><x>a</x></item></r>");
    run(
        VariableConfig::set_expression("v", "//item").with_type("XML"),
        &mut msg,
    )
    .await
    .unwrap();
    let v = msg.variable("v").unwrap();
    assert_eq!(v.type_name(), "XML");
    assert!(v.as_string().starts_with("<item"), "{v}");
    // An XPath number is a Java Double: INTEGER does not match it (instanceof Integer).
    assert!(
        run(
            VariableConfig::set_expression("n", "count(//item)").with_type("INTEGER"),
            &mut msg
        )
        .await
        .is_err()
    );
    run(
        VariableConfig::set_expression("n", "count(//item)").with_type("DOUBLE"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.variable("n"), Some(&VariableValue::Double(1.0)));
}

// SGU.convertExpressionResult: without a type the value is stored as it is.
#[tokio::test(flavor = "current_thread")]
async fn untyped_expression_keeps_value() {
    let mut msg = MessageContext::from_json(r#"{"a":[1,2],"n":3}"#);
    run(
        VariableConfig::set_expression("arr", "${payload.a}"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.variable("arr"),
        Some(&VariableValue::Json(json!([1, 2])))
    );
    run(
        VariableConfig::set_expression("n", "${payload.n + 1}"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.variable("n"), Some(&VariableValue::Integer(4)));
}

// VM: action remove deletes the variable.
#[tokio::test(flavor = "current_thread")]
async fn remove() {
    let mut msg = MessageContext::empty();
    msg.set_variable("v", "x");
    run(VariableConfig::remove("v"), &mut msg).await.unwrap();
    assert_eq!(msg.variable("v"), None);
}

// VM.isContentAware: the expression's.
#[test]
fn reads_body() {
    assert!(
        !VariableConfig::set_value("v", "1")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        !VariableConfig::set_expression("v", "${vars.x}")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        VariableConfig::set_expression("v", "${payload}")
            .build()
            .unwrap()
            .reads_body()
    );
    assert_eq!(
        VariableConfig::set_value("v", "1").build().unwrap().kind(),
        "variable"
    );
}

// VariableMediatorFactory (MI 4.4): name, value | expression, type, action.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_forms() {
    let r = Registry::new();
    let spec = MediatorSpec::new("variable")
        .property("name", "count")
        .property("type", "INTEGER")
        .property("value", "5");
    let mut msg = MessageContext::from_json(r#"{"n":7}"#);
    run(VariableConfig::from_spec(&spec, &r).unwrap(), &mut msg)
        .await
        .unwrap();
    assert_eq!(msg.variable("count"), Some(&VariableValue::Integer(5)));

    let spec = MediatorSpec::new("variable")
        .property("name", "n")
        .property("expression", "${payload.n}")
        .property("type", "LONG");
    run(VariableConfig::from_spec(&spec, &r).unwrap(), &mut msg)
        .await
        .unwrap();
    assert_eq!(msg.variable("n"), Some(&VariableValue::Long(7)));

    // action="remove" needs no value.
    let spec = MediatorSpec::new("variable")
        .property("name", "count")
        .property("action", "remove");
    run(VariableConfig::from_spec(&spec, &r).unwrap(), &mut msg)
        .await
        .unwrap();
    assert_eq!(msg.variable("count"), None);
}

// VariableMediatorFactory: name required; value or expression required for set; the type is
// checked at build; unknown attributes and children refused by name.
#[test]
fn from_spec_errors() {
    let r = Registry::new();
    let build = |spec: MediatorSpec| {
        VariableConfig::from_spec(&spec, &r)
            .and_then(VariableConfig::build)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert!(build(MediatorSpec::new("variable").property("value", "1")).contains("name"));
    assert!(build(MediatorSpec::new("variable").property("name", "a")).contains("value"));
    assert!(
        build(
            MediatorSpec::new("variable")
                .property("name", "a")
                .property("value", "1")
                .property("type", "FLOAT")
        )
        .contains("unknown type `FLOAT`")
    );
    assert!(
        build(
            MediatorSpec::new("variable")
                .property("name", "a")
                .property("value", "1")
                .property("scope", "default")
        )
        .contains("unknown attribute `scope`")
    );
    assert!(
        build(
            MediatorSpec::new("variable")
                .property("name", "a")
                .property("value", "1")
                .property("expression", "${vars.b}")
        )
        .contains("only one of `value` and `expression`")
    );
    assert!(
        build(
            MediatorSpec::new("variable")
                .property("name", "a")
                .child(MediatorSpec::new("a"))
        )
        .contains("unknown child element `<a>`")
    );
    assert!(
        build(
            MediatorSpec::new("variable")
                .property("name", "a")
                .property("action", "delete")
        )
        .contains("unknown action `delete`")
    );
}
