//! Application protocols cut out of UDP datagrams and reassembled TCP
//! streams by the engine: DNS, HTTP/1.1 (and Server-Sent Events) and
//! WebSocket. Each module parses a message from its bytes alone and adds its
//! fields to the tree; what needs more than one message (pairing, timing,
//! decompression contexts) comes from the engine as [`AppPdu::nodes`].

use crate::annot::{AppPdu, AppProto};
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
        AppProto::Http => http::tree(t, data, base),
        AppProto::Sse => http::sse_tree(t, data, base),
        AppProto::WebSocket => websocket::tree(t, data, base),
    }
}

/// The Info column of one message.
pub fn info(proto: AppProto, data: &[u8], out: &mut String) {
    match proto {
        AppProto::Dns => dns::info(data, false, out),
        AppProto::DnsTcp => dns::info(data, true, out),
        AppProto::Http => http::info(data, out),
        AppProto::Sse => http::sse_info(data, out),
        AppProto::WebSocket => websocket::info(data, out),
    }
}

/// The Info column of the messages a frame completed, joined as tshark joins them.
pub fn infos(pdus: &[AppPdu], tdata: &[u8], out: &mut String) {
    // tshark's WebSocket sets the column after HTTP's text instead of
    // appending: a frame completing several WebSocket frames shows the last.
    let mut ws_at = None;
    for (i, p) in pdus.iter().enumerate() {
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
        AppProto::Http | AppProto::Sse => "http",
        AppProto::WebSocket => "websocket",
    }
}
