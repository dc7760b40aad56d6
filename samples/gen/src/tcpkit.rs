//! A tiny bookkeeping TCP for writing the TCP samples: each [`Conn`] keeps
//! both endpoints' send and receive sequence numbers, TCP timestamp clocks,
//! windows and out-of-order blocks, so a story is written as "who sends what,
//! when" and every sequence, acknowledgement, TSecr and SACK block comes out
//! right. Frames are built with etherparse's `PacketBuilder`.
//!
//! The capture is taken on one of the two hosts (`Peer::local`): its frames
//! leave unpadded, frames it receives are padded to Ethernet's 60-byte
//! minimum, as on a real NIC.

use etherparse::{PacketBuilder, TcpOptionElement as O};

use crate::build;
use crate::craft::{ip4, pad60, Frame, ACK, FIN, PSH, RST, SYN};

/// One side of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The client (the side that opens).
    C,
    /// The server.
    S,
}

impl Who {
    pub fn other(self) -> Who {
        match self {
            Who::C => Who::S,
            Who::S => Who::C,
        }
    }
}

/// One endpoint and what it knows.
#[derive(Clone, Debug)]
pub struct Peer {
    /// Source MAC of its frames as captured (its own, or the router's when it is remote).
    pub mac: [u8; 6],
    pub ip: [u8; 4],
    pub port: u16,
    /// IPv4 TTL as captured (64 on the capturing host, less when remote).
    pub ttl: u8,
    /// Next IPv4 identification.
    pub ip_id: u16,
    /// IPv4 Don't Fragment (Linux sets it on TCP).
    pub df: bool,
    /// The capture is taken on this host.
    pub local: bool,
    pub isn: u32,
    /// SND.NXT: next sequence number to send.
    pub nxt: u32,
    /// RCV.NXT: what it acknowledges.
    pub rcv: u32,
    /// Window field it advertises (after the handshake: before scaling).
    pub win: u16,
    /// Window field in its SYN.
    pub syn_win: u16,
    pub mss: u16,
    /// Window scale shift it offers (None: no option).
    pub wscale: Option<u8>,
    pub sack_perm: bool,
    /// TCP timestamp clock at capture time 0 (ms ticks); None: no timestamps.
    pub ts_base: Option<u32>,
    /// Last TSval received (echoed as TSecr).
    pub ts_recent: u32,
    /// Out-of-order blocks it holds, most recently changed first.
    pub ooo: Vec<(u32, u32)>,
}

impl Peer {
    pub fn new(mac: [u8; 6], ip: [u8; 4], port: u16, ttl: u8, isn: u32) -> Peer {
        Peer {
            mac,
            ip,
            port,
            ttl,
            ip_id: 0,
            df: true,
            local: false,
            isn,
            nxt: isn,
            rcv: 0,
            win: 502,
            syn_win: 64240,
            mss: 1460,
            wscale: Some(7),
            sack_perm: true,
            ts_base: None,
            ts_recent: 0,
            ooo: Vec::new(),
        }
    }

    /// The capture is taken on this host.
    pub fn local(mut self) -> Peer {
        self.local = true;
        self.ttl = 64;
        self
    }

    pub fn ip_id(mut self, id: u16) -> Peer {
        self.ip_id = id;
        self
    }

    pub fn ttl(mut self, ttl: u8) -> Peer {
        self.ttl = ttl;
        self
    }

    pub fn ts(mut self, base: u32) -> Peer {
        self.ts_base = Some(base);
        self
    }

    pub fn no_ts(mut self) -> Peer {
        self.ts_base = None;
        self
    }

    /// Window fields: in the SYN and after it.
    pub fn win(mut self, syn_win: u16, win: u16) -> Peer {
        self.syn_win = syn_win;
        self.win = win;
        self
    }

    pub fn mss(mut self, mss: u16) -> Peer {
        self.mss = mss;
        self
    }

    pub fn wscale(mut self, w: Option<u8>) -> Peer {
        self.wscale = w;
        self
    }

    pub fn sack_perm(mut self, on: bool) -> Peer {
        self.sack_perm = on;
        self
    }

    fn tsval(&self, us: u64) -> Option<u32> {
        self.ts_base.map(|b| b.wrapping_add((us / 1000) as u32))
    }
}

/// `a` is after `b` in sequence space.
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

fn seq_max(a: u32, b: u32) -> u32 {
    if seq_gt(a, b) {
        a
    } else {
        b
    }
}

/// What a sent segment carries to its receiver (for [`Conn::deliver`]).
#[derive(Clone, Copy, Debug)]
pub struct Sent {
    pub to: Who,
    pub seq: u32,
    /// Sequence space it occupies (payload, plus one each for SYN and FIN).
    pub span: u32,
    pub syn: bool,
    pub tsval: Option<u32>,
}

/// A TCP connection between two peers, and the frames of its story.
#[derive(Clone, Debug)]
pub struct Conn {
    pub c: Peer,
    pub s: Peer,
    pub frames: Vec<Frame>,
}

impl Conn {
    pub fn new(c: Peer, s: Peer) -> Conn {
        Conn {
            c,
            s,
            frames: Vec::new(),
        }
    }

    pub fn peer(&mut self, w: Who) -> &mut Peer {
        match w {
            Who::C => &mut self.c,
            Who::S => &mut self.s,
        }
    }

    fn get(&self, w: Who) -> &Peer {
        match w {
            Who::C => &self.c,
            Who::S => &self.s,
        }
    }

    /// Both sides use timestamps (both SYNs carried the option).
    pub fn ts_on(&self) -> bool {
        self.c.ts_base.is_some() && self.s.ts_base.is_some()
    }

    /// Both sides allow SACK.
    pub fn sack_on(&self) -> bool {
        self.c.sack_perm && self.s.sack_perm
    }

    /// A segment from `from` at capture time `us` (µs); ACK set unless changed.
    pub fn tx(&mut self, us: u64, from: Who) -> Tx<'_> {
        Tx {
            conn: self,
            us,
            from,
            flags: ACK,
            data: Vec::new(),
            seq: None,
            ack: None,
            win: None,
            sack: None,
            deliver: true,
            captured: true,
            opts: None,
        }
    }

    /// The client's SYN (Linux's option order: MSS, SACK_PERM, TS, NOP, WS).
    pub fn syn(&mut self, us: u64) -> Sent {
        self.tx(us, Who::C).flags(SYN).send()
    }

    /// The server's SYN-ACK, echoing the options the client offered.
    pub fn synack(&mut self, us: u64) -> Sent {
        self.tx(us, Who::S).flags(SYN | ACK).send()
    }

    /// The three-way handshake from `t0` on a path with round-trip time
    /// `rtt` (µs), timed as the capturing host sees it; returns the ACK's time.
    pub fn open(&mut self, t0: u64, rtt: u64) -> u64 {
        self.syn(t0);
        let (synack, ack) = if self.s.local {
            (t0 + 45, t0 + 45 + rtt)
        } else {
            (t0 + rtt, t0 + rtt + 70)
        };
        self.synack(synack);
        self.ack(ack, Who::C);
        ack
    }

    /// A pure ACK.
    pub fn ack(&mut self, us: u64, from: Who) -> Sent {
        self.tx(us, from).send()
    }

    /// Data with PSH (the end of an application write).
    pub fn push(&mut self, us: u64, from: Who, data: &[u8]) -> Sent {
        self.tx(us, from).flags(PSH | ACK).data(data).send()
    }

    /// Data without PSH (a full-sized segment of a larger write).
    pub fn data(&mut self, us: u64, from: Who, data: &[u8]) -> Sent {
        self.tx(us, from).data(data).send()
    }

    /// FIN (with ACK).
    pub fn fin(&mut self, us: u64, from: Who) -> Sent {
        self.tx(us, from).flags(FIN | ACK).send()
    }

    /// RST with ACK (how Linux aborts an established connection).
    pub fn rst(&mut self, us: u64, from: Who) -> Sent {
        self.tx(us, from).flags(RST | ACK).send()
    }

    /// The receiver takes in a segment sent earlier with [`Tx::lost`] or
    /// [`Tx::late`] (it arrives now).
    pub fn deliver(&mut self, s: &Sent) {
        let r = self.peer(s.to);
        if let Some(v) = s.tsval {
            r.ts_recent = v;
        }
        if s.syn {
            r.rcv = s.seq.wrapping_add(s.span);
            return;
        }
        if s.span == 0 {
            return;
        }
        let end = s.seq.wrapping_add(s.span);
        if seq_gt(s.seq, r.rcv) {
            // A hole before it: hold the block (merged with its neighbours), newest first.
            let mut blk = (s.seq, end);
            r.ooo.retain(|&(a, b)| {
                let touches = !seq_gt(a, blk.1) && !seq_gt(blk.0, b);
                if touches {
                    blk = (if seq_gt(a, blk.0) { blk.0 } else { a }, seq_max(b, blk.1));
                }
                !touches
            });
            r.ooo.insert(0, blk);
            return;
        }
        r.rcv = seq_max(r.rcv, end);
        // Held blocks the new data reaches.
        loop {
            let rcv = r.rcv;
            let Some(i) = r.ooo.iter().position(|&(a, _)| !seq_gt(a, rcv)) else {
                break;
            };
            let (_, b) = r.ooo.remove(i);
            r.rcv = seq_max(rcv, b);
        }
    }

    /// Frames sorted by time (stable), for files holding several connections.
    pub fn merge(conns: Vec<Conn>) -> Vec<Frame> {
        let mut v: Vec<Frame> = conns.into_iter().flat_map(|c| c.frames).collect();
        v.sort_by_key(|f| f.us);
        v
    }
}

/// A segment being written.
pub struct Tx<'a> {
    conn: &'a mut Conn,
    us: u64,
    from: Who,
    flags: u8,
    data: Vec<u8>,
    seq: Option<u32>,
    ack: Option<u32>,
    win: Option<u16>,
    sack: Option<Vec<(u32, u32)>>,
    deliver: bool,
    captured: bool,
    opts: Option<Vec<O>>,
}

impl Tx<'_> {
    pub fn flags(mut self, f: u8) -> Self {
        self.flags = f;
        self
    }
    pub fn data(mut self, d: &[u8]) -> Self {
        self.data = d.to_vec();
        self
    }
    /// An explicit sequence number (a retransmission, a probe).
    pub fn seq(mut self, s: u32) -> Self {
        self.seq = Some(s);
        self
    }
    /// An explicit acknowledgement number.
    pub fn ack(mut self, a: u32) -> Self {
        self.ack = Some(a);
        self
    }
    /// The window field of this segment only.
    pub fn win(mut self, w: u16) -> Self {
        self.win = Some(w);
        self
    }
    /// Explicit SACK blocks (e.g. a D-SACK, RFC 2883).
    pub fn sack(mut self, blocks: Vec<(u32, u32)>) -> Self {
        self.sack = Some(blocks);
        self
    }
    /// Explicit options (replacing the automatic ones).
    pub fn opts(mut self, o: Vec<O>) -> Self {
        self.opts = Some(o);
        self
    }
    /// Lost after the capture point (or not accepted): the receiver never takes it in.
    pub fn lost(mut self) -> Self {
        self.deliver = false;
        self
    }
    /// Lost before the capture point: neither captured nor received.
    pub fn dropped(mut self) -> Self {
        self.deliver = false;
        self.captured = false;
        self
    }
    /// Still on its way: deliver it later with [`Conn::deliver`].
    pub fn late(self) -> Self {
        self.lost()
    }

    pub fn send(self) -> Sent {
        let Tx {
            conn,
            us,
            from,
            flags,
            data,
            seq,
            ack,
            win,
            sack,
            deliver,
            captured,
            opts,
        } = self;
        if let Some(last) = conn.frames.last() {
            assert!(us >= last.us, "frames out of time order at {us} µs");
        }
        let ts_on = conn.ts_on();
        let sack_on = conn.sack_on();
        let to = from.other();
        let (syn, fin, rst) = (flags & SYN != 0, flags & FIN != 0, flags & RST != 0);
        let other = conn.get(to).clone();
        let me = conn.peer(from);
        let seq = seq.unwrap_or(me.nxt);
        let span = data.len() as u32 + u32::from(syn) + u32::from(fin);
        me.nxt = seq_max(me.nxt, seq.wrapping_add(span));
        let ack_no = ack.unwrap_or(me.rcv);
        let tsval = me.tsval(us);
        let options = match opts {
            Some(o) => o,
            None if syn => {
                // A SYN-ACK only echoes what the SYN offered.
                let answer = flags & ACK != 0;
                let mut o = vec![O::MaximumSegmentSize(me.mss)];
                if me.sack_perm && (!answer || other.sack_perm) {
                    o.push(O::SelectiveAcknowledgementPermitted);
                }
                if let (Some(v), true) = (tsval, !answer || other.ts_base.is_some()) {
                    o.push(O::Timestamp(v, if answer { me.ts_recent } else { 0 }));
                }
                if let (Some(w), true) = (me.wscale, !answer || other.wscale.is_some()) {
                    o.push(O::Noop);
                    o.push(O::WindowScale(w));
                }
                o
            }
            None => {
                let mut o = Vec::new();
                if ts_on && !(rst && flags & ACK == 0) {
                    o.extend([O::Noop, O::Noop, O::Timestamp(tsval.unwrap_or(0), me.ts_recent)]);
                }
                let blocks = sack.unwrap_or_else(|| {
                    if sack_on && flags & ACK != 0 {
                        me.ooo.clone()
                    } else {
                        Vec::new()
                    }
                });
                if !blocks.is_empty() {
                    let max = if ts_on { 3 } else { 4 };
                    let mut rest = [None, None, None];
                    for (i, b) in blocks.iter().skip(1).take(max - 1).enumerate() {
                        rest[i] = Some(*b);
                    }
                    o.extend([O::Noop, O::Noop, O::SelectiveAcknowledgement(blocks[0], rest)]);
                }
                o
            }
        };
        let window = win.unwrap_or(if syn { me.syn_win } else { me.win });
        let id = me.ip_id;
        me.ip_id = me.ip_id.wrapping_add(1);
        let (src, dst) = (me.clone(), other);
        let mut b = PacketBuilder::ethernet2(src.mac, dst.mac)
            .ip(ip4(src.ip, dst.ip, src.ttl, id, src.df))
            .tcp(src.port, dst.port, seq, window);
        if syn {
            b = b.syn();
        }
        if flags & ACK != 0 {
            b = b.ack(ack_no);
        }
        if flags & PSH != 0 {
            b = b.psh();
        }
        if rst {
            b = b.rst();
        }
        if fin {
            b = b.fin();
        }
        let b = b.options(&options).expect("TCP options fit in 40 bytes");
        let mut bytes = build!(b, &data);
        if !src.local {
            bytes = pad60(bytes);
        }
        if captured {
            conn.frames.push(Frame::new(us, bytes));
        }
        let sent = Sent {
            to,
            seq,
            span,
            syn,
            tsval: if ts_on || syn { tsval } else { None },
        };
        if deliver && !rst {
            conn.deliver(&sent);
        }
        sent
    }
}

/// Deterministic filler bytes (an LCG), for encrypted or binary payloads.
pub fn noise(seed: u32, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect()
}

/// `n` bytes of readable text made of numbered lines (`what` names them).
pub fn text(what: &str, n: usize) -> Vec<u8> {
    let mut s = String::new();
    let mut i = 1;
    while s.len() < n {
        s.push_str(&format!(
            "{what} line {i:04}: the quick brown fox jumps over the lazy dog\n"
        ));
        i += 1;
    }
    s.truncate(n);
    if n > 0 {
        s.pop();
        s.push('\n');
    }
    s.into_bytes()
}

/// An HTTP response of exactly `total` bytes: headers, then a text body.
pub fn http_response(status: &str, extra_headers: &str, total: usize) -> Vec<u8> {
    let head = |n: usize| {
        format!(
            "{status}\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: wirelens-sample\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: {n}\r\n{extra_headers}\r\n"
        )
    };
    let mut n = total - head(total).len();
    while head(n).len() + n != total {
        n = total - head(n).len();
    }
    let mut v = head(n).into_bytes();
    v.extend(text("body", n));
    assert_eq!(v.len(), total);
    v
}

/// 198.51.100.20: the web server of most TCP samples.
pub const WEB: [u8; 4] = [198, 51, 100, 20];
/// 198.51.100.20's own MAC, for captures taken on the server.
pub const MAC_SERVER: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x20];
/// The server LAN's router 198.51.100.1, as the server sees it.
pub const MAC_SERVER_GW: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x01];
/// Payload bytes of a full-sized segment: MSS 1460 minus 12 bytes of timestamps.
pub const SEG: usize = 1448;

/// The capturing host 192.0.2.10 as a Linux client: MSS 1460, SACK,
/// timestamps, window scale 7 (window field 502 = 64256 bytes).
pub fn host(port: u16, isn: u32, ts: u32) -> Peer {
    Peer::new(crate::craft::MAC_HOST, crate::craft::IP_HOST, port, 64, isn)
        .local()
        .ts(ts)
        .win(64240, 502)
        .ip_id((isn >> 8) as u16)
}

/// A Linux server on the Internet, reached through 192.0.2.1: TTL 52 when
/// it arrives, window scale 9 (window field 510 = 261120 bytes).
pub fn remote(ip: [u8; 4], port: u16, isn: u32, ts: u32) -> Peer {
    Peer::new(crate::craft::MAC_GW, ip, port, 52, isn)
        .ts(ts)
        .win(65160, 510)
        .wscale(Some(9))
        .ip_id(0)
}

/// 198.51.100.20 as the capturing host (captures taken on the server).
pub fn server_here(port: u16, isn: u32, ts: u32) -> Peer {
    Peer::new(MAC_SERVER, WEB, port, 64, isn)
        .local()
        .ts(ts)
        .win(65160, 510)
        .wscale(Some(9))
        .ip_id(0)
}

/// A remote Linux client as the server sees it (through 198.51.100.1, TTL 49).
pub fn client_far(ip: [u8; 4], port: u16, isn: u32, ts: u32) -> Peer {
    Peer::new(MAC_SERVER_GW, ip, port, 49, isn)
        .ts(ts)
        .win(64240, 502)
        .ip_id((isn >> 8) as u16)
}

/// `GET path` with the given HTTP version and extra headers.
pub fn http_get(version: &str, path: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/{version}\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n{extra}\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Conn {
        Conn::new(host(40000, 1000, 1), remote(WEB, 80, 5000, 2))
    }

    #[test]
    fn handshake_numbers() {
        let mut k = conn();
        k.open(0, 10_000);
        assert_eq!((k.c.nxt, k.c.rcv, k.s.nxt, k.s.rcv), (1001, 5001, 5001, 1001));
        // SYN 74 bytes (MSS, SACK_PERM, TS, NOP, WS), SYN-ACK 74, ACK 66 (NOP, NOP, TS).
        assert_eq!(
            k.frames.iter().map(|f| f.data.len()).collect::<Vec<_>>(),
            vec![74, 74, 66]
        );
    }

    #[test]
    fn holes_are_held_as_sack_blocks_and_filled() {
        let mut k = conn();
        k.open(0, 10_000);
        let a = k.tx(20_000, Who::S).data(&[1; 100]).dropped().send();
        k.data(20_100, Who::S, &[2; 100]);
        k.data(20_200, Who::S, &[3; 100]);
        assert_eq!(k.c.rcv, 5001);
        assert_eq!(k.c.ooo, vec![(5101, 5301)]);
        k.tx(30_000, Who::S).seq(a.seq).data(&[1; 100]).send();
        assert_eq!(k.c.rcv, 5301);
        assert!(k.c.ooo.is_empty());
    }

    #[test]
    fn a_fin_takes_one_sequence_number() {
        let mut k = conn();
        k.open(0, 10_000);
        k.fin(20_000, Who::C);
        assert_eq!((k.c.nxt, k.s.rcv), (1002, 1002));
    }
}
