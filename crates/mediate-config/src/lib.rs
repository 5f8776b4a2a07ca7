//! Synapse XML configuration for mediate: reads the artifacts of a WSO2 Micro Integrator
//! project (namespace `http://ws.apache.org/ns/synapse`) into a typed, validated
//! [`Configuration`], reports every problem of every file at once as `FILE:LINE:COL: message`,
//! builds the runtime objects through a mediator [`Registry`](mediate_core::Registry), and
//! writes the configuration back as Synapse XML.
//!
//! | step | item |
//! |---|---|
//! | one file's text → artifacts | [`load_str`], [`load_bytes`] |
//! | a project folder (MI layout or flat) → checked configuration | [`load_dir`] |
//! | what an artifact says | [`ArtifactConfig`]: [`ApiConfig`], [`ProxyConfig`], [`SequenceConfig`], [`EndpointConfig`], [`LocalEntryConfig`], [`TemplateConfig`] |
//! | checks across artifacts (missing keys, duplicate names and API contexts) | [`Configuration::check`] |
//! | runtime objects | [`Configuration::deploy`] → [`Deployment`] |
//! | one element → the value a mediator factory builds from | [`spec_from_element`] |
//! | back to Synapse XML | [`spec_to_xml`] and each artifact's `to_spec` |
//!
//! A mediator element becomes a [`MediatorSpec`](mediate_core::MediatorSpec), built by the
//! registry's factory of that name: `<class name="com.acme.Audit">` becomes kind
//! `com.acme.Audit`, so a custom mediator registered by the embedding program is configurable
//! from XML, and a program can register its own element name for its own mediator.
//!
//! ```
//! use mediate_core::MessageContext;
//! use mediate_config::{load_str, ArtifactConfig, Configuration};
//!
//! let registry = mediate_mediators::builtins::registry();
//! let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
//!     <property name="seen" value="yes"/>
//! </sequence>"#;
//! let configuration = Configuration::new(load_str(xml, "main.xml".as_ref(), &registry)?);
//! let deployment = configuration.deploy(&registry)?;
//! let main = &deployment.sequences()["main"];
//! let mut msg = MessageContext::from_xml("<a/>");
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(deployment.env().run(main, &mut msg))?;
//! assert!(msg.property("seen").is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Problems are reported, never stopped at: every faulty mediator of every file, each at the
//! faulty attribute's value (an expression's compile error at the column inside it), with a
//! "did you mean" for a misspelt element, attribute or key.

mod api;
mod artifact;
mod car;
mod check;
mod configuration;
mod diagnostic;
mod element;
mod endpoint;
mod load;
mod local_entry;
mod placeholder;
mod proxy;
mod read;
mod registry;
mod sequence;
mod template;
mod unsupported;
mod write;

pub use api::{
    ApiConfig, ApiVersion, HandlerConfig, Method, ParameterValue, Protocol, ResourceConfig,
    ResourceDispatch, UnknownMethod, VersionType,
};
pub use artifact::{ArtifactConfig, ArtifactKind, Span, UnsupportedArtifact};
pub use configuration::{Configuration, Deployment};
pub use diagnostic::{Diagnostic, Diagnostics};
pub use element::{SYNAPSE_NS, spec_from_element};
pub use endpoint::EndpointConfig;
pub use load::{
    SUPPORTED_ARTIFACTS, UNSUPPORTED_ARTIFACTS, load_bytes, load_dir, load_dir_with, load_str,
    load_str_with,
};
pub use local_entry::file_url_path;
pub use local_entry::{LocalEntryConfig, LocalEntryValue};
pub use placeholder::LoadOptions;
pub use proxy::{EndpointRef, ProxyConfig, ProxyParameter, ProxyTarget};
pub use registry::registry_key;
pub use sequence::{SequenceConfig, SequenceRef};
pub use template::{TemplateBody, TemplateConfig, TemplateParameterConfig};
pub use write::{XmlWriter, spec_to_xml, write_spec};
