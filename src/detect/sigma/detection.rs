//! Compiles a rule's `detection:` mapping (selections and condition) into a [`Detection`].

use ipnet::IpNet;
use yaml_serde::{Mapping, Value as Yaml};

use super::condition::parse_condition;
use super::error::{DocumentContext, RuleError};
use super::expand;
use super::literal_set::{LiteralSet, SET_FROM};
use super::load::MAX_VALUES;
use super::matcher::{Detection, Selection, Test};
use super::modifier::{Comparison, ItemKey, Transform};
use super::path::FieldPath;
use super::pattern::{has_wildcards, unescape, Anchor, TextPattern};
use super::value::ValueMatcher;
use super::yaml::{kind_name, scalar_text};

pub(crate) fn compile_detection(
    value: &Yaml,
    context: DocumentContext,
) -> Result<Detection, RuleError> {
    let Yaml::Mapping(map) = value else {
        return Err(context.error(
            "detection",
            format!("expected a mapping, found {}", kind_name(value)),
        ));
    };
    let mut selections = Vec::new();
    let mut condition_text: Option<String> = None;
    for (key, body) in map {
        let Some(name) = key.as_str() else {
            return Err(context.error(
                "detection",
                format!("selection names must be strings, found {}", kind_name(key)),
            ));
        };
        match name {
            "condition" => condition_text = Some(condition_source(body, context)?),
            "timeframe" => {
                return Err(context.error(
                    "detection.timeframe",
                    "not supported; use a correlation rule",
                ));
            }
            _ => selections.push(compile_selection(name, body, context)?),
        }
    }
    let Some(condition_text) = condition_text else {
        return Err(context.error("detection.condition", "missing"));
    };
    let names: Vec<String> = selections
        .iter()
        .map(|selection| selection.name.clone())
        .collect();
    let condition = parse_condition(&condition_text, &names).map_err(|message| {
        context.error(
            "detection.condition",
            format!("{message} in '{condition_text}'"),
        )
    })?;
    Ok(Detection::new(selections, condition))
}

/// A condition is a string; a list of strings (Sigma v1) means any of them.
fn condition_source(value: &Yaml, context: DocumentContext) -> Result<String, RuleError> {
    match value {
        Yaml::String(text) => Ok(text.clone()),
        Yaml::Sequence(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(|text| format!("({text})")))
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(" or "))
            .ok_or_else(|| context.error("detection.condition", "expected a list of strings")),
        other => Err(context.error(
            "detection.condition",
            format!("expected a string, found {}", kind_name(other)),
        )),
    }
}

fn compile_selection(
    name: &str,
    body: &Yaml,
    context: DocumentContext,
) -> Result<Selection, RuleError> {
    let field = format!("detection.{name}");
    let alternatives = match body {
        Yaml::Mapping(map) => vec![compile_map(map, &field, context)?],
        Yaml::Sequence(items) if items.is_empty() => {
            return Err(context.error(field, "empty selection"));
        }
        Yaml::Sequence(items) if items.iter().all(|item| matches!(item, Yaml::Mapping(_))) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Yaml::Mapping(map) => compile_map(map, &format!("{field}[{index}]"), context),
                _ => Err(context.error(&field, "mixes mappings with other values")),
            })
            .collect::<Result<_, _>>()?,
        Yaml::Sequence(items) if items.iter().any(|item| matches!(item, Yaml::Mapping(_))) => {
            return Err(context.error(field, "mixes mappings with other values"));
        }
        keywords => {
            let test = keyword_patterns(keywords)
                .and_then(|patterns| Test::keywords(patterns, false))
                .map_err(|message| context.error(&field, message))?;
            vec![vec![test]]
        }
    };
    Ok(Selection {
        name: name.to_string(),
        alternatives,
    })
}

/// Field-less values (keyword lists) match anywhere in a string: `'evil'` is `'*evil*'`.
fn keyword_patterns(value: &Yaml) -> Result<Vec<TextPattern>, String> {
    let items: &[Yaml] = match value {
        Yaml::Sequence(items) if items.len() > MAX_VALUES => {
            return Err(format!(
                "{} keywords; a selection may have at most {MAX_VALUES}",
                items.len()
            ))
        }
        Yaml::Sequence(items) => items,
        single => std::slice::from_ref(single),
    };
    items
        .iter()
        .map(|item| {
            let text = scalar_text(item).ok_or_else(|| {
                format!(
                    "keywords must be strings or numbers, found {}",
                    kind_name(item)
                )
            })?;
            TextPattern::sigma(&text, Anchor::Contains, false)
        })
        .collect()
}

/// A mapping of `field|modifiers: values`; every item must match.
fn compile_map(
    map: &Mapping,
    field: &str,
    context: DocumentContext,
) -> Result<Vec<Test>, RuleError> {
    if map.is_empty() {
        return Err(context.error(field, "empty selection"));
    }
    let mut tests = map
        .iter()
        .map(|(key, values)| {
            let Some(key_text) = scalar_text(key) else {
                return Err(context.error(
                    field,
                    format!("item keys must be field names, found {}", kind_name(key)),
                ));
            };
            let item_field = format!("{field}.{key_text}");
            if let Some(path) = key_text.strip_suffix("|each") {
                return compile_each(path, values, &item_field, context);
            }
            compile_item(&key_text, values).map_err(|message| context.error(item_field, message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    tests.sort_by_key(Test::cost);
    Ok(tests)
}

/// `field|each: {selections…, condition}`: a detection of its own, evaluated on each element
/// the path reaches, with paths that start at the element.
fn compile_each(
    path: &str,
    body: &Yaml,
    field: &str,
    context: DocumentContext,
) -> Result<Test, RuleError> {
    if path.is_empty() || path.contains('|') {
        return Err(context.error(field, "each takes a field and no other modifier"));
    }
    if !matches!(body, Yaml::Mapping(_)) {
        return Err(context.error(
            field,
            format!(
                "each takes a mapping of selections and a condition, found {}",
                kind_name(body)
            ),
        ));
    }
    let detection = compile_detection(body, context).map_err(|error| error.within(field))?;
    Ok(Test::Each {
        path: FieldPath::new(path),
        detection: Box::new(detection),
    })
}

fn compile_item(key: &str, values: &Yaml) -> Result<Test, String> {
    let key = ItemKey::parse(key)?;
    let values: Vec<Option<String>> = match values {
        Yaml::Sequence(items) if items.is_empty() => return Err("empty list of values".into()),
        Yaml::Sequence(items) if items.len() > MAX_VALUES => {
            return Err(format!(
                "{} values; an item may have at most {MAX_VALUES}",
                items.len()
            ))
        }
        Yaml::Sequence(items) => items.iter().map(item_value).collect::<Result<_, _>>()?,
        single => vec![item_value(single)?],
    };
    if key.field.is_empty() {
        let plain = Comparison::Text {
            anchor: Anchor::Whole,
            transform: Transform::None,
        };
        if key.comparison != plain {
            return Err("keyword (field-less) items take no modifiers but all and cased".into());
        }
        let patterns = values
            .iter()
            .map(|value| {
                let text = value.as_deref().ok_or("keywords cannot be null")?;
                TextPattern::sigma(text, Anchor::Contains, key.cased)
            })
            .collect::<Result<_, _>>()?;
        return Test::keywords(patterns, key.require_all);
    }
    let path = FieldPath::new(&key.field);
    if key.comparison == Comparison::Exists {
        let [Some(flag)] = values.as_slice() else {
            return Err("exists takes a single true or false".into());
        };
        let expected = match flag.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(format!("exists takes true or false, not '{flag}'")),
        };
        return Ok(Test::Exists { path, expected });
    }
    let groups = values
        .iter()
        .map(|value| match value {
            None => Ok(vec![ValueMatcher::Null]),
            Some(text) => value_matchers(&key, text),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if key.require_all {
        Test::AllValues { path, groups }
    } else {
        Test::AnyValue {
            path,
            values: literals_as_one_set(groups.into_iter().flatten().collect())?,
        }
    })
}

/// Many literal values become one [`LiteralSet`] (the other values stay as they are).
fn literals_as_one_set(values: Vec<ValueMatcher>) -> Result<Vec<ValueMatcher>, String> {
    let literals: Vec<_> = values
        .iter()
        .filter_map(|value| match value {
            ValueMatcher::Text(pattern) => pattern.as_literal(),
            _ => None,
        })
        .collect();
    if literals.len() < SET_FROM {
        return Ok(values);
    }
    let set = LiteralSet::new(&literals)?;
    let mut rest: Vec<ValueMatcher> = values
        .into_iter()
        .filter(
            |value| !matches!(value, ValueMatcher::Text(pattern) if pattern.as_literal().is_some()),
        )
        .collect();
    rest.push(ValueMatcher::Literals(set));
    Ok(rest)
}

/// `None` for YAML null.
fn item_value(value: &Yaml) -> Result<Option<String>, String> {
    match value {
        Yaml::Null => Ok(None),
        other => scalar_text(other).map(Some).ok_or_else(|| {
            format!(
                "values must be strings, numbers, booleans or null, found {}",
                kind_name(other)
            )
        }),
    }
}

/// The matchers for one value; transformations such as windash give several (any matches).
fn value_matchers(key: &ItemKey, text: &str) -> Result<Vec<ValueMatcher>, String> {
    let single = |matcher| Ok(vec![matcher]);
    match &key.comparison {
        Comparison::Text {
            anchor,
            transform: Transform::None,
        } => single(ValueMatcher::Text(TextPattern::sigma(
            text, *anchor, key.cased,
        )?)),
        Comparison::Text {
            anchor,
            transform: Transform::WindowsDash,
        } => expand::windows_dashes(text)
            .iter()
            .map(|variant| {
                Ok(ValueMatcher::Text(TextPattern::sigma(
                    variant, *anchor, key.cased,
                )?))
            })
            .collect(),
        Comparison::Text {
            anchor,
            transform: encoding @ (Transform::Base64 | Transform::Base64Offset),
        } => {
            if has_wildcards(text) {
                return Err("wildcards cannot be combined with base64".into());
            }
            let plain = unescape(text);
            let encoded = if *encoding == Transform::Base64 {
                expand::base64(&plain)
            } else {
                expand::base64_offsets(&plain)
            };
            // Base64 text is case-sensitive by nature.
            Ok(encoded
                .iter()
                .map(|variant| ValueMatcher::Text(TextPattern::literal(variant, *anchor, true)))
                .collect())
        }
        Comparison::Regex(flags) => single(ValueMatcher::Text(TextPattern::regex(text, *flags)?)),
        Comparison::Cidr => {
            let network: IpNet = text
                .trim()
                .parse()
                .map_err(|_| format!("'{text}' is not a network such as 10.0.0.0/8"))?;
            single(ValueMatcher::Cidr(network))
        }
        Comparison::Number(op) => {
            let bound: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("'{text}' is not a number"))?;
            single(ValueMatcher::Number(*op, bound))
        }
        Comparison::FieldRef(anchor) => single(ValueMatcher::FieldRef {
            other: FieldPath::new(&unescape(text)),
            anchor: *anchor,
            cased: key.cased,
        }),
        Comparison::Exists => Err("exists takes a single true or false".into()),
    }
}
