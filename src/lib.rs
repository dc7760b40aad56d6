//! wirelens: capture, engine, store, exports and the terminal UI.
//!
//! Data flows one way: capture -> engine -> (output | store -> tui | export).
pub use wirelens_dissectors as dissectors;

pub mod app;
pub mod capture;
pub mod commands;
pub mod engine;
pub mod export;
pub mod filter;
pub mod flow;
pub mod output;
pub mod privs;
pub mod sniff;
pub mod store;
pub mod tcp;
pub mod ui;
