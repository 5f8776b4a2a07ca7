//! Compile-once, evaluate-many expressions for mediate: Synapse XPath, `json-eval` and `${…}`.
//!
//! (crate docs to be written when the pieces land)

pub mod datefmt;
pub mod java;
pub mod jsonpath;
pub mod synapse;
pub mod xpath;
