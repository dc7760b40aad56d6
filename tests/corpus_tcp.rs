//! The TCP engine against real captures: every TCP flow of ../shared/corpus
//! gets a conn_state without a crash; where tshark is installed, the stream
//! numbering, per-flow packet and byte counts and the analysis flags are
//! held against tshark's on the same packets.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::{corpus_dir, corpus_files, have_tshark, run_parallel, wirelens};

/// tshark's expert messages for the analysis flags, and our codes for them.
const FLAG_MESSAGES: &[(&str, &str)] = &[
    ("This frame is a (suspected) retransmission", "retransmission"),
    ("This frame is a (suspected) fast retransmission", "fast_retransmission"),
    (
        "This frame is a (suspected) spurious retransmission",
        "spurious_retransmission",
    ),
    ("This frame is a (suspected) out-of-order segment", "out_of_order"),
    (
        "Previous segment(s) not captured (common at capture start)",
        "lost_segment",
    ),
    (
        "ACKed segment that wasn't captured (common at capture start)",
        "ack_lost_segment",
    ),
    ("TCP window update", "window_update"),
    (
        "TCP window specified by the receiver is now completely full",
        "window_full",
    ),
    ("TCP keep-alive segment", "keep_alive"),
    ("ACK to a TCP keep-alive segment", "keep_alive_ack"),
    ("TCP Zero Window segment", "zero_window"),
    ("TCP Zero Window Probe", "zero_window_probe"),
    ("ACK to a TCP Zero Window Probe", "zero_window_probe_ack"),
    (
        "A new tcp session is started with the same ports as an earlier session in this trace",
        "reused_ports",
    ),
];

fn flags_of(msgs: &str) -> BTreeSet<&'static str> {
    let mut s = BTreeSet::new();
    for m in msgs.split('|') {
        if m.starts_with("Duplicate ACK (#") {
            s.insert("duplicate_ack");
            continue;
        }
        if let Some((_, code)) = FLAG_MESSAGES.iter().find(|(t, _)| *t == m) {
            s.insert(*code);
        }
    }
    s
}

/// frame -> (tcp.stream, frame.len, flags)
type Frames = Vec<(Option<u64>, u64, BTreeSet<&'static str>)>;

fn parse_fields(text: &str) -> Frames {
    text.lines()
        .map(|l| {
            let mut it = l.split('\t');
            let stream = it.next().and_then(|s| s.split(',').next()).and_then(|s| s.parse().ok());
            let len = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let flags = flags_of(it.next().unwrap_or(""));
            (stream, len, flags)
        })
        .collect()
}

const ARGS: &[&str] = &[
    "-T",
    "fields",
    "-E",
    "aggregator=|",
    "-e",
    "tcp.stream",
    "-e",
    "frame.len",
    "-e",
    "_ws.expert.message",
];

fn tshark(file: &Path, cache: &Path) -> Option<String> {
    let key = format!("tcp-{:x}", common_hash(&std::fs::read(file).ok()?));
    let path = cache.join(key);
    if let Ok(s) = std::fs::read_to_string(&path) {
        return Some(s);
    }
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(ARGS)
        .args(["-E", "occurrence=a"])
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::write(&path, &s);
    Some(s)
}

fn common_hash(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for x in b {
        h ^= u64::from(*x);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[derive(Default)]
struct Tally {
    /// field -> (agree, total)
    cells: BTreeMap<String, (u64, u64)>,
    examples: Vec<String>,
    failures: Vec<String>,
    flows_files: u64,
    conn_states: BTreeMap<String, u64>,
}

impl Tally {
    fn count(&mut self, what: &str, ok: bool, example: impl FnOnce() -> String) {
        let e = self.cells.entry(what.to_string()).or_default();
        e.1 += 1;
        if ok {
            e.0 += 1;
        } else if self.examples.len() < 3000 {
            self.examples.push(example());
        }
    }
}

#[test]
fn corpus_tcp_flows_and_analysis_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP: ../shared/corpus is absent; the TCP conformance test needs it");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let tcp_files: BTreeSet<String> = manifest
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(7).is_some_and(|p| p.split(',').any(|x| x == "tcp")))
        .filter_map(|l| l.split('\t').next().map(String::from))
        .collect();
    let files: Vec<PathBuf> = corpus_files(&dir)
        .into_iter()
        .filter(|f| tcp_files.contains(&f.strip_prefix(&dir).unwrap().display().to_string()))
        .collect();
    assert!(files.len() > 50, "expected many TCP captures, found {}", files.len());
    let tshark_ok = have_tshark();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tshark-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let tally = Mutex::new(Tally::default());
    run_parallel(&files, |file| {
        let name = file.strip_prefix(&dir).unwrap_or(file).display().to_string();
        let flows = Command::new(wirelens())
            .args(["flows"])
            .arg(file)
            .output()
            .expect("run wirelens");
        let code = flows.status.code();
        let stderr = String::from_utf8_lossy(&flows.stderr);
        if !(code == Some(0) || (code == Some(1) && stderr.starts_with("wirelens: "))) || stderr.contains("panicked") {
            tally.lock().unwrap().failures.push(format!(
                "{name}: flows exit {code:?}: {}",
                stderr.chars().take(300).collect::<String>()
            ));
            return;
        }
        // Every TCP flow has a conn_state.
        let mut ours: HashMap<u64, (u64, u64)> = HashMap::new();
        for line in String::from_utf8_lossy(&flows.stdout).lines() {
            let v: serde_json::Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    tally
                        .lock()
                        .unwrap()
                        .failures
                        .push(format!("{name}: bad JSON line: {e}"));
                    return;
                }
            };
            if v["proto"] != "tcp" {
                continue;
            }
            let cs = v["conn_state"].as_str().unwrap_or("").to_string();
            if cs.is_empty() {
                tally
                    .lock()
                    .unwrap()
                    .failures
                    .push(format!("{name}: a TCP flow without conn_state: {line}"));
            }
            *tally.lock().unwrap().conn_states.entry(cs).or_default() += 1;
            let id = v["id"].as_u64().unwrap_or(u64::MAX);
            let pk = v["packets"]["client"].as_u64().unwrap_or(0) + v["packets"]["server"].as_u64().unwrap_or(0);
            let by = v["bytes"]["client"].as_u64().unwrap_or(0) + v["bytes"]["server"].as_u64().unwrap_or(0);
            ours.insert(id, (pk, by));
        }
        if !tshark_ok {
            return;
        }
        let Some(theirs) = tshark(file, &cache) else { return };
        let out = Command::new(wirelens())
            .args(["packets"])
            .arg(file)
            .args(ARGS)
            .output()
            .expect("run wirelens");
        let (t, w) = (
            parse_fields(&theirs),
            parse_fields(&String::from_utf8_lossy(&out.stdout)),
        );
        // Flows: tshark's per-stream totals.
        let mut per: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        for (s, len, _) in &t {
            if let Some(s) = s {
                let e = per.entry(*s).or_default();
                e.0 += 1;
                e.1 += len;
            }
        }
        let mut tl = tally.lock().unwrap();
        tl.flows_files += 1;
        tl.count("flow count", per.len() == ours.len(), || {
            format!("{name}: tshark {} TCP streams, wirelens {}", per.len(), ours.len())
        });
        for (id, (pk, by)) in &per {
            let got = ours.get(id).copied();
            tl.count("flow packets", got.map(|g| g.0) == Some(*pk), || {
                format!(
                    "{name} stream {id}: packets tshark {pk}, wirelens {:?}",
                    got.map(|g| g.0)
                )
            });
            tl.count("flow bytes", got.map(|g| g.1) == Some(*by), || {
                format!("{name} stream {id}: bytes tshark {by}, wirelens {:?}", got.map(|g| g.1))
            });
        }
        for (i, (ts, _, tf)) in t.iter().enumerate() {
            let Some((ws, _, wf)) = w.get(i) else { break };
            if ts.is_some() || ws.is_some() {
                tl.count("tcp.stream", ts == ws, || {
                    format!("{name} frame {}: tcp.stream tshark {ts:?} wirelens {ws:?}", i + 1)
                });
            }
            for f in tf.union(wf) {
                let ok = tf.contains(f) && wf.contains(f);
                tl.count(&format!("tcp.analysis.{f}"), ok, || {
                    format!(
                        "{name} frame {}: {f}: tshark {} wirelens {}",
                        i + 1,
                        tf.contains(f),
                        wf.contains(f)
                    )
                });
            }
        }
    });
    let t = tally.into_inner().unwrap();
    for f in t.failures.iter().take(20) {
        eprintln!("FAILED: {f}");
    }
    assert!(t.failures.is_empty(), "{} files ended badly", t.failures.len());
    eprintln!("conn_state over {} files: {:?}", files.len(), t.conn_states);
    if !tshark_ok {
        eprintln!("NOTE: tshark is not installed: only clean exits and conn_states were checked");
        return;
    }
    let report = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus-tcp-disagreements.txt");
    let _ = std::fs::write(&report, t.examples.join("\n"));
    let mut worst = 100.0f64;
    for (k, (a, n)) in &t.cells {
        let pct = 100.0 * *a as f64 / (*n).max(1) as f64;
        eprintln!("  {k:40} {pct:7.3}% ({a}/{n})");
        if k == "flow count" || k == "tcp.stream" || k == "flow packets" || k == "flow bytes" {
            worst = worst.min(pct);
        }
    }
    eprintln!(
        "TCP flows and analysis vs tshark over {} files; disagreements in {}",
        t.flows_files,
        report.display()
    );
    let min: f64 = std::env::var("MIN_TCP_AGREE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(89.0);
    assert!(worst >= min, "stream/flow agreement {worst:.3}% is below {min}%");
}
