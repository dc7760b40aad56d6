//! icmp.pcap: ping, and the ICMP errors a host meets, each quoting the
//! packet that caused it (seen from 192.0.2.10).

use etherparse::{
    icmpv4::{DestUnreachableHeader, RedirectCode, RedirectHeader, TimeExceededCode},
    Icmpv4Type, PacketBuilder, TcpOptionElement,
};

use crate::build;
use crate::craft::*;

const REMOTE: [u8; 4] = [198, 51, 100, 7];

/// Strips the Ethernet header of a built frame (for quoting the IP packet).
fn ip_of(frame: &[u8]) -> Vec<u8> {
    frame[14..].to_vec()
}

fn icmp_error(src: [u8; 4], src_mac: [u8; 6], id: u16, t: Icmpv4Type, quote: &[u8]) -> Vec<u8> {
    let mut h = ip4(src, IP_HOST, 64, id, false);
    if let etherparse::IpHeaders::Ipv4(ref mut v4, _) = h {
        v4.dscp = etherparse::IpDscp::try_new(0x30).expect("6 bits"); // TOS 0xc0 (network control), as Linux sends errors
    }
    build!(PacketBuilder::ethernet2(src_mac, MAC_HOST).ip(h).icmpv4(t), quote)
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    // 1-2. Echo request and reply (identifier 0x1a2b, sequence 1).
    let ping1 = ping_payload(0, 56);
    f.push(Frame::new(
        0,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, REMOTE, 64, 0x51c0, true))
                .icmpv4_echo_request(0x1a2b, 1),
            &ping1
        ),
    ));
    f.push(Frame::new(
        20_410,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4(REMOTE, IP_HOST, 55, 0x0d3e, false))
                .icmpv4_echo_reply(0x1a2b, 1),
            &ping1
        ),
    ));
    // 3-4. A DNS query to a host with no DNS server, and its "port
    //    unreachable" (type 3, code 3) quoting the whole IP/UDP datagram.
    let server = [198, 51, 100, 53];
    let query = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(IP_HOST, server, 64, 0x51c1, false))
            .udp(41000, 53),
        &dns_query(0x2b7e, "www.example.org", 1)
    );
    f.push(Frame::new(1_000_000, query.clone()));
    f.push(Frame::new(
        1_019_870,
        icmp_error(
            server,
            MAC_GW,
            0x7e01,
            Icmpv4Type::DestinationUnreachable(DestUnreachableHeader::Port),
            &ip_of(&query),
        ),
    ));
    // 5-6. A TCP SYN sent with TTL 1, and the first router's "time exceeded
    //    in transit" (type 11, code 0) quoting its IP header and only the
    //    first 8 bytes of TCP (ports and sequence number), as RFC 792 asks.
    let syn = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(IP_HOST, [203, 0, 113, 80], 1, 0x51c2, true))
            .tcp(51001, 443, 0x6d1f_0e2a, 64240)
            .syn()
            .options(&[
                TcpOptionElement::MaximumSegmentSize(1460),
                TcpOptionElement::SelectiveAcknowledgementPermitted,
                TcpOptionElement::Timestamp(4_000_000, 0),
                TcpOptionElement::Noop,
                TcpOptionElement::WindowScale(7),
            ])
            .expect("options fit"),
        &[]
    );
    f.push(Frame::new(2_000_000, syn.clone()));
    f.push(Frame::new(
        2_000_640,
        icmp_error(
            IP_GW,
            MAC_GW,
            0x7e02,
            Icmpv4Type::TimeExceeded(TimeExceededCode::TtlExceededInTransit),
            &ip_of(&syn)[..28],
        ),
    ));
    // 7-8. A full-size (1500-byte) TCP segment with DF set, and the router's
    //    "fragmentation needed" (type 3, code 4) announcing a next-hop MTU of
    //    1400; it quotes 548 bytes, keeping the error within 576 bytes.
    let record_len = 1460 - 5;
    let tls = B::new()
        .u8(23)
        .u16(0x0303)
        .u16(record_len as u16)
        .put(&(0..record_len).map(|i| (i * 7 + 3) as u8).collect::<Vec<_>>())
        .done();
    let big = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(IP_HOST, [198, 51, 100, 20], 64, 0x51c3, true))
            .tcp(51002, 443, 0x7100_0001, 501)
            .ack(0x2200_0001)
            .psh(),
        &tls
    );
    assert_eq!(big.len(), 1514);
    f.push(Frame::new(3_000_000, big.clone()));
    f.push(Frame::new(
        3_000_720,
        icmp_error(
            IP_GW,
            MAC_GW,
            0x7e03,
            Icmpv4Type::DestinationUnreachable(DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: 1400 }),
            &ip_of(&big)[..548],
        ),
    ));
    // 9-13. A ping to 198.51.100.7 through the default gateway 192.0.2.1;
    //    the gateway forwards it but sends a redirect (type 5, code 1: for
    //    the host) naming 192.0.2.2 as the better first hop, quoting the
    //    echo's IP header and 8 bytes. The reply comes back via 192.0.2.2,
    //    and the next request goes to 192.0.2.2's MAC.
    let ping2 = ping_payload(4_000_000, 56);
    let req2 = build!(
        PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
            .ip(ip4(IP_HOST, REMOTE, 64, 0x51c4, true))
            .icmpv4_echo_request(0x1a2b, 2),
        &ping2
    );
    f.push(Frame::new(4_000_000, req2.clone()));
    f.push(Frame::new(
        4_000_410,
        icmp_error(
            IP_GW,
            MAC_GW,
            0x7e04,
            Icmpv4Type::Redirect(RedirectHeader {
                code: RedirectCode::RedirectForHost,
                gateway_internet_address: IP_GW2,
            }),
            &ip_of(&req2)[..28],
        ),
    ));
    f.push(Frame::new(
        4_019_980,
        build!(
            PacketBuilder::ethernet2(MAC_GW2, MAC_HOST)
                .ip(ip4(REMOTE, IP_HOST, 55, 0x0d3f, false))
                .icmpv4_echo_reply(0x1a2b, 2),
            &ping2
        ),
    ));
    let ping3 = ping_payload(5_000_000, 56);
    f.push(Frame::new(
        5_000_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW2)
                .ip(ip4(IP_HOST, REMOTE, 64, 0x51c5, true))
                .icmpv4_echo_request(0x1a2b, 3),
            &ping3
        ),
    ));
    f.push(Frame::new(
        5_019_620,
        build!(
            PacketBuilder::ethernet2(MAC_GW2, MAC_HOST)
                .ip(ip4(REMOTE, IP_HOST, 55, 0x0d40, false))
                .icmpv4_echo_reply(0x1a2b, 3),
            &ping3
        ),
    ));
    f
}
