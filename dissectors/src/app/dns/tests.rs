//! Trees and Info of crafted messages; expectations from `tshark -V` 4.0 on
//! the same bytes.

use super::*;
use crate::tree::{Tree, Value};

/// Builds a message: header, then sections appended as raw bytes.
struct Msg(Vec<u8>);

impl Msg {
    fn new(id: u16, flags: u16, counts: [u16; 4]) -> Msg {
        let mut v = Vec::new();
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&flags.to_be_bytes());
        for c in counts {
            v.extend_from_slice(&c.to_be_bytes());
        }
        Msg(v)
    }
    fn name(mut self, n: &str) -> Msg {
        for l in n.split('.').filter(|l| !l.is_empty()) {
            self.0.push(l.len() as u8);
            self.0.extend_from_slice(l.as_bytes());
        }
        self.0.push(0);
        self
    }
    fn raw(mut self, b: &[u8]) -> Msg {
        self.0.extend_from_slice(b);
        self
    }
    fn u16(self, v: u16) -> Msg {
        self.raw(&v.to_be_bytes())
    }
    fn q(self, n: &str, t: u16) -> Msg {
        self.name(n).u16(t).u16(1)
    }
    /// A record owned by the name at offset 12 (the question's), `ttl` 3600.
    fn rr(self, t: u16, data: &[u8]) -> Msg {
        self.raw(&[0xc0, 0x0c])
            .u16(t)
            .u16(1)
            .raw(&3600u32.to_be_bytes())
            .u16(data.len() as u16)
            .raw(data)
    }
}

fn wire_name(n: &str) -> Vec<u8> {
    Msg(Vec::new()).name(n).0
}

fn dissect(m: &[u8]) -> Tree {
    let mut t = Tree::new();
    tree(&mut t, m, 0, false);
    t
}

fn text(t: &Tree, m: &[u8]) -> String {
    let mut s = String::new();
    t.render_text(&mut s, m);
    s
}

fn fields(t: &Tree, m: &[u8], name: &str) -> Vec<String> {
    t.find(name).map(|(id, _)| t.field_string(id, m)).collect()
}

fn info_of_bytes(m: &[u8]) -> String {
    let mut s = String::new();
    info(m, false, &mut s);
    s
}

fn answer_of_everything() -> Vec<u8> {
    let mut soa = wire_name("ns.example.com");
    soa.extend(wire_name("admin.example.com"));
    for v in [2024010101u32, 7200, 3600, 1209600, 300] {
        soa.extend_from_slice(&v.to_be_bytes());
    }
    let mut mx = 10u16.to_be_bytes().to_vec();
    mx.extend(wire_name("mx.example.com"));
    let mut srv = vec![0, 1, 0, 5, 0x13, 0xc4];
    srv.extend(wire_name("sip.example.com"));
    Msg::new(0x1a2b, 0x8580, [1, 13, 0, 0])
        .q("example.com", 1)
        .rr(1, &[192, 0, 2, 1])
        .rr(28, &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        .rr(2, &wire_name("ns1.example.com"))
        .rr(5, &wire_name("alias.example.net"))
        .rr(6, &soa)
        .rr(12, &wire_name("host.example.com"))
        .rr(15, &mx)
        .rr(16, b"\x05hello\x0bworld there")
        .rr(33, &srv)
        .rr(257, b"\x00\x05issueletsencrypt.org")
        .rr(257, b"\x80\x09issuewildca.example; policy=ev")
        .rr(65280, &[0xde, 0xad, 0xbe, 0xef])
        .rr(99, b"\x0bv=spf1 -all")
        .0
}

#[test]
fn every_record_type_gets_its_fields() {
    let m = answer_of_everything();
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.a"), ["192.0.2.1"]);
    assert_eq!(fields(&t, &m, "dns.aaaa"), ["2001:db8::1"]);
    assert_eq!(fields(&t, &m, "dns.ns"), ["ns1.example.com"]);
    assert_eq!(fields(&t, &m, "dns.cname"), ["alias.example.net"]);
    assert_eq!(fields(&t, &m, "dns.soa.mname"), ["ns.example.com"]);
    assert_eq!(fields(&t, &m, "dns.soa.rname"), ["admin.example.com"]);
    assert_eq!(fields(&t, &m, "dns.soa.serial_number"), ["2024010101"]);
    assert_eq!(fields(&t, &m, "dns.soa.minimum_ttl"), ["300"]);
    assert_eq!(fields(&t, &m, "dns.ptr.domain_name"), ["host.example.com"]);
    assert_eq!(fields(&t, &m, "dns.mx.preference"), ["10"]);
    assert_eq!(fields(&t, &m, "dns.mx.mail_exchange"), ["mx.example.com"]);
    assert_eq!(fields(&t, &m, "dns.txt"), ["hello", "world there"]);
    assert_eq!(fields(&t, &m, "dns.txt.length"), ["5", "11"]);
    assert_eq!(fields(&t, &m, "dns.srv.port"), ["5060"]);
    assert_eq!(fields(&t, &m, "dns.srv.target"), ["sip.example.com"]);
    // An SRV owner name is split into service, protocol and name.
    assert_eq!(fields(&t, &m, "dns.srv.service"), ["example"]);
    assert_eq!(fields(&t, &m, "dns.srv.proto"), ["com"]);
    assert_eq!(fields(&t, &m, "dns.caa.issue"), ["letsencrypt.org"]);
    assert_eq!(fields(&t, &m, "dns.caa.issuewild"), ["ca.example; policy=ev"]);
    assert_eq!(fields(&t, &m, "dns.caa.flags.issuer_critical"), ["0", "1"]);
    assert_eq!(fields(&t, &m, "dns.data"), ["deadbeef"]);
    assert_eq!(fields(&t, &m, "dns.spf"), ["v=spf1 -all"]);
    assert_eq!(fields(&t, &m, "dns.resp.ttl").len(), 13);
    let s = text(&t, &m);
    for line in [
        "Domain Name System (response)",
        "    Flags: 0x8580 Standard query response, No error",
        "        .... .1.. .... .... = Authoritative: Server is an authority for domain",
        "        example.com: type A, class IN, addr 192.0.2.1",
        "            Type: A (Host Address) (1)",
        "            Class: IN (0x0001)",
        "            Time to live: 3600 (1 hour)",
        "        example.com: type MX, class IN, preference 10, mx mx.example.com",
        "        example.com: type SRV, class IN, priority 1, weight 5, port 5060, target sip.example.com",
        "            Refresh Interval: 7200 (2 hours)",
        "            Expire limit: 1209600 (14 days)",
        "            Issue Wildcard: ca.example; policy=ev",
        "                1... .... = Issuer Critical: Critical",
        "            Data: deadbeef",
    ] {
        assert!(s.contains(&format!("{line}\n")), "missing {line:?} in\n{s}");
    }
    assert_eq!(
        info_of_bytes(&m),
        "Standard query response 0x1a2b A example.com A 192.0.2.1 AAAA 2001:db8::1 NS ns1.example.com \
         CNAME alias.example.net SOA ns.example.com PTR host.example.com MX 10 mx.example.com TXT \
         SRV 1 5 5060 sip.example.com CAA CAA Unknown (65280) SPF"
    );
}

#[test]
fn svcb_and_https_parameters() {
    let mut sv = vec![0, 1, 0];
    for (k, v) in [
        (0u16, &b"\x00\x01\x00\x03"[..]),
        (1, b"\x02h2\x08http/1.1"),
        (2, b""),
        (3, b"\x20\xfb"),
        (4, &[192, 0, 2, 1, 192, 0, 2, 2]),
        (5, b"\x00\x04abcd"),
        (65000, b"xyz"),
    ] {
        sv.extend_from_slice(&k.to_be_bytes());
        sv.extend_from_slice(&(v.len() as u16).to_be_bytes());
        sv.extend_from_slice(v);
    }
    let m = Msg::new(0x2222, 0x8180, [1, 1, 0, 0])
        .q("example.com", 65)
        .rr(65, &sv)
        .0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.svcb.svcpriority"), ["1"]);
    assert_eq!(fields(&t, &m, "dns.svcb.targetname"), ["<Root>"]);
    assert_eq!(
        fields(&t, &m, "dns.svcb.svcparam.key"),
        ["0", "1", "2", "3", "4", "5", "65000"]
    );
    assert_eq!(fields(&t, &m, "dns.svcb.svcparam.alpn"), ["h2", "http/1.1"]);
    assert_eq!(fields(&t, &m, "dns.svcb.svcparam.port"), ["8443"]);
    assert_eq!(
        fields(&t, &m, "dns.svcb.svcparam.ipv4hint.ip"),
        ["192.0.2.1", "192.0.2.2"]
    );
    let s = text(&t, &m);
    for line in [
        "            SvcParam: mandatory=alpn,port",
        "            SvcParam: alpn=h2,http/1.1",
        "            SvcParam: no-default-alpn",
        "            SvcParam: echconfig=AARhYmNk",
        "                ECHConfig: AARhYmNk",
        "            SvcParam: key65000=xyz",
        "                SvcParamKey: Unknown (65000)",
    ] {
        assert!(s.contains(&format!("{line}\n")), "missing {line:?} in\n{s}");
    }
    // hickory-proto agrees the record is well formed.
    let msg = parse(&m);
    assert!(typed_rdata(&m, &msg.records[0]).is_ok());
    assert!(msg.is_complete());
}

fn opt(options: &[(u16, &[u8])], ext: u8, z: u16) -> Vec<u8> {
    let mut d = Vec::new();
    for (c, v) in options {
        d.extend_from_slice(&c.to_be_bytes());
        d.extend_from_slice(&(v.len() as u16).to_be_bytes());
        d.extend_from_slice(v);
    }
    let mut r = vec![0, 0, 41, 0x04, 0xd0, ext, 0];
    r.extend_from_slice(&z.to_be_bytes());
    r.extend_from_slice(&(d.len() as u16).to_be_bytes());
    r.extend(d);
    r
}

#[test]
fn edns_options_and_the_extended_rcode() {
    let m = Msg::new(0x3333, 0x0120, [1, 0, 0, 1])
        .q("example.com", 1)
        .raw(&opt(
            &[
                (10, &[1, 2, 3, 4, 5, 6, 7, 8]),
                (8, &[0, 1, 24, 0, 192, 0, 2]),
                (8, &[0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0]),
                (3, b""),
                (12, &[0; 5]),
                (11, &[0, 100]),
                (15, b"\x00\x12blocked"),
            ],
            0,
            0x8000,
        ))
        .0;
    let t = dissect(&m);
    assert_eq!(info_of_bytes(&m), "Standard query 0x3333 A example.com OPT");
    assert_eq!(fields(&t, &m, "dns.rr.udp_payload_size"), ["1232"]);
    assert_eq!(fields(&t, &m, "dns.resp.z.do"), ["1"]);
    assert_eq!(fields(&t, &m, "dns.opt.code"), ["10", "8", "8", "3", "12", "11", "15"]);
    assert_eq!(fields(&t, &m, "dns.opt.cookie.client"), ["0102030405060708"]);
    assert_eq!(fields(&t, &m, "dns.opt.cookie.server"), ["<MISSING>"]);
    assert_eq!(fields(&t, &m, "dns.opt.client.addr4"), ["192.0.2.0"]);
    assert_eq!(fields(&t, &m, "dns.opt.client.addr6"), ["2001:db8:abcd::"]);
    assert_eq!(fields(&t, &m, "dns.opt.client.netmask"), ["24", "56"]);
    assert_eq!(fields(&t, &m, "dns.opt.edns_tcp_keepalive.timeout"), ["100"]);
    assert_eq!(fields(&t, &m, "dns.opt.ext_error.extra_text"), ["blocked"]);
    let s = text(&t, &m);
    for line in [
        "        <Root>: type OPT",
        "            Option: CSUBNET - Client subnet",
        "                Family: IPv4 (1)",
        "                Info Code: Prohibited (18)",
        "                1... .... .... .... = DO bit: Accepts DNSSEC security RRs",
        "        .... .... ..1. .... = AD bit: Set",
    ] {
        assert!(s.contains(&format!("{line}\n")), "missing {line:?} in\n{s}");
    }
    // NXDOMAIN in the header, 1 in the OPT's upper bits: BADTIME (19).
    let m = Msg::new(0x3333, 0x8183, [1, 0, 0, 1])
        .q("example.com", 1)
        .raw(&opt(
            &[(10, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])],
            1,
            0,
        ))
        .0;
    let msg = parse(&m);
    assert_eq!(msg.rcode(), 19);
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "wirelens.dns.ext_rcode"), ["19"]);
    assert_eq!(fields(&t, &m, "dns.opt.cookie.server"), ["090a0b0c0d0e0f10"]);
    // Wireshark's Info shows the header's code only.
    assert_eq!(
        info_of_bytes(&m),
        "Standard query response 0x3333 No such name A example.com OPT"
    );
}

#[test]
fn compression_pointers_are_shown_and_loops_flagged() {
    // The answer's owner points at the question's name.
    let m = Msg::new(1, 0x8180, [1, 1, 0, 0])
        .q("example.com", 1)
        .rr(1, &[1, 2, 3, 4])
        .0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "wirelens.dns.name.pointer"), ["12"]);
    // A name that points at itself, and two that point at each other.
    for body in [
        &b"\xc0\x0c\x00\x01\x00\x01"[..],
        b"\x01a\xc0\x14\x00\x01\x00\x01\x01b\xc0\x0c",
    ] {
        let m = Msg::new(2, 0x0100, [1, 0, 0, 0]).raw(body).0;
        let t = dissect(&m);
        assert_eq!(fields(&t, &m, "dns.qry.name"), ["<Name contains a pointer that loops>"]);
        assert_eq!(t.find("wirelens.dns.name.loop").count(), 1, "{}", text(&t, &m));
        assert_eq!(fields(&t, &m, "dns.qry.type"), ["1"], "parsing goes on after the name");
    }
    // A forward pointer is followed and flagged.
    let m = Msg::new(3, 0x0100, [1, 0, 0, 0])
        .raw(b"\xc0\x12\x00\x01\x00\x01")
        .name("fwd.example")
        .0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.qry.name"), ["fwd.example"]);
    assert!(t.experts().any(|(_, e)| e.code == "wirelens.dns.name.forward_pointer"));
    assert_eq!(fields(&t, &m, "dns.extraneous.data"), ["03667764076578616d706c6500"]);
}

#[test]
fn names_show_odd_bytes_like_wireshark() {
    let m = Msg::new(6, 0x0100, [1, 0, 0, 0])
        .raw(b"\x03a.b\x04c d\xff\x00\x00\x01\x00\x01")
        .0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.qry.name"), ["a.b.c d\u{fffd}"]);
    assert_eq!(fields(&t, &m, "dns.qry.name.len"), ["8"]);
    assert_eq!(fields(&t, &m, "dns.count.labels"), ["3"]);
    let m = Msg::new(12, 0x0100, [1, 0, 0, 0]).q("a", 1).0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.qry.name.len"), ["0"]);
    assert_eq!(fields(&t, &m, "dns.count.labels"), ["0"]);
    let m = Msg::new(11, 0x0100, [1, 0, 0, 0]).q("", 6).0;
    let t = dissect(&m);
    assert_eq!(fields(&t, &m, "dns.qry.name"), ["<Root>"]);
    assert_eq!(fields(&t, &m, "dns.qry.name.len"), ["6"]);
    assert_eq!(info_of_bytes(&m), "Standard query 0x000b SOA <Root>");
}

#[test]
fn cut_and_malformed_messages_show_what_parsed_then_an_expert() {
    let m = answer_of_everything();
    for len in 0..m.len() {
        let cut = &m[..len];
        let t = dissect(cut);
        let mut s = String::new();
        t.render_text(&mut s, cut);
        let i = info_of_bytes(cut);
        assert!(t.roots().count() >= 1);
        if len >= 4 {
            assert!(i.starts_with("Standard query response 0x1a2b"), "{len}: {i}");
        }
        assert!(i.ends_with("[Malformed Packet]"), "{len}: {i}");
        assert_eq!(t.find("_ws.malformed").count(), 1, "{len}\n{s}");
        // Every node lies inside the bytes.
        for (_, n) in t.iter() {
            assert!(
                n.span().end <= len.max(n.span().start),
                "{len}: {} {:?}",
                n.name,
                n.span()
            );
        }
    }
    // A record whose data is cut: Wireshark shows the type in Info, nothing of the record in the tree.
    let m = Msg::new(2, 0x8180, [1, 1, 0, 0]).q("x.com", 1).rr(1, &[1, 2, 3, 4]).0;
    let cut = &m[..m.len() - 2];
    assert_eq!(
        info_of_bytes(cut),
        "Standard query response 0x0002 A x.com A[Malformed Packet]"
    );
    assert!(fields(&dissect(cut), cut, "dns.resp.type").is_empty());
    // A label type 01 (RFC 2673 bit-string labels, retired) stops the message.
    let m = Msg::new(7, 0x0100, [1, 0, 0, 0]).raw(b"\x41abc\x00\x00\x01\x00\x01").0;
    assert_eq!(info_of_bytes(&m), "Standard query 0x0007[Malformed Packet]");
    // A TXT string longer than the record data.
    let m = Msg::new(6, 0x8180, [1, 1, 0, 0]).q("x.com", 16).rr(16, b"\x09abc").0;
    assert_eq!(
        info_of_bytes(&m),
        "Standard query response 0x0006 TXT x.com TXT[Malformed Packet]"
    );
    // Fewer than 4 bytes are no DNS message at all.
    assert_eq!(info_of_bytes(b"XXX"), "[Malformed Packet]");
    assert_eq!(dissect(b"XXX").find("dns.id").count(), 0);
}

#[test]
fn random_bytes_never_panic() {
    // A small deterministic generator (xorshift): structured-ish messages.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let base = answer_of_everything();
    for _ in 0..3000 {
        let mut m = base.clone();
        let flips = (next() % 8) as usize + 1;
        for _ in 0..flips {
            let i = (next() as usize) % m.len();
            m[i] = next() as u8;
        }
        let len = (next() as usize) % (m.len() + 1);
        let m = &m[..len];
        let t = dissect(m);
        let mut s = String::new();
        t.render_text(&mut s, m);
        let _ = info_of_bytes(m);
        let msg = parse(m);
        for r in &msg.records {
            let _ = rdata_text(m, r);
        }
    }
}

#[test]
fn over_tcp_the_length_comes_first() {
    let body = Msg::new(0x4319, 0x0120, [1, 0, 0, 0]).q("www.tcpdump.org", 1).0;
    let mut m = (body.len() as u16).to_be_bytes().to_vec();
    m.extend_from_slice(&body);
    let mut t = Tree::new();
    tree(&mut t, &m, 0, true);
    assert_eq!(fields(&t, &m, "dns.length"), [body.len().to_string()]);
    assert_eq!(fields(&t, &m, "dns.id"), ["17177"]);
    assert_eq!(t.find("dns.id").next().unwrap().1.span(), 2..4);
    let mut s = String::new();
    info(&m, true, &mut s);
    assert_eq!(s, "Standard query 0x4319 A www.tcpdump.org");
}

#[test]
fn mdns_and_llmnr_flavors() {
    let m = Msg::new(0, 0x8400, [1, 1, 0, 0])
        .name("gemini.local")
        .u16(1)
        .u16(0x8001)
        .raw(&[0xc0, 0x0c, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 141, 142, 220, 50])
        .0;
    let mut t = Tree::new();
    tree_as(&mut t, &m, 0, false, Flavor::Mdns);
    let s = text(&t, &m);
    assert!(s.starts_with("Multicast Domain Name System (response)\n"), "{s}");
    assert!(
        s.contains("        gemini.local: type A, class IN, \"QU\" question\n"),
        "{s}"
    );
    assert!(
        s.contains("            .000 0000 0000 0001 = Class: IN (0x0001)\n"),
        "{s}"
    );
    assert!(
        s.contains("            1... .... .... .... = Cache flush: True\n"),
        "{s}"
    );
    assert_eq!(fields(&t, &m, "dns.qry.qu"), ["1"]);
    assert_eq!(fields(&t, &m, "dns.resp.class"), ["1"]);
    let mut i = String::new();
    info_as(&m, false, Flavor::Mdns, &mut i);
    assert_eq!(
        i,
        "Standard query response 0x0000 A gemini.local, \"QU\" question A, cache flush 141.142.220.50"
    );
    let m = Msg::new(0x4620, 0, [1, 0, 0, 0]).q("BRWC0CB383D1F42", 1).0;
    let mut t = Tree::new();
    tree_as(&mut t, &m, 0, false, Flavor::Llmnr);
    let s = text(&t, &m);
    assert!(s.starts_with("Link-local Multicast Name Resolution (query)\n"), "{s}");
    assert!(s.contains("        .... .0.. .... .... = Conflict: None\n"), "{s}");
    assert!(
        s.contains("        .... ...0 .... .... = Tentative: Not tentative\n"),
        "{s}"
    );
}

#[test]
fn dynamic_update_sections_have_their_names() {
    let m = Msg::new(0xbb50, 0x2800, [1, 1, 0, 0])
        .q("StratoLab.org", 6)
        .raw(&[0xc0, 0x0c, 0, 5, 0, 254, 0, 0, 0, 0, 0, 0])
        .0;
    let s = text(&dissect(&m), &m);
    for line in [
        "    Flags: 0x2800 Dynamic update",
        "    Zones: 1",
        "    Prerequisites: 1",
        "    Zone",
        "    Prerequisites",
    ] {
        assert!(s.contains(&format!("{line}\n")), "missing {line:?} in\n{s}");
    }
    assert_eq!(info_of_bytes(&m), "Dynamic update 0xbb50 SOA StratoLab.org CNAME");
}

#[test]
fn hickory_gives_typed_data_and_presentation_text() {
    let m = answer_of_everything();
    let msg = parse(&m);
    let texts: Vec<String> = msg.records.iter().map(|r| rdata_text(&m, r)).collect();
    assert_eq!(texts[0], "192.0.2.1");
    assert_eq!(texts[3], "alias.example.net");
    assert_eq!(texts[6], "10 mx.example.com.");
    assert_eq!(texts[11], "\\# 4 deadbeef");
    // OPT has no presentation form and must not panic.
    let m = Msg::new(1, 0x8180, [1, 0, 0, 1]).q("x", 1).raw(&opt(&[], 0, 0)).0;
    let msg = parse(&m);
    assert_eq!(rdata_text(&m, &msg.records[0]), "");
    assert!(matches!(msg.records[0].data, Rdata::Opt(_)));
    assert_eq!(msg.records[0].data, Rdata::Opt(Vec::new()), "{:?}", Value::UInt(0));
}

#[test]
fn dnssec_records() {
    let mut rrsig = vec![0, 1, 8, 2];
    rrsig.extend_from_slice(&3600u32.to_be_bytes());
    rrsig.extend_from_slice(&1_600_000_000u32.to_be_bytes());
    rrsig.extend_from_slice(&1_599_000_000u32.to_be_bytes());
    rrsig.extend_from_slice(&4242u16.to_be_bytes());
    rrsig.extend(wire_name("example.com"));
    rrsig.extend_from_slice(&[0xab; 40]);
    let mut dnskey = vec![0x01, 0x01, 3, 13];
    dnskey.extend_from_slice(&[0x11; 64]);
    let ds = [0x33, 0x22, 8, 2, 0xb4, 0xf2, 0xc7, 0xf5];
    let m = Msg::new(9, 0x8180, [1, 3, 0, 0])
        .q("example.com", 48)
        .rr(46, &rrsig)
        .rr(48, &dnskey)
        .rr(43, &ds)
        .0;
    let t = dissect(&m);
    let s = text(&t, &m);
    for line in [
        "            Type Covered: A (Host Address) (1)",
        "            Algorithm: RSA/SHA-256 (8)",
        "            Original TTL: 3600 (1 hour)",
        "            Signature Expiration: Sep 13, 2020 12:26:40.000000000 UTC",
        "            Signer's name: example.com",
        "                .... ...1 .... .... = Zone Key: This is the zone key for specified zone",
        "                .... .... .... ...1 = Key Signing Key: Yes",
        "            Algorithm: ECDSA Curve P-256 with SHA-256 (13)",
        "            Key id: 0x3322",
        "            Digest Type: SHA-256 (2)",
        "            Digest: b4f2c7f5",
    ] {
        assert!(s.contains(&format!("{line}\n")), "missing {line:?} in\n{s}");
    }
    assert!(
        s.contains(&format!("            Signature: {}\u{2026}\n", "ab".repeat(36))),
        "{s}"
    );
    assert_eq!(fields(&t, &m, "dns.rrsig.key_tag"), ["4242"]);
    assert_eq!(fields(&t, &m, "dns.dnskey.key_id").len(), 1);
}
