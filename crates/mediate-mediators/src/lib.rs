//! The built-in mediators of mediate, each with the options WSO2 Micro Integrator documents.
//!
//! Every mediator is a typed configuration (data) that `build`s into a runtime
//! [`Mediator`](mediate_core::Mediator) (behaviour), one module each.

pub mod enrich;
pub mod filter;
pub mod freemarker;
pub mod header;
pub mod log;
pub mod makefault;
pub mod payload_factory;
pub mod property;
pub mod simple;
pub mod switch;
pub mod value;
pub mod variable;
