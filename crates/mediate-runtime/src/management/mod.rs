//! The management port of `mediate serve` (default [`DEFAULT_PORT`], 9164): health, metrics,
//! and a read-only management API over the deployed artifacts, modelled on WSO2 Micro
//! Integrator 4.x's management API.
//!
//! [`router`] builds the port's [`axum::Router`] from a [`ManagementState`]; [`serve_management`]
//! serves it on a listener until a shutdown signal, then drains the requests in flight.
//!
//! # Endpoints
//!
//! Every answer is JSON (`application/json`) but `/metrics`. Only `GET` (and `HEAD`) is
//! served: any other method gets `405` with an `Allow: GET, HEAD` header.
//!
//! | request | answer |
//! |---|---|
//! | `GET /healthz` | `200 {"status":"ready"}` once [`Readiness::set_ready`] was called (every artifact deployed), `503 {"status":"not ready"}` before |
//! | `GET /metrics` | every metric, Prometheus text format 0.0.4 (`text/plain; version=0.0.4; charset=utf-8`); see [`crate::metrics`] |
//! | `GET /management` or `/management/` | an index: mediate's version and the resources below |
//! | `GET /management/apis` | `{"count": N, "list": [{name, url, context, version, stats, tracing}…]}` |
//! | `GET /management/apis?apiName=NAME` | one API: the above plus `host`/`port` when set, `resources` (`methods`, `url`, `dispatch`) and `configuration` |
//! | `GET /management/proxy-services` | `{count, list: [{name, url, wsdl1_1, wsdl2_0}…]}` |
//! | `GET /management/proxy-services?proxyServiceName=NAME` | one proxy: the above plus `stats`, `tracing`, `eprs`, `isRunning`, `transports`, `configuration` |
//! | `GET /management/endpoints` | `{count, list: [{name, type, isActive, state}…]}` |
//! | `GET /management/endpoints?endpointName=NAME` | one endpoint: the above plus its target (`address`, `uriTemplate`/`method`, `template`/`uri`, `key`, group `endpoints`), `retryInSeconds`, `tracing`, `stats`, `configuration` |
//! | `GET /management/sequences` | `{count, list: [{name, stats, tracing}…]}` |
//! | `GET /management/sequences?sequenceName=NAME` | one sequence: the above plus `mediators` and `configuration` |
//! | `GET /management/templates` | `{count, list: [{name, type, Parameters, configuration}…]}` (sequence and endpoint templates) |
//! | `GET /management/templates?type=sequence\|endpoint` | `{count, list: [{name}…]}` of that type |
//! | `GET /management/templates?type=T&name=NAME` | one template of type `T`; `?name=NAME` alone finds it in either type |
//! | `GET /management/local-entries` | `{count, list: [{name, type}…]}` (`type`: `Inline Text`, `Inline XML`, `Source URL`) |
//! | `GET /management/local-entries?name=KEY` | one entry: the above plus `value`, `src`, `description`, `configuration` |
//! | `?searchKey=TEXT` on any list | only the artifacts whose name contains `TEXT`, ignoring case |
//! | anything else | `404 {"Error": "…"}` naming the resources that exist |
//!
//! An artifact that is not deployed answers `404 {"Error": "…"}` naming what was looked for;
//! an unknown template type answers `400`. `configuration` is the artifact's Synapse XML as
//! mediate writes it back (it reads as the same artifact; formatting and comments are not
//! kept). An endpoint's `state` is `active`, `timeout`, `suspended` or `off`, as the endpoint
//! runtime reports it through [`ManagementState::with_endpoint_status`].
//!
//! # Differences from MI
//!
//! - **No authentication.** MI's management API wants a JWT from `/management/login`; this one
//!   is read-only and open, so it must only be bound where the operator controls who reaches
//!   it ([`serve_management`] serves on whatever listener it is given: bind it to loopback or
//!   to an internal interface, never to a public one). There is no `/management/login`, `/logout`, nor any of MI's
//!   `POST`/`PATCH`/`DELETE` operations (switching an endpoint off, enabling tracing,
//!   deploying a CApp, users, log levels…).
//! - Only the artifacts mediate deploys are listed: no `/management/inbound-endpoints`,
//!   `message-stores`, `message-processors`, `tasks`, `data-services`, `applications`,
//!   `connectors`, `registry-resources`, `server`, `logs`.
//! - An unknown artifact answers 404 with an `{"Error": …}` body (MI's 404 for an API, proxy,
//!   endpoint, sequence or template has no body).
//! - `/healthz` and `/metrics` share the management port (MI puts its readiness probe on
//!   9201 and has no built-in Prometheus endpoint unless configured).
//! - Secrets are masked (`*****`) in every `configuration` and local entry `value`: the text of
//!   `<password>`, `<clientSecret>` and `<refreshToken>` (MI masks only a local entry's
//!   `<password>`, and shows endpoint credentials to its authenticated admins).
//! - Extra fields MI lacks: an API's `context` in lists and each resource's `dispatch`; a
//!   proxy's `url` and `transports`; an endpoint's `state` and `retryInSeconds`. An endpoint's
//!   `type` is its element name (`address`, `http`, `loadbalance`…) in lists and in detail
//!   (MI's detail says `Address Endpoint`…). A resource that lists no method shows every
//!   method it accepts (MI shows `[]`). A sequence's `mediators` are element names (`log`),
//!   not Java class names (`LogMediator`). A template's `Parameters` are names. Lists are in
//!   the order the artifacts were read (files sorted by path).
//! - The `wsdl1_1`/`wsdl2_0` URLs of a proxy are where MI publishes its WSDL: mediate does not
//!   serve WSDL yet, and `eprs` lists the HTTP URL only.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use mediate_config::{Configuration, load_str};
//! use mediate_runtime::management::{ManagementState, Readiness, serve_management};
//! use mediate_runtime::metrics::Metrics;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = mediate_mediators::builtins::registry();
//! let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Hello" context="/hello">
//!     <resource methods="GET" uri-template="/{name}"><inSequence><respond/></inSequence></resource>
//! </api>"#;
//! let configuration = Arc::new(Configuration::new(load_str(xml, "hello.xml".as_ref(), &registry)?));
//! let readiness = Readiness::new();
//! let state = ManagementState::new(configuration, readiness.clone(), Metrics::install());
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("management port on {}", listener.local_addr()?);
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(serve_management(
//!     listener,
//!     state,
//!     async { stopped.await.ok(); },
//! ));
//! // … deploy everything, then:
//! readiness.set_ready();
//! stop.send(()).ok();
//! server.await??;
//! # Ok(())
//! # }
//! ```

mod mask;
mod state;
mod views;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde_json::{Value, json};

pub use state::{
    EndpointState, EndpointStatus, EndpointStatusLookup, ManagementState, Readiness,
    SequenceStatsSource,
};

/// The port the management API listens on unless told otherwise (MI's management API port).
pub const DEFAULT_PORT: u16 = 9164;

/// The content type of `/metrics`: Prometheus text exposition format 0.0.4.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often [`serve_management`] drains histogram observations ([`Metrics::run_upkeep`](crate::metrics::Metrics::run_upkeep)).
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

/// The management API's resources, as the index and the 404 answer list them.
const RESOURCES: &[&str] = &[
    "/management/apis",
    "/management/proxy-services",
    "/management/endpoints",
    "/management/sequences",
    "/management/templates",
    "/management/local-entries",
];

/// The management port's routes (see the [module docs](self) for what each answers), serving
/// from `state`.
pub fn router(state: ManagementState) -> Router {
    let mut router = Router::new()
        .route("/healthz", read_only(get(healthz)))
        .route("/metrics", read_only(get(metrics)))
        .route("/management", read_only(get(index)))
        .route("/management/", read_only(get(index)));
    for (path, route) in [
        ("/management/apis", get(apis)),
        ("/management/proxy-services", get(proxy_services)),
        ("/management/endpoints", get(endpoints)),
        ("/management/sequences", get(sequences)),
        ("/management/templates", get(templates)),
        ("/management/local-entries", get(local_entries)),
    ] {
        let route = read_only(route);
        router = router
            .route(&format!("{path}/"), route.clone())
            .route(path, route);
    }
    router.fallback(not_found).with_state(state)
}

/// Serves the management port on `listener` until `shutdown` completes, then stops accepting
/// and finishes the requests in flight. While it serves, it drains histogram observations
/// every few seconds, so memory stays bounded when nobody scrapes `/metrics`.
///
/// # Errors
///
/// An I/O error of the listener.
pub async fn serve_management(
    listener: tokio::net::TcpListener,
    state: ManagementState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let metrics = state.metrics().clone();
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP_PERIOD);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            metrics.run_upkeep();
        }
    });
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep.abort();
    served
}

/// `route` answering 405 with an `Allow` header to any method but GET and HEAD.
fn read_only(route: MethodRouter<ManagementState>) -> MethodRouter<ManagementState> {
    route.fallback(method_not_allowed)
}

/// A JSON answer.
fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// MI's error body: `{"Error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, json!({ "Error": message.into() }))
}

async fn method_not_allowed(uri: Uri) -> Response {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "`{}` answers GET only: mediate's management API is read-only",
            uri.path()
        ),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "no management resource at `{}`: the resources are /healthz, /metrics, /management/, {}",
            uri.path(),
            RESOURCES.join(", ")
        ),
    )
}

async fn healthz(State(state): State<ManagementState>) -> Response {
    if state.readiness().is_ready() {
        json_response(StatusCode::OK, json!({ "status": "ready" }))
    } else {
        json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not ready" }),
        )
    }
}

async fn metrics(State(state): State<ManagementState>) -> Response {
    let mut text = state.metrics().render();
    let sequences = state.sequence_stats();
    if !sequences.is_empty() {
        use std::fmt::Write as _;
        let _ = writeln!(
            text,
            "# HELP {0} Messages through named sequences, by outcome\n# TYPE {0} counter",
            crate::metrics::SEQUENCE_MESSAGES_TOTAL
        );
        for (name, stats) in sequences {
            let name = escape_label(&name);
            for (outcome, n) in [
                ("in", stats.messages_in),
                ("continued", stats.continued),
                ("stopped", stats.stopped),
                ("faulted", stats.faulted),
            ] {
                let _ = writeln!(
                    text,
                    "{}{{sequence=\"{name}\",outcome=\"{outcome}\"}} {n}",
                    crate::metrics::SEQUENCE_MESSAGES_TOTAL
                );
            }
        }
    }
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response()
}

/// A Prometheus label value: `\`, `"` and newlines escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn index() -> Response {
    json_response(
        StatusCode::OK,
        json!({
            "mediate": env!("CARGO_PKG_VERSION"),
            "ManagementApi": "Active",
            "readOnly": true,
            "resources": RESOURCES,
            "healthz": "/healthz",
            "metrics": "/metrics",
        }),
    )
}

type Params = Query<HashMap<String, String>>;

/// The list of `items` whose names contain `searchKey` (ignoring case) when it is given and
/// not blank, else all of them.
fn search<'a, T>(
    params: &HashMap<String, String>,
    items: impl Iterator<Item = &'a T>,
    name: impl Fn(&T) -> String,
    summary: impl Fn(&T) -> Value,
) -> Response
where
    T: 'a,
{
    let key = params
        .get("searchKey")
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty());
    let items = items
        .filter(|item| {
            key.as_ref()
                .is_none_or(|key| name(item).to_lowercase().contains(key))
        })
        .map(summary)
        .collect();
    json_response(StatusCode::OK, views::list(items))
}

/// One artifact's detail, or 404 saying that no `what` named `name` is deployed.
fn one(found: Option<Value>, what: &str, name: &str) -> Response {
    match found {
        Some(detail) => json_response(StatusCode::OK, detail),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no {what} named `{name}` is deployed"),
        ),
    }
}

async fn apis(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    let base = state.http_base_url();
    if let Some(name) = params.get("apiName") {
        // An API is found by the name it is deployed under (`name:vVERSION` when versioned),
        // or by its plain name when only one API has it.
        let mut matching = configuration
            .apis()
            .filter(|api| api.qualified_name() == *name);
        let found = matching.next().or_else(|| {
            let mut by_name = configuration.apis().filter(|api| api.name == *name);
            match (by_name.next(), by_name.next()) {
                (Some(api), None) => Some(api),
                _ => None,
            }
        });
        return one(found.map(|api| views::api_detail(api, base)), "API", name);
    }
    search(
        &params,
        configuration.apis(),
        |api| api.qualified_name(),
        |api| views::api_summary(api, base),
    )
}

async fn proxy_services(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    let base = state.http_base_url();
    if let Some(name) = params.get("proxyServiceName") {
        let found = configuration.proxies().find(|p| p.name == *name);
        return one(
            found.map(|p| views::proxy_detail(p, base)),
            "proxy service",
            name,
        );
    }
    search(
        &params,
        configuration.proxies(),
        |p| p.name.clone(),
        |p| views::proxy_summary(p, base),
    )
}

async fn endpoints(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    if let Some(name) = params.get("endpointName") {
        let found = configuration.endpoints().find(|e| e.name() == name);
        return one(
            found.map(|e| views::endpoint_detail(e, state.endpoint_status(e.name()))),
            "endpoint",
            name,
        );
    }
    search(
        &params,
        configuration.endpoints(),
        |e| e.name().to_owned(),
        |e| views::endpoint_summary(e, state.endpoint_status(e.name())),
    )
}

async fn sequences(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    if let Some(name) = params.get("sequenceName") {
        let found = configuration
            .sequences()
            .find(|s| s.name.as_deref() == Some(name.as_str()));
        return one(found.map(views::sequence_detail), "sequence", name);
    }
    search(
        &params,
        configuration.sequences(),
        |s| s.name.clone().unwrap_or_default(),
        views::sequence_summary,
    )
}

async fn templates(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    let kind = params.get("type").map(|t| t.to_ascii_lowercase());
    if let Some(kind) = &kind
        && kind != "sequence"
        && kind != "endpoint"
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`{kind}` is not a template type: expected `sequence` or `endpoint`"),
        );
    }
    let of_kind = |t: &&mediate_config::TemplateConfig| {
        kind.as_deref()
            .is_none_or(|kind| views::template_type(t) == kind)
    };
    if let Some(name) = params.get("name") {
        let found = configuration
            .templates()
            .filter(of_kind)
            .find(|t| t.name == *name);
        let what = match kind.as_deref() {
            Some("sequence") => "sequence template",
            Some(_) => "endpoint template",
            None => "template",
        };
        return one(found.map(views::template_detail), what, name);
    }
    if kind.is_some() {
        // MI lists only the names of the templates of one type.
        return search(
            &params,
            configuration.templates().filter(of_kind),
            |t| t.name.clone(),
            |t| json!({ "name": t.name }),
        );
    }
    search(
        &params,
        configuration.templates(),
        |t| t.name.clone(),
        views::template_detail,
    )
}

async fn local_entries(State(state): State<ManagementState>, Query(params): Params) -> Response {
    let configuration = state.configuration();
    if let Some(name) = params.get("name") {
        let found = configuration.local_entries().find(|e| e.key == *name);
        return one(found.map(views::local_entry_detail), "local entry", name);
    }
    search(
        &params,
        configuration.local_entries(),
        |e| e.key.clone(),
        views::local_entry_summary,
    )
}
