//! WebSocket frames (RFC 6455), one frame at a time, as sent on the wire.
//!
//! A frame is a 2-byte header (FIN, three reserved bits, a 4-bit opcode,
//! the MASK bit and a 7-bit length), an extended length of 2 or 8 bytes
//! when the 7-bit length is 126 or 127, a 4-byte masking key when MASK is
//! set, then the payload, XORed with the key when masked.
//!
//! Everything here works on one frame's bytes alone. What needs the
//! conversation (which side sent it, the negotiated extensions, fragmented
//! and compressed messages, ping/pong pairing, the closing handshake) is
//! the engine's (`wirelens::app::websocket`), which adds its findings to
//! the tree as annotation nodes.
//!
//! A data frame's payload is shown the way tshark shows it: a text frame
//! that is a whole message as `websocket.payload.text` plus the
//! line-based text view, a binary one as `Data`. A frame that is only part
//! of a message (FIN clear, or a continuation) or that has RSV1 set (with
//! permessage-deflate, a compressed message) is not interpreted here: the
//! engine shows the whole message on its last frame.

use std::fmt::Write as _;

use crate::error::Severity;
use crate::net::{group, hex_field};
use crate::tree::{NodeId, Source, Tree, Value};

/// Opcodes (RFC 6455 section 5.2).
pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xa;

/// The longest header: 2 bytes, an 8-byte length, a 4-byte key.
pub const MAX_HEADER: usize = 14;
/// Control frames carry at most this many payload bytes (RFC 6455 5.5).
pub const MAX_CONTROL_PAYLOAD: u64 = 125;
/// Lines of text shown in the line-based view before it stops.
const MAX_LINES: usize = 1000;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit number (RSV1 = 4).
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// The 7-bit length field (126 and 127 announce an extended length).
    pub len7: u8,
    /// The payload length, from whichever field carries it.
    pub payload_len: u64,
    pub mask_key: Option<[u8; 4]>,
    /// Bytes of header: 2 to 14.
    pub header_len: usize,
}

impl Header {
    /// Parses the header at `data[0..]`; `Err(n)`: `n` more bytes are needed.
    pub fn parse(data: &[u8]) -> Result<Header, usize> {
        let (Some(&b0), Some(&b1)) = (data.first(), data.get(1)) else {
            return Err(2 - data.len().min(2));
        };
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7f;
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let header_len = 2 + ext + if masked { 4 } else { 0 };
        if data.len() < header_len {
            return Err(header_len - data.len());
        }
        let payload_len = match len7 {
            126 => data
                .get(2..4)
                .map_or(0, |b| b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))),
            127 => data
                .get(2..10)
                .map_or(0, |b| b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))),
            n => u64::from(n),
        };
        let mask_key = if masked {
            let k = data.get(2 + ext..6 + ext).unwrap_or(&[0; 4]);
            let mut key = [0u8; 4];
            for (d, s) in key.iter_mut().zip(k) {
                *d = *s;
            }
            Some(key)
        } else {
            None
        };
        Ok(Header {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 7,
            opcode: b0 & 0x0f,
            masked,
            len7,
            payload_len,
            mask_key,
            header_len,
        })
    }

    /// Header plus payload, saturating (a 64-bit length can exceed memory).
    pub fn total_len(&self) -> u64 {
        (self.header_len as u64).saturating_add(self.payload_len)
    }

    /// Close, ping, pong and the reserved control opcodes 0xb-0xf.
    pub fn is_control(&self) -> bool {
        self.opcode & 8 != 0
    }

    /// A 16- or 64-bit length that would have fitted a shorter form (RFC
    /// 6455 5.2: "the minimal number of bytes MUST be used").
    pub fn length_not_minimal(&self) -> bool {
        match self.len7 {
            126 => self.payload_len < 126,
            127 => self.payload_len <= 0xffff,
            _ => false,
        }
    }
}

/// The whole frame's length at `data[0..]` (header and payload, possibly
/// more than is present and more than memory holds), or `Err(n)`: `n` more
/// bytes are needed to read the header.
pub fn frame_len(data: &[u8]) -> Result<u64, usize> {
    Header::parse(data).map(|h| h.total_len())
}

/// XORs `buf` with the masking key; `phase` is the offset of `buf[0]` in
/// the payload, so a payload can be unmasked piece by piece.
pub fn unmask(buf: &mut [u8], key: [u8; 4], phase: u64) {
    let mut k = (phase % 4) as usize;
    for b in buf.iter_mut() {
        *b ^= key.get(k).copied().unwrap_or(0);
        k = (k + 1) & 3;
    }
}

/// Whether RFC 6455 defines the opcode.
pub fn opcode_known(op: u8) -> bool {
    matches!(op, 0 | 1 | 2 | 8 | 9 | 10)
}

/// The opcode's name as tshark's tree shows it.
pub fn opcode_name(op: u8) -> &'static str {
    match op {
        OP_CONTINUATION => "Continuation",
        OP_TEXT => "Text",
        OP_BINARY => "Binary",
        OP_CLOSE => "Connection Close",
        OP_PING => "Ping",
        OP_PONG => "Pong",
        _ => "Unknown",
    }
}

/// A close status code's name, as tshark shows it.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol error",
        1003 => "Unsupported Data",
        1004 => "---Reserved----",
        1005 => "No Status Rcvd",
        1006 => "Abnormal Closure",
        1007 => "Invalid frame payload data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Ext.",
        1011 => "Internal Server",
        1015 => "TLS handshake",
        _ => "Unknown",
    }
}

/// What a close status code means (RFC 6455 7.4 and the IANA registry).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure: the purpose for which the connection was opened is fulfilled",
        1001 => "going away: the server is shutting down or the browser is leaving the page",
        1002 => "protocol error: the endpoint received a frame that breaks RFC 6455",
        1003 => "unsupported data: the endpoint received a type of data it cannot accept (e.g. binary where only text is understood)",
        1004 => "reserved: no meaning defined",
        1005 => "no status received: reserved for APIs to report that a Close frame had no code; it must never be sent on the wire",
        1006 => "abnormal closure: reserved for APIs to report a connection lost without a Close frame; it must never be sent on the wire",
        1007 => "invalid frame payload data: the message's data was inconsistent with its type (e.g. non-UTF-8 in a text message)",
        1008 => "policy violation: the message broke the endpoint's policy (a generic refusal)",
        1009 => "message too big: the message was too large for the endpoint to process",
        1010 => "mandatory extension: the client expected the server to negotiate an extension it did not (the reason lists them)",
        1011 => "internal error: the server hit an unexpected condition that kept it from fulfilling the request",
        1012 => "service restart: the server is restarting; reconnect later",
        1013 => "try again later: the server is overloaded or temporarily unable to serve",
        1014 => "bad gateway: a gateway or proxy got an invalid response from upstream",
        1015 => "TLS handshake failure: reserved for APIs; it must never be sent on the wire",
        0..=999 => "not used: codes below 1000 are not defined",
        1016..=2999 => "reserved for future revisions of RFC 6455",
        3000..=3999 => "registered with IANA for libraries, frameworks and applications",
        4000..=4999 => "private use: agreed between the application's client and server",
        _ => "not defined: codes above 4999 are outside the registry",
    }
}

/// Whether an endpoint may send this status code in a Close frame (RFC
/// 6455 7.4.1-7.4.2: 1005, 1006 and 1015 are only for APIs; codes below
/// 1000, 1004 and the unassigned 1016-2999 are not to be used).
pub fn close_code_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The Info column: `WebSocket Text [FIN] [MASKED]` exactly as tshark writes it.
pub fn info(data: &[u8], out: &mut String) {
    out.push_str("WebSocket");
    let Ok(h) = Header::parse(data) else {
        return;
    };
    out.push(' ');
    out.push_str(if opcode_known(h.opcode) {
        opcode_name(h.opcode)
    } else {
        "Unknown Opcode"
    });
    out.push_str(if h.fin { " [FIN] " } else { "[FRAGMENT]  " });
    if h.masked {
        out.push_str("[MASKED]");
    }
}

/// Adds a WebSocket frame's fields: the frame lies at `data[base..]` in the
/// tree's current data source. A masked payload is unmasked into a data
/// source of its own ("Unmasked data", as in Wireshark).
pub fn tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    let frame = data.get(base..).unwrap_or(&[]);
    let h = match Header::parse(frame) {
        Ok(h) => h,
        Err(need) => return truncated_header(t, frame, base, need),
    };
    let have_payload = frame.len().saturating_sub(h.header_len);
    let shown = usize::try_from(h.payload_len).unwrap_or(usize::MAX).min(have_payload);
    let root = t.text(None, "websocket", "WebSocket", base, h.header_len.saturating_add(shown));
    header_fields(t, root, &h, base);

    let pstart = base.saturating_add(h.header_len);
    let payload = frame
        .get(h.header_len..h.header_len.saturating_add(shown))
        .unwrap_or(&[]);
    if (shown as u64) < h.payload_len {
        let n = t.text(
            Some(root),
            "wirelens.websocket.payload_partial",
            format!("[Only {} of the payload's {} bytes are here]", shown, h.payload_len),
            pstart,
            shown,
        );
        t.set_generated(n);
    }
    if h.payload_len == 0 {
        return root;
    }

    // The payload as the application sees it: unmasked into its own source.
    let prev = t.default_src();
    let (psrc_data, poff): (Vec<u8>, usize);
    if let Some(key) = h.mask_key {
        t.add(
            Some(root),
            "websocket.masked_payload",
            "Masked payload",
            Value::None,
            pstart,
            shown,
        );
        let mut v = payload.to_vec();
        unmask(&mut v, key, 0);
        let src = t.add_source(Source {
            name: "Unmasked data".into(),
            data: v.clone(),
            frames: Vec::new(),
        });
        t.set_default_src(src);
        psrc_data = v;
        poff = 0;
    } else {
        psrc_data = Vec::new();
        poff = pstart;
    }
    let pdata: &[u8] = if h.masked { &psrc_data } else { data };
    let pl = t.add(Some(root), "websocket.payload", "Payload", Value::None, poff, shown);
    payload_fields(t, pl, &h, pdata, poff, shown);
    t.set_default_src(prev);
    root
}

/// A header cut short: the fields that are present and how many bytes are missing.
fn truncated_header(t: &mut Tree, frame: &[u8], base: usize, need: usize) -> NodeId {
    let root = t.text(None, "websocket", "WebSocket", base, frame.len());
    if let (Some(&b0), Some(&b1)) = (frame.first(), frame.get(1)) {
        let h = Header {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 7,
            opcode: b0 & 0x0f,
            masked: b1 & 0x80 != 0,
            len7: b1 & 0x7f,
            payload_len: u64::from(b1 & 0x7f),
            mask_key: None,
            header_len: 2,
        };
        first_byte_fields(t, root, &h, base);
        second_byte_fields(t, root, &h, base);
    } else if let Some(&b0) = frame.first() {
        let h = Header {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 7,
            opcode: b0 & 0x0f,
            masked: false,
            len7: 0,
            payload_len: 0,
            mask_key: None,
            header_len: 1,
        };
        first_byte_fields(t, root, &h, base);
    }
    let end = base.saturating_add(frame.len());
    t.expert(
        root,
        Severity::Error,
        "_ws.malformed.truncated",
        format!(
            "WebSocket header truncated: {} more byte{} needed",
            need,
            if need == 1 { "" } else { "s" }
        ),
        end,
        0,
    );
    root
}

fn first_byte_fields(t: &mut Tree, root: NodeId, h: &Header, base: usize) {
    let fin = t.bits(root, "websocket.fin", "Fin", Value::Bool(h.fin), 8, 0x80, base, 1);
    t.set_text(fin, if h.fin { "True" } else { "False" });
    let rsv = t.bits(
        root,
        "websocket.rsv",
        "Reserved",
        Value::UInt(u64::from(h.rsv)),
        8,
        0x70,
        base,
        1,
    );
    t.set_text(rsv, format!("0x{:x}", h.rsv));
    let op = t.bits(
        root,
        "websocket.opcode",
        "Opcode",
        Value::UInt(u64::from(h.opcode)),
        8,
        0x0f,
        base,
        1,
    );
    t.set_text(op, format!("{} ({})", opcode_name(h.opcode), h.opcode));
    if !opcode_known(h.opcode) {
        t.expert(
            op,
            Severity::Warning,
            "wirelens.websocket.reserved_opcode",
            format!(
                "Opcode {} is reserved by RFC 6455 for future {} frames: an endpoint receiving it must fail the connection",
                h.opcode,
                if h.opcode & 8 != 0 { "control" } else { "data" }
            ),
            base,
            1,
        );
    }
    if h.is_control() && !h.fin {
        t.expert(
            fin,
            Severity::Warning,
            "wirelens.websocket.control_fragmented",
            "Control frame without FIN: control frames must not be fragmented (RFC 6455 5.5)",
            base,
            1,
        );
    }
}

fn second_byte_fields(t: &mut Tree, root: NodeId, h: &Header, base: usize) {
    let at = base.saturating_add(1);
    let m = t.bits(root, "websocket.mask", "Mask", Value::Bool(h.masked), 8, 0x80, at, 1);
    t.set_text(m, if h.masked { "True" } else { "False" });
    let l = t.bits(
        root,
        "websocket.payload_length",
        "Payload length",
        Value::UInt(u64::from(h.len7)),
        8,
        0x7f,
        at,
        1,
    );
    match h.len7 {
        126 => t.set_text(l, "126 Extended Payload Length (16 bits)"),
        127 => t.set_text(l, "127 Extended Payload Length (64 bits)"),
        _ => {}
    }
}

fn header_fields(t: &mut Tree, root: NodeId, h: &Header, base: usize) {
    first_byte_fields(t, root, h, base);
    second_byte_fields(t, root, h, base);
    let mut at = base.saturating_add(2);
    let len_node = match h.len7 {
        126 => {
            let n = t.uint(
                root,
                "websocket.payload_length_ext_16",
                "Extended Payload length (16 bits)",
                h.payload_len,
                at,
                2,
            );
            at = at.saturating_add(2);
            Some(n)
        }
        127 => {
            let n = t.uint(
                root,
                "websocket.payload_length_ext_64",
                "Extended Payload length (64 bits)",
                h.payload_len,
                at,
                8,
            );
            if h.payload_len >> 63 != 0 {
                t.expert(
                    n,
                    Severity::Warning,
                    "wirelens.websocket.length_msb_set",
                    "The most significant bit of a 64-bit length must be 0 (RFC 6455 5.2)",
                    at,
                    8,
                );
            }
            at = at.saturating_add(8);
            Some(n)
        }
        _ => None,
    };
    if let (Some(n), true) = (len_node, h.length_not_minimal()) {
        t.expert(
            n,
            Severity::Note,
            "wirelens.websocket.length_not_minimal",
            format!(
                "A {}-byte payload length written in the {}-bit form: RFC 6455 5.2 asks for the shortest form",
                h.payload_len,
                if h.len7 == 126 { 16 } else { 64 }
            ),
            at,
            0,
        );
    }
    if h.is_control() && h.payload_len > MAX_CONTROL_PAYLOAD {
        t.expert(
            root,
            Severity::Warning,
            "wirelens.websocket.control_too_long",
            format!(
                "Control frame with a {}-byte payload: control frames carry at most 125 bytes (RFC 6455 5.5)",
                h.payload_len
            ),
            base.saturating_add(1),
            1,
        );
    }
    if let Some(k) = h.mask_key {
        let n = t.bytes(root, "websocket.masking_key", "Masking-Key", at, 4);
        let mut s = String::with_capacity(8);
        crate::tree::write_hex(&mut s, &k, None);
        t.set_text(n, s);
    }
}

/// The payload's meaning by opcode, under the `Payload` node `pl`; the
/// payload is `pdata[poff..poff + n]` in the tree's current source.
fn payload_fields(t: &mut Tree, pl: NodeId, h: &Header, pdata: &[u8], poff: usize, n: usize) {
    let bytes = pdata.get(poff..poff.saturating_add(n)).unwrap_or(&[]);
    let compressed = h.rsv & 4 != 0;
    match h.opcode {
        OP_TEXT if h.fin && !compressed => {
            let text = String::from_utf8_lossy(bytes);
            t.string(pl, "websocket.payload.text", "Text", text.as_ref(), poff, n);
            text_lines(t, bytes, poff, n);
        }
        OP_BINARY if h.fin && !compressed => {
            let g = group(t, None, "data", format!("Data ({n} bytes)"), poff, n);
            hex_field(t, pdata, g, "data.data", "Data", poff, n);
            let l = t.add(Some(g), "data.len", "Length", Value::UInt(n as u64), poff, 0);
            t.set_generated(l);
        }
        OP_CONTINUATION if !h.fin => {
            hex_field(t, pdata, pl, "websocket.payload.continue", "Continue", poff, n);
        }
        OP_TEXT | OP_BINARY | OP_CONTINUATION => {}
        OP_CLOSE => close_fields(t, pl, bytes, poff),
        OP_PING => {
            hex_field(t, pdata, pl, "websocket.payload.ping", "Ping", poff, n);
        }
        OP_PONG => {
            hex_field(t, pdata, pl, "websocket.payload.pong", "Pong", poff, n);
        }
        op => {
            let u = hex_field(t, pdata, pl, "websocket.payload.unknown", "Unknown", poff, n);
            t.expert(
                u,
                Severity::Note,
                "websocket.payload.unknown.expert",
                format!(
                    "Dissector for Websocket Opcode ({op}) code not implemented, Contact Wireshark developers if you want this supported"
                ),
                poff,
                n,
            );
        }
    }
}

fn close_fields(t: &mut Tree, pl: NodeId, bytes: &[u8], poff: usize) {
    let c = t.add(
        Some(pl),
        "websocket.payload.close",
        "Close",
        Value::None,
        poff,
        bytes.len(),
    );
    t.set_text(c, "Close");
    let (Some(&a), Some(&b)) = (bytes.first(), bytes.get(1)) else {
        if !bytes.is_empty() {
            t.expert(
                c,
                Severity::Warning,
                "wirelens.websocket.close_too_short",
                "A Close payload of 1 byte: a Close body starts with a 2-byte status code (RFC 6455 5.5.1)",
                poff,
                bytes.len(),
            );
        }
        return;
    };
    let code = u16::from_be_bytes([a, b]);
    let n = t.uint(
        c,
        "websocket.payload.close.status_code",
        "Status code",
        u64::from(code),
        poff,
        2,
    );
    t.set_text(n, format!("{} ({})", close_code_name(code), code));
    if !close_code_sendable(code) {
        t.expert(
            n,
            Severity::Warning,
            "wirelens.websocket.close_code_invalid",
            format!(
                "Status code {code} must not be sent in a Close frame: {}",
                close_code_meaning(code)
            ),
            poff,
            2,
        );
    }
    if let Some(reason) = bytes.get(2..).filter(|r| !r.is_empty()) {
        let s = String::from_utf8_lossy(reason);
        let r = t.string(
            c,
            "websocket.payload.close.reason",
            "Reason",
            s.as_ref(),
            poff.saturating_add(2),
            reason.len(),
        );
        if std::str::from_utf8(reason).is_err() {
            t.expert(
                r,
                Severity::Warning,
                "wirelens.websocket.invalid_utf8",
                "The close reason is not valid UTF-8 (RFC 6455 5.5.1 requires it)",
                poff.saturating_add(2),
                reason.len(),
            );
        }
    }
}

/// Wireshark's "Line-based text data" view: one line per `\n`, with the
/// line ends written as escapes.
fn text_lines(t: &mut Tree, bytes: &[u8], poff: usize, n: usize) {
    let lines = bytes.split_inclusive(|&b| b == b'\n');
    let count = bytes.split_inclusive(|&b| b == b'\n').count();
    let g = group(
        t,
        None,
        "data-text-lines",
        // tshark writes "(1 lines)" too.
        format!("Line-based text data ({count} lines)"),
        poff,
        n,
    );
    let mut at = poff;
    for (i, line) in lines.enumerate() {
        if i >= MAX_LINES {
            let rest = count.saturating_sub(MAX_LINES);
            t.text(
                Some(g),
                "",
                format!("[{rest} more lines]"),
                at,
                poff.saturating_add(n).saturating_sub(at),
            );
            break;
        }
        let mut s = String::with_capacity(line.len() + 2);
        for c in String::from_utf8_lossy(line).chars() {
            match c {
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(s, "\\{:03o}", c as u32);
                }
                c => s.push(c),
            }
        }
        t.text(Some(g), "", s, at, line.len());
        at = at.saturating_add(line.len());
    }
}

#[cfg(test)]
mod tests;
