//! Expression benches: `cargo bench -p benches --bench expressions`.
//!
//! Each "parse included" case starts from the raw payload bytes, as a message arrives: it builds
//! the `MessageContext`, lets the expression parse what it needs, and evaluates. Compiling the
//! expression is outside the timing (it happens once, at configuration load).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mediate::prelude::*;
use mediate::xpath::XPath;

/// An `<order>` document of about `size` bytes.
fn order_xml(size: usize) -> Bytes {
    let mut s = String::from("<order><id>A-1001</id><customer>acme</customer><items>");
    let mut i = 0;
    while s.len() + 80 < size {
        s.push_str(&format!(
            "<item sku=\"P-{i}\"><name>Item {i}</name><price>{}</price></item>",
            i * 3 + 1
        ));
        i += 1;
    }
    s.push_str("</items><total>1800</total></order>");
    Bytes::from(s)
}

/// A JSON order of about `size` bytes.
fn order_json(size: usize) -> Bytes {
    let mut s = String::from(r#"{"order":{"id":"A-1001","customer":"acme","total":1800,"items":["#);
    let mut i = 0;
    while s.len() + 60 < size {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"sku":"P-{i}","name":"Item {i}","price":{}}}"#,
            i * 3 + 1
        ));
        i += 1;
    }
    s.push_str("]}}");
    Bytes::from(s)
}

fn sizes() -> [(&'static str, usize); 2] {
    [("1KiB", 1024), ("100KiB", 100 * 1024)]
}

fn xpath(c: &mut Criterion) {
    let mut g = c.benchmark_group("mediate_expr::Expression/xpath");
    let ns = Namespaces::new();
    let expr = Expression::compile("//order/id", &ns).unwrap();
    for (name, size) in sizes() {
        let payload = order_xml(size);
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("parse+//order/id", name),
            &payload,
            |b, p| {
                b.iter(|| {
                    let msg = MessageContext::from_xml(p.clone());
                    black_box(expr.evaluate_string(&msg).unwrap())
                })
            },
        );
    }
    g.finish();

    // The engine alone over a roxmltree document (no envelope), parse included.
    let mut g = c.benchmark_group("mediate_xpath::XPath");
    let x = XPath::compile("//order/id", &ns).unwrap();
    for (name, size) in sizes() {
        let payload = order_xml(size);
        let text = std::str::from_utf8(&payload).unwrap().to_owned();
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("parse+//order/id", name), &text, |b, t| {
            b.iter(|| {
                let doc = roxmltree::Document::parse(t).unwrap();
                black_box(x.evaluate(doc.root()).unwrap().string().len())
            })
        });
        let doc = roxmltree::Document::parse(&text).unwrap();
        g.bench_with_input(BenchmarkId::new("//order/id", name), &doc, |b, d| {
            b.iter(|| black_box(x.evaluate(d.root()).unwrap().string().len()))
        });
    }
    g.finish();
}

fn json_eval(c: &mut Criterion) {
    let mut g = c.benchmark_group("mediate_expr::Expression/json-eval");
    let ns = Namespaces::new();
    let expr = Expression::compile("json-eval($.order.id)", &ns).unwrap();
    for (name, size) in sizes() {
        let payload = order_json(size);
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("parse+json-eval($.order.id)", name),
            &payload,
            |b, p| {
                b.iter(|| {
                    let msg = MessageContext::from_json(p.clone());
                    black_box(expr.evaluate_string(&msg).unwrap())
                })
            },
        );
    }
    g.finish();
}

fn synapse(c: &mut Criterion) {
    let mut g = c.benchmark_group("mediate_expr::Expression/synapse");
    let ns = Namespaces::new();
    let expr = Expression::compile("${payload.order.total * 1.2 + vars.fee - 3}", &ns).unwrap();
    let payload = order_json(1024);
    g.throughput(Throughput::Bytes(payload.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("parse+arithmetic", "1KiB"),
        &payload,
        |b, p| {
            b.iter(|| {
                let mut msg = MessageContext::from_json(p.clone());
                msg.set_variable("fee", VariableValue::Double(2.5));
                black_box(expr.evaluate_string(&msg).unwrap())
            })
        },
    );
    let mut msg = MessageContext::from_json(payload.clone());
    msg.set_variable("fee", VariableValue::Double(2.5));
    msg.json().unwrap();
    g.bench_function(BenchmarkId::new("arithmetic", "parsed-1KiB"), |b| {
        b.iter(|| black_box(expr.evaluate_string(&msg).unwrap()))
    });
    g.finish();
}

/// What parsing alone costs, for reading the numbers above.
fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    let xml = order_xml(1024);
    let xml_text = std::str::from_utf8(&xml).unwrap().to_owned();
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("roxmltree::Document::parse/1KiB", |b| {
        b.iter(|| black_box(roxmltree::Document::parse(&xml_text).unwrap().root().id()))
    });
    let json = order_json(1024);
    let json_text = std::str::from_utf8(&json).unwrap().to_owned();
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("serde_json::from_str::<Value>/1KiB", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(&json_text).unwrap()))
    });
    g.bench_function("serde_json::from_str::<IgnoredAny>/1KiB", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde::de::IgnoredAny>(&json_text).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, xpath, json_eval, synapse, baselines);
criterion_main!(benches);
