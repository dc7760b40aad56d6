//! Two fresh network namespaces joined by a veth pair, for tests that need
//! root and real traffic without touching the host's interfaces.

use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether this process runs as root.
pub fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    // "Uid:\treal\teffective\tsaved\tfs"
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}

/// Whether `cmd arg` can be run.
pub fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a command to completion; Err carries its stderr.
pub fn sh(args: &[&str]) -> Result<String, String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args[0]))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Waits for a child at most `timeout`.
pub fn wait_child(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + timeout;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls `f` every 10 ms until it returns Some or `timeout` passes.
pub fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Namespaces A and B, veth `va` (in A, `ip_a`) <-> `vb` (in B, `ip_b`) on a
/// /24 of 10.213.0.0/16 picked from the tag and pid, and the processes
/// started in them. Drop kills the processes and deletes the namespaces (the
/// veth and any sockets go with them), also when the test panics.
pub struct Lab {
    pub ns: [String; 2],
    pub ip_a: String,
    pub ip_b: String,
    pub children: Vec<Child>,
}

impl Lab {
    /// Creates the namespaces and the veth pair; Err says why it cannot (the caller skips).
    pub fn new(tag: &str, subnet: u32) -> Result<Lab, String> {
        let pid = std::process::id();
        let ns = [format!("wl-{tag}-{pid}-a"), format!("wl-{tag}-{pid}-b")];
        sh(&["ip", "netns", "add", &ns[0]]).map_err(|e| format!("ip netns unusable: {e}"))?;
        let x = subnet % 250 + 1;
        let lab = Lab {
            ns: ns.clone(),
            ip_a: format!("10.213.{x}.1"),
            ip_b: format!("10.213.{x}.2"),
            children: Vec::new(),
        };
        sh(&["ip", "netns", "add", lab.b()]).map_err(|e| format!("ip netns unusable: {e}"))?;
        let (cidr_a, cidr_b) = (format!("{}/24", lab.ip_a), format!("{}/24", lab.ip_b));
        // Created inside the namespaces: nothing touches the host's interfaces or routes.
        let setup = [
            vec![
                "ip",
                "-n",
                lab.a(),
                "link",
                "add",
                "va",
                "type",
                "veth",
                "peer",
                "name",
                "vb",
                "netns",
                lab.b(),
            ],
            vec!["ip", "-n", lab.a(), "addr", "add", &cidr_a, "dev", "va"],
            vec!["ip", "-n", lab.b(), "addr", "add", &cidr_b, "dev", "vb"],
            vec!["ip", "-n", lab.a(), "link", "set", "va", "up"],
            vec!["ip", "-n", lab.b(), "link", "set", "vb", "up"],
            vec!["ip", "-n", lab.a(), "link", "set", "lo", "up"],
            vec!["ip", "-n", lab.b(), "link", "set", "lo", "up"],
        ];
        for cmd in &setup {
            sh(cmd).map_err(|e| format!("cannot set up the veth pair: {e}"))?;
        }
        Ok(lab)
    }

    pub fn a(&self) -> &str {
        &self.ns[0]
    }

    pub fn b(&self) -> &str {
        &self.ns[1]
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        for ns in &self.ns {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}
