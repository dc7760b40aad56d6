//! Network layer: IPv4 and IPv6 headers (with options and extension
//! headers), ICMP and ICMPv6, and bounded IP fragment reassembly.
//!
//! Each header parser takes the whole data source and an absolute offset and
//! returns typed values with absolute ranges; each `tree` function adds the
//! fields with Wireshark's filter names and exact byte spans.

pub mod frag;
pub mod icmp;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;

#[cfg(test)]
mod tshark_check;

use crate::error::DissectError;
use crate::tree::{NodeId, Tree};

/// IP protocol numbers as Wireshark names them (`ip.proto`, `ipv6.nxt`).
pub fn ip_proto_name(p: u8) -> &'static str {
    match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        3 => "GGP",
        4 => "IPIP",
        5 => "Stream",
        6 => "TCP",
        7 => "CBT",
        8 => "EGP",
        9 => "IGRP",
        10 => "BBN RCC",
        11 => "Network Voice",
        12 => "PUP",
        13 => "ARGUS",
        14 => "EMCON",
        15 => "XNET",
        16 => "CHAOS",
        17 => "UDP",
        18 => "Multiplex",
        19 => "DCN Measurement",
        20 => "Host Monitoring",
        21 => "Packet radio",
        22 => "IDP",
        23 => "Trunk-1",
        24 => "Trunk-2",
        25 => "Leaf-1",
        26 => "Leaf-2",
        27 => "Reliable Data",
        28 => "IRT",
        29 => "ISO TP4",
        30 => "Bulk Data",
        31 => "MFE NSP",
        32 => "Merit Internodal",
        33 => "Datagram Congestion Control Protocol",
        34 => "3rd Party Connect",
        35 => "Inter-Domain Policy Routing Protocol",
        36 => "XTP",
        37 => "Datagram delivery",
        38 => "Control Message",
        39 => "TP++",
        40 => "IL",
        41 => "IPv6",
        42 => "Source demand routing",
        43 => "Routing Header for IPv6",
        44 => "Fragment Header for IPv6",
        45 => "Inter-Domain Routing Protocol",
        46 => "Reservation Protocol",
        47 => "Generic Routing Encapsulation",
        48 => "Dynamic source routing",
        49 => "BNA",
        50 => "Encap Security Payload",
        51 => "Authentication Header",
        52 => "INSLP",
        53 => "SWIPE",
        54 => "NBMA ARP",
        55 => "IP Mobility",
        56 => "TLSP Kryptonet",
        57 => "SKIP",
        58 => "ICMPv6",
        59 => "No Next Header for IPv6",
        60 => "Destination Options for IPv6",
        61 => "any host internal protocol",
        62 => "Mobile IPv6 (old)",
        63 => "any local network",
        64 => "SATNET EXPAK",
        65 => "Kryptolan",
        66 => "Remote Virtual Disk",
        67 => "IPPC",
        68 => "any distributed file system",
        69 => "SATNET Monitoring",
        70 => "VISA",
        71 => "IPCV",
        72 => "CPNX",
        73 => "CPHB",
        74 => "Wang Span",
        75 => "Packet Video",
        76 => "Backroom SATNET Mon",
        77 => "Sun ND Protocol",
        78 => "Wideband Mon",
        79 => "Wideband Expak",
        80 => "ISO Internet Protocol",
        81 => "VMTP",
        82 => "Secure VMTP",
        83 => "VINES",
        84 => "TTP",
        85 => "NSFNET IGP",
        86 => "Dissimilar Gateway",
        87 => "TCF",
        88 => "EIGRP",
        89 => "OSPF IGP",
        90 => "Sprite RPC",
        91 => "Locus ARP",
        92 => "Multicast Transport",
        93 => "AX.25 Frames",
        94 => "IP in IP",
        95 => "MICP",
        96 => "Semaphore",
        97 => "Ether in IP",
        98 => "ENCAP",
        99 => "any private encryption scheme",
        100 => "GMTP",
        101 => "Ipsilon Flow",
        102 => "PNNI over IP",
        103 => "PIM",
        104 => "ARIS",
        105 => "SCPS",
        106 => "QNX",
        107 => "Active Networks",
        108 => "IPComp",
        109 => "Sitara Networks",
        110 => "Compaq Peer",
        111 => "IPX IN IP",
        112 => "VRRP",
        113 => "PGM",
        114 => "any 0-hop protocol",
        115 => "Layer 2 Tunneling",
        116 => "DDX",
        117 => "IATP",
        118 => "STP",
        119 => "SpectraLink",
        120 => "UTI",
        121 => "SMP",
        122 => "SM",
        123 => "PTP",
        124 => "ISIS over IP",
        125 => "FIRE",
        126 => "CRTP",
        127 => "CRUDP",
        128 => "SSCOPMCE",
        129 => "IPLT",
        130 => "Secure Packet",
        131 => "PIPE",
        132 => "SCTP",
        133 => "Fibre Channel",
        134 => "RSVP E2EI",
        135 => "Mobile IPv6",
        136 => "UDPLite",
        137 => "MPLS in IP",
        138 => "MANET",
        139 => "HIP",
        140 => "Shim6 header",
        141 => "WESP",
        142 => "ROHC",
        143 => "Ethernet",
        173 => "AX/4000 Testframe",
        224 => "Novell NCS Heartbeat",
        144..=223 => "Unassigned",
        _ => "Unknown",
    }
}

/// Differentiated Services codepoint names (`ip.dsfield.dscp`, `ipv6.tclass.dscp`).
pub fn dscp_name(dscp: u8) -> Option<&'static str> {
    Some(match dscp {
        0 => "Default",
        1 => "Lower Effort",
        8 => "Class Selector 1",
        10 => "Assured Forwarding 11",
        12 => "Assured Forwarding 12",
        14 => "Assured Forwarding 13",
        16 => "Class Selector 2",
        18 => "Assured Forwarding 21",
        20 => "Assured Forwarding 22",
        22 => "Assured Forwarding 23",
        24 => "Class Selector 3",
        26 => "Assured Forwarding 31",
        28 => "Assured Forwarding 32",
        30 => "Assured Forwarding 33",
        32 => "Class Selector 4",
        34 => "Assured Forwarding 41",
        36 => "Assured Forwarding 42",
        38 => "Assured Forwarding 43",
        40 => "Class Selector 5",
        44 => "Voice Admit",
        46 => "Expedited Forwarding",
        48 => "Class Selector 6",
        56 => "Class Selector 7",
        _ => return None,
    })
}

/// The short DSCP name of the DS field summary (`DSCP: CS0`).
pub fn dscp_short(dscp: u8) -> &'static str {
    match dscp {
        0 => "CS0",
        1 => "LE",
        8 => "CS1",
        10 => "AF11",
        12 => "AF12",
        14 => "AF13",
        16 => "CS2",
        18 => "AF21",
        20 => "AF22",
        22 => "AF23",
        24 => "CS3",
        26 => "AF31",
        28 => "AF32",
        30 => "AF33",
        32 => "CS4",
        34 => "AF41",
        36 => "AF42",
        38 => "AF43",
        40 => "CS5",
        44 => "VOICE-ADMIT",
        46 => "EF PHB",
        48 => "CS6",
        56 => "CS7",
        _ => "Unknown",
    }
}

pub fn ecn_name(ecn: u8) -> &'static str {
    match ecn & 3 {
        0 => "Not ECN-Capable Transport",
        1 => "ECN-Capable Transport codepoint '01'",
        2 => "ECN-Capable Transport codepoint '10'",
        _ => "Congestion Experienced",
    }
}

pub fn ecn_short(ecn: u8) -> &'static str {
    match ecn & 3 {
        0 => "Not-ECT",
        1 => "ECT(1)",
        2 => "ECT(0)",
        _ => "CE",
    }
}

/// `Class Selector 7 (56)` / `Unknown (3)`.
pub(crate) fn dscp_text(dscp: u8) -> String {
    format!("{} ({})", dscp_name(dscp).unwrap_or("Unknown"), dscp)
}

/// Maps a nom failure on a fixed-size read to a located truncation error.
pub(crate) fn truncated(layer: &'static str, data: &[u8], off: usize, need: usize) -> DissectError {
    DissectError::truncated(layer, off, need, data.len().saturating_sub(off))
}

/// The bytes of `data` from `off`, empty when `off` is past the end.
pub(crate) fn rest(data: &[u8], off: usize) -> &[u8] {
    data.get(off..).unwrap_or(&[])
}

/// `n` bytes of `data` at `off`, if all present.
pub(crate) fn slice(data: &[u8], off: usize, n: usize) -> Option<&[u8]> {
    data.get(off..off.checked_add(n)?)
}

/// `"s"` for plural counts in Wireshark-style texts.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Adds a subtree node (a protocol or an option) spanning `off..off + len`.
///
/// The clip check of [`Tree::add`] is made on its first byte only, so that a
/// header cut short still shows the fields that were captured under it.
pub(crate) fn group(
    t: &mut Tree,
    parent: Option<NodeId>,
    name: &'static str,
    text: impl Into<Box<str>>,
    off: usize,
    len: usize,
) -> NodeId {
    let id = t.text(parent, name, text, off, len.min(1));
    t.set_len(id, len);
    id
}

/// A bytes field written the way Wireshark writes plain byte fields: hex
/// without separators (`Unused: 00000000`), the first 36 bytes then `…`.
pub(crate) fn hex_field(
    t: &mut Tree,
    data: &[u8],
    parent: NodeId,
    name: &'static str,
    label: &'static str,
    off: usize,
    len: usize,
) -> NodeId {
    const SHOWN: usize = 36;
    let n = t.bytes(parent, name, label, off, len);
    if n != crate::tree::SKIPPED {
        if let Some(b) = slice(data, off, len.min(SHOWN)) {
            let mut s = String::with_capacity(SHOWN * 2 + 3);
            crate::tree::write_hex(&mut s, b, None);
            if len > SHOWN {
                s.push('\u{2026}');
            }
            t.set_text(n, s);
        }
    }
    n
}

/// A view of a [`Tree`] that only adds nodes lying before `end` (the end of
/// a message), so bytes after it (padding, a trailer, a cut capture) are
/// never shown as fields of the message. The tree's own clip still applies.
pub(crate) struct Bounded<'a> {
    pub t: &'a mut Tree,
    pub end: usize,
}

#[allow(clippy::too_many_arguments)]
impl Bounded<'_> {
    fn fits(&self, off: usize, len: usize) -> bool {
        off.saturating_add(len) <= self.end
    }

    pub fn add(
        &mut self,
        parent: Option<NodeId>,
        name: &'static str,
        label: &'static str,
        v: crate::tree::Value,
        off: usize,
        len: usize,
    ) -> NodeId {
        if self.fits(off, len) {
            self.t.add(parent, name, label, v, off, len)
        } else {
            crate::tree::SKIPPED
        }
    }

    pub fn uint(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: u64,
        off: usize,
        len: usize,
    ) -> NodeId {
        self.add(Some(parent), name, label, crate::tree::Value::UInt(v), off, len)
    }

    pub fn hex(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: u64,
        digits: u8,
        off: usize,
        len: usize,
    ) -> NodeId {
        let id = self.uint(parent, name, label, v, off, len);
        self.t.set_base(id, crate::tree::Base::Hex(digits));
        id
    }

    pub fn bits(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: crate::tree::Value,
        bits: u8,
        mask: u64,
        off: usize,
        len: usize,
    ) -> NodeId {
        if self.fits(off, len) {
            self.t.bits(parent, name, label, v, bits, mask, off, len)
        } else {
            crate::tree::SKIPPED
        }
    }

    pub fn text(
        &mut self,
        parent: Option<NodeId>,
        name: &'static str,
        text: impl Into<Box<str>>,
        off: usize,
        len: usize,
    ) -> NodeId {
        if self.fits(off, len) {
            self.t.text(parent, name, text, off, len)
        } else {
            crate::tree::SKIPPED
        }
    }

    /// [`group`] whose first byte must lie before the end.
    pub fn group(
        &mut self,
        parent: Option<NodeId>,
        name: &'static str,
        text: impl Into<Box<str>>,
        off: usize,
        len: usize,
    ) -> NodeId {
        if self.fits(off, len.min(1)) {
            group(self.t, parent, name, text, off, len)
        } else {
            crate::tree::SKIPPED
        }
    }

    pub fn hex_field(
        &mut self,
        data: &[u8],
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        off: usize,
        len: usize,
    ) -> NodeId {
        if self.fits(off, len) {
            hex_field(self.t, data, parent, name, label, off, len)
        } else {
            crate::tree::SKIPPED
        }
    }

    pub fn set_text(&mut self, id: NodeId, text: impl Into<Box<str>>) {
        self.t.set_text(id, text);
    }

    pub fn set_generated(&mut self, id: NodeId) {
        self.t.set_generated(id);
    }

    pub fn set_hidden(&mut self, id: NodeId) {
        self.t.set_hidden(id);
    }

    pub fn expert(
        &mut self,
        parent: NodeId,
        sev: crate::Severity,
        code: &'static str,
        msg: impl Into<String>,
        off: usize,
        len: usize,
    ) -> NodeId {
        if parent == crate::tree::SKIPPED {
            return parent;
        }
        self.t.expert(parent, sev, code, msg, off, len)
    }
}
