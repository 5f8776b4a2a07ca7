//! [`MediatorSpec`]: the typed configuration a mediator factory gets.

use crate::BuildError;

/// The configuration of one mediator, as a [`Registry`](crate::Registry) factory receives it:
/// what MI's `<class name="com.acme.Audit"><property name="level" value="3"/></class>` carries.
///
/// ```
/// use mediate_core::MediatorSpec;
///
/// let spec = MediatorSpec::new("com.acme.Audit").property("level", "3");
/// assert_eq!(spec.get("level"), Some("3"));
/// assert!(spec.require("missing").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediatorSpec {
    /// The registered name to build (`com.acme.Audit`, `log`…).
    pub kind: String,
    /// The `<property name value>` pairs, in document order.
    pub properties: Vec<(String, String)>,
}

impl MediatorSpec {
    /// A spec with no properties.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            properties: Vec::new(),
        }
    }

    /// Adds a property.
    #[must_use]
    pub fn property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.push((name.into(), value.into()));
        self
    }

    /// The value of the first property named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of the property named `name`, or [`BuildError::MissingProperty`].
    pub fn require(&self, name: &str) -> Result<&str, BuildError> {
        self.get(name).ok_or_else(|| BuildError::MissingProperty {
            kind: self.kind.clone(),
            property: name.to_owned(),
        })
    }

    /// Parses the property named `name` with [`str::parse`], if present; a value that does not
    /// parse is [`BuildError::InvalidProperty`].
    pub fn parse<T>(&self, name: &str) -> Result<Option<T>, BuildError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.get(name)
            .map(|value| {
                value
                    .parse()
                    .map_err(|e: T::Err| BuildError::InvalidProperty {
                        kind: self.kind.clone(),
                        property: name.to_owned(),
                        value: value.to_owned(),
                        reason: e.to_string(),
                    })
            })
            .transpose()
    }
}
