//! HTTP/1.x over one TCP connection: messages cut out of both directions
//! (heads, bodies framed by Content-Length, chunked coding or the close of
//! the connection), requests paired with their responses in order (pipelined
//! requests included), the time each took, the lessons each teaches, and the
//! switch to WebSocket after a 101.
//!
//! [`HttpConv`] is a [`StreamDissector`]: the feeder hands it the ordered
//! bytes of each side. It consumes what belongs to messages (a head is kept
//! in its own bounded buffer while it grows, a body is streamed and only its
//! first [`BODY_KEEP`] bytes are kept) and answers `NotMine` when the
//! connection clearly is not HTTP. A message becomes an [`AppPdu`] on the
//! frame that completes it, with the frames that carried it; each event of a
//! `text/event-stream` response becomes its own [`AppProto::Sse`] PDU as it
//! arrives.

use std::collections::VecDeque;

use serde::Serialize;
use wirelens_dissectors::app::http::body::{self, ChunkDecoder, ContentLength, Framing};
use wirelens_dissectors::app::http::head::{self, parse_head, Head, HeadError, HeadLimits, HeadStatus, Kind};
use wirelens_dissectors::app::http::{media_type, sse, text::status_desc};
use wirelens_dissectors::{AnnotNode, AppPdu, AppProto, Expert, PduBytes, Severity, Value};

use super::{AppStream, Upgrade};
use crate::export::FlowSummary;
use crate::tcp::state::Side;
use crate::tcp::stream::{Chunk, Feed, StreamDissector};

/// TCP ports Wireshark dissects as HTTP by default.
pub const HTTP_PORTS: &[u16] = &[80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371];

/// Body bytes kept in a message's PDU; the rest is streamed through.
pub const BODY_KEEP: usize = 256 * 1024;
/// Most transactions listed in the flow summary (the rest are counted).
pub const MAX_TX_LISTED: usize = 1000;
/// Requests waiting for their response (a pipeline deeper than this is cut).
const MAX_PENDING: usize = 1024;
/// Longest Server-Sent Event kept whole.
const MAX_EVENT: usize = 64 * 1024;
/// Bytes skipped looking for HTTP before a connection that never showed any is given up.
const GIVE_UP_AFTER: u64 = 64 * 1024;
/// A response that takes this long after its request is a long poll.
const LONG_POLL_NS: i64 = 3_000_000_000;

/// Heuristic for connections on ports that are not HTTP's: the client's
/// first bytes are a request line (or the start of one).
pub fn looks_like_http(first_bytes: &[u8]) -> bool {
    head::looks_like_request(first_bytes) || looks_like_response(first_bytes)
}

/// A status line (or the start of one): the server spoke first.
pub fn looks_like_response(first_bytes: &[u8]) -> bool {
    let b = first_bytes;
    b.len() >= 12
        && (b.starts_with(b"HTTP/1.0 ") || b.starts_with(b"HTTP/1.1 "))
        && b.get(9..12).is_some_and(|c| c.iter().all(u8::is_ascii_digit))
}

/// One request/response exchange, as the flow summary lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HttpTx {
    pub method: String,
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub request_frame: Option<u64>,
    pub response_frame: Option<u64>,
    /// Body bytes as sent (chunk framing included).
    pub request_body: u64,
    pub response_body: u64,
    pub chunked: bool,
    /// Sent before the response to the previous request was complete.
    pub pipelined: bool,
    /// Head-of-line blocking: how long its response waited behind the previous one (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_ms: Option<f64>,
    /// Time to first byte: end of the request to the first byte of the response (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
    /// End of the request to the end of the response (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// What the whole connection shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HttpConnFacts {
    pub requests: u64,
    pub responses: u64,
    /// Requests never answered.
    pub unanswered: u64,
    pub pipelined: u64,
    /// More than one request on the connection (persistent connection reuse).
    pub keep_alive: bool,
    /// Transactions not listed in `http` (past the cap).
    pub unlisted: u64,
    /// Who sent `Connection: close` first: `client` or `server`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_requested_by: Option<&'static str>,
    /// Who closed the TCP connection first (and so waits in TIME-WAIT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_first_by: Option<&'static str>,
    /// Push technique seen: `short_polling`, `long_polling`, `sse`, `websocket`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<f64>,
    pub sse_events: u64,
    /// Connection switched protocol: `websocket`, `h2c`, `tunnel` (CONNECT), ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switched_to: Option<String>,
    /// Bytes skipped because they were not HTTP where a message was expected.
    pub skipped_bytes: u64,
    pub malformed: u64,
}

/// An annotation for a message already given out (a forward reference that
/// Wireshark's second pass shows: `http.response_in`, `http.next_request_in`).
#[derive(Clone, Debug)]
pub struct LateNode {
    /// The frame of that message and its first byte's stream offset.
    pub frame: u64,
    pub stream_offset: u64,
    pub from_client: bool,
    pub node: AnnotNode,
}

/// Printable text (what a text protocol that is not HTTP, or a malformed
/// request, would send), as opposed to binary bytes.
fn text_like(b: &[u8]) -> bool {
    b.iter()
        .take(256)
        .all(|&c| (0x20..0x7f).contains(&c) || c == b'\r' || c == b'\n' || c == b'\t')
}

/// A request and what became of it.
#[derive(Clone, Debug, Default)]
struct Tx {
    number: u64,
    method: Vec<u8>,
    uri: String,
    host: Option<String>,
    full_uri: String,
    /// Request: first byte, head complete, message complete.
    req_start_ns: i64,
    req_frame: Option<u64>,
    req_offset: u64,
    req_end_ns: Option<i64>,
    req_body: u64,
    req_cl: Option<u64>,
    pipelined: bool,
    websocket: bool,
    ws_key: Option<String>,
    expect_continue: bool,
    conditional: bool,
    origin: Option<String>,
    preflight: bool,
    /// Response.
    resp_first_ns: Option<i64>,
    interim: u32,
    status: Option<u16>,
    resp_frame: Option<u64>,
    resp_end_ns: Option<i64>,
    resp_body: u64,
    chunked: bool,
    waited_ns: Option<i64>,
    content_type: Option<String>,
}

/// The bytes of the event being received, their frames, and its stream offset.
type SseBuf = (Vec<u8>, Vec<(u64, u32)>, u64);

/// A message being cut out of one direction.
#[derive(Debug)]
struct Msg {
    start: u64,
    first_ns: i64,
    /// Head and the first body bytes, as sent.
    kept: Vec<u8>,
    /// Frames that carried `kept`, with how many bytes each.
    segs: Vec<(u64, u32)>,
    /// Frames that carried body bytes not kept.
    more_frames: u64,
    /// Head length once complete.
    head_len: usize,
    head: Option<Head>,
    scan: usize,
    framing: Framing,
    left: u64,
    body: u64,
    chunks: ChunkDecoder,
    /// Body bytes not kept (past [`BODY_KEEP`]).
    dropped: u64,
    gaps: u64,
    /// Index of the transaction (requests: its own; responses: the one answered).
    tx: Option<u64>,
    /// Server-Sent Events: the de-chunked bytes of the current event, with their frames.
    sse: Option<SseBuf>,
    /// The head was already given out (event streams).
    head_sent: bool,
    /// Early validity checks made while the head grows.
    checks: u8,
    /// The frame being ingested when bytes were last added.
    touched: u64,
}

impl Msg {
    fn new(start: u64, ns: i64) -> Self {
        Msg {
            start,
            first_ns: ns,
            kept: Vec::new(),
            segs: Vec::new(),
            more_frames: 0,
            head_len: 0,
            head: None,
            scan: 0,
            framing: Framing::None,
            left: 0,
            body: 0,
            chunks: ChunkDecoder::default(),
            dropped: 0,
            gaps: 0,
            tx: None,
            sse: None,
            head_sent: false,
            checks: 0,
            touched: 0,
        }
    }
}

#[derive(Debug, Default)]
struct Dir {
    msg: Option<Msg>,
    /// Looking for the next start line (after a gap or bytes that are not HTTP).
    resync: bool,
    /// Bytes skipped since the last message (reported on the next one).
    skipped: u64,
    messages: u64,
    closed: bool,
}

/// Per-URI request history, for polling.
#[derive(Debug, Default, Clone)]
struct Poll {
    key: String,
    last_ns: i64,
    intervals: Vec<i64>,
    count: u64,
    flagged: bool,
}

/// HTTP/1.x conversation state of one TCP connection.
pub struct HttpConv {
    dirs: [Dir; 2],
    pending: VecDeque<Tx>,
    /// The transaction whose request head was seen last (its body may still come).
    next_number: u64,
    done: Vec<HttpTx>,
    facts: HttpConnFacts,
    pdus: Vec<AppPdu>,
    late: Vec<LateNode>,
    upgrade: Option<Upgrade>,
    /// No more parsing (protocol switched or tunnel).
    stopped: bool,
    /// Client bytes wait for the answer to an upgrade request.
    client_hold: bool,
    seen_http: bool,
    limits: HeadLimits,
    last_req: Option<(u64, u64)>,
    last_resp_frame: Option<u64>,
    prev_req_frame_of: VecDeque<(u64, Option<u64>)>,
    prev_resp_end_ns: Option<i64>,
    polls: Vec<Poll>,
    long_polls: u64,
    preflights: Vec<String>,
    /// A gap on the server side lost a message: the next response answers the latest request.
    server_gap: bool,
}

impl Default for HttpConv {
    fn default() -> Self {
        Self::new()
    }
}

fn ms(ns: i64) -> f64 {
    (ns as f64 / 1e3).round() / 1e3
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Adds `n` bytes of `frame` to a segment list, merging runs of one frame.
fn push_seg(segs: &mut Vec<(u64, u32)>, frame: u64, n: u32) {
    if let Some(l) = segs.last_mut() {
        if l.0 == frame {
            l.1 = l.1.saturating_add(n);
            return;
        }
    }
    segs.push((frame, n));
}

/// The frames that carried `c.data[from..to]`, with how many bytes each.
fn frames_in(c: &Chunk<'_>, from: usize, to: usize, segs: &mut Vec<(u64, u32)>) {
    let (a, b) = (c.offset + from as u64, c.offset + to as u64);
    for &(o, l, f) in c.frames {
        let s = o.max(a);
        let e = (o + u64::from(l)).min(b);
        if e > s {
            push_seg(segs, f, (e - s) as u32);
        }
    }
}

fn text_node(name: &'static str, text: impl Into<String>) -> AnnotNode {
    AnnotNode::text(name, text)
}

fn lesson(name: &'static str, text: impl Into<String>) -> AnnotNode {
    AnnotNode::text(name, text)
}

fn frame_node(name: &'static str, label: &'static str, frame: u64) -> AnnotNode {
    AnnotNode::value(name, label, Value::UInt(frame))
}

fn expert(sev: Severity, code: &'static str, msg: String) -> Expert {
    Expert {
        severity: sev,
        code,
        msg,
    }
}

/// What a status code means, for the lesson on a 4xx/5xx answer.
fn status_meaning(code: u16) -> Option<&'static str> {
    Some(match code {
        400 => "the server could not parse the request (bad syntax, bad framing or a header it refuses)",
        401 => "the resource needs authentication: the client must retry with credentials (see WWW-Authenticate)",
        403 => "the server understood the request but refuses it; authenticating will not help",
        404 => "the server has nothing at this URI (or will not say it has)",
        405 => "the method is not allowed on this resource (the Allow header lists those that are)",
        406 => "no representation matches the request's Accept headers",
        407 => "the proxy needs authentication (Proxy-Authenticate)",
        408 => "the server gave up waiting for the rest of the request",
        409 => "the request conflicts with the resource's current state",
        410 => "the resource is gone for good",
        411 => "the server requires a Content-Length on this request",
        412 => "a precondition header (If-Match, If-Unmodified-Since) did not hold",
        413 => "the request body is larger than the server's limit (the server may close the connection)",
        414 => "the URI is longer than the server accepts",
        415 => "the server does not accept the body's media type (Content-Type)",
        416 => "the requested range lies outside the resource",
        417 => "the server cannot meet the Expect header",
        421 => "the request went to a server that cannot answer for this host",
        422 => "the body is well-formed but its content is refused",
        426 => "the client must switch to another protocol (Upgrade header)",
        428 => "the server requires a conditional request (to avoid lost updates)",
        429 => "too many requests: the client is rate-limited (see Retry-After)",
        431 => "the request's headers are larger than the server accepts",
        451 => "unavailable for legal reasons",
        500 => "the server failed while handling the request",
        501 => "the server does not implement the method",
        502 => "a gateway or proxy got an invalid answer from the server behind it",
        503 => "the server is overloaded or down for maintenance (see Retry-After)",
        504 => "a gateway or proxy timed out waiting for the server behind it",
        505 => "the server does not support the request's HTTP version",
        _ => return None,
    })
}

impl HttpConv {
    pub fn new() -> Self {
        HttpConv {
            dirs: [Dir::default(), Dir::default()],
            pending: VecDeque::new(),
            next_number: 0,
            done: Vec::new(),
            facts: HttpConnFacts::default(),
            pdus: Vec::new(),
            late: Vec::new(),
            upgrade: None,
            stopped: false,
            client_hold: false,
            seen_http: false,
            limits: HeadLimits::default(),
            last_req: None,
            last_resp_frame: None,
            prev_req_frame_of: VecDeque::new(),
            prev_resp_end_ns: None,
            polls: Vec::new(),
            long_polls: 0,
            preflights: Vec::new(),
            server_gap: false,
        }
    }

    /// The WebSocket handshake, once the 101 answer completed it. After it
    /// the conversation stops parsing: the bytes after the 101 (and after
    /// the upgrade request on the client side) are left unconsumed for the
    /// WebSocket dissector.
    pub fn take_upgrade(&mut self) -> Option<Upgrade> {
        self.upgrade.take()
    }

    /// Whether the connection stopped being HTTP (WebSocket, h2c, CONNECT tunnel).
    pub fn switched(&self) -> bool {
        self.stopped
    }

    /// Forward references for messages already given out (for a second pass).
    pub fn take_late(&mut self, out: &mut Vec<LateNode>) {
        out.append(&mut self.late);
    }

    /// The stream of `side` ended (FIN or RST) while frame `now_frame`
    /// (captured at `now_ns`) is being ingested: a body delimited by the
    /// close is complete, a message cut short is given out as it is.
    pub fn end_of_stream(&mut self, side: Side, now_frame: u64, now_ns: i64) {
        let si = side.index();
        if self.dirs[si].closed {
            return;
        }
        self.dirs[si].closed = true;
        if self.stopped {
            return;
        }
        let Some(mut m) = self.dirs[si].msg.take() else { return };
        if m.kept.is_empty() {
            return;
        }
        push_seg(&mut m.segs, now_frame, 0);
        let mut notes = Vec::new();
        match (m.head.is_some(), m.framing) {
            (true, Framing::UntilClose) => {}
            (true, Framing::Length(n)) => notes.push(
                lesson(
                    "wirelens.http.content_length_mismatch",
                    format!(
                        "Content-Length says {n} bytes but the connection closed after {} body bytes: the body is cut short",
                        m.body
                    ),
                )
                .with_expert(expert(Severity::Warning, "wirelens.http.content_length_mismatch", format!("Body shorter than Content-Length ({} of {n} bytes)", m.body))),
            ),
            (true, Framing::Chunked) => notes.push(
                lesson("wirelens.http.chunked_cut", "The connection closed before the last chunk: the body is cut short")
                    .with_expert(expert(Severity::Warning, "wirelens.http.chunked_cut", "Chunked body cut short by the close".into())),
            ),
            (false, _) => {
                notes.push(lesson("wirelens.http.head_cut", "The connection closed in the middle of the message headers"));
            }
            _ => {}
        }
        if m.head.is_none() {
            self.facts.malformed += 1;
            self.emit_raw(side, m, now_frame, notes);
            return;
        }
        self.complete(side, m, now_frame, now_ns, notes);
    }

    /// Hands out a message that is not a complete HTTP message (bad or cut head).
    fn emit_raw(&mut self, side: Side, m: Msg, now_frame: u64, nodes: Vec<AnnotNode>) {
        let segs = m.segs;
        let wholly = segs.iter().all(|s| s.0 == now_frame);
        self.pdus.push(AppPdu {
            proto: AppProto::Http,
            bytes: PduBytes::Reassembled(m.kept.into()),
            from_client: side == Side::Client,
            stream_offset: m.start,
            segments: if wholly { Vec::new() } else { segs },
            nodes,
            info_suffix: None,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn push_pdu(
        &mut self,
        proto: AppProto,
        side: Side,
        start: u64,
        bytes: Vec<u8>,
        segs: Vec<(u64, u32)>,
        now_frame: u64,
        nodes: Vec<AnnotNode>,
    ) {
        let wholly = segs.iter().all(|s| s.0 == now_frame);
        self.pdus.push(AppPdu {
            proto,
            bytes: PduBytes::Reassembled(bytes.into()),
            from_client: side == Side::Client,
            stream_offset: start,
            segments: if wholly { Vec::new() } else { segs },
            nodes,
            info_suffix: None,
        });
    }

    /// Skips bytes that are not a start line; returns how many were used.
    fn resync(&mut self, c: &Chunk<'_>, pos: usize) -> usize {
        let si = c.side.index();
        let data = c.data.get(pos..).unwrap_or(&[]);
        let mut at = 0;
        loop {
            let rest = data.get(at..).unwrap_or(&[]);
            let line_end = rest.iter().position(|&b| b == b'\n');
            let line = rest.get(..line_end.unwrap_or(rest.len())).unwrap_or(&[]);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // A status line may follow stray bytes on its line (a body longer than announced).
            let inner = if c.side == Side::Server {
                line.windows(7).position(|w| w == b"HTTP/1.").filter(|&p| p > 0)
            } else {
                None
            };
            if let (Some(p), Some(_)) = (inner, line_end) {
                at += p;
                self.dirs[si].resync = false;
                break;
            }
            let found = match line_end {
                Some(_) => head::classify(line).is_some(),
                // A partial last line that could begin a message: wait for the rest.
                None => !rest.is_empty() && head::could_start(rest) && rest.len() < 256,
            };
            if found {
                self.dirs[si].resync = false;
                break;
            }
            match line_end {
                Some(e) => at += e + 1,
                None => {
                    at = data.len();
                    break;
                }
            }
        }
        self.dirs[si].skipped += at as u64;
        self.facts.skipped_bytes += at as u64;
        at
    }

    /// One step over `c.data[pos..]`: bytes used, or None when the stream is not HTTP.
    fn step(&mut self, c: &Chunk<'_>, pos: usize) -> Option<usize> {
        let si = c.side.index();
        let side = c.side;
        if self.dirs[si].resync {
            if !self.seen_http && self.facts.skipped_bytes > GIVE_UP_AFTER {
                return None;
            }
            let n = self.resync(c, pos);
            if n > 0 || self.dirs[si].resync {
                return Some(n);
            }
        }
        let data = c.data.get(pos..).unwrap_or(&[]);
        let mut m = match self.dirs[si].msg.take() {
            Some(m) => m,
            None => {
                // A new message. Binary bytes where a message should start
                // on a connection that never showed HTTP: not ours.
                let first = data.first().copied().unwrap_or(0);
                if !(self.seen_http || first.is_ascii_graphic() || first == b'\r' || first == b'\n') {
                    return None;
                }
                let line = data
                    .get(
                        ..data
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(data.len().min(64), |p| p + 1),
                    )
                    .unwrap_or(&[]);
                let line = if line.iter().all(|&b| b == b'\r' || b == b'\n') {
                    data.get(..data.len().min(64)).unwrap_or(&[])
                } else {
                    line
                };
                if self.seen_http && !head::could_start(line.strip_prefix(b"\r\n").unwrap_or(line)) {
                    self.dirs[si].resync = true;
                    return Some(self.resync(c, pos));
                }
                Msg::new(c.offset + pos as u64, c.now_ns)
            }
        };
        let used;
        if m.head.is_none() {
            let old = m.kept.len();
            let room = self.limits.max_head.saturating_add(4).saturating_sub(old);
            let take = data.len().min(room.max(1));
            m.kept.extend_from_slice(data.get(..take).unwrap_or(&[]));
            let scan = m.scan.saturating_sub(3);
            match head::find_head_end(&m.kept, scan) {
                Some(e) => {
                    m.kept.truncate(e);
                    used = e - old;
                    frames_in(c, pos, pos + used, &mut m.segs);
                    match parse_head(&m.kept, &self.limits) {
                        HeadStatus::Complete(h) => {
                            m.head_len = e;
                            m.head = Some(h);
                            self.on_head(c, side, m);
                        }
                        HeadStatus::Invalid(err) => {
                            if !self.seen_http && err == HeadError::NotHttp && !text_like(&m.kept) {
                                return None;
                            }
                            self.bad_head(side, m, err, c.now_frame);
                        }
                        HeadStatus::Partial => {
                            // Cannot happen with a blank line found; treat as malformed.
                            self.bad_head(side, m, HeadError::NotHttp, c.now_frame);
                        }
                    }
                }
                None => {
                    used = take;
                    frames_in(c, pos, pos + used, &mut m.segs);
                    m.scan = m.kept.len();
                    // Early checks (a few times: on the first bytes and when the
                    // first lines complete), and the size limit.
                    let new_line = m.kept.get(old..).is_some_and(|n| n.contains(&b'\n'));
                    if m.kept.len() <= 64 || (new_line && m.checks < 4) {
                        if new_line {
                            m.checks += 1;
                        }
                        if let HeadStatus::Invalid(err) = parse_head(&m.kept, &self.limits) {
                            if !self.seen_http && err == HeadError::NotHttp && !text_like(&m.kept) {
                                return None;
                            }
                            if err == HeadError::NotHttp {
                                // Not a message start: skip it and look for the next one.
                                self.dirs[si].skipped += m.kept.len() as u64;
                                self.facts.skipped_bytes += m.kept.len() as u64;
                                self.dirs[si].resync = true;
                                return Some(used);
                            }
                            self.bad_head(side, m, err, c.now_frame);
                            return Some(used);
                        }
                    }
                    if m.kept.len() > self.limits.max_head {
                        self.bad_head(side, m, HeadError::TooLarge(self.limits.max_head), c.now_frame);
                        return Some(used);
                    }
                    self.dirs[si].msg = Some(m);
                }
            }
            return Some(used.min(data.len()));
        }
        // Body.
        used = self.body_step(c, pos, &mut m);
        let finished = match m.framing {
            Framing::Length(_) => m.left == 0,
            Framing::Chunked => m.chunks.done() || m.chunks.error().is_some(),
            _ => false,
        };
        if finished {
            let mut notes = Vec::new();
            if let Some(e) = m.chunks.error() {
                self.facts.malformed += 1;
                notes.push(lesson("wirelens.http.chunk_error", format!("Bad chunked coding ({e:?}): the rest of this direction is skipped until a new message starts"))
                    .with_expert(expert(Severity::Warning, "wirelens.http.chunk_error", format!("Bad chunked coding: {e:?}"))));
                self.dirs[si].resync = true;
            }
            self.complete(side, m, c.now_frame, c.now_ns, notes);
        } else {
            self.dirs[si].msg = Some(m);
        }
        Some(used)
    }

    /// Consumes body bytes of `m` from `c.data[pos..]`.
    fn body_step(&mut self, c: &Chunk<'_>, pos: usize, m: &mut Msg) -> usize {
        let data = c.data.get(pos..).unwrap_or(&[]);
        let (used, sse_runs): (usize, Vec<std::ops::Range<usize>>) = match m.framing {
            Framing::Length(_) => {
                let n = usize::try_from(m.left).unwrap_or(usize::MAX).min(data.len());
                m.left -= n as u64;
                (n, std::iter::once(0..n).collect())
            }
            Framing::Chunked => {
                let mut at = 0;
                let mut runs = Vec::new();
                while at < data.len() && !m.chunks.done() && m.chunks.error().is_none() {
                    let s = m.chunks.step(data.get(at..).unwrap_or(&[]));
                    if let Some(r) = s.data {
                        runs.push(at + r.start..at + r.end);
                    }
                    if s.used == 0 {
                        break;
                    }
                    at += s.used;
                }
                (at, runs)
            }
            _ => (data.len(), std::iter::once(0..data.len()).collect()),
        };
        m.body = m.body.saturating_add(used as u64);
        // Keep the first body bytes.
        let keep_limit = m.head_len.saturating_add(BODY_KEEP);
        let room = keep_limit.saturating_sub(m.kept.len()).min(used);
        if room > 0 {
            m.kept.extend_from_slice(data.get(..room).unwrap_or(&[]));
            frames_in(c, pos, pos + room, &mut m.segs);
        }
        if used > room {
            m.dropped += (used - room) as u64;
            m.more_frames += c.frames_of(pos + room, pos + used).len() as u64;
        }
        if m.sse.is_some() {
            for r in sse_runs {
                self.sse_data(c, pos, r, m);
            }
        }
        used
    }

    /// Event-stream data: cuts complete events out and gives each out.
    fn sse_data(&mut self, c: &Chunk<'_>, pos: usize, r: std::ops::Range<usize>, m: &mut Msg) {
        let Some((buf, segs, start)) = m.sse.as_mut() else {
            return;
        };
        let bytes = c.data.get(pos + r.start..pos + r.end).unwrap_or(&[]);
        if buf.is_empty() {
            *start = c.offset + (pos + r.start) as u64;
        }
        buf.extend_from_slice(bytes);
        frames_in(c, pos + r.start, pos + r.end, segs);
        let mut out = Vec::new();
        loop {
            // Blank lines between events are not events.
            let lead = buf.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            if lead > 0 && lead == buf.len() {
                break;
            }
            let Some(end) = sse::event_end(buf, lead) else {
                if buf.len() > MAX_EVENT {
                    out.push((std::mem::take(buf), std::mem::take(segs), *start, true));
                }
                break;
            };
            let ev: Vec<u8> = buf.get(..end).unwrap_or(&[]).to_vec();
            let mut evsegs = Vec::new();
            let mut take = end as u64;
            for s in segs.iter_mut() {
                if take == 0 {
                    break;
                }
                let n = u64::from(s.1).min(take);
                push_seg(&mut evsegs, s.0, n as u32);
                s.1 -= n as u32;
                take -= n;
            }
            segs.retain(|s| s.1 > 0);
            buf.drain(..end);
            out.push((ev, evsegs, *start, false));
            *start += end as u64;
        }
        for (ev, evsegs, st, cut) in out {
            self.facts.sse_events += 1;
            self.facts.push = Some("sse");
            let (ty, id, _) = sse::summary(&ev);
            let mut nodes = vec![lesson(
                "wirelens.http.sse_event",
                format!(
                    "Server-Sent Event #{} of this stream (type {ty}{}): the server pushes it on the response it keeps open",
                    self.facts.sse_events,
                    id.map(|i| format!(", id {i}: a reconnecting client sends it back in Last-Event-ID")).unwrap_or_default()
                ),
            )];
            if cut {
                nodes.push(lesson(
                    "wirelens.http.sse_cut",
                    format!("The event is longer than {MAX_EVENT} bytes: shown cut"),
                ));
            }
            self.push_pdu(AppProto::Sse, Side::Server, st, ev, evsegs, c.now_frame, nodes);
        }
    }

    /// A head that breaks a limit or is not HTTP: given out as it is, then resynchronise.
    fn bad_head(&mut self, side: Side, m: Msg, err: HeadError, now_frame: u64) {
        let si = side.index();
        self.facts.malformed += 1;
        let what = err.describe(&self.limits);
        let node = lesson(
            "wirelens.http.bad_head",
            format!("This message's headers could not be read: {what}. Servers answer such requests with 400 or 431 and close; the bytes up to the next request or status line are skipped"),
        )
        .with_expert(expert(Severity::Error, "wirelens.http.bad_head", format!("Malformed or oversized HTTP head: {what}")));
        let mut m = m;
        m.kept.truncate(self.limits.max_head);
        self.emit_raw(side, m, now_frame, vec![node]);
        self.dirs[si].resync = true;
    }

    /// A complete head: pairing, framing, early lessons.
    fn on_head(&mut self, c: &Chunk<'_>, side: Side, mut m: Msg) {
        let si = side.index();
        self.seen_http = true;
        let Some(h) = m.head.as_ref() else { return };
        let d = m.kept.as_slice();
        match h.kind() {
            Kind::Request => {
                self.next_number += 1;
                let method = h.part(d, 0).to_vec();
                let uri = lossy(h.part(d, 1));
                let host = h.get_str(d, "host");
                let full_uri = match &host {
                    Some(host)
                        if !(uri.starts_with("http://") || uri.starts_with("https://") || method == b"CONNECT") =>
                    {
                        format!("http://{}{}", host.trim(), uri)
                    }
                    _ => uri.clone(),
                };
                let pipelined = !self.server_gap
                    && self
                        .pending
                        .iter()
                        .any(|t| t.resp_end_ns.is_none() && t.req_end_ns.is_some());
                let tx = Tx {
                    number: self.next_number,
                    websocket: h
                        .get_str(d, "upgrade")
                        .is_some_and(|u| u.to_ascii_lowercase().contains("websocket")),
                    ws_key: h.get_str(d, "sec-websocket-key"),
                    expect_continue: h
                        .get(d, "expect")
                        .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue")),
                    conditional: [
                        "if-none-match",
                        "if-modified-since",
                        "if-match",
                        "if-unmodified-since",
                        "if-range",
                    ]
                    .iter()
                    .any(|n| h.get(d, n).is_some()),
                    origin: h.get_str(d, "origin"),
                    preflight: method == b"OPTIONS" && h.get(d, "access-control-request-method").is_some(),
                    req_cl: match body::content_length(h, d) {
                        ContentLength::Valid(n) => Some(n),
                        _ => None,
                    },
                    method,
                    uri,
                    host,
                    full_uri,
                    req_start_ns: m.first_ns,
                    req_offset: m.start,
                    pipelined,
                    ..Tx::default()
                };
                if pipelined {
                    self.facts.pipelined += 1;
                }
                self.facts.requests += 1;
                if self.facts.close_requested_by.is_none() && h.has_token(d, "connection", "close") {
                    self.facts.close_requested_by = Some("client");
                }
                m.framing = body::request_framing(h, d);
                m.tx = Some(tx.number);
                if self.pending.len() >= MAX_PENDING {
                    self.pending.pop_front();
                }
                self.pending.push_back(tx);
            }
            Kind::Response => {
                self.facts.responses += 1;
                let code = h.start.code.unwrap_or(0);
                // After a gap lost responses, the latest request complete before
                // this response began is the one answered; older ones never will be.
                if std::mem::take(&mut self.server_gap) && self.pending.len() > 1 {
                    let first = m.first_ns;
                    if let Some(i) = self
                        .pending
                        .iter()
                        .rposition(|t| t.req_end_ns.is_some_and(|e| e <= first))
                    {
                        for _ in 0..i {
                            if let Some(t) = self.pending.pop_front() {
                                self.facts.unanswered += 1;
                                self.record(t);
                            }
                        }
                    }
                }
                // The oldest request without a final answer.
                let tx = self
                    .pending
                    .iter_mut()
                    .find(|t| t.status.is_none_or(|s| (100..200).contains(&s) && s != 101));
                let method = tx.as_ref().map(|t| t.method.clone());
                if let Some(t) = tx {
                    m.tx = Some(t.number);
                    // 101 Switching Protocols is the final answer to its request.
                    let last = code == 101 || !(100..200).contains(&code);
                    if t.resp_first_ns.is_none() && last {
                        t.resp_first_ns = Some(m.first_ns);
                    }
                    if last {
                        t.status = Some(code);
                        t.content_type = h.get_str(d, "content-type");
                        t.chunked = body::transfer_encoding(h, d).1;
                    } else {
                        t.interim += 1;
                    }
                }
                if self.facts.close_requested_by.is_none() && h.has_token(d, "connection", "close") {
                    self.facts.close_requested_by = Some("server");
                }
                m.framing = body::response_framing(h, d, method.as_deref());
                if m.framing == Framing::Switch && code != 101 && method.as_deref() != Some(b"CONNECT") {
                    m.framing = Framing::None;
                }
                let sse = h
                    .get(d, "content-type")
                    .is_some_and(|v| media_type(v) == "text/event-stream")
                    && matches!(m.framing, Framing::Chunked | Framing::UntilClose | Framing::Length(_));
                if sse {
                    m.sse = Some((Vec::new(), Vec::new(), 0));
                }
            }
        }
        if let Framing::Length(n) = m.framing {
            m.left = n;
        }
        let _ = si;
        match m.framing {
            Framing::None | Framing::Switch => self.complete(side, m, c.now_frame, c.now_ns, Vec::new()),
            _ if m.sse.is_some() => {
                // The head of an event stream is given out now; events follow one by one.
                let nodes = self.response_nodes(&m, c.now_frame, c.now_ns, true);
                let head = m.kept.clone();
                let segs = m.segs.clone();
                self.push_pdu(AppProto::Http, side, m.start, head, segs, c.now_frame, nodes);
                m.head_sent = true;
                self.dirs[si].msg = Some(m);
            }
            _ => self.dirs[si].msg = Some(m),
        }
    }

    /// The engine nodes of a response (pairing, timing, lessons).
    fn response_nodes(&mut self, m: &Msg, now_frame: u64, now_ns: i64, head_only: bool) -> Vec<AnnotNode> {
        let mut nodes = Vec::new();
        let Some(h) = m.head.as_ref() else { return nodes };
        let d = m.kept.as_slice();
        let code = h.start.code.unwrap_or(0);
        let idx = m.tx.and_then(|n| self.pending.iter().position(|t| t.number == n));
        let tx = idx.and_then(|i| self.pending.get(i)).cloned();
        if let Some(t) = &tx {
            nodes.push(
                AnnotNode::value("http.response_number", "", Value::UInt(t.number))
                    .with_text(format!("HTTP response {}", t.number)),
            );
            if let (Some(rf), Some(re)) = (t.req_frame, t.req_end_ns) {
                nodes.push(AnnotNode::value(
                    "http.time",
                    "Time since request",
                    Value::Duration(now_ns.saturating_sub(re)),
                ));
                let _ = rf;
            }
            if let Some((_, Some(prev))) = self.prev_req_frame_of.iter().find(|(n, _)| *n == t.number) {
                nodes.push(frame_node("http.prev_request_in", "Prev request in frame", *prev));
            }
        } else {
            nodes.push(
                lesson("wirelens.http.unpaired_response", "A response with no request waiting for it (its request was not captured, or the server answers twice)")
                    .with_expert(expert(Severity::Warning, "wirelens.http.unpaired_response", "Response without a request".into())),
            );
        }
        if let Some(p) = self.last_resp_frame {
            nodes.push(frame_node("http.prev_response_in", "Prev response in frame", p));
        }
        if let Some(t) = &tx {
            if let Some(rf) = t.req_frame {
                nodes.push(frame_node("http.request_in", "Request in frame", rf));
            }
            if t.req_frame.is_some() {
                nodes.push(AnnotNode::value(
                    "http.response_for.uri",
                    "Request URI",
                    Value::Str(t.full_uri.clone().into()),
                ));
            }
        }
        // Timing.
        if let Some(t) = &tx {
            if let (Some(re), false) = (t.req_end_ns, (100..200).contains(&code)) {
                let ttfb = m.first_ns - re;
                if ttfb >= 0 {
                    nodes.push(
                        AnnotNode::value("wirelens.http.ttfb", "Time to first byte", Value::Duration(ttfb)).with_text(
                            format!(
                                "{:.3} ms from the end of the request (frame {}) to the first byte of this response",
                                ms(ttfb),
                                t.req_frame.unwrap_or(0)
                            ),
                        ),
                    );
                    if ttfb >= LONG_POLL_NS && code < 400 {
                        nodes.push(lesson(
                            "wirelens.http.long_poll",
                            format!(
                                "Long polling: the server held this request open for {:.1} s before answering; the client re-asks at once to wait for the next update",
                                ttfb as f64 / 1e9
                            ),
                        ));
                    }
                } else {
                    nodes.push(lesson(
                        "wirelens.http.early_response",
                        "The server answered before the request was complete (it did not wait for the whole body)",
                    ));
                }
                if t.pipelined {
                    if let Some(w) = t.waited_ns {
                        nodes.push(
                            AnnotNode::value("wirelens.http.hol_wait", "Head-of-line wait", Value::Duration(w)).with_text(format!(
                                "{:.3} ms waiting behind the previous response: HTTP/1.1 answers pipelined requests strictly in order (head-of-line blocking)",
                                ms(w)
                            )),
                        );
                    }
                }
            } else if t.req_end_ns.is_none() && (100..200).contains(&code) {
                nodes.push(lesson(
                    "wirelens.http.interim_for",
                    format!(
                        "Interim answer to {} {} whose body is not sent yet",
                        lossy(&t.method),
                        t.uri
                    ),
                ));
            }
        }
        nodes.extend(self.response_lessons(h, d, code, tx.as_ref(), head_only));
        let _ = now_frame;
        nodes
    }

    /// Lessons about a response's status and headers.
    fn response_lessons(&mut self, h: &Head, d: &[u8], code: u16, tx: Option<&Tx>, head_only: bool) -> Vec<AnnotNode> {
        let mut out = Vec::new();
        let method = tx.map(|t| lossy(&t.method)).unwrap_or_default();
        match code {
            100 => out.push(lesson("wirelens.http.continue", "100 Continue: the server read the headers and invites the client to send the body it held back (Expect: 100-continue)")),
            101 => out.push(lesson(
                "wirelens.http.switching",
                format!(
                    "101 Switching Protocols: after this line the connection speaks {}",
                    h.get_str(d, "upgrade").unwrap_or_else(|| "another protocol".into())
                ),
            )),
            102..=199 => out.push(lesson("wirelens.http.interim", "An interim (1xx) answer: the final response follows on the same request")),
            301 | 302 | 303 | 307 | 308 => {
                let loc = h.get_str(d, "location").unwrap_or_else(|| "(no Location header!)".into());
                let (kind, method_rule) = match code {
                    301 => ("permanent", "clients may change POST to GET (historical behaviour); caches and search engines update the link"),
                    302 => ("temporary", "clients may change POST to GET (historical behaviour); keep using the old URI"),
                    303 => ("temporary", "the client must follow with GET (see other: typically after a POST)"),
                    307 => ("temporary", "the client must repeat the same method and body"),
                    _ => ("permanent", "the client must repeat the same method and body; caches and links update"),
                };
                out.push(lesson(
                    "wirelens.http.redirect",
                    format!("Redirect ({kind}, {code}) to {loc}: {method_rule}{}", if method.is_empty() { String::new() } else { format!(" (request was {method})") }),
                ));
            }
            304 => out.push(lesson(
                "wirelens.http.not_modified",
                format!(
                    "304 Not Modified: the cached copy is still valid{}; no body is sent, the client reuses what it has",
                    if tx.is_some_and(|t| t.conditional) { " (the request's validator matched)" } else { "" }
                ),
            )),
            400..=599 => {
                let mut text = format!("{code} {}", status_desc(code).unwrap_or("error"));
                if let Some(mn) = status_meaning(code) {
                    text.push_str(": ");
                    text.push_str(mn);
                }
                if code == 413 {
                    if let Some(n) = tx.and_then(|t| t.req_cl) {
                        text.push_str(&format!(" (the request announced a {n}-byte body)"));
                    }
                }
                let sev = if code >= 500 { Severity::Error } else { Severity::Warning };
                out.push(lesson("wirelens.http.error_status", text.clone()).with_expert(expert(sev, "wirelens.http.error_status", text)));
            }
            _ => {}
        }
        // Caching.
        let mut cache = Vec::new();
        if let Some(cc) = h.get_str(d, "cache-control") {
            let lc = cc.to_ascii_lowercase();
            let mut what = Vec::new();
            if lc.contains("no-store") {
                what.push("must not be stored at all".to_string());
            }
            if lc.contains("no-cache") {
                what.push("may be stored but must be revalidated before each use".to_string());
            }
            if lc.contains("private") {
                what.push("only the browser's own cache may keep it".to_string());
            }
            if lc.contains("public") {
                what.push("shared caches may keep it".to_string());
            }
            if let Some(p) = lc.find("max-age=") {
                let v: String = lc
                    .get(p + 8..)
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                what.push(format!("fresh for {v} s"));
            }
            if what.is_empty() {
                what.push("caching directives".into());
            }
            cache.push(text_node(
                "wirelens.http.cache_control",
                format!("Cache-Control: {cc}: {}", what.join(", ")),
            ));
        }
        if let Some(e) = h.get_str(d, "expires") {
            cache.push(text_node(
                "wirelens.http.expires",
                format!("Expires: {e} (an absolute expiry date; Cache-Control max-age wins when both are present)"),
            ));
        }
        if let Some(e) = h.get_str(d, "etag") {
            let weak = e.starts_with("W/");
            cache.push(text_node(
                "wirelens.http.etag",
                format!(
                    "ETag {e}: a {} validator; the client revalidates with If-None-Match: {e}",
                    if weak {
                        "weak (W/: semantically equivalent, not byte-identical)"
                    } else {
                        "strong (byte-for-byte identical)"
                    }
                ),
            ));
        }
        if let Some(lm) = h.get_str(d, "last-modified") {
            cache.push(text_node(
                "wirelens.http.last_modified",
                format!("Last-Modified {lm}: a date validator; the client revalidates with If-Modified-Since"),
            ));
        }
        if !cache.is_empty() {
            let mut n = lesson(
                "wirelens.http.caching",
                "Caching: how long this response may be reused and how to revalidate it",
            );
            n.children = cache;
            out.push(n);
        }
        // CORS.
        let acao = h.get_str(d, "access-control-allow-origin");
        if acao.is_some() || h.get(d, "access-control-allow-methods").is_some() {
            let mut n = lesson(
                "wirelens.http.cors",
                if tx.is_some_and(|t| t.preflight) {
                    "CORS preflight answer: the server says which origins, methods and headers may make the real request"
                } else {
                    "CORS: the server allows a cross-origin page to read this response"
                },
            );
            for (hd, what) in [
                ("access-control-allow-origin", "allowed origin"),
                ("access-control-allow-methods", "allowed methods"),
                ("access-control-allow-headers", "allowed request headers"),
                ("access-control-allow-credentials", "credentials (cookies) allowed"),
                ("access-control-max-age", "seconds the preflight answer may be cached"),
                ("access-control-expose-headers", "headers the page may read"),
            ] {
                if let Some(v) = h.get_str(d, hd) {
                    n.children
                        .push(text_node("wirelens.http.cors_header", format!("{what}: {v}")));
                }
            }
            if let (Some(o), Some(a)) = (tx.and_then(|t| t.origin.clone()), acao) {
                let ok = a == "*" || a == o;
                n.children.push(text_node(
                    "wirelens.http.cors_verdict",
                    if ok {
                        format!("origin {o} is allowed")
                    } else {
                        format!("origin {o} is NOT allowed (browser blocks the response)")
                    },
                ));
            }
            out.push(n);
        }
        if head_only {
            out.push(lesson(
                "wirelens.http.event_stream",
                "text/event-stream: Server-Sent Events. The server keeps this response open and pushes events; each event is shown as its own message as it arrives",
            ));
        }
        if h.has_token(d, "connection", "close") {
            out.push(lesson(
                "wirelens.http.connection_close",
                "Connection: close: the server will close the connection after this response; the side that closes first ends in TIME-WAIT (usually the server)",
            ));
        }
        out
    }

    /// A message is complete: its PDU, the transaction's bookkeeping.
    fn complete(&mut self, side: Side, m: Msg, now_frame: u64, now_ns: i64, mut notes: Vec<AnnotNode>) {
        let si = side.index();
        self.dirs[si].messages += 1;
        let skipped = std::mem::take(&mut self.dirs[si].skipped);
        if skipped > 0 {
            notes.push(
                lesson("wirelens.http.skipped", format!("{skipped} bytes before this message were not HTTP (after a gap, a wrong Content-Length or garbage) and were skipped"))
                    .with_expert(expert(Severity::Warning, "wirelens.http.skipped", format!("{skipped} bytes skipped before this message"))),
            );
        }
        if m.dropped > 0 {
            notes.push(lesson(
                "wirelens.http.body_cut",
                format!(
                    "The body is {} bytes; this message keeps the head and the first {BODY_KEEP} bytes ({} more frames carried the rest)",
                    m.body, m.more_frames
                ),
            ));
        }
        if m.gaps > 0 {
            notes.push(lesson(
                "wirelens.http.body_gap",
                format!("{} body bytes were never captured", m.gaps),
            ));
        }
        let Some(h) = m.head.as_ref() else {
            self.emit_raw(side, m, now_frame, notes);
            return;
        };
        let code = h.start.code.unwrap_or(0);
        let is_req = h.kind() == Kind::Request;
        let mut nodes = Vec::new();
        if is_req {
            let d = m.kept.as_slice();
            let num = m.tx.unwrap_or(0);
            nodes.push(
                AnnotNode::value("http.request_number", "", Value::UInt(num)).with_text(format!("HTTP request {num}")),
            );
            let prev = self.last_req.map(|(f, _)| f);
            if let Some(p) = prev {
                nodes.push(frame_node("http.prev_request_in", "Prev request in frame", p));
            }
            if let Some((pf, po)) = self.last_req {
                self.push_late(LateNode {
                    frame: pf,
                    stream_offset: po,
                    from_client: true,
                    node: frame_node("http.next_request_in", "Next request in frame", now_frame),
                });
            }
            if self.prev_req_frame_of.len() >= MAX_PENDING {
                self.prev_req_frame_of.pop_front();
            }
            self.prev_req_frame_of.push_back((num, prev));
            self.last_req = Some((now_frame, m.start));
            let body_len = m.body;
            if let Some(t) = self.pending.iter_mut().find(|t| t.number == num) {
                t.req_frame = Some(now_frame);
                t.req_end_ns = Some(now_ns);
                t.req_body = body_len;
                // Head-of-line wait is known when the previous response ends (see below).
            }
            let tx = self.pending.iter().find(|t| t.number == num).cloned();
            if let Some(t) = tx {
                nodes.extend(self.request_lessons(h, d, &t, now_ns));
                if t.websocket {
                    // Client bytes after the upgrade request wait for the answer.
                    self.client_hold = true;
                }
            }
        } else {
            if !m.head_sent {
                nodes = self.response_nodes(&m, now_frame, now_ns, false);
            } else {
                nodes.push(lesson(
                    "wirelens.http.event_stream_end",
                    format!("End of the event stream after {} events", self.facts.sse_events),
                ));
            }
            self.last_resp_frame = Some(now_frame);
            let final_resp = !(100..200).contains(&code) || code == 101;
            if let Some(num) = m.tx {
                if final_resp {
                    if let Some(i) = self.pending.iter().position(|t| t.number == num) {
                        // Everything before it is answered too (or never will be).
                        for _ in 0..i {
                            if let Some(t) = self.pending.pop_front() {
                                self.facts.unanswered += 1;
                                self.record(t);
                            }
                        }
                        if let Some(mut t) = self.pending.pop_front() {
                            t.resp_frame = Some(now_frame);
                            t.resp_end_ns = Some(now_ns);
                            t.resp_body = m.body;
                            if let Some(rf) = t.req_frame {
                                self.push_late(LateNode {
                                    frame: rf,
                                    stream_offset: t.req_offset,
                                    from_client: true,
                                    node: frame_node("http.response_in", "Response in frame", now_frame),
                                });
                            }
                            // The next pipelined request's response could only start now.
                            if let Some(n) = self.pending.front_mut() {
                                if n.pipelined {
                                    let since = n.req_end_ns.unwrap_or(now_ns);
                                    n.waited_ns = Some(now_ns.saturating_sub(since).max(0));
                                }
                            }
                            self.prev_resp_end_ns = Some(now_ns);
                            if code == 101 {
                                self.switch(&t, h, &m, now_frame, now_ns);
                            } else if t.method == b"CONNECT" && (200..300).contains(&code) {
                                self.stopped = true;
                                self.facts.switched_to = Some("tunnel".into());
                            } else if t.websocket {
                                // The upgrade was refused: the client goes on with HTTP.
                                self.client_hold = false;
                            }
                            self.record(t);
                        }
                    }
                }
            }
        }
        nodes.extend(notes);
        let segs = m.segs;
        let bytes = if m.head_sent { Vec::new() } else { m.kept };
        if m.head_sent {
            // The head was given out already; only the end is noted (no PDU of its own).
            return;
        }
        self.push_pdu(AppProto::Http, side, m.start, bytes, segs, now_frame, nodes);
    }

    /// After a 101: the handshake facts, and no more HTTP.
    fn switch(&mut self, t: &Tx, h: &Head, m: &Msg, now_frame: u64, now_ns: i64) {
        let d = m.kept.as_slice();
        self.stopped = true;
        let to = h.get_str(d, "upgrade").unwrap_or_default();
        if to.to_ascii_lowercase().contains("websocket") || t.websocket {
            self.facts.switched_to = Some("websocket".into());
            self.facts.push = Some("websocket");
            self.upgrade = Some(Upgrade {
                request_frame: t.req_frame.unwrap_or(0),
                response_frame: now_frame,
                response_ns: now_ns,
                key: t.ws_key.clone(),
                accept: h.get_str(d, "sec-websocket-accept"),
                protocol: h.get_str(d, "sec-websocket-protocol"),
                extensions: h.get_str(d, "sec-websocket-extensions"),
            });
        } else {
            self.facts.switched_to = Some(if to.is_empty() { "unknown".into() } else { to });
        }
    }

    fn push_late(&mut self, n: LateNode) {
        if self.late.len() >= 1024 {
            self.late.remove(0);
        }
        self.late.push(n);
    }

    /// Lessons about a request.
    fn request_lessons(&mut self, h: &Head, d: &[u8], t: &Tx, now_ns: i64) -> Vec<AnnotNode> {
        let mut out = Vec::new();
        if t.pipelined {
            out.push(lesson(
                "wirelens.http.pipelined",
                "Pipelined: sent before the response to the previous request was complete; the server must answer in order, so a slow answer delays the ones behind it",
            ));
        }
        if t.number > 1 {
            out.push(lesson(
                "wirelens.http.keep_alive",
                format!("Request {} on this connection: a persistent (keep-alive) connection saves a TCP handshake per request", t.number),
            ));
        }
        let mut cond = Vec::new();
        if let Some(v) = h.get_str(d, "if-none-match") {
            let weak = v.contains("W/");
            cond.push(format!(
                "If-None-Match {v}: \"send it only if your ETag differs\"{}",
                if weak { " (weak comparison)" } else { "" }
            ));
        }
        if let Some(v) = h.get_str(d, "if-modified-since") {
            cond.push(format!("If-Modified-Since {v}: \"send it only if changed since\""));
        }
        if !cond.is_empty() {
            out.push(lesson(
                "wirelens.http.conditional",
                format!(
                    "Conditional request (cache revalidation): {}; a 304 answer means the cached copy is still good",
                    cond.join("; ")
                ),
            ));
        }
        if t.preflight {
            let m = h.get_str(d, "access-control-request-method").unwrap_or_default();
            let hs = h
                .get_str(d, "access-control-request-headers")
                .map(|x| format!(" with headers {x}"))
                .unwrap_or_default();
            out.push(lesson(
                "wirelens.http.cors_preflight",
                format!(
                    "CORS preflight: before sending a {m} request{hs} from {}, the browser asks the server whether it is allowed",
                    t.origin.clone().unwrap_or_else(|| "another origin".into())
                ),
            ));
            if self.preflights.len() < 64 {
                self.preflights.push(t.uri.clone());
            }
        } else if let Some(o) = &t.origin {
            let preflighted = self.preflights.iter().any(|u| u == &t.uri);
            let simple = matches!(t.method.as_slice(), b"GET" | b"HEAD" | b"POST") && !preflighted;
            out.push(lesson(
                "wirelens.http.cors_request",
                if preflighted {
                    format!("Cross-origin request from {o}, preflighted (an OPTIONS request asked first)")
                } else if simple {
                    format!("Cross-origin request from {o}: a simple request (GET/HEAD/POST with safelisted headers) needs no preflight")
                } else {
                    format!("Cross-origin request from {o}")
                },
            ));
        }
        if t.expect_continue {
            out.push(lesson(
                "wirelens.http.expect_continue",
                "Expect: 100-continue: the client sends the headers and waits for 100 Continue (or an error) before sending the body",
            ));
        }
        if t.websocket {
            out.push(lesson(
                "wirelens.http.websocket_handshake",
                "WebSocket opening handshake: the client asks to upgrade this connection; a 101 answer switches it to WebSocket frames",
            ));
        }
        if h.has_token(d, "connection", "close") {
            out.push(lesson(
                "wirelens.http.connection_close",
                "Connection: close: the client asks the server to close the connection after the response",
            ));
        }
        // Polling: the same request repeated at a steady interval.
        let key = format!("{} {}", lossy(&t.method), t.uri);
        let i = match self.polls.iter().position(|p| p.key == key) {
            Some(i) => Some(i),
            None if self.polls.len() < 64 => {
                self.polls.push(Poll { key, ..Poll::default() });
                Some(self.polls.len() - 1)
            }
            None => None,
        };
        if let Some(p) = i.and_then(|i| self.polls.get_mut(i)) {
            if p.count > 0 {
                if p.intervals.len() >= 32 {
                    p.intervals.remove(0);
                }
                p.intervals.push(t.req_start_ns.saturating_sub(p.last_ns));
            }
            p.count += 1;
            p.last_ns = t.req_start_ns;
            if p.intervals.len() >= 2 {
                let n = p.intervals.len() as f64;
                let mean = p.intervals.iter().map(|&x| x as f64).sum::<f64>() / n;
                let var = p.intervals.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
                let steady = mean > 0.0 && var.sqrt() / mean < 0.25;
                if steady && mean >= 100e6 && self.long_polls == 0 {
                    self.facts.push = Some("short_polling");
                    self.facts.poll_interval_ms = Some((mean / 1e6).round());
                    if !p.flagged {
                        p.flagged = true;
                        out.push(lesson(
                            "wirelens.http.short_poll",
                            format!(
                                "Short polling: {} is requested again every {:.1} s; most answers carry nothing new, and an update waits up to one interval",
                                p.key,
                                mean / 1e9
                            ),
                        ));
                    }
                }
            }
        }
        let _ = now_ns;
        out
    }

    /// Adds a finished transaction to the summary.
    fn record(&mut self, t: Tx) {
        let ttfb = match (t.resp_first_ns, t.req_end_ns) {
            (Some(f), Some(e)) if f >= e => Some(f - e),
            _ => None,
        };
        if ttfb.is_some_and(|x| x >= LONG_POLL_NS) && t.status.is_some_and(|s| s < 400) {
            self.long_polls += 1;
            if self.facts.push.is_none_or(|p| p == "short_polling") {
                self.facts.push = Some("long_polling");
                self.facts.poll_interval_ms = None;
            }
        }
        if self.done.len() >= MAX_TX_LISTED {
            self.facts.unlisted += 1;
            return;
        }
        self.done.push(HttpTx {
            method: lossy(&t.method),
            uri: t.uri,
            host: t.host,
            status: t.status,
            request_frame: t.req_frame,
            response_frame: t.resp_frame,
            request_body: t.req_body,
            response_body: t.resp_body,
            chunked: t.chunked,
            pipelined: t.pipelined,
            waited_ms: t.waited_ns.map(ms),
            ttfb_ms: ttfb.map(ms),
            duration_ms: match (t.resp_end_ns, t.req_end_ns) {
                (Some(a), Some(b)) => Some(ms(a - b)),
                _ => None,
            },
            content_type: t.content_type,
        });
    }
}

impl StreamDissector for HttpConv {
    fn feed(&mut self, c: &Chunk<'_>) -> Feed {
        let r = self.feed_inner(c);
        if let Some(m) = self.dirs[c.side.index()].msg.as_mut() {
            if c.data.is_empty() || matches!(r, Feed::Consumed(n) if n > 0) {
                m.touched = c.now_frame;
            }
        }
        r
    }

    fn end(&mut self, c: &Chunk<'_>) {
        self.end_of_stream(c.side, c.now_frame, c.now_ns);
    }

    fn gap(&mut self, side: Side, offset: u64, len: u64) {
        self.gap_inner(side, offset, len);
    }
}

impl HttpConv {
    fn feed_inner(&mut self, c: &Chunk<'_>) -> Feed {
        let mut pos = 0;
        while pos < c.data.len() {
            if self.stopped || (c.side == Side::Client && self.client_hold) {
                break;
            }
            match self.step(c, pos) {
                None => return Feed::NotMine,
                Some(0) => break,
                Some(n) => pos += n,
            }
        }
        Feed::Consumed(pos)
    }

    fn gap_inner(&mut self, side: Side, _offset: u64, len: u64) {
        let si = side.index();
        let d = &mut self.dirs[si];
        if let Some(m) = d.msg.as_mut() {
            // Inside a body whose length is known, or that runs to the close: go on.
            match m.framing {
                Framing::Length(_) if m.head.is_some() && m.left >= len => {
                    m.left -= len;
                    m.gaps += len;
                    m.body += len;
                    return;
                }
                Framing::UntilClose if m.head.is_some() && m.sse.is_none() => {
                    m.gaps += len;
                    m.body += len;
                    return;
                }
                _ => {}
            }
        }
        // The message cannot be completed: drop it (its transaction stays unanswered).
        d.msg = None;
        d.resync = true;
        if side == Side::Server {
            self.server_gap = true;
        }
    }
}

impl super::Upgrades for HttpConv {
    fn take_upgrade(&mut self) -> Option<Upgrade> {
        self.upgrade.take()
    }
}

impl AppStream for HttpConv {
    fn holds_frame(&self, side: Side, frame: u64) -> bool {
        self.dirs[side.index()].msg.as_ref().is_some_and(|m| m.touched == frame)
    }

    fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        out.append(&mut self.pdus);
    }

    fn summarize(&self, s: &mut FlowSummary) {
        if !self.seen_http {
            return;
        }
        s.app = Some(if self.facts.sse_events > 0 {
            "sse".into()
        } else {
            "http".into()
        });
        let mut list = self.done.clone();
        let mut facts = self.facts.clone();
        // Requests still waiting.
        for t in &self.pending {
            facts.unanswered += 1;
            if list.len() < MAX_TX_LISTED {
                list.push(HttpTx {
                    method: lossy(&t.method),
                    uri: t.uri.clone(),
                    host: t.host.clone(),
                    status: t.status,
                    request_frame: t.req_frame,
                    request_body: t.req_body,
                    pipelined: t.pipelined,
                    ..HttpTx::default()
                });
            } else {
                facts.unlisted += 1;
            }
        }
        facts.keep_alive = facts.requests > 1;
        facts.closed_first_by = s.first_closer;
        s.http = Some(list);
        s.http_conn = Some(facts);
    }
}

#[cfg(test)]
mod tests;
