//! Building the [`MediatorSpec`] tree of a definition (`to_spec`).

use mediate_core::{MediatorSpec, Namespaces};

/// An element named `kind` with the namespaces in scope, as a spec read from XML has them.
pub(crate) fn element(kind: &str, namespaces: &Namespaces) -> MediatorSpec {
    MediatorSpec::new(kind).namespaces(namespaces.clone())
}

/// An element named `kind` holding `text` (no text when it is empty).
pub(crate) fn text_element(
    kind: &str,
    text: impl Into<String>,
    namespaces: &Namespaces,
) -> MediatorSpec {
    let text = text.into();
    let spec = element(kind, namespaces);
    if text.is_empty() {
        spec
    } else {
        spec.text(text)
    }
}

/// Adds the attribute `name` when `value` is set.
pub(crate) fn opt_attr(spec: MediatorSpec, name: &str, value: Option<&str>) -> MediatorSpec {
    match value {
        Some(v) => spec.property(name, v),
        None => spec,
    }
}

/// Adds `child` when it is set.
pub(crate) fn opt_child(spec: MediatorSpec, child: Option<MediatorSpec>) -> MediatorSpec {
    match child {
        Some(c) => spec.child(c),
        None => spec,
    }
}
