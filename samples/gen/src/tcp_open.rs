//! How TCP connections start, or fail to: refused, port-reuse,
//! simultaneous-open, syn-flood.

use etherparse::TcpOptionElement as O;

use crate::craft::{Frame, ACK, FIN, IP_HOST, PSH, RST, SYN};
use crate::tcpkit::*;
use Who::{C, S};

/// refused.pcap: a SYN to a port where nothing listens is answered with
/// RST-ACK (connection refused, REJ); a SYN to a firewalled port gets no
/// answer at all, and the client retries at 1, 3 and 7 s (S0). Captured on
/// the client.
pub fn refused() -> Vec<Frame> {
    let mut a = Conn::new(host(46210, 0x7d2e_0a41, 3_900_000_000), remote(WEB, 8080, 0, 0).no_ts());
    a.syn(0);
    // Linux's answer from a closed port: seq 0, ack ISN + 1, window 0, no options.
    a.tx(20_110, S).flags(RST | ACK).seq(0).win(0).send();
    let mut b = Conn::new(
        host(46212, 0x0e95_3b27, 3_900_000_000),
        remote([198, 51, 100, 21], 5432, 0, 0).no_ts(),
    );
    let syn = b.syn(1_000_000);
    for at in [2_000_000, 4_000_000, 8_000_000] {
        b.tx(at, C).flags(SYN).seq(syn.seq).send();
    }
    Conn::merge(vec![a, b])
}

/// One HTTP/1.0 exchange from 192.0.2.10:40000 at `t0`; the server closes
/// first, so it is the server that waits in TIME-WAIT.
fn http10(t0: u64, c_isn: u32, s_isn: u32, path: &str) -> Conn {
    let mut k = Conn::new(host(40000, c_isn, 3_600_000_000), remote(WEB, 80, s_isn, 2_000_000_000));
    let t = k.open(t0, 20_000);
    k.push(t + 100, C, &http_get("1.0", path, ""));
    k.tx(t + 20_400, S)
        .flags(FIN | PSH | ACK)
        .data(&http_response("HTTP/1.0 200 OK", "Connection: close\r\n", 700))
        .send();
    k.ack(t + 20_460, C);
    k.fin(t + 20_520, C);
    k.ack(t + 40_600, S);
    k
}

/// port-reuse.pcap: a client bound to port 40000 opens three connections
/// to the same server port. The 2nd SYN comes 1.9 s after the 1st
/// connection closed, while the server still holds it in TIME-WAIT: its
/// ISN is higher than anything the old connection used, so the server
/// accepts it (RFC 1122 4.2.2.13). The 3rd comes 68 s after the 2nd
/// closed, when its TIME-WAIT (60 s) is over. Captured on the client.
pub fn port_reuse() -> Vec<Frame> {
    Conn::merge(vec![
        http10(0, 0x1000_0000, 0x6b2c_9e10, "/one.txt"),
        http10(2_000_000, 0x1200_0000, 0x3e81_7c44, "/two.txt"),
        http10(70_000_000, 0x9a5d_0c3f, 0x0d4f_a2b7, "/three.txt"),
    ])
}

/// simultaneous-open.pcap: two BitTorrent peers that both know each
/// other's address connect to each other at the same moment from port
/// 6881 (as NAT hole punching does). Each SYN crosses the other; each side
/// answers the SYN it got with a SYN-ACK (RFC 793 figure 8), then ACKs the
/// other's. Captured on 192.0.2.10 (RTT 40 ms).
pub fn simultaneous_open() -> Vec<Frame> {
    let mut k = Conn::new(
        host(6881, 0x42a7_10c9, 4_000_000_000),
        remote([198, 51, 100, 30], 6881, 0x19e6_d35a, 600_000_000).ttl(50),
    );
    // Our SYN leaves; it reaches the peer at 20 ms.
    let syn_a = k.tx(0, C).flags(SYN).late().send();
    // The peer's SYN, sent 5 ms before ours, arrives: we are SYN-SENT -> SYN-RECEIVED.
    k.tx(15_000, S).flags(SYN).send();
    let synack_a = k.tx(15_060, C).flags(SYN | ACK).seq(syn_a.seq).late().send();
    // At 20 ms our SYN reaches the peer (SYN-SENT -> SYN-RECEIVED); its SYN-ACK arrives at 40 ms.
    k.deliver(&syn_a);
    let b_isn = k.s.isn;
    k.tx(40_000, S).flags(SYN | ACK).seq(b_isn).send();
    k.deliver(&synack_a);
    // Each acknowledges the other's SYN-ACK.
    k.ack(40_050, C);
    k.ack(55_100, S);
    let hs = |id: &[u8; 20], peer: &[u8; 20]| {
        let mut v = vec![19u8];
        v.extend_from_slice(b"BitTorrent protocol");
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0x05]);
        v.extend_from_slice(id);
        v.extend_from_slice(peer);
        v
    };
    let info: [u8; 20] = *b"wirelens-sample-info";
    k.push(60_000, C, &hs(&info, b"-WL0001-abcdefghijkl"));
    k.push(100_100, S, &hs(&info, b"-WL0001-mnopqrstuvwx"));
    k.ack(100_150, C);
    k.fin(2_000_000, C);
    k.fin(2_040_100, S);
    k.ack(2_040_150, C);
    k.frames
}

/// The victim of syn-flood.pcap.
const VICTIM: [u8; 4] = [198, 51, 100, 80];
const MAC_VICTIM: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x80];

/// syn-flood.pcap: 150 SYNs in 3 s from spoofed addresses in
/// 203.0.113.0/24 (no options, window 512, like hping3) to a web server
/// that answers each with a SYN-ACK and never gets the ACK: its SYN
/// backlog fills with half-open connections. Under the flood Linux answers
/// with SYN cookies (state-less: the SYN-ACKs are not retransmitted). A
/// real client, 192.0.2.10, connects in the middle and is served.
/// Captured on the server.
pub fn syn_flood() -> Vec<Frame> {
    let mut conns = Vec::new();
    let mut x: u32 = 0x2545_f491;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut used = std::collections::BTreeSet::new();
    for i in 0..150u64 {
        let (r1, r2, r3) = (next(), next(), next());
        let ip = [203, 0, 113, 1 + (r1 % 254) as u8];
        let port = 1024 + (r1 >> 8) as u16 % 64000;
        assert!(used.insert((ip, port)), "spoofed 4-tuples are unique");
        let at = i * 20_000 + u64::from(r2 % 15_000);
        let mut bot = Peer::new(MAC_SERVER_GW, ip, port, 40 + (r2 >> 24) as u8 % 20, r3)
            .win(512, 512)
            .wscale(None)
            .sack_perm(false)
            .no_ts()
            .ip_id((r2 >> 8) as u16);
        bot.df = false;
        let srv = Peer::new(MAC_VICTIM, VICTIM, 80, 64, next())
            .local()
            .win(64240, 502)
            .wscale(None)
            .sack_perm(false)
            .ip_id(0);
        let mut k = Conn::new(bot, srv);
        k.tx(at, C).flags(SYN).opts(vec![]).send();
        // A SYN cookie can only encode what the SYN offered: here the MSS.
        k.tx(at + 35, S)
            .flags(SYN | ACK)
            .opts(vec![O::MaximumSegmentSize(1460)])
            .send();
        conns.push(k);
    }
    // The legitimate client.
    let mut me = Conn::new(
        Peer::new(MAC_SERVER_GW, IP_HOST, 55006, 49, 0x6f31_0a8d)
            .ts(3_800_000_000)
            .win(64240, 502)
            .ip_id(0x4d20),
        Peer::new(MAC_VICTIM, VICTIM, 80, 64, 0x0b7e_4c12)
            .local()
            .ts(2_100_000_000)
            .win(65160, 510)
            .wscale(Some(9))
            .ip_id(0),
    );
    let t = me.open(1_512_000, 25_000);
    me.push(t + 150, C, &http_get("1.1", "/", ""));
    me.push(t + 400, S, &http_response("HTTP/1.1 200 OK", "", 520));
    me.ack(t + 25_470, C);
    me.fin(t + 25_600, C);
    me.fin(t + 25_650, S);
    me.ack(t + 50_700, C);
    conns.push(me);
    Conn::merge(conns)
}
