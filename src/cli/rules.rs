//! `trailhound rules ...`, and loading the rules every command evaluates: the built-in pack
//! (embedded in the binary), the user's config-dir `rules/`, and `--rules DIR` folders, tuned by
//! the config file's settings.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use super::exit;
use crate::config;
use crate::detect::geoip::GeoIp;
use crate::detect::pack::{load_pack_dir, PackError, PackRule};
use crate::detect::samples::run_samples;
use crate::detect::settings::{ConfigError, RuleState, Settings};
use crate::detect::Detector;
use crate::event::terminal_safe;

static BUILTIN_RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/rules");

/// Where rules and their settings come from: `--rules DIR` folders and the config file.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    pub dirs: Vec<PathBuf>,
    /// `--config FILE` / `TRAILHOUND_CONFIG`; else the config folder's `config.toml`, if any.
    pub config: Option<PathBuf>,
}

/// Every rule file found, and one error per rule file that could not be used: the built-in
/// pack, the user's `rules/` folder (beside the config file), and `--rules` folders.
pub fn load_rules(options: &RuleOptions) -> anyhow::Result<(Vec<PackRule>, Vec<PackError>)> {
    let builtin = tempfile::tempdir()?;
    BUILTIN_RULES.extract(builtin.path())?;
    let mut dirs = vec![builtin.path().to_owned()];
    dirs.extend(config::user_rules_dir(options.config.as_deref()));
    dirs.extend(options.dirs.iter().cloned());
    let mut rules: Vec<PackRule> = Vec::new();
    let mut errors = Vec::new();
    for dir in &dirs {
        let (loaded, mut failed) = load_pack_dir(dir);
        errors.append(&mut failed);
        for rule in loaded {
            // A rule file cannot replace a built-in rule, nor one from an earlier folder, by
            // taking its id: both would raise alerts under one id.
            match rules.iter().find(|r| r.rule_id == rule.rule_id) {
                Some(first) => errors.push(PackError {
                    path: rule.origin.clone(),
                    document: 0,
                    field: None,
                    message: format!(
                        "rule id '{}' is already used by {}; give this rule an id of its own (a built-in rule is tuned in the config file)",
                        rule.rule_id,
                        if first.origin.starts_with(builtin.path()) {
                            format!("the built-in rule '{}'", first.title)
                        } else {
                            first.origin.display().to_string()
                        }
                    ),
                }),
                None => rules.push(rule),
            }
        }
    }
    Ok((rules, errors))
}

/// The rules with the config file's settings applied.
pub struct Configured {
    pub rules: Vec<(PackRule, RuleState)>,
    pub errors: Vec<PackError>,
    pub geoip: Option<GeoIp>,
}

/// The config file's detection settings (none when there is no file).
pub fn settings(options: &RuleOptions) -> anyhow::Result<Settings> {
    Ok(match config::config_file(options.config.as_deref()) {
        Some(path) => Settings::load(&path)?,
        None => Settings::default(),
    })
}

/// For commands that do not need the settings (`search`, `alerts`): a broken config file is
/// said on stderr, with its file and line, rather than found out later.
pub fn warn_if_config_broken(options: &RuleOptions) {
    if let Err(error) = settings(options) {
        eprintln!(
            "warning: {} (the config file is not used until it is fixed)",
            terminal_safe(&format!("{error:#}"))
        );
    }
}

/// Loads the rules and applies the settings; a broken config file is an error.
pub fn configured_rules(options: &RuleOptions) -> anyhow::Result<Configured> {
    let settings = settings(options)?;
    let geoip = match &settings.geoip_database {
        Some((path, line)) => Some(GeoIp::open(path).map_err(|error| ConfigError {
            file: settings.file_name(),
            line: Some(*line),
            key: Some("detection.geoip_database".into()),
            message: format!("{error:#}"),
        })?),
        None => None,
    };
    let provided: BTreeSet<String> = geoip.iter().map(|_| "geoip".to_owned()).collect();
    let (rules, errors) = load_rules(options)?;
    let (rules, warnings) = settings.apply(rules, &provided)?;
    for warning in warnings {
        eprintln!("warning: {}", terminal_safe(&warning));
    }
    Ok(Configured {
        rules,
        errors,
        geoip,
    })
}

/// The detector for the built-in pack, the user's rules and `extra_dirs`, with the default config
/// file's settings.
pub fn configured_detector(extra_dirs: &[PathBuf]) -> anyhow::Result<Detector> {
    detector(&RuleOptions {
        dirs: extra_dirs.to_vec(),
        config: None,
    })
}

/// The detector for the configured rules; unusable rule files are reported on stderr and skipped.
pub fn detector(options: &RuleOptions) -> anyhow::Result<Detector> {
    let configured = configured_rules(options)?;
    for error in &configured.errors {
        eprintln!(
            "warning: rule skipped: {}",
            terminal_safe(&error.to_string())
        );
    }
    let rules: Vec<PackRule> = configured
        .rules
        .into_iter()
        .filter(|(_, state)| *state != RuleState::Disabled)
        .map(|(rule, _)| rule)
        .collect();
    let mut detector = Detector::new(&rules);
    if let Some(geoip) = configured.geoip {
        detector.set_geoip(geoip);
    }
    Ok(detector)
}

/// Every rule: id, severity, kind, whether it runs with the current settings, title, and what
/// it still needs.
pub fn list(options: &RuleOptions) -> anyhow::Result<i32> {
    let configured = configured_rules(options)?;
    println!(
        "{:<12} {:<9} {:<11} {:<8} TITLE",
        "ID", "SEVERITY", "KIND", "ENABLED"
    );
    for (rule, state) in &configured.rules {
        let (enabled, note) = match state {
            RuleState::Enabled => ("yes", String::new()),
            RuleState::Partly(needs) => (
                "yes",
                format!(" (part of it needs {} in the config)", needs.join(", ")),
            ),
            RuleState::Waiting(needs) => (
                "no",
                format!(" (skipped: needs {} in the config)", needs.join(", ")),
            ),
            RuleState::Disabled => ("no", " (disabled in the config)".to_owned()),
        };
        println!(
            "{:<12} {:<9} {:<11} {:<8} {}{note}",
            terminal_safe(&rule.rule_id),
            rule.severity.as_str(),
            rule.kind.as_str(),
            enabled,
            terminal_safe(&rule.title)
        );
    }
    for error in &configured.errors {
        eprintln!("error: {}", terminal_safe(&error.to_string()));
    }
    Ok(if configured.errors.is_empty() {
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
/// through the correlator and the first-seen baselines. Samples check the rules as written; only rules the config disables are left out.
pub fn test(options: &RuleOptions) -> anyhow::Result<i32> {
    let settings = settings(options)?;
    let (rules, errors) = load_rules(options)?;
    let mut checked = 0;
    let mut failures = 0;
    for rule in rules
        .iter()
        .filter(|rule| !settings.is_disabled(&rule.rule_id))
    {
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
