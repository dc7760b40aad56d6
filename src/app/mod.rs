//! The engine side of the application protocols: per-connection (or per
//! UDP flow) conversation state that cuts messages out of reassembled
//! streams, pairs them, times them and explains them. The pure parsing and
//! the field trees live in `wirelens_dissectors::app`; here is what needs
//! more than one message.
//!
//! A TCP conversation implements [`AppStream`]: the engine hands its ordered
//! bytes to a [`crate::tcp::stream::StreamFeeder`], then takes the messages
//! completed by the frame being ingested ([`AppStream::take_pdus`]) and puts
//! them in that frame's annotations. At the end of the flow,
//! [`AppStream::summarize`] adds what it learned to the flow summary.

pub mod dns;
pub mod websocket;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

use wirelens_dissectors::{AnnotNode, AppPdu, AppProto};

use crate::export::FlowSummary;
use crate::flow::Endpoint;
use crate::tcp::reasm::Piece;
use crate::tcp::state::Side;
use crate::tcp::stream::{Chunk, Feed, StreamDissector, StreamFeeder};

pub mod http;

/// An application protocol over one TCP connection.
pub trait AppStream: StreamDissector {
    /// The messages completed since the last call, in stream order.
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>);
    /// Adds `app` and the protocol's own keys to the flow summary.
    fn summarize(&self, s: &mut FlowSummary);
    /// Whether bytes of `side` that frame `frame` carried belong to a message
    /// the dissector buffers itself and has not completed yet.
    fn holds_frame(&self, side: Side, frame: u64) -> bool {
        let _ = (side, frame);
        false
    }
}

/// A WebSocket handshake seen by the HTTP conversation: the bytes after the
/// 101 response (and after the upgrade request) are WebSocket frames.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upgrade {
    /// Frame that completed the upgrade request and the 101 response.
    pub request_frame: u64,
    pub response_frame: u64,
    /// Capture time of the 101 response (ns).
    pub response_ns: i64,
    /// `Sec-WebSocket-Key`, `Sec-WebSocket-Accept`, `Sec-WebSocket-Protocol`
    /// (as chosen by the server) and `Sec-WebSocket-Extensions` (as agreed by the server).
    pub key: Option<String>,
    pub accept: Option<String>,
    pub protocol: Option<String>,
    pub extensions: Option<String>,
}

impl<T: AppStream + ?Sized> AppStream for Box<T> {
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        (**self).take_pdus(out)
    }
    fn summarize(&self, s: &mut FlowSummary) {
        (**self).summarize(s)
    }
    fn holds_frame(&self, side: Side, frame: u64) -> bool {
        (**self).holds_frame(side, frame)
    }
}

/// A conversation that may switch protocols (HTTP's 101 to WebSocket).
pub trait Upgrades {
    /// The WebSocket handshake just completed, once.
    fn take_upgrade(&mut self) -> Option<Upgrade>;
}

/// HTTP until a 101 Switching Protocols to WebSocket, then WebSocket frames:
/// the bytes after the 101 (and after the upgrade request) go to `W`. The
/// handshake's checks (`handshake_nodes`) go on the 101 response.
pub struct HttpThenWs<H, W> {
    http: H,
    ws: Option<W>,
    make_ws: fn(&Upgrade) -> W,
    handshake_nodes: fn(&Upgrade) -> Vec<AnnotNode>,
    /// Nodes waiting for the 101 response's PDU.
    pending_nodes: Vec<AnnotNode>,
}

impl<H, W> HttpThenWs<H, W> {
    pub fn new(http: H, make_ws: fn(&Upgrade) -> W, handshake_nodes: fn(&Upgrade) -> Vec<AnnotNode>) -> Self {
        HttpThenWs {
            http,
            ws: None,
            make_ws,
            handshake_nodes,
            pending_nodes: Vec::new(),
        }
    }
}

/// HTTP, and WebSocket after an upgrade.
pub fn http_conv() -> Box<dyn AppStream> {
    Box::new(HttpThenWs::new(
        http::HttpConv::new(),
        websocket::WsConv::new,
        websocket::handshake_nodes,
    ))
}

impl<H: AppStream + Upgrades, W: AppStream> StreamDissector for HttpThenWs<H, W> {
    fn feed(&mut self, chunk: &Chunk<'_>) -> Feed {
        if let Some(ws) = self.ws.as_mut() {
            return ws.feed(chunk);
        }
        let r = self.http.feed(chunk);
        if let Some(up) = self.http.take_upgrade() {
            self.ws = Some((self.make_ws)(&up));
            self.pending_nodes = (self.handshake_nodes)(&up);
        }
        r
    }
    fn gap(&mut self, side: Side, offset: u64, len: u64) {
        match self.ws.as_mut() {
            Some(ws) => ws.gap(side, offset, len),
            None => self.http.gap(side, offset, len),
        }
    }
    fn end(&mut self, chunk: &Chunk<'_>) {
        match self.ws.as_mut() {
            Some(ws) => ws.end(chunk),
            None => self.http.end(chunk),
        }
    }
}

impl<H: AppStream + Upgrades, W: AppStream> AppStream for HttpThenWs<H, W> {
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        let from = out.len();
        self.http.take_pdus(out);
        if !self.pending_nodes.is_empty() {
            // The 101 is the last server message HTTP gave.
            let resp = out
                .iter_mut()
                .skip(from)
                .rev()
                .find(|p| p.proto == AppProto::Http && !p.from_client);
            if let Some(p) = resp {
                p.nodes.append(&mut self.pending_nodes);
            }
        }
        if let Some(ws) = self.ws.as_mut() {
            ws.take_pdus(out);
        }
    }
    fn summarize(&self, s: &mut FlowSummary) {
        self.http.summarize(s);
        if let Some(ws) = &self.ws {
            ws.summarize(s);
        }
    }
    fn holds_frame(&self, side: Side, frame: u64) -> bool {
        match &self.ws {
            Some(ws) => ws.holds_frame(side, frame),
            None => self.http.holds_frame(side, frame),
        }
    }
}

/// Most bytes a dissector may leave waiting per direction (a message in progress).
pub const STREAM_CAP: usize = 1 << 20;

/// The application side of one TCP connection: the dissector chosen for it
/// and the buffer that feeds it.
pub struct TcpApp {
    feeder: StreamFeeder<Box<dyn AppStream>>,
}

impl std::fmt::Debug for TcpApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpApp")
            .field("rejected", &self.feeder.rejected)
            .finish()
    }
}

impl TcpApp {
    pub fn new(d: Box<dyn AppStream>) -> Self {
        TcpApp {
            feeder: StreamFeeder::new(d, STREAM_CAP),
        }
    }

    /// Hands one reassembled piece to the dissector while frame `frame` (at `ts`) is ingested.
    pub fn push(&mut self, side: Side, piece: &Piece, frame: u64, ts: i64) {
        self.feeder.push(side, piece, frame, ts);
    }

    /// Direction `side` ended (FIN or RST in order, or the end of the capture).
    pub fn end(&mut self, side: Side, frame: u64, ts: i64) {
        self.feeder.end(side, frame, ts);
    }

    /// Messages completed since the last call.
    pub fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        self.feeder.dissector.take_pdus(out);
    }

    /// Whether frame `frame` carried bytes of `side` that wait for the rest of their message.
    pub fn holds_frame(&self, side: Side, frame: u64) -> bool {
        self.feeder.holds_frame(side, frame) || self.feeder.dissector.holds_frame(side, frame)
    }

    /// The dissector gave up on this connection (not its protocol).
    pub fn rejected(&self) -> bool {
        self.feeder.rejected
    }

    pub fn summarize(&self, s: &mut FlowSummary) {
        self.feeder.dissector.summarize(s);
        if self.feeder.overflowed > 0 {
            s.anomalies
                .insert("wirelens.app.stream_cap".into(), self.feeder.overflowed);
        }
    }
}

/// Application state the engine's flows share: the DNS book (pairing
/// across a flow's messages, and truncated UDP answers linked to their TCP
/// retries across flows).
#[derive(Debug, Default)]
pub struct AppShared {
    pub dns: Rc<RefCell<dns::DnsBook>>,
}

fn sock(e: Endpoint) -> SocketAddr {
    SocketAddr::new(e.ip, e.port)
}

/// The dissector for TCP connection `flow` known by its ports alone (at its SYN).
/// Hooks: DNS (port 53, and 5353 as Wireshark) -> `dns::DnsTcp`; HTTP (`http::HTTP_PORTS`) ->
/// `HttpThenWs<http::HttpConv, websocket::WsConv>`.
pub fn choose_tcp_by_port(
    client: Endpoint,
    server: Endpoint,
    flow: u64,
    shared: &AppShared,
) -> Option<Box<dyn AppStream>> {
    if [53, 5353].contains(&server.port) || [53, 5353].contains(&client.port) {
        let at = dns::DnsWhere {
            flow,
            client: sock(client),
            server: sock(server),
        };
        return Some(Box::new(dns::DnsTcp::new(shared.dns.clone(), at)));
    }
    if http::HTTP_PORTS.contains(&server.port) {
        return Some(http_conv());
    }
    None
}

/// The dissector for TCP connection `flow`, by its ports or else by the first
/// bytes seen (`first`, sent by `side`).
pub fn choose_tcp(
    client: Endpoint,
    server: Endpoint,
    side: Side,
    first: &[u8],
    flow: u64,
    shared: &AppShared,
) -> Option<Box<dyn AppStream>> {
    if let Some(d) = choose_tcp_by_port(client, server, flow, shared) {
        return Some(d);
    }
    if (side == Side::Client && http::looks_like_http(first))
        || (side == Side::Server && http::looks_like_response(first))
    {
        return Some(http_conv());
    }
    None
}
