//! DNS samples: dns-udp (the everyday lookups and what their answers
//! mean), dns-malformed (names a parser must not trust), dns-tc-tcp (a
//! truncated UDP answer and the retry over TCP).
//!
//! The client is the capturing host 192.0.2.10; its recursive resolver is
//! 192.0.2.53 on the same LAN (cache hits answer in a fraction of a
//! millisecond, misses take tens of milliseconds); 203.0.113.53 is
//! ns1.example.com, authoritative for example.com and not recursive.

use crate::appkit::{push, Udp};
use crate::craft::{Frame, IP_HOST, MAC_GW, MAC_HOST};
use crate::dnsmsg::*;
use crate::tcpkit::{host, Conn, Peer, Who, SEG};
use Who::{C, S};

/// The LAN resolver's MAC.
pub const MAC_RESOLVER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x53];
pub const IP_RESOLVER: [u8; 4] = [192, 0, 2, 53];
/// ns1.example.com, reached through the gateway.
pub const IP_NS1: [u8; 4] = [203, 0, 113, 53];

fn client() -> Udp {
    Udp::new(MAC_HOST, IP_HOST, 64, 0x4a10, true)
}

fn resolver() -> Udp {
    Udp::new(MAC_RESOLVER, IP_RESOLVER, 64, 0x1c00, false)
}

fn ns1() -> Udp {
    Udp::new(MAC_GW, IP_NS1, 51, 0x0000, false)
}

/// A cookie option (RFC 7873): the client's 8 bytes, and the server's when answering.
fn cookie(client: &[u8; 8], server: Option<&[u8]>) -> (u16, Vec<u8>) {
    let mut v = client.to_vec();
    if let Some(s) = server {
        v.extend(s);
    }
    (OPT_COOKIE, v)
}

/// An EDNS client subnet option (RFC 7871) for an IPv4 prefix.
fn ecs(prefix: u8, scope: u8, addr: &[u8]) -> (u16, Vec<u8>) {
    let mut v = vec![0, 1, prefix, scope];
    v.extend(addr);
    (OPT_ECS, v)
}

/// A lookup: the client asks `server` from `sport` at `at`; the answer
/// comes `rtt` µs later (None: never).
struct Look<'a> {
    f: &'a mut Vec<Frame>,
    c: &'a mut Udp,
}

impl Look<'_> {
    fn ask(&mut self, at: u64, s: &Udp, sport: u16, q: &[u8]) {
        self.f.push(self.c.send(at, s, sport, 53, q));
    }
    fn reply(&mut self, at: u64, s: &mut Udp, sport: u16, r: &[u8]) {
        self.f.push(s.send(at, self.c, 53, sport, r));
    }
}

const SOA_COM: Rd<'static> = Rd::Soa {
    mname: "ns1.example.com",
    rname: "hostmaster.example.com",
    serial: 2_026_010_101,
    refresh: 7200,
    retry: 3600,
    expire: 1_209_600,
    minimum: 300,
};

/// dns-udp.pcap: everyday lookups over UDP and what their answers mean.
pub fn udp() -> Vec<Frame> {
    let mut f = Vec::new();
    let mut c = client();
    let mut r = resolver();
    let mut ns = ns1();
    let mut l = Look { f: &mut f, c: &mut c };
    let ck: [u8; 8] = [0x5e, 0x2a, 0x91, 0x0c, 0x7d, 0x44, 0xb3, 0x18];

    // 1-4. A and AAAA for www.example.com, sent together from one port as
    // glibc does; a cache miss at the resolver: recursion (RD asked, RA offered).
    let qa = Msg::query(0x3a51, true, "www.example.com", A).done();
    let qaaaa = Msg::query(0x9e07, true, "www.example.com", AAAA).done();
    l.ask(0, &r, 48213, &qa);
    l.ask(85, &r, 48213, &qaaaa);
    let ra = answer_to(&qa, RA)
        .an("www.example.com", A, 3600, Rd::A([198, 51, 100, 20]))
        .done();
    l.reply(24_310, &mut r, 48213, &ra);
    let raaaa = answer_to(&qaaaa, RA)
        .an("www.example.com", AAAA, 3600, Rd::Aaaa(crate::craft::v6(0x100, 0x20)))
        .done();
    l.reply(24_920, &mut r, 48213, &raaaa);

    // 5-8. Load balancing: three A records for cdn.example.net; asked
    // again 5 s later, the cached answer comes back rotated and with 5 s
    // less TTL.
    let lb = |order: [u8; 3], ttl: u32, q: &[u8]| {
        let mut m = answer_to(q, RA);
        for o in order {
            m = m.an("cdn.example.net", A, ttl, Rd::A([198, 51, 100, o]));
        }
        m.done()
    };
    let q1 = Msg::query(0x8c12, true, "cdn.example.net", A).done();
    l.ask(1_000_000, &r, 39702, &q1);
    l.reply(1_031_200, &mut r, 39702, &lb([101, 102, 103], 60, &q1));
    let q2 = Msg::query(0x1f7e, true, "cdn.example.net", A).done();
    l.ask(6_000_000, &r, 55180, &q2);
    l.reply(6_000_410, &mut r, 55180, &lb([102, 103, 101], 55, &q2));

    // 9-10. A CNAME chain: www.example.org -> a CDN alias -> the edge
    // name, whose A records are the final answer.
    let q = Msg::query(0x62d4, true, "www.example.org", A).done();
    l.ask(8_000_000, &r, 43355, &q);
    let a = answer_to(&q, RA)
        .an(
            "www.example.org",
            CNAME,
            3600,
            Rd::Name("www.example.org.edgekey.example.net"),
        )
        .an(
            "www.example.org.edgekey.example.net",
            CNAME,
            300,
            Rd::Name("e7.a.cdn.example.net"),
        )
        .an("e7.a.cdn.example.net", A, 20, Rd::A([203, 0, 113, 80]))
        .an("e7.a.cdn.example.net", A, 20, Rd::A([203, 0, 113, 81]))
        .done();
    l.reply(8_046_700, &mut r, 43355, &a);

    // 11-12. NXDOMAIN: the name does not exist; the zone's SOA in the
    // authority section says how long to remember that (negative caching, RFC 2308).
    let q = Msg::query(0xd00d, true, "nosuchhost.example.com", A).done();
    l.ask(10_000_000, &r, 60411, &q);
    let a = answer_to(&q, RA | NXDOMAIN).ns("example.com", SOA, 300, SOA_COM).done();
    l.reply(10_028_900, &mut r, 60411, &a);

    // 13-14. SERVFAIL: the resolver could not reach any authority of
    // broken.example.net (asked by dig: EDNS with a cookie; the answer
    // carries Extended DNS Error 22, No Reachable Authority, RFC 8914).
    let q = Msg::query(0x4b7c, true, "broken.example.net", A)
        .opt(1232, false, &[cookie(&ck, None)])
        .done();
    l.ask(12_000_000, &r, 51547, &q);
    let mut ede = 22u16.to_be_bytes().to_vec();
    ede.extend(b"at delegation broken.example.net.");
    let a = answer_to(&q, RA | SERVFAIL)
        .opt(
            1232,
            false,
            &[
                cookie(
                    &ck,
                    Some(&[
                        1, 0, 0, 0, 0x69, 0x55, 0xb6, 0x0c, 0x8e, 0x37, 0x20, 0x9d, 0x41, 0xfa, 0x06, 0x13,
                    ]),
                ),
                (OPT_EDE, ede),
            ],
        )
        .done();
    l.reply(15_012_400, &mut r, 51547, &a);

    // 15-16. REFUSED: ns1.example.com only serves its own zones; asked to
    // recurse for a name elsewhere, it refuses.
    let q = Msg::query(0x0bad, true, "www.example.org", A).done();
    l.ask(16_000_000, &ns, 34127, &q);
    let a = answer_to(&q, REFUSED).done();
    l.reply(16_038_200, &mut ns, 34127, &a);

    // 17-18. An iterative query (RD=0) to the authoritative server: AA
    // set, RA clear; the authority section names the zone's servers and
    // the additional section gives their addresses (glue).
    let q = Msg::query(0x2f00, false, "www.example.com", A).done();
    l.ask(17_000_000, &ns, 58880, &q);
    let a = answer_to(&q, AA)
        .an("www.example.com", A, 3600, Rd::A([198, 51, 100, 20]))
        .ns("example.com", NS, 86400, Rd::Name("ns1.example.com"))
        .ns("example.com", NS, 86400, Rd::Name("ns2.example.com"))
        .ad("ns1.example.com", A, 86400, Rd::A(IP_NS1))
        .ad("ns2.example.com", A, 86400, Rd::A([198, 51, 100, 53]))
        .done();
    l.reply(17_038_400, &mut ns, 58880, &a);

    // 19-21. A query lost on the way: after 1 s the client sends it again
    // (same id, same port), and this time the answer comes.
    let q = Msg::query(0x5e21, true, "api.example.com", A).done();
    l.ask(19_000_000, &r, 47001, &q);
    l.ask(20_000_150, &r, 47001, &q);
    let a = answer_to(&q, RA)
        .an("api.example.com", CNAME, 300, Rd::Name("www.example.com"))
        .an("www.example.com", A, 3580, Rd::A([198, 51, 100, 20]))
        .done();
    l.reply(20_000_690, &mut r, 47001, &a);

    // 22. A query never answered (the capture goes on 7 s longer).
    let q = Msg::query(0x77aa, true, "telemetry.example.org", A).done();
    l.ask(21_000_000, &r, 36609, &q);

    // 23-24. EDNS(0): UDP payload size 1232, client subnet 192.0.2.0/24
    // (RFC 7871) and a cookie (RFC 7873); the answer's subnet option says
    // the answer is good for that /24 (scope 24) and adds the server cookie.
    let q = Msg::query(0xe5a3, true, "www.example.net", A)
        .opt(1232, false, &[ecs(24, 0, &[192, 0, 2]), cookie(&ck, None)])
        .done();
    l.ask(22_000_000, &r, 52890, &q);
    let a = answer_to(&q, RA)
        .an("www.example.net", A, 600, Rd::A([198, 51, 100, 44]))
        .opt(
            1232,
            false,
            &[
                ecs(24, 24, &[192, 0, 2]),
                cookie(
                    &ck,
                    Some(&[
                        1, 0, 0, 0, 0x69, 0x55, 0xb6, 0x16, 0x27, 0xc1, 0x9a, 0x50, 0x3e, 0x88, 0xd4, 0x72,
                    ]),
                ),
            ],
        )
        .done();
    l.reply(22_033_100, &mut r, 52890, &a);

    // 25-26. MX: two mail exchangers by preference, their addresses in
    // the additional section.
    let q = Msg::query(0x1a2b, true, "example.com", MX).done();
    l.ask(23_000_000, &r, 40123, &q);
    let a = answer_to(&q, RA)
        .an("example.com", MX, 3600, Rd::Mx(10, "mail1.example.com"))
        .an("example.com", MX, 3600, Rd::Mx(20, "mail2.example.com"))
        .ad("mail1.example.com", A, 3600, Rd::A([198, 51, 100, 25]))
        .ad("mail2.example.com", A, 3600, Rd::A([203, 0, 113, 25]))
        .done();
    l.reply(23_029_800, &mut r, 40123, &a);

    // 27-28. TXT: an SPF policy, and a record made of two strings.
    let q = Msg::query(0x3c4d, true, "example.com", TXT).done();
    l.ask(24_000_000, &r, 46512, &q);
    let a = answer_to(&q, RA)
        .an(
            "example.com",
            TXT,
            3600,
            Rd::Txt(&["v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.25 -all"]),
        )
        .an(
            "example.com",
            TXT,
            3600,
            Rd::Txt(&["site-verification=5d41402abc4b2a76", " b9719d911017c592"]),
        )
        .done();
    l.reply(24_027_300, &mut r, 46512, &a);

    // 29-30. SRV: where the SIP service over TCP runs (priority, weight,
    // port, target; the target is never compressed).
    let q = Msg::query(0x5e6f, true, "_sip._tcp.example.com", SRV).done();
    l.ask(25_000_000, &r, 33870, &q);
    let a = answer_to(&q, RA)
        .an(
            "_sip._tcp.example.com",
            SRV,
            3600,
            Rd::Srv(10, 60, 5060, "sip1.example.com"),
        )
        .an(
            "_sip._tcp.example.com",
            SRV,
            3600,
            Rd::Srv(10, 40, 5060, "sip2.example.com"),
        )
        .an(
            "_sip._tcp.example.com",
            SRV,
            3600,
            Rd::Srv(20, 0, 5061, "sip-backup.example.net"),
        )
        .ad("sip1.example.com", A, 3600, Rd::A([198, 51, 100, 60]))
        .ad("sip2.example.com", A, 3600, Rd::A([198, 51, 100, 61]))
        .done();
    l.reply(25_031_000, &mut r, 33870, &a);

    // 31-32. CAA: which certificate authorities may issue for example.com.
    let q = Msg::query(0x7081, true, "example.com", CAA).done();
    l.ask(26_000_000, &r, 59034, &q);
    let a = answer_to(&q, RA)
        .an("example.com", CAA, 3600, Rd::Caa(0, "issue", "ca.example.net"))
        .an("example.com", CAA, 3600, Rd::Caa(0, "issuewild", ";"))
        .an(
            "example.com",
            CAA,
            3600,
            Rd::Caa(0, "iodef", "mailto:security@example.com"),
        )
        .done();
    l.reply(26_026_500, &mut r, 59034, &a);

    // 33-34. HTTPS (RFC 9460): the service speaks h2 and h3, with address hints.
    let q = Msg::query(0x92a3, true, "www.example.com", HTTPS).done();
    l.ask(27_000_000, &r, 41777, &q);
    let mut v6hint = crate::craft::v6(0x100, 0x20).to_vec();
    v6hint.extend(crate::craft::v6(0x100, 0x21));
    let a = answer_to(&q, RA)
        .an(
            "www.example.com",
            HTTPS,
            3600,
            Rd::Svcb(
                1,
                ".",
                vec![
                    svc::alpn(&["h2", "h3"]),
                    (svc::IPV4HINT, vec![198, 51, 100, 20]),
                    (svc::IPV6HINT, v6hint),
                ],
            ),
        )
        .done();
    l.reply(27_025_400, &mut r, 41777, &a);

    f.sort_by_key(|x| x.us);
    f
}

/// dns-malformed.pcap: answers whose names a parser must not follow
/// blindly, and messages cut short.
pub fn malformed() -> Vec<Frame> {
    let mut f = Vec::new();
    let mut c = client();
    let mut r = resolver();
    let mut l = Look { f: &mut f, c: &mut c };

    // 1-2. A compression loop: the answer's owner name is the label
    // "loop" followed by a pointer back to that label.
    let q = Msg::query(0x1001, true, "loop.example.com", A).done();
    l.ask(0, &r, 50001, &q);
    let m = answer_to(&q, RA);
    let at = m.len() as u16;
    let a = m
        .raw(b"\x04loop")
        .raw(&(0xc000 | at).to_be_bytes())
        .raw(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 1])
        .count(Sec::Answer)
        .done();
    l.reply(600, &mut r, 50001, &a);

    // 3-4. A forward pointer: the question's name is a pointer to a name
    // written later, in the answer's CNAME data (RFC 1035 pointers refer
    // to a prior occurrence).
    let q = Msg::query(0x1002, true, "fwd.example.com", A).done();
    l.ask(1_000_000, &r, 50002, &q);
    // Header 12, question: pointer (2) + type/class (4) = 18; answer owner
    // pointer (2) + 10 bytes: rdata starts at 30.
    let mut a = Msg::new(0x1002, QR | RD | RA)
        .raw(&[0xc0, 30, 0, 1, 0, 1])
        .raw(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60]);
    let target = crate::craft::dns_name("fwd.example.com");
    a = a.raw(&(target.len() as u16).to_be_bytes()).raw(&target);
    let a = a.counts(1, 1, 0, 0).done();
    l.reply(1_000_650, &mut r, 50002, &a);

    // 5-6. A label longer than 63 bytes: length byte 0x50 has the top bits
    // 01, which is not a length but a (reserved) label type.
    let q = Msg::query(0x1003, true, "long.example.com", A).done();
    l.ask(2_000_000, &r, 50003, &q);
    let mut long = vec![0x50];
    long.extend([b'a'; 80]);
    long.extend(crate::craft::dns_name("example.com"));
    let a = answer_to(&q, RA)
        .raw(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60])
        .raw(&(long.len() as u16).to_be_bytes())
        .raw(&long)
        .count(Sec::Answer)
        .done();
    l.reply(2_000_580, &mut r, 50003, &a);

    // 7-8. A name over 255 bytes: five 63-byte labels (320 bytes in all).
    let q = Msg::query(0x1004, true, "huge.example.com", A).done();
    l.ask(3_000_000, &r, 50004, &q);
    let mut huge = Vec::new();
    for i in 0..5u8 {
        huge.push(63);
        huge.extend([b'a' + i; 63]);
    }
    huge.push(0);
    let a = answer_to(&q, RA)
        .raw(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60])
        .raw(&(huge.len() as u16).to_be_bytes())
        .raw(&huge)
        .count(Sec::Answer)
        .done();
    l.reply(3_000_610, &mut r, 50004, &a);

    // 9-10. A pointer chain 40 pointers deep: a NULL record (type 10)
    // holds 40 pointers, each to the one before, the first to the
    // question's name; the answer's owner is a pointer to the last.
    let q = Msg::query(0x1005, true, "deep.example.com", A).done();
    l.ask(4_000_000, &r, 50005, &q);
    let m = answer_to(&q, RA);
    // NULL record owned by the question name: 2 + 10 bytes, then the pointers.
    let first = m.len() + 12;
    let mut ptrs = vec![0xc0, 12];
    for i in 1..40 {
        ptrs.extend((0xc000 | (first + 2 * (i - 1)) as u16).to_be_bytes());
    }
    let last = (first + 2 * 39) as u16;
    let a = m
        .raw(&[0xc0, 12, 0, 10, 0, 1, 0, 0, 0, 60])
        .raw(&(ptrs.len() as u16).to_be_bytes())
        .raw(&ptrs)
        .raw(&(0xc000 | last).to_be_bytes())
        .raw(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 5])
        .count(Sec::Answer)
        .count(Sec::Answer)
        .done();
    l.reply(4_000_700, &mut r, 50005, &a);

    // 11-12. A truncated message: the header announces two answers, the
    // datagram ends in the middle of the second one's data.
    let q = Msg::query(0x1006, true, "cut.example.com", A).done();
    l.ask(5_000_000, &r, 50006, &q);
    let mut a = answer_to(&q, RA)
        .an("cut.example.com", A, 60, Rd::A([198, 51, 100, 6]))
        .an("cut.example.com", A, 60, Rd::A([198, 51, 100, 7]))
        .done();
    a.truncate(a.len() - 3);
    l.reply(5_000_590, &mut r, 50006, &a);

    // 13. Nine bytes to port 53: shorter than a DNS header.
    l.ask(
        6_000_000,
        &r,
        50007,
        &[0x10, 0x07, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00],
    );
    f
}

/// dns-tc-tcp.pcap: an answer too big for UDP. The resolver sets TC; the
/// client asks again over TCP (a new id), where each message has a 2-byte
/// length prefix.
pub fn tc_tcp() -> Vec<Frame> {
    let mut f = Vec::new();
    let mut c = client();
    let mut r = resolver();
    let ck: [u8; 8] = [0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78];
    let name = "keys.example.com";
    let q = Msg::query(0x6c01, true, name, TXT)
        .opt(1232, false, &[cookie(&ck, None)])
        .done();
    f.push(c.send(0, &r, 45678, 53, &q));
    let srv_ck = [
        1, 0, 0, 0, 0x69, 0x55, 0xb6, 0x20, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    ];
    // Truncated: the question and OPT only, TC set.
    let tc = answer_to(&q, RA | TC)
        .opt(1232, false, &[cookie(&ck, Some(&srv_ck))])
        .done();
    f.push(r.send(31_400, &c, 53, 45678, &tc));

    // The retry over TCP, from a new port with a new id.
    let resolver_tcp = Peer::new(MAC_RESOLVER, IP_RESOLVER, 53, 64, 0x2c4e_91d3)
        .ts(710_000_000)
        .win(65160, 509)
        .ip_id(0);
    let mut k = Conn::new(host(41234, 0x0a7b_3e55, 2_400_000_000), resolver_tcp);
    let t = k.open(31_700, 310);
    let with_len = |m: &[u8]| {
        let mut v = (m.len() as u16).to_be_bytes().to_vec();
        v.extend(m);
        v
    };
    let q2 = Msg::query(0xa4f3, true, name, TXT)
        .opt(1232, false, &[cookie(&ck, Some(&srv_ck))])
        .done();
    push(&mut k, t + 60, C, &with_len(&q2));
    k.ack(t + 330, S);
    // Twelve 2048-bit-key-sized TXT records: about 3.3 KB.
    let blobs: Vec<String> = (0..12)
        .map(|i| {
            let n = crate::tcpkit::noise(0x7478_7400 + i, 180);
            let b64: String = n
                .iter()
                .map(|b| b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(b & 63) as usize] as char)
                .collect();
            format!("v=DKIM1; k=rsa; s={i:02}; p={b64}")
        })
        .collect();
    let mut m = answer_to(&q2, RA);
    for b in &blobs {
        m = m.an(name, TXT, 3600, Rd::Txt(&[b.as_str()]));
    }
    let big = with_len(&m.opt(1232, false, &[cookie(&ck, Some(&srv_ck))]).done());
    assert!(big.len() > SEG && big.len() < 2 * SEG, "{}", big.len());
    // The response in two segments: the first full, the second completes it.
    k.data(t + 1_900, S, &big[..SEG]);
    push(&mut k, t + 1_960, S, &big[SEG..]);
    k.ack(t + 1_990, C);

    // On the same connection, A and AAAA together: two length-prefixed
    // queries in one segment; the two answers come back in one segment.
    let qa = Msg::query(0x33c1, true, name, A).done();
    let qaaaa = Msg::query(0x33c2, true, name, AAAA).done();
    let mut both = with_len(&qa);
    both.extend(with_len(&qaaaa));
    push(&mut k, t + 15_000, C, &both);
    let ra = answer_to(&qa, RA).an(name, A, 3600, Rd::A([198, 51, 100, 70])).done();
    let raaaa = answer_to(&qaaaa, RA)
        .an(name, AAAA, 3600, Rd::Aaaa(crate::craft::v6(0x100, 0x70)))
        .done();
    let mut both = with_len(&ra);
    both.extend(with_len(&raaaa));
    push(&mut k, t + 15_420, S, &both);
    k.ack(t + 15_450, C);

    // The client closes; the resolver follows.
    k.fin(t + 16_000, C);
    k.fin(t + 16_300, S);
    k.ack(t + 16_330, C);
    f.extend(k.frames);
    f.sort_by_key(|x| x.us);
    f
}
