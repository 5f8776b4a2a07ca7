//! Project-level loading: values put in from outside (`$SYSTEM:`, `$FILE:`), registry
//! resources, Carbon Application archives, and the artifacts mediate reads but cannot deploy.

use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "support/temp_dir.rs"]
mod temp_dir;

use mediate_config::{
    ArtifactConfig, Configuration, Deployment, Diagnostics, LoadOptions, LocalEntryValue, load_dir,
    load_dir_with, load_str, load_str_with,
};
use mediate_core::{Env, Flow, MessageContext, Registry, Sequence};
use temp_dir::TempDir;

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn loaded(dir: &Path, options: &LoadOptions) -> Configuration {
    match load_dir_with(dir, &registry(), options) {
        Ok(c) => c,
        Err(d) => panic!("{} loads:\n{d}", dir.display()),
    }
}

fn deployed(configuration: &Configuration) -> Deployment {
    match configuration.deploy(&registry()) {
        Ok(d) => d,
        Err(d) => panic!("deploys:\n{d}"),
    }
}

fn run(env: &Env, seq: &Sequence, msg: &mut MessageContext) -> Flow {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(env.run(seq, msg)).expect("runs")
}

/// The diagnostics as lines, with `base` cut from the file names.
fn lines(d: &Diagnostics, base: &Path) -> Vec<String> {
    let base = format!("{}/", base.display());
    d.to_string()
        .lines()
        .map(|l| l.replace(&base, ""))
        .collect()
}

fn local_entry_text(configuration: &Configuration, key: &str) -> String {
    configuration
        .local_entries()
        .find(|e| e.key == key)
        .and_then(|e| e.text())
        .unwrap_or_else(|| panic!("local entry `{key}`"))
        .to_owned()
}

/// Writes a zip of `files` (name, content) at `path`.
fn write_zip(path: &Path, files: &[(&str, &str)]) {
    let file = std::fs::File::create(path).expect("create .car");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(content.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

// ---------------------------------------------------------------------------------------------
// Registry resources

// MI for VS Code keeps registry resources in src/main/wso2mi/resources/registry/{gov,conf}
// (gov:/ and conf:/ keys), and MI 4.4 lists more in resources/artifact.xml
// (/_system/governance/mi-resources/json → gov:/mi-resources/json/…).
#[test]
fn registry_project_deploys_a_sequence_and_a_template_under_their_keys() {
    let dir = fixtures().join("registry-project");
    let configuration = loaded(&dir, &LoadOptions::new());
    let mut sequences: Vec<&str> = configuration
        .sequences()
        .filter_map(|s| s.name.as_deref())
        .collect();
    sequences.sort_unstable();
    assert_eq!(sequences, ["OrderFlow", "gov:/sequences/Audit.xml"]);
    // An XML resource that is not a Synapse artifact is its root element as written.
    assert_eq!(
        local_entry_text(&configuration, "conf:/templates/order.xml"),
        r#"<order xmlns="http://example.com/orders"><id>$1</id><status>accepted</status></order>"#
    );
    assert_eq!(
        local_entry_text(&configuration, "gov:/mi-resources/json/limits.json"),
        "{\"maxItems\": 10}\n"
    );
    // The properties MI keeps beside a resource are not a resource.
    assert!(
        configuration
            .local_entries()
            .all(|e| !e.key.ends_with(".properties"))
    );
    // A resource's diagnostics and spans name the resource file.
    let audit = configuration
        .sequences()
        .find(|s| s.name.as_deref() == Some("gov:/sequences/Audit.xml"))
        .expect("audit");
    assert!(
        audit
            .span
            .to_string()
            .ends_with("registry/gov/sequences/Audit.xml:2:1"),
        "{}",
        audit.span
    );

    let deployment = deployed(&configuration);
    let env = deployment.env();
    let mut msg = MessageContext::from_json(r#"{"id": "A-7"}"#);
    let flow = run(&env, &deployment.sequences()["OrderFlow"], &mut msg);
    assert_eq!(flow, Flow::Continue);
    assert!(
        msg.property("audited").is_some(),
        "the registry sequence ran"
    );
    let payload = msg.payload_as_text().expect("utf-8");
    assert!(
        payload.contains("<id>A-7</id><status>accepted</status>"),
        "{payload}"
    );
}

// Integration Studio: a …RegistryResources project whose artifact.xml lists each file beside
// it with its registry path; the resource files are not read as artifact files.
#[test]
fn integration_studio_registry_resources_project() {
    let dir = fixtures().join("studio-project");
    let configuration = loaded(&dir, &LoadOptions::new());
    let names: Vec<&str> = configuration.artifacts.iter().map(|a| a.name()).collect();
    assert!(names.contains(&"Main"), "{names:?}");
    assert!(names.contains(&"conf:/custom/Greet.xml"), "{names:?}");
    assert!(!names.contains(&"Greet"), "{names:?}");
    assert!(local_entry_text(&configuration, "gov:/xslt/style.xsl").starts_with("<xsl:stylesheet"));
    let deployment = deployed(&configuration);
    let mut msg = MessageContext::from_xml("<a/>");
    let flow = run(&deployment.env(), &deployment.sequences()["Main"], &mut msg);
    assert_eq!(flow, Flow::Continue);
    assert!(msg.property("greeting").is_some());
}

#[test]
fn registry_resource_problems_are_located_in_their_files() {
    let tmp = TempDir::new("registry-problems");
    let gov = tmp.0.join("src/main/wso2mi/resources/registry/gov");
    std::fs::create_dir_all(&gov).expect("folders");
    // A broken registry sequence: the problem is in the resource file.
    std::fs::write(
        gov.join("Bad.xml"),
        format!("<sequence {NS} name=\"Bad\">\n    <lg/>\n</sequence>\n"),
    )
    .expect("write");
    // Not well-formed, named .xml.
    std::fs::write(gov.join("broken.xml"), "<a><b></a>").expect("write");
    // Not XML, not named so: a text entry.
    std::fs::write(gov.join("note.txt"), "just < text").expect("write");
    let manifest_dir = tmp.0.join("Resources");
    std::fs::create_dir_all(&manifest_dir).expect("folder");
    std::fs::write(
        manifest_dir.join("artifact.xml"),
        "<artifacts>\n  <artifact name=\"x\" version=\"1.0.0\" type=\"registry/resource\">\n    \
         <item><file>missing.json</file><path>/_system/governance/x</path></item>\n    \
         <item><file>y.json</file><path>/elsewhere</path></item>\n  </artifact>\n</artifacts>\n",
    )
    .expect("write");
    let err = load_dir(&tmp.0, &registry()).expect_err("problems");
    let lines = lines(&err, &tmp.0);
    assert_eq!(
        lines,
        [
            "Resources/artifact.xml:3:11: registry resource `gov:/x/missing.json`: its file is \
             not there (looked for `Resources/missing.json`)"
                .to_owned(),
            "Resources/artifact.xml:4:30: `<path>`: `/elsewhere` is not under a registry root: \
             expected `/_system/config/…` (`conf:`), `/_system/governance/…` (`gov:`) or \
             `/_system/local/…`"
                .to_owned(),
            "src/main/wso2mi/resources/registry/gov/Bad.xml:2:5: unknown mediator `lg`; did you \
             mean `log`?"
                .to_owned(),
            "src/main/wso2mi/resources/registry/gov/broken.xml:1:7: expected 'b' tag, not 'a'"
                .to_owned(),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// $SYSTEM: and $FILE:

#[test]
fn system_and_file_values_are_resolved_at_read_time() {
    let dir = fixtures().join("properties-project");
    let options = LoadOptions::new().environment([("ORDER_URL", "http://backend:9000/orders")]);
    let configuration = loaded(&dir, &options);
    // $FILE: reads conf/file.properties of the project.
    assert_eq!(
        local_entry_text(&configuration, "Greeting"),
        "Hello from a file"
    );
    let routing = configuration
        .sequences()
        .find(|s| s.name.as_deref() == Some("Routing"))
        .expect("routing");
    assert_eq!(routing.mediators[0].get("value"), Some("orders"));
    assert_eq!(
        routing.mediators[1].get("value"),
        Some("http://backend:9000/orders")
    );
    // Positions stay those of the file as written.
    assert_eq!(
        routing.mediators[1]
            .position_of("value")
            .map(|p| p.to_string()),
        Some("4:37".to_owned())
    );
}

#[test]
fn an_unset_variable_is_a_diagnostic_at_the_value() {
    let dir = fixtures().join("properties-project");
    let options = LoadOptions::new().environment(Vec::<(String, String)>::new());
    let err = load_dir_with(&dir, &registry(), &options).expect_err("unset");
    assert_eq!(
        lines(&err, &dir),
        [
            "src/main/synapse-config/sequences/Routing.xml:4:37: environment variable `ORDER_URL` \
          is not set (`$SYSTEM:ORDER_URL`)"
        ]
    );
}

#[test]
fn file_values_come_from_the_file_the_options_name() {
    let tmp = TempDir::new("props");
    let props = tmp.0.join("dev.properties");
    std::fs::write(&props, "ep=http://dev:8080/\n").expect("write");
    let xml = format!("<localEntry {NS} key=\"ep\">\n  $FILE:ep\n</localEntry>");
    let options = LoadOptions::new().properties_file(&props);
    let artifacts = load_str_with(&xml, Path::new("ep.xml"), &registry(), &options).expect("loads");
    let [ArtifactConfig::LocalEntry(entry)] = &artifacts[..] else {
        panic!("one entry: {artifacts:?}")
    };
    assert_eq!(
        entry.value,
        LocalEntryValue::Text("http://dev:8080/".into())
    );

    let xml = format!("<localEntry {NS} key=\"x\">$FILE:other</localEntry>");
    let err = load_str_with(&xml, Path::new("x.xml"), &registry(), &options).expect_err("missing");
    assert_eq!(
        err.to_string(),
        format!(
            "x.xml:1:61: property `other` is not in `{}` (`$FILE:other`)",
            props.display()
        )
    );

    // No properties file anywhere.
    let xml = format!("<localEntry {NS} key=\"x\">$FILE:ep</localEntry>");
    let err = load_str(&xml, Path::new("x.xml"), &registry()).expect_err("no file");
    assert_eq!(
        err.to_string(),
        "x.xml:1:61: `$FILE:ep`: no properties file is given for `$FILE:` values"
    );
    let missing = tmp.0.join("nope.properties");
    let err = load_str_with(
        &xml,
        Path::new("x.xml"),
        &registry(),
        &LoadOptions::new().properties_file(&missing),
    )
    .expect_err("unreadable");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{}:1:1: cannot read the properties file for `$FILE:` values:",
            missing.display()
        )),
        "{text}"
    );
}

// MI replaces the whole value with the variable (anything after the name is dropped), and a name
// is letters, digits and `_` only: both would silently go wrong in MI, so they are refused.
#[test]
fn what_mi_would_get_wrong_is_refused() {
    let options = LoadOptions::new()
        .environment([("HOST", "h")])
        .file_properties([("ep", "x")]);
    let xml = format!(
        "<sequence {NS} name=\"s\">\n\
         <property name=\"a\" value=\"$SYSTEM:HOST/path\"/>\n\
         <property name=\"b\" value=\"$FILE:ep.url\"/>\n\
         <property name=\"c\" value=\"$SYSTEM:\"/>\n\
         <property name=\"d\" value=\"url is $SYSTEM:HOST\"/>\n\
         </sequence>"
    );
    let err = load_str_with(&xml, Path::new("s.xml"), &registry(), &options).expect_err("refused");
    assert_eq!(
        err.to_string().lines().collect::<Vec<_>>(),
        [
            "s.xml:2:27: `$SYSTEM:HOST/path`: MI replaces the whole value with what \
             `$SYSTEM:HOST` stands for, so `/path` would be lost (a name is letters, digits and \
             `_`; put the whole value in the variable)",
            "s.xml:3:27: `$FILE:ep.url`: MI replaces the whole value with what `$FILE:ep` stands \
             for, so `.url` would be lost (a name is letters, digits and `_`; put the whole value \
             in the variable)",
            "s.xml:4:27: `$SYSTEM:`: a name must follow `$SYSTEM:` (letters, digits and `_`)",
        ]
    );
}

// A text value may be written in CDATA, or with white space around it.
#[test]
fn text_values_in_cdata_and_with_white_space() {
    let options = LoadOptions::new().environment([("V", "a & <b>")]);
    for body in [
        "<![CDATA[$SYSTEM:V]]>",
        "\n   $SYSTEM:V \n",
        "<![CDATA[ $SYSTEM:V]]>  ",
    ] {
        let xml = format!(r#"<localEntry {NS} key="e">{body}</localEntry>"#);
        let artifacts = load_str_with(&xml, Path::new("e.xml"), &registry(), &options)
            .unwrap_or_else(|d| panic!("{body}: {d}"));
        let [ArtifactConfig::LocalEntry(entry)] = &artifacts[..] else {
            panic!("one entry")
        };
        assert_eq!(entry.text(), Some("a & <b>"), "{body}");
    }
}

// A value replaced by a longer one does not shift the columns of what follows it.
#[test]
fn positions_after_a_replaced_value_are_in_the_file_as_written() {
    let options = LoadOptions::new().environment([("V", "a much longer value & <more>")]);
    let xml = format!(
        r#"<sequence {NS} name="s"><property name="a" value="$SYSTEM:V"/><lg/></sequence>"#
    );
    let err = load_str_with(&xml, Path::new("s.xml"), &registry(), &options).expect_err("lg");
    assert_eq!(
        err.to_string(),
        "s.xml:1:98: unknown mediator `lg`; did you mean `log`?"
    );
    let ok =
        format!(r#"<sequence {NS} name="s"><property name="a" value="$SYSTEM:V"/></sequence>"#);
    let [ArtifactConfig::Sequence(s)] =
        &load_str_with(&ok, Path::new("s.xml"), &registry(), &options).expect("loads")[..]
    else {
        panic!("one sequence")
    };
    assert_eq!(
        s.mediators[0].get("value"),
        Some("a much longer value & <more>")
    );
}

// ---------------------------------------------------------------------------------------------
// Carbon Application archives

fn artifact_xml(name: &str, kind: &str, file: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<artifact name="{name}" version="1.0.0" type="{kind}" serverRole="EnterpriseServiceBus">
    <file>{file}</file>
</artifact>"#
    )
}

#[test]
fn a_car_built_here_deploys_its_sequences_entries_and_registry_resources() {
    let tmp = TempDir::new("car");
    let sequence = format!(
        "<sequence {NS} name=\"Route\">\n    <property name=\"routed\" value=\"$SYSTEM:ROUTE\"/>\n    \
         <payloadFactory media-type=\"xml\"><format key=\"conf:/formats/out.xml\"/></payloadFactory>\n</sequence>"
    );
    let entry = format!("<localEntry {NS} key=\"Limit\">10</localEntry>");
    let seq_artifact = artifact_xml("Route", "synapse/sequence", "Route-1.0.0.xml");
    let entry_artifact = artifact_xml("Limit", "synapse/local-entry", "Limit-1.0.0.xml");
    let res_artifact = artifact_xml("Formats", "registry/resource", "registry-info.xml");
    let files = [
        (
            "artifacts.xml",
            r#"<artifacts><artifact name="App" version="1.0.0" type="carbon/application">
<dependency artifact="Route" version="1.0.0" include="true"/>
<dependency artifact="Limit" version="1.0.0" include="true"/>
<dependency artifact="Formats" version="1.0.0" include="true"/>
</artifact></artifacts>"#,
        ),
        ("Route_1.0.0/artifact.xml", seq_artifact.as_str()),
        ("Route_1.0.0/Route-1.0.0.xml", sequence.as_str()),
        ("Limit_1.0.0/artifact.xml", entry_artifact.as_str()),
        ("Limit_1.0.0/Limit-1.0.0.xml", entry.as_str()),
        ("Formats_1.0.0/artifact.xml", res_artifact.as_str()),
        (
            "Formats_1.0.0/registry-info.xml",
            "<resources><item><file>out.xml</file><path>/_system/config/formats</path>\
             <mediaType>application/xml</mediaType></item>\
             <collection><directory>more</directory><path>/_system/governance/more</path></collection></resources>",
        ),
        ("Formats_1.0.0/resources/out.xml", "<out><done/></out>"),
        ("Formats_1.0.0/resources/more/a/b.json", "{\"b\": 1}"),
        // Not a dependency of the application: not deployed.
        (
            "Extra_1.0.0/artifact.xml",
            &artifact_xml("Extra", "synapse/sequence", "x.xml"),
        ),
    ];
    write_zip(&tmp.0.join("App_1.0.0.car"), &files);
    let options = LoadOptions::new().environment([("ROUTE", "yes")]);
    let configuration = loaded(&tmp.0, &options);
    let names: Vec<&str> = configuration.artifacts.iter().map(|a| a.name()).collect();
    assert_eq!(
        names,
        [
            "Route",
            "Limit",
            "conf:/formats/out.xml",
            "gov:/more/a/b.json"
        ]
    );
    let route = configuration.sequences().next().expect("route");
    assert_eq!(route.mediators[0].get("value"), Some("yes"));
    assert!(
        route
            .span
            .to_string()
            .ends_with("App_1.0.0.car!/Route_1.0.0/Route-1.0.0.xml:1:1"),
        "{}",
        route.span
    );
    let deployment = deployed(&configuration);
    let mut msg = MessageContext::from_xml("<in/>");
    let flow = run(
        &deployment.env(),
        &deployment.sequences()["Route"],
        &mut msg,
    );
    assert_eq!(flow, Flow::Continue);
    assert_eq!(msg.payload_as_text().expect("utf-8"), "<out><done/></out>");
}

#[test]
fn car_problems_name_the_file_inside_the_archive() {
    let tmp = TempDir::new("car-problems");
    let bad_sequence = format!("<sequence {NS} name=\"Bad\">\n  <lg/>\n</sequence>");
    let api_in_sequence = format!("<api {NS} name=\"A\" context=\"/a\"/>");
    let files = [
        (
            "artifacts.xml",
            r#"<artifacts><artifact name="App" version="1.0.0" type="carbon/application">
<dependency artifact="Bad" version="1.0.0"/>
<dependency artifact="Gone" version="1.0.0"/>
<dependency artifact="Mixed" version="1.0.0"/>
<dependency artifact="Service" version="1.0.0"/>
</artifact></artifacts>"#,
        ),
        (
            "Bad_1.0.0/artifact.xml",
            &artifact_xml("Bad", "synapse/sequence", "Bad.xml"),
        ),
        ("Bad_1.0.0/Bad.xml", bad_sequence.as_str()),
        (
            "Mixed_1.0.0/artifact.xml",
            &artifact_xml("Mixed", "synapse/sequence", "Mixed.xml"),
        ),
        ("Mixed_1.0.0/Mixed.xml", api_in_sequence.as_str()),
        (
            "Service_1.0.0/artifact.xml",
            &artifact_xml("Service", "service/dataservice", "Service.dbs"),
        ),
    ];
    write_zip(&tmp.0.join("App.car"), &files);
    let err = load_dir(&tmp.0, &registry()).expect_err("problems");
    assert_eq!(
        lines(&err, &tmp.0),
        [
            "App.car!/Bad_1.0.0/Bad.xml:2:3: unknown mediator `lg`; did you mean `log`?",
            "App.car!/Mixed_1.0.0/Mixed.xml:1:1: artifact type `synapse/sequence` holds a \
             `<sequence>`, but the file holds a `<api>`",
            "App.car!/Service_1.0.0/artifact.xml:2:48: artifact type `service/dataservice` \
             cannot be deployed by mediate (it deploys `synapse/api`, `synapse/sequence`, \
             `synapse/endpoint`, `synapse/proxy-service`, `synapse/local-entry`, \
             `synapse/template`, `synapse/sequenceTemplate`, `synapse/endpointTemplate`, \
             `synapse/inbound-endpoint`, `synapse/message-store`, \
             `synapse/message-processors`, `synapse/task`, `synapse/event-source`, \
             `registry/resource`)",
            "App.car!/artifacts.xml:3:1: `<dependency>`: no artifact `Gone` version `1.0.0` in \
             the archive (no `FOLDER/artifact.xml` names it), so MI would not deploy the \
             application",
        ]
    );
}

#[test]
fn a_corrupt_car_is_one_diagnostic() {
    let tmp = TempDir::new("corrupt");
    std::fs::write(tmp.0.join("Broken.car"), b"PK\x03\x04 this is not a zip").expect("write");
    let err = load_dir(&tmp.0, &registry()).expect_err("corrupt");
    let found = lines(&err, &tmp.0);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "Broken.car:1:1: not a Carbon Application archive: cannot read it as a zip file ("
        ),
        "{found:?}"
    );

    // A zip without artifacts.xml.
    let tmp = TempDir::new("no-artifacts");
    write_zip(&tmp.0.join("Empty.car"), &[("readme.txt", "hello")]);
    let err = load_dir(&tmp.0, &registry()).expect_err("no artifacts.xml");
    assert_eq!(
        lines(&err, &tmp.0),
        ["Empty.car:1:1: not a Carbon Application archive: no `artifacts.xml` at its root"]
    );
}

// A .car as Integration Studio's Composite Exporter writes it: a sequence, a local entry, a
// registry resource, and an API metadata artifact (skipped).
#[test]
fn the_checked_in_car_deploys_and_runs() {
    let configuration = loaded(&fixtures().join("car-project"), &LoadOptions::new());
    assert_eq!(local_entry_text(&configuration, "Salutation"), "Hello");
    assert_eq!(
        local_entry_text(&configuration, "gov:/hello/reply.json"),
        "{\"reply\": \"hello from the registry\"}\n"
    );
    let deployment = deployed(&configuration);
    let mut msg = MessageContext::from_json("{}");
    let flow = run(
        &deployment.env(),
        &deployment.sequences()["HelloSequence"],
        &mut msg,
    );
    assert_eq!(flow, Flow::Continue);
    assert!(msg.property("greeted").is_some());
    let payload = msg.payload_as_text().expect("utf-8");
    assert!(payload.contains("hello from the registry"), "{payload}");
}

// ---------------------------------------------------------------------------------------------
// Artifacts mediate reads but cannot deploy yet

fn diagnostics(name: &str, xml: &str) -> Vec<String> {
    match load_str(xml, Path::new(name), &registry()) {
        Ok(a) => panic!("expected diagnostics, loaded {a:?}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

#[test]
fn valid_unsupported_artifacts_get_only_the_not_supported_diagnostic() {
    let cases = [
        (
            "inboundEndpoint",
            format!(
                r#"<inboundEndpoint {NS} name="jms" protocol="jms" sequence="In" onError="fault" suspend="false">
    <parameters>
        <parameter name="interval">15000</parameter>
        <parameter name="sequential">true</parameter>
        <parameter name="transport.jms.Destination">myq</parameter>
    </parameters>
</inboundEndpoint>"#
            ),
        ),
        (
            "inboundEndpoint",
            format!(
                r#"<inboundEndpoint {NS} name="web" protocol="http" sequence="In">
    <parameters><parameter name="inbound.http.port">8085</parameter></parameters>
</inboundEndpoint>"#
            ),
        ),
        (
            "messageStore",
            format!(
                r#"<messageStore {NS} name="Orders" class="org.apache.synapse.message.store.impl.rabbitmq.RabbitMQStore">
    <parameter name="store.rabbitmq.host.name">localhost</parameter>
    <parameter name="store.rabbitmq.route.key"/>
    <description>orders</description>
</messageStore>"#
            ),
        ),
        (
            "messageStore",
            format!(r#"<messageStore {NS} name="Memory"/>"#),
        ),
        (
            "messageProcessor",
            format!(
                r#"<messageProcessor {NS} name="Forward" class="org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor" messageStore="Orders" targetEndpoint="Backend">
    <parameter name="interval">1000</parameter>
    <parameter name="max.delivery.attempts">4</parameter>
    <parameter name="is.active">true</parameter>
</messageProcessor>"#
            ),
        ),
        (
            "task",
            format!(
                r#"<task {NS} name="Inject" class="org.apache.synapse.startup.tasks.MessageInjector" group="synapse.simple.quartz">
    <trigger count="5" interval="10"/>
    <property name="injectTo" value="sequence"/>
    <property name="message"><request/></property>
</task>"#
            ),
        ),
        (
            "task",
            format!(
                r#"<task {NS} name="Nightly" class="x.Y"><trigger cron="0 0 2 * * ?"/></task>"#
            ),
        ),
    ];
    for (element, xml) in cases {
        assert_eq!(
            diagnostics("a.xml", &xml),
            [format!(
                "a.xml:1:1: `<{element}>` artifacts are not supported yet"
            )],
            "{xml}"
        );
    }
}

#[test]
fn malformed_inbound_endpoint() {
    let xml = format!(
        r#"<inboundEndpoint {NS} name="web" protocol="http" class="x.Y" suspend="maybe" sequnce="In">
    <parameters>
        <parameter name="inbound.http.port">80a</parameter>
        <parameter name="inbound.http.port">8080</parameter>
        <parameter>x</parameter>
        <param name="y"/>
    </parameters>
    <parameters/>
</inboundEndpoint>"#
    );
    assert_eq!(
        diagnostics("in.xml", &xml),
        [
            "in.xml:1:1: `<inboundEndpoint>` artifacts are not supported yet",
            "in.xml:1:1: `<inboundEndpoint>`: missing attribute `sequence`",
            "in.xml:1:92: `<inboundEndpoint>`: `protocol` and `class` cannot both be given",
            "in.xml:1:106: `<inboundEndpoint>`: attribute `suspend` is `maybe`, expected `true` or `false`",
            "in.xml:1:113: `<inboundEndpoint>`: unknown attribute `sequnce` (expected `name`, `protocol`, `class`, `sequence`, `onError`, `suspend`, `trace`, `statistics`); did you mean `sequence`?",
            "in.xml:3:45: parameter `inbound.http.port` is `80a`, expected a port number (1 to 65535)",
            "in.xml:4:26: `<parameters>`: parameter `inbound.http.port` is given twice",
            "in.xml:5:9: `<parameter>`: missing attribute `name`",
            "in.xml:6:9: `<parameters>`: unknown element `<param>`",
            "in.xml:8:5: `<inboundEndpoint>`: only one `<parameters>` is allowed",
        ]
    );
    let xml = format!(r#"<inboundEndpoint {NS} name="x" sequence="In"/>"#);
    assert_eq!(
        diagnostics("in.xml", &xml),
        [
            "in.xml:1:1: `<inboundEndpoint>` artifacts are not supported yet",
            "in.xml:1:1: `<inboundEndpoint>`: missing attribute `protocol` (a transport: `http`, \
             `jms`, `file`, `kafka`…) or `class` (a custom inbound endpoint)",
        ]
    );
    let xml = format!(r#"<inboundEndpoint {NS} name="x" protocol="https" sequence="In"/>"#);
    assert_eq!(
        diagnostics("in.xml", &xml),
        [
            "in.xml:1:1: `<inboundEndpoint>` artifacts are not supported yet",
            "in.xml:1:1: `<inboundEndpoint>`: a `https` inbound endpoint needs the parameter \
             `inbound.http.port`",
        ]
    );
}

#[test]
fn malformed_message_store_and_processor() {
    let xml = format!(
        r#"<messageStore {NS} clas="x">
    <parameter name="a" key="k">value</parameter>
    <parameter name="a">1</parameter>
    <store/>
</messageStore>"#
    );
    assert_eq!(
        diagnostics("ms.xml", &xml),
        [
            "ms.xml:1:1: `<messageStore>` artifacts are not supported yet",
            "ms.xml:1:1: `<messageStore>`: missing attribute `name`",
            "ms.xml:1:55: `<messageStore>`: unknown attribute `clas` (expected `name`, `class`); did you mean `class`?",
            "ms.xml:2:30: parameter `a`: `key` and a value cannot both be given",
            "ms.xml:3:22: `<messageStore>`: parameter `a` is given twice",
            "ms.xml:4:5: `<messageStore>`: unknown element `<store>`",
        ]
    );
    let xml = format!(
        r#"<messageProcessor {NS} name="P" class="x.Y">
    <parameter name="interval">soon</parameter>
    <parameter name="is.active">yes</parameter>
</messageProcessor>"#
    );
    assert_eq!(
        diagnostics("mp.xml", &xml),
        [
            "mp.xml:1:1: `<messageProcessor>` artifacts are not supported yet",
            "mp.xml:1:1: `<messageProcessor>`: missing attribute `messageStore`",
            "mp.xml:2:32: parameter `interval` is `soon`, expected a number of milliseconds",
            "mp.xml:3:33: parameter `is.active` is `yes`, expected `true` or `false`",
        ]
    );
}

#[test]
fn malformed_task() {
    let xml = format!(
        r#"<task {NS} name="T">
    <trigger count="5" cron="0 * * * *"/>
    <trigger interval="-1" once="sometimes"/>
    <property name="a" expression="$ctx:x"/>
    <property name="b"/>
    <property name="b" value="1"/>
    <schedule/>
</task>"#
    );
    assert_eq!(
        diagnostics("task.xml", &xml),
        [
            "task.xml:1:1: `<task>` artifacts are not supported yet",
            "task.xml:1:1: `<task>`: missing attribute `class`",
            "task.xml:2:21: `<trigger>`: a `count` above 1 needs an `interval` (seconds between runs)",
            "task.xml:2:30: `<trigger>`: `cron` is `0 * * * *` (5 fields), expected a Quartz cron \
             expression of 6 or 7 fields (seconds minutes hours day-of-month month day-of-week \
             [year])",
            "task.xml:3:5: `<task>`: only one `<trigger>` is allowed",
            "task.xml:3:24: `<trigger>`: attribute `interval` is `-1`, expected a number of \
             seconds above 0",
            "task.xml:3:34: `<trigger>`: attribute `once` is `sometimes`, expected `true` or \
             `false`",
            "task.xml:4:36: `<task>`: a task property cannot take an `expression` (MI: tasks do \
             not support dynamic properties); give a `value` or an inline XML value",
            "task.xml:5:5: `<property>`: missing attribute `value` (or an inline XML value)",
            "task.xml:6:21: `<task>`: property `b` is given twice",
            "task.xml:7:5: `<task>`: unknown element `<schedule>`",
        ]
    );
}

#[test]
fn unsupported_artifacts_inside_definitions() {
    let xml = format!(
        r#"<definitions {NS}><messageStore name="Memory"/><sequence name="s"><log/></sequence></definitions>"#
    );
    let err = load_str(&xml, Path::new("d.xml"), &registry()).expect_err("not supported");
    assert_eq!(
        err.to_string(),
        "d.xml:1:54: `<messageStore>` artifacts are not supported yet"
    );
}

mod substitution {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        // Whatever the values put in (markup characters, any length, several on a line), a
        // problem after them is reported at its place in the file as written, and every value
        // reads back as given.
        #[test]
        fn positions_and_values_survive_any_replacement(
            values in proptest::collection::vec("[ -~é\u{1F600}]{0,30}", 1..4),
            newline in any::<bool>(),
        ) {
            let env: Vec<(String, String)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("V{i}"), format!("x{v}")))
                .collect();
            let options = LoadOptions::new().environment(env.clone());
            let mut xml = format!(r#"<sequence {NS} name="s">"#);
            for (name, _) in &env {
                xml.push_str(&format!(r#"<property name="{name}" value="$SYSTEM:{name}"/>"#));
                if newline {
                    xml.push('\n');
                }
            }
            let ok = format!("{xml}</sequence>");
            let artifacts = load_str_with(&ok, Path::new("s.xml"), &registry(), &options);
            let Ok(artifacts) = artifacts else {
                return Err(TestCaseError::fail(format!("{artifacts:?}")));
            };
            let [ArtifactConfig::Sequence(s)] = &artifacts[..] else {
                return Err(TestCaseError::fail("one sequence"));
            };
            for (spec, (_, value)) in s.mediators.iter().zip(&env) {
                prop_assert_eq!(spec.get("value"), Some(value.as_str()));
            }
            let bad = format!("{xml}<lg/></sequence>");
            let before = &bad[..bad.find("<lg/>").unwrap_or_default()];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
            let err = load_str_with(&bad, Path::new("s.xml"), &registry(), &options)
                .expect_err("lg");
            prop_assert_eq!(
                err.to_string(),
                format!("s.xml:{line}:{column}: unknown mediator `lg`; did you mean `log`?")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Registry manifests name files inside the project only

// A manifest's `<file>` and `<directory>` are relative to its folder: an absolute path, a `..`
// step or a drive letter would read anything on the machine (`<directory>/</directory>` walked
// the whole file system), so each is a diagnostic at its element.
#[test]
fn registry_manifests_cannot_name_files_outside_the_project() {
    let dir = fixtures().join("traversal-project");
    let err = load_dir(&dir, &registry()).unwrap_err();
    assert_eq!(
        lines(&err, &dir),
        [
            "sub/artifact.xml:2:13: `<directory>`: `/usr/share/doc` is an absolute path: a \
             registry resource's file is named relative to its artifact's folder, and mediate \
             reads nothing outside it",
            "sub/artifact.xml:3:7: `<file>`: `../../../../../../etc/hostname` goes up a folder \
             (`..`): a registry resource's file is named relative to its artifact's folder, \
             and mediate reads nothing outside it",
            "sub/artifact.xml:4:7: `<file>`: `C:\\Windows\\win.ini` is an absolute path: a \
             registry resource's file is named relative to its artifact's folder, and mediate \
             reads nothing outside it",
        ]
    );
}

// A symbolic link inside the project that leads out of it is refused too.
#[cfg(unix)]
#[test]
fn registry_files_reached_through_links_out_of_the_project_are_refused() {
    let outside = TempDir::new("outside");
    std::fs::write(outside.0.join("secret.txt"), "secret").expect("write");
    std::fs::create_dir_all(outside.0.join("folder")).expect("folder");
    std::fs::write(outside.0.join("folder/x.txt"), "x").expect("write");
    let tmp = TempDir::new("links");
    let res = tmp.0.join("Res");
    std::fs::create_dir_all(res.join("inside")).expect("folders");
    std::os::unix::fs::symlink(outside.0.join("secret.txt"), res.join("secret.txt")).expect("link");
    std::os::unix::fs::symlink(outside.0.join("folder"), res.join("linked")).expect("link");
    std::os::unix::fs::symlink(outside.0.join("secret.txt"), res.join("inside/s.txt"))
        .expect("link");
    std::fs::write(
        res.join("artifact.xml"),
        "<artifacts><artifact name=\"R\" version=\"1.0.0\" type=\"registry/resource\">\n\
         <item><file>secret.txt</file><path>/_system/config/a</path></item>\n\
         <collection><directory>linked</directory><path>/_system/config/b</path></collection>\n\
         <collection><directory>inside</directory><path>/_system/config/c</path></collection>\n\
         </artifact></artifacts>\n",
    )
    .expect("write");
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let out = |p: &str| {
        format!(
            "`Res/{p}` is outside the project folder `{}` (through a symbolic link): mediate \
             reads nothing outside it",
            tmp.0.display()
        )
    };
    assert_eq!(
        lines(&err, &tmp.0),
        [
            format!("Res/artifact.xml:2:7: `<file>`: {}", out("secret.txt")),
            format!("Res/artifact.xml:3:13: `<directory>`: {}", out("linked")),
            format!(
                "Res/artifact.xml:4:13: `<directory>`: {}",
                out("inside/s.txt")
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// An MI home's own settings files, and local entries read from files

// MI's `synapse-configs/default` holds `registry.xml` (`<registry provider>`) and may hold a
// `<taskManager provider>`: MI's own settings, checked and deployed as nothing. A local entry's
// `src="file:…"` is read from the folder loaded (MI reads it from its home): an XML file as its
// root element, anything else as its text.
#[test]
fn an_mi_home_loads_with_its_settings_and_file_local_entries() {
    let dir = fixtures().join("mi-home");
    let configuration = loaded(&dir, &LoadOptions::new());
    let names: Vec<&str> = configuration.artifacts.iter().map(|a| a.name()).collect();
    assert_eq!(names, ["greeting", "xslt-key-req", "fault"]);
    assert_eq!(
        local_entry_text(&configuration, "greeting"),
        "Hello from a file\n"
    );
    assert_eq!(
        local_entry_text(&configuration, "xslt-key-req"),
        "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n    \
         <xsl:template match=\"/\"><renamed/></xsl:template>\n</xsl:stylesheet>"
    );
    // Written back as read: the URL, not what it held.
    let entry = configuration
        .local_entries()
        .find(|e| e.key == "greeting")
        .expect("entry");
    assert_eq!(
        entry.value,
        LocalEntryValue::Src("file:repository/samples/resources/greeting.txt".into())
    );
    let deployment = deployed(&configuration);
    assert_eq!(
        deployment.env().local_entry("greeting").map(|v| &**v),
        Some("Hello from a file\n")
    );
}

#[test]
fn malformed_registry_and_task_manager_settings() {
    let xml = format!(
        "<registry {NS} providr=\"x.Y\">\n  <parameter>15000</parameter>\n  <param name=\"a\"/>\n</registry>"
    );
    assert_eq!(
        diagnostics("registry.xml", &xml),
        [
            "registry.xml:1:1: `<registry>`: missing attribute `provider`",
            "registry.xml:1:51: `<registry>`: unknown attribute `providr` (expected `name`, `provider`); did you mean `provider`?",
            "registry.xml:2:3: `<parameter>`: missing attribute `name`",
            "registry.xml:3:3: `<registry>`: unknown element `<param>`",
        ]
    );
    let xml = format!(r#"<taskManager {NS} provider="x.Y" name="t"/>"#);
    assert_eq!(
        diagnostics("tm.xml", &xml),
        ["tm.xml:1:69: `<taskManager>`: unknown attribute `name` (expected `provider`)"]
    );
}

#[test]
fn local_entry_sources_that_cannot_be_read() {
    let tmp = TempDir::new("entry-src");
    std::fs::write(tmp.0.join("binary.bin"), [0xff, 0xfe, 0x00]).expect("write");
    let entries = [
        r#"key="missing" src="file:conf/missing.xml""#,
        r#"key="web" src="http://config.example.com/limits.xml""#,
        r#"key="bare" src="conf/limits.xml""#,
        r#"key="binary" src="file:binary.bin""#,
        r#"key="remote" src="file://files.example.com/x.xml""#,
    ];
    for (i, attrs) in entries.iter().enumerate() {
        std::fs::write(
            tmp.0.join(format!("e{i}.xml")),
            format!("<localEntry {NS} {attrs}/>\n"),
        )
        .expect("write");
    }
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let at = |i: usize| {
        format!(
            "e{i}.xml:1:{}",
            52 + entries[i].find("src=").unwrap() + 5 + 1
        )
    };
    assert_eq!(
        lines(&err, &tmp.0),
        [
            format!(
                "{}: `<localEntry>`: `file:conf/missing.xml`: `conf/missing.xml`: cannot read: \
                 No such file or directory (os error 2)",
                at(0)
            ),
            format!(
                "{}: a local entry read from `http:` is not supported yet (only `file:`)",
                at(1)
            ),
            format!(
                "{}: `<localEntry>`: `src` is `conf/limits.xml`, expected a URL (`file:PATH`)",
                at(2)
            ),
            format!(
                "{}: `<localEntry>`: `file:binary.bin`: `binary.bin` is not UTF-8 text",
                at(3)
            ),
            format!(
                "{}: `<localEntry>`: `file://files.example.com/x.xml` names a file on another host",
                at(4)
            ),
        ]
    );
    // A single file has no folder to read a `file:` URL from: it is left unread.
    let artifacts = load_str(
        &format!(r#"<localEntry {NS} key="k" src="file:conf/missing.xml"/>"#),
        Path::new("e.xml"),
        &registry(),
    )
    .expect("loads");
    let [ArtifactConfig::LocalEntry(entry)] = artifacts.as_slice() else {
        panic!("{artifacts:?}")
    };
    assert_eq!(entry.text(), None);
}

// ---------------------------------------------------------------------------------------------
// `$FILE:` properties and `$config:` values

// java.util.Properties: a line ending in `\` goes on on the next line, whose leading white
// space is dropped; a blank next line ends the value there.
#[test]
fn properties_file_continuations_end_at_a_blank_line() {
    let tmp = TempDir::new("continuation");
    let props = tmp.0.join("file.properties");
    std::fs::write(
        &props,
        "a=x\\\n\nb=1\nc=one \\\n    two\\\r\n\tthree\r# d=no\r\ne = \\\\\n",
    )
    .expect("write");
    let options = LoadOptions::new().properties_file(&props);
    let value = |key: &str| {
        let xml = format!(r#"<localEntry {NS} key="k">$FILE:{key}</localEntry>"#);
        match load_str_with(&xml, Path::new("e.xml"), &registry(), &options).as_deref() {
            Ok([ArtifactConfig::LocalEntry(e)]) => e.text().map(str::to_owned),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(value("a").as_deref(), Some("x"));
    assert_eq!(value("b").as_deref(), Some("1"));
    assert_eq!(value("c").as_deref(), Some("one twothree"));
    assert_eq!(value("e").as_deref(), Some("\\"));
    let xml = format!(r#"<localEntry {NS} key="k">$FILE:d</localEntry>"#);
    assert!(load_str_with(&xml, Path::new("e.xml"), &registry(), &options).is_err());
}

// MI 4.4 resolves `$config:NAME` (wso2-synapse `ResolverFactory`) from its own settings, which
// mediate does not have yet.
#[test]
fn config_values_are_not_supported_yet() {
    let xml = format!(
        "<sequence {NS} name=\"s\">\n  <call><endpoint><http method=\"get\" uri-template=\"$config:backend_url\"/></endpoint></call>\n</sequence>"
    );
    assert_eq!(
        diagnostics("c.xml", &xml),
        [
            "c.xml:2:52: `$config:` values (from MI's deployment.toml) are not supported yet \
          (`$config:backend_url`)"
        ]
    );
}
