//! The opening handshake's facts: Sec-WebSocket-Accept checked against the
//! key (SHA-1 and base64 written here, tested against known vectors), the
//! subprotocol and the extensions the server agreed to (RFC 6455 4, RFC
//! 7692 7 for permessage-deflate's parameters).

use wirelens_dissectors::{AnnotNode, Expert, Severity, Value};

use crate::app::Upgrade;

/// The GUID RFC 6455 4.2.2 appends to the key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// At most this many extensions, and parameters per extension, are read.
const EXT_MAX: usize = 16;

/// SHA-1 (FIPS 180-4) of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (o, x) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Standard base64 with padding (RFC 4648 4).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// The Sec-WebSocket-Accept a server must answer to `key`:
/// base64(SHA-1(key + GUID)).
pub fn accept_for(key: &str) -> String {
    let mut v = key.trim().as_bytes().to_vec();
    v.extend_from_slice(GUID.as_bytes());
    base64(&sha1(&v))
}

/// One extension of a Sec-WebSocket-Extensions header, with its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub params: Vec<(String, Option<String>)>,
}

/// Parses `ext; param; param=value, ext2` (names lowercased, quotes removed).
pub fn parse_extensions(s: &str) -> Vec<Extension> {
    s.split(',')
        .filter(|e| !e.trim().is_empty())
        .take(EXT_MAX)
        .map(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let params = parts
                .filter(|p| !p.trim().is_empty())
                .take(EXT_MAX)
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (
                        k.trim().to_ascii_lowercase(),
                        Some(v.trim().trim_matches('"').to_string()),
                    ),
                    None => (p.trim().to_ascii_lowercase(), None),
                })
                .collect();
            Extension { name, params }
        })
        .collect()
}

/// permessage-deflate as the server agreed to it (RFC 7692 7.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deflate {
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    pub client_max_window_bits: Option<u8>,
    pub server_max_window_bits: Option<u8>,
}

impl Deflate {
    pub fn from_extension(e: &Extension) -> Option<Deflate> {
        if e.name != "permessage-deflate" {
            return None;
        }
        let mut d = Deflate::default();
        for (k, v) in &e.params {
            let bits = v.as_deref().and_then(|v| v.parse::<u8>().ok());
            match k.as_str() {
                "client_no_context_takeover" => d.client_no_context_takeover = true,
                "server_no_context_takeover" => d.server_no_context_takeover = true,
                "client_max_window_bits" => d.client_max_window_bits = bits.or(Some(15)),
                "server_max_window_bits" => d.server_max_window_bits = bits,
                _ => {}
            }
        }
        Some(d)
    }
}

/// The extensions the server agreed to: permessage-deflate's parameters,
/// and whether another extension (that may use the RSV bits) is in force.
pub fn negotiated(up: &Upgrade) -> (Option<Deflate>, bool) {
    let exts = up.extensions.as_deref().map(parse_extensions).unwrap_or_default();
    let mut deflate = None;
    let mut other = false;
    for e in &exts {
        match Deflate::from_extension(e) {
            Some(d) if deflate.is_none() => deflate = Some(d),
            _ => other = true,
        }
    }
    (deflate, other)
}

/// Whether the server's accept value matches the key (None when either is missing).
pub fn accept_ok(up: &Upgrade) -> Option<bool> {
    match (&up.key, &up.accept) {
        (Some(k), Some(a)) => Some(accept_for(k) == a.trim()),
        _ => None,
    }
}

fn expert_node(code: &'static str, severity: Severity, msg: String) -> AnnotNode {
    AnnotNode::text(code, format!("Expert Info ({}): {msg}", severity.label())).with_expert(Expert {
        severity,
        code,
        msg,
    })
}

/// Nodes for the 101 response: the accept check, the subprotocol and the
/// extensions with what they mean.
pub fn handshake_nodes(up: &Upgrade) -> Vec<AnnotNode> {
    let ok = accept_ok(up);
    let head = match ok {
        Some(true) => "WebSocket handshake: Sec-WebSocket-Accept matches the key",
        Some(false) => "WebSocket handshake: Sec-WebSocket-Accept does NOT match the key",
        None => "WebSocket handshake: the key or the accept value is missing",
    };
    let mut n = AnnotNode::text("wirelens.websocket.handshake", head);
    if let Some(k) = &up.key {
        n = n.child(AnnotNode::value(
            "wirelens.websocket.key",
            "Sec-WebSocket-Key",
            Value::Str(k.as_str().into()),
        ));
    }
    if let Some(a) = &up.accept {
        n = n.child(AnnotNode::value(
            "wirelens.websocket.accept",
            "Sec-WebSocket-Accept",
            Value::Str(a.as_str().into()),
        ));
    }
    if let Some(k) = &up.key {
        n = n.child(AnnotNode::value(
            "wirelens.websocket.accept_expected",
            "Expected accept, base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\"))",
            Value::Str(accept_for(k).into()),
        ));
    }
    match ok {
        Some(v) => {
            let mut a = AnnotNode::value("wirelens.websocket.accept_ok", "Accept matches", Value::Bool(v));
            if !v {
                a = a.child(expert_node(
                    "wirelens.websocket.accept_mismatch",
                    Severity::Error,
                    "Sec-WebSocket-Accept is not base64(SHA-1(key + GUID)): a browser fails the connection (RFC 6455 4.1)"
                        .into(),
                ));
            }
            n = n.child(a);
        }
        None => {
            n = n.child(expert_node(
                "wirelens.websocket.accept_missing",
                Severity::Warning,
                format!(
                    "No {}: the handshake cannot be verified",
                    if up.key.is_none() {
                        "Sec-WebSocket-Key in the request"
                    } else {
                        "Sec-WebSocket-Accept in the 101 response"
                    }
                ),
            ));
        }
    }
    n = n.child(AnnotNode::text(
        "wirelens.websocket.lesson",
        "The accept value proves the server read this very request as a WebSocket handshake (a cache or a plain HTTP \
         server could not produce it); it is not authentication. After this 101 the connection carries WebSocket \
         frames, not HTTP.",
    ));
    if let Some(p) = &up.protocol {
        n = n.child(
            AnnotNode::value(
                "wirelens.websocket.protocol",
                "Subprotocol",
                Value::Str(p.as_str().into()),
            )
            .with_text(format!("{p} (the application protocol spoken inside the messages)")),
        );
    }
    if let Some(e) = &up.extensions {
        let mut x = AnnotNode::value(
            "wirelens.websocket.extensions",
            "Extensions",
            Value::Str(e.as_str().into()),
        );
        for ext in parse_extensions(e) {
            let line = match Deflate::from_extension(&ext) {
                Some(d) => deflate_text(&d),
                None => format!(
                    "{}: not interpreted by wirelens (frames with RSV bits set are not flagged)",
                    ext.name
                ),
            };
            x = x.child(AnnotNode::text("wirelens.websocket.extension", line));
        }
        n = n.child(x);
    }
    vec![n]
}

fn deflate_text(d: &Deflate) -> String {
    let side = |no: bool| {
        if no {
            "resets its compressor after each message (no context takeover)"
        } else {
            "keeps its compression window across messages (context takeover)"
        }
    };
    let mut s = format!(
        "permessage-deflate: messages with RSV1 set are raw DEFLATE (RFC 7692); the client {}, the server {}",
        side(d.client_no_context_takeover),
        side(d.server_no_context_takeover)
    );
    if let Some(b) = d.client_max_window_bits {
        s.push_str(&format!("; client window 2^{b} bytes"));
    }
    if let Some(b) = d.server_max_window_bits {
        s.push_str(&format!("; server window 2^{b} bytes"));
    }
    s
}
