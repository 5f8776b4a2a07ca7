//! Helpers shared by the mediator tests that build flows from specs.

#![allow(dead_code, unreachable_pub)]

use mediate_core::{MediatorSpec, Sequence};

/// An inline address endpoint: `<endpoint><address uri="…"/></endpoint>`.
pub fn address(uri: &str) -> MediatorSpec {
    MediatorSpec::new("endpoint").child(MediatorSpec::new("address").property("uri", uri))
}

/// A named sequence of the mediators built from `specs` by the builtin registry.
pub fn sequence(name: &str, specs: Vec<MediatorSpec>) -> Sequence {
    let registry = mediate_mediators::builtins::registry();
    specs.iter().fold(Sequence::named(name), |seq, spec| {
        seq.then_arc(registry.build(spec).expect("mediator builds"))
    })
}
