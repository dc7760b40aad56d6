//! BSD null / loopback (LINKTYPE_NULL) and OpenBSD loopback (LINKTYPE_LOOP).
//!
//! LINKTYPE_NULL carries a 4-byte address family in the byte order of the
//! machine that captured; LINKTYPE_LOOP carries it big-endian. The byte
//! order of a NULL header is guessed the way Wireshark does: families are
//! small numbers, so of the two readings the one with zero upper bytes
//! wins; IRIX-style headers (a 2-byte family then 2 zero bytes) are
//! recognized, and a value above 1500 is an ethertype (old Linux captures).

use crate::error::{need, DissectError};
use crate::tree::{NodeId, Value};

use nom::Parser;

use super::{ethertype_name, ethertype_next, named_hex4, padded, rest, u32_, Emit, Link, LinkKind, Next};

pub const NULL_LEN: usize = 4;
const LAYER: &str = "Null/Loopback";

pub const AF_INET: u32 = 2;
/// AF_INET6 on NetBSD / OpenBSD / BSD/OS.
pub const AF_INET6_BSD: u32 = 24;
/// AF_INET6 on FreeBSD / DragonFly.
pub const AF_INET6_FREEBSD: u32 = 28;
/// AF_INET6 on macOS.
pub const AF_INET6_DARWIN: u32 = 30;
/// AF_INET6 on Linux.
pub const AF_INET6_LINUX: u32 = 10;

/// The null / loopback header. `family` is the value after the byte-order
/// guess: an address family, or an ethertype when above 1500.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Null {
    pub family: u32,
    pub off: usize,
    /// The header was read big-endian (LINKTYPE_LOOP, or a NULL header from
    /// a big-endian machine).
    pub big_endian: bool,
    /// LINKTYPE_LOOP: the value is always a family, never an ethertype.
    pub is_loop: bool,
    /// The frame starts with ff 03: PPP in HDLC-like framing (old FreeBSD
    /// ISDN captures), not a null header; not dissected further.
    pub ppp_hdlc: bool,
}

impl Null {
    /// The value is an ethertype (`null.type`), not a family (`null.family`).
    pub fn is_ethertype(&self) -> bool {
        !self.is_loop && !self.ppp_hdlc && self.family > 1500
    }

    /// The next layer for the family or ethertype.
    pub fn next(&self) -> Next {
        if self.ppp_hdlc {
            return Next::Nothing;
        }
        if self.is_ethertype() {
            return ethertype_next(u16::try_from(self.family & 0xffff).unwrap_or(0));
        }
        match self.family {
            AF_INET => Next::Ipv4,
            AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN | AF_INET6_LINUX => Next::Ipv6,
            _ => Next::Nothing,
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        if self.ppp_hdlc {
            return e.root("ppp", "Point-to-Point Protocol", self.off, 4);
        }
        let r = e.root("null", "Null/Loopback", self.off, NULL_LEN);
        if self.is_ethertype() {
            let t = u16::try_from(self.family & 0xffff).unwrap_or(0);
            e.hex(
                r,
                "null.type",
                "Type",
                u64::from(t),
                4,
                self.off,
                NULL_LEN,
                Some(named_hex4(ethertype_name(t), t)),
            );
        } else {
            let name = family_name(self.family).unwrap_or("Unknown");
            let text = format!("{name} ({})", self.family);
            e.with_text(
                r,
                "null.family",
                "Family",
                Value::UInt(u64::from(self.family)),
                self.off,
                NULL_LEN,
                text,
            );
        }
        r
    }
}

/// Wireshark's names of the BSD address families.
pub fn family_name(f: u32) -> Option<&'static str> {
    Some(match f {
        2 => "IP",
        7 => "OSI",
        16 => "Appletalk",
        23 => "Netware IPX/SPX",
        24 | 28 | 30 => "IPv6",
        _ => return None,
    })
}

/// Parses a 4-byte null header at `off`; `loop_` for LINKTYPE_LOOP (big-endian).
pub fn parse(data: &[u8], off: usize, loop_: bool) -> Result<Null, DissectError> {
    need(LAYER, data, off, NULL_LEN)?;
    let (_, be) = u32_
        .parse(rest(data, off))
        .map_err(|_| DissectError::truncated(LAYER, off, NULL_LEN, data.len().saturating_sub(off)))?;
    if loop_ {
        return Ok(Null {
            family: be,
            off,
            big_endian: true,
            is_loop: true,
            ppp_hdlc: false,
        });
    }
    if be >> 16 == 0xff03 {
        return Ok(Null {
            family: be & 0xffff,
            off,
            big_endian: true,
            is_loop: false,
            ppp_hdlc: true,
        });
    }
    let le = be.swap_bytes();
    // Read as a little-endian machine would (`le`), then correct the guess.
    let (family, big_endian) = if le & 0xffff_0000 != 0 {
        if le & 0xff00_0000 == 0 && le & 0x00ff_0000 < 0x0006_0000 {
            // IRIX: a big-endian 16-bit family, then two zero bytes.
            (le >> 16, false)
        } else {
            (be, true)
        }
    } else if le & 0x0000_00ff == 0 && le & 0x0000_ff00 < 0x0000_0600 {
        // IRIX header read with the other byte order.
        (u32::from(u16::try_from(le & 0xffff).unwrap_or(0).swap_bytes()), true)
    } else {
        (le, false)
    };
    Ok(Null {
        family,
        off,
        big_endian,
        is_loop: false,
        ppp_hdlc: false,
    })
}

pub(crate) fn parse_link(data: &[u8], loop_: bool) -> Link {
    let lt = if loop_ {
        super::linktype::LOOP
    } else {
        super::linktype::NULL
    };
    match parse(data, 0, loop_) {
        Ok(n) => Link {
            kind: LinkKind::Null(n),
            next: n.next(),
            payload_off: NULL_LEN,
            error: None,
            linktype: lt,
        },
        Err(err) => Link {
            kind: LinkKind::Null(parse(&padded(data, 0, NULL_LEN), 0, loop_).unwrap_or(Null {
                is_loop: loop_,
                ..Null::default()
            })),
            next: Next::Nothing,
            payload_off: data.len(),
            error: Some(err),
            linktype: lt,
        },
    }
}
