use std::io::{self, Write};
use std::path::Path;

use super::exit;
use crate::event::{json_terminal_safe, terminal_safe};
use crate::index::TrailIndex;

/// The record, pretty-printed with its keys in their original order.
pub fn pretty(raw: &str) -> String {
    let mut out = Vec::with_capacity(raw.len() * 2);
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    let mut serializer = serde_json::Serializer::pretty(&mut out);
    match serde_transcode::transcode(&mut deserializer, &mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| raw.to_owned()),
        Err(_) => raw.to_owned(),
    }
}

/// The shortest start of an id `show` looks up, as for alert ids.
const MIN_PREFIX: usize = 4;

/// Prints the event with this id, or with the one id that starts with it.
pub fn run(index_dir: &Path, event_id: &str) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let searcher = index.searcher()?;
    let raw = match index.find_by_id(&searcher, event_id)? {
        Some(raw) => raw,
        None if event_id.chars().count() >= MIN_PREFIX => {
            let found = index.find_by_id_prefix(&searcher, event_id, 6)?;
            match found.as_slice() {
                [(_, raw)] => raw.clone(),
                [] => return Ok(not_found(event_id)),
                many => {
                    let shown = many.len().min(5);
                    let ids: Vec<String> = many[..shown]
                        .iter()
                        .map(|(id, _)| terminal_safe(id).into_owned())
                        .collect();
                    eprintln!(
                        "trailhound: `{}` is the start of {} event ids ({}{}); give more of it",
                        terminal_safe(event_id),
                        if many.len() > shown {
                            "more than 5".to_owned()
                        } else {
                            many.len().to_string()
                        },
                        ids.join(", "),
                        if many.len() > shown { ", ..." } else { "" },
                    );
                    return Ok(exit::FAILURE);
                }
            }
        }
        None => return Ok(not_found(event_id)),
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", json_terminal_safe(&pretty(&raw)))?;
    Ok(exit::OK)
}

fn not_found(event_id: &str) -> i32 {
    eprintln!(
        "trailhound: no event with id {} in the index",
        terminal_safe(event_id)
    );
    exit::FAILURE
}

#[cfg(test)]
mod tests {
    #[test]
    fn pretty_keeps_key_order() {
        let text = super::pretty(r#"{"z":1,"a":{"y":[true,null],"b":"x"}}"#);
        assert!(text.find("\"z\"").unwrap() < text.find("\"a\"").unwrap());
        assert!(text.find("\"y\"").unwrap() < text.find("\"b\"").unwrap());
    }
}
