//! Log mediator tests. Facts cited from Synapse's `builtin/LogMediator.java` (LM) and the MI 4.4
//! log-mediator reference (doc).

use mediate_core::{Env, Flow, Mediator, MediatorSpec, MessageContext, Registry};
use mediate_mediators::log::{LogCategory, LogConfig, LogLevel, LogProperty};

fn cfg(level: LogLevel) -> LogConfig {
    LogConfig {
        level,
        ..LogConfig::default()
    }
}

// LM.getSimpleLogMessage: "To: " (empty when no To), MessageID, Direction, then "name = value".
#[tokio::test(flavor = "current_thread")]
async fn simple_level_line() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    msg.set_message_id("urn:uuid:1");
    msg.addressing_mut().to = Some("/api/orders".into());
    let mut c = cfg(LogLevel::Simple);
    c.properties.push(LogProperty::value("name", "value"));
    let log = c.build().unwrap();
    assert_eq!(
        log.render(&msg),
        "To: /api/orders, MessageID: urn:uuid:1, Direction: request, name = value"
    );
    msg.set_response(true);
    msg.addressing_mut().to = None;
    assert_eq!(
        log.render(&msg),
        "To: , MessageID: urn:uuid:1, Direction: response, name = value"
    );
}

// LM: From / WSAction / SOAPAction / ReplyTo appear when set, in that order.
#[test]
fn simple_level_addressing_fields() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_message_id("m");
    let a = msg.addressing_mut();
    a.to = Some("t".into());
    a.from = Some("f".into());
    a.action = Some("urn:x".into());
    a.reply_to = Some("r".into());
    assert_eq!(
        cfg(LogLevel::Simple).build().unwrap().render(&msg),
        "To: t, From: f, WSAction: urn:x, SOAPAction: urn:x, ReplyTo: r, MessageID: m, Direction: request"
    );
}

// LM.getCustomLogMessage + trimLeadingSeparator; LM.setSeparator: "\n" (two chars) is a newline.
#[test]
fn custom_level_separator_and_expressions() {
    let msg = MessageContext::from_json(r#"{"user":{"name":"ann"},"n":2}"#);
    let mut c = cfg(LogLevel::Custom);
    c.separator = Some("\\n".into());
    c.properties = vec![
        LogProperty::expression("user", "json-eval($.user.name)"),
        LogProperty::expression("double", "${payload.n * 2}"),
        LogProperty::value("lit", "x"),
    ];
    assert_eq!(
        c.build().unwrap().render(&msg),
        "user = ann\ndouble = 4\nlit = x"
    );
}

// XML payload + XPath property; custom separator "|".
#[test]
fn custom_level_xpath_on_xml() {
    let msg = MessageContext::from_xml("<order><id>A-1</id></order>");
    let mut c = cfg(LogLevel::Custom);
    c.separator = Some(" | ".into());
    c.properties = vec![
        LogProperty::expression("id", "//id"),
        LogProperty::value("k", "v"),
    ];
    assert_eq!(c.build().unwrap().render(&msg), "id = A-1 | k = v");
}

// SynapseExpression.stringValueOf gives "" when evaluation fails: the property prints empty.
#[test]
fn failing_synapse_expression_prints_empty() {
    let msg = MessageContext::from_json(r#"{"a":"x"}"#);
    let mut c = cfg(LogLevel::Custom);
    c.properties = vec![
        LogProperty::expression("bad", "${payload.a * 2}"),
        LogProperty::value("k", "v"),
    ];
    assert_eq!(c.build().unwrap().render(&msg), "bad = , k = v");
}

// LM.getFullLogMessage: simple fields, then "Envelope: " and the SOAP envelope.
#[test]
fn full_level_adds_envelope() {
    let mut msg = MessageContext::from_xml("<order><id>1</id></order>");
    msg.set_message_id("m");
    let line = cfg(LogLevel::Full).build().unwrap().render(&msg);
    assert!(
        line.starts_with("To: , MessageID: m, Direction: request, Envelope: <"),
        "{line}"
    );
    assert!(
        line.contains("Envelope") && line.contains("<order><id>1</id></order>"),
        "{line}"
    );
}

// LM.getFullLogMessage on a JSON message: the envelope holds MI's JSON->XML mapping.
#[test]
fn full_level_json_payload() {
    let mut msg = MessageContext::from_json(r#"{"id":7}"#);
    msg.set_message_id("m");
    let line = cfg(LogLevel::Full).build().unwrap().render(&msg);
    assert!(
        line.contains("Envelope: <") && line.contains("<jsonObject><id>7</id></jsonObject>"),
        "{line}"
    );
}

// LM.getHeadersLogMessage: each SOAP header block as "localName : text".
#[test]
fn headers_level() {
    let msg = MessageContext::from_xml(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><h:a xmlns:h="urn:h">1</h:a><b>2</b></soapenv:Header><soapenv:Body><x/></soapenv:Body></soapenv:Envelope>"#,
    );
    let mut c = cfg(LogLevel::Headers);
    c.properties.push(LogProperty::value("p", "q"));
    assert_eq!(c.build().unwrap().render(&msg), "a : 1, b : 2, p = q");
}

// doc (MI 4.4): "<message>…${…}…</message>" then ", endpoint = PurchaseEP".
#[tokio::test(flavor = "current_thread")]
async fn message_template_then_properties() {
    let mut msg = MessageContext::from_json(r#"{"user":{"first":"Johne"}}"#);
    msg.set_variable("endpointName", "PurchaseEP");
    let log = LogConfig {
        message: Some("Processing user : ${payload.user.first}".into()),
        properties: vec![LogProperty::expression("endpoint", "${vars.endpointName}")],
        ..LogConfig::default()
    }
    .build()
    .unwrap();
    assert_eq!(
        log.render(&msg),
        "Processing user : Johne, endpoint = PurchaseEP"
    );
    let before = msg.payload().clone();
    assert_eq!(
        log.mediate(&mut msg, &Env::builder().build())
            .await
            .unwrap(),
        Flow::Continue
    );
    assert_eq!(msg.payload(), &before, "log never changes the message");
}

// Every category logs and continues.
#[tokio::test(flavor = "current_thread")]
async fn categories_continue() {
    for cat in ["INFO", "DEBUG", "TRACE", "WARN", "ERROR", "FATAL"] {
        let c = LogConfig {
            category: cat.parse::<LogCategory>().unwrap(),
            ..LogConfig::default()
        };
        let mut msg = MessageContext::from_xml("<a/>");
        assert_eq!(
            c.build()
                .unwrap()
                .mediate(&mut msg, &Env::builder().build())
                .await
                .unwrap(),
            Flow::Continue
        );
    }
    assert!("info".parse::<LogCategory>().is_err());
    assert_eq!("full".parse::<LogLevel>().unwrap(), LogLevel::Full);
}

// A failing XPath in a property (SynapseXPath throws) fails the mediation.
#[tokio::test(flavor = "current_thread")]
async fn failing_xpath_is_error() {
    let mut msg = MessageContext::from_bytes("<a", "application/xml");
    let mut c = cfg(LogLevel::Custom);
    c.properties.push(LogProperty::expression("x", "//a"));
    assert!(
        c.build()
            .unwrap()
            .mediate(&mut msg, &Env::builder().build())
            .await
            .is_err()
    );
}

// LM.isContentAware: true unless the level is custom and no expression reads the body.
#[test]
fn reads_body() {
    assert!(cfg(LogLevel::Simple).build().unwrap().reads_body());
    assert!(cfg(LogLevel::Full).build().unwrap().reads_body());
    let mut c = cfg(LogLevel::Custom);
    c.properties.push(LogProperty::expression("v", "${vars.a}"));
    assert!(!c.clone().build().unwrap().reads_body());
    c.properties
        .push(LogProperty::expression("p", "${payload.a}"));
    assert!(c.build().unwrap().reads_body());
    let m = LogConfig {
        message: Some("hi ${vars.x}".into()),
        ..LogConfig::default()
    };
    assert!(!m.build().unwrap().reads_body());
    assert_eq!(cfg(LogLevel::Custom).build().unwrap().kind(), "log");
}

// A bad template is a build error.
#[test]
fn bad_template_refused() {
    let m = LogConfig {
        message: Some("x ${payload.".into()),
        ..LogConfig::default()
    };
    assert!(m.build().is_err());
}

// doc (MI 4.4 "Append Message ID", logMessageID): the message ID joins the line; default false.
#[test]
fn log_message_id() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    msg.set_message_id("urn:uuid:42");
    let on = LogConfig::message("hello ${payload.a}")
        .log_message_id(true)
        .with_property(LogProperty::value("k", "v"))
        .build()
        .unwrap();
    assert_eq!(on.render(&msg), "MessageID: urn:uuid:42, hello 1, k = v");
    let off = LogConfig::message("hello ${payload.a}").build().unwrap();
    assert_eq!(off.render(&msg), "hello 1");
    // An empty <message> with the ID only: no dangling separator.
    let empty = LogConfig::message("").log_message_id(true).build().unwrap();
    assert_eq!(empty.render(&msg), "MessageID: urn:uuid:42");
}

// doc (MI 4.4 "Append Payload", logFullPayload): the full payload joins the line (a JSON payload
// as its JSON text); default false. The payload must be read: reads_body.
#[test]
fn log_full_payload_json() {
    let msg = MessageContext::from_json(r#"{"user":"ann"}"#);
    let log = LogConfig::message("got ${payload.user}")
        .log_full_payload(true)
        .build()
        .unwrap();
    assert!(log.reads_body());
    assert_eq!(log.render(&msg), r#"got ann, Payload: {"user":"ann"}"#);
    assert!(!LogConfig::message("x").build().unwrap().reads_body());
}

// The docs-mi RabbitMQ sample: `<log logMessageID="false" logFullPayload="true"><message></message>`
// logs only the payload; an XML payload is shown as MI's envelope.
#[test]
fn log_full_payload_xml_only() {
    let msg = MessageContext::from_xml("<order><id>1</id></order>");
    let log = LogConfig::message("")
        .log_full_payload(true)
        .build()
        .unwrap();
    assert_eq!(
        log.render(&msg),
        "Payload: <soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soapenv:Body><order><id>1</id></order></soapenv:Body></soapenv:Envelope>"
    );
}

// The two flags belong to the MI 4.4 form: with a legacy simple level they add nothing (the
// simple line already has the MessageID).
#[test]
fn flags_ignored_by_legacy_levels() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_message_id("m");
    let log = cfg(LogLevel::Simple)
        .log_message_id(true)
        .log_full_payload(true)
        .build()
        .unwrap();
    assert_eq!(log.render(&msg), "To: , MessageID: m, Direction: request");
}

// LogMediatorFactory: category is trimmed and upper-cased; separator, level, properties;
// MI 4.4 <message> and the two flags.
#[test]
fn from_spec_reads_all_options() {
    let spec = MediatorSpec::new("log")
        .property("category", " warn ")
        .property("separator", " | ")
        .property("logMessageID", "true")
        .property("logFullPayload", "false")
        .child(MediatorSpec::new("message").text("id=${payload.id}"))
        .child(
            MediatorSpec::new("property")
                .property("name", "k")
                .property("value", "v"),
        )
        .child(
            MediatorSpec::new("property")
                .property("name", "e")
                .property("expression", "${payload.id * 2}"),
        );
    let cfg = LogConfig::from_spec(&spec, &Registry::new()).unwrap();
    assert_eq!(cfg.category, LogCategory::Warn);
    assert!(cfg.log_message_id && !cfg.log_full_payload);
    let mut msg = MessageContext::from_json(r#"{"id":3}"#);
    msg.set_message_id("m");
    assert_eq!(
        cfg.build().unwrap().render(&msg),
        "MessageID: m | id=3 | k = v | e = 6"
    );

    let legacy = MediatorSpec::new("log").property("level", "custom").child(
        MediatorSpec::new("property")
            .property("name", "x")
            .property("value", "1"),
    );
    let cfg = LogConfig::from_spec(&legacy, &Registry::new()).unwrap();
    assert_eq!(cfg.level, LogLevel::Custom);
    assert_eq!(cfg.build().unwrap().render(&msg), "x = 1");
}

// LogMediatorFactory: "Invalid log category…"; unknown attributes/children refused by name.
#[test]
fn from_spec_errors() {
    let r = Registry::new();
    let err = LogConfig::from_spec(&MediatorSpec::new("log").property("category", "LOUD"), &r)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Invalid log category"), "{err}");
    let err = LogConfig::from_spec(&MediatorSpec::new("log").property("colour", "red"), &r)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown attribute `colour`"), "{err}");
    let err = LogConfig::from_spec(
        &MediatorSpec::new("log").child(MediatorSpec::new("msg")),
        &r,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown child element `<msg>`"), "{err}");
    let err = LogConfig::from_spec(
        &MediatorSpec::new("log").property("logMessageID", "yes"),
        &r,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("logMessageID"), "{err}");
    let err = LogConfig::from_spec(
        &MediatorSpec::new("log").child(MediatorSpec::new("property").property("name", "p")),
        &r,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`value` or `expression` is required"), "{err}");
}
