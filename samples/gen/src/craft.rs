//! Byte-level helpers: fixed addresses, the clock, and hand-built headers
//! for the packets etherparse's `PacketBuilder` will not make (fragments,
//! deliberately wrong lengths and checksums, odd options, 802.3/LLC).

use etherparse::{IpHeaders, Ipv4Header, Ipv6FlowLabel, Ipv6Header};
use wirelens::capture::Timestamp;

/// 2026-01-01T00:00:00Z: every sample's clock starts here.
pub const BASE_SECS: i64 = 1_767_225_600;

// Locally administered MAC addresses (02:00:00:...).
/// The host whose point of view most samples take (192.0.2.10, 2001:db8::10).
pub const MAC_HOST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x10];
/// Its default gateway (192.0.2.1, 2001:db8::1).
pub const MAC_GW: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
/// A second router on the same LAN (192.0.2.2).
pub const MAC_GW2: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
/// A host joining the LAN (192.0.2.20).
pub const MAC_NEW: [u8; 6] = [0x02, 0, 0, 0, 0, 0x20];
/// A LAN neighbour (192.0.2.30).
pub const MAC_PEER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x30];
pub const MAC_BCAST: [u8; 6] = [0xff; 6];
pub const MAC_ZERO: [u8; 6] = [0; 6];

pub const IP_HOST: [u8; 4] = [192, 0, 2, 10];
pub const IP_GW: [u8; 4] = [192, 0, 2, 1];
pub const IP_GW2: [u8; 4] = [192, 0, 2, 2];
pub const IP_NEW: [u8; 4] = [192, 0, 2, 20];
pub const IP_PEER: [u8; 4] = [192, 0, 2, 30];

/// `2001:db8:<a>::<b>` (a documentation address).
pub const fn v6(a: u16, b: u16) -> [u8; 16] {
    let mut x = [0u8; 16];
    x[0] = 0x20;
    x[1] = 0x01;
    x[2] = 0x0d;
    x[3] = 0xb8;
    x[4] = (a >> 8) as u8;
    x[5] = a as u8;
    x[14] = (b >> 8) as u8;
    x[15] = b as u8;
    x
}

/// An IPv6 address from its eight 16-bit groups.
pub const fn v6_groups(g: [u16; 8]) -> [u8; 16] {
    let mut x = [0u8; 16];
    let mut i = 0;
    while i < 8 {
        x[2 * i] = (g[i] >> 8) as u8;
        x[2 * i + 1] = g[i] as u8;
        i += 1;
    }
    x
}

/// A capture time `us` microseconds after [`BASE_SECS`] plus `secs` seconds.
pub fn ts(us: u64) -> Timestamp {
    Timestamp::new(BASE_SECS + (us / 1_000_000) as i64, ((us % 1_000_000) * 1000) as u32)
}

/// One frame of a sample: capture time (µs after the sample's start), the
/// captured bytes and, when the frame was cut by a snap length, the length
/// it had on the wire.
#[derive(Clone, Debug)]
pub struct Frame {
    pub us: u64,
    pub data: Vec<u8>,
    pub origlen: Option<u32>,
}

impl Frame {
    pub fn new(us: u64, data: Vec<u8>) -> Frame {
        Frame {
            us,
            data,
            origlen: None,
        }
    }

    /// A frame `full` captured with only its first `caplen` bytes.
    pub fn cut(us: u64, full: &[u8], caplen: usize) -> Frame {
        Frame {
            us,
            data: full[..caplen].to_vec(),
            origlen: Some(full.len() as u32),
        }
    }

    pub fn origlen(&self) -> u32 {
        self.origlen.unwrap_or(self.data.len() as u32)
    }
}

/// Runs an etherparse builder step that takes a payload.
#[macro_export]
macro_rules! build {
    ($builder:expr, $payload:expr) => {{
        let mut v = Vec::new();
        $builder.write(&mut v, $payload).expect("etherparse builds the packet");
        v
    }};
}

/// An IPv4 header for etherparse's builder (which fills in length,
/// protocol and checksum).
pub fn ip4(src: [u8; 4], dst: [u8; 4], ttl: u8, id: u16, df: bool) -> IpHeaders {
    IpHeaders::Ipv4(
        Ipv4Header {
            source: src,
            destination: dst,
            time_to_live: ttl,
            identification: id,
            dont_fragment: df,
            ..Default::default()
        },
        Default::default(),
    )
}

/// An IPv6 header for etherparse's builder.
pub fn ip6(src: [u8; 16], dst: [u8; 16], hop_limit: u8) -> Ipv6Header {
    Ipv6Header {
        traffic_class: 0,
        flow_label: Ipv6FlowLabel::ZERO,
        payload_length: 0,
        next_header: etherparse::IpNumber(0),
        hop_limit,
        source: src,
        destination: dst,
    }
}

/// Big-endian byte builder.
#[derive(Clone, Debug, Default)]
pub struct B(pub Vec<u8>);

impl B {
    pub fn new() -> B {
        B(Vec::new())
    }
    pub fn u8(mut self, v: u8) -> B {
        self.0.push(v);
        self
    }
    pub fn u16(mut self, v: u16) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u32(mut self, v: u32) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn put(mut self, v: &[u8]) -> B {
        self.0.extend_from_slice(v);
        self
    }
    pub fn zeros(mut self, n: usize) -> B {
        self.0.resize(self.0.len() + n, 0);
        self
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}

/// Writes `v` big-endian at `off`.
pub fn set16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_be_bytes());
}

/// The Internet checksum (RFC 1071) of the concatenation of `parts`.
pub fn inet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for p in parts {
        for &byte in *p {
            match odd.take() {
                Some(hi) => sum += u32::from(u16::from_be_bytes([hi, byte])),
                None => odd = Some(byte),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The IPv4 pseudo header of a transport checksum.
pub fn pseudo4(src: [u8; 4], dst: [u8; 4], proto: u8, len: usize) -> Vec<u8> {
    B::new().put(&src).put(&dst).u8(0).u8(proto).u16(len as u16).done()
}

/// The IPv6 pseudo header of a transport checksum.
pub fn pseudo6(src: [u8; 16], dst: [u8; 16], proto: u8, len: usize) -> Vec<u8> {
    B::new().put(&src).put(&dst).u32(len as u32).zeros(3).u8(proto).done()
}

/// A hand-built IPv4 header; fields left `None` get their correct value.
#[derive(Clone, Debug)]
pub struct Ip4 {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub proto: u8,
    pub ttl: u8,
    pub id: u16,
    pub df: bool,
    pub mf: bool,
    /// Fragment offset in 8-byte units.
    pub frag: u16,
    /// Options, padded by the caller to a multiple of 4 bytes.
    pub options: Vec<u8>,
    pub tos: u8,
    /// Overrides the header length field (in 32-bit words).
    pub ihl: Option<u8>,
    /// Overrides the total length field.
    pub total_len: Option<u16>,
    /// Overrides the header checksum.
    pub checksum: Option<u16>,
}

impl Ip4 {
    pub fn new(src: [u8; 4], dst: [u8; 4], proto: u8, ttl: u8, id: u16) -> Ip4 {
        Ip4 {
            src,
            dst,
            proto,
            ttl,
            id,
            df: false,
            mf: false,
            frag: 0,
            options: Vec::new(),
            tos: 0,
            ihl: None,
            total_len: None,
            checksum: None,
        }
    }

    /// The header for a payload of `payload_len` bytes.
    pub fn header(&self, payload_len: usize) -> Vec<u8> {
        assert!(
            self.options.len() % 4 == 0 && self.options.len() <= 40,
            "IPv4 options must be padded"
        );
        let hlen = 20 + self.options.len();
        let ihl = self.ihl.unwrap_or((hlen / 4) as u8);
        let total = self.total_len.unwrap_or((hlen + payload_len) as u16);
        let flags_frag = (u16::from(self.df) << 14) | (u16::from(self.mf) << 13) | self.frag;
        let mut h = B::new()
            .u8(0x40 | ihl)
            .u8(self.tos)
            .u16(total)
            .u16(self.id)
            .u16(flags_frag)
            .u8(self.ttl)
            .u8(self.proto)
            .u16(0)
            .put(&self.src)
            .put(&self.dst)
            .put(&self.options)
            .done();
        let sum = self.checksum.unwrap_or_else(|| inet_checksum(&[&h]));
        set16(&mut h, 10, sum);
        h
    }

    /// Header followed by `payload`.
    pub fn packet(&self, payload: &[u8]) -> Vec<u8> {
        let mut p = self.header(payload.len());
        p.extend_from_slice(payload);
        p
    }
}

/// A UDP header and payload with a correct checksum over IPv4.
pub fn udp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut u = B::new()
        .u16(sport)
        .u16(dport)
        .u16(len as u16)
        .u16(0)
        .put(payload)
        .done();
    let mut sum = inet_checksum(&[&pseudo4(src, dst, 17, len), &u]);
    if sum == 0 {
        sum = 0xffff;
    }
    set16(&mut u, 6, sum);
    u
}

/// A UDP header and payload with a correct checksum over IPv6.
pub fn udp6(src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut u = B::new()
        .u16(sport)
        .u16(dport)
        .u16(len as u16)
        .u16(0)
        .put(payload)
        .done();
    let mut sum = inet_checksum(&[&pseudo6(src, dst, 17, len), &u]);
    if sum == 0 {
        sum = 0xffff;
    }
    set16(&mut u, 6, sum);
    u
}

// TCP flag bits.
pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// A hand-built TCP segment.
#[derive(Clone, Debug)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub win: u16,
    /// Options, padded by the caller to a multiple of 4 bytes.
    pub options: Vec<u8>,
    /// Overrides the data offset field (in 32-bit words).
    pub doff: Option<u8>,
}

impl Tcp {
    /// Header and payload with a correct checksum over IPv4.
    pub fn segment4(&self, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
        let hlen = 20 + self.options.len();
        let doff = self.doff.unwrap_or((hlen / 4) as u8);
        let mut s = B::new()
            .u16(self.sport)
            .u16(self.dport)
            .u32(self.seq)
            .u32(self.ack)
            .u8(doff << 4)
            .u8(self.flags)
            .u16(self.win)
            .u16(0)
            .u16(0)
            .put(&self.options)
            .put(payload)
            .done();
        let sum = inet_checksum(&[&pseudo4(src, dst, 6, s.len()), &s]);
        set16(&mut s, 16, sum);
        s
    }
}

/// An Ethernet II frame.
pub fn eth(dst: [u8; 6], src: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    B::new().put(&dst).put(&src).u16(ethertype).put(payload).done()
}

/// An IEEE 802.3 frame: the type field holds the length of `payload`
/// (an LLC header and what follows it).
pub fn eth_8023(dst: [u8; 6], src: [u8; 6], payload: &[u8]) -> Vec<u8> {
    B::new()
        .put(&dst)
        .put(&src)
        .u16(payload.len() as u16)
        .put(payload)
        .done()
}

/// Pads a frame with zero bytes to Ethernet's 60-byte minimum (without FCS),
/// as a sending NIC does and as a capture on the receiving side shows it.
pub fn pad60(mut f: Vec<u8>) -> Vec<u8> {
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

/// The payload of a Linux `ping`: 8 bytes of send time then 0x10, 0x11, ...
pub fn ping_payload(us: u64, len: usize) -> Vec<u8> {
    let t = ts(us);
    let mut p = B::new().u32(t.secs as u32).u32(t.nanos / 1000).done();
    p.extend((0..len.saturating_sub(8)).map(|i| 0x10u8.wrapping_add(i as u8)));
    p
}

/// `name` in DNS wire format (labels, terminating zero).
pub fn dns_name(name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for label in name.split('.') {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.push(0);
    v
}

/// A DNS query (recursion desired) for `name`, record type `qtype`.
pub fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    B::new()
        .u16(id)
        .u16(0x0100)
        .u16(1)
        .u16(0)
        .u16(0)
        .u16(0)
        .put(&dns_name(name))
        .u16(qtype)
        .u16(1)
        .done()
}

/// The answer to [`dns_query`]: the question then one record of `rdata`
/// whose owner name points back at the question (0xc00c).
pub fn dns_answer(id: u16, name: &str, qtype: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    B::new()
        .u16(id)
        .u16(0x8180)
        .u16(1)
        .u16(1)
        .u16(0)
        .u16(0)
        .put(&dns_name(name))
        .u16(qtype)
        .u16(1)
        .u16(0xc00c)
        .u16(qtype)
        .u16(1)
        .u32(ttl)
        .u16(rdata.len() as u16)
        .put(rdata)
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_etherparse() {
        let h = Ip4::new(IP_HOST, [198, 51, 100, 7], 17, 64, 0x1234).header(100);
        let parsed = etherparse::Ipv4Header::from_slice(&h).expect("valid").0;
        assert_eq!(parsed.calc_header_checksum(), parsed.header_checksum);
        let u = udp4(IP_HOST, IP_GW, 1000, 53, b"abc");
        let hdr = etherparse::UdpHeader::from_slice(&u).expect("valid").0;
        assert_eq!(
            hdr.calc_checksum_ipv4_raw(IP_HOST, IP_GW, b"abc").expect("fits"),
            hdr.checksum
        );
    }

    #[test]
    fn v6_addresses() {
        assert_eq!(std::net::Ipv6Addr::from(v6(0, 0x10)).to_string(), "2001:db8::10");
        assert_eq!(std::net::Ipv6Addr::from(v6(0x100, 7)).to_string(), "2001:db8:100::7");
    }

    #[test]
    fn timestamps_start_2026() {
        assert_eq!(ts(1_500_001), Timestamp::new(BASE_SECS + 1, 500_001_000));
    }
}
