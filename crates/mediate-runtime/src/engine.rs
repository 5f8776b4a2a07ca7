//! The request engine: one HTTP request in, one reply out, the way MI's pass-through transport
//! and Synapse's REST and proxy dispatch run it.
//!
//! [`Engine::handle`] takes a request whose body is still streaming, finds what serves it, runs
//! the flow and returns the reply as a [`MessageContext`] (status, headers, payload or a body
//! still streaming) for a transport to write:
//!
//! 1. **Proxy services** at `/services/NAME` (also `/services/NAME/…` and
//!    `/services/NAME.SOAP11Endpoint`): the target's in sequence, then — if it let the message
//!    continue — the target endpoint; the response runs through the out sequence. A `GET`
//!    for the service's metadata (`?wsdl`, `?wsdl2`, `?xsd=…`) is answered with its WSDL
//!    instead, without running the in sequence (see `wsdl.rs`). Any other request to a proxy
//!    deployed with `startOnLoad="false"` (not started) is refused as Axis2 refuses an inactive
//!    service, and one that came over a transport the proxy's `transports` leave out (`http`
//!    to a proxy with `transports="https"`) as Axis2's dispatch refuses it: a `500` SOAP
//!    fault, `faultcode` `Server` (`Receiver` for a SOAP 1.2 request), `faultstring` "The
//!    system is attempting to access an inactive service: NAME" or "The service cannot be
//!    found for the endpoint reference (EPR) /services/NAME…" (Axis2's
//!    `AxisConfiguration.getService` and `DispatchPhase.validateTransport`; MI's
//!    `ServerWorker` answers the fault).
//! 2. **REST APIs**, by [`Dispatcher`](crate::dispatch::Dispatcher), told the request's
//!    transport (`https` when the listener marked it [`Https`], else `http`) for an API's
//!    `transports` and a resource's `protocol`: the resource's in sequence, with `uri.var.*`, `query.param.*`, `REST_URL_POSTFIX` and Synapse's `SYNAPSE_REST_API`
//!    family of properties set. A path in an API that no resource takes is `404`, a wrong method
//!    `405`, other mismatches `400` (empty bodies, as MI), unless a sequence named
//!    `_resource_mismatch_handler_` is deployed: then it runs.
//! 3. **Anything else** runs the `main` sequence if one is deployed; otherwise `404`.
//!
//! The reply comes from whoever answers first (see [`mediate_core::exchange`]): `respond`, a
//! `send`'s response flow, `FORCE_SC_ACCEPTED`, or the end-of-flow rule (`202` when nothing
//! answered, as MI; `500` naming the error when the flow failed, where MI leaves the client
//! waiting).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use futures::FutureExt;

use http::header::{CONTENT_TYPE, HOST};
use http::request::Parts;
use http::{Request, StatusCode};
use mediate_config::Protocol;
use mediate_core::exchange::{self, Branch, Responder, ResponsePath};
use mediate_core::{Flow, MessageContext, Sequence};
use mediate_message::PendingBody;
use mediate_transport_http::{Https, request_to_message};

use crate::deploy::{ResourceFlows, Snapshot};
use crate::dispatch::{self, Dispatch};
use crate::metrics::{self, RequestMetrics};

/// The sequence that answers requests that reach an API but no resource of it (Synapse's
/// `RESTConstants.NO_MATCHING_RESOURCE_HANDLER`).
pub const RESOURCE_MISMATCH_HANDLER: &str = "_resource_mismatch_handler_";

/// The sequence for requests that no API or proxy service takes.
pub const MAIN_SEQUENCE: &str = "main";

/// What served a request, for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// An API resource: the API's qualified name and the resource's mapping.
    Api {
        /// `name` or `name:vVERSION`.
        api: String,
        /// The resource's `uri-template`, `url-mapping`, or `_default` for the default resource.
        resource: String,
    },
    /// A proxy service.
    Proxy(String),
    /// The `main` sequence.
    Main,
    /// Nothing: answered by the dispatcher (`404`, `405`, `400`).
    Unmatched,
}

/// What served a request, as [`Engine::route`] found it: the request metrics to count it in,
/// and (for the debug log) what it was.
struct Routed<'a> {
    metrics: &'a RequestMetrics,
    what: RoutedTo<'a>,
}

/// What [`Engine::plan`] decided for a request.
enum Plan<'a> {
    /// Answered without a flow (a `?wsdl`, a refusal, no match).
    Reply(MessageContext, Routed<'a>),
    /// Run through a flow.
    Run {
        msg: MessageContext,
        flows: Flows<'a>,
        send: Option<Arc<Sequence>>,
        routed: Routed<'a>,
    },
}

/// A request to a proxy service, for [`Engine::plan_proxy`].
struct ProxyRequest<'a> {
    proxy: &'a crate::deploy::DeployedProxy,
    parts: http::request::Parts,
    body: Option<PendingBody>,
    /// The path after the proxy's name, with the query.
    postfix: String,
}

/// The flows a request runs through: a deployed resource's or proxy's, or a sequence run alone.
enum Flows<'a> {
    Deployed(&'a ResourceFlows),
    InOnly(ResourceFlows),
}

#[derive(Debug)]
enum RoutedTo<'a> {
    Api { api: &'a str, resource: &'a str },
    Proxy(&'a str),
    Main,
    Unmatched,
}

impl RoutedTo<'_> {
    fn served(&self) -> Served {
        match self {
            RoutedTo::Api { api, resource } => Served::Api {
                api: (*api).to_owned(),
                resource: (*resource).to_owned(),
            },
            RoutedTo::Proxy(name) => Served::Proxy((*name).to_owned()),
            RoutedTo::Main => Served::Main,
            RoutedTo::Unmatched => Served::Unmatched,
        }
    }
}

/// The request metrics of requests no API or proxy took.
fn unmatched_metrics() -> &'static RequestMetrics {
    static UNMATCHED: OnceLock<RequestMetrics> = OnceLock::new();
    UNMATCHED.get_or_init(RequestMetrics::unmatched)
}

/// Runs requests against a [`Snapshot`] (see the [module](self) documentation).
#[derive(Debug, Clone)]
pub struct Engine {
    snapshot: Arc<Snapshot>,
}

impl Engine {
    /// An engine serving `snapshot`.
    pub fn new(snapshot: Arc<Snapshot>) -> Self {
        Self { snapshot }
    }

    /// The snapshot being served.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    /// Handles one request and returns the reply (see the [module](self) documentation).
    ///
    /// (Futures here are built with combinators and plain functions rather than `async fn`
    /// where that keeps them small: one is allocated per request, and an `async fn` holds its
    /// arguments, and a future it awaits, beside each other for its whole life.)
    pub fn handle(
        &self,
        request: Request<Option<PendingBody>>,
    ) -> impl Future<Output = MessageContext> + Send + '_ {
        self.handle_routed(request).map(|(reply, _)| reply)
    }

    /// [`handle`](Self::handle), also saying what served the request.
    pub fn handle_served(
        &self,
        request: Request<Option<PendingBody>>,
    ) -> impl Future<Output = (MessageContext, Served)> + Send + '_ {
        self.handle_routed(request)
            .map(|(reply, what)| (reply, what.served()))
    }

    /// Routes and runs a request, counts it in its metrics, and says what served it (borrowed:
    /// [`handle`](Self::handle) copies nothing of it).
    // Not `async fn`: an `async fn` keeps its arguments (the request) in its future for its
    // whole life, and this future is allocated per request.
    fn handle_routed(
        &self,
        request: Request<Option<PendingBody>>,
    ) -> impl Future<Output = (MessageContext, RoutedTo<'_>)> + Send + '_ {
        let started = Instant::now();
        let method = request.method().clone();
        let planned = self.plan(request);
        async move {
            let (reply, routed) = self.execute(planned).await;
            let status = reply.status().map_or(200, |s| s.as_u16());
            routed
                .metrics
                .record(method.as_str(), status, started.elapsed());
            tracing::debug!(served = ?routed.what, status, "request served");
            (reply, routed.what)
        }
    }

    /// Runs what [`plan`](Self::plan) decided.
    async fn execute<'a>(
        &'a self,
        planned: Result<Plan<'a>, Box<ProxyRequest<'a>>>,
    ) -> (MessageContext, Routed<'a>) {
        {
            // One `run` for every kind of request: its future is held once in this one's (which
            // is allocated per request), not once per call site. The plan lives in a block of its
            // own, so that its storage is not kept through the `run`.
            let (msg, flows, send, routed) = {
                let plan = match planned {
                    Ok(plan) => plan,
                    // Boxed: the proxy path may answer a `?wsdl` (a large future); inline, it
                    // would make every request's future (allocated per request) as large.
                    Err(proxy) => Box::pin(self.plan_proxy(proxy)).await,
                };
                match plan {
                    Plan::Reply(reply, routed) => return (reply, routed),
                    Plan::Run {
                        msg,
                        flows,
                        send,
                        routed,
                    } => (msg, flows, send, routed),
                }
            };
            let flows_ref = match &flows {
                Flows::Deployed(flows) => flows,
                Flows::InOnly(flows) => flows,
            };
            (self.run(msg, flows_ref, send).await, routed)
        }
    }

    /// [`plan`](Self::plan) for a request to `proxy`.
    async fn plan_proxy<'a>(&'a self, request: Box<ProxyRequest<'a>>) -> Plan<'a> {
        let ProxyRequest {
            proxy,
            parts,
            body,
            postfix,
        } = *request;
        let snapshot = &self.snapshot;
        let routed = Routed {
            metrics: &proxy.metrics,
            what: RoutedTo::Proxy(&proxy.config.name),
        };
        // `?wsdl`, `?wsdl2`, `?xsd=…`: answered here, as MI's GET processor does.
        if let Some(reply) = proxy.wsdl.answer(&snapshot.env, &parts).await {
            return Plan::Reply(reply, routed);
        }
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        if let Some(refusal) = proxy_refusal(&proxy.config, transport_of(&parts), path_and_query) {
            tracing::debug!(proxy = %proxy.config.name, %refusal, "request refused");
            let reply = axis2_fault(&parts, &refusal);
            return Plan::Reply(
                reply,
                Routed {
                    metrics: unmatched_metrics(),
                    what: RoutedTo::Unmatched,
                },
            );
        }
        let mut msg = request_to_message(Request::from_parts(parts, body));
        msg.set_rest_url_postfix(postfix);
        msg.set_property("proxy.name", proxy.config.name.clone());
        Plan::Run {
            msg,
            flows: Flows::Deployed(&proxy.flows),
            send: proxy.send.clone(),
            routed,
        }
    }

    /// What to do with a request: answer it at once, or run a flow; a request to a proxy
    /// service is planned by [`plan_proxy`](Self::plan_proxy), which may have to wait.
    fn plan(
        &self,
        request: Request<Option<PendingBody>>,
    ) -> Result<Plan<'_>, Box<ProxyRequest<'_>>> {
        let snapshot = &self.snapshot;
        let (parts, body) = request.into_parts();
        let proxy = {
            let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            proxy_path(path_and_query, |name| snapshot.proxies.contains_key(name)).and_then(
                |(name, postfix)| {
                    // Copied out of the request's URI before the request moves on.
                    Some((snapshot.proxies.get(name)?, postfix.to_owned()))
                },
            )
        };
        if let Some((proxy, postfix)) = proxy {
            return Err(Box::new(ProxyRequest {
                proxy,
                parts,
                body,
                postfix,
            }));
        }
        Ok(self.plan_api(parts, body))
    }

    /// [`plan`](Self::plan) for a request to no proxy service.
    fn plan_api(&self, parts: http::request::Parts, body: Option<PendingBody>) -> Plan<'_> {
        let snapshot = &self.snapshot;
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let transport = transport_of(&parts);
        let unmatched = |what| Routed {
            metrics: unmatched_metrics(),
            what,
        };

        let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok());
        let dispatched = snapshot.dispatcher.dispatch_request(
            &dispatch::Request::new(&parts.method, path_and_query, &parts.headers)
                .host(host)
                .transport(transport)
                .has_body(body.is_some()),
        );
        match dispatched {
            Dispatch::Matched(mut m) => {
                let api = Arc::clone(m.api());
                // The snapshot's key: the name, and the version for a versioned API.
                let versioned = api.version.as_ref().map(|_| api.qualified_name());
                let name = versioned.as_deref().unwrap_or(&api.name);
                let Some((deployed, label, flows, resource_metrics)) =
                    snapshot.apis.get_key_value(name).and_then(|(key, a)| {
                        let i = m.resource_index();
                        let label = metrics::resource_label(&a.config.resources.get(i)?.dispatch);
                        Some((key, label, a.resources.get(i)?, a.metrics.get(i)?))
                    })
                else {
                    // The dispatcher and the snapshot are built from the same APIs.
                    return Plan::Reply(
                        status_reply(StatusCode::NOT_FOUND),
                        unmatched(RoutedTo::Unmatched),
                    );
                };
                let mut msg = request_to_message(Request::from_parts(parts, body));
                let (postfix, full_path, sub_path) = m.take_paths();
                msg.set_rest_url_postfix(postfix);
                // Room for the properties set here, in one allocation.
                msg.reserve_properties(7 + m.uri_vars().len() + m.query_params().len());
                msg.set_property("SYNAPSE_REST_API", deployed.clone());
                msg.set_property("REST_API_CONTEXT", api.context.clone());
                if let Some(version) = &api.version {
                    msg.set_property("SYNAPSE_REST_API_VERSION", version.version.clone());
                }
                msg.set_property("REST_FULL_REQUEST_PATH", full_path);
                msg.set_property("REST_SUB_REQUEST_PATH", sub_path);
                msg.set_property("API_ELECTED_RESOURCE", label);
                for (var, value) in m.uri_vars() {
                    msg.set_path_param(var.clone(), value.clone());
                    msg.set_property(format!("uri.var.{var}"), value.clone());
                }
                for (param, value) in m.query_params() {
                    msg.set_property(format!("query.param.{param}"), value.clone());
                }
                Plan::Run {
                    msg,
                    flows: Flows::Deployed(flows),
                    send: None,
                    routed: Routed {
                        metrics: resource_metrics,
                        what: RoutedTo::Api {
                            api: deployed,
                            resource: label,
                        },
                    },
                }
            }
            Dispatch::NoApi => match snapshot.env.get_sequence(MAIN_SEQUENCE) {
                Some(main) => {
                    let msg = request_to_message(Request::from_parts(parts, body));
                    Plan::Run {
                        msg,
                        flows: Flows::InOnly(ResourceFlows::in_only(Arc::clone(main))),
                        send: None,
                        routed: unmatched(RoutedTo::Main),
                    }
                }
                None => Plan::Reply(
                    status_reply(StatusCode::NOT_FOUND),
                    unmatched(RoutedTo::Unmatched),
                ),
            },
            other => {
                let status = other.status().unwrap_or(StatusCode::NOT_FOUND);
                match snapshot.env.get_sequence(RESOURCE_MISMATCH_HANDLER) {
                    Some(handler) if status == StatusCode::NOT_FOUND => {
                        let msg = request_to_message(Request::from_parts(parts, body));
                        Plan::Run {
                            msg,
                            flows: Flows::InOnly(ResourceFlows::in_only(Arc::clone(handler))),
                            send: None,
                            routed: unmatched(RoutedTo::Unmatched),
                        }
                    }
                    _ => Plan::Reply(status_reply(status), unmatched(RoutedTo::Unmatched)),
                }
            }
        }
    }

    /// Runs a request flow and waits for its reply.
    async fn run(
        &self,
        mut msg: MessageContext,
        flows: &ResourceFlows,
        send: Option<Arc<Sequence>>,
    ) -> MessageContext {
        let env = &self.snapshot.env;
        let (responder, rx) = Responder::channel();
        msg.extensions_mut().insert(responder);
        if flows.out_sequence.is_none() && flows.fault_sequence.is_none() {
            // The default path, as readers take a message without one (no allocation).
            msg.extensions_mut().remove::<ResponsePath>();
        } else {
            msg.extensions_mut().insert(ResponsePath {
                out_sequence: flows.out_sequence.clone(),
                fault_sequence: flows.fault_sequence.clone(),
            });
        }
        let fault = flows.fault_sequence.as_deref();
        let mut outcome = match &flows.in_sequence {
            Some(seq) => env.run_with_fault(seq, fault, &mut msg).await,
            None if send.is_some() => Ok(Flow::Continue),
            None => {
                tracing::warn!("no in-sequence configured; dropping the request");
                Ok(Flow::Stop)
            }
        };
        // A proxy's target endpoint takes the message the in sequence let through.
        if let (Ok(Flow::Continue), Some(send)) = (&outcome, send) {
            outcome = env.run_with_fault(&send, fault, &mut msg).await;
        }
        exchange::finish(&mut msg, Branch::Request, outcome.as_ref().map(|_| ()));
        // Our handle on the reply goes with the message: if no branch still holds one, the
        // receiver learns that nobody will answer.
        drop(msg);
        match rx.await {
            Ok(reply) => reply,
            Err(_) => {
                let mut reply = MessageContext::empty();
                reply.set_status(StatusCode::INTERNAL_SERVER_ERROR);
                reply.set_json(serde_json::json!({
                    "error": { "code": 0, "message": "the flow ended without a reply" }
                }));
                reply
            }
        }
    }
}

/// `/services/NAME…` → (`NAME`, the rest after it, query included). The name runs to the
/// first `/`, `?` or `;`; when no proxy `exists` by that name and it has a `.`, what follows
/// the last one is the Axis2 endpoint (`NAME.SOAP11Endpoint`, `NAME.HttpEndpoint`), part of
/// the service address, so a proxy whose name holds dots (`orders.v1`) is reached too.
fn proxy_path(path_and_query: &str, exists: impl Fn(&str) -> bool) -> Option<(&str, &str)> {
    let rest = path_and_query.strip_prefix("/services/")?;
    let end = rest.find(['/', '?', ';']).unwrap_or(rest.len());
    let (segment, after) = rest.split_at(end);
    let name = match segment.rfind('.') {
        Some(dot) if !exists(segment) => &segment[..dot],
        _ => segment,
    };
    if name.is_empty() {
        return None;
    }
    Some((name, after))
}

/// The transport a request came in over: `https` when the listener marked it [`Https`].
fn transport_of(parts: &Parts) -> Protocol {
    if Https::is_set(&parts.extensions) {
        Protocol::Https
    } else {
        Protocol::Http
    }
}

/// Why Axis2 refuses a request to a proxy service before its flow runs, if it does: the
/// proxy is not started (`startOnLoad="false"`: `AxisConfiguration.getService` finds an
/// inactive service), or it is not exposed on the request's transport
/// (`DispatchPhase.validateTransport`; `target` is the request target, the message's `To`).
fn proxy_refusal(
    proxy: &mediate_config::ProxyConfig,
    transport: Protocol,
    target: &str,
) -> Option<String> {
    if !proxy.start_on_load {
        return Some(format!(
            "The system is attempting to access an inactive service: {}",
            proxy.name
        ));
    }
    let exposed = proxy.transports.is_empty()
        || proxy
            .transports
            .iter()
            .any(|t| t.eq_ignore_ascii_case(transport.as_str()));
    if exposed {
        return None;
    }
    Some(format!(
        "The service cannot be found for the endpoint reference (EPR) {target}"
    ))
}

/// The SOAP fault MI's pass-through listener answers when Axis2 refuses a request
/// (`ServerWorker.handleException`): `500`, a SOAP 1.2 fault (`Receiver`) for a SOAP 1.2
/// request, else SOAP 1.1 (`Server`), `faultstring` the reason.
fn axis2_fault(parts: &Parts, reason: &str) -> MessageContext {
    let soap12 = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|ct| ct.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .get(..20)
                .is_some_and(|essence| essence.eq_ignore_ascii_case("application/soap+xml"))
        });
    let reason = crate::wsdl::escape(reason);
    let (body, content_type) = if soap12 {
        (
            format!(
                r#"<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"><soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en-US">{reason}</soapenv:Text></soapenv:Reason></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
            ),
            "application/soap+xml",
        )
    } else {
        (
            format!(
                r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>{reason}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
            ),
            "text/xml",
        )
    };
    let mut reply = MessageContext::from_bytes(body, content_type);
    reply.set_response(true);
    reply.set_status(StatusCode::INTERNAL_SERVER_ERROR);
    reply
}

/// An empty reply with `status` (MI's dispatch failures: `404`, `405`, `400`).
fn status_reply(status: StatusCode) -> MessageContext {
    let mut reply = MessageContext::empty();
    reply.set_response(true);
    reply.set_status(status);
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_paths_follow_axis2() {
        let known = |name: &str| ["Echo", "orders.v1"].contains(&name);
        let path = |p| proxy_path(p, known);
        assert_eq!(path("/services/Echo"), Some(("Echo", "")));
        assert_eq!(
            path("/services/Echo/orders?id=1"),
            Some(("Echo", "/orders?id=1"))
        );
        assert_eq!(path("/services/Echo?wsdl"), Some(("Echo", "?wsdl")));
        assert_eq!(
            path("/services/Echo.SOAP11Endpoint/op"),
            Some(("Echo", "/op"))
        );
        assert_eq!(
            path("/services/Echo.HttpEndpoint?x=1"),
            Some(("Echo", "?x=1"))
        );
        // A name with dots: itself first, then less its endpoint suffix.
        assert_eq!(path("/services/orders.v1"), Some(("orders.v1", "")));
        assert_eq!(path("/services/orders.v1/a"), Some(("orders.v1", "/a")));
        assert_eq!(
            path("/services/orders.v1.SOAP12Endpoint?wsdl"),
            Some(("orders.v1", "?wsdl"))
        );
        assert_eq!(path("/services/"), None);
        assert_eq!(path("/services/.x"), None);
        assert_eq!(path("/api/services/Echo"), None);
    }
}
