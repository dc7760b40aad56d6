//! IP fragment reassembly for IPv4 and IPv6, with bounded memory.
//!
//! Each datagram being reassembled keeps one buffer (as long as the furthest
//! fragment end seen, at most 65535 bytes) and a bitmap of the bytes already
//! received. The first copy of a byte wins; a later fragment that covers it
//! again is flagged as an overlap, and as a conflict when its bytes differ.
//! Time comes only from the capture timestamps passed in: datagrams whose
//! first fragment is older than the timeout are dropped, and when a limit on
//! datagrams or held bytes is reached the oldest datagrams are evicted.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::tree::{NodeId, Source, Tree, Value};

/// The largest datagram payload reassembled.
pub const MAX_DATAGRAM: usize = 65535;
/// A datagram with more fragments than this is dropped (8-byte fragments of
/// a full-size datagram, twice over for duplicates).
pub const MAX_FRAGMENTS: usize = 16384;

/// Per-fragment notes in [`Reassembled::frame_flags`].
pub const FRAG_OVERLAP: u8 = 1;
pub const FRAG_CONFLICT: u8 = 2;
pub const FRAG_TOO_LONG: u8 = 4;
pub const FRAG_MULTIPLE_TAILS: u8 = 8;

/// What identifies the fragments of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub proto: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragLimits {
    /// Datagrams being reassembled at once.
    pub max_datagrams: usize,
    /// Bytes held in reassembly buffers, over all datagrams.
    pub max_bytes: usize,
    /// A datagram whose first fragment is older than this (capture time) is dropped.
    pub timeout_ns: i64,
}

impl Default for FragLimits {
    fn default() -> Self {
        FragLimits {
            max_datagrams: 1024,
            max_bytes: 64 << 20,
            timeout_ns: 30_000_000_000,
        }
    }
}

/// A reassembled datagram payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reassembled {
    pub data: Vec<u8>,
    /// The fragments by offset (then arrival): (byte offset, payload length, frame number).
    pub frames: Vec<(u32, u32, u64)>,
    /// Some fragments covered bytes already received.
    pub overlap: bool,
    /// ... with different bytes (the first copy was kept).
    pub overlap_conflict: bool,
    /// For each entry of `frames`: `FRAG_*` bits.
    pub frame_flags: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FragOutcome {
    /// Kept until the datagram is complete.
    Held {
        first_frame: u64,
    },
    Complete(Reassembled),
    /// The fragment (and its datagram) was given up; the reason says why.
    Dropped(&'static str),
}

struct Pending {
    buf: Vec<u8>,
    have: Vec<u64>,
    /// The end given by the fragment without "more fragments".
    total: Option<usize>,
    frames: Vec<(u32, u32, u64)>,
    flags: Vec<u8>,
    first_frame: u64,
    first_ts: i64,
    seq: u64,
}

impl Pending {
    fn has(&self, i: usize) -> bool {
        self.have.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    fn set(&mut self, i: usize) {
        if let Some(w) = self.have.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    fn grow(&mut self, len: usize) {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
            self.have.resize(len.div_ceil(64), 0);
        }
    }

    /// Are all bytes `0..n` present?
    fn covers(&self, n: usize) -> bool {
        let full = n / 64;
        let words_ok = self.have.get(..full).is_some_and(|w| w.iter().all(|&x| x == u64::MAX));
        let rest = n % 64;
        words_ok
            && (rest == 0
                || self
                    .have
                    .get(full)
                    .is_some_and(|&w| w & ((1u64 << rest) - 1) == (1u64 << rest) - 1))
    }
}

/// Reassembles IP datagrams from fragments, within [`FragLimits`].
pub struct Reassembler {
    limits: FragLimits,
    map: HashMap<FragKey, Pending>,
    /// Datagrams by (first fragment time, arrival sequence): oldest first.
    order: BTreeMap<(i64, u64), FragKey>,
    held: usize,
    dropped: u64,
    seq: u64,
}

impl Reassembler {
    pub fn new(l: FragLimits) -> Self {
        Reassembler {
            limits: l,
            map: HashMap::new(),
            order: BTreeMap::new(),
            held: 0,
            dropped: 0,
            seq: 0,
        }
    }

    /// Bytes held in reassembly buffers.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    pub fn held_datagrams(&self) -> usize {
        self.map.len()
    }

    /// Datagrams given up so far: expired, evicted for a limit, or rejected.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn remove(&mut self, key: &FragKey) -> Option<Pending> {
        let p = self.map.remove(key)?;
        self.order.remove(&(p.first_ts, p.seq));
        self.held = self.held.saturating_sub(p.buf.len());
        Some(p)
    }

    fn evict_oldest(&mut self, keep: &FragKey) -> bool {
        let victim = self.order.values().find(|k| *k != keep).copied();
        match victim {
            Some(k) => {
                self.remove(&k);
                self.dropped += 1;
                true
            }
            None => false,
        }
    }

    fn give_up(&mut self, key: &FragKey, why: &'static str) -> FragOutcome {
        self.remove(key);
        self.dropped += 1;
        FragOutcome::Dropped(why)
    }

    /// Drops the datagrams whose first fragment is older than the timeout at
    /// `now_ns` (capture time); returns how many.
    pub fn expire(&mut self, now_ns: i64) -> usize {
        let mut n = 0;
        while let Some((&(ts, _), &key)) = self.order.first_key_value() {
            if now_ns.saturating_sub(ts) <= self.limits.timeout_ns {
                break;
            }
            self.remove(&key);
            self.dropped += 1;
            n += 1;
        }
        n
    }

    /// Adds a fragment: `byte_offset` in the datagram payload, `more` the
    /// "more fragments" flag, `frame` its frame number, `ts_ns` its capture time.
    pub fn push(
        &mut self,
        key: FragKey,
        byte_offset: usize,
        more: bool,
        payload: &[u8],
        frame: u64,
        ts_ns: i64,
    ) -> FragOutcome {
        self.expire(ts_ns);
        let end = match byte_offset.checked_add(payload.len()) {
            Some(e) if e <= MAX_DATAGRAM => e,
            _ => return self.give_up(&key, "datagram longer than 65535 bytes"),
        };
        if self.limits.max_datagrams == 0 || self.limits.max_bytes == 0 {
            self.dropped += 1;
            return FragOutcome::Dropped("reassembly limits are zero");
        }
        if !self.map.contains_key(&key) {
            while self.map.len() >= self.limits.max_datagrams {
                if !self.evict_oldest(&key) {
                    break;
                }
            }
            self.seq += 1;
            let p = Pending {
                buf: Vec::new(),
                have: Vec::new(),
                total: None,
                frames: Vec::new(),
                flags: Vec::new(),
                first_frame: frame,
                first_ts: ts_ns,
                seq: self.seq,
            };
            self.order.insert((ts_ns, self.seq), key);
            self.map.insert(key, p);
        }

        // Memory: the buffer grows to the end of this fragment (within the total if known).
        let (cur_len, total) = match self.map.get(&key) {
            Some(p) => (p.buf.len(), p.total),
            None => return FragOutcome::Dropped("internal: datagram missing"),
        };
        let want = total.map_or(end, |t| end.min(t)).max(cur_len);
        let growth = want - cur_len;
        while self.held.saturating_add(growth) > self.limits.max_bytes {
            if !self.evict_oldest(&key) {
                return self.give_up(&key, "reassembly memory limit");
            }
        }

        let Some(p) = self.map.get_mut(&key) else {
            return FragOutcome::Dropped("internal: datagram missing");
        };
        p.grow(want);
        self.held = self.held.saturating_add(growth);
        let mut flags = 0u8;
        if !more {
            match p.total {
                None => p.total = Some(end),
                Some(t) if t != end => flags |= FRAG_MULTIPLE_TAILS,
                Some(_) => {}
            }
        }
        let limit = p.total.map_or(end, |t| end.min(t));
        for (i, &b) in (byte_offset..limit).zip(payload.iter()) {
            if p.has(i) {
                flags |= FRAG_OVERLAP;
                if p.buf.get(i) != Some(&b) {
                    flags |= FRAG_CONFLICT;
                }
            } else {
                if let Some(slot) = p.buf.get_mut(i) {
                    *slot = b;
                }
                p.set(i);
            }
        }
        p.frames.push((byte_offset as u32, payload.len() as u32, frame));
        p.flags.push(flags);
        if p.frames.len() > MAX_FRAGMENTS {
            return self.give_up(&key, "too many fragments");
        }
        let done = p.total.is_some_and(|t| p.covers(t));
        if !done {
            return FragOutcome::Held {
                first_frame: p.first_frame,
            };
        }
        let Some(p) = self.remove(&key) else {
            return FragOutcome::Dropped("internal: datagram missing");
        };
        FragOutcome::Complete(finish(p))
    }
}

fn finish(p: Pending) -> Reassembled {
    let total = p.total.unwrap_or(0);
    let mut idx: Vec<usize> = (0..p.frames.len()).collect();
    idx.sort_by_key(|&i| p.frames.get(i).map(|f| f.0).unwrap_or(0));
    let mut frames = Vec::with_capacity(idx.len());
    let mut frame_flags = Vec::with_capacity(idx.len());
    for i in idx {
        let (Some(&f), Some(&fl)) = (p.frames.get(i), p.flags.get(i)) else {
            continue;
        };
        let too_long = (f.0 as usize).saturating_add(f.1 as usize) > total;
        frames.push(f);
        frame_flags.push(if too_long { fl | FRAG_TOO_LONG } else { fl });
    }
    let mut data = p.buf;
    data.truncate(total);
    Reassembled {
        data,
        overlap: frame_flags.iter().any(|f| f & FRAG_OVERLAP != 0),
        overlap_conflict: frame_flags.iter().any(|f| f & FRAG_CONFLICT != 0),
        frames,
        frame_flags,
    }
}

struct Names {
    version: &'static str,
    fragments: &'static str,
    fragment: &'static str,
    error: &'static str,
    overlap: &'static str,
    conflict: &'static str,
    too_long: &'static str,
    tails: &'static str,
    count: &'static str,
    length: &'static str,
    length_label: &'static str,
    data: &'static str,
    data_label: &'static str,
}

const V4: Names = Names {
    version: "IPv4",
    fragments: "ip.fragments",
    fragment: "ip.fragment",
    error: "ip.fragment.error",
    overlap: "ip.fragment.overlap",
    conflict: "ip.fragment.overlap.conflict",
    too_long: "ip.fragment.toolongfragment",
    tails: "ip.fragment.multipletails",
    count: "ip.fragment.count",
    length: "ip.reassembled.length",
    length_label: "Reassembled IPv4 length",
    data: "ip.reassembled.data",
    data_label: "Reassembled IPv4 data",
};

const V6: Names = Names {
    version: "IPv6",
    fragments: "ipv6.fragments",
    fragment: "ipv6.fragment",
    error: "ipv6.fragment.error",
    overlap: "ipv6.fragment.overlap",
    conflict: "ipv6.fragment.overlap.conflict",
    too_long: "ipv6.fragment.toolongfragment",
    tails: "ipv6.fragment.multipletails",
    count: "ipv6.fragment.count",
    length: "ipv6.reassembled.length",
    length_label: "Reassembled IPv6 length",
    data: "ipv6.reassembled.data",
    data_label: "Reassembled IPv6 data",
};

impl Reassembled {
    /// Adds the Wireshark-style fragment list
    /// `[2 IPv4 Fragments (1508 bytes): #1(1480), #2(28)]` under `parent`
    /// (`proto` is `"ip"` or `"ipv6"` and picks the field names). The
    /// reassembled bytes are added to the tree as a new data source
    /// ("Reassembled IPv4 (N bytes)"); the nodes point into it.
    pub fn tree(&self, t: &mut Tree, parent: Option<NodeId>, proto: &'static str) -> NodeId {
        self.tree_with_source(t, parent, proto, None).0
    }

    /// Like [`Reassembled::tree`], with the reassembled bytes in data source
    /// `src` if given (already added by the caller), else in a new source.
    /// Returns the subtree and the source index.
    pub fn tree_with_source(
        &self,
        t: &mut Tree,
        parent: Option<NodeId>,
        proto: &'static str,
        src: Option<u16>,
    ) -> (NodeId, u16) {
        let n = if proto == "ipv6" { &V6 } else { &V4 };
        let total = self.data.len();
        let src = src.unwrap_or_else(|| {
            t.add_source(Source {
                name: format!("Reassembled {} ({total} bytes)", n.version),
                data: self.data.clone(),
                frames: self.frames.clone(),
            })
        });
        // The nodes belong to the reassembled source from the start, so that
        // a clip on the frame (source 0) does not measure them against it.
        let prev_src = t.default_src();
        t.set_default_src(src);
        let mut title = format!(
            "{} {} Fragment{} ({total} bytes): ",
            self.frames.len(),
            n.version,
            super::plural(self.frames.len())
        );
        for (i, (_, len, frame)) in self.frames.iter().enumerate() {
            if i > 0 {
                title.push_str(", ");
            }
            title.push_str(&format!("#{frame}({len})"));
        }
        let root = t.add(parent, n.fragments, "", Value::None, 0, total);
        t.set_text(root, title);
        t.set_generated(root);
        t.set_src(root, src);
        for (i, &(off, len, frame)) in self.frames.iter().enumerate() {
            let start = (off as usize).min(total);
            let end = (off as usize).saturating_add(len as usize).min(total);
            let flags = self.frame_flags.get(i).copied().unwrap_or(0);
            // Like Wireshark, a fragment with conflicting, excess or second-tail
            // data is listed as a defragmentation error (`ip.fragment.error`).
            let name = if flags & (FRAG_CONFLICT | FRAG_TOO_LONG | FRAG_MULTIPLE_TAILS) != 0 {
                n.error
            } else {
                n.fragment
            };
            let f = t.add(Some(root), name, "Frame", Value::UInt(frame), start, end - start);
            let last = (off as usize).saturating_add(len as usize).saturating_sub(1);
            t.set_text(
                f,
                format!(
                    "{frame}, payload: {off}-{last} ({len} byte{})",
                    super::plural(len as usize)
                ),
            );
            t.set_generated(f);
            t.set_src(f, src);
            for (bit, name, label) in [
                (FRAG_OVERLAP, n.overlap, "Fragment overlap"),
                (FRAG_CONFLICT, n.conflict, "Conflicting data in fragment overlap"),
                (FRAG_TOO_LONG, n.too_long, "Fragment too long"),
                (FRAG_MULTIPLE_TAILS, n.tails, "Multiple tail fragments found"),
            ] {
                if flags & bit != 0 {
                    let x = t.add(Some(f), name, label, Value::Bool(true), start, end - start);
                    t.set_generated(x);
                    t.set_src(x, src);
                }
            }
        }
        let c = t.add(
            Some(root),
            n.count,
            "Fragment count",
            Value::UInt(self.frames.len() as u64),
            0,
            0,
        );
        t.set_generated(c);
        t.set_src(c, src);
        let l = t.add(Some(root), n.length, n.length_label, Value::UInt(total as u64), 0, 0);
        t.set_generated(l);
        t.set_src(l, src);
        let d = t.add(Some(root), n.data, n.data_label, Value::Bytes, 0, total);
        t.set_generated(d);
        t.set_src(d, src);
        t.set_default_src(prev_src);
        (root, src)
    }
}

/// `[Reassembled IPv4 in frame: N]` (`ip.reassembled_in` / `ipv6.reassembled.in`)
/// for a fragment whose datagram was completed in a later frame (known on a second pass).
pub fn reassembled_in(t: &mut Tree, parent: NodeId, proto: &'static str, frame: u64) -> NodeId {
    let (name, label) = if proto == "ipv6" {
        ("ipv6.reassembled.in", "Reassembled IPv6 in frame")
    } else {
        ("ip.reassembled_in", "Reassembled IPv4 in frame")
    };
    let n = t.add(Some(parent), name, label, Value::UInt(frame), 0, 0);
    t.set_generated(n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key(id: u32) -> FragKey {
        FragKey {
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            id,
            proto: 17,
        }
    }

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect()
    }

    fn complete(o: FragOutcome) -> Reassembled {
        match o {
            FragOutcome::Complete(r) => r,
            other => panic!("not complete: {other:?}"),
        }
    }

    #[test]
    fn in_order_and_out_of_order() {
        let whole = bytes(3000, 1);
        for order in [[0usize, 1, 2], [2, 0, 1], [1, 2, 0]] {
            let mut r = Reassembler::new(FragLimits::default());
            let parts = [(0usize, 1480usize), (1480, 1480), (2960, 40)];
            let mut out = None;
            for (n, &i) in order.iter().enumerate() {
                let (off, len) = parts[i];
                let more = i != 2;
                let o = r.push(
                    key(1),
                    off,
                    more,
                    &whole[off..off + len],
                    10 + i as u64,
                    1000 + n as i64,
                );
                if n < 2 {
                    assert_eq!(
                        o,
                        FragOutcome::Held {
                            first_frame: 10 + order[0] as u64
                        }
                    );
                } else {
                    out = Some(complete(o));
                }
            }
            let re = out.unwrap();
            assert_eq!(re.data, whole);
            assert_eq!(re.frames, vec![(0, 1480, 10), (1480, 1480, 11), (2960, 40, 12)]);
            assert!(!re.overlap && !re.overlap_conflict);
            assert_eq!((r.held_bytes(), r.held_datagrams(), r.dropped()), (0, 0, 0));
        }
    }

    #[test]
    fn duplicates_and_overlaps() {
        let whole = bytes(64, 3);
        let mut r = Reassembler::new(FragLimits::default());
        assert!(matches!(
            r.push(key(2), 0, true, &whole[..32], 1, 0),
            FragOutcome::Held { .. }
        ));
        // An exact duplicate: overlap, no conflict.
        assert!(matches!(
            r.push(key(2), 0, true, &whole[..32], 2, 0),
            FragOutcome::Held { .. }
        ));
        // Overlapping with different bytes: the first copy wins.
        let mut evil = whole[24..64].to_vec();
        evil[0] ^= 0xff;
        let re = complete(r.push(key(2), 24, false, &evil, 3, 0));
        assert_eq!(re.data, whole);
        assert!(re.overlap && re.overlap_conflict);
        assert_eq!(re.frame_flags, vec![0, FRAG_OVERLAP, FRAG_OVERLAP | FRAG_CONFLICT]);
    }

    #[test]
    fn fragment_list_survives_the_frame_clip() {
        // build_tree clips source 0 at the frame's length; the fragment list
        // lives in the reassembled source and must not be measured against
        // the frame. Found while writing the sweep: frame 6 of
        // samples/ipv4.pcap (74 bytes, completing a 3000-byte datagram)
        // showed no "[3 IPv4 Fragments (3000 bytes)...]".
        let whole = bytes(3000, 1);
        let mut r = Reassembler::new(FragLimits::default());
        r.push(key(9), 1480, true, &whole[1480..2960], 5, 0);
        r.push(key(9), 0, true, &whole[..1480], 4, 0);
        let re = complete(r.push(key(9), 2960, false, &whole[2960..], 6, 0));
        let mut t = Tree::new();
        t.set_clip(Some((0, 74)));
        let (root, src) = re.tree_with_source(&mut t, None, "ip", None);
        t.set_clip(None);
        let n = t.node(root).expect("fragment list added");
        assert_eq!((n.src, n.span()), (src, 0..3000));
        assert_eq!(t.find("ip.fragment").count(), 3);
        assert!(t
            .find("ip.reassembled.data")
            .all(|(_, n)| n.src == src && n.span() == (0..3000)));
        let x = t.text(None, "x", "x", 0, 1);
        assert_eq!(t.node(x).unwrap().src, 0, "the default source is given back");
    }

    #[test]
    fn teardrop_fragment_too_long() {
        // Frame 8 carries 36 bytes at 0 with more fragments, frame 9 ends the datagram at 28.
        let a = bytes(36, 5);
        let mut r = Reassembler::new(FragLimits::default());
        assert!(matches!(
            r.push(key(0xf2), 0, true, &a, 8, 0),
            FragOutcome::Held { first_frame: 8 }
        ));
        let re = complete(r.push(key(0xf2), 24, false, &[9, 9, 9, 9], 9, 0));
        assert_eq!(re.data, a[..28].to_vec());
        assert_eq!(re.frames, vec![(0, 36, 8), (24, 4, 9)]);
        assert_eq!(re.frame_flags, vec![FRAG_TOO_LONG, FRAG_OVERLAP | FRAG_CONFLICT]);
        let mut t = Tree::new();
        let root = re.tree(&mut t, None, "ip");
        let n = t.node(root).unwrap();
        assert_eq!(n.text.as_deref(), Some("2 IPv4 Fragments (28 bytes): #8(36), #9(4)"));
        let mut s = String::new();
        t.render_text(&mut s, &[]);
        assert!(
            s.contains("    [Frame: 8, payload: 0-35 (36 bytes)]\n        [Fragment too long: True]\n"),
            "{s}"
        );
        assert!(
            s.contains("        [Conflicting data in fragment overlap: True]\n"),
            "{s}"
        );
        assert!(s.contains("    [Reassembled IPv4 length: 28]\n"), "{s}");
        // Both fragments are in error (too long, conflicting), as tshark lists them.
        assert_eq!(t.find("ip.fragment").count(), 0);
        let frames: Vec<String> = t
            .find("ip.fragment.error")
            .map(|(id, _)| t.field_string(id, &[]))
            .collect();
        assert_eq!(frames, vec!["8", "9"]);
        let (id, d) = t.find("ip.reassembled.data").next().unwrap();
        assert_eq!(d.src, 1);
        assert_eq!(t.sources[0].data, re.data);
        assert_eq!(t.field_string(id, &[]).len(), 56);
    }

    #[test]
    fn oversize_datagrams_are_rejected() {
        let mut r = Reassembler::new(FragLimits::default());
        assert!(matches!(
            r.push(key(3), 0, true, &[0; 8], 1, 0),
            FragOutcome::Held { .. }
        ));
        assert_eq!(
            r.push(key(3), 65528, false, &[0; 16], 2, 0),
            FragOutcome::Dropped("datagram longer than 65535 bytes")
        );
        assert_eq!((r.held_datagrams(), r.held_bytes(), r.dropped()), (0, 0, 1));
        assert_eq!(
            r.push(key(4), usize::MAX, true, &[0; 16], 3, 0),
            FragOutcome::Dropped("datagram longer than 65535 bytes")
        );
    }

    #[test]
    fn limits_evict_the_oldest_and_count_it() {
        let mut r = Reassembler::new(FragLimits {
            max_datagrams: 3,
            max_bytes: 1 << 20,
            timeout_ns: 1_000,
        });
        for id in 0..5u32 {
            assert!(matches!(
                r.push(key(id), 0, true, &[0; 8], u64::from(id), i64::from(id)),
                FragOutcome::Held { .. }
            ));
        }
        assert_eq!((r.held_datagrams(), r.dropped()), (3, 2));
        // Datagram 0 was evicted: its tail alone does not complete it.
        assert!(matches!(
            r.push(key(0), 8, false, &[0; 8], 9, 5),
            FragOutcome::Held { first_frame: 9 }
        ));
        assert_eq!(r.dropped(), 3);
        // Datagram 4 is still there.
        assert!(matches!(
            r.push(key(4), 8, false, &[0; 8], 10, 6),
            FragOutcome::Complete(_)
        ));

        let mut r = Reassembler::new(FragLimits {
            max_datagrams: 100,
            max_bytes: 100,
            timeout_ns: 1_000,
        });
        assert!(matches!(
            r.push(key(1), 0, true, &[0; 64], 1, 0),
            FragOutcome::Held { .. }
        ));
        assert!(matches!(
            r.push(key(2), 0, true, &[0; 64], 2, 0),
            FragOutcome::Held { .. }
        ));
        assert_eq!((r.held_datagrams(), r.held_bytes(), r.dropped()), (1, 64, 1));
        assert_eq!(
            r.push(key(3), 0, true, &[0; 200], 3, 0),
            FragOutcome::Dropped("reassembly memory limit")
        );
        assert_eq!((r.held_datagrams(), r.held_bytes()), (0, 0));
    }

    #[test]
    fn capture_time_expiry() {
        let mut r = Reassembler::new(FragLimits {
            timeout_ns: 30,
            ..FragLimits::default()
        });
        r.push(key(1), 0, true, &[0; 8], 1, 100);
        r.push(key(2), 0, true, &[0; 8], 2, 120);
        assert_eq!(r.expire(125), 0);
        assert_eq!(r.expire(131), 1);
        assert_eq!(r.held_datagrams(), 1);
        // A late fragment of the expired datagram starts over.
        assert!(matches!(
            r.push(key(1), 8, false, &[0; 8], 3, 140),
            FragOutcome::Held { first_frame: 3 }
        ));
        assert_eq!(r.held_datagrams(), 2);
        // Time going backwards expires nothing.
        assert_eq!(r.expire(0), 0);
        assert_eq!(r.expire(i64::MAX), 2);
        assert_eq!(r.dropped(), 3);
    }

    #[test]
    fn ipv6_names_and_reused_source() {
        let mut r = Reassembler::new(FragLimits::default());
        r.push(key(9), 8, false, b"12345678", 11, 0);
        let re = complete(r.push(key(9), 0, true, b"abcdefgh", 12, 0));
        let mut t = Tree::new();
        let top = t.text(None, "ipv6", "Internet Protocol Version 6", 0, 40);
        let s = t.add_source(Source {
            name: "mine".into(),
            data: re.data.clone(),
            frames: vec![],
        });
        let (root, src) = re.tree_with_source(&mut t, Some(top), "ipv6", Some(s));
        assert_eq!((src, t.sources.len()), (s, 1));
        assert_eq!(
            t.node(root).unwrap().text.as_deref(),
            Some("2 IPv6 Fragments (16 bytes): #12(8), #11(8)")
        );
        assert_eq!(t.find("ipv6.fragment.count").count(), 1);
        let x = reassembled_in(&mut t, top, "ipv6", 12);
        assert_eq!(t.line(t.node(x).unwrap(), &[]), "[Reassembled IPv6 in frame: 12]");
        assert_eq!(
            t.find("ipv6.reassembled.length")
                .map(|(id, _)| t.field_string(id, &[]))
                .collect::<Vec<_>>(),
            vec!["16"]
        );
    }

    #[test]
    fn hostile_fragment_streams_stay_bounded() {
        let limits = FragLimits {
            max_datagrams: 8,
            max_bytes: 200_000,
            timeout_ns: 1_000_000,
        };
        let mut r = Reassembler::new(limits);
        let mut seed = 1u32;
        for i in 0..5_000u64 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let id = (seed >> 16) % 12;
            let off = ((seed >> 4) as usize % 8200) * 8;
            let len = (seed as usize >> 20) % 1500;
            let more = seed & 1 == 0;
            let _ = r.push(key(id), off, more, &vec![(seed >> 8) as u8; len], i, i as i64 * 100);
            assert!(r.held_bytes() <= limits.max_bytes);
            assert!(r.held_datagrams() <= limits.max_datagrams);
        }
    }
}
