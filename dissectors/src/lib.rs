//! wirelens-dissectors: pure, panic-free protocol dissectors.
//!
//! Every dissector parses with nom from a byte slice and an offset, returns
//! typed values, and can add its fields to a [`tree::Tree`] with Wireshark's
//! filter names and exact byte spans. No I/O, no pcap, no terminal here.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]
#![cfg_attr(
    test,
    allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod annot;
pub mod app;
pub mod error;
pub mod frame;
pub mod link;
pub mod net;
pub mod transport;
pub mod tree;
pub mod tunnel;
pub mod util;

pub use annot::{Anchor, AnnotNode, Annotations, AppPdu, AppProto, PduBytes};
pub use error::{DissectError, Expert, Severity};
pub use frame::{build_tree, columns, dissect, Decoded, Decoder, FrameMeta, Ip, Transport};
pub use tree::{NodeId, Tree, Value};
