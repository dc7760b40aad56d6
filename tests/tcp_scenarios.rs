//! The TCP samples (samples/*.pcap, made by samples/gen/src/tcp_*.rs), one
//! story each. Every test runs the real binary and checks the story's lesson:
//! the flow summary (conn_state, history, both final states, who closed
//! first, who waits in TIME-WAIT, every state transition, anomaly counts),
//! the Info prefixes of `packets` and the lines of `tree`. When tshark is
//! installed, tshark must flag the same frames with the same analysis flags
//! and count the same conversations.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::{have_tshark, root, run};
use serde_json::Value;

/// 2026-01-01T00:00:00Z, where every sample's clock starts.
const BASE: f64 = 1_767_225_600.0;

const TCP_SAMPLES: &[&str] = &[
    "tcp-handshake.pcap",
    "client-close.pcap",
    "server-close.pcap",
    "simultaneous-close.pcap",
    "half-close.pcap",
    "fin-retransmit.pcap",
    "rst-time-wait.pcap",
    "rst-abort.pcap",
    "refused.pcap",
    "port-reuse.pcap",
    "simultaneous-open.pcap",
    "syn-flood.pcap",
    "retransmission.pcap",
    "zero-window.pcap",
    "keepalive.pcap",
    "midstream.pcap",
];

/// Wireshark's sequence analysis flags (the fields wirelens and tshark share).
const FLAGS: &[&str] = &[
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.window_update",
    "tcp.analysis.window_full",
    "tcp.analysis.keep_alive",
    "tcp.analysis.keep_alive_ack",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window",
    "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack",
    "tcp.analysis.reused_ports",
];

fn path(sample: &str) -> String {
    root().join("samples").join(sample).to_string_lossy().into_owned()
}

fn wirelens(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "wirelens {args:?}: {err}");
    out
}

/// `flows --format jsonl`, in id order.
fn flows(sample: &str) -> Vec<Value> {
    let out = wirelens(&["flows", &path(sample), "--format", "jsonl"]);
    let mut v: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    v.sort_by_key(|f| f["id"].as_u64());
    v
}

/// The only flow of a one-connection sample.
fn flow(sample: &str) -> Value {
    let mut v = flows(sample);
    assert_eq!(v.len(), 1, "{sample} holds one connection");
    v.remove(0)
}

type Step = (u64, String, String, String);

/// The `states` timeline as (frame, side, from, to).
fn timeline(f: &Value) -> Vec<Step> {
    f["states"]
        .as_array()
        .expect("states")
        .iter()
        .map(|s| {
            let t = |k: &str| s[k].as_str().expect("string").to_string();
            (s["frame"].as_u64().expect("frame"), t("side"), t("from"), t("to"))
        })
        .collect()
}

/// Expected steps, one per line: `FRAME C|S FROM TO`.
fn steps(spec: &str) -> Vec<Step> {
    spec.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(w.len(), 4, "bad step {l:?}");
            let side = match w[1] {
                "C" => "client",
                "S" => "server",
                s => panic!("side {s}"),
            };
            (
                w[0].parse().expect("frame"),
                side.to_string(),
                w[2].to_string(),
                w[3].to_string(),
            )
        })
        .collect()
}

/// The handshake every connection opened with SYN, SYN-ACK, ACK in frames n, n+1, n+2 has.
fn handshake(n: u64) -> String {
    format!(
        "{n} C CLOSED SYN-SENT\n{} S LISTEN SYN-RECEIVED\n{} C SYN-SENT ESTABLISHED\n{} S SYN-RECEIVED ESTABLISHED",
        n + 1,
        n + 1,
        n + 2
    )
}

fn side_steps(f: &Value, side: &str) -> Vec<Step> {
    timeline(f).into_iter().filter(|s| s.1 == side).collect()
}

fn anomalies(f: &Value) -> BTreeMap<String, u64> {
    f["anomalies"]
        .as_object()
        .expect("anomalies")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (format!("tcp.analysis.{k}"), *v)).collect()
}

/// Checks the summary fields every story states.
#[track_caller]
fn summary(f: &Value, conn_state: &str, history: &str, client: &str, server: &str, first_closer: Option<&str>) {
    assert_eq!(f["conn_state"], conn_state, "conn_state");
    assert_eq!(f["history"], history, "history");
    assert_eq!(f["client_state"], client, "client_state");
    assert_eq!(f["server_state"], server, "server_state");
    assert_eq!(f["first_closer"].as_str(), first_closer, "first_closer");
}

/// TIME-WAIT: the side, and that it starts at `since` (s after 2026) and lasts 2MSL = 60 s.
#[track_caller]
fn time_wait(f: &Value, side: &str, since: f64) {
    let tw = &f["time_wait"];
    assert_eq!(tw["side"], side, "time_wait.side");
    let s = tw["since"].as_f64().expect("since") - BASE;
    let u = tw["until"].as_f64().expect("until") - BASE;
    assert!((s - since).abs() < 1e-6, "time_wait.since {s} != {since}");
    assert!(
        (u - s - 60.0).abs() < 1e-6,
        "TIME-WAIT lasts 2MSL = 60 s, not {}",
        u - s
    );
}

/// `packets` lines, by frame number (1-based).
fn packets(sample: &str) -> Vec<String> {
    wirelens(&["packets", &path(sample)])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The Info column's analysis prefix of frame `n`: everything from the first `[TCP` up to the ports.
fn prefix(lines: &[String], n: usize) -> String {
    let l = &lines[n - 1];
    match l.find("[TCP ") {
        Some(i) => {
            let rest = &l[i..];
            let end = rest.rfind("] ").map(|j| j + 1).unwrap_or(0);
            // Only the leading run of [...] groups that start with "TCP ".
            let mut out = String::new();
            let mut r = &rest[..end];
            while let Some(stripped) = r.strip_prefix('[') {
                let Some(close) = stripped.find(']') else { break };
                let group = &stripped[..close];
                if !group.starts_with("TCP ") {
                    break;
                }
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&r[..close + 2]);
                r = stripped[close + 1..].trim_start();
            }
            out
        }
        None => String::new(),
    }
}

#[track_caller]
fn prefixes(lines: &[String], want: &[(usize, &str)]) {
    let want: BTreeMap<usize, &str> = want.iter().copied().collect();
    for n in 1..=lines.len() {
        assert_eq!(
            prefix(lines, n),
            want.get(&n).copied().unwrap_or(""),
            "Info prefix of frame {n}: {}",
            lines[n - 1]
        );
    }
}

/// The `tree` of one frame, as trimmed lines.
fn tree(sample: &str, frame: u64) -> Vec<String> {
    wirelens(&["tree", &path(sample), "--frame", &frame.to_string()])
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

#[track_caller]
fn has(lines: &[String], want: &str) {
    assert!(
        lines.iter().any(|l| l.starts_with(want)),
        "no line starting with {want:?} in:\n{}",
        lines.join("\n")
    );
}

#[track_caller]
fn lacks(lines: &[String], unwanted: &str) {
    assert!(
        !lines.iter().any(|l| l.contains(unwanted)),
        "unexpected {unwanted:?} in:\n{}",
        lines.join("\n")
    );
}

/// Frame -> analysis flags, from `tree --json`.
fn wirelens_flags(sample: &str) -> BTreeMap<u64, BTreeSet<String>> {
    fn walk(nodes: &[Value], out: &mut BTreeSet<String>) {
        for n in nodes {
            if let Some(name) = n["name"].as_str() {
                if FLAGS.contains(&name) {
                    out.insert(name.to_string());
                }
            }
            if let Some(c) = n["children"].as_array() {
                walk(c, out);
            }
        }
    }
    let mut m = BTreeMap::new();
    for line in wirelens(&["tree", &path(sample), "--json"]).lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        let mut set = BTreeSet::new();
        walk(v["nodes"].as_array().expect("nodes"), &mut set);
        if !set.is_empty() {
            m.insert(v["frame"].as_u64().expect("frame"), set);
        }
    }
    m
}

fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark").args(args).output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Frame -> analysis flags, as tshark sees them.
fn tshark_flags(sample: &str) -> BTreeMap<u64, BTreeSet<String>> {
    let p = path(sample);
    let mut args = vec!["-r", p.as_str(), "-T", "fields", "-e", "frame.number"];
    for f in FLAGS {
        args.push("-e");
        args.push(f);
    }
    let mut m = BTreeMap::new();
    for line in tshark(&args).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let frame: u64 = cols[0].parse().expect("frame number");
        let set: BTreeSet<String> = FLAGS
            .iter()
            .zip(&cols[1..])
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, _)| f.to_string())
            .collect();
        if !set.is_empty() {
            m.insert(frame, set);
        }
    }
    m
}

// ---------------------------------------------------------------- closing

#[test]
fn client_close_four_segments_and_the_client_waits_in_time_wait() {
    let s = "client-close.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShADdFaf", "TIME-WAIT", "CLOSED", Some("client"));
    time_wait(&f, "client", 5.061930);
    let want = handshake(1)
        + "
        7 C ESTABLISHED FIN-WAIT-1
        7 S ESTABLISHED CLOSE-WAIT
        8 C FIN-WAIT-1 FIN-WAIT-2
        9 S CLOSE-WAIT LAST-ACK
        9 C FIN-WAIT-2 TIME-WAIT
        10 S LAST-ACK CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(anomalies(&f), counts(&[]));
    prefixes(&packets(s), &[]);
    has(&tree(s, 1), "[Handshake step: 1 of 3, SYN:");
    has(&tree(s, 2), "[Handshake step: 2 of 3, SYN-ACK:");
    has(&tree(s, 3), "[Handshake step: 3 of 3, ACK:");
    let t = tree(s, 7);
    has(
        &t,
        "[Teardown step: 1 of 4, FIN: the client closes its sending half first (the active closer)]",
    );
    has(&t, "[Client state: FIN-WAIT-1]");
    has(&t, "[Server state: CLOSE-WAIT]");
    has(&tree(s, 8), "[Teardown step: 2 of 4, ACK of the client's FIN]");
    let t = tree(s, 9);
    has(
        &t,
        "[Teardown step: 3 of 4, FIN: the server closes its sending half too]",
    );
    has(&t, "[Transition: client got FIN: FIN-WAIT-2 -> TIME-WAIT]");
    has(
        &t,
        "[the client waits in TIME-WAIT for 2MSL = 60 s, until 65.061930 s into the capture",
    );
    let t = tree(s, 10);
    has(&t, "[Teardown step: 4 of 4, ACK of the server's FIN]");
    has(&t, "[Server state: CLOSED]");
}

#[test]
fn server_close_http10_the_server_waits_in_time_wait() {
    let s = "server-close.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShADdfFa", "CLOSED", "TIME-WAIT", Some("server"));
    time_wait(&f, "server", 0.060835);
    let want = handshake(1)
        + "
        6 S ESTABLISHED FIN-WAIT-1
        6 C ESTABLISHED CLOSE-WAIT
        7 S FIN-WAIT-1 FIN-WAIT-2
        8 C CLOSE-WAIT LAST-ACK
        8 S FIN-WAIT-2 TIME-WAIT
        9 C LAST-ACK CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(anomalies(&f), counts(&[]));
    prefixes(&packets(s), &[]);
    let t = tree(s, 6);
    has(
        &t,
        "[Teardown step: 1 of 4, FIN: the server closes its sending half first (the active closer)]",
    );
    has(&t, "[the FIN rides on the server's last 900 bytes of data]");
    has(&tree(s, 8), "[the server waits in TIME-WAIT for 2MSL = 60 s");
}

#[test]
fn simultaneous_close_both_sides_go_through_closing_to_time_wait() {
    let s = "simultaneous-close.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShAdDFfa", "TIME-WAIT", "TIME-WAIT", Some("both"));
    // Both wait: the summary says so, from the first to the last end of 2MSL.
    assert_eq!(f["time_wait"]["side"], "both");
    let client = "1 C CLOSED SYN-SENT
        2 C SYN-SENT ESTABLISHED
        8 C ESTABLISHED FIN-WAIT-1
        9 C FIN-WAIT-1 CLOSING
        11 C CLOSING TIME-WAIT";
    assert_eq!(side_steps(&f, "client"), steps(client));
    // The server's FIN (frame 9) does not acknowledge the client's (frame 8):
    // it was sent before the client's FIN arrived, so the server closed actively
    // too: RFC 793 figure 14, ESTABLISHED -> FIN-WAIT-1 -> CLOSING -> TIME-WAIT.
    let server = "2 S LISTEN SYN-RECEIVED
        3 S SYN-RECEIVED ESTABLISHED
        9 S ESTABLISHED FIN-WAIT-1
        9 S FIN-WAIT-1 CLOSING
        10 S CLOSING TIME-WAIT";
    assert_eq!(side_steps(&f, "server"), steps(server));
    assert_eq!(anomalies(&f), counts(&[]));
    let t = tree(s, 9);
    has(&t, "[Client state: CLOSING]");
    has(&t, "[Server state: CLOSING]");
    has(
        &t,
        "[simultaneous close: both sides sent FIN before receiving the other's",
    );
    let lines = packets(s);
    prefixes(&lines, &[]);
    assert!(
        lines[8].contains("[FIN, PSH, ACK] Seq=87 Ack=32 "),
        "the server's FIN does not cover the client's FIN (seq 32): {}",
        lines[8]
    );
}

#[test]
fn half_close_the_server_keeps_sending_from_close_wait() {
    let s = "half-close.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShADFadf", "TIME-WAIT", "CLOSED", Some("client"));
    time_wait(&f, "client", 0.630070);
    let want = handshake(1)
        + "
        6 C ESTABLISHED FIN-WAIT-1
        6 S ESTABLISHED CLOSE-WAIT
        7 C FIN-WAIT-1 FIN-WAIT-2
        18 S CLOSE-WAIT LAST-ACK
        18 C FIN-WAIT-2 TIME-WAIT
        19 S LAST-ACK CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(
        f["payload_bytes"]["server"],
        420 + 1100 + 760 + 1300 + 380,
        "the server sent all its results after the client's FIN"
    );
    for n in [8, 10, 12, 14, 16] {
        let t = tree(s, n);
        has(&t, "[Client state: FIN-WAIT-2]");
        has(&t, "[Server state: CLOSE-WAIT]");
        has(
            &t,
            "[half-close: the client already sent its FIN, but the server keeps sending data",
        );
    }
    prefixes(&packets(s), &[]);
}

#[test]
fn fin_retransmit_last_ack_resends_its_fin_and_time_wait_restarts() {
    let s = "fin-retransmit.pcap";
    let f = flow(s);
    // Zeek's history letter t is for retransmitted payload; frame 9 carries none,
    // so only the letters before it are asserted (wirelens adds a 't').
    assert!(
        f["history"].as_str().expect("history").starts_with("ShADdFf"),
        "{}",
        f["history"]
    );
    summary(
        &f,
        "SF",
        f["history"].as_str().expect("history"),
        "TIME-WAIT",
        "CLOSED",
        Some("client"),
    );
    // TIME-WAIT restarted by the retransmitted FIN (frame 9), not frame 8.
    time_wait(&f, "client", 1.292045);
    let want = handshake(1)
        + "
        7 C ESTABLISHED FIN-WAIT-1
        7 S ESTABLISHED CLOSE-WAIT
        8 C FIN-WAIT-1 FIN-WAIT-2
        8 S CLOSE-WAIT LAST-ACK
        8 C FIN-WAIT-2 TIME-WAIT
        10 S LAST-ACK CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(anomalies(&f), counts(&[("retransmission", 1)]));
    prefixes(&packets(s), &[(9, "[TCP Retransmission]")]);
    let t = tree(s, 9);
    has(&t, "[Client state: TIME-WAIT]");
    has(&t, "[Server state: LAST-ACK]");
    has(&t, "[retransmitted FIN: the server did not get the final ACK (lost or late); the client in TIME-WAIT acknowledges it again and restarts its 2MSL timer]");
    has(
        &tree(s, 10),
        "[Transition: server got the ACK of its FIN (the last ACK): LAST-ACK -> CLOSED]",
    );
}

#[test]
fn rst_into_time_wait_assassinates_it() {
    let s = "rst-time-wait.pcap";
    let f = flow(s);
    summary(&f, "RSTR", "ShADdFftr", "CLOSED", "CLOSED", Some("client"));
    // TIME-WAIT began at frame 9 and the RST of frame 13 ended it early.
    let tw = &f["time_wait"];
    assert_eq!(tw["side"], "client");
    assert!((tw["since"].as_f64().unwrap() - BASE - 1.040170).abs() < 1e-6);
    let until = tw["until"].as_f64().unwrap() - BASE;
    assert!(until < 60.0, "the RST ended TIME-WAIT early, not after 2MSL: {until}");
    let want = handshake(1)
        + "
        8 C ESTABLISHED FIN-WAIT-1
        8 S ESTABLISHED CLOSE-WAIT
        9 C FIN-WAIT-1 FIN-WAIT-2
        9 S CLOSE-WAIT LAST-ACK
        9 C FIN-WAIT-2 TIME-WAIT
        10 S LAST-ACK CLOSED
        13 C TIME-WAIT CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(
        anomalies(&f),
        counts(&[
            ("spurious_retransmission", 1),
            ("retransmission", 1),
            ("duplicate_ack", 1)
        ])
    );
    prefixes(
        &packets(s),
        &[(11, "[TCP Spurious Retransmission]"), (12, "[TCP Dup ACK 10#1]")],
    );
    has(&tree(s, 12), "[Client state: TIME-WAIT]");
    let t = tree(s, 13);
    has(&t, "[Transition: client got RST in TIME-WAIT: ends TIME-WAIT early (TIME-WAIT assassination, RFC 1337): TIME-WAIT -> CLOSED]");
    has(&t, "[Client state: CLOSED]");
}

// ---------------------------------------------------------------- aborting and refusing

#[test]
fn rst_abort_mid_transfer() {
    let s = "rst-abort.pcap";
    let f = flow(s);
    summary(&f, "RSTR", "ShADdr", "CLOSED", "CLOSED", Some("server"));
    assert!(f["time_wait"].is_null(), "an abort skips TIME-WAIT");
    let want = handshake(1)
        + "
        14 S ESTABLISHED CLOSED
        14 C ESTABLISHED CLOSED";
    assert_eq!(timeline(&f), steps(&want));
    assert_eq!(f["payload_bytes"]["server"], 6 * 1448);
    assert_eq!(anomalies(&f), counts(&[]));
    prefixes(&packets(s), &[]);
    let t = tree(s, 14);
    has(&t, "[Transition: server sent RST (abort): ESTABLISHED -> CLOSED]");
    has(
        &t,
        "[Transition: client got RST: connection reset by peer: ESTABLISHED -> CLOSED]",
    );
}

#[test]
fn refused_is_rej_and_an_unanswered_syn_is_s0() {
    let s = "refused.pcap";
    let v = flows(s);
    assert_eq!(v.len(), 2);
    let (rej, s0) = (&v[0], &v[1]);
    assert_eq!(rej["server"], "198.51.100.20:8080");
    summary(rej, "REJ", "Sr", "CLOSED", "CLOSED", None);
    assert_eq!(
        side_steps(rej, "client"),
        steps("1 C CLOSED SYN-SENT\n2 C SYN-SENT CLOSED")
    );
    assert_eq!(anomalies(rej), counts(&[]));
    let t = tree(s, 2);
    has(
        &t,
        "[Transition: client got RST for its SYN: connection refused: SYN-SENT -> CLOSED]",
    );
    has(
        &t,
        "[connection refused: the server sent RST in answer to the SYN (no process listening on the port)]",
    );

    assert_eq!(s0["server"], "198.51.100.21:5432");
    // The SYN is retried at 1, 3 and 7 s; Zeek's history has no letter for
    // retransmitted SYNs (its t is for payload), so only the S is asserted.
    assert!(s0["history"].as_str().expect("history").starts_with('S'));
    summary(
        s0,
        "S0",
        s0["history"].as_str().expect("history"),
        "SYN-SENT",
        "LISTEN",
        None,
    );
    assert_eq!(timeline(s0), steps("3 C CLOSED SYN-SENT"));
    assert_eq!(anomalies(s0), counts(&[("retransmission", 3)]));
    prefixes(
        &packets(s),
        &[
            (4, "[TCP Retransmission]"),
            (5, "[TCP Retransmission]"),
            (6, "[TCP Retransmission]"),
        ],
    );
}

// ---------------------------------------------------------------- opening

#[test]
fn port_reuse_inside_and_after_time_wait() {
    let s = "port-reuse.pcap";
    let v = flows(s);
    assert_eq!(v.len(), 3);
    let close = |n: u64| {
        format!(
            "{} S ESTABLISHED FIN-WAIT-1\n{} C ESTABLISHED CLOSE-WAIT\n{} S FIN-WAIT-1 FIN-WAIT-2\n{} C CLOSE-WAIT LAST-ACK\n{} S FIN-WAIT-2 TIME-WAIT\n{} C LAST-ACK CLOSED",
            n,
            n,
            n + 1,
            n + 2,
            n + 2,
            n + 3
        )
    };
    for (i, f) in v.iter().enumerate() {
        assert_eq!(f["client"], "192.0.2.10:40000");
        assert_eq!(f["server"], "198.51.100.20:80");
        assert_eq!(f["conn_state"], "SF");
        assert_eq!(f["history"], "ShADdfFa");
        assert_eq!(f["first_closer"], "server");
        let n = 1 + 8 * i as u64;
        let mut want = steps(&(handshake(n) + "\n" + &close(n + 4)));
        if i == 1 {
            // Summarised when the 3rd SYN came, 68 s later: its TIME-WAIT was over.
            want.push((16, "server".into(), "TIME-WAIT".into(), "CLOSED".into()));
        }
        assert_eq!(timeline(f), want, "connection {i}");
    }
    // The 1st connection was cut short by the 2nd SYN while the server sat in TIME-WAIT.
    assert_eq!(v[0]["end"], "port_reuse");
    assert_eq!(v[0]["server_state"], "TIME-WAIT");
    assert!(v[0]["reused_after_s"].is_null());
    assert_eq!(v[1]["server_state"], "CLOSED");
    assert_eq!(v[2]["server_state"], "TIME-WAIT");
    let after = |f: &Value| f["reused_after_s"].as_f64().expect("reused_after_s");
    assert!((after(&v[1]) - 1.93933).abs() < 1e-6, "{}", after(&v[1]));
    assert!((after(&v[2]) - 67.93933).abs() < 1e-6, "{}", after(&v[2]));
    assert_eq!(anomalies(&v[0]), counts(&[]));
    assert_eq!(anomalies(&v[1]), counts(&[("reused_ports", 1)]));
    assert_eq!(anomalies(&v[2]), counts(&[("reused_ports", 1)]));
    prefixes(
        &packets(s),
        &[(9, "[TCP Port numbers reused]"), (17, "[TCP Port numbers reused]")],
    );
    let t = tree(s, 9);
    has(&t, "[wirelens: TCP connection 1 ");
    has(&t, "[port reuse: a new SYN 1.939 s after the previous connection on these ports, while it was still in TIME-WAIT (inside 2MSL)]");
    let t = tree(s, 17);
    has(
        &t,
        "[port reuse: a new connection on the same ports, 67.939 s after the previous one's last packet]",
    );
    lacks(&t, "TIME-WAIT (inside 2MSL)");
}

#[test]
fn simultaneous_open_both_sides_send_syn_and_syn_ack() {
    let s = "simultaneous-open.pcap";
    let f = flow(s);
    // Zeek's t is for retransmitted payload; the SYN-ACKs (which repeat each
    // SYN's sequence number) carry none: only SsH is asserted.
    assert!(
        f["history"].as_str().expect("history").starts_with("SsH"),
        "{}",
        f["history"]
    );
    assert_eq!(f["conn_state"], "SF");
    assert_eq!(f["client"], "192.0.2.10:6881");
    assert_eq!(f["server"], "198.51.100.30:6881");
    // RFC 793 figure 8: SYN-SENT -> SYN-RECEIVED -> ESTABLISHED.
    let client = "1 C CLOSED SYN-SENT
        2 C SYN-SENT SYN-RECEIVED
        4 C SYN-RECEIVED ESTABLISHED
        10 C ESTABLISHED FIN-WAIT-1
        11 C FIN-WAIT-1 FIN-WAIT-2
        11 C FIN-WAIT-2 TIME-WAIT";
    assert_eq!(side_steps(&f, "client"), steps(client));
    // The peer sends its own SYN (frame 2): it was closed, not listening, and
    // goes the same way as the client (RFC 793 figure 8).
    let server = "2 S CLOSED SYN-SENT
        3 S SYN-SENT SYN-RECEIVED
        3 S SYN-RECEIVED ESTABLISHED
        10 S ESTABLISHED CLOSE-WAIT
        11 S CLOSE-WAIT LAST-ACK
        12 S LAST-ACK CLOSED";
    assert_eq!(side_steps(&f, "server"), steps(server));
    assert_eq!(f["client_state"], "TIME-WAIT");
    assert_eq!(f["server_state"], "CLOSED");
    // tshark's view: each SYN-ACK repeats its side's SYN (a retransmission),
    // and each ACK changes only the window (the SYN's window is never scaled).
    assert_eq!(anomalies(&f), counts(&[("retransmission", 2), ("window_update", 2)]));
    prefixes(
        &packets(s),
        &[
            (3, "[TCP Retransmission]"),
            (4, "[TCP Retransmission]"),
            (5, "[TCP Window Update]"),
            (6, "[TCP Window Update]"),
        ],
    );
    let t = tree(s, 2);
    has(
        &t,
        "[simultaneous open: both sides sent a SYN before receiving the other's; each answers with SYN-ACK]",
    );
    has(
        &t,
        "[Transition: client got a SYN while in SYN-SENT (simultaneous open): SYN-SENT -> SYN-RECEIVED]",
    );
}

#[test]
fn syn_flood_is_detected_and_the_real_client_gets_through() {
    let s = "syn-flood.pcap";
    let v = flows(s);
    assert_eq!(v.len(), 151);
    let (real, bots): (Vec<&Value>, Vec<&Value>) = v
        .iter()
        .partition(|f| f["client"].as_str().unwrap_or("").starts_with("192.0.2.10:"));
    assert_eq!(real.len(), 1);
    summary(real[0], "SF", "ShADdFf", "TIME-WAIT", "CLOSED", Some("client"));
    for f in &bots {
        assert!(f["client"].as_str().expect("client").starts_with("203.0.113."));
        assert_eq!(f["server"], "198.51.100.80:80");
        // Zeek calls SYN + SYN-ACK "S1" (the responder answered); the server sits in SYN-RECEIVED.
        assert_eq!(
            (f["conn_state"].as_str(), f["history"].as_str()),
            (Some("S1"), Some("Sh")),
            "{f}"
        );
        assert_eq!(f["server_state"], "SYN-RECEIVED");
        assert_eq!(side_steps(f, "server").len(), 1);
    }
    let (code, _, err) = run(&["flows", &path(s)]);
    assert_eq!(code, 0);
    assert!(
        err.contains("probable SYN flood: 150 half-open connections to 198.51.100.80:80 within 2.957 s"),
        "{err}"
    );
    // The warning appears with the 100th half-open connection, not before.
    let lines = packets(s);
    let syns: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(" [SYN] ") && l.contains("203.0.113."))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(syns.len(), 150);
    let t = tree(s, syns[99] as u64);
    has(
        &t,
        "[Expert Info (Warning): probable SYN flood: 100 half-open connections to 198.51.100.80:80",
    );
    lacks(&tree(s, syns[98] as u64), "SYN flood");
    prefixes(&lines, &[]);
}

// ---------------------------------------------------------------- data transfer

#[test]
fn retransmission_every_kind() {
    let s = "retransmission.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShADTdtFf", "TIME-WAIT", "CLOSED", Some("client"));
    assert_eq!(f["missing_bytes"], 0, "the fast retransmission fills the hole");
    assert_eq!(
        anomalies(&f),
        counts(&[
            // The fast and the spurious retransmission count as retransmissions too, as in Wireshark.
            ("retransmission", 3),
            ("fast_retransmission", 1),
            ("spurious_retransmission", 1),
            ("out_of_order", 1),
            ("lost_segment", 2),
            ("duplicate_ack", 10),
        ])
    );
    let mut want = vec![(5, "[TCP Retransmission]"), (8, "[TCP Previous segment not captured]")];
    let dups = [
        "[TCP Dup ACK 7#1]",
        "[TCP Dup ACK 7#2]",
        "[TCP Dup ACK 7#3]",
        "[TCP Dup ACK 7#4]",
        "[TCP Dup ACK 7#5]",
        "[TCP Dup ACK 7#6]",
        "[TCP Dup ACK 7#7]",
        "[TCP Dup ACK 7#8]",
    ];
    for (i, d) in dups.iter().enumerate() {
        want.push((9 + 2 * i, d));
    }
    want.extend([
        (24, "[TCP Fast Retransmission]"),
        (26, "[TCP Previous segment not captured]"),
        (27, "[TCP Dup ACK 25#1]"),
        (28, "[TCP Out-Of-Order]"),
        (32, "[TCP Spurious Retransmission]"),
        (33, "[TCP Dup ACK 31#1]"),
    ]);
    let lines = packets(s);
    prefixes(&lines, &want);
    assert!(
        lines[22].ends_with("SLE=2897 SRE=14481"),
        "the 8th duplicate ACK SACKs all 8 segments after the hole: {}",
        lines[22]
    );
    assert!(
        lines[32].ends_with("SLE=17377 SRE=17977"),
        "D-SACK of the spurious retransmission: {}",
        lines[32]
    );
    let t = tree(s, 24);
    has(
        &t,
        "[Expert Info (Note): This frame is a (suspected) fast retransmission]",
    );
    let t = tree(s, 23);
    has(&t, "[This is a TCP duplicate ack: 8]");
    has(&t, "[Duplicate to the ACK in frame: 7]");
}

#[test]
fn zero_window_full_zero_probes_and_update() {
    let s = "zero-window.pcap";
    let f = flow(s);
    summary(&f, "SF", "ShADawFf", "TIME-WAIT", "CLOSED", Some("client"));
    assert_eq!(
        anomalies(&f),
        counts(&[
            ("window_full", 1),
            ("zero_window", 4),
            ("zero_window_probe", 3),
            ("zero_window_probe_ack", 3),
            ("window_update", 1)
        ])
    );
    let probe_ack = "[TCP ZeroWindowProbeAck] [TCP ZeroWindow]";
    prefixes(
        &packets(s),
        &[
            (10, "[TCP Window Full]"),
            (11, "[TCP ZeroWindow]"),
            (12, "[TCP ZeroWindowProbe]"),
            (13, probe_ack),
            (14, "[TCP ZeroWindowProbe]"),
            (15, probe_ack),
            (16, "[TCP ZeroWindowProbe]"),
            (17, probe_ack),
            (18, "[TCP Window Update]"),
        ],
    );
    has(
        &tree(s, 10),
        "[Expert Info (Warning): TCP window specified by the receiver is now completely full]",
    );
    has(&tree(s, 11), "[Expert Info (Warning): TCP Zero Window segment]");
    has(&tree(s, 12), "[Expert Info (Note): TCP Zero Window Probe]");
    has(&tree(s, 18), "[Expert Info (Warning): TCP window update]");
}

#[test]
fn keepalive_probes_and_their_acks_on_an_idle_connection() {
    let s = "keepalive.pcap";
    let f = flow(s);
    summary(&f, "S1", "ShADda", "ESTABLISHED", "ESTABLISHED", None);
    assert!(f["time_wait"].is_null());
    assert_eq!(timeline(&f), steps(&handshake(1)));
    assert_eq!(anomalies(&f), counts(&[("keep_alive", 3), ("keep_alive_ack", 3)]));
    prefixes(
        &packets(s),
        &[
            (7, "[TCP Keep-Alive]"),
            (8, "[TCP Keep-Alive ACK]"),
            (9, "[TCP Keep-Alive]"),
            (10, "[TCP Keep-Alive ACK]"),
            (11, "[TCP Keep-Alive]"),
            (12, "[TCP Keep-Alive ACK]"),
        ],
    );
    has(&tree(s, 7), "[Expert Info (Warning): TCP keep-alive segment]");
    has(&tree(s, 8), "[Expert Info (Warning): ACK to a TCP keep-alive segment]");
}

#[test]
fn midstream_capture_infers_the_client_and_established_states() {
    let s = "midstream.pcap";
    let f = flow(s);
    summary(&f, "OTH", "dA", "ESTABLISHED", "ESTABLISHED", None);
    assert_eq!(f["client_inferred"], true);
    assert_eq!(
        f["client"], "192.0.2.10:51000",
        "the side without the well-known port is the client"
    );
    assert_eq!(f["server"], "198.51.100.20:443");
    assert!(timeline(&f).is_empty(), "no transition was seen");
    assert_eq!(anomalies(&f), counts(&[]));
    assert_eq!(f["missing_bytes"], 0);
    prefixes(&packets(s), &[]);
    let t = tree(s, 1);
    has(
        &t,
        "[Client inferred (no SYN seen: well-known port or first speaker): True]",
    );
    has(
        &t,
        "[the capture started mid-connection: both sides are taken to be ESTABLISHED (inferred, no handshake seen)]",
    );
}

// ---------------------------------------------------------------- tshark as the oracle

/// tshark 4.0 flags exactly the frames wirelens flags, flag by flag.
#[test]
fn tshark_flags_the_same_frames() {
    if !have_tshark() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut bad = Vec::new();
    for s in TCP_SAMPLES {
        let (w, t) = (wirelens_flags(s), tshark_flags(s));
        for frame in w.keys().chain(t.keys()).collect::<BTreeSet<_>>() {
            let (a, b) = (
                w.get(frame).cloned().unwrap_or_default(),
                t.get(frame).cloned().unwrap_or_default(),
            );
            if a != b {
                bad.push(format!("{s} frame {frame}: wirelens {a:?}, tshark {b:?}"));
            }
        }
        if matches!(*s, "retransmission.pcap" | "zero-window.pcap" | "keepalive.pcap") {
            assert!(!t.is_empty(), "{s}: tshark flags nothing (is it tshark 4?)");
        }
    }
    assert!(bad.is_empty(), "disagreements with tshark:\n{}", bad.join("\n"));
}

/// One conversation: the two endpoints (sorted), then frames and bytes from
/// the first to the second and back, bytes written as `tshark -z conv`
/// writes them.
type Conv = (String, String, u64, String, u64, String);

/// tshark's byte counts in `-z conv`: "1644 bytes", then "19 kB" (truncated) from 10 kB on.
fn tshark_size(n: u64) -> String {
    if n / 1_000_000 >= 10 {
        format!("{} MB", n / 1_000_000)
    } else if n / 1000 >= 10 {
        format!("{} kB", n / 1000)
    } else {
        format!("{n} bytes")
    }
}

fn conv(a: &str, b: &str, ab: (u64, String), ba: (u64, String)) -> Conv {
    if a <= b {
        (a.into(), b.into(), ab.0, ab.1, ba.0, ba.1)
    } else {
        (b.into(), a.into(), ba.0, ba.1, ab.0, ab.1)
    }
}

fn tshark_conversations(sample: &str) -> Vec<Conv> {
    let out = tshark(&["-r", &path(sample), "-q", "-z", "conv,tcp"]);
    let mut v = Vec::new();
    for line in out.lines().filter(|l| l.contains("<->")) {
        // A <-> B  frames(B->A) size(B->A)  frames(A->B) size(A->B)  total...
        let w: Vec<&str> = line.split_whitespace().collect();
        let n = |i: usize| {
            w[i].parse::<u64>()
                .unwrap_or_else(|_| panic!("unexpected conv,tcp layout: {line}"))
        };
        let size = |i: usize| format!("{} {}", w[i], w[i + 1]);
        v.push(conv(w[0], w[2], (n(6), size(7)), (n(3), size(4))));
    }
    v.sort();
    v
}

/// Exact frames and bytes each way of every tcp.stream, from tshark's fields.
fn tshark_streams(sample: &str) -> Vec<Conv> {
    let out = tshark(&[
        "-r",
        &path(sample),
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "ip.src",
        "-e",
        "tcp.srcport",
        "-e",
        "ip.dst",
        "-e",
        "tcp.dstport",
        "-e",
        "frame.len",
    ]);
    let mut streams: BTreeMap<u64, Vec<(String, String, u64)>> = BTreeMap::new();
    for line in out.lines() {
        let w: Vec<&str> = line.split('\t').collect();
        let id: u64 = w[0].parse().expect("tcp.stream");
        streams.entry(id).or_default().push((
            format!("{}:{}", w[1], w[2]),
            format!("{}:{}", w[3], w[4]),
            w[5].parse().expect("frame.len"),
        ));
    }
    streams
        .values()
        .map(|pkts| {
            let (first, other) = (pkts[0].0.clone(), pkts[0].1.clone());
            let (mut fa, mut ba, mut fb, mut bb) = (0, 0, 0, 0);
            for (src, _, len) in pkts {
                if *src == first {
                    fa += 1;
                    ba += len;
                } else {
                    fb += 1;
                    bb += len;
                }
            }
            conv(&first, &other, (fa, ba.to_string()), (fb, bb.to_string()))
        })
        .collect()
}

/// Per-flow packet and byte counts agree with `tshark -z conv,tcp`, and
/// exactly with the frames tshark puts in each tcp.stream.
#[test]
fn flow_counts_match_tshark_conversations() {
    if !have_tshark() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    for s in TCP_SAMPLES {
        let v = flows(s);
        let n = |f: &Value, k: &str, side: &str| f[k][side].as_u64().expect("count");
        let mut mine: Vec<Conv> = v
            .iter()
            .map(|f| {
                conv(
                    f["client"].as_str().expect("client"),
                    f["server"].as_str().expect("server"),
                    (n(f, "packets", "client"), tshark_size(n(f, "bytes", "client"))),
                    (n(f, "packets", "server"), tshark_size(n(f, "bytes", "server"))),
                )
            })
            .collect();
        mine.sort();
        assert_eq!(mine, tshark_conversations(s), "{s}: conv,tcp");
        // Exact bytes: flows in id order are tcp.streams in order (each flow is one stream).
        let exact: Vec<Conv> = v
            .iter()
            .map(|f| {
                let (c, sv) = (
                    f["client"].as_str().expect("client"),
                    f["server"].as_str().expect("server"),
                );
                conv(
                    c,
                    sv,
                    (n(f, "packets", "client"), n(f, "bytes", "client").to_string()),
                    (n(f, "packets", "server"), n(f, "bytes", "server").to_string()),
                )
            })
            .collect();
        assert_eq!(exact, tshark_streams(s), "{s}: exact counts per tcp.stream");
    }
}
