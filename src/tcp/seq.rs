//! Sequence numbers wrap at 2^32: compare them by the sign of their
//! wrapping difference (RFC 1982 serial arithmetic), never by `<` on raw
//! values and never with a subtraction that can panic.

/// `a < b` in sequence space.
#[inline]
pub fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a <= b` in sequence space.
#[inline]
pub fn le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

/// `a > b` in sequence space.
#[inline]
pub fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

/// `a >= b` in sequence space.
#[inline]
pub fn ge(a: u32, b: u32) -> bool {
    le(b, a)
}

/// The later of two sequence numbers.
#[inline]
pub fn max(a: u32, b: u32) -> u32 {
    if lt(a, b) {
        b
    } else {
        a
    }
}

/// Signed distance from `b` to `a` (`a - b`), valid within 2^31.
#[inline]
pub fn diff(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// Tracks a 64-bit stream position from 32-bit sequence numbers, so streams
/// longer than 4 GiB keep increasing offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unwrapper {
    base: u32,
    last: u64,
}

impl Unwrapper {
    /// Offsets count from `base` (offset 0 = sequence number `base`).
    pub fn new(base: u32) -> Self {
        Unwrapper { base, last: 0 }
    }

    pub fn base(&self) -> u32 {
        self.base
    }

    /// The 64-bit offset of `seq`, taken as the one nearest the last offset seen.
    pub fn offset(&mut self, seq: u32) -> i64 {
        let rel = seq.wrapping_sub(self.base);
        let last_lo = self.last as u32;
        let d = i64::from(rel.wrapping_sub(last_lo) as i32);
        let off = self.last as i64 + d;
        if off > self.last as i64 {
            self.last = off as u64;
        }
        off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_survive_wrap_around() {
        assert!(lt(0xffff_fff0, 0x10));
        assert!(gt(0x10, 0xffff_fff0));
        assert!(le(5, 5) && ge(5, 5));
        assert_eq!(max(0xffff_ffff, 2), 2);
        assert_eq!(diff(3, 0xffff_fffe), 5);
        assert_eq!(diff(0xffff_fffe, 3), -5);
    }

    #[test]
    fn unwrapper_counts_past_four_gib() {
        let mut u = Unwrapper::new(0xffff_0000);
        assert_eq!(u.offset(0xffff_0000), 0);
        assert_eq!(u.offset(0x0000_0000), 0x1_0000);
        let mut seq: u32 = 0x0000_0000;
        let mut expect: i64 = 0x1_0000;
        for _ in 0..3000 {
            seq = seq.wrapping_add(0x0200_0000);
            expect += 0x0200_0000;
            assert_eq!(u.offset(seq), expect);
        }
        assert!(expect > 1 << 32);
        // An old retransmission maps just below the current position.
        assert_eq!(u.offset(seq.wrapping_sub(10)), expect - 10);
    }
}
