//! Agreement with tshark on real captures (dev tool, `#[ignore]`d tests).
//!
//! `cargo test -p wirelens-dissectors tshark -- --ignored --nocapture`
//!
//! Reads the captures listed in `../shared/corpus/MANIFEST.tsv` that carry
//! IP, ICMP or ICMPv6 (or the files in `WIRELENS_PCAPS`, colon-separated),
//! walks the records with a minimal pcap/pcapng reader, skips the link layer,
//! dissects with this module (following ICMP errors into the invoking packet
//! and IP-in-IP, the way the orchestrator will) and compares field values with
//! `tshark -T fields`, tree lines with `tshark -V`, and reassembly with tshark's.
//! Prints agreement figures and the first differences.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::frag::{FragKey, FragLimits, FragOutcome, Reassembler};
use super::{icmp, icmpv6, ipv4, ipv6};
use crate::error::ErrorKind;
use crate::tree::{NodeId, Tree};

/// The corpus: `WIRELENS_CORPUS`, else `../shared/corpus` from the repository
/// root (or from the directory above, for a worktree under `wt/`).
fn corpus_root() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("WIRELENS_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    [repo.join("../shared/corpus"), repo.join("../../shared/corpus")]
        .into_iter()
        .find(|p| p.join("MANIFEST.tsv").is_file())
}

/// (link type, capture time in ns, bytes, length on the wire)
type Record = (u32, i64, Vec<u8>, usize);

fn u16_at(b: &[u8], o: usize, le: bool) -> Option<u16> {
    let a: [u8; 2] = b.get(o..o + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(a)
    } else {
        u16::from_be_bytes(a)
    })
}

fn u32_at(b: &[u8], o: usize, le: bool) -> Option<u32> {
    let a: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}

/// A minimal pcap / pcapng record walk: good enough for test inputs.
fn read_capture(path: &Path) -> Option<Vec<Record>> {
    let b = std::fs::read(path).ok()?;
    let magic = u32_at(&b, 0, true)?;
    let mut out = Vec::new();
    match magic {
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 => {
            let le = magic == 0xa1b2_c3d4 || magic == 0xa1b2_3c4d;
            let nano = magic == 0xa1b2_3c4d || magic == 0x4d3c_b2a1;
            let lt = u32_at(&b, 20, le)? & 0x0fff_ffff;
            let mut p = 24;
            while let (Some(s), Some(f), Some(n)) = (u32_at(&b, p, le), u32_at(&b, p + 4, le), u32_at(&b, p + 8, le)) {
                let Some(d) = b.get(p + 16..p + 16 + n as usize) else {
                    break;
                };
                let ns = i64::from(s) * 1_000_000_000 + i64::from(f) * if nano { 1 } else { 1000 };
                let orig = u32_at(&b, p + 12, le).unwrap_or(n) as usize;
                out.push((lt, ns, d.to_vec(), orig));
                p += 16 + n as usize;
            }
        }
        0x0a0d_0d0a => {
            let mut p = 0;
            let mut le = true;
            let mut ifaces: Vec<(u32, i64)> = Vec::new();
            while p + 12 <= b.len() {
                if u32_at(&b, p, true)? == 0x0a0d_0d0a {
                    le = u32_at(&b, p + 8, true)? == 0x1a2b_3c4d;
                    ifaces.clear();
                }
                let ty = u32_at(&b, p, le)?;
                let len = u32_at(&b, p + 4, le)? as usize;
                if len < 12 || p + len > b.len() {
                    break;
                }
                match ty {
                    1 => {
                        let lt = u32::from(u16_at(&b, p + 8, le)?);
                        // tsresol option (9): default microseconds.
                        let mut div = 1_000i64;
                        let mut q = p + 16;
                        while q + 4 <= p + len - 4 {
                            let (code, olen) = (u16_at(&b, q, le)?, u16_at(&b, q + 2, le)? as usize);
                            if code == 0 {
                                break;
                            }
                            if code == 9 && olen >= 1 {
                                let r = *b.get(q + 4)?;
                                div = if r & 0x80 == 0 {
                                    10i64.pow(9u32.saturating_sub(u32::from(r)))
                                } else {
                                    1
                                };
                            }
                            q += 4 + olen.div_ceil(4) * 4;
                        }
                        ifaces.push((lt, div));
                    }
                    6 => {
                        let id = u32_at(&b, p + 8, le)? as usize;
                        let ts = (u64::from(u32_at(&b, p + 12, le)?) << 32) | u64::from(u32_at(&b, p + 16, le)?);
                        let n = u32_at(&b, p + 20, le)? as usize;
                        let orig = u32_at(&b, p + 24, le)? as usize;
                        let (lt, mul) = ifaces.get(id).copied().unwrap_or((1, 1000));
                        if let Some(d) = b.get(p + 28..p + 28 + n) {
                            out.push((lt, (ts as i64).saturating_mul(mul), d.to_vec(), orig));
                        }
                    }
                    3 => {
                        let n = u32_at(&b, p + 8, le)? as usize;
                        let (lt, _) = ifaces.first().copied().unwrap_or((1, 1000));
                        if let Some(d) = b.get(p + 12..(p + 12 + n).min(p + len - 4)) {
                            out.push((lt, 0, d.to_vec(), n));
                        }
                    }
                    _ => {}
                }
                p += len;
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Where the network layer starts, and whether it is IPv6 (None: IPv4 or IPv6 by version nibble).
fn network_offset(lt: u32, d: &[u8]) -> Option<(usize, Option<bool>)> {
    let by_type = |et: u16| match et {
        0x0800 => Some(false),
        0x86dd => Some(true),
        _ => None,
    };
    match lt {
        1 => {
            let mut p = 12;
            let mut et = u16_at(d, p, false)?;
            while matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                p += 4;
                et = u16_at(d, p, false)?;
            }
            Some((p + 2, Some(by_type(et)?)))
        }
        101 | 12 | 14 => Some((0, None)),
        228 => Some((0, Some(false))),
        229 => Some((0, Some(true))),
        0 | 108 => {
            let fam = u32_at(d, 0, true)?;
            let fam = if fam > 0xffff { fam.swap_bytes() } else { fam };
            match fam {
                2 => Some((4, Some(false))),
                24 | 28 | 30 => Some((4, Some(true))),
                _ => None,
            }
        }
        113 => Some((16, Some(by_type(u16_at(d, 14, false)?)?))),
        276 => Some((20, Some(by_type(u16_at(d, 0, false)?)?))),
        9 => {
            let p = if d.get(..2) == Some(&[0xff, 0x03]) { 2 } else { 0 };
            match u16_at(d, p, false)? {
                0x0021 => Some((p + 2, Some(false))),
                0x0057 => Some((p + 2, Some(true))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Parses with the caller's convention: a cut header is parsed from a
/// zero-padded copy and its tree built with a clip at the captured length.
fn padded<T>(data: &[u8], parse: impl Fn(&[u8]) -> Result<T, crate::DissectError>) -> Option<(T, Vec<u8>, bool)> {
    match parse(data) {
        Ok(v) => Some((v, data.to_vec(), false)),
        Err(e) if e.kind == ErrorKind::Truncated => {
            let mut p = data.to_vec();
            p.resize(e.offset + e.need, 0);
            parse(&p).ok().map(|v| (v, p, true))
        }
        Err(_) => None,
    }
}

struct Frame {
    tree: Tree,
    /// Info of the last ICMP / ICMPv6 layer (its packet data).
    info: Option<String>,
    frag: Option<(FragKey, usize, bool, Vec<u8>)>,
    ts: i64,
    /// End of the frame as sent: an IP length beyond it is bogus, not a snap length.
    wire_end: usize,
    /// Inside the invoking packet of an ICMP error (checksums not verified there).
    in_error: bool,
}

/// Dissects IP at `off` (and what this module knows above it) into `t`.
fn dissect_ip(t: &mut Tree, data: &[u8], off: usize, v6: Option<bool>, depth: u32, out: &mut Frame) {
    if depth > 4 || off >= data.len() {
        return;
    }
    let is_v6 = v6.unwrap_or_else(|| data.get(off).is_some_and(|b| b >> 4 == 6));
    let clip_len = data.len();
    if !is_v6 {
        let Some((mut ip, buf, cut)) = padded(data, |d| ipv4::parse(d, off)) else {
            return;
        };
        if cut {
            ip.checksum_status = crate::util::ChecksumStatus::Unverified;
            t.set_clip(Some((0, clip_len)));
        }
        let root = ip.tree(t, &buf);
        t.set_clip(None);
        if !out.in_error {
            ip.check_wire_len(t, root, out.wire_end);
        }
        if cut {
            return;
        }
        if ip.is_fragment() {
            if depth == 0 {
                let key = FragKey {
                    src: IpAddr::V4(ip.src),
                    dst: IpAddr::V4(ip.dst),
                    id: u32::from(ip.id),
                    proto: ip.proto,
                };
                let pay = data.get(ip.payload.clone()).unwrap_or(&[]).to_vec();
                out.frag = Some((key, ip.frag_byte_offset(), ip.mf(), pay));
            }
            return;
        }
        let end = (ip.payload.start + ip.wire_payload_len).min(out.wire_end);
        upper(t, data, ip.proto, ip.payload.start, end, Some(ip.ttl), None, depth, out);
    } else {
        let Some((ip, buf, cut)) = padded(data, |d| ipv6::parse(d, off)) else {
            return;
        };
        if cut {
            t.set_clip(Some((0, clip_len)));
        }
        let root = ip.tree(t, &buf);
        t.set_clip(None);
        if !out.in_error {
            ip.check_wire_len(t, root, out.wire_end);
        }
        if cut || ip.error.is_some() {
            return;
        }
        if ip.is_fragment() {
            if depth == 0 {
                if let Some(f) = &ip.frag {
                    let key = FragKey {
                        src: IpAddr::V6(ip.src),
                        dst: IpAddr::V6(ip.dst),
                        id: f.id,
                        proto: ip.upper,
                    };
                    let pay = data.get(ip.payload.clone()).unwrap_or(&[]).to_vec();
                    out.frag = Some((key, f.byte_offset(), f.more, pay));
                }
            }
            return;
        }
        let end = (ip.payload.start + ip.wire_payload_len).min(out.wire_end);
        let pseudo = ip.checksum_addrs(data);
        upper(
            t,
            data,
            ip.upper,
            ip.payload.start,
            end,
            Some(ip.hlim),
            Some(pseudo),
            depth,
            out,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn upper(
    t: &mut Tree,
    data: &[u8],
    proto: u8,
    off: usize,
    end: usize,
    ttl: Option<u8>,
    pseudo: Option<(std::net::Ipv6Addr, std::net::Ipv6Addr)>,
    depth: u32,
    out: &mut Frame,
) {
    match proto {
        1 => {
            let Some((mut m, buf, cut)) = padded(data, |d| icmp::parse(d, off, end)) else {
                return;
            };
            if out.in_error {
                // Wireshark does not verify the checksum of an invoking packet's ICMP.
                m.checksum_status = crate::util::ChecksumStatus::Unverified;
            }
            if cut {
                t.set_clip(Some((0, data.len())));
            }
            let root = m.tree_at(t, &buf, Some(out.ts));
            t.set_clip(None);
            if depth == 0 {
                out.info = Some(m.info(ttl));
            }
            if let (Some(r), false) = (m.embedded.clone(), cut) {
                embedded(t, data, r, root, false, depth, out);
            }
        }
        58 => {
            let Some((mut m, buf, cut)) = padded(data, |d| icmpv6::parse(d, off, end, pseudo)) else {
                return;
            };
            if out.in_error {
                m.checksum_status = crate::util::ChecksumStatus::Unverified;
            }
            if cut {
                t.set_clip(Some((0, data.len())));
            }
            let root = m.tree(t, &buf);
            t.set_clip(None);
            if depth == 0 {
                out.info = Some(m.info(ttl));
            }
            if let (Some(r), false) = (m.embedded.clone(), cut) {
                embedded(t, data, r, root, true, depth, out);
            }
        }
        4 => dissect_ip(t, data, off, Some(false), depth + 1, out),
        51 if pseudo.is_none() => {
            if let Some((x, buf, cut)) = padded(data, |d| ipv6::parse_ah(d, off)) {
                if cut {
                    t.set_clip(Some((0, data.len())));
                }
                ipv6::ext_header_tree(t, None, &buf, &x);
                t.set_clip(None);
                if !cut {
                    upper(t, data, x.next, off + x.len, end, ttl, pseudo, depth, out);
                }
            }
        }
        41 => dissect_ip(t, data, off, Some(true), depth + 1, out),
        _ => {}
    }
}

/// The invoking packet of an ICMP error, dissected on a copy cut at its captured end,
/// its root moved under the ICMP node.
fn embedded(
    t: &mut Tree,
    data: &[u8],
    r: std::ops::Range<usize>,
    parent: NodeId,
    v6: bool,
    depth: u32,
    out: &mut Frame,
) {
    let cut = data.get(..r.end).unwrap_or(data);
    let mut sub = Tree::new();
    let was = out.in_error;
    out.in_error = true;
    dissect_ip(&mut sub, cut, r.start, Some(v6), depth + 1, out);
    out.in_error = was;
    // Re-add the sub-tree's nodes under `parent` in order.
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for (id, n) in sub.pre_order() {
        let p = n.parent().and_then(|p| map.get(&p).copied()).unwrap_or(parent);
        let nid = t.add(
            Some(p),
            n.name,
            n.label,
            n.value.clone(),
            n.off as usize,
            n.len as usize,
        );
        if let Some(x) = t.node_mut(nid) {
            x.text = n.text.clone();
            x.bits = n.bits;
            x.mask = n.mask;
            x.base = n.base;
            x.hidden = n.hidden;
            x.generated = n.generated;
            x.expert = n.expert.clone();
        }
        map.insert(id, nid);
    }
}

fn dissect_frame(lt: u32, d: &[u8], ts: i64, orig: usize) -> Option<Frame> {
    let (off, v6) = network_offset(lt, d)?;
    let mut f = Frame {
        tree: Tree::new(),
        info: None,
        frag: None,
        ts,
        wire_end: orig.max(d.len()),
        in_error: false,
    };
    let mut t = Tree::new();
    dissect_ip(&mut t, d, off, v6, 0, &mut f);
    f.tree = t;
    Some(f)
}

const FIELDS: &[&str] = &[
    "ip.version",
    "ip.hdr_len",
    "ip.dsfield",
    "ip.dsfield.dscp",
    "ip.dsfield.ecn",
    "ip.len",
    "ip.id",
    "ip.flags",
    "ip.flags.rb",
    "ip.flags.df",
    "ip.flags.mf",
    "ip.frag_offset",
    "ip.ttl",
    "ip.proto",
    "ip.checksum",
    "ip.checksum.status",
    "ip.checksum_calculated",
    "ip.src",
    "ip.dst",
    "ip.addr",
    "ip.src_host",
    "ip.dst_host",
    "ip.host",
    "ip.cur_rt",
    "ip.opt.type",
    "ip.opt.type.copy",
    "ip.opt.type.class",
    "ip.opt.type.number",
    "ip.opt.len",
    "ip.opt.ptr",
    "ip.rec_rt",
    "ip.src_rt",
    "ip.empty_rt",
    "ip.opt.ra",
    "ip.opt.sid",
    "ip.opt.time_stamp",
    "ip.opt.time_stamp_addr",
    "ip.opt.flag",
    "ip.opt.overflow",
    "ipv6.version",
    "ipv6.tclass",
    "ipv6.tclass.dscp",
    "ipv6.tclass.ecn",
    "ipv6.flow",
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hlim",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.addr",
    "ipv6.src_host",
    "ipv6.host",
    "ipv6.src_slaac_mac",
    "ipv6.dst_slaac_mac",
    "ipv6.src_6to4_gw_ipv4",
    "ipv6.dst_ts_ipv4",
    "ipv6.dst_tc_port",
    "ipv6.hopopts.nxt",
    "ipv6.hopopts.len",
    "ipv6.hopopts.len_oct",
    "ipv6.dstopts.nxt",
    "ipv6.dstopts.len",
    "ipv6.routing.nxt",
    "ipv6.routing.len",
    "ipv6.routing.type",
    "ipv6.routing.segleft",
    "ipv6.routing.src.addr",
    "ipv6.fraghdr.nxt",
    "ipv6.fraghdr.offset",
    "ipv6.fraghdr.more",
    "ipv6.fraghdr.ident",
    "ipv6.opt.type",
    "ipv6.opt.length",
    "ipv6.opt.router_alert",
    "ipv6.opt.jumbo",
    "ipv6.opt.padn",
    "ah.next_header",
    "ah.length",
    "ah.spi",
    "ah.sequence",
    "icmp.type",
    "icmp.code",
    "icmp.checksum",
    "icmp.checksum.status",
    "icmp.ident",
    "icmp.ident_le",
    "icmp.seq",
    "icmp.seq_le",
    "icmp.redir_gw",
    "icmp.mtu",
    "icmp.pointer",
    "icmp.originate_timestamp",
    "icmp.receive_timestamp",
    "icmp.address_mask",
    "icmpv6.type",
    "icmpv6.code",
    "icmpv6.checksum",
    "icmpv6.checksum.status",
    "icmpv6.echo.identifier",
    "icmpv6.echo.sequence_number",
    "icmpv6.mtu",
    "icmpv6.pointer",
    "icmpv6.nd.ns.target_address",
    "icmpv6.nd.na.target_address",
    "icmpv6.nd.na.flag.r",
    "icmpv6.nd.na.flag.s",
    "icmpv6.nd.na.flag.o",
    "icmpv6.nd.ra.cur_hop_limit",
    "icmpv6.nd.ra.flag.m",
    "icmpv6.nd.ra.router_lifetime",
    "icmpv6.nd.ra.reachable_time",
    "icmpv6.opt.type",
    "icmpv6.opt.length",
    "icmpv6.opt.linkaddr",
    "icmpv6.opt.prefix",
    "icmpv6.opt.prefix.length",
    "icmpv6.opt.prefix.valid_lifetime",
    "icmpv6.opt.mtu",
    "icmpv6.opt.rdnss",
    "icmpv6.mld.multicast_address",
    "icmpv6.mldr.nb_mcast_records",
    "icmpv6.mldr.mar.record_type",
    "icmpv6.mldr.mar.multicast_address",
];

const PREFS: &[&str] = &[
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "ip.defragment:FALSE",
    "-o",
    "ipv6.defragment:FALSE",
];

/// tshark prints hex fields as `0x..`: compare numbers as numbers.
fn norm(v: &str) -> String {
    if v == "<none>" {
        return String::new();
    }
    v.split(',')
        .map(
            |x| match x.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok()) {
                Some(n) => n.to_string(),
                None if x == "<none>" => String::new(),
                None => x.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(",")
}

fn tshark(args: &[&str]) -> Option<String> {
    let o = Command::new("tshark").args(args).output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn corpus_files() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("WIRELENS_PCAPS") {
        return list.split(':').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
    }
    let Some(root) = corpus_root() else {
        eprintln!("corpus not found: ../shared/corpus is absent (set WIRELENS_CORPUS, or WIRELENS_PCAPS to compare other files)");
        return Vec::new();
    };
    let Ok(m) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in m.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(protos), Some(note)) = (cols.first(), cols.get(7), cols.get(8)) else {
            continue;
        };
        let ps: Vec<&str> = protos.split(',').collect();
        let interesting = ps
            .iter()
            .any(|p| matches!(*p, "icmp" | "icmpv6" | "ah") || p.starts_with("ipv6."))
            || note.contains("IPv4 options")
            || note.contains("fragments")
            || (ps.contains(&"ipv6") && ps.len() <= 6)
            || (ps.contains(&"ip") && ps.len() <= 4);
        if interesting {
            out.push(root.join(path));
        }
    }
    if let Ok(n) = std::env::var("WIRELENS_MAX_FILES") {
        out.truncate(n.parse().unwrap_or(usize::MAX));
    }
    out
}

#[derive(Default)]
struct Tally {
    agree: u64,
    differ: u64,
    only_ours: u64,
    only_theirs: u64,
}

#[test]
#[ignore]
fn tshark_field_agreement() {
    let files = corpus_files();
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut examples: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let (mut frames, mut compared_frames, mut extra_layers, mut info_ok, mut info_bad) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut info_examples = Vec::new();
    let (mut files_done, mut files_failed) = (0, 0);
    for f in &files {
        let Some(records) = read_capture(f) else {
            files_failed += 1;
            continue;
        };
        let path = f.to_string_lossy();
        let mut args: Vec<&str> = vec!["-n", "-r", &path];
        args.extend_from_slice(PREFS);
        args.extend_from_slice(&[
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.col.Protocol",
        ]);
        for fl in FIELDS {
            args.push("-e");
            args.push(fl);
        }
        args.extend_from_slice(&["-e", "_ws.col.Info"]);
        let Some(out) = tshark(&args) else {
            files_failed += 1;
            continue;
        };
        files_done += 1;
        let lines: Vec<&str> = out.lines().collect();
        if lines.len() != records.len() {
            eprintln!(
                "{path}: {} records, tshark {} lines: skipped",
                records.len(),
                lines.len()
            );
            continue;
        }
        for (i, ((lt, ts, d, orig), line)) in records.iter().zip(lines).enumerate() {
            frames += 1;
            let cols: Vec<&str> = line.split('\t').collect();
            let Some(fr) = dissect_frame(*lt, d, *ts, *orig) else {
                continue;
            };
            if fr.tree.is_empty() {
                continue;
            }
            compared_frames += 1;
            let protos = cols.first().copied().unwrap_or("");
            let layers = protos
                .split(':')
                .filter(|p| matches!(*p, "ip" | "ipv6" | "icmp" | "icmpv6"))
                .count();
            let ours_layers = fr
                .tree
                .iter()
                .filter(|(_, n)| matches!(n.name, "ip" | "ipv6" | "icmp" | "icmpv6"))
                .count();
            let tunneled = layers > ours_layers;
            if tunneled {
                extra_layers += 1;
            }
            for (k, name) in FIELDS.iter().enumerate() {
                let theirs = norm(cols.get(k + 2).copied().unwrap_or(""));
                let ours: Vec<String> = fr.tree.find(name).map(|(id, _)| fr.tree.field_string(id, d)).collect();
                let ours = ours.join(",");
                // With tunnels tshark shows more layers: compare our prefix.
                let theirs_cmp = if tunneled && theirs.len() > ours.len() && !ours.is_empty() {
                    theirs
                        .split(',')
                        .take(ours.split(',').count())
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    theirs.clone()
                };
                let t = tally.entry(name).or_default();
                let verdict = match (ours.is_empty(), theirs_cmp.is_empty()) {
                    (true, true) => continue,
                    (false, false) if ours == theirs_cmp => {
                        t.agree += 1;
                        continue;
                    }
                    (false, false) => {
                        t.differ += 1;
                        "differ"
                    }
                    (false, true) => {
                        t.only_ours += 1;
                        "only ours"
                    }
                    (true, false) => {
                        if tunneled {
                            continue;
                        }
                        t.only_theirs += 1;
                        "only tshark"
                    }
                };
                let ex = examples.entry(name).or_default();
                if ex.len() < 4 {
                    ex.push(format!("{verdict}: {path} #{}: ours [{ours}] tshark [{theirs}]", i + 1));
                }
            }
            let proto = cols.get(1).copied().unwrap_or("");
            if let (Some(info), "ICMP" | "ICMPv6") = (&fr.info, proto) {
                let theirs = cols.last().copied().unwrap_or("");
                if theirs.starts_with(info.as_str()) {
                    info_ok += 1;
                } else {
                    info_bad += 1;
                    if info_examples.len() < 15 {
                        info_examples.push(format!("{path} #{}: ours [{info}] tshark [{theirs}]", i + 1));
                    }
                }
            }
        }
    }
    println!("files: {files_done} compared, {files_failed} unreadable; frames: {frames}, with IP: {compared_frames}, tunnels not followed: {extra_layers}");
    let (mut a, mut b) = (0u64, 0u64);
    for (name, t) in &tally {
        a += t.agree;
        b += t.differ + t.only_ours + t.only_theirs;
        if t.differ + t.only_ours + t.only_theirs > 0 || std::env::var("WIRELENS_ALL").is_ok() {
            println!(
                "{name:40} agree {:6} differ {:4} only-ours {:4} only-tshark {:4}",
                t.agree, t.differ, t.only_ours, t.only_theirs
            );
            for e in examples.get(name).into_iter().flatten() {
                println!("      {e}");
            }
        }
    }
    println!(
        "field values: {a} agree, {b} disagree ({:.3}%)",
        100.0 * a as f64 / (a + b).max(1) as f64
    );
    println!("ICMP/ICMPv6 Info: {info_ok} agree, {info_bad} differ");
    for e in info_examples {
        println!("      {e}");
    }
}

/// Splits `tshark -V` output into frames: the set of trimmed lines of each.
fn verbose_frames(out: &str) -> Vec<Vec<String>> {
    let mut frames: Vec<Vec<String>> = Vec::new();
    for l in out.lines() {
        if l.starts_with("Frame ") && l.contains(" bytes on wire") {
            frames.push(Vec::new());
        } else if let Some(f) = frames.last_mut() {
            f.push(l.trim().to_string());
        }
    }
    frames
}

#[test]
#[ignore]
fn tshark_tree_lines() {
    let files = corpus_files();
    let (mut total, mut found) = (0u64, 0u64);
    let mut missing: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for f in &files {
        let Some(records) = read_capture(f) else { continue };
        let path = f.to_string_lossy();
        let mut args: Vec<&str> = vec!["-n", "-V", "-r", &path];
        args.extend_from_slice(PREFS);
        let Some(out) = tshark(&args) else { continue };
        let vf = verbose_frames(&out);
        if vf.len() != records.len() {
            continue;
        }
        for (i, ((lt, ts, d, orig), theirs)) in records.iter().zip(&vf).enumerate() {
            let Some(fr) = dissect_frame(*lt, d, *ts, *orig) else {
                continue;
            };
            let theirs: std::collections::HashSet<&str> = theirs.iter().map(String::as_str).collect();
            for (_, n) in fr.tree.pre_order() {
                if n.hidden || n.src != 0 || n.expert.is_some() {
                    continue;
                }
                let line = fr.tree.line(n, d).trim().to_string();
                total += 1;
                if theirs.contains(line.as_str()) {
                    found += 1;
                } else {
                    // Group by the line with digits blanked, keep one example.
                    let key: String = line
                        .chars()
                        .map(|c| {
                            if c.is_ascii_hexdigit() && !c.is_alphabetic() {
                                '#'
                            } else {
                                c
                            }
                        })
                        .collect();
                    let e = missing.entry(key).or_insert((0, format!("{path} #{}: {line}", i + 1)));
                    e.0 += 1;
                }
            }
        }
    }
    println!(
        "tree lines: {found} of {total} found verbatim in tshark -V ({:.2}%)",
        100.0 * found as f64 / total.max(1) as f64
    );
    let mut v: Vec<_> = missing.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1 .0));
    for (_, (n, ex)) in v.iter().take(60) {
        println!("{n:6}  {ex}");
    }
}

#[test]
#[ignore]
fn tshark_reassembly_agreement() {
    let files = corpus_files();
    let (mut agree, mut differ) = (0u64, 0u64);
    let mut examples = Vec::new();
    for f in &files {
        let Some(records) = read_capture(f) else { continue };
        let path = f.to_string_lossy();
        let out = match tshark(&[
            "-n",
            "-r",
            &path,
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            "ip.fragment",
            "-e",
            "ip.reassembled.length",
            "-e",
            "ipv6.fragment",
            "-e",
            "ipv6.reassembled.length",
            "-e",
            "ip.fragment.overlap.conflict",
            "-e",
            "ipv6.fragment.overlap.conflict",
            "-e",
            "ip.fragment.error",
            "-e",
            "ipv6.fragment.error",
        ]) {
            Some(o) => o,
            None => continue,
        };
        let lines: Vec<&str> = out.lines().collect();
        if lines.len() != records.len() || !lines.iter().any(|l| l.chars().any(|c| c.is_ascii_digit())) {
            continue;
        }
        let mut r = Reassembler::new(FragLimits {
            timeout_ns: i64::MAX,
            ..FragLimits::default()
        });
        for (i, ((lt, ts, d, orig), line)) in records.iter().zip(&lines).enumerate() {
            let cols: Vec<&str> = line.split('\t').collect();
            let join = |a: &str, b: &str| {
                [a, b]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let col = |i: usize| cols.get(i).copied().unwrap_or("");
            let v4 = join(col(0), col(6));
            let v6 = join(col(2), col(7));
            let theirs = if v4.is_empty() {
                (v6.as_str(), col(3))
            } else {
                (v4.as_str(), col(1))
            };
            let theirs_conflict =
                !cols.get(4).copied().unwrap_or("").is_empty() || !cols.get(5).copied().unwrap_or("").is_empty();
            let mut ours = (String::new(), String::new(), false);
            if let Some(Frame {
                frag: Some((key, off, more, pay)),
                ..
            }) = dissect_frame(*lt, d, *ts, *orig)
            {
                if let FragOutcome::Complete(re) = r.push(key, off, more, &pay, i as u64 + 1, *ts) {
                    let fr: Vec<String> = re.frames.iter().map(|f| f.2.to_string()).collect();
                    ours = (fr.join(","), re.data.len().to_string(), re.overlap_conflict);
                }
            }
            // tshark lists fragments of a datagram in its last frame only.
            let theirs_here = !theirs.1.is_empty();
            if ours.0.is_empty() && !theirs_here {
                continue;
            }
            let theirs_frames = if theirs_here {
                theirs.0.to_string()
            } else {
                String::new()
            };
            let theirs_len = if theirs_here {
                theirs.1.to_string()
            } else {
                String::new()
            };
            let mut ours_sorted: Vec<&str> = ours.0.split(',').collect();
            ours_sorted.sort();
            let mut theirs_sorted: Vec<&str> = theirs_frames.split(',').collect();
            theirs_sorted.sort();
            if ours_sorted == theirs_sorted && ours.1 == theirs_len && ours.2 == theirs_conflict {
                agree += 1;
            } else {
                differ += 1;
                if examples.len() < 20 {
                    examples.push(format!(
                        "{path} #{}: ours {ours:?} tshark ({theirs_frames}, {theirs_len}, {theirs_conflict})",
                        i + 1
                    ));
                }
            }
        }
    }
    println!("reassembled datagrams: {agree} agree with tshark, {differ} differ");
    for e in examples {
        println!("      {e}");
    }
}

#[test]
fn capture_reader_and_link_layers() {
    // A tiny pcap built here: Ethernet + VLAN + IPv4.
    let mut ip = vec![0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    let c = crate::util::checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let mut eth = vec![0u8; 12];
    eth.extend_from_slice(&[0x81, 0, 0, 5, 0x08, 0]);
    eth.extend_from_slice(&ip);
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    hdr.extend_from_slice(&2u16.to_le_bytes());
    hdr.extend_from_slice(&4u16.to_le_bytes());
    hdr.extend_from_slice(&[0; 8]);
    hdr.extend_from_slice(&65535u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    for v in [7u32, 5, eth.len() as u32, eth.len() as u32] {
        hdr.extend_from_slice(&v.to_le_bytes());
    }
    hdr.extend_from_slice(&eth);
    let dir = std::env::temp_dir().join(format!("wirelens-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("t.pcap");
    std::fs::write(&p, &hdr).unwrap();
    let recs = read_capture(&p).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(recs.len(), 1);
    assert_eq!((recs[0].0, recs[0].1), (1, 7_000_005_000));
    let fr = dissect_frame(1, &recs[0].2, 0, 0).unwrap();
    let (id, _) = fr.tree.find("ip.checksum.status").next().unwrap();
    assert_eq!(fr.tree.field_string(id, &recs[0].2), "1");
}

/// Prints our tree of frame `WIRELENS_FRAME` of the first file (debugging aid).
#[test]
#[ignore]
fn dump_frame() {
    let files = corpus_files();
    let n: usize = std::env::var("WIRELENS_FRAME")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let Some(f) = files.first() else { return };
    let Some(recs) = read_capture(f) else { return };
    let Some((lt, ts, d, orig)) = recs.get(n - 1) else {
        return;
    };
    if let Some(fr) = dissect_frame(*lt, d, *ts, *orig) {
        let mut s = String::new();
        fr.tree.render_text(&mut s, d);
        println!("{s}info: {:?}", fr.info);
    }
}

/// Every record of every corpus file (all link types this walk knows)
/// through this module and the tree rendering: no panic, whatever the input.
#[test]
fn corpus_never_panics() {
    let Some(root) = corpus_root() else {
        eprintln!("corpus_never_panics: ../shared/corpus is absent, nothing to check");
        return;
    };
    let Ok(m) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        return;
    };
    let (mut files, mut frames, mut with_ip) = (0, 0, 0);
    let mut r = Reassembler::new(FragLimits::default());
    for line in m.lines().skip(1) {
        let Some(path) = line.split('\t').next() else { continue };
        let Some(records) = read_capture(&root.join(path)) else {
            continue;
        };
        files += 1;
        for (i, (lt, ts, d, orig)) in records.iter().enumerate() {
            frames += 1;
            let Some(fr) = dissect_frame(*lt, d, *ts, *orig) else {
                continue;
            };
            if !fr.tree.is_empty() {
                with_ip += 1;
            }
            let mut s = String::new();
            fr.tree.render_text(&mut s, d);
            if let Some((key, off, more, pay)) = fr.frag {
                if let FragOutcome::Complete(re) = r.push(key, off, more, &pay, i as u64 + 1, *ts) {
                    let mut t = Tree::new();
                    re.tree(&mut t, None, "ip");
                }
            }
        }
    }
    eprintln!("corpus_never_panics: {files} files, {frames} records, {with_ip} with IP");
}
