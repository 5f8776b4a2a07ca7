//! XPath 1.0 over [`roxmltree`], with caller-supplied functions and variables.
//!
//! This crate is the expression engine behind mediate's Synapse-compatible mediators: it
//! compiles an XPath 1.0 expression once into an [`XPath`] (resolving namespace prefixes and
//! checking function names and arities up front) and evaluates it many times over roxmltree
//! documents. It implements the whole XPath 1.0 REC: all 13 axes, every core function,
//! REC §3.4 comparisons and XPath's number formatting. Where the REC leaves room, it follows
//! Jaxen, which Synapse uses. Variables and extension functions come from an
//! [`Environment`]; compile-time knowledge of extension functions from a [`FunctionLibrary`].
//!
//! Function names are resolved as Jaxen resolves them, which MI configurations rely on
//! (`fn:concat(…)` is written all over MI's documentation without declaring `fn`): the prefix
//! of a function name gives its namespace when it is declared and none when it is not, so an
//! undeclared `fn:concat` is the core `concat`; a name in [`XPATH_FUNCTIONS_NAMESPACE`] is the
//! core function too. A prefixed name that still names no function is an error at its column
//! (for an undeclared prefix, "undeclared namespace prefix"). Prefixes in location steps and
//! variables are unchanged: an undeclared prefix in a step is an error.
//!
//! It is hand-written because no maintained crate evaluates XPath 1.0 over roxmltree with
//! caller-supplied functions and variables.
//!
//! ```
//! use mediate_xpath::{Namespaces, XPath, roxmltree};
//!
//! let doc = roxmltree::Document::parse("<list><item/><item/><item/></list>").unwrap();
//! let xpath = XPath::compile("count(//item)", &Namespaces::new()).unwrap();
//! let value = xpath.evaluate(doc.root()).unwrap();
//! println!("{}", value.string());
//! assert_eq!(value.number(), 3.0);
//! ```

mod ast;
mod eval;
mod functions;
mod lexer;
mod node;
mod number;
mod parser;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;

pub use node::{XML_NAMESPACE, XNodeType};

/// The namespace of the XPath/XQuery functions (`fn:`). A function name whose prefix is bound
/// to it names the core function of that local name: `fn:concat('a', 'b')` with
/// `xmlns:fn="http://www.w3.org/2005/xpath-functions"` is `concat('a', 'b')`.
pub const XPATH_FUNCTIONS_NAMESPACE: &str = "http://www.w3.org/2005/xpath-functions";
pub use roxmltree;

/// Maximum nesting of parentheses, predicates and function arguments; deeper expressions are
/// rejected with a [`ParseError`].
pub const MAX_NESTING: usize = parser::MAX_DEPTH;

/// A node in the XPath data model. roxmltree has no attribute or namespace nodes, so those
/// are carried with their owner element.
#[derive(Clone, Copy, Debug)]
pub enum XNode<'a, 'i> {
    /// Root, element, text, comment or processing-instruction node.
    Node(roxmltree::Node<'a, 'i>),
    /// An attribute node: (owner element, attribute).
    Attribute(roxmltree::Node<'a, 'i>, roxmltree::Attribute<'a, 'i>),
    /// A namespace node: (owner element, namespace). Includes the implicit `xml` namespace,
    /// which roxmltree does not expose and which therefore carries a sentinel `Namespace`:
    /// read namespace nodes through [`XNode::local_name`] and [`XNode::string_value`] (see
    /// [`XNode::is_implicit_xml_namespace`]).
    Namespace(roxmltree::Node<'a, 'i>, &'a roxmltree::Namespace<'i>),
}

/// The four XPath 1.0 value types.
#[derive(Clone, Debug)]
pub enum Value<'a, 'i> {
    /// Nodes in document order, without duplicates.
    NodeSet(Vec<XNode<'a, 'i>>),
    /// A boolean.
    Boolean(bool),
    /// An IEEE 754 double.
    Number(f64),
    /// A string; borrowed from the document where possible.
    String(Cow<'a, str>),
}

/// A qualified name as written in an expression, with its namespace resolved where the
/// prefix is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QName<'s> {
    /// The prefix as written, if any.
    pub prefix: Option<&'s str>,
    /// The namespace URI the prefix is bound to; None when unprefixed or (for variables and
    /// function names, as Jaxen reads them) when the prefix is not declared.
    pub namespace: Option<&'s str>,
    /// The local part.
    pub local: &'s str,
}

/// Prefix → namespace URI bindings used to compile an expression.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Namespaces {
    bindings: Vec<(String, String)>,
}

impl Namespaces {
    /// No bindings (the `xml` prefix is always available).
    pub fn new() -> Self {
        Self::default()
    }
    /// Bind `prefix` to `uri`, replacing an earlier binding of `prefix`.
    pub fn insert(&mut self, prefix: impl Into<String>, uri: impl Into<String>) {
        let prefix = prefix.into();
        self.bindings.retain(|(p, _)| *p != prefix);
        self.bindings.push((prefix, uri.into()));
    }
    /// The bindings, as (prefix, URI) pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.bindings.iter().map(|(p, u)| (p.as_str(), u.as_str()))
    }
    /// The URI bound to `prefix`.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }
}

/// Which extension functions exist, checked when an expression is compiled.
pub trait FunctionLibrary {
    /// Whether `name` called with `arity` arguments is a known extension function.
    fn has_function(&self, name: &QName<'_>, arity: usize) -> bool;
}

/// Run-time hooks: variable values and extension functions.
pub trait Environment<'a, 'i> {
    /// The value of variable `$name`, or None if it is not defined.
    fn variable(&self, _name: &QName<'_>) -> Option<Value<'a, 'i>> {
        None
    }
    /// Call extension function `name`; None if it is not known.
    fn function(
        &self,
        _name: &QName<'_>,
        _args: Vec<Value<'a, 'i>>,
        _context: XNode<'a, 'i>,
    ) -> Option<Result<Value<'a, 'i>, EvalError>> {
        None
    }
}

/// A syntax error, with the 1-based character column where it was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// 1-based character column of the offending token (one past the end for a
    /// truncated expression).
    pub column: usize,
    /// What was expected or wrong.
    pub message: String,
}

/// An error while evaluating.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// An extension function the environment does not provide.
    #[error("unknown function {0}")]
    UnknownFunction(String),
    /// A variable the environment does not define.
    #[error("unknown variable ${0}")]
    UnknownVariable(String),
    /// A value of the wrong type (e.g. a path step applied to a string).
    #[error("{0}")]
    Type(String),
    /// An error raised by an extension function.
    #[error("{0}")]
    Custom(String),
}

/// A compiled XPath 1.0 expression: compile once, evaluate many times. `Send + Sync + Clone`.
#[derive(Clone, Debug)]
pub struct XPath {
    source: String,
    expr: Arc<ast::Expr>,
}

struct NoEnv;
impl<'a, 'i> Environment<'a, 'i> for NoEnv {}

impl XPath {
    /// Compile with XPath 1.0's core function library only.
    pub fn compile(expr: &str, namespaces: &Namespaces) -> Result<XPath, ParseError> {
        let e = parser::parse(expr, namespaces, None)?;
        Ok(XPath {
            source: expr.to_owned(),
            expr: Arc::new(e),
        })
    }
    /// Compile, accepting also the extension functions `functions` knows.
    pub fn compile_with(
        expr: &str,
        namespaces: &Namespaces,
        functions: &dyn FunctionLibrary,
    ) -> Result<XPath, ParseError> {
        let e = parser::parse(expr, namespaces, Some(functions))?;
        Ok(XPath {
            source: expr.to_owned(),
            expr: Arc::new(e),
        })
    }
    /// The expression text this was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether evaluating may reach a node of the document, decided from the compiled
    /// expression: any location path (`.`, `a`, `//a`, `$v/a`), `id()`, `lang()`, a function
    /// that reads the context node when called without arguments (`string()`, `name()`…), or a
    /// variable for which `node_variable(prefix, local_name)` says it holds the document's
    /// nodes. Lets a caller skip building a document the expression cannot see.
    ///
    /// ```
    /// use mediate_xpath::{Namespaces, XPath};
    ///
    /// let ns = Namespaces::new();
    /// let only_vars = |prefix: Option<&str>, _: &str| prefix.is_none();
    /// assert!(!XPath::compile("concat('a', 1 + 2)", &ns)?.reads_nodes(only_vars));
    /// assert!(XPath::compile("count(//item)", &ns)?.reads_nodes(only_vars));
    /// assert!(XPath::compile("string()", &ns)?.reads_nodes(only_vars));
    /// # Ok::<(), mediate_xpath::ParseError>(())
    /// ```
    pub fn reads_nodes(&self, node_variable: impl Fn(Option<&str>, &str) -> bool) -> bool {
        self.expr.may_read_nodes(&node_variable)
    }
    /// Evaluate with `context` as the context node (position 1, size 1), no extensions.
    pub fn evaluate<'a, 'i>(
        &self,
        context: roxmltree::Node<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        self.evaluate_with(XNode::Node(context), &NoEnv)
    }
    /// Evaluate with variables and extension functions from `env`.
    pub fn evaluate_with<'a, 'i>(
        &self,
        context: XNode<'a, 'i>,
        env: &dyn Environment<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let ev = eval::Evaluator { env };
        let ctx = eval::Ctx {
            node: context,
            pos: 1,
            size: 1,
        };
        ev.eval(&self.expr, &ctx)
    }
}

impl<'a, 'i> Value<'a, 'i> {
    /// XPath `string()` of this value.
    pub fn string(&self) -> Cow<'a, str> {
        match self {
            Value::NodeSet(ns) => ns.first().map_or(Cow::Borrowed(""), XNode::string_value),
            Value::Boolean(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Number(n) => Cow::Owned(format_number(*n)),
            Value::String(s) => s.clone(),
        }
    }
    /// XPath `number()` of this value.
    pub fn number(&self) -> f64 {
        match self {
            Value::NodeSet(ns) => ns
                .first()
                .map_or(f64::NAN, |n| number::parse_number(&n.string_value())),
            Value::Boolean(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => number::parse_number(s),
        }
    }
    /// XPath `boolean()` of this value.
    pub fn boolean(&self) -> bool {
        match self {
            Value::NodeSet(ns) => !ns.is_empty(),
            Value::Boolean(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
        }
    }
    /// The nodes of a node-set; None for other types.
    pub fn into_nodes(self) -> Option<Vec<XNode<'a, 'i>>> {
        match self {
            Value::NodeSet(ns) => Some(ns),
            _ => None,
        }
    }
    /// The nodes of a node-set, borrowed; None for other types.
    pub fn as_nodes(&self) -> Option<&[XNode<'a, 'i>]> {
        match self {
            Value::NodeSet(ns) => Some(ns),
            _ => None,
        }
    }
}

/// Format a number as XPath 1.0's `string()` does: `NaN`, `Infinity`, `-Infinity`, `0` for
/// both zeros, integers without `.0`, no exponent.
pub fn format_number(n: f64) -> String {
    number::format_number(n)
}

/// Convert a string to a number as XPath 1.0's `number()` does (NaN unless it is optional
/// whitespace, an optional `-`, and digits with an optional `.`).
pub fn parse_number(s: &str) -> f64 {
    number::parse_number(s)
}
