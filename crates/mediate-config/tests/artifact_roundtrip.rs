//! Artifact round trip: for every artifact kind, parse → serialize → parse gives an equal
//! configuration, and serializing the re-read artifact gives the same text (a fixed point).
//!
//! Two sources of artifacts: generated Synapse XML (APIs, proxies, endpoints, sequences,
//! templates, local entries, with values that need escaping), and every artifact file of
//! the test fixtures.

use std::path::{Path, PathBuf};

use mediate_config::{ArtifactConfig, LocalEntryValue, ParameterValue, load_str};
use mediate_core::Registry;
use proptest::prelude::*;
use proptest::strategy::Union;

const NS: &str = "http://ws.apache.org/ns/synapse";

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

/// Reads `xml`, writes each artifact, reads it back: the same artifact, and writing it again
/// gives the same text. Returns how many artifacts were checked, or the first difference.
fn round_trip(xml: &str, registry: &Registry) -> Result<usize, String> {
    let first = load_str(xml, Path::new("a.xml"), registry)
        .map_err(|d| format!("the input does not load:\n{d}\n--- input:\n{xml}"))?;
    let mut checked = 0;
    for a in &first {
        let Some(written) = a.to_xml() else { continue };
        let second = load_str(&written, Path::new("b.xml"), registry).map_err(|d| {
            format!(
                "`{}` as written does not load:\n{d}\n--- written:\n{written}\n--- input:\n{xml}",
                a.name()
            )
        })?;
        let [b] = &second[..] else {
            return Err(format!(
                "`{}` as written reads as {} artifacts:\n{written}",
                a.name(),
                second.len()
            ));
        };
        if a != b {
            return Err(format!(
                "`{}` reads back different:\n--- first:\n{a:#?}\n--- then:\n{b:#?}\n--- written:\n{written}\n--- input:\n{xml}",
                a.name()
            ));
        }
        let again = b.to_xml().unwrap_or_default();
        if again != written {
            return Err(format!(
                "`{}` is not written the same twice:\n--- first:\n{written}\n--- then:\n{again}\n--- input:\n{xml}",
                a.name()
            ));
        }
        checked += 1;
    }
    Ok(checked)
}

// ---------------------------------------------------------------------------------------------
// Escaping and free text.

/// `s` as an attribute value: every character a reader would change written as a reference.
fn attr(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` as element content: escaped, or in a CDATA section when `cdata` and it can be.
fn text(s: &str, cdata: bool) -> String {
    if cdata && !s.contains("]]>") && !s.contains('\r') && !s.is_empty() {
        return format!("<![CDATA[{s}]]>");
    }
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` as element content with `comment` (possibly empty) in its middle.
fn split_text(s: &str, comment: &str, cdata: bool) -> String {
    let mid = s
        .char_indices()
        .nth(s.chars().count() / 2)
        .map_or(s.len(), |(i, _)| i);
    let (a, b) = s.split_at(mid);
    format!("{}{comment}{}", text(a, cdata), text(b, cdata))
}

/// Free text: markup characters, quotes, non-ASCII, whitespace (some of it leading or
/// trailing), possibly empty.
fn free() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 &<>\"'éß€日本𝄞$%;=#/.:-]{0,14}",
        1 => "[ \t\na-z&<]{0,6}",
        1 => Just("a & b < c > d \"q\" 'r' ]]> é".to_owned()),
        1 => Just("  padded  ".to_owned()),
        1 => Just("line one\nline two\r\n\ttabbed".to_owned()),
    ]
    .boxed()
}

/// Free text with something other than whitespace in it (for values a reader trims and
/// refuses when blank).
fn solid() -> BoxedStrategy<String> {
    ("[a-zA-Zé]", free())
        .prop_map(|(a, b)| format!("{a}{b}"))
        .boxed()
}

/// A name (artifact, property, parameter…).
fn name() -> BoxedStrategy<String> {
    "[A-Z][A-Za-z0-9_]{0,7}".boxed()
}

/// An artifact's name: plain, or free text.
fn label() -> BoxedStrategy<String> {
    prop_oneof![3 => name(), 1 => solid()].boxed()
}

/// A key another artifact is known by.
fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => name(),
        1 => solid(),
        1 => name().prop_map(|n| format!("conf:/repository/{n}.xml")),
        1 => name().prop_map(|n| format!("gov:/sequences/{n}")),
    ]
    .boxed()
}

/// Expressions the mediators accept, unescaped.
fn expression() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "$ctx:orderId",
        "get-property('SYSTEM_DATE', 'yyyy-MM-dd')",
        "json-eval($.order.items[0].price)",
        "//order[@total < 100 and @vip = \"yes\"]/id",
        "$trp:X-Request-Id",
        "fn:concat('a & b', $ctx:x)",
        "${payload.amount > 10 && vars.tier == \"gold\"}",
        "${vars.name}",
    ])
    .prop_map(str::to_owned)
    .boxed()
}

/// A comment, which no configuration may depend on: [`comments_change_nothing`] removes
/// every occurrence and reads the file again.
const COMMENT: &str = "<!-- a note & <more> -->";

/// Nothing, or [`COMMENT`].
fn comment() -> BoxedStrategy<String> {
    prop_oneof![3 => Just(String::new()), 1 => Just(COMMENT.to_owned())].boxed()
}

fn maybe<T: std::fmt::Debug + Clone + 'static>(s: BoxedStrategy<T>) -> BoxedStrategy<Option<T>> {
    prop::option::of(s).boxed()
}

/// ` name="value"` when set.
fn opt_attr(name: &str, value: &Option<String>) -> String {
    value
        .as_ref()
        .map(|v| format!(" {name}=\"{}\"", attr(v)))
        .unwrap_or_default()
}

/// `names` made unique by an index suffix.
fn unique(names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| format!("{n}{i}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Mediators.

fn log() -> BoxedStrategy<String> {
    let property = (
        name(),
        prop_oneof![
            free().prop_map(|v| format!("value=\"{}\"", attr(&v))),
            expression().prop_map(|e| format!("expression=\"{}\"", attr(&e))),
        ],
        maybe(
            prop::sample::select(vec!["default", "transport", "axis2"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    )
        .prop_map(|(n, v, scope)| {
            format!("<property name=\"{n}\" {v}{}/>", opt_attr("scope", &scope))
        });
    prop_oneof![
        (
            prop::sample::select(vec!["simple", "full", "headers", "custom"]),
            maybe(
                prop::sample::select(vec!["INFO", "WARN", "ERROR", "DEBUG"])
                    .prop_map(str::to_owned)
                    .boxed()
            ),
            maybe(
                prop::sample::select(vec![",", " | ", "\n"])
                    .prop_map(str::to_owned)
                    .boxed()
            ),
            maybe(free()),
            prop::collection::vec(property, 0..3),
        )
            .prop_map(|(level, category, separator, description, props)| {
                format!(
                    "<log level=\"{level}\"{}{}{}>{}</log>",
                    opt_attr("category", &category),
                    opt_attr("separator", &separator),
                    opt_attr("description", &description),
                    props.concat()
                )
            }),
        (free(), any::<bool>()).prop_map(|(m, cdata)| format!(
            "<log category=\"INFO\">\n    <message>{}</message>\n</log>",
            text(&m, cdata)
        )),
    ]
    .boxed()
}

fn property() -> BoxedStrategy<String> {
    prop_oneof![
        (name(), free(), maybe(prop::sample::select(vec!["default", "transport", "axis2", "operation"]).prop_map(str::to_owned).boxed()))
            .prop_map(|(n, v, scope)| format!("<property name=\"{n}\" value=\"{}\"{}/>", attr(&v), opt_attr("scope", &scope))),
        (name(), expression()).prop_map(|(n, e)| format!("<property name=\"{n}\" expression=\"{}\" type=\"STRING\"/>", attr(&e))),
        name().prop_map(|n| format!("<property name=\"{n}\" action=\"remove\"/>")),
        (name(), 0..1000i32).prop_map(|(n, v)| format!("<property name=\"{n}\" value=\"{v}\" type=\"INTEGER\"/>")),
        // Binds the prefix `file` may bind on the root to another namespace.
        name().prop_map(|n| format!("<property xmlns:ns1=\"urn:other\" name=\"{n}\" expression=\"//ns1:order/ns1:id\"/>")),
        (name(), free()).prop_map(|(n, v)| format!(
            "<property name=\"{n}\" type=\"OM\">\n    <customer xmlns=\"\"><name a=\"{}\">{}</name></customer>\n</property>",
            attr(&v), text(&v, false)
        )),
    ]
    .boxed()
}

fn variable() -> BoxedStrategy<String> {
    prop_oneof![
        (name(), free()).prop_map(|(n, v)| format!(
            "<variable name=\"{n}\" type=\"STRING\" value=\"{}\"/>",
            attr(&v)
        )),
        (name(), expression()).prop_map(|(n, e)| format!(
            "<variable name=\"{n}\" type=\"STRING\" expression=\"{}\"/>",
            attr(&e)
        )),
        (name(), any::<bool>())
            .prop_map(|(n, b)| format!("<variable name=\"{n}\" type=\"BOOLEAN\" value=\"{b}\"/>")),
        name().prop_map(|n| format!("<variable name=\"{n}\" action=\"remove\"/>")),
    ]
    .boxed()
}

fn header() -> BoxedStrategy<String> {
    prop_oneof![
        (name(), solid()).prop_map(|(n, v)| format!(
            "<header name=\"X-{n}\" scope=\"transport\" value=\"{}\"/>",
            attr(&v)
        )),
        (name(), expression()).prop_map(|(n, e)| format!(
            "<header name=\"X-{n}\" scope=\"transport\" expression=\"{}\"/>",
            attr(&e)
        )),
        name().prop_map(|n| format!(
            "<header name=\"X-{n}\" scope=\"transport\" action=\"remove\"/>"
        )),
        Just(
            "<header xmlns:m=\"http://services.samples\" name=\"m:Priority\" value=\"high\"/>"
                .to_owned()
        ),
    ]
    .boxed()
}

/// A JSON string's content: no `"` or `\` (kept valid JSON), markup characters welcome.
fn json_text() -> BoxedStrategy<String> {
    "[a-zA-Z0-9 &<>'é€𝄞]{0,10}".boxed()
}

fn payload_factory() -> BoxedStrategy<String> {
    let arg = prop_oneof![
        expression().prop_map(|e| format!("<arg expression=\"{}\"/>", attr(&e))),
        solid().prop_map(|v| format!("<arg value=\"{}\"/>", attr(&v))),
        Just("<arg evaluator=\"json\" expression=\"$.symbol\"/>".to_owned()),
    ];
    prop_oneof![
        (json_text(), arg.clone(), any::<bool>()).prop_map(|(t, a, cdata)| format!(
            "<payloadFactory media-type=\"json\">\n    <format>{}</format>\n    <args>\n        {a}\n    </args>\n</payloadFactory>",
            text(&format!("{{\"id\": \"$1\", \"note\": \"{t}\"}}"), cdata)
        )),
        (free(), free(), arg).prop_map(|(v, t, a)| format!(
            "<payloadFactory media-type=\"xml\">\n    <format>\n        <m:order xmlns:m=\"http://services.samples\">\n            <m:id>$1</m:id>\n            <note xmlns=\"\" by=\"{}\">{}</note>\n        </m:order>\n    </format>\n    <args>{a}</args>\n</payloadFactory>",
            attr(&v), text(&t, false)
        )),
        free().prop_map(|t| format!(
            "<payloadFactory media-type=\"xml\"><format><order><v>{}</v></order></format></payloadFactory>",
            text(&t, false)
        )),
        json_text().prop_map(|t| format!(
            "<payloadFactory media-type=\"json\" template-type=\"freemarker\">\n    <format><![CDATA[{{\"amount\": ${{vars.amount}}, \"t\": \"{t}\"}}]]></format>\n</payloadFactory>"
        )),
        key().prop_map(|k| format!(
            "<payloadFactory media-type=\"xml\"><format key=\"{}\"/><args><arg expression=\"$ctx:a\"/></args></payloadFactory>",
            attr(&k)
        )),
    ]
    .boxed()
}

fn enrich() -> BoxedStrategy<String> {
    let source = prop_oneof![
        (json_text(), any::<bool>()).prop_map(|(t, cdata)| format!(
            "<source type=\"inline\" clone=\"true\">{}</source>",
            text(&format!("{{\"channel\": \"{t}\"}}"), cdata)
        )),
        free().prop_map(|t| format!(
            "<source type=\"inline\">\n        <item xmlns=\"\" note=\"{}\">{}</item>\n    </source>",
            attr(&t), text(&t, false)
        )),
        Just("<source type=\"body\" clone=\"true\"/>".to_owned()),
        name().prop_map(|p| format!("<source type=\"property\" property=\"{p}\"/>")),
        Just("<source type=\"custom\" xpath=\"json-eval($.order.notes)\" clone=\"false\"/>".to_owned()),
    ];
    let target = prop_oneof![
        Just("<target type=\"body\"/>".to_owned()),
        name().prop_map(|p| format!("<target type=\"property\" property=\"{p}\"/>")),
        Just("<target type=\"custom\" action=\"child\" xpath=\"json-eval($.order)\"/>".to_owned()),
    ];
    (source, target)
        .prop_map(|(s, t)| {
            // Synapse refuses body to body.
            let t = if s.contains("\"body\"") && t.contains("\"body\"") {
                "<target type=\"property\" property=\"copy\"/>".to_owned()
            } else {
                t
            };
            format!("<enrich>\n    {s}\n    {t}\n</enrich>")
        })
        .boxed()
}

fn makefault() -> BoxedStrategy<String> {
    // A detail text starting with `<` (escaped) is taken for XML by the makefault mediator
    // (mediate-mediators `makefault.rs` decides by the decoded text, not by child elements):
    // reported, kept out of the generated texts until fixed there.
    (solid(), maybe(solid())).prop_map(|(reason, detail)| {
        let detail = detail.map(|d| format!("<detail>{}</detail>", text(&d, false))).unwrap_or_default();
        format!(
            "<makefault version=\"soap11\">\n    <code xmlns:soap11Env=\"http://schemas.xmlsoap.org/soap/envelope/\" value=\"soap11Env:Server\"/>\n    <reason value=\"{}\"/>{detail}\n</makefault>",
            attr(&reason)
        )
    })
    .boxed()
}

fn call_template() -> BoxedStrategy<String> {
    (
        key(),
        prop::collection::vec(
            prop_oneof![
                free().prop_map(|v| attr(&v.replace(['{', '}'], ""))),
                expression().prop_map(|e| attr(&format!("{{{e}}}"))),
            ],
            0..3,
        ),
    )
        .prop_map(|(target, values)| {
            let params: String = values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("\n    <with-param name=\"p{i}\" value=\"{v}\"/>"))
                .collect();
            format!(
                "<call-template target=\"{}\">{params}\n</call-template>",
                attr(&target)
            )
        })
        .boxed()
}

fn call_or_send() -> BoxedStrategy<String> {
    prop_oneof![
        key().prop_map(|k| format!("<call>\n    <endpoint key=\"{}\"/>\n</call>", attr(&k))),
        endpoint_element(0, false).prop_map(|e| format!("<call blocking=\"true\">{e}</call>")),
        (key(), json_text(), xml_value(), name()).prop_map(|(k, j, x, target)| {
            let source = if j.len() % 2 == 0 {
                format!("<source type=\"inline\" contentType=\"application/json\">{}</source>", text(&format!("{{\"a\": \"{j}\"}}"), false))
            } else {
                format!("<source type=\"inline\" contentType=\"application/xml\">\n        {x}\n    </source>")
            };
            format!(
                "<call>\n    <endpoint key=\"{}\"/>\n    {source}\n    <target type=\"property\">{target}</target>\n</call>",
                attr(&k)
            )
        }),
        Just("<call><source type=\"custom\">json-eval($.order)</source><target type=\"variable\">resp</target></call>".to_owned()),
        Just("<send/>".to_owned()),
        key().prop_map(|k| format!("<send><endpoint key=\"{}\"/></send>", attr(&k))),
    ]
    .boxed()
}

fn leaf_mediator() -> BoxedStrategy<String> {
    prop_oneof![
        3 => log(),
        3 => property(),
        2 => variable(),
        2 => header(),
        2 => payload_factory(),
        2 => enrich(),
        1 => makefault(),
        1 => call_template(),
        1 => call_or_send(),
        1 => key().prop_map(|k| format!("<sequence key=\"{}\"/>", attr(&k))),
        1 => Just("<drop/>".to_owned()),
        1 => Just("<respond/>".to_owned()),
        1 => Just("<loopback/>".to_owned()),
        1 => Just(COMMENT.to_owned()),
    ]
    .boxed()
}

fn mediator(depth: u32) -> BoxedStrategy<String> {
    if depth == 0 {
        return leaf_mediator();
    }
    let inner = || mediators(depth - 1);
    let filter = prop_oneof![
        (expression(), inner(), maybe(inner())).prop_map(|(x, then, otherwise)| {
            let otherwise = otherwise
                .map(|e| format!("<else>{e}</else>"))
                .unwrap_or_default();
            format!(
                "<filter xpath=\"{}\">\n<then>{then}</then>{otherwise}</filter>",
                attr(&x)
            )
        }),
        (solid(), inner()).prop_map(|(regex, body)| format!(
            "<filter source=\"$ctx:tier\" regex=\"{}\">{body}</filter>",
            attr(&regex_of(&regex))
        )),
    ];
    let switch = (
        expression(),
        prop::collection::vec((solid(), inner()), 1..3),
        maybe(inner()),
    )
        .prop_map(|(source, cases, default)| {
            let cases: String = cases
                .iter()
                .map(|(r, body)| format!("\n<case regex=\"{}\">{body}</case>", attr(&regex_of(r))))
                .collect();
            let default = default
                .map(|d| format!("\n<default>{d}</default>"))
                .unwrap_or_default();
            format!(
                "<switch source=\"{}\">{cases}{default}\n</switch>",
                attr(&source)
            )
        });
    prop_oneof![6 => leaf_mediator(), 1 => filter, 1 => switch].boxed()
}

/// A regular expression matching `s` literally (Java syntax).
fn regex_of(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn mediators(depth: u32) -> BoxedStrategy<String> {
    prop::collection::vec(mediator(depth), 0..4)
        .prop_map(|ms| ms.iter().map(|m| format!("\n{m}")).collect::<String>())
        .boxed()
}

/// The attributes and `<description>` of a sequence (named or inline).
fn sequence_parts() -> BoxedStrategy<(String, String)> {
    (
        maybe(key()),
        maybe(free()),
        maybe((free(), comment()).boxed()),
        maybe(
            prop::sample::select(vec!["enable", "disable"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    )
        .prop_map(|(on_error, description, description_child, trace)| {
            let attrs = format!(
                "{}{}{}",
                opt_attr("onError", &on_error),
                opt_attr("description", &description),
                opt_attr("trace", &trace)
            );
            let child = description_child
                .map(|(d, c)| format!("\n<description>{}</description>", split_text(&d, &c, false)))
                .unwrap_or_default();
            (attrs, child)
        })
        .boxed()
}

fn sequence() -> BoxedStrategy<String> {
    let plain = (label(), sequence_parts(), mediators(2), any::<bool>()).prop_map(
        |(n, (attrs, description), body, prefixed)| {
            // A prefix declared on the root and used deep inside.
            let (decl, tail) = if prefixed {
                (
                    " xmlns:m=\"http://services.samples\"",
                    "\n<filter xpath=\"//m:order[m:total &gt; 10]\"><then><log level=\"full\"/></then></filter>",
                )
            } else {
                ("", "")
            };
            format!(
                "<sequence xmlns=\"{NS}\"{decl} name=\"{}\"{attrs}>{description}{body}{tail}\n</sequence>",
                attr(&n)
            )
        },
    );
    // The Synapse namespace bound to a prefix rather than the default namespace.
    let prefixed = (label(), free(), solid()).prop_map(|(n, v, regex)| {
        format!(
            "<syn:sequence xmlns:syn=\"{NS}\" name=\"{}\">\n    <syn:log level=\"custom\"><syn:property name=\"p\" value=\"{}\"/></syn:log>\n    <syn:filter source=\"$ctx:a\" regex=\"{}\"><syn:then><syn:drop/></syn:then><syn:else><syn:payloadFactory media-type=\"xml\"><syn:format><out xmlns=\"\">$1</out></syn:format><syn:args><syn:arg expression=\"$ctx:a\"/></syn:args></syn:payloadFactory></syn:else></syn:filter>\n</syn:sequence>",
            attr(&n),
            attr(&v),
            attr(&regex_of(&regex))
        )
    });
    prop_oneof![8 => plain, 1 => prefixed].boxed()
}

/// An inline sequence `<tag>` or a key `tag="…"`: (attribute, element).
fn sequence_slot(tag: &'static str) -> BoxedStrategy<(String, String)> {
    prop_oneof![
        2 => Just((String::new(), String::new())),
        1 => key().prop_map(move |k| (format!(" {tag}=\"{}\"", attr(&k)), String::new())),
        2 => (sequence_parts(), mediators(1)).prop_map(move |((attrs, description), body)| {
            (String::new(), format!("\n<{tag}{attrs}>{description}{body}\n</{tag}>"))
        }),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

fn uri() -> BoxedStrategy<String> {
    prop_oneof![
        ("[a-z]{1,8}", 1..65535u16, "[a-zA-Z0-9/_.-]{0,12}")
            .prop_map(|(h, p, path)| format!("http://{h}:{p}/{path}")),
        Just("https://example.com/api?a=1&b=x%20y".to_owned()),
        Just("jms:/OrderQueue?transport.jms.ConnectionFactory=QueueConnectionFactory".to_owned()),
        Just("http://localhost:9000/services/${uri.var.service}".to_owned()),
    ]
    .boxed()
}

/// `<timeout>`, `<markForSuspension>`, `<suspendOnFailure>`, `<retryConfig>`,
/// `<enableAddressing>`: some of them, in that order.
fn leaf_settings() -> BoxedStrategy<String> {
    let dynamic = |value: BoxedStrategy<String>| {
        prop_oneof![3 => value, 1 => Just("{$ctx:setting}".to_owned())].boxed()
    };
    let codes = prop::collection::vec(101500..101510u32, 1..4)
        .prop_map(|c| c.iter().map(u32::to_string).collect::<Vec<_>>().join(", "));
    let timeout = (
        maybe(dynamic((0..120_000u64).prop_map(|d| d.to_string()).boxed())),
        maybe(
            prop::sample::select(vec!["never", "discard", "fault"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    )
        .prop_map(|(d, a)| {
            let d = d
                .map(|d| format!("<duration>{}</duration>", text(&d, false)))
                .unwrap_or_default();
            let a = a
                .map(|a| format!("<responseAction>{a}</responseAction>"))
                .unwrap_or_default();
            format!("\n<timeout>{d}{a}</timeout>")
        });
    let mark = (
        maybe(dynamic(codes.clone().boxed())),
        maybe((0..10u32).prop_map(|n| n.to_string()).boxed()),
        maybe((0..5000u32).prop_map(|n| n.to_string()).boxed()),
    )
        .prop_map(|(c, r, d)| {
            format!(
                "\n<markForSuspension>{}{}{}</markForSuspension>",
                c.map(|c| format!("<errorCodes>{}</errorCodes>", text(&c, false)))
                    .unwrap_or_default(),
                r.map(|r| format!("<retriesBeforeSuspension>{r}</retriesBeforeSuspension>"))
                    .unwrap_or_default(),
                d.map(|d| format!("<retryDelay>{d}</retryDelay>"))
                    .unwrap_or_default(),
            )
        });
    let suspend = (
        maybe(codes.clone().boxed()),
        maybe(dynamic((0..60_000u32).prop_map(|n| n.to_string()).boxed())),
        maybe(
            prop::sample::select(vec!["1", "1.5", "2.0", "0.25"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe((0..600_000u64).prop_map(|n| n.to_string()).boxed()),
    )
        .prop_map(|(c, i, f, m)| {
            format!(
                "\n<suspendOnFailure>{}{}{}{}</suspendOnFailure>",
                c.map(|c| format!("<errorCodes>{c}</errorCodes>"))
                    .unwrap_or_default(),
                i.map(|i| format!("<initialDuration>{}</initialDuration>", text(&i, false)))
                    .unwrap_or_default(),
                f.map(|f| format!("<progressionFactor>{f}</progressionFactor>"))
                    .unwrap_or_default(),
                m.map(|m| format!("<maximumDuration>{m}</maximumDuration>"))
                    .unwrap_or_default(),
            )
        });
    let retry = codes.prop_map(|c| {
        format!("\n<retryConfig><disabledErrorCodes>{c}</disabledErrorCodes></retryConfig>")
    });
    let addressing = prop::sample::select(vec![
        "\n<enableAddressing/>",
        "\n<enableAddressing version=\"final\" separateListener=\"true\"/>",
    ])
    .prop_map(str::to_owned);
    let security = prop_oneof![
        key().prop_map(|k| format!("\n<enableSec policy=\"{}\"/>", attr(&k))),
        (key(), key()).prop_map(|(i, o)| format!(
            "\n<enableSec inboundPolicy=\"{}\" outboundPolicy=\"{}\"/>",
            attr(&i),
            attr(&o)
        )),
        Just("\n<enableRM/>".to_owned()),
    ];
    (
        maybe(addressing.boxed()),
        maybe(security.boxed()),
        maybe(timeout.boxed()),
        maybe(mark.boxed()),
        maybe(suspend.boxed()),
        maybe(retry.boxed()),
        comment(),
    )
        .prop_map(|(a, sec, t, m, s, r, c)| {
            [a, sec, t, Some(c), m, s, r]
                .into_iter()
                .flatten()
                .collect::<String>()
        })
        .boxed()
}

/// The attributes a leaf endpoint element may carry.
fn leaf_attributes() -> BoxedStrategy<String> {
    (
        maybe(
            prop::sample::select(vec!["soap11", "soap12", "pox", "get", "rest"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe(
            prop::sample::select(vec!["mtom", "swa"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe(Just("UTF-8".to_owned()).boxed()),
        maybe(
            prop::sample::select(vec!["enable", "disable"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    )
        .prop_map(|(f, o, e, s)| {
            format!(
                "{}{}{}{}",
                opt_attr("format", &f),
                opt_attr("optimize", &o),
                opt_attr("encoding", &e),
                opt_attr("statistics", &s)
            )
        })
        .boxed()
}

/// The kind-deciding content of an endpoint: (attributes of `<endpoint>`, children).
fn endpoint_kind(depth: u32) -> BoxedStrategy<(String, String)> {
    let address = (uri(), leaf_attributes(), leaf_settings()).prop_map(|(u, a, s)| {
        (
            String::new(),
            format!("\n<address uri=\"{}\"{a}>{s}</address>", attr(&u)),
        )
    });
    let http = (
        prop::sample::select(vec![
            "http://localhost:8080/orders/{uri.var.id}",
            "https://api.example.com/v1/items?q={query.param.q}&lang=é",
            "legacy-encoding:http://h/{uri.var.path}",
        ]),
        maybe(prop::sample::select(vec!["get", "post", "put", "delete", "patch"]).prop_map(str::to_owned).boxed()),
        leaf_attributes(),
        leaf_settings(),
        maybe((solid(), solid()).boxed()),
    )
        .prop_map(|(t, m, a, s, auth)| {
            let auth = auth
                .map(|(u, p)| format!(
                    "\n<authentication><basicAuth><username>{}</username><password>{}</password></basicAuth></authentication>",
                    text(u.trim(), false),
                    text(p.trim(), true)
                ))
                .unwrap_or_default();
            (String::new(), format!("\n<http uri-template=\"{}\"{}{a}>{s}{auth}</http>", attr(t), opt_attr("method", &m)))
        });
    let default = (leaf_attributes(), leaf_settings())
        .prop_map(|(a, s)| (String::new(), format!("\n<default{a}>{s}</default>")));
    let indirect = prop_oneof![
        3 => key().prop_map(|k| (format!(" key=\"{}\"", attr(&k)), String::new())),
        1 => expression().prop_map(|e| (format!(" key-expression=\"{}\"", attr(&e)), String::new())),
    ];
    let template =
        (key(), maybe(uri()), prop::collection::vec(free(), 0..3)).prop_map(|(t, u, params)| {
            let params: String = params
                .iter()
                .enumerate()
                .map(|(i, v)| format!("\n<parameter name=\"p{i}\" value=\"{}\"/>", attr(v)))
                .collect();
            (
                format!(" template=\"{}\"{}", attr(&t), opt_attr("uri", &u)),
                params,
            )
        });
    let leaves = prop_oneof![
        3 => address,
        2 => http,
        1 => default,
        1 => indirect,
        1 => template,
    ];
    if depth == 0 {
        return leaves.boxed();
    }
    let children =
        prop::collection::vec(endpoint_element(depth - 1, false), 1..3).prop_map(|c| c.concat());
    let members = prop::collection::vec(
        ("[a-z]{1,6}", 1..65535u16, maybe((1..65535u16).boxed())),
        1..3,
    )
    .prop_map(|m| {
        m.iter()
            .map(|(h, p, s)| {
                let s = s.map(|s| format!(" httpsPort=\"{s}\"")).unwrap_or_default();
                format!("\n<member hostName=\"{h}\" httpPort=\"{p}\"{s}/>")
            })
            .collect::<String>()
    });
    let loadbalance = (
        maybe(
            prop::sample::select(vec![
                "\n<session type=\"http\"><sessionTimeout>60000</sessionTimeout></session>",
                "\n<session type=\"simpleClientSession\"/>",
                "\n<session type=\"soap\"/>",
            ])
            .prop_map(str::to_owned)
            .boxed(),
        ),
        prop::sample::select(vec![
            "",
            " algorithm=\"org.apache.synapse.endpoints.algorithms.RoundRobin\"",
            " policy=\"roundRobin\" failover=\"false\"",
        ]),
        children.clone(),
    )
        .prop_map(|(session, attrs, children)| {
            (
                String::new(),
                format!(
                    "{}\n<loadbalance{attrs}>{children}</loadbalance>",
                    session.unwrap_or_default()
                ),
            )
        });
    let lb_members = members
        .clone()
        .prop_map(|m| (String::new(), format!("\n<loadbalance>{m}</loadbalance>")));
    let failover = (any::<bool>(), children.clone()).prop_map(|(dynamic, c)| {
        let attrs = if dynamic {
            " dynamic=\"true\" buildMessage=\"false\""
        } else {
            ""
        };
        (String::new(), format!("\n<failover{attrs}>{c}</failover>"))
    });
    let recipients = prop_oneof![
        children.prop_map(|c| (String::new(), format!("\n<recipientlist>{c}</recipientlist>"))),
        members.prop_map(|m| (String::new(), format!("\n<recipientlist>{m}</recipientlist>"))),
        Just((String::new(), "\n<recipientlist><endpoints value=\"http://a:80/x, https://b/y?p=1&amp;q=2\" max-cache=\"10\"/></recipientlist>".to_owned())),
        Just((String::new(), "\n<recipientlist><endpoints value=\"{get-property('urls')}\"/></recipientlist>".to_owned())),
    ];
    prop_oneof![
        4 => leaves,
        1 => loadbalance,
        1 => lb_members,
        1 => failover,
        1 => recipients,
    ]
    .boxed()
}

/// An `<endpoint>` element; `named` for an artifact's root (then it declares the Synapse
/// namespace).
fn endpoint_element(depth: u32, named: bool) -> BoxedStrategy<String> {
    let property = (
        name(),
        prop_oneof![
            free().prop_map(|v| format!("value=\"{}\"", attr(&v))),
            expression().prop_map(|e| format!("expression=\"{}\"", attr(&e))),
        ],
        maybe(
            prop::sample::select(vec!["default", "transport", "axis2", "axis2-client"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    )
        .prop_map(|(n, v, s)| format!("\n<property name=\"{n}\" {v}{}/>", opt_attr("scope", &s)));
    (
        if named { label().prop_map(Some).boxed() } else { maybe(name()) },
        endpoint_kind(depth),
        prop::collection::vec(property, 0..3),
        maybe((free(), comment()).boxed()),
        maybe(key()),
        maybe(prop::sample::select(vec!["enable", "disable"]).prop_map(str::to_owned).boxed()),
        maybe(prop::sample::select(vec!["enable", "disable"]).prop_map(str::to_owned).boxed()),
        comment(),
    )
        .prop_map(move |(n, (attrs, children), properties, description, on_error, stats, trace, c)| {
            // A template endpoint takes parameters, not properties.
            let properties = if attrs.contains("template=") { String::new() } else { properties.concat() };
            let description = description
                .map(|(d, c)| format!("\n<description>{}</description>", split_text(&d, &c, false)))
                .unwrap_or_default();
            let xmlns = if named { format!(" xmlns=\"{NS}\"") } else { String::new() };
            format!(
                "\n<endpoint{xmlns}{}{attrs}{}{}{}>{c}{children}{properties}{description}\n</endpoint>",
                opt_attr("name", &n),
                opt_attr("onError", &on_error),
                opt_attr("statistics", &stats),
                opt_attr("trace", &trace),
            )
        })
        .boxed()
}

fn endpoint() -> BoxedStrategy<String> {
    endpoint_element(2, true)
}

// ---------------------------------------------------------------------------------------------
// APIs.

/// Resource `index` of an API bound to `api_binds` (empty: none written).
fn resource(index: usize, api_binds: Vec<&'static str>) -> BoxedStrategy<String> {
    let dispatch = prop_oneof![
        3 => prop::sample::select(vec![
            "/r{i}/{id}", "/r{i}", "/r{i}/items?q={q}&amp;lang={lang}", "/r{i}/{+path}", "/r{i}/files/*",
        ])
        .prop_map(move |t| format!(" uri-template=\"{}\"", t.replace("{i}", &index.to_string()))),
        2 => prop::sample::select(vec!["/m{i}", "/m{i}/*", "/m{i}/list/", "*.x{i}"])
            .prop_map(move |m| format!(" url-mapping=\"{}\"", m.replace("{i}", &index.to_string()))),
        // Only one resource may be the default.
        u32::from(index == 0) => Just(String::new()),
    ];
    // A resource can only narrow its API's bindings.
    let binds = if api_binds.is_empty() {
        prop::sample::select(vec!["", " binds-to=\"default\""])
            .prop_map(str::to_owned)
            .boxed()
    } else {
        prop::sample::subsequence(api_binds, 0..=2)
            .prop_map(|b| {
                if b.is_empty() {
                    String::new()
                } else {
                    format!(" binds-to=\"{}\"", b.join(","))
                }
            })
            .boxed()
    };
    (
        prop::sample::subsequence(vec!["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"], 0..=3),
        dispatch,
        maybe(prop::sample::select(vec!["http", "https"]).prop_map(str::to_owned).boxed()),
        maybe(prop::sample::select(vec!["application/json", "text/xml"]).prop_map(str::to_owned).boxed()),
        maybe(prop::sample::select(vec!["Mozilla/.*", "curl.*|Wget & co"]).prop_map(str::to_owned).boxed()),
        sequence_slot("inSequence"),
        sequence_slot("outSequence"),
        sequence_slot("faultSequence"),
        (binds, comment()),
    )
        .prop_map(|(methods, dispatch, protocol, content_type, agent, (ia, ie), (oa, oe), (fa, fe), (binds, c))| {
            let methods = if methods.is_empty() {
                String::new()
            } else {
                format!(" methods=\"{}\"", methods.join(" "))
            };
            format!(
                "\n<resource{methods}{dispatch}{}{}{}{binds}{ia}{oa}{fa}>{ie}{c}{oe}{fe}\n</resource>",
                opt_attr("protocol", &protocol),
                opt_attr("content-type", &content_type),
                opt_attr("user-agent", &agent),
            )
        })
        .boxed()
}

fn handlers() -> BoxedStrategy<String> {
    let property = prop_oneof![
        (name(), free()).prop_map(|(n, v)| format!("\n<property name=\"{n}\" value=\"{}\"/>", attr(&v))),
        (name(), free(), free()).prop_map(|(n, a, t)| format!(
            "\n<property name=\"{n}\">\n    <policy xmlns=\"urn:policy\" a=\"{}\"><rule>{}</rule></policy>\n</property>",
            attr(&a), text(&t, false)
        )),
        (name(), xml_value_in_text()).prop_map(|(n, x)| format!("\n<property name=\"{n}\">{x}</property>")),
    ];
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "org.wso2.micro.integrator.security.handler.BasicAuthHandler",
                "com.acme.CorsHandler",
            ]),
            prop::collection::vec(property, 0..3),
        )
            .prop_map(|(class, props)| {
                format!(
                    "\n<handler class=\"{class}\">{}</handler>",
                    props.join(COMMENT)
                )
            }),
        1..3,
    )
    .prop_map(|h| format!("\n<handlers>{}\n</handlers>", h.concat()))
    .boxed()
}

fn api() -> BoxedStrategy<String> {
    let version = prop_oneof![
        Just((String::new(), "/orders".to_owned())),
        "[0-9]\\.[0-9]\\.[0-9]".prop_map(|v| (
            format!(" version=\"{v}\" version-type=\"url\""),
            "/orders".to_owned()
        )),
        "[0-9]".prop_map(|v| (
            format!(" version=\"v{v}\" version-type=\"url\" version-param=\"api-version\""),
            "/orders/".to_owned()
        )),
        "[0-9]\\.[0-9]".prop_map(|v| (
            format!(" version=\"{v}\" version-type=\"context\""),
            "/shop/{version}/orders".to_owned()
        )),
    ];
    let binds: Vec<Vec<&'static str>> = vec![vec![], vec!["default", "ib1"], vec!["ib1", "ib2"]];
    let resources = prop::sample::select(binds).prop_flat_map(|binds| {
        (
            Just(binds.clone()),
            (1..5usize).prop_flat_map(move |n| {
                (0..n)
                    .map(|i| resource(i, binds.clone()))
                    .collect::<Vec<_>>()
            }),
            comment(),
        )
    });
    (
        label(),
        version,
        maybe("[a-z]{1,8}(\\.[a-z]{2,4})?".boxed()),
        maybe((1..=65535u16).prop_map(|p| p.to_string()).boxed()),
        maybe(prop::sample::select(vec!["http", "https"]).prop_map(str::to_owned).boxed()),
        maybe(free()),
        maybe(prop::sample::select(vec!["enable", "disable"]).prop_map(str::to_owned).boxed()),
        resources,
        maybe(handlers()),
        maybe(Just("gov:/swagger/orders.yaml".to_owned()).boxed()),
    )
        .prop_map(
            |(n, (version, context), host, port, transport, description, stats, (binds, resources, c), handlers, swagger)| {
                let binds = if binds.is_empty() {
                    String::new()
                } else {
                    format!(" binds-to=\"{}\"", binds.join(", "))
                };
                format!(
                    "<api xmlns=\"{NS}\" name=\"{}\" context=\"{context}\"{version}{}{}{}{}{}{binds}{}>{}{}\n</api>",
                    attr(&n),
                    opt_attr("hostname", &host),
                    opt_attr("port", &port),
                    opt_attr("transports", &transport),
                    opt_attr("description", &description),
                    opt_attr("statistics", &stats),
                    opt_attr("publishSwagger", &swagger),
                    resources.join(&c),
                    handlers.unwrap_or_default(),
                )
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Proxies.

/// An XML value (of a parameter or local entry): one element, with namespaces and escapes.
fn xml_value() -> BoxedStrategy<String> {
    prop_oneof![
        (free(), free()).prop_map(|(a, t)| format!(
            "<config xmlns=\"\" a=\"{}\"><item>{}</item><empty/></config>",
            attr(&a), text(&t, false)
        )),
        free().prop_map(|t| format!(
            "<m0:getQuote xmlns:m0=\"http://services.samples\">\n    <m0:request>\n        <m0:symbol>{}</m0:symbol>\n    </m0:request>\n</m0:getQuote>",
            text(&t, false)
        )),
        free().prop_map(|t| format!("<synapseThing>{}</synapseThing>", text(&t, true))),
        Just("<wsp:Policy xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\"><wsp:All/></wsp:Policy>".to_owned()),
        // Quotes of both kinds, references as written, a default namespace undeclared inside.
        Just("<a xmlns=\"urn:a\" q='say \"hi\" &amp; &#233;' r=\"it&apos;s\">caf&#233; <![CDATA[<raw> & ]]]]><![CDATA[>]]><b xmlns=\"\"><c/></b><?pi data?></a>".to_owned()),
    ]
    .boxed()
}

/// An XML value as an element's content: indented, with comments, or (rarely) with text
/// beside it, which Synapse ignores (`getFirstElement()`).
fn xml_value_in_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => xml_value().prop_map(|x| format!("\n    {x}\n")),
        1 => xml_value().prop_map(|x| format!("{COMMENT}\n    {x}{COMMENT}")),
        1 => xml_value().prop_map(|x| x.to_owned()),
        1 => (solid(), xml_value(), free()).prop_map(|(a, x, b)| format!("{}{x}{}", text(&a, false), text(&b, true))),
    ]
    .boxed()
}

fn proxy() -> BoxedStrategy<String> {
    let transports = prop_oneof![
        Just(String::new()),
        Just(" transports=\"all\"".to_owned()),
        prop::sample::subsequence(vec!["http", "https", "jms", "vfs", "local"], 1..=3)
            .prop_flat_map(|t| prop::sample::select(vec![" ", ",", ", "])
                .prop_map(move |sep| format!(" transports=\"{}\"", t.join(sep)))),
    ];
    let endpoint = prop_oneof![
        1 => Just((String::new(), String::new())),
        1 => key().prop_map(|k| (format!(" endpoint=\"{}\"", attr(&k)), String::new())),
        1 => endpoint_element(1, false).prop_map(|e| (String::new(), e)),
    ];
    let parameter = prop_oneof![
        (free(), comment()).prop_map(|(t, c)| split_text(&t, &c, false)),
        free().prop_map(|t| text(&t, true)),
        xml_value_in_text(),
    ];
    let flags = (
        any::<bool>(),
        any::<bool>(),
        maybe(
            prop::sample::select(vec!["enable", "disable"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe(
            prop::sample::select(vec!["enable", "disable"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe(
            prop::sample::select(vec!["srv1", "srv1 srv2", "srv1,srv2"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        comment(),
    );
    (
        label(),
        transports,
        maybe(prop::sample::select(vec!["true", "false", "TRUE"]).prop_map(str::to_owned).boxed()),
        maybe(solid()),
        maybe((free(), comment()).boxed()),
        (sequence_slot("inSequence"), sequence_slot("outSequence"), sequence_slot("faultSequence"), endpoint),
        prop::collection::vec((name(), parameter), 0..3),
        flags,
    )
        .prop_map(
            |(n, transports, start, group, description, ((ia, ie), (oa, oe), (fa, fe), (ea, ee)), params, (addressing, rm, trace, stats, pinned, c))| {
                // A target needs an in-sequence or an endpoint.
                let (ia, ie) = if ia.is_empty() && ie.is_empty() && ea.is_empty() && ee.is_empty() {
                    (" inSequence=\"Main\"".to_owned(), String::new())
                } else {
                    (ia, ie)
                };
                let description = description
                    .map(|(d, c)| format!("\n<description>{}</description>", split_text(&d, &c, false)))
                    .unwrap_or_default();
                let names = unique(params.iter().map(|(n, _)| n.clone()).collect());
                let params: String = names
                    .iter()
                    .zip(&params)
                    .map(|(n, (_, v))| format!("\n<parameter name=\"{n}\">{v}</parameter>"))
                    .collect();
                let addressing = if addressing { "\n<enableAddressing/>" } else { "" };
                let rm = if rm { "\n<enableRM/>" } else { "" };
                format!(
                    "<proxy xmlns=\"{NS}\" name=\"{}\"{transports}{}{}{}{}{}>{description}{c}\n<target{ia}{oa}{fa}{ea}>{ie}{c}{oe}{fe}{ee}\n</target>{params}{addressing}{rm}\n</proxy>",
                    attr(&n),
                    opt_attr("startOnLoad", &start),
                    opt_attr("serviceGroup", &group),
                    opt_attr("trace", &trace),
                    opt_attr("statistics", &stats),
                    opt_attr("pinnedServers", &pinned),
                )
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Templates and local entries.

fn template() -> BoxedStrategy<String> {
    let parameter = (
        name(),
        maybe(
            prop::sample::select(vec!["true", "false"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        maybe(free()),
        maybe(free()),
    );
    let sequence_body = mediators(1).prop_map(|b| format!("\n<sequence>{b}\n</sequence>"));
    let endpoint_body = (free(), leaf_settings()).prop_map(|(d, s)| {
        format!(
            "\n<endpoint name=\"$name\">\n<address uri=\"$uri\">{s}\n</address>\n<description>{}</description>\n</endpoint>",
            text(&d, false)
        )
    });
    (
        label(),
        maybe(key()),
        maybe(free()),
        prop::collection::vec(parameter, 0..4),
        prop_oneof![2 => sequence_body, 1 => endpoint_body],
    )
        .prop_map(|(n, on_error, description, params, body)| {
            let names = unique(params.iter().map(|p| p.0.clone()).collect());
            let params: String = names
                .iter()
                .zip(&params)
                .map(|(n, (_, mandatory, default, description))| {
                    format!(
                        "\n<parameter name=\"{n}\"{}{}{}/>",
                        opt_attr("isMandatory", mandatory),
                        opt_attr("defaultValue", default),
                        opt_attr("description", description)
                    )
                })
                .collect();
            format!(
                "<template xmlns=\"{NS}\" name=\"{}\"{}{}>{params}{body}\n</template>",
                attr(&n),
                opt_attr("onError", &on_error),
                opt_attr("description", &description)
            )
        })
        .boxed()
}

fn local_entry() -> BoxedStrategy<String> {
    let value = prop_oneof![
        (free(), any::<bool>(), comment())
            .prop_map(|(t, cdata, c)| (String::new(), split_text(&t, &c, cdata))),
        xml_value_in_text().prop_map(|x| (String::new(), x)),
        prop::sample::select(vec!["file:/tmp/orders.xml", "file:repository/conf/a&b.xml"])
            .prop_map(|s| (format!(" src=\"{}\"", attr(s)), String::new())),
    ];
    // The description as an attribute, or as Synapse's serializer writes it: a
    // `<description>` element after the value (or before it).
    let description = prop_oneof![
        Just((String::new(), String::new(), String::new())),
        free().prop_map(|d| (
            opt_attr("description", &Some(d)),
            String::new(),
            String::new()
        )),
        (free(), comment()).prop_map(|(d, c)| (
            String::new(),
            String::new(),
            format!("<description>{}</description>", split_text(&d, &c, false))
        )),
        free().prop_map(|d| (
            String::new(),
            format!("<description>{}</description>", text(&d, true)),
            String::new()
        )),
    ];
    (key(), description, value)
        .prop_map(|(k, (attribute, before, after), (src, content))| {
            format!(
                "<localEntry xmlns=\"{NS}\" key=\"{}\"{src}{attribute}>{before}{content}{after}</localEntry>",
                attr(&k),
            )
        })
        .boxed()
}

/// Any artifact, as a file of its own or inside `<definitions>`.
fn artifact() -> BoxedStrategy<String> {
    Union::new(vec![
        api(),
        proxy(),
        endpoint(),
        sequence(),
        template(),
        local_entry(),
    ])
    .boxed()
}

/// An artifact as a whole file: perhaps an XML declaration, a comment before the root, a
/// namespace prefix declared on the root (so in scope in every element), and Windows line
/// ends.
fn file(artifact: BoxedStrategy<String>) -> BoxedStrategy<String> {
    (
        artifact,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(xml, declaration, comment, prefix, crlf)| {
            let mut xml = xml.trim_start().to_owned();
            if prefix && let Some(space) = xml.find(' ') {
                xml.insert_str(space, " xmlns:ns1=\"urn:unused&amp;1\"");
            }
            if comment {
                xml = format!("{COMMENT}\n{xml}");
            }
            if declaration {
                xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}");
            }
            if crlf {
                xml = xml.replace('\n', "\r\n");
            }
            xml
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// The properties.

/// Cases per property: `PROPTEST_CASES` when set, else a count that keeps the file fast in a
/// debug build.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

macro_rules! round_trip_property {
    ($name:ident, $strategy:expr, $cases:expr) => {
        proptest! {
            #![proptest_config(config($cases))]
            #[test]
            fn $name(xml in $strategy) {
                let registry = registry();
                match round_trip(&xml, &registry) {
                    Ok(n) => prop_assert!(n >= 1),
                    Err(e) => prop_assert!(false, "{}", e),
                }
            }
        }
    };
}

round_trip_property!(apis_round_trip, file(api()), 48);
round_trip_property!(proxies_round_trip, file(proxy()), 48);
round_trip_property!(endpoints_round_trip, file(endpoint()), 64);
round_trip_property!(sequences_round_trip, file(sequence()), 64);
round_trip_property!(templates_round_trip, file(template()), 48);
round_trip_property!(local_entries_round_trip, file(local_entry()), 64);

proptest! {
    #![proptest_config(config(48))]
    /// A comment changes no value. A spec's text keeps the comments nested in the content
    /// it holds (the content as written), so the comparison is of the written files, with the
    /// comments taken out of one.
    #[test]
    fn comments_change_nothing(xml in file(artifact())) {
        let registry = registry();
        let written = |xml: &str| -> Result<Vec<String>, String> {
            let artifacts = load_str(xml, Path::new("a.xml"), &registry).map_err(|d| format!("{d}\n{xml}"))?;
            Ok(artifacts.iter().map(|a| a.to_xml().unwrap_or_default()).collect())
        };
        let with: Vec<String> = written(&xml).map_err(TestCaseError::fail)?
            .iter()
            .map(|w| w.replace(COMMENT, ""))
            .collect();
        let without = written(&xml.replace(COMMENT, "")).map_err(TestCaseError::fail)?;
        prop_assert_eq!(with, without, "input:\n{}", xml);
    }
}

proptest! {
    #![proptest_config(config(16))]
    #[test]
    fn definitions_round_trip(artifacts in prop::collection::vec(artifact(), 1..4)) {
        // The same artifacts inside one `<definitions>`: each is written on its own.
        let inner: String = artifacts
            .iter()
            .map(|a| a.replacen(&format!(" xmlns=\"{NS}\""), "", 1))
            .collect::<Vec<_>>()
            .join("\n");
        let xml = format!("<definitions xmlns=\"{NS}\">\n{inner}\n</definitions>");
        let registry = registry();
        match round_trip(&xml, &registry) {
            Ok(n) => prop_assert_eq!(n, artifacts.len()),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fixtures.

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            xml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_artifact_round_trips() {
    let registry = registry();
    let mut files = Vec::new();
    xml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut files,
    );
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        // Files that do not load on their own (broken/, project files, registry resources
        // that are not artifacts) are not this test's concern.
        if load_str(&text, file, &registry).is_err() {
            continue;
        }
        match round_trip(&text, &registry) {
            Ok(n) => checked += n,
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 40, "only {checked} fixture artifacts checked");
}

// ---------------------------------------------------------------------------------------------
// What the round trip found in the readers.

fn one(xml: &str) -> ArtifactConfig {
    let registry = registry();
    match load_str(xml, Path::new("a.xml"), &registry) {
        Ok(mut artifacts) if artifacts.len() == 1 => artifacts.remove(0),
        other => panic!("{other:?}"),
    }
}

// Synapse's EntryFactory: the first `<description>` child is the description (and is
// detached), the value is the first element (`getFirstElement()`), else the text.
#[test]
fn a_local_entry_reads_its_description_element_and_its_first_element() {
    let ArtifactConfig::LocalEntry(text) = one(&format!(
        "<localEntry xmlns=\"{NS}\" key=\"k\"><![CDATA[a & b]]><description>said <!-- not this -->so</description></localEntry>"
    )) else {
        panic!("a local entry")
    };
    assert_eq!(text.value, LocalEntryValue::Text("a & b".into()));
    assert_eq!(text.description.as_deref(), Some("said so"));

    let ArtifactConfig::LocalEntry(xml) = one(&format!(
        "<localEntry xmlns=\"{NS}\" key=\"k\">\n  <description>d</description>\n  stray <a xmlns=\"\" q='1'>x</a> text\n</localEntry>"
    )) else {
        panic!("a local entry")
    };
    assert_eq!(
        xml.value,
        LocalEntryValue::Xml("<a xmlns=\"\" q='1'>x</a>".into())
    );
    assert_eq!(xml.description.as_deref(), Some("d"));
    assert_eq!(round_trip(&xml_of(&xml), &registry()), Ok(1));
}

fn xml_of(entry: &mediate_config::LocalEntryConfig) -> String {
    ArtifactConfig::LocalEntry(entry.clone())
        .to_xml()
        .unwrap_or_default()
}

// ProxyServiceFactory takes a parameter's first element, else its text; comments are neither.
#[test]
fn proxy_values_leave_out_text_beside_an_element_and_comments() {
    let ArtifactConfig::Proxy(proxy) = one(&format!(
        "<proxy xmlns=\"{NS}\" name=\"P\"><description>a<!-- c -->b</description><target inSequence=\"S\"/>\
         <parameter name=\"x\">before <cfg xmlns=\"\"/> after</parameter>\
         <parameter name=\"t\"> one<!-- c --> two </parameter></proxy>"
    )) else {
        panic!("a proxy")
    };
    assert_eq!(proxy.description.as_deref(), Some("ab"));
    assert_eq!(
        proxy.parameters[0].value,
        ParameterValue::Xml("<cfg xmlns=\"\"/>".into())
    );
    assert_eq!(
        proxy.parameters[1].value,
        ParameterValue::Text("one two".into())
    );
}

// AbstractListMediatorFactory reads `<description>`'s text, all of it.
#[test]
fn a_sequence_description_element_is_all_its_text() {
    let ArtifactConfig::Sequence(seq) = one(&format!(
        "<sequence xmlns=\"{NS}\" name=\"S\"><description>a &amp; <!-- c --><![CDATA[<b>]]></description><drop/></sequence>"
    )) else {
        panic!("a sequence")
    };
    assert_eq!(seq.description.as_deref(), Some("a & <b>"));
    assert_eq!(seq.mediators.len(), 1);
}
