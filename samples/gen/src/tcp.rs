//! tcp-handshake.pcap: one complete HTTP/1.1 exchange over TCP, captured
//! on the client 192.0.2.10 (about 20 ms from the server).

use etherparse::{PacketBuilder, TcpOptionElement as O};

use crate::build;
use crate::craft::*;

const SERVER: [u8; 4] = [198, 51, 100, 20];
const CPORT: u16 = 51514;
const SPORT: u16 = 80;
/// Initial sequence numbers (fixed, non-zero).
const C_ISN: u32 = 0x6b8b_4567;
const S_ISN: u32 = 0x327b_23c6;
/// TCP timestamp clocks (ms ticks) at the start.
const C_TS: u32 = 2_912_504_117;
const S_TS: u32 = 1_830_415_001;
/// Each server data segment: MSS 1400 minus 12 bytes of timestamp option.
const SEG: usize = 1388;

/// What one side sends: flags, sequence, ack, window field, options, data.
struct Seg<'a> {
    us: u64,
    from_client: bool,
    id: u16,
    seq: u32,
    ack: Option<u32>,
    syn: bool,
    fin: bool,
    psh: bool,
    win: u16,
    opts: Vec<O>,
    data: &'a [u8],
}

fn frame(s: &Seg) -> Frame {
    let (src, dst, sp, dp, smac, dmac, ttl) = if s.from_client {
        (IP_HOST, SERVER, CPORT, SPORT, MAC_HOST, MAC_GW, 64)
    } else {
        (SERVER, IP_HOST, SPORT, CPORT, MAC_GW, MAC_HOST, 52)
    };
    let mut b = PacketBuilder::ethernet2(smac, dmac)
        .ip(ip4(src, dst, ttl, s.id, true))
        .tcp(sp, dp, s.seq, s.win);
    if s.syn {
        b = b.syn();
    }
    if let Some(a) = s.ack {
        b = b.ack(a);
    }
    if s.psh {
        b = b.psh();
    }
    if s.fin {
        b = b.fin();
    }
    let b = b.options(&s.opts).expect("options fit");
    Frame::new(s.us, build!(b, s.data))
}

fn request() -> Vec<u8> {
    b"GET /samples/index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
        .to_vec()
}

/// An HTTP response of exactly `total` bytes (headers + HTML body).
fn response(total: usize) -> Vec<u8> {
    let head_for = |n: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: wirelens-sample\r\n\
             Content-Type: text/html; charset=utf-8\r\nContent-Length: {n}\r\n\r\n"
        )
    };
    // The header's length depends on the digits of Content-Length: settle it.
    let mut n = total - head_for(total).len();
    while head_for(n).len() + n != total {
        n = total - head_for(n).len();
    }
    let top = "<!doctype html>\n<html><head><title>wirelens sample page</title></head>\n<body>\n";
    let tail = "</body>\n</html>\n";
    let mut body = String::from(top);
    let mut i = 1;
    loop {
        let line = format!("<p>Line {i} of a page sent in two TCP segments.</p>\n");
        if body.len() + line.len() + tail.len() > n {
            break;
        }
        body.push_str(&line);
        i += 1;
    }
    while body.len() + tail.len() < n {
        body.push(' ');
    }
    body.push_str(tail);
    let out = head_for(n) + &body;
    assert_eq!(out.len(), total);
    out.into_bytes()
}

pub fn frames() -> Vec<Frame> {
    let req = request();
    let resp = response(2 * SEG);
    let c1 = C_ISN.wrapping_add(1);
    let s1 = S_ISN.wrapping_add(1);
    let c_after_req = c1.wrapping_add(req.len() as u32);
    let s_after_resp = s1.wrapping_add(resp.len() as u32);
    let ts = |v: u32, e: u32| O::Timestamp(v, e);
    let seg = |us, from_client, id, seq, ack, win, opts, data| Seg {
        us,
        from_client,
        id,
        seq,
        ack,
        syn: false,
        fin: false,
        psh: false,
        win,
        opts,
        data,
    };
    let mut v = Vec::new();
    // 1. SYN: Linux's option order MSS, SACK_PERM, TS, NOP, WS; window 64240 (not scaled in a SYN).
    let mut s = seg(
        0,
        true,
        0x8c31,
        C_ISN,
        None,
        64240,
        vec![
            O::MaximumSegmentSize(1460),
            O::SelectiveAcknowledgementPermitted,
            ts(C_TS, 0),
            O::Noop,
            O::WindowScale(7),
        ],
        &[][..],
    );
    s.syn = true;
    v.push(s);
    // 2. SYN-ACK: MSS 1400 (the server's path is narrower), window scale 9.
    let mut s = seg(
        20_112,
        false,
        0,
        S_ISN,
        Some(c1),
        65160,
        vec![
            O::MaximumSegmentSize(1400),
            O::SelectiveAcknowledgementPermitted,
            ts(S_TS, C_TS),
            O::Noop,
            O::WindowScale(9),
        ],
        &[][..],
    );
    s.syn = true;
    v.push(s);
    // 3. ACK: the handshake is done. Window 502 << 7 = 64256 bytes.
    v.push(seg(
        20_190,
        true,
        0x8c32,
        c1,
        Some(s1),
        502,
        vec![O::Noop, O::Noop, ts(C_TS + 20, S_TS)],
        &[][..],
    ));
    // 4. The HTTP request, pushed.
    let mut s = seg(
        20_305,
        true,
        0x8c33,
        c1,
        Some(s1),
        502,
        vec![O::Noop, O::Noop, ts(C_TS + 20, S_TS)],
        &req[..],
    );
    s.psh = true;
    v.push(s);
    // 5. The server acknowledges it. Window 127 << 9 = 65024 bytes.
    v.push(seg(
        40_411,
        false,
        0x2f0a,
        s1,
        Some(c_after_req),
        127,
        vec![O::Noop, O::Noop, ts(S_TS + 20, C_TS + 20)],
        &[][..],
    ));
    // 6. The response's 2nd segment arrives first (reordered on the way).
    let mut s = seg(
        41_012,
        false,
        0x2f0c,
        s1.wrapping_add(SEG as u32),
        Some(c_after_req),
        127,
        vec![O::Noop, O::Noop, ts(S_TS + 21, C_TS + 20)],
        &resp[SEG..],
    );
    s.psh = true;
    v.push(s);
    // 7. So the client repeats its last ACK (a duplicate ACK) with a SACK
    //    block telling which bytes did arrive.
    v.push(seg(
        41_060,
        true,
        0x8c34,
        c_after_req,
        Some(s1),
        502,
        vec![
            O::Noop,
            O::Noop,
            ts(C_TS + 41, S_TS + 21),
            O::Noop,
            O::Noop,
            O::SelectiveAcknowledgement((s1.wrapping_add(SEG as u32), s_after_resp), [None, None, None]),
        ],
        &[][..],
    ));
    // 8. The 1st segment arrives: the hole is filled.
    v.push(seg(
        41_520,
        false,
        0x2f0b,
        s1,
        Some(c_after_req),
        127,
        vec![O::Noop, O::Noop, ts(S_TS + 21, C_TS + 20)],
        &resp[..SEG],
    ));
    // 9. The client acknowledges everything; its window grew (524 << 7).
    v.push(seg(
        41_580,
        true,
        0x8c35,
        c_after_req,
        Some(s_after_resp),
        524,
        vec![O::Noop, O::Noop, ts(C_TS + 42, S_TS + 21)],
        &[][..],
    ));
    // 10. The client closes: FIN.
    let mut s = seg(
        101_000,
        true,
        0x8c36,
        c_after_req,
        Some(s_after_resp),
        524,
        vec![O::Noop, O::Noop, ts(C_TS + 101, S_TS + 21)],
        &[][..],
    );
    s.fin = true;
    v.push(s);
    // 11. The server acknowledges it and closes too: FIN-ACK.
    let mut s = seg(
        121_210,
        false,
        0x2f0d,
        s_after_resp,
        Some(c_after_req.wrapping_add(1)),
        127,
        vec![O::Noop, O::Noop, ts(S_TS + 101, C_TS + 101)],
        &[][..],
    );
    s.fin = true;
    v.push(s);
    // 12. The final ACK.
    v.push(seg(
        121_290,
        true,
        0x8c37,
        c_after_req.wrapping_add(1),
        Some(s_after_resp.wrapping_add(1)),
        524,
        vec![O::Noop, O::Noop, ts(C_TS + 121, S_TS + 101)],
        &[][..],
    ));
    v.iter().map(frame).collect()
}
