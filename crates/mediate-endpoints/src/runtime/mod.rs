//! The endpoints runtime: sends messages through deployed endpoints over an
//! [`HttpSender`], with MI's semantics for every endpoint form, and keeps one suspension state
//! machine per leaf endpoint.
//!
//! An [`Endpoints`] is built once per deployment from the named endpoint definitions and the
//! endpoint templates ([`Endpoints::builder`]), put into the [`Env`] as an extension
//! ([`EnvBuilder::extension`](mediate_core::EnvBuilder::extension)), and found there by the
//! `call` and `send` mediators (`env.extension::<Endpoints>()`). It is cheap to clone: clones
//! share the state machines, load-balance cursors and sessions.
//!
//! [`Endpoints::call`] sends one message and replaces its status, transport headers and
//! payload with the response, as MI's `call` does:
//!
//! | endpoint | where the message goes |
//! |---|---|
//! | `<address uri>` | the address (its `${property}` parts filled), plus `REST_URL_POSTFIX` (the request path after the API context, with the query) when the message is REST |
//! | `<http uri-template [method]>` | the template expanded (RFC 6570) from `uri.var.*` and `query.param.*`; `REST_URL_POSTFIX` is not appended (and is cleared) |
//! | `<default>`, or no endpoint | the message's `To` address |
//! | `<failover>` | the first ready child in declared order; on a failure, the next ready one (traffic goes back to the first once it recovers, unless `dynamic="false"`) |
//! | `<loadbalance>` | round robin from the first child, or weighted (`loadbalance.weight`); a failed child's message goes to the next (`failover="true"`, the default); `<session type="http">` keeps a cookie session on its child (the response's `Set-Cookie` starts it), `simpleClientSession` the client's `syn:ClientID` SOAP header (bound to the child when the request goes; unbound if that first request fails), `soap` the `axis2:ServiceGroupId` SOAP header (a response's `wsa:ReplyTo/wsa:ReferenceParameters` names it; a request starting a new session goes without its stale id); each until `sessionTimeout` after its last use, at most [`MAX_SESSIONS`]. The two SOAP kinds read the request body (and `soap` the response body, within its limit) into memory, only when configured |
//! | `<recipientlist>` | a copy to every ready child at once ([`Endpoints::call_all`] gives each response as it arrives) |
//! | `<endpoint template>` | the template's endpoint with the `$parameters` filled |
//! | `<endpoint key>`, `key-expression` | the named endpoint, looked up per message |
//!
//! The method is the `<http method>`, else the axis2 `HTTP_METHOD` property, else the
//! request's method (`POST` without one); `format="soap11|soap12"` forces `POST` and
//! `format="get"` `GET`. `GET` and `HEAD` send no body. An unread body is streamed to a single
//! leaf and read into memory first for a group, which may send it more than once.
//!
//! A 4xx or 5xx answer is a response: the flow goes on with it (`HTTP_SC` is its status), and
//! the endpoint counts it as a success, unless the message holds
//! [`FORCE_ERROR_ON_SOAP_FAULT`]` = true` (default scope, set before the `call` or `send`, or
//! as an endpoint `<property>`) and the answer, whatever its status, is a SOAP 1.1 or 1.2
//! fault (see below). Failures are [`MediationError`]s with MI's codes, which a fault sequence
//! reads as `ERROR_CODE` and `ERROR_MESSAGE`:
//!
//! | code | `ERROR_MESSAGE` | when |
//! |---|---|---|
//! | 101503 | `Error connecting to the back end` | connection refused or unreachable |
//! | 101508 | `Error connecting to the back end` | connecting took longer than the sender's connect timeout |
//! | 101504 | `Send timeout` | no response within the endpoint's `<timeout>` (or the global timeout): Synapse's `TimeoutHandler`, no state added |
//! | 101507 | `Error in Sender` | the connection silent for the sender's socket timeout (`http.socket.timeout`, 180 s) waiting for the response head: 101504 + `REQUEST_DONE` (3) |
//! | 101505 | `Error in Sender` | the socket timeout while the request body is still being written: 101504 + `REQUEST_HEAD` (1) |
//! | 101508 | `Error in Sender` | the backend closed the connection before answering: 101505 + `REQUEST_DONE` (3) |
//! | 101506 | `Error in Sender` | the backend closed the connection while the request body was being written: 101505 + `REQUEST_HEAD` (1) |
//! | 101503 | `Error in Sender` | an I/O error (a reset) waiting for the response head: 101500 + `REQUEST_DONE` (3) |
//! | 101509 | `Error in Sender` | a response head that is not HTTP: 101506 + `REQUEST_DONE` (3) |
//! | 101500 | `Error in Sender` | the client's request body failed while it was being sent (no state: not the backend connection's failure) |
//! | 303000 | `Failover endpoint : N - no ready child endpoints` (or `Loadbalance endpoint`…) | no child of a group was ready (after real attempts the last child's code stays, as in MI) |
//! | 303001 | `Currently , Address endpoint : [ Name : N ] [ State : SUSPENDED ]` | a leaf named by the mediator is suspended, timed out or off |
//! | 500000 ([`ENDPOINT_CUSTOM_ERROR`]) | empty (MI sets only `ERROR_CODE`) | a SOAP fault answered a message holding `FORCE_ERROR_ON_SOAP_FAULT=true` |
//!
//! A SOAP fault under `FORCE_ERROR_ON_SOAP_FAULT` is what Synapse's `SynapseCallbackReceiver`
//! makes of it: a failure of the leaf that sent (its suspension settings apply to code 500000,
//! which suspends by default; its `retryConfig` decides whether a group tries another child).
//! A failover group sends the request to its next ready child, a load balancer (with
//! `failover`) too; when nothing is left to try, or for a leaf on its own, the message takes
//! the fault response (status, headers, the fault envelope as payload) before the fault
//! handler sees it, except under a failover group, whose fault handler gets the request as
//! Synapse's does. Only a body of a SOAP content type (`text/xml`, `application/soap+xml`)
//! whose envelope's `Body` starts with a `Fault` of the envelope's namespace counts; detecting
//! it reads the body into memory (within the body's limit; a larger body is no fault and goes
//! on untouched), which is never done without the property. An implicit send (no endpoint) is
//! never checked, as in Synapse.
//!
//! The transport codes are MI's pass-through arithmetic: the base code plus the connection's
//! protocol state ([`ProtocolState`](mediate_core::transport::ProtocolState): `REQUEST_READY`
//! 0, `REQUEST_HEAD` 1, `REQUEST_BODY` 2, `REQUEST_DONE` 3, `RESPONSE_HEAD` 4, `RESPONSE_BODY`
//! 5…), which Synapse's `TargetErrorHandler` always adds (no property turns it off); a
//! connection that could not be made is in `REQUEST_READY` and keeps its base code. The sums
//! collide with other base codes (101507 is also `CONNECT_CANCEL`, 101508 `CONNECT_TIMEOUT`,
//! 101503 `CONNECTION_FAILED`): that is what MI's fault sequences see. An endpoint's
//! `<markForSuspension>` and `<suspendOnFailure>` `<errorCodes>` match exact codes, as
//! Synapse's `AbstractEndpoint` does (`contains`): `101504` in a list does not match a socket
//! timeout reported as 101507, and without a `markForSuspension` list only 101504 and 101505
//! themselves count as timeouts, so by default a socket timeout (101507) or a close before the
//! answer (101508) suspends the endpoint at once. A timeout or close after the response head
//! has arrived (`RESPONSE_HEAD`, `RESPONSE_BODY`) is no endpoint failure: the call has its
//! response, and the body's reader fails (Synapse raises no endpoint fault for such a
//! timeout, and the fault its `TargetHandler` raises for such a close finds the response's
//! callback already consumed).
//!
//! [`Endpoints::call_with`] takes [`CallOptions`] that make more answers failures of the
//! endpoint: with [`CallOptions::blocking`] (MI's blocking `call`), a status other than 2xx
//! and a SOAP fault answer fail the leaf (`ERROR_MESSAGE` `Transport error: 500 Error:
//! Internal Server Error`, or the fault's reason), and every failure of a send, a refused
//! connection or a timeout included, carries 401002 ([`BLOCKING_SENDER_OPERATION_FAILED`]):
//! the code the leaf's `<errorCodes>` lists are matched against, as Synapse's
//! `BlockingMsgSender` sets `ERROR_CODE` before the endpoint's `onFault` reads it. A group
//! tries its next child with the request; when none answers well, the message holds the last
//! answer and the error's cause is a [`FailedResponse`].
//!
//! Each failure goes through the leaf's state machine ([`EndpointStateMachine`](crate::EndpointStateMachine):
//! `markForSuspension`, `suspendOnFailure`), and the endpoint's timeout fires at its duration
//! exactly. A timeout with `<responseAction>discard</responseAction>` drops the message
//! ([`CallOutcome::Discarded`]) instead of failing; an endpoint with `onError` runs that
//! sequence ([`CallOutcome::Handled`]).
//!
//! ```
//! use std::sync::Arc;
//! use mediate_core::async_trait;
//! use mediate_core::transport::{HttpSender, InboundResponse, OutboundRequest, SendError};
//! use mediate_core::{Env, MediatorSpec, MessageContext};
//! use mediate_endpoints::{CallOutcome, EndpointDefinition, Endpoints};
//!
//! /// A backend in memory: answers every request with its own URL.
//! #[derive(Debug)]
//! struct Echo;
//!
//! #[async_trait]
//! impl HttpSender for Echo {
//!     async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, SendError> {
//!         let body = mediate_core::message::PendingBody::from_chunks([request.uri.to_string().into()]);
//!         Ok(http::Response::builder()
//!             .status(200)
//!             .header("content-type", "text/plain")
//!             .body(Some(body))
//!             .unwrap())
//!     }
//! }
//!
//! let orders = EndpointDefinition::from_spec(
//!     &MediatorSpec::new("endpoint")
//!         .child(MediatorSpec::new("address").property("uri", "http://orders.internal:8080/api")),
//! )?;
//! let endpoints = Endpoints::builder(Arc::new(Echo)).endpoint("Orders", orders).build()?;
//! let env = Env::builder().extension(endpoints.clone()).build();
//!
//! let mut msg = MessageContext::from_json(r#"{"id":7}"#);
//! msg.set_rest_url_postfix("/orders/7?verbose=1");
//! let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! let outcome = rt.block_on(async {
//!     msg.set_http_method(http::Method::GET);
//!     let outcome = endpoints.call(Some(&EndpointDefinition::indirect("Orders")), &mut msg, &env).await;
//!     msg.read_body().await?;
//!     Ok::<_, Box<dyn std::error::Error>>(outcome?)
//! })?;
//! assert_eq!(outcome, CallOutcome::Response);
//! assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
//! assert_eq!(msg.payload_as_text()?, "http://orders.internal:8080/api/orders/7?verbose=1");
//! assert!(endpoints.status("Orders").unwrap().active);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Metrics
//!
//! Through the [`metrics`](::metrics) facade, labelled by endpoint (its name; an anonymous
//! child of a named group is `GROUP[i]`; another anonymous leaf its address as written):
//! `mediate_endpoint_calls_total{endpoint,outcome}` (`success`, `failure`, `skipped`),
//! `mediate_endpoint_failures_total{endpoint,code}`, `mediate_endpoint_state{endpoint}` (0
//! active, 1 timeout, 2 suspended, 3 off) and `mediate_endpoint_call_duration_seconds{endpoint}`.

mod engine;
mod metrics;
mod node;
mod options;
mod soap_fault;
mod url;
mod wire;

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::{FusedStream, FuturesUnordered, Stream, StreamExt};
use mediate_core::transport::HttpSender;
use mediate_core::{Env, MediationError, MediatorSpec, MessageContext};

use crate::definition::{EndpointDefinition, EndpointKind};
use crate::state::EndpointState;
use engine::{Exchange, Failure, body_error, none_ready_recipients};
use node::{Compiler, EndpointTemplate, GroupKind, Leaf, Node, lock};

pub use engine::MAX_SESSIONS;
pub use options::{BLOCKING_SENDER_OPERATION_FAILED, CallOptions, FailedResponse};
pub use soap_fault::{ENDPOINT_CUSTOM_ERROR, FORCE_ERROR_ON_SOAP_FAULT};
pub use wire_api::payload_value;

/// The default global timeout: how long an endpoint without a `<timeout>` (and a send to `To`)
/// waits for a response head. MI's documented default for `synapse.global_timeout_interval`.
pub const DEFAULT_GLOBAL_TIMEOUT: Duration = Duration::from_millis(120_000);

/// The deployed endpoints, and the runtime that sends through them (see the
/// [module](self) documentation).
#[derive(Clone)]
pub struct Endpoints {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) sender: Arc<dyn HttpSender>,
    /// foldhash: looked up by name on every send to a named endpoint.
    pub(crate) named: HashMap<String, Node, foldhash::fast::RandomState>,
    templates: HashMap<String, EndpointTemplate>,
    /// Inline definitions compiled on first use, by address (checked for equality, so a new
    /// definition at a reused address is compiled afresh).
    inline: Mutex<HashMap<usize, (EndpointDefinition, Node)>>,
    implicit: Node,
    pub(crate) global_timeout: Duration,
    pub(crate) max_failover_retries: Option<u32>,
}

impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.inner.named.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Endpoints")
            .field("named", &names)
            .field("sender", &self.inner.sender)
            .field("global_timeout", &self.inner.global_timeout)
            .finish_non_exhaustive()
    }
}

/// What became of a message [`Endpoints::call`] sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome {
    /// The response replaced the message's status, transport headers and payload.
    Response,
    /// The endpoint timed out with `<responseAction>discard</responseAction>`: the message is
    /// dropped (its fault facts say why); no fault sequence runs.
    Discarded,
    /// The send failed and the endpoint's `onError` sequence handled it: the flow does not
    /// go on.
    Handled,
}

/// One recipient's result from [`Endpoints::call_all`]: its copy of the message (with the
/// response, or with the fault facts of the failure) and what happened.
#[derive(Debug)]
pub struct Delivery {
    /// The copy of the message sent to this recipient, now holding its response.
    pub message: MessageContext,
    /// What happened.
    pub outcome: Result<CallOutcome, MediationError>,
}

/// The [`Delivery`]s of [`Endpoints::call_all`], a [`Stream`] that gives each one as soon as
/// its recipient has answered (or failed): a recipient list's fast recipient is not held up by
/// its slow ones. A send to one endpoint gives exactly one delivery, ready at once.
///
/// Its [`size_hint`](Stream::size_hint) is exact: how many deliveries are still to come.
/// Nothing is sent further unless it is polled; dropping it abandons the sends in flight.
#[must_use = "a recipient list's sends only make progress while the stream is polled"]
pub struct Deliveries<'a> {
    state: DeliveriesState<'a>,
}

// Unboxed on purpose: the one delivery of a plain send costs no allocation of its own.
#[allow(clippy::large_enum_variant)]
enum DeliveriesState<'a> {
    /// One delivery, made already (no allocation beyond the message itself).
    One(Option<Delivery>),
    /// A recipient list's sends in flight, in the order they complete.
    Many(FuturesUnordered<BoxFuture<'a, Delivery>>),
}

impl Deliveries<'_> {
    fn one(delivery: Delivery) -> Self {
        Self {
            state: DeliveriesState::One(Some(delivery)),
        }
    }

    /// How many deliveries are still to come.
    pub fn remaining(&self) -> usize {
        match &self.state {
            DeliveriesState::One(d) => usize::from(d.is_some()),
            DeliveriesState::Many(sends) => sends.len(),
        }
    }
}

impl fmt::Debug for Deliveries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliveries")
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl Stream for Deliveries<'_> {
    type Item = Delivery;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        match &mut self.get_mut().state {
            DeliveriesState::One(d) => Poll::Ready(d.take()),
            DeliveriesState::Many(sends) => sends.poll_next_unpin(cx),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining();
        (n, Some(n))
    }
}

impl FusedStream for Deliveries<'_> {
    fn is_terminated(&self) -> bool {
        self.remaining() == 0
    }
}

/// A named endpoint's state, for the management API and metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The endpoint's type as MI's management API names it: `address`, `http`, `default`,
    /// `failover`, `loadbalance`, `recipientlist`, `indirect`, `resolving`.
    pub kind: &'static str,
    /// The state: a leaf's own; for a group, active while any child is ready, else the state
    /// of the child that will be ready first (off when every child is off).
    pub state: EndpointState,
    /// Whether a message sent now would be sent (Synapse's `readyToSend`).
    pub active: bool,
}

/// Why [`EndpointsBuilder::build`] failed: every endpoint that could not be built, with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct EndpointsError {
    problems: Vec<(String, String)>,
}

impl EndpointsError {
    /// `(endpoint name, reason)` for every endpoint that could not be built.
    pub fn problems(&self) -> &[(String, String)] {
        &self.problems
    }

    fn describe(&self) -> String {
        self.problems
            .iter()
            .map(|(n, r)| format!("endpoint `{n}`: {r}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Builds [`Endpoints`]: the named endpoints and endpoint templates of a deployment.
#[derive(Debug)]
pub struct EndpointsBuilder {
    sender: Arc<dyn HttpSender>,
    endpoints: Vec<(String, EndpointDefinition)>,
    templates: HashMap<String, EndpointTemplate>,
    global_timeout: Duration,
    max_failover_retries: Option<u32>,
}

impl EndpointsBuilder {
    /// Deploys `definition` under `name` (`<endpoint name>`); a later one with the same name
    /// replaces it.
    #[must_use]
    pub fn endpoint(mut self, name: impl Into<String>, definition: EndpointDefinition) -> Self {
        let name = name.into();
        self.endpoints.retain(|(n, _)| *n != name);
        self.endpoints.push((name, definition));
        self
    }

    /// Deploys the endpoint template `name` (`<template name><parameter name/>…<endpoint>`):
    /// its declared parameter names and its `<endpoint>` body, whose values that are exactly
    /// `$p` take each using endpoint's parameters (`name` and `uri` are always parameters).
    #[must_use]
    pub fn template(
        mut self,
        name: impl Into<String>,
        parameters: impl IntoIterator<Item = impl Into<String>>,
        body: MediatorSpec,
    ) -> Self {
        self.templates.insert(
            name.into(),
            EndpointTemplate {
                parameters: parameters.into_iter().map(Into::into).collect(),
                body,
            },
        );
        self
    }

    /// The timeout of endpoints without a `<timeout>` and of sends to `To`
    /// ([`DEFAULT_GLOBAL_TIMEOUT`] unless set).
    #[must_use]
    pub fn global_timeout(mut self, timeout: Duration) -> Self {
        self.global_timeout = timeout;
        self
    }

    /// Bounds how many times a failover or load-balance group tries another child for one
    /// message (MI's `maximum.failover.retries`; unbounded by default: each child is tried at
    /// most once per message anyway).
    #[must_use]
    pub fn max_failover_retries(mut self, retries: u32) -> Self {
        self.max_failover_retries = Some(retries);
        self
    }

    /// Compiles every endpoint (expanding templates), or says which could not be built: a
    /// missing endpoint template, a template that expands to an invalid endpoint, a
    /// `{expression}` that does not compile, WS-Security (not supported).
    pub fn build(self) -> Result<Endpoints, EndpointsError> {
        let compiler = Compiler {
            templates: &self.templates,
        };
        let mut named = HashMap::with_capacity_and_hasher(self.endpoints.len(), Default::default());
        let mut problems = Vec::new();
        for (name, def) in &self.endpoints {
            let mut def = def.clone();
            def.name = Some(name.clone());
            match compiler.compile(&def, None) {
                Ok(node) => {
                    named.insert(name.clone(), node);
                }
                Err(reason) => problems.push((name.clone(), reason)),
            }
        }
        if !problems.is_empty() {
            return Err(EndpointsError { problems });
        }
        Ok(Endpoints {
            inner: Arc::new(Inner {
                sender: self.sender,
                named,
                templates: self.templates,
                inline: Mutex::new(HashMap::new()),
                implicit: Node::Leaf(Arc::new(Leaf::implicit())),
                global_timeout: self.global_timeout,
                max_failover_retries: self.max_failover_retries,
            }),
        })
    }
}

impl Endpoints {
    /// A builder of endpoints that send over `sender`.
    pub fn builder(sender: Arc<dyn HttpSender>) -> EndpointsBuilder {
        EndpointsBuilder {
            sender,
            endpoints: Vec::new(),
            templates: HashMap::new(),
            global_timeout: DEFAULT_GLOBAL_TIMEOUT,
            max_failover_retries: None,
        }
    }

    /// The sender messages go out through.
    pub fn sender(&self) -> &Arc<dyn HttpSender> {
        &self.inner.sender
    }

    /// Sends `msg` through `endpoint` (an inline definition or `<endpoint key>`; `None`: the
    /// message's `To` address) and replaces the message's status (`HTTP_SC`), transport
    /// headers and payload (unread, streaming) with the response; Synapse properties and
    /// variables stay (see the [module](self) documentation).
    ///
    /// A failure is a [`MediationError`] with MI's `ERROR_CODE` and `ERROR_MESSAGE` for the
    /// caller's fault handling, unless the endpoint discards it or its `onError` sequence
    /// handles it (then the outcome says so and the message holds the fault facts).
    pub async fn call(
        &self,
        endpoint: Option<&EndpointDefinition>,
        msg: &mut MessageContext,
        env: &Env,
    ) -> Result<CallOutcome, MediationError> {
        self.call_with(endpoint, msg, env, CallOptions::default())
            .await
    }

    /// [`call`](Self::call) under `options`: which answers fail the endpoint (an error status,
    /// a SOAP fault) and the code its failures carry, as MI's blocking client
    /// ([`CallOptions::blocking`]) gives them to the endpoints. Such an answer goes through
    /// the leaf's suspension state and the group's retry like any failure; when the call
    /// fails with one, the message holds the last answer and [`FailedResponse::of`] the
    /// error says what it was.
    ///
    /// ```no_run
    /// # async fn demo(endpoints: mediate_endpoints::Endpoints) -> Result<(), mediate_core::MediationError> {
    /// use mediate_core::{Env, MessageContext};
    /// use mediate_endpoints::{CallOptions, EndpointDefinition, FailedResponse};
    ///
    /// let mut msg = MessageContext::from_json(r#"{"id":7}"#);
    /// let orders = EndpointDefinition::indirect("Orders");
    /// let env = Env::default();
    /// match endpoints.call_with(Some(&orders), &mut msg, &env, CallOptions::blocking()).await {
    ///     Ok(_) => println!("answered {:?}", msg.status()),
    ///     Err(err) => match FailedResponse::of(&err) {
    ///         Some(answer) => println!("{} ({}): {}", err.code(), answer.status, err.message()),
    ///         None => println!("not answered: {}", err.message()),
    ///     },
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn call_with(
        &self,
        endpoint: Option<&EndpointDefinition>,
        msg: &mut MessageContext,
        env: &Env,
        options: CallOptions,
    ) -> Result<CallOutcome, MediationError> {
        let node = match endpoint {
            None => self.inner.implicit.clone(),
            Some(def) => self.inner.node_for(def)?,
        };
        let mut exchange = Exchange::with_options(&self.inner, env, options);
        match exchange.send_node(&node, msg, true).await {
            Ok(response) => {
                wire::apply_response(msg, response);
                Ok(CallOutcome::Response)
            }
            // Boxed: a fault handler's future is large, and answers are the common case.
            Err(failure) => Box::pin(self.fail(&node, msg, failure, env)).await,
        }
    }

    /// What a failed call leaves: the failure's answer (if any) on `msg`, then a discard,
    /// the endpoint's `onError` sequence, or the error.
    async fn fail(
        &self,
        node: &Node,
        msg: &mut MessageContext,
        mut failure: Failure,
        env: &Env,
    ) -> Result<CallOutcome, MediationError> {
        if let Some(response) = failure.response.take() {
            // A response taken as a failure (a SOAP fault under
            // FORCE_ERROR_ON_SOAP_FAULT, an answer failed by the call's options): the
            // fault handler gets the response message, as Synapse's does.
            wire::apply_response(msg, *response);
        }
        if failure.discard {
            msg.set_fault(failure.error.to_fault());
            return Ok(CallOutcome::Discarded);
        }
        match self.inner.on_error_of(node, 0) {
            Some(key) => {
                let _stopped = env.handle_error(&key, msg, failure.error).await?;
                Ok(CallOutcome::Handled)
            }
            None => Err(failure.error),
        }
    }

    /// [`fail`](Self::fail) for a failed `result`; the answer on `msg` otherwise.
    async fn finish(
        &self,
        node: &Node,
        msg: &mut MessageContext,
        result: Result<mediate_core::transport::InboundResponse, Failure>,
        env: &Env,
    ) -> Result<CallOutcome, MediationError> {
        match result {
            Ok(response) => {
                wire::apply_response(msg, response);
                Ok(CallOutcome::Response)
            }
            Err(failure) => self.fail(node, msg, failure, env).await,
        }
    }

    /// Sends `msg` through `endpoint` and gives one [`Delivery`] per message sent, each as
    /// soon as it is made: one for every ready recipient of a recipient list (each a copy of
    /// `msg`, all sent at the same time, given in the order they are answered), else exactly
    /// one, as [`call`](Self::call) makes it. This is what `send` uses: Synapse runs each
    /// recipient's response through the response flow as it arrives.
    ///
    /// The returned future resolves once the message is on its way (for one endpoint, once it
    /// has its outcome); a recipient list's sends go on while the [`Deliveries`] are polled.
    pub async fn call_all<'a>(
        &'a self,
        endpoint: Option<&EndpointDefinition>,
        mut msg: MessageContext,
        env: &'a Env,
    ) -> Deliveries<'a> {
        let target = match endpoint.map(|def| self.inner.node_for(def)) {
            Some(Ok(node)) => self.inner.follow(&node, &msg, &env.xpath_scope()),
            Some(Err(error)) => {
                return Deliveries::one(Delivery {
                    message: msg,
                    outcome: Err(error),
                });
            }
            None => None,
        };
        if let Some(Node::Group(group)) = &target
            && let GroupKind::RecipientList(recipients) = &group.kind
        {
            return self.fan_out(group, recipients, msg, env).await;
        }
        let outcome = self.call(endpoint, &mut msg, env).await;
        Deliveries::one(Delivery {
            message: msg,
            outcome,
        })
    }

    /// A copy of `msg` to every ready recipient, at once.
    async fn fan_out<'a>(
        &'a self,
        group: &node::Group,
        recipients: &node::Recipients,
        mut msg: MessageContext,
        env: &'a Env,
    ) -> Deliveries<'a> {
        let prepared = async {
            msg.read_body().await.map_err(body_error)?;
            for p in &group.properties {
                p.apply(&mut msg, &env.xpath_scope())
                    .map_err(MediationError::mediator)?;
            }
            self.inner.recipients(recipients, &msg, &env.xpath_scope())
        };
        let children = match prepared.await {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => {
                return Deliveries::one(Delivery {
                    outcome: Err(none_ready_recipients(group)),
                    message: msg,
                });
            }
            Err(error) => {
                return Deliveries::one(Delivery {
                    message: msg,
                    outcome: Err(error),
                });
            }
        };
        let sends: FuturesUnordered<BoxFuture<'a, Delivery>> = children
            .into_iter()
            .map(|child| {
                let mut copy = msg.clone();
                let send: BoxFuture<'a, Delivery> = Box::pin(async move {
                    let mut exchange = Exchange::new(&self.inner, env);
                    let result = exchange.send_node(&child, &mut copy, false).await;
                    let outcome = self.finish(&child, &mut copy, result, env).await;
                    Delivery {
                        message: copy,
                        outcome,
                    }
                });
                send
            })
            .collect();
        Deliveries {
            state: DeliveriesState::Many(sends),
        }
    }

    /// The state of the named endpoint `name`.
    pub fn status(&self, name: &str) -> Option<EndpointStatus> {
        let node = self.inner.named.get(name)?;
        Some(self.inner.status_of(node, Instant::now()))
    }

    /// Every named endpoint with its state, by name.
    pub fn statuses(&self) -> Vec<(String, EndpointStatus)> {
        let now = Instant::now();
        let mut out: Vec<(String, EndpointStatus)> = self
            .inner
            .named
            .iter()
            .map(|(n, node)| (n.clone(), self.inner.status_of(node, now)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The names of the deployed endpoints, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.inner.named.keys().map(String::as_str)
    }

    /// Switches the named endpoint off (MI's management API `"status": "inactive"`): its
    /// leaves send nothing until switched on. `false` when no endpoint has that name.
    pub fn switch_off(&self, name: &str) -> bool {
        self.switch(name, false)
    }

    /// Switches the named endpoint on again (active, its suspension series reset).
    pub fn switch_on(&self, name: &str) -> bool {
        self.switch(name, true)
    }

    fn switch(&self, name: &str, on: bool) -> bool {
        let Some(node) = self.inner.named.get(name) else {
            return false;
        };
        let mut leaves = Vec::new();
        node.leaves(&mut leaves);
        for leaf in leaves {
            leaf.switch(on);
        }
        true
    }
}

impl Inner {
    /// The compiled node of an inline definition (or a `key` reference).
    fn node_for(&self, def: &EndpointDefinition) -> Result<Node, MediationError> {
        if let EndpointKind::Indirect { key } = &def.kind
            && def.on_error.is_none()
        {
            return Ok(Node::Indirect {
                key: Arc::from(key.as_str()),
                on_error: None,
            });
        }
        let address = std::ptr::from_ref(def) as usize;
        let mut cache = lock(&self.inline);
        if let Some((cached, node)) = cache.get(&address)
            && cached == def
        {
            return Ok(node.clone());
        }
        let compiler = Compiler {
            templates: &self.templates,
        };
        let node = compiler.compile(def, None).map_err(|e| {
            MediationError::mediator(format!(
                "endpoint `{}`: {e}",
                def.name.as_deref().unwrap_or(node::ANONYMOUS)
            ))
        })?;
        cache.insert(address, (def.clone(), node.clone()));
        Ok(node)
    }

    /// The leaves of `node`, following `key` references (bounded, so a loop ends).
    fn leaves_following(&self, node: &Node, out: &mut Vec<Arc<Leaf>>, depth: u32) {
        if depth > 16 {
            return;
        }
        match node {
            Node::Indirect { key, .. } => {
                if let Some(n) = self.named.get(&**key) {
                    self.leaves_following(n, out, depth + 1);
                }
            }
            Node::Group(_) => {
                for child in node.children() {
                    self.leaves_following(&child, out, depth + 1);
                }
            }
            Node::Leaf(l) => out.push(l.clone()),
            Node::Resolving(_) => {}
        }
    }

    fn status_of(&self, node: &Node, now: Instant) -> EndpointStatus {
        let active = self.ready(node, now, 0);
        let kind = match node {
            Node::Indirect { key, .. } => {
                self.named.get(&**key).map_or("indirect", Node::type_name)
            }
            other => other.type_name(),
        };
        let mut leaves = Vec::new();
        self.leaves_following(node, &mut leaves, 0);
        let state = match (node, leaves.as_slice()) {
            (Node::Leaf(l), _) => l.state(),
            (_, []) => EndpointState::Active,
            _ if active => EndpointState::Active,
            (_, leaves) => {
                let states: Vec<EndpointState> = leaves.iter().map(|l| l.state()).collect();
                if states.iter().all(|s| *s == EndpointState::Off) {
                    EndpointState::Off
                } else {
                    states
                        .iter()
                        .filter(|s| s.retry_at().is_some())
                        .min_by_key(|s| s.retry_at())
                        .copied()
                        .unwrap_or(EndpointState::Active)
                }
            }
        };
        EndpointStatus {
            kind,
            state,
            active,
        }
    }
}

/// Response helpers the mediators share with the runtime.
mod wire_api {
    use mediate_core::{MessageContext, PropertyValue};

    /// The payload of `msg` as a typed property value: JSON (`application/json`…), XML (an
    /// `OM` value) or text; a `call`'s `<target type="property">` stores the response so. The
    /// body must have been read ([`MessageContext::read_body`]).
    ///
    /// ```
    /// use mediate_core::{MessageContext, PropertyValue};
    /// use mediate_endpoints::payload_value;
    ///
    /// let json = payload_value(&MessageContext::from_json(r#"{"a":1}"#));
    /// assert!(matches!(json, PropertyValue::Json(ref v) if v["a"] == 1));
    /// assert!(matches!(payload_value(&MessageContext::from_xml("<a/>")), PropertyValue::Om(_)));
    /// assert_eq!(payload_value(&MessageContext::from_text("hi")).as_string(), "hi");
    /// ```
    pub fn payload_value(msg: &MessageContext) -> PropertyValue {
        super::wire::payload_value(msg)
    }
}
