//! How TCP connections end: who closes first and who waits in TIME-WAIT.
//! client-close, server-close, simultaneous-close, half-close,
//! fin-retransmit, rst-time-wait.

use crate::craft::{Frame, ACK, FIN, PSH, RST};
use crate::tcpkit::*;
use Who::{C, S};

/// client-close.pcap: a browser closes an idle HTTP/1.1 keep-alive
/// connection; the server acknowledges the FIN at once and closes 1.7 ms
/// later: the four-segment close. Captured on the client (RTT 20 ms).
pub fn client_close() -> Vec<Frame> {
    let mut k = Conn::new(
        host(50612, 0x1f3a_9c01, 3_101_000_000),
        remote(WEB, 80, 0x8e21_44d0, 900_000_000),
    );
    let t = k.open(0, 20_000);
    k.push(
        t + 110,
        C,
        &http_get("1.1", "/status.txt", "Connection: keep-alive\r\n"),
    );
    k.push(
        40_400,
        S,
        &http_response("HTTP/1.1 200 OK", "Keep-Alive: timeout=5\r\n", 640),
    );
    k.ack(40_470, C);
    // Five seconds of silence, then the client closes the idle connection.
    k.fin(5_040_000, C);
    k.ack(5_060_210, S);
    k.fin(5_061_930, S);
    k.ack(5_062_000, C);
    k.frames
}

/// server-close.pcap: HTTP/1.0, where the server marks the end of the body
/// by closing: its FIN rides on the last data segment. The server is the
/// active closer and ends in TIME-WAIT. Captured on the server (RTT 30 ms).
pub fn server_close() -> Vec<Frame> {
    let mut k = Conn::new(
        client_far([203, 0, 113, 7], 41022, 0x5b70_0e12, 77_000_000),
        server_here(80, 0x2d4c_8801, 1_200_000_000),
    );
    let t = k.open(0, 30_000);
    k.push(t + 150, C, &http_get("1.0", "/report.txt", ""));
    let resp = http_response("HTTP/1.0 200 OK", "Connection: close\r\n", SEG + 900);
    k.data(t + 420, S, &resp[..SEG]);
    k.tx(t + 440, S).flags(FIN | PSH | ACK).data(&resp[SEG..]).send();
    // The client acknowledges everything including the FIN, reads EOF and closes.
    k.ack(t + 30_520, C);
    k.fin(t + 30_790, C);
    k.ack(t + 30_830, S);
    k.frames
}

/// simultaneous-close.pcap: an SMTP client sends QUIT and closes at once;
/// the server answers "221 Bye" and closes before the client's FIN reaches
/// it. The two FINs cross: both sides go through CLOSING and both end in
/// TIME-WAIT. Captured on the client (RTT 20 ms).
pub fn simultaneous_close() -> Vec<Frame> {
    let mut k = Conn::new(
        host(43120, 0x0c4e_7a19, 3_300_100_000),
        remote([198, 51, 100, 25], 25, 0x7731_02e4, 1_010_000_000),
    );
    let t = k.open(0, 20_000);
    k.push(t + 20_150, S, b"220 mail.example.net ESMTP ready\r\n");
    k.push(t + 20_400, C, b"EHLO client.example.org\r\n");
    k.push(
        t + 40_600,
        S,
        b"250-mail.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
    );
    k.push(t + 40_800, C, b"QUIT\r\n");
    // The client closes right after QUIT; its FIN is still on its way when...
    let fin = k.tx(t + 40_870, C).flags(FIN | ACK).late().send();
    // ...the server, having read QUIT, says goodbye and closes: its ACK covers QUIT, not the FIN.
    k.tx(t + 60_850, S)
        .flags(FIN | PSH | ACK)
        .data(b"221 2.0.0 Bye\r\n")
        .send();
    k.deliver(&fin);
    // Each side acknowledges the other's FIN.
    k.ack(t + 60_900, C);
    k.ack(t + 60_950, S);
    k.frames
}

/// half-close.pcap: `nc -N` uploads a CSV file to a conversion service and
/// shuts down its sending half at end of input (FIN); the server keeps
/// sending its results for half a second from CLOSE-WAIT, then closes.
/// Captured on the client (RTT 15 ms).
pub fn half_close() -> Vec<Frame> {
    let mut k = Conn::new(
        host(47002, 0x33d0_1b5e, 3_500_000_000),
        remote([198, 51, 100, 60], 9000, 0x6a0f_9c77, 420_000_000),
    );
    let t = k.open(0, 15_000);
    let csv = text("csv", SEG + 700);
    k.data(t + 100, C, &csv[..SEG]);
    k.push(t + 130, C, &csv[SEG..]);
    k.fin(t + 160, C);
    // The server acknowledges the data and the FIN together.
    k.ack(t + 15_300, S);
    let mut at = t + 115_000;
    for (i, n) in [420usize, 1_100, 760, 1_300, 380].into_iter().enumerate() {
        k.push(at, S, &text(&format!("result {}", i + 1), n));
        k.ack(at + 40_000, C);
        at += 100_000;
    }
    k.fin(at, S);
    k.ack(at + 60, C);
    k.frames
}

/// fin-retransmit.pcap: the client closes first, the server answers with
/// FIN-ACK, and the client's last ACK is lost on the way: the server, in
/// LAST-ACK, retransmits its FIN; the client, in TIME-WAIT, acknowledges it
/// again (and restarts its 2MSL timer). Captured on the server (RTT 30 ms),
/// so the lost ACK is not in the file.
pub fn fin_retransmit() -> Vec<Frame> {
    let mut k = Conn::new(
        client_far([203, 0, 113, 44], 52814, 0x4e6a_11c2, 15_000_000),
        server_here(80, 0x1b9d_e003, 1_250_000_000),
    );
    let t = k.open(0, 30_000);
    k.push(t + 120, C, &http_get("1.1", "/favicon.ico", ""));
    k.push(t + 380, S, &http_response("HTTP/1.1 200 OK", "", 980));
    k.ack(t + 30_450, C);
    k.fin(t + 1_030_000, C);
    let fin = k.tx(t + 1_030_060, S).flags(FIN | ACK).send();
    // The client's final ACK is sent but never arrives (not captured here).
    // 200 ms + RTT later the server retransmits its FIN...
    k.tx(t + 1_262_000, S).flags(FIN | ACK).seq(fin.seq).send();
    // ...which the client, in TIME-WAIT, acknowledges again.
    k.ack(t + 1_292_050, C);
    k.frames
}

/// rst-time-wait.pcap: TIME-WAIT assassination (RFC 1337). After a normal
/// close, an old duplicate of one of the server's data segments, delayed in
/// the network, reaches the client in TIME-WAIT; the client answers with an
/// ACK; the server, which has forgotten the connection, answers that with
/// RST, and the RST ends the client's TIME-WAIT early. Captured on the
/// client (RTT 20 ms).
pub fn rst_time_wait() -> Vec<Frame> {
    let mut k = Conn::new(
        host(49152, 0x2a11_7f30, 3_700_000_000),
        remote(WEB, 80, 0x5c3e_2b10, 1_400_000_000),
    );
    let t = k.open(0, 20_000);
    k.push(t + 100, C, &http_get("1.1", "/index.txt", ""));
    let resp = http_response("HTTP/1.1 200 OK", "", SEG + 500);
    k.data(t + 20_300, S, &resp[..SEG]);
    let first = k.frames.len() - 1;
    k.push(t + 20_420, S, &resp[SEG..]);
    k.ack(t + 20_480, C);
    k.fin(t + 1_000_000, C);
    k.fin(t + 1_020_100, S);
    k.ack(t + 1_020_160, C);
    // 0.9 s later a copy of the first data segment arrives, byte for byte.
    let mut dup = k.frames[first].clone();
    dup.us = t + 1_900_000;
    k.frames.push(dup);
    // TIME-WAIT answers anything with an ACK of what it has...
    k.ack(t + 1_900_050, C);
    // ...and the server, with no connection any more, resets: <SEQ=SEG.ACK><CTL=RST>.
    let ack = k.s.nxt;
    k.tx(t + 1_920_100, S).flags(RST).seq(ack).win(0).send();
    k.frames
}
