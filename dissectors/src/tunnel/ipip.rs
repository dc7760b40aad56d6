//! Headers that wrap a whole IP packet inside another one's payload: PIM
//! Register messages (RFC 7761) and Teredo's optional indications (RFC 4380).

use std::net::Ipv4Addr;

use crate::error::DissectError;
use crate::link::{Emit, Next};
use crate::tree::{NodeId, Value, SKIPPED};
use crate::util::{be16, be32, checksum, ChecksumStatus};

const PIM_LAYER: &str = "PIM";
const TEREDO_LAYER: &str = "Teredo";

/// The UDP port of Teredo.
pub const TEREDO_PORT: u16 = 3544;
/// The UDP port of MPLS in UDP (RFC 7510).
pub const MPLS_UDP_PORT: u16 = 6635;

/// A PIM version 2 Register message header (the encapsulated packet follows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PimRegister {
    pub off: usize,
    pub ver_type: u8,
    pub reserved: u8,
    pub checksum: u16,
    pub checksum_status: ChecksumStatus,
    pub flags: u32,
}

impl PimRegister {
    pub const LEN: usize = 8;

    /// True when the bytes at `off` start a PIMv2 Register message.
    pub fn is_register(data: &[u8], off: usize) -> bool {
        data.get(off) == Some(&0x21)
    }

    pub fn parse(data: &[u8], off: usize, v4: bool) -> Result<PimRegister, DissectError> {
        let (Some(vt), Some(res), Some(ck), Some(flags)) = (
            data.get(off).copied(),
            data.get(off.saturating_add(1)).copied(),
            be16(data, off.saturating_add(2)),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(DissectError::truncated(
                PIM_LAYER,
                off,
                Self::LEN,
                data.len().saturating_sub(off),
            ));
        };
        // A Register's checksum covers its header only (over IPv6 it also
        // covers a pseudo-header, not checked here).
        let checksum_status = match (v4, data.get(off..off.saturating_add(Self::LEN))) {
            (true, Some(h)) if checksum(h) == 0 => ChecksumStatus::Good,
            (true, Some(_)) => {
                let whole = data.get(off..).unwrap_or(&[]);
                if checksum(whole) == 0 {
                    ChecksumStatus::Good
                } else {
                    ChecksumStatus::Bad(0)
                }
            }
            _ => ChecksumStatus::Unverified,
        };
        Ok(PimRegister {
            off,
            ver_type: vt,
            reserved: res,
            checksum: ck,
            checksum_status,
            flags,
        })
    }

    /// The encapsulated packet, by its version nibble.
    pub fn next(data: &[u8], off: usize) -> Next {
        match data.get(off).map(|b| b >> 4) {
            Some(4) => Next::Ipv4,
            Some(6) => Next::Ipv6,
            _ => Next::Nothing,
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let o = self.off;
        let r = e.root("pim", "Protocol Independent Multicast", o, Self::LEN);
        let vt = u64::from(self.ver_type);
        e.bits(r, "pim.version", "Version", Value::UInt(vt >> 4), 8, 0xf0, o, 1, None);
        e.bits(
            r,
            "pim.type",
            "Type",
            Value::UInt(vt & 0x0f),
            8,
            0x0f,
            o,
            1,
            Some("Register (1)".into()),
        );
        e.bytes(r, "pim.res_bytes", "Reserved byte(s)", data, o + 1, 1);
        let c = self.checksum;
        let text = match self.checksum_status {
            ChecksumStatus::Good => format!("0x{c:04x} [correct]"),
            ChecksumStatus::Bad(_) => format!("0x{c:04x} [incorrect]"),
            ChecksumStatus::Unverified => format!("0x{c:04x} [unverified]"),
        };
        e.hex(r, "pim.cksum", "Checksum", u64::from(c), 4, o + 2, 2, Some(text));
        let st = e.with_text(
            r,
            "pim.cksum.status",
            "Checksum Status",
            Value::UInt(self.checksum_status.code()),
            o + 2,
            0,
            self.checksum_status.label(),
        );
        e.t.set_generated(st);
        let opts = e.t.text(Some(r), "", "PIM Options", o + 4, 4);
        let f = u64::from(self.flags);
        let fl = e.hex(opts, "pim.register_flag", "Flags", f, 8, o + 4, 4, None);
        let yn = |b: bool| Some(if b { "Yes" } else { "No" }.to_string());
        e.bits(
            fl,
            "pim.register_flag.border",
            "Border",
            Value::Bool(f & 0x8000_0000 != 0),
            32,
            0x8000_0000,
            o + 4,
            4,
            yn(f & 0x8000_0000 != 0),
        );
        e.bits(
            fl,
            "pim.register_flag.null_register",
            "Null-Register",
            Value::Bool(f & 0x4000_0000 != 0),
            32,
            0x4000_0000,
            o + 4,
            4,
            yn(f & 0x4000_0000 != 0),
        );
        if opts != SKIPPED {
            if let Some(b) = data.get(o + 8) {
                let v = b >> 4;
                let vt = match v {
                    4 => "IPv4 (4)".to_string(),
                    6 => "IPv6 (6)".to_string(),
                    _ => format!("Unknown ({v})"),
                };
                e.bits(
                    opts,
                    "pim.ip_version",
                    "IP Version",
                    Value::UInt(u64::from(v)),
                    8,
                    0xf0,
                    o + 8,
                    1,
                    Some(vt),
                );
            }
        }
        r
    }
}

/// Teredo's optional authentication and origin indication headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Teredo {
    pub off: usize,
    /// (offset, client id length, auth value length).
    pub auth: Option<(usize, u8, u8)>,
    /// (offset, port, address), de-obfuscated.
    pub origin: Option<(usize, u16, Ipv4Addr)>,
    pub hdr_len: usize,
}

impl Teredo {
    pub fn parse(data: &[u8], off: usize) -> Result<Teredo, DissectError> {
        let t = |n: usize| DissectError::truncated(TEREDO_LAYER, off, n, data.len().saturating_sub(off));
        let mut p = off;
        let mut tr = Teredo {
            off,
            auth: None,
            origin: None,
            hdr_len: 0,
        };
        if be16(data, p) == Some(1) {
            let (Some(idl), Some(aul)) = (
                data.get(p.saturating_add(2)).copied(),
                data.get(p.saturating_add(3)).copied(),
            ) else {
                return Err(t(4));
            };
            let len = 4usize
                .saturating_add(usize::from(idl))
                .saturating_add(usize::from(aul))
                .saturating_add(9);
            if data.len() < p.saturating_add(len) {
                return Err(t(len));
            }
            tr.auth = Some((p, idl, aul));
            p = p.saturating_add(len);
        }
        if data.get(p) == Some(&0) && data.len() < p.saturating_add(2) {
            return Err(t(p.saturating_sub(off).saturating_add(8)));
        }
        if be16(data, p) == Some(0) {
            let (Some(port), Some(addr)) = (be16(data, p.saturating_add(2)), be32(data, p.saturating_add(4))) else {
                return Err(t(p.saturating_sub(off).saturating_add(8)));
            };
            tr.origin = Some((p, !port, Ipv4Addr::from(!addr)));
            p = p.saturating_add(8);
        }
        tr.hdr_len = p.saturating_sub(off);
        Ok(tr)
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>, data: &[u8]) -> NodeId {
        let r = e.root("teredo", "Teredo IPv6 over UDP tunneling", self.off, self.hdr_len);
        if let Some((a, idl, aul)) = self.auth {
            let id = e.add(
                r,
                "teredo.auth",
                "Teredo Authentication header",
                Value::None,
                a,
                13 + usize::from(idl) + usize::from(aul),
            );
            if id != SKIPPED {
                e.t.set_text(id, "Teredo Authentication header");
            }
            e.uint(
                id,
                "teredo.auth.idlen",
                "Client identifier length",
                u64::from(idl),
                a + 2,
                1,
            );
            e.uint(
                id,
                "teredo.auth.aulen",
                "Authentication value length",
                u64::from(aul),
                a + 3,
                1,
            );
            let mut q = a + 4;
            if idl > 0 {
                e.bytes(id, "teredo.auth.id", "Client identifier", data, q, usize::from(idl));
                q += usize::from(idl);
            }
            if aul > 0 {
                e.bytes(
                    id,
                    "teredo.auth.value",
                    "Authentication value",
                    data,
                    q,
                    usize::from(aul),
                );
                q += usize::from(aul);
            }
            e.bytes(id, "teredo.auth.nonce", "Nonce value", data, q, 8);
            e.bytes(id, "teredo.auth.conf", "Confirmation byte", data, q + 8, 1);
        }
        if let Some((o, port, addr)) = self.origin {
            let id = e.add(r, "teredo.orig", "Teredo Origin Indication header", Value::None, o, 8);
            if id != SKIPPED {
                e.t.set_text(id, "Teredo Origin Indication header");
            }
            e.uint(id, "teredo.orig.port", "Origin UDP port", u64::from(port), o + 2, 2);
            e.add(
                id,
                "teredo.orig.addr",
                "Origin IPv4 address",
                Value::Ipv4(addr),
                o + 4,
                4,
            );
        }
        r
    }
}

/// The UDP port of GTP-U.
pub const GTPU_PORT: u16 = 2152;

/// A GTPv1-U header (3GPP TS 29.281). A T-PDU (message 0xff) carries a user
/// IP packet; its optional fields and extension headers are skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gtpu {
    pub off: usize,
    pub flags: u8,
    pub message: u8,
    pub length: u16,
    pub teid: u32,
    /// Sequence number, N-PDU number and next extension type (present when
    /// any of E, S and PN is set).
    pub opt: Option<(u16, u8, u8)>,
    pub hdr_len: usize,
}

impl Gtpu {
    pub fn parse(data: &[u8], off: usize) -> Result<Gtpu, DissectError> {
        let t = |n: usize| DissectError::truncated("GTP", off, n, data.len().saturating_sub(off));
        let (Some(flags), Some(message), Some(length), Some(teid)) = (
            data.get(off).copied(),
            data.get(off.saturating_add(1)).copied(),
            be16(data, off.saturating_add(2)),
            be32(data, off.saturating_add(4)),
        ) else {
            return Err(t(8));
        };
        if flags >> 5 != 1 {
            return Err(DissectError::malformed("GTP", "not GTP version 1", off));
        }
        let mut g = Gtpu {
            off,
            flags,
            message,
            length,
            teid,
            opt: None,
            hdr_len: 8,
        };
        if flags & 0x07 != 0 {
            let (Some(seq), Some(npdu), Some(mut next)) = (
                be16(data, off.saturating_add(8)),
                data.get(off.saturating_add(10)).copied(),
                data.get(off.saturating_add(11)).copied(),
            ) else {
                return Err(t(12));
            };
            g.opt = Some((seq, npdu, next));
            let mut p = off.saturating_add(12);
            // Extension headers: a length in 4-byte units, the last byte
            // names the next one.
            let mut n = 0;
            while flags & 0x04 != 0 && next != 0 && n < 16 {
                let l = usize::from(*data.get(p).ok_or_else(|| t(p.saturating_sub(off).saturating_add(1)))?) * 4;
                if l == 0 {
                    return Err(DissectError::malformed("GTP", "extension header of length 0", p));
                }
                next = *data
                    .get(p.saturating_add(l).saturating_sub(1))
                    .ok_or_else(|| t(p.saturating_sub(off).saturating_add(l)))?;
                p = p.saturating_add(l);
                n += 1;
            }
            g.hdr_len = p.saturating_sub(off);
        }
        Ok(g)
    }

    /// A T-PDU's user packet, by its version nibble.
    pub fn next(&self, data: &[u8]) -> Next {
        if self.message != 0xff {
            return Next::Nothing;
        }
        match data.get(self.off.saturating_add(self.hdr_len)).map(|b| b >> 4) {
            Some(4) => Next::Ipv4,
            Some(6) => Next::Ipv6,
            _ => Next::Nothing,
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("gtp", "GPRS Tunneling Protocol", o, self.hdr_len);
        let f = u64::from(self.flags);
        let fl = e.hex(r, "gtp.flags", "Flags", f, 2, o, 1, None);
        let vt = if f >> 5 == 1 {
            "GTP release 99 version (1)".to_string()
        } else {
            format!("{}", f >> 5)
        };
        e.bits(
            fl,
            "gtp.flags.version",
            "Version",
            Value::UInt(f >> 5),
            8,
            0xe0,
            o,
            1,
            Some(vt),
        );
        let pt = if f & 0x10 != 0 { "GTP (1)" } else { "GTP' (0)" };
        e.bits(
            fl,
            "gtp.flags.payload",
            "Protocol type",
            Value::UInt((f >> 4) & 1),
            8,
            0x10,
            o,
            1,
            Some(pt.into()),
        );
        e.bits(
            fl,
            "gtp.flags.reserved",
            "Reserved",
            Value::UInt((f >> 3) & 1),
            8,
            0x08,
            o,
            1,
            None,
        );
        let yn = |b: bool| Some(if b { "Yes" } else { "No" }.to_string());
        e.bits(
            fl,
            "gtp.flags.e",
            "Is Next Extension Header present?",
            Value::Bool(f & 4 != 0),
            8,
            0x04,
            o,
            1,
            yn(f & 4 != 0),
        );
        e.bits(
            fl,
            "gtp.flags.s",
            "Is Sequence Number present?",
            Value::Bool(f & 2 != 0),
            8,
            0x02,
            o,
            1,
            yn(f & 2 != 0),
        );
        e.bits(
            fl,
            "gtp.flags.pn",
            "Is N-PDU number present?",
            Value::Bool(f & 1 != 0),
            8,
            0x01,
            o,
            1,
            yn(f & 1 != 0),
        );
        let m = self.message;
        let mt = match m {
            0x01 => "Echo request",
            0x02 => "Echo response",
            0x1a => "Error indication",
            0xfe => "End marker",
            0xff => "T-PDU",
            _ => "Unknown",
        };
        e.hex(
            r,
            "gtp.message",
            "Message Type",
            u64::from(m),
            2,
            o + 1,
            1,
            Some(format!("{mt} (0x{m:02x})")),
        );
        e.uint(r, "gtp.length", "Length", u64::from(self.length), o + 2, 2);
        e.with_text(
            r,
            "gtp.teid",
            "TEID",
            Value::UInt(u64::from(self.teid)),
            o + 4,
            4,
            format!("0x{:08x} ({})", self.teid, self.teid),
        );
        if let Some((seq, npdu, next)) = self.opt {
            e.with_text(
                r,
                "gtp.seq_number",
                "Sequence number",
                Value::UInt(u64::from(seq)),
                o + 8,
                2,
                format!("0x{seq:04x} ({seq})"),
            );
            e.hex(
                r,
                "gtp.npdu_number",
                "N-PDU Number",
                u64::from(npdu),
                2,
                o + 10,
                1,
                None,
            );
            e.hex(
                r,
                "gtp.ext_hdr.next",
                "Next extension header type",
                u64::from(next),
                2,
                o + 11,
                1,
                None,
            );
        }
        r
    }
}
