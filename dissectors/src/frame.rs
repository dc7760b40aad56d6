//! Whole-frame dissection: link -> ARP | IPv4/IPv6 (-> fragment reassembly)
//! -> ICMP | ICMPv6 | UDP | TCP, then the field tree and the summary columns.
//!
//! Between the link layer and the innermost network layer a frame may carry
//! encapsulations ([`crate::tunnel`]: GRE, ERSPAN, VXLAN, Geneve, MPLS,
//! PPPoE, PPP, L2TP, IP in IP, PIM Register, Teredo, GTP-U, 802.1ah, MACsec,
//! NSH...). The walk over them is a loop bounded by
//! [`crate::tunnel::MAX_DEPTH`]; every outer layer is kept in
//! [`Decoded::encap`] in wire order, and `ip` / `transport` stay the
//! innermost ones, which the engine keys its flows on.
//!
//! Decoding is split from tree building: [`Decoder::decode`] gives typed
//! layers (what the engine needs on the hot path); [`build_tree`] turns them
//! plus the engine's [`Annotations`] into a tree, when someone looks.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::annot::{Anchor, Annotations, PduBytes};
use crate::app;
use crate::error::{DissectError, ErrorKind, Severity};
use crate::link::arp::{self, Arp};
use crate::link::{self, Link, LinkKind, Next};
use crate::net::frag::{FragKey, FragLimits, FragOutcome, Reassembled, Reassembler};
use crate::net::icmp::{self, Icmp};
use crate::net::icmpv6::{self, Icmpv6};
use crate::net::ipv4::{self, Ipv4};
use crate::net::ipv6::{self, Ipv6};
use crate::transport::tcp::{self, Tcp, TcpCtx};
use crate::transport::udp::{self, Udp, UdpCtx};
use crate::tree::{write_duration, write_mac, NodeId, Source, Tree, Value};
use crate::tunnel::{self, Encap, Layer};
use crate::util::{fold, pseudo_v4, pseudo_v6, sum_words, ChecksumStatus};

/// What the capture says about a frame.
#[derive(Clone, Debug, Default)]
pub struct FrameMeta {
    /// 1-based frame number.
    pub number: u64,
    pub ts_secs: i64,
    pub ts_nanos: u32,
    /// Time since the first frame, in nanoseconds.
    pub rel_ns: i64,
    /// Time since the previous frame, in nanoseconds.
    pub delta_ns: i64,
    pub caplen: u32,
    pub origlen: u32,
    pub linktype: u32,
    pub iface: u32,
    pub comments: Vec<String>,
}

impl FrameMeta {
    pub fn ts_ns(&self) -> i64 {
        self.ts_secs
            .saturating_mul(1_000_000_000)
            .saturating_add(i64::from(self.ts_nanos))
    }
}

/// The network layer of a frame.
#[derive(Clone, Debug)]
pub enum Ip {
    V4(Ipv4),
    V6(Ipv6),
}

impl Ip {
    pub fn src(&self) -> IpAddr {
        match self {
            Ip::V4(h) => IpAddr::V4(h.src),
            Ip::V6(h) => IpAddr::V6(h.src),
        }
    }
    /// The final destination (after a source route), as Wireshark's `ip.dst`.
    pub fn dst(&self) -> IpAddr {
        match self {
            Ip::V4(h) => IpAddr::V4(h.shown_dst()),
            Ip::V6(h) => IpAddr::V6(h.dst),
        }
    }
    /// The upper-layer protocol number.
    pub fn proto(&self) -> u8 {
        match self {
            Ip::V4(h) => h.proto,
            Ip::V6(h) => h.upper,
        }
    }
    pub fn payload(&self) -> std::ops::Range<usize> {
        match self {
            Ip::V4(h) => h.payload.clone(),
            Ip::V6(h) => h.payload.clone(),
        }
    }
    /// Upper-layer bytes on the wire (may exceed what was captured).
    pub fn wire_payload_len(&self) -> usize {
        match self {
            Ip::V4(h) => h.wire_payload_len,
            Ip::V6(h) => h.wire_payload_len,
        }
    }
    pub fn trailer(&self) -> std::ops::Range<usize> {
        match self {
            Ip::V4(h) => h.trailer.clone(),
            Ip::V6(h) => h.trailer.clone(),
        }
    }
    pub fn ttl(&self) -> u8 {
        match self {
            Ip::V4(h) => h.ttl,
            Ip::V6(h) => h.hlim,
        }
    }
}

/// The transport layer of a frame.
#[derive(Clone, Debug)]
pub enum Transport {
    Tcp(Tcp),
    Udp(Udp),
    Icmp(Icmp),
    Icmpv6(Icmpv6),
}

/// What happened to an IP fragment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FragState {
    #[default]
    NotFragment,
    /// Held until the rest arrives.
    Held,
    /// This frame completed a datagram; its transport is dissected from it.
    Completed,
    /// Could not be reassembled.
    Dropped(&'static str),
}

/// Typed layers of one frame.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub link: Link,
    pub arp: Option<Arp>,
    pub ip: Option<Ip>,
    pub frag: FragState,
    pub transport: Option<Transport>,
    /// Data source of the transport layer: 0 the frame, 1 the reassembled datagram.
    pub tsrc: u16,
    pub reassembled: Option<Reassembled>,
    /// Transport checksum, verified with the pseudo-header when fully captured.
    pub l4_checksum: ChecksumStatus,
    /// A layer whose header was cut short and parsed from a zero-padded copy
    /// (only its captured fields are shown; the engine must not use it).
    pub partial: Option<&'static str>,
    pub errors: Vec<DissectError>,
    /// Captured length of the frame.
    pub captured: usize,
    /// The outer layers between the link layer and `ip` / `arp`, in wire
    /// order (tunnels, label stacks, PPPoE, inner Ethernet frames...).
    /// `ip` and `transport` are always the innermost ones.
    pub encap: Vec<Layer>,
    /// The captured end of the bytes the innermost layers were parsed from
    /// (the frame, or an outer layer's payload).
    pub inner_end: usize,
    /// Where those bytes end on the wire.
    pub inner_wire_end: usize,
    /// What the last layer dissected carries when nothing more was
    /// dissected from it (an ethertype, or nothing).
    pub next: Next,
    /// An Authentication Header between the innermost IPv4 header and its
    /// transport (over IPv6 it is one of the extension headers).
    pub ah: Option<ipv6::ExtHeader>,
}

impl Decoded {
    /// The TCP header, when its fixed 20 bytes were captured (options may
    /// be cut short or the data offset bogus: the engine still tracks it).
    pub fn tcp(&self) -> Option<&Tcp> {
        match &self.transport {
            Some(Transport::Tcp(t)) if self.partial.is_none() || (self.tsrc == 0 && self.inner_end >= t.off + 20) => {
                Some(t)
            }
            _ => None,
        }
    }
    pub fn udp(&self) -> Option<&Udp> {
        match &self.transport {
            Some(Transport::Udp(u)) if self.partial.is_none() => Some(u),
            _ => None,
        }
    }
    /// The bytes the transport was dissected from.
    pub fn transport_data<'a>(&'a self, frame: &'a [u8]) -> &'a [u8] {
        match (&self.reassembled, self.tsrc) {
            (Some(r), 1) => &r.data,
            _ => frame,
        }
    }
    /// Payload above TCP or UDP, in the transport's data source.
    pub fn l4_payload<'a>(&'a self, frame: &'a [u8]) -> &'a [u8] {
        let data = self.transport_data(frame);
        let r = match &self.transport {
            Some(Transport::Tcp(t)) => t.payload.clone(),
            Some(Transport::Udp(u)) => u.payload.clone(),
            _ => 0..0,
        };
        data.get(r).unwrap_or(&[])
    }
}

/// Stateful decoder: holds the IP fragments waiting for their datagram.
pub struct Decoder {
    frag: Reassembler,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(FragLimits::default())
    }
}

/// Parses a header that was cut short from a zero-padded copy, so the
/// fields that were captured can still be shown.
fn padded<T>(data: &[u8], upto: usize, f: impl Fn(&[u8]) -> Result<T, DissectError>) -> Option<T> {
    padded_with(data, upto, &[], f)
}

/// Like [`padded`], with bytes that replace the zero padding where a zero
/// would make the header unparseable (a version nibble, a header length).
fn padded_with<T>(
    data: &[u8],
    upto: usize,
    patch: &[(usize, u8)],
    f: impl Fn(&[u8]) -> Result<T, DissectError>,
) -> Option<T> {
    let mut v = data.to_vec();
    if v.len() < upto {
        v.resize(upto, 0);
    }
    for &(at, b) in patch {
        if at >= data.len() {
            if let Some(x) = v.get_mut(at) {
                *x = b;
            }
        }
    }
    f(&v).ok()
}

/// A TCP header whose data offset is impossible (below 20 bytes): the fixed
/// fields are shown as they are, with the bad length and no options.
fn tcp_bad_offset(data: &[u8], off: usize, wire_end: usize) -> Option<Tcp> {
    let b = *data.get(off + 12)?;
    let mut v = data.to_vec();
    if v.len() < off + 20 {
        v.resize(off + 20, 0);
    }
    *v.get_mut(off + 12)? = 0x50 | (b & 0x0f);
    let mut t = tcp::parse(&v, off, (off + 20).max(wire_end), (off + 20).max(wire_end)).ok()?;
    t.hdr_len = usize::from(b >> 4) * 4;
    t.options.clear();
    t.payload = off + 20..off + 20;
    t.wire_len = 0;
    Some(t)
}

impl Decoder {
    pub fn new(limits: FragLimits) -> Self {
        Decoder {
            frag: Reassembler::new(limits),
        }
    }

    /// Fragments currently held (bytes, datagrams).
    pub fn held(&self) -> (usize, usize) {
        (self.frag.held_bytes(), self.frag.held_datagrams())
    }

    /// Decodes a frame, reassembling IP fragments across calls.
    pub fn decode(&mut self, meta: &FrameMeta, data: &[u8]) -> Decoded {
        self.decode_inner(meta, data, None)
    }

    /// Decodes a frame on its own, using an already reassembled datagram
    /// from the annotations when the frame completed one.
    pub fn decode_alone(meta: &FrameMeta, data: &[u8], ann: &Annotations) -> Decoded {
        let mut d = Decoder::new(FragLimits {
            max_datagrams: 0,
            max_bytes: 0,
            timeout_ns: 0,
        });
        d.decode_inner(meta, data, Some(ann))
    }

    fn decode_inner(&mut self, meta: &FrameMeta, data: &[u8], ann: Option<&Annotations>) -> Decoded {
        let link = link::parse_link(meta.linktype, data);
        let wire = (meta.origlen as usize).max(data.len());
        let mut d = Decoded {
            arp: None,
            ip: None,
            frag: FragState::NotFragment,
            transport: None,
            tsrc: 0,
            reassembled: None,
            l4_checksum: ChecksumStatus::Unverified,
            partial: None,
            errors: Vec::new(),
            captured: data.len(),
            encap: Vec::new(),
            inner_end: data.len(),
            inner_wire_end: wire,
            next: link.next,
            ah: None,
            link,
        };
        if let Some(e) = d.link.error {
            d.errors.push(e);
        }
        let mut cur = Cursor {
            step: Step::Link(d.link.next),
            off: d.link.payload_off,
            end: data.len(),
            wire_end: wire,
            after_gre: None,
        };
        loop {
            if d.encap.len() >= tunnel::MAX_DEPTH && !matches!(cur.step, Step::Link(Next::Nothing | Next::Ethertype(_)))
            {
                d.errors.push(DissectError::malformed(
                    "Encapsulation",
                    "too many nested encapsulations",
                    cur.off,
                ));
                d.next = Next::Nothing;
                break;
            }
            let bytes = data.get(..cur.end).unwrap_or(data);
            match self.step(meta, bytes, &mut d, &mut cur, ann) {
                Flow::Continue => {}
                Flow::Stop => break,
            }
        }
        d
    }

    /// Dissects the layer `cur` points at: the innermost layers end the
    /// walk, an outer one is kept in `d.encap` and moves the cursor on.
    fn step(
        &mut self,
        meta: &FrameMeta,
        data: &[u8],
        d: &mut Decoded,
        cur: &mut Cursor,
        ann: Option<&Annotations>,
    ) -> Flow {
        let off = cur.off;
        let after_gre = cur.after_gre.take();
        let layer = |encap: Encap, cur: &Cursor| Layer {
            encap,
            end: cur.end,
            wire_end: cur.wire_end,
        };
        match cur.step {
            Step::Link(Next::Nothing) => {
                d.next = Next::Nothing;
                Flow::Stop
            }
            Step::Link(Next::Arp) => {
                d.inner_end = cur.end;
                d.inner_wire_end = cur.wire_end;
                match arp::parse(data, off) {
                    Ok(a) => d.arp = Some(a),
                    Err(e) => {
                        if e.kind == ErrorKind::Truncated {
                            d.arp = padded(data, off + 28, |p| arp::parse(p, off));
                            d.partial = Some("ARP");
                        }
                        d.errors.push(e);
                    }
                }
                Flow::Stop
            }
            Step::Link(Next::Ipv4) if data.get(off).is_some_and(|b| b >> 4 == 6) => {
                // Wireshark's IPv4 dissector hands a version-6 packet on to IPv6.
                d.encap.push(layer(Encap::Ipv4Version6(off), cur));
                cur.step = Step::Link(Next::Ipv6);
                Flow::Continue
            }
            Step::Link(Next::Ipv4) | Step::Link(Next::Ipv6) => {
                let v4 = cur.step == Step::Link(Next::Ipv4);
                let parsed = if v4 {
                    ipv4::parse(data, off).map(Ip::V4)
                } else {
                    ipv6::parse(data, off).map(Ip::V6)
                };
                match parsed {
                    Ok(ip) => {
                        let walk_ok = match &ip {
                            Ip::V6(h) => {
                                if let Some(e) = h.error {
                                    d.errors.push(e);
                                }
                                h.error.is_none()
                            }
                            Ip::V4(_) => true,
                        };
                        if walk_ok {
                            if let Some(tn) = ip_tunnel(&ip, data, cur) {
                                let payload = ip.payload();
                                d.encap.push(layer(Encap::Ip(ip), cur));
                                cur.off = payload.start;
                                cur.end = tn.end;
                                cur.wire_end = tn.wire_end;
                                if let Some(x) = tn.ah {
                                    cur.off = x.off.saturating_add(x.len);
                                    d.encap.push(layer(Encap::Ah(x), cur));
                                }
                                if let Some((u, ck, uend, uwire)) = tn.udp {
                                    cur.off = u.payload.start;
                                    d.encap.push(layer(Encap::Udp(u, ck), cur));
                                    cur.end = uend;
                                    cur.wire_end = uwire;
                                }
                                cur.step = tn.step;
                                return Flow::Continue;
                            }
                        }
                        d.ip = Some(ip);
                        d.inner_end = cur.end;
                        d.inner_wire_end = cur.wire_end;
                        if walk_ok {
                            self.upper(meta, data, cur.wire_end, d, ann);
                        }
                    }
                    Err(e) => {
                        d.inner_end = cur.end;
                        d.inner_wire_end = cur.wire_end;
                        if e.kind == ErrorKind::Truncated {
                            d.ip = if v4 {
                                padded_with(data, off + 60, &[(off, 0x45)], |p| ipv4::parse(p, off)).map(|mut h| {
                                    h.checksum_status = ChecksumStatus::Unverified;
                                    Ip::V4(h)
                                })
                            } else {
                                padded_with(data, off + 40, &[(off, 0x60)], |p| ipv6::parse(p, off)).map(Ip::V6)
                            };
                            d.partial = Some(if v4 { "IPv4" } else { "IPv6" });
                        }
                        d.errors.push(e);
                    }
                }
                Flow::Stop
            }
            Step::Link(Next::Ethertype(et)) => match ethertype_step(et, after_gre) {
                Some(s) => {
                    cur.step = s;
                    Flow::Continue
                }
                None => {
                    d.next = Next::Ethertype(et);
                    Flow::Stop
                }
            },
            Step::Eth => {
                let l = link::ethernet::parse_link_at(data, off);
                let (next, poff, err) = (l.next, l.payload_off, l.error);
                d.encap.push(layer(Encap::Link(l), cur));
                if let Some(e) = err {
                    d.errors.push(e);
                }
                cur.off = poff;
                cur.step = Step::Link(next);
                Flow::Continue
            }
            Step::Gre => {
                let mut g = match tunnel::Gre::parse(data, off) {
                    Ok(g) => g,
                    Err(e) => {
                        return Self::partial_layer(
                            d,
                            cur,
                            data,
                            e,
                            |b| tunnel::Gre::parse(b, off).ok().map(Encap::Gre),
                            off + 64,
                        )
                    }
                };
                let complete = cur.end >= cur.wire_end;
                g.verify(data, cur.end, complete);
                cur.off = off.saturating_add(g.hdr_len);
                cur.after_gre = Some(g.has_seq());
                cur.step = if g.proto == tunnel::gre::ETHERTYPE_PPP {
                    Step::Ppp
                } else {
                    Step::Link(g.next())
                };
                d.encap.push(layer(Encap::Gre(g), cur));
                Flow::Continue
            }
            Step::Erspan1 => {
                d.encap.push(layer(Encap::Erspan(tunnel::Erspan::type1(off)), cur));
                cur.step = Step::Eth;
                Flow::Continue
            }
            Step::Erspan(three) => match tunnel::Erspan::parse(data, off, three) {
                Ok(s) => {
                    cur.off = off.saturating_add(s.hdr_len);
                    cur.step = match s.next() {
                        Next::Nothing => Step::Link(Next::Nothing),
                        _ => Step::Eth,
                    };
                    d.encap.push(layer(Encap::Erspan(s), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Erspan::parse(b, off, three).ok().map(Encap::Erspan),
                    off + 20,
                ),
            },
            Step::Cmd(gre) => match tunnel::CiscoMeta::parse(data, off, gre) {
                Ok(c) => {
                    cur.off = off.saturating_add(tunnel::CiscoMeta::LEN);
                    cur.step = Step::Link(link::ethertype_next(c.etype));
                    d.encap.push(layer(Encap::CiscoMeta(c), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::CiscoMeta::parse(b, off, gre).ok().map(Encap::CiscoMeta),
                    off + 8,
                ),
            },
            Step::Vxlan => match tunnel::Vxlan::parse(data, off) {
                Ok(v) => {
                    cur.off = off.saturating_add(tunnel::Vxlan::LEN);
                    cur.step = Step::Eth;
                    d.encap.push(layer(Encap::Vxlan(v), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Vxlan::parse(b, off).ok().map(Encap::Vxlan),
                    off + 8,
                ),
            },
            Step::VxlanGpe => match tunnel::VxlanGpe::parse(data, off) {
                Ok(v) => {
                    cur.off = off.saturating_add(tunnel::VxlanGpe::LEN);
                    cur.step = gpe_step(v.next_proto);
                    d.encap.push(layer(Encap::VxlanGpe(v), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::VxlanGpe::parse(b, off).ok().map(Encap::VxlanGpe),
                    off + 8,
                ),
            },
            Step::Nsh => match tunnel::Nsh::parse(data, off) {
                Ok(n) => {
                    cur.off = off.saturating_add(n.hdr_len);
                    cur.step = gpe_step(n.next_proto);
                    d.encap.push(layer(Encap::Nsh(n), cur));
                    Flow::Continue
                }
                Err(e) => {
                    let fix = |b: &[u8]| {
                        let mut v = b.to_vec();
                        if let Some(x) = v.get_mut(off + 1) {
                            *x = (*x & 0xc0) | 2;
                        }
                        tunnel::Nsh::parse(&v, off).ok().map(Encap::Nsh)
                    };
                    Self::partial_layer(d, cur, data, e, fix, off + 8)
                }
            },
            Step::Geneve => match tunnel::Geneve::parse(data, off) {
                Ok(g) => {
                    cur.off = off.saturating_add(g.hdr_len());
                    cur.step = Step::Link(g.next());
                    d.encap.push(layer(Encap::Geneve(g), cur));
                    Flow::Continue
                }
                Err(e) => {
                    let fix = |b: &[u8]| {
                        let mut v = b.to_vec();
                        if let Some(x) = v.get_mut(off) {
                            *x &= 0xc0;
                        }
                        tunnel::Geneve::parse(&v, off).ok().map(Encap::Geneve)
                    };
                    Self::partial_layer(d, cur, data, e, fix, off + 8)
                }
            },
            Step::L2tp => match tunnel::L2tp::parse(data, off) {
                Ok(l) => {
                    cur.off = off.saturating_add(l.hdr_len);
                    cur.step = if l.carries_ppp() {
                        Step::Ppp
                    } else {
                        Step::Link(Next::Nothing)
                    };
                    d.encap.push(layer(Encap::L2tp(l), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::L2tp::parse(b, off).ok().map(Encap::L2tp),
                    off + 16,
                ),
            },
            Step::Ppp => match tunnel::Ppp::parse(data, off) {
                Ok(p) => {
                    cur.off = off.saturating_add(p.len());
                    cur.step = Step::Link(p.next());
                    d.encap.push(layer(Encap::Ppp(p), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Ppp::parse(b, off).ok().map(Encap::Ppp),
                    off + 4,
                ),
            },
            Step::Pppoe(discovery) => match tunnel::Pppoe::parse(data, off, discovery) {
                Ok(p) => {
                    cur.off = off.saturating_add(tunnel::Pppoe::LEN);
                    let pend = p.payload_end(cur.end);
                    cur.step = if discovery {
                        Step::Link(Next::Nothing)
                    } else {
                        Step::Ppp
                    };
                    d.encap.push(layer(Encap::Pppoe(p), cur));
                    if !discovery && pend >= cur.off {
                        cur.wire_end = cur.wire_end.min(pend.max(cur.end.min(pend)));
                        cur.end = pend;
                    }
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Pppoe::parse(b, off, discovery).ok().map(Encap::Pppoe),
                    off + 6,
                ),
            },
            Step::Mpls => {
                let (m, err) = tunnel::Mpls::parse(data, off);
                let end = m.end();
                let empty = m.labels.is_empty();
                if !empty {
                    d.encap.push(layer(Encap::Mpls(m), cur));
                }
                if let Some(e) = err {
                    d.errors.push(e);
                    return Flow::Stop;
                }
                cur.off = end;
                cur.step = match tunnel::Mpls::payload_kind(data, end) {
                    tunnel::mpls::Payload::Next(n) => Step::Link(n),
                    tunnel::mpls::Payload::PwEthCw => Step::PwEthCw,
                };
                cut_short(d, cur, data, "MPLS payload", 1)
            }
            Step::PwEthCw => match tunnel::PwEthCw::parse(data, off) {
                Ok(c) => {
                    cur.off = off.saturating_add(tunnel::PwEthCw::LEN);
                    cur.step = Step::Eth;
                    d.encap.push(layer(Encap::PwEthCw(c), cur));
                    Flow::Continue
                }
                Err(e) => {
                    d.errors.push(e);
                    Flow::Stop
                }
            },
            Step::VnTag => match tunnel::VnTag::parse(data, off) {
                Ok(v) => {
                    cur.off = v.payload_off;
                    cur.step = Step::Link(v.next());
                    d.encap.push(layer(Encap::VnTag(v), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::VnTag::parse(b, off).ok().map(Encap::VnTag),
                    off + 6,
                ),
            },
            Step::Avsp => match tunnel::Avsp::parse(data, off) {
                Ok(a) => {
                    cur.off = a.payload_off;
                    cur.step = Step::Link(a.next());
                    d.encap.push(layer(Encap::Avsp(a), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Avsp::parse(b, off).ok().map(Encap::Avsp),
                    off + 14,
                ),
            },
            Step::Macsec => match tunnel::Macsec::parse(data, off) {
                Ok(m) => {
                    cur.off = off.saturating_add(m.hdr_len);
                    cur.step = Step::Link(m.next());
                    // The ICV ends the frame on the wire.
                    let icv = cur
                        .wire_end
                        .checked_sub(tunnel::Macsec::ICV_LEN)
                        .filter(|&i| m.readable() && i >= cur.off);
                    d.encap.push(layer(
                        Encap::Macsec(m, icv.filter(|&i| i + tunnel::Macsec::ICV_LEN <= cur.end)),
                        cur,
                    ));
                    if let Some(i) = icv {
                        cur.end = cur.end.min(i);
                        cur.wire_end = i;
                    }
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Macsec::parse(b, off).ok().map(|m| Encap::Macsec(m, None)),
                    off + 16,
                ),
            },
            Step::PimRegister(v4) => match tunnel::PimRegister::parse(data, off, v4) {
                Ok(p) => {
                    cur.off = off.saturating_add(tunnel::PimRegister::LEN);
                    cur.step = Step::Link(tunnel::PimRegister::next(data, cur.off));
                    d.encap.push(layer(Encap::PimRegister(p), cur));
                    cut_short(d, cur, data, "IP", 20)
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::PimRegister::parse(b, off, v4).ok().map(Encap::PimRegister),
                    off + 8,
                ),
            },
            Step::Teredo => match tunnel::Teredo::parse(data, off) {
                Ok(tr) => {
                    cur.off = off.saturating_add(tr.hdr_len);
                    // Teredo carries IPv6 only; anything else is left undissected.
                    cur.step = match data.get(cur.off).map(|b| b >> 4) {
                        Some(6) => Step::Link(Next::Ipv6),
                        _ => Step::Link(Next::Nothing),
                    };
                    d.encap.push(layer(Encap::Teredo(tr), cur));
                    cut_short(d, cur, data, "IPv6", 40)
                }
                Err(e) => {
                    d.errors.push(e);
                    Flow::Stop
                }
            },
            Step::Gtpu => match tunnel::Gtpu::parse(data, off) {
                Ok(g) => {
                    cur.off = off.saturating_add(g.hdr_len);
                    cur.step = Step::Link(g.next(data));
                    let tpdu = g.message == 0xff;
                    d.encap.push(layer(Encap::Gtpu(g), cur));
                    if tpdu {
                        cut_short(d, cur, data, "IP", 20)
                    } else {
                        Flow::Continue
                    }
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Gtpu::parse(b, off).ok().map(Encap::Gtpu),
                    off + 12,
                ),
            },
            Step::Pbb => match tunnel::Pbb::parse(data, off) {
                Ok(p) => {
                    cur.off = p.payload_off;
                    cur.step = Step::Link(p.next());
                    d.encap.push(layer(Encap::Pbb(p), cur));
                    Flow::Continue
                }
                Err(e) => Self::partial_layer(
                    d,
                    cur,
                    data,
                    e,
                    |b| tunnel::Pbb::parse(b, off).ok().map(Encap::Pbb),
                    off + 18,
                ),
            },
        }
    }

    /// A layer whose header was cut short (or is malformed): the fields
    /// that were captured are kept from a zero-padded copy, the error is
    /// recorded, and the walk ends.
    fn partial_layer(
        d: &mut Decoded,
        cur: &Cursor,
        data: &[u8],
        e: DissectError,
        f: impl Fn(&[u8]) -> Option<Encap>,
        upto: usize,
    ) -> Flow {
        if e.kind == ErrorKind::Truncated {
            let v = link::padded(data, 0, upto);
            if let Some(enc) = f(&v) {
                d.encap.push(Layer {
                    encap: enc,
                    end: cur.end,
                    wire_end: cur.wire_end,
                });
            }
        }
        d.errors.push(e);
        d.next = Next::Nothing;
        Flow::Stop
    }

    /// Fragments, then the transport layer. `data` ends where the bytes
    /// holding the IP packet end; `wire_limit` is where they end on the wire.
    fn upper(&mut self, meta: &FrameMeta, data: &[u8], wire_limit: usize, d: &mut Decoded, ann: Option<&Annotations>) {
        let Some(ip) = &d.ip else { return };
        let frag = match ip {
            Ip::V4(h) if h.is_fragment() => Some((h.frag_byte_offset(), h.mf(), u32::from(h.id))),
            Ip::V6(h) => h
                .frag
                .as_ref()
                .filter(|f| f.offset != 0 || f.more)
                .map(|f| (usize::from(f.offset) * 8, f.more, f.id)),
            _ => None,
        };
        let (src, dst, proto) = (ip.src(), ip.dst(), ip.proto());
        // The checksum pseudo-header names the final destination (source
        // route, routing header) and the home address (mobile IPv6).
        let (ck_src, ck_dst) = match ip {
            Ip::V4(h) => (src, IpAddr::V4(h.shown_dst())),
            Ip::V6(h) => {
                let (a, b) = h.checksum_addrs(data);
                (IpAddr::V6(a), IpAddr::V6(b))
            }
        };
        let payload = ip.payload();
        let wire_len = ip.wire_payload_len();
        if let Some((byte_off, more, id)) = frag {
            if let Some(r) = ann.and_then(|a| a.reassembled_ip.clone()) {
                d.frag = FragState::Completed;
                d.reassembled = Some(r);
            } else if ann.is_some() {
                d.frag = FragState::Held;
                return;
            } else if payload.len() < wire_len {
                d.frag = FragState::Dropped("fragment not fully captured");
                return;
            } else {
                let bytes = data.get(payload.clone()).unwrap_or(&[]);
                let key = FragKey { src, dst, id, proto };
                match self.frag.push(key, byte_off, more, bytes, meta.number, meta.ts_ns()) {
                    FragOutcome::Held { .. } => {
                        d.frag = FragState::Held;
                        return;
                    }
                    FragOutcome::Complete(r) => {
                        d.frag = FragState::Completed;
                        d.reassembled = Some(r);
                    }
                    FragOutcome::Dropped(why) => {
                        d.frag = FragState::Dropped(why);
                        return;
                    }
                }
            }
            let Some(r) = &d.reassembled else { return };
            let n = r.data.len();
            d.tsrc = 1;
            let t = transport(&r.data, 0, n, n, proto, ck_src, ck_dst, n);
            apply_transport(d, t);
            return;
        }
        // Where the payload ends on the wire: what the IP header says, but
        // never past the frame's own length on the wire.
        let wire_end = payload.start.saturating_add(wire_len).min(wire_limit.max(payload.end));
        let (mut start, mut proto, mut wire_len) = (payload.start, proto, wire_len);
        // An AH over IPv4 (transport mode) comes before the transport.
        if matches!(ip, Ip::V4(_)) && proto == AH {
            match ipv6::parse_ah(data.get(..payload.end).unwrap_or(data), start) {
                Ok(x) => {
                    start = start.saturating_add(x.len);
                    wire_len = wire_len.saturating_sub(x.len);
                    proto = x.next;
                    d.ah = Some(x);
                }
                Err(e) => {
                    d.errors.push(e);
                    return;
                }
            }
        }
        let t = transport(data, start, payload.end, wire_end, proto, ck_src, ck_dst, wire_len);
        apply_transport(d, t);
    }
}

/// IP protocol number of the Authentication Header.
const AH: u8 = 51;

/// Where the walk over a frame's layers is.
struct Cursor {
    step: Step,
    off: usize,
    /// Captured end of the bytes the layer is in.
    end: usize,
    wire_end: usize,
    /// Set right after a GRE header: whether it had a sequence number
    /// (ERSPAN type II rather than I).
    after_gre: Option<bool>,
}

/// The kind of layer at the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Link(Next),
    Eth,
    Gre,
    Erspan1,
    /// Type II (false) or III (true).
    Erspan(bool),
    /// Cisco MetaData, after GRE (true: the type comes first) or not.
    Cmd(bool),
    Vxlan,
    VxlanGpe,
    Nsh,
    Geneve,
    L2tp,
    Ppp,
    /// Discovery (true) or session.
    Pppoe(bool),
    Mpls,
    PwEthCw,
    Pbb,
    VnTag,
    Avsp,
    Macsec,
    /// A PIM Register in an IPv4 (true) or IPv6 packet.
    PimRegister(bool),
    Teredo,
    Gtpu,
}

enum Flow {
    Continue,
    Stop,
}

/// After a header whose payload kind is read from its first byte: when
/// none of the payload was captured though the wire had some, the walk ends
/// with a truncation error for `layer` (`need` bytes long).
fn cut_short(d: &mut Decoded, cur: &Cursor, data: &[u8], layer: &'static str, need: usize) -> Flow {
    if cur.off >= data.len() && cur.off < cur.wire_end {
        d.errors.push(DissectError::truncated(layer, cur.off, need, 0));
        return Flow::Stop;
    }
    Flow::Continue
}

/// The layer an ethertype (or a GRE protocol type) leads to, beyond IP and
/// ARP; None when it is not dissected.
fn ethertype_step(et: u16, after_gre: Option<bool>) -> Option<Step> {
    Some(match (et, after_gre) {
        (0x8847 | 0x8848, _) => Step::Mpls,
        (tunnel::ppp::ETHERTYPE_PPPOED, _) => Step::Pppoe(true),
        (tunnel::ppp::ETHERTYPE_PPPOES, _) => Step::Pppoe(false),
        (tunnel::gre::ETHERTYPE_TEB, _) => Step::Eth,
        (tunnel::gre::ETHERTYPE_ERSPAN, Some(true)) => Step::Erspan(false),
        (tunnel::gre::ETHERTYPE_ERSPAN, Some(false)) => Step::Erspan1,
        (tunnel::gre::ETHERTYPE_ERSPAN3, Some(_)) => Step::Erspan(true),
        (tunnel::gre::ETHERTYPE_PPP, _) => Step::Ppp,
        (tunnel::gre::ETHERTYPE_CMD, g) => Step::Cmd(g.is_some()),
        (0x88e7, _) => Step::Pbb,
        (0x8926, _) => Step::VnTag,
        (0xd28b, _) => Step::Avsp,
        (0x88e5, _) => Step::Macsec,
        (0x894f, _) => Step::Nsh,
        _ => return None,
    })
}

/// The layer a VXLAN-GPE or NSH next-protocol number leads to.
fn gpe_step(p: u8) -> Step {
    match tunnel::vxlan::gpe_next(p) {
        tunnel::vxlan::GpeNext::Next(n) => Step::Link(n),
        tunnel::vxlan::GpeNext::Ethernet => Step::Eth,
        tunnel::vxlan::GpeNext::Nsh => Step::Nsh,
        tunnel::vxlan::GpeNext::Mpls => Step::Mpls,
    }
}

/// A tunnel found in an IP packet's payload.
struct IpTunnel {
    step: Step,
    /// The IP payload's captured and wire ends.
    end: usize,
    wire_end: usize,
    /// A UDP tunnel: the UDP header, its checksum status, and its payload's
    /// captured and wire ends.
    udp: Option<(Udp, ChecksumStatus, usize, usize)>,
    /// An AH in tunnel mode (the packet it protects follows it).
    ah: Option<ipv6::ExtHeader>,
}

/// What an IP packet carries when it is a tunnel: IP in IP, IPv6 in IP,
/// GRE, or UDP to a tunnel port. Fragments are left to reassembly.
fn ip_tunnel(ip: &Ip, data: &[u8], cur: &Cursor) -> Option<IpTunnel> {
    let fragment = match ip {
        Ip::V4(h) => h.is_fragment(),
        Ip::V6(h) => h.frag.as_ref().is_some_and(|f| f.offset != 0 || f.more),
    };
    if fragment {
        return None;
    }
    let payload = ip.payload();
    let wire_len = ip.wire_payload_len();
    let wire_end = payload
        .start
        .saturating_add(wire_len)
        .min(cur.wire_end.max(payload.end));
    let plain = |step| {
        Some(IpTunnel {
            step,
            end: payload.end,
            wire_end,
            udp: None,
            ah: None,
        })
    };
    match ip.proto() {
        AH if matches!(ip, Ip::V4(_)) => {
            // Tunnel mode: the AH protects a whole packet.
            let x = ipv6::parse_ah(data.get(..payload.end).unwrap_or(data), payload.start).ok()?;
            let step = match x.next {
                4 => Step::Link(Next::Ipv4),
                41 => Step::Link(Next::Ipv6),
                47 => Step::Gre,
                _ => return None,
            };
            Some(IpTunnel {
                step,
                end: payload.end,
                wire_end,
                udp: None,
                ah: Some(x),
            })
        }
        4 => plain(Step::Link(Next::Ipv4)),
        41 => plain(Step::Link(Next::Ipv6)),
        47 => plain(Step::Gre),
        // IPv6 segment routing may carry an Ethernet frame (RFC 8986).
        143 => plain(Step::Eth),
        103 if tunnel::PimRegister::is_register(data, payload.start) => {
            plain(Step::PimRegister(matches!(ip, Ip::V4(_))))
        }
        17 => {
            let u = udp::parse(data, payload.start, wire_end).ok()?;
            let port = tunnel::udp_tunnel(u.sport, u.dport)?;
            if usize::from(u.length) <= 8 {
                return None;
            }
            let (ck_src, ck_dst) = match ip {
                Ip::V4(h) => (ip.src(), IpAddr::V4(h.shown_dst())),
                Ip::V6(h) => {
                    let (a, b) = h.checksum_addrs(data);
                    (IpAddr::V6(a), IpAddr::V6(b))
                }
            };
            let (t, ck, err, partial) =
                transport(data, payload.start, payload.end, wire_end, 17, ck_src, ck_dst, wire_len);
            if err.is_some() || partial {
                return None;
            }
            let Some(Transport::Udp(u)) = t else { return None };
            let step = match port {
                tunnel::VXLAN_PORT => Step::Vxlan,
                tunnel::GENEVE_PORT => Step::Geneve,
                tunnel::vxlan::VXLAN_GPE_PORT => Step::VxlanGpe,
                tunnel::L2TP_PORT => Step::L2tp,
                tunnel::ipip::TEREDO_PORT => Step::Teredo,
                tunnel::ipip::GTPU_PORT => Step::Gtpu,
                _ => Step::Mpls,
            };
            let uend = u.payload.end;
            let uwire = u.off.saturating_add(usize::from(u.length)).min(wire_end).max(uend);
            Some(IpTunnel {
                step,
                end: payload.end,
                wire_end,
                udp: Some((u, ck, uend, uwire)),
                ah: None,
            })
        }
        _ => None,
    }
}

type TransportResult = (Option<Transport>, ChecksumStatus, Option<DissectError>, bool);

fn apply_transport(d: &mut Decoded, (t, ck, err, partial): TransportResult) {
    d.transport = t;
    d.l4_checksum = ck;
    if let Some(e) = err {
        d.errors.push(e);
    }
    if partial {
        d.partial = Some(match d.transport {
            Some(Transport::Tcp(_)) => "TCP",
            Some(Transport::Udp(_)) => "UDP",
            Some(Transport::Icmp(_)) => "ICMP",
            Some(Transport::Icmpv6(_)) => "ICMPv6",
            None => "transport",
        });
    }
}

/// Checksum of a transport segment `data[off..end]` whose checksum field is at `ck_at`.
fn verify(data: &[u8], off: usize, end: usize, ck_at: usize, pseudo: u64) -> ChecksumStatus {
    let (Some(seg), Some(before), Some(after)) = (data.get(off..end), data.get(off..ck_at), data.get(ck_at + 2..end))
    else {
        return ChecksumStatus::Unverified;
    };
    let field = crate::util::be16(data, ck_at).unwrap_or(0);
    if fold(sum_words(pseudo, seg)) == 0 {
        return ChecksumStatus::Good;
    }
    // The checksum field sits at an even offset from the segment start, so
    // summing the two halves keeps the 16-bit word alignment.
    let mut expected = fold(sum_words(sum_words(pseudo, before), after));
    if expected == 0 && field == 0xffff {
        return ChecksumStatus::Good;
    }
    if expected == 0 {
        expected = 0xffff;
    }
    ChecksumStatus::Bad(expected)
}

fn pseudo(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u64 {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => pseudo_v4(s, d, proto, len),
        (IpAddr::V6(s), IpAddr::V6(d)) => pseudo_v6(s, d, proto, len),
        _ => 0,
    }
}

/// Dissects the transport in `data[off..end]` (captured) whose wire end is `wire_end`.
#[allow(clippy::too_many_arguments)]
fn transport(
    data: &[u8],
    off: usize,
    end: usize,
    wire_end: usize,
    proto: u8,
    src: IpAddr,
    dst: IpAddr,
    wire_len: usize,
) -> TransportResult {
    let full = end == wire_end && end <= data.len();
    let ps = pseudo(src, dst, proto, wire_len);
    match proto {
        6 => match tcp::parse(data, off, end, wire_end) {
            Ok(t) => {
                let ck = if full {
                    verify(data, off, end, off + 16, ps)
                } else {
                    ChecksumStatus::Unverified
                };
                (Some(Transport::Tcp(t)), ck, None, false)
            }
            Err(e) if e.kind == ErrorKind::Truncated => {
                let t = padded_with(data, off + 60, &[(off + 12, 0x50)], |p| {
                    tcp::parse(p, off, wire_end.max(off + 20), wire_end.max(off + 20))
                });
                (t.map(Transport::Tcp), ChecksumStatus::Unverified, Some(e), true)
            }
            Err(e) if (data.get(off + 12).copied().unwrap_or(0) >> 4) < 5 => (
                tcp_bad_offset(data, off, wire_end).map(Transport::Tcp),
                ChecksumStatus::Unverified,
                Some(e),
                true,
            ),
            Err(e) => (None, ChecksumStatus::Unverified, Some(e), false),
        },
        17 => match udp::parse(data, off, wire_end) {
            Ok(u) => {
                let ck = if !full || (u.checksum == 0 && src.is_ipv4()) {
                    ChecksumStatus::Unverified
                } else {
                    let uend = off.saturating_add(usize::from(u.length)).min(end);
                    verify(
                        data,
                        off,
                        uend,
                        off + 6,
                        pseudo(src, dst, proto, uend.saturating_sub(off)),
                    )
                };
                (Some(Transport::Udp(u)), ck, None, false)
            }
            Err(e) if e.kind == ErrorKind::Truncated => {
                let u = padded(data, off + 8, |p| udp::parse(p, off, (off + 8).max(wire_end)));
                (u.map(Transport::Udp), ChecksumStatus::Unverified, Some(e), true)
            }
            Err(e) => (None, ChecksumStatus::Unverified, Some(e), false),
        },
        1 if src.is_ipv4() => match icmp::parse(data, off, wire_end) {
            Ok(i) => (Some(Transport::Icmp(i)), ChecksumStatus::Unverified, None, false),
            Err(e) if e.kind == ErrorKind::Truncated => {
                let i = padded(data, off + 8, |p| icmp::parse(p, off, (off + 8).max(wire_end)));
                (i.map(Transport::Icmp), ChecksumStatus::Unverified, Some(e), true)
            }
            Err(e) => (None, ChecksumStatus::Unverified, Some(e), false),
        },
        58 => {
            let ps6 = match (src, dst) {
                (IpAddr::V6(s), IpAddr::V6(d)) if full => Some((s, d)),
                _ => None,
            };
            match icmpv6::parse(data, off, wire_end, ps6) {
                Ok(i) => (Some(Transport::Icmpv6(i)), ChecksumStatus::Unverified, None, false),
                Err(e) if e.kind == ErrorKind::Truncated => {
                    let i = padded(data, off + 8, |p| icmpv6::parse(p, off, (off + 8).max(wire_end), None));
                    (i.map(Transport::Icmpv6), ChecksumStatus::Unverified, Some(e), true)
                }
                Err(e) => (None, ChecksumStatus::Unverified, Some(e), false),
            }
        }
        _ => (None, ChecksumStatus::Unverified, None, false),
    }
}

/// IP protocol numbers to names (for the Protocol column and `ip.proto`).
pub fn ip_proto_name(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "HOPOPT",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "IPv6-Route",
        44 => "IPv6-Frag",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "IPv6-NoNxt",
        60 => "IPv6-Opts",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        132 => "SCTP",
        _ => return None,
    })
}

/// `frame.protocols` of a decoded frame.
pub fn protocols(d: &Decoded) -> String {
    let mut v: Vec<&str> = d.link.protocols();
    for l in &d.encap {
        l.encap.protocols(&mut v);
    }
    if d.arp.is_some() {
        v.push("arp");
    }
    match &d.ip {
        Some(Ip::V4(_)) => v.push("ip"),
        Some(Ip::V6(_)) => v.push("ipv6"),
        None => {}
    }
    if d.ah.is_some() {
        v.push("ah");
    }
    match &d.transport {
        Some(Transport::Tcp(_)) => v.push("tcp"),
        Some(Transport::Udp(_)) => v.push("udp"),
        Some(Transport::Icmp(_)) => v.push("icmp"),
        Some(Transport::Icmpv6(_)) => v.push("icmpv6"),
        None => {
            if matches!(d.frag, FragState::Held) {
                v.push("data");
            }
        }
    }
    v.join(":")
}

/// Builds the field tree of a frame from its decoded layers and the engine's annotations.
pub fn build_tree(d: &Decoded, meta: &FrameMeta, data: &[u8], ann: &Annotations, t: &mut Tree) {
    t.clear();
    t.set_clip(Some((0, data.len())));
    frame_node(d, meta, data, ann, t);
    // The Ethernet header whose frame holds the next IP packet, and where
    // that frame starts (its padding or trailer goes under it).
    let mut eth: Option<(NodeId, usize)> = d.link.tree(t, data).map(|id| (id, 0));
    for l in &d.encap {
        let bytes = data.get(..l.end).unwrap_or(data);
        let mut e = link::Emit::new(t, bytes);
        match &l.encap {
            Encap::Ip(ip) => {
                ip_tree(t, ip, bytes, l.wire_end, eth, true);
                eth = None;
            }
            Encap::Ipv4Version6(off) => {
                tunnel::ipv4_version6_tree(&mut e, *off);
            }
            Encap::Ah(x) => {
                ipv6::ext_header_tree(t, None, bytes, x);
            }
            Encap::Udp(u, ck) => {
                u.tree(
                    t,
                    bytes,
                    &UdpCtx {
                        stream: None,
                        checksum: *ck,
                    },
                );
            }
            Encap::Gre(g) => {
                g.tree(&mut e, bytes);
            }
            Encap::Erspan(s) => {
                s.tree(&mut e);
            }
            Encap::CiscoMeta(c) => {
                c.tree(&mut e);
            }
            Encap::Vxlan(v) => {
                v.tree(&mut e);
            }
            Encap::VxlanGpe(v) => {
                v.tree(&mut e);
            }
            Encap::Nsh(n) => {
                n.tree(&mut e, bytes);
            }
            Encap::Geneve(g) => {
                g.tree(&mut e, bytes);
            }
            Encap::Mpls(m) => {
                m.tree(&mut e);
            }
            Encap::PwEthCw(c) => {
                c.tree(&mut e);
            }
            Encap::Pppoe(p) => {
                p.tree(&mut e, bytes);
            }
            Encap::Ppp(p) => {
                p.tree(&mut e);
            }
            Encap::L2tp(p) => {
                p.tree(&mut e);
            }
            Encap::Pbb(p) => {
                p.tree(&mut e, bytes);
            }
            Encap::VnTag(v) => {
                v.tree(&mut e, bytes);
            }
            Encap::Avsp(a) => {
                a.tree(&mut e, bytes);
            }
            Encap::Macsec(m, icv) => {
                m.tree(&mut e, bytes, *icv);
            }
            Encap::PimRegister(p) => {
                p.tree(&mut e, bytes);
            }
            Encap::Teredo(tr) => {
                tr.tree(&mut e, bytes);
            }
            Encap::Gtpu(g) => {
                g.tree(&mut e);
            }
            Encap::Link(k) => {
                let start = match &k.kind {
                    LinkKind::Ethernet { eth, .. } => eth.off,
                    _ => 0,
                };
                eth = k.tree(t, bytes).map(|id| (id, start));
            }
        }
    }
    let inner = data.get(..d.inner_end).unwrap_or(data);
    if let Some(a) = &d.arp {
        a.tree(t, inner);
    }
    if let Some(ip) = &d.ip {
        let checked = d.partial.is_none() || !matches!(d.partial, Some("IPv4" | "IPv6"));
        let root = ip_tree(t, ip, inner, d.inner_wire_end, eth, checked);
        let ip_node = Some(root);
        if let Some(x) = &d.ah {
            ipv6::ext_header_tree(t, None, inner, x);
        }
        match &d.frag {
            FragState::Held | FragState::Dropped(_) => {
                let p = ip.payload();
                let data_node = t.text(None, "data", format!("Data ({} bytes)", p.len()), p.start, p.len());
                t.bytes(data_node, "data.data", "Data", p.start, p.len());
                let l = t.uint(data_node, "data.len", "Length", p.len() as u64, p.start, 0);
                t.set_generated(l);
                if let (Some(n), Some(ipn)) = (ann.reassembled_in, ip_node) {
                    let name = if matches!(ip, Ip::V4(_)) {
                        "ip.reassembled_in"
                    } else {
                        "ipv6.reassembled_in"
                    };
                    let r = t.uint(ipn, name, "Reassembled in", n, 0, 0);
                    t.set_text(r, format!("#{n}"));
                    t.set_generated(r);
                }
                if let (FragState::Dropped(why), Some(ipn)) = (&d.frag, ip_node) {
                    t.expert(
                        ipn,
                        Severity::Note,
                        "ip.fragment.not_reassembled",
                        format!("fragment not reassembled: {why}"),
                        0,
                        0,
                    );
                }
            }
            _ => {}
        }
    }
    if let (Some(r), 1) = (&d.reassembled, d.tsrc) {
        let proto = if matches!(d.ip, Some(Ip::V6(_))) { "ipv6" } else { "ip" };
        let (_, src) = r.tree_with_source(t, None, proto, None);
        t.set_default_src(src);
    }
    let tdata = match d.tsrc {
        1 => d.transport_data(data),
        _ => inner,
    };
    let mut l4 = None;
    match &d.transport {
        Some(Transport::Tcp(h)) => {
            let mut cx = ann.tcp.unwrap_or_default();
            cx.checksum = d.l4_checksum;
            l4 = Some(h.tree(t, tdata, &cx));
        }
        Some(Transport::Udp(h)) => {
            let cx = UdpCtx {
                stream: ann.udp_stream,
                checksum: d.l4_checksum,
            };
            let n = h.tree(t, tdata, &cx);
            l4 = Some(n);
            if !h.payload.is_empty() && ann.app.is_empty() {
                let p = h.payload.clone();
                let dn = t.text(None, "data", format!("Data ({} bytes)", p.len()), p.start, p.len());
                t.bytes(dn, "data.data", "Data", p.start, p.len());
                let l = t.uint(dn, "data.len", "Length", p.len() as u64, p.start, 0);
                t.set_generated(l);
            }
        }
        Some(Transport::Icmp(h)) => {
            let n = h.tree_at(t, tdata, Some(meta.ts_ns()));
            l4 = Some(n);
            if let Some(emb) = h.embedded.clone() {
                embedded_packet(t, n, tdata, emb);
            }
        }
        Some(Transport::Icmpv6(h)) => {
            let n = h.tree(t, tdata);
            l4 = Some(n);
            if let Some(emb) = h.embedded.clone() {
                embedded_packet(t, n, tdata, emb);
            }
        }
        None => {}
    }
    let _ = l4;
    app_trees(t, ann, tdata);
    t.set_default_src(0);
    for (anchor, node) in &ann.nodes {
        let parent = match anchor {
            Anchor::Root => None,
            Anchor::Under(name) => t.find(name).map(|(id, _)| id).next(),
        };
        node.add_to(t, parent);
    }
    for e in &d.errors {
        let what = match e.kind {
            ErrorKind::Truncated => format!(
                "[Truncated {} header: needed {} bytes at offset {}, {} captured]",
                e.layer, e.need, e.offset, e.have
            ),
            ErrorKind::Malformed(m) => format!("[Malformed {}: {} (offset {})]", e.layer, m, e.offset),
        };
        let off = e.offset.min(data.len());
        let n = t.text(None, "_ws.malformed", what, off, 0);
        t.set_expert(n, Severity::Error, e.code(), e.to_string());
    }
    t.set_clip(None);
}

/// The application messages this frame completed: each in the transport's
/// data source, or in a data source of its own when reassembled from several
/// frames (listed like Wireshark's `tcp.segments`).
fn app_trees(t: &mut Tree, ann: &Annotations, tdata: &[u8]) {
    let tsrc = t.default_src();
    for pdu in &ann.app {
        let root = match &pdu.bytes {
            PduBytes::Frame(r) => {
                let data = tdata.get(..r.end).unwrap_or(tdata);
                app::tree(t, pdu.proto, data, r.start)
            }
            PduBytes::Reassembled(b) => {
                let total: u64 = pdu.segments.iter().map(|s| u64::from(s.1)).sum();
                let mut line = format!("[{} Reassembled TCP Segments ({} bytes): ", pdu.segments.len(), b.len());
                let mut frames = Vec::with_capacity(pdu.segments.len());
                let mut at = 0u32;
                for (i, (f, n)) in pdu.segments.iter().enumerate() {
                    let _ = write!(line, "{}#{}({})", if i > 0 { ", " } else { "" }, f, n);
                    frames.push((at, *n, *f));
                    at = at.saturating_add(*n);
                }
                line.push(']');
                let src = t.add_source(Source {
                    name: format!("Reassembled TCP ({} bytes)", b.len()),
                    data: b.to_vec(),
                    frames,
                });
                t.set_default_src(src);
                let segs = t.text(None, "tcp.segments", line, 0, b.len());
                let mut at = 0usize;
                for (f, n) in &pdu.segments {
                    let n = *n as usize;
                    let id = t.add(Some(segs), "tcp.segment", "Frame", Value::UInt(*f), at, n);
                    t.set_text(
                        id,
                        format!("Frame: {f}, payload: {}-{} ({n} bytes)", at, (at + n).saturating_sub(1)),
                    );
                    at = at.saturating_add(n);
                }
                t.uint(
                    segs,
                    "tcp.segment.count",
                    "Segment count",
                    pdu.segments.len() as u64,
                    0,
                    0,
                );
                let l = t.uint(segs, "tcp.reassembled.length", "Reassembled TCP length", total, 0, 0);
                t.set_generated(l);
                t.bytes(segs, "tcp.reassembled.data", "Reassembled TCP Data", 0, b.len());
                app::tree(t, pdu.proto, b, 0)
            }
        };
        for n in &pdu.nodes {
            n.add_to(t, Some(root));
        }
        t.set_default_src(tsrc);
    }
}

/// An IP header's tree over `data` (the bytes that hold the packet), with
/// Wireshark's bogus-length check against `wire_end` when `check` is set
/// (not for a header parsed from a cut-short copy), and the bytes after the
/// packet shown as the padding or trailer of the Ethernet frame `eth`
/// (its root and where the frame starts).
fn ip_tree(t: &mut Tree, ip: &Ip, data: &[u8], wire_end: usize, eth: Option<(NodeId, usize)>, check: bool) -> NodeId {
    let root = match ip {
        Ip::V4(h) => h.tree(t, data),
        Ip::V6(h) => h.tree(t, data),
    };
    // A length beyond the frame as sent is bogus; one beyond the
    // captured bytes only means the snap length cut it.
    if check {
        match ip {
            Ip::V4(h) => h.check_wire_len(t, root, wire_end),
            Ip::V6(h) => h.check_wire_len(t, root, wire_end),
        };
    }
    let tr = ip.trailer();
    if let (Some((e, start)), false) = (eth, tr.is_empty()) {
        if wire_end.saturating_sub(start) <= 60 {
            t.bytes(e, "eth.padding", "Padding", tr.start, tr.len());
        } else {
            t.bytes(e, "eth.trailer", "Trailer", tr.start, tr.len());
        }
    }
    root
}

/// The ICMP error's invoking packet, dissected like a top-level one under the ICMP node.
fn embedded_packet(t: &mut Tree, parent: u32, data: &[u8], emb: std::ops::Range<usize>) {
    let Some(first) = data.get(emb.start) else { return };
    let inner = data.get(..emb.end).unwrap_or(data);
    t.set_root_parent(Some(parent));
    let ip: Option<Ip> = match first >> 4 {
        4 => ipv4::parse(inner, emb.start)
            .ok()
            .or_else(|| padded(inner, emb.start + 60, |p| ipv4::parse(p, emb.start)))
            .map(Ip::V4),
        6 => ipv6::parse(inner, emb.start)
            .ok()
            .or_else(|| padded(inner, emb.start + 40, |p| ipv6::parse(p, emb.start)))
            .map(Ip::V6),
        _ => None,
    };
    if let Some(ip) = ip {
        match &ip {
            Ip::V4(h) => h.tree(t, inner),
            Ip::V6(h) => h.tree(t, inner),
        };
        let p = ip.payload();
        let start = p.start;
        // The quoted transport header is usually cut short (8 bytes): show what is there.
        let end = inner.len().max(start);
        match ip.proto() {
            6 => {
                if let Some(h) = tcp::parse(inner, start, end, end)
                    .ok()
                    .or_else(|| padded(inner, start + 60, |q| tcp::parse(q, start, start + 60, start + 60)))
                {
                    let cx = TcpCtx::default();
                    h.tree(t, inner, &cx);
                }
            }
            17 => {
                if let Some(h) = udp::parse(inner, start, end)
                    .ok()
                    .or_else(|| padded(inner, start + 8, |q| udp::parse(q, start, start + 8)))
                {
                    h.tree(t, inner, &UdpCtx::default());
                    // A quoted DNS message is dissected too, as Wireshark does.
                    let flavor = app::dns::Flavor::of_udp_ports(h.sport, h.dport);
                    if let (Some(f), false) = (flavor, h.payload.is_empty()) {
                        let data = inner.get(..h.payload.end).unwrap_or(inner);
                        let wire = Some(h.data_len());
                        app::dns::tree_with(t, data, h.payload.start, false, f, wire);
                    }
                }
            }
            1 => {
                if let Some(mut h) = icmp::parse(inner, start, end)
                    .ok()
                    .or_else(|| padded(inner, start + 8, |q| icmp::parse(q, start, start + 8)))
                {
                    // Wireshark does not verify checksums of quoted packets.
                    h.checksum_status = ChecksumStatus::Unverified;
                    h.tree(t, inner);
                }
            }
            58 => {
                if let Some(mut h) = icmpv6::parse(inner, start, end, None)
                    .ok()
                    .or_else(|| padded(inner, start + 8, |q| icmpv6::parse(q, start, start + 8, None)))
                {
                    h.checksum_status = ChecksumStatus::Unverified;
                    h.tree(t, inner);
                }
            }
            _ => {}
        }
    }
    t.set_root_parent(None);
}

fn frame_node(d: &Decoded, meta: &FrameMeta, data: &[u8], ann: &Annotations, t: &mut Tree) {
    let on_wire = u64::from(meta.origlen);
    let cap = data.len() as u64;
    let f = t.text(
        None,
        "frame",
        format!(
            "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits) on interface {}",
            meta.number,
            on_wire,
            on_wire * 8,
            cap,
            cap * 8,
            meta.iface
        ),
        0,
        data.len(),
    );
    t.uint(f, "frame.interface_id", "Interface id", u64::from(meta.iface), 0, 0);
    let e = t.uint(f, "wirelens.linktype", "Link type", u64::from(meta.linktype), 0, 0);
    t.set_text(
        e,
        format!("{} ({})", link::linktype::name(meta.linktype), meta.linktype),
    );
    for c in &meta.comments {
        t.string(f, "frame.comment", "Comment", c.as_str(), 0, 0);
    }
    t.add(
        Some(f),
        "frame.time_epoch",
        "Epoch Time",
        Value::Time {
            secs: meta.ts_secs,
            nanos: meta.ts_nanos,
        },
        0,
        0,
    );
    let dl = t.add(
        Some(f),
        "frame.time_delta",
        "Time delta from previous captured frame",
        Value::Duration(meta.delta_ns),
        0,
        0,
    );
    t.set_generated(dl);
    let rl = t.add(
        Some(f),
        "frame.time_relative",
        "Time since reference or first frame",
        Value::Duration(meta.rel_ns),
        0,
        0,
    );
    t.set_generated(rl);
    t.uint(f, "frame.number", "Frame Number", meta.number, 0, 0);
    let l = t.uint(f, "frame.len", "Frame Length", on_wire, 0, 0);
    t.set_text(l, format!("{on_wire} bytes ({} bits)", on_wire * 8));
    let c = t.uint(f, "frame.cap_len", "Capture Length", cap, 0, 0);
    t.set_text(c, format!("{cap} bytes ({} bits)", cap * 8));
    let mut protos = protocols(d);
    for pdu in &ann.app {
        let name = app::protocol_names(pdu.proto);
        if !protos.ends_with(name) {
            protos.push(':');
            protos.push_str(name);
        }
    }
    let p = t.string(f, "frame.protocols", "Protocols in frame", protos, 0, 0);
    t.set_generated(p);
}

/// The list columns of a frame, as tshark's default output shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    pub src: String,
    pub dst: String,
    pub proto: String,
    pub info: String,
}

fn mac_string(m: [u8; 6]) -> String {
    let mut s = String::with_capacity(17);
    write_mac(&mut s, &m);
    s
}

/// The Source, Destination, Protocol and Info columns of a frame.
pub fn columns(d: &Decoded, meta: &FrameMeta, data: &[u8], ann: &Annotations) -> Columns {
    let mut c = Columns::default();
    let ip_partial = matches!(d.partial, Some("IPv4" | "IPv6"));
    // As in Wireshark, the last layer with addresses sets the columns.
    let set_macs = |c: &mut Columns, l: &Link| {
        if let Some(s) = l.src_mac() {
            c.src = mac_string(s);
        }
        if let Some(t) = l.dst_mac() {
            c.dst = mac_string(t);
        }
    };
    set_macs(&mut c, &d.link);
    for l in &d.encap {
        match &l.encap {
            Encap::Link(k) => set_macs(&mut c, k),
            Encap::Ip(ip) => {
                c.src = ip.src().to_string();
                c.dst = ip.dst().to_string();
            }
            _ => {}
        }
    }
    if let (Some(ip), false) = (&d.ip, ip_partial) {
        c.src = ip.src().to_string();
        c.dst = ip.dst().to_string();
    }
    // The link layer that the innermost layers hang from.
    let inner_link = match d.encap.last() {
        Some(Layer {
            encap: Encap::Link(k), ..
        }) => Some(k),
        Some(_) => None,
        None => Some(&d.link),
    };
    let mut info = String::new();
    if let Some(p) = &ann.info_prefix {
        info.push_str(p);
    }
    let proto: String = if let Some(a) = &d.arp {
        info.push_str(&a.info(data));
        "ARP".into()
    } else if let Some(ip) = &d.ip {
        let ipname = if matches!(ip, Ip::V4(_)) { "IPv4" } else { "IPv6" };
        match (&d.transport, &d.frag) {
            _ if ip_partial => ipname.into(),
            (_, FragState::Held) | (_, FragState::Dropped(_)) => {
                match ip {
                    Ip::V4(h) => info.push_str(&h.frag_info()),
                    Ip::V6(h) => info.push_str(&h.frag_info().unwrap_or_default()),
                }
                if let Some(n) = ann.reassembled_in {
                    let _ = write!(info, " [Reassembled in #{n}]");
                }
                ipname.into()
            }
            (Some(Transport::Tcp(h)), _) => {
                let cx = ann.tcp.unwrap_or_default();
                if d.partial.is_some() && data.len() < h.off + 20 {
                    // Only the ports are sure to be there.
                    let _ = write!(info, "{} → {}", h.sport, h.dport);
                } else if d.partial.is_some() {
                    // Only the options that were captured whole.
                    let mut h = h.clone();
                    h.options.retain(|o| o.off + o.len <= data.len());
                    info.push_str(&h.info(&cx));
                } else {
                    info.push_str(&h.info(&cx));
                }
                "TCP".into()
            }
            (Some(Transport::Udp(h)), _) => {
                let cx = UdpCtx {
                    stream: ann.udp_stream,
                    checksum: d.l4_checksum,
                };
                info.push_str(&h.info_with(&cx));
                "UDP".into()
            }
            (Some(Transport::Icmp(h)), _) => {
                info.push_str(&h.info(Some(ip.ttl())));
                "ICMP".into()
            }
            (Some(Transport::Icmpv6(h)), _) => {
                info.push_str(&h.info(Some(ip.ttl())));
                "ICMPv6".into()
            }
            (None, _) if !d.errors.is_empty() => ipname.into(),
            (None, _) => {
                let p = ip.proto();
                match ip_proto_name(p) {
                    Some(n) if !matches!(p, 1 | 6 | 17 | 58) => {
                        let _ = write!(info, "{} (IP protocol {}), {} bytes", n, p, ip.wire_payload_len());
                        n.into()
                    }
                    _ => {
                        let _ = write!(info, "IP protocol {p}, {} bytes", ip.wire_payload_len());
                        ipname.into()
                    }
                }
            }
        }
    } else if let (None, Some(last)) = (inner_link, d.encap.last()) {
        match (&last.encap, d.next) {
            (Encap::Pppoe(p), _) if p.discovery => {
                info.push_str(&p.info(data));
                "PPPoED".into()
            }
            (enc, Next::Ethertype(et)) => match short_ethertype(et) {
                Some(n) => {
                    info.push_str(link::ethertype_name(et).unwrap_or("Ethernet II"));
                    n.into()
                }
                // A protocol GRE (or another header) names but that is not
                // dissected: the column stays that header's.
                None if !matches!(enc, Encap::Link(_)) => {
                    let _ = write!(info, "Encapsulated 0x{et:04x}");
                    enc.column_name().into()
                }
                None => {
                    info.push_str(link::ethertype_name(et).unwrap_or("Ethernet II"));
                    format!("0x{et:04x}")
                }
            },
            (enc, _) => enc.column_name().into(),
        }
    } else {
        let inner_link = inner_link.unwrap_or(&d.link);
        let next = if d.encap.is_empty() { d.link.next } else { d.next };
        match (&inner_link.kind, &next) {
            (LinkKind::Unknown(lt), _) => {
                let _ = write!(info, "Unknown link type {lt} ({} bytes of raw data)", data.len());
                "N/A".into()
            }
            (_, Next::Ipv4) => "IPv4".into(),
            (_, Next::Ipv6) => "IPv6".into(),
            (_, Next::Arp) => "ARP".into(),
            (LinkKind::Chdlc(c), _) if c.proto == 0x8035 => "SLARP".into(),
            (LinkKind::Chdlc(c), _) if c.proto == 0x2000 => "CDP".into(),
            (_, Next::Ethertype(et)) => {
                info.push_str(link::ethertype_name(*et).unwrap_or("Ethernet II"));
                short_ethertype(*et)
                    .map(String::from)
                    .unwrap_or_else(|| format!("0x{et:04x}"))
            }
            (LinkKind::Ethernet { llc: Some(l), .. }, _) => {
                let _ = write!(
                    info,
                    "DSAP 0x{:02x} SSAP 0x{:02x} Control 0x{:02x}",
                    l.dsap, l.ssap, l.control
                );
                if l.dsap == 0x42 && l.ssap == 0x42 {
                    "STP".into()
                } else {
                    "LLC".into()
                }
            }
            (LinkKind::Ethernet { .. }, _) => "Ethernet".into(),
            (LinkKind::Sll(_) | LinkKind::Sll2(_), _) => "SLL".into(),
            (LinkKind::Null(_), _) => "NULL".into(),
            (LinkKind::Ppp(p), _) => p.column_name().into(),
            (LinkKind::Chdlc(_), _) => "CHDLC".into(),
            (LinkKind::Fr(_), _) => "FR".into(),
            (LinkKind::Nflog(_), _) => "NFLOG".into(),
            (LinkKind::Ipoib(_), _) => "IPoIB".into(),
            (LinkKind::Ipnet(_), _) => "IPNET".into(),
            (LinkKind::Fddi(..), _) => "FDDI".into(),
            (LinkKind::Arcnet(_), _) => "ARCNET".into(),
            (LinkKind::Pktap(_), _) => "PKTAP".into(),
            _ => "Data".into(),
        }
    };
    if let Some(e) = d.errors.first() {
        if !info.is_empty() {
            info.push(' ');
        }
        let cut = meta.caplen < meta.origlen;
        match e.kind {
            ErrorKind::Truncated if cut => {
                let _ = write!(
                    info,
                    "[Packet size limited during capture: {} header cut at {} of {} bytes]",
                    e.layer, e.have, e.need
                );
            }
            ErrorKind::Truncated => {
                let _ = write!(
                    info,
                    "[Malformed Packet: {} needs {} bytes at offset {}, {} present]",
                    e.layer, e.need, e.offset, e.have
                );
            }
            ErrorKind::Malformed(m) => {
                let _ = write!(info, "[Malformed {}: {}]", e.layer, m);
            }
        }
    }
    let proto = match ann.app.last() {
        Some(last) => {
            // The messages replace the transport's Info; the analysis prefix stays.
            info.clear();
            if let Some(p) = &ann.info_prefix {
                info.push_str(p);
            }
            app::infos(&ann.app, d.transport_data(data), &mut info);
            last.proto.column_name().into()
        }
        None => {
            if ann.segment_of_pdu {
                info.push_str(" [TCP segment of a reassembled PDU]");
            }
            proto
        }
    };
    if let Some(s) = &ann.info_suffix {
        info.push_str(s);
    }
    c.proto = proto;
    c.info = info;
    c
}

/// Protocol column names for ethertypes that are not dissected further.
fn short_ethertype(et: u16) -> Option<&'static str> {
    Some(match et {
        0x88cc => "LLDP",
        0x888e => "EAPOL",
        0x8863 => "PPPoED",
        0x8864 => "PPPoES",
        0x8847 | 0x8848 => "MPLS",
        0x88f7 => "PTPv2",
        0x8809 => "Slow Protocols",
        0x0842 => "WOL",
        0x9000 => "LOOP",
        0x88e5 => "MACsec",
        0x8035 => "RARP",
        _ => return None,
    })
}

/// Writes a relative time with `decimals` digits after the point (6 for µs files, 9 for ns).
pub fn write_rel_time(out: &mut String, ns: i64, decimals: u32) {
    if decimals >= 9 {
        write_duration(out, ns);
        return;
    }
    let div = 10i64.pow(9 - decimals);
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs() / div as u64;
    let p = 10u64.pow(decimals);
    let _ = write!(out, "{sign}{}.{:0width$}", a / p, a % p, width = decimals as usize);
}

/// Decodes a frame on its own and builds its tree: the second pass of the
/// TUI, for the one packet a user selects.
pub fn dissect(meta: &FrameMeta, data: &[u8], ann: &Annotations) -> (Decoded, Tree) {
    let d = Decoder::decode_alone(meta, data, ann);
    let mut t = Tree::new();
    build_tree(&d, meta, data, ann, &mut t);
    (d, t)
}
