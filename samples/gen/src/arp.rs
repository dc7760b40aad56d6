//! arp.pcap: address resolution and the next-hop lesson, seen from 192.0.2.10.

use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, PacketBuilder};

use crate::build;
use crate::craft::*;

fn arp(op: ArpOperation, sha: &[u8], spa: [u8; 4], tha: &[u8], tpa: [u8; 4]) -> ArpPacket {
    ArpPacket::new(ArpHardwareId::ETHERNET, EtherType::IPV4, op, sha, &spa, tha, &tpa).expect("valid ARP")
}

fn arp_frame(src: [u8; 6], dst: [u8; 6], a: ArpPacket) -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ethernet2(src, dst)
        .arp(a)
        .write(&mut v)
        .expect("ARP builds");
    v
}

pub fn frames() -> Vec<Frame> {
    let remote = [198, 51, 100, 7];
    let mut f = Vec::new();
    // 1. Who has 192.0.2.1? Tell 192.0.2.10 (broadcast; sent by this host, so
    //    captured unpadded at 42 bytes).
    f.push(Frame::new(
        0,
        arp_frame(
            MAC_HOST,
            MAC_BCAST,
            arp(ArpOperation::REQUEST, &MAC_HOST, IP_HOST, &MAC_ZERO, IP_GW),
        ),
    ));
    // 2. 192.0.2.1 is at 02:00:00:00:00:01 (unicast reply, received: padded to 60).
    f.push(Frame::new(
        412,
        pad60(arp_frame(
            MAC_GW,
            MAC_HOST,
            arp(ArpOperation::REPLY, &MAC_GW, IP_GW, &MAC_HOST, IP_HOST),
        )),
    ));
    // 3. Echo request to a remote host: IP destination is 198.51.100.7, but the
    //    Ethernet destination is the gateway's MAC (the next hop).
    let ping = ping_payload(530, 56);
    f.push(Frame::new(
        530,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, remote, 64, 0x4c1e, true))
                .icmpv4_echo_request(0x0b5e, 1),
            &ping
        ),
    ));
    // 4. The reply comes back through the same gateway (source MAC = gateway).
    f.push(Frame::new(
        21_274,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4(remote, IP_HOST, 55, 0x9d02, false))
                .icmpv4_echo_reply(0x0b5e, 1),
            &ping
        ),
    ));
    // 5. ARP probe (RFC 5227) from a new host: sender IP 0.0.0.0, "is
    //    192.0.2.20 taken?".
    f.push(Frame::new(
        1_000_000,
        pad60(arp_frame(
            MAC_NEW,
            MAC_BCAST,
            arp(ArpOperation::REQUEST, &MAC_NEW, [0, 0, 0, 0], &MAC_ZERO, IP_NEW),
        )),
    ));
    // 6. ARP announcement: nobody answered, so it claims 192.0.2.20
    //    (request with sender IP = target IP).
    f.push(Frame::new(
        3_000_000,
        pad60(arp_frame(
            MAC_NEW,
            MAC_BCAST,
            arp(ArpOperation::REQUEST, &MAC_NEW, IP_NEW, &MAC_ZERO, IP_NEW),
        )),
    ));
    // 7. Gratuitous ARP reply from the gateway (broadcast, sender IP = target
    //    IP, target MAC = its own): refreshes every neighbour's cache.
    f.push(Frame::new(
        5_000_000,
        pad60(arp_frame(
            MAC_GW,
            MAC_BCAST,
            arp(ArpOperation::REPLY, &MAC_GW, IP_GW, &MAC_GW, IP_GW),
        )),
    ));
    // 8. An ARP request claiming Ethernet hardware but an 8-byte hardware
    //    address length: the addresses must be shown as 8 bytes, not trusted
    //    as MACs, and the protocol addresses found after them.
    let odd_sha = [0x02, 0, 0, 0, 0, 0x99, 0xca, 0xfe];
    f.push(Frame::new(
        6_000_000,
        pad60(arp_frame(
            [0x02, 0, 0, 0, 0, 0x99],
            MAC_BCAST,
            ArpPacket::new(
                ArpHardwareId::ETHERNET,
                EtherType::IPV4,
                ArpOperation::REQUEST,
                &odd_sha,
                &[192, 0, 2, 99],
                &[0; 8],
                &IP_GW,
            )
            .expect("valid ARP"),
        )),
    ));
    f
}
