//! Conformance against real public captures in ../shared/corpus (never copied
//! into the repo): every file goes through `packets`, `tree --json` and
//! `-T fields` and must end with exit 0 or a clear error, never a panic; where
//! tshark is installed, L2-L4 field values must agree with tshark's.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::{corpus_dir, corpus_files, have_tshark, run_parallel, wirelens};

/// L2-L4 fields held against tshark, cell by cell.
const FIELDS: &[&str] = &[
    "frame.len",
    "frame.cap_len",
    "eth.src",
    "eth.dst",
    "eth.type",
    "vlan.id",
    "vlan.priority",
    "vlan.etype",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.proto_ipv4",
    "ip.version",
    "ip.hdr_len",
    "ip.dsfield",
    "ip.len",
    "ip.id",
    "ip.flags",
    "ip.flags.df",
    "ip.flags.mf",
    "ip.frag_offset",
    "ip.ttl",
    "ip.proto",
    "ip.checksum",
    "ip.src",
    "ip.dst",
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hlim",
    "ipv6.flow",
    "ipv6.src",
    "ipv6.dst",
    "icmp.type",
    "icmp.code",
    "icmp.checksum",
    "icmp.ident",
    "icmp.seq",
    "icmpv6.type",
    "icmpv6.code",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "udp.checksum",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "tcp.hdr_len",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.window_size",
    "tcp.checksum",
    "tcp.urgent_pointer",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
];

fn norm(v: &str) -> String {
    let v = v.trim();
    match v {
        "True" | "true" => return "1".into(),
        "False" | "false" => return "0".into(),
        _ => {}
    }
    if let Some(h) = v.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return n.to_string();
        }
    }
    v.to_ascii_lowercase()
}

fn cells(text: &str, n: usize) -> Vec<Vec<Vec<String>>> {
    text.lines()
        .map(|line| {
            let mut parts: Vec<Vec<String>> = line
                .split('\t')
                .map(|p| {
                    if p.is_empty() {
                        Vec::new()
                    } else {
                        p.split(',').map(norm).collect()
                    }
                })
                .collect();
            parts.resize(n, Vec::new());
            parts
        })
        .collect()
}

fn tshark_fields(file: &Path, cache: &Path, fields: &[&str]) -> Option<String> {
    let bytes = std::fs::read(file).ok()?;
    let key = format!("{:016x}-{}", fnv(&bytes), fnv(fields.join(",").as_bytes()));
    let path = cache.join(key);
    if let Ok(s) = std::fs::read_to_string(&path) {
        return Some(s);
    }
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"])
        .arg(file)
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::write(&path, &s);
    Some(s)
}

fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for x in b {
        h ^= u64::from(*x);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Runs wirelens and checks it ended well: exit 0, or exit 1 with a message.
fn run_checked(args: &[&str], file: &Path, failures: &Mutex<Vec<String>>) -> Option<String> {
    let out = Command::new(wirelens())
        .args(args)
        .arg(file)
        .output()
        .expect("run wirelens");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let ok = match code {
        Some(0) => !stderr.contains("panicked"),
        Some(1) => stderr.starts_with("wirelens: ") && !stderr.contains("panicked"),
        _ => false,
    };
    if !ok {
        failures.lock().unwrap().push(format!(
            "{} {:?}: exit {:?}: {}",
            file.display(),
            args,
            code,
            stderr.chars().take(300).collect::<String>()
        ));
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn corpus_every_file_ends_cleanly_and_l2_l4_fields_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP: ../shared/corpus is absent; the conformance test needs it");
        return;
    };
    let files: Vec<PathBuf> = corpus_files(&dir);
    assert!(files.len() > 100, "corpus looks incomplete: {} files", files.len());
    compare(&dir, &files, FIELDS, true, "L2-L4", "MIN_AGREE", 99.5, |_, _, _| true);
}

/// Application-layer fields held against tshark, on the frames tshark puts them on.
const APP_FIELDS: &[&str] = &[
    "_ws.col.Protocol",
    "dns.id",
    "dns.flags.response",
    "dns.flags.opcode",
    "dns.flags.authoritative",
    "dns.flags.truncated",
    "dns.flags.recdesired",
    "dns.flags.recavail",
    "dns.flags.rcode",
    "dns.count.queries",
    "dns.count.answers",
    "dns.count.auth_rr",
    "dns.count.add_rr",
    "dns.qry.name",
    "dns.qry.type",
    "dns.qry.class",
    "dns.resp.name",
    "dns.resp.type",
    "dns.resp.ttl",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.ns",
    "dns.mx.mail_exchange",
    "dns.rr.udp_payload_size",
    "dns.response_in",
    "dns.response_to",
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.response.code",
    "http.response.phrase",
    "http.host",
    "http.user_agent",
    "http.content_length_header",
    "http.content_type",
    "http.transfer_encoding",
    "http.connection",
    "http.location",
    "http.server",
    "http.request_in",
    "http.response_in",
    "websocket.fin",
    "websocket.opcode",
    "websocket.mask",
    "websocket.payload_length",
    "websocket.masking_key",
];

#[test]
fn corpus_app_fields_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP: ../shared/corpus is absent; the conformance test needs it");
        return;
    };
    if !have_tshark() {
        eprintln!("SKIP: tshark is not installed (apt-get install tshark)");
        return;
    }
    // The captures whose MANIFEST lists an application protocol of ours.
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    let files: Vec<PathBuf> = manifest
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let protos = cols.get(7)?;
            let ours = protos.split(',').any(|p| matches!(p, "dns" | "http" | "websocket"));
            ours.then(|| dir.join(cols[0]))
        })
        .filter(|p| p.exists())
        .collect();
    assert!(
        files.len() > 50,
        "corpus lists too few DNS/HTTP/WebSocket captures: {}",
        files.len()
    );
    compare(
        &dir,
        &files,
        APP_FIELDS,
        false,
        "DNS/HTTP/WebSocket",
        "MIN_APP_AGREE",
        97.5,
        app_cell,
    );
}

/// The Protocol column counts where either side names one of our application
/// protocols (other protocols, e.g. TLS or NBNS, are not this test's matter).
fn app_cell(field: &str, theirs: &[String], ours: &[String]) -> bool {
    const OURS: &[&str] = &["dns", "mdns", "llmnr", "http", "websocket", "ssdp"];
    field != "_ws.col.Protocol" || theirs.iter().chain(ours).any(|v| OURS.contains(&v.as_str()))
}

/// Runs wirelens on `files` (every run must end cleanly) and holds `fields`
/// against tshark's, cell by cell (those `keep` accepts); the agreement must
/// reach `$min_env` (or `default_min`) percent.
#[allow(clippy::too_many_arguments)]
fn compare(
    dir: &Path,
    files: &[PathBuf],
    fields: &[&str],
    all_commands: bool,
    what: &str,
    min_env: &str,
    default_min: f64,
    keep: fn(&str, &[String], &[String]) -> bool,
) {
    let tshark = have_tshark();
    if !tshark {
        eprintln!("NOTE: tshark is not installed: checking for clean exits only (apt-get install tshark for the field comparison)");
    }
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tshark-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let failures = Mutex::new(Vec::new());
    // field -> (agree, total)
    let stats: Mutex<BTreeMap<&str, (u64, u64)>> = Mutex::new(BTreeMap::new());
    let examples: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let per_file: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());
    let mut field_args: Vec<&str> = vec!["packets", "-T", "fields"];
    for f in fields {
        field_args.push("-e");
        field_args.push(f);
    }
    run_parallel(files, |file| {
        if all_commands {
            run_checked(&["packets"], file, &failures);
            run_checked(&["tree", "--json"], file, &failures);
        }
        let Some(ours) = run_checked(&field_args, file, &failures) else {
            return;
        };
        if !tshark {
            return;
        }
        let Some(theirs) = tshark_fields(file, &cache, fields) else {
            return;
        };
        let (w, g) = (cells(&theirs, fields.len()), cells(&ours, fields.len()));
        let mut local: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut local_bad = 0;
        let empty = vec![Vec::new(); fields.len()];
        for i in 0..w.len().max(g.len()) {
            let (wr, gr) = (w.get(i).unwrap_or(&empty), g.get(i).unwrap_or(&empty));
            for (j, f) in fields.iter().enumerate() {
                if (wr[j].is_empty() && gr[j].is_empty()) || !keep(f, &wr[j], &gr[j]) {
                    continue;
                }
                let e = local.entry(f).or_default();
                e.1 += 1;
                if wr[j] == gr[j] {
                    e.0 += 1;
                } else {
                    let mut ex = examples.lock().unwrap();
                    if local_bad < 40 {
                        local_bad += 1;
                        ex.push(format!(
                            "{} frame {} {}: tshark {:?} wirelens {:?}",
                            file.strip_prefix(dir).unwrap_or(file).display(),
                            i + 1,
                            f,
                            wr[j],
                            gr[j]
                        ));
                    }
                }
            }
        }
        let bad: u64 = local.values().map(|(a, n)| n - a).sum();
        if bad > 0 {
            per_file
                .lock()
                .unwrap()
                .push((bad, file.strip_prefix(dir).unwrap_or(file).display().to_string()));
        }
        let mut s = stats.lock().unwrap();
        for (k, (a, n)) in local {
            let e = s.entry(k).or_default();
            e.0 += a;
            e.1 += n;
        }
    });
    let failures = failures.into_inner().unwrap();
    for f in failures.iter().take(30) {
        eprintln!("FAILED: {f}");
    }
    assert!(
        failures.is_empty(),
        "{} runs ended badly (panic, signal or an exit without a message)",
        failures.len()
    );
    if !tshark {
        return;
    }
    let stats = stats.into_inner().unwrap();
    let (mut a, mut n) = (0u64, 0u64);
    for (f, (ok, tot)) in &stats {
        a += ok;
        n += tot;
        if ok < tot {
            eprintln!("  {f:32} {:7.3}% ({ok}/{tot})", 100.0 * *ok as f64 / *tot as f64);
        }
    }
    let mut pf = per_file.into_inner().unwrap();
    pf.sort_by(|a, b| b.cmp(a));
    for (bad, f) in pf.iter().take(40) {
        eprintln!("  {bad:6} cells differ in {f}");
    }
    let ex = examples.into_inner().unwrap();
    let name = format!("corpus-disagreements-{}.txt", what.replace('/', "-"));
    let report = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::write(&report, ex.join("\n"));
    for e in ex.iter().take(25) {
        eprintln!("  e.g. {e}");
    }
    let pct = 100.0 * a as f64 / n.max(1) as f64;
    eprintln!(
        "agreement with tshark on {what} fields: {pct:.3}% ({a}/{n} cells, {} files); disagreements listed in {}",
        files.len(),
        report.display()
    );
    let min: f64 = std::env::var(min_env)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_min);
    assert!(pct >= min, "agreement {pct:.3}% is below {min}%");
}
