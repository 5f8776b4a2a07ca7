//! **mediate-core** is the crate a custom-mediator author depends on: the [`Mediator`] trait,
//! the [`Flow`] it returns, the [`MediationError`] it fails with, and re-exports of the message
//! ([`message`], [`MessageContext`]) and expression ([`expr`], [`Expression`]) types a mediator
//! works with. Programs that embed the whole engine depend on the `mediate` facade instead.
//!
//! It also holds what runs mediators: [`Sequence`] (an ordered list with Synapse's
//! onError/fault resolution and per-sequence counters), [`Template`] (a parameterised sequence
//! run by `call-template`), [`Env`] (the read-only environment passed beside the message, with
//! [`Env::run`] for the top of a flow) and [`Registry`] (names to factories that build mediators
//! from a [`MediatorSpec`]).
//!
//! | item | what it is |
//! |---|---|
//! | [`Mediator`] | one step of a flow (`async fn mediate(&self, msg, env)`) |
//! | [`mediator_fn`] | a one-off mediator from a closure |
//! | [`Flow`] | `Continue` or `Stop` |
//! | [`MediationError`], [`Origin`], [`codes`] | a failure with its Synapse code, origin, retryability and cause |
//! | [`MAX_NESTING_DEPTH`] | the bound on nested named sequences and templates per message (a loop fails, never overflows) |
//! | [`Sequence`], [`SequenceStats`] | ordered mediators, onError, counters |
//! | [`Template`], [`TemplateParameter`] | sequence templates: declared parameters, defaults, the function stack frame |
//! | [`Env`], [`EnvBuilder`] | sequences and templates by key; running a flow with its fault sequence |
//! | [`Registry`], [`MediatorSpec`], [`BuildError`] | name → factory; configuration → mediator |
//! | [`SequenceBuilder`], [`IntoMediator`] | a flow built in code, one `?` at the end |
//! | [`suggestions`], [`closest`], [`did_you_mean`] | "did you mean" names for an "unknown …" message |
//! | [`tasks`] | background tasks (`send`, out-only `call`) a server waits for before it stops |
//! | [`header_pool`] | header maps a thread keeps for reuse (the transport's and the formatter's) |
//!
//! ```
//! use std::sync::Arc;
//! use mediate_core::{mediator_fn, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry, Sequence};
//!
//! let mut registry = Registry::new();
//! registry.register("com.acme.Stamp", |spec: &MediatorSpec| {
//!     let header = spec.require("header")?.to_owned();
//!     Ok(Arc::new(mediator_fn("class:com.acme.Stamp", move |msg: &mut MessageContext| {
//!         msg.set_transport_header(&header, "yes")?;
//!         Ok::<_, MediationError>(Flow::Continue)
//!     })) as Arc<dyn Mediator>)
//! });
//! let stamp = registry.build(&MediatorSpec::new("com.acme.Stamp").property("header", "X-Stamped"))?;
//! let main = Sequence::named("main").then_arc(stamp);
//!
//! let mut msg = MessageContext::from_json(r#"{"order":1}"#);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! let flow = rt.block_on(Env::default().run(&main, &mut msg))?;
//! assert_eq!(flow, Flow::Continue);
//! assert_eq!(msg.transport_header("X-Stamped").as_deref(), Some("yes"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The crate emits `tracing` spans and events; installing a subscriber is the binary's job.

mod builder;
mod env;
mod error;
pub mod exchange;
mod fault;
mod flow;
pub mod format;
pub mod header_pool;
mod mediator;
mod mediator_fn;
mod nesting;
mod registry;
mod sequence;
mod spec;
mod stats;
mod suggest;
pub mod tasks;
mod template;
pub mod transport;

pub use builder::{IntoMediator, SequenceBuilder};
pub use env::{Env, EnvBuilder, FAULT_SEQUENCE_KEY};
pub use error::{MediationError, Origin, codes};
pub use flow::Flow;
pub use mediator::Mediator;
pub use mediator_fn::{MediatorFn, mediator_fn};
pub use nesting::MAX_NESTING_DEPTH;
pub use registry::{BuildError, Factory, NestedFactory, Registry};
pub use sequence::Sequence;
pub use spec::{MediatorSpec, Position};
pub use stats::SequenceStats;
pub use suggest::{closest, did_you_mean, suggestions};
pub use template::{MANDATORY_PARAMETER_MISSING, Template, TemplateParameter};

/// Re-exported: implement [`Mediator`] with `#[async_trait]`.
pub use async_trait::async_trait;

/// The message context (`mediate-message`), re-exported.
pub mod message {
    pub use mediate_message::*;
}

/// Expressions (`mediate-expr`), re-exported.
pub mod expr {
    pub use mediate_expr::*;
}

pub use mediate_expr::{EvaluationError, Expression, Namespaces};
pub use mediate_message::{Fault, MessageContext, PropertyValue, Scope, VariableValue};
