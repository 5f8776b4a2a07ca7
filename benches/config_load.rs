//! Configuration benches: `cargo bench -p benches --bench config_load`.
//!
//! Reads, checks and deploys a project of 1,000 Synapse XML artifacts of the kinds an MI
//! project holds (300 sequences of eight mediators, 200 APIs of two resources with inline
//! sequences, 200 endpoints, 100 proxy services, 100 sequence templates, 100 local entries),
//! the way `mediate check` and `mediate serve` do: every file parsed and validated (every
//! mediator built once, expressions compiled), then the cross-artifact checks, then the runtime
//! sequences built. The files are in memory: this measures the engine, not the disk.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediate::config::{Configuration, load_str};

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

fn sequence(i: usize) -> String {
    format!(
        r#"<sequence {NS} name="Seq{i}" onError="fault">
    <log level="custom"><property name="order" expression="json-eval($.order.id)"/></log>
    <property name="country" expression="//order/country" scope="default" type="STRING"/>
    <variable name="total" type="INTEGER" expression="${{payload.order.total}}"/>
    <filter source="get-property('country')" regex="FR|DE">
        <then><property name="region" value="eu"/></then>
        <else><property name="region" value="other"/></else>
    </filter>
    <switch source="json-eval($.order.tier)">
        <case regex="gold"><header name="X-Tier" scope="transport" value="gold"/></case>
        <default><header name="X-Tier" scope="transport" value="std"/></default>
    </switch>
    <enrich><source type="property" property="region"/><target type="body" action="child"/></enrich>
    <payloadFactory media-type="json"><format>{{"id":"$1","region":"$2"}}</format>
        <args><arg evaluator="json" expression="$.order.id"/><arg expression="get-property('region')"/></args>
    </payloadFactory>
    <sequence key="Seq{next}"/>
</sequence>"#,
        next = (i + 1) % 300
    )
}

fn api(i: usize) -> String {
    format!(
        r#"<api {NS} name="Api{i}" context="/api{i}" version="1.0.0" version-type="url">
    <resource methods="GET" uri-template="/orders/{{id}}">
        <inSequence><log level="full"/><property name="id" expression="$ctx:uri.var.id"/><respond/></inSequence>
        <faultSequence><log level="full"/></faultSequence>
    </resource>
    <resource methods="POST PUT" url-mapping="/orders/*" inSequence="Seq{s}"/>
</api>"#,
        s = i % 300
    )
}

fn endpoint(i: usize) -> String {
    format!(
        r#"<endpoint {NS} name="Ep{i}">
    <address uri="http://127.0.0.1:9000/services/Svc{i}">
        <timeout><duration>30000</duration><responseAction>fault</responseAction></timeout>
        <suspendOnFailure><errorCodes>101503,101504</errorCodes><initialDuration>1000</initialDuration><progressionFactor>2</progressionFactor><maximumDuration>60000</maximumDuration></suspendOnFailure>
        <markForSuspension><errorCodes>101505</errorCodes><retriesBeforeSuspension>3</retriesBeforeSuspension><retryDelay>100</retryDelay></markForSuspension>
    </address>
</endpoint>"#
    )
}

fn proxy(i: usize) -> String {
    format!(
        r#"<proxy {NS} name="Proxy{i}" transports="http https" startOnLoad="true">
    <target endpoint="Ep{e}">
        <inSequence><log level="simple"/><property name="proxy" value="{i}"/></inSequence>
        <outSequence><respond/></outSequence>
    </target>
</proxy>"#,
        e = i % 200
    )
}

fn template(i: usize) -> String {
    format!(
        r#"<template {NS} name="Tmpl{i}">
    <parameter name="message"/><parameter name="level" defaultValue="INFO"/>
    <sequence><log level="custom"><property name="msg" expression="$func:message"/></log></sequence>
</template>"#
    )
}

fn local_entry(i: usize) -> String {
    format!(
        r#"<localEntry {NS} key="Entry{i}"><quote xmlns="urn:q"><symbol>$1</symbol></quote></localEntry>"#
    )
}

/// The 1,000 files: (path, text).
fn project() -> Vec<(PathBuf, String)> {
    let mut files = Vec::with_capacity(1000);
    let mut add = |dir: &str, name: String, text: String| {
        files.push((PathBuf::from(format!("{dir}/{name}.xml")), text));
    };
    for i in 0..300 {
        add("sequences", format!("Seq{i}"), sequence(i));
    }
    for i in 0..200 {
        add("api", format!("Api{i}"), api(i));
        add("endpoints", format!("Ep{i}"), endpoint(i));
    }
    for i in 0..100 {
        add("proxy-services", format!("Proxy{i}"), proxy(i));
        add("templates", format!("Tmpl{i}"), template(i));
        add("local-entries", format!("Entry{i}"), local_entry(i));
    }
    files
}

fn bench(c: &mut Criterion) {
    let registry = mediate::mediators::builtins::registry();
    let files = project();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    // The project is valid: a bench of error paths would measure something else.
    let mut artifacts = Vec::new();
    for (path, text) in &files {
        match load_str(text, path, &registry) {
            Ok(a) => artifacts.extend(a),
            Err(d) => panic!("bench project is invalid:\n{d}"),
        }
    }
    let configuration = Configuration::new(artifacts);
    let problems = configuration.check();
    assert!(problems.is_empty(), "bench project is invalid:\n{problems}");
    if let Err(d) = configuration.deploy(&registry) {
        panic!("bench project does not deploy:\n{d}");
    }

    let mut group = c.benchmark_group("config");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("read+check+deploy 1000 artifacts", |b| {
        b.iter(|| {
            let mut artifacts = Vec::with_capacity(files.len());
            for (path, text) in &files {
                artifacts.extend(load_str(text, path, &registry).unwrap_or_default());
            }
            let configuration = Configuration::new(artifacts);
            let problems = configuration.check();
            let deployment = configuration.deploy(&registry);
            black_box((problems, deployment.is_ok()))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
