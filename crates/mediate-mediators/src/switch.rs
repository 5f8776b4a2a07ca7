//! The switch mediator (`<switch source="…">`): Synapse's `SwitchMediator`.
//!
//! The `source` expression is evaluated to a string (`stringValueOf`) and matched against each
//! `<case regex="…">` in order; the first case whose regex matches the *whole* string
//! (`SwitchCase.matches`, Java's `Matcher.matches`) runs, else the `<default>` if any. The
//! switch returns the [`Flow`] of the case it ran, or [`Flow::Continue`] when none ran.
//!
//! As in Synapse:
//! - the switch sets no property on the message;
//! - when the source evaluates to nothing (`null`: a `json-eval` that matched nothing, a `${…}`
//!   `null`) no case is tried and the default runs (nothing runs without a default). An XPath
//!   always gives a string; an empty string is matched against the cases like any other
//!   (a `case regex=".*"` takes it);
//! - a case without mediators does nothing and continues.

use mediate_core::expr::xpath::XPathScope;
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, async_trait,
};

use crate::filter::{Branch, Target, source_string};
use crate::java_regex::JavaRegex;
use crate::value::{
    DESCRIPTION, check_attributes, check_mediator_attributes, compile_expression,
    compiled_reads_body, inline_sequence, locate_at, unknown_child_at,
};

const KIND: &str = "switch";

/// One `<case regex="…">`.
#[derive(Debug)]
pub struct SwitchCase {
    /// The regular expression (Java syntax, see [`JavaRegex`]) the whole source string must
    /// match.
    pub regex: String,
    /// The case's mediators (or a sequence key).
    pub branch: Branch,
}

/// The configuration of a switch mediator (data); [`build`](Self::build) makes the runtime
/// [`Switch`].
#[derive(Debug)]
pub struct SwitchConfig {
    /// The `source` expression.
    pub source: String,
    /// Prefixes used by the expression.
    pub namespaces: Namespaces,
    /// The cases, in order.
    pub cases: Vec<SwitchCase>,
    /// The `<default>` case.
    pub default: Option<Branch>,
}

impl SwitchConfig {
    /// Reads `<switch>` as Synapse's `SwitchMediatorFactory` does: a required `source`
    /// expression, `<case regex="…">` children (in order, each with its mediators as
    /// children) and at most one `<default>` (mediators as children). A case without `regex`
    /// is refused with Synapse's message; so is a second `<default>` (MI silently keeps the
    /// first) and any other child element or attribute. The common `description`, `trace` and
    /// `statistics` attributes and `<description>` children are accepted (a `<description>`
    /// inside a case is skipped, as `AbstractListMediatorFactory` does).
    pub fn from_spec(spec: &MediatorSpec, registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, &["source"])?;
        let source = match spec.get("source") {
            Some(s) if !s.trim().is_empty() => s,
            Some(s) => return Err(spec.invalid("source", s, "the source expression is empty")),
            None => {
                return Err(spec.invalid_structure(
                    "A 'source' XPath attribute is required for a switch mediator",
                ));
            }
        };
        let mut config = Self::new(source).namespaces(spec.namespaces.clone());
        for child in &spec.children {
            match child.kind.as_str() {
                "case" => {
                    check_attributes(child, &["regex"])?;
                    let Some(regex) = child.get("regex") else {
                        return Err(locate_at(
                            child.invalid_structure(
                                "The 'regex' attribute is required for a switch case definition",
                            ),
                            child,
                            "",
                        ));
                    };
                    // What `build` compiles, checked here to locate the error at the `regex`.
                    JavaRegex::for_attribute(KIND, "regex", regex)
                        .map_err(|e| locate_at(e, child, "regex"))?;
                    config.cases.push(SwitchCase {
                        regex: regex.to_owned(),
                        branch: Branch::Inline(inline_sequence(&child.children, registry)?),
                    });
                }
                "default" => {
                    check_attributes(child, &[])?;
                    if config.default.is_some() {
                        return Err(locate_at(
                            spec.invalid_structure("more than one `<default>` element"),
                            child,
                            "",
                        ));
                    }
                    config.default =
                        Some(Branch::Inline(inline_sequence(&child.children, registry)?));
                }
                DESCRIPTION => {}
                _ => {
                    return Err(unknown_child_at(
                        spec,
                        child,
                        &["case", "default", DESCRIPTION],
                    ));
                }
            }
        }
        Ok(config)
    }

    /// A switch on `source`, with no cases yet.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            namespaces: Namespaces::default(),
            cases: Vec::new(),
            default: None,
        }
    }

    /// Sets the namespace prefixes of the expression.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Appends a case.
    #[must_use]
    pub fn case(mut self, regex: impl Into<String>, branch: impl Into<Branch>) -> Self {
        self.cases.push(SwitchCase {
            regex: regex.into(),
            branch: branch.into(),
        });
        self
    }

    /// Sets the default case.
    #[must_use]
    pub fn default_case(mut self, branch: impl Into<Branch>) -> Self {
        self.default = Some(branch.into());
        self
    }

    /// Compiles the source expression and the case regexes.
    pub fn build(self) -> Result<Switch, BuildError> {
        let source = compile_expression(KIND, "source", &self.source, &self.namespaces)?;
        let cases = self
            .cases
            .into_iter()
            .map(|c| {
                Ok((
                    JavaRegex::for_attribute(KIND, "regex", &c.regex)?,
                    Target::build(c.branch)?,
                ))
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        let default = self.default.map(Target::build).transpose()?;
        let reads_body = compiled_reads_body(&source)
            || cases.iter().any(|(_, t)| t.reads_body())
            || default.as_ref().is_some_and(Target::reads_body);
        Ok(Switch {
            source,
            cases,
            default,
            reads_body,
        })
    }
}

/// The runtime switch mediator; build it from a [`SwitchConfig`].
#[derive(Debug)]
pub struct Switch {
    source: Expression,
    cases: Vec<(JavaRegex, Target)>,
    default: Option<Target>,
    reads_body: bool,
}

impl Switch {
    /// The index of the case that takes `msg` (`None`: the default, or nothing), with no local
    /// entries for `get-property` to fall back to (see [`select_in`](Self::select_in)).
    pub fn select(&self, msg: &MessageContext) -> Result<Option<usize>, MediationError> {
        self.select_in(msg, &XPathScope::default())
    }

    /// The index of the case that takes `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope`: `get-property('KEY')` reads its local
    /// entry `KEY` when the message has no property `KEY`.
    pub fn select_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<Option<usize>, MediationError> {
        let Some(text) = source_string(&self.source, msg, scope)? else {
            tracing::debug!(
                source = self.source.source(),
                "switch source evaluates to null"
            );
            return Ok(None);
        };
        for (i, (regex, _)) in self.cases.iter().enumerate() {
            if regex.matches(&text)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

fn missing(key: &str) -> String {
    format!("Sequence named {key} cannot be found")
}

#[async_trait]
impl Mediator for Switch {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        // The scope is not `Send`: let it go before the branch is awaited.
        let selected = self.select_in(msg, &env.xpath_scope())?;
        match selected {
            Some(i) => {
                let (regex, target) = &self.cases[i];
                tracing::debug!(case = regex.as_str(), "matching switch case found");
                target.run(msg, env, missing).await
            }
            None => match &self.default {
                Some(target) => {
                    tracing::debug!("no switch case matched: running the default");
                    target.run(msg, env, missing).await
                }
                None => {
                    tracing::debug!("no switch case matched and no default");
                    Ok(Flow::Continue)
                }
            },
        }
    }

    fn kind(&self) -> &str {
        KIND
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}
