//! WebSocket samples (RFC 6455): a chat session with every frame form,
//! permessage-deflate with context takeover (RFC 7692), and a file of
//! protocol violations. Captured on the client 192.0.2.10; the server
//! 198.51.100.20 is 20 ms away.

use crate::appkit::*;
use crate::craft::Frame;
use crate::tcpkit::{host, noise, remote, Conn, Who, WEB};
use Who::{C, S};

const RTT: u64 = 20_000;
const DELACK: u64 = 40_000;

// SHA-1, base64 and Sec-WebSocket-Accept are the engine's own (checked
// there and in this crate's tests against the RFC 6455 and FIPS vectors).
use wirelens::app::websocket::handshake::{accept_for as accept, base64, sha1};

// Opcodes.
const CONT: u8 = 0x0;
const TEXT: u8 = 0x1;
const BIN: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xa;
const RSV1: u8 = 0x40;
const RSV2: u8 = 0x20;

/// A frame: FIN, RSV bits (as in the first byte: 0x40, 0x20, 0x10),
/// opcode, masking key, payload (unmasked; it is masked here).
pub fn frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![(if fin { 0x80 } else { 0 }) | rsv | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    let n = payload.len();
    if n < 126 {
        v.push(m | n as u8);
    } else if n <= 0xffff {
        v.push(m | 126);
        v.extend((n as u16).to_be_bytes());
    } else {
        v.push(m | 127);
        v.extend((n as u64).to_be_bytes());
    }
    match mask {
        Some(key) => {
            v.extend(key);
            v.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => v.extend(payload),
    }
    v
}

/// Masking keys from a seeded generator (a browser uses a strong RNG).
struct Masks(u32);

impl Masks {
    fn next(&mut self) -> Option<[u8; 4]> {
        self.0 = self.0.wrapping_add(1);
        let n = noise(self.0.wrapping_mul(2_654_435_761), 4);
        Some([n[0], n[1], n[2], n[3]])
    }
}

fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut v = code.to_be_bytes().to_vec();
    v.extend(reason.as_bytes());
    v
}

/// The opening handshake on `k`: the browser's GET with Upgrade and the
/// server's 101. `accept_override` replaces the correct accept value.
#[allow(clippy::too_many_arguments)]
fn handshake(
    k: &mut Conn,
    at: u64,
    path: &str,
    host_name: &str,
    key_seed: u32,
    extra_req: &[&str],
    extra_resp: &[&str],
    accept_override: Option<&str>,
) -> u64 {
    let key = base64(&noise(key_seed, 16));
    let host_h = format!("Host: {host_name}");
    let key_h = format!("Sec-WebSocket-Key: {key}");
    let mut h = vec![
        host_h.as_str(),
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0",
        "Accept: */*",
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Encoding: gzip, deflate",
        "Sec-WebSocket-Version: 13",
        "Origin: http://www.example.com",
    ];
    h.extend_from_slice(extra_req);
    h.extend([
        key_h.as_str(),
        "Connection: keep-alive, Upgrade",
        "Pragma: no-cache",
        "Cache-Control: no-cache",
        "Upgrade: websocket",
    ]);
    let req = request("GET", path, &h, b"");
    write(k, at, C, &req, 120);
    let acc = format!(
        "Sec-WebSocket-Accept: {}",
        accept_override.map(str::to_string).unwrap_or_else(|| accept(&key))
    );
    let mut h = vec![
        "Server: wirelens-sample",
        "Upgrade: websocket",
        "Connection: Upgrade",
        acc.as_str(),
    ];
    h.extend_from_slice(extra_resp);
    let resp = response("101 Switching Protocols", &h, b"");
    let t = at + RTT + 700;
    push(k, t, S, &resp);
    t
}

/// websocket.pcap: a chat session on ws://chat.example.com/chat.
pub fn session() -> Vec<Frame> {
    let mut k = Conn::new(
        host(53210, 0x57e6_50c1, 1_234_000_000),
        remote(WEB, 80, 0x0123_4567, 2_345_000_000),
    );
    let mut m = Masks(0x5753);
    let t = k.open(0, RTT);
    let t = handshake(
        &mut k,
        t + 150,
        "/chat",
        "chat.example.com",
        0x6b65_7931,
        &["Sec-WebSocket-Protocol: chat.v2, chat.v1"],
        &["Sec-WebSocket-Protocol: chat.v2"],
        None,
    );
    // 1. Client text, masked, 7-bit length.
    let at = t + 2_000;
    push(
        &mut k,
        at,
        C,
        &frame(
            true,
            0,
            TEXT,
            m.next(),
            br#"{"type":"hello","user":"alice","room":"lobby"}"#,
        ),
    );
    // 2. Server text, 7-bit.
    let at = at + RTT + 300;
    push(
        &mut k,
        at,
        S,
        &frame(
            true,
            0,
            TEXT,
            None,
            br#"{"type":"welcome","users":["bob","carol"],"motd":"Be nice."}"#,
        ),
    );
    k.ack(at + DELACK, C);
    // 3. Server text, 16-bit length: the room's history.
    let mut hist = String::from("{\"type\":\"history\",\"messages\":[");
    for i in 0..12 {
        hist.push_str(&format!(
            "{{\"id\":{},\"from\":\"{}\",\"text\":\"message number {i} in the lobby\"}},",
            900 + i,
            ["bob", "carol", "dave"][i % 3]
        ));
    }
    hist.pop();
    hist.push_str("]}");
    let at = at + 150_000;
    push(&mut k, at, S, &frame(true, 0, TEXT, None, hist.as_bytes()));
    k.ack(at + DELACK, C);
    // 4. Server binary, 7-bit: a small sensor record.
    let at = at + 500_000;
    push(&mut k, at, S, &frame(true, 0, BIN, None, &noise(0x6269_6e31, 24)));
    k.ack(at + DELACK, C);
    // 5. Server binary, 64-bit length: a 70 000-byte picture over 49 segments.
    let mut pic = b"\x89PNG\r\n\x1a\n".to_vec();
    pic.extend(noise(0x7069_6331, 70_000 - 8));
    let at = at + 1_000_000;
    let end = write(&mut k, at, S, &frame(true, 0, BIN, None, &pic), 120);
    k.ack(end + 30, C);
    // 6. Client text, 16-bit length, 2000 bytes: one frame in two segments.
    let long: Vec<u8> = crate::tcpkit::text("paste", 2000);
    let at = end + 2_000_000;
    let long_msg = [br#"{"type":"paste","text":""#.as_slice(), &long[..1960], b"\"}"].concat();
    let endc = write(&mut k, at, C, &frame(true, 0, TEXT, m.next(), &long_msg), 60);
    k.ack(endc + RTT + 30, S);
    // 7. A fragmented client message: text (FIN=0), continuation (FIN=0),
    // a ping in between (control frames may interleave), continuation (FIN=1).
    let at = endc + 1_000_000;
    push(
        &mut k,
        at,
        C,
        &frame(false, 0, TEXT, m.next(), b"{\"type\":\"say\",\"text\":\"This message "),
    );
    push(
        &mut k,
        at + 1_200,
        C,
        &frame(false, 0, CONT, m.next(), b"travels in three "),
    );
    let ping_at = at + 2_400;
    push(&mut k, ping_at, C, &frame(true, 0, PING, m.next(), b"rtt-1"));
    push(&mut k, at + 3_600, C, &frame(true, 0, CONT, m.next(), b"fragments.\"}"));
    // The server's pong (unmasked, same payload), one RTT after the ping.
    push(&mut k, ping_at + RTT + 150, S, &frame(true, 0, PONG, None, b"rtt-1"));
    k.ack(ping_at + RTT + 150 + DELACK, C);
    // 8. Several frames in one segment: three typing notices.
    let at = at + 1_500_000;
    let mut three = frame(true, 0, TEXT, None, br#"{"type":"typing","user":"bob"}"#);
    three.extend(frame(
        true,
        0,
        TEXT,
        None,
        br#"{"type":"say","from":"bob","text":"hi alice!"}"#,
    ));
    three.extend(frame(true, 0, TEXT, None, br#"{"type":"typing","user":"carol"}"#));
    push(&mut k, at, S, &three);
    k.ack(at + DELACK, C);
    // 9. The server's heartbeat ping; the client's pong (masked).
    let at = at + 2_000_000;
    push(&mut k, at, S, &frame(true, 0, PING, None, b"hb-17"));
    push(&mut k, at + 180, C, &frame(true, 0, PONG, m.next(), b"hb-17"));
    // 10. The client closes (1000, normal closure, with a reason); the
    // server echoes the close and closes TCP first (so it, not the
    // client, ends in TIME-WAIT, as RFC 6455 7.1.1 wants).
    let at = at + 1_500_000;
    push(
        &mut k,
        at,
        C,
        &frame(true, 0, CLOSE, m.next(), &close_payload(1000, "bye")),
    );
    let at = at + RTT + 200;
    push(&mut k, at, S, &frame(true, 0, CLOSE, None, &close_payload(1000, "")));
    k.fin(at + 60, S);
    k.ack(at + 90, C);
    k.fin(at + 250, C);
    k.ack(at + RTT + 250, S);
    k.frames
}

/// websocket-deflate.pcap: permessage-deflate negotiated with context
/// takeover: each side keeps one compressor for the whole connection, so
/// later messages refer back to earlier ones and shrink.
pub fn deflate() -> Vec<Frame> {
    let mut k = Conn::new(
        host(53990, 0x0def_1a7e, 3_000_000_000),
        remote(WEB, 80, 0x7e1a_f0ed, 1_000_000_000),
    );
    let mut m = Masks(0xdef1);
    let (mut zc, mut zs) = (Deflater::default(), Deflater::default());
    let t = k.open(0, RTT);
    let t = handshake(
        &mut k,
        t + 130,
        "/feed",
        "stream.example.com",
        0x6465_666c,
        &["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"],
        &["Sec-WebSocket-Extensions: permessage-deflate"],
        None,
    );
    // A compressed message: RSV1 on its (first) frame.
    let at = t + 1_500;
    let sub = br#"{"action":"subscribe","channels":["quotes.EXMPL","quotes.SAMPL","news.EXMPL"]}"#;
    push(&mut k, at, C, &frame(true, RSV1, TEXT, m.next(), &zc.message(sub)));
    let ok = br#"{"event":"subscribed","channels":["quotes.EXMPL","quotes.SAMPL","news.EXMPL"]}"#;
    let mut at = at + RTT + 400;
    push(&mut k, at, S, &frame(true, RSV1, TEXT, None, &zs.message(ok)));
    k.ack(at + DELACK, C);
    // Quotes: similar messages, each shorter once the window holds the first.
    let prices = [
        ("EXMPL", 101.25),
        ("SAMPL", 42.10),
        ("EXMPL", 101.31),
        ("SAMPL", 42.08),
        ("EXMPL", 101.29),
        ("SAMPL", 42.15),
    ];
    for (i, (sym, p)) in prices.iter().enumerate() {
        at += 700_000;
        let q = format!(
            "{{\"event\":\"quote\",\"symbol\":\"{sym}\",\"bid\":{:.2},\"ask\":{:.2},\"seq\":{}}}",
            p,
            p + 0.02,
            1000 + i
        );
        push(&mut k, at, S, &frame(true, RSV1, TEXT, None, &zs.message(q.as_bytes())));
        k.ack(at + DELACK, C);
    }
    // An uncompressed message (RSV1 clear) is still allowed.
    at += 600_000;
    push(
        &mut k,
        at,
        S,
        &frame(true, 0, BIN, None, &[0x01, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x27, 0x8d]),
    );
    k.ack(at + DELACK, C);
    // The client again: its own compressor remembers its first message.
    at += 1_000_000;
    let unsub = br#"{"action":"unsubscribe","channels":["quotes.SAMPL"]}"#;
    push(&mut k, at, C, &frame(true, RSV1, TEXT, m.next(), &zc.message(unsub)));
    let ok = br#"{"event":"unsubscribed","channels":["quotes.SAMPL"]}"#;
    at += RTT + 350;
    push(&mut k, at, S, &frame(true, RSV1, TEXT, None, &zs.message(ok)));
    k.ack(at + DELACK, C);
    // Control frames are never compressed.
    at += 1_000_000;
    push(&mut k, at, C, &frame(true, 0, PING, m.next(), b"p1"));
    push(&mut k, at + RTT + 120, S, &frame(true, 0, PONG, None, b"p1"));
    k.ack(at + RTT + 120 + DELACK, C);
    // The last quote, compressed again with the same window.
    at += 500_000;
    let q = br#"{"event":"quote","symbol":"EXMPL","bid":101.33,"ask":101.35,"seq":1006}"#;
    push(&mut k, at, S, &frame(true, RSV1, TEXT, None, &zs.message(q)));
    k.ack(at + DELACK, C);
    // A compressed message in two fragments: RSV1 on the first frame only;
    // the receiver joins the payloads, then inflates (tshark 4.0 inflates
    // each frame alone and fails here, so this comes last).
    let mut snap = String::from("{\"event\":\"snapshot\",\"book\":[");
    for i in 0..60 {
        snap.push_str(&format!(
            "{{\"side\":\"{}\",\"price\":{}.{:02},\"size\":{}}},",
            if i % 2 == 0 { "bid" } else { "ask" },
            100 + i / 10,
            i * 3 % 100,
            100 * (i % 7 + 1)
        ));
    }
    snap.pop();
    snap.push_str("]}");
    let z = zs.message(snap.as_bytes());
    let half = z.len() / 2;
    at += 800_000;
    push(&mut k, at, S, &frame(false, RSV1, TEXT, None, &z[..half]));
    push(&mut k, at + 3_000, S, &frame(true, 0, CONT, None, &z[half..]));
    k.ack(at + 3_000 + DELACK, C);
    // Close (1001, going away).
    at += 2_000_000;
    push(
        &mut k,
        at,
        C,
        &frame(true, 0, CLOSE, m.next(), &close_payload(1001, "page closed")),
    );
    at += RTT + 200;
    push(&mut k, at, S, &frame(true, 0, CLOSE, None, &close_payload(1001, "")));
    k.fin(at + 50, S);
    k.ack(at + 80, C);
    k.fin(at + 240, C);
    k.ack(at + RTT + 240, S);
    k.frames
}

/// websocket-violations.pcap: what RFC 6455 forbids, one thing per frame.
pub fn violations() -> Vec<Frame> {
    // Connection 1: the server's Sec-WebSocket-Accept is wrong (the key's
    // hash without the GUID), so the client must fail the connection: it
    // closes TCP without sending a frame.
    let mut a = Conn::new(
        host(54001, 0x0bad_acc0, 500_000_000),
        remote(WEB, 8080, 0x5eed_0001, 600_000_000),
    );
    let t = a.open(0, RTT);
    let key = base64(&noise(0x6261_6431, 16));
    let wrong = base64(&sha1(key.as_bytes()));
    let t = handshake(
        &mut a,
        t + 140,
        "/ws",
        "ws.example.com:8080",
        0x6261_6431,
        &[],
        &[],
        Some(&wrong),
    );
    a.fin(t + 900, C);
    a.fin(t + 900 + RTT, S);
    a.ack(t + 900 + RTT + 60, C);

    // Connection 2: a valid handshake, then one violation per frame.
    let mut k = Conn::new(
        host(54003, 0x0bad_f00d, 510_000_000),
        remote(WEB, 8080, 0x5eed_0002, 610_000_000),
    );
    let mut m = Masks(0xbad);
    let t = k.open(1_000_000, RTT);
    let mut at = handshake(
        &mut k,
        t + 140,
        "/ws",
        "ws.example.com:8080",
        0x676f_6f64,
        &[],
        &[],
        None,
    );
    let mut step = |k: &mut Conn, from: Who, f: Vec<u8>| {
        at += 500_000;
        push(k, at, from, &f);
        let peer = from.other();
        k.ack(at + if peer == C { DELACK } else { RTT + DELACK }, peer);
    };
    // A client frame without a mask.
    step(&mut k, C, frame(true, 0, TEXT, None, b"unmasked hello"));
    // A server frame with a mask.
    step(&mut k, S, frame(true, 0, TEXT, m.next(), b"masked reply"));
    // A ping whose payload (126 bytes) exceeds the 125 allowed to control frames.
    step(&mut k, C, frame(true, 0, PING, m.next(), &[b'p'; 126]));
    // A fragmented ping (FIN clear on a control frame).
    step(&mut k, C, frame(false, 0, PING, m.next(), b"frag"));
    // A text frame that is not UTF-8 ("caf" + a lone lead byte + "(" + 0xff).
    step(&mut k, S, frame(true, 0, TEXT, None, b"caf\xc3( \xff"));
    // A reserved data opcode (0x3).
    step(&mut k, C, frame(true, 0, 0x3, m.next(), b"reserved opcode"));
    // RSV2 set with no extension negotiated.
    step(&mut k, S, frame(true, RSV2, TEXT, None, b"rsv2 set"));
    // The server closes with 1009 (message too big)...
    step(
        &mut k,
        S,
        frame(true, 0, CLOSE, None, &close_payload(1009, "message too big")),
    );
    // ...then sends data after its close.
    step(&mut k, S, frame(true, 0, TEXT, None, b"one more thing"));
    // The client echoes the close; the server closes TCP.
    let at2 = at + 500_000;
    push(
        &mut k,
        at2,
        C,
        &frame(true, 0, CLOSE, m.next(), &close_payload(1009, "")),
    );
    let at2 = at2 + RTT + 100;
    k.fin(at2, S);
    k.ack(at2 + 40, C);
    k.fin(at2 + 200, C);
    k.ack(at2 + RTT + 200, S);
    Conn::merge(vec![a, k])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_matches_rfc6455_example() {
        // RFC 6455 1.3 (also Python's hashlib + base64).
        assert_eq!(accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn sha1_and_base64_known_values() {
        assert_eq!(base64(&sha1(b"abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }

    #[test]
    fn frame_lengths_use_the_three_forms() {
        assert_eq!(frame(true, 0, TEXT, None, b"hi")[..2], [0x81, 2]);
        assert_eq!(frame(true, 0, BIN, None, &[0; 300])[..4], [0x82, 126, 1, 44]);
        assert_eq!(
            frame(true, 0, BIN, None, &[0; 70_000])[..10],
            [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        );
        let f = frame(true, 0, TEXT, Some([1, 2, 3, 4]), b"ab");
        assert_eq!(f, [0x81, 0x82, 1, 2, 3, 4, b'a' ^ 1, b'b' ^ 2]);
    }
}
