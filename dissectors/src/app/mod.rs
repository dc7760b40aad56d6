//! Application protocols cut out of UDP datagrams and reassembled TCP
//! streams by the engine: DNS, HTTP/1.1 (and Server-Sent Events) and
//! WebSocket. Each module parses a message from its bytes alone and adds its
//! fields to the tree; what needs more than one message (pairing, timing,
//! decompression contexts) comes from the engine as [`AppPdu::nodes`].

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
        } else if i > 0 {
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
        AppProto::WebSocket => "websocket",
    }
}
