//! Checks across artifacts: keys that name nothing, or name an artifact of another kind.

use std::path::Path;

use mediate_config::{Configuration, load_str};

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

/// The cross-artifact problems of one `<definitions>` file.
fn problems(body: &str) -> Vec<String> {
    let registry = mediate_mediators::builtins::registry();
    let xml = format!("<definitions {NS}>\n{body}\n</definitions>");
    let artifacts = match load_str(&xml, Path::new("all.xml"), &registry) {
        Ok(a) => a,
        Err(d) => panic!("each artifact is valid on its own:\n{d}"),
    };
    Configuration::new(artifacts)
        .check()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_sequence_key_that_names_nothing_suggests_the_closest() {
    assert_eq!(
        problems(
            r#"<sequence name="OrderFlow"><sequence key="OrderFlw"/></sequence>
<sequence name="Audit"><log/></sequence>"#
        ),
        [
            "all.xml:2:43: `<sequence key>`: no sequence named `OrderFlw` is defined; did you mean `OrderFlow`?"
        ]
    );
}

#[test]
fn a_key_naming_another_kind_says_what_it_is() {
    assert_eq!(
        problems(
            r#"<sequence name="main2"><sequence key="Greeting"/></sequence>
<localEntry key="Greeting">Hello</localEntry>"#
        ),
        [
            "all.xml:2:39: `<sequence key>`: `Greeting` is a local entry, not a sequence (defined at all.xml:3:1)"
        ]
    );
}

#[test]
fn on_error_filter_branches_templates_and_formats_are_checked() {
    let lines = problems(
        r#"<sequence name="s" onError="Oops">
  <filter xpath="//a"><then sequence="Then1"/><else><call-template target="Tmpl"/></else></filter>
  <payloadFactory media-type="xml"><format key="Fmt"/><args/></payloadFactory>
</sequence>"#,
    );
    assert_eq!(
        lines,
        [
            "all.xml:2:1: `<sequence onError>`: no sequence named `Oops` is defined",
            "all.xml:3:39: `<then sequence>`: no sequence named `Then1` is defined",
            "all.xml:3:76: `<call-template target>`: no sequence template named `Tmpl` is defined",
            "all.xml:4:49: `<format key>`: no local entry or registry resource named `Fmt` is defined",
        ]
    );
}

#[test]
fn dynamic_keys_and_built_in_sequences_are_not_errors() {
    assert!(
        problems(
            r#"<sequence name="s" onError="fault">
  <sequence key="{get-property('next')}"/>
  <sequence key="main"/>
</sequence>"#
        )
        .is_empty()
    );
}

#[test]
fn references_resolve_inside_templates_and_across_artifacts() {
    assert!(
        problems(
            r#"<template name="Greet"><parameter name="who"/><sequence><sequence key="Audit"/></sequence></template>
<sequence name="Audit"><log/></sequence>
<sequence name="s"><call-template target="Greet"><with-param name="who" value="me"/></call-template></sequence>"#
        )
        .is_empty()
    );
    assert_eq!(
        problems(
            r#"<template name="Greet"><parameter name="who"/><sequence><sequence key="Audt"/></sequence></template>
<sequence name="Audit"><log/></sequence>"#
        ),
        [
            "all.xml:2:72: `<sequence key>`: no sequence named `Audt` is defined; did you mean `Audit`?"
        ]
    );
}

#[test]
fn duplicate_names_share_one_key_space_but_apis_have_their_own() {
    assert_eq!(
        problems(
            r#"<sequence name="Orders"><log/></sequence>
<localEntry key="Orders">x</localEntry>"#
        ),
        ["all.xml:3:1: duplicate name `Orders`: a sequence of that name is defined at all.xml:2:1"]
    );
}

#[test]
fn two_versions_of_one_api_are_not_duplicates() {
    let api = |v: &str| {
        format!(
            r#"<api name="Orders" context="/orders" version="{v}" version-type="url"><resource methods="GET" uri-template="/x"><inSequence><respond/></inSequence></resource></api>"#
        )
    };
    assert!(problems(&format!("{}\n{}", api("1.0.0"), api("2.0.0"))).is_empty());
    let lines = problems(&format!("{}\n{}", api("1.0.0"), api("1.0.0")));
    assert_eq!(
        lines,
        [
            "all.xml:3:1: API `Orders`: context `/orders` version `1.0.0` is already used by API `Orders` at all.xml:2:1",
            "all.xml:3:1: duplicate name `Orders`: an API of that name and version is defined at all.xml:2:1",
        ]
    );
}

#[test]
fn registry_keys_match_in_their_normal_forms() {
    // Registry resources are deployed under `conf:/…` / `gov:/…` keys: here, written as local
    // entries of those keys.
    let lines = problems(
        r#"<localEntry key="conf:/templates/order.json">{"a":1}</localEntry>
<localEntry key="gov:/templates/quote.json">{"b":2}</localEntry>
<sequence name="s">
  <payloadFactory media-type="json"><format key="conf:templates/order.json"/><args/></payloadFactory>
  <payloadFactory media-type="json"><format key="templates/quote.json"/><args/></payloadFactory>
  <payloadFactory media-type="json"><format key="conf:/templates/missing.json"/><args/></payloadFactory>
</sequence>"#,
    );
    assert_eq!(
        lines,
        [
            "all.xml:7:50: `<format key>`: no local entry or registry resource named `conf:/templates/missing.json` is defined; did you mean `conf:/templates/order.json`?"
        ]
    );
}
