//! DNS conversations: queries paired with their responses, retransmissions,
//! unanswered queries, and the lessons a resolution teaches (negative
//! answers, recursion, authority, truncation and the retry over TCP, load
//! balancing and round-robin rotation, CNAME chains).
//!
//! One [`DnsBook`] serves the whole engine: UDP datagrams reach it through
//! [`DnsBook::udp`], TCP connections through a [`DnsTcp`] each (a stream
//! dissector over the length-prefixed messages of RFC 1035 section 4.2.2),
//! which share the book so a truncated UDP answer can be linked to the TCP
//! connection that retries it.
//!
//! Pairing follows Wireshark so its fields agree with tshark's: within one
//! flow, a response answers the latest query with its transaction id; a
//! query repeating the id of an unanswered query less than 5 seconds old
//! is a retransmission; a response to an already answered query is a
//! retransmitted response; one with no query is unsolicited. Everything is
//! bounded: per flow, at most [`MAX_TXNS`] transactions and
//! [`MAX_QUERIES`] summary entries; globally at most [`MAX_FLOWS`] flows,
//! [`MAX_TRUNCATED`] truncated answers waiting for a retry and
//! [`MAX_ROTATION`] names remembered for rotation.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;
use wirelens_dissectors::app::dns::{self as d, tables, Flavor, Message, Rdata, Record, Section};
use wirelens_dissectors::{AnnotNode, AppPdu, AppProto, Expert, PduBytes, Severity, Value};

use super::AppStream;
use crate::export::FlowSummary;
use crate::tcp::state::Side;
use crate::tcp::stream::{Chunk, Feed, StreamDissector};

/// A query repeated within this time of the original (unanswered) one is a retransmission (Wireshark's default).
pub const RETRANSMIT_NS: i64 = 5_000_000_000;
/// A TCP query this soon after a truncated UDP answer to the same question is its retry.
pub const TCP_RETRY_NS: i64 = 10_000_000_000;
/// Transactions remembered per flow (answered ones go first).
pub const MAX_TXNS: usize = 256;
/// Summary entries kept per flow.
pub const MAX_QUERIES: usize = 1024;
/// Flows with DNS state.
pub const MAX_FLOWS: usize = 65_536;
/// Truncated UDP answers waiting for their TCP retry.
pub const MAX_TRUNCATED: usize = 1024;
/// Names whose last answer order is remembered (round-robin rotation).
pub const MAX_ROTATION: usize = 4096;
/// Answers kept per summary entry.
pub const MAX_ANSWERS: usize = 64;
/// Steps followed along a CNAME chain.
pub const MAX_CHAIN: usize = 16;

/// Where a DNS conversation happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsWhere {
    /// The engine's flow id (`udp.stream` or `tcp.stream`).
    pub flow: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
}

/// A frame of another flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DnsLink {
    pub proto: &'static str,
    pub flow: u64,
    pub frame: u64,
}

/// One query (or unsolicited response) of a flow, for `flows`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DnsQuery {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: String,
    pub id: u16,
    pub query_frame: Option<u64>,
    pub response_frame: Option<u64>,
    /// `NOERROR`, `NXDOMAIN`, ... (with the EDNS extended bits).
    pub rcode: Option<String>,
    /// `A 192.0.2.1`, `CNAME www.example.net`, ... (answer section).
    pub answers: Vec<String>,
    pub response_ms: Option<f64>,
    pub truncated: bool,
    pub authoritative: bool,
    pub recursion_available: bool,
    pub retransmissions: u32,
    /// This truncated UDP answer was retried over TCP there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_over_tcp: Option<DnsLink>,
    /// This TCP query retries the truncated UDP answer there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<DnsLink>,
    pub unanswered: bool,
    pub unsolicited: bool,
}

/// Flow key: (over TCP, flow id); TCP and UDP ids are separate counters.
type FlowKey = (bool, u64);

#[derive(Debug)]
struct Txn {
    id: u16,
    qkey: Option<(String, u16)>,
    req_frame: u64,
    req_ns: i64,
    rep_frame: Option<u64>,
    /// Index in the flow's `queries`.
    entry: Option<usize>,
}

#[derive(Debug)]
struct FlowState {
    /// Which entry of `DnsBook::order` is this flow's (a key may come back as a new flow).
    gen: u64,
    flavor: Flavor,
    txns: VecDeque<Txn>,
    queries: Vec<DnsQuery>,
    dropped: u64,
}

impl FlowState {
    fn new(flavor: Flavor) -> Self {
        FlowState {
            gen: 0,
            flavor,
            txns: VecDeque::new(),
            queries: Vec::new(),
            dropped: 0,
        }
    }

    fn push_txn(&mut self, t: Txn) {
        if self.txns.len() >= MAX_TXNS {
            match self.txns.iter().position(|t| t.rep_frame.is_some()) {
                Some(i) => {
                    self.txns.remove(i);
                }
                None => {
                    self.txns.pop_front();
                }
            }
        }
        self.txns.push_back(t);
    }

    fn push_entry(&mut self, q: DnsQuery) -> Option<usize> {
        if self.queries.len() >= MAX_QUERIES {
            self.dropped += 1;
            return None;
        }
        self.queries.push(q);
        Some(self.queries.len() - 1)
    }
}

#[derive(Debug)]
struct Truncated {
    client: IpAddr,
    server: IpAddr,
    qkey: (String, u16),
    link: DnsLink,
    entry: Option<usize>,
    ns: i64,
}

#[derive(Debug)]
struct Rotation {
    order: Vec<String>,
    frame: u64,
}

/// DNS state of the whole engine (see the module docs).
#[derive(Debug, Default)]
pub struct DnsBook {
    flows: HashMap<FlowKey, FlowState>,
    /// Flows oldest first, for eviction; entries of ended flows are skipped
    /// (and swept out when they outnumber the live ones), so that ending a
    /// flow costs O(1), not a scan.
    order: VecDeque<(FlowKey, u64)>,
    next_gen: u64,
    truncated: VecDeque<Truncated>,
    rotation: HashMap<(String, u16), Rotation>,
    rotation_order: VecDeque<(String, u16)>,
}

fn text(name: &'static str, s: impl Into<String>) -> AnnotNode {
    AnnotNode::text(name, s)
}

fn frame_node(name: &'static str, label: &'static str, f: u64) -> AnnotNode {
    AnnotNode::value(name, label, Value::UInt(f))
}

/// Which message a retransmission repeats.
#[derive(Clone, Copy)]
enum Retransmitted {
    Request,
    Response,
}

/// Wireshark's retransmission notes: the expert warning, the frame of the
/// original, and `dns.retransmission`.
fn retransmission_nodes(nodes: &mut Vec<AnnotNode>, what: Retransmitted, orig: u64) {
    let (code, msg, in_name, in_label) = match what {
        Retransmitted::Request => (
            "dns.retransmit_request",
            format!("DNS query retransmission. Original request in frame {orig}"),
            "dns.retransmit_request_in",
            "Retransmitted request. Original request in",
        ),
        Retransmitted::Response => (
            "dns.retransmit_response",
            format!("DNS response retransmission. Original response in frame {orig}"),
            "dns.retransmit_response_in",
            "Retransmitted response. Original response in",
        ),
    };
    nodes.push(AnnotNode::text(code, msg.clone()).with_expert(Expert {
        severity: Severity::Warning,
        code,
        msg,
    }));
    nodes.push(frame_node(in_name, in_label, orig));
    nodes.push(AnnotNode::value(
        "dns.retransmission",
        "Retransmission",
        Value::Bool(true),
    ));
}

fn rcode_text(rc: u16) -> String {
    match tables::rcode_mnemonic(rc) {
        Some(m) => m.to_string(),
        None => format!("RCODE{rc}"),
    }
}

fn ms(ns: i64) -> f64 {
    (ns as f64 / 1e3).round() / 1e3
}

impl DnsBook {
    /// A UDP datagram of a DNS-family port (53 DNS, 5353 mDNS, 5355 LLMNR,
    /// on either side): its message, whose bytes are `tdata[payload]`, as a
    /// PDU with the engine's nodes. `None` when the payload is empty or the
    /// ports are not DNS's.
    pub fn udp(
        &mut self,
        at: &DnsWhere,
        from_client: bool,
        tdata: &[u8],
        payload: Range<usize>,
        frame: u64,
        ts_ns: i64,
    ) -> Option<AppPdu> {
        let m = tdata.get(payload.clone())?;
        let flavor = Flavor::of_udp(at.server.port(), at.client.port(), m)?;
        if m.is_empty() {
            return None;
        }
        let proto = match flavor {
            Flavor::Dns => AppProto::Dns,
            Flavor::Mdns => AppProto::Mdns,
            Flavor::Llmnr => AppProto::Llmnr,
        };
        let mut pdu = AppPdu::in_frame(proto, payload, from_client);
        pdu.nodes = self.message((false, at.flow), at, flavor, m, frame, ts_ns);
        Some(pdu)
    }

    /// Adds what the book knows of UDP flow `flow` to its summary.
    pub fn summarize(&self, flow: u64, s: &mut FlowSummary) {
        self.summarize_key((false, flow), s);
    }

    /// Forgets UDP flow `flow`.
    pub fn end_flow(&mut self, flow: u64) {
        self.end_key((false, flow));
    }

    /// Forgets TCP flow `flow` (a [`DnsTcp`] does this when dropped).
    pub fn end_tcp_flow(&mut self, flow: u64) {
        self.end_key((true, flow));
    }

    /// Flows with DNS state (for tests of the bounds).
    pub fn flows(&self) -> usize {
        self.flows.len()
    }

    /// Transactions remembered across all flows.
    pub fn transactions(&self) -> usize {
        self.flows.values().map(|f| f.txns.len()).sum()
    }

    fn summarize_key(&self, key: FlowKey, s: &mut FlowSummary) {
        let Some(f) = self.flows.get(&key) else { return };
        s.app = Some(f.flavor.root_name().to_string());
        s.dns = Some(f.queries.clone());
    }

    fn end_key(&mut self, key: FlowKey) {
        self.flows.remove(&key);
        if self.order.len() > 2 * self.flows.len() + 1024 {
            let flows = &self.flows;
            self.order.retain(|(k, g)| flows.get(k).is_some_and(|f| f.gen == *g));
        }
    }

    fn flow_mut(&mut self, key: FlowKey, flavor: Flavor) -> &mut FlowState {
        if !self.flows.contains_key(&key) {
            while self.flows.len() >= MAX_FLOWS {
                let Some((old, g)) = self.order.pop_front() else { break };
                if self.flows.get(&old).is_some_and(|f| f.gen == g) {
                    self.flows.remove(&old);
                }
            }
            let gen = self.next_gen;
            self.next_gen += 1;
            self.order.push_back((key, gen));
            let mut f = FlowState::new(flavor);
            f.gen = gen;
            self.flows.insert(key, f);
        }
        self.flows.entry(key).or_insert_with(|| FlowState::new(flavor))
    }

    /// One message of flow `key`: pairing, timing and lessons as nodes for its tree.
    fn message(
        &mut self,
        key: FlowKey,
        at: &DnsWhere,
        flavor: Flavor,
        m: &[u8],
        frame: u64,
        ts: i64,
    ) -> Vec<AnnotNode> {
        let msg = d::parse(m);
        let mut nodes = Vec::new();
        // Like Wireshark, a message that did not parse to its end takes no part in pairing.
        if !msg.is_complete() {
            return nodes;
        }
        let h = msg.header;
        let q = msg.questions.first();
        let qkey = q.map(|q| (q.name.key(), q.qtype));
        let tcp = key.0;
        if !h.is_response() {
            self.query(key, at, flavor, &msg, frame, ts, &mut nodes);
            return nodes;
        }
        let f = self.flow_mut(key, flavor);
        let found = f.txns.iter_mut().rev().find(|t| t.id == h.id);
        let mut entry = None;
        let mut lessons = true;
        match found {
            Some(t) if t.rep_frame.is_none() => {
                t.rep_frame = Some(frame);
                let dt = ts.saturating_sub(t.req_ns);
                nodes.push(frame_node("dns.response_to", "Request In", t.req_frame));
                nodes.push(AnnotNode::value("dns.time", "Time", Value::Duration(dt)));
                if let (Some(a), Some(b)) = (&t.qkey, &qkey) {
                    if a != b {
                        nodes.push(
                            text(
                                "wirelens.dns.question_mismatch",
                                format!(
                                    "This response's question ({} {}) is not the query's ({} {}): a resolver answering another question, or a forged response guessing the transaction id",
                                    q.map(|q| q.name.text.as_str()).unwrap_or(""),
                                    tables::type_name(b.1),
                                    a.0,
                                    tables::type_name(a.1)
                                ),
                            )
                            .with_expert(Expert {
                                severity: Severity::Warning,
                                code: "wirelens.dns.question_mismatch",
                                msg: "Response question differs from the query's".into(),
                            }),
                        );
                    }
                }
                entry = t.entry;
                if let Some(e) = entry.and_then(|i| f.queries.get_mut(i)) {
                    e.response_frame = Some(frame);
                    e.response_ms = Some(ms(dt));
                    e.unanswered = false;
                }
            }
            Some(t) => {
                let orig = t.rep_frame.unwrap_or(0);
                retransmission_nodes(&mut nodes, Retransmitted::Response, orig);
                lessons = false;
            }
            None => {
                nodes.push(AnnotNode::value("dns.unsolicited", "Unsolicited", Value::Bool(true)));
                let name = q
                    .map(|q| q.name.text.clone())
                    .or_else(|| msg.answers().next().map(|r| r.name.text.clone()))
                    .unwrap_or_default();
                let qtype = q
                    .map(|q| q.qtype)
                    .or_else(|| msg.answers().next().map(|r| r.rtype))
                    .map(tables::type_name)
                    .unwrap_or_default();
                entry = f.push_entry(DnsQuery {
                    name,
                    qtype,
                    id: h.id,
                    response_frame: Some(frame),
                    unsolicited: true,
                    ..DnsQuery::default()
                });
            }
        }
        if let Some(e) = entry.and_then(|i| f.queries.get_mut(i)) {
            e.rcode = Some(rcode_text(msg.rcode()));
            e.truncated = h.tc();
            e.authoritative = h.aa();
            e.recursion_available = h.ra();
            e.answers = msg
                .answers()
                .take(MAX_ANSWERS)
                .map(|r| format!("{} {}", tables::type_name(r.rtype), d::rdata_text(m, r)))
                .collect();
        }
        if h.tc() && !tcp {
            if let Some(qk) = qkey.clone() {
                if self.truncated.len() >= MAX_TRUNCATED {
                    self.truncated.pop_front();
                }
                self.truncated.push_back(Truncated {
                    client: at.client.ip(),
                    server: at.server.ip(),
                    qkey: qk,
                    link: DnsLink {
                        proto: "udp",
                        flow: at.flow,
                        frame,
                    },
                    entry,
                    ns: ts,
                });
            }
        }
        if lessons {
            let mut notes = Vec::new();
            self.lessons(flavor, tcp, &msg, m, frame, &mut notes);
            if !notes.is_empty() {
                let mut n = AnnotNode::text("wirelens.dns", "What this answer shows");
                n.children = notes;
                nodes.push(n);
            }
        }
        nodes
    }

    #[allow(clippy::too_many_arguments)]
    fn query(
        &mut self,
        key: FlowKey,
        at: &DnsWhere,
        flavor: Flavor,
        msg: &Message,
        frame: u64,
        ts: i64,
        nodes: &mut Vec<AnnotNode>,
    ) {
        let h = msg.header;
        let q = msg.questions.first();
        let qkey = q.map(|q| (q.name.key(), q.qtype));
        let f = self.flow_mut(key, flavor);
        let latest = f.txns.iter_mut().rev().find(|t| t.id == h.id);
        if let Some(t) = latest {
            if t.rep_frame.is_none() && ts.saturating_sub(t.req_ns) < RETRANSMIT_NS {
                let orig = t.req_frame;
                retransmission_nodes(nodes, Retransmitted::Request, orig);
                let waited = ts.saturating_sub(t.req_ns);
                nodes.push(text(
                    "wirelens.dns.retransmission",
                    format!(
                        "Retransmitted query: no answer came within {:.3} s, so the client asked again with the same id; the first answer to arrive will be paired with the original query",
                        ms(waited) / 1000.0
                    ),
                ));
                if let Some(e) = t.entry.and_then(|i| f.queries.get_mut(i)) {
                    e.retransmissions = e.retransmissions.saturating_add(1);
                }
                return;
            }
        }
        let entry = f.push_entry(DnsQuery {
            name: q.map(|q| q.name.text.clone()).unwrap_or_default(),
            qtype: q.map(|q| tables::type_name(q.qtype)).unwrap_or_default(),
            id: h.id,
            query_frame: Some(frame),
            unanswered: true,
            ..DnsQuery::default()
        });
        f.push_txn(Txn {
            id: h.id,
            qkey: qkey.clone(),
            req_frame: frame,
            req_ns: ts,
            rep_frame: None,
            entry,
        });
        // A TCP query may retry a truncated UDP answer.
        if !key.0 {
            return;
        }
        let Some(qk) = qkey else { return };
        let (c, s) = (at.client.ip(), at.server.ip());
        self.truncated.retain(|t| ts.saturating_sub(t.ns) < TCP_RETRY_NS);
        let Some(i) = self
            .truncated
            .iter()
            .rposition(|t| t.client == c && t.server == s && t.qkey == qk)
        else {
            return;
        };
        let Some(t) = self.truncated.remove(i) else { return };
        let here = DnsLink {
            proto: "tcp",
            flow: at.flow,
            frame,
        };
        if let Some(e) = t.entry.and_then(|i| {
            self.flows
                .get_mut(&(false, t.link.flow))
                .and_then(|f| f.queries.get_mut(i))
        }) {
            e.retried_over_tcp = Some(here);
        }
        if let Some(e) = entry.and_then(|i| self.flows.get_mut(&key).and_then(|f| f.queries.get_mut(i))) {
            e.retry_of = Some(t.link);
        }
        nodes.push(
            frame_node("wirelens.dns.tcp_retry_of", "Retry over TCP of the truncated answer in", t.link.frame).with_text(
                format!(
                    "{} (UDP flow {}, {:.3} s earlier): the UDP answer had TC set, so the client asks the same question again over TCP, where the whole answer fits",
                    t.link.frame,
                    t.link.flow,
                    ms(ts.saturating_sub(t.ns)) / 1000.0
                ),
            ),
        );
    }

    fn lessons(&mut self, flavor: Flavor, tcp: bool, msg: &Message, m: &[u8], frame: u64, out: &mut Vec<AnnotNode>) {
        let h = msg.header;
        let rc = msg.rcode();
        let q = msg.questions.first();
        let qname = q.map(|q| q.name.text.as_str()).unwrap_or("the name");
        let qtype = q.map(|q| tables::type_name(q.qtype)).unwrap_or_default();
        let answers: Vec<&Record> = msg.answers().collect();
        match rc {
            1 => out.push(text(
                "wirelens.dns.rcode",
                "FORMERR (rcode 1): the server could not parse the query, or does not support something in it (often EDNS)",
            )),
            2 => out.push(text(
                "wirelens.dns.rcode",
                format!("SERVFAIL (rcode 2): the server failed to complete the lookup of {qname}: the authoritative servers did not answer or answered wrongly, or DNSSEC validation failed. It says nothing about whether the name exists; a client may try another server"),
            )),
            3 => out.push(text(
                "wirelens.dns.rcode",
                format!("NXDOMAIN (rcode 3): {qname} does not exist: no record of any type exists for this name. A definite negative answer, which resolvers cache for the time the zone's SOA gives (RFC 2308)"),
            )),
            4 => out.push(text(
                "wirelens.dns.rcode",
                "NOTIMP (rcode 4): the server does not implement this kind of query (its opcode)",
            )),
            5 => out.push(text(
                "wirelens.dns.rcode",
                format!("REFUSED (rcode 5): the server will not answer this query by policy: it is not a resolver for this client or does not serve the zone of {qname}"),
            )),
            16..=4095 => {
                let name = tables::rcode_mnemonic(rc).unwrap_or("an extended code");
                out.push(text(
                    "wirelens.dns.rcode",
                    format!("{name} (rcode {rc}): an extended response code, made of the header's 4 bits and 8 more in the EDNS OPT record"),
                ));
            }
            _ => {}
        }
        if rc == 0 && answers.is_empty() && h.opcode() == 0 && !msg.questions.is_empty() {
            let ns = msg.section(Section::Authority).filter(|r| r.rtype == 2).count();
            let soa = msg.section(Section::Authority).any(|r| r.rtype == 6);
            if ns > 0 && !h.aa() {
                out.push(text(
                    "wirelens.dns.referral",
                    format!("Referral: no answer, but {ns} name servers of a zone closer to {qname}: an iterative resolver asks one of them next"),
                ));
            } else {
                out.push(text(
                    "wirelens.dns.nodata",
                    format!(
                        "NOERROR with no answer (NODATA): {qname} exists but has no {qtype} record{}",
                        if soa {
                            "; the SOA in the authority section says how long to cache that"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        if flavor == Flavor::Dns && h.opcode() == 0 {
            let rec = match (h.rd(), h.ra()) {
                (true, true) => "Recursive answer: the client set RD (recursion desired) and the server has RA (recursion available): a recursive resolver looked the name up for the client, asking other servers as needed",
                (true, false) => "Recursion desired but not available (RA=0): this server does not recurse for the client, so it answers from its own zones only, or refers onwards: an iterative answer",
                (false, _) => "Iterative query (RD=0): the client did not ask for recursion, as a resolver does when it walks the hierarchy itself; the server answers from its own zones or refers onwards",
            };
            out.push(text("wirelens.dns.recursion", rec));
            if !answers.is_empty() {
                out.push(text(
                    "wirelens.dns.authority",
                    if h.aa() {
                        format!("Authoritative answer (AA): from a server that holds the zone of {qname}; its TTLs are the zone's full values")
                    } else {
                        "Not authoritative: the answer comes from a cache (a resolver's copy); its TTLs tell how much longer the copy stays valid".to_string()
                    },
                ));
            }
        }
        if h.tc() {
            let edns = msg.opt().map(|o| o.udp_size());
            out.push(text(
                "wirelens.dns.truncated",
                if tcp {
                    "TC set over TCP: the answer is incomplete even though TCP has no size limit".to_string()
                } else {
                    format!(
                        "Truncated (TC): the answer ({} bytes here) did not fit in the UDP size the query allowed ({}); the client should ask again over TCP",
                        m.len(),
                        match edns {
                            Some(s) => format!("the server offers {s} bytes with EDNS"),
                            None => "512 bytes without EDNS".to_string(),
                        }
                    )
                },
            ));
        }
        // Several addresses for one name: load balancing, and its rotation.
        let mut groups: Vec<(String, u16, Vec<String>)> = Vec::new();
        for r in &answers {
            let addr = match &r.data {
                Rdata::A(a) => a.to_string(),
                Rdata::Aaaa(a) => a.to_string(),
                _ => continue,
            };
            let k = r.name.key();
            match groups.iter_mut().find(|g| g.0 == k && g.1 == r.rtype) {
                Some(g) => g.2.push(addr),
                None => groups.push((k, r.rtype, vec![addr])),
            }
        }
        for (name, ty, addrs) in groups {
            let tname = tables::type_name(ty);
            if addrs.len() >= 2 {
                out.push(text(
                    "wirelens.dns.load_balancing",
                    format!(
                        "DNS load balancing: {} {tname} records for {name} ({}); clients usually try the first and fall back to the others",
                        addrs.len(),
                        addrs.join(", ")
                    ),
                ));
            }
            let key = (name.clone(), ty);
            match self.rotation.get_mut(&key) {
                Some(prev) => {
                    let mut a = prev.order.clone();
                    let mut b = addrs.clone();
                    a.sort();
                    b.sort();
                    if a == b && prev.order != addrs && addrs.len() >= 2 {
                        out.push(text(
                            "wirelens.dns.rotation",
                            format!(
                                "Round-robin: the same {} addresses as in frame {}, in another order (was {}); the server rotates them so clients spread over all of them",
                                addrs.len(),
                                prev.frame,
                                prev.order.join(", ")
                            ),
                        ));
                    }
                    prev.order = addrs;
                    prev.frame = frame;
                }
                None => {
                    if self.rotation.len() >= MAX_ROTATION {
                        if let Some(old) = self.rotation_order.pop_front() {
                            self.rotation.remove(&old);
                        }
                    }
                    self.rotation_order.push_back(key.clone());
                    self.rotation.insert(key, Rotation { order: addrs, frame });
                }
            }
        }
        if let Some(chain) = cname_chain(msg) {
            out.push(text("wirelens.dns.cname_chain", chain));
        }
    }
}

/// `CNAME chain: a -> b -> c -> 192.0.2.1, 192.0.2.2`, from the question's name.
fn cname_chain(msg: &Message) -> Option<String> {
    let q = msg.questions.first()?;
    let answers: Vec<&Record> = msg.answers().collect();
    let mut cur = q.name.key();
    let mut steps = vec![q.name.text.clone()];
    let mut seen = vec![cur.clone()];
    while steps.len() <= MAX_CHAIN {
        let next = answers.iter().find_map(|r| match &r.data {
            Rdata::Name(n) if r.rtype == 5 && r.name.key() == cur => Some(n),
            _ => None,
        });
        let Some(n) = next else { break };
        cur = n.key();
        steps.push(n.text.clone());
        if seen.contains(&cur) {
            return Some(format!(
                "CNAME loop: {} leads back to a name already seen: the name cannot be resolved",
                steps.join(" -> ")
            ));
        }
        seen.push(cur.clone());
    }
    if steps.len() < 2 {
        return None;
    }
    let addrs: Vec<String> = answers
        .iter()
        .filter(|r| r.name.key() == cur)
        .filter_map(|r| match &r.data {
            Rdata::A(a) => Some(a.to_string()),
            Rdata::Aaaa(a) => Some(a.to_string()),
            _ => None,
        })
        .collect();
    let mut s = format!("CNAME chain: {}", steps.join(" -> "));
    if addrs.is_empty() {
        s.push_str(" (no address for the last name in this answer: the resolver must look it up)");
    } else {
        let _ = write!(s, " -> {}", addrs.join(", "));
        s.push_str(": the name the client asked for is an alias; the addresses belong to the canonical name");
    }
    Some(s)
}

/// DNS over one TCP connection: 2-byte length, message, repeated (RFC 1035 section 4.2.2).
#[derive(Debug)]
pub struct DnsTcp {
    book: Rc<RefCell<DnsBook>>,
    at: DnsWhere,
    out: Vec<AppPdu>,
    /// Messages seen per side.
    seen: [u64; 2],
    /// Bytes to skip per side after a gap left it out of step.
    lost: [bool; 2],
}

impl DnsTcp {
    pub fn new(book: Rc<RefCell<DnsBook>>, at: DnsWhere) -> Self {
        DnsTcp {
            book,
            at,
            out: Vec::new(),
            seen: [0; 2],
            lost: [false; 2],
        }
    }
}

impl Drop for DnsTcp {
    fn drop(&mut self) {
        if let Ok(mut b) = self.book.try_borrow_mut() {
            b.end_tcp_flow(self.at.flow);
        }
    }
}

/// How many bytes of `c.data[from..to]` each frame carried, in stream order.
fn segments(c: &Chunk<'_>, from: usize, to: usize) -> Vec<(u64, u32)> {
    let (a, b) = (c.offset + from as u64, c.offset + to as u64);
    let mut out: Vec<(u64, u32)> = Vec::new();
    for &(o, l, f) in c.frames {
        let (s, e) = (o.max(a), (o + u64::from(l)).min(b));
        if s >= e {
            continue;
        }
        let n = u32::try_from(e - s).unwrap_or(u32::MAX);
        match out.last_mut() {
            Some(last) if last.0 == f => last.1 = last.1.saturating_add(n),
            _ => out.push((f, n)),
        }
    }
    out
}

/// Whether a length prefix and the 12 bytes after it can start a DNS
/// message: an assigned opcode, a handful of questions at most, and room in
/// `len` bytes for the questions and records the header counts (5 and 11
/// bytes at least each).
fn plausible(len: usize, h: &[u8]) -> bool {
    let w = |o| d::wire::u16_at(h, o).map(usize::from).unwrap_or(usize::MAX / 64);
    let opcode = (w(2) >> 11) & 0xf;
    let (qd, an, ns, ar) = (w(4), w(6), w(8), w(10));
    len >= d::wire::HEADER_LEN
        && matches!(opcode, 0..=2 | 4..=6)
        && qd <= 16
        && qd * 5 + (an + ns + ar) * 11 <= len - d::wire::HEADER_LEN
}

impl StreamDissector for DnsTcp {
    fn feed(&mut self, c: &Chunk<'_>) -> Feed {
        let side = c.side.index();
        let Some(len) = d::wire::u16_at(c.data, 0) else {
            return Feed::NeedMore(2usize.saturating_sub(c.data.len()));
        };
        let len = usize::from(len);
        // The first message of each side decides whether this is DNS at all.
        let first = self.seen.get(side).copied().unwrap_or(0) == 0 && !self.lost.get(side).copied().unwrap_or(false);
        if first {
            let Some(h) = c.data.get(2..2 + d::wire::HEADER_LEN) else {
                return Feed::NeedMore(2 + d::wire::HEADER_LEN - c.data.len());
            };
            if !plausible(len, h) {
                return Feed::NotMine;
            }
        }
        let total = 2 + len;
        if c.data.len() < total {
            return Feed::NeedMore(total - c.data.len());
        }
        let bytes = c.data.get(..total).unwrap_or(c.data);
        let m = bytes.get(2..).unwrap_or(&[]);
        if let Some(s) = self.seen.get_mut(side) {
            *s += 1;
        }
        let from_client = c.side == Side::Client;
        let nodes = match self.book.try_borrow_mut() {
            Ok(mut b) => {
                let flavor = Flavor::Dns;
                b.message((true, self.at.flow), &self.at, flavor, m, c.now_frame, c.now_ns)
            }
            Err(_) => Vec::new(),
        };
        self.out.push(AppPdu {
            proto: AppProto::DnsTcp,
            bytes: PduBytes::Reassembled(Arc::from(bytes)),
            from_client,
            stream_offset: c.offset,
            segments: segments(c, 0, total),
            nodes,
            info_suffix: None,
        });
        Feed::Consumed(total)
    }

    fn gap(&mut self, side: Side, _offset: u64, _len: u64) {
        if let Some(l) = self.lost.get_mut(side.index()) {
            *l = true;
        }
    }
}

impl AppStream for DnsTcp {
    fn take_pdus(&mut self, out: &mut Vec<AppPdu>) {
        out.append(&mut self.out);
    }

    fn summarize(&self, s: &mut FlowSummary) {
        s.app = Some("dns".into());
        if let Ok(b) = self.book.try_borrow() {
            b.summarize_key((true, self.at.flow), s);
            s.app = Some("dns".into());
        }
        if s.dns.is_none() {
            s.dns = Some(Vec::new());
        }
    }
}

#[cfg(test)]
mod tests;
