//! [`Template`]: a deployed sequence template (Synapse's `<template>` with a `<sequence>` body)
//! and its [`TemplateParameter`]s.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use mediate_message::MessageContext;

use crate::nesting::{self, Entered};
use crate::{Env, Flow, MediationError, Mediator, Origin, Sequence};

/// The Synapse error code of a call that passes no value for a mandatory template parameter
/// (`ERROR_CODE` 500101, set by Synapse's `TemplateContext.setupParams`).
pub const MANDATORY_PARAMETER_MISSING: i32 = 500_101;

/// One declared parameter of a sequence template:
/// `<parameter name="…" [isMandatory="true|false"] [defaultValue="…"] [description="…"]/>`.
///
/// What a call that does not pass the parameter gets (Synapse's `TemplateContext.setupParams`):
///
/// | `mandatory` | `default_value` | not passed |
/// |---|---|---|
/// | `false` | `None` | no value: `$func:name` is the empty node-set (`""`) |
/// | `false` | `Some(v)` | `v` |
/// | `true` | either | a fault, code [`MANDATORY_PARAMETER_MISSING`] |
///
/// A value that is passed always wins, even an empty one (`value=""`).
///
/// ```
/// use mediate_core::TemplateParameter;
///
/// let p = TemplateParameter::new("greeting").default_value("Welcome");
/// assert_eq!(p.name, "greeting");
/// assert!(!p.mandatory);
/// assert_eq!(p.default_value.as_deref(), Some("Welcome"));
/// assert!(TemplateParameter::new("id").mandatory().mandatory);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateParameter {
    /// The parameter's name (`$func:name`).
    pub name: String,
    /// `isMandatory="true"`: a call must pass a value.
    pub mandatory: bool,
    /// `defaultValue="…"`: the value of an optional parameter a call does not pass.
    pub default_value: Option<String>,
    /// `description="…"`: documentation only.
    pub description: Option<String>,
}

impl TemplateParameter {
    /// An optional parameter with no default value (`<parameter name="…"/>`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Marks the parameter mandatory (`isMandatory="true"`).
    #[must_use]
    pub fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }

    /// Sets the default value (`defaultValue="…"`).
    #[must_use]
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// Sets the description (`description="…"`).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A sequence template, Synapse's `TemplateMediator`: a named, parameterised [`Sequence`] that
/// the `call-template` mediator runs with arguments.
///
/// ```xml
/// <template name="T" [onError="seq"]>
///    <parameter name="p" [isMandatory="true|false"] [defaultValue="…"]/>*
///    <sequence> mediators </sequence>
/// </template>
/// ```
///
/// Deploy it in an [`Env`] with [`EnvBuilder::template`](crate::EnvBuilder::template); a caller
/// runs it with [`invoke`](Self::invoke), passing the arguments already evaluated (in the
/// caller's scope).
///
/// # Running
///
/// [`invoke`](Self::invoke) [binds](Self::bind) the arguments to the declared parameters,
/// pushes them as a frame on the message's function stack
/// ([`MessageContext::push_function_frame`]), runs the body, and pops the frame when the body
/// finishes, whatever its outcome. While the frame is on top, every expression evaluated on the
/// message reads the parameters: `$func:p` and `get-property('func', 'p')` in XPath,
/// `${params.functionParams.p}` in a Synapse expression. A template called from inside a
/// template pushes its own frame, which hides the caller's until it returns.
///
/// Each call also takes a level of the message's
/// [nesting](MessageContext::nesting) until it returns (the body, even a named one, takes
/// none of its own): a template that calls itself, directly or through sequences, fails at
/// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) with
/// [`codes::NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED) instead of
/// overflowing the stack.
///
/// # Faults
///
/// The body is a [`Sequence`], with its fault semantics; the template's `onError`
/// ([`on_error`](Self::on_error)) is the body's `onError`: it handles a fault of the body while
/// the template's frame is still pushed, so the handler can read `$func:p` too. Without one the
/// error goes back to the caller (the `call-template` mediator's own `onError`, then the
/// enclosing sequences).
///
/// Deviation from Synapse: Synapse pops the frame only when the body returns `true`, so after a
/// fault (or a `drop`) the frame stays on the message for the rest of its life; here it is
/// always popped.
///
/// ```
/// use mediate_core::{mediator_fn, Env, Expression, Flow, MediationError, MessageContext, Namespaces, Sequence,
///     Template, TemplateParameter};
/// use std::collections::HashMap;
///
/// let greet = Expression::compile("concat($func:greeting, ', ', $func:name)", &Namespaces::new())?;
/// let body = Sequence::named("greet").then(mediator_fn("greet", move |msg: &mut MessageContext| {
///     let greeting = greet.evaluate_string(msg)?;
///     msg.set_property("greeting", greeting);
///     Ok::<_, MediationError>(Flow::Continue)
/// }));
/// let template = Template::new(
///     "Greet",
///     vec![
///         TemplateParameter::new("name").mandatory(),
///         TemplateParameter::new("greeting").default_value("Hello"),
///     ],
///     body,
/// );
/// let env = Env::builder().template("Greet", template).build();
///
/// let mut msg = MessageContext::empty();
/// let args = HashMap::from([("name".to_owned(), "Ada".to_owned())]);
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let flow = rt.block_on(env.get_template("Greet").unwrap().invoke(args, &mut msg, &env))?;
/// assert_eq!(flow, Flow::Continue);
/// assert_eq!(msg.property("greeting").unwrap().as_string(), "Hello, Ada");
/// assert_eq!(msg.function_depth(), 0); // the frame is popped
///
/// let missing = rt.block_on(env.get_template("Greet").unwrap().invoke(HashMap::new(), &mut msg, &env));
/// assert_eq!(missing.unwrap_err().code(), 500101);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Template {
    name: Arc<str>,
    parameters: Vec<TemplateParameter>,
    body: Sequence,
}

impl Template {
    /// A template named `name` with the declared `parameters` (in order) and the `body` run for
    /// each call (`<template name><parameter/>*<sequence>…</sequence></template>`).
    pub fn new(
        name: impl Into<String>,
        parameters: Vec<TemplateParameter>,
        body: Sequence,
    ) -> Self {
        Self {
            name: Arc::from(name.into()),
            parameters,
            body,
        }
    }

    /// Sets the key of the sequence that handles faults of the body (`onError="…"` on
    /// `<template>`); it becomes the body's `onError` (see [`Sequence::on_error`]).
    #[must_use]
    pub fn on_error(mut self, key: impl Into<String>) -> Self {
        self.body = self.body.on_error(key);
        self
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared parameters, in order.
    pub fn parameters(&self) -> &[TemplateParameter] {
        &self.parameters
    }

    /// The declared parameter `name`, if there is one.
    pub fn parameter(&self, name: &str) -> Option<&TemplateParameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The body run for each call.
    pub fn body(&self) -> &Sequence {
        &self.body
    }

    /// The key of the `onError` sequence, if set.
    pub fn on_error_key(&self) -> Option<&str> {
        self.body.on_error_key()
    }

    /// Whether the body reads the payload (derived from its mediators, as a sequence's).
    pub fn reads_body(&self) -> bool {
        self.body.reads_body()
    }

    /// The frame a call with `args` runs with: each declared parameter gets the value passed
    /// for it, else (if optional) its default value, else no value; arguments that name no
    /// declared parameter are dropped, as Synapse reads only the declared ones.
    ///
    /// # Errors
    ///
    /// A mandatory parameter with no value passed: code [`MANDATORY_PARAMETER_MISSING`] and
    /// Synapse's message (`Neither a value nor default value is provided for mandatory
    /// parameter: p in seq-template T`). As in Synapse, a default value does not satisfy a
    /// mandatory parameter (MI's `TemplateContext` checks `isMandatory` before the default).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use mediate_core::{Sequence, Template, TemplateParameter};
    ///
    /// let t = Template::new(
    ///     "T",
    ///     vec![TemplateParameter::new("a"), TemplateParameter::new("b").default_value("2")],
    ///     Sequence::anonymous(),
    /// );
    /// let args = HashMap::from([("a".to_owned(), "1".to_owned()), ("zzz".to_owned(), "x".to_owned())]);
    /// let frame = t.bind(args)?;
    /// assert_eq!(frame.len(), 2);
    /// assert_eq!(frame["a"], "1");
    /// assert_eq!(frame["b"], "2");
    /// # Ok::<(), mediate_core::MediationError>(())
    /// ```
    pub fn bind(
        &self,
        mut args: HashMap<String, String>,
    ) -> Result<HashMap<String, String>, MediationError> {
        let mut frame = HashMap::with_capacity(self.parameters.len());
        for parameter in &self.parameters {
            let value = match args.remove(&parameter.name) {
                Some(value) => value,
                None if parameter.mandatory => {
                    return Err(MediationError::new(
                        MANDATORY_PARAMETER_MISSING,
                        Origin::Internal,
                        format!(
                            "Neither a value nor default value is provided for mandatory \
                             parameter: {} in seq-template {}",
                            parameter.name, self.name
                        ),
                    ));
                }
                None => match &parameter.default_value {
                    Some(default) => default.clone(),
                    None => continue,
                },
            };
            frame.insert(parameter.name.clone(), value);
        }
        if !args.is_empty() {
            tracing::debug!(
                template = %self.name,
                ignored = ?args.keys().collect::<Vec<_>>(),
                "arguments naming no parameter of the template are ignored"
            );
        }
        Ok(frame)
    }

    /// Runs the template for one call: [binds](Self::bind) `args` (already evaluated by the
    /// caller), takes a level of the message's [nesting](MessageContext::nesting), pushes the
    /// frame on the message's function stack, runs the body, pops the frame and gives the
    /// level back; the body's [`Flow`] (or error) is the call's. The body (even a named one)
    /// takes no level of its own.
    ///
    /// # Errors
    ///
    /// A missing mandatory parameter, or the message already
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) levels deep (code
    /// [`NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED)): both before the body
    /// runs, so the template's own `onError` does not see them. Else the body's error when its
    /// `onError` did not handle it.
    pub async fn invoke(
        &self,
        args: HashMap<String, String>,
        msg: &mut MessageContext,
        env: &Env,
    ) -> Result<Flow, MediationError> {
        let frame = self.bind(args)?;
        let depth = nesting::enter(msg, Entered::Template, &self.name)?;
        self.trace_call(msg);
        let frames = msg.function_depth();
        msg.push_function_frame(frame);
        let result = self.run_body(msg, env).await;
        while msg.function_depth() > frames {
            msg.pop_function_frame();
        }
        msg.truncate_nesting(depth);
        result
    }

    /// Runs the body: a boxed future made in its own frame, so that
    /// [`invoke`](Self::invoke)'s frame (every level of nesting polls through it) does not
    /// hold its state.
    fn run_body<'a>(
        &'a self,
        msg: &'a mut MessageContext,
        env: &'a Env,
    ) -> Pin<Box<dyn Future<Output = Result<Flow, MediationError>> + Send + 'a>> {
        Box::pin(self.body.run(msg, env))
    }

    /// The `running sequence template` event, kept out of [`invoke`](Self::invoke)'s frame
    /// (every level of nesting polls through it).
    #[inline(never)]
    fn trace_call(&self, msg: &MessageContext) {
        tracing::debug!(
            template = %self.name,
            depth = msg.function_depth() + 1,
            nesting = msg.nesting().len(),
            "running sequence template"
        );
    }
}
