//! Sequence and acknowledgement analysis, with Wireshark's expert flags and
//! meanings (so the same packets get the same flags), plus RTT per ACK and
//! bytes in flight. One `DirAnalysis` per direction of a connection.

use std::collections::VecDeque;

use super::seq;

/// Analysis flags of one segment (a bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u32);

impl Flags {
    pub const RETRANSMISSION: u32 = 1;
    pub const FAST_RETRANSMISSION: u32 = 1 << 1;
    pub const SPURIOUS_RETRANSMISSION: u32 = 1 << 2;
    pub const OUT_OF_ORDER: u32 = 1 << 3;
    pub const LOST_SEGMENT: u32 = 1 << 4;
    pub const ACK_LOST_SEGMENT: u32 = 1 << 5;
    pub const WINDOW_UPDATE: u32 = 1 << 6;
    pub const WINDOW_FULL: u32 = 1 << 7;
    pub const KEEP_ALIVE: u32 = 1 << 8;
    pub const KEEP_ALIVE_ACK: u32 = 1 << 9;
    pub const DUPLICATE_ACK: u32 = 1 << 10;
    pub const ZERO_WINDOW: u32 = 1 << 11;
    pub const ZERO_WINDOW_PROBE: u32 = 1 << 12;
    pub const ZERO_WINDOW_PROBE_ACK: u32 = 1 << 13;
    pub const REUSED_PORTS: u32 = 1 << 14;

    pub fn has(self, f: u32) -> bool {
        self.0 & f != 0
    }
    pub fn set(&mut self, f: u32) {
        self.0 |= f;
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Each flag: bit, Wireshark field name, Info prefix, expert severity is
/// Warning unless noted in `note`, and the message.
pub struct FlagInfo {
    pub bit: u32,
    pub field: &'static str,
    pub info: &'static str,
    /// Note-level (not a problem by itself) rather than Warning.
    pub note: bool,
    pub msg: &'static str,
}

/// All flags in the order Wireshark lists them.
pub const FLAGS: &[FlagInfo] = &[
    FlagInfo {
        bit: Flags::REUSED_PORTS,
        field: "tcp.analysis.reused_ports",
        info: "TCP Port numbers reused",
        note: true,
        msg: "A new tcp session is started with the same ports as an earlier session in this trace",
    },
    FlagInfo {
        bit: Flags::LOST_SEGMENT,
        field: "tcp.analysis.lost_segment",
        info: "TCP Previous segment not captured",
        note: false,
        msg: "Previous segment(s) not captured (common at capture start)",
    },
    FlagInfo {
        bit: Flags::ACK_LOST_SEGMENT,
        field: "tcp.analysis.ack_lost_segment",
        info: "TCP ACKed unseen segment",
        note: false,
        msg: "ACKed segment that wasn't captured (common at capture start)",
    },
    FlagInfo {
        bit: Flags::KEEP_ALIVE,
        field: "tcp.analysis.keep_alive",
        info: "TCP Keep-Alive",
        note: false,
        msg: "TCP keep-alive segment",
    },
    FlagInfo {
        bit: Flags::KEEP_ALIVE_ACK,
        field: "tcp.analysis.keep_alive_ack",
        info: "TCP Keep-Alive ACK",
        note: false,
        msg: "ACK to a TCP keep-alive segment",
    },
    FlagInfo {
        bit: Flags::ZERO_WINDOW_PROBE,
        field: "tcp.analysis.zero_window_probe",
        info: "TCP ZeroWindowProbe",
        note: true,
        msg: "TCP Zero Window Probe",
    },
    FlagInfo {
        bit: Flags::ZERO_WINDOW_PROBE_ACK,
        field: "tcp.analysis.zero_window_probe_ack",
        info: "TCP ZeroWindowProbeAck",
        note: true,
        msg: "ACK to a TCP Zero Window Probe",
    },
    FlagInfo {
        bit: Flags::ZERO_WINDOW,
        field: "tcp.analysis.zero_window",
        info: "TCP ZeroWindow",
        note: false,
        msg: "TCP Zero Window segment",
    },
    FlagInfo {
        bit: Flags::WINDOW_FULL,
        field: "tcp.analysis.window_full",
        info: "TCP Window Full",
        note: false,
        msg: "TCP window specified by the receiver is now completely full",
    },
    FlagInfo {
        bit: Flags::WINDOW_UPDATE,
        field: "tcp.analysis.window_update",
        info: "TCP Window Update",
        note: false,
        msg: "TCP window update",
    },
    FlagInfo {
        bit: Flags::DUPLICATE_ACK,
        field: "tcp.analysis.duplicate_ack",
        info: "TCP Dup ACK",
        note: true,
        msg: "Duplicate ACK",
    },
    FlagInfo {
        bit: Flags::FAST_RETRANSMISSION,
        field: "tcp.analysis.fast_retransmission",
        info: "TCP Fast Retransmission",
        note: true,
        msg: "This frame is a (suspected) fast retransmission",
    },
    FlagInfo {
        bit: Flags::SPURIOUS_RETRANSMISSION,
        field: "tcp.analysis.spurious_retransmission",
        info: "TCP Spurious Retransmission",
        note: true,
        msg: "This frame is a (suspected) spurious retransmission",
    },
    FlagInfo {
        bit: Flags::RETRANSMISSION,
        field: "tcp.analysis.retransmission",
        info: "TCP Retransmission",
        note: true,
        msg: "This frame is a (suspected) retransmission",
    },
    FlagInfo {
        bit: Flags::OUT_OF_ORDER,
        field: "tcp.analysis.out_of_order",
        info: "TCP Out-Of-Order",
        note: false,
        msg: "This frame is a (suspected) out-of-order segment",
    },
];

/// What the analysis needs of a segment.
#[derive(Clone, Copy, Debug, Default)]
pub struct SegInfo {
    pub seq: u32,
    pub ack: u32,
    pub syn: bool,
    pub ack_flag: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
    pub len: u32,
    /// Raw window field.
    pub window: u16,
    /// Window in bytes after scaling (when known; else raw).
    pub window_bytes: u64,
    pub ts: i64,
    pub frame: u64,
}

/// The analysis of one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegAnalysis {
    pub flags: Flags,
    /// Duplicate ACK number (1 for the first duplicate) and the frame it duplicates.
    pub dupack: Option<(u32, u64)>,
    /// RTT to the segment this ACK acknowledges: (ns, its frame).
    pub ack_rtt: Option<(i64, u64)>,
    /// Unacknowledged bytes after this data segment.
    pub bytes_in_flight: Option<u64>,
    /// Bytes sent since the last PSH flag (on segments with PSH).
    pub push_bytes: Option<u64>,
}

/// Per-direction analysis state.
#[derive(Clone, Debug, Default)]
pub struct DirAnalysis {
    nextseq: Option<u32>,
    nextseq_time: i64,
    /// Highest sequence number the other side may acknowledge without
    /// having seen something the capture missed (Wireshark's maxseqtobeacked).
    maxseqtobeacked: Option<u32>,
    lastack: Option<u32>,
    lastack_time: i64,
    window: Option<u16>,
    window_bytes: u64,
    dupacks: u32,
    last_nondup: u64,
    last_flags: Flags,
    /// Segments sent and not yet acknowledged: (end seq, time, frame).
    unacked: VecDeque<(u32, i64, u64)>,
    push_bytes: u64,
}

/// How many unacknowledged segments each direction remembers for RTT.
const UNACKED_CAP: usize = 256;
/// Wireshark's out-of-order threshold when no RTT is known (3 ms).
const OOO_THRESHOLD_NS: i64 = 3_000_000;
/// Wireshark's fast retransmission window after the last duplicate ACK (20 ms).
const FAST_RETRANS_NS: i64 = 20_000_000;

impl DirAnalysis {
    /// Highest sequence number seen in this direction.
    pub fn nextseq(&self) -> Option<u32> {
        self.nextseq
    }
    /// Highest acknowledgement this direction sent.
    pub fn lastack(&self) -> Option<u32> {
        self.lastack
    }
}

/// Analyses a segment travelling `fwd` (the reverse direction is `rev`).
/// `rtt` is the connection's round-trip time when known.
pub fn analyze(fwd: &mut DirAnalysis, rev: &mut DirAnalysis, s: &SegInfo, rtt: Option<i64>) -> SegAnalysis {
    let mut a = SegAnalysis::default();
    let mut f = Flags::default();
    let ctl = s.syn || s.fin || s.rst;
    let seglen = s.len;
    let mut done_fwd = false;

    // Zero window probe: one byte at the next sequence number while the peer's window is zero.
    if seglen == 1 && fwd.nextseq == Some(s.seq) && rev.window == Some(0) {
        f.set(Flags::ZERO_WINDOW_PROBE);
        done_fwd = true;
    }
    if !done_fwd {
        // Zero window: the sender says it cannot receive anything.
        if s.window == 0 && !ctl {
            f.set(Flags::ZERO_WINDOW);
        }
        // Previous segment not captured: this one starts beyond anything seen.
        if let Some(n) = fwd.nextseq {
            if seq::gt(s.seq, n) && !s.rst {
                f.set(Flags::LOST_SEGMENT);
            }
        }
        // Keep-alive: zero or one byte at next sequence - 1.
        if seglen <= 1 && !ctl && fwd.nextseq.is_some_and(|n| s.seq == n.wrapping_sub(1)) {
            f.set(Flags::KEEP_ALIVE);
            done_fwd = true;
        }
    }
    let same_point = fwd.nextseq == Some(s.seq) && fwd.lastack == Some(s.ack) && s.ack_flag;
    if !done_fwd {
        // Window update: only the window changed.
        if seglen == 0 && s.window != 0 && fwd.window.is_some_and(|w| w != s.window) && same_point && !ctl {
            f.set(Flags::WINDOW_UPDATE);
        }
        // Window full: this segment fills the receiver's advertised window.
        if seglen > 0 && !ctl {
            if let Some(la) = rev.lastack {
                if rev.window.is_some() && u64::from(s.seq.wrapping_add(seglen).wrapping_sub(la)) == rev.window_bytes {
                    f.set(Flags::WINDOW_FULL);
                }
            }
        }
        if seglen == 0 && fwd.window == Some(s.window) && same_point && !ctl {
            if rev.last_flags.has(Flags::KEEP_ALIVE) {
                f.set(Flags::KEEP_ALIVE_ACK);
            } else if s.window == 0 && rev.last_flags.has(Flags::ZERO_WINDOW_PROBE) {
                f.set(Flags::ZERO_WINDOW_PROBE_ACK);
            } else if s.window != 0 {
                fwd.dupacks += 1;
                f.set(Flags::DUPLICATE_ACK);
                a.dupack = Some((fwd.dupacks, fwd.last_nondup));
            }
        }
    }
    if !f.has(Flags::DUPLICATE_ACK) {
        // A duplicate refers to the frame that first carried this acknowledgement.
        if fwd.lastack != Some(s.ack) || fwd.last_nondup == 0 {
            fwd.last_nondup = s.frame;
        }
        fwd.dupacks = 0;
    }
    // ACKed unseen segment: acknowledges data the capture never saw.
    if s.ack_flag {
        if let Some(m) = rev.maxseqtobeacked {
            // Only an acknowledgement that moved counts (a repeated one was already judged).
            if seq::gt(s.ack, m) && fwd.lastack != Some(s.ack) {
                f.set(Flags::ACK_LOST_SEGMENT);
                // Say it once: the other direction may now be acknowledged up to what it sent.
                rev.maxseqtobeacked = rev.nextseq;
            }
        }
    }
    let end = s
        .seq
        .wrapping_add(seglen)
        .wrapping_add(u32::from(s.syn))
        .wrapping_add(u32::from(s.fin));
    // Retransmission, fast retransmission, spurious retransmission, out-of-order:
    // data (or SYN/FIN) that does not advance the sequence number.
    if (seglen > 0 || s.syn || s.fin) && !f.has(Flags::KEEP_ALIVE) {
        if let Some(n) = fwd.nextseq {
            if seq::lt(s.seq, n) {
                let since_dup = s.ts.saturating_sub(rev.lastack_time);
                let ooo = rtt.filter(|r| *r > 0).unwrap_or(OOO_THRESHOLD_NS);
                // A fast or spurious retransmission is a retransmission too (as
                // Wireshark marks and filters it).
                if rev.dupacks >= 2 && rev.lastack == Some(s.seq) && since_dup < FAST_RETRANS_NS {
                    f.set(Flags::FAST_RETRANSMISSION | Flags::RETRANSMISSION);
                } else if seglen > 0 && n != end && s.ts.saturating_sub(fwd.nextseq_time) < ooo {
                    f.set(Flags::OUT_OF_ORDER);
                } else if seglen > 0 && rev.lastack.is_some_and(|la| seq::le(s.seq.wrapping_add(seglen), la)) {
                    f.set(Flags::SPURIOUS_RETRANSMISSION | Flags::RETRANSMISSION);
                } else {
                    f.set(Flags::RETRANSMISSION);
                }
            }
        }
    }
    let advances = fwd.nextseq.is_none_or(|n| seq::gt(end, n));
    if advances && !f.has(Flags::ZERO_WINDOW_PROBE) {
        fwd.nextseq = Some(end);
        fwd.nextseq_time = s.ts;
        if fwd.unacked.len() >= UNACKED_CAP {
            fwd.unacked.pop_front();
        }
        if seglen > 0 || s.syn || s.fin {
            fwd.unacked.push_back((end, s.ts, s.frame));
        }
    }
    // The highest contiguous sequence number: what the other side may
    // acknowledge without having seen something the capture missed.
    if (fwd.maxseqtobeacked.is_none() || fwd.maxseqtobeacked == Some(s.seq)) && !f.has(Flags::ZERO_WINDOW_PROBE) {
        fwd.maxseqtobeacked = fwd.nextseq;
    }
    if f.has(Flags::RETRANSMISSION | Flags::FAST_RETRANSMISSION | Flags::SPURIOUS_RETRANSMISSION) {
        // Karn: a retransmitted segment's ACK says nothing about the RTT.
        fwd.unacked.retain(|(e, _, _)| !seq::le(*e, end));
    }
    fwd.window = Some(s.window);
    fwd.window_bytes = s.window_bytes;
    if s.ack_flag {
        if fwd.lastack.is_none_or(|la| seq::ge(s.ack, la)) {
            fwd.lastack = Some(s.ack);
        }
        fwd.lastack_time = s.ts;
        // RTT: the newest segment of the reverse direction this ACK covers.
        let mut hit = None;
        while let Some(&(e, t, fr)) = rev.unacked.front() {
            if seq::le(e, s.ack) {
                hit = Some((s.ts.saturating_sub(t), fr));
                rev.unacked.pop_front();
            } else {
                break;
            }
        }
        a.ack_rtt = hit;
    }
    if seglen > 0 {
        if let (Some(n), Some(la)) = (fwd.nextseq, rev.lastack) {
            let d = seq::diff(n, la);
            if d > 0 {
                a.bytes_in_flight = Some(d as u64);
            }
        } else if let Some(n) = fwd.nextseq {
            let _ = n;
            a.bytes_in_flight = Some(u64::from(seglen));
        }
        fwd.push_bytes = fwd.push_bytes.saturating_add(u64::from(seglen));
        if s.psh {
            a.push_bytes = Some(fwd.push_bytes);
            fwd.push_bytes = 0;
        }
    }
    fwd.last_flags = f;
    a.flags = f;
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(seq: u32, ack: u32, len: u32, window: u16, ms: i64, frame: u64) -> SegInfo {
        SegInfo {
            seq,
            ack,
            ack_flag: true,
            len,
            window,
            window_bytes: u64::from(window),
            ts: ms * 1_000_000,
            frame,
            ..SegInfo::default()
        }
    }

    #[test]
    fn in_order_data_has_no_flags_and_acks_give_rtt() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        let a = analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        assert!(a.flags.is_empty());
        assert_eq!(a.bytes_in_flight, Some(100));
        let b = analyze(&mut s, &mut c, &seg(1, 101, 0, 1000, 30, 2), None);
        assert!(b.flags.is_empty());
        assert_eq!(b.ack_rtt, Some((30_000_000, 1)));
    }

    #[test]
    fn retransmission_after_the_ooo_threshold() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        let a = analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 200, 2), None);
        assert!(a.flags.has(Flags::RETRANSMISSION));
    }

    #[test]
    fn a_hole_then_its_filler_is_lost_segment_then_out_of_order() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        let a = analyze(&mut c, &mut s, &seg(201, 1, 100, 1000, 1, 2), None);
        assert!(a.flags.has(Flags::LOST_SEGMENT));
        let b = analyze(&mut c, &mut s, &seg(101, 1, 100, 1000, 2, 3), None);
        assert!(b.flags.has(Flags::OUT_OF_ORDER));
    }

    #[test]
    fn duplicate_acks_count_and_then_fast_retransmission() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        analyze(&mut c, &mut s, &seg(201, 1, 100, 1000, 1, 2), None);
        analyze(&mut s, &mut c, &seg(1, 101, 0, 1000, 10, 3), None);
        let d1 = analyze(&mut s, &mut c, &seg(1, 101, 0, 1000, 11, 4), None);
        let d2 = analyze(&mut s, &mut c, &seg(1, 101, 0, 1000, 12, 5), None);
        assert_eq!(d1.dupack, Some((1, 3)));
        assert_eq!(d2.dupack, Some((2, 3)));
        let r = analyze(&mut c, &mut s, &seg(101, 1, 100, 1000, 13, 6), None);
        assert!(r.flags.has(Flags::FAST_RETRANSMISSION), "{:?}", r.flags);
    }

    #[test]
    fn zero_window_probe_and_keep_alive() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        let z = analyze(&mut s, &mut c, &seg(1, 101, 0, 0, 10, 2), None);
        assert!(z.flags.has(Flags::ZERO_WINDOW));
        let p = analyze(&mut c, &mut s, &seg(101, 1, 1, 1000, 500, 3), None);
        assert!(p.flags.has(Flags::ZERO_WINDOW_PROBE));
        let pa = analyze(&mut s, &mut c, &seg(1, 101, 0, 0, 510, 4), None);
        assert!(pa.flags.has(Flags::ZERO_WINDOW_PROBE_ACK), "{:?}", pa.flags);
        let ka = analyze(&mut c, &mut s, &seg(100, 1, 0, 1000, 60_000, 5), None);
        assert!(ka.flags.has(Flags::KEEP_ALIVE));
        let kaa = analyze(&mut s, &mut c, &seg(1, 101, 0, 0, 60_010, 6), None);
        assert!(kaa.flags.has(Flags::KEEP_ALIVE_ACK), "{:?}", kaa.flags);
    }

    #[test]
    fn window_update_and_spurious_retransmission() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        analyze(&mut s, &mut c, &seg(1, 101, 0, 1000, 10, 2), None);
        let w = analyze(&mut s, &mut c, &seg(1, 101, 0, 2000, 20, 3), None);
        assert!(w.flags.has(Flags::WINDOW_UPDATE));
        let sp = analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 300, 4), None);
        assert!(sp.flags.has(Flags::SPURIOUS_RETRANSMISSION), "{:?}", sp.flags);
    }

    #[test]
    fn acked_unseen_segment() {
        let (mut c, mut s) = (DirAnalysis::default(), DirAnalysis::default());
        analyze(&mut c, &mut s, &seg(1, 1, 100, 1000, 0, 1), None);
        let a = analyze(&mut s, &mut c, &seg(1, 501, 0, 1000, 10, 2), None);
        assert!(a.flags.has(Flags::ACK_LOST_SEGMENT));
    }
}
