//! What happens while data flows: retransmission, zero-window, keepalive,
//! rst-abort, midstream.

use crate::craft::{Frame, ACK, PSH};
use crate::tcpkit::*;
use Who::{C, S};

/// retransmission.pcap: a download over a 10 ms path, captured on the
/// client, with every kind of retransmission tshark names:
/// the GET is lost after the capture point and resent on timeout (RTO);
/// the 2nd segment of the response is lost before it: the client sends a
/// duplicate ACK with SACK blocks for each later segment, and the 3rd
/// duplicate triggers a fast retransmission; two segments swap places on
/// the way (out-of-order); the client's ACK of the last segment is lost,
/// so the server resends it after a timeout although the client had it
/// (a spurious retransmission, answered with a D-SACK, RFC 2883).
pub fn retransmission() -> Vec<Frame> {
    let mut k = Conn::new(
        host(51800, 0x3c6e_0f25, 2_200_000_000),
        remote(WEB, 80, 0x71b2_9a04, 3_000_000_000),
    );
    let t = k.open(0, 10_000);
    let get = http_get("1.1", "/download/archive.txt", "");
    let req = k.tx(t + 100, C).flags(PSH | ACK).data(&get).lost().send();
    // No ACK comes: after Linux's minimum RTO (200 ms + RTT) the GET goes again.
    let t = t + 214_000;
    k.tx(t, C).flags(PSH | ACK).seq(req.seq).data(&get).send();
    let resp = http_response("HTTP/1.1 200 OK", "", 12 * SEG + 600);
    let seg = |i: usize| &resp[i * SEG..((i + 1) * SEG).min(resp.len())];
    // The response: ten segments back to back (the initial window), 0.12 ms apart.
    let t1 = t + 10_200;
    k.data(t1, S, seg(0));
    k.ack(t1 + 30, C);
    let lost = k.tx(t1 + 120, S).data(seg(1)).dropped().send();
    for i in 2..10u64 {
        k.data(t1 + 120 * i, S, seg(i as usize));
        // Each segment after the hole: a duplicate ACK with SACK blocks.
        k.ack(t1 + 120 * i + 20, C);
    }
    // The server gets the 3rd duplicate ACK 5 ms after it was sent and resends the hole at once.
    k.tx(t1 + 120 * 4 + 20 + 10_000, S).seq(lost.seq).data(seg(1)).send();
    k.ack(t1 + 10_550, C);
    // The next two segments swap places on the way.
    let t2 = t1 + 20_600;
    let s11 = k.s.nxt;
    k.tx(t2, S).seq(s11.wrapping_add(SEG as u32)).data(seg(11)).send();
    k.ack(t2 + 20, C);
    k.tx(t2 + 300, S).seq(s11).data(seg(10)).send();
    k.ack(t2 + 330, C);
    // The server's application writes the last 600 bytes later; the
    // client's (delayed) ACK of them is lost on the way.
    let t3 = t1 + 300_000;
    let last = k.push(t3, S, seg(12));
    k.tx(t3 + 40_000, C).lost().send();
    // The server times out and sends the segment again; the client already has it.
    k.tx(t3 + 210_000, S)
        .flags(PSH | ACK)
        .seq(last.seq)
        .data(seg(12))
        .send();
    k.tx(t3 + 210_030, C)
        .sack(vec![(last.seq, last.seq.wrapping_add(last.span))])
        .send();
    k.fin(t3 + 400_000, C);
    k.fin(t3 + 410_100, S);
    k.ack(t3 + 410_160, C);
    k.frames
}

/// The network printer 192.0.2.50 on the client's LAN.
const MAC_PRINTER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x50];

/// A PostScript job of `n` bytes.
fn print_job(n: usize) -> Vec<u8> {
    let mut v = b"%!PS-Adobe-3.0\n%%Title: wirelens sample page\n%%Pages: 1\n%%EndComments\n".to_vec();
    let mut i = 0;
    while v.len() < n {
        v.extend(
            format!(
                "/Helvetica findfont 10 scalefont setfont 72 {} moveto (line {i}) show\n",
                720 - (i % 60) * 11
            )
            .bytes(),
        );
        i += 1;
    }
    v.truncate(n);
    v
}

/// zero-window.pcap: a print job sent to a network printer (JetDirect, port
/// 9100) that is still warming up. The printer's small receive buffer (8760
/// bytes, no window scaling) fills: the client's segment that reaches the
/// edge of the window is "window full", the printer advertises a zero
/// window, the client probes it with one byte at 0.2, 0.6 and 1.4 s (each
/// answered, the byte refused, with the window still zero) until the
/// printer opens the window again (window update). Captured on the client.
pub fn zero_window() -> Vec<Frame> {
    let printer = Peer::new(MAC_PRINTER, [192, 0, 2, 50], 9100, 64, 0x0004_b1a0)
        .win(8760, 8760)
        .wscale(None)
        .sack_perm(false)
        .no_ts()
        .ip_id(0x0a31);
    // The client offers scaling, SACK and timestamps; the printer takes none,
    // so the client's window goes unscaled.
    let mut k = Conn::new(host(38514, 0x5e0c_44a3, 2_700_000_000).win(64240, 64240), printer);
    let t = k.open(0, 450);
    let job = print_job(8760 + 2920 + 700);
    let mss = 1460;
    let mut off = 0;
    let mut at = t + 100;
    let send = |k: &mut Conn, at: u64, n: usize, off: &mut usize| {
        let end = (*off + n).min(job.len());
        if end == job.len() {
            k.push(at, C, &job[*off..end]);
        } else {
            k.data(at, C, &job[*off..end]);
        }
        *off = end;
    };
    for _ in 0..4 {
        send(&mut k, at, mss, &mut off);
        at += 120;
    }
    // The printer has not read anything yet: its window shrinks to what is left.
    k.s.win = 2920;
    k.ack(t + 1_000, S);
    send(&mut k, t + 1_060, mss, &mut off);
    send(&mut k, t + 1_180, mss, &mut off);
    k.s.win = 0;
    k.ack(t + 1_700, S);
    // Zero window probes (persist timer): one byte beyond the window, refused.
    let next = k.c.nxt;
    let mut probe_at = t + 1_700 + 200_000;
    for backoff in [400_000, 800_000, 0] {
        k.tx(probe_at, C).seq(next).data(&job[off..off + 1]).lost().send();
        k.c.nxt = next;
        k.ack(probe_at + 430, S);
        probe_at += backoff;
    }
    // The printer has made room: window update, and the job continues.
    k.s.win = 4380;
    k.ack(t + 1_900_000, S);
    send(&mut k, t + 1_900_450, mss, &mut off);
    send(&mut k, t + 1_900_570, mss, &mut off);
    send(&mut k, t + 1_900_690, 700, &mut off);
    assert_eq!(off, job.len());
    k.s.win = 760;
    k.ack(t + 1_901_200, S);
    k.fin(t + 1_901_400, C);
    k.ack(t + 1_901_800, S);
    // When the page is printed, the printer closes too.
    k.s.win = 8760;
    k.fin(t + 5_000_000, S);
    k.ack(t + 5_000_060, C);
    k.frames
}

/// keepalive.pcap: a Redis client sends PING, then idles; the server
/// (`tcp-keepalive 60`) sends a keep-alive probe after every 60 s of
/// silence: an empty segment one byte behind its next sequence number,
/// which the client's kernel must answer with an ACK. After three probes
/// the client sends a command. The connection is still open when the
/// capture ends. Captured on the client (RTT 15 ms).
pub fn keepalive() -> Vec<Frame> {
    let mut k = Conn::new(
        host(52110, 0x2b7f_c013, 1_700_000_000),
        remote([198, 51, 100, 40], 6379, 0x6c0d_5e91, 2_900_000_000),
    );
    let t = k.open(0, 15_000);
    k.push(t + 200, C, b"*1\r\n$4\r\nPING\r\n");
    k.push(t + 15_300, S, b"+PONG\r\n");
    k.ack(t + 55_300, C);
    let mut at = t + 55_300 + 60_007_500;
    for _ in 0..3 {
        let probe = k.s.nxt.wrapping_sub(1);
        k.tx(at, S).seq(probe).send();
        k.ack(at + 40, C);
        at += 60_015_000;
    }
    let t = at - 30_000_000;
    k.push(t, C, b"*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n");
    k.push(t + 15_200, S, b"$5\r\nhello\r\n");
    k.ack(t + 55_200, C);
    k.frames
}

/// rst-abort.pcap: a download aborted by the server in the middle of the
/// transfer: after six segments the server process is killed and its
/// kernel resets the connection (RST-ACK at the next sequence number).
/// Captured on the client (RTT 20 ms).
pub fn rst_abort() -> Vec<Frame> {
    let mut k = Conn::new(
        host(53544, 0x0f9a_6d21, 1_900_000_000),
        remote(WEB, 80, 0x44e3_870b, 350_000_000),
    );
    let t = k.open(0, 20_000);
    k.push(t + 100, C, &http_get("1.1", "/videos/lecture.mp4", ""));
    let mut body =
        b"HTTP/1.1 200 OK\r\nServer: wirelens-sample\r\nContent-Type: video/mp4\r\nContent-Length: 48000000\r\n\r\n"
            .to_vec();
    body.extend(noise(0x6d70_3461, 6 * SEG));
    let mut at = t + 20_300;
    for i in 0..6 {
        k.data(at, S, &body[i * SEG..(i + 1) * SEG]);
        if i % 2 == 1 {
            k.ack(at + 30, C);
        }
        at += if i % 2 == 1 { 20_000 } else { 120 };
    }
    k.rst(at + 4_000, S);
    k.frames
}

/// midstream.pcap: the capture starts while a TLS download from port 443
/// is under way (1.2 MB already received, no handshake in the file) and
/// stops before the connection closes. Captured on the client.
pub fn midstream() -> Vec<Frame> {
    let (c_isn, s_isn) = (0x6e1d_20a7u32, 0x0c55_f1e2u32);
    let mut k = Conn::new(
        host(51000, c_isn, 1_500_000_000),
        remote(WEB, 443, s_isn, 3_100_000_000),
    );
    // Where the connection stands when the capture starts.
    k.c.nxt = c_isn.wrapping_add(1 + 2_319);
    k.s.rcv = k.c.nxt;
    k.s.nxt = s_isn.wrapping_add(1 + 1_204_966);
    k.c.rcv = k.s.nxt;
    k.c.ts_recent = 3_100_000_000 - 4;
    k.s.ts_recent = 1_500_000_000 - 12;
    let data = noise(0x5453_4c31, 8 * SEG);
    let mut at = 0;
    for i in 0..8 {
        k.data(at, S, &data[i * SEG..(i + 1) * SEG]);
        if i % 2 == 1 {
            k.ack(at + 40, C);
        }
        at += if i % 2 == 1 { 1_100 } else { 110 };
    }
    k.frames
}
