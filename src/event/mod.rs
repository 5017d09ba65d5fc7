//! The CloudTrail domain, free of I/O: reading fields out of a record, deriving the principal and
//! session an event belongs to, and making attacker-controlled text safe to show.
pub mod identity;
mod principal;
mod record;
mod sanitize;

pub use identity::{IdentityLink, IdentityMap};
pub use principal::{derive_principal, derive_principal_resolved, Principal};
pub use record::{derived_event_id, event_id_of, EventSummary};
pub use sanitize::{json_terminal_safe, spreadsheet_safe, terminal_safe};
