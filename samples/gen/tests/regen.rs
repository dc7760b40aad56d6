//! The "anyone can re-make them" guarantee: regenerating every sample gives
//! files byte-identical to the ones committed in samples/, and wirelens's
//! own reader reads them back as written.

use std::path::Path;

use wirelens::capture::{FileReader, Note, Timestamp};
use wirelens_samplegen::{default_outdir, generate, pcap_samples, pcapng, sample_files};

#[test]
fn regenerated_samples_are_byte_identical_to_the_committed_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = generate(dir.path()).expect("generate");
    assert_eq!(made.len(), sample_files().len());
    let committed = default_outdir();
    let mut stale = Vec::new();
    for file in sample_files() {
        let new = std::fs::read(dir.path().join(file)).expect("generated file");
        match std::fs::read(committed.join(file)) {
            Ok(old) if old == new => {}
            Ok(old) => stale.push(format!(
                "{file} differs ({} bytes committed, {} generated)",
                old.len(),
                new.len()
            )),
            Err(e) => stale.push(format!("{file} is missing from samples/: {e}")),
        }
    }
    assert!(
        stale.is_empty(),
        "samples/ is out of date with its generator; run `cargo run -p wirelens-samplegen` and commit:\n{}",
        stale.join("\n")
    );
}

#[test]
fn two_runs_write_the_same_bytes() {
    let (a, b) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    generate(a.path()).expect("generate");
    generate(b.path()).expect("generate");
    for file in sample_files() {
        let x = std::fs::read(a.path().join(file)).expect("read");
        let y = std::fs::read(b.path().join(file)).expect("read");
        assert!(x == y, "{file} differs between two runs");
    }
}

fn read_all(path: &Path) -> (FileReader, Vec<(Timestamp, u32, u32)>) {
    let mut r = FileReader::open(path).expect("open");
    let mut v = Vec::new();
    while let Some(rec) = r.next_record().expect("record") {
        v.push((rec.ts, rec.caplen, rec.origlen));
    }
    (r, v)
}

#[test]
fn wirelens_reads_back_every_pcap_sample() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path()).expect("generate");
    let start = Timestamp::new(1_767_225_600, 0);
    for s in pcap_samples() {
        let (r, recs) = read_all(&dir.path().join(s.file));
        assert!(r.warnings().is_empty(), "{}: {:?}", s.file, r.warnings());
        assert_eq!(recs.len(), s.frames.len(), "{}", s.file);
        assert_eq!(r.interfaces()[0].linktype, s.linktype, "{}", s.file);
        for (i, ((ts, caplen, origlen), f)) in recs.iter().zip(&s.frames).enumerate() {
            assert!(*ts >= start, "{} frame {}: {ts} is before 2026", s.file, i + 1);
            assert_eq!(*caplen as usize, f.data.len(), "{} frame {}", s.file, i + 1);
            assert_eq!(*origlen, f.origlen(), "{} frame {}", s.file, i + 1);
        }
        assert!(recs.windows(2).all(|w| w[0].0 <= w[1].0), "{}: time goes back", s.file);
    }
}

#[test]
fn the_pcapng_sample_has_its_comment_names_and_statistics() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path()).expect("generate");
    let (mut r, recs) = read_all(&dir.path().join(pcapng::FILE));
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    assert_eq!(recs.len(), 8);
    let names: Vec<_> = r
        .interfaces()
        .iter()
        .map(|i| (i.linktype, i.name.clone().unwrap_or_default()))
        .collect();
    assert_eq!(names, [(1, "eth0".to_string()), (101, "tun0".to_string())]);
    let notes = r.take_notes();
    assert!(
        notes
            .iter()
            .any(|n| matches!(n, Note::SectionComment(c) if c == pcapng::SECTION_COMMENT)),
        "{notes:?}"
    );
    let resolved: Vec<String> = notes
        .iter()
        .filter_map(|n| match n {
            Note::NameResolution(v) => Some(v.iter().map(|(a, n)| format!("{a}={n}")).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        resolved,
        [
            "198.51.100.30=vpn.example.net",
            "2001:db8:ffff::50=intranet.example.net"
        ]
    );
    let stats: Vec<(u32, Option<u64>, Option<u64>)> = notes
        .iter()
        .filter_map(|n| match n {
            Note::InterfaceStatistics {
                iface, ifrecv, ifdrop, ..
            } => Some((*iface, *ifrecv, *ifdrop)),
            _ => None,
        })
        .collect();
    assert_eq!(stats, [(0, Some(4), Some(0)), (1, Some(4), Some(0))]);
}
