//! WebSocket conversations (RFC 6455, RFC 7692 permessage-deflate) after
//! the HTTP 101 response: cuts frames out of both directions of the stream,
//! one [`AppPdu`] per frame on the frame that completes it, and adds what
//! needs more than one frame: messages reassembled from fragments and
//! inflated, UTF-8 checked over whole messages, pings paired with pongs,
//! the closing handshake, and the rules each side must keep (clients mask,
//! servers do not, RSV bits only with an extension, nothing after Close).
//!
//! Frames up to [`WHOLE_MAX`] bytes are buffered whole by the
//! [`crate::tcp::stream::StreamFeeder`] (its cap must be at least
//! [`FEEDER_CAP_MIN`]); a larger frame is consumed as its bytes arrive,
//! never buffered whole: its header and the first [`KEEP`] payload bytes
//! are kept for display and its payload still flows through the message
//! checks.

pub mod handshake;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use serde::Serialize;
use wirelens_dissectors::app::websocket::{self as ws, Header};
use wirelens_dissectors::tree::write_hex;
use wirelens_dissectors::{AnnotNode, AppPdu, AppProto, Expert, PduBytes, Severity, Value};

pub use handshake::{accept_for, handshake_nodes, Deflate};

use crate::app::{AppStream, Upgrade};
use crate::export::FlowSummary;
use crate::tcp::state::Side;
use crate::tcp::stream::{Chunk, Feed, StreamDissector};

/// Frames up to this many bytes (header included) are waited for whole.
pub const WHOLE_MAX: u64 = 64 * 1024;
/// The smallest StreamFeeder cap with which no frame up to [`WHOLE_MAX`] overflows.
pub const FEEDER_CAP_MIN: usize = WHOLE_MAX as usize + ws::MAX_HEADER;
/// Of a larger frame, this many payload bytes are kept for display.
pub const KEEP: usize = 16 * 1024;
/// Bytes of a message (inflated) kept for display.
pub const MSG_SHOW: usize = 16 * 1024;
/// A compressed message is inflated up to this many bytes, then no further.
pub const INFLATE_MAX: u64 = 16 << 20;
/// Frames listed per message, segments per PDU.
const LIST_MAX: usize = 256;
/// Pings waiting for their pong, per side.
const PINGS_MAX: usize = 32;
/// Binary bytes written in a message node's text.
const HEX_SHOWN: usize = 36;

/// The tail RFC 7692 7.2.2 removes from each compressed message.
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

/// Per-direction counts for the flow summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WsSideSummary {
    /// Frames by opcode name (`text`, `binary`, `continuation`, `close`, `ping`, `pong`, `reserved`).
    pub frames: BTreeMap<&'static str, u64>,
    /// Complete data messages, and those of each type.
    pub messages: u64,
    pub text_messages: u64,
    pub binary_messages: u64,
    /// Messages sent compressed (permessage-deflate).
    pub compressed_messages: u64,
    /// Messages made of more than one frame.
    pub fragmented_messages: u64,
    /// Payload bytes on the wire, and message bytes after inflating.
    pub payload_bytes: u64,
    pub message_bytes: u64,
}

/// Ping round-trip times in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RttMs {
    pub count: u64,
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

/// What the flow summary says about a WebSocket connection.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WsSummary {
    /// Sec-WebSocket-Accept matched the key (None: one of them missing).
    pub accept_ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subprotocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<String>,
    pub permessage_deflate: bool,
    pub client: WsSideSummary,
    pub server: WsSideSummary,
    /// Who sent the first Close frame, its code and reason.
    pub close_first: Option<&'static str>,
    pub close_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
    /// The peer answered the first Close with its own.
    pub close_echoed: bool,
    /// Who closed TCP first (from the TCP engine).
    pub tcp_first_closer: Option<&'static str>,
    pub ping_rtt_ms: Option<RttMs>,
    /// Pings never answered by a pong.
    pub unanswered_pings: u64,
    /// Protocol violations, total and by code.
    pub violations: u64,
    pub violation_kinds: BTreeMap<&'static str, u64>,
    /// A gap in the capture left this side's frames unreadable from then on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost_sync: Vec<&'static str>,
    /// TCP closed with no Close frame from either side: what an API reports
    /// as 1006 (abnormal closure).
    pub abnormal_closure: bool,
    /// Frames the end of the connection cut short.
    pub cut_frames: u64,
}

/// A frame larger than [`WHOLE_MAX`], consumed piece by piece.
#[derive(Debug)]
struct Big {
    hdr: Header,
    /// Header and the first [`KEEP`] payload bytes, as sent.
    kept: Vec<u8>,
    /// Payload bytes consumed so far and still to come.
    done: u64,
    remaining: u64,
    start: u64,
    segs: Vec<(u64, u32)>,
    more_segs: u64,
    /// Payload bytes the capture missed.
    missed: u64,
    nodes: Vec<AnnotNode>,
}

/// Incremental UTF-8 check over a message cut anywhere.
#[derive(Debug, Default)]
struct Utf8 {
    pending: [u8; 4],
    np: usize,
    seen: u64,
    bad_at: Option<u64>,
}

impl Utf8 {
    fn push(&mut self, data: &[u8]) {
        if self.bad_at.is_some() {
            return;
        }
        let mut i = 0;
        while self.np > 0 && i < data.len() {
            self.pending[self.np] = data[i];
            self.np += 1;
            i += 1;
            match std::str::from_utf8(&self.pending[..self.np]) {
                Ok(_) => self.np = 0,
                Err(e) if e.error_len().is_some() || self.np == 4 => {
                    self.bad_at = Some(self.seen + i as u64 - self.np as u64);
                    return;
                }
                Err(_) => {}
            }
        }
        let rest = &data[i..];
        if let Err(e) = std::str::from_utf8(rest) {
            let at = e.valid_up_to();
            match e.error_len() {
                Some(_) => {
                    self.bad_at = Some(self.seen + (i + at) as u64);
                    return;
                }
                None => {
                    let tail = &rest[at..];
                    self.pending[..tail.len()].copy_from_slice(tail);
                    self.np = tail.len();
                }
            }
        }
        self.seen += data.len() as u64;
    }

    /// The first invalid byte's offset, once the message is complete.
    fn finish(&mut self) -> Option<u64> {
        if self.bad_at.is_none() && self.np > 0 {
            self.bad_at = Some(self.seen - self.np as u64);
        }
        self.bad_at
    }
}

/// A data message being received.
#[derive(Debug)]
struct Msg {
    opcode: u8,
    compressed: bool,
    /// The first frame had RSV1 set (so the frame's own tree did not show it).
    rsv1: bool,
    /// Frames carrying it and their payload lengths.
    frames: Vec<(u64, u64)>,
    nframes: u64,
    wire_len: u64,
    /// Application bytes (after inflating).
    len: u64,
    shown: Vec<u8>,
    utf8: Utf8,
    inflate_err: Option<String>,
    inflate_stopped: bool,
    /// Bytes the capture missed.
    missed: bool,
}

impl Msg {
    fn new(opcode: u8, compressed: bool, rsv1: bool) -> Msg {
        Msg {
            opcode,
            compressed,
            rsv1,
            frames: Vec::new(),
            nframes: 0,
            wire_len: 0,
            len: 0,
            shown: Vec::new(),
            utf8: Utf8::default(),
            inflate_err: None,
            inflate_stopped: false,
            missed: false,
        }
    }

    /// Application bytes of the message.
    fn accept(&mut self, data: &[u8]) {
        self.len = self.len.saturating_add(data.len() as u64);
        let room = MSG_SHOW.saturating_sub(self.shown.len());
        self.shown.extend_from_slice(&data[..data.len().min(room)]);
        if self.opcode == ws::OP_TEXT {
            self.utf8.push(data);
        }
    }
}

/// A ping waiting for its pong.
#[derive(Debug)]
struct Ping {
    payload: Vec<u8>,
    frame: u64,
    ns: i64,
}

/// A Close frame seen.
#[derive(Clone, Debug)]
struct CloseSeen {
    frame: u64,
    ns: i64,
    code: Option<u16>,
    reason: Option<String>,
}

/// One direction's state.
#[derive(Debug, Default)]
struct Dir {
    big: Option<Big>,
    msg: Option<Msg>,
    inflater: Option<Decompress>,
    /// The compression context was lost (a gap, an error, a message past
    /// [`INFLATE_MAX`]): later messages that depend on it cannot be inflated.
    ctx_lost: bool,
    /// The stream lost its framing after a gap at this offset.
    lost: Option<u64>,
    close: Option<CloseSeen>,
    pings: VecDeque<Ping>,
    sum: WsSideSummary,
}

/// A WebSocket connection after its handshake.
pub struct WsConv {
    up: Upgrade,
    deflate: Option<Deflate>,
    /// An extension wirelens does not interpret was agreed: RSV bits may be its.
    other_ext: bool,
    dirs: [Dir; 2],
    pdus: Vec<AppPdu>,
    close_first: Option<Side>,
    close_echoed: bool,
    rtt_count: u64,
    rtt_sum: i64,
    rtt_min: i64,
    rtt_max: i64,
    unanswered: u64,
    violations: BTreeMap<&'static str, u64>,
    /// The frame being ingested and its time.
    now: (u64, i64),
    cut_frames: u64,
}

fn side_name(s: Side) -> &'static str {
    s.name()
}

fn op_key(op: u8) -> &'static str {
    match op {
        ws::OP_CONTINUATION => "continuation",
        ws::OP_TEXT => "text",
        ws::OP_BINARY => "binary",
        ws::OP_CLOSE => "close",
        ws::OP_PING => "ping",
        ws::OP_PONG => "pong",
        _ => "reserved",
    }
}

fn expert_node(code: &'static str, severity: Severity, msg: String) -> AnnotNode {
    AnnotNode::text(code, format!("Expert Info ({}): {msg}", severity.label())).with_expert(Expert {
        severity,
        code,
        msg,
    })
}

fn hex_text(b: &[u8]) -> String {
    let mut s = String::new();
    write_hex(&mut s, &b[..b.len().min(HEX_SHOWN)], None);
    if b.len() > HEX_SHOWN {
        s.push('\u{2026}');
    }
    s
}

fn secs(ns: i64) -> String {
    let mut s = String::new();
    wirelens_dissectors::tree::write_duration(&mut s, ns);
    s
}

impl WsConv {
    /// A conversation over the connection `up` upgraded.
    pub fn new(up: &Upgrade) -> WsConv {
        let (deflate, other_ext) = handshake::negotiated(up);
        WsConv {
            up: up.clone(),
            deflate,
            other_ext,
            dirs: [Dir::default(), Dir::default()],
            pdus: Vec::new(),
            close_first: None,
            close_echoed: false,
            rtt_count: 0,
            rtt_sum: 0,
            rtt_min: i64::MAX,
            rtt_max: i64::MIN,
            unanswered: 0,
            violations: BTreeMap::new(),
            now: (0, 0),
            cut_frames: 0,
        }
    }

    /// The summary this conversation adds to its flow's.
    pub fn summary(&self) -> WsSummary {
        let [c, s] = &self.dirs;
        let first = self.close_first.map(|x| &self.dirs[x.index()]);
        let close = first.and_then(|d| d.close.as_ref());
        let mut lost = Vec::new();
        for (side, d) in [(Side::Client, c), (Side::Server, s)] {
            if d.lost.is_some() {
                lost.push(side_name(side));
            }
        }
        WsSummary {
            accept_ok: handshake::accept_ok(&self.up),
            subprotocol: self.up.protocol.clone(),
            extensions: self.up.extensions.clone(),
            permessage_deflate: self.deflate.is_some(),
            client: c.sum.clone(),
            server: s.sum.clone(),
            close_first: self.close_first.map(side_name),
            close_code: close.and_then(|c| c.code),
            close_reason: close.and_then(|c| c.reason.clone()),
            close_echoed: self.close_echoed,
            tcp_first_closer: None,
            ping_rtt_ms: (self.rtt_count > 0).then(|| RttMs {
                count: self.rtt_count,
                min: self.rtt_min as f64 / 1e6,
                avg: self.rtt_sum as f64 / self.rtt_count as f64 / 1e6,
                max: self.rtt_max as f64 / 1e6,
            }),
            unanswered_pings: self.unanswered + self.dirs.iter().map(|d| d.pings.len() as u64).sum::<u64>(),
            violations: self.violations.values().sum(),
            violation_kinds: self.violations.clone(),
            lost_sync: lost,
            abnormal_closure: false,
            cut_frames: self.cut_frames,
        }
    }

    fn violation(&mut self, nodes: &mut Vec<AnnotNode>, code: &'static str, severity: Severity, msg: String) {
        *self.violations.entry(code).or_insert(0) += 1;
        nodes.push(expert_node(code, severity, msg));
    }

    /// Checks made when a frame's header is known; starts a data message.
    fn frame_begin(&mut self, side: Side, h: &Header) -> Vec<AnnotNode> {
        let mut nodes = Vec::new();
        let d = &mut self.dirs[side.index()];
        *d.sum.frames.entry(op_key(h.opcode)).or_insert(0) += 1;
        d.sum.payload_bytes = d.sum.payload_bytes.saturating_add(h.payload_len);
        if let Some(f) = d.close.as_ref().map(|c| c.frame) {
            self.violation(
                &mut nodes,
                "wirelens.websocket.data_after_close",
                Severity::Error,
                format!(
                    "The {} sent this frame after its own Close (frame {f}): nothing may follow a Close (RFC 6455 5.5.1)",
                    side_name(side)
                ),
            );
        }
        match (side, h.masked) {
            (Side::Client, false) => self.violation(
                &mut nodes,
                "wirelens.websocket.unmasked_client_frame",
                Severity::Error,
                "Unmasked frame from the client: every client frame must be masked, and the server must close the \
                 connection (RFC 6455 5.1); masking keeps proxies from mistaking the bytes for HTTP"
                    .into(),
            ),
            (Side::Server, true) => self.violation(
                &mut nodes,
                "wirelens.websocket.masked_server_frame",
                Severity::Error,
                "Masked frame from the server: a server must not mask its frames, and the client must close the \
                 connection (RFC 6455 5.1)"
                    .into(),
            ),
            _ => {}
        }
        if let Some(_dfl) = self.deflate {
            nodes.push(AnnotNode::value(
                "websocket.pmc",
                "Per-Message Compressed",
                Value::Bool(h.rsv & 4 != 0),
            ));
        }
        let rsv_allowed = if self.other_ext {
            7
        } else if self.deflate.is_some() && !h.is_control() && h.opcode != ws::OP_CONTINUATION {
            4
        } else {
            0
        };
        if h.rsv & !rsv_allowed != 0 {
            let why = if self.deflate.is_some() && h.rsv & 4 != 0 && h.is_control() {
                "RSV1 on a control frame: permessage-deflate compresses data messages only (RFC 7692 6)".to_string()
            } else if self.deflate.is_some() && h.rsv & 4 != 0 && h.opcode == ws::OP_CONTINUATION {
                "RSV1 on a continuation frame: permessage-deflate sets it on a message's first frame only (RFC 7692 6.1)"
                    .to_string()
            } else {
                format!(
                    "Reserved bits 0x{:x} set with no extension agreed that defines them: the receiver must fail the \
                     connection (RFC 6455 5.2)",
                    h.rsv
                )
            };
            self.violation(&mut nodes, "wirelens.websocket.reserved_bits", Severity::Error, why);
        }
        if h.is_control() {
            if h.payload_len > ws::MAX_CONTROL_PAYLOAD {
                *self
                    .violations
                    .entry("wirelens.websocket.control_too_long")
                    .or_insert(0) += 1;
            }
            if !h.fin {
                *self
                    .violations
                    .entry("wirelens.websocket.control_fragmented")
                    .or_insert(0) += 1;
            }
        }
        if !ws::opcode_known(h.opcode) {
            *self.violations.entry("wirelens.websocket.reserved_opcode").or_insert(0) += 1;
        }
        let compressed = self.deflate.is_some() && h.rsv & 4 != 0;
        match h.opcode {
            ws::OP_TEXT | ws::OP_BINARY => {
                if let Some(old) = self.dirs[side.index()].msg.take() {
                    self.violation(
                        &mut nodes,
                        "wirelens.websocket.interleaved_message",
                        Severity::Error,
                        format!(
                            "A new message starts while the {} message begun in frame {} is unfinished: only control \
                             frames may come between fragments (RFC 6455 5.4)",
                            if old.opcode == ws::OP_TEXT { "text" } else { "binary" },
                            old.frames.first().map_or(0, |f| f.0)
                        ),
                    );
                    self.drop_message(side);
                }
                self.dirs[side.index()].msg = Some(Msg::new(h.opcode, compressed, h.rsv & 4 != 0));
                if compressed {
                    self.start_inflate(side);
                }
            }
            ws::OP_CONTINUATION if self.dirs[side.index()].msg.is_none() => {
                self.violation(
                    &mut nodes,
                    "wirelens.websocket.orphan_continuation",
                    Severity::Error,
                    "Continuation frame with no fragmented message to continue (RFC 6455 5.4)".into(),
                );
            }
            _ => {}
        }
        if !h.is_control() && ws::opcode_known(h.opcode) {
            if let Some(m) = &mut self.dirs[side.index()].msg {
                m.nframes += 1;
                m.wire_len = m.wire_len.saturating_add(h.payload_len);
                if m.frames.len() < LIST_MAX {
                    m.frames.push((self.now.0, h.payload_len));
                }
            }
        }
        nodes
    }

    /// A message's compression context at its start: fresh when the sender
    /// resets it after each message.
    fn start_inflate(&mut self, side: Side) {
        let reset = self.deflate.is_some_and(|d| match side {
            Side::Client => d.client_no_context_takeover,
            Side::Server => d.server_no_context_takeover,
        });
        let d = &mut self.dirs[side.index()];
        if reset || d.inflater.is_none() {
            d.inflater = Some(Decompress::new(false));
            d.ctx_lost = false;
        }
        if d.ctx_lost {
            if let Some(m) = &mut d.msg {
                m.inflate_err =
                    Some("the compression context this message builds on was lost earlier (context takeover)".into());
            }
        }
    }

    fn drop_message(&mut self, side: Side) {
        let d = &mut self.dirs[side.index()];
        if d.msg.take().is_some_and(|m| m.compressed) {
            d.ctx_lost = true;
        }
    }

    /// Payload bytes (unmasked) of a data frame, in order.
    fn payload(&mut self, side: Side, h: &Header, data: &[u8]) {
        if h.is_control() || !ws::opcode_known(h.opcode) {
            return;
        }
        let d = &mut self.dirs[side.index()];
        let Some(m) = &mut d.msg else { return };
        if !m.compressed {
            m.accept(data);
            return;
        }
        inflate(m, &mut d.inflater, &mut d.ctx_lost, data, FlushDecompress::None);
    }

    /// Finishes a frame: ends its message, pairs pings, follows the close;
    /// `pay` is the start of its payload, unmasked.
    fn frame_end(&mut self, side: Side, h: &Header, pay: &[u8], mut nodes: Vec<AnnotNode>) -> Vec<AnnotNode> {
        let (now_frame, now_ns) = self.now;
        match h.opcode {
            ws::OP_TEXT | ws::OP_BINARY | ws::OP_CONTINUATION if h.fin => {
                if let Some(m) = self.dirs[side.index()].msg.take() {
                    self.finish_message(side, m, &mut nodes);
                }
            }
            ws::OP_PING => {
                let d = &mut self.dirs[side.index()];
                if d.pings.len() >= PINGS_MAX {
                    d.pings.pop_front();
                    self.unanswered += 1;
                }
                d.pings.push_back(Ping {
                    payload: pay.iter().take(ws::MAX_CONTROL_PAYLOAD as usize).copied().collect(),
                    frame: now_frame,
                    ns: now_ns,
                });
            }
            ws::OP_PONG => {
                let p: Vec<u8> = pay.iter().take(ws::MAX_CONTROL_PAYLOAD as usize).copied().collect();
                let other = &mut self.dirs[side.other().index()];
                if let Some(i) = other.pings.iter().position(|x| x.payload == p) {
                    // The pings before it went unanswered (RFC 6455 5.5.3
                    // allows answering only the latest).
                    self.unanswered += i as u64;
                    let ping = other.pings.drain(..=i).next_back();
                    if let Some(ping) = ping {
                        let rtt = now_ns.saturating_sub(ping.ns);
                        self.rtt_count += 1;
                        self.rtt_sum = self.rtt_sum.saturating_add(rtt);
                        self.rtt_min = self.rtt_min.min(rtt);
                        self.rtt_max = self.rtt_max.max(rtt);
                        nodes.push(
                            AnnotNode::text(
                                "wirelens.websocket.pong",
                                format!("Answers the Ping of frame {} ({} s round trip)", ping.frame, secs(rtt)),
                            )
                            .child(AnnotNode::value(
                                "wirelens.websocket.pong.ping_in",
                                "Ping in frame",
                                Value::UInt(ping.frame),
                            ))
                            .child(AnnotNode::value(
                                "wirelens.websocket.pong.rtt",
                                "Round-trip time",
                                Value::Duration(rtt),
                            )),
                        );
                    }
                } else {
                    nodes.push(AnnotNode::text(
                        "wirelens.websocket.pong.unsolicited",
                        "Unsolicited Pong: no Ping with this payload is waiting (a one-way heartbeat, allowed by RFC 6455 5.5.3)",
                    ));
                }
            }
            ws::OP_CLOSE => self.close(side, pay, &mut nodes),
            _ => {}
        }
        nodes
    }

    fn close(&mut self, side: Side, pay: &[u8], nodes: &mut Vec<AnnotNode>) {
        let (now_frame, now_ns) = self.now;
        let code = match (pay.first(), pay.get(1)) {
            (Some(&a), Some(&b)) => Some(u16::from_be_bytes([a, b])),
            _ => None,
        };
        let reason = pay
            .get(2..)
            .filter(|r| !r.is_empty())
            .map(|r| String::from_utf8_lossy(r).into_owned());
        let what = match code {
            Some(c) => format!("{} ({c}): {}", ws::close_code_name(c), ws::close_code_meaning(c)),
            None => "no status code (an API reports 1005)".to_string(),
        };
        let seen = CloseSeen {
            frame: now_frame,
            ns: now_ns,
            code,
            reason,
        };
        if self.dirs[side.index()].close.is_some() {
            return;
        }
        let peer = self.dirs[side.other().index()].close.clone();
        self.dirs[side.index()].close = Some(seen);
        // A message left unfinished by Close is incomplete for good.
        if self.dirs[side.index()].msg.is_some() {
            self.drop_message(side);
        }
        match peer {
            None => {
                self.close_first = Some(side);
                nodes.push(
                    AnnotNode::text(
                        "wirelens.websocket.close",
                        format!(
                            "The {} starts the closing handshake: {what}; the {} should answer with its own Close, then \
                             the server closes TCP first (RFC 6455 7.1.1), so the server waits in TIME-WAIT",
                            side_name(side),
                            side_name(side.other())
                        ),
                    )
                    .child(AnnotNode::value(
                        "wirelens.websocket.close.initiator",
                        "Close sent first by",
                        Value::Str(side_name(side).into()),
                    )),
                );
            }
            Some(p) => {
                self.close_echoed = true;
                let dt = now_ns.saturating_sub(p.ns);
                let mut n = AnnotNode::text(
                    "wirelens.websocket.close",
                    format!(
                        "The {} answers the Close of frame {} after {} s: {what}; the closing handshake is complete, \
                         TCP closes next (the server first)",
                        side_name(side),
                        p.frame,
                        secs(dt)
                    ),
                )
                .child(AnnotNode::value(
                    "wirelens.websocket.close.reply_to",
                    "Answers the Close in frame",
                    Value::UInt(p.frame),
                ))
                .child(AnnotNode::value(
                    "wirelens.websocket.close.reply_time",
                    "Time since that Close",
                    Value::Duration(dt),
                ));
                if p.code != code {
                    n = n.child(AnnotNode::text(
                        "wirelens.websocket.close.code_differs",
                        format!(
                            "The answer's status code ({}) differs from the first Close's ({}); RFC 6455 5.5.1 says an \
                             endpoint typically echoes the code it received",
                            code.map_or("none".to_string(), |c| c.to_string()),
                            p.code.map_or("none".to_string(), |c| c.to_string())
                        ),
                    ));
                }
                nodes.push(n);
            }
        }
    }

    fn finish_message(&mut self, side: Side, mut m: Msg, nodes: &mut Vec<AnnotNode>) {
        let d = &mut self.dirs[side.index()];
        if m.compressed && m.inflate_err.is_none() && !m.inflate_stopped {
            inflate(&mut m, &mut d.inflater, &mut d.ctx_lost, &TAIL, FlushDecompress::Sync);
        }
        let sum = &mut d.sum;
        sum.messages += 1;
        match m.opcode {
            ws::OP_TEXT => sum.text_messages += 1,
            ws::OP_BINARY => sum.binary_messages += 1,
            _ => {}
        }
        if m.compressed {
            sum.compressed_messages += 1;
        }
        if m.nframes > 1 {
            sum.fragmented_messages += 1;
        }
        sum.message_bytes = sum.message_bytes.saturating_add(m.len);
        let bad_utf8 = if m.opcode == ws::OP_TEXT && m.inflate_err.is_none() && !m.inflate_stopped && !m.missed {
            m.utf8.finish()
        } else {
            None
        };
        if let Some(at) = bad_utf8 {
            self.violation(
                nodes,
                "wirelens.websocket.invalid_utf8",
                Severity::Error,
                format!(
                    "The text message is not valid UTF-8 (first bad byte at offset {at}): the receiver must fail the \
                     connection, with status 1007 (RFC 6455 8.1)"
                ),
            );
        }
        // The pure dissector shows a whole uncompressed message itself.
        if m.nframes <= 1 && !m.rsv1 && m.opcode != ws::OP_CONTINUATION {
            return;
        }
        let kind = match m.opcode {
            ws::OP_TEXT => "Text",
            ws::OP_BINARY => "Binary",
            _ => "Unknown-type",
        };
        let mut head = format!("{kind} message: {} bytes", m.len);
        if m.nframes > 1 {
            head.push_str(&format!(" in {} frames", m.nframes));
        }
        if m.compressed {
            head.push_str(&format!(", inflated from {} (permessage-deflate)", m.wire_len));
        }
        let mut n = AnnotNode::text("wirelens.websocket.message", head);
        if m.nframes > 1 {
            let mut list = format!("{} Reassembled websocket Fragments ({} bytes): ", m.nframes, m.wire_len);
            let mut frags = Vec::new();
            let mut at = 0u64;
            for (i, (f, l)) in m.frames.iter().enumerate() {
                list.push_str(&format!("{}#{f}({l})", if i > 0 { ", " } else { "" }));
                let end = (at + l).saturating_sub(1);
                frags.push(
                    AnnotNode::value("websocket.fragment", "Frame", Value::UInt(*f))
                        .with_text(format!("{f}, payload: {at}-{end} ({l} bytes)")),
                );
                at = at.saturating_add(*l);
            }
            if (m.frames.len() as u64) < m.nframes {
                list.push_str(", \u{2026}");
            }
            let mut g = AnnotNode::text("websocket.fragments", list);
            g.children = frags;
            g = g
                .child(AnnotNode::value(
                    "websocket.fragment.count",
                    "Fragment count",
                    Value::UInt(m.nframes),
                ))
                .child(AnnotNode::value(
                    "websocket.reassembled.length",
                    "Reassembled websocket Payload length",
                    Value::UInt(m.wire_len),
                ));
            n = n.child(g);
        }
        n = n.child(AnnotNode::value(
            "wirelens.websocket.message.length",
            "Message length",
            Value::UInt(m.len),
        ));
        if m.compressed {
            n = n.child(AnnotNode::value(
                "wirelens.websocket.message.compressed_length",
                "Compressed length",
                Value::UInt(m.wire_len),
            ));
        }
        if let Some(e) = &m.inflate_err {
            n = n.child(expert_node(
                "wirelens.websocket.inflate_failed",
                Severity::Warning,
                format!("The message could not be inflated: {e}"),
            ));
        } else if m.inflate_stopped {
            n = n.child(AnnotNode::text(
                "wirelens.websocket.message.inflate_stopped",
                format!("Inflating stopped after {INFLATE_MAX} bytes: later messages of this side cannot be inflated"),
            ));
        }
        if m.missed {
            n = n.child(AnnotNode::text(
                "wirelens.websocket.message.incomplete",
                "Part of the message is missing from the capture",
            ));
        }
        let readable = m.inflate_err.is_none() && !m.missed;
        if readable {
            match m.opcode {
                ws::OP_TEXT => {
                    n = n.child(AnnotNode::value(
                        "websocket.payload.text",
                        "Text",
                        Value::Str(String::from_utf8_lossy(&m.shown).into()),
                    ));
                }
                ws::OP_BINARY if !m.shown.is_empty() => {
                    n = n.child(
                        AnnotNode::value(
                            "wirelens.websocket.message.data",
                            "Data",
                            Value::OwnedBytes(m.shown.clone().into_boxed_slice()),
                        )
                        .with_text(hex_text(&m.shown)),
                    );
                }
                _ => {}
            }
            if m.len > m.shown.len() as u64 {
                n = n.child(AnnotNode::text(
                    "wirelens.websocket.message.truncated",
                    format!("Only the first {} of {} bytes are shown", m.shown.len(), m.len),
                ));
            }
        }
        nodes.push(n);
    }

    /// Emits the PDU of a finished frame.
    fn emit(&mut self, side: Side, kept: Vec<u8>, start: u64, segs: Vec<(u64, u32)>, nodes: Vec<AnnotNode>) {
        self.pdus.push(AppPdu {
            proto: AppProto::WebSocket,
            bytes: PduBytes::Reassembled(Arc::from(kept)),
            from_client: side == Side::Client,
            stream_offset: start,
            segments: segs,
            nodes,
            info_suffix: None,
        });
    }

    /// A whole frame `data` (as sent) at stream offset `start`.
    fn whole_frame(&mut self, c: &Chunk<'_>, h: &Header, total: usize) {
        let side = c.side;
        let frame = &c.data[..total];
        let nodes = self.frame_begin(side, h);
        let mut pay = frame[h.header_len..].to_vec();
        if let Some(k) = h.mask_key {
            ws::unmask(&mut pay, k, 0);
        }
        self.payload(side, h, &pay);
        let nodes = self.frame_end(side, h, &pay, nodes);
        let mut segs = Vec::new();
        let mut more = 0;
        seg_counts(c, 0, total, &mut segs, &mut more);
        self.emit(side, frame.to_vec(), c.offset, segs, nodes);
    }

    /// Consumes payload bytes of the big frame being read.
    fn big_bytes(&mut self, c: &Chunk<'_>) -> usize {
        let side = c.side;
        let Some(mut b) = self.dirs[side.index()].big.take() else {
            return 0;
        };
        let take = usize::try_from(b.remaining).unwrap_or(usize::MAX).min(c.data.len());
        let mut piece = c.data[..take].to_vec();
        let room = (b.hdr.header_len + KEEP).saturating_sub(b.kept.len());
        b.kept.extend_from_slice(&piece[..take.min(room)]);
        if let Some(k) = b.hdr.mask_key {
            ws::unmask(&mut piece, k, b.done);
        }
        let h = b.hdr;
        self.payload(side, &h, &piece);
        seg_counts(c, 0, take, &mut b.segs, &mut b.more_segs);
        b.done += take as u64;
        b.remaining -= take as u64;
        if b.remaining == 0 {
            self.finish_big(side, b);
        } else {
            self.dirs[side.index()].big = Some(b);
        }
        take
    }

    fn finish_big(&mut self, side: Side, mut b: Big) {
        let h = b.hdr;
        let mut pay = b.kept[h.header_len.min(b.kept.len())..].to_vec();
        if let Some(k) = h.mask_key {
            ws::unmask(&mut pay, k, 0);
        }
        let mut nodes = std::mem::take(&mut b.nodes);
        let mut text = format!(
            "Frame of {} bytes: only its header and the first {} payload bytes are kept for display",
            h.total_len(),
            b.kept.len().saturating_sub(h.header_len)
        );
        if b.missed > 0 {
            text.push_str(&format!("; {} payload bytes are missing from the capture", b.missed));
        }
        if b.more_segs > 0 {
            text.push_str(&format!("; {} more segments carried it", b.more_segs));
        }
        nodes.insert(0, AnnotNode::text("wirelens.websocket.partial", text));
        let nodes = self.frame_end(side, &h, &pay, nodes);
        self.emit(side, b.kept, b.start, b.segs, nodes);
    }
}

/// Inflates `data` into the message, bounded; errors and the cap lose the context.
fn inflate(m: &mut Msg, inflater: &mut Option<Decompress>, ctx_lost: &mut bool, data: &[u8], flush: FlushDecompress) {
    if m.inflate_err.is_some() || m.inflate_stopped {
        return;
    }
    let Some(z) = inflater.as_mut() else {
        m.inflate_err = Some("no compression context".into());
        return;
    };
    let mut input = data;
    let mut out = vec![0u8; 16 * 1024];
    loop {
        let (i0, o0) = (z.total_in(), z.total_out());
        let r = z.decompress(input, &mut out, flush);
        let used = (z.total_in() - i0) as usize;
        let made = (z.total_out() - o0) as usize;
        input = &input[used.min(input.len())..];
        m.accept(&out[..made]);
        match r {
            Err(e) => {
                m.inflate_err = Some(format!("invalid DEFLATE data ({e})"));
                *ctx_lost = true;
                return;
            }
            Ok(Status::StreamEnd) => {
                // A final block ends this DEFLATE stream; the next message starts a new one.
                *inflater = Some(Decompress::new(false));
                return;
            }
            Ok(_) => {}
        }
        if m.len > INFLATE_MAX {
            m.inflate_stopped = true;
            *ctx_lost = true;
            return;
        }
        if made < out.len() && (input.is_empty() || used == 0) {
            return;
        }
    }
}

/// Adds the (frame, bytes) runs carrying `c.data[from..to]` to `out`, merging
/// runs of one frame and counting the runs past [`LIST_MAX`] in `more`.
fn seg_counts(c: &Chunk<'_>, from: usize, to: usize, out: &mut Vec<(u64, u32)>, more: &mut u64) {
    let (a, b) = (c.offset + from as u64, c.offset + to as u64);
    for &(o, l, f) in c.frames {
        let (s, e) = (o.max(a), (o + u64::from(l)).min(b));
        if s >= e {
            continue;
        }
        let n = u32::try_from(e - s).unwrap_or(u32::MAX);
        if let Some(last) = out.last_mut().filter(|l| l.0 == f) {
            last.1 = last.1.saturating_add(n);
        } else if out.len() < LIST_MAX {
            out.push((f, n));
        } else {
            *more += 1;
        }
    }
}

impl StreamDissector for WsConv {
    fn feed(&mut self, c: &Chunk<'_>) -> Feed {
        self.now = (c.now_frame, c.now_ns);
        let side = c.side;
        if self.dirs[side.index()].lost.is_some() {
            return Feed::Consumed(c.data.len());
        }
        if self.dirs[side.index()].big.is_some() {
            return Feed::Consumed(self.big_bytes(c));
        }
        let h = match Header::parse(c.data) {
            Ok(h) => h,
            Err(n) => return Feed::NeedMore(n),
        };
        let total = h.total_len();
        if total <= WHOLE_MAX {
            let total = total as usize;
            if c.data.len() < total {
                return Feed::NeedMore(total - c.data.len());
            }
            self.whole_frame(c, &h, total);
            return Feed::Consumed(total);
        }
        // Too big to wait for: read its header now and its payload as it comes.
        let nodes = self.frame_begin(side, &h);
        let mut segs = Vec::new();
        let mut more = 0;
        seg_counts(c, 0, h.header_len, &mut segs, &mut more);
        self.dirs[side.index()].big = Some(Big {
            hdr: h,
            kept: c.data[..h.header_len].to_vec(),
            done: 0,
            remaining: h.payload_len,
            start: c.offset,
            segs,
            more_segs: more,
            missed: 0,
            nodes,
        });
        Feed::Consumed(h.header_len)
    }

    fn end(&mut self, c: &Chunk<'_>) {
        self.now = (c.now_frame, c.now_ns);
        let side = c.side;
        if self.dirs[side.index()].lost.is_some() {
            return;
        }
        // A frame the connection's end cut short: shown as far as it came.
        let cut = if let Some(mut b) = self.dirs[side.index()].big.take() {
            let text = format!(
                "The connection ended {} bytes before the end of this {}-byte frame",
                b.remaining,
                b.hdr.total_len()
            );
            Some((
                std::mem::take(&mut b.kept),
                b.start,
                std::mem::take(&mut b.segs),
                b.nodes,
                text,
            ))
        } else if !c.data.is_empty() {
            let kept = c.data[..c.data.len().min(FEEDER_CAP_MIN)].to_vec();
            let text = match Header::parse(c.data) {
                Ok(h) => format!(
                    "The connection ended {} bytes before the end of this {}-byte frame",
                    h.total_len().saturating_sub(c.data.len() as u64),
                    h.total_len()
                ),
                Err(n) => format!("The connection ended {n} bytes before the end of this frame's header"),
            };
            let mut segs = Vec::new();
            let mut more = 0;
            seg_counts(c, 0, kept.len(), &mut segs, &mut more);
            Some((kept, c.offset, segs, Vec::new(), text))
        } else {
            None
        };
        if let Some((kept, start, segs, mut nodes, text)) = cut {
            self.cut_frames += 1;
            nodes.push(expert_node("wirelens.websocket.cut_short", Severity::Warning, text));
            if self.dirs[side.index()].msg.is_some() {
                self.drop_message(side);
            }
            self.emit(side, kept, start, segs, nodes);
        }
    }

    fn gap(&mut self, side: Side, offset: u64, len: u64) {
        let d = &mut self.dirs[side.index()];
        if let Some(b) = &mut d.big {
            // Inside a big frame's payload: skip the missing bytes and go on.
            let expected = b.start + b.hdr.header_len as u64 + b.done;
            if offset == expected && len <= b.remaining {
                b.done += len;
                b.remaining -= len;
                b.missed += len;
                if let Some(m) = &mut d.msg {
                    m.missed = true;
                    if m.compressed {
                        m.inflate_err = Some("bytes missing from the capture".into());
                        d.ctx_lost = true;
                    }
                }
                if b.remaining == 0 {
                    if let Some(b) = d.big.take() {
                        self.finish_big(side, b);
                    }
                }
                return;
            }
        }
        // Frames have no sync marker: after bytes lost between (or across)
        // frames this side cannot be framed again.
        d.lost = Some(offset);
        d.big = None;
        if d.msg.take().is_some_and(|m| m.compressed) {
            d.ctx_lost = true;
        }
    }
}

impl AppStream for WsConv {
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        out.append(&mut self.pdus);
    }

    fn summarize(&self, s: &mut FlowSummary) {
        s.app = Some("websocket".into());
        let mut w = self.summary();
        w.tcp_first_closer = s.first_closer;
        w.abnormal_closure = s.first_closer.is_some() && self.close_first.is_none();
        s.websocket = Some(w);
    }

    fn holds(&self, side: Side) -> bool {
        self.dirs[side.index()].big.is_some()
    }
}

#[cfg(test)]
mod tests;
