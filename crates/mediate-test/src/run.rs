//! Running a mediator or sequence on one message: [`run`], [`run_in`], [`run_flow`] and their
//! async twins, all returning an [`Outcome`].

use std::fmt;

use mediate_core::{Env, Flow, MediationError, Mediator, MessageContext, Sequence};

/// What running a mediator did: its result and the message as it was left.
///
/// ```
/// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
/// use mediate_test::{run, TestMessage};
///
/// let stamp = mediator_fn("stamp", |msg: &mut MessageContext| {
///     msg.set_property("stamped", true);
///     Ok::<_, MediationError>(Flow::Continue)
/// });
/// let out = run(&stamp, TestMessage::json("{}"));
/// assert_eq!(out.flow(), Some(Flow::Continue));
/// assert!(out.error().is_none());
/// assert!(out.msg.property("stamped").is_some());
/// ```
#[derive(Debug)]
pub struct Outcome {
    /// What the mediator returned: the [`Flow`], or the error.
    pub result: Result<Flow, MediationError>,
    /// The message after the run.
    pub msg: MessageContext,
}

impl Outcome {
    /// The flow, if the run succeeded.
    ///
    /// ```
    /// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
    /// use mediate_test::{run, TestMessage};
    ///
    /// let drop = mediator_fn("drop", |_: &mut MessageContext| Ok::<_, MediationError>(Flow::Stop));
    /// assert_eq!(run(&drop, TestMessage::empty()).flow(), Some(Flow::Stop));
    /// ```
    pub fn flow(&self) -> Option<Flow> {
        self.result.as_ref().ok().copied()
    }

    /// The error, if the run failed.
    ///
    /// ```
    /// use mediate_core::MediationError;
    /// use mediate_test::{run, Fail, TestMessage};
    ///
    /// let out = run(&Fail::with(MediationError::mediator("boom")), TestMessage::empty());
    /// assert_eq!(out.error().map(|e| e.message()), Some("boom"));
    /// ```
    pub fn error(&self) -> Option<&MediationError> {
        self.result.as_ref().err()
    }

    /// `true` if the run returned [`Flow::Continue`].
    ///
    /// ```
    /// use mediate_core::Sequence;
    /// use mediate_test::{run, TestMessage};
    ///
    /// assert!(run(&Sequence::anonymous(), TestMessage::empty()).is_continue());
    /// ```
    pub fn is_continue(&self) -> bool {
        self.flow() == Some(Flow::Continue)
    }

    /// `true` if the run returned [`Flow::Stop`].
    ///
    /// ```
    /// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext};
    /// use mediate_test::{run, TestMessage};
    ///
    /// let drop = mediator_fn("drop", |_: &mut MessageContext| Ok::<_, MediationError>(Flow::Stop));
    /// assert!(run(&drop, TestMessage::empty()).is_stop());
    /// ```
    pub fn is_stop(&self) -> bool {
        self.flow() == Some(Flow::Stop)
    }

    /// The message, after checking that the run returned `flow`.
    ///
    /// # Panics
    ///
    /// When the run failed or returned another flow; the message shows the error or flow.
    ///
    /// ```
    /// use mediate_core::{Flow, Sequence};
    /// use mediate_test::{run, TestMessage};
    ///
    /// let msg = run(&Sequence::anonymous(), TestMessage::text("x")).expect_flow(Flow::Continue);
    /// assert_eq!(msg.payload_as_text().unwrap(), "x");
    /// ```
    #[track_caller]
    pub fn expect_flow(self, flow: Flow) -> MessageContext {
        match &self.result {
            Ok(got) if *got == flow => self.msg,
            Ok(got) => panic!("expected the run to return {flow:?}, it returned {got:?}"),
            Err(e) => panic!(
                "expected the run to return {flow:?}, it failed: {} (code {}, {:?})",
                e,
                e.code(),
                e.origin()
            ),
        }
    }

    /// The error and the message, after checking that the run failed.
    ///
    /// # Panics
    ///
    /// When the run succeeded; the message shows the flow.
    ///
    /// ```
    /// use mediate_core::{codes, MediationError};
    /// use mediate_test::{run, Fail, TestMessage};
    ///
    /// let fail = Fail::with(MediationError::backend(codes::CONNECTION_FAILED, "refused"));
    /// let (err, _msg) = run(&fail, TestMessage::empty()).expect_error();
    /// assert!(err.is_connection_failure());
    /// ```
    #[track_caller]
    pub fn expect_error(self) -> (MediationError, MessageContext) {
        match self.result {
            Err(e) => (e, self.msg),
            Ok(flow) => panic!("expected the run to fail, it returned {flow:?}"),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(flow) => write!(f, "{flow:?}")?,
            Err(e) => write!(f, "error {} ({:?}): {e}", e.code(), e.origin())?,
        }
        write!(
            f,
            "; payload ({}): {}",
            self.msg.content_type(),
            crate::assert::preview(self.msg.payload())
        )
    }
}

/// A current-thread runtime with time enabled.
///
/// # Panics
///
/// When the runtime cannot be built (the system refused its resources).
#[track_caller]
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("mediate-test: cannot build a tokio runtime: {e}"),
    }
}

/// Runs `mediator` (a single mediator, or a [`Sequence`], which is one) on a message with an
/// empty [`Env`], on a fresh current-thread tokio runtime.
///
/// The mediator is called directly: an error is returned in the [`Outcome`] as it is (a
/// sequence still records the fault facts and runs its own `onError`); to run a flow with
/// the `fault` sequence as the last handler, use [`run_flow`].
///
/// # Panics
///
/// When called inside a tokio runtime (use [`run_async`] in `#[tokio::test]`s).
///
/// ```
/// use mediate_core::{mediator_fn, Flow, MediationError, MessageContext, Sequence};
/// use mediate_test::{run, Recorder, TestMessage};
///
/// let recorder = Recorder::new();
/// let seq = Sequence::named("main")
///     .then(mediator_fn("tag", |msg: &mut MessageContext| {
///         msg.set_property("tag", "a");
///         Ok::<_, MediationError>(Flow::Continue)
///     }))
///     .then(recorder.clone());
/// let out = run(&seq, TestMessage::json(r#"{"a":1}"#));
/// assert!(out.is_continue());
/// assert_eq!(recorder.count(), 1);
/// ```
#[track_caller]
pub fn run<M>(mediator: &M, msg: impl Into<MessageContext>) -> Outcome
where
    M: Mediator + ?Sized,
{
    run_in(&Env::default(), mediator, msg)
}

/// Runs `mediator` on a message with the given [`Env`] (sequences and local entries by key),
/// on a fresh current-thread tokio runtime.
///
/// # Panics
///
/// When called inside a tokio runtime (use [`run_in_async`]).
///
/// ```
/// use mediate_core::{mediator_fn, Env, Flow, MediationError, Mediator, MessageContext, Sequence};
/// use mediate_test::{run_in, TestMessage};
///
/// let env = Env::builder().local_entry("greeting", "hello").build();
/// // A mediator that reads a local entry from the Env.
/// #[derive(Debug)]
/// struct Greet;
/// #[mediate_core::async_trait]
/// impl Mediator for Greet {
///     async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
///         let text = env.local_entry("greeting").ok_or_else(|| MediationError::mediator("no greeting"))?;
///         msg.set_text(text.to_string());
///         Ok(Flow::Continue)
///     }
/// }
/// let out = run_in(&env, &Greet, TestMessage::empty());
/// assert_eq!(out.msg.payload_as_text().unwrap(), "hello");
/// ```
#[track_caller]
pub fn run_in<M>(env: &Env, mediator: &M, msg: impl Into<MessageContext>) -> Outcome
where
    M: Mediator + ?Sized,
{
    let msg = msg.into();
    runtime().block_on(run_in_async(env, mediator, msg))
}

/// Runs `seq` as the top of a flow with [`Env::run`]: a fault no `onError` handled goes to
/// the env's `fault` sequence (and the result is then `Ok(Flow::Stop)`).
///
/// # Panics
///
/// When called inside a tokio runtime (use [`run_flow_async`]).
///
/// ```
/// use mediate_core::{Env, MediationError, Sequence};
/// use mediate_test::{run_flow, Fail, Probe, TestMessage, trail};
///
/// let env = Env::builder()
///     .sequence("fault", Sequence::named("fault").then(Probe::new("fault")))
///     .build();
/// let main = Sequence::named("main")
///     .then(Probe::new("main"))
///     .then(Fail::with(MediationError::mediator("boom")));
/// let out = run_flow(&env, &main, TestMessage::empty());
/// assert!(out.is_stop());
/// assert_eq!(trail(&out.msg), ["main", "fault"]);
/// assert_eq!(out.msg.fault().unwrap().message.as_deref(), Some("boom"));
/// ```
#[track_caller]
pub fn run_flow(env: &Env, seq: &Sequence, msg: impl Into<MessageContext>) -> Outcome {
    let msg = msg.into();
    runtime().block_on(run_flow_async(env, seq, msg))
}

/// [`run`] for async tests (`#[tokio::test]`): runs on the caller's runtime.
///
/// ```
/// use mediate_core::Sequence;
/// use mediate_test::{run_async, TestMessage};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let out = run_async(&Sequence::anonymous(), TestMessage::text("hi")).await;
/// assert!(out.is_continue());
/// # });
/// ```
pub async fn run_async<M>(mediator: &M, msg: impl Into<MessageContext>) -> Outcome
where
    M: Mediator + ?Sized,
{
    run_in_async(&Env::default(), mediator, msg).await
}

/// [`run_in`] for async tests.
///
/// ```
/// use mediate_core::{Env, Sequence};
/// use mediate_test::{run_in_async, TestMessage};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let out = run_in_async(&Env::default(), &Sequence::anonymous(), TestMessage::empty()).await;
/// assert!(out.is_continue());
/// # });
/// ```
pub async fn run_in_async<M>(env: &Env, mediator: &M, msg: impl Into<MessageContext>) -> Outcome
where
    M: Mediator + ?Sized,
{
    let mut msg = msg.into();
    let result = mediator.mediate(&mut msg, env).await;
    Outcome { result, msg }
}

/// [`run_flow`] for async tests.
///
/// ```
/// use mediate_core::{Env, MediationError, Sequence};
/// use mediate_test::{run_flow_async, Fail, TestMessage};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// // No fault sequence deployed: the error comes back.
/// let main = Sequence::named("main").then(Fail::with(MediationError::mediator("x")));
/// let out = run_flow_async(&Env::default(), &main, TestMessage::empty()).await;
/// assert_eq!(out.error().unwrap().message(), "x");
/// # });
/// ```
pub async fn run_flow_async(env: &Env, seq: &Sequence, msg: impl Into<MessageContext>) -> Outcome {
    let mut msg = msg.into();
    let result = env.run(seq, &mut msg).await;
    Outcome { result, msg }
}
