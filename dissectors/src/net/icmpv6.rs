//! ICMPv6 (RFC 4443), Neighbor Discovery (RFC 4861) and MLD (RFC 2710, 3810).

use std::net::Ipv6Addr;
use std::ops::Range;

use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::{IResult, Parser};

use super::icmp::{checksum_nodes, data_node};
use super::{rest, truncated, Bounded};
use crate::error::{DissectError, Severity};
use crate::tree::{NodeId, Tree, Value};
use crate::util::{self, ChecksumStatus};

pub const LAYER: &str = "ICMPv6";
/// Type, code, checksum and the 4 bytes that depend on the type.
pub const HDR_LEN: usize = 8;
/// Option walks give up after this many options.
const MAX_OPTIONS: usize = 256;

/// A parsed ICMPv6 message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Icmpv6 {
    pub typ: u8,
    pub code: u8,
    pub checksum: u16,
    pub checksum_status: ChecksumStatus,
    pub off: usize,
    /// End of the message (end of the IPv6 payload); may lie past the captured data.
    pub end: usize,
    /// Echo request / reply (and extended echo).
    pub ident: Option<u16>,
    pub seq: Option<u16>,
    /// Always None: ICMPv6 redirects name their target in `nd_target`.
    pub gateway: Option<std::net::Ipv4Addr>,
    /// Packet Too Big: the MTU (32 bits in ICMPv6).
    pub mtu: Option<u32>,
    /// Parameter Problem: the pointer.
    pub pointer: Option<u32>,
    /// The invoking packet of an error message (types 1 to 4), as far as it was captured.
    pub embedded: Option<Range<usize>>,
    /// Neighbor Solicitation / Advertisement and Redirect: the target address.
    pub nd_target: Option<Ipv6Addr>,
    /// Neighbor Discovery options: type and the option's bytes (type and length included).
    pub nd_options: Vec<(u8, Range<usize>)>,
    /// Neighbor Advertisement: the flags word (R, S, O in the top bits).
    pub na_flags: Option<u32>,
    /// The first source / target link-layer address option, as text (`00:60:97:07:69:ea`).
    pub src_lla: Option<String>,
    pub target_lla: Option<String>,
}

/// Parses the ICMPv6 message at `off`; `end` is the end of the IPv6 payload.
///
/// With `pseudo` (source, destination for the pseudo-header; see
/// [`super::ipv6::Ipv6::checksum_addrs`]) the checksum is verified over
/// `off..end` when all of it was captured; otherwise it is Unverified.
pub fn parse(
    data: &[u8],
    off: usize,
    end: usize,
    pseudo: Option<(Ipv6Addr, Ipv6Addr)>,
) -> Result<Icmpv6, DissectError> {
    let input = rest(data, off);
    let fixed: IResult<&[u8], _> = (be_u8, be_u8, be_u16, be_u32).parse(input);
    let (_, (typ, code, checksum, word)) = fixed.map_err(|_| truncated(LAYER, data, off, HDR_LEN))?;
    if end < off.saturating_add(HDR_LEN) {
        return Err(DissectError::malformed(
            LAYER,
            "message shorter than the 8-byte ICMPv6 header",
            off,
        ));
    }
    let checksum_status = match (data.get(off..end), pseudo) {
        (Some(msg), Some((src, dst))) => {
            let acc = util::sum_words(util::pseudo_v6(src, dst, 58, msg.len()), msg);
            if util::fold(acc) == 0 {
                ChecksumStatus::Good
            } else {
                ChecksumStatus::Bad(util::fold(acc + u64::from(!checksum)))
            }
        }
        _ => ChecksumStatus::Unverified,
    };
    let cap_end = end.min(data.len());
    let body = off.saturating_add(HDR_LEN);
    let echo = matches!(typ, 128 | 129);
    let nd_target = match typ {
        135..=137 if body.saturating_add(16) <= cap_end => util::ipv6_at(data, body),
        _ => None,
    };
    let opts_at = match typ {
        133 => Some(body),
        134 => Some(off.saturating_add(16)),
        135 | 136 => Some(off.saturating_add(24)),
        137 => Some(off.saturating_add(40)),
        _ => None,
    };
    let nd_options = opts_at.map(|p| walk_options(data, p, cap_end).0).unwrap_or_default();
    let lla = |ty: u8| -> Option<String> {
        let (_, r) = nd_options.iter().find(|(t, _)| *t == ty)?;
        let b = data.get(r.start.saturating_add(2)..r.end)?;
        let b = if r.len() == 8 { b.get(..6)? } else { b };
        Some(mac_text(b))
    };
    let src_lla = lla(1);
    let target_lla = lla(2);
    Ok(Icmpv6 {
        typ,
        code,
        checksum,
        checksum_status,
        off,
        end,
        ident: (echo || matches!(typ, 160 | 161)).then_some((word >> 16) as u16),
        seq: if echo {
            Some(word as u16)
        } else if matches!(typ, 160 | 161) {
            Some(u16::from((word >> 8) as u8))
        } else {
            None
        },
        gateway: None,
        mtu: (typ == 2).then_some(word),
        pointer: (typ == 4).then_some(word),
        embedded: (matches!(typ, 1..=4) && cap_end > body).then_some(body..cap_end),
        nd_target,
        nd_options,
        na_flags: (typ == 136).then_some(word),
        src_lla,
        target_lla,
    })
}

/// The options from `p` to `end`: the good ones, and where the walk stopped
/// on a zero length (`Some(offset)`).
fn walk_options(data: &[u8], mut p: usize, end: usize) -> (Vec<(u8, Range<usize>)>, Option<usize>) {
    let mut out = Vec::new();
    while p.saturating_add(2) <= end && out.len() < MAX_OPTIONS {
        let ty = data.get(p).copied().unwrap_or(0);
        let len = usize::from(data.get(p.saturating_add(1)).copied().unwrap_or(0)) * 8;
        if len == 0 {
            return (out, Some(p));
        }
        let e = p.saturating_add(len);
        out.push((ty, p..e.min(end)));
        p = e;
    }
    (out, None)
}

fn type_name(t: u8) -> &'static str {
    match t {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        100 | 101 | 200 | 201 => "Private experimentation",
        127 => "Reserved for expansion of ICMPv6 error messages",
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        132 => "Multicast Listener Done",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        138 => "Router Renumbering",
        139 => "Node Information Query",
        140 => "Node Information Reply",
        141 => "Inverse Neighbor Discovery Solicitation",
        142 => "Inverse Neighbor Discovery Advertisement",
        143 => "Multicast Listener Report Message v2",
        144 => "Home Agent Address Discovery Request",
        145 => "Home Agent Address Discovery Reply",
        146 => "Mobile Prefix Solicitation",
        147 => "Mobile Prefix Advertisement",
        148 => "Certification Path Solicitation",
        149 => "Certification Path Advertisement",
        150 => "Experimental Mobility",
        151 => "Multicast Router Advertisement",
        152 => "Multicast Router Solicitation",
        153 => "Multicast Router Termination",
        154 => "FMIPv6",
        155 => "RPL Control",
        156 => "Locator Update",
        157 => "Duplicate Address Request",
        158 => "Duplicate Address Confirmation",
        159 => "MPL Control Message",
        160 => "Extended Echo request",
        161 => "Extended Echo reply",
        255 => "Reserved for expansion of ICMPv6 informational messages",
        _ => "Unknown",
    }
}

fn has_code_names(t: u8) -> bool {
    matches!(t, 1 | 3 | 4 | 138 | 139 | 140 | 155 | 160 | 161)
}

fn option_name(t: u8) -> &'static str {
    match t {
        1 => "Source link-layer address",
        2 => "Target link-layer address",
        3 => "Prefix information",
        4 => "Redirected header",
        5 => "MTU",
        6 => "NBMA Shortcut Limit Option",
        7 => "Advertisement Interval",
        8 => "Home Agent Information",
        9 => "Source Address List",
        10 => "Target Address List",
        11 => "CGA",
        12 => "RSA Signature",
        13 => "Timestamp",
        14 => "Nonce",
        15 => "Trust Anchor",
        16 => "Certificate",
        17 => "IP Address/Prefix Option",
        18 => "New Router Prefix Information",
        19 => "Link-layer Address",
        20 => "Neighbor Advertisement Acknowledgment",
        23 => "MAP",
        24 => "Route Information",
        25 => "Recursive DNS Server",
        26 => "RA Flags Extension",
        27 => "Handover Key Request",
        28 => "Handover Key Reply",
        29 => "Handover Assist Information",
        30 => "Mobile Node Identifier Option",
        31 => "DNS Search List Option",
        32 => "Proxy Signature (PS)",
        33 => "Address Registration Option",
        34 => "6LoWPAN Context Option",
        35 => "Authoritative Border Router",
        36 => "6LoWPAN Capability Indication Option",
        37 => "DHCP Captive-Portal",
        38 => "PREF64 Option",
        138 => "CARD Request",
        139 => "CARD Reply",
        253 => "RFC3692-style Experiment 1",
        254 => "RFC3692-style Experiment 2",
        _ => "Unknown",
    }
}

fn pref_name(p: u8) -> &'static str {
    match p & 3 {
        0 => "Medium",
        1 => "High",
        2 => "Reserved",
        _ => "Low",
    }
}

fn mld_record_name(t: u8) -> &'static str {
    match t {
        1 => "Include",
        2 => "Exclude",
        3 => "Changed to include",
        4 => "Changed to exclude",
        5 => "Allow new sources",
        6 => "Block old sources",
        _ => "Unknown",
    }
}

fn mac_text(b: &[u8]) -> String {
    let mut s = String::new();
    crate::tree::write_hex(&mut s, b, Some(':'));
    s
}

/// `Infinity (4294967295)` for the all-ones lifetime.
fn lifetime_text(v: u32) -> String {
    if v == u32::MAX {
        format!("Infinity ({v})")
    } else {
        v.to_string()
    }
}

impl Icmpv6 {
    pub fn type_name(&self) -> &'static str {
        type_name(self.typ)
    }

    pub fn code_name(&self) -> Option<&'static str> {
        Some(match (self.typ, self.code) {
            (1, 0) => "no route to destination",
            (1, 1) => "Administratively prohibited",
            (1, 2) => "Beyond scope of source address",
            (1, 3) => "Address unreachable",
            (1, 4) => "Port unreachable",
            (1, 5) => "Source address failed ingress/egress policy",
            (1, 6) => "Reject route to destination",
            (1, 7) => "Error in Source Routing Header",
            (3, 0) => "hop limit exceeded in transit",
            (3, 1) => "fragment reassembly time exceeded",
            (4, 0) => "erroneous header field encountered",
            (4, 1) => "unrecognized Next Header type encountered",
            (4, 2) => "unrecognized IPv6 option encountered",
            (4, 3) => "IPv6 First Fragment has incomplete IPv6 Header Chain",
            (138, 0) => "Command",
            (138, 1) => "Result",
            (138, 255) => "Sequence number reset",
            (139, 0) => "Query subject = IPv6 addresses",
            (139, 1) => "Query subject = DNS name or empty",
            (139, 2) => "Query subject = IPv4 addresses",
            (140, 0) => "Successful",
            (140, 1) => "Refused",
            (140, 2) => "Unknown query type",
            (155, 0) => "DODAG Information Solicitation",
            (155, 1) => "DODAG Information Object",
            (155, 2) => "Destination Advertisement Object",
            (155, 3) => "Destination Advertisement Object Acknowledgment",
            (160 | 161, 0) => "No error",
            (161, 1) => "Malformed Query",
            (161, 2) => "No Such Interface",
            (161, 3) => "No Such Table Entry",
            (161, 4) => "Multiple Interfaces Satisfy Query",
            _ => return None,
        })
    }

    /// `Port unreachable`; unknown codes are `Unknown` for the error
    /// messages and `Unknown (N)` for the others, as Wireshark writes them.
    fn code_text(&self) -> Option<String> {
        if !has_code_names(self.typ) {
            return None;
        }
        Some(match self.code_name() {
            Some(n) => n.to_string(),
            None if matches!(self.typ, 1 | 3 | 4 | 160 | 161) => "Unknown".to_string(),
            None => format!("Unknown ({})", self.code),
        })
    }

    pub fn is_error(&self) -> bool {
        self.typ < 128
    }

    /// tshark's Info column: `Echo (ping) request id=0x7620, seq=0, hop limit=64`,
    /// `Neighbor Advertisement fe80::1 (rtr, sol) is at 00:60:97:07:69:ea`.
    /// `hlim` is the Hop Limit of the carrying IPv6 packet.
    pub fn info(&self, hlim: Option<u8>) -> String {
        let mut s = self.type_name().to_string();
        if let Some(c) = self.code_text() {
            s.push_str(&format!(" ({c})"));
        }
        match self.typ {
            128 | 129 => {
                if let (Some(id), Some(seq)) = (self.ident, self.seq) {
                    s.push_str(&format!(" id=0x{id:04x}, seq={seq}"));
                    if let Some(h) = hlim {
                        s.push_str(&format!(", hop limit={h}"));
                    }
                }
            }
            133 | 134 => {
                if let Some(m) = &self.src_lla {
                    s.push_str(&format!(" from {m}"));
                }
            }
            135 => {
                if let Some(t) = self.nd_target {
                    s.push_str(&format!(" for {t}"));
                }
                if let Some(m) = &self.src_lla {
                    s.push_str(&format!(" from {m}"));
                }
            }
            136 => {
                if let Some(t) = self.nd_target {
                    s.push_str(&format!(" {t}"));
                }
                let f = self.na_flags.unwrap_or(0);
                let names: Vec<&str> = [(0x8000_0000u32, "rtr"), (0x4000_0000, "sol"), (0x2000_0000, "ovr")]
                    .iter()
                    .filter(|(m, _)| f & m != 0)
                    .map(|(_, n)| *n)
                    .collect();
                s.push_str(&format!(
                    " ({})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ));
                if let Some(m) = &self.target_lla {
                    s.push_str(&format!(" is at {m}"));
                }
            }
            137 => {
                if let Some(m) = &self.target_lla {
                    s.push_str(&format!(" is at {m}"));
                }
            }
            _ => {}
        }
        s
    }

    /// Adds the `icmpv6` subtree. For error messages the invoking packet's
    /// tree is the caller's to add (from `embedded`).
    pub fn tree(&self, t: &mut Tree, data: &[u8]) -> NodeId {
        let off = self.off;
        let at = |n: usize| off.saturating_add(n);
        let cap_end = self.end.min(data.len()).max(at(HDR_LEN));
        // Nothing past the end of the message (or of the capture) becomes a field.
        let t = &mut Bounded { t, end: cap_end };
        let root = t.group(
            None,
            "icmpv6",
            "Internet Control Message Protocol v6",
            off,
            cap_end - off,
        );
        let ty = t.uint(root, "icmpv6.type", "Type", u64::from(self.typ), off, 1);
        t.set_text(ty, format!("{} ({})", self.type_name(), self.typ));
        let co = t.uint(root, "icmpv6.code", "Code", u64::from(self.code), at(1), 1);
        if let Some(c) = self.code_text() {
            t.set_text(co, format!("{} ({c})", self.code));
        }
        checksum_nodes(
            t,
            root,
            self.checksum,
            self.checksum_status,
            at(2),
            "icmpv6.checksum",
            "icmpv6.checksum.status",
            "icmpv6.checksum_bad.expert",
        );
        let u8_at = |n: usize| data.get(at(n)).copied().unwrap_or(0);
        let u16_at = |n: usize| util::be16(data, at(n)).unwrap_or(0);
        let u32_at = |n: usize| util::be32(data, at(n)).unwrap_or(0);
        let v6_at = |n: usize| Value::Ipv6(util::ipv6_at(data, at(n)).unwrap_or(Ipv6Addr::UNSPECIFIED));
        let mut opts_at = None;
        match self.typ {
            1 | 3 => {
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(4), 4);
            }
            2 => {
                t.uint(root, "icmpv6.mtu", "MTU", u64::from(u32_at(4)), at(4), 4);
            }
            4 => {
                t.uint(root, "icmpv6.pointer", "Pointer", u64::from(u32_at(4)), at(4), 4);
            }
            128 | 129 => {
                t.hex(
                    root,
                    "icmpv6.echo.identifier",
                    "Identifier",
                    u64::from(u16_at(4)),
                    4,
                    at(4),
                    2,
                );
                t.uint(
                    root,
                    "icmpv6.echo.sequence_number",
                    "Sequence",
                    u64::from(u16_at(6)),
                    at(6),
                    2,
                );
                data_node(t, data, root, at(8), cap_end);
            }
            130 if self.end.saturating_sub(off) >= 28 => {
                t.uint(
                    root,
                    "icmpv6.mld.maximum_response_code",
                    "Maximum Response Code",
                    u64::from(u16_at(4)),
                    at(4),
                    2,
                );
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(6), 2);
                t.add(
                    Some(root),
                    "icmpv6.mld.multicast_address",
                    "Multicast Address",
                    v6_at(8),
                    at(8),
                    16,
                );
                let f = u8_at(24);
                let fl = t.hex(root, "icmpv6.mld.flag", "Flags", u64::from(f), 2, at(24), 1);
                t.set_text(
                    fl,
                    format!(
                        "0x{f:02x}{}",
                        if f & 0x08 != 0 {
                            ", Suppress Router-Side Processing"
                        } else {
                            ""
                        }
                    ),
                );
                let sb = t.bits(
                    fl,
                    "icmpv6.mld.flag.s",
                    "Suppress Router-Side Processing",
                    Value::Bool(f & 0x08 != 0),
                    8,
                    0x08,
                    at(24),
                    1,
                );
                t.set_text(sb, if f & 0x08 != 0 { "True" } else { "False" });
                t.bits(
                    fl,
                    "icmpv6.mld.flag.qrv",
                    "QRV (Querier's Robustness Variable)",
                    Value::UInt(u64::from(f & 7)),
                    8,
                    0x07,
                    at(24),
                    1,
                );
                t.bits(
                    fl,
                    "icmpv6.mld.flag.reserved",
                    "Reserved",
                    Value::UInt(u64::from(f >> 4)),
                    8,
                    0xf0,
                    at(24),
                    1,
                );
                t.uint(
                    root,
                    "icmpv6.mld.qqi",
                    "QQIC (Querier's Query Interval Code)",
                    u64::from(u8_at(25)),
                    at(25),
                    1,
                );
                let n = u16_at(26);
                t.uint(
                    root,
                    "icmpv6.mld.nb_sources",
                    "Number of Sources",
                    u64::from(n),
                    at(26),
                    2,
                );
                let mut p = at(28);
                for _ in 0..n {
                    if p.saturating_add(16) > cap_end {
                        break;
                    }
                    let a = util::ipv6_at(data, p).unwrap_or(Ipv6Addr::UNSPECIFIED);
                    t.add(
                        Some(root),
                        "icmpv6.mld.source_address",
                        "Source Address",
                        Value::Ipv6(a),
                        p,
                        16,
                    );
                    p = p.saturating_add(16);
                }
            }
            130..=132 => {
                t.uint(
                    root,
                    "icmpv6.mld.maximum_response_delay",
                    "Maximum Response Delay [ms]",
                    u64::from(u16_at(4)),
                    at(4),
                    2,
                );
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(6), 2);
                t.add(
                    Some(root),
                    "icmpv6.mld.multicast_address",
                    "Multicast Address",
                    v6_at(8),
                    at(8),
                    16,
                );
            }
            143 => {
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(4), 2);
                let n = u16_at(6);
                t.uint(
                    root,
                    "icmpv6.mldr.nb_mcast_records",
                    "Number of Multicast Address Records",
                    u64::from(n),
                    at(6),
                    2,
                );
                mld_records(t, root, data, at(8), cap_end, n);
            }
            133 => {
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(4), 4);
                opts_at = Some(at(8));
            }
            134 => {
                t.uint(
                    root,
                    "icmpv6.nd.ra.cur_hop_limit",
                    "Cur hop limit",
                    u64::from(u8_at(4)),
                    at(4),
                    1,
                );
                ra_flags(t, root, u8_at(5), at(5));
                t.uint(
                    root,
                    "icmpv6.nd.ra.router_lifetime",
                    "Router lifetime (s)",
                    u64::from(u16_at(6)),
                    at(6),
                    2,
                );
                t.uint(
                    root,
                    "icmpv6.nd.ra.reachable_time",
                    "Reachable time (ms)",
                    u64::from(u32_at(8)),
                    at(8),
                    4,
                );
                t.uint(
                    root,
                    "icmpv6.nd.ra.retrans_timer",
                    "Retrans timer (ms)",
                    u64::from(u32_at(12)),
                    at(12),
                    4,
                );
                opts_at = Some(at(16));
            }
            135 => {
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(4), 4);
                t.add(
                    Some(root),
                    "icmpv6.nd.ns.target_address",
                    "Target Address",
                    v6_at(8),
                    at(8),
                    16,
                );
                opts_at = Some(at(24));
            }
            136 => {
                na_flags(t, root, u32_at(4), at(4));
                t.add(
                    Some(root),
                    "icmpv6.nd.na.target_address",
                    "Target Address",
                    v6_at(8),
                    at(8),
                    16,
                );
                opts_at = Some(at(24));
            }
            137 => {
                t.hex_field(data, root, "icmpv6.reserved", "Reserved", at(4), 4);
                t.add(
                    Some(root),
                    "icmpv6.nd.rd.target_address",
                    "Target Address",
                    v6_at(8),
                    at(8),
                    16,
                );
                t.add(
                    Some(root),
                    "icmpv6.rd.na.destination_address",
                    "Destination Address",
                    v6_at(24),
                    at(24),
                    16,
                );
                opts_at = Some(at(40));
            }
            160 | 161 => {
                t.hex(
                    root,
                    "icmpv6.echo.identifier",
                    "Identifier",
                    u64::from(u16_at(4)),
                    4,
                    at(4),
                    2,
                );
                super::icmp::ext_echo_bits(t, root, data, self.typ == 160, at(6), "icmpv6.ext.echo");
            }
            _ => {
                if cap_end > at(4) {
                    t.hex_field(data, root, "icmpv6.data", "Data", at(4), cap_end - at(4));
                }
                let msg = format!(
                    "Dissector for ICMPv6 Type ({}) code not implemented, Contact Wireshark developers if you want this supported",
                    self.typ
                );
                t.expert(root, Severity::Note, "icmpv6.undecoded.type", msg, off, 1);
            }
        }
        if let Some(p) = opts_at {
            options_tree(t, root, data, p, cap_end);
        }
        root
    }
}

fn ra_flags(t: &mut Bounded<'_>, root: NodeId, f: u8, at: usize) {
    let prf = (f >> 3) & 3;
    let mut text = format!("0x{f:02x}");
    for (m, n) in [
        (0x80u8, "Managed address configuration"),
        (0x40, "Other configuration"),
        (0x20, "Home Agent"),
    ] {
        if f & m != 0 {
            text.push_str(", ");
            text.push_str(n);
        }
    }
    text.push_str(&format!(", Prf (Default Router Preference): {}", pref_name(prf)));
    if f & 0x04 != 0 {
        text.push_str(", Proxy");
    }
    let fl = t.hex(root, "icmpv6.nd.ra.flag", "Flags", u64::from(f), 2, at, 1);
    t.set_text(fl, text);
    t.bits(
        fl,
        "icmpv6.nd.ra.flag.m",
        "Managed address configuration",
        Value::Bool(f & 0x80 != 0),
        8,
        0x80,
        at,
        1,
    );
    t.bits(
        fl,
        "icmpv6.nd.ra.flag.o",
        "Other configuration",
        Value::Bool(f & 0x40 != 0),
        8,
        0x40,
        at,
        1,
    );
    t.bits(
        fl,
        "icmpv6.nd.ra.flag.h",
        "Home Agent",
        Value::Bool(f & 0x20 != 0),
        8,
        0x20,
        at,
        1,
    );
    let p = t.bits(
        fl,
        "icmpv6.nd.ra.flag.prf",
        "Prf (Default Router Preference)",
        Value::UInt(u64::from(prf)),
        8,
        0x18,
        at,
        1,
    );
    t.set_text(p, format!("{} ({prf})", pref_name(prf)));
    t.bits(
        fl,
        "icmpv6.nd.ra.flag.p",
        "Proxy",
        Value::Bool(f & 0x04 != 0),
        8,
        0x04,
        at,
        1,
    );
    t.bits(
        fl,
        "icmpv6.nd.ra.flag.rsv",
        "Reserved",
        Value::UInt(u64::from(f & 3)),
        8,
        0x03,
        at,
        1,
    );
}

fn na_flags(t: &mut Bounded<'_>, root: NodeId, f: u32, at: usize) {
    let mut text = format!("0x{f:08x}");
    for (m, n) in [
        (0x8000_0000u32, "Router"),
        (0x4000_0000, "Solicited"),
        (0x2000_0000, "Override"),
    ] {
        if f & m != 0 {
            text.push_str(", ");
            text.push_str(n);
        }
    }
    let fl = t.hex(root, "icmpv6.nd.na.flag", "Flags", u64::from(f), 8, at, 4);
    t.set_text(fl, text);
    t.bits(
        fl,
        "icmpv6.nd.na.flag.r",
        "Router",
        Value::Bool(f & 0x8000_0000 != 0),
        32,
        0x8000_0000,
        at,
        4,
    );
    t.bits(
        fl,
        "icmpv6.nd.na.flag.s",
        "Solicited",
        Value::Bool(f & 0x4000_0000 != 0),
        32,
        0x4000_0000,
        at,
        4,
    );
    t.bits(
        fl,
        "icmpv6.nd.na.flag.o",
        "Override",
        Value::Bool(f & 0x2000_0000 != 0),
        32,
        0x2000_0000,
        at,
        4,
    );
    t.bits(
        fl,
        "icmpv6.nd.na.flag.rsv",
        "Reserved",
        Value::UInt(u64::from(f & 0x1fff_ffff)),
        32,
        0x1fff_ffff,
        at,
        4,
    );
}

fn mld_records(t: &mut Bounded<'_>, root: NodeId, data: &[u8], mut p: usize, end: usize, n: u16) {
    for _ in 0..n {
        if p.saturating_add(20) > end {
            break;
        }
        let rt = data.get(p).copied().unwrap_or(0);
        let aux = usize::from(data.get(p.saturating_add(1)).copied().unwrap_or(0)) * 4;
        let ns = util::be16(data, p.saturating_add(2)).unwrap_or(0);
        let maddr = util::ipv6_at(data, p.saturating_add(4)).unwrap_or(Ipv6Addr::UNSPECIFIED);
        let len = 20usize.saturating_add(usize::from(ns) * 16).saturating_add(aux);
        let g = t.group(
            Some(root),
            "icmpv6.mldr.mar",
            format!("Multicast Address Record {}: {maddr}", mld_record_name(rt)),
            p,
            len.min(end - p),
        );
        let r = t.uint(g, "icmpv6.mldr.mar.record_type", "Record Type", u64::from(rt), p, 1);
        t.set_text(r, format!("{} ({rt})", mld_record_name(rt)));
        t.uint(
            g,
            "icmpv6.mldr.mar.aux_data_len",
            "Aux Data Len",
            (aux / 4) as u64,
            p.saturating_add(1),
            1,
        );
        t.uint(
            g,
            "icmpv6.mldr.mar.nb_sources",
            "Number of Sources",
            u64::from(ns),
            p.saturating_add(2),
            2,
        );
        t.add(
            Some(g),
            "icmpv6.mldr.mar.multicast_address",
            "Multicast Address",
            Value::Ipv6(maddr),
            p.saturating_add(4),
            16,
        );
        let mut q = p.saturating_add(20);
        for _ in 0..ns {
            if q.saturating_add(16) > end {
                break;
            }
            let a = util::ipv6_at(data, q).unwrap_or(Ipv6Addr::UNSPECIFIED);
            t.add(
                Some(g),
                "icmpv6.mldr.mar.source_address",
                "Source Address",
                Value::Ipv6(a),
                q,
                16,
            );
            q = q.saturating_add(16);
        }
        if aux > 0 && q < end {
            let n = aux.min(end - q);
            let x = t.hex_field(data, g, "icmpv6.mldr.mar.auxiliary_data", "Auxiliary Data", q, n);
            let mut s = String::new();
            crate::tree::write_hex(&mut s, data.get(q..q.saturating_add(n)).unwrap_or(&[]), None);
            t.set_text(x, s);
        }
        p = p.saturating_add(len);
    }
}

/// The Neighbor Discovery options from `p` to `end`.
fn options_tree(t: &mut Bounded<'_>, root: NodeId, data: &[u8], p: usize, end: usize) {
    let (opts, zero) = walk_options(data, p, end);
    for (ty, r) in opts {
        let name = option_name(ty);
        let o = t.group(
            Some(root),
            "icmpv6.opt",
            format!("ICMPv6 Option ({name})"),
            r.start,
            r.len(),
        );
        option_head(t, o, data, ty, r.start);
        let olen = r.len();
        let at = |n: usize| r.start.saturating_add(n);
        let u32_at = |n: usize| util::be32(data, at(n)).unwrap_or(0);
        let full = |n: usize| olen >= n;
        match ty {
            1 | 2 if olen >= 8 => {
                let (hname, hlabel) = if ty == 1 {
                    ("icmpv6.opt.src_linkaddr", "Source Link-layer address")
                } else {
                    ("icmpv6.opt.target_linkaddr", "Target Link-layer address")
                };
                let text = if olen == 8 {
                    let m = util::mac_at(data, at(2)).unwrap_or([0; 6]);
                    t.add(
                        Some(o),
                        "icmpv6.opt.linkaddr",
                        "Link-layer address",
                        Value::Mac(m),
                        at(2),
                        6,
                    );
                    let h = t.add(Some(o), hname, hlabel, Value::Mac(m), at(2), 6);
                    t.set_hidden(h);
                    let mut s = String::new();
                    crate::tree::write_mac(&mut s, &m);
                    s
                } else {
                    t.hex_field(data, o, "icmpv6.opt.linkaddr", "Link-layer address", at(2), olen - 2);
                    let h = t.hex_field(data, o, hname, hlabel, at(2), olen - 2);
                    t.set_hidden(h);
                    mac_text(data.get(at(2)..r.end).unwrap_or(&[]))
                };
                t.set_text(o, format!("ICMPv6 Option ({name} : {text})"));
            }
            3 if full(32) => {
                let plen = data.get(at(2)).copied().unwrap_or(0);
                t.uint(
                    o,
                    "icmpv6.opt.prefix.length",
                    "Prefix Length",
                    u64::from(plen),
                    at(2),
                    1,
                );
                let f = data.get(at(3)).copied().unwrap_or(0);
                let mut text = format!("0x{f:02x}");
                for (m, n) in [
                    (0x80u8, "On-link flag(L)"),
                    (0x40, "Autonomous address-configuration flag(A)"),
                    (0x20, "Router address flag(R)"),
                ] {
                    if f & m != 0 {
                        text.push_str(", ");
                        text.push_str(n);
                    }
                }
                let fl = t.hex(o, "icmpv6.opt.prefix.flag", "Flag", u64::from(f), 2, at(3), 1);
                t.set_text(fl, text);
                t.bits(
                    fl,
                    "icmpv6.opt.prefix.flag.l",
                    "On-link flag(L)",
                    Value::Bool(f & 0x80 != 0),
                    8,
                    0x80,
                    at(3),
                    1,
                );
                t.bits(
                    fl,
                    "icmpv6.opt.prefix.flag.a",
                    "Autonomous address-configuration flag(A)",
                    Value::Bool(f & 0x40 != 0),
                    8,
                    0x40,
                    at(3),
                    1,
                );
                t.bits(
                    fl,
                    "icmpv6.opt.prefix.flag.r",
                    "Router address flag(R)",
                    Value::Bool(f & 0x20 != 0),
                    8,
                    0x20,
                    at(3),
                    1,
                );
                t.bits(
                    fl,
                    "icmpv6.opt.prefix.flag.reserved",
                    "Reserved",
                    Value::UInt(u64::from(f & 0x1f)),
                    8,
                    0x1f,
                    at(3),
                    1,
                );
                let v = t.uint(
                    o,
                    "icmpv6.opt.prefix.valid_lifetime",
                    "Valid Lifetime",
                    u64::from(u32_at(4)),
                    at(4),
                    4,
                );
                t.set_text(v, lifetime_text(u32_at(4)));
                let v = t.uint(
                    o,
                    "icmpv6.opt.prefix.preferred_lifetime",
                    "Preferred Lifetime",
                    u64::from(u32_at(8)),
                    at(8),
                    4,
                );
                t.set_text(v, lifetime_text(u32_at(8)));
                t.text(Some(o), "icmpv6.opt.reserved", "Reserved", at(12), 4);
                let pfx = util::ipv6_at(data, at(16)).unwrap_or(Ipv6Addr::UNSPECIFIED);
                t.add(Some(o), "icmpv6.opt.prefix", "Prefix", Value::Ipv6(pfx), at(16), 16);
                t.set_text(o, format!("ICMPv6 Option ({name} : {pfx}/{plen})"));
            }
            5 | 7 if full(8) => {
                t.text(Some(o), "icmpv6.opt.reserved", "Reserved", at(2), 2);
                let v = u32_at(4);
                let (fname, label) = if ty == 5 {
                    ("icmpv6.opt.mtu", "MTU")
                } else {
                    ("icmpv6.opt.advertisement_interval", "Advertisement Interval")
                };
                t.uint(o, fname, label, u64::from(v), at(4), 4);
                t.set_text(o, format!("ICMPv6 Option ({name} : {v})"));
            }
            24 if full(8) => {
                let plen = data.get(at(2)).copied().unwrap_or(0);
                t.uint(
                    o,
                    "icmpv6.opt.prefix.length",
                    "Prefix Length",
                    u64::from(plen),
                    at(2),
                    1,
                );
                let f = data.get(at(3)).copied().unwrap_or(0);
                let prf = (f >> 3) & 3;
                let fl = t.hex(o, "icmpv6.opt.route_info.flag", "Flag", u64::from(f), 2, at(3), 1);
                t.set_text(fl, format!("0x{f:02x}, Route Preference: {}", pref_name(prf)));
                let p = t.bits(
                    fl,
                    "icmpv6.opt.route_info.flag.route_preference",
                    "Route Preference",
                    Value::UInt(u64::from(prf)),
                    8,
                    0x18,
                    at(3),
                    1,
                );
                t.set_text(p, format!("{} ({prf})", pref_name(prf)));
                t.bits(
                    fl,
                    "icmpv6.opt.route_info.flag.reserved",
                    "Reserved",
                    Value::UInt(u64::from(f & 0xe7)),
                    8,
                    0xe7,
                    at(3),
                    1,
                );
                t.uint(
                    o,
                    "icmpv6.opt.route_lifetime",
                    "Route Lifetime",
                    u64::from(u32_at(4)),
                    at(4),
                    4,
                );
                let n = (olen - 8).min(16);
                let mut b = [0u8; 16];
                if let (Some(dst), Some(src)) = (b.get_mut(..n), data.get(at(8)..at(8).saturating_add(n))) {
                    dst.copy_from_slice(src);
                }
                let pfx = Ipv6Addr::from(b);
                if n > 0 {
                    t.add(Some(o), "icmpv6.opt.prefix", "Prefix", Value::Ipv6(pfx), at(8), n);
                }
                t.set_text(o, format!("ICMPv6 Option ({name} : {} {pfx}/{plen})", pref_name(prf)));
            }
            31 if full(8) => {
                t.text(Some(o), "icmpv6.opt.reserved", "Reserved", at(2), 2);
                t.uint(
                    o,
                    "icmpv6.opt.dnssl.lifetime",
                    "Lifetime",
                    u64::from(u32_at(4)),
                    at(4),
                    4,
                );
                let mut text = format!("ICMPv6 Option ({name}");
                let mut q = at(8);
                while q < r.end && data.get(q).is_some_and(|&b| b != 0) {
                    let Some((dn, next)) = dns_name(data, q, r.end) else {
                        break;
                    };
                    t.add(
                        Some(o),
                        "icmpv6.opt.dnssl",
                        "Domain Names",
                        Value::Str(dn.clone().into()),
                        q,
                        next - q,
                    );
                    text.push(' ');
                    text.push_str(&dn);
                    q = next;
                }
                if q < r.end {
                    t.text(Some(o), "icmpv6.opt.padding", "Padding", q, r.end - q);
                }
                text.push(')');
                t.set_text(o, text);
            }
            25 if full(8) => {
                t.text(Some(o), "icmpv6.opt.reserved", "Reserved", at(2), 2);
                t.uint(
                    o,
                    "icmpv6.opt.rdnss.lifetime",
                    "Lifetime",
                    u64::from(u32_at(4)),
                    at(4),
                    4,
                );
                let mut text = format!("ICMPv6 Option ({name}");
                let mut q = 8usize;
                while q.saturating_add(16) <= olen {
                    let a = util::ipv6_at(data, at(q)).unwrap_or(Ipv6Addr::UNSPECIFIED);
                    t.add(
                        Some(o),
                        "icmpv6.opt.rdnss",
                        "Recursive DNS Servers",
                        Value::Ipv6(a),
                        at(q),
                        16,
                    );
                    text.push_str(&format!(" {a}"));
                    q += 16;
                }
                text.push(')');
                t.set_text(o, text);
            }
            _ => {}
        }
    }
    if let Some(z) = zero {
        let ty = data.get(z).copied().unwrap_or(0);
        let o = t.group(
            Some(root),
            "icmpv6.opt",
            format!("ICMPv6 Option ({})", option_name(ty)),
            z,
            2,
        );
        let l = option_head(t, o, data, ty, z);
        t.expert(
            l,
            Severity::Error,
            "icmpv6.invalid_option_length",
            "Invalid option length (Zero)",
            z.saturating_add(1),
            1,
        );
    }
}

/// A domain name in DNS wire format (labels, no compression) at `p`, ending
/// before `end`; returns the dotted name and the offset after its root label.
fn dns_name(data: &[u8], mut p: usize, end: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    loop {
        let l = usize::from(*data.get(p)?);
        if l == 0 {
            return Some((name, p + 1));
        }
        if l > 63 || p.checked_add(1 + l)? >= end {
            return None;
        }
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&String::from_utf8_lossy(data.get(p + 1..p + 1 + l)?));
        p += 1 + l;
    }
}

/// The option's Type and Length lines; returns the Length node.
fn option_head(t: &mut Bounded<'_>, o: NodeId, data: &[u8], ty: u8, p: usize) -> NodeId {
    let n = t.uint(o, "icmpv6.opt.type", "Type", u64::from(ty), p, 1);
    t.set_text(n, format!("{} ({ty})", option_name(ty)));
    let l = data.get(p.saturating_add(1)).copied().unwrap_or(0);
    let n = t.uint(o, "icmpv6.opt.length", "Length", u64::from(l), p.saturating_add(1), 1);
    t.set_text(n, format!("{l} ({} bytes)", usize::from(l) * 8));
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    const SRC: &str = "fe80::200:86ff:fe05:80da";
    const DST: &str = "fe80::260:97ff:fe07:69ea";

    fn msg(mut m: Vec<u8>) -> Vec<u8> {
        m[2] = 0;
        m[3] = 0;
        let acc = util::sum_words(util::pseudo_v6(a(SRC), a(DST), 58, m.len()), &m);
        m[2..4].copy_from_slice(&util::fold(acc).to_be_bytes());
        m
    }

    fn pseudo() -> Option<(Ipv6Addr, Ipv6Addr)> {
        Some((a(SRC), a(DST)))
    }

    fn values(t: &Tree, data: &[u8], name: &str) -> Vec<String> {
        t.find(name).map(|(id, _)| t.field_string(id, data)).collect()
    }

    #[test]
    fn echo_matches_etherparse_and_checks() {
        let m = msg(vec![128, 0, 0, 0, 0x76, 0x20, 0, 0, 1, 2, 3]);
        let ep = etherparse::Icmpv6Header::with_checksum(
            etherparse::Icmpv6Type::EchoRequest(etherparse::IcmpEchoHeader { id: 0x7620, seq: 0 }),
            a(SRC).octets(),
            a(DST).octets(),
            &[1, 2, 3],
        )
        .unwrap();
        assert_eq!(&m[..8], &ep.to_bytes()[..]);
        let p = parse(&m, 0, m.len(), pseudo()).unwrap();
        assert_eq!(
            (p.ident, p.seq, p.checksum_status),
            (Some(0x7620), Some(0), ChecksumStatus::Good)
        );
        assert_eq!(p.info(Some(64)), "Echo (ping) request id=0x7620, seq=0, hop limit=64");
        let mut t = Tree::new();
        p.tree(&mut t, &m);
        assert_eq!(values(&t, &m, "icmpv6.echo.identifier"), vec!["30240"]);
        assert_eq!(values(&t, &m, "data.data"), vec!["010203"]);
        let mut s = String::new();
        t.render_text(&mut s, &m);
        assert!(
            s.starts_with("Internet Control Message Protocol v6\n    Type: Echo (ping) request (128)\n    Code: 0\n"),
            "{s}"
        );
        assert!(s.contains("    Identifier: 0x7620\n    Sequence: 0\n"), "{s}");

        // Unverified without the pseudo-header or with a cut message; bad with a wrong one.
        assert_eq!(
            parse(&m, 0, m.len(), None).unwrap().checksum_status,
            ChecksumStatus::Unverified
        );
        assert_eq!(
            parse(&m[..9], 0, m.len(), pseudo()).unwrap().checksum_status,
            ChecksumStatus::Unverified
        );
        let mut bad = m.clone();
        bad[2] ^= 0x10;
        let good = u16::from_be_bytes([m[2], m[3]]);
        let p = parse(&bad, 0, bad.len(), pseudo()).unwrap();
        assert_eq!(p.checksum_status, ChecksumStatus::Bad(good));
        let mut t = Tree::new();
        p.tree(&mut t, &bad);
        assert_eq!(
            t.experts().map(|(_, e)| e.code).collect::<Vec<_>>(),
            vec!["icmpv6.checksum_bad.expert"]
        );
    }

    #[test]
    fn neighbor_discovery() {
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend_from_slice(&a(DST).octets());
        ns.extend_from_slice(&[1, 1, 0, 0, 0x86, 5, 0x80, 0xda]);
        let ns = msg(ns);
        let p = parse(&ns, 0, ns.len(), pseudo()).unwrap();
        assert_eq!(p.checksum_status, ChecksumStatus::Good);
        assert_eq!(p.nd_target, Some(a(DST)));
        assert_eq!(p.nd_options, vec![(1, 24..32)]);
        assert_eq!(
            p.info(None),
            "Neighbor Solicitation for fe80::260:97ff:fe07:69ea from 00:00:86:05:80:da"
        );
        let mut t = Tree::new();
        p.tree(&mut t, &ns);
        assert_eq!(values(&t, &ns, "icmpv6.nd.ns.target_address"), vec![DST]);
        assert_eq!(values(&t, &ns, "icmpv6.opt.linkaddr"), vec!["00:00:86:05:80:da"]);
        assert_eq!(values(&t, &ns, "icmpv6.opt.src_linkaddr"), vec!["00:00:86:05:80:da"]);
        let mut s = String::new();
        t.render_text(&mut s, &ns);
        assert!(s.contains("    ICMPv6 Option (Source link-layer address : 00:00:86:05:80:da)\n        Type: Source link-layer address (1)\n        Length: 1 (8 bytes)\n        Link-layer address: 00:00:86:05:80:da\n"), "{s}");

        let mut na = vec![136, 0, 0, 0, 0xe0, 0, 0, 0];
        na.extend_from_slice(&a(DST).octets());
        na.extend_from_slice(&[2, 1, 0, 0x60, 0x97, 7, 0x69, 0xea]);
        let na = msg(na);
        let p = parse(&na, 0, na.len(), pseudo()).unwrap();
        assert_eq!(
            p.info(None),
            "Neighbor Advertisement fe80::260:97ff:fe07:69ea (rtr, sol, ovr) is at 00:60:97:07:69:ea"
        );
        let mut t = Tree::new();
        p.tree(&mut t, &na);
        assert_eq!(values(&t, &na, "icmpv6.nd.na.flag.s"), vec!["1"]);
        let mut s = String::new();
        t.render_text(&mut s, &na);
        assert!(s.contains("    Flags: 0xe0000000, Router, Solicited, Override\n        1... .... .... .... .... .... .... .... = Router: Set\n"), "{s}");
    }

    #[test]
    fn router_advertisement_options() {
        let mut ra = vec![134, 0, 0, 0, 64, 0x08, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 3, 0xe8];
        ra.extend_from_slice(&[5, 1, 0, 0, 0, 0, 5, 0xdc]);
        ra.extend_from_slice(&[3, 4, 64, 0xc0, 0, 0x36, 0xee, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        ra.extend_from_slice(&a("3ffe:507:0:1::").octets());
        ra.extend_from_slice(&[25, 3, 0, 0, 0, 0, 0, 60]);
        ra.extend_from_slice(&a("2001:db8::53").octets());
        ra.extend_from_slice(&[31, 3, 0, 0, 0, 0, 0, 5, 7]);
        ra.extend_from_slice(b"example");
        ra.extend_from_slice(&[3]);
        ra.extend_from_slice(b"com");
        ra.extend_from_slice(&[0, 0, 0, 0]);
        ra.extend_from_slice(&[99, 0, 0, 0, 0, 0, 0, 0]);
        let ra = msg(ra);
        let p = parse(&ra, 0, ra.len(), pseudo()).unwrap();
        assert_eq!(p.nd_options.iter().map(|o| o.0).collect::<Vec<_>>(), vec![5, 3, 25, 31]);
        let mut t = Tree::new();
        p.tree(&mut t, &ra);
        assert_eq!(values(&t, &ra, "icmpv6.opt.mtu"), vec!["1500"]);
        assert_eq!(values(&t, &ra, "icmpv6.opt.prefix"), vec!["3ffe:507:0:1::"]);
        assert_eq!(values(&t, &ra, "icmpv6.opt.rdnss"), vec!["2001:db8::53"]);
        assert_eq!(values(&t, &ra, "icmpv6.nd.ra.flag.prf"), vec!["1"]);
        assert_eq!(
            t.experts().map(|(_, e)| e.code).collect::<Vec<_>>(),
            vec!["icmpv6.invalid_option_length"]
        );
        let mut s = String::new();
        t.render_text(&mut s, &ra);
        assert!(
            s.contains("    Flags: 0x08, Prf (Default Router Preference): High\n"),
            "{s}"
        );
        assert!(
            s.contains("    ICMPv6 Option (Prefix information : 3ffe:507:0:1::/64)\n"),
            "{s}"
        );
        assert!(s.contains("        Preferred Lifetime: Infinity (4294967295)\n"), "{s}");
        assert!(s.contains("    ICMPv6 Option (MTU : 1500)\n"), "{s}");
        assert!(
            s.contains("    ICMPv6 Option (Recursive DNS Server 2001:db8::53)\n"),
            "{s}"
        );
        assert!(
            s.contains("    ICMPv6 Option (DNS Search List Option example.com)\n"),
            "{s}"
        );
        assert!(
            s.contains("        Domain Names: example.com\n        Padding\n"),
            "{s}"
        );
    }

    #[test]
    fn errors_and_mld() {
        let mut e = vec![2, 0, 0, 0, 0, 0, 5, 0];
        e.extend_from_slice(&[0x60; 40]);
        let e = msg(e);
        let p = parse(&e, 0, e.len(), pseudo()).unwrap();
        assert_eq!(
            (p.mtu, p.embedded.clone(), p.info(None)),
            (Some(1280), Some(8..48), "Packet Too Big".to_string())
        );
        let u = msg(vec![1, 4, 0, 0, 0, 0, 0, 0]);
        let p = parse(&u, 0, 8, pseudo()).unwrap();
        assert_eq!(
            (p.embedded.clone(), p.info(None)),
            (None, "Destination Unreachable (Port unreachable)".to_string())
        );
        let x = msg(vec![3, 9, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse(&x, 0, 8, None).unwrap().info(None), "Time Exceeded (Unknown)");

        let mut r = vec![143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0];
        r.extend_from_slice(&a("ff02::1:6").octets());
        let r = msg(r);
        let p = parse(&r, 0, r.len(), pseudo()).unwrap();
        let mut t = Tree::new();
        p.tree(&mut t, &r);
        assert_eq!(values(&t, &r, "icmpv6.mldr.mar.multicast_address"), vec!["ff02::1:6"]);
        let mut s = String::new();
        t.render_text(&mut s, &r);
        assert!(s.contains("    Multicast Address Record Changed to exclude: ff02::1:6\n        Record Type: Changed to exclude (4)\n"), "{s}");
    }

    #[test]
    fn nothing_past_the_message_end() {
        // A Neighbor Advertisement of 8 bytes followed by 24 bytes of padding.
        let mut d = msg(vec![136, 0, 0, 0, 0x60, 0, 0, 0]);
        d.extend_from_slice(&[0xaa; 24]);
        let p = parse(&d, 0, 8, None).unwrap();
        assert_eq!((p.nd_target, p.nd_options.len()), (None, 0));
        let mut t = Tree::new();
        p.tree(&mut t, &d);
        assert!(t.find("icmpv6.nd.na.target_address").next().is_none());
        assert!(t.iter().all(|(_, n)| n.span().end <= 8), "a field past the message end");
        assert_eq!(p.info(None), "Neighbor Advertisement (sol, ovr)");
    }

    #[test]
    fn truncation_sweep() {
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend_from_slice(&a(DST).octets());
        ns.extend_from_slice(&[1, 1, 0, 0, 0x86, 5, 0x80, 0xda]);
        let ns = msg(ns);
        for n in 0..ns.len() {
            match parse(&ns[..n], 0, ns.len(), pseudo()) {
                Err(e) => assert_eq!((n < 8, e), (true, DissectError::truncated(LAYER, 0, 8, n))),
                Ok(p) => {
                    let mut t = Tree::new();
                    p.tree(&mut t, &ns[..n]);
                    let _ = p.info(Some(1));
                }
            }
        }
        assert!(matches!(
            parse(&ns, 0, 4, None).unwrap_err().kind,
            ErrorKind::Malformed(_)
        ));
    }

    #[test]
    fn hostile_messages_never_panic() {
        let mut seed = 99u32;
        for _ in 0..3000 {
            let mut m = [0u8; 72];
            for b in m.iter_mut() {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = (seed >> 16) as u8;
            }
            m[0] = [1, 2, 128, 130, 133, 134, 135, 136, 137, 143, 160, 200][(seed % 12) as usize];
            let n = 8 + (seed as usize >> 5) % 65;
            let end = 8 + (seed as usize >> 11) % 80;
            if let Ok(p) = parse(&m[..n], 0, end, pseudo()) {
                let mut t = Tree::new();
                p.tree(&mut t, &m[..n]);
                let _ = p.info(Some(1));
                let mut s = String::new();
                t.render_text(&mut s, &m[..n]);
            }
        }
    }
}
