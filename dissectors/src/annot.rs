//! What the engine knows about a frame beyond its own bytes: the flow it
//! belongs to, relative sequence bases, window scaling, analysis results,
//! a reassembled datagram. The dissector turns these into tree nodes, so a
//! tree can be rebuilt for any frame at any time from its bytes plus these.

use crate::error::Expert;
use crate::net::frag::Reassembled;
use crate::transport::tcp::TcpCtx;
use crate::tree::{NodeId, Tree, Value};

/// Where an engine node goes in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Its own top-level node, after the protocols.
    Root,
    /// Under the first node with this filter name (e.g. `tcp`), or as a root when absent.
    Under(&'static str),
}

/// A node the engine adds, with its children.
#[derive(Clone, Debug)]
pub struct AnnotNode {
    pub name: &'static str,
    pub label: &'static str,
    pub value: Value,
    /// The whole line for a `Value::None` node, else the value's text.
    pub text: Option<String>,
    pub expert: Option<Expert>,
    /// Frame bytes it refers to (usually none: generated).
    pub span: (usize, usize),
    pub children: Vec<AnnotNode>,
}

impl AnnotNode {
    /// A text-only node.
    pub fn text(name: &'static str, text: impl Into<String>) -> Self {
        AnnotNode {
            name,
            label: "",
            value: Value::None,
            text: Some(text.into()),
            expert: None,
            span: (0, 0),
            children: Vec::new(),
        }
    }

    /// A valued node.
    pub fn value(name: &'static str, label: &'static str, value: Value) -> Self {
        AnnotNode {
            name,
            label,
            value,
            text: None,
            expert: None,
            span: (0, 0),
            children: Vec::new(),
        }
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    pub fn with_expert(mut self, e: Expert) -> Self {
        self.expert = Some(e);
        self
    }

    pub fn child(mut self, c: AnnotNode) -> Self {
        self.children.push(c);
        self
    }

    /// Adds this node and its children under `parent` (generated: shown in brackets).
    pub fn add_to(&self, t: &mut Tree, parent: Option<NodeId>) -> NodeId {
        let id = t.add(
            parent,
            self.name,
            self.label,
            self.value.clone(),
            self.span.0,
            self.span.1,
        );
        if let Some(s) = &self.text {
            t.set_text(id, s.as_str());
        }
        if let Some(e) = &self.expert {
            t.set_expert(id, e.severity, e.code, e.msg.clone());
        }
        t.set_generated(id);
        for c in &self.children {
            c.add_to(t, Some(id));
        }
        id
    }
}

/// Everything the engine attaches to one frame.
#[derive(Clone, Debug, Default)]
pub struct Annotations {
    /// Relative sequence bases, window scale, stream index for the TCP layer.
    pub tcp: Option<TcpCtx>,
    /// `udp.stream`.
    pub udp_stream: Option<u64>,
    /// The datagram this frame completed (its transport is dissected from it).
    pub reassembled_ip: Option<Reassembled>,
    /// For a fragment that did not complete a datagram: the frame that did, when known.
    pub reassembled_in: Option<u64>,
    /// Text put before the Info column (e.g. `[TCP Retransmission] `).
    pub info_prefix: Option<String>,
    /// Text put after the Info column.
    pub info_suffix: Option<String>,
    /// Engine subtrees (`tcp.analysis`, `wirelens` states and lessons).
    pub nodes: Vec<(Anchor, AnnotNode)>,
    /// Application messages this frame completed, in stream order.
    pub app: Vec<AppPdu>,
    /// Some of this frame's TCP payload belongs to a message not complete yet
    /// (Info says `[TCP segment of a reassembled PDU]` when nothing completed).
    pub segment_of_pdu: bool,
}

/// An application protocol whose messages the engine cuts out of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppProto {
    /// A DNS message in one UDP datagram.
    Dns,
    /// A DNS message over TCP: the 2-byte length prefix, then the message.
    DnsTcp,
    /// A multicast DNS message (UDP 5353).
    Mdns,
    /// An LLMNR message (UDP 5355).
    Llmnr,
    /// An HTTP/1.x request or response: head and (de-framed later) body bytes as sent.
    Http,
    /// One event of a `text/event-stream` response body (Server-Sent Events).
    Sse,
    /// One WebSocket frame (RFC 6455), as sent (masked if masked).
    WebSocket,
    /// An HTTP-formatted message in one UDP datagram: SSDP, UPnP's discovery
    /// (NOTIFY and M-SEARCH to 239.255.255.250:1900, and their answers).
    Ssdp,
}

impl AppProto {
    /// The Protocol column.
    pub fn column_name(self) -> &'static str {
        match self {
            AppProto::Dns | AppProto::DnsTcp => "DNS",
            AppProto::Mdns => "MDNS",
            AppProto::Llmnr => "LLMNR",
            AppProto::Http | AppProto::Sse => "HTTP",
            AppProto::WebSocket => "WebSocket",
            AppProto::Ssdp => "SSDP",
        }
    }
}

/// Where the bytes of an application message are.
#[derive(Clone, Debug)]
pub enum PduBytes {
    /// In this frame: a range of the frame's bytes.
    Frame(std::ops::Range<usize>),
    /// Reassembled from the payloads of several frames: a data source of its own.
    Reassembled(std::sync::Arc<[u8]>),
}

/// An application message that this frame completed.
#[derive(Clone, Debug)]
pub struct AppPdu {
    pub proto: AppProto,
    pub bytes: PduBytes,
    /// Sent by the client (the side that opened the connection or sent the query).
    pub from_client: bool,
    /// Stream offset of its first byte (0 for UDP).
    pub stream_offset: u64,
    /// The frames that carried it and how many of its bytes each carried, in
    /// stream order. Empty when it lies wholly in this frame.
    pub segments: Vec<(u64, u32)>,
    /// Engine annotations put under the message's root node (pairing,
    /// timing, lessons), e.g. `dns.response_in`, `http.time`.
    pub nodes: Vec<AnnotNode>,
    /// Text put after the message's Info (e.g. ` [retransmitted query]`).
    pub info_suffix: Option<String>,
}

impl AppPdu {
    /// A message lying wholly in this frame's bytes `range`.
    pub fn in_frame(proto: AppProto, range: std::ops::Range<usize>, from_client: bool) -> Self {
        AppPdu {
            proto,
            bytes: PduBytes::Frame(range),
            from_client,
            stream_offset: 0,
            segments: Vec::new(),
            nodes: Vec::new(),
            info_suffix: None,
        }
    }

    /// Its bytes, given the frame they may lie in.
    pub fn data<'a>(&'a self, frame: &'a [u8]) -> &'a [u8] {
        match &self.bytes {
            PduBytes::Frame(r) => frame.get(r.clone()).unwrap_or(&[]),
            PduBytes::Reassembled(b) => b,
        }
    }
}
