//! Where events come from. A source yields records (verbatim JSON text plus the parsed value) and
//! the problems it met, file by file, as it reads them; it knows nothing of the index.
pub mod archive;
mod decompress;
mod encoding;
mod feed;
mod format;
mod key_case;
mod problem;
mod records;
mod salvage;
mod window;

pub use archive::{discover, Discovery, InputFile, InputGroup};
pub use decompress::is_gzip;
pub use encoding::Tap;
pub use feed::{Delivery, Feed};
pub use format::{
    read_content, read_records, read_records_tapped, FileKind, FileReport, RecordSink,
    MAX_RECORD_BYTES,
};
pub use problem::{Problem, Severity};
pub use records::{as_cloudtrail, SourceRecord};
