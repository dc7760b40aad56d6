//! sll.pcap, null.pcap, raw.pcap: the same kind of traffic under link-layer
//! headers other than Ethernet.

use etherparse::{IpHeaders, LinuxSllPacketType, PacketBuilder, TcpOptionElement as O};

use crate::build;
use crate::craft::*;

/// Linux cooked capture v1 (`tcpdump -i any` on older libpcap): an outgoing
/// TCP SYN and the incoming SYN-ACK.
pub fn sll() -> Vec<Frame> {
    let server = [198, 51, 100, 20];
    let mac8 = |m: [u8; 6]| [m[0], m[1], m[2], m[3], m[4], m[5], 0, 0];
    let syn = build!(
        PacketBuilder::linux_sll(LinuxSllPacketType::OUTGOING, 6, mac8(MAC_HOST))
            .ip(ip4(IP_HOST, server, 64, 0x4a10, true))
            .tcp(51700, 443, 0x1357_9bdf, 64240)
            .syn()
            .options(&[
                O::MaximumSegmentSize(1460),
                O::SelectiveAcknowledgementPermitted,
                O::Timestamp(5_000_000, 0),
                O::Noop,
                O::WindowScale(7)
            ])
            .expect("options fit"),
        &[]
    );
    let synack = build!(
        PacketBuilder::linux_sll(LinuxSllPacketType::HOST, 6, mac8(MAC_GW))
            .ip(ip4(server, IP_HOST, 52, 0, true))
            .tcp(443, 51700, 0x2468_ace0, 65160)
            .syn()
            .ack(0x1357_9be0)
            .options(&[
                O::MaximumSegmentSize(1460),
                O::SelectiveAcknowledgementPermitted,
                O::Timestamp(7_000_000, 5_000_000),
                O::Noop,
                O::WindowScale(9)
            ])
            .expect("options fit"),
        &[]
    );
    vec![Frame::new(0, syn), Frame::new(19_850, synack)]
}

/// BSD loopback (macOS lo0): a 4-byte address family in host byte order
/// (little-endian here) before the IP packet: 2 = AF_INET, 30 = AF_INET6
/// (macOS's value). A DNS query to a local resolver and its answer over
/// 127.0.0.1, then a TCP SYN to [::1]:8080 (macOS's option order; the
/// builder pads the options with EOL) refused with RST-ACK.
pub fn null() -> Vec<Frame> {
    let lo4 = [127, 0, 0, 1];
    let lo6 = v6_groups([0, 0, 0, 0, 0, 0, 0, 1]);
    let af = |family: u32, ip: Vec<u8>| B::new().put(&family.to_le_bytes()).put(&ip).done();
    let q = build!(
        PacketBuilder::ip(ip4(lo4, lo4, 64, 0x1b01, false)).udp(53000, 53),
        &dns_query(0x0a0b, "www.example.com", 1)
    );
    let a = build!(
        PacketBuilder::ip(ip4(lo4, lo4, 64, 0x1b02, false)).udp(53, 53000),
        &dns_answer(0x0a0b, "www.example.com", 1, 300, &[198, 51, 100, 80])
    );
    let syn = build!(
        PacketBuilder::ip(IpHeaders::Ipv6(ip6(lo6, lo6, 64), Default::default()))
            .tcp(51800, 8080, 0x0bad_cafe, 65535)
            .syn()
            .options(&[
                O::MaximumSegmentSize(16344),
                O::Noop,
                O::WindowScale(6),
                O::Noop,
                O::Noop,
                O::Timestamp(1_000_000, 0),
                O::SelectiveAcknowledgementPermitted
            ])
            .expect("options fit"),
        &[]
    );
    let rst = build!(
        PacketBuilder::ip(IpHeaders::Ipv6(ip6(lo6, lo6, 64), Default::default()))
            .tcp(8080, 51800, 0, 0)
            .rst()
            .ack(0x0bad_caff),
        &[]
    );
    vec![
        Frame::new(0, af(2, q)),
        Frame::new(180, af(2, a)),
        Frame::new(1_000_000, af(30, syn)),
        Frame::new(1_000_040, af(30, rst)),
    ]
}

/// Raw IP (a tun device): no link-layer header at all, the version nibble
/// tells IPv4 from IPv6. Ping over IPv4, then over IPv6.
pub fn raw() -> Vec<Frame> {
    let remote = [198, 51, 100, 7];
    let (host6, remote6) = (v6(0, 0x10), v6(0x100, 7));
    let p4 = ping_payload(0, 56);
    let p6 = ping_payload(1_000_000, 56);
    vec![
        Frame::new(
            0,
            build!(
                PacketBuilder::ip(ip4(IP_HOST, remote, 64, 0x22a0, true)).icmpv4_echo_request(0x0e01, 1),
                &p4
            ),
        ),
        Frame::new(
            30_120,
            build!(
                PacketBuilder::ip(ip4(remote, IP_HOST, 55, 0x9110, false)).icmpv4_echo_reply(0x0e01, 1),
                &p4
            ),
        ),
        Frame::new(
            1_000_000,
            build!(
                PacketBuilder::ip(IpHeaders::Ipv6(ip6(host6, remote6, 64), Default::default()))
                    .icmpv6_echo_request(0x0e02, 1),
                &p6
            ),
        ),
        Frame::new(
            1_031_480,
            build!(
                PacketBuilder::ip(IpHeaders::Ipv6(ip6(remote6, host6, 57), Default::default()))
                    .icmpv6_echo_reply(0x0e02, 1),
                &p6
            ),
        ),
    ]
}
