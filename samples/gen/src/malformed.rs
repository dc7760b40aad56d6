//! malformed.pcap: each frame broken in one way. A dissector should show
//! every field that did parse, then say exactly what is wrong.

use crate::craft::*;

const SERVER: [u8; 4] = [198, 51, 100, 20];

/// MSS 1460, SACK_PERM, TS, NOP, WS 7 (20 bytes).
fn syn_options() -> Vec<u8> {
    B::new()
        .put(&[2, 4])
        .u16(1460)
        .put(&[4, 2])
        .put(&[8, 10])
        .u32(3_141_592_653)
        .u32(0)
        .put(&[1, 3, 3, 7])
        .done()
}

fn tcp(sport: u16, flags: u8, options: Vec<u8>, doff: Option<u8>) -> Tcp {
    Tcp {
        sport,
        dport: 80,
        seq: 0x4d41_4c46,
        ack: 0,
        flags,
        win: 64240,
        options,
        doff,
    }
}

/// Ethernet + IPv4 (from the host to SERVER) around `l4`.
fn v4(id: u16, proto: u8, l4: &[u8]) -> Vec<u8> {
    eth(
        MAC_GW,
        MAC_HOST,
        0x0800,
        &Ip4::new(IP_HOST, SERVER, proto, 64, id).packet(l4),
    )
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    let mut t = 0;
    let mut next = || {
        t += 100_000;
        t
    };
    // A 74-byte TCP SYN, captured with three different snap lengths:
    let syn = v4(
        0x7001,
        6,
        &tcp(51600, SYN, syn_options(), None).segment4(IP_HOST, SERVER, &[]),
    );
    assert_eq!(syn.len(), 74);
    // 1. cut after 10 bytes of the IPv4 header (24 of 74 bytes captured);
    f.push(Frame::cut(next(), &syn, 14 + 10));
    // 2. cut after 10 bytes of the TCP header (44 of 74);
    f.push(Frame::cut(next(), &syn, 14 + 20 + 10));
    // 3. cut inside the TCP options, in the middle of the Timestamps option (64 of 74).
    f.push(Frame::cut(next(), &syn, 14 + 20 + 20 + 10));
    // 4. IPv4 header length field 4 (16 bytes): less than the 20-byte minimum.
    let udp = udp4(IP_HOST, SERVER, 40000, 7777, b"IHL says 4");
    let mut ip = Ip4::new(IP_HOST, SERVER, 17, 64, 0x7004);
    ip.ihl = Some(4);
    f.push(Frame::new(
        next(),
        pad60(eth(MAC_GW, MAC_HOST, 0x0800, &ip.packet(&udp))),
    ));
    // 5. IPv4 total length 16, less than its own 20-byte header.
    let udp = udp4(IP_HOST, SERVER, 40000, 7777, b"total length says 16");
    let mut ip = Ip4::new(IP_HOST, SERVER, 17, 64, 0x7005);
    ip.total_len = Some(16);
    f.push(Frame::new(
        next(),
        pad60(eth(MAC_GW, MAC_HOST, 0x0800, &ip.packet(&udp))),
    ));
    // 6. TCP data offset 3 (12 bytes): less than the 20-byte minimum.
    f.push(Frame::new(
        next(),
        pad60(v4(
            0x7006,
            6,
            &tcp(51606, ACK, Vec::new(), Some(3)).segment4(IP_HOST, SERVER, &[]),
        )),
    ));
    // 7. A TCP option with length 0 (an MSS option whose length byte was
    //    zeroed): a parser that trusts it never moves forward.
    let opts = vec![2, 0, 0x05, 0xb4];
    f.push(Frame::new(
        next(),
        pad60(v4(
            0x7007,
            6,
            &tcp(51607, SYN, opts, None).segment4(IP_HOST, SERVER, &[]),
        )),
    ));
    // 8. A TCP option running past the header: data offset 6 leaves 4 bytes
    //    of options, NOP NOP then a Timestamps option (length 10) whose last
    //    8 bytes would be the segment's data ("data").
    let opts = vec![1, 1, 8, 10];
    f.push(Frame::new(
        next(),
        pad60(v4(
            0x7008,
            6,
            &tcp(51608, ACK | PSH, opts, None).segment4(IP_HOST, SERVER, b"data"),
        )),
    ));
    // 9. EtherType 0x88b5 (IEEE 802 local experimental 1): nothing
    //    standard to decode, the payload can only be shown as data.
    f.push(Frame::new(
        next(),
        eth(
            MAC_BCAST,
            MAC_HOST,
            0x88b5,
            b"EtherType 0x88b5: local experimental, payload unknown",
        ),
    ));
    // 10. An ARP request (42 bytes) cut after 10 bytes of ARP: hardware and
    //     protocol types, sizes, opcode and 2 bytes of the sender MAC.
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
    let arp = eth(MAC_BCAST, MAC_HOST, 0x0806, &arp);
    f.push(Frame::cut(next(), &arp, 14 + 10));
    // 11. An IPv6 packet whose extension header chain runs past the data:
    //     Hop-by-Hop (8 bytes, complete) then Destination Options claiming
    //     264 bytes (Hdr Ext Len 32) of which only 8 are there; the payload
    //     length (16) and the frame both end there.
    let mut h = ip6(v6(0, 0x10), v6(0x100, 7), 64);
    h.next_header = etherparse::IpNumber(0);
    h.payload_length = 16;
    let hbh = [60, 0, 1, 4, 0, 0, 0, 0]; // next: Destination Options; PadN
    let dst = [17, 32, 1, 4, 0, 0, 0, 0]; // next: UDP; claims 264 bytes
    let pkt = B::new().put(&h.to_bytes()).put(&hbh).put(&dst).done();
    f.push(Frame::new(next(), eth(MAC_GW, MAC_HOST, 0x86dd, &pkt)));
    // 12. A 10-byte runt: a destination MAC and 4 bytes of source MAC.
    f.push(Frame::new(next(), B::new().put(&MAC_GW).put(&MAC_HOST[..4]).done()));
    // 13. An empty frame: 0 bytes captured, 0 on the wire.
    f.push(Frame::new(next(), Vec::new()));
    f
}
