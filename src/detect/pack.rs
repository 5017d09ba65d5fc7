//! The detection pack: rule files loaded into [`PackRule`]s.
//!
//! Two formats are accepted, one rule id per file:
//!
//! - **ours**: Sigma documents where at least one carries a `trailhound:` block (severity, kind,
//!   why, next, grouping, tunable `params`, samples). A file may hold several documents: severity
//!   variants of one id, and the base detections of a correlation (Sigma v2 `correlation:`).
//!   Base documents without a block are allowed when a correlation in the same file uses them.
//! - **plain Sigma** (e.g. SigmaHQ community rules, added with `--rules DIR`): no block anywhere;
//!   severity comes from `level`, the rule id is the Sigma id, the kind from the document.
//!
//! Conventions the evaluators rely on:
//!
//! - `group_by` entries and correlation `group-by` fields are record field paths, except
//!   `principal`, which is the derived stable principal (role ARN for assumed roles, user ARN, ...).
//! - A `first_seen` document fires when the value of its whole `key` has not been seen in the
//!   `baseline` window before the event, among the events the document matches, and the key's
//!   owner (the key without its last field, e.g. the principal of `[principal, awsRegion]`) has at
//!   least `min_baseline_events` such events in that window. An owner without a baseline never fires.
//!   `learning` (default: the baseline) keeps a document silent until the events it has seen
//!   span that long, so a young index does not flood with first sightings.
//! - `requires` names what must be configured before a document runs: `geoip` (a GeoIP database)
//!   or the name of a `params` entry whose shipped default is only an example.
//! - `unless` names params whose configuration turns a document off: the first-seen fallback of
//!   a rule that has a configured form (EC2-01 without `home_regions`).
//! - `params` hold the defaults the detection is written with; `param_fields` says which
//!   detection field a configured value replaces (or which selection it is appended to).
//! - Sequence samples may carry `overrides` (dotted paths such as `correlation.condition.gte` or
//!   `trailhound.first_seen.min_baseline_events`) so that a threshold of 100 can be shown with
//!   five records; the evaluator applies them the way it applies a user's per-rule settings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use walkdir::WalkDir;

use super::sigma::{
    parse_rule_str, read_rule_text, CorrelationKind, RuleError, RuleKind, SigmaRule,
};

/// The top-level key of our extension block in a Sigma document.
pub const EXTENSION_KEY: &str = "trailhound";

const BLOCK_KEYS: &[&str] = &[
    "id",
    "severity",
    "kind",
    "why",
    "next",
    "group_by",
    "window",
    "params",
    "param_fields",
    "samples",
    "first_seen",
    "requires",
    "unless",
];

const SAMPLE_KEYS: &[&str] = &[
    "match",
    "no_match",
    "match_sequence",
    "no_match_sequence",
    "overrides",
];

const DEFAULT_GROUP_BY: &str = "principal";
const DEFAULT_WINDOW: Duration = Duration::from_secs(3_600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The Sigma `level` with the same meaning.
    pub fn sigma_level(self) -> &'static str {
        match self {
            Severity::Info => "informational",
            other => other.as_str(),
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text)
    }

    pub fn from_sigma_level(level: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.sigma_level() == level)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a document raises alerts: on one event, on a count within a window, on a sequence of
/// events, or on a key never seen in a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackKind {
    Event,
    Threshold,
    Sequence,
    FirstSeen,
}

impl PackKind {
    pub const ALL: [PackKind; 4] = [
        PackKind::Event,
        PackKind::Threshold,
        PackKind::Sequence,
        PackKind::FirstSeen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PackKind::Event => "event",
            PackKind::Threshold => "threshold",
            PackKind::Sequence => "sequence",
            PackKind::FirstSeen => "first_seen",
        }
    }

    pub fn parse(text: &str) -> Option<PackKind> {
        PackKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    fn of_correlation(kind: CorrelationKind) -> PackKind {
        match kind {
            CorrelationKind::EventCount | CorrelationKind::ValueCount => PackKind::Threshold,
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered => PackKind::Sequence,
        }
    }
}

impl fmt::Display for PackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `trailhound.first_seen` of a first-seen document (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstSeen {
    pub key: Vec<String>,
    pub baseline: Duration,
    pub min_baseline_events: u64,
    /// How much history the document must have seen before it fires at all.
    pub learning: Duration,
}

/// Records a rule ships with. `must_match`/`must_not_match` are single events for event
/// documents; the sequences are records in time order for threshold, sequence and first-seen ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    pub must_match: Vec<Value>,
    pub must_not_match: Vec<Value>,
    pub match_sequence: Vec<Value>,
    pub no_match_sequence: Vec<Value>,
    pub overrides: Map<String, Value>,
}

impl Samples {
    pub fn is_empty(&self) -> bool {
        self.must_match.is_empty()
            && self.must_not_match.is_empty()
            && self.match_sequence.is_empty()
            && self.no_match_sequence.is_empty()
    }

    fn append(&mut self, other: &Samples) {
        self.must_match.extend(other.must_match.iter().cloned());
        self.must_not_match
            .extend(other.must_not_match.iter().cloned());
        self.match_sequence
            .extend(other.match_sequence.iter().cloned());
        self.no_match_sequence
            .extend(other.no_match_sequence.iter().cloned());
        for (key, value) in &other.overrides {
            self.overrides.insert(key.clone(), value.clone());
        }
    }
}

/// What one Sigma document of a rule file does; `PackRule::documents[i]` describes `sigma[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackDocument {
    pub severity: Severity,
    /// For a base detection that only feeds a correlation, the kind of that correlation.
    pub kind: PackKind,
    /// False for base detections whose correlations do not `generate` their alerts.
    pub alerts: bool,
    pub group_by: Vec<String>,
    pub window: Duration,
    pub first_seen: Option<FirstSeen>,
    /// What must be configured before the document runs (left: not configured yet).
    pub requires: Vec<String>,
    /// Params whose configuration turns the document off.
    pub unless: Vec<String>,
    /// Why the configuration turned the document off.
    pub off: Option<String>,
    pub samples: Samples,
    /// What the document's own alerts say (a rule's documents may differ in what they catch);
    /// `None`: the rule's.
    pub why: Option<String>,
    pub next: Option<String>,
    /// The window its alerts gather events in, when the document sets one; else the rule's.
    pub alert_window: Option<Duration>,
}

impl PackDocument {
    /// Whether the document runs as configured.
    pub fn runs(&self) -> bool {
        self.requires.is_empty() && self.off.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFormat {
    /// Sigma plus `trailhound:` blocks.
    Trailhound,
    /// Plain Sigma, e.g. a SigmaHQ community rule.
    Sigma,
}

#[derive(Debug, Clone)]
pub struct PackRule {
    /// `trailhound.id` (e.g. `LOG-01`), or the Sigma id of a plain Sigma rule.
    pub rule_id: String,
    pub title: String,
    /// The highest severity among the documents that raise alerts.
    pub severity: Severity,
    /// The kind of the first document that raises alerts.
    pub kind: PackKind,
    pub why: String,
    pub next: String,
    pub group_by: Vec<String>,
    pub window: Duration,
    /// Tunable defaults the detections are written with, from every block of the file.
    pub params: Map<String, Value>,
    /// Which detection field each param replaces, or which selection it is appended to.
    pub param_fields: Map<String, Value>,
    /// The samples of all documents together; each document's own are in `documents`.
    pub samples: Samples,
    /// The documents of the file, in order.
    pub sigma: Vec<SigmaRule>,
    /// One per entry of `sigma`, same order.
    pub documents: Vec<PackDocument>,
    pub format: RuleFormat,
    pub origin: PathBuf,
    /// The file's text, which [`PackRule::tuned`] changes and loads again.
    pub source: Arc<str>,
}

impl PackRule {
    /// Each Sigma document with what it does.
    pub fn documents(&self) -> impl Iterator<Item = (&SigmaRule, &PackDocument)> {
        self.sigma.iter().zip(&self.documents)
    }

    /// This rule with `changes` applied (see [`super::tune`] for the keys), loaded again from its
    /// changed text. A document whose `requires` are all among the changed keys or `provided`
    /// (e.g. `geoip`) runs; one whose `unless` names a changed key is turned off.
    pub fn tuned(
        &self,
        changes: &Map<String, Value>,
        provided: &BTreeSet<String>,
    ) -> Result<PackRule, PackError> {
        let configured = |name: &String| provided.contains(name) || changes.contains_key(name);
        let mut rule = if changes.is_empty() {
            self.clone()
        } else {
            let text = super::tune::apply(&self.source, changes, &self.params, &self.param_fields)
                .map_err(|(key, message)| PackError {
                    path: self.origin.clone(),
                    document: 0,
                    field: (!key.is_empty()).then_some(key),
                    message,
                })?;
            load_pack_text(&text, &self.origin)?
        };
        for document in &mut rule.documents {
            document.requires.retain(|name| !configured(name));
            if let Some(name) = document.unless.iter().find(|name| configured(name)) {
                document.off = Some(format!("{name} is configured"));
            }
        }
        Ok(rule)
    }

    /// The documents (transitively) used by the correlation `sigma[index]`, by index.
    pub fn correlation_inputs(&self, index: usize) -> BTreeSet<usize> {
        let mut found = BTreeSet::new();
        let mut pending = vec![index];
        while let Some(current) = pending.pop() {
            let Some(RuleKind::Correlation(correlation)) =
                self.sigma.get(current).map(|rule| &rule.kind)
            else {
                continue;
            };
            for reference in &correlation.rules {
                for (position, rule) in self.sigma.iter().enumerate() {
                    if rule.is_named(reference) && found.insert(position) {
                        pending.push(position);
                    }
                }
            }
        }
        found
    }
}

/// A rule file that cannot be used. `document` is 1-based, 0 for the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PackError {
    pub path: PathBuf,
    pub document: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.document > 0 {
            write!(f, ", document {}", self.document)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl PackError {
    fn file(path: &Path, message: impl Into<String>) -> PackError {
        PackError {
            path: path.to_path_buf(),
            document: 0,
            field: None,
            message: message.into(),
        }
    }

    fn at(
        path: &Path,
        document: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        PackError {
            path: path.to_path_buf(),
            document,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    fn from_rule_error(path: &Path, error: RuleError) -> PackError {
        PackError {
            path: path.to_path_buf(),
            document: error.document,
            field: error.field,
            message: error.message,
        }
    }
}

/// The built-in pack shipped with trailhound.
pub fn builtin_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rules")
}

/// Loads every `.yml`/`.yaml` file under `dir` (recursively, hidden entries skipped, in path
/// order). A file that cannot be used gives one [`PackError`] and is left out; a rule id already
/// loaded from an earlier file is an error for the later file.
pub fn load_pack_dir(dir: &Path) -> (Vec<PackRule>, Vec<PackError>) {
    let mut rules: Vec<PackRule> = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry));
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_rule_file(entry.path()) => {
                files.push(entry.into_path());
            }
            Ok(_) => {}
            Err(error) => {
                let path = error.path().unwrap_or(dir).to_path_buf();
                errors.push(PackError::file(&path, format!("cannot read: {error}")));
            }
        }
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in files {
        match load_pack_file(&path) {
            Ok(rule) => {
                if let Some(first) = seen.get(&rule.rule_id) {
                    errors.push(PackError::at(
                        &path,
                        0,
                        id_field(rule.format),
                        format!(
                            "rule id '{}' is already used by {}",
                            rule.rule_id,
                            first.display()
                        ),
                    ));
                    continue;
                }
                seen.insert(rule.rule_id.clone(), path);
                rules.push(rule);
            }
            Err(error) => errors.push(error),
        }
    }
    (rules, errors)
}

fn id_field(format: RuleFormat) -> &'static str {
    match format {
        RuleFormat::Trailhound => "trailhound.id",
        RuleFormat::Sigma => "id",
    }
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.file_name().to_string_lossy().starts_with('.')
}

fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "yml" || extension == "yaml")
}

/// Loads one rule file in either format.
pub fn load_pack_file(path: &Path) -> Result<PackRule, PackError> {
    let text = read_rule_text(path).map_err(|error| PackError::from_rule_error(path, error))?;
    load_pack_text(&text, path)
}

/// Loads the text of one rule file; `path` names it in errors.
pub fn load_pack_text(text: &str, path: &Path) -> Result<PackRule, PackError> {
    let sigma = parse_rule_str(text, &path.display().to_string())
        .map_err(|error| PackError::from_rule_error(path, error))?;
    if sigma.is_empty() {
        return Err(PackError::file(path, "the file holds no rule"));
    }
    for rule in &sigma {
        check_logsource(path, rule)?;
    }
    let uses = DocumentUses::of(&sigma);
    let mut rule = if sigma
        .iter()
        .any(|rule| rule.custom.contains_key(EXTENSION_KEY))
    {
        trailhound_rule(path, sigma, &uses)?
    } else {
        plain_sigma_rule(path, sigma, &uses)?
    };
    rule.source = text.into();
    Ok(rule)
}

/// Correlation documents carry no logsource; detections must be AWS CloudTrail ones.
fn check_logsource(path: &Path, rule: &SigmaRule) -> Result<(), PackError> {
    if matches!(rule.kind, RuleKind::Correlation(_)) {
        return Ok(());
    }
    let product = rule.logsource.product.as_deref().unwrap_or("");
    let service = rule.logsource.service.as_deref();
    if product.eq_ignore_ascii_case("aws")
        && service.is_none_or(|service| service.eq_ignore_ascii_case("cloudtrail"))
    {
        return Ok(());
    }
    Err(PackError::at(
        path,
        rule.document,
        "logsource",
        format!(
            "not an AWS CloudTrail rule (product '{}', service '{}'); left out",
            product,
            service.unwrap_or("")
        ),
    ))
}

/// How the correlations of a file use its documents.
struct DocumentUses {
    /// For each document: the kinds of the correlations that use it, and whether any of them
    /// `generate`s the document's own alerts.
    used_by: Vec<Vec<(PackKind, bool)>>,
}

impl DocumentUses {
    fn of(sigma: &[SigmaRule]) -> DocumentUses {
        let mut used_by = vec![Vec::new(); sigma.len()];
        for rule in sigma {
            let RuleKind::Correlation(correlation) = &rule.kind else {
                continue;
            };
            let kind = PackKind::of_correlation(correlation.kind);
            for reference in &correlation.rules {
                for (index, candidate) in sigma.iter().enumerate() {
                    if candidate.is_named(reference) {
                        used_by[index].push((kind, correlation.generate));
                    }
                }
            }
        }
        DocumentUses { used_by }
    }

    fn is_used(&self, index: usize) -> bool {
        !self.used_by[index].is_empty()
    }

    /// A document raises its own alerts unless every correlation using it keeps them back.
    fn alerts(&self, index: usize) -> bool {
        let uses = &self.used_by[index];
        uses.is_empty() || uses.iter().any(|(_, generate)| *generate)
    }

    fn correlation_kind(&self, index: usize) -> Option<PackKind> {
        self.used_by[index].first().map(|(kind, _)| *kind)
    }
}

/// The document's own kind when it stands alone.
fn natural_kind(rule: &SigmaRule, first_seen: bool) -> PackKind {
    match &rule.kind {
        RuleKind::Correlation(correlation) => PackKind::of_correlation(correlation.kind),
        RuleKind::Detection(_) if first_seen => PackKind::FirstSeen,
        RuleKind::Detection(_) => PackKind::Event,
    }
}

fn level_severity(path: &Path, rule: &SigmaRule) -> Result<Option<Severity>, PackError> {
    match rule.level.as_deref() {
        None => Ok(None),
        Some(level) => Severity::from_sigma_level(level).map(Some).ok_or_else(|| {
            PackError::at(
                path,
                rule.document,
                "level",
                format!("'{level}' is not one of informational, low, medium, high, critical"),
            )
        }),
    }
}

fn correlation_grouping(rule: &SigmaRule) -> Option<(Vec<String>, Duration)> {
    match &rule.kind {
        RuleKind::Correlation(correlation) => {
            Some((correlation.group_by.clone(), correlation.timespan))
        }
        RuleKind::Detection(_) => None,
    }
}

// ---- plain Sigma ----

fn plain_sigma_rule(
    path: &Path,
    sigma: Vec<SigmaRule>,
    uses: &DocumentUses,
) -> Result<PackRule, PackError> {
    let mut documents = Vec::with_capacity(sigma.len());
    for (index, rule) in sigma.iter().enumerate() {
        let alerts = uses.alerts(index);
        let kind = if alerts {
            natural_kind(rule, false)
        } else {
            uses.correlation_kind(index)
                .unwrap_or(natural_kind(rule, false))
        };
        let (group_by, window) = correlation_grouping(rule)
            .unwrap_or_else(|| (vec![DEFAULT_GROUP_BY.to_string()], DEFAULT_WINDOW));
        documents.push(PackDocument {
            // Sigma makes `level` optional; an unrated community rule is treated as medium.
            severity: level_severity(path, rule)?.unwrap_or(Severity::Medium),
            kind,
            alerts,
            group_by,
            window,
            first_seen: None,
            requires: Vec::new(),
            unless: Vec::new(),
            off: None,
            samples: Samples::default(),
            why: None,
            next: None,
            alert_window: None,
        });
    }
    let lead = first_alerting_document(&documents);
    let rule = &sigma[lead];
    let next = if rule.falsepositives.is_empty() {
        "Review the matching events and the rule's references.".to_string()
    } else {
        format!(
            "Rule out the known false positives: {}.",
            rule.falsepositives.join("; ")
        )
    };
    Ok(PackRule {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        severity: highest_severity(&documents),
        kind: documents[lead].kind,
        why: rule
            .description
            .clone()
            .unwrap_or_else(|| rule.title.clone()),
        next,
        group_by: documents[lead].group_by.clone(),
        window: documents[lead].window,
        params: Map::new(),
        param_fields: Map::new(),
        samples: Samples::default(),
        documents,
        format: RuleFormat::Sigma,
        origin: path.to_path_buf(),
        source: Arc::from(""),
        sigma,
    })
}

/// The first document that raises alerts (a file where none does still has a first document).
fn first_alerting_document(documents: &[PackDocument]) -> usize {
    documents
        .iter()
        .position(|document| document.alerts)
        .unwrap_or(0)
}

fn highest_severity(documents: &[PackDocument]) -> Severity {
    documents
        .iter()
        .filter(|document| document.alerts)
        .map(|document| document.severity)
        .max()
        .or_else(|| documents.iter().map(|document| document.severity).max())
        .unwrap_or(Severity::Medium)
}

// ---- our format ----

/// One document's `trailhound:` block, read and checked.
struct Block {
    id: String,
    severity: Option<Severity>,
    kind: Option<PackKind>,
    why: Option<String>,
    next: Option<String>,
    group_by: Option<Vec<String>>,
    window: Option<Duration>,
    params: Map<String, Value>,
    param_fields: Map<String, Value>,
    samples: Samples,
    first_seen: Option<FirstSeen>,
    requires: Vec<String>,
    unless: Vec<String>,
}

/// Reads the fields of one block, naming `trailhound.<field>` in errors.
struct BlockReader<'a> {
    path: &'a Path,
    document: usize,
    map: &'a Map<String, Value>,
}

impl BlockReader<'_> {
    fn error(&self, field: &str, message: impl Into<String>) -> PackError {
        PackError::at(
            self.path,
            self.document,
            format!("{EXTENSION_KEY}.{field}"),
            message,
        )
    }

    fn text(&self, field: &str) -> Result<Option<String>, PackError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => {
                Err(self.error(field, "must not be empty"))
            }
            Some(Value::String(text)) => Ok(Some(text.trim().to_string())),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", json_kind(other)),
            )),
        }
    }

    fn text_list(&self, field: &str) -> Result<Option<Vec<String>>, PackError> {
        self.map
            .get(field)
            .map(|value| text_list(value).map_err(|message| self.error(field, message)))
            .transpose()
    }

    fn duration(&self, field: &str) -> Result<Option<Duration>, PackError> {
        self.text(field)?
            .map(|text| {
                humantime::parse_duration(&text).map_err(|error| {
                    self.error(
                        field,
                        format!("'{text}' is not a duration such as 15m or 1h: {error}"),
                    )
                })
            })
            .transpose()
    }

    fn object(&self, field: &str) -> Result<Map<String, Value>, PackError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(object)) => Ok(object.clone()),
            Some(other) => Err(self.error(
                field,
                format!("expected a mapping, found {}", json_kind(other)),
            )),
        }
    }

    fn read(&self) -> Result<Block, PackError> {
        for key in self.map.keys() {
            if !BLOCK_KEYS.contains(&key.as_str()) {
                return Err(self.error(
                    key,
                    format!("unknown key; expected one of {}", BLOCK_KEYS.join(", ")),
                ));
            }
        }
        let id = self
            .text("id")?
            .ok_or_else(|| self.error("id", "missing"))?;
        let severity = self
            .text("severity")?
            .map(|text| {
                Severity::parse(&text).ok_or_else(|| {
                    self.error(
                        "severity",
                        format!("'{text}' is not one of info, low, medium, high, critical"),
                    )
                })
            })
            .transpose()?;
        let kind = self
            .text("kind")?
            .map(|text| {
                PackKind::parse(&text).ok_or_else(|| {
                    self.error(
                        "kind",
                        format!("'{text}' is not one of event, threshold, sequence, first_seen"),
                    )
                })
            })
            .transpose()?;
        Ok(Block {
            id,
            severity,
            kind,
            why: self.text("why")?,
            next: self.text("next")?,
            group_by: self.text_list("group_by")?,
            window: self.duration("window")?,
            params: self.object("params")?,
            param_fields: self.object("param_fields")?,
            samples: self.samples()?,
            first_seen: self.first_seen()?,
            requires: self.text_list("requires")?.unwrap_or_default(),
            unless: self.text_list("unless")?.unwrap_or_default(),
        })
    }

    fn samples(&self) -> Result<Samples, PackError> {
        let map = self.object("samples")?;
        for key in map.keys() {
            if !SAMPLE_KEYS.contains(&key.as_str()) {
                return Err(self.error(
                    &format!("samples.{key}"),
                    format!("unknown key; expected one of {}", SAMPLE_KEYS.join(", ")),
                ));
            }
        }
        let records = |key: &str| -> Result<Vec<Value>, PackError> {
            let field = format!("samples.{key}");
            match map.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => {
                    for (position, item) in items.iter().enumerate() {
                        if !item.is_object() {
                            return Err(self.error(
                                &format!("{field}[{position}]"),
                                format!(
                                    "expected a CloudTrail record (a mapping), found {}",
                                    json_kind(item)
                                ),
                            ));
                        }
                    }
                    Ok(items.clone())
                }
                Some(other) => Err(self.error(
                    &field,
                    format!("expected a list of records, found {}", json_kind(other)),
                )),
            }
        };
        let overrides = match map.get("overrides") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(object)) => object.clone(),
            Some(other) => {
                return Err(self.error(
                    "samples.overrides",
                    format!("expected a mapping, found {}", json_kind(other)),
                ))
            }
        };
        Ok(Samples {
            must_match: records("match")?,
            must_not_match: records("no_match")?,
            match_sequence: records("match_sequence")?,
            no_match_sequence: records("no_match_sequence")?,
            overrides,
        })
    }

    fn first_seen(&self) -> Result<Option<FirstSeen>, PackError> {
        let map = match self.map.get("first_seen") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(self.error(
                    "first_seen",
                    format!("expected a mapping, found {}", json_kind(other)),
                ))
            }
        };
        for key in map.keys() {
            if !["key", "baseline", "min_baseline_events", "learning"].contains(&key.as_str()) {
                return Err(self.error(
                    &format!("first_seen.{key}"),
                    "unknown key; expected key, baseline, min_baseline_events, learning",
                ));
            }
        }
        let key = map
            .get("key")
            .map(text_list)
            .transpose()
            .map_err(|message| self.error("first_seen.key", message))?
            .filter(|key| !key.is_empty())
            .ok_or_else(|| self.error("first_seen.key", "missing or empty"))?;
        let duration = |field: &str| -> Result<Option<Duration>, PackError> {
            let name = format!("first_seen.{field}");
            match map.get(field) {
                Some(Value::String(text)) => {
                    humantime::parse_duration(text).map(Some).map_err(|error| {
                        self.error(
                            &name,
                            format!("'{text}' is not a duration such as 14d: {error}"),
                        )
                    })
                }
                Some(other) => Err(self.error(
                    &name,
                    format!(
                        "expected a duration such as 14d, found {}",
                        json_kind(other)
                    ),
                )),
                None => Ok(None),
            }
        };
        let baseline =
            duration("baseline")?.ok_or_else(|| self.error("first_seen.baseline", "missing"))?;
        let learning = duration("learning")?.unwrap_or(baseline);
        let min_baseline_events = map
            .get("min_baseline_events")
            .ok_or_else(|| self.error("first_seen.min_baseline_events", "missing"))?
            .as_u64()
            .ok_or_else(|| {
                self.error("first_seen.min_baseline_events", "expected a whole number")
            })?;
        Ok(Some(FirstSeen {
            key,
            baseline,
            min_baseline_events,
            learning,
        }))
    }
}

fn text_list(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                other => Err(format!(
                    "expected a list of strings, found {} in it",
                    json_kind(other)
                )),
            })
            .collect(),
        other => Err(format!(
            "expected a string or a list of strings, found {}",
            json_kind(other)
        )),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn trailhound_rule(
    path: &Path,
    sigma: Vec<SigmaRule>,
    uses: &DocumentUses,
) -> Result<PackRule, PackError> {
    check_correlation_references(path, &sigma)?;
    let mut blocks: Vec<Option<Block>> = Vec::with_capacity(sigma.len());
    for (index, rule) in sigma.iter().enumerate() {
        let block = match rule.custom.get(EXTENSION_KEY) {
            Some(Value::Object(map)) => Some(
                BlockReader {
                    path,
                    document: rule.document,
                    map,
                }
                .read()?,
            ),
            Some(other) => {
                return Err(PackError::at(
                    path,
                    rule.document,
                    EXTENSION_KEY,
                    format!("expected a mapping, found {}", json_kind(other)),
                ))
            }
            None if uses.is_used(index) => None,
            None => return Err(PackError::at(
                path,
                rule.document,
                EXTENSION_KEY,
                "missing: every document needs a block unless a correlation in the file uses it",
            )),
        };
        blocks.push(block);
    }
    let Some((lead_index, lead)) = blocks
        .iter()
        .enumerate()
        .find_map(|(index, block)| block.as_ref().map(|block| (index, block)))
    else {
        return Err(PackError::file(path, "no document has a trailhound block"));
    };
    let lead_document = sigma[lead_index].document;
    let lead_error = |field: &str, message: &str| {
        PackError::at(
            path,
            lead_document,
            format!("{EXTENSION_KEY}.{field}"),
            message,
        )
    };
    let rule_id = lead.id.clone();
    let why = lead
        .why
        .clone()
        .ok_or_else(|| lead_error("why", "missing"))?;
    let next = lead
        .next
        .clone()
        .ok_or_else(|| lead_error("next", "missing"))?;
    let group_by = lead
        .group_by
        .clone()
        .filter(|group_by| !group_by.is_empty())
        .ok_or_else(|| lead_error("group_by", "missing or empty"))?;
    let window = lead.window.ok_or_else(|| lead_error("window", "missing"))?;

    let mut params = Map::new();
    let mut param_fields = Map::new();
    for (rule, block) in sigma.iter().zip(&blocks) {
        let Some(block) = block else { continue };
        if block.id != rule_id {
            return Err(PackError::at(
                path,
                rule.document,
                "trailhound.id",
                format!(
                    "'{}' differs from '{rule_id}' of document {lead_document}",
                    block.id
                ),
            ));
        }
        merge_params(path, rule.document, "params", &mut params, &block.params)?;
        merge_params(
            path,
            rule.document,
            "param_fields",
            &mut param_fields,
            &block.param_fields,
        )?;
    }

    let mut documents = Vec::with_capacity(sigma.len());
    for (index, (rule, block)) in sigma.iter().zip(&blocks).enumerate() {
        documents.push(trailhound_document(
            path,
            index,
            rule,
            block.as_ref(),
            uses,
            &group_by,
            window,
        )?);
    }
    // Base documents without a level or block take the severity of the alerts they feed.
    let severity = highest_severity(&documents);
    for (rule, (document, block)) in sigma.iter().zip(documents.iter_mut().zip(&blocks)) {
        let rated =
            block.as_ref().is_some_and(|block| block.severity.is_some()) || rule.level.is_some();
        if !rated {
            document.severity = severity;
        }
    }
    let mut samples = Samples::default();
    for document in &documents {
        samples.append(&document.samples);
    }
    let first_alerting = first_alerting_document(&documents);
    Ok(PackRule {
        rule_id,
        title: sigma[first_alerting].title.clone(),
        severity,
        kind: documents[first_alerting].kind,
        why,
        next,
        group_by,
        window,
        params,
        param_fields,
        samples,
        documents,
        format: RuleFormat::Trailhound,
        origin: path.to_path_buf(),
        source: Arc::from(""),
        sigma,
    })
}

/// In our format a rule file is self-contained: correlations use documents of the same file.
fn check_correlation_references(path: &Path, sigma: &[SigmaRule]) -> Result<(), PackError> {
    for rule in sigma {
        let RuleKind::Correlation(correlation) = &rule.kind else {
            continue;
        };
        for reference in &correlation.rules {
            if !sigma.iter().any(|candidate| candidate.is_named(reference)) {
                return Err(PackError::at(
                    path,
                    rule.document,
                    "correlation.rules",
                    format!("'{reference}' names no document of this file"),
                ));
            }
        }
    }
    Ok(())
}

fn merge_params(
    path: &Path,
    document: usize,
    field: &str,
    into: &mut Map<String, Value>,
    from: &Map<String, Value>,
) -> Result<(), PackError> {
    for (key, value) in from {
        match into.get(key) {
            Some(existing) if existing != value => {
                return Err(PackError::at(
                    path,
                    document,
                    format!("{EXTENSION_KEY}.{field}.{key}"),
                    "differs from the value an earlier document of the file gives",
                ));
            }
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(())
}

fn trailhound_document(
    path: &Path,
    index: usize,
    rule: &SigmaRule,
    block: Option<&Block>,
    uses: &DocumentUses,
    rule_group_by: &[String],
    rule_window: Duration,
) -> Result<PackDocument, PackError> {
    let field_error = |field: &str, message: String| {
        PackError::at(
            path,
            rule.document,
            format!("{EXTENSION_KEY}.{field}"),
            message,
        )
    };
    let level = level_severity(path, rule)?;
    let block_severity = block.and_then(|block| block.severity);
    if let (Some(level), Some(severity)) = (level, block_severity) {
        if level != severity {
            return Err(field_error(
                "severity",
                format!(
                    "'{severity}' disagrees with level '{}' (use level '{}')",
                    level.sigma_level(),
                    severity.sigma_level()
                ),
            ));
        }
    }
    let alerts = uses.alerts(index);
    let first_seen = block.and_then(|block| block.first_seen.clone());
    let natural = natural_kind(rule, first_seen.is_some());
    let kind = match block.and_then(|block| block.kind) {
        Some(declared) if declared == natural => declared,
        Some(declared) => {
            return Err(field_error(
                "kind",
                format!(
                    "'{declared}' does not fit this document, which is a {natural} rule{}",
                    if natural == PackKind::Event {
                        " (first_seen needs trailhound.first_seen)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        None if alerts => natural,
        None => uses.correlation_kind(index).unwrap_or(natural),
    };
    if first_seen.is_some() && !matches!(rule.kind, RuleKind::Detection(_)) {
        return Err(field_error(
            "first_seen",
            "only detection documents can be first_seen".to_string(),
        ));
    }
    let severity = match (block_severity, level) {
        (Some(severity), _) | (None, Some(severity)) => severity,
        (None, None) if !alerts => Severity::Info,
        (None, None) => {
            return Err(field_error(
                "severity",
                "missing, and the document has no level".to_string(),
            ))
        }
    };
    let (default_group_by, default_window) = correlation_grouping(rule)
        .filter(|(group_by, _)| !group_by.is_empty())
        .unwrap_or_else(|| (rule_group_by.to_vec(), rule_window));
    let group_by = block
        .and_then(|block| block.group_by.clone())
        .unwrap_or(default_group_by);
    let window = block
        .and_then(|block| block.window)
        .unwrap_or(default_window);
    Ok(PackDocument {
        severity,
        kind,
        alerts,
        group_by,
        window,
        first_seen,
        requires: block
            .map(|block| block.requires.clone())
            .unwrap_or_default(),
        unless: block.map(|block| block.unless.clone()).unwrap_or_default(),
        off: None,
        samples: block.map(|block| block.samples.clone()).unwrap_or_default(),
        why: block.and_then(|block| block.why.clone()),
        next: block.and_then(|block| block.next.clone()),
        alert_window: block.and_then(|block| block.window),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    const EVENT_RULE: &str = r#"
title: CloudTrail stopped
id: 6f0b7c1e-0000-4000-8000-000000000001
level: high
tags: [attack.t1685.002]
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: StopLogging
  condition: selection
trailhound:
  id: LOG-01
  severity: high
  kind: event
  why: Logging stopped.
  next: Check who did it.
  group_by: [principal]
  window: 1h
  params: {trail_pattern: ".*"}
  samples:
    match: [{eventName: StopLogging}]
    no_match: [{eventName: StartLogging}]
"#;

    const THRESHOLD_RULE: &str = r#"
title: Failed console login
id: 6f0b7c1e-0000-4000-8000-000000000002
name: failed_login
level: medium
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: ConsoleLogin
    errorMessage: Failed authentication
  condition: selection
---
title: Console brute force
id: 6f0b7c1e-0000-4000-8000-000000000003
level: high
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [principal]
  timespan: 15m
  condition: {gte: 5}
trailhound:
  id: AUTH-04
  why: Guessing passwords.
  next: Check the source.
  group_by: [principal]
  window: 1h
  samples:
    match_sequence: [{eventName: ConsoleLogin, errorMessage: Failed authentication}]
    overrides: {correlation.condition.gte: 1}
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create test folder");
        }
        std::fs::write(&path, text).expect("write test rule");
        path
    }

    fn load_text(text: &str) -> Result<PackRule, PackError> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = write(dir.path(), "rule.yml", text);
        load_pack_file(&path)
    }

    fn load_error(text: &str) -> PackError {
        match load_text(text) {
            Ok(rule) => panic!("expected an error, loaded {}", rule.rule_id),
            Err(error) => error,
        }
    }

    #[test]
    fn loads_an_event_rule_with_its_block() {
        let rule = load_text(EVENT_RULE).expect("valid rule");
        assert_eq!(rule.rule_id, "LOG-01");
        assert_eq!(rule.severity, Severity::High);
        assert_eq!(rule.kind, PackKind::Event);
        assert_eq!(rule.format, RuleFormat::Trailhound);
        assert_eq!(rule.group_by, ["principal"]);
        assert_eq!(rule.window, Duration::from_secs(3_600));
        assert_eq!(rule.params.get("trail_pattern"), Some(&json!(".*")));
        assert_eq!(
            rule.samples.must_match,
            [json!({"eventName": "StopLogging"})]
        );
        assert_eq!(rule.samples.must_not_match.len(), 1);
        assert_eq!(rule.documents.len(), 1);
        assert!(rule.documents[0].alerts);
        assert!(rule.sigma[0].matches(&rule.samples.must_match[0]));
    }

    #[test]
    fn a_correlation_makes_its_base_document_a_silent_input() {
        let rule = load_text(THRESHOLD_RULE).expect("valid rule");
        assert_eq!(rule.rule_id, "AUTH-04");
        assert_eq!(rule.kind, PackKind::Threshold);
        assert_eq!(rule.severity, Severity::High);
        let base = &rule.documents[0];
        assert!(!base.alerts);
        assert_eq!(base.kind, PackKind::Threshold);
        assert_eq!(base.severity, Severity::Medium);
        assert!(rule.documents[1].alerts);
        // The block's alert-grouping window, not the correlation's timespan.
        assert_eq!(rule.documents[1].window, Duration::from_secs(3_600));
        assert_eq!(rule.correlation_inputs(1), BTreeSet::from([0]));
        assert_eq!(
            rule.samples.overrides.get("correlation.condition.gte"),
            Some(&json!(1))
        );
    }

    #[test]
    fn correlations_must_use_documents_of_their_file() {
        let error =
            load_error(&THRESHOLD_RULE.replace("rules: [failed_login]", "rules: [failed_logon]"));
        assert_eq!(error.document, 2);
        assert_eq!(error.field.as_deref(), Some("correlation.rules"));
        assert!(error.message.contains("failed_logon"), "{error}");
    }

    #[test]
    fn severity_must_agree_with_level() {
        let error = load_error(&EVENT_RULE.replace("level: high", "level: medium"));
        assert_eq!(error.field.as_deref(), Some("trailhound.severity"));
        assert_eq!(error.document, 1);
        assert!(
            error.to_string().contains("rule.yml, document 1"),
            "{error}"
        );
    }

    #[test]
    fn severity_info_pairs_with_level_informational() {
        let text = EVENT_RULE
            .replace("level: high", "level: informational")
            .replace("severity: high", "severity: info");
        assert_eq!(
            load_text(&text).expect("valid rule").severity,
            Severity::Info
        );
    }

    #[test]
    fn unknown_block_keys_are_named() {
        let error = load_error(&EVENT_RULE.replace("  why:", "  wyh:"));
        assert_eq!(error.field.as_deref(), Some("trailhound.wyh"));
    }

    #[test]
    fn why_is_required() {
        let error = load_error(&EVENT_RULE.replace("  why: Logging stopped.\n", ""));
        assert_eq!(error.field.as_deref(), Some("trailhound.why"));
    }

    #[test]
    fn samples_must_be_records() {
        let error = load_error(&EVENT_RULE.replace(
            "no_match: [{eventName: StartLogging}]",
            "no_match: [StartLogging]",
        ));
        assert_eq!(
            error.field.as_deref(),
            Some("trailhound.samples.no_match[0]")
        );
    }

    #[test]
    fn a_kind_that_does_not_fit_the_document_is_an_error() {
        let error = load_error(&EVENT_RULE.replace("kind: event", "kind: threshold"));
        assert_eq!(error.field.as_deref(), Some("trailhound.kind"));
    }

    #[test]
    fn documents_without_a_block_must_feed_a_correlation() {
        let text = format!(
            "{EVENT_RULE}---\ntitle: Stray\nid: 6f0b7c1e-0000-4000-8000-000000000009\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n  selection: {{eventName: X}}\n  condition: selection\n"
        );
        let error = load_error(&text);
        assert_eq!(error.document, 2);
        assert_eq!(error.field.as_deref(), Some("trailhound"));
    }

    #[test]
    fn severity_variants_share_the_id() {
        let variant = EVENT_RULE
            .replace("000000000001", "000000000005")
            .replace("level: high", "level: low")
            .replace("severity: high", "severity: low");
        let rule = load_text(&format!("{EVENT_RULE}---\n{variant}")).expect("valid rule");
        assert_eq!(rule.severity, Severity::High);
        assert_eq!(rule.documents[1].severity, Severity::Low);
        assert_eq!(rule.samples.must_match.len(), 2);

        let other_id = variant.replace("id: LOG-01", "id: LOG-02");
        let error = load_error(&format!("{EVENT_RULE}---\n{other_id}"));
        assert_eq!(error.field.as_deref(), Some("trailhound.id"));
        assert_eq!(error.document, 2);
    }

    #[test]
    fn first_seen_documents_read_their_baseline() {
        let text = EVENT_RULE.replace(
            "  kind: event\n",
            "  kind: first_seen\n  first_seen: {key: [principal, awsRegion], baseline: 14d, min_baseline_events: 50}\n",
        );
        let rule = load_text(&text).expect("valid rule");
        assert_eq!(rule.kind, PackKind::FirstSeen);
        let first_seen = rule.documents[0].first_seen.clone().expect("first_seen");
        assert_eq!(first_seen.key, ["principal", "awsRegion"]);
        assert_eq!(first_seen.baseline, Duration::from_secs(14 * 86_400));
        assert_eq!(first_seen.min_baseline_events, 50);
        assert_eq!(
            first_seen.learning, first_seen.baseline,
            "learning defaults to it"
        );

        let error = load_error(&text.replace("baseline: 14d", "baseline: soon"));
        assert_eq!(
            error.field.as_deref(),
            Some("trailhound.first_seen.baseline")
        );
    }

    #[test]
    fn plain_sigma_rules_take_severity_from_level() {
        let text = "title: Trufflehog\nid: 9a1b2c3d-0000-4000-8000-000000000001\nlevel: critical\nfalsepositives: [Scanners]\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection:\n    userAgent|contains: TruffleHog\n  condition: selection\n";
        let rule = load_text(text).expect("valid rule");
        assert_eq!(rule.format, RuleFormat::Sigma);
        assert_eq!(rule.rule_id, "9a1b2c3d-0000-4000-8000-000000000001");
        assert_eq!(rule.severity, Severity::Critical);
        assert_eq!(rule.kind, PackKind::Event);
        assert_eq!(rule.why, "Trufflehog");
        assert!(rule.next.contains("Scanners"));
    }

    #[test]
    fn plain_sigma_correlations_are_thresholds() {
        let text = THRESHOLD_RULE
            .split("trailhound:")
            .next()
            .unwrap_or_default();
        let rule = load_text(text).expect("valid rule");
        assert_eq!(rule.format, RuleFormat::Sigma);
        assert_eq!(rule.kind, PackKind::Threshold);
        assert_eq!(rule.rule_id, "6f0b7c1e-0000-4000-8000-000000000003");
        assert_eq!(rule.group_by, ["principal"]);
    }

    #[test]
    fn other_log_sources_are_left_out_with_a_reason() {
        let text = EVENT_RULE.replace(
            "{product: aws, service: cloudtrail}",
            "{product: windows, service: security}",
        );
        let error = load_error(&text);
        assert_eq!(error.field.as_deref(), Some("logsource"));
        assert!(error.message.contains("windows"), "{error}");
    }

    #[test]
    fn a_folder_loads_good_files_and_reports_bad_ones() {
        let dir = tempfile::tempdir().expect("temporary folder");
        write(dir.path(), "logging/LOG-01-stopped.yml", EVENT_RULE);
        write(dir.path(), "auth/AUTH-04-brute.yaml", THRESHOLD_RULE);
        write(dir.path(), "broken.yml", "title: [unclosed\n");
        write(dir.path(), "copy/LOG-01-again.yml", EVENT_RULE);
        write(dir.path(), "README.md", "not a rule");
        write(dir.path(), ".hidden/skip.yml", "title: [unclosed\n");
        let (rules, errors) = load_pack_dir(dir.path());
        let ids: Vec<&str> = rules.iter().map(|rule| rule.rule_id.as_str()).collect();
        assert_eq!(ids, ["AUTH-04", "LOG-01"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].path.ends_with("broken.yml"));
        assert!(
            errors[1].path.ends_with("LOG-01-stopped.yml")
                || errors[1].path.ends_with("LOG-01-again.yml")
        );
        assert_eq!(errors[1].field.as_deref(), Some("trailhound.id"));
    }

    #[test]
    fn a_missing_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (rules, errors) = load_pack_dir(&dir.path().join("absent"));
        assert!(rules.is_empty());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn the_builtin_folder_is_in_the_package() {
        assert!(builtin_rules_dir().ends_with("assets/rules"));
    }
}
