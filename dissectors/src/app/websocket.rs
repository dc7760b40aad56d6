//! WebSocket frames (RFC 6455).

use crate::tree::{NodeId, Tree};

/// Adds a WebSocket frame's fields.
pub fn tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    t.text(None, "websocket", "WebSocket", base, data.len())
}

/// The Info column of a WebSocket frame.
pub fn info(data: &[u8], out: &mut String) {
    let _ = data;
    out.push_str("WebSocket");
}
