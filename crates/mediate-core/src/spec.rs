//! [`MediatorSpec`]: the configuration value a mediator factory gets.

use mediate_expr::Namespaces;

use crate::BuildError;

/// The configuration of one mediator as a [`Registry`](crate::Registry) factory receives it:
/// an element-shaped value, the same shape as the Synapse XML it is usually read from.
///
/// - [`kind`](Self::kind): the registered name to build: the element's name for a built-in
///   (`log`, `payloadFactory`, `filter`…), the class name for a custom mediator
///   (`com.acme.Audit`, what `<class name="com.acme.Audit">` names);
/// - [`properties`](Self::properties): name/value pairs in document order: the element's
///   attributes for a built-in (`level="full"`), the `<property name value/>` children for a
///   class mediator;
/// - [`children`](Self::children): child elements, each a spec of its own (`<then>`,
///   `<case regex>`, `<property>` of a log, `<format>`, `<source>`…), whose own children are
///   the nested mediators where the element holds a sequence;
/// - [`text`](Self::text): the element's content as written, for an element that holds
///   inline content rather than structure (payloadFactory's `<format>`, enrich's inline
///   `<source>`, makefault's `<detail>`): its text, or its child elements serialized as XML with
///   the namespaces in scope declared; elements written without a prefix in Synapse XML are in
///   the Synapse namespace (`xmlns="http://ws.apache.org/ns/synapse"`), as MI builds them;
/// - [`namespaces`](Self::namespaces): the prefixes in scope, for the expressions of the
///   element and its children;
/// - [`position`](Self::position) and [`property_positions`](Self::property_positions): where
///   the element and each property's value start in the file, when the spec was read from one;
///   [`Registry::build`](crate::Registry::build) uses them to locate its errors
///   ([`BuildError::Located`]).
///
/// ```
/// use mediate_core::MediatorSpec;
///
/// // <class name="com.acme.Audit"><property name="level" value="3"/></class>
/// let spec = MediatorSpec::new("com.acme.Audit").property("level", "3");
/// assert_eq!(spec.get("level"), Some("3"));
/// assert!(spec.require("missing").is_err());
///
/// // <filter xpath="//vip"><then><drop/></then></filter>
/// let filter = MediatorSpec::new("filter")
///     .property("xpath", "//vip")
///     .child(MediatorSpec::new("then").child(MediatorSpec::new("drop")));
/// assert_eq!(filter.child_named("then").unwrap().children[0].kind, "drop");
/// ```
///
/// Two specs are equal when they configure the same thing: positions are not compared, so a
/// spec read back from its serialized XML equals the original.
///
/// ```
/// use mediate_core::{MediatorSpec, Position};
///
/// let read = MediatorSpec::new("log").property_at("level", "full", Position::new(3, 9));
/// assert_eq!(read, MediatorSpec::new("log").property("level", "full"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MediatorSpec {
    /// The registered name to build (`com.acme.Audit`, `log`…), or a structural element's name.
    pub kind: String,
    /// Name/value pairs (attributes, or a class mediator's `<property>`s), in document order.
    pub properties: Vec<(String, String)>,
    /// Child elements, in document order.
    pub children: Vec<MediatorSpec>,
    /// Inline content as written (text, or serialized XML), when the element holds any.
    pub text: Option<String>,
    /// Namespace prefixes in scope.
    pub namespaces: Namespaces,
    /// Where the element starts in its file, if it was read from one.
    pub position: Option<Position>,
    /// Where each property's value starts (the first character inside the quotes).
    pub property_positions: Vec<(String, Position)>,
}

/// A place in a configuration file: 1-based line and column (in characters).
///
/// ```
/// use mediate_core::Position;
///
/// assert_eq!(Position::new(3, 14).to_string(), "3:14");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Position {
    /// The position at `line`, `column` (both 1-based).
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }

    /// The position `offset` characters further on the same line (for a column inside an
    /// attribute value: an expression's error column 1 is the value's first character).
    #[must_use]
    pub fn shifted(self, offset: u32) -> Self {
        Self {
            line: self.line,
            column: self.column + offset,
        }
    }
}

impl PartialEq for MediatorSpec {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.properties == other.properties
            && self.children == other.children
            && self.text == other.text
            && self.namespaces == other.namespaces
    }
}

impl Eq for MediatorSpec {}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl MediatorSpec {
    /// A spec with no properties.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            ..Self::default()
        }
    }

    /// Adds a property.
    #[must_use]
    pub fn property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.push((name.into(), value.into()));
        self
    }

    /// Adds a child element.
    #[must_use]
    pub fn child(mut self, child: MediatorSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Sets the inline content.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets the namespace prefixes in scope.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Sets where the element starts in its file.
    #[must_use]
    pub fn at(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }

    /// Adds a property whose value starts at `position` in the file.
    #[must_use]
    pub fn property_at(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        position: Position,
    ) -> Self {
        let name = name.into();
        self.property_positions.push((name.clone(), position));
        self.properties.push((name, value.into()));
        self
    }

    /// Where the value of the property `name` starts, if the spec was read from a file.
    pub fn position_of(&self, name: &str) -> Option<Position> {
        self.property_positions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
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
        self.get(name)
            .ok_or_else(|| BuildError::missing(&self.kind, name))
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
                    .map_err(|e: T::Err| self.invalid(name, value, e.to_string()))
            })
            .transpose()
    }

    /// The first child element named `name`.
    pub fn child_named(&self, name: &str) -> Option<&MediatorSpec> {
        self.children.iter().find(|c| c.kind == name)
    }

    /// The child elements named `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a MediatorSpec> {
        self.children.iter().filter(move |c| c.kind == name)
    }

    /// A [`BuildError::InvalidProperty`] for this spec's property `name`.
    pub fn invalid(
        &self,
        name: &str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> BuildError {
        BuildError::invalid(&self.kind, name, value, reason)
    }

    /// A [`BuildError::InvalidStructure`] for this spec.
    pub fn invalid_structure(&self, reason: impl Into<String>) -> BuildError {
        BuildError::structure(&self.kind, reason)
    }
}
