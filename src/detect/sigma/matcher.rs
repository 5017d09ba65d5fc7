//! A compiled `detection:` section and its evaluation against one record.

use std::collections::BTreeSet;

use serde_json::Value;

use super::condition::Condition;
use super::literal_set::{LiteralSet, SET_FROM};
use super::path::{any_string, FieldPath};
use super::pattern::TextPattern;
use super::prefilter::required_event_names;
use super::value::{text_form, ValueMatcher};

/// A detection rule's compiled matcher: named selections and the condition over them.
#[derive(Debug, Clone)]
pub struct Detection {
    selections: Vec<Selection>,
    condition: Condition,
    event_names: Option<BTreeSet<String>>,
}

impl Detection {
    pub(crate) fn new(selections: Vec<Selection>, condition: Condition) -> Self {
        let event_names = required_event_names(&condition, &selections);
        Detection {
            selections,
            condition,
            event_names,
        }
    }

    /// The lowercased `eventName`s a record must have for this detection to match, when the
    /// rule pins them with exact values; `None` when it does not. For indexing rules by name.
    pub fn required_event_names(&self) -> Option<&BTreeSet<String>> {
        self.event_names.as_ref()
    }

    pub fn matches(&self, record: &Value) -> bool {
        self.matches_within(record, record)
    }

    /// Field paths start at `here` (a part of the record, for `|each`); `|fieldref` names a
    /// field of the whole record, `root`.
    fn matches_within(&self, here: &Value, root: &Value) -> bool {
        self.condition
            .eval(&mut |index| self.selections[index].matches(here, root))
    }

    #[cfg(test)]
    pub(crate) fn selections(&self) -> &[Selection] {
        &self.selections
    }

    /// Selection names in the order the rule gives them.
    pub fn selection_names(&self) -> impl Iterator<Item = &str> {
        self.selections
            .iter()
            .map(|selection| selection.name.as_str())
    }
}

/// One named selection: any of its alternatives (a list of maps) matches when all of that
/// alternative's tests pass.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub name: String,
    pub alternatives: Vec<Vec<Test>>,
}

impl Selection {
    fn matches(&self, here: &Value, root: &Value) -> bool {
        self.alternatives
            .iter()
            .any(|tests| tests.iter().all(|test| test.matches(here, root)))
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// A field compared with a list of values: any of them matches.
    AnyValue {
        path: FieldPath,
        values: Vec<ValueMatcher>,
    },
    /// `|all`: every group matches (a group is one value of the rule, which transformations
    /// such as windash may have turned into several alternatives).
    AllValues {
        path: FieldPath,
        groups: Vec<Vec<ValueMatcher>>,
    },
    /// `|exists: true/false`: present with a non-null value, or not.
    Exists { path: FieldPath, expected: bool },
    /// Field-less values searched for in every string of the record; when any one will do,
    /// many literal ones are in `literals`.
    Keywords {
        patterns: Vec<TextPattern>,
        literals: Option<LiteralSet>,
        require_all: bool,
    },
    /// `field|each`: some element the path reaches (an object, or JSON text of one, such as a
    /// policy document in a string) matches a detection of its own, whose paths start at it.
    Each {
        path: FieldPath,
        detection: Box<Detection>,
    },
}

impl Test {
    /// Field-less values; when any will do, many literal ones are tested as one set.
    pub fn keywords(patterns: Vec<TextPattern>, require_all: bool) -> Result<Test, String> {
        let literal_count = patterns.iter().filter(|p| p.as_literal().is_some()).count();
        if require_all || literal_count < SET_FROM {
            return Ok(Test::Keywords {
                patterns,
                literals: None,
                require_all,
            });
        }
        let literals: Vec<_> = patterns
            .iter()
            .filter_map(TextPattern::as_literal)
            .collect();
        let set = LiteralSet::new(&literals)?;
        Ok(Test::Keywords {
            patterns: patterns
                .into_iter()
                .filter(|pattern| pattern.as_literal().is_none())
                .collect(),
            literals: Some(set),
            require_all,
        })
    }

    pub fn matches(&self, record: &Value, root: &Value) -> bool {
        match self {
            Test::AnyValue { path, values } => field_matches_any(path, values, record, root),
            Test::AllValues { path, groups } => groups
                .iter()
                .all(|group| field_matches_any(path, group, record, root)),
            Test::Exists { path, expected } => {
                path.any(record, &mut |value| !value.is_null()) == *expected
            }
            Test::Each { path, detection } => path.any(record, &mut |element| {
                each_element(element, &mut |item| detection.matches_within(item, root))
            }),
            Test::Keywords {
                patterns,
                literals,
                require_all: false,
            } => any_string(record, &mut |text| {
                literals.as_ref().is_some_and(|set| set.matches(text))
                    || patterns.iter().any(|pattern| pattern.matches(text))
            }),
            Test::Keywords {
                patterns,
                require_all: true,
                ..
            } => patterns
                .iter()
                .all(|pattern| any_string(record, &mut |text| pattern.matches(text))),
        }
    }

    /// A rough relative cost, used to run cheap and selective tests first within a selection.
    pub fn cost(&self) -> u32 {
        match self {
            Test::AnyValue { path, values } => field_cost(path, values.iter()),
            Test::AllValues { path, groups } => field_cost(path, groups.iter().flatten()),
            Test::Exists { path, .. } => 2 + u32::from(path.is_nested()),
            Test::Keywords {
                patterns, literals, ..
            } => 100 + patterns.len() as u32 + u32::from(literals.is_some()) * 4,
            Test::Each { .. } => 200,
        }
    }
}

fn field_cost<'a>(path: &FieldPath, values: impl Iterator<Item = &'a ValueMatcher>) -> u32 {
    let depth = if path.is_nested() { 2 } else { 0 };
    // CloudTrail's eventName is both cheap and the most selective field.
    let selective = if path.as_str() == "eventName" { 0 } else { 1 };
    let (count, worst) = values.fold((0, 0), |(count, worst), value| {
        (count + 1, worst.max(value.cost()))
    });
    selective + depth + worst * 2 + count / 4
}

/// Any value the path reaches matches any of `values`; a `null` value also matches when the
/// path reaches nothing but nulls (or nothing at all).
fn field_matches_any(
    path: &FieldPath,
    values: &[ValueMatcher],
    record: &Value,
    root: &Value,
) -> bool {
    let accepts_null = values
        .iter()
        .any(|value| matches!(value, ValueMatcher::Null));
    let needs_text = values.iter().any(ValueMatcher::needs_text);
    let mut reached_non_null = false;
    let matched = path.any(record, &mut |found| {
        if found.is_null() {
            return false;
        }
        reached_non_null = true;
        let text = if needs_text { text_form(found) } else { None };
        values
            .iter()
            .any(|value| value.matches(found, text.as_deref(), root))
    });
    matched || (accepts_null && !reached_non_null)
}

/// An element `|each` evaluates on: an object as it is; a string holding a JSON document
/// (plain or %-encoded, as IAM and SNS write policies) as that document, each item of a JSON
/// array alone. Other values are no element.
fn each_element(element: &Value, evaluate: &mut dyn FnMut(&Value) -> bool) -> bool {
    match element {
        Value::Object(_) => evaluate(element),
        Value::String(text) => {
            let Some(document) = json_in_text(text) else {
                return false;
            };
            match &document {
                Value::Array(items) => items
                    .iter()
                    .filter(|item| item.is_object())
                    .any(&mut *evaluate),
                Value::Object(_) => evaluate(&document),
                _ => false,
            }
        }
        _ => false,
    }
}

fn json_in_text(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        return serde_json::from_str(trimmed).ok();
    }
    // A document encoded twice: a JSON string whose text is the document.
    if trimmed.starts_with('"') {
        let Ok(Value::String(inner)) = serde_json::from_str(trimmed) else {
            return None;
        };
        let inner = inner.trim_start();
        return inner
            .starts_with(['{', '['])
            .then(|| serde_json::from_str(inner).ok())
            .flatten();
    }
    if trimmed
        .get(..3)
        .is_some_and(|start| start.eq_ignore_ascii_case("%7b"))
    {
        let decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .ok()?;
        return serde_json::from_str(&decoded).ok();
    }
    None
}
