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
        let (Some(vt), Some(res), Some(ck), Some(flags)) =
            (data.get(off).copied(), data.get(off.saturating_add(1)).copied(), be16(data, off.saturating_add(2)), be32(data, off.saturating_add(4)))
        else {
            return Err(DissectError::truncated(PIM_LAYER, off, Self::LEN, data.len().saturating_sub(off)));
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
        Ok(PimRegister { off, ver_type: vt, reserved: res, checksum: ck, checksum_status, flags })
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
        e.bits(r, "pim.type", "Type", Value::UInt(vt & 0x0f), 8, 0x0f, o, 1, Some("Register (1)".into()));
        e.bytes(r, "pim.res_bytes", "Reserved byte(s)", data, o + 1, 1);
        let c = self.checksum;
        let text = match self.checksum_status {
            ChecksumStatus::Good => format!("0x{c:04x} [correct]"),
            ChecksumStatus::Bad(_) => format!("0x{c:04x} [incorrect]"),
            ChecksumStatus::Unverified => format!("0x{c:04x} [unverified]"),
        };
        e.hex(r, "pim.cksum", "Checksum", u64::from(c), 4, o + 2, 2, Some(text));
        let st = e.with_text(r, "pim.cksum.status", "Checksum Status", Value::UInt(self.checksum_status.code()), o + 2, 0, self.checksum_status.label());
        e.t.set_generated(st);
        let opts = e.t.text(Some(r), "", "PIM Options", o + 4, 4);
        let f = u64::from(self.flags);
        let fl = e.hex(opts, "pim.register_flag", "Flags", f, 8, o + 4, 4, None);
        let yn = |b: bool| Some(if b { "Yes" } else { "No" }.to_string());
        e.bits(fl, "pim.register_flag.border", "Border", Value::Bool(f & 0x8000_0000 != 0), 32, 0x8000_0000, o + 4, 4, yn(f & 0x8000_0000 != 0));
        e.bits(fl, "pim.register_flag.null_register", "Null-Register", Value::Bool(f & 0x4000_0000 != 0), 32, 0x4000_0000, o + 4, 4, yn(f & 0x4000_0000 != 0));
        if opts != SKIPPED {
            if let Some(b) = data.get(o + 8) {
                let v = b >> 4;
                let vt = match v {
                    4 => "IPv4 (4)".to_string(),
                    6 => "IPv6 (6)".to_string(),
                    _ => format!("Unknown ({v})"),
                };
                e.bits(opts, "pim.ip_version", "IP Version", Value::UInt(u64::from(v)), 8, 0xf0, o + 8, 1, Some(vt));
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
        let mut tr = Teredo { off, auth: None, origin: None, hdr_len: 0 };
        if be16(data, p) == Some(1) {
            let (Some(idl), Some(aul)) = (data.get(p.saturating_add(2)).copied(), data.get(p.saturating_add(3)).copied()) else {
                return Err(t(4));
            };
            let len = 4usize.saturating_add(usize::from(idl)).saturating_add(usize::from(aul)).saturating_add(9);
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
            let id = e.add(r, "teredo.auth", "Teredo Authentication header", Value::None, a, 13 + usize::from(idl) + usize::from(aul));
            if id != SKIPPED {
                e.t.set_text(id, "Teredo Authentication header");
            }
            e.uint(id, "teredo.auth.idlen", "Client identifier length", u64::from(idl), a + 2, 1);
            e.uint(id, "teredo.auth.aulen", "Authentication value length", u64::from(aul), a + 3, 1);
            let mut q = a + 4;
            if idl > 0 {
                e.bytes(id, "teredo.auth.id", "Client identifier", data, q, usize::from(idl));
                q += usize::from(idl);
            }
            if aul > 0 {
                e.bytes(id, "teredo.auth.value", "Authentication value", data, q, usize::from(aul));
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
            e.add(id, "teredo.orig.addr", "Origin IPv4 address", Value::Ipv4(addr), o + 4, 4);
        }
        r
    }
}
