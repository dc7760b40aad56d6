//! Display filters (`-Y`) select the same frames as tshark's on the samples.

mod common;

use std::process::Command;

use std::sync::Mutex;

use common::{have_tshark, root, run, run_parallel};

const FILTERS: &[&str] = &[
    "tcp.flags.syn == 1 && tcp.flags.ack == 0",
    "tcp.analysis.retransmission",
    "tcp.analysis.duplicate_ack",
    "tcp.window_size == 0",
    "dns",
    "dns.flags.rcode != 0",
    "dns.flags.response == 0 and dns.qry.type == 1",
    "dns.a == 198.51.100.0/24",
    "http.request.method == \"GET\"",
    "http.response.code >= 400",
    "http.host contains \"example\"",
    "http.request.uri matches \"^/(api|static)\"",
    "websocket.opcode == 1",
    "websocket.mask == 1 and websocket",
    "ip.addr == 198.51.100.20 and not tcp",
    "tcp.port == 80 and !(tcp.len == 0)",
    "udp.port == 53 || arp || icmp",
    "frame.len > 1000",
    "ipv6",
    "ip.ttl < 64",
];

fn frames(out: &str) -> Vec<u64> {
    out.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[test]
fn filters_select_the_frames_tshark_selects() {
    if !have_tshark() {
        eprintln!("SKIP: tshark is not installed (apt-get install tshark)");
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    files.sort();
    let counts = Mutex::new((0u32, 0u32));
    let diffs = Mutex::new(Vec::new());
    run_parallel(&files, |f| {
        let fs = f.to_string_lossy();
        for flt in FILTERS {
            let theirs = Command::new("tshark")
                .args(["-n", "-r", &fs, "-Y", flt, "-T", "fields", "-e", "frame.number"])
                .output()
                .unwrap();
            let theirs = frames(&String::from_utf8_lossy(&theirs.stdout));
            let (code, ours, err) = run(&["packets", &fs, "-Y", flt, "-T", "fields", "-e", "frame.number"]);
            assert_eq!(code, 0, "{fs} -Y {flt}: {err}");
            let ours = frames(&ours);
            let mut c = counts.lock().unwrap();
            c.1 += 1;
            if ours == theirs {
                c.0 += 1;
            } else {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                let only_t: Vec<_> = theirs.iter().filter(|x| !ours.contains(x)).take(5).collect();
                let only_w: Vec<_> = ours.iter().filter(|x| !theirs.contains(x)).take(5).collect();
                diffs.lock().unwrap().push(format!(
                    "{name} -Y '{flt}': only tshark {only_t:?}, only wirelens {only_w:?}"
                ));
            }
        }
    });
    let (same, total) = counts.into_inner().unwrap();
    for d in diffs.into_inner().unwrap() {
        eprintln!("  {d}");
    }
    let pct = 100.0 * same as f64 / total as f64;
    eprintln!("display filters: {same}/{total} (file, filter) pairs select the same frames as tshark ({pct:.1}%)");
    assert!(pct >= 97.0, "only {pct:.1}% of (file, filter) pairs agree with tshark");
}

#[test]
fn a_bad_filter_is_shown_with_a_caret_and_exit_2() {
    let s = root().join("samples/http-keepalive.pcap");
    let (code, _, err) = run(&["packets", &s.to_string_lossy(), "-Y", "http.host == \"x\" and (dns"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("a ')' is missing") && err.contains("\n  http.host == \"x\" and (dns\n"),
        "{err}"
    );
    assert!(err.trim_end().ends_with('^'), "{err}");
}

#[test]
fn tree_takes_a_filter_too() {
    let s = root().join("samples/dns-udp.pcap");
    let (code, out, err) = run(&["tree", &s.to_string_lossy(), "-Y", "dns.flags.rcode == 3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.matches("\nFrame ").count() + usize::from(out.starts_with("Frame ")),
        1,
        "{out}"
    );
    assert!(out.contains("No such name"), "{out}");
}
