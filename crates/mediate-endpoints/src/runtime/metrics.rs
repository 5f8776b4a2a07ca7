//! The endpoint metrics, emitted through the [`metrics`] facade (a no-op until the program
//! installs a recorder). Names and label values follow `mediate-runtime`'s vocabulary.

use std::sync::OnceLock;
use std::time::Duration;

use crate::state::EndpointState;

/// `mediate_endpoint_calls_total{endpoint,outcome}`.
pub(crate) const CALLS_TOTAL: &str = "mediate_endpoint_calls_total";
/// `mediate_endpoint_failures_total{endpoint,code}`.
pub(crate) const FAILURES_TOTAL: &str = "mediate_endpoint_failures_total";
/// `mediate_endpoint_state{endpoint}`.
pub(crate) const STATE: &str = "mediate_endpoint_state";
/// `mediate_endpoint_call_duration_seconds{endpoint}`.
pub(crate) const CALL_DURATION_SECONDS: &str = "mediate_endpoint_call_duration_seconds";

/// The `outcome` of a call that got a response (any status).
const OUTCOME_SUCCESS: &str = "success";
/// The `outcome` of a call that failed (connect error, timeout…).
const OUTCOME_FAILURE: &str = "failure";
/// The `outcome` of a call not made because the endpoint was not ready.
const OUTCOME_SKIPPED: &str = "skipped";

/// The gauge value of a state: 0 active, 1 timeout, 2 suspended, 3 off.
pub(crate) fn state_value(state: &EndpointState) -> f64 {
    match state {
        EndpointState::Active => 0.0,
        EndpointState::Timeout { .. } => 1.0,
        EndpointState::Suspended { .. } => 2.0,
        EndpointState::Off => 3.0,
    }
}

/// The metric handles of one endpoint's successful calls, made on the first success and kept:
/// recording one is then two atomic updates rather than building and looking up the label
/// sets on every call. (Failures are rare and go the long way, with their code label.)
#[derive(Debug)]
pub(crate) struct LeafMetrics {
    endpoint: metrics::SharedString,
    success: OnceLock<(metrics::Counter, metrics::Histogram)>,
}

impl LeafMetrics {
    pub(crate) fn new(endpoint: &str) -> Self {
        Self {
            endpoint: metrics::SharedString::from(endpoint.to_owned()),
            success: OnceLock::new(),
        }
    }

    pub(crate) fn record_success(&self, elapsed: Duration) {
        let (calls, duration) = self.success.get_or_init(|| {
            (
                metrics::counter!(CALLS_TOTAL, "endpoint" => self.endpoint.clone(), "outcome" => OUTCOME_SUCCESS),
                metrics::histogram!(CALL_DURATION_SECONDS, "endpoint" => self.endpoint.clone()),
            )
        });
        calls.increment(1);
        duration.record(elapsed.as_secs_f64());
    }
}

pub(crate) fn record_failure(endpoint: &str, code: i32, elapsed: Duration) {
    metrics::counter!(CALLS_TOTAL, "endpoint" => endpoint.to_owned(), "outcome" => OUTCOME_FAILURE)
        .increment(1);
    metrics::counter!(FAILURES_TOTAL, "endpoint" => endpoint.to_owned(), "code" => code.to_string())
        .increment(1);
    metrics::histogram!(CALL_DURATION_SECONDS, "endpoint" => endpoint.to_owned())
        .record(elapsed.as_secs_f64());
}

pub(crate) fn record_skipped(endpoint: &str) {
    metrics::counter!(CALLS_TOTAL, "endpoint" => endpoint.to_owned(), "outcome" => OUTCOME_SKIPPED)
        .increment(1);
}

pub(crate) fn record_state(endpoint: &str, state: &EndpointState) {
    metrics::gauge!(STATE, "endpoint" => endpoint.to_owned()).set(state_value(state));
}
