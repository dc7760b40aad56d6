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

use wirelens_dissectors::AppPdu;

pub mod dns;

use crate::export::FlowSummary;
use crate::tcp::stream::StreamDissector;

/// An application protocol over one TCP connection.
pub trait AppStream: StreamDissector {
    /// The messages completed since the last call, in stream order.
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>);
    /// Adds `app` and the protocol's own keys to the flow summary.
    fn summarize(&self, s: &mut FlowSummary);
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
