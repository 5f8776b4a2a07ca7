//! The address a leaf endpoint sends to: an `<address uri>` with its `${…}` parts filled and
//! `REST_URL_POSTFIX` appended, or an `<http uri-template>` expanded (RFC 6570, with
//! `iri-string`) from the message's `uri.var.*` and `query.param.*` values.

use std::borrow::Cow;

use iri_string::spec::UriSpec;
use iri_string::template::UriTemplateStr;
use iri_string::template::simple_context::SimpleContext;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::{Expression, MessageContext, Namespaces, Scope};

/// The Synapse property prefix of uri-template variables.
const URI_VAR: &str = "uri.var.";
/// The Synapse property prefix of query parameters.
const QUERY_PARAM: &str = "query.param.";

/// An `<address uri>` split at its `${NAME}` parts, each compiled once when the endpoint is
/// built, so that filling it for a message compiles nothing.
///
/// A part is filled with the Synapse property `NAME` (Synapse's
/// `EndpointDefinition.getAddress`), else with the value of the Synapse expression `${NAME}`
/// when `NAME` is one (`${configs.host}`), else with nothing. A `NAME` that is not an
/// expression is no error: in Synapse it is only a property name.
#[derive(Debug)]
pub(crate) struct Address {
    /// The address as written.
    text: String,
    /// Its parts in order; empty when it has no `${…}` part (the text is sent as it is).
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Literal(String),
    Placeholder {
        /// The property name: the text between `${` and `}`, trimmed.
        name: String,
        /// `${NAME}` compiled, when it is an expression (boxed: most parts are text).
        expression: Option<Box<Expression>>,
    },
}

impl Address {
    /// Splits `uri` at its `${…}` parts and compiles each (prefixes resolved with `ns`, the
    /// endpoint's namespaces). A `${` without its `}` is text.
    pub(crate) fn compile(uri: &str, ns: &Namespaces) -> Self {
        let mut parts = Vec::new();
        let mut rest = uri;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                break;
            };
            if start > 0 {
                parts.push(Part::Literal(rest[..start].to_owned()));
            }
            let name = after[..end].trim();
            parts.push(Part::Placeholder {
                name: name.to_owned(),
                expression: Expression::compile(&format!("${{{name}}}"), ns)
                    .ok()
                    .map(Box::new),
            });
            rest = &after[end + 1..];
        }
        if !parts.is_empty() && !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Self {
            text: uri.to_owned(),
            parts,
        }
    }

    /// Whether filling the address may read the payload (a `${payload…}` part).
    pub(crate) fn reads_payload(&self) -> bool {
        self.parts.iter().any(
            |p| matches!(p, Part::Placeholder { expression: Some(e), .. } if e.reads_payload()),
        )
    }

    /// The address for `msg`: every `${…}` part filled (an expression evaluated with `scope`,
    /// the environment's local entries).
    pub(crate) fn fill(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> Cow<'_, str> {
        if self.parts.is_empty() {
            return Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Placeholder { name, expression } => {
                    match msg.scoped_property(Scope::Default, name) {
                        Some(value) => out.push_str(&value.as_string()),
                        None => {
                            if let Some(value) = expression
                                .as_ref()
                                .and_then(|e| e.evaluate_string_in(msg, scope).ok())
                            {
                                out.push_str(&value);
                            }
                        }
                    }
                }
            }
        }
        Cow::Owned(out)
    }
}

/// `address` with `postfix` (MI's `REST_URL_POSTFIX`: the rest of the request path after the
/// API context, and its query) appended as Synapse's address endpoint does: exactly one `/`
/// between them, and a query merged with the one the address already has.
///
/// ```text
/// http://b/api  + /orders/7?x=1  → http://b/api/orders/7?x=1
/// http://b/api/ + /orders        → http://b/api/orders
/// http://b/api  + orders         → http://b/api/orders
/// http://b/api?k=v + /o?x=1      → http://b/api/o?k=v&x=1
/// http://b/api  + ?x=1           → http://b/api?x=1
/// ```
pub(crate) fn append_postfix(address: &str, postfix: &str) -> String {
    if postfix.is_empty() {
        return address.to_owned();
    }
    let (base, base_query) = split_query(address);
    let (path, query) = split_query(postfix);
    let mut out = String::with_capacity(address.len() + postfix.len() + 1);
    out.push_str(base);
    if !path.is_empty() {
        match (base.ends_with('/'), path.starts_with('/')) {
            (true, true) => out.push_str(&path[1..]),
            (false, false) => {
                out.push('/');
                out.push_str(path);
            }
            _ => out.push_str(path),
        }
    }
    let mut separator = '?';
    for q in [base_query, query].into_iter().flatten() {
        if !q.is_empty() {
            out.push(separator);
            out.push_str(q);
            separator = '&';
        }
    }
    out
}

/// The text before the first `?` and what follows it, if there is one. A byte scan: on a
/// short URL it costs a fraction of `str::split_once`'s searcher, and it runs on every send.
fn split_query(text: &str) -> (&str, Option<&str>) {
    match text.bytes().position(|b| b == b'?') {
        // `?` is ASCII: both sides are on character boundaries.
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    }
}

/// Expands an `<http uri-template>` with the message's values: the request's path parameters
/// as `uri.var.NAME` and query parameters as `query.param.NAME`, then the message's Synapse
/// properties with those prefixes (where the endpoint's own `<property>`s are set before it
/// sends), each later source winning, as in Synapse's `HTTPEndpoint`. A template with
/// `legacy-encoding:` has its expansion decoded again (MI's legacy behaviour: values are taken
/// as already encoded), keeping only the characters a URI cannot hold encoded.
pub(crate) fn expand_template(
    template: &str,
    legacy_encoding: bool,
    msg: &MessageContext,
) -> Result<String, String> {
    let parsed = UriTemplateStr::new(template)
        .map_err(|e| format!("`{template}` is not a valid URI template: {e}"))?;
    let mut context = SimpleContext::new();
    for (name, value) in msg.path_params() {
        context.insert(format!("{URI_VAR}{name}"), value.as_str());
    }
    for (name, value) in msg.query_params().iter().rev() {
        // Reversed, so that the first value of a repeated parameter is the one kept.
        context.insert(format!("{QUERY_PARAM}{name}"), value.as_str());
    }
    for (name, value) in msg.properties() {
        if name.starts_with(URI_VAR) || name.starts_with(QUERY_PARAM) {
            context.insert(name.as_ref(), value.as_string());
        }
    }
    let expanded = parsed
        .expand::<UriSpec, _>(&context)
        .map_err(|e| format!("cannot expand the URI template `{template}`: {e}"))?
        .to_string();
    if !legacy_encoding {
        return Ok(expanded);
    }
    let decoded = percent_encoding::percent_decode_str(&expanded).decode_utf8_lossy();
    Ok(reencode_unsafe(&decoded))
}

/// Percent-encodes what a URI can never hold as it is (spaces, controls, quotes, non-ASCII…),
/// leaving reserved characters and existing escapes alone.
fn reencode_unsafe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_joins_with_one_slash_and_merges_queries() {
        assert_eq!(
            append_postfix("http://b/api", "/orders/7?x=1"),
            "http://b/api/orders/7?x=1"
        );
        assert_eq!(
            append_postfix("http://b/api/", "/orders"),
            "http://b/api/orders"
        );
        assert_eq!(
            append_postfix("http://b/api", "orders"),
            "http://b/api/orders"
        );
        assert_eq!(
            append_postfix("http://b/api/", "orders"),
            "http://b/api/orders"
        );
        assert_eq!(
            append_postfix("http://b/api?k=v", "/o?x=1"),
            "http://b/api/o?k=v&x=1"
        );
        assert_eq!(append_postfix("http://b/api", "?x=1"), "http://b/api?x=1");
        // Empty queries are dropped; only the first `?` of each side splits.
        assert_eq!(append_postfix("http://b/api?", "/o?"), "http://b/api/o");
        assert_eq!(
            append_postfix("http://b/api?a=1?b", "/o?c=?"),
            "http://b/api/o?a=1?b&c=?"
        );
        assert_eq!(append_postfix("http://b/api", ""), "http://b/api");
    }

    #[test]
    fn templates_expand_path_and_query_values() {
        let mut msg = MessageContext::empty();
        msg.set_path_param("id", "a b");
        msg.set_property("uri.var.kind", "x/y");
        msg.set_property("query.param.q", "1");
        let url = expand_template(
            "http://h/items/{uri.var.id}/{uri.var.kind}{?query.param.q}",
            false,
            &msg,
        )
        .unwrap();
        assert_eq!(url, "http://h/items/a%20b/x%2Fy?query.param.q=1");
        let legacy = expand_template("http://h/{uri.var.kind}", true, &msg).unwrap();
        assert_eq!(legacy, "http://h/x/y");
    }

    fn fill(uri: &str, msg: &MessageContext) -> String {
        Address::compile(uri, &Namespaces::default())
            .fill(msg, &XPathScope::default())
            .into_owned()
    }

    #[test]
    fn properties_fill_address_parts() {
        let mut msg = MessageContext::empty();
        msg.set_property("host", "backend:8080");
        msg.set_property("path", "orders");
        assert_eq!(fill("http://${host}/x", &msg), "http://backend:8080/x");
        assert_eq!(
            fill("http://${ host }/${path}?q=${host}", &msg),
            "http://backend:8080/orders?q=backend:8080"
        );
        assert_eq!(fill("http://${missing}/x", &msg), "http:///x");
        assert_eq!(fill("http://plain/x", &msg), "http://plain/x");
        // A `${` without its `}` is text, and so is what follows it.
        assert_eq!(
            fill("http://${host}/${open", &msg),
            "http://backend:8080/${open"
        );
        assert_eq!(fill("http://b/${open", &msg), "http://b/${open");
    }

    #[test]
    fn a_part_that_is_no_property_is_its_expression_compiled_once() {
        let mut msg = MessageContext::empty();
        msg.set_property("host", "backend:8080");
        let address = Address::compile(
            "http://${properties.synapse.host}/${a b}",
            &Namespaces::default(),
        );
        let compiled: Vec<bool> = address
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Placeholder { expression, .. } => Some(expression.is_some()),
                Part::Literal(_) => None,
            })
            .collect();
        // `a b` is no expression: only a property name, as in Synapse, and no error.
        assert_eq!(compiled, [true, false]);
        assert_eq!(
            address.fill(&msg, &XPathScope::default()),
            "http://backend:8080/"
        );
        // The property of that exact name wins over the expression.
        msg.set_property("properties.synapse.host", "named:1");
        msg.set_property("a b", "spaced");
        assert_eq!(
            address.fill(&msg, &XPathScope::default()),
            "http://named:1/spaced"
        );
        assert!(!address.reads_payload());
        assert!(
            Address::compile("http://${payload.host}/x", &Namespaces::default()).reads_payload()
        );
    }
}
