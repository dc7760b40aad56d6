//! ipv6.pcap: IPv6 on a LAN: MLD with a hop-by-hop Router Alert, neighbour
//! discovery, ping, DNS over UDP, and fragmentation with a fragment header.

use etherparse::{
    icmpv6::NeighborAdvertisementHeader, Icmpv6Type, IpHeaders, IpNumber, Ipv6Extensions, Ipv6RawExtHeader,
    PacketBuilder,
};

use crate::build;
use crate::craft::*;

/// fe80::ff:fe00:10, the host's link-local address (EUI-64 of 02:00:00:00:00:10).
pub const LL_HOST: [u8; 16] = v6_groups([0xfe80, 0, 0, 0, 0, 0x00ff, 0xfe00, 0x0010]);

pub fn frames() -> Vec<Frame> {
    let host = v6(0, 0x10);
    let router = v6(0, 1);
    let remote = v6(0x100, 7);
    let dns = v6(0x53, 0x53);
    let mut f = Vec::new();

    // 1. MLDv2 report: the host joins its solicited-node group
    //    ff02::1:ff00:10. Sent to ff02::16 with hop limit 1 and a Hop-by-Hop
    //    Options header carrying Router Alert (value 0 = MLD) and a PadN.
    let hbh = Ipv6RawExtHeader::new_raw(IpNumber(58), &[0x05, 0x02, 0x00, 0x00, 0x01, 0x00]).expect("8 bytes");
    let mld_routers = v6_groups([0xff02, 0, 0, 0, 0, 0, 0, 0x16]);
    let solicited_host = v6_groups([0xff02, 0, 0, 0, 0, 1, 0xff00, 0x0010]);
    let record = B::new().u8(4).u8(0).u16(0).put(&solicited_host).done(); // CHANGE_TO_EXCLUDE, no sources
    f.push(Frame::new(
        0,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, [0x33, 0x33, 0, 0, 0, 0x16])
                .ip(IpHeaders::Ipv6(
                    ip6(LL_HOST, mld_routers, 1),
                    Ipv6Extensions {
                        hop_by_hop_options: Some(hbh),
                        ..Default::default()
                    }
                ))
                .icmpv6_raw(143, 0, [0, 0, 0, 1]),
            &record
        ),
    ));
    // 2. Neighbour solicitation for the router 2001:db8::1, to its
    //    solicited-node address ff02::1:ff00:1, with our link-layer address.
    let solicited_router = v6_groups([0xff02, 0, 0, 0, 0, 1, 0xff00, 0x0001]);
    let ns = B::new().put(&router).u8(1).u8(1).put(&MAC_HOST).done();
    f.push(Frame::new(
        1_000_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, [0x33, 0x33, 0xff, 0, 0, 0x01])
                .ip(IpHeaders::Ipv6(ip6(host, solicited_router, 255), Default::default()))
                .icmpv6(Icmpv6Type::NeighborSolicitation),
            &ns
        ),
    ));
    // 3. Neighbour advertisement: router, solicited, override, with the
    //    target link-layer address.
    let na = B::new().put(&router).u8(2).u8(1).put(&MAC_GW).done();
    f.push(Frame::new(
        1_000_380,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(IpHeaders::Ipv6(ip6(router, host, 255), Default::default()))
                .icmpv6(Icmpv6Type::NeighborAdvertisement(NeighborAdvertisementHeader {
                    router: true,
                    solicited: true,
                    r#override: true,
                })),
            &na
        ),
    ));
    // 4-5. Ping a remote host through the router, and the reply.
    let ping = ping_payload(1_000_500, 56);
    f.push(Frame::new(
        1_000_500,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(IpHeaders::Ipv6(ip6(host, remote, 64), Default::default()))
                .icmpv6_echo_request(0x0d01, 1),
            &ping
        ),
    ));
    f.push(Frame::new(
        1_022_810,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(IpHeaders::Ipv6(ip6(remote, host, 57), Default::default()))
                .icmpv6_echo_reply(0x0d01, 1),
            &ping
        ),
    ));
    // 6-7. UDP over IPv6: a DNS AAAA query and its answer.
    f.push(Frame::new(
        2_000_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(IpHeaders::Ipv6(ip6(host, dns, 64), Default::default()))
                .udp(53124, 53),
            &dns_query(0x6a1c, "www.example.com", 28)
        ),
    ));
    f.push(Frame::new(
        2_014_200,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(IpHeaders::Ipv6(ip6(dns, host, 58), Default::default()))
                .udp(53, 53124),
            &dns_answer(0x6a1c, "www.example.com", 28, 3600, &v6(0x100, 0x80))
        ),
    ));
    // 8-9. A 1800-byte UDP datagram fragmented by its source for the IPv6
    //    minimum MTU (1280): 1232 + 568 bytes, Fragment header id 0x4e1f2a3b.
    let payload: Vec<u8> = (0..1792).map(|i| (i % 251) as u8).collect();
    let udp = udp6(remote, host, 33000, 44000, &payload);
    assert_eq!(udp.len(), 1800);
    for (i, &(off, len, more)) in [(0usize, 1232usize, true), (1232, 568, false)].iter().enumerate() {
        let mut h = ip6(remote, host, 57);
        h.next_header = IpNumber(44);
        h.payload_length = (8 + len) as u16;
        let frag = B::new()
            .u8(17)
            .u8(0)
            .u16(((off / 8) as u16) << 3 | u16::from(more))
            .u32(0x4e1f_2a3b)
            .done();
        let pkt = B::new().put(&h.to_bytes()).put(&frag).put(&udp[off..off + len]).done();
        f.push(Frame::new(
            3_000_000 + 120 * i as u64,
            eth(MAC_HOST, MAC_GW, 0x86dd, &pkt),
        ));
    }
    f
}
