//! Unit tests of the whole engine (the conformance table lives in `tests/`).

use super::*;
use proptest::prelude::*;

const DOC: &str = r#"<?xml version="1.0"?>
<root xmlns:p="urn:p" xml:lang="en-GB">
  <!-- first -->
  <a id="1" x="10">one</a>
  <a id="2" x="20">two<b>deep</b></a>
  <p:c p:attr="v">three</p:c>
  <?target some data?>
  <d xmlns="urn:d"><e>in-d</e></d>
  <n>  spaced   out  </n>
  <nums><v>1</v><v>2.5</v><v>-3</v></nums>
</root>"#;

fn ns() -> Namespaces {
    let mut n = Namespaces::new();
    n.insert("p", "urn:p");
    n.insert("d", "urn:d");
    n
}

fn eval_doc<'a, 'i>(doc: &'a roxmltree::Document<'i>, expr: &str) -> Value<'a, 'i> {
    XPath::compile(expr, &ns())
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .evaluate(doc.root())
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn s(expr: &str) -> String {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    eval_doc(&doc, expr).string().into_owned()
}

fn n(expr: &str) -> f64 {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    eval_doc(&doc, expr).number()
}

fn b(expr: &str) -> bool {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    eval_doc(&doc, expr).boolean()
}

fn perr(expr: &str) -> ParseError {
    match XPath::compile(expr, &ns()) {
        Ok(_) => panic!("{expr} compiled"),
        Err(e) => e,
    }
}

#[test]
fn paths_and_predicates() {
    assert_eq!(n("count(//a)"), 2.0);
    assert_eq!(s("/root/a[2]/@id"), "2");
    assert_eq!(s("//a[last()]"), "twodeep");
    assert_eq!(s("//a[@x > 15]/@id"), "2");
    assert_eq!(s("(//a | //p:c)[3]"), "three");
    assert_eq!(n("count(//v[1])"), 1.0);
    assert_eq!(n("count(//*[1])"), 5.0); // a, b, e, v, and root itself as first child of /
    assert_eq!(s("(//v)[2]"), "2.5");
    assert_eq!(s("//v[position() = 2]"), "2.5");
    assert_eq!(s("//a/b/.."), "twodeep");
    assert_eq!(s("//a[b]/@id"), "2");
    assert_eq!(s("/child::root/child::a[attribute::id='1']"), "one");
    assert_eq!(s("//d:e"), "in-d");
    assert_eq!(
        n("count(//e)"),
        0.0,
        "unprefixed names match no-namespace elements only"
    );
    assert_eq!(n("count(//p:*)"), 1.0);
    assert_eq!(n("count(//@p:*)"), 1.0);
    assert_eq!(n("count(/root/a/@*)"), 4.0);
    assert_eq!(s("//a[1]/following-sibling::*[1]/@id"), "2");
    assert_eq!(s("//b/ancestor::*[1]/@id"), "2");
    assert_eq!(s("name(//b/ancestor::*[last()])"), "root");
    assert_eq!(s("//p:c/preceding-sibling::*[1]/@id"), "2");
    assert_eq!(s("//p:c/preceding::*[1]"), "deep");
    assert_eq!(s("//p:c/preceding::a[1]/@id"), "2");
    assert_eq!(n("count(//b/preceding::*)"), 1.0);
    assert_eq!(n("count(//b/following::*)"), 8.0);
    assert_eq!(n("count(//a[1]/@id/following::a)"), 1.0);
    assert_eq!(n("count(//a[2]/@id/following::b)"), 1.0);
    assert_eq!(n("count(//a[2]/@id/ancestor::*)"), 2.0);
    assert_eq!(n("count(//a/@id/self::node())"), 2.0);
    assert_eq!(n("count(//a/@id/self::id)"), 0.0);
    assert_eq!(n("count(//comment())"), 1.0);
    assert_eq!(s("normalize-space(//comment())"), "first");
    assert_eq!(s("//processing-instruction('target')"), "some data");
    assert_eq!(n("count(//processing-instruction('other'))"), 0.0);
    assert_eq!(
        n("count(/root/text())"),
        9.0,
        "whitespace-only text nodes exist"
    );
    assert_eq!(n("count(//a/descendant-or-self::node())"), 6.0);
    assert_eq!(s("//b/ancestor-or-self::*[2]/@id"), "2");
    assert_eq!(n("count(/)"), 1.0);
    assert_eq!(n("count(/..)"), 0.0);
    assert_eq!(n("count(//a/.)"), 2.0);
    assert_eq!(n("count(//v[. > 0])"), 2.0);
    assert_eq!(n("count(/descendant::v[2])"), 1.0);
    assert_eq!(n("count(//nums//v[1])"), 1.0);
    assert_eq!(n("count(/root//node()[1])"), 12.0);
}

#[test]
fn namespace_axis() {
    // xml, p (root); xml, p, default urn:d on d.
    assert_eq!(n("count(/*/namespace::*)"), 2.0);
    assert_eq!(n("count(//d:d/namespace::*)"), 3.0);
    assert_eq!(
        s("/*/namespace::xml"),
        "http://www.w3.org/XML/1998/namespace"
    );
    assert_eq!(s("name(/*/namespace::p)"), "p");
    assert_eq!(s("local-name(/*/namespace::*[1])"), "xml");
    assert_eq!(s("namespace-uri(/*/namespace::p)"), "");
    assert_eq!(n("count(//namespace::*/..)"), 12.0);
    assert_eq!(n("count(/*/namespace::* | /*/@* | /*)"), 4.0);
}

#[test]
fn precedence() {
    assert_eq!(n("1 + 2 * 3"), 7.0);
    assert_eq!(n("(1 + 2) * 3"), 9.0);
    assert_eq!(n("10 - 4 - 3"), 3.0);
    assert_eq!(n("8 div 4 div 2"), 1.0);
    assert_eq!(n("7 mod 4 * 2"), 6.0);
    assert_eq!(n("-2 * -3"), 6.0);
    assert_eq!(n("--3"), 3.0);
    assert_eq!(n("- - -3"), -3.0);
    assert!(b("1 < 2 = true()"));
    assert!(b("1 = 1 and 2 = 2 or 1 = 2"));
    assert!(b("false() or true() and true()"));
    assert!(!b("false() and true() or false()"));
    assert!(b("3 > 2 > 0")); // (3 > 2) > 0 → true > 0 → 1 > 0
    assert_eq!(n("-//v[3]"), 3.0);
    assert_eq!(n("count(//a | //b)"), 3.0);
    assert_eq!(n("5 mod -2"), 1.0);
    assert_eq!(n("-5 mod 2"), -1.0);
    assert_eq!(s("1 div 0"), "Infinity");
    assert_eq!(s("-1 div 0"), "-Infinity");
    assert_eq!(s("0 div 0"), "NaN");
    assert_eq!(s("0.1 + 0.2"), "0.30000000000000004");
    assert_eq!(s(".5 + 5."), "5.5");
}

#[test]
fn operator_names_as_element_names() {
    let doc =
        roxmltree::Document::parse("<r><div>6</div><mod>4</mod><and>1</and><or/></r>").unwrap();
    let v = eval_doc(&doc, "/r/div div /r/mod");
    assert_eq!(v.number(), 1.5);
    assert_eq!(eval_doc(&doc, "r/div mod r/mod").number(), 2.0);
    assert_eq!(
        eval_doc(&doc, "count(//*[self::and or self::or])").number(),
        2.0
    );
    assert_eq!(eval_doc(&doc, "r/div * 2").number(), 12.0);
    assert_eq!(eval_doc(&doc, "count(r/*)").number(), 4.0);
}

#[test]
fn comparisons() {
    assert!(b("//a/@id = 2"));
    assert!(b("//a/@id = '1'"));
    assert!(b("//a/@id != 1")); // some id differs
    assert!(!b("//a/@id = 3"));
    assert!(b("//a/@x > //a/@id"));
    assert!(b("//a = //a"));
    assert!(!b("//missing = //missing"));
    assert!(!b("//missing != //missing"));
    assert!(b("//missing = false()"));
    assert!(b("//a = true()"));
    assert!(b("2 > //a/@id"));
    assert!(b("'2' >= '10' = false()"));
    assert!(b("'abc' = 'abc'"));
    assert!(b("1 = '1.0'"));
    assert!(b("true() = 'x'"));
    assert!(b("'' = false()"));
    assert!(!b("0 div 0 = 0 div 0"));
    assert!(b("0 div 0 != 0 div 0"));
    assert!(b("//v < 0"));
    assert!(b("//v > 2"));
    assert!(!b("//v > 3"));
}

#[test]
fn string_functions() {
    assert_eq!(s("string(1)"), "1");
    assert_eq!(s("string(true())"), "true");
    assert_eq!(s("string(//a)"), "one");
    assert_eq!(s("string(//missing)"), "");
    assert_eq!(s("concat('a', 1, true())"), "a1true");
    assert!(b("starts-with('hello', 'he')"));
    assert!(b("starts-with('hello', '')"));
    assert!(b("contains('hello', 'll')"));
    assert_eq!(s("substring-before('1999/04/01', '/')"), "1999");
    assert_eq!(s("substring-after('1999/04/01', '/')"), "04/01");
    assert_eq!(s("substring-after('abc', '')"), "abc");
    assert_eq!(s("substring('12345', 2, 3)"), "234");
    assert_eq!(s("substring('12345', 2)"), "2345");
    assert_eq!(s("substring('12345', 1.5, 2.6)"), "234");
    assert_eq!(s("substring('12345', 0, 3)"), "12");
    assert_eq!(s("substring('12345', 0 div 0, 3)"), "");
    assert_eq!(s("substring('12345', 1, 0 div 0)"), "");
    assert_eq!(s("substring('12345', -42, 1 div 0)"), "12345");
    assert_eq!(s("substring('12345', -1 div 0, 1 div 0)"), "");
    assert_eq!(n("string-length('héllo')"), 5.0);
    assert_eq!(n("string-length(//a)"), 3.0);
    assert_eq!(s("normalize-space(//n)"), "spaced out");
    assert_eq!(s("translate('bar', 'abc', 'ABC')"), "BAr");
    assert_eq!(s("translate('--aaa--', 'abc-', 'ABC')"), "AAA");
    let doc = roxmltree::Document::parse("<r>  x  y </r>").unwrap();
    let x = XPath::compile("normalize-space()", &ns()).unwrap();
    let root = doc.root_element();
    assert_eq!(x.evaluate(root).unwrap().string(), "x y");
    let x = XPath::compile("string-length()", &ns()).unwrap();
    assert_eq!(x.evaluate(root).unwrap().number(), 7.0);
}

#[test]
fn node_functions() {
    assert_eq!(s("local-name(//p:c)"), "c");
    assert_eq!(s("name(//p:c)"), "p:c");
    assert_eq!(s("name(//p:c/@p:attr)"), "p:attr");
    assert_eq!(s("namespace-uri(//p:c)"), "urn:p");
    assert_eq!(s("name(//d:e)"), "e");
    assert_eq!(s("namespace-uri(//d:e)"), "urn:d");
    assert_eq!(s("name(/)"), "");
    assert_eq!(s("name(//missing)"), "");
    assert_eq!(s("local-name(//processing-instruction())"), "target");
    assert_eq!(s("name(/*/@xml:lang)"), "xml:lang");
    assert_eq!(n("count(//a)"), 2.0);
    assert_eq!(n("sum(//v)"), 0.5);
    assert!(n("sum(//a)").is_nan());
    assert_eq!(n("sum(//missing)"), 0.0);
    assert!(!b("lang('en')"), "the root node has no xml:lang");
    assert!(b("/*[lang('en')]"));
    assert!(b("//a[lang('EN-gb')]"));
    assert!(!b("/*[lang('fr')]"));
    let doc =
        roxmltree::Document::parse("<r><x xml:id='k1'/><y xml:id='k2'/><z id='k3'/></r>").unwrap();
    assert_eq!(eval_doc(&doc, "count(id('k2 k1 nope'))").number(), 2.0);
    assert_eq!(eval_doc(&doc, "name(id('k2'))").string(), "y");
    assert_eq!(eval_doc(&doc, "count(id(//x/@xml:id))").number(), 1.0);
}

#[test]
fn number_functions() {
    assert_eq!(n("number('  12.5 ')"), 12.5);
    assert!(n("number('+1')").is_nan());
    assert!(n("number('1e3')").is_nan());
    assert!(n("number('Infinity')").is_nan());
    assert_eq!(n("number(true())"), 1.0);
    assert_eq!(n("number(//v[2])"), 2.5);
    assert_eq!(n("floor(-1.5)"), -2.0);
    assert_eq!(n("ceiling(-1.5)"), -1.0);
    assert_eq!(n("round(2.5)"), 3.0);
    assert_eq!(n("round(-2.5)"), -2.0);
    assert_eq!(s("round(-0.5)"), "0");
    assert!(n("round(-0.5)").is_sign_negative());
    assert!(n("round(0 div 0)").is_nan());
    assert_eq!(s("1 div round(-0.4)"), "-Infinity");
    assert!(b("boolean(1)"));
    assert!(!b("boolean(0 div 0)"));
    assert!(!b("boolean('')"));
    assert!(b("boolean(//a)"));
    assert!(b("not(false())"));
    assert!(b("true()") && !b("false()"));
    assert_eq!(n("last()"), 1.0);
    assert_eq!(n("position()"), 1.0);
    assert_eq!(
        s("1000000 * 1000000 * 1000000 * 1000"),
        "1000000000000000000000"
    );
    assert_eq!(s("1 div 10000000"), "0.0000001");
    assert_eq!(s("-0"), "0");
    assert_eq!(s("2.50"), "2.5");
}

#[test]
fn parse_errors_have_columns() {
    let e = perr("count(//a");
    assert_eq!(e.column, 10);
    assert!(
        e.message.contains("expected ')' after function arguments"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("unexpected end of expression"),
        "{}",
        e.message
    );
    let e = perr("foo(1)");
    assert_eq!(
        (e.column, e.message.as_str()),
        (1, "unknown function 'foo'")
    );
    let e = perr("1 + q:x");
    assert_eq!(
        (e.column, e.message.as_str()),
        (5, "undeclared namespace prefix 'q'")
    );
    let e = perr("count(1, 2)");
    assert_eq!(e.column, 1);
    assert!(e.message.contains("count"));
    assert_eq!(perr("concat('a')").column, 1);
    assert_eq!(perr("substring('a')").column, 1);
    assert_eq!(perr("  true(1)").column, 3);
    assert_eq!(perr("").column, 1);
    assert_eq!(perr("1 +").column, 4);
    assert_eq!(perr("//a[").column, 5);
    assert_eq!(perr("//a[]").column, 5);
    assert_eq!(perr("a/").column, 3);
    assert_eq!(perr("a]").column, 2);
    assert_eq!(perr("bogus::a").column, 1);
    assert_eq!(perr("a b").column, 3);
    assert_eq!(perr("'x").column, 1);
    assert_eq!(perr("$").column, 1);
    assert_eq!(perr("@").column, 2);
    assert_eq!(perr("p:f()").column, 1);
    assert_eq!(perr("3 + foo(").message, "unknown function 'foo'");
    assert_eq!(perr("3 + foo(").column, 5);
    assert_eq!(perr("q:f()").message, "undeclared namespace prefix 'q'");
    let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    assert!(perr(&deep).message.contains("nested"));
    let ok = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    assert!(XPath::compile(&ok, &ns()).is_ok());
    let preds = format!("a{}", "[b".repeat(300) + &"]".repeat(300));
    assert!(perr(&preds).message.contains("nested"));
}

#[test]
fn long_flat_chains_do_not_recurse() {
    let expr = vec!["1"; 20_000].join(" + ");
    let x = XPath::compile(&expr, &ns()).unwrap();
    let doc = roxmltree::Document::parse("<r/>").unwrap();
    assert_eq!(x.evaluate(doc.root()).unwrap().number(), 20_000.0);
    let expr = format!("{}1", "-".repeat(20_001));
    let x = XPath::compile(&expr, &ns()).unwrap();
    assert_eq!(x.evaluate(doc.root()).unwrap().number(), -1.0);
    let expr = vec!["//a"; 5_000].join(" | ");
    assert!(XPath::compile(&expr, &ns()).is_ok());
}

struct Env;

impl<'a, 'i> Environment<'a, 'i> for Env {
    fn variable(&self, name: &QName<'_>) -> Option<Value<'a, 'i>> {
        match (name.prefix, name.namespace, name.local) {
            (None, None, "n") => Some(Value::Number(2.0)),
            (Some("ctx"), None, "prop") => Some(Value::String(Cow::Borrowed("ctx-value"))),
            (Some("p"), Some("urn:p"), "v") => Some(Value::String(Cow::Borrowed("p-value"))),
            _ => None,
        }
    }
    fn function(
        &self,
        name: &QName<'_>,
        args: Vec<Value<'a, 'i>>,
        context: XNode<'a, 'i>,
    ) -> Option<Result<Value<'a, 'i>, EvalError>> {
        match name.local {
            "get-property" => Some(Ok(Value::String(Cow::Owned(format!(
                "prop:{}",
                args.first()
                    .map(|a| a.string().into_owned())
                    .unwrap_or_default()
            ))))),
            "ctx-name" => Some(Ok(Value::String(Cow::Owned(context.name().into_owned())))),
            "fail" => Some(Err(EvalError::Custom("boom".into()))),
            _ => None,
        }
    }
}

struct Lib;

impl FunctionLibrary for Lib {
    fn has_function(&self, name: &QName<'_>, arity: usize) -> bool {
        matches!(
            (name.namespace, name.local, arity),
            (None, "get-property", 1)
                | (None, "ctx-name", 0)
                | (None, "fail", 0)
                | (None, "missing-at-runtime", 0)
                | (Some("urn:p"), "f", 0)
        )
    }
}

fn env_eval(expr: &str) -> Result<String, EvalError> {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    let x = XPath::compile_with(expr, &ns(), &Lib).unwrap_or_else(|e| panic!("{expr}: {e}"));
    x.evaluate_with(XNode::Node(doc.root_element()), &Env)
        .map(|v| v.string().into_owned())
}

#[test]
fn variables_and_extensions() {
    assert_eq!(env_eval("a[$n]/@id").unwrap(), "2");
    assert_eq!(env_eval("$ctx:prop").unwrap(), "ctx-value");
    assert_eq!(env_eval("$p:v").unwrap(), "p-value");
    assert_eq!(
        env_eval("concat(get-property('x'), '!')").unwrap(),
        "prop:x!"
    );
    assert_eq!(env_eval("ctx-name()").unwrap(), "root");
    assert_eq!(env_eval("a[ctx-name() = 'a'][2]/@id").unwrap(), "2");
    assert_eq!(
        env_eval("$nope"),
        Err(EvalError::UnknownVariable("nope".into()))
    );
    assert_eq!(
        env_eval("$trp:Content-Type"),
        Err(EvalError::UnknownVariable("trp:Content-Type".into()))
    );
    assert_eq!(env_eval("fail()"), Err(EvalError::Custom("boom".into())));
    assert!(matches!(
        env_eval("missing-at-runtime()"),
        Err(EvalError::UnknownFunction(_))
    ));
    assert!(XPath::compile_with("p:f()", &ns(), &Lib).is_ok());
    assert_eq!(
        XPath::compile_with("get-property()", &ns(), &Lib)
            .unwrap_err()
            .column,
        1
    );
    assert!(XPath::compile("get-property('x')", &ns()).is_err());
}

#[test]
fn type_errors() {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    for expr in [
        "count(1)", "'a'/b", "1 | //a", "(1)[1]", "sum('x')", "name(1)",
    ] {
        let x = XPath::compile(expr, &ns()).unwrap();
        assert!(
            matches!(x.evaluate(doc.root()), Err(EvalError::Type(_))),
            "{expr}"
        );
    }
}

#[test]
fn results_are_in_document_order() {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    let v = eval_doc(&doc, "//b/ancestor::* | //v | //a/@x | //a");
    let nodes = v.into_nodes().unwrap();
    let mut sorted = nodes.clone();
    sorted.sort_by(XNode::document_order);
    assert_eq!(nodes, sorted);
    assert_eq!(nodes.len(), 1 + 2 + 2 + 3);
    assert_eq!(
        eval_doc(&doc, "//a/preceding-sibling::node()[1]")
            .as_nodes()
            .unwrap()
            .len(),
        2
    );
    // Reverse axis: the node-set is in document order although positions count backwards.
    let v = eval_doc(&doc, "//b/ancestor::*").into_nodes().unwrap();
    assert_eq!(v[0].name(), "root");
}

#[test]
fn string_values_borrow() {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    let v = eval_doc(&doc, "string(//a/@id)");
    assert!(matches!(v, Value::String(Cow::Borrowed("1"))));
    let v = eval_doc(&doc, "string(//a[1])");
    assert!(matches!(v, Value::String(Cow::Borrowed("one"))));
}

#[test]
fn context_can_be_an_attribute() {
    let doc = roxmltree::Document::parse(DOC).unwrap();
    let attr = eval_doc(&doc, "//a[2]/@x").into_nodes().unwrap()[0];
    let x = XPath::compile("concat(name(), '=', ., ' on ', name(..))", &ns()).unwrap();
    assert_eq!(x.evaluate_with(attr, &Env).unwrap().string(), "x=20 on a");
    assert_eq!(attr.node_type(), XNodeType::Attribute);
}

#[test]
fn xpath_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<XPath>();
}

#[test]
fn descendant_rewrite_keeps_positional_semantics() {
    let doc = roxmltree::Document::parse("<r><s><x>1</x><x>2</x></s><s><x>3</x></s></r>").unwrap();
    let count = |e: &str| eval_doc(&doc, e).number();
    assert_eq!(count("count(//x[1])"), 2.0);
    assert_eq!(count("count(//x[last()])"), 2.0);
    assert_eq!(count("count(//x[position() = 2])"), 1.0);
    assert_eq!(count("count(/descendant::x[1])"), 1.0);
    assert_eq!(count("count((//x)[1])"), 1.0);
    assert_eq!(count("count(//x[. > 1])"), 2.0);
    assert_eq!(count("count(//x[. > 1][1])"), 2.0);
    assert_eq!(count("count(//x[string(position())])"), 3.0);
    assert_eq!(
        count("count(//x[number(.)])"),
        2.0,
        "numeric predicate compares with position"
    );
    assert_eq!(count("count(//s[x[2]])"), 1.0);
}

#[test]
fn reverse_axes_count_backwards() {
    let doc = roxmltree::Document::parse("<r><a/><b/><c><d/></c></r>").unwrap();
    let name = |e: &str| eval_doc(&doc, e).string().into_owned();
    assert_eq!(name("name(//c/preceding-sibling::*[1])"), "b");
    assert_eq!(name("name(//c/preceding-sibling::*[last()])"), "a");
    assert_eq!(name("name(//d/ancestor::*[1])"), "c");
    assert_eq!(name("name(//d/ancestor-or-self::*[1])"), "d");
    assert_eq!(name("name(//d/preceding::*[1])"), "b");
    assert_eq!(name("name((//d/preceding::*)[1])"), "a");
    assert_eq!(name("name(//a/following::*[2])"), "c");
}

#[derive(Debug)]
struct NodesEnv<'a, 'i>(Vec<XNode<'a, 'i>>);

impl<'a, 'i> Environment<'a, 'i> for NodesEnv<'a, 'i> {
    fn variable(&self, _name: &QName<'_>) -> Option<Value<'a, 'i>> {
        Some(Value::NodeSet(self.0.clone()))
    }
}

#[test]
fn environment_node_sets_are_normalised() {
    let doc = roxmltree::Document::parse("<r><a>1</a><a>2</a></r>").unwrap();
    let mut nodes: Vec<XNode<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("a"))
        .map(XNode::Node)
        .collect();
    nodes.reverse();
    nodes.push(nodes[0]);
    let env = NodesEnv(nodes);
    let x = XPath::compile("concat(count($v), $v[1], string($v))", &ns()).unwrap();
    assert_eq!(
        x.evaluate_with(XNode::Node(doc.root()), &env)
            .unwrap()
            .string(),
        "211"
    );
}

#[test]
fn node_identity_and_hash() {
    use std::collections::HashSet;
    let doc = roxmltree::Document::parse(DOC).unwrap();
    let a = eval_doc(&doc, "//a | //a/@* | /*/namespace::*")
        .into_nodes()
        .unwrap();
    let b = eval_doc(&doc, "/*/namespace::* | //a/@* | //a")
        .into_nodes()
        .unwrap();
    assert_eq!(a, b);
    let set: HashSet<_> = a.iter().chain(b.iter()).copied().collect();
    assert_eq!(set.len(), a.len());
    assert_eq!(a[0].document_order(&a[1]), std::cmp::Ordering::Less);
    assert_eq!(
        a[0].parent().map(|p| p.node_type()),
        Some(XNodeType::Element)
    );
}

proptest! {
    #[test]
    fn parser_never_panics(input in ".{0,40}") {
        let _ = XPath::compile(&input, &ns());
    }

    #[test]
    fn parser_never_panics_on_xpathish(input in "[-/@:*()\\[\\]|.,$ 'a-z0-9=<>!]{0,40}") {
        if let Ok(x) = XPath::compile(&input, &ns()) {
            // A tiny document: nested `//` predicates cost O(n^depth).
            let doc = roxmltree::Document::parse("<a b='1'><a>2</a>x</a>").unwrap();
            let _ = x.evaluate(doc.root());
        }
    }

    #[test]
    fn number_round_trips_through_xpath(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let s = format_number(x);
        let back = parse_number(&s);
        prop_assert_eq!(back, if x == 0.0 { 0.0 } else { x });
    }
}

struct XEnv;

impl<'a, 'i> Environment<'a, 'i> for XEnv {
    fn variable(&self, _name: &QName<'_>) -> Option<Value<'a, 'i>> {
        Some(Value::Number(1.0))
    }
}

/// Maximum nesting compiles and evaluates within a 2 MiB stack (the test-thread default), even
/// in debug builds.
#[test]
fn max_nesting_fits_default_stack() {
    let d = MAX_NESTING - 1;
    let cases = vec![
        format!("{}1{}", "(".repeat(d), ")".repeat(d)),
        format!("/*{}", "[*".repeat(d) + &"]".repeat(d)),
        format!("{}1{}", "concat('a', ".repeat(d), ")".repeat(d)),
        format!("{}1{}", "(1 + -".repeat(d), ")".repeat(d)),
        // One node per level keeps evaluation linear.
        format!("{}1{}", "(/ | /)[".repeat(d), "]".repeat(d)),
        format!("{}1{}", "(/)[$x = ".repeat(d), "]".repeat(d)),
    ];
    for c in cases {
        let h = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let x = XPath::compile(&c, &ns()).unwrap();
                let doc = roxmltree::Document::parse("<r><a><a/></a></r>").unwrap();
                let _ = x.evaluate_with(XNode::Node(doc.root()), &XEnv);
                let too_deep = format!("({c})");
                assert!(
                    XPath::compile(&too_deep, &ns())
                        .unwrap_err()
                        .message
                        .contains("nested")
                );
            })
            .unwrap();
        h.join().unwrap();
    }
}

/// Timing smoke test: `cargo test --release -p mediate-xpath --lib -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn timing_parse_and_evaluate_1k() {
    let mut doc = String::from("<orders>");
    let mut i = 0;
    while doc.len() < 1000 {
        doc.push_str(&format!(
            "<order><id>A-{i}</id><customer id='{i}'><name>John</name></customer><total>18.5</total></order>"
        ));
        i += 1;
    }
    doc.push_str("</orders>");
    let x = XPath::compile("//order/id", &Namespaces::new()).unwrap();
    let iters = 200_000;
    let start = std::time::Instant::now();
    let mut total = 0usize;
    for _ in 0..iters {
        let d = roxmltree::Document::parse(&doc).unwrap();
        total += x
            .evaluate(d.root())
            .unwrap()
            .as_nodes()
            .map_or(0, <[_]>::len);
    }
    let per = start.elapsed() / iters;
    let start = std::time::Instant::now();
    for _ in 0..iters {
        let d = roxmltree::Document::parse(&doc).unwrap();
        total += d.descendants().count();
    }
    let parse_only = start.elapsed() / iters;
    let d = roxmltree::Document::parse(&doc).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..iters {
        total += x
            .evaluate(d.root())
            .unwrap()
            .as_nodes()
            .map_or(0, <[_]>::len);
    }
    let eval_only = start.elapsed() / iters;
    eprintln!(
        "{} bytes: parse+eval {per:?}, parse {parse_only:?}, eval {eval_only:?} ({total})",
        doc.len()
    );
}

#[test]
fn name_reports_the_prefix_as_written() {
    let doc = roxmltree::Document::parse(
        r#"<r xmlns:a="urn:x" xmlns:b="urn:x"><b:e b:at="1"/><a:e/></r>"#,
    )
    .unwrap();
    let mut ns = Namespaces::new();
    ns.insert("x", "urn:x");
    let names = |e: &str| {
        XPath::compile(e, &ns)
            .unwrap()
            .evaluate(doc.root())
            .unwrap()
            .string()
            .into_owned()
    };
    assert_eq!(names("name(/r/x:e[1])"), "b:e");
    assert_eq!(names("name(/r/x:e[2])"), "a:e");
    assert_eq!(names("name(/r/x:e[1]/@x:at)"), "b:at");
    assert_eq!(names("local-name(/r/x:e[1])"), "e");
}
