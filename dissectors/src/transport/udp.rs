//! UDP (RFC 768): header, length checks, checksum status, tree and Info.

use std::ops::Range;

use nom::number::complete::be_u16;
use nom::Parser;

use crate::error::{need, DissectError, Severity};
use crate::tree::{NodeId, Tree, Value};
use crate::util::{fold, sum_words, ChecksumStatus};

use super::{add_ports, fit_root, nom_err};

const LAYER: &str = "UDP";
/// Length of the UDP header.
pub const HEADER_LEN: usize = 8;

/// Expert code Wireshark uses for a wrong UDP checksum.
pub const EXPERT_CHECKSUM_BAD: &str = "udp.checksum.bad";
/// Expert code for a zero checksum where one is required (IPv6).
pub const EXPERT_CHECKSUM_ZERO: &str = "udp.checksum.zero";
/// Expert code for a length field that is < 8 or larger than the IP payload.
pub const EXPERT_LENGTH_BAD: &str = "udp.length.bad";

/// A parsed UDP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
    /// The length field (header + data) as sent.
    pub length: u16,
    pub checksum: u16,
    /// Offset of the header in `data`.
    pub off: usize,
    /// Captured payload in `data`, bounded by `length` and by the IP payload end.
    pub payload: Range<usize>,
    /// Length of the IP payload that carries this datagram (`end - off`), the
    /// bound the length field is checked against.
    pub ip_len: usize,
}

/// What the dissection knows beyond the header: the stream index given by the
/// conversation table and the checksum verdict (see [`Udp::checksum_status`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UdpCtx {
    pub stream: Option<u64>,
    pub checksum: ChecksumStatus,
}

/// Parses the UDP header at `off`. `end` is where the IP payload ends in
/// `data` according to the IP header (it may lie past `data.len()` when the
/// capture was cut short; captured bounds are taken from `data.len()`).
///
/// Needs the 8 header bytes (Truncated otherwise, with need/have from `off`).
/// A bad length field is not an error: [`Udp::tree`] flags it.
pub fn parse(data: &[u8], off: usize, end: usize) -> Result<Udp, DissectError> {
    let cap_end = end.min(data.len());
    let have = cap_end.saturating_sub(off);
    if have < HEADER_LEN {
        return Err(DissectError::truncated(LAYER, off, HEADER_LEN, have));
    }
    need(LAYER, data, off, HEADER_LEN)?;
    let input = data.get(off..cap_end).unwrap_or(&[]);
    let (_, (sport, dport, length, checksum)) =
        (be_u16, be_u16, be_u16, be_u16).parse(input).map_err(|e| nom_err(LAYER, off, input.len(), e))?;
    let ip_len = end.saturating_sub(off);
    let start = off.saturating_add(HEADER_LEN);
    let len = usize::from(length);
    let payload_end = if len >= HEADER_LEN { off.saturating_add(len.min(ip_len)) } else { start };
    let payload = start..payload_end.min(cap_end).max(start);
    Ok(Udp { sport, dport, length, checksum, off, payload, ip_len })
}

impl Udp {
    /// Payload length by the length field (`length - 8`), 0 when the field is bogus.
    pub fn data_len(&self) -> usize {
        usize::from(self.length).saturating_sub(HEADER_LEN)
    }

    fn length_too_short(&self) -> bool {
        usize::from(self.length) < HEADER_LEN
    }

    fn length_too_long(&self) -> bool {
        usize::from(self.length) > self.ip_len
    }

    /// Checks the checksum. `pseudo_sum` is the running sum of the IP
    /// pseudo-header built with the UDP length ([`crate::util::pseudo_v4`] /
    /// [`crate::util::pseudo_v6`]).
    ///
    /// A zero checksum means "none" over IPv4 (Unverified) and is illegal over
    /// IPv6 (`Bad`, holding the right value when it can be computed, else 0).
    /// A datagram that is not fully captured, or whose length field is bogus,
    /// is Unverified.
    pub fn checksum_status(&self, data: &[u8], pseudo_sum: u64, v6: bool) -> ChecksumStatus {
        let whole = self.whole(data);
        if self.checksum == 0 {
            if !v6 {
                return ChecksumStatus::Unverified;
            }
            return ChecksumStatus::Bad(self.computed_checksum(data, pseudo_sum).unwrap_or(0));
        }
        match whole {
            None => ChecksumStatus::Unverified,
            Some(seg) if fold(sum_words(pseudo_sum, seg)) == 0 => ChecksumStatus::Good,
            Some(_) => ChecksumStatus::Bad(self.computed_checksum(data, pseudo_sum).unwrap_or(0)),
        }
    }

    /// The whole datagram by the length field, if it is sane and captured.
    fn whole<'a>(&self, data: &'a [u8]) -> Option<&'a [u8]> {
        if self.length_too_short() || self.length_too_long() {
            return None;
        }
        data.get(self.off..self.off.checked_add(usize::from(self.length))?)
    }

    /// The checksum the field should hold (0 sent as 0xffff), if computable.
    fn computed_checksum(&self, data: &[u8], pseudo_sum: u64) -> Option<u16> {
        let seg = self.whole(data)?;
        let head = seg.get(..6)?;
        let rest = seg.get(HEADER_LEN..)?;
        let c = fold(sum_words(sum_words(pseudo_sum, head), rest));
        Some(if c == 0 { 0xffff } else { c })
    }

    /// Adds the UDP tree as a root node named `udp`.
    pub fn tree(&self, t: &mut Tree, _data: &[u8], cx: &UdpCtx) -> NodeId {
        let o = self.off;
        let at = |k: usize| o.saturating_add(k);
        let root = t.text(
            None,
            "udp",
            format!("User Datagram Protocol, Src Port: {}, Dst Port: {}", self.sport, self.dport),
            o,
            0,
        );
        add_ports(t, root, ("udp.srcport", "udp.dstport", "udp.port"), o, self.sport, self.dport);

        let len = t.uint(root, "udp.length", "Length", u64::from(self.length), at(4), 2);
        if self.length_too_short() {
            t.set_text(len, format!("{} (bogus, must be >= 8)", self.length));
            let msg = format!("Bad length value {} < 8", self.length);
            t.expert(len, Severity::Error, EXPERT_LENGTH_BAD, msg, at(4), 0);
            // Wireshark stops here: nothing after a length that cannot be.
            fit_root(t, root, o, HEADER_LEN);
            return root;
        }
        if self.length_too_long() {
            t.set_text(len, format!("{} (bogus, payload length {})", self.length, self.ip_len));
            let msg = format!("Bad length value {} > IP payload length", self.length);
            t.expert(len, Severity::Error, EXPERT_LENGTH_BAD, msg, at(4), 0);
        }

        self.checksum_tree(t, root, cx.checksum);
        fit_root(t, root, o, HEADER_LEN);

        if let Some(s) = cx.stream {
            let n = t.uint(root, "udp.stream", "Stream index", s, at(HEADER_LEN), 0);
            t.set_generated(n);
        }
        let plen = self.payload.len();
        if plen > 0 {
            let p = t.bytes(root, "udp.payload", "UDP payload", self.payload.start, plen);
            let wire = self.data_len().min(self.ip_len.saturating_sub(HEADER_LEN));
            t.set_text(p, format!("({wire} byte{})", if wire == 1 { "" } else { "s" }));
        }
        root
    }

    fn checksum_tree(&self, t: &mut Tree, root: NodeId, status: ChecksumStatus) {
        let o = self.off.saturating_add(6);
        let ck = t.hex(root, "udp.checksum", "Checksum", u64::from(self.checksum), 4, o, 2);
        let v = self.checksum;
        match status {
            ChecksumStatus::Unverified if v == 0 => {
                t.set_text(ck, "0x0000 [zero-value ignored]");
                let s = t.uint(ck, "udp.checksum.status", "Checksum Status", 3, o, 2);
                t.set_text(s, "Not present");
            }
            ChecksumStatus::Bad(_) if v == 0 => {
                t.set_text(ck, "0x0000 [zero-value illegal]");
                t.expert(ck, Severity::Error, EXPERT_CHECKSUM_ZERO, "Illegal checksum value (0)", o, 0);
                let s = t.uint(ck, "udp.checksum.status", "Checksum Status", 4, o, 2);
                t.set_text(s, "Illegal");
            }
            ChecksumStatus::Good => {
                t.set_text(ck, format!("0x{v:04x} [correct]"));
                t.hex(ck, "udp.checksum_calculated", "Calculated Checksum", u64::from(v), 4, o, 2);
                status_node(t, root, status, o);
            }
            ChecksumStatus::Bad(c) => {
                t.set_text(
                    ck,
                    format!("0x{v:04x} incorrect, should be 0x{c:04x} (maybe caused by \"UDP checksum offload\"?)"),
                );
                t.expert(ck, Severity::Error, EXPERT_CHECKSUM_BAD, format!("Bad checksum [should be 0x{c:04x}]"), o, 0);
                t.hex(ck, "udp.checksum_calculated", "Calculated Checksum", u64::from(c), 4, o, 2);
                status_node(t, root, status, o);
            }
            ChecksumStatus::Unverified => {
                t.set_text(ck, format!("0x{v:04x} [unverified]"));
                status_node(t, root, status, o);
            }
        }
    }

    /// tshark's Info column for a bare UDP datagram: `51514 → 53 Len=30`.
    pub fn info(&self) -> String {
        let (s, d) = (self.sport, self.dport);
        if self.length_too_short() {
            format!("{s} \u{2192} {d} [BAD UDP LENGTH {} < 8]", self.length)
        } else if self.length_too_long() {
            format!("{s} \u{2192} {d} [BAD UDP LENGTH {} > IP PAYLOAD LENGTH] Len={}", self.length, self.data_len())
        } else {
            format!("{s} \u{2192} {d} Len={}", self.data_len())
        }
    }

    /// [`Udp::info`] plus the checksum remarks tshark appends
    /// (`[UDP CHECKSUM INCORRECT]`, `[ILLEGAL CHECKSUM (0)]`).
    pub fn info_with(&self, cx: &UdpCtx) -> String {
        let mut s = self.info();
        if self.length_too_short() {
            return s;
        }
        if let ChecksumStatus::Bad(_) = cx.checksum {
            s.push_str(if self.checksum == 0 { " [ILLEGAL CHECKSUM (0)]" } else { " [UDP CHECKSUM INCORRECT]" });
        }
        s
    }
}

fn status_node(t: &mut Tree, parent: NodeId, status: ChecksumStatus, off: usize) {
    let s = t.add(Some(parent), "udp.checksum.status", "Checksum Status", Value::UInt(status.code()), off, 0);
    t.set_text(s, status.label());
}

