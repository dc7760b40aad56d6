//! udp.pcap: UDP, its checksum and its length field.

use etherparse::PacketBuilder;

use crate::build;
use crate::craft::*;

const REMOTE: [u8; 4] = [198, 51, 100, 9];

/// Ethernet/IPv4 around a hand-made UDP header + payload `udp`.
fn frame(out: bool, id: u16, udp: &[u8]) -> Vec<u8> {
    let (src, dst, mac_dst, mac_src, ttl) = if out {
        (IP_HOST, REMOTE, MAC_GW, MAC_HOST, 64)
    } else {
        (REMOTE, IP_HOST, MAC_HOST, MAC_GW, 57)
    };
    pad60(eth(
        mac_dst,
        mac_src,
        0x0800,
        &Ip4::new(src, dst, 17, ttl, id).packet(udp),
    ))
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    // 1-2. A datagram and its answer (ports 40000 <-> 7777).
    f.push(Frame::new(
        0,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, REMOTE, 64, 0x6100, false))
                .udp(40000, 7777),
            b"hello from 192.0.2.10"
        ),
    ));
    f.push(Frame::new(
        18_300,
        pad60(build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4(REMOTE, IP_HOST, 57, 0x3e00, false))
                .udp(7777, 40000),
            b"hello back"
        )),
    ));
    // 3. A wrong UDP checksum (the correct one with its low byte flipped):
    //    the receiver must drop it.
    let mut bad = udp4(IP_HOST, REMOTE, 40000, 7777, b"bit flipped in transit?");
    bad[7] ^= 0xff;
    f.push(Frame::new(1_000_000, frame(true, 0x6101, &bad)));
    // 4. Checksum 0: "no checksum", legal over IPv4 (not over IPv6).
    let mut none = udp4(IP_HOST, REMOTE, 40000, 7777, b"no checksum at all");
    set16(&mut none, 6, 0);
    f.push(Frame::new(2_000_000, frame(true, 0x6102, &none)));
    // 5. The UDP length field says 64 bytes but the IPv4 packet carries only
    //    20 bytes of UDP (8 header + 12 data). Checksum 0, so the length is
    //    the only thing wrong.
    let long = B::new().u16(7777).u16(40000).u16(64).u16(0).put(b"short packet").done();
    f.push(Frame::new(3_000_000, frame(false, 0x3e01, &long)));
    // 6. The other way round: UDP length 12 (4 bytes of data, "real") while
    //    the IPv4 packet carries 8 more bytes after them ("trailing"): UDP
    //    ends where its length says; the rest is not UDP data.
    let short = B::new().u16(7777).u16(40000).u16(12).u16(0).put(b"realtrailing").done();
    f.push(Frame::new(4_000_000, frame(false, 0x3e02, &short)));
    f
}
