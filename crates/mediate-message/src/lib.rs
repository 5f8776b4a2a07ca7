//! The message context of the mediate engine — what WSO2 Micro Integrator
//! (Apache Synapse) keeps on a message, shaped for Rust.
//!
//! A [`MessageContext`] holds the payload as the [`bytes::Bytes`] it arrived
//! as, with its content type, and parses it only when asked: as XML
//! ([`MessageContext::xml`], a `roxmltree` document with positions), as JSON
//! ([`MessageContext::json`]), or through MI's envelope model
//! ([`MessageContext::envelope`]): every message is a SOAP envelope — the
//! payload itself for SOAP, an implicit SOAP 1.1 envelope around a POX
//! document, around `<jsonObject>`/`<jsonArray>` (MI's JSON → XML mapping, see
//! [`json_xml`]) for JSON, around `axis2ns:text` for text. Views are cached
//! until the payload changes.
//!
//! Next to the payload the context keeps properties by [`Scope`] (typed
//! [`PropertyValue`]s; transport properties are the HTTP headers), MI 4.4
//! variables ([`VariableValue`]), request facts (method, URI, query and path
//! parameters, `REST_URL_POSTFIX`, status), fault facts ([`Fault`]), the
//! message ID and addressing facts.
//!
//! ```
//! use mediate_message::{MessageContext, PropertyValue, Scope, SoapVersion};
//!
//! let mut ctx = MessageContext::from_json(r#"{"order":{"id":7,"items":["a","b"]}}"#);
//! ctx.set_property("customer", "acme");
//! ctx.set_property("total", 25.0);
//!
//! assert_eq!(ctx.property("customer").and_then(PropertyValue::as_str), Some("acme"));
//! assert_eq!(ctx.scoped_property(Scope::Default, "total").unwrap().as_string(), "25.0");
//! assert_eq!(ctx.json()?["order"]["id"], 7);
//!
//! let env = ctx.envelope()?;
//! assert_eq!(env.soap_version(), SoapVersion::Soap11);
//! let first = env.first_body_child().unwrap();
//! assert_eq!(first.tag_name().name(), "jsonObject");
//! let items: Vec<_> = first
//!     .descendants()
//!     .filter(|n| n.has_tag_name("items"))
//!     .filter_map(|n| n.text())
//!     .collect();
//! assert_eq!(items, ["a", "b"]);
//! # Ok::<(), mediate_message::Error>(())
//! ```

mod body;
mod context;
mod error;
pub mod json_xml;
mod payload;
mod property;
mod xml;
pub mod xml_scan;

pub use body::{BodyError, BodyStream, DEFAULT_BODY_LIMIT, PendingBody};
pub use context::{
    Addressing, Fault, JSON_CONTENT_TYPE, MessageContext, TEXT_CONTENT_TYPE, XML_CONTENT_TYPE,
};
pub use error::Error;
pub use json_xml::{JsonXmlError, json_to_xml, xml_to_json};
pub use payload::{PayloadKind, intern_content_type, mime_essence};
pub use property::{
    PropertyMap, PropertyName, PropertyValue, Scope, VariableValue, java_double_to_string,
    java_float_to_string,
};
pub use xml::{
    Envelope, EnvelopeOrigin, MAX_XML_DEPTH, MAX_XML_NODES, PAYLOAD_NS, SOAP11_NS, SOAP12_NS,
    SoapVersion, XmlDocument, XmlValue,
};
pub use xml_scan::{PathStep, PathValue, SimplePath};

/// Re-exported: the XML tree type of the views.
pub use roxmltree;
