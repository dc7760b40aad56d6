//! The application layer through the commands a user runs: `follow --format
//! messages`, the flow report in Markdown and the JSON keys of `flows`.

mod common;

use common::{root, run};
use serde_json::Value;

fn sample(name: &str) -> String {
    root().join("samples").join(name).to_string_lossy().into_owned()
}

#[test]
fn follow_messages_shows_http_bodies_decoded_and_the_lessons() {
    let (code, out, err) = run(&[
        "follow",
        &sample("http-keepalive.pcap"),
        "--flow",
        "0",
        "--format",
        "messages",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("── frame 4 at 0.020160 s, client → server, HTTP: GET /index.html HTTP/1.1"),
        "{out}"
    );
    assert!(
        out.contains("from frames #5 #6"),
        "a response reassembled from two segments: {out}"
    );
    // The gzip body of /style.css is shown decoded.
    assert!(
        out.contains("Gzip-decoded to 7029") && out.contains("/* site style */"),
        "{out}"
    );
    assert!(
        out.contains("» Request 2 on this connection"),
        "keep-alive lesson: {out}"
    );
}

#[test]
fn follow_messages_unmasks_websocket_frames() {
    let (code, out, err) = run(&[
        "follow",
        &sample("websocket.pcap"),
        "--flow",
        "0",
        "--format",
        "messages",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[Text] {\"type\":\"hello\",\"user\":\"alice\",\"room\":\"lobby\"}"),
        "{out}"
    );
    assert!(out.contains("Sec-WebSocket-Accept matches the key"), "{out}");
    assert!(out.contains("1000 "), "close code: {out}");
}

#[test]
fn markdown_report_lists_pipelined_requests_and_dns_retries() {
    let (code, out, err) = run(&["flows", &sample("http-pipelining.pcap"), "--format", "md"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 requests, 3 responses, 2 pipelined"), "{out}");
    assert!(
        out.contains("| 4 | GET | `/static/a.css` | 200 | 0 | 436 |  | yes | 320.000 |"),
        "{out}"
    );
    let (code, out, err) = run(&["flows", &sample("dns-tc-tcp.pcap"), "--format", "md"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("truncated") && out.contains("retried over TCP"), "{out}");
    assert!(out.contains("retry over TCP of a truncated answer"), "{out}");
}

#[test]
fn flows_json_carries_http_websocket_and_dns_keys() {
    let (code, out, err) = run(&["flows", &sample("websocket.pcap")]);
    assert_eq!(code, 0, "{err}");
    let f: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(f["app"], "websocket");
    assert_eq!(f["http"][0]["status"], 101, "the 101 answers the upgrade request: {f}");
    assert_eq!(f["websocket"]["accept_ok"], true);
    assert_eq!(f["websocket"]["close_code"], 1000);
    let (code, out, err) = run(&["flows", &sample("dns-udp.pcap")]);
    assert_eq!(code, 0, "{err}");
    let flows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(flows.iter().all(|f| f["app"] == "dns"), "{out}");
    let qs: Vec<&Value> = flows.iter().flat_map(|f| f["dns"].as_array().unwrap()).collect();
    assert!(qs.iter().any(|q| q["rcode"] == "NXDOMAIN"), "{out}");
    assert!(qs.iter().any(|q| q["unanswered"] == true), "{out}");
    assert!(qs.iter().any(|q| q["retransmissions"].as_u64() > Some(0)), "{out}");
}
