//! What a mediator attribute holds: a literal (`value="…"`) or an expression
//! (`expression="…"`, XPath, `json-eval(…)` or `${…}`), compiled once when the mediator is built.

use mediate_core::{BuildError, Expression, MediationError, MessageContext, Namespaces};

/// Compile the expression attribute `attribute` of mediator `kind`; a bad expression is a
/// [`BuildError::InvalidProperty`] that says where it failed. The one place mediators compile
/// expressions.
pub(crate) fn compile_expression(
    kind: &str,
    attribute: &str,
    text: &str,
    namespaces: &Namespaces,
) -> Result<Expression, BuildError> {
    Expression::compile(text, namespaces).map_err(|e| BuildError::InvalidProperty {
        kind: kind.to_owned(),
        property: attribute.to_owned(),
        value: text.to_owned(),
        reason: format!("invalid {} at column {}: {}", e.kind, e.column, e.message),
    })
}

/// A literal value or a compiled expression.
#[derive(Clone, Debug)]
pub enum ValueSource {
    /// `value="…"`: used as written.
    Literal(String),
    /// `expression="…"`: evaluated against each message.
    Expression(Expression),
}

impl ValueSource {
    /// A literal.
    pub fn literal(value: impl Into<String>) -> ValueSource {
        ValueSource::Literal(value.into())
    }

    /// Compile `text` as an expression for mediator `kind`'s attribute `attribute`; a bad
    /// expression is a [`BuildError::InvalidProperty`] that says where it failed.
    pub fn expression(
        kind: &str,
        attribute: &str,
        text: &str,
        namespaces: &Namespaces,
    ) -> Result<ValueSource, BuildError> {
        compile_expression(kind, attribute, text, namespaces).map(ValueSource::Expression)
    }

    /// The string a mediator uses: the literal, or the expression's string as Synapse gives it
    /// (`stringValueOf`).
    pub fn evaluate_string(&self, msg: &MessageContext) -> Result<String, MediationError> {
        match self {
            ValueSource::Literal(s) => Ok(s.clone()),
            ValueSource::Expression(e) => Ok(e.evaluate_string(msg)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_expression() {
        let msg = MessageContext::from_json(r#"{"a":{"b":7}}"#);
        let ns = Namespaces::new();
        assert_eq!(
            ValueSource::literal("x").evaluate_string(&msg).unwrap(),
            "x"
        );
        let e = ValueSource::expression("log", "expression", "json-eval($.a.b)", &ns).unwrap();
        assert_eq!(e.evaluate_string(&msg).unwrap(), "7");
        let bad = ValueSource::expression("log", "expression", "count(//a", &ns).unwrap_err();
        assert!(bad.to_string().contains("column 10"), "{bad}");
    }
}
