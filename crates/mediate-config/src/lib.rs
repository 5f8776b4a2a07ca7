//! Synapse XML configuration for mediate: reads the artifacts of a WSO2 Micro Integrator
//! project (namespace `http://ws.apache.org/ns/synapse`) into runtime objects, and reports
//! every problem of every file at once as `FILE:LINE:COL: message`.
//!
//! # This slice
//!
//! - [`spec_from_element`]: one Synapse XML element to the [`MediatorSpec`](mediate_core::MediatorSpec)
//!   a [`Registry`](mediate_core::Registry) factory builds from, with the position of the
//!   element and of each attribute value (`<class name="X">` becomes kind `X`, so a custom
//!   mediator registered by the embedding program is configurable from XML);
//! - [`load_str`] / [`load_bytes`]: one artifact file: a `<sequence name onError>` built
//!   through the registry (each top-level mediator on its own, so that all faulty ones are
//!   reported), or a `<localEntry key>` (text or inline XML; `src` is refused as not supported
//!   yet). XML syntax errors (a DTD is refused) are one diagnostic at the error's place; a
//!   build error is at the faulty attribute's value, and an expression's compile error at the
//!   column inside the expression;
//! - [`load_dir`]: every `*.xml` under a folder (MI project layout or flat): sequences and
//!   local entries as a [`Loaded`] (its [`env`](Loaded::env) deploys them); any other Synapse
//!   artifact (`api`, `proxy`, `endpoint`, `template`, `inboundEndpoint`, `messageStore`,
//!   `messageProcessor`, `definitions`…) is a "not supported yet" diagnostic, an unknown root
//!   element gets a "did you mean", a name defined twice is reported at the second definition.
//!
//! ```
//! use mediate_core::MessageContext;
//! use mediate_config::{load_str, Artifact};
//!
//! let registry = mediate_mediators::builtins::registry();
//! let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
//!     <property name="seen" value="yes"/>
//! </sequence>"#;
//! let Ok(Artifact::Sequence(main)) = load_str(xml, "main.xml".as_ref(), &registry) else {
//!     panic!("loads")
//! };
//! let mut msg = MessageContext::from_xml("<a/>");
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(mediate_core::Env::default().run(&main, &mut msg))?;
//! assert!(msg.property("seen").is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What comes next
//!
//! The other artifacts (`api`, `proxy`, `endpoint`, `template`, `definitions`, inbound
//! endpoints, stores and processors), cross-artifact checks (keys referring to nothing,
//! duplicate API contexts), unknown-element checks beyond what each mediator's `from_spec`
//! refuses, `$SYSTEM:`/`$FILE:` values and registry resources, `.car` archives, serialization
//! back to Synapse XML, and `mediate check DIR`.

mod diagnostic;
mod element;
mod load;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use element::{SYNAPSE_NS, spec_from_element};
pub use load::{
    Artifact, Loaded, LocalEntry, SUPPORTED_ARTIFACTS, UNSUPPORTED_ARTIFACTS, load_bytes, load_dir,
    load_str,
};
