//! The artifacts mediate reads but cannot deploy yet: `<inboundEndpoint>`, `<messageStore>`,
//! `<messageProcessor>` and `<task>`; and MI's own settings files it reads and ignores
//! (`<registry>`, `<taskManager>`). Each is checked as MI's factory reads it
//! (`InboundEndpointFactory`, `MessageStoreFactory`, `MessageProcessorFactory`,
//! `TaskDescriptionFactory` of wso2-synapse), so that a malformed one is reported precisely; the
//! caller then adds the "not supported yet" diagnostic, since a server must not start with an
//! artifact it cannot deploy.

use std::collections::BTreeSet;

use roxmltree::Node;

use crate::read::Reader;

/// MI's own `<registry [name] provider>` (`synapse-configs/default/registry.xml`, read by
/// `RegistryFactory`) or `<taskManager provider>` (`TaskManagerFactory`), each with
/// `<parameter name>value</parameter>` children: checked, and nothing deployed (mediate keeps
/// registry resources and runs tasks itself).
pub(crate) fn check_settings(r: &mut Reader<'_>, node: Node<'_, '_>) {
    let element = node.tag_name().name();
    if element == "registry" {
        r.check_attributes(node, &["name", "provider"]);
        r.optional(node, "name");
    } else {
        r.check_attributes(node, &["provider"]);
    }
    r.required(node, "provider");
    let mut parameters = Vec::new();
    for child in r.elements(node) {
        if child.tag_name().name() == "parameter" {
            if let Some(p) = read_parameter(r, child, &["name"], &mut parameters) {
                parameters.push(p);
            }
        } else {
            r.unknown_element(node, child, &["parameter"]);
        }
    }
}

/// `<inboundEndpoint name (protocol | class) sequence [onError] [suspend]>` with
/// `<parameters><parameter name [key]>value</parameter>…</parameters>`.
pub(crate) fn check_inbound_endpoint(r: &mut Reader<'_>, node: Node<'_, '_>) {
    r.check_attributes(
        node,
        &[
            "name",
            "protocol",
            "class",
            "sequence",
            "onError",
            "suspend",
            "trace",
            "statistics",
        ],
    );
    r.required(node, "name");
    let protocol = r.optional(node, "protocol");
    r.optional(node, "class");
    match (node.attribute("protocol"), node.attribute("class")) {
        (None, None) => r.error_at(
            node,
            "`<inboundEndpoint>`: missing attribute `protocol` (a transport: `http`, `jms`, \
             `file`, `kafka`…) or `class` (a custom inbound endpoint)",
        ),
        (Some(_), Some(_)) => r.error_at_attr(
            node,
            "class",
            "`<inboundEndpoint>`: `protocol` and `class` cannot both be given",
        ),
        _ => {}
    }
    r.required(node, "sequence");
    r.optional(node, "onError");
    r.boolean(node, "suspend");
    let mut parameters = Vec::new();
    let mut seen_parameters = false;
    for child in r.elements(node) {
        match child.tag_name().name() {
            "parameters" => {
                if seen_parameters {
                    r.error_at(
                        child,
                        "`<inboundEndpoint>`: only one `<parameters>` is allowed",
                    );
                }
                seen_parameters = true;
                r.check_attributes(child, &[]);
                for parameter in r.elements(child) {
                    if parameter.tag_name().name() == "parameter" {
                        if let Some(p) =
                            read_parameter(r, parameter, &["name", "key"], &mut parameters)
                        {
                            parameters.push(p);
                        }
                    } else {
                        r.unknown_element(child, parameter, &["parameter"]);
                    }
                }
            }
            _ => r.unknown_element(node, child, &["parameters"]),
        }
    }
    let is = |name: &str| parameters.iter().find(|p| p.name == name);
    // The transport settings MI reads as numbers and flags.
    if matches!(protocol, Some("http" | "https" | "ws" | "wss" | "hl7")) {
        let port = match protocol {
            Some("ws" | "wss") => "inbound.ws.port",
            Some("hl7") => "inbound.hl7.Port",
            _ => "inbound.http.port",
        };
        match is(port) {
            None => r.error_at(
                node,
                format!(
                    "`<inboundEndpoint>`: a `{}` inbound endpoint needs the parameter `{port}`",
                    protocol.unwrap_or_default()
                ),
            ),
            Some(p) => check_number(r, p, port, 1, 65_535, "a port number (1 to 65535)"),
        }
    }
    if let Some(p) = is("interval") {
        check_number(r, p, "interval", 0, i64::MAX, "a number of milliseconds");
    }
    for flag in ["sequential", "coordination"] {
        if let Some(p) = is(flag) {
            check_boolean(r, p, flag);
        }
    }
}

/// `<messageStore name [class]>` with `<parameter name>value</parameter>`s and an optional
/// `<description>`; without `class` MI makes an in-memory store.
pub(crate) fn check_message_store(r: &mut Reader<'_>, node: Node<'_, '_>) {
    r.check_attributes(node, &["name", "class"]);
    r.required(node, "name");
    r.optional(node, "class");
    let mut parameters = Vec::new();
    for child in r.elements(node) {
        match child.tag_name().name() {
            "parameter" => {
                if let Some(p) =
                    read_parameter(r, child, &["name", "key", "expression"], &mut parameters)
                {
                    parameters.push(p);
                }
            }
            "description" => r.check_attributes(child, &[]),
            _ => r.unknown_element(node, child, &["parameter", "description"]),
        }
    }
}

/// `<messageProcessor name class messageStore [targetEndpoint]>` with
/// `<parameter name>value</parameter>`s and an optional `<description>`.
pub(crate) fn check_message_processor(r: &mut Reader<'_>, node: Node<'_, '_>) {
    r.check_attributes(node, &["name", "class", "messageStore", "targetEndpoint"]);
    r.required(node, "name");
    r.required(node, "class");
    r.required(node, "messageStore");
    r.optional(node, "targetEndpoint");
    let mut parameters = Vec::new();
    for child in r.elements(node) {
        match child.tag_name().name() {
            "parameter" => {
                if let Some(p) = read_parameter(r, child, &["name"], &mut parameters) {
                    parameters.push(p);
                }
            }
            "description" => r.check_attributes(child, &[]),
            _ => r.unknown_element(node, child, &["parameter", "description"]),
        }
    }
    for p in &parameters {
        match p.name.as_str() {
            "interval" | "client.retry.interval" => {
                check_number(r, p, &p.name, 0, i64::MAX, "a number of milliseconds");
            }
            "max.delivery.attempts" => {
                check_number(r, p, &p.name, -1, i64::MAX, "a number of attempts");
            }
            "member.count" => check_number(r, p, &p.name, 1, i64::MAX, "a number of members"),
            "is.active" => check_boolean(r, p, &p.name),
            _ => {}
        }
    }
}

/// `<task name class [group] [pinnedServers]>` with a `<trigger>` (`interval` seconds and
/// `count`, or `cron`, or `once`; none: run once), static `<property name value>`s (or with an
/// inline XML value) and an optional `<description>`.
pub(crate) fn check_task(r: &mut Reader<'_>, node: Node<'_, '_>) {
    r.check_attributes(node, &["name", "class", "group", "pinnedServers"]);
    r.required(node, "name");
    // MI only warns without it, but then nothing can run.
    r.required(node, "class");
    r.optional(node, "group");
    let mut triggers = 0;
    let mut names = BTreeSet::new();
    for child in r.elements(node) {
        match child.tag_name().name() {
            "trigger" => {
                triggers += 1;
                if triggers > 1 {
                    r.error_at(child, "`<task>`: only one `<trigger>` is allowed");
                }
                check_trigger(r, child);
            }
            "property" => {
                r.check_attributes(child, &["name", "value", "expression"]);
                let name = r.required(child, "name");
                if let Some(name) = name
                    && !names.insert(name.to_owned())
                {
                    r.error_at_attr(
                        child,
                        "name",
                        format!("`<task>`: property `{name}` is given twice"),
                    );
                }
                let inline = child.children().any(|c| c.is_element());
                if child.attribute("expression").is_some() {
                    r.error_at_attr(
                        child,
                        "expression",
                        "`<task>`: a task property cannot take an `expression` (MI: tasks do \
                         not support dynamic properties); give a `value` or an inline XML value",
                    );
                } else if child.attribute("value").is_some() && inline {
                    r.error_at_attr(
                        child,
                        "value",
                        "`<property>`: `value` and an inline XML value cannot both be given",
                    );
                } else if child.attribute("value").is_none() && !inline {
                    r.error_at(
                        child,
                        "`<property>`: missing attribute `value` (or an inline XML value)",
                    );
                }
            }
            "description" => r.check_attributes(child, &[]),
            _ => r.unknown_element(node, child, &["trigger", "property", "description"]),
        }
    }
}

/// `<trigger [count] [interval] [cron] [once]/>`.
fn check_trigger(r: &mut Reader<'_>, node: Node<'_, '_>) {
    r.check_attributes(node, &["count", "interval", "cron", "once"]);
    let count: Option<i64> = r.parse(node, "count", "a whole number of runs");
    let interval: Option<i64> = r.parse(node, "interval", "a whole number of seconds");
    if let Some(i) = interval
        && i <= 0
    {
        r.error_at_attr(
            node,
            "interval",
            format!(
                "`<trigger>`: attribute `interval` is `{i}`, expected a number of seconds above 0"
            ),
        );
    }
    let once = r.boolean(node, "once").unwrap_or(false);
    if node.attribute("cron").is_some() && node.attribute("interval").is_some() {
        r.error_at_attr(
            node,
            "cron",
            "`<trigger>`: `cron` and `interval` cannot both be given",
        );
    }
    if let Some(cron) = r.optional(node, "cron") {
        let fields = cron.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            r.error_at_attr(
                node,
                "cron",
                format!(
                    "`<trigger>`: `cron` is `{cron}` ({fields} fields), expected a Quartz cron \
                     expression of 6 or 7 fields (seconds minutes hours day-of-month month \
                     day-of-week [year])"
                ),
            );
        }
    }
    if count.is_some_and(|c| c > 1) && node.attribute("interval").is_none() && !once {
        r.error_at_attr(
            node,
            "count",
            "`<trigger>`: a `count` above 1 needs an `interval` (seconds between runs)",
        );
    }
}

/// One `<parameter name>` of a store, processor or inbound endpoint.
#[derive(Debug)]
struct Parameter<'a, 'input> {
    name: String,
    node: Node<'a, 'input>,
}

/// `<parameter name [key|expression]>value</parameter>`: its name (a repeated one is a problem).
fn read_parameter<'a, 'input>(
    r: &mut Reader<'_>,
    node: Node<'a, 'input>,
    known: &[&str],
    seen: &mut Vec<Parameter<'a, 'input>>,
) -> Option<Parameter<'a, 'input>> {
    r.check_attributes(node, known);
    let parent = node
        .parent_element()
        .map(|p| p.tag_name().name().to_owned())
        .unwrap_or_default();
    let name = r.required(node, "name")?.to_owned();
    if seen.iter().any(|p| p.name == name) {
        r.error_at_attr(
            node,
            "name",
            format!("`<{parent}>`: parameter `{name}` is given twice"),
        );
    }
    let has_content = node.has_children()
        && (node.children().any(|c| c.is_element())
            || !node.text().unwrap_or_default().trim().is_empty());
    for other in ["key", "expression"] {
        if node.attribute(other).is_some() && has_content {
            r.error_at_attr(
                node,
                other,
                format!("parameter `{name}`: `{other}` and a value cannot both be given"),
            );
        }
    }
    Some(Parameter { name, node })
}

/// The text value of a parameter, trimmed.
fn value<'a>(p: &Parameter<'a, '_>) -> &'a str {
    p.node.text().unwrap_or_default().trim()
}

/// Where a parameter's value starts (past leading white space), else the element.
fn value_at(r: &Reader<'_>, p: &Parameter<'_, '_>) -> mediate_core::Position {
    match p.node.first_child().filter(|c| c.is_text()) {
        Some(text) => {
            let raw = r.source.text.get(text.range()).unwrap_or_default();
            let lead = raw.len() - raw.trim_start().len();
            r.source.position(text.range().start + lead)
        }
        None => r.at(p.node),
    }
}

fn check_number(
    r: &mut Reader<'_>,
    p: &Parameter<'_, '_>,
    name: &str,
    min: i64,
    max: i64,
    expected: &str,
) {
    let v = value(p);
    if v.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
        return;
    }
    let at = value_at(r, p);
    r.error(
        at,
        format!("parameter `{name}` is `{v}`, expected {expected}"),
    );
}

fn check_boolean(r: &mut Reader<'_>, p: &Parameter<'_, '_>, name: &str) {
    let v = value(p);
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
        return;
    }
    let at = value_at(r, p);
    r.error(
        at,
        format!("parameter `{name}` is `{v}`, expected `true` or `false`"),
    );
}
