//! Property tests: a differential test against libxml2's `xmllint --xpath` on random small
//! documents and expressions (skipped when `xmllint` is not installed), and algebraic laws
//! that need no oracle.
//!
//! The generators avoid the places where libxml2 knowingly departs from the XPath 1.0 REC
//! (number formatting — numbers are compared by value —, the following/preceding axes of
//! attribute nodes, namespace nodes, exponent syntax).

use std::io::Write as _;
use std::process::{Command, Stdio};

use mediate_xpath::{Namespaces, Value, XPath, format_number, roxmltree};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

// ---------------------------------------------------------------------------------------------
// Random documents
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Tree {
    Element {
        name: &'static str,
        x: Option<u8>,
        y: Option<u8>,
        children: Vec<Tree>,
    },
    Text(&'static str),
}

fn arb_tree() -> impl Strategy<Value = Tree> {
    let name = prop::sample::select(vec!["a", "b", "c"]);
    let attr = prop::option::of(0u8..4);
    let leaf = prop_oneof![
        prop::sample::select(vec!["1", "2", "10", "x", " 3 ", "0"]).prop_map(Tree::Text),
        (name.clone(), attr.clone(), attr.clone()).prop_map(|(name, x, y)| Tree::Element {
            name,
            x,
            y,
            children: Vec::new()
        }),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        (
            name.clone(),
            attr.clone(),
            attr.clone(),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(name, x, y, children)| Tree::Element {
                name,
                x,
                y,
                children,
            })
    })
}

fn arb_doc() -> impl Strategy<Value = String> {
    prop::collection::vec(arb_tree(), 0..5).prop_map(|children| {
        let mut s = String::from("<r>");
        for c in &children {
            write_tree(c, &mut s);
        }
        s.push_str("</r>");
        s
    })
}

fn write_tree(t: &Tree, out: &mut String) {
    match t {
        Tree::Text(s) => out.push_str(s),
        Tree::Element {
            name,
            x,
            y,
            children,
        } => {
            out.push('<');
            out.push_str(name);
            if let Some(x) = x {
                out.push_str(&format!(" x=\"{x}\""));
            }
            if let Some(y) = y {
                out.push_str(&format!(" y=\"{y}\""));
            }
            out.push('>');
            for c in children {
                write_tree(c, out);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random expressions
// ---------------------------------------------------------------------------------------------

fn arb_predicate() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "[1]",
        "[2]",
        "[last()]",
        "[position() > 1]",
        "[position() = last() - 1]",
        "[@x]",
        "[@x = 1]",
        "[@y > @x]",
        "[b]",
        "[not(c)]",
        "[count(*) > 1]",
        "[. = 1]",
        "[. > 2]",
        "[text()]",
        "[a or @y]",
        "[*[1][@x]]",
        "[string-length(.) > 2]",
    ])
    .prop_map(str::to_owned)
}

/// One step that yields element/text/root nodes (so further steps stay meaningful).
fn arb_step() -> impl Strategy<Value = String> {
    let axis = prop::sample::select(vec![
        "",
        "",
        "",
        "child::",
        "descendant::",
        "descendant-or-self::",
        "parent::",
        "ancestor::",
        "ancestor-or-self::",
        "following-sibling::",
        "preceding-sibling::",
        "following::",
        "preceding::",
        "self::",
    ]);
    let test = prop::sample::select(vec!["a", "b", "c", "a", "b", "*", "*", "node()", "text()"]);
    let abbreviated = prop::sample::select(vec!["..", "."]).prop_map(str::to_owned);
    prop_oneof![
        4 => (axis, test, prop::option::weighted(0.4, arb_predicate()), prop::option::weighted(0.15, arb_predicate()))
            .prop_map(|(a, t, p1, p2)| format!("{a}{t}{}{}", p1.unwrap_or_default(), p2.unwrap_or_default())),
        1 => abbreviated,
    ]
}

/// A location path, possibly ending in an attribute step, possibly a filtered union.
fn arb_path() -> impl Strategy<Value = String> {
    fn single() -> impl Strategy<Value = String> {
        let relative = prop::collection::vec(arb_step(), 1..3).prop_map(|s| s.join("/"));
        let start = prop::sample::select(vec!["/", "//", "//", "/r/", "/r/", "r//"]);
        let attr = prop::option::weighted(0.25, prop::sample::select(vec!["/@x", "/@y", "/@*"]));
        (start, relative, attr).prop_map(|(s, r, a)| format!("{s}{r}{}", a.unwrap_or("")))
    }
    prop_oneof![
        4 => single(),
        1 => (single(), single()).prop_map(|(a, b)| format!("({a} | {b})")),
        1 => (single(), arb_predicate()).prop_map(|(a, p)| format!("({a}){p}")),
    ]
}

#[derive(Clone, Debug)]
enum Query {
    /// Compared as exact text.
    Text(String),
    /// Compared by numeric value (libxml2 formats numbers its own way).
    Number(String),
}

fn arb_query() -> impl Strategy<Value = Query> {
    let cmp = prop::sample::select(vec!["=", "!=", "<", "<=", ">", ">="]);
    prop_oneof![
        arb_path().prop_map(|p| Query::Text(format!("count({p})"))),
        arb_path().prop_map(|p| Query::Text(format!("string({p})"))),
        arb_path().prop_map(|p| Query::Text(format!("boolean({p})"))),
        (arb_path(), cmp.clone(), 0u8..4).prop_map(|(p, c, n)| Query::Text(format!("{p} {c} {n}"))),
        (arb_path(), cmp, arb_path()).prop_map(|(p, c, q)| Query::Text(format!("{p} {c} {q}"))),
        (arb_path(), arb_path())
            .prop_map(|(p, q)| Query::Text(format!("concat(count({p} | {q}), ':', {p} = '1')"))),
        (arb_path(), arb_path()).prop_map(|(p, q)| Query::Text(format!(
            "normalize-space(concat(string({p}), ' ', translate(string({q}), '0123', 'abcd')))"
        ))),
        arb_path().prop_map(|p| Query::Number(format!("sum({p})"))),
        arb_path().prop_map(|p| Query::Number(format!("number({p}) * 3 - 1"))),
        (arb_path(), arb_path())
            .prop_map(|(p, q)| Query::Number(format!("count({p}) div (count({q}) + 1)"))),
        arb_path().prop_map(|p| Query::Number(format!("round(sum({p}) div 4) mod 3"))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Evaluation helpers
// ---------------------------------------------------------------------------------------------

fn ours(doc: &roxmltree::Document<'_>, expr: &str) -> Result<Value<'static, 'static>, String> {
    let xpath = XPath::compile(expr, &Namespaces::new()).map_err(|e| format!("compile: {e}"))?;
    let value = xpath
        .evaluate(doc.root())
        .map_err(|e| format!("evaluate: {e}"))?;
    // Detach from the document so the caller can keep it.
    Ok(match value {
        Value::NodeSet(_) => Value::String(value.string().into_owned().into()),
        Value::Boolean(b) => Value::Boolean(b),
        Value::Number(n) => Value::Number(n),
        Value::String(s) => Value::String(s.into_owned().into()),
    })
}

fn eval_string(doc: &roxmltree::Document<'_>, expr: &str) -> Result<String, String> {
    ours(doc, &format!("string({expr})")).map(|v| v.string().into_owned())
}

fn eval_number(doc: &roxmltree::Document<'_>, expr: &str) -> Result<f64, String> {
    match ours(doc, expr)? {
        Value::Number(n) => Ok(n),
        other => Err(format!("not a number: {other:?}")),
    }
}

fn eval_bool(doc: &roxmltree::Document<'_>, expr: &str) -> Result<bool, String> {
    match ours(doc, expr)? {
        Value::Boolean(b) => Ok(b),
        other => Err(format!("not a boolean: {other:?}")),
    }
}

fn xmllint_available() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `xmllint --xpath EXPR -` with the document on stdin; the printed result without its
/// trailing newline.
fn xmllint(doc: &str, expr: &str) -> Result<String, String> {
    let mut child = Command::new("xmllint")
        .args(["--xpath", expr, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run xmllint: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(doc.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout.strip_suffix('\n').unwrap_or(&stdout).to_owned())
}

fn same_number(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan())
        || a == b
        || ((a - b).abs() <= 1e-12 * a.abs().max(b.abs()) && a.is_finite() && b.is_finite())
}

// ---------------------------------------------------------------------------------------------
// Differential test
// ---------------------------------------------------------------------------------------------

#[test]
fn differential_against_xmllint() {
    if !xmllint_available() {
        eprintln!(
            "NOTICE: xmllint not found; skipping the differential XPath test \
             (install libxml2-utils to run it)"
        );
        return;
    }
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(arb_doc(), arb_query()), |(text, query)| {
        let doc = roxmltree::Document::parse(&text).expect("generated XML parses");
        match &query {
            Query::Text(expr) => {
                let want = xmllint(&text, &format!("string({expr})"));
                let got = eval_string(&doc, expr);
                prop_assert_eq!(
                    got.clone(),
                    want.clone(),
                    "\n  doc:  {}\n  expr: string({})\n  ours: {:?}\n  xmllint: {:?}",
                    text,
                    expr,
                    got,
                    want
                );
            }
            Query::Number(expr) => {
                let want = xmllint(&text, &format!("string({expr})"))
                    .and_then(|s| s.parse::<f64>().map_err(|e| format!("{s:?}: {e}")));
                let got = eval_number(&doc, expr);
                let ok = match (&got, &want) {
                    (Ok(a), Ok(b)) => same_number(*a, *b),
                    _ => false,
                };
                prop_assert!(
                    ok,
                    "\n  doc:  {}\n  expr: {}\n  ours: {:?}\n  xmllint: {:?}",
                    text,
                    expr,
                    got,
                    want
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("differential test against xmllint failed: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Laws that need no oracle
// ---------------------------------------------------------------------------------------------

fn law_config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(law_config())]

    #[test]
    fn union_count_is_bounded_idempotent_and_commutative(
        text in arb_doc(),
        a in arb_path(),
        b in arb_path(),
    ) {
        let doc = roxmltree::Document::parse(&text).expect("generated XML parses");
        let count = |e: &str| eval_number(&doc, &format!("count({e})"));
        let ca = count(&a).map_err(TestCaseError::fail)?;
        let cb = count(&b).map_err(TestCaseError::fail)?;
        let cab = count(&format!("{a} | {b}")).map_err(TestCaseError::fail)?;
        let cba = count(&format!("{b} | {a}")).map_err(TestCaseError::fail)?;
        let caa = count(&format!("{a} | {a}")).map_err(TestCaseError::fail)?;
        prop_assert!(cab <= ca + cb, "count(A|B)={} > {}+{} doc={} A={} B={}", cab, ca, cb, text, a, b);
        prop_assert!(cab >= ca.max(cb), "count(A|B)={} < max({}, {})", cab, ca, cb);
        prop_assert_eq!(caa, ca, "count(A|A) != count(A): doc={} A={}", text, a);
        prop_assert_eq!(cab, cba, "count(A|B) != count(B|A): doc={} A={} B={}", text, a, b);
        let sab = eval_string(&doc, &format!("{a} | {b}")).map_err(TestCaseError::fail)?;
        let sba = eval_string(&doc, &format!("{b} | {a}")).map_err(TestCaseError::fail)?;
        prop_assert_eq!(sab, sba, "string(A|B) != string(B|A): doc={} A={} B={}", text, a, b);
    }

    #[test]
    fn formatted_numbers_round_trip(
        n in prop_oneof![
            any::<i32>().prop_map(f64::from),
            (any::<i32>(), 1u32..7).prop_map(|(m, e)| f64::from(m) / 10f64.powi(e as i32)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
        ]
    ) {
        let s = format_number(n);
        prop_assert!(!s.contains(['e', 'E']) || s.contains("Infinity"), "exponent in {}", s);
        let doc = roxmltree::Document::parse("<r/>").expect("parses");
        let back = eval_number(&doc, &format!("number('{s}')")).map_err(TestCaseError::fail)?;
        if n.is_nan() {
            prop_assert!(back.is_nan(), "number('{}') = {}", s, back);
        } else if s.contains("Infinity") {
            // 'Infinity' is not a Number literal: number() gives NaN for it.
            prop_assert!(back.is_nan(), "number('{}') = {}", s, back);
        } else {
            prop_assert!(back == n, "number(format_number({:?}) = '{}') = {:?}", n, s, back);
            let again = eval_string(&doc, &format!("number('{s}')")).map_err(TestCaseError::fail)?;
            prop_assert_eq!(again, s.clone(), "string(number('{}'))", s);
        }
    }

    #[test]
    fn double_negation_is_boolean(
        text in arb_doc(),
        x in prop_oneof![
            arb_path(),
            arb_path().prop_map(|p| format!("string({p})")),
            arb_path().prop_map(|p| format!("sum({p})")),
            prop::sample::select(vec!["0", "-0", "1", "0 div 0", "''", "'0'", "'false'", "1 div 0"])
                .prop_map(str::to_owned),
        ],
    ) {
        let doc = roxmltree::Document::parse(&text).expect("generated XML parses");
        let nn = eval_bool(&doc, &format!("not(not({x}))")).map_err(TestCaseError::fail)?;
        let b = eval_bool(&doc, &format!("boolean({x})")).map_err(TestCaseError::fail)?;
        prop_assert_eq!(nn, b, "doc={} x={}", text, x);
    }
}
