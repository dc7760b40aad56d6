//! Live capture end to end: `wirelens sniff` on one end of a veth pair in
//! network namespaces the test creates, while a real HTTP server and client
//! talk across it. Needs root, `ip netns`, python3, curl and tcpdump;
//! otherwise it prints "SKIP: ..." and passes (WIRELENS_LIVE_TEST=require
//! turns skips into failures).

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::netns::{have, is_root, poll, sh, wait_child, Lab};
use common::wirelens;
use serde_json::Value;

fn skip(why: &str) {
    if std::env::var("WIRELENS_LIVE_TEST").is_ok_and(|v| v == "require") {
        panic!("live capture test required but cannot run: {why}");
    }
    eprintln!("SKIP: live: {why}");
}

fn tools_missing() -> Option<String> {
    if !is_root() {
        return Some("not root (needs network namespaces and capture rights)".into());
    }
    for (cmd, arg) in [
        ("ip", "-V"),
        ("python3", "--version"),
        ("curl", "--version"),
        ("tcpdump", "--version"),
    ] {
        if !have(cmd, arg) {
            return Some(format!("{cmd} not found"));
        }
    }
    None
}

/// A directory anyone may enter and write (the capture is written by the dropped user).
fn open_tempdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o777)).expect("chmod");
    d
}

/// python's http.server on port 8080 in namespace B, serving `dir`.
fn start_http_server(lab: &mut Lab, dir: &std::path::Path) {
    let server = Command::new("ip")
        .args([
            "netns",
            "exec",
            lab.b(),
            "python3",
            "-m",
            "http.server",
            "8080",
            "--bind",
            &lab.ip_b,
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python http.server");
    lab.children.push(server);
}

/// The uid line of a process: real, effective, saved, fs.
fn uids(pid: u32) -> Option<Vec<u32>> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let l = s.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    Some(l.split_whitespace().filter_map(|x| x.parse().ok()).collect())
}

#[test]
fn sniff_sees_http_over_a_veth_without_root_and_saves_every_packet() {
    if let Some(why) = tools_missing() {
        return skip(&why);
    }
    let mut lab = match Lab::new("live", std::process::id() + 7) {
        Ok(l) => l,
        Err(e) => return skip(&e),
    };
    let tmp = open_tempdir();
    let www = tmp.path().join("www");
    fs::create_dir(&www).unwrap();
    fs::write(
        www.join("index.html"),
        "<html><body>hello from the server namespace</body></html>\n",
    )
    .unwrap();
    fs::write(www.join("big.txt"), "0123456789abcdef\n".repeat(8000)).unwrap();
    start_http_server(&mut lab, &www);
    let ip_b = lab.ip_b.clone();
    let up = poll(Duration::from_secs(10), || {
        sh(&[
            "ip",
            "netns",
            "exec",
            lab.a(),
            "curl",
            "-s",
            "-o",
            "/dev/null",
            &format!("http://{ip_b}:8080/"),
        ])
        .ok()
    });
    assert!(up.is_some(), "the HTTP server in the namespace did not come up");

    // Sniff on A's veth as if `sudo` had been run by uid 65534: the process
    // must drop to it before parsing, and the file must belong to it.
    let out = tmp.path().join("out.pcap");
    let mut sniff = Command::new("ip")
        .args([
            "netns",
            "exec",
            lab.a(),
            "env",
            "SUDO_UID=65534",
            "SUDO_GID=65534",
            wirelens(),
        ])
        .args(["sniff", "-i", "va", "--no-tui", "-f", "tcp port 8080", "-w"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirelens sniff");
    let pid = sniff.id();
    // Wait until it has dropped privileges (it opened the interface first).
    let dropped = poll(Duration::from_secs(10), || {
        uids(pid).filter(|u| u.iter().all(|x| *x == 65534))
    });
    assert!(
        dropped.is_some(),
        "wirelens sniff did not drop to uid 65534: {:?}",
        uids(pid)
    );
    std::thread::sleep(Duration::from_millis(300));
    for path in ["/", "/big.txt"] {
        sh(&[
            "ip",
            "netns",
            "exec",
            lab.a(),
            "curl",
            "-s",
            "-o",
            "/dev/null",
            &format!("http://{ip_b}:8080{path}"),
        ])
        .expect("curl");
    }
    std::thread::sleep(Duration::from_millis(500));
    // Ctrl-C: the capture stops cleanly, the file is completed.
    sh(&["kill", "-INT", &pid.to_string()]).expect("kill -INT");
    let st = wait_child(&mut sniff, Duration::from_secs(10)).expect("wirelens sniff did not stop on SIGINT");
    let mut stdout = String::new();
    let mut stderr = String::new();
    use std::io::Read;
    sniff.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    sniff.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(st.success(), "sniff failed: {stderr}");
    assert!(stderr.contains("privileges dropped to uid 65534"), "{stderr}");

    // Every line is a packet; the handshakes and teardowns are there.
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 20, "too few packets: {stdout}");
    assert!(lines.iter().filter(|l| l.contains("[SYN]")).count() >= 2, "{stdout}");
    assert!(lines.iter().any(|l| l.contains("FIN")), "{stdout}");

    // The file belongs to the dropped user, tcpdump reads it, and it holds
    // exactly the packets that were shown.
    let meta = fs::metadata(&out).expect("out.pcap exists");
    assert_eq!(meta.uid(), 65534, "out.pcap should belong to the invoking user");
    let td = Command::new("tcpdump")
        .args(["-nr"])
        .arg(&out)
        .output()
        .expect("tcpdump");
    assert!(
        td.status.success(),
        "tcpdump cannot read out.pcap: {}",
        String::from_utf8_lossy(&td.stderr)
    );
    let n_td = String::from_utf8_lossy(&td.stdout).lines().count();
    assert_eq!(
        n_td,
        lines.len(),
        "tcpdump sees {n_td} packets, sniff printed {}",
        lines.len()
    );

    // The saved file gives the same connections and states offline.
    let flows = Command::new(wirelens())
        .args(["flows", "--format", "jsonl"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(flows.status.success());
    let flows: Vec<Value> = String::from_utf8_lossy(&flows.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["proto"] == "tcp")
        .collect();
    assert!(flows.len() >= 2, "expected the curl connections: {flows:?}");
    for f in &flows {
        assert_eq!(f["conn_state"], "SF", "each connection opened and closed normally: {f}");
        // Zeek letters: S then h (SYN, SYN-ACK). A 'C' may come between: on the
        // sending host, checksum offload leaves checksums to the NIC.
        let h = f["history"].as_str().unwrap();
        assert!(
            h.starts_with('S') && h.contains('h') && h.contains('F') && h.contains('f'),
            "{f}"
        );
        let states: Vec<&str> = f["states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["to"].as_str().unwrap())
            .collect();
        assert!(
            states.contains(&"ESTABLISHED") && states.contains(&"TIME-WAIT"),
            "{states:?}"
        );
    }
}

#[test]
fn sniff_count_stops_after_n_packets_and_flows_are_printed() {
    if let Some(why) = tools_missing() {
        return skip(&why);
    }
    let lab = match Lab::new("livec", std::process::id() + 11) {
        Ok(l) => l,
        Err(e) => return skip(&e),
    };
    let tmp = open_tempdir();
    let out = tmp.path().join("three.pcapng");
    let mut sniff = Command::new("ip")
        .args([
            "netns",
            "exec",
            lab.a(),
            wirelens(),
            "sniff",
            "-i",
            "va",
            "--no-tui",
            "-c",
            "3",
            "--flows",
            "-w",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = sh(&[
        "ip",
        "netns",
        "exec",
        lab.a(),
        "ping",
        "-c",
        "5",
        "-i",
        "0.2",
        &lab.ip_b,
    ]);
    let st = wait_child(&mut sniff, Duration::from_secs(10)).expect("sniff -c 3 did not stop");
    let o = sniff.wait_with_output().unwrap();
    assert!(st.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let td = Command::new("tcpdump").args(["-nr"]).arg(&out).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&td.stdout).lines().count(),
        3,
        "{}",
        String::from_utf8_lossy(&td.stderr)
    );
    // --flows: JSON lines (ICMP is no flow of ours; ARP neither), then the counters on stderr.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 packets captured on va"), "{err}");
}

#[test]
fn sniff_explains_missing_rights_bad_filter_and_unknown_interface() {
    if !is_root() || !have("setpriv", "--version") {
        return skip("needs root and setpriv to run as an ordinary user");
    }
    // A copy of the binary that the ordinary user can reach.
    let tmp = open_tempdir();
    let exe = tmp.path().join("wirelens");
    fs::copy(wirelens(), &exe).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(["sniff", "-i", "lo", "--no-tui", "-c", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no permission to capture on lo"), "{err}");
    assert!(
        err.contains("sudo") && err.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let o = Command::new(wirelens())
        .args(["sniff", "-i", "lo", "--no-tui", "-f", "tcp prot 80"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad capture filter \"tcp prot 80\"") && err.contains("syntax error"),
        "{err}"
    );

    let o = Command::new(wirelens())
        .args(["sniff", "-i", "wl-no-such-if0", "--no-tui"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no interface named \"wl-no-such-if0\"") && err.contains("wirelens interfaces"),
        "{err}"
    );
}

#[test]
fn interfaces_lists_loopback_with_its_flags_and_address() {
    let o = Command::new(wirelens()).arg("interfaces").output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lo = out
        .lines()
        .find(|l| l.starts_with("lo "))
        .unwrap_or_else(|| panic!("no lo in {out}"));
    assert!(lo.contains("loopback") && lo.contains("up"), "{lo}");
    assert!(out.contains("127.0.0.1"), "{out}");
    if is_root() {
        assert!(lo.contains("can capture"), "{lo}");
    }
}

/// The live TUI in a real terminal (tmux): packets appear as a real client
/// talks to a real server across the veth pair, with their TCP states; `q`
/// stops the capture and restores the terminal.
#[test]
fn the_live_tui_shows_packets_as_they_arrive_and_quits_cleanly() {
    if let Some(why) = tools_missing() {
        return skip(&why);
    }
    if !common::tmux::available() {
        return skip("tmux not found");
    }
    let mut lab = match Lab::new("livetui", std::process::id() + 13) {
        Ok(l) => l,
        Err(e) => return skip(&e),
    };
    let tmp = open_tempdir();
    fs::write(tmp.path().join("index.html"), "<html>live tui</html>\n").unwrap();
    start_http_server(&mut lab, tmp.path());
    let url = format!("http://{}:8080/", lab.ip_b);
    let curl = |lab: &Lab| sh(&["ip", "netns", "exec", lab.a(), "curl", "-s", "-o", "/dev/null", &url]).ok();
    assert!(
        poll(Duration::from_secs(10), || curl(&lab)).is_some(),
        "server did not come up"
    );
    let t = match common::tmux::Tmux::new("livetui", 120, 30) {
        Ok(t) => t,
        Err(e) => return skip(&e),
    };
    t.run(&format!(
        "ip netns exec {} env SUDO_UID=65534 SUDO_GID=65534 {} sniff -i va -f 'tcp port 8080'; echo EXIT:$?",
        lab.a(),
        wirelens()
    ));
    t.expect("the live status bar", |s| s.contains("live va") && s.contains("● live"));
    // Traffic after the UI is up: it appears without a key being pressed.
    for _ in 0..3 {
        curl(&lab).expect("curl through the veth");
    }
    let s = t.expect("the HTTP exchange with its states", |s| {
        s.contains("GET / HTTP/1.1") && s.contains("HTTP/1.0 200 OK") && s.contains("T-WAIT")
    });
    assert!(s.contains("drops: kernel 0"), "{s}");
    // The first connection's handshake, at the top of the list.
    t.keys(&["g"]);
    t.expect("the first SYN", |s| s.contains("[SYN] Seq=0") && s.contains("SYN-S"));
    // The flow list updates while capturing.
    t.keys(&["F"]);
    t.expect("the flows", |s| s.contains(&format!("{}:8080", lab.ip_b)));
    t.keys(&["Escape", "q"]);
    let s = t.expect("the summary after quitting", |s| s.contains("EXIT:0"));
    assert!(s.contains("packets captured on va"), "{s}");
    assert_eq!(t.pane("#{alternate_on}"), "0", "back on the main screen");
    assert_eq!(t.pane("#{cursor_flag}"), "1", "the cursor is shown again");
}
