//! Helpers shared by the artifact tests: the registry MI's examples need, loading one
//! artifact, its diagnostics, and the serialize-and-read-back check.

use std::path::Path;

use mediate_config::{ArtifactConfig, SequenceRef, load_str};
use mediate_core::Registry;

/// The Synapse namespace declaration, for artifacts written on one line.
pub(crate) const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

/// The built-in mediators (`send` and `call` included: they are read and checked; sending
/// comes with the HTTP transport).
pub(crate) fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

/// The one artifact `xml` holds, read as `file`; panics with the diagnostics otherwise.
pub(crate) fn load_one(xml: &str, file: &str) -> ArtifactConfig {
    match load_str(xml, Path::new(file), &registry()) {
        Ok(mut artifacts) => match artifacts.pop() {
            Some(artifact) if artifacts.is_empty() => artifact,
            other => panic!("expected one artifact, got {other:?} after {artifacts:?}"),
        },
        Err(d) => panic!("loads:\n{d}"),
    }
}

/// The diagnostics of `xml` read as `file`, one line each.
pub(crate) fn diagnostics(xml: &str, file: &str) -> Vec<String> {
    match load_str(xml, Path::new(file), &registry()) {
        Ok(a) => panic!("expected diagnostics, loaded {a:?}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

/// Serializes `artifact`, reads it back, and checks it is the same configuration.
pub(crate) fn round_trip(artifact: &ArtifactConfig) {
    let xml = artifact.to_xml().expect("the artifact is modelled");
    let again = match load_str(&xml, Path::new("again.xml"), &registry()) {
        Ok(mut a) if a.len() == 1 => a.remove(0),
        Ok(a) => panic!("expected one artifact back, got {a:?}\n{xml}"),
        Err(d) => panic!("serialized artifact reads back:\n{d}\n{xml}"),
    };
    assert_eq!(&again, artifact, "{xml}");
}

/// The key of a sequence given by key.
pub(crate) fn key(seq: &Option<SequenceRef>) -> Option<&str> {
    match seq {
        Some(SequenceRef::Key { key, .. }) => Some(key),
        _ => None,
    }
}
