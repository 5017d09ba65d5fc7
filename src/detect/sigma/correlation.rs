//! Sigma v2 correlation rules (`correlation:` documents): parsed and validated here;
//! evaluating them over a stream of events is the caller's job.

use std::collections::BTreeMap;
use std::time::Duration;

use yaml_serde::{Mapping, Value as Yaml};

use super::error::{DocumentContext, RuleError};
use super::yaml::{get, kind_name, scalar_text, string_list};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
}

impl CompareOp {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            CompareOp::Gt => left > right,
            CompareOp::Gte => left >= right,
            CompareOp::Lt => left < right,
            CompareOp::Lte => left <= right,
            CompareOp::Eq => left == right,
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "gt" => CompareOp::Gt,
            "gte" => CompareOp::Gte,
            "lt" => CompareOp::Lt,
            "lte" => CompareOp::Lte,
            "eq" => CompareOp::Eq,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationKind {
    /// At least/most N matching events per group within the timespan.
    EventCount,
    /// N distinct values of `condition.field` per group within the timespan.
    ValueCount,
    /// All referenced rules matched per group within the timespan, in any order.
    Temporal,
    /// As `Temporal`, in the order the rules are listed.
    TemporalOrdered,
}

/// `condition:` of a correlation: every bound must hold (`gte: 5` and `lt: 10` is a range).
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The field whose distinct values are counted (value_count only).
    pub field: Option<String>,
    pub bounds: Vec<(CompareOp, u64)>,
}

impl Threshold {
    pub fn holds(&self, count: u64) -> bool {
        self.bounds
            .iter()
            .all(|(op, bound)| op.holds(count as f64, *bound as f64))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub kind: CorrelationKind,
    /// Referenced rules, by `name` or `id`.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: Duration,
    /// Required for event_count and value_count; optional for temporal kinds.
    pub condition: Option<Threshold>,
    /// Whether the referenced rules also raise their own alerts.
    pub generate: bool,
    /// Alias name -> (rule name or id -> field in that rule's events), usable in `group_by`.
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
}

pub(crate) fn parse_correlation(
    value: &Yaml,
    context: DocumentContext,
) -> Result<Correlation, RuleError> {
    let Yaml::Mapping(map) = value else {
        return Err(context.error(
            "correlation",
            format!("expected a mapping, found {}", kind_name(value)),
        ));
    };
    for (key, _) in map {
        let known = [
            "type",
            "rules",
            "group-by",
            "timespan",
            "condition",
            "generate",
            "aliases",
        ];
        if !key.as_str().is_some_and(|key| known.contains(&key)) {
            let key = scalar_text(key).unwrap_or_else(|| kind_name(key).to_string());
            return Err(context.error(format!("correlation.{key}"), "unknown correlation key"));
        }
    }
    let kind = match get(map, "type").and_then(Yaml::as_str) {
        Some("event_count") => CorrelationKind::EventCount,
        Some("value_count") => CorrelationKind::ValueCount,
        Some("temporal") => CorrelationKind::Temporal,
        Some("temporal_ordered") => CorrelationKind::TemporalOrdered,
        Some(other) => {
            return Err(context.error(
                "correlation.type",
                format!("unsupported correlation type '{other}'"),
            ));
        }
        None if get(map, "type").is_some() => {
            return Err(context.error("correlation.type", "expected a string"));
        }
        None => {
            return Err(context.error(
                "correlation.type",
                "missing; expected event_count, value_count, temporal or temporal_ordered",
            ));
        }
    };
    let list = |key: &str| -> Result<Vec<String>, RuleError> {
        get(map, key)
            .map(string_list)
            .transpose()
            .map_err(|message| context.error(format!("correlation.{key}"), message))
            .map(Option::unwrap_or_default)
    };
    let rules = list("rules")?;
    if rules.is_empty() {
        return Err(context.error("correlation.rules", "missing or empty"));
    }
    let group_by = list("group-by")?;
    let timespan = match get(map, "timespan").and_then(scalar_text) {
        Some(text) => parse_timespan(&text)
            .map_err(|message| context.error("correlation.timespan", message))?,
        None => return Err(context.error("correlation.timespan", "missing")),
    };
    let condition = get(map, "condition")
        .map(|value| parse_threshold(value, context))
        .transpose()?;
    match (kind, &condition) {
        (CorrelationKind::EventCount | CorrelationKind::ValueCount, None) => {
            return Err(context.error("correlation.condition", "missing"));
        }
        (CorrelationKind::ValueCount, Some(Threshold { field: None, .. })) => {
            return Err(context.error(
                "correlation.condition.field",
                "value_count needs the field to count",
            ));
        }
        _ => {}
    }
    let generate = match get(map, "generate") {
        None => false,
        Some(Yaml::Bool(flag)) => *flag,
        Some(other) => {
            return Err(context.error(
                "correlation.generate",
                format!("expected true or false, found {}", kind_name(other)),
            ));
        }
    };
    let aliases = match get(map, "aliases") {
        None => BTreeMap::new(),
        Some(value) => {
            parse_aliases(value).map_err(|message| context.error("correlation.aliases", message))?
        }
    };
    Ok(Correlation {
        kind,
        rules,
        group_by,
        timespan,
        condition,
        generate,
        aliases,
    })
}

fn parse_threshold(value: &Yaml, context: DocumentContext) -> Result<Threshold, RuleError> {
    let Yaml::Mapping(map) = value else {
        return Err(context.error(
            "correlation.condition",
            format!(
                "expected a mapping such as 'gte: 5', found {}",
                kind_name(value)
            ),
        ));
    };
    let mut threshold = Threshold {
        field: None,
        bounds: Vec::new(),
    };
    for (key, bound) in map {
        let key = key.as_str().unwrap_or_default();
        let field = format!("correlation.condition.{key}");
        if key == "field" {
            threshold.field = Some(
                scalar_text(bound).ok_or_else(|| context.error(&field, "expected a field name"))?,
            );
            continue;
        }
        let op = CompareOp::from_key(key)
            .ok_or_else(|| context.error(&field, "expected one of gt, gte, lt, lte, eq, field"))?;
        let bound = bound
            .as_u64()
            .ok_or_else(|| context.error(&field, "expected a whole number"))?;
        threshold.bounds.push((op, bound));
    }
    if threshold.bounds.is_empty() {
        return Err(context.error(
            "correlation.condition",
            "needs at least one of gt, gte, lt, lte, eq",
        ));
    }
    Ok(threshold)
}

fn parse_aliases(value: &Yaml) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
    let as_map = |value: &Yaml| -> Result<Mapping, String> {
        match value {
            Yaml::Mapping(map) => Ok(map.clone()),
            other => Err(format!("expected a mapping, found {}", kind_name(other))),
        }
    };
    let mut aliases = BTreeMap::new();
    for (alias, per_rule) in as_map(value)? {
        let alias = scalar_text(&alias).ok_or("alias names must be strings")?;
        let mut fields = BTreeMap::new();
        for (rule, field) in as_map(&per_rule)? {
            let rule = scalar_text(&rule).ok_or("rule names must be strings")?;
            let field = scalar_text(&field)
                .ok_or_else(|| format!("alias '{alias}': field names must be strings"))?;
            fields.insert(rule, field);
        }
        aliases.insert(alias, fields);
    }
    Ok(aliases)
}

/// `30s`, `15m`, `1h`, `7d`, `2w`.
pub(crate) fn parse_timespan(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a timespan such as 30s, 15m, 1h, 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("'{text}' has an unknown unit; use s, m, h, d or w")),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}
