//! vlan.pcap: 802.1Q, QinQ (802.1ad), and the 802.3 length/LLC framings.

use etherparse::{
    DoubleVlanHeader, EtherType, PacketBuilder, SingleVlanHeader, TcpOptionElement, VlanHeader, VlanId, VlanPcp,
};

use crate::build;
use crate::craft::*;

fn tag(vid: u16, pcp: u8) -> SingleVlanHeader {
    SingleVlanHeader {
        pcp: VlanPcp::try_new(pcp).expect("3 bits"),
        drop_eligible_indicator: false,
        vlan_id: VlanId::try_new(vid).expect("12 bits"),
        ether_type: EtherType(0),
    }
}

/// An RTP packet (version 2, PT 0 = G.711 µ-law) with 20 ms of silence.
fn rtp(seq: u16, timestamp: u32, ssrc: u32) -> Vec<u8> {
    B::new()
        .u8(0x80)
        .u8(0)
        .u16(seq)
        .u32(timestamp)
        .u32(ssrc)
        .put(&[0xff; 160])
        .done()
}

pub fn frames() -> Vec<Frame> {
    let mut f = Vec::new();
    // 1-2. Voice on VLAN 100 with priority 5 (PCP 5 = voice), both ways.
    f.push(Frame::new(
        0,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_PEER)
                .vlan(VlanHeader::Single(tag(100, 5)))
                .ip(ip4(IP_HOST, IP_PEER, 64, 0x2f01, true))
                .udp(16384, 16386),
            &rtp(4711, 160_000, 0x1122_3344)
        ),
    ));
    f.push(Frame::new(
        9_870,
        build!(
            PacketBuilder::ethernet2(MAC_PEER, MAC_HOST)
                .vlan(VlanHeader::Single(tag(100, 5)))
                .ip(ip4(IP_PEER, IP_HOST, 64, 0x7a10, true))
                .udp(16386, 16384),
            &rtp(901, 48_000, 0x5566_7788)
        ),
    ));
    // 3. QinQ: a provider tag (TPID 0x88a8, S-VID 200) around a customer tag
    //    (TPID 0x8100, C-VID 10) around a TCP SYN.
    let qinq = VlanHeader::Double(DoubleVlanHeader {
        outer: tag(200, 0),
        inner: tag(10, 0),
    });
    f.push(Frame::new(
        250_000,
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .vlan(qinq)
                .ip(ip4(IP_HOST, [203, 0, 113, 5], 64, 0x5b3a, true))
                .tcp(50320, 443, 0x1f2e_3d4c, 64240)
                .syn()
                .options(&[
                    TcpOptionElement::MaximumSegmentSize(1460),
                    TcpOptionElement::SelectiveAcknowledgementPermitted,
                    TcpOptionElement::Timestamp(2_100_000, 0),
                    TcpOptionElement::Noop,
                    TcpOptionElement::WindowScale(7),
                ])
                .expect("options fit"),
            &[]
        ),
    ));
    // 4. A Spanning Tree configuration BPDU: an 802.3 frame (the type field
    //    is a length, 38) with LLC DSAP 0x42, SSAP 0x42, control 0x03 (UI),
    //    from the root bridge, padded to 60 bytes.
    let bridge_id = [0x80, 0x00, 0x02, 0, 0, 0, 0, 0xfe];
    let bpdu = B::new()
        .put(&[0x42, 0x42, 0x03]) // LLC
        .u16(0) // protocol identifier
        .u8(0) // version: STP
        .u8(0) // type: configuration
        .u8(0) // flags
        .put(&bridge_id) // root identifier
        .u32(0) // root path cost: this bridge is the root
        .put(&bridge_id) // bridge identifier
        .u16(0x8001) // port identifier
        .u16(0) // message age (1/256 s)
        .u16(20 * 256) // max age
        .u16(2 * 256) // hello time
        .u16(15 * 256) // forward delay
        .done();
    f.push(Frame::new(
        1_000_000,
        pad60(eth_8023([0x01, 0x80, 0xc2, 0, 0, 0], [0x02, 0, 0, 0, 0, 0xfe], &bpdu)),
    ));
    // 5. IPv4 in LLC/SNAP (RFC 1042): 802.3 length, LLC 0xaa 0xaa 0x03,
    //    OUI 00-00-00, protocol id 0x0800 (an EtherType), then IPv4/UDP.
    let payload = b"IPv4 over LLC/SNAP (RFC 1042)";
    let ip = Ip4::new(IP_PEER, IP_HOST, 17, 64, 0x0c0d).packet(&udp4(IP_PEER, IP_HOST, 40001, 40002, payload));
    let snap = B::new().put(&[0xaa, 0xaa, 0x03, 0, 0, 0]).u16(0x0800).put(&ip).done();
    f.push(Frame::new(1_500_000, eth_8023(MAC_HOST, MAC_PEER, &snap)));
    f
}
