//! DNS end to end: the engine hands UDP datagrams of the DNS ports to its
//! `DnsBook` and TCP connections on port 53 to a `DnsTcp` each, and the
//! resulting trees, fields and flow summaries are checked: crafted captures
//! written into a temporary directory for the conversation features, and
//! tshark as the oracle on the DNS captures of ../shared/corpus (skipped
//! when either is absent).

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use wirelens::app::dns::{DnsBook, DnsQuery, DnsTcp, DnsWhere};
use wirelens::capture::write::{PcapWriter, WriteFormat};
use wirelens::capture::FileReader;
use wirelens::capture::Timestamp;
use wirelens::engine::{Config, Engine, Processed};
use wirelens::export::FlowSummary;
use wirelens::output::{FieldOpts, FieldsWriter};
use wirelens::tcp::stream::StreamFeeder;
use wirelens_dissectors::Tree;

use common::{corpus_dir, have_tshark};

/// Runs a capture through the engine, calling `f` on each frame; the flow summaries.
fn run(path: &Path, mut f: impl FnMut(&Processed, &[u8])) -> Vec<FlowSummary> {
    let mut r = FileReader::open(path).expect("open capture");
    let mut e = Engine::new(Config::default());
    while let Ok(Some(rec)) = r.next_record() {
        let p = e.ingest(&rec);
        f(&p, rec.data);
    }
    let mut sums = e.take_finished();
    sums.extend(e.finish());
    sums
}

/// `-T fields` rows (occurrence=a, aggregator=,) for these fields.
fn our_fields(path: &Path, fields: &[&str]) -> Vec<String> {
    let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    let opts = FieldOpts::parse(&["aggregator=,".to_string(), "occurrence=a".to_string()]).unwrap();
    let mut w = FieldsWriter::new(&fields, opts);
    let mut tree = Tree::new();
    let mut rows = Vec::new();
    run(path, |p, data| {
        let mut s = String::new();
        w.line(&mut s, p, data, &mut tree, 6);
        rows.push(s.trim_end_matches('\n').to_string());
    });
    rows
}

fn tshark_fields(path: &Path, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"])
        .arg(path)
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Tree text of every frame (for reading by eye: `DNS_DUMP=file.pcap cargo test --test dns dump -- --nocapture`).
fn tree_dump(path: &Path) -> String {
    let mut out = String::new();
    let mut tree = Tree::new();
    run(path, |p, data| {
        wirelens::output::tree_text(&mut out, p, data, &mut tree)
    });
    out
}

#[test]
fn dump() {
    let Ok(f) = std::env::var("DNS_DUMP") else { return };
    print!("{}", tree_dump(Path::new(&f)));
    if let Ok(fields) = std::env::var("DNS_FIELDS") {
        let fields: Vec<&str> = fields.split(',').collect();
        for r in our_fields(Path::new(&f), &fields) {
            println!("{r}");
        }
    }
}

fn norm(v: &str) -> String {
    let v = v.trim();
    if let Some(h) = v.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return n.to_string();
        }
    }
    v.to_string()
}

/// DNS fields held against tshark.
const FIELDS: &[&str] = &[
    "dns.length",
    "dns.id",
    "dns.flags",
    "dns.flags.response",
    "dns.flags.opcode",
    "dns.flags.authoritative",
    "dns.flags.conflict",
    "dns.flags.truncated",
    "dns.flags.recdesired",
    "dns.flags.tentative",
    "dns.flags.recavail",
    "dns.flags.z",
    "dns.flags.authenticated",
    "dns.flags.checkdisable",
    "dns.flags.rcode",
    "dns.count.queries",
    "dns.count.zones",
    "dns.count.answers",
    "dns.count.prerequisites",
    "dns.count.auth_rr",
    "dns.count.updates",
    "dns.count.add_rr",
    "dns.qry.name",
    "dns.qry.name.len",
    "dns.count.labels",
    "dns.qry.type",
    "dns.qry.class",
    "dns.qry.qu",
    "dns.resp.name",
    "dns.resp.type",
    "dns.resp.class",
    "dns.resp.cache_flush",
    "dns.resp.ttl",
    "dns.resp.len",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.ns",
    "dns.dname",
    "dns.ptr.domain_name",
    "dns.mx.preference",
    "dns.mx.mail_exchange",
    "dns.txt.length",
    "dns.txt",
    "dns.spf",
    "dns.hinfo.cpu",
    "dns.hinfo.os",
    "dns.null",
    "dns.soa.mname",
    "dns.soa.rname",
    "dns.soa.serial_number",
    "dns.soa.refresh_interval",
    "dns.soa.retry_interval",
    "dns.soa.expire_limit",
    "dns.soa.minimum_ttl",
    "dns.srv.service",
    "dns.srv.proto",
    "dns.srv.name",
    "dns.srv.priority",
    "dns.srv.weight",
    "dns.srv.port",
    "dns.srv.target",
    "dns.caa.flags",
    "dns.caa.issue",
    "dns.caa.tag",
    "dns.caa.value",
    "dns.svcb.svcpriority",
    "dns.svcb.targetname",
    "dns.svcb.svcparam.key",
    "dns.svcb.svcparam.value.length",
    "dns.svcb.svcparam.alpn",
    "dns.svcb.svcparam.port",
    "dns.svcb.svcparam.ipv4hint.ip",
    "dns.svcb.svcparam.ipv6hint.ip",
    "dns.nsec.next_domain_name",
    "dns.rr.udp_payload_size",
    "dns.resp.ext_rcode",
    "dns.resp.edns0_version",
    "dns.resp.z",
    "dns.resp.z.do",
    "dns.opt.code",
    "dns.opt.len",
    "dns.opt.data",
    "dns.opt.client.family",
    "dns.opt.client.netmask",
    "dns.opt.client.scope",
    "dns.opt.client.addr4",
    "dns.opt.client.addr6",
    "dns.opt.cookie.client",
    "dns.opt.cookie.server",
    "dns.opt.padding",
    "dns.opt.ext_error.info_code",
    "dns.extraneous.data",
    "dns.response_to",
    "dns.time",
    "dns.retransmission",
    "dns.retransmit_request_in",
    "dns.retransmit_response_in",
    "dns.unsolicited",
    "_ws.col.Info",
    "_ws.col.Protocol",
];

/// Captures of the corpus whose manifest lists dns.
fn dns_captures(dir: &Path) -> Vec<PathBuf> {
    let m = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    m.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let protos = cols.get(7)?;
            let path = cols.first()?;
            protos.split(',').any(|p| p == "dns").then(|| dir.join(path))
        })
        .filter(|p| p.is_file())
        .collect()
}

/// Cell-by-cell comparison of one capture: (agree, total, disagreements).
fn compare(path: &Path, fields: &[&str]) -> (u64, u64, Vec<String>) {
    let ours = our_fields(path, fields);
    let theirs = tshark_fields(path, fields);
    let (mut agree, mut total) = (0, 0);
    let mut bad = Vec::new();
    for (i, t) in theirs.iter().enumerate() {
        let o = ours.get(i).map(String::as_str).unwrap_or("");
        let tc: Vec<&str> = t.split('\t').collect();
        let oc: Vec<&str> = o.split('\t').collect();
        // Only frames tshark dissects as DNS (or we do).
        let dns = |c: &Vec<&str>| c.get(1).is_some_and(|v| !v.is_empty());
        if !dns(&tc) && !dns(&oc) {
            continue;
        }
        for (j, f) in fields.iter().enumerate() {
            let a = tc.get(j).copied().unwrap_or("");
            let b = oc.get(j).copied().unwrap_or("");
            if a.is_empty() && b.is_empty() {
                continue;
            }
            total += 1;
            let same = if a.contains(',') || b.contains(',') && !f.starts_with("_ws.col") {
                let x: Vec<String> = a.split(',').map(norm).collect();
                let y: Vec<String> = b.split(',').map(norm).collect();
                x == y || norm(a) == norm(b)
            } else {
                norm(a) == norm(b)
            };
            if same {
                agree += 1;
            } else {
                let cut = |s: &str| s.chars().take(160).collect::<String>();
                bad.push(format!(
                    "{} frame {} {f}: tshark {:?} wirelens {:?}",
                    path.display(),
                    i + 1,
                    cut(a),
                    cut(b)
                ));
            }
        }
    }
    (agree, total, bad)
}

#[test]
fn dns_fields_agree_with_tshark_on_the_corpus() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP: ../shared/corpus is absent");
        return;
    };
    if !have_tshark() {
        eprintln!("SKIP: tshark is not installed");
        return;
    }
    let only = std::env::var("DNS_ONLY").ok();
    let files: Vec<PathBuf> = dns_captures(&dir)
        .into_iter()
        .filter(|p| only.as_ref().is_none_or(|o| p.to_string_lossy().contains(o.as_str())))
        .collect();
    let (mut agree, mut total) = (0u64, 0u64);
    let mut bad = Vec::new();
    let mut per_field: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for f in &files {
        let (a, t, b) = compare(f, FIELDS);
        agree += a;
        total += t;
        for line in &b {
            let field = line.split_whitespace().nth(3).unwrap_or("").to_string();
            per_field.entry(field).or_default().0 += 1;
        }
        bad.extend(b);
    }
    let pct = if total == 0 {
        100.0
    } else {
        agree as f64 * 100.0 / total as f64
    };
    eprintln!(
        "DNS vs tshark: {agree}/{total} cells agree ({pct:.3}%) over {} captures",
        files.len()
    );
    for (f, (n, _)) in &per_field {
        eprintln!("  {f}: {n} disagreements");
    }
    let show: usize = std::env::var("DNS_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    for b in bad.iter().take(show) {
        eprintln!("  {b}");
    }
    assert!(
        files.len() > 50 || only.is_some(),
        "corpus looks incomplete: {} DNS captures",
        files.len()
    );
    assert!(pct >= 99.0, "agreement {pct:.3}% is below 99%");
}

// ---------------------------------------------------------------------------
// Crafted captures: conversations the engine side must follow.

const CLIENT: [u8; 4] = [192, 0, 2, 10];
const SERVER: [u8; 4] = [198, 51, 100, 53];

/// A DNS message: header fields, one question, answers given as (type, rdata).
fn dns_msg(id: u16, flags: u16, qname: &str, qtype: u16, answers: &[(&str, u16, Vec<u8>)]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&flags.to_be_bytes());
    for c in [1u16, answers.len() as u16, 0, 0] {
        v.extend_from_slice(&c.to_be_bytes());
    }
    v.extend(name(qname));
    v.extend_from_slice(&qtype.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes());
    for (owner, t, data) in answers {
        v.extend(name(owner));
        v.extend_from_slice(&t.to_be_bytes());
        v.extend_from_slice(&1u16.to_be_bytes());
        v.extend_from_slice(&300u32.to_be_bytes());
        v.extend_from_slice(&(data.len() as u16).to_be_bytes());
        v.extend_from_slice(data);
    }
    v
}

fn name(n: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for l in n.split('.').filter(|l| !l.is_empty()) {
        v.push(l.len() as u8);
        v.extend_from_slice(l.as_bytes());
    }
    v.push(0);
    v
}

fn a(ip: [u8; 4]) -> Vec<u8> {
    ip.to_vec()
}

fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut data, payload)
        .unwrap();
    data
}

#[allow(clippy::too_many_arguments)]
fn tcp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, seq: u32, ack: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let mut b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('F') {
        b = b.fin();
    }
    if flags.contains('A') {
        b = b.ack(ack);
    }
    if flags.contains('P') {
        b = b.psh();
    }
    let mut data = Vec::new();
    b.write(&mut data, payload).unwrap();
    data
}

/// Writes frames (time in ms, bytes) as a pcap in `dir`.
fn pcap(dir: &Path, file: &str, frames: &[(i64, Vec<u8>)]) -> PathBuf {
    let path = dir.join(file);
    let mut w = PcapWriter::create(&path, WriteFormat::Pcap { nanos: false }, 1, 0).unwrap();
    for (ms, data) in frames {
        let ts = Timestamp::new(1_767_225_600 + ms / 1000, ((ms % 1000) * 1_000_000) as u32);
        w.write_packet(ts, data.len() as u32, 1, data).unwrap();
    }
    w.finish().unwrap();
    path
}

/// Tree text per frame.
fn trees(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut tree = Tree::new();
    run(path, |p, data| {
        let mut s = String::new();
        wirelens::output::tree_text(&mut s, p, data, &mut tree);
        out.push(s);
    });
    out
}

fn summaries(path: &Path) -> Vec<FlowSummary> {
    run(path, |_, _| {})
}

/// Where tshark is installed, the crafted capture's DNS fields agree with it.
fn agrees_with_tshark(path: &Path) {
    agrees_with_tshark_on(path, FIELDS)
}

fn agrees_with_tshark_on(path: &Path, fields: &[&str]) {
    if !have_tshark() {
        return;
    }
    let (agree, total, bad) = compare(path, fields);
    assert_eq!(agree, total, "{}", bad.join("\n"));
}

#[test]
fn udp_queries_pair_retransmit_and_go_unanswered_like_wireshark() {
    let dir = tempfile::tempdir().unwrap();
    let q = |id, n: &str| udp(CLIENT, 40000, SERVER, 53, &dns_msg(id, 0x0100, n, 1, &[]));
    let r = |id, n: &str| {
        udp(
            SERVER,
            53,
            CLIENT,
            40000,
            &dns_msg(id, 0x8180, n, 1, &[(n, 1, a([192, 0, 2, 1]))]),
        )
    };
    let path = pcap(
        dir.path(),
        "pairs.pcap",
        &[
            (0, q(1, "a.example")),
            (1000, q(1, "a.example")),
            (1500, r(1, "a.example")),
            (1600, r(1, "a.example")),
            (2000, q(1, "a.example")),
            (2100, r(1, "a.example")),
            (10_000, q(2, "b.example")),
            (20_000, q(2, "b.example")),
            (20_500, r(2, "b.example")),
            (40_000, r(4, "c.example")),
            (50_000, q(5, "never.example")),
        ],
    );
    agrees_with_tshark(&path);
    let t = trees(&path);
    assert!(
        t[1].contains("[Retransmitted request. Original request in: 1]"),
        "{}",
        t[1]
    );
    assert!(t[1].contains("[Retransmission: True]"));
    assert!(
        t[2].contains("[Request In: 1]") && t[2].contains("[Time: 1.500000000 seconds]"),
        "{}",
        t[2]
    );
    assert!(
        t[3].contains("[Retransmitted response. Original response in: 3]"),
        "{}",
        t[3]
    );
    assert!(t[5].contains("[Request In: 5]"));
    // 10 s apart: a new transaction, not a retransmission.
    assert!(!t[7].contains("Retransmi"), "{}", t[7]);
    assert!(t[8].contains("[Request In: 8]"));
    assert!(t[9].contains("[Unsolicited: True]"));
    let s = summaries(&path);
    let dns: Vec<&DnsQuery> = s.iter().flat_map(|f| f.dns.iter().flatten()).collect();
    assert_eq!(s[0].app.as_deref(), Some("dns"));
    let first = dns.iter().find(|q| q.query_frame == Some(1)).unwrap();
    assert_eq!(first.retransmissions, 1);
    assert_eq!(first.response_frame, Some(3));
    assert_eq!(first.response_ms, Some(1500.0));
    assert_eq!(first.rcode.as_deref(), Some("NOERROR"));
    assert_eq!(first.answers, ["A 192.0.2.1"]);
    let never = dns.iter().find(|q| q.name == "never.example").unwrap();
    assert!(never.unanswered && never.response_frame.is_none());
    assert!(dns.iter().any(|q| q.unsolicited && q.name == "c.example"));
    let json = serde_json::to_string(&s[0]).unwrap();
    assert!(
        json.contains("\"dns\":[{\"name\":\"a.example\",\"type\":\"A\""),
        "{json}"
    );
}

#[test]
fn tcp_messages_split_and_packed_become_reassembled_pdus() {
    let dir = tempfile::tempdir().unwrap();
    let q1 = dns_msg(0x1111, 0x0100, "one.example", 1, &[]);
    let q2 = dns_msg(0x2222, 0x0100, "two.example", 28, &[]);
    let r1 = dns_msg(
        0x1111,
        0x8180,
        "one.example",
        1,
        &[("one.example", 1, a([192, 0, 2, 1]))],
    );
    let r2 = dns_msg(0x2222, 0x8180, "two.example", 28, &[]);
    let framed = |m: &[u8]| {
        let mut v = (m.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(m);
        v
    };
    // Client: both queries in one segment. Server: the first answer split in three.
    let mut c = framed(&q1);
    c.extend(framed(&q2));
    let mut s = framed(&r1);
    s.extend(framed(&r2));
    let (cs, ss) = (1000u32, 5000u32);
    let (s1, s2) = (5usize, 20usize);
    let frames = vec![
        (0, tcp(CLIENT, 40001, SERVER, 53, cs, 0, "S", b"")),
        (10, tcp(SERVER, 53, CLIENT, 40001, ss, cs + 1, "SA", b"")),
        (20, tcp(CLIENT, 40001, SERVER, 53, cs + 1, ss + 1, "A", b"")),
        (30, tcp(CLIENT, 40001, SERVER, 53, cs + 1, ss + 1, "AP", &c)),
        (
            40,
            tcp(
                SERVER,
                53,
                CLIENT,
                40001,
                ss + 1,
                cs + 1 + c.len() as u32,
                "AP",
                &s[..s1],
            ),
        ),
        (
            41,
            tcp(
                SERVER,
                53,
                CLIENT,
                40001,
                ss + 1 + s1 as u32,
                cs + 1 + c.len() as u32,
                "AP",
                &s[s1..s2],
            ),
        ),
        (
            42,
            tcp(
                SERVER,
                53,
                CLIENT,
                40001,
                ss + 1 + s2 as u32,
                cs + 1 + c.len() as u32,
                "AP",
                &s[s2..],
            ),
        ),
    ];
    let path = pcap(dir.path(), "tcp.pcap", &frames);
    // With several messages in a frame, tshark 4.0 keeps the last one's Info,
    // but glues a message reassembled from earlier segments to the next.
    agrees_with_tshark(&path);
    let mut pdus = Vec::new();
    run(&path, |p, _| pdus.push(p.ann.app.clone()));
    assert_eq!(pdus[3].len(), 2, "two queries in one segment");
    assert_eq!(pdus[4].len(), 0);
    assert_eq!(pdus[5].len(), 0);
    assert_eq!(
        pdus[6].len(),
        2,
        "the split answer and the next one complete in frame 7"
    );
    let split = &pdus[6][0];
    assert_eq!(split.segments, vec![(5, 5), (6, 15), (7, (r1.len() + 2 - 20) as u32)]);
    assert_eq!(split.stream_offset, 0);
    assert_eq!(pdus[6][1].stream_offset, (r1.len() + 2) as u64);
    let t = trees(&path);
    assert!(t[6].contains("[Request In: 4]"), "{}", t[6]);
    assert!(t[6].contains("    Length: "), "{}", t[6]);
    let sums = summaries(&path);
    let tcp_flow = sums.iter().find(|s| s.proto == "tcp").unwrap();
    assert_eq!(tcp_flow.app.as_deref(), Some("dns"));
    assert_eq!(tcp_flow.dns.as_ref().unwrap().len(), 2);
}

#[test]
fn a_truncated_udp_answer_is_linked_to_its_retry_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let big = "big.example";
    let q = dns_msg(0x0aaa, 0x0100, big, 16, &[]);
    let tc = dns_msg(0x0aaa, 0x8380, big, 16, &[]);
    // The retry uses a new id, as resolvers do.
    let q2 = dns_msg(0x0bbb, 0x0100, big, 16, &[]);
    let framed = |m: &[u8]| {
        let mut v = (m.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(m);
        v
    };
    let frames = vec![
        (0, udp(CLIENT, 40002, SERVER, 53, &q)),
        (20, udp(SERVER, 53, CLIENT, 40002, &tc)),
        (30, tcp(CLIENT, 40003, SERVER, 53, 1, 0, "S", b"")),
        (40, tcp(SERVER, 53, CLIENT, 40003, 9, 2, "SA", b"")),
        (50, tcp(CLIENT, 40003, SERVER, 53, 2, 10, "AP", &framed(&q2))),
    ];
    let path = pcap(dir.path(), "tc.pcap", &frames);
    agrees_with_tshark(&path);
    let t = trees(&path);
    assert!(t[1].contains("Truncated (TC)"), "{}", t[1]);
    assert!(
        t[4].contains("[Retry over TCP of the truncated answer in: 2 (UDP flow 0"),
        "{}",
        t[4]
    );
    let sums = summaries(&path);
    let u = sums.iter().find(|s| s.proto == "udp").unwrap();
    let tc_entry = &u.dns.as_ref().unwrap()[0];
    assert!(tc_entry.truncated);
    let link = tc_entry.retried_over_tcp.unwrap();
    assert_eq!((link.proto, link.frame), ("tcp", 5));
    let t = sums.iter().find(|s| s.proto == "tcp").unwrap();
    let retry = t.dns.as_ref().unwrap()[0].retry_of.unwrap();
    assert_eq!((retry.proto, retry.flow, retry.frame), ("udp", u.id, 2));
}

#[test]
fn lessons_load_balancing_rotation_cname_chains_and_error_codes() {
    let dir = tempfile::tempdir().unwrap();
    let n = "www.example";
    let ans = |order: &[[u8; 4]]| {
        let mut v = vec![
            (n, 5u16, name("edge.cdn.example")),
            ("edge.cdn.example", 5, name("lb.cdn.example")),
        ];
        for ip in order {
            v.push(("lb.cdn.example", 1, a(*ip)));
        }
        v
    };
    let (x, y, z) = ([192, 0, 2, 1], [192, 0, 2, 2], [192, 0, 2, 3]);
    let frames = vec![
        (0, udp(CLIENT, 40004, SERVER, 53, &dns_msg(1, 0x0100, n, 1, &[]))),
        (
            10,
            udp(SERVER, 53, CLIENT, 40004, &dns_msg(1, 0x8180, n, 1, &ans(&[x, y, z]))),
        ),
        (100, udp(CLIENT, 40004, SERVER, 53, &dns_msg(2, 0x0100, n, 1, &[]))),
        (
            110,
            udp(SERVER, 53, CLIENT, 40004, &dns_msg(2, 0x8180, n, 1, &ans(&[y, z, x]))),
        ),
        (
            200,
            udp(CLIENT, 40004, SERVER, 53, &dns_msg(3, 0x0100, "nope.example", 1, &[])),
        ),
        (
            210,
            udp(SERVER, 53, CLIENT, 40004, &dns_msg(3, 0x8183, "nope.example", 1, &[])),
        ),
        (
            300,
            udp(CLIENT, 40004, SERVER, 53, &dns_msg(4, 0x0100, "fail.example", 1, &[])),
        ),
        (
            310,
            udp(SERVER, 53, CLIENT, 40004, &dns_msg(4, 0x8182, "fail.example", 1, &[])),
        ),
        (
            400,
            udp(CLIENT, 40004, SERVER, 53, &dns_msg(5, 0x0000, "x.example", 1, &[])),
        ),
        (
            410,
            udp(SERVER, 53, CLIENT, 40004, &dns_msg(5, 0x8405, "x.example", 1, &[])),
        ),
    ];
    let path = pcap(dir.path(), "lessons.pcap", &frames);
    agrees_with_tshark(&path);
    let t = trees(&path);
    assert!(
        t[1].contains("DNS load balancing: 3 A records for lb.cdn.example (192.0.2.1, 192.0.2.2, 192.0.2.3)"),
        "{}",
        t[1]
    );
    assert!(
        t[1].contains(
            "CNAME chain: www.example -> edge.cdn.example -> lb.cdn.example -> 192.0.2.1, 192.0.2.2, 192.0.2.3"
        ),
        "{}",
        t[1]
    );
    assert!(t[1].contains("Recursive answer"));
    assert!(t[1].contains("Not authoritative"));
    assert!(!t[1].contains("Round-robin"));
    assert!(
        t[3].contains(
            "Round-robin: the same 3 addresses as in frame 2, in another order (was 192.0.2.1, 192.0.2.2, 192.0.2.3)"
        ),
        "{}",
        t[3]
    );
    assert!(
        t[5].contains("NXDOMAIN (rcode 3): nope.example does not exist"),
        "{}",
        t[5]
    );
    assert!(t[7].contains("SERVFAIL (rcode 2)"), "{}", t[7]);
    assert!(t[9].contains("REFUSED (rcode 5)"), "{}", t[9]);
    assert!(t[9].contains("Iterative query (RD=0)"), "{}", t[9]);
    let sums = summaries(&path);
    let dns = sums[0].dns.as_ref().unwrap();
    assert_eq!(dns[2].rcode.as_deref(), Some("NXDOMAIN"));
    assert_eq!(dns[0].answers[0], "CNAME edge.cdn.example");
}

#[test]
fn the_book_stays_bounded() {
    let mut book = DnsBook::default();
    let sa = |ip: [u8; 4], port| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port);
    let at = DnsWhere {
        flow: 0,
        client: sa(CLIENT, 1),
        server: sa(SERVER, 53),
    };
    // Many unanswered queries on one flow.
    for i in 0..10_000u32 {
        let m = dns_msg(i as u16, 0x0100, "x.example", 1, &[]);
        let d = udp(CLIENT, 1, SERVER, 53, &m);
        let start = d.len() - m.len();
        book.udp(&at, true, &d, start..d.len(), u64::from(i), i64::from(i) * 1_000_000);
    }
    assert!(book.transactions() <= wirelens::app::dns::MAX_TXNS);
    let mut s = summary_for(0);
    book.summarize(0, &mut s);
    assert_eq!(s.dns.as_ref().unwrap().len(), wirelens::app::dns::MAX_QUERIES);
    // Many flows.
    for f in 0..(wirelens::app::dns::MAX_FLOWS as u64 + 100) {
        let at = DnsWhere { flow: f, ..at };
        let m = dns_msg(1, 0x0100, "x.example", 1, &[]);
        book.udp(&at, true, &m, 0..m.len(), f, 0);
    }
    assert!(book.flows() <= wirelens::app::dns::MAX_FLOWS);
    book.end_flow(wirelens::app::dns::MAX_FLOWS as u64 + 99);
    assert!(book.flows() < wirelens::app::dns::MAX_FLOWS);
}

fn summary_for(id: u64) -> FlowSummary {
    let dir = tempfile::tempdir().unwrap();
    let m = dns_msg(1, 0x0100, "x.example", 1, &[]);
    let path = pcap(dir.path(), "one.pcap", &[(0, udp(CLIENT, 1, SERVER, 53, &m))]);
    let mut e = Engine::new(Config::default());
    let mut r = FileReader::open(&path).unwrap();
    while let Ok(Some(rec)) = r.next_record() {
        e.ingest(&rec);
    }
    let mut s = e.finish().remove(0);
    s.id = id;
    s.dns = None;
    s
}

#[test]
fn tcp_that_is_not_dns_is_refused() {
    use wirelens::tcp::reasm::Piece;
    use wirelens::tcp::state::Side;
    let book = Rc::new(RefCell::new(DnsBook::default()));
    let sa = |ip: [u8; 4], port| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port);
    let at = DnsWhere {
        flow: 7,
        client: sa(CLIENT, 1),
        server: sa(SERVER, 53),
    };
    let mut f = StreamFeeder::new(DnsTcp::new(book.clone(), at), 1 << 16);
    f.push(
        Side::Client,
        &Piece::Data {
            offset: 0,
            bytes: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            frame: 1,
        },
        1,
        0,
    );
    assert!(f.rejected);
    // Dropping the conversation frees its state in the book.
    let mut f = StreamFeeder::new(DnsTcp::new(book.clone(), DnsWhere { flow: 8, ..at }), 1 << 16);
    let m = dns_msg(1, 0x0100, "x.example", 1, &[]);
    let mut b = (m.len() as u16).to_be_bytes().to_vec();
    b.extend(m);
    f.push(
        Side::Client,
        &Piece::Data {
            offset: 0,
            bytes: b,
            frame: 1,
        },
        1,
        0,
    );
    assert!(!f.rejected);
    assert_eq!(book.borrow().flows(), 1);
    drop(f);
    assert_eq!(book.borrow().flows(), 0);
}

#[test]
fn the_dns_samples_agree_with_tshark() {
    if !have_tshark() {
        eprintln!("SKIP: tshark is not installed");
        return;
    }
    let dir = common::root().join("samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dns") && n.ends_with(".pcap"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let (agree, total, bad) = compare(&f, FIELDS);
        eprintln!("{}: {agree}/{total}", f.display());
        assert_eq!(agree, total, "{}", bad.join("\n"));
    }
}

/// The messages cut out of a TCP stream, whatever its segmentation:
/// (side, stream offset, bytes, node names) of every PDU.
fn tcp_pdus(stream: &[(bool, Vec<u8>)], cuts: &[usize]) -> Vec<(bool, u64, Vec<u8>, Vec<&'static str>)> {
    use wirelens::tcp::reasm::Piece;
    use wirelens::tcp::state::Side;
    let book = Rc::new(RefCell::new(DnsBook::default()));
    let sa = |ip: [u8; 4], port| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port);
    let at = DnsWhere {
        flow: 1,
        client: sa(CLIENT, 1),
        server: sa(SERVER, 53),
    };
    let mut f = StreamFeeder::new(DnsTcp::new(book, at), 1 << 20);
    let mut offsets = [0u64; 2];
    let mut out = Vec::new();
    let mut frame = 0;
    for (from_client, bytes) in stream {
        let side = if *from_client { Side::Client } else { Side::Server };
        let mut at = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.push(bytes.len());
        points.sort();
        for p in points {
            if p <= at {
                continue;
            }
            frame += 1;
            let o = &mut offsets[side.index()];
            f.push(
                side,
                &Piece::Data {
                    offset: *o,
                    bytes: bytes[at..p].to_vec(),
                    frame,
                },
                frame,
                frame as i64,
            );
            *o += (p - at) as u64;
            at = p;
            let mut pdus = Vec::new();
            wirelens::app::AppStream::take_pdus(&mut f.dissector, &mut pdus);
            for pdu in pdus {
                let data = pdu.data(&[]).to_vec();
                out.push((
                    pdu.from_client,
                    pdu.stream_offset,
                    data,
                    pdu.nodes.iter().map(|n| n.name).collect(),
                ));
            }
        }
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    #[test]
    fn tcp_messages_do_not_depend_on_segmentation(cuts in proptest::collection::vec(0usize..400, 0..12)) {
        let framed = |m: Vec<u8>| {
            let mut v = (m.len() as u16).to_be_bytes().to_vec();
            v.extend(m);
            v
        };
        let mut q = framed(dns_msg(1, 0x0100, "a.example", 1, &[]));
        q.extend(framed(dns_msg(2, 0x0100, "b.example", 28, &[])));
        let mut r = framed(dns_msg(1, 0x8180, "a.example", 1, &[("a.example", 1, a([192, 0, 2, 1]))]));
        r.extend(framed(dns_msg(2, 0x8183, "b.example", 28, &[])));
        r.extend(framed(dns_msg(9, 0x8180, "c.example", 1, &[])));
        let stream = vec![(true, q), (false, r)];
        let whole = tcp_pdus(&stream, &[]);
        proptest::prop_assert_eq!(whole.len(), 5);
        proptest::prop_assert_eq!(tcp_pdus(&stream, &cuts), whole);
    }
}
