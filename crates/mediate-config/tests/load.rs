//! Loading MI-style artifact files and folders, and the diagnostics of broken ones.

use std::path::{Path, PathBuf};

use mediate_config::{
    ArtifactConfig, Deployment, Diagnostics, LocalEntryValue, load_bytes, load_dir, load_str,
};
use mediate_core::{Env, Flow, MessageContext, Registry, Sequence};

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn project() -> Deployment {
    let registry = registry();
    match load_dir(&fixtures().join("project"), &registry).and_then(|c| c.deploy(&registry)) {
        Ok(deployment) => deployment,
        Err(d) => panic!("project loads:\n{d}"),
    }
}

fn run(env: &Env, seq: &Sequence, msg: &mut MessageContext) -> Flow {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(env.run(seq, msg)).expect("runs")
}

/// Loads `xml` as file `name` and gives its diagnostics as lines.
fn diagnostics(name: &str, xml: &str) -> Vec<String> {
    match load_str(xml, Path::new(name), &registry()) {
        Ok(a) => panic!("expected diagnostics, loaded {a:?}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

fn fixture_diagnostics(name: &str) -> Vec<String> {
    let path = fixtures().join("broken").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    diagnostics(&format!("broken/{name}"), &text)
}

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

#[test]
fn project_layout_loads_sequences_and_local_entries() {
    let loaded = project();
    let names: Vec<&str> = loaded.sequences().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["Fail", "OrderError", "OrderSequence", "QuoteSequence"]
    );
    assert_eq!(
        loaded.sequences()["OrderSequence"].on_error_key(),
        Some("OrderError")
    );
    assert_eq!(loaded.sequences()["OrderSequence"].mediators().len(), 6);
    assert_eq!(
        &*loaded.local_entries()["Greeting"],
        "Hello from a local entry"
    );
    // An XML local entry is its element as written, with the namespaces in scope declared.
    assert_eq!(
        &*loaded.local_entries()["QuoteTemplate"],
        r#"<m:quote xmlns:m="http://services.samples"><m:symbol>$1</m:symbol></m:quote>"#
    );
    let env = loaded.env();
    assert_eq!(
        env.local_entry("Greeting").map(|s| &**s),
        Some("Hello from a local entry")
    );
    assert!(env.get_sequence("OrderError").is_some());
}

// log, property (json-eval), filter (source/regex), switch (case regex), header and a JSON
// payloadFactory, as MI's docs write them, run on a JSON order.
#[test]
fn order_sequence_runs() {
    let loaded = project();
    let env = loaded.env();
    let mut msg = MessageContext::from_json(
        r#"{"order": {"id": "A-7", "priority": "high", "country": "US"}}"#,
    );
    let flow = run(&env, &loaded.sequences()["OrderSequence"], &mut msg);
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        msg.payload_as_text().expect("utf-8"),
        r#"{"id": "A-7", "lane": "express", "region": "americas"}"#
    );
    assert_eq!(msg.transport_header("X-Order").as_deref(), Some("A-7"));
}

// An XML payloadFactory format with its own prefix and an inline enrich source: the inline
// content is read as written, with the namespaces in scope.
#[test]
fn quote_sequence_builds_xml_and_enriches_it() {
    let loaded = project();
    let mut msg = MessageContext::from_json(r#"{"symbol": "WSO2"}"#);
    let _ = run(
        &loaded.env(),
        &loaded.sequences()["QuoteSequence"],
        &mut msg,
    );
    let text = msg.payload_as_text().expect("utf-8");
    assert!(text.contains("<m:symbol>WSO2</m:symbol>"), "{text}");
    assert!(
        text.contains(r#"<m:note xmlns:m="http://services.samples">enriched</m:note></m:request>"#),
        "{text}"
    );
}

// Synapse: a fault in a sequence goes to its onError sequence; makefault builds a SOAP 1.1 fault.
#[test]
fn on_error_sequence_makes_a_fault() {
    let loaded = project();
    let mut msg = MessageContext::from_xml("<a/>");
    let flow = run(&loaded.env(), &loaded.sequences()["Fail"], &mut msg);
    assert_eq!(flow, Flow::Stop);
    let text = msg.payload_as_text().expect("utf-8");
    assert!(text.contains("<faultcode"), "{text}");
    assert!(text.contains("soap11Env:Server</faultcode>"), "{text}");
}

#[test]
fn class_mediator_is_built_by_its_registered_name() {
    let mut registry = registry();
    registry.register("com.acme.Audit", |spec: &mediate_core::MediatorSpec| {
        let level = spec.require("level")?.to_owned();
        Ok(std::sync::Arc::new(mediate_core::mediator_fn(
            "class:com.acme.Audit",
            move |msg: &mut MessageContext| {
                msg.set_property("audit", level.as_str());
                Ok::<_, mediate_core::MediationError>(Flow::Continue)
            },
        )) as std::sync::Arc<dyn mediate_core::Mediator>)
    });
    let xml = format!(
        r#"<sequence {NS} name="s"><class name="com.acme.Audit"><property name="level" value="3"/></class></sequence>"#
    );
    let loaded = load_str(&xml, Path::new("s.xml"), &registry);
    let Ok([ArtifactConfig::Sequence(seq)]) = loaded.as_deref() else {
        panic!("loads")
    };
    let seq = seq.build(&registry).expect("builds");
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(run(&Env::default(), &seq, &mut msg), Flow::Continue);
    assert!(msg.property("audit").is_some());

    // A class property the factory refuses is located at that property's value.
    let xml = format!(
        "<sequence {NS} name=\"s\">\n<class name=\"com.acme.Audit\">\n  <property name=\"other\" value=\"3\"/>\n</class></sequence>"
    );
    let err = load_str(&xml, Path::new("s.xml"), &registry).unwrap_err();
    assert_eq!(
        err.to_string(),
        "s.xml:2:1: mediator `com.acme.Audit`: missing property `level`"
    );
}

#[test]
fn malformed_xml_is_one_diagnostic_at_the_error() {
    assert_eq!(
        fixture_diagnostics("malformed.xml"),
        ["broken/malformed.xml:4:1: expected 'log' tag, not 'sequence'"]
    );
}

// Every problem of the file, in order: unknown mediator with a suggestion, a bad attribute
// value, a bad XPath at the column inside the attribute, an unknown attribute.
#[test]
fn all_problems_of_a_file_are_reported_with_positions() {
    let lines = fixture_diagnostics("many_errors.xml");
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(
        lines[0],
        "broken/many_errors.xml:3:5: unknown mediator `lgo`; did you mean `log`?"
    );
    assert!(
        lines[1].starts_with(
            "broken/many_errors.xml:4:17: mediator `log`: invalid value `loud` for property `level`"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("broken/many_errors.xml:5:"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("invalid XPath at column"), "{}", lines[2]);
    assert!(
        lines[3].starts_with("broken/many_errors.xml:8:"),
        "{}",
        lines[3]
    );
    assert!(lines[3].contains("colour"), "{}", lines[3]);
}

#[test]
fn unsupported_artifact_is_reported_at_its_root() {
    assert_eq!(
        fixture_diagnostics("inbound.xml"),
        ["broken/inbound.xml:2:1: `<inboundEndpoint>` artifacts are not supported yet"]
    );
}

#[test]
fn unknown_root_suggests_the_artifact() {
    assert_eq!(
        fixture_diagnostics("unknown_root.xml"),
        ["broken/unknown_root.xml:2:1: unknown artifact `<sequense>`; did you mean `sequence`?"]
    );
}

#[test]
fn a_broken_folder_reports_every_file_sorted() {
    let err = load_dir(&fixtures().join("broken"), &registry()).unwrap_err();
    let files: Vec<String> = err
        .iter()
        .map(|d| {
            d.file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        files,
        [
            "inbound.xml",
            "malformed.xml",
            "many_errors.xml",
            "many_errors.xml",
            "many_errors.xml",
            "many_errors.xml",
            "unknown_root.xml"
        ]
    );
}

#[test]
fn dtd_is_refused() {
    let lines = diagnostics(
        "d.xml",
        &format!("<!DOCTYPE x [<!ENTITY e \"x\">]>\n<sequence {NS} name=\"s\"/>"),
    );
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("d.xml:1:1: "), "{}", lines[0]);
}

#[test]
fn root_outside_the_synapse_namespace() {
    assert_eq!(
        diagnostics("n.xml", r#"<sequence name="s"><log/></sequence>"#),
        [
            r#"n.xml:1:1: root element `sequence` is not in the Synapse namespace (add xmlns="http://ws.apache.org/ns/synapse")"#
        ]
    );
}

#[test]
fn foreign_element_where_a_mediator_is_expected() {
    assert_eq!(
        diagnostics(
            "f.xml",
            &format!(r#"<sequence {NS} name="s"><x:log xmlns:x="urn:x"/></sequence>"#)
        ),
        ["f.xml:1:60: `<{urn:x}log>` is not a mediator: it is not in the Synapse namespace"]
    );
}

#[test]
fn sequence_attributes_are_checked() {
    assert_eq!(
        diagnostics(
            "a.xml",
            &format!("<sequence {NS}\n  nam=\"s\" onErorr=\"f\"/>")
        ),
        [
            "a.xml:1:1: `<sequence>`: missing attribute `name`",
            "a.xml:2:3: `<sequence>`: unknown attribute `nam` (expected `name`, `onError`, `trace`, `statistics`, `description`); did you mean `name`?",
            "a.xml:2:11: `<sequence>`: unknown attribute `onErorr` (expected `name`, `onError`, `trace`, `statistics`, `description`); did you mean `onError`?",
        ]
    );
}

/// An unknown attribute reads the same whether the configuration reader finds it on an
/// artifact's element or a mediator's build finds it: `` `<ELEMENT>`: unknown attribute `NAME`
/// (expected …); did you mean `CLOSEST`? ``, at `FILE:LINE:COL` (the reader points at the
/// attribute, a mediator at its value).
#[test]
fn unknown_attributes_are_worded_alike_on_artifacts_and_mediators() {
    assert_eq!(
        diagnostics(
            "a.xml",
            &format!(
                "<sequence {NS} name=\"s\" onErorr=\"f\">\n  <drop statistic=\"enable\"/>\n</sequence>"
            )
        ),
        [
            "a.xml:1:60: `<sequence>`: unknown attribute `onErorr` (expected `name`, `onError`, `trace`, `statistics`, `description`); did you mean `onError`?",
            "a.xml:2:20: `<drop>`: unknown attribute `statistic` (expected `description`, `trace`, `statistics`); did you mean `statistics`?",
        ]
    );
}

#[test]
fn local_entry_forms() {
    let registry = registry();
    let read = |xml: &str| match load_str(xml, Path::new("e.xml"), &registry).as_deref() {
        Ok([ArtifactConfig::LocalEntry(e)]) => e.clone(),
        other => panic!("{other:?}"),
    };
    let src = read(&format!(r#"<localEntry {NS} key="k" src="file:a.xml"/>"#));
    assert_eq!(src.value, LocalEntryValue::Src("file:a.xml".into()));
    let text = read(&format!(
        r#"<localEntry {NS} key="k"> spaced </localEntry>"#
    ));
    assert_eq!(text.value, LocalEntryValue::Text(" spaced ".into()));
    let xml = read(&format!(
        "<localEntry {NS} key=\"k\" description=\"d\">\n  <a xmlns=\"\">1</a>\n</localEntry>"
    ));
    assert_eq!(
        xml.value,
        LocalEntryValue::Xml(r#"<a xmlns="">1</a>"#.into())
    );
    assert_eq!(xml.description.as_deref(), Some("d"));
    assert_eq!(
        diagnostics(
            "e.xml",
            &format!(r#"<localEntry {NS} key="k" src="file:a.xml">x</localEntry>"#)
        ),
        ["e.xml:1:66: `<localEntry>`: `src` and an inline value cannot both be given"]
    );
}

#[test]
fn duplicate_name_is_reported_at_the_second_definition() {
    let dir = std::env::temp_dir().join(format!("mediate-config-dup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("b")).expect("temp dir");
    std::fs::write(dir.join("a.xml"), format!("<sequence {NS} name=\"Main\"/>")).expect("write");
    std::fs::write(
        dir.join("b/c.xml"),
        format!("\n  <localEntry {NS} key=\"Main\">x</localEntry>"),
    )
    .expect("write");
    let err = load_dir(&dir, &registry()).unwrap_err();
    let expected = format!(
        "{}:2:3: duplicate name `Main`: a sequence of that name is defined at {}:1:1",
        dir.join("b/c.xml").display(),
        dir.join("a.xml").display()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(err.to_string(), expected);
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let err: Diagnostics =
        load_bytes(b"<a>\n\xff</a>", Path::new("u.xml"), &registry()).unwrap_err();
    assert_eq!(err.to_string(), "u.xml:2:1: the file is not valid UTF-8");
}

// An expression error is at the attribute value's column plus the column inside the
// expression; an entity (`&lt;`) counts as the one character it stands for.
#[test]
fn expression_errors_point_inside_the_attribute() {
    let xml = format!(
        "<sequence {NS} name=\"s\">\n<filter xpath=\"1 &lt; 2 and (\"><then/></filter>\n<property name=\"p\" expression=\"json-eval($.a[)\"/></sequence>"
    );
    let lines = diagnostics("x.xml", &xml);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with("x.xml:2:30: mediator `filter`: invalid value `1 < 2 and (` for property `xpath`: invalid XPath at column 12: "), "{}", lines[0]);
    // column 14 of `json-eval($.a[)` is its `[`.
    assert!(lines[1].starts_with("x.xml:3:45: mediator `property`: invalid value `json-eval($.a[)` for property `expression`: invalid json-eval at column 14: "), "{}", lines[1]);
}

// A sequence template from XML, called with a literal and an expression parameter: the body
// reads them as `$func:` values (MI's "Sequence Template" example shape).
#[test]
fn sequence_template_is_deployed_and_called() {
    let registry = registry();
    let xml = format!(
        r#"<definitions {NS}>
  <template name="HelloWorld_Logger">
    <parameter name="message" isMandatory="true"/>
    <parameter name="who" defaultValue="world"/>
    <sequence>
      <property name="greeting" expression="concat($func:message, ', ', $func:who)"/>
    </sequence>
  </template>
  <sequence name="main2">
    <call-template target="HelloWorld_Logger">
      <with-param name="message" value="{{//greeting/text()}}"/>
    </call-template>
  </sequence>
</definitions>"#
    );
    let artifacts = load_str(&xml, Path::new("t.xml"), &registry).expect("loads");
    let configuration = mediate_config::Configuration::new(artifacts);
    assert!(configuration.check().is_empty());
    let deployment = configuration.deploy(&registry).expect("deploys");
    let env = deployment.env();
    assert!(env.get_template("HelloWorld_Logger").is_some());
    let mut msg = MessageContext::from_xml("<greeting>Hello</greeting>");
    let flow = run(&env, &deployment.sequences()["main2"], &mut msg);
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        msg.property("greeting").map(|p| p.to_string()).as_deref(),
        Some("Hello, world")
    );
}

// A reference to an artifact that failed to load is not reported again as naming nothing:
// only the artifact's own problem is.
#[test]
fn a_broken_artifact_does_not_cascade_into_missing_key_reports() {
    let dir = std::env::temp_dir().join(format!("mediate-config-cascade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("a.xml"),
        format!("<sequence {NS} name=\"Main\"><sequence key=\"Audit\"/><sequence key=\"Audti\"/></sequence>"),
    )
    .expect("write");
    std::fs::write(
        dir.join("b.xml"),
        format!("<sequence {NS} name=\"Audit\"><log level=\"loud\"/></sequence>"),
    )
    .expect("write");
    let err = load_dir(&dir, &registry()).unwrap_err();
    let lines: Vec<String> = err
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {}",
                d.file.file_name().unwrap_or_default().to_string_lossy(),
                d.position,
                d.message
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].starts_with("a.xml:1:101: `<sequence key>`: no sequence named `Audti` is defined"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("b.xml:1:76: mediator `log`"),
        "{}",
        lines[1]
    );
}

// A Java regex error points at its column inside the attribute value, as expression errors do.
#[test]
fn regex_errors_point_inside_the_attribute() {
    let xml = format!(
        "<sequence {NS} name=\"s\">\n<filter source=\"get-property('a')\" regex=\"ab(c\"><then/></filter>\n<property name=\"p\" expression=\"get-property('a')\" pattern=\"x{{2,1}}\" group=\"0\"/></sequence>"
    );
    let lines = diagnostics("r.xml", &xml);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    // `ab(c` starts at column 43; the group is unclosed at its end (column 5 of the value).
    assert!(
        lines[0].starts_with("r.xml:2:47: mediator `filter`"),
        "{}",
        lines[0]
    );
    // `x{2,1}` starts at column 60; `{` is its column 2.
    assert!(
        lines[1].starts_with("r.xml:3:61: mediator `property`"),
        "{}",
        lines[1]
    );
}

// A program registers its own element name for its own mediator: `<audit>` in Synapse XML
// builds it, with its attributes as properties.
#[test]
fn a_program_registers_its_own_element() {
    let mut registry = registry();
    registry.register("audit", |spec: &mediate_core::MediatorSpec| {
        let level = spec.require("level")?.to_owned();
        Ok(std::sync::Arc::new(mediate_core::mediator_fn(
            "audit",
            move |msg: &mut MessageContext| {
                msg.set_property("audit", level.as_str());
                Ok::<_, mediate_core::MediationError>(Flow::Continue)
            },
        )) as std::sync::Arc<dyn mediate_core::Mediator>)
    });
    let xml = format!(r#"<sequence {NS} name="s"><log/><audit level="3"/></sequence>"#);
    let loaded = load_str(&xml, Path::new("s.xml"), &registry);
    let Ok([ArtifactConfig::Sequence(seq)]) = loaded.as_deref() else {
        panic!("loads: {loaded:?}")
    };
    let seq = seq.build(&registry).expect("builds");
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(run(&Env::default(), &seq, &mut msg), Flow::Continue);
    assert_eq!(
        msg.property("audit").map(|p| p.to_string()).as_deref(),
        Some("3")
    );
    // Without the registration it is an unknown mediator.
    let err = load_str(&xml, Path::new("s.xml"), &self::registry()).unwrap_err();
    assert_eq!(err.to_string(), "s.xml:1:66: unknown mediator `audit`");
}
