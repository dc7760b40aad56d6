//! Tests of the encapsulations and the extra link types: hand-made frames
//! decoded through [`crate::frame`], their typed layers, field values,
//! `frame.protocols`, columns, and truncation sweeps (every prefix of every
//! frame decodes, builds a tree and columns without a panic).

use crate::annot::Annotations;
use crate::frame::{build_tree, columns, protocols, Decoded, Decoder, FrameMeta, Ip, Transport};
use crate::link::linktype;
use crate::tree::{Base, Tree, Value};
use crate::tunnel::{Encap, MAX_DEPTH};

// ---------------------------------------------------------------------------
// Frame builders

fn csum(b: &[u8]) -> u16 {
    crate::util::checksum(b)
}

fn ip4(proto: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    ip4_frag(proto, src, dst, payload, 1, 0, false)
}

fn ip4_frag(proto: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8], id: u16, off8: u16, more: bool) -> Vec<u8> {
    let total = u16::try_from(20 + payload.len()).unwrap();
    let ff = (if more { 0x2000 } else { 0 }) | off8;
    let mut h = vec![0x45, 0];
    h.extend(total.to_be_bytes());
    h.extend(id.to_be_bytes());
    h.extend(u16::to_be_bytes(ff));
    h.extend([64, proto, 0, 0]);
    h.extend(src);
    h.extend(dst);
    let c = csum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend(payload);
    h
}

fn ip6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend(u16::try_from(payload.len()).unwrap().to_be_bytes());
    h.extend([next, 64]);
    h.extend([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.extend([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    h.extend(payload);
    h
}

fn icmp_echo() -> Vec<u8> {
    let mut b = vec![8, 0, 0, 0, 0, 7, 0, 9];
    b.extend(b"abcdefgh");
    let c = csum(&b);
    b[2..4].copy_from_slice(&c.to_be_bytes());
    b
}

fn udp(sp: u16, dp: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(sp.to_be_bytes());
    b.extend(dp.to_be_bytes());
    b.extend(u16::try_from(8 + payload.len()).unwrap().to_be_bytes());
    b.extend([0, 0]);
    b.extend(payload);
    b
}

fn tcp_syn(sp: u16, dp: u16) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(sp.to_be_bytes());
    b.extend(dp.to_be_bytes());
    b.extend(1000u32.to_be_bytes());
    b.extend(0u32.to_be_bytes());
    b.extend([0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    b
}

const M1: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
const M2: [u8; 6] = [0x00, 0x66, 0x77, 0x88, 0x99, 0xaa];
const M3: [u8; 6] = [0x02, 0x02, 0x02, 0x02, 0x02, 0x02];
const M4: [u8; 6] = [0x04, 0x04, 0x04, 0x04, 0x04, 0x04];
const O1: [u8; 4] = [10, 0, 0, 1];
const O2: [u8; 4] = [10, 0, 0, 2];
const I1: [u8; 4] = [192, 168, 1, 1];
const I2: [u8; 4] = [192, 168, 1, 2];

fn eth_of(dst: [u8; 6], src: [u8; 6], et: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = dst.to_vec();
    b.extend(src);
    b.extend(et.to_be_bytes());
    b.extend(payload);
    b
}

fn eth(et: u16, payload: &[u8]) -> Vec<u8> {
    eth_of(M1, M2, et, payload)
}

fn inner_ping() -> Vec<u8> {
    ip4(1, I1, I2, &icmp_echo())
}

fn gre(flags: u16, proto: u16, extra: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut b = flags.to_be_bytes().to_vec();
    b.extend(proto.to_be_bytes());
    b.extend(extra);
    b.extend(payload);
    b
}

fn mpls(label: u32, bottom: bool, ttl: u8) -> [u8; 4] {
    ((label << 12) | (u32::from(bottom) << 8) | u32::from(ttl)).to_be_bytes()
}

// ---------------------------------------------------------------------------
// Decoding helpers

fn meta(lt: u32, len: usize) -> FrameMeta {
    let l = u32::try_from(len).unwrap();
    FrameMeta {
        number: 1,
        caplen: l,
        origlen: l,
        linktype: lt,
        ..FrameMeta::default()
    }
}

struct Out {
    d: Decoded,
    t: Tree,
    data: Vec<u8>,
}

impl Out {
    fn values(&self, name: &str) -> Vec<String> {
        self.t
            .find(name)
            .map(|(_, n)| match (&n.value, n.base) {
                (Value::UInt(v), Base::Hex(d)) => format!("0x{:0w$x}", v, w = usize::from(d)),
                _ => {
                    let mut s = String::new();
                    self.t.write_field(&mut s, n, &self.data);
                    s
                }
            })
            .collect()
    }
    fn one(&self, name: &str) -> String {
        let v = self.values(name);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        v.into_iter().next().unwrap()
    }
    fn protos(&self) -> String {
        protocols(&self.d)
    }
    fn cols(&self) -> crate::frame::Columns {
        columns(&self.d, &meta(0, self.data.len()), &self.data, &Annotations::default())
    }
    fn kinds(&self) -> Vec<&'static str> {
        self.d
            .encap
            .iter()
            .map(|l| match &l.encap {
                Encap::Ip(Ip::V4(_)) | Encap::Ipv4Version6(_) => "ip",
                Encap::Ip(Ip::V6(_)) => "ipv6",
                Encap::Udp(..) => "udp",
                Encap::Ah(_) => "ah",
                Encap::Gre(_) => "gre",
                Encap::Erspan(_) => "erspan",
                Encap::CiscoMeta(_) => "cmd",
                Encap::Vxlan(_) => "vxlan",
                Encap::VxlanGpe(_) => "vxlan-gpe",
                Encap::Nsh(_) => "nsh",
                Encap::Geneve(_) => "geneve",
                Encap::Mpls(_) => "mpls",
                Encap::PwEthCw(_) => "pwethcw",
                Encap::Pppoe(_) => "pppoe",
                Encap::Ppp(_) => "ppp",
                Encap::L2tp(_) => "l2tp",
                Encap::Pbb(_) => "pbb",
                Encap::VnTag(_) => "vntag",
                Encap::Avsp(_) => "avsp",
                Encap::Macsec(..) => "macsec",
                Encap::PimRegister(_) => "pim",
                Encap::Teredo(_) => "teredo",
                Encap::Gtpu(_) => "gtp",
                Encap::Link(_) => "eth",
            })
            .collect()
    }
}

fn decode_lt(lt: u32, data: &[u8]) -> Out {
    let m = meta(lt, data.len());
    let d = Decoder::default().decode(&m, data);
    let mut t = Tree::new();
    build_tree(&d, &m, data, &Annotations::default(), &mut t);
    Out {
        d,
        t,
        data: data.to_vec(),
    }
}

fn decode(data: &[u8]) -> Out {
    decode_lt(linktype::ETHERNET, data)
}

/// Every prefix of the frame decodes, builds its tree, columns and
/// protocols without a panic, and a cut frame reports an error once the
/// cut falls inside a header (`headers` bytes long in all; cuts at the
/// offsets in `ok` fall between layers that may legitimately end there).
fn sweep(lt: u32, data: &[u8], headers: usize, ok: &[usize]) {
    for n in 0..=data.len() {
        let cut = data.get(..n).unwrap();
        let mut m = meta(lt, data.len());
        m.caplen = u32::try_from(n).unwrap();
        let d = Decoder::default().decode(&m, cut);
        let mut t = Tree::new();
        build_tree(&d, &m, cut, &Annotations::default(), &mut t);
        let _ = columns(&d, &m, cut, &Annotations::default());
        let _ = protocols(&d);
        let mut s = String::new();
        t.render_text(&mut s, cut);
        for (_, node) in t.iter() {
            if node.value != Value::None && node.src == 0 && node.len > 0 {
                assert!(
                    node.off as usize + node.len as usize <= n,
                    "field {} {}+{} past the data ({n})",
                    node.name,
                    node.off,
                    node.len
                );
            }
        }
        if n < headers && !ok.contains(&n) {
            assert!(!d.errors.is_empty(), "cut at {n} of {headers}: no error");
        }
    }
}

// ---------------------------------------------------------------------------
// GRE

#[test]
fn a_plain_frame_sweeps_clean_too() {
    let f = eth(0x0800, &inner_ping());
    sweep(linktype::ETHERNET, &f, 14 + 28, &[]);
}

#[test]
fn gre_carries_ipv4_and_keeps_the_inner_ip_as_the_network_layer() {
    let f = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x0800, &[], &inner_ping())));
    let o = decode(&f);
    assert_eq!(o.kinds(), ["ip", "gre"]);
    assert!(matches!(&o.d.ip, Some(Ip::V4(h)) if h.src.octets() == I1));
    assert!(matches!(o.d.transport, Some(Transport::Icmp(_))));
    assert!(o.d.errors.is_empty(), "{:?}", o.d.errors);
    assert_eq!(o.protos(), "eth:ethertype:ip:gre:ip:icmp");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    assert_eq!(o.values("ip.proto"), ["47", "1"]);
    assert_eq!(o.one("gre.proto"), "0x0800");
    assert_eq!(o.one("gre.flags.version"), "0");
    let c = o.cols();
    assert_eq!(
        (c.src.as_str(), c.dst.as_str(), c.proto.as_str()),
        ("192.168.1.1", "192.168.1.2", "ICMP")
    );
    sweep(linktype::ETHERNET, &f, 14 + 20 + 4 + 20 + 8, &[]);
}

#[test]
fn gre_checksum_key_and_sequence() {
    let mut g = gre(
        0xb000,
        0x0800,
        &[0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 5],
        &inner_ping(),
    );
    let c = csum(&g);
    g[4..6].copy_from_slice(&c.to_be_bytes());
    let f = eth(0x0800, &ip4(47, O1, O2, &g));
    let o = decode(&f);
    assert_eq!(o.one("gre.key"), "0x00001234");
    assert_eq!(o.one("gre.sequence_number"), "5");
    assert_eq!(o.one("gre.checksum.status"), "1");
    assert_eq!(o.one("gre.offset"), "0");
    assert_eq!(o.values("ip.src").len(), 2);
    // A wrong checksum is flagged, the payload still dissected.
    let mut bad = f.clone();
    bad[14 + 20 + 4] ^= 0xff;
    let o = decode(&bad);
    assert_eq!(o.one("gre.checksum.status"), "0");
    assert!(o.t.experts().any(|(_, e)| e.code == "gre.checksum.incorrect"));
    assert!(o.d.ip.is_some());
    sweep(linktype::ETHERNET, &f, 14 + 20 + 16 + 20 + 8, &[]);
}

#[test]
fn enhanced_gre_carries_ppp() {
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend(inner_ping());
    let mut extra = u16::try_from(ppp.len()).unwrap().to_be_bytes().to_vec();
    extra.extend([0, 7, 0, 0, 0, 3, 0, 0, 0, 2]);
    let f = eth(0x0800, &ip4(47, O1, O2, &gre(0x3081, 0x880b, &extra, &ppp)));
    let o = decode(&f);
    assert_eq!(o.kinds(), ["ip", "gre", "ppp"]);
    assert_eq!(o.protos(), "eth:ethertype:ip:gre:ppp:ip:icmp");
    assert_eq!(o.one("gre.flags.version"), "1");
    assert_eq!(o.one("gre.key.call_id"), "7");
    assert_eq!(o.one("gre.ack_number"), "2");
    assert_eq!(o.one("ppp.protocol"), "0x0021");
    assert!(o.d.ip.is_some());
    sweep(linktype::ETHERNET, &f, 14 + 20 + 16 + 4 + 20 + 8, &[]);
}

#[test]
fn gre_routing_entries() {
    // RFC 1701 routing: one SRE of 4 bytes, then the terminating one.
    let extra = [0, 0, 0, 0, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0];
    let f = eth(0x0800, &ip4(47, O1, O2, &gre(0x4000, 0x0800, &extra, &inner_ping())));
    let o = decode(&f);
    assert_eq!(o.values("gre.routing.address_family"), ["2048", "0"]);
    assert_eq!(o.one("gre.routing.information"), "01020304");
    assert!(o.d.ip.is_some());
    sweep(linktype::ETHERNET, &f, 14 + 20 + 20 + 20 + 8, &[]);
}

#[test]
fn erspan_types_one_two_and_three() {
    let inner = eth_of(M3, M4, 0x0800, &inner_ping());
    // Type I: no sequence number, no header.
    let f1 = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x88be, &[], &inner)));
    let o = decode(&f1);
    assert_eq!(o.kinds(), ["ip", "gre", "erspan", "eth"]);
    assert_eq!(o.protos(), "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:icmp");
    assert_eq!(o.values("eth.src"), ["00:66:77:88:99:aa", "04:04:04:04:04:04"]);
    assert_eq!(o.values("erspan.version").len(), 0);
    // Type II: sequence number, 8-byte header.
    let mut e2 = vec![0x10, 0x65, 0xc0, 0x01, 0x00, 0x08, 0x40, 0x65];
    e2.extend(&inner);
    let f2 = eth(0x0800, &ip4(47, O1, O2, &gre(0x1000, 0x88be, &[0, 0, 0, 9], &e2)));
    let o = decode(&f2);
    assert_eq!(o.kinds(), ["ip", "gre", "erspan", "eth"]);
    assert_eq!(o.one("erspan.version"), "1");
    assert_eq!(o.one("erspan.vlan"), "101");
    assert_eq!(o.one("erspan.cos"), "6");
    assert_eq!(o.one("erspan.spanid"), "1");
    assert_eq!(o.one("erspan.index"), "540773");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f2, 14 + 20 + 8 + 8 + 14 + 20 + 8, &[]);
    // Type III: 12-byte header, with and without the platform subheader.
    let mut e3 = vec![0x20, 0x14, 0x00, 0x00, 0xa3, 0x59, 0x5b, 0xff, 0, 0, 0x00, 0x06];
    e3.extend(&inner);
    let f3 = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x22eb, &[], &e3)));
    let o = decode(&f3);
    assert_eq!(o.kinds(), ["ip", "gre", "erspan", "eth"]);
    assert_eq!(o.one("erspan.version"), "2");
    assert_eq!(o.one("erspan.vlan"), "20");
    assert_eq!(o.one("erspan.timestamp"), "2740542463");
    assert_eq!(o.one("erspan.gra"), "3");
    assert!(o.d.ip.is_some());
    let mut e3o = vec![
        0x20, 0x14, 0x00, 0x00, 0xa3, 0x59, 0x5b, 0xff, 0, 0, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7, 8,
    ];
    e3o.extend(&inner);
    let o = decode(&eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x22eb, &[], &e3o))));
    assert_eq!(o.values("eth.src").len(), 2);
    sweep(linktype::ETHERNET, &f3, 14 + 20 + 4 + 12 + 14 + 20 + 8, &[]);
}

#[test]
fn cisco_metadata_after_gre_and_after_ethernet() {
    // After GRE the type comes first.
    let mut cmd = vec![0x08, 0x00, 1, 1, 0, 1, 0, 0];
    cmd.extend(inner_ping());
    let f = eth(0x0800, &ip4(47, O1, O2, &gre(0x2000, 0x8909, &[0, 0, 0, 0x28], &cmd)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:gre:cmd:ip:icmp");
    assert_eq!(o.one("cmd.type"), "0x0800");
    assert_eq!(o.one("cmd.version"), "1");
    assert!(o.d.ip.is_some());
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 28, &[]);
    // After Ethernet it comes last.
    let mut cmd = vec![1, 1, 0, 1, 0, 5, 0x08, 0x00];
    cmd.extend(inner_ping());
    let o = decode(&eth(0x8909, &cmd));
    assert_eq!(o.protos(), "eth:ethertype:cmd:ip:icmp");
    assert_eq!(o.one("cmd.sgt"), "5");
}

#[test]
fn wccp_redirect_header_in_gre() {
    let mut w = vec![0x00, 0x5a, 0x00, 0x07];
    w.extend(inner_ping());
    let f = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x883e, &[], &w)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:gre:ip:icmp");
    assert_eq!(o.one("gre.wccp.service_id"), "90");
    assert_eq!(o.one("gre.wccp.primary_bucket"), "7");
    // Without the redirect header the IPv4 packet follows at once.
    let o = decode(&eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x883e, &[], &inner_ping()))));
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 28, &[]);
}

#[test]
fn pim_register_carries_a_packet() {
    let mut p = vec![0x21, 0, 0, 0, 0x40, 0, 0, 0];
    let c = csum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p.extend(ip4(17, I1, I2, &udp(1000, 2000, b"mc")));
    let f = eth(0x0800, &ip4(103, O1, O2, &p));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:pim:ip:udp");
    assert_eq!(o.one("pim.type"), "1");
    assert_eq!(o.one("pim.register_flag.null_register"), "1");
    assert_eq!(o.one("pim.cksum.status"), "1");
    assert_eq!(o.d.udp().map(|u| u.dport), Some(2000));
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 28, &[34]);
    // Other PIM messages are the innermost layer's payload.
    let o = decode(&eth(0x0800, &ip4(103, O1, O2, &[0x20, 0, 0, 0, 0, 1, 0, 2])));
    assert!(o.d.encap.is_empty());
}

#[test]
fn teredo_with_origin_indication() {
    let mut t = vec![0, 0, 0xff, 0xfe, 0xf5, 0xff, 0xff, 0xfe];
    t.extend(ip6(59, &[]));
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(3544, 40000, &t)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:teredo:ipv6");
    assert_eq!(o.one("teredo.orig.port"), "1");
    assert_eq!(o.one("teredo.orig.addr"), "10.0.0.1");
    assert!(matches!(o.d.ip, Some(Ip::V6(_))));
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 40, &[]);
}

#[test]
fn mpls_in_udp_and_vntag() {
    let mut m = mpls(16, true, 64).to_vec();
    m.extend(inner_ping());
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(50000, 6635, &m)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:mpls:ip:icmp");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);

    let mut v = vec![0x80, 0x05, 0x00, 0x02, 0x81, 0x00, 0x00, 0x0b, 0x08, 0x00];
    v.extend(inner_ping());
    let f = eth(0x8926, &v);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:vntag:ethertype:vlan:ethertype:ip:icmp");
    assert_eq!(o.one("vntag.dst"), "5");
    assert_eq!(o.one("vntag.src"), "2");
    assert_eq!(o.one("vlan.id"), "11");
    sweep(linktype::ETHERNET, &f, 14 + 10 + 28, &[]);
}

// ---------------------------------------------------------------------------
// IP in IP

#[test]
fn ip_in_ip_and_ipv6_in_ipv4_and_ipv4_in_ipv6() {
    let f = eth(0x0800, &ip4(4, O1, O2, &inner_ping()));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:ip:icmp");
    assert_eq!(o.values("ip.dst"), ["10.0.0.2", "192.168.1.2"]);
    sweep(linktype::ETHERNET, &f, 14 + 40 + 8, &[]);

    let f = eth(0x0800, &ip4(41, O1, O2, &ip6(17, &udp(1000, 2000, b"hi"))));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:ipv6:udp");
    assert!(matches!(o.d.ip, Some(Ip::V6(_))));
    assert_eq!(o.d.udp().map(|u| u.dport), Some(2000));
    assert_eq!(o.one("ipv6.dst"), "2001:db8::2");
    sweep(linktype::ETHERNET, &f, 14 + 20 + 40 + 8, &[]);

    let f = eth(0x86dd, &ip6(4, &inner_ping()));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ipv6:ip:icmp");
    assert_eq!(o.one("ip.src"), "192.168.1.1");
}

#[test]
fn nesting_deeper_than_the_limit_is_flagged() {
    let mut p = inner_ping();
    for _ in 0..MAX_DEPTH + 2 {
        p = ip4(4, O1, O2, &p);
    }
    let f = eth(0x0800, &p);
    let o = decode(&f);
    assert_eq!(o.d.encap.len(), MAX_DEPTH);
    assert!(o
        .d
        .errors
        .iter()
        .any(|e| matches!(e.kind, crate::error::ErrorKind::Malformed(m) if m.contains("nested"))));
    assert!(o.t.find("_ws.malformed").count() >= 1);
}

#[test]
fn an_inner_fragmented_datagram_is_reassembled() {
    let payload = {
        let mut u = udp(5000, 6000, &[7u8; 40]);
        u.truncate(48);
        u
    };
    let a = ip4_frag(17, I1, I2, payload.get(..24).unwrap(), 77, 0, true);
    let b = ip4_frag(17, I1, I2, payload.get(24..).unwrap(), 77, 3, false);
    let fa = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x0800, &[], &a)));
    let fb = eth(0x0800, &ip4(47, O1, O2, &gre(0, 0x0800, &[], &b)));
    let mut dec = Decoder::default();
    let m = meta(linktype::ETHERNET, fa.len());
    let d1 = dec.decode(&m, &fa);
    assert_eq!(d1.frag, crate::frame::FragState::Held);
    let mut m2 = meta(linktype::ETHERNET, fb.len());
    m2.number = 2;
    let d2 = dec.decode(&m2, &fb);
    assert_eq!(d2.frag, crate::frame::FragState::Completed);
    assert_eq!(d2.udp().map(|u| (u.sport, u.dport)), Some((5000, 6000)));
    assert_eq!(d2.encap.len(), 2);
}

// ---------------------------------------------------------------------------
// UDP tunnels

fn vxlan_frame(dport: u16) -> Vec<u8> {
    let mut v = vec![0x08, 0, 0, 0, 0, 0, 0x7b, 0];
    v.extend(eth_of(M3, M4, 0x0800, &ip4(17, I1, I2, &udp(1234, 53, b"query"))));
    eth(0x0800, &ip4(17, O1, O2, &udp(40000, dport, &v)))
}

#[test]
fn vxlan_carries_ethernet_and_the_engine_sees_the_inner_udp() {
    let f = vxlan_frame(4789);
    let o = decode(&f);
    assert_eq!(o.kinds(), ["ip", "udp", "vxlan", "eth"]);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp");
    assert_eq!(o.one("vxlan.vni"), "123");
    assert_eq!(o.one("vxlan.flag_i"), "1");
    assert_eq!(o.values("eth.src"), ["00:66:77:88:99:aa", "04:04:04:04:04:04"]);
    assert_eq!(o.values("udp.dstport"), ["4789", "53"]);
    assert_eq!(o.d.udp().map(|u| u.dport), Some(53));
    let c = o.cols();
    assert_eq!((c.src.as_str(), c.proto.as_str()), ("192.168.1.1", "UDP"));
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 14 + 20 + 8, &[]);
    // 8472 (Linux's old default) is not VXLAN by default.
    let o = decode(&vxlan_frame(8472));
    assert!(o.d.encap.is_empty());
    assert_eq!(o.d.udp().map(|u| u.dport), Some(8472));
    // A well-known low source port keeps its own meaning.
    let mut v = vec![0x08, 0, 0, 0, 0, 0, 0x7b, 0];
    v.extend(eth_of(M3, M4, 0x0800, &inner_ping()));
    let o = decode(&eth(0x0800, &ip4(17, O1, O2, &udp(53, 4789, &v))));
    assert!(o.d.encap.is_empty());
}

#[test]
fn geneve_with_options() {
    let mut g = vec![0x02, 0x00, 0x65, 0x58, 0, 0, 0x2a, 0];
    g.extend([0x01, 0x02, 0x80, 0x01, 1, 2, 3, 4]);
    g.extend(eth_of(M3, M4, 0x0800, &inner_ping()));
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(40000, 6081, &g)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:geneve:eth:ethertype:ip:icmp");
    assert_eq!(o.one("geneve.vni"), "42");
    assert_eq!(o.one("geneve.proto_type"), "0x6558");
    assert_eq!(o.one("geneve.options"), "0102800101020304");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 16 + 14 + 20 + 8, &[]);
}

#[test]
fn l2tp_data_message_carries_ppp() {
    let mut l = vec![0x02, 0x02, 0x4a, 0x32, 0xd3, 0x5e, 0, 0];
    l.extend([0xff, 0x03, 0x00, 0x57]);
    l.extend(ip6(17, &udp(546, 547, b"x")));
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(1701, 1701, &l)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:l2tp:ppp:ipv6:udp");
    assert_eq!(o.one("l2tp.tunnel"), "18994");
    assert_eq!(o.one("l2tp.session"), "54110");
    assert_eq!(o.one("l2tp.offset"), "0");
    assert_eq!(o.one("ppp.protocol"), "0x0057");
    assert_eq!(o.d.udp().map(|u| u.dport), Some(547));
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 4 + 40 + 8, &[]);
}

// ---------------------------------------------------------------------------
// MPLS, PPPoE, PBB

#[test]
fn mpls_label_stack_then_ipv4() {
    let mut m = mpls(100, false, 64).to_vec();
    m.extend(mpls(200, true, 63));
    m.extend(inner_ping());
    let f = eth(0x8847, &m);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:mpls:ip:icmp");
    assert_eq!(o.values("mpls.label"), ["100", "200"]);
    assert_eq!(o.values("mpls.bottom"), ["0", "1"]);
    assert_eq!(o.values("mpls.ttl"), ["64", "63"]);
    assert_eq!(o.values("mpls.exp"), ["0", "0"]);
    assert_eq!(o.one("ip.src"), "192.168.1.1");
    sweep(linktype::ETHERNET, &f, 14 + 8 + 28, &[]);
}

#[test]
fn mpls_pseudowire_with_control_word() {
    let mut m = mpls(16, true, 1).to_vec();
    m.extend([0, 0, 0, 5]);
    m.extend(eth_of(M3, M4, 0x0800, &inner_ping()));
    let f = eth(0x8847, &m);
    let o = decode(&f);
    assert_eq!(
        o.protos(),
        "eth:ethertype:mpls:pwethheuristic:pwethcw:eth:ethertype:ip:icmp"
    );
    assert_eq!(o.one("pweth.cw.sequence_number"), "5");
    assert_eq!(o.values("eth.dst"), ["00:11:22:33:44:55", "02:02:02:02:02:02"]);
    // IPv6 by its first nibble.
    let mut m = mpls(2, true, 1).to_vec();
    m.extend(ip6(59, &[]));
    let o = decode(&eth(0x8847, &m));
    assert!(matches!(o.d.ip, Some(Ip::V6(_))));
    sweep(linktype::ETHERNET, &f, 14 + 4 + 4 + 14 + 28, &[]);
}

#[test]
fn mpls_stack_without_bottom_is_flagged() {
    let mut m = Vec::new();
    for i in 0..20 {
        m.extend(mpls(i + 16, false, 1));
    }
    let o = decode(&eth(0x8847, &m));
    assert_eq!(o.values("mpls.label").len(), crate::tunnel::mpls::MAX_LABELS);
    assert!(!o.d.errors.is_empty());
}

#[test]
fn pppoe_session_ppp_ipv4_tcp() {
    let ipb = ip4(6, I1, I2, &tcp_syn(40000, 80));
    let mut p = vec![0x11, 0x00, 0x3b, 0x1a];
    p.extend(u16::try_from(ipb.len() + 2).unwrap().to_be_bytes());
    p.extend([0x00, 0x21]);
    p.extend(&ipb);
    // Ethernet padding after the PPPoE payload is not part of it.
    p.extend([0u8; 6]);
    let f = eth(0x8864, &p);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:pppoes:ppp:ip:tcp");
    assert_eq!(o.one("pppoe.session_id"), "0x3b1a");
    assert_eq!(o.one("ppp.protocol"), "0x0021");
    assert_eq!(o.d.tcp().map(|t| t.dport), Some(80));
    assert_eq!(o.one("ip.src"), "192.168.1.1");
    sweep(linktype::ETHERNET, &f, 14 + 8 + 40, &[]);
}

#[test]
fn pppoe_discovery_tags() {
    let mut p = vec![0x11, 0x07, 0, 0, 0, 16];
    p.extend([0x01, 0x01, 0, 4]);
    p.extend(b"isp1");
    p.extend([0x01, 0x02, 0, 4]);
    p.extend(b"ac01");
    let f = eth(0x8863, &p);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:pppoed");
    assert_eq!(o.one("pppoed.tags.service_name"), "isp1");
    assert_eq!(o.one("pppoed.tags.ac_name"), "ac01");
    let c = o.cols();
    assert_eq!(c.proto, "PPPoED");
    assert_eq!(c.info, "Active Discovery Offer (PADO) AC-Name='ac01'");
    sweep(linktype::ETHERNET, &f, 14 + 6, &[]);
}

#[test]
fn pbb_itag_then_vlan_then_ipv4() {
    let mut p = vec![0x00, 0x1e, 0xbb, 0x30];
    p.extend(M3);
    p.extend(M4);
    p.extend([0x81, 0x00, 0x00, 0x0a, 0x08, 0x00]);
    p.extend(inner_ping());
    let f = eth(0x88e7, &p);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ieee8021ah:ethertype:vlan:ethertype:ip:icmp");
    assert_eq!(o.one("ieee8021ah.isid"), "2014000");
    assert_eq!(o.one("vlan.id"), "10");
    assert_eq!(o.one("ip.src"), "192.168.1.1");
    sweep(linktype::ETHERNET, &f, 14 + 18 + 4 + 28, &[]);
}

// ---------------------------------------------------------------------------
// Link types

#[test]
fn ppp_and_cisco_hdlc_and_frame_relay_link_types() {
    let mut p = vec![0xff, 0x03, 0x02, 0x81];
    p.extend(mpls(100704, true, 1));
    p.extend(inner_ping());
    let o = decode_lt(linktype::PPP, &p);
    assert_eq!(o.protos(), "ppp:mpls:ip:icmp");
    assert_eq!(o.one("mpls.label"), "100704");
    sweep(linktype::PPP, &p, 4 + 4 + 28, &[]);

    let mut c = vec![0x0f, 0x00, 0x08, 0x00];
    c.extend(inner_ping());
    let o = decode_lt(linktype::C_HDLC, &c);
    assert_eq!(o.protos(), "chdlc:ip:icmp");
    assert_eq!(o.one("chdlc.protocol"), "0x0800");
    // PPP_HDLC frames may be Cisco HDLC.
    let o = decode_lt(linktype::PPP_HDLC, &c);
    assert_eq!(o.protos(), "chdlc:ip:icmp");
    sweep(linktype::C_HDLC, &c, 4 + 28, &[]);

    let mut fr = vec![0x48, 0xe1, 0x86, 0xdd];
    fr.extend(ip6(59, &[]));
    let o = decode_lt(linktype::FRELAY, &fr);
    assert_eq!(o.protos(), "fr:ipv6");
    assert_eq!(o.one("fr.dlci"), "302");
    let mut fr2 = vec![0x48, 0xe1, 0x03, 0xcc];
    fr2.extend(inner_ping());
    let o = decode_lt(linktype::FRELAY, &fr2);
    assert_eq!(o.protos(), "fr:ip:icmp");
    assert_eq!(o.one("fr.nlpid"), "0xcc");
    sweep(linktype::FRELAY, &fr, 4 + 40, &[]);
    sweep(linktype::FRELAY, &fr2, 4 + 28, &[]);
}

#[test]
fn nflog_payload_tlv() {
    let ipb = ip4(6, I1, I2, &tcp_syn(1, 2));
    let mut n = vec![2, 0, 0, 42];
    n.extend([8, 0, 1, 0, 0x08, 0x00, 3, 0]);
    n.extend([5, 0, 10, 0, 0, 0, 0, 0]);
    n.extend(u16::try_from(ipb.len() + 4).unwrap().to_le_bytes());
    n.extend([9, 0]);
    n.extend(&ipb);
    let o = decode_lt(linktype::NFLOG, &n);
    assert_eq!(o.protos(), "nflog:ip:tcp");
    assert_eq!(o.one("nflog.res_id"), "42");
    assert_eq!(o.values("nflog.tlv_type"), ["1", "10", "9"]);
    assert_eq!(o.one("nflog.hook"), "3");
    assert_eq!(o.d.tcp().map(|t| t.dport), Some(2));
    sweep(linktype::NFLOG, &n, 4 + 16 + 4 + 40, &[4, 12, 17, 18, 19, 20]);
}

#[test]
fn capture_header_link_types() {
    let mut ib = vec![0u8; 20];
    ib.extend([0x80, 0x00, 0x05, 0x50]);
    ib.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x10, 0xe0, 0, 0x66, 0x4a, 0xb4, 0x51]);
    ib.extend([0x08, 0x00, 0, 0]);
    ib.extend(inner_ping());
    let o = decode_lt(linktype::IPOIB, &ib);
    assert_eq!(o.protos(), "ipoib:ip:icmp");
    assert_eq!(o.one("ipoib.dgid"), "fe80::10:e000:664a:b451");
    sweep(linktype::IPOIB, &ib, 44 + 28, &[]);

    let mut ipn = vec![
        1, 2, 0, 0, 0, 0, 0, 28, 0, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
    ];
    ipn.extend(inner_ping());
    let o = decode_lt(linktype::IPNET, &ipn);
    assert_eq!(o.protos(), "ipnet:ip:icmp");
    assert_eq!(o.one("ipnet.zsrc"), "4294967295");
    sweep(linktype::IPNET, &ipn, 24 + 28, &[]);

    let mut fd = vec![
        0x50, 0xaa, 0x00, 0x04, 0x00, 0x83, 0xa7, 0xaa, 0x00, 0x04, 0x00, 0x82, 0xa7,
    ];
    fd.extend([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    fd.extend(inner_ping());
    let o = decode_lt(linktype::FDDI, &fd);
    assert_eq!(o.protos(), "fddi:llc:ip:icmp");
    assert_eq!(o.one("fddi.dst"), "55:00:20:00:c1:e5");
    sweep(linktype::FDDI, &fd, 13 + 8 + 28, &[]);

    let mut ar = vec![0xbe, 0x00, 0xea, 0x08, 0xd4, 0x00, 0x01, 0x65];
    ar.extend(inner_ping());
    let o = decode_lt(linktype::ARCNET_LINUX, &ar);
    assert_eq!(o.protos(), "arcnet:ip:icmp");
    assert_eq!(o.one("arcnet.sequence"), "357");
    sweep(linktype::ARCNET_LINUX, &ar, 8 + 28, &[]);

    let mut pk = vec![0u8; 108];
    pk[0] = 108;
    pk[4] = 1;
    pk[8] = 1;
    pk[12..15].copy_from_slice(b"en0");
    pk.extend(eth(0x0800, &inner_ping()));
    let o = decode_lt(linktype::PKTAP, &pk);
    assert_eq!(o.protos(), "pktap:pcap_pktdata:eth:ethertype:ip:icmp");
    assert_eq!(o.one("pktap.ifname"), "en0");
    assert_eq!(o.one("eth.type"), "0x0800");
    sweep(linktype::PKTAP, &pk, 108 + 14 + 28, &[]);
}

#[test]
fn garbage_after_every_tunnel_never_panics() {
    // Every encapsulation followed by random-looking bytes of every length.
    let heads: Vec<Vec<u8>> = vec![
        eth(0x0800, &ip4(47, O1, O2, &gre(0xf0ff, 0x0800, &[], &[]))),
        eth(0x0800, &ip4(47, O1, O2, &gre(0x1000, 0x88be, &[0, 0, 0, 1], &[]))),
        eth(0x8847, &[]),
        eth(0x8864, &[]),
        eth(0x88e7, &[]),
        eth(0x0800, &ip4(17, O1, O2, &udp(1, 4789, &[0; 8]))),
    ];
    let mut x: u32 = 12345;
    for h in heads {
        for n in 0..64 {
            let mut f = h.clone();
            for _ in 0..n {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                f.push((x >> 16) as u8);
            }
            let _ = decode(&f);
        }
    }
}

#[test]
fn arista_timestamp_header() {
    let mut a = vec![
        0x00, 0x01, 0x00, 0x10, 0x5c, 0xee, 0xed, 0x57, 0x38, 0x4f, 0x0c, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x88, 0x47,
    ];
    a.extend(mpls(1024, true, 64));
    a.extend(inner_ping());
    let f = eth(0xd28b, &a);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:avsp:ethertype:vlan:ethertype:mpls:ip:icmp");
    assert_eq!(o.one("avsp.64sec"), "1559162199");
    assert_eq!(o.one("vlan.id"), "100");
    assert_eq!(o.one("ip.src"), "192.168.1.1");
    sweep(linktype::ETHERNET, &f, 14 + 18 + 4 + 28, &[]);
    // An unknown timestamp version ends the dissection.
    let o = decode(&eth(0xd28b, &[0x00, 0x01, 0x00, 0x11, 1, 2, 3, 4]));
    assert_eq!(o.protos(), "eth:ethertype:avsp");
}

#[test]
fn frame_relay_long_addresses_and_bridged_ethernet() {
    let mut fr = vec![0x80, 0xea, 0x9d, 0x08, 0x00];
    fr.extend(inner_ping());
    let o = decode_lt(linktype::FRELAY, &fr);
    assert_eq!(o.protos(), "fr:ip:icmp");
    assert_eq!(o.one("fr.dlci"), "33703");
    assert_eq!(o.one("fr.lower_dlci"), "0x27");
    sweep(linktype::FRELAY, &fr, 5 + 28, &[]);
    let mut br = vec![0x48, 0xe1, 0x03, 0x00, 0x80, 0x00, 0x80, 0xc2, 0x00, 0x07];
    br.extend(eth_of(M3, M4, 0x0800, &inner_ping()));
    let o = decode_lt(linktype::FRELAY, &br);
    assert_eq!(o.protos(), "fr:eth:ethertype:ip:icmp");
    assert_eq!(o.one("eth.src"), "04:04:04:04:04:04");
}

#[test]
fn ipv6_carrying_ethernet() {
    let f = eth(0x86dd, &ip6(143, &eth_of(M3, M4, 0x0800, &inner_ping())));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ipv6:eth:ethertype:ip:icmp");
    assert_eq!(o.values("eth.src"), ["00:66:77:88:99:aa", "04:04:04:04:04:04"]);
}

#[test]
fn an_ipv4_ethertype_with_an_ipv6_packet_goes_on_to_ipv6() {
    let f = eth(0x0800, &ip6(17, &udp(1, 2, b"x")));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:ipv6:udp");
    assert_eq!(o.values("ip.version"), ["6", "6"]);
    assert!(o.t.experts().any(|(_, e)| e.code == "ip.bogus_ip_version"));
    assert_eq!(o.d.udp().map(|u| u.dport), Some(2));
}

#[test]
fn macsec_integrity_only_and_encrypted() {
    let mut m = vec![
        0x20, 0x00, 0, 0, 0, 0x44, 0x2e, 0xb7, 0x3f, 0x39, 0x95, 0xc3, 0, 1, 0x08, 0x00,
    ];
    m.extend(inner_ping());
    m.extend([0xde; 16]);
    let f = eth(0x88e5, &m);
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:macsec:ethertype:ip:icmp");
    assert_eq!(o.one("macsec.PN"), "68");
    assert_eq!(o.one("macsec.ICV"), "dededededededededededededededede");
    assert_eq!(o.one("ip.src"), "192.168.1.1");
    assert!(o.t.find("eth.trailer").next().is_none());
    sweep(linktype::ETHERNET, &f, 14 + 16 + 28, &[]);
    let o = decode(&eth(0x88e5, &[0x2c, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 0, 1, 9, 9, 9, 9]));
    assert_eq!(o.protos(), "eth:ethertype:macsec");
    assert!(o.d.errors.is_empty());
}

#[test]
fn vxlan_gpe_carries_nsh_then_ipv4() {
    let mut n = vec![0x30, 0x06, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff];
    n.extend([0, 1, 2, 1, 0, 0, 0, 12, 0, 2, 3, 1, 0, 0, 0, 12]);
    n.extend(inner_ping());
    let mut g = vec![0x0c, 0, 0, 4, 0xff, 0xff, 0xff, 0];
    g.extend(&n);
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(40000, 4790, &g)));
    let o = decode(&f);
    assert_eq!(o.kinds(), ["ip", "udp", "vxlan-gpe", "nsh"]);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:nsh:ip:icmp");
    assert_eq!(o.one("vxlan.next_proto"), "4");
    assert_eq!(o.one("nsh.spi"), "16777215");
    assert_eq!(o.values("nsh.metadataclass"), ["1", "2"]);
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 24 + 28, &[]);
    // NSH straight over Ethernet.
    let o = decode(&eth(0x894f, &n));
    assert_eq!(o.protos(), "eth:ethertype:nsh:ip:icmp");
}

#[test]
fn gtp_user_plane_carries_ip() {
    let ping = inner_ping();
    let mut g = vec![0x30, 0xff];
    g.extend(u16::try_from(ping.len()).unwrap().to_be_bytes());
    g.extend([0x12, 0x34, 0x56, 0x78]);
    g.extend(&ping);
    let f = eth(0x0800, &ip4(17, O1, O2, &udp(2152, 2152, &g)));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:gtp:ip:icmp");
    assert_eq!(o.one("gtp.teid"), "305419896");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f, 14 + 20 + 8 + 8 + 28, &[]);
    // With a sequence number and one extension header (PDU session container).
    let mut g = vec![0x36, 0xff];
    g.extend(u16::try_from(ping.len() + 8).unwrap().to_be_bytes());
    g.extend([0, 0, 0, 1, 0, 7, 0, 0x85, 1, 0x10, 0x09, 0]);
    g.extend(&ping);
    let o = decode(&eth(0x0800, &ip4(17, O1, O2, &udp(2152, 2152, &g))));
    assert_eq!(o.one("gtp.seq_number"), "7");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    // An echo request carries no user packet.
    let o = decode(&eth(
        0x0800,
        &ip4(
            17,
            O1,
            O2,
            &udp(2152, 2152, &[0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]),
        ),
    ));
    assert_eq!(o.protos(), "eth:ethertype:ip:udp:gtp");
}

#[test]
fn ipv4_authentication_header_in_tunnel_and_transport_modes() {
    // next header, length (4-byte units minus 2), reserved, SPI, sequence, 12-byte ICV
    let ah = |next: u8| {
        let mut a = vec![next, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5];
        a.extend([0xaa; 12]);
        a
    };
    let mut t = ah(4);
    t.extend(inner_ping());
    let f = eth(0x0800, &ip4(51, O1, O2, &t));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:ah:ip:icmp");
    assert_eq!(o.one("ah.spi"), "0x00000100");
    assert_eq!(o.values("ip.src"), ["10.0.0.1", "192.168.1.1"]);
    sweep(linktype::ETHERNET, &f, 14 + 20 + 24 + 28, &[]);
    let mut tr = ah(17);
    tr.extend(udp(500, 4500, b"esp?"));
    let f = eth(0x0800, &ip4(51, O1, O2, &tr));
    let o = decode(&f);
    assert_eq!(o.protos(), "eth:ethertype:ip:ah:udp");
    assert_eq!(o.d.udp().map(|u| u.dport), Some(4500));
    assert_eq!(o.one("ah.sequence"), "5");
    sweep(linktype::ETHERNET, &f, 14 + 20 + 24 + 8, &[]);
}
