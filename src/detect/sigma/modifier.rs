//! The key of a detection item: `field|modifier|modifier`.

use super::correlation::CompareOp;
use super::pattern::{Anchor, RegexFlags};

/// How the values of one detection item are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Comparison {
    /// Sigma strings (wildcards), optionally transformed first.
    Text {
        anchor: Anchor,
        transform: Transform,
    },
    Regex(RegexFlags),
    Cidr,
    Exists,
    Number(CompareOp),
    /// The value names another field whose values must equal (or contain, ...) this one's.
    FieldRef(Anchor),
}

/// Rewrites of a value before it is matched as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transform {
    None,
    Base64,
    Base64Offset,
    WindowsDash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemKey {
    /// Empty for a field-less (keyword) item such as `'|all': [...]`.
    pub field: String,
    pub comparison: Comparison,
    /// `|all`: every value must match, instead of any.
    pub require_all: bool,
    /// `|cased`: compare text case-sensitively.
    pub cased: bool,
}

impl ItemKey {
    pub fn parse(key: &str) -> Result<Self, String> {
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default().to_string();
        let mut anchor: Option<Anchor> = None;
        let mut transform = Transform::None;
        let mut regex: Option<RegexFlags> = None;
        let mut other: Option<Comparison> = None;
        let mut require_all = false;
        let mut cased = false;
        let mut seen: Vec<&str> = Vec::new();
        for modifier in parts {
            if seen.contains(&modifier) {
                return Err(format!("modifier '{modifier}' is given twice"));
            }
            seen.push(modifier);
            match modifier {
                "contains" | "startswith" | "endswith" => {
                    if anchor.is_some() {
                        return Err(
                            "only one of contains, startswith, endswith may be given".into()
                        );
                    }
                    anchor = Some(match modifier {
                        "contains" => Anchor::Contains,
                        "startswith" => Anchor::StartsWith,
                        _ => Anchor::EndsWith,
                    });
                }
                "all" => require_all = true,
                "cased" => cased = true,
                "base64" | "base64offset" | "windash" => {
                    if transform != Transform::None {
                        return Err("only one of base64, base64offset, windash may be given".into());
                    }
                    transform = match modifier {
                        "base64" => Transform::Base64,
                        "base64offset" => Transform::Base64Offset,
                        _ => Transform::WindowsDash,
                    };
                }
                "re" => regex = Some(RegexFlags::default()),
                "i" | "m" | "s" => {
                    let Some(flags) = regex.as_mut() else {
                        return Err(format!("modifier '{modifier}' is only valid after 're'"));
                    };
                    match modifier {
                        "i" => flags.ignore_case = true,
                        "m" => flags.multi_line = true,
                        _ => flags.dot_matches_new_line = true,
                    }
                }
                "cidr" | "exists" | "fieldref" | "gt" | "gte" | "lt" | "lte" => {
                    if let Some(previous) = &other {
                        return Err(format!(
                            "modifier '{modifier}' cannot be combined with {}",
                            describe(previous)
                        ));
                    }
                    other = Some(match modifier {
                        "cidr" => Comparison::Cidr,
                        "exists" => Comparison::Exists,
                        // The anchor is filled in below, once all modifiers are read.
                        "fieldref" => Comparison::FieldRef(Anchor::Whole),
                        "gt" => Comparison::Number(CompareOp::Gt),
                        "gte" => Comparison::Number(CompareOp::Gte),
                        "lt" => Comparison::Number(CompareOp::Lt),
                        _ => Comparison::Number(CompareOp::Lte),
                    });
                }
                "expand" | "utf16" | "utf16le" | "utf16be" | "wide" => {
                    return Err(format!("modifier '{modifier}' is not supported"));
                }
                "" => return Err("empty modifier (a doubled '|')".into()),
                unknown => return Err(format!("unknown modifier '{unknown}'")),
            }
        }
        let comparison = combine(anchor, transform, regex, other)?;
        if matches!(comparison, Comparison::Exists | Comparison::FieldRef(_)) && field.is_empty() {
            return Err(format!("{} needs a field name", describe(&comparison)));
        }
        Ok(ItemKey {
            field,
            comparison,
            require_all,
            cased,
        })
    }
}

fn combine(
    anchor: Option<Anchor>,
    transform: Transform,
    regex: Option<RegexFlags>,
    other: Option<Comparison>,
) -> Result<Comparison, String> {
    let text_modifiers = anchor.is_some() || transform != Transform::None;
    match (regex, other) {
        (Some(_), Some(other)) => Err(format!("'re' cannot be combined with {}", describe(&other))),
        (Some(_), None) if text_modifiers => Err(
            "'re' cannot be combined with contains, startswith, endswith, base64 or windash".into(),
        ),
        (Some(flags), None) => Ok(Comparison::Regex(flags)),
        (None, Some(Comparison::FieldRef(_))) if transform == Transform::None => {
            Ok(Comparison::FieldRef(anchor.unwrap_or(Anchor::Whole)))
        }
        (None, Some(other)) if text_modifiers => Err(format!(
            "{} cannot be combined with contains, startswith, endswith, base64 or windash",
            describe(&other)
        )),
        (None, Some(other)) => Ok(other),
        (None, None) => Ok(Comparison::Text {
            anchor: anchor.unwrap_or(Anchor::Whole),
            transform,
        }),
    }
}

fn describe(comparison: &Comparison) -> &'static str {
    match comparison {
        Comparison::Text { .. } => "a text comparison",
        Comparison::Regex(_) => "'re'",
        Comparison::Cidr => "'cidr'",
        Comparison::Exists => "'exists'",
        Comparison::Number(_) => "a numeric comparison (gt, gte, lt, lte)",
        Comparison::FieldRef(_) => "'fieldref'",
    }
}
