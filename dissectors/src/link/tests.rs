//! Tests of the link dissectors: hand-made frames (truncation sweeps, spans,
//! values) and, when run with `--ignored`, agreement with tshark on the
//! captures of the shared corpus.

use super::arp::{self, ArpKind};
use super::ethernet::{self, Llc};
use super::*;
use crate::error::ErrorKind;
use crate::tree::{Base, Node};
use std::net::Ipv4Addr;

// ---------------------------------------------------------------------------
// Helpers

fn hx(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const MAC1: &str = "001122334455";
const MAC2: &str = "66778899aabb";
const IP4: &str = "450000140001000040000000c0a80001c0a80002";

fn eth(t: u16, payload: &str) -> Vec<u8> {
    hx(&format!("{MAC2}{MAC1}{t:04x}{payload}"))
}

/// A field value the way `tshark -T fields` prints it.
fn tshark_value(t: &Tree, n: &Node, data: &[u8]) -> String {
    match (&n.value, n.base) {
        (Value::UInt(v), Base::Hex(d)) => format!("0x{:0w$x}", v, w = usize::from(d)),
        _ => {
            let mut s = String::new();
            t.write_field(&mut s, n, data);
            s
        }
    }
}

/// All values of a field, in tree order.
fn values(t: &Tree, name: &str, data: &[u8]) -> Vec<String> {
    t.find(name).map(|(_, n)| tshark_value(t, n, data)).collect()
}

fn one(t: &Tree, name: &str, data: &[u8]) -> String {
    let v = values(t, name, data);
    assert_eq!(v.len(), 1, "{name}: {v:?}");
    v.into_iter().next().unwrap()
}

fn span(t: &Tree, name: &str) -> (u32, u32) {
    let (_, n) = t.find(name).next().unwrap_or_else(|| panic!("no {name}"));
    (n.off, n.len)
}

fn render(link: &Link, data: &[u8]) -> (Tree, String) {
    let mut t = Tree::new();
    link.tree(&mut t, data);
    let mut s = String::new();
    t.render_text(&mut s, data);
    (t, s)
}

// ---------------------------------------------------------------------------
// Ethernet, tags, LLC

#[test]
fn ethernet_ii_fields_spans_and_text() {
    let f = eth(0x0800, IP4);
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.payload_off, 14);
    assert_eq!(link.error, None);
    assert_eq!(link.src_mac(), Some([0, 0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(link.dst_mac(), Some([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]));
    assert_eq!(link.vlan_id(), None);
    assert_eq!(link.protocols(), vec!["eth", "ethertype"]);
    let (t, text) = render(&link, &f);
    assert_eq!(
        text,
        "Ethernet II, Src: 00:11:22:33:44:55, Dst: 66:77:88:99:aa:bb\n\
         \x20   Destination: 66:77:88:99:aa:bb\n\
         \x20       Address: 66:77:88:99:aa:bb\n\
         \x20       .... ..1. .... .... .... .... = LG bit: Locally administered address (this is NOT the factory default)\n\
         \x20       .... ...0 .... .... .... .... = IG bit: Individual address (unicast)\n\
         \x20   Source: 00:11:22:33:44:55\n\
         \x20       Address: 00:11:22:33:44:55\n\
         \x20       .... ..0. .... .... .... .... = LG bit: Globally unique address (factory default)\n\
         \x20       .... ...0 .... .... .... .... = IG bit: Individual address (unicast)\n\
         \x20   Type: IPv4 (0x0800)\n"
    );
    assert_eq!(
        values(&t, "eth.addr", &f),
        vec!["66:77:88:99:aa:bb", "00:11:22:33:44:55"]
    );
    assert_eq!(one(&t, "eth.type", &f), "0x0800");
    assert_eq!(span(&t, "eth"), (0, 14));
    assert_eq!(span(&t, "eth.src"), (6, 6));
    assert_eq!(span(&t, "eth.type"), (12, 2));
    assert_eq!(span(&t, "eth.src.lg"), (6, 3));
    assert_eq!(values(&t, "eth.lg", &f), vec!["1", "0"]);
    assert!(t.find("eth.lg").all(|(_, n)| n.hidden));
    assert_eq!(values(&t, "eth.src.oui", &f), vec!["4386"]);
}

#[test]
fn group_source_address_is_flagged() {
    let f = hx(&format!("ffffffffffff{}0800{IP4}", "ffffffffffff"));
    let link = parse_link(linktype::ETHERNET, &f);
    let (t, _) = render(&link, &f);
    let (id, e) = t.experts().next().unwrap();
    assert_eq!(e.code, "eth.src_not_group");
    assert_eq!(e.severity, Severity::Warning);
    let parent = t.node(id).unwrap().parent().unwrap();
    assert_eq!(t.node(parent).unwrap().name, "eth.src");
}

#[test]
fn stacked_tags_8021ad_and_q() {
    // 802.1ad S-tag 200 (PCP 1, DEI 1), 802.1Q C-tag 2001, then ARP.
    let f = eth(
        0x88a8,
        &format!(
            "30c8 8100 07d1 0806 {}",
            "0001080006040001".to_string() + MAC1 + "0a000001" + "000000000000" + "0a000002"
        ),
    );
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Arp);
    assert_eq!(link.payload_off, 22);
    assert_eq!(link.vlan_id(), Some(200));
    assert_eq!(
        link.protocols(),
        vec!["eth", "ethertype", "ieee8021ad", "ethertype", "vlan", "ethertype"]
    );
    let LinkKind::Ethernet { vlans, .. } = &link.kind else {
        panic!()
    };
    assert_eq!(vlans.len(), 2);
    assert_eq!(
        (vlans[0].tpid, vlans[0].pcp, vlans[0].dei, vlans[0].id, vlans[0].off),
        (0x88a8, 1, true, 200, 14)
    );
    assert_eq!(
        (vlans[1].tpid, vlans[1].id, vlans[1].etype, vlans[1].off),
        (0x8100, 2001, 0x0806, 18)
    );
    let (t, text) = render(&link, &f);
    assert!(text.contains(
        "IEEE 802.1ad, ID: 200\n    001. .... .... .... = Priority: 1\n    ...1 .... .... .... = DEI: 1\n    .... 0000 1100 1000 = ID: 200\n    Type: 802.1Q Virtual LAN (0x8100)\n"
    ));
    assert!(text.contains(
        "802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 2001\n    000. .... .... .... = Priority: Best Effort (default) (0)\n    ...0 .... .... .... = DEI: Ineligible\n    .... 0111 1101 0001 = ID: 2001\n    Type: ARP (0x0806)\n"
    ));
    assert_eq!(one(&t, "ieee8021ad.id", &f), "200");
    assert_eq!(span(&t, "ieee8021ad.priority"), (14, 1));
    assert_eq!(one(&t, "ieee8021ah.etype", &f), "0x8100");
    assert_eq!(one(&t, "vlan.id", &f), "2001");
    assert_eq!(one(&t, "vlan.dei", &f), "0");
    assert_eq!(span(&t, "vlan.etype"), (20, 2));
    // ARP on top.
    let a = arp::parse(&f, link.payload_off).unwrap();
    assert_eq!(a.info(&f), "Who has 10.0.0.2? Tell 10.0.0.1");
}

#[test]
fn old_qinq_tpid_is_a_vlan_tag() {
    let f = eth(0x9100, &format!("2005 0800 {IP4}"));
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.vlan_id(), Some(5));
    assert_eq!(link.protocols(), vec!["eth", "ethertype", "vlan", "ethertype"]);
    let (t, _) = render(&link, &f);
    assert_eq!(one(&t, "eth.type", &f), "0x9100");
    assert_eq!(one(&t, "vlan.priority", &f), "1");
}

#[test]
fn too_many_tags_are_flagged_after_twenty() {
    let tags = |n: usize| (0..n).map(|i| format!("{i:04x}8100")).collect::<String>();
    let ok = eth(0x8100, &format!("{}0063 0800 {IP4}", tags(19)));
    let link = parse_link(linktype::ETHERNET, &ok);
    assert_eq!(link.error, None);
    assert_eq!(link.next, Next::Ipv4);
    let bad = eth(0x8100, &format!("{}0063 0800 {IP4}", tags(20)));
    let link = parse_link(linktype::ETHERNET, &bad);
    assert!(link.too_many_tags());
    assert_eq!(link.next, Next::Nothing);
    assert_eq!(link.payload_off, 14 + 20 * 4);
    let LinkKind::Ethernet { vlans, .. } = &link.kind else {
        panic!()
    };
    assert_eq!(vlans.len(), ethernet::MAX_VLAN_TAGS);
    assert_eq!(link.protocols().iter().filter(|p| **p == "vlan").count(), 21);
    let (t, text) = render(&link, &bad);
    // (The expert line's brackets are the tree renderer's business.)
    assert!(
        text.contains("802.1Q Virtual LAN\n    [") && text.contains("Warning: Too many nested VLAN tags]"),
        "{text}"
    );
    assert_eq!(t.experts().next().unwrap().1.code, "vlan.too_many_tags");
}

#[test]
fn ieee_8023_with_llc_and_stp() {
    let f = eth(0x0026, &format!("424203{}", "00".repeat(35)));
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Nothing);
    assert_eq!(link.payload_off, 17);
    assert_eq!(link.length_end(), Some(14 + 0x26));
    assert_eq!(link.protocols(), vec!["eth", "llc"]);
    let (t, text) = render(&link, &f);
    assert!(text.starts_with("IEEE 802.3 Ethernet \n"));
    assert!(text.contains(
        "    Length: 38\nLogical-Link Control\n    DSAP: Spanning Tree BPDU (0x42)\n        0100 001. = SAP: Spanning Tree BPDU\n        .... ...0 = IG Bit: Individual\n    SSAP: Spanning Tree BPDU (0x42)\n        0100 001. = SAP: Spanning Tree BPDU\n        .... ...0 = CR Bit: Command\n    Control field: U, func=UI (0x03)\n        000. 00.. = Command: Unnumbered Information (0x00)\n        .... ..11 = Frame type: Unnumbered frame (0x3)\n"
    ));
    assert_eq!(one(&t, "eth.len", &f), "38");
    assert_eq!(one(&t, "llc.dsap", &f), "0x42");
    assert_eq!(one(&t, "llc.dsap.sap", &f), "33");
    assert_eq!(one(&t, "llc.control", &f), "0x0003");
    assert_eq!(one(&t, "llc.control.ftype", &f), "0x03");
    assert_eq!(span(&t, "llc"), (14, 3));
}

#[test]
fn snap_with_oui_zero_carries_an_ethertype() {
    let f = eth(0x0030, &format!("aaaa03 000000 0800 {IP4}"));
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.payload_off, 22);
    assert_eq!(link.protocols(), vec!["eth", "llc"]);
    let LinkKind::Ethernet { llc: Some(l), .. } = &link.kind else {
        panic!()
    };
    assert_eq!(l.snap, Some((0, 0x0800)));
    assert_eq!(l.len, 8);
    let (t, text) = render(&link, &f);
    assert!(
        text.contains("    Organization Code: 00:00:00 (Officially Xerox, but\n    Type: IPv4 (0x0800)\n"),
        "{text}"
    );
    assert_eq!(one(&t, "llc.oui", &f), "0");
    assert_eq!(one(&t, "llc.type", &f), "0x0800");
    assert_eq!(span(&t, "llc.oui"), (17, 3));
    assert_eq!(span(&t, "llc.type"), (20, 2));
}

#[test]
fn snap_vendor_pids() {
    let f = eth(0x0030, "aaaa03 00000c 2000 0000");
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Nothing);
    let (t, text) = render(&link, &f);
    assert!(text.contains("    Organization Code: 00:00:0c (Cisco Systems, Inc)\n    PID: CDP (0x2000)\n"));
    assert_eq!(one(&t, "llc.cisco_pid", &f), "0x2000");
    let f = eth(0x0030, "aaaa03 123456 0007 0000");
    let (t, text) = render(&parse_link(linktype::ETHERNET, &f), &f);
    assert!(text.contains("    Organization Code: 12:34:56\n    Protocol ID: 0x0007\n"));
    assert_eq!(one(&t, "llc.pid", &f), "0x0007");
}

#[test]
fn llc_control_formats() {
    // I frame with the poll bit: two control bytes, read as they come (little-endian).
    let f = eth(0x0018, &format!("0606 aa45 {IP4}"));
    let link = parse_link(linktype::ETHERNET, &f);
    let LinkKind::Ethernet { llc: Some(l), .. } = &link.kind else {
        panic!()
    };
    assert_eq!(l.control, 0x45aa);
    assert_eq!(l.len, 4);
    assert_eq!(link.next, Next::Ipv4, "SAP 0x06 is IP");
    let (t, text) = render(&link, &f);
    assert!(
        text.contains("    Control field: I P, N(R)=34, N(S)=85 (0x45AA)\n"),
        "{text}"
    );
    assert_eq!(one(&t, "llc.control.n_r", &f), "34");
    assert_eq!(one(&t, "llc.control.n_s", &f), "85");
    assert_eq!(one(&t, "llc.control.p", &f), "1");
    // S frame, response with final bit.
    let f = eth(0x0018, "f0f1 0d03 0000");
    let (t, text) = render(&parse_link(linktype::ETHERNET, &f), &f);
    assert!(
        text.contains("    Control field: S F, func=SREJ, N(R)=1 (0x030D)\n"),
        "{text}"
    );
    assert_eq!(one(&t, "llc.control.s_ftype", &f), "0x0003");
    assert_eq!(one(&t, "llc.control.f", &f), "1");
    // U frame TEST response with final bit.
    let f = eth(0x0018, "4243f3 0000");
    let (t, text) = render(&parse_link(linktype::ETHERNET, &f), &f);
    assert!(text.contains("    Control field: U F, func=TEST (0xF3)\n        ...1 .... = Final: Set\n        111. 00.. = Response: Test (0x38)\n"), "{text}");
    assert_eq!(one(&t, "llc.control.u_modifier_resp", &f), "0x38");
    // XID on SNAP: no payload type.
    let f = eth(0x0018, "aaaaaf 000000 0800 0000");
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Nothing);
    let (t, _) = render(&link, &f);
    assert_eq!(values(&t, "llc.oui", &f).len(), 1);
    assert_eq!(values(&t, "llc.type", &f).len(), 0);
}

#[test]
fn novell_raw_and_invalid_length_type() {
    let f = eth(0x0020, "ffff 0000");
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Ethertype(ethernet::ETHERTYPE_IPX));
    assert_eq!(link.protocols(), vec!["eth"]);
    let (_, text) = render(&link, &f);
    assert!(text.starts_with("IEEE 802.3 Ethernet Raw \n"));
    assert!(text.contains("[Error: Length field value goes past the end of the payload]"));

    let f = eth(0x05dd, "0000");
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.next, Next::Nothing);
    assert_eq!(link.protocols(), vec!["eth"]);
    let (t, text) = render(&link, &f);
    assert!(text.starts_with("Ethernet Unknown, Src: 00:11:22:33:44:55, Dst: 66:77:88:99:aa:bb\n"));
    assert!(
        text.contains("    Invalid length/type: 0x05dd (1501)\n        ["),
        "{text}"
    );
    let (_, ex) = t.experts().next().unwrap();
    assert_eq!(
        (ex.severity, ex.code, ex.msg.as_str()),
        (
            Severity::Warning,
            "eth.invalid_lentype.expert",
            "Invalid length/type: 0x05dd (1501)"
        )
    );
    assert_eq!(one(&t, "eth.invalid_lentype", &f), "0x05dd");
}

#[test]
fn vlan_with_length_then_llc() {
    let f = eth(0x8100, &format!("e00a 0032 424203 {}", "00".repeat(47)));
    let link = parse_link(linktype::ETHERNET, &f);
    assert_eq!(link.protocols(), vec!["eth", "ethertype", "vlan", "llc"]);
    assert_eq!(link.payload_off, 21);
    assert_eq!(link.length_end(), Some(18 + 0x32));
    let (t, _) = render(&link, &f);
    assert_eq!(one(&t, "vlan.len", &f), "50");
    assert_eq!(one(&t, "vlan.priority", &f), "7");
    assert_eq!(values(&t, "vlan.etype", &f).len(), 0);
}

#[test]
fn ethernet_truncation_sweep() {
    let f = eth(0x8100, &format!("0005 88a8 0006 aaaa 03 000000 0800 {IP4}"));
    let full = parse_link(linktype::ETHERNET, &f);
    assert_eq!(full.error, None);
    assert_eq!(
        full.next,
        Next::Ethertype(0xaaaa),
        "an 802.1ad tag's type is always an ethertype"
    );
    for n in 0..f.len() {
        let d = &f[..n];
        let link = parse_link(linktype::ETHERNET, d);
        let mut t = Tree::new();
        link.tree(&mut t, d);
        // Every node lies within the captured bytes.
        for (_, node) in t.iter() {
            assert!((node.off + node.len) as usize <= n, "node {} past {n}", node.name);
        }
        match n {
            0..=13 => {
                assert_eq!(link.error, Some(DissectError::truncated("Ethernet", 0, 14, n)));
                assert_eq!(t.roots().next().map(|(_, r)| r.text.as_deref()), Some(Some("Ethernet")));
                assert_eq!(t.find("eth.dst").count(), usize::from(n >= 6));
                assert_eq!(t.find("eth.type").count(), 0);
                assert_eq!(link.dst_mac().is_some(), n >= 6);
                assert_eq!(link.src_mac().is_some(), n >= 12);
            }
            14..=17 => assert_eq!(link.error, Some(DissectError::truncated("VLAN", 14, 4, n - 14))),
            18..=21 => {
                assert_eq!(link.error, Some(DissectError::truncated("VLAN", 18, 4, n - 18)));
                assert_eq!(link.vlan_id(), Some(5));
            }
            // 0x88a8 then 0xaaaa: an ethertype, not dissected further.
            _ => {
                assert_eq!(link.error, None);
                assert_eq!(link.next, Next::Ethertype(0xaaaa));
            }
        }
        if link.error.is_some() {
            assert_eq!(link.next, Next::Nothing);
        }
    }
}

#[test]
fn llc_truncation_sweep() {
    for hdr in ["aaaa03000000080045", "424203", "06060000", "f0f1"] {
        let f = eth(0x0030, hdr);
        for n in 14..f.len() {
            let d = &f[..n];
            let link = parse_link(linktype::ETHERNET, d);
            let r = ethernet::parse_llc(d, 14);
            if let Ok(l) = r {
                assert!(14 + l.len <= n);
                assert_eq!(link.error, None);
            } else {
                let err = r.unwrap_err();
                assert_eq!(err.kind, ErrorKind::Truncated);
                assert_eq!(err.offset, 14);
                assert_eq!(err.have, n - 14);
                assert!(err.need > err.have);
                assert_eq!(link.error, Some(err));
                let (t, _) = render(&link, d);
                assert!(t.iter().all(|(_, node)| (node.off + node.len) as usize <= n));
            }
        }
    }
    // Need depends on what was read: SNAP needs 8, an I frame 4.
    assert_eq!(ethernet::parse_llc(&hx("aaaa03"), 0).unwrap_err().need, 8);
    assert_eq!(ethernet::parse_llc(&hx("060600"), 0).unwrap_err().need, 4);
    assert_eq!(ethernet::parse_llc(&hx("06"), 0).unwrap_err().need, 3);
    assert_eq!(ethernet::parse_llc(&hx("aaaa0300"), usize::MAX).unwrap_err().have, 0);
}

#[test]
fn parsers_reject_short_input_with_need_and_have() {
    assert_eq!(
        ethernet::parse(&[0; 10], 2),
        Err(DissectError::truncated("Ethernet", 2, 14, 8))
    );
    assert_eq!(
        ethernet::parse_vlan(&[0; 3], 0, 0x8100),
        Err(DissectError::truncated("VLAN", 0, 4, 3))
    );
    assert_eq!(sll::parse(&[0; 15], 0).unwrap_err().need, 16);
    assert_eq!(sll::parse_v2(&[0; 19], 0).unwrap_err().need, 20);
    assert_eq!(null::parse(&[0; 3], 0, false).unwrap_err().need, 4);
    assert_eq!(ethernet::parse(&[0; 14], usize::MAX).unwrap_err().have, 0);
    let l: Llc = ethernet::parse_llc(&hx("aaaa03000000 0800"), 0).unwrap();
    assert_eq!((l.dsap, l.ssap, l.control, l.len), (0xaa, 0xaa, 3, 8));
}

// ---------------------------------------------------------------------------
// SLL, null, raw

fn sll1(pkttype: u16, hatype: u16, halen: u16, addr: &str, proto: u16, payload: &str) -> Vec<u8> {
    let mut a = hx(addr);
    a.resize(8, 0);
    let mut v = hx(&format!("{pkttype:04x}{hatype:04x}{halen:04x}"));
    v.extend(a);
    v.extend(hx(&format!("{proto:04x}{payload}")));
    v
}

#[test]
fn sll_v1_ethernet_source_and_ethertype() {
    let f = sll1(0, 1, 6, MAC1, 0x0800, IP4);
    let link = parse_link(linktype::LINUX_SLL, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.payload_off, 16);
    assert_eq!(link.src_mac(), Some([0, 0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(link.protocols(), vec!["sll", "ethertype"]);
    let (t, text) = render(&link, &f);
    assert_eq!(
        text,
        "Linux cooked capture v1\n    Packet type: Unicast to us (0)\n    Link-layer address type: Ethernet (1)\n    Link-layer address length: 6\n    Source: 00:11:22:33:44:55\n    Unused: 0000\n    Protocol: IPv4 (0x0800)\n"
    );
    assert_eq!(one(&t, "sll.unused", &f), "0000");
    assert_eq!(span(&t, "sll.unused"), (12, 2));
    assert_eq!(one(&t, "sll.etype", &f), "0x0800");
}

#[test]
fn sll_v1_protocol_meanings() {
    // GRE tunnel: a GRE protocol type, IPv4 source.
    let f = sll1(4, 778, 4, "0a000001", 0x0800, IP4);
    let link = parse_link(linktype::LINUX_SLL, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.protocols(), vec!["sll"]);
    let (t, text) = render(&link, &f);
    assert!(
        text.contains("    Source: 10.0.0.1\n    Unused: 00000000\n    Protocol: IP (0x0800)\n"),
        "{text}"
    );
    assert_eq!(one(&t, "sll.gretype", &f), "0x0800");
    assert_eq!(one(&t, "sll.src.ipv4", &f), "10.0.0.1");
    // 802.2 LLC with SNAP.
    let f = sll1(0, 1, 6, MAC1, 0x0004, &format!("aaaa03 000000 0800 {IP4}"));
    let link = parse_link(linktype::LINUX_SLL, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.payload_off, 24);
    assert_eq!(link.protocols(), vec!["sll", "llc"]);
    let (t, _) = render(&link, &f);
    assert_eq!(one(&t, "sll.ltype", &f), "0x0004");
    assert_eq!(one(&t, "llc.type", &f), "0x0800");
    // Novell raw 802.3, unknown pseudo protocol, and 1536 is still a pseudo protocol.
    assert_eq!(
        parse_link(linktype::LINUX_SLL, &sll1(0, 1, 6, MAC1, 0x0001, "ffff")).next,
        Next::Ethertype(0x8137)
    );
    let f = sll1(0, 1, 6, MAC1, 0x0600, IP4);
    let link = parse_link(linktype::LINUX_SLL, &f);
    assert_eq!(link.next, Next::Nothing);
    assert_eq!(link.protocols(), vec!["sll"]);
    let (_, text) = render(&link, &f);
    assert!(text.contains("    Protocol: Unknown (0x0600)\n"));
    // Long address: 8 bytes shown, no unused bytes.
    let f = sll1(0, 1, 10, "0011223344556677", 0x0800, IP4);
    let (t, text) = render(&parse_link(linktype::LINUX_SLL, &f), &f);
    assert!(text.contains("    Source: 0011223344556677\n    Protocol"));
    assert_eq!(one(&t, "sll.src.other", &f), "0011223344556677");
    assert_eq!(values(&t, "sll.unused", &f).len(), 0);
    // No address.
    let f = sll1(7, 0xffff, 0, "", 0x88b5, "00");
    let (_, text) = render(&parse_link(linktype::LINUX_SLL, &f), &f);
    assert!(text.contains("    Packet type: Unknown (7)\n    Link-layer address type: Void type, nothing is known (65535)\n    Link-layer address length: 0\n    Unused: 0000000000000000\n    Protocol: Local Experimental Ethertype 1 (0x88b5)\n"), "{text}");
}

#[test]
fn sll_v2_fields() {
    let mut f = hx(&format!("0800 0000 00000003 0001 04 06 {MAC1}0000"));
    f.extend(hx(IP4));
    let link = parse_link(linktype::LINUX_SLL2, &f);
    assert_eq!(link.next, Next::Ipv4);
    assert_eq!(link.payload_off, 20);
    assert_eq!(link.protocols(), vec!["sll", "ethertype"]);
    let LinkKind::Sll2(s) = &link.kind else { panic!() };
    assert_eq!((s.ifindex, s.hatype, s.pkttype, s.halen), (3, 1, 4, 6));
    let (t, text) = render(&link, &f);
    assert_eq!(
        text,
        "Linux cooked capture v2\n    Protocol: IPv4 (0x0800)\n    Interface index: 3\n    Link-layer address type: Ethernet (1)\n    Packet type: Sent by us (4)\n    Link-layer address length: 6\n    Source: 00:11:22:33:44:55\n    Unused: 0000\n"
    );
    assert_eq!(span(&t, "sll.pkttype"), (10, 1));
    assert_eq!(span(&t, "sll.ifindex"), (4, 4));
}

#[test]
fn sll_truncation_sweep() {
    let f1 = sll1(0, 1, 6, MAC1, 0x0800, IP4);
    let mut f2 = hx(&format!("0800 0000 00000003 0001 04 06 {MAC1}0000"));
    f2.extend(hx(IP4));
    for (lt, f, hdr, mac_end) in [(linktype::LINUX_SLL, &f1, 16, 12), (linktype::LINUX_SLL2, &f2, 20, 18)] {
        for n in 0..=f.len() {
            let d = &f[..n];
            let link = parse_link(lt, d);
            let (t, _) = render(&link, d);
            assert!(t.iter().all(|(_, node)| (node.off + node.len) as usize <= n));
            if n < hdr {
                let e = link.error.unwrap();
                assert_eq!((e.kind, e.offset, e.need, e.have), (ErrorKind::Truncated, 0, hdr, n));
                assert_eq!(link.next, Next::Nothing);
                assert_eq!(link.src_mac().is_some(), n >= mac_end, "{n}");
            } else {
                assert_eq!(link.error, None);
                assert_eq!(link.next, Next::Ipv4);
            }
        }
    }
}

#[test]
fn null_byte_order_is_guessed_like_wireshark() {
    let cases: &[(&str, bool, u32, Next)] = &[
        ("02000000", false, 2, Next::Ipv4),
        ("00000002", false, 2, Next::Ipv4),
        ("18000000", false, 24, Next::Ipv6),
        ("1e000000", false, 30, Next::Ipv6),
        ("0000001c", false, 28, Next::Ipv6),
        ("0a000000", false, 10, Next::Ipv6),
        ("00020000", false, 2, Next::Ipv4), // IRIX
        ("00000200", false, 2, Next::Ipv4), // IRIX, other order
        ("08000000", false, 8, Next::Nothing),
        ("00000800", false, 0x0800, Next::Ipv4), // an ethertype
        ("00000002", true, 2, Next::Ipv4),
        ("02000000", true, 0x0200_0000, Next::Nothing), // LOOP: always a family
    ];
    for &(h, lp, fam, next) in cases {
        let mut f = hx(h);
        f.extend(hx(IP4));
        let link = parse_link(if lp { linktype::LOOP } else { linktype::NULL }, &f);
        let LinkKind::Null(n) = link.kind else { panic!() };
        assert_eq!(n.family, fam, "{h}");
        assert_eq!(link.next, next, "{h}");
        assert_eq!(link.payload_off, 4);
    }
    let f = hx(&format!("02000000{IP4}"));
    let link = parse_link(linktype::NULL, &f);
    assert_eq!(link.protocols(), vec!["null"]);
    let (t, text) = render(&link, &f);
    assert_eq!(text, "Null/Loopback\n    Family: IP (2)\n");
    assert_eq!(span(&t, "null.family"), (0, 4));
    let f = hx(&format!("00000800{IP4}"));
    let link = parse_link(linktype::NULL, &f);
    assert_eq!(link.protocols(), vec!["null"], "tshark: null:ip");
    let (t, text) = render(&link, &f);
    assert_eq!(text, "Null/Loopback\n    Type: IPv4 (0x0800)\n");
    assert_eq!(one(&t, "null.type", &f), "0x0800");
    for n in 0..4 {
        let link = parse_link(linktype::NULL, &f[..n]);
        assert_eq!(link.error, Some(DissectError::truncated("Null/Loopback", 0, 4, n)));
        let (t, _) = render(&link, &f[..n]);
        assert_eq!(t.find("null.family").count() + t.find("null.type").count(), 0);
    }
}

#[test]
fn raw_ip_link_types() {
    let v4 = hx(IP4);
    let mut v6 = hx("6000000000003b40");
    v6.extend([0u8; 32]);
    let l = parse_link(linktype::RAW, &v4);
    assert_eq!((l.next, l.payload_off, l.error), (Next::Ipv4, 0, None));
    assert_eq!(l.protocols(), vec!["raw"]);
    let (t, text) = render(&l, &v4);
    assert_eq!(text, "Raw packet data\n");
    assert_eq!(span(&t, "raw"), (0, 20));
    assert_eq!(parse_link(linktype::RAW, &v6).next, Next::Ipv6);
    assert_eq!(parse_link(linktype::RAW, &[0x10; 20]).next, Next::Nothing);
    assert_eq!(
        parse_link(linktype::RAW, &[]).error,
        Some(DissectError::truncated("Raw IP", 0, 1, 0))
    );

    let l = parse_link(linktype::IPV4, &v4);
    assert_eq!((l.next, l.error), (Next::Ipv4, None));
    assert!(l.protocols().is_empty());
    assert_eq!(render(&l, &v4).1, "");
    // An IPv6 packet in a LINKTYPE_IPV4 file: dissected as IPv6, with an error node.
    let l = parse_link(linktype::IPV4, &v6);
    assert_eq!(l.next, Next::Ipv6);
    assert!(matches!(
        l.error,
        Some(DissectError {
            kind: ErrorKind::Malformed(_),
            ..
        })
    ));
    let (t, text) = render(&l, &v6);
    assert_eq!(t.experts().count(), 1);
    assert_eq!(text, "[Error: IP version is not 4 in a LINKTYPE_IPV4 capture]\n");
    let l = parse_link(linktype::IPV6, &v4);
    assert_eq!(l.next, Next::Ipv4);
    assert!(l.error.is_some());
    assert_eq!(parse_link(linktype::IPV6, &[0; 40]).next, Next::Ipv6);
}

#[test]
fn unknown_link_type_is_raw_data() {
    let f = hx("0102030405");
    let l = parse_link(147, &f);
    assert_eq!(l.kind, LinkKind::Unknown(147));
    assert_eq!(l.next, Next::Nothing);
    assert_eq!(l.protocols(), vec!["data"]);
    let (t, text) = render(&l, &f);
    assert!(text.starts_with("Unknown link type 147: shown as raw data\n    Data: 0102030405\n"));
    assert_eq!(one(&t, "data.data", &f), "0102030405");
    assert_eq!(linktype::name(147), "unknown");
    assert_eq!(linktype::name(linktype::LINUX_SLL2), "Linux cooked v2");
}

#[test]
fn ethertype_names() {
    assert_eq!(ethertype_name(0x0800), Some("IPv4"));
    assert_eq!(ethertype_name(0x0806), Some("ARP"));
    assert_eq!(ethertype_name(0x86dd), Some("IPv6"));
    assert_eq!(ethertype_name(0x8100), Some("802.1Q Virtual LAN"));
    assert_eq!(
        ethertype_name(0x88cc),
        Some("802.1 Link Layer Discovery Protocol (LLDP)")
    );
    assert_eq!(ethertype_name(0x1234), None);
}

// ---------------------------------------------------------------------------
// ARP

fn arp_bytes(htype: u16, ptype: u16, hlen: u8, plen: u8, op: u16, rest: &str) -> Vec<u8> {
    hx(&format!("{htype:04x}{ptype:04x}{hlen:02x}{plen:02x}{op:04x}{rest}"))
}

#[test]
fn arp_request_reply_fields_and_info() {
    let d = arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}0a000001 000000000000 0a000002"));
    let a = arp::parse(&d, 0).unwrap();
    assert_eq!(
        (a.sha.clone(), a.spa.clone(), a.tha.clone(), a.tpa.clone()),
        (8..14, 14..18, 18..24, 24..28)
    );
    assert_eq!(a.kind(&d), ArpKind::Request);
    assert_eq!(a.info(&d), "Who has 10.0.0.2? Tell 10.0.0.1");
    assert_eq!(a.sender_ip(&d), Some(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(a.target_ip(&d), Some(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(a.sender_mac(&d), Some([0, 0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(a.target_mac(&d), Some([0; 6]));
    let mut t = Tree::new();
    let root = a.tree(&mut t, &d);
    assert_eq!(t.node(root).unwrap().name, "arp");
    let mut text = String::new();
    t.render_text(&mut text, &d);
    assert_eq!(
        text,
        "Address Resolution Protocol (request)\n    Hardware type: Ethernet (1)\n    Protocol type: IPv4 (0x0800)\n    Hardware size: 6\n    Protocol size: 4\n    Opcode: request (1)\n    Sender MAC address: 00:11:22:33:44:55\n    Sender IP address: 10.0.0.1\n    Target MAC address: 00:00:00:00:00:00\n    Target IP address: 10.0.0.2\n"
    );
    assert_eq!(one(&t, "arp.proto.type", &d), "0x0800");
    assert_eq!(span(&t, "arp.dst.proto_ipv4"), (24, 4));
    assert_eq!(span(&t, "arp.opcode"), (6, 2));

    let d = arp_bytes(1, 0x800, 6, 4, 2, &format!("{MAC1}0a000002 {MAC2} 0a000001"));
    let a = arp::parse(&d, 0).unwrap();
    assert_eq!(a.kind(&d), ArpKind::Reply);
    assert_eq!(a.info(&d), "10.0.0.2 is at 00:11:22:33:44:55");
}

#[test]
fn arp_gratuitous_probe_announcement() {
    let z6 = "000000000000";
    let check = |d: Vec<u8>, kind: ArpKind, info: &str, root: &str, flags: &[&str]| {
        let a = arp::parse(&d, 0).unwrap();
        assert_eq!(a.kind(&d), kind, "{info}");
        assert_eq!(a.info(&d), info);
        let mut t = Tree::new();
        let r = a.tree(&mut t, &d);
        assert_eq!(t.node(r).unwrap().text.as_deref(), Some(root));
        for f in ["arp.isgratuitous", "arp.isprobe", "arp.isannouncement"] {
            let has = t.find(f).count() == 1;
            assert_eq!(has, flags.contains(&f), "{info}: {f}");
            if has {
                assert!(t.find(f).next().unwrap().1.generated);
                assert_eq!(one(&t, f, &d), "1");
            }
        }
    };
    check(
        arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}0a000001{z6}0a000001")),
        ArpKind::Announcement,
        "ARP Announcement for 10.0.0.1",
        "Address Resolution Protocol (ARP Announcement)",
        &["arp.isgratuitous", "arp.isannouncement"],
    );
    check(
        arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}0a000001ffffffffffff0a000001")),
        ArpKind::Gratuitous,
        "Gratuitous ARP for 10.0.0.1 (Request)",
        "Address Resolution Protocol (request/gratuitous ARP)",
        &["arp.isgratuitous"],
    );
    check(
        arp_bytes(1, 0x800, 6, 4, 2, &format!("{MAC1}0a000001ffffffffffff0a000001")),
        ArpKind::Gratuitous,
        "Gratuitous ARP for 10.0.0.1 (Reply)",
        "Address Resolution Protocol (reply/gratuitous ARP)",
        &["arp.isgratuitous"],
    );
    check(
        arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}00000000{z6}0a000005")),
        ArpKind::Probe,
        "Who has 10.0.0.5? (ARP Probe)",
        "Address Resolution Protocol (ARP Probe)",
        &["arp.isprobe"],
    );
    // Sender 0.0.0.0 but a target hardware address: not a probe (tshark 4.0).
    check(
        arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}00000000{MAC2}0a000005")),
        ArpKind::Request,
        "Who has 10.0.0.5? Tell 0.0.0.0",
        "Address Resolution Protocol (request)",
        &[],
    );
    // No protocol addresses: never gratuitous, but a probe when the bytes after are zero.
    check(
        arp_bytes(1, 0x800, 6, 0, 1, &format!("{MAC1}{z6}")),
        ArpKind::Probe,
        "Who has <No address>? (ARP Probe)",
        "Address Resolution Protocol (ARP Probe)",
        &["arp.isprobe"],
    );
    check(
        arp_bytes(1, 0x800, 0, 0, 1, ""),
        ArpKind::Request,
        "Who has <No address>? Tell <No address>",
        "Address Resolution Protocol (request)",
        &[],
    );
}

#[test]
fn arp_other_opcodes_info() {
    let body = format!("{MAC1}0a000001{MAC2}0a000002");
    let info = |op: u16| {
        let d = arp_bytes(1, 0x800, 6, 4, op, &body);
        arp::parse(&d, 0).unwrap().info(&d)
    };
    assert_eq!(info(3), "Who is 66:77:88:99:aa:bb? Tell 00:11:22:33:44:55");
    assert_eq!(info(4), "66:77:88:99:aa:bb is at 10.0.0.2");
    assert_eq!(info(8), "Who is 66:77:88:99:aa:bb? Tell 00:11:22:33:44:55");
    assert_eq!(info(9), "00:11:22:33:44:55 is at 10.0.0.1");
    assert_eq!(info(7), "DRARP Error");
    assert_eq!(info(10), "ARP NAK");
    assert_eq!(info(11), "MARS request from 00:11:22:33:44:55 at 10.0.0.1");
    assert_eq!(info(23), "MAPOS UNARP request from 00:11:22:33:44:55 at 10.0.0.1");
    assert_eq!(info(24), "Experimental 1 ( opcode 24 )");
    assert_eq!(info(0), "Reserved opcode 0");
    assert_eq!(info(65535), "Reserved opcode 65535");
    assert_eq!(info(300), "Unknown ARP opcode 0x012c");
    let d = arp_bytes(1, 0x800, 6, 4, 300, &body);
    let mut t = Tree::new();
    let r = arp::parse(&d, 0).unwrap().tree(&mut t, &d);
    assert_eq!(
        t.node(r).unwrap().text.as_deref(),
        Some("Address Resolution Protocol (opcode 0x012c)")
    );
    assert_eq!(arp::parse(&d, 0).unwrap().kind(&d), ArpKind::Other(300));
}

#[test]
fn arp_odd_sizes_are_bytes_of_the_claimed_length() {
    // 40-byte hardware addresses.
    let d = arp_bytes(
        1,
        0x800,
        40,
        4,
        1,
        &format!("{}0a000002{}0a000001", "01".repeat(40), "02".repeat(40)),
    );
    let a = arp::parse(&d, 0).unwrap();
    assert_eq!(a.total_len(), 8 + 80 + 8);
    assert_eq!(a.sender_mac(&d), None);
    assert_eq!(a.sender_ip(&d), Some(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(a.info(&d), "Who has 10.0.0.1? Tell 10.0.0.2");
    let mut t = Tree::new();
    a.tree(&mut t, &d);
    assert_eq!(span(&t, "arp.src.hw"), (8, 40));
    assert_eq!(span(&t, "arp.dst.hw"), (52, 40));
    assert_eq!(one(&t, "arp.src.hw", &d), "01".repeat(40));
    let mut text = String::new();
    t.render_text(&mut text, &d);
    assert!(text.contains(&format!("    Sender hardware address: {}…\n", "01".repeat(36))));
    // 40-byte protocol addresses.
    let d = arp_bytes(
        1,
        0x800,
        6,
        40,
        1,
        &format!("{MAC1}{}000000000000{}", "01".repeat(40), "02".repeat(40)),
    );
    let a = arp::parse(&d, 0).unwrap();
    assert_eq!(a.sender_ip(&d), None);
    assert_eq!(
        a.info(&d),
        format!("Who has {}…? Tell {}…", "02".repeat(36), "01".repeat(36))
    );
    // IPv6 protocol addresses are bytes too.
    let d = arp_bytes(
        1,
        0x86dd,
        6,
        16,
        1,
        &format!("{MAC1}{}01{}{}02", "00".repeat(15), "00".repeat(6), "00".repeat(15)),
    );
    let a = arp::parse(&d, 0).unwrap();
    assert_eq!(a.info(&d), "Who has 00000000000000000000000000000002? (ARP Probe)");
    // Hardware size 4 with Ethernet type: bytes, not a MAC.
    let d = arp_bytes(1, 0x800, 4, 4, 1, "010203040a000001000000000a000001");
    let a = arp::parse(&d, 0).unwrap();
    let mut t = Tree::new();
    a.tree(&mut t, &d);
    assert_eq!(one(&t, "arp.src.hw", &d), "01020304");
    assert_eq!(a.kind(&d), ArpKind::Gratuitous);
    // IEEE 802 hardware is Ethernet-like.
    let d = arp_bytes(6, 0x800, 6, 4, 2, &format!("{MAC1}0a000002{MAC2}0a000001"));
    assert_eq!(arp::parse(&d, 0).unwrap().info(&d), "10.0.0.2 is at 00:11:22:33:44:55");
}

#[test]
fn arp_truncation_sweep_and_huge_sizes() {
    let d = arp_bytes(1, 0x800, 6, 4, 1, &format!("{MAC1}0a000001000000000000 0a000002"));
    for n in 0..d.len() {
        let e = arp::parse(&d[..n], 0).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Truncated);
        assert_eq!(e.need, if n < 8 { 8 } else { 28 });
        assert_eq!(e.have, n);
        // The caller's way: parse a zero-padded copy, build with the clip.
        let mut padded = d[..n].to_vec();
        padded.resize(e.need, 0);
        if let Ok(a) = arp::parse(&padded, 0) {
            let mut t = Tree::new();
            t.set_clip(Some((0, n)));
            a.tree(&mut t, &padded);
            t.set_clip(None);
            assert_eq!(t.roots().count(), 1, "the root survives the clip");
            assert!(t
                .iter()
                .all(|(_, node)| node.len == 0 || (node.off + node.len) as usize <= n || node.name == "arp"));
            assert_eq!(a.info(&d[..n]), "", "tshark shows no Info for a cut ARP");
        }
        // And a tree over the short data itself never reaches past it.
        if n >= 8 {
            let a = arp::parse(&padded, 0).unwrap();
            let mut t = Tree::new();
            a.tree(&mut t, &d[..n]);
            assert!(t.iter().all(|(_, node)| (node.off + node.len) as usize <= n));
        }
    }
    // 255-byte addresses claimed, 20 bytes present.
    let d = arp_bytes(1, 0x800, 255, 255, 1, &"01".repeat(20));
    let e = arp::parse(&d, 0).unwrap_err();
    assert_eq!((e.need, e.have), (8 + 2 * 255 + 2 * 255, 28));
    // Offsets near the end of the address space never overflow.
    assert!(arp::parse(&d, usize::MAX - 3).is_err());
    let mut big = d.clone();
    big.resize(2000, 0);
    let a = arp::parse(&big, 0).unwrap();
    assert_eq!(a.tpa, 773..1028);
    // Zero addresses, equal: an announcement, shown as 36 bytes and an ellipsis.
    assert_eq!(a.info(&big), format!("ARP Announcement for {}…", "00".repeat(36)));
}

// ---------------------------------------------------------------------------
// Agreement with tshark on the shared corpus (run with `--ignored`).

mod capture {
    //! A minimal pcap / pcapng record walk, for the tests only.

    pub struct Frame {
        pub linktype: u32,
        pub data: Vec<u8>,
    }

    fn u16_at(b: &[u8], o: usize, le: bool) -> Option<u16> {
        let x: [u8; 2] = b.get(o..o + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(x)
        } else {
            u16::from_be_bytes(x)
        })
    }

    fn u32_at(b: &[u8], o: usize, le: bool) -> Option<u32> {
        let x: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        })
    }

    pub fn read(b: &[u8]) -> Option<Vec<Frame>> {
        let magic = u32_at(b, 0, true)?;
        match magic {
            0xa1b2c3d4 | 0xa1b23c4d => pcap(b, true),
            0xd4c3b2a1 | 0x4d3cb2a1 => pcap(b, false),
            0x0a0d0d0a => pcapng(b),
            _ => None,
        }
    }

    fn pcap(b: &[u8], le: bool) -> Option<Vec<Frame>> {
        let linktype = u32_at(b, 20, le)? & 0xffff;
        let mut off = 24;
        let mut out = Vec::new();
        while let Some(caplen) = u32_at(b, off + 8, le) {
            let start = off + 16;
            let Some(data) = b.get(start..start + caplen as usize) else {
                break;
            };
            out.push(Frame {
                linktype,
                data: data.to_vec(),
            });
            off = start + caplen as usize;
        }
        Some(out)
    }

    fn pcapng(b: &[u8]) -> Option<Vec<Frame>> {
        let mut out = Vec::new();
        let mut le = true;
        let mut ifs: Vec<u32> = Vec::new();
        let mut off = 0;
        while off + 12 <= b.len() {
            if u32_at(b, off, true)? == 0x0a0d0d0a {
                le = u32_at(b, off + 8, true)? == 0x1a2b3c4d;
                ifs.clear();
            }
            let ty = u32_at(b, off, le)?;
            let len = u32_at(b, off + 4, le)? as usize;
            if len < 12 || off + len > b.len() {
                break;
            }
            match ty {
                1 => ifs.push(u32::from(u16_at(b, off + 8, le)?)),
                6 => {
                    let ifc = u32_at(b, off + 8, le)? as usize;
                    let caplen = u32_at(b, off + 20, le)? as usize;
                    let data = b.get(off + 28..off + 28 + caplen)?;
                    out.push(Frame {
                        linktype: *ifs.get(ifc)?,
                        data: data.to_vec(),
                    });
                }
                3 => {
                    let orig = u32_at(b, off + 8, le)? as usize;
                    let caplen = orig.min(len - 16);
                    let data = b.get(off + 12..off + 12 + caplen)?;
                    out.push(Frame {
                        linktype: *ifs.first()?,
                        data: data.to_vec(),
                    });
                }
                2 => {
                    let ifc = u16_at(b, off + 8, le)? as usize;
                    let caplen = u32_at(b, off + 20, le)? as usize;
                    let data = b.get(off + 28..off + 28 + caplen)?;
                    out.push(Frame {
                        linktype: *ifs.get(ifc)?,
                        data: data.to_vec(),
                    });
                }
                _ => {}
            }
            off += len;
        }
        Some(out)
    }
}

const FIELDS: &[&str] = &[
    "eth.dst",
    "eth.src",
    "eth.addr",
    "eth.type",
    "eth.len",
    "eth.invalid_lentype",
    "eth.dst.lg",
    "eth.dst.ig",
    "eth.src.lg",
    "eth.src.ig",
    "eth.dst.oui",
    "vlan.priority",
    "vlan.dei",
    "vlan.id",
    "vlan.etype",
    "vlan.len",
    "ieee8021ad.priority",
    "ieee8021ad.dei",
    "ieee8021ad.id",
    "ieee8021ah.etype",
    "llc.dsap",
    "llc.dsap.sap",
    "llc.dsap.ig",
    "llc.ssap",
    "llc.ssap.cr",
    "llc.control",
    "llc.control.ftype",
    "llc.control.n_r",
    "llc.control.n_s",
    "llc.control.u_modifier_cmd",
    "llc.control.u_modifier_resp",
    "llc.oui",
    "llc.type",
    "llc.pid",
    "llc.cisco_pid",
    "llc.nortel_pid",
    "sll.pkttype",
    "sll.hatype",
    "sll.halen",
    "sll.src.eth",
    "sll.src.ipv4",
    "sll.src.other",
    "sll.unused",
    "sll.etype",
    "sll.ltype",
    "sll.gretype",
    "sll.ifindex",
    "null.family",
    "null.type",
    "arp.hw.type",
    "arp.proto.type",
    "arp.hw.size",
    "arp.proto.size",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
    "arp.src.hw",
    "arp.src.proto",
    "arp.dst.hw",
    "arp.dst.proto",
    "arp.isgratuitous",
    "arp.isprobe",
    "arp.isannouncement",
];

fn corpus_dir() -> Option<std::path::PathBuf> {
    if let Ok(d) = std::env::var("WIRELENS_CORPUS") {
        return Some(d.into());
    }
    let mut dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let c = dir.join("shared/corpus");
        if c.join("MANIFEST.tsv").is_file() {
            return Some(c);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Our values for one frame.
struct Ours {
    protos: Vec<&'static str>,
    vals: Vec<Vec<String>>,
    /// ARP Info, when ARP was dissected.
    info: Option<String>,
    /// A header was cut short: tshark then drops the fields of the layer,
    /// we keep those captured, so ours may hold more.
    truncated: bool,
}

fn ours(f: &capture::Frame) -> Ours {
    let data = &f.data;
    let link = parse_link(f.linktype, data);
    let mut t = Tree::new();
    link.tree(&mut t, data);
    let mut protos = link.protocols();
    let mut info = None;
    let mut truncated = matches!(
        link.error,
        Some(DissectError {
            kind: ErrorKind::Truncated,
            ..
        })
    );
    if link.next == Next::Arp {
        protos.push("arp");
        match arp::parse(data, link.payload_off) {
            Ok(a) => {
                a.tree(&mut t, data);
                info = Some(a.info(data));
            }
            Err(_) => {
                truncated = true;
                if let Some(a) = arp::parse_partial(data, link.payload_off) {
                    a.tree(&mut t, data);
                    info = Some(a.info(data));
                }
            }
        }
    }
    let vals = FIELDS.iter().map(|name| values(&t, name, data)).collect();
    Ours {
        protos,
        vals,
        info,
        truncated,
    }
}

fn strip_info(s: &str) -> String {
    let mut s = s.replace("[Malformed Packet]", "");
    if let Some(i) = s.find(" (duplicate use of ") {
        if let Some(j) = s[i..].find(" detected!)") {
            s.replace_range(i..i + j + " detected!)".len(), "");
        }
    }
    s
}

#[derive(Default)]
struct Tally {
    frames: usize,
    fields: usize,
    mismatches: usize,
    proto_mismatch: usize,
    info_checked: usize,
    info_mismatch: usize,
    shown: usize,
    skipped: usize,
}

fn compare_file(path: &std::path::Path, tally: &mut Tally, report: &mut String) {
    let Ok(bytes) = std::fs::read(path) else { return };
    let Some(frames) = capture::read(&bytes) else { return };
    let mut cmd = std::process::Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-E",
        "separator=\t",
    ]);
    cmd.args([
        "-e",
        "frame.protocols",
        "-e",
        "_ws.col.Info",
        "-e",
        "frame.interface_id",
    ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let Ok(out) = cmd.output() else { return };
    let text = String::from_utf8_lossy(&out.stdout);
    // pcapng blocks that are not packets (custom blocks...) print a line
    // without an interface id: not ours to compare.
    let pcapng = bytes.get(..4) == Some(&[0x0a, 0x0d, 0x0d, 0x0a][..]);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !pcapng || l.split('\t').nth(2).is_some_and(|c| !c.is_empty()))
        .collect();
    let name = path.display().to_string();
    for (i, (f, line)) in frames.iter().zip(lines.iter()).enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        let o = ours(f);
        let protos = &o.protos;
        tally.frames += 1;
        let theirs_protos: Vec<&str> = cols.first().map(|s| s.split(':').collect()).unwrap_or_default();
        // Not dissected the Wireshark way here: ATMARP (ARP hardware type 19),
        // netlink in SLL (hatype 824), Cisco ISL frames (to 01:00:0c:00:00:xx).
        let isl =
            f.data.starts_with(&[0x01, 0x00, 0x0c, 0x00, 0x00]) || f.data.starts_with(&[0x0c, 0x00, 0x0c, 0x00, 0x00]);
        if theirs_protos.contains(&"atmarp") || theirs_protos.get(1) == Some(&"netlink") || (f.linktype == 1 && isl) {
            tally.skipped += 1;
            continue;
        }
        let mut note = |tally: &mut Tally, what: String| {
            tally.mismatches += 1;
            if tally.shown < 80 {
                tally.shown += 1;
                report.push_str(&format!("{name} #{}: {what}\n", i + 1));
            }
        };
        if !o.truncated && (theirs_protos.len() < protos.len() || theirs_protos[..protos.len()] != protos[..]) {
            tally.proto_mismatch += 1;
            note(tally, format!("protocols ours {protos:?} tshark {:?}", cols.first()));
            continue;
        }
        for (k, ours) in o.vals.iter().enumerate() {
            let theirs: Vec<&str> = cols
                .get(k + 3)
                .filter(|s| !s.is_empty())
                .map(|s| s.split(',').collect())
                .unwrap_or_default();
            tally.fields += ours.len();
            // tshark may hold more occurrences from tunnelled inner layers:
            // ours must be their first ones. When a header was cut short,
            // tshark drops the layer's fields and we keep the captured ones.
            let ok = if o.truncated {
                theirs.len() <= ours.len() && ours[..theirs.len()].iter().zip(&theirs).all(|(a, b)| a == b)
            } else {
                theirs.len() >= ours.len() && theirs[..ours.len()].iter().zip(ours).all(|(a, b)| a == b)
            };
            // An ARP field tshark has and we lack is a miss, not an inner layer.
            let missed = ours.is_empty() && !theirs.is_empty() && FIELDS[k].starts_with("arp.") && o.info.is_some();
            if !ok || missed {
                note(tally, format!("{} ours {ours:?} tshark {theirs:?}", FIELDS[k]));
            }
        }
        if let Some(info) = &o.info {
            tally.info_checked += 1;
            let theirs = strip_info(cols.get(1).copied().unwrap_or(""));
            // tshark appends the Info of layers after ARP (trailers), if any.
            if !theirs.starts_with(info.as_str()) || (info.is_empty() && !theirs.is_empty()) {
                tally.info_mismatch += 1;
                note(tally, format!("Info ours {info:?} tshark {theirs:?}"));
            }
        }
    }
    if frames.len() != lines.len() {
        report.push_str(&format!(
            "{name}: {} frames read, tshark printed {}\n",
            frames.len(),
            lines.len()
        ));
    }
}

#[test]
#[ignore = "needs tshark and the shared corpus; run with --ignored"]
fn agrees_with_tshark_on_the_corpus() {
    let Some(dir) = corpus_dir() else {
        eprintln!("shared corpus not found (set WIRELENS_CORPUS): skipped");
        return;
    };
    if std::process::Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let filter = std::env::var("WIRELENS_LINK_FILTER").unwrap_or_default();
    let mut files = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(lt), Some(protos)) = (cols.first(), cols.get(5), cols.get(7)) else {
            continue;
        };
        let wanted_lt = ["ether ", "linux-sll", "null ", "rawip", "per-packet"]
            .iter()
            .any(|p| lt.starts_with(p));
        let wanted_proto = ["arp", "vlan", "ieee8021ad", "sll", "null", "llc", "raw"]
            .iter()
            .any(|p| protos.split(',').any(|x| x == *p));
        let all = filter.starts_with("all");
        if wanted_lt
            && (wanted_proto || all || !lt.starts_with("ether"))
            && path.contains(filter.trim_start_matches("all"))
        {
            files.push(dir.join(path));
        }
    }
    if let Ok(extra) = std::env::var("WIRELENS_EXTRA_PCAPS") {
        files.extend(extra.split(':').filter(|s| !s.is_empty()).map(std::path::PathBuf::from));
    }
    let mut tally = Tally::default();
    let mut report = String::new();
    for f in &files {
        compare_file(f, &mut tally, &mut report);
    }
    eprintln!("{report}");
    eprintln!(
        "{} files, {} frames ({} skipped), {} field values compared, {} mismatches ({} protocol-chain), ARP Info {} checked / {} differ",
        files.len(),
        tally.frames,
        tally.skipped,
        tally.fields,
        tally.mismatches,
        tally.proto_mismatch,
        tally.info_checked,
        tally.info_mismatch
    );
    assert_eq!(tally.mismatches, 0);
}

/// Top-level blocks of a tree text (a root line and its indented lines),
/// normalized for comparison: expert lines as `EXPERT sev: msg`, and the
/// padding / trailer / FCS lines the caller adds dropped.
fn blocks(text: &str, tshark: bool) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut skip_deeper: Option<usize> = None;
    for line in text.lines() {
        let depth = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if let Some(d) = skip_deeper {
            if depth > d {
                continue;
            }
            skip_deeper = None;
        }
        if depth == 0 {
            out.push(vec![line.to_string()]);
            continue;
        }
        if ["Padding: ", "Trailer: ", "Frame check sequence: ", "[FCS Status: "]
            .iter()
            .any(|p| body.starts_with(p))
        {
            continue;
        }
        let mut norm = line.to_string();
        if tshark {
            if let Some(rest) = body.strip_prefix("[Expert Info (") {
                let sev = rest.split('/').next().unwrap_or("");
                let msg = rest.split_once("): ").map(|x| x.1).unwrap_or("").trim_end_matches(']');
                skip_deeper = Some(depth);
                // The padding / trailer heuristics are the caller's.
                if msg.contains("padding") {
                    continue;
                }
                norm = format!("{}EXPERT {sev}: {msg}", " ".repeat(depth));
            }
        } else {
            let b = body.trim_start_matches('[').trim_end_matches(']');
            for sev in ["Error", "Warning", "Note", "Chat", "Comment"] {
                if let Some(msg) = b.strip_prefix(sev).and_then(|m| m.strip_prefix(": ")) {
                    if body.starts_with('[') {
                        norm = format!("{}EXPERT {sev}: {msg}", " ".repeat(depth));
                    }
                }
            }
        }
        if let Some(last) = out.last_mut() {
            last.push(norm);
        }
    }
    out
}

#[test]
#[ignore = "needs tshark; run with --ignored (files: WIRELENS_TREE_PCAPS, colon-separated)"]
fn tree_text_matches_tshark_v() {
    if std::process::Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files: Vec<std::path::PathBuf> = std::env::var("WIRELENS_TREE_PCAPS")
        .unwrap_or_default()
        .split(':')
        .filter(|s| !s.is_empty())
        .map(Into::into)
        .collect();
    if let Some(dir) = corpus_dir() {
        for f in [
            "tcpdump/802.1ad_QinQ.pcap",
            "tcpdump/arp-too-long-tha.pcap",
            "tcpdump/802.1D_spanning_tree.pcap",
            "tcpdump/MSTP_Intra-Region_BPDUs.pcap",
            "zeek/snap-tcp.pcap",
            "zeek/linuxsll-arp.pcap",
            "zeek/linux_dlt_sll2.pcap",
            "zeek/vlan-pcp-dei.pcapng",
            "zeek/q-in-q.pcap",
            "zeek/vlan-qinqinq.pcap",
            "tcpdump/babel.pcap",
            "tcpdump/dns-badcookie.pcap",
            "tcpdump/LINKTYPE_RAW_ipv4.pcap",
            "tcpdump/rpvstp-trunk-native-vid5.pcap",
            "tcpdump/UDLD.pcap",
            "tcpdump/arp-oobr.pcap",
        ] {
            files.push(dir.join(f));
        }
    }
    let (mut frames, mut bad) = (0, 0);
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let Some(caps) = capture::read(&bytes) else { continue };
        let Ok(out) = std::process::Command::new("tshark")
            .args(["-n", "-V", "-r"])
            .arg(path)
            .output()
        else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        // Split tshark's output per frame.
        let mut per_frame: Vec<String> = Vec::new();
        for line in text.lines() {
            if line.starts_with("Frame ") && line.contains(" bytes on wire") {
                per_frame.push(String::new());
            }
            if let Some(cur) = per_frame.last_mut() {
                cur.push_str(line);
                cur.push('\n');
            }
        }
        for (i, (f, theirs)) in caps.iter().zip(&per_frame).enumerate() {
            let link = parse_link(f.linktype, &f.data);
            let unsupported = match &link.kind {
                LinkKind::Null(n) => n.ppp_hdlc,
                LinkKind::Sll(s) => s.hatype == sll::ARPHRD_NETLINK,
                _ => f.data.starts_with(&[1, 0, 0x0c, 0, 0]),
            };
            if link.error.is_some() || unsupported {
                continue;
            }
            let mut t = Tree::new();
            link.tree(&mut t, &f.data);
            if link.next == Next::Arp {
                match arp::parse(&f.data, link.payload_off) {
                    Ok(a) if a.htype != 19 => {
                        a.tree(&mut t, &f.data);
                    }
                    _ => continue,
                }
            }
            let mut ours = String::new();
            t.render_text(&mut ours, &f.data);
            let ours = blocks(&ours, false);
            let theirs = blocks(theirs, true);
            frames += 1;
            // Skip tshark's "Frame" block; compare as many blocks as we have.
            let theirs = theirs
                .get(1..1 + ours.len().min(theirs.len().saturating_sub(1)))
                .unwrap_or(&[]);
            if theirs != &ours[..] {
                bad += 1;
                if bad <= 10 {
                    eprintln!(
                        "{} #{}:\n--- ours\n{}\n--- tshark\n{}\n",
                        path.display(),
                        i + 1,
                        ours.concat().join("\n"),
                        theirs.concat().join("\n")
                    );
                }
            }
        }
    }
    eprintln!("{} files, {frames} frames compared, {bad} differ", files.len());
    assert_eq!(bad, 0);
}

#[test]
fn roots_survive_a_caller_clip() {
    let f = eth(0x0800, IP4);
    let link = parse_link(linktype::ETHERNET, &f);
    let mut t = Tree::new();
    t.set_clip(Some((0, 10)));
    let root = link.tree(&mut t, &f);
    t.set_clip(None);
    let root = root.expect("the eth root is returned");
    assert_eq!(t.node(root).unwrap().name, "eth");
    assert_eq!(t.find("eth.dst").count(), 1);
    assert_eq!(t.find("eth.src").count(), 0);
    assert_eq!(link.length_end(), None);
}
