//! DNS end to end: the engine decodes frames, a small harness hands UDP
//! datagrams of the DNS ports to a `DnsBook` and TCP streams to a `DnsTcp`
//! each (as the engine's plumbing does), and the resulting trees and fields
//! are checked: crafted captures written into a temporary directory for
//! the conversation features, and tshark as the oracle on the DNS captures
//! of ../shared/corpus (skipped when either is absent).

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use wirelens::app::dns::{DnsBook, DnsQuery, DnsTcp, DnsWhere};
use wirelens::app::AppStream;
use wirelens::capture::FileReader;
use wirelens::capture::write::{PcapWriter, WriteFormat};
use wirelens::capture::Timestamp;
use wirelens::engine::{Config, Engine, Processed};
use wirelens::export::FlowSummary;
use wirelens::output::{FieldOpts, FieldsWriter};
use wirelens::tcp::stream::StreamFeeder;
use wirelens_dissectors::{Transport, Tree};

use common::{corpus_dir, have_tshark};

const DNS_PORTS: [u16; 3] = [53, 5353, 5355];

/// The engine plus DNS, as the engine's plumbing wires it.
struct Harness {
    engine: Engine,
    book: Rc<RefCell<DnsBook>>,
    tcp: HashMap<u64, StreamFeeder<DnsTcp>>,
}

fn endpoints(p: &Processed) -> Option<(SocketAddr, SocketAddr)> {
    let ip = p.decoded.ip.as_ref()?;
    let (sp, dp) = match p.decoded.transport.as_ref()? {
        Transport::Udp(u) => (u.sport, u.dport),
        Transport::Tcp(t) => (t.sport, t.dport),
        _ => return None,
    };
    Some((SocketAddr::new(ip.src(), sp), SocketAddr::new(ip.dst(), dp)))
}

impl Harness {
    fn new() -> Self {
        Harness {
            engine: Engine::new(Config::default()),
            book: Rc::new(RefCell::new(DnsBook::default())),
            tcp: HashMap::new(),
        }
    }

    fn ingest(&mut self, rec: &wirelens::capture::Record<'_>) -> Processed {
        let mut p = self.engine.ingest(rec);
        let Some((src, dst)) = endpoints(&p) else { return p };
        // The server is the end on a DNS port (the destination when both are).
        let (client, server) = if DNS_PORTS.contains(&src.port()) && !DNS_PORTS.contains(&dst.port()) {
            (dst, src)
        } else {
            (src, dst)
        };
        let frame = p.meta.number;
        let ts = p.meta.ts_ns();
        match p.flow {
            Some(("udp", flow)) => {
                let Some(Transport::Udp(u)) = &p.decoded.transport else { return p };
                let at = DnsWhere { flow, client, server };
                let tdata = p.decoded.transport_data(rec.data);
                let pdu = self
                    .book
                    .borrow_mut()
                    .udp(&at, src == client, tdata, u.payload.clone(), frame, ts);
                if let Some(pdu) = pdu {
                    p.ann.app.push(pdu);
                }
            }
            Some(("tcp", flow)) if server.port() == 53 => {
                let book = self.book.clone();
                let f = self.tcp.entry(flow).or_insert_with(|| {
                    StreamFeeder::new(DnsTcp::new(book, DnsWhere { flow, client, server }), 1 << 20)
                });
                for (side, piece) in &p.pieces {
                    f.push(*side, piece, frame, ts);
                }
                f.dissector.take_pdus(&mut p.ann.app);
                p.ann.segment_of_pdu = p.ann.app.is_empty()
                    && (f.holds_frame(wirelens::tcp::state::Side::Client, frame)
                        || f.holds_frame(wirelens::tcp::state::Side::Server, frame));
            }
            _ => {}
        }
        p
    }

    /// Flow summaries with the DNS part filled in.
    fn finish(&mut self) -> Vec<FlowSummary> {
        let mut sums = self.engine.finish();
        for s in &mut sums {
            match s.proto {
                "udp" => self.book.borrow().summarize(s.id, s),
                "tcp" => {
                    if let Some(f) = self.tcp.get(&s.id) {
                        f.dissector.summarize(s);
                    }
                }
                _ => {}
            }
        }
        sums
    }
}

/// Runs a capture through the harness, calling `f` on each frame.
fn run(path: &Path, mut f: impl FnMut(&Processed, &[u8])) -> Vec<FlowSummary> {
    let mut r = FileReader::open(path).expect("open capture");
    let mut h = Harness::new();
    while let Ok(Some(rec)) = r.next_record() {
        let p = h.ingest(&rec);
        f(&p, rec.data);
    }
    h.finish()
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
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// Tree text of every frame (for reading by eye: `DNS_DUMP=file.pcap cargo test --test dns dump -- --nocapture`).
fn tree_dump(path: &Path) -> String {
    let mut out = String::new();
    let mut tree = Tree::new();
    run(path, |p, data| wirelens::output::tree_text(&mut out, p, data, &mut tree));
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
    let pct = if total == 0 { 100.0 } else { agree as f64 * 100.0 / total as f64 };
    eprintln!(
        "DNS vs tshark: {agree}/{total} cells agree ({pct:.3}%) over {} captures",
        files.len()
    );
    for (f, (n, _)) in &per_field {
        eprintln!("  {f}: {n} disagreements");
    }
    let show: usize = std::env::var("DNS_SHOW").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    for b in bad.iter().take(show) {
        eprintln!("  {b}");
    }
    assert!(files.len() > 50 || only.is_some(), "corpus looks incomplete: {} DNS captures", files.len());
    assert!(pct >= 99.0, "agreement {pct:.3}% is below 99%");
}
