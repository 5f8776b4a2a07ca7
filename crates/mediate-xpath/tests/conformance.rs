//! Table-driven XPath 1.0 conformance suite.
//!
//! Cases live in `tests/data/cases/*.txt`, documents in `tests/data/docs/`. The format is
//! described in `tests/data/README.md`. Each area file is one `#[test]`; every failure in a
//! file is collected and reported together with its `file:line`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mediate_xpath::{Namespaces, Value, XNode, XPath, format_number, roxmltree};

// ---------------------------------------------------------------------------------------------
// Case table
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Expected {
    /// `num:TEXT` — a Number whose `format_number` is TEXT.
    Num(String),
    /// `str:"TEXT"` — a String (TEXT unescaped).
    Str(String),
    /// `bool:true` / `bool:false`.
    Bool(bool),
    /// `nodes:D1,D2,...` — a node-set rendered in the order returned (must be document order).
    Nodes(String),
    /// `set:D1,D2,...` — a node-set compared ignoring order (namespace nodes of one element
    /// have an implementation-defined relative order).
    Set(Vec<String>),
    /// `error@COL` — `XPath::compile` fails with a `ParseError` at 1-based column COL.
    ParseAt(usize),
    /// `error:compile` — `XPath::compile` fails (any column).
    Compile,
    /// `error:eval` / `error:eval:Variant` — compiles, `evaluate` fails (optionally with the
    /// given `EvalError` variant).
    Eval(Option<String>),
    /// `error` — fails either when compiling or when evaluating.
    Any,
}

#[derive(Clone, Debug)]
struct Case {
    file: String,
    line: usize,
    doc: String,
    namespaces: Vec<(String, String)>,
    expr: String,
    expected: Expected,
}

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// Undo the escapes used in `str:"..."`: `\n`, `\r`, `\t`, `\"`, `\\`.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            other => return Err(format!("bad escape \\{other:?}")),
        }
    }
    Ok(out)
}

/// Escape a string for display / node descriptions (inverse of [`unescape`] minus quotes).
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn parse_expected(s: &str) -> Result<Expected, String> {
    if let Some(rest) = s.strip_prefix("num:") {
        return Ok(Expected::Num(rest.to_owned()));
    }
    if let Some(rest) = s.strip_prefix("str:") {
        let inner = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .ok_or_else(|| format!("str: value must be double-quoted: {rest}"))?;
        return Ok(Expected::Str(unescape(inner)?));
    }
    if let Some(rest) = s.strip_prefix("bool:") {
        return match rest {
            "true" => Ok(Expected::Bool(true)),
            "false" => Ok(Expected::Bool(false)),
            _ => Err(format!("bad boolean {rest}")),
        };
    }
    if let Some(rest) = s.strip_prefix("nodes:") {
        return Ok(Expected::Nodes(rest.to_owned()));
    }
    if let Some(rest) = s.strip_prefix("set:") {
        let mut items: Vec<String> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split(',').map(str::to_owned).collect()
        };
        items.sort();
        return Ok(Expected::Set(items));
    }
    if let Some(rest) = s.strip_prefix("error@") {
        return rest
            .parse()
            .map(Expected::ParseAt)
            .map_err(|e| format!("bad column: {e}"));
    }
    match s {
        "error" => Ok(Expected::Any),
        "error:compile" => Ok(Expected::Compile),
        "error:eval" => Ok(Expected::Eval(None)),
        _ => match s.strip_prefix("error:eval:") {
            Some(variant) => Ok(Expected::Eval(Some(variant.to_owned()))),
            None => Err(format!("unknown expected value {s:?}")),
        },
    }
}

/// Parse one case file. Directives: `%doc NAME` (document under `tests/data/docs/`),
/// `%ns PREFIX URI` (adds a binding), `%ns-clear`. Cases: `EXPR => EXPECTED`.
fn load_cases(file: &str) -> Vec<Case> {
    let path = data_dir().join("cases").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut doc = String::new();
    let mut namespaces = Vec::new();
    let mut cases = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('%') {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("doc"), Some(name), None) => doc = name.to_owned(),
                (Some("ns"), Some(prefix), Some(uri)) => {
                    namespaces.retain(|(p, _): &(String, String)| p != prefix);
                    namespaces.push((prefix.to_owned(), uri.to_owned()));
                }
                (Some("ns-clear"), None, None) => namespaces.clear(),
                _ => bad.push(format!("{file}:{line}: bad directive {trimmed:?}")),
            }
            continue;
        }
        let Some((expr, expected)) = raw.split_once(" => ") else {
            bad.push(format!("{file}:{line}: missing ' => '"));
            continue;
        };
        if doc.is_empty() {
            bad.push(format!("{file}:{line}: no %doc before first case"));
            continue;
        }
        match parse_expected(expected.trim_end()) {
            Ok(expected) => cases.push(Case {
                file: file.to_owned(),
                line,
                doc: doc.clone(),
                namespaces: namespaces.clone(),
                expr: expr.trim().to_owned(),
                expected,
            }),
            Err(e) => bad.push(format!("{file}:{line}: {e}")),
        }
    }
    assert!(bad.is_empty(), "malformed case file:\n{}", bad.join("\n"));
    cases
}

// ---------------------------------------------------------------------------------------------
// Canonical rendering of results
// ---------------------------------------------------------------------------------------------

/// Canonical description of one node:
/// `/` root; `<name>` element (`<{uri}name>` when namespaced, `#ID` appended when it has an
/// un-namespaced `id` attribute, e.g. `<c#c2>`); `@name=value` attribute (`@{uri}name=value`);
/// `text:"..."`; `comment:...`; `pi:target`; `ns:prefix=uri` (empty prefix for the default
/// namespace).
fn describe(node: &XNode<'_, '_>) -> String {
    // roxmltree reports `Some("")` for elements under `xmlns=""`: that is no namespace.
    fn qualified(ns: Option<&str>, local: &str) -> String {
        match ns {
            Some(ns) if !ns.is_empty() => format!("{{{ns}}}{local}"),
            _ => local.to_owned(),
        }
    }
    match node {
        XNode::Node(n) => match n.node_type() {
            roxmltree::NodeType::Root => "/".to_owned(),
            roxmltree::NodeType::Element => {
                let tag = n.tag_name();
                let mut s = format!("<{}", qualified(tag.namespace(), tag.name()));
                if let Some(id) = n.attribute("id") {
                    let _ = write!(s, "#{id}");
                }
                s.push('>');
                s
            }
            roxmltree::NodeType::Text => {
                format!(
                    "text:\"{}\"",
                    escape(n.text().unwrap_or("")).replace('"', "\\\"")
                )
            }
            roxmltree::NodeType::Comment => format!("comment:{}", escape(n.text().unwrap_or(""))),
            roxmltree::NodeType::PI => {
                format!("pi:{}", n.pi().map(|p| p.target).unwrap_or_default())
            }
        },
        XNode::Attribute(_, a) => {
            format!(
                "@{}={}",
                qualified(a.namespace(), a.name()),
                escape(a.value())
            )
        }
        XNode::Namespace(_, ns) => {
            // The engine may represent the implicit `xml` namespace node with a stand-in
            // `roxmltree::Namespace` (roxmltree has none to lend); its string-value is still
            // the XML namespace URI.
            let uri = node.string_value();
            let prefix = if uri == XML_NAMESPACE && ns.uri() != XML_NAMESPACE {
                "xml"
            } else {
                ns.name().unwrap_or("")
            };
            format!("ns:{prefix}={uri}")
        }
    }
}

/// Document-order key: (owner node id, 0 node / 1 namespace / 2 attribute, index). Namespace
/// nodes of one element share a key: their relative order is implementation-defined.
fn order_key(node: &XNode<'_, '_>) -> (u32, u8, usize) {
    match node {
        XNode::Node(n) => (n.id().get(), 0, 0),
        XNode::Namespace(owner, _) => (owner.id().get(), 1, 0),
        XNode::Attribute(owner, a) => {
            let index = owner
                .attributes()
                .position(|b| b.name() == a.name() && b.namespace() == a.namespace())
                .unwrap_or(usize::MAX);
            (owner.id().get(), 2, index)
        }
    }
}

/// Checks that a node-set is in document order without duplicates.
fn check_document_order(nodes: &[XNode<'_, '_>]) -> Result<(), String> {
    for (i, pair) in nodes.windows(2).enumerate() {
        let (a, b) = (order_key(&pair[0]), order_key(&pair[1]));
        let same_ns_owner = a.1 == 1 && b.1 == 1 && a.0 == b.0;
        if same_ns_owner {
            if describe(&pair[0]) == describe(&pair[1]) {
                return Err(format!("duplicate namespace node at index {}", i + 1));
            }
        } else if a >= b {
            return Err(format!(
                "not in document order / duplicate at index {}: {} then {}",
                i + 1,
                describe(&pair[0]),
                describe(&pair[1])
            ));
        }
    }
    Ok(())
}

fn describe_value(v: &Value<'_, '_>) -> String {
    match v {
        Value::NodeSet(nodes) => format!(
            "nodes:{}",
            nodes.iter().map(describe).collect::<Vec<_>>().join(",")
        ),
        Value::Boolean(b) => format!("bool:{b}"),
        Value::Number(n) => format!("num:{} ({n:?})", format_number(*n)),
        Value::String(s) => format!("str:\"{}\"", escape(s)),
    }
}

fn describe_expected(e: &Expected) -> String {
    match e {
        Expected::Num(s) => format!("num:{s}"),
        Expected::Str(s) => format!("str:\"{}\"", escape(s)),
        Expected::Bool(b) => format!("bool:{b}"),
        Expected::Nodes(s) => format!("nodes:{s}"),
        Expected::Set(items) => format!("set:{} (any order)", items.join(",")),
        Expected::ParseAt(c) => format!("ParseError at column {c}"),
        Expected::Compile => "ParseError from compile".to_owned(),
        Expected::Eval(None) => "EvalError from evaluate".to_owned(),
        Expected::Eval(Some(v)) => format!("EvalError::{v} from evaluate"),
        Expected::Any => "an error (compile or evaluate)".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

fn namespaces_of(case: &Case) -> Namespaces {
    let mut ns = Namespaces::new();
    for (p, u) in &case.namespaces {
        ns.insert(p.clone(), u.clone());
    }
    ns
}

fn read_doc(name: &str) -> String {
    let path = data_dir().join("docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs one case; `Err(actual)` describes the mismatch.
fn run_case(case: &Case, doc: &roxmltree::Document<'_>) -> Result<(), String> {
    let compiled = XPath::compile(&case.expr, &namespaces_of(case));
    let xpath = match (compiled, &case.expected) {
        (Err(e), Expected::ParseAt(col)) if e.column == *col => return Ok(()),
        (Err(e), Expected::ParseAt(_)) => {
            return Err(format!("ParseError at column {}: {}", e.column, e.message));
        }
        (Err(_), Expected::Compile | Expected::Any) => return Ok(()),
        (Err(e), _) => return Err(format!("compile failed: {e}")),
        (Ok(_), Expected::ParseAt(_) | Expected::Compile) => {
            return Err("compiled successfully".to_owned());
        }
        (Ok(x), _) => x,
    };
    let value = match (xpath.evaluate(doc.root()), &case.expected) {
        (Err(e), Expected::Eval(None) | Expected::Any) => {
            let _ = e;
            return Ok(());
        }
        (Err(e), Expected::Eval(Some(variant))) => {
            let debug = format!("{e:?}");
            return if debug.starts_with(variant.as_str()) {
                Ok(())
            } else {
                Err(format!("EvalError {debug}"))
            };
        }
        (Err(e), _) => return Err(format!("evaluate failed: {e} ({e:?})")),
        (Ok(v), Expected::Eval(_) | Expected::Any) => {
            return Err(format!("no error; value {}", describe_value(&v)));
        }
        (Ok(v), _) => v,
    };
    if let Value::NodeSet(nodes) = &value {
        check_document_order(nodes)?;
    }
    let ok = match (&case.expected, &value) {
        (Expected::Num(s), Value::Number(n)) => format_number(*n) == *s,
        (Expected::Str(s), Value::String(v)) => s == v,
        (Expected::Bool(b), Value::Boolean(v)) => b == v,
        (Expected::Nodes(s), Value::NodeSet(nodes)) => {
            nodes.iter().map(describe).collect::<Vec<_>>().join(",") == *s
        }
        (Expected::Set(items), Value::NodeSet(nodes)) => {
            let mut got: Vec<String> = nodes.iter().map(describe).collect();
            got.sort();
            got == *items
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(describe_value(&value))
    }
}

fn run_file(file: &str) {
    let cases = load_cases(file);
    assert!(!cases.is_empty(), "{file}: no cases");
    let mut failures = Vec::new();
    let mut not_implemented = 0usize;
    let mut doc_name = String::new();
    let mut text = String::new();
    for case in &cases {
        if case.doc != doc_name {
            doc_name.clone_from(&case.doc);
            text = read_doc(&doc_name);
        }
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{}: cannot parse: {e}", case.doc));
        if let Err(actual) = run_case(case, &doc) {
            if actual.contains("not yet implemented") {
                not_implemented += 1;
            }
            failures.push(format!(
                "{}:{}: [{}] {}\n    expected: {}\n    actual:   {}",
                case.file,
                case.line,
                case.doc,
                case.expr,
                describe_expected(&case.expected),
                actual
            ));
        }
    }
    if !failures.is_empty() {
        let mut msg = format!("{file}: {} of {} cases failed", failures.len(), cases.len());
        if not_implemented > 0 {
            let _ = write!(msg, " ({not_implemented} with \"not yet implemented\")");
        }
        panic!("{msg}\n\n{}\n\n{msg}", failures.join("\n"));
    }
    eprintln!("{file}: all {} cases passed", cases.len());
}

macro_rules! area {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                run_file($file);
            }
        )*
        const AREA_FILES: &[&str] = &[$($file),*];
    };
}

area! {
    axes => "axes.txt",
    node_tests => "node_tests.txt",
    abbreviations => "abbreviations.txt",
    predicates => "predicates.txt",
    unions => "unions.txt",
    string_functions => "string_functions.txt",
    number_functions => "number_functions.txt",
    node_set_functions => "node_set_functions.txt",
    boolean_functions => "boolean_functions.txt",
    number_formatting => "number_formatting.txt",
    string_to_number => "string_to_number.txt",
    operators => "operators.txt",
    comparisons => "comparisons.txt",
    string_values => "string_values.txt",
    namespaces => "namespaces.txt",
    errors => "errors.txt",
}

/// Every case file on disk is run by some test above, and the suite has its minimum size.
#[test]
fn every_case_file_is_run() {
    let mut on_disk: Vec<String> = std::fs::read_dir(data_dir().join("cases"))
        .expect("cases dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = AREA_FILES.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "case files on disk vs. files listed in area!"
    );
    let total: usize = AREA_FILES.iter().map(|f| load_cases(f).len()).sum();
    assert!(total >= 450, "only {total} cases");
}

/// For every case that yields a value, `Value::string/number/boolean` agree with wrapping the
/// expression in XPath's `string()`, `number()` and `boolean()`.
#[test]
fn value_conversions_agree_with_core_functions() {
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for file in AREA_FILES {
        for case in load_cases(file) {
            if matches!(
                case.expected,
                Expected::ParseAt(_) | Expected::Compile | Expected::Eval(_) | Expected::Any
            ) {
                continue;
            }
            let text = read_doc(&case.doc);
            let doc = roxmltree::Document::parse(&text).expect("document parses");
            let ns = namespaces_of(&case);
            let eval = |expr: &str| {
                XPath::compile(expr, &ns)
                    .map_err(|e| e.to_string())?
                    .evaluate(doc.root())
                    .map_err(|e| e.to_string())
            };
            let Ok(value) = eval(&case.expr) else {
                continue;
            };
            checked += 1;
            let mut problems = Vec::new();
            match eval(&format!("string({})", case.expr)) {
                Ok(Value::String(s)) if s == value.string() => {}
                other => problems.push(format!(
                    "string(): Value::string()={:?}, xpath={other:?}",
                    value.string()
                )),
            }
            match eval(&format!("number({})", case.expr)) {
                Ok(Value::Number(n))
                    if n == value.number() || (n.is_nan() && value.number().is_nan()) => {}
                other => problems.push(format!(
                    "number(): Value::number()={:?}, xpath={other:?}",
                    value.number()
                )),
            }
            match eval(&format!("boolean({})", case.expr)) {
                Ok(Value::Boolean(b)) if b == value.boolean() => {}
                other => problems.push(format!(
                    "boolean(): Value::boolean()={}, xpath={other:?}",
                    value.boolean()
                )),
            }
            if let Value::NodeSet(nodes) = &value
                && let Some(first) = nodes.first()
                && first.string_value() != value.string()
            {
                problems.push(format!(
                    "XNode::string_value() of first node {:?} != Value::string() {:?}",
                    first.string_value(),
                    value.string()
                ));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{}:{}: {}\n    {}",
                    case.file,
                    case.line,
                    case.expr,
                    problems.join("\n    ")
                ));
            }
        }
    }
    assert!(
        checked > 0,
        "no case evaluated successfully (engine not implemented yet?)"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} evaluable cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
