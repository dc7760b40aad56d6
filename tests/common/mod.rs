//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built wirelens binary.
pub fn wirelens() -> &'static str {
    env!("CARGO_BIN_EXE_wirelens")
}

/// The repo root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// ../shared/corpus, when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let d = root().join("../shared/corpus");
    d.join("MANIFEST.tsv").is_file().then(|| d.canonicalize().unwrap_or(d))
}

/// Every capture listed in the corpus manifest.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let m = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    m.lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|p| dir.join(p))
        .filter(|p| p.is_file())
        .collect()
}

pub fn have_tshark() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `f` over `items` on as many threads as the machine has cores.
pub fn run_parallel<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                f(item);
            });
        }
    });
}

/// Runs wirelens with `args`, returning (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(wirelens()).args(args).output().expect("run wirelens");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
pub mod netns;
pub mod tmux;

/// An Ethernet/IPv4/TCP frame built with etherparse; `flags` holds S, F, R
/// (ACK is set when `ack` is given).
#[allow(clippy::too_many_arguments)]
pub fn tcp_frame(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    ack: Option<u32>,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535);
    if flags.contains('S') {
        b = b.syn();
    }
    if flags.contains('F') {
        b = b.fin();
    }
    if flags.contains('R') {
        b = b.rst();
    }
    if let Some(a) = ack {
        b = b.ack(a);
    }
    let mut data = Vec::new();
    b.write(&mut data, payload).expect("etherparse writes the frame");
    data
}
