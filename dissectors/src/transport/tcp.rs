//! TCP (RFC 9293): header, options, checksum status, tree and Info.
//!
//! Per-segment only: relative sequence bases, window scaling and the stream
//! index come from the caller's TCP engine through [`TcpCtx`].

use std::fmt::Write as _;
use std::ops::Range;

use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::Parser;

use crate::error::{need, DissectError, Severity};
use crate::tree::{NodeId, Tree, Value, SKIPPED};
use crate::util::{fold, sum_words, ChecksumStatus};

use super::{add_ports, fit_root, nom_err};

const LAYER: &str = "TCP";
/// Length of the TCP header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// Expert code Wireshark uses for a wrong TCP checksum.
pub const EXPERT_CHECKSUM_BAD: &str = "tcp.checksum_bad.expert";
/// Expert code for an option whose length field is wrong.
pub const EXPERT_OPTION_LEN: &str = "tcp.option.len.invalid";

/// Flag bits of [`Tcp::flags`] (the low 12 bits of header bytes 12-13).
pub mod flags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    /// Accurate ECN (formerly NS, the ECN nonce).
    pub const AE: u16 = 0x100;
    /// The three reserved bits.
    pub const RES: u16 = 0xe00;
}

/// Why an option is [`TcpOptKind::Malformed`].
pub mod why {
    /// Only the kind byte is left in the header.
    pub const LEN_BYTE_PAST_END: &str = "length byte past end of options";
    /// The length field is 0 or 1. The walk stops.
    pub const TOO_SHORT: &str = "too-short option length";
    /// The length field runs past the end of the header. The walk stops.
    pub const PAST_END: &str = "option goes past end of options";
    /// Bytes after an End of Option List that are not zero. The walk stops.
    pub const NONZERO_PADDING: &str = "Non-zero header padding";
    /// A fixed-length option with another length; the walk goes on after it.
    pub const LEN_SHOULD_BE_2: &str = "option length should be 2";
    pub const LEN_SHOULD_BE_3: &str = "option length should be 3";
    pub const LEN_SHOULD_BE_4: &str = "option length should be 4";
    pub const LEN_SHOULD_BE_10: &str = "option length should be 10";
}

/// What one option is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOptKind {
    Eol,
    Nop,
    Mss(u16),
    WScale(u8),
    SackPerm,
    /// Complete blocks (left, right), raw sequence numbers. A SACK whose
    /// length leaves a partial block keeps its complete blocks.
    Sack(Vec<(u32, u32)>),
    Timestamps {
        tsval: u32,
        tsecr: u32,
    },
    /// Any other kind with a sane length (its bytes are `off..off + len`).
    Unknown {
        kind: u8,
    },
    /// A bad length (see [`why`]); `off..off + len` is what it covers.
    Malformed {
        kind: u8,
        why: &'static str,
    },
}

/// One option with its span in the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpOpt {
    pub kind: TcpOptKind,
    pub off: usize,
    pub len: usize,
}

/// A parsed TCP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    /// Header length in bytes (data offset * 4).
    pub hdr_len: usize,
    /// 12 bits: reserved(3), AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN.
    pub flags: u16,
    pub window: u16,
    pub checksum: u16,
    pub urgent: u16,
    /// Offset of the header in `data`.
    pub off: usize,
    pub options: Vec<TcpOpt>,
    /// Captured payload in `data`.
    pub payload: Range<usize>,
    /// Segment payload length on the wire: IP payload length - `hdr_len`.
    pub wire_len: usize,
}

/// Window scaling known for the direction of a segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WinScale {
    /// No handshake seen (Wireshark's -1).
    #[default]
    Unknown,
    /// Handshake seen without window scale on both sides (Wireshark's -2).
    NoScaling,
    /// Shift count in effect (values over 14 are used as 14).
    Shift(u8),
}

/// What the TCP engine knows about the segment's connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpCtx {
    pub stream: Option<u64>,
    /// Raw sequence number that shows as 0 in this direction.
    pub seq_base: Option<u32>,
    /// Raw sequence number of the other direction that shows as 0 (for ack and SACK edges).
    pub ack_base: Option<u32>,
    pub win_scale: WinScale,
    pub checksum: ChecksumStatus,
}

/// Parses the TCP header at `off`.
///
/// `end` is where the IP payload ends in `data` (captured bytes are bounded
/// by `data.len()` as well); `wire_end` is where it ends on the wire (may be
/// past `data.len()`): the end the IP header gives, clamped to the frame's
/// length on the wire as Wireshark does (an IP length larger than the frame
/// gives a shorter `tcp.len`).
///
/// Errors: fewer than 20 bytes captured, or fewer than the header length:
/// Truncated (need/have from `off`). A header length below 20, or larger
/// than the segment on the wire: Malformed at the data offset byte.
pub fn parse(data: &[u8], off: usize, end: usize, wire_end: usize) -> Result<Tcp, DissectError> {
    let cap_end = end.min(data.len());
    let have = cap_end.saturating_sub(off);
    if have < MIN_HEADER_LEN {
        return Err(DissectError::truncated(LAYER, off, MIN_HEADER_LEN, have));
    }
    need(LAYER, data, off, MIN_HEADER_LEN)?;
    let input = data.get(off..cap_end).unwrap_or(&[]);
    let (_, (sport, dport, seq, ack, off_flags, window, checksum, urgent)) =
        (be_u16, be_u16, be_u32, be_u32, be_u16, be_u16, be_u16, be_u16)
            .parse(input)
            .map_err(|e| nom_err(LAYER, off, input.len(), e))?;
    let hdr_len = usize::from(off_flags >> 12) * 4;
    let doff_at = off.saturating_add(12);
    if hdr_len < MIN_HEADER_LEN {
        return Err(DissectError::malformed(
            LAYER,
            "bogus TCP header length (must be at least 20)",
            doff_at,
        ));
    }
    let seg_len = wire_end.max(cap_end).saturating_sub(off);
    if hdr_len > seg_len {
        return Err(DissectError::malformed(
            LAYER,
            "TCP header length exceeds the segment length",
            doff_at,
        ));
    }
    if hdr_len > have {
        return Err(DissectError::truncated(LAYER, off, hdr_len, have));
    }
    let opt_start = off.saturating_add(MIN_HEADER_LEN);
    let hdr_end = off.saturating_add(hdr_len);
    let options = parse_options(data, opt_start, hdr_end);
    Ok(Tcp {
        sport,
        dport,
        seq,
        ack,
        hdr_len,
        flags: off_flags & 0x0fff,
        window,
        checksum,
        urgent,
        off,
        options,
        payload: hdr_end..cap_end.max(hdr_end),
        wire_len: seg_len.saturating_sub(hdr_len),
    })
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let s = data.get(at..)?;
    be_u16::<_, nom::error::Error<&[u8]>>.parse(s).ok().map(|(_, v)| v)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let s = data.get(at..)?;
    be_u32::<_, nom::error::Error<&[u8]>>.parse(s).ok().map(|(_, v)| v)
}

fn u8_at(data: &[u8], at: usize) -> Option<u8> {
    let s = data.get(at..)?;
    be_u8::<_, nom::error::Error<&[u8]>>.parse(s).ok().map(|(_, v)| v)
}

/// Walks the options in `start..end` (all present in `data`). Never fails:
/// bad lengths become [`TcpOptKind::Malformed`].
fn parse_options(data: &[u8], start: usize, end: usize) -> Vec<TcpOpt> {
    let mut v = Vec::new();
    let mut o = start;
    let mut after_eol = false;
    while o < end {
        let Some(kind) = u8_at(data, o) else { break };
        let rem = end - o;
        // After an End of Option List only zero bytes may follow; each shows
        // as another EOL, and the first non-zero byte ends the walk.
        if after_eol && kind != 0 {
            let kind = TcpOptKind::Malformed {
                kind: 0,
                why: why::NONZERO_PADDING,
            };
            v.push(TcpOpt { kind, off: o, len: rem });
            break;
        }
        match kind {
            0 => {
                v.push(TcpOpt {
                    kind: TcpOptKind::Eol,
                    off: o,
                    len: 1,
                });
                after_eol = true;
                o += 1;
                continue;
            }
            1 => {
                v.push(TcpOpt {
                    kind: TcpOptKind::Nop,
                    off: o,
                    len: 1,
                });
                o += 1;
                continue;
            }
            _ => {}
        }
        let bad = |why| TcpOptKind::Malformed { kind, why };
        let Some(len) = u8_at(data, o + 1).filter(|_| rem >= 2) else {
            v.push(TcpOpt {
                kind: bad(why::LEN_BYTE_PAST_END),
                off: o,
                len: 1,
            });
            break;
        };
        let len = usize::from(len);
        if len < 2 {
            v.push(TcpOpt {
                kind: bad(why::TOO_SHORT),
                off: o,
                len: 2,
            });
            break;
        }
        if len > rem {
            v.push(TcpOpt {
                kind: bad(why::PAST_END),
                off: o,
                len: rem,
            });
            break;
        }
        let body = o + 2;
        let k = match kind {
            2 => match (len, u16_at(data, body)) {
                (4, Some(mss)) => TcpOptKind::Mss(mss),
                _ => bad(why::LEN_SHOULD_BE_4),
            },
            3 => match (len, u8_at(data, body)) {
                (3, Some(s)) => TcpOptKind::WScale(s),
                _ => bad(why::LEN_SHOULD_BE_3),
            },
            4 if len == 2 => TcpOptKind::SackPerm,
            4 => bad(why::LEN_SHOULD_BE_2),
            5 => {
                let blocks = data
                    .get(body..o + len)
                    .unwrap_or(&[])
                    .chunks_exact(8)
                    .filter_map(|c| Some((u32_at(c, 0)?, u32_at(c, 4)?)))
                    .collect();
                TcpOptKind::Sack(blocks)
            }
            8 => match (len, u32_at(data, body), u32_at(data, body + 4)) {
                (10, Some(tsval), Some(tsecr)) => TcpOptKind::Timestamps { tsval, tsecr },
                _ => bad(why::LEN_SHOULD_BE_10),
            },
            _ => TcpOptKind::Unknown { kind },
        };
        v.push(TcpOpt { kind: k, off: o, len });
        o += len;
    }
    v
}

/// Flag names in Wireshark's order, for Info and the flags line.
const FLAG_NAMES: [(u16, &str); 9] = [
    (flags::FIN, "FIN"),
    (flags::SYN, "SYN"),
    (flags::RST, "RST"),
    (flags::PSH, "PSH"),
    (flags::ACK, "ACK"),
    (flags::URG, "URG"),
    (flags::ECE, "ECE"),
    (flags::CWR, "CWR"),
    (flags::AE, "AE"),
];

/// `SYN, ACK`, or `<None>`.
fn flag_names(f: u16) -> String {
    let mut s = String::new();
    for (bit, name) in FLAG_NAMES {
        if f & bit != 0 {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(name);
        }
    }
    if f & flags::RES != 0 {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str("Reserved");
    }
    if s.is_empty() {
        s.push_str("<None>");
    }
    s
}

/// The 12-character flag string of `tcp.flags.str`: `·······A··S·`.
pub fn flag_chars(f: u16) -> String {
    const CHARS: &[u8; 12] = b"RRRACEUAPRSF";
    CHARS
        .iter()
        .enumerate()
        .map(|(i, &c)| if f & (0x800 >> i) != 0 { char::from(c) } else { '\u{b7}' })
        .collect()
}

/// `Header Length` labels carrying the data offset nibble as Wireshark shows it.
const HDR_LEN_LABELS: [&str; 16] = [
    "0000 .... = Header Length",
    "0001 .... = Header Length",
    "0010 .... = Header Length",
    "0011 .... = Header Length",
    "0100 .... = Header Length",
    "0101 .... = Header Length",
    "0110 .... = Header Length",
    "0111 .... = Header Length",
    "1000 .... = Header Length",
    "1001 .... = Header Length",
    "1010 .... = Header Length",
    "1011 .... = Header Length",
    "1100 .... = Header Length",
    "1101 .... = Header Length",
    "1110 .... = Header Length",
    "1111 .... = Header Length",
];

/// `Reserved` labels with the three reserved bits.
const RES_LABELS: [&str; 8] = [
    "000. .... .... = Reserved",
    "001. .... .... = Reserved",
    "010. .... .... = Reserved",
    "011. .... .... = Reserved",
    "100. .... .... = Reserved",
    "101. .... .... = Reserved",
    "110. .... .... = Reserved",
    "111. .... .... = Reserved",
];

/// Wireshark's name for an option kind (the `Kind:` line).
pub fn kind_name(kind: u8) -> &'static str {
    match kind {
        0 => "End of Option List",
        1 => "No-Operation",
        2 => "Maximum Segment Size",
        3 => "Window Scale",
        4 => "SACK Permitted",
        5 => "SACK",
        6 => "Echo",
        7 => "Echo Reply",
        8 => "Time Stamp Option",
        9 => "Partial Order Connection Permitted",
        10 => "Partial Order Service Profile",
        11 => "CC",
        12 => "CC.NEW",
        13 => "CC.ECHO",
        14 => "TCP Alternate Checksum Request",
        15 => "TCP Alternate Checksum Data",
        16 => "Skeeter",
        17 => "Bubba",
        18 => "Trailer Checksum Option",
        19 => "MD5 Signature Option",
        20 => "SCPS Capabilities",
        21 => "Selective Negative Acknowledgements",
        22 => "Record Boundaries",
        23 => "Corruption experienced",
        24 => "SNAP",
        25 => "Unassigned",
        26 => "TCP Compression Filter",
        27 => "Quick-Start Response",
        28 => "User Timeout Option",
        29 => "The TCP Authentication Option",
        30 => "Multipath TCP",
        34 => "TCP Fast Open Cookie",
        76 => "Riverbed Probe",
        78 => "Riverbed Transparency",
        172 => "Accurate ECN Order 0",
        174 => "Accurate ECN Order 1",
        253 => "RFC3692-style Experiment 1",
        254 => "RFC3692-style Experiment 2",
        _ => "Unknown",
    }
}

/// Field name, node title (after "TCP Option - ") and summary name of an
/// option kind Wireshark has a dissector for.
fn opt_names(kind: u8) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match kind {
        0 => (
            "tcp.options.eol",
            "End of Option List (EOL)",
            "End of Option List (EOL)",
        ),
        1 => ("tcp.options.nop", "No-Operation (NOP)", "No-Operation (NOP)"),
        2 => ("tcp.options.mss", "Maximum segment size", "Maximum segment size"),
        3 => ("tcp.options.wscale", "Window scale", "Window scale"),
        4 => ("tcp.options.sack_perm", "SACK permitted", "SACK permitted"),
        5 => ("tcp.options.sack", "SACK", "SACK"),
        6 => ("tcp.options.echo", "Echo", "Echo"),
        7 => ("tcp.options.echo", "Echo", "Echo reply"),
        8 => ("tcp.options.timestamp", "Timestamps", "Timestamps"),
        11 => ("tcp.options.cc", "CC", "CC"),
        12 => ("tcp.options.cc", "CC", "CC.NEW"),
        13 => ("tcp.options.cc", "CC", "CC.ECHO"),
        19 => ("tcp.options.md5", "TCP MD5 signature", "TCP MD5 signature"),
        20 => ("tcp.options.scps", "SCPS capabilities", "SCPS capabilities"),
        21 => (
            "tcp.options.snack",
            "Selective Negative Acknowledgment",
            "Selective Negative Acknowledgment",
        ),
        22 => ("tcp.options.scpsrec", "SCPS record boundary", "SCPS record boundary"),
        23 => (
            "tcp.options.scpscor",
            "SCPS corruption experienced",
            "SCPS corruption experienced",
        ),
        27 => ("tcp.options.qs", "Quick-Start", "Quick-Start"),
        28 => ("tcp.options.user_to", "User Timeout", "User Timeout"),
        29 => ("tcp.options.ao", "TCP AO", "TCP AO"),
        30 => ("mptcp", "Multipath TCP", "MPTCP"),
        34 => ("tcp.options.tfo", "TCP Fast Open", "TCP Fast Open"),
        76 => ("tcp.options.rvbd.probe", "Riverbed Probe", "Riverbed Probe"),
        78 => (
            "tcp.options.rvbd.trpy",
            "Riverbed Transparency",
            "Riverbed Transparency",
        ),
        172 | 174 => ("tcp.options.acc_ecn", "Accurate ECN", "Accurate ECN"),
        253 | 254 => ("tcp.options.experimental", "Experimental", "Experimental"),
        _ => return None,
    })
}

/// The name an option goes by in the Options summary and in length experts.
fn summary_name(kind: u8) -> String {
    match opt_names(kind) {
        Some((_, _, s)) => s.to_string(),
        None => format!("Unknown (0x{kind:02x})"),
    }
}

/// Wireshark cuts a tree line at 239 bytes; `prefix` is the part of the
/// line before the text (label and ": ").
fn clip_label(prefix: &str, mut text: String) -> String {
    let max = 239usize.saturating_sub(prefix.len());
    if text.len() > max {
        let mut cut = max;
        while cut > 0 && !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

fn plain_hex(data: &[u8], r: Range<usize>) -> String {
    let mut s = String::new();
    for b in data.get(r).unwrap_or(&[]) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Signed "a < b" in sequence space.
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Tcp {
    pub fn syn(&self) -> bool {
        self.flags & flags::SYN != 0
    }
    pub fn fin(&self) -> bool {
        self.flags & flags::FIN != 0
    }
    pub fn rst(&self) -> bool {
        self.flags & flags::RST != 0
    }
    pub fn ack_flag(&self) -> bool {
        self.flags & flags::ACK != 0
    }
    pub fn psh(&self) -> bool {
        self.flags & flags::PSH != 0
    }
    pub fn urg(&self) -> bool {
        self.flags & flags::URG != 0
    }

    /// The first well-formed MSS option.
    pub fn mss(&self) -> Option<u16> {
        self.options.iter().find_map(|o| match o.kind {
            TcpOptKind::Mss(v) => Some(v),
            _ => None,
        })
    }

    /// The shift count of the first well-formed window scale option (as sent, may exceed 14).
    pub fn wscale(&self) -> Option<u8> {
        self.options.iter().find_map(|o| match o.kind {
            TcpOptKind::WScale(v) => Some(v),
            _ => None,
        })
    }

    pub fn sack_perm(&self) -> bool {
        self.options.iter().any(|o| o.kind == TcpOptKind::SackPerm)
    }

    /// (TSval, TSecr) of the first well-formed timestamps option.
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        self.options.iter().find_map(|o| match o.kind {
            TcpOptKind::Timestamps { tsval, tsecr } => Some((tsval, tsecr)),
            _ => None,
        })
    }

    /// All SACK blocks (raw left, right edges) in header order.
    pub fn sack_blocks(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.options
            .iter()
            .filter_map(|o| match &o.kind {
                TcpOptKind::Sack(b) => Some(b.iter().copied()),
                _ => None,
            })
            .flatten()
    }

    /// The flags as tshark's Info shows them: `[SYN, ACK]`, `[<None>]`.
    pub fn flags_str(&self) -> String {
        format!("[{}]", flag_names(self.flags))
    }

    /// The window after scaling: SYN windows are never scaled.
    pub fn scaled_window(&self, ws: WinScale) -> u64 {
        let w = u64::from(self.window);
        match ws {
            WinScale::Shift(s) if !self.syn() => w << s.min(14),
            _ => w,
        }
    }

    /// Sequence number as shown (relative to `seq_base` when known).
    pub fn seq_shown(&self, cx: &TcpCtx) -> u32 {
        cx.seq_base.map_or(self.seq, |b| self.seq.wrapping_sub(b))
    }

    /// Acknowledgment number as shown (relative to `ack_base` when known).
    pub fn ack_shown(&self, cx: &TcpCtx) -> u32 {
        cx.ack_base.map_or(self.ack, |b| self.ack.wrapping_sub(b))
    }

    /// The sequence number after this segment: seq + len, plus one for SYN
    /// or FIN (one only when both are set, as Wireshark counts), as shown.
    pub fn next_seq_shown(&self, cx: &TcpCtx) -> u32 {
        let len = u32::try_from(self.wire_len).unwrap_or(u32::MAX);
        let ctl = u32::from(self.flags & (flags::SYN | flags::FIN) != 0);
        self.seq_shown(cx).wrapping_add(len).wrapping_add(ctl)
    }

    /// Checks the checksum. `pseudo_sum` is the running sum of the IP
    /// pseudo-header built with the segment length on the wire
    /// ([`crate::util::pseudo_v4`] / [`crate::util::pseudo_v6`]); `v6` does
    /// not change the TCP rules and is there for symmetry with UDP. A
    /// segment that is not fully captured is Unverified.
    pub fn checksum_status(&self, data: &[u8], pseudo_sum: u64, v6: bool) -> ChecksumStatus {
        let _ = v6;
        let Some(seg_end) = self.payload.start.checked_add(self.wire_len) else {
            return ChecksumStatus::Unverified;
        };
        if self.payload.end != seg_end {
            return ChecksumStatus::Unverified;
        }
        let Some(seg) = data.get(self.off..seg_end) else {
            return ChecksumStatus::Unverified;
        };
        if fold(sum_words(pseudo_sum, seg)) == 0 {
            return ChecksumStatus::Good;
        }
        let head = seg.get(..16).unwrap_or(&[]);
        let rest = seg.get(18..).unwrap_or(&[]);
        ChecksumStatus::Bad(fold(sum_words(sum_words(pseudo_sum, head), rest)))
    }

    /// Adds the TCP tree as a root node named `tcp`.
    pub fn tree(&self, t: &mut Tree, data: &[u8], cx: &TcpCtx) -> NodeId {
        let o = self.off;
        let at = |k: usize| o.saturating_add(k);
        let mut title = format!(
            "Transmission Control Protocol, Src Port: {}, Dst Port: {}, Seq: {}",
            self.sport,
            self.dport,
            self.seq_shown(cx)
        );
        if self.ack_flag() {
            let _ = write!(title, ", Ack: {}", self.ack_shown(cx));
        }
        let _ = write!(title, ", Len: {}", self.wire_len);
        // The root's length is set once the header fields are in: under a
        // clip (truncated header) it covers only the fields that were added.
        let root = t.text(None, "tcp", title, o, 0);
        add_ports(
            t,
            root,
            ("tcp.srcport", "tcp.dstport", "tcp.port"),
            o,
            self.sport,
            self.dport,
        );

        if let Some(s) = cx.stream {
            let n = t.uint(root, "tcp.stream", "Stream index", s, o, 0);
            t.set_generated(n);
        }
        let n = t.uint(root, "tcp.len", "TCP Segment Len", self.wire_len as u64, o, 0);
        t.set_generated(n);

        // Sequence numbers: relative when the engine knows the base, as
        // Wireshark with relative sequence numbers on; otherwise raw with the
        // raw field hidden, as Wireshark with them off.
        let rel = cx.seq_base.is_some();
        let seq = self.seq_shown(cx);
        let n = t.uint(root, "tcp.seq", "Sequence Number", u64::from(seq), at(4), 4);
        if rel {
            t.set_text(n, format!("{seq}    (relative sequence number)"));
        }
        let n = t.uint(
            root,
            "tcp.seq_raw",
            "Sequence Number (raw)",
            u64::from(self.seq),
            at(4),
            4,
        );
        if !rel {
            t.set_hidden(n);
        }
        let nxt = self.next_seq_shown(cx);
        let n = t.uint(root, "tcp.nxtseq", "Next Sequence Number", u64::from(nxt), o, 0);
        t.set_generated(n);
        if rel {
            t.set_text(n, format!("{nxt}    (relative sequence number)"));
        }

        let ack_rel = self.ack_flag() && cx.ack_base.is_some();
        let ack = if self.ack_flag() { self.ack_shown(cx) } else { self.ack };
        let n = t.uint(root, "tcp.ack", "Acknowledgment Number", u64::from(ack), at(8), 4);
        if ack_rel {
            t.set_text(n, format!("{ack}    (relative ack number)"));
        }
        if !self.ack_flag() && self.ack != 0 {
            t.expert(
                n,
                Severity::Note,
                "tcp.ack.nonzero",
                "The acknowledgment number field is nonzero while the ACK flag is not set",
                at(8),
                0,
            );
        }
        let n = t.uint(
            root,
            "tcp.ack_raw",
            "Acknowledgment number (raw)",
            u64::from(self.ack),
            at(8),
            4,
        );
        if self.ack_flag() && !ack_rel {
            t.set_hidden(n);
        }

        let words = self.hdr_len / 4;
        let label = HDR_LEN_LABELS.get(words).copied().unwrap_or("Header Length");
        let n = t.uint(root, "tcp.hdr_len", label, self.hdr_len as u64, at(12), 1);
        t.set_text(n, format!("{} bytes ({words})", self.hdr_len));

        self.flags_tree(t, root, at(12));

        let win = u64::from(self.window);
        t.uint(root, "tcp.window_size_value", "Window", win, at(14), 2);
        let n = t.uint(
            root,
            "tcp.window_size",
            "Calculated window size",
            self.scaled_window(cx.win_scale),
            at(14),
            2,
        );
        t.set_generated(n);
        if !self.syn() {
            let (v, text) = match cx.win_scale {
                WinScale::Unknown => (-1, Some("-1 (unknown)")),
                WinScale::NoScaling => (-2, Some("-2 (no window scaling used)")),
                WinScale::Shift(s) => (1i64 << s.min(14), None),
            };
            let n = t.add(
                Some(root),
                "tcp.window_size_scalefactor",
                "Window size scaling factor",
                Value::Int(v),
                at(14),
                2,
            );
            t.set_generated(n);
            if let Some(text) = text {
                t.set_text(n, text);
            }
        }

        self.checksum_tree(t, root, cx.checksum, at(16));

        let n = t.uint(
            root,
            "tcp.urgent_pointer",
            "Urgent Pointer",
            u64::from(self.urgent),
            at(18),
            2,
        );
        if !self.urg() && self.urgent != 0 {
            t.expert(
                n,
                Severity::Note,
                "tcp.urgent_pointer.non_zero",
                "The urgent pointer field is nonzero while the URG flag is not set",
                at(18),
                0,
            );
        }

        if self.hdr_len > MIN_HEADER_LEN {
            self.options_tree(t, root, data, cx);
        }
        fit_root(t, root, o, self.hdr_len);

        let plen = self.payload.len();
        if plen > 0 {
            let n = t.bytes(root, "tcp.payload", "TCP payload", self.payload.start, plen);
            t.set_text(n, format!("({})", plural(plen, "byte", "bytes")));
        }
        root
    }

    fn flags_tree(&self, t: &mut Tree, root: NodeId, at: usize) {
        let f = self.flags;
        let fl = t.hex(root, "tcp.flags", "Flags", u64::from(f), 3, at, 2);
        t.set_text(fl, format!("0x{f:03x} ({})", flag_names(f)));
        let res = (f & flags::RES) >> 9;
        let label = RES_LABELS.get(usize::from(res)).copied().unwrap_or("Reserved");
        let n = t.boolean(fl, "tcp.flags.res", label, res != 0, at, 1);
        t.set_text(n, if res != 0 { "Set" } else { "Not set" });
        let b = at.saturating_add(1);
        let bits: [(&'static str, &'static str, u16, usize); 9] = [
            ("tcp.flags.ae", "Accurate ECN", flags::AE, at),
            ("tcp.flags.cwr", "Congestion Window Reduced", flags::CWR, b),
            ("tcp.flags.ece", "ECN-Echo", flags::ECE, b),
            ("tcp.flags.urg", "Urgent", flags::URG, b),
            ("tcp.flags.ack", "Acknowledgment", flags::ACK, b),
            ("tcp.flags.push", "Push", flags::PSH, b),
            ("tcp.flags.reset", "Reset", flags::RST, b),
            ("tcp.flags.syn", "Syn", flags::SYN, b),
            ("tcp.flags.fin", "Fin", flags::FIN, b),
        ];
        for (name, label, bit, off) in bits {
            let set = f & bit != 0;
            let n = t.bits(fl, name, label, Value::Bool(set), 12, u64::from(bit), off, 1);
            if !set {
                continue;
            }
            match bit {
                flags::RST => {
                    t.expert(
                        n,
                        Severity::Warning,
                        "tcp.connection.rst",
                        "Connection reset (RST)",
                        b,
                        0,
                    );
                }
                flags::SYN if self.ack_flag() => {
                    let msg = format!("Connection establish acknowledge (SYN+ACK): server port {}", self.sport);
                    t.expert(n, Severity::Chat, "tcp.connection.synack", msg, b, 0);
                }
                flags::SYN => {
                    let msg = format!("Connection establish request (SYN): server port {}", self.dport);
                    t.expert(n, Severity::Chat, "tcp.connection.syn", msg, b, 0);
                }
                flags::FIN => {
                    t.expert(n, Severity::Chat, "tcp.connection.fin", "Connection finish (FIN)", b, 0);
                }
                _ => {}
            }
        }
        let n = t.string(fl, "tcp.flags.str", "TCP Flags", flag_chars(f), at, 2);
        t.set_generated(n);
    }

    fn checksum_tree(&self, t: &mut Tree, root: NodeId, status: ChecksumStatus, at: usize) {
        let v = self.checksum;
        let ck = t.hex(root, "tcp.checksum", "Checksum", u64::from(v), 4, at, 2);
        let calc = match status {
            ChecksumStatus::Good => {
                t.set_text(ck, format!("0x{v:04x} [correct]"));
                Some(v)
            }
            ChecksumStatus::Bad(c) => {
                t.set_text(
                    ck,
                    format!("0x{v:04x} incorrect, should be 0x{c:04x}(maybe caused by \"TCP checksum offload\"?)"),
                );
                t.expert(
                    ck,
                    Severity::Error,
                    EXPERT_CHECKSUM_BAD,
                    format!("Bad checksum [should be 0x{c:04x}]"),
                    at,
                    0,
                );
                Some(c)
            }
            ChecksumStatus::Unverified => {
                t.set_text(ck, format!("0x{v:04x} [unverified]"));
                None
            }
        };
        let n = t.uint(root, "tcp.checksum.status", "Checksum Status", status.code(), at, 0);
        t.set_text(n, status.label());
        t.set_generated(n);
        if let Some(c) = calc {
            let n = t.hex(
                root,
                "tcp.checksum_calculated",
                "Calculated Checksum",
                u64::from(c),
                4,
                at,
                2,
            );
            t.set_generated(n);
        }
    }

    fn options_tree(&self, t: &mut Tree, root: NodeId, data: &[u8], cx: &TcpCtx) {
        let start = self.off.saturating_add(MIN_HEADER_LEN);
        let olen = self.hdr_len - MIN_HEADER_LEN;
        // Added with length 0 and sized below, so that under a clip the
        // options that were captured still show (as Wireshark does).
        let opts = t.bytes(root, "tcp.options", "Options", start, 0);
        let mut summary = format!("({})", plural(olen, "byte", "bytes"));
        for opt in &self.options {
            if let Some(name) = self.option_tree(t, opts, data, cx, opt) {
                summary.push_str(", ");
                summary.push_str(&name);
            }
        }
        if self.syn() && self.mss().is_none() && !self.options.iter().any(|o| o.kind == mss_malformed()) {
            t.expert(
                opts,
                Severity::Note,
                "tcp.options.mss.absent",
                "The SYN packet does not contain a MSS option",
                start,
                0,
            );
        }
        t.set_text(opts, clip_label("Options: ", summary));
        let covered = t
            .children(opts)
            .map(|(_, n)| (n.off as usize).saturating_add(n.len as usize))
            .max()
            .unwrap_or(start);
        let expected = self
            .options
            .iter()
            .map(|o| o.off.saturating_add(o.len))
            .max()
            .unwrap_or(start);
        t.set_len(
            opts,
            if covered >= expected {
                olen
            } else {
                covered.saturating_sub(start)
            },
        );
    }

    /// Adds one option; returns its name for the Options summary (None when
    /// Wireshark leaves it out: lengths that stop the walk).
    fn option_tree(&self, t: &mut Tree, opts: NodeId, data: &[u8], cx: &TcpCtx, opt: &TcpOpt) -> Option<String> {
        let o = opt.off;
        let at = |k: usize| o.saturating_add(k);
        let raw_kind = match opt.kind {
            TcpOptKind::Eol => 0,
            TcpOptKind::Nop => 1,
            TcpOptKind::Mss(_) => 2,
            TcpOptKind::WScale(_) => 3,
            TcpOptKind::SackPerm => 4,
            TcpOptKind::Sack(_) => 5,
            TcpOptKind::Timestamps { .. } => 8,
            TcpOptKind::Unknown { kind } | TcpOptKind::Malformed { kind, .. } => kind,
        };
        let names = opt_names(raw_kind);
        let field = names.map_or("tcp.options.unknown", |n| n.0);
        let title = names.map_or("Unknown", |n| n.1);
        let len_byte = u8_at(data, at(1)).unwrap_or(0);

        // Lengths that stop the walk: an expert instead of an option node.
        if let TcpOptKind::Malformed { why, .. } = opt.kind {
            let name = summary_name(raw_kind);
            let msg = match why {
                why::NONZERO_PADDING => {
                    t.expert(opts, Severity::Error, "tcp.non_zero_bytes_after_eol", why, o, opt.len);
                    return None;
                }
                why::LEN_BYTE_PAST_END => Some(format!("{name} (length byte past end of options)")),
                why::TOO_SHORT => Some(format!(
                    "{name} (with too-short option length = {})",
                    plural(usize::from(len_byte), "byte", "bytes")
                )),
                why::PAST_END => Some(format!(
                    "{name} (option length = {len_byte} bytes says option goes past end of options)"
                )),
                _ => None,
            };
            if let Some(msg) = msg {
                t.expert(opts, Severity::Note, EXPERT_OPTION_LEN, msg, o, opt.len);
                return None;
            }
        }

        let text = match &opt.kind {
            TcpOptKind::Mss(v) => format!("TCP Option - {title}: {v} bytes"),
            TcpOptKind::WScale(s) => format!("TCP Option - {title}: {s} (multiply by {})", 1u32 << (*s).min(14)),
            TcpOptKind::Timestamps { tsval, tsecr } => {
                format!("TCP Option - {title}: TSval {tsval}, TSecr {tsecr}")
            }
            TcpOptKind::Sack(blocks) => {
                let mut s = format!("TCP Option - {title}");
                for &(l, r) in blocks {
                    let _ = write!(s, " {}-{}", self.sack_shown(l, cx), self.sack_shown(r, cx));
                }
                s
            }
            TcpOptKind::Unknown { kind: 30 } => "Multipath Transmission Control Protocol".to_string(),
            TcpOptKind::Unknown { kind: 253 | 254 } => {
                let ex = match u16_at(data, at(2)).filter(|_| opt.len >= 4) {
                    Some(0xf989) => "Fast Open",
                    _ => "Unknown",
                };
                format!("TCP Option - {title}: {ex}")
            }
            _ => format!("TCP Option - {title}"),
        };
        let node = t.text(Some(opts), field, text, o, opt.len);
        if node == SKIPPED {
            // Beyond the captured bytes (clipped): not in the summary either.
            return None;
        }
        if raw_kind == 2 && !self.syn() {
            t.expert(
                node,
                Severity::Warning,
                "tcp.options.mss.present",
                "The non-SYN packet does contain a MSS option",
                o,
                0,
            );
        }
        let k = t.uint(node, "tcp.option_kind", "Kind", u64::from(raw_kind), o, 1);
        t.set_text(k, format!("{} ({raw_kind})", kind_name(raw_kind)));
        if raw_kind <= 1 {
            return Some(summary_name(raw_kind));
        }
        let ln = t.uint(node, "tcp.option_len", "Length", u64::from(len_byte), at(1), 1);
        let body = at(2);
        let body_len = opt.len.saturating_sub(2);
        match &opt.kind {
            TcpOptKind::Malformed { why, .. } => {
                // A fixed-length option with another length: Wireshark notes it and goes on.
                t.expert(ln, Severity::Note, EXPERT_OPTION_LEN, *why, at(1), 0);
            }
            TcpOptKind::Mss(v) => {
                t.uint(node, "tcp.options.mss_val", "MSS Value", u64::from(*v), body, 2);
            }
            TcpOptKind::WScale(s) => {
                let n = t.uint(node, "tcp.options.wscale.shift", "Shift count", u64::from(*s), body, 1);
                if *s > 14 {
                    t.expert(
                        n,
                        Severity::Warning,
                        "tcp.options.wscale.shift.invalid",
                        "Window scale shift exceeds 14",
                        body,
                        0,
                    );
                }
                let m = 1u64 << (*s).min(14);
                let n = t.uint(node, "tcp.options.wscale.multiplier", "Multiplier", m, body, 1);
                t.set_generated(n);
            }
            TcpOptKind::Timestamps { tsval, tsecr } => {
                t.uint(
                    node,
                    "tcp.options.timestamp.tsval",
                    "Timestamp value",
                    u64::from(*tsval),
                    body,
                    4,
                );
                t.uint(
                    node,
                    "tcp.options.timestamp.tsecr",
                    "Timestamp echo reply",
                    u64::from(*tsecr),
                    at(6),
                    4,
                );
            }
            TcpOptKind::Sack(blocks) => {
                let rel = if cx.ack_base.is_some() { " (relative)" } else { "" };
                for (i, &(l, r)) in blocks.iter().enumerate() {
                    let bo = body.saturating_add(i.saturating_mul(8));
                    let (ls, rs) = (self.sack_shown(l, cx), self.sack_shown(r, cx));
                    let n = t.uint(node, "tcp.options.sack_le", "left edge", u64::from(ls), bo, 4);
                    t.set_text(n, format!("{ls}{rel}"));
                    let n = t.uint(
                        node,
                        "tcp.options.sack_re",
                        "right edge",
                        u64::from(rs),
                        bo.saturating_add(4),
                        4,
                    );
                    t.set_text(n, format!("{rs}{rel}"));
                }
                let n = t.uint(
                    node,
                    "tcp.options.sack.count",
                    "TCP SACK Count",
                    blocks.len() as u64,
                    o,
                    0,
                );
                t.set_generated(n);
                if let Some(&(l, r)) = blocks.first() {
                    if self.ack_flag() && seq_lt(l, self.ack) {
                        let (ls, rs) = (self.sack_shown(l, cx), self.sack_shown(r, cx));
                        let n = t.uint(
                            node,
                            "tcp.options.sack.dsack_le",
                            "D-SACK Left Edge",
                            u64::from(ls),
                            body,
                            4,
                        );
                        t.set_generated(n);
                        t.set_text(n, format!("{ls}{rel}"));
                        let n = t.uint(
                            node,
                            "tcp.options.sack.dsack_re",
                            "D-SACK Right Edge",
                            u64::from(rs),
                            at(6),
                            4,
                        );
                        t.set_generated(n);
                        t.set_text(n, format!("{rs}{rel}"));
                        t.expert(
                            node,
                            Severity::Warning,
                            "tcp.options.sack.dsack",
                            "D-SACK Sequence",
                            o,
                            0,
                        );
                    }
                }
                let partial = body_len % 8;
                if partial > 0 {
                    t.expert(
                        node,
                        Severity::Error,
                        "tcp.suboption_malformed",
                        "suboption would go past end of option",
                        body.saturating_add(blocks.len() * 8),
                        partial,
                    );
                    return None;
                }
            }
            TcpOptKind::Unknown { kind } => self.known_body(t, node, data, *kind, body, body_len),
            TcpOptKind::Eol | TcpOptKind::Nop | TcpOptKind::SackPerm => {}
        }
        Some(summary_name(raw_kind))
    }

    /// The few fields of other kinds that are simple to show.
    fn known_body(&self, t: &mut Tree, node: NodeId, data: &[u8], kind: u8, body: usize, body_len: usize) {
        let end = body.saturating_add(body_len);
        match kind {
            19 if body_len > 0 => {
                let n = t.bytes(node, "tcp.options.md5.digest", "MD5 digest", body, body_len);
                t.set_text(n, plain_hex(data, body..end));
            }
            28 if body_len == 2 => {
                let v = u16_at(data, body).unwrap_or(0);
                let g = v & 0x8000 != 0;
                let n = t.bits(
                    node,
                    "tcp.options.user_to_granularity",
                    "Granularity",
                    Value::Bool(g),
                    16,
                    0x8000,
                    body,
                    2,
                );
                t.set_text(n, if g { "Minutes" } else { "Seconds" });
                t.bits(
                    node,
                    "tcp.options.user_to_val",
                    "User Timeout",
                    Value::UInt(u64::from(v & 0x7fff)),
                    16,
                    0x7fff,
                    body,
                    2,
                );
            }
            34 => self.tfo_body(t, node, data, body, body_len),
            253 | 254 if body_len >= 2 => {
                let exid = u16_at(data, body).unwrap_or(0);
                let n = t.hex(
                    node,
                    "tcp.options.experimental.exid",
                    "Experiment Identifier",
                    u64::from(exid),
                    4,
                    body,
                    2,
                );
                let name = if exid == 0xf989 { "Fast Open" } else { "Unknown" };
                t.set_text(n, format!("{name} (0x{exid:04x})"));
                let rest = body.saturating_add(2);
                if exid == 0xf989 {
                    self.tfo_body(t, node, data, rest, body_len - 2);
                } else if body_len > 2 {
                    let n = t.bytes(node, "tcp.options.experimental.data", "Data", rest, body_len - 2);
                    t.set_text(n, plain_hex(data, rest..end));
                }
            }
            k if opt_names(k).is_none() && body_len > 0 => {
                let n = t.bytes(node, "tcp.options.unknown.payload", "Payload", body, body_len);
                t.set_text(n, plain_hex(data, body..end));
            }
            _ => {}
        }
    }

    fn tfo_body(&self, t: &mut Tree, node: NodeId, data: &[u8], body: usize, body_len: usize) {
        if body_len == 0 {
            t.text(
                Some(node),
                "tcp.options.tfo.request",
                "Fast Open Cookie Request",
                body.saturating_sub(2),
                2,
            );
        } else {
            let n = t.bytes(node, "tcp.options.tfo.cookie", "Fast Open Cookie", body, body_len);
            t.set_text(n, plain_hex(data, body..body.saturating_add(body_len)));
        }
    }

    fn sack_shown(&self, v: u32, cx: &TcpCtx) -> u32 {
        cx.ack_base.map_or(v, |b| v.wrapping_sub(b))
    }

    /// tshark's Info column for the segment:
    /// `80 → 51514 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM ...`.
    pub fn info(&self, cx: &TcpCtx) -> String {
        let mut s = format!(
            "{} \u{2192} {} {} Seq={}",
            self.sport,
            self.dport,
            self.flags_str(),
            self.seq_shown(cx)
        );
        if self.ack_flag() {
            let _ = write!(s, " Ack={}", self.ack_shown(cx));
        }
        let _ = write!(s, " Win={}", self.scaled_window(cx.win_scale));
        if let ChecksumStatus::Bad(_) = cx.checksum {
            s.push_str(" [TCP CHECKSUM INCORRECT]");
        }
        if self.urg() {
            let _ = write!(s, " Urg={}", self.urgent);
        }
        let _ = write!(s, " Len={}", self.wire_len);
        for opt in &self.options {
            match &opt.kind {
                TcpOptKind::Mss(v) => {
                    let _ = write!(s, " MSS={v}");
                }
                TcpOptKind::WScale(v) => {
                    let _ = write!(s, " WS={}", 1u32 << (*v).min(14));
                }
                TcpOptKind::SackPerm => s.push_str(" SACK_PERM"),
                TcpOptKind::Timestamps { tsval, tsecr } => {
                    let _ = write!(s, " TSval={tsval} TSecr={tsecr}");
                }
                TcpOptKind::Sack(blocks) => {
                    for &(l, r) in blocks {
                        let _ = write!(s, " SLE={} SRE={}", self.sack_shown(l, cx), self.sack_shown(r, cx));
                    }
                }
                TcpOptKind::Unknown { kind: 34 } => {
                    s.push_str(if opt.len > 2 { " TFO=C" } else { " TFO=R" });
                }
                TcpOptKind::Unknown { kind: 19 } => s.push_str(" MD5"),
                // Wireshark appends this one without a space.
                TcpOptKind::Unknown { kind: 29 } => s.push_str("TCP AO"),
                // SACK permitted is announced whatever its length says.
                TcpOptKind::Malformed {
                    kind: 4,
                    why: why::LEN_SHOULD_BE_2,
                } => s.push_str(" SACK_PERM"),
                _ => {}
            }
        }
        s
    }
}

fn mss_malformed() -> TcpOptKind {
    TcpOptKind::Malformed {
        kind: 2,
        why: why::LEN_SHOULD_BE_4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::util::{pseudo_v4, pseudo_v6};
    use etherparse::{PacketBuilder, TcpOptionElement as E};
    use std::net::{Ipv4Addr, Ipv6Addr};

    const SRC4: [u8; 4] = [10, 180, 156, 249];
    const DST4: [u8; 4] = [10, 180, 156, 141];

    /// An IPv4 packet (no link layer): TCP at offset 20.
    fn v4(b: etherparse::PacketBuilderStep<etherparse::TcpHeader>, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    fn syn_ack() -> Vec<u8> {
        // Frame 2 of arkime/http-simple-get.pcap, rebuilt.
        let b = PacketBuilder::ipv4(SRC4, DST4, 64)
            .tcp(80, 61450, 951427083, 14480)
            .syn()
            .ack(3365067072)
            .options(&[
                E::MaximumSegmentSize(1460),
                E::SelectiveAcknowledgementPermitted,
                E::Timestamp(1037500244, 2867677005),
                E::Noop,
                E::WindowScale(7),
            ])
            .unwrap();
        v4(b, &[])
    }

    fn parse_all(d: &[u8], off: usize) -> Tcp {
        parse(d, off, d.len(), d.len()).unwrap()
    }

    fn raw_tcp(opts: &[u8], flags: u16) -> Vec<u8> {
        // 20-byte IPv4 header stand-in (never read) + TCP header + options.
        let mut d = vec![0u8; 20];
        let doff = u16::try_from((20 + opts.len()) / 4).unwrap();
        d.extend_from_slice(&[0x1f, 0x90, 0x00, 0x50]);
        d.extend_from_slice(&100u32.to_be_bytes());
        d.extend_from_slice(&200u32.to_be_bytes());
        d.extend_from_slice(&((doff << 12) | flags).to_be_bytes());
        d.extend_from_slice(&[0x04, 0x00, 0, 0, 0, 0]);
        d.extend_from_slice(opts);
        d
    }

    fn kinds(d: &[u8]) -> Vec<TcpOptKind> {
        parse_all(d, 20).options.into_iter().map(|o| o.kind).collect()
    }

    #[test]
    fn parses_a_syn_ack() {
        let d = syn_ack();
        let t = parse_all(&d, 20);
        assert_eq!((t.sport, t.dport, t.seq, t.ack), (80, 61450, 951427083, 3365067072));
        assert_eq!(t.hdr_len, 40);
        assert_eq!(t.flags, flags::SYN | flags::ACK);
        assert!(t.syn() && t.ack_flag() && !t.fin() && !t.rst() && !t.psh() && !t.urg());
        assert_eq!(t.window, 14480);
        assert_eq!(t.mss(), Some(1460));
        assert_eq!(t.wscale(), Some(7));
        assert!(t.sack_perm());
        assert_eq!(t.timestamps(), Some((1037500244, 2867677005)));
        assert_eq!(t.payload, 60..60);
        assert_eq!(t.wire_len, 0);
        let offs: Vec<(usize, usize)> = t.options.iter().map(|o| (o.off, o.len)).collect();
        assert_eq!(offs, vec![(40, 4), (44, 2), (46, 10), (56, 1), (57, 3)]);
        assert_eq!(t.flags_str(), "[SYN, ACK]");
        assert_eq!(
            flag_chars(t.flags),
            "\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}A\u{b7}\u{b7}S\u{b7}"
        );
    }

    #[test]
    fn info_matches_tshark() {
        let d = syn_ack();
        let t = parse_all(&d, 20);
        let cx = TcpCtx {
            seq_base: Some(951427083),
            ack_base: Some(3365067071),
            ..Default::default()
        };
        assert_eq!(
            t.info(&cx),
            "80 \u{2192} 61450 [SYN, ACK] Seq=0 Ack=1 Win=14480 Len=0 MSS=1460 SACK_PERM TSval=1037500244 TSecr=2867677005 WS=128"
        );
        // No bases: raw numbers, as tshark without relative sequence numbers.
        assert_eq!(
            t.info(&TcpCtx::default()),
            "80 \u{2192} 61450 [SYN, ACK] Seq=951427083 Ack=3365067072 Win=14480 Len=0 MSS=1460 SACK_PERM TSval=1037500244 TSecr=2867677005 WS=128"
        );
        // A SYN window is never scaled.
        let cx = TcpCtx {
            win_scale: WinScale::Shift(7),
            ..cx
        };
        assert!(t.info(&cx).contains(" Win=14480 "));

        // Data segment with scaling, URG and a bad checksum.
        let b = PacketBuilder::ipv4(DST4, SRC4, 64)
            .tcp(61450, 80, 3365067072, 8235)
            .ack(951427084)
            .psh()
            .urg(3);
        let d = v4(b, b"GET");
        let t = parse_all(&d, 20);
        let cx = TcpCtx {
            seq_base: Some(3365067071),
            ack_base: Some(951427083),
            win_scale: WinScale::Shift(4),
            checksum: ChecksumStatus::Bad(0x1234),
            ..Default::default()
        };
        assert_eq!(
            t.info(&cx),
            "61450 \u{2192} 80 [PSH, ACK, URG] Seq=1 Ack=1 Win=131760 [TCP CHECKSUM INCORRECT] Urg=3 Len=3"
        );
        // No flags at all, ACK number without the flag: no Ack=.
        let d = raw_tcp(&[], 0);
        let t = parse_all(&d, 20);
        assert_eq!(
            t.info(&TcpCtx::default()),
            "8080 \u{2192} 80 [<None>] Seq=100 Win=1024 Len=0"
        );
        let d = raw_tcp(&[], 0xfff);
        let t = parse_all(&d, 20);
        assert_eq!(t.flags_str(), "[FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE, Reserved]");
        assert_eq!(flag_chars(t.flags), "RRRACEUAPRSF");
        assert_eq!(
            t.info(&TcpCtx::default()),
            format!(
                "8080 \u{2192} 80 {} Seq=100 Ack=200 Win=1024 Urg=0 Len=0",
                t.flags_str()
            )
        );
    }

    #[test]
    fn truncation_sweep_reports_need_and_have() {
        let d = syn_ack();
        for n in 0..=d.len() {
            let cut = d.get(..n).unwrap();
            // The wire says the segment is complete; only the capture is short.
            let r = parse(cut, 20, n, d.len());
            let have = n.saturating_sub(20);
            if have < 20 {
                assert_eq!(r, Err(DissectError::truncated("TCP", 20, 20, have)), "prefix {n}");
            } else if have < 40 {
                assert_eq!(r, Err(DissectError::truncated("TCP", 20, 40, have)), "prefix {n}");
            } else {
                let t = r.unwrap();
                assert_eq!(t.hdr_len, 40);
            }
        }
        // Offsets past the data never panic.
        assert_eq!(
            parse(&d, usize::MAX, usize::MAX, usize::MAX),
            Err(DissectError::truncated("TCP", usize::MAX, 20, 0))
        );
        assert_eq!(parse(&d, 70, 10, 10), Err(DissectError::truncated("TCP", 70, 20, 0)));
    }

    #[test]
    fn payload_is_bounded_by_capture_and_wire_len_by_ip() {
        let b = PacketBuilder::ipv4(SRC4, DST4, 64).tcp(1, 2, 3, 4).ack(5);
        let d = v4(b, &[7u8; 100]);
        assert_eq!(d.len(), 140);
        // Captured 90 of 140 bytes.
        let t = parse(d.get(..90).unwrap(), 20, 140, 140).unwrap();
        assert_eq!(t.payload, 40..90);
        assert_eq!(t.wire_len, 100);
        // IP payload shorter than the data (Ethernet padding after it).
        let t = parse(&d, 20, 60, 60).unwrap();
        assert_eq!(t.payload, 40..60);
        assert_eq!(t.wire_len, 20);
    }

    #[test]
    fn bad_header_lengths_are_malformed_at_the_data_offset() {
        let mut d = raw_tcp(&[], flags::ACK);
        d[32] = 0x40; // data offset 4 words = 16 bytes
        let e = parse_all_err(&d);
        assert_eq!(
            e.kind,
            ErrorKind::Malformed("bogus TCP header length (must be at least 20)")
        );
        assert_eq!(e.offset, 32);
        d[32] = 0xf0; // 60 bytes, segment is 20
        let e = parse_all_err(&d);
        assert_eq!(
            e.kind,
            ErrorKind::Malformed("TCP header length exceeds the segment length")
        );
        assert_eq!(e.offset, 32);
        // Same header, but the wire has the bytes and the capture does not: truncated.
        let e = parse(&d, 20, d.len(), 100).unwrap_err();
        assert_eq!(e, DissectError::truncated("TCP", 20, 60, 20));
    }

    fn parse_all_err(d: &[u8]) -> DissectError {
        parse(d, 20, d.len(), d.len()).unwrap_err()
    }

    #[test]
    fn every_option_kind() {
        let opts = [1, 0, 0, 0];
        assert_eq!(
            kinds(&raw_tcp(&opts, 0)),
            vec![TcpOptKind::Nop, TcpOptKind::Eol, TcpOptKind::Eol, TcpOptKind::Eol]
        );
        let opts = [
            2, 4, 0x05, 0xb4, 3, 3, 14, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 99, 3, 7, 1, 1,
        ];
        assert_eq!(
            kinds(&raw_tcp(&opts, flags::SYN)),
            vec![
                TcpOptKind::Mss(1460),
                TcpOptKind::WScale(14),
                TcpOptKind::SackPerm,
                TcpOptKind::Timestamps { tsval: 1, tsecr: 2 },
                TcpOptKind::Unknown { kind: 99 },
                TcpOptKind::Nop,
                TcpOptKind::Nop,
            ]
        );
    }

    #[test]
    fn sack_with_one_to_four_blocks() {
        for n in 1..=4u32 {
            let mut o = vec![1, 1, 5, u8::try_from(2 + 8 * n).unwrap()];
            let blocks: Vec<(u32, u32)> = (0..n).map(|i| (5001 + 100 * i, 5051 + 100 * i)).collect();
            for (l, r) in &blocks {
                o.extend_from_slice(&l.to_be_bytes());
                o.extend_from_slice(&r.to_be_bytes());
            }
            let d = raw_tcp(&o, flags::ACK);
            let t = parse_all(&d, 20);
            assert_eq!(t.sack_blocks().collect::<Vec<_>>(), blocks);
            let cx = TcpCtx {
                ack_base: Some(5000),
                ..Default::default()
            };
            let want: String = (0..n)
                .map(|i| format!(" SLE={} SRE={}", 1 + 100 * i, 51 + 100 * i))
                .collect();
            assert!(t.info(&cx).ends_with(&want), "{}", t.info(&cx));
            let mut tr = Tree::new();
            t.tree(&mut tr, &d, &cx);
            let opt = tr.find("tcp.options.sack").next().unwrap().1;
            let title: String = (0..n).map(|i| format!(" {}-{}", 1 + 100 * i, 51 + 100 * i)).collect();
            assert_eq!(opt.text.as_deref(), Some(format!("TCP Option - SACK{title}").as_str()));
            assert_eq!(tr.find("tcp.options.sack_le").count(), n as usize);
            let (_, c) = tr.find("tcp.options.sack.count").next().unwrap();
            assert_eq!(c.value, Value::UInt(u64::from(n)));
            let (_, le) = tr.find("tcp.options.sack_le").next().unwrap();
            assert_eq!((le.off, le.len, le.value.clone()), (44, 4, Value::UInt(1)));
            assert_eq!(tr.line(le, &d), "left edge: 1 (relative)");
        }
        // A block cut short: the complete ones stay, an expert flags the rest.
        let mut o = vec![5, 14];
        o.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9]);
        o.extend_from_slice(&[0, 0]);
        let d = raw_tcp(&o, flags::ACK);
        let t = parse_all(&d, 20);
        assert_eq!(t.sack_blocks().collect::<Vec<_>>(), vec![(1, 2)]);
        let mut tr = Tree::new();
        t.tree(&mut tr, &d, &TcpCtx::default());
        assert_eq!(
            tr.experts()
                .filter(|(_, e)| e.code == "tcp.suboption_malformed")
                .count(),
            1
        );
    }

    fn malformed(d: &[u8]) -> Vec<(u8, &'static str, usize, usize)> {
        parse_all(d, 20)
            .options
            .iter()
            .filter_map(|o| match o.kind {
                TcpOptKind::Malformed { kind, why } => Some((kind, why, o.off, o.len)),
                _ => None,
            })
            .collect()
    }

    fn option_experts(d: &[u8]) -> Vec<String> {
        let t = parse_all(d, 20);
        let mut tr = Tree::new();
        t.tree(&mut tr, d, &TcpCtx::default());
        tr.experts()
            .filter(|(_, e)| e.code != "tcp.connection.syn")
            .map(|(_, e)| e.msg.clone())
            .collect()
    }

    #[test]
    fn malformed_option_lengths_never_panic_and_stop_the_walk() {
        // Length 0 and 1.
        let d = raw_tcp(&[2, 0, 1, 1], flags::ACK);
        assert_eq!(malformed(&d), vec![(2, why::TOO_SHORT, 40, 2)]);
        assert_eq!(parse_all(&d, 20).options.len(), 1);
        assert_eq!(
            option_experts(&d),
            vec!["Maximum segment size (with too-short option length = 0 bytes)"]
        );
        let d = raw_tcp(&[1, 2, 1, 1], flags::ACK);
        assert_eq!(malformed(&d), vec![(2, why::TOO_SHORT, 41, 2)]);
        assert_eq!(
            option_experts(&d),
            vec!["Maximum segment size (with too-short option length = 1 byte)"]
        );
        // Past the end of the header.
        let d = raw_tcp(&[1, 8, 10, 1, 2, 3, 4, 5], flags::ACK);
        assert_eq!(malformed(&d), vec![(8, why::PAST_END, 41, 7)]);
        assert_eq!(
            option_experts(&d),
            vec!["Timestamps (option length = 10 bytes says option goes past end of options)"]
        );
        // Only the kind byte left.
        let d = raw_tcp(&[1, 1, 1, 99], flags::ACK);
        assert_eq!(malformed(&d), vec![(99, why::LEN_BYTE_PAST_END, 43, 1)]);
        assert_eq!(
            option_experts(&d),
            vec!["Unknown (0x63) (length byte past end of options)"]
        );
        // A fixed-length option with another length: flagged, the walk goes on.
        let d = raw_tcp(&[2, 5, 1, 2, 3, 1, 1, 1], flags::ACK);
        assert_eq!(malformed(&d), vec![(2, why::LEN_SHOULD_BE_4, 40, 5)]);
        assert_eq!(parse_all(&d, 20).options.len(), 4);
        assert_eq!(
            option_experts(&d),
            vec![
                "The non-SYN packet does contain a MSS option",
                "option length should be 4"
            ]
        );
        for (o, w) in [
            ([3u8, 4, 1, 0], why::LEN_SHOULD_BE_3),
            ([4, 3, 1, 0], why::LEN_SHOULD_BE_2),
            ([8, 4, 1, 1], why::LEN_SHOULD_BE_10),
        ] {
            let d = raw_tcp(&o, flags::ACK);
            assert_eq!(malformed(&d).first().map(|m| m.1), Some(w));
        }
        // Non-zero bytes after End of Option List.
        let d = raw_tcp(&[3, 3, 15, 1, 0, 1, 0, 0], flags::ACK);
        assert_eq!(malformed(&d), vec![(0, why::NONZERO_PADDING, 45, 3)]);
        assert_eq!(
            option_experts(&d),
            vec!["Window scale shift exceeds 14", "Non-zero header padding"]
        );
        // Shift 15 counts as 14.
        let t = parse_all(&d, 20);
        assert!(t.info(&TcpCtx::default()).ends_with(" WS=16384"));
        assert_eq!(t.scaled_window(WinScale::Shift(15)), 1024 << 14);
    }

    #[test]
    fn every_option_byte_string_is_safe() {
        // All 3-byte option areas (padded to 4) over a few kinds: no panic in
        // parse, tree or info, and the options always stay inside the header.
        let mut tr = Tree::new();
        for k in [0u8, 1, 2, 3, 4, 5, 8, 19, 28, 30, 34, 99, 253, 254] {
            for l in 0..=12u8 {
                for v in [0u8, 1, 0xff] {
                    let d = raw_tcp(&[k, l, v, v, k, l, v, v], flags::SYN | flags::ACK);
                    let t = parse_all(&d, 20);
                    for o in &t.options {
                        assert!(o.off >= 40 && o.off + o.len <= 48, "{o:?}");
                    }
                    tr.clear();
                    t.tree(&mut tr, &d, &TcpCtx::default());
                    let _ = t.info(&TcpCtx::default());
                }
            }
        }
    }

    #[test]
    fn checksum_good_and_bad_v4_and_v6() {
        let d = syn_ack();
        let t = parse_all(&d, 20);
        let ps = pseudo_v4(Ipv4Addr::from(SRC4), Ipv4Addr::from(DST4), 6, d.len() - 20);
        assert_eq!(t.checksum_status(&d, ps, false), ChecksumStatus::Good);
        let mut bad = d.clone();
        bad[36] ^= 0x11; // checksum field
        let t2 = parse_all(&bad, 20);
        assert_eq!(t2.checksum_status(&bad, ps, false), ChecksumStatus::Bad(t.checksum));
        // Cut capture: cannot be checked.
        let b = PacketBuilder::ipv4(SRC4, DST4, 64).tcp(1, 2, 3, 4).ack(5);
        let d = v4(b, &[1, 2, 3, 4, 5]);
        let ps = pseudo_v4(Ipv4Addr::from(SRC4), Ipv4Addr::from(DST4), 6, d.len() - 20);
        assert_eq!(parse_all(&d, 20).checksum_status(&d, ps, false), ChecksumStatus::Good);
        let cut = d.get(..d.len() - 1).unwrap();
        let t3 = parse(cut, 20, cut.len(), d.len()).unwrap();
        assert_eq!(t3.checksum_status(cut, ps, false), ChecksumStatus::Unverified);

        let s6 = Ipv6Addr::LOCALHOST.octets();
        let d6: [u8; 16] = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2).octets();
        let b = PacketBuilder::ipv6(s6, d6, 64).tcp(443, 50000, 7, 512).ack(9).psh();
        let mut d = Vec::new();
        b.write(&mut d, b"hello, v6").unwrap();
        let t = parse_all(&d, 40);
        let ps = pseudo_v6(Ipv6Addr::from(s6), Ipv6Addr::from(d6), 6, d.len() - 40);
        assert_eq!(t.checksum_status(&d, ps, true), ChecksumStatus::Good);
        let good = t.checksum;
        d[60] ^= 0x20; // payload byte
        assert!(matches!(t.checksum_status(&d, ps, true), ChecksumStatus::Bad(c) if c != good));
        d[60] ^= 0x20;
        d[56] ^= 0xff; // checksum field
        let t = parse_all(&d, 40);
        assert_eq!(t.checksum_status(&d, ps, true), ChecksumStatus::Bad(good));

        // Tree text and expert for a bad checksum.
        let mut tr = Tree::new();
        let cx = TcpCtx {
            checksum: ChecksumStatus::Bad(good),
            ..Default::default()
        };
        t.tree(&mut tr, &d, &cx);
        let (_, ck) = tr.find("tcp.checksum").next().unwrap();
        assert_eq!(
            tr.line(ck, &d),
            format!(
                "Checksum: 0x{:04x} incorrect, should be 0x{good:04x}(maybe caused by \"TCP checksum offload\"?)",
                t.checksum
            )
        );
        let (_, e) = tr.experts().find(|(_, e)| e.code == EXPERT_CHECKSUM_BAD).unwrap();
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.msg, format!("Bad checksum [should be 0x{good:04x}]"));
        let (_, st) = tr.find("tcp.checksum.status").next().unwrap();
        assert_eq!((st.value.clone(), st.off, st.len), (Value::UInt(0), 56, 0));
        assert_eq!(
            tr.find("tcp.checksum_calculated").next().unwrap().1.value,
            Value::UInt(u64::from(good))
        );
    }

    /// (name, off, len, line) of every node, hidden ones included.
    fn dump(tr: &Tree, d: &[u8]) -> Vec<(String, u32, u32, String)> {
        tr.pre_order()
            .map(|(_, n)| (n.name.to_string(), n.off, n.len, tr.line(n, d)))
            .collect()
    }

    #[test]
    fn tree_matches_tshark_for_a_syn_ack() {
        let d = syn_ack();
        let t = parse_all(&d, 20);
        let cx = TcpCtx {
            stream: Some(0),
            seq_base: Some(951427083),
            ack_base: Some(3365067071),
            ..Default::default()
        };
        let mut tr = Tree::new();
        let root = t.tree(&mut tr, &d, &cx);
        let got = dump(&tr, &d);
        let want: Vec<(&str, u32, u32, &str)> = vec![
            ("tcp", 20, 40, "Transmission Control Protocol, Src Port: 80, Dst Port: 61450, Seq: 0, Ack: 1, Len: 0"),
            ("tcp.srcport", 20, 2, "Source Port: 80"),
            ("tcp.dstport", 22, 2, "Destination Port: 61450"),
            ("tcp.port", 20, 2, "Source or Destination Port: 80"),
            ("tcp.port", 22, 2, "Source or Destination Port: 61450"),
            ("tcp.stream", 20, 0, "[Stream index: 0]"),
            ("tcp.len", 20, 0, "[TCP Segment Len: 0]"),
            ("tcp.seq", 24, 4, "Sequence Number: 0    (relative sequence number)"),
            ("tcp.seq_raw", 24, 4, "Sequence Number (raw): 951427083"),
            ("tcp.nxtseq", 20, 0, "[Next Sequence Number: 1    (relative sequence number)]"),
            ("tcp.ack", 28, 4, "Acknowledgment Number: 1    (relative ack number)"),
            ("tcp.ack_raw", 28, 4, "Acknowledgment number (raw): 3365067072"),
            ("tcp.hdr_len", 32, 1, "1010 .... = Header Length: 40 bytes (10)"),
            ("tcp.flags", 32, 2, "Flags: 0x012 (SYN, ACK)"),
            ("tcp.flags.res", 32, 1, "000. .... .... = Reserved: Not set"),
            ("tcp.flags.ae", 32, 1, "...0 .... .... = Accurate ECN: Not set"),
            ("tcp.flags.cwr", 33, 1, ".... 0... .... = Congestion Window Reduced: Not set"),
            ("tcp.flags.ece", 33, 1, ".... .0.. .... = ECN-Echo: Not set"),
            ("tcp.flags.urg", 33, 1, ".... ..0. .... = Urgent: Not set"),
            ("tcp.flags.ack", 33, 1, ".... ...1 .... = Acknowledgment: Set"),
            ("tcp.flags.push", 33, 1, ".... .... 0... = Push: Not set"),
            ("tcp.flags.reset", 33, 1, ".... .... .0.. = Reset: Not set"),
            ("tcp.flags.syn", 33, 1, ".... .... ..1. = Syn: Set"),
            (
                "tcp.connection.synack",
                33,
                0,
                "[Chat: Connection establish acknowledge (SYN+ACK): server port 80]",
            ),
            ("tcp.flags.fin", 33, 1, ".... .... ...0 = Fin: Not set"),
            ("tcp.flags.str", 32, 2, "[TCP Flags: \u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}\u{b7}A\u{b7}\u{b7}S\u{b7}]"),
            ("tcp.window_size_value", 34, 2, "Window: 14480"),
            ("tcp.window_size", 34, 2, "[Calculated window size: 14480]"),
            ("tcp.checksum", 36, 2, ""),
            ("tcp.checksum.status", 36, 0, "[Checksum Status: Unverified]"),
            ("tcp.urgent_pointer", 38, 2, "Urgent Pointer: 0"),
            (
                "tcp.options",
                40,
                20,
                "Options: (20 bytes), Maximum segment size, SACK permitted, Timestamps, No-Operation (NOP), Window scale",
            ),
            ("tcp.options.mss", 40, 4, "TCP Option - Maximum segment size: 1460 bytes"),
            ("tcp.option_kind", 40, 1, "Kind: Maximum Segment Size (2)"),
            ("tcp.option_len", 41, 1, "Length: 4"),
            ("tcp.options.mss_val", 42, 2, "MSS Value: 1460"),
            ("tcp.options.sack_perm", 44, 2, "TCP Option - SACK permitted"),
            ("tcp.option_kind", 44, 1, "Kind: SACK Permitted (4)"),
            ("tcp.option_len", 45, 1, "Length: 2"),
            ("tcp.options.timestamp", 46, 10, "TCP Option - Timestamps: TSval 1037500244, TSecr 2867677005"),
            ("tcp.option_kind", 46, 1, "Kind: Time Stamp Option (8)"),
            ("tcp.option_len", 47, 1, "Length: 10"),
            ("tcp.options.timestamp.tsval", 48, 4, "Timestamp value: 1037500244"),
            ("tcp.options.timestamp.tsecr", 52, 4, "Timestamp echo reply: 2867677005"),
            ("tcp.options.nop", 56, 1, "TCP Option - No-Operation (NOP)"),
            ("tcp.option_kind", 56, 1, "Kind: No-Operation (1)"),
            ("tcp.options.wscale", 57, 3, "TCP Option - Window scale: 7 (multiply by 128)"),
            ("tcp.option_kind", 57, 1, "Kind: Window Scale (3)"),
            ("tcp.option_len", 58, 1, "Length: 3"),
            ("tcp.options.wscale.shift", 59, 1, "Shift count: 7"),
            ("tcp.options.wscale.multiplier", 59, 1, "[Multiplier: 128]"),
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.0.as_str(), g.1, g.2), (w.0, w.1, w.2));
            if !w.3.is_empty() {
                assert_eq!(g.3, w.3);
            }
        }
        let ck = tr.find("tcp.checksum").next().unwrap().1;
        assert_eq!(tr.line(ck, &d), format!("Checksum: 0x{:04x} [unverified]", t.checksum));
        // Hidden port fields, values typed for filters.
        assert_eq!(tr.find("tcp.port").filter(|(_, n)| n.hidden).count(), 2);
        assert_eq!(tr.node(root).unwrap().parent(), None);
        assert_eq!(tr.find("tcp.hdr_len").next().unwrap().1.value, Value::UInt(40));
        assert_eq!(tr.find("tcp.flags").next().unwrap().1.value, Value::UInt(0x012));
        // No scaling factor on a SYN.
        assert_eq!(tr.find("tcp.window_size_scalefactor").count(), 0);
    }

    #[test]
    fn raw_numbers_scaling_and_ack_without_flag() {
        let d = raw_tcp(&[], flags::PSH);
        let t = parse_all(&d, 20);
        let mut tr = Tree::new();
        t.tree(
            &mut tr,
            &d,
            &TcpCtx {
                win_scale: WinScale::NoScaling,
                ..Default::default()
            },
        );
        let line = |name: &str| {
            let (_, n) = tr.find(name).next().unwrap();
            (tr.line(n, &d), n.hidden)
        };
        assert_eq!(line("tcp.seq"), ("Sequence Number: 100".to_string(), false));
        assert_eq!(line("tcp.seq_raw"), ("Sequence Number (raw): 100".to_string(), true));
        assert_eq!(line("tcp.nxtseq"), ("[Next Sequence Number: 100]".to_string(), false));
        assert_eq!(line("tcp.ack"), ("Acknowledgment Number: 200".to_string(), false));
        assert_eq!(
            line("tcp.ack_raw"),
            ("Acknowledgment number (raw): 200".to_string(), false)
        );
        assert_eq!(
            line("tcp.window_size_scalefactor"),
            (
                "[Window size scaling factor: -2 (no window scaling used)]".to_string(),
                false
            )
        );
        let (_, e) = tr.experts().next().unwrap();
        assert_eq!(e.code, "tcp.ack.nonzero");

        for (ws, win, factor) in [
            (WinScale::Unknown, 1024, "-1 (unknown)"),
            (WinScale::Shift(7), 1024 << 7, "128"),
            (WinScale::Shift(0), 1024, "1"),
        ] {
            let mut tr = Tree::new();
            let d = raw_tcp(&[], flags::ACK);
            let t = parse_all(&d, 20);
            t.tree(
                &mut tr,
                &d,
                &TcpCtx {
                    win_scale: ws,
                    ..Default::default()
                },
            );
            assert_eq!(tr.find("tcp.window_size").next().unwrap().1.value, Value::UInt(win));
            let (_, f) = tr.find("tcp.window_size_scalefactor").next().unwrap();
            assert_eq!(tr.line(f, &d), format!("[Window size scaling factor: {factor}]"));
            assert!(t
                .info(&TcpCtx {
                    win_scale: ws,
                    ..Default::default()
                })
                .contains(&format!(" Win={win} ")));
        }
    }

    #[test]
    fn next_sequence_counts_syn_and_fin_once() {
        let cx = TcpCtx {
            seq_base: Some(99),
            ..Default::default()
        };
        for (f, want) in [(0, 1), (flags::SYN, 2), (flags::FIN, 2), (flags::SYN | flags::FIN, 2)] {
            let d = raw_tcp(&[], f);
            let t = parse_all(&d, 20);
            assert_eq!(t.next_seq_shown(&cx), want);
        }
        let b = PacketBuilder::ipv4(SRC4, DST4, 64).tcp(1, 2, u32::MAX, 4).fin();
        let d = v4(b, &[0; 10]);
        let t = parse_all(&d, 20);
        assert_eq!(t.next_seq_shown(&TcpCtx::default()), 10);
    }

    #[test]
    fn clipped_tree_shows_the_captured_fields() {
        // SYN-ACK captured up to 50 bytes: the caller parses a zero-padded
        // copy and clips at the captured length.
        let d = syn_ack();
        let cut = d.get(..50).unwrap();
        let e = parse(cut, 20, cut.len(), d.len()).unwrap_err();
        assert_eq!(e, DissectError::truncated("TCP", 20, 40, 30));
        let mut padded = cut.to_vec();
        padded.resize(e.offset + e.need, 0);
        let t = parse(&padded, 20, padded.len(), d.len()).unwrap();
        let mut tr = Tree::new();
        tr.set_clip(Some((0, cut.len())));
        let root = t.tree(&mut tr, &padded, &TcpCtx::default());
        tr.set_clip(None);
        // The root covers the fields that fit (the timestamps option does not).
        let n = tr.node(root).unwrap();
        assert_eq!((n.off, n.len), (20, 26));
        let (_, o) = tr.find("tcp.options").next().unwrap();
        assert_eq!((o.off, o.len), (40, 6));
        assert_eq!(
            tr.line(o, &padded),
            "Options: (20 bytes), Maximum segment size, SACK permitted"
        );
        assert_eq!(tr.find("tcp.options.timestamp").count(), 0);
        assert!(tr.iter().all(|(_, n)| n.off + n.len <= 50));
    }

    #[test]
    fn unknown_and_other_kinds_show_kind_length_and_bytes() {
        let d = raw_tcp(&[99, 4, 0xaa, 0xbb, 34, 2, 19, 4, 1, 2, 0, 0], flags::SYN);
        let t = parse_all(&d, 20);
        let mut tr = Tree::new();
        t.tree(&mut tr, &d, &TcpCtx::default());
        let (_, o) = tr.find("tcp.options").next().unwrap();
        assert_eq!(
            tr.line(o, &d),
            "Options: (12 bytes), Unknown (0x63), TCP Fast Open, TCP MD5 signature, End of Option List (EOL), End of Option List (EOL)"
        );
        let (_, u) = tr.find("tcp.options.unknown").next().unwrap();
        assert_eq!((u.off, u.len), (40, 4));
        let (_, p) = tr.find("tcp.options.unknown.payload").next().unwrap();
        assert_eq!(tr.line(p, &d), "Payload: aabb");
        assert_eq!(
            tr.field_string(tr.find("tcp.options.unknown.payload").next().unwrap().0, &d),
            "aabb"
        );
        assert_eq!(tr.find("tcp.options.tfo.request").count(), 1);
        assert_eq!(
            tr.experts().map(|(_, e)| e.code).collect::<Vec<_>>(),
            vec!["tcp.ack.nonzero", "tcp.connection.syn", "tcp.options.mss.absent"]
        );
        assert!(t.info(&TcpCtx::default()).ends_with("Len=0 TFO=R MD5"));
    }
}
