//! The one place the index's fields are declared.
//!
//! A record's JSON is flattened into `path -> value` leaves (arrays are walked through, as
//! Elasticsearch does) and every leaf is indexed twice: its analysed words under its path (`tok`,
//! terms `path\0word`) and its whole value under its path (`kw`, terms `path\0value`, for
//! `.keyword` queries and `top`), except that the words of [`VALUE_WORD_PATHS`] are read from
//! their `kw` terms at query time. Queries that name no field search for the word under any
//! path. A path is present (`_exists_`) when a `kw` term starts with it or `paths` holds it:
//! `paths` lists only what `kw` cannot show, the paths of objects and of values not kept whole
//! (the time, ids, secrets, values over [`KEYWORD_MAX_CHARS`]). The raw record is kept verbatim in `raw`,
//! stored as text (tantivy reads and writes text in one copy, bytes one byte at a time).
//!
//! Two choices keep the index near the size of the gzipped archive. Word positions are not kept
//! (they would cost a quarter of the index): a phrase matches when all its words stand in the same
//! field. Values unique to each event (the event's id, request ids) are not dictionary terms but
//! 64-bit hashes in fast fields: `id_hi`/`id_lo` (the id's 128-bit hash: dedupe and `show`) and
//! `exact` (hashes of `path\0value` for [`IDENTIFIER_PATHS`], matched whole).
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, IpAddrOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, STORED,
};

use super::tokenizer;

/// Bumped whenever documents written by an older build could not be read correctly.
pub const SCHEMA_VERSION: u32 = 5;

/// Paths trailhound adds to every record, prefixed with `@` so they never clash with CloudTrail's.
pub mod derived {
    pub const PRINCIPAL: &str = "@principal";
    pub const PRINCIPAL_NAME: &str = "@principal_name";
    pub const SESSION: &str = "@session";
    pub const SOURCE: &str = "@source";
    pub const FILE: &str = "@file";
}

/// Paths whose values repeat from event to event by nature (the API, the region, the role, the
/// client, the file; not the session or the request): their words are read from each distinct
/// value (its `kw` term) at query time instead of being indexed event by event in `tok`, which
/// halves the terms an event costs (a file's path alone is a dozen words). A query reads every
/// distinct value of these paths, so a path whose values are new with each session (the session's
/// ARN, its creation date) stays indexed word by word. Values too long to keep whole are too.
pub const VALUE_WORD_PATHS: &[&str] = &[
    "eventVersion",
    "eventSource",
    "eventName",
    "awsRegion",
    "userAgent",
    "errorCode",
    "eventType",
    "eventCategory",
    "apiVersion",
    "readOnly",
    "managementEvent",
    "recipientAccountId",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "userIdentity.type",
    "userIdentity.accountId",
    "userIdentity.userName",
    "userIdentity.invokedBy",
    "userIdentity.sessionContext.attributes.mfaAuthenticated",
    "userIdentity.sessionContext.sessionIssuer.type",
    "userIdentity.sessionContext.sessionIssuer.principalId",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "userIdentity.sessionContext.sessionIssuer.accountId",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "tlsDetails.tlsVersion",
    "tlsDetails.cipherSuite",
    "tlsDetails.clientProvidedHostHeader",
    "resources.type",
    "resources.accountId",
    derived::PRINCIPAL,
    derived::PRINCIPAL_NAME,
    derived::SOURCE,
    derived::FILE,
];

/// Where an event was read from: kept whole in `kw` however long (a path names one file), and
/// searched only by queries that name them: a word without a field is looked for in the record and
/// the identities derived from it, not in the names of the files it came from.
pub const PROVENANCE_PATHS: &[&str] = &[derived::SOURCE, derived::FILE];

/// Whether `path` is one of [`VALUE_WORD_PATHS`].
pub fn words_read_from_values(path: &str) -> bool {
    static PATHS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| VALUE_WORD_PATHS.iter().copied().collect());
    PATHS.contains(path)
}

/// Unique per event and searched whole, never word by word: kept as hashes in `exact`.
pub const IDENTIFIER_PATHS: &[&str] = &["requestID", "sharedEventID"];

/// The event's id is indexed once, as its hash in `id_hi`/`id_lo`, and queried there.
pub const EVENT_ID_PATH: &str = "eventID";

/// Secrets a record may carry (credentials handed out by STS): never indexed, only kept in the raw
/// record, so they cannot be found by searching and cost nothing in the index.
pub const SECRET_PATHS: &[&str] = &["responseElements.credentials.sessionToken"];

/// Indexed in the dedicated `time` field instead of as text.
pub const TIME_PATH: &str = "eventTime";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub raw: Field,
    pub id_hi: Field,
    pub id_lo: Field,
    pub exact: Field,
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
        raw: builder.add_text_field("raw", STORED),
        id_hi: builder.add_u64_field("id_hi", FAST),
        id_lo: builder.add_u64_field("id_lo", FAST),
        exact: builder.add_u64_field("exact", FAST),
        time: builder.add_date_field(
            "time",
            DateOptions::default()
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        ip: builder.add_ip_addr_field("ip", IpAddrOptions::default().set_indexed().set_fast()),
        tok: builder.add_text_field(
            "tok",
            text_field(tokenizer::PATH_WORDS, IndexRecordOption::Basic),
        ),
        kw: builder.add_text_field("kw", text_field("raw", IndexRecordOption::Basic)),
        paths: builder.add_text_field("paths", text_field("raw", IndexRecordOption::Basic)),
    };
    (builder.build(), fields)
}

/// The terms of `inverted` that start with `prefix` (a `path_term(path, "")`: every value of one
/// path), in order.
pub(crate) fn terms_with_prefix<'a>(
    inverted: &'a tantivy::InvertedIndexReader,
    prefix: &str,
) -> std::io::Result<tantivy::termdict::TermStreamer<'a>> {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    inverted
        .terms()
        .range()
        .ge(prefix.as_bytes())
        .lt(&end)
        .into_stream()
}

/// Every path that has a term in `inverted` (a `kw` or `tok` index), in order: one term lookup
/// per path, skipping over its values.
pub(crate) fn paths_with_terms(
    inverted: &tantivy::InvertedIndexReader,
) -> std::io::Result<Vec<String>> {
    let mut paths = Vec::new();
    let mut from: Vec<u8> = Vec::new();
    loop {
        let mut terms = inverted.terms().range().ge(&from).into_stream()?;
        if !terms.advance() {
            return Ok(paths);
        }
        let key = terms.key();
        let Some(end) = key
            .iter()
            .position(|&b| b == tokenizer::PATH_SEPARATOR as u8)
        else {
            from = key.to_vec();
            from.push(0);
            continue;
        };
        paths.push(String::from_utf8_lossy(&key[..end]).into_owned());
        from = key[..end].to_vec();
        from.push(tokenizer::PATH_SEPARATOR as u8 + 1);
    }
}

/// The term text for `value` under `path` in the `tok` and `kw` fields.
pub fn path_term(path: &str, value: &str) -> String {
    let mut term = String::with_capacity(path.len() + 1 + value.len());
    term.push_str(path);
    term.push(tokenizer::PATH_SEPARATOR);
    term.push_str(value);
    term
}

/// The 128-bit hash an event id is deduplicated and looked up by, as (`id_hi`, `id_lo`).
pub fn id_hash(event_id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(event_id.as_bytes())
}

pub fn split_id_hash(hash: u128) -> (u64, u64) {
    ((hash >> 64) as u64, hash as u64)
}

/// The hash an identifier value is matched by in `exact`.
pub fn exact_hash(path: &str, value: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path_term(path, value).as_bytes())
}

/// Keyword values longer than this are not kept whole (Elasticsearch's `ignore_above: 256`).
pub const KEYWORD_MAX_CHARS: usize = 256;
