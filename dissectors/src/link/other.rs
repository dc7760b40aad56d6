//! Less common link types: PPP (with or without HDLC-like framing), Cisco
//! HDLC, Frame Relay, Linux NFLOG, Apple PKTAP, IP over InfiniBand, Solaris
//! ipnet, FDDI and ARCNET (Linux).
//!
//! Each parser returns a whole [`Link`]; a header cut short is parsed from a
//! zero-padded copy and flagged in [`Link::error`], and the tree shows only
//! its captured fields (see [`Emit`]).

use crate::error::DissectError;
use crate::tree::{NodeId, Value, SKIPPED};
use crate::tunnel::Ppp;
use crate::util::{be16, be32, ipv6_at};

use super::ethernet::{parse_llc, Llc};
use super::{ethertype_name, ethertype_next, named_hex4, padded, Emit, Link, LinkKind, Next};

/// The next layer for "an Ethernet frame follows" (PKTAP with DLT_EN10MB).
pub const NEXT_ETHERNET: Next = Next::Ethertype(crate::tunnel::gre::ETHERTYPE_TEB);

fn link(kind: LinkKind, next: Next, payload_off: usize, error: Option<DissectError>) -> Link {
    Link {
        kind,
        next,
        payload_off,
        error,
        linktype: 0,
    }
}

fn trunc(layer: &'static str, data: &[u8], off: usize, need: usize) -> DissectError {
    DissectError::truncated(layer, off, need, data.len().saturating_sub(off))
}

// ---------------------------------------------------------------------------
// PPP

/// LINKTYPE_PPP / LINKTYPE_PPP_HDLC: a PPP header, or Cisco HDLC when
/// the frame starts with its unicast or multicast address.
pub fn parse_ppp(data: &[u8], hdlc: bool) -> Link {
    if hdlc && matches!(data.first(), Some(0x0f | 0x8f)) {
        return parse_chdlc(data);
    }
    match Ppp::parse(data, 0) {
        Ok(p) => link(LinkKind::Ppp(p), p.next(), p.len(), None),
        Err(e) => {
            let p = Ppp::parse(&padded(data, 0, 4), 0).unwrap_or(Ppp {
                off: 0,
                framed: false,
                address: 0,
                control: 0,
                proto: 0,
                proto_len: 2,
            });
            link(LinkKind::Ppp(p), Next::Nothing, data.len(), Some(e))
        }
    }
}

// ---------------------------------------------------------------------------
// Cisco HDLC

const CHDLC_LAYER: &str = "Cisco HDLC";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chdlc {
    pub address: u8,
    pub control: u8,
    pub proto: u16,
}

pub fn parse_chdlc(data: &[u8]) -> Link {
    let v = padded(data, 0, 4);
    let c = Chdlc {
        address: v.first().copied().unwrap_or(0),
        control: v.get(1).copied().unwrap_or(0),
        proto: be16(&v, 2).unwrap_or(0),
    };
    if data.len() < 4 {
        return link(
            LinkKind::Chdlc(c),
            Next::Nothing,
            data.len(),
            Some(trunc(CHDLC_LAYER, data, 0, 4)),
        );
    }
    link(LinkKind::Chdlc(c), ethertype_next(c.proto), 4, None)
}

fn chdlc_proto_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0800 => "IP",
        0x86dd => "IPv6",
        0x8035 => "SLARP",
        0x2000 => "CDP",
        0xfefe => "OSI",
        0x8847 => "MPLS label switched packet",
        _ => return ethertype_name(p),
    })
}

impl Chdlc {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("chdlc", "Cisco HDLC", 0, 4);
        let a = self.address;
        let at = match a {
            0x0f => "Unicast",
            0x8f => "Multicast",
            _ => "Unknown",
        };
        e.hex(
            r,
            "chdlc.address",
            "Address",
            u64::from(a),
            2,
            0,
            1,
            Some(format!("{at} (0x{a:02x})")),
        );
        e.hex(r, "chdlc.control", "Control", u64::from(self.control), 2, 1, 1, None);
        let p = self.proto;
        e.hex(
            r,
            "chdlc.protocol",
            "Protocol",
            u64::from(p),
            4,
            2,
            2,
            Some(named_hex4(chdlc_proto_name(p), p)),
        );
        r
    }

    pub fn protocol_name(&self) -> Option<&'static str> {
        match self.proto {
            0x8035 => Some("slarp"),
            0x2000 => Some("cdp"),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Frame Relay

const FR_LAYER: &str = "Frame Relay";

/// A Frame Relay (Q.922) address of 2 to 4 bytes, then either RFC 2427's
/// control and NLPID (with SNAP) or Cisco's ethertype.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fr {
    pub addr: [u8; 4],
    pub addr_len: usize,
    /// RFC 2427: the NLPID after the control byte (0x03); None for Cisco.
    pub nlpid: Option<u8>,
    /// A padding byte before the NLPID.
    pub pad: bool,
    /// Cisco's ethertype.
    pub etype: Option<u16>,
    /// SNAP's (OUI, PID).
    pub snap: Option<(u32, u16)>,
    pub hdr_len: usize,
}

impl Fr {
    fn a(&self, i: usize) -> u32 {
        u32::from(self.addr.get(i).copied().unwrap_or(0))
    }

    pub fn dlci(&self) -> u32 {
        let (a0, a1) = (self.a(0) >> 2, self.a(1) >> 4);
        match self.addr_len {
            3 => (a0 << 10) | (a1 << 6) | (self.a(2) >> 2),
            4 => (a0 << 17) | (a1 << 13) | ((self.a(2) >> 1) << 6) | (self.a(3) >> 2),
            _ => (a0 << 4) | a1,
        }
    }
}

/// The bridged-Ethernet SNAP OUI of RFC 2427.
const OUI_BRIDGED: u32 = 0x00_80c2;

pub fn parse_fr(data: &[u8]) -> Link {
    let mut f = Fr::default();
    // The address ends with the byte whose EA bit is set (at most 4 bytes).
    let mut n = 0;
    loop {
        let Some(&b) = data.get(n) else {
            f.addr_len = n.max(2);
            f.hdr_len = f.addr_len;
            return link(
                LinkKind::Fr(f),
                Next::Nothing,
                data.len(),
                Some(trunc(FR_LAYER, data, 0, n + 1)),
            );
        };
        if let Some(x) = f.addr.get_mut(n) {
            *x = b;
        }
        n += 1;
        if (b & 1 == 1 && n >= 2) || n == 4 {
            break;
        }
    }
    f.addr_len = n;
    f.hdr_len = n;
    if f.addr.get(n - 1).is_some_and(|b| b & 1 == 0) || f.addr.first().is_some_and(|b| b & 1 == 1) {
        return link(
            LinkKind::Fr(f),
            Next::Nothing,
            n,
            Some(DissectError::malformed(FR_LAYER, "bogus address (EA bits)", 0)),
        );
    }
    let t = |f: Fr, need| {
        (
            LinkKind::Fr(f),
            Next::Nothing,
            data.len(),
            Some(trunc(FR_LAYER, data, 0, need)),
        )
    };
    let (kind, next, off, err) = match data.get(n) {
        None => t(f, n + 2),
        Some(0x03) => {
            let mut p = n + 1;
            if data.get(p) == Some(&0) {
                f.pad = true;
                p += 1;
            }
            match data.get(p).copied() {
                None => t(f, p + 1),
                Some(nl) => {
                    f.nlpid = Some(nl);
                    p += 1;
                    f.hdr_len = p;
                    match nl {
                        0xcc => (LinkKind::Fr(f), Next::Ipv4, p, None),
                        0x8e => (LinkKind::Fr(f), Next::Ipv6, p, None),
                        0x80 => match (be32(data, p.saturating_sub(1)), be16(data, p + 3)) {
                            (Some(w), Some(pid)) => {
                                let oui = w & 0x00ff_ffff;
                                f.snap = Some((oui, pid));
                                f.hdr_len = p + 5;
                                let next = match (oui, pid) {
                                    (0, _) => ethertype_next(pid),
                                    // Bridged Ethernet, with or without its FCS.
                                    (OUI_BRIDGED, 0x0001 | 0x0007) => NEXT_ETHERNET,
                                    _ => Next::Nothing,
                                };
                                (LinkKind::Fr(f), next, p + 5, None)
                            }
                            _ => t(f, p + 5),
                        },
                        _ => (LinkKind::Fr(f), Next::Nothing, p, None),
                    }
                }
            }
        }
        Some(_) => match be16(data, n) {
            Some(et) => {
                f.etype = Some(et);
                f.hdr_len = n + 2;
                (LinkKind::Fr(f), ethertype_next(et), n + 2, None)
            }
            None => t(f, n + 2),
        },
    };
    link(kind, next, off, err)
}

impl Fr {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("fr", "Frame Relay", 0, self.hdr_len);
        let tf = |b: bool| Some(if b { "True" } else { "False" }.to_string());
        let ea = |b: bool| Some(if b { "Last Octet" } else { "More Follows" }.to_string());
        let a0 = u64::from(self.a(0));
        let f0 = e.hex(r, "fr.first_addr_octet", "First address octet", a0, 2, 0, 1, None);
        let b = e.bits(
            f0,
            "fr.upper_dlci",
            "Upper DLCI",
            Value::UInt(a0 >> 2),
            8,
            0xfc,
            0,
            1,
            Some(format!("0x{:02x}", a0 >> 2)),
        );
        e.t.set_base(b, crate::tree::Base::Hex(2));
        e.bits(
            f0,
            "fr.cr",
            "CR",
            Value::Bool(a0 & 2 != 0),
            8,
            0x02,
            0,
            1,
            Some(if a0 & 2 != 0 { "Command" } else { "Response" }.into()),
        );
        e.bits(
            f0,
            "fr.ea",
            "EA",
            Value::Bool(a0 & 1 != 0),
            8,
            0x01,
            0,
            1,
            ea(a0 & 1 != 0),
        );
        let a1 = u64::from(self.a(1));
        let mut s1 = format!("0x{a1:02x}");
        for (m, n) in [(8, "FECN"), (4, "BECN"), (2, "DE"), (1, "EA")] {
            if a1 & m != 0 {
                s1.push_str(", ");
                s1.push_str(n);
            }
        }
        let f1 = e.hex(r, "fr.second_addr_octet", "Second address octet", a1, 2, 1, 1, Some(s1));
        let b = e.bits(
            f1,
            "fr.second_dlci",
            "Second DLCI",
            Value::UInt(a1 >> 4),
            8,
            0xf0,
            1,
            1,
            Some(format!("0x{:x}", a1 >> 4)),
        );
        e.t.set_base(b, crate::tree::Base::Hex(2));
        e.bits(
            f1,
            "fr.fecn",
            "FECN",
            Value::Bool(a1 & 8 != 0),
            8,
            0x08,
            1,
            1,
            tf(a1 & 8 != 0),
        );
        e.bits(
            f1,
            "fr.becn",
            "BECN",
            Value::Bool(a1 & 4 != 0),
            8,
            0x04,
            1,
            1,
            tf(a1 & 4 != 0),
        );
        e.bits(
            f1,
            "fr.de",
            "DE",
            Value::Bool(a1 & 2 != 0),
            8,
            0x02,
            1,
            1,
            tf(a1 & 2 != 0),
        );
        e.bits(
            f1,
            "fr.ea",
            "EA",
            Value::Bool(a1 & 1 != 0),
            8,
            0x01,
            1,
            1,
            ea(a1 & 1 != 0),
        );
        if self.addr_len == 4 {
            let a2 = u64::from(self.a(2));
            let f2 = e.hex(r, "fr.third_addr_octet", "Third address octet", a2, 2, 2, 1, None);
            let b = e.bits(
                f2,
                "fr.third_dlci",
                "Third DLCI",
                Value::UInt(a2 >> 1),
                8,
                0xfe,
                2,
                1,
                Some(format!("0x{:02x}", a2 >> 1)),
            );
            e.t.set_base(b, crate::tree::Base::Hex(2));
            e.bits(
                f2,
                "fr.ea",
                "EA",
                Value::Bool(a2 & 1 != 0),
                8,
                0x01,
                2,
                1,
                ea(a2 & 1 != 0),
            );
        }
        if self.addr_len >= 3 {
            let o = self.addr_len - 1;
            let al = u64::from(self.a(o));
            let f3 = e.t.text(Some(r), "", format!("Final address octet: 0x{al:02x}"), o, 1);
            let b = e.bits(
                f3,
                "fr.lower_dlci",
                "Lower DLCI",
                Value::UInt(al >> 2),
                8,
                0xfc,
                o,
                1,
                Some(format!("0x{:02x}", al >> 2)),
            );
            e.t.set_base(b, crate::tree::Base::Hex(2));
            e.bits(
                f3,
                "fr.dc",
                "DC",
                Value::Bool(al & 2 != 0),
                8,
                0x02,
                o,
                1,
                Some(if al & 2 != 0 { "Core" } else { "Control" }.into()),
            );
            e.bits(
                f3,
                "fr.ea",
                "EA",
                Value::Bool(al & 1 != 0),
                8,
                0x01,
                o,
                1,
                ea(al & 1 != 0),
            );
        }
        e.uint(r, "fr.dlci", "DLCI", u64::from(self.dlci()), 0, self.addr_len);
        let n = self.addr_len;
        if let Some(et) = self.etype {
            e.hex(
                r,
                "fr.chdlctype",
                "Type",
                u64::from(et),
                4,
                n,
                2,
                Some(named_hex4(ethertype_name(et), et)),
            );
        }
        if let Some(nl) = self.nlpid {
            e.hex(r, "fr.control", "Control Field", 3, 2, n, 1, Some("0x03".into()));
            let p = if self.pad { n + 2 } else { n + 1 };
            let nt = match nl {
                0xcc => "IP",
                0x8e => "IPv6",
                0x80 => "IEEE SNAP",
                0x08 => "Q.933",
                0x81 => "ISO CLNP",
                0x83 => "ISO ES-IS",
                0x84 => "ISO IS-IS",
                _ => "Unknown",
            };
            e.hex(
                r,
                "fr.nlpid",
                "NLPID",
                u64::from(nl),
                2,
                p,
                1,
                Some(format!("{nt} (0x{nl:02x})")),
            );
            if let Some((oui, pid)) = self.snap {
                e.with_text(
                    r,
                    "fr.snap.oui",
                    "Organization Code",
                    Value::UInt(u64::from(oui)),
                    p + 1,
                    3,
                    super::ethernet::oui_text(oui),
                );
                if oui == 0 {
                    e.hex(
                        r,
                        "fr.snaptype",
                        "Type",
                        u64::from(pid),
                        4,
                        p + 4,
                        2,
                        Some(named_hex4(ethertype_name(pid), pid)),
                    );
                } else {
                    e.hex(r, "fr.snap.pid", "Protocol ID", u64::from(pid), 4, p + 4, 2, None);
                }
            }
        }
        r
    }
}

// ---------------------------------------------------------------------------
// Linux NFLOG

const NFLOG_LAYER: &str = "NFLOG";
/// NFULA_PAYLOAD: the packet itself.
pub const NFULA_PAYLOAD: u16 = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NflogTlv {
    pub off: usize,
    pub len: u16,
    pub kind: u16,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nflog {
    pub family: u8,
    pub version: u8,
    pub res_id: u16,
    pub tlvs: Vec<NflogTlv>,
    /// TLV lengths and types were read big-endian.
    pub big_endian: bool,
}

pub fn parse_nflog(data: &[u8]) -> Link {
    let v = padded(data, 0, 4);
    let mut n = Nflog {
        family: v.first().copied().unwrap_or(0),
        version: v.get(1).copied().unwrap_or(0),
        res_id: be16(&v, 2).unwrap_or(0),
        ..Nflog::default()
    };
    if data.len() < 4 {
        return link(
            LinkKind::Nflog(n),
            Next::Nothing,
            data.len(),
            Some(trunc(NFLOG_LAYER, data, 0, 4)),
        );
    }
    // TLV lengths and types are in the capturing host's byte order: the
    // first TLV's length tells (a length is small and at least 4).
    let le_len = data
        .get(4..6)
        .map(|b| u16::from_le_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]));
    n.big_endian =
        matches!(le_len, Some(l) if !(4..=0xff).contains(&l)) && be16(data, 4).is_some_and(|l| (4..=0xff).contains(&l));
    let rd = |o: usize| -> Option<u16> {
        if n.big_endian {
            be16(data, o)
        } else {
            let b = data.get(o..o.checked_add(2)?)?;
            Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
        }
    };
    let mut p = 4usize;
    let mut next = Next::Nothing;
    let mut payload_off = data.len();
    let mut err = None;
    while p < data.len() {
        let (Some(len), Some(kind)) = (rd(p), rd(p.saturating_add(2))) else {
            err = Some(trunc(NFLOG_LAYER, data, p, 4));
            break;
        };
        if len < 4 {
            err = Some(DissectError::malformed(NFLOG_LAYER, "TLV length below 4", p));
            break;
        }
        n.tlvs.push(NflogTlv { off: p, len, kind });
        let tlv_end = if kind & 0x7fff == NFULA_PAYLOAD {
            p.saturating_add(4)
        } else {
            p.saturating_add(usize::from(len))
        };
        if tlv_end > data.len() {
            err = Some(trunc(NFLOG_LAYER, data, p, tlv_end.saturating_sub(p)));
            break;
        }
        if kind & 0x7fff == NFULA_PAYLOAD {
            payload_off = p.saturating_add(4);
            next = match (n.family, data.get(payload_off).map(|b| b >> 4)) {
                (2, _) => Next::Ipv4,
                (10, _) => Next::Ipv6,
                (_, Some(4)) => Next::Ipv4,
                (_, Some(6)) => Next::Ipv6,
                _ => Next::Nothing,
            };
            break;
        }
        // Values are padded to 4 bytes.
        p = p.saturating_add((usize::from(len).saturating_add(3)) & !3);
        if n.tlvs.len() > 256 {
            break;
        }
    }
    link(LinkKind::Nflog(n), next, payload_off, err)
}

fn nflog_tlv_name(k: u16) -> &'static str {
    match k {
        1 => "NFULA_PACKET_HDR",
        2 => "NFULA_MARK",
        3 => "NFULA_TIMESTAMP",
        4 => "NFULA_IFINDEX_INDEV",
        5 => "NFULA_IFINDEX_OUTDEV",
        6 => "NFULA_IFINDEX_PHYSINDEV",
        7 => "NFULA_IFINDEX_PHYSOUTDEV",
        8 => "NFULA_HWADDR",
        9 => "NFULA_PAYLOAD",
        10 => "NFULA_PREFIX",
        11 => "NFULA_UID",
        12 => "NFULA_SEQ",
        13 => "NFULA_SEQ_GLOBAL",
        14 => "NFULA_GID",
        15 => "NFULA_HWTYPE",
        16 => "NFULA_HWHEADER",
        17 => "NFULA_HWLEN",
        18 => "NFULA_CT",
        19 => "NFULA_CT_INFO",
        _ => "Unknown",
    }
}

impl Nflog {
    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let end = self
            .tlvs
            .last()
            .map(|t| {
                if t.kind & 0x7fff == NFULA_PAYLOAD {
                    t.off + 4
                } else {
                    t.off + usize::from(t.len)
                }
            })
            .unwrap_or(4);
        let r = e.root("nflog", "Linux Netfilter NFLOG", 0, end);
        let fam = match self.family {
            2 => "IPv4",
            10 => "IPv6",
            _ => "Unknown",
        };
        e.with_text(
            r,
            "nflog.family",
            "Family",
            Value::UInt(u64::from(self.family)),
            0,
            1,
            format!("{fam} ({})", self.family),
        );
        e.uint(r, "nflog.version", "Version", u64::from(self.version), 1, 1);
        e.uint(r, "nflog.res_id", "Resource id", u64::from(self.res_id), 2, 2);
        for t in &self.tlvs {
            let k = t.kind & 0x7fff;
            let len = if k == NFULA_PAYLOAD { 4 } else { usize::from(t.len) };
            let id = e.add(r, "nflog.tlv", "TLV", Value::Bytes, t.off, len);
            if id == SKIPPED {
                continue;
            }
            e.t.set_text(id, format!("TLV Type: {} ({k}), Length: {}", nflog_tlv_name(k), t.len));
            e.uint(id, "nflog.tlv_length", "Length", u64::from(t.len), t.off, 2);
            e.bits(
                id,
                "nflog.tlv_type",
                "Type",
                Value::UInt(u64::from(k)),
                16,
                0x7fff,
                t.off + 2,
                2,
                Some(format!("{} ({k})", nflog_tlv_name(k))),
            );
            let v = t.off + 4;
            let vlen = usize::from(t.len).saturating_sub(4);
            match k {
                1 => {
                    let hp = be16(data, v).unwrap_or(0);
                    e.hex(
                        id,
                        "nflog.protocol",
                        "HW protocol",
                        u64::from(hp),
                        4,
                        v,
                        2,
                        Some(named_hex4(ethertype_name(hp), hp)),
                    );
                    let hook = data.get(v + 2).copied().unwrap_or(0);
                    let hn = match hook {
                        0 => "Pre-routing",
                        1 => "Local in",
                        2 => "Forward",
                        3 => "Local out",
                        4 => "Post-routing",
                        _ => "Unknown",
                    };
                    e.with_text(
                        id,
                        "nflog.hook",
                        "Netfilter hook",
                        Value::UInt(u64::from(hook)),
                        v + 2,
                        1,
                        format!("{hn} ({hook})"),
                    );
                }
                4..=7 => {
                    let name = match k {
                        4 => ("nflog.ifindex_indev", "IFINDEX_INDEV"),
                        5 => ("nflog.ifindex_outdev", "IFINDEX_OUTDEV"),
                        6 => ("nflog.ifindex_physindev", "IFINDEX_PHYSINDEV"),
                        _ => ("nflog.ifindex_physoutdev", "IFINDEX_PHYSOUTDEV"),
                    };
                    e.uint(id, name.0, name.1, u64::from(be32(data, v).unwrap_or(0)), v, 4);
                }
                10 => {
                    let b = data.get(v..v.saturating_add(vlen)).unwrap_or(&[]);
                    let s: String = String::from_utf8_lossy(b.split(|&c| c == 0).next().unwrap_or(&[])).into_owned();
                    e.add(id, "nflog.prefix", "Prefix", Value::Str(s.into()), v, vlen);
                }
                11 => {
                    e.add(
                        id,
                        "nflog.uid",
                        "UID",
                        Value::Int(i64::from(be32(data, v).unwrap_or(0) as i32)),
                        v,
                        4,
                    );
                }
                14 => {
                    e.add(
                        id,
                        "nflog.gid",
                        "GID",
                        Value::Int(i64::from(be32(data, v).unwrap_or(0) as i32)),
                        v,
                        4,
                    );
                }
                NFULA_PAYLOAD => {}
                _ => {
                    if vlen > 0 {
                        e.bytes(id, "nflog.tlv_value", "Value", data, v, vlen);
                    }
                }
            }
        }
        r
    }
}

// ---------------------------------------------------------------------------
// IP over InfiniBand

const IPOIB_LAYER: &str = "IPoIB";
pub const IPOIB_LEN: usize = 44;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipoib {
    pub qpn: u32,
    pub dgid: [u8; 16],
    pub etype: u16,
    pub reserved: u16,
}

/// LINKTYPE_IPOIB: 20 bytes Wireshark does not show, the destination
/// address (4-byte QPN word and 16-byte GID), then type and reserved.
pub fn parse_ipoib(data: &[u8]) -> Link {
    let v = padded(data, 0, IPOIB_LEN);
    let dgid = ipv6_at(&v, 24).map(|a| a.octets()).unwrap_or([0; 16]);
    let i = Ipoib {
        qpn: be32(&v, 20).unwrap_or(0) & 0x00ff_ffff,
        dgid,
        etype: be16(&v, 40).unwrap_or(0),
        reserved: be16(&v, 42).unwrap_or(0),
    };
    if data.len() < IPOIB_LEN {
        return link(
            LinkKind::Ipoib(i),
            Next::Nothing,
            data.len(),
            Some(trunc(IPOIB_LAYER, data, 0, IPOIB_LEN)),
        );
    }
    link(LinkKind::Ipoib(i), ethertype_next(i.etype), IPOIB_LEN, None)
}

impl Ipoib {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("ipoib", "IP over Infiniband", 0, IPOIB_LEN);
        let d = e.add(r, "ipoib.daddr", "Destination address", Value::None, 20, 20);
        if d != SKIPPED {
            e.t.set_text(d, "Destination address");
        }
        e.hex(
            d,
            "ipoib.daddr.qpn",
            "Destination QPN",
            u64::from(self.qpn),
            6,
            21,
            3,
            None,
        );
        e.add(
            d,
            "ipoib.dgid",
            "Destination GID",
            Value::Ipv6(self.dgid.into()),
            24,
            16,
        );
        let t = self.etype;
        e.hex(
            r,
            "ipoib.type",
            "Type",
            u64::from(t),
            4,
            40,
            2,
            Some(named_hex4(ethertype_name(t), t)),
        );
        e.hex(
            r,
            "ipoib.reserved",
            "Reserved",
            u64::from(self.reserved),
            4,
            42,
            2,
            None,
        );
        r
    }
}

// ---------------------------------------------------------------------------
// Solaris ipnet

const IPNET_LAYER: &str = "ipnet";
pub const IPNET_LEN: usize = 24;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipnet {
    pub version: u8,
    pub family: u8,
    pub htype: u16,
    pub pktlen: u32,
    pub ifindex: u32,
    pub grifindex: u32,
    pub zsrc: u32,
    pub zdst: u32,
}

pub fn parse_ipnet(data: &[u8]) -> Link {
    let v = padded(data, 0, IPNET_LEN);
    let n = Ipnet {
        version: v.first().copied().unwrap_or(0),
        family: v.get(1).copied().unwrap_or(0),
        htype: be16(&v, 2).unwrap_or(0),
        pktlen: be32(&v, 4).unwrap_or(0),
        ifindex: be32(&v, 8).unwrap_or(0),
        grifindex: be32(&v, 12).unwrap_or(0),
        zsrc: be32(&v, 16).unwrap_or(0),
        zdst: be32(&v, 20).unwrap_or(0),
    };
    if data.len() < IPNET_LEN {
        return link(
            LinkKind::Ipnet(n),
            Next::Nothing,
            data.len(),
            Some(trunc(IPNET_LAYER, data, 0, IPNET_LEN)),
        );
    }
    let next = match n.family {
        2 => Next::Ipv4,
        26 => Next::Ipv6,
        _ => Next::Nothing,
    };
    link(LinkKind::Ipnet(n), next, IPNET_LEN, None)
}

impl Ipnet {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("ipnet", "Solaris IPNET", 0, IPNET_LEN);
        e.uint(r, "ipnet.version", "Header version", u64::from(self.version), 0, 1);
        let fam = match self.family {
            2 => "Solaris AF_INET",
            26 => "Solaris AF_INET6",
            _ => "Unknown",
        };
        e.with_text(
            r,
            "ipnet.family",
            "Address family",
            Value::UInt(u64::from(self.family)),
            1,
            1,
            format!("{fam} ({})", self.family),
        );
        let ht = match self.htype {
            0 => "Inbound",
            1 => "Outbound",
            2 => "Local",
            _ => "Unknown",
        };
        e.with_text(
            r,
            "ipnet.htype",
            "Hook type",
            Value::UInt(u64::from(self.htype)),
            2,
            2,
            format!("{ht} ({})", self.htype),
        );
        e.uint(r, "ipnet.pktlen", "Data length", u64::from(self.pktlen), 4, 4);
        e.uint(r, "ipnet.ifindex", "Interface index", u64::from(self.ifindex), 8, 4);
        e.uint(
            r,
            "ipnet.grifindex",
            "Group interface index",
            u64::from(self.grifindex),
            12,
            4,
        );
        e.uint(r, "ipnet.zsrc", "Source Zone ID", u64::from(self.zsrc), 16, 4);
        e.uint(r, "ipnet.zdst", "Destination Zone ID", u64::from(self.zdst), 20, 4);
        r
    }
}

// ---------------------------------------------------------------------------
// FDDI

const FDDI_LAYER: &str = "FDDI";
pub const FDDI_LEN: usize = 13;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fddi {
    pub fc: u8,
    /// Addresses as Wireshark shows them (bit-swapped from the capture).
    pub dst: [u8; 6],
    pub src: [u8; 6],
}

fn bitswap(m: [u8; 6]) -> [u8; 6] {
    m.map(u8::reverse_bits)
}

pub fn parse_fddi(data: &[u8]) -> Link {
    let v = padded(data, 0, FDDI_LEN);
    let mac = |o: usize| crate::util::mac_at(&v, o).unwrap_or([0; 6]);
    let f = Fddi {
        fc: v.first().copied().unwrap_or(0),
        dst: bitswap(mac(1)),
        src: bitswap(mac(7)),
    };
    if data.len() < FDDI_LEN {
        return link(
            LinkKind::Fddi(f, None),
            Next::Nothing,
            data.len(),
            Some(trunc(FDDI_LAYER, data, 0, FDDI_LEN)),
        );
    }
    // Async LLC frames (class/format 0x5x) carry LLC.
    if f.fc & 0xf0 != 0x50 {
        return link(LinkKind::Fddi(f, None), Next::Nothing, FDDI_LEN, None);
    }
    match parse_llc(data, FDDI_LEN) {
        Ok(l) => link(LinkKind::Fddi(f, Some(l)), l.next(), FDDI_LEN + l.len, None),
        Err(e) => {
            let l: Option<Llc> = parse_llc(&padded(data, FDDI_LEN, 9), FDDI_LEN).ok();
            link(LinkKind::Fddi(f, l), Next::Nothing, data.len(), Some(e))
        }
    }
}

impl Fddi {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let fc = self.fc;
        let prio = fc & 7;
        let kind = match fc & 0xf0 {
            0x50 => format!("Async LLC frame, priority {prio}"),
            0xd0 => format!("Sync LLC frame, priority {prio}"),
            0x40 | 0xc0 => "SMT frame".to_string(),
            0x80 => "Void frame".to_string(),
            _ => format!("Unknown frame type 0x{fc:02x}"),
        };
        let r = e.root("fddi", format!("Fiber Distributed Data Interface, {kind}"), 0, FDDI_LEN);
        let f = e.hex(
            r,
            "fddi.fc",
            "Frame Control",
            u64::from(fc),
            2,
            0,
            1,
            Some(format!("0x{fc:02x} ({kind})")),
        );
        let clf = fc >> 4;
        let clft = if clf == 5 {
            "Async LLC".to_string()
        } else {
            format!("0x{clf:x}")
        };
        e.bits(
            f,
            "fddi.fc.clf",
            "Class/Length/Format",
            Value::UInt(u64::from(clf)),
            8,
            0xf0,
            0,
            1,
            Some(format!("{clft} (0x{clf:x})")),
        );
        e.bits(
            f,
            "fddi.fc.prio",
            "Priority",
            Value::UInt(u64::from(prio)),
            8,
            0x07,
            0,
            1,
            None,
        );
        let d = e.add(r, "fddi.dst", "Destination", Value::Mac(self.dst), 1, 6);
        let _ = d;
        e.add(r, "fddi.src", "Source", Value::Mac(self.src), 7, 6);
        let h = e.add(
            r,
            "fddi.addr",
            "Source or Destination Address",
            Value::Mac(self.dst),
            1,
            6,
        );
        e.hidden(h);
        let h = e.add(
            r,
            "fddi.addr",
            "Source or Destination Address",
            Value::Mac(self.src),
            7,
            6,
        );
        e.hidden(h);
        r
    }
}

// ---------------------------------------------------------------------------
// ARCNET (Linux)

const ARCNET_LAYER: &str = "ARCNET";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arcnet {
    pub src: u8,
    pub dst: u8,
    /// The offset field (2 bytes, Linux headers only).
    pub offset: Option<u16>,
    pub proto: u8,
    /// RFC 1201 split flag and sequence.
    pub split: Option<(u8, u16)>,
    pub hdr_len: usize,
}

fn arcnet_rfc1201(p: u8) -> bool {
    matches!(p, 0xd4 | 0xd5 | 0xd6 | 0xc4 | 0xcd | 0xe8)
}

/// ARCNET: `linux` headers have a 2-byte offset field after the addresses.
pub fn parse_arcnet(data: &[u8], linux: bool) -> Link {
    let v = padded(data, 0, 16);
    let mut p = if linux { 4 } else { 2 };
    let mut a = Arcnet {
        src: v.first().copied().unwrap_or(0),
        dst: v.get(1).copied().unwrap_or(0),
        offset: if linux { be16(&v, 2) } else { None },
        proto: v.get(p).copied().unwrap_or(0),
        split: None,
        hdr_len: p + 1,
    };
    p += 1;
    if arcnet_rfc1201(a.proto) {
        let split = v.get(p).copied().unwrap_or(0);
        if split == 0xff {
            // An exception packet: 4 more bytes, then the real header again.
            p += 4;
            a.proto = v.get(p).copied().unwrap_or(0);
            p += 1;
        }
        a.split = Some((v.get(p).copied().unwrap_or(0), be16(&v, p + 1).unwrap_or(0)));
        p += 3;
    }
    a.hdr_len = p;
    if data.len() < p {
        return link(
            LinkKind::Arcnet(a),
            Next::Nothing,
            data.len(),
            Some(trunc(ARCNET_LAYER, data, 0, p)),
        );
    }
    let next = match a.proto {
        0xd4 | 0xf0 => Next::Ipv4,
        0xd5 | 0xf1 => Next::Arp,
        0xc4 => Next::Ipv6,
        _ => Next::Nothing,
    };
    link(LinkKind::Arcnet(a), next, p, None)
}

impl Arcnet {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("arcnet", "ARCNET", 0, self.hdr_len);
        e.hex(r, "arcnet.src", "Source", u64::from(self.src), 2, 0, 1, None);
        e.hex(r, "arcnet.dst", "Dest", u64::from(self.dst), 2, 1, 1, None);
        let mut p = 2;
        if let Some(o) = self.offset {
            let id = e.add(r, "arcnet.offset", "Offset", Value::Bytes, 2, 2);
            if id != SKIPPED {
                e.t.set_text(id, format!("{o:04x}"));
            }
            p = 4;
        }
        let pr = self.proto;
        let pn = match pr {
            0xd4 => "RFC 1201 IP",
            0xd5 => "RFC 1201 ARP",
            0xd6 => "RFC 1201 RARP",
            0xc4 => "RFC 1201 IPv6",
            0xf0 => "RFC 1051 IP",
            0xf1 => "RFC 1051 ARP",
            _ => "Unknown",
        };
        let at = if self.split.is_some() && self.hdr_len > p + 4 {
            self.hdr_len - 4
        } else {
            p
        };
        e.hex(
            r,
            "arcnet.protID",
            "Protocol ID",
            u64::from(pr),
            2,
            at,
            1,
            Some(format!("{pn} (0x{pr:02x})")),
        );
        if let Some((s, q)) = self.split {
            e.uint(r, "arcnet.split_flag", "Split Flag", u64::from(s), at + 1, 1);
            e.uint(r, "arcnet.sequence", "Sequence", u64::from(q), at + 2, 2);
        }
        r
    }
}

// ---------------------------------------------------------------------------
// Apple PKTAP

const PKTAP_LAYER: &str = "PKTAP";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pktap {
    pub hdrlen: u32,
    pub rectype: u32,
    pub dlt: u32,
    pub ifname: String,
    pub flags: u32,
    pub pfamily: u32,
    pub llhdrlen: u32,
    pub lltrlrlen: u32,
    pub pid: u32,
    pub cmdname: String,
    pub svc_class: u32,
    pub iftype: u16,
    pub ifunit: u16,
    pub epid: u32,
    pub ecmdname: String,
    /// Read from LINKTYPE_USER2 (Darwin's DLT_PKTAP, 149), as Wireshark's
    /// user DLT table maps it.
    pub user_dlt: bool,
}

fn le32(d: &[u8], o: usize) -> u32 {
    be32(d, o).map(u32::swap_bytes).unwrap_or(0)
}
fn le16(d: &[u8], o: usize) -> u16 {
    be16(d, o).map(u16::swap_bytes).unwrap_or(0)
}
fn cstr(d: &[u8], o: usize, n: usize) -> String {
    let b = d.get(o..o.saturating_add(n)).unwrap_or(&[]);
    String::from_utf8_lossy(b.split(|&c| c == 0).next().unwrap_or(&[])).into_owned()
}

/// PKTAP: a little-endian header whose length comes first, then a packet
/// of the link type it names (only Ethernet is followed).
pub fn parse_pktap(data: &[u8]) -> Link {
    let v = padded(data, 0, 108);
    let p = Pktap {
        hdrlen: le32(&v, 0),
        rectype: le32(&v, 4),
        dlt: le32(&v, 8),
        ifname: cstr(&v, 12, 24),
        flags: le32(&v, 36),
        pfamily: le32(&v, 40),
        llhdrlen: le32(&v, 44),
        lltrlrlen: le32(&v, 48),
        pid: le32(&v, 52),
        cmdname: cstr(&v, 56, 20),
        svc_class: le32(&v, 76),
        iftype: le16(&v, 80),
        ifunit: le16(&v, 82),
        epid: le32(&v, 84),
        ecmdname: cstr(&v, 88, 20),
        user_dlt: false,
    };
    let hl = usize::try_from(p.hdrlen).unwrap_or(usize::MAX);
    if data.len() < 12 || data.len() < hl {
        let need = hl.max(12);
        return link(
            LinkKind::Pktap(p),
            Next::Nothing,
            data.len(),
            Some(trunc(PKTAP_LAYER, data, 0, need)),
        );
    }
    if hl < 108 {
        return link(
            LinkKind::Pktap(p),
            Next::Nothing,
            data.len(),
            Some(DissectError::malformed(PKTAP_LAYER, "header length is too short", 0)),
        );
    }
    let next = if p.rectype == 1 && p.dlt == 1 {
        NEXT_ETHERNET
    } else {
        Next::Nothing
    };
    link(LinkKind::Pktap(p), next, hl, None)
}

/// LINKTYPE_USER2 holding a PKTAP header (Darwin writes DLT_PKTAP as 149):
/// PKTAP when the header length is plausible, else unknown.
pub fn parse_user2(data: &[u8]) -> Option<Link> {
    let hl = usize::try_from(le32(data, 0)).ok()?;
    if !(108..=data.len()).contains(&hl) || le32(data, 4) != 1 {
        return None;
    }
    let mut l = parse_pktap(data);
    if let LinkKind::Pktap(p) = &mut l.kind {
        p.user_dlt = true;
    }
    Some(l)
}

impl Pktap {
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        if self.user_dlt {
            e.root("user_dlt", "DLT: 149, Payload: pktap (PKTAP packet header)", 0, 0);
        }
        let hl = usize::try_from(self.hdrlen).unwrap_or(0);
        let r = e.root("pktap", "PKTAP packet header", 0, hl);
        e.uint(r, "pktap.hdrlen", "Header length", u64::from(self.hdrlen), 0, 4);
        e.uint(r, "pktap.rectype", "Record type", u64::from(self.rectype), 4, 4);
        e.uint(r, "pktap.dlt", "DLT", u64::from(self.dlt), 8, 4);
        if hl < 108 {
            return r;
        }
        e.add(
            r,
            "pktap.ifname",
            "Interface name",
            Value::Str(self.ifname.as_str().into()),
            12,
            24,
        );
        e.hex(r, "pktap.flags", "Flags", u64::from(self.flags), 8, 36, 4, None);
        e.uint(r, "pktap.pfamily", "Protocol family", u64::from(self.pfamily), 40, 4);
        e.uint(
            r,
            "pktap.llhdrlen",
            "Link-layer header length",
            u64::from(self.llhdrlen),
            44,
            4,
        );
        e.uint(
            r,
            "pktap.lltrlrlen",
            "Link-layer trailer length",
            u64::from(self.lltrlrlen),
            48,
            4,
        );
        e.uint(r, "pktap.pid", "Process ID", u64::from(self.pid), 52, 4);
        e.add(
            r,
            "pktap.cmdname",
            "Command name",
            Value::Str(self.cmdname.as_str().into()),
            56,
            20,
        );
        e.uint(r, "pktap.svc_class", "Service class", u64::from(self.svc_class), 76, 4);
        e.uint(r, "pktap.iftype", "Interface type", u64::from(self.iftype), 80, 2);
        e.uint(r, "pktap.ifunit", "Interface unit", u64::from(self.ifunit), 82, 2);
        e.uint(r, "pktap.epid", "Effective process ID", u64::from(self.epid), 84, 4);
        e.add(
            r,
            "pktap.ecmdname",
            "Effective command name",
            Value::Str(self.ecmdname.as_str().into()),
            88,
            20,
        );
        r
    }
}
