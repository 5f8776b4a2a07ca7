//! Fault mediator tests. Facts cited from Synapse's `transform/FaultMediator.java` (FM),
//! `config/xml/FaultMediatorFactory.java` (FMF), the MI "Fault Mediator" reference (doc) and the
//! pass-through transport's `determineHttpStatusCode` (PTU).

use mediate_core::expr::Namespaces;
use mediate_core::message::{SOAP11_NS, SOAP12_NS};
use mediate_core::{
    BuildError, Env, Flow, Mediator, MediatorSpec, MessageContext, Registry, Scope,
};
use mediate_mediators::makefault::{
    FaultCode, FaultDetail, FaultVersion, MakeFaultConfig, ReasonSpec,
};

const ENV11: &str =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">";
const ENV12: &str = "<soapenv:Envelope xmlns:soapenv=\"http://www.w3.org/2003/05/soap-envelope\">";

async fn run(cfg: MakeFaultConfig, msg: &mut MessageContext) {
    let m = cfg.build().expect("builds");
    let flow = m.mediate(msg, &Env::default()).await.expect("mediates");
    assert_eq!(flow, Flow::Continue);
}

fn text(msg: &MessageContext) -> &str {
    msg.payload_as_text().expect("utf-8")
}

fn ns(pairs: &[(&str, &str)]) -> Namespaces {
    let mut n = Namespaces::new();
    for (p, u) in pairs {
        n.insert(*p, *u);
    }
    n
}

// doc example 2: soap11, code soap11Env:Client, reason, empty role, text detail. FM builds
// Axiom's default fault envelope (Header, Body, Fault); the faultcode declares its prefix (as in
// MI's integration test ESBJAVA2615: `<faultcode xmlns:soap11Env="…">soap11Env:Server</faultcode>`).
#[tokio::test(flavor = "current_thread")]
async fn soap11_fault_doc_example() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    let cfg = MakeFaultConfig::soap11("Client", ReasonSpec::value("Content-Type Error"))
        .with_role("")
        .with_detail(FaultDetail::text(
            "Content-Type: application/xhtml+xml is not a valid content type.",
        ));
    run(cfg, &mut msg).await;
    assert_eq!(
        text(&msg),
        format!(
            "{ENV11}<soapenv:Header/><soapenv:Body><soapenv:Fault>\
             <faultcode xmlns:soap11Env=\"{SOAP11_NS}\">soap11Env:Client</faultcode>\
             <faultstring>Content-Type Error</faultstring><faultactor/>\
             <detail>Content-Type: application/xhtml+xml is not a valid content type.</detail>\
             </soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )
    );
    assert_eq!(msg.content_type(), "text/xml");
}

// FM.setFaultReason (SOAP 1.2): Reason/Text with xml:lang="en"; Node and Role; Detail.
#[tokio::test(flavor = "current_thread")]
async fn soap12_fault_all_parts() {
    let mut msg = MessageContext::from_xml("<a/>");
    let cfg = MakeFaultConfig::soap12("Receiver", ReasonSpec::value("boom & bust"))
        .with_node("http://node")
        .with_role("http://role")
        .with_detail(FaultDetail::xml("<e:why xmlns:e=\"urn:e\">x</e:why>"));
    run(cfg, &mut msg).await;
    assert_eq!(
        text(&msg),
        format!(
            "{ENV12}<soapenv:Header/><soapenv:Body><soapenv:Fault>\
             <soapenv:Code><soapenv:Value xmlns:soap12Env=\"{SOAP12_NS}\">soap12Env:Receiver</soapenv:Value></soapenv:Code>\
             <soapenv:Reason><soapenv:Text xml:lang=\"en\">boom &amp; bust</soapenv:Text></soapenv:Reason>\
             <soapenv:Node>http://node</soapenv:Node><soapenv:Role>http://role</soapenv:Role>\
             <soapenv:Detail><e:why xmlns:e=\"urn:e\">x</e:why></soapenv:Detail>\
             </soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )
    );
    assert_eq!(msg.content_type(), "application/soap+xml");
}

// A code written with the envelope's own prefix needs no declaration.
#[tokio::test(flavor = "current_thread")]
async fn code_with_soapenv_prefix_not_redeclared() {
    let mut msg = MessageContext::from_xml("<a/>");
    let cfg =
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")).with_code(FaultCode::QName {
            prefix: "soapenv".into(),
            namespace: SOAP11_NS.into(),
            local: "Server".into(),
        });
    run(cfg, &mut msg).await;
    assert!(
        text(&msg).contains("<faultcode>soapenv:Server</faultcode><faultstring>r</faultstring>"),
        "{}",
        text(&msg)
    );
}

// FM.makeSOAPFault: the original envelope's header blocks are copied into the fault envelope.
#[tokio::test(flavor = "current_thread")]
async fn soap_headers_copied() {
    let mut msg = MessageContext::from_bytes(
        format!(
            "{ENV11}<soapenv:Header><h:id xmlns:h=\"urn:h\">7</h:id></soapenv:Header>\
             <soapenv:Body><getQuote/></soapenv:Body></soapenv:Envelope>"
        ),
        "text/xml",
    );
    run(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert!(
        text(&msg).starts_with(&format!(
            "{ENV11}<soapenv:Header><h:id xmlns:h=\"urn:h\">7</h:id></soapenv:Header><soapenv:Body><soapenv:Fault>"
        )),
        "{}",
        text(&msg)
    );
    assert!(!text(&msg).contains("getQuote"));
}

// FM.setFaultReason: the reason expression is evaluated per message (stringValueOf).
#[tokio::test(flavor = "current_thread")]
async fn reason_expression_per_message() {
    let m = MakeFaultConfig::soap11("Client", ReasonSpec::expression("json-eval($.err)"))
        .build()
        .unwrap();
    for err in ["first", "second"] {
        let mut msg = MessageContext::from_json(format!(r#"{{"err":"{err}"}}"#));
        let flow = m.mediate(&mut msg, &Env::default()).await.unwrap();
        assert_eq!(
            flow,
            mediate_core::Flow::Continue,
            "makefault lets the flow go on"
        );
        assert!(
            text(&msg).contains(&format!("<faultstring>{err}</faultstring>")),
            "{}",
            text(&msg)
        );
    }
}

// FM.setFaultDetail: an XPath node-set is copied node by node into the detail.
#[tokio::test(flavor = "current_thread")]
async fn detail_expression_copies_nodes() {
    let mut msg = MessageContext::from_xml("<order><id>A-1</id><note>n</note></order>");
    let cfg = MakeFaultConfig::soap11("Client", ReasonSpec::value("r"))
        .with_detail(FaultDetail::expression("//order/id"));
    run(cfg, &mut msg).await;
    assert!(
        text(&msg).contains("<detail><id>A-1</id></detail>"),
        "{}",
        text(&msg)
    );
    // Anything else is its string, as text.
    let mut msg = MessageContext::from_xml("<order><id>A&amp;1</id></order>");
    let cfg = MakeFaultConfig::soap11("Client", ReasonSpec::value("r"))
        .with_detail(FaultDetail::expression("string(//id)"));
    run(cfg, &mut msg).await;
    assert!(
        text(&msg).contains("<detail>A&amp;1</detail>"),
        "{}",
        text(&msg)
    );
}

// FM.makePOXFault: <Exception> holds the detail's text, else the reason; the body's content is
// replaced.
#[tokio::test(flavor = "current_thread")]
async fn pox_fault() {
    let mut msg = MessageContext::from_xml("<order/>");
    run(
        MakeFaultConfig::pox(ReasonSpec::value("bad <order>")),
        &mut msg,
    )
    .await;
    assert_eq!(text(&msg), "<Exception>bad &lt;order&gt;</Exception>");
    assert_eq!(msg.content_type(), "application/xml");

    let mut msg = MessageContext::from_xml("<order/>");
    let cfg =
        MakeFaultConfig::pox(ReasonSpec::value("reason")).with_detail(FaultDetail::text("detail"));
    run(cfg, &mut msg).await;
    assert_eq!(text(&msg), "<Exception>detail</Exception>");

    // Inline detail XML is not used by makePOXFault: the reason is.
    let mut msg = MessageContext::from_xml("<order/>");
    let cfg =
        MakeFaultConfig::pox(ReasonSpec::value("reason")).with_detail(FaultDetail::xml("<x/>"));
    run(cfg, &mut msg).await;
    assert_eq!(text(&msg), "<Exception>reason</Exception>");
}

// makePOXFault on a SOAP message keeps the envelope and replaces the Body's content.
#[tokio::test(flavor = "current_thread")]
async fn pox_fault_in_soap_envelope() {
    let mut msg = MessageContext::from_bytes(
        format!("{ENV11}<soapenv:Body><getQuote/></soapenv:Body></soapenv:Envelope>"),
        "text/xml",
    );
    run(MakeFaultConfig::pox(ReasonSpec::value("no")), &mut msg).await;
    assert_eq!(
        text(&msg),
        format!("{ENV11}<soapenv:Body><Exception>no</Exception></soapenv:Body></soapenv:Envelope>")
    );
}

// FM.mediate: markAsResponse defaults to true (response, To <- ReplyTo); makeSOAPFault sets
// RelatesTo to the message ID. response="false" keeps the direction.
#[tokio::test(flavor = "current_thread")]
async fn response_and_addressing() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_message_id("urn:uuid:m1");
    msg.addressing_mut().to = Some("http://backend".into());
    msg.addressing_mut().reply_to = Some("http://client".into());
    run(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert!(msg.is_response());
    assert_eq!(msg.to(), Some("http://client"));
    assert_eq!(msg.addressing().relates_to.as_deref(), Some("urn:uuid:m1"));

    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().to = Some("http://backend".into());
    run(
        MakeFaultConfig::pox(ReasonSpec::value("r")).response(false),
        &mut msg,
    )
    .await;
    assert!(!msg.is_response());
    assert_eq!(msg.to(), Some("http://backend"));
}

// PTU.determineHttpStatusCode: a fault is sent with 500 unless HTTP_SC is set or the axis2
// property FAULTS_AS_HTTP_200 is true.
#[tokio::test(flavor = "current_thread")]
async fn http_status() {
    let mut msg = MessageContext::from_xml("<a/>");
    run(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));

    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_scoped_property(Scope::Axis2, "FAULTS_AS_HTTP_200", "TRUE")
        .unwrap();
    run(MakeFaultConfig::pox(ReasonSpec::value("r")), &mut msg).await;
    assert_eq!(msg.status(), None);

    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_status(404u16.try_into().unwrap());
    run(
        MakeFaultConfig::soap12("Sender", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(404));
}

// FMF: code values are validated per version, with Synapse's messages.
#[test]
fn code_validated_at_build() {
    let err = MakeFaultConfig::soap11("Sender", ReasonSpec::value("r"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "Invalid code value for soap11 version. Code value has to be one of the following : \
             VersionMismatch, MustUnderstand, Client, Server"
        ),
        "{err}"
    );
    let err = MakeFaultConfig::soap12("Server", ReasonSpec::value("r"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("DataEncodingUnknown, Sender, Receiver"),
        "{err}"
    );
    // A SOAP 1.2 code in a SOAP 1.1 fault: wrong namespace.
    let err = MakeFaultConfig::soap11("Server", ReasonSpec::value("r"))
        .with_code(FaultCode::soap12("Receiver"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Invalid namespace in fault code for soap11 version"),
        "{err}"
    );
    for code in [
        "VersionMismatch",
        "MustUnderstand",
        "DataEncodingUnknown",
        "Sender",
        "Receiver",
    ] {
        assert!(
            MakeFaultConfig::soap12(code, ReasonSpec::value("r"))
                .build()
                .is_ok()
        );
    }
}

// FMF: code and reason are required unless the fault is POX.
#[test]
fn code_and_reason_required_unless_pox() {
    let mut cfg = MakeFaultConfig::soap11("Server", ReasonSpec::value("r"));
    cfg.code = None;
    assert!(matches!(
        cfg.build(),
        Err(BuildError::InvalidStructure { ref reason, .. }) if reason.contains("fault code is a required")
    ));
    let mut cfg = MakeFaultConfig::soap11("Server", ReasonSpec::value("r"));
    cfg.reason = None;
    assert!(cfg.build().is_err());
    let mut cfg = MakeFaultConfig::pox(ReasonSpec::value("r"));
    cfg.reason = None;
    assert!(cfg.build().is_ok());
}

fn spec_soap11_doc() -> MediatorSpec {
    MediatorSpec::new("makefault")
        .property("version", "soap11")
        .child(
            MediatorSpec::new("code")
                .property("value", "soap11Env:VersionMismatch")
                .namespaces(ns(&[("soap11Env", SOAP11_NS)])),
        )
        .child(MediatorSpec::new("reason").property("value", "test message "))
        .child(MediatorSpec::new("role").text(""))
}

// doc example 1: version soap11, code soap11Env:VersionMismatch, reason "test message ", <role/>.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_doc_example_1() {
    let cfg = MakeFaultConfig::from_spec(&spec_soap11_doc(), &Registry::new()).unwrap();
    assert_eq!(cfg.version, FaultVersion::Soap11);
    assert!(cfg.response);
    let mut msg = MessageContext::from_xml("<a/>");
    run(cfg, &mut msg).await;
    assert_eq!(
        text(&msg),
        format!(
            "{ENV11}<soapenv:Header/><soapenv:Body><soapenv:Fault>\
             <faultcode xmlns:soap11Env=\"{SOAP11_NS}\">soap11Env:VersionMismatch</faultcode>\
             <faultstring>test message </faultstring><faultactor/>\
             </soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )
    );
}

// FMF: no version attribute is SOAP 1.1; detail text, inline XML and expression forms.
#[test]
fn from_spec_forms() {
    let r = Registry::new();
    let spec = MediatorSpec::new("makefault")
        .child(
            MediatorSpec::new("code")
                .property("value", "e:Server")
                .namespaces(ns(&[("e", SOAP11_NS)])),
        )
        .child(MediatorSpec::new("reason").property("expression", "//why"))
        // Inline XML, as the reader gives it: the child element, and the content as text.
        .child(
            MediatorSpec::new("detail")
                .child(MediatorSpec::new("x"))
                .text("<x xmlns=\"http://ws.apache.org/ns/synapse\"/>"),
        );
    let cfg = MakeFaultConfig::from_spec(&spec, &r).unwrap();
    assert_eq!(cfg.version, FaultVersion::Soap11);
    assert_eq!(cfg.reason, Some(ReasonSpec::expression("//why")));
    assert_eq!(
        cfg.detail,
        Some(FaultDetail::xml(
            "<x xmlns=\"http://ws.apache.org/ns/synapse\"/>"
        ))
    );
    assert_eq!(
        cfg.code,
        Some(FaultCode::QName {
            prefix: "e".into(),
            namespace: SOAP11_NS.into(),
            local: "Server".into()
        })
    );

    let spec = MediatorSpec::new("makefault")
        .property("version", "pox")
        .property("response", "false")
        .child(MediatorSpec::new("detail").property("expression", "//d"));
    let cfg = MakeFaultConfig::from_spec(&spec, &r).unwrap();
    assert_eq!(cfg.version, FaultVersion::Pox);
    assert!(!cfg.response);
    assert_eq!(cfg.detail, Some(FaultDetail::expression("//d")));
    assert!(cfg.build().is_ok());

    // <node> is ignored for soap11 by FMF, kept for soap12.
    let spec = MediatorSpec::new("makefault")
        .property("version", "soap12")
        .child(
            MediatorSpec::new("code")
                .property("value", "s:Sender")
                .namespaces(ns(&[("s", SOAP12_NS)])),
        )
        .child(MediatorSpec::new("reason").property("value", "r"))
        .child(MediatorSpec::new("node").text("http://n"));
    let cfg = MakeFaultConfig::from_spec(&spec, &r).unwrap();
    assert_eq!(cfg.node.as_deref(), Some("http://n"));
}

// FMF error texts; unknown attributes and children are refused by name.
#[test]
fn from_spec_errors() {
    let r = Registry::new();
    let spec = MediatorSpec::new("makefault").property("version", "soap13");
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("Invalid SOAP version")
    );
    let spec = MediatorSpec::new("makefault").property("response", "yes");
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("Invalid value 'yes' passed as response. Expected 'true' or 'false'")
    );
    let spec =
        MediatorSpec::new("makefault").child(MediatorSpec::new("code").property("value", "Server"));
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("A QName is expected for fault code as prefix:name")
    );
    let spec = MediatorSpec::new("makefault")
        .child(MediatorSpec::new("code").property("value", "x:Server"));
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("Invalid namespace prefix 'x' in code attribute")
    );
    let spec = MediatorSpec::new("makefault").property("level", "x");
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("unknown attribute `level`")
    );
    let spec = MediatorSpec::new("makefault").child(MediatorSpec::new("faultstring"));
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("unknown child element `<faultstring>`")
    );
    let spec = MediatorSpec::new("makefault").child(MediatorSpec::new("code"));
    assert!(
        MakeFaultConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
            .contains("A 'value' or 'expression' attribute must specify the fault code")
    );
}

// FM replaces the envelope but not messageType: a JSON request keeps `application/json` as its
// messageType (MI's JSON formatter then writes the fault as JSON); the payload is the XML fault.
#[tokio::test(flavor = "current_thread")]
async fn json_request_keeps_message_type() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    // As the HTTP listener records it for a JSON request.
    msg.set_message_type("application/json");
    run(
        MakeFaultConfig::soap11("Client", ReasonSpec::value("bad")),
        &mut msg,
    )
    .await;
    assert_eq!(msg.message_type(), "application/json");
    assert_eq!(msg.content_type(), "text/xml");
    assert!(text(&msg).contains("<faultstring>bad</faultstring>"));
}

// FM.setFaultCode: a code expression's string is a QName in the envelope's namespace.
#[tokio::test(flavor = "current_thread")]
async fn code_expression() {
    let mut msg = MessageContext::from_json(r#"{"c":"Client"}"#);
    let cfg = MakeFaultConfig::soap11("Server", ReasonSpec::value("r"))
        .with_code(FaultCode::Expression("json-eval($.c)".into()));
    run(cfg, &mut msg).await;
    assert!(
        text(&msg).contains("<faultcode>soapenv:Client</faultcode>"),
        "{}",
        text(&msg)
    );
}

// FMF: an empty <detail/> is an empty detail (setFaultDetail("")).
#[tokio::test(flavor = "current_thread")]
async fn empty_detail_from_spec() {
    let spec = spec_soap11_doc().child(MediatorSpec::new("detail"));
    let cfg = MakeFaultConfig::from_spec(&spec, &Registry::new()).unwrap();
    assert_eq!(cfg.detail, Some(FaultDetail::text("")));
    let mut msg = MessageContext::from_xml("<a/>");
    run(cfg, &mut msg).await;
    assert!(
        text(&msg).contains("<faultactor/><detail/></soapenv:Fault>"),
        "{}",
        text(&msg)
    );
}
