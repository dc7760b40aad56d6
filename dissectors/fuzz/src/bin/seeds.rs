//! Writes seed corpora for every target from capture files:
//!
//!     cargo run --bin seeds -- corpus ../../samples/*.pcap* [more captures...]
//!
//! Each frame becomes a `link` and a single-frame `frame` seed; each file
//! one `frame` seed with all its frames in order (so fragments reassemble);
//! each layer the frame has a seed of its target with the right offsets; a
//! file's IP fragments one `frag` seed. Files are named after the capture
//! and the frame number, so re-running overwrites instead of piling up.

use std::collections::BTreeMap;
use std::path::Path;

use wirelens_dissectors::frame::{Decoder, FrameMeta, Ip, Transport};
use wirelens_dissectors_fuzz::{encode_frames, pcap, selector, Hdr};

fn write(out: &Path, target: &str, name: &str, bytes: &[u8], count: &mut BTreeMap<String, usize>) {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir).expect("corpus dir");
    std::fs::write(dir.join(name), bytes).expect("seed written");
    *count.entry(target.to_string()).or_default() += 1;
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: seeds OUT_DIR CAPTURE...");
    let out = Path::new(&out);
    let mut count = BTreeMap::new();
    for file in args {
        let bytes = std::fs::read(&file).expect("capture readable");
        let recs = pcap::read(&bytes);
        let base: String = Path::new(&file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let mut dec = Decoder::default();
        let mut frag = vec![16u8, 0xff, 0xff, 0x7f];
        let mut nfrag = 0;
        for (i, r) in recs.iter().enumerate() {
            let name = format!("{base}-{:04}", i + 1);
            let data = &r.data;
            let mut link = vec![selector(r.linktype)];
            link.extend_from_slice(data);
            write(out, "link", &name, &link, &mut count);
            write(
                out,
                "frame",
                &name,
                &encode_frames(0x37, &[(r.linktype, data)]),
                &mut count,
            );
            let meta = FrameMeta {
                number: i as u64 + 1,
                caplen: data.len() as u32,
                origlen: data.len() as u32,
                linktype: r.linktype,
                ..FrameMeta::default()
            };
            let d = dec.decode(&meta, data);
            if let Some(a) = &d.arp {
                write(
                    out,
                    "arp",
                    &name,
                    &Hdr {
                        off: a.off,
                        ..Hdr::default()
                    }
                    .encode(data),
                    &mut count,
                );
            }
            if let Some(ip) = &d.ip {
                let (target, off) = match ip {
                    Ip::V4(h) => ("ipv4", h.off),
                    Ip::V6(h) => ("ipv6", h.off),
                };
                write(
                    out,
                    target,
                    &name,
                    &Hdr { off, ..Hdr::default() }.encode(data),
                    &mut count,
                );
                let frag_of = match ip {
                    Ip::V4(h) if h.is_fragment() => Some((h.frag_byte_offset(), h.mf(), h.id as u8, false)),
                    Ip::V6(h) => h
                        .frag
                        .as_ref()
                        .filter(|f| f.offset != 0 || f.more)
                        .map(|f| (usize::from(f.offset) * 8, f.more, f.id as u8, true)),
                    _ => None,
                };
                if let Some((boff, more, id, v6)) = frag_of {
                    let p = data.get(ip.payload()).unwrap_or(&[]);
                    frag.push(((id & 3) << 3) | if v6 { 4 } else { 0 });
                    frag.extend_from_slice(&((boff / 8) as u16).to_be_bytes());
                    frag.push(0x80 | 2 | u8::from(more));
                    frag.extend_from_slice(&(p.len().min(65535) as u16).to_be_bytes());
                    frag.extend_from_slice(p);
                    nfrag += 1;
                }
            }
            let (tdata, end) = match (&d.reassembled, d.tsrc) {
                (Some(re), 1) => (re.data.as_slice(), re.data.len()),
                _ => (
                    data.as_slice(),
                    d.ip.as_ref().map(|ip| ip.payload().end).unwrap_or(data.len()),
                ),
            };
            let (target, off) = match &d.transport {
                Some(Transport::Tcp(h)) => ("tcp", h.off),
                Some(Transport::Udp(h)) => ("udp", h.off),
                Some(Transport::Icmp(h)) => ("icmp", h.off),
                Some(Transport::Icmpv6(h)) => ("icmpv6", h.off),
                None => continue,
            };
            if off <= 255 {
                let h = Hdr {
                    off,
                    a: end.saturating_sub(off),
                    b: 0,
                    ctx: (i as u8).wrapping_mul(37),
                };
                write(out, target, &name, &h.encode(tdata), &mut count);
            }
        }
        let all: Vec<(u32, &[u8])> = recs.iter().map(|r| (r.linktype, r.data.as_slice())).take(64).collect();
        write(
            out,
            "frame",
            &format!("{base}-all"),
            &encode_frames(0x37, &all),
            &mut count,
        );
        if nfrag > 0 {
            write(out, "frag", &format!("{base}-frags"), &frag, &mut count);
        }
    }
    for (t, n) in &count {
        println!("{t}: {n} seeds");
    }
}
