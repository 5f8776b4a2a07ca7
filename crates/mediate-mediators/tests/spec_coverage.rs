//! Every attribute and child element MI accepts on each built-in mediator builds, and anything
//! else is refused with a message naming what the element takes and the closest name.
//!
//! Sources: Synapse's `config/xml/*MediatorFactory.java` (the attributes and children each
//! factory reads), `AbstractMediatorFactory` (`description` attribute and `<description>` child
//! on every mediator), `processAuditStatus` (`trace`, `statistics`: `enable`/`disable`),
//! `AbstractListMediatorFactory.addChildren` (a `<description>` is skipped where mediators are
//! listed), `MediatorPropertyFactory` (`<property name value expression scope>` of a log), and the
//! MI language server's 4.4 schemas (`log.xsd`, `property.xsd`, `payload.xsd`, `enrich.xsd`,
//! `filter.xsd`, `header.xsd`, `fault.xsd`, `common.xsd`).

use mediate_core::expr::Namespaces;
use mediate_core::{Env, Flow, MediatorSpec, MessageContext, Registry};
use mediate_mediators::builtins;

fn registry() -> Registry {
    builtins::registry()
}

fn builds(spec: &MediatorSpec) {
    if let Err(e) = registry().build(spec) {
        panic!("{spec:?} was refused: {e}");
    }
}

fn refused(spec: &MediatorSpec) -> String {
    match registry().build(spec) {
        Ok(m) => panic!("{spec:?} was accepted: {m:?}"),
        Err(e) => e.to_string(),
    }
}

/// The common attributes and child of every mediator element.
fn common(spec: MediatorSpec) -> MediatorSpec {
    spec.property("description", "short description")
        .property("trace", "enable")
        .property("statistics", "disable")
        .child(MediatorSpec::new("description").text("long description"))
}

fn ns(pairs: &[(&str, &str)]) -> Namespaces {
    let mut n = Namespaces::new();
    for (p, u) in pairs {
        n.insert(*p, *u);
    }
    n
}

fn drop_() -> MediatorSpec {
    MediatorSpec::new("drop")
}

fn prop(name: &str, value: &str) -> MediatorSpec {
    MediatorSpec::new("property")
        .property("name", name)
        .property("value", value)
}

// ---------------------------------------------------------------------------------------------
// log: LogMediatorFactory (level, category, separator) + MI 4.4 (logMessageID, logFullPayload,
// <message>) + MediatorPropertyFactory (<property name value|expression scope>).

#[test]
fn log_takes_every_mi_attribute_and_child() {
    builds(
        &common(MediatorSpec::new("log"))
            .property("level", "full")
            .property("category", "warn")
            .property("separator", " | ")
            .property("logMessageID", "true")
            .property("logFullPayload", "false")
            .child(MediatorSpec::new("message").text("order ${payload.id}"))
            .child(
                MediatorSpec::new("property")
                    .property("name", "a")
                    .property("value", "1")
                    .property("scope", "axis2"),
            )
            .child(
                MediatorSpec::new("property")
                    .property("name", "b")
                    .property("expression", "get-property('x')")
                    .property("scope", "axis2-client"),
            ),
    );
    for scope in ["default", "transport", "axis2", "axis2-client"] {
        builds(
            &MediatorSpec::new("log").child(
                MediatorSpec::new("property")
                    .property("name", "a")
                    .property("value", "1")
                    .property("scope", scope),
            ),
        );
    }
}

#[test]
fn log_refusals() {
    assert_eq!(
        refused(&MediatorSpec::new("log").property("categry", "WARN")),
        "`<log>`: unknown attribute \
         `categry` (expected `level`, `category`, `separator`, `logMessageID`, \
         `logFullPayload`, `description`, `trace`, `statistics`); did you mean `category`?"
    );
    assert_eq!(
        refused(&MediatorSpec::new("log").child(MediatorSpec::new("mesage"))),
        "mediator `log`: unknown child element `<mesage>` (expected `<message>`, \
         `<property>`, `<description>`); did you mean `<message>`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("log").child(
                MediatorSpec::new("property")
                    .property("name", "a")
                    .property("valu", "1")
            )
        ),
        "`<property>`: unknown attribute `valu` \
         (expected `name`, `value`, `expression`, `scope`); did you mean `value`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("log").child(
                MediatorSpec::new("property")
                    .property("name", "a")
                    .property("value", "1")
                    .property("scope", "registry")
            )
        ),
        "mediator `property`: invalid value `registry` for property `scope`: Only 'axis2' or \
         'transport' or 'axis2-client' values are allowed for attribute scope for a property, \
         Unsupported scope registry"
    );
    // A name far from every known one gets no suggestion.
    assert_eq!(
        refused(&MediatorSpec::new("log").property("colour", "red")),
        "`<log>`: unknown attribute `colour` \
         (expected `level`, `category`, `separator`, `logMessageID`, `logFullPayload`, \
         `description`, `trace`, `statistics`)"
    );
}

// The common attributes: `trace` and `statistics` are `enable` or `disable` (common.xsd's
// `enableDisable`).
#[test]
fn trace_and_statistics_are_enable_or_disable() {
    for value in ["enable", "disable"] {
        builds(
            &drop_()
                .property("trace", value)
                .property("statistics", value),
        );
    }
    assert_eq!(
        refused(&drop_().property("trace", "true")),
        "mediator `drop`: invalid value `true` for property `trace`: expected `enable` or \
         `disable`"
    );
    assert_eq!(
        refused(&drop_().property("statistics", "on")),
        "mediator `drop`: invalid value `on` for property `statistics`: expected `enable` or \
         `disable`"
    );
    assert_eq!(
        refused(&drop_().property("statistic", "enable")),
        "`<drop>`: unknown attribute \
         `statistic` (expected `description`, `trace`, `statistics`); did you mean \
         `statistics`?"
    );
}

// ---------------------------------------------------------------------------------------------
// property: PropertyMediatorFactory (name, value | expression | inline element, action, scope,
// type, pattern, group).

#[test]
fn property_takes_every_mi_attribute_and_child() {
    builds(
        &common(MediatorSpec::new("property"))
            .property("name", "p")
            .property("action", "set")
            .property("value", "abc-12")
            .property("type", "STRING")
            .property("scope", "default")
            .property("pattern", "([a-z]+)-([0-9]+)")
            .property("group", "2"),
    );
    builds(
        &common(MediatorSpec::new("property"))
            .property("name", "p")
            .property("expression", "get-property('x')")
            .property("type", "INTEGER")
            .property("scope", "axis2"),
    );
    // The inline element form: MI takes the first child element as the value.
    builds(
        &MediatorSpec::new("property")
            .property("name", "p")
            .property("type", "OM")
            .property("description", "d")
            .child(MediatorSpec::new("a"))
            .text("<a xmlns=\"urn:x\">1</a>"),
    );
    builds(
        &common(MediatorSpec::new("property"))
            .property("name", "p")
            .property("action", "remove")
            .property("scope", "transport"),
    );
    for scope in ["default", "transport", "axis2", "axis2-client", "operation"] {
        builds(&prop("p", "v").property("scope", scope));
    }
}

#[test]
fn property_refusals() {
    assert_eq!(
        refused(&prop("p", "v").property("scop", "axis2")),
        "`<property>`: unknown attribute \
         `scop` (expected `name`, `value`, `expression`, `action`, `scope`, `type`, `pattern`, \
         `group`, `description`, `trace`, `statistics`); did you mean `scope`?"
    );
    for scope in ["registry", "system", "trace", "analytics"] {
        assert_eq!(
            refused(&prop("p", "v").property("scope", scope)),
            format!(
                "mediator `property`: invalid value `{scope}` for property `scope`: scope \
                 `{scope}` is not supported yet (supported: default, transport, axis2, \
                 axis2-client, operation)"
            )
        );
    }
    assert_eq!(
        refused(&prop("p", "v").property("scope", "transprt")),
        "mediator `property`: invalid value `transprt` for property `scope`: unknown scope \
         `transprt` (expected default, transport, axis2, axis2-client, operation, registry, \
         system, trace or analytics); did you mean `transport`?"
    );
    assert_eq!(
        refused(&prop("{get-property('n')}", "v")),
        "mediator `property`: invalid value `{get-property('n')}` for property `name`: dynamic \
         property names (`{expression}`) are not supported yet"
    );
}

// ---------------------------------------------------------------------------------------------
// variable: VariableMediatorFactory (name, value | expression, action, type).

#[test]
fn variable_takes_every_mi_attribute_and_child() {
    builds(
        &common(MediatorSpec::new("variable"))
            .property("name", "v")
            .property("action", "set")
            .property("value", "12")
            .property("type", "INTEGER"),
    );
    builds(
        &common(MediatorSpec::new("variable"))
            .property("name", "v")
            .property("expression", "${payload.a}")
            .property("type", "JSON"),
    );
    builds(
        &common(MediatorSpec::new("variable"))
            .property("name", "v")
            .property("action", "remove"),
    );
}

#[test]
fn variable_refusals() {
    assert_eq!(
        refused(
            &MediatorSpec::new("variable")
                .property("name", "v")
                .property("value", "1")
                .property("tpye", "STRING")
        ),
        "`<variable>`: unknown attribute \
         `tpye` (expected `name`, `value`, `expression`, `type`, `action`, `description`, \
         `trace`, `statistics`); did you mean `type`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("variable")
                .property("name", "v")
                .child(MediatorSpec::new("value"))
        ),
        "mediator `variable`: unknown child element `<value>` (`<variable>` takes only a \
         `<description>` child: its value is given by `value` or `expression`, not by content)"
    );
}

// ---------------------------------------------------------------------------------------------
// filter: FilterMediatorFactory (xpath | source + regex; <then sequence?>, <else sequence?>, or
// mediators directly: the short form).

#[tokio::test(flavor = "current_thread")]
async fn filter_takes_every_mi_attribute_and_child() {
    // source + regex, a keyed then, an inline else with a description among its mediators.
    builds(
        &common(MediatorSpec::new("filter"))
            .property("source", "get-property('tier')")
            .property("regex", "gold|plat.*")
            .child(MediatorSpec::new("then").property("sequence", "vip"))
            .child(
                MediatorSpec::new("else")
                    .child(MediatorSpec::new("description").text("not a mediator"))
                    .child(prop("else", "ran")),
            ),
    );
    // A keyed branch may carry a description.
    builds(
        &MediatorSpec::new("filter")
            .property("xpath", "true()")
            .child(
                MediatorSpec::new("then")
                    .property("sequence", "vip")
                    .child(MediatorSpec::new("description").text("d")),
            ),
    );
    // The short form: a <description> next to the mediators is skipped, not built.
    let filter = registry()
        .build(
            &common(MediatorSpec::new("filter"))
                .property("xpath", "get-property('x') = 'y'")
                .child(prop("then", "ran")),
        )
        .expect("builds");
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("x", "y");
    let flow = filter
        .mediate(&mut msg, &Env::default())
        .await
        .expect("mediates");
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        msg.property("then").map(|v| v.as_string()).as_deref(),
        Some("ran")
    );
}

#[test]
fn filter_refusals() {
    let f = || MediatorSpec::new("filter").property("xpath", "true()");
    assert_eq!(
        refused(&MediatorSpec::new("filter").property("xpth", "true()")),
        "`<filter>`: unknown attribute \
         `xpth` (expected `xpath`, `source`, `regex`, `description`, `trace`, `statistics`); \
         did you mean `xpath`?"
    );
    assert_eq!(
        refused(
            &f().child(MediatorSpec::new("then"))
                .child(MediatorSpec::new("otherwise"))
        ),
        "mediator `filter`: unknown child element `<otherwise>` (expected `<then>`, `<else>`, \
         `<description>`)"
    );
    assert_eq!(
        refused(
            &f().child(MediatorSpec::new("then"))
                .child(MediatorSpec::new("els"))
        ),
        "mediator `filter`: unknown child element `<els>` (expected `<then>`, `<else>`, \
         `<description>`); did you mean `<else>`?"
    );
    // The short form takes mediators: a misspelt branch is named as such.
    assert_eq!(
        refused(&f().child(MediatorSpec::new("thne").child(drop_()))),
        "mediator `filter`: unknown child element `<thne>` (neither a mediator nor a branch); \
         did you mean `<then>`?"
    );
    assert_eq!(
        refused(&f().child(MediatorSpec::new("then").property("sequnce", "s"))),
        "`<then>`: unknown attribute `sequnce` \
         (expected `sequence`); did you mean `sequence`?"
    );
}

// ---------------------------------------------------------------------------------------------
// switch: SwitchMediatorFactory (source; <case regex>*, <default>?).

#[tokio::test(flavor = "current_thread")]
async fn switch_takes_every_mi_attribute_and_child() {
    let switch = registry()
        .build(
            &common(MediatorSpec::new("switch"))
                .property("source", "get-property('tier')")
                .child(
                    MediatorSpec::new("case")
                        .property("regex", "gold")
                        .child(MediatorSpec::new("description").text("gold customers"))
                        .child(prop("case", "gold")),
                )
                .child(
                    MediatorSpec::new("default")
                        .child(MediatorSpec::new("description").text("others"))
                        .child(prop("case", "default")),
                ),
        )
        .expect("builds");
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("tier", "gold");
    let flow = switch
        .mediate(&mut msg, &Env::default())
        .await
        .expect("mediates");
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        msg.property("case").map(|v| v.as_string()).as_deref(),
        Some("gold")
    );
    let mut msg = MessageContext::from_json("{}");
    let flow = switch
        .mediate(&mut msg, &Env::default())
        .await
        .expect("mediates");
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        msg.property("case").map(|v| v.as_string()).as_deref(),
        Some("default")
    );
}

#[test]
fn switch_refusals() {
    let sw = || MediatorSpec::new("switch").property("source", "get-property('x')");
    assert_eq!(
        refused(&sw().child(MediatorSpec::new("cas").property("regex", "a"))),
        "mediator `switch`: unknown child element `<cas>` (expected `<case>`, `<default>`, \
         `<description>`); did you mean `<case>`?"
    );
    assert_eq!(
        refused(&sw().child(MediatorSpec::new("case").property("regx", "a"))),
        "`<case>`: unknown attribute `regx` \
         (expected `regex`); did you mean `regex`?"
    );
    assert_eq!(
        refused(&sw().child(MediatorSpec::new("default").property("regex", "a"))),
        "`<default>`: unknown attribute `regex` \
         (`<default>` takes no attributes)"
    );
    assert_eq!(
        refused(&MediatorSpec::new("switch").property("sourse", "x")),
        "`<switch>`: unknown attribute \
         `sourse` (expected `source`, `description`, `trace`, `statistics`); did you mean \
         `source`?"
    );
}

// ---------------------------------------------------------------------------------------------
// payloadFactory: PayloadFactoryMediatorFactory (media-type, template-type, escapeXmlChars;
// <format key?>, <args><arg value|expression evaluator literal deepCheck/></args>).

#[test]
fn payload_factory_takes_every_mi_attribute_and_child() {
    builds(
        &common(MediatorSpec::new("payloadFactory"))
            .property("media-type", "json")
            .property("template-type", "default")
            .property("escapeXmlChars", "true")
            .child(MediatorSpec::new("format").text(r#"{"a":"$1","b":$2,"c":"$3"}"#))
            .child(
                MediatorSpec::new("args")
                    .child(
                        MediatorSpec::new("arg")
                            .property("value", "x")
                            .property("literal", "true"),
                    )
                    .child(
                        MediatorSpec::new("arg")
                            .property("expression", "$.b")
                            .property("evaluator", "json")
                            .property("deepCheck", "false"),
                    )
                    .child(
                        MediatorSpec::new("arg")
                            .property("expression", "//c")
                            .property("evaluator", "xml")
                            .property("literal", "false"),
                    ),
            ),
    );
    builds(
        &common(MediatorSpec::new("payloadFactory"))
            .property("media-type", "xml")
            .property("template-type", "freemarker")
            .child(MediatorSpec::new("format").property("key", "conf:/pf.ftl")),
    );
}

#[test]
fn payload_factory_refusals() {
    let pf = || {
        MediatorSpec::new("payloadFactory")
            .property("media-type", "json")
            .child(MediatorSpec::new("format").text("{}"))
    };
    assert_eq!(
        refused(&pf().property("mediatype", "json")),
        "`<payloadFactory>`: unknown attribute `mediatype` (expected `media-type`, `template-type`, `escapeXmlChars`, \
         `description`, `trace`, `statistics`); did you mean `media-type`?"
    );
    assert_eq!(
        refused(&pf().child(MediatorSpec::new("arg"))),
        "mediator `payloadFactory`: unknown child element `<arg>` (expected `<format>`, \
         `<args>`, `<description>`); did you mean `<args>`?"
    );
    assert_eq!(
        refused(&pf().child(MediatorSpec::new("args").child(MediatorSpec::new("argument")))),
        "mediator `args`: unknown child element `<argument>` (expected `<arg>`)"
    );
    assert_eq!(
        refused(&pf().child(
            MediatorSpec::new("args").child(MediatorSpec::new("arg").property("literall", "true"))
        )),
        "`<arg>`: unknown attribute \
         `literall` (expected `value`, `expression`, `evaluator`, `literal`, `deepCheck`); did \
         you mean `literal`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("payloadFactory")
                .child(MediatorSpec::new("format").property("kye", "k"))
        ),
        "`<format>`: unknown attribute `kye` \
         (expected `key`); did you mean `key`?"
    );
}

// ---------------------------------------------------------------------------------------------
// enrich: EnrichMediatorFactory (<source clone type xpath property key | inline>,
// <target action type xpath property>).

#[test]
fn enrich_takes_every_mi_attribute_and_child() {
    let enrich = |source: MediatorSpec, target: MediatorSpec| {
        common(MediatorSpec::new("enrich"))
            .child(source)
            .child(target)
    };
    builds(&enrich(
        MediatorSpec::new("source")
            .property("clone", "false")
            .property("type", "custom")
            .property("xpath", "//a"),
        MediatorSpec::new("target")
            .property("action", "child")
            .property("type", "custom")
            .property("xpath", "//b"),
    ));
    builds(&enrich(
        MediatorSpec::new("source")
            .property("type", "property")
            .property("property", "p"),
        MediatorSpec::new("target")
            .property("action", "replace")
            .property("type", "property")
            .property("property", "q"),
    ));
    builds(&enrich(
        MediatorSpec::new("source")
            .property("type", "inline")
            .property("key", "conf:/fragment.xml"),
        MediatorSpec::new("target").property("type", "body"),
    ));
    builds(&enrich(
        MediatorSpec::new("source")
            .property("type", "inline")
            .property("clone", "true")
            .child(MediatorSpec::new("a"))
            .text("<a xmlns=\"urn:x\">1</a>"),
        MediatorSpec::new("target")
            .property("action", "sibling")
            .property("xpath", "//b"),
    ));
    builds(&enrich(
        MediatorSpec::new("source").property("type", "envelope"),
        MediatorSpec::new("target")
            .property("type", "property")
            .property("property", "env"),
    ));
    builds(&enrich(
        MediatorSpec::new("source")
            .property("type", "property")
            .property("property", "k"),
        MediatorSpec::new("target")
            .property("type", "key")
            .property("xpath", "json-eval($.a)"),
    ));
}

#[test]
fn enrich_refusals() {
    let source = || MediatorSpec::new("source").property("type", "body");
    let target = || {
        MediatorSpec::new("target")
            .property("type", "property")
            .property("property", "p")
    };
    assert_eq!(
        refused(
            &MediatorSpec::new("enrich")
                .child(source())
                .child(target())
                .child(MediatorSpec::new("targett"))
        ),
        "mediator `enrich`: unknown child element `<targett>` (expected `<source>`, `<target>`, \
         `<description>`); did you mean `<target>`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("enrich")
                .child(source().property("clon", "true"))
                .child(target())
        ),
        "`<source>`: unknown attribute `clon` \
         (expected `clone`, `type`, `xpath`, `property`, `key`); did you mean `clone`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("enrich")
                .child(source())
                .child(target().property("acton", "child"))
        ),
        "`<target>`: unknown attribute \
         `acton` (expected `action`, `type`, `xpath`, `property`); did you mean `action`?"
    );
    assert_eq!(
        refused(
            &MediatorSpec::new("enrich")
                .child(source())
                .child(target().child(MediatorSpec::new("a")))
        ),
        "mediator `target`: unknown child element `<a>` (`<target>` takes no children)"
    );
}

// ---------------------------------------------------------------------------------------------
// header: HeaderMediatorFactory (name, value | expression | inline XML, action, scope).

#[test]
fn header_takes_every_mi_attribute_and_child() {
    let m = ns(&[("m", "urn:m")]);
    builds(
        &common(MediatorSpec::new("header"))
            .property("name", "m:Trace")
            .property("value", "1")
            .property("action", "set")
            .property("scope", "default")
            .text("<description xmlns=\"http://ws.apache.org/ns/synapse\">long description</description>")
            .namespaces(m.clone()),
    );
    builds(
        &common(MediatorSpec::new("header"))
            .property("name", "X-Id")
            .property("expression", "get-property('id')")
            .property("scope", "transport"),
    );
    builds(
        &common(MediatorSpec::new("header"))
            .property("name", "m:Trace")
            .property("action", "remove")
            .namespaces(m),
    );
    // Without a name, the content is the header blocks.
    builds(
        &MediatorSpec::new("header")
            .property("description", "inline")
            .child(MediatorSpec::new("{urn:m}Trace"))
            .text("<m:Trace xmlns:m=\"urn:m\">1</m:Trace>"),
    );
}

#[test]
fn header_refusals() {
    assert_eq!(
        refused(
            &MediatorSpec::new("header")
                .property("name", "X-Id")
                .property("value", "1")
                .property("scop", "transport")
        ),
        "`<header>`: unknown attribute \
         `scop` (expected `name`, `value`, `expression`, `action`, `scope`, `description`, \
         `trace`, `statistics`); did you mean `scope`?"
    );
}

// ---------------------------------------------------------------------------------------------
// makefault: FaultMediatorFactory (version, response; <code value|expression>,
// <reason value|expression>, <node>, <role>, <detail expression? | content>).

#[test]
fn makefault_takes_every_mi_attribute_and_child() {
    let soap12 = ns(&[("soap12Env", "http://www.w3.org/2003/05/soap-envelope")]);
    builds(
        &common(MediatorSpec::new("makefault"))
            .property("version", "soap12")
            .property("response", "false")
            .namespaces(soap12.clone())
            .child(MediatorSpec::new("code").property("value", "soap12Env:Receiver"))
            .child(MediatorSpec::new("reason").property("expression", "get-property('why')"))
            .child(MediatorSpec::new("node").text("http://node"))
            .child(MediatorSpec::new("role").text("http://role"))
            .child(MediatorSpec::new("detail").property("expression", "//detail")),
    );
    builds(
        &common(MediatorSpec::new("makefault"))
            .property("version", "soap11")
            .property("response", "true")
            .child(MediatorSpec::new("code").property("expression", "get-property('code')"))
            .child(MediatorSpec::new("reason").property("value", "broken"))
            .child(MediatorSpec::new("detail").text("some detail")),
    );
    builds(
        &common(MediatorSpec::new("makefault"))
            .property("version", "pox")
            .child(MediatorSpec::new("detail").text("oops")),
    );
}

#[test]
fn makefault_refusals() {
    let mf = || {
        MediatorSpec::new("makefault")
            .property("version", "pox")
            .child(MediatorSpec::new("reason").property("value", "r"))
    };
    assert_eq!(
        refused(&mf().child(MediatorSpec::new("reasons"))),
        "mediator `makefault`: unknown child element `<reasons>` (expected `<code>`, \
         `<reason>`, `<node>`, `<role>`, `<detail>`, `<description>`); did you mean `<reason>`?"
    );
    assert_eq!(
        refused(&mf().property("versoin", "pox")),
        "`<makefault>`: unknown attribute \
         `versoin` (expected `version`, `response`, `description`, `trace`, `statistics`); did \
         you mean `version`?"
    );
    assert_eq!(
        refused(&mf().child(MediatorSpec::new("detail").property("expresion", "//a"))),
        "`<detail>`: unknown attribute \
         `expresion` (expected `expression`); did you mean `expression`?"
    );
}

// ---------------------------------------------------------------------------------------------
// respond, drop, loopback: no attributes or children of their own.

#[test]
fn empty_mediators_take_the_common_attributes_and_description() {
    for kind in ["respond", "drop", "loopback"] {
        builds(&common(MediatorSpec::new(kind)));
    }
}

#[test]
fn empty_mediator_refusals() {
    assert_eq!(
        refused(&MediatorSpec::new("respond").property("descripton", "x")),
        "`<respond>`: unknown attribute \
         `descripton` (expected `description`, `trace`, `statistics`); did you mean \
         `description`?"
    );
    assert_eq!(
        refused(&MediatorSpec::new("loopback").child(MediatorSpec::new("log"))),
        "mediator `loopback`: unknown child element `<log>` (`<loopback>` takes no children \
         but `<description>`)"
    );
}

// ---------------------------------------------------------------------------------------------
// sequence (reference form): SequenceMediatorFactory (key; onError refused with a key).

#[test]
fn sequence_reference_takes_every_mi_attribute_and_child() {
    builds(&common(MediatorSpec::new("sequence")).property("key", "audit"));
    builds(&common(MediatorSpec::new("sequence")).property("key", "{get-property('seq')}"));
}

#[test]
fn sequence_reference_refusals() {
    assert_eq!(
        refused(
            &MediatorSpec::new("sequence")
                .property("key", "a")
                .property("onError", "fault")
        ),
        "mediator `sequence`: invalid value `fault` for property `onError`: A sequence \
         mediator with a reference to another sequence can not have 'ErrorHandler'"
    );
    assert_eq!(
        refused(&MediatorSpec::new("sequence").property("name", "inline")),
        "mediator `sequence`: invalid value `inline` for property `name`: unknown attribute \
         `name` for a sequence reference (expected `key`, `description`, `trace`, \
         `statistics`): a named sequence defined inside a mediator list is not supported yet; \
         deploy it as its own `<sequence name>` and refer to it with `<sequence key>`"
    );
    assert_eq!(
        refused(&MediatorSpec::new("sequence").property("kye", "a")),
        "`<sequence>`: unknown attribute `kye` \
         (expected `key`, `description`, `trace`, `statistics`); did you mean `key`?"
    );
}
