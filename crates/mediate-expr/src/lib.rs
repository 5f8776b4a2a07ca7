//! Compile-once, evaluate-many expressions with the semantics of WSO2 Micro Integrator.
//!
//! MI users write three expression languages, and [`Expression::compile`] tells them apart
//! exactly as Synapse does:
//!
//! | text | language | module |
//! |---|---|---|
//! | `${payload.order.total * 1.2}` | Synapse expression (MI 4.4) | [`synapse`] |
//! | `json-eval($.order.items[*].sku)` | JSONPath with Jayway's result shapes | [`jsonpath`] |
//! | `//order/id`, `get-property('To')`, `$ctx:name` | XPath 1.0 + Synapse functions and variables | [`xpath`] |
//!
//! Every compile error carries the 1-based column where it failed; evaluation errors are typed,
//! never panics.
//!
//! ```
//! use mediate_expr::Expression;
//! use mediate_message::MessageContext;
//! use mediate_xpath::Namespaces;
//!
//! let msg = MessageContext::from_json(r#"{"order":{"id":"A-1","total":10.5,"items":[{"sku":"x"},{"sku":"y"}]}}"#);
//! let ns = Namespaces::new();
//! let eval = |e: &str| Expression::compile(e, &ns).unwrap().evaluate_string(&msg).unwrap();
//! assert_eq!(eval("${payload.order.total * 2}"), "21.0");
//! assert_eq!(eval("json-eval($.order.items[*].sku)"), r#"["x","y"]"#);
//! assert_eq!(eval("//order/id"), "A-1"); // XPath sees JSON through MI's JSON→XML mapping
//! let err = Expression::compile("count(//item", &ns).unwrap_err();
//! assert_eq!(err.column, 13);
//! ```

pub mod datefmt;
mod expression;
pub mod java;
pub mod jsonpath;
mod message_env;
pub mod synapse;
pub mod xpath;

pub use expression::{CompileError, Evaluated, EvaluationError, Expression, ExpressionKind};
/// Prefix bindings for compiling expressions (from `mediate-xpath`).
pub use mediate_xpath::Namespaces;
/// An XPath 1.0 value, as [`Evaluated::XPath`] holds it: node-set, boolean, number or string,
/// with XPath's conversions [`XPathValue::string`], [`XPathValue::number`],
/// [`XPathValue::boolean`] and the nodes of a node-set ([`XPathValue::as_nodes`],
/// [`XPathValue::into_nodes`]). Node-sets borrow the message's parsed envelope.
pub use mediate_xpath::Value as XPathValue;
/// A node of an XPath result ([`Evaluated::XPath`] node-sets): a tree node, or an attribute or
/// namespace node carried with its owner element. Match on it (or use
/// [`XNode::node_type`]) to tell attributes from elements; [`XNode::node`] is the roxmltree node
/// (the owner element for an attribute or namespace node), [`XNode::string_value`] its XPath
/// string-value, [`XNode::local_name`] / [`XNode::namespace_uri`] / [`XNode::name`] its name.
pub use mediate_xpath::XNode;
/// The XPath type of an [`XNode`] (root, element, attribute, namespace, text, comment,
/// processing instruction), from [`XNode::node_type`].
pub use mediate_xpath::XNodeType;
/// The namespace of the XPath functions: a function name whose prefix is bound to it is the
/// core function of that local name (`fn:concat`).
pub use mediate_xpath::XPATH_FUNCTIONS_NAMESPACE;
/// XPath 1.0's `string()` of a number (`1`, `0.5`, `NaN`, `Infinity`: no `.0`, no exponent).
pub use mediate_xpath::format_number as xpath_format_number;
pub use message_env::{MessageEnv, property_to_expr, variable_to_expr, xpath_to_expr};
