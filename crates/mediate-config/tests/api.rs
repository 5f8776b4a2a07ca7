//! `<api>` artifacts: MI documentation examples read field by field, serialized and read back,
//! and one test per diagnostic with its exact `FILE:LINE:COL: message`.

mod support;

use std::path::Path;

use mediate_config::{
    ApiConfig, ArtifactConfig, Method, ParameterValue, Protocol, ResourceDispatch, SequenceRef,
    VersionType, load_str,
};
use support::{NS, key, registry};

fn api(xml: &str) -> ApiConfig {
    match support::load_one(xml, "api.xml") {
        ArtifactConfig::Api(api) => api,
        other => panic!("expected an API, got {other:?}"),
    }
}

/// The diagnostics of `xml` read as `api.xml`, one line each.
fn diagnostics(xml: &str) -> Vec<String> {
    support::diagnostics(xml, "api.xml")
}

/// An API of one line holding `resources`, for diagnostics at easy columns.
fn one_line(resources: &str) -> String {
    format!(r#"<api {NS} name="A" context="/a">{resources}</api>"#)
}

/// Serializes `api`, reads it back, and checks it is the same configuration.
fn round_trip(api: &ApiConfig) {
    support::round_trip(&ArtifactConfig::Api(api.clone()));
}

// docs-mi learn/examples/rest-api-examples/introduction-rest-api.md, as written.
const STOCK_QUOTE_API: &str = r#"<api name="StockQuoteAPI" context="/stockquote" xmlns="http://ws.apache.org/ns/synapse">
   <resource uri-template="/view/{symbol}" methods="GET">
      <inSequence>
         <payloadFactory>
           <format>
              <m0:getQuote xmlns:m0="http://services.samples">
                 <m0:request>
                   <m0:symbol>$1</m0:symbol>
                 </m0:request>
             </m0:getQuote>
           </format> 
            <args>
              <arg expression="get-property('uri.var.symbol')"/>
            </args>
         </payloadFactory>
         <header name="Action" value="urn:getQuote"/>
         <send>
           <endpoint>
              <address uri="http://localhost:9000/services/SimpleStockQuoteService" format="soap11"/>
           </endpoint>
         </send>
      </inSequence>
      <outSequence>
         <send/>
      </outSequence>
   </resource>
   <resource methods="POST" url-mapping="/order/*">
      <inSequence>
         <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
         <property name="OUT_ONLY" value="true"/>
         <header name="Action" value="urn:placeOrder"/>
         <send>
            <endpoint>
                <address uri="http://localhost:9000/services/SimpleStockQuoteService" format="soap11"/>
            </endpoint>
         </send>
      </inSequence>      
   </resource>
</api>"#;

#[test]
fn stock_quote_api_reads_field_by_field() {
    let api = api(STOCK_QUOTE_API);
    assert_eq!(api.name, "StockQuoteAPI");
    assert_eq!(api.context, "/stockquote");
    assert_eq!(api.effective_context(), "/stockquote");
    assert_eq!(api.version, None);
    assert_eq!(api.qualified_name(), "StockQuoteAPI");
    assert_eq!(
        (api.hostname.as_deref(), api.port, api.transport),
        (None, None, None)
    );
    assert!(api.binds_to.is_empty() && api.handlers.is_empty());
    assert!(!api.statistics && !api.trace);
    assert_eq!(api.span.to_string(), "api.xml:1:1");
    assert_eq!(api.resources.len(), 2);

    let view = &api.resources[0];
    assert_eq!(view.methods, [Method::Get]);
    assert_eq!(
        view.dispatch,
        ResourceDispatch::UriTemplate("/view/{symbol}".into())
    );
    assert_eq!(view.protocol, None);
    let Some(SequenceRef::Inline(inline)) = &view.in_sequence else {
        panic!("inline in-sequence")
    };
    let kinds: Vec<&str> = inline.mediators.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["payloadFactory", "header", "send"]);
    assert_eq!(inline.name, None);
    let Some(SequenceRef::Inline(out)) = &view.out_sequence else {
        panic!("inline out-sequence")
    };
    assert_eq!(out.mediators[0].kind, "send");
    assert_eq!(view.fault_sequence, None);
    assert_eq!(view.span.to_string(), "api.xml:2:4");
    assert!(view.accepts(Method::Get) && view.accepts(Method::Options));
    assert!(!view.accepts(Method::Post));

    let order = &api.resources[1];
    assert_eq!(order.methods, [Method::Post]);
    assert_eq!(
        order.dispatch,
        ResourceDispatch::UrlMapping("/order/*".into())
    );
    assert!(matches!(&order.in_sequence, Some(SequenceRef::Inline(s)) if s.mediators.len() == 4));
    assert_eq!(order.out_sequence, None);
    round_trip(&api);
}

// docs-mi develop/creating-artifacts/creating-an-api.md: sequences by key, an inline one
// next to a keyed one, and the default resource (no uri-template, no url-mapping, no methods).
#[test]
fn sample_api_with_keys_and_a_default_resource() {
    let api = api(&format!(
        r#"<api {NS} name="SampleAPI" context="/payments">
<resource url-mapping="/list" methods="GET" inSequence="seq7" outSequence="seq8"/>
<resource uri-template="/edit/{{userId}}" methods="PUT POST" outSequence="seq9">
    <inSequence>
         <log/>
         <send>
              <endpoint key="BackendService"/>
         </send>
    </inSequence>
</resource>
<resource inSequence="seq10" outSequence="seq11"/>
</api>"#
    ));
    let [list, edit, default] = &api.resources[..] else {
        panic!("three resources")
    };
    assert_eq!(list.dispatch, ResourceDispatch::UrlMapping("/list".into()));
    assert_eq!(
        (key(&list.in_sequence), key(&list.out_sequence)),
        (Some("seq7"), Some("seq8"))
    );
    // A key carries where it is written: the attribute's value.
    let Some(SequenceRef::Key { span, .. }) = &list.in_sequence else {
        panic!("key")
    };
    assert_eq!(span.to_string(), "api.xml:2:57");
    assert_eq!(edit.methods, [Method::Put, Method::Post]);
    assert_eq!(key(&edit.out_sequence), Some("seq9"));
    assert!(matches!(&edit.in_sequence, Some(SequenceRef::Inline(s)) if s.mediators.len() == 2));
    assert_eq!(default.dispatch, ResourceDispatch::Default);
    assert!(default.methods.is_empty());
    assert!(default.accepts(Method::Delete));
    assert_eq!(key(&default.in_sequence), Some("seq10"));
    round_trip(&api);
}

// docs-mi setting-query-params-outgoing-messages.md: a template with a literal query.
#[test]
fn uri_template_with_query_parameters() {
    let api = api(&format!(
        r#"<api {NS} name="Groups" context="/groups" hostname="api.example.com" port="8290" transports="https" statistics="enable" trace="disable" publishSwagger="/_system/governance/swagger_files/groups.yaml" description="Groups API">
    <resource methods="GET" protocol="https" uri-template="/{{val1}}/groups/{{val2}}/json?q1={{v1}}&amp;q2={{v2}}">
        <inSequence><property name="queryParam" expression="get-property('query.param.q1')"/><respond/></inSequence>
        <faultSequence><log level="full"/></faultSequence>
    </resource>
</api>"#
    ));
    assert_eq!(api.hostname.as_deref(), Some("api.example.com"));
    assert_eq!(api.port, Some(8290));
    assert_eq!(api.transport, Some(Protocol::Https));
    assert!(api.statistics && !api.trace);
    assert_eq!(
        api.publish_swagger.as_deref(),
        Some("/_system/governance/swagger_files/groups.yaml")
    );
    assert_eq!(api.description.as_deref(), Some("Groups API"));
    let r = &api.resources[0];
    assert_eq!(
        r.dispatch,
        ResourceDispatch::UriTemplate("/{val1}/groups/{val2}/json?q1={v1}&q2={v2}".into())
    );
    assert_eq!(r.protocol, Some(Protocol::Https));
    assert!(
        matches!(&r.fault_sequence, Some(SequenceRef::Inline(s)) if s.mediators[0].kind == "log")
    );
    round_trip(&api);
}

// Versioning: `{version}` in the context (version-type context), or after it (url).
#[test]
fn versioned_apis() {
    let by_context = api(&format!(
        r#"<api {NS} name="Orders" context="/{{version}}/orders" version="2.0.0" version-type="context">
    <resource methods="GET" uri-template="/{{id}}" inSequence="GetOrder"/>
</api>"#
    ));
    let v = by_context.version.as_ref().expect("versioned");
    assert_eq!(
        (v.version.as_str(), v.version_type, v.param.as_deref()),
        ("2.0.0", VersionType::Context, None)
    );
    assert_eq!(by_context.effective_context(), "/2.0.0/orders");
    assert_eq!(by_context.qualified_name(), "Orders:v2.0.0");
    round_trip(&by_context);

    let by_url = api(&format!(
        r#"<api {NS} name="Orders" context="/orders/" version="1.0" version-type="url" version-param="v">
    <resource methods="GET" uri-template="/*" inSequence="Any"/>
</api>"#
    ));
    let v = by_url.version.as_ref().expect("versioned");
    assert_eq!(
        (v.version.as_str(), v.version_type, v.param.as_deref()),
        ("1.0", VersionType::Url, Some("v"))
    );
    assert_eq!(by_url.effective_context(), "/orders");
    round_trip(&by_url);
}

// An MI basic-auth handler (`<handlers>` after the resources), kept as written.
#[test]
fn handlers_are_kept() {
    let api = api(&format!(
        r#"<api {NS} name="Secured" context="/secured" binds-to="default, inbound1">
    <resource methods="GET" uri-template="/" binds-to="inbound1"><inSequence><respond/></inSequence></resource>
    <handlers>
        <handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler">
            <property name="realm" value="mi"/>
            <property name="config"><users xmlns="urn:u"><user>admin</user></users></property>
        </handler>
    </handlers>
</api>"#
    ));
    assert_eq!(api.binds_to, ["default", "inbound1"]);
    assert_eq!(api.resources[0].binds_to, ["inbound1"]);
    let [handler] = &api.handlers[..] else {
        panic!("one handler")
    };
    assert_eq!(
        handler.class,
        "org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"
    );
    assert_eq!(
        handler.properties,
        [
            ("realm".to_owned(), ParameterValue::Text("mi".into())),
            (
                "config".to_owned(),
                ParameterValue::Xml(r#"<users xmlns="urn:u"><user>admin</user></users>"#.into())
            ),
        ]
    );
    assert_eq!(handler.span.to_string(), "api.xml:4:9");
    round_trip(&api);
}

// The kinds of resources that do not hide each other.
#[test]
fn resources_that_all_can_match() {
    let api = api(&one_line(concat!(
        r#"<resource methods="GET" uri-template="/o/{id}" inSequence="s"/>"#,
        r#"<resource methods="POST" uri-template="/o/{id}" inSequence="s"/>"#,
        r#"<resource methods="PUT" url-mapping="/o/*" inSequence="s"/>"#,
        r#"<resource methods="GET" url-mapping="/o/list" inSequence="s"/>"#,
        r#"<resource methods="GET" url-mapping="*.jsp" inSequence="s"/>"#,
        r#"<resource methods="GET" protocol="https" uri-template="/*" inSequence="s"/>"#,
        r#"<resource methods="GET" uri-template="/p/{id}" inSequence="s"/>"#,
        r#"<resource inSequence="s"/>"#,
    )));
    assert_eq!(api.resources.len(), 8);
}

// ---------------------------------------------------------------------------------------
// Diagnostics, one per test.

#[test]
fn missing_name_and_context() {
    assert_eq!(
        diagnostics(&format!(r#"<api {NS}><resource/></api>"#)),
        [
            "api.xml:1:1: `<api>`: missing attribute `context`",
            "api.xml:1:1: `<api>`: missing attribute `name`",
        ]
    );
}

#[test]
fn context_must_start_with_a_slash() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="orders"><resource/></api>"#
        )),
        ["api.xml:1:64: `<api>`: context `orders` must start with `/`"]
    );
}

#[test]
fn api_without_resources() {
    assert_eq!(
        diagnostics(&format!(r#"<api {NS} name="A" context="/a"/>"#)),
        ["api.xml:1:1: `<api>`: an API needs at least one `<resource>`"]
    );
}

#[test]
fn unknown_attribute_and_element() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" contxt="/a" context="/a"><resorce/></api>"#
        )),
        [
            "api.xml:1:1: `<api>`: an API needs at least one `<resource>`",
            "api.xml:1:55: `<api>`: unknown attribute `contxt` (expected `name`, `context`, `version`, `version-type`, `version-param`, `hostname`, `port`, `transports`, `binds-to`, `publishSwagger`, `description`, `statistics`, `trace`); did you mean `context`?",
            "api.xml:1:80: `<api>`: unknown element `<resorce>`; did you mean `resource`?",
        ]
    );
}

#[test]
fn version_without_version_type() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" version="1.0"><resource/></api>"#
        )),
        ["api.xml:1:77: `<api>`: `version` needs a `version-type` (`url` or `context`)"]
    );
}

#[test]
fn version_type_without_version() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" version-type="url"><resource/></api>"#
        )),
        ["api.xml:1:82: `<api>`: `version-type` needs a `version`"]
    );
}

#[test]
fn version_param_without_version() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" version-param="v"><resource/></api>"#
        )),
        ["api.xml:1:83: `<api>`: `version-param` needs a `version`"]
    );
}

#[test]
fn unknown_version_type() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" version="1" version-type="path"><resource/></api>"#
        )),
        [
            "api.xml:1:94: `<api>`: attribute `version-type` is `path`, expected one of `url`, `context`"
        ]
    );
}

#[test]
fn version_placeholder_needs_version_type_context() {
    // The column of `{version}` inside the context.
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a/{{version}}" version="1" version-type="url"><resource/></api>"#
        )),
        ["api.xml:1:67: `<api>`: `{version}` in the context needs version-type=\"context\""]
    );
}

#[test]
fn version_type_context_needs_the_placeholder() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" version="1" version-type="context"><resource/></api>"#
        )),
        [
            "api.xml:1:94: `<api>`: version-type `context` puts the version in the context: write `{version}` in it (`/orders/{version}`)"
        ]
    );
}

#[test]
fn bad_port() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" port="80a"><resource/></api>"#
        )),
        ["api.xml:1:74: `<api>`: attribute `port` is `80a`, expected a port number (1-65535)"]
    );
}

#[test]
fn api_transports_is_one_protocol() {
    // Synapse's APIFactory takes `http` or `https`, not a list.
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" transports="http https"><resource/></api>"#
        )),
        [
            "api.xml:1:80: `<api>`: attribute `transports` is `http https`, expected one of `http`, `https`"
        ]
    );
}

#[test]
fn unknown_method_with_a_suggestion() {
    // Column of `get`, the second method; Synapse's names are upper case.
    assert_eq!(
        diagnostics(&one_line(r#"<resource methods="POST get"/>"#)),
        ["api.xml:1:92: `<resource>`: unknown method `get`; did you mean `GET`?"]
    );
}

#[test]
fn method_listed_twice() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource methods="GET PUT GET"/>"#)),
        ["api.xml:1:95: `<resource>`: method `GET` is listed twice"]
    );
}

#[test]
fn methods_separated_by_two_spaces() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource methods="GET  PUT"/>"#)),
        [
            "api.xml:1:91: `<resource>`: `methods` has two spaces in a row: separate methods with one space"
        ]
    );
}

#[test]
fn uri_template_and_url_mapping_together() {
    assert_eq!(
        diagnostics(&one_line(
            r#"<resource uri-template="/x" url-mapping="/x"/>"#
        )),
        ["api.xml:1:109: `<resource>`: `uri-template` and `url-mapping` cannot both be given"]
    );
}

#[test]
fn uri_template_error_at_its_column() {
    // `&amp;` counts as one character: the column is the `{` of the unclosed expression.
    assert_eq!(
        diagnostics(&one_line(r#"<resource uri-template="/q?a={a}&amp;b={b"/>"#)),
        ["api.xml:1:107: `<resource>`: uri-template `/q?a={a}&b={b`: `{` is never closed"]
    );
}

#[test]
fn uri_template_must_start_with_a_slash() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource uri-template="{id}"/>"#)),
        ["api.xml:1:92: `<resource>`: uri-template `{id}`: a uri-template must start with `/`"]
    );
}

#[test]
fn uri_template_query_expression_is_not_supported() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource uri-template="/search{?q,lang}"/>"#)),
        [
            "api.xml:1:100: `<resource>`: uri-template `/search{?q,lang}`: `{?…}` expressions are not supported by Synapse: write the query literally (`?name={name}`)"
        ]
    );
}

#[test]
fn uri_template_bad_variable_name() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource uri-template="/o/{order id}"/>"#)),
        [
            "api.xml:1:101: `<resource>`: uri-template `/o/{order id}`: ` ` cannot be in a variable name (letters, digits, `.`, `-` and `_`)"
        ]
    );
}

#[test]
fn url_mapping_with_a_variable() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource url-mapping="/o/{id}"/>"#)),
        [
            "api.xml:1:94: `<resource>`: url-mapping `/o/{id}`: a url-mapping has no variables: use uri-template for `{…}`"
        ]
    );
}

#[test]
fn url_mapping_of_no_known_form() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource url-mapping="orders"/>"#)),
        [
            "api.xml:1:91: `<resource>`: url-mapping `orders`: a url-mapping is an exact path (`/orders`), a path prefix (`/orders/*`) or an extension (`*.jsp`)"
        ]
    );
}

#[test]
fn unknown_protocol() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource protocol="htps"/>"#)),
        [
            "api.xml:1:88: `<resource>`: attribute `protocol` is `htps`, expected one of `http`, `https`; did you mean `https`?"
        ]
    );
}

#[test]
fn content_type_must_be_a_media_type() {
    assert_eq!(
        diagnostics(&one_line(r#"<resource content-type="json"/>"#)),
        ["api.xml:1:92: `<resource>`: content-type `json` is not a media type (`type/subtype`)"]
    );
}

#[test]
fn sequence_by_key_and_inline() {
    assert_eq!(
        diagnostics(&one_line(
            r#"<resource inSequence="In"><inSequence><log/></inSequence></resource>"#
        )),
        [
            "api.xml:1:90: `<resource>`: the in sequence is given both as `inSequence=\"In\"` and inline as `<inSequence>`: give one"
        ]
    );
}

#[test]
fn two_inline_out_sequences() {
    assert_eq!(
        diagnostics(&one_line(
            r#"<resource><outSequence/><outSequence/></resource>"#
        )),
        ["api.xml:1:92: `<resource>`: only one `<outSequence>` is allowed"]
    );
}

#[test]
fn inline_sequence_mediator_errors_are_reported() {
    assert_eq!(
        diagnostics(&one_line(
            r#"<resource><inSequence><lgo/></inSequence></resource>"#
        )),
        ["api.xml:1:90: unknown mediator `lgo`; did you mean `log`?"]
    );
}

#[test]
fn resource_binds_to_outside_the_api() {
    assert_eq!(
        diagnostics(&format!(
            r#"<api {NS} name="A" context="/a" binds-to="ep1"><resource binds-to="ep1, ep2"/></api>"#
        )),
        [
            "api.xml:1:108: `<resource>`: binds-to `ep2` is not one of the API's (`ep1`): a resource can only narrow its API's bindings"
        ]
    );
}

#[test]
fn same_template_and_method_twice() {
    // Synapse's API.addResource refuses the same mapping written the same way…
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET" uri-template="/o/{id}"/>"#,
            r#"<resource methods="POST GET" uri-template="/o/{id}"/>"#
        ))),
        [
            "api.xml:1:159: `<resource>`: uri-template `/o/{id}` with GET is already taken by the resource at 1:68 (Synapse refuses two resources with the same mapping and method)"
        ]
    );
    // …while a form that differs only by a trailing `/` deploys in MI, and can never match.
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET" uri-template="/o/{id}"/>"#,
            r#"<resource methods="GET" uri-template="/o/{id}/"/>"#
        ))),
        [
            "api.xml:1:154: `<resource>`: can never match: the resource at 1:68 (uri-template `/o/{id}`, GET) takes every request it accepts first"
        ]
    );
}

#[test]
fn two_default_resources() {
    assert_eq!(
        diagnostics(&one_line(
            r#"<resource methods="GET"/><resource methods="POST"/>"#
        )),
        [
            "api.xml:1:93: `<resource>`: only one resource can be the default (no uri-template or url-mapping); the resource at 1:68 already is"
        ]
    );
}

#[test]
fn same_mapping_after_an_every_method_resource() {
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource url-mapping="/o/list/"/>"#,
            r#"<resource methods="GET" url-mapping="/o/list"/>"#
        ))),
        [
            "api.xml:1:139: `<resource>`: can never match: the resource at 1:68 (url-mapping `/o/list/`, every method) takes every request it accepts first"
        ]
    );
}

#[test]
fn url_mapping_catch_all_hides_templates_and_the_default() {
    // A url-mapping is tried before every uri-template and the default resource, whatever
    // the order; `/*` takes every path.
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET" uri-template="/o/{id}"/>"#,
            r#"<resource methods="GET" url-mapping="*.jsp"/>"#,
            r#"<resource url-mapping="/*"/>"#,
            r#"<resource methods="DELETE"/>"#,
        ))),
        [
            "api.xml:1:106: `<resource>`: can never match: the resource at 1:161 (url-mapping `/*`, every method) takes every request it accepts first",
            "api.xml:1:153: `<resource>`: can never match: the resource at 1:161 (url-mapping `/*`, every method) takes every request it accepts first",
            "api.xml:1:189: `<resource>`: can never match: the resource at 1:161 (url-mapping `/*`, every method) takes every request it accepts first",
        ]
    );
}

#[test]
fn url_mapping_catch_all_hides_a_later_one_segment_prefix() {
    // `/*` and `/o/*` both match one segment of `/o/x`; the first of equals wins.
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET POST" url-mapping="/*"/>"#,
            r#"<resource methods="GET" url-mapping="/o/*"/>"#,
            r#"<resource methods="GET" url-mapping="/o/a/*"/>"#,
        ))),
        [
            "api.xml:1:152: `<resource>`: can never match: the resource at 1:68 (url-mapping `/*`, GET POST) takes every request it accepts first"
        ]
    );
}

#[test]
fn url_mapping_prefix_hides_templates_under_it() {
    // Whatever the order: url-mappings are tried before uri-templates.
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET" uri-template="/o/{id}"/>"#,
            r#"<resource methods="GET" uri-template="/other/{id}"/>"#,
            r#"<resource methods="GET HEAD" url-mapping="/o/*"/>"#,
        ))),
        [
            "api.xml:1:106: `<resource>`: can never match: the resource at 1:168 (url-mapping `/o/*`, GET HEAD) takes every request it accepts first"
        ]
    );
}

#[test]
fn uri_template_prefix_hides_later_templates_under_it() {
    assert_eq!(
        diagnostics(&one_line(concat!(
            r#"<resource methods="GET" uri-template="/o/*"/>"#,
            r#"<resource methods="GET" uri-template="/o/{id}/items"/>"#,
            r#"<resource methods="GET" uri-template="/p/{id}"/>"#,
        ))),
        [
            "api.xml:1:151: `<resource>`: can never match: the resource at 1:68 (uri-template `/o/*`, GET) takes every request it accepts first"
        ]
    );
}

#[test]
fn narrower_resource_first_hides_nothing_but_wider_first_does() {
    // `/o/*` for GET only does not cover a later `/o/{id}` for GET and PUT.
    let xml = one_line(concat!(
        r#"<resource methods="GET" uri-template="/o/*"/>"#,
        r#"<resource methods="GET PUT" uri-template="/o/{id}"/>"#,
    ));
    assert!(load_str(&xml, Path::new("api.xml"), &registry()).is_ok());
    // A resource limited to https does not cover one that takes both.
    let xml = one_line(concat!(
        r#"<resource protocol="https" uri-template="/*"/>"#,
        r#"<resource methods="GET" uri-template="/o"/>"#,
    ));
    assert!(load_str(&xml, Path::new("api.xml"), &registry()).is_ok());
}

#[test]
fn every_problem_of_a_file_at_once() {
    let xml = format!(
        "<api {NS} name=\"A\" context=\"a\">\n  <resource methods=\"GTE\" uri-template=\"/x/{{\"/>\n  <resource url-mapping=\"/*\" inSequence=\"\"/>\n</api>"
    );
    assert_eq!(
        diagnostics(&xml),
        [
            "api.xml:1:64: `<api>`: context `a` must start with `/`",
            "api.xml:2:22: `<resource>`: unknown method `GTE`; did you mean `GET`?",
            "api.xml:2:44: `<resource>`: uri-template `/x/{`: `{` is never closed",
            "api.xml:3:42: `<resource>`: attribute `inSequence` is empty",
        ]
    );
}
