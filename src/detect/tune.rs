//! Changing a rule before it runs: a user's settings from the config file, or a sample's
//! `overrides`. Both are applied to the rule's YAML documents, which are then loaded again, so a
//! tuned rule is checked exactly like a shipped one.
//!
//! Keys a change may use (see [`super::pack::PackRule::tuned`]):
//!
//! - `threshold`: the number in the condition of every correlation document of the rule;
//! - `window`: the `timespan` of every correlation document;
//! - `baseline`, `min_baseline_events`, `learning`: the `trailhound.first_seen` values;
//! - the name of one of the rule's `params`: the detection fields its `param_fields` note names
//!   (`detection.<selection>.<field>` replaces the values, `append to detection.<selection> as
//!   {<field>: [...]} and {...}` adds alternatives to the selection; a list of notes applies
//!   each);
//! - a dotted path into the documents (`correlation.condition.gte`,
//!   `trailhound.first_seen.min_baseline_events`): set wherever its parent exists.
use serde_json::{Map, Value};
use yaml_serde::{Mapping, Value as Yaml};

/// Applies `changes` to the YAML documents of `text` and returns the new text, or a message
/// naming the key that cannot be applied.
pub(crate) fn apply(
    text: &str,
    changes: &Map<String, Value>,
    params: &Map<String, Value>,
    param_fields: &Map<String, Value>,
) -> Result<String, (String, String)> {
    let mut documents = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let value: Yaml = serde::Deserialize::deserialize(document)
            .map_err(|error| (String::new(), format!("invalid YAML: {error}")))?;
        documents.push(value);
    }
    for (key, value) in changes {
        let fail = |message: String| (key.clone(), message);
        let yaml = yaml_serde::to_value(value).map_err(|error| fail(error.to_string()))?;
        let applied = match key.as_str() {
            "threshold" => {
                let number = value
                    .as_u64()
                    .ok_or_else(|| fail("expected a whole number".into()))?;
                set_threshold(&mut documents, number)
            }
            "window" => {
                duration(value).map_err(fail)?;
                set_everywhere(&mut documents, "correlation.timespan", &yaml)
            }
            "baseline" | "learning" => {
                duration(value).map_err(fail)?;
                set_everywhere(
                    &mut documents,
                    &format!("trailhound.first_seen.{key}"),
                    &yaml,
                )
            }
            "min_baseline_events" => {
                value
                    .as_u64()
                    .ok_or_else(|| fail("expected a whole number".into()))?;
                set_everywhere(
                    &mut documents,
                    &format!("trailhound.first_seen.{key}"),
                    &yaml,
                )
            }
            name if params.contains_key(name) => {
                // One note, or a list of them when the value goes to several places.
                let notes: Vec<&str> = match param_fields.get(name) {
                    Some(Value::String(note)) => vec![note.as_str()],
                    Some(Value::Array(notes)) => notes.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if notes.is_empty() {
                    return Err(fail("this rule does not say where the value goes".into()));
                }
                let mut applied = 0;
                for note in notes {
                    applied += apply_param(&mut documents, note, value).map_err(fail)?;
                }
                applied
            }
            path if path.contains('.') => set_everywhere(&mut documents, path, &yaml),
            _ => {
                let mut known = vec!["threshold", "window", "baseline", "min_baseline_events"];
                known.extend(params.keys().map(String::as_str));
                return Err(fail(format!(
                    "not a setting of this rule; expected one of {}",
                    known.join(", ")
                )));
            }
        };
        if applied == 0 {
            return Err(fail(match key.as_str() {
                "threshold" | "window" => "the rule has no correlation to apply it to".into(),
                "baseline" | "learning" | "min_baseline_events" => {
                    "the rule has no first_seen document to apply it to".into()
                }
                _ => "no document of the rule has that field".into(),
            }));
        }
    }
    let mut out = String::new();
    for (position, document) in documents.iter().enumerate() {
        if position > 0 {
            out.push_str("---\n");
        }
        match document {
            // Keep empty documents so that document numbers in errors stay the same.
            Yaml::Null => out.push_str("~\n"),
            other => out.push_str(
                &yaml_serde::to_string(other).map_err(|e| (String::new(), e.to_string()))?,
            ),
        }
    }
    Ok(out)
}

fn duration(value: &Value) -> Result<(), String> {
    let text = value
        .as_str()
        .ok_or_else(|| "expected a duration such as 15m, 1h or 14d".to_string())?;
    humantime::parse_duration(text)
        .map(|_| ())
        .map_err(|error| format!("'{text}' is not a duration such as 15m, 1h or 14d: {error}"))
}

/// The longest key of `map` that `path` starts with, whole (up to a dot or the end).
fn longest_key(map: &Mapping, path: &str) -> Option<String> {
    map.keys()
        .filter_map(Yaml::as_str)
        .filter(|key| {
            path == *key
                || path
                    .strip_prefix(*key)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .max_by_key(|key| key.len())
        .map(str::to_owned)
}

/// The value at a dotted path. A key may itself contain dots (`requestParameters.userName`,
/// `sourceIPAddress_geoip.country_iso_code`): at each level the longest key that fits is taken.
fn resolve_mut<'a>(value: &'a mut Yaml, path: &str) -> Option<&'a mut Yaml> {
    if path.is_empty() {
        return Some(value);
    }
    let map = value.as_mapping_mut()?;
    let key = longest_key(map, path)?;
    let rest = path[key.len()..].strip_prefix('.').unwrap_or("");
    resolve_mut(map.get_mut(key.as_str())?, rest)
}

/// Every value at a dotted path, walking into each element of lists on the way (a selection
/// written as a list of alternatives).
fn slots_mut<'a>(value: &'a mut Yaml, path: &str, out: &mut Vec<&'a mut Yaml>) {
    if path.is_empty() {
        out.push(value);
        return;
    }
    match value {
        Yaml::Sequence(items) => {
            for item in items {
                slots_mut(item, path, out);
            }
        }
        Yaml::Mapping(map) => {
            let Some(key) = longest_key(map, path) else {
                return;
            };
            let rest = path[key.len()..].strip_prefix('.').unwrap_or("");
            if let Some(inner) = map.get_mut(key.as_str()) {
                slots_mut(inner, rest, out);
            }
        }
        _ => {}
    }
}

/// Sets `path` in every document where it, or its parent mapping, exists; returns how many.
fn set_everywhere(documents: &mut [Yaml], path: &str, value: &Yaml) -> usize {
    let mut applied = 0;
    for document in documents.iter_mut() {
        if let Some(slot) = resolve_mut(document, path) {
            *slot = value.clone();
            applied += 1;
            continue;
        }
        let Some((parent, last)) = path.rsplit_once('.') else {
            continue;
        };
        if let Some(Yaml::Mapping(map)) = resolve_mut(document, parent) {
            map.insert(Yaml::String(last.to_owned()), value.clone());
            applied += 1;
        }
    }
    applied
}

/// Replaces the number of each correlation condition, keeping its comparison.
fn set_threshold(documents: &mut [Yaml], number: u64) -> usize {
    let mut applied = 0;
    for document in documents.iter_mut() {
        let Some(Yaml::Mapping(condition)) = resolve_mut(document, "correlation.condition") else {
            continue;
        };
        let op = ["gte", "gt", "eq", "lte", "lt"]
            .into_iter()
            .find(|op| condition.contains_key(*op))
            .unwrap_or("gte");
        condition.insert(Yaml::String(op.to_owned()), Yaml::Number(number.into()));
        applied += 1;
    }
    applied
}

/// Applies one param by its `param_fields` note.
fn apply_param(documents: &mut [Yaml], note: &str, value: &Value) -> Result<usize, String> {
    if let Some(rest) = note.strip_prefix("append to ") {
        let (selection, shapes) = rest
            .split_once(" as ")
            .ok_or_else(|| format!("cannot read the rule's note '{note}'"))?;
        let mut fields = Vec::new();
        for shape in shapes.split(" and ") {
            let field = shape
                .trim()
                .strip_prefix('{')
                .and_then(|shape| shape.strip_suffix(": [...]}"))
                .ok_or_else(|| format!("cannot read the rule's note '{note}'"))?;
            fields.push(field.to_owned());
        }
        let values = yaml_serde::to_value(value).map_err(|error| error.to_string())?;
        let empty = matches!(&values, Yaml::Sequence(items) if items.is_empty());
        let mut applied = 0;
        for document in documents.iter_mut() {
            let Some(slot) = resolve_mut(document, selection) else {
                continue;
            };
            applied += 1;
            if empty {
                continue;
            }
            let mut alternatives = match std::mem::take(slot) {
                Yaml::Sequence(items) => items,
                Yaml::Null => Vec::new(),
                other => vec![other],
            };
            for field in &fields {
                let mut map = Mapping::new();
                map.insert(Yaml::String(field.clone()), values.clone());
                alternatives.push(Yaml::Mapping(map));
            }
            *slot = Yaml::Sequence(alternatives);
        }
        return Ok(applied);
    }
    let paths: Vec<&str> = note.split(" and ").map(str::trim).collect();
    if paths
        .iter()
        .any(|path| path.contains(' ') || !path.starts_with("detection."))
    {
        return Err(format!(
            "cannot be set from the configuration (the rule says: {note})"
        ));
    }
    let values = yaml_serde::to_value(value).map_err(|error| error.to_string())?;
    let mut applied = 0;
    for document in documents.iter_mut() {
        for path in &paths {
            let mut slots = Vec::new();
            slots_mut(document, path, &mut slots);
            for slot in slots {
                *slot = values.clone();
                applied += 1;
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEXT: &str = "title: t\ndetection:\n  sel:\n    requestParameters.groupName|re: x\n  filter:\n    a: 1\ncorrelation:\n  timespan: 15m\n  condition: {gt: 5}\n";

    fn changes(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn dotted_keys_resolve_by_the_longest_fit() {
        let mut doc: Yaml = yaml_serde::from_str(TEXT).unwrap();
        let slot = resolve_mut(&mut doc, "detection.sel.requestParameters.groupName|re").unwrap();
        assert_eq!(slot.as_str(), Some("x"));
        assert!(resolve_mut(&mut doc, "detection.sel.requestParameters").is_none());
    }

    #[test]
    fn threshold_keeps_the_comparison_and_window_sets_the_timespan() {
        let out = apply(
            TEXT,
            &changes(json!({"threshold": 9, "window": "1h"})),
            &Map::new(),
            &Map::new(),
        )
        .unwrap();
        let doc: Yaml = yaml_serde::from_str(&out).unwrap();
        assert_eq!(doc["correlation"]["condition"]["gt"].as_u64(), Some(9));
        assert_eq!(doc["correlation"]["timespan"].as_str(), Some("1h"));
    }

    #[test]
    fn params_replace_or_append() {
        let params = changes(json!({"pattern": "admin", "trusted": []}));
        let fields = changes(json!({
            "pattern": "detection.sel.requestParameters.groupName|re",
            "trusted": "append to detection.filter as {b: [...]} and {c|contains: [...]}",
        }));
        let out = apply(
            TEXT,
            &changes(json!({"pattern": "(?i)ops", "trusted": ["1", "2"]})),
            &params,
            &fields,
        )
        .unwrap();
        let doc: Yaml = yaml_serde::from_str(&out).unwrap();
        assert_eq!(
            doc["detection"]["sel"]["requestParameters.groupName|re"].as_str(),
            Some("(?i)ops")
        );
        let filter = doc["detection"]["filter"].as_sequence().unwrap();
        assert_eq!(filter.len(), 3);
        assert_eq!(filter[2]["c|contains"][1].as_str(), Some("2"));
    }

    #[test]
    fn a_param_may_go_to_several_places() {
        let params = changes(json!({"trusted": []}));
        let fields = changes(json!({"trusted": [
            "append to detection.filter as {b: [...]}",
            "detection.sel.requestParameters.groupName|re",
        ]}));
        let out = apply(TEXT, &changes(json!({"trusted": ["7"]})), &params, &fields).unwrap();
        let doc: Yaml = yaml_serde::from_str(&out).unwrap();
        assert_eq!(doc["detection"]["filter"][1]["b"][0].as_str(), Some("7"));
        assert_eq!(
            doc["detection"]["sel"]["requestParameters.groupName|re"][0].as_str(),
            Some("7")
        );
    }

    #[test]
    fn unknown_keys_and_keys_that_apply_nowhere_are_named() {
        let (key, message) = apply(
            TEXT,
            &changes(json!({"treshold": 1})),
            &Map::new(),
            &Map::new(),
        )
        .unwrap_err();
        assert_eq!(key, "treshold");
        assert!(message.contains("threshold"), "{message}");
        let (key, _) = apply(
            TEXT,
            &changes(json!({"baseline": "7d"})),
            &Map::new(),
            &Map::new(),
        )
        .unwrap_err();
        assert_eq!(key, "baseline");
    }
}
