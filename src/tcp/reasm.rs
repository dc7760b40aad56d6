//! One direction of a TCP byte stream put back in order.
//!
//! Segments are placed by sequence number (64-bit stream offsets, so wrap
//! and streams past 4 GiB are fine). Bytes already delivered are dropped as
//! duplicates; an overlap whose bytes differ from the first copy is flagged
//! (the first copy wins, as most stacks do). Out-of-order segments wait, up
//! to a cap, for the gap before them to fill; a gap that never fills is
//! recorded as missing bytes and skipped, never waited on forever.
//! Every delivered byte range says which frame carried it.

use std::collections::BTreeMap;

use super::seq::Unwrapper;

/// A piece of the ordered stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes at `offset` of the stream, carried by `frame`.
    Data { offset: u64, bytes: Vec<u8>, frame: u64 },
    /// Bytes the capture never saw.
    Gap { offset: u64, len: u64 },
}

/// What happened to one pushed segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushResult {
    /// Bytes that were new (delivered now or held for later).
    pub new_bytes: u64,
    /// Bytes that repeated data already seen.
    pub dup_bytes: u64,
    /// Repeated bytes differed from the first copy.
    pub conflict: bool,
    /// The segment (or part of it) waits for a gap to fill.
    pub held: bool,
    /// Nothing could be held: the cap was reached and a gap was skipped.
    pub cap_hit: bool,
}

/// How much already-delivered data is kept to compare retransmissions with
/// (between this and twice this per direction: memory per live flow stays small;
/// an overlap further back than this is dropped without comparison).
const RECENT_CAP: usize = 2 * 1024;

/// Per-direction reassembly.
#[derive(Clone, Debug)]
pub struct Reassembler {
    unwrap: Option<Unwrapper>,
    /// Next stream offset to deliver.
    next: u64,
    held: BTreeMap<u64, (Vec<u8>, u64)>,
    held_bytes: usize,
    held_cap: usize,
    /// The last delivered bytes (for overlap comparison) and the offset of its first byte.
    recent: Vec<u8>,
    recent_start: u64,
    pub missing: u64,
    pub conflicts: u64,
    pub delivered: u64,
}

impl Reassembler {
    /// `held_cap`: bytes that may wait for a gap before it is skipped.
    pub fn new(held_cap: usize) -> Self {
        Reassembler {
            unwrap: None,
            next: 0,
            held: BTreeMap::new(),
            held_bytes: 0,
            held_cap,
            recent: Vec::new(),
            recent_start: 0,
            missing: 0,
            conflicts: 0,
            delivered: 0,
        }
    }

    /// Sets the sequence number of the first byte (ISN + 1). Without it, the
    /// first data segment seen starts the stream.
    pub fn set_base(&mut self, first_byte_seq: u32) {
        if self.unwrap.is_none() {
            self.unwrap = Some(Unwrapper::new(first_byte_seq));
        }
    }

    pub fn has_base(&self) -> bool {
        self.unwrap.is_some()
    }

    /// Bytes waiting for a gap to fill.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Next stream offset expected.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Stream offset of a sequence number (None before the base is known).
    pub fn offset_of(&mut self, seq: u32) -> Option<i64> {
        self.unwrap.as_mut().map(|u| u.offset(seq))
    }

    fn remember(&mut self, bytes: &[u8]) {
        self.recent.extend_from_slice(bytes);
        if self.recent.len() > RECENT_CAP * 2 {
            let cut = self.recent.len() - RECENT_CAP;
            self.recent.drain(..cut);
            self.recent_start += cut as u64;
        }
    }

    /// Compares `bytes` at `off` (all below `self.next`) with what was delivered.
    fn differs_from_delivered(&self, off: u64, bytes: &[u8]) -> bool {
        let start = off.max(self.recent_start);
        let end = (off + bytes.len() as u64).min(self.next);
        if start >= end {
            return false;
        }
        let (a, b) = ((start - self.recent_start) as usize, (end - self.recent_start) as usize);
        let (c, d) = ((start - off) as usize, (end - off) as usize);
        match (self.recent.get(a..b), bytes.get(c..d)) {
            (Some(x), Some(y)) => x != y,
            _ => false,
        }
    }

    fn deliver(&mut self, bytes: Vec<u8>, frame: u64, out: &mut Vec<Piece>) {
        let offset = self.next;
        self.next += bytes.len() as u64;
        self.delivered += bytes.len() as u64;
        self.remember(&bytes);
        out.push(Piece::Data { offset, bytes, frame });
    }

    /// Delivers held segments that now start at or before `next`.
    fn drain_held(&mut self, out: &mut Vec<Piece>) {
        while let Some((&off, _)) = self.held.iter().next() {
            if off > self.next {
                break;
            }
            let Some((bytes, frame)) = self.held.remove(&off) else {
                break;
            };
            self.held_bytes -= bytes.len();
            let end = off + bytes.len() as u64;
            if end <= self.next {
                if self.differs_from_delivered(off, &bytes) {
                    self.conflicts += 1;
                }
                continue;
            }
            let skip = (self.next - off) as usize;
            if skip > 0 && self.differs_from_delivered(off, bytes.get(..skip).unwrap_or(&[])) {
                self.conflicts += 1;
            }
            let rest = bytes.get(skip..).unwrap_or(&[]).to_vec();
            self.deliver(rest, frame, out);
        }
    }

    /// Adds a segment's payload; ordered pieces ready for the application go to `out`.
    pub fn push(&mut self, seq: u32, data: &[u8], frame: u64, out: &mut Vec<Piece>) -> PushResult {
        let mut r = PushResult::default();
        if data.is_empty() {
            return r;
        }
        if self.unwrap.is_none() {
            self.unwrap = Some(Unwrapper::new(seq));
        }
        let Some(off) = self.offset_of(seq) else { return r };
        let len = data.len() as u64;
        // Bytes before the stream start (before ISN+1): ignore them.
        let (off, data) = if off < 0 {
            let cut = (-off) as u64;
            if cut >= len {
                return r;
            }
            (0u64, data.get(cut as usize..).unwrap_or(&[]))
        } else {
            (off as u64, data)
        };
        let len = data.len() as u64;
        let end = off + len;
        if end <= self.next {
            r.dup_bytes = len;
            if self.differs_from_delivered(off, data) {
                r.conflict = true;
                self.conflicts += 1;
            }
            return r;
        }
        if off <= self.next {
            let skip = (self.next - off) as usize;
            r.dup_bytes = skip as u64;
            if skip > 0 && self.differs_from_delivered(off, data.get(..skip).unwrap_or(&[])) {
                r.conflict = true;
                self.conflicts += 1;
            }
            let fresh = data.get(skip..).unwrap_or(&[]).to_vec();
            r.new_bytes = fresh.len() as u64;
            self.deliver(fresh, frame, out);
            self.drain_held(out);
            return r;
        }
        // Out of order: hold it, unless an equal or larger copy is already held.
        r.held = true;
        if let Some((old, _)) = self.held.get(&off) {
            if old.len() as u64 >= len {
                r.dup_bytes = len;
                if old.get(..data.len()) != Some(data) {
                    r.conflict = true;
                    self.conflicts += 1;
                }
                return r;
            }
        }
        if self.held_bytes + data.len() > self.held_cap {
            // The gap before it is not filling in time: skip to this segment.
            r.cap_hit = true;
            self.skip_to(off, out);
            r.held = false;
            r.new_bytes = len;
            self.deliver(data.to_vec(), frame, out);
            self.drain_held(out);
            return r;
        }
        r.new_bytes = len;
        if let Some((old, _)) = self.held.insert(off, (data.to_vec(), frame)) {
            self.held_bytes -= old.len();
        }
        self.held_bytes += data.len();
        r
    }

    /// Gives up on the bytes before stream offset `to`: records them as missing.
    pub fn skip_to(&mut self, to: u64, out: &mut Vec<Piece>) {
        if to <= self.next {
            return;
        }
        let len = to - self.next;
        out.push(Piece::Gap { offset: self.next, len });
        self.missing += len;
        self.next = to;
        self.recent.clear();
        self.recent_start = to;
        self.drain_held(out);
    }

    /// The receiver acknowledged up to `ack` (`fin` is this direction's FIN
    /// sequence number, if sent: it takes a sequence number but no byte).
    /// Whatever is still missing below it was received but never captured.
    pub fn acked(&mut self, ack: u32, fin: Option<u32>, out: &mut Vec<Piece>) {
        let end = match fin {
            Some(f) if super::seq::gt(ack, f) => f,
            _ => ack,
        };
        if let Some(off) = self.offset_of(end) {
            let target = off.max(0) as u64;
            if target > self.next {
                self.skip_to(target, out);
            }
        }
    }

    /// Gives up on every gap (end of the flow, or memory pressure): the
    /// remaining gaps are skipped and the held data delivered.
    pub fn flush(&mut self, out: &mut Vec<Piece>) {
        while let Some((&off, _)) = self.held.iter().next() {
            self.skip_to(off, out);
            self.drain_held(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(out: &[Piece]) -> Vec<u8> {
        let mut v = Vec::new();
        for p in out {
            if let Piece::Data { bytes, .. } = p {
                v.extend_from_slice(bytes);
            }
        }
        v
    }

    #[test]
    fn in_order_and_out_of_order_and_duplicates() {
        let mut r = Reassembler::new(1 << 20);
        r.set_base(1001);
        let mut out = Vec::new();
        r.push(1001, b"hello ", 1, &mut out);
        let held = r.push(1012, b"!", 3, &mut out);
        assert!(held.held);
        r.push(1007, b"world", 2, &mut out);
        let dup = r.push(1001, b"hello ", 4, &mut out);
        assert_eq!(dup.dup_bytes, 6);
        assert!(!dup.conflict);
        assert_eq!(collect(&out), b"hello world!");
        // Provenance: each piece knows its frame.
        let frames: Vec<u64> = out
            .iter()
            .filter_map(|p| {
                if let Piece::Data { frame, .. } = p {
                    Some(*frame)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(frames, vec![1, 2, 3]);
    }

    #[test]
    fn differing_overlap_is_flagged_and_first_copy_wins() {
        let mut r = Reassembler::new(1 << 20);
        r.set_base(1);
        let mut out = Vec::new();
        r.push(1, b"abcdef", 1, &mut out);
        let x = r.push(3, b"XYZ", 2, &mut out);
        assert!(x.conflict);
        r.push(7, b"gh", 3, &mut out);
        assert_eq!(collect(&out), b"abcdefgh");
        assert_eq!(r.conflicts, 1);
    }

    #[test]
    fn gap_never_filled_is_skipped_on_flush_and_counted() {
        let mut r = Reassembler::new(1 << 20);
        r.set_base(1);
        let mut out = Vec::new();
        r.push(1, b"ab", 1, &mut out);
        r.push(10, b"zz", 2, &mut out);
        r.flush(&mut out);
        assert_eq!(r.missing, 7);
        assert!(out.contains(&Piece::Gap { offset: 2, len: 7 }));
        assert_eq!(collect(&out), b"abzz");
    }

    #[test]
    fn the_cap_bounds_held_bytes() {
        let mut r = Reassembler::new(4);
        r.set_base(1);
        let mut out = Vec::new();
        r.push(100, b"abc", 1, &mut out);
        let x = r.push(200, b"defgh", 2, &mut out);
        assert!(x.cap_hit);
        assert!(r.held_bytes() <= 4);
        assert_eq!(r.missing, 199);
    }

    #[test]
    fn ack_beyond_a_hole_skips_it() {
        let mut r = Reassembler::new(1 << 20);
        r.set_base(1);
        let mut out = Vec::new();
        r.push(1, b"ab", 1, &mut out);
        r.acked(11, None, &mut out); // receiver has 10 bytes: 8 were never captured
        assert_eq!(r.missing, 8);
        r.push(11, b"k", 2, &mut out);
        assert_eq!(collect(&out), b"abk");
    }

    #[test]
    fn wraps_around_the_sequence_space() {
        let mut r = Reassembler::new(1 << 20);
        r.set_base(0xffff_fffe);
        let mut out = Vec::new();
        r.push(0xffff_fffe, b"ab", 1, &mut out);
        r.push(0, b"cd", 2, &mut out);
        assert_eq!(collect(&out), b"abcd");
    }

    proptest::proptest! {
        /// Any permutation and duplication of a stream's segments reassembles to the original.
        #[test]
        fn any_permutation_with_duplicates_gives_the_original(
            data in proptest::collection::vec(proptest::num::u8::ANY, 1..2000),
            cuts in proptest::collection::vec(1usize..200, 1..40),
            order in proptest::collection::vec(proptest::num::usize::ANY, 1..80),
            isn in proptest::num::u32::ANY,
        ) {
            // Cut the stream into segments.
            let mut segs = Vec::new();
            let mut at = 0usize;
            for c in cuts.iter().cycle() {
                if at >= data.len() { break; }
                let end = (at + c).min(data.len());
                segs.push((at, end));
                at = end;
            }
            // Deliver them in an arbitrary order with duplicates, then every one once more.
            let mut r = Reassembler::new(1 << 20);
            r.set_base(isn.wrapping_add(1));
            let mut out = Vec::new();
            let seq_of = |a: usize| isn.wrapping_add(1).wrapping_add(a as u32);
            for o in &order {
                let (a, b) = segs[o % segs.len()];
                r.push(seq_of(a), &data[a..b], 1, &mut out);
            }
            for &(a, b) in segs.iter().rev() {
                r.push(seq_of(a), &data[a..b], 2, &mut out);
            }
            proptest::prop_assert_eq!(collect(&out), data.clone());
            proptest::prop_assert_eq!(r.conflicts, 0);
            proptest::prop_assert_eq!(r.held_bytes(), 0);
        }

        /// A duplicate whose bytes differ is always flagged, and never changes the stream.
        #[test]
        fn differing_duplicates_are_flagged(
            data in proptest::collection::vec(proptest::num::u8::ANY, 2..500),
            at in proptest::num::usize::ANY,
        ) {
            let mut r = Reassembler::new(1 << 20);
            r.set_base(1);
            let mut out = Vec::new();
            r.push(1, &data, 1, &mut out);
            let i = at % data.len();
            let mut bad = data[i..].to_vec();
            bad[0] ^= 0xff;
            let res = r.push(1 + i as u32, &bad, 2, &mut out);
            proptest::prop_assert!(res.conflict);
            proptest::prop_assert_eq!(collect(&out), data.clone());
        }
    }
}
