//! The endpoint state machine against MI's documented behaviour ("Endpoint Error
//! Handling", wso2-synapse `EndpointContext` and `AddressEndpoint.onFault`). Time is
//! passed in: every instant is a fixed offset from one `Instant`, nothing waits.

mod support;

use std::time::{Duration, Instant};

use mediate_endpoints::{
    EndpointState, EndpointStateMachine, FailureClass, FailureOutcome, SuspensionSettings, defaults,
};
use proptest::prelude::*;
use support::endpoint;

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;
const TIMEOUT: i32 = 101_504;
const CLOSED: i32 = 101_505;
const CONNECT_FAILED: i32 = 101_503;
const SEND_ABORT: i32 = 101_500;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The machine of the first leaf endpoint in `xml`.
fn machine(xml: &str) -> EndpointStateMachine {
    let ep = endpoint(xml);
    EndpointStateMachine::from_settings(ep.settings().expect("a leaf endpoint"))
}

fn suspended_for(outcome: FailureOutcome) -> Option<(u64, u32)> {
    match outcome {
        FailureOutcome::Suspended {
            duration, count, ..
        } => Some((duration.as_millis() as u64, count)),
        _ => None,
    }
}

/// MI's "Endpoint Error Handling" example: 101504/101505 mark for suspension with three
/// retries one second apart; other errors suspend for 1 s, 2 s, 4 s … up to 64 s.
fn documented() -> EndpointStateMachine {
    machine(&format!(
        r#"<endpoint {NS} name="Sample_First">
  <address uri="http://localhost/myendpoint">
    <timeout><duration>60000</duration></timeout>
    <markForSuspension>
      <errorCodes>101504, 101505</errorCodes>
      <retriesBeforeSuspension>3</retriesBeforeSuspension>
      <retryDelay>1000</retryDelay>
    </markForSuspension>
    <suspendOnFailure>
      <errorCodes>101500, 101501, 101506, 101507, 101508</errorCodes>
      <initialDuration>1000</initialDuration>
      <progressionFactor>2</progressionFactor>
      <maximumDuration>64000</maximumDuration>
    </suspendOnFailure>
  </address>
</endpoint>"#
    ))
}

#[test]
fn settings_come_from_the_definition() {
    let m = documented();
    let s = m.settings();
    assert_eq!(s.timeout_error_codes, [TIMEOUT, CLOSED]);
    assert_eq!(s.retries_before_suspension, 3);
    assert_eq!(s.retry_delay, ms(1000));
    assert_eq!(
        s.suspend_error_codes,
        [101_500, 101_501, 101_506, 101_507, 101_508]
    );
    assert_eq!(s.initial_duration, Some(ms(1000)));
    assert_eq!(s.progression_factor, 2.0);
    assert_eq!(s.maximum_duration, ms(64_000));
    assert_eq!(m.state(), &EndpointState::Active);
}

#[test]
fn retries_then_suspension() {
    let mut m = documented();
    let t0 = Instant::now();
    // Three timeouts are tolerated: each leaves the endpoint in the timeout state,
    // ready again one second later.
    for (i, left) in [2u32, 1, 0].into_iter().enumerate() {
        let at = t0 + ms(1000 * i as u64);
        assert!(m.ready_to_send(at), "retry {i}");
        let outcome = m.on_failure(TIMEOUT, at);
        assert_eq!(
            outcome,
            FailureOutcome::MarkedForSuspension {
                retries_left: left,
                retry_at: Some(at + ms(1000)),
            }
        );
        assert_eq!(
            m.state(),
            &EndpointState::Timeout {
                retries_left: left,
                since: at,
                delay: ms(1000),
            }
        );
        assert_eq!(m.state().code(), 2);
        assert!(!m.ready_to_send(at + ms(999)));
        assert!(m.ready_to_send(at + ms(1000)));
    }
    // The fourth suspends, for the initial duration.
    let at = t0 + ms(3000);
    let outcome = m.on_failure(CLOSED, at);
    assert_eq!(
        outcome,
        FailureOutcome::Suspended {
            duration: ms(1000),
            until: Some(at + ms(1000)),
            count: 1,
        }
    );
    assert_eq!(m.state().code(), 3);
    assert!(!m.ready_to_send(at + ms(999)));
    assert!(m.ready_to_send(at + ms(1000)));
    // Readiness does not change the state: that waits for the next message's result.
    assert_eq!(m.state().code(), 3);
    // No retries are left until a success: the next timeout suspends again, longer.
    assert_eq!(
        suspended_for(m.on_failure(TIMEOUT, at + ms(1000))),
        Some((2000, 2))
    );
}

#[test]
fn suspension_durations_grow_geometrically_up_to_the_maximum() {
    let mut m = documented();
    let t0 = Instant::now();
    let durations: Vec<_> = (0..9)
        .map(|i| suspended_for(m.on_failure(SEND_ABORT, t0 + ms(i))).map(|(d, _)| d))
        .collect();
    let expected = [
        1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 64_000, 64_000,
    ];
    assert_eq!(durations, expected.map(Some));
    assert!(matches!(
        m.state(),
        EndpointState::Suspended { count: 9, .. }
    ));
}

#[test]
fn success_resets_state_retries_and_progression() {
    let mut m = documented();
    let t0 = Instant::now();
    m.on_failure(TIMEOUT, t0);
    m.on_failure(TIMEOUT, t0);
    assert_eq!(suspended_for(m.on_failure(SEND_ABORT, t0)), Some((1000, 1)));
    assert_eq!(suspended_for(m.on_failure(SEND_ABORT, t0)), Some((2000, 2)));

    m.on_success();
    assert_eq!(m.state(), &EndpointState::Active);
    assert_eq!(m.state().retry_at(), None);
    assert!(m.ready_to_send(t0));
    // The series starts over, and all three retries are back.
    assert_eq!(suspended_for(m.on_failure(SEND_ABORT, t0)), Some((1000, 1)));
    m.on_success();
    for left in [2, 1, 0] {
        assert!(matches!(
            m.on_failure(TIMEOUT, t0),
            FailureOutcome::MarkedForSuspension { retries_left, .. } if retries_left == left
        ));
    }
    m.on_success();
    assert!(matches!(
        m.on_failure(TIMEOUT, t0),
        FailureOutcome::MarkedForSuspension {
            retries_left: 2,
            ..
        }
    ));
}

#[test]
fn a_timeout_between_suspensions_keeps_the_series() {
    // Synapse resets the series only on success (or switching on/off).
    let mut m = documented();
    let t0 = Instant::now();
    assert_eq!(suspended_for(m.on_failure(SEND_ABORT, t0)), Some((1000, 1)));
    assert!(matches!(
        m.on_failure(TIMEOUT, t0 + ms(1000)),
        FailureOutcome::MarkedForSuspension {
            retries_left: 2,
            ..
        }
    ));
    assert_eq!(
        suspended_for(m.on_failure(SEND_ABORT, t0 + ms(2000))),
        Some((2000, 2))
    );
}

#[test]
fn classification() {
    let m = documented();
    let s = m.settings();
    // Listed as mark-for-suspension.
    assert_eq!(s.classify(TIMEOUT), FailureClass::Timeout);
    assert_eq!(s.classify(CLOSED), FailureClass::Timeout);
    // Listed as suspend.
    assert_eq!(s.classify(SEND_ABORT), FailureClass::Suspend);
    // In neither list: ignored, the endpoint stays active.
    assert_eq!(s.classify(CONNECT_FAILED), FailureClass::Ignore);
    let mut m = m.clone();
    assert_eq!(
        m.on_failure(CONNECT_FAILED, Instant::now()),
        FailureOutcome::Ignored
    );
    assert_eq!(m.state(), &EndpointState::Active);

    // MI's defaults: 101504 and 101505 mark for suspension, everything else suspends.
    let d = SuspensionSettings::default();
    assert_eq!(d.classify(TIMEOUT), FailureClass::Timeout);
    assert_eq!(d.classify(CLOSED), FailureClass::Timeout);
    assert_eq!(d.classify(CONNECT_FAILED), FailureClass::Suspend);
    assert_eq!(d.classify(0), FailureClass::Suspend);

    // A timeout list replaces the defaults; a code in both lists is a timeout.
    let both = SuspensionSettings {
        timeout_error_codes: vec![CONNECT_FAILED],
        suspend_error_codes: vec![CONNECT_FAILED, TIMEOUT],
        ..SuspensionSettings::default()
    };
    assert_eq!(both.classify(CONNECT_FAILED), FailureClass::Timeout);
    assert_eq!(both.classify(TIMEOUT), FailureClass::Suspend);
    assert_eq!(both.classify(CLOSED), FailureClass::Ignore);
}

#[test]
fn minus_one_turns_a_class_off() {
    // MI: `<errorCodes>-1</errorCodes>` in suspendOnFailure and markForSuspension to
    // never suspend the endpoint.
    let mut m = machine(&format!(
        r#"<endpoint {NS}>
  <http uri-template="http://localhost:9090/grandOak/doctors">
    <markForSuspension><errorCodes>-1</errorCodes></markForSuspension>
    <suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>
  </http>
</endpoint>"#
    ));
    let now = Instant::now();
    for code in [TIMEOUT, CLOSED, CONNECT_FAILED, SEND_ABORT, 0] {
        assert_eq!(m.settings().classify(code), FailureClass::Ignore, "{code}");
        assert_eq!(m.on_failure(code, now), FailureOutcome::Ignored);
    }
    assert_eq!(m.state(), &EndpointState::Active);

    // Only the suspend list off: timeouts still mark, with the default of no retries
    // suspending at once.
    let never_suspend = SuspensionSettings {
        suspend_error_codes: vec![-1],
        ..SuspensionSettings::default()
    };
    assert_eq!(never_suspend.classify(TIMEOUT), FailureClass::Timeout);
    assert_eq!(never_suspend.classify(CONNECT_FAILED), FailureClass::Ignore);
}

#[test]
fn defaults_suspend_for_thirty_seconds_every_time() {
    let mut m = machine(&format!(
        r#"<endpoint {NS}><address uri="http://localhost:9000/services/S"/></endpoint>"#
    ));
    assert_eq!(m.settings(), &SuspensionSettings::default());
    let t0 = Instant::now();
    // No retries by default: the first connection timeout suspends.
    assert_eq!(suspended_for(m.on_failure(TIMEOUT, t0)), Some((30_000, 1)));
    assert_eq!(
        suspended_for(m.on_failure(CONNECT_FAILED, t0)),
        Some((30_000, 2))
    );
    assert_eq!(defaults::INITIAL_SUSPEND_DURATION, ms(30_000));
    assert!(!m.ready_to_send(t0 + ms(29_999)));
    assert!(m.ready_to_send(t0 + ms(30_000)));
}

#[test]
fn unset_values_take_defaults() {
    // Integration Studio writes -1 for "the default".
    let m = machine(&format!(
        r#"<endpoint {NS}>
  <address uri="http://localhost:9000/services/S">
    <markForSuspension>
      <retriesBeforeSuspension>-1</retriesBeforeSuspension><retryDelay>-1</retryDelay>
    </markForSuspension>
    <suspendOnFailure>
      <initialDuration>-1</initialDuration><progressionFactor>-1</progressionFactor>
    </suspendOnFailure>
  </address>
</endpoint>"#
    ));
    assert_eq!(m.settings(), &SuspensionSettings::default());
}

#[test]
fn expressions_take_defaults() {
    let m = machine(&format!(
        r#"<endpoint {NS}>
  <address uri="http://localhost:9000/services/S">
    <markForSuspension>
      <errorCodes>{{$ctx:codes}}</errorCodes>
      <retriesBeforeSuspension>{{$ctx:retries}}</retriesBeforeSuspension>
    </markForSuspension>
    <suspendOnFailure>
      <initialDuration>{{$ctx:initial}}</initialDuration>
      <maximumDuration>5000</maximumDuration>
    </suspendOnFailure>
  </address>
</endpoint>"#
    ));
    assert_eq!(
        m.settings(),
        &SuspensionSettings {
            maximum_duration: ms(5000),
            ..SuspensionSettings::default()
        }
    );
}

#[test]
fn switched_off_endpoint() {
    let mut m = documented();
    let t0 = Instant::now();
    m.on_failure(SEND_ABORT, t0);
    m.switch_off();
    assert_eq!(m.state(), &EndpointState::Off);
    assert_eq!(m.state().code(), 4);
    assert!(!m.ready_to_send(t0 + ms(1_000_000)));
    // Neither successes nor failures of messages still in flight change it.
    m.on_success();
    assert_eq!(m.state(), &EndpointState::Off);
    assert_eq!(m.on_failure(SEND_ABORT, t0), FailureOutcome::Ignored);
    assert_eq!(m.on_failure(TIMEOUT, t0), FailureOutcome::Ignored);
    assert_eq!(m.state(), &EndpointState::Off);

    m.switch_on();
    assert_eq!(m.state(), &EndpointState::Active);
    assert_eq!(m.state().code(), 1);
    // Switching off reset the series.
    assert_eq!(suspended_for(m.on_failure(SEND_ABORT, t0)), Some((1000, 1)));
    // Switching on also ends a suspension.
    m.switch_on();
    assert!(m.ready_to_send(t0));
}

#[test]
fn zero_retry_delay_is_ready_at_once() {
    let mut m = EndpointStateMachine::new(SuspensionSettings {
        retries_before_suspension: 1,
        ..SuspensionSettings::default()
    });
    let t0 = Instant::now();
    assert!(matches!(
        m.on_failure(TIMEOUT, t0),
        FailureOutcome::MarkedForSuspension {
            retries_left: 0,
            ..
        }
    ));
    assert!(m.ready_to_send(t0));
    // Time before the failure (a clock that went backwards) is not ready for a delay.
    let mut m = documented();
    let later = t0 + ms(10);
    m.on_failure(TIMEOUT, later);
    assert!(!m.ready_to_send(t0));
}

#[test]
fn suspension_at_the_maximum() {
    // MI's default maximum is Long.MAX_VALUE ms: a huge factor reaches it (Java's float
    // product saturates), and the endpoint then stays suspended, with no overflow.
    let mut m = EndpointStateMachine::new(SuspensionSettings {
        initial_duration: Some(ms(1000)),
        progression_factor: 1e30,
        ..SuspensionSettings::default()
    });
    let t0 = Instant::now();
    m.on_failure(SEND_ABORT, t0);
    let outcome = m.on_failure(SEND_ABORT, t0);
    assert_eq!(
        outcome,
        FailureOutcome::Suspended {
            duration: defaults::MAXIMUM_SUSPEND_DURATION,
            // `None` where `Instant` cannot count that far.
            until: t0.checked_add(defaults::MAXIMUM_SUSPEND_DURATION),
            count: 2,
        }
    );
    assert!(!m.ready_to_send(t0 + Duration::from_secs(100 * 365 * 24 * 3600)));
}

#[test]
fn the_machine_is_plain_shareable_data() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<EndpointStateMachine>();
    shareable::<EndpointState>();
}

#[derive(Clone, Debug)]
enum Event {
    Success,
    Failure(i32),
    Off,
    On,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => Just(Event::Success),
        8 => prop::sample::select(vec![TIMEOUT, CLOSED, CONNECT_FAILED, SEND_ABORT, 101_508, -1])
            .prop_map(Event::Failure),
        1 => Just(Event::Off),
        1 => Just(Event::On),
    ]
}

fn codes() -> impl Strategy<Value = Vec<i32>> {
    prop::collection::vec(
        prop::sample::select(vec![TIMEOUT, CLOSED, CONNECT_FAILED, SEND_ABORT, -1]),
        0..3,
    )
}

fn settings() -> impl Strategy<Value = SuspensionSettings> {
    (
        codes(),
        0u32..5,
        0u64..5_000,
        codes(),
        prop::option::of(0u64..100_000),
        prop_oneof![Just(1.0f32), Just(2.0), 0.0f32..10.0],
        prop_oneof![0u64..200_000, Just(i64::MAX as u64)],
    )
        .prop_map(
            |(timeout, retries, delay, suspend, initial, factor, maximum)| SuspensionSettings {
                timeout_error_codes: timeout,
                retries_before_suspension: retries,
                retry_delay: ms(delay),
                suspend_error_codes: suspend,
                initial_duration: initial.map(ms),
                progression_factor: factor,
                maximum_duration: ms(maximum),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn invariants_hold_for_any_sequence(
        settings in settings(),
        events in prop::collection::vec((event(), 0u64..10_000), 0..40),
    ) {
        let mut m = EndpointStateMachine::new(settings.clone());
        let mut now = Instant::now();
        let mut series = 0u32;
        for (event, step) in events {
            now += ms(step);
            let before = *m.state();
            match event {
                Event::Success => m.on_success(),
                Event::Off => m.switch_off(),
                Event::On => m.switch_on(),
                Event::Failure(code) => {
                    let outcome = m.on_failure(code, now);
                    if before == EndpointState::Off {
                        prop_assert_eq!(outcome, FailureOutcome::Ignored);
                    } else if settings.classify(code) == FailureClass::Ignore {
                        prop_assert_eq!(outcome, FailureOutcome::Ignored);
                        prop_assert_eq!(m.state(), &before);
                    }
                    match outcome {
                        FailureOutcome::Suspended { duration, count, until } => {
                            // Never longer than the maximum, except Synapse's uncapped
                            // 30 s for a first suspension with no initial duration set.
                            let uncapped_default = count == 1
                                && settings.initial_duration.is_none()
                                && duration == defaults::INITIAL_SUSPEND_DURATION;
                            prop_assert!(
                                duration <= settings.maximum_duration || uncapped_default,
                                "{duration:?} > {:?}", settings.maximum_duration
                            );
                            prop_assert_eq!(until, now.checked_add(duration));
                            // Each suspension of a series is the next one.
                            prop_assert_eq!(count, series + 1);
                            series = count;
                            prop_assert_eq!(m.state().code(), 3);
                        }
                        FailureOutcome::MarkedForSuspension { retries_left, retry_at } => {
                            prop_assert!(retries_left < settings.retries_before_suspension);
                            prop_assert_eq!(retry_at, Some(now + settings.retry_delay));
                            prop_assert_eq!(m.state().code(), 2);
                        }
                        FailureOutcome::Ignored => {}
                    }
                }
            }
            match *m.state() {
                EndpointState::Active => {
                    prop_assert!(m.ready_to_send(now));
                    series = 0;
                }
                EndpointState::Off => {
                    prop_assert!(!m.ready_to_send(now));
                    series = 0;
                }
                EndpointState::Suspended { .. } => match m.state().retry_at() {
                    Some(at) => prop_assert_eq!(m.ready_to_send(now), now >= at),
                    None => prop_assert!(!m.ready_to_send(now)),
                },
                EndpointState::Timeout { retries_left, delay, .. } => {
                    prop_assert!(retries_left < settings.retries_before_suspension);
                    prop_assert_eq!(delay, settings.retry_delay);
                }
            }
            if let Some(at) = m.state().retry_at() {
                prop_assert!(m.ready_to_send(at));
            }
        }
    }
}
