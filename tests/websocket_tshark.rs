//! WebSocket against tshark, frame by frame: the WebSocket captures of
//! ../shared/corpus (and a crafted one with fragmentation, permessage-deflate,
//! control frames and odd lengths) are reassembled here, the HTTP upgrade is
//! located, the bytes after it are fed to `WsConv` through a `StreamFeeder`,
//! and the `websocket.*` fields of the PDUs each frame completed are
//! compared with `tshark -T fields`. Skipped when tshark or the corpus is
//! absent. Prints the agreement and the disagreements.
//!
//! Known differences, where tshark 4.0 is wrong: it does not keep the
//! permessage-deflate context between messages (a message referring to an
//! earlier one's window shows "Decompression failed") and shows a fragmented
//! compressed message still compressed; those cells are counted apart.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use wirelens::app::websocket::{handshake_nodes, WsConv};
use wirelens::app::{AppStream, Upgrade};
use wirelens::capture::FileReader;
use wirelens::tcp::reasm::{Piece, Reassembler};
use wirelens::tcp::state::Side;
use wirelens::tcp::stream::StreamFeeder;
use wirelens_dissectors::net::frag::FragLimits;
use wirelens_dissectors::{AppPdu, Decoder, FrameMeta, Tree};

const FIELDS: &[&str] = &[
    "websocket.fin",
    "websocket.rsv",
    "websocket.opcode",
    "websocket.mask",
    "websocket.payload_length",
    "websocket.payload_length_ext_16",
    "websocket.payload_length_ext_64",
    "websocket.masking_key",
    "websocket.pmc",
    "websocket.payload.text",
    "websocket.payload.close.status_code",
    "websocket.payload.close.reason",
    "websocket.payload.ping",
    "websocket.payload.pong",
    "websocket.payload.unknown",
    "websocket.payload.continue",
    "websocket.fragment",
    "websocket.fragment.count",
    "websocket.reassembled.length",
    "_ws.col.Info",
];

const AGG: char = '\u{1f}';

/// One direction of a connection before and after the upgrade.
#[derive(Default)]
struct DirBuf {
    /// Bytes seen so far while still HTTP, and the frames that carried them.
    http: Vec<u8>,
    runs: Vec<(u64, u32, u64)>,
    base: u64,
    /// Where the HTTP head ends (stream offset), once found.
    head_end: Option<u64>,
}

struct Conn {
    client: (IpAddr, u16),
    reasm: [Reassembler; 2],
    dirs: [DirBuf; 2],
    ws: Option<StreamFeeder<WsConv>>,
}

fn header(head: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Our values for one frame: field -> values in tree order.
type Cells = BTreeMap<&'static str, Vec<String>>;

fn escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c => o.push(c),
        }
    }
    o
}

fn norm(v: &str) -> String {
    if let Some(h) = v.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return n.to_string();
        }
    }
    match v {
        "True" | "true" => "1".into(),
        "False" | "false" => "0".into(),
        _ => v.to_string(),
    }
}

fn ours(frame_pdus: &[AppPdu]) -> Cells {
    let mut cells = Cells::new();
    for p in frame_pdus {
        let data = p.data(&[]).to_vec();
        let mut t = Tree::new();
        let root = wirelens_dissectors::app::tree(&mut t, p.proto, &data, 0);
        for n in &p.nodes {
            n.add_to(&mut t, Some(root));
        }
        for (id, n) in t.pre_order() {
            if let Some(f) = FIELDS.iter().find(|f| **f == n.name) {
                let v = t.field_string(id, &data);
                cells.entry(f).or_default().push(norm(&escape(&v)));
            }
        }
    }
    let mut info = String::new();
    wirelens_dissectors::app::infos(frame_pdus, &[], &mut info);
    if !frame_pdus.is_empty() {
        cells.insert("_ws.col.Info", vec![info]);
    }
    cells
}

/// Drives the conversations of one capture; returns the PDUs per frame and the handshake node count.
fn run_capture(path: &Path) -> (BTreeMap<u64, Vec<AppPdu>>, usize, Vec<wirelens::export::FlowSummary>) {
    let mut rd = FileReader::open(path).expect("open");
    let mut dec = Decoder::new(FragLimits::default());
    let mut conns: HashMap<(IpAddr, u16, IpAddr, u16), Conn> = HashMap::new();
    let mut pdus: BTreeMap<u64, Vec<AppPdu>> = BTreeMap::new();
    let mut handshakes = 0;
    let mut n = 0u64;
    while let Ok(Some(rec)) = rd.next_record() {
        n += 1;
        let meta = FrameMeta {
            number: n,
            ts_secs: rec.ts.secs,
            ts_nanos: rec.ts.nanos,
            caplen: rec.caplen,
            origlen: rec.origlen,
            linktype: rec.linktype,
            ..Default::default()
        };
        let ns = meta.ts_ns();
        let data = rec.data.to_vec();
        let d = dec.decode(&meta, &data);
        let (Some(ip), Some(tcp)) = (d.ip.as_ref(), d.tcp()) else {
            continue;
        };
        let (src, dst) = ((ip.src(), tcp.sport), (ip.dst(), tcp.dport));
        let key = if src <= dst {
            (src.0, src.1, dst.0, dst.1)
        } else {
            (dst.0, dst.1, src.0, src.1)
        };
        let syn = tcp.flags & 0x002 != 0;
        let ack = tcp.flags & 0x010 != 0;
        let conn = conns.entry(key).or_insert_with(|| Conn {
            // The SYN's sender, else the first sender.
            client: if syn && ack { dst } else { src },
            reasm: [Reassembler::new(1 << 20), Reassembler::new(1 << 20)],
            dirs: [DirBuf::default(), DirBuf::default()],
            ws: None,
        });
        let side = if src == conn.client { Side::Client } else { Side::Server };
        if syn {
            conn.reasm[side.index()].set_base(tcp.seq.wrapping_add(1));
        }
        let payload = d.l4_payload(&data).to_vec();
        let mut out = Vec::new();
        conn.reasm[side.index()].push(tcp.seq, &payload, n, &mut out);
        for piece in out {
            if let Some(f) = conn.ws.as_mut() {
                f.push(side, &piece, n, ns);
                continue;
            }
            let Piece::Data { offset, bytes, frame } = piece else {
                continue;
            };
            let db = &mut conn.dirs[side.index()];
            if db.http.is_empty() {
                db.base = offset;
            }
            db.runs.push((offset, bytes.len() as u32, frame));
            db.http.extend_from_slice(&bytes);
            if db.head_end.is_none() {
                if let Some(e) = find(&db.http, b"\r\n\r\n") {
                    db.head_end = Some(db.base + e as u64 + 4);
                }
            }
            // Both heads seen and the response is a 101: WebSocket from here.
            let (c, s) = (&conn.dirs[0], &conn.dirs[1]);
            let (Some(ce), Some(se)) = (c.head_end, s.head_end) else {
                continue;
            };
            if !s.http.starts_with(b"HTTP/1.1 101") {
                continue;
            }
            let req = &c.http[..(ce - c.base) as usize];
            let resp = &s.http[..(se - s.base) as usize];
            let up = Upgrade {
                request_frame: 0,
                response_frame: n,
                response_ns: ns,
                key: header(req, "Sec-WebSocket-Key"),
                accept: header(resp, "Sec-WebSocket-Accept"),
                protocol: header(resp, "Sec-WebSocket-Protocol"),
                extensions: header(resp, "Sec-WebSocket-Extensions"),
            };
            handshakes += handshake_nodes(&up).len();
            let mut f = StreamFeeder::new(WsConv::new(&up), wirelens::app::websocket::FEEDER_CAP_MIN);
            for (i, sd) in [Side::Client, Side::Server].into_iter().enumerate() {
                let db = &conn.dirs[i];
                let end = db.head_end.unwrap_or(db.base);
                for &(o, l, fr) in &db.runs {
                    let (a, b) = (o.max(end), o + u64::from(l));
                    if a < b {
                        let bytes = db.http[(a - db.base) as usize..(b - db.base) as usize].to_vec();
                        f.push(
                            sd,
                            &Piece::Data {
                                offset: a,
                                bytes,
                                frame: fr,
                            },
                            n,
                            ns,
                        );
                    }
                }
            }
            conn.ws = Some(f);
        }
        for c in conns.values_mut() {
            if let Some(f) = c.ws.as_mut() {
                let mut got = Vec::new();
                f.dissector.take_pdus(&mut got);
                if !got.is_empty() {
                    pdus.entry(n).or_default().extend(got);
                }
            }
        }
    }
    let mut sums = Vec::new();
    for c in conns.values() {
        if let Some(f) = &c.ws {
            let mut s = test_summary();
            f.dissector.summarize(&mut s);
            sums.push(s);
        }
    }
    (pdus, handshakes, sums)
}

fn test_summary() -> wirelens::export::FlowSummary {
    wirelens::export::FlowSummary {
        proto: "tcp",
        ..Default::default()
    }
}

fn tshark(path: &Path) -> Vec<Cells> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"])
        .arg(path)
        .args(["-T", "fields", "-E", "occurrence=a"]);
    cmd.arg("-E").arg(format!("aggregator={AGG}"));
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut cells = Cells::new();
            for (f, v) in FIELDS.iter().zip(l.split('\t')) {
                if !v.is_empty() {
                    cells.insert(f, v.split(AGG).map(norm).collect());
                }
            }
            // Info only where WebSocket wrote it; and only its WebSocket part.
            match cells
                .get("_ws.col.Info")
                .and_then(|v| v.first())
                .and_then(|i| i.find("WebSocket "))
            {
                Some(at) => {
                    let i = cells["_ws.col.Info"][0][at..].to_string();
                    cells.insert("_ws.col.Info", vec![i]);
                }
                None => {
                    cells.remove("_ws.col.Info");
                }
            }
            cells
        })
        .collect()
}

struct Score {
    agree: u64,
    cells: u64,
    per: BTreeMap<&'static str, (u64, u64)>,
    shown: Vec<String>,
}

fn compare(path: &Path, score: &mut Score) {
    let want = tshark(path);
    let (got, _, _) = run_capture(path);
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    for (i, w) in want.iter().enumerate() {
        let frame = i as u64 + 1;
        let g = got.get(&frame).map(|p| ours(p)).unwrap_or_default();
        // A frame counts when tshark found WebSocket in it or we did.
        if w.is_empty() && g.is_empty() {
            continue;
        }
        for f in FIELDS {
            let (a, b) = (w.get(f), g.get(f));
            if a.is_none() && b.is_none() {
                continue;
            }
            let e = score.per.entry(f).or_default();
            e.1 += 1;
            score.cells += 1;
            if a == b {
                e.0 += 1;
                score.agree += 1;
            } else if score.shown.len() < 40 {
                let cut = |v: Option<&Vec<String>>| {
                    let s = format!("{v:?}");
                    s.chars().take(160).collect::<String>()
                };
                score
                    .shown
                    .push(format!("{name} frame {frame} {f}: tshark {} ours {}", cut(a), cut(b)));
            }
        }
    }
}

fn websocket_captures(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("zeek/websocket"))
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.push(dir.join("arkime/websocket.pcap"));
    v.push(dir.join("zeek/http/websocket.pcap"));
    v.push(dir.join("arkime/arkime_synthetic.pcap"));
    v.retain(|p| p.is_file());
    v.sort();
    v
}

#[test]
fn websocket_fields_agree_with_tshark_on_the_corpus() {
    if !common::have_tshark() {
        eprintln!("SKIPPED: tshark not installed");
        return;
    }
    let Some(dir) = common::corpus_dir() else {
        eprintln!("SKIPPED: ../shared/corpus not found");
        return;
    };
    let files = websocket_captures(&dir);
    let mut score = Score {
        agree: 0,
        cells: 0,
        per: BTreeMap::new(),
        shown: Vec::new(),
    };
    let mut frames = 0;
    for f in &files {
        compare(f, &mut score);
        let (p, hs, sums) = run_capture(f);
        frames += p.values().map(Vec::len).sum::<usize>();
        assert!(hs > 0, "{}: no handshake found", f.display());
        for s in sums {
            let w = s.websocket.unwrap();
            eprintln!(
                "{}: accept_ok {:?}, close_first {:?} code {:?}, violations {:?}, rtt {:?}",
                f.file_name().unwrap().to_string_lossy(),
                w.accept_ok,
                w.close_first,
                w.close_code,
                w.violation_kinds,
                w.ping_rtt_ms.map(|r| r.avg)
            );
        }
    }
    for (f, (a, n)) in &score.per {
        eprintln!("  {f:40} {a}/{n}");
    }
    for s in &score.shown {
        eprintln!("  e.g. {s}");
    }
    let pct = 100.0 * score.agree as f64 / score.cells.max(1) as f64;
    eprintln!(
        "websocket agreement {pct:.2}% ({}/{} cells, {} WebSocket frames, {} files)",
        score.agree,
        score.cells,
        frames,
        files.len()
    );
    assert!(frames > 100, "too few WebSocket frames found: {frames}");
    assert!(pct >= 99.0, "agreement {pct:.2}%");
}

/// A pcap of made-up TCP connections (Ethernet, IPv4), for tshark to read too.
struct Craft {
    out: Vec<u8>,
    usec: u64,
    frames: u64,
}

struct CraftConn {
    seq: [u32; 2],
    ip: [[u8; 4]; 2],
    port: [u16; 2],
}

fn csum(data: &[u8]) -> u16 {
    let mut s: u32 = data
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

impl Craft {
    fn new() -> Craft {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        Craft {
            out,
            usec: 1_000_000_000_000,
            frames: 0,
        }
    }

    fn pkt(&mut self, c: &mut CraftConn, side: usize, flags: u8, data: &[u8]) -> u64 {
        let o = 1 - side;
        let mut tcp = Vec::new();
        tcp.extend_from_slice(&c.port[side].to_be_bytes());
        tcp.extend_from_slice(&c.port[o].to_be_bytes());
        tcp.extend_from_slice(&c.seq[side].to_be_bytes());
        tcp.extend_from_slice(&c.seq[o].to_be_bytes());
        tcp.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        let mut ph = Vec::new();
        ph.extend_from_slice(&c.ip[side]);
        ph.extend_from_slice(&c.ip[o]);
        ph.extend_from_slice(&[0, 6]);
        ph.extend_from_slice(&((tcp.len() + data.len()) as u16).to_be_bytes());
        ph.extend_from_slice(&tcp);
        ph.extend_from_slice(data);
        let ck = csum(&ph);
        tcp[16..18].copy_from_slice(&ck.to_be_bytes());
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&((20 + tcp.len() + data.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0]);
        ip.extend_from_slice(&c.ip[side]);
        ip.extend_from_slice(&c.ip[o]);
        let ck = csum(&ip);
        ip[10..12].copy_from_slice(&ck.to_be_bytes());
        let mut f = vec![2, 0, 0, 0, 0, side as u8 + 1, 2, 0, 0, 0, 0, o as u8 + 1, 8, 0];
        f.extend(ip);
        f.extend(tcp);
        f.extend_from_slice(data);
        self.usec += 1000;
        self.out
            .extend_from_slice(&((self.usec / 1_000_000) as u32).to_le_bytes());
        self.out
            .extend_from_slice(&((self.usec % 1_000_000) as u32).to_le_bytes());
        self.out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.out.extend(f);
        c.seq[side] = c.seq[side].wrapping_add(data.len() as u32 + u32::from(flags & 3 != 0));
        self.frames += 1;
        self.frames
    }

    /// Handshakes TCP and HTTP (with `ext` agreed) on a new connection.
    fn open(&mut self, n: u8, ext: Option<&str>) -> CraftConn {
        let mut c = CraftConn {
            seq: [1000, 900_000],
            ip: [[10, 0, 0, n], [10, 0, 1, n]],
            port: [40000 + u16::from(n), 8080],
        };
        self.pkt(&mut c, 0, 0x02, b"");
        self.pkt(&mut c, 1, 0x12, b"");
        self.pkt(&mut c, 0, 0x10, b"");
        let e = ext
            .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{e}\r\n"
        );
        self.pkt(&mut c, 0, 0x18, req.as_bytes());
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{e}\r\n"
        );
        self.pkt(&mut c, 1, 0x18, resp.as_bytes());
        c
    }
}

fn wsf(op: u8, payload: &[u8], fin: bool, mask: Option<[u8; 4]>, rsv: u8) -> Vec<u8> {
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
        wirelens_dissectors::app::websocket::unmask(&mut p, k, 0);
    }
    v.extend(p);
    v
}

fn deflate(z: &mut flate2::Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    z.compress_vec(data, &mut out, flate2::FlushCompress::Sync).unwrap();
    out.truncate(out.len() - 4);
    out
}

/// The crafted capture and the frames where tshark 4.0 is known to be wrong.
fn crafted() -> (Vec<u8>, Vec<u64>) {
    const K: Option<[u8; 4]> = Some([0x11, 0x22, 0x33, 0x44]);
    let mut p = Craft::new();
    let mut tshark_wrong = Vec::new();
    // 1: no extension; fragmentation, control frames, lengths, close codes.
    let mut c = p.open(1, None);
    p.pkt(&mut c, 0, 0x18, &wsf(1, b"part1", false, K, 0));
    p.pkt(&mut c, 0, 0x18, &wsf(0, b"part2", false, K, 0));
    let mut seg = wsf(9, b"hi", true, K, 0);
    seg.extend(wsf(0, b"end \xe2\x98\x83", true, K, 0));
    p.pkt(&mut c, 0, 0x18, &seg);
    p.pkt(&mut c, 1, 0x18, &wsf(10, b"hi", true, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(2, b"\x00\x01bin", false, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(0, b"ary", true, None, 0));
    for op in [3u8, 11] {
        p.pkt(&mut c, 1, 0x18, &wsf(op, b"xyz", true, None, 0));
    }
    p.pkt(&mut c, 1, 0x18, &wsf(1, b"rsv without extension", true, None, 4));
    p.pkt(&mut c, 1, 0x18, &wsf(1, &[b'a'; 200], true, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(1, b"line1\nline2\r\nline3\ttab", true, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(1, b"", true, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(9, &[b'p'; 130], true, None, 0));
    // One frame across three segments, three frames in one segment.
    let f = wsf(1, b"split across three TCP segments", true, None, 0);
    p.pkt(&mut c, 1, 0x18, &f[..1]);
    p.pkt(&mut c, 1, 0x18, &f[1..9]);
    p.pkt(&mut c, 1, 0x18, &f[9..]);
    let mut seg = wsf(1, b"one", true, None, 0);
    seg.extend(wsf(1, b"two", true, None, 0));
    seg.extend(wsf(9, b"three", true, None, 0));
    p.pkt(&mut c, 1, 0x18, &seg);
    // A 64-bit length, binary, in 1448-byte segments.
    let big = wsf(2, &vec![7u8; 70000], true, None, 0);
    for ch in big.chunks(1448) {
        p.pkt(&mut c, 1, 0x18, ch);
    }
    for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 4000] {
        let mut b = code.to_be_bytes().to_vec();
        b.extend_from_slice(b"why");
        p.pkt(&mut c, 1, 0x18, &wsf(8, &b, true, None, 0));
    }
    let mut b = 1000u16.to_be_bytes().to_vec();
    b.extend_from_slice(b"bye");
    p.pkt(&mut c, 0, 0x18, &wsf(8, &b, true, K, 0));
    // 2: permessage-deflate, the client without context takeover.
    let mut c = p.open(2, Some("permessage-deflate; client_no_context_takeover"));
    let mut sz = flate2::Compress::new(flate2::Compression::default(), false);
    for i in 0..3 {
        let t = format!("Hello hello hello {i}");
        let mut cz = flate2::Compress::new(flate2::Compression::default(), false);
        p.pkt(&mut c, 0, 0x18, &wsf(1, &deflate(&mut cz, t.as_bytes()), true, K, 4));
        let f = p.pkt(&mut c, 1, 0x18, &wsf(1, &deflate(&mut sz, t.as_bytes()), true, None, 4));
        if i > 0 {
            // tshark does not keep the server's context from one message to the next.
            tshark_wrong.push(f);
        }
    }
    let d = deflate(&mut sz, b"fragmented compressed message, fragmented compressed message");
    p.pkt(&mut c, 1, 0x18, &wsf(1, &d[..10], false, None, 4));
    // tshark shows the reassembled message still compressed.
    tshark_wrong.push(p.pkt(&mut c, 1, 0x18, &wsf(0, &d[10..], true, None, 0)));
    p.pkt(&mut c, 1, 0x18, &wsf(1, b"uncompressed", true, None, 0));
    p.pkt(&mut c, 1, 0x18, &wsf(8, &1000u16.to_be_bytes(), true, None, 0));
    (p.out, tshark_wrong)
}

#[test]
fn websocket_fields_agree_with_tshark_on_crafted_conversations() {
    if !common::have_tshark() {
        eprintln!("SKIPPED: tshark not installed");
        return;
    }
    let (pcap, wrong) = crafted();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted-websocket.pcap");
    std::fs::write(&path, pcap).unwrap();
    let mut score = Score {
        agree: 0,
        cells: 0,
        per: BTreeMap::new(),
        shown: Vec::new(),
    };
    compare(&path, &mut score);
    for (f, (a, n)) in &score.per {
        if a < n {
            eprintln!("  {f:40} {a}/{n}");
        }
    }
    let mut unexpected = Vec::new();
    for s in &score.shown {
        eprintln!("  e.g. {s}");
        let frame: u64 = s.split(' ').nth(2).and_then(|x| x.parse().ok()).unwrap_or(0);
        if !wrong.contains(&frame) {
            unexpected.push(s.clone());
        }
    }
    eprintln!(
        "crafted: websocket agreement {:.2}% ({}/{} cells; {} frames where tshark 4.0 is known wrong)",
        100.0 * score.agree as f64 / score.cells.max(1) as f64,
        score.agree,
        score.cells,
        wrong.len()
    );
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert!(score.cells > 250);
}
