//! Classic libpcap format: file header and record headers.

use nom::number::complete::{be_u32, le_u32, u16 as nu16, u32 as nu32};
use nom::number::Endianness;
use nom::IResult;
use nom::Parser;

use super::Timestamp;

pub(crate) const FILE_HEADER_LEN: usize = 24;

/// Magic numbers as they appear in the first four bytes of the file.
const MAGICS: [([u8; 4], Endianness, bool, bool); 6] = [
    // (bytes, byte order, nanosecond, modified)
    ([0xd4, 0xc3, 0xb2, 0xa1], Endianness::Little, false, false),
    ([0xa1, 0xb2, 0xc3, 0xd4], Endianness::Big, false, false),
    ([0x4d, 0x3c, 0xb2, 0xa1], Endianness::Little, true, false),
    ([0xa1, 0xb2, 0x3c, 0x4d], Endianness::Big, true, false),
    ([0x34, 0xcd, 0xb2, 0xa1], Endianness::Little, false, true),
    ([0xa1, 0xb2, 0xcd, 0x34], Endianness::Big, false, true),
];

/// The decoded file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PcapHeader {
    pub endian: Endianness,
    pub nanos: bool,
    /// Kuznetzov's modified format: 24-byte record headers.
    pub modified: bool,
    pub version: (u16, u16),
    pub snaplen: u32,
    /// The link type field as stored, FCS and reserved bits included.
    pub linktype_raw: u32,
}

/// Why a 24-byte pcap header is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    Version(u16, u16),
    ReservedBits(u32),
}

/// Byte order, nanosecond, modified — if `b` starts with a pcap magic.
pub(crate) fn magic(b: &[u8]) -> Option<(Endianness, bool, bool)> {
    let head = b.get(..4)?;
    MAGICS.iter().find(|m| m.0 == head).map(|m| (m.1, m.2, m.3))
}

/// True if `b` (shorter than 4 bytes) could be the start of a pcap or pcapng magic.
pub(crate) fn is_magic_prefix(b: &[u8]) -> bool {
    !b.is_empty() && (MAGICS.iter().any(|m| m.0.starts_with(b)) || [0x0a, 0x0d, 0x0d, 0x0a].starts_with(b))
}

/// version major, minor, thiszone, sigfigs, snaplen, link type.
type HeaderFields = (u16, u16, u32, u32, u32, u32);

fn header_fields(i: &[u8], e: Endianness) -> IResult<&[u8], HeaderFields> {
    (nu16(e), nu16(e), nu32(e), nu32(e), nu32(e), nu32(e)).parse(i)
}

/// Parses the 24-byte file header (`b` starts with a magic from [`magic`]).
/// `None` if shorter than 24 bytes.
pub(crate) fn parse_header(b: &[u8]) -> Option<Result<PcapHeader, HeaderError>> {
    let (endian, nanos, modified) = magic(b)?;
    let rest = b.get(4..FILE_HEADER_LEN)?;
    let (_, (major, minor, _thiszone, _sigfigs, snaplen, linktype_raw)) = header_fields(rest, endian).ok()?;
    if major != 2 {
        return Some(Err(HeaderError::Version(major, minor)));
    }
    if linktype_raw & 0x03ff_0000 != 0 {
        return Some(Err(HeaderError::ReservedBits(linktype_raw)));
    }
    Some(Ok(PcapHeader {
        endian,
        nanos,
        modified,
        version: (major, minor),
        snaplen,
        linktype_raw,
    }))
}

impl PcapHeader {
    /// Bytes of each record header.
    pub(crate) fn record_header_len(&self) -> usize {
        if self.modified {
            24
        } else {
            16
        }
    }

    /// LINKTYPE_ value without the FCS bits.
    pub(crate) fn linktype(&self) -> u32 {
        self.linktype_raw & 0xffff
    }

    /// FCS length in bytes if the header says so (F bit set; the 4-bit
    /// field counts 16-bit words).
    pub(crate) fn fcs_len(&self) -> Option<u8> {
        if self.linktype_raw & 0x0400_0000 != 0 {
            u8::try_from((self.linktype_raw >> 28) * 2).ok()
        } else {
            None
        }
    }

    pub(crate) fn ticks_per_sec(&self) -> u64 {
        if self.nanos {
            1_000_000_000
        } else {
            1_000_000
        }
    }
}

/// A record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    pub ts_sec: u32,
    pub ts_frac: u32,
    pub caplen: u32,
    pub origlen: u32,
}

/// Parses the first 16 bytes of a record header (the modified format's 8
/// extra bytes — ifindex, protocol, packet type — are not used).
#[inline(always)]
pub(crate) fn parse_record_header(b: &[u8], e: Endianness) -> Option<RecordHeader> {
    // One monomorphized copy per byte order: this is the hot path.
    match e {
        Endianness::Big => record_with(b, |i: &[u8]| be_u32(i)),
        _ => record_with(b, |i: &[u8]| le_u32(i)),
    }
}

#[inline(always)]
fn record_with<P>(b: &[u8], u32p: P) -> Option<RecordHeader>
where
    P: Fn(&[u8]) -> IResult<&[u8], u32> + Copy,
{
    let (_, (ts_sec, ts_frac, caplen, origlen)) = (u32p, u32p, u32p, u32p).parse(b).ok()?;
    Some(RecordHeader {
        ts_sec,
        ts_frac,
        caplen,
        origlen,
    })
}

impl RecordHeader {
    /// The timestamp, and whether the fraction was out of range (then
    /// carried into the seconds).
    #[inline]
    pub(crate) fn timestamp(&self, nanos: bool) -> (Timestamp, bool) {
        let (mult, limit) = if nanos {
            (1u64, 1_000_000_000u32)
        } else {
            (1_000u64, 1_000_000u32)
        };
        if self.ts_frac < limit {
            let n = u32::try_from(u64::from(self.ts_frac) * mult).unwrap_or(0);
            (
                Timestamp {
                    secs: i64::from(self.ts_sec),
                    nanos: n,
                },
                false,
            )
        } else {
            let total = u64::from(self.ts_frac) * mult;
            let carry = i64::try_from(total / 1_000_000_000).unwrap_or(0);
            let n = u32::try_from(total % 1_000_000_000).unwrap_or(0);
            (
                Timestamp {
                    secs: i64::from(self.ts_sec).saturating_add(carry),
                    nanos: n,
                },
                true,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_both_orders_and_fcs() {
        let mut le = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        le.extend_from_slice(&[0; 8]);
        le.extend_from_slice(&65535u32.to_le_bytes());
        le.extend_from_slice(&(0x6400_0000u32 | 1).to_le_bytes()); // F bit set, FCS field = 6 words
        let h = parse_header(&le).unwrap().unwrap();
        assert_eq!(h.endian, Endianness::Little);
        assert_eq!(h.linktype(), 1);
        assert_eq!(h.fcs_len(), Some(12));
        assert_eq!(h.version, (2, 4));
        let mut be = vec![0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4];
        be.extend_from_slice(&[0; 8]);
        be.extend_from_slice(&1500u32.to_be_bytes());
        be.extend_from_slice(&0x0400_0071u32.to_be_bytes());
        let h = parse_header(&be).unwrap().unwrap();
        assert!(h.nanos && h.endian == Endianness::Big && h.snaplen == 1500 && h.linktype() == 113);
        assert_eq!(h.fcs_len(), Some(0));
        assert!(parse_header(&be[..23]).is_none());
        be[20..24].copy_from_slice(&0x0030_0001u32.to_be_bytes());
        assert_eq!(parse_header(&be), Some(Err(HeaderError::ReservedBits(0x0030_0001))));
        be[4..6].copy_from_slice(&[0, 1]);
        assert_eq!(parse_header(&be), Some(Err(HeaderError::Version(1, 4))));
    }

    #[test]
    fn timestamps() {
        let r = RecordHeader {
            ts_sec: 10,
            ts_frac: 999_999,
            caplen: 0,
            origlen: 0,
        };
        assert_eq!(
            r.timestamp(false),
            (
                Timestamp {
                    secs: 10,
                    nanos: 999_999_000
                },
                false
            )
        );
        let r = RecordHeader {
            ts_sec: 10,
            ts_frac: 1_000_000,
            caplen: 0,
            origlen: 0,
        };
        assert_eq!(r.timestamp(false), (Timestamp { secs: 11, nanos: 0 }, true));
        let r = RecordHeader {
            ts_sec: u32::MAX,
            ts_frac: u32::MAX,
            caplen: 0,
            origlen: 0,
        };
        let (t, bad) = r.timestamp(true);
        assert!(bad && t.secs == i64::from(u32::MAX) + 4 && t.nanos == 294_967_295);
        let (t, _) = r.timestamp(false);
        assert_eq!(
            t.as_nanos(),
            i128::from(u32::MAX) * 1_000_000_000 + i128::from(u32::MAX) * 1000
        );
    }

    #[test]
    fn prefixes() {
        assert!(is_magic_prefix(&[0xd4, 0xc3]));
        assert!(is_magic_prefix(&[0x0a, 0x0d, 0x0d]));
        assert!(!is_magic_prefix(&[0x1f, 0x8b]));
        assert!(!is_magic_prefix(&[]));
    }
}
