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
        id: 0,
        proto: "tcp",
        client: String::new(),
        server: String::new(),
        client_inferred: false,
        first_ts: 0.0,
        last_ts: 0.0,
        duration: 0.0,
        packets: Default::default(),
        bytes: Default::default(),
        payload_bytes: Default::default(),
        handshake_rtt_ms: None,
        conn_state: "",
        history: String::new(),
        client_state: None,
        server_state: None,
        states: Vec::new(),
        first_closer: None,
        time_wait: None,
        anomalies: Default::default(),
        missing_bytes: 0,
        app: None,
        vlan: None,
        reused_after_s: None,
        end: "",
        websocket: None,
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
