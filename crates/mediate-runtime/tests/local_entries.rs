//! `get-property('KEY')` reads the deployed local entry `KEY` when the message has no property
//! `KEY` (wso2-synapse `GetPropertyFunction.evaluate`: `synCtx.getProperty(key)`, else
//! `synCtx.getEntry(key)`), end to end through a served API: mediators and endpoints evaluate
//! their expressions beside the deployed entries. A text entry is its string; an XML entry is
//! its element (Synapse's `OMElement`), so `get-property('cfg')/url` walks into it.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::{Method, Request, StatusCode};
use mediate_runtime::Runtime;
use mediate_runtime::engine::Engine;
use support::*;

/// The entries every test deploys: a text entry and an XML one (its element out of the
/// Synapse namespace, as a configuration writes it with `xmlns=""`).
fn entries() -> Vec<String> {
    vec![
        synapse(r#"<localEntry key="greeting">hello</localEntry>"#),
        synapse(
            r#"<localEntry key="cfg"><cfg xmlns=""><url>http://backend:9090/orders</url><retries>3</retries></cfg></localEntry>"#,
        ),
        synapse(r#"<localEntry key="mode">on</localEntry>"#),
    ]
}

/// A JSON echo of the default-scope properties `out` and `url`.
const ECHO_OUT_AND_URL: &str = r#"<payloadFactory media-type="json">
        <format>{"out":"$1","url":"$2"}</format>
        <args><arg expression="$ctx:out"/><arg expression="$ctx:url"/></args>
    </payloadFactory>
    <respond/>"#;

#[tokio::test]
async fn get_property_reads_a_text_entry_and_walks_into_an_xml_entry() {
    let mut artifacts = entries();
    artifacts.push(api(
        "Entries",
        "/entries",
        &format!(
            r#"<resource methods="GET" uri-template="/read"><inSequence>
                <property name="out" expression="get-property('greeting')"/>
                <property name="url" expression="get-property('cfg')/url"/>
                {ECHO_OUT_AND_URL}
            </inSequence></resource>"#
        ),
    ));
    let (_rt, server) = serve_xml(&artifacts).await;

    let got = get(&server.url("/entries/read")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(
        got.json(),
        serde_json::json!({"out": "hello", "url": "http://backend:9090/orders"})
    );
}

#[tokio::test]
async fn a_message_property_of_the_same_name_wins_over_the_entry() {
    let mut artifacts = entries();
    artifacts.push(api(
        "Entries",
        "/entries",
        &format!(
            r#"<resource methods="GET" uri-template="/shadowed"><inSequence>
                <property name="greeting" value="from-the-message"/>
                <property name="out" expression="get-property('greeting')"/>
                <property name="url" expression="get-property('default', 'greeting')"/>
                {ECHO_OUT_AND_URL}
            </inSequence></resource>"#
        ),
    ));
    let (_rt, server) = serve_xml(&artifacts).await;

    let got = get(&server.url("/entries/shadowed")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(
        got.json(),
        serde_json::json!({"out": "from-the-message", "url": "from-the-message"})
    );
}

#[tokio::test]
async fn other_scopes_and_ctx_variables_read_properties_only() {
    let mut artifacts = entries();
    artifacts.push(api(
        "Entries",
        "/entries",
        &format!(
            r#"<resource methods="GET" uri-template="/scoped"><inSequence>
                <property name="out" expression="concat('[', $ctx:greeting, ']')"/>
                <property name="url" expression="concat('[', get-property('axis2', 'greeting'), ']')"/>
                {ECHO_OUT_AND_URL}
            </inSequence></resource>"#
        ),
    ));
    let (_rt, server) = serve_xml(&artifacts).await;

    let got = get(&server.url("/entries/scoped")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(got.json(), serde_json::json!({"out": "[]", "url": "[]"}));
}

#[tokio::test]
async fn filter_switch_variable_and_synapse_xpath_read_entries() {
    let mut artifacts = entries();
    artifacts.push(api(
        "Entries",
        "/entries",
        r#"<resource methods="GET" uri-template="/branch"><inSequence>
            <filter xpath="get-property('mode') = 'on'">
                <then><property name="filtered" value="then"/></then>
                <else><property name="filtered" value="else"/></else>
            </filter>
            <switch source="get-property('cfg')/retries">
                <case regex="3"><property name="switched" value="three"/></case>
                <default><property name="switched" value="default"/></default>
            </switch>
            <variable name="greeting" expression="${xpath(&quot;get-property('greeting')&quot;)}" type="STRING"/>
            <payloadFactory media-type="json">
                <format>{"filtered":"$1","switched":"$2","variable":"$3"}</format>
                <args>
                    <arg expression="$ctx:filtered"/>
                    <arg expression="$ctx:switched"/>
                    <arg expression="${vars.greeting}"/>
                </args>
            </payloadFactory>
            <respond/>
        </inSequence></resource>"#,
    ));
    let (_rt, server) = serve_xml(&artifacts).await;

    let got = get(&server.url("/entries/branch")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(
        got.json(),
        serde_json::json!({"filtered": "then", "switched": "three", "variable": "hello"})
    );
}

#[tokio::test]
async fn header_mediator_and_endpoint_properties_read_entries() {
    let backend = echo_backend().await;
    let mut artifacts = entries();
    artifacts.push(api(
        "Entries",
        "/entries",
        &format!(
            r#"<resource methods="POST" uri-template="/call"><inSequence>
                <header name="X-Cfg-Url" scope="transport" expression="get-property('cfg')/url"/>
                <call><endpoint>
                    <address uri="http://{}/backend"/>
                    <property name="X-Greeting" scope="transport" expression="get-property('greeting')"/>
                </endpoint></call>
                <respond/>
            </inSequence></resource>"#,
            backend.addr
        ),
    ));
    let (_rt, server) = serve_xml(&artifacts).await;

    let got = send(
        Method::POST,
        &server.url("/entries/call"),
        &[("content-type", "application/json")],
        r#"{"a":1}"#,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(
        got.header("x-seen-x-cfg-url"),
        Some("http://backend:9090/orders")
    );
    assert_eq!(got.header("x-seen-x-greeting"), Some("hello"));
    assert_eq!(got.text(), r#"{"a":1}"#);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mediate-local-entries-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(path, text).expect("write");
}

/// One `GET` to `runtime`'s engine without a socket: the status and the payload's text.
async fn engine_get(runtime: &Runtime, path: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("host", "mi:8290")
        .body(None)
        .expect("request");
    let reply = Engine::new(Arc::clone(runtime.snapshot()))
        .handle(request)
        .await;
    (
        reply.status().unwrap_or(StatusCode::OK),
        String::from_utf8_lossy(reply.payload()).into_owned(),
    )
}

#[tokio::test]
async fn a_src_entry_is_an_element_when_its_file_holds_xml_and_a_string_otherwise() {
    let dir = temp_dir("src");
    let config = dir.join("src/main/synapse-config");
    write(
        &config.join("local-entries/remote.xml"),
        &synapse(r#"<localEntry key="remote" src="file:resources/remote.xml"/>"#),
    );
    write(
        &config.join("local-entries/motd.xml"),
        &synapse(r#"<localEntry key="motd" src="file:resources/motd.txt"/>"#),
    );
    write(
        &dir.join("resources/remote.xml"),
        "<?xml version=\"1.0\"?>\n<cfg><url>http://remote:8080/api</url></cfg>\n",
    );
    write(&dir.join("resources/motd.txt"), "<not xml");
    write(
        &config.join("api/Entries.xml"),
        &api(
            "Entries",
            "/entries",
            &format!(
                r#"<resource methods="GET" uri-template="/src"><inSequence>
                    <property name="out" expression="get-property('motd')"/>
                    <property name="url" expression="get-property('remote')/url"/>
                    {ECHO_OUT_AND_URL}
                </inSequence></resource>"#
            ),
        ),
    );

    let runtime = Runtime::builder()
        .load_dir(&dir)
        .unwrap_or_else(|d| panic!("deploys:\n{d}"));
    let (status, text) = engine_get(&runtime, "/entries/src").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).expect("JSON"),
        serde_json::json!({"out": "<not xml", "url": "http://remote:8080/api"})
    );
    let _ = std::fs::remove_dir_all(&dir);
}
