//! Transport layers: UDP and TCP headers, their trees and Info columns.
//!
//! These dissectors are per-packet: stream indexes, relative sequence bases,
//! window scaling and checksum verdicts come from the caller through
//! [`udp::UdpCtx`] and [`tcp::TcpCtx`].

pub mod tcp;
pub mod udp;

use crate::error::DissectError;
use crate::tree::{NodeId, Tree};

/// Adds the source and destination port fields and the two hidden
/// "either port" fields; `names` = (srcport, dstport, port).
pub(crate) fn add_ports(
    t: &mut Tree,
    root: NodeId,
    names: (&'static str, &'static str, &'static str),
    off: usize,
    sport: u16,
    dport: u16,
) {
    let (src, dst, any) = names;
    let d = off.saturating_add(2);
    t.uint(root, src, "Source Port", u64::from(sport), off, 2);
    t.uint(root, dst, "Destination Port", u64::from(dport), d, 2);
    let a = t.uint(root, any, "Source or Destination Port", u64::from(sport), off, 2);
    t.set_hidden(a);
    let b = t.uint(root, any, "Source or Destination Port", u64::from(dport), d, 2);
    t.set_hidden(b);
}

/// Sets the length of a protocol root added with length 0 to the header
/// bytes its children cover (at most `hdr_len`): the whole header normally,
/// the captured part when the tree is clipped. Adding the root with its full
/// length up front would get it (and so the whole layer) clipped away.
pub(crate) fn fit_root(t: &mut Tree, root: NodeId, off: usize, hdr_len: usize) {
    let end = t
        .children(root)
        .filter(|(_, n)| n.src == 0)
        .map(|(_, n)| (n.off as usize).saturating_add(n.len as usize))
        .max()
        .unwrap_or(off);
    t.set_len(root, end.saturating_sub(off).min(hdr_len));
}

/// Maps a nom error on a slice of `len` bytes starting at `off` to a located error.
pub(crate) fn nom_err(
    layer: &'static str,
    off: usize,
    len: usize,
    e: nom::Err<nom::error::Error<&[u8]>>,
) -> DissectError {
    match e {
        nom::Err::Incomplete(nom::Needed::Size(n)) => {
            DissectError::truncated(layer, off, len.saturating_add(n.get()), len)
        }
        nom::Err::Incomplete(nom::Needed::Unknown) => DissectError::truncated(layer, off, len.saturating_add(1), len),
        nom::Err::Error(e) | nom::Err::Failure(e) => {
            // The failing input is a suffix of the parsed slice: its start is
            // where the missing bytes begin.
            let at = off.saturating_add(len.saturating_sub(e.input.len()));
            DissectError::truncated(layer, at, 1, e.input.len())
        }
    }
}
