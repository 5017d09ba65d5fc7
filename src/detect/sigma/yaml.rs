//! Reading the pieces of a YAML document that Sigma uses: strings, lists of strings, scalars.

use yaml_serde::{Mapping, Value as Yaml};

/// A scalar's text as Sigma compares it: strings as written, numbers and booleans in their
/// usual form. `None` for null, lists, mappings and tagged values.
pub(crate) fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(text) => Some(text.clone()),
        Yaml::Number(number) => Some(number.to_string()),
        Yaml::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A one-word description of a YAML value's kind, for error messages.
pub(crate) fn kind_name(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "null",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

pub(crate) fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Yaml> {
    map.get(key)
}

/// A string, or a list of strings; a single string becomes a one-element list.
pub(crate) fn string_list(value: &Yaml) -> Result<Vec<String>, String> {
    match value {
        Yaml::Sequence(items) => items
            .iter()
            .map(|item| {
                scalar_text(item)
                    .ok_or_else(|| format!("expected a list of strings, found {}", kind_name(item)))
            })
            .collect(),
        Yaml::Null => Ok(Vec::new()),
        other => scalar_text(other).map(|text| vec![text]).ok_or_else(|| {
            format!(
                "expected a string or a list of strings, found {}",
                kind_name(other)
            )
        }),
    }
}

/// Converts YAML to JSON for rule extensions. Mapping keys must be scalars.
pub(crate) fn to_json(value: &Yaml) -> Result<serde_json::Value, String> {
    use serde_json::Value as Json;
    Ok(match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(flag) => Json::Bool(*flag),
        Yaml::Number(number) => {
            if let Some(integer) = number.as_i64() {
                Json::from(integer)
            } else if let Some(integer) = number.as_u64() {
                Json::from(integer)
            } else {
                number
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .ok_or_else(|| format!("number {number} has no JSON form"))?
            }
        }
        Yaml::String(text) => Json::String(text.clone()),
        Yaml::Sequence(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(map) => {
            let mut object = serde_json::Map::new();
            for (key, item) in map {
                let key = scalar_text(key).ok_or_else(|| {
                    format!("mapping keys must be scalars, found {}", kind_name(key))
                })?;
                object.insert(key, to_json(item)?);
            }
            Json::Object(object)
        }
        Yaml::Tagged(tagged) => to_json(&tagged.value)?,
    })
}
