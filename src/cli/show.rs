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

pub fn run(index_dir: &Path, event_id: &str) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let searcher = index.searcher()?;
    match index.find_by_id(&searcher, event_id)? {
        Some(raw) => {
            let mut out = io::stdout().lock();
            writeln!(out, "{}", json_terminal_safe(&pretty(&raw)))?;
            Ok(exit::OK)
        }
        None => {
            eprintln!(
                "trailhound: no event with id {} in the index",
                terminal_safe(event_id)
            );
            Ok(exit::FAILURE)
        }
    }
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
