//! Golden outputs: every bundled sample through `packets`, `tree`,
//! `-T fields` and `flows --format jsonl`, compared with the blessed files in
//! tests/golden/. `UPDATE_GOLDEN=1 cargo test --test golden` re-blesses
//! them; review the diff. The tree of a sample of more than
//! [`TREE_FULL_MAX`] frames (syn-flood.pcap, over 1 MB of tree) is blessed
//! for its first [`TREE_FRAMES`] frames only; its other outputs are whole.

mod common;

use std::path::{Path, PathBuf};

use common::{root, run};

/// Samples with more frames than this get a shortened tree golden.
const TREE_FULL_MAX: usize = 100;
/// Frames of tree blessed for those.
const TREE_FRAMES: &str = "24";

const FIELDS: &[&str] = &[
    "frame.number",
    "frame.time_relative",
    "eth.src",
    "eth.dst",
    "vlan.id",
    "arp.opcode",
    "ip.src",
    "ip.dst",
    "ip.id",
    "ip.flags.mf",
    "ip.frag_offset",
    "ip.checksum.status",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "icmp.type",
    "icmpv6.type",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum.status",
    "tcp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "tcp.flags.str",
    "tcp.window_size",
    "tcp.options.mss_val",
    "dns.id",
    "dns.flags.rcode",
    "dns.qry.name",
    "dns.a",
    "dns.response_to",
    "http.request.method",
    "http.request.uri",
    "http.response.code",
    "http.request_in",
    "websocket.opcode",
    "websocket.payload_length",
    "_ws.malformed",
];

/// The generated samples, then the captures of real programs in samples/real.
fn samples() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["samples", "samples/real"] {
        let mut d: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .expect("samples/ exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pcap" | "pcapng")))
            .collect();
        d.sort();
        v.extend(d);
    }
    v
}

fn check(name: &str, got: &str) -> Option<String> {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).expect("write golden");
        return None;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if want == got {
        return None;
    }
    let first = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(want.lines().count().min(got.lines().count()));
    Some(format!(
        "{name} differs at line {}:\n  golden: {:?}\n  now:    {:?}\n(UPDATE_GOLDEN=1 re-blesses after review)",
        first + 1,
        want.lines().nth(first).unwrap_or("<end>"),
        got.lines().nth(first).unwrap_or("<end>")
    ))
}

fn stem(p: &Path) -> String {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    match p.parent().and_then(|d| d.file_name()) {
        Some(d) if d == "real" => format!("real-{name}"),
        _ => name,
    }
}

#[test]
fn samples_match_their_golden_outputs() {
    let mut failures = Vec::new();
    let files = samples();
    assert!(files.len() >= 10, "expected the bundled samples, found {}", files.len());
    for f in &files {
        let p = f.to_str().unwrap();
        let s = stem(f);
        let (code, out, err) = run(&["packets", p]);
        assert_eq!(code, 0, "packets {s}: {err}");
        failures.extend(check(&format!("{s}.packets.txt"), &out));
        let mut tree_args = vec!["tree", p];
        if out.lines().count() > TREE_FULL_MAX {
            tree_args.extend(["-c", TREE_FRAMES]);
        }
        let (code, out, err) = run(&tree_args);
        assert_eq!(code, 0, "tree {s}: {err}");
        failures.extend(check(&format!("{s}.tree.txt"), &out));
        let mut args = vec!["packets", p, "-T", "fields", "-E", "header=y"];
        for f in FIELDS {
            args.push("-e");
            args.push(f);
        }
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "fields {s}: {err}");
        failures.extend(check(&format!("{s}.fields.tsv"), &out));
        let (code, out, err) = run(&["flows", p, "--format", "jsonl"]);
        assert_eq!(code, 0, "flows {s}: {err}");
        failures.extend(check(&format!("{s}.flows.jsonl"), &out));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tree_json_is_one_valid_object_per_frame() {
    for f in samples() {
        let (code, out, err) = run(&["tree", f.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{err}");
        let (_, lines, _) = run(&["packets", f.to_str().unwrap()]);
        assert_eq!(out.lines().count(), lines.lines().count(), "{}", f.display());
        for (i, line) in out.lines().enumerate() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{} line {}: {e}", f.display(), i + 1));
            assert_eq!(v["frame"], serde_json::json!(i + 1));
            let nodes = v["nodes"].as_array().expect("nodes");
            assert_eq!(nodes[0]["name"], "frame");
            for n in nodes {
                assert!(n["offset"].is_u64() && n["length"].is_u64() && n["label"].is_string());
            }
        }
    }
}
