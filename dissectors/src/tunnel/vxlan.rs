//! VXLAN (RFC 7348, with the group policy extension's fields), Geneve
//! (RFC 8926), and the tags some switches put before the ethertype:
//! 802.1ah provider backbone bridging I-tags, Cisco VN-Tags and Arista's
//! timestamp header.

use crate::error::DissectError;
use crate::link::ethernet::{self, Vlan};
use crate::link::{ethertype_name, ethertype_next, mac_text, Emit, Next};
use crate::tree::{NodeId, Value};
use crate::util::{be16, be32, mac_at};

const VXLAN_LAYER: &str = "VXLAN";
const GENEVE_LAYER: &str = "Geneve";
const PBB_LAYER: &str = "IEEE 802.1ah";

/// A VXLAN header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vxlan {
    pub off: usize,
    pub flags: u16,
    pub gbp: u16,
    pub vni: u32,
    pub reserved: u8,
}

impl Vxlan {
    pub const LEN: usize = 8;

    pub fn parse(data: &[u8], off: usize) -> Result<Vxlan, DissectError> {
        let (Some(flags), Some(gbp), Some(w)) = (
            be16(data, off),
            be16(data, off.saturating_add(2)),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(DissectError::truncated(
                VXLAN_LAYER,
                off,
                Self::LEN,
                data.len().saturating_sub(off),
            ));
        };
        Ok(Vxlan {
            off,
            flags,
            gbp,
            vni: w >> 8,
            reserved: u8::try_from(w & 0xff).unwrap_or(0),
        })
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("vxlan", "Virtual eXtensible Local Area Network", o, Self::LEN);
        let f = u64::from(self.flags);
        let mut text = format!("0x{:04x}", self.flags);
        if f & 0x8000 != 0 {
            text.push_str(", GBP Extension");
        }
        if f & 0x0800 != 0 {
            text.push_str(", VXLAN Network ID (VNI)");
        }
        if f & 0x0040 != 0 {
            text.push_str(", Don't Learn");
        }
        if f & 0x0008 != 0 {
            text.push_str(", Policy Applied");
        }
        let fl = e.hex(r, "vxlan.flags", "Flags", f, 4, o, 2, Some(text));
        let tf = |b: bool| Some(if b { "True" } else { "False" }.to_string());
        let gdef = if f & 0x8000 != 0 { "Defined" } else { "Not defined" };
        e.bits(
            fl,
            "vxlan.flag_g",
            "GBP Extension",
            Value::Bool(f & 0x8000 != 0),
            16,
            0x8000,
            o,
            2,
            Some(gdef.into()),
        );
        e.bits(
            fl,
            "vxlan.flag_i",
            "VXLAN Network ID (VNI)",
            Value::Bool(f & 0x0800 != 0),
            16,
            0x0800,
            o,
            2,
            tf(f & 0x0800 != 0),
        );
        e.bits(
            fl,
            "vxlan.flag_d",
            "Don't Learn",
            Value::Bool(f & 0x0040 != 0),
            16,
            0x0040,
            o,
            2,
            tf(f & 0x0040 != 0),
        );
        e.bits(
            fl,
            "vxlan.flag_a",
            "Policy Applied",
            Value::Bool(f & 0x0008 != 0),
            16,
            0x0008,
            o,
            2,
            tf(f & 0x0008 != 0),
        );
        let b = e.bits(
            fl,
            "vxlan.flags_reserved",
            "Reserved(R)",
            Value::UInt(f & 0x77b7),
            16,
            0x77b7,
            o,
            2,
            Some(format!("0x{:04x}", f & 0x77b7)),
        );
        let _ = b;
        e.uint(r, "vxlan.gbp", "Group Policy ID", u64::from(self.gbp), o + 2, 2);
        e.uint(
            r,
            "vxlan.vni",
            "VXLAN Network Identifier (VNI)",
            u64::from(self.vni),
            o + 4,
            3,
        );
        e.uint(r, "vxlan.reserved8", "Reserved", u64::from(self.reserved), o + 7, 1);
        r
    }
}

/// A Geneve header (options kept as a span).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geneve {
    pub off: usize,
    pub version: u8,
    /// Options length in bytes.
    pub opt_len: usize,
    pub flags: u8,
    pub proto: u16,
    pub vni: u32,
    pub reserved: u8,
}

impl Geneve {
    pub const LEN: usize = 8;

    pub fn parse(data: &[u8], off: usize) -> Result<Geneve, DissectError> {
        let t = |n: usize| DissectError::truncated(GENEVE_LAYER, off, n, data.len().saturating_sub(off));
        let (Some(b0), Some(flags), Some(proto), Some(w)) = (
            data.get(off).copied(),
            data.get(off.saturating_add(1)).copied(),
            be16(data, off.saturating_add(2)),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(t(Self::LEN));
        };
        let g = Geneve {
            off,
            version: b0 >> 6,
            opt_len: usize::from(b0 & 0x3f) * 4,
            flags,
            proto,
            vni: w >> 8,
            reserved: u8::try_from(w & 0xff).unwrap_or(0),
        };
        if data.len() < g.hdr_len().saturating_add(off) {
            return Err(t(g.hdr_len()));
        }
        if g.version != 0 {
            return Err(DissectError::malformed(GENEVE_LAYER, "unknown Geneve version", off));
        }
        Ok(g)
    }

    pub fn hdr_len(&self) -> usize {
        Self::LEN.saturating_add(self.opt_len)
    }

    pub fn next(&self) -> Next {
        ethertype_next(self.proto)
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let r = e.root(
            "geneve",
            format!("Generic Network Virtualization Encapsulation, VNI: 0x{:06x}", self.vni),
            o,
            self.hdr_len(),
        );
        e.uint(r, "geneve.version", "Version", u64::from(self.version), o, 1);
        let l = e.t.text(Some(r), "", format!("Length: {} bytes", self.opt_len), o, 1);
        let _ = l;
        let f = u64::from(self.flags);
        let fl = e.hex(r, "geneve.flags", "Flags", f, 2, o + 1, 1, None);
        let tf = |b: bool| Some(if b { "True" } else { "False" }.to_string());
        e.bits(
            fl,
            "geneve.flags.oam",
            "Operations, Administration and Management Frame",
            Value::Bool(f & 0x80 != 0),
            8,
            0x80,
            o + 1,
            1,
            tf(f & 0x80 != 0),
        );
        e.bits(
            fl,
            "geneve.flags.critical",
            "Critical Options Present",
            Value::Bool(f & 0x40 != 0),
            8,
            0x40,
            o + 1,
            1,
            tf(f & 0x40 != 0),
        );
        e.bits(
            fl,
            "geneve.flags.reserved",
            "Reserved",
            Value::Bool(f & 0x3f != 0),
            8,
            0x3f,
            o + 1,
            1,
            tf(f & 0x3f != 0),
        );
        let p = self.proto;
        let pname = super::gre::proto_name(p).unwrap_or("Unknown");
        e.hex(
            r,
            "geneve.proto_type",
            "Protocol Type",
            u64::from(p),
            4,
            o + 2,
            2,
            Some(format!("{pname} (0x{p:04x})")),
        );
        e.with_text(
            r,
            "geneve.vni",
            "Virtual Network Identifier (VNI)",
            Value::UInt(u64::from(self.vni)),
            o + 4,
            3,
            format!("0x{:06x} ({})", self.vni, self.vni),
        );
        if self.reserved != 0 {
            e.hex(
                r,
                "geneve.reserved",
                "Reserved",
                u64::from(self.reserved),
                2,
                o + 7,
                1,
                None,
            );
        }
        if self.opt_len > 0 {
            e.bytes(r, "geneve.options", "Geneve Options", data, o + 8, self.opt_len);
        }
        r
    }
}

/// An 802.1ah I-tag with the customer addresses and type, and the 802.1Q
/// tags that follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pbb {
    pub off: usize,
    pub itag: u32,
    pub cdst: [u8; 6],
    pub csrc: [u8; 6],
    pub etype: u16,
    pub vlans: Vec<Vlan>,
    /// Where the payload starts (after the tags).
    pub payload_off: usize,
}

impl Pbb {
    pub const LEN: usize = 18;

    pub fn parse(data: &[u8], off: usize) -> Result<Pbb, DissectError> {
        let (Some(itag), Some(cdst), Some(csrc), Some(etype)) = (
            be32(data, off),
            mac_at(data, off.saturating_add(4)),
            mac_at(data, off.saturating_add(10)),
            be16(data, off.saturating_add(16)),
        ) else {
            return Err(DissectError::truncated(
                PBB_LAYER,
                off,
                Self::LEN,
                data.len().saturating_sub(off),
            ));
        };
        let (vlans, payload_off) = vlan_chain(data, off.saturating_add(Self::LEN), etype)?;
        Ok(Pbb {
            off,
            itag,
            cdst,
            csrc,
            etype,
            vlans,
            payload_off,
        })
    }

    pub fn next(&self) -> Next {
        let t = self.vlans.last().map(|v| v.etype).unwrap_or(self.etype);
        if ethernet::is_tag_tpid(t) {
            return Next::Nothing;
        }
        ethertype_next(t)
    }

    pub fn protocols(&self, out: &mut Vec<&'static str>) {
        out.push("ieee8021ah");
        out.push("ethertype");
        for v in &self.vlans {
            out.push(v.proto_name());
            out.push("ethertype");
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let isid = self.itag & 0x00ff_ffff;
        let r = e.root(
            "ieee8021ah",
            format!(
                "IEEE 802.1ah, I-SID: {isid}, C-Src: {}, C-Dst: {}",
                mac_text(&self.csrc),
                mac_text(&self.cdst)
            ),
            o,
            Self::LEN,
        );
        let it = e.t.text(Some(r), "", format!("I-Tag, I-SID: {isid}"), o, 4);
        let w = u64::from(self.itag);
        e.bits(
            it,
            "ieee8021ah.priority",
            "Priority",
            Value::UInt(w >> 29),
            32,
            0xe000_0000,
            o,
            4,
            None,
        );
        e.bits(
            it,
            "ieee8021ah.drop",
            "DROP",
            Value::UInt((w >> 28) & 1),
            32,
            0x1000_0000,
            o,
            4,
            None,
        );
        e.bits(
            it,
            "ieee8021ah.nca",
            "NCA",
            Value::UInt((w >> 27) & 1),
            32,
            0x0800_0000,
            o,
            4,
            None,
        );
        e.bits(
            it,
            "ieee8021ah.res1",
            "RES1",
            Value::UInt((w >> 26) & 1),
            32,
            0x0400_0000,
            o,
            4,
            None,
        );
        e.bits(
            it,
            "ieee8021ah.res2",
            "RES2",
            Value::UInt((w >> 24) & 3),
            32,
            0x0300_0000,
            o,
            4,
            None,
        );
        e.bits(
            it,
            "ieee8021ah.isid",
            "I-SID",
            Value::UInt(w & 0x00ff_ffff),
            32,
            0x00ff_ffff,
            o,
            4,
            None,
        );
        e.add(r, "ieee8021ah.cdst", "C-Destination", Value::Mac(self.cdst), o + 4, 6);
        e.add(r, "ieee8021ah.csrc", "C-Source", Value::Mac(self.csrc), o + 10, 6);
        let t = self.etype;
        e.hex(
            r,
            "ieee8021ah.etype",
            "Type",
            u64::from(t),
            4,
            o + 16,
            2,
            Some(format!("{} (0x{t:04x})", ethertype_name(t).unwrap_or("Unknown"))),
        );
        for v in &self.vlans {
            ethernet::vlan_tree(e, data, v);
        }
        r
    }
}

/// A Cisco VN-Tag (ethertype 0x8926) and the 802.1Q tags that follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VnTag {
    pub off: usize,
    pub tag: u32,
    pub etype: u16,
    pub vlans: Vec<Vlan>,
    pub payload_off: usize,
}

impl VnTag {
    pub const LEN: usize = 6;

    pub fn parse(data: &[u8], off: usize) -> Result<VnTag, DissectError> {
        let (Some(tag), Some(etype)) = (be32(data, off), be16(data, off.saturating_add(4))) else {
            return Err(DissectError::truncated(
                "VN-Tag",
                off,
                Self::LEN,
                data.len().saturating_sub(off),
            ));
        };
        let (vlans, payload_off) = vlan_chain(data, off.saturating_add(Self::LEN), etype)?;
        Ok(VnTag {
            off,
            tag,
            etype,
            vlans,
            payload_off,
        })
    }

    pub fn next(&self) -> Next {
        let t = self.vlans.last().map(|v| v.etype).unwrap_or(self.etype);
        if ethernet::is_tag_tpid(t) || t <= 1500 {
            return Next::Nothing;
        }
        ethertype_next(t)
    }

    pub fn protocols(&self, out: &mut Vec<&'static str>) {
        out.push("vntag");
        out.push("ethertype");
        for v in &self.vlans {
            out.push(v.proto_name());
            out.push("ethertype");
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let r = e.root("vntag", "VN-Tag", o, Self::LEN);
        let w = u64::from(self.tag);
        let b = |v: bool, y: &str, n: &str| Some(if v { y.to_string() } else { n.to_string() });
        e.bits(
            r,
            "vntag.dir",
            "Direction",
            Value::Bool(w & 0x8000_0000 != 0),
            32,
            0x8000_0000,
            o,
            4,
            b(w & 0x8000_0000 != 0, "From Bridge", "To Bridge"),
        );
        e.bits(
            r,
            "vntag.ptr",
            "Pointer",
            Value::Bool(w & 0x4000_0000 != 0),
            32,
            0x4000_0000,
            o,
            4,
            b(w & 0x4000_0000 != 0, "vif_list_id", "vif_id"),
        );
        e.bits(
            r,
            "vntag.dst",
            "Destination",
            Value::UInt((w >> 16) & 0x3fff),
            32,
            0x3fff_0000,
            o,
            4,
            None,
        );
        e.bits(
            r,
            "vntag.looped",
            "Looped",
            Value::Bool(w & 0x8000 != 0),
            32,
            0x8000,
            o,
            4,
            b(w & 0x8000 != 0, "Yes", "No"),
        );
        e.bits(
            r,
            "vntag.r",
            "Reserved",
            Value::UInt((w >> 14) & 1),
            32,
            0x4000,
            o,
            4,
            None,
        );
        e.bits(
            r,
            "vntag.version",
            "Version",
            Value::UInt((w >> 12) & 3),
            32,
            0x3000,
            o,
            4,
            None,
        );
        e.bits(
            r,
            "vntag.src",
            "Source",
            Value::UInt(w & 0x0fff),
            32,
            0x0fff,
            o,
            4,
            None,
        );
        let t = self.etype;
        e.hex(
            r,
            "vntag.etype",
            "Type",
            u64::from(t),
            4,
            o + 4,
            2,
            Some(format!("{} (0x{t:04x})", ethertype_name(t).unwrap_or("Unknown"))),
        );
        for v in &self.vlans {
            ethernet::vlan_tree(e, data, v);
        }
        r
    }
}

/// 802.1Q tags following a header whose type field is `etype` at `off`:
/// the tags and where the payload starts.
fn vlan_chain(data: &[u8], mut off: usize, etype: u16) -> Result<(Vec<Vlan>, usize), DissectError> {
    let mut vlans = Vec::new();
    let mut t = etype;
    while ethernet::is_tag_tpid(t) && vlans.len() < ethernet::MAX_VLAN_TAGS {
        let v = ethernet::parse_vlan(data, off, t)?;
        t = v.etype;
        vlans.push(v);
        off = off.saturating_add(ethernet::VLAN_LEN);
    }
    Ok((vlans, off))
}

/// Arista's vendor-specific header (ethertype 0xd28b): a timestamp, then
/// the real type (and 802.1Q tags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Avsp {
    pub off: usize,
    pub sub_type: u16,
    pub version: u16,
    /// (seconds, nanoseconds), and whether the seconds field is 48-bit style (2 bytes).
    pub ts: Option<(u32, u32, bool)>,
    pub etype: Option<u16>,
    pub vlans: Vec<Vlan>,
    pub payload_off: usize,
}

impl Avsp {
    pub fn parse(data: &[u8], off: usize) -> Result<Avsp, DissectError> {
        let t = |n: usize| DissectError::truncated("AVSP", off, n, data.len().saturating_sub(off));
        let (Some(sub_type), Some(version)) = (be16(data, off), be16(data, off.saturating_add(2))) else {
            return Err(t(4));
        };
        let mut a = Avsp {
            off,
            sub_type,
            version,
            ts: None,
            etype: None,
            vlans: Vec::new(),
            payload_off: off.saturating_add(4),
        };
        if sub_type != 1 {
            return Ok(a);
        }
        let p = off.saturating_add(4);
        let (ts, len) = match version {
            0x0010 | 0x0110 => {
                let (Some(s), Some(ns)) = (be32(data, p), be32(data, p.saturating_add(4))) else {
                    return Err(t(14));
                };
                ((s, ns, false), 8)
            }
            0x0020 | 0x0120 => {
                let (Some(s), Some(ns)) = (be16(data, p), be32(data, p.saturating_add(2))) else {
                    return Err(t(12));
                };
                ((u32::from(s), ns, true), 6)
            }
            _ => return Ok(a),
        };
        a.ts = Some(ts);
        let eo = p.saturating_add(len);
        let et = be16(data, eo).ok_or_else(|| t(eo.saturating_sub(off).saturating_add(2)))?;
        a.etype = Some(et);
        let (vlans, payload_off) = vlan_chain(data, eo.saturating_add(2), et)?;
        a.vlans = vlans;
        a.payload_off = payload_off;
        Ok(a)
    }

    pub fn next(&self) -> Next {
        let Some(et) = self.etype else { return Next::Nothing };
        let t = self.vlans.last().map(|v| v.etype).unwrap_or(et);
        if ethernet::is_tag_tpid(t) || t <= 1500 {
            return Next::Nothing;
        }
        ethertype_next(t)
    }

    pub fn protocols(&self, out: &mut Vec<&'static str>) {
        out.push("avsp");
        if self.etype.is_some() {
            out.push("ethertype");
        }
        for v in &self.vlans {
            out.push(v.proto_name());
            out.push("ethertype");
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let r = e.root(
            "avsp",
            "Arista Vendor Specific Protocol",
            o,
            self.payload_off.saturating_sub(o),
        );
        let st = if self.sub_type == 1 { "timestamp" } else { "Unknown" };
        e.with_text(
            r,
            "avsp.sub_type",
            "Sub Type",
            Value::UInt(u64::from(self.sub_type)),
            o,
            2,
            format!("{st} ({})", self.sub_type),
        );
        let vn = match self.version {
            0x0010 => "Version 1",
            0x0020 => "Version 2",
            0x0110 => "Version 11",
            0x0120 => "Version 12",
            _ => "Unknown",
        };
        let v = self.version;
        e.hex(
            r,
            "avsp.ver",
            "Version",
            u64::from(v),
            4,
            o + 2,
            2,
            Some(format!("{vn} (0x{v:04x})")),
        );
        let mut p = o + 4;
        if let Some((s, ns, short)) = self.ts {
            let label = if v & 0x0100 != 0 {
                "Timestamp (UTC)"
            } else {
                "Timestamp (TAI)"
            };
            if short {
                let g = e.add(r, "avsp.48ts", "Timestamp (TAI)", Value::None, p, 6);
                if g != crate::tree::SKIPPED {
                    e.t.set_text(g, label);
                }
                e.uint(g, "avsp.48sec", "Seconds", u64::from(s), p, 2);
                e.uint(g, "avsp.48ns", "Nanoseconds", u64::from(ns), p + 2, 4);
                p += 6;
            } else {
                let g = e.add(r, "avsp.64ts", "Timestamp (TAI)", Value::None, p, 8);
                if g != crate::tree::SKIPPED {
                    e.t.set_text(g, label);
                }
                e.uint(g, "avsp.64sec", "Seconds", u64::from(s), p, 4);
                e.uint(g, "avsp.64ns", "Nanoseconds", u64::from(ns), p + 4, 4);
                p += 8;
            }
        }
        if let Some(t) = self.etype {
            e.hex(
                r,
                "avsp.etype",
                "Type",
                u64::from(t),
                4,
                p,
                2,
                Some(format!("{} (0x{t:04x})", ethertype_name(t).unwrap_or("Unknown"))),
            );
        }
        for vl in &self.vlans {
            ethernet::vlan_tree(e, data, vl);
        }
        r
    }
}

/// An 802.1AE MACsec security tag. Only integrity-protected frames (E and
/// C clear) carry a readable ethertype and payload; 16 bytes of ICV end
/// the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Macsec {
    pub off: usize,
    pub tci_an: u8,
    pub sl: u8,
    pub pn: u32,
    pub sci: Option<([u8; 6], u16)>,
    /// The ethertype of a readable payload.
    pub etype: Option<u16>,
    pub hdr_len: usize,
}

impl Macsec {
    pub const ICV_LEN: usize = 16;

    pub fn parse(data: &[u8], off: usize) -> Result<Macsec, DissectError> {
        let t = |n: usize| DissectError::truncated("MACsec", off, n, data.len().saturating_sub(off));
        let (Some(tci_an), Some(sl), Some(pn)) = (
            data.get(off).copied(),
            data.get(off.saturating_add(1)).copied(),
            be32(data, off.saturating_add(2)),
        ) else {
            return Err(t(6));
        };
        let mut m = Macsec {
            off,
            tci_an,
            sl,
            pn,
            sci: None,
            etype: None,
            hdr_len: 6,
        };
        if tci_an & 0x20 != 0 {
            let (Some(sys), Some(port)) = (mac_at(data, off.saturating_add(6)), be16(data, off.saturating_add(12)))
            else {
                return Err(t(14));
            };
            m.sci = Some((sys, port));
            m.hdr_len = 14;
        }
        if m.readable() {
            m.etype = Some(be16(data, off.saturating_add(m.hdr_len)).ok_or_else(|| t(m.hdr_len + 2))?);
            m.hdr_len += 2;
        }
        Ok(m)
    }

    /// Neither encrypted nor changed: the payload is plain.
    pub fn readable(&self) -> bool {
        self.tci_an & 0x0c == 0
    }

    pub fn next(&self) -> Next {
        match self.etype {
            Some(t) if !ethernet::is_tag_tpid(t) && t > 1500 => ethertype_next(t),
            _ => Next::Nothing,
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8], icv: Option<usize>) -> NodeId {
        let o = self.off;
        let r = e.root("macsec", "802.1AE Security tag", o, self.hdr_len);
        let b = u64::from(self.tci_an);
        let mut tt = format!("0x{:02x}, VER: 0x{:x}", b & 0xfc, (b >> 7) & 1);
        for (m, n) in [(0x40, "ES"), (0x20, "SC"), (0x10, "SCB"), (0x08, "E"), (0x04, "C")] {
            if b & m != 0 {
                tt.push_str(", ");
                tt.push_str(n);
            }
        }
        let tci = e.bits(r, "macsec.TCI", "TCI", Value::UInt(b & 0xfc), 8, 0xfc, o, 1, Some(tt));
        e.t.set_base(tci, crate::tree::Base::Hex(2));
        let set = |v: bool| Some(if v { "Set" } else { "Not set" }.to_string());
        let v = e.bits(
            tci,
            "macsec.TCI.V",
            "VER",
            Value::UInt((b >> 7) & 1),
            8,
            0x80,
            o,
            1,
            Some(format!("0x{:x}", (b >> 7) & 1)),
        );
        e.t.set_base(v, crate::tree::Base::Hex(1));
        for (m, name, label) in [
            (0x40, "macsec.TCI.ES", "ES"),
            (0x20, "macsec.TCI.SC", "SC"),
            (0x10, "macsec.TCI.SCB", "SCB"),
            (0x08, "macsec.TCI.E", "E"),
            (0x04, "macsec.TCI.C", "C"),
        ] {
            e.bits(tci, name, label, Value::Bool(b & m != 0), 8, m, o, 1, set(b & m != 0));
        }
        let an = e.bits(
            r,
            "macsec.AN",
            "AN",
            Value::UInt(b & 3),
            8,
            0x03,
            o,
            1,
            Some(format!("0x{:x}", b & 3)),
        );
        e.t.set_base(an, crate::tree::Base::Hex(1));
        e.uint(r, "macsec.SL", "Short length", u64::from(self.sl), o + 1, 1);
        e.uint(r, "macsec.PN", "Packet number", u64::from(self.pn), o + 2, 4);
        if let Some((sys, port)) = self.sci {
            e.add(
                r,
                "macsec.SCI.system_identifier",
                "System Identifier",
                Value::Mac(sys),
                o + 6,
                6,
            );
            e.uint(
                r,
                "macsec.SCI.port_identifier",
                "Port Identifier",
                u64::from(port),
                o + 12,
                2,
            );
        }
        if let Some(t) = self.etype {
            e.hex(
                r,
                "macsec.etype",
                "Ethertype",
                u64::from(t),
                4,
                o + self.hdr_len - 2,
                2,
                None,
            );
        }
        if let Some(at) = icv {
            e.bytes(r, "macsec.ICV", "ICV", data, at, Self::ICV_LEN);
        }
        r
    }
}

/// The UDP port of VXLAN-GPE.
pub const VXLAN_GPE_PORT: u16 = 4790;

/// A VXLAN-GPE header (the generic protocol extension: a next-protocol field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VxlanGpe {
    pub off: usize,
    pub flags: u8,
    pub reserved: u16,
    pub next_proto: u8,
    pub vni: u32,
    pub reserved8: u8,
}

/// What a VXLAN-GPE or NSH next-protocol number carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpeNext {
    Next(Next),
    Ethernet,
    Nsh,
    Mpls,
}

pub fn gpe_next(p: u8) -> GpeNext {
    match p {
        1 => GpeNext::Next(Next::Ipv4),
        2 => GpeNext::Next(Next::Ipv6),
        3 => GpeNext::Ethernet,
        4 => GpeNext::Nsh,
        5 => GpeNext::Mpls,
        _ => GpeNext::Next(Next::Nothing),
    }
}

fn gpe_proto_name(p: u8) -> &'static str {
    match p {
        1 => "IPv4",
        2 => "IPv6",
        3 => "Ethernet",
        4 => "Network Service Header",
        5 => "MPLS",
        _ => "Unknown",
    }
}

impl VxlanGpe {
    pub const LEN: usize = 8;

    pub fn parse(data: &[u8], off: usize) -> Result<VxlanGpe, DissectError> {
        let (Some(flags), Some(reserved), Some(next_proto), Some(w)) = (
            data.get(off).copied(),
            be16(data, off.saturating_add(1)),
            data.get(off.saturating_add(3)).copied(),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(DissectError::truncated(
                "VXLAN-GPE",
                off,
                Self::LEN,
                data.len().saturating_sub(off),
            ));
        };
        Ok(VxlanGpe {
            off,
            flags,
            reserved,
            next_proto,
            vni: w >> 8,
            reserved8: u8::try_from(w & 0xff).unwrap_or(0),
        })
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("vxlan", "Virtual eXtensible Local Area Network", o, Self::LEN);
        let f = u64::from(self.flags);
        let fl = e.hex(r, "vxlan.flags", "Flags", f, 2, o, 1, None);
        e.bits(
            fl,
            "vxlan.ver",
            "Version",
            Value::UInt((f >> 4) & 3),
            8,
            0x30,
            o,
            1,
            None,
        );
        e.bits(
            fl,
            "vxlan.i_bit",
            "Instance",
            Value::UInt((f >> 3) & 1),
            8,
            0x08,
            o,
            1,
            None,
        );
        e.bits(
            fl,
            "vxlan.p_bit",
            "Next Protocol Bit",
            Value::UInt((f >> 2) & 1),
            8,
            0x04,
            o,
            1,
            None,
        );
        e.bits(fl, "vxlan.o_bit", "OAM bit", Value::UInt(f & 1), 8, 0x01, o, 1, None);
        e.uint(r, "vxlan.reserved_16", "Reserved", u64::from(self.reserved), o + 1, 2);
        let p = self.next_proto;
        e.with_text(
            r,
            "vxlan.next_proto",
            "Next Protocol",
            Value::UInt(u64::from(p)),
            o + 3,
            1,
            format!("{} ({p})", gpe_proto_name(p)),
        );
        e.uint(
            r,
            "vxlan.vni",
            "VXLAN Network Identifier (VNI)",
            u64::from(self.vni),
            o + 4,
            3,
        );
        e.uint(r, "vxlan.reserved8", "Reserved", u64::from(self.reserved8), o + 7, 1);
        r
    }
}

/// A Network Service Header (RFC 8300), its context kept as a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nsh {
    pub off: usize,
    pub w0: u16,
    pub md_type: u8,
    pub next_proto: u8,
    pub spi: u32,
    pub si: u8,
    pub hdr_len: usize,
}

impl Nsh {
    pub fn parse(data: &[u8], off: usize) -> Result<Nsh, DissectError> {
        let t = |n: usize| DissectError::truncated("NSH", off, n, data.len().saturating_sub(off));
        let (Some(w0), Some(md_type), Some(next_proto), Some(w1)) = (
            be16(data, off),
            data.get(off.saturating_add(2)).copied(),
            data.get(off.saturating_add(3)).copied(),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(t(8));
        };
        let hdr_len = usize::from(w0 & 0x3f) * 4;
        if hdr_len < 8 {
            return Err(DissectError::malformed(
                "NSH",
                "length below the 8-byte base header",
                off,
            ));
        }
        if data.len() < off.saturating_add(hdr_len) {
            return Err(t(hdr_len));
        }
        Ok(Nsh {
            off,
            w0,
            md_type: md_type & 0x0f,
            next_proto,
            spi: w1 >> 8,
            si: u8::try_from(w1 & 0xff).unwrap_or(0),
            hdr_len,
        })
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let r = e.root("nsh", "Network Service Header", o, self.hdr_len);
        let w = u64::from(self.w0);
        let dh = |v: u64| Some(format!("{v} (0x{v:x})"));
        e.bits(
            r,
            "nsh.version",
            "Version",
            Value::UInt(w >> 14),
            16,
            0xc000,
            o,
            2,
            dh(w >> 14),
        );
        e.bits(
            r,
            "nsh.Obit",
            "O Bit",
            Value::UInt((w >> 13) & 1),
            16,
            0x2000,
            o,
            2,
            None,
        );
        e.bits(
            r,
            "nsh.CBit",
            "C Bit",
            Value::UInt((w >> 12) & 1),
            16,
            0x1000,
            o,
            2,
            None,
        );
        let ttl = e.bits(
            r,
            "nsh.ttl",
            "Time to live",
            Value::UInt((w >> 6) & 0x3f),
            16,
            0x0fc0,
            o,
            2,
            Some(format!("0x{:02x}", (w >> 6) & 0x3f)),
        );
        e.t.set_base(ttl, crate::tree::Base::Hex(2));
        e.bits(
            r,
            "nsh.length",
            "Length",
            Value::UInt(w & 0x3f),
            16,
            0x003f,
            o,
            2,
            Some(format!("{} (0x{:02x})", w & 0x3f, w & 0x3f)),
        );
        let md = u64::from(self.md_type);
        e.with_text(
            r,
            "nsh.mdtype",
            "MD Type",
            Value::UInt(md),
            o + 2,
            1,
            format!("{md} (0x{md:02x})"),
        );
        let np = self.next_proto;
        e.with_text(
            r,
            "nsh.nextproto",
            "Next Protocol",
            Value::UInt(u64::from(np)),
            o + 3,
            1,
            format!("{} ({np})", if np == 1 { "IPv4" } else { gpe_proto_name(np) }),
        );
        e.with_text(
            r,
            "nsh.spi",
            "SPI",
            Value::UInt(u64::from(self.spi)),
            o + 4,
            3,
            format!("{} (0x{:06x})", self.spi, self.spi),
        );
        e.with_text(
            r,
            "nsh.si",
            "SI",
            Value::UInt(u64::from(self.si)),
            o + 7,
            1,
            format!("{} (0x{:02x})", self.si, self.si),
        );
        let end = o.saturating_add(self.hdr_len);
        let mut p = o + 8;
        if self.md_type == 2 {
            while p.saturating_add(4) <= end {
                let (Some(class), Some(ty), Some(lb)) =
                    (be16(data, p), data.get(p + 2).copied(), data.get(p + 3).copied())
                else {
                    break;
                };
                e.with_text(
                    r,
                    "nsh.metadataclass",
                    "TLV Class",
                    Value::UInt(u64::from(class)),
                    p,
                    2,
                    format!("{class} (0x{class:04x})"),
                );
                e.with_text(
                    r,
                    "nsh.metadatatype",
                    "Type",
                    Value::UInt(u64::from(ty)),
                    p + 2,
                    1,
                    format!("{ty} (0x{ty:02x})"),
                );
                let ub = e.bits(
                    r,
                    "nsh.metadataunassignedbit",
                    "Unassigned Bit",
                    Value::UInt(u64::from(lb >> 7)),
                    8,
                    0x80,
                    p + 3,
                    1,
                    Some(format!("0x{:x}", lb >> 7)),
                );
                e.t.set_base(ub, crate::tree::Base::Hex(1));
                let l = usize::from(lb & 0x7f) * 4;
                let lbit = e.bits(
                    r,
                    "nsh.metadatalen",
                    "Length",
                    Value::UInt(u64::from(lb & 0x7f)),
                    8,
                    0x7f,
                    p + 3,
                    1,
                    Some(format!("0x{:02x}", lb & 0x7f)),
                );
                e.t.set_base(lbit, crate::tree::Base::Hex(2));
                if l > 0 {
                    e.bytes(
                        r,
                        "nsh.metadata",
                        "Variable Metadata",
                        data,
                        p + 4,
                        l.min(end.saturating_sub(p + 4)),
                    );
                }
                p = p.saturating_add(4).saturating_add(l);
            }
        } else if end > p {
            e.bytes(r, "nsh.contextheader", "Context Header", data, p, end - p);
        }
        r
    }
}
