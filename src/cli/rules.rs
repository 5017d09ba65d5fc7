//! `trailhound rules ...`, and loading the rules every command evaluates: the built-in pack
//! (embedded in the binary), the user's config-dir `rules/`, and `--rules DIR` folders.
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use super::exit;
use crate::detect::pack::{load_pack_dir, PackError, PackRule};
use crate::detect::samples::run_samples;
use crate::detect::Detector;
use crate::event::terminal_safe;

static BUILTIN_RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/rules");

/// The user's own rule folder, when there is one.
fn config_rules_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "trailhound")
        .map(|dirs| dirs.config_dir().join("rules"))
        .filter(|dir| dir.is_dir())
}

/// Every configured rule, and one error per rule file that could not be used.
pub fn load_rules(extra_dirs: &[PathBuf]) -> anyhow::Result<(Vec<PackRule>, Vec<PackError>)> {
    let builtin = tempfile::tempdir()?;
    BUILTIN_RULES.extract(builtin.path())?;
    let mut dirs = vec![builtin.path().to_owned()];
    dirs.extend(config_rules_dir());
    dirs.extend(extra_dirs.iter().cloned());
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for dir in &dirs {
        let (mut loaded, mut failed) = load_pack_dir(dir);
        rules.append(&mut loaded);
        errors.append(&mut failed);
    }
    Ok((rules, errors))
}

/// The detector for the configured rules; unusable rule files are reported on stderr and skipped.
pub fn configured_detector(extra_dirs: &[PathBuf]) -> anyhow::Result<Detector> {
    let (rules, errors) = load_rules(extra_dirs)?;
    for error in &errors {
        eprintln!(
            "warning: rule skipped: {}",
            terminal_safe(&error.to_string())
        );
    }
    Ok(Detector::new(&rules))
}

pub fn list(extra_dirs: &[PathBuf]) -> anyhow::Result<i32> {
    let (rules, errors) = load_rules(extra_dirs)?;
    println!(
        "{:<12} {:<9} {:<11} {:<8} TITLE",
        "ID", "SEVERITY", "KIND", "ENABLED"
    );
    for rule in &rules {
        println!(
            "{:<12} {:<9} {:<11} {:<8} {}",
            terminal_safe(&rule.rule_id),
            rule.severity.as_str(),
            rule.kind.as_str(),
            "yes",
            terminal_safe(&rule.title)
        );
    }
    for error in &errors {
        eprintln!("error: {}", terminal_safe(&error.to_string()));
    }
    Ok(if errors.is_empty() {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// Parses rule files or folders; one line per problem, exit 0 only when every rule loads.
pub fn check(paths: &[PathBuf]) -> anyhow::Result<i32> {
    let mut loaded = 0;
    let mut failed = 0;
    for path in paths {
        let (rules, errors) = if path.is_dir() {
            load_pack_dir(path)
        } else {
            match crate::detect::pack::load_pack_file(path) {
                Ok(rule) => (vec![rule], Vec::new()),
                Err(error) => (Vec::new(), vec![error]),
            }
        };
        loaded += rules.len();
        failed += errors.len();
        for error in errors {
            println!("{}", terminal_safe(&error.to_string()));
        }
    }
    eprintln!("{loaded} rules loaded, {failed} files with problems");
    Ok(if failed == 0 && loaded > 0 {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// Runs every rule's samples (see `detect::samples`): single events through the matcher, sequences
/// through the correlator and the first-seen baselines.
pub fn test(extra_dirs: &[PathBuf]) -> anyhow::Result<i32> {
    let (rules, errors) = load_rules(extra_dirs)?;
    let mut checked = 0;
    let mut failures = 0;
    for rule in &rules {
        let report = run_samples(rule);
        checked += report.checked;
        failures += report.failures.len();
        for failure in &report.failures {
            println!(
                "FAIL {} ({})",
                terminal_safe(&failure.to_string()),
                origin(&rule.origin)
            );
        }
    }
    for error in &errors {
        eprintln!("error: {}", terminal_safe(&error.to_string()));
    }
    println!("{} passed, {failures} failed", checked - failures);
    Ok(if failures == 0 && errors.is_empty() {
        exit::OK
    } else {
        exit::FAILURE
    })
}

fn origin(path: &Path) -> String {
    terminal_safe(&path.display().to_string()).into_owned()
}
