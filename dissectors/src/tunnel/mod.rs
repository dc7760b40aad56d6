//! Encapsulations: the layers a frame carries between its link header and
//! its innermost network layer. GRE (RFC 2784 / 2890, and PPTP's enhanced
//! GRE) with ERSPAN types I, II and III and Cisco MetaData, VXLAN, Geneve,
//! MPLS label stacks (with the PW Ethernet control word), PPPoE session and
//! discovery, PPP, L2TPv2 data messages, and 802.1ah (PBB) I-tags.
//!
//! [`crate::frame`] walks the layers: every outer one is kept as an
//! [`Encap`] (with the bounds of the bytes it was parsed from), and the
//! innermost IP and transport layers stay in `Decoded::ip` /
//! `Decoded::transport`.

pub mod gre;
pub mod ipip;
pub mod mpls;
pub mod ppp;
pub mod vxlan;

use crate::frame::Ip;
use crate::link::{Link, Next};
use crate::transport::udp::Udp;
use crate::util::ChecksumStatus;

pub use gre::{CiscoMeta, Erspan, Gre};
pub use ipip::{Gtpu, PimRegister, Teredo};
pub use mpls::{Mpls, PwEthCw};
pub use ppp::{L2tp, Ppp, Pppoe};
pub use vxlan::{Avsp, Geneve, Macsec, Nsh, Pbb, VnTag, Vxlan, VxlanGpe};

/// How many encapsulation layers are followed; a frame nesting more is
/// flagged and its inner layers are left undissected.
///
/// Every layer is a constant amount of work and the walk is a loop, so the
/// limit only bounds memory: it is high enough for the recursive 802.1ah
/// frames real captures hold (Wireshark follows them all).
pub const MAX_DEPTH: usize = 64;

/// The UDP port of VXLAN (IANA; Wireshark's only default: Linux's old 8472
/// is not decoded unless told).
pub const VXLAN_PORT: u16 = 4789;
/// The UDP port of Geneve.
pub const GENEVE_PORT: u16 = 6081;
/// The UDP port of L2TP.
pub const L2TP_PORT: u16 = 1701;

/// One outer layer of a frame.
#[derive(Clone, Debug)]
pub enum Encap {
    /// An IPv4 header whose version is 6: Wireshark shows the version
    /// (flagged) and hands the packet to IPv6. Holds the offset.
    Ipv4Version6(usize),
    /// An IP header whose payload is another layer dissected here (IP in
    /// IP, IPv6 in IPv4, GRE, a UDP tunnel, PIM...).
    Ip(Ip),
    /// An IPv4 Authentication Header in tunnel mode.
    Ah(crate::net::ipv6::ExtHeader),
    /// A UDP header whose payload is a tunnel (VXLAN, Geneve, L2TP), with
    /// its checksum status.
    Udp(Udp, ChecksumStatus),
    Gre(Gre),
    Erspan(Erspan),
    CiscoMeta(CiscoMeta),
    Vxlan(Vxlan),
    VxlanGpe(VxlanGpe),
    Nsh(Nsh),
    Geneve(Geneve),
    /// A whole label stack.
    Mpls(Mpls),
    PwEthCw(PwEthCw),
    Pppoe(Pppoe),
    Ppp(Ppp),
    L2tp(L2tp),
    Pbb(Pbb),
    VnTag(VnTag),
    Avsp(Avsp),
    /// A MACsec tag and, for a readable payload, where its ICV starts.
    Macsec(Macsec, Option<usize>),
    /// A PIM Register message (the packet it carries follows).
    PimRegister(PimRegister),
    Teredo(Teredo),
    Gtpu(Gtpu),
    /// An inner Ethernet frame (with its tags and LLC).
    Link(Link),
}

/// An outer layer and the bounds it was dissected within.
#[derive(Clone, Debug)]
pub struct Layer {
    pub encap: Encap,
    /// The captured end of the bytes the layer was parsed from (a prefix
    /// of the frame: offsets stay frame offsets).
    pub end: usize,
    /// Where those bytes end on the wire (may lie past `end`).
    pub wire_end: usize,
}

/// The tree of [`Encap::Ipv4Version6`].
pub(crate) fn ipv4_version6_tree(e: &mut crate::link::Emit<'_>, off: usize) {
    let r = e.root("ip", "Internet Protocol Version 4", off, 1);
    let v = e.bits(
        r,
        "ip.version",
        "Version",
        crate::tree::Value::UInt(6),
        8,
        0xf0,
        off,
        1,
        None,
    );
    e.expert(
        v,
        crate::error::Severity::Error,
        "ip.bogus_ip_version",
        "Bogus IPv4 version",
        off,
    );
}

impl Encap {
    /// Wireshark's protocol names of the layer, for `frame.protocols`.
    pub fn protocols(&self, out: &mut Vec<&'static str>) {
        match self {
            Encap::Ip(Ip::V4(_)) | Encap::Ipv4Version6(_) => out.push("ip"),
            Encap::Ip(Ip::V6(_)) => out.push("ipv6"),
            Encap::Ah(_) => out.push("ah"),
            Encap::Udp(..) => out.push("udp"),
            Encap::Gre(_) => out.push("gre"),
            Encap::Erspan(_) => out.push("erspan"),
            Encap::CiscoMeta(_) => out.push("cmd"),
            Encap::Vxlan(_) => out.push("vxlan"),
            // Wireshark does not list VXLAN-GPE in frame.protocols.
            Encap::VxlanGpe(_) => {}
            Encap::Nsh(_) => out.push("nsh"),
            Encap::Geneve(_) => out.push("geneve"),
            Encap::Mpls(_) => out.push("mpls"),
            Encap::PwEthCw(_) => {
                out.push("pwethheuristic");
                out.push("pwethcw");
            }
            Encap::Pppoe(p) => out.push(if p.is_session() { "pppoes" } else { "pppoed" }),
            Encap::Ppp(p) => {
                out.push("ppp");
                if let Some(c) = p.control_proto() {
                    out.push(c);
                }
            }
            Encap::L2tp(_) => out.push("l2tp"),
            Encap::Pbb(p) => p.protocols(out),
            Encap::VnTag(v) => v.protocols(out),
            Encap::Avsp(a) => a.protocols(out),
            Encap::Macsec(m, _) => {
                out.push("macsec");
                if m.etype.is_some() {
                    out.push("ethertype");
                }
            }
            Encap::PimRegister(_) => out.push("pim"),
            Encap::Teredo(_) => out.push("teredo"),
            Encap::Gtpu(_) => out.push("gtp"),
            Encap::Link(l) => out.extend(l.protocols()),
        }
    }

    /// The Protocol column when this is the last layer dissected.
    pub fn column_name(&self) -> &'static str {
        match self {
            Encap::Ip(Ip::V4(_)) | Encap::Ipv4Version6(_) => "IPv4",
            Encap::Ip(Ip::V6(_)) => "IPv6",
            Encap::Ah(_) => "AH",
            Encap::Udp(..) => "UDP",
            Encap::Gre(_) => "GRE",
            Encap::Erspan(_) => "ERSPAN",
            Encap::CiscoMeta(_) => "CMD",
            Encap::Vxlan(_) | Encap::VxlanGpe(_) => "VXLAN",
            Encap::Nsh(_) => "NSH",
            Encap::Geneve(_) => "Geneve",
            Encap::Mpls(_) => "MPLS",
            Encap::PwEthCw(_) => "PW-Eth",
            Encap::Pppoe(p) => {
                if p.is_session() {
                    "PPPoES"
                } else {
                    "PPPoED"
                }
            }
            Encap::Ppp(p) => p.column_name(),
            Encap::L2tp(_) => "L2TP",
            Encap::Pbb(_) => "IEEE 802.1ah",
            Encap::VnTag(_) => "VNTAG",
            Encap::Avsp(_) => "AVSP",
            Encap::Macsec(..) => "MACSEC",
            Encap::PimRegister(_) => "PIMv2",
            Encap::Teredo(_) => "Teredo",
            Encap::Gtpu(_) => "GTP",
            Encap::Link(_) => "Ethernet",
        }
    }
}

/// What a UDP port pair carries, as Wireshark decides by default: the
/// lower port is tried first, and a well-known lower port (below 1024)
/// keeps its own dissector.
pub fn udp_tunnel(sport: u16, dport: u16) -> Option<u16> {
    let (lo, hi) = if sport <= dport { (sport, dport) } else { (dport, sport) };
    let is_tunnel = |p: u16| {
        matches!(
            p,
            VXLAN_PORT
                | vxlan::VXLAN_GPE_PORT
                | GENEVE_PORT
                | L2TP_PORT
                | ipip::TEREDO_PORT
                | ipip::MPLS_UDP_PORT
                | ipip::GTPU_PORT
        )
    };
    if is_tunnel(lo) {
        Some(lo)
    } else if is_tunnel(hi) && lo >= 1024 {
        Some(hi)
    } else {
        None
    }
}

/// The next layer after a PPP protocol number.
pub fn ppp_next(proto: u16) -> Next {
    match proto {
        0x0021 => Next::Ipv4,
        0x0057 => Next::Ipv6,
        0x0281 => Next::Ethertype(0x8847),
        0x0283 => Next::Ethertype(0x8848),
        _ => Next::Nothing,
    }
}

#[cfg(test)]
mod tests;
