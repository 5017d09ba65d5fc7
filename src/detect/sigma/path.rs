//! Dotted field paths (`requestParameters.ipPermissions.items.ipRanges.items.cidrIp`) walked
//! through JSON objects, and through arrays with any-element semantics.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    full: String,
    segments: Vec<String>,
}

impl FieldPath {
    pub fn new(full: &str) -> Self {
        FieldPath {
            full: full.to_string(),
            segments: full.split('.').map(str::to_string).collect(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.full
    }

    pub fn is_nested(&self) -> bool {
        self.segments.len() > 1
    }

    /// Calls `visit` on every value the path reaches until it returns true; returns whether it
    /// did. Arrays on the way and at the end are flattened, so `visit` never sees an array.
    /// When the record has no object under the first segment, a top-level key spelled with the
    /// dots (a flattened record) is used instead.
    pub fn any<'a, F>(&self, record: &'a Value, visit: &mut F) -> bool
    where
        F: FnMut(&'a Value) -> bool,
    {
        let (Value::Object(object), Some((first, rest))) = (record, self.segments.split_first())
        else {
            return walk(record, &self.segments, visit);
        };
        match object.get(first) {
            Some(child) => walk(child, rest, visit),
            None if self.is_nested() => object
                .get(&self.full)
                .is_some_and(|flat| visit_flattened(flat, visit)),
            None => false,
        }
    }
}

fn walk<'a, F>(value: &'a Value, segments: &[String], visit: &mut F) -> bool
where
    F: FnMut(&'a Value) -> bool,
{
    let Some((first, rest)) = segments.split_first() else {
        return visit_flattened(value, visit);
    };
    match value {
        Value::Object(object) => object
            .get(first)
            .is_some_and(|child| walk(child, rest, visit)),
        Value::Array(items) => items.iter().any(|item| walk(item, segments, visit)),
        _ => false,
    }
}

fn visit_flattened<'a, F>(value: &'a Value, visit: &mut F) -> bool
where
    F: FnMut(&'a Value) -> bool,
{
    match value {
        Value::Array(items) => items.iter().any(|item| visit_flattened(item, visit)),
        other => visit(other),
    }
}

/// Calls `visit` on every string anywhere in `value` (object values and array items, not
/// keys) until it returns true.
pub(crate) fn any_string<F>(value: &Value, visit: &mut F) -> bool
where
    F: FnMut(&str) -> bool,
{
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().any(|item| any_string(item, visit)),
        Value::Object(object) => object.values().any(|item| any_string(item, visit)),
        _ => false,
    }
}
