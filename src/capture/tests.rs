//! Reader and writer tests on hand-built files: both byte orders, µs/ns,
//! pcapng with several sections and interfaces, every truncation point,
//! corrupted and garbage input, a trickling stdin-like source, round trips.

use std::io::{Cursor, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

// ---------------------------------------------------------------- builders

/// Bytes in one byte order.
#[derive(Clone, Default)]
struct B {
    big: bool,
    v: Vec<u8>,
}

impl B {
    fn new(big: bool) -> B {
        B { big, v: Vec::new() }
    }
    fn u16(&mut self, x: u16) -> &mut Self {
        self.v
            .extend_from_slice(&if self.big { x.to_be_bytes() } else { x.to_le_bytes() });
        self
    }
    fn u32(&mut self, x: u32) -> &mut Self {
        self.v
            .extend_from_slice(&if self.big { x.to_be_bytes() } else { x.to_le_bytes() });
        self
    }
    fn u64(&mut self, x: u64) -> &mut Self {
        self.v
            .extend_from_slice(&if self.big { x.to_be_bytes() } else { x.to_le_bytes() });
        self
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.v.extend_from_slice(b);
        self
    }
    fn pad(&mut self) -> &mut Self {
        while self.v.len() & 3 != 0 {
            self.v.push(0);
        }
        self
    }
    fn opt(&mut self, code: u16, val: &[u8]) -> &mut Self {
        self.u16(code).u16(val.len() as u16).raw(val).pad()
    }
    fn end_opts(&mut self) -> &mut Self {
        self.u16(0).u16(0)
    }
    /// A whole pcapng block around this body.
    fn block(&self, t: u32) -> Vec<u8> {
        let len = 12 + self.v.len() as u32;
        let mut b = B::new(self.big);
        b.u32(t).u32(len).raw(&self.v).u32(len);
        b.v
    }
}

fn pcap_header(big: bool, magic: u32, snaplen: u32, linktype: u32) -> B {
    let mut b = B::new(big);
    b.u32(magic).u16(2).u16(4).u32(0).u32(0).u32(snaplen).u32(linktype);
    b
}

/// (secs, frac, origlen, data)
fn pcap_record(b: &mut B, secs: u32, frac: u32, origlen: u32, data: &[u8]) {
    b.u32(secs).u32(frac).u32(data.len() as u32).u32(origlen).raw(data);
}

fn packet(n: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(7) ^ n.wrapping_mul(31)) as u8)
        .collect()
}

fn reader(bytes: &[u8]) -> Result<FileReader, CaptureError> {
    FileReader::from_reader(Box::new(Cursor::new(bytes.to_vec())), "test")
}

/// Owned copy of a record.
#[derive(Debug, Clone, PartialEq)]
struct Rec {
    ts: Timestamp,
    caplen: u32,
    origlen: u32,
    linktype: u32,
    iface: u32,
    offset: u64,
    data: Vec<u8>,
    comments: Vec<String>,
    flags: Option<u32>,
}

fn own(r: &Record<'_>) -> Rec {
    Rec {
        ts: r.ts,
        caplen: r.caplen,
        origlen: r.origlen,
        linktype: r.linktype,
        iface: r.iface,
        offset: r.offset,
        data: r.data.to_vec(),
        comments: r.comments.clone(),
        flags: r.flags,
    }
}

/// Reads everything: records, notes, final error.
fn drain(r: &mut FileReader) -> (Vec<Rec>, Vec<Note>, Option<CaptureError>) {
    let mut recs = Vec::new();
    let mut notes = r.take_notes();
    let err = loop {
        match r.next_record() {
            Ok(Some(rec)) => recs.push(own(&rec)),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
        notes.extend(r.take_notes());
    };
    notes.extend(r.take_notes());
    assert!(matches!(r.next_record(), Ok(None)), "reading stays finished");
    (recs, notes, err)
}

// ------------------------------------------------------------------- pcap

#[test]
fn pcap_both_orders_micro_nano_modified() {
    for big in [false, true] {
        for (magic, nanos, modified) in [
            (0xa1b2c3d4u32, false, false),
            (0xa1b23c4d, true, false),
            (0xa1b2cd34, false, true),
        ] {
            let mut b = pcap_header(big, magic, 65535, 0x0400_0001 | 0x2000_0000);
            for n in 0..3u32 {
                let data = packet(n as usize, 60 + n as usize);
                b.u32(1_700_000_000 + n)
                    .u32(999_999 - n)
                    .u32(data.len() as u32)
                    .u32(1000 + n);
                if modified {
                    b.u32(7).u16(0x0800).raw(&[0, 0]);
                }
                b.raw(&data);
            }
            let mut r = reader(&b.v).unwrap();
            assert_eq!(
                r.format(),
                FileFormat::Pcap {
                    nanos,
                    big_endian: big,
                    version: (2, 4)
                }
            );
            assert_eq!(r.is_modified_pcap(), modified);
            assert_eq!(r.interfaces().len(), 1);
            assert_eq!(r.interfaces()[0].linktype, 1, "FCS bits masked");
            assert_eq!(r.interfaces()[0].fcs_len, Some(4));
            let (recs, notes, err) = drain(&mut r);
            assert!(
                err.is_none() && notes.is_empty() && r.warnings().is_empty(),
                "{:?}",
                r.warnings()
            );
            assert_eq!(recs.len(), 3);
            let hl = if modified { 24 } else { 16 };
            let mut off = 24u64;
            for (n, rec) in recs.iter().enumerate() {
                let n32 = n as u32;
                let frac = 999_999 - n32;
                let nanos_v = if nanos { frac } else { frac * 1000 };
                assert_eq!(
                    rec.ts,
                    Timestamp {
                        secs: 1_700_000_000 + i64::from(n32),
                        nanos: nanos_v
                    }
                );
                assert_eq!(rec.data, packet(n, 60 + n));
                assert_eq!(
                    (rec.caplen, rec.origlen, rec.linktype, rec.iface),
                    (60 + n32, 1000 + n32, 1, 0)
                );
                assert_eq!(rec.offset, off);
                off += hl + u64::from(rec.caplen);
            }
            assert_eq!(r.bytes_read(), b.v.len() as u64);
        }
    }
}

#[test]
fn pcap_bad_headers() {
    let mut b = pcap_header(false, 0xa1b2c3d4, 65535, 1);
    b.v[4] = 1; // major 1
    let e = reader(&b.v).unwrap_err();
    assert!(
        matches!(e, CaptureError::UnsupportedVersion { major: 1, minor: 4, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("unsupported pcap version 1.4"));
    let b = pcap_header(true, 0xa1b2c3d4, 65535, 0x0030_0001);
    let e = reader(&b.v).unwrap_err().to_string();
    assert!(e.contains("reserved bits"), "{e}");
    // Minor versions other than 4 are accepted (tshark reads 2.5 too).
    let mut b = pcap_header(false, 0xa1b2c3d4, 65535, 1);
    b.v[6] = 5;
    assert!(reader(&b.v).is_ok());
}

#[test]
fn pcap_record_lengths() {
    // Longer than the snap length but sane: read, one warning listing the
    // first record and counting the others.
    let mut b = pcap_header(false, 0xa1b2c3d4, 100, 1);
    pcap_record(&mut b, 1, 0, 150, &packet(0, 150));
    pcap_record(&mut b, 1, 0, 150, &packet(1, 150));
    pcap_record(&mut b, 1, 0, 50, &packet(2, 50));
    pcap_record(&mut b, 1, 0, 2000, &packet(3, 2000));
    let mut r = reader(&b.v).unwrap();
    let (recs, _, err) = drain(&mut r);
    assert!(err.is_none());
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[3].data, packet(3, 2000));
    assert_eq!(r.warnings().len(), 1, "{:?}", r.warnings());
    let w = r.warnings()[0].to_string();
    assert!(
        w.contains("record 1 at offset 24") && w.contains("snap length 100") && w.contains("2 later records too"),
        "{w}"
    );

    // Absurd: corrupt, with the records before it returned.
    let mut b = pcap_header(false, 0xa1b2c3d4, 65535, 1);
    pcap_record(&mut b, 1, 0, 60, &packet(0, 60));
    b.u32(2).u32(0).u32(300 << 20).u32(300 << 20).raw(&[0; 64]);
    let mut r = reader(&b.v).unwrap();
    let (recs, _, err) = drain(&mut r);
    assert_eq!(recs.len(), 1);
    let err = err.unwrap();
    assert!(matches!(
        err,
        CaptureError::Corrupt {
            offset: 100,
            complete: 1,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("record 2 at offset 100 is corrupt") && msg.contains("absurd"),
        "{msg}"
    );

    // Invalid timestamp fractions are carried and reported.
    let mut b = pcap_header(false, 0xa1b2c3d4, 65535, 1);
    pcap_record(&mut b, 10, 1_500_000, 4, &[1, 2, 3, 4]);
    let mut r = reader(&b.v).unwrap();
    let (recs, _, _) = drain(&mut r);
    assert_eq!(
        recs[0].ts,
        Timestamp {
            secs: 11,
            nanos: 500_000_000
        }
    );
    assert!(r.warnings()[0].to_string().contains("timestamp fraction 1500000 µs"));
}

/// A pcap file of `n` records and their end offsets.
fn small_pcap(big: bool) -> (Vec<u8>, Vec<usize>) {
    let mut b = pcap_header(big, 0xa1b23c4d, 65535, 1);
    let mut ends = Vec::new();
    for n in 0..4 {
        pcap_record(&mut b, 5, n as u32, 40 + n as u32 * 13, &packet(n, 40 + n * 13));
        ends.push(b.v.len());
    }
    (b.v, ends)
}

#[test]
fn pcap_every_truncation_point() {
    for big in [false, true] {
        let (file, ends) = small_pcap(big);
        for cut in 0..=file.len() {
            let r = reader(&file[..cut]);
            if cut == 0 {
                let e = r.unwrap_err();
                assert!(e.to_string().contains("file is empty (0 bytes)"), "{e}");
                continue;
            }
            if cut < 24 {
                let e = r.unwrap_err();
                assert!(
                    matches!(e, CaptureError::TruncatedHeader { need: 24, have, .. } if have == cut as u64),
                    "cut {cut}: {e}"
                );
                continue;
            }
            let mut r = r.unwrap();
            let (recs, _, err) = drain(&mut r);
            assert!(err.is_none(), "cut {cut}: {err:?}");
            let complete = ends.iter().filter(|&&e| e <= cut).count();
            assert_eq!(recs.len(), complete, "cut {cut}");
            for (n, rec) in recs.iter().enumerate() {
                assert_eq!(rec.data, packet(n, 40 + n * 13));
            }
            let start = if complete == 0 { 24 } else { ends[complete - 1] };
            if cut == start {
                assert!(r.warnings().is_empty(), "cut {cut} at a boundary: {:?}", r.warnings());
            } else {
                let w = &r.warnings()[0];
                let need = if cut - start < 16 { 16 } else { 16 + 40 + complete * 13 };
                let m = w.to_string();
                assert!(
                    m.contains(&format!(
                        "record {} at offset {start} is cut off: needs {need} bytes, file has {}",
                        complete + 1,
                        cut - start
                    )),
                    "cut {cut}: {m}"
                );
            }
        }
    }
}

// ----------------------------------------------------------------- pcapng

fn shb(big: bool, comment: Option<&str>) -> Vec<u8> {
    let mut b = B::new(big);
    b.u32(pcapng::BYTE_ORDER_MAGIC).u16(1).u16(0).u64(u64::MAX);
    if let Some(c) = comment {
        b.opt(1, c.as_bytes())
            .opt(2, b"hw")
            .opt(3, b"os")
            .opt(4, b"app")
            .end_opts();
    }
    b.block(pcapng::SHB)
}

fn idb(big: bool, linktype: u16, snaplen: u32, name: &str, tsresol: Option<u8>, tsoffset: Option<i64>) -> Vec<u8> {
    let mut b = B::new(big);
    b.u16(linktype)
        .u16(0)
        .u32(snaplen)
        .opt(2, name.as_bytes())
        .opt(3, b"desc");
    if let Some(r) = tsresol {
        b.opt(9, &[r]);
    }
    if let Some(o) = tsoffset {
        let mut v = B::new(big);
        v.u64(o as u64);
        b.opt(14, &v.v);
    }
    b.opt(1, b"idb comment").end_opts();
    b.block(pcapng::IDB)
}

fn epb(big: bool, iface: u32, ticks: u64, data: &[u8], origlen: u32, comments: &[&str], flags: Option<u32>) -> Vec<u8> {
    let mut b = B::new(big);
    b.u32(iface)
        .u32((ticks >> 32) as u32)
        .u32(ticks as u32)
        .u32(data.len() as u32)
        .u32(origlen)
        .raw(data)
        .pad();
    if !comments.is_empty() || flags.is_some() {
        for c in comments {
            b.opt(1, c.as_bytes());
        }
        if let Some(f) = flags {
            let mut v = B::new(big);
            v.u32(f);
            b.opt(2, &v.v);
        }
        b.end_opts();
    }
    b.block(pcapng::EPB)
}

/// The blocks of a rich two-section pcapng file: (bytes, is a packet block).
#[allow(clippy::vec_init_then_push)]
fn rich_blocks() -> Vec<(Vec<u8>, bool)> {
    let mut v = Vec::new();
    // Section 0: little-endian.
    v.push((shb(false, Some("section comment")), false));
    v.push((idb(false, 1, 65535, "eth0", Some(9), None), false));
    v.push((idb(false, 113, 64, "any", Some(0x88), Some(100)), false));
    v.push((
        epb(
            false,
            0,
            1_700_000_000_123_456_789,
            &packet(0, 60),
            60,
            &["first", "second"],
            Some(1),
        ),
        true,
    ));
    v.push((
        epb(false, 1, (1u64 << 8) * 5 + 128, &packet(1, 44), 70, &[], None),
        true,
    ));
    // NRB: one v4 record with two names, one v6, an end, a comment.
    let mut n = B::new(false);
    n.u16(1).u16(4 + 14).raw(&[10, 0, 0, 1]).raw(b"a.test\0b.test\0").pad();
    n.u16(2).u16(16 + 4).raw(&Ipv6Addr::LOCALHOST.octets()).raw(b"lo6\0");
    n.u16(0).u16(0).opt(1, b"nrb comment").end_opts();
    v.push((n.block(pcapng::NRB), false));
    // ISB for interface 1.
    let mut s = B::new(false);
    s.u32(1).u32(0).u32(256 * 10);
    s.opt(4, &1000u64.to_le_bytes())
        .opt(5, &7u64.to_le_bytes())
        .opt(2, &[0, 0, 0, 0, 0, 1, 0, 0])
        .end_opts();
    v.push((s.block(pcapng::ISB), false));
    // Skipped blocks: custom, DSB, unknown.
    let mut c = B::new(false);
    c.u32(32473).raw(b"custom data!");
    v.push((c.block(pcapng::CUSTOM), false));
    let mut d = B::new(false);
    d.u32(0x544c_534b).u32(4).raw(b"keys");
    v.push((d.block(pcapng::DSB), false));
    v.push((B::new(false).block(0x0000_1234), false));
    // SPB: interface 0 (snaplen 65535): full; origlen 100, 100 bytes.
    let mut sp = B::new(false);
    sp.u32(100).raw(&packet(2, 100)).pad();
    v.push((sp.block(pcapng::SPB), true));
    // Obsolete Packet Block on interface 1.
    let mut pb = B::new(false);
    pb.u16(1)
        .u16(0)
        .u32(0)
        .u32(256 * 3)
        .u32(20)
        .u32(20)
        .raw(&packet(3, 20))
        .end_opts();
    v.push((pb.block(pcapng::PB), true));
    // Section 1: big-endian, one raw-IP interface (µs default resolution).
    v.push((shb(true, None), false));
    v.push((idb(true, 101, 0, "tun0", None, None), false));
    v.push((
        epb(true, 0, 1_000_000 * 42 + 7, &packet(4, 33), 33, &["be"], None),
        true,
    ));
    v
}

/// The rich file, the end offsets of its packet blocks, of all its blocks.
fn rich_pcapng_ends() -> (Vec<u8>, Vec<usize>, Vec<usize>) {
    let mut f = Vec::new();
    let (mut packets, mut all) = (Vec::new(), Vec::new());
    for (b, is_packet) in rich_blocks() {
        f.extend(b);
        all.push(f.len());
        if is_packet {
            packets.push(f.len());
        }
    }
    (f, packets, all)
}

fn rich_pcapng() -> (Vec<u8>, Vec<usize>) {
    let (f, p, _) = rich_pcapng_ends();
    (f, p)
}

#[test]
fn pcapng_rich_file() {
    let (file, _) = rich_pcapng();
    let mut r = reader(&file).unwrap();
    assert_eq!(r.format(), FileFormat::Pcapng);
    // The IDBs after the first section header are known right after open.
    assert_eq!(r.interfaces().len(), 2);
    let (recs, notes, err) = drain(&mut r);
    assert!(err.is_none(), "{err:?}");
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    assert_eq!(recs.len(), 5);
    let ifs = r.interfaces();
    assert_eq!(ifs.len(), 3);
    assert_eq!(
        (ifs[0].linktype, ifs[0].name.as_deref(), ifs[0].ticks_per_sec),
        (1, Some("eth0"), 1_000_000_000)
    );
    assert_eq!(
        (ifs[1].linktype, ifs[1].snaplen, ifs[1].ticks_per_sec, ifs[1].tsoffset),
        (113, 64, 256, 100)
    );
    assert_eq!(ifs[1].description.as_deref(), Some("desc"));
    assert_eq!(ifs[1].comments, vec!["idb comment".to_string()]);
    assert_eq!(
        (ifs[2].linktype, ifs[2].section, ifs[2].local_id, ifs[2].ticks_per_sec),
        (101, 1, 0, 1_000_000)
    );

    assert_eq!(
        recs[0].ts,
        Timestamp {
            secs: 1_700_000_000,
            nanos: 123_456_789
        }
    );
    assert_eq!(recs[0].comments, vec!["first".to_string(), "second".to_string()]);
    assert_eq!((recs[0].flags, recs[0].linktype, recs[0].iface), (Some(1), 1, 0));
    let (_, _, block_ends) = rich_pcapng_ends();
    assert_eq!(recs[0].offset, block_ends[2] as u64);
    // 2^-8 s ticks: 5 s + 128/256 s, plus the 100 s offset.
    assert_eq!(
        recs[1].ts,
        Timestamp {
            secs: 105,
            nanos: 500_000_000
        }
    );
    assert_eq!(
        (recs[1].caplen, recs[1].origlen, recs[1].linktype, recs[1].iface),
        (44, 70, 113, 1)
    );
    // SPB: interface 0, the previous record's time.
    assert_eq!(
        (recs[2].caplen, recs[2].origlen, recs[2].linktype, recs[2].ts),
        (100, 100, 1, recs[1].ts)
    );
    assert_eq!(recs[2].data, packet(2, 100));
    assert_eq!(
        (recs[3].iface, recs[3].linktype, recs[3].ts),
        (1, 113, Timestamp { secs: 103, nanos: 0 })
    );
    assert_eq!(
        (recs[4].iface, recs[4].linktype, recs[4].ts),
        (2, 101, Timestamp { secs: 42, nanos: 7000 })
    );
    assert_eq!(recs[4].comments, vec!["be".to_string()]);
    assert_eq!(recs[4].data, packet(4, 33));

    assert_eq!(r.skipped_blocks(), 3);
    assert_eq!(r.records_read(), 5);
    let v4: IpAddr = Ipv4Addr::new(10, 0, 0, 1).into();
    let expected_names = vec![
        (v4, "a.test".to_string()),
        (v4, "b.test".to_string()),
        (Ipv6Addr::LOCALHOST.into(), "lo6".to_string()),
    ];
    assert!(notes.contains(&Note::NameResolution(expected_names)), "{notes:#?}");
    assert!(notes.contains(&Note::SectionComment("section comment".into())));
    assert!(notes
        .iter()
        .any(|n| matches!(n, Note::Comment { block: "Name Resolution Block", text, .. } if text == "nrb comment")));
    assert!(
        notes.iter().any(|n| matches!(
            n,
            Note::InterfaceStatistics { iface: 1, ifrecv: Some(1000), ifdrop: Some(7), ts, start: Some(st), .. }
                if *ts == Timestamp { secs: 110, nanos: 0 } && st.secs == 101
        )),
        "{notes:#?}"
    );
    let sections: Vec<_> = notes
        .iter()
        .filter_map(|n| match n {
            Note::Section {
                index,
                big_endian,
                hardware,
                ..
            } => Some((*index, *big_endian, hardware.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(sections, vec![(0, false, Some("hw".into())), (1, true, None)]);
    let skipped: Vec<_> = notes
        .iter()
        .filter_map(|n| match n {
            Note::Skipped { name, .. } => Some(*name),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        vec!["Custom Block", "Decryption Secrets Block", "unknown block"]
    );
    assert_eq!(notes.iter().filter(|n| matches!(n, Note::Interface { .. })).count(), 3);
}

#[test]
fn pcapng_every_truncation_point() {
    let (file, ends, boundaries) = rich_pcapng_ends();
    let shb_len = boundaries[0];
    for cut in 0..=file.len() {
        let r = reader(&file[..cut]);
        if cut == 0 {
            assert!(matches!(r.unwrap_err(), CaptureError::Empty { .. }));
            continue;
        }
        if cut < shb_len {
            let e = r.unwrap_err();
            assert!(
                matches!(e, CaptureError::TruncatedHeader { format: "pcapng", .. }),
                "cut {cut}: {e}"
            );
            continue;
        }
        let mut r = r.unwrap();
        let (recs, _, err) = drain(&mut r);
        assert!(err.is_none(), "cut {cut}: {err:?}");
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        assert_eq!(recs.len(), complete, "cut {cut}");
        // A warning unless the cut falls between two blocks.
        if boundaries.contains(&cut) {
            assert!(r.warnings().is_empty(), "cut {cut}: {:?}", r.warnings());
        } else {
            let w = r
                .warnings()
                .iter()
                .find(|w| matches!(w, CaptureError::CutOff { .. }))
                .expect("cut-off warning");
            let CaptureError::CutOff {
                offset,
                have,
                complete: c,
                ..
            } = w
            else {
                panic!("{w}")
            };
            let start = *boundaries.iter().filter(|&&b| b <= cut).max().unwrap();
            assert_eq!(
                (*offset as usize, *have as usize, *c as usize),
                (start, cut - start, complete),
                "cut {cut}: {w}"
            );
            assert!(w.to_string().contains("is cut off"));
        }
    }
}

#[test]
fn pcapng_corrupt_blocks() {
    let base = || {
        let mut f = shb(false, None);
        f.extend(idb(false, 1, 65535, "eth0", None, None));
        f.extend(epb(false, 0, 1, &packet(0, 10), 10, &[], None));
        f
    };
    let good_len = base().len();
    // Trailer mismatch.
    let mut f = base();
    f.extend(epb(false, 0, 2, &packet(1, 10), 10, &[], None));
    let n = f.len();
    f[n - 4] ^= 0x40;
    let (recs, _, err) = drain(&mut reader(&f).unwrap());
    assert_eq!(recs.len(), 1);
    let m = err.unwrap().to_string();
    assert!(
        m.contains(&format!(
            "record 2 (Enhanced Packet Block) at offset {good_len} is corrupt"
        )) && m.contains("differs"),
        "{m}"
    );
    // Length not a multiple of 4.
    let mut f = base();
    f.extend(epb(false, 0, 2, &packet(1, 10), 10, &[], None));
    f[good_len + 4] = 41;
    let m = drain(&mut reader(&f).unwrap()).2.unwrap().to_string();
    assert!(m.contains("block length 41 is not a multiple of 4"), "{m}");
    // Absurd length.
    let mut f = base();
    f.extend_from_slice(&6u32.to_le_bytes());
    f.extend_from_slice(&0x7000_0000u32.to_le_bytes());
    let m = drain(&mut reader(&f).unwrap()).2.unwrap().to_string();
    assert!(m.contains("absurd"), "{m}");
    // Undefined interface.
    let mut f = base();
    f.extend(epb(false, 3, 2, &packet(1, 10), 10, &[], None));
    let (recs, _, err) = drain(&mut reader(&f).unwrap());
    assert_eq!(recs.len(), 1);
    let m = err.unwrap().to_string();
    assert!(
        m.contains("refers to interface 3, but its section defines only 1"),
        "{m}"
    );
    // No IDB at all.
    let mut f = shb(false, None);
    f.extend(epb(false, 0, 2, &packet(1, 10), 10, &[], None));
    let m = drain(&mut reader(&f).unwrap()).2.unwrap().to_string();
    assert!(m.contains("no Interface Description Block precedes it"), "{m}");
    // Captured length beyond the block.
    let mut f = base();
    let mut e = epb(false, 0, 2, &packet(1, 12), 12, &[], None);
    e[20..24].copy_from_slice(&400u32.to_le_bytes());
    f.extend(e);
    let m = drain(&mut reader(&f).unwrap()).2.unwrap().to_string();
    assert!(m.contains("captured length 400 is larger than the room"), "{m}");
    // Unsupported SHB version in the middle.
    let mut f = base();
    let mut s = shb(true, None);
    s[12..14].copy_from_slice(&2u16.to_be_bytes());
    f.extend(s);
    let (recs, _, err) = drain(&mut reader(&f).unwrap());
    assert_eq!(recs.len(), 1);
    assert!(matches!(err, Some(CaptureError::UnsupportedVersion { major: 2, .. })));
    // Packet-block option overrunning: warning, packet kept.
    let mut f = base();
    let mut b = B::new(false);
    b.u32(0).u32(0).u32(5).u32(4).u32(4).raw(&[1, 2, 3, 4]).u16(1).u16(200);
    f.extend(b.block(pcapng::EPB));
    let mut r = reader(&f).unwrap();
    let (recs, _, err) = drain(&mut r);
    assert!(err.is_none() && recs.len() == 2);
    assert!(
        r.warnings()[0].to_string().contains("option 1 of length 200"),
        "{:?}",
        r.warnings()
    );
    // Bad byte-order magic in the first SHB: header error.
    let mut f = base();
    f[8] = 0x99;
    assert!(matches!(reader(&f).unwrap_err(), CaptureError::BadHeader { .. }));
    // Bad SHB versions at open.
    let mut f = base();
    f[12] = 2;
    assert!(reader(&f)
        .unwrap_err()
        .to_string()
        .contains("unsupported pcapng version 2.0"));
    let mut f = base();
    f[14] = 2;
    assert!(reader(&f).is_ok(), "1.2 is read like 1.0");
}

/// Flipping any single byte never panics.
#[test]
fn corrupted_bytes_never_panic() {
    let (ng, _) = rich_pcapng();
    let (pc, _) = small_pcap(true);
    for file in [ng, pc] {
        for i in 0..file.len() {
            for x in [0xff, 0x80, 0x01] {
                let mut f = file.clone();
                f[i] ^= x;
                if let Ok(mut r) = reader(&f) {
                    let _ = drain(&mut r);
                    for w in r.warnings() {
                        let _ = w.to_string();
                    }
                }
            }
        }
    }
}

#[test]
fn garbage_and_not_captures() {
    let mut seed = 0x1234_5678u32;
    for len in [1usize, 2, 3, 4, 5, 23, 24, 100, 5000] {
        for _ in 0..20 {
            let f: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            if let Ok(mut r) = reader(&f) {
                let _ = drain(&mut r);
            }
        }
    }
    // Garbage after a valid pcap header: absurd length, named.
    let mut b = pcap_header(false, 0xa1b2c3d4, 65535, 1);
    b.raw(&[0xee; 40]);
    let (recs, _, err) = drain(&mut reader(&b.v).unwrap());
    assert!(recs.is_empty());
    assert!(err.unwrap().to_string().contains("record 1 at offset 24 is corrupt"));

    let e = reader(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("looks like a gzip-compressed file") && e.contains("gunzip it first") && e.contains("1f 8b 08"),
        "{e}"
    );
    let e = reader(b"12:00:01.000 IP 10.0.0.1.53 > 10.0.0.2.5353: UDP\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a text file starting with \"12:00:01.000 IP"), "{e}");
    let e = reader(&[0x01, 0x02]).unwrap_err().to_string();
    assert!(e.contains("not a pcap or pcapng"), "{e}");
    let e = reader(&[0xd4, 0xc3]).unwrap_err();
    assert!(
        matches!(
            e,
            CaptureError::TruncatedHeader {
                format: "pcap",
                have: 2,
                ..
            }
        ),
        "{e}"
    );
    let e = reader(&[0x0a, 0x0d, 0x0d, 0x0a, 1, 0, 0, 0]).unwrap_err();
    assert!(
        matches!(e, CaptureError::TruncatedHeader { format: "pcapng", .. }),
        "{e}"
    );
}

/// A source that returns a few bytes per read, like a slow pipe.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn trickling_stdin_like_source() {
    for file in [rich_pcapng().0, small_pcap(false).0] {
        let mut a = reader(&file).unwrap();
        let mut b = FileReader::from_reader(
            Box::new(Trickle {
                data: file.clone(),
                pos: 0,
                step: 0,
            }),
            "pipe",
        )
        .unwrap();
        let (ra, na, ea) = drain(&mut a);
        let (rb, nb, eb) = drain(&mut b);
        assert_eq!(ra, rb);
        assert_eq!(na, nb);
        assert!(ea.is_none() && eb.is_none());
        assert_eq!(b.file_len(), None);
        assert!(matches!(b.read_at(24), Err(CaptureError::NotSeekable { .. })));
    }
}

#[test]
fn records_across_and_beyond_the_buffer() {
    // Many records of odd sizes across several 1 MiB refills, and records
    // larger than the buffer.
    let mut b = pcap_header(false, 0xa1b2c3d4, 0, 1);
    let mut sizes = Vec::new();
    for n in 0..6000usize {
        let len = match n {
            100 => buf::CHUNK + 5,
            2000 => 3 * buf::CHUNK,
            _ => (n * 7919) % 1500,
        };
        sizes.push(len);
        pcap_record(&mut b, n as u32, 0, len as u32, &packet(n, len));
    }
    let mut r = reader(&b.v).unwrap();
    let mut n = 0;
    while let Some(rec) = r.next_record().unwrap() {
        assert_eq!(rec.data.len(), sizes[n]);
        assert!(rec.data == packet(n, sizes[n]).as_slice(), "record {n}");
        n += 1;
    }
    assert_eq!(n, 6000);
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    // Same through a trickle.
    let mut r = FileReader::from_reader(
        Box::new(Trickle {
            data: b.v.clone(),
            pos: 0,
            step: 0,
        }),
        "p",
    )
    .unwrap();
    let mut m = 0;
    while let Some(rec) = r.next_record().unwrap() {
        assert_eq!(rec.data.len(), sizes[m]);
        m += 1;
    }
    assert_eq!(m, 6000);
}

// ------------------------------------------------------------- file paths

#[test]
fn open_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pcap");
    let e = FileReader::open(&missing).unwrap_err().to_string();
    assert!(e.contains("nope.pcap") && e.contains("no such file"), "{e}");
    let e = FileReader::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let e = FileReader::open(&empty).unwrap_err().to_string();
    assert!(e.contains("empty.pcap") && e.contains("file is empty (0 bytes)"), "{e}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked.pcap");
        std::fs::write(&locked, small_pcap(false).0).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads it anyway: only check when the OS refuses.
        if std::fs::File::open(&locked).is_err() {
            let e = FileReader::open(&locked).unwrap_err().to_string();
            assert!(e.contains("locked.pcap") && e.contains("permission denied"), "{e}");
        }
    }
}

#[test]
fn read_at_gives_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    for (name, file) in [("a.pcapng", rich_pcapng().0), ("b.pcap", small_pcap(true).0)] {
        let p = dir.path().join(name);
        std::fs::write(&p, &file).unwrap();
        let mut r = FileReader::open(&p).unwrap();
        assert_eq!(r.file_len(), Some(file.len() as u64));
        let (recs, _, _) = drain(&mut r);
        for rec in recs.iter().rev() {
            let again = own(&r.read_at(rec.offset).unwrap());
            if rec.caplen == 100 && rec.linktype == 1 && name == "a.pcapng" {
                // The SPB has no timestamp of its own.
                assert_eq!(Rec { ts: rec.ts, ..again }, *rec);
            } else {
                assert_eq!(again, *rec);
            }
        }
        let e = r.read_at(1).unwrap_err();
        assert!(matches!(e, CaptureError::BadOffset { .. }), "{e}");
        assert!(r.read_at(file.len() as u64 + 100).is_err());
    }
}

// --------------------------------------------------------------- writing

#[test]
fn write_read_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let pkts: Vec<(Timestamp, u32, Vec<u8>)> = (0..50)
        .map(|n| {
            (
                Timestamp {
                    secs: 1_600_000_000 + n,
                    nanos: (n as u32) * 123_457,
                },
                100 + n as u32,
                packet(n as usize, 20 + n as usize),
            )
        })
        .collect();
    for fmt in [
        WriteFormat::Pcap { nanos: false },
        WriteFormat::Pcap { nanos: true },
        WriteFormat::Pcapng,
    ] {
        let p = dir.path().join(format!("{fmt:?}.cap"));
        let mut w = PcapWriter::create(&p, fmt, 1, 65535).unwrap();
        assert!(!p.exists(), "nothing under the final name before finish");
        assert!(w.temp_path().unwrap().exists());
        for (ts, orig, d) in &pkts {
            w.write_packet(*ts, *orig, 1, d).unwrap();
        }
        let tmp = w.temp_path().unwrap().to_path_buf();
        assert_eq!(w.finish().unwrap(), 50);
        assert!(p.exists() && !tmp.exists());
        let mut r = FileReader::open(&p).unwrap();
        let (recs, _, err) = drain(&mut r);
        assert!(err.is_none() && r.warnings().is_empty());
        assert_eq!(recs.len(), 50);
        for (rec, (ts, orig, d)) in recs.iter().zip(&pkts) {
            let want_ts = if fmt == (WriteFormat::Pcap { nanos: false }) {
                Timestamp {
                    secs: ts.secs,
                    nanos: ts.nanos / 1000 * 1000,
                }
            } else {
                *ts
            };
            assert_eq!((rec.ts, rec.origlen, &rec.data, rec.linktype), (want_ts, *orig, d, 1));
        }
    }
}

#[test]
fn write_pcapng_interfaces_comments_and_copy() {
    let dir = tempfile::tempdir().unwrap();
    // Copy the rich file record by record: link types become interfaces.
    let (file, _) = rich_pcapng();
    let mut r = reader(&file).unwrap();
    let p = dir.path().join("copy.pcapng");
    let mut w = PcapWriter::create(&p, WriteFormat::Pcapng, 1, 0).unwrap();
    let mut orig = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        w.write(&rec).unwrap();
        orig.push(own(&rec));
    }
    w.finish().unwrap();
    let mut back = FileReader::open(&p).unwrap();
    let (recs, _, err) = drain(&mut back);
    assert!(err.is_none());
    assert_eq!(recs.len(), orig.len());
    for (a, b) in recs.iter().zip(&orig) {
        assert_eq!(
            (a.ts, a.caplen, a.origlen, a.linktype, &a.data, &a.comments, a.flags),
            (b.ts, b.caplen, b.origlen, b.linktype, &b.data, &b.comments, b.flags)
        );
    }
    let lts: Vec<u32> = back.interfaces().iter().map(|i| i.linktype).collect();
    assert_eq!(lts, vec![1, 113, 101]);

    // Named interfaces and write_packet_on.
    let p = dir.path().join("named.pcapng");
    let mut w = PcapWriter::create(&p, WriteFormat::Pcapng, 1, 1500).unwrap();
    let mut i2 = Interface::new(1, 1500);
    i2.name = Some("eth1".into());
    let id = w.add_interface(&i2).unwrap();
    assert_eq!(id, 1);
    w.write_packet_on(id, Timestamp::new(5, 0), 3, &[1, 2, 3], &["hi".into()], Some(2))
        .unwrap();
    assert!(w.write_packet_on(9, Timestamp::ZERO, 1, &[0], &[], None).is_err());
    w.finish().unwrap();
    let mut back = FileReader::open(&p).unwrap();
    let (recs, _, _) = drain(&mut back);
    assert_eq!(
        (recs[0].iface, recs[0].flags, recs[0].comments.clone()),
        (1, Some(2), vec!["hi".to_string()])
    );
    assert_eq!(back.interfaces()[1].name.as_deref(), Some("eth1"));

    // pcap refuses a second link type, and pre-1970 times.
    let p = dir.path().join("one.pcap");
    let mut w = PcapWriter::create(&p, WriteFormat::Pcap { nanos: false }, 1, 65535).unwrap();
    let e = w.write_packet(Timestamp::ZERO, 1, 113, &[0]).unwrap_err().to_string();
    assert!(e.contains("export as pcapng"), "{e}");
    assert!(w.write_packet(Timestamp::new(-5, 0), 1, 1, &[0]).is_err());
    // Snap length truncates.
    w.write_packet(Timestamp::ZERO, 70000, 1, &vec![9; 70000]).unwrap();
    w.finish().unwrap();
    let (recs, _, _) = drain(&mut FileReader::open(&p).unwrap());
    assert_eq!((recs.len(), recs[0].caplen, recs[0].origlen), (1, 65535, 70000));
}

#[test]
fn unfinished_exports_leave_nothing_streams_keep_records() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.pcap");
    {
        let mut w = PcapWriter::create(&p, WriteFormat::Pcap { nanos: true }, 1, 0).unwrap();
        w.write_packet(Timestamp::new(1, 2), 3, 1, &[1, 2, 3]).unwrap();
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no half file, no temp file"
    );

    let p = dir.path().join("live.pcapng");
    let mut w = PcapWriter::create_stream(&p, WriteFormat::Pcapng, 1, 0).unwrap();
    w.write_packet(Timestamp::new(1, 2), 3, 1, &[1, 2, 3]).unwrap();
    // Flushed (at the latest 100 ms later, or now): the temporary file holds the record.
    w.flush().unwrap();
    let tmp = w.temp_path().unwrap().to_path_buf();
    let (recs, _, _) = drain(&mut FileReader::open(&tmp).unwrap());
    assert_eq!(recs.len(), 1);
    w.write_packet(Timestamp::new(1, 3), 3, 1, &[4, 5, 6]).unwrap();
    drop(w);
    let (recs, _, _) = drain(&mut FileReader::open(&p).unwrap());
    assert_eq!(recs.len(), 2);
    assert!(!tmp.exists());

    let e = PcapWriter::create(&dir.path().join("no/such/dir/x.pcap"), WriteFormat::Pcapng, 1, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.pcap"), "{e}");
    assert!(PcapWriter::create(dir.path(), WriteFormat::Pcapng, 1, 0).is_err());
}

// ------------------------------------------------------------ timestamps

#[test]
fn timestamp_arithmetic() {
    assert_eq!(
        Timestamp::new(1, 2_500_000_000),
        Timestamp {
            secs: 3,
            nanos: 500_000_000
        }
    );
    let t = Timestamp::from_nanos(-500_000_000);
    assert_eq!(
        t,
        Timestamp {
            secs: -1,
            nanos: 500_000_000
        }
    );
    assert_eq!(t.as_nanos(), -500_000_000);
    assert_eq!(t.to_string(), "-0.500000000");
    assert_eq!(Timestamp { secs: 12, nanos: 5 }.to_string(), "12.000000005");
    assert!(Timestamp::new(-1, 0) < Timestamp::ZERO);
    assert_eq!(Timestamp::from_nanos(i128::MAX).secs, i64::MAX);
    let mut i = Interface::new(1, 0);
    i.ticks_per_sec = 1;
    assert_eq!(i.timestamp(u64::MAX).secs, i64::MAX);
    i.ticks_per_sec = 3;
    assert_eq!(
        i.timestamp(4),
        Timestamp {
            secs: 1,
            nanos: 333_333_333
        }
    );
}

#[test]
fn messages_and_send() {
    fn is_send<T: Send>() {}
    is_send::<FileReader>();
    is_send::<PcapWriter>();
    is_send::<CaptureError>();
    let e = CaptureError::Open {
        path: "/root/x.pcap".into(),
        source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
    };
    let m = e.to_string();
    assert!(
        m.contains("'/root/x.pcap'") && m.contains("permission denied") && m.contains("chmod"),
        "{m}"
    );
    let e = CaptureError::CutOff {
        path: "f".into(),
        what: "record 3".into(),
        offset: 99,
        need: 60,
        have: 7,
        complete: 2,
    };
    let m = e.to_string();
    assert!(
        m.contains("record 3 at offset 99 is cut off: needs 60 bytes, file has 7; the 2 complete records"),
        "{m}"
    );
    assert!(e.is_warning());
    let e = CaptureError::Corrupt {
        path: "f".into(),
        what: "record 1".into(),
        offset: 24,
        problem: "x".into(),
        complete: 0,
    };
    assert!(!e.to_string().contains("editcap -r"), "no 1-0 range");
}

/// `open` does not wait for more input than the headers need.
#[test]
fn open_does_not_wait_for_packets() {
    /// Gives its bytes, then fails like a pipe that would block forever.
    struct Stalling(Vec<u8>, bool);
    impl Read for Stalling {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1 {
                return Err(std::io::Error::other("would block"));
            }
            self.1 = true;
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            Ok(n)
        }
    }
    let mut f = shb(false, None);
    f.extend(idb(false, 1, 65535, "eth0", None, None));
    let mut r = FileReader::from_reader(Box::new(Stalling(f, false)), "pipe").unwrap();
    assert_eq!(r.interfaces().len(), 1);
    let e = r.next_record().unwrap_err().to_string();
    assert!(e.contains("read error") && e.contains("would block"), "{e}");
}

#[test]
fn export_keeps_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = rich_pcapng();
    let mut r = reader(&file).unwrap();
    let (recs, _, _) = drain(&mut r);
    let p = dir.path().join("keep.pcapng");
    let mut w = PcapWriter::create_with_interfaces(&p, WriteFormat::Pcapng, r.interfaces()).unwrap();
    for x in &recs {
        let rec = Record {
            ts: x.ts,
            caplen: x.caplen,
            origlen: x.origlen,
            linktype: x.linktype,
            iface: x.iface,
            offset: x.offset,
            data: &x.data,
            comments: x.comments.clone(),
            flags: x.flags,
        };
        w.write(&rec).unwrap();
    }
    w.finish().unwrap();
    let mut back = FileReader::open(&p).unwrap();
    let (again, _, _) = drain(&mut back);
    let names: Vec<_> = back
        .interfaces()
        .iter()
        .map(|i| i.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["eth0", "any", "tun0"]);
    assert_eq!(back.interfaces()[0].comments, vec!["idb comment".to_string()]);
    for (a, b) in again.iter().zip(&recs) {
        assert_eq!(
            (a.iface, a.linktype, a.ts, &a.data),
            (b.iface, b.linktype, b.ts, &b.data)
        );
    }
    // pcap cannot hold several link types.
    let e = PcapWriter::create_with_interfaces(
        &dir.path().join("x.pcap"),
        WriteFormat::Pcap { nanos: true },
        r.interfaces(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("export as pcapng"), "{e}");
    assert!(PcapWriter::create_with_interfaces(&dir.path().join("y.pcap"), WriteFormat::Pcapng, &[]).is_err());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "failed creates leave no files"
    );
}
