//! Records rebuilt from Athena's result rows, for answers too big to fetch file by file: the
//! statement selects every column with structs and arrays cast to JSON, and each row becomes the
//! record with CloudTrail's names restored. Unlike a file's record it is not the text CloudTrail
//! wrote: numbers and booleans come back as strings, and members the table does not declare are
//! gone.
use serde_json::{Map, Value};

use super::table::{sql_name, Shape, COLUMNS};

/// The select list: every column, structs and arrays as JSON text.
pub fn select_list() -> String {
    COLUMNS
        .iter()
        .map(|column| {
            let name = sql_name(column.name);
            match column.shape {
                Shape::Text | Shape::Json => name,
                Shape::Struct(_) | Shape::Array(_) | Shape::Map => {
                    format!("CAST({name} AS JSON) AS {name}")
                }
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One result row (in [`select_list`]'s order) as a record with Athena's lower-cased names;
/// members without a value are left out, as CloudTrail leaves them out.
pub fn record_of_row(row: &[Option<String>]) -> Result<Value, String> {
    if row.len() != COLUMNS.len() {
        return Err(format!(
            "the row has {} columns where the table has {}",
            row.len(),
            COLUMNS.len()
        ));
    }
    let mut record = Map::new();
    for (column, cell) in COLUMNS.iter().zip(row) {
        let Some(text) = cell else {
            continue;
        };
        let value = match column.shape {
            Shape::Text | Shape::Json => Value::String(text.clone()),
            Shape::Struct(_) | Shape::Array(_) | Shape::Map => serde_json::from_str(text)
                .map_err(|e| format!("{} is not JSON: {e}", sql_name(column.name)))?,
        };
        if let Some(value) = without_nulls(value) {
            record.insert(sql_name(column.name), value);
        }
    }
    Ok(Value::Object(record))
}

fn without_nulls(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| without_nulls(v).map(|v| (k, v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(without_nulls).collect(),
        )),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_the_record_with_casts_parsed_and_nulls_left_out() {
        assert!(select_list()
            .starts_with("eventversion, CAST(useridentity AS JSON) AS useridentity, eventtime"));
        let mut row = vec![None; COLUMNS.len()];
        let at = |name: &str| COLUMNS.iter().position(|c| c.name == name).unwrap();
        row[at("eventName")] = Some("StopLogging".to_owned());
        row[at("userIdentity")] = Some(
            r#"{"type":"IAMUser","arn":null,"sessioncontext":{"sourceidentity":null}}"#.into(),
        );
        row[at("requestParameters")] = Some(r#"{"name":"mgmt"}"#.into());
        let record = record_of_row(&row).unwrap();
        assert_eq!(
            record,
            serde_json::json!({"eventname": "StopLogging", "useridentity": {"type": "IAMUser"},
                "requestparameters": "{\"name\":\"mgmt\"}"})
        );
        assert!(record_of_row(&row[1..]).is_err());
        row[at("resources")] = Some("[{".into());
        assert!(record_of_row(&row)
            .unwrap_err()
            .starts_with("resources is not JSON"));
    }
}
