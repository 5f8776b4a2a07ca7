//! mediate's metrics: the names and labels every crate uses, the functions the runtime calls
//! to record a request, and the Prometheus text the management port serves at `/metrics`.
//!
//! Metrics go through the [`metrics`] facade, like logs through `tracing`: a library crate
//! emits with the `metrics` macros (or the functions here) and never knows where the values go;
//! the program installs one recorder for the process with [`Metrics::install`], which keeps
//! them for [`Metrics::render`] (Prometheus text exposition format 0.0.4, rendered by
//! `metrics-exporter-prometheus` with its HTTP listener and push gateway left out). Until a
//! recorder is installed every call here is a no-op, so tests and tools that never install one
//! pay nothing.
//!
//! # The vocabulary
//!
//! | metric | type | labels | recorded by |
//! |---|---|---|---|
//! | `mediate_http_requests_total` | counter | `api`, `resource`, `method`, `status` | [`record_request`], [`record_faulted_request`], [`record_unmatched_request`] |
//! | `mediate_http_request_duration_seconds` | histogram | `api`, `resource` | the same |
//! | `mediate_http_errors_total` | counter | `api`, `resource` | the same, for a status ≥ 500 or a fault |
//! | `mediate_proxy_requests_total` | counter | `proxy`, `status` | [`record_proxy_request`], [`record_faulted_proxy_request`] |
//! | `mediate_proxy_request_duration_seconds` | histogram | `proxy` | the same |
//! | `mediate_proxy_errors_total` | counter | `proxy` | the same, for a status ≥ 500 or a fault |
//! | `mediate_sequence_runs_total` | counter | `sequence` | [`record_sequence`] |
//! | `mediate_endpoint_calls_total` | counter | `endpoint`, `outcome` | the endpoint runtime ([`ENDPOINT_CALLS_TOTAL`]) |
//! | `mediate_endpoint_failures_total` | counter | `endpoint`, `code` | the endpoint runtime ([`ENDPOINT_FAILURES_TOTAL`]) |
//! | `mediate_endpoint_state` | gauge | `endpoint` | the endpoint runtime ([`ENDPOINT_STATE`], values [`ENDPOINT_STATE_ACTIVE`]…) |
//! | `mediate_endpoint_call_duration_seconds` | histogram | `endpoint` | the endpoint runtime ([`ENDPOINT_CALL_DURATION_SECONDS`]) |
//!
//! REST API requests and proxy service requests are kept apart (two families rather than one
//! with a `kind` label): their label sets differ (a proxy has no resource and the method says
//! little about a SOAP call), and a dashboard almost always shows one or the other.
//!
//! Labels are kept bounded: `api` is the name the API is deployed under (`name` or
//! `name:vVERSION`, see `ApiConfig::qualified_name`), `resource` the resource's `uri-template`
//! or `url-mapping` as written ([`resource_label`]), `method` one of the methods Synapse knows
//! or `OTHER`, `status` the numeric HTTP status. A request that no API or proxy took is counted
//! under `api="_none"`, `resource="_none"` ([`NO_MATCH`]) — never under the request path, which
//! a client chooses. Durations are in seconds; histograms use [`LATENCY_BUCKETS`].
//!
//! ```
//! use std::time::Duration;
//! use mediate_runtime::metrics::{self, Metrics};
//!
//! let metrics = Metrics::install();
//! metrics::record_request("Orders", "/{id}", "GET", 200, Duration::from_millis(12));
//! metrics::record_request("Orders", "/{id}", "GET", 502, Duration::from_millis(40));
//! metrics::record_sequence("audit");
//!
//! let text = metrics.render();
//! assert!(text.contains(
//!     r#"mediate_http_requests_total{api="Orders",resource="/{id}",method="GET",status="200"} 1"#
//! ));
//! assert!(text.contains(r#"mediate_http_errors_total{api="Orders",resource="/{id}"} 1"#));
//! assert!(text.contains(r#"mediate_sequence_runs_total{sequence="audit"}"#));
//! ```

use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use mediate_config::ResourceDispatch;
use metrics::{
    Counter, Histogram, Label, Unit, counter, describe_counter, describe_gauge, describe_histogram,
    histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// `mediate_http_requests_total{api,resource,method,status}`: REST API requests answered.
pub const HTTP_REQUESTS_TOTAL: &str = "mediate_http_requests_total";
/// `mediate_http_request_duration_seconds{api,resource}`: from the request's arrival to the
/// response's head being handed to the transport.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "mediate_http_request_duration_seconds";
/// `mediate_http_errors_total{api,resource}`: REST API requests answered with a status of 500
/// or more, or whose mediation faulted (a fault sequence ran), whatever the status.
pub const HTTP_ERRORS_TOTAL: &str = "mediate_http_errors_total";
/// `mediate_proxy_requests_total{proxy,status}`: proxy service requests answered.
pub const PROXY_REQUESTS_TOTAL: &str = "mediate_proxy_requests_total";
/// `mediate_proxy_request_duration_seconds{proxy}`: as [`HTTP_REQUEST_DURATION_SECONDS`], for a
/// proxy service.
pub const PROXY_REQUEST_DURATION_SECONDS: &str = "mediate_proxy_request_duration_seconds";
/// `mediate_proxy_errors_total{proxy}`: as [`HTTP_ERRORS_TOTAL`], for a proxy service.
pub const PROXY_ERRORS_TOTAL: &str = "mediate_proxy_errors_total";
/// `mediate_sequence_runs_total{sequence}`: runs of a named sequence.
pub const SEQUENCE_RUNS_TOTAL: &str = "mediate_sequence_runs_total";
/// Counter: messages through each named sequence, by outcome (`in`, `continued`, `stopped`,
/// `faulted`); served by the management port from the sequences' own counters.
pub const SEQUENCE_MESSAGES_TOTAL: &str = "mediate_sequence_messages_total";

/// `mediate_endpoint_calls_total{endpoint,outcome}`: messages sent through a named endpoint;
/// `outcome` is [`OUTCOME_SUCCESS`], [`OUTCOME_FAILURE`] or [`OUTCOME_SKIPPED`]. Emitted by the
/// endpoint runtime with the `metrics` macros.
pub const ENDPOINT_CALLS_TOTAL: &str = "mediate_endpoint_calls_total";
/// `mediate_endpoint_failures_total{endpoint,code}`: failed sends, by Synapse error code
/// (`101503`, `101504`…). Emitted by the endpoint runtime.
pub const ENDPOINT_FAILURES_TOTAL: &str = "mediate_endpoint_failures_total";
/// `mediate_endpoint_state{endpoint}`: the endpoint's state as a number:
/// [`ENDPOINT_STATE_ACTIVE`] (0), [`ENDPOINT_STATE_TIMEOUT`] (1),
/// [`ENDPOINT_STATE_SUSPENDED`] (2), [`ENDPOINT_STATE_OFF`] (3). Set by the endpoint runtime
/// on every change.
pub const ENDPOINT_STATE: &str = "mediate_endpoint_state";
/// `mediate_endpoint_call_duration_seconds{endpoint}`: from the send to the response head (or
/// the failure). Emitted by the endpoint runtime.
pub const ENDPOINT_CALL_DURATION_SECONDS: &str = "mediate_endpoint_call_duration_seconds";

/// [`ENDPOINT_STATE`] of an active endpoint.
pub const ENDPOINT_STATE_ACTIVE: f64 = 0.0;
/// [`ENDPOINT_STATE`] of an endpoint marked for suspension after a timeout.
pub const ENDPOINT_STATE_TIMEOUT: f64 = 1.0;
/// [`ENDPOINT_STATE`] of a suspended endpoint.
pub const ENDPOINT_STATE_SUSPENDED: f64 = 2.0;
/// [`ENDPOINT_STATE`] of an endpoint switched off.
pub const ENDPOINT_STATE_OFF: f64 = 3.0;

/// The `outcome` of an endpoint call that got a response.
pub const OUTCOME_SUCCESS: &str = "success";
/// The `outcome` of an endpoint call that failed (connect error, timeout…).
pub const OUTCOME_FAILURE: &str = "failure";
/// The `outcome` of a call not made because the endpoint was suspended or off.
pub const OUTCOME_SKIPPED: &str = "skipped";

/// The label `api`.
pub const LABEL_API: &str = "api";
/// The label `resource`.
pub const LABEL_RESOURCE: &str = "resource";
/// The label `method`.
pub const LABEL_METHOD: &str = "method";
/// The label `status`.
pub const LABEL_STATUS: &str = "status";
/// The label `proxy`.
pub const LABEL_PROXY: &str = "proxy";
/// The label `sequence`.
pub const LABEL_SEQUENCE: &str = "sequence";
/// The label `endpoint`.
pub const LABEL_ENDPOINT: &str = "endpoint";
/// The label `outcome`.
pub const LABEL_OUTCOME: &str = "outcome";
/// The label `code`.
pub const LABEL_CODE: &str = "code";

/// The `api` and `resource` of a request no API took (and the `resource` of an API's request
/// no resource took).
pub const NO_MATCH: &str = "_none";
/// The `resource` of an API's default resource (one with neither `uri-template` nor
/// `url-mapping`).
pub const DEFAULT_RESOURCE: &str = "_default";

/// The upper bounds, in seconds, of the buckets of every `*_duration_seconds` histogram: from
/// 1 ms to MI's default endpoint timeout (60 s) and beyond.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The `resource` label of a resource: its `uri-template` or `url-mapping` as written, or
/// [`DEFAULT_RESOURCE`].
///
/// ```
/// use mediate_config::ResourceDispatch;
/// use mediate_runtime::metrics::resource_label;
///
/// assert_eq!(resource_label(&ResourceDispatch::UriTemplate("/view/{symbol}".into())), "/view/{symbol}");
/// assert_eq!(resource_label(&ResourceDispatch::Default), "_default");
/// ```
pub fn resource_label(dispatch: &ResourceDispatch) -> &str {
    dispatch
        .attribute()
        .map_or(DEFAULT_RESOURCE, |(_, value)| value)
}

/// Records a REST API request answered with `status` after `elapsed`: counts it in
/// [`HTTP_REQUESTS_TOTAL`], observes [`HTTP_REQUEST_DURATION_SECONDS`], and counts
/// [`HTTP_ERRORS_TOTAL`] when `status` ≥ 500.
///
/// `api` is the name the API is deployed under, `resource` its [`resource_label`] (or
/// [`NO_MATCH`] when no resource took the request), `method` the request's method (any name
/// Synapse does not know is counted as `OTHER`).
pub fn record_request(api: &str, resource: &str, method: &str, status: u16, elapsed: Duration) {
    api_request(api, resource, method, status, elapsed, false);
}

/// [`record_request`] for a request whose mediation faulted (a fault sequence ran): counted in
/// [`HTTP_ERRORS_TOTAL`] whatever its status.
pub fn record_faulted_request(
    api: &str,
    resource: &str,
    method: &str,
    status: u16,
    elapsed: Duration,
) {
    api_request(api, resource, method, status, elapsed, true);
}

/// [`record_request`] for a request no API took (usually answered 404): counted under
/// `api="_none"`, `resource="_none"`.
pub fn record_unmatched_request(method: &str, status: u16, elapsed: Duration) {
    api_request(NO_MATCH, NO_MATCH, method, status, elapsed, false);
}

fn api_request(
    api: &str,
    resource: &str,
    method: &str,
    status: u16,
    elapsed: Duration,
    faulted: bool,
) {
    let api = api.to_owned();
    let resource = resource.to_owned();
    counter!(
        HTTP_REQUESTS_TOTAL,
        LABEL_API => api.clone(),
        LABEL_RESOURCE => resource.clone(),
        LABEL_METHOD => method_label(method),
        LABEL_STATUS => status.to_string(),
    )
    .increment(1);
    histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        LABEL_API => api.clone(),
        LABEL_RESOURCE => resource.clone(),
    )
    .record(elapsed.as_secs_f64());
    if faulted || status >= 500 {
        counter!(HTTP_ERRORS_TOTAL, LABEL_API => api, LABEL_RESOURCE => resource).increment(1);
    }
}

/// The request metrics of one API resource or proxy service, with the metric handles made on
/// first use and kept: recording a request is then a few atomic additions instead of building
/// and looking up every label set (what [`record_request`] does on each call).
///
/// Record through it once the process's recorder is installed ([`Metrics::install`]): the
/// handles are taken from the recorder installed when the first request is recorded.
///
/// ```
/// use std::time::Duration;
/// use mediate_runtime::metrics::{Metrics, RequestMetrics};
///
/// let metrics = Metrics::install();
/// let orders = RequestMetrics::api("OrdersDoc", "/{id}");
/// orders.record("GET", 200, Duration::from_millis(3));
/// orders.record("GET", 200, Duration::from_millis(5));
/// orders.record("GET", 503, Duration::from_millis(9));
/// let text = metrics.render();
/// assert!(text.contains(
///     r#"mediate_http_requests_total{api="OrdersDoc",resource="/{id}",method="GET",status="200"} 2"#
/// ));
/// assert!(text.contains(r#"mediate_http_errors_total{api="OrdersDoc",resource="/{id}"} 1"#));
/// ```
#[derive(Debug)]
pub struct RequestMetrics {
    family: Family,
    labels: Vec<Label>,
    fixed: OnceLock<(Histogram, Counter)>,
    /// `(method, status)` → the requests counter; a resource sees a handful of pairs.
    by_status: RwLock<Vec<(&'static str, u16, Counter)>>,
}

#[derive(Debug, Clone, Copy)]
enum Family {
    Api,
    Proxy,
}

impl RequestMetrics {
    /// The metrics of an API's resource: `api` is its deployed name, `resource` its
    /// [`resource_label`] (or [`NO_MATCH`]).
    pub fn api(api: &str, resource: &str) -> Self {
        Self::new(
            Family::Api,
            vec![
                Label::new(LABEL_API, api.to_owned()),
                Label::new(LABEL_RESOURCE, resource.to_owned()),
            ],
        )
    }

    /// The metrics of a proxy service.
    pub fn proxy(proxy: &str) -> Self {
        Self::new(
            Family::Proxy,
            vec![Label::new(LABEL_PROXY, proxy.to_owned())],
        )
    }

    /// The metrics of requests no API or proxy took (`api="_none"`, `resource="_none"`).
    pub fn unmatched() -> Self {
        Self::api(NO_MATCH, NO_MATCH)
    }

    fn new(family: Family, labels: Vec<Label>) -> Self {
        Self {
            family,
            labels,
            fixed: OnceLock::new(),
            by_status: RwLock::new(Vec::new()),
        }
    }

    /// Records one request answered with `status` after `elapsed` (as [`record_request`] or
    /// [`record_proxy_request`]).
    pub fn record(&self, method: &str, status: u16, elapsed: Duration) {
        self.record_outcome(method, status, elapsed, false);
    }

    /// Records one request whose mediation faulted: counted as an error whatever its status.
    pub fn record_faulted(&self, method: &str, status: u16, elapsed: Duration) {
        self.record_outcome(method, status, elapsed, true);
    }

    fn record_outcome(&self, method: &str, status: u16, elapsed: Duration, faulted: bool) {
        let method = match self.family {
            Family::Api => method_label(method),
            Family::Proxy => "",
        };
        self.count_request(method, status);
        let (duration, errors) = self.fixed.get_or_init(|| {
            let labels = self.labels.clone();
            match self.family {
                Family::Api => (
                    histogram!(HTTP_REQUEST_DURATION_SECONDS, labels.clone()),
                    counter!(HTTP_ERRORS_TOTAL, labels),
                ),
                Family::Proxy => (
                    histogram!(PROXY_REQUEST_DURATION_SECONDS, labels.clone()),
                    counter!(PROXY_ERRORS_TOTAL, labels),
                ),
            }
        });
        duration.record(elapsed.as_secs_f64());
        if faulted || status >= 500 {
            errors.increment(1);
        }
    }

    /// Counts one request in its `(method, status)` counter, made the first time that pair is
    /// seen; a known pair is counted under the read lock, without touching the handle.
    fn count_request(&self, method: &'static str, status: u16) {
        let find = |list: &[(&'static str, u16, Counter)]| {
            list.iter()
                .position(|(m, s, _)| *m == method && *s == status)
        };
        let read = self.by_status.read().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = find(&read) {
            read[i].2.increment(1);
            return;
        }
        drop(read);
        let mut write = self.by_status.write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = find(&write) {
            write[i].2.increment(1);
            return;
        }
        let mut labels = self.labels.clone();
        let counter = match self.family {
            Family::Api => {
                labels.push(Label::new(LABEL_METHOD, method));
                labels.push(Label::new(LABEL_STATUS, status.to_string()));
                counter!(HTTP_REQUESTS_TOTAL, labels)
            }
            Family::Proxy => {
                labels.push(Label::new(LABEL_STATUS, status.to_string()));
                counter!(PROXY_REQUESTS_TOTAL, labels)
            }
        };
        counter.increment(1);
        write.push((method, status, counter));
    }
}

/// Records a proxy service request answered with `status` after `elapsed`: counts it in
/// [`PROXY_REQUESTS_TOTAL`], observes [`PROXY_REQUEST_DURATION_SECONDS`], and counts
/// [`PROXY_ERRORS_TOTAL`] when `status` ≥ 500.
pub fn record_proxy_request(proxy: &str, status: u16, elapsed: Duration) {
    proxy_request(proxy, status, elapsed, false);
}

/// [`record_proxy_request`] for a request whose mediation faulted: counted in
/// [`PROXY_ERRORS_TOTAL`] whatever its status.
pub fn record_faulted_proxy_request(proxy: &str, status: u16, elapsed: Duration) {
    proxy_request(proxy, status, elapsed, true);
}

fn proxy_request(proxy: &str, status: u16, elapsed: Duration, faulted: bool) {
    let proxy = proxy.to_owned();
    counter!(
        PROXY_REQUESTS_TOTAL,
        LABEL_PROXY => proxy.clone(),
        LABEL_STATUS => status.to_string(),
    )
    .increment(1);
    histogram!(PROXY_REQUEST_DURATION_SECONDS, LABEL_PROXY => proxy.clone())
        .record(elapsed.as_secs_f64());
    if faulted || status >= 500 {
        counter!(PROXY_ERRORS_TOTAL, LABEL_PROXY => proxy).increment(1);
    }
}

/// Records one run of the named sequence `name` in [`SEQUENCE_RUNS_TOTAL`]. Inline (anonymous)
/// sequences are not counted: their runs show as the requests of their API or proxy.
pub fn record_sequence(name: &str) {
    counter!(SEQUENCE_RUNS_TOTAL, LABEL_SEQUENCE => name.to_owned()).increment(1);
}

/// The `method` label: a method Synapse knows, else `OTHER` (a client picks the method, and
/// must not be able to grow the label set).
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "HEAD" => "HEAD",
        "PATCH" => "PATCH",
        _ => "OTHER",
    }
}

/// The process's metrics recorder: where every metric of every crate goes once installed, and
/// what renders them as Prometheus text.
///
/// [`install`](Self::install) installs it the first time it is called in a process and hands
/// out the same recorder every later time, so several servers in one process (tests) share it.
/// A clone is another handle to the same recorder.
///
/// Histogram observations are kept until the next [`render`](Self::render) or
/// [`run_upkeep`](Self::run_upkeep); a server that may go long without being scraped calls
/// `run_upkeep` every few seconds (the management port's
/// [`serve_management`](crate::management::serve_management) does).
#[derive(Clone, Debug)]
pub struct Metrics {
    handle: PrometheusHandle,
    global: bool,
}

/// The recorder installed by the first [`Metrics::install`].
static INSTALLED: OnceLock<Metrics> = OnceLock::new();

impl Metrics {
    /// Installs mediate's Prometheus recorder as the process's global `metrics` recorder (the
    /// first call) and returns a handle to it (every call). Histograms named
    /// `*_duration_seconds` get the [`LATENCY_BUCKETS`]; every metric of the vocabulary above
    /// gets its `# HELP` text.
    ///
    /// If some other recorder was installed first (by the embedding program), this one is not
    /// global: it renders only the metric descriptions, and [`is_global`](Self::is_global)
    /// says so.
    pub fn install() -> Metrics {
        INSTALLED
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets_for_metric(
                        Matcher::Suffix("_duration_seconds".to_owned()),
                        LATENCY_BUCKETS,
                    )
                    // The buckets are a non-empty constant: this cannot fail, but if it ever
                    // did, the histograms would be summaries rather than the process failing.
                    .unwrap_or_else(|_| PrometheusBuilder::new())
                    .build_recorder();
                let handle = recorder.handle();
                let global = metrics::set_global_recorder(recorder).is_ok();
                if global {
                    describe();
                }
                Metrics { handle, global }
            })
            .clone()
    }

    /// Whether this recorder is the process's global one (see [`install`](Self::install)).
    pub fn is_global(&self) -> bool {
        self.global
    }

    /// Every metric recorded so far, as Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drains histogram observations into their buckets so that memory stays bounded between
    /// scrapes. Cheap; call it every few seconds.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Registers the `# HELP` text (and unit) of every metric of the vocabulary.
fn describe() {
    describe_counter!(HTTP_REQUESTS_TOTAL, "REST API requests answered");
    describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time to answer a REST API request"
    );
    describe_counter!(
        HTTP_ERRORS_TOTAL,
        "REST API requests answered with a 5xx status or whose mediation faulted"
    );
    describe_counter!(PROXY_REQUESTS_TOTAL, "Proxy service requests answered");
    describe_histogram!(
        PROXY_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time to answer a proxy service request"
    );
    describe_counter!(
        PROXY_ERRORS_TOTAL,
        "Proxy service requests answered with a 5xx status or whose mediation faulted"
    );
    describe_counter!(SEQUENCE_RUNS_TOTAL, "Runs of named sequences");
    describe_counter!(
        ENDPOINT_CALLS_TOTAL,
        "Messages sent through named endpoints, by outcome"
    );
    describe_counter!(
        ENDPOINT_FAILURES_TOTAL,
        "Failed endpoint sends, by Synapse error code"
    );
    describe_gauge!(
        ENDPOINT_STATE,
        "Endpoint state: 0 active, 1 timeout, 2 suspended, 3 off"
    );
    describe_histogram!(
        ENDPOINT_CALL_DURATION_SECONDS,
        Unit::Seconds,
        "Time from sending through an endpoint to its response or failure"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_label_bounds_the_label_set() {
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("get"), "OTHER");
        assert_eq!(method_label("BREW"), "OTHER");
    }

    #[test]
    fn install_twice_gives_the_same_recorder() {
        let a = Metrics::install();
        let b = Metrics::install();
        assert!(a.is_global() && b.is_global());
        record_sequence("unit-test-install-twice");
        let (ta, tb) = (a.render(), b.render());
        let line = r#"mediate_sequence_runs_total{sequence="unit-test-install-twice"} 1"#;
        assert!(ta.contains(line), "{ta}");
        assert!(tb.contains(line), "{tb}");
    }

    #[test]
    fn durations_are_histograms_with_latency_buckets() {
        let m = Metrics::install();
        record_proxy_request("UnitProxy", 200, Duration::from_millis(3));
        record_faulted_proxy_request("UnitProxy", 200, Duration::from_millis(3));
        let text = m.render();
        assert!(
            text.contains(
                r#"mediate_proxy_request_duration_seconds_bucket{proxy="UnitProxy",le="0.005"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"mediate_proxy_requests_total{proxy="UnitProxy",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mediate_proxy_errors_total{proxy="UnitProxy"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("# HELP mediate_proxy_requests_total"),
            "{text}"
        );
    }

    #[test]
    fn unmatched_requests_use_the_fixed_label() {
        let m = Metrics::install();
        record_unmatched_request("BREW", 404, Duration::from_millis(1));
        let text = m.render();
        assert!(
            text.contains(
                r#"mediate_http_requests_total{api="_none",resource="_none",method="OTHER",status="404"}"#
            ),
            "{text}"
        );
    }
}
