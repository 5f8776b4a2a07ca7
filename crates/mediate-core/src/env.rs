//! [`Env`]: the read-only environment passed beside the message.

use std::collections::HashMap;
use std::sync::Arc;

use mediate_expr::xpath::{LocalEntries, LocalEntry, XPathScope};
use mediate_message::{MessageContext, XmlValue};

use crate::fault::record_fault;
use crate::{Flow, MediationError, Mediator, Sequence, Template};

/// The key of the default fault sequence (Synapse's `fault`).
pub const FAULT_SEQUENCE_KEY: &str = "fault";

/// The read-only environment every mediator gets beside the message: the deployed sequences,
/// sequence templates and local entries by key (endpoints join later).
///
/// A sequence template ([`Template`], `<template name="…">`) is looked up by the
/// `call-template` mediator with [`get_template`](Env::get_template); templates and sequences
/// have separate keys, as in Synapse.
///
/// A local entry (`<localEntry key="…">`) or registry resource (`conf:/…`, `gov:/…`) is held
/// as the text it was deployed with: an XML fragment, a payload template, a plain string.
/// Mediators that take a `key` (payloadFactory's `<format key>`, enrich's inline `key`) read it
/// with [`local_entry`](Env::local_entry).
///
/// Expressions read the entries too: `get-property('KEY')` falls back to the entry `KEY` when
/// the message has no property `KEY` (Synapse's `GetPropertyFunction`: `synCtx.getProperty(key)`,
/// else `synCtx.getEntry(key)`). An `Env` is the [`LocalEntries`] of the expressions evaluated
/// beside it; mediators pass [`xpath_scope`](Env::xpath_scope) to
/// [`Expression::evaluate_in`](mediate_expr::Expression::evaluate_in). A text entry is a string
/// there, an XML entry (deployed with [`EnvBuilder::xml_local_entry`]) its element, so that
/// `get-property('KEY')/child` walks into it.
///
/// It is never stored on the message. Build one with [`Env::builder`].
///
/// ```
/// use mediate_core::{mediator_fn, Env, Flow, MediationError, MessageContext, Sequence};
///
/// let env = Env::builder()
///     .sequence("fault", Sequence::named("fault").then(mediator_fn("mark", |msg: &mut MessageContext| {
///         msg.set_property("handled", true);
///         Ok::<_, MediationError>(Flow::Continue)
///     })))
///     .build();
/// let main = Sequence::named("main").then(mediator_fn("fail", |_: &mut MessageContext| {
///     Err::<Flow, _>(MediationError::mediator("boom"))
/// }));
/// let mut msg = MessageContext::empty();
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// assert_eq!(rt.block_on(env.run(&main, &mut msg))?, Flow::Stop);
/// assert!(msg.property("handled").is_some());
/// assert_eq!(msg.fault().unwrap().message.as_deref(), Some("boom"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Cloning an `Env` is cheap (one reference count): a task that runs on after the flow that
/// started it (a `send`'s response) takes a clone, and is spawned with
/// [`tasks::spawn`](crate::tasks::spawn) so that a server waits for it before it stops (when
/// the environment has a [`BackgroundTasks`](crate::tasks::BackgroundTasks) extension).
#[derive(Debug, Clone, Default)]
pub struct Env {
    inner: Arc<EnvInner>,
}

#[derive(Debug, Default)]
struct EnvInner {
    sequences: HashMap<String, Arc<Sequence>>,
    templates: HashMap<String, Arc<Template>>,
    local_entries: HashMap<String, DeployedEntry>,
    extensions: http::Extensions,
}

/// A deployed local entry: its text and, for an XML entry, its element (parsed the first time
/// an expression reads it).
#[derive(Debug)]
struct DeployedEntry {
    text: Arc<str>,
    xml: Option<XmlValue>,
}

impl Env {
    /// A builder for an environment.
    pub fn builder() -> EnvBuilder {
        EnvBuilder::default()
    }

    /// The sequence deployed under `key`.
    pub fn get_sequence(&self, key: &str) -> Option<&Arc<Sequence>> {
        self.inner.sequences.get(key)
    }

    /// The sequence template deployed under `key` (Synapse's `getSequenceTemplate`).
    pub fn get_template(&self, key: &str) -> Option<&Arc<Template>> {
        self.inner.templates.get(key)
    }

    /// The local entry (or registry resource) deployed under `key`, as text (an XML entry as
    /// its element's XML).
    ///
    /// This inherent method shadows [`LocalEntries::local_entry`], which gives an XML entry as
    /// its element; call that one as `LocalEntries::local_entry(&env, key)`.
    pub fn local_entry(&self, key: &str) -> Option<&Arc<str>> {
        self.inner.local_entries.get(key).map(|e| &e.text)
    }

    /// What an expression evaluated beside this environment reads besides the message: the
    /// local entries, which `get-property('KEY')` falls back to. It is a pointer to the
    /// environment, so a caller passes it to every evaluation at no cost.
    ///
    /// ```
    /// use mediate_core::{Env, Expression, MessageContext, Namespaces};
    ///
    /// let env = Env::builder()
    ///     .local_entry("greeting", "hello")
    ///     .xml_local_entry("cfg", "<cfg><url>http://backend/orders</url></cfg>")
    ///     .build();
    /// let ns = Namespaces::new();
    /// let mut msg = MessageContext::from_xml("<a/>");
    /// let greeting = Expression::compile("get-property('greeting')", &ns)?;
    /// let url = Expression::compile("get-property('cfg')/url", &ns)?;
    /// assert_eq!(greeting.evaluate_string_in(&msg, &env.xpath_scope())?, "hello");
    /// assert_eq!(url.evaluate_string_in(&msg, &env.xpath_scope())?, "http://backend/orders");
    /// // A message property of the same name comes first.
    /// msg.set_property("greeting", "hi");
    /// assert_eq!(greeting.evaluate_string_in(&msg, &env.xpath_scope())?, "hi");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn xpath_scope(&self) -> XPathScope<'_> {
        XPathScope {
            local_entries: Some(self),
            ..XPathScope::default()
        }
    }

    /// A typed value the runtime deployed beside the configuration (the endpoints, an outbound
    /// transport), looked up by type; see [`EnvBuilder::extension`].
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }

    /// The keys of the deployed sequences, in no particular order.
    pub fn sequence_keys(&self) -> impl Iterator<Item = &str> {
        self.inner.sequences.keys().map(String::as_str)
    }

    /// The keys of the deployed sequence templates, in no particular order.
    pub fn template_keys(&self) -> impl Iterator<Item = &str> {
        self.inner.templates.keys().map(String::as_str)
    }

    /// Hands `err` to the `onError` sequence `key` of a mediator that has one (the
    /// `call-template` mediator's `onError`), as a [`Sequence`] does with its own: the error is
    /// recorded as the message's fault facts, the handler runs, and the faulted flow does not
    /// go on (`Ok(Flow::Stop)`, or the handler's own error). When no sequence is deployed under
    /// `key` (Synapse logs and goes on without the handler), `err` is returned for the next
    /// handler out.
    ///
    /// ```
    /// use mediate_core::{mediator_fn, Env, Flow, MediationError, MessageContext, Sequence};
    ///
    /// let env = Env::builder()
    ///     .sequence("onFail", Sequence::named("onFail").then(mediator_fn("mark", |msg: &mut MessageContext| {
    ///         msg.set_property("handled", true);
    ///         Ok::<_, MediationError>(Flow::Continue)
    ///     })))
    ///     .build();
    /// let mut msg = MessageContext::empty();
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let flow = rt.block_on(env.handle_error("onFail", &mut msg, MediationError::mediator("boom")))?;
    /// assert_eq!(flow, Flow::Stop);
    /// assert!(msg.property("handled").is_some());
    /// assert_eq!(msg.fault().unwrap().message.as_deref(), Some("boom"));
    ///
    /// let unhandled = rt.block_on(env.handle_error("missing", &mut msg, MediationError::mediator("again")));
    /// assert_eq!(unhandled.unwrap_err().message(), "again");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn handle_error(
        &self,
        key: &str,
        msg: &mut MessageContext,
        err: MediationError,
    ) -> Result<Flow, MediationError> {
        record_fault(msg, &err);
        let Some(handler) = self.get_sequence(key) else {
            tracing::warn!(on_error = key, "onError sequence cannot be found");
            return Err(err);
        };
        tracing::warn!(
            on_error = key,
            code = err.code(),
            error = %err,
            "executing onError sequence"
        );
        handler.mediate(msg, self).await.map(|_| Flow::Stop)
    }

    /// Runs `seq` on a message as the top of a flow, with the default fault sequence
    /// ([`FAULT_SEQUENCE_KEY`]) as the last fault handler.
    ///
    /// A fault that no `on_error` handled is recorded on the message and handed to the `fault`
    /// sequence; after it the result is `Ok(Flow::Stop)` (the faulted flow never resumes), or the
    /// fault sequence's own error. Without a `fault` sequence the error is returned.
    ///
    /// That includes a configuration that calls itself: past
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH) nested named sequences and templates the
    /// next one fails with [`codes::NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED),
    /// and by the time the fault sequence runs every level has been left.
    pub async fn run(
        &self,
        seq: &Sequence,
        msg: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        self.run_with_fault(
            seq,
            self.get_sequence(FAULT_SEQUENCE_KEY).map(|s| &**s),
            msg,
        )
        .await
    }

    /// Runs `seq` as [`run`](Self::run) does, with `fault` (a proxy's or API's fault sequence)
    /// as the last fault handler instead of the default; `None` means the default.
    ///
    /// As in Synapse, a failing fault sequence is not handed to yet another one: its error is
    /// returned.
    pub async fn run_with_fault(
        &self,
        seq: &Sequence,
        fault: Option<&Sequence>,
        msg: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        let err = match seq.mediate(msg, self).await {
            Ok(flow) => return Ok(flow),
            Err(err) => err,
        };
        record_fault(msg, &err);
        let handler = fault.or_else(|| self.get_sequence(FAULT_SEQUENCE_KEY).map(|s| &**s));
        let Some(handler) = handler else {
            return Err(err);
        };
        tracing::warn!(code = err.code(), error = %err, "executing fault sequence");
        handler.mediate(msg, self).await.map(|_| Flow::Stop)
    }
}

/// Builds an [`Env`].
#[derive(Debug, Default)]
pub struct EnvBuilder {
    sequences: HashMap<String, Arc<Sequence>>,
    templates: HashMap<String, Arc<Template>>,
    local_entries: HashMap<String, DeployedEntry>,
    extensions: http::Extensions,
}

impl EnvBuilder {
    /// Deploys `seq` under `key`; a later sequence with the same key replaces it.
    ///
    /// A deployed sequence is named by its key, as in Synapse: an anonymous `seq` gets the name
    /// `key` (unless it is an `Arc` shared elsewhere), so that entering it by key takes a level
    /// of the message's nesting ([`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)) like any
    /// named sequence.
    ///
    /// ```
    /// use mediate_core::{Env, Sequence};
    ///
    /// let env = Env::builder().sequence("audit", Sequence::anonymous()).build();
    /// assert_eq!(env.get_sequence("audit").unwrap().name(), Some("audit"));
    /// ```
    #[must_use]
    pub fn sequence(mut self, key: impl Into<String>, seq: impl Into<Arc<Sequence>>) -> Self {
        let key = key.into();
        let mut seq = seq.into();
        if seq.name().is_none()
            && let Some(anonymous) = Arc::get_mut(&mut seq)
        {
            anonymous.set_name(&key);
        }
        self.sequences.insert(key, seq);
        self
    }

    /// Deploys the sequence template `template` under `key` (its name, in Synapse); a later
    /// template with the same key replaces it.
    #[must_use]
    pub fn template(mut self, key: impl Into<String>, template: impl Into<Arc<Template>>) -> Self {
        self.templates.insert(key.into(), template.into());
        self
    }

    /// Deploys a text local entry (or registry resource) under `key`; a later one with the
    /// same key replaces it. `get-property('KEY')` reads it as a string.
    #[must_use]
    pub fn local_entry(mut self, key: impl Into<String>, value: impl Into<Arc<str>>) -> Self {
        let text = value.into();
        self.local_entries
            .insert(key.into(), DeployedEntry { text, xml: None });
        self
    }

    /// Deploys an XML local entry under `key` (`<localEntry key="…"><cfg>…</cfg></localEntry>`,
    /// or a `src` file that holds XML): `value` is the element's XML. [`Env::local_entry`] gives
    /// it as that text; `get-property('KEY')` gives the element (Synapse's `OMElement`), parsed
    /// the first time an expression reads it, so that `get-property('KEY')/url` walks into it.
    /// Text that is not well-formed XML is read as a string. A later entry with the same key
    /// replaces it.
    #[must_use]
    pub fn xml_local_entry(mut self, key: impl Into<String>, value: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = value.into();
        let xml = Some(XmlValue::new(text.to_string()));
        self.local_entries
            .insert(key.into(), DeployedEntry { text, xml });
        self
    }

    /// Adds a typed value for mediators to find with [`Env::extension`]: how layers above the
    /// core (endpoints, transports) reach the mediators that need them without the core
    /// knowing their types. A later value of the same type replaces it.
    ///
    /// ```
    /// use mediate_core::Env;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Region(&'static str);
    ///
    /// let env = Env::builder().extension(Region("eu-west")).build();
    /// assert_eq!(env.extension::<Region>(), Some(&Region("eu-west")));
    /// assert_eq!(env.extension::<u32>(), None);
    /// ```
    #[must_use]
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The environment.
    pub fn build(self) -> Env {
        Env {
            inner: Arc::new(EnvInner {
                sequences: self.sequences,
                templates: self.templates,
                local_entries: self.local_entries,
                extensions: self.extensions,
            }),
        }
    }
}

/// Synapse's `synCtx.getEntry(key)` for `get-property('KEY')`: a text entry as its string, an
/// XML entry ([`EnvBuilder::xml_local_entry`]) as its element.
impl LocalEntries for Env {
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        let entry = self.inner.local_entries.get(key)?;
        Some(match &entry.xml {
            Some(xml) => LocalEntry::Xml(xml),
            None => LocalEntry::Text(&entry.text),
        })
    }
}

#[cfg(test)]
mod tests {
    use mediate_expr::xpath::{LocalEntries, LocalEntry};
    use mediate_expr::{Expression, Namespaces};
    use mediate_message::MessageContext;

    use super::Env;

    fn eval(env: &Env, expr: &str, msg: &MessageContext) -> String {
        Expression::compile(expr, &Namespaces::new())
            .unwrap()
            .evaluate_string_in(msg, &env.xpath_scope())
            .unwrap()
    }

    #[test]
    fn text_and_xml_entries_as_synapse_get_entry_gives_them() {
        let env = Env::builder()
            .local_entry("greeting", "hello")
            .xml_local_entry("cfg", "<cfg><url>http://b/o</url></cfg>")
            .build();
        assert!(matches!(
            LocalEntries::local_entry(&env, "greeting"),
            Some(LocalEntry::Text("hello"))
        ));
        assert!(matches!(
            LocalEntries::local_entry(&env, "cfg"),
            Some(LocalEntry::Xml(_))
        ));
        assert!(LocalEntries::local_entry(&env, "missing").is_none());
        // The inherent method keeps giving the text of either kind.
        assert_eq!(
            env.local_entry("cfg").map(|t| &**t),
            Some("<cfg><url>http://b/o</url></cfg>")
        );
    }

    #[test]
    fn get_property_falls_back_to_the_entries_and_a_property_wins() {
        let env = Env::builder()
            .local_entry("greeting", "hello")
            .xml_local_entry("cfg", "<cfg><url>http://b/o</url></cfg>")
            .build();
        let mut msg = MessageContext::from_xml("<a/>");
        assert_eq!(eval(&env, "get-property('greeting')", &msg), "hello");
        assert_eq!(
            eval(&env, "get-property('default', 'greeting')", &msg),
            "hello"
        );
        assert_eq!(eval(&env, "get-property('cfg')/url", &msg), "http://b/o");
        assert_eq!(
            eval(&env, "${xpath(\"get-property('cfg')/url\")}", &msg),
            "http://b/o"
        );
        // Other scopes read properties only.
        assert_eq!(eval(&env, "$ctx:greeting", &msg), "");
        assert_eq!(eval(&env, "get-property('axis2', 'greeting')", &msg), "");
        msg.set_property("greeting", "hi");
        assert_eq!(eval(&env, "get-property('greeting')", &msg), "hi");
        // Without the scope there are no entries.
        let plain = Expression::compile("get-property('cfg')", &Namespaces::new()).unwrap();
        assert_eq!(plain.evaluate_string(&msg).unwrap(), "");
    }

    #[test]
    fn an_xml_entry_that_is_not_xml_reads_as_its_text() {
        let env = Env::builder().xml_local_entry("bad", "<a>").build();
        let msg = MessageContext::from_xml("<a/>");
        assert_eq!(eval(&env, "get-property('bad')", &msg), "<a>");
    }
}
