use super::*;
use crate::tcp::reasm::Piece;
use crate::tcp::stream::StreamFeeder;
use wirelens_dissectors::tree::Tree;

/// A conversation: (side, bytes, time in ms) in the order they are sent.
type Conv<'a> = Vec<(Side, &'a [u8], i64)>;

/// What came out: each PDU with the frame it was given on.
struct Run {
    pdus: Vec<(u64, AppPdu)>,
    conv: HttpConv,
    frames: u64,
    feeder_waiting: [bool; 2],
}

/// Sends each message cut into segments of `seg` bytes (0: whole), one frame each.
fn run(conv: &Conv<'_>, seg: usize, fin: bool) -> Run {
    let mut f = StreamFeeder::new(HttpConv::new(), 1 << 20);
    let mut off = [0u64; 2];
    let mut frame = 0u64;
    let mut pdus = Vec::new();
    for (side, bytes, t) in conv {
        let step = if seg == 0 { bytes.len().max(1) } else { seg };
        for piece in bytes.chunks(step) {
            frame += 1;
            let i = side.index();
            f.push(
                *side,
                &Piece::Data {
                    offset: off[i],
                    bytes: piece.to_vec(),
                    frame,
                },
                frame,
                t * 1_000_000 + frame as i64,
            );
            off[i] += piece.len() as u64;
            let mut out = Vec::new();
            f.dissector.take_pdus(&mut out);
            pdus.extend(out.into_iter().map(|p| (frame, p)));
        }
    }
    if fin {
        frame += 1;
        f.end(Side::Server, frame, 999_000_000_000);
        let mut out = Vec::new();
        f.dissector.take_pdus(&mut out);
        pdus.extend(out.into_iter().map(|p| (frame, p)));
    }
    let feeder_waiting = [f.waiting(Side::Client), f.waiting(Side::Server)];
    assert!(!f.rejected, "rejected");
    Run {
        pdus,
        conv: f.dissector,
        frames: frame,
        feeder_waiting,
    }
}

fn bytes(p: &AppPdu) -> Vec<u8> {
    p.data(&[]).to_vec()
}

fn node<'a>(p: &'a AppPdu, name: &str) -> Option<&'a AnnotNode> {
    p.nodes.iter().find(|n| n.name == name)
}

fn uint(p: &AppPdu, name: &str) -> Option<u64> {
    node(p, name).and_then(|n| match n.value {
        Value::UInt(v) => Some(v),
        _ => None,
    })
}

fn summary(c: &HttpConv) -> FlowSummary {
    let mut s = FlowSummary {
        proto: "tcp",
        first_closer: Some("server"),
        end: "ended",
        ..Default::default()
    };
    c.summarize(&mut s);
    s
}

/// The PDUs' content, without what depends on segmentation (frames, times).
fn shape(r: &Run) -> Vec<(AppProto, bool, u64, Vec<u8>)> {
    r.pdus
        .iter()
        .map(|(_, p)| (p.proto, p.from_client, p.stream_offset, bytes(p)))
        .collect()
}

const REQ: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n<html></html>";

#[test]
fn results_do_not_depend_on_segmentation() {
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n";
    let post = b"POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd";
    let c: Conv = vec![
        (Side::Client, REQ, 0),
        (Side::Server, &RESP[..RESP.len() - 1], 10),
        (Side::Server, &RESP[RESP.len() - 1..], 11),
        (Side::Client, post, 20),
        (Side::Server, chunked, 30),
    ];
    let whole = run(&c, 0, false);
    assert_eq!(whole.pdus.len(), 4, "{:?}", shape(&whole));
    let want = shape(&whole);
    for seg in 1..40 {
        assert_eq!(shape(&run(&c, seg, false)), want, "segments of {seg} bytes");
    }
    // The response's 12-byte Content-Length leaves one byte: it starts no message.
    let s = summary(&whole.conv);
    let tx = s.http.unwrap();
    assert_eq!(tx.len(), 2);
    assert_eq!(tx[0].status, Some(200));
    assert_eq!(tx[1].request_body, 4);
    assert!(tx[1].chunked);
    assert_eq!(s.app.as_deref(), Some("http"));
    assert_eq!(s.http_conn.unwrap().skipped_bytes, 1);
}

#[test]
fn every_cut_of_a_conversation() {
    let resp2 = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!";
    let mut client = REQ.to_vec();
    client.extend_from_slice(b"GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let mut server = RESP.to_vec();
    server.pop();
    server.extend_from_slice(resp2);
    let whole = run(&vec![(Side::Client, &client, 0), (Side::Server, &server, 5)], 0, false);
    let want = shape(&whole);
    assert_eq!(want.len(), 4);
    for cut in 1..client.len().max(server.len()) {
        let (a, b) = client.split_at(cut.min(client.len()));
        let (x, y) = server.split_at(cut.min(server.len()));
        let c: Conv = vec![
            (Side::Client, a, 0),
            (Side::Client, b, 1),
            (Side::Server, x, 5),
            (Side::Server, y, 6),
        ];
        let r = run(&c, 0, false);
        let mut got = shape(&r);
        // Same messages; both requests may come before both responses.
        got.sort_by_key(|g| (g.1, g.2));
        let mut w = want.clone();
        w.sort_by_key(|g| (g.1, g.2));
        assert_eq!(got, w, "cut at {cut}");
    }
}

#[test]
fn pairing_numbers_and_times_like_tshark() {
    let c: Conv = vec![
        (Side::Client, REQ, 0),
        (Side::Server, RESP, 70),
        (Side::Client, REQ, 100),
        (Side::Server, RESP, 150),
    ];
    let r = run(&c, 0, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    assert_eq!(p.len(), 4);
    assert_eq!(uint(p[0], "http.request_number"), Some(1));
    assert_eq!(uint(p[1], "http.response_number"), Some(1));
    assert_eq!(uint(p[1], "http.request_in"), Some(1));
    assert!(matches!(node(p[1], "http.time").map(|n| &n.value), Some(Value::Duration(d)) if *d == 70_000_001));
    assert_eq!(uint(p[2], "http.prev_request_in"), Some(1));
    assert_eq!(uint(p[3], "http.prev_response_in"), Some(2));
    assert_eq!(uint(p[3], "http.prev_request_in"), Some(1));
    assert_eq!(uint(p[3], "http.request_in"), Some(3));
    // Single-frame messages lie wholly in their frame.
    assert!(p.iter().all(|x| x.segments.is_empty()));
    let mut late = Vec::new();
    let mut conv = r.conv;
    conv.take_late(&mut late);
    let names: Vec<(u64, &str)> = late.iter().map(|l| (l.frame, l.node.name)).collect();
    assert_eq!(
        names,
        [
            (1, "http.response_in"),
            (1, "http.next_request_in"),
            (3, "http.response_in")
        ]
    );
    let s = summary(&conv);
    let f = s.http_conn.unwrap();
    assert!(f.keep_alive);
    assert_eq!(f.requests, 2);
    assert_eq!(s.http.unwrap()[0].ttfb_ms, Some(70.0));
}

#[test]
fn pipelined_requests_pair_in_order_with_head_of_line_wait() {
    let mut reqs = Vec::new();
    for u in ["/a", "/b", "/c"] {
        reqs.extend_from_slice(format!("GET {u} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes());
    }
    let r1 = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA";
    let r2 = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB";
    let r3 = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC";
    let c: Conv = vec![
        (Side::Client, &reqs, 0),
        (Side::Server, r1, 100),
        (Side::Server, r2, 300),
        (Side::Server, r3, 350),
    ];
    let r = run(&c, 0, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    assert_eq!(p.len(), 6);
    // Three requests on frame 1, then one response per frame.
    assert_eq!(r.pdus.iter().filter(|x| x.0 == 1).count(), 3);
    assert!(node(p[1], "wirelens.http.pipelined").is_some());
    for (i, resp) in p[3..].iter().enumerate() {
        assert_eq!(uint(resp, "http.response_number"), Some(i as u64 + 1));
        let uri = match &node(resp, "http.response_for.uri").unwrap().value {
            Value::Str(s) => s.to_string(),
            _ => String::new(),
        };
        assert_eq!(uri, format!("http://h/{}", ["a", "b", "c"][i]));
    }
    assert!(node(p[4], "wirelens.http.hol_wait").is_some());
    let s = summary(&r.conv);
    let tx = s.http.unwrap();
    assert!(!tx[0].pipelined && tx[1].pipelined && tx[2].pipelined);
    // /b was complete at t=0 and its answer could start only when /a's ended (t=100 ms).
    assert_eq!(tx[1].waited_ms.map(|w| w.round()), Some(100.0));
    assert_eq!(tx[2].waited_ms.map(|w| w.round()), Some(300.0));
    assert_eq!(s.http_conn.unwrap().pipelined, 2);
}

#[test]
fn no_body_for_head_304_204_and_until_close() {
    let reqs = b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /n HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"v1\"\r\n\r\nDELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET /close HTTP/1.0\r\n\r\n";
    let resps = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
    let c: Conv = vec![(Side::Client, reqs, 0), (Side::Server, resps, 10)];
    for seg in [0, 7] {
        let r = run(&c, seg, true);
        let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
        assert_eq!(p.len(), 8, "seg {seg}");
        assert!(bytes(p[4]).ends_with(b"1000\r\n\r\n"));
        assert!(node(p[5], "wirelens.http.not_modified").is_some());
        assert!(bytes(p[7]).ends_with(b"until the end"));
        // The body delimited by the close belongs to the FIN frame.
        assert_eq!(r.pdus[7].0, r.frames);
        assert_eq!(p[7].segments.last(), Some(&(r.frames, 0)));
        let mut t = Tree::new();
        wirelens_dissectors::app::http::tree(&mut t, &bytes(p[7]), 0);
        assert!(t.find("http.file_data").next().is_some());
    }
}

#[test]
fn chunked_gzip_and_a_big_body() {
    use std::io::Write;
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    g.write_all(&b"<p>hello</p>".repeat(50)).unwrap();
    let gz = g.finish().unwrap();
    let mut resp =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for part in gz.chunks(40) {
        resp.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    let big_len = BODY_KEEP + 100_000;
    let mut big = format!("HTTP/1.1 200 OK\r\nContent-Length: {big_len}\r\n\r\n").into_bytes();
    let head_len = big.len();
    big.resize(head_len + big_len, b'x');
    let c: Conv = vec![
        (Side::Client, REQ, 0),
        (Side::Server, &resp, 1),
        (Side::Client, REQ, 2),
        (Side::Server, &big, 3),
    ];
    let r = run(&c, 1460, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    assert_eq!(p.len(), 4);
    assert_eq!(bytes(p[1]), resp);
    let mut t = Tree::new();
    wirelens_dissectors::app::http::tree(&mut t, &resp, 0);
    let fd = t.find("http.file_data").next().unwrap().1;
    assert_eq!(fd.len, 600);
    assert_eq!(bytes(p[3]).len(), head_len + BODY_KEEP);
    assert!(node(p[3], "wirelens.http.body_cut").is_some());
    let kept: u64 = p[3].segments.iter().map(|s| u64::from(s.1)).sum();
    assert_eq!(kept as usize, head_len + BODY_KEEP);
    let s = summary(&r.conv);
    assert_eq!(s.http.unwrap()[1].response_body, big_len as u64);
}

#[test]
fn oversized_head_is_reported_and_skipped() {
    let mut huge = b"GET /big HTTP/1.1\r\nHost: h\r\n".to_vec();
    while huge.len() < 70_000 {
        huge.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    huge.extend_from_slice(b"\r\n");
    let c: Conv = vec![
        (Side::Client, REQ, 0),
        (Side::Server, RESP, 1),
        (Side::Client, &huge, 2),
        (Side::Client, REQ, 3),
    ];
    let r = run(&c, 1000, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    let bad: Vec<&&AppPdu> = p
        .iter()
        .filter(|x| node(x, "wirelens.http.bad_head").is_some())
        .collect();
    assert_eq!(bad.len(), 1);
    assert!(bytes(bad[0]).len() <= HeadLimits::default().max_head);
    // The next request is found again.
    assert!(bytes(p.last().unwrap()) == REQ);
    assert_eq!(summary(&r.conv).http_conn.unwrap().malformed, 1);
}

#[test]
fn server_sent_events_each_event_a_message() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    let ev1 = b"id: 1\nevent: tick\ndata: one\n\n";
    let ev2 = b"data: two\ndata: lines\n\n";
    let mut body = Vec::new();
    body.extend_from_slice(format!("{:x}\r\n", ev1.len() + 4).as_bytes());
    body.extend_from_slice(ev1);
    body.extend_from_slice(b"data");
    body.extend_from_slice(format!("\r\n{:x}\r\n", ev2.len() - 4).as_bytes());
    body.extend_from_slice(&ev2[4..]);
    body.extend_from_slice(b"\r\n0\r\n\r\n");
    let c: Conv = vec![
        (
            Side::Client,
            b"GET /events HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n",
            0,
        ),
        (Side::Server, head, 10),
        (Side::Server, &body, 20),
    ];
    let want = {
        let r = run(&c, 0, false);
        shape(&r)
    };
    for seg in [0, 3, 11] {
        let r = run(&c, seg, false);
        assert_eq!(shape(&r), want);
        let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
        assert_eq!(p.len(), 4, "{:?}", shape(&r));
        assert_eq!(p[1].proto, AppProto::Http);
        assert_eq!(bytes(p[1]), head);
        assert_eq!(p[2].proto, AppProto::Sse);
        assert_eq!(bytes(p[2]), ev1);
        assert_eq!(bytes(p[3]), ev2);
        let n: u64 = p[3].segments.iter().map(|s| u64::from(s.1)).sum();
        assert!(p[3].segments.is_empty() || n == ev2.len() as u64);
        let s = summary(&r.conv);
        assert_eq!(s.app.as_deref(), Some("sse"));
        assert_eq!(s.http_conn.as_ref().unwrap().sse_events, 2);
        assert_eq!(s.http_conn.unwrap().push, Some("sse"));
    }
}

#[test]
fn websocket_upgrade_stops_at_the_101() {
    let req = b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let mut resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".to_vec();
    let head_len = resp.len();
    resp.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
    let mut client = req.to_vec();
    client.extend_from_slice(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
    let c: Conv = vec![(Side::Client, &client, 0), (Side::Server, &resp, 10)];
    let mut r = run(&c, 0, false);
    assert_eq!(r.pdus.len(), 2);
    assert_eq!(bytes(&r.pdus[1].1).len(), head_len);
    assert_eq!(bytes(&r.pdus[0].1), req);
    assert_eq!(
        r.feeder_waiting,
        [true, true],
        "the frames after the handshake stay for the WebSocket dissector"
    );
    let u = r.conv.take_upgrade().unwrap();
    assert_eq!(u.key.as_deref(), Some("dGhlIHNhbXBsZSBub25jZQ=="));
    assert_eq!(u.accept.as_deref(), Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assert_eq!((u.request_frame, u.response_frame), (1, 2));
    assert!(r.conv.switched());
    assert_eq!(
        summary(&r.conv).http_conn.unwrap().switched_to.as_deref(),
        Some("websocket")
    );
    // A refused upgrade goes on with HTTP.
    let c: Conv = vec![
        (Side::Client, req, 0),
        (
            Side::Server,
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            1,
        ),
        (Side::Client, REQ, 2),
    ];
    let r = run(&c, 0, false);
    assert_eq!(r.pdus.len(), 3);
}

#[test]
fn interim_100_continue_and_lessons() {
    let c: Conv = vec![
        (
            Side::Client,
            b"POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
            0,
        ),
        (Side::Server, b"HTTP/1.1 100 Continue\r\n\r\n", 1),
        (Side::Client, b"hello", 2),
        (
            Side::Server,
            b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            3,
        ),
    ];
    let r = run(&c, 0, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    assert_eq!(p.len(), 3);
    assert!(node(p[0], "wirelens.http.interim_for").is_some());
    assert!(node(p[1], "wirelens.http.expect_continue").is_some());
    let e = node(p[2], "wirelens.http.error_status").unwrap();
    assert!(e.text.as_deref().unwrap().contains("larger than the server's limit"));
    assert!(e.text.as_deref().unwrap().contains("5-byte body"));
    let s = summary(&r.conv);
    assert_eq!(s.http.as_ref().unwrap().len(), 1);
    assert_eq!(s.http_conn.unwrap().close_requested_by, Some("server"));
}

#[test]
fn redirects_caching_and_cors() {
    let c: Conv = vec![
        (Side::Client, b"OPTIONS /api HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: PUT\r\n\r\n", 0),
        (Side::Server, b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://a.example\r\nAccess-Control-Allow-Methods: PUT\r\n\r\n", 1),
        (Side::Client, b"PUT /api HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\nContent-Length: 0\r\n\r\n", 2),
        (Side::Server, b"HTTP/1.1 308 Permanent Redirect\r\nLocation: /api2\r\nCache-Control: max-age=60\r\nETag: W/\"x\"\r\nContent-Length: 0\r\n\r\n", 3),
    ];
    let r = run(&c, 0, false);
    let p: Vec<&AppPdu> = r.pdus.iter().map(|x| &x.1).collect();
    assert!(node(p[0], "wirelens.http.cors_preflight").is_some());
    assert!(node(p[1], "wirelens.http.cors").is_some());
    assert!(node(p[2], "wirelens.http.cors_request")
        .unwrap()
        .text
        .as_deref()
        .unwrap()
        .contains("preflighted"));
    let red = node(p[3], "wirelens.http.redirect").unwrap().text.clone().unwrap();
    assert!(red.contains("permanent") && red.contains("same method"), "{red}");
    let cache = node(p[3], "wirelens.http.caching").unwrap();
    assert!(cache
        .children
        .iter()
        .any(|c| c.text.as_deref().unwrap().contains("weak")));
}

#[test]
fn polling_is_recognised() {
    let poll = b"GET /status HTTP/1.1\r\nHost: h\r\n\r\n";
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    let mut c: Conv = Vec::new();
    for i in 0..5 {
        c.push((Side::Client, poll, i * 2000));
        c.push((Side::Server, ok, i * 2000 + 20));
    }
    let r = run(&c, 0, false);
    let f = summary(&r.conv).http_conn.unwrap();
    assert_eq!(f.push, Some("short_polling"));
    assert_eq!(f.poll_interval_ms, Some(2000.0));
    assert!(r
        .pdus
        .iter()
        .any(|(_, p)| node(p, "wirelens.http.short_poll").is_some()));
    let mut c: Conv = Vec::new();
    for i in 0..3 {
        c.push((Side::Client, poll, i * 30_000));
        c.push((Side::Server, ok, i * 30_000 + 29_000));
    }
    let r = run(&c, 0, false);
    assert_eq!(summary(&r.conv).http_conn.unwrap().push, Some("long_polling"));
    assert!(r.pdus.iter().any(|(_, p)| node(p, "wirelens.http.long_poll").is_some()));
}

#[test]
fn not_http_and_garbage() {
    let mut f = StreamFeeder::new(HttpConv::new(), 1 << 16);
    f.push(
        Side::Client,
        &Piece::Data {
            offset: 0,
            bytes: vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01],
            frame: 1,
        },
        1,
        0,
    );
    assert!(f.rejected);
    assert!(looks_like_http(REQ));
    assert!(!looks_like_http(b"\x16\x03\x01\x00"));
    // Pseudo-random garbage and truncations never panic.
    let mut x: u32 = 12345;
    let mut noise = Vec::new();
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push(
            b"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n:\r\n0123456789abcdef;x\xff"
                [(x % 71) as usize],
        );
    }
    for seg in [1, 5, 64, 1000] {
        let c: Conv = vec![
            (Side::Client, &noise, 0),
            (Side::Server, &noise, 1),
            (Side::Client, REQ, 2),
        ];
        let mut f = StreamFeeder::new(HttpConv::new(), 1 << 16);
        let mut off = [0u64; 2];
        for (k, (side, b, _)) in c.iter().enumerate() {
            for piece in b.chunks(seg) {
                f.push(
                    *side,
                    &Piece::Data {
                        offset: off[side.index()],
                        bytes: piece.to_vec(),
                        frame: k as u64,
                    },
                    k as u64,
                    0,
                );
                off[side.index()] += piece.len() as u64;
            }
        }
        f.dissector.gap(Side::Server, 0, 10);
        f.end(Side::Server, 99, 0);
        let mut out = Vec::new();
        f.dissector.take_pdus(&mut out);
        for p in &out {
            let mut t = Tree::new();
            wirelens_dissectors::app::http::tree(&mut t, p.data(&[]), 0);
            let mut i = String::new();
            wirelens_dissectors::app::http::info(p.data(&[]), &mut i);
        }
        let _ = summary(&f.dissector);
    }
}

#[test]
fn gaps_resynchronise() {
    let mut f = StreamFeeder::new(HttpConv::new(), 1 << 16);
    let push = |f: &mut StreamFeeder<HttpConv>, off: u64, b: &[u8], frame: u64| {
        f.push(
            Side::Server,
            &Piece::Data {
                offset: off,
                bytes: b.to_vec(),
                frame,
            },
            frame,
            0,
        )
    };
    f.push(
        Side::Client,
        &Piece::Data {
            offset: 0,
            bytes: [REQ, REQ].concat(),
            frame: 1,
        },
        1,
        0,
    );
    push(&mut f, 0, &RESP[..30], 2);
    f.push(Side::Server, &Piece::Gap { offset: 30, len: 20 }, 3, 0);
    let mut b = RESP[50..].to_vec();
    b.extend_from_slice(RESP);
    push(&mut f, 50, &b, 4);
    let mut out = Vec::new();
    f.dissector.take_pdus(&mut out);
    // Two requests, and the second response found after the gap.
    assert_eq!(out.len(), 3);
    // (RESP has one byte more than its Content-Length.)
    assert!(out[2].data(&[]) == &RESP[..RESP.len() - 1]);
}
