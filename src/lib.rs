//! wirelens: capture, engine, store, exports and the terminal UI.
pub use wirelens_dissectors as dissectors;
pub mod capture;
