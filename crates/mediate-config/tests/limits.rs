//! What mediate refuses to read, so that no file can exhaust its stack, memory or time: elements
//! nested deeper than MI configurations go, too many namespaces in scope, inline content that
//! would be copied once per level, and `.car` archives that unpack to too much.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

#[path = "support/temp_dir.rs"]
mod temp_dir;

use mediate_config::{Configuration, load_dir, load_str, spec_from_element};
use mediate_core::{Flow, MessageContext, Registry};
use temp_dir::TempDir;

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

fn diagnostics(name: &str, xml: &str) -> Vec<String> {
    match load_str(xml, Path::new(name), &registry()) {
        Ok(a) => panic!("expected diagnostics, loaded {} artifacts", a.len()),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Nesting

/// A sequence whose payloadFactory format holds `levels` nested `<a>`s around `leaf`: the
/// `<sequence>` is level 0, `<payloadFactory>` 1, `<format>` 2, the first `<a>` 3.
fn nested_format(levels: usize, leaf: &str) -> (String, usize) {
    let head = format!(r#"<sequence {NS} name="s"><payloadFactory media-type="xml"><format>"#);
    let xml = format!(
        "{head}{}{leaf}{}</format><args/></payloadFactory></sequence>",
        "<a>".repeat(levels),
        "</a>".repeat(levels)
    );
    (xml, head.len())
}

// 256 levels below the artifact's root are read; the first element deeper is the one
// diagnostic (the file is refused before it is parsed, so no recursion ever sees it).
#[test]
fn elements_nested_past_256_levels_are_one_diagnostic_at_the_first_too_deep() {
    let (xml, _) = nested_format(254, "x");
    load_str(&xml, Path::new("deep.xml"), &registry()).expect("256 levels load");

    let (xml, head) = nested_format(20_000, "x");
    // The 255th `<a>` is level 257.
    let column = head + 254 * 3 + 1;
    assert_eq!(
        diagnostics("deep.xml", &xml),
        [format!(
            "deep.xml:1:{column}: elements are nested more than 256 deep"
        )]
    );
}

// In a `<definitions>` file each child is an artifact, so depth counts from there.
#[test]
fn depth_counts_from_each_artifact_of_a_definitions_file() {
    let (inner, _) = nested_format(254, "x");
    let inner = inner.replace(&format!("<sequence {NS} "), "<sequence ");
    let xml = format!("<definitions {NS}>{inner}</definitions>");
    load_str(&xml, Path::new("defs.xml"), &registry()).expect("256 levels below the sequence");
    let (inner, _) = nested_format(255, "x");
    let inner = inner.replace(&format!("<sequence {NS} "), "<sequence ");
    let xml = format!("<definitions {NS}>{inner}</definitions>");
    let column = xml.find(&"<a>".repeat(255)).expect("chain") + 254 * 3 + 1;
    assert_eq!(
        diagnostics("defs.xml", &xml),
        [format!(
            "defs.xml:1:{column}: elements are nested more than 256 deep"
        )]
    );
}

// Comments, CDATA and quoted `>` / `/>` do not fool the count.
#[test]
fn the_depth_scan_reads_markup_as_the_parser_does() {
    let noise = r#"<!-- <a><a><a> --><![CDATA[<a><a>]]><?pi <a>?>"#;
    let (xml, _) = nested_format(254, noise);
    load_str(&xml, Path::new("n.xml"), &registry()).expect("loads");
    let xml = format!(
        r#"<sequence {NS} name="s"><log><property name="p" value="/>&gt;"/></log>{}</sequence>"#,
        "<log/>".repeat(300)
    );
    load_str(&xml, Path::new("n.xml"), &registry()).expect("siblings are not nesting");
}

// `spec_from_element` on a document of any depth refuses what it would not read from a file.
#[test]
fn spec_from_element_refuses_deep_elements() {
    let xml = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    let doc = roxmltree::Document::parse(&xml).expect("roxmltree parses iteratively");
    let err = spec_from_element(doc.root_element(), Path::new("f.xml")).unwrap_err();
    // Level 257 below the root is the 258th `<a>`.
    assert_eq!(
        err.to_string(),
        format!(
            "f.xml:1:{}: elements are nested more than 256 deep",
            257 * 3 + 1
        )
    );
}

// The deepest mediators a file may hold: 127 filters, each `<filter><then>`, and a log at
// level 255. Loading (each mediator built to validate it), checking, deploying, writing back
// and dropping them recurse over the specs, all within a test thread's stack.
#[test]
fn the_deepest_allowed_mediators_load_deploy_write_and_run() {
    let depth = 127;
    let xml = format!(
        r#"<sequence {NS} name="s">{}<property name="reached" value="yes"/>{}</sequence>"#,
        r#"<filter xpath="true()"><then>"#.repeat(depth),
        "</then></filter>".repeat(depth)
    );
    let artifacts = load_str(&xml, Path::new("s.xml"), &registry()).expect("loads");
    let configuration = Configuration::new(artifacts);
    assert!(configuration.check().is_empty());
    let written = configuration.artifacts[0].to_xml().expect("written");
    assert_eq!(written.matches("<then").count(), depth);
    let deployment = configuration.deploy(&registry()).expect("deploys");
    let mut msg = MessageContext::from_xml("<a/>");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let flow = rt
        .block_on(deployment.env().run(&deployment.sequences()["s"], &mut msg))
        .expect("runs");
    assert_eq!(flow, Flow::Continue);
    assert!(msg.property("reached").is_some());
}

// The XML parser's time grows with the square of the namespaces in scope (a 200 KB file
// declaring 10,000 takes minutes): more than 64 in scope is refused before parsing.
#[test]
fn more_than_64_namespaces_in_scope_are_refused() {
    let decls = |n: usize, from: usize| -> String {
        (from..from + n)
            .map(|i| format!(r#" xmlns:p{i}="urn:p{i}""#))
            .collect()
    };
    let xml = format!(
        r#"<sequence {NS}{} name="s"><log/></sequence>"#,
        decls(63, 0)
    );
    load_str(&xml, Path::new("ns.xml"), &registry()).expect("64 in scope");
    let xml = format!(
        r#"<sequence {NS}{} name="s"><log{}/></sequence>"#,
        decls(60, 0),
        decls(4, 60)
    );
    let column = xml.find("<log").expect("log") + 1;
    assert_eq!(
        diagnostics("ns.xml", &xml),
        [format!(
            "ns.xml:1:{column}: more than 64 namespaces are declared in scope of this element"
        )]
    );
    // A declaration's scope ends with its element.
    let siblings: String = (0..100)
        .map(|i| format!(r#"<log xmlns:q{i}="urn:q"/>"#))
        .collect();
    let xml = format!(
        r#"<sequence {NS}{} name="s">{siblings}</sequence>"#,
        decls(60, 0)
    );
    load_str(&xml, Path::new("ns.xml"), &registry()).expect("siblings");
}

// Each element keeps its content as written, so a value nested deep inside inline XML is held
// once per level. At a realistic depth that is a few times the file; a large value at the
// bottom of 250 levels would be 250 times the file, and is refused instead.
#[test]
fn inline_content_copied_once_per_level_is_bounded() {
    let leaf = "x".repeat(400_000);
    let (xml, _) = nested_format(30, &leaf);
    load_str(&xml, Path::new("w.xml"), &registry()).expect("30 levels of a large value");
    let (xml, _) = nested_format(250, &leaf);
    assert_eq!(
        diagnostics("w.xml", &xml),
        [
            "w.xml:1:1: the file's elements would take about 96 MiB once read (more than 76 \
             MiB): each element keeps its content as written, so a large value nested deep \
             inside inline XML is copied once per level; nest it less deeply"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Carbon Application archives

/// A `.car` at `path` deploying a registry collection of `copies` files of `mib` MiB of zeros
/// (compressed once, then copied, so that the archive is quick to make).
fn zip_bomb(path: &Path, mib: usize, copies: usize) {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .expect("create .car");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let text = |zip: &mut zip::ZipWriter<std::fs::File>, name: &str, content: &str| {
        zip.start_file(name, options).expect("entry");
        zip.write_all(content.as_bytes()).expect("write");
    };
    text(
        &mut zip,
        "artifacts.xml",
        r#"<artifacts><artifact name="Bomb" version="1.0.0" type="carbon/application"><dependency artifact="Res" version="1.0.0"/></artifact></artifacts>"#,
    );
    text(
        &mut zip,
        "Res_1.0.0/artifact.xml",
        r#"<artifact name="Res" version="1.0.0" type="registry/resource"><file>registry-info.xml</file></artifact>"#,
    );
    text(
        &mut zip,
        "Res_1.0.0/registry-info.xml",
        r#"<resources><collection><directory>big</directory><path>/_system/config/big</path></collection></resources>"#,
    );
    zip.start_file("Res_1.0.0/resources/big/f0.txt", options)
        .expect("entry");
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..mib {
        zip.write_all(&chunk).expect("write");
    }
    for i in 1..copies {
        zip.deep_copy_file(
            "Res_1.0.0/resources/big/f0.txt",
            &format!("Res_1.0.0/resources/big/f{i}.txt"),
        )
        .expect("copy");
    }
    zip.finish().expect("finish");
}

// Five files of 60 MiB of zeros make a 300 KB archive: the first four are read (240 MiB), the
// fifth would pass the archive's 256 MiB, so it and anything after it is not read.
#[test]
fn an_archive_unpacking_past_256_mib_is_read_no_further() {
    let tmp = TempDir::new("bomb");
    let car = tmp.0.join("Bomb.car");
    zip_bomb(&car, 60, 5);
    assert!(std::fs::metadata(&car).expect("car").len() < 1024 * 1024);
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let base = format!("{}/", tmp.0.display());
    assert_eq!(
        err.to_string().replace(&base, ""),
        "Bomb.car!/Res_1.0.0/resources/big/f4.txt:1:1: reading \
         `Res_1.0.0/resources/big/f4.txt` would take the archive past 256 MiB of unpacked \
         files: mediate reads no more of it"
    );
}

fn write_zip(path: &Path, files: &[(&str, &str)]) {
    let file = std::fs::File::create(path).expect("create .car");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(content.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

// A manifest's problems with its `<file>`s are reported at the `<file>` (or at the
// `<artifact>` when there is none), not at the manifest's first line.
#[test]
fn archive_manifest_problems_are_at_their_file_elements() {
    let tmp = TempDir::new("car-files");
    let app = r#"<artifacts><artifact name="App" version="1.0.0" type="carbon/application">
<dependency artifact="Two" version="1.0.0"/>
<dependency artifact="None" version="1.0.0"/>
<dependency artifact="Gone" version="1.0.0"/>
</artifact></artifacts>"#;
    write_zip(
        &tmp.0.join("App.car"),
        &[
            ("artifacts.xml", app),
            (
                "Two_1.0.0/artifact.xml",
                "<artifact name=\"Two\" version=\"1.0.0\" type=\"synapse/sequence\">\n  \
                 <file>a.xml</file>\n  <file>b.xml</file>\n</artifact>",
            ),
            (
                "None_1.0.0/artifact.xml",
                "\n<artifact name=\"None\" version=\"1.0.0\" type=\"synapse/sequence\"/>",
            ),
            (
                "Gone_1.0.0/artifact.xml",
                "<artifact name=\"Gone\" version=\"1.0.0\" type=\"synapse/sequence\">\n    \
                 <file>missing.xml</file>\n</artifact>",
            ),
        ],
    );
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let base = format!("{}/", tmp.0.display());
    assert_eq!(
        err.to_string().replace(&base, ""),
        "App.car!/Gone_1.0.0/artifact.xml:2:5: `Gone_1.0.0/missing.xml` is not in the archive\n\
         App.car!/None_1.0.0/artifact.xml:2:1: `<artifact>`: expected one `<file>`, found 0\n\
         App.car!/Two_1.0.0/artifact.xml:3:3: `<artifact>`: expected one `<file>`, found 2"
    );
}

// A registry artifact of an archive names its files inside its `resources/` folder.
#[test]
fn archive_registry_files_stay_in_their_folder() {
    let tmp = TempDir::new("car-up");
    write_zip(
        &tmp.0.join("Up.car"),
        &[
            (
                "artifacts.xml",
                r#"<artifacts><artifact name="Up" version="1.0.0" type="carbon/application"><dependency artifact="R" version="1.0.0"/></artifact></artifacts>"#,
            ),
            (
                "R_1.0.0/artifact.xml",
                r#"<artifact name="R" version="1.0.0" type="registry/resource"><file>registry-info.xml</file></artifact>"#,
            ),
            (
                "R_1.0.0/registry-info.xml",
                "<resources>\n<item><file>../../artifacts.xml</file><path>/_system/config/a</path></item>\n</resources>",
            ),
        ],
    );
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let base = format!("{}/", tmp.0.display());
    assert_eq!(
        err.to_string().replace(&base, ""),
        "Up.car!/R_1.0.0/registry-info.xml:2:7: `<file>`: `../../artifacts.xml` goes up a \
         folder (`..`): a registry resource's file is named relative to its artifact's \
         folder, and mediate reads nothing outside it"
    );
}

// Size limits are checked before anything is read (these files are sparse: nothing is
// written but their length).
#[test]
fn files_past_the_size_limits_are_not_read() {
    let tmp = TempDir::new("sizes");
    let big = std::fs::File::create(tmp.0.join("big.xml")).expect("create");
    big.set_len(64 * 1024 * 1024 + 1).expect("length");
    let car = std::fs::File::create(tmp.0.join("Big.car")).expect("create");
    car.set_len(1024 * 1024 * 1024 + 1).expect("length");
    let err = load_dir(&tmp.0, &registry()).unwrap_err();
    let base = format!("{}/", tmp.0.display());
    assert_eq!(
        err.to_string().replace(&base, ""),
        "Big.car:1:1: the file is larger than 1024 MiB: mediate does not read it\n\
         big.xml:1:1: the file is larger than 64 MiB: mediate does not read it"
    );
}
