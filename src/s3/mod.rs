//! The trail bucket as a source: a pruned listing of the CloudTrail layout, many GETs in flight,
//! each object read by the same record reader as local files, and per-folder checkpoints that
//! commit with the events they cover (resumable, and incremental on a later run).
mod client;
mod digests;
mod fetch;
pub mod layout;
mod listing;
mod objects;
mod read;
mod url;
pub mod verify;

pub use digests::{DigestRef, Digests};
pub use listing::{Selection, LATE_DELIVERY};
pub use objects::read_objects;
pub use read::{bucket_key, read_buckets, BucketReport, LogHashes, S3Options};
pub use url::BucketUrl;
