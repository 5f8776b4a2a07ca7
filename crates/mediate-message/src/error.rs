//! The crate's error type.

use crate::json_xml::JsonXmlError;

/// Everything that can go wrong while reading or changing a message.
///
/// Errors are `Clone` so that a failed lazy parse can be cached and reported
/// again without parsing twice.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The payload (or an XML value) is not well-formed XML.
    #[error("malformed XML at {line}:{column}: {message}")]
    XmlParse {
        /// 1-based line.
        line: u32,
        /// 1-based column (in characters).
        column: u32,
        /// The parser's message.
        message: String,
    },
    /// The payload declares a DTD; DTDs are refused.
    #[error("XML payloads with a DTD are refused")]
    DtdNotAllowed,
    /// The payload (or a JSON value) is not well-formed JSON.
    #[error("malformed JSON at {line}:{column}: {message}")]
    JsonParse {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The payload is not valid UTF-8 (only UTF-8 payloads can be parsed).
    #[error("payload is not valid UTF-8 (byte {valid_up_to})")]
    NotUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The root is a SOAP `Envelope` without a `Body`.
    #[error("invalid SOAP envelope: {0}")]
    InvalidSoapEnvelope(String),
    /// The payload cannot be seen the requested way (e.g. `json()` of a text payload).
    #[error("a `{content_type}` payload has no {view} view")]
    NoView {
        /// The payload's content type.
        content_type: String,
        /// The view asked for ("JSON", "XML").
        view: &'static str,
    },
    /// The JSON ↔ XML mapping failed.
    #[error("JSON/XML mapping: {0}")]
    Mapping(#[from] JsonXmlError),
    /// An invalid HTTP header name or value for the transport scope (the name, and what is
    /// wrong).
    #[error("invalid transport header `{0}`: {1}")]
    InvalidHeader(String, &'static str),
    /// The scope is not kept on the message (`registry`, `system`, `env`).
    #[error("scope `{0}` is not stored on the message")]
    ScopeNotOnMessage(&'static str),
    /// An unknown property scope name.
    #[error("unknown property scope `{0}`")]
    UnknownScope(String),
}

impl Error {
    /// A malformed XML payload or value.
    pub fn is_xml_parse(&self) -> bool {
        matches!(self, Self::XmlParse { .. } | Self::DtdNotAllowed)
    }

    /// A malformed JSON payload or value.
    pub fn is_json_parse(&self) -> bool {
        matches!(self, Self::JsonParse { .. })
    }

    /// The JSON ↔ XML mapping refused a value.
    pub fn is_mapping(&self) -> bool {
        matches!(self, Self::Mapping(_))
    }

    /// The payload has no view of the kind asked for.
    pub fn is_no_view(&self) -> bool {
        matches!(self, Self::NoView { .. })
    }

    /// Any "the input is broken" error (XML, JSON, UTF-8, SOAP structure).
    pub fn is_malformed_input(&self) -> bool {
        matches!(
            self,
            Self::XmlParse { .. }
                | Self::DtdNotAllowed
                | Self::JsonParse { .. }
                | Self::NotUtf8 { .. }
                | Self::InvalidSoapEnvelope(_)
        )
    }

    /// The `(line, column)` of a parse error, when the parser gave one.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            Self::XmlParse { line, column, .. } => Some((*line as usize, *column as usize)),
            Self::JsonParse { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    pub(crate) fn from_json(err: &serde_json::Error) -> Self {
        // serde_json appends " at line L column C"; the position has its own fields. Its
        // column is 0 at the very start of a line (an empty payload): point at column 1.
        let mut message = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        if let Some(head) = message.strip_suffix(&suffix) {
            message = head.to_owned();
        }
        Self::JsonParse {
            line: err.line().max(1),
            column: err.column().max(1),
            message,
        }
    }

    pub(crate) fn from_roxml(err: &roxmltree::Error) -> Self {
        if matches!(err, roxmltree::Error::DtdDetected) {
            return Self::DtdNotAllowed;
        }
        let pos = err.pos();
        let mut message = err.to_string();
        // roxmltree appends " at row:col"; the position has its own fields.
        if let Some((head, tail)) = message.rsplit_once(" at ")
            && tail
                .split_once(':')
                .is_some_and(|(r, c)| r.parse::<u32>().is_ok() && c.parse::<u32>().is_ok())
        {
            message = head.to_owned();
        }
        Self::XmlParse {
            line: pos.row,
            column: pos.col,
            message,
        }
    }
}
