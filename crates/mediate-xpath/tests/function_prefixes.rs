//! Prefixed function names, resolved as Jaxen (Synapse's XPath engine) resolves them.
//!
//! Facts (Jaxen 1.1 `DefaultFunctionCallExpr.evaluate`, `ContextSupport`,
//! `XPathFunctionContext`): the prefix of a function name is translated with the namespace
//! context, which answers `null` for an undeclared prefix; the function is then looked up by
//! (namespace, local name), and the core functions are registered with a `null` namespace.
//! So MI's documented `fn:concat('Normal Stock - ', //m0:symbol)` (property mediator doc,
//! header mediator doc "Setting the endpoint URL dynamically") works without declaring `fn`.
//! A name in the XPath functions namespace is the core function too (what Synapse's XPath 2.0
//! fail-over evaluates it as).

use mediate_xpath::{
    FunctionLibrary, Namespaces, QName, XPATH_FUNCTIONS_NAMESPACE, XPath, roxmltree,
};

fn fn_bound() -> Namespaces {
    let mut ns = Namespaces::new();
    ns.insert("fn", XPATH_FUNCTIONS_NAMESPACE);
    ns
}

fn eval(expr: &str, ns: &Namespaces) -> String {
    let doc = roxmltree::Document::parse("<r><a>1</a><a>2</a><s> x  y </s></r>").unwrap();
    XPath::compile(expr, ns)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .evaluate(doc.root())
        .unwrap()
        .string()
        .into_owned()
}

#[test]
fn fn_bound_to_the_xpath_functions_namespace_is_the_core_function() {
    let ns = fn_bound();
    assert_eq!(eval("fn:concat('a', 'b', //a[2])", &ns), "ab2");
    assert_eq!(eval("fn:count(//a)", &ns), "2");
    assert_eq!(eval("fn:normalize-space(//s)", &ns), "x y");
    assert_eq!(
        eval("fn:substring-after('urn:uuid:1', 'urn:uuid:')", &ns),
        "1"
    );
    // Any prefix bound to that namespace will do.
    let mut other = Namespaces::new();
    other.insert("xf", XPATH_FUNCTIONS_NAMESPACE);
    assert_eq!(eval("xf:string-length('abc')", &other), "3");
}

#[test]
fn mi_doc_fn_concat_without_declaring_fn_is_the_core_concat() {
    // MI property mediator doc: expression="fn:concat('Normal Stock - ', //m0:getQuote/…)"
    // with only m0 declared.
    let none = Namespaces::new();
    assert_eq!(
        eval("fn:concat('Normal Stock - ', //a[1])", &none),
        "Normal Stock - 1"
    );
    assert_eq!(
        eval(
            "fn:concat(fn:substring-after('urn:uuid:9', 'urn:uuid:'), '.xml')",
            &none
        ),
        "9.xml"
    );
    assert_eq!(eval("fn:true() and fn:not(fn:false())", &none), "true");
}

#[test]
fn core_arity_is_checked_for_prefixed_names_at_the_name_column() {
    let e = XPath::compile("1 + fn:concat('a')", &fn_bound()).unwrap_err();
    assert_eq!(e.column, 5);
    assert!(e.message.contains("concat"), "{}", e.message);
    let e = XPath::compile("fn:count()", &Namespaces::new()).unwrap_err();
    assert_eq!(e.column, 1);
}

#[test]
fn undeclared_prefix_on_an_unknown_function_is_an_error_with_its_column() {
    let e = XPath::compile("1 + q:frobnicate(1)", &Namespaces::new()).unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (5, "undeclared namespace prefix 'q'")
    );
    // Bound to the functions namespace, a name that is no core function is unknown.
    let e = XPath::compile("  fn:frobnicate()", &fn_bound()).unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (3, "unknown function 'fn:frobnicate'")
    );
}

#[test]
fn a_prefix_bound_to_another_namespace_does_not_reach_the_core_functions() {
    let mut ns = Namespaces::new();
    ns.insert("m", "urn:m");
    let e = XPath::compile("m:concat('a', 'b')", &ns).unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (1, "unknown function 'm:concat'")
    );
}

#[test]
fn undeclared_prefixes_in_steps_stay_errors() {
    // Only function names are read leniently; a step with an undeclared prefix is an error.
    let e = XPath::compile("fn:concat(//q:a, 'x')", &Namespaces::new()).unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (13, "undeclared namespace prefix 'q'")
    );
}

/// A library knowing `ext:f` (namespace `urn:ext`) and an unprefixed `g`.
struct Lib;
impl FunctionLibrary for Lib {
    fn has_function(&self, name: &QName<'_>, arity: usize) -> bool {
        arity == 0
            && matches!(
                (name.namespace, name.local),
                (Some("urn:ext"), "f") | (None, "g")
            )
    }
}

#[test]
fn extension_functions_see_the_resolved_namespace() {
    let mut ns = Namespaces::new();
    ns.insert("ext", "urn:ext");
    assert!(XPath::compile_with("ext:f()", &ns, &Lib).is_ok());
    // An undeclared prefix gives no namespace, as in Jaxen: `x:g()` is `g()`.
    assert!(XPath::compile_with("x:g()", &ns, &Lib).is_ok());
    let e = XPath::compile_with("x:f()", &ns, &Lib).unwrap_err();
    assert_eq!(e.message, "undeclared namespace prefix 'x'");
    // Core functions still win over the library for `fn:`.
    assert!(XPath::compile_with("fn:concat('a', 'b')", &ns, &Lib).is_ok());
}
