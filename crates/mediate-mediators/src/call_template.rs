//! The call-template mediator (`<call-template>`), Synapse's `InvokeMediator`: runs a deployed
//! sequence template ([`Template`]) with arguments.
//!
//! ```xml
//! <call-template target="T" [onError="sequence"] [description="text"]>
//!    <with-param name="p" value="literal | {expression} | {{expression}} | ${…}"/>*
//! </call-template>
//! ```
//!
//! For each message (Synapse's `InvokeMediator.mediate` and `TemplateContext.setupParams`):
//!
//! 1. the template `target` is looked up in the [`Env`]; an unknown one is a fault
//!    (`Sequence template T cannot be found`, code 0) that the mediator's own `onError` does not
//!    handle (Synapse pushes that handler only after the lookup);
//! 2. each `<with-param>` value is evaluated against the message, in the caller's scope (a
//!    `$func:x` there reads the calling template's parameter): `value="text"` is the text;
//!    `value="{expr}"` evaluates the XPath or `json-eval(…)` to its string (`stringValueOf`);
//!    `value="${…}"` evaluates the MI 4.4 Synapse expression; `value="{{expr}}"` is not
//!    evaluated: the template gets the text `{expr}`, for a mediator inside it that takes a
//!    dynamic expression;
//! 3. the template binds the values to its declared parameters (defaults for optional ones not
//!    passed; a mandatory one not passed is a fault with code 500101; values for undeclared
//!    names are dropped), pushes them as a frame on the message's function stack, runs its body
//!    and pops the frame. Inside, `$func:p`, `get-property('func', 'p')` and
//!    `${params.functionParams.p}` read the frame. The call takes a level of the message's
//!    nesting while it runs: past [`MAX_NESTING_DEPTH`](mediate_core::MAX_NESTING_DEPTH)
//!    nested sequences and templates (a template that calls itself without end) it fails with
//!    code [`NESTING_LIMIT_EXCEEDED`](mediate_core::codes::NESTING_LIMIT_EXCEEDED) (mediate's
//!    own: Synapse overflows the stack);
//! 4. the body's outcome is the mediator's. A fault in steps 2–3 (a failing parameter
//!    expression, a missing mandatory parameter, a body fault its template's `onError` did not
//!    handle) goes to the mediator's `onError` sequence when one is set and deployed (the fault
//!    facts are recorded, the handler runs, the flow stops), else to the enclosing sequence.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use mediate_core::expr::xpath::XPathScope;
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, Template, async_trait,
};

use crate::value::{
    DESCRIPTION, ValueSource, check_attributes, check_mediator_attributes, check_mediator_children,
    compile_expression_in, compiled_reads_body, locate_at, locate_child, unknown_child,
};

const KIND: &str = "call-template";

/// One `<with-param name="…" value="…"/>`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithParam {
    /// `name`: the template parameter it sets.
    pub name: String,
    /// `value` as written: a literal, `{expression}`, `{{expression}}` or `${…}`.
    pub value: String,
}

impl WithParam {
    /// `<with-param name="…" value="…"/>`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The configuration of a call-template mediator (data).
///
/// ```
/// use mediate_mediators::call_template::CallTemplateConfig;
///
/// let call = CallTemplateConfig::new("HelloWorld_Logger")
///     .with_param("message", "HELLO WORLD!")
///     .with_param("id", "{json-eval($.order.id)}")
///     .on_error("error-handling-sequence")
///     .build()?;
/// assert_eq!(call.target(), "HelloWorld_Logger");
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CallTemplateConfig {
    /// `target`: the key of the sequence template to run.
    pub target: String,
    /// The `<with-param>` children, in order.
    pub params: Vec<WithParam>,
    /// `onError`: the key of the sequence that handles a fault of the call.
    pub on_error: Option<String>,
    /// Namespace prefixes for the parameter expressions.
    pub namespaces: Namespaces,
}

impl CallTemplateConfig {
    /// A call of the template `target`, with no arguments.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            ..Self::default()
        }
    }

    /// Adds `<with-param name="…" value="…"/>`.
    #[must_use]
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push(WithParam::new(name, value));
        self
    }

    /// Sets `onError`.
    #[must_use]
    pub fn on_error(mut self, key: impl Into<String>) -> Self {
        self.on_error = Some(key.into());
        self
    }

    /// Sets the namespace prefixes of the parameter expressions.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Reads `<call-template>` as Synapse's `InvokeMediatorFactory` does: `target` is required,
    /// `onError` optional (with the attributes every mediator takes: `description`, `trace`,
    /// `statistics`); each `<with-param>` takes `name` and `value`. A `<description>` child is
    /// skipped; other attributes, other child elements and children of a `<with-param>` are
    /// refused by name.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, &["target", "onError"])?;
        check_mediator_children(spec, &["with-param"])?;
        if spec.children.is_empty()
            && let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty())
        {
            return Err(spec.invalid_structure(format!(
                "unexpected content `{}` (`<call-template>` takes `<with-param>` children only)",
                text.trim()
            )));
        }
        let target = spec.require("target")?;
        if target.trim().is_empty() {
            return Err(spec.invalid(
                "target",
                target,
                "the target template's name must not be empty",
            ));
        }
        let on_error = match spec.get("onError") {
            Some(key) if key.trim().is_empty() => {
                return Err(spec.invalid(
                    "onError",
                    key,
                    "the onError sequence's key must not be empty",
                ));
            }
            other => other.map(str::to_owned),
        };
        let mut namespaces = spec.namespaces.clone();
        let mut params: Vec<WithParam> = Vec::with_capacity(spec.children.len());
        for child in spec.children.iter().filter(|c| c.kind != DESCRIPTION) {
            check_attributes(child, &["name", "value"])?;
            if let Some(inner) = child.children.first() {
                return Err(locate_at(unknown_child(child, &inner.kind, &[]), inner, ""));
            }
            let name = child.require("name").map_err(|e| locate_child(e, child))?;
            if name.trim().is_empty() {
                return Err(locate_child(
                    child.invalid(
                        "name",
                        name,
                        "call template mediator parameters should have a non-empty name",
                    ),
                    child,
                ));
            }
            if params.iter().any(|p| p.name == name) {
                return Err(locate_child(
                    child.invalid(
                        "name",
                        name,
                        format!("parameter `{name}` is passed twice to template `{target}`"),
                    ),
                    child,
                ));
            }
            let value = child.require("value").map_err(|e| locate_child(e, child))?;
            for (p, u) in child.namespaces.iter() {
                namespaces.insert(p, u);
            }
            // What `build` compiles, checked here too so that an error is located at the
            // `<with-param>`'s `value`.
            compile_param(value, &namespaces).map_err(|e| locate_at(e, child, "value"))?;
            params.push(WithParam::new(name, value));
        }
        Ok(Self {
            target: target.to_owned(),
            params,
            on_error,
            namespaces,
        })
    }

    /// Checks the configuration and compiles the parameter expressions; a bad expression is a
    /// [`BuildError::InvalidProperty`] naming the parameter and the column.
    pub fn build(self) -> Result<CallTemplate, BuildError> {
        if self.target.trim().is_empty() {
            return Err(BuildError::missing(KIND, "target"));
        }
        let mut params = Vec::with_capacity(self.params.len());
        let mut reads_body = false;
        for p in self.params {
            if p.name.trim().is_empty() {
                return Err(BuildError::invalid(
                    "with-param",
                    "name",
                    p.name,
                    "call template mediator parameters should have a non-empty name",
                ));
            }
            let value = compile_param(&p.value, &self.namespaces)?;
            if let ValueSource::Expression(expr) = &value {
                reads_body |= compiled_reads_body(expr);
            }
            params.push((p.name, value));
        }
        Ok(CallTemplate {
            target: self.target,
            params,
            on_error: self.on_error,
            reads_body,
        })
    }
}

/// What a `<with-param value>` holds.
enum ParamText<'a> {
    /// Passed as it is.
    Literal(String),
    /// Evaluated for each message: the expression's text and how many characters of the value
    /// come before it (the `{` of `{expr}`, blanks before `${…}`).
    Expression(&'a str, usize),
}

/// Reads a `value` as Synapse's `ValueFactory.createValue` does: `{{expr}}` (trimmed, more
/// than three characters) is escaped and passed on as `{expr}`; `{expr}` (the first and last
/// characters) is an expression (XPath or `json-eval`); MI 4.4's `${…}` is a Synapse
/// expression; anything else is a literal.
fn param_value(value: &str) -> ParamText<'_> {
    let trimmed = value.trim();
    if trimmed.len() > 3 && trimmed.starts_with("{{") && trimmed.ends_with("}}") {
        return ParamText::Literal(trimmed[1..trimmed.len() - 1].to_owned());
    }
    if let Some(inner) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        return ParamText::Expression(inner, 1);
    }
    if trimmed.starts_with("${") && trimmed.ends_with('}') {
        let blanks = value[..value.len() - value.trim_start().len()]
            .chars()
            .count();
        return ParamText::Expression(trimmed, blanks);
    }
    ParamText::Literal(value.to_owned())
}

/// A `<with-param value>` as the call passes it: a literal, or its compiled expression. A bad
/// expression is a [`BuildError::InvalidProperty`] of `with-param`'s `value` quoting the whole
/// value, its column counted from the value's first character.
fn compile_param(value: &str, namespaces: &Namespaces) -> Result<ValueSource, BuildError> {
    Ok(match param_value(value) {
        ParamText::Literal(text) => ValueSource::Literal(text),
        ParamText::Expression(text, offset) => ValueSource::Expression(compile_expression_in(
            "with-param",
            "value",
            value,
            offset,
            text,
            namespaces,
        )?),
    })
}

/// The runtime call-template mediator (behaviour): see the [module](self) for what it does.
#[derive(Debug)]
pub struct CallTemplate {
    target: String,
    params: Vec<(String, ValueSource)>,
    on_error: Option<String>,
    reads_body: bool,
}

impl CallTemplate {
    /// The key of the template it runs.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The parameters it passes, in order: a literal or a compiled expression each.
    pub fn params(&self) -> &[(String, ValueSource)] {
        &self.params
    }

    /// The key of its `onError` sequence, if set.
    pub fn on_error_key(&self) -> Option<&str> {
        self.on_error.as_deref()
    }

    /// Evaluates the arguments in the caller's scope (its template parameters, and `env`'s
    /// local entries for `get-property`).
    fn arguments(
        &self,
        msg: &MessageContext,
        env: &Env,
    ) -> Result<HashMap<String, String>, MediationError> {
        let mut args = HashMap::with_capacity(self.params.len());
        let scope = env.xpath_scope();
        for (name, value) in &self.params {
            let value = match value {
                ValueSource::Literal(text) => text.clone(),
                ValueSource::Expression(expr) => self.evaluate(name, expr, msg, &scope)?,
            };
            args.insert(name.clone(), value);
        }
        Ok(args)
    }

    fn evaluate(
        &self,
        name: &str,
        expr: &Expression,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, MediationError> {
        expr.evaluate_string_in(msg, scope).map_err(|e| {
            MediationError::mediator(format!(
                "Error while evaluating parameter `{name}` passed to template {}",
                self.target
            ))
            .with_detail(format!("{}: {e}", expr.source()))
            .with_source(e)
        })
    }

    /// The `invoking sequence template` event, kept out of `mediate`'s frame (every level of
    /// nesting polls through it).
    #[inline(never)]
    fn trace_call(&self) {
        tracing::debug!(
            target_template = %self.target,
            params = self.params.len(),
            "invoking sequence template"
        );
    }

    /// `Sequence template T cannot be found`.
    #[cold]
    fn not_found(&self) -> MediationError {
        MediationError::mediator(format!("Sequence template {} cannot be found", self.target))
    }

    /// Runs `template`: a boxed future made in its own frame, so that `mediate`'s frame (every
    /// level of nesting polls through it) does not hold its state.
    fn invoke<'a>(
        template: &'a Template,
        args: HashMap<String, String>,
        msg: &'a mut MessageContext,
        env: &'a Env,
    ) -> Pin<Box<dyn Future<Output = Result<Flow, MediationError>> + Send + 'a>> {
        Box::pin(template.invoke(args, msg, env))
    }

    /// Hands `err` to the `onError` sequence `key`: a boxed future made in its own frame, so
    /// that `mediate`'s frame does not hold its state.
    fn handle_error<'a>(
        key: &'a str,
        msg: &'a mut MessageContext,
        env: &'a Env,
        err: MediationError,
    ) -> Pin<Box<dyn Future<Output = Result<Flow, MediationError>> + Send + 'a>> {
        Box::pin(env.handle_error(key, msg, err))
    }
}

#[async_trait]
impl Mediator for CallTemplate {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let Some(template) = env.get_template(&self.target) else {
            return Err(self.not_found());
        };
        self.trace_call();
        let result = match self.arguments(msg, env) {
            Ok(args) => Self::invoke(template, args, msg, env).await,
            Err(err) => Err(err),
        };
        match (result, self.on_error.as_deref()) {
            (Err(err), Some(key)) => Self::handle_error(key, msg, env, err).await,
            (result, _) => result,
        }
    }

    fn kind(&self) -> &str {
        KIND
    }

    /// As Synapse's `InvokeMediator.isContentAware`: `true` only when a parameter expression
    /// reads the body. The template's own mediators are looked up at run time and read the
    /// payload themselves when they need it.
    fn reads_body(&self) -> bool {
        self.reads_body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(value: &str) -> String {
        match param_value(value) {
            ParamText::Literal(t) => format!("literal:{t}"),
            ParamText::Expression(e, offset) => format!("expr@{offset}:{e}"),
        }
    }

    #[test]
    fn value_forms_as_synapse_value_factory() {
        assert_eq!(kind_of("plain"), "literal:plain");
        assert_eq!(kind_of(""), "literal:");
        assert_eq!(kind_of("{//a/b}"), "expr@1://a/b");
        assert_eq!(kind_of("{json-eval($.a)}"), "expr@1:json-eval($.a)");
        assert_eq!(kind_of("{{//m0:getQuote}}"), "literal:{//m0:getQuote}");
        assert_eq!(kind_of("${vars.x}"), "expr@0:${vars.x}");
        assert_eq!(kind_of(" {x} "), "literal: {x} ");
        assert_eq!(kind_of("{}"), "expr@1:");
        assert_eq!(kind_of("  ${vars.x} "), "expr@2:${vars.x}");
        assert_eq!(kind_of("{{}}"), "literal:{}");
    }
}
