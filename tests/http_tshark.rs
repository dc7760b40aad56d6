//! HTTP against tshark on the corpus's HTTP captures: the `http.*` fields of
//! `wirelens packets -T fields` and `tshark -T fields`, cell by cell on the
//! frames each puts them on (tshark in its default single pass, so forward
//! references like `http.response_in` are on neither side).
//!
//! Known disagreements (where tshark is wrong or does something else):
//! pipelined responses (tshark 4.0 pairs a response with the last request,
//! not the oldest unanswered one), `100 Continue` (tshark numbers it as a
//! transaction of its own), SSDP over UDP (not TCP HTTP), methods tshark does
//! not know (QUERY), frames cut by the snap length (tshark parses the cut
//! head, we wait for the bytes that never come), obsolete line folding.
//! `MIN_HTTP_AGREE` overrides the floor.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use common::{corpus_dir, have_tshark, run_parallel, wirelens};

const FIELDS: &[&str] = &[
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.response.version",
    "http.response.code",
    "http.response.code.desc",
    "http.response.phrase",
    "http.host",
    "http.user_agent",
    "http.accept",
    "http.content_length_header",
    "http.content_length",
    "http.content_type",
    "http.content_encoding",
    "http.transfer_encoding",
    "http.connection",
    "http.location",
    "http.cache_control",
    "http.last_modified",
    "http.server",
    "http.date",
    "http.request.full_uri",
    "http.response_for.uri",
    "http.request_in",
    "http.time",
    "http.prev_request_in",
    "http.prev_response_in",
    "http.request_number",
    "http.response_number",
    "http.chunk_size",
    "http.request.line",
    "http.response.line",
    "http.file_data",
];

fn norm(v: &str) -> String {
    let v = v.trim();
    if let Ok(f) = v.parse::<f64>() {
        if v.contains('.') {
            return format!("{:.6}", f);
        }
    }
    v.to_ascii_lowercase()
}

fn cells(text: &str) -> Vec<Vec<Vec<String>>> {
    text.lines()
        .map(|l| {
            let mut parts: Vec<&str> = l.split('\t').collect();
            parts.resize(FIELDS.len(), "");
            parts
                .iter()
                .map(|p| {
                    if p.is_empty() {
                        Vec::new()
                    } else {
                        p.split(',').map(norm).collect()
                    }
                })
                .collect()
        })
        .collect()
}

fn fields_args(cmd: &mut Command) {
    cmd.args(["-T", "fields"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
}

#[test]
fn http_fields_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIP: ../shared/corpus is absent");
        return;
    };
    if !have_tshark() {
        eprintln!("SKIP: tshark is not installed");
        return;
    }
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    let files: Vec<PathBuf> = manifest
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            cols.get(7)?.split(',').any(|p| p == "http").then(|| dir.join(cols[0]))
        })
        .filter(|p| p.is_file())
        .collect();
    let stats: Mutex<BTreeMap<&str, (u64, u64)>> = Mutex::new(BTreeMap::new());
    let crashed = Mutex::new(Vec::new());
    run_parallel(&files, |file| {
        let mut t = Command::new("tshark");
        t.args(["-n", "-r"])
            .arg(file)
            .args(["-E", "occurrence=a", "-E", "aggregator=,"]);
        fields_args(&mut t);
        let Ok(theirs) = t.output() else { return };
        let mut w = Command::new(wirelens());
        w.arg("packets").arg(file);
        fields_args(&mut w);
        let Ok(ours) = w.output() else { return };
        if String::from_utf8_lossy(&ours.stderr).contains("panicked") {
            crashed.lock().unwrap().push(file.display().to_string());
        }
        let (a, b) = (
            cells(&String::from_utf8_lossy(&theirs.stdout)),
            cells(&String::from_utf8_lossy(&ours.stdout)),
        );
        let empty = vec![Vec::new(); FIELDS.len()];
        let mut s = stats.lock().unwrap();
        for i in 0..a.len().max(b.len()) {
            let (x, y) = (a.get(i).unwrap_or(&empty), b.get(i).unwrap_or(&empty));
            for (j, f) in FIELDS.iter().enumerate() {
                if x[j].is_empty() && y[j].is_empty() {
                    continue;
                }
                let e = s.entry(f).or_default();
                e.1 += 1;
                if x[j] == y[j] {
                    e.0 += 1;
                }
            }
        }
    });
    let crashed = crashed.into_inner().unwrap();
    assert!(crashed.is_empty(), "wirelens panicked on {crashed:?}");
    let stats = stats.into_inner().unwrap();
    let (ok, n) = stats.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    for (f, (a, t)) in &stats {
        eprintln!("  {f:32} {:6.2}% ({a}/{t})", 100.0 * *a as f64 / *t as f64);
    }
    let pct = 100.0 * ok as f64 / n.max(1) as f64;
    eprintln!(
        "HTTP agreement with tshark: {pct:.3}% ({ok}/{n} cells, {} files)",
        files.len()
    );
    let min: f64 = std::env::var("MIN_HTTP_AGREE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(88.0);
    assert!(pct >= min, "HTTP agreement {pct:.3}% is below {min}%");
}
