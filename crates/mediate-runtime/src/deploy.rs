//! The deployed snapshot: a checked [`Configuration`] built into runnable flows.
//!
//! [`Snapshot::build`] turns every API resource and proxy service into its in, out and fault
//! sequences (inline ones built, keys resolved against the deployed named sequences), builds
//! the [`Dispatcher`] and the [`Env`] every mediator sees, resolves each proxy's published
//! WSDL, and refuses what it cannot run rather than skipping it (API `<handlers>`, a proxy
//! target that names nothing, a `<publishWSDL>` that cannot be loaded), with `FILE:LINE:COL`
//! diagnostics like the loader's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mediate_config::{
    ApiConfig, Configuration, Diagnostic, Diagnostics, EndpointRef, ProxyConfig, SequenceRef, Span,
};
use mediate_core::{BuildError, Env, EnvBuilder, IntoMediator, Registry, Sequence};
use mediate_endpoints::EndpointDefinition;
use mediate_mediators::send::SendConfig;

use crate::dispatch::Dispatcher;
use crate::metrics::{RequestMetrics, resource_label};
use crate::wsdl::ProxyWsdl;

/// The flows of one API resource.
#[derive(Debug, Clone, Default)]
pub struct ResourceFlows {
    /// `inSequence`; `None`: MI logs "No in-sequence configured. Dropping the request." and
    /// the client gets `202`.
    pub in_sequence: Option<Arc<Sequence>>,
    /// `outSequence`; `None`: responses go straight back to the client.
    pub out_sequence: Option<Arc<Sequence>>,
    /// `faultSequence`; `None`: the default `fault` sequence.
    pub fault_sequence: Option<Arc<Sequence>>,
}

impl ResourceFlows {
    /// Flows made of an in sequence only (`main`, `_resource_mismatch_handler_`).
    pub fn in_only(in_sequence: Arc<Sequence>) -> Self {
        Self {
            in_sequence: Some(in_sequence),
            ..Self::default()
        }
    }
}

/// A deployed REST API.
#[derive(Debug, Clone)]
pub struct DeployedApi {
    /// The configuration it was built from.
    pub config: Arc<ApiConfig>,
    /// Its resources' flows, in the order of `config.resources`.
    pub resources: Vec<ResourceFlows>,
    /// Its resources' request metrics, in the same order.
    pub(crate) metrics: Vec<Arc<RequestMetrics>>,
}

/// A deployed proxy service.
#[derive(Debug, Clone)]
pub struct DeployedProxy {
    /// The configuration it was built from.
    pub config: Arc<ProxyConfig>,
    /// The target's sequences.
    pub flows: ResourceFlows,
    /// The target endpoint (`<target endpoint="…">` or inline): where the message goes when the
    /// in sequence lets it continue.
    pub endpoint: Option<EndpointDefinition>,
    /// The `send` to the target endpoint, built once (an inline endpoint keeps its state —
    /// round-robin position, suspension — across requests).
    pub send: Option<Arc<Sequence>>,
    /// Its request metrics.
    pub(crate) metrics: Arc<RequestMetrics>,
    /// The WSDL it publishes at `?wsdl` (resolved now: a WSDL that cannot be loaded fails the
    /// deployment, as in MI).
    pub(crate) wsdl: Arc<ProxyWsdl>,
}

/// Everything a running server needs, built once from a configuration and shared by every
/// request (swapped whole on a reload).
#[derive(Debug)]
pub struct Snapshot {
    /// The environment every mediator sees.
    pub env: Env,
    /// REST API dispatch.
    pub dispatcher: Dispatcher,
    /// APIs by qualified name (`name` or `name:vVERSION`), looked up on every request to one
    /// (hence foldhash rather than SipHash).
    pub apis: HashMap<String, DeployedApi, foldhash::fast::RandomState>,
    /// Proxy services by name.
    pub proxies: HashMap<String, DeployedProxy>,
    /// The configuration it was built from.
    pub configuration: Arc<Configuration>,
}

impl Snapshot {
    /// Builds the snapshot. `extend` adds what the core does not know to the environment (the
    /// endpoints runtime, as an [`Env`] extension). Every problem is reported.
    pub fn build(
        configuration: Arc<Configuration>,
        registry: &Registry,
        extend: impl FnOnce(EnvBuilder) -> EnvBuilder,
    ) -> Result<Self, Diagnostics> {
        let deployment = configuration.deploy(registry)?;
        let mut diags = Diagnostics::new();
        let sequences = deployment.sequences();
        let lookup = |key: &str| sequences.get(key).cloned();
        let flows = |r_in: &Option<SequenceRef>,
                     r_out: &Option<SequenceRef>,
                     r_fault: &Option<SequenceRef>,
                     span: &Span,
                     diags: &mut Diagnostics| {
            let mut build = |r: &Option<SequenceRef>| match r {
                None => None,
                Some(r) => match r.resolve(registry, lookup) {
                    Ok(seq) => Some(seq),
                    Err(e) => {
                        diags.push(Diagnostic::at_span(ref_span(r).unwrap_or(span), &e));
                        None
                    }
                },
            };
            ResourceFlows {
                in_sequence: build(r_in),
                out_sequence: build(r_out),
                fault_sequence: build(r_fault),
            }
        };

        let mut apis = HashMap::default();
        for api in configuration.apis() {
            if let Some(handler) = api.handlers.first() {
                diags.push(Diagnostic::at_span(
                    &handler.span,
                    &BuildError::structure(
                        "handler",
                        format!(
                            "API handlers (`{}`) are Java classes and cannot run here; remove the `<handlers>` element or put the check in the resource's inSequence",
                            handler.class
                        ),
                    ),
                ));
            }
            let resources = api
                .resources
                .iter()
                .map(|r| {
                    flows(
                        &r.in_sequence,
                        &r.out_sequence,
                        &r.fault_sequence,
                        &r.span,
                        &mut diags,
                    )
                })
                .collect();
            let name = api.qualified_name();
            let metrics = api
                .resources
                .iter()
                .map(|r| Arc::new(RequestMetrics::api(&name, resource_label(&r.dispatch))))
                .collect();
            apis.insert(
                name,
                DeployedApi {
                    config: Arc::new(api.clone()),
                    resources,
                    metrics,
                },
            );
        }

        let mut proxies = HashMap::new();
        for proxy in configuration.proxies() {
            let target = &proxy.target;
            let flows = flows(
                &target.in_sequence,
                &target.out_sequence,
                &target.fault_sequence,
                &target.span,
                &mut diags,
            );
            let endpoint = target.endpoint.as_ref().map(|e| match e {
                EndpointRef::Key { key, .. } => EndpointDefinition::indirect(key.clone()),
                EndpointRef::Inline(def) => def.clone(),
            });
            let send = match &endpoint {
                None => None,
                Some(def) => match SendConfig::to_endpoint(def.clone()).into_mediator() {
                    Ok(send) => Some(Arc::new(Sequence::anonymous().then_arc(send))),
                    Err(e) => {
                        diags.push(Diagnostic::at_span(&target.span, &e));
                        None
                    }
                },
            };
            let wsdl = ProxyWsdl::deploy(
                proxy,
                &configuration,
                deployment.local_entries(),
                &mut diags,
            );
            proxies.insert(
                proxy.name.clone(),
                DeployedProxy {
                    config: Arc::new(proxy.clone()),
                    flows,
                    endpoint,
                    send,
                    metrics: Arc::new(RequestMetrics::proxy(&proxy.name)),
                    wsdl: Arc::new(wsdl),
                },
            );
        }

        let dispatcher = Dispatcher::new(apis.values().map(|a| Arc::clone(&a.config)));
        let mut env = Env::builder();
        for (name, seq) in deployment.sequences() {
            env = env.sequence(name.clone(), Arc::clone(seq));
        }
        for (name, template) in deployment.templates() {
            env = env.template(name.clone(), Arc::clone(template));
        }
        // An XML entry is deployed as one, so that `get-property('KEY')` gives its element.
        let xml_entries: HashSet<&str> = configuration
            .local_entries()
            .filter(|e| e.holds_xml())
            .map(|e| e.key.as_str())
            .collect();
        for (key, value) in deployment.local_entries() {
            env = if xml_entries.contains(key.as_str()) {
                env.xml_local_entry(key.clone(), Arc::clone(value))
            } else {
                env.local_entry(key.clone(), Arc::clone(value))
            };
        }
        let env = extend(env).build();
        diags.into_result(Snapshot {
            env,
            dispatcher,
            apis,
            proxies,
            configuration,
        })
    }
}

fn ref_span(r: &SequenceRef) -> Option<&Span> {
    match r {
        SequenceRef::Key { span, .. } => Some(span),
        SequenceRef::Inline(config) => Some(&config.span),
    }
}
