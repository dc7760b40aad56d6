//! Reads every file of the shared corpus of real captures and compares the
//! record counts with MANIFEST.tsv's packet_count (what capinfos/tshark 4.0
//! counted). Files tshark refuses must give a clear error (or, when tshark
//! only lacks the link type, be read). No tshark needed.
//!
//! The corpus is read-only and never copied into the repository: it is
//! looked up at `$WIRELENS_CORPUS`, then `CARGO_MANIFEST_DIR/../shared/corpus`
//! (then `../../shared/corpus`, for git worktrees one level deeper). When it
//! is absent the test says so and passes.

use std::path::{Path, PathBuf};

use wirelens::capture::{CaptureError, FileReader, Note};

fn corpus_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("WIRELENS_CORPUS") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(root.join("../shared/corpus"));
    candidates.push(root.join("../../shared/corpus"));
    candidates.into_iter().find(|p| p.join("MANIFEST.tsv").is_file())
}

struct Entry {
    path: String,
    link_type: String,
    count: Option<u64>,
    note: String,
}

fn manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c_path, c_link, c_count, c_note) = (col("path"), col("link_type"), col("packet_count"), col("note"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            Entry {
                path: get(c_path),
                link_type: get(c_link),
                count: get(c_count).parse().ok(),
                note: get(c_note),
            }
        })
        .collect()
}

/// For a file of tcpdump's test suite: the number of packets its expected
/// output shows (tests run `tcpdump -#`, which numbers each packet).
fn tcpdump_count(dir: &Path, path: &str) -> Option<u64> {
    let file = path.strip_prefix("tcpdump/")?;
    let tests = std::fs::read_to_string(dir.join("tcpdump/TESTS.tsv")).ok()?;
    let out = tests
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.get(1) == Some(&file))?;
    let text = std::fs::read(dir.join("tcpdump").join(out.get(2)?)).ok()?;
    String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
            let rest = t.get(digits.len()..)?;
            if digits.is_empty() || !rest.starts_with("  ") {
                return None;
            }
            digits.parse::<u64>().ok()
        })
        .max()
}

/// What reading one file gave.
struct Outcome {
    records: u64,
    error: Option<CaptureError>,
    cut_off: bool,
    warnings: Vec<String>,
}

fn read_all(path: &Path) -> Outcome {
    let mut out = Outcome {
        records: 0,
        error: None,
        cut_off: false,
        warnings: Vec::new(),
    };
    let mut r = match FileReader::open(path) {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let mut offsets = Vec::new();
    loop {
        match r.next_record() {
            Ok(Some(rec)) => {
                out.records += 1;
                assert_eq!(
                    rec.caplen as usize,
                    rec.data.len(),
                    "{}: caplen vs data",
                    path.display()
                );
                let (iface, linktype) = (rec.iface, rec.linktype);
                if out.records % 37 == 1 {
                    offsets.push((rec.offset, rec.ts, rec.data.to_vec(), rec.comments.clone()));
                }
                let ifc = &r.interfaces()[iface as usize];
                assert_eq!(
                    ifc.linktype,
                    linktype,
                    "{}: record linktype vs its interface",
                    path.display()
                );
            }
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
        // Notes are drained as a caller would; they must be well-formed.
        for n in r.take_notes() {
            if let Note::InterfaceStatistics { iface, .. } = n {
                assert!((iface as usize) < r.interfaces().len());
            }
        }
    }
    assert!(
        r.next_record().unwrap().is_none(),
        "{}: reading must stay finished",
        path.display()
    );
    // Random access gives the same records back.
    for (off, ts, data, comments) in offsets {
        let rec = r
            .read_at(off)
            .unwrap_or_else(|e| panic!("{}: read_at({off}): {e}", path.display()));
        assert_eq!(rec.data, &data[..], "{}: read_at({off}) data", path.display());
        if rec.linktype != 0 || ts.secs != 0 {
            // SPB timestamps are inherited while streaming, 0 via read_at.
            assert!(
                rec.ts == ts || rec.ts.secs == 0,
                "{}: read_at({off}) ts",
                path.display()
            );
        }
        assert_eq!(rec.comments, comments);
    }
    for w in r.warnings() {
        assert!(w.is_warning());
        if matches!(w, CaptureError::CutOff { .. }) {
            out.cut_off = true;
        }
        out.warnings.push(w.to_string());
    }
    out
}

#[test]
fn corpus_counts_match_manifest() {
    let Some(dir) = corpus_dir() else {
        println!(
            "SKIPPED: corpus not found (set WIRELENS_CORPUS or provide {}/../shared/corpus); nothing checked",
            env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    println!("corpus: {}", dir.display());
    let entries = manifest(&dir);
    let mut failures = Vec::new();
    let (mut read, mut matched, mut refused_ok, mut unknown_linktype_read, mut cut) = (0, 0, 0, 0, 0);
    let mut tcpdump_checked = 0u32;
    for e in &entries {
        let path = dir.join(&e.path);
        let got = std::panic::catch_unwind(|| read_all(&path));
        let got = match got {
            Ok(g) => g,
            Err(_) => {
                failures.push(format!("{}: PANIC", e.path));
                continue;
            }
        };
        read += 1;
        if got.cut_off {
            cut += 1;
        }
        let err_text = got.error.as_ref().map(|x| x.to_string());
        if e.link_type == "OPEN-FAILED" {
            if e.note.contains("unknown or unsupported") && e.note.contains("network type") {
                // tshark 4.0 lacks the link type; the file itself is fine.
                // tcpdump reads it: its expected output numbers the packets (-#).
                match (err_text, tcpdump_count(&dir, &e.path)) {
                    (Some(t), _) => failures.push(format!("{}: tshark only lacks the link type, but: {t}", e.path)),
                    (None, Some(n)) if n != got.records => failures.push(format!(
                        "{}: {} records, tcpdump's expected output numbers {n} packets",
                        e.path, got.records
                    )),
                    (None, n) => {
                        unknown_linktype_read += 1;
                        tcpdump_checked += u32::from(n.is_some());
                    }
                }
            } else {
                match err_text {
                    Some(t) => {
                        assert!(t.contains(&e.path) || t.contains("corpus"), "{t}");
                        println!("refused as expected: {}: {t}", e.path);
                        refused_ok += 1;
                    }
                    None => failures.push(format!(
                        "{}: tshark refuses it ({}), we read {} records without error",
                        e.path, e.note, got.records
                    )),
                }
            }
            continue;
        }
        let Some(want) = e.count else {
            failures.push(format!("{}: no packet_count in the manifest", e.path));
            continue;
        };
        if let Some(t) = &err_text {
            failures.push(format!(
                "{}: error after {} records (manifest {want}): {t}",
                e.path, got.records
            ));
            continue;
        }
        if got.records != want {
            failures.push(format!(
                "{}: {} records, manifest says {want}; warnings: {:?}",
                e.path, got.records, got.warnings
            ));
            continue;
        }
        if e.note.contains("TRUNCATED FILE") && !got.cut_off {
            failures.push(format!("{}: manifest says truncated, no cut-off warning", e.path));
            continue;
        }
        for w in &got.warnings {
            println!("warning: {w}");
        }
        matched += 1;
    }
    println!(
        "{read} files read: {matched} counts equal to the manifest, {refused_ok} refused like tshark, \
         {unknown_linktype_read} read whose link type tshark 4.0 lacks ({tcpdump_checked} of them with the count of tcpdump's expected output), {cut} with a cut-off last record"
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus files differ (see above)",
        failures.len()
    );
}
