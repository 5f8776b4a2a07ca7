//! [`Diagnostic`] and [`Diagnostics`]: problems found in configuration files, each at a
//! `FILE:LINE:COL`.

use std::fmt;
use std::path::{Path, PathBuf};

use mediate_core::Position;

/// One problem in a configuration file, at a line and column.
///
/// Displays as `FILE:LINE:COL: message`; sorts by file, then position, then message.
///
/// ```
/// use mediate_config::Diagnostic;
/// use mediate_core::Position;
///
/// let d = Diagnostic::new("seq.xml", Position::new(3, 14), "unknown mediator `lg`");
/// assert_eq!(d.to_string(), "seq.xml:3:14: unknown mediator `lg`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, thiserror::Error)]
#[error("{}:{position}: {message}", file.display())]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// Where in the file (1-based line and column, in characters).
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `position` in `file`.
    pub fn new(file: impl Into<PathBuf>, position: Position, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            position,
            message: message.into(),
        }
    }

    /// A build error of an artifact read from `span`'s file, at the error's own position when it
    /// has one, else at the artifact's.
    pub fn at_span(span: &crate::Span, error: &mediate_core::BuildError) -> Self {
        Self::new(
            span.file.as_deref().unwrap_or(Path::new("")),
            error
                .position()
                .or(span.position)
                .unwrap_or(Position::new(1, 1)),
            error.without_position().to_string(),
        )
    }

    /// A problem in the artifact read from `span` (at its start; 1:1 when it has no position).
    pub fn in_span(span: &crate::Span, message: impl Into<String>) -> Self {
        Self::new(
            span.file.as_deref().unwrap_or(Path::new("")),
            span.position.unwrap_or(Position::new(1, 1)),
            message,
        )
    }

    /// The file the problem is in.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

/// All the problems found in a load, sorted by file and position when displayed.
///
/// Displays as one `FILE:LINE:COL: message` line per problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds all of `other`'s.
    pub fn append(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Sorts them by file, then position, then message.
    pub fn sort(&mut self) {
        self.items.sort();
    }

    /// The diagnostics, in their current order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// The diagnostics as a vector.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// `Ok(value)` when there are none, else `Err(self)` sorted.
    pub fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            self.sort();
            Err(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self { items: vec![d] }
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort();
        for (i, d) in sorted.into_iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
