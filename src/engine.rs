//! The engine: every frame goes through `ingest`, which decodes it, finds its
//! flow and computes what the dissector cannot know from one frame alone
//! (stream ids, relative sequence numbers, window scaling), returned as
//! annotations. Time comes from packet timestamps only.

use wirelens_dissectors::frame::{Decoded, Decoder, FrameMeta};
use wirelens_dissectors::transport::tcp::{TcpCtx, WinScale};
use wirelens_dissectors::Annotations;

use crate::capture::Record;
use crate::flow::{Dir, Endpoint, FlowKey, FlowTable};

/// One frame after the engine saw it.
pub struct Processed {
    pub meta: FrameMeta,
    pub decoded: Decoded,
    pub ann: Annotations,
}

#[derive(Debug, Default, Clone, Copy)]
struct TcpSide {
    /// The relative sequence base of this side's data.
    base: Option<u32>,
    /// The SYN this side sent: None = not seen, Some(None) = without window scale.
    syn_wscale: Option<Option<u8>>,
}

#[derive(Debug)]
struct FlowState {
    stream: u64,
    /// The endpoint that sent the flow's first packet.
    first: Endpoint,
    tcp: [TcpSide; 2],
}

/// The engine state for a whole capture.
pub struct Engine {
    decoder: Decoder,
    table: FlowTable,
    flows: Vec<FlowState>,
    first_ts: Option<i64>,
    prev_ts: Option<i64>,
    frames: u64,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    pub fn new() -> Self {
        Engine { decoder: Decoder::default(), table: FlowTable::new(), flows: Vec::new(), first_ts: None, prev_ts: None, frames: 0 }
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Builds the frame's metadata (number, relative and delta times).
    fn meta(&mut self, rec: &Record<'_>) -> FrameMeta {
        self.frames += 1;
        let ts = rec.ts.secs.saturating_mul(1_000_000_000).saturating_add(i64::from(rec.ts.nanos));
        let first = *self.first_ts.get_or_insert(ts);
        let prev = self.prev_ts.replace(ts).unwrap_or(ts);
        FrameMeta {
            number: self.frames,
            ts_secs: rec.ts.secs,
            ts_nanos: rec.ts.nanos,
            rel_ns: ts.saturating_sub(first),
            delta_ns: ts.saturating_sub(prev),
            caplen: rec.caplen,
            origlen: rec.origlen,
            linktype: rec.linktype,
            iface: rec.iface,
            comments: rec.comments.clone(),
        }
    }

    /// Decodes and annotates one record.
    pub fn ingest(&mut self, rec: &Record<'_>) -> Processed {
        let meta = self.meta(rec);
        let decoded = self.decoder.decode(&meta, rec.data);
        let mut ann = Annotations::default();
        self.flow(&decoded, &mut ann);
        Processed { meta, decoded, ann }
    }

    fn flow(&mut self, d: &Decoded, ann: &mut Annotations) {
        let Some(ip) = &d.ip else { return };
        let vlan = d.link.vlan_id().unwrap_or(0);
        let (sport, dport, proto) = if let Some(t) = d.tcp() {
            (t.sport, t.dport, 6u8)
        } else if let Some(u) = d.udp() {
            (u.sport, u.dport, 17u8)
        } else {
            return;
        };
        let src = Endpoint { ip: ip.src(), port: sport };
        let dst = Endpoint { ip: ip.dst(), port: dport };
        let (key, _) = FlowKey::new(src, dst, proto, vlan);
        let slot = match self.table.get(&key) {
            Some(s) => s,
            None => {
                let stream = self.table.next_stream(proto);
                self.flows.push(FlowState { stream, first: src, tcp: [TcpSide::default(); 2] });
                let s = self.flows.len() - 1;
                self.table.bind(key, s);
                s
            }
        };
        let Some(f) = self.flows.get_mut(slot) else { return };
        let dir = if src == f.first { Dir::Fwd } else { Dir::Rev };
        if proto == 17 {
            ann.udp_stream = Some(f.stream);
            return;
        }
        let Some(t) = d.tcp() else { return };
        let (me, other) = (dir.index(), dir.flip().index());
        if t.syn() {
            f.tcp[me].syn_wscale = Some(t.wscale());
            // A SYN fixes this side's base to its initial sequence number.
            if f.tcp[me].base.is_none() || !t.ack_flag() {
                f.tcp[me].base = Some(t.seq);
            }
        } else if f.tcp[me].base.is_none() {
            // Joined mid-connection: the first byte seen counts as byte 1.
            f.tcp[me].base = Some(t.seq.wrapping_sub(1));
        }
        if t.ack_flag() && f.tcp[other].base.is_none() {
            f.tcp[other].base = Some(t.ack.wrapping_sub(1));
        }
        let win_scale = match (f.tcp[me].syn_wscale, f.tcp[other].syn_wscale) {
            (Some(Some(mine)), Some(Some(_))) => WinScale::Shift(mine),
            (Some(_), Some(_)) => WinScale::NoScaling,
            _ => WinScale::Unknown,
        };
        ann.tcp = Some(TcpCtx {
            stream: Some(f.stream),
            seq_base: f.tcp[me].base,
            ack_base: f.tcp[other].base,
            win_scale,
            ..TcpCtx::default()
        });
    }
}
