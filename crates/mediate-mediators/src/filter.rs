//! The filter mediator (`<filter>`): Synapse's `FilterMediator`.
//!
//! The condition is either an expression (`xpath="…"`: XPath, `json-eval(…)` or `${…}`) or a
//! `source` expression whose string must match a `regex` *as a whole* (Java's
//! `Matcher.matches`, so `gold|plat.*` does not match `golden`). When it holds the `then`
//! branch runs, otherwise the `else` branch; a branch is an inline [`Sequence`] or the key of a
//! deployed sequence (`<then sequence="key"/>`), looked up in the [`Env`] when the message
//! passes. MI's short form (`<filter xpath="…">children</filter>`) is a `then` branch and no
//! `else`. The filter returns the [`Flow`] of the branch it ran, or [`Flow::Continue`] when the
//! condition fails and there is no `else`.

use std::sync::Arc;

use mediate_core::expr::jsonpath::JsonEvalResult;
use mediate_core::expr::synapse::ExprValue;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::expr::{Evaluated, ExpressionKind};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, Sequence, SequenceBuilder, async_trait,
};

use crate::java_regex::JavaRegex;
/// Re-exported from [`crate::value`], where the one implementation lives.
pub use crate::value::expression_reads_body;
use crate::value::{
    DESCRIPTION, check_attributes, check_mediator_attributes, closest, compile_expression,
    compiled_reads_body, inline_sequence, locate_at, locate_child, unknown_child_at,
};

const KIND: &str = "filter";

/// What decides which branch runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterCondition {
    /// `xpath="…"`: any expression, taken as a boolean (XPath `boolean()`, a `${…}` boolean,
    /// or `json-eval`'s string read by Java's `Boolean.parseBoolean`).
    Expression(String),
    /// `source="…" regex="…"`: the source's string must match the regex as a whole.
    Regex {
        /// The source expression.
        source: String,
        /// The regular expression, in Java syntax (see [`JavaRegex`]).
        regex: String,
    },
}

/// A branch of a filter (or a case of a switch): inline mediators or a sequence key.
#[derive(Debug)]
pub enum Branch {
    /// Inline mediators (`<then>…</then>`, or the filter's children in the short form).
    Inline(Sequence),
    /// A deployed sequence, found in the [`Env`] at run time (`<then sequence="key"/>`).
    Key(String),
    /// Inline mediators given as a [`SequenceBuilder`] that failed to build: the enclosing
    /// mediator's `build` reports the error.
    Invalid(BuildError),
}

impl From<SequenceBuilder> for Branch {
    /// A branch built in code: `FilterConfig::expression(…).then(SequenceBuilder::anonymous().then(…))`.
    fn from(builder: SequenceBuilder) -> Self {
        match builder.build() {
            Ok(seq) => Branch::Inline(seq),
            Err(err) => Branch::Invalid(err),
        }
    }
}

impl From<Vec<Arc<dyn Mediator>>> for Branch {
    fn from(mediators: Vec<Arc<dyn Mediator>>) -> Self {
        Branch::Inline(Sequence::new(None, mediators))
    }
}

impl From<Sequence> for Branch {
    fn from(seq: Sequence) -> Self {
        Branch::Inline(seq)
    }
}

/// The configuration of a filter mediator (data); [`build`](Self::build) makes the runtime
/// [`Filter`].
#[derive(Debug)]
pub struct FilterConfig {
    /// The condition.
    pub condition: FilterCondition,
    /// Prefixes used by the expressions.
    pub namespaces: Namespaces,
    /// What runs when the condition holds (an empty inline sequence when not given).
    pub then: Branch,
    /// What runs when it does not (`None`: nothing, the flow continues).
    pub otherwise: Option<Branch>,
}

impl FilterConfig {
    /// Reads `<filter>` as Synapse's `FilterMediatorFactory` does:
    ///
    /// - `xpath="…"` (an expression, taken as a boolean), or `source="…"` with `regex="…"`
    ///   (a Java regex the source's string must match as a whole); one of the two forms is
    ///   required, an empty value is refused, and giving both forms is refused (MI would
    ///   silently use `xpath`);
    /// - `<then [sequence="key"]>` and `<else [sequence="key"]>`, each with mediators as its
    ///   children or a sequence key (not both: MI ignores the children of a branch with a key,
    ///   here that is refused);
    /// - MI's short form: without `<then>`, the filter's own children are the mediators of the
    ///   `then` branch and there is no `else` (a child that is no registered mediator but
    ///   resembles `then`/`else` is refused as a misspelt branch);
    /// - the common `description`, `trace` and `statistics` attributes, and `<description>`
    ///   children (skipped where mediators are listed, as `AbstractListMediatorFactory` does).
    ///
    /// Nested mediators are built with `registry` into inline anonymous sequences.
    pub fn from_spec(spec: &MediatorSpec, registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, &["xpath", "source", "regex"])?;
        let non_blank = |name: &str| -> Result<Option<String>, BuildError> {
            match spec.get(name) {
                Some(v) if v.trim().is_empty() => Err(spec.invalid(
                    name,
                    v,
                    format!("Invalid attribute value specified for {name}"),
                )),
                other => Ok(other.map(str::to_owned)),
            }
        };
        let (xpath, source, regex) = (
            non_blank("xpath")?,
            non_blank("source")?,
            non_blank("regex")?,
        );
        let condition = match (xpath, source, regex) {
            (Some(x), None, None) => FilterCondition::Expression(x),
            (None, Some(source), Some(regex)) => FilterCondition::Regex { source, regex },
            (Some(_), _, _) => {
                return Err(spec
                    .invalid_structure("give either `xpath` or `source` with `regex`, not both"));
            }
            _ => {
                return Err(spec.invalid_structure(
                    "An xpath or (source, regex) attributes are required for a filter",
                ));
            }
        };
        let mut config = Self::with(condition).namespaces(spec.namespaces.clone());
        let then = spec.children.iter().find(|c| c.kind == "then");
        match then {
            Some(then) => {
                const BRANCHES: &[&str] = &["then", "else", DESCRIPTION];
                if let Some(child) = spec
                    .children
                    .iter()
                    .find(|c| !BRANCHES.contains(&c.kind.as_str()))
                {
                    return Err(unknown_child_at(spec, child, BRANCHES));
                }
                for name in ["then", "else"] {
                    if let Some(second) = spec.children_named(name).nth(1) {
                        return Err(locate_at(
                            spec.invalid_structure(format!("more than one `<{name}>` element")),
                            second,
                            "",
                        ));
                    }
                }
                config.then = branch_from_spec(then, registry)?;
                if let Some(otherwise) = spec.child_named("else") {
                    config.otherwise = Some(branch_from_spec(otherwise, registry)?);
                }
            }
            None => {
                if let Some(otherwise) = spec.child_named("else") {
                    return Err(locate_at(
                        spec.invalid_structure(
                            "`<else>` needs a `<then>` element before it (the short form, \
                             mediators directly under `<filter>`, has no else branch)",
                        ),
                        otherwise,
                        "",
                    ));
                }
                // A misspelt `<then>`/`<else>` would otherwise be reported as an unknown
                // mediator: name the branch it resembles.
                for child in &spec.children {
                    if registry.contains(&child.kind) {
                        continue;
                    }
                    if let Some(branch) = closest(&child.kind, &["then", "else"]) {
                        let error = spec.invalid_structure(format!(
                            "unknown child element `<{}>` (neither a mediator nor a branch); \
                             did you mean `<{branch}>`?",
                            child.kind
                        ));
                        return Err(locate_at(error, child, ""));
                    }
                }
                config.then = Branch::Inline(inline_sequence(&spec.children, registry)?);
            }
        }
        Ok(config)
    }

    /// A filter on an expression (`xpath="…"`).
    pub fn expression(expr: impl Into<String>) -> Self {
        Self::with(FilterCondition::Expression(expr.into()))
    }

    /// A filter matching `source`'s string against `regex` (`source="…" regex="…"`).
    pub fn regex(source: impl Into<String>, regex: impl Into<String>) -> Self {
        Self::with(FilterCondition::Regex {
            source: source.into(),
            regex: regex.into(),
        })
    }

    fn with(condition: FilterCondition) -> Self {
        Self {
            condition,
            namespaces: Namespaces::default(),
            then: Branch::Inline(Sequence::anonymous()),
            otherwise: None,
        }
    }

    /// Sets the namespace prefixes of the expressions.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Sets the `then` branch (or the short form's children).
    #[must_use]
    pub fn then(mut self, branch: impl Into<Branch>) -> Self {
        self.then = branch.into();
        self
    }

    /// Sets the `else` branch.
    #[must_use]
    pub fn otherwise(mut self, branch: impl Into<Branch>) -> Self {
        self.otherwise = Some(branch.into());
        self
    }

    /// Compiles the expressions and the regex.
    pub fn build(self) -> Result<Filter, BuildError> {
        let condition = match self.condition {
            FilterCondition::Expression(text) => {
                Condition::Test(compile_expression(KIND, "xpath", &text, &self.namespaces)?)
            }
            FilterCondition::Regex { source, regex } => Condition::Regex {
                source: compile_expression(KIND, "source", &source, &self.namespaces)?,
                pattern: Box::new(JavaRegex::for_attribute(KIND, "regex", &regex)?),
            },
        };
        let then = Target::build(self.then)?;
        let otherwise = self.otherwise.map(Target::build).transpose()?;
        let expr_reads = match &condition {
            Condition::Test(e) | Condition::Regex { source: e, .. } => compiled_reads_body(e),
        };
        let reads_body =
            expr_reads || then.reads_body() || otherwise.as_ref().is_some_and(Target::reads_body);
        Ok(Filter {
            condition,
            then,
            otherwise,
            reads_body,
        })
    }
}

#[derive(Debug)]
enum Condition {
    Test(Expression),
    Regex {
        source: Expression,
        pattern: Box<JavaRegex>,
    },
}

/// `<then>`/`<else>` (or a similar branch element): a `sequence="key"` attribute or mediators
/// as children, not both. An error is located at the branch element (at its `sequence`), or
/// at the nested mediator at fault.
pub(crate) fn branch_from_spec(
    spec: &MediatorSpec,
    registry: &Registry,
) -> Result<Branch, BuildError> {
    read_branch(spec, registry).map_err(|e| locate_child(e, spec))
}

fn read_branch(spec: &MediatorSpec, registry: &Registry) -> Result<Branch, BuildError> {
    check_attributes(spec, &["sequence"])?;
    let has_mediators = spec.children.iter().any(|c| c.kind != DESCRIPTION);
    match spec.get("sequence") {
        Some(key) if has_mediators => Err(spec.invalid(
            "sequence",
            key,
            "a branch takes either a sequence key or mediators, not both",
        )),
        Some(key) if key.trim().is_empty() => {
            Err(spec.invalid("sequence", key, "the sequence key is empty"))
        }
        Some(key) => Ok(Branch::Key(key.to_owned())),
        None => Ok(Branch::Inline(inline_sequence(&spec.children, registry)?)),
    }
}

/// A built branch.
#[derive(Debug)]
pub(crate) enum Target {
    Inline(Arc<Sequence>),
    Key(String),
}

impl Target {
    /// The built branch, or the error of a branch that failed to build.
    pub(crate) fn build(b: Branch) -> Result<Self, BuildError> {
        match b {
            Branch::Inline(seq) => Ok(Target::Inline(Arc::new(seq))),
            Branch::Key(k) => Ok(Target::Key(k)),
            Branch::Invalid(err) => Err(err),
        }
    }
}

impl Target {
    /// A key's sequence is unknown when building, so it may read the body.
    pub(crate) fn reads_body(&self) -> bool {
        match self {
            Target::Inline(seq) => seq.reads_body(),
            Target::Key(_) => true,
        }
    }

    /// Runs the branch; `missing` makes the error for an unknown key.
    pub(crate) async fn run(
        &self,
        msg: &mut MessageContext,
        env: &Env,
        missing: impl FnOnce(&str) -> String,
    ) -> Result<Flow, MediationError> {
        match self {
            Target::Inline(seq) => seq.mediate(msg, env).await,
            Target::Key(key) => match env.get_sequence(key) {
                Some(seq) => seq.mediate(msg, env).await,
                None => Err(MediationError::mediator(missing(key))),
            },
        }
    }
}

/// The runtime filter mediator; build it from a [`FilterConfig`].
#[derive(Debug)]
pub struct Filter {
    condition: Condition,
    then: Target,
    otherwise: Option<Target>,
    reads_body: bool,
}

impl Filter {
    /// Evaluates the condition as `FilterMediator.test` does, with no local entries for
    /// `get-property` to fall back to (see [`test_in`](Self::test_in)).
    pub fn test(&self, msg: &MessageContext) -> Result<bool, MediationError> {
        self.test_in(msg, &XPathScope::default())
    }

    /// Evaluates the condition beside an environment whose [`xpath_scope`](Env::xpath_scope)
    /// is `scope`: `get-property('KEY')` reads its local entry `KEY` when the message has no
    /// property `KEY`.
    pub fn test_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<bool, MediationError> {
        match &self.condition {
            Condition::Test(expr) => expression_boolean_in(expr, msg, scope).map_err(|e| {
                MediationError::mediator(format!(
                    "Error evaluating XPath expression : {}",
                    expr.source()
                ))
                .with_source(e)
            }),
            Condition::Regex { source, pattern } => match source_string(source, msg, scope)? {
                Some(s) => pattern.matches(&s),
                None => Ok(false),
            },
        }
    }
}

#[async_trait]
impl Mediator for Filter {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if self.test_in(msg, &env.xpath_scope())? {
            tracing::debug!("filter condition holds: running the then branch");
            self.then
                .run(msg, env, |k| {
                    format!("Couldn't find the referred then sequence with key : {k}")
                })
                .await
        } else if let Some(otherwise) = &self.otherwise {
            tracing::debug!("filter condition fails: running the else branch");
            otherwise
                .run(msg, env, |k| {
                    format!("Couldn't find the referred else sequence with key : {k}")
                })
                .await
        } else {
            tracing::debug!("filter condition fails and no else branch: skipping");
            Ok(Flow::Continue)
        }
    }

    fn kind(&self) -> &str {
        KIND
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}

/// Whether `regex` (Java syntax) matches the whole of `input` (Java's
/// `Pattern.matches(regex, input)`); `None` if the regex is refused or the match fails (the
/// backtracking limit).
pub fn matches_whole(regex: &str, input: &str) -> Option<bool> {
    JavaRegex::new(regex)
        .ok()
        .and_then(|r| r.matches(input).ok())
}

/// The boolean of an expression as Synapse's `booleanValueOf` gives it: XPath `boolean()`;
/// a `${…}` boolean as it is, any other `${…}` value and any `json-eval` result through
/// `Boolean.parseBoolean` of its string (`SynapseJsonPath.booleanValueOf`), so only
/// `"true"` (any case) is true.
pub fn expression_boolean(
    expr: &Expression,
    msg: &MessageContext,
) -> Result<bool, mediate_core::EvaluationError> {
    expression_boolean_in(expr, msg, &XPathScope::default())
}

/// [`expression_boolean`] with what `scope` adds to the message: the local entries that
/// `get-property('KEY')` falls back to ([`Env::xpath_scope`]).
pub fn expression_boolean_in(
    expr: &Expression,
    msg: &MessageContext,
    scope: &XPathScope<'_>,
) -> Result<bool, mediate_core::EvaluationError> {
    if expr.kind() == ExpressionKind::JsonEval {
        return Ok(parse_boolean(&expr.evaluate_string_in(msg, scope)?));
    }
    Ok(match expr.evaluate_in(msg, scope)? {
        Evaluated::XPath(v) => v.boolean(),
        Evaluated::Synapse(ExprValue::Bool(b)) => b,
        Evaluated::Synapse(v) => parse_boolean(&v.to_string()),
        Evaluated::Json(r) => parse_boolean(&r.to_display_string()),
    })
}

fn parse_boolean(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

/// The string of a source expression, `None` when it evaluates to nothing (`null` in Synapse):
/// a `json-eval` that matched nothing or a `${…}` `null`. XPath always gives a string (empty
/// for an empty node-set).
pub(crate) fn source_string(
    expr: &Expression,
    msg: &MessageContext,
    scope: &XPathScope<'_>,
) -> Result<Option<String>, MediationError> {
    match expr.kind() {
        ExpressionKind::XPath => Ok(Some(expr.evaluate_string_in(msg, scope)?)),
        ExpressionKind::JsonEval => {
            let s = expr.evaluate_string_in(msg, scope)?;
            if s.is_empty()
                && matches!(
                    expr.evaluate_in(msg, scope)?,
                    Evaluated::Json(JsonEvalResult::Definite(None))
                )
            {
                return Ok(None);
            }
            Ok(Some(s))
        }
        ExpressionKind::Synapse => match expr.evaluate_in(msg, scope)? {
            Evaluated::Synapse(ExprValue::Null) => Ok(None),
            Evaluated::Synapse(v) => Ok(Some(v.to_string())),
            _ => Ok(Some(expr.evaluate_string_in(msg, scope)?)),
        },
    }
}
