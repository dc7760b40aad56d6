use super::*;

/// A frame as a sender writes it.
pub(crate) fn frame(op: u8, payload: &[u8], fin: bool, mask: Option<[u8; 4]>, rsv: u8) -> Vec<u8> {
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
        unmask(&mut p, k, 0);
    }
    v.extend_from_slice(&p);
    v
}

const K: [u8; 4] = [0x11, 0x22, 0x33, 0x44];

fn build(data: &[u8]) -> Tree {
    let mut t = Tree::new();
    tree(&mut t, data, 0);
    t
}

fn vals(t: &Tree, data: &[u8], name: &str) -> Vec<String> {
    t.find(name).map(|(id, _)| t.field_string(id, data)).collect()
}

fn lines(t: &Tree, data: &[u8]) -> String {
    let mut s = String::new();
    t.render_text(&mut s, data);
    s
}

fn info_of(data: &[u8]) -> String {
    let mut s = String::new();
    info(data, &mut s);
    s
}

#[test]
fn lengths_in_their_three_forms() {
    for (n, hl, len7) in [
        (0usize, 2usize, 0u8),
        (125, 2, 125),
        (126, 4, 126),
        (65535, 4, 126),
        (65536, 10, 127),
    ] {
        let f = frame(OP_BINARY, &vec![7; n], true, None, 0);
        let h = Header::parse(&f).unwrap();
        assert_eq!((h.payload_len, h.header_len, h.len7), (n as u64, hl, len7));
        assert_eq!(frame_len(&f), Ok((hl + n) as u64));
        assert!(!h.length_not_minimal());
        let m = frame(OP_BINARY, &vec![7; n], true, Some(K), 0);
        assert_eq!(Header::parse(&m).unwrap().header_len, hl + 4);
        assert_eq!(Header::parse(&m).unwrap().mask_key, Some(K));
    }
    // Every cut of a header asks for exactly the missing bytes.
    let f = frame(OP_TEXT, &vec![b'a'; 70000], true, Some(K), 0);
    for cut in 0..14 {
        let want = if cut < 2 { 2 - cut } else { 14 - cut };
        assert_eq!(frame_len(&f[..cut]), Err(want), "cut {cut}");
    }
    assert_eq!(frame_len(&f[..14]), Ok(70014));
    // A 64-bit length past any memory is reported, not trusted.
    let huge = [0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(frame_len(&huge), Ok(u64::MAX));
    let t = build(&huge);
    assert_eq!(
        vals(&t, &huge, "websocket.payload_length_ext_64"),
        ["18446744073709551615"]
    );
    assert!(t.experts().any(|(_, e)| e.code == "wirelens.websocket.length_msb_set"));
    assert!(t.find("wirelens.websocket.payload_partial").next().is_some());
    // 126 announcing 5 bytes is legal to parse but not minimal.
    let odd = [0x81, 126, 0, 5, b'h', b'e', b'l', b'l', b'o'];
    assert!(Header::parse(&odd).unwrap().length_not_minimal());
    let t = build(&odd);
    assert!(t
        .experts()
        .any(|(_, e)| e.code == "wirelens.websocket.length_not_minimal"));
    assert_eq!(vals(&t, &odd, "websocket.payload.text"), ["hello"]);
}

#[test]
fn unmasking_piecewise_equals_whole() {
    let data: Vec<u8> = (0..=255).collect();
    let mut whole = data.clone();
    unmask(&mut whole, K, 0);
    for cut in 0..data.len() {
        let mut a = data[..cut].to_vec();
        let mut b = data[cut..].to_vec();
        unmask(&mut a, K, 0);
        unmask(&mut b, K, cut as u64);
        a.extend(b);
        assert_eq!(a, whole);
    }
}

#[test]
fn masked_text_frame_like_tshark() {
    let f = frame(OP_TEXT, b"Hello Zeek!", true, Some([0xa4, 0xb1, 0xf4, 0x0b]), 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.fin"), ["1"]);
    assert_eq!(vals(&t, &f, "websocket.rsv"), ["0"]);
    assert_eq!(vals(&t, &f, "websocket.opcode"), ["1"]);
    assert_eq!(vals(&t, &f, "websocket.mask"), ["1"]);
    assert_eq!(vals(&t, &f, "websocket.payload_length"), ["11"]);
    assert_eq!(vals(&t, &f, "websocket.masking_key"), ["a4b1f40b"]);
    assert_eq!(vals(&t, &f, "websocket.payload.text"), ["Hello Zeek!"]);
    assert_eq!(t.sources.len(), 1);
    assert_eq!(t.sources[0].name, "Unmasked data");
    assert_eq!(t.sources[0].data, b"Hello Zeek!");
    let text = lines(&t, &f);
    let want = "WebSocket
    1... .... = Fin: True
    .000 .... = Reserved: 0x0
    .... 0001 = Opcode: Text (1)
    1... .... = Mask: True
    .000 1011 = Payload length: 11
    Masking-Key: a4b1f40b
    Masked payload
    Payload
        Text: Hello Zeek!
Line-based text data (1 lines)
    Hello Zeek!
";
    assert_eq!(text, want);
    assert_eq!(info_of(&f), "WebSocket Text [FIN] [MASKED]");
}

#[test]
fn extended_lengths_and_binary_data() {
    let f = frame(OP_BINARY, &[0u8; 527], true, None, 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload_length"), ["126"]);
    assert_eq!(vals(&t, &f, "websocket.payload_length_ext_16"), ["527"]);
    assert_eq!(vals(&t, &f, "data.len"), ["527"]);
    assert!(lines(&t, &f).contains(".111 1110 = Payload length: 126 Extended Payload Length (16 bits)\n    Extended Payload length (16 bits): 527\n    Payload\nData (527 bytes)\n"));
    let f = frame(OP_BINARY, &[1u8; 70000], true, None, 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload_length"), ["127"]);
    assert_eq!(vals(&t, &f, "websocket.payload_length_ext_64"), ["70000"]);
    assert_eq!(info_of(&f), "WebSocket Binary [FIN] ");
}

#[test]
fn close_codes_reasons_and_their_checks() {
    for (code, name) in [
        (1000u16, "Normal Closure"),
        (1001, "Going Away"),
        (1002, "Protocol error"),
        (1003, "Unsupported Data"),
        (1005, "No Status Rcvd"),
        (1006, "Abnormal Closure"),
        (1007, "Invalid frame payload data"),
        (1008, "Policy Violation"),
        (1009, "Message Too Big"),
        (1010, "Mandatory Ext."),
        (1011, "Internal Server"),
        (1015, "TLS handshake"),
        (999, "Unknown"),
        (4000, "Unknown"),
    ] {
        let mut p = code.to_be_bytes().to_vec();
        p.extend_from_slice(b"why");
        let f = frame(OP_CLOSE, &p, true, Some(K), 0);
        let t = build(&f);
        assert_eq!(vals(&t, &f, "websocket.payload.close.status_code"), [code.to_string()]);
        assert_eq!(vals(&t, &f, "websocket.payload.close.reason"), ["why"]);
        assert!(lines(&t, &f).contains(&format!("            Status code: {name} ({code})\n")));
        let bad = t
            .experts()
            .any(|(_, e)| e.code == "wirelens.websocket.close_code_invalid");
        assert_eq!(bad, !close_code_sendable(code), "{code}");
        assert_eq!(info_of(&f), "WebSocket Connection Close [FIN] [MASKED]");
    }
    assert!(close_code_sendable(1000) && close_code_sendable(4999) && !close_code_sendable(1005));
    // An empty close has no payload nodes; a 1-byte close is malformed.
    let f = frame(OP_CLOSE, b"", true, None, 0);
    let t = build(&f);
    assert!(t.find("websocket.payload").next().is_none());
    let f = frame(OP_CLOSE, b"\x03", true, None, 0);
    let t = build(&f);
    assert!(t.find("websocket.payload.close").next().is_some());
    assert!(t.experts().any(|(_, e)| e.code == "wirelens.websocket.close_too_short"));
}

#[test]
fn control_frames_ping_pong_and_violations() {
    let f = frame(OP_PING, b"Zeek", true, None, 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload.ping"), ["5a65656b"]);
    assert_eq!(info_of(&f), "WebSocket Ping [FIN] ");
    let f = frame(OP_PONG, b"Zeek", true, Some(K), 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload.pong"), ["5a65656b"]);
    assert_eq!(info_of(&f), "WebSocket Pong [FIN] [MASKED]");
    let f = frame(OP_PING, &[b'p'; 130], true, None, 0);
    let t = build(&f);
    assert!(t
        .experts()
        .any(|(_, e)| e.code == "wirelens.websocket.control_too_long"));
    assert!(lines(&t, &f)
        .contains("Ping: 707070707070707070707070707070707070707070707070707070707070707070707070\u{2026}"));
    let f = frame(OP_CLOSE, b"\x03\xe8bye", false, Some(K), 0);
    let t = build(&f);
    assert!(t
        .experts()
        .any(|(_, e)| e.code == "wirelens.websocket.control_fragmented"));
    assert_eq!(vals(&t, &f, "websocket.payload.close.reason"), ["bye"]);
    assert_eq!(info_of(&f), "WebSocket Connection Close[FRAGMENT]  [MASKED]");
    for op in [3u8, 7, 11, 15] {
        let f = frame(op, b"xyz", true, None, 0);
        let t = build(&f);
        assert_eq!(vals(&t, &f, "websocket.payload.unknown"), ["78797a"]);
        assert!(t.experts().any(|(_, e)| e.code == "websocket.payload.unknown.expert"));
        assert!(t.experts().any(|(_, e)| e.code == "wirelens.websocket.reserved_opcode"));
        assert!(lines(&t, &f).contains(&format!("Opcode: Unknown ({op})")));
        assert_eq!(info_of(&f), "WebSocket Unknown Opcode [FIN] ");
    }
}

#[test]
fn fragments_and_compressed_frames_are_left_to_the_engine() {
    let f = frame(OP_TEXT, b"part1", false, Some(K), 0);
    let t = build(&f);
    assert!(t.find("websocket.payload.text").next().is_none());
    assert!(t.find("websocket.payload").next().is_some());
    assert_eq!(info_of(&f), "WebSocket Text[FRAGMENT]  [MASKED]");
    let f = frame(OP_CONTINUATION, b"part2", false, Some(K), 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload.continue"), ["7061727432"]);
    assert_eq!(info_of(&f), "WebSocket Continuation[FRAGMENT]  [MASKED]");
    let f = frame(OP_CONTINUATION, b"end", true, None, 0);
    let t = build(&f);
    assert!(t.find("websocket.payload.continue").next().is_none());
    assert_eq!(info_of(&f), "WebSocket Continuation [FIN] ");
    let f = frame(OP_BINARY, b"\x00\x01bin", false, None, 0);
    assert_eq!(info_of(&f), "WebSocket Binary[FRAGMENT]  ");
    assert!(build(&f).find("data").next().is_none());
    let f = frame(OP_TEXT, b"\xf2\x48\xcd\xc9\xc9\x07\x00", true, None, 4);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.rsv"), ["4"]);
    assert!(t.find("websocket.payload.text").next().is_none());
    // Empty payloads have no payload nodes, as in tshark.
    let f = frame(OP_TEXT, b"", true, None, 0);
    assert!(build(&f).find("websocket.payload").next().is_none());
}

#[test]
fn text_lines_and_invalid_utf8() {
    let f = frame(OP_TEXT, b"line1\nline2\r\nline3", true, None, 0);
    let t = build(&f);
    let s = lines(&t, &f);
    assert!(
        s.contains("Line-based text data (3 lines)\n    line1\\n\n    line2\\r\\n\n    line3\n"),
        "{s}"
    );
    let f = frame(OP_TEXT, b"bad \xff\xfe utf8", true, None, 0);
    let t = build(&f);
    assert_eq!(vals(&t, &f, "websocket.payload.text"), ["bad \u{fffd}\u{fffd} utf8"]);
}

#[test]
fn in_a_larger_buffer_at_an_offset() {
    let mut data = b"0123456789".to_vec();
    let f = frame(OP_TEXT, b"hi", true, Some(K), 0);
    data.extend_from_slice(&f);
    let mut t = Tree::new();
    let root = tree(&mut t, &data, 10);
    let n = t.node(root).unwrap();
    assert_eq!(n.span(), 10..10 + f.len());
    let (id, _) = t.find("websocket.masking_key").next().unwrap();
    assert_eq!(t.node(id).unwrap().span(), 12..16);
    assert_eq!(vals(&t, &data, "websocket.payload.text"), ["hi"]);
}

#[test]
fn every_truncation_and_garbage_is_survived() {
    let frames = [
        frame(OP_TEXT, b"Hello", true, Some(K), 0),
        frame(OP_BINARY, &[9; 300], true, Some(K), 0),
        frame(OP_CLOSE, b"\x03\xe9going", true, None, 0),
        frame(OP_PING, &[1; 70000], false, Some(K), 7),
    ];
    for f in &frames {
        for cut in 0..f.len().min(400) {
            let t = build(&f[..cut]);
            assert!(!t.is_empty());
            let _ = lines(&t, &f[..cut]);
            let _ = info_of(&f[..cut]);
        }
    }
    let mut x: u32 = 12345;
    for _ in 0..2000 {
        let n = (x % 40) as usize;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push((x >> 16) as u8);
        }
        let t = build(&v);
        let _ = lines(&t, &v);
        let _ = info_of(&v);
        let mut t = Tree::new();
        tree(&mut t, &v, n + 5);
    }
}
