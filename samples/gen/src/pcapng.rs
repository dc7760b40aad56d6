//! two-interfaces.pcapng: a WireGuard VPN seen from both sides at once:
//! `tun0` (raw IP, the inside) and `eth0` (Ethernet, the encrypted outside).
//!
//! wirelens's writer makes the Section Header, the two Interface Description
//! Blocks and the Enhanced Packet Blocks (with comments and direction
//! flags). The blocks it has no API for are spliced in afterwards, here:
//! a comment in the Section Header Block, a Name Resolution Block right
//! after the interfaces, and an Interface Statistics Block per interface at
//! the end.

use std::error::Error;
use std::path::Path;

use etherparse::{IpHeaders, PacketBuilder};
use wirelens::capture::{Interface, PcapWriter, WriteFormat};

use crate::build;
use crate::craft::*;

pub const FILE: &str = "two-interfaces.pcapng";

pub const SECTION_COMMENT: &str = "wirelens sample: one ping over IPv4 and one over IPv6 through a WireGuard tunnel, \
captured on tun0 (inside, raw IP) and eth0 (outside, UDP port 51820) at the same time. \
Made by wirelens-samplegen.";

const PEER: [u8; 4] = [198, 51, 100, 30];
const TUN_HOST: [u8; 4] = [203, 0, 113, 2];
const TUN_SERVER: [u8; 4] = [203, 0, 113, 50];
const TUN_HOST6: [u8; 16] = v6_groups([0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2]);
const TUN_SERVER6: [u8; 16] = v6_groups([0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 0x50]);

/// epb_flags direction bits.
const INBOUND: u32 = 1;
const OUTBOUND: u32 = 2;

// pcapng block types.
const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const NRB: u32 = 4;
const ISB: u32 = 5;

/// Deterministic stand-in for ciphertext (xorshift32).
fn noise(seed: u32, n: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A WireGuard transport data message carrying `inner` (encrypted: the
/// plaintext is padded to 16 bytes and gets a 16-byte tag).
fn wireguard(receiver: u32, counter: u64, inner: &[u8]) -> Vec<u8> {
    let sealed = inner.len().div_ceil(16) * 16 + 16;
    B::new()
        .u8(4)
        .zeros(3)
        .put(&receiver.to_le_bytes())
        .put(&counter.to_le_bytes())
        .put(&noise(receiver ^ counter as u32, sealed))
        .done()
}

fn outer(out: bool, id: u16, wg: &[u8]) -> Vec<u8> {
    if out {
        build!(
            PacketBuilder::ethernet2(MAC_HOST, MAC_GW)
                .ip(ip4(IP_HOST, PEER, 64, id, false))
                .udp(51820, 51820),
            wg
        )
    } else {
        build!(
            PacketBuilder::ethernet2(MAC_GW, MAC_HOST)
                .ip(ip4(PEER, IP_HOST, 53, id, false))
                .udp(51820, 51820),
            wg
        )
    }
}

/// (interface, µs, data, comments, flags) of each packet.
type Packet = (u32, u64, Vec<u8>, Vec<String>, u32);

fn packets() -> Vec<Packet> {
    let (eth0, tun0) = (0, 1);
    let c = |s: &str| vec![s.to_string()];
    let p4 = ping_payload(0, 56);
    let req4 = build!(
        PacketBuilder::ip(ip4(TUN_HOST, TUN_SERVER, 64, 0x1100, true)).icmpv4_echo_request(0x0f01, 1),
        &p4
    );
    let rep4 = build!(
        PacketBuilder::ip(ip4(TUN_SERVER, TUN_HOST, 64, 0x6600, false)).icmpv4_echo_reply(0x0f01, 1),
        &p4
    );
    let p6 = ping_payload(1_000_000, 56);
    let v6h = |s, d| IpHeaders::Ipv6(ip6(s, d, 64), Default::default());
    let req6 = build!(
        PacketBuilder::ip(v6h(TUN_HOST6, TUN_SERVER6)).icmpv6_echo_request(0x0f02, 1),
        &p6
    );
    let rep6 = build!(
        PacketBuilder::ip(v6h(TUN_SERVER6, TUN_HOST6)).icmpv6_echo_reply(0x0f02, 1),
        &p6
    );
    vec![
        (
            tun0,
            0,
            req4.clone(),
            c("the ping as the application sent it, inside the tunnel"),
            OUTBOUND,
        ),
        (
            eth0,
            61,
            outer(true, 0x3300, &wireguard(0x5eed_0001, 7, &req4)),
            c("the same ping, encrypted, on the wire"),
            OUTBOUND,
        ),
        (
            eth0,
            24_870,
            outer(false, 0x7100, &wireguard(0x5eed_1001, 9, &rep4)),
            Vec::new(),
            INBOUND,
        ),
        (tun0, 24_930, rep4, c("decrypted reply"), INBOUND),
        (tun0, 1_000_000, req6.clone(), c("IPv6 inside an IPv4 tunnel"), OUTBOUND),
        (
            eth0,
            1_000_058,
            outer(true, 0x3301, &wireguard(0x5eed_0001, 8, &req6)),
            Vec::new(),
            OUTBOUND,
        ),
        (
            eth0,
            1_025_310,
            outer(false, 0x7101, &wireguard(0x5eed_1001, 10, &rep6)),
            Vec::new(),
            INBOUND,
        ),
        (tun0, 1_025_372, rep6, Vec::new(), INBOUND),
    ]
}

fn iface(linktype: u32, name: &str, description: &str) -> Interface {
    let mut i = Interface::new(linktype, crate::SNAPLEN);
    i.name = Some(name.to_string());
    i.description = Some(description.to_string());
    i
}

fn pad4(v: &mut Vec<u8>) {
    while v.len() % 4 != 0 {
        v.push(0);
    }
}

/// A pcapng option (little-endian, like the writer's section).
fn opt(code: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&code.to_le_bytes());
    v.extend_from_slice(&(value.len() as u16).to_le_bytes());
    v.extend_from_slice(value);
    pad4(&mut v);
    v
}

fn block(btype: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + body.len()) as u32;
    let mut v = Vec::new();
    v.extend_from_slice(&btype.to_le_bytes());
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(body);
    v.extend_from_slice(&len.to_le_bytes());
    v
}

/// A Name Resolution Block: one IPv4 and one IPv6 record.
fn nrb() -> Vec<u8> {
    let mut body = Vec::new();
    let mut record = |rtype: u16, addr: &[u8], name: &str| {
        let mut value = addr.to_vec();
        value.extend_from_slice(name.as_bytes());
        value.push(0);
        body.extend_from_slice(&opt(rtype, &value));
    };
    record(1, &PEER, "vpn.example.net");
    record(2, &TUN_SERVER6, "intranet.example.net");
    body.extend_from_slice(&opt(0, &[])); // nrb_record_end
    block(NRB, &body)
}

/// pcapng timestamps (ns, as the writer's interfaces say) as high, low words.
fn ts_words(us: u64) -> Vec<u8> {
    let ns = ts(us).as_nanos() as u64;
    let mut v = Vec::new();
    v.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
    v.extend_from_slice(&(ns as u32).to_le_bytes());
    v
}

/// An Interface Statistics Block.
fn isb(iface: u32, at_us: u64, start_us: u64, recv: u64, drop: u64) -> Vec<u8> {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&ts_words(at_us));
    body.extend_from_slice(&opt(2, &ts_words(start_us))); // isb_starttime
    body.extend_from_slice(&opt(3, &ts_words(at_us))); // isb_endtime
    body.extend_from_slice(&opt(4, &recv.to_le_bytes())); // isb_ifrecv
    body.extend_from_slice(&opt(5, &drop.to_le_bytes())); // isb_ifdrop
    body.extend_from_slice(&opt(0, &[]));
    block(ISB, &body)
}

/// (type, start, end) of each block of a little-endian pcapng file.
fn blocks(file: &[u8]) -> Vec<(u32, usize, usize)> {
    let mut v = Vec::new();
    let mut off = 0;
    while off + 12 <= file.len() {
        let t = u32::from_le_bytes(file[off..off + 4].try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(file[off + 4..off + 8].try_into().expect("4 bytes")) as usize;
        assert!(
            len >= 12 && off + len <= file.len(),
            "the writer's pcapng is well-formed"
        );
        v.push((t, off, off + len));
        off += len;
    }
    assert_eq!(off, file.len());
    v
}

/// The writer's Section Header Block with `comment` added as its first option.
fn shb_with_comment(shb: &[u8], comment: &str) -> Vec<u8> {
    // type, length, byte-order magic, version, section length: 24 bytes.
    let mut body = shb[8..24].to_vec();
    body.extend_from_slice(&opt(1, comment.as_bytes()));
    body.extend_from_slice(&shb[24..shb.len() - 4]);
    block(SHB, &body)
}

/// Writes the sample into `outdir`; returns the number of packets.
pub fn write(outdir: &Path) -> Result<u64, Box<dyn Error>> {
    let path = outdir.join(FILE);
    let ifaces = [
        iface(crate::LINKTYPE_ETHERNET, "eth0", "LAN uplink"),
        iface(crate::LINKTYPE_RAW, "tun0", "WireGuard tunnel"),
    ];
    let mut w = PcapWriter::create_with_interfaces(&path, WriteFormat::Pcapng, &ifaces)?;
    let pkts = packets();
    for (i, us, data, comments, flags) in &pkts {
        w.write_packet_on(*i, ts(*us), data.len() as u32, data, comments, Some(*flags))?;
    }
    let n = w.finish()?;

    let file = std::fs::read(&path)?;
    let bl = blocks(&file);
    let (t0, s0, e0) = bl[0];
    assert_eq!((t0, s0), (SHB, 0));
    let last_idb = bl
        .iter()
        .take_while(|b| b.0 == SHB || b.0 == IDB)
        .last()
        .expect("SHB")
        .2;
    let mut out = shb_with_comment(&file[s0..e0], SECTION_COMMENT);
    out.extend_from_slice(&file[e0..last_idb]);
    out.extend_from_slice(&nrb());
    out.extend_from_slice(&file[last_idb..]);
    let end = pkts.iter().map(|p| p.1).max().unwrap_or(0) + 500_000;
    for (id, _) in ifaces.iter().enumerate() {
        let recv = pkts.iter().filter(|p| p.0 == id as u32).count() as u64;
        out.extend_from_slice(&isb(id as u32, end, 0, recv, 0));
    }
    std::fs::write(&path, &out)?;
    Ok(n)
}
