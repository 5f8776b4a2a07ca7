//! `mediate eval`: one expression, one payload, the answer MI would give.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use mediate::expr::jsonpath::JsonEvalResult;
use mediate::expr::xpath::node_to_xml;
use mediate::expr::{Evaluated, Expression};
use mediate::message::{MessageContext, VariableValue};
use mediate::xpath::{Namespaces, Value, format_number};

use crate::EvalArgs;

/// Run `mediate eval`; prints the result on stdout, or a located error on stderr.
pub(crate) fn run(args: &EvalArgs) -> ExitCode {
    match evaluate(args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

/// Everything but the printing, so it can be tested.
pub(crate) fn evaluate(args: &EvalArgs) -> Result<String, String> {
    let (path, mut msg) = load_payload(args)?;
    let mut namespaces = payload_namespaces(&msg);
    for (prefix, uri) in &args.namespaces {
        namespaces.insert(prefix.clone(), uri.clone());
    }
    for (name, value) in &args.properties {
        msg.set_property(name.clone(), value.as_str());
    }
    for (name, value) in &args.headers {
        msg.set_transport_header(name, value)
            .map_err(|e| format!("error: --header {name}: {e}"))?;
    }
    for (name, value) in &args.vars {
        msg.set_variable(name.clone(), value.as_str());
    }
    for (name, value) in &args.json_vars {
        let json: serde_json::Value = serde_json::from_str(value).map_err(|e| {
            format!(
                "error: --var-json {name}: not valid JSON at column {}: {e}",
                e.column()
            )
        })?;
        msg.set_variable(name.clone(), VariableValue::Json(json));
    }

    let expr = Expression::compile(&args.expression, &namespaces).map_err(|e| {
        let mut out = format!(
            "error: invalid {} at column {}: {}\n",
            e.kind, e.column, e.message
        );
        let _ = writeln!(out, "{}", caret(&args.expression, e.column));
        if let Some(hint) = prefix_hint(&e.message, &msg) {
            let _ = writeln!(out, "hint: {hint}");
        }
        out.trim_end().to_owned()
    })?;

    let result = expr.evaluate(&msg).map_err(|e| match &e {
        mediate::expr::EvaluationError::Payload(p) => match p.position() {
            Some((line, col)) => format!("error: {}:{line}:{col}: {p}", path.display()),
            None => format!("error: {}: {p}", path.display()),
        },
        mediate::expr::EvaluationError::Synapse(e) if e.column().is_some() => {
            let column = e.column().unwrap_or(1);
            format!(
                "error: evaluating {} failed at column {column}: {}\n{}",
                expr.kind(),
                e.message(),
                caret(&args.expression, column)
            )
        }
        other => format!(
            "error: evaluating {} '{}': {other}",
            expr.kind(),
            expr.source()
        ),
    })?;
    Ok(render(&result))
}

/// The expression with a caret under 1-based character `column`.
fn caret(expression: &str, column: usize) -> String {
    format!(
        "  {expression}\n  {}^",
        " ".repeat(column.saturating_sub(1))
    )
}

/// For an undeclared prefix that the payload declares on an inner element, say how to bind it.
fn prefix_hint(message: &str, msg: &MessageContext) -> Option<String> {
    let prefix = message
        .strip_prefix("undeclared namespace prefix '")?
        .split('\'')
        .next()?;
    let env = msg.envelope().ok()?;
    let uri = env
        .document()
        .descendants()
        .filter(|n| n.is_element())
        .flat_map(|n| n.namespaces())
        .find(|ns| ns.name() == Some(prefix))?
        .uri()
        .to_owned();
    Some(format!(
        "the payload declares '{prefix}' on an inner element; bind it with --ns {prefix}={uri}"
    ))
}

fn load_payload(args: &EvalArgs) -> Result<(&Path, MessageContext), String> {
    let p = &args.payload;
    let (path, build): (&Path, fn(Vec<u8>) -> MessageContext) = if let Some(f) = &p.xml {
        (f, |b| MessageContext::from_xml(b))
    } else if let Some(f) = &p.json {
        (f, |b| MessageContext::from_json(b))
    } else if let Some(f) = &p.text {
        (f, |b| MessageContext::from_text(b))
    } else {
        return Err("error: give the payload with --xml, --json or --text".into());
    };
    let bytes =
        std::fs::read(path).map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    let msg = build(bytes);
    // Read the payload now, so a malformed file is reported as such (with its line and
    // column) whatever the expression.
    let check = if p.json.is_some() {
        msg.json().map(|_| ())
    } else {
        msg.envelope().map(|_| ())
    };
    if let Err(e) = check {
        return Err(match e.position() {
            Some((line, col)) => format!("error: {}:{line}:{col}: {e}", path.display()),
            None => format!("error: {}: {e}", path.display()),
        });
    }
    Ok((path, msg))
}

/// The prefixes declared on the payload's root element (for SOAP, the `Envelope`; for POX the
/// document's root, which also sees the implicit envelope's `soapenv`).
fn payload_namespaces(msg: &MessageContext) -> Namespaces {
    let mut ns = Namespaces::new();
    if let Ok(env) = msg.envelope() {
        let root = if env.is_implicit() {
            env.first_body_child().unwrap_or_else(|| env.envelope())
        } else {
            env.envelope()
        };
        for n in root.namespaces() {
            if let Some(prefix) = n.name().filter(|p| *p != "xml") {
                ns.insert(prefix, n.uri());
            }
        }
    }
    ns
}

/// Print a result as the contract says: XPath scalars as XPath 1.0 formats them, node-sets one
/// serialized node per line, JSON compact (a `json-eval` string without quotes).
fn render(result: &Evaluated<'_>) -> String {
    let mut out = String::new();
    match result {
        Evaluated::XPath(Value::NodeSet(nodes)) => {
            for n in nodes {
                out.push_str(&node_to_xml(n));
                out.push('\n');
            }
        }
        Evaluated::XPath(Value::Number(n)) => {
            out.push_str(&format_number(*n));
            out.push('\n');
        }
        Evaluated::XPath(Value::Boolean(b)) => {
            let _ = writeln!(out, "{b}");
        }
        Evaluated::XPath(Value::String(s)) => {
            out.push_str(s);
            out.push('\n');
        }
        Evaluated::Json(JsonEvalResult::Definite(None)) => {}
        Evaluated::Json(r) => {
            out.push_str(&r.to_display_string());
            out.push('\n');
        }
        Evaluated::Synapse(v) => {
            let _ = writeln!(out, "{v}");
        }
    }
    out
}
