//! Errors of Synapse expressions: compile (syntax, arity, unknown function) and evaluation errors.

use std::fmt;

/// What went wrong, coarsely; the message says the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExprErrorKind {
    /// The text is not a valid expression.
    Syntax,
    /// A function name that MI does not know.
    UnknownFunction,
    /// A known function called with the wrong number of arguments.
    Arity,
    /// A value of the wrong type at run time (`"a" * 2`, `not(5)`…).
    Type,
    /// A path selected nothing, or a variable is not defined (MI fails the expression then).
    NotFound,
    /// `payload.x` when the payload is not JSON, a bad JSON path, a failing conversion…
    Eval,
    /// Division or modulo by zero.
    DivisionByZero,
    /// A feature the environment does not provide (registry, secrets, XPath…).
    Unsupported,
}

/// An error compiling or evaluating a Synapse expression.
///
/// `column` is 1-based and counts characters of the text as the user wrote it
/// (including a leading `${`, or the template text around it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    kind: ExprErrorKind,
    message: String,
    column: Option<usize>,
}

impl ExprError {
    pub(crate) fn new(kind: ExprErrorKind, message: impl Into<String>) -> Self {
        ExprError {
            kind,
            message: message.into(),
            column: None,
        }
    }

    pub(crate) fn at(kind: ExprErrorKind, column: usize, message: impl Into<String>) -> Self {
        ExprError {
            kind,
            message: message.into(),
            column: Some(column),
        }
    }

    pub(crate) fn eval(message: impl Into<String>) -> Self {
        Self::new(ExprErrorKind::Eval, message)
    }

    pub(crate) fn type_err(message: impl Into<String>) -> Self {
        Self::new(ExprErrorKind::Type, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(ExprErrorKind::NotFound, message)
    }

    /// Sets the column if none is set yet.
    pub(crate) fn with_column(mut self, column: usize) -> Self {
        if self.column.is_none() {
            self.column = Some(column);
        }
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ExprErrorKind {
        self.kind
    }

    /// The message, without the column.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based column (in characters) where the problem is, when known.
    pub fn column(&self) -> Option<usize> {
        self.column
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "column {c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ExprError {}
