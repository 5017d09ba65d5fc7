//! Reading rule files: YAML documents to [`SigmaRule`]s, with errors that say where.

use std::path::Path;

use serde::Deserialize;
use yaml_serde::{Mapping, Value as Yaml};

use super::correlation::parse_correlation;
use super::detection::compile_detection;
use super::error::{DocumentContext, RuleError};
use super::nesting::too_deep;
use super::rule::{LogSource, RuleKind, SigmaRule};
use super::yaml::{get, kind_name, scalar_text, string_list, to_json};

/// Standard Sigma keys that are read or deliberately ignored; everything else goes to `custom`.
const STANDARD_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "status",
    "description",
    "author",
    "references",
    "tags",
    "level",
    "logsource",
    "detection",
    "correlation",
    "falsepositives",
    "date",
    "modified",
    "fields",
    "related",
    "license",
    "taxonomy",
    "scope",
];

/// The largest rule file loaded (real Sigma rules are a few KB; big IOC lists a few hundred).
pub const MAX_RULE_BYTES: usize = 2 * 1024 * 1024;
/// The deepest nesting a rule file may have (Sigma rules use about six levels).
pub const MAX_NESTING: usize = 64;
/// The most values one detection item may list.
pub const MAX_VALUES: usize = 50_000;

/// Loads every rule in a YAML file (a file may hold several documents separated by `---`,
/// e.g. a correlation and the rules it uses).
pub fn parse_rule_file(path: &Path) -> Result<Vec<SigmaRule>, RuleError> {
    let text = read_rule_text(path)?;
    parse_rule_str(&text, &path.display().to_string())
}

/// A rule file's text, refused when it is larger than [`MAX_RULE_BYTES`].
pub fn read_rule_text(path: &Path) -> Result<String, RuleError> {
    use std::io::Read;
    let whole_file = |message: String| RuleError {
        origin: path.display().to_string(),
        document: 0,
        field: None,
        message,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_RULE_BYTES as u64 + 1)
                .read_to_string(&mut text)
        })
        .map_err(|error| whole_file(format!("cannot read the file: {error}")))?;
    if text.len() > MAX_RULE_BYTES {
        return Err(whole_file(too_big()));
    }
    Ok(text)
}

fn too_big() -> String {
    format!(
        "the file is larger than {} MiB, the most a rule file may be",
        MAX_RULE_BYTES / (1024 * 1024)
    )
}

/// Loads every rule in YAML `text`; `origin` names it in errors (usually a file path).
pub fn parse_rule_str(text: &str, origin: &str) -> Result<Vec<SigmaRule>, RuleError> {
    let whole_text = |message: String| RuleError {
        origin: origin.to_owned(),
        document: 0,
        field: None,
        message,
    };
    if text.len() > MAX_RULE_BYTES {
        return Err(whole_text(too_big()));
    }
    if let Some(line) = too_deep(text, MAX_NESTING) {
        return Err(whole_text(format!(
            "line {line} nests deeper than {MAX_NESTING} levels, the most a rule file may"
        )));
    }
    let mut rules = Vec::new();
    for (index, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let context = DocumentContext {
            origin,
            document: index + 1,
        };
        let value = Yaml::deserialize(document)
            .map_err(|error| context.document_error(format!("invalid YAML: {error}")))?;
        match value {
            // An empty document, e.g. after a trailing `---`.
            Yaml::Null => continue,
            Yaml::Mapping(map) => rules.push(parse_document(&map, context)?),
            other => {
                return Err(context
                    .document_error(format!("expected a mapping, found {}", kind_name(&other))));
            }
        }
    }
    Ok(rules)
}

fn parse_document(map: &Mapping, context: DocumentContext) -> Result<SigmaRule, RuleError> {
    if get(map, "action").is_some() {
        return Err(context.error(
            "action",
            "collection actions (global, reset, repeat) are not supported",
        ));
    }
    let text = |key: &str| -> Result<Option<String>, RuleError> {
        match get(map, key) {
            None | Some(Yaml::Null) => Ok(None),
            Some(value) => scalar_text(value).map(Some).ok_or_else(|| {
                context.error(
                    key,
                    format!("expected a string, found {}", kind_name(value)),
                )
            }),
        }
    };
    let list = |key: &str| -> Result<Vec<String>, RuleError> {
        get(map, key)
            .map(string_list)
            .transpose()
            .map_err(|message| context.error(key, message))
            .map(Option::unwrap_or_default)
    };
    let title = text("title")?.ok_or_else(|| context.error("title", "missing"))?;
    let name = text("name")?;
    let id = text("id")?
        .or_else(|| name.clone())
        .ok_or_else(|| context.error("id", "missing (and no name to use instead)"))?;
    let kind = match (get(map, "detection"), get(map, "correlation")) {
        (Some(detection), None) => RuleKind::Detection(compile_detection(detection, context)?),
        (None, Some(correlation)) => {
            RuleKind::Correlation(parse_correlation(correlation, context)?)
        }
        (Some(_), Some(_)) => {
            return Err(
                context.document_error("a rule has either 'detection' or 'correlation', not both")
            );
        }
        (None, None) => return Err(context.error("detection", "missing (and no 'correlation')")),
    };
    let mut custom = serde_json::Map::new();
    for (key, value) in map {
        let Some(key) = key.as_str() else {
            return Err(context.document_error(format!(
                "top-level keys must be strings, found {}",
                kind_name(key)
            )));
        };
        if !STANDARD_KEYS.contains(&key) {
            let value = to_json(value).map_err(|message| context.error(key, message))?;
            custom.insert(key.to_string(), value);
        }
    }
    Ok(SigmaRule {
        id,
        name,
        title,
        status: text("status")?,
        level: text("level")?,
        tags: list("tags")?,
        description: text("description")?,
        author: text("author")?,
        references: list("references")?,
        falsepositives: list("falsepositives")?,
        logsource: parse_logsource(get(map, "logsource"), context)?,
        custom,
        origin: context.origin.to_string(),
        document: context.document,
        kind,
    })
}

fn parse_logsource(value: Option<&Yaml>, context: DocumentContext) -> Result<LogSource, RuleError> {
    let map = match value {
        None | Some(Yaml::Null) => return Ok(LogSource::default()),
        Some(Yaml::Mapping(map)) => map,
        Some(other) => {
            return Err(context.error(
                "logsource",
                format!("expected a mapping, found {}", kind_name(other)),
            ));
        }
    };
    let text = |key: &str| -> Result<Option<String>, RuleError> {
        match get(map, key) {
            None | Some(Yaml::Null) => Ok(None),
            Some(value) => scalar_text(value).map(Some).ok_or_else(|| {
                context.error(
                    format!("logsource.{key}"),
                    format!("expected a string, found {}", kind_name(value)),
                )
            }),
        }
    };
    Ok(LogSource {
        product: text("product")?,
        service: text("service")?,
        category: text("category")?,
    })
}
