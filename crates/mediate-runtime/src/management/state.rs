//! What the management port serves from: [`ManagementState`], [`Readiness`] and the endpoint
//! states the endpoint runtime reports ([`EndpointStatus`]).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use mediate_config::Configuration;

use crate::metrics::{
    ENDPOINT_STATE_ACTIVE, ENDPOINT_STATE_OFF, ENDPOINT_STATE_SUSPENDED, ENDPOINT_STATE_TIMEOUT,
    Metrics,
};

/// The HTTP port `mediate serve` listens on by default, for the API URLs the management API
/// shows when it is not told the real one.
const DEFAULT_HTTP_BASE_URL: &str = "http://localhost:8290";

/// Whether every artifact is deployed: what `GET /healthz` answers (200 when ready, 503
/// before). Starts not ready; the server calls [`set_ready`](Self::set_ready) once its
/// listeners serve every artifact. Clones share one flag.
///
/// ```
/// use mediate_runtime::management::Readiness;
///
/// let readiness = Readiness::new();
/// let seen_by_the_port = readiness.clone();
/// assert!(!seen_by_the_port.is_ready());
/// readiness.set_ready();
/// assert!(seen_by_the_port.is_ready());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// A flag that says "not ready".
    pub fn new() -> Self {
        Self::default()
    }

    /// Every artifact is deployed: `/healthz` answers 200 from now on.
    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Not ready (again): `/healthz` answers 503 (say, while the server drains on shutdown).
    pub fn set_not_ready(&self) {
        self.0.store(false, Ordering::Release);
    }

    /// Whether [`set_ready`](Self::set_ready) was called (and not undone).
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The state of a named endpoint, as Synapse's `EndpointContext` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndpointState {
    /// Messages are sent to it.
    Active,
    /// Marked for suspension after a timeout-class failure; tried again after a delay.
    Timeout,
    /// Suspended after a failure; tried again when the suspension ends.
    Suspended,
    /// Switched off by hand.
    Off,
}

impl EndpointState {
    /// The state's name in the management API: `active`, `timeout`, `suspended`, `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointState::Active => "active",
            EndpointState::Timeout => "timeout",
            EndpointState::Suspended => "suspended",
            EndpointState::Off => "off",
        }
    }

    /// The value of the `mediate_endpoint_state` gauge for this state (0 to 3; see
    /// [`crate::metrics::ENDPOINT_STATE`]).
    pub fn gauge_value(self) -> f64 {
        match self {
            EndpointState::Active => ENDPOINT_STATE_ACTIVE,
            EndpointState::Timeout => ENDPOINT_STATE_TIMEOUT,
            EndpointState::Suspended => ENDPOINT_STATE_SUSPENDED,
            EndpointState::Off => ENDPOINT_STATE_OFF,
        }
    }
}

/// What the endpoint runtime says about one named endpoint: its state, and for a timed-out or
/// suspended one, how long until it may be tried again.
///
/// ```
/// use std::time::{Duration, Instant};
/// use mediate_runtime::management::{EndpointState, EndpointStatus};
///
/// let now = Instant::now();
/// let suspended = mediate_endpoints::EndpointState::Suspended {
///     since: now,
///     duration: Duration::from_secs(30),
///     count: 1,
/// };
/// let status = EndpointStatus::from_machine(&suspended, now + Duration::from_secs(10));
/// assert_eq!(status.state, EndpointState::Suspended);
/// assert_eq!(status.retry_in, Some(Duration::from_secs(20)));
/// assert_eq!(EndpointStatus::active().state.as_str(), "active");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The state.
    pub state: EndpointState,
    /// For [`Timeout`](EndpointState::Timeout) and [`Suspended`](EndpointState::Suspended):
    /// the time left before it may be tried again (zero once that time has passed; `None`
    /// when unknown or beyond what the clock can count).
    pub retry_in: Option<Duration>,
}

impl EndpointStatus {
    /// An active endpoint.
    pub fn active() -> Self {
        EndpointStatus {
            state: EndpointState::Active,
            retry_in: None,
        }
    }

    /// The status of an endpoint whose state machine is in `state`, seen at `now`.
    pub fn from_machine(state: &mediate_endpoints::EndpointState, now: Instant) -> Self {
        let retry_in = state.retry_at().map(|at| at.saturating_duration_since(now));
        let state = match state {
            mediate_endpoints::EndpointState::Active => EndpointState::Active,
            mediate_endpoints::EndpointState::Timeout { .. } => EndpointState::Timeout,
            mediate_endpoints::EndpointState::Suspended { .. } => EndpointState::Suspended,
            mediate_endpoints::EndpointState::Off => EndpointState::Off,
        };
        EndpointStatus { state, retry_in }
    }
}

/// How the management API learns the state of a named endpoint: given its name, the endpoint
/// runtime answers with its status, or `None` when it holds none (an endpoint never used, a
/// name it does not know): such an endpoint is shown active, as in Synapse an endpoint is
/// active until a failure says otherwise.
pub type EndpointStatusLookup = Arc<dyn Fn(&str) -> Option<EndpointStatus> + Send + Sync>;

/// Everything the management port serves from: the deployed configuration, the readiness
/// flag, the metrics recorder, the endpoint states, and the base URL of the HTTP listener (for
/// the URLs of APIs and proxy services). Cheap to clone: clones share all of it.
///
/// ```
/// use std::sync::Arc;
/// use mediate_config::{Configuration, load_str};
/// use mediate_runtime::management::{EndpointState, EndpointStatus, ManagementState, Readiness};
/// use mediate_runtime::metrics::Metrics;
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><log/></sequence>"#;
/// let configuration = Arc::new(Configuration::new(load_str(xml, "main.xml".as_ref(), &registry)?));
/// let state = ManagementState::new(configuration, Readiness::new(), Metrics::install())
///     .with_http_base_url("http://mediate.example:8290")
///     .with_endpoint_status(Arc::new(|name: &str| {
///         (name == "Down").then_some(EndpointStatus { state: EndpointState::Off, retry_in: None })
///     }));
/// assert_eq!(state.http_base_url(), "http://mediate.example:8290");
/// assert_eq!(state.endpoint_status("Down").state, EndpointState::Off);
/// assert_eq!(state.endpoint_status("Up").state, EndpointState::Active);
/// assert_eq!(state.configuration().sequences().count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ManagementState {
    inner: Arc<Inner>,
}

struct Inner {
    configuration: RwLock<Arc<Configuration>>,
    readiness: Readiness,
    metrics: Metrics,
    endpoint_status: Option<EndpointStatusLookup>,
    sequence_stats: Option<SequenceStatsSource>,
    http_base_url: String,
}

/// Where the per-sequence message counts come from: every named sequence with its
/// [`SequenceStats`](mediate_core::SequenceStats), read when `/metrics` is served.
pub type SequenceStatsSource =
    Arc<dyn Fn() -> Vec<(String, mediate_core::SequenceStats)> + Send + Sync>;

impl ManagementState {
    /// The state of a port serving `configuration`, ready when `readiness` says so, with the
    /// metrics of `metrics`. Every endpoint shows active until
    /// [`with_endpoint_status`](Self::with_endpoint_status) says how to learn its state; API
    /// URLs start with `http://localhost:8290` until
    /// [`with_http_base_url`](Self::with_http_base_url) says otherwise.
    pub fn new(configuration: Arc<Configuration>, readiness: Readiness, metrics: Metrics) -> Self {
        ManagementState {
            inner: Arc::new(Inner {
                configuration: RwLock::new(configuration),
                readiness,
                metrics,
                endpoint_status: None,
                sequence_stats: None,
                http_base_url: DEFAULT_HTTP_BASE_URL.to_owned(),
            }),
        }
    }

    /// Learn endpoint states through `lookup` (the endpoint runtime's).
    #[must_use]
    pub fn with_endpoint_status(self, lookup: EndpointStatusLookup) -> Self {
        self.rebuild(|inner| inner.endpoint_status = Some(lookup))
    }

    /// Serve per-sequence message counts on `/metrics` from `source`
    /// (`mediate_sequence_messages_total{sequence,outcome}`, outcome `in`, `continued`,
    /// `stopped` or `faulted`), read from the sequences' own counters when scraped.
    #[must_use]
    pub fn with_sequence_stats(self, source: SequenceStatsSource) -> Self {
        self.rebuild(|inner| inner.sequence_stats = Some(source))
    }

    /// The per-sequence counts, when a source was given.
    pub fn sequence_stats(&self) -> Vec<(String, mediate_core::SequenceStats)> {
        self.inner
            .sequence_stats
            .as_ref()
            .map(|source| source())
            .unwrap_or_default()
    }

    /// The URL the HTTP listener is reached at (`http://HOST:PORT`, no trailing `/`): API URLs
    /// are this plus the context, proxy service URLs this plus `/services/NAME`.
    #[must_use]
    pub fn with_http_base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        let url = url.trim_end_matches('/').to_owned();
        self.rebuild(|inner| inner.http_base_url = url)
    }

    /// `self` with `change` applied to a copy of its parts (builder methods are called before
    /// the state is shared, so the copy is the only one).
    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                configuration: RwLock::new(read(&shared.configuration)),
                readiness: shared.readiness.clone(),
                metrics: shared.metrics.clone(),
                endpoint_status: shared.endpoint_status.clone(),
                sequence_stats: shared.sequence_stats.clone(),
                http_base_url: shared.http_base_url.clone(),
            },
        };
        change(&mut inner);
        ManagementState {
            inner: Arc::new(inner),
        }
    }

    /// The configuration being served.
    pub fn configuration(&self) -> Arc<Configuration> {
        read(&self.inner.configuration)
    }

    /// Serves `configuration` from now on (after a reload), for every clone of this state.
    pub fn replace_configuration(&self, configuration: Arc<Configuration>) {
        *self
            .inner
            .configuration
            .write()
            .unwrap_or_else(PoisonError::into_inner) = configuration;
    }

    /// The readiness flag.
    pub fn readiness(&self) -> &Readiness {
        &self.inner.readiness
    }

    /// The metrics recorder.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The base URL of the HTTP listener (see [`with_http_base_url`](Self::with_http_base_url)).
    pub fn http_base_url(&self) -> &str {
        &self.inner.http_base_url
    }

    /// The status of the named endpoint `name` (active when the runtime reports none).
    pub fn endpoint_status(&self, name: &str) -> EndpointStatus {
        self.inner
            .endpoint_status
            .as_ref()
            .and_then(|lookup| lookup(name))
            .unwrap_or_else(EndpointStatus::active)
    }
}

fn read(lock: &RwLock<Arc<Configuration>>) -> Arc<Configuration> {
    Arc::clone(&lock.read().unwrap_or_else(PoisonError::into_inner))
}

impl fmt::Debug for ManagementState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagementState")
            .field("artifacts", &self.configuration().artifacts.len())
            .field("ready", &self.inner.readiness.is_ready())
            .field("metrics", &self.inner.metrics)
            .field("endpoint_status", &self.inner.endpoint_status.is_some())
            .field("http_base_url", &self.inner.http_base_url)
            .finish()
    }
}
