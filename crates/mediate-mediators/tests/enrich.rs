//! Enrich mediator tests. Facts cited from MI's `enrich-mediator.md` (doc), Synapse's
//! `EnrichMediator`, `Source`, `Target` (EM, Source, Target) and `EnrichMediatorFactory` (EMF).

use mediate_core::message::XmlValue;
use mediate_core::{
    BuildError, Env, MediatorSpec, MessageContext, Namespaces, PropertyValue, Registry,
};
use mediate_mediators::enrich::{Action, EnrichConfig, EnrichMediator, Source, Target};
use serde_json::{Value, json};

const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";

const STUDENTS: &str = r#"{
    "data": {
        "students": [
            {"id": "01", "name": "Tom", "lastName": "Price", "modules": ["CS001", "CS002", "CS003"]},
            {"id": "02", "name": "Nick", "lastname": "Thameson", "modules": ["CS011", "CS012"]}
        ]
    }
}"#;

fn build(source: Source, target: Target) -> EnrichMediator {
    EnrichConfig::new(source, target).build().unwrap()
}

fn run(m: &EnrichMediator, msg: &mut MessageContext) {
    m.enrich(msg, &Env::default()).unwrap();
}

fn json_of(msg: &MessageContext) -> Value {
    serde_json::from_slice(msg.payload()).unwrap()
}

fn text(msg: &MessageContext) -> &str {
    msg.payload_as_text().unwrap()
}

/// `<enrich>` with a source and target spec.
fn spec(source: MediatorSpec, target: MediatorSpec) -> MediatorSpec {
    MediatorSpec::new("enrich").child(source).child(target)
}

fn from_spec(s: &MediatorSpec) -> Result<EnrichMediator, BuildError> {
    EnrichConfig::from_spec(s, &Registry::new())?.build()
}

fn structure_reason(err: BuildError) -> String {
    match err {
        BuildError::InvalidStructure { reason, .. } => reason,
        BuildError::InvalidProperty { reason, .. } => reason,
        other => other.to_string(),
    }
}

// ----- MI doc: "Examples - Enrich on JSON messages" -------------------------------------

#[test]
fn doc_json_example1_extract_content_and_set_it_as_body() {
    let m = build(
        Source::custom("json-eval($.data)").clone_content(false),
        Target::body(),
    );
    assert!(m.supports_native_json());
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    let expected: Value = serde_json::from_str(STUDENTS).unwrap();
    assert_eq!(json_of(&msg), expected["data"]);
}

#[test]
fn doc_json_example2_property_as_child_appends_to_array() {
    let m = build(
        Source::property("NewModule"),
        Target::custom("json-eval($.data.students[0].modules)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(STUDENTS);
    msg.set_property("NewModule", "CS004");
    run(&m, &mut msg);
    assert_eq!(
        json_of(&msg)["data"]["students"][0]["modules"],
        json!(["CS001", "CS002", "CS003", "CS004"])
    );
    assert_eq!(
        json_of(&msg)["data"]["students"][1]["modules"],
        json!(["CS011", "CS012"])
    );
}

#[test]
fn doc_json_example3_inline_object_as_child_of_array() {
    let inline = r#"
        {
        "id": "03",
        "name": "Mary",
        "lastName": "Jane",
        "modules": ["CS001", "CS002", "CS004"]
        }
    "#;
    let s = spec(
        MediatorSpec::new("source")
            .property("clone", "true")
            .property("type", "inline")
            .text(inline),
        MediatorSpec::new("target")
            .property("action", "child")
            .property("xpath", "json-eval($.data.students)"),
    );
    let m = from_spec(&s).unwrap();
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    let students = &json_of(&msg)["data"]["students"];
    assert_eq!(students.as_array().unwrap().len(), 3);
    assert_eq!(
        students[2],
        json!({"id":"03","name":"Mary","lastName":"Jane","modules":["CS001","CS002","CS004"]})
    );
}

#[test]
fn doc_json_example4_custom_path_to_property() {
    let m = build(
        Source::custom("json-eval($.data.students[0].name)"),
        Target::property("Name"),
    );
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    assert_eq!(
        msg.property("Name"),
        Some(&PropertyValue::Json(json!("Tom")))
    );
    // The payload is not changed (clone defaults to true).
    assert_eq!(
        json_of(&msg),
        serde_json::from_str::<Value>(STUDENTS).unwrap()
    );
}

#[test]
fn doc_json_example5_remove_comma_separated_paths_from_body() {
    let s = spec(
        MediatorSpec::new("source")
            .property("clone", "true")
            .property("type", "custom")
            .property(
                "xpath",
                "json-eval($.data.students[*].modules,$.data.students[0])",
            ),
        MediatorSpec::new("target")
            .property("action", "remove")
            .property("type", "body"),
    );
    let m = from_spec(&s).unwrap();
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    assert_eq!(
        json_of(&msg),
        json!({"data":{"students":[{"id":"02","name":"Nick","lastname":"Thameson"}]}})
    );
}

#[test]
fn doc_json_example6_remove_from_property() {
    let to_property = build(
        Source::body().clone_content(false),
        Target::property("students"),
    );
    let remove = build(
        Source::custom("json-eval($.data.students[*].modules,$.data.students[0])"),
        Target::property("students").action(Action::Remove),
    );
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&to_property, &mut msg);
    run(&remove, &mut msg);
    // doc: result = {"data":{"students":[{"id":"02","name":"Nick","lastname":"Thameson"}]}}
    assert_eq!(
        msg.property("students").unwrap().as_string(),
        r#"{"data":{"students":[{"id":"02","name":"Nick","lastname":"Thameson"}]}}"#
    );
    // The payload is untouched.
    assert_eq!(
        json_of(&msg),
        serde_json::from_str::<Value>(STUDENTS).unwrap()
    );
}

#[test]
fn doc_json_example7_replace_every_match_with_inline_array() {
    let m = build(
        Source::inline("\n        []\n    "),
        Target::custom("json-eval($.data.students[*].modules)"),
    );
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    let v = json_of(&msg);
    assert_eq!(v["data"]["students"][0]["modules"], json!([]));
    assert_eq!(v["data"]["students"][1]["modules"], json!([]));
}

#[test]
fn doc_json_example8_rename_key_keeps_its_place() {
    let s = spec(
        MediatorSpec::new("source")
            .property("clone", "true")
            .property("type", "inline")
            .text("\n        firstName\n    "),
        MediatorSpec::new("target")
            .property("action", "replace")
            .property("type", "key")
            .property("xpath", "json-eval($.data.students[*].name)"),
    );
    let m = from_spec(&s).unwrap();
    let mut msg = MessageContext::from_json(STUDENTS);
    run(&m, &mut msg);
    assert_eq!(
        text(&msg),
        r#"{"data":{"students":[{"id":"01","firstName":"Tom","lastName":"Price","modules":["CS001","CS002","CS003"]},{"id":"02","firstName":"Nick","lastname":"Thameson","modules":["CS011","CS012"]}]}}"#
    );
}

#[test]
fn doc_json_example9_json_primitive_property_and_path_without_dollar() {
    // doc: <property name="NewSubject" value="&quot;CS013 II&quot;" type="JSON"/> and
    // xpath="json-eval(data.students[1].modules)" (Jayway puts `$.` in front).
    let m = build(
        Source::property("NewSubject").clone_content(false),
        Target::custom("json-eval(data.students[1].modules)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(STUDENTS);
    msg.set_property("NewSubject", PropertyValue::Json(json!("CS013 II")));
    run(&m, &mut msg);
    assert_eq!(
        json_of(&msg)["data"]["students"][1]["modules"],
        json!(["CS011", "CS012", "CS013 II"])
    );
}

// ----- JSON edge cases (Target.insertJson, getNewJSONString) -----------------------------

#[test]
fn json_child_on_root_array_and_object_merge() {
    let m = build(
        Source::inline("5"),
        Target::custom("json-eval($)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json("[1,2]");
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!([1, 2, 5]));

    // An object receiving an object merges its members (EIPUtils.mergeJsonObjects).
    let m = build(
        Source::inline(r#"{"b":2,"a":9}"#),
        Target::custom("json-eval($.o)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"o":{"a":1}}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"o":{"a":9,"b":2}}));

    // A primitive cannot receive a child: logged, unchanged.
    let m = build(
        Source::inline("1"),
        Target::custom("json-eval($.o)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"o":"x"}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"o":"x"}));
}

#[test]
fn json_replace_primitive_and_missing_child_path_is_an_error() {
    let m = build(Source::inline("true"), Target::custom("json-eval($.a.b)"));
    let mut msg = MessageContext::from_json(r#"{"a":{"b":1,"c":2}}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"a":{"b":true,"c":2}}));

    let m = build(
        Source::inline("1"),
        Target::custom("json-eval($.x)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert!(err.message().contains("No results for path"), "{err}");
}

#[test]
fn json_body_target_needs_object_or_array_and_replace() {
    // Target.insertJson BODY: a primitive is logged and not set.
    let m = build(Source::inline("\"s\""), Target::body());
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"a":1}));
    // child on the body: "Only replace is supported for target body."
    let m = build(
        Source::inline("{\"b\":1}"),
        Target::body().action(Action::Child),
    );
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"a":1}));
    // replace with an array
    let m = build(Source::inline("[1]"), Target::body());
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!([1]));
    assert_eq!(msg.content_type(), "application/json");
}

#[test]
fn json_clone_false_custom_source_is_deleted_from_payload() {
    // Source.evaluateJson: "when cloning is false, remove the element in JSON path from payload"
    let m = build(
        Source::custom("json-eval($.a)").clone_content(false),
        Target::custom("json-eval($.list)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"a":{"x":1},"list":[]}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"list":[{"x":1}]}));
}

#[test]
fn json_property_child_and_sibling() {
    let m = build(
        Source::inline("3"),
        Target::property("p").action(Action::Child),
    );
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("p", "[1,2]");
    run(&m, &mut msg);
    assert_eq!(
        msg.property("p"),
        Some(&PropertyValue::Json(json!([1, 2, 3])))
    );
    // Not an array: logged, unchanged.
    msg.set_property("q", PropertyValue::Json(json!({"a":1})));
    let m = build(
        Source::inline("3"),
        Target::property("q").action(Action::Child),
    );
    run(&m, &mut msg);
    assert_eq!(
        msg.property("q"),
        Some(&PropertyValue::Json(json!({"a":1})))
    );
    // Missing property: logged, nothing set.
    let m = build(
        Source::inline("3"),
        Target::property("none").action(Action::Child),
    );
    run(&m, &mut msg);
    assert!(msg.property("none").is_none());
    // "Action sibling is not supported when enriching properties with JSON data"
    let m = build(
        Source::inline("3"),
        Target::property("p").action(Action::Sibling),
    );
    run(&m, &mut msg);
    assert_eq!(
        msg.property("p"),
        Some(&PropertyValue::Json(json!([1, 2, 3])))
    );
}

#[test]
fn json_remove_root_empties_the_payload() {
    let m = build(
        Source::custom("json-eval($)"),
        Target::body().action(Action::Remove),
    );
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    run(&m, &mut msg);
    assert!(msg.payload().is_empty());
}

#[test]
fn json_key_rename_errors() {
    // EM: "Key name must be a string." when the source is not a primitive.
    let m = build(Source::inline("{\"a\":1}"), Target::key("json-eval($.a)"));
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert!(err.message().contains("Key name must be a string"), "{err}");
    // A missing key fails the rename (Jayway's renameKey throws).
    let m = build(Source::inline("b"), Target::key("json-eval($.zz)"));
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert_eq!(err.message(), "Failed to rename the key.");
    // A top-level key.
    let m = build(Source::inline("b"), Target::key("json-eval($.a)"));
    run(&m, &mut msg);
    assert_eq!(text(&msg), r#"{"b":1}"#);
}

#[test]
fn json_source_missing_path_fails_the_mediation() {
    let m = build(Source::custom("json-eval($.nope)"), Target::property("p"));
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert_eq!(err.message(), "Failed to get the source for Enriching : ");
}

#[test]
fn json_inline_key_source_reads_a_local_entry() {
    let env = Env::builder().local_entry("item", r#"{"id":7}"#).build();
    let m = build(
        Source::inline_key("item"),
        Target::custom("json-eval($.items)").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"items":[]}"#);
    m.enrich(&mut msg, &env).unwrap();
    assert_eq!(json_of(&msg), json!({"items":[{"id":7}]}));
}

#[test]
fn json_message_with_xml_property_source_takes_the_xml_path() {
    // EM: a source property holding XML (OMElement) disables the JSON path; the body's first
    // element is replaced and the message goes out as JSON again.
    let m = build(Source::property("x"), Target::body());
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    msg.set_property("x", PropertyValue::Om(XmlValue::new("<r><b>2</b></r>")));
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"r":{"b":2}}));
}

#[test]
fn json_message_with_xpath_enrich_is_converted_back_to_json() {
    // Native JSON is off for an XPath source: MI edits the JSON's XML form (jsonObject) and its
    // JSON formatter writes it back.
    let m = build(
        Source::custom("//a"),
        Target::custom("//list").action(Action::Child),
    );
    let mut msg = MessageContext::from_json(r#"{"a":5,"list":{"x":1}}"#);
    assert!(!m.supports_native_json());
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"a":5,"list":{"x":1,"a":5}}));
    assert_eq!(msg.content_type(), "application/json");
}

// ----- MI doc: XML examples ---------------------------------------------------------------

const SOAP: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol></m:getQuote></soapenv:Body></soapenv:Envelope>"#;

#[test]
fn doc_example1_and_3_envelope_to_property() {
    for clone in [false, true] {
        let m = build(
            Source::envelope().clone_content(clone),
            Target::property("payload"),
        );
        let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
        run(&m, &mut msg);
        match msg.property("payload") {
            Some(PropertyValue::Om(x)) => assert_eq!(x.text(), SOAP),
            other => panic!("{other:?}"),
        }
        assert_eq!(text(&msg), SOAP);
    }
}

#[test]
fn doc_example2_child_object_added_to_property() {
    // The inline <Cars/> is in the Synapse namespace, as MI's configuration parser gives it.
    let first = spec(
        MediatorSpec::new("source")
            .property("clone", "true")
            .property("type", "inline")
            .text(format!(r#"<Cars xmlns="{SYNAPSE_NS}"/>"#)),
        MediatorSpec::new("target")
            .property("action", "child")
            .property("type", "property")
            .property("property", "Cars"),
    );
    let second = spec(
        MediatorSpec::new("source")
            .property("clone", "true")
            .property("type", "inline")
            .text(format!(r#"<Car xmlns="{SYNAPSE_NS}">Lamborghini</Car>"#)),
        MediatorSpec::new("target")
            .property("action", "child")
            .property("xpath", "$ctx:Cars"),
    );
    let mut msg = MessageContext::from_xml("<a/>");
    run(&from_spec(&first).unwrap(), &mut msg);
    assert_eq!(
        msg.property("Cars").unwrap().as_string(),
        format!(r#"<Cars xmlns="{SYNAPSE_NS}"/>"#)
    );
    run(&from_spec(&second).unwrap(), &mut msg);
    assert_eq!(
        msg.property("Cars").unwrap().as_string(),
        format!(r#"<Cars xmlns="{SYNAPSE_NS}"><Car xmlns="{SYNAPSE_NS}">Lamborghini</Car></Cars>"#)
    );
    assert_eq!(text(&msg), "<a/>");
}

#[test]
fn inline_element_with_empty_xmlns_stays_unqualified() {
    let s = spec(
        MediatorSpec::new("source")
            .property("type", "inline")
            .text(r#"<Car xmlns="">x</Car>"#),
        MediatorSpec::new("target").property("type", "body"),
    );
    let mut msg = MessageContext::from_xml("<a/>");
    run(&from_spec(&s).unwrap(), &mut msg);
    assert_eq!(text(&msg), r#"<Car xmlns="">x</Car>"#);
}

#[test]
fn doc_example4_preserve_and_restore_the_original_payload() {
    let save = build(
        Source::body().clone_content(false),
        Target::property("ORIGINAL_PAYLOAD"),
    );
    let restore = build(
        Source::property("ORIGINAL_PAYLOAD").clone_content(false),
        Target::body(),
    );
    let mut msg = MessageContext::from_xml(r#"<order xmlns="urn:o"><id>1</id></order>"#);
    run(&save, &mut msg);
    msg.set_xml_body("<other/>").unwrap();
    run(&restore, &mut msg);
    assert_eq!(text(&msg), r#"<order xmlns="urn:o"><id>1</id></order>"#);

    // The same on a SOAP message: the envelope and header stay as they were.
    let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
    run(&save, &mut msg);
    let replace = build(Source::inline("<x/>"), Target::body());
    run(&replace, &mut msg);
    assert!(text(&msg).contains("<soapenv:Body><x/></soapenv:Body>"));
    run(&restore, &mut msg);
    assert_eq!(text(&msg), SOAP);
}

#[test]
fn doc_example4_json_payload_round_trips_through_a_property() {
    let save = build(Source::body(), Target::property("ORIGINAL_PAYLOAD"));
    let restore = build(Source::property("ORIGINAL_PAYLOAD"), Target::body());
    let mut msg = MessageContext::from_json(r#"{"a":[1,2]}"#);
    run(&save, &mut msg);
    msg.set_json(json!({"b":1}));
    run(&restore, &mut msg);
    assert_eq!(json_of(&msg), json!({"a":[1,2]}));
}

// ----- XML actions (Target.insertElement) ------------------------------------------------

#[test]
fn xml_custom_replace_child_sibling() {
    let src = "<r><a>1</a><b/><c>x</c></r>";
    let cases = [
        (Action::Replace, "<r><a>1</a><a>1</a><c>x</c></r>"),
        (Action::Child, "<r><a>1</a><b><a>1</a></b><c>x</c></r>"),
        (Action::Sibling, "<r><a>1</a><b/><a>1</a><c>x</c></r>"),
    ];
    for (action, expected) in cases {
        let m = build(Source::custom("//a"), Target::custom("//b").action(action));
        let mut msg = MessageContext::from_xml(src);
        run(&m, &mut msg);
        assert_eq!(text(&msg), expected, "{action}");
    }
}

#[test]
fn xml_several_siblings_are_inserted_in_reverse_order() {
    // Axiom's insertSiblingAfter puts each new node right after the target.
    let m = build(
        Source::custom("//s/*"),
        Target::custom("//t").action(Action::Sibling),
    );
    let mut msg = MessageContext::from_xml("<r><s><x/><y/></s><t/></r>");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r><s><x/><y/></s><t/><y/><x/></r>");
}

#[test]
fn xml_clone_false_moves_the_node() {
    let m = build(
        Source::custom("//a").clone_content(false),
        Target::custom("//b").action(Action::Child),
    );
    let mut msg = MessageContext::from_xml("<r><a>1</a><b/></r>");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r><b><a>1</a></b></r>");
}

#[test]
fn xml_text_source_replaces_content_and_sets_attributes() {
    // A text source replaces the target's content (OMElement.setText).
    let m = build(Source::property("p"), Target::custom("//b"));
    let mut msg = MessageContext::from_xml("<r><b><c/></b></r>");
    msg.set_property("p", "a<b");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r><b>a&lt;b</b></r>");
    // An attribute target takes the text as its value.
    let m = build(Source::property("p"), Target::custom("//b/@id"));
    let mut msg = MessageContext::from_xml(r#"<r><b id="0"/></r>"#);
    msg.set_property("p", "7\"");
    run(&m, &mut msg);
    assert_eq!(text(&msg), r#"<r><b id="7&quot;"/></r>"#);
    // A text-node target: its parent's content becomes the text.
    let m = build(Source::property("p"), Target::custom("//b/text()"));
    let mut msg = MessageContext::from_xml("<r><b>old</b></r>");
    msg.set_property("p", "new");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r><b>new</b></r>");
}

#[test]
fn xml_source_keeps_inherited_namespaces() {
    let mut ns = Namespaces::new();
    ns.insert("m", "urn:q");
    let m = EnrichConfig::new(Source::custom("//m:symbol"), Target::property("s"))
        .namespaces(ns)
        .build()
        .unwrap();
    let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
    run(&m, &mut msg);
    assert_eq!(
        msg.property("s").unwrap().as_string(),
        r#"<m:symbol xmlns:m="urn:q">IBM</m:symbol>"#
    );
}

#[test]
fn xml_body_target_on_empty_body_adds_the_element() {
    let m = build(Source::inline("<hello/>"), Target::body());
    let mut msg = MessageContext::empty();
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<hello/>");
    assert_eq!(msg.content_type(), "application/xml");
}

#[test]
fn xml_body_replace_with_json_text_sets_a_json_payload() {
    // Target.insertElementToBody: a text source holding a JSON object or array becomes the
    // JSON payload.
    let m = build(Source::property("j"), Target::body());
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("j", PropertyValue::Om(XmlValue::new("<w/>")));
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<w/>");
    msg.set_property("j", r#"{"k":1}"#);
    run(&m, &mut msg);
    assert_eq!(json_of(&msg), json!({"k":1}));
}

#[test]
fn xml_envelope_target_takes_a_soap_envelope() {
    let save = build(Source::envelope(), Target::property("env"));
    let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
    run(&save, &mut msg);
    msg.set_xml_body("<changed/>").unwrap();
    let restore = build(Source::property("env"), Target::envelope());
    run(&restore, &mut msg);
    assert_eq!(text(&msg), SOAP);
    // Anything else: "A SOAPEnvelope is expected".
    let m = build(Source::inline("<a/>"), Target::envelope());
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert_eq!(err.message(), "A SOAPEnvelope is expected");
}

#[test]
fn xml_invalid_target_and_empty_source() {
    let m = build(Source::inline("<a/>"), Target::custom("//missing"));
    let mut msg = MessageContext::from_xml("<r/>");
    let err = m.enrich(&mut msg, &Env::default()).unwrap_err();
    assert_eq!(err.message(), "Invalid Target object to be enrich.");
    // "Cannot Enrich message from an empty source.": logged, message unchanged.
    let m = build(Source::custom("//none"), Target::custom("//r"));
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r/>");
}

#[test]
fn xml_get_property_target_with_scope() {
    let m = build(
        Source::inline("<a/>"),
        Target::custom("get-property('axis2','p')"),
    );
    let mut msg = MessageContext::from_xml("<r/>");
    run(&m, &mut msg);
    assert_eq!(
        msg.axis2_properties()
            .get("p")
            .map(PropertyValue::as_string)
            .as_deref(),
        Some("<a/>")
    );
}

#[test]
fn xml_inline_key_source() {
    let env = Env::builder().local_entry("frag", "<f>1</f>").build();
    let m = build(
        Source::inline_key("frag"),
        Target::body().action(Action::Child),
    );
    let mut msg = MessageContext::from_xml("<r/>");
    m.enrich(&mut msg, &env).unwrap();
    assert_eq!(text(&msg), "<r><f>1</f></r>");
}

#[test]
fn xml_sibling_on_pox_body_keeps_first_element() {
    // MI's formatters send only the Body's first element.
    let m = build(
        Source::inline("<x/>"),
        Target::body().action(Action::Sibling),
    );
    let mut msg = MessageContext::from_xml("<r/>");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<r/>");
    // A SOAP message keeps both.
    let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
    run(&m, &mut msg);
    assert!(text(&msg).contains("</m:getQuote><x/></soapenv:Body>"));
}

#[test]
fn remove_on_xml_payload_is_a_no_op() {
    // Synapse: "TODO implement target action remove for XML".
    let m = build(
        Source::custom("json-eval($.a)"),
        Target::body().action(Action::Remove),
    );
    let mut msg = MessageContext::from_xml("<a>1</a>");
    run(&m, &mut msg);
    assert_eq!(text(&msg), "<a>1</a>");
}

// ----- build-time checks (EnrichMediatorFactory) ------------------------------------------

#[test]
fn refused_type_combinations() {
    let wrong = "Wrong combination of source and target type";
    let cases: Vec<(Source, Target, &str)> = vec![
        (Source::envelope(), Target::custom("//a"), wrong),
        (Source::envelope(), Target::envelope(), wrong),
        (Source::envelope(), Target::body(), wrong),
        (Source::body(), Target::envelope(), wrong),
        (Source::body(), Target::body(), wrong),
        (Source::custom("//a"), Target::envelope(), wrong),
        (
            Source::property("p"),
            Target::envelope().action(Action::Child),
            "Invalid target action",
        ),
        (
            Source::property("p"),
            Target::body().action(Action::Remove),
            "Wrong combination of source type and target action",
        ),
        (
            Source::custom("json-eval($.a)"),
            Target::custom("json-eval($.b)").action(Action::Remove),
            "Wrong combination of target type and target action",
        ),
        (
            Source::body(),
            Target::key("json-eval($.a)"),
            "Wrong combination of source type and target type",
        ),
        (
            Source::inline("x"),
            Target::key("json-eval($.a)").action(Action::Child),
            "Only the replace action is supported for the target type 'key'.",
        ),
        (
            Source::inline("[]"),
            Target::custom("json-eval($)"),
            "Acting replace is not supported for root path in type custom. Please use type body action replace instead",
        ),
    ];
    for (source, target, reason) in cases {
        let err = EnrichConfig::new(source.clone(), target.clone())
            .build()
            .unwrap_err();
        assert_eq!(structure_reason(err), reason, "{source:?} -> {target:?}");
    }
    // Valid per the doc table: property -> envelope, inline -> envelope.
    assert!(
        EnrichConfig::new(Source::property("p"), Target::envelope())
            .build()
            .is_ok()
    );
    assert!(
        EnrichConfig::new(Source::inline("<a/>"), Target::envelope())
            .build()
            .is_ok()
    );
    assert!(
        EnrichConfig::new(Source::body(), Target::property("p"))
            .build()
            .is_ok()
    );
}

#[test]
fn from_spec_refusals() {
    let ok_source = || MediatorSpec::new("source").property("type", "body");
    let ok_target = || {
        MediatorSpec::new("target")
            .property("type", "property")
            .property("property", "p")
    };
    // source/target mandatory
    let err = from_spec(&MediatorSpec::new("enrich").child(ok_target())).unwrap_err();
    assert_eq!(structure_reason(err), "source element is mandatory");
    let err = from_spec(&MediatorSpec::new("enrich").child(ok_source())).unwrap_err();
    assert_eq!(structure_reason(err), "target element is mandatory");
    // unknown attribute / child / type / action
    let err = from_spec(&spec(ok_source().property("clnoe", "true"), ok_target())).unwrap_err();
    assert!(err.to_string().contains("clnoe"), "{err}");
    let err =
        from_spec(&spec(ok_source(), ok_target()).child(MediatorSpec::new("extra"))).unwrap_err();
    assert!(err.to_string().contains("extra"), "{err}");
    let err = from_spec(&spec(
        MediatorSpec::new("source").property("type", "x"),
        ok_target(),
    ))
    .unwrap_err();
    assert_eq!(structure_reason(err), "Unexpected source type");
    let err = from_spec(&spec(
        ok_source(),
        MediatorSpec::new("target").property("type", "inline"),
    ))
    .unwrap_err();
    assert_eq!(
        structure_reason(err),
        "Inline not support for target attribute"
    );
    let err = from_spec(&spec(ok_source(), ok_target().property("action", "append"))).unwrap_err();
    assert_eq!(structure_reason(err), "Unexpected target action");
    // required attributes
    let err = from_spec(&spec(MediatorSpec::new("source"), ok_target())).unwrap_err();
    assert_eq!(
        structure_reason(err),
        "xpath attribute is required for CUSTOM type"
    );
    let err = from_spec(&spec(
        MediatorSpec::new("source").property("type", "inline"),
        ok_target(),
    ))
    .unwrap_err();
    assert_eq!(
        structure_reason(err),
        "XML element is required for INLINE type"
    );
    let err = from_spec(&spec(
        ok_source(),
        MediatorSpec::new("target").property("type", "key"),
    ))
    .unwrap_err();
    assert_eq!(
        structure_reason(err),
        "Xpath must be defined for the target type 'key'."
    );
    // a bad XPath names its column
    let err = from_spec(&spec(
        MediatorSpec::new("source").property("xpath", "//a["),
        ok_target(),
    ))
    .unwrap_err();
    assert!(err.to_string().contains("column"), "{err}");
    // Synapse checks combinations only for a written type: envelope into an implicit custom
    // target builds.
    let s = spec(
        MediatorSpec::new("source").property("type", "envelope"),
        MediatorSpec::new("target").property("xpath", "//a"),
    );
    assert!(from_spec(&s).is_ok());
}

#[test]
fn from_spec_defaults_and_clone_parsing() {
    // clone: Boolean.parseBoolean, so "TRUE" is true and "yes" is false.
    for (clone, moved) in [("TRUE", false), ("yes", true)] {
        let s = spec(
            MediatorSpec::new("source")
                .property("clone", clone)
                .property("xpath", "//a"),
            MediatorSpec::new("target")
                .property("action", "child")
                .property("xpath", "//b"),
        );
        let m = from_spec(&s).unwrap();
        let mut msg = MessageContext::from_xml("<r><a/><b/></r>");
        run(&m, &mut msg);
        let expected = if moved {
            "<r><b><a/></b></r>"
        } else {
            "<r><a/><b><a/></b></r>"
        };
        assert_eq!(text(&msg), expected);
    }
}

#[test]
fn inline_source_takes_the_first_element_and_ignores_child_specs() {
    // EMF: `sourceEle.getFirstElement()`; a config reader may also give the element as a
    // child spec: the text carries the content.
    let s = spec(
        MediatorSpec::new("source")
            .property("type", "inline")
            .text(r#"<a xmlns="">1</a><b xmlns=""/>"#)
            .child(MediatorSpec::new("a"))
            .child(MediatorSpec::new("b")),
        MediatorSpec::new("target").property("type", "body"),
    );
    let mut msg = MessageContext::from_xml("<r/>");
    run(&from_spec(&s).unwrap(), &mut msg);
    assert_eq!(text(&msg), r#"<a xmlns="">1</a>"#);
    // Other source types take no child elements.
    let s = spec(
        MediatorSpec::new("source")
            .property("type", "body")
            .child(MediatorSpec::new("a")),
        MediatorSpec::new("target")
            .property("type", "property")
            .property("property", "p"),
    );
    assert!(from_spec(&s).unwrap_err().to_string().contains("<a>"));
}
