//! XPath 1.0 over [`roxmltree`], with caller-supplied functions and variables.
//!
//! API CONTRACT STUB — the engine is being written behind these signatures. Keep the public
//! signatures below stable (other crates and tests code against them); add to them freely.

use std::borrow::Cow;

pub use roxmltree;

/// A node in the XPath data model. roxmltree has no attribute or namespace nodes, so those
/// are carried with their owner element.
#[derive(Clone, Copy, Debug)]
pub enum XNode<'a, 'i> {
    /// Root, element, text, comment or processing-instruction node.
    Node(roxmltree::Node<'a, 'i>),
    /// An attribute node: (owner element, attribute).
    Attribute(roxmltree::Node<'a, 'i>, roxmltree::Attribute<'a, 'i>),
    /// A namespace node: (owner element, namespace). Includes the implicit `xml` namespace.
    Namespace(roxmltree::Node<'a, 'i>, &'a roxmltree::Namespace<'i>),
}

/// The four XPath 1.0 value types.
#[derive(Clone, Debug)]
pub enum Value<'a, 'i> {
    /// Nodes in document order, without duplicates.
    NodeSet(Vec<XNode<'a, 'i>>),
    Boolean(bool),
    Number(f64),
    String(Cow<'a, str>),
}

/// A qualified name as written in an expression, with its namespace resolved where the
/// prefix is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QName<'s> {
    pub prefix: Option<&'s str>,
    pub namespace: Option<&'s str>,
    pub local: &'s str,
}

/// Prefix → namespace URI bindings used to compile an expression.
#[derive(Clone, Debug, Default)]
pub struct Namespaces {
    bindings: Vec<(String, String)>,
}

impl Namespaces {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, prefix: impl Into<String>, uri: impl Into<String>) {
        let prefix = prefix.into();
        self.bindings.retain(|(p, _)| *p != prefix);
        self.bindings.push((prefix, uri.into()));
    }
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.bindings.iter().find(|(p, _)| p == prefix).map(|(_, u)| u.as_str())
    }
}

/// Which extension functions exist, checked when an expression is compiled.
pub trait FunctionLibrary {
    fn has_function(&self, name: &QName<'_>, arity: usize) -> bool;
}

/// Run-time hooks: variable values and extension functions.
pub trait Environment<'a, 'i> {
    fn variable(&self, _name: &QName<'_>) -> Option<Value<'a, 'i>> {
        None
    }
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
    pub column: usize,
    pub message: String,
}

/// An error while evaluating.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("unknown function {0}")]
    UnknownFunction(String),
    #[error("unknown variable ${0}")]
    UnknownVariable(String),
    #[error("{0}")]
    Type(String),
    #[error("{0}")]
    Custom(String),
}

/// A compiled XPath 1.0 expression: compile once, evaluate many times. `Send + Sync + Clone`.
#[derive(Clone, Debug)]
pub struct XPath {
    source: String,
}

impl XPath {
    /// Compile with XPath 1.0's core function library only.
    pub fn compile(expr: &str, namespaces: &Namespaces) -> Result<XPath, ParseError> {
        let _ = namespaces;
        Ok(XPath { source: expr.to_owned() })
    }
    /// Compile, accepting also the extension functions `functions` knows.
    pub fn compile_with(
        expr: &str,
        namespaces: &Namespaces,
        functions: &dyn FunctionLibrary,
    ) -> Result<XPath, ParseError> {
        let _ = functions;
        Self::compile(expr, namespaces)
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Evaluate with `context` as the context node (position 1, size 1), no extensions.
    pub fn evaluate<'a, 'i>(&self, context: roxmltree::Node<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        struct NoEnv;
        impl<'a, 'i> Environment<'a, 'i> for NoEnv {}
        self.evaluate_with(XNode::Node(context), &NoEnv)
    }
    /// Evaluate with variables and extension functions from `env`.
    pub fn evaluate_with<'a, 'i>(
        &self,
        context: XNode<'a, 'i>,
        env: &dyn Environment<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let _ = (context, env);
        Err(EvalError::Custom("not yet implemented".into()))
    }
}

impl<'a, 'i> Value<'a, 'i> {
    /// XPath `string()` of this value.
    pub fn string(&self) -> Cow<'a, str> {
        Cow::Borrowed("")
    }
    /// XPath `number()` of this value.
    pub fn number(&self) -> f64 {
        f64::NAN
    }
    /// XPath `boolean()` of this value.
    pub fn boolean(&self) -> bool {
        false
    }
}

impl<'a, 'i> XNode<'a, 'i> {
    /// The XPath string-value of this node.
    pub fn string_value(&self) -> Cow<'a, str> {
        Cow::Borrowed("")
    }
}

/// Format a number as XPath 1.0's `string()` does: `NaN`, `Infinity`, `-Infinity`, `0` for
/// both zeros, integers without `.0`, no exponent.
pub fn format_number(n: f64) -> String {
    n.to_string()
}
