//! **mediate**: an embeddable mediation engine with the semantics of Apache Synapse and
//! WSO2 Micro Integrator (MI 4.4 and later).
//!
//! This facade is the one crate an embedding program depends on. It re-exports the workspace's
//! crates as modules and gathers the everyday names in [`prelude`].
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`message`] | `mediate-message` | [`MessageContext`](message::MessageContext): payload, envelope, properties, variables |
//! | [`expr`] | `mediate-expr` | [`Expression`](expr::Expression): XPath, `json-eval`, `${…}` compiled once |
//! | [`xpath`] | `mediate-xpath` | the XPath 1.0 engine on its own |
//! | [`core`] | `mediate-core` | [`Mediator`](core::Mediator), [`Sequence`](core::Sequence), [`Env`](core::Env), [`Registry`](core::Registry), [`MediationError`](core::MediationError), [`Template`](core::Template) |
//! | [`mediators`] | `mediate-mediators` | the built-in mediators and their typed configurations |
//! | [`endpoints`] | `mediate-endpoints` | typed endpoint definitions |
//! | [`config`] | `mediate-config` | Synapse XML artifacts: read, checked, deployed, written back |
//!
//! Transports and the runtime join this facade as they land.
//!
//! ```
//! use mediate::prelude::*;
//!
//! let mut msg = MessageContext::from_json(r#"{"order":{"id":"A-1","total":10.5}}"#);
//! msg.set_property("rate", 0.2);
//! let ns = Namespaces::new();
//! let total = Expression::compile("${payload.order.total * (1 + properties.synapse.rate)}", &ns)?;
//! assert_eq!(total.evaluate_string(&msg)?, "12.6");
//! let id = Expression::compile("//order/id", &ns)?;
//! assert_eq!(id.evaluate_string(&msg)?, "A-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use bytes;
pub use http;
pub use roxmltree;
pub use serde_json;

/// The message context (`mediate-message`).
pub mod message {
    pub use mediate_message::*;
}

/// Expressions: XPath with Synapse's functions, `json-eval`, `${…}` (`mediate-expr`).
pub mod expr {
    pub use mediate_expr::*;
}

/// The mediator trait, sequences with onError/fault handling, the environment and the
/// registry (`mediate-core`).
pub mod core {
    pub use mediate_core::*;
}

/// The built-in mediators: log, property, variable, filter, switch, payloadFactory, enrich,
/// header, makefault, respond, drop, loopback, sequence, call-template, and the
/// configurations of call and send (`mediate-mediators`).
pub mod mediators {
    pub use mediate_mediators::*;
}

/// Typed endpoint definitions: address, http, default, load-balance, failover, recipient
/// list, template (`mediate-endpoints`).
pub mod endpoints {
    pub use mediate_endpoints::*;
}

/// The runtime: a deployed configuration served over HTTP, its request engine, management
/// port and metrics (`mediate-runtime`).
pub mod runtime {
    pub use mediate_runtime::*;
}

/// The HTTP transport (`mediate-transport-http`).
pub mod transport {
    pub use mediate_transport_http::*;
}

/// Synapse XML configuration: every artifact of an MI project read into a typed, checked
/// configuration with `FILE:LINE:COL` diagnostics, deployed through the registry, and written
/// back as Synapse XML (`mediate-config`).
pub mod config {
    pub use mediate_config::*;
}

/// XPath 1.0 over roxmltree (`mediate-xpath`).
pub mod xpath {
    pub use mediate_xpath::*;
}

/// Guides, with their examples compiled and run as doc tests.
pub mod guide {
    /// The three expression languages and their MI semantics (`docs/expressions.md`).
    #[doc = include_str!("../../../docs/expressions.md")]
    pub mod expressions {}

    /// Synapse XML configuration: layouts, artifacts, checks, values from outside
    /// (`docs/configuration.md`).
    #[doc = include_str!("../../../docs/configuration.md")]
    pub mod configuration {}

    /// How to write, register, configure and test a custom mediator
    /// (`docs/writing-a-mediator.md`).
    #[doc = include_str!("../../../docs/writing-a-mediator.md")]
    pub mod writing_a_mediator {}

    /// One page per built-in mediator (`docs/mediators/`), examples compiled and run.
    #[doc = include_str!("../../../docs/mediators/README.md")]
    pub mod mediators {
        /// `docs/mediators/log.md`.
        #[doc = include_str!("../../../docs/mediators/log.md")]
        pub mod log {}

        /// `docs/mediators/property.md`.
        #[doc = include_str!("../../../docs/mediators/property.md")]
        pub mod property {}

        /// `docs/mediators/variable.md`.
        #[doc = include_str!("../../../docs/mediators/variable.md")]
        pub mod variable {}

        /// `docs/mediators/filter.md`.
        #[doc = include_str!("../../../docs/mediators/filter.md")]
        pub mod filter {}

        /// `docs/mediators/switch.md`.
        #[doc = include_str!("../../../docs/mediators/switch.md")]
        pub mod switch {}

        /// `docs/mediators/payload-factory.md`.
        #[doc = include_str!("../../../docs/mediators/payload-factory.md")]
        pub mod payload_factory {}

        /// `docs/mediators/enrich.md`.
        #[doc = include_str!("../../../docs/mediators/enrich.md")]
        pub mod enrich {}

        /// `docs/mediators/header.md`.
        #[doc = include_str!("../../../docs/mediators/header.md")]
        pub mod header {}

        /// `docs/mediators/makefault.md`.
        #[doc = include_str!("../../../docs/mediators/makefault.md")]
        pub mod makefault {}

        /// `docs/mediators/respond.md`.
        #[doc = include_str!("../../../docs/mediators/respond.md")]
        pub mod respond {}

        /// `docs/mediators/drop.md`.
        #[doc = include_str!("../../../docs/mediators/drop.md")]
        pub mod drop {}

        /// `docs/mediators/loopback.md`.
        #[doc = include_str!("../../../docs/mediators/loopback.md")]
        pub mod loopback {}

        /// `docs/mediators/sequence.md`.
        #[doc = include_str!("../../../docs/mediators/sequence.md")]
        pub mod sequence {}

        /// `docs/mediators/call-template.md`.
        #[doc = include_str!("../../../docs/mediators/call-template.md")]
        pub mod call_template {}
    }

    /// The workspace README, whose embedding example is compiled and run.
    #[doc = include_str!("../../../README.md")]
    pub mod readme {}
}

/// The names most programs need.
pub mod prelude {
    pub use mediate_core::{
        Env, Flow, IntoMediator, MediationError, Mediator, MediatorSpec, Registry, Sequence,
        SequenceBuilder, async_trait, mediator_fn,
    };
    pub use mediate_expr::{CompileError, Evaluated, EvaluationError, Expression, ExpressionKind};
    pub use mediate_message::{MessageContext, PropertyValue, Scope, VariableValue};
    pub use mediate_xpath::Namespaces;
}
