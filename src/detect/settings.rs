//! The detection part of `config.toml`: rules turned off, per-rule tuning, and values many rules
//! share. Applied to loaded rules with [`PackRule::tuned`], so every setting goes through the
//! same path as a rule's own sample overrides.
//!
//! ```toml
//! [rules]
//! disabled = ["TAG-01", "NET-07"]
//!
//! [rules.overrides."API-01"]
//! threshold = 50          # the count of every correlation of the rule
//! window = "1h"           # the timespan of every correlation of the rule
//!
//! [rules.overrides."API-03"]
//! baseline = "30d"        # first-seen rules: baseline, min_baseline_events, learning
//! min_baseline_events = 100
//!
//! [detection]
//! home_regions = ["eu-west-1", "eu-central-1"]     # EC2-01 (replaces its first-seen fallback)
//! trusted_accounts = ["444455556666"]              # IAM-07, IAM-10, S3-02, EC2-05, RDS-02, LAM-01
//! admin_group_pattern = "(?i)admin|poweruser"      # IAM-03
//! suspicious_user_agents = ["TruffleHog", "Pacu"]  # API-02
//! allowed_countries = ["US", "CA"]                 # AUTH-06, with geoip_database
//! internal_ranges = ["10.0.0.0/8"]                 # NET-10
//! instance_egress_ranges = ["203.0.113.0/24"]      # API-05 (replaces its first-seen fallback)
//! geoip_database = "/usr/share/GeoIP/GeoLite2-Country.mmdb"
//!
//! [ui]
//! theme = "light"         # the terminal UI's theme and keymap
//! keymap = "vim"
//! ```
//!
//! A per-rule override may also name any of the rule's `params`, or a dotted path into its
//! documents (see the `tune` module). A broken file is one error naming the file, line and key.
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

use super::pack::PackRule;
use crate::config::line_of;
pub use crate::config::ConfigError;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    detection: RawDetection,
    #[serde(default)]
    ui: RawUi,
}

/// `[ui]`: the terminal UI's defaults (its `--theme` and `--keymap` and their variables win).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUi {
    theme: Option<String>,
    keymap: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    disabled: Vec<Spanned<String>>,
    #[serde(default)]
    overrides: BTreeMap<String, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// Values shared by several rules; each is the `params` entry of that name in every rule that
/// has one.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDetection {
    home_regions: Option<Spanned<Vec<String>>>,
    trusted_accounts: Option<Spanned<Vec<String>>>,
    admin_group_pattern: Option<Spanned<String>>,
    suspicious_user_agents: Option<Spanned<Vec<String>>>,
    allowed_countries: Option<Spanned<Vec<String>>>,
    internal_ranges: Option<Spanned<Vec<String>>>,
    instance_egress_ranges: Option<Spanned<Vec<String>>>,
    geoip_database: Option<Spanned<PathBuf>>,
}

/// The `[detection]` keys that are rule params, for messages.
pub const SHARED_PARAMS: &[&str] = &[
    "home_regions",
    "trusted_accounts",
    "admin_group_pattern",
    "suspicious_user_agents",
    "allowed_countries",
    "internal_ranges",
    "instance_egress_ranges",
];

/// One setting with the line it was written on.
#[derive(Debug, Clone)]
struct Setting {
    key: String,
    value: Value,
    line: usize,
}

/// Detection settings read from a config file (or none: [`Settings::default`]).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub file: Option<PathBuf>,
    disabled: BTreeMap<String, usize>,
    overrides: BTreeMap<String, Vec<Setting>>,
    shared: Vec<Setting>,
    /// The GeoIP database and the line that names it.
    pub geoip_database: Option<(PathBuf, usize)>,
    /// `[ui] theme` and `keymap`.
    pub ui_theme: Option<String>,
    pub ui_keymap: Option<String>,
}

/// Rules with their state after the settings, and warnings about ids no loaded rule has.
pub type Applied = (Vec<(PackRule, RuleState)>, Vec<String>);

/// How a rule stands after the settings: whether it runs, and why (not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleState {
    Enabled,
    /// Runs, but some documents wait for settings (named).
    Partly(Vec<String>),
    /// Runs not at all until these are set.
    Waiting(Vec<String>),
    Disabled,
}

impl Settings {
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
            file: path.display().to_string(),
            line: None,
            key: None,
            message: format!("cannot read: {error}"),
        })?;
        Settings::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|error| {
            let span = error.span();
            ConfigError {
                file: path.display().to_string(),
                line: span.as_ref().map(|span| line_of(text, span.start)),
                key: span.and_then(|span| key_at(text, span)),
                message: error.message().trim().to_owned(),
            }
        })?;
        let line = |span: Range<usize>| line_of(text, span.start);
        let error = |span: Range<usize>, key: &str, message: String| ConfigError {
            file: path.display().to_string(),
            line: Some(line_of(text, span.start)),
            key: Some(key.to_owned()),
            message,
        };
        let mut settings = Settings {
            file: Some(path.to_owned()),
            ui_theme: raw.ui.theme,
            ui_keymap: raw.ui.keymap,
            ..Settings::default()
        };
        for id in raw.rules.disabled {
            settings
                .disabled
                .insert(id.get_ref().clone(), line(id.span()));
        }
        for (rule, values) in raw.rules.overrides {
            let mut list = Vec::new();
            for (key, value) in values {
                let json = serde_json::to_value(value.get_ref()).map_err(|e| {
                    error(value.span(), key.get_ref(), format!("unusable value: {e}"))
                })?;
                list.push(Setting {
                    key: key.get_ref().clone(),
                    value: json,
                    line: line(key.span()),
                });
            }
            settings.overrides.insert(rule, list);
        }
        let detection = raw.detection;
        let mut shared = |key: &str, value: Option<Spanned<Value>>| {
            if let Some(value) = value {
                settings.shared.push(Setting {
                    key: key.to_owned(),
                    line: line(value.span()),
                    value: value.into_inner(),
                });
            }
        };
        let list = |value: Option<Spanned<Vec<String>>>| {
            value.map(|value| {
                let span = value.span();
                Spanned::new(span, Value::from(value.into_inner()))
            })
        };
        shared("home_regions", list(detection.home_regions));
        shared("trusted_accounts", list(detection.trusted_accounts));
        shared(
            "admin_group_pattern",
            detection.admin_group_pattern.map(|value| {
                let span = value.span();
                Spanned::new(span, Value::from(value.into_inner()))
            }),
        );
        shared(
            "suspicious_user_agents",
            list(detection.suspicious_user_agents),
        );
        shared("allowed_countries", list(detection.allowed_countries));
        shared("internal_ranges", list(detection.internal_ranges));
        shared(
            "instance_egress_ranges",
            list(detection.instance_egress_ranges),
        );
        if let Some(database) = detection.geoip_database {
            let line = line(database.span());
            settings.geoip_database = Some((database.into_inner(), line));
        }
        Ok(settings)
    }

    /// The config file's name as errors show it.
    pub fn file_name(&self) -> String {
        self.file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default()
    }

    fn error(&self, line: usize, key: &str, message: String) -> ConfigError {
        ConfigError {
            file: self.file_name(),
            line: Some(line),
            key: Some(key.to_owned()),
            message,
        }
    }

    /// Whether the config turns the rule off.
    pub fn is_disabled(&self, rule_id: &str) -> bool {
        self.disabled.contains_key(rule_id)
    }

    /// The rules with the settings applied, each with its state; `provided` names what is
    /// configured outside the rules (`geoip`). Ids in the file that no loaded rule has are
    /// returned as warnings.
    pub fn apply(
        &self,
        rules: Vec<PackRule>,
        provided: &BTreeSet<String>,
    ) -> Result<Applied, ConfigError> {
        let mut out = Vec::with_capacity(rules.len());
        let mut used = BTreeSet::new();
        for rule in rules {
            let id = rule.rule_id.clone();
            if self.is_disabled(&id) {
                used.insert(id);
                out.push((rule, RuleState::Disabled));
                continue;
            }
            let mut changes = Map::new();
            let mut lines = BTreeMap::new();
            for setting in &self.shared {
                if rule.params.contains_key(&setting.key) {
                    changes.insert(setting.key.clone(), setting.value.clone());
                    lines.insert(setting.key.clone(), setting.line);
                }
            }
            if let Some(list) = self.overrides.get(&id) {
                used.insert(id.clone());
                for setting in list {
                    changes.insert(setting.key.clone(), setting.value.clone());
                    lines.insert(setting.key.clone(), setting.line);
                }
            }
            let tuned = rule.tuned(&changes, provided).map_err(|error| {
                let key = error.field.clone().unwrap_or_default();
                let line = lines.get(&key).copied().unwrap_or(0);
                let shared = !self
                    .overrides
                    .get(&id)
                    .is_some_and(|list| list.iter().any(|setting| setting.key == key));
                let name = if shared {
                    format!("detection.{key}")
                } else {
                    format!("rules.overrides.\"{id}\".{key}")
                };
                self.error(line, &name, format!("{id}: {}", error.message))
            })?;
            let state = rule_state(&tuned);
            out.push((tuned, state));
        }
        let warnings = self
            .disabled
            .iter()
            .chain(
                self.overrides
                    .iter()
                    .map(|(id, list)| (id, list.first().map_or(&0, |s| &s.line))),
            )
            .filter(|(id, _)| !used.contains(*id))
            .map(|(id, line)| {
                format!(
                    "{}:{line}: no loaded rule has the id `{id}`",
                    self.file.as_deref().unwrap_or(Path::new("")).display()
                )
            })
            .collect();
        Ok((out, warnings))
    }
}

/// What a tuned rule still waits for.
fn rule_state(rule: &PackRule) -> RuleState {
    let alerting: Vec<_> = rule
        .documents
        .iter()
        .filter(|document| document.alerts || !document.requires.is_empty())
        .collect();
    let mut waiting: Vec<String> = alerting
        .iter()
        .flat_map(|document| {
            document
                .requires
                .iter()
                .map(|name| setting_name(&rule.rule_id, name))
        })
        .collect();
    waiting.sort();
    waiting.dedup();
    let running = alerting
        .iter()
        .any(|document| document.alerts && document.runs());
    match (running, waiting.is_empty()) {
        (true, true) => RuleState::Enabled,
        (true, false) => RuleState::Partly(waiting),
        (false, false) => RuleState::Waiting(waiting),
        (false, true) => RuleState::Enabled,
    }
}

/// Where a requirement is set in the config file.
fn setting_name(rule_id: &str, requirement: &str) -> String {
    match requirement {
        "geoip" => "detection.geoip_database".to_owned(),
        name if SHARED_PARAMS.contains(&name) => format!("detection.{name}"),
        name => format!("rules.overrides.\"{rule_id}\".{name}"),
    }
}

/// The key written on the line of `span`: the part before `=`, or a table header's name.
fn key_at(text: &str, span: Range<usize>) -> Option<String> {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |at| start + at);
    let line = text[line_start..line_end].trim();
    let key = if let Some((key, _)) = line.split_once('=') {
        key
    } else if line.starts_with('[') {
        line.trim_matches(|c| c == '[' || c == ']')
    } else {
        text.get(span)?
    };
    let key = key.trim().trim_matches('"');
    (!key.is_empty()).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, Path::new("config.toml"))
    }

    #[test]
    fn reads_every_section() {
        let settings = parse(
            "[rules]\ndisabled = [\"TAG-01\"]\n\n[rules.overrides.\"API-01\"]\nthreshold = 50\nwindow = \"1h\"\n\n[detection]\nhome_regions = [\"eu-west-1\"]\ngeoip_database = \"/tmp/x.mmdb\"\n",
        )
        .unwrap();
        assert!(settings.is_disabled("TAG-01"));
        assert_eq!(settings.overrides["API-01"].len(), 2);
        assert_eq!(settings.overrides["API-01"][0].line, 5);
        assert_eq!(settings.shared[0].key, "home_regions");
        assert_eq!(
            settings.geoip_database,
            Some((PathBuf::from("/tmp/x.mmdb"), 10))
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let error =
            parse("[detection]\nhome_regions = [\"a\"]\nhome_region = [\"b\"]\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.key.as_deref(), Some("home_region"));
        assert!(
            error
                .to_string()
                .starts_with("config.toml:3: key `home_region`: unknown field"),
            "{error}"
        );

        let error = parse("[detection]\n\nadmin_group_pattern = 7\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.key.as_deref(), Some("admin_group_pattern"));

        let error = parse("[rules]\ndisabled = [\"A\"\n").unwrap_err();
        assert!(error.line.is_some(), "{error}");
    }
}
