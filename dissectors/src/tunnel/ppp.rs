//! PPPoE (RFC 2516) session and discovery stages, PPP's header (RFC 1661,
//! with or without HDLC-like framing), and L2TPv2 (RFC 2661) headers.

use crate::error::DissectError;
use crate::link::{Emit, Next};
use crate::tree::{NodeId, Value, SKIPPED};
use crate::util::be16;

const PPPOE_LAYER: &str = "PPPoE";
const PPP_LAYER: &str = "PPP";
const L2TP_LAYER: &str = "L2TP";

pub const ETHERTYPE_PPPOED: u16 = 0x8863;
pub const ETHERTYPE_PPPOES: u16 = 0x8864;

/// One PPPoE discovery tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub kind: u16,
    pub len: u16,
    pub off: usize,
}

/// A PPPoE header; discovery packets carry tags, session packets PPP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pppoe {
    pub off: usize,
    pub ver_type: u8,
    pub code: u8,
    pub session: u16,
    pub length: u16,
    pub discovery: bool,
    pub tags: Vec<Tag>,
}

impl Pppoe {
    pub const LEN: usize = 6;

    pub fn is_session(&self) -> bool {
        !self.discovery
    }

    pub fn parse(data: &[u8], off: usize, discovery: bool) -> Result<Pppoe, DissectError> {
        let t = || DissectError::truncated(PPPOE_LAYER, off, Self::LEN, data.len().saturating_sub(off));
        let (Some(vt), Some(code), Some(session), Some(length)) = (
            data.get(off).copied(),
            data.get(off.saturating_add(1)).copied(),
            be16(data, off.saturating_add(2)),
            be16(data, off.saturating_add(4)),
        ) else {
            return Err(t());
        };
        let mut p = Pppoe {
            off,
            ver_type: vt,
            code,
            session,
            length,
            discovery,
            tags: Vec::new(),
        };
        if discovery {
            let end = off
                .saturating_add(Self::LEN)
                .saturating_add(usize::from(length))
                .min(data.len());
            let mut q = off.saturating_add(Self::LEN);
            while q.saturating_add(4) <= end && p.tags.len() < 256 {
                let (Some(kind), Some(len)) = (be16(data, q), be16(data, q.saturating_add(2))) else {
                    break;
                };
                p.tags.push(Tag { kind, len, off: q });
                q = q.saturating_add(4).saturating_add(usize::from(len));
                if kind == 0 {
                    break;
                }
            }
        }
        Ok(p)
    }

    /// Where the payload ends by the length field, clamped to `end`.
    pub fn payload_end(&self, end: usize) -> usize {
        self.off
            .saturating_add(Self::LEN)
            .saturating_add(usize::from(self.length))
            .min(end)
    }

    pub fn code_name(&self) -> &'static str {
        match self.code {
            0x00 => "Session Data",
            0x07 => "Active Discovery Offer (PADO)",
            0x09 => "Active Discovery Initiation (PADI)",
            0x19 => "Active Discovery Request (PADR)",
            0x65 => "Active Discovery Session-confirmation (PADS)",
            0xa7 => "Active Discovery Terminate (PADT)",
            _ => "Unknown",
        }
    }

    /// The Info column of a discovery packet.
    pub fn info(&self, data: &[u8]) -> String {
        let mut s = self.code_name().to_string();
        for t in &self.tags {
            if t.kind == 0x0102 {
                let b = data
                    .get(t.off.saturating_add(4)..t.off.saturating_add(4).saturating_add(usize::from(t.len)))
                    .unwrap_or(&[]);
                s.push_str(&format!(" AC-Name='{}'", String::from_utf8_lossy(b)));
            }
        }
        s
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let title = if self.discovery {
            "PPP-over-Ethernet Discovery"
        } else {
            "PPP-over-Ethernet Session"
        };
        let r = e.root(if self.discovery { "pppoed" } else { "pppoes" }, title, o, Self::LEN);
        let vt = u64::from(self.ver_type);
        e.bits(r, "pppoe.version", "Version", Value::UInt(vt >> 4), 8, 0xf0, o, 1, None);
        e.bits(r, "pppoe.type", "Type", Value::UInt(vt & 0x0f), 8, 0x0f, o, 1, None);
        let c = self.code;
        e.hex(
            r,
            "pppoe.code",
            "Code",
            u64::from(c),
            2,
            o + 1,
            1,
            Some(format!("{} (0x{c:02x})", self.code_name())),
        );
        e.hex(
            r,
            "pppoe.session_id",
            "Session ID",
            u64::from(self.session),
            4,
            o + 2,
            2,
            None,
        );
        e.uint(
            r,
            "pppoe.payload_length",
            "Payload Length",
            u64::from(self.length),
            o + 4,
            2,
        );
        if self.discovery {
            let start = o.saturating_add(Self::LEN);
            let tg = e.add(
                r,
                "pppoed.tags",
                "PPPoE Tags",
                Value::None,
                start,
                usize::from(self.length).min(data.len().saturating_sub(start)),
            );
            if tg != SKIPPED {
                e.t.set_text(tg, "PPPoE Tags");
            }
            for t in &self.tags {
                let vo = t.off.saturating_add(4);
                let len = usize::from(t.len);
                let b = data.get(vo..vo.saturating_add(len)).unwrap_or(&[]);
                let s = || String::from_utf8_lossy(b).into_owned();
                match t.kind {
                    0x0101 => {
                        e.add(
                            tg,
                            "pppoed.tags.service_name",
                            "Service-Name",
                            Value::Str(s().into()),
                            vo,
                            len,
                        );
                    }
                    0x0102 => {
                        e.add(tg, "pppoed.tags.ac_name", "AC-Name", Value::Str(s().into()), vo, len);
                    }
                    0x0103 => {
                        e.bytes(tg, "pppoed.tags.host_uniq", "Host-Uniq", data, vo, len);
                    }
                    0x0104 => {
                        e.bytes(tg, "pppoed.tags.ac_cookie", "AC-Cookie", data, vo, len);
                    }
                    0x0110 => {
                        e.bytes(tg, "pppoed.tags.relay_session_id", "Relay-Session-Id", data, vo, len);
                    }
                    _ => {
                        e.hex(tg, "pppoed.tag", "Tag", u64::from(t.kind), 4, t.off, 2, None);
                        e.uint(tg, "pppoed.tag_length", "Tag Length", u64::from(t.len), t.off + 2, 2);
                        if len > 0 {
                            e.bytes(tg, "pppoed.tag.unknown_data", "Unknown Data", data, vo, len);
                        }
                    }
                }
            }
        }
        r
    }
}

/// A PPP header: the HDLC-like address and control bytes when present,
/// then the protocol (one byte when compressed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ppp {
    pub off: usize,
    pub framed: bool,
    pub address: u8,
    pub control: u8,
    pub proto: u16,
    pub proto_len: usize,
}

impl Ppp {
    /// Parses a PPP header at `off`; the ff 03 framing is taken when present.
    pub fn parse(data: &[u8], off: usize) -> Result<Ppp, DissectError> {
        let t = |n: usize| DissectError::truncated(PPP_LAYER, off, n, data.len().saturating_sub(off));
        // An address byte of 0xff starts HDLC-like framing (no protocol
        // number has an odd high byte).
        let framed = data.get(off) == Some(&0xff);
        let control = if framed {
            *data.get(off.saturating_add(1)).ok_or_else(|| t(4))?
        } else {
            0
        };
        let (address, p) = if framed {
            (0xff, off.saturating_add(2))
        } else {
            (0, off)
        };
        let base = if framed { 2 } else { 0 };
        let first = *data.get(p).ok_or_else(|| t(base + 2))?;
        let (proto, proto_len) = if first & 1 == 1 {
            (u16::from(first), 1)
        } else {
            (be16(data, p).ok_or_else(|| t(base + 2))?, 2)
        };
        Ok(Ppp {
            off,
            framed,
            address,
            control,
            proto,
            proto_len,
        })
    }

    pub fn len(&self) -> usize {
        self.proto_len.saturating_add(if self.framed { 2 } else { 0 })
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn next(&self) -> Next {
        super::ppp_next(self.proto)
    }

    /// The control protocol carried (for `frame.protocols`).
    pub fn control_proto(&self) -> Option<&'static str> {
        Some(match self.proto {
            0xc021 => "lcp",
            0x8021 => "ipcp",
            0x8057 => "ipv6cp",
            0xc023 => "pap",
            0xc223 => "chap",
            0x80fd => "ccp",
            0x8281 => "mplscp",
            0x8207 => "cdpcp",
            _ => return None,
        })
    }

    pub fn column_name(&self) -> &'static str {
        match self.proto {
            0xc021 => "PPP LCP",
            0x8021 => "PPP IPCP",
            0x8057 => "PPP IPV6CP",
            0xc023 => "PPP PAP",
            0xc223 => "PPP CHAP",
            0x80fd => "PPP CCP",
            0x8281 => "PPP MPLSCP",
            0x8207 => "PPP CDPCP",
            _ => "PPP",
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("ppp", "Point-to-Point Protocol", o, self.len());
        let mut p = o;
        if self.framed {
            e.hex(r, "ppp.address", "Address", u64::from(self.address), 2, o, 1, None);
            e.hex(r, "ppp.control", "Control", u64::from(self.control), 2, o + 1, 1, None);
            p = o + 2;
        }
        let pr = self.proto;
        e.hex(
            r,
            "ppp.protocol",
            "Protocol",
            u64::from(pr),
            4,
            p,
            self.proto_len,
            Some(format!("{} (0x{pr:04x})", proto_name(pr).unwrap_or("Unknown"))),
        );
        r
    }
}

/// Wireshark's names of PPP protocols.
pub fn proto_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0021 => "Internet Protocol version 4",
        0x0057 => "Internet Protocol version 6",
        0x0281 => "MPLS Unicast",
        0x0283 => "MPLS Multicast",
        0x002b => "Novell IPX",
        0x003d => "PPP Multilink",
        0x00fd => "Compressed datagram",
        0x0207 => "Cisco Discovery Protocol",
        0x8021 => "Internet Protocol Control Protocol",
        0x8057 => "IPv6 Control Protocol",
        0x80fd => "Compression Control Protocol",
        0x8207 => "Cisco Discovery Protocol Control Protocol",
        0x8281 => "MPLS Control Protocol",
        0xc021 => "Link Control Protocol",
        0xc023 => "Password Authentication Protocol",
        0xc025 => "Link Quality Report",
        0xc223 => "Challenge Handshake Authentication Protocol",
        _ => return None,
    })
}

/// An L2TPv2 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2tp {
    pub off: usize,
    pub flags: u16,
    pub length: Option<u16>,
    pub tunnel: u16,
    pub session: u16,
    pub ns_nr: Option<(u16, u16)>,
    pub offset: Option<u16>,
    pub hdr_len: usize,
}

impl L2tp {
    pub fn version(&self) -> u16 {
        self.flags & 0x0f
    }
    pub fn is_control(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    pub fn parse(data: &[u8], off: usize) -> Result<L2tp, DissectError> {
        let t = |n: usize| DissectError::truncated(L2TP_LAYER, off, n, data.len().saturating_sub(off));
        let flags = be16(data, off).ok_or_else(|| t(2))?;
        let mut p = off.saturating_add(2);
        let mut need = 2usize;
        let rd = |n: &mut usize, p: &mut usize| -> Result<u16, DissectError> {
            *n += 2;
            let v = be16(data, *p).ok_or_else(|| t(*n))?;
            *p = p.saturating_add(2);
            Ok(v)
        };
        if flags & 0x0f != 2 {
            // Only version 2 is dissected (version 3 over UDP has another header).
            return Ok(L2tp {
                off,
                flags,
                length: None,
                tunnel: 0,
                session: 0,
                ns_nr: None,
                offset: None,
                hdr_len: 2,
            });
        }
        let length = if flags & 0x4000 != 0 {
            Some(rd(&mut need, &mut p)?)
        } else {
            None
        };
        let tunnel = rd(&mut need, &mut p)?;
        let session = rd(&mut need, &mut p)?;
        let ns_nr = if flags & 0x0800 != 0 {
            let ns = rd(&mut need, &mut p)?;
            let nr = rd(&mut need, &mut p)?;
            Some((ns, nr))
        } else {
            None
        };
        let offset = if flags & 0x0200 != 0 {
            Some(rd(&mut need, &mut p)?)
        } else {
            None
        };
        let hdr_len = p.saturating_sub(off).saturating_add(usize::from(offset.unwrap_or(0)));
        Ok(L2tp {
            off,
            flags,
            length,
            tunnel,
            session,
            ns_nr,
            offset,
            hdr_len,
        })
    }

    /// Data messages of version 2 carry PPP.
    pub fn carries_ppp(&self) -> bool {
        self.version() == 2 && !self.is_control()
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("l2tp", "Layer 2 Tunneling Protocol", o, self.hdr_len);
        let f = u64::from(self.flags);
        let mut text = format!(
            "0x{:04x}, Type: {}",
            self.flags,
            if self.is_control() {
                "Control Message"
            } else {
                "Data Message"
            }
        );
        for (m, n) in [
            (0x4000, "Length Bit"),
            (0x0800, "Sequence Bit"),
            (0x0200, "Offset bit"),
            (0x0100, "Priority"),
        ] {
            if f & m != 0 {
                text.push_str(", ");
                text.push_str(n);
            }
        }
        let fl = e.hex(r, "l2tp.flags", "Flags", f, 4, o, 2, Some(text));
        let ty = if self.is_control() {
            "Control Message (1)"
        } else {
            "Data Message (0)"
        };
        e.bits(
            fl,
            "l2tp.type",
            "Type",
            Value::UInt(f >> 15),
            16,
            0x8000,
            o,
            2,
            Some(ty.into()),
        );
        let b = |v: bool, y: &str, n: &str| Some(if v { y.to_string() } else { n.to_string() });
        e.bits(
            fl,
            "l2tp.length_bit",
            "Length Bit",
            Value::Bool(f & 0x4000 != 0),
            16,
            0x4000,
            o,
            2,
            b(
                f & 0x4000 != 0,
                "Length field is present",
                "Length field is not present",
            ),
        );
        e.bits(
            fl,
            "l2tp.seq_bit",
            "Sequence Bit",
            Value::Bool(f & 0x0800 != 0),
            16,
            0x0800,
            o,
            2,
            b(
                f & 0x0800 != 0,
                "Ns and Nr fields are present",
                "Ns and Nr fields are not present",
            ),
        );
        e.bits(
            fl,
            "l2tp.offset_bit",
            "Offset bit",
            Value::Bool(f & 0x0200 != 0),
            16,
            0x0200,
            o,
            2,
            b(
                f & 0x0200 != 0,
                "Offset Size field is present",
                "Offset size field is not present",
            ),
        );
        e.bits(
            fl,
            "l2tp.priority",
            "Priority",
            Value::Bool(f & 0x0100 != 0),
            16,
            0x0100,
            o,
            2,
            b(f & 0x0100 != 0, "This data message has priority", "No priority"),
        );
        e.bits(
            fl,
            "l2tp.version",
            "Version",
            Value::UInt(f & 0x0f),
            16,
            0x000f,
            o,
            2,
            None,
        );
        if self.version() != 2 {
            return r;
        }
        let mut p = o + 2;
        if let Some(l) = self.length {
            e.uint(r, "l2tp.length", "Length", u64::from(l), p, 2);
            p += 2;
        }
        e.uint(r, "l2tp.tunnel", "Tunnel ID", u64::from(self.tunnel), p, 2);
        e.uint(r, "l2tp.session", "Session ID", u64::from(self.session), p + 2, 2);
        p += 4;
        if let Some((ns, nr)) = self.ns_nr {
            e.uint(r, "l2tp.Ns", "Ns", u64::from(ns), p, 2);
            e.uint(r, "l2tp.Nr", "Nr", u64::from(nr), p + 2, 2);
            p += 4;
        }
        if let Some(off) = self.offset {
            e.uint(r, "l2tp.offset", "Offset", u64::from(off), p, 2);
        }
        r
    }
}
