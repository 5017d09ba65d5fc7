//! One value of a detection item, and how a JSON value from a record is compared with it.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use super::correlation::CompareOp;
use super::literal_set::LiteralSet;
use super::path::FieldPath;
use super::pattern::{Anchor, TextPattern};

#[derive(Debug, Clone)]
pub(crate) enum ValueMatcher {
    /// `null`: the field is absent or JSON null (handled by the item, not per value).
    Null,
    Text(TextPattern),
    /// Many literal texts at once (any matches).
    Literals(LiteralSet),
    Number(CompareOp, f64),
    Cidr(IpNet),
    FieldRef {
        other: FieldPath,
        anchor: Anchor,
        cased: bool,
    },
}

impl ValueMatcher {
    /// Whether a non-null record value matches. `text` is the value's [`text_form`].
    pub fn matches(&self, value: &Value, text: Option<&str>, record: &Value) -> bool {
        match self {
            ValueMatcher::Null => false,
            ValueMatcher::Text(pattern) => {
                pattern.matches_anything() || text.is_some_and(|text| pattern.matches(text))
            }
            ValueMatcher::Literals(set) => text.is_some_and(|text| set.matches(text)),
            ValueMatcher::Number(op, bound) => {
                number_form(value).is_some_and(|number| op.holds(number, *bound))
            }
            ValueMatcher::Cidr(network) => {
                ip_form(value).is_some_and(|address| network.contains(&address))
            }
            ValueMatcher::FieldRef {
                other,
                anchor,
                cased,
            } => {
                let Some(text) = text else {
                    return false;
                };
                other.any(record, &mut |reference| {
                    text_form(reference).is_some_and(|reference| {
                        TextPattern::literal(&reference, *anchor, *cased).matches(text)
                    })
                })
            }
        }
    }

    pub fn needs_text(&self) -> bool {
        matches!(
            self,
            ValueMatcher::FieldRef { .. } | ValueMatcher::Literals(_)
        ) || matches!(self, ValueMatcher::Text(pattern) if !pattern.matches_anything())
    }

    pub fn cost(&self) -> u32 {
        match self {
            ValueMatcher::Null => 0,
            ValueMatcher::Text(pattern) => pattern.cost(),
            ValueMatcher::Literals(_) => 5,
            ValueMatcher::Number(..) => 3,
            ValueMatcher::Cidr(_) => 6,
            ValueMatcher::FieldRef { .. } => 20,
        }
    }
}

/// The text a value is compared as: strings as they are, numbers and booleans in JSON form,
/// objects (and arrays inside them) as their compact JSON serialisation. `None` for null.
pub(crate) fn text_form(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Bool(true) => Some(Cow::Borrowed("true")),
        Value::Bool(false) => Some(Cow::Borrowed("false")),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        composite => Some(Cow::Owned(composite.to_string())),
    }
}

/// Numbers, and strings that hold a number.
pub(crate) fn number_form(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn ip_form(value: &Value) -> Option<IpAddr> {
    value.as_str().and_then(|text| text.trim().parse().ok())
}
