//! Compliance checks: runs a mediator over a standard corpus of messages and verifies the
//! contract of the [`Mediator`] trait.
//!
//! For every message of the [`corpus`] (empty, JSON object / array / primitive, POX,
//! SOAP 1.1, SOAP 1.2, text, binary, malformed XML, malformed JSON, large JSON and XML), plus
//! any case a [`Checker`] adds, the mediator must:
//!
//! - **not panic** ([`Rule::Panic`]): the future is polled under `catch_unwind`; the report
//!   gives the panic's message and location;
//! - **finish** ([`Rule::Hang`]): within a generous guard (10 s per message by default; an
//!   async hang only: a mediator that blocks its thread cannot be interrupted);
//! - **fail with a message** ([`Rule::EmptyErrorMessage`]): an `Err` has a non-blank
//!   [`message`](mediate_core::MediationError::message);
//! - **keep its `reads_body() == false` promise**: the payload bytes and content type are left
//!   as they were ([`Rule::BodyChanged`]) and the body was not read ([`Rule::BodyParsed`]:
//!   none of the payload's JSON, XML and envelope views was built, and its bytes were not
//!   scanned for one JSON value, which the streaming `json-eval` / `${payload…}` fast path
//!   does).
//!
//! Once per mediator, [`kind`](Mediator::kind) must not be blank ([`Rule::Kind`]); built
//! from a registry, the spec must build ([`Rule::Build`]).
//!
//! The check installs, once per process, a panic hook that keeps quiet about panics of the
//! mediator under check on the thread that polls it (they are in the report instead) and
//! hands every other panic to the hook that was there before.
//!
//! ```
//! use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
//! use mediate_test::compliance;
//!
//! let tag = mediator_fn("tag", |msg: &mut MessageContext| {
//!     msg.set_property("tagged", true);
//!     Ok::<_, MediationError>(Flow::Continue)
//! })
//! .with_reads_body(false);
//! let report = compliance::check(&tag);
//! assert!(report.is_compliant(), "{report}");
//! compliance::assert_compliant(&tag);
//! ```

use std::fmt;
use std::time::Duration;

use mediate_core::{Env, Mediator, MediatorSpec, MessageContext, Registry};

use crate::assert::preview;
use crate::run::runtime;
use crate::{TestMessage, quiet};

/// One message of a compliance run.
#[derive(Debug, Clone)]
pub struct Case {
    /// A short name for reports (`json-object`, `soap12`…).
    pub name: String,
    /// The message.
    pub msg: MessageContext,
}

impl Case {
    /// A case.
    ///
    /// ```
    /// use mediate_test::{compliance::Case, TestMessage};
    ///
    /// let case = Case::new("csv", TestMessage::bytes("a,b", "text/csv"));
    /// assert_eq!(case.name, "csv");
    /// ```
    pub fn new(name: impl Into<String>, msg: impl Into<MessageContext>) -> Self {
        Self {
            name: name.into(),
            msg: msg.into(),
        }
    }
}

/// The standard corpus: one message of each shape a mediator may meet, well-formed or not.
///
/// ```
/// use mediate_test::compliance::corpus;
///
/// let names: Vec<_> = corpus().into_iter().map(|c| c.name).collect();
/// assert!(names.iter().any(|n| n == "malformed-json"));
/// assert!(names.iter().any(|n| n == "soap12"));
/// ```
pub fn corpus() -> Vec<Case> {
    let request = |m: TestMessage| {
        m.method("POST")
            .uri("/compliance/orders?id=7")
            .path_param("id", "7")
            .header("X-Compliance", "1")
            .property("compliance.case", true)
    };
    vec![
        Case::new("empty", request(TestMessage::empty())),
        Case::new(
            "json-object",
            request(TestMessage::json(
                r#"{"order":{"id":7,"items":[{"sku":"a","qty":2},{"sku":"b","qty":1}],"note":null,"vip":true,"total":12.5}}"#,
            )),
        ),
        Case::new(
            "json-array",
            request(TestMessage::json(r#"[1,"two",{"three":3},[4],null]"#)),
        ),
        Case::new("json-primitive", request(TestMessage::json("42"))),
        Case::new(
            "pox",
            request(TestMessage::xml(
                r#"<?xml version="1.0" encoding="UTF-8"?><order xmlns="urn:shop" id="7"><item sku="a">2</item><!-- c --><note><![CDATA[<x>&]]></note></order>"#,
            )),
        ),
        Case::new(
            "soap11",
            request(
                TestMessage::soap11(
                    r#"<m:getQuote xmlns:m="urn:quote"><m:symbol>IBM</m:symbol></m:getQuote>"#,
                )
                .soap_action("urn:getQuote"),
            ),
        ),
        Case::new(
            "soap12",
            request(TestMessage::soap12(
                r#"<m:getQuote xmlns:m="urn:quote"><m:symbol>WSO2</m:symbol></m:getQuote>"#,
            )),
        ),
        Case::new(
            "text",
            request(TestMessage::text("plain text with <markup> & \"quotes\"\n")),
        ),
        Case::new(
            "binary",
            request(TestMessage::binary(vec![
                0u8, 0xFF, 0xFE, 0x80, 0x7F, 10, 0,
            ])),
        ),
        Case::new(
            "malformed-xml",
            request(TestMessage::xml("<order><item></order>")),
        ),
        Case::new(
            "malformed-json",
            request(TestMessage::json(r#"{"order": [1, 2,}"#)),
        ),
        Case::new("large-json", request(TestMessage::json(large_json()))),
        Case::new("large-xml", request(TestMessage::xml(large_xml()))),
    ]
}

const LARGE_ITEMS: usize = 4000;

fn large_json() -> String {
    let mut s = String::from("{\"items\":[");
    for i in 0..LARGE_ITEMS {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":{i},\"name\":\"item-{i}\",\"price\":{}.5,\"tags\":[\"a\",\"b\"]}}",
            i % 100
        ));
    }
    s.push_str("]}");
    s
}

fn large_xml() -> String {
    let mut s = String::from("<items>");
    for i in 0..LARGE_ITEMS {
        s.push_str(&format!(
            "<item id=\"{i}\"><name>item-{i}</name><price>{}.5</price></item>",
            i % 100
        ));
    }
    s.push_str("</items>");
    s
}

/// What had read a message's payload: its built views (by name) and whether its JSON bytes
/// were scanned for a value.
struct ReadState {
    views: Vec<&'static str>,
    scanned: bool,
}

impl ReadState {
    /// The state of `msg`, without changing it.
    fn of(msg: &MessageContext) -> Self {
        let mut views = Vec::new();
        if msg.json_if_parsed().is_some() {
            views.push("JSON");
        }
        if msg.xml_if_parsed().is_some() {
            views.push("XML");
        }
        if msg.envelope_if_parsed().is_some() {
            views.push("envelope");
        }
        // Only the first reader may scan: a copy that may not has been scanned (or parsed).
        let scanned = !msg.clone().claim_json_scan();
        Self { views, scanned }
    }

    /// How `msg` was read since `self` was taken, if it was (`msg` is used up: its scan is
    /// claimed).
    fn read_since(&self, msg: &MessageContext) -> Option<String> {
        let now = Self::of(msg);
        let built: Vec<&str> = now
            .views
            .iter()
            .filter(|v| !self.views.contains(v))
            .copied()
            .collect();
        match built.as_slice() {
            [] if now.scanned && !self.scanned && now.views.is_empty() => {
                Some("read (its JSON bytes were scanned for a value)".into())
            }
            [] => None,
            [one] => Some(format!("parsed (its {one} view was built)")),
            more => Some(format!(
                "parsed (its {} views were built)",
                more.join(" and ")
            )),
        }
    }
}

/// A rule of the [`Mediator`] contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `kind()` is blank.
    Kind,
    /// The spec did not build ([`check_factory`]).
    Build,
    /// The mediator panicked.
    Panic,
    /// The mediator did not finish within the guard.
    Hang,
    /// An error with a blank message.
    EmptyErrorMessage,
    /// `reads_body()` is false but the payload (bytes or content type) changed.
    BodyChanged,
    /// `reads_body()` is false but the body was parsed (a view built) or scanned.
    BodyParsed,
}

impl Rule {
    /// A short name (`panic`, `body-changed`…).
    ///
    /// ```
    /// use mediate_test::compliance::Rule;
    ///
    /// assert_eq!(Rule::BodyChanged.as_str(), "body-changed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Build => "build",
            Self::Panic => "panic",
            Self::Hang => "hang",
            Self::EmptyErrorMessage => "empty-error-message",
            Self::BodyChanged => "body-changed",
            Self::BodyParsed => "body-parsed",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule.
///
/// ```
/// use mediate_test::{compliance::{self, Rule}, Fail};
///
/// let report = compliance::check(&Fail::message(""));
/// let v = &report.violations[0];
/// assert_eq!((v.rule, v.case.as_deref()), (Rule::EmptyErrorMessage, Some("empty")));
/// assert!(v.to_string().starts_with("[empty-error-message] case `empty`: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The case it was broken on (`None` for the per-mediator rules).
    pub case: Option<String>,
    /// What happened.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(case) => write!(f, "[{}] case `{case}`: {}", self.rule, self.detail),
            None => write!(f, "[{}] {}", self.rule, self.detail),
        }
    }
}

/// What a compliance check found.
///
/// ```
/// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
/// use mediate_test::compliance::{self, Rule};
///
/// let blank = mediator_fn("", |_: &mut MessageContext| Ok::<_, MediationError>(Flow::Continue));
/// let report = compliance::check(&blank);
/// assert!(!report.is_compliant());
/// assert_eq!(report.violations_of(Rule::Kind).count(), 1);
/// assert!(report.to_string().contains("[kind]"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The mediator's kind (or the spec's, when it did not build).
    pub mediator: String,
    /// The names of the cases run.
    pub cases: Vec<String>,
    /// The violations, in the order found.
    pub violations: Vec<Violation>,
}

impl Report {
    /// `true` when no rule was broken.
    ///
    /// ```
    /// use mediate_test::{compliance, Recorder};
    ///
    /// assert!(compliance::check(&Recorder::new()).is_compliant());
    /// ```
    pub fn is_compliant(&self) -> bool {
        self.violations.is_empty()
    }

    /// The violations of one rule.
    ///
    /// ```
    /// use mediate_test::{compliance::{self, Rule}, Recorder};
    ///
    /// assert_eq!(compliance::check(&Recorder::new()).violations_of(Rule::Panic).count(), 0);
    /// ```
    pub fn violations_of(&self, rule: Rule) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(move |v| v.rule == rule)
    }

    /// Panics with the report when a rule was broken.
    ///
    /// ```
    /// use mediate_test::{compliance, Recorder};
    ///
    /// compliance::check(&Recorder::new()).assert_compliant();
    /// ```
    #[track_caller]
    pub fn assert_compliant(&self) {
        if !self.is_compliant() {
            panic!("{self}");
        }
    }

    fn violation(&mut self, rule: Rule, case: Option<&str>, detail: impl Into<String>) {
        self.violations.push(Violation {
            rule,
            case: case.map(str::to_owned),
            detail: detail.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mediator `{}`: {} cases, {} violations of the Mediator contract",
            self.mediator,
            self.cases.len(),
            self.violations.len()
        )?;
        for v in &self.violations {
            write!(f, "\n  - {v}")?;
        }
        Ok(())
    }
}

/// A configurable compliance check: the corpus (and extra cases), the [`Env`], the hang
/// guard.
///
/// ```
/// use std::time::Duration;
/// use mediate_core::Env;
/// use mediate_test::{compliance::{Case, Checker}, Recorder, TestMessage};
///
/// let report = Checker::new()
///     .timeout(Duration::from_secs(5))
///     .env(Env::default())
///     .case(Case::new("csv", TestMessage::bytes("a,b", "text/csv")))
///     .check(&Recorder::new());
/// assert!(report.is_compliant());
/// assert!(report.cases.iter().any(|c| c == "csv"));
/// ```
#[derive(Debug, Clone)]
pub struct Checker {
    timeout: Duration,
    env: Env,
    cases: Vec<Case>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// A checker over the standard [`corpus`], an empty [`Env`] and a 10 s guard per message.
    ///
    /// ```
    /// use mediate_test::compliance::{corpus, Checker};
    ///
    /// assert_eq!(Checker::new().cases().len(), corpus().len());
    /// ```
    pub fn new() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            env: Env::default(),
            cases: corpus(),
        }
    }

    /// A checker over the given cases only (no standard corpus).
    ///
    /// ```
    /// use mediate_test::{compliance::{Case, Checker}, TestMessage};
    ///
    /// let checker = Checker::with_cases(vec![Case::new("one", TestMessage::empty())]);
    /// assert_eq!(checker.cases().len(), 1);
    /// ```
    pub fn with_cases(cases: Vec<Case>) -> Self {
        Self {
            cases,
            ..Self::new()
        }
    }

    /// Sets the hang guard per message.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mediate_test::compliance::Checker;
    ///
    /// let _checker = Checker::new().timeout(Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the environment the mediator runs with (sequences, local entries it needs).
    ///
    /// ```
    /// use mediate_core::Env;
    /// use mediate_test::compliance::Checker;
    ///
    /// let _checker = Checker::new().env(Env::builder().local_entry("k", "v").build());
    /// ```
    #[must_use]
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Adds a case.
    ///
    /// ```
    /// use mediate_test::{compliance::{Case, Checker}, TestMessage};
    ///
    /// let checker = Checker::with_cases(vec![]).case(Case::new("x", TestMessage::text("x")));
    /// assert_eq!(checker.cases()[0].name, "x");
    /// ```
    #[must_use]
    pub fn case(mut self, case: Case) -> Self {
        self.cases.push(case);
        self
    }

    /// The cases that will be run.
    ///
    /// ```
    /// use mediate_test::compliance::Checker;
    ///
    /// assert!(Checker::new().cases().iter().any(|c| c.name == "binary"));
    /// ```
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Checks `mediator` on a fresh current-thread runtime.
    ///
    /// # Panics
    ///
    /// When called inside a tokio runtime (use [`check_async`](Self::check_async)).
    ///
    /// ```
    /// use mediate_test::{compliance::Checker, Probe};
    ///
    /// assert!(Checker::new().check(&Probe::new("p")).is_compliant());
    /// ```
    #[track_caller]
    pub fn check(&self, mediator: &dyn Mediator) -> Report {
        runtime().block_on(self.check_async(mediator))
    }

    /// Checks `mediator` on the caller's tokio runtime, which must have its timer enabled
    /// (`#[tokio::test]` does).
    ///
    /// ```
    /// use mediate_test::{compliance::Checker, Probe};
    ///
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// # rt.block_on(async {
    /// let report = Checker::new().check_async(&Probe::new("p")).await;
    /// assert!(report.is_compliant());
    /// # });
    /// ```
    pub async fn check_async(&self, mediator: &dyn Mediator) -> Report {
        let hooks = quiet::call(|| (mediator.kind().to_owned(), mediator.reads_body()));
        let (kind, reads_body) = match hooks {
            Ok(hooks) => hooks,
            Err(panic) => {
                let mut report = Report::default();
                report.violation(
                    Rule::Panic,
                    None,
                    format!("kind() or reads_body() panicked: {panic}"),
                );
                return report;
            }
        };
        let mut report = Report {
            mediator: kind,
            ..Report::default()
        };
        if report.mediator.trim().is_empty() {
            report.violation(Rule::Kind, None, "kind() is blank");
        }
        for case in &self.cases {
            report.cases.push(case.name.clone());
            self.check_case(mediator, reads_body, case, &mut report)
                .await;
        }
        report
    }

    async fn check_case(
        &self,
        mediator: &dyn Mediator,
        reads_body: bool,
        case: &Case,
        report: &mut Report,
    ) {
        let name = Some(case.name.as_str());
        let mut msg = case.msg.clone();
        let before_payload = msg.payload().clone();
        let before_type = msg.content_type().to_owned();
        let before = ReadState::of(&msg);
        let run = quiet::future(mediator.mediate(&mut msg, &self.env));
        let result = match tokio::time::timeout(self.timeout, run).await {
            Err(_) => {
                report.violation(
                    Rule::Hang,
                    name,
                    format!("did not finish within {:?}", self.timeout),
                );
                return;
            }
            Ok(Err(panic)) => {
                report.violation(Rule::Panic, name, format!("panicked: {panic}"));
                return;
            }
            Ok(Ok(result)) => result,
        };
        if let Err(err) = &result
            && err.message().trim().is_empty()
        {
            report.violation(
                Rule::EmptyErrorMessage,
                name,
                format!(
                    "returned an error with a blank message (code {}, {:?})",
                    err.code(),
                    err.origin()
                ),
            );
        }
        if reads_body {
            return;
        }
        if msg.payload() != &before_payload || msg.content_type() != before_type {
            report.violation(
                Rule::BodyChanged,
                name,
                format!(
                    "reads_body() is false but the payload changed from ({before_type}) {} to ({}) {}",
                    preview(&before_payload),
                    msg.content_type(),
                    preview(msg.payload())
                ),
            );
        } else if let Some(how) = before.read_since(&msg) {
            report.violation(
                Rule::BodyParsed,
                name,
                format!("reads_body() is false but the payload was {how}"),
            );
        }
    }

    /// Builds `spec` with `registry` and checks the mediator; a spec that does not build is a
    /// [`Rule::Build`] violation.
    ///
    /// # Panics
    ///
    /// When called inside a tokio runtime.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mediate_core::{Mediator, MediatorSpec, Registry};
    /// use mediate_test::{compliance::Checker, Probe};
    ///
    /// let mut registry = Registry::new();
    /// registry.register("probe", |spec: &MediatorSpec| {
    ///     Ok(Arc::new(Probe::new(spec.require("label")?)) as Arc<dyn Mediator>)
    /// });
    /// let report = Checker::new().check_factory(&registry, &MediatorSpec::new("probe").property("label", "x"));
    /// assert!(report.is_compliant(), "{report}");
    /// ```
    #[track_caller]
    pub fn check_factory(&self, registry: &Registry, spec: &MediatorSpec) -> Report {
        match registry.build(spec) {
            Ok(mediator) => self.check(&*mediator),
            Err(e) => Report {
                mediator: spec.kind.clone(),
                cases: Vec::new(),
                violations: vec![Violation {
                    rule: Rule::Build,
                    case: None,
                    detail: format!("the spec did not build: {e}"),
                }],
            },
        }
    }
}

/// Checks `mediator` over the standard corpus (see [`Checker`] to configure).
///
/// # Panics
///
/// When called inside a tokio runtime (use [`check_async`]).
///
/// ```
/// use mediate_test::{compliance, Recorder};
///
/// assert!(compliance::check(&Recorder::new()).is_compliant());
/// ```
#[track_caller]
pub fn check(mediator: &dyn Mediator) -> Report {
    Checker::new().check(mediator)
}

/// [`check`] on the caller's runtime (timer enabled), for `#[tokio::test]`s.
///
/// ```
/// use mediate_test::{compliance, Recorder};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// assert!(compliance::check_async(&Recorder::new()).await.is_compliant());
/// # });
/// ```
pub async fn check_async(mediator: &dyn Mediator) -> Report {
    Checker::new().check_async(mediator).await
}

/// Builds `spec` with `registry` and checks the mediator over the standard corpus.
///
/// ```
/// use std::sync::Arc;
/// use mediate_core::{Mediator, MediatorSpec, Registry};
/// use mediate_test::{compliance::{self, Rule}, Recorder};
///
/// let mut registry = Registry::new();
/// registry.register("rec", |_: &MediatorSpec| Ok(Arc::new(Recorder::new()) as Arc<dyn Mediator>));
/// assert!(compliance::check_factory(&registry, &MediatorSpec::new("rec")).is_compliant());
/// let unknown = compliance::check_factory(&registry, &MediatorSpec::new("nope"));
/// assert_eq!(unknown.violations_of(Rule::Build).count(), 1);
/// ```
#[track_caller]
pub fn check_factory(registry: &Registry, spec: &MediatorSpec) -> Report {
    Checker::new().check_factory(registry, spec)
}

/// Checks `mediator` over the standard corpus and panics with the report when it breaks a
/// rule.
///
/// ```should_panic
/// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
/// use mediate_test::compliance;
///
/// // Says it does not read the body, then replaces it.
/// let liar = mediator_fn("liar", |msg: &mut MessageContext| {
///     msg.set_text("changed");
///     Ok::<_, MediationError>(Flow::Continue)
/// })
/// .with_reads_body(false);
/// compliance::assert_compliant(&liar);
/// ```
#[track_caller]
pub fn assert_compliant(mediator: &dyn Mediator) {
    check(mediator).assert_compliant();
}

/// Builds `spec` with `registry`, checks the mediator and panics with the report when it
/// does not build or breaks a rule.
///
/// ```
/// use std::sync::Arc;
/// use mediate_core::{Mediator, MediatorSpec, Registry};
/// use mediate_test::{compliance, Probe};
///
/// let mut registry = Registry::new();
/// registry.register("probe", |_: &MediatorSpec| Ok(Arc::new(Probe::new("p")) as Arc<dyn Mediator>));
/// compliance::assert_factory_compliant(&registry, &MediatorSpec::new("probe"));
/// ```
#[track_caller]
pub fn assert_factory_compliant(registry: &Registry, spec: &MediatorSpec) {
    check_factory(registry, spec).assert_compliant();
}
