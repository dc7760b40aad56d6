//! Linux cooked capture: SLL (v1, 16 bytes) and SLL2 (v2, 20 bytes).
//!
//! The protocol field means an ethertype, except: for ARPHRD_IPGRE (778) it
//! is a GRE protocol type, and values up to 1536 are Linux pseudo protocols
//! (0x0001 raw 802.3 / Novell IPX, 0x0003 Ethernet frames, 0x0004 802.2 LLC, ...).

use crate::error::{need, DissectError};
use crate::tree::{NodeId, Value};

use nom::Parser;

use super::ethernet::{parse_llc, Llc, ETHERTYPE_IPX};
use super::{
    addr8_, arp, ethertype_name, ethertype_next, named_hex4, padded, rest, u16_, u32_, u8_, Emit, Link, LinkKind, Next,
};

pub const SLL_LEN: usize = 16;
pub const SLL2_LEN: usize = 20;
const LAYER: &str = "Linux cooked capture v1";
const LAYER2: &str = "Linux cooked capture v2";

/// ARPHRD_IPGRE: the protocol field is a GRE protocol type.
pub const ARPHRD_IPGRE: u16 = 778;
/// ARPHRD_NETLINK: the payload is netlink (not dissected here).
pub const ARPHRD_NETLINK: u16 = 824;

/// Linux pseudo protocols (protocol values up to 1536).
pub const LINUX_SLL_P_802_3: u16 = 0x0001;
pub const LINUX_SLL_P_ETHERNET: u16 = 0x0003;
pub const LINUX_SLL_P_802_2: u16 = 0x0004;

/// SLL v1: packet type, ARPHRD type, address length, 8 address bytes, protocol.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sll {
    pub pkttype: u16,
    pub hatype: u16,
    pub halen: u16,
    pub addr: [u8; 8],
    pub protocol: u16,
    pub off: usize,
    /// The 802.2 LLC header that follows when the protocol is 0x0004.
    pub llc: Option<Llc>,
}

/// SLL v2: protocol, reserved, interface index, ARPHRD type, packet type,
/// address length, 8 address bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sll2 {
    pub protocol: u16,
    pub reserved: u16,
    pub ifindex: u32,
    pub hatype: u16,
    pub pkttype: u8,
    pub halen: u8,
    pub addr: [u8; 8],
    pub off: usize,
    /// The 802.2 LLC header that follows when the protocol is 0x0004.
    pub llc: Option<Llc>,
}

/// How the protocol field is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoKind {
    /// `sll.etype`: an ethertype.
    Ether,
    /// `sll.gretype`: a GRE protocol type (ARPHRD_IPGRE).
    Gre,
    /// `sll.ltype`: a Linux pseudo protocol.
    Linux,
}

pub fn proto_kind(hatype: u16, protocol: u16) -> ProtoKind {
    if hatype == ARPHRD_IPGRE {
        ProtoKind::Gre
    } else if protocol <= 1536 {
        ProtoKind::Linux
    } else {
        ProtoKind::Ether
    }
}

/// The next layer for a protocol field, and whether LLC follows.
fn next_of(hatype: u16, protocol: u16) -> (Next, bool) {
    if hatype == ARPHRD_NETLINK {
        return (Next::Nothing, false);
    }
    match proto_kind(hatype, protocol) {
        ProtoKind::Ether | ProtoKind::Gre => (ethertype_next(protocol), false),
        ProtoKind::Linux => match protocol {
            LINUX_SLL_P_802_2 => (Next::Nothing, true),
            LINUX_SLL_P_802_3 => (Next::Ethertype(ETHERTYPE_IPX), false),
            _ => (Next::Nothing, false),
        },
    }
}

pub(crate) fn push_protocols(p: &mut Vec<&'static str>, hatype: u16, protocol: u16, llc: bool) {
    if hatype == ARPHRD_NETLINK {
        return;
    }
    if proto_kind(hatype, protocol) == ProtoKind::Ether {
        p.push("ethertype");
    }
    if llc {
        p.push("llc");
    }
}

/// Parses an SLL v1 header at `off`.
pub fn parse(data: &[u8], off: usize) -> Result<Sll, DissectError> {
    need(LAYER, data, off, SLL_LEN)?;
    let (_, (pkttype, hatype, halen, addr, protocol)) = (u16_, u16_, u16_, addr8_, u16_)
        .parse(rest(data, off))
        .map_err(|_| DissectError::truncated(LAYER, off, SLL_LEN, data.len().saturating_sub(off)))?;
    Ok(Sll {
        pkttype,
        hatype,
        halen,
        addr,
        protocol,
        off,
        llc: None,
    })
}

/// Parses an SLL v2 header at `off`.
pub fn parse_v2(data: &[u8], off: usize) -> Result<Sll2, DissectError> {
    need(LAYER2, data, off, SLL2_LEN)?;
    let (_, (protocol, reserved, ifindex, hatype, pkttype, halen, addr)) = (u16_, u16_, u32_, u16_, u8_, u8_, addr8_)
        .parse(rest(data, off))
        .map_err(|_| DissectError::truncated(LAYER2, off, SLL2_LEN, data.len().saturating_sub(off)))?;
    Ok(Sll2 {
        protocol,
        reserved,
        ifindex,
        hatype,
        pkttype,
        halen,
        addr,
        off,
        llc: None,
    })
}

/// The LLC after the header, or the error that cut it short.
fn follow(data: &[u8], hdr_end: usize, hatype: u16, protocol: u16) -> (Next, usize, Option<Llc>, Option<DissectError>) {
    let (next, llc) = next_of(hatype, protocol);
    if !llc {
        return (next, hdr_end, None, None);
    }
    match parse_llc(data, hdr_end) {
        Ok(l) => (l.next(), hdr_end.saturating_add(l.len), Some(l), None),
        Err(err) => (
            Next::Nothing,
            data.len(),
            parse_llc(&padded(data, hdr_end, 9), hdr_end).ok(),
            Some(err),
        ),
    }
}

pub(crate) fn parse_link_v1(data: &[u8]) -> Link {
    match parse(data, 0) {
        Ok(mut s) => {
            let (next, payload_off, llc, error) = follow(data, SLL_LEN, s.hatype, s.protocol);
            s.llc = llc;
            Link {
                kind: LinkKind::Sll(s),
                next,
                payload_off,
                error,
                linktype: super::linktype::LINUX_SLL,
            }
        }
        Err(err) => Link {
            kind: LinkKind::Sll(parse(&padded(data, 0, SLL_LEN), 0).unwrap_or_default()),
            next: Next::Nothing,
            payload_off: data.len(),
            error: Some(err),
            linktype: super::linktype::LINUX_SLL,
        },
    }
}

pub(crate) fn parse_link_v2(data: &[u8]) -> Link {
    match parse_v2(data, 0) {
        Ok(mut s) => {
            let (next, payload_off, llc, error) = follow(data, SLL2_LEN, s.hatype, s.protocol);
            s.llc = llc;
            Link {
                kind: LinkKind::Sll2(s),
                next,
                payload_off,
                error,
                linktype: super::linktype::LINUX_SLL2,
            }
        }
        Err(err) => Link {
            kind: LinkKind::Sll2(parse_v2(&padded(data, 0, SLL2_LEN), 0).unwrap_or_default()),
            next: Next::Nothing,
            payload_off: data.len(),
            error: Some(err),
            linktype: super::linktype::LINUX_SLL2,
        },
    }
}

/// Wireshark's names of the packet types.
pub fn pkttype_name(t: u16) -> &'static str {
    match t {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    }
}

/// Wireshark's names of the Linux pseudo protocols.
pub fn ltype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0001 => "Raw 802.3",
        0x0003 => "Ethernet",
        0x0004 => "802.2 LLC",
        0x0007 => "PPP (HDLC)",
        0x000c => "CAN",
        0x000d => "CAN FD",
        0x0017 => "IrDA LAP",
        0x00f5 => "ISI",
        0x00f6 => "IEEE 802.15.4",
        _ => return None,
    })
}

/// Wireshark's names of GRE protocol types (the common ones).
pub fn gretype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0000 => "Possible GRE keepalive packet",
        0x0800 => "IP",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x880b => "PPP",
        0x00fe => "OSI",
        0x883e => "WCCP",
        0x2000 => "CDP (Cisco)",
        0x2001 => "NHRP",
        0x88be => "ERSPAN",
        0x22eb => "ERSPAN III",
        0x8137 => "IPX",
        0x6558 => "Transparent Ethernet bridging",
        0x6559 => "Frame Relay",
        0x8847 => "MPLS label switched packet",
        0x894f => "Network Service Header",
        _ => return None,
    })
}

fn protocol_field(e: &mut Emit<'_>, r: NodeId, hatype: u16, protocol: u16, off: usize) {
    let p = u64::from(protocol);
    match proto_kind(hatype, protocol) {
        ProtoKind::Gre => {
            e.hex(
                r,
                "sll.gretype",
                "Protocol",
                p,
                4,
                off,
                2,
                Some(named_hex4(gretype_name(protocol), protocol)),
            );
        }
        ProtoKind::Linux => {
            e.hex(
                r,
                "sll.ltype",
                "Protocol",
                p,
                4,
                off,
                2,
                Some(named_hex4(ltype_name(protocol), protocol)),
            );
        }
        ProtoKind::Ether => {
            e.hex(
                r,
                "sll.etype",
                "Protocol",
                p,
                4,
                off,
                2,
                Some(named_hex4(ethertype_name(protocol), protocol)),
            );
        }
    }
}

/// The source address (up to 8 bytes shown: an Ethernet address when 6 bytes
/// long, IPv4 when 4, else bytes) and the unused rest of the 8 bytes.
fn address_fields(e: &mut Emit<'_>, r: NodeId, addr: &[u8; 8], halen: usize, off: usize) {
    let shown = halen.min(8);
    match shown {
        0 => {}
        6 => {
            let m = [addr[0], addr[1], addr[2], addr[3], addr[4], addr[5]];
            e.add(r, "sll.src.eth", "Source", Value::Mac(m), off, 6);
        }
        4 => {
            let a = std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]);
            e.add(r, "sll.src.ipv4", "Source", Value::Ipv4(a), off, 4);
        }
        n => {
            let id = e.add(r, "sll.src.other", "Source", Value::Bytes, off, n);
            if id != crate::tree::SKIPPED {
                e.t.set_text(id, super::bytes_text(addr.get(..n).unwrap_or(&[])));
            }
        }
    }
    if shown < 8 {
        let uo = off.saturating_add(shown);
        let id = e.add(r, "sll.unused", "Unused", Value::Bytes, uo, 8 - shown);
        if id != crate::tree::SKIPPED {
            e.t.set_text(id, super::bytes_text(addr.get(shown..).unwrap_or(&[])));
        }
    }
}

fn hatype_text(hatype: u16) -> String {
    format!("{} ({hatype})", arp::arphrd_name(hatype).unwrap_or("Unknown"))
}

impl Sll {
    /// The source as a MAC address, when 6 bytes long.
    pub fn mac(&self) -> Option<[u8; 6]> {
        (self.halen == 6).then_some([
            self.addr[0],
            self.addr[1],
            self.addr[2],
            self.addr[3],
            self.addr[4],
            self.addr[5],
        ])
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("sll", "Linux cooked capture v1", o, SLL_LEN);
        let pt = u64::from(self.pkttype);
        e.with_text(
            r,
            "sll.pkttype",
            "Packet type",
            Value::UInt(pt),
            o,
            2,
            format!("{} ({pt})", pkttype_name(self.pkttype)),
        );
        e.with_text(
            r,
            "sll.hatype",
            "Link-layer address type",
            Value::UInt(u64::from(self.hatype)),
            o.saturating_add(2),
            2,
            hatype_text(self.hatype),
        );
        e.uint(
            r,
            "sll.halen",
            "Link-layer address length",
            u64::from(self.halen),
            o.saturating_add(4),
            2,
        );
        address_fields(e, r, &self.addr, usize::from(self.halen), o.saturating_add(6));
        protocol_field(e, r, self.hatype, self.protocol, o.saturating_add(14));
        r
    }
}

impl Sll2 {
    /// The source as a MAC address, when 6 bytes long.
    pub fn mac(&self) -> Option<[u8; 6]> {
        (self.halen == 6).then_some([
            self.addr[0],
            self.addr[1],
            self.addr[2],
            self.addr[3],
            self.addr[4],
            self.addr[5],
        ])
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("sll", "Linux cooked capture v2", o, SLL2_LEN);
        protocol_field(e, r, self.hatype, self.protocol, o);
        e.uint(
            r,
            "sll.ifindex",
            "Interface index",
            u64::from(self.ifindex),
            o.saturating_add(4),
            4,
        );
        e.with_text(
            r,
            "sll.hatype",
            "Link-layer address type",
            Value::UInt(u64::from(self.hatype)),
            o.saturating_add(8),
            2,
            hatype_text(self.hatype),
        );
        let pt = u64::from(self.pkttype);
        e.with_text(
            r,
            "sll.pkttype",
            "Packet type",
            Value::UInt(pt),
            o.saturating_add(10),
            1,
            format!("{} ({pt})", pkttype_name(u16::from(self.pkttype))),
        );
        e.uint(
            r,
            "sll.halen",
            "Link-layer address length",
            u64::from(self.halen),
            o.saturating_add(11),
            1,
        );
        address_fields(e, r, &self.addr, usize::from(self.halen), o.saturating_add(12));
        r
    }
}
