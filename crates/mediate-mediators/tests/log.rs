//! Log mediator tests. Facts cited from Synapse's `builtin/LogMediator.java` (LM) and the MI 4.4
//! log-mediator reference (doc).

use mediate_core::{Env, Flow, Mediator, MessageContext};
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
