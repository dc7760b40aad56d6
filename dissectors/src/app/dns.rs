//! DNS (RFC 1035 and successors).

use crate::tree::{NodeId, Tree};

/// Adds a DNS message's fields; `over_tcp` when it starts with the 2-byte length.
pub fn tree(t: &mut Tree, data: &[u8], base: usize, over_tcp: bool) -> NodeId {
    let _ = over_tcp;
    t.text(None, "dns", "Domain Name System", base, data.len())
}

/// The Info column of a DNS message.
pub fn info(data: &[u8], over_tcp: bool, out: &mut String) {
    let _ = (data, over_tcp);
    out.push_str("DNS");
}
