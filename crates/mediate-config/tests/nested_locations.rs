//! Errors in the child elements of a mediator (a log's `<property>`, a payloadFactory's
//! `<arg>`, an enrich's `<source>`…) are reported at that child, at its attribute when one is
//! at fault, and an expression error at the expression's column inside the attribute value;
//! a mediator nested in a branch (`<then>`, `<case>`…) is reported at its own element.
//!
//! Each case is one sequence file `s.xml`: line 1 is `<sequence …>`, the mediator starts on
//! line 2. Columns count characters from 1; the comments say how each was counted.

use std::path::Path;

use mediate_config::load_str;

/// `body` as the content of sequence `s` in file `s.xml`, its first line being line 2.
fn sequence(body: &str) -> String {
    format!(
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"s\">\n{}\n</sequence>",
        body.trim_matches('\n')
    )
}

/// The diagnostics of loading sequence `body`, one `FILE:LINE:COL: message` a line.
fn errors(body: &str) -> Vec<String> {
    let registry = mediate_mediators::builtins::registry();
    match load_str(&sequence(body), Path::new("s.xml"), &registry) {
        Ok(_) => panic!("expected diagnostics for\n{body}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

/// The one diagnostic of loading sequence `body`.
fn error(body: &str) -> String {
    let mut all = errors(body);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

const XPATH_END: &str = "unexpected end of expression: expected an expression";

#[test]
fn log_property_expression_is_located_at_its_column() {
    // `<log><property name="p" expression="` is 36 characters: the value starts at 37 and the
    // XPath `//a[` ends at its column 5, column 41 of the line.
    assert_eq!(
        error(r#"<log><property name="p" expression="//a["/></log>"#),
        format!(
            "s.xml:2:41: mediator `log`: invalid value `//a[` for property `expression`: \
             invalid XPath at column 5: {XPATH_END}"
        )
    );
}

#[test]
fn log_property_attributes_and_missing_parts_are_located_at_the_property() {
    // The value of the unknown attribute: `<log><property name="p" expresion="` is 35.
    assert_eq!(
        error(r#"<log><property name="p" expresion="x"/></log>"#),
        "s.xml:2:36: `<property>`: unknown attribute \
         `expresion` (expected `name`, `value`, `expression`, `scope`); did you mean \
         `expression`?"
    );
    // `<log><property name="p" value="1" scope="` is 41.
    assert_eq!(
        error(r#"<log><property name="p" value="1" scope="bad"/></log>"#),
        "s.xml:2:42: mediator `property`: invalid value `bad` for property `scope`: Only \
         'axis2' or 'transport' or 'axis2-client' values are allowed for attribute scope for a \
         property, Unsupported scope bad"
    );
    // A missing attribute: at the `<property>` (after the 5 characters of `<log>`).
    assert_eq!(
        error(r#"<log><property value="1"/></log>"#),
        "s.xml:2:6: mediator `property`: missing property `name`"
    );
    assert_eq!(
        error(
            r#"<log>
  <property name="a" value="1"/>
  <property name="b"/>
</log>"#
        ),
        "s.xml:4:3: mediator `property`: property `b`: `value` or `expression` is required"
    );
}

#[test]
fn log_message_errors_are_located_at_the_message() {
    // The second `<message>`: `<log><message>a</message>` is 25 characters.
    assert_eq!(
        error(r#"<log><message>a</message><message>b</message></log>"#),
        "s.xml:2:26: mediator `log`: more than one <message>"
    );
    assert_eq!(
        error(
            r#"<log category="WARN">
    <message>total: ${payload.</message>
</log>"#
        ),
        "s.xml:3:5: mediator `log`: invalid value `total: ${payload.` for property `message`: \
         column 8: '${' without a closing '}'"
    );
    assert_eq!(
        error(r#"<log><mesage/></log>"#),
        "s.xml:2:6: mediator `log`: unknown child element `<mesage>` (expected `<message>`, \
         `<property>`, `<description>`); did you mean `<message>`?"
    );
}

#[test]
fn payload_factory_arg_expression_is_located_at_its_column() {
    // `    <arg expression="` is 21 characters: `//qty[1` starts at 22, and its end (column
    // 8, where `]` is expected) is column 29.
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{"id": "$1", "qty": $2}</format>
  <args>
    <arg expression="json-eval($.order.id)"/>
    <arg expression="//qty[1"/>
  </args>
</payloadFactory>"#
        ),
        "s.xml:6:29: mediator `payloadFactory`: invalid value `//qty[1` for property \
         `args[2].expression`: invalid XPath at column 8: unexpected end of expression: \
         expected ']' after predicate"
    );
    // `json-eval($.a[)`: the `[` is column 14 of the value, which starts at 22.
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{"a": "$1"}</format>
  <args>
    <arg expression="json-eval($.a[)"/>
  </args>
</payloadFactory>"#
        ),
        "s.xml:5:35: mediator `payloadFactory`: invalid value `json-eval($.a[)` for property \
         `args[1].expression`: invalid json-eval at column 14: unclosed '['"
    );
}

#[test]
fn payload_factory_json_evaluator_column_is_in_the_value_as_written() {
    // `evaluator="json"` reads `$.a[` as `json-eval($.a[)`; the error is still given at the
    // `[`, column 4 of the value as written (which starts at 22).
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{"a": "$1"}</format>
  <args>
    <arg expression="$.a[" evaluator="json"/>
  </args>
</payloadFactory>"#
        ),
        "s.xml:5:25: mediator `payloadFactory`: invalid value `$.a[` for property \
         `args[1].expression`: invalid json-eval at column 4: unclosed '['"
    );
}

#[test]
fn payload_factory_format_errors_are_located_at_the_format() {
    // `  <format key="` is 15 characters: the value starts at column 16 of line 3; the XPath
    // inside the braces ends at the value's column 6 (the `}`), column 21.
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format key="{//a[}"/>
</payloadFactory>"#
        ),
        format!(
            "s.xml:3:21: mediator `payloadFactory`: invalid value `{{//a[}}` for property \
             `format.key`: invalid XPath at column 6: {XPATH_END}"
        )
    );
    // An inline template's error is at `<format>` (its content has no attribute to point in).
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{"a": "${payload.}"}</format>
</payloadFactory>"#
        ),
        "s.xml:3:3: mediator `payloadFactory`: invalid value `{\"a\": \"${payload.}\"}` for \
         property `format`: invalid expression `${payload.}` at column 11: expected a name \
         after '.', found end of expression"
    );
    assert_eq!(
        error(
            r#"<payloadFactory>
  <format>not xml</format>
</payloadFactory>"#
        ),
        "s.xml:3:3: mediator `payloadFactory`: invalid value `not xml` for property `format`: \
         the format holds no XML element"
    );
}

#[test]
fn payload_factory_structure_errors_are_located_at_the_child() {
    // `  <args><arg value="1"/>` is 24 characters: `<ar/>` starts at 25.
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{"a": "$1"}</format>
  <args><arg value="1"/><ar/></args>
</payloadFactory>"#
        ),
        "s.xml:4:25: mediator `args`: unknown child element `<ar>` (expected `<arg>`); did you \
         mean `<arg>`?"
    );
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{}</format>
  <format>{}</format>
</payloadFactory>"#
        ),
        "s.xml:4:3: mediator `payloadFactory`: more than one <format> element"
    );
    assert_eq!(
        error(
            r#"<payloadFactory media-type="json">
  <format>{}</format>
  <args><arg/></args>
</payloadFactory>"#
        ),
        "s.xml:4:9: mediator `arg`: Unsupported arg type. value or expression attribute required"
    );
}

#[test]
fn enrich_source_and_target_errors_are_located_at_them() {
    // `  <source type="custom" xpath="` is 31 characters: `//a[` ends at its column 5, 36.
    assert_eq!(
        error(
            r#"<enrich>
  <source type="custom" xpath="//a["/>
  <target type="body"/>
</enrich>"#
        ),
        format!(
            "s.xml:3:36: mediator `enrich`: invalid value `//a[` for property `xpath`: invalid \
             XPath at column 5: {XPATH_END}"
        )
    );
    // `  <target type="custom" xpath="` is 31 characters: the `[` of `json-eval($.a[)` is the
    // value's column 14, 45.
    assert_eq!(
        error(
            r#"<enrich>
  <source type="body"/>
  <target type="custom" xpath="json-eval($.a[)"/>
</enrich>"#
        ),
        "s.xml:4:45: mediator `enrich`: invalid value `json-eval($.a[)` for property \
         `xpath`: invalid JSONPath at column 14: unclosed '['"
    );
    // A path without `$`: `a[` is read as `$.a[`, the error is still at the `[` as written
    // (column 12 of the value, which starts at 32).
    assert_eq!(
        error(
            r#"<enrich>
  <source type="custom" xpath="json-eval(a[)"/>
  <target type="key" xpath="json-eval($.a.b)"/>
</enrich>"#
        ),
        "s.xml:3:43: mediator `enrich`: invalid value `json-eval(a[)` for property `xpath`: \
         invalid JSONPath at column 12: unclosed '['"
    );
    // `  <source type="` is 16 characters.
    assert_eq!(
        error(
            r#"<enrich>
  <source type="bogus"/>
  <target type="body"/>
</enrich>"#
        ),
        "s.xml:3:17: mediator `enrich`: invalid value `bogus` for property `type`: Unexpected \
         source type"
    );
}

#[test]
fn enrich_combination_errors_are_located_at_the_target() {
    // The target's `action` value: `  <target type="custom" action="` is 32 characters.
    assert_eq!(
        error(
            r#"<enrich>
  <source type="body"/>
  <target type="custom" action="remove" xpath="json-eval($.a)"/>
</enrich>"#
        ),
        "s.xml:4:33: mediator `enrich`: Wrong combination of source type and target action"
    );
    // The target's `type` value: `  <target type="` is 16 characters.
    assert_eq!(
        error(
            r#"<enrich>
  <source type="envelope"/>
  <target type="body"/>
</enrich>"#
        ),
        "s.xml:4:17: mediator `enrich`: Wrong combination of source and target type"
    );
    assert_eq!(
        error(
            r#"<enrich>
  <sorce type="body"/>
  <target type="body"/>
</enrich>"#
        ),
        "s.xml:3:3: mediator `enrich`: unknown child element `<sorce>` (expected `<source>`, \
         `<target>`, `<description>`); did you mean `<source>`?"
    );
}

#[test]
fn switch_case_errors_are_located_at_the_case() {
    // `  <case regex="` is 15 characters; the group is unclosed at the value's column 3.
    assert_eq!(
        error(
            r#"<switch source="//a">
  <case regex="(a"><log/></case>
</switch>"#
        ),
        "s.xml:3:18: mediator `switch`: invalid value `(a` for property `regex`: unclosed \
         group in `(a` at column 3"
    );
    assert_eq!(
        error(
            r#"<switch source="//a">
  <case regex="a"><log/></case>
  <case><log/></case>
</switch>"#
        ),
        "s.xml:4:3: mediator `case`: The 'regex' attribute is required for a switch case \
         definition"
    );
    assert_eq!(
        error(
            r#"<switch source="//a">
  <default/>
  <default/>
</switch>"#
        ),
        "s.xml:4:3: mediator `switch`: more than one `<default>` element"
    );
}

#[test]
fn mediators_nested_in_a_case_are_located_at_their_own_element() {
    // `    <log level="` is 16 characters.
    assert_eq!(
        error(
            r#"<switch source="//a">
  <case regex="a">
    <log level="loud"/>
  </case>
</switch>"#
        ),
        "s.xml:4:17: mediator `log`: invalid value `loud` for property `level`: unknown level \
         `loud` (custom, simple, headers, full)"
    );
    // Two levels down: a log property inside a case.
    // `      <property name="p" expression="` is 37 characters: `count(` ends at column 7.
    assert_eq!(
        error(
            r#"<switch source="//a">
  <default>
    <log>
      <property name="p" expression="count("/>
    </log>
  </default>
</switch>"#
        ),
        format!(
            "s.xml:5:44: mediator `log`: invalid value `count(` for property `expression`: \
             invalid XPath at column 7: {XPATH_END}"
        )
    );
}

#[test]
fn filter_branch_errors_are_located_at_the_branch() {
    // `  <then sequnce="` is 17 characters.
    assert_eq!(
        error(
            r#"<filter xpath="//a">
  <then sequnce="x"/>
</filter>"#
        ),
        "s.xml:3:18: `<then>`: unknown attribute \
         `sequnce` (expected `sequence`); did you mean `sequence`?"
    );
    // `  <else sequence="` is 18 characters.
    assert_eq!(
        error(
            r#"<filter xpath="//a">
  <then/>
  <else sequence="x"><log/></else>
</filter>"#
        ),
        "s.xml:4:19: mediator `else`: invalid value `x` for property `sequence`: a branch \
         takes either a sequence key or mediators, not both"
    );
    assert_eq!(
        error(
            r#"<filter xpath="//a">
  <then/>
  <then/>
</filter>"#
        ),
        "s.xml:4:3: mediator `filter`: more than one `<then>` element"
    );
    assert_eq!(
        error(
            r#"<filter xpath="//a">
  <log/>
  <thne/>
</filter>"#
        ),
        "s.xml:4:3: mediator `filter`: unknown child element `<thne>` (neither a mediator nor \
         a branch); did you mean `<then>`?"
    );
}

#[test]
fn mediators_nested_in_then_and_else_are_located_at_their_own_element() {
    // `    <property name="x" expression="` is 35 characters: `//a[` ends at column 5, 40.
    assert_eq!(
        error(
            r#"<filter xpath="//a">
  <then><log/></then>
  <else>
    <property name="x" expression="//a["/>
  </else>
</filter>"#
        ),
        format!(
            "s.xml:5:40: mediator `property`: invalid value `//a[` for property `expression`: \
             invalid XPath at column 5: {XPATH_END}"
        )
    );
    // Every faulty mediator of a sequence is reported, each at its own place.
    assert_eq!(
        errors(
            r#"<filter xpath="//a">
  <then><lg/></then>
</filter>
<log level="loud"/>"#
        ),
        [
            "s.xml:3:9: unknown mediator `lg`; did you mean `log`?",
            "s.xml:5:13: mediator `log`: invalid value `loud` for property `level`: unknown \
             level `loud` (custom, simple, headers, full)",
        ]
    );
}

#[test]
fn header_inline_content_of_a_named_header_is_located_at_the_block() {
    // `<header name="x:y" value="1" xmlns:x="urn:x">` is 45 characters.
    assert_eq!(
        error(r#"<header name="x:y" value="1" xmlns:x="urn:x"><x:a/></header>"#),
        "s.xml:2:46: mediator `header`: invalid value `x:y` for property `name`: a named \
         header takes no inline content (found `<x:a xmlns:x=\"urn:x\"/>`)"
    );
}

#[test]
fn makefault_child_errors_are_located_at_the_child() {
    const SOAP11: &str = r#"xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/""#;
    // `  <code value="` is 15 characters.
    assert_eq!(
        error(&format!(
            r#"<makefault version="soap11">
  <code value="soap11Env:Bad" {SOAP11}/>
  <reason value="r"/>
</makefault>"#
        )),
        "s.xml:3:16: mediator `makefault`: invalid value `soap11Env:Bad` for property `code`: \
         Invalid code value for soap11 version. Code value has to be one of the following : \
         VersionMismatch, MustUnderstand, Client, Server"
    );
    assert_eq!(
        error(
            r#"<makefault version="soap11">
  <code value="Client"/>
  <reason value="r"/>
</makefault>"#
        ),
        "s.xml:3:16: mediator `code`: invalid value `Client` for property `value`: A QName is \
         expected for fault code as prefix:name"
    );
    // `  <code expression="` is 20 characters: `//a[` ends at column 5, 25.
    assert_eq!(
        error(
            r#"<makefault version="soap11">
  <code expression="//a["/>
  <reason value="r"/>
</makefault>"#
        ),
        format!(
            "s.xml:3:25: mediator `makefault`: invalid value `//a[` for property `code`: \
             invalid XPath at column 5: {XPATH_END}"
        )
    );
    // `  <reason expression="` is 22 characters: `concat(` ends at column 8, 30.
    assert_eq!(
        error(&format!(
            r#"<makefault version="soap11">
  <code value="soap11Env:Client" {SOAP11}/>
  <reason expression="concat("/>
</makefault>"#
        )),
        format!(
            "s.xml:4:30: mediator `makefault`: invalid value `concat(` for property `reason`: \
             invalid XPath at column 8: {XPATH_END}"
        )
    );
    // `  <detail expression="` is 22 characters: `//a[` ends at column 5, 27.
    assert_eq!(
        error(
            r#"<makefault version="soap12">
  <code value="soap12Env:Receiver" xmlns:soap12Env="http://www.w3.org/2003/05/soap-envelope"/>
  <reason value="r"/>
  <detail expression="//a["/>
</makefault>"#
        ),
        format!(
            "s.xml:5:27: mediator `makefault`: invalid value `//a[` for property `detail`: \
             invalid XPath at column 5: {XPATH_END}"
        )
    );
    assert_eq!(
        error(&format!(
            r#"<makefault>
  <code value="soap11Env:Client" {SOAP11}/>
  <reason value="r"/>
  <node>http://node</node>
</makefault>"#
        )),
        "s.xml:5:3: mediator `node`: <node> needs the `version` attribute on <makefault> (MI's \
         factory fails on it otherwise)"
    );
    // `  <role kind="` is 14 characters.
    assert_eq!(
        error(&format!(
            r#"<makefault>
  <code value="soap11Env:Client" {SOAP11}/>
  <reason value="r"/>
  <role kind="x">r</role>
</makefault>"#
        )),
        "s.xml:5:15: `<role>`: unknown attribute \
         `kind` (`<role>` takes no attributes)"
    );
}

#[test]
fn property_and_variable_children_are_located_at_the_child() {
    // `<property name="p"><a/>` is 23 characters.
    assert_eq!(
        error(r#"<property name="p"><a/><b/></property>"#),
        "s.xml:2:24: mediator `property`: only one inline XML element is allowed as the value \
         (found `<b>` after the first)"
    );
    // `<property name="p" value="1">` is 29 characters.
    assert_eq!(
        error(r#"<property name="p" value="1"><a/></property>"#),
        "s.xml:2:30: mediator `property`: give only one of `value`, `expression` or an inline \
         XML element"
    );
    // `<variable name="v" value="1">` is 29 characters.
    assert_eq!(
        error(r#"<variable name="v" value="1"><x/></variable>"#),
        "s.xml:2:30: mediator `variable`: unknown child element `<x>` (`<variable>` takes only \
         a `<description>` child: its value is given by `value` or `expression`, not by \
         content)"
    );
}

#[test]
fn a_child_of_a_mediator_without_children_is_located_at_the_child() {
    assert_eq!(
        error(
            r#"<drop>
  <log/>
</drop>"#
        ),
        "s.xml:3:3: mediator `drop`: unknown child element `<log>` (`<drop>` takes no children \
         but `<description>`)"
    );
}
