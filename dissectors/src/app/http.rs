//! HTTP/1.x messages and Server-Sent Events.

use crate::tree::{NodeId, Tree};

/// Adds an HTTP message's fields (head, then body as sent).
pub fn tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    t.text(None, "http", "Hypertext Transfer Protocol", base, data.len())
}

/// The Info column of an HTTP message.
pub fn info(data: &[u8], out: &mut String) {
    let line = data.split(|&b| b == b'\r' || b == b'\n').next().unwrap_or(&[]);
    out.push_str(&String::from_utf8_lossy(line));
}

/// Adds one Server-Sent Event's fields.
pub fn sse_tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    t.text(None, "http", "Server-Sent Event", base, data.len())
}

/// The Info column of one Server-Sent Event.
pub fn sse_info(data: &[u8], out: &mut String) {
    let _ = data;
    out.push_str("Server-Sent Event");
}
