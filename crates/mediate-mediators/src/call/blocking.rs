//! The exchange of a blocking `<call blocking="true">`: what MI 4.4's blocking client
//! (`CallMediator.handleBlockingCall`, `BlockingMsgSender`) lets a user observe, on top of the
//! same asynchronous endpoint runtime as a non-blocking call (see the
//! [`call` module](super) documentation for the list).

use mediate_core::{Env, Flow, MediationError, MessageContext, Scope};
use mediate_endpoints::{
    CallOptions, CallOutcome, EndpointDefinition, EndpointKind, Endpoints, FailedResponse,
};

use super::{Call, body_error, keep_status, store_in_target, synapse_flag};

/// MI's `BLOCKING_CALL_OPERATION_FAILED`: a blocking call that could not be made at all
/// (here: through a recipient list named by key).
pub(crate) const BLOCKING_CALL_OPERATION_FAILED: i32 = 401_001;

/// Synapse property (default scope) `"true"` after a blocking call failed, `"false"` after it
/// succeeded.
const BLOCKING_SENDER_ERROR: &str = "BLOCKING_SENDER_ERROR";

/// Synapse property (default scope): `"false"` makes the message take the response's transport
/// headers; otherwise it keeps the request's.
const PRESERVE_REQ_HEADERS: &str = "BLOCKING_SENDER_PRESERVE_REQ_HEADERS";

/// Whether `def` is a kind the blocking client refuses at deploy time: a recipient list (MI's
/// blocking client sends to leaves, failover and load-balance groups only).
pub(super) fn refused_kind(def: &EndpointDefinition) -> bool {
    matches!(def.kind, EndpointKind::RecipientList(_))
}

/// What a blocking call is refused with for a recipient list.
pub(super) const REFUSED_REASON: &str = "a blocking `call` (`blocking=\"true\"`) cannot send to a `<recipientlist>` endpoint: MI's blocking client sends to a leaf, `<failover>` or `<loadbalance>` endpoint only (use a non-blocking `call` or `send`)";

/// Runs a blocking call of `call` for `msg`.
pub(super) async fn call(
    call: &Call,
    endpoints: &Endpoints,
    msg: &mut MessageContext,
    env: &Env,
) -> Result<Flow, MediationError> {
    let endpoint = call.config.endpoint.as_ref();
    if let Some(EndpointDefinition {
        kind: EndpointKind::Indirect { key },
        ..
    }) = endpoint
        && endpoints
            .status(&key.key)
            .is_some_and(|s| s.kind == "recipientlist")
    {
        return Err(failed(
            msg,
            MediationError::new(
                BLOCKING_CALL_OPERATION_FAILED,
                mediate_core::Origin::Internal,
                format!("endpoint `{}`: {REFUSED_REASON}", key.key),
            ),
        ));
    }
    msg.remove_scoped_property(Scope::Default, BLOCKING_SENDER_ERROR);
    // MI's blocking call is content-aware: the request is built before it is sent.
    msg.read_body().await.map_err(|e| body_error(e, false))?;
    let mut request = msg.clone();
    if let Some((payload, content_type)) = call.source_payload(msg, env)? {
        request.set_payload(payload, content_type);
    }
    let out_only = synapse_flag(msg, "OUT_ONLY");
    // The blocking client's semantics are the endpoint runtime's under these options: an
    // error status or a SOAP fault answer fails the endpoint (its suspension, a group's next
    // child), and every failure of a send carries 401002 (a timeout whatever its
    // `responseAction`: a blocking client has no timeout handler that could discard).
    let outcome = match endpoints
        .call_with(endpoint, &mut request, env, CallOptions::blocking())
        .await
    {
        Ok(outcome) => outcome,
        Err(err) => {
            match FailedResponse::of(&err) {
                // Axis2 throws the SOAP fault: the message takes the fault envelope and its
                // status (an out-only send keeps its message), and keeps its own headers.
                Some(answer) if answer.soap_fault && !out_only => {
                    request.read_body().await.map_err(|e| body_error(e, true))?;
                    let headers = std::mem::take(msg.transport_headers_mut());
                    *msg = request;
                    *msg.transport_headers_mut() = headers;
                }
                // Any other status than 2xx is a transport error of the blocking client: the
                // message keeps the request, with the status as `HTTP_SC`.
                Some(answer) => msg.set_status(answer.status),
                None => {}
            }
            return Err(failed(msg, err));
        }
    };
    if outcome != CallOutcome::Response {
        // The endpoint's `onError` sequence handled the failure: the flow stops.
        *msg = request;
        return Ok(Flow::Stop);
    }
    if out_only {
        // The blocking client waits for the answer of an out-only send and records its
        // status; the flow goes on with the message as it was.
        drop(request.take_unread_body());
        if let Some(status) = request.status() {
            msg.set_status(status);
        }
        msg.set_property(BLOCKING_SENDER_ERROR, "false");
        return Ok(Flow::Continue);
    }
    // MI builds the response of a blocking call.
    request.read_body().await.map_err(|e| body_error(e, true))?;
    let preserve = !msg
        .scoped_property(Scope::Default, PRESERVE_REQ_HEADERS)
        .is_some_and(|v| v.as_string().trim().eq_ignore_ascii_case("false"));
    if store_in_target(call.config.target.as_ref(), msg, &mut request).await? {
        keep_status(msg, &request);
        if !preserve {
            *msg.transport_headers_mut() = std::mem::take(request.transport_headers_mut());
        }
    } else {
        if preserve {
            *request.transport_headers_mut() = std::mem::take(msg.transport_headers_mut());
        }
        *msg = request;
    }
    msg.set_property(BLOCKING_SENDER_ERROR, "false");
    Ok(Flow::Continue)
}

/// Marks `msg` as failed (`BLOCKING_SENDER_ERROR`) and gives `err` back.
fn failed(msg: &mut MessageContext, err: MediationError) -> MediationError {
    msg.set_property(BLOCKING_SENDER_ERROR, "true");
    err
}
