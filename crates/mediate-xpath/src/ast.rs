//! The compiled form of an expression.

/// A name with its namespace resolved at compile time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OwnedQName {
    pub(crate) prefix: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) local: String,
}

impl OwnedQName {
    pub(crate) fn as_qname(&self) -> crate::QName<'_> {
        crate::QName {
            prefix: self.prefix.as_deref(),
            namespace: self.namespace.as_deref(),
            local: &self.local,
        }
    }

    pub(crate) fn display(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }
}

/// Binary operators of equal precedence are chained left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The thirteen axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Axis {
    Ancestor,
    AncestorOrSelf,
    Attribute,
    Child,
    Descendant,
    DescendantOrSelf,
    Following,
    FollowingSibling,
    Namespace,
    Parent,
    Preceding,
    PrecedingSibling,
    SelfNode,
}

impl Axis {
    pub(crate) fn from_name(name: &str) -> Option<Axis> {
        Some(match name {
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "attribute" => Axis::Attribute,
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "following" => Axis::Following,
            "following-sibling" => Axis::FollowingSibling,
            "namespace" => Axis::Namespace,
            "parent" => Axis::Parent,
            "preceding" => Axis::Preceding,
            "preceding-sibling" => Axis::PrecedingSibling,
            "self" => Axis::SelfNode,
            _ => return None,
        })
    }

    /// Reverse axes number proximity positions backwards from the context node.
    pub(crate) fn is_reverse(self) -> bool {
        matches!(
            self,
            Axis::Ancestor | Axis::AncestorOrSelf | Axis::Preceding | Axis::PrecedingSibling
        )
    }
}

/// A node test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeTest {
    /// `node()`
    AnyNode,
    /// `text()`
    Text,
    /// `comment()`
    Comment,
    /// `processing-instruction('target'?)`
    Pi(Option<String>),
    /// `*`: any node of the axis' principal type.
    Wildcard,
    /// `prefix:*` with the prefix resolved.
    NsWildcard(String),
    /// A QName with its namespace resolved (None for an unprefixed name).
    Name { ns: Option<String>, local: String },
}

/// One location step.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub(crate) axis: Axis,
    pub(crate) test: NodeTest,
    pub(crate) preds: Vec<Expr>,
}

/// Where a path starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PathStart {
    /// A relative location path.
    Context,
    /// An absolute location path.
    Root,
    /// A filter expression followed by `/` or `//`.
    Filter(Box<Expr>),
}

/// The core function library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreFn {
    Last,
    Position,
    Count,
    Id,
    LocalName,
    NamespaceUri,
    Name,
    String,
    Concat,
    StartsWith,
    Contains,
    SubstringBefore,
    SubstringAfter,
    Substring,
    StringLength,
    NormalizeSpace,
    Translate,
    Boolean,
    Not,
    True,
    False,
    Lang,
    Number,
    Sum,
    Floor,
    Ceiling,
    Round,
}

impl CoreFn {
    pub(crate) fn from_name(name: &str) -> Option<CoreFn> {
        Some(match name {
            "last" => CoreFn::Last,
            "position" => CoreFn::Position,
            "count" => CoreFn::Count,
            "id" => CoreFn::Id,
            "local-name" => CoreFn::LocalName,
            "namespace-uri" => CoreFn::NamespaceUri,
            "name" => CoreFn::Name,
            "string" => CoreFn::String,
            "concat" => CoreFn::Concat,
            "starts-with" => CoreFn::StartsWith,
            "contains" => CoreFn::Contains,
            "substring-before" => CoreFn::SubstringBefore,
            "substring-after" => CoreFn::SubstringAfter,
            "substring" => CoreFn::Substring,
            "string-length" => CoreFn::StringLength,
            "normalize-space" => CoreFn::NormalizeSpace,
            "translate" => CoreFn::Translate,
            "boolean" => CoreFn::Boolean,
            "not" => CoreFn::Not,
            "true" => CoreFn::True,
            "false" => CoreFn::False,
            "lang" => CoreFn::Lang,
            "number" => CoreFn::Number,
            "sum" => CoreFn::Sum,
            "floor" => CoreFn::Floor,
            "ceiling" => CoreFn::Ceiling,
            "round" => CoreFn::Round,
            _ => return None,
        })
    }

    /// Minimum and maximum argument count (`usize::MAX` for unbounded).
    pub(crate) fn arity(self) -> (usize, usize) {
        match self {
            CoreFn::Last | CoreFn::Position | CoreFn::True | CoreFn::False => (0, 0),
            CoreFn::Count
            | CoreFn::Id
            | CoreFn::Boolean
            | CoreFn::Not
            | CoreFn::Lang
            | CoreFn::Sum
            | CoreFn::Floor
            | CoreFn::Ceiling
            | CoreFn::Round => (1, 1),
            CoreFn::LocalName
            | CoreFn::NamespaceUri
            | CoreFn::Name
            | CoreFn::String
            | CoreFn::StringLength
            | CoreFn::NormalizeSpace
            | CoreFn::Number => (0, 1),
            CoreFn::Concat => (2, usize::MAX),
            CoreFn::StartsWith
            | CoreFn::Contains
            | CoreFn::SubstringBefore
            | CoreFn::SubstringAfter => (2, 2),
            CoreFn::Substring => (2, 3),
            CoreFn::Translate => (3, 3),
        }
    }

    /// Whether the result is always a number (used to detect positional predicates).
    pub(crate) fn returns_number(self) -> bool {
        matches!(
            self,
            CoreFn::Last
                | CoreFn::Position
                | CoreFn::Count
                | CoreFn::StringLength
                | CoreFn::Number
                | CoreFn::Sum
                | CoreFn::Floor
                | CoreFn::Ceiling
                | CoreFn::Round
        )
    }
}

/// A compiled expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    /// Left-associative chain of operators of one precedence level.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
    /// Unary minus; `odd` is false for an even number of minus signs (number conversion only).
    Neg(Box<Expr>, bool),
    Union(Vec<Expr>),
    Literal(String),
    Number(f64),
    Var(OwnedQName),
    Core(CoreFn, Vec<Expr>),
    Ext(OwnedQName, Vec<Expr>),
    /// A primary expression with predicates.
    Filter(Box<Expr>, Vec<Expr>),
    Path(PathStart, Vec<Step>),
}

impl Expr {
    /// Whether the value of this predicate might be a number, or might depend on the context
    /// position or size. Such predicates cannot be moved across a `//` rewrite.
    pub(crate) fn is_positional(&self) -> bool {
        match self {
            Expr::Or(v) | Expr::And(v) => v.iter().any(Expr::uses_position),
            Expr::Chain(first, rest) => {
                let comparison = rest.first().is_some_and(|(op, _)| {
                    matches!(
                        op,
                        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                    )
                });
                !comparison || first.uses_position() || rest.iter().any(|(_, e)| e.uses_position())
            }
            Expr::Neg(..) | Expr::Number(_) | Expr::Var(_) | Expr::Ext(..) => true,
            Expr::Literal(_) => false,
            Expr::Core(f, args) => f.returns_number() || args.iter().any(Expr::uses_position),
            Expr::Union(v) => v.iter().any(Expr::uses_position),
            Expr::Filter(e, _) => e.is_positional(),
            Expr::Path(start, _) => match start {
                PathStart::Filter(e) => e.uses_position(),
                _ => false,
            },
        }
    }

    /// Whether this expression calls `position()` or `last()` in the current context
    /// (nested predicates establish their own context and are not inspected).
    /// Whether evaluating may reach a node of the document: any location path, `id()`,
    /// `lang()`, a core function that reads the context node when called without arguments
    /// (`string()`, `name()`…), or a variable `node_var(prefix, local)` says holds nodes.
    pub(crate) fn may_read_nodes(&self, node_var: &dyn Fn(Option<&str>, &str) -> bool) -> bool {
        let any = |v: &[Expr]| v.iter().any(|e| e.may_read_nodes(node_var));
        match self {
            Expr::Or(v) | Expr::And(v) | Expr::Union(v) => any(v),
            Expr::Chain(first, rest) => {
                first.may_read_nodes(node_var)
                    || rest.iter().any(|(_, e)| e.may_read_nodes(node_var))
            }
            Expr::Neg(e, _) => e.may_read_nodes(node_var),
            Expr::Literal(_) | Expr::Number(_) => false,
            Expr::Var(q) => node_var(q.prefix.as_deref(), &q.local),
            Expr::Core(CoreFn::Id | CoreFn::Lang, _) | Expr::Path(..) => true,
            Expr::Core(
                CoreFn::LocalName
                | CoreFn::NamespaceUri
                | CoreFn::Name
                | CoreFn::String
                | CoreFn::StringLength
                | CoreFn::NormalizeSpace
                | CoreFn::Number,
                args,
            ) if args.is_empty() => true,
            Expr::Core(_, args) | Expr::Ext(_, args) => any(args),
            Expr::Filter(e, preds) => e.may_read_nodes(node_var) || any(preds),
        }
    }

    fn uses_position(&self) -> bool {
        match self {
            Expr::Or(v) | Expr::And(v) | Expr::Union(v) => v.iter().any(Expr::uses_position),
            Expr::Chain(first, rest) => {
                first.uses_position() || rest.iter().any(|(_, e)| e.uses_position())
            }
            Expr::Neg(e, _) => e.uses_position(),
            Expr::Literal(_) | Expr::Number(_) | Expr::Var(_) => false,
            Expr::Core(CoreFn::Last | CoreFn::Position, _) => true,
            Expr::Core(_, args) | Expr::Ext(_, args) => args.iter().any(Expr::uses_position),
            Expr::Filter(e, _) => e.uses_position(),
            Expr::Path(start, _) => match start {
                PathStart::Filter(e) => e.uses_position(),
                _ => false,
            },
        }
    }
}
