//! The FreeMarker engine of payloadFactory `template-type="freemarker"`, pinned to MI's
//! documented examples (MI docs, "PayloadFactory Mediator" → "Examples: Using the FreeMarker
//! template") and to FreeMarker 2.3 behaviour (Synapse's `FreeMarkerTemplateProcessor` runs
//! FreeMarker 2.3.30).

use mediate_core::{MessageContext, Scope, VariableValue};
use mediate_mediators::freemarker::{
    DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STEPS, DEFAULT_MAX_STRING_BYTES, Limits, Template,
    TemplateError,
};
use proptest::prelude::*;

fn render(template: &str, msg: &MessageContext) -> String {
    let t = Template::parse(template).expect("template parses");
    t.render(msg, &[]).expect("template renders")
}

fn render_err(template: &str, msg: &MessageContext) -> TemplateError {
    let t = Template::parse(template).expect("template parses");
    t.render(msg, &[]).expect_err("render fails")
}

const USER_XML: &str = r#"<user>
    <first_name>John</first_name>
    <last_name>Deo</last_name>
    <age>35</age>
    <location>
        <state code="NY">New York</state>
        <city>Manhattan</city>
    </location>
</user>"#;

const USER_JSON: &str = r#"{
"first_name": "John",
"last_name": "Deo",
"age": 35,
"location": {
        "state": {
            "code": "NY",
            "name": "New York"
        },
        "city": "Manhattan"
    }
}"#;

const PEOPLE_XML: &str = r#"<people>
    <person>
        <id>1</id>
        <first_name>Veronika</first_name>
        <last_name>Lacroux</last_name>
    </person>
    <person>
        <id>2</id>
        <first_name>Trescha</first_name>
        <last_name>Campaigne</last_name>
    </person>
    <person>
        <id>3</id>
        <first_name>Mayor</first_name>
        <last_name>Moscrop</last_name>
    </person>
</people>"#;

// MI doc "XML to JSON transformation": XML payload as a node model, `@code` attribute, element
// text as values. (The doc's output shows "John Doe" and "Manhattan, NY": typos of the doc; the
// template prints the payload's "Deo" and no space after the comma.)
#[test]
fn mi_doc_xml_to_json_transformation() {
    let msg = MessageContext::from_xml(USER_XML);
    let template = r#"{
    "Name": "${payload.user.first_name} ${payload.user.last_name}",
    "Age": ${payload.user.age},
    "Address": "${payload.user.location.city},${payload.user.location.state.@code}"
}"#;
    assert_eq!(
        render(template, &msg),
        r#"{
    "Name": "John Deo",
    "Age": 35,
    "Address": "Manhattan,NY"
}"#
    );
}

// MI doc "JSON to XML transformation".
#[test]
fn mi_doc_json_to_xml_transformation() {
    let msg = MessageContext::from_json(USER_JSON);
    let template = "<user>
    <Name>${payload.first_name} ${payload.last_name}</Name>
    <Age>${payload.age}</Age>
    <Address>${payload.location.city}, ${payload.location.state.code}</Address>
</user>";
    assert_eq!(
        render(template, &msg),
        "<user>
    <Name>John Deo</Name>
    <Age>35</Age>
    <Address>Manhattan, NY</Address>
</user>"
    );
}

// MI doc "JSON to JSON transformation": JSON numbers are Gson doubles, printed as `35`.
#[test]
fn mi_doc_json_to_json_transformation() {
    let msg = MessageContext::from_json(USER_JSON);
    let template = r#"{
    "Name": "${payload.first_name} ${payload.last_name}",
    "Age": ${payload.age},
    "Address": "${payload.location.city}, ${payload.location.state.code}"
}"#;
    assert_eq!(
        render(template, &msg),
        r#"{
    "Name": "John Deo",
    "Age": 35,
    "Address": "Manhattan, NY"
}"#
    );
}

// MI doc "Handling arrays / XML arrays": `<#list payload.people.person as person>`; the lines
// holding only `<#list>` and `</#list>` are stripped (FreeMarker white-space stripping).
#[test]
fn mi_doc_xml_arrays() {
    let msg = MessageContext::from_xml(PEOPLE_XML);
    let template = "<people>
    <#list payload.people.person as person>
    <person>
        <index>${person.id}</index>
        <name>${person.first_name} ${person.last_name}</name>
    </person>
    </#list>
</people>";
    assert_eq!(
        render(template, &msg),
        "<people>
    <person>
        <index>1</index>
        <name>Veronika Lacroux</name>
    </person>
    <person>
        <index>2</index>
        <name>Trescha Campaigne</name>
    </person>
    <person>
        <index>3</index>
        <name>Mayor Moscrop</name>
    </person>
</people>"
    );
}

// MI doc "Handling arrays / JSON arrays": a top-level JSON array is a sequence of hashes.
#[test]
fn mi_doc_json_arrays() {
    let msg = MessageContext::from_json(
        r#"[
        {"id":1, "first_name":"Veronika", "last_name":"Lacroux"},
        {"id":2, "first_name":"Trescha", "last_name":"Campaigne"},
        {"id":3, "first_name":"Mayor", "last_name":"Moscrop"}
    ]"#,
    );
    let template = "<people>
<#list payload as person>
<person>
    <index>${person.id}</index>
    <name>${person.first_name} ${person.last_name}</name>
</person>
</#list>
</people>";
    assert_eq!(
        render(template, &msg),
        "<people>
<person>
    <index>1</index>
    <name>Veronika Lacroux</name>
</person>
<person>
    <index>2</index>
    <name>Trescha Campaigne</name>
</person>
<person>
    <index>3</index>
    <name>Mayor Moscrop</name>
</person>
</people>"
    );
}

// MI doc "Generating CSV payloads": the documented output exactly.
#[test]
fn mi_doc_generating_csv() {
    let msg = MessageContext::from_xml(PEOPLE_XML);
    let template = "ID,First Name, Last Name
<#list payload.people.person as person>
${person.id},${person.first_name},${person.last_name}
</#list>";
    assert_eq!(
        render(template, &msg),
        "ID,First Name, Last Name\n1,Veronika,Lacroux\n2,Trescha,Campaigne\n3,Mayor,Moscrop\n"
    );
}

// MI doc "Generating CSV payloads", unknown columns: `?children?filter(c -> c?node_type ==
// 'element')`, `?node_name`, `<#sep>`.
#[test]
fn mi_doc_csv_with_unknown_columns() {
    let msg = MessageContext::from_xml(PEOPLE_XML);
    let template = "<#list payload.people.person[0]?children?filter(c -> c?node_type == 'element') as c>${c?node_name}<#sep>,</#list>
<#list payload.people.person as person>
<#list person?children?filter(c -> c?node_type == 'element') as c>${c}<#sep>,</#list>
</#list>";
    assert_eq!(
        render(template, &msg),
        "id,first_name,last_name\n1,Veronika,Lacroux\n2,Trescha,Campaigne\n3,Mayor,Moscrop\n"
    );
}

const EDI_TEMPLATE: &str = r#"<#-- Assign * as element separator -->
<#assign element_separator="*">
<#-- Assign ! as segment terminator -->
<#assign segment_terminator="!">
<#-- Interchange Control Header -->
ISA${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Authorization_Information_Qualifier}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Authorization_Information}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Security_Information_Qualifier}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Security_Information}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_ID_Qualifier[0]}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Sender_ID}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_ID_Qualifier[1]}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Receiver_ID}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Date}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Time}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Control_Standards_ID}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Control_Version_Nbr}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Interchange_Control_Number}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Acknowledgment_Request}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Test_Indicator}${element_separator}${payload.UniversalTransaction.Interchange_Control_Header.Subelement_Separator}${segment_terminator}
<#-- Functional_Group_Header -->
GS${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Functional_Identifier_Code}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Application_Senders_Code}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Application_Receivers_Code}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Date}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Time}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Group_Control_Number}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Responsible_Agency_Code}${element_separator}${payload.UniversalTransaction.Functional_Group_Header.Industry_ID}${segment_terminator}
<#-- Transaction_Set_Header -->
ST${element_separator}${payload.UniversalTransaction.Transaction_Set_Header.Transaction_Set_Identifier_Code}${element_separator}${payload.UniversalTransaction.Transaction_Set_Header.Transaction_Set_Control_Number}${segment_terminator}
<#-- Begin_Invoice -->
BIG${element_separator}${payload.UniversalTransaction.Begin_Invoice.Invoice_Date}${element_separator}${payload.UniversalTransaction.Begin_Invoice.Invoice_Number}${element_separator}${payload.UniversalTransaction.Begin_Invoice.PO_Date[0]!''}${element_separator}${payload.UniversalTransaction.Begin_Invoice.PO_Number}${element_separator}${payload.UniversalTransaction.Begin_Invoice.Release_Number[0]!''}${element_separator}${payload.UniversalTransaction.Begin_Invoice.Changed_Order_Sequence[0]!''}${element_separator}${payload.UniversalTransaction.Begin_Invoice.Transaction_Type_Code[0]!''}${segment_terminator}
<#-- Currency -->
CUR${element_separator}${payload.UniversalTransaction.Currency.Entity_Identifier_Code}${element_separator}${payload.UniversalTransaction.Currency.Currency_Code}${segment_terminator}
<#-- Reference_Identification -->
<#list payload.UniversalTransaction.Reference_Identification as ref>
  <#assign REF="REF${element_separator}${ref.Reference_Identification_Qualifier[0]!''}${element_separator}${ref.Reference_Identification[0]!''}${segment_terminator}">
${REF}
</#list>
<#-- Name -->
<#list payload.UniversalTransaction.Name as name>
  <#assign N1="N1${element_separator}${name.Entity_Identifier_Code[0]!''}${element_separator}${name.Name[0]!''}${segment_terminator}">
${N1}
</#list>
<#-- Total -->
TDS${element_separator}${payload.UniversalTransaction.Total_invoice_amount}${segment_terminator}
<#-- Service, Promotion, Allowance, or Charge Information  -->
<#list payload.UniversalTransaction.SAC_Information as sac>
  <#assign SAC="SAC${element_separator}${sac.Allowance_or_Charge_Indicator[0]!''}${element_separator}${sac.Service_or_Charge_Code[0]!''}${element_separator}${sac.SAC_03[0]!''}${element_separator}${sac.SAC_04[0]!''}${element_separator}${sac.Amount[0]!''}${element_separator}${sac.Description[0]!''}${segment_terminator}">
${SAC}
</#list>
<#-- Transaction_Set_Trailer -->
SE${element_separator}${payload.UniversalTransaction.Transaction_Set_Trailer.Number_of_Included_Segments}${element_separator}${payload.UniversalTransaction.Transaction_Set_Trailer.Transaction_Set_Control_Number}${segment_terminator}
<#-- Functional_Group_Trailer -->
GE${element_separator}${payload.UniversalTransaction.Functional_Group_Trailer.Number_of_Transaction_Sets_Incl}${element_separator}${payload.UniversalTransaction.Functional_Group_Trailer.Group_Control_Number}${segment_terminator}
<#-- Interchange_Control_Trailer -->
IEA${element_separator}${payload.UniversalTransaction.Interchange_Control_Trailer.Nbr_of_Included_Functional_Groups}${element_separator}${payload.UniversalTransaction.Interchange_Control_Trailer.Interchange_Control_Number}${segment_terminator}
"#;

const EDI_REQUEST: &str = r#"<UniversalTransaction>
  <Interchange_Control_Header>
      <Authorization_Information_Qualifier>00</Authorization_Information_Qualifier>
      <Authorization_Information></Authorization_Information>
      <Security_Information_Qualifier>00</Security_Information_Qualifier>
      <Security_Information></Security_Information>
      <Interchange_ID_Qualifier>ZZ</Interchange_ID_Qualifier>
      <Interchange_Sender_ID>XXXXXXXXX</Interchange_Sender_ID>
      <Interchange_ID_Qualifier>01</Interchange_ID_Qualifier>
      <Interchange_Receiver_ID>834469876</Interchange_Receiver_ID>
      <Interchange_Date>200221</Interchange_Date>
      <Interchange_Time>1946</Interchange_Time>
      <Interchange_Control_Standards_ID>U</Interchange_Control_Standards_ID>
      <Interchange_Control_Version_Nbr>00401</Interchange_Control_Version_Nbr>
      <Interchange_Control_Number>100015519</Interchange_Control_Number>
      <Acknowledgment_Request>1</Acknowledgment_Request>
      <Test_Indicator>P</Test_Indicator>
      <Subelement_Separator>></Subelement_Separator>
  </Interchange_Control_Header>
  <Functional_Group_Header>
      <Functional_Identifier_Code>IN</Functional_Identifier_Code>
      <Application_Senders_Code>XXXXXXXXX</Application_Senders_Code>
      <Application_Receivers_Code>834469876</Application_Receivers_Code>
      <Date>20200221</Date>
      <Time>1946</Time>
      <Group_Control_Number>100014444</Group_Control_Number>
      <Responsible_Agency_Code>X</Responsible_Agency_Code>
      <Industry_ID>004010</Industry_ID>
  </Functional_Group_Header>
  <Transaction_Set_Header>
      <Transaction_Set_Identifier_Code>810</Transaction_Set_Identifier_Code>
      <Transaction_Set_Control_Number>100014444</Transaction_Set_Control_Number>
  </Transaction_Set_Header>
  <Begin_Invoice>
      <Invoice_Date>20200221</Invoice_Date>
      <Invoice_Number>E064784444</Invoice_Number>
      <PO_Date></PO_Date>
      <PO_Number>X1055555</PO_Number>
      <Release_Number></Release_Number>
      <Changed_Order_Sequence></Changed_Order_Sequence>
      <Transaction_Type_Code></Transaction_Type_Code>
  </Begin_Invoice>
  <Currency>
      <Entity_Identifier_Code>BY</Entity_Identifier_Code>
      <Currency_Code>USD</Currency_Code>
  </Currency>
  <Reference_Identification>
      <Reference_Identification_Qualifier>BM</Reference_Identification_Qualifier>
      <Reference_Identification>999749873334</Reference_Identification>
  </Reference_Identification>
  <Name>
      <Entity_Identifier_Code>CN</Entity_Identifier_Code>
      <Name>G0205016</Name>
  </Name>
  <Name>
      <Entity_Identifier_Code>CN2</Entity_Identifier_Code>
      <Name>G0305017</Name>
  </Name>
  <Total_invoice_amount>8550</Total_invoice_amount>
  <SAC_Information>
      <Allowance_or_Charge_Indicator>C</Allowance_or_Charge_Indicator>
      <Service_or_Charge_Code>D500</Service_or_Charge_Code>
      <SAC_03>ZZ</SAC_03>
      <SAC_04>HDLG</SAC_04>
      <Amount>800</Amount> 
      <Description>HANDLING</Description>
  </SAC_Information>
  <Transaction_Set_Trailer>
      <Number_of_Included_Segments>15</Number_of_Included_Segments> 
      <Transaction_Set_Control_Number>100015519</Transaction_Set_Control_Number>
  </Transaction_Set_Trailer>
  <Functional_Group_Trailer>
      <Number_of_Transaction_Sets_Incl>1</Number_of_Transaction_Sets_Incl>
      <Group_Control_Number>100015511</Group_Control_Number>
  </Functional_Group_Trailer>
  <Interchange_Control_Trailer>
      <Nbr_of_Included_Functional_Groups>1</Nbr_of_Included_Functional_Groups>
      <Interchange_Control_Number>100015511</Interchange_Control_Number>
  </Interchange_Control_Trailer>
</UniversalTransaction>"#;

// MI doc "XML to EDI transformation" (template.ftl registry resource): `<#assign>` with
// interpolating string literals, `[0]!''` on repeated and empty elements, comment lines.
#[test]
fn mi_doc_xml_to_edi_transformation() {
    let msg = MessageContext::from_xml(EDI_REQUEST);
    assert_eq!(
        render(EDI_TEMPLATE, &msg),
        "ISA*00**00**ZZ*XXXXXXXXX*01*834469876*200221*1946*U*00401*100015519*1*P*>!
GS*IN*XXXXXXXXX*834469876*20200221*1946*100014444*X*004010!
ST*810*100014444!
BIG*20200221*E064784444**X1055555***!
CUR*BY*USD!
REF*BM*999749873334!
N1*CN*G0205016!
N1*CN2*G0305017!
TDS*8550!
SAC*C*D500*ZZ*HDLG*800*HANDLING!
SE*15*100015519!
GE*1*100015511!
IEA*1*100015511!
"
    );
}

// MI doc "Accessing variables and properties": `var`, `ctx`, `axis2`, `trp`.
#[test]
fn mi_doc_accessing_variables_and_properties() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_variable("user_id", "567865");
    msg.set_property("user_name", "john");
    msg.set_rest_url_postfix("/demo");
    msg.set_transport_header("Host", "localhost:8290")
        .expect("valid header");
    let template = r#"{
"variable" : "${var.user_id}",
"ctx property" : "${ctx.user_name}",
"axis2 property": "${axis2.REST_URL_POSTFIX}",
"trp property": "${trp.Host}"
}"#;
    assert_eq!(
        render(template, &msg),
        r#"{
"variable" : "567865",
"ctx property" : "john",
"axis2 property": "/demo",
"trp property": "localhost:8290"
}"#
    );
}

// MI doc, FreeMarker template section: the first example (`payload`, `var`, `axis2`, `trp`).
#[test]
fn mi_doc_first_freemarker_example() {
    let mut msg = MessageContext::from_json(r#"{"customer_name": "Ann"}"#);
    msg.set_variable("customer_id", "43672343");
    msg.set_rest_url_postfix("/orders");
    msg.set_transport_header("Host", "mi:8290").expect("header");
    let template = r#"{
        "name": "${payload.customer_name}"
        "customer_id" : "${var.customer_id}",
        "axis2 property": "${axis2.REST_URL_POSTFIX}",
        "trp property": "${trp.Host}"
        }"#;
    assert_eq!(
        render(template, &msg),
        r#"{
        "name": "Ann"
        "customer_id" : "43672343",
        "axis2 property": "/orders",
        "trp property": "mi:8290"
        }"#
    );
}

// MI doc "Handling optional values": `${payload.last_name ! "" }`.
#[test]
fn mi_doc_handling_optional_values() {
    let msg = MessageContext::from_json(r#"{"first_name": "John", "age": 35}"#);
    let template = r#"{
"Name": "${payload.first_name} ${payload.last_name ! "" }",
"Age": ${payload.age}
}"#;
    assert_eq!(
        render(template, &msg),
        r#"{
"Name": "John ",
"Age": 35
}"#
    );
}

// Synapse injects the `<arg>` values as `args.arg1`, `args.arg2`… (Constants.ARGS_INJECTING_PREFIX).
#[test]
fn args_are_named_arg1_to_argn() {
    let msg = MessageContext::from_json("{}");
    let t = Template::parse("${args.arg1}-${args.arg2}-${args.arg3!'none'}").expect("parses");
    let out = t
        .render(&msg, &["a".to_owned(), "b".to_owned()])
        .expect("renders");
    assert_eq!(out, "a-b-none");
}

// Synapse puts property values in as `toString()` strings.
#[test]
fn ctx_values_are_strings() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("d", 25.0_f64);
    msg.set_property("n", 7_i32);
    msg.set_scoped_property(Scope::Axis2, "a", "x")
        .expect("axis2 scope");
    assert_eq!(
        render("${ctx.d} ${ctx.n} ${ctx.n?length} ${axis2.a}", &msg),
        "25.0 7 1 x"
    );
}

#[test]
fn var_values_keep_their_types() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_variable("n", VariableValue::Integer(1500));
    msg.set_variable("ok", true);
    msg.set_variable("j", serde_json::json!({"items": [1, 2], "name": "x"}));
    assert_eq!(
        render(
            "${var.n} ${var.n?c} ${var.ok?c} ${var.j.name} ${var.j.items?size}",
            &msg
        ),
        "1,500 1500 true x 2"
    );
}

// Synapse hands a text payload to the template XML-escaped (escapeXml11).
#[test]
fn text_payload_is_escaped_text() {
    let msg = MessageContext::from_text("a < b & 'c'");
    assert_eq!(
        render("[${payload}]", &msg),
        "[a &lt; b &amp; &apos;c&apos;]"
    );
}

// For a SOAP payload the node model is the first body child.
#[test]
fn soap_payload_is_first_body_child() {
    let msg = MessageContext::from_xml(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><order><id>7</id></order></soapenv:Body></soapenv:Envelope>"#,
    );
    assert_eq!(render("${payload.order.id}", &msg), "7");
}

// FreeMarker: an unprefixed name matches only elements in no namespace.
#[test]
fn namespaced_elements_do_not_match_plain_names() {
    let msg = MessageContext::from_xml(r#"<a xmlns="urn:x"><b>1</b></a>"#);
    assert_eq!(render("${payload.a?size}", &msg), "0");
}

#[test]
fn payload_is_not_parsed_unless_used() {
    // An invalid JSON payload does not matter to a template that does not read it.
    let mut msg = MessageContext::from_json("{not json");
    msg.set_property("p", "v");
    assert_eq!(render("${ctx.p}", &msg), "v");
    let e = render_err("${payload.x}", &msg);
    assert!(e.message.contains("Error reading payload data"), "{e}");
}

// FreeMarker: a missing value in `${}` is an error naming the expression, with its position.
#[test]
fn missing_value_is_an_error_with_position() {
    let msg = MessageContext::from_json(r#"{"a": {}}"#);
    let e = render_err("line one\n  x ${payload.a.b} y", &msg);
    assert_eq!((e.line, e.column), (2, 7));
    assert!(e.message.contains("payload.a.b"), "{e}");
    assert!(e.message.contains("null or missing"), "{e}");
    assert_eq!(
        e.to_string(),
        "line 2, column 7: The following has evaluated to null or missing: ==> payload.a.b"
    );
}

#[test]
fn missing_parent_is_an_error_unless_parenthesized() {
    let msg = MessageContext::from_json("{}");
    let e = render_err("${payload.a.b!'d'}", &msg);
    assert!(e.message.contains("==> payload.a"), "{e}");
    assert_eq!(render("${(payload.a.b)!'d'}", &msg), "d");
    // A parenthesized operand catches a missing value anywhere inside it.
    assert_eq!(
        render("${(payload.x + payload.y?upper_case)!'none'}", &msg),
        "none"
    );
    // ?has_content of a missing parent is still an error, unless parenthesized.
    assert!(
        Template::parse("${payload.a.b?has_content?c}")
            .expect("parses")
            .render(&msg, &[])
            .is_err()
    );
    assert_eq!(render("${(payload.a.b)?has_content?c}", &msg), "false");
    assert_eq!(
        render("${(payload.a.b)???c} ${payload.a???c}", &msg),
        "false false"
    );
}

#[test]
fn syntax_errors_have_line_and_column() {
    let e = Template::parse("ok\n<#if x>\nno end").expect_err("unclosed if");
    assert_eq!((e.line, e.column), (2, 1));
    assert!(e.message.contains("unclosed"), "{e}");
    let e = Template::parse("${a +}").expect_err("bad expr");
    assert_eq!((e.line, e.column), (1, 6));
    let e = Template::parse("${x?nosuch}").expect_err("unknown builtin");
    assert_eq!((e.line, e.column), (1, 5));
    assert!(e.message.contains("nosuch"), "{e}");
    let e = Template::parse("a\n  <#macro m></#macro>").expect_err("unsupported");
    assert_eq!((e.line, e.column), (2, 3));
}

#[test]
fn if_elseif_else_and_comparisons() {
    let msg = MessageContext::from_json(r#"{"n": 5, "s": "abc", "b": true}"#);
    let t = "<#if payload.n gt 10>big<#elseif (payload.n > 3) && payload.s == 'abc'>mid<#else>small</#if>";
    assert_eq!(render(t, &msg), "mid");
    assert_eq!(
        render("<#if payload.b>y</#if><#if !payload.b>n</#if>", &msg),
        "y"
    );
    assert_eq!(render("<#if payload.n != 5>x<#else>eq</#if>", &msg), "eq");
    let e = render_err("<#if payload.s>x</#if>", &msg);
    assert!(e.message.contains("Expected a boolean"), "{e}");
    let e = render_err("${payload.s == 1}", &msg);
    assert!(e.message.contains("Can't compare"), "{e}");
}

#[test]
fn list_sep_loop_variables_and_else() {
    let msg = MessageContext::from_json(r#"{"xs": ["a", "b", "c"], "empty": []}"#);
    assert_eq!(
        render(
            "<#list payload.xs as x>${x?index}${x}${x?has_next?c}<#sep>,</#list>",
            &msg
        ),
        "0atrue,1btrue,2cfalse"
    );
    assert_eq!(
        render(
            "<#list payload.xs as x><#if x?is_first>[</#if>${x?counter}<#if x?is_last>]</#if></#list>",
            &msg
        ),
        "[123]"
    );
    assert_eq!(
        render("<#list payload.empty as x>${x}<#else>none</#list>", &msg),
        "none"
    );
    assert_eq!(
        render(
            "<#list payload.xs as x><#if x == 'b'><#break></#if>${x}</#list>",
            &msg
        ),
        "a"
    );
    assert_eq!(render("<#list 1..3 as i>${i}</#list>", &msg), "123");
}

#[test]
fn list_over_hash_and_json_objects() {
    let msg = MessageContext::from_json(r#"{"h": {"a": 1, "b": "x"}}"#);
    assert_eq!(
        render("<#list payload.h as k, v>${k}=${v}<#sep>;</#list>", &msg),
        "a=1;b=x"
    );
    assert_eq!(render("${payload.h?keys?join(',')}", &msg), "a,b");
}

#[test]
fn assign_and_arithmetic() {
    let msg = MessageContext::from_json(r#"{"price": 10.5, "qty": 3}"#);
    assert_eq!(
        render(
            "<#assign total = payload.price * payload.qty>${total} ${total?c} ${(total / 4)?string('0.00')}",
            &msg
        ),
        "31.5 31.5 7.88"
    );
    assert_eq!(
        render("<#assign n = 1><#assign n += 2 m = 'x' + n>${n}${m}", &msg),
        "3x3"
    );
    assert_eq!(
        render("<#assign c>in ${1 + 1}</#assign>[${c}]", &msg),
        "[in 2]"
    );
}

// FreeMarker's default number format (en_US `#,##0.###`) versus `?c`.
#[test]
fn number_formats() {
    let msg = MessageContext::from_json(r#"{"big": 1234567, "frac": 3.14159, "neg": -0.5}"#);
    assert_eq!(
        render(
            "${payload.big} ${payload.big?c} ${payload.frac} ${payload.frac?c} ${payload.neg}",
            &msg
        ),
        "1,234,567 1234567 3.142 3.14159 -0.5"
    );
}

#[test]
fn booleans_need_c_or_string() {
    let msg = MessageContext::from_json(r#"{"b": false}"#);
    let e = render_err("${payload.b}", &msg);
    assert!(e.message.contains("boolean"), "{e}");
    assert_eq!(
        render(
            "${payload.b?c} ${payload.b?string} ${payload.b?string('yes','no')}",
            &msg
        ),
        "false false no"
    );
}

#[test]
fn string_builtins() {
    let msg = MessageContext::from_json(r#"{"s": "  Hello World  ", "q": "a\"b\\c\n"}"#);
    assert_eq!(
        render(
            "${payload.s?trim?upper_case}|${payload.s?trim?lower_case}|${payload.s?length}|${payload.s?trim?replace('World','There')}",
            &msg
        ),
        "HELLO WORLD|hello world|15|Hello There"
    );
    assert_eq!(render("${payload.q?json_string}", &msg), "a\\\"b\\\\c\\n");
    assert_eq!(
        render("${'<a&b>'?xml} ${'x y'?url} ${'42'?number + 1}", &msg),
        "&lt;a&amp;b&gt; x%20y 43"
    );
    assert_eq!(
        render(
            "${'abc'?cap_first} ${'a,b'?split(',')?size} ${'abc'[1..]} ${'abc'?contains('b')?c}",
            &msg
        ),
        "Abc 2 bc true"
    );
}

#[test]
fn has_content_and_exists() {
    let msg = MessageContext::from_json(r#"{"e": "", "x": "1", "arr": [], "n": null}"#);
    assert_eq!(
        render(
            "${payload.e?has_content?c} ${payload.x?has_content?c} ${payload.arr?has_content?c} ${payload.none?has_content?c} ${payload.n???c}",
            &msg
        ),
        "false true false false false"
    );
}

#[test]
fn eval_json_and_sequences() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("raw", r#"{"a":[3,1,2]}"#);
    assert_eq!(
        render(
            "<#assign o = ctx.raw?eval_json>${o.a?sort?join('-')} ${o.a?first} ${o.a?reverse[0]} ${o.a?seq_contains(2)?c}",
            &msg
        ),
        "1-2-3 3 2 true"
    );
    assert_eq!(
        render(
            "${[1,2,3]?filter(x -> x > 1)?map(x -> x * 10)?join(',')}",
            &msg
        ),
        "20,30"
    );
}

#[test]
fn xml_node_model_features() {
    let msg = MessageContext::from_xml(USER_XML);
    assert_eq!(
        render(
            "${payload.user.location.state} ${payload.user.location.state.@code} ${payload.user.*?size} ${payload.user.location.city?parent?node_name}",
            &msg
        ),
        "New York NY 4 location"
    );
    // An element with child elements is not text (FreeMarker's rule).
    let e = render_err("${payload.user.location}", &msg);
    assert!(e.message.contains("child element"), "{e}");
    // A name with no match is an empty node list, not a missing value.
    let e = render_err("${payload.user.nothing}", &msg);
    assert!(e.message.contains("0 nodes"), "{e}");
    assert_eq!(render("${payload.user.nothing[0]!'-'}", &msg), "-");
}

#[test]
fn switch_and_comments_and_noparse() {
    let msg = MessageContext::from_json(r#"{"t": "b"}"#);
    let t = "<#switch payload.t>
<#case \"a\">A<#break>
<#case \"b\">B<#break>
<#default>D
</#switch>";
    assert_eq!(render(t, &msg), "B");
    assert_eq!(
        render("a<#-- hidden -->b<#noparse>${x}</#noparse>", &msg),
        "ab${x}"
    );
}

#[test]
fn binary_payload_is_refused_like_synapse() {
    let msg = MessageContext::from_bytes(vec![1_u8, 2, 3], "application/octet-stream");
    let e = render_err("${payload}", &msg);
    assert!(
        e.message
            .contains("Invalid payload type. Supports only XML, JSON and TEXT payloads"),
        "{e}"
    );
}

// FreeMarker manual, "White-space handling": the example template and its output with
// white-space stripping (lines holding only FTL tags vanish, indentation included).
#[test]
fn freemarker_manual_whitespace_stripping_example() {
    let template = r#"<p>List of users:
<#assign users = [{"name":"Joe",        "hidden":false},
                  {"name":"James Bond", "hidden":true},
                  {"name":"Julia",      "hidden":false}]>
<ul>
<#list users as user>
  <#if !user.hidden>
  <li>${user.name}
  </#if>
</#list>
</ul>
<p>That's all."#;
    assert_eq!(
        render(template, &MessageContext::empty()),
        "<p>List of users:\n<ul>\n  <li>Joe\n  <li>Julia\n</ul>\n<p>That's all."
    );
}

#[test]
fn sep_closed_explicitly_and_nested() {
    let msg = MessageContext::from_json(r#"{"xs": [1, 2, 3]}"#);
    assert_eq!(
        render("<#list payload.xs as x>${x}<#sep>, </#sep>!</#list>", &msg),
        "1, !2, !3!"
    );
    assert_eq!(
        render(
            "<#list payload.xs as x>${x}<#if x gt 1><#sep>;</#sep></#if></#list>",
            &msg
        ),
        "12;3"
    );
}

// `?xml` escapes `'` as `&apos;`, `?html` as `&#39;`; `?string.percent` is a named format.
#[test]
fn xml_html_escapes_and_named_number_formats() {
    let msg = MessageContext::empty();
    assert_eq!(
        render(
            "${\"'<\"?xml} ${\"'<\"?html} ${0.25?string.percent} ${1234?string.computer}",
            &msg
        ),
        "&apos;&lt; &#39;&lt; 25% 1234"
    );
}

// MI 4.0–4.3 doc "Accessing Properties": `ctx`, `axis2`, `trp`.
#[test]
fn mi_doc_accessing_properties() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("user_name", "john");
    msg.set_rest_url_postfix("/demo");
    msg.set_transport_header("Host", "localhost:8290")
        .expect("valid header");
    let template = r#"{
    "ctx property" : "${ctx.user_name}",
    "axis2 property": "${axis2.REST_URL_POSTFIX}",
    "trp property": "${trp.Host}"
    }"#;
    assert_eq!(
        render(template, &msg),
        r#"{
    "ctx property" : "john",
    "axis2 property": "/demo",
    "trp property": "localhost:8290"
    }"#
    );
}

// MI 4.0–4.3 doc "Accessing Arguments": `<arg value="Value One"/>`, `<arg value="500"/>`
// become `args.arg1`, `args.arg2` (strings, printed as written).
#[test]
fn mi_doc_accessing_arguments() {
    let msg = MessageContext::from_json("{}");
    let t = Template::parse(
        r#"{
    "argument one": "${args.arg1}",
    "argument two": ${args.arg2}
        }"#,
    )
    .expect("parses");
    let out = t
        .render(&msg, &["Value One".to_owned(), "500".to_owned()])
        .expect("renders");
    assert_eq!(
        out,
        r#"{
    "argument one": "Value One",
    "argument two": 500
        }"#
    );
    assert!(t.references("args"));
    assert!(!t.references("payload"));
}

// ----- render limits (mediate's own: Java FreeMarker has none; see `freemarker` module docs) ----

// Review reproduction: doubling a string 40 times asked for a 1 GiB allocation and aborted the
// process. Now the concatenation that would exceed the string cap fails, where it is written.
#[test]
fn limits_string_doubling_fails_with_string_size_limit() {
    let msg = MessageContext::from_json("{}");
    let e = render_err(
        "<#assign s='xxxxxxxx'><#list 1..40 as i><#assign s = s + s></#list>${s?length}",
        &msg,
    );
    assert!(e.message.starts_with("string size limit exceeded"), "{e}");
    assert!(
        e.message.contains(&DEFAULT_MAX_STRING_BYTES.to_string()),
        "{e}"
    );
    // The `s + s` of the assignment (line 1, column 54).
    assert_eq!((e.line, e.column), (1, 54), "{e}");
}

// Review reproduction: two nested lists of 999 999 items (10^12 iterations) stop at the step
// budget instead of running for hours.
#[test]
fn limits_nested_loops_fail_with_step_limit() {
    let msg = MessageContext::from_json("{}");
    let e = render_err(
        "<#list 1..999999 as i>\n<#list 1..999999 as j>x</#list></#list>",
        &msg,
    );
    assert!(e.message.starts_with("step limit exceeded"), "{e}");
    assert!(e.message.contains(&DEFAULT_MAX_STEPS.to_string()), "{e}");
    // Reported at the inner `<#list>` (its sequence expression).
    assert_eq!((e.line, e.column), (2, 8), "{e}");
}

#[test]
fn limits_defaults_are_the_documented_constants() {
    let t = Template::parse("x").expect("parses");
    assert_eq!(t.limits(), Limits::default());
    assert_eq!(Limits::default().max_steps, 10_000_000);
    assert_eq!(Limits::default().max_string_bytes, 64 * 1024 * 1024);
    assert_eq!(Limits::default().max_output_bytes, DEFAULT_MAX_OUTPUT_BYTES);
}

fn small_limits() -> Limits {
    Limits {
        max_steps: 100_000,
        max_string_bytes: 1000,
        max_output_bytes: 4000,
        max_sequence_items: 500,
    }
}

fn render_limited(template: &str, limits: Limits) -> Result<String, TemplateError> {
    let msg = MessageContext::from_json(r#"{"a":[1,2,3],"s":"abc"}"#);
    Template::parse(template)
        .expect("parses")
        .with_limits(limits)
        .render(&msg, &["arg".to_owned()])
}

#[test]
fn limits_output_cap() {
    let e = render_limited("<#list 1..401 as i>0123456789</#list>", small_limits())
        .expect_err("4010 bytes are over the output cap");
    assert!(e.message.starts_with("output size limit exceeded"), "{e}");
    let ok = render_limited("<#list 1..400 as i>0123456789</#list>", small_limits())
        .expect("4000 bytes fit");
    assert_eq!(ok.len(), 4000);
}

#[test]
fn limits_string_builtins_are_checked_before_allocating() {
    let limits = small_limits();
    for t in [
        "${'x'?left_pad(2000000000)}",
        "${'x'?right_pad(1001, 'ab')}",
        "${'xxxxxxxxxxx'?replace('x', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy')}",
        "<#assign s>${'x'?left_pad(999)}${'y'?left_pad(2)}</#assign>",
        "${'x'?left_pad(600)}${('x'?left_pad(600) + 'x'?left_pad(600))?length}",
        "<#assign s = 'x'?left_pad(999)>${'${s}${s}'?length}",
        "${(1..400)?join(',')}",
    ] {
        let e = render_limited(t, limits).expect_err(t);
        assert!(
            e.message.starts_with("string size limit exceeded"),
            "{t}: {e}"
        );
    }
    assert_eq!(
        render_limited("${'x'?left_pad(1000)?length?c}", limits).expect("exactly the cap"),
        "1000"
    );
}

#[test]
fn limits_sequences() {
    let limits = small_limits();
    for t in [
        "<#assign s = [1]><#list 1..20 as i><#assign s = s + s></#list>",
        "${(1..501)?size}",
        "${'x'?left_pad(600)?split('')?size}",
    ] {
        let e = render_limited(t, limits).expect_err(t);
        assert!(
            e.message.starts_with("sequence size limit exceeded"),
            "{t}: {e}"
        );
    }
    assert_eq!(
        render_limited("${(1..500)?size}", limits).expect("fits"),
        "500"
    );
}

#[test]
fn limits_step_budget_counts_string_work() {
    // Each iteration copies a 50 000-byte string (about 48 steps): it adds up.
    let limits = Limits {
        max_steps: 2_000,
        max_string_bytes: 100_000,
        ..small_limits()
    };
    let e = render_limited(
        "<#assign s = 'x'?left_pad(50000)><#list 1..400 as i><#if s?contains('y')></#if></#list>",
        limits,
    )
    .expect_err("over the step budget");
    assert!(e.message.starts_with("step limit exceeded"), "{e}");
}

#[test]
fn limits_errors_are_not_swallowed_by_default_operator() {
    let e = render_limited("${('x'?left_pad(5000))!'fallback'}", small_limits())
        .expect_err("a limit is not a missing value");
    assert!(e.message.starts_with("string size limit exceeded"), "{e}");
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<#assign s = s + s>".to_owned()),
        Just("<#assign s = s + t>".to_owned()),
        Just("<#assign t = s?replace('x', 'xyz')>".to_owned()),
        Just("<#assign t = s?left_pad(s?length * 3, '-')>".to_owned()),
        Just("<#assign t = '${s}${t}${s}'>".to_owned()),
        Just("<#assign t = [s, t, s]?join(s)>".to_owned()),
        Just("<#assign s>${s}${t}</#assign>".to_owned()),
        Just("${s}".to_owned()),
        Just("${t?upper_case}".to_owned()),
        (1u32..30).prop_map(|n| format!("<#list 1..{n} as i>${{s}}</#list>")),
        (1u32..30).prop_map(|n| format!("<#list 1..{n} as i><#assign s = s + i></#list>")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    // Whatever the template does, a render either fails with a limit error or stays within the
    // caps: no string value over `max_string_bytes` (printing a value shows its size), no
    // output over `max_output_bytes`.
    #[test]
    fn limits_sizes_never_exceed_the_caps(pieces in prop::collection::vec(piece(), 1..12)) {
        let limits = small_limits();
        let body: String = pieces.concat();
        let template = format!("<#assign s = 'x'><#assign t = 'y'>{body}${{s}}${{t}}");
        match render_limited(&template, limits) {
            Ok(out) => {
                prop_assert!(out.len() <= limits.max_output_bytes, "{} bytes", out.len());
            }
            Err(e) => prop_assert!(
                e.message.contains("limit exceeded"),
                "unexpected error {e} for {template}"
            ),
        }
        // Each value on its own: printed alone with a large output cap.
        let wide = Limits { max_output_bytes: 1 << 20, ..limits };
        let quiet = body.replace("${s}", "").replace("${t?upper_case}", "");
        for var in ["s", "t"] {
            let alone = format!("<#assign s = 'x'><#assign t = 'y'>{quiet}${{{var}}}");
            if let Ok(out) = render_limited(&alone, wide) {
                prop_assert!(out.len() <= limits.max_string_bytes, "{var}: {} bytes", out.len());
            }
        }
    }
}
