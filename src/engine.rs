//! The engine: every frame goes through `ingest`, which decodes it, finds
//! its flow, runs the TCP state machine, analysis and reassembly, pairs ARP
//! and ICMP exchanges, and returns the frame's annotations. Flows that end
//! or idle out are summarised and freed. Time comes from packet timestamps
//! only, so results are deterministic.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use wirelens_dissectors::annot::{Anchor, AnnotNode};
use wirelens_dissectors::frame::{Decoded, Decoder, FrameMeta, Transport};
use wirelens_dissectors::{Annotations, AppPdu, AppProto, Expert, PduBytes, Severity, Value};

use wirelens_dissectors::transport::tcp::Tcp;

use crate::app;
use crate::capture::Record;
use crate::export::{FlowSummary, Pair, StateJson, TimeWaitJson};
use crate::flow::{Endpoint, FlowKey};
use crate::tcp::analysis::{Flags, FLAGS};
use crate::tcp::reasm::Piece;
use crate::tcp::state::{Side, State, TeardownEvent};
use crate::tcp::{orient, SegReport, TcpConn};

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Maximum segment lifetime; TIME-WAIT lasts 2 MSL (Linux: 60 s, i.e. MSL 30 s; RFC 793 says MSL = 2 minutes).
    pub msl_ns: i64,
    /// A UDP flow idle this long ends.
    pub udp_idle_ns: i64,
    /// A TCP connection idle this long ends (its state is summarised as it stands).
    pub tcp_idle_ns: i64,
    /// Most live flows; past it the longest-idle flow is summarised and freed.
    pub max_flows: usize,
    /// Bytes each direction may hold out of order before a gap is skipped.
    pub held_per_direction: usize,
    /// Bytes all flows together may hold out of order; past it, the flow that
    /// adds more gives up on its gaps.
    pub held_total: usize,
    /// Half-open connections to one listener within `flood_window_ns` that make a SYN flood.
    pub flood_threshold: usize,
    pub flood_window_ns: i64,
    /// Build the per-packet annotation nodes (for trees); the summary line needs only the Info prefix.
    pub detail: bool,
    /// Run the application dissectors (DNS, HTTP, WebSocket).
    pub apps: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            msl_ns: 30_000_000_000,
            udp_idle_ns: 600_000_000_000,
            tcp_idle_ns: 7_200_000_000_000,
            max_flows: 1_000_000,
            held_per_direction: 1 << 20,
            held_total: 256 << 20,
            flood_threshold: 100,
            flood_window_ns: 10_000_000_000,
            detail: true,
            apps: true,
        }
    }
}

/// One frame after the engine saw it.
pub struct Processed {
    pub meta: FrameMeta,
    pub decoded: Decoded,
    pub ann: Annotations,
    /// The flow of the frame: ("tcp" | "udp", stream id).
    pub flow: Option<(&'static str, u64)>,
    /// TCP: client/server states after this frame.
    pub states: Option<(State, State)>,
    /// Stream bytes that became ready in order with this frame (TCP).
    pub pieces: Vec<(Side, Piece)>,
}

#[derive(Debug)]
struct UdpFlow {
    stream: u64,
    client: Endpoint,
    server: Endpoint,
    inferred: bool,
    packets: [u64; 2],
    bytes: [u64; 2],
    payload: [u64; 2],
    first_ts: i64,
    last_ts: i64,
}

#[derive(Debug)]
enum Flow {
    Tcp(Box<TcpConn>),
    Udp(UdpFlow),
}

impl Flow {
    fn last_ts(&self) -> i64 {
        match self {
            Flow::Tcp(c) => c.last_ts,
            Flow::Udp(u) => u.last_ts,
        }
    }
}

/// Half-open connections per listener, for SYN flood detection.
#[derive(Debug, Default)]
struct Listener {
    /// Start times of connections that have not completed their handshake.
    pending: VecDeque<i64>,
    /// Streams counted in `pending`.
    flagged: bool,
    peak: usize,
    peak_span_ns: i64,
}

/// A probable SYN flood against one listener.
#[derive(Clone, Debug, PartialEq)]
pub struct FloodAlert {
    pub listener: Endpoint,
    pub half_open: usize,
    pub span_s: f64,
}

/// The engine state for a whole capture.
pub struct Engine {
    cfg: Config,
    decoder: Decoder,
    flows: HashMap<FlowKey, Flow>,
    next_tcp: u64,
    next_udp: u64,
    /// Ended connections: when, for port reuse notes.
    ended: HashMap<FlowKey, i64>,
    first_ts: Option<i64>,
    prev_ts: Option<i64>,
    last_sweep: i64,
    frames: u64,
    /// Summaries of flows that ended, ready to be written.
    finished: Vec<FlowSummary>,
    /// ARP requests waiting for a reply: target IP -> (frame, ts).
    arp_pending: HashMap<IpAddr, (u64, i64)>,
    /// ICMP echo requests: (src, dst, id, seq) -> frame.
    echo_pending: HashMap<(IpAddr, IpAddr, u16, u16), (u64, i64)>,
    listeners: HashMap<Endpoint, Listener>,
    pub alerts: Vec<FloodAlert>,
    pub evicted: u64,
    /// Out-of-order bytes held by all flows.
    held: usize,
    /// Times the global hold cap made a flow give up on its gaps.
    pub held_cap_hits: u64,
    /// State the application dissectors share across flows (DNS pairing).
    app: app::AppShared,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

/// Seconds, rounded to the microsecond so they print cleanly in JSON.
fn secs(ns: i64) -> f64 {
    (ns.div_euclid(1000) as f64) / 1e6
}

fn fmt_ms(ns: i64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

impl Engine {
    pub fn new(cfg: Config) -> Self {
        Engine {
            cfg,
            decoder: Decoder::default(),
            flows: HashMap::new(),
            next_tcp: 0,
            next_udp: 0,
            ended: HashMap::new(),
            first_ts: None,
            prev_ts: None,
            last_sweep: i64::MIN,
            frames: 0,
            finished: Vec::new(),
            arp_pending: HashMap::new(),
            echo_pending: HashMap::new(),
            listeners: HashMap::new(),
            alerts: Vec::new(),
            evicted: 0,
            held: 0,
            held_cap_hits: 0,
            app: app::AppShared::default(),
        }
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn live_flows(&self) -> usize {
        self.flows.len()
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Summaries of the flows that ended since the last call.
    pub fn take_finished(&mut self) -> Vec<FlowSummary> {
        std::mem::take(&mut self.finished)
    }

    fn meta(&mut self, rec: &Record<'_>) -> FrameMeta {
        self.frames += 1;
        let ts = rec
            .ts
            .secs
            .saturating_mul(1_000_000_000)
            .saturating_add(i64::from(rec.ts.nanos));
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

    /// Stream ids the next new TCP and UDP flows get. A replay of one flow
    /// (the TUI builds a frame's tree by running only that flow's frames
    /// through a fresh engine) gives the flow the id the whole pass gave it.
    pub fn set_next_streams(&mut self, tcp: u64, udp: u64) {
        self.next_tcp = tcp;
        self.next_udp = udp;
    }

    /// [`ingest`](Self::ingest) for a frame of a replay: it gets its number in
    /// the whole capture, and its times are relative to the capture's first
    /// frame and to the frame before it in the capture (not in the replay).
    pub fn ingest_as(&mut self, rec: &Record<'_>, number: u64, first_ts: i64, prev_ts: Option<i64>) -> Processed {
        self.frames = number.saturating_sub(1);
        self.first_ts = Some(first_ts);
        self.prev_ts = prev_ts;
        self.ingest(rec)
    }

    /// Decodes and annotates one record.
    pub fn ingest(&mut self, rec: &Record<'_>) -> Processed {
        let meta = self.meta(rec);
        let decoded = self.decoder.decode(&meta, rec.data);
        let ts = meta.ts_ns();
        self.sweep(ts);
        let mut p = Processed {
            meta,
            decoded,
            ann: Annotations::default(),
            flow: None,
            states: None,
            pieces: Vec::new(),
        };
        self.arp(&mut p, rec.data);
        self.icmp(&mut p);
        self.transport(&mut p, rec.data);
        p
    }

    /// Ends flows that idled out or whose TIME-WAIT is over; runs at most once per second of capture time.
    fn sweep(&mut self, now: i64) {
        if now < self.last_sweep.saturating_add(1_000_000_000) {
            return;
        }
        self.last_sweep = now;
        let cfg = self.cfg.clone();
        let done: Vec<FlowKey> = self
            .flows
            .iter()
            .filter(|(_, f)| match f {
                Flow::Udp(u) => now.saturating_sub(u.last_ts) >= cfg.udp_idle_ns,
                Flow::Tcp(c) => {
                    let idle = now.saturating_sub(c.last_ts);
                    idle >= cfg.tcp_idle_ns || (c.ended() && idle >= cfg.msl_ns.saturating_mul(2))
                }
            })
            .map(|(k, _)| *k)
            .collect();
        for k in done {
            self.finish_flow(&k, now, "ended");
        }
        let keep = self.cfg.msl_ns.saturating_mul(4);
        self.ended.retain(|_, t| now.saturating_sub(*t) < keep);
        self.arp_pending
            .retain(|_, (_, t)| now.saturating_sub(*t) < 60_000_000_000);
        self.echo_pending
            .retain(|_, (_, t)| now.saturating_sub(*t) < 60_000_000_000);
    }

    fn finish_flow(&mut self, key: &FlowKey, now: i64, reason: &'static str) {
        let Some(f) = self.flows.remove(key) else { return };
        let s = match f {
            Flow::Tcp(mut c) => {
                self.held = self.held.saturating_sub(c.held_bytes());
                let rest = c.finish(now);
                if c.ended() {
                    self.ended.insert(*key, c.last_ts);
                }
                let mut s = tcp_summary(&c, key.vlan, reason);
                if let Some(app) = c.app.as_mut() {
                    // What reassembly still held, then the end of both directions.
                    let frame = c.last_frame;
                    for (side, piece) in &rest {
                        app.push(*side, piece, frame, now);
                    }
                    app.end(Side::Client, frame, now);
                    app.end(Side::Server, frame, now);
                    app.summarize(&mut s);
                }
                s
            }
            Flow::Udp(u) => {
                let mut s = udp_summary(&u, key.vlan, reason);
                let mut dns = self.app.dns.borrow_mut();
                dns.summarize(u.stream, &mut s);
                dns.end_flow(u.stream);
                s
            }
        };
        self.finished.push(s);
    }

    /// The flows still open, summarised as they stand (without their
    /// application parts), in stream order; nothing is ended.
    pub fn open_summaries(&self) -> Vec<FlowSummary> {
        let mut v: Vec<FlowSummary> = self
            .flows
            .iter()
            .map(|(k, f)| match f {
                Flow::Tcp(c) => tcp_summary(c, k.vlan, "open"),
                Flow::Udp(u) => udp_summary(u, k.vlan, "open"),
            })
            .collect();
        v.sort_by_key(|s| (s.proto, s.id));
        v
    }

    /// End of the capture: every live flow is summarised (in stream order).
    pub fn finish(&mut self) -> Vec<FlowSummary> {
        let mut all = self.take_finished();
        self.finish_each(|s| all.push(s));
        all
    }

    /// [`finish`](Self::finish), handing each summary to `each` as it is
    /// made instead of all at once (a large capture's last flows are many).
    pub fn finish_each(&mut self, mut each: impl FnMut(FlowSummary)) {
        let now = self.prev_ts.unwrap_or(0);
        let mut keys: Vec<(u8, u64, FlowKey)> = self
            .flows
            .iter()
            .map(|(k, f)| match f {
                Flow::Tcp(c) => (6, c.stream, *k),
                Flow::Udp(u) => (17, u.stream, *k),
            })
            .collect();
        keys.sort_by_key(|(p, id, _)| (*p, *id));
        for (_, _, k) in keys {
            self.finish_flow(&k, now, "capture_end");
            for s in self.finished.drain(..) {
                each(s);
            }
        }
        for (ep, l) in &self.listeners {
            if l.flagged {
                self.alerts.push(FloodAlert {
                    listener: *ep,
                    half_open: l.peak,
                    span_s: secs(l.peak_span_ns),
                });
            }
        }
        self.alerts.sort_by_key(|a| a.listener);
    }

    fn make_room(&mut self, now: i64) {
        if self.flows.len() < self.cfg.max_flows {
            return;
        }
        if let Some(k) = self.flows.iter().min_by_key(|(_, f)| f.last_ts()).map(|(k, _)| *k) {
            self.evicted += 1;
            self.finish_flow(&k, now, "evicted");
        }
    }

    fn arp(&mut self, p: &mut Processed, data: &[u8]) {
        let Some(a) = &p.decoded.arp else { return };
        let ts = p.meta.ts_ns();
        match a.oper {
            1 => {
                if let (Some(t), Some(s)) = (a.target_ip(data), a.sender_ip(data)) {
                    if t != s {
                        self.arp_pending.insert(IpAddr::V4(t), (p.meta.number, ts));
                    }
                }
            }
            2 => {
                if let Some(s) = a.sender_ip(data) {
                    if let Some((req, t0)) = self.arp_pending.remove(&IpAddr::V4(s)) {
                        if self.cfg.detail {
                            let n = AnnotNode::text(
                                "wirelens.arp",
                                format!(
                                    "ARP exchange: answers the request in frame {req} ({} later)",
                                    fmt_ms(ts - t0)
                                ),
                            )
                            .child(AnnotNode::value(
                                "wirelens.arp.request_in",
                                "Request in frame",
                                Value::UInt(req),
                            ));
                            p.ann.nodes.push((Anchor::Under("arp"), n));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn icmp(&mut self, p: &mut Processed) {
        let (Some(ip), Some(Transport::Icmp(i))) = (&p.decoded.ip, &p.decoded.transport) else {
            return;
        };
        let (Some(id), Some(sq)) = (i.ident, i.seq) else { return };
        let ts = p.meta.ts_ns();
        match i.typ {
            8 => {
                self.echo_pending
                    .insert((ip.src(), ip.dst(), id, sq), (p.meta.number, ts));
            }
            0 => {
                if let Some((req, t0)) = self.echo_pending.remove(&(ip.dst(), ip.src(), id, sq)) {
                    p.ann.info_suffix = Some(format!(" (request in {req})"));
                    if self.cfg.detail {
                        let n = AnnotNode::value("icmp.resp_to", "Response to", Value::UInt(req))
                            .with_text(format!("{req}"));
                        p.ann.nodes.push((Anchor::Under("icmp"), n));
                        let rt =
                            AnnotNode::value("icmp.resptime", "Response time", Value::Float((ts - t0) as f64 / 1e6))
                                .with_text(fmt_ms(ts - t0));
                        p.ann.nodes.push((Anchor::Under("icmp"), rt));
                    }
                }
            }
            _ => {}
        }
    }

    fn transport(&mut self, p: &mut Processed, data: &[u8]) {
        let Some(ip) = &p.decoded.ip else { return };
        let vlan = p.decoded.link.vlan_id().unwrap_or(0);
        let ts = p.meta.ts_ns();
        if let Some(t) = p.decoded.tcp() {
            let src = Endpoint {
                ip: ip.src(),
                port: t.sport,
            };
            let dst = Endpoint {
                ip: ip.dst(),
                port: t.dport,
            };
            let (key, _) = FlowKey::new(src, dst, 6, vlan);
            let t = t.clone();
            // A SYN on a 4-tuple whose connection ended (or was abandoned) starts a new one.
            let mut reuse: Option<(i64, bool)> = None;
            if t.syn() && !t.ack_flag() {
                if let Some(Flow::Tcp(c)) = self.flows.get(&key) {
                    if c.is_new_connection(src, t.seq) {
                        let tw = c.time_wait().is_some_and(|(_, _, until)| {
                            ts < until && c.machine.ep.iter().any(|e| e.state == State::TimeWait)
                        });
                        reuse = Some((ts.saturating_sub(c.last_ts), tw));
                        self.finish_flow(&key, ts, "port_reuse");
                    }
                } else if let Some(end) = self.ended.remove(&key) {
                    reuse = Some((ts.saturating_sub(end), false));
                }
            }
            if !self.flows.contains_key(&key) {
                self.make_room(ts);
                let (client, server, inferred) = orient(src, dst, t.syn(), t.ack_flag());
                let stream = self.next_tcp;
                self.next_tcp += 1;
                let mut c = TcpConn::new(
                    stream,
                    client,
                    server,
                    inferred,
                    self.cfg.msl_ns,
                    self.cfg.held_per_direction,
                    ts,
                );
                if let Some((after, tw)) = reuse {
                    c.reuse_after = Some(after);
                    c.reuse_in_time_wait = tw;
                }
                self.flows.insert(key, Flow::Tcp(Box::new(c)));
            }
            let Some(Flow::Tcp(c)) = self.flows.get_mut(&key) else {
                return;
            };
            let payload = p.decoded.l4_payload(data);
            let checksum_bad = matches!(p.decoded.l4_checksum, wirelens_dissectors::util::ChecksumStatus::Bad(_));
            let before = c.held_bytes();
            let mut r = c.on_segment(src, &t, payload, p.meta.number, ts, p.meta.origlen, checksum_bad);
            self.held = (self.held + c.held_bytes()).saturating_sub(before);
            if self.held > self.cfg.held_total {
                let h = c.held_bytes();
                r.pieces.extend(c.release_held());
                self.held = self.held.saturating_sub(h);
                self.held_cap_hits += 1;
                *c.anomalies.entry("wirelens.tcp.reassembly_cap").or_insert(0) += 1;
            }
            if reuse.is_some() {
                r.analysis.flags.set(Flags::REUSED_PORTS);
                *c.anomalies.entry("tcp.analysis.reused_ports").or_insert(0) += 1;
            }
            let stream = c.stream;
            let server = c.server;
            let side = r.side.unwrap_or(Side::Client);
            let handshake_done = r.outcome.handshake_step == Some(3);
            let syn_from_client =
                t.syn() && !t.ack_flag() && side == Side::Client && r.outcome.handshake_step == Some(1);
            p.flow = Some(("tcp", stream));
            p.states = Some(r.states);
            p.ann.tcp = Some(r.ctx);
            p.ann.info_prefix = info_prefix(&r);
            if self.cfg.detail {
                tcp_nodes(&mut p.ann, c, &r, reuse, self.cfg.msl_ns, self.first_ts.unwrap_or(ts));
            }
            if self.cfg.apps {
                let tdata = p.decoded.transport_data(data);
                let seg = Segment {
                    frame: p.meta.number,
                    ts,
                    tdata,
                    payload: t.payload.clone(),
                };
                app_segment(c, &t, side, &r.pieces, &seg, &mut p.ann, &self.app);
            }
            p.pieces = std::mem::take(&mut r.pieces);
            if syn_from_client && c.stats[0].packets == 1 {
                self.listener_syn(server, ts, p);
            } else if handshake_done {
                self.listener_completed(server);
            }
            return;
        }
        if let Some(u) = p.decoded.udp() {
            let src = Endpoint {
                ip: ip.src(),
                port: u.sport,
            };
            let dst = Endpoint {
                ip: ip.dst(),
                port: u.dport,
            };
            let (key, _) = FlowKey::new(src, dst, 17, vlan);
            if !self.flows.contains_key(&key) {
                self.make_room(ts);
                let (client, server, _) = orient(src, dst, false, false);
                let stream = self.next_udp;
                self.next_udp += 1;
                self.flows.insert(
                    key,
                    Flow::Udp(UdpFlow {
                        stream,
                        client,
                        server,
                        inferred: true,
                        packets: [0; 2],
                        bytes: [0; 2],
                        payload: [0; 2],
                        first_ts: ts,
                        last_ts: ts,
                    }),
                );
            }
            let Some(Flow::Udp(f)) = self.flows.get_mut(&key) else {
                return;
            };
            let i = usize::from(src != f.client);
            f.packets[i] += 1;
            f.bytes[i] += u64::from(p.meta.origlen);
            f.payload[i] += u64::from(u.length.saturating_sub(8));
            f.last_ts = ts;
            p.ann.udp_stream = Some(f.stream);
            p.flow = Some(("udp", f.stream));
            if self.cfg.apps {
                // DNS, mDNS and LLMNR by port on either side, or DNS by its look.
                let at = app::dns::DnsWhere {
                    flow: f.stream,
                    client: std::net::SocketAddr::new(f.client.ip, f.client.port),
                    server: std::net::SocketAddr::new(f.server.ip, f.server.port),
                };
                let from_client = src == f.client;
                let tdata = p.decoded.transport_data(data);
                let pdu = self
                    .app
                    .dns
                    .borrow_mut()
                    .udp(&at, from_client, tdata, u.payload.clone(), p.meta.number, ts);
                match pdu {
                    Some(pdu) => p.ann.app.push(pdu),
                    None if u.sport == 1900 || u.dport == 1900 => {
                        // SSDP: HTTP messages in datagrams (UPnP discovery).
                        let payload = tdata.get(u.payload.clone()).unwrap_or(&[]);
                        if app::http::looks_like_http(payload) || app::http::looks_like_response(payload) {
                            p.ann
                                .app
                                .push(AppPdu::in_frame(AppProto::Ssdp, u.payload.clone(), from_client));
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn listener_syn(&mut self, server: Endpoint, ts: i64, p: &mut Processed) {
        let win = self.cfg.flood_window_ns;
        let threshold = self.cfg.flood_threshold;
        let l = self.listeners.entry(server).or_default();
        l.pending.push_back(ts);
        while l.pending.front().is_some_and(|&t| ts.saturating_sub(t) > win) {
            l.pending.pop_front();
        }
        let n = l.pending.len();
        let span = l.pending.front().map(|&t| ts.saturating_sub(t)).unwrap_or(0);
        if n > l.peak {
            l.peak = n;
            l.peak_span_ns = span;
        }
        if n >= threshold {
            l.flagged = true;
            if self.cfg.detail {
                let e = Expert {
                    severity: Severity::Warning,
                    code: "wirelens.tcp.syn_flood",
                    msg: format!(
                        "probable SYN flood: {n} half-open connections to {server} within {:.3} s",
                        secs(span)
                    ),
                };
                let node = AnnotNode::text("wirelens.tcp.syn_flood", format!("Expert Info (Warning): {}", e.msg))
                    .with_expert(e);
                p.ann.nodes.push((Anchor::Root, node));
            }
        }
    }

    fn listener_completed(&mut self, server: Endpoint) {
        if let Some(l) = self.listeners.get_mut(&server) {
            l.pending.pop_front();
        }
    }
}

/// tshark's Info prefixes: `[TCP Retransmission] `, `[TCP Dup ACK 7#2] `.
fn info_prefix(r: &SegReport) -> Option<String> {
    if r.analysis.flags.is_empty() {
        return None;
    }
    let mut s = String::new();
    let special = Flags::FAST_RETRANSMISSION | Flags::SPURIOUS_RETRANSMISSION;
    for f in FLAGS {
        if !r.analysis.flags.has(f.bit) || (f.bit == Flags::RETRANSMISSION && r.analysis.flags.has(special)) {
            continue;
        }
        if f.bit == Flags::DUPLICATE_ACK {
            if let Some((n, fr)) = r.analysis.dupack {
                s.push_str(&format!("[TCP Dup ACK {fr}#{n}] "));
                continue;
            }
        }
        s.push('[');
        s.push_str(f.info);
        s.push_str("] ");
    }
    Some(s)
}

fn duration_node(name: &'static str, label: &'static str, ns: i64) -> AnnotNode {
    AnnotNode::value(name, label, Value::Duration(ns))
}

/// The `tcp.analysis` subtree and the `wirelens` story of a TCP segment.
fn tcp_nodes(
    ann: &mut Annotations,
    c: &TcpConn,
    r: &SegReport,
    reuse: Option<(i64, bool)>,
    msl_ns: i64,
    first_ts: i64,
) {
    let a = &r.analysis;
    let mut sa = AnnotNode::text("tcp.analysis", "SEQ/ACK analysis");
    if let Some((rtt, fr)) = a.ack_rtt {
        sa = sa.child(AnnotNode::value(
            "tcp.analysis.acks_frame",
            "This is an ACK to the segment in frame",
            Value::UInt(fr),
        ));
        sa = sa.child(duration_node(
            "tcp.analysis.ack_rtt",
            "The RTT to ACK the segment was",
            rtt,
        ));
    }
    if let Some(rtt) = r.initial_rtt {
        sa = sa.child(duration_node("tcp.analysis.initial_rtt", "iRTT", rtt));
    }
    if let Some(b) = a.bytes_in_flight {
        sa = sa.child(AnnotNode::value(
            "tcp.analysis.bytes_in_flight",
            "Bytes in flight",
            Value::UInt(b),
        ));
    }
    if let Some(b) = a.push_bytes {
        sa = sa.child(AnnotNode::value(
            "tcp.analysis.push_bytes_sent",
            "Bytes sent since last PSH flag",
            Value::UInt(b),
        ));
    }
    if !a.flags.is_empty() {
        let mut fl = AnnotNode::text("tcp.analysis.flags", "TCP Analysis Flags");
        for f in FLAGS {
            if !a.flags.has(f.bit) {
                continue;
            }
            let sev = if f.note { Severity::Note } else { Severity::Warning };
            let msg = if f.bit == Flags::DUPLICATE_ACK {
                format!("Duplicate ACK (#{})", a.dupack.map(|d| d.0).unwrap_or(1))
            } else {
                f.msg.to_string()
            };
            let node = AnnotNode::text(f.field, format!("Expert Info ({}): {msg}", sev.label())).with_expert(Expert {
                severity: sev,
                code: f.field,
                msg,
            });
            fl = fl.child(node);
            if f.bit == Flags::DUPLICATE_ACK {
                if let Some((n, fr)) = a.dupack {
                    fl = fl.child(AnnotNode::value(
                        "tcp.analysis.duplicate_ack_num",
                        "This is a TCP duplicate ack",
                        Value::UInt(u64::from(n)),
                    ));
                    fl = fl.child(AnnotNode::value(
                        "tcp.analysis.duplicate_ack_frame",
                        "Duplicate to the ACK in frame",
                        Value::UInt(fr),
                    ));
                }
            }
        }
        sa = sa.child(fl);
    }
    if !sa.children.is_empty() {
        ann.nodes.push((Anchor::Under("tcp"), sa));
    }

    // The connection's story: what this packet means for each side.
    let side = r.side.unwrap_or(Side::Client);
    let (cs, ss) = r.states;
    let mut w = AnnotNode::text(
        "wirelens.tcp",
        format!(
            "wirelens: TCP connection {} (client {} ↔ server {}), sent by the {}",
            c.stream,
            c.client,
            c.server,
            side.name()
        ),
    );
    if c.inferred {
        w = w.child(AnnotNode::value(
            "wirelens.tcp.client_inferred",
            "Client inferred (no SYN seen: well-known port or first speaker)",
            Value::Bool(true),
        ));
    }
    if let Some(step) = r.outcome.handshake_step {
        let what = match step {
            1 => "SYN: the client asks to open a connection and announces its initial sequence number".to_string(),
            2 => format!(
                "SYN-ACK: the server agrees, acknowledges the client's ISN + 1 and sends its own ISN{}",
                r.initial_rtt.map(|_| String::new()).unwrap_or_default()
            ),
            _ => format!(
                "ACK: the client acknowledges the server's ISN + 1; both sides now know both ISNs, which is why it takes three{}",
                c.handshake_rtt.map(|h| format!(" (handshake RTT {})", fmt_ms(h))).unwrap_or_default()
            ),
        };
        w = w.child(
            AnnotNode::value("wirelens.tcp.handshake", "Handshake step", Value::UInt(u64::from(step)))
                .with_text(format!("{step} of 3, {what}")),
        );
    }
    for (step, ev) in r.outcome.teardown_steps.iter().zip(&r.outcome.teardown_events) {
        let what = match ev {
            TeardownEvent::Fin { side, first: true } => format!(
                "FIN: the {} closes its sending half first (the active closer)",
                side.name()
            ),
            TeardownEvent::Fin { side, first: false } => {
                format!("FIN: the {} closes its sending half too", side.name())
            }
            TeardownEvent::FinAcked { side } => format!("ACK of the {}'s FIN", side.name()),
        };
        w = w.child(
            AnnotNode::value("wirelens.tcp.teardown", "Teardown step", Value::UInt(u64::from(*step)))
                .with_text(format!("{step} of 4, {what}")),
        );
    }
    w = w.child(AnnotNode::value(
        "wirelens.tcp.client_state",
        "Client state",
        Value::Str(cs.name().into()),
    ));
    w = w.child(AnnotNode::value(
        "wirelens.tcp.server_state",
        "Server state",
        Value::Str(ss.name().into()),
    ));
    for t in &r.outcome.transitions {
        let mut n = AnnotNode::value(
            "wirelens.tcp.transition",
            "Transition",
            Value::Str(t.why.clone().into_boxed_str()),
        );
        if t.to == State::TimeWait {
            if let Some((_, since, until)) = c.time_wait().filter(|(s, _, _)| *s == t.side) {
                let _ = since;
                n = n.child(AnnotNode::text(
                    "wirelens.tcp.time_wait",
                    format!(
                        "the {} waits in TIME-WAIT for 2MSL = {} s, until {:.6} s into the capture (epoch {:.6}), so late duplicates of this connection die out and its last ACK can be resent; Linux waits 60 s, RFC 793's MSL is 2 minutes",
                        t.side.name(),
                        secs(msl_ns * 2),
                        secs(until - first_ts),
                        secs(until)
                    ),
                ));
            }
        }
        w = w.child(n);
    }
    for rm in &r.outcome.remarks {
        w = w.child(AnnotNode::text(rm.code, rm.text.clone()));
    }
    if let Some((after, tw)) = reuse {
        let msg = if tw {
            format!("port reuse: a new SYN {:.3} s after the previous connection on these ports, while it was still in TIME-WAIT (inside 2MSL)", secs(after))
        } else {
            format!(
                "port reuse: a new connection on the same ports, {:.3} s after the previous one's last packet",
                secs(after)
            )
        };
        let sev = if tw { Severity::Warning } else { Severity::Note };
        w = w.child(
            AnnotNode::text("wirelens.tcp.port_reuse", msg.clone()).with_expert(Expert {
                severity: sev,
                code: "wirelens.tcp.port_reuse",
                msg,
            }),
        );
    }
    if r.overlap_conflict {
        let msg = "retransmitted bytes differ from the first copy (the first copy is kept)".to_string();
        w = w.child(
            AnnotNode::text("wirelens.tcp.overlap_conflict", msg.clone()).with_expert(Expert {
                severity: Severity::Warning,
                code: "wirelens.tcp.overlap_conflict",
                msg,
            }),
        );
    }
    ann.nodes.push((Anchor::Root, w));
}

/// The TCP segment being ingested, for the application layer.
struct Segment<'a> {
    frame: u64,
    ts: i64,
    /// The transport's data source (the frame or the reassembled datagram) and the payload's place in it.
    tdata: &'a [u8],
    payload: std::ops::Range<usize>,
}

/// A message that lies wholly in this segment is shown in the frame's own
/// bytes (as Wireshark does), not as a one-segment reassembly.
fn localize(pdus: &mut [AppPdu], side: Side, pieces: &[(Side, Piece)], seg: &Segment<'_>) {
    let Some(payload) = seg.tdata.get(seg.payload.clone()) else {
        return;
    };
    // Stream offset of the payload's first byte: this frame's piece ends where the payload ends.
    let start = pieces.iter().find_map(|(s, p)| match p {
        Piece::Data { offset, bytes, frame } if *s == side && *frame == seg.frame => {
            (offset + bytes.len() as u64).checked_sub(payload.len() as u64)
        }
        _ => None,
    });
    for pdu in pdus.iter_mut() {
        let PduBytes::Reassembled(b) = &pdu.bytes else { continue };
        // No segments listed, or only this frame: the message lies in this segment.
        let here = match pdu.segments.as_slice() {
            [] => true,
            [(f, _)] => *f == seg.frame,
            _ => false,
        };
        if pdu.from_client != (side == Side::Client) || !here {
            continue;
        }
        let at = start
            .and_then(|s| pdu.stream_offset.checked_sub(s))
            .and_then(|d| usize::try_from(d).ok())
            .filter(|&d| payload.get(d..d + b.len()) == Some(&b[..]))
            .or_else(|| memchr::memmem::find(payload, b));
        match at {
            Some(d) => {
                let from = seg.payload.start + d;
                pdu.bytes = PduBytes::Frame(from..from + b.len());
                pdu.segments.clear();
            }
            None if pdu.segments.is_empty() => {
                pdu.segments = vec![(seg.frame, u32::try_from(b.len()).unwrap_or(u32::MAX))];
            }
            None => {}
        }
    }
}

/// The application layer's part of one TCP segment: choose the dissector
/// (by port, else by the first bytes), feed it the bytes that became ready,
/// end a direction on its FIN or RST, and put the messages this frame
/// completed into its annotations.
#[allow(clippy::too_many_arguments)]
fn app_segment(
    c: &mut TcpConn,
    t: &Tcp,
    side: Side,
    pieces: &[(Side, Piece)],
    seg: &Segment<'_>,
    ann: &mut Annotations,
    shared: &app::AppShared,
) {
    let (frame, ts) = (seg.frame, seg.ts);
    if c.app.is_none() && !c.app_probed {
        let first = pieces.iter().find_map(|(s, p)| match p {
            Piece::Data { bytes, .. } => Some((*s, bytes.as_slice())),
            Piece::Gap { .. } => None,
        });
        if let Some((s, bytes)) = first {
            c.app_probed = true;
            c.app =
                app::choose_tcp(c.client, c.server, s, bytes, c.stream, shared).map(|d| Box::new(app::TcpApp::new(d)));
        } else if t.syn() {
            // Chosen by port before any data, so that nothing is missed.
            c.app =
                app::choose_tcp_by_port(c.client, c.server, c.stream, shared).map(|d| Box::new(app::TcpApp::new(d)));
            c.app_probed = c.app.is_some();
        }
    }
    let Some(a) = c.app.as_mut() else { return };
    for (s, piece) in pieces {
        a.push(*s, piece, frame, ts);
    }
    if t.rst() {
        a.end(Side::Client, frame, ts);
        a.end(Side::Server, frame, ts);
    } else if t.fin() && c.reasm[side.index()].held_bytes() == 0 {
        a.end(side, frame, ts);
    }
    a.take_pdus(&mut ann.app);
    localize(&mut ann.app, side, pieces, seg);
    ann.segment_of_pdu = !seg.payload.is_empty() && a.holds_frame(side, frame);
    if a.rejected() && ann.app.is_empty() {
        c.app = None;
    }
}

fn pair(a: [u64; 2]) -> Pair {
    Pair {
        client: a[0],
        server: a[1],
    }
}

fn tcp_summary(c: &TcpConn, vlan: u16, reason: &'static str) -> FlowSummary {
    let (cs, ss) = c.states();
    FlowSummary {
        id: c.stream,
        proto: "tcp",
        client: c.client.to_string(),
        server: c.server.to_string(),
        client_inferred: c.inferred,
        first_ts: secs(c.first_ts),
        last_ts: secs(c.last_ts),
        duration: secs(c.last_ts.saturating_sub(c.first_ts)),
        packets: pair([c.stats[0].packets, c.stats[1].packets]),
        bytes: pair([c.stats[0].bytes, c.stats[1].bytes]),
        payload_bytes: pair([c.stats[0].payload, c.stats[1].payload]),
        handshake_rtt_ms: c.handshake_rtt.map(|n| (n as f64 / 1e6 * 1000.0).round() / 1000.0),
        conn_state: c.conn_state(),
        history: c.history.as_str().to_string(),
        client_state: Some(cs.name()),
        server_state: Some(ss.name()),
        states: c
            .timeline
            .iter()
            .map(|e| StateJson {
                frame: e.frame,
                ts: secs(e.ts),
                side: e.side.name(),
                from: e.from.name(),
                to: e.to.name(),
                why: e.why.clone(),
            })
            .collect(),
        first_closer: c.first_closer(),
        time_wait: match c.time_wait_both() {
            Some((a, b)) => Some(TimeWaitJson {
                side: "both",
                since: secs(a),
                until: secs(b),
            }),
            None => c.time_wait().map(|(s, a, b)| TimeWaitJson {
                side: s.name(),
                since: secs(a),
                until: secs(b),
            }),
        },
        anomalies: c.anomalies.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        missing_bytes: c.missing_bytes(),
        app: None,
        vlan: (vlan != 0).then_some(vlan),
        reused_after_s: c.reuse_after.map(secs),
        end: reason,
        dns: None,
        websocket: None,
        http: None,
        http_conn: None,
    }
}

fn udp_summary(u: &UdpFlow, vlan: u16, reason: &'static str) -> FlowSummary {
    let both = u.packets[0] > 0 && u.packets[1] > 0;
    let mut history = String::new();
    if u.packets[0] > 0 {
        history.push('D');
    }
    if u.packets[1] > 0 {
        history.push('d');
    }
    FlowSummary {
        id: u.stream,
        proto: "udp",
        client: u.client.to_string(),
        server: u.server.to_string(),
        client_inferred: u.inferred,
        first_ts: secs(u.first_ts),
        last_ts: secs(u.last_ts),
        duration: secs(u.last_ts.saturating_sub(u.first_ts)),
        packets: pair(u.packets),
        bytes: pair(u.bytes),
        payload_bytes: pair(u.payload),
        handshake_rtt_ms: None,
        conn_state: if both {
            "SF"
        } else if u.packets[0] > 0 {
            "S0"
        } else {
            "SHR"
        },
        history,
        client_state: None,
        server_state: None,
        states: Vec::new(),
        first_closer: None,
        time_wait: None,
        anomalies: Default::default(),
        missing_bytes: 0,
        app: None,
        vlan: (vlan != 0).then_some(vlan),
        reused_after_s: None,
        end: reason,
        dns: None,
        websocket: None,
        http: None,
        http_conn: None,
    }
}
