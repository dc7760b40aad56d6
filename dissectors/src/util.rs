//! Small shared helpers: the Internet checksum and pseudo-headers.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Adds `data` to a running one's-complement sum (RFC 1071), as 16-bit big-endian words.
pub fn sum_words(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        if let [a, b] = c {
            acc += u64::from(u16::from_be_bytes([*a, *b]));
        }
    }
    if let [last] = chunks.remainder() {
        acc += u64::from(u16::from_be_bytes([*last, 0]));
    }
    acc
}

/// Folds a running sum into the 16-bit one's complement checksum.
pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The Internet checksum of `data` (0 when the data already contains a correct checksum).
pub fn checksum(data: &[u8]) -> u16 {
    fold(sum_words(0, data))
}

/// Running sum of the IPv4 pseudo-header for a transport checksum.
pub fn pseudo_v4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> u64 {
    let mut acc = sum_words(0, &src.octets());
    acc = sum_words(acc, &dst.octets());
    acc + u64::from(proto) + (len as u64 & 0xffff_ffff)
}

/// Running sum of the IPv6 pseudo-header (RFC 8200 section 8.1).
pub fn pseudo_v6(src: Ipv6Addr, dst: Ipv6Addr, next: u8, len: usize) -> u64 {
    let mut acc = sum_words(0, &src.octets());
    acc = sum_words(acc, &dst.octets());
    acc + (len as u64 & 0xffff_ffff) + u64::from(next)
}

/// Whether a transport checksum is right, wrong or could not be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChecksumStatus {
    Good,
    /// Wrong; holds the checksum that the field should have carried.
    Bad(u16),
    /// Not checked: the segment was not fully captured, or (UDP over IPv4) the sender sent zero.
    #[default]
    Unverified,
}

impl ChecksumStatus {
    /// Wireshark's `*.checksum.status` value: 0 bad, 1 good, 2 unverified.
    pub fn code(self) -> u64 {
        match self {
            ChecksumStatus::Bad(_) => 0,
            ChecksumStatus::Good => 1,
            ChecksumStatus::Unverified => 2,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ChecksumStatus::Bad(_) => "Bad",
            ChecksumStatus::Good => "Good",
            ChecksumStatus::Unverified => "Unverified",
        }
    }
}

/// Reads a big-endian u16 at `off`, if present.
pub fn be16(data: &[u8], off: usize) -> Option<u16> {
    match data.get(off..off.checked_add(2)?)? {
        [a, b] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    }
}

/// Reads a big-endian u32 at `off`, if present.
pub fn be32(data: &[u8], off: usize) -> Option<u32> {
    match data.get(off..off.checked_add(4)?)? {
        [a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// Copies 4 bytes at `off` into an IPv4 address.
pub fn ipv4_at(data: &[u8], off: usize) -> Option<Ipv4Addr> {
    be32(data, off).map(Ipv4Addr::from)
}

/// Copies 16 bytes at `off` into an IPv6 address.
pub fn ipv6_at(data: &[u8], off: usize) -> Option<Ipv6Addr> {
    let b: [u8; 16] = data.get(off..off.checked_add(16)?)?.try_into().ok()?;
    Some(Ipv6Addr::from(b))
}

/// Copies 6 bytes at `off` into a MAC address.
pub fn mac_at(data: &[u8], off: usize) -> Option<[u8; 6]> {
    data.get(off..off.checked_add(6)?)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The example of RFC 1071 section 3: sum 0xddf2, checksum 0x220d.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), 0x220d);
        assert_eq!(checksum(&[0x01]), !0x0100);
    }

    #[test]
    fn readers_never_panic() {
        assert_eq!(be16(&[1], 0), None);
        assert_eq!(be32(&[1, 2, 3, 4], usize::MAX), None);
        assert_eq!(mac_at(&[0; 6], 0), Some([0; 6]));
    }
}
