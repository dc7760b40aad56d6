//! `flows` and `follow` from the command line: formats, exports, errors.

mod common;

use common::{root, run};

fn sample(name: &str) -> String {
    root().join("samples").join(name).display().to_string()
}

#[test]
fn jsonl_has_the_documented_keys_and_the_tcp_story() {
    let (code, out, err) = run(&["flows", &sample("tcp-handshake.pcap")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    for k in [
        "id",
        "proto",
        "client",
        "server",
        "client_inferred",
        "first_ts",
        "last_ts",
        "duration",
        "packets",
        "bytes",
        "payload_bytes",
        "handshake_rtt_ms",
        "conn_state",
        "history",
        "client_state",
        "server_state",
        "states",
        "first_closer",
        "time_wait",
        "anomalies",
        "missing_bytes",
        "app",
    ] {
        assert!(v.get(k).is_some(), "missing key {k} in {v}");
    }
    assert_eq!(v["client"], "192.0.2.10:51514");
    assert_eq!(v["server"], "198.51.100.20:80");
    assert_eq!(v["conn_state"], "SF");
    assert_eq!(v["client_state"], "TIME-WAIT");
    assert_eq!(v["server_state"], "CLOSED");
    assert_eq!(v["first_closer"], "client");
    assert_eq!(v["time_wait"]["side"], "client");
    let since = v["time_wait"]["since"].as_f64().unwrap();
    let until = v["time_wait"]["until"].as_f64().unwrap();
    assert!(
        (until - since - 60.0).abs() < 1e-6,
        "2MSL defaults to 60 s: {since} {until}"
    );
    assert_eq!(
        v["packets"]["client"].as_u64().unwrap() + v["packets"]["server"].as_u64().unwrap(),
        12
    );
    let states = v["states"].as_array().unwrap();
    assert_eq!(states[0]["to"], "SYN-SENT");
    assert!(states.iter().all(|s| s["why"].as_str().unwrap().contains("->")));
}

#[test]
fn msl_option_changes_the_time_wait_end() {
    let (code, out, _) = run(&["flows", &sample("tcp-handshake.pcap"), "--msl", "120"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let d = v["time_wait"]["until"].as_f64().unwrap() - v["time_wait"]["since"].as_f64().unwrap();
    assert!(
        (d - 240.0).abs() < 1e-6,
        "RFC 793's MSL of 2 minutes gives a 4-minute TIME-WAIT: {d}"
    );
}

#[test]
fn csv_zeek_and_markdown() {
    let (_, csv, _) = run(&["flows", &sample("tcp-handshake.pcap"), "--format", "csv"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), row.len());
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("conn_state"), "SF");
    assert_eq!(col("time_wait_side"), "client");

    let (_, zeek, _) = run(&["flows", &sample("tcp-handshake.pcap"), "--format", "zeek"]);
    let fields: Vec<&str> = zeek
        .lines()
        .find(|l| l.starts_with("#fields"))
        .unwrap()
        .split('\t')
        .skip(1)
        .collect();
    let data: Vec<&str> = zeek
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .split('\t')
        .collect();
    assert_eq!(
        fields.len(),
        data.len(),
        "a zeek-cut reader pairs #fields with each row"
    );
    let z = |name: &str| data[fields.iter().position(|h| *h == name).unwrap()];
    assert_eq!(z("id.resp_p"), "80");
    assert_eq!(z("conn_state"), "SF");
    assert_eq!(
        z("history"),
        "ShADadtFf",
        "the out-of-order segment filling the hole is Zeek's t"
    );
    assert!(zeek.lines().last().unwrap().starts_with("#close"));

    let (_, md, _) = run(&["flows", &sample("tcp-handshake.pcap"), "--format", "md"]);
    assert!(md.contains("| 0 | tcp | 192.0.2.10:51514 | 198.51.100.20:80 |"));
    assert!(md.contains("FIN-WAIT-2 -> TIME-WAIT"));
}

#[test]
fn export_goes_through_a_temp_file_and_errors_name_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flows.jsonl");
    let (code, _, err) = run(&["flows", &sample("tcp-handshake.pcap"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind: {leftovers:?}");

    let (code, _, err) = run(&["flows", &sample("tcp-handshake.pcap"), "-o", "/nonexistent-dir/x.jsonl"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot write /nonexistent-dir/x.jsonl") && err.contains("writable"),
        "{err}"
    );
}

#[test]
fn follow_shows_both_directions_in_order() {
    let (code, out, err) = run(&["follow", &sample("tcp-handshake.pcap"), "--flow", "0"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Node 0: 192.0.2.10:51514"));
    let get = out.find("GET /").unwrap();
    let resp = out.find("\tHTTP/1.1 200 OK").unwrap();
    assert!(
        get < resp,
        "client request before the server's answer, which is indented"
    );
    let (code, hex, _) = run(&[
        "follow",
        &sample("tcp-handshake.pcap"),
        "--flow",
        "tcp:0",
        "--format",
        "hex",
    ]);
    assert_eq!(code, 0);
    assert!(hex.contains("00000000  47 45 54 20"), "{hex}");
    let (code, _, err) = run(&["follow", &sample("tcp-handshake.pcap"), "--flow", "7"]);
    assert_eq!(code, 1);
    assert!(err.contains("there is no TCP stream 7"), "{err}");
    let (code, _, _) = run(&["follow", &sample("tcp-handshake.pcap"), "--flow", "x:1"]);
    assert_eq!(code, 2);
}

#[test]
fn udp_flows_are_listed() {
    let (code, out, _) = run(&["flows", &sample("udp.pcap")]);
    assert_eq!(code, 0);
    let flows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(flows.iter().any(|f| f["proto"] == "udp"));
    assert!(flows.iter().all(|f| f["client_state"].is_null() || f["proto"] == "tcp"));
}

/// `flows -Y`: exactly the flows that hold a frame passing the filter, i.e.
/// the streams of the frames `packets -Y` selects.
#[test]
fn flows_with_a_display_filter_are_the_streams_of_the_matching_frames() {
    let cases = [
        ("dns-udp.pcap", "dns.qry.name contains \"cdn\""),
        ("http-keepalive.pcap", "http.response.code == 404"),
        ("port-reuse.pcap", "tcp.analysis.reused_ports"),
        ("rst-abort.pcap", "tcp.flags.reset == 1"),
        ("http-pipelining.pcap", "http.request"),
        ("dns-tc-tcp.pcap", "dns.flags.truncated == 1 or tcp"),
    ];
    for (file, f) in cases {
        let (code, out, err) = run(&[
            "packets",
            &sample(file),
            "-Y",
            f,
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "udp.stream",
        ]);
        assert_eq!(code, 0, "{err}");
        let mut want: Vec<String> = out
            .lines()
            .filter_map(|l| {
                let (t, u) = l.split_once('\t')?;
                Some(if t.is_empty() {
                    format!("udp:{u}")
                } else {
                    format!("tcp:{t}")
                })
            })
            .collect();
        want.sort();
        want.dedup();
        let (code, out, err) = run(&["flows", &sample(file), "-Y", f]);
        assert_eq!(code, 0, "{err}");
        let mut got: Vec<String> = out
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!("{}:{}", v["proto"].as_str().unwrap(), v["id"])
            })
            .collect();
        got.sort();
        assert_eq!(got, want, "{file} -Y {f}");
        assert!(!got.is_empty(), "{file} -Y {f} selects something");
    }
    let (code, _, err) = run(&["flows", &sample("udp.pcap"), "-Y", "tcp.port =="]);
    assert_eq!(code, 2);
    assert!(err.contains('^'), "{err}");
}
