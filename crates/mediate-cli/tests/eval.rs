//! `mediate eval` end to end: the binary, real files, the exact output the contract promises.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn payloads() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/payloads")
}

/// A scratch file for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, content: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mediate-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn mediate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mediate"))
        .args(args)
        .output()
        .expect("run mediate")
}

fn eval_ok(args: &[&str]) -> String {
    let out = mediate(args);
    assert!(
        out.status.success(),
        "mediate {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn eval_err(args: &[&str]) -> String {
    let out = mediate(args);
    assert!(!out.status.success(), "mediate {args:?} should fail");
    assert!(out.stdout.is_empty(), "no result on stdout when failing");
    String::from_utf8(out.stderr).unwrap()
}

fn file(name: &str) -> String {
    payloads().join(name).to_string_lossy().into_owned()
}

#[test]
fn xpath_on_a_pox_payload_sees_the_implicit_envelope() {
    let xml = file("order.xml");
    for expr in [
        "//order/id",
        "$body/order/id",
        "/soapenv:Envelope/soapenv:Body/order/id",
        "soapenv:Body/order/id",
    ] {
        assert_eq!(
            eval_ok(&["eval", "--xml", &xml, expr]),
            "<id>A-1001</id>\n",
            "{expr}"
        );
    }
}

#[test]
fn scalars_print_as_xpath_formats_them() {
    let xml = file("order.xml");
    let cases = [
        ("count(//item)", "2\n"),
        ("sum(//price)", "1500\n"),
        ("sum(//price) div 3", "500\n"),
        ("1 div 0", "Infinity\n"),
        ("-1 div 0", "-Infinity\n"),
        ("0 div 0", "NaN\n"),
        ("-0", "0\n"),
        ("1 div 3", "0.3333333333333333\n"),
        ("string(//total/@currency)", "EUR\n"),
        ("//item[1]/@qty > 1", "true\n"),
        ("concat(//id, '-', //c:customer/@id)", "A-1001-1100\n"),
    ];
    for (expr, want) in cases {
        assert_eq!(eval_ok(&["eval", "--xml", &xml, expr]), want, "{expr}");
    }
}

#[test]
fn node_sets_print_one_serialized_node_per_line() {
    let xml = file("order.xml");
    assert_eq!(
        eval_ok(&["eval", "--xml", &xml, "//item/name"]),
        "<name>Smartphone</name>\n<name>Laptop</name>\n"
    );
    assert_eq!(
        eval_ok(&["eval", "--xml", &xml, "//item/@sku"]),
        "sku=\"P-101\"\nsku=\"P-102\"\n"
    );
    // An element from a namespace declared on the root keeps its declaration.
    assert_eq!(
        eval_ok(&["eval", "--xml", &xml, "//c:customer/c:name"]),
        "<c:name xmlns:c=\"http://example.com/customer\">John Doe</c:name>\n"
    );
    assert_eq!(eval_ok(&["eval", "--xml", &xml, "//nothing"]), "");
}

#[test]
fn soap_envelopes_are_taken_as_they_are() {
    let soap = file("getquote-soap11.xml");
    assert_eq!(
        eval_ok(&[
            "eval",
            "--xml",
            &soap,
            "--ns",
            "m0=http://services.samples",
            "string($body/m0:getQuote/m0:request/m0:symbol)"
        ]),
        "IBM\n"
    );
    assert_eq!(
        eval_ok(&["eval", "--xml", &soap, "string($header/wsa:Action)"]),
        "urn:getQuote\n"
    );
    assert_eq!(
        eval_ok(&["eval", "--xml", &soap, "get-property('MESSAGE_FORMAT')"]),
        "soap11\n"
    );
    let soap12 = Scratch::new(
        "soap12.xml",
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><a>1</a></s:Body></s:Envelope>"#,
    );
    let p = soap12.0.to_string_lossy().into_owned();
    assert_eq!(
        eval_ok(&["eval", "--xml", &p, "get-property('MESSAGE_FORMAT')"]),
        "soap12\n"
    );
    assert_eq!(eval_ok(&["eval", "--xml", &p, "$body/a + 1"]), "2\n");
}

#[test]
fn json_eval_prints_jayway_shapes() {
    let json = file("order.json");
    let cases = [
        ("json-eval($.order.id)", "A-1001\n"),
        ("json-eval($.order.total)", "1800\n"),
        (
            "json-eval($.order.customer)",
            "{\"id\":1100,\"name\":\"John Doe\",\"email\":\"john@example.com\"}\n",
        ),
        ("json-eval($.order.items[0].sku)", "P-101\n"),
        ("json-eval($.order.items[*].sku)", "[\"P-101\",\"P-102\"]\n"),
        (
            "json-eval($.order.items[?(@.price > 500)].name)",
            "[\"Laptop\"]\n",
        ),
        ("json-eval($..nothing)", "[]\n"),
        ("json-eval($.order.nothing)", ""),
        ("json-eval($.order.note)", "null\n"),
        ("json-eval($.order.items.length())", "2\n"),
    ];
    for (expr, want) in cases {
        assert_eq!(eval_ok(&["eval", "--json", &json, expr]), want, "{expr}");
    }
}

#[test]
fn xpath_sees_json_through_the_mi_mapping() {
    let json = file("order.json");
    assert_eq!(
        eval_ok(&["eval", "--json", &json, "string(//order/id)"]),
        "A-1001\n"
    );
    assert_eq!(eval_ok(&["eval", "--json", &json, "count(//items)"]), "2\n");
    assert_eq!(
        eval_ok(&["eval", "--json", &json, "name($body/*)"]),
        "jsonObject\n"
    );
}

#[test]
fn synapse_expressions_print_as_mi_does() {
    let json = file("order.json");
    let cases = [
        ("${payload.order.total * 1.2}", "2160.0\n"),
        ("${payload.order.items[0].price + 1}", "301\n"),
        ("${payload.order.id}", "A-1001\n"),
        ("${length(payload.order.items)}", "2\n"),
        ("${payload.order.express ? 'fast' : 'slow'}", "slow\n"),
    ];
    for (expr, want) in cases {
        assert_eq!(eval_ok(&["eval", "--json", &json, expr]), want, "{expr}");
    }
    assert_eq!(
        eval_ok(&[
            "eval",
            "--json",
            &json,
            "--var-json",
            "rate=0.5",
            "${payload.order.total * vars.rate}"
        ]),
        "900.0\n"
    );
    assert_eq!(
        eval_ok(&[
            "eval",
            "--json",
            &json,
            "--var-json",
            "l={\"max\":3}",
            "${vars.l.max + 1}"
        ]),
        "4\n"
    );
}

#[test]
fn properties_and_headers_reach_every_language() {
    let xml = file("order.xml");
    let args = [
        "eval",
        "--xml",
        &xml,
        "--property",
        "customer=acme",
        "--header",
        "X-Trace=t-1",
    ];
    let run = |expr: &str| {
        let mut a = args.to_vec();
        a.push(expr);
        eval_ok(&a)
    };
    assert_eq!(run("get-property('customer')"), "acme\n");
    assert_eq!(run("$ctx:customer"), "acme\n");
    assert_eq!(run("$trp:x-trace"), "t-1\n");
    assert_eq!(run("get-property('transport', 'X-TRACE')"), "t-1\n");
    assert_eq!(run("${properties.synapse.customer}"), "acme\n");
    assert_eq!(run("${headers['X-Trace']}"), "t-1\n");
}

#[test]
fn text_payloads_are_wrapped_as_mi_wraps_them() {
    let t = Scratch::new("p.txt", "hello world");
    let p = t.0.to_string_lossy().into_owned();
    assert_eq!(
        eval_ok(&["eval", "--text", &p, "string($body)"]),
        "hello world\n"
    );
    assert_eq!(
        eval_ok(&["eval", "--text", &p, "local-name($body/*)"]),
        "text\n"
    );
}

#[test]
fn bad_expressions_point_at_the_column() {
    let xml = file("order.xml");
    let err = eval_err(&["eval", "--xml", &xml, "count(//item"]);
    assert!(err.contains("column 13"), "{err}");
    assert!(err.contains("  count(//item\n              ^"), "{err}");
    let err = eval_err(&["eval", "--xml", &xml, "//order/"]);
    assert!(err.contains("column"), "{err}");
    let err = eval_err(&["eval", "--xml", &xml, "foo(1)"]);
    assert!(err.contains("foo"), "{err}");
    let json = file("order.json");
    let err = eval_err(&["eval", "--json", &json, "${payload.order.total * }"]);
    assert!(err.contains("column 25"), "{err}");
    let err = eval_err(&["eval", "--json", &json, "json-eval($.order[)"]);
    assert!(err.contains("json-eval at column"), "{err}");
}

#[test]
fn undeclared_prefix_gets_a_hint() {
    let soap = file("getquote-soap11.xml");
    let err = eval_err(&["eval", "--xml", &soap, "$body/m0:getQuote"]);
    assert!(err.contains("undeclared namespace prefix 'm0'"), "{err}");
    assert!(err.contains("--ns m0=http://services.samples"), "{err}");
}

#[test]
fn bad_payloads_are_located() {
    let bad = Scratch::new("bad.xml", "<order>\n  <id>1</id>\n  <oops>\n</order>\n");
    let p = bad.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--xml", &p, "//id"]);
    assert!(err.contains("bad.xml:4:"), "{err}");
    let bad = Scratch::new("bad.json", "{\n  \"a\": [1, 2,\n}\n");
    let p = bad.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--json", &p, "json-eval($.a)"]);
    assert!(err.contains("bad.json:3:"), "{err}");
    let err = eval_err(&["eval", "--xml", "/no/such/file.xml", "//a"]);
    assert!(err.contains("cannot read /no/such/file.xml"), "{err}");
}

#[test]
fn bad_payload_positions_are_the_files_own() {
    // An empty JSON file: column 1, not serde's column 0; the position said once.
    let empty = Scratch::new("empty.json", "");
    let p = empty.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--json", &p, "json-eval($.a)"]);
    assert!(err.contains("empty.json:1:1: "), "{err}");
    assert!(!err.contains("column"), "{err}");
    // A position inside the XML parser's message is the file's, not the implicit envelope's;
    // an unclosed root does not mention the implicit envelope.
    let dup = Scratch::new("dup.xml", "<r>\n  <a b='1' b='2'/></r>");
    let p = dup.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--xml", &p, "//a"]);
    assert!(err.contains("dup.xml:2:12: "), "{err}");
    assert!(err.contains("at 2:12 is already defined"), "{err}");
    let unclosed = Scratch::new("unclosed.xml", "<r>\n<a>x</a>\n");
    let p = unclosed.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--xml", &p, "//a"]);
    assert!(!err.contains("soapenv"), "{err}");
    // The implicit envelope's prefix is not bound in the payload.
    let unbound = Scratch::new("unbound.xml", "<soapenv:r><a>x</a></soapenv:r>");
    let p = unbound.0.to_string_lossy().into_owned();
    let err = eval_err(&["eval", "--xml", &p, "//a"]);
    assert!(err.contains("unbound.xml:1:"), "{err}");
}

#[test]
fn runtime_failures_exit_non_zero() {
    let json = file("order.json");
    let err = eval_err(&["eval", "--json", &json, "${vars.missing + 1}"]);
    assert!(err.contains("error"), "{err}");
}

#[test]
fn a_payload_is_required_and_exactly_one() {
    let out = mediate(&["eval", "//a"]);
    assert_eq!(out.status.code(), Some(2));
    let xml = file("order.xml");
    let json = file("order.json");
    let out = mediate(&["eval", "--xml", &xml, "--json", &json, "//a"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn string_variables_stay_strings() {
    let json = file("order.json");
    assert_eq!(
        eval_ok(&[
            "eval",
            "--json",
            &json,
            "--var",
            "who=acme",
            "${'hi ' + vars.who}"
        ]),
        "hi acme\n"
    );
}

#[test]
fn evaluation_errors_point_at_the_column_too() {
    let json = file("order.json");
    let err = eval_err(&[
        "eval",
        "--json",
        &json,
        "${payload.order.total + payload.order.id}",
    ]);
    assert!(err.contains("failed at column"), "{err}");
    assert!(
        err.contains("  ${payload.order.total + payload.order.id}\n  "),
        "{err}"
    );
    assert!(err.contains('^'), "{err}");
}
