//! `mediate check DIR`: load every artifact under a folder, as `serve` would, and report every
//! problem as `FILE:LINE:COL: message` without serving anything.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use mediate::config::{ArtifactKind, Configuration, load_dir};
use mediate::mediators::builtins;

use crate::CheckArgs;

/// Exit status when at least one artifact has a problem.
const PROBLEMS_FOUND: u8 = 1;
/// Exit status when DIR itself cannot be read (missing, not a folder, no permission); the same
/// status clap gives a usage error.
const CANNOT_READ_DIR: u8 = 2;

/// What a check found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every artifact is valid: the summary line for stdout.
    Valid(String),
    /// Problems, one `FILE:LINE:COL: message` line each, sorted by file then position.
    Problems(Vec<String>),
    /// DIR cannot be checked at all: the error line.
    Unreadable(String),
}

/// Run `mediate check`: a summary line on stdout when every artifact is valid (exit 0); else
/// one diagnostic line per problem on stderr (exit 1), or one error line when DIR cannot be
/// read (exit 2).
pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    match check(&args.dir) {
        Outcome::Valid(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Outcome::Problems(lines) => {
            let mut err = std::io::stderr().lock();
            for line in &lines {
                // Nothing useful is left to do when stderr is gone; the status still tells.
                let _ = writeln!(err, "{line}");
            }
            ExitCode::from(PROBLEMS_FOUND)
        }
        Outcome::Unreadable(msg) => {
            eprintln!("{msg}");
            ExitCode::from(CANNOT_READ_DIR)
        }
    }
}

/// Everything but the printing. File names in the diagnostics are `dir` joined with the path
/// inside it, so a relative DIR gives paths relative to the current directory.
pub(crate) fn check(dir: &Path) -> Outcome {
    match std::fs::metadata(dir) {
        Err(e) => {
            return Outcome::Unreadable(format!("error: cannot read {}: {e}", dir.display()));
        }
        Ok(meta) if !meta.is_dir() => {
            return Outcome::Unreadable(format!("error: {} is not a folder", dir.display()));
        }
        Ok(_) => {}
    }
    if let Err(e) = std::fs::read_dir(dir) {
        return Outcome::Unreadable(format!("error: cannot read {}: {e}", dir.display()));
    }
    let registry = builtins::registry();
    // Loading builds every mediator once through the registry to validate it (that is how
    // its errors get their columns); deploying would only build them all again.
    match load_dir(dir, &registry) {
        Ok(configuration) => Outcome::Valid(summary(&configuration)),
        Err(diagnostics) => {
            let mut items = diagnostics.into_vec();
            items.sort();
            Outcome::Problems(items.iter().map(ToString::to_string).collect())
        }
    }
}

/// `ok: 1 API, 4 sequences, 2 local entries`: every kind present, in a fixed order.
fn summary(configuration: &Configuration) -> String {
    let kinds = [
        (ArtifactKind::Api, "API", "APIs"),
        (ArtifactKind::Proxy, "proxy service", "proxy services"),
        (ArtifactKind::Sequence, "sequence", "sequences"),
        (ArtifactKind::Endpoint, "endpoint", "endpoints"),
        (ArtifactKind::Template, "template", "templates"),
        (ArtifactKind::LocalEntry, "local entry", "local entries"),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .filter_map(|(kind, one, many)| {
            let n = configuration
                .artifacts
                .iter()
                .filter(|a| a.kind() == *kind)
                .count();
            (n > 0).then(|| count(n, one, many))
        })
        .collect();
    if parts.is_empty() {
        "ok: no artifacts".to_owned()
    } else {
        format!("ok: {}", parts.join(", "))
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_in_singular_and_plural() {
        assert_eq!(count(1, "sequence", "sequences"), "1 sequence");
        assert_eq!(count(0, "sequence", "sequences"), "0 sequences");
        assert_eq!(count(4, "sequence", "sequences"), "4 sequences");
    }

    #[test]
    fn a_missing_dir_is_unreadable_not_a_problem_list() {
        let outcome = check(Path::new("no/such/folder/anywhere"));
        assert!(
            matches!(&outcome, Outcome::Unreadable(m) if m.starts_with("error: cannot read no/such/folder/anywhere: ")),
            "{outcome:?}"
        );
    }
}
