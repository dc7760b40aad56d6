use std::io::Write as _;

use flate2::{Compress, Compression, FlushCompress};
use wirelens_dissectors::tree::Tree;

use super::handshake::*;
use super::*;
use crate::tcp::reasm::Piece;
use crate::tcp::stream::StreamFeeder;

const K: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn frame(op: u8, payload: &[u8], fin: bool, mask: Option<[u8; 4]>, rsv: u8) -> Vec<u8> {
    let mut v = vec![(if fin { 0x80 } else { 0 }) | (rsv << 4) | op];
    let m = if mask.is_some() { 0x80 } else { 0 };
    let n = payload.len();
    if n < 126 {
        v.push(m | n as u8);
    } else if n <= 0xffff {
        v.push(m | 126);
        v.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        v.push(m | 127);
        v.extend_from_slice(&(n as u64).to_be_bytes());
    }
    let mut p = payload.to_vec();
    if let Some(k) = mask {
        v.extend_from_slice(&k);
        ws::unmask(&mut p, k, 0);
    }
    v.extend_from_slice(&p);
    v
}

fn c(op: u8, p: &[u8]) -> Vec<u8> {
    frame(op, p, true, Some(K), 0)
}

fn s(op: u8, p: &[u8]) -> Vec<u8> {
    frame(op, p, true, None, 0)
}

fn upgrade(ext: Option<&str>) -> Upgrade {
    Upgrade {
        request_frame: 4,
        response_frame: 6,
        response_ns: 0,
        key: Some("dGhlIHNhbXBsZSBub25jZQ==".into()),
        accept: Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into()),
        protocol: Some("chat".into()),
        extensions: ext.map(str::to_string),
    }
}

/// A PDU as a test sees it.
#[derive(Clone, Debug, PartialEq)]
struct Got {
    now: u64,
    side: Side,
    bytes: Vec<u8>,
    offset: u64,
    segs: Vec<(u64, u32)>,
    nodes: Vec<String>,
}

fn names(n: &AnnotNode, out: &mut Vec<String>) {
    let v = match &n.value {
        Value::None => n.text.clone().unwrap_or_default(),
        Value::Str(s) => format!("={s}"),
        Value::UInt(u) => format!("={u}"),
        Value::Bool(b) => format!("={b}"),
        Value::Duration(d) => format!("={d}"),
        _ => String::new(),
    };
    out.push(format!("{} {}", n.name, v));
    for c in &n.children {
        names(c, out);
    }
}

/// A conversation: (side, bytes of one segment) in capture order; frame
/// numbers count from 10, time 1 ms per frame.
struct Run {
    f: StreamFeeder<WsConv>,
    off: [u64; 2],
    frame: u64,
    got: Vec<Got>,
}

impl Run {
    fn new(ext: Option<&str>) -> Run {
        Run {
            f: StreamFeeder::new(WsConv::new(&upgrade(ext)), 1 << 20),
            off: [1000, 5000],
            frame: 10,
            got: Vec::new(),
        }
    }

    fn push(&mut self, side: Side, bytes: &[u8]) {
        let o = &mut self.off[side.index()];
        let piece = Piece::Data {
            offset: *o,
            bytes: bytes.to_vec(),
            frame: self.frame,
        };
        *o += bytes.len() as u64;
        self.f.push(side, &piece, self.frame, self.frame as i64 * 1_000_000);
        self.collect(side);
        self.frame += 1;
    }

    fn gap(&mut self, side: Side, len: u64) {
        let o = &mut self.off[side.index()];
        let piece = Piece::Gap { offset: *o, len };
        *o += len;
        self.f.push(side, &piece, self.frame, self.frame as i64 * 1_000_000);
        self.collect(side);
    }

    fn collect(&mut self, side: Side) {
        let mut out = Vec::new();
        self.f.dissector.take_pdus(&mut out);
        for p in out {
            assert_eq!(p.proto, AppProto::WebSocket);
            assert_eq!(p.from_client, side == Side::Client);
            let PduBytes::Reassembled(b) = &p.bytes else { panic!() };
            let mut nodes = Vec::new();
            for n in &p.nodes {
                names(n, &mut nodes);
            }
            self.got.push(Got {
                now: self.frame,
                side,
                bytes: b.to_vec(),
                offset: p.stream_offset,
                segs: p.segments.clone(),
                nodes,
            });
        }
    }

    fn has(&self, i: usize, needle: &str) -> bool {
        self.got[i].nodes.iter().any(|n| n.contains(needle))
    }

    fn summary(&self) -> WsSummary {
        self.f.dissector.summary()
    }
}

fn deflate_raw(z: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    z.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
    while out.len() == out.capacity() {
        out.reserve(1024);
        z.compress_vec(&[], &mut out, FlushCompress::Sync).unwrap();
    }
    assert!(out.ends_with(&TAIL));
    out.truncate(out.len() - 4);
    out
}

#[test]
fn sha1_base64_and_the_rfc_example() {
    let hex = |b: [u8; 20]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(hex(sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(
        hex(sha1(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
    assert_eq!(
        hex(sha1(&vec![b'a'; 1_000_000])),
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
    );
    for (i, o) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(i.as_bytes()), o);
    }
    // RFC 6455 1.3.
    assert_eq!(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(accept_for(" dGhlIHNhbXBsZSBub25jZQ== "), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#[test]
fn handshake_nodes_check_the_accept_and_explain_extensions() {
    let up = upgrade(Some(
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=10",
    ));
    let n = handshake_nodes(&up);
    let mut v = Vec::new();
    names(&n[0], &mut v);
    assert!(v[0].contains("matches the key"), "{v:?}");
    assert!(v.iter().any(|x| x == "wirelens.websocket.accept_ok =true"));
    assert!(v
        .iter()
        .any(|x| x.contains("client resets its compressor") && x.contains("2^10")));
    assert!(v.iter().any(|x| x == "wirelens.websocket.protocol =chat"));
    let mut bad = up.clone();
    bad.accept = Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into());
    let n = handshake_nodes(&bad);
    let mut t = Tree::new();
    n[0].add_to(&mut t, None);
    assert!(t.experts().any(|(_, e)| e.code == "wirelens.websocket.accept_mismatch"));
    let mut none = up;
    none.accept = None;
    let mut t = Tree::new();
    handshake_nodes(&none)[0].add_to(&mut t, None);
    assert!(t.experts().any(|(_, e)| e.code == "wirelens.websocket.accept_missing"));
    let e = parse_extensions("permessage-deflate; client_max_window_bits, x-webkit-deflate-frame; a=\"1\"");
    assert_eq!(e.len(), 2);
    assert_eq!(e[1].params, vec![("a".to_string(), Some("1".to_string()))]);
    assert_eq!(Deflate::from_extension(&e[0]).unwrap().client_max_window_bits, Some(15));
}

/// A conversation touching most rules, as the segments a capture might have.
fn story() -> Vec<(Side, Vec<u8>)> {
    let mut v = Vec::new();
    v.push((Side::Server, s(ws::OP_PING, b"Zeek")));
    v.push((Side::Client, c(ws::OP_PONG, b"Zeek")));
    // Two frames in one segment, then a fragmented text message with a
    // ping between fragments and a 4-byte character cut by the frames.
    let mut seg = c(ws::OP_TEXT, b"Hello Zeek!");
    seg.extend(c(ws::OP_BINARY, &[0u8; 300]));
    v.push((Side::Client, seg));
    let text = "snowman \u{2603} and \u{1f600} emoji".as_bytes();
    v.push((Side::Server, frame(ws::OP_TEXT, &text[..10], false, None, 0)));
    v.push((Side::Server, s(ws::OP_PING, b"")));
    v.push((Side::Server, frame(ws::OP_CONTINUATION, &text[10..18], false, None, 0)));
    v.push((Side::Client, c(ws::OP_PONG, b"")));
    v.push((Side::Server, frame(ws::OP_CONTINUATION, &text[18..], true, None, 0)));
    v.push((Side::Server, s(ws::OP_BINARY, &[7u8; 70000][..])));
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"bye");
    v.push((Side::Client, c(ws::OP_CLOSE, &close)));
    v.push((Side::Server, s(ws::OP_CLOSE, &1000u16.to_be_bytes())));
    v
}

/// Feeds the story with each segment cut at `cuts` (relative positions).
fn run_cut(segs: &[(Side, Vec<u8>)], cut: impl Fn(usize, usize) -> Vec<usize>) -> Run {
    let mut r = Run::new(None);
    for (i, (side, b)) in segs.iter().enumerate() {
        let mut at = 0;
        for p in cut(i, b.len()).into_iter().chain([b.len()]) {
            if p > at && p <= b.len() {
                r.push(*side, &b[at..p]);
                at = p;
            }
        }
    }
    r
}

#[test]
fn story_frames_messages_pings_and_close() {
    let r = run_cut(&story(), |_, _| vec![]);
    let g = &r.got;
    assert_eq!(
        g.len(),
        12,
        "{:#?}",
        g.iter().map(|x| x.bytes.len()).collect::<Vec<_>>()
    );
    // Ping/pong: the pong knows its ping and the round trip.
    assert!(r.has(1, "wirelens.websocket.pong.ping_in =10"));
    assert!(r.has(1, "wirelens.websocket.pong.rtt =1000000"));
    // Two frames completed by one segment: two PDUs on frame 12, at their offsets.
    assert_eq!((g[2].now, g[3].now), (12, 12));
    assert_eq!(g[3].offset, g[2].offset + g[2].bytes.len() as u64);
    assert_eq!(g[2].segs, vec![(12, g[2].bytes.len() as u32)]);
    // The fragmented text: shown whole on its last frame, with its fragments.
    let last = g
        .iter()
        .position(|x| x.nodes.iter().any(|n| n.contains("in 3 frames")))
        .unwrap();
    assert!(r.has(last, "websocket.payload.text =snowman \u{2603} and \u{1f600} emoji"));
    assert!(r.has(last, "websocket.fragment.count =3"));
    assert!(!r.has(last, "invalid_utf8"));
    // The big server frame: consumed piece by piece, kept in part.
    let big = g
        .iter()
        .position(|x| x.nodes.iter().any(|n| n.contains("wirelens.websocket.partial")))
        .unwrap();
    assert_eq!(g[big].bytes.len(), 10 + KEEP);
    // Close: the client first, the server echoes.
    assert!(r.has(10, "wirelens.websocket.close.initiator =client"));
    assert!(r.has(11, "wirelens.websocket.close.reply_to"));
    let sum = r.summary();
    assert_eq!(sum.close_first, Some("client"));
    assert_eq!(sum.close_code, Some(1000));
    assert_eq!(sum.close_reason.as_deref(), Some("bye"));
    assert!(sum.close_echoed);
    assert_eq!(sum.accept_ok, Some(true));
    assert_eq!(sum.ping_rtt_ms.as_ref().unwrap().count, 2);
    assert_eq!(sum.unanswered_pings, 0);
    assert_eq!(sum.violations, 0, "{:?}", sum.violation_kinds);
    assert_eq!(sum.client.frames.get("pong"), Some(&2));
    assert_eq!(sum.server.messages, 2);
    assert_eq!(sum.server.fragmented_messages, 1);
    assert_eq!(
        sum.server.message_bytes,
        70000 + "snowman \u{2603} and \u{1f600} emoji".len() as u64
    );
    let mut fs = crate::export::FlowSummary {
        first_closer: Some("server"),
        ..test_summary()
    };
    r.f.dissector.summarize(&mut fs);
    assert_eq!(fs.app.as_deref(), Some("websocket"));
    assert_eq!(fs.websocket.as_ref().unwrap().tcp_first_closer, Some("server"));
    let mut j = String::new();
    crate::export::jsonl(&mut j, &fs);
    assert!(j.contains("\"websocket\":{\"accept_ok\":true"), "{j}");
}

fn test_summary() -> crate::export::FlowSummary {
    crate::export::FlowSummary {
        id: 1,
        proto: "tcp",
        client: "10.0.0.1:40000".into(),
        server: "10.0.0.2:80".into(),
        conn_state: "SF",
        end: "ended",
        ..Default::default()
    }
}

/// What must not depend on segmentation: each frame's bytes and offset and
/// the nodes (the frames completing them differ, and so do frame numbers).
fn shape(r: &Run) -> Shape {
    r.got
        .iter()
        .map(|g| {
            let nodes = g
                .nodes
                .iter()
                .filter(|n| {
                    !n.contains("frame")
                        && !n.contains("Frame")
                        && !n.contains("rtt")
                        && !n.contains("reply_time")
                        && !n.contains("ping_in")
                        && !n.contains("reply_to")
                        && !n.starts_with("websocket.fragment")
                        && !n.contains(" s round trip")
                        && !n.contains(" s: ")
                })
                .cloned()
                .collect();
            (g.side, g.bytes.clone(), g.offset, nodes)
        })
        .collect()
}

type Shape = Vec<(Side, Vec<u8>, u64, Vec<String>)>;

fn same(got: &Shape, want: &Shape, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: frame count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!((g.0, g.1.len(), g.2), (w.0, w.1.len(), w.2), "{what}: frame {i}");
        assert!(g.1 == w.1, "{what}: frame {i} bytes differ");
        assert_eq!(g.3, w.3, "{what}: frame {i} nodes");
    }
}

#[test]
fn every_cut_gives_the_same_frames() {
    let st = story();
    let whole = run_cut(&st, |_, _| vec![]);
    let want = shape(&whole);
    // Every single cut point in every segment (all but the big one byte by byte).
    for (i, (_, b)) in st.iter().enumerate() {
        let step = if b.len() > 1000 { 997 } else { 1 };
        for p in (1..b.len()).step_by(step) {
            let r = run_cut(&st, |j, _| if j == i { vec![p] } else { vec![] });
            same(&shape(&r), &want, &format!("segment {i} cut at {p}"));
        }
    }
    // Byte by byte everywhere (the big frame in 1448-byte segments).
    let r = run_cut(&st, |_, n| {
        if n > 1000 {
            (1448..n).step_by(1448).collect()
        } else {
            (1..n).collect()
        }
    });
    same(&shape(&r), &want, "byte by byte");
    // And the summary is the same.
    let (mut a, mut b) = (whole.summary(), r.summary());
    a.ping_rtt_ms = None;
    b.ping_rtt_ms = None;
    assert_eq!(a, b);
    // A frame cut in three segments lists them.
    let r = run_cut(&st, |i, _| if i == 0 { vec![1, 3] } else { vec![] });
    assert_eq!(r.got[0].segs, vec![(10, 1), (11, 2), (12, 3)]);
    assert_eq!(r.got[0].now, 12);
}

#[test]
fn violations_are_flagged() {
    let mut r = Run::new(None);
    r.push(Side::Client, &s(ws::OP_TEXT, b"unmasked"));
    r.push(Side::Server, &frame(ws::OP_TEXT, b"masked", true, Some(K), 0));
    r.push(Side::Server, &frame(ws::OP_TEXT, b"rsv", true, None, 2));
    // Invalid UTF-8, split across fragments.
    r.push(Side::Server, &frame(ws::OP_TEXT, b"ok \xe2\x98", false, None, 0));
    r.push(Side::Server, &frame(ws::OP_CONTINUATION, b"X", true, None, 0));
    r.push(Side::Server, &frame(ws::OP_CONTINUATION, b"orphan", true, None, 0));
    r.push(Side::Server, &frame(ws::OP_TEXT, b"a", false, None, 0));
    r.push(Side::Server, &frame(ws::OP_BINARY, b"b", true, None, 0));
    r.push(Side::Server, &s(ws::OP_PING, &[1; 130]));
    r.push(Side::Server, &frame(ws::OP_PING, b"", false, None, 0));
    r.push(Side::Server, &s(3, b"?"));
    r.push(Side::Server, &s(ws::OP_CLOSE, &1001u16.to_be_bytes()));
    r.push(Side::Server, &s(ws::OP_TEXT, b"after"));
    r.push(Side::Client, &c(ws::OP_PONG, b"unasked"));
    let k = r.summary().violation_kinds;
    for (code, n) in [
        ("wirelens.websocket.unmasked_client_frame", 1),
        ("wirelens.websocket.masked_server_frame", 1),
        ("wirelens.websocket.reserved_bits", 1),
        ("wirelens.websocket.invalid_utf8", 1),
        ("wirelens.websocket.orphan_continuation", 1),
        ("wirelens.websocket.interleaved_message", 1),
        ("wirelens.websocket.control_too_long", 1),
        ("wirelens.websocket.control_fragmented", 1),
        ("wirelens.websocket.reserved_opcode", 1),
        ("wirelens.websocket.data_after_close", 1),
    ] {
        assert_eq!(k.get(code), Some(&n), "{code}: {k:?}");
    }
    assert!(r.has(0, "unmasked_client_frame"));
    assert!(r.has(4, "invalid_utf8"));
    assert!(r.has(13, "pong.unsolicited"));
    let sum = r.summary();
    assert_eq!(sum.close_first, Some("server"));
    assert_eq!(sum.close_code, Some(1001));
    assert!(!sum.close_echoed);
    assert_eq!(sum.unanswered_pings, 2);
}

#[test]
fn utf8_checked_incrementally_at_any_cut() {
    let good = "a\u{e9}b\u{2603}c\u{1f600}d".as_bytes();
    for cut in 0..=good.len() {
        let mut u = Utf8::default();
        u.push(&good[..cut]);
        u.push(&good[cut..]);
        assert_eq!(u.finish(), None, "cut {cut}");
    }
    for bad in [
        &b"ab\xff"[..],
        b"\xe2\x98",
        b"\xc3\x28",
        b"a\xf0\x9f\x98",
        b"\xed\xa0\x80",
    ] {
        for cut in 0..=bad.len() {
            let mut u = Utf8::default();
            u.push(&bad[..cut]);
            u.push(&bad[cut..]);
            assert!(u.finish().is_some(), "{bad:?} cut {cut}");
        }
    }
    let mut u = Utf8::default();
    u.push(b"abc\xff");
    assert_eq!(u.finish(), Some(3));
}

fn pmd_conv(ext: &str, client_reset: bool, server_reset: bool) {
    let mut r = Run::new(Some(ext));
    let mut cz = Compress::new(Compression::default(), false);
    let mut sz = Compress::new(Compression::default(), false);
    let texts: Vec<String> = (0..4)
        .map(|i| format!("Hello hello hello hello {i} hello hello"))
        .collect();
    for t in &texts {
        if client_reset {
            cz.reset();
        }
        if server_reset {
            sz.reset();
        }
        let d = deflate_raw(&mut cz, t.as_bytes());
        r.push(Side::Client, &frame(ws::OP_TEXT, &d, true, Some(K), 4));
        let d = deflate_raw(&mut sz, t.as_bytes());
        r.push(Side::Server, &frame(ws::OP_TEXT, &d, true, None, 4));
    }
    // A compressed message in two fragments (RSV1 on the first only), an
    // uncompressed one, a compressed binary one.
    let big: String = (0..300).map(|i| format!("line {i} of a long message\n")).collect();
    if server_reset {
        sz.reset();
    }
    let d = deflate_raw(&mut sz, big.as_bytes());
    r.push(Side::Server, &frame(ws::OP_TEXT, &d[..d.len() / 2], false, None, 4));
    r.push(
        Side::Server,
        &frame(ws::OP_CONTINUATION, &d[d.len() / 2..], true, None, 0),
    );
    r.push(Side::Server, &s(ws::OP_TEXT, b"plain"));
    if server_reset {
        sz.reset();
    }
    let bin: Vec<u8> = (0..2000u32).map(|i| (i % 7) as u8).collect();
    let d = deflate_raw(&mut sz, &bin);
    r.push(Side::Server, &frame(ws::OP_BINARY, &d, true, None, 4));
    for (i, t) in texts.iter().enumerate() {
        for j in [2 * i, 2 * i + 1] {
            assert!(
                r.has(j, &format!("websocket.payload.text ={t}")),
                "{ext} {j}: {:?}",
                r.got[j].nodes
            );
            assert!(r.has(j, "websocket.pmc =true"));
        }
    }
    let n = texts.len() * 2;
    assert!(r.has(
        n + 1,
        &format!("Text message: {} bytes in 2 frames, inflated from", big.len())
    ));
    assert!(r.has(n + 1, "websocket.payload.text =line 0 of a long message\n"));
    assert!(r.has(n + 2, "websocket.pmc =false"));
    assert!(!r.has(n + 2, "wirelens.websocket.message"));
    assert!(r.has(n + 3, "Binary message: 2000 bytes"));
    assert!(r.has(n + 3, "wirelens.websocket.message.data "));
    let sum = r.summary();
    assert_eq!(sum.violations, 0, "{:?}", sum.violation_kinds);
    assert_eq!(sum.server.compressed_messages, 6);
    assert!(sum.permessage_deflate);
    assert_eq!(
        sum.server.message_bytes,
        (texts.iter().map(|t| t.len()).sum::<usize>() + big.len() + 5 + 2000) as u64
    );
}

#[test]
fn permessage_deflate_with_and_without_context_takeover() {
    pmd_conv("permessage-deflate", false, false);
    pmd_conv("permessage-deflate; client_no_context_takeover", true, false);
    pmd_conv(
        "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
        true,
        true,
    );
}

#[test]
fn takeover_matters_and_failures_are_said() {
    // The server keeps its context but the handshake says it resets: the
    // second message refers to the first's window and cannot be inflated.
    let mut r = Run::new(Some("permessage-deflate; server_no_context_takeover"));
    let mut sz = Compress::new(Compression::default(), false);
    let t = "repeat repeat repeat repeat repeat";
    for _ in 0..2 {
        let d = deflate_raw(&mut sz, t.as_bytes());
        r.push(Side::Server, &frame(ws::OP_TEXT, &d, true, None, 4));
    }
    assert!(r.has(0, &format!("websocket.payload.text ={t}")));
    assert!(!r.has(1, &format!("websocket.payload.text ={t}")));
    // Garbage with RSV1 set.
    r.push(
        Side::Server,
        &frame(ws::OP_TEXT, b"\xff\xff\xff garbage", true, None, 4),
    );
    assert!(r.has(2, "inflate_failed"), "{:?}", r.got[2].nodes);
    // RSV1 on a control frame and on a continuation is a violation.
    r.push(Side::Server, &frame(ws::OP_PING, b"", true, None, 4));
    assert!(r.has(3, "reserved_bits"));
    // RSV1 without the extension.
    let mut r = Run::new(None);
    r.push(Side::Server, &frame(ws::OP_TEXT, b"x", true, None, 4));
    assert!(r.has(0, "reserved_bits"));
    assert!(
        r.has(0, "websocket.payload.text =x"),
        "the engine shows what the tree does not"
    );
    // Another extension: RSV bits are its own.
    let mut r = Run::new(Some("x-webkit-deflate-frame"));
    r.push(Side::Server, &frame(ws::OP_TEXT, b"x", true, None, 4));
    assert!(!r.has(0, "reserved_bits"));
}

#[test]
fn a_bomb_is_inflated_only_so_far() {
    let mut r = Run::new(Some("permessage-deflate"));
    let mut sz = Compress::new(Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut d = Vec::new();
    for _ in 0..20 {
        let mut out = Vec::with_capacity(8192);
        sz.compress_vec(&zeros, &mut out, FlushCompress::None).unwrap();
        while out.len() == out.capacity() {
            out.reserve(8192);
            sz.compress_vec(&[], &mut out, FlushCompress::None).unwrap();
        }
        d.extend(out);
    }
    d.extend(deflate_raw(&mut sz, b""));
    r.push(Side::Server, &frame(ws::OP_BINARY, &d, true, None, 4));
    assert!(r.has(0, "inflate_stopped"), "{:?}", r.got[0].nodes);
    let sum = r.summary();
    assert!(sum.server.message_bytes <= INFLATE_MAX + 16 * 1024);
}

#[test]
fn gaps_inside_a_big_frame_are_skipped_between_frames_lose_the_side() {
    let mut r = Run::new(None);
    let big = s(ws::OP_BINARY, &vec![5u8; 200_000]);
    r.push(Side::Server, &big[..5000]);
    assert!(r.f.dissector.holds_frame(Side::Server, 0) && !r.f.dissector.holds_frame(Side::Client, 0));
    r.gap(Side::Server, 100_000);
    r.push(Side::Server, &big[105_000..]);
    r.push(Side::Server, &s(ws::OP_TEXT, b"after the big one"));
    assert_eq!(r.got.len(), 2);
    assert!(!r.f.dissector.holds_frame(Side::Server, 0));
    assert!(r.has(0, "100000 payload bytes are missing"));
    assert!(r.has(1, "websocket") || r.got[1].bytes.ends_with(b"after the big one"));
    // A gap between frames: the side cannot be framed any more.
    r.gap(Side::Server, 10);
    r.push(Side::Server, &s(ws::OP_TEXT, b"lost"));
    assert_eq!(r.got.len(), 2);
    assert_eq!(r.summary().lost_sync, vec!["server"]);
    // The client goes on.
    r.push(Side::Client, &c(ws::OP_TEXT, b"still here"));
    assert_eq!(r.got.len(), 3);
}

#[test]
fn hostile_lengths_and_garbage_stay_bounded() {
    let mut r = Run::new(Some("permessage-deflate"));
    // A 64-bit length of 2^63: consumed forever, never buffered.
    let mut h = vec![0x82, 0x7f];
    h.extend_from_slice(&(1u64 << 63).to_be_bytes());
    r.push(Side::Server, &h);
    for _ in 0..50 {
        r.push(Side::Server, &[0xaa; 4096]);
    }
    assert!(r.got.is_empty());
    assert!(r.f.dissector.dirs[1].big.as_ref().unwrap().kept.len() <= 10 + KEEP);
    // Random bytes on the client side: no panic, PDUs bounded.
    let mut x: u32 = 99;
    for _ in 0..3000 {
        let n = (x % 200) as usize;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push((x >> 16) as u8);
        }
        r.push(Side::Client, &v);
    }
    for g in &r.got {
        assert!(g.bytes.len() <= WHOLE_MAX as usize);
    }
    let _ = r.summary();
    let mut sink = std::io::sink();
    let _ = writeln!(sink, "{:?}", r.summary());
}

#[test]
fn pdus_build_trees_with_engine_nodes() {
    let mut r = Run::new(Some("permessage-deflate"));
    let mut sz = Compress::new(Compression::default(), false);
    let d = deflate_raw(&mut sz, b"{\"msg\": \"hi\"}");
    r.push(Side::Server, &frame(ws::OP_TEXT, &d, true, None, 4));
    let mut out = Vec::new();
    // Rebuild the PDU the way the frame dissector does.
    let conv = &mut r.f.dissector;
    conv.now = (20, 0);
    let seg = c(ws::OP_TEXT, b"hey");
    let h = Header::parse(&seg).unwrap();
    let chunk = Chunk {
        side: Side::Client,
        offset: 0,
        data: &seg,
        frames: &[(0, seg.len() as u32, 20)],
        now_frame: 20,
        now_ns: 0,
    };
    conv.whole_frame(&chunk, &h, seg.len());
    conv.take_pdus(&mut out);
    let p = &out[0];
    let mut t = Tree::new();
    let data = p.data(&[]).to_vec();
    let root = wirelens_dissectors::app::tree(&mut t, p.proto, &data, 0);
    for n in &p.nodes {
        n.add_to(&mut t, Some(root));
    }
    let mut text = String::new();
    t.render_text(&mut text, &data);
    assert!(text.contains("Text: hey"), "{text}");
    assert!(text.contains("[Per-Message Compressed: False]"), "{text}");
    // The compressed one: its text comes from the engine.
    assert!(r.has(0, "websocket.payload.text ={\"msg\": \"hi\"}"));
}

/// A stand-in for the HTTP conversation: consumes each side's head and
/// reports the upgrade when the server's is a 101.
#[derive(Default)]
struct FakeHttp {
    req: String,
    up: Option<Upgrade>,
}

fn hdr(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

impl StreamDissector for FakeHttp {
    fn feed(&mut self, c: &Chunk<'_>) -> Feed {
        let Some(e) = c.data.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Feed::NeedMore(1);
        };
        let head = String::from_utf8_lossy(&c.data[..e]).into_owned();
        match c.side {
            Side::Client => self.req = head,
            Side::Server if head.starts_with("HTTP/1.1 101") => {
                self.up = Some(Upgrade {
                    request_frame: 0,
                    response_frame: c.now_frame,
                    response_ns: c.now_ns,
                    key: hdr(&self.req, "Sec-WebSocket-Key"),
                    accept: hdr(&head, "Sec-WebSocket-Accept"),
                    protocol: hdr(&head, "Sec-WebSocket-Protocol"),
                    extensions: hdr(&head, "Sec-WebSocket-Extensions"),
                })
            }
            Side::Server => {}
        }
        Feed::Consumed(e + 4)
    }
}

impl AppStream for FakeHttp {
    fn take_pdus(&mut self, _: &mut Vec<AppPdu>) {}
    fn summarize(&self, _: &mut FlowSummary) {}
}

impl crate::app::Upgrades for FakeHttp {
    fn take_upgrade(&mut self) -> Option<Upgrade> {
        self.up.take()
    }
}

#[test]
fn after_the_101_through_http_then_ws_and_the_end_of_the_connection() {
    let conv = crate::app::HttpThenWs::new(FakeHttp::default(), WsConv::new, super::handshake_nodes);
    let mut f = StreamFeeder::new(conv, crate::app::STREAM_CAP);
    let mut got = Vec::new();
    let mut push = |f: &mut StreamFeeder<_>, side: Side, offset: u64, bytes: &[u8], frame: u64| {
        f.push(
            side,
            &Piece::Data {
                offset,
                bytes: bytes.to_vec(),
                frame,
            },
            frame,
            frame as i64 * 1000,
        );
        let mut out = Vec::new();
        AppStream::take_pdus(&mut f.dissector, &mut out);
        got.extend(out.into_iter().map(|p| (frame, p)));
    };
    let req = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    push(&mut f, Side::Client, 0, req, 4);
    // The 101 and the first frame in one segment (zeek's reply-ping-coalesced).
    let mut resp =
        b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".to_vec();
    let head = resp.len() as u64;
    resp.extend(s(ws::OP_PING, b"Zeek"));
    push(&mut f, Side::Server, 0, &resp, 6);
    let pong = c(ws::OP_PONG, b"Zeek");
    push(&mut f, Side::Client, req.len() as u64, &pong, 8);
    // Half a frame, then the server's FIN.
    let half = s(ws::OP_TEXT, b"never finished");
    push(&mut f, Side::Server, resp.len() as u64, &half[..6], 9);
    f.end(Side::Server, 10, 10_000);
    let mut out = Vec::new();
    AppStream::take_pdus(&mut f.dissector, &mut out);
    got.extend(out.into_iter().map(|p| (10, p)));
    assert_eq!(got.len(), 3);
    assert_eq!(
        (got[0].0, got[0].1.stream_offset, got[0].1.from_client),
        (6, head, false)
    );
    assert_eq!((got[1].0, got[1].1.from_client), (8, true));
    let mut v = Vec::new();
    for n in &got[1].1.nodes {
        names(n, &mut v);
    }
    assert!(v.iter().any(|x| x == "wirelens.websocket.pong.ping_in =6"), "{v:?}");
    let mut v = Vec::new();
    for n in &got[2].1.nodes {
        names(n, &mut v);
    }
    assert!(
        v.iter()
            .any(|x| x.contains("ended 10 bytes before the end of this 16-byte frame")),
        "{v:?}"
    );
    let mut fs = test_summary();
    fs.first_closer = Some("server");
    AppStream::summarize(&f.dissector, &mut fs);
    let w = fs.websocket.unwrap();
    assert_eq!((w.accept_ok, w.cut_frames, w.abnormal_closure), (Some(true), 1, true));
}
