//! `mediate check DIR` end to end: the binary, real folders, the exact lines and exit codes
//! the contract promises ("Exit 0 when all are valid; otherwise non-zero, with one
//! `FILE:LINE:COL: message` line per problem").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `crates/mediate-config/tests`: the folder holding the config crate's `fixtures/`, used as
/// the current directory so that DIR can be given relatively, as a user would.
fn config_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mediate-config/tests")
}

/// Runs `mediate ARGS` in `cwd`.
fn mediate_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mediate"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run mediate")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str, files: &[(&str, &str)]) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("mediate-cli-check-{}-{test}", std::process::id()));
        for (name, content) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(&path, content).expect("write fixture");
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// The MI project layout (src/main/synapse-config/{sequences,local-entries}) is valid: exit 0,
// one summary line on stdout, nothing on stderr.
#[test]
fn a_valid_project_exits_0_with_a_summary() {
    let out = mediate_in(&config_tests(), &["check", "fixtures/project"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok: 4 sequences, 2 local entries\n");
    assert_eq!(text(&out.stderr), "");
}

// Every problem of every file, sorted by file then position, one FILE:LINE:COL line each, with
// FILE as the user would open it from the current directory; exit 1; stdout stays empty.
#[test]
fn a_broken_folder_gives_every_problem_as_file_line_col() {
    let out = mediate_in(&config_tests(), &["check", "fixtures/broken"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "",
        "nothing on stdout when problems are found"
    );
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "fixtures/broken/inbound.xml:2:1: `<inboundEndpoint>` artifacts are not supported yet",
            "fixtures/broken/malformed.xml:4:1: expected 'log' tag, not 'sequence'",
            "fixtures/broken/many_errors.xml:3:5: unknown mediator `lgo`; did you mean `log`?",
            "fixtures/broken/many_errors.xml:4:17: mediator `log`: invalid value `loud` for property `level`: unknown level `loud` (custom, simple, headers, full)",
            "fixtures/broken/many_errors.xml:5:34: mediator `filter`: invalid value `//order[@id = ` for property `xpath`: invalid XPath at column 15: unexpected end of expression: expected an expression",
            "fixtures/broken/many_errors.xml:8:42: `<property>`: unknown attribute `colour` (expected `name`, `value`, `expression`, `action`, `scope`, `type`, `pattern`, `group`, `description`, `trace`, `statistics`)",
            "fixtures/broken/unknown_root.xml:2:1: unknown artifact `<sequense>`; did you mean `sequence`?",
        ]
    );
}

// DIR is shown as written: `./fixtures/broken/` keeps its `./`.
#[test]
fn paths_keep_the_dir_as_the_user_wrote_it() {
    let out = mediate_in(&config_tests(), &["check", "./fixtures/broken/"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.lines().next(),
        Some(
            "./fixtures/broken/inbound.xml:2:1: `<inboundEndpoint>` artifacts are not supported yet"
        )
    );
}

// A missing DIR is not "problems found": a clear error and exit 2.
#[test]
fn a_missing_dir_exits_2_with_a_clear_error() {
    let out = mediate_in(&config_tests(), &["check", "fixtures/no-such-folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot read fixtures/no-such-folder: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_file_instead_of_a_dir_exits_2() {
    let out = mediate_in(&config_tests(), &["check", "fixtures/broken/inbound.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: fixtures/broken/inbound.xml is not a folder\n"
    );
}

// A flat folder (no MI project layout) is read recursively; one sequence, one local entry.
#[test]
fn a_valid_flat_folder_is_checked_recursively() {
    let scratch = Scratch::new(
        "flat",
        &[
            (
                "main.xml",
                r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><log level="full"/></sequence>"#,
            ),
            (
                "nested/entry.xml",
                r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="k">v</localEntry>"#,
            ),
        ],
    );
    let out = mediate_in(&scratch.0, &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok: 1 sequence, 1 local entry\n");
}

// Synapse keeps sequences and local entries in one key space: the second definition of a name
// is the problem, pointing at the first.
#[test]
fn a_name_defined_twice_is_reported_at_the_second_definition() {
    let seq = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="dup"><drop/></sequence>"#;
    let scratch = Scratch::new("dup", &[("a.xml", seq), ("b.xml", seq)]);
    let out = mediate_in(&scratch.0, &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "./b.xml:1:1: duplicate name `dup`: a sequence of that name is defined at ./a.xml:1:1\n"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = mediate_in(&config_tests(), &["check", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for line in [
        "0  every artifact is valid",
        "1  problems found",
        "2  DIR cannot be read",
    ] {
        assert!(help.contains(line), "{help}");
    }
}
