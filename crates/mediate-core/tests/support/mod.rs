//! Shared helpers: mediators that leave a trail on the message.

#![allow(dead_code)]

use mediate_core::{Flow, MediationError, Mediator, MediatorFn, MessageContext, mediator_fn};

/// The labels the `mark`/`stop`/`fail` mediators appended, in order, space-separated.
pub(crate) fn trail(msg: &MessageContext) -> String {
    msg.property("trail")
        .map(|v| v.as_string())
        .unwrap_or_default()
}

fn push(msg: &mut MessageContext, label: &str) {
    let mut t = trail(msg);
    if !t.is_empty() {
        t.push(' ');
    }
    t.push_str(label);
    msg.set_property("trail", t);
}

/// Appends `label` to the trail and continues.
pub(crate) fn mark(
    label: &'static str,
) -> MediatorFn<impl Fn(&mut MessageContext) -> Result<Flow, MediationError> + Send + Sync> {
    mediator_fn(label, move |msg: &mut MessageContext| {
        push(msg, label);
        Ok(Flow::Continue)
    })
}

/// Appends `label` to the trail and stops.
pub(crate) fn stop(label: &'static str) -> impl Mediator {
    mediator_fn(label, move |msg: &mut MessageContext| {
        push(msg, label);
        Ok(Flow::Stop)
    })
}

/// Appends `label` to the trail and fails with `err()`.
pub(crate) fn fail(label: &'static str, err: fn() -> MediationError) -> impl Mediator {
    mediator_fn(label, move |msg: &mut MessageContext| {
        push(msg, label);
        Err(err())
    })
}

/// A mediator that never reads the body.
pub(crate) fn quiet(label: &'static str) -> impl Mediator {
    mark(label).with_reads_body(false)
}
