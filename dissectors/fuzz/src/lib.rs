//! Shared pieces of the fuzz targets: the input layouts (decoded by the
//! targets, encoded by the `seeds` generator), the invariant checks, and a
//! minimal pcap / pcapng walker for the seeds.
//!
//! Layouts (all multi-byte numbers big-endian):
//!
//! - `link`: `[linktype selector] frame...` (see [`LINKTYPES`]).
//! - `arp`, `ipv4`, `ipv6`, `icmp`, `icmpv6`, `udp`, `tcp`: a 6-byte
//!   [`Hdr`] `[off][a:2][b:2][ctx]`, then the data. `off` is the header's
//!   offset in the data, `a` and `b` give the ends (see each target), `ctx`
//!   picks context values (TTL, stream, relative sequence bases...).
//! - `frag`: `[datagrams][bytes:2][timeout]`, then fragments
//!   `[key][offset:2][flags][len:2] payload...` (see the target).
//! - `frame`: `[limits]`, then frames `[linktype selector][flags][len:2] bytes...`
//!   (see [`frames`]).

use wirelens_dissectors::frame::{self, build_tree, columns, FragState, FrameMeta};
use wirelens_dissectors::net::frag::FragLimits;
use wirelens_dissectors::transport::tcp::{TcpCtx, WinScale};
use wirelens_dissectors::util::ChecksumStatus;
use wirelens_dissectors::{Anchor, AnnotNode, Annotations, Decoder, Tree, Value};

/// Link types a selector byte picks from (`selector % len`): the dissected
/// ones, DLT_RAW's other numbers, and two unknown ones.
pub const LINKTYPES: [u32; 12] = [1, 0, 101, 108, 113, 228, 229, 276, 12, 14, 147, 9999];

pub fn linktype(sel: u8) -> u32 {
    LINKTYPES.get(usize::from(sel) % LINKTYPES.len()).copied().unwrap_or(1)
}

/// The selector of a link type (an unknown one maps to an unknown selector).
pub fn selector(lt: u32) -> u8 {
    LINKTYPES.iter().position(|&l| l == lt).unwrap_or(10) as u8
}

/// A byte reader that gives zeros past the end.
pub struct Input<'a> {
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn u8(&mut self) -> u8 {
        let (b, rest) = self.data.split_first().map(|(b, r)| (*b, r)).unwrap_or((0, &[]));
        self.data = rest;
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    /// Up to `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// The prefix of the per-layer targets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hdr {
    pub off: usize,
    pub a: usize,
    pub b: usize,
    pub ctx: u8,
}

impl Hdr {
    pub fn split(input: &[u8]) -> (Hdr, &[u8]) {
        let mut i = Input { data: input };
        let h = Hdr {
            off: usize::from(i.u8()),
            a: usize::from(i.u16()),
            b: usize::from(i.u16()),
            ctx: i.u8(),
        };
        (h, i.data)
    }
    pub fn encode(&self, data: &[u8]) -> Vec<u8> {
        let mut v = vec![self.off.min(255) as u8];
        v.extend_from_slice(&(self.a.min(65535) as u16).to_be_bytes());
        v.extend_from_slice(&(self.b.min(65535) as u16).to_be_bytes());
        v.push(self.ctx);
        v.extend_from_slice(data);
        v
    }
}

/// Every node lies inside its data source (the frame for source 0).
pub fn check_spans(t: &Tree, data: &[u8], what: &str) {
    for (id, n) in t.iter() {
        assert!(
            n.src == 0 || usize::from(n.src) <= t.sources.len(),
            "{what}: node {id} {} has an unknown source {}",
            n.name,
            n.src
        );
        let len = t.source_data(n.src, data).len();
        assert!(
            n.span().end <= len,
            "{what}: node {id} {} span {:?} past source {} of {len} bytes",
            n.name,
            n.span(),
            n.src
        );
    }
}

/// Renders the tree (every line, every value) and returns the text.
pub fn render(t: &Tree, data: &[u8]) -> String {
    let mut s = String::new();
    t.render_text(&mut s, data);
    for (id, _) in t.iter() {
        let _ = t.field_string(id, data);
    }
    s
}

/// A TCP context from one byte.
pub fn tcp_ctx(c: u8) -> TcpCtx {
    let w = u32::from(c).wrapping_mul(0x0101_0101);
    TcpCtx {
        stream: (c & 1 != 0).then_some(u64::from(c)),
        seq_base: (c & 2 != 0).then_some(w),
        ack_base: (c & 4 != 0).then_some(w.rotate_left(7)),
        win_scale: match (c >> 3) & 3 {
            0 => WinScale::Unknown,
            1 => WinScale::NoScaling,
            _ => WinScale::Shift(c >> 4),
        },
        checksum: checksum_status(c >> 5),
    }
}

pub fn checksum_status(c: u8) -> ChecksumStatus {
    match c % 3 {
        0 => ChecksumStatus::Unverified,
        1 => ChecksumStatus::Good,
        _ => ChecksumStatus::Bad(u16::from(c).wrapping_mul(0x1357)),
    }
}

/// The limits byte of the `frame` layout.
pub fn frame_limits(b: u8) -> FragLimits {
    const BYTES: [usize; 8] = [1, 100, 1500, 3000, 65535, 1 << 20, 64 << 20, 64 << 20];
    FragLimits {
        max_datagrams: 1 + usize::from(b & 7),
        max_bytes: BYTES.get(usize::from((b >> 3) & 7)).copied().unwrap_or(1),
        timeout_ns: if b & 0x40 != 0 { 2_000_000 } else { 30_000_000_000 },
    }
}

/// One frame of the `frame` layout: `[selector][flags][len:2]` and the bytes.
pub struct FrameIn<'a> {
    pub sel: u8,
    pub flags: u8,
    pub data: &'a [u8],
}

/// Splits the `frame` layout: the limits byte, then the frames.
pub fn frames(input: &[u8]) -> (u8, Vec<FrameIn<'_>>) {
    let mut i = Input { data: input };
    let lim = i.u8();
    let mut out = Vec::new();
    while !i.is_empty() && out.len() < 64 {
        let sel = i.u8();
        let flags = i.u8();
        let len = usize::from(i.u16());
        out.push(FrameIn {
            sel,
            flags,
            data: i.take(len),
        });
    }
    (lim, out)
}

/// Encodes frames in the `frame` layout (frames over 65535 bytes are cut).
pub fn encode_frames(lim: u8, frames: &[(u32, &[u8])]) -> Vec<u8> {
    let mut v = vec![lim];
    for (lt, data) in frames {
        let data = data.get(..data.len().min(65535)).unwrap_or(&[]);
        v.push(selector(*lt));
        v.push(4); // 1 ms after the previous frame, origlen = caplen
        v.extend_from_slice(&(data.len() as u16).to_be_bytes());
        v.extend_from_slice(data);
    }
    v
}

/// The `frame` target: a sequence of frames through one stateful decoder,
/// each one's tree, columns and text, then the same frame through
/// `frame::dissect` with the annotations an engine would give it.
///
/// Frame flags: bits 0-1 the wire length (0 = captured, 1 = captured + 64,
/// 2 = half the captured length, 3 = captured + 1500); bits 2-5 the time
/// since the previous frame in ms; bit 6 gives the frame a TCP context and
/// a UDP stream; bit 7 info prefix/suffix and engine nodes.
pub fn run_frames(input: &[u8]) {
    let (lim, list) = frames(input);
    let limits = frame_limits(lim);
    let mut dec = Decoder::new(limits);
    let mut ts: i64 = 1_700_000_000_000_000_000;
    for (n, f) in list.iter().enumerate() {
        let data = f.data;
        let cap = data.len() as u32;
        let origlen = match f.flags & 3 {
            0 => cap,
            1 => cap + 64,
            2 => cap / 2,
            _ => cap + 1500,
        };
        let delta = i64::from((f.flags >> 2) & 0xf) * 1_000_000;
        ts += delta;
        let meta = FrameMeta {
            number: n as u64 + 1,
            ts_secs: ts / 1_000_000_000,
            ts_nanos: (ts % 1_000_000_000) as u32,
            rel_ns: delta * n as i64,
            delta_ns: delta,
            caplen: cap,
            origlen,
            linktype: linktype(f.sel),
            iface: u32::from(f.sel >> 4),
            comments: if f.flags & 0x80 != 0 {
                vec!["fuzz".into()]
            } else {
                Vec::new()
            },
        };
        let d = dec.decode(&meta, data);
        let (held_bytes, held_dgrams) = dec.held();
        assert!(
            held_bytes <= limits.max_bytes,
            "held {held_bytes} bytes over the limit {}",
            limits.max_bytes
        );
        assert!(
            held_dgrams <= limits.max_datagrams,
            "held {held_dgrams} datagrams over the limit {}",
            limits.max_datagrams
        );

        let mut ann = Annotations::default();
        match d.frag {
            FragState::Completed => ann.reassembled_ip = d.reassembled.clone(),
            FragState::Held => ann.reassembled_in = Some(meta.number + 1),
            _ => {}
        }
        if f.flags & 0x40 != 0 {
            ann.tcp = Some(tcp_ctx(f.sel ^ f.flags));
            ann.udp_stream = Some(u64::from(f.sel));
        }
        if f.flags & 0x80 != 0 {
            ann.info_prefix = Some("[TCP Retransmission] ".into());
            ann.info_suffix = Some(" [fuzz]".into());
            ann.nodes.push((
                Anchor::Under("tcp"),
                AnnotNode::text("tcp.analysis", "[SEQ/ACK analysis]").child(AnnotNode::value(
                    "tcp.analysis.bytes_in_flight",
                    "Bytes in flight",
                    Value::UInt(1),
                )),
            ));
            ann.nodes.push((Anchor::Root, AnnotNode::text("wirelens", "wirelens")));
        }

        let mut t = Tree::new();
        build_tree(&d, &meta, data, &ann, &mut t);
        check_spans(&t, data, "build_tree");
        let text = render(&t, data);
        let cols = columns(&d, &meta, data, &ann);
        let _ = frame::protocols(&d);
        let _ = (d.tcp(), d.udp(), d.l4_payload(data).len(), d.transport_data(data).len());
        if d.frag == FragState::Completed {
            let lists = t.find("ip.fragments").chain(t.find("ipv6.fragments")).count();
            assert_eq!(
                lists, 1,
                "a frame completing a datagram shows one fragment list\n{text}"
            );
        }

        // The second pass (one frame alone, as the TUI does) gives the same
        // tree and columns, except for a fragment the first pass dropped.
        let (d2, t2) = frame::dissect(&meta, data, &ann);
        check_spans(&t2, data, "dissect");
        let text2 = render(&t2, data);
        let cols2 = columns(&d2, &meta, data, &ann);
        if !matches!(d.frag, FragState::Dropped(_)) {
            assert_eq!(text, text2, "decode + build_tree and dissect differ");
            assert_eq!(cols, cols2, "columns differ between the passes");
        }
    }
}

/// Minimal pcap / pcapng reading for the seed generator.
pub mod pcap {
    pub struct Rec {
        pub linktype: u32,
        pub data: Vec<u8>,
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

    /// Records of a pcap or pcapng file (EPB, SPB, OPB); stops at the first one that does not fit.
    pub fn read(b: &[u8]) -> Vec<Rec> {
        let mut out = Vec::new();
        let Some(magic) = u32_at(b, 0, false) else { return out };
        match magic {
            0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 => {
                let be = matches!(magic, 0xd4c3_b2a1 | 0x4d3c_b2a1);
                let linktype = u32_at(b, 20, be).unwrap_or(0) & 0xffff;
                let mut at = 24;
                while let Some(cap) = u32_at(b, at + 8, be) {
                    let Some(data) = b.get(at + 16..at + 16 + cap as usize) else {
                        break;
                    };
                    out.push(Rec {
                        linktype,
                        data: data.to_vec(),
                    });
                    at += 16 + cap as usize;
                }
            }
            0x0a0d_0d0a => {
                let mut be = false;
                let mut ifaces = Vec::new();
                let mut at = 0;
                while let Some(raw) = u32_at(b, at, false) {
                    if raw == 0x0a0d_0d0a {
                        be = u32_at(b, at + 8, false) == Some(0x4d3c_2b1a);
                        ifaces.clear();
                    }
                    let (Some(typ), Some(len)) = (u32_at(b, at, be), u32_at(b, at + 4, be)) else {
                        break;
                    };
                    let len = len as usize;
                    if len < 12 {
                        break;
                    }
                    let Some(body) = b.get(at + 8..at + len - 4) else { break };
                    match typ {
                        1 => ifaces.push(u32::from(u16_at(body, 0, be).unwrap_or(0))),
                        2 | 6 => {
                            let iface = if typ == 6 {
                                u32_at(body, 0, be)
                            } else {
                                u16_at(body, 0, be).map(u32::from)
                            };
                            let cap = u32_at(body, 12, be).unwrap_or(0) as usize;
                            if let Some(data) = body.get(20..20 + cap) {
                                let linktype = ifaces.get(iface.unwrap_or(0) as usize).copied().unwrap_or(0);
                                out.push(Rec {
                                    linktype,
                                    data: data.to_vec(),
                                });
                            }
                        }
                        3 => {
                            let orig = u32_at(body, 0, be).unwrap_or(0) as usize;
                            if let Some(data) = body.get(4..4 + orig.min(body.len().saturating_sub(4))) {
                                out.push(Rec {
                                    linktype: ifaces.first().copied().unwrap_or(0),
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
}
