//! Application protocols cut out of UDP datagrams and reassembled TCP
//! streams by the engine: DNS, HTTP/1.1 (and Server-Sent Events) and
//! WebSocket. Each module parses a message from its bytes alone and adds its
//! fields to the tree; what needs more than one message (pairing, timing,
//! decompression contexts) comes from the engine as [`AppPdu::nodes`].

use std::fmt::Write as _;

use crate::annot::{AppPdu, AppProto, PduBytes};
use crate::tree::{NodeId, Tree};

pub mod dns;
pub mod http;
pub mod websocket;

/// Adds the fields of one message, lying at `data[base..]` in the tree's
/// current data source, and returns its root node.
pub fn tree(t: &mut Tree, proto: AppProto, data: &[u8], base: usize) -> NodeId {
    match proto {
        AppProto::Dns => dns::tree(t, data, base, false),
        AppProto::DnsTcp => dns::tree(t, data, base, true),
        AppProto::Mdns => dns::tree_as(t, data, base, false, dns::Flavor::Mdns),
        AppProto::Llmnr => dns::tree_as(t, data, base, false, dns::Flavor::Llmnr),
        AppProto::Http => http::tree(t, data, base),
        AppProto::Sse => http::sse_tree(t, data, base),
        AppProto::Ssdp => {
            // Wireshark's HTTP dissector under the name of the protocol.
            let root = http::tree(t, data, base);
            if let Some(n) = t.node_mut(root) {
                n.name = "ssdp";
                n.label = "Simple Service Discovery Protocol";
                n.text = Some("Simple Service Discovery Protocol".into());
            }
            root
        }
        AppProto::WebSocket => websocket::tree(t, data, base),
    }
}

/// The Info column of one message.
pub fn info(proto: AppProto, data: &[u8], out: &mut String) {
    match proto {
        AppProto::Dns => dns::info(data, false, out),
        AppProto::DnsTcp => dns::info(data, true, out),
        AppProto::Mdns => dns::info_as(data, false, dns::Flavor::Mdns, out),
        AppProto::Llmnr => dns::info_as(data, false, dns::Flavor::Llmnr, out),
        AppProto::Http => http::info(data, out),
        AppProto::Sse => http::sse_info(data, out),
        AppProto::Ssdp => http::info(data, out),
        AppProto::WebSocket => websocket::info(data, out),
    }
}

/// The Info column of the messages a frame completed, joined as tshark joins them.
pub fn infos(pdus: &[AppPdu], tdata: &[u8], out: &mut String) {
    // tshark's WebSocket sets the column after HTTP's text instead of
    // appending: a frame completing several WebSocket frames shows the last.
    let mut ws_at = None;
    // tshark's DNS over TCP clears the column for each message, back to the
    // fence that a message reassembled from earlier segments leaves behind it
    // (so such a message and the next are glued together with no space).
    let mut dns_fence = out.len();
    for (i, p) in pdus.iter().enumerate() {
        if p.proto == AppProto::DnsTcp {
            out.truncate(dns_fence.min(out.len()));
            info(p.proto, p.data(tdata), out);
            if matches!(p.bytes, PduBytes::Reassembled(_)) {
                dns_fence = out.len();
            }
            continue;
        }
        if p.proto == AppProto::WebSocket {
            match ws_at {
                Some(at) => out.truncate(at),
                None => {
                    if !out.is_empty() && !out.ends_with(' ') {
                        out.push(' ');
                    }
                    ws_at = Some(out.len());
                }
            }
        } else if i > 0 && !(p.proto == AppProto::Http && pdus.get(i - 1).is_some_and(|q| q.proto == AppProto::Http)) {
            // Wireshark fences the Info column after the first HTTP message of
            // a frame: the next ones are appended with no separator.
            out.push_str(" , ");
        }
        info(p.proto, p.data(tdata), out);
        if let Some(s) = &p.info_suffix {
            out.push_str(s);
        }
    }
}

/// The `frame.protocols` names a message adds.
pub fn protocol_names(proto: AppProto) -> &'static str {
    match proto {
        AppProto::Dns | AppProto::DnsTcp => "dns",
        AppProto::Mdns => "mdns",
        AppProto::Llmnr => "llmnr",
        AppProto::Http | AppProto::Sse => "http",
        AppProto::Ssdp => "ssdp",
        AppProto::WebSocket => "websocket",
    }
}

/// Writes one message as a person reads it, for `follow`: an HTTP head as
/// sent and its body de-chunked and decoded (text shown, binary summarised),
/// a WebSocket frame's unmasked payload (a close frame's code and reason), an
/// event's lines; at most `max` bytes of any body.
pub fn message_text(proto: AppProto, data: &[u8], max: usize, out: &mut String) {
    match proto {
        AppProto::Http | AppProto::Ssdp => http_text(data, max, out),
        AppProto::Sse => body_text(data, max, None, out),
        AppProto::WebSocket => ws_text(data, max, out),
        AppProto::Dns | AppProto::DnsTcp | AppProto::Mdns | AppProto::Llmnr => {
            info(proto, data, out);
            out.push('\n');
        }
    }
}

/// A body as text when it reads as text, else a line saying what it is.
fn body_text(body: &[u8], max: usize, ctype: Option<&str>, out: &mut String) {
    body_text_of(body, body.len() as u64, max, ctype, out);
}

/// `body` holds the first bytes of a body of `total` bytes.
fn body_text_of(body: &[u8], total: u64, max: usize, ctype: Option<&str>, out: &mut String) {
    if body.is_empty() {
        return;
    }
    let shown = body.get(..max.min(body.len())).unwrap_or(body);
    let text = std::str::from_utf8(shown).ok().or_else(|| {
        // A cut in the middle of a character is not binary.
        let e = std::str::from_utf8(shown).err()?;
        (e.error_len().is_none()).then(|| std::str::from_utf8(shown.get(..e.valid_up_to())?).ok())?
    });
    match text.filter(|t| t.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))) {
        Some(t) => {
            out.push_str(t);
            if !t.ends_with('\n') {
                out.push('\n');
            }
            let rest = total.saturating_sub(shown.len() as u64);
            if rest > 0 {
                let _ = writeln!(out, "[... {rest} more bytes]");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "[{total} bytes of binary data{}]",
                ctype.map(|c| format!(", {c}")).unwrap_or_default()
            );
        }
    }
}

fn http_text(data: &[u8], max: usize, out: &mut String) {
    let head = match http::head::parse_head(data, &http::head::HeadLimits::default()) {
        http::head::HeadStatus::Complete(h) => h,
        _ => return body_text(data, max, None, out),
    };
    let end = head.end().min(data.len());
    out.push_str(&String::from_utf8_lossy(data.get(..end).unwrap_or(&[])));
    let raw = data.get(end..).unwrap_or(&[]);
    let (_, chunked) = http::body::transfer_encoding(&head, data);
    let ctype = head.get_str(data, "content-type");
    let coding = head
        .get(data, "content-encoding")
        .and_then(http::body::Coding::from_header);
    // Decoding needs the whole body; showing needs its first `max` bytes.
    let keep = if coding.is_some() { http::MAX_DECODED } else { max };
    let dechunked;
    let (mut body, mut total) = (raw, raw.len() as u64);
    if chunked {
        let c = http::body::parse_chunks(raw, 0, keep);
        total = c.data_len;
        dechunked = c.data;
        body = &dechunked;
    }
    match coding {
        Some(c) if !body.is_empty() => {
            let d = http::body::decode(c, body, http::MAX_DECODED);
            let _ = writeln!(
                out,
                "[{total} bytes {c:?}-decoded to {}{}]",
                d.data.len(),
                if d.capped { " and more" } else { "" }
            );
            body_text(&d.data, max, ctype.as_deref(), out);
        }
        _ => body_text_of(body, total, max, ctype.as_deref(), out),
    }
}

fn ws_text(data: &[u8], max: usize, out: &mut String) {
    let Ok(h) = websocket::Header::parse(data) else {
        let _ = writeln!(out, "[{} bytes of an incomplete WebSocket frame]", data.len());
        return;
    };
    let mut payload = data.get(h.header_len..).unwrap_or(&[]).to_vec();
    if let Some(k) = h.mask_key {
        websocket::unmask(&mut payload, k, 0);
    }
    let _ = write!(
        out,
        "[{}{}{}] ",
        websocket::opcode_name(h.opcode),
        if h.fin { "" } else { ", more follows" },
        if h.rsv & 4 != 0 { ", compressed" } else { "" }
    );
    match h.opcode {
        8 => {
            let code = payload
                .get(..2)
                .map(|b| u16::from_be_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]));
            match code {
                Some(c) => {
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or(&[]));
                    let _ = writeln!(
                        out,
                        "{c} {} ({}) {reason}",
                        websocket::close_code_name(c),
                        websocket::close_code_meaning(c)
                    );
                }
                None => out.push_str("no status code\n"),
            }
        }
        _ if h.rsv & 4 != 0 => {
            let _ = writeln!(
                out,
                "{} compressed bytes (the tree shows the inflated message)",
                payload.len()
            );
        }
        _ => {
            if payload.is_empty() {
                out.push('\n');
            }
            body_text(&payload, max, None, out);
        }
    }
}
