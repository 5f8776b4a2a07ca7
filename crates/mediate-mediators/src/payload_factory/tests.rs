//! The json media type's fast paths: `json-eval` arguments read from the payload text in one
//! pass ([`PayloadScan`]), and the output not parsed again when it is known to be valid JSON
//! ([`Template::json_holes`]). Each must give exactly what reading the parsed payload and
//! checking the output with a parse gives.

use proptest::prelude::*;
use serde_json::Value;

use super::*;

/// The load test's `/transform/*` payloadFactory (`benches/http/mi/api/BenchAPI.xml`).
fn transform() -> PayloadFactoryMediator {
    PayloadFactoryConfig::json(
        r#"{"purchase":{"ref":"$1","tier":"$2","buyer":$3,"currency":"$4","lines":$5,"note":"$6"}}"#,
    )
    .arg(Arg::expression("json-eval($.order.id)"))
    .arg(Arg::expression("json-eval($.order.type)"))
    .arg(Arg::expression("json-eval($.order.customer)"))
    .arg(Arg::expression("json-eval($.order.currency)"))
    .arg(Arg::expression("json-eval($.order.items)"))
    .arg(Arg::expression("json-eval($.order.note)"))
    .build()
    .unwrap()
}

fn run(pf: &PayloadFactoryMediator, msg: &mut MessageContext) -> Result<(), MediationError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| MediationError::mediator(e.to_string()))?;
    rt.block_on(pf.mediate(msg, &Env::default())).map(|_| ())
}

/// The outcome of `pf` on `payload`: the new payload (text, content type) or the error.
fn outcome(
    pf: &PayloadFactoryMediator,
    payload: &str,
    parsed_first: bool,
    quote: bool,
) -> Result<(String, String), String> {
    let mut msg = MessageContext::from_json(payload.to_owned());
    msg.set_property("p", "a \"p\"\n");
    if quote {
        msg.set_property(QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON, "true");
    }
    if parsed_first {
        // A payload parsed already is read from its tree, argument by argument.
        let _ = msg.json();
        assert!(pf.scan.as_ref().is_none_or(|s| s.read(&msg).is_none()));
    }
    run(pf, &mut msg)
        .map(|()| {
            (
                msg.payload_as_text().unwrap().to_owned(),
                msg.content_type().to_owned(),
            )
        })
        .map_err(|e| format!("{e} / {:?}", e.detail()))
}

#[test]
fn the_load_test_transform_is_read_in_one_pass_and_not_parsed_again() {
    let order = r#"{"order":{"id":"ORD-000042","type":"bronze","currency":"EUR","customer":{"id":"C-1001","name":"Ada Lovelace","email":"ada@example.invalid"},"items":[{"sku":"SKU-00001","qty":2,"price":10.99},{"sku":"SKU-00002","qty":3,"price":11.99}],"note":"xx\"x"}}"#;
    let pf = transform();
    assert!(pf.scan.is_some());
    let msg = MessageContext::from_json(order);
    let (out, known_valid) = pf.render_checked(&msg, &Env::default()).unwrap();
    assert!(known_valid, "{out}");
    assert!(msg.json_if_parsed().is_none(), "the payload was not parsed");
    let want = r#"{"purchase":{"ref":"ORD-000042","tier":"bronze","buyer":{"id":"C-1001","name":"Ada Lovelace","email":"ada@example.invalid"},"currency":"EUR","lines":[{"sku":"SKU-00001","qty":2,"price":10.99},{"sku":"SKU-00002","qty":3,"price":11.99}],"note":"xx\"x"}}"#;
    assert_eq!(out, want);
    assert_eq!(
        outcome(&pf, order, false, false),
        outcome(&pf, order, true, false)
    );
    // A later mediator reading the payload sees the same tree.
    let mut msg = MessageContext::from_json(order);
    run(&pf, &mut msg).unwrap();
    assert_eq!(
        msg.json().unwrap(),
        &serde_json::from_str::<Value>(want).unwrap()
    );
    assert_eq!(msg.content_type(), JSON_CONTENT_TYPE);
    assert_eq!(msg.message_type(), JSON_CONTENT_TYPE);
}

#[test]
fn a_payload_the_pass_is_unsure_of_is_read_as_before() {
    let pf = transform();
    // not JSON: the error of the parse, as before
    let err = outcome(&pf, r#"{"order":{"id":"A",}}"#, false, false).unwrap_err();
    assert!(err.contains("the payload cannot be read"), "{err}");
    assert_eq!(
        outcome(&pf, r#"{"order":{"id":"A",}}"#, false, false),
        outcome(&pf, r#"{"order":{"id":"A",}}"#, true, false)
    );
    // a repeated member inside a selected object, a number serde rewrites, blanks, escapes
    for order in [
        r#"{"order":{"id":"A","customer":{"n":1,"n":2},"items":[]}}"#,
        r#"{"order":{"id":"\u0041\/","customer":{"n":1.50},"items":[ 1e2, -0 ]}}"#,
        r#"{"order":{"id":"A","id":"B","customer":null,"items":[]}}"#,
        r#"{"order":{"id":"A","customer":{"x":"\ud800"}}}"#,
    ] {
        let fresh = outcome(&pf, order, false, false);
        assert_eq!(fresh, outcome(&pf, order, true, false), "{order}");
        let json_ok = serde_json::from_str::<Value>(order).is_ok();
        assert_eq!(fresh.is_ok(), json_ok, "{order}: {fresh:?}");
        if !json_ok {
            let err = fresh.unwrap_err();
            assert!(err.contains("the payload cannot be read"), "{err}");
        }
    }
    let (out, _) = outcome(
        &pf,
        r#"{"order":{"id":"\u0041\/","customer":{"n":1.50},"items":[ 1e2, -0 ]}}"#,
        false,
        false,
    )
    .unwrap();
    assert_eq!(
        out,
        r#"{"purchase":{"ref":"A/","tier":"","buyer":{"n":1.5},"currency":"","lines":[100.0,-0.0],"note":""}}"#
    );
}

#[test]
fn an_invalid_output_is_still_reported() {
    let doc = r#"{"s":"abc","o":{"x":1},"n":5}"#;
    for (format, arg) in [
        // a string where a value goes
        (r#"{"v":$1}"#, "json-eval($.s)"),
        // an object inside a string
        (r#"{"v":"$1"}"#, "json-eval($.o)"),
        // the format itself
        (r#"{"v":"$1""#, "json-eval($.n)"),
        (r#"{"v":$1 $1}"#, "json-eval($.n)"),
    ] {
        let pf = PayloadFactoryConfig::json(format)
            .arg(Arg::expression(arg))
            .build()
            .unwrap();
        let err = outcome(&pf, doc, false, false).unwrap_err();
        assert!(
            err.starts_with("Error creating JSON Payload from source "),
            "{format}: {err}"
        );
        assert_eq!(err, outcome(&pf, doc, true, false).unwrap_err());
    }
    // the quoted form of a string fits a value's place
    let pf = PayloadFactoryConfig::json(r#"{"v":$1}"#)
        .arg(Arg::expression("json-eval($.s)"))
        .build()
        .unwrap();
    assert_eq!(outcome(&pf, doc, false, true).unwrap().0, r#"{"v":"abc"}"#);
}

#[test]
fn where_each_placeholder_stands_in_a_json_format() {
    use Hole::{InString as S, Value as V};
    let holes = |format: &str, nargs: usize| {
        Template::parse(format, nargs, &Namespaces::new(), false)
            .unwrap()
            .with_json_holes()
            .json_holes()
            .map(<[_]>::to_vec)
    };
    assert_eq!(
        holes(
            r#"{"purchase":{"ref":"$1","tier":"$2","buyer":$3,"currency":"$4","lines":$5,"note":"$6"}}"#,
            6
        ),
        Some(vec![(0, S), (1, S), (2, V), (3, S), (4, V), (5, S)])
    );
    assert_eq!(
        holes(" \n{\"a\":[ $1 ,\t$2\n],\"$1\":\"x$2y\"} ", 2),
        Some(vec![(0, V), (1, V), (0, S), (1, S)])
    );
    assert_eq!(holes(r#"[$1]"#, 1), Some(vec![(0, V)]));
    assert_eq!(holes(r#"{"a":"\\$1"}"#, 1), Some(vec![(0, S)]));
    for format in [
        r#"{"a":$1$2}"#,
        r#"{"a":-$1}"#,
        r#"{"a":$1.5}"#,
        r#"{"a":"\$1"}"#,
        r#"{"a":"\u00$1"}"#,
        r#"{"a":$1"#,
        r#"{"a":$1 1}"#,
        r#"{$1:1}"#,
        "$1",
        r#"{"a":1} $1"#,
        r#"{"a":"$1","b":${payload.x}}"#,
    ] {
        assert_eq!(holes(format, 2), None, "{format}");
    }
}

#[test]
fn arguments_and_inline_expressions_read_local_entries() {
    // Synapse's get-property falls back to the configuration's entries (GetPropertyFunction).
    let env = Env::builder()
        .local_entry("greeting", "hello")
        .xml_local_entry("cfg", "<cfg><url>http://x</url></cfg>")
        .build();
    let pf = PayloadFactoryConfig::json(
        r#"{"g":"$1","u":"$2","i":"${xpath("get-property('greeting')")}"}"#,
    )
    .arg(Arg::expression("get-property('greeting')"))
    .arg(Arg::expression("get-property('cfg')/url"))
    .build()
    .unwrap();
    let msg = MessageContext::from_json("{}");
    let out = pf.render(&msg, &env).unwrap();
    assert_eq!(out, r#"{"g":"hello","u":"http://x","i":"hello"}"#);
    // Without the entries (another configuration), nothing.
    let out = pf.render(&msg, &Env::default()).unwrap();
    assert_eq!(out, r#"{"g":"","u":"","i":""}"#);
}

#[test]
fn json_string_content() {
    for ok in [
        "",
        "abc",
        r#"a\"b\\c\/\b\f\n\r\t"#,
        r"\u00e9\u001F",
        "é 😀 \u{7f}",
    ] {
        assert!(is_json_string_content(ok), "{ok}");
    }
    for bad in [
        "a\"b", "a\nb", "\\", r"\x", r"\u12", r"\u12g4", r"\ud800", r"\uDC00", "\u{1}",
    ] {
        assert!(!is_json_string_content(bad), "{bad}");
    }
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-10_000i64..10_000, 0u32..4)
            .prop_map(|(m, e)| Value::from(m as f64 / 10f64.powi(e as i32))),
        "[a-c{}\\[\\]\"\\\\/\n\u{1}é< ]{0,5}".prop_map(Value::from),
        "-?[0-9]{1,3}|true|null|\\{\\}|\\[1\\]".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// JSON text with other spellings than serde's: blanks, escapes, a repeated member.
fn respelled(doc: Value) -> impl Strategy<Value = String> {
    let text = serde_json::to_string(&doc).unwrap_or_default();
    (Just(text), 0..4u8).prop_map(|(text, how)| match how {
        0 => text,
        1 => text.replace(',', " ,\n ").replace(':', ": "),
        2 => text.replace('é', "\\u00e9").replace('/', "\\/"),
        _ => text
            .replacen('{', r#"{"a":0,"#, 1)
            .replace(r#"{"a":0,}"#, "{}"),
    })
}

/// Formats: well-formed JSON with placeholders in strings and value places, or a run of JSON
/// tokens and placeholders (mostly not JSON).
fn format() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("$1".to_owned()),
        Just("$2".to_owned()),
        Just("$3".to_owned()),
        Just(r#""$1""#.to_owned()),
        Just(r#""x $2 y""#.to_owned()),
        Just(r#""$3""#.to_owned()),
        Just("0".to_owned()),
        Just(r#""k""#.to_owned()),
    ];
    let well_formed = value.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((r#""[a-c$123]{1,2}""#, inner), 0..3).prop_map(|kv| {
                let members: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{ {} }}", members.join(", "))
            }),
        ]
    });
    let tokens = prop::collection::vec(
        prop_oneof![
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(":"),
            Just(","),
            Just(r#""k""#),
            Just(r#""a$1b""#),
            Just("$1"),
            Just("$2"),
            Just("$3"),
            Just(" "),
            Just("0"),
            Just("\"\\"),
            Just("-"),
            Just("true"),
            Just("\""),
            Just(r#""\u00"#),
        ],
        1..12,
    )
    .prop_map(|t| t.concat());
    prop_oneof![3 => well_formed, 1 => tokens]
}

fn arg() -> impl Strategy<Value = Arg> {
    (
        prop_oneof![
            Just("json-eval($.a)"),
            Just("json-eval($.b)"),
            Just("json-eval($.a.c)"),
            Just("json-eval($.b[0])"),
            Just("json-eval($.c[1].a)"),
            Just("json-eval($.missing)"),
            Just("$.a"),
            Just("json-eval($ctx:p)"),
            Just("value:12"),
            Just("value:x\"y"),
            Just("get-property('p')"),
        ],
        any::<bool>(),
    )
        .prop_map(|(a, literal)| {
            let arg = match a.strip_prefix("value:") {
                Some(v) => Arg::value(v),
                None if a.starts_with("$.") => Arg::expression(a).evaluator(Evaluator::Json),
                None => Arg::expression(a),
            };
            arg.literal(literal)
        })
}

proptest! {
    #[test]
    fn one_pass_agrees_with_the_parsed_payload(
        text in json().prop_flat_map(respelled),
        format in format(),
        args in prop::collection::vec(arg(), 3),
        quote: bool,
    ) {
        let mut cfg = PayloadFactoryConfig::json(format.clone());
        for a in args {
            cfg = cfg.arg(a);
        }
        let Ok(pf) = cfg.build() else { return Ok(()) };
        let fresh = outcome(&pf, &text, false, quote);
        prop_assert_eq!(&fresh, &outcome(&pf, &text, true, quote), "{} over {}", format, text);
        // Known valid only when it is.
        let mut msg = MessageContext::from_json(text.clone());
        if quote {
            msg.set_property(QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON, "true");
        }
        msg.set_property("p", "a \"p\"\n");
        if let Ok((out, true)) = pf.render_checked(&msg, &Env::default()) {
            prop_assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(java_trim(&out)).is_ok(),
                "said valid: {}", out
            );
            prop_assert!(fresh.is_ok());
        }
    }
}
