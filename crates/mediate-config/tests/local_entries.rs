//! Local entries deployed by [`Deployment::env`] as the runtime deploys them: an XML entry
//! (inline, or a `src` file holding XML) as its element, so that `get-property('KEY')/url`
//! walks into it (Synapse's `EntryFactory` keeps it as an `OMElement`); text, and a `src` file
//! of anything else, as strings.

use std::path::{Path, PathBuf};

#[path = "support/temp_dir.rs"]
mod temp_dir;

use mediate_config::{Configuration, Deployment, load_dir};
use mediate_core::{Flow, MessageContext, Registry};
use temp_dir::TempDir;

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

/// An Integration Studio project in `dir` (artifacts under `src/main/synapse-config`) with an inline XML entry, a text entry, an XML file entry and a text
/// file entry, and a sequence `Main` reading each with `get-property`.
fn project(dir: &Path) -> Deployment {
    let configs = dir.join("src/main/synapse-config");
    let resources = dir.join("conf");
    for folder in [
        configs.join("local-entries"),
        configs.join("sequences"),
        resources.clone(),
    ] {
        std::fs::create_dir_all(folder).expect("mkdir");
    }
    let write = |path: PathBuf, text: &str| std::fs::write(path, text).expect("write");
    let entry = |name: &str, text: String| write(configs.join("local-entries").join(name), &text);
    entry(
        "cfg.xml",
        format!(
            "<localEntry {NS} key=\"cfg\">\
             <config xmlns=\"\"><url>http://backend/orders</url><retries>3</retries></config>\
             </localEntry>"
        ),
    );
    // Inline XML in a Synapse file is in the Synapse namespace unless it says otherwise (as in
    // MI): `get-property('nscfg')/url` finds nothing there, `…/s:url` does.
    entry(
        "nscfg.xml",
        format!(
            "<localEntry {NS} key=\"nscfg\"><config><url>http://ns/</url></config></localEntry>"
        ),
    );
    entry(
        "greeting.xml",
        format!("<localEntry {NS} key=\"greeting\">Hello &lt;b&gt;</localEntry>"),
    );
    write(
        resources.join("limits.xml"),
        "<?xml version=\"1.0\"?>\n<limits><max>10</max></limits>\n",
    );
    write(resources.join("note.txt"), "<not closed\n");
    entry(
        "limits.xml",
        format!(
            "<localEntry {NS} key=\"limits\" \
             src=\"file:conf/limits.xml\"/>"
        ),
    );
    entry(
        "note.xml",
        format!("<localEntry {NS} key=\"note\" src=\"file:conf/note.txt\"/>"),
    );
    write(
        configs.join("sequences/Main.xml"),
        &format!(
            "<sequence {NS} name=\"Main\">\
             <property name=\"url\" expression=\"get-property('cfg')/url\"/>\
             <property name=\"retries\" expression=\"get-property('cfg')/retries\"/>\
             <property name=\"ns-url\" expression=\"get-property('nscfg')/s:url\" \
               xmlns:s=\"http://ws.apache.org/ns/synapse\"/>\
             <property name=\"ns-url-unprefixed\" expression=\"get-property('nscfg')/url\"/>\
             <property name=\"max\" expression=\"get-property('limits')/max\"/>\
             <property name=\"greeting\" expression=\"get-property('greeting')\"/>\
             <property name=\"note\" expression=\"get-property('note')\"/>\
             </sequence>"
        ),
    );
    let configuration: Configuration = match load_dir(dir, &registry()) {
        Ok(c) => c,
        Err(d) => panic!("loads:\n{d}"),
    };
    match configuration.deploy(&registry()) {
        Ok(d) => d,
        Err(d) => panic!("deploys:\n{d}"),
    }
}

fn property(msg: &MessageContext, name: &str) -> String {
    msg.property(name)
        .unwrap_or_else(|| panic!("property `{name}` is set"))
        .as_string()
        .to_string()
}

#[test]
fn xml_entries_are_elements_and_text_entries_strings() {
    let tmp = TempDir::new("xml-entries");
    let deployment = project(&tmp.0);
    let env = deployment.env();
    let mut msg = MessageContext::from_xml("<a/>");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let flow = rt
        .block_on(env.run(&deployment.sequences()["Main"], &mut msg))
        .expect("runs");
    assert_eq!(flow, Flow::Continue);
    assert_eq!(property(&msg, "url"), "http://backend/orders");
    assert_eq!(property(&msg, "retries"), "3");
    assert_eq!(property(&msg, "ns-url"), "http://ns/");
    assert_eq!(property(&msg, "ns-url-unprefixed"), "");
    assert_eq!(property(&msg, "max"), "10");
    // Text stays text, markup-looking or not (a file that is not XML included).
    assert_eq!(property(&msg, "greeting"), "Hello <b>");
    assert_eq!(property(&msg, "note"), "<not closed\n");
}

#[test]
fn an_xml_entry_is_still_its_text_where_text_is_asked_for() {
    let tmp = TempDir::new("xml-entry-text");
    let deployment = project(&tmp.0);
    let env = deployment.env();
    assert_eq!(
        env.local_entry("cfg").map(|e| &**e),
        Some(r#"<config xmlns=""><url>http://backend/orders</url><retries>3</retries></config>"#)
    );
    assert_eq!(
        env.local_entry("limits").map(|e| &**e),
        Some("<limits><max>10</max></limits>")
    );
    assert_eq!(
        deployment.local_entries().get("greeting").map(|e| &**e),
        Some("Hello <b>")
    );
}
