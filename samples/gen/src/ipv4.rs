//! ipv4.pcap: the IPv4 header's features: options, fragmentation and
//! reassembly, checksum, TTL, DF, and Ethernet padding.

use etherparse::{IpHeaders, Ipv4Header, Ipv4Options, PacketBuilder};

use crate::build;
use crate::craft::*;

const REMOTE: [u8; 4] = [198, 51, 100, 7];

fn ip4_opts(src: [u8; 4], dst: [u8; 4], ttl: u8, id: u16, options: &[u8]) -> IpHeaders {
    IpHeaders::Ipv4(
        Ipv4Header {
            source: src,
            destination: dst,
            time_to_live: ttl,
            identification: id,
            dont_fragment: false,
            options: Ipv4Options::try_from(options).expect("options padded to 4 bytes"),
            ..Default::default()
        },
        Default::default(),
    )
}

/// The bytes 0, 1, 2, ... (mod 256) as a recognisable payload.
fn counting(n: usize) -> Vec<u8> {
    (0..n).map(|i| i as u8).collect()
}

/// Record Route (4 slots), NOP, Timestamp (timestamps only, 2 slots), EOL
/// and padding: 36 bytes of options.
fn rr_ts_options(route: &[[u8; 4]], stamps: &[u32]) -> Vec<u8> {
    let mut rr = B::new().u8(7).u8(3 + 4 * 4).u8(4 + 4 * route.len() as u8);
    for slot in 0..4 {
        rr = rr.put(&route.get(slot).copied().unwrap_or([0; 4]));
    }
    let mut ts = B::new().u8(68).u8(4 + 2 * 4).u8(5 + 4 * stamps.len() as u8).u8(0);
    for slot in 0..2 {
        ts = ts.u32(stamps.get(slot).copied().unwrap_or(0));
    }
    let o = rr.u8(1).put(&ts.done()).u8(0).zeros(3).done();
    assert_eq!(o.len(), 36);
    o
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    // 1. `ping -R`-like echo request: Record Route with 4 empty slots, a NOP,
    //    a Timestamp option with 2 empty slots, EOL (IHL 14 = 56 bytes).
    let ping = ping_payload(0, 32);
    f.push(Frame::new(
        0,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4_opts(IP_HOST, REMOTE, 64, 0x3a01, &rr_ts_options(&[], &[])))
                .icmpv4_echo_request(0x0c01, 1),
            &ping
        ),
    ));
    // 2. Its reply: the route recorded there and back (4 routers, pointer
    //    past the end), two timestamps (ms since midnight UT).
    let route = [[203, 0, 113, 1], [198, 51, 100, 7], [198, 51, 100, 1], [192, 0, 2, 1]];
    f.push(Frame::new(
        23_120,
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4_opts(REMOTE, IP_HOST, 61, 0xe0f1, &rr_ts_options(&route, &[9, 20])))
                .icmpv4_echo_reply(0x0c01, 1),
            &ping
        ),
    ));
    // 3. IGMPv2 membership report for 239.1.2.3: TTL 1 and the Router Alert
    //    option (RFC 2113), so routers look inside although it is not for them.
    let group = [239, 1, 2, 3];
    let mut igmp = B::new().u8(0x16).u8(0).u16(0).put(&group).done();
    let sum = inet_checksum(&[&igmp]);
    set16(&mut igmp, 2, sum);
    let mut ip = Ip4::new(IP_HOST, group, 2, 1, 0);
    ip.tos = 0xc0;
    ip.df = true;
    ip.options = vec![148, 4, 0, 0];
    f.push(Frame::new(
        500_000,
        eth(
            [0x01, 0x00, 0x5e, 0x01, 0x02, 0x03],
            MAC_HOST,
            0x0800,
            &ip.packet(&igmp),
        ),
    ));
    // 4-6. A 3000-byte UDP datagram (8-byte header + 2992 bytes) from the
    //    remote host, fragmented to fit a 1500-byte MTU (1480 + 1480 + 40
    //    bytes at offsets 0, 1480, 2960) and received out of order: the
    //    2nd fragment, then the 1st, then the last (which completes it).
    let udp = udp4(REMOTE, IP_HOST, 33000, 44000, &counting(2992));
    assert_eq!(udp.len(), 3000);
    let pieces = [(1480usize, 1480usize, true), (0, 1480, true), (2960, 40, false)];
    for (i, &(off, len, mf)) in pieces.iter().enumerate() {
        let mut ip = Ip4::new(REMOTE, IP_HOST, 17, 57, 0x1c46);
        ip.mf = mf;
        ip.frag = (off / 8) as u16;
        let pkt = ip.packet(&udp[off..off + len]);
        f.push(Frame::new(
            1_000_000 + 150 * i as u64,
            eth(MAC_HOST, MAC_GW, 0x0800, &pkt),
        ));
    }
    // 7-8. Two fragments of one 40-byte UDP datagram that overlap: the first
    //    covers bytes 0-23, the second 16-39, and their 8 shared bytes
    //    differ ("AAAAAAAA" vs "BBBBBBBB"). Which copy wins is the receiver's
    //    choice: the classic evasion / teardrop shape. (UDP checksum 0: none.)
    let mut dgram = B::new()
        .u16(33000)
        .u16(44000)
        .u16(40)
        .u16(0)
        .put(b"overlap:AAAAAAAA")
        .done();
    let first = dgram.clone();
    dgram.truncate(16);
    dgram.extend_from_slice(b"BBBBBBBB-end-of-datagram");
    assert_eq!((first.len(), dgram.len()), (24, 40));
    let mut ip = Ip4::new(REMOTE, IP_HOST, 17, 57, 0x1c47);
    ip.mf = true;
    f.push(Frame::new(2_000_000, eth(MAC_HOST, MAC_GW, 0x0800, &ip.packet(&first))));
    ip.mf = false;
    ip.frag = 2;
    f.push(Frame::new(
        2_000_090,
        pad60(eth(MAC_HOST, MAC_GW, 0x0800, &ip.packet(&dgram[16..]))),
    ));
    // 9. A UDP datagram whose IPv4 header checksum is wrong (correct + 0x1111).
    let payload = b"header checksum test";
    let good = Ip4::new(IP_HOST, REMOTE, 17, 64, 0x3a02).header(8 + payload.len());
    let right = u16::from_be_bytes([good[10], good[11]]);
    let mut ip = Ip4::new(IP_HOST, REMOTE, 17, 64, 0x3a02);
    ip.checksum = Some(right.wrapping_add(0x1111));
    f.push(Frame::new(
        3_000_000,
        eth(
            MAC_GW,
            MAC_HOST,
            0x0800,
            &ip.packet(&udp4(IP_HOST, REMOTE, 40123, 40124, payload)),
        ),
    ));
    // 10. A traceroute probe: UDP to port 33434 with TTL 1, so the first
    //     router must drop it (and answer "time exceeded").
    let probe: Vec<u8> = (0x40..0x60).collect();
    f.push(Frame::new(
        4_000_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, REMOTE, 1, 0x3a03, false))
                .udp(40125, 33434),
            &probe
        ),
    ));
    // 11. A TCP SYN with Don't Fragment set (path MTU discovery).
    f.push(Frame::new(
        5_000_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, [198, 51, 100, 20], 64, 0x8f2c, true))
                .tcp(51000, 443, 0x0a0b_0c0d, 64240)
                .syn()
                .options(&[
                    etherparse::TcpOptionElement::MaximumSegmentSize(1460),
                    etherparse::TcpOptionElement::SelectiveAcknowledgementPermitted,
                    etherparse::TcpOptionElement::Timestamp(3_000_000, 0),
                    etherparse::TcpOptionElement::Noop,
                    etherparse::TcpOptionElement::WindowScale(7),
                ])
                .expect("options fit"),
            &[]
        ),
    ));
    // 12. A 4-byte UDP datagram: 46 bytes of frame, padded by the sender to
    //     Ethernet's 60-byte minimum. The 14 zero bytes after the IPv4 total
    //     length (32) are Ethernet padding, not UDP data.
    f.push(Frame::new(
        6_000_000,
        pad60(build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4(REMOTE, IP_HOST, 57, 0xe0f2, false))
                .udp(40126, 40127),
            b"tiny"
        )),
    ));
    f
}
