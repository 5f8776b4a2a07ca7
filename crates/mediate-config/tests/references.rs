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
        ["all.xml:2:43: `<sequence key>`: no sequence named `OrderFlw` is defined; did you mean `OrderFlow`?"]
    );
}

#[test]
fn a_key_naming_another_kind_says_what_it_is() {
    assert_eq!(
        problems(
            r#"<sequence name="main2"><sequence key="Greeting"/></sequence>
<localEntry key="Greeting">Hello</localEntry>"#
        ),
        ["all.xml:2:39: `<sequence key>`: `Greeting` is a local entry, not a sequence (defined at all.xml:3:1)"]
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
            "all.xml:3:76: `<call-template target>`: no template named `Tmpl` is defined",
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
        ["all.xml:2:72: `<sequence key>`: no sequence named `Audt` is defined; did you mean `Audit`?"]
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
