//! GRE (RFC 2784 with RFC 2890's key and sequence number, RFC 1701's
//! routing, and PPTP's enhanced GRE, version 1), ERSPAN types I, II and III,
//! and Cisco MetaData.

use crate::error::{DissectError, Severity};
use crate::link::{ethertype_name, ethertype_next, Emit, Next};
use crate::tree::{NodeId, Value};
use crate::util::{be16, be32, checksum, fold, sum_words, ChecksumStatus};

const LAYER: &str = "GRE";
const ERSPAN_LAYER: &str = "ERSPAN";
const CMD_LAYER: &str = "Cisco MetaData";

pub const ETHERTYPE_ERSPAN: u16 = 0x88be;
pub const ETHERTYPE_ERSPAN3: u16 = 0x22eb;
pub const ETHERTYPE_TEB: u16 = 0x6558;
pub const ETHERTYPE_PPP: u16 = 0x880b;
pub const ETHERTYPE_CMD: u16 = 0x8909;
pub const ETHERTYPE_WCCP: u16 = 0x883e;

/// One RFC 1701 source route entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sre {
    pub af: u16,
    pub sre_off: u8,
    pub len: u8,
    pub off: usize,
}

/// A GRE header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gre {
    pub off: usize,
    pub flags_ver: u16,
    pub proto: u16,
    /// Checksum and offset (present with the C or R bit).
    pub checksum: Option<(u16, u16)>,
    pub checksum_status: ChecksumStatus,
    pub key: Option<u32>,
    pub seq: Option<u32>,
    /// Enhanced GRE's acknowledgment number.
    pub ack: Option<u32>,
    pub routing: Vec<Sre>,
    /// A WCCP redirect header (protocol 0x883e, when the payload does not
    /// start with an IPv4 header).
    pub wccp: Option<u32>,
    pub hdr_len: usize,
}

impl Gre {
    pub fn version(&self) -> u16 {
        self.flags_ver & 7
    }
    fn bit(&self, m: u16) -> bool {
        self.flags_ver & m != 0
    }
    pub fn has_checksum(&self) -> bool {
        self.bit(0x8000)
    }
    pub fn has_routing(&self) -> bool {
        self.bit(0x4000)
    }
    pub fn has_key(&self) -> bool {
        self.bit(0x2000)
    }
    pub fn has_seq(&self) -> bool {
        self.bit(0x1000)
    }
    pub fn has_ack(&self) -> bool {
        self.version() == 1 && self.bit(0x0080)
    }

    /// The next layer. ERSPAN is type II when a sequence number is present,
    /// type I (a bare Ethernet frame) otherwise, as Wireshark decides.
    pub fn next(&self) -> Next {
        match self.proto {
            ETHERTYPE_TEB => Next::Ethertype(ETHERTYPE_TEB),
            ETHERTYPE_WCCP => Next::Ipv4,
            p => ethertype_next(p),
        }
    }

    /// Parses a GRE header at `off`; `end` is the captured end of the
    /// payload it is in (used to verify the checksum over the payload).
    pub fn parse(data: &[u8], off: usize) -> Result<Gre, DissectError> {
        let trunc = |need: usize| DissectError::truncated(LAYER, off, need, data.len().saturating_sub(off));
        let (Some(flags_ver), Some(proto)) = (be16(data, off), be16(data, off.saturating_add(2))) else {
            return Err(trunc(4));
        };
        let mut g = Gre {
            off,
            flags_ver,
            proto,
            checksum: None,
            checksum_status: ChecksumStatus::Unverified,
            key: None,
            seq: None,
            ack: None,
            routing: Vec::new(),
            wccp: None,
            hdr_len: 4,
        };
        let mut p = off.saturating_add(4);
        let mut need = 4usize;
        if g.has_checksum() || (g.version() == 0 && g.has_routing()) {
            need += 4;
            let (Some(c), Some(o)) = (be16(data, p), be16(data, p.saturating_add(2))) else {
                return Err(trunc(need));
            };
            g.checksum = Some((c, o));
            p = p.saturating_add(4);
        }
        if g.has_key() {
            need += 4;
            g.key = Some(be32(data, p).ok_or_else(|| trunc(need))?);
            p = p.saturating_add(4);
        }
        if g.has_seq() {
            need += 4;
            g.seq = Some(be32(data, p).ok_or_else(|| trunc(need))?);
            p = p.saturating_add(4);
        }
        if g.has_ack() {
            need += 4;
            g.ack = Some(be32(data, p).ok_or_else(|| trunc(need))?);
            p = p.saturating_add(4);
        }
        if g.version() == 0 && g.has_routing() {
            loop {
                need += 4;
                let (Some(af), Some(so), Some(len)) = (
                    be16(data, p),
                    data.get(p.saturating_add(2)),
                    data.get(p.saturating_add(3)),
                ) else {
                    return Err(trunc(need));
                };
                let sre = Sre {
                    af,
                    sre_off: *so,
                    len: *len,
                    off: p,
                };
                p = p.saturating_add(4).saturating_add(usize::from(*len));
                need += usize::from(*len);
                if af == 0 && *len == 0 {
                    g.routing.push(sre);
                    break;
                }
                if p > data.len() {
                    return Err(trunc(need));
                }
                g.routing.push(sre);
                if g.routing.len() > 64 {
                    return Err(DissectError::malformed(LAYER, "too many source route entries", p));
                }
            }
        }
        if proto == ETHERTYPE_WCCP && data.get(p).is_some_and(|b| b >> 4 != 4) {
            need += 4;
            g.wccp = Some(be32(data, p).ok_or_else(|| trunc(need))?);
            p = p.saturating_add(4);
        }
        g.hdr_len = p.saturating_sub(off);
        Ok(g)
    }

    /// Verifies the checksum over the header and the payload up to `end`
    /// when all of it was captured (`complete`).
    pub fn verify(&mut self, data: &[u8], end: usize, complete: bool) {
        if self.checksum.is_none() || !complete {
            return;
        }
        let Some(all) = data.get(self.off..end) else { return };
        self.checksum_status = if checksum(all) == 0 {
            ChecksumStatus::Good
        } else {
            // The sum with the field zeroed.
            let field = self.checksum.map(|c| c.0).unwrap_or(0);
            let s = fold(sum_words(0, all).wrapping_add(0xffff_u64.wrapping_sub(u64::from(field))));
            ChecksumStatus::Bad(!s)
        };
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let pname = proto_name(self.proto);
        let r = e.root(
            "gre",
            format!("Generic Routing Encapsulation ({})", pname.unwrap_or("Unknown")),
            o,
            self.hdr_len,
        );
        let fv = u64::from(self.flags_ver);
        let f = e.hex(r, "gre.flags_and_version", "Flags and Version", fv, 4, o, 2, None);
        let yes_no = |b: bool| Some(if b { "Yes" } else { "No" }.to_string());
        let flag = |e: &mut Emit<'_>, name: &'static str, label: &'static str, m: u64| {
            e.bits(
                f,
                name,
                label,
                Value::Bool(fv & m != 0),
                16,
                m,
                o,
                2,
                yes_no(fv & m != 0),
            );
        };
        flag(e, "gre.flags.checksum", "Checksum Bit", 0x8000);
        flag(e, "gre.flags.routing", "Routing Bit", 0x4000);
        flag(e, "gre.flags.key", "Key Bit", 0x2000);
        flag(e, "gre.flags.sequence_number", "Sequence Number Bit", 0x1000);
        flag(e, "gre.flags.strict_source_route", "Strict Source Route Bit", 0x0800);
        e.bits(
            f,
            "gre.flags.recursion_control",
            "Recursion control",
            Value::UInt((fv >> 8) & 7),
            16,
            0x0700,
            o,
            2,
            None,
        );
        let ver_text = match self.version() {
            0 => "GRE (0)".to_string(),
            1 => "Enhanced GRE (1)".to_string(),
            v => format!("Unknown ({v})"),
        };
        if self.version() == 1 {
            flag(e, "gre.flags.ack", "Acknowledgment", 0x0080);
            e.bits(
                f,
                "gre.flags.reserved",
                "Flags (Reserved)",
                Value::UInt((fv >> 3) & 0x0f),
                16,
                0x0078,
                o,
                2,
                None,
            );
        } else {
            e.bits(
                f,
                "gre.flags.reserved",
                "Flags (Reserved)",
                Value::UInt((fv >> 3) & 0x1f),
                16,
                0x00f8,
                o,
                2,
                None,
            );
        }
        e.bits(
            f,
            "gre.flags.version",
            "Version",
            Value::UInt(fv & 7),
            16,
            0x0007,
            o,
            2,
            Some(ver_text),
        );
        let p = self.proto;
        e.hex(
            r,
            "gre.proto",
            "Protocol Type",
            u64::from(p),
            4,
            o + 2,
            2,
            Some(format!("{} (0x{p:04x})", pname.unwrap_or("Unknown"))),
        );
        let mut at = o.saturating_add(4);
        if let Some((c, off)) = self.checksum {
            if self.has_checksum() {
                let text = match self.checksum_status {
                    ChecksumStatus::Good => format!("0x{c:04x} [correct]"),
                    ChecksumStatus::Bad(want) => format!("0x{c:04x} incorrect, should be 0x{want:04x}"),
                    ChecksumStatus::Unverified => format!("0x{c:04x} [unverified]"),
                };
                let id = e.hex(r, "gre.checksum", "Checksum", u64::from(c), 4, at, 2, Some(text));
                if let ChecksumStatus::Bad(want) = self.checksum_status {
                    e.expert(
                        id,
                        Severity::Warning,
                        "gre.checksum.incorrect",
                        format!("Incorrect GRE Checksum [should be 0x{want:04x}]"),
                        at,
                    );
                }
                let st = e.with_text(
                    r,
                    "gre.checksum.status",
                    "Checksum Status",
                    Value::UInt(self.checksum_status.code()),
                    at,
                    0,
                    self.checksum_status.label(),
                );
                e.t.set_generated(st);
            }
            e.uint(r, "gre.offset", "Offset", u64::from(off), at + 2, 2);
            at = at.saturating_add(4);
        }
        if let Some(k) = self.key {
            if self.version() == 1 {
                e.uint(r, "gre.key.payload_length", "Payload Length", u64::from(k >> 16), at, 2);
                e.uint(r, "gre.key.call_id", "Call ID", u64::from(k & 0xffff), at + 2, 2);
            } else {
                e.hex(r, "gre.key", "Key", u64::from(k), 8, at, 4, None);
            }
            at = at.saturating_add(4);
        }
        if let Some(s) = self.seq {
            e.uint(r, "gre.sequence_number", "Sequence Number", u64::from(s), at, 4);
            at = at.saturating_add(4);
        }
        if let Some(a) = self.ack {
            e.uint(r, "gre.ack_number", "Acknowledgment Number", u64::from(a), at, 4);
            at = at.saturating_add(4);
        }
        if let Some(w) = self.wccp {
            let rh = e.add(r, "gre.wccp.redirect_header", "Redirect Header", Value::None, at, 4);
            if rh != crate::tree::SKIPPED {
                e.t.set_text(rh, "Redirect Header");
            }
            let b0 = u64::from(w >> 24);
            let tf = |b: bool| Some(if b { "True" } else { "False" }.to_string());
            e.bits(
                rh,
                "gre.wccp.dynamic_service",
                "Dynamic Service",
                Value::Bool(b0 & 1 != 0),
                8,
                0x01,
                at,
                1,
                tf(b0 & 1 != 0),
            );
            e.bits(
                rh,
                "gre.wccp.alternative_bucket_used",
                "Alternative bucket used",
                Value::Bool(b0 & 2 != 0),
                8,
                0x02,
                at,
                1,
                tf(b0 & 2 != 0),
            );
            e.bits(
                rh,
                "gre.wccp.redirect_header_valid",
                "WCCP Redirect header is valid",
                Value::Bool(b0 & 4 != 0),
                8,
                0x04,
                at,
                1,
                tf(b0 & 4 != 0),
            );
            e.uint(
                rh,
                "gre.wccp.service_id",
                "Service ID",
                u64::from((w >> 16) & 0xff),
                at + 1,
                1,
            );
            e.uint(
                rh,
                "gre.wccp.alternative_bucket",
                "Alternative Bucket",
                u64::from((w >> 8) & 0xff),
                at + 2,
                1,
            );
            e.uint(
                rh,
                "gre.wccp.primary_bucket",
                "Primary Bucket",
                u64::from(w & 0xff),
                at + 3,
                1,
            );
        }
        if !self.routing.is_empty() {
            let start = self.routing.first().map(|s| s.off).unwrap_or(at);
            let end = self.off.saturating_add(self.hdr_len);
            let rt = e.add(
                r,
                "gre.routing",
                "Routing",
                Value::None,
                start,
                end.saturating_sub(start),
            );
            if rt != crate::tree::SKIPPED {
                e.t.set_text(rt, "Routing");
            }
            for s in &self.routing {
                e.uint(
                    rt,
                    "gre.routing.address_family",
                    "Address Family",
                    u64::from(s.af),
                    s.off,
                    2,
                );
                e.uint(
                    rt,
                    "gre.routing.sre_offset",
                    "SRE Offset",
                    u64::from(s.sre_off),
                    s.off + 2,
                    1,
                );
                e.uint(
                    rt,
                    "gre.routing.src_length",
                    "SRE Length",
                    u64::from(s.len),
                    s.off + 3,
                    1,
                );
                if s.len > 0 {
                    e.bytes(
                        rt,
                        "gre.routing.information",
                        "Routing Information",
                        data,
                        s.off + 4,
                        usize::from(s.len),
                    );
                }
            }
        }
        r
    }
}

/// Wireshark's names of GRE protocol types.
pub fn proto_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0800 => "IP",
        0x86dd => "IPv6",
        0x0806 => "ARP",
        ETHERTYPE_TEB => "Transparent Ethernet bridging",
        ETHERTYPE_ERSPAN => "ERSPAN",
        ETHERTYPE_ERSPAN3 => "ERSPAN III",
        ETHERTYPE_PPP => "PPP",
        ETHERTYPE_CMD => "CiscoMetaData",
        ETHERTYPE_WCCP => "Web Cache Coordination Protocol",
        0x8847 => "MPLS label switched packet",
        0x8848 => "MPLS multicast label switched packet",
        0x2000 => "CDP",
        0x8100 => "802.1Q Virtual LAN",
        0x88a8 => "802.1ad Provider Bridge (Q-in-Q)",
        0x6559 => "Frame Relay",
        0x88bb => "Cisco WCCP",
        0x0001 => "HDLC",
        0x8137 => "Netware IPX/SPX",
        _ => return ethertype_name(p),
    })
}

/// An ERSPAN header (type I has none: `version` 0 and no fields).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Erspan {
    pub off: usize,
    /// 0 = type I, 1 = type II, 2 = type III.
    pub version: u8,
    pub w0: u16,
    pub w1: u16,
    /// Type II: reserved + index; type III: the timestamp.
    pub w2: u32,
    /// Type III: security group tag and the flags word.
    pub sgt: u16,
    pub w3: u16,
    /// Type III platform-specific subheader (8 bytes) present.
    pub sub: Option<u64>,
    pub hdr_len: usize,
}

impl Erspan {
    pub fn type1(off: usize) -> Erspan {
        Erspan {
            off,
            ..Erspan::default()
        }
    }

    /// Parses a type II (`three` false) or III header at `off`.
    pub fn parse(data: &[u8], off: usize, three: bool) -> Result<Erspan, DissectError> {
        let need = if three { 12 } else { 8 };
        let trunc = |n: usize| DissectError::truncated(ERSPAN_LAYER, off, n, data.len().saturating_sub(off));
        let (Some(w0), Some(w1), Some(w2)) = (
            be16(data, off),
            be16(data, off.saturating_add(2)),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(trunc(need));
        };
        let mut s = Erspan {
            off,
            version: u8::try_from(w0 >> 12).unwrap_or(0),
            w0,
            w1,
            w2,
            sgt: 0,
            w3: 0,
            sub: None,
            hdr_len: need,
        };
        if three {
            let (Some(sgt), Some(w3)) = (be16(data, off.saturating_add(8)), be16(data, off.saturating_add(10))) else {
                return Err(trunc(need));
            };
            s.sgt = sgt;
            s.w3 = w3;
            if w3 & 1 == 1 {
                let hi = be32(data, off.saturating_add(12)).ok_or_else(|| trunc(20))?;
                let lo = be32(data, off.saturating_add(16)).ok_or_else(|| trunc(20))?;
                s.sub = Some((u64::from(hi) << 32) | u64::from(lo));
                s.hdr_len = 20;
            }
        }
        Ok(s)
    }

    /// Type III frames carry Ethernet only when the frame type is 0.
    pub fn next(&self) -> Next {
        if self.version == 2 && (self.w3 >> 10) & 0x1f != 0 {
            Next::Nothing
        } else {
            Next::Ethertype(ETHERTYPE_TEB)
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let title = match self.version {
            0 => "Encapsulated Remote Switch Packet ANalysis Type I",
            1 => "Encapsulated Remote Switch Packet ANalysis Type II",
            2 => "Encapsulated Remote Switch Packet ANalysis Type III",
            _ => "Encapsulated Remote Switch Packet ANalysis",
        };
        let len = if self.version == 0 { 0 } else { self.hdr_len };
        let r = e.root("erspan", title, o, len);
        if self.version == 0 {
            return r;
        }
        let w0 = u64::from(self.w0);
        let w1 = u64::from(self.w1);
        let ver_text = match self.version {
            1 => "Type II (1)".to_string(),
            2 => "Type III (2)".to_string(),
            v => format!("Unknown ({v})"),
        };
        e.bits(
            r,
            "erspan.version",
            "Version",
            Value::UInt(w0 >> 12),
            16,
            0xf000,
            o,
            2,
            Some(ver_text),
        );
        e.bits(
            r,
            "erspan.vlan",
            "Vlan",
            Value::UInt(w0 & 0x0fff),
            16,
            0x0fff,
            o,
            2,
            None,
        );
        let o1 = o + 2;
        e.bits(r, "erspan.cos", "COS", Value::UInt(w1 >> 13), 16, 0xe000, o1, 2, None);
        let en = (w1 >> 11) & 3;
        if self.version == 1 {
            let t = match en {
                0 => "Originally without VLAN tag",
                1 => "ISL encapsulated",
                2 => "802.1Q encapsulated",
                _ => "VLAN tag preserved in frame",
            };
            e.bits(
                r,
                "erspan.encap",
                "Encap",
                Value::UInt(en),
                16,
                0x1800,
                o1,
                2,
                Some(format!("{t} ({en})")),
            );
        } else {
            let t = match en {
                0 => "Good or unknown integrity",
                1 => "Payload is a Short Frame",
                2 => "Some or all 802.1Q encapsulated",
                _ => "Bad Frame CRC or Alignment Error",
            };
            e.bits(
                r,
                "erspan.bso",
                "Bad/Short/Oversized",
                Value::UInt(en),
                16,
                0x1800,
                o1,
                2,
                Some(format!("{t} ({en})")),
            );
        }
        let tr = (w1 >> 10) & 1;
        let tt = if tr == 1 { "Truncated (1)" } else { "Not truncated (0)" };
        e.bits(
            r,
            "erspan.truncated",
            "Truncated",
            Value::UInt(tr),
            16,
            0x0400,
            o1,
            2,
            Some(tt.into()),
        );
        e.bits(
            r,
            "erspan.spanid",
            "SpanID",
            Value::UInt(w1 & 0x03ff),
            16,
            0x03ff,
            o1,
            2,
            None,
        );
        let w2 = u64::from(self.w2);
        let o2 = o + 4;
        if self.version == 1 {
            e.bits(
                r,
                "erspan.reserved",
                "Reserved",
                Value::UInt(w2 >> 20),
                32,
                0xfff0_0000,
                o2,
                4,
                None,
            );
            e.bits(
                r,
                "erspan.index",
                "Index",
                Value::UInt(w2 & 0xfffff),
                32,
                0x000f_ffff,
                o2,
                4,
                None,
            );
            return r;
        }
        e.uint(r, "erspan.timestamp", "Timestamp", w2, o2, 4);
        e.uint(r, "erspan.sgt", "Security Group Tag", u64::from(self.sgt), o + 8, 2);
        let w3 = u64::from(self.w3);
        let o3 = o + 10;
        e.bits(
            r,
            "erspan.p",
            "Has Ethernet PDU",
            Value::UInt(w3 >> 15),
            16,
            0x8000,
            o3,
            2,
            None,
        );
        let ft = (w3 >> 10) & 0x1f;
        let ftt = match ft {
            0 => "Ethernet (0)".to_string(),
            2 => "IP (2)".to_string(),
            v => format!("Unknown ({v})"),
        };
        e.bits(
            r,
            "erspan.ft",
            "Frame Type",
            Value::UInt(ft),
            16,
            0x7c00,
            o3,
            2,
            Some(ftt),
        );
        e.bits(
            r,
            "erspan.hw",
            "Hardware ID",
            Value::UInt((w3 >> 4) & 0x3f),
            16,
            0x03f0,
            o3,
            2,
            None,
        );
        let d = w3 & 8 != 0;
        e.bits(
            r,
            "erspan.direction",
            "Direction",
            Value::Bool(d),
            16,
            0x0008,
            o3,
            2,
            Some(if d { "Egress" } else { "Ingress" }.into()),
        );
        let gra = (w3 >> 1) & 3;
        let grat = match gra {
            0 => "100 microseconds granularity",
            1 => "100 nanoseconds granularity",
            2 => "IEEE 1588 granularity",
            _ => "Custom granularity",
        };
        e.bits(
            r,
            "erspan.gra",
            "Timestamp granularity",
            Value::UInt(gra),
            16,
            0x0006,
            o3,
            2,
            Some(format!("{grat} ({gra})")),
        );
        e.bits(
            r,
            "erspan.o",
            "Optional Sub headers",
            Value::UInt(w3 & 1),
            16,
            0x0001,
            o3,
            2,
            None,
        );
        if let Some(sub) = self.sub {
            let so = o + 12;
            let platid = (sub >> 58) & 0x3f;
            let id = e.bits(
                r,
                "erspan.platid",
                "Platform ID",
                Value::UInt(platid),
                32,
                0xfc00_0000,
                so,
                4,
                None,
            );
            let _ = id;
            e.uint(r, "erspan.pid.rsvd", "Reserved", sub & 0x03ff_ffff_ffff_ffff, so, 8);
        }
        r
    }
}

/// A Cisco MetaData header (ethertype 0x8909). After GRE the type comes
/// first; after Ethernet it comes last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CiscoMeta {
    pub off: usize,
    pub version: u8,
    pub length: u8,
    pub options: u16,
    pub sgt: u16,
    pub etype: u16,
    pub type_first: bool,
}

impl CiscoMeta {
    pub const LEN: usize = 8;

    pub fn parse(data: &[u8], off: usize, type_first: bool) -> Result<CiscoMeta, DissectError> {
        let t = || DissectError::truncated(CMD_LAYER, off, Self::LEN, data.len().saturating_sub(off));
        let (vo, to) = if type_first {
            (off.saturating_add(2), off)
        } else {
            (off, off.saturating_add(6))
        };
        let (Some(version), Some(length)) = (data.get(vo).copied(), data.get(vo.saturating_add(1)).copied()) else {
            return Err(t());
        };
        let (Some(options), Some(sgt), Some(etype)) = (
            be16(data, vo.saturating_add(2)),
            be16(data, vo.saturating_add(4)),
            be16(data, to),
        ) else {
            return Err(t());
        };
        Ok(CiscoMeta {
            off,
            version,
            length,
            options,
            sgt,
            etype,
            type_first,
        })
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("cmd", "Cisco MetaData", o, Self::LEN);
        let (vo, to) = if self.type_first { (o + 2, o) } else { (o, o + 6) };
        let et = self.etype;
        e.hex(
            r,
            "cmd.type",
            "Type",
            u64::from(et),
            4,
            to,
            2,
            Some(format!("{} (0x{et:04x})", ethertype_name(et).unwrap_or("Unknown"))),
        );
        e.uint(r, "cmd.version", "Version", u64::from(self.version), vo, 1);
        e.uint(r, "cmd.length", "Length", u64::from(self.length), vo + 1, 1);
        e.hex(r, "cmd.options", "Options", u64::from(self.options), 4, vo + 2, 2, None);
        e.uint(r, "cmd.sgt", "SGT", u64::from(self.sgt), vo + 4, 2);
        r
    }
}
