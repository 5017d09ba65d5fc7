//! The one place the index's fields are declared.
//!
//! A record's JSON is flattened into `path -> value` leaves (arrays are walked through, as
//! Elasticsearch does) and every leaf is indexed twice: its analysed words under its path (`tok`,
//! terms `path\0word`, with positions for phrases) and its whole value under its path (`kw`, terms
//! `path\0value`, for `.keyword` queries, exact lookups and `top`). Queries that name no field
//! search `tok` for the word under any path. `paths` holds each path present, for `_exists_`.
//! The raw record is kept verbatim in `raw`; the event's id is the `kw` term `@id\0<id>`.
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, IpAddrOptions, Schema,
    TextFieldIndexing, TextOptions, STORED,
};

use super::tokenizer;

/// Bumped whenever documents written by an older build could not be read correctly.
pub const SCHEMA_VERSION: u32 = 2;

/// Paths trailhound adds to every record, prefixed with `@` so they never clash with CloudTrail's.
pub mod derived {
    pub const PRINCIPAL: &str = "@principal";
    pub const PRINCIPAL_NAME: &str = "@principal_name";
    pub const SESSION: &str = "@session";
    pub const SOURCE: &str = "@source";
    pub const FILE: &str = "@file";
    /// The event's id (its eventID, or the id derived for a record without one): dedupe and `show`.
    pub const ID: &str = "@id";
}

/// Unique per event, searched whole, never word by word: kept only in `kw`, so they cost one
/// dictionary term each instead of one per word. Queries on them match the whole value.
pub const IDENTIFIER_PATHS: &[&str] = &["requestID", "sharedEventID"];

/// Indexed once as the event's id (`@id`), and queried there.
pub const EVENT_ID_PATH: &str = "eventID";

/// Indexed in the dedicated `time` field instead of as text.
pub const TIME_PATH: &str = "eventTime";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub raw: Field,
    pub time: Field,
    pub ip: Field,
    pub tok: Field,
    pub kw: Field,
    pub paths: Field,
}

fn text_field(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record)
            .set_fieldnorms(false),
    )
}

pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        raw: builder.add_bytes_field("raw", STORED),
        time: builder.add_date_field(
            "time",
            DateOptions::default()
                .set_indexed()
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        ip: builder.add_ip_addr_field("ip", IpAddrOptions::default().set_indexed().set_fast()),
        tok: builder.add_text_field(
            "tok",
            text_field(
                tokenizer::PATH_WORDS,
                IndexRecordOption::WithFreqsAndPositions,
            ),
        ),
        kw: builder.add_text_field("kw", text_field("raw", IndexRecordOption::Basic)),
        paths: builder.add_text_field("paths", text_field("raw", IndexRecordOption::Basic)),
    };
    (builder.build(), fields)
}

/// The term text for `value` under `path` in the `tok` and `kw` fields.
pub fn path_term(path: &str, value: &str) -> String {
    let mut term = String::with_capacity(path.len() + 1 + value.len());
    term.push_str(path);
    term.push(tokenizer::PATH_SEPARATOR);
    term.push_str(value);
    term
}

/// Keyword values longer than this are not kept whole (Elasticsearch's `ignore_above: 256`).
pub const KEYWORD_MAX_CHARS: usize = 256;
