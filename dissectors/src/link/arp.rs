//! ARP (RFC 826) and its relatives (RARP, DRARP, InARP, MARS opcodes),
//! dissected the way Wireshark does for any hardware type: the hardware and
//! protocol address lengths are taken as the packet claims (0 to 255 bytes
//! each), never trusted to be 6 and 4; addresses are shown as MAC / IPv4
//! only for Ethernet-like hardware with 6-byte addresses and IPv4 with 4.

use std::net::Ipv4Addr;
use std::ops::Range;

use crate::error::{need, DissectError};
use crate::tree::{NodeId, Tree, Value};
use crate::util::{be32, ipv4_at, mac_at};

use nom::Parser;

use super::{bytes_text, ethertype_name, mac_text, named_hex4, rest, u16_, u8_, Emit};

/// The fixed part: hardware type, protocol type, both lengths, opcode.
pub const FIXED_LEN: usize = 8;
const LAYER: &str = "ARP";

pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;
pub const OP_RREQUEST: u16 = 3;
pub const OP_RREPLY: u16 = 4;
pub const OP_DRARP_REQUEST: u16 = 5;
pub const OP_DRARP_REPLY: u16 = 6;
pub const OP_DRARP_ERROR: u16 = 7;
pub const OP_IREQUEST: u16 = 8;
pub const OP_IREPLY: u16 = 9;
pub const OP_NAK: u16 = 10;

/// An ARP packet: the fixed fields and where each address lies in the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arp {
    pub htype: u16,
    pub ptype: u16,
    pub hlen: u8,
    pub plen: u8,
    pub oper: u16,
    pub off: usize,
    /// Sender hardware address.
    pub sha: Range<usize>,
    /// Sender protocol address.
    pub spa: Range<usize>,
    /// Target hardware address.
    pub tha: Range<usize>,
    /// Target protocol address.
    pub tpa: Range<usize>,
}

/// What an ARP packet does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpKind {
    Request,
    Reply,
    /// A request or reply whose sender and target protocol addresses are equal.
    Gratuitous,
    /// A request from 0.0.0.0 with a zero target hardware address (RFC 5227).
    Probe,
    /// A gratuitous request with a zero target hardware address (RFC 5227).
    Announcement,
    Other(u16),
}

/// Parses an ARP packet at `off`. The whole packet (8 bytes plus twice each
/// address length) must be present; otherwise Truncated says how much was
/// needed. For a packet cut short, [`parse_partial`] gives what there is.
pub fn parse(data: &[u8], off: usize) -> Result<Arp, DissectError> {
    need(LAYER, data, off, FIXED_LEN)?;
    let a = build(rest(data, off), off)?;
    need(LAYER, data, off, a.total_len())?;
    Ok(a)
}

/// The fields of an ARP packet that may be cut short: the fixed fields read
/// from the bytes present (zero past the end), and the address ranges where
/// the packet says they are, whether or not `data` holds them. [`Arp::tree`]
/// then shows only the captured fields, and [`Arp::info`] is empty, as with
/// tshark. None when `off` is past the data.
pub fn parse_partial(data: &[u8], off: usize) -> Option<Arp> {
    let mut fixed = [0u8; FIXED_LEN];
    let present = data.get(off..)?;
    for (d, s) in fixed.iter_mut().zip(present) {
        *d = *s;
    }
    build(&fixed, off).ok()
}

/// Reads the fixed fields from `input` and lays out the address ranges.
fn build(input: &[u8], off: usize) -> Result<Arp, DissectError> {
    let (_, (htype, ptype, hlen, plen, oper)) = (u16_, u16_, u8_, u8_, u16_)
        .parse(input)
        .map_err(|_| DissectError::truncated(LAYER, off, FIXED_LEN, input.len()))?;
    let h = usize::from(hlen);
    let p = usize::from(plen);
    let too_big = || DissectError::malformed(LAYER, "addresses end past the largest offset", off);
    let sha_start = off.checked_add(FIXED_LEN).ok_or_else(too_big)?;
    let spa_start = sha_start.checked_add(h).ok_or_else(too_big)?;
    let tha_start = spa_start.checked_add(p).ok_or_else(too_big)?;
    let tpa_start = tha_start.checked_add(h).ok_or_else(too_big)?;
    let end = tpa_start.checked_add(p).ok_or_else(too_big)?;
    Ok(Arp {
        htype,
        ptype,
        hlen,
        plen,
        oper,
        off,
        sha: sha_start..spa_start,
        spa: spa_start..tha_start,
        tha: tha_start..tpa_start,
        tpa: tpa_start..end,
    })
}

/// Wireshark's names of the ARP hardware types (also the SLL `hatype`).
pub fn arphrd_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "NET/ROM pseudo",
        1 => "Ethernet",
        2 => "Experimental Ethernet",
        3 => "AX.25",
        4 => "ProNET",
        5 => "Chaos",
        6 => "IEEE 802",
        7 => "ARCNET",
        8 => "Hyperchannel",
        9 => "Lanstar",
        10 => "Autonet Short Address",
        11 => "Localtalk",
        12 => "LocalNet",
        13 => "Ultra link",
        14 => "SMDS",
        15 => "Frame Relay DLCI",
        16 => "ATM",
        17 => "HDLC",
        18 => "Fibre Channel",
        19 => "ATM (RFC 2225)",
        20 => "Serial Line",
        21 => "ATM",
        22 => "MIL-STD-188-220",
        23 => "Metricom STRIP",
        24 => "IEEE 1394.1995",
        25 => "MAPOS",
        26 => "Twinaxial",
        27 => "EUI-64",
        28 => "HIPARP",
        29 => "IP and ARP over ISO 7816-3",
        30 => "ARPSec",
        31 => "IPsec tunnel",
        32 => "InfiniBand",
        33 => "TIA-102 Project 25 CAI",
        34 => "Wiegand Interface",
        35 => "Pure IP",
        36 => "Experimental 1",
        37 => "HFI",
        256 => "Experimental 2",
        257 => "AEthernet",
        260 => "Notional KISS type",
        264 => "ADAPT",
        270 => "ROSE",
        271 => "CCITT X.25",
        272 => "Boards with X.25 in firmware",
        280 => "Controller Area Network",
        512 => "PPP",
        513 => "Cisco HDLC",
        516 => "LAPB",
        517 => "Digital's DDCMP protocol",
        518 => "Raw HDLC",
        519 => "Raw IP",
        768 => "IPIP tunnel",
        769 => "IP6IP6 tunnel",
        770 => "Frame Relay Access Device",
        771 => "SKIP vif",
        772 => "Loopback",
        774 => "Fiber Distributed Data Interface",
        775 => "AP1000 BIF",
        776 => "sit0 device - IPv6-in-IPv4",
        777 => "IP over DDP tunneller",
        778 => "GRE over IP",
        779 => "PIMSM register interface",
        780 => "High Performance Parallel Interface",
        781 => "Nexus 64Mbps Ash",
        782 => "Acorn Econet",
        783 => "Linux-IrDA",
        784 => "Point to point fibrechannel",
        785 => "Fibrechannel arbitrated loop",
        786 => "Fibrechannel public loop",
        787 => "Fibrechannel fabric",
        800 => "Magic type ident for TR",
        801 => "IEEE 802.11",
        802 => "IEEE 802.11 + Prism2 header",
        803 => "IEEE 802.11 + radiotap header",
        804 => "IEEE 802.15.4",
        805 => "IEEE 802.15.4 network monitor",
        820 => "PhoNet media type",
        821 => "PhoNet pipe header",
        822 => "CAIF media type",
        823 => "GRE over IPv6",
        824 => "Netlink",
        825 => "IPv6 over LoWPAN",
        826 => "Vsock monitor header",
        65534 => "zero header length",
        65535 => "Void type, nothing is known",
        _ => return None,
    })
}

/// Wireshark's names of the opcodes.
pub fn opcode_name(op: u16) -> Option<&'static str> {
    Some(match op {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        5 => "drarp request",
        6 => "drarp reply",
        7 => "drarp error",
        8 => "inverse request",
        9 => "inverse reply",
        10 => "arp nak",
        11 => "mars request",
        12 => "mars multi",
        13 => "mars mserv",
        14 => "mars join",
        15 => "mars leave",
        16 => "mars nak",
        17 => "mars unserv",
        18 => "mars sjoin",
        19 => "mars sleave",
        20 => "mars grouplist request",
        21 => "mars grouplist reply",
        22 => "mars redirect map",
        23 => "mapos unarp",
        24 => "experimental 1",
        25 => "experimental 2",
        0 | 65535 => "reserved",
        _ => return None,
    })
}

/// The Info text of the MARS / MAPOS opcodes, before "{sha} at {spa}".
fn mars_prefix(op: u16) -> Option<&'static str> {
    Some(match op {
        11 => "MARS request from",
        12 => "MARS MULTI request from",
        13 => "MARS MSERV request from",
        14 => "MARS JOIN request from",
        15 => "MARS LEAVE from",
        16 => "MARS NAK from",
        17 => "MARS UNSERV request from",
        18 => "MARS SJOIN request from",
        19 => "MARS SLEAVE from",
        20 => "MARS grouplist request from",
        21 => "MARS grouplist reply from",
        22 => "MARS redirect map from",
        23 => "MAPOS UNARP request from",
        _ => return None,
    })
}

fn drarp_status_name(v: u8) -> &'static str {
    match v {
        1 => "restricted",
        2 => "no address",
        3 => "serverdown",
        4 => "moved",
        5 => "failure",
        _ => "Unknown",
    }
}

/// Gratuitous / probe / announcement, as Wireshark 4.0 decides them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Flags {
    gratuitous: bool,
    probe: bool,
    announcement: bool,
}

impl Arp {
    /// 8 bytes plus twice each address length.
    pub fn total_len(&self) -> usize {
        self.tpa.end.saturating_sub(self.off)
    }

    /// Ethernet or IEEE 802 hardware with 6-byte addresses.
    pub fn hw_is_ether(&self) -> bool {
        matches!(self.htype, 1 | 6) && self.hlen == 6
    }

    /// IPv4 (or AX.25's IP protocol id) with 4-byte addresses.
    pub fn proto_is_ipv4(&self) -> bool {
        matches!(self.ptype, 0x0800 | 0x00cc) && self.plen == 4
    }

    /// The bytes of the packet (not beyond its claimed length).
    fn packet<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(..self.tpa.end).unwrap_or(data)
    }

    /// `n` bytes at `start` exist within the packet and are all zero.
    fn zeros_at(&self, data: &[u8], start: usize, n: usize) -> bool {
        let p = self.packet(data);
        start
            .checked_add(n)
            .and_then(|end| p.get(start..end))
            .is_some_and(|b| b.iter().all(|&x| x == 0))
    }

    fn flags(&self, data: &[u8]) -> Flags {
        let mut f = Flags::default();
        let p = self.packet(data);
        if matches!(self.oper, OP_REQUEST | OP_REPLY) && self.plen > 0 {
            if let (Some(s), Some(t)) = (p.get(self.spa.clone()), p.get(self.tpa.clone())) {
                f.gratuitous = s == t;
            }
        }
        if f.gratuitous {
            f.announcement = self.oper == OP_REQUEST && self.zeros_at(data, self.tha.start, 6);
        } else {
            f.probe = self.oper == OP_REQUEST
                && self.zeros_at(data, self.spa.start, 4)
                && self.zeros_at(data, self.tha.start, 6);
        }
        f
    }

    /// What the packet does.
    pub fn kind(&self, data: &[u8]) -> ArpKind {
        let f = self.flags(data);
        if f.announcement {
            ArpKind::Announcement
        } else if f.gratuitous {
            ArpKind::Gratuitous
        } else if f.probe {
            ArpKind::Probe
        } else {
            match self.oper {
                OP_REQUEST => ArpKind::Request,
                OP_REPLY => ArpKind::Reply,
                op => ArpKind::Other(op),
            }
        }
    }

    pub fn sender_ip(&self, data: &[u8]) -> Option<Ipv4Addr> {
        self.proto_is_ipv4()
            .then(|| ipv4_at(self.packet(data), self.spa.start))
            .flatten()
    }

    pub fn target_ip(&self, data: &[u8]) -> Option<Ipv4Addr> {
        self.proto_is_ipv4()
            .then(|| ipv4_at(self.packet(data), self.tpa.start))
            .flatten()
    }

    pub fn sender_mac(&self, data: &[u8]) -> Option<[u8; 6]> {
        self.hw_is_ether()
            .then(|| mac_at(self.packet(data), self.sha.start))
            .flatten()
    }

    pub fn target_mac(&self, data: &[u8]) -> Option<[u8; 6]> {
        self.hw_is_ether()
            .then(|| mac_at(self.packet(data), self.tha.start))
            .flatten()
    }

    /// A hardware address as Wireshark writes it in Info.
    fn hw_str(&self, data: &[u8], r: &Range<usize>) -> String {
        if self.hlen == 0 {
            return "<No address>".into();
        }
        let b = self.packet(data).get(r.clone()).unwrap_or(&[]);
        match <[u8; 6]>::try_from(b) {
            Ok(m) if self.hw_is_ether() => mac_text(&m),
            _ => bytes_text(b),
        }
    }

    /// A protocol address as Wireshark writes it in Info.
    fn proto_str(&self, data: &[u8], r: &Range<usize>) -> String {
        if self.plen == 0 {
            return "<No address>".into();
        }
        let p = self.packet(data);
        match be32(p, r.start) {
            Some(a) if self.proto_is_ipv4() => Ipv4Addr::from(a).to_string(),
            _ => bytes_text(p.get(r.clone()).unwrap_or(&[])),
        }
    }

    /// tshark's Info column text ("Who has 10.0.0.2? Tell 10.0.0.1",
    /// "10.0.0.2 is at 00:11:22:33:44:55", "Gratuitous ARP for 10.0.0.1 (Request)",
    /// "Who has 10.0.0.5? (ARP Probe)", "ARP Announcement for 10.0.0.1"...).
    /// Empty when the packet is not all in `data` (tshark then shows only
    /// "[Malformed Packet]"). Duplicate-address notes need other frames and
    /// are left to the caller.
    pub fn info(&self, data: &[u8]) -> String {
        if data.len() < self.tpa.end {
            return String::new();
        }
        let f = self.flags(data);
        let (sha, spa, tha, tpa) = (&self.sha, &self.spa, &self.tha, &self.tpa);
        match self.oper {
            OP_REQUEST if f.announcement => format!("ARP Announcement for {}", self.proto_str(data, tpa)),
            OP_REQUEST if f.gratuitous => format!("Gratuitous ARP for {} (Request)", self.proto_str(data, tpa)),
            OP_REQUEST if f.probe => format!("Who has {}? (ARP Probe)", self.proto_str(data, tpa)),
            OP_REQUEST => format!(
                "Who has {}? Tell {}",
                self.proto_str(data, tpa),
                self.proto_str(data, spa)
            ),
            OP_REPLY if f.gratuitous => format!("Gratuitous ARP for {} (Reply)", self.proto_str(data, spa)),
            OP_REPLY => format!("{} is at {}", self.proto_str(data, spa), self.hw_str(data, sha)),
            OP_RREQUEST | OP_IREQUEST | OP_DRARP_REQUEST => {
                format!("Who is {}? Tell {}", self.hw_str(data, tha), self.hw_str(data, sha))
            }
            OP_RREPLY | OP_DRARP_REPLY => format!("{} is at {}", self.hw_str(data, tha), self.proto_str(data, tpa)),
            OP_DRARP_ERROR => "DRARP Error".into(),
            OP_IREPLY => format!("{} is at {}", self.hw_str(data, sha), self.proto_str(data, spa)),
            OP_NAK => "ARP NAK".into(),
            24 => "Experimental 1 ( opcode 24 )".into(),
            25 => "Experimental 2 ( opcode 25 )".into(),
            0 | 65535 => format!("Reserved opcode {}", self.oper),
            op => match mars_prefix(op) {
                Some(p) => format!("{p} {} at {}", self.hw_str(data, sha), self.proto_str(data, spa)),
                None => format!("Unknown ARP opcode 0x{op:04x}"),
            },
        }
    }

    /// Adds the `arp` root and its fields, only those whose bytes are in
    /// `data` (so a packet cut short needs no zero padding: pass the real
    /// data; with a zero-padded copy the generated gratuitous / probe /
    /// announcement flags and the root's opcode text would come from the padding).
    pub fn tree(&self, t: &mut Tree, data: &[u8]) -> NodeId {
        let mut e = Emit::new(t, data);
        let o = self.off;
        let complete = data.len() >= self.tpa.end;
        let f = if complete { self.flags(data) } else { Flags::default() };
        let mut text = String::from("Address Resolution Protocol");
        if complete {
            let op = match opcode_name(self.oper) {
                Some(_) if f.announcement => "ARP Announcement".to_string(),
                Some(_) if f.probe => "ARP Probe".to_string(),
                Some(_) if f.gratuitous && self.oper == OP_REQUEST => "request/gratuitous ARP".to_string(),
                Some(_) if f.gratuitous => "reply/gratuitous ARP".to_string(),
                Some(n) => n.to_string(),
                None => format!("opcode 0x{:04x}", self.oper),
            };
            text.push_str(&format!(" ({op})"));
        }
        let r = e.root("arp", text, o, self.total_len());
        let at = |n: usize| o.saturating_add(n);
        let ht = self.htype;
        e.with_text(
            r,
            "arp.hw.type",
            "Hardware type",
            Value::UInt(u64::from(ht)),
            o,
            2,
            format!("{} ({ht})", arphrd_name(ht).unwrap_or("Unknown")),
        );
        e.hex(
            r,
            "arp.proto.type",
            "Protocol type",
            u64::from(self.ptype),
            4,
            at(2),
            2,
            Some(named_hex4(ethertype_name(self.ptype), self.ptype)),
        );
        e.uint(r, "arp.hw.size", "Hardware size", u64::from(self.hlen), at(4), 1);
        e.uint(r, "arp.proto.size", "Protocol size", u64::from(self.plen), at(5), 1);
        let op = self.oper;
        e.with_text(
            r,
            "arp.opcode",
            "Opcode",
            Value::UInt(u64::from(op)),
            at(6),
            2,
            format!("{} ({op})", opcode_name(op).unwrap_or("Unknown")),
        );
        if f.gratuitous {
            e.generated_bool(r, "arp.isgratuitous", "Is gratuitous", true, o);
        }
        if f.probe {
            e.generated_bool(r, "arp.isprobe", "Is probe", true, o);
        }
        if f.announcement {
            e.generated_bool(r, "arp.isannouncement", "Is announcement", true, o);
        }
        self.hw_field(&mut e, r, data, true);
        self.proto_field(&mut e, r, data, true);
        self.hw_field(&mut e, r, data, false);
        if op == OP_DRARP_ERROR && self.plen != 0 {
            let s = data.get(self.tpa.start).copied().unwrap_or(0);
            e.with_text(
                r,
                "arp.dst.drarp_error_status",
                "DRARP error status",
                Value::UInt(u64::from(s)),
                self.tpa.start,
                1,
                format!("{} ({s})", drarp_status_name(s)),
            );
        } else {
            self.proto_field(&mut e, r, data, false);
        }
        r
    }

    fn hw_field(&self, e: &mut Emit<'_>, r: NodeId, data: &[u8], sender: bool) {
        if self.hlen == 0 {
            return;
        }
        let range = if sender { &self.sha } else { &self.tha };
        let len = usize::from(self.hlen);
        if self.hw_is_ether() {
            let (name, label) = if sender {
                ("arp.src.hw_mac", "Sender MAC address")
            } else {
                ("arp.dst.hw_mac", "Target MAC address")
            };
            let m = mac_at(data, range.start).unwrap_or_default();
            e.add(r, name, label, Value::Mac(m), range.start, len);
        } else {
            let (name, label) = if sender {
                ("arp.src.hw", "Sender hardware address")
            } else {
                ("arp.dst.hw", "Target hardware address")
            };
            e.bytes(r, name, label, data, range.start, len);
        }
    }

    fn proto_field(&self, e: &mut Emit<'_>, r: NodeId, data: &[u8], sender: bool) {
        if self.plen == 0 {
            return;
        }
        let range = if sender { &self.spa } else { &self.tpa };
        let len = usize::from(self.plen);
        if self.proto_is_ipv4() {
            let (name, label) = if sender {
                ("arp.src.proto_ipv4", "Sender IP address")
            } else {
                ("arp.dst.proto_ipv4", "Target IP address")
            };
            let a = ipv4_at(data, range.start).unwrap_or(Ipv4Addr::UNSPECIFIED);
            e.add(r, name, label, Value::Ipv4(a), range.start, len);
        } else {
            let (name, label) = if sender {
                ("arp.src.proto", "Sender protocol address")
            } else {
                ("arp.dst.proto", "Target protocol address")
            };
            e.bytes(r, name, label, data, range.start, len);
        }
    }
}
