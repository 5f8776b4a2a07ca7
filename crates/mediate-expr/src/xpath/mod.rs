//! Synapse's XPath: XPath 1.0 plus Synapse's functions and variables, evaluated over a message.

mod entries;
mod serialize;
mod string_value;
mod synapse;

pub use entries::{LocalEntries, LocalEntry};
pub use serialize::{node_to_xml, write_node};
pub use string_value::synapse_string_value;
pub use synapse::{SynapseFunctions, SynapseXPath, XPathEvalError, XPathScope};
