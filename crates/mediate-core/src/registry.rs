//! [`Registry`]: mediator names to factories.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::suggest::did_you_mean_any;
use crate::{Mediator, MediatorSpec, Position};

/// Why a mediator could not be built from its [`MediatorSpec`].
///
/// Match on the variants; the `Display` text may change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No factory is registered under the name.
    #[error("unknown mediator `{kind}`{}{}", class_hint(.kind), did_you_mean_any(.suggestions))]
    UnknownMediator {
        /// The name asked for.
        kind: String,
        /// The closest registered names, best first (possibly none).
        suggestions: Vec<String>,
    },
    /// A required property is missing.
    #[error("mediator `{kind}`: missing property `{property}`")]
    MissingProperty {
        /// The mediator's name.
        kind: String,
        /// The property's name.
        property: String,
    },
    /// A property's value is not acceptable.
    #[error("mediator `{kind}`: invalid value `{value}` for property `{property}`: {reason}")]
    InvalidProperty {
        /// The mediator's name.
        kind: String,
        /// The property's name.
        property: String,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The spec's children or content do not fit the mediator (a `<case>` without `regex`, an
    /// unknown child element, a missing `<format>`…).
    #[error("mediator `{kind}`: {reason}")]
    InvalidStructure {
        /// The mediator's (or child element's) name.
        kind: String,
        /// What is wrong.
        reason: String,
    },
    /// An element of the configuration that is not a mediator (an endpoint, or a setting
    /// inside one such as `<suspendOnFailure>`), or one of its attributes, does not fit.
    #[error("`<{element}{}>`: {reason}", attribute_suffix(.attribute))]
    InvalidElement {
        /// The element's name (`initialDuration`).
        element: String,
        /// The attribute at fault, if the error is about one (`uri`).
        attribute: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// Another error, at a place in the configuration's source text: set by
    /// [`Registry::build`] when the spec carries [`Position`]s (a spec read from a file), at
    /// the faulty attribute's value when the error names one, else at the element.
    #[error("{position}: {error}")]
    Located {
        /// Where, in the file the spec was read from.
        position: Position,
        /// What is wrong there.
        error: Box<BuildError>,
    },
}

impl BuildError {
    /// Where the error is, when its spec was read from a file.
    pub fn position(&self) -> Option<Position> {
        match self {
            BuildError::Located { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// The error without its position.
    pub fn without_position(&self) -> &BuildError {
        match self {
            BuildError::Located { error, .. } => error.without_position(),
            other => other,
        }
    }

    /// Locates the error in `spec`'s source text (see [`BuildError::Located`]); an error that
    /// has a position already, or a spec without positions, is returned as it is.
    pub fn locate(self, spec: &MediatorSpec) -> BuildError {
        if matches!(self, BuildError::Located { .. }) {
            return self;
        }
        let property = match &self {
            BuildError::InvalidProperty { kind, property, .. }
            | BuildError::MissingProperty { kind, property }
            | BuildError::InvalidElement {
                element: kind,
                attribute: Some(property),
                ..
            } if *kind == spec.kind => spec.position_of(property),
            _ => None,
        };
        match property.or(spec.position) {
            Some(position) => BuildError::Located {
                position,
                error: Box::new(self),
            },
            None => self,
        }
    }

    /// A [`BuildError::MissingProperty`]: mediator `kind` needs the property `property`.
    ///
    /// ```
    /// use mediate_core::BuildError;
    ///
    /// let err = BuildError::missing("log", "level");
    /// assert_eq!(err.to_string(), "mediator `log`: missing property `level`");
    /// ```
    pub fn missing(kind: impl Into<String>, property: impl Into<String>) -> Self {
        Self::MissingProperty {
            kind: kind.into(),
            property: property.into(),
        }
    }

    /// A [`BuildError::InvalidProperty`]: mediator `kind` refuses `value` for its property
    /// `property`, for `reason`.
    ///
    /// ```
    /// use mediate_core::BuildError;
    ///
    /// let err = BuildError::invalid("log", "level", "loud", "expected `simple` or `full`");
    /// assert!(matches!(err, BuildError::InvalidProperty { ref property, .. } if property == "level"));
    /// ```
    pub fn invalid(
        kind: impl Into<String>,
        property: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidProperty {
            kind: kind.into(),
            property: property.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// A [`BuildError::InvalidStructure`]: the children or content of mediator (or child
    /// element) `kind` do not fit, for `reason`.
    ///
    /// ```
    /// use mediate_core::BuildError;
    ///
    /// let err = BuildError::structure("enrich", "source element is mandatory");
    /// assert_eq!(err.to_string(), "mediator `enrich`: source element is mandatory");
    /// ```
    pub fn structure(kind: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidStructure {
            kind: kind.into(),
            reason: reason.into(),
        }
    }

    /// A [`BuildError::InvalidElement`]: the configuration element `element` (not a
    /// mediator), or its attribute `attribute`, does not fit, for `reason`.
    ///
    /// ```
    /// use mediate_core::BuildError;
    ///
    /// let err = BuildError::element("initialDuration", None, "`soon` is not a duration");
    /// assert_eq!(err.to_string(), "`<initialDuration>`: `soon` is not a duration");
    /// let err = BuildError::element("address", Some("uri".into()), "has no scheme");
    /// assert_eq!(err.to_string(), "`<address uri>`: has no scheme");
    /// ```
    pub fn element(
        element: impl Into<String>,
        attribute: Option<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidElement {
            element: element.into(),
            attribute,
            reason: reason.into(),
        }
    }
}

/// ` attribute` after an element's name, for [`BuildError::InvalidElement`].
fn attribute_suffix(attribute: &Option<String>) -> String {
    attribute
        .as_ref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default()
}

/// For a class name (`com.acme.Audit`, what `<class name>` names): what registering it means.
fn class_hint(kind: &str) -> &'static str {
    if kind.contains('.') {
        ": no class mediator of that name is registered (a class mediator is Rust code the embedding program registers under its name with `Registry::register`)"
    } else {
        ""
    }
}

/// What a factory is: it turns a [`MediatorSpec`] into a mediator.
pub type Factory =
    dyn Fn(&MediatorSpec) -> Result<Arc<dyn Mediator>, BuildError> + Send + Sync + 'static;

/// What a factory of a mediator that holds mediators is: it gets the registry too, to build
/// its children (see [`Registry::register_nested`]).
pub type NestedFactory = dyn Fn(&MediatorSpec, &Registry) -> Result<Arc<dyn Mediator>, BuildError>
    + Send
    + Sync
    + 'static;

/// Mediator names (`log`, `com.acme.Audit`…) to the factories that build them.
///
/// Configuration is data and a mediator is behaviour: [`build`](Self::build) is the one step
/// between them. An unknown name fails with [`BuildError::UnknownMediator`], listing the closest
/// registered names.
///
/// ```
/// use std::sync::Arc;
/// use mediate_core::{mediator_fn, BuildError, Flow, MediationError, MediatorSpec, MessageContext, Registry};
///
/// let mut registry = Registry::new();
/// registry.register("com.acme.Audit", |spec: &MediatorSpec| {
///     let level: u8 = spec.parse("level")?.unwrap_or(1);
///     Ok(Arc::new(mediator_fn("class:com.acme.Audit", move |msg: &mut MessageContext| {
///         msg.set_property("audit.level", i32::from(level));
///         Ok::<_, MediationError>(Flow::Continue)
///     })) as Arc<dyn mediate_core::Mediator>)
/// });
/// let audit = registry.build(&MediatorSpec::new("com.acme.Audit").property("level", "3"))?;
/// assert_eq!(audit.kind(), "class:com.acme.Audit");
///
/// let err = registry.build(&MediatorSpec::new("com.acme.Audti")).unwrap_err();
/// assert!(matches!(err, BuildError::UnknownMediator { ref suggestions, .. } if suggestions == &["com.acme.Audit"]));
/// # Ok::<(), BuildError>(())
/// ```
#[derive(Default)]
pub struct Registry {
    factories: BTreeMap<String, Box<NestedFactory>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `factory` under `name`; a later registration under the same name replaces it.
    pub fn register<F>(&mut self, name: impl Into<String>, factory: F) -> &mut Self
    where
        F: Fn(&MediatorSpec) -> Result<Arc<dyn Mediator>, BuildError> + Send + Sync + 'static,
    {
        self.factories
            .insert(name.into(), Box::new(move |spec, _| factory(spec)));
        self
    }

    /// Registers the factory of a mediator that holds other mediators (a filter's branches, a
    /// switch's cases…): it gets the registry to build them, with
    /// [`build_all`](Self::build_all). A later registration under the same name replaces it.
    pub fn register_nested<F>(&mut self, name: impl Into<String>, factory: F) -> &mut Self
    where
        F: Fn(&MediatorSpec, &Registry) -> Result<Arc<dyn Mediator>, BuildError>
            + Send
            + Sync
            + 'static,
    {
        self.factories.insert(name.into(), Box::new(factory));
        self
    }

    /// Whether a factory is registered under `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.factories.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    /// Builds the mediator `spec.kind` names.
    pub fn build(&self, spec: &MediatorSpec) -> Result<Arc<dyn Mediator>, BuildError> {
        match self.factories.get(&spec.kind) {
            Some(factory) => factory(spec, self).map_err(|e| e.locate(spec)),
            None => Err(BuildError::UnknownMediator {
                kind: spec.kind.clone(),
                suggestions: closest(&spec.kind, self.names()),
            }
            .locate(spec)),
        }
    }

    /// Builds each spec in order (the mediators of a sequence, a `<then>`, a `<case>`…),
    /// stopping at the first error.
    pub fn build_all(&self, specs: &[MediatorSpec]) -> Result<Vec<Arc<dyn Mediator>>, BuildError> {
        specs.iter().map(|spec| self.build(spec)).collect()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.factories.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// At most three registered names close to `name`, best first (see [`crate::suggestions`]).
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    crate::suggestions(name, candidates)
        .into_iter()
        .take(3)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_ranks_and_limits() {
        let names = ["log", "loopback", "property", "com.acme.Audit"];
        assert_eq!(closest("lg", names.into_iter()), ["log"]);
        assert_eq!(closest("Audit", names.into_iter()), ["com.acme.Audit"]);
        assert!(closest("zzzzzzzz", names.into_iter()).is_empty());
        assert_eq!(closest("proprety", names.into_iter()), ["property"]);
    }

    #[test]
    fn message_lists_suggestions() {
        let err = BuildError::UnknownMediator {
            kind: "lg".into(),
            suggestions: vec!["log".into()],
        };
        assert!(err.to_string().contains("did you mean `log`?"));
    }

    #[test]
    fn an_unregistered_class_name_says_how_to_register_it() {
        let err = Registry::new()
            .build(&MediatorSpec::new("com.acme.Audit"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with(
                "unknown mediator `com.acme.Audit`: no class mediator of that name is registered"
            ),
            "{err}"
        );
        assert!(err.contains("`Registry::register`"), "{err}");
    }
}
