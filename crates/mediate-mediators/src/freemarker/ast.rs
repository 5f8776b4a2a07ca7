//! The parsed form of a template: elements (text, interpolations, directives) and expressions.

/// One element of a template body.
#[derive(Debug, Clone)]
pub(crate) enum Element {
    /// Static text, printed as is.
    Text(Box<str>),
    /// `${expr}`.
    Interp(Expr),
    /// `<#if>` … `<#elseif>` … `<#else>` … `</#if>`.
    If {
        branches: Vec<(Expr, Vec<Element>)>,
        otherwise: Option<Vec<Element>>,
    },
    /// `<#list seq as x>` (or `as k, v` for a hash) with optional `<#else>`.
    List(Box<ListDirective>),
    /// `<#assign a = x b = y>`.
    Assign(Vec<(Box<str>, AssignOp, Expr)>),
    /// `<#assign x>…</#assign>`: captures the printed body as a string.
    AssignCapture(Box<str>, Vec<Element>),
    /// `<#switch v>` with `<#case …>` / `<#default>` (fall-through until `<#break>`).
    Switch {
        value: Expr,
        cases: Vec<(Option<Vec<Expr>>, Vec<Element>)>,
    },
    /// `<#sep>`: printed unless the innermost listed item is the last.
    Sep(Vec<Element>),
    /// `<#break>`.
    Break,
    /// `<#continue>`.
    Continue,
}

/// How `<#assign>` combines the new value with the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Inc,
    Dec,
}

/// `<#list>` (a `<#sep>` is an [`Element::Sep`] of its body).
#[derive(Debug, Clone)]
pub(crate) struct ListDirective {
    pub(crate) seq: Expr,
    pub(crate) var: Box<str>,
    /// `as k, v`: the value variable of a hash listing.
    pub(crate) value_var: Option<Box<str>>,
    pub(crate) body: Vec<Element>,
    /// `<#else>`: printed when the sequence is empty.
    pub(crate) otherwise: Option<Vec<Element>>,
}

/// An expression with its place in the source (byte offsets).
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// The kinds of range (`a..b`, `a..<b`, `a..*n`, `a..`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeKind {
    Inclusive,
    Exclusive,
    Length,
    Unbounded,
}

/// A part of a string literal with `${…}` inside.
#[derive(Debug, Clone)]
pub(crate) enum StrPart {
    Lit(Box<str>),
    Interp(Expr),
}

/// A built-in argument: an expression or a lambda (`x -> expr`, for `?filter`/`?map`).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Expr(Expr),
    Lambda(Box<str>, Expr),
}

/// Expression kinds.
#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    Str(Box<str>),
    Interpolated(Vec<StrPart>),
    Num(f64),
    Bool(bool),
    Var(Box<str>),
    /// `target.name` (also `.*`, `.@attr`).
    Dot(Box<Expr>, Box<str>),
    /// `target[key]`.
    Index(Box<Expr>, Box<Expr>),
    /// `target?name` or `target?name(args)`.
    Builtin(Box<Expr>, Builtin, Vec<Arg>),
    /// `expr!default` (`None`: `expr!` = empty string).
    Default(Box<Expr>, Option<Box<Expr>>),
    /// `expr??`.
    Exists(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Range(Box<Expr>, Option<Box<Expr>>, RangeKind),
    Seq(Vec<Expr>),
    Hash(Vec<(Expr, Expr)>),
    Paren(Box<Expr>),
}

macro_rules! builtins {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The supported built-ins (`?name`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Builtin { $($variant),* }

        impl Builtin {
            /// The built-in of a name (FreeMarker also accepts camelCase names).
            pub(crate) fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// The name of the built-in.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

builtins! {
    Abs = "abs",
    Boolean = "boolean",
    C = "c",
    CapFirst = "cap_first",
    Capitalize = "capitalize",
    Ceiling = "ceiling",
    Children = "children",
    Contains = "contains",
    Counter = "counter",
    EndsWith = "ends_with",
    EvalJson = "eval_json",
    Filter = "filter",
    First = "first",
    Floor = "floor",
    HasContent = "has_content",
    HasNext = "has_next",
    Html = "html",
    Index = "index",
    IndexOf = "index_of",
    Int = "int",
    IsBoolean = "is_boolean",
    IsEvenItem = "is_even_item",
    IsFirst = "is_first",
    IsHash = "is_hash",
    IsLast = "is_last",
    IsNode = "is_node",
    IsNumber = "is_number",
    IsOddItem = "is_odd_item",
    IsSequence = "is_sequence",
    IsString = "is_string",
    ItemParity = "item_parity",
    Join = "join",
    JsString = "js_string",
    JsonString = "json_string",
    Keys = "keys",
    Last = "last",
    LastIndexOf = "last_index_of",
    LeftPad = "left_pad",
    Length = "length",
    LowerCase = "lower_case",
    Map = "map",
    NodeName = "node_name",
    NodeType = "node_type",
    Number = "number",
    Parent = "parent",
    Replace = "replace",
    Reverse = "reverse",
    RightPad = "right_pad",
    Root = "root",
    Round = "round",
    SeqContains = "seq_contains",
    SeqIndexOf = "seq_index_of",
    Size = "size",
    Sort = "sort",
    Split = "split",
    StartsWith = "starts_with",
    Substring = "substring",
    String = "string",
    Then = "then",
    Trim = "trim",
    UncapFirst = "uncap_first",
    UpperCase = "upper_case",
    Url = "url",
    Values = "values",
    Xml = "xml",
}

impl Builtin {
    /// Whether the built-in is called with arguments (`?join(", ")`); the others take none.
    pub(crate) fn takes_args(self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Contains
                | Self::StartsWith
                | Self::EndsWith
                | Self::IndexOf
                | Self::LastIndexOf
                | Self::Replace
                | Self::Split
                | Self::Substring
                | Self::LeftPad
                | Self::RightPad
                | Self::Then
                | Self::Join
                | Self::SeqContains
                | Self::SeqIndexOf
                | Self::Filter
                | Self::Map
        )
    }

    /// Loop-variable built-ins (`x?index` …): they read the loop state, not the value.
    pub(crate) fn is_loop_var(self) -> bool {
        matches!(
            self,
            Self::Index
                | Self::Counter
                | Self::HasNext
                | Self::IsFirst
                | Self::IsLast
                | Self::ItemParity
                | Self::IsEvenItem
                | Self::IsOddItem
        )
    }
}

impl Element {
    /// Whether this element (or anything inside it) reads the top-level variable `name`.
    pub(crate) fn references(&self, name: &str) -> bool {
        let all = |els: &[Element]| els.iter().any(|e| e.references(name));
        match self {
            Element::Text(_) | Element::Break | Element::Continue => false,
            Element::Interp(e) => e.references(name),
            Element::If {
                branches,
                otherwise,
            } => {
                branches
                    .iter()
                    .any(|(c, body)| c.references(name) || all(body))
                    || otherwise.as_deref().is_some_and(all)
            }
            Element::List(l) => {
                l.seq.references(name) || all(&l.body) || l.otherwise.as_deref().is_some_and(all)
            }
            Element::Assign(a) => a.iter().any(|(_, _, e)| e.references(name)),
            Element::AssignCapture(_, body) | Element::Sep(body) => all(body),
            Element::Switch { value, cases } => {
                value.references(name)
                    || cases.iter().any(|(vals, body)| {
                        vals.as_deref()
                            .is_some_and(|v| v.iter().any(|e| e.references(name)))
                            || all(body)
                    })
            }
        }
    }
}

impl Expr {
    /// Whether this expression reads the top-level variable `name`.
    pub(crate) fn references(&self, name: &str) -> bool {
        match &self.kind {
            ExprKind::Str(_) | ExprKind::Num(_) | ExprKind::Bool(_) => false,
            ExprKind::Var(v) => &**v == name,
            ExprKind::Interpolated(parts) => parts.iter().any(|p| match p {
                StrPart::Lit(_) => false,
                StrPart::Interp(e) => e.references(name),
            }),
            ExprKind::Dot(t, _) => t.references(name),
            ExprKind::Index(t, k) => t.references(name) || k.references(name),
            ExprKind::Builtin(t, _, args) => {
                t.references(name)
                    || args.iter().any(|a| match a {
                        Arg::Expr(e) | Arg::Lambda(_, e) => e.references(name),
                    })
            }
            ExprKind::Default(e, d) => {
                e.references(name) || d.as_deref().is_some_and(|d| d.references(name))
            }
            ExprKind::Exists(e) | ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Paren(e) => {
                e.references(name)
            }
            ExprKind::Binary(_, l, r) => l.references(name) || r.references(name),
            ExprKind::Range(l, r, _) => {
                l.references(name) || r.as_deref().is_some_and(|r| r.references(name))
            }
            ExprKind::Seq(items) => items.iter().any(|e| e.references(name)),
            ExprKind::Hash(pairs) => pairs
                .iter()
                .any(|(k, v)| k.references(name) || v.references(name)),
        }
    }
}
