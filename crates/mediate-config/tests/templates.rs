//! Templates: the parameters each use gives (`<call-template>`, `<endpoint template>`) against
//! the template's, an endpoint template's body checked when read, and `trace`/`statistics`
//! kept for writing back.

use std::path::Path;

use mediate_config::{ArtifactConfig, Configuration, load_str};

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

/// `body` inside `<definitions>` (on line 2 onwards).
fn definitions(body: &str) -> String {
    format!("<definitions {NS}>\n{body}\n</definitions>")
}

/// The cross-artifact problems of one `<definitions>` file.
fn problems(body: &str) -> Vec<String> {
    let registry = mediate_mediators::builtins::registry();
    let artifacts = match load_str(&definitions(body), Path::new("all.xml"), &registry) {
        Ok(a) => a,
        Err(d) => panic!("each artifact is valid on its own:\n{d}"),
    };
    Configuration::new(artifacts)
        .check()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The problems found when reading one `<definitions>` file.
fn load_problems(body: &str) -> Vec<String> {
    let registry = mediate_mediators::builtins::registry();
    match load_str(&definitions(body), Path::new("all.xml"), &registry) {
        Ok(a) => panic!("expected problems, loaded {a:?}"),
        Err(d) => d.iter().map(ToString::to_string).collect(),
    }
}

/// Reads one `<definitions>` file that has no problem of its own.
fn loads(body: &str) -> Vec<ArtifactConfig> {
    let registry = mediate_mediators::builtins::registry();
    match load_str(&definitions(body), Path::new("all.xml"), &registry) {
        Ok(a) => a,
        Err(d) => panic!("loads:\n{d}"),
    }
}

const LOG_TEMPLATE: &str = r#"<template name="Log"><parameter name="message"/><parameter name="level" defaultValue="info"/><sequence><log/></sequence></template>"#;

// ---------------------------------------------------------------------------------------------
// <call-template>

#[test]
fn a_misspelt_with_param_names_the_closest_parameter() {
    assert_eq!(
        problems(&format!(
            r#"{LOG_TEMPLATE}
<sequence name="s"><call-template target="Log"><with-param name="mesage" value="hi"/></call-template></sequence>"#
        )),
        [
            "all.xml:3:66: `<with-param name>`: template `Log` has no parameter `mesage`; did you mean `message`?"
        ]
    );
}

#[test]
fn a_with_param_far_from_every_parameter_gets_no_suggestion() {
    assert_eq!(
        problems(&format!(
            r#"{LOG_TEMPLATE}
<sequence name="s"><call-template target="Log"><with-param name="message" value="a"/><with-param name="customerId" value="b"/></call-template></sequence>"#
        )),
        ["all.xml:3:104: `<with-param name>`: template `Log` has no parameter `customerId`"]
    );
}

#[test]
fn a_mandatory_parameter_must_be_passed_even_with_a_default() {
    let template = r#"<template name="Audit"><parameter name="id" isMandatory="true" defaultValue="0"/><parameter name="note"/><sequence><log/></sequence></template>"#;
    assert_eq!(
        problems(&format!(
            r#"{template}
<sequence name="s">
  <call-template target="Audit"><with-param name="note" value="x"/></call-template>
  <call-template target="Audit"><with-param name="id" value="{{$ctx:id}}"/></call-template>
</sequence>"#
        )),
        [
            "all.xml:4:3: `<call-template>`: template `Audit` needs parameter `id` (isMandatory), which this call does not pass"
        ]
    );
}

#[test]
fn calls_that_fit_are_not_problems() {
    assert!(
        problems(&format!(
            r#"{LOG_TEMPLATE}
<sequence name="s">
  <call-template target="Log"><with-param name="message" value="hi"/><with-param name="level" value="debug"/></call-template>
  <call-template target="Log"/>
  <call-template target="{{get-property('which')}}"><with-param name="anything" value="x"/></call-template>
</sequence>"#
        ))
        .is_empty()
    );
}

#[test]
fn calls_inside_templates_apis_and_proxies_are_checked() {
    let lines = problems(&format!(
        r#"{LOG_TEMPLATE}
<template name="Outer"><parameter name="m"/><sequence><call-template target="Log"><with-param name="msg" value="{{$func:m}}"/></call-template></sequence></template>
<api name="A" context="/a"><resource methods="GET" uri-template="/x"><inSequence><call-template target="Log"><with-param name="levl" value="x"/></call-template><respond/></inSequence></resource></api>"#
    ));
    assert_eq!(
        lines,
        [
            "all.xml:3:101: `<with-param name>`: template `Log` has no parameter `msg`",
            "all.xml:4:128: `<with-param name>`: template `Log` has no parameter `levl`; did you mean `level`?",
        ]
    );
}

#[test]
fn a_call_of_an_endpoint_template_and_an_endpoint_of_a_sequence_template_are_refused() {
    let lines = problems(&format!(
        r#"{LOG_TEMPLATE}
<template name="Backend"><endpoint name="$name"><address uri="$uri"/></endpoint></template>
<sequence name="s"><call-template target="Backend"/><call><endpoint template="Log" uri="http://b.example/"/></call></sequence>"#
    ));
    assert_eq!(
        lines,
        [
            "all.xml:4:43: `<call-template target>`: `Backend` is an endpoint template, not a sequence template (defined at all.xml:3:1)",
            "all.xml:4:79: `<endpoint template>`: `Log` is a sequence template, not an endpoint template (defined at all.xml:2:1)",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// <endpoint template>

const BACKEND: &str = r#"<template name="Backend"><parameter name="timeout"/><endpoint name="$name"><address uri="$uri"><timeout><duration>$timeout</duration></timeout></address></endpoint></template>"#;

#[test]
fn an_inline_template_endpoint_gives_known_parameters_and_every_one_the_body_uses() {
    let lines = problems(&format!(
        r#"{BACKEND}
<sequence name="s">
  <call><endpoint template="Backend" uri="http://b.example/"><parameter name="timout" value="30"/></endpoint></call>
  <call><endpoint template="Backend"><parameter name="timeout" value="30"/></endpoint></call>
  <call><endpoint name="ok" template="Backend" uri="http://b.example/"><parameter name="timeout" value="30"/></endpoint></call>
  <call><endpoint template="Backend"><parameter name="uri" value="http://b.example/"/><parameter name="timeout" value="30"/></endpoint></call>
</sequence>"#
    ));
    assert_eq!(
        lines,
        [
            "all.xml:4:9: `<endpoint template>`: template `Backend` uses `$timeout`, which this endpoint does not give (a `<parameter name=\"timeout\">`), so MI would leave `$timeout` as written",
            "all.xml:4:79: `<parameter name>`: template `Backend` has no parameter `timout`; did you mean `timeout`?",
            "all.xml:5:9: `<endpoint template>`: template `Backend` uses `$uri`, which this endpoint does not give (a `uri` attribute), so MI would leave `$uri` as written",
        ]
    );
}

#[test]
fn a_named_template_endpoint_reports_its_parameters_at_the_template_key() {
    // An endpoint artifact keeps no position for its `<parameter>`s.
    let lines = problems(&format!(
        r#"{BACKEND}
<endpoint name="B1" template="Backend" uri="http://b.example/"><parameter name="timeuot" value="30"/></endpoint>
<proxy name="P"><target><endpoint template="Backend"><parameter name="timeout" value="5"/></endpoint><inSequence><drop/></inSequence></target></proxy>
<endpoint name="LB"><loadbalance><endpoint template="Backend" uri="http://a.example/"><parameter name="timeout" value="1"/></endpoint><endpoint template="Backend"><parameter name="timeout" value="1"/></endpoint></loadbalance></endpoint>"#
    ));
    assert_eq!(
        lines,
        [
            "all.xml:3:1: `<endpoint template>`: template `Backend` uses `$timeout`, which this endpoint does not give (a `<parameter name=\"timeout\">`), so MI would leave `$timeout` as written",
            "all.xml:3:31: `<parameter name>`: template `Backend` has no parameter `timeuot`; did you mean `timeout`?",
            "all.xml:4:25: `<endpoint template>`: template `Backend` uses `$uri`, which this endpoint does not give (a `uri` attribute), so MI would leave `$uri` as written",
            "all.xml:5:135: `<endpoint template>`: template `Backend` uses `$uri`, which this endpoint does not give (a `uri` attribute), so MI would leave `$uri` as written",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// An endpoint template's body, checked when read

#[test]
fn a_misspelt_element_in_an_endpoint_template_is_found_when_read() {
    assert_eq!(
        load_problems(
            r#"<template name="T">
  <endpoint name="$name"><addres uri="$uri"/></endpoint>
</template>"#
        ),
        [
            "all.xml:3:26: `<endpoint>`: unknown child element `<addres>` (expected `<address>`, `<http>`, `<default>`, `<loadbalance>`, `<failover>`, `<recipientlist>`, `<property>`, `<description>`, `<session>`, `<parameter>`); did you mean `address`?"
        ]
    );
}

#[test]
fn a_real_error_after_placeholders_is_found_at_its_place() {
    assert_eq!(
        load_problems(
            r#"<template name="T"><parameter name="t"/><parameter name="m"/>
  <endpoint name="$name"><http uri-template="$uri" method="$m"><timeout><duration>$t</duration></timeout><suspendOnFailure><progressionFactor>two</progressionFactor></suspendOnFailure></http></endpoint>
</template>"#
        ),
        [
            "all.xml:3:124: `<progressionFactor>`: `two` is not a number (expected a number ≥ 0 such as 2 or 1.5, or -1 for the default)"
        ]
    );
}

#[test]
fn placeholders_of_every_shape_pass() {
    let artifacts = loads(
        r#"<template name="T">
  <parameter name="method"/><parameter name="t"/><parameter name="action"/><parameter name="codes"/>
  <parameter name="factor"/><parameter name="retries"/><parameter name="format"/>
  <endpoint name="$name">
    <http uri-template="$uri" method="$method" format="$format">
      <timeout><duration>$t</duration><responseAction>$action</responseAction></timeout>
      <suspendOnFailure><errorCodes>$codes</errorCodes><progressionFactor>$factor</progressionFactor></suspendOnFailure>
      <markForSuspension><retriesBeforeSuspension>$retries</retriesBeforeSuspension></markForSuspension>
    </http>
  </endpoint>
</template>"#,
    );
    assert_eq!(artifacts.len(), 1);
}

#[test]
fn a_misspelt_placeholder_is_a_parameter_mi_would_not_substitute() {
    assert_eq!(
        load_problems(
            r#"<template name="T"><parameter name="timeout"/>
  <endpoint><address uri="$uri"><timeout><duration>$timout</duration></timeout></address></endpoint>
</template>"#
        ),
        [
            "all.xml:3:42: template `T`: `$timout` is not a parameter of the template, so MI leaves it as written; did you mean `$timeout`?"
        ]
    );
}

#[test]
fn an_undeclared_placeholder_the_endpoint_refuses_asks_for_a_declaration() {
    assert_eq!(
        load_problems(
            r#"<template name="T">
  <endpoint><address uri="$uri"><timeout><duration>$timeout</duration></timeout></address></endpoint>
</template>"#
        ),
        [
            "all.xml:3:42: template `T`: `$timeout` names no parameter of the template, so MI leaves it as written, which `<duration>` refuses; declare `<parameter name=\"timeout\"/>`"
        ]
    );
}

#[test]
fn an_undeclared_dollar_value_the_endpoint_accepts_is_left_alone() {
    // A literal that happens to start with `$` (a password) is not judged.
    loads(
        r#"<template name="T">
  <endpoint><http uri-template="$uri"><authentication><basicAuth><username>svc</username><password>$ecr3tPassw0rd</password></basicAuth></authentication></http></endpoint>
</template>"#,
    );
}

#[test]
fn a_placeholder_with_spaces_around_it_is_not_substituted() {
    assert_eq!(
        load_problems(
            r#"<template name="T"><parameter name="t"/>
  <endpoint><address uri="$uri"><timeout><duration> $t </duration></timeout></address></endpoint>
</template>"#
        ),
        [
            "all.xml:3:42: template `T`: `$t` has spaces around it, so MI does not substitute it (it replaces only a value that is exactly `$parameter`); remove the spaces"
        ]
    );
}

#[test]
fn a_broken_endpoint_template_is_not_reported_again_where_it_is_used() {
    let dir = std::env::temp_dir().join(format!("mediate-templates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, xml: &str| std::fs::write(dir.join(name), xml).expect("writes");
    write(
        "T.xml",
        &format!(r#"<template {NS} name="T"><endpoint><addres uri="$uri"/></endpoint></template>"#),
    );
    write(
        "s.xml",
        &format!(
            r#"<sequence {NS} name="s"><call><endpoint template="T" uri="http://b.example/"/></call></sequence>"#
        ),
    );
    let registry = mediate_mediators::builtins::registry();
    let result = mediate_config::load_dir(&dir, &registry);
    std::fs::remove_dir_all(&dir).ok();
    let lines: Vec<String> = match result {
        Ok(_) => panic!("the template is broken"),
        Err(d) => d.iter().map(ToString::to_string).collect(),
    };
    let file = dir.join("T.xml");
    assert_eq!(
        lines,
        [format!(
            "{}:1:70: `<endpoint>`: unknown child element `<addres>` (expected `<address>`, `<http>`, `<default>`, `<loadbalance>`, `<failover>`, `<recipientlist>`, `<property>`, `<description>`, `<session>`, `<parameter>`); did you mean `address`?",
            file.display()
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// trace and statistics

#[test]
fn trace_and_statistics_of_a_template_are_written_back() {
    let artifacts = loads(
        r#"<template name="T" trace="enable" statistics="disable"><parameter name="p"/><sequence><log/></sequence></template>"#,
    );
    let [ArtifactConfig::Template(t)] = &artifacts[..] else {
        panic!("one template: {artifacts:?}")
    };
    assert_eq!(t.trace.as_deref(), Some("enable"));
    assert_eq!(t.statistics.as_deref(), Some("disable"));
    let spec = t.to_spec();
    assert_eq!(spec.get("trace"), Some("enable"));
    assert_eq!(spec.get("statistics"), Some("disable"));
    let xml = artifacts[0].to_xml().expect("writes");
    let again = load_str(
        &xml,
        Path::new("t.xml"),
        &mediate_mediators::builtins::registry(),
    )
    .expect("reads back");
    assert_eq!(again, artifacts);
}
