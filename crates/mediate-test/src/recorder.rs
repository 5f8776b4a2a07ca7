//! Test mediators: [`Recorder`] (records what it sees), [`Fail`] (always fails) and
//! [`Probe`] (leaves a trail on the message).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use mediate_core::{
    Env, Flow, MediationError, Mediator, MessageContext, Origin, PropertyValue, VariableValue,
    async_trait,
};

/// What a [`Recorder`] saw of one message.
///
/// ```
/// use mediate_test::{run, Recorder, TestMessage};
///
/// let rec = Recorder::new();
/// run(&rec, TestMessage::json("[1]").header("X-A", "a").response(200));
/// let seen = rec.last().unwrap();
/// assert_eq!((seen.point.as_str(), seen.seq), ("recorder", 0));
/// assert_eq!(seen.content_type, "application/json");
/// assert_eq!(seen.headers["x-a"], "a");
/// assert!(seen.is_response && seen.error_code.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The recorder's point name ([`Recorder::at`]; `"recorder"` by default): where in the flow
    /// the message was seen.
    pub point: String,
    /// The position of this record in the shared log (0 for the first message seen).
    pub seq: usize,
    /// The payload bytes (a cheap clone of the message's [`Bytes`]).
    pub payload: Bytes,
    /// The payload's content type.
    pub content_type: String,
    /// The default-scope properties (as stored, not the fault facts), sorted by name.
    pub properties: BTreeMap<String, PropertyValue>,
    /// The variables, sorted by name.
    pub variables: BTreeMap<String, VariableValue>,
    /// The transport headers (lowercase names; repeated values joined with `, `), sorted.
    pub headers: BTreeMap<String, String>,
    /// Whether the message was a response.
    pub is_response: bool,
    /// `ERROR_CODE` of the fault facts, when the message had any.
    pub error_code: Option<i32>,
}

impl Recorded {
    /// The payload as (lossy) UTF-8 text.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// run(&rec, TestMessage::text("hello"));
    /// assert_eq!(rec.messages()[0].payload_text(), "hello");
    /// ```
    pub fn payload_text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }

    /// A default-scope property as MI prints it.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// run(&rec, TestMessage::empty().property("n", 2.5));
    /// assert_eq!(rec.messages()[0].property("n").as_deref(), Some("2.5"));
    /// ```
    pub fn property(&self, name: &str) -> Option<String> {
        self.properties.get(name).map(PropertyValue::as_string)
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;

fn lock(log: &Log) -> MutexGuard<'_, Vec<Recorded>> {
    // A test that panicked while holding the lock leaves the log readable.
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A mediator that records every message it sees (payload, content type, properties,
/// variables, headers, flow point) into a shared log, and lets the flow continue.
///
/// Clones share the log; [`at`](Self::at) makes a recorder for another point of the flow
/// writing to the same log, so the order of points can be checked. It declares
/// `reads_body() == false`: it clones the payload bytes but never parses them (use
/// [`reading_body`](Self::reading_body) to say otherwise).
///
/// ```
/// use mediate_core::{Flow, Sequence};
/// use mediate_test::{run, Recorder, TestMessage};
///
/// let before = Recorder::new().at("before");
/// let after = before.at("after");
/// let seq = Sequence::anonymous().then(before.clone()).then(after.clone());
/// run(&seq, TestMessage::json(r#"{"a":1}"#).property("p", "v"));
/// run(&seq, TestMessage::text("second"));
///
/// assert_eq!(before.count(), 4); // one log, both points
/// let points: Vec<_> = before.messages().iter().map(|r| r.point.clone()).collect();
/// assert_eq!(points, ["before", "after", "before", "after"]);
/// let first = &before.messages()[0];
/// assert_eq!(first.payload_text(), r#"{"a":1}"#);
/// assert_eq!(first.property("p").as_deref(), Some("v"));
/// ```
#[derive(Clone)]
pub struct Recorder {
    point: String,
    log: Log,
    flow: Flow,
    reads_body: bool,
}

impl Recorder {
    /// A recorder with a fresh log, at point `"recorder"`, returning [`Flow::Continue`].
    ///
    /// ```
    /// use mediate_test::Recorder;
    ///
    /// let rec = Recorder::new();
    /// assert_eq!(rec.count(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            point: "recorder".to_owned(),
            log: Log::default(),
            flow: Flow::Continue,
            reads_body: false,
        }
    }

    /// A recorder writing to the same log under another point name.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let a = Recorder::new().at("a");
    /// let b = a.at("b");
    /// run(&b, TestMessage::empty());
    /// assert_eq!(a.messages()[0].point, "b");
    /// ```
    #[must_use]
    pub fn at(&self, point: impl Into<String>) -> Self {
        Self {
            point: point.into(),
            ..self.clone()
        }
    }

    /// Makes the recorder return [`Flow::Stop`] after recording (a stand-in for `drop`,
    /// `respond` or `send`).
    ///
    /// ```
    /// use mediate_core::Flow;
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let sink = Recorder::new().stopping();
    /// assert_eq!(run(&sink, TestMessage::empty()).flow(), Some(Flow::Stop));
    /// ```
    #[must_use]
    pub fn stopping(mut self) -> Self {
        self.flow = Flow::Stop;
        self
    }

    /// Makes the recorder declare `reads_body() == true`.
    ///
    /// ```
    /// use mediate_core::Mediator;
    /// use mediate_test::Recorder;
    ///
    /// assert!(!Recorder::new().reads_body());
    /// assert!(Recorder::new().reading_body().reads_body());
    /// ```
    #[must_use]
    pub fn reading_body(mut self) -> Self {
        self.reads_body = true;
        self
    }

    /// A copy of everything recorded so far, in order.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// run(&rec, TestMessage::text("a"));
    /// run(&rec, TestMessage::text("b"));
    /// let texts: Vec<_> = rec.messages().iter().map(|r| r.payload_text()).collect();
    /// assert_eq!(texts, ["a", "b"]);
    /// ```
    pub fn messages(&self) -> Vec<Recorded> {
        lock(&self.log).clone()
    }

    /// The records made at one point, in order.
    ///
    /// ```
    /// use mediate_core::Sequence;
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let a = Recorder::new().at("a");
    /// let b = a.at("b");
    /// run(&Sequence::anonymous().then(a.clone()).then(b.clone()), TestMessage::empty());
    /// assert_eq!(a.messages_at("b").len(), 1);
    /// ```
    pub fn messages_at(&self, point: &str) -> Vec<Recorded> {
        lock(&self.log)
            .iter()
            .filter(|r| r.point == point)
            .cloned()
            .collect()
    }

    /// The last record, if any.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// assert!(rec.last().is_none());
    /// run(&rec, TestMessage::text("z"));
    /// assert_eq!(rec.last().unwrap().payload_text(), "z");
    /// ```
    pub fn last(&self) -> Option<Recorded> {
        lock(&self.log).last().cloned()
    }

    /// How many messages were recorded (at every point of the shared log).
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// run(&rec, TestMessage::empty());
    /// assert_eq!(rec.count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        lock(&self.log).len()
    }

    /// Forgets every record.
    ///
    /// ```
    /// use mediate_test::{run, Recorder, TestMessage};
    ///
    /// let rec = Recorder::new();
    /// run(&rec, TestMessage::empty());
    /// rec.clear();
    /// assert_eq!(rec.count(), 0);
    /// ```
    pub fn clear(&self) {
        lock(&self.log).clear();
    }

    fn record(&self, msg: &MessageContext) {
        let headers = msg
            .transport_headers()
            .keys()
            .filter_map(|name| {
                msg.transport_header(name.as_str())
                    .map(|v| (name.as_str().to_owned(), v))
            })
            .collect();
        let mut log = lock(&self.log);
        let seq = log.len();
        log.push(Recorded {
            point: self.point.clone(),
            seq,
            payload: msg.payload().clone(),
            content_type: msg.content_type().to_owned(),
            properties: msg
                .properties()
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            variables: msg
                .variables()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            headers,
            is_response: msg.is_response(),
            error_code: msg.fault().and_then(|f| f.code),
        });
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("point", &self.point)
            .field("count", &self.count())
            .field("flow", &self.flow)
            .finish()
    }
}

#[async_trait]
impl Mediator for Recorder {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        self.record(msg);
        Ok(self.flow)
    }

    fn kind(&self) -> &str {
        "test:recorder"
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}

/// The cause kept by [`Fail`]: the text of the template error's cause.
#[derive(Debug)]
struct Cause(String);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Cause {}

/// A mediator that always fails with (a copy of) a given [`MediationError`].
///
/// The copy keeps the code, message, detail, origin and retryability; a cause is kept as its
/// text (errors are not `Clone`).
///
/// ```
/// use mediate_core::{codes, MediationError, Mediator};
/// use mediate_test::{run, Fail, TestMessage};
///
/// let fail = Fail::with(MediationError::backend(codes::CONNECTION_TIMEOUT, "timed out").retryable(true));
/// let (err, _) = run(&fail, TestMessage::empty()).expect_error();
/// assert!(err.is_timeout() && err.is_retryable() && err.is_backend());
/// assert_eq!(fail.kind(), "test:fail");
/// ```
#[derive(Debug, Clone)]
pub struct Fail {
    code: i32,
    origin: Origin,
    message: String,
    detail: Option<String>,
    retryable: bool,
    cause: Option<String>,
}

impl Fail {
    /// A mediator failing with copies of `error`.
    ///
    /// ```
    /// use mediate_core::MediationError;
    /// use mediate_test::{run, Fail, TestMessage};
    ///
    /// let fail = Fail::with(MediationError::client(400, "bad").with_detail("field x"));
    /// let (err, _) = run(&fail, TestMessage::empty()).expect_error();
    /// assert_eq!((err.code(), err.detail()), (400, Some("field x")));
    /// ```
    pub fn with(error: MediationError) -> Self {
        Self {
            code: error.code(),
            origin: error.origin(),
            message: error.message().to_owned(),
            detail: error.detail().map(str::to_owned),
            retryable: error.is_retryable(),
            cause: std::error::Error::source(&error).map(ToString::to_string),
        }
    }

    /// A mediator failing with a generic mediator error ([`MediationError::mediator`]).
    ///
    /// ```
    /// use mediate_test::{run, Fail, TestMessage};
    ///
    /// let (err, _) = run(&Fail::message("nope"), TestMessage::empty()).expect_error();
    /// assert_eq!(err.code(), 0);
    /// ```
    pub fn message(message: impl Into<String>) -> Self {
        Self::with(MediationError::mediator(message))
    }

    /// A fresh copy of the error.
    ///
    /// ```
    /// use mediate_test::Fail;
    ///
    /// assert_eq!(Fail::message("x").error().message(), "x");
    /// ```
    pub fn error(&self) -> MediationError {
        let mut err = MediationError::new(self.code, self.origin, self.message.clone())
            .retryable(self.retryable);
        if let Some(detail) = &self.detail {
            err = err.with_detail(detail.clone());
        }
        if let Some(cause) = &self.cause {
            err = err.with_source(Cause(cause.clone()));
        }
        err
    }
}

#[async_trait]
impl Mediator for Fail {
    async fn mediate(&self, _msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        Err(self.error())
    }

    fn kind(&self) -> &str {
        "test:fail"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

/// The default-scope property in which [`Probe`]s leave their trail.
///
/// ```
/// use mediate_test::{run, Probe, TestMessage, TRAIL_PROPERTY};
///
/// let out = run(&Probe::new("a"), TestMessage::empty());
/// assert_eq!(out.msg.property(TRAIL_PROPERTY).unwrap().as_string(), "a");
/// ```
pub const TRAIL_PROPERTY: &str = "mediate.test.trail";

/// A mediator that appends its label to a trail property on the message (comma-separated,
/// [`TRAIL_PROPERTY`] unless [`into_property`](Self::into_property) says otherwise) and lets
/// the flow continue: read it back with [`trail`] to see which mediators a message passed
/// through, in order, without a shared log (the record travels with the message, through
/// clones and fault sequences).
///
/// ```
/// use mediate_core::Sequence;
/// use mediate_test::{run, Probe, TestMessage, trail};
///
/// let seq = Sequence::anonymous().then(Probe::new("a")).then(Probe::new("b"));
/// let out = run(&seq, TestMessage::empty());
/// assert_eq!(trail(&out.msg), ["a", "b"]);
/// ```
#[derive(Debug, Clone)]
pub struct Probe {
    label: String,
    property: String,
}

impl Probe {
    /// A probe appending `label` to [`TRAIL_PROPERTY`].
    ///
    /// ```
    /// use mediate_test::{run, Probe, TestMessage};
    ///
    /// let out = run(&Probe::new("x"), TestMessage::empty().property("mediate.test.trail", "w"));
    /// assert_eq!(out.msg.property("mediate.test.trail").unwrap().as_string(), "w,x");
    /// ```
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            property: TRAIL_PROPERTY.to_owned(),
        }
    }

    /// Makes the probe write to another default-scope property.
    ///
    /// ```
    /// use mediate_test::{run, Probe, TestMessage};
    ///
    /// let out = run(&Probe::new("seen").into_property("visited"), TestMessage::empty());
    /// assert_eq!(out.msg.property("visited").unwrap().as_string(), "seen");
    /// ```
    #[must_use]
    pub fn into_property(mut self, property: impl Into<String>) -> Self {
        self.property = property.into();
        self
    }
}

#[async_trait]
impl Mediator for Probe {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        let value = match msg.property(&self.property) {
            Some(old) => {
                let old = old.as_string();
                if old.is_empty() {
                    self.label.clone()
                } else {
                    format!("{old},{}", self.label)
                }
            }
            None => self.label.clone(),
        };
        msg.set_property(self.property.clone(), value);
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "test:probe"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

/// The labels the [`Probe`]s left in [`TRAIL_PROPERTY`], in order (empty when none ran).
///
/// ```
/// use mediate_test::{trail, TestMessage};
///
/// assert!(trail(&TestMessage::empty().build()).is_empty());
/// ```
pub fn trail(msg: &MessageContext) -> Vec<String> {
    trail_in(msg, TRAIL_PROPERTY)
}

/// The labels left in the default-scope property `property`, in order.
///
/// ```
/// use mediate_test::{run, trail_in, Probe, TestMessage};
///
/// let out = run(&Probe::new("p").into_property("t"), TestMessage::empty());
/// assert_eq!(trail_in(&out.msg, "t"), ["p"]);
/// ```
pub fn trail_in(msg: &MessageContext, property: &str) -> Vec<String> {
    match msg.property(property) {
        Some(v) => {
            let text = v.as_string();
            if text.is_empty() {
                Vec::new()
            } else {
                text.split(',').map(str::to_owned).collect()
            }
        }
        None => Vec::new(),
    }
}
