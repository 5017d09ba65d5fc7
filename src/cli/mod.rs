//! The command-line commands. Each file runs one subcommand; `main.rs` only parses and dispatches.
pub mod alerts;
pub mod demo;
pub mod gen;
pub mod info;
pub mod ingest;
pub mod output;
pub mod rules;
pub mod search;
pub mod show;
pub mod top;

/// Exit statuses, part of the CLI contract scripts rely on.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const PARTIAL: i32 = 3;
}
