//! The compiled form of a Synapse expression.

use serde_json_path::JsonPath;

use super::env::{ParamKind, PropertyScope};
use super::functions::Func;
use super::value::ExprValue;

/// A node and the 1-based column (in the user's text) it starts at.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) col: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub(crate) fn name(self) -> &'static str {
        match self {
            BinOp::Add => "ADD",
            BinOp::Sub => "SUBTRACT",
            BinOp::Mul => "MULTIPLY",
            BinOp::Div => "DIVIDE",
            BinOp::Mod => "MODULO",
            BinOp::Eq => "EQUALS",
            BinOp::Ne => "NOT_EQUALS",
            BinOp::Lt => "LESS_THAN",
            BinOp::Le => "LESS_THAN_OR_EQUAL",
            BinOp::Gt => "GREATER_THAN",
            BinOp::Ge => "GREATER_THAN_OR_EQUAL",
            BinOp::And => "AND",
            BinOp::Or => "OR",
        }
    }
}

/// Where a value comes from.
#[derive(Debug, Clone)]
pub(crate) enum Root {
    Payload,
    Var(String),
    /// A function call whose result a path continues on (`object(x).a`, `registry(k).a`).
    Call(Box<Node>),
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Lit(ExprValue),
    /// `[a, b, …]`
    ArrayLit(Vec<Node>),
    Access {
        root: Root,
        path: Box<Path>,
    },
    Header(String),
    Property(PropertyScope, String),
    Param(ParamKind, String),
    Config(String),
    Neg(Box<Node>),
    Not(Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Call {
        func: Func,
        args: Vec<Node>,
        /// `split(s, 'literal regex')`: the regex compiled once.
        regex: Option<Box<fancy_regex::Regex>>,
    },
}

/// The functions JSONPath (Jayway) allows at the end of a path: `payload.items.length()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathFunc {
    Length,
    Min,
    Max,
    Avg,
    Sum,
    Stddev,
    Keys,
    First,
    Last,
}

impl PathFunc {
    pub(crate) fn from_name(s: &str) -> Option<PathFunc> {
        Some(match s {
            "length" | "size" => PathFunc::Length,
            "min" => PathFunc::Min,
            "max" => PathFunc::Max,
            "avg" => PathFunc::Avg,
            "sum" => PathFunc::Sum,
            "stddev" => PathFunc::Stddev,
            "keys" => PathFunc::Keys,
            "first" => PathFunc::First,
            "last" => PathFunc::Last,
            _ => return None,
        })
    }
}

/// A piece of a JSONPath filter: raw text or an embedded Synapse access expression.
#[derive(Debug, Clone)]
pub(crate) enum FilterPart {
    Text(String),
    Expr(Node),
}

#[derive(Debug, Clone)]
pub(crate) enum Seg {
    Member(String),
    Index(i64),
    /// `[expr]`: a string selects a member, an integer an index.
    Dyn(Box<Node>),
    Wildcard,
    DeepMember(String),
    DeepWildcard,
    Slice(Option<Box<Node>>, Option<Box<Node>>, Option<Box<Node>>),
    Union(Vec<Node>),
    /// `[?(…)]`: the filter text after `?`.
    Filter(Vec<FilterPart>),
}

impl Seg {
    pub(crate) fn is_definite(&self) -> bool {
        matches!(self, Seg::Member(_) | Seg::Index(_) | Seg::Dyn(_))
    }
}

/// A path tail after a root.
#[derive(Debug, Clone, Default)]
pub(crate) struct Path {
    pub(crate) segs: Vec<Seg>,
    pub(crate) func: Option<PathFunc>,
    /// All segments are member/index: walked directly, missing → error.
    pub(crate) definite: bool,
    /// Pre-compiled JSONPath when the path is indefinite and has no embedded expressions.
    pub(crate) compiled: Option<JsonPath>,
    /// Only member names and non-negative indexes: the value can be read straight from the
    /// payload text without building its tree (see [`crate::synapse::SynapseEnv::payload_select`]).
    pub(crate) stream: Option<Vec<crate::jsonpath::PathStep>>,
}
