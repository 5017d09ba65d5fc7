//! The terminal UI, in the state / update / view shape:
//! - [`state`] holds what the screen shows, one struct per pane;
//! - [`update`] turns a message (a key, a resize, a worker reply) into state changes and effects;
//! - [`panes`] draw the state and change nothing; [`layout`] says where, for both;
//! - [`worker`] runs index reads off the UI thread, replies tagged with the request's id;
//! - [`action`], [`keymap`] and [`theme`] make keys and colours data (`keymaps/`, `themes/`);
//! - [`background`] runs a pull or an ingest started from the UI as a child process;
//!   [`pull_args`] says which accounts and regions such a pull reaches, and how;
//! - [`app`] wires these together and runs the terminal loop.
pub mod action;
pub mod app;
pub mod athena_args;
pub mod background;
mod case_edits;
pub mod clipboard;
pub mod config_file;
pub mod format;
pub mod json_view;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod pull_args;
pub mod saved_queries;
pub mod state;
pub mod theme;
pub mod update;
pub mod worker;

pub use app::{run, App, Options};
