//! Mediator benches: `cargo bench -p benches --bench mediators`.
//!
//! A ten-mediator sequence of the kind an MI integration runs on every request (property,
//! variable, log, filter, switch, header, enrich, payloadFactory, property remove, respond),
//! timed per message from the raw payload bytes (the message context is built inside the
//! timing, so payload parsing is included), for a 1 KiB JSON order and a 1 KiB XML order.
//! Building the sequence (compiling expressions) happens once, outside the timing.
//!
//! `payload_factory_transform` runs the load test's `/transform/*` mediator alone
//! (`benches/http/mi/api/BenchAPI.xml`: a json payloadFactory with six `json-eval` arguments)
//! over the load test's 1 KiB and 100 KiB JSON orders (the bodies `benches/http/run.sh`
//! generates), from the raw request bytes to the bytes that would be sent on.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mediate::core::{Env, Sequence, SequenceBuilder};
use mediate::mediators::enrich::{EnrichConfig, Source, Target};
use mediate::mediators::filter::FilterConfig;
use mediate::mediators::header::HeaderConfig;
use mediate::mediators::log::{LogConfig, LogLevel, LogProperty};
use mediate::mediators::payload_factory::{Arg, PayloadFactoryConfig, PayloadFactoryMediator};
use mediate::mediators::property::PropertyConfig;
use mediate::mediators::simple::Respond;
use mediate::mediators::switch::SwitchConfig;
use mediate::mediators::variable::VariableConfig;
use mediate::prelude::*;

fn order_json() -> Bytes {
    let mut s = String::from(
        r#"{"order":{"id":"A-1001","customer":{"name":"acme","tier":"gold"},"country":"FR","total":1800,"items":["#,
    );
    let mut i = 0;
    while s.len() + 60 < 1024 {
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

fn order_xml() -> Bytes {
    let mut s = String::from(
        "<order><id>A-1001</id><customer><name>acme</name><tier>gold</tier></customer><country>FR</country><total>1800</total><items>",
    );
    let mut i = 0;
    while s.len() + 80 < 1024 {
        s.push_str(&format!(
            "<item sku=\"P-{i}\"><name>Item {i}</name><price>{}</price></item>",
            i * 3 + 1
        ));
        i += 1;
    }
    s.push_str("</items></order>");
    Bytes::from(s)
}

/// The expressions a flow reads its order with, in the payload's own language.
struct OrderPaths {
    id: &'static str,
    tier: &'static str,
    big_order: &'static str,
    country: &'static str,
    customer: &'static str,
}

/// The ten mediators, reading the order through `paths` and building the response with
/// `response`.
fn flow(name: &str, paths: &OrderPaths, response: PayloadFactoryConfig) -> Sequence {
    let set = |name: &str, value: &str| {
        SequenceBuilder::anonymous().then(PropertyConfig::set_value(name, value))
    };
    SequenceBuilder::named(name)
        .then(PropertyConfig::set_expression("orderId", paths.id))
        .then(VariableConfig::set_expression("tier", paths.tier))
        .then(LogConfig {
            level: LogLevel::Custom,
            properties: vec![LogProperty::expression("order", "get-property('orderId')")],
            ..LogConfig::default()
        })
        .then(FilterConfig::expression(paths.big_order).then(set("priority", "high")))
        .then(
            SwitchConfig::new(paths.country)
                .case("US|CA", set("region", "americas"))
                .case("DE|FR|NL", set("region", "europe")),
        )
        .then(HeaderConfig::transport("X-Order").expression("get-property('orderId')"))
        .then(EnrichConfig::new(
            Source::custom(paths.customer),
            Target::property("customer"),
        ))
        .then(response)
        .then(PropertyConfig::remove("priority"))
        .then(Respond)
        .build()
        .expect("the bench flow builds")
}

fn json_flow() -> Sequence {
    let paths = OrderPaths {
        id: "json-eval($.order.id)",
        tier: "${payload.order.customer.tier}",
        big_order: "${payload.order.total > 1000}",
        country: "json-eval($.order.country)",
        customer: "json-eval($.order.customer)",
    };
    let response =
        PayloadFactoryConfig::json(r#"{"id":"$1","region":"$2","tier":"$3","customer":$4}"#)
            .arg(Arg::expression("get-property('orderId')"))
            .arg(Arg::expression("get-property('region')"))
            .arg(Arg::expression("${vars.tier}"))
            .arg(Arg::expression("json-eval($.order.customer)"));
    flow("json", &paths, response)
}

fn xml_flow() -> Sequence {
    let paths = OrderPaths {
        id: "//order/id",
        tier: "string(//customer/tier)",
        big_order: "//order/total > 1000",
        country: "//order/country",
        customer: "//order/customer",
    };
    let response = PayloadFactoryConfig::xml(
        "<route xmlns=\"\"><id>$1</id><region>$2</region><tier>$3</tier></route>",
    )
    .arg(Arg::expression("get-property('orderId')"))
    .arg(Arg::expression("get-property('region')"))
    .arg(Arg::expression("$var:tier"));
    flow("xml", &paths, response)
}

fn ten_mediators(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let env = Env::default();
    let mut g = c.benchmark_group("mediate_mediators::ten_mediator_flow");
    g.throughput(Throughput::Elements(1));
    for (name, payload, flow, json) in [
        ("json-1KiB", order_json(), json_flow(), true),
        ("xml-1KiB", order_xml(), xml_flow(), false),
    ] {
        // The flow must do its job before it is timed.
        let mut msg = if json {
            MessageContext::from_json(payload.clone())
        } else {
            MessageContext::from_xml(payload.clone())
        };
        assert_eq!(rt.block_on(env.run(&flow, &mut msg)).unwrap(), Flow::Stop);
        assert!(
            msg.payload_as_text().unwrap().contains("europe"),
            "{:?}",
            msg.payload_as_text()
        );
        g.bench_with_input(BenchmarkId::from_parameter(name), &payload, |b, payload| {
            b.iter(|| {
                let mut msg = if json {
                    MessageContext::from_json(payload.clone())
                } else {
                    MessageContext::from_xml(payload.clone())
                };
                let flow = rt.block_on(env.run(&flow, &mut msg));
                black_box((flow.is_ok(), msg))
            })
        });
    }
    g.finish();
}

/// The load test's JSON order of exactly `size` bytes, as `gen_body json order SIZE` in
/// `benches/http/run.sh` writes it: as many items as fit, then a padding note.
fn load_test_order(size: usize) -> Bytes {
    let head = r#"{"order":{"id":"ORD-000042","type":"bronze","currency":"EUR","customer":{"id":"C-1001","name":"Ada Lovelace","email":"ada@example.invalid"},"items":["#;
    let (mid, tail) = (r#"],"note":""#, r#""}}"#);
    let mut body = String::from(head);
    let mut n = 0;
    loop {
        let i = n + 1;
        let item = format!(
            r#"{}{{"sku":"SKU-{i:05}","qty":{},"price":{}.99}}"#,
            if n > 0 { "," } else { "" },
            i % 5 + 1,
            i % 90 + 9
        );
        if body.len() + item.len() + mid.len() + tail.len() > size {
            break;
        }
        body.push_str(&item);
        n += 1;
    }
    body.push_str(mid);
    while body.len() + tail.len() < size {
        body.push('x');
    }
    body.push_str(tail);
    assert_eq!(body.len(), size);
    Bytes::from(body)
}

/// The `/transform/*` resource's payloadFactory of `benches/http/mi/api/BenchAPI.xml`.
fn transform_mediator() -> PayloadFactoryMediator {
    PayloadFactoryConfig::json(
        r#"{"purchase":{"ref":"$1","tier":"$2","buyer":$3,"currency":"$4","lines":$5,"note":"$6"}}"#,
    )
    .arg(Arg::expression("json-eval($.order.id)"))
    .arg(Arg::expression("json-eval($.order.type)"))
    .arg(Arg::expression("json-eval($.order.customer)"))
    .arg(Arg::expression("json-eval($.order.currency)"))
    .arg(Arg::expression("json-eval($.order.items)"))
    .arg(Arg::expression("json-eval($.order.note)"))
    .build()
    .expect("the transform payloadFactory builds")
}

fn payload_factory_transform(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let env = Env::default();
    let pf = transform_mediator();
    let mut g = c.benchmark_group("mediate_mediators::payload_factory_transform");
    for (name, size) in [("json-1KiB", 1024), ("json-100KiB", 100 * 1024)] {
        let payload = load_test_order(size);
        g.throughput(Throughput::Bytes(size as u64));
        // The mediator must do its job before it is timed.
        let mut msg = MessageContext::from_json(payload.clone());
        assert_eq!(
            rt.block_on(pf.mediate(&mut msg, &env)).unwrap(),
            Flow::Continue
        );
        let out: serde_json::Value = serde_json::from_slice(msg.payload()).unwrap();
        let order: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(out["purchase"]["lines"], order["order"]["items"]);
        assert_eq!(out["purchase"]["ref"], "ORD-000042");
        g.bench_with_input(BenchmarkId::from_parameter(name), &payload, |b, payload| {
            b.iter(|| {
                let mut msg = MessageContext::from_json(payload.clone());
                let r = rt.block_on(pf.mediate(&mut msg, &env));
                // What a send writes: the payload bytes.
                black_box((r.is_ok(), msg.payload().len()));
                msg
            })
        });
    }
    g.finish();
}

criterion_group!(benches, ten_mediators, payload_factory_transform);
criterion_main!(benches);
