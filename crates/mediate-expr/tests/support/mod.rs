//! Shared helpers for the message-level expression tests (`synapse_xpath.rs`, `expression.rs`).
#![allow(dead_code)]

use bytes::Bytes;
use mediate_expr::{CompileError, Expression, ExpressionKind};
use mediate_message::MessageContext;
use mediate_xpath::Namespaces;

/// A namespace map from `(prefix, uri)` pairs.
pub(crate) fn ns(pairs: &[(&str, &str)]) -> Namespaces {
    let mut n = Namespaces::new();
    for (p, u) in pairs {
        n.insert(*p, *u);
    }
    n
}

/// Compile `expr` (no namespaces) and evaluate it to the string a mediator sees.
pub(crate) fn eval(msg: &MessageContext, expr: &str) -> String {
    eval_ns(msg, expr, &Namespaces::new())
}

/// Compile `expr` with `namespaces` and evaluate it to the string a mediator sees.
pub(crate) fn eval_ns(msg: &MessageContext, expr: &str, namespaces: &Namespaces) -> String {
    let e = Expression::compile(expr, namespaces).unwrap_or_else(|e| panic!("compile {expr}: {e}"));
    e.evaluate_string(msg)
        .unwrap_or_else(|e| panic!("evaluate {expr}: {e}"))
}

/// The compile error of `expr`, which must not compile.
pub(crate) fn compile_err(expr: &str) -> CompileError {
    match Expression::compile(expr, &Namespaces::new()) {
        Err(e) => e,
        Ok(_) => panic!("{expr} compiled"),
    }
}

/// The language `expr` is read as.
pub(crate) fn kind(expr: &str) -> ExpressionKind {
    Expression::compile(expr, &Namespaces::new())
        .unwrap_or_else(|e| panic!("compile {expr}: {e}"))
        .kind()
}

/// An HTTP request message as the HTTP listener builds it.
pub(crate) fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: &str,
) -> MessageContext {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    if let Some(ct) = content_type {
        b = b.header("Content-Type", ct);
    }
    MessageContext::from_http_request(b.body(Bytes::from(body.to_owned())).unwrap())
}

/// A SOAP 1.1 envelope around `body` (with an optional header block).
pub(crate) fn soap11(header: &str, body: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// A SOAP 1.2 envelope around `body`.
pub(crate) fn soap12(body: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

/// The order payload of MI's "XPath expressions" documentation table.
pub(crate) const ORDER_XML: &str = r#"<order>
    <customer id="1100">
        <name>John Doe</name>
        <email>john@example.com</email>
    </customer>
    <items>
        <item id="101">
            <name>Smartphone</name>
            <price>300</price>
        </item>
        <item id="102">
            <name>Laptop</name>
            <price>1200</price>
        </item>
    </items>
    <total>1500</total>
</order>"#;
