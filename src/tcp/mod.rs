//! One TCP connection as the observer sees it: both endpoints' states,
//! sequence analysis, stream reassembly with provenance, Zeek-style history
//! and the numbers a flow summary reports.

pub mod analysis;
pub mod reasm;
pub mod seq;
pub mod state;
pub mod stream;

use std::collections::BTreeMap;

use wirelens_dissectors::transport::tcp::{Tcp, TcpCtx, WinScale};

use crate::flow::Endpoint;
use analysis::{DirAnalysis, SegAnalysis, SegInfo};
use reasm::{Piece, Reassembler};
use state::{Closer, Machine, Outcome, Seg, Side, State};

/// A state change on the timeline of a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateEntry {
    pub frame: u64,
    pub ts: i64,
    pub side: Side,
    pub from: State,
    pub to: State,
    pub why: String,
}

/// Most state changes a flow keeps on its timeline (a normal connection has about ten).
pub const TIMELINE_CAP: usize = 64;

/// Zeek's connection history: one letter per event kind and direction, in
/// the order first seen (upper case: originator/client; lower: responder).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    letters: String,
    seen: [u32; 2],
}

impl History {
    fn bit(c: char) -> u32 {
        match c {
            'S' => 1,
            'H' => 1 << 1,
            'A' => 1 << 2,
            'D' => 1 << 3,
            'F' => 1 << 4,
            'R' => 1 << 5,
            'C' => 1 << 6,
            'G' => 1 << 7,
            'T' => 1 << 8,
            'W' => 1 << 9,
            'I' => 1 << 10,
            'Q' => 1 << 11,
            _ => 1 << 12,
        }
    }

    /// Records event `c` (upper-case letter) from `side`, once per side.
    pub fn note(&mut self, side: Side, c: char) {
        let b = Self::bit(c);
        let seen = &mut self.seen[side.index()];
        if *seen & b != 0 {
            return;
        }
        *seen |= b;
        self.letters.push(if side == Side::Client {
            c
        } else {
            c.to_ascii_lowercase()
        });
    }

    pub fn as_str(&self) -> &str {
        &self.letters
    }
}

/// Per-side counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideStats {
    pub packets: u64,
    /// Frame bytes on the wire.
    pub bytes: u64,
    /// TCP payload bytes (including retransmissions).
    pub payload: u64,
}

/// What one segment did to the connection.
#[derive(Debug, Default)]
pub struct SegReport {
    pub side: Option<Side>,
    pub outcome: Outcome,
    pub analysis: SegAnalysis,
    /// Ordered stream pieces that became ready, per side that sent them.
    pub pieces: Vec<(Side, Piece)>,
    /// Context for the TCP layer of the tree and Info column.
    pub ctx: TcpCtx,
    pub overlap_conflict: bool,
    /// States after this segment.
    pub states: (State, State),
    /// Handshake RTT known at this point (SYN -> ACK), ns.
    pub initial_rtt: Option<i64>,
}

/// A TCP connection.
#[derive(Debug)]
pub struct TcpConn {
    pub stream: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    /// Client and server were inferred (no SYN seen).
    pub inferred: bool,
    pub machine: Machine,
    an: [DirAnalysis; 2],
    pub reasm: [Reassembler; 2],
    /// Sequence number bases for relative numbers (Wireshark's).
    base: [Option<u32>; 2],
    /// Each side's SYN: None = not seen, Some(None) = no window scale option.
    syn_wscale: [Option<Option<u8>>; 2],
    pub history: History,
    pub stats: [SideStats; 2],
    pub first_ts: i64,
    pub last_ts: i64,
    syn_ts: Option<i64>,
    synack_ts: Option<i64>,
    /// SYN -> SYN-ACK -> ACK: the handshake's round trip as the observer sees it.
    pub handshake_rtt: Option<i64>,
    pub anomalies: BTreeMap<&'static str, u64>,
    pub timeline: Vec<StateEntry>,
    pub timeline_dropped: u64,
    /// Frame of the last packet.
    pub last_frame: u64,
    /// Port reuse: seconds after the previous connection on this 4-tuple ended.
    pub reuse_after: Option<i64>,
    pub reuse_in_time_wait: bool,
    /// The application protocol dissector of this connection, once chosen.
    pub app: Option<Box<crate::app::TcpApp>>,
    /// Whether the choice by content was made (by the first data of the connection).
    pub app_probed: bool,
}

/// Ports that identify a server even above 1023.
fn service_port(p: u16) -> bool {
    p < 1024
        || matches!(
            p,
            1080 | 1433
                | 1521
                | 2049
                | 3128
                | 3306
                | 3389
                | 5060
                | 5222
                | 5432
                | 5672
                | 5900
                | 6379
                | 6443
                | 8000
                | 8008
                | 8080
                | 8081
                | 8443
                | 8888
                | 9000
                | 9090
                | 9092
                | 9200
                | 11211
                | 27017
        )
}

/// Picks client and server for a connection whose first segment is `first`
/// from `src` to `dst`: SYN sender is the client, SYN-ACK sender the server;
/// otherwise the well-known port is the server, else whoever spoke first is
/// the client. Returns (client, server, inferred).
pub fn orient(src: Endpoint, dst: Endpoint, syn: bool, ack: bool) -> (Endpoint, Endpoint, bool) {
    if syn && !ack {
        return (src, dst, false);
    }
    if syn && ack {
        return (dst, src, false);
    }
    match (service_port(src.port), service_port(dst.port)) {
        (true, false) => (dst, src, true),
        (false, true) => (src, dst, true),
        (true, true) if src.port < dst.port => (dst, src, true),
        _ => (src, dst, true),
    }
}

impl TcpConn {
    pub fn new(
        stream: u64,
        client: Endpoint,
        server: Endpoint,
        inferred: bool,
        msl_ns: i64,
        held_cap: usize,
        ts: i64,
    ) -> Self {
        TcpConn {
            stream,
            client,
            server,
            inferred,
            machine: Machine::new(msl_ns),
            an: [DirAnalysis::default(), DirAnalysis::default()],
            reasm: [Reassembler::new(held_cap), Reassembler::new(held_cap)],
            base: [None, None],
            syn_wscale: [None, None],
            history: History::default(),
            stats: [SideStats::default(); 2],
            first_ts: ts,
            last_ts: ts,
            syn_ts: None,
            synack_ts: None,
            handshake_rtt: None,
            anomalies: BTreeMap::new(),
            timeline: Vec::new(),
            timeline_dropped: 0,
            last_frame: 0,
            reuse_after: None,
            reuse_in_time_wait: false,
            app: None,
            app_probed: false,
        }
    }

    /// Which side sent a packet from `src`.
    pub fn side_of(&self, src: Endpoint) -> Side {
        if src == self.client {
            Side::Client
        } else {
            Side::Server
        }
    }

    pub fn states(&self) -> (State, State) {
        (self.machine.state(Side::Client), self.machine.state(Side::Server))
    }

    fn count(&mut self, code: &'static str) {
        *self.anomalies.entry(code).or_insert(0) += 1;
    }

    fn record(&mut self, frame: u64, ts: i64, out: &Outcome) {
        for (side, from, to) in &out.retract {
            if let Some(i) = self
                .timeline
                .iter()
                .rposition(|e| e.side == *side && e.from == *from && e.to == *to)
            {
                self.timeline.remove(i);
            }
        }
        for t in &out.transitions {
            if self.timeline.len() >= TIMELINE_CAP {
                self.timeline_dropped += 1;
                continue;
            }
            self.timeline.push(StateEntry {
                frame,
                ts: t.at.unwrap_or(ts),
                side: t.side,
                from: t.from,
                to: t.to,
                why: t.why.clone(),
            });
        }
    }

    /// Feeds one segment sent from `src`; `payload` is its captured payload,
    /// `frame_len` the frame's length on the wire.
    #[allow(clippy::too_many_arguments)]
    pub fn on_segment(
        &mut self,
        src: Endpoint,
        t: &Tcp,
        payload: &[u8],
        frame: u64,
        ts: i64,
        frame_len: u32,
        checksum_bad: bool,
    ) -> SegReport {
        let side = self.side_of(src);
        let (me, other) = (side.index(), side.other().index());
        self.last_ts = ts;
        self.last_frame = frame;
        let st = &mut self.stats[me];
        st.packets += 1;
        st.bytes += u64::from(frame_len);
        st.payload += t.wire_len as u64;

        // Relative sequence bases, as Wireshark sets them.
        if t.syn() {
            self.syn_wscale[me] = Some(t.wscale());
            if self.base[me].is_none() || !t.ack_flag() {
                self.base[me] = Some(t.seq);
            }
            self.reasm[me].set_base(t.seq.wrapping_add(1));
            if !t.ack_flag() && self.syn_ts.is_none() {
                self.syn_ts = Some(ts);
            }
            if t.ack_flag() && self.synack_ts.is_none() {
                self.synack_ts = Some(ts);
            }
        } else if self.base[me].is_none() {
            self.base[me] = Some(t.seq.wrapping_sub(1));
        }
        if t.ack_flag() && self.base[other].is_none() {
            self.base[other] = Some(t.ack.wrapping_sub(1));
        }
        let win_scale = match (self.syn_wscale[me], self.syn_wscale[other]) {
            (Some(Some(mine)), Some(Some(_))) => WinScale::Shift(mine),
            (Some(Some(mine)), None) => WinScale::Shift(mine),
            (Some(_), Some(_)) => WinScale::NoScaling,
            _ => WinScale::Unknown,
        };
        let window_bytes = match win_scale {
            WinScale::Shift(s) if !t.syn() => u64::from(t.window) << s.min(14),
            _ => u64::from(t.window),
        };

        // History letters (Zeek).
        let h = &mut self.history;
        match (t.syn(), t.ack_flag()) {
            (true, false) => h.note(side, 'S'),
            (true, true) => h.note(side, 'H'),
            (false, true) if t.wire_len == 0 && !t.fin() && !t.rst() => h.note(side, 'A'),
            _ => {}
        }
        if t.wire_len > 0 {
            h.note(side, 'D');
        }
        if t.fin() {
            h.note(side, 'F');
        }
        if t.rst() {
            h.note(side, 'R');
        }
        if checksum_bad {
            h.note(side, 'C');
        }
        if t.window == 0 && !t.syn() && !t.rst() {
            h.note(side, 'W');
        }

        // State machine.
        let seg = Seg {
            syn: t.syn(),
            ack: t.ack_flag(),
            fin: t.fin(),
            rst: t.rst(),
            seq: t.seq,
            ack_no: t.ack,
            len: t.wire_len as u32,
        };
        let outcome = self.machine.on_segment(side, &seg, ts);
        self.record(frame, ts, &outcome);
        if outcome.handshake_step == Some(3) {
            if let Some(s) = self.syn_ts {
                self.handshake_rtt = Some(ts.saturating_sub(s));
            }
        }

        // Sequence analysis.
        let info = SegInfo {
            seq: t.seq,
            ack: t.ack,
            syn: t.syn(),
            ack_flag: t.ack_flag(),
            fin: t.fin(),
            rst: t.rst(),
            psh: t.psh(),
            len: t.wire_len as u32,
            window: t.window,
            window_bytes,
            ts,
            frame,
        };
        let [a0, a1] = &mut self.an;
        let (fwd, rev) = if me == 0 { (a0, a1) } else { (a1, a0) };
        let analysis = analysis::analyze(fwd, rev, &info, self.handshake_rtt);
        for f in analysis::FLAGS {
            if analysis.flags.has(f.bit) {
                self.count(f.field);
            }
        }
        // Zeek's T: payload that does not advance the sequence number
        // (a retransmission, or an out-of-order segment filling a hole).
        let behind = analysis::Flags::RETRANSMISSION
            | analysis::Flags::FAST_RETRANSMISSION
            | analysis::Flags::SPURIOUS_RETRANSMISSION
            | analysis::Flags::OUT_OF_ORDER;
        if t.wire_len > 0 && analysis.flags.has(behind) {
            self.history.note(side, 'T');
        }

        // Reassembly: payload of this side, then what the other side's ACK says it has.
        let mut report = SegReport::default();
        let mut pieces = Vec::new();
        if !payload.is_empty() && !t.rst() {
            let data_seq = t.seq.wrapping_add(u32::from(t.syn()));
            let r = self.reasm[me].push(data_seq, payload, frame, &mut pieces);
            if r.conflict {
                report.overlap_conflict = true;
                self.count("wirelens.tcp.overlap_conflict");
                self.history.note(side, 'I');
            }
            if r.cap_hit {
                self.count("wirelens.tcp.reassembly_cap");
            }
        }
        for p in pieces.drain(..) {
            report.pieces.push((side, p));
        }
        if t.ack_flag() && self.reasm[other].has_base() {
            let fin = self.machine.ep[other].fin_seq;
            let before = self.reasm[other].missing;
            self.reasm[other].acked(t.ack, fin, &mut pieces);
            if self.reasm[other].missing > before {
                self.history.note(side.other(), 'G');
            }
            for p in pieces.drain(..) {
                report.pieces.push((side.other(), p));
            }
        }

        report.side = Some(side);
        report.ctx = TcpCtx {
            stream: Some(self.stream),
            seq_base: self.base[me],
            ack_base: self.base[other],
            win_scale,
            ..TcpCtx::default()
        };
        report.states = self.states();
        report.initial_rtt = self.handshake_rtt;
        report.analysis = analysis;
        report.outcome = outcome;
        report
    }

    /// End of capture (or eviction) at capture time `ts`: expire TIME-WAITs
    /// and hand over what reassembly still holds.
    pub fn finish(&mut self, ts: i64) -> Vec<(Side, Piece)> {
        let t = self.machine.expire(ts);
        let out = Outcome {
            transitions: t,
            ..Outcome::default()
        };
        self.record(self.last_frame, ts, &out);
        self.release_held()
    }

    /// Out-of-order bytes both directions hold.
    pub fn held_bytes(&self) -> usize {
        self.reasm[0].held_bytes() + self.reasm[1].held_bytes()
    }

    /// Gives up on every gap now (memory pressure); returns what became ready.
    pub fn release_held(&mut self) -> Vec<(Side, Piece)> {
        let mut v = Vec::new();
        for side in [Side::Client, Side::Server] {
            let mut p = Vec::new();
            self.reasm[side.index()].flush(&mut p);
            v.extend(p.into_iter().map(|p| (side, p)));
        }
        v
    }

    /// Zeek's conn_state for the connection as it stands.
    pub fn conn_state(&self) -> &'static str {
        let [c, s] = self.machine.ep;
        let syn = c.sent_syn && c.isn.is_some() && !self.inferred;
        let synack = self.synack_ts.is_some();
        let (c_rst, s_rst, c_fin, s_fin) = (c.sent_rst, s.sent_rst, c.sent_fin, s.sent_fin);
        let s_spoke = self.stats[1].packets > 0;
        if self.machine.refused {
            return "REJ";
        }
        if !syn && !synack {
            return "OTH";
        }
        if syn && !synack {
            if c_rst {
                return "RSTOS0";
            }
            if s_rst && s_spoke {
                return "REJ";
            }
            if c_fin {
                return "SH";
            }
            return "S0";
        }
        if !syn && synack {
            if s_rst {
                return "RSTRH";
            }
            if s_fin {
                return "SHR";
            }
            return "OTH";
        }
        if c_rst {
            return "RSTO";
        }
        if s_rst {
            return "RSTR";
        }
        match (c_fin, s_fin) {
            (true, true) => "SF",
            (true, false) => "S2",
            (false, true) => "S3",
            (false, false) => "S1",
        }
    }

    /// Who closed first, as the summary names it.
    pub fn first_closer(&self) -> Option<&'static str> {
        match self.machine.first_closer {
            Some(Closer::One(s)) => Some(s.name()),
            Some(Closer::Both) => Some("both"),
            None => None,
        }
    }

    /// The side in TIME-WAIT (or that went through it), with since/until.
    pub fn time_wait(&self) -> Option<(Side, i64, i64)> {
        for side in [Side::Client, Side::Server] {
            if let Some((a, b)) = self.machine.ep[side.index()].time_wait {
                return Some((side, a, b));
            }
        }
        None
    }

    /// Both sides went through TIME-WAIT (a simultaneous close): (since, until) spanning both.
    pub fn time_wait_both(&self) -> Option<(i64, i64)> {
        match (self.machine.ep[0].time_wait, self.machine.ep[1].time_wait) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            _ => None,
        }
    }

    pub fn missing_bytes(&self) -> u64 {
        self.reasm[0].missing + self.reasm[1].missing
    }

    /// The 4-tuple's connection is over (a new SYN would start a new one).
    pub fn ended(&self) -> bool {
        self.machine.ended()
    }

    /// Whether a SYN from `src` with `seq` starts a new connection on this
    /// 4-tuple: its sender already opened with another initial sequence
    /// number (a new connection, as Wireshark numbers streams), or the old
    /// connection is over and this is not a copy of its SYN.
    pub fn is_new_connection(&self, src: Endpoint, syn_seq: u32) -> bool {
        let side = self.side_of(src);
        let ep = self.machine.ep[side.index()];
        match ep.isn {
            Some(isn) => isn != syn_seq,
            None => self.ended(),
        }
    }
}
