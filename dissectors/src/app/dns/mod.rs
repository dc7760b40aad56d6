//! DNS (RFC 1035 and successors), also as multicast DNS (RFC 6762) and
//! LLMNR (RFC 4795), which share its wire format and Wireshark's `dns.*`
//! fields.
//!
//! [`wire`] parses a message with nom into typed parts that keep their byte
//! ranges (names decompressed, with the pointers they followed); the tree
//! and the Info column are built from that, laid out as `tshark -V` lays
//! them out. Typed record data is also available decoded by hickory-proto
//! ([`typed_rdata`]), which the engine uses for its answers and the tree
//! for a second opinion on each record's data.
//!
//! Over TCP a message starts with its 2-byte length (`dns.length`).

use std::fmt::Write as _;

use hickory_proto::rr::{RData, RecordType};
use hickory_proto::serialize::binary::{BinDecoder, Restrict};

use crate::tree::{NodeId, Tree};

pub mod tables;
mod view;
pub mod wire;

pub use view::show_bytes;
pub use wire::{parse, Fault, Header, Message, Name, NameIssue, Question, Rdata, Record, Section};

/// Which protocol of the DNS family a message belongs to (by its port).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Flavor {
    #[default]
    Dns,
    /// Multicast DNS (UDP 5353): the top bit of a class is QU / cache-flush.
    Mdns,
    /// Link-Local Multicast Name Resolution (UDP 5355): flags C and T.
    Llmnr,
}

impl Flavor {
    /// The protocol's filter name.
    pub fn root_name(self) -> &'static str {
        match self {
            Flavor::Dns => "dns",
            Flavor::Mdns => "mdns",
            Flavor::Llmnr => "llmnr",
        }
    }
    /// The title of its tree.
    pub fn title(self) -> &'static str {
        match self {
            Flavor::Dns => "Domain Name System",
            Flavor::Mdns => "Multicast Domain Name System",
            Flavor::Llmnr => "Link-local Multicast Name Resolution",
        }
    }
    /// The flavor of a UDP datagram: by its ports first (53, 5353, 5355 on
    /// either side), else DNS when both ports are unprivileged and the
    /// payload [`looks_like_dns`] (Wireshark's UDP heuristic accepts such
    /// messages on any port). `None`: not DNS.
    pub fn of_udp(sport: u16, dport: u16, payload: &[u8]) -> Option<Flavor> {
        Flavor::of_udp_ports(sport, dport)
            .or_else(|| (sport >= 1024 && dport >= 1024 && looks_like_dns(payload)).then_some(Flavor::Dns))
    }

    /// The flavor of a UDP datagram between these ports (`None`: not DNS).
    pub fn of_udp_ports(sport: u16, dport: u16) -> Option<Flavor> {
        let is = |p| sport == p || dport == p;
        if is(53) {
            Some(Flavor::Dns)
        } else if is(5353) {
            Some(Flavor::Mdns)
        } else if is(5355) {
            Some(Flavor::Llmnr)
        } else {
            None
        }
    }
}

/// Whether a UDP payload on a port not assigned to DNS is most likely a DNS
/// message: a standard query or response with counts a real one has (a
/// query asks one question and carries no records; a response has at most
/// one question, 100 answers and 10 authority records; at most 10
/// additional records either way; not both zero questions and answers).
pub fn looks_like_dns(m: &[u8]) -> bool {
    if m.len() <= wire::HEADER_LEN {
        return false;
    }
    let h = parse_header(m);
    if h.opcode() != 0 || h.arcount > 10 || u32::from(h.qdcount) + u32::from(h.ancount) == 0 {
        return false;
    }
    if h.is_response() {
        h.qdcount <= 1 && h.ancount <= 100 && h.nscount <= 10
    } else {
        h.qdcount == 1 && h.ancount == 0 && h.nscount == 0
    }
}

fn parse_header(m: &[u8]) -> Header {
    let w = |o| wire::u16_at(m, o).unwrap_or(0);
    Header {
        id: w(0),
        flags: w(2),
        qdcount: w(4),
        ancount: w(6),
        nscount: w(8),
        arcount: w(10),
    }
}

/// The message inside `data[base..]` and where it starts in `data`, plus the
/// TCP length prefix when `over_tcp`.
pub fn split(data: &[u8], base: usize, over_tcp: bool) -> (&[u8], usize, Option<u16>) {
    let rest = data.get(base..).unwrap_or(&[]);
    if !over_tcp {
        return (rest, base, None);
    }
    let Some(len) = wire::u16_at(rest, 0) else {
        return (&[], base.saturating_add(rest.len()), None);
    };
    let body = rest.get(2..).unwrap_or(&[]);
    let body = body.get(..usize::from(len)).unwrap_or(body);
    (body, base.saturating_add(2), Some(len))
}

/// Adds a DNS message's fields; `over_tcp` when it starts with the 2-byte length.
pub fn tree(t: &mut Tree, data: &[u8], base: usize, over_tcp: bool) -> NodeId {
    tree_as(t, data, base, over_tcp, Flavor::Dns)
}

/// [`tree`] for one flavor of the DNS family.
pub fn tree_as(t: &mut Tree, data: &[u8], base: usize, over_tcp: bool, flavor: Flavor) -> NodeId {
    tree_with(t, data, base, over_tcp, flavor, None)
}

/// [`tree_as`] for a message that was `wire_len` bytes long on the wire:
/// when fewer were captured (a snap length, or a packet quoted by an ICMP
/// error), running out of bytes is not a malformation, and the tree says
/// `[Packet size limited during capture: DNS truncated]` as Wireshark does.
pub fn tree_with(
    t: &mut Tree,
    data: &[u8],
    base: usize,
    over_tcp: bool,
    flavor: Flavor,
    wire_len: Option<usize>,
) -> NodeId {
    let (m, o, tcp_len) = split(data, base, over_tcp);
    let msg = parse(m);
    let root_len = o.saturating_add(m.len()).saturating_sub(base);
    let short = wire_len.is_some_and(|w| w > data.len().saturating_sub(base));
    let mut v = view::View { t, m, o, flavor, short };
    v.build(base, root_len, tcp_len, &msg)
}

/// The Info column of a DNS message.
pub fn info(data: &[u8], over_tcp: bool, out: &mut String) {
    info_as(data, over_tcp, Flavor::Dns, out)
}

/// [`info`] for one flavor of the DNS family.
pub fn info_as(data: &[u8], over_tcp: bool, flavor: Flavor, out: &mut String) {
    let (m, _, _) = split(data, 0, over_tcp);
    info_of(m, &parse(m), flavor, out);
}

/// The Info column of a parsed message `msg` of bytes `m`, as tshark writes it.
pub fn info_of(m: &[u8], msg: &Message, flavor: Flavor, out: &mut String) {
    if m.len() < 4 {
        out.push_str("[Malformed Packet]");
        return;
    }
    let h = msg.header;
    let (op, resp) = (h.opcode(), h.is_response());
    match tables::opcode_name(op) {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "Unknown operation ({op})");
        }
    }
    if resp {
        out.push_str(" response");
    }
    let _ = write!(out, " 0x{:04x}", h.id);
    if resp && h.rcode() != 0 {
        out.push(' ');
        out.push_str(&view::rcode_info(h.rcode()));
    }
    for q in &msg.questions {
        let _ = write!(out, " {} {}", tables::type_name(q.qtype), q.name.text);
        if flavor == Flavor::Mdns {
            out.push_str(if q.qclass & 0x8000 != 0 {
                ", \"QU\" question"
            } else {
                ", \"QM\" question"
            });
        }
    }
    for r in &msg.records {
        out.push(' ');
        out.push_str(&tables::type_name(r.rtype));
        if flavor == Flavor::Mdns && !r.is_opt() && r.class & 0x8000 != 0 {
            out.push_str(", cache flush");
        }
        if !r.is_cut() && r.rdlen > 0 {
            out.push_str(&view::info_suffix(m, r, &r.name));
        }
    }
    if msg.fault.is_some() || msg.capped {
        out.push_str("[Malformed Packet]");
    }
}

/// A record's data decoded by hickory-proto, or why it could not be. `m`
/// is the whole message (names in the data may point anywhere in it).
pub fn typed_rdata(m: &[u8], r: &Record) -> Result<RData, String> {
    if r.is_cut() {
        return Err("the record data is cut short".into());
    }
    let start = u16::try_from(r.rdata.start).map_err(|_| "record data beyond 64 KiB".to_string())?;
    if usize::from(start) > m.len() {
        return Err("record data beyond the message".into());
    }
    let d = BinDecoder::new(m);
    let mut d = d.clone(start);
    RData::read(&mut d, RecordType::from(r.rtype), Restrict::new(r.rdlen)).map_err(|e| e.to_string())
}

/// A record's data in presentation form (zone-file style, by hickory-proto),
/// falling back to Wireshark's text for names and addresses.
pub fn rdata_text(m: &[u8], r: &Record) -> String {
    match &r.data {
        Rdata::A(a) => return a.to_string(),
        Rdata::Aaaa(a) => return a.to_string(),
        Rdata::Name(n) => return n.text.clone(),
        _ => {}
    }
    if r.is_opt() {
        return String::new();
    }
    match typed_rdata(m, r) {
        Ok(RData::Unknown { .. }) | Err(_) => generic_rdata(m, r),
        Ok(rd) => {
            let mut s = String::new();
            // OPT has no presentation form (its Display fails): never `to_string()`.
            let _ = write!(s, "{rd}");
            s
        }
    }
}

/// RFC 3597's generic form: `\# 4 c0000201`.
fn generic_rdata(m: &[u8], r: &Record) -> String {
    let mut s = String::from("\\# ");
    let _ = write!(s, "{}", r.rdata.len());
    if !r.rdata.is_empty() {
        s.push(' ');
        crate::tree::write_hex(&mut s, m.get(r.rdata.clone()).unwrap_or(&[]), None);
    }
    s
}

#[cfg(test)]
mod tests;
