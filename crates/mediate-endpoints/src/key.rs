//! [`KeyRef`]: a name that refers to another artifact, with where it was written.

use std::hash::{Hash, Hasher};

use mediate_core::{MediatorSpec, Position};

/// A key naming another artifact (an endpoint, an endpoint template, a sequence, a policy
/// resource), with the position of the attribute value it was read from.
///
/// The position never takes part in equality or hashing, so a definition read back from its
/// serialized form equals the one it was written from.
///
/// ```
/// use mediate_core::Position;
/// use mediate_endpoints::KeyRef;
///
/// let read = KeyRef::new("StockQuoteEP").at(Position::new(4, 20));
/// assert_eq!(read, KeyRef::new("StockQuoteEP"));
/// assert_eq!(read.position, Some(Position::new(4, 20)));
/// ```
#[derive(Clone, Debug, Eq)]
pub struct KeyRef {
    /// The key as written.
    pub key: String,
    /// Where its value starts in the configuration file, when read from one.
    pub position: Option<Position>,
}

impl KeyRef {
    /// A key written in code (no position).
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            position: None,
        }
    }

    /// Sets where the key was written.
    #[must_use]
    pub fn at(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The attribute `name` of `spec` as a key, positioned at its value (or at the element).
    pub(crate) fn from_attribute(spec: &MediatorSpec, name: &str, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            position: spec.position_of(name).or(spec.position),
        }
    }
}

impl PartialEq for KeyRef {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Hash for KeyRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl std::fmt::Display for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key)
    }
}
