//! The runtime state of one leaf endpoint: active, timed out (marked for suspension),
//! suspended, or switched off; Synapse's `EndpointContext` as pure logic over an
//! [`EndpointStateMachine`]. Time is passed in, so the machine never reads a clock.
//!
//! The rules, as wso2-synapse's `EndpointContext` (local, non-clustered mode) and
//! `AddressEndpoint.onFault` apply them and MI's "Endpoint Error Handling" page describes:
//!
//! - A failure is first checked against the timeout (`markForSuspension`) codes, then
//!   against the suspend (`suspendOnFailure`) codes; a code in neither is ignored
//!   ([`SuspensionSettings::classify`]).
//! - A timeout-class failure moves the endpoint to [`EndpointState::Timeout`] while
//!   retries remain (`retriesBeforeSuspension`, counted down by each such failure), and
//!   the endpoint may be tried again `retryDelay` later. With none left it is suspended.
//! - A suspension lasts `initialDuration` the first time, then the previous duration ×
//!   `progressionFactor`, never more than `maximumDuration`; the endpoint may be tried
//!   again when it ends. A success resets everything to [`EndpointState::Active`].
//! - Neither timeout nor suspension ends by itself: once its time has passed the endpoint
//!   is [ready to send](EndpointStateMachine::ready_to_send) again, but it stays in that
//!   state until a message succeeds (back to active) or fails again.

use std::time::{Duration, Instant};

use crate::dynamic::Dynamic;
use crate::settings::{EndpointSettings, defaults};

/// Synapse's `NHTTP_CONNECTION_TIMEOUT`.
const CONNECTION_TIMEOUT: i32 = 101_504;
/// Synapse's `NHTTP_CONNECTION_CLOSED`.
const CONNECTION_CLOSED: i32 = 101_505;

/// The suspension settings of one endpoint with every value known: what the state machine
/// runs on.
///
/// [`from_settings`](Self::from_settings) takes them from an endpoint's
/// [`EndpointSettings`]. A setting MI lets compute per message ([`Dynamic::Expression`])
/// is not known there and takes its default; a runtime that evaluates those expressions
/// fills in this struct itself (its fields are public) and builds the machine with
/// [`EndpointStateMachine::new`].
///
/// [`Default`] is MI's behaviour when the endpoint says nothing: 101504 and 101505 mark
/// for suspension, with no retries; every other error suspends for 30 s, every time.
#[derive(Clone, Debug, PartialEq)]
pub struct SuspensionSettings {
    /// `markForSuspension/errorCodes`. Empty means MI's default,
    /// [`defaults::TIMEOUT_ERROR_CODES`] (connection timeout and connection closed).
    pub timeout_error_codes: Vec<i32>,
    /// `markForSuspension/retriesBeforeSuspension`: how many timeout-class failures in a
    /// row move the endpoint to the timeout state before the next one suspends it.
    pub retries_before_suspension: u32,
    /// `markForSuspension/retryDelay`: how long a timed-out endpoint waits before it may
    /// be tried again.
    pub retry_delay: Duration,
    /// `suspendOnFailure/errorCodes`. Empty means every error that is not timeout-class
    /// suspends.
    pub suspend_error_codes: Vec<i32>,
    /// `suspendOnFailure/initialDuration`; `None` (MI's "-1") means the first suspension
    /// lasts [`defaults::INITIAL_SUSPEND_DURATION`] (30 s), a value Synapse does not cap
    /// by `maximum_duration`.
    pub initial_duration: Option<Duration>,
    /// `suspendOnFailure/progressionFactor`: each suspension in a series lasts the
    /// previous one times this factor.
    pub progression_factor: f32,
    /// `suspendOnFailure/maximumDuration`: the cap of the series.
    pub maximum_duration: Duration,
}

impl Default for SuspensionSettings {
    fn default() -> Self {
        SuspensionSettings {
            timeout_error_codes: Vec::new(),
            retries_before_suspension: defaults::RETRIES_BEFORE_SUSPENSION,
            retry_delay: defaults::RETRY_DELAY,
            suspend_error_codes: Vec::new(),
            initial_duration: None,
            progression_factor: defaults::PROGRESSION_FACTOR,
            maximum_duration: defaults::MAXIMUM_SUSPEND_DURATION,
        }
    }
}

/// What a failure means for an endpoint, by its error code
/// ([`SuspensionSettings::classify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// A `markForSuspension` error: the endpoint times out, or is suspended when no
    /// retries remain.
    Timeout,
    /// A `suspendOnFailure` error: the endpoint is suspended at once.
    Suspend,
    /// Neither: the message fails, the endpoint stays as it is.
    Ignore,
}

impl SuspensionSettings {
    /// The settings of `settings`' `<markForSuspension>` and `<suspendOnFailure>`, with
    /// MI's defaults for what they leave out.
    ///
    /// A setting written as an `{expression}` takes its default here (an error-code list
    /// reads as empty, so the default classification applies): the expressions are
    /// evaluated per message by the runtime, which then builds its own
    /// `SuspensionSettings`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mediate_endpoints::{Dynamic, EndpointSettings, SuspendOnFailure, SuspensionSettings};
    ///
    /// let settings = EndpointSettings {
    ///     suspend_on_failure: Some(SuspendOnFailure {
    ///         initial_duration: Some(Dynamic::Value(Duration::from_millis(1000))),
    ///         progression_factor: Some(Dynamic::Expression("$ctx:factor".into())),
    ///         ..SuspendOnFailure::default()
    ///     }),
    ///     ..EndpointSettings::default()
    /// };
    /// let resolved = SuspensionSettings::from_settings(&settings);
    /// assert_eq!(resolved.initial_duration, Some(Duration::from_millis(1000)));
    /// assert_eq!(resolved.progression_factor, 1.0); // the expression: MI's default
    /// ```
    pub fn from_settings(settings: &EndpointSettings) -> Self {
        fn known<T: Clone>(setting: &Option<Dynamic<T>>) -> Option<T> {
            setting.as_ref().and_then(Dynamic::value).cloned()
        }
        let mut resolved = SuspensionSettings::default();
        if let Some(mark) = &settings.mark_for_suspension {
            if let Some(codes) = known(&mark.error_codes) {
                resolved.timeout_error_codes = codes;
            }
            if let Some(retries) = known(&mark.retries_before_suspension) {
                resolved.retries_before_suspension = retries;
            }
            if let Some(delay) = known(&mark.retry_delay) {
                resolved.retry_delay = delay;
            }
        }
        if let Some(suspend) = &settings.suspend_on_failure {
            if let Some(codes) = known(&suspend.error_codes) {
                resolved.suspend_error_codes = codes;
            }
            resolved.initial_duration = known(&suspend.initial_duration);
            if let Some(factor) = known(&suspend.progression_factor) {
                resolved.progression_factor = factor;
            }
            if let Some(maximum) = known(&suspend.maximum_duration) {
                resolved.maximum_duration = maximum;
            }
        }
        resolved
    }

    /// What a failure with Synapse error code `error_code` does to the endpoint: timeout
    /// codes are checked first, then suspend codes (`AddressEndpoint.onFault`).
    ///
    /// A list written as `-1` names no real error code, so it turns that class off: MI's
    /// documented way to say "never suspend" (`suspendOnFailure/errorCodes` = `-1`) or
    /// "never time out" (`markForSuspension/errorCodes` = `-1`).
    ///
    /// ```
    /// use mediate_endpoints::{FailureClass, SuspensionSettings};
    ///
    /// let defaults = SuspensionSettings::default();
    /// assert_eq!(defaults.classify(101504), FailureClass::Timeout);
    /// assert_eq!(defaults.classify(101503), FailureClass::Suspend);
    ///
    /// let never_suspend = SuspensionSettings {
    ///     suspend_error_codes: vec![-1],
    ///     ..SuspensionSettings::default()
    /// };
    /// assert_eq!(never_suspend.classify(101503), FailureClass::Ignore);
    /// ```
    pub fn classify(&self, error_code: i32) -> FailureClass {
        let timeout = if self.timeout_error_codes.is_empty() {
            error_code == CONNECTION_TIMEOUT || error_code == CONNECTION_CLOSED
        } else {
            self.timeout_error_codes.contains(&error_code)
        };
        if timeout {
            FailureClass::Timeout
        } else if self.suspend_error_codes.is_empty()
            || self.suspend_error_codes.contains(&error_code)
        {
            FailureClass::Suspend
        } else {
            FailureClass::Ignore
        }
    }

    /// The next suspension of a series whose previous one lasted `previous` (`None` for
    /// the first): Synapse's `computeNextRetryTimeForSuspended`, in whole milliseconds,
    /// with its arithmetic (a Java `long` × `float` product, cut to a `long`).
    fn next_suspension(&self, previous: Option<Duration>) -> Duration {
        let maximum = millis(self.maximum_duration);
        let next = match previous {
            Some(previous) if !previous.is_zero() => {
                // Java: `(long) (last * factor)`, the product a `float`; `as` saturates
                // (and maps NaN to 0) as Java's cast does.
                (millis(previous) as f32 * self.progression_factor) as i64
            }
            _ => self.initial_duration.map_or(-1, millis),
        };
        let next = if next > maximum {
            maximum
        } else if next < 0 {
            millis(defaults::INITIAL_SUSPEND_DURATION)
        } else {
            next
        };
        Duration::from_millis(next.unsigned_abs())
    }
}

/// Whole milliseconds as a Java `long`, saturating.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Where an endpoint is (Synapse's `ST_ACTIVE`, `ST_TIMEOUT`, `ST_SUSPENDED`, `ST_OFF`).
///
/// Times are kept as a start and a length, so a suspension longer than the clock can
/// count (MI's default maximum is `Long.MAX_VALUE` ms) is still exact: see
/// [`retry_at`](Self::retry_at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointState {
    /// Working: messages are sent.
    Active,
    /// Marked for suspension after a timeout-class failure; tried again after `delay`.
    Timeout {
        /// How many more timeout-class failures move it to this state again before one
        /// suspends it.
        retries_left: u32,
        /// When it timed out.
        since: Instant,
        /// How long after `since` it may be tried again (`retryDelay`).
        delay: Duration,
    },
    /// Suspended; tried again after `duration`.
    Suspended {
        /// When it was suspended.
        since: Instant,
        /// How long the suspension lasts.
        duration: Duration,
        /// Which suspension of the current series this is (1 for the first since the
        /// endpoint was last active).
        count: u32,
    },
    /// Switched off by hand (maintenance): nothing is sent until it is switched on, and
    /// neither successes nor failures change it.
    Off,
}

impl EndpointState {
    /// When the endpoint may be tried again: `None` when it is active or off, or when the
    /// time lies beyond what [`Instant`] can represent.
    pub fn retry_at(&self) -> Option<Instant> {
        match *self {
            EndpointState::Timeout { since, delay, .. } => since.checked_add(delay),
            EndpointState::Suspended {
                since, duration, ..
            } => since.checked_add(duration),
            EndpointState::Active | EndpointState::Off => None,
        }
    }

    /// Synapse's number for the state (`EndpointContext.ST_*`): 1 active, 2 timeout,
    /// 3 suspended, 4 off.
    pub fn code(&self) -> i32 {
        match self {
            EndpointState::Active => 1,
            EndpointState::Timeout { .. } => 2,
            EndpointState::Suspended { .. } => 3,
            EndpointState::Off => 4,
        }
    }
}

/// What a failure did to the endpoint ([`EndpointStateMachine::on_failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Marked for suspension: the endpoint is in the timeout state.
    MarkedForSuspension {
        /// Timeout-class failures still allowed before one suspends it.
        retries_left: u32,
        /// When it may be tried again, if the clock can count that far.
        retry_at: Option<Instant>,
    },
    /// Suspended.
    Suspended {
        /// How long.
        duration: Duration,
        /// Until when, if the clock can count that far.
        until: Option<Instant>,
        /// Which suspension of the series this is.
        count: u32,
    },
    /// Nothing changed: the error is in neither list, or the endpoint is switched off.
    Ignored,
}

/// The state machine of one leaf endpoint (Synapse's `EndpointContext`): plain data, to
/// be shared behind a lock by the runtime, driven by what happens to the messages sent
/// through the endpoint.
///
/// ```
/// use std::time::{Duration, Instant};
/// use mediate_endpoints::{EndpointState, EndpointStateMachine, FailureOutcome, SuspensionSettings};
///
/// // <markForSuspension><errorCodes>101504</errorCodes>
/// //   <retriesBeforeSuspension>1</retriesBeforeSuspension><retryDelay>500</retryDelay>
/// // </markForSuspension>
/// // <suspendOnFailure><initialDuration>1000</initialDuration>
/// //   <progressionFactor>2</progressionFactor></suspendOnFailure>
/// let mut ep = EndpointStateMachine::new(SuspensionSettings {
///     timeout_error_codes: vec![101504],
///     retries_before_suspension: 1,
///     retry_delay: Duration::from_millis(500),
///     initial_duration: Some(Duration::from_millis(1000)),
///     progression_factor: 2.0,
///     ..SuspensionSettings::default()
/// });
/// let t0 = Instant::now();
/// let ms = |n| t0 + Duration::from_millis(n);
///
/// // A timeout: one retry allowed, after 500 ms.
/// let outcome = ep.on_failure(101504, t0);
/// assert_eq!(outcome, FailureOutcome::MarkedForSuspension { retries_left: 0, retry_at: Some(ms(500)) });
/// assert!(!ep.ready_to_send(ms(499)));
/// assert!(ep.ready_to_send(ms(500)));
///
/// // The retry times out too: suspended for 1 s.
/// assert!(matches!(ep.on_failure(101504, ms(500)), FailureOutcome::Suspended { count: 1, .. }));
/// assert!(!ep.ready_to_send(ms(1499)));
/// assert!(ep.ready_to_send(ms(1500)));
///
/// // It works again.
/// ep.on_success();
/// assert_eq!(ep.state(), &EndpointState::Active);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointStateMachine {
    settings: SuspensionSettings,
    state: EndpointState,
    /// Timeout-class failures still allowed; `None` until counted (Synapse's `-1`).
    remaining_retries: Option<u32>,
    /// The length of the last suspension of the current series, `None` when it starts.
    last_suspension: Option<Duration>,
    /// Suspensions in the current series.
    suspensions: u32,
}

impl EndpointStateMachine {
    /// An active endpoint with `settings`.
    pub fn new(settings: SuspensionSettings) -> Self {
        EndpointStateMachine {
            settings,
            state: EndpointState::Active,
            remaining_retries: None,
            last_suspension: None,
            suspensions: 0,
        }
    }

    /// An active endpoint with the suspension settings of `settings`
    /// ([`SuspensionSettings::from_settings`]).
    pub fn from_settings(settings: &EndpointSettings) -> Self {
        Self::new(SuspensionSettings::from_settings(settings))
    }

    /// The settings the machine runs on.
    pub fn settings(&self) -> &SuspensionSettings {
        &self.settings
    }

    /// The current state. It does not change with time alone: a timeout or suspension
    /// whose time has passed stays until the next success or failure (see
    /// [`ready_to_send`](Self::ready_to_send)).
    pub fn state(&self) -> &EndpointState {
        &self.state
    }

    /// Whether a message may be sent through the endpoint at `now`: it is active, or its
    /// timeout or suspension has run out (Synapse's `readyToSend`). An endpoint that is
    /// switched off is never ready.
    pub fn ready_to_send(&self, now: Instant) -> bool {
        match self.state {
            EndpointState::Active => true,
            EndpointState::Off => false,
            EndpointState::Timeout { since, delay, .. } => {
                now.saturating_duration_since(since) >= delay
            }
            EndpointState::Suspended {
                since, duration, ..
            } => now.saturating_duration_since(since) >= duration,
        }
    }

    /// A message went through: the endpoint is active again, with its retries and its
    /// suspension series reset. An endpoint that is switched off stays off.
    pub fn on_success(&mut self) {
        if !matches!(self.state, EndpointState::Active | EndpointState::Off) {
            self.activate();
        }
    }

    /// A message failed at `now` with Synapse error code `error_code` (`101503`,
    /// `101504`, …): the endpoint times out, is suspended, or is left as it is, by
    /// [`SuspensionSettings::classify`].
    ///
    /// An endpoint that is switched off ignores failures (of messages sent before it was
    /// switched off), as wso2-synapse's `EndpointContext` does with its `isSwitchOff`
    /// flag.
    pub fn on_failure(&mut self, error_code: i32, now: Instant) -> FailureOutcome {
        let settings = std::mem::take(&mut self.settings);
        let outcome = self.on_failure_with(&settings, error_code, now);
        self.settings = settings;
        outcome
    }

    /// [`on_failure`](Self::on_failure) with `settings` in place of the machine's own, for
    /// this one failure: the settings an endpoint computes per message when its
    /// `<markForSuspension>` or `<suspendOnFailure>` values are `{expression}`s (wso2-synapse
    /// evaluates them against the failed message). The retry count and the suspension series
    /// carry on from the machine's state; its own settings are left as they are.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use mediate_endpoints::{EndpointStateMachine, FailureOutcome, SuspensionSettings};
    ///
    /// let mut ep = EndpointStateMachine::new(SuspensionSettings::default());
    /// let per_message = SuspensionSettings {
    ///     initial_duration: Some(Duration::from_millis(250)),
    ///     ..SuspensionSettings::default()
    /// };
    /// let t0 = Instant::now();
    /// let outcome = ep.on_failure_with(&per_message, 101503, t0);
    /// assert!(matches!(outcome, FailureOutcome::Suspended { duration, .. } if duration == Duration::from_millis(250)));
    /// assert!(ep.ready_to_send(t0 + Duration::from_millis(250)));
    /// assert_eq!(ep.settings(), &SuspensionSettings::default());
    /// ```
    pub fn on_failure_with(
        &mut self,
        settings: &SuspensionSettings,
        error_code: i32,
        now: Instant,
    ) -> FailureOutcome {
        if self.state == EndpointState::Off {
            return FailureOutcome::Ignored;
        }
        match settings.classify(error_code) {
            FailureClass::Timeout => self.mark_for_suspension(settings, now),
            FailureClass::Suspend => self.suspend(settings, now),
            FailureClass::Ignore => FailureOutcome::Ignored,
        }
    }

    /// Switches the endpoint off for maintenance (Synapse's `switchOff`): it is not used
    /// until [`switch_on`](Self::switch_on), and its retries and suspension series reset.
    pub fn switch_off(&mut self) {
        self.remaining_retries = None;
        self.last_suspension = None;
        self.suspensions = 0;
        self.state = EndpointState::Off;
    }

    /// Makes the endpoint active, whatever its state (Synapse's `switchOn`).
    pub fn switch_on(&mut self) {
        self.activate();
    }

    fn activate(&mut self) {
        self.remaining_retries = None;
        self.last_suspension = None;
        self.suspensions = 0;
        self.state = EndpointState::Active;
    }

    fn mark_for_suspension(
        &mut self,
        settings: &SuspensionSettings,
        now: Instant,
    ) -> FailureOutcome {
        let retries = self
            .remaining_retries
            .unwrap_or(settings.retries_before_suspension);
        if retries == 0 {
            return self.suspend(settings, now);
        }
        let retries_left = retries - 1;
        self.remaining_retries = Some(retries_left);
        self.state = EndpointState::Timeout {
            retries_left,
            since: now,
            delay: settings.retry_delay,
        };
        FailureOutcome::MarkedForSuspension {
            retries_left,
            retry_at: self.state.retry_at(),
        }
    }

    fn suspend(&mut self, settings: &SuspensionSettings, now: Instant) -> FailureOutcome {
        let duration = settings.next_suspension(self.last_suspension);
        self.last_suspension = Some(duration);
        self.suspensions = self.suspensions.saturating_add(1);
        self.state = EndpointState::Suspended {
            since: now,
            duration,
            count: self.suspensions,
        };
        FailureOutcome::Suspended {
            duration,
            until: self.state.retry_at(),
            count: self.suspensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(settings: &SuspensionSettings, n: usize) -> Vec<u64> {
        let mut previous = None;
        (0..n)
            .map(|_| {
                let next = settings.next_suspension(previous);
                previous = Some(next);
                next.as_millis() as u64
            })
            .collect()
    }

    #[test]
    fn unset_initial_duration_is_thirty_seconds_uncapped() {
        // Synapse: -1 is not above the maximum, so it becomes the 30 s default.
        let s = SuspensionSettings {
            maximum_duration: Duration::from_millis(10_000),
            progression_factor: 2.0,
            ..SuspensionSettings::default()
        };
        assert_eq!(series(&s, 3), [30_000, 10_000, 10_000]);
    }

    #[test]
    fn zero_suspension_restarts_the_series() {
        let s = SuspensionSettings {
            initial_duration: Some(Duration::ZERO),
            progression_factor: 2.0,
            ..SuspensionSettings::default()
        };
        assert_eq!(series(&s, 3), [0, 0, 0]);
    }

    #[test]
    fn float_product_saturates() {
        let s = SuspensionSettings {
            initial_duration: Some(Duration::from_millis(1_000)),
            progression_factor: 1e30,
            ..SuspensionSettings::default()
        };
        assert_eq!(series(&s, 2), [1_000, i64::MAX as u64]);
    }
}
