//! Sending one message through a compiled endpoint tree: leaves, failover, load balancing,
//! session affinity and recipient lists, with MI's error codes and suspension bookkeeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, join_all};
use http::header::{COOKIE, SET_COOKIE};
use http::{StatusCode, Uri};
use mediate_core::expr::xpath::XPathScope;
use mediate_core::message::BodyError;
use mediate_core::transport::{InboundResponse, SendError, SendErrorKind};
use mediate_core::{Env, MediationError, MessageContext, codes};

use crate::group::SessionType;
use crate::runtime::Inner;
use crate::runtime::metrics;
use crate::runtime::node::{
    ANONYMOUS, Group, GroupKind, Leaf, Loadbalance, Node, Recipients, Resolved, Target,
    address_leaf, lock,
};
use crate::runtime::options::{CallOptions, FailedResponse};
use crate::runtime::soap_fault;
use crate::runtime::url::{append_postfix, expand_template};
use crate::runtime::wire::{self, Outbound};
use crate::settings::TimeoutAction;
use crate::state::EndpointState;

/// How deep `key` references may chain before the runtime calls it a loop.
const MAX_REFERENCE_DEPTH: u32 = 16;

/// `SynapseConstants.ENDPOINT_SAL_NOT_READY`.
const ENDPOINT_SAL_NOT_READY: i32 = 309_001;

/// The cookies a session-affine load balancer recognises in a request (Synapse's
/// `HttpSessionDispatcher`).
const SESSION_COOKIES: &[&str] = &[
    "JSESSIONID",
    "PHPSESSID",
    "phpMyAdmin",
    "wordpress_test_cookie",
];

/// How a leaf's send failed.
enum Failed {
    Transport(SendError),
    /// The endpoint (or global) timeout; the sender's message, if it was the one that timed
    /// out.
    Timeout(String),
}

/// A send that did not give a response.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What failed, with MI's code and message.
    pub(crate) error: MediationError,
    /// A timeout whose `responseAction` is `discard`: the message is dropped, no fault
    /// handler runs.
    pub(crate) discard: bool,
    /// Whether a parent group may try another child (the failed leaf's `retryConfig`).
    pub(crate) retry: bool,
    /// The backend's response, when the failure is a response taken as one (a SOAP fault
    /// under `FORCE_ERROR_ON_SOAP_FAULT`, an answer failed by [`CallOptions`]): the message
    /// takes it when the failure reaches a fault handler, as Synapse hands the endpoint's
    /// fault handler the response message. A failover group drops a forced SOAP fault's
    /// (Synapse fails over with the request message) but keeps one failed by the options
    /// (MI's blocking client has set the answer on the message before any fault handler runs).
    /// Boxed: a failure is carried in every `Result` of the walk, mostly without one.
    pub(crate) response: Option<Box<InboundResponse>>,
    /// Whether `response` is an answer failed by [`CallOptions`] (kept through a failover).
    answered: bool,
}

impl Failure {
    fn new(error: MediationError) -> Self {
        Self {
            error,
            discard: false,
            retry: true,
            response: None,
            answered: false,
        }
    }

    fn final_(error: MediationError) -> Self {
        Self {
            error,
            discard: false,
            retry: false,
            response: None,
            answered: false,
        }
    }

    /// The failure as a failover group passes it on: with the request message, not a forced
    /// SOAP fault's response (Synapse's `FailoverEndpoint` gets the request message context
    /// and restores its original envelope before trying the next child). An answer failed by
    /// [`CallOptions`] stays: the blocking client set it on the message already.
    fn with_request(mut self) -> Self {
        if !self.answered {
            self.response = None;
        }
        self
    }
}

/// The error for a body that could not be read before sending.
pub(crate) fn body_error(err: BodyError) -> MediationError {
    let code = match err {
        BodyError::TooLarge { .. } => codes::BODY_TOO_LARGE,
        _ => codes::RCV_IO_ERROR_RECEIVING,
    };
    MediationError::client(code, err.to_string()).with_source(err)
}

/// MI's name for a state in its messages (`EndpointContext.toString`).
fn state_name(state: &EndpointState) -> &'static str {
    match state {
        EndpointState::Active => "ACTIVE",
        EndpointState::Timeout { .. } => "TIMEOUT",
        EndpointState::Suspended { .. } => "SUSPENDED",
        EndpointState::Off => "OFF",
    }
}

/// `ERROR_MESSAGE` of a transport failure: Synapse's `DeliveryAgent` for a connection that
/// could not be made, its `TargetErrorHandler` for the rest. By kind, not by code: the
/// state-adjusted codes collide (101508 is a connect timeout, and a close in `REQUEST_DONE`).
fn transport_message(kind: SendErrorKind) -> &'static str {
    match kind {
        SendErrorKind::ConnectFailed | SendErrorKind::ConnectTimeout => {
            "Error connecting to the back end"
        }
        _ => "Error in Sender",
    }
}

/// An answer that fails the leaf, with what the log says about its request.
struct Answer<'r> {
    method: &'r http::Method,
    url: &'r str,
    elapsed: Duration,
    response: InboundResponse,
}

fn group_name(g: &Group) -> &str {
    g.name.as_deref().unwrap_or(ANONYMOUS)
}

/// [`Exchange::judge`]'s verdict on an answer.
enum Judgement {
    /// A response: it flows back.
    Passed,
    /// A failure of the leaf, by its status.
    Failed(FailedAnswer),
    /// Its body is read for a SOAP fault first (`forced`: under `FORCE_ERROR_ON_SOAP_FAULT`).
    Inspect { forced: bool },
}

/// Why an answer is a failure of the leaf that sent.
enum FailedAnswer {
    /// A SOAP fault while the message holds `FORCE_ERROR_ON_SOAP_FAULT=true`.
    ForcedSoapFault(soap_fault::SoapFault),
    /// A SOAP fault under [`CallOptions::fail_on_soap_fault`].
    SoapFault(soap_fault::SoapFault),
    /// A status other than 2xx under [`CallOptions::fail_on_error_status`].
    Status,
}

/// What a message is sent through once `key` references are followed.
enum Sender<'n> {
    Leaf(&'n Leaf),
    Group(&'n Group),
}

/// One message's walk through an endpoint tree, beside the environment whose local entries
/// the endpoints' expressions read (`get-property('KEY')`), under the call's options.
pub(crate) struct Exchange<'a> {
    inner: &'a Inner,
    env: &'a Env,
    depth: u32,
    options: CallOptions,
}

impl<'a> Exchange<'a> {
    pub(crate) fn new(inner: &'a Inner, env: &'a Env) -> Self {
        Self::with_options(inner, env, CallOptions::default())
    }

    pub(crate) fn with_options(inner: &'a Inner, env: &'a Env, options: CallOptions) -> Self {
        Self {
            inner,
            env,
            depth: 0,
            options,
        }
    }

    /// The named endpoint `key`.
    fn named(&self, key: &str) -> Result<&'a Node, Failure> {
        self.inner.named.get(key).ok_or_else(|| {
            Failure::new(MediationError::mediator(format!(
                "Reference to non-existent endpoint for key : {key}"
            )))
        })
    }

    /// Whether `node` may be sent to at `now` (Synapse's `readyToSend`).
    pub(crate) fn ready(&self, node: &Node, now: Instant) -> bool {
        self.inner.ready(node, now, 0)
    }

    /// Sends `msg` through `node`. `root` is true for the endpoint a mediator names (a leaf
    /// without a parent refuses to send while suspended: 303001).
    pub(crate) fn send_node<'s>(
        &'s mut self,
        node: &'s Node,
        msg: &'s mut MessageContext,
        root: bool,
    ) -> BoxFuture<'s, Result<InboundResponse, Failure>>
    where
        'a: 's,
    {
        Box::pin(async move {
            // `key` references are followed here rather than by recursion, so that a message
            // sent to a named endpoint costs one boxed future, not one per reference.
            let depth = self.depth;
            let result = match self.follow_references(node, msg) {
                Ok(Sender::Leaf(leaf)) => self.send_leaf(leaf, msg, root).await,
                // Boxed: a group's future is large, and leaves are the common case.
                Ok(Sender::Group(group)) => Box::pin(self.send_group(group, msg)).await,
                Err(failure) => Err(failure),
            };
            self.depth = depth;
            result
        })
    }

    /// The leaf or group that `node` stands for: `node` itself, or what its `key` (or
    /// `key-expression`) names, followed through further references. Each reference followed
    /// counts towards [`MAX_REFERENCE_DEPTH`]; the caller restores the depth.
    fn follow_references<'n>(
        &mut self,
        mut node: &'n Node,
        msg: &MessageContext,
    ) -> Result<Sender<'n>, Failure>
    where
        'a: 'n,
    {
        loop {
            node = match node {
                Node::Leaf(leaf) => return Ok(Sender::Leaf(leaf)),
                Node::Group(group) => return Ok(Sender::Group(group)),
                Node::Indirect { key, .. } => {
                    let target = self.named(key)?;
                    self.enter(key)?;
                    target
                }
                Node::Resolving(r) => {
                    let key = r
                        .expression
                        .evaluate_string_in(msg, &self.env.xpath_scope())
                        .map_err(|e| Failure::final_(MediationError::from(e)))?;
                    let key = key.trim();
                    if key.is_empty() {
                        return Err(Failure::final_(MediationError::mediator(format!(
                            "the key-expression `{}` gave no endpoint key",
                            r.text
                        ))));
                    }
                    let target = self.named(key)?;
                    self.enter(key)?;
                    target
                }
            };
        }
    }

    fn enter(&mut self, key: &str) -> Result<(), Failure> {
        self.depth += 1;
        if self.depth > MAX_REFERENCE_DEPTH {
            self.depth -= 1;
            return Err(Failure::final_(MediationError::mediator(format!(
                "endpoint `{key}` refers to itself through `<endpoint key>` references"
            ))));
        }
        Ok(())
    }

    async fn send_leaf(
        &mut self,
        leaf: &Leaf,
        msg: &mut MessageContext,
        root: bool,
    ) -> Result<InboundResponse, Failure> {
        if root && !leaf.ready(Instant::now()) {
            metrics::record_skipped(&leaf.label);
            let state = leaf.state();
            tracing::warn!(endpoint = %leaf.label, state = state_name(&state), "endpoint is not ready; message not sent");
            return Err(Failure::new(MediationError::backend(
                codes::ENDPOINT_ADDRESS_NONE_READY,
                format!(
                    "Currently , Address endpoint : [ Name : {} ] [ State : {} ]",
                    leaf.display_name(),
                    state_name(&state)
                ),
            )));
        }
        if leaf.reads_body {
            msg.read_body()
                .await
                .map_err(|e| Failure::final_(body_error(e)))?;
        }
        for p in &leaf.properties {
            p.apply(msg, &self.env.xpath_scope())
                .map_err(|e| Failure::final_(MediationError::mediator(e)))?;
        }
        let resolved = leaf.resolve(msg, &self.env.xpath_scope());
        let (method, url) = self.target(leaf, msg)?;
        let uri = parse_http_uri(url).map_err(|e| {
            Failure::final_(MediationError::mediator(format!(
                "endpoint `{}`: {e}",
                leaf.label
            )))
        })?;
        // Sharing the URL's text: no copy.
        let sent_to = uri.clone();
        let Outbound { mut request, taken } =
            wire::outbound_request(msg, method.clone(), uri).map_err(Failure::final_)?;
        let timeout = resolved.timeout.unwrap_or(self.inner.global_timeout);
        request.timeout = Some(timeout);
        tracing::debug!(endpoint = %leaf.label, %method, url = %sent_to, "sending to endpoint");
        let started = Instant::now();
        let sender = &self.inner.sender;
        // A sender that keeps the deadline itself needs no timer of ours.
        let result = if sender.enforces_timeout() {
            Ok(sender.send(request).await)
        } else {
            tokio::time::timeout(timeout, sender.send(request)).await
        };
        let elapsed = started.elapsed();
        let failure = match result {
            Ok(Ok(response)) => {
                let judged = match self.judge(leaf, msg, response.status()) {
                    Judgement::Passed => (response, None),
                    Judgement::Failed(failed) => (response, Some(failed)),
                    Judgement::Inspect { forced } => Box::pin(self.inspect(response, forced)).await,
                };
                let response = match judged {
                    (response, None) => response,
                    (response, Some(failed)) => {
                        if matches!(leaf.target, Target::Http { .. }) {
                            msg.set_rest_url_postfix("");
                        }
                        let url = sent_to.to_string();
                        let answer = Answer {
                            method: &method,
                            url: &url,
                            elapsed,
                            response,
                        };
                        return Err(match failed {
                            FailedAnswer::ForcedSoapFault(fault) => {
                                self.soap_fault_failure(leaf, &resolved, answer, &fault)
                            }
                            other => self.answer_failure(leaf, &resolved, answer, other),
                        });
                    }
                };
                leaf.on_success();
                leaf.metrics.record_success(elapsed);
                if matches!(leaf.target, Target::Http { .. }) {
                    // MI's http endpoint removes REST_URL_POSTFIX from the message.
                    msg.set_rest_url_postfix("");
                }
                return Ok(response);
            }
            // The request's own deadline (the endpoint's timeout), as the sender saw it first:
            // Synapse's TimeoutHandler, 101504. A socket timeout is a transport failure with
            // its protocol state (101507 waiting for the head…).
            Ok(Err(e)) if e.kind() == SendErrorKind::Timeout => {
                Failed::Timeout(e.message().to_owned())
            }
            Ok(Err(e)) => Failed::Transport(e),
            Err(_) => Failed::Timeout(String::new()),
        };
        if let Some((body, content_type)) = taken {
            // Put back what the sender did not consume (a refused connection never reads it).
            msg.set_unread_body(body, content_type);
        }
        let now = Instant::now();
        match failure {
            Failed::Transport(e) => {
                // Under CallOptions::error_code the leaf sees that code (MI's blocking client
                // sets ERROR_CODE before the endpoint's onFault reads it).
                let code = self.options.error_code.unwrap_or(e.code());
                leaf.on_failure(code, resolved.suspension.as_ref(), now);
                metrics::record_failure(&leaf.label, code, elapsed);
                tracing::warn!(endpoint = %leaf.label, code, transport_code = e.code(), state = %e.state(), url = %sent_to, error = %e, "endpoint send failed");
                let error = MediationError::backend(e.code(), transport_message(e.kind()))
                    .with_detail(format!("{method} {sent_to}: {}", e.message()))
                    .retryable(true)
                    .with_source(e);
                Err(Failure {
                    error: self.options.recode(error),
                    discard: false,
                    retry: leaf.is_retry(code),
                    response: None,
                    answered: false,
                })
            }
            Failed::Timeout(detail) => {
                let code = self.options.error_code.unwrap_or(codes::CONNECTION_TIMEOUT);
                leaf.on_failure(code, resolved.suspension.as_ref(), now);
                metrics::record_failure(&leaf.label, code, elapsed);
                tracing::warn!(
                    endpoint = %leaf.label,
                    url = %sent_to,
                    timeout_ms = timeout.as_millis() as u64,
                    action = resolved.action.as_str(),
                    "no response within the endpoint timeout; dropping the message"
                );
                let detail = if detail.is_empty() {
                    format!(
                        "no response from {method} {sent_to} within {} ms",
                        timeout.as_millis()
                    )
                } else {
                    format!("{method} {sent_to}: {detail}")
                };
                let error = MediationError::backend(codes::CONNECTION_TIMEOUT, "Send timeout")
                    .with_detail(detail)
                    .retryable(true);
                Err(Failure {
                    error: self.options.recode(error),
                    discard: resolved.action == TimeoutAction::Discard
                        && !self.options.timeout_always_fails,
                    retry: leaf.is_retry(code),
                    response: None,
                    answered: false,
                })
            }
        }
    }

    /// The failure of a leaf whose backend answered with a SOAP fault while the message held
    /// `FORCE_ERROR_ON_SOAP_FAULT=true` (Synapse's `SynapseCallbackReceiver`): `ERROR_CODE`
    /// 500000 and no other fault fact of its own (Synapse sets only `ERROR_CODE`), the leaf's
    /// `onFault` (suspension by its error code lists; no `onSuccess`), and the response kept
    /// for the fault handler.
    fn soap_fault_failure(
        &self,
        leaf: &Leaf,
        resolved: &Resolved,
        answer: Answer<'_>,
        fault: &soap_fault::SoapFault,
    ) -> Failure {
        let Answer {
            method,
            url,
            elapsed,
            response,
        } = answer;
        let code = soap_fault::ENDPOINT_CUSTOM_ERROR;
        leaf.on_failure(code, resolved.suspension.as_ref(), Instant::now());
        metrics::record_failure(&leaf.label, code, elapsed);
        tracing::warn!(
            endpoint = %leaf.label,
            code,
            %method,
            url = %url,
            status = response.status().as_u16(),
            soap = fault.version,
            fault_code = %fault.code,
            fault_reason = %fault.reason,
            "SOAP fault in the response and FORCE_ERROR_ON_SOAP_FAULT is true: forcing the endpoint to fail"
        );
        Failure {
            error: MediationError::backend(code, ""),
            discard: false,
            retry: leaf.is_retry(code),
            response: Some(Box::new(response)),
            answered: false,
        }
    }

    /// Whether an answer fails the leaf that sent it: under the call's [`CallOptions`] (a
    /// SOAP fault, an error status), else a SOAP fault while the message holds
    /// `FORCE_ERROR_ON_SOAP_FAULT=true` (Synapse checks only messages sent through an
    /// endpoint, one on the fault stack: not an implicit send to `To`). Decided on the status
    /// alone where it can be; [`Judgement::Inspect`] when the body must be read for a SOAP
    /// fault ([`Exchange::inspect`]). Not async, so that the reading, which is rare, does not
    /// carry its size in every sender's future.
    fn judge(&self, leaf: &Leaf, msg: &MessageContext, status: StatusCode) -> Judgement {
        let options = &self.options;
        if options.fail_on_soap_fault {
            // The options decide about SOAP faults: FORCE_ERROR_ON_SOAP_FAULT is not read.
            return Judgement::Inspect { forced: false };
        }
        if options.fail_on_error_status && !status.is_success() {
            return Judgement::Failed(FailedAnswer::Status);
        }
        if !leaf.stateless && soap_fault::forced(msg) {
            return Judgement::Inspect { forced: true };
        }
        Judgement::Passed
    }

    /// [`Judgement::Inspect`]: the answer's body read for a SOAP fault. The body is read only
    /// for a SOAP content type; the response keeps every byte.
    async fn inspect(
        &self,
        response: InboundResponse,
        forced: bool,
    ) -> (InboundResponse, Option<FailedAnswer>) {
        let (response, fault) = soap_fault::inspect(response).await;
        let failed = match fault {
            Some(fault) if forced => Some(FailedAnswer::ForcedSoapFault(fault)),
            Some(fault) => Some(FailedAnswer::SoapFault(fault)),
            None if !forced
                && self.options.fail_on_error_status
                && !response.status().is_success() =>
            {
                Some(FailedAnswer::Status)
            }
            None => None,
        };
        (response, failed)
    }

    /// The failure of a leaf whose answer the call's [`CallOptions`] fail (Synapse's
    /// `BlockingMsgSender` turning Axis2's fault into `ERROR_CODE`, `ERROR_MESSAGE` and
    /// `ERROR_DETAIL`, then the endpoint's `onFault`): the leaf's suspension by the failure's
    /// code, and the answer kept for the message, [`FailedResponse`] as the error's cause.
    fn answer_failure(
        &self,
        leaf: &Leaf,
        resolved: &Resolved,
        answer: Answer<'_>,
        failed: FailedAnswer,
    ) -> Failure {
        let Answer {
            method,
            url,
            elapsed,
            response,
        } = answer;
        let status = response.status();
        let error = match &failed {
            FailedAnswer::SoapFault(fault) => {
                let code = fault
                    .numeric_code()
                    .unwrap_or_else(|| self.options.answer_code());
                let error = MediationError::backend(code, fault.reason.as_str());
                let error = if fault.detail.is_empty() {
                    error
                } else {
                    error.with_detail(fault.detail.as_str())
                };
                error.with_source(FailedResponse::new(status, true))
            }
            _ => MediationError::backend(
                self.options.answer_code(),
                format!(
                    "Transport error: {} Error: {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Unknown")
                ),
            )
            .with_source(FailedResponse::new(status, false)),
        };
        let code = error.code();
        leaf.on_failure(code, resolved.suspension.as_ref(), Instant::now());
        metrics::record_failure(&leaf.label, code, elapsed);
        tracing::warn!(
            endpoint = %leaf.label,
            code,
            %method,
            url = %url,
            status = status.as_u16(),
            soap_fault = matches!(failed, FailedAnswer::SoapFault(_)),
            message = %error.message(),
            "the answer fails the endpoint under the call's options"
        );
        Failure {
            error,
            discard: false,
            retry: leaf.is_retry(code),
            response: Some(Box::new(response)),
            answered: true,
        }
    }

    /// The method and URL a leaf sends `msg` to.
    fn target(&self, leaf: &Leaf, msg: &MessageContext) -> Result<(http::Method, String), Failure> {
        let config = |e: String| {
            Failure::final_(MediationError::mediator(format!(
                "endpoint `{}`: {e}",
                leaf.label
            )))
        };
        let format = leaf.settings.format;
        match &leaf.target {
            Target::Address(uri) => {
                let method = wire::method_for(msg, None, format).map_err(config)?;
                let address = uri.fill(msg, &self.env.xpath_scope());
                let url = if wire::is_rest(msg, &method, format) {
                    append_postfix(&address, msg.rest_url_postfix().unwrap_or_default())
                } else {
                    address.into_owned()
                };
                Ok((method, url))
            }
            Target::Http {
                template,
                legacy_encoding,
                method,
            } => {
                let method =
                    wire::method_for(msg, method.map(|m| m.as_str()), format).map_err(config)?;
                // The endpoint's own `uri.var.*` properties are on the message by now.
                let url = expand_template(template, *legacy_encoding, msg).map_err(config)?;
                Ok((method, url))
            }
            Target::Default => {
                let method = wire::method_for(msg, None, format).map_err(config)?;
                let Some(to) = msg.to() else {
                    return Err(config(
                        "the message has no `To` address to send to (give the call or send an endpoint)".into(),
                    ));
                };
                Ok((method, to.to_owned()))
            }
            Target::Member(m) => {
                let method = wire::method_for(msg, None, format).map_err(config)?;
                let path = msg
                    .request_uri()
                    .and_then(|u| u.path_and_query())
                    .map_or("/", |pq| pq.as_str());
                let (scheme, port) = match (m.http_port, m.https_port) {
                    (Some(p), _) => ("http", p),
                    (None, Some(p)) => ("https", p),
                    (None, None) => ("http", 80),
                };
                Ok((method, format!("{scheme}://{}:{port}{path}", m.host_name)))
            }
        }
    }

    async fn send_group(
        &mut self,
        group: &Group,
        msg: &mut MessageContext,
    ) -> Result<InboundResponse, Failure> {
        // A group may send the message more than once: every child gets the same bytes.
        msg.read_body()
            .await
            .map_err(|e| Failure::final_(body_error(e)))?;
        for p in &group.properties {
            p.apply(msg, &self.env.xpath_scope())
                .map_err(|e| Failure::final_(MediationError::mediator(e)))?;
        }
        match &group.kind {
            GroupKind::Failover {
                dynamic,
                children,
                current,
            } => self.failover(group, *dynamic, children, current, msg).await,
            GroupKind::Loadbalance(lb) => self.loadbalance(group, lb, msg).await,
            GroupKind::RecipientList(r) => {
                let children = self
                    .inner
                    .recipients(r, msg, &self.env.xpath_scope())
                    .map_err(Failure::final_)?;
                self.first_response(group, &children, msg).await
            }
        }
    }

    /// Whether one more try is allowed after `tried` tries (`maximum.failover.retries`).
    fn may_retry(&self, tried: u32) -> bool {
        self.inner
            .max_failover_retries
            .is_none_or(|max| tried <= max)
    }

    async fn failover(
        &mut self,
        group: &Group,
        dynamic: bool,
        children: &[Node],
        current: &std::sync::atomic::AtomicUsize,
        msg: &mut MessageContext,
    ) -> Result<InboundResponse, Failure> {
        use std::sync::atomic::Ordering;
        let n = children.len();
        let start = if dynamic {
            0
        } else {
            current.load(Ordering::Relaxed) % n.max(1)
        };
        let mut last: Option<Failure> = None;
        let mut tried = 0u32;
        for step in 0..n {
            let i = (start + step) % n;
            let child = &children[i];
            if !self.ready(child, Instant::now()) {
                continue;
            }
            if tried > 0 && !self.may_retry(tried) {
                break;
            }
            tried += 1;
            match self.send_node(child, msg, false).await {
                Ok(response) => {
                    if !dynamic {
                        current.store(i, Ordering::Relaxed);
                    }
                    return Ok(response);
                }
                Err(f) => {
                    if !f.retry {
                        tracing::warn!(
                            endpoint = %group.label,
                            code = f.error.code(),
                            "Failover endpoint : {} - one of the child endpoints encounterd a non-retry error, not sending message to another endpoint",
                            group_name(group)
                        );
                        return Err(f.with_request());
                    }
                    tracing::warn!(endpoint = %group.label, child = i + 1, code = f.error.code(), "failover child failed; trying the next ready child");
                    last = Some(f.with_request());
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            tracing::warn!(endpoint = %group.label, "failover endpoint has no ready child endpoints");
            Failure::new(MediationError::backend(
                codes::ENDPOINT_NONE_READY,
                format!("Failover endpoint : {} - no ready child endpoints", group_name(group)),
            ))
        }))
    }

    /// The next child a load balancer sends to: round robin (from the first child) or
    /// weighted round robin, skipping children already tried for this message and children
    /// not ready.
    fn pick(&self, lb: &Loadbalance, tried: &[bool], now: Instant) -> Option<usize> {
        let n = lb.children.len();
        if n == 0 {
            return None;
        }
        let mut cursor = lock(&lb.cursor);
        if lb.weighted {
            for _ in 0..=n {
                let i = cursor.index % n;
                if cursor.sent < lb.weights[i] && !tried[i] && self.ready(&lb.children[i], now) {
                    cursor.sent += 1;
                    return Some(i);
                }
                cursor.index = (i + 1) % n;
                cursor.sent = 0;
            }
            None
        } else {
            for _ in 0..n {
                let i = cursor.index % n;
                cursor.index = (i + 1) % n;
                if !tried[i] && self.ready(&lb.children[i], now) {
                    return Some(i);
                }
            }
            None
        }
    }

    async fn loadbalance(
        &mut self,
        group: &Group,
        lb: &Loadbalance,
        msg: &mut MessageContext,
    ) -> Result<InboundResponse, Failure> {
        let now = Instant::now();
        // A SOAP session's id is in the request's SOAP header: the body is read (as Synapse's
        // `SALoadbalanceEndpoint` builds the message for every dispatcher but the HTTP one).
        let id = match &lb.sessions {
            Some(sessions) => sessions.request_id(msg).await?,
            None => None,
        };
        if let Some(sessions) = &lb.sessions
            && let Some(id) = &id
            && let Some(i) = sessions.lookup(id, now)
        {
            // A message of a known session goes to its endpoint, and nowhere else.
            let child = &lb.children[i];
            if !self.ready(child, now) {
                return Err(Failure::new(MediationError::backend(
                    ENDPOINT_SAL_NOT_READY,
                    format!(
                        "The endpoint {}[{i}] on the session with id {id} is not ready.",
                        group.label
                    ),
                )));
            }
            let result = self.send_node(child, msg, false).await;
            return match result {
                Ok(response) => Ok(sessions.learn(response, i).await),
                Err(f) => Err(f),
            };
        }
        if let Some(sessions) = &lb.sessions
            && sessions.kind == SessionType::Soap
        {
            // A new server-initiated session: the request goes without the stale id
            // (`SoapSessionDispatcher.removeSessionID`); the response names the new one.
            remove_soap_header(msg, AXIS2_NS, "ServiceGroupId");
        }
        // A client-initiated session is bound to the child before the request goes (Synapse's
        // `Axis2SynapseEnvironment.send`), and unbound when that child fails.
        let client_id = id.filter(|_| {
            lb.sessions
                .as_ref()
                .is_some_and(|s| s.kind == SessionType::SimpleClientSession)
        });
        // A message starting a session may fail over, as Synapse's first message in a session.
        let failover = lb.failover || lb.sessions.is_some();
        let mut tried = vec![false; lb.children.len()];
        let mut count = 0u32;
        let mut last: Option<Failure> = None;
        while let Some(i) = self.pick(lb, &tried, Instant::now()) {
            if count > 0 && !self.may_retry(count) {
                break;
            }
            tried[i] = true;
            count += 1;
            if let (Some(sessions), Some(id)) = (&lb.sessions, &client_id) {
                sessions.bind(id, i, Instant::now());
            }
            match self.send_node(&lb.children[i], msg, false).await {
                Ok(response) => {
                    return Ok(match &lb.sessions {
                        Some(sessions) => sessions.learn(response, i).await,
                        None => response,
                    });
                }
                Err(f) => {
                    if let (Some(sessions), Some(id)) = (&lb.sessions, &client_id) {
                        sessions.unbind(id);
                    }
                    // The next child gets the request. (Synapse, for a SOAP fault under
                    // FORCE_ERROR_ON_SOAP_FAULT, hands a load balancer the response message
                    // and so sends the fault envelope on as the next request; the request is
                    // what is meant, and what a failover group sends.)
                    tracing::warn!(endpoint = %group.label, child = i + 1, code = f.error.code(), "load-balance child failed");
                    if !failover || !f.retry {
                        return Err(f);
                    }
                    last = Some(f);
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            tracing::warn!(endpoint = %group.label, "load-balance endpoint has no ready child endpoints");
            Failure::new(MediationError::backend(
                codes::ENDPOINT_NONE_READY,
                format!("Loadbalance endpoint : {} - no ready child endpoints", group_name(group)),
            ))
        }))
    }

    /// A recipient list under `call` (or inside another group): a copy to every ready
    /// recipient at once; the first response in declared order is the answer.
    async fn first_response(
        &mut self,
        group: &Group,
        children: &[Node],
        msg: &mut MessageContext,
    ) -> Result<InboundResponse, Failure> {
        if children.is_empty() {
            return Err(Failure::new(none_ready_recipients(group)));
        }
        let (inner, env, options) = (self.inner, self.env, self.options);
        let sends = children.iter().map(|child| {
            let mut copy = msg.clone();
            async move {
                let mut exchange = Exchange::with_options(inner, env, options);
                exchange.send_node(child, &mut copy, false).await
            }
        });
        let mut last = None;
        for result in join_all(sends).await {
            match result {
                Ok(response) => return Ok(response),
                Err(f) => last = Some(f),
            }
        }
        Err(last.unwrap_or_else(|| Failure::new(none_ready_recipients(group))))
    }
}

pub(crate) fn none_ready_recipients(group: &Group) -> MediationError {
    MediationError::backend(
        codes::ENDPOINT_NONE_READY,
        format!(
            "Recipient list endpoint : {} - no ready child endpoints",
            group_name(group)
        ),
    )
}

/// Parses an absolute `http`/`https` URL, keeping its text (no copy).
fn parse_http_uri(url: String) -> Result<Uri, String> {
    // Byte scans: `str`'s char searchers cost more than the work on a short URL, every send.
    if let Some(colon) = url.bytes().position(|b| b == b':')
        && let scheme = &url[..colon]
        && !scheme.bytes().any(|b| b == b'/')
        && !scheme.eq_ignore_ascii_case("http")
        && !scheme.eq_ignore_ascii_case("https")
    {
        return Err(format!(
            "`{url}` uses the `{scheme}` transport; mediate sends over HTTP and HTTPS only"
        ));
    }
    let text = bytes::Bytes::from(url);
    // The text again, for an error only (the bytes are a `String`'s: valid UTF-8).
    let url = || String::from_utf8_lossy(&text);
    let uri = Uri::from_maybe_shared(text.clone())
        .map_err(|e| format!("`{}` is not a valid URL: {e}", url()))?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
        Some(other) => {
            return Err(format!(
                "`{}` uses the `{other}` transport; mediate sends over HTTP and HTTPS only",
                url()
            ));
        }
        None => return Err(format!("`{}` is not an absolute http(s) URL", url())),
    }
    if mediate_core::transport::uri_host(&uri).is_none_or(str::is_empty) {
        return Err(format!("`{}` has no host", url()));
    }
    Ok(uri)
}

/// The session of a request: its first cookie whose name holds a session cookie name
/// (`JSESSIONID=…`), as `NAME=value`.
fn request_session(msg: &MessageContext) -> Option<String> {
    for value in msg.transport_headers().get_all(COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            let pair = pair.trim();
            let name = pair.split('=').next().unwrap_or_default();
            if SESSION_COOKIES.iter().any(|k| name.contains(k)) {
                return Some(pair.to_owned());
            }
        }
    }
    None
}

/// Synapse's namespace: the `syn:ClientID` header of a `simpleClientSession`.
const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";
/// Axis2's namespace: the `axis2:ServiceGroupId` of a `soap` session.
const AXIS2_NS: &str = "http://ws.apache.org/namespaces/axis2";
/// WS-Addressing 1.0.
const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";

/// The trimmed text of the SOAP header block `{ns}name` of `msg`, when it is a SOAP
/// envelope with one (Synapse's `AbstractDispatcher.extractSessionID`: empty is none).
fn soap_header_text(msg: &MessageContext, ns: &str, name: &str) -> Option<String> {
    let envelope = msg.envelope().ok()?;
    if envelope.is_implicit() {
        return None;
    }
    let block = envelope
        .header()?
        .children()
        .find(|n| n.is_element() && n.has_tag_name((ns, name)))?;
    let text: String = block
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Removes the SOAP header block `{ns}name` from the request, if it has one.
fn remove_soap_header(msg: &mut MessageContext, ns: &str, name: &str) {
    let Ok(envelope) = msg.envelope() else { return };
    if envelope.is_implicit() {
        return;
    }
    let Some(range) = envelope.header().and_then(|h| {
        h.children()
            .find(|n| n.is_element() && n.has_tag_name((ns, name)))
            .map(|n| n.range())
    }) else {
        return;
    };
    let text = envelope.as_str();
    let mut edited = String::with_capacity(text.len());
    edited.push_str(&text[..range.start]);
    edited.push_str(&text[range.end..]);
    let content_type = msg.content_type().to_owned();
    msg.set_payload(edited, content_type);
}

/// The element child `{ns}name` of `node`.
fn child<'a, 'i>(
    node: mediate_core::message::roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<mediate_core::message::roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.has_tag_name((ns, name)))
}

/// The service group id a SOAP response names in
/// `Header/wsa:ReplyTo/wsa:ReferenceParameters/axis2:ServiceGroupId`.
fn response_service_group(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let doc = mediate_core::message::roxmltree::Document::parse(text).ok()?;
    let envelope = doc.root_element();
    if envelope.tag_name().name() != "Envelope" {
        return None;
    }
    let ns = envelope.tag_name().namespace()?;
    let header = child(envelope, ns, "Header")?;
    let reply_to = child(header, WSA_NS, "ReplyTo")?;
    let params = child(reply_to, WSA_NS, "ReferenceParameters")?;
    let id = child(params, AXIS2_NS, "ServiceGroupId")?;
    let id = id.text()?.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// The most sessions one session-affine load balancer keeps. Past it, a new session is
/// balanced as any message is but not remembered (logged once, at debug level), until expired
/// sessions are swept away; the sessions already known keep their endpoint.
pub const MAX_SESSIONS: usize = 100_000;

/// How often at most expired sessions are swept (sooner for a shorter session timeout, but
/// not more than once a second): a sweep walks every session under the lock, so it is not
/// done for every new session.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The sessions of a session-affine load balancer (`<session type="http">`): session id
/// (`NAME=value` of the cookie) → child index and when it was last used. A session expires
/// `sessionTimeout` after its last use (MI's `SALSessions`); an expired one is forgotten when
/// it is next looked up, or by the periodic sweep.
#[derive(Debug)]
pub(crate) struct Sessions {
    /// The load balancer, for the log.
    label: String,
    /// What identifies a session: a cookie, the client's `ClientID` SOAP header, or the
    /// service group id of a SOAP session.
    pub(crate) kind: SessionType,
    timeout: Duration,
    sweep_interval: Duration,
    cap: usize,
    table: Mutex<SessionTable>,
}

#[derive(Debug)]
struct SessionTable {
    map: HashMap<String, (usize, Instant)>,
    /// When expired sessions are swept next.
    next_sweep: Instant,
    /// Whether reaching the cap has been logged (again once the table has room).
    full_logged: bool,
}

impl Sessions {
    /// The sessions of the load balancer `label`, expiring `timeout` after their last use.
    pub(crate) fn new(label: &str, timeout: Duration, kind: SessionType) -> Self {
        let mut sessions = Self::with_cap(label, timeout, MAX_SESSIONS, Instant::now());
        sessions.kind = kind;
        sessions
    }

    fn with_cap(label: &str, timeout: Duration, cap: usize, now: Instant) -> Self {
        let sweep_interval = timeout.clamp(Duration::from_secs(1), SESSION_SWEEP_INTERVAL);
        Self {
            label: label.to_owned(),
            kind: SessionType::Http,
            timeout,
            sweep_interval,
            cap,
            table: Mutex::new(SessionTable {
                map: HashMap::new(),
                next_sweep: now + sweep_interval,
                full_logged: false,
            }),
        }
    }

    /// The child bound to session `id`, if the session has not expired (its use refreshes it).
    fn lookup(&self, id: &str, now: Instant) -> Option<usize> {
        let mut table = lock(&self.table);
        match table.map.get_mut(id) {
            Some((i, last)) if now.saturating_duration_since(*last) < self.timeout => {
                *last = now;
                Some(*i)
            }
            Some(_) => {
                table.map.remove(id);
                None
            }
            None => None,
        }
    }

    /// The session id of a request: its session cookie (`http`), or the text of a SOAP
    /// header block: `syn:ClientID` (`simpleClientSession`, Synapse's
    /// `SimpleClientSessionDispatcher`) or `axis2:ServiceGroupId` (`soap`,
    /// `SoapSessionDispatcher`). A SOAP header is read only for those two: the body is read
    /// into memory first.
    async fn request_id(&self, msg: &mut MessageContext) -> Result<Option<String>, Failure> {
        let (ns, name) = match self.kind {
            SessionType::Http => return Ok(request_session(msg)),
            SessionType::SimpleClientSession => (SYNAPSE_NS, "ClientID"),
            SessionType::Soap => (AXIS2_NS, "ServiceGroupId"),
        };
        msg.read_body()
            .await
            .map_err(|e| Failure::final_(body_error(e)))?;
        Ok(soap_header_text(msg, ns, name))
    }

    /// Learns the session a response starts on child `i`: an `http` session from its first
    /// `Set-Cookie` pair, a `soap` one from the `wsa:ReplyTo/wsa:ReferenceParameters/
    /// axis2:ServiceGroupId` of its SOAP header (Synapse's `SoapSessionDispatcher.updateSession`;
    /// the body is read into memory, within its limit, and kept). A client session is bound
    /// when its request goes, not here.
    async fn learn(&self, response: InboundResponse, i: usize) -> InboundResponse {
        match self.kind {
            SessionType::Http => {
                if let Some(id) = response
                    .headers()
                    .get(SET_COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .map(str::trim)
                    .filter(|p| p.contains('='))
                {
                    self.bind(id, i, Instant::now());
                }
                response
            }
            SessionType::SimpleClientSession => response,
            SessionType::Soap => {
                let (parts, body) = response.into_parts();
                let Some(body) = body else {
                    return http::Response::from_parts(parts, None);
                };
                let (body, bytes) = soap_fault::buffer(body).await;
                if let Some(id) = bytes.as_ref().and_then(|b| response_service_group(b)) {
                    self.bind(&id, i, Instant::now());
                }
                http::Response::from_parts(parts, Some(body))
            }
        }
    }

    /// Forgets session `id` (its first message failed on the child it was bound to).
    fn unbind(&self, id: &str) {
        lock(&self.table).map.remove(id);
    }

    /// Binds session `id` to child `i` as used at `now`: expired sessions are swept first when
    /// the sweep is due, and a new session is not kept while the table is full.
    fn bind(&self, id: &str, i: usize, now: Instant) {
        let mut table = lock(&self.table);
        if now >= table.next_sweep {
            let timeout = self.timeout;
            table
                .map
                .retain(|_, (_, last)| now.saturating_duration_since(*last) < timeout);
            table.next_sweep = now + self.sweep_interval;
            if table.map.len() < self.cap {
                table.full_logged = false;
            }
        }
        if let Some(entry) = table.map.get_mut(id) {
            *entry = (i, now);
            return;
        }
        if table.map.len() >= self.cap {
            if !table.full_logged {
                table.full_logged = true;
                tracing::debug!(
                    endpoint = %self.label,
                    sessions = table.map.len(),
                    "session table full; new sessions are balanced without affinity until expired ones are swept"
                );
            }
            return;
        }
        table.map.insert(id.to_owned(), (i, now));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.table).map.len()
    }
}

impl Inner {
    /// Whether `node` may be sent to at `now`.
    pub(crate) fn ready(&self, node: &Node, now: Instant, depth: u32) -> bool {
        if depth > MAX_REFERENCE_DEPTH {
            return false;
        }
        match node {
            Node::Leaf(l) => l.ready(now),
            Node::Group(g) => match &g.kind {
                GroupKind::Failover { children, .. } => {
                    children.iter().any(|c| self.ready(c, now, depth + 1))
                }
                GroupKind::Loadbalance(lb) => {
                    lb.children.iter().any(|c| self.ready(c, now, depth + 1))
                }
                GroupKind::RecipientList(Recipients::Fixed(children)) => {
                    children.iter().any(|c| self.ready(c, now, depth + 1))
                }
                GroupKind::RecipientList(Recipients::Dynamic { .. }) => true,
            },
            Node::Indirect { key, .. } => self
                .named
                .get(&**key)
                .is_some_and(|n| self.ready(n, now, depth + 1)),
            Node::Resolving(_) => true,
        }
    }

    /// The ready recipients of a recipient list for `msg` (a dynamic list's expression
    /// evaluated with `scope`, the environment's local entries).
    pub(crate) fn recipients(
        &self,
        recipients: &Recipients,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<Vec<Node>, MediationError> {
        let now = Instant::now();
        let all = match recipients {
            Recipients::Fixed(children) => children.clone(),
            Recipients::Dynamic {
                expression,
                text,
                cache,
                max,
                label,
            } => {
                let value = expression.evaluate_string_in(msg, scope)?;
                let mut nodes = Vec::new();
                let mut cache = lock(cache);
                for url in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                    if let Some(pos) = cache.iter().position(|(u, _)| u == url) {
                        let entry = cache.remove(pos);
                        nodes.push(entry.1.clone());
                        cache.push(entry);
                        continue;
                    }
                    let node = address_leaf(url, Some(label.clone())).map_err(|e| {
                        MediationError::mediator(format!(
                            "recipient list `{{{text}}}` gave `{url}`: {e}"
                        ))
                    })?;
                    if cache.len() >= *max {
                        cache.remove(0);
                    }
                    cache.push((url.to_owned(), node.clone()));
                    nodes.push(node);
                }
                nodes
            }
        };
        Ok(all.into_iter().filter(|n| self.ready(n, now, 0)).collect())
    }

    /// The `onError` sequence of the endpoint `node` names, following `key` references.
    pub(crate) fn on_error_of(&self, node: &Node, depth: u32) -> Option<String> {
        if depth > MAX_REFERENCE_DEPTH {
            return None;
        }
        match node {
            Node::Leaf(l) => l.on_error.as_deref().map(str::to_owned),
            Node::Group(g) => g.on_error.as_deref().map(str::to_owned),
            Node::Indirect { key, on_error } => {
                on_error.as_deref().map(str::to_owned).or_else(|| {
                    self.named
                        .get(&**key)
                        .and_then(|n| self.on_error_of(n, depth + 1))
                })
            }
            Node::Resolving(r) => r.on_error.as_deref().map(str::to_owned),
        }
    }

    /// The node `node` stands for once `key` references (and a key-expression, for `msg`)
    /// are followed (a key-expression evaluated with `scope`, the environment's local entries).
    pub(crate) fn follow(
        &self,
        node: &Node,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Option<Node> {
        let mut current = node.clone();
        for _ in 0..MAX_REFERENCE_DEPTH {
            let key = match &current {
                Node::Indirect { key, .. } => key.to_string(),
                Node::Resolving(r) => r
                    .expression
                    .evaluate_string_in(msg, scope)
                    .ok()?
                    .trim()
                    .to_owned(),
                _ => return Some(current),
            };
            current = self.named.get(&key)?.clone();
        }
        None
    }
}

#[cfg(test)]
mod session_tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_session_expires_its_timeout_after_its_last_use() {
        let t0 = Instant::now();
        let sessions = Sessions::with_cap("lb", 10 * SECOND, 10, t0);
        sessions.bind("JSESSIONID=a", 1, t0);
        assert_eq!(sessions.lookup("JSESSIONID=a", t0 + 6 * SECOND), Some(1));
        // The use at 6 s refreshed it: alive at 15 s (9 s after that use), gone at 25 s.
        assert_eq!(sessions.lookup("JSESSIONID=a", t0 + 15 * SECOND), Some(1));
        assert_eq!(sessions.lookup("JSESSIONID=a", t0 + 25 * SECOND), None);
        assert_eq!(
            sessions.len(),
            0,
            "an expired session is forgotten when looked up"
        );
        assert_eq!(sessions.lookup("JSESSIONID=unknown", t0), None);
    }

    #[test]
    fn expired_sessions_are_swept_periodically_not_on_every_new_session() {
        let t0 = Instant::now();
        // A 2 s timeout: swept at most every 2 s.
        let sessions = Sessions::with_cap("lb", 2 * SECOND, 10, t0);
        sessions.bind("a=1", 0, t0);
        sessions.bind("b=1", 1, t0);
        let half = Duration::from_millis(500);
        sessions.bind("c=1", 0, t0 + SECOND + half);
        assert_eq!(sessions.len(), 3, "no sweep before it is due");
        // At 2.5 s: a and b (last used at 0) are expired and swept; c (1.5 s) is not.
        sessions.bind("d=1", 1, t0 + 2 * SECOND + half);
        assert_eq!(sessions.len(), 2);
        // At 4 s c has expired, but the next sweep is not due before 4.5 s: it stays in the
        // table (a lookup would still find it expired).
        sessions.bind("e=1", 0, t0 + 4 * SECOND);
        assert_eq!(sessions.len(), 3);
        // At 4.6 s the sweep takes c and d (last used 2.1 s ago); e and f stay.
        let t = t0 + 4 * SECOND + Duration::from_millis(600);
        sessions.bind("f=1", 1, t);
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.lookup("e=1", t), Some(0));
        assert_eq!(sessions.lookup("f=1", t), Some(1));
        assert_eq!(sessions.lookup("c=1", t), None);
    }

    #[test]
    fn a_full_table_keeps_its_sessions_and_balances_new_ones_without_affinity() {
        let t0 = Instant::now();
        let sessions = Sessions::with_cap("lb", 10 * SECOND, 3, t0);
        for (i, id) in ["a=1", "b=1", "c=1"].into_iter().enumerate() {
            sessions.bind(id, i, t0);
        }
        let t1 = t0 + SECOND;
        sessions.bind("d=1", 1, t1);
        sessions.bind("e=1", 2, t1);
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.lookup("d=1", t1), None, "not kept past the cap");
        assert_eq!(
            sessions.lookup("a=1", t1),
            Some(0),
            "known sessions keep their child"
        );
        // A known session may still be bound again while the table is full.
        sessions.bind("b=1", 2, t1);
        assert_eq!(sessions.lookup("b=1", t1), Some(2));
        // Once sessions have expired and the sweep is due, new sessions are kept again: c
        // (last used at 0) has expired, a and b (used at 1 s) have not.
        let t2 = t0 + 10 * SECOND + SECOND / 2;
        sessions.bind("f=1", 0, t2);
        assert_eq!(sessions.lookup("f=1", t2), Some(0));
        assert_eq!(sessions.lookup("c=1", t2), None);
        assert_eq!(sessions.len(), 3);
    }

    #[test]
    fn the_default_cap_is_the_documented_constant() {
        let sessions = Sessions::new("lb", SECOND, SessionType::Http);
        assert_eq!(sessions.cap, MAX_SESSIONS);
        assert_eq!(sessions.sweep_interval, SECOND);
        let long = Sessions::new("lb", Duration::from_secs(120), SessionType::Http);
        assert_eq!(long.sweep_interval, SESSION_SWEEP_INTERVAL);
    }
}
