//! Can these logs be trusted? CloudTrail signs an hourly digest per account and region that
//! lists the SHA-256 of every log file delivered in the hour and chains to the digest before it.
//!
//! - [`digest`] reads a digest file and builds the string CloudTrail signs;
//! - [`keyring`] holds CloudTrail's public keys (the JSON `aws cloudtrail list-public-keys`
//!   prints) and checks signatures; [`public_keys`] fetches them with ListPublicKeys;
//! - [`chain`] turns the digests and log files found into verdicts, with no I/O;
//! - [`hashing`] hashes a file's decompressed bytes as they stream, and reads a digest;
//! - [`local`] finds and hashes them in local archives (`s3::verify` in a bucket);
//! - [`verdicts`] keeps each ingested file's verdict beside the index, for `@integrity:`, and
//!   the evidence of tampering, which [`alerts`] turns into the alert feed's integrity alerts.
pub mod alerts;
pub mod chain;
pub mod digest;
pub mod hashing;
pub mod keyring;
pub mod local;
pub mod public_keys;
pub mod verdicts;

pub use chain::{verify_chains, Finding, FindingKind, Status};
pub use keyring::Keyring;
