//! tunnels.pcap: the encapsulations a campus or data-centre link carries,
//! each around a packet a student knows (a ping, a SYN, a DNS query, an
//! ARP request), so the inner packet is the one the summary line shows.

use etherparse::{PacketBuilder, TcpOptionElement as O};

use crate::build;
use crate::craft::*;

/// The two tunnel endpoints (routers at the edges of two sites).
const TEP_A: [u8; 4] = [203, 0, 113, 1];
const TEP_B: [u8; 4] = [203, 0, 113, 2];
const MAC_TEP_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0xa1];
const MAC_TEP_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0xb2];
/// A remote server behind the far tunnel endpoint.
const REMOTE: [u8; 4] = [198, 51, 100, 7];

fn gre(flags: u16, proto: u16, extra: &[u8], payload: &[u8]) -> Vec<u8> {
    B::new().u16(flags).u16(proto).put(extra).put(payload).done()
}

fn outer4(proto: u8, id: u16, payload: &[u8]) -> Vec<u8> {
    let ip = Ip4 {
        df: true,
        ..Ip4::new(TEP_A, TEP_B, proto, 64, id)
    };
    eth(MAC_TEP_B, MAC_TEP_A, 0x0800, &ip.packet(payload))
}

fn outer_udp(id: u16, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    outer4(17, id, &udp4(TEP_A, TEP_B, sport, dport, payload))
}

/// A DNS query for example.com (A record).
fn dns_query(id: u16) -> Vec<u8> {
    B::new()
        .u16(id)
        .u16(0x0100)
        .u16(1)
        .u16(0)
        .u16(0)
        .u16(0)
        .put(b"\x07example\x03com\x00")
        .u16(1)
        .u16(1)
        .done()
}

fn mpls(label: u32, bottom: bool, ttl: u8) -> u32 {
    (label << 12) | (u32::from(bottom) << 8) | u32::from(ttl)
}

fn ping(id: u16, us: u64) -> Vec<u8> {
    build!(
        PacketBuilder::ip(ip4(IP_HOST, REMOTE, 63, id, false)).icmpv4_echo_request(0x2b01, 1),
        &ping_payload(us, 32)
    )
}

fn vxlan_dns() -> Vec<u8> {
    let inner = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(IP_HOST, REMOTE, 64, 0x3c01, false))
            .udp(53001, 53),
        &dns_query(0x1d1d)
    );
    let vx = B::new().u16(0x0800).u16(0).u32(5000 << 8).put(&inner).done();
    outer_udp(0x0a03, 49152, 4789, &vx)
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    // 1. GRE with a key (RFC 2890) carrying a ping from the host to a server
    //    at the other site.
    let p1 = ping(0x2101, 0);
    f.push(Frame::new(
        0,
        outer4(47, 0x0a01, &gre(0x2000, 0x0800, &[0, 0, 0, 42], &p1)),
    ));
    // 2. 6in4 (IP protocol 41): an IPv6 TCP SYN crossing an IPv4-only core.
    let syn6 = build!(
        PacketBuilder::ipv6(v6(0, 0x10), v6(0x7, 0x30), 64)
            .tcp(50400, 443, 0x0600_0001, 64800)
            .syn()
            .options(&[
                O::MaximumSegmentSize(1420),
                O::SelectiveAcknowledgementPermitted,
                O::Noop,
                O::WindowScale(7)
            ])
            .expect("options fit"),
        &[]
    );
    f.push(Frame::new(12_000, outer4(41, 0x0a02, &syn6)));
    // 3. VXLAN (UDP 4789, VNI 5000): a whole Ethernet frame with a DNS query.
    f.push(Frame::new(25_000, vxlan_dns()));
    // 4. Geneve (UDP 6081, VNI 7) with one 8-byte option: an ARP request.
    let arp = B::new()
        .u16(1)
        .u16(0x0800)
        .u8(6)
        .u8(4)
        .u16(1)
        .put(&MAC_HOST)
        .put(&IP_HOST)
        .put(&MAC_ZERO)
        .put(&IP_GW)
        .done();
    let inner = eth(MAC_BCAST, MAC_HOST, 0x0806, &arp);
    let gen = B::new()
        .u8(0x02)
        .u8(0)
        .u16(0x6558)
        .u32(7 << 8)
        .u16(0x0102)
        .u8(0x01)
        .u8(0x01)
        .u32(0x0000_0001)
        .put(&inner)
        .done();
    f.push(Frame::new(31_000, outer_udp(0x0a04, 50007, 6081, &gen)));
    // 5. MPLS: a two-label stack (transport label 100, service label 200)
    //    around an NTP request.
    let ntp = build!(
        PacketBuilder::ip(ip4(IP_HOST, REMOTE, 64, 0x3c02, false)).udp(123, 123),
        &B::new().u8(0x23).zeros(47).done()
    );
    let lbl = B::new()
        .u32(mpls(100, false, 63))
        .u32(mpls(200, true, 63))
        .put(&ntp)
        .done();
    f.push(Frame::new(40_000, eth(MAC_TEP_B, MAC_TEP_A, 0x8847, &lbl)));
    // 6. PPPoE discovery: a PADI broadcast looking for any access
    //    concentrator (empty Service-Name, a Host-Uniq).
    let padi = B::new()
        .u8(0x11)
        .u8(0x09)
        .u16(0)
        .u16(12)
        .u16(0x0101)
        .u16(0)
        .u16(0x0103)
        .u16(4)
        .u32(0x5eed_0001)
        .done();
    f.push(Frame::new(1_000_000, pad60(eth(MAC_BCAST, MAC_HOST, 0x8863, &padi))));
    // 7. PPPoE session 0x0011: PPP carrying a ping.
    let p7 = ping(0x2102, 1_050_000);
    let sess = B::new()
        .u8(0x11)
        .u8(0)
        .u16(0x0011)
        .u16((p7.len() + 2) as u16)
        .u16(0x0021)
        .put(&p7)
        .done();
    f.push(Frame::new(1_050_000, eth(MAC_GW, MAC_HOST, 0x8864, &sess)));
    // 8. ERSPAN type II (GRE with a sequence number): a switch mirrors a
    //    SYN-ACK seen on VLAN 10 to an analyser.
    let synack = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(REMOTE, IP_HOST, 55, 0, true))
            .tcp(443, 50410, 0x7000_0001, 65160)
            .syn()
            .ack(0x0600_0101)
            .options(&[
                O::MaximumSegmentSize(1460),
                O::SelectiveAcknowledgementPermitted,
                O::Noop,
                O::WindowScale(9)
            ])
            .expect("options fit"),
        &[]
    );
    let ers = B::new().u16(0x1000 | 10).u16(0x0001).u32(17).put(&synack).done();
    f.push(Frame::new(
        2_000_000,
        outer4(47, 0x0a05, &gre(0x1000, 0x88be, &[0, 0, 0, 1], &ers)),
    ));
    // 9. The VXLAN frame of 3 captured with a snap length of 60 bytes: cut
    //    inside the inner Ethernet header.
    f.push(Frame::cut(2_500_000, &vxlan_dns(), 60));
    f
}
