//! Every built-in mediator, built through `builtins::registry()` from the Synapse XML shapes
//! MI's mediator reference pages show, held to the `Mediator` contract by
//! `mediate_test::compliance`: no panic, finishes, errors carry a message, and a mediator that
//! says `reads_body() == false` (Synapse's `isContentAware() == false`) leaves the payload
//! bytes and content type alone and never reads them (no JSON view built, no JSON scan; the
//! kit cannot see the XML views yet).
//!
//! Each spec also pins what `reads_body()` answers, from MI's classification of the mediator
//! ("content aware", "conditionally content aware", "content unaware" on its reference page).

use mediate_core::{Env, MediatorSpec, Namespaces, Sequence, Template, TemplateParameter};
use mediate_mediators::builtins;
use mediate_test::compliance::{Case, Checker, Report, Rule, corpus};
use mediate_test::{Probe, Recorder, TestMessage};

/// `<name a="v"/>`.
fn el(kind: &str, attrs: &[(&str, &str)]) -> MediatorSpec {
    attrs
        .iter()
        .fold(MediatorSpec::new(kind), |s, (n, v)| s.property(*n, *v))
}

fn ns(pairs: &[(&str, &str)]) -> Namespaces {
    let mut n = Namespaces::new();
    for (p, u) in pairs {
        n.insert(*p, *u);
    }
    n
}

/// Puts the prefixes in scope on `spec` on every element under it too, as the Synapse XML
/// loader does (each spec carries the prefixes in scope at its element; a child's own
/// declarations win).
fn in_scope(mut spec: MediatorSpec) -> MediatorSpec {
    let outer = spec.namespaces.clone();
    spec.children = spec
        .children
        .into_iter()
        .map(|mut child| {
            let own = std::mem::replace(&mut child.namespaces, outer.clone());
            for (p, u) in own.iter() {
                child.namespaces.insert(p, u);
            }
            in_scope(child)
        })
        .collect();
    spec
}

/// The sequence template the call-template specs run: `message` (mandatory) and `who`
/// (default `world`) copied into properties and logged, reading no body.
fn greet_template() -> Template {
    let registry = builtins::registry();
    let body = [
        el(
            "property",
            &[("name", "greeting"), ("expression", "$func:message")],
        ),
        el(
            "property",
            &[
                ("name", "who"),
                ("expression", "get-property('func', 'who')"),
            ],
        ),
        el("log", &[("level", "custom")]).child(el(
            "property",
            &[
                ("name", "GREETING_MESSAGE"),
                ("expression", "$func:message"),
            ],
        )),
    ];
    let mediators = registry.build_all(&body).expect("the template body builds");
    Template::new(
        "Greet",
        vec![
            TemplateParameter::new("message").mandatory(),
            TemplateParameter::new("who").default_value("world"),
        ],
        Sequence::new(Some("Greet".to_owned()), mediators),
    )
}

/// The environment the specs run in: the sequences, templates and local entries they name.
fn env() -> Env {
    Env::builder()
        .template("Greet", greet_template())
        .sequence("audit", Sequence::named("audit").then(Probe::new("audit")))
        .sequence("fault", Sequence::named("fault").then(Recorder::new()))
        .sequence(
            "sequence1",
            Sequence::named("sequence1").then(Probe::new("s1")),
        )
        .local_entry("pf-format", "<greeting><to>$1</to></greeting>")
        .local_entry("enrich-inline", "<extra xmlns=\"\">from-entry</extra>")
        .build()
}

/// The standard corpus, plus a JSON message whose property, variable and payload name the
/// deployed `audit` sequence (so dynamic sequence keys find one), in [`env`].
fn checker() -> Checker {
    Checker::new().env(env()).case(Case::new(
        "routed-json",
        TestMessage::json(r#"{"order":{"id":1,"seq":"audit","items":[]}}"#)
            .property("route", "audit")
            .variable("seq", "audit"),
    ))
}

/// Builds each spec through the registry, checks it over the standard corpus in [`env`] and
/// checks the `reads_body()` each spec is expected to answer; fails with every report that
/// broke a rule (or did not build) and every `reads_body()` that differs.
#[track_caller]
fn assert_all_compliant(specs: &[(MediatorSpec, bool)]) {
    let registry = builtins::registry();
    let checker = checker();
    let mut failures = Vec::new();
    for (spec, reads_body) in specs {
        let spec = &in_scope(spec.clone());
        let report: Report = checker.check_factory(&registry, spec);
        if !report.is_compliant() {
            failures.push(format!("{}\n  {}", show(spec), summary(&report)));
        }
        if let Ok(m) = registry.build(spec)
            && m.reads_body() != *reads_body
        {
            failures.push(format!(
                "{}\n  reads_body() is {}, expected {reads_body}",
                show(spec),
                m.reads_body()
            ));
        }
        if report.is_compliant() {
            assert_eq!(report.cases.len(), corpus().len() + 1, "the corpus ran");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The spec as the Synapse XML it stands for (attributes, children, text), for reports.
fn show(spec: &MediatorSpec) -> String {
    let mut out = format!("<{}", spec.kind);
    for (n, v) in &spec.properties {
        out.push_str(&format!(" {n}=\"{v}\""));
    }
    if spec.children.is_empty() && spec.text.is_none() {
        return out + "/>";
    }
    out.push('>');
    match (&spec.text, spec.children.is_empty()) {
        (Some(text), true) => out.push_str(text),
        _ => spec.children.iter().for_each(|c| out.push_str(&show(c))),
    }
    out + &format!("</{}>", spec.kind)
}

/// One line per broken rule: the cases it was broken on and the first detail (shortened).
fn summary(report: &Report) -> String {
    let mut rules: Vec<(String, Vec<String>, String)> = Vec::new();
    for v in &report.violations {
        let rule = v.rule.to_string();
        let case = v.case.clone().unwrap_or_default();
        match rules.iter_mut().find(|(r, _, _)| *r == rule) {
            Some((_, cases, _)) => cases.push(case),
            None => {
                let detail: String = v.detail.chars().take(300).collect();
                rules.push((rule, vec![case], detail));
            }
        }
    }
    rules
        .iter()
        .map(|(rule, cases, detail)| format!("[{rule}] on {cases:?}: {detail}"))
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Builds one spec and returns its report (for the known-broken cases below).
fn report_of(spec: &MediatorSpec) -> Report {
    checker().check_factory(&builtins::registry(), spec)
}

fn log_property(name: &str, attr: &str, value: &str) -> MediatorSpec {
    el("property", &[("name", name), (attr, value)])
}

// MI log-mediator.md: `<log [level="simple|headers|full|custom"] [separator="string"]
// [category="INFO|TRACE|DEBUG|WARN|ERROR|FATAL"]> <property name value|expression/>* </log>`;
// "The Log mediator is a conditionally content aware mediator": `full` logs the whole
// envelope, `simple`/`headers`/`custom` only what their properties read. MI 4.4 adds
// `<message>` with `${…}` templates.
#[test]
fn log_at_every_level_with_properties() {
    let props = |s: MediatorSpec| {
        s.child(log_property("text", "value", "Hello"))
            .child(log_property(
                "case",
                "expression",
                "get-property('compliance.case')",
            ))
    };
    let body_prop = |s: MediatorSpec| s.child(log_property("sym", "expression", "//m:symbol"));
    let q = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        // Synapse's LogMediator.isContentAware: only a `custom` log whose properties read no
        // body is content unaware; `simple` (the default), `headers` and `full` are aware.
        (el("log", &[]), true),
        (props(el("log", &[("level", "simple")])), true),
        (props(el("log", &[("level", "headers")])), true),
        (
            props(el("log", &[("level", "custom"), ("separator", " | ")])),
            false,
        ),
        (
            props(el("log", &[("level", "custom"), ("category", "WARN")])),
            false,
        ),
        (props(el("log", &[("level", "full")])), true),
        (el("log", &[("level", "full"), ("category", "DEBUG")]), true),
        (
            body_prop(el("log", &[("level", "custom")])).namespaces(q.clone()),
            true,
        ),
        (
            el("log", &[("level", "custom")]).child(log_property(
                "first",
                "expression",
                "json-eval($.order.items[0].sku)",
            )),
            true,
        ),
        (
            el("log", &[("category", "ERROR"), ("logMessageID", "true")]).child(
                MediatorSpec::new("message").text("seq ${vars.seq} h ${headers[\"X-Compliance\"]}"),
            ),
            false,
        ),
        (
            el("log", &[]).child(MediatorSpec::new("message").text("order ${payload.order.id}")),
            true,
        ),
        (
            el("log", &[("logFullPayload", "true")])
                .child(MediatorSpec::new("message").text("payload")),
            true,
        ),
    ]);
}

// MI property-mediator.md: `<property name [action=set|remove] [type] (value | expression)
// [scope=default|transport|axis2|axis2-client|operation|registry|system] [pattern [group]]>
// <xml-element/>? </property>`; types STRING, BOOLEAN, DOUBLE, FLOAT, INTEGER, LONG, SHORT,
// OM, JSON; "The Property mediator is a conditionally content aware mediator".
#[test]
fn property_with_each_scope_type_and_pattern() {
    let mut specs = Vec::new();
    for scope in ["default", "transport", "axis2", "axis2-client", "operation"] {
        specs.push((
            el(
                "property",
                &[("name", "X-Name"), ("value", "v"), ("scope", scope)],
            ),
            false,
        ));
        specs.push((
            el(
                "property",
                &[("name", "X-Name"), ("action", "remove"), ("scope", scope)],
            ),
            false,
        ));
    }
    for (ty, value) in [
        ("STRING", "s"),
        ("BOOLEAN", "true"),
        ("DOUBLE", "1.5"),
        ("FLOAT", "2.5"),
        ("INTEGER", "7"),
        ("LONG", "9000000000"),
        ("SHORT", "3"),
        ("OM", "<a>1</a>"),
        ("JSON", r#"{"a":[1,2]}"#),
    ] {
        specs.push((
            el(
                "property",
                &[("name", "typed"), ("value", value), ("type", ty)],
            ),
            false,
        ));
    }
    specs.extend([
        // A value the type does not parse at run time (`true` as INTEGER) is an error with a
        // message.
        (
            el(
                "property",
                &[
                    ("name", "n"),
                    ("expression", "$ctx:compliance.case"),
                    ("type", "INTEGER"),
                ],
            ),
            false,
        ),
        (
            el(
                "property",
                &[
                    ("name", "n"),
                    ("expression", "get-property('compliance.case')"),
                ],
            ),
            false,
        ),
        (
            el(
                "property",
                &[
                    ("name", "n"),
                    ("expression", "$trp:X-Compliance"),
                    ("type", "INTEGER"),
                ],
            ),
            false,
        ),
        (
            el("property", &[("name", "sym"), ("expression", "//m:symbol")])
                .namespaces(ns(&[("m", "urn:quote")])),
            true,
        ),
        (
            el(
                "property",
                &[("name", "id"), ("expression", "json-eval($.order.id)")],
            ),
            true,
        ),
        (
            el(
                "property",
                &[("name", "id"), ("expression", "${payload.order.id}")],
            ),
            true,
        ),
        (
            el(
                "property",
                &[("name", "body"), ("expression", "$body"), ("type", "OM")],
            ),
            true,
        ),
        // pattern/group: the regex is applied on the value, group picks the capture.
        (
            el(
                "property",
                &[
                    ("name", "p"),
                    ("value", "abc-123"),
                    ("pattern", "([a-z]+)-(\\d+)"),
                    ("group", "2"),
                ],
            ),
            false,
        ),
        (
            el(
                "property",
                &[("name", "p"), ("expression", "//item"), ("pattern", "\\d")],
            ),
            true,
        ),
        // Inline XML content (type OM implied).
        (
            el("property", &[("name", "inline"), ("type", "OM")])
                .child(MediatorSpec::new("a"))
                .text("<a xmlns=\"\">1</a>"),
            false,
        ),
        // Special axis2 properties MI's formatter reads: messageType changes the body's
        // wire form, so the mediator says it reads the body (Synapse marks it content aware).
        (
            el(
                "property",
                &[
                    ("name", "messageType"),
                    ("value", "application/json"),
                    ("scope", "axis2"),
                ],
            ),
            true,
        ),
        (
            el(
                "property",
                &[("name", "HTTP_SC"), ("value", "202"), ("scope", "axis2")],
            ),
            false,
        ),
        (
            el(
                "property",
                &[
                    ("name", "NO_ENTITY_BODY"),
                    ("value", "true"),
                    ("scope", "axis2"),
                    ("type", "BOOLEAN"),
                ],
            ),
            false,
        ),
    ]);
    assert_all_compliant(&specs);
}

// MI documents `scope="registry"` (a registry resource) and `scope="system"` (a Java system
// property) too; this engine refuses them when the flow is built, with a message naming the
// scope, rather than failing per message.
#[test]
fn property_registry_and_system_scopes_are_refused_at_build() {
    for scope in ["registry", "system"] {
        let report = report_of(&el(
            "property",
            &[("name", "p"), ("value", "v"), ("scope", scope)],
        ));
        assert_eq!(report.violations.len(), 1, "{report}");
        assert_eq!(report.violations[0].rule, Rule::Build);
        assert!(
            report.violations[0]
                .detail
                .contains(&format!("invalid value `{scope}` for property `scope`")),
            "{report}"
        );
    }
}

// MI 4.4 variable-mediator.md: `<variable name action="set|remove" type="STRING|BOOLEAN|
// INTEGER|DOUBLE|LONG|XML|JSON" value|expression/>`.
#[test]
fn variable_set_and_remove() {
    assert_all_compliant(&[
        (el("variable", &[("name", "v"), ("value", "x")]), false),
        (
            el(
                "variable",
                &[("name", "v"), ("value", "7"), ("type", "INTEGER")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("value", "true"), ("type", "BOOLEAN")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("value", "2.5"), ("type", "DOUBLE")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("value", "12"), ("type", "LONG")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("value", "<a>1</a>"), ("type", "XML")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("value", r#"{"a":1}"#), ("type", "JSON")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[
                    ("name", "v"),
                    ("expression", "${headers[\"X-Compliance\"]}"),
                    ("type", "BOOLEAN"),
                ],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[
                    ("name", "v"),
                    ("expression", "${payload.order}"),
                    ("type", "JSON"),
                ],
            ),
            true,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("expression", "${payload.order.id + 1}")],
            ),
            true,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("expression", "${props.synapse.seq}")],
            ),
            false,
        ),
        (
            el(
                "variable",
                &[
                    ("name", "v"),
                    ("expression", "${xpath('//item')}"),
                    ("type", "XML"),
                ],
            ),
            true,
        ),
        (
            el("variable", &[("name", "v"), ("action", "remove")]),
            false,
        ),
    ]);
}

fn then_else(filter: MediatorSpec, then: MediatorSpec, otherwise: MediatorSpec) -> MediatorSpec {
    filter
        .child(MediatorSpec::new("then").child(then))
        .child(MediatorSpec::new("else").child(otherwise))
}

// MI filter-mediator.md: `<filter (source="[XPath|json-eval(JSONPath)]" regex="string") |
// xpath="[XPath|json-eval(JSONPath)]"> mediator+ </filter>` or with `<then>`/`<else>`;
// "The Filter mediator is a conditionally content aware mediator".
#[test]
fn filter_xpath_and_source_regex_with_then_else() {
    let set = |v: &str| el("property", &[("name", "branch"), ("value", v)]);
    let q = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        (
            then_else(
                el("filter", &[("xpath", "//m:symbol = 'IBM'")]),
                set("then"),
                set("else"),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            then_else(
                el("filter", &[("source", "//m:symbol"), ("regex", "IBM|WSO2")]),
                set("then"),
                el("drop", &[]),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            then_else(
                el("filter", &[("xpath", "json-eval($.order.vip)")]),
                set("then"),
                set("else"),
            ),
            true,
        ),
        (
            then_else(
                el("filter", &[("xpath", "${payload.order.total > 10}")]),
                set("then"),
                set("else"),
            ),
            true,
        ),
        // A condition on properties and headers only: the filter reads no body.
        (
            then_else(
                el(
                    "filter",
                    &[
                        ("source", "get-property('transport', 'X-Compliance')"),
                        ("regex", "1"),
                    ],
                ),
                set("then"),
                set("else"),
            ),
            false,
        ),
        (
            then_else(
                el("filter", &[("xpath", "$ctx:compliance.case = 'true'")]),
                el("log", &[("level", "custom")]).child(log_property("c", "value", "x")),
                el("respond", &[]),
            ),
            false,
        ),
        // A body-reading branch makes the filter read the body.
        (
            then_else(
                el("filter", &[("xpath", "$ctx:compliance.case")]),
                el("log", &[("level", "full")]),
                set("else"),
            ),
            true,
        ),
        // Short form: mediators directly under <filter>.
        (
            el(
                "filter",
                &[("source", "$trp:X-Compliance"), ("regex", "\\d+")],
            )
            .child(set("short"))
            .child(el("drop", &[])),
            false,
        ),
        // Branches by sequence key.
        (
            el("filter", &[("xpath", "true()")])
                .child(el("then", &[("sequence", "audit")]))
                .child(el("else", &[("sequence", "missing-sequence")])),
            true,
        ),
        (
            el("filter", &[("xpath", "false()")])
                .child(el("then", &[("sequence", "audit")]))
                .child(el("else", &[("sequence", "missing-sequence")])),
            true,
        ),
    ]);
}

// MI switch-mediator.md: `<switch source="[XPath|json-eval(JSON Path)]"> <case regex>
// mediator+ </case>+ <default> mediator+ </default>? </switch>`; "conditionally content
// aware".
#[test]
fn switch_with_cases_and_default() {
    let set = |v: &str| el("property", &[("name", "route"), ("value", v)]);
    let case = |regex: &str, m: MediatorSpec| el("case", &[("regex", regex)]).child(m);
    assert_all_compliant(&[
        (
            el("switch", &[("source", "//m:symbol")])
                .namespaces(ns(&[("m", "urn:quote")]))
                .child(case("IBM", set("ibm")))
                .child(case("WSO2", el("sequence", &[("key", "sequence1")])))
                .child(MediatorSpec::new("default").child(el("drop", &[]))),
            true,
        ),
        (
            el("switch", &[("source", "json-eval($.order.items[0].sku)")])
                .child(case("a", set("a")))
                .child(case("[b-z]", set("other"))),
            true,
        ),
        (
            el("switch", &[("source", "${payload.order.id}")])
                .child(case("7", set("seven")))
                .child(MediatorSpec::new("default").child(set("default"))),
            true,
        ),
        (
            el(
                "switch",
                &[("source", "get-property('transport', 'X-Compliance')")],
            )
            .child(case("1", set("one")))
            .child(case("2|3", set("two-or-three")))
            .child(MediatorSpec::new("default").child(el("respond", &[]))),
            false,
        ),
        (
            el("switch", &[("source", "$ctx:missing")])
                .child(MediatorSpec::new("default").child(el("loopback", &[]))),
            false,
        ),
    ]);
}

fn pf(attrs: &[(&str, &str)], format: &str, args: &[&[(&str, &str)]]) -> MediatorSpec {
    let mut spec = el("payloadFactory", attrs).child(MediatorSpec::new("format").text(format));
    if !args.is_empty() {
        spec = spec.child(
            args.iter()
                .fold(MediatorSpec::new("args"), |a, arg| a.child(el("arg", arg))),
        );
    }
    spec
}

// MI payloadFactory-mediator.md: `<payloadFactory media-type="xml|json|text"
// template-type="default|freemarker"> <format ../> <args> <arg (value | expression)
// [evaluator="xml|json"] [literal]/>* </args> </payloadFactory>`; "The PayloadFactory
// mediator is a content aware mediator" (it replaces the body).
#[test]
fn payload_factory_xml_json_text_freemarker_with_args() {
    let xml_ns = "http://ws.apache.org/ns/synapse";
    let m = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        (
            pf(
                &[("media-type", "xml")],
                &format!(
                    "<m:quote xmlns:m=\"urn:quote\" xmlns=\"{xml_ns}\"><m:symbol>$1</m:symbol><m:case>$2</m:case></m:quote>"
                ),
                &[
                    &[("expression", "//m:symbol")],
                    &[("expression", "get-property('compliance.case')")],
                ],
            )
            .namespaces(m.clone()),
            true,
        ),
        (
            pf(
                &[("media-type", "json")],
                r#"{"id": $1, "first": "$2", "lit": "$3"}"#,
                &[
                    &[("expression", "json-eval($.order.id)"), ("evaluator", "json")],
                    &[("expression", "$.order.items[0].sku"), ("evaluator", "json")],
                    &[("value", "fixed")],
                ],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "json")],
                r#"{"order": $1}"#,
                &[&[("expression", "${payload.order}")]],
            ),
            true,
        ),
        // literal="true": a JSON-looking value is put in as a string; deepCheck="false" skips
        // the check for XML in the value.
        (
            pf(
                &[("media-type", "json")],
                r#"{"raw": "$1", "xml": $2}"#,
                &[
                    &[("expression", "json-eval($.order)"), ("literal", "true")],
                    &[("expression", "$body/*"), ("evaluator", "xml"), ("deepCheck", "false")],
                ],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "xml"), ("escapeXmlChars", "true")],
                "<wrapped xmlns=\"\">$1</wrapped>",
                &[&[("expression", "json-eval($)"), ("evaluator", "json")]],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "json"), ("template-type", "freemarker")],
                r#"{"id": "${payload.order.id!}", "case": "${ctx["compliance.case"]!}", "h": "${trp["X-Compliance"]!}"}"#,
                &[],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "xml"), ("template-type", "freemarker")],
                "<items xmlns=\"\"><#if payload.order??><#list payload.order.items as i><sku>${i.sku}</sku></#list></#if></items>",
                &[],
            ),
            true,
        ),
        (
            el("payloadFactory", &[("media-type", "xml")])
                .child(el("format", &[("key", "pf-format")]))
                .child(
                    MediatorSpec::new("args").child(el("arg", &[("value", "you")])),
                ),
            true,
        ),
        (
            el("payloadFactory", &[("media-type", "xml")])
                .child(el("format", &[("key", "missing-entry")])),
            true,
        ),
    ]);
}

fn enrich(source: MediatorSpec, target: MediatorSpec) -> MediatorSpec {
    MediatorSpec::new("enrich").child(source).child(target)
}

// MI enrich-mediator.md: `<source [clone=true|false] [type=custom|envelope|body|property|
// inline] xpath property key/>` and `<target [action=replace|child|sibling|remove]
// [type=custom|envelope|body|property|key] xpath property/>`; "The Enrich mediator is a
// content aware mediator".
#[test]
fn enrich_with_each_source_and_target_type() {
    let src = |attrs: &[(&str, &str)]| el("source", attrs);
    let tgt = |attrs: &[(&str, &str)]| el("target", attrs);
    let q = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        (
            enrich(
                src(&[("type", "custom"), ("xpath", "//m:symbol")]),
                tgt(&[("type", "property"), ("property", "sym")]),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            enrich(
                src(&[("type", "body"), ("clone", "true")]),
                tgt(&[("type", "property"), ("property", "saved")]),
            ),
            true,
        ),
        // clone="false": the source is moved, not copied.
        (
            enrich(
                src(&[("type", "body"), ("clone", "false")]),
                tgt(&[("type", "property"), ("property", "moved")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[
                    ("type", "custom"),
                    ("xpath", "json-eval($.order.items)"),
                    ("clone", "false"),
                ]),
                tgt(&[("type", "property"), ("property", "items")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "envelope")]),
                tgt(&[("type", "property"), ("property", "env")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "property"), ("property", "compliance.case")]),
                tgt(&[("type", "body")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline")]).text("<extra xmlns=\"\">inline</extra>"),
                tgt(&[
                    ("type", "custom"),
                    ("xpath", "//m:symbol"),
                    ("action", "sibling"),
                ]),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline"), ("key", "enrich-inline")]),
                tgt(&[("type", "body"), ("action", "child")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline")]).text("<extra xmlns=\"\">inline</extra>"),
                tgt(&[("xpath", "/*"), ("action", "child")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline")]).text(r#"{"added": true}"#),
                tgt(&[("xpath", "json-eval($.order)"), ("action", "child")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "custom"), ("xpath", "json-eval($.order.items)")]),
                tgt(&[("type", "property"), ("property", "items")]),
            ),
            true,
        ),
        // MI: `action="remove"` takes the JSONPath/XPath to remove as the source, and a
        // body or property target.
        (
            enrich(
                src(&[("type", "custom"), ("xpath", "json-eval($.order.note)")]),
                tgt(&[("type", "body"), ("action", "remove")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "custom"), ("xpath", "//m:symbol")]),
                tgt(&[("type", "body"), ("action", "remove")]),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline")]).text("<k xmlns=\"\">v</k>"),
                tgt(&[("type", "envelope")]),
            ),
            true,
        ),
        (
            enrich(
                src(&[("type", "inline")]).text("renamed"),
                tgt(&[("type", "key"), ("xpath", "json-eval($.order.total)")]),
            ),
            true,
        ),
    ]);
}

// MI header-mediator.md: `<header name (value|expression) [action=set|remove]
// [scope=default|transport]/>` or inline XML for a SOAP header block; "The Header mediator
// is a conditionally content aware mediator" (SOAP headers are in the envelope, transport
// headers are not).
#[test]
fn header_transport_and_soap() {
    let wsa = ns(&[
        ("wsa", "http://www.w3.org/2005/08/addressing"),
        ("m", "urn:quote"),
    ]);
    assert_all_compliant(&[
        (
            el(
                "header",
                &[("name", "X-Trace"), ("value", "t1"), ("scope", "transport")],
            ),
            false,
        ),
        (
            el(
                "header",
                &[
                    ("name", "X-Case"),
                    ("expression", "get-property('compliance.case')"),
                    ("scope", "transport"),
                ],
            ),
            false,
        ),
        (
            el(
                "header",
                &[
                    ("name", "X-Compliance"),
                    ("action", "remove"),
                    ("scope", "transport"),
                ],
            ),
            false,
        ),
        (
            el(
                "header",
                &[("name", "wsa:To"), ("value", "http://example.org/to")],
            )
            .namespaces(wsa.clone()),
            true,
        ),
        (
            el("header", &[("name", "m:Trace"), ("value", "t1")]).namespaces(wsa.clone()),
            true,
        ),
        (
            el(
                "header",
                &[("name", "m:Trace"), ("expression", "//m:symbol")],
            )
            .namespaces(wsa.clone()),
            true,
        ),
        (
            el("header", &[("name", "m:Trace"), ("action", "remove")]).namespaces(wsa.clone()),
            true,
        ),
        (
            el("header", &[])
                .child(MediatorSpec::new("m:Auth"))
                .text("<m:Auth xmlns:m=\"urn:quote\"><m:user>u</m:user></m:Auth>")
                .namespaces(wsa.clone()),
            true,
        ),
    ]);
}

fn code(value: &str) -> MediatorSpec {
    el("code", &[("value", value)])
}

// MI fault-Mediator.md: `<makefault [version="soap11|soap12|pox"] [response="true|false"]>
// <code (value|expression)/> <reason (value|expression)/> <node/>? <role/>? <detail/>?
// </makefault>`; it replaces the message with a fault: content aware.
#[test]
fn makefault_soap11_soap12_pox() {
    let soap11 = ns(&[("soap11Env", "http://schemas.xmlsoap.org/soap/envelope/")]);
    let soap12 = ns(&[("soap12Env", "http://www.w3.org/2003/05/soap-envelope")]);
    assert_all_compliant(&[
        (
            el("makefault", &[("version", "soap11")])
                .namespaces(soap11.clone())
                .child(code("soap11Env:Client"))
                .child(el("reason", &[("value", "bad request")])),
            true,
        ),
        (
            el("makefault", &[("version", "soap11"), ("response", "false")])
                .namespaces(soap11.clone())
                .child(code("soap11Env:Server"))
                .child(el(
                    "reason",
                    &[("expression", "get-property('ERROR_MESSAGE')")],
                ))
                .child(MediatorSpec::new("role").text("urn:role"))
                .child(MediatorSpec::new("detail").text("plain detail")),
            true,
        ),
        (
            el("makefault", &[("version", "soap12")])
                .namespaces(soap12.clone())
                .child(code("soap12Env:Receiver"))
                .child(
                    el("reason", &[("expression", "//m:symbol")])
                        .namespaces(ns(&[("m", "urn:quote")])),
                )
                .child(MediatorSpec::new("node").text("http://node"))
                .child(MediatorSpec::new("role").text("urn:role"))
                .child(MediatorSpec::new("detail").text("<d xmlns=\"\"><why>because</why></d>")),
            true,
        ),
        (
            el("makefault", &[("version", "soap12")])
                .namespaces(soap12.clone())
                .child(code("soap12Env:Sender"))
                .child(el("reason", &[("value", "r")]))
                .child(el("detail", &[("expression", "json-eval($.order)")])),
            true,
        ),
        (
            el("makefault", &[("version", "pox")])
                .child(el("reason", &[("value", "plain old xml fault")]))
                .child(el("detail", &[("expression", "$ctx:compliance.case")])),
            true,
        ),
        (
            el("makefault", &[("version", "pox")])
                .child(el("reason", &[("expression", "${payload.order.id}")])),
            true,
        ),
        // No version: SOAP 1.1.
        (
            el("makefault", &[])
                .namespaces(soap11)
                .child(code("soap11Env:Client"))
                .child(el("reason", &[("value", "r")])),
            true,
        ),
    ]);
}

// MI drop/respond/loopback-mediator.md: content unaware, no configuration;
// sequence-mediator.md: `<sequence key="name|{xpath}"/>` runs a named sequence (a dynamic
// key reads what its expression reads).
#[test]
fn drop_respond_loopback_sequence() {
    assert_all_compliant(&[
        (el("drop", &[]), false),
        (el("drop", &[("description", "bye")]), false),
        (el("respond", &[]), false),
        (el("loopback", &[]), false),
        (el("sequence", &[("key", "audit")]), true),
        (el("sequence", &[("key", "missing-sequence")]), true),
        (el("sequence", &[("key", "{get-property('route')}")]), true),
        (el("sequence", &[("key", "{json-eval($.order.seq)}")]), true),
        (el("sequence", &[("key", "${vars.seq}")]), true),
    ]);
}

// MI call-template-mediator.md: `<call-template target="string" [onError]> <with-param
// name="string" value="string | {xpath} | {{xpath}}"/>* </call-template>`; Synapse's
// InvokeMediator is content aware only when a parameter expression is (the template's body
// reads the payload itself when it needs to).
#[test]
fn call_template_with_literal_and_expression_params() {
    let call = |params: &[(&str, &str)]| {
        params
            .iter()
            .fold(el("call-template", &[("target", "Greet")]), |s, (n, v)| {
                s.child(el("with-param", &[("name", n), ("value", v)]))
            })
    };
    let q = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        (call(&[("message", "HELLO WORLD!")]), false),
        (call(&[("message", "hi"), ("who", "")]), false),
        (call(&[("message", "{$ctx:compliance.case}")]), false),
        (call(&[("message", "{{//m0:getQuote}}")]), false),
        (call(&[("message", "${vars.seq}")]), false),
        (call(&[("message", "{//m:symbol}")]).namespaces(q), true),
        (call(&[("message", "{json-eval($.order.id)}")]), true),
        (call(&[("message", "${payload.order.id}")]), true),
        // A missing mandatory parameter: a fault with a message, handled by onError or not.
        (call(&[("who", "x")]), false),
        (
            el(
                "call-template",
                &[("target", "Greet"), ("onError", "audit")],
            ),
            false,
        ),
        // A target that is not deployed: a fault with a message.
        (
            el("call-template", &[("target", "missing-template")]),
            false,
        ),
    ]);
}

// A spec that does not build is reported as a build violation, never checked.
#[test]
fn a_spec_that_does_not_build_is_a_build_violation() {
    let report = report_of(&el("log", &[("level", "loud")]));
    assert!(!report.is_compliant());
    assert_eq!(report.violations.len(), 1, "{report}");
    assert!(report.cases.is_empty());
    assert!(
        report.violations[0].detail.contains("invalid value `loud`"),
        "{report}"
    );
}

/// The payloadFactory specs whose format and arguments read no body.
fn body_free_payload_factories() -> Vec<MediatorSpec> {
    vec![
        pf(
            &[("media-type", "xml")],
            "<greeting xmlns=\"\">hello</greeting>",
            &[],
        ),
        pf(&[("media-type", "json")], r#"{"static": true}"#, &[]),
        pf(
            &[("media-type", "text")],
            "case=$1 header=$2",
            &[
                &[("expression", "$ctx:compliance.case")],
                &[("expression", "$trp:X-Compliance")],
            ],
        ),
        pf(
            &[("media-type", "text"), ("template-type", "freemarker")],
            "Hello ${args.arg1}",
            &[&[("value", "world")]],
        ),
    ]
}

// A payloadFactory whose format and args read no body still replaces the payload, so it
// reports `reads_body() == true` as Synapse's PayloadFactoryMediator does (content aware and
// content altering; MI's payloadFactory-mediator.md calls it "a content aware mediator").
#[test]
fn payload_factory_without_body_reading_args_still_reads_body() {
    assert_all_compliant(
        &body_free_payload_factories()
            .into_iter()
            .map(|spec| (spec, true))
            .collect::<Vec<_>>(),
    );
}

// Hostile configurations: catastrophic regexes over the large payloads (Java's regex engine
// backtracks; the filter/switch/property must give up with a message, not hang), whole-body
// expressions, body-wide payloadFactory arguments, and views of payloads that have none.
#[test]
fn hostile_configurations_still_keep_the_contract() {
    let q = ns(&[("m", "urn:quote")]);
    assert_all_compliant(&[
        (
            el(
                "filter",
                &[("source", "json-eval($)"), ("regex", "(a|aa)+$b")],
            )
            .child(el("drop", &[])),
            true,
        ),
        (
            el("filter", &[("source", "$body"), ("regex", "(.*a){12}")]).child(el("drop", &[])),
            true,
        ),
        (
            el("switch", &[("source", "string(/)")])
                .child(el("case", &[("regex", "((i|t|e|m|-)+)+!")]).child(el("drop", &[]))),
            true,
        ),
        (
            el(
                "property",
                &[
                    ("name", "p"),
                    ("expression", "$body"),
                    ("pattern", "(\\w+\\s?)+$!"),
                    ("group", "1"),
                ],
            ),
            true,
        ),
        (
            el(
                "variable",
                &[
                    ("name", "v"),
                    ("expression", "${payload}"),
                    ("type", "JSON"),
                ],
            ),
            true,
        ),
        (
            el(
                "variable",
                &[("name", "v"), ("expression", "$body"), ("type", "XML")],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "json")],
                r#"{"all": $1, "xml": "$2"}"#,
                &[
                    &[("expression", "$"), ("evaluator", "json")],
                    &[("expression", "$body/*"), ("evaluator", "xml")],
                ],
            ),
            true,
        ),
        (
            pf(
                &[("media-type", "xml"), ("template-type", "freemarker")],
                "<all xmlns=\"\">${payload}</all>",
                &[],
            ),
            true,
        ),
        (
            enrich(
                el("source", &[("type", "inline")]).text(r#"{"x": [1, {"y": null}]}"#),
                el("target", &[("type", "body")]),
            ),
            true,
        ),
        (
            enrich(
                el(
                    "source",
                    &[("type", "custom"), ("xpath", "//*"), ("clone", "false")],
                ),
                el(
                    "target",
                    &[
                        ("type", "custom"),
                        ("xpath", "//m:symbol"),
                        ("action", "child"),
                    ],
                ),
            )
            .namespaces(q.clone()),
            true,
        ),
        (
            el("header", &[])
                .child(MediatorSpec::new("m:Big"))
                .text("<m:Big xmlns:m=\"urn:quote\">$body</m:Big>"),
            true,
        ),
        (
            el("makefault", &[("version", "pox")])
                .child(el("reason", &[("value", "r")]))
                .child(el("detail", &[("expression", "$body")])),
            true,
        ),
        (el("sequence", &[("key", "{//missing}")]), true),
        (
            el("log", &[("level", "custom")])
                .child(log_property("all", "expression", "$body"))
                .child(log_property("env", "expression", "$env")),
            true,
        ),
    ]);
}
