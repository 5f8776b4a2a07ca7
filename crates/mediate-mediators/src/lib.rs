//! The built-in mediators of mediate, each with the options WSO2 Micro Integrator documents.
//!
//! Every mediator is a typed configuration (data) that `build`s into a runtime
//! [`Mediator`](mediate_core::Mediator) (behaviour), one module each. Each configuration reads
//! its Synapse XML shape from a [`MediatorSpec`](mediate_core::MediatorSpec) (`from_spec`), and
//! [`builtins`] registers them all in a [`Registry`](mediate_core::Registry) under their
//! element names.
//!
//! | element | module | configuration |
//! |---|---|---|
//! | `log` | [`log`] | [`LogConfig`](log::LogConfig) |
//! | `property` | [`property`] | [`PropertyConfig`](property::PropertyConfig) |
//! | `variable` | [`variable`] | [`VariableConfig`](variable::VariableConfig) |
//! | `filter` | [`filter`] | [`FilterConfig`](filter::FilterConfig) |
//! | `switch` | [`switch`] | [`SwitchConfig`](switch::SwitchConfig) |
//! | `payloadFactory` | [`payload_factory`] | [`PayloadFactoryConfig`](payload_factory::PayloadFactoryConfig) (FreeMarker in [`freemarker`]) |
//! | `enrich` | [`enrich`] | [`EnrichConfig`](enrich::EnrichConfig) |
//! | `header` | [`header`] | [`HeaderConfig`](header::HeaderConfig) |
//! | `makefault` | [`makefault`] | [`MakeFaultConfig`](makefault::MakeFaultConfig) |
//! | `drop`, `respond`, `loopback` | [`simple`] | [`Drop`](simple::Drop), [`Respond`](simple::Respond), [`Loopback`](simple::Loopback) |
//! | `sequence` | [`simple`] | [`SequenceRefConfig`](simple::SequenceRefConfig) |
//! | `call-template` | [`call_template`] | [`CallTemplateConfig`](call_template::CallTemplateConfig) |
//! | `call`, `send` | [`call`], [`send`] | [`CallConfig`](call::CallConfig), [`SendConfig`](send::SendConfig): configuration only; sending comes with the HTTP transport |
//!
//! Every mediator element also takes what Synapse's `AbstractMediatorFactory` reads on all of
//! them: a `description` attribute and a `<description>` child (kept by MI for tooling; where
//! mediators are listed, in a `<then>`, a `<case>`…, a `<description>` is skipped), and
//! `trace` and `statistics` (`enable` or `disable`; MI collects per-mediator traces and
//! statistics only when they are enabled server-wide, which mediate does not do yet, so they
//! change nothing). Any other attribute or child element is refused, naming what the element
//! takes and the closest name:
//!
//! ```
//! use mediate_core::MediatorSpec;
//!
//! let registry = mediate_mediators::builtins::registry();
//! let log = MediatorSpec::new("log")
//!     .property("category", "WARN")
//!     .property("description", "audit line")
//!     .property("trace", "disable")
//!     .child(MediatorSpec::new("description").text("logs the order"));
//! assert!(registry.build(&log).is_ok());
//!
//! let typo = MediatorSpec::new("log").property("categry", "WARN");
//! let err = registry.build(&typo).unwrap_err().to_string();
//! assert!(err.ends_with("; did you mean `category`?"), "{err}");
//! ```
//!
//! A flow is built in code with [`SequenceBuilder`](mediate_core::SequenceBuilder): every
//! configuration above is [`IntoMediator`](mediate_core::IntoMediator), and a builder is a
//! filter or switch branch.
//!
//! ```
//! use mediate_core::{Env, Flow, MessageContext, SequenceBuilder};
//! use mediate_mediators::filter::FilterConfig;
//! use mediate_mediators::payload_factory::{Arg, PayloadFactoryConfig};
//! use mediate_mediators::property::PropertyConfig;
//!
//! let flow = SequenceBuilder::named("main")
//!     .then(PropertyConfig::set_expression("id", "json-eval($.order.id)"))
//!     .then(FilterConfig::expression("${payload.order.total > 1000}").then(
//!         SequenceBuilder::anonymous().then(PropertyConfig::set_value("priority", "high")),
//!     ))
//!     .then(PayloadFactoryConfig::json(r#"{"id":"$1","priority":"$2"}"#)
//!         .arg(Arg::expression("get-property('id')"))
//!         .arg(Arg::expression("get-property('priority')")))
//!     .build()?;
//!
//! let mut msg = MessageContext::from_json(r#"{"order":{"id":"A-1","total":1500}}"#);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! assert_eq!(rt.block_on(Env::default().run(&flow, &mut msg))?, Flow::Continue);
//! assert_eq!(msg.payload_as_text()?, r#"{"id":"A-1","priority":"high"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod builtins;
pub mod call;
pub mod call_template;
pub mod enrich;
pub mod filter;
pub mod freemarker;
pub mod header;
pub mod java_regex;
pub mod log;
pub mod makefault;
pub mod payload_factory;
pub mod property;
pub mod send;
pub mod simple;
pub mod switch;
pub mod value;
pub mod variable;
pub(crate) mod xml_edit;
