//! Truncation and byte-flip sweeps over every frame of the bundled samples
//! (`samples/*.pcap*`), through the whole-frame path: a fresh
//! `frame::Decoder`, `build_tree`, `columns`, `Tree::render_text`.
//!
//! Truncation: each frame is cut at every length `c` in `0..=len` (as a snap
//! length would: captured `c` bytes, `origlen` unchanged). Asserted for
//! every cut:
//!
//! 1. no panic;
//! 2. spans: every node of data source 0 lies in `0..c`; every node of
//!    another source lies inside that source's bytes;
//! 3. the malformed rule. `hdr_end` is where the last header the full frame
//!    dissects from its own bytes ends: the link header(s), then ARP (8 bytes
//!    plus the addresses), the IP header with its options / extension
//!    headers, and, when the transport is dissected from the frame (not from
//!    a reassembled datagram), the TCP header with its options, the 8-byte
//!    UDP header or the 8-byte ICMP / ICMPv6 header. Then for `c < len`:
//!    - `c < hdr_end`  =>  the tree has a `_ws.malformed` node (a header was
//!      cut);
//!    - `c >= hdr_end` and the full frame's tree has no `_ws.malformed`
//!      =>  the cut tree has none either (a cut in the payload, padding or
//!      trailer is not an error).
//!
//! In order: each file decoded frame after frame with one decoder (so
//! fragments are reassembled): spans in bounds, and a frame that completes
//! a datagram shows its fragment list (`ip.fragments` / `ipv6.fragments`).
//!
//! Byte flips: each byte of each frame set to 0x00 and to 0xff in turn
//! (when it differs), dissected the same way: no panic, spans in bounds.
//!
//! The captures are read with a minimal pcap / pcapng walker below (this
//! crate must not depend on the root package's reader).

use std::path::{Path, PathBuf};

use wirelens_dissectors::frame::{build_tree, columns, Decoded, Decoder, FragState, FrameMeta, Transport};
use wirelens_dissectors::{Annotations, Ip, Tree};

struct Rec {
    linktype: u32,
    ts_ns: i64,
    origlen: u32,
    iface: u32,
    data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize, be: bool) -> Option<u16> {
    let x: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(x)
    } else {
        u16::from_le_bytes(x)
    })
}

fn u32_at(b: &[u8], at: usize, be: bool) -> Option<u32> {
    let x: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    })
}

/// The records of a classic pcap or a pcapng file (EPB, SPB, OPB); stops
/// quietly at the first record that does not fit.
fn read_capture(b: &[u8]) -> Vec<Rec> {
    let mut out = Vec::new();
    let Some(magic) = u32_at(b, 0, false) else { return out };
    match magic {
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 => {
            let be = matches!(magic, 0xd4c3_b2a1 | 0x4d3c_b2a1);
            let nanos = matches!(magic, 0xa1b2_3c4d | 0x4d3c_b2a1);
            let linktype = u32_at(b, 20, be).unwrap_or(0) & 0xffff;
            let mut at = 24;
            while let (Some(s), Some(f), Some(cap), Some(orig)) = (
                u32_at(b, at, be),
                u32_at(b, at + 4, be),
                u32_at(b, at + 8, be),
                u32_at(b, at + 12, be),
            ) {
                let Some(data) = b.get(at + 16..at + 16 + cap as usize) else {
                    break;
                };
                let frac = if nanos { i64::from(f) } else { i64::from(f) * 1000 };
                out.push(Rec {
                    linktype,
                    ts_ns: i64::from(s) * 1_000_000_000 + frac,
                    origlen: orig,
                    iface: 0,
                    data: data.to_vec(),
                });
                at += 16 + cap as usize;
            }
        }
        0x0a0d_0d0a => {
            let mut be = false;
            let mut ifaces: Vec<u32> = Vec::new();
            let mut at = 0;
            while let Some(raw_type) = u32_at(b, at, false) {
                if raw_type == 0x0a0d_0d0a {
                    be = u32_at(b, at + 8, false) == Some(0x4d3c_2b1a);
                    ifaces.clear();
                }
                let (Some(typ), Some(len)) = (u32_at(b, at, be), u32_at(b, at + 4, be)) else {
                    break;
                };
                let len = len as usize;
                let Some(body) = b.get(at + 8..(at + len).saturating_sub(4)) else {
                    break;
                };
                if len < 12 {
                    break;
                }
                match typ {
                    1 => ifaces.push(u32::from(u16_at(body, 0, be).unwrap_or(0))),
                    2 | 6 => {
                        let (iface, hdr) = if typ == 6 {
                            (u32_at(body, 0, be).unwrap_or(0), 20)
                        } else {
                            (u32::from(u16_at(body, 0, be).unwrap_or(0)), 20)
                        };
                        let hi = u32_at(body, 4, be).unwrap_or(0);
                        let lo = u32_at(body, 8, be).unwrap_or(0);
                        let cap = u32_at(body, 12, be).unwrap_or(0) as usize;
                        let orig = u32_at(body, 16, be).unwrap_or(0);
                        if let Some(data) = body.get(hdr..hdr + cap) {
                            let ts_us = (u64::from(hi) << 32 | u64::from(lo)) as i64;
                            out.push(Rec {
                                linktype: ifaces.get(iface as usize).copied().unwrap_or(0),
                                ts_ns: ts_us.saturating_mul(1000),
                                origlen: orig,
                                iface,
                                data: data.to_vec(),
                            });
                        }
                    }
                    3 => {
                        let orig = u32_at(body, 0, be).unwrap_or(0);
                        let cap = (orig as usize).min(body.len().saturating_sub(4));
                        if let Some(data) = body.get(4..4 + cap) {
                            let linktype = ifaces.first().copied().unwrap_or(0);
                            out.push(Rec {
                                linktype,
                                ts_ns: 0,
                                origlen: orig,
                                iface: 0,
                                data: data.to_vec(),
                            });
                        }
                    }
                    _ => {}
                }
                at += len;
            }
        }
        _ => {}
    }
    out
}

fn samples() -> Vec<(String, Vec<Rec>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples/ readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".pcap"))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).expect("sample readable");
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
            let recs = read_capture(&b);
            assert!(!recs.is_empty(), "{name}: no records read");
            (name, recs)
        })
        .collect()
}

fn meta(r: &Rec, n: usize, caplen: usize) -> FrameMeta {
    FrameMeta {
        number: n as u64 + 1,
        ts_secs: r.ts_ns.div_euclid(1_000_000_000),
        ts_nanos: r.ts_ns.rem_euclid(1_000_000_000) as u32,
        caplen: caplen as u32,
        origlen: r.origlen.max(caplen as u32),
        linktype: r.linktype,
        iface: r.iface,
        ..FrameMeta::default()
    }
}

/// Decodes with a fresh decoder, builds the tree, the columns and the text.
fn run(m: &FrameMeta, data: &[u8]) -> (Decoded, Tree, String) {
    let ann = Annotations::default();
    let d = Decoder::default().decode(m, data);
    let mut t = Tree::new();
    build_tree(&d, m, data, &ann, &mut t);
    let c = columns(&d, m, data, &ann);
    let mut text = String::new();
    t.render_text(&mut text, data);
    assert!(
        !c.proto.is_empty() || data.is_empty() || text.contains("Frame"),
        "no protocol column"
    );
    (d, t, text)
}

/// Every node lies inside its data source; returns a description of the first one that does not.
fn bad_span(t: &Tree, data: &[u8]) -> Option<String> {
    for (id, n) in t.iter() {
        let len = t.source_data(n.src, data).len();
        if n.src != 0 && usize::from(n.src) > t.sources.len() {
            return Some(format!(
                "node {id} {} has source {} of {}",
                n.name,
                n.src,
                t.sources.len()
            ));
        }
        if n.span().end > len {
            return Some(format!(
                "node {id} {} span {:?} past source {} of {len} bytes",
                n.name,
                n.span(),
                n.src
            ));
        }
    }
    None
}

fn has_malformed(t: &Tree) -> bool {
    t.find("_ws.malformed").next().is_some()
}

/// Where the last header dissected from the frame's own bytes ends.
fn hdr_end(d: &Decoded) -> usize {
    let mut end = d.link.payload_off;
    if let Some(a) = &d.arp {
        end = a.off + a.total_len();
    }
    if let Some(ip) = &d.ip {
        end = match ip {
            Ip::V4(h) => h.off + h.hdr_len,
            Ip::V6(h) => h.headers_end(),
        };
    }
    if d.tsrc == 0 {
        match &d.transport {
            Some(Transport::Tcp(h)) => end = h.off + h.hdr_len,
            Some(Transport::Udp(h)) => end = h.off + 8,
            Some(Transport::Icmp(h)) => end = h.off + 8,
            Some(Transport::Icmpv6(h)) => end = h.off + 8,
            None => {}
        }
    }
    end
}

/// A frame whose last dissected header is an encapsulation layer (PPPoE
/// discovery, an undecoded tunnel payload): `hdr_end` does not see that
/// header's extent, so a cut past the link header may still be a header cut.
fn ends_in_a_tunnel(d: &Decoded) -> bool {
    !d.encap.is_empty() && d.ip.is_none() && d.arp.is_none()
}

#[test]
fn truncation_sweep() {
    let (mut frames, mut cuts, mut header_cuts) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for (name, recs) in samples() {
        for (i, r) in recs.iter().enumerate() {
            frames += 1;
            let full = &r.data;
            let (dfull, tfull, _) = run(&meta(r, i, full.len()), full);
            let hend = hdr_end(&dfull);
            let full_malformed = has_malformed(&tfull);
            for c in 0..=full.len() {
                cuts += 1;
                let cut = full.get(..c).unwrap_or(&[]);
                let m = meta(r, i, c);
                let (_, t, text) = run(&m, cut);
                let at = format!("{name} frame {} cut {c}/{} (hdr_end {hend})", i + 1, full.len());
                if let Some(e) = bad_span(&t, cut) {
                    failures.push(format!("{at}: {e}"));
                }
                if c == full.len() {
                    continue;
                }
                let mal = has_malformed(&t);
                if c < hend {
                    header_cuts += 1;
                    if !mal {
                        failures.push(format!("{at}: header cut without _ws.malformed\n{text}"));
                    }
                } else if !full_malformed && mal && !ends_in_a_tunnel(&dfull) {
                    failures.push(format!("{at}: payload cut gives _ws.malformed\n{text}"));
                }
            }
        }
    }
    eprintln!(
        "truncation sweep: {frames} frames, {cuts} cuts ({header_cuts} inside headers), {} failures",
        failures.len()
    );
    assert!(
        frames > 50 && cuts > 5000,
        "too few frames read: {frames} frames, {cuts} cuts"
    );
    if std::env::var_os("SWEEP_DUMP").is_some() {
        for f in &failures {
            eprintln!("FAIL {f}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first ones:\n{}",
        failures.len(),
        failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn byte_flip_sweep() {
    let (mut frames, mut runs) = (0usize, 0usize);
    let mut failures = Vec::new();
    for (name, recs) in samples() {
        for (i, r) in recs.iter().enumerate() {
            frames += 1;
            let m = meta(r, i, r.data.len());
            for at in 0..r.data.len() {
                for v in [0x00u8, 0xff] {
                    if r.data.get(at) == Some(&v) {
                        continue;
                    }
                    let mut data = r.data.clone();
                    if let Some(b) = data.get_mut(at) {
                        *b = v;
                    }
                    runs += 1;
                    let (_, t, _) = run(&m, &data);
                    if let Some(e) = bad_span(&t, &data) {
                        failures.push(format!("{name} frame {} byte {at} = {v:#04x}: {e}", i + 1));
                    }
                }
            }
        }
    }
    eprintln!(
        "byte-flip sweep: {frames} frames, {runs} flipped frames, {} failures",
        failures.len()
    );
    assert!(runs > 5000, "too few runs: {runs}");
    assert!(
        failures.is_empty(),
        "{} failures, first ones:\n{}",
        failures.len(),
        failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn in_order_with_reassembly() {
    let (mut frames, mut completed) = (0usize, 0usize);
    for (name, recs) in samples() {
        let mut dec = Decoder::default();
        for (i, r) in recs.iter().enumerate() {
            frames += 1;
            let m = meta(r, i, r.data.len());
            let d = dec.decode(&m, &r.data);
            let mut ann = Annotations::default();
            if d.frag == FragState::Completed {
                ann.reassembled_ip = d.reassembled.clone();
            }
            let mut t = Tree::new();
            build_tree(&d, &m, &r.data, &ann, &mut t);
            let mut text = String::new();
            t.render_text(&mut text, &r.data);
            if let Some(e) = bad_span(&t, &r.data) {
                panic!("{name} frame {}: {e}", i + 1);
            }
            if d.frag == FragState::Completed {
                completed += 1;
                let list = t.find("ip.fragments").chain(t.find("ipv6.fragments")).count();
                assert_eq!(
                    list,
                    1,
                    "{name} frame {}: completes a datagram but shows no fragment list\n{text}",
                    i + 1
                );
            }
        }
    }
    eprintln!("in order: {frames} frames, {completed} completing a datagram");
    assert!(completed >= 2, "the samples reassemble IPv4 and IPv6 datagrams");
}

#[test]
fn walker_reads_every_sample() {
    // The walker itself: each sample gives records, pcapng's interfaces give their link types.
    let all = samples();
    let ng = all
        .iter()
        .find(|(n, _)| n.ends_with(".pcapng"))
        .expect("a pcapng sample");
    assert!(
        ng.1.iter().any(|r| r.iface == 1),
        "second interface of the pcapng sample not seen"
    );
    for (name, recs) in &all {
        for r in recs {
            assert!(
                r.data.len() <= r.origlen as usize || r.origlen == 0,
                "{name}: caplen above origlen"
            );
        }
    }
}
