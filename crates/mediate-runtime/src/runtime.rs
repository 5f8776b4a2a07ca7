//! [`Runtime`]: a deployed configuration with its endpoints and HTTP transport, ready to serve or
//! to run single messages. What `mediate serve` runs, and what an embedding program uses.

use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;

use futures::FutureExt;
use std::time::Instant;

use http::{Request, Response};
use mediate_config::{
    Configuration, Diagnostic, Diagnostics, LoadOptions, TemplateBody, load_dir_with,
};
use mediate_core::tasks::BackgroundTasks;
use mediate_core::transport::HttpSender;
use mediate_core::{Env, Flow, MediationError, MessageContext, Registry};
use mediate_endpoints::runtime::Endpoints;
use mediate_message::PendingBody;
use mediate_transport_http::{Handler, HyperSender, ResponseBody, ServerConfig};

use crate::deploy::Snapshot;
use crate::engine::Engine;
use crate::management::{EndpointStatus, ManagementState, Readiness};
use crate::metrics::Metrics;

/// Builds a [`Runtime`]: the mediators it knows (the built-ins plus yours), how values from
/// outside are resolved, and the outbound transport.
#[derive(Debug)]
pub struct RuntimeBuilder {
    registry: Registry,
    options: LoadOptions,
    sender: Option<Arc<dyn HttpSender>>,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        Self {
            registry: mediate_mediators::builtins::registry(),
            options: LoadOptions::default(),
            sender: None,
        }
    }
}

impl RuntimeBuilder {
    /// The mediator registry, to register custom mediators (`<class name="…">` or your own
    /// element names) before loading.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Replaces the mediator registry (the built-ins are in
    /// `mediate_mediators::builtins::registry()`).
    #[must_use]
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// How `$SYSTEM:` and `$FILE:` values are resolved when loading a folder.
    #[must_use]
    pub fn load_options(mut self, options: LoadOptions) -> Self {
        self.options = options;
        self
    }

    /// The outbound HTTP transport endpoints send through; a pooled
    /// [`HyperSender`] with its defaults unless set.
    #[must_use]
    pub fn sender(mut self, sender: Arc<dyn HttpSender>) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Loads every artifact under `dir` (an MI project or a flat folder), checks and deploys it.
    /// Every problem is reported, as `FILE:LINE:COL: message` diagnostics.
    pub fn load_dir(self, dir: &Path) -> Result<Runtime, Diagnostics> {
        let configuration = load_dir_with(dir, &self.registry, &self.options)?;
        self.deploy(configuration)
    }

    /// Checks and deploys a configuration built in code or loaded elsewhere.
    pub fn deploy(self, configuration: Configuration) -> Result<Runtime, Diagnostics> {
        configuration.check().into_result(())?;
        let sender = self
            .sender
            .unwrap_or_else(|| Arc::new(HyperSender::new()) as Arc<dyn HttpSender>);
        let mut endpoints = Endpoints::builder(sender);
        for endpoint in configuration.endpoints() {
            if let Some(name) = endpoint.definition.name.clone() {
                endpoints = endpoints.endpoint(name, endpoint.definition.clone());
            }
        }
        for template in configuration.templates() {
            if let TemplateBody::Endpoint(body) = &template.body {
                endpoints = endpoints.template(
                    template.name.clone(),
                    template.parameters.iter().map(|p| p.name.clone()),
                    body.clone(),
                );
            }
        }
        let endpoints = match endpoints.build() {
            Ok(endpoints) => endpoints,
            Err(err) => {
                let mut diags = Diagnostics::new();
                for (name, reason) in err.problems() {
                    let span = configuration
                        .endpoints()
                        .find(|e| e.definition.name.as_deref() == Some(name))
                        .map(|e| e.span.clone())
                        .unwrap_or_default();
                    diags.push(Diagnostic::in_span(
                        &span,
                        format!("endpoint `{name}`: {reason}"),
                    ));
                }
                return Err(diags);
            }
        };
        let configuration = Arc::new(configuration);
        let extension = endpoints.clone();
        let background = BackgroundTasks::new();
        let tracked = background.clone();
        let snapshot = Snapshot::build(Arc::clone(&configuration), &self.registry, move |env| {
            env.extension(extension).extension(tracked)
        })?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine: Engine::new(Arc::new(snapshot)),
                endpoints,
                background,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    engine: Engine,
    endpoints: Endpoints,
    /// The tasks `send` and out-only `call` leave running (also in the environment).
    background: BackgroundTasks,
}

/// A deployed configuration, ready to serve HTTP or to run messages in-process.
///
/// Cloning is cheap; every clone serves the same deployment. Load a folder with
/// [`RuntimeBuilder::load_dir`] (what `mediate serve` does), or deploy a configuration built or
/// loaded in code; then [`serve`](Self::serve) on a listener of your own, [`handle`](Self::handle)
/// one request without a socket, or [`run_sequence`](Self::run_sequence) one message.
///
/// ```
/// use mediate_config::{Configuration, load_str};
/// use mediate_core::MessageContext;
/// use mediate_runtime::Runtime;
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
///     <api name="Hello" context="/hello">
///         <resource methods="GET"><inSequence>
///             <payloadFactory media-type="json">
///                 <format>{"hello": "$1"}</format>
///                 <args><arg expression="$url:name"/></args>
///             </payloadFactory>
///             <respond/>
///         </inSequence></resource>
///     </api>
///     <sequence name="stamp"><property name="stamped" value="yes"/></sequence>
/// </definitions>"#;
/// let configuration = Configuration::new(load_str(xml, "hello.xml".as_ref(), &registry)?);
/// let runtime = Runtime::builder().deploy(configuration).map_err(|d| d.to_string())?;
///
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// rt.block_on(async {
///     // One message through a named sequence, in-process.
///     let mut msg = MessageContext::from_json("{}");
///     runtime.run_sequence("stamp", &mut msg).await?;
///     assert_eq!(msg.property("stamped").map(|v| v.as_string()).as_deref(), Some("yes"));
///
///     // One HTTP request, without a socket (`serve` takes a `TcpListener` for real traffic).
///     let request = http::Request::get("/hello?name=mediate").body(None)?;
///     let response = runtime.handle(request).await;
///     assert_eq!(response.status(), 200);
///     assert_eq!(response.headers()["content-type"], "application/json");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    /// A builder with the built-in mediators and the default transport.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// The deployed snapshot (APIs, proxies, the environment).
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        self.inner.engine.snapshot()
    }

    /// The environment every mediator sees (sequences, templates, local entries, endpoints).
    pub fn env(&self) -> &Env {
        &self.snapshot().env
    }

    /// The deployed endpoints, with their states.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The configuration that was deployed.
    pub fn configuration(&self) -> &Arc<Configuration> {
        &self.snapshot().configuration
    }

    /// Every named sequence with its message counts, sorted by name.
    pub fn sequence_stats(&self) -> Vec<(String, mediate_core::SequenceStats)> {
        let env = self.env();
        let mut stats: Vec<_> = env
            .sequence_keys()
            .filter_map(|k| Some((k.to_owned(), env.get_sequence(k)?.stats())))
            .collect();
        stats.sort_by(|a, b| a.0.cmp(&b.0));
        stats
    }

    /// Handles one HTTP request: dispatch, mediation, reply.
    pub fn handle(
        &self,
        request: Request<Option<PendingBody>>,
    ) -> impl Future<Output = Response<ResponseBody>> + Send + '_ {
        // A combinator, not an `async fn`: the engine's future and the response's take turns
        // in one place instead of lying side by side (the future is allocated per request).
        self.inner
            .engine
            .handle(request)
            .then(mediate_transport_http::response_from_message)
    }

    /// Runs `msg` through the sequence deployed as `name` in-process, with the default `fault`
    /// sequence as the last fault handler. A `respond` leaves the reply on `msg`.
    pub async fn run_sequence(
        &self,
        name: &str,
        msg: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        let env = self.env();
        let Some(seq) = env.get_sequence(name) else {
            return Err(MediationError::mediator(format!(
                "no sequence is deployed as `{name}`"
            )));
        };
        let seq = Arc::clone(seq);
        env.run(&seq, msg).await
    }

    /// Serves HTTP on `listener` until `shutdown` completes, then drains in-flight requests
    /// and waits for the [background tasks](Self::background_tasks) (`send`s and out-only
    /// `call`s still under way, such as those of messages already answered `202 Accepted`),
    /// all within `config.grace_period` from the moment `shutdown` completed. What is still
    /// running then is abandoned, with a warning saying how much.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        config: ServerConfig,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let handler: Arc<dyn Handler> = Arc::new(self.clone());
        let grace = config.grace_period;
        let stopping = std::sync::OnceLock::new();
        let shutdown = async {
            shutdown.await;
            let _ = stopping.set(Instant::now());
        };
        let served = mediate_transport_http::serve(listener, handler, config, shutdown).await;
        let since = stopping.get().copied().unwrap_or_else(Instant::now);
        let left = match since.checked_add(grace) {
            Some(deadline) => self.wait_idle(deadline).await,
            None => {
                self.inner.background.wait_idle().await;
                0
            }
        };
        if left > 0 {
            tracing::warn!(
                still_running = left,
                grace_ms = grace.as_millis() as u64,
                "background sends still running after the grace period are abandoned"
            );
        }
        served
    }

    /// The tasks mediators leave running after a message's flow (a `send`, an out-only
    /// `call`): how many are still running, and a way to wait for them. [`serve`](Self::serve)
    /// waits for them when it stops; a program that only uses [`handle`](Self::handle) calls
    /// [`wait_idle`](Self::wait_idle) before it exits, so that no accepted message is lost.
    pub fn background_tasks(&self) -> &BackgroundTasks {
        &self.inner.background
    }

    /// Waits until no [background task](Self::background_tasks) is running, or until
    /// `deadline`, and gives how many were still running then (`0`: all finished).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use mediate_config::Configuration;
    /// use mediate_runtime::Runtime;
    ///
    /// let runtime = Runtime::builder().deploy(Configuration::new(Vec::new())).map_err(|d| d.to_string())?;
    /// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// rt.block_on(async {
    ///     // What a `send` leaves behind: a task tracked by the runtime.
    ///     let (done, finished) = tokio::sync::oneshot::channel::<()>();
    ///     tokio::spawn(runtime.background_tasks().track(async move {
    ///         let _ = finished.await;
    ///     }));
    ///     assert_eq!(runtime.wait_idle(Instant::now() + Duration::from_millis(10)).await, 1);
    ///     done.send(()).unwrap();
    ///     assert_eq!(runtime.wait_idle(Instant::now() + Duration::from_secs(5)).await, 0);
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn wait_idle(&self, deadline: Instant) -> usize {
        let tasks = &self.inner.background;
        if tasks.running() == 0 {
            return 0;
        }
        tracing::debug!(
            running = tasks.running(),
            "waiting for background sends to finish"
        );
        let deadline = tokio::time::Instant::from_std(deadline);
        match tokio::time::timeout_at(deadline, tasks.wait_idle()).await {
            Ok(()) => 0,
            Err(_) => tasks.running(),
        }
    }

    /// The management port's state for this deployment: its configuration, the endpoint states,
    /// `readiness` and `metrics`.
    pub fn management_state(&self, readiness: Readiness, metrics: Metrics) -> ManagementState {
        let endpoints = self.inner.endpoints.clone();
        let runtime = self.clone();
        ManagementState::new(Arc::clone(self.configuration()), readiness, metrics)
            .with_endpoint_status(Arc::new(move |name: &str| {
                endpoints
                    .status(name)
                    .map(|s| EndpointStatus::from_machine(&s.state, Instant::now()))
            }))
            .with_sequence_stats(Arc::new(move || runtime.sequence_stats()))
    }
}

impl Handler for Runtime {
    // Written out rather than with `#[async_trait]`, whose `async` block would hold the request
    // beside `Runtime::handle`'s future.
    fn handle<'life0, 'async_trait>(
        &'life0 self,
        request: Request<Option<PendingBody>>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Response<ResponseBody>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(Runtime::handle(self, request))
    }
}
