//! payloadFactory mediator tests. Facts cited from the MI "PayloadFactory Mediator" reference
//! (doc) and Synapse's `PayloadFactoryMediator` (PFM), `PayloadFactoryMediatorFactory` (PFMF),
//! `TemplateProcessor` (TP) and MI 4.4's `RegexTemplateProcessor` (RTP).

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Namespaces,
    Registry,
};
use mediate_mediators::payload_factory::{
    Arg, Evaluator, Format, MediaType, PayloadFactoryConfig, PayloadFactoryMediator,
    QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON, TemplateType,
};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

async fn run_in(
    pf: &PayloadFactoryMediator,
    msg: &mut MessageContext,
    env: &Env,
) -> Result<(), MediationError> {
    let flow = pf.mediate(msg, env).await?;
    assert_eq!(flow, Flow::Continue);
    Ok(())
}

async fn run(cfg: PayloadFactoryConfig, msg: &mut MessageContext) -> Result<(), MediationError> {
    run_in(&cfg.build().expect("builds"), msg, &Env::default()).await
}

fn text(msg: &MessageContext) -> &str {
    msg.payload_as_text().expect("utf-8 payload")
}

fn pf_spec(media: &str, format: &str) -> MediatorSpec {
    MediatorSpec::new("payloadFactory")
        .property("media-type", media)
        .child(MediatorSpec::new("format").text(format))
}

fn with_args(spec: MediatorSpec, args: Vec<MediatorSpec>) -> MediatorSpec {
    let mut a = MediatorSpec::new("args");
    for arg in args {
        a = a.child(arg);
    }
    spec.child(a)
}

fn arg_expr(e: &str) -> MediatorSpec {
    MediatorSpec::new("arg").property("expression", e)
}

fn from_spec(spec: &MediatorSpec) -> Result<PayloadFactoryMediator, BuildError> {
    PayloadFactoryConfig::from_spec(spec, &Registry::new())?.build()
}

// ----- xml media type ------------------------------------------------------------------------

// doc (first example): an XPath argument fills an XML format; PFM: the result replaces the SOAP
// Body's content, the envelope (and Header) is kept; PFMF: indentation of the format is removed;
// the message type stays text/xml (setContentType keeps an XML message type).
#[tokio::test(flavor = "current_thread")]
async fn doc_xml_example_replaces_soap_body_and_keeps_envelope() {
    let envelope = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header><h>1</h></soapenv:Header><soapenv:Body><m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote></soapenv:Body></soapenv:Envelope>"#
    );
    let mut msg = MessageContext::from_bytes(envelope, "text/xml");
    let mut ns = Namespaces::new();
    ns.insert("m0", "http://services.samples");
    let spec = with_args(
        pf_spec(
            "xml",
            "\n  <m:CheckPriceRequest xmlns:m=\"http://services.samples\">\n    <m:Code>$1</m:Code>\n  </m:CheckPriceRequest>\n",
        ),
        vec![arg_expr("//m0:symbol").namespaces(ns)],
    );
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(
        text(&msg),
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header><h>1</h></soapenv:Header><soapenv:Body><m:CheckPriceRequest xmlns:m="http://services.samples"><m:Code>IBM</m:Code></m:CheckPriceRequest></soapenv:Body></soapenv:Envelope>"#
        )
    );
    assert_eq!(msg.content_type(), "text/xml");
    assert_eq!(msg.message_type(), "text/xml");
}

// PFM: a POX payload becomes the format's element; PFMF keeps only the first element of <format>.
#[tokio::test(flavor = "current_thread")]
async fn xml_pox_payload_is_replaced_by_first_format_element() {
    let mut msg = MessageContext::from_xml("<order><id>7</id></order>");
    run(
        PayloadFactoryConfig::xml("<r><id>$1</id></r><ignored/>").arg(Arg::expression("//id")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), "<r><id>7</id></r>");
    assert_eq!(msg.content_type(), "application/xml");
    assert_eq!(msg.message_type(), "application/xml");
}

// PFM.setContentType: a JSON message turned into XML gets messageType/ContentType
// application/xml (and the Content-Type header).
#[tokio::test(flavor = "current_thread")]
async fn xml_from_json_message_sets_application_xml() {
    let mut msg = MessageContext::from_json(r#"{"id":"7"}"#);
    msg.set_message_type("application/json");
    run(
        PayloadFactoryConfig::xml("<r>$1</r>").arg(Arg::expression("json-eval($.id)")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), "<r>7</r>");
    assert_eq!(msg.content_type(), "application/xml");
    assert_eq!(msg.message_type(), "application/xml");
    assert_eq!(
        msg.transport_header("Content-Type").as_deref(),
        Some("application/xml")
    );
}

// PFM.checkAndReplaceEnvelope (doc: "Including a complete SOAP envelope as the format"): a format
// whose root is a SOAP Envelope replaces the whole envelope.
#[tokio::test(flavor = "current_thread")]
async fn soap_envelope_format_replaces_whole_envelope() {
    let mut msg = MessageContext::from_bytes(
        format!(
            r#"<s:Envelope xmlns:s="{SOAP11}"><s:Header><old/></s:Header><s:Body><a>x</a></s:Body></s:Envelope>"#
        ),
        "text/xml",
    );
    let format = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header><new/></soapenv:Header><soapenv:Body><b>$1</b></soapenv:Body></soapenv:Envelope>"#
    );
    run(
        PayloadFactoryConfig::xml(format).arg(Arg::expression("//a")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header><new/></soapenv:Header><soapenv:Body><b>x</b></soapenv:Body></soapenv:Envelope>"#
        )
    );
    let env = msg.envelope().unwrap();
    assert_eq!(env.first_body_child().unwrap().tag_name().name(), "b");
}

// doc ("Suppressing the namespace"): unprefixed format elements are in the Synapse namespace,
// which MI writes out; `xmlns=""` keeps an element out of it. The config front-end hands the
// format serialized with its declarations, and they are written through unchanged.
#[tokio::test(flavor = "current_thread")]
async fn synapse_default_namespace_is_kept_and_xmlns_empty_suppresses_it() {
    let spec = pf_spec(
        "xml",
        r#"<p:a xmlns:p="urn:p" xmlns="http://ws.apache.org/ns/synapse"><b>$1</b><c xmlns="">$1</c></p:a>"#,
    );
    let spec = with_args(spec, vec![MediatorSpec::new("arg").property("value", "v")]);
    let mut msg = MessageContext::from_xml("<x/>");
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(
        text(&msg),
        r#"<p:a xmlns:p="urn:p" xmlns="http://ws.apache.org/ns/synapse"><b>v</b><c xmlns="">v</c></p:a>"#
    );
    let doc = msg.xml().unwrap();
    let b = doc.root_element().first_element_child().unwrap();
    assert_eq!(
        b.tag_name().namespace(),
        Some("http://ws.apache.org/ns/synapse")
    );
    let c = b.next_sibling_element().unwrap();
    assert!(c.tag_name().namespace().unwrap_or_default().is_empty());
}

// TP.getArgValues: a `value` that is not XML is XML-escaped (escapeXml10); one that is XML is
// inserted as XML.
#[tokio::test(flavor = "current_thread")]
async fn xml_value_args_escaped_unless_xml() {
    let mut msg = MessageContext::from_xml("<x/>");
    run(
        PayloadFactoryConfig::xml(r#"<r a="$1"><t>$1</t><x>$2</x></r>"#)
            .arg(Arg::value(r#"a<b&"c'"#))
            .arg(Arg::value("<y>1</y>")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        r#"<r a="a&lt;b&amp;&quot;c&apos;"><t>a&lt;b&amp;&quot;c&apos;</t><x><y>1</y></x></r>"#
    );
}

// TP.getArgValues: an expression result is XML-escaped for an xml format unless it is XML; an
// XPath node result is inserted as XML.
#[tokio::test(flavor = "current_thread")]
async fn xml_expression_args_escaped_or_inserted_as_xml() {
    let mut msg = MessageContext::from_xml("<o><n>a &lt; b</n><item><k>1</k></item></o>");
    run(
        PayloadFactoryConfig::xml("<r><n>$1</n>$2</r>")
            .arg(Arg::expression("//n"))
            .arg(Arg::expression("//item")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), "<r><n>a &lt; b</n><item><k>1</k></item></r>");
}

// TP.prepareReplacementValue: a JSON (object/array) result of a JSON path is converted to XML
// for an xml format, the jsonObject wrapper dropped (convertJsonArgumentToXml).
#[tokio::test(flavor = "current_thread")]
async fn json_arg_into_xml_format_is_converted() {
    let mut msg = MessageContext::from_json(r#"{"obj":{"x":1,"y":"z"},"arr":[1,2]}"#);
    run(
        PayloadFactoryConfig::xml("<r><o>$1</o><a>$2</a></r>")
            .arg(Arg::expression("json-eval($.obj)"))
            .arg(Arg::expression("$.arr").evaluator(Evaluator::Json)),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        "<r><o><x>1</x><y>z</y></o><a><jsonElement>1</jsonElement><jsonElement>2</jsonElement></a></r>"
    );
}

// ----- json media type -----------------------------------------------------------------------

// doc (XML → JSON transformation): XPath arguments over an XML request fill a JSON format; the
// result is application/json.
#[tokio::test(flavor = "current_thread")]
async fn doc_xml_to_json_transformation() {
    let mut msg = MessageContext::from_xml(
        r#"<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>WSO2</m:symbol><m:qty>5</m:qty></m:request></m:getQuote>"#,
    );
    let mut ns = Namespaces::new();
    ns.insert("m", "http://services.samples");
    let cfg = PayloadFactoryConfig::json("\n  {\"symbol\": \"$1\", \"qty\": $2}\n  ")
        .namespaces(ns)
        .arg(Arg::expression("//m:symbol"))
        .arg(Arg::expression("//m:qty"));
    run(cfg, &mut msg).await.unwrap();
    assert_eq!(text(&msg), r#"{"symbol": "WSO2", "qty": 5}"#);
    assert_eq!(msg.content_type(), "application/json");
    assert_eq!(msg.message_type(), "application/json");
    assert_eq!(msg.json().unwrap()["qty"], 5);
}

// doc (JSON with JSON-path arguments, evaluator="json"): strings inserted in quotes, an array
// result (a JSON path giving JSON) inserted as JSON.
#[tokio::test(flavor = "current_thread")]
async fn doc_json_with_json_eval_args() {
    let mut msg = MessageContext::from_json(
        r#"{"id_str":"121","entities":{"hashtags":[{"text":"wso2","indices":[35,45]}]},"user":{"name":"J \"Doe\""}}"#,
    );
    let spec = with_args(
        pf_spec(
            "json",
            r#"{"coordinates":null,"id_str":"$1","hashtags":$2,"user":"$3"}"#,
        ),
        vec![
            arg_expr("$.id_str").property("evaluator", "json"),
            arg_expr("json-eval($.entities.hashtags)"),
            arg_expr("json-eval($.user.name)").property("evaluator", "json"),
        ],
    );
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(
        text(&msg),
        r#"{"coordinates":null,"id_str":"121","hashtags":[{"text":"wso2","indices":[35,45]}],"user":"J \"Doe\""}"#
    );
}

// TP.prepareReplacementValue: an XML result (XPath node) inserted into a json format is
// converted XML → JSON (convertXmlArgumentToJson: <jsonObject> wrapper, MI's mapping).
#[tokio::test(flavor = "current_thread")]
async fn xml_arg_into_json_format_is_converted() {
    let mut msg =
        MessageContext::from_xml("<o><request><symbol>WSO2</symbol><qty>5</qty></request></o>");
    run(
        PayloadFactoryConfig::json(r#"{"data":$1}"#).arg(Arg::expression("//request")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        r#"{"data":{"request":{"symbol":"WSO2","qty":5}}}"#
    );
}

// doc (literal="true"): the result is a plain string, JSON-escaped, not inserted as JSON.
#[tokio::test(flavor = "current_thread")]
async fn doc_literal_arg_is_a_string() {
    let mut msg = MessageContext::from_json(r#"{"obj":{"x":1}}"#);
    let spec = with_args(
        pf_spec("json", r#"{"v":"$1"}"#),
        vec![arg_expr("json-eval($.obj)").property("literal", "true")],
    );
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(text(&msg), r#"{"v":"{\"x\":1}"}"#);
    assert_eq!(msg.json().unwrap()["v"], r#"{"x":1}"#);
}

// TP.prepareReplacementValue: a literal XML result goes into a json format as an escaped string.
#[tokio::test(flavor = "current_thread")]
async fn literal_xml_arg_into_json_is_a_string() {
    let mut msg = MessageContext::from_xml(r#"<o><a x="1"><b>t</b></a></o>"#);
    run(
        PayloadFactoryConfig::json(r#"{"v":"$1"}"#).arg(Arg::expression("//a").literal(true)),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.json().unwrap()["v"], r#"<a x="1"><b>t</b></a>"#);
}

// TP.escapeSpecialChars: a string result inserted in a json format has `\`, `"`, \b \f \n \r \t
// escaped.
#[tokio::test(flavor = "current_thread")]
async fn json_string_args_are_json_escaped() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("p", "a \"q\" \\ \n\t end");
    run(
        PayloadFactoryConfig::json(r#"{"v":"$1"}"#).arg(Arg::expression("$ctx:p")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"v":"a \"q\" \\ \n\t end"}"#);
    assert_eq!(msg.json().unwrap()["v"], "a \"q\" \\ \n\t end");
}

// TP.getArgValues: a `value` argument is XML-escaped even for a json format (MI behaviour).
#[tokio::test(flavor = "current_thread")]
async fn json_value_args_are_xml_escaped_as_mi_does() {
    let mut msg = MessageContext::from_json("{}");
    run(
        PayloadFactoryConfig::json(r#"{"v":"$1","n":$2}"#)
            .arg(Arg::value("Tom & \"Jerry\""))
            .arg(Arg::value("12")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"v":"Tom &amp; &quot;Jerry&quot;","n":12}"#);
}

// TP.prepareReplacementValue: with QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON=true, string arguments
// are quoted, numbers, booleans and null are not.
#[tokio::test(flavor = "current_thread")]
async fn quote_string_property_quotes_strings_only() {
    let mut msg = MessageContext::from_json(r#"{"s":"abc","n":12,"b":true}"#);
    msg.set_property(QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON, "true");
    run(
        PayloadFactoryConfig::json(r#"{"s":$1,"n":$2,"b":$3,"z":$4}"#)
            .arg(Arg::expression("json-eval($.s)"))
            .arg(Arg::expression("json-eval($.n)"))
            .arg(Arg::expression("json-eval($.b)"))
            .arg(Arg::value("null")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"s":"abc","n":12,"b":true,"z":null}"#);
}

// PFM: the JSON result must parse ("Error creating JSON Payload from source …").
#[tokio::test(flavor = "current_thread")]
async fn invalid_json_result_is_an_error() {
    let mut msg = MessageContext::from_json(r#"{"s":"abc"}"#);
    let err = run(
        PayloadFactoryConfig::json(r#"{"s":$1}"#).arg(Arg::expression("json-eval($.s)")),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(
        err.message()
            .starts_with("Error creating JSON Payload from source {\"s\":abc}"),
        "{err}"
    );
    assert_eq!(text(&msg), r#"{"s":"abc"}"#, "message untouched on failure");
}

// RTP: at the first `$n` with no argument MI logs "Mis-match detected between number of
// formatters and arguments" and keeps the rest of the format as written.
#[tokio::test(flavor = "current_thread")]
async fn placeholder_beyond_args_keeps_rest_of_format() {
    let mut msg = MessageContext::from_json("{}");
    run(
        PayloadFactoryConfig::json(r#"{"a":"$1","b":"$2","c":"$1"}"#).arg(Arg::value("x")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"a":"x","b":"$2","c":"$1"}"#);
    let mut msg = MessageContext::from_json("{}");
    run(PayloadFactoryConfig::json(r#"{"price":"$5"}"#), &mut msg)
        .await
        .unwrap();
    assert_eq!(text(&msg), r#"{"price":"$5"}"#);
}

// RTP: the pattern is `\$(\d+)`: `$$1` is a `$` then the argument; multi-digit `$12` works.
#[tokio::test(flavor = "current_thread")]
async fn dollar_dollar_and_multi_digit_placeholders() {
    let mut cfg = PayloadFactoryConfig::text("$$1 and $12");
    for i in 1..=12 {
        cfg = cfg.arg(Arg::value(format!("v{i}")));
    }
    let mut msg = MessageContext::from_json("{}");
    run(cfg, &mut msg).await.unwrap();
    assert_eq!(text(&msg), "$v1 and v12");
}

// ----- text media type -----------------------------------------------------------------------

// doc (text media type): the result is a text payload, text/plain.
#[tokio::test(flavor = "current_thread")]
async fn doc_text_media_type() {
    let mut msg = MessageContext::from_json(r#"{"name":"John","age":30}"#);
    let spec = with_args(
        pf_spec("text", "\n   Hello $1, you are $2 years old.\n"),
        vec![arg_expr("json-eval($.name)"), arg_expr("json-eval($.age)")],
    );
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(text(&msg), "Hello John, you are 30 years old.");
    assert_eq!(msg.content_type(), "text/plain");
    assert_eq!(msg.message_type(), "text/plain");
}

// ----- format from a key ---------------------------------------------------------------------

// doc (format from the registry / local entry): `<format key="…"/>` reads the template; an XML
// entry is used as an element (indentation removed as PFM.removeIndentations does).
#[tokio::test(flavor = "current_thread")]
async fn doc_format_from_local_entry_key() {
    let env = Env::builder()
        .local_entry(
            "pf_format",
            "<?xml version=\"1.0\"?>\n<p:a xmlns:p=\"urn:p\">\n  <p:b>$1</p:b>\n</p:a>",
        )
        .build();
    let spec = with_args(
        MediatorSpec::new("payloadFactory")
            .child(MediatorSpec::new("format").property("key", "pf_format")),
        vec![arg_expr("//id")],
    );
    let pf = from_spec(&spec).unwrap();
    for id in ["1", "2"] {
        let mut msg = MessageContext::from_xml(format!("<o><id>{id}</id></o>"));
        run_in(&pf, &mut msg, &env).await.unwrap();
        assert_eq!(
            text(&msg),
            format!(r#"<p:a xmlns:p="urn:p"><p:b>{id}</p:b></p:a>"#)
        );
    }
}

// PFM.transform: a dynamic key `{expr}` is evaluated; a missing entry is "Key … not found".
#[tokio::test(flavor = "current_thread")]
async fn dynamic_key_and_missing_key() {
    let env = Env::builder()
        .local_entry("json_fmt", r#"{"id":"$1"}"#)
        .build();
    let pf = PayloadFactoryConfig::from_key(MediaType::Json, "{get-property('fmt')}")
        .arg(Arg::value("7"))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("fmt", "json_fmt");
    run_in(&pf, &mut msg, &env).await.unwrap();
    assert_eq!(text(&msg), r#"{"id":"7"}"#);

    let mut msg = MessageContext::from_json("{}");
    msg.set_property("fmt", "nope");
    let err = run_in(&pf, &mut msg, &env).await.unwrap_err();
    assert_eq!(err.message(), "Key nope not found");
}

// ----- MI 4.4 inline expressions -------------------------------------------------------------

// RTP (MI 4.4): `"${…}"` inlines a primitive as an escaped string and an object as a string of
// its JSON; unquoted `${…}` inlines numbers and JSON as they are.
#[tokio::test(flavor = "current_thread")]
async fn inline_expressions_in_json_format() {
    let mut msg =
        MessageContext::from_json(r#"{"user":{"name":"Jo \"J\"","age":30},"tags":["a","b"]}"#);
    msg.set_variable("v", serde_json::json!("var"));
    run(
        PayloadFactoryConfig::json(
            r#"{"name":"${payload.user.name}","age":${payload.user.age},"tags":${payload.tags},"obj":"${payload.user}","v":"${vars.v}"}"#,
        ),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        r#"{"name":"Jo \"J\"","age":30,"tags":["a","b"],"obj":"{\"name\":\"Jo \\\"J\\\"\",\"age\":30}","v":"var"}"#
    );
}

// RTP (MI 4.4): in an xml format a primitive is XML-escaped, an object converted to XML.
#[tokio::test(flavor = "current_thread")]
async fn inline_expressions_in_xml_format() {
    let mut msg = MessageContext::from_json(r#"{"user":{"name":"A&B","age":30}}"#);
    run(
        PayloadFactoryConfig::xml("<r><n>${payload.user.name}</n><u>${payload.user}</u></r>"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        "<r><n>A&amp;B</n><u><name>A&amp;B</name><age>30</age></u></r>"
    );
}

// RTP (MI 4.4): an unquoted string in a json format is written raw, which is not JSON.
#[tokio::test(flavor = "current_thread")]
async fn inline_unquoted_string_in_json_is_raw() {
    let mut msg = MessageContext::from_json(r#"{"s":"abc"}"#);
    let err = run(
        PayloadFactoryConfig::json(r#"{"s":${payload.s}}"#),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(err.message().contains("{\"s\":abc}"), "{err}");
}

// ----- build errors, from_spec, reads_body ---------------------------------------------------

#[test]
fn build_errors() {
    let unknown_media = pf_spec("yaml", "x");
    assert!(matches!(
        from_spec(&unknown_media),
        Err(BuildError::InvalidProperty { ref property, .. }) if property == "media-type"
    ));
    let attr = pf_spec("json", "{}").property("colour", "red");
    assert!(from_spec(&attr).unwrap_err().to_string().contains("colour"));
    let child = pf_spec("json", "{}").child(MediatorSpec::new("extra"));
    assert!(from_spec(&child).unwrap_err().to_string().contains("extra"));
    // PFMF: "format element of payloadFactoryMediator is required".
    let no_format = MediatorSpec::new("payloadFactory").property("media-type", "json");
    assert!(
        from_spec(&no_format)
            .unwrap_err()
            .to_string()
            .contains("format element")
    );
    // PFMF: "Unsupported arg type. value or expression attribute required".
    let bad_arg = with_args(pf_spec("json", "{}"), vec![MediatorSpec::new("arg")]);
    assert!(
        from_spec(&bad_arg)
            .unwrap_err()
            .to_string()
            .contains("Unsupported arg type")
    );
    let bad_arg_attr = with_args(
        pf_spec("json", "{}"),
        vec![
            MediatorSpec::new("arg")
                .property("value", "1")
                .property("xpath", "x"),
        ],
    );
    assert!(
        from_spec(&bad_arg_attr)
            .unwrap_err()
            .to_string()
            .contains("xpath")
    );
    let bad_expr = with_args(pf_spec("json", "{}"), vec![arg_expr("count(//a")]);
    assert!(
        from_spec(&bad_expr)
            .unwrap_err()
            .to_string()
            .contains("column")
    );
    let bad_eval = with_args(
        pf_spec("json", "{}"),
        vec![arg_expr("//a").property("evaluator", "yaml")],
    );
    assert!(from_spec(&bad_eval).is_err());
    let bad_inline = pf_spec("json", r#"{"a":${payload.a +}}"#);
    assert!(
        from_spec(&bad_inline)
            .unwrap_err()
            .to_string()
            .contains("${payload.a +}")
    );
    let not_xml = pf_spec("xml", "plain text");
    assert!(from_spec(&not_xml).is_err());
    let bad_template = pf_spec("json", "{}").property("template-type", "velocity");
    assert!(from_spec(&bad_template).is_err());
}

#[test]
fn from_spec_reads_every_option() {
    let spec = with_args(
        pf_spec("json", r#"{"a":$1}"#)
            .property("template-type", "default")
            .property("escapeXmlChars", "true")
            .property("description", "d"),
        vec![
            arg_expr("$.a")
                .property("evaluator", "json")
                .property("literal", "TRUE"),
        ],
    );
    let cfg = PayloadFactoryConfig::from_spec(&spec, &Registry::new()).unwrap();
    assert_eq!(cfg.media_type, MediaType::Json);
    assert_eq!(cfg.template_type, TemplateType::Default);
    assert!(cfg.escape_xml_chars);
    assert_eq!(cfg.format, Some(Format::Inline(r#"{"a":$1}"#.into())));
    assert_eq!(cfg.args.len(), 1);
    assert_eq!(cfg.args[0].evaluator, Some(Evaluator::Json));
    assert!(cfg.args[0].literal);
    let pf = cfg.build().unwrap();
    assert_eq!(pf.kind(), "payloadFactory");
    assert_eq!(pf.media_type(), MediaType::Json);
    // No media-type: xml (doc: "If no media type is specified, the message is formatted in XML").
    let default = PayloadFactoryConfig::from_spec(
        &MediatorSpec::new("payloadFactory").child(MediatorSpec::new("format").text("<a/>")),
        &Registry::new(),
    )
    .unwrap();
    assert_eq!(default.media_type, MediaType::Xml);
}

#[test]
fn needs_old_body_only_when_something_reads_it_but_always_reads_body() {
    let values = PayloadFactoryConfig::json(r#"{"a":"$1","b":"${vars.x}"}"#)
        .arg(Arg::value("1"))
        .arg(Arg::expression("$ctx:p"))
        .build()
        .unwrap();
    // Synapse's PayloadFactoryMediator is content aware: it always reports reading the body.
    assert!(values.reads_body());
    assert!(!values.needs_old_body());
    let json_eval = PayloadFactoryConfig::json(r#"{"a":$1}"#)
        .arg(Arg::expression("json-eval($.a)"))
        .build()
        .unwrap();
    assert!(json_eval.needs_old_body());
    let inline = PayloadFactoryConfig::json(r#"{"a":${payload.a}}"#)
        .build()
        .unwrap();
    assert!(inline.needs_old_body());
    let keyed = PayloadFactoryConfig::from_key(MediaType::Json, "k")
        .build()
        .unwrap();
    assert!(keyed.needs_old_body());
}

// Code-first API: a readable builder, and `render` to see the text without changing the message.
#[test]
fn code_first_builder_and_render() {
    let pf = PayloadFactoryConfig::json(r#"{"a":"$1","b":$2}"#)
        .arg(Arg::expression("json-eval($.x)"))
        .arg(Arg::value("2"))
        .build()
        .unwrap();
    let msg = MessageContext::from_json(r#"{"x":"hi"}"#);
    assert_eq!(
        pf.render(&msg, &Env::default()).unwrap(),
        r#"{"a":"hi","b":2}"#
    );
    assert_eq!(text(&msg), r#"{"x":"hi"}"#);
}

// TP.prepareReplacementValue (convertJsonStringToXml): in an xml format, a string argument that
// starts with `{` or `[` is read as JSON and converted to XML; one that is not JSON fails with
// MI's message.
#[tokio::test(flavor = "current_thread")]
async fn json_looking_string_in_xml_format_is_converted() {
    let mut msg = MessageContext::from_xml("<o><a>[1,2]</a><b>[WARN] x</b></o>");
    run(
        PayloadFactoryConfig::xml("<r>$1</r>").arg(Arg::expression("//a")),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        text(&msg),
        "<r><jsonElement>1</jsonElement><jsonElement>2</jsonElement></r>"
    );
    let mut msg = MessageContext::from_xml("<o><b>[WARN] x</b></o>");
    let err = run(
        PayloadFactoryConfig::xml("<r>$1</r>").arg(Arg::expression("//b")),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(
        err.message().starts_with("Error converting JSON to XML"),
        "{err}"
    );
}

// JsonUtil.getNewJsonPayload: an empty JSON result is `{}`.
#[tokio::test(flavor = "current_thread")]
async fn empty_json_result_is_empty_object() {
    let mut msg = MessageContext::from_xml("<a/>");
    run(PayloadFactoryConfig::json("  \n "), &mut msg)
        .await
        .unwrap();
    assert_eq!(text(&msg), "{}");
}

// PFM: a result that is not XML fails with "Error creating SOAP Envelope from source …"
// (here an XML value, inserted as XML, lands in an attribute).
#[tokio::test(flavor = "current_thread")]
async fn xml_result_that_is_not_xml_is_an_error() {
    let mut msg = MessageContext::from_xml("<o/>");
    let err = run(
        PayloadFactoryConfig::xml(r#"<r a="$1"/>"#).arg(Arg::value("<y/>")),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(
        err.message()
            .starts_with(r#"Error creating SOAP Envelope from source <r a="<y/>"/>"#),
        "{err}"
    );
    assert_eq!(text(&msg), "<o/>");
}

// ----- template-type="freemarker" ------------------------------------------------------------

// doc (FreeMarker template, JSON to JSON): `${payload.…}` reads the JSON payload, `${args.arg1}`
// the first argument; the result is handled as the media type says.
#[tokio::test(flavor = "current_thread")]
async fn freemarker_json_template_with_payload_and_args() {
    let spec = with_args(
        pf_spec(
            "json",
            r#"{"name":"${payload.first_name} ${payload.last_name}","id":"${args.arg1}"}"#,
        )
        .property("template-type", "freemarker"),
        vec![MediatorSpec::new("arg").property("value", "A-1")],
    );
    let pf = from_spec(&spec).unwrap();
    assert_eq!(pf.template_type(), TemplateType::FreeMarker);
    assert!(pf.needs_old_body());
    let mut msg = MessageContext::from_json(r#"{"first_name":"John","last_name":"Doe"}"#);
    run_in(&pf, &mut msg, &Env::default()).await.unwrap();
    assert_eq!(text(&msg), r#"{"name":"John Doe","id":"A-1"}"#);
    assert_eq!(msg.content_type(), "application/json");
}

// FreeMarkerTemplateProcessor: an xml template is wrapped in <pfPadding> and its first element
// becomes the body.
#[tokio::test(flavor = "current_thread")]
async fn freemarker_xml_template() {
    let pf = PayloadFactoryConfig::xml("<user><name>${payload.name}</name></user>")
        .template_type(TemplateType::FreeMarker)
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"name":"Ann"}"#);
    run_in(&pf, &mut msg, &Env::default()).await.unwrap();
    assert_eq!(text(&msg), "<user><name>Ann</name></user>");
    assert_eq!(msg.content_type(), "application/xml");
}

// FreeMarker errors: a syntax error when built (with line and column), a missing value when run
// (Synapse: "Error parsing FreeMarker template, Syntax error or invalid reference : …").
#[tokio::test(flavor = "current_thread")]
async fn freemarker_errors() {
    let bad = PayloadFactoryConfig::json("{\n \"a\": ${payload.a")
        .template_type(TemplateType::FreeMarker)
        .build()
        .unwrap_err();
    assert!(bad.to_string().contains("line 2"), "{bad}");
    let pf = PayloadFactoryConfig::json(r#"{"a":"${payload.missing}"}"#)
        .template_type(TemplateType::FreeMarker)
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"b":1}"#);
    let err = run_in(&pf, &mut msg, &Env::default()).await.unwrap_err();
    assert!(
        err.message()
            .starts_with("Error parsing FreeMarker template, Syntax error or invalid reference"),
        "{err}"
    );
}

// MI 4.4 SynapseExpression.objectValueOf: a failed evaluation is logged and gives "", written
// as it is (so `"${…}"` becomes `""`).
#[tokio::test(flavor = "current_thread")]
async fn inline_expression_failure_is_empty() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    run(
        PayloadFactoryConfig::json(r#"{"m":"${payload.missing}","a":${payload.a}}"#),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"m":"","a":1}"#);
}

// MI 4.4: `${xpath(…)}` gives XML, converted to JSON unquoted and kept as an escaped string
// when quoted.
#[tokio::test(flavor = "current_thread")]
async fn inline_xpath_xml_into_json() {
    let mut msg = MessageContext::from_xml(r#"<r><a><b>1</b></a></r>"#);
    run(
        PayloadFactoryConfig::json(r#"{"x":${xpath('//a')},"s":"${xpath('//a')}"}"#),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(text(&msg), r#"{"x":{"a":{"b":1}},"s":"<a><b>1</b></a>"}"#);
}

// An inline xml format arrives serialized, so `>` in a `${…}` may be written `&gt;`; it is read
// as `>` (MI would fail to compile the expression: a documented difference).
#[tokio::test(flavor = "current_thread")]
async fn inline_expression_in_xml_format_reads_entities() {
    let spec = pf_spec(
        "xml",
        "<r><big>${payload.n &gt; 1}</big><s>${payload.s}</s></r>",
    );
    let mut msg = MessageContext::from_json(r#"{"n":5,"s":"a&b"}"#);
    run_in(&from_spec(&spec).unwrap(), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(text(&msg), "<r><big>true</big><s>a&amp;b</s></r>");
}

// ----- limits, deepCheck, long formats in errors ----------------------------------------------

// mediate's FreeMarker render limits (module docs of `freemarker`): a template that would make
// a string over the cap or loop for ever fails with payloadFactory's usual FreeMarker error
// ("Error parsing FreeMarker template, Syntax error or invalid reference : … At line: … column:
// …", Synapse's FreeMarkerTemplateProcessor text), naming the limit.
#[tokio::test(flavor = "current_thread")]
async fn freemarker_limits_fail_with_the_freemarker_error() {
    for (template, limit) in [
        (
            "<#assign s='xxxxxxxx'><#list 1..40 as i><#assign s = s + s></#list>${s?length}",
            "string size limit exceeded",
        ),
        (
            "<#list 1..999999 as i><#list 1..999999 as j>x</#list></#list>",
            "step limit exceeded",
        ),
    ] {
        let pf = PayloadFactoryConfig::text(template)
            .template_type(TemplateType::FreeMarker)
            .build()
            .unwrap();
        let mut msg = MessageContext::from_json("{}");
        let err = run_in(&pf, &mut msg, &Env::default()).await.unwrap_err();
        let m = err.message();
        assert!(
            m.starts_with(
                "Error parsing FreeMarker template, Syntax error or invalid reference : "
            ),
            "{m}"
        );
        assert!(m.contains(limit), "{m}");
        assert!(m.contains(" At line: 1 column: "), "{m}");
    }
}

// The default template's output is a sum of argument values, one per `$n` of the format: a
// format repeating `$1` over a large argument is capped at 64 MiB like a FreeMarker render.
#[tokio::test(flavor = "current_thread")]
async fn default_template_output_is_capped() {
    let big = "a".repeat(1024 * 1024);
    let pf = PayloadFactoryConfig::text("$1".repeat(65))
        .arg(Arg::value(big))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json("{}");
    let err = run_in(&pf, &mut msg, &Env::default()).await.unwrap_err();
    assert!(
        err.message().contains("output size limit exceeded"),
        "{err}"
    );
    // 64 references are exactly the cap and pass.
    let pf = PayloadFactoryConfig::text("$1".repeat(64))
        .arg(Arg::value("a".repeat(1024 * 1024)))
        .build()
        .unwrap();
    run_in(&pf, &mut msg, &Env::default()).await.unwrap();
    assert_eq!(msg.payload().len(), 64 * 1024 * 1024);
}

// PayloadFactoryMediatorFactory (MI 4.4) reads `value`, `expression`, `evaluator` and
// `literal` of an <arg> and never `deepCheck`; `Argument.isDeepCheck()` is called by no
// TemplateProcessor. So `deepCheck` deploys and changes nothing.
#[tokio::test(flavor = "current_thread")]
async fn deep_check_is_accepted_and_has_no_effect() {
    let mut outputs = Vec::new();
    for deep in [None, Some("false"), Some("true")] {
        let mut arg = arg_expr("//a");
        if let Some(d) = deep {
            arg = arg.property("deepCheck", d);
        }
        let spec = with_args(pf_spec("json", r#"{"x":$1}"#), vec![arg]);
        let pf = from_spec(&spec).expect("deepCheck is accepted");
        let mut msg = MessageContext::from_xml("<r><a><b>1</b></a></r>");
        run_in(&pf, &mut msg, &Env::default()).await.unwrap();
        outputs.push(text(&msg).to_owned());
    }
    assert_eq!(outputs[0], r#"{"x":{"a":{"b":1}}}"#);
    assert_eq!(outputs[1], outputs[0]);
    assert_eq!(outputs[2], outputs[0]);
}

// A build error quotes at most 200 characters of the <format>, then its length; the reason
// keeps the line and column.
#[test]
fn long_format_is_truncated_in_build_errors() {
    let format = format!("{}\n${{payload.a", "x".repeat(100_000));
    let err = PayloadFactoryConfig::text(format)
        .template_type(TemplateType::FreeMarker)
        .build()
        .unwrap_err();
    let BuildError::InvalidProperty { value, reason, .. } = &err else {
        panic!("unexpected error {err}");
    };
    assert_eq!(value, &format!("{}… (100012 characters)", "x".repeat(200)));
    assert!(reason.contains("line 2"), "{reason}");
    assert!(err.to_string().len() < 1000, "{err}");
    // A short format is quoted whole.
    let err = PayloadFactoryConfig::text("${payload.a")
        .template_type(TemplateType::FreeMarker)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, BuildError::InvalidProperty { value, .. } if value == "${payload.a"),
        "{err}"
    );
}
