//! ICMP for IPv4 (RFC 792 and friends).

use std::net::Ipv4Addr;
use std::ops::Range;

use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::{IResult, Parser};

use super::{rest, truncated, Bounded};
use crate::error::{DissectError, Severity};
use crate::tree::{NodeId, Tree, Value};
use crate::util::{self, ChecksumStatus};

pub const LAYER: &str = "ICMP";
/// Type, code, checksum and the 4 bytes that depend on the type.
pub const HDR_LEN: usize = 8;

/// A parsed ICMP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Icmp {
    pub typ: u8,
    pub code: u8,
    pub checksum: u16,
    pub checksum_status: ChecksumStatus,
    pub off: usize,
    /// End of the message (end of the IP payload); may lie past the captured data.
    pub end: usize,
    /// Echo, timestamp, information and address mask messages.
    pub ident: Option<u16>,
    pub seq: Option<u16>,
    /// Redirect: the gateway to use.
    pub gateway: Option<Ipv4Addr>,
    /// Destination unreachable, fragmentation needed: the next-hop MTU.
    pub mtu: Option<u16>,
    /// Parameter problem: the pointer.
    pub pointer: Option<u8>,
    /// The invoking packet of an error message (types 3, 4, 5, 11, 12),
    /// as far as it was captured.
    pub embedded: Option<Range<usize>>,
}

/// Parses the ICMP message at `off`; `end` is the end of the IP payload.
///
/// The checksum is verified over `off..end` when all of it was captured,
/// otherwise it is Unverified.
pub fn parse(data: &[u8], off: usize, end: usize) -> Result<Icmp, DissectError> {
    let input = rest(data, off);
    let fixed: IResult<&[u8], _> = (be_u8, be_u8, be_u16, be_u32).parse(input);
    let (_, (typ, code, checksum, word)) = fixed.map_err(|_| truncated(LAYER, data, off, HDR_LEN))?;
    if end < off.saturating_add(HDR_LEN) {
        return Err(DissectError::malformed(
            LAYER,
            "message shorter than the 8-byte ICMP header",
            off,
        ));
    }
    let checksum_status = match data.get(off..end) {
        Some(msg) => {
            if util::checksum(msg) == 0 {
                ChecksumStatus::Good
            } else {
                let mut acc = util::sum_words(0, msg);
                // Take the checksum field out of the sum to get the right value.
                acc += u64::from(!checksum);
                ChecksumStatus::Bad(util::fold(acc))
            }
        }
        None => ChecksumStatus::Unverified,
    };
    let hi = (word >> 16) as u16;
    let lo = word as u16;
    let echo_like = matches!(typ, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18);
    let body = off.saturating_add(HDR_LEN);
    let embedded = if matches!(typ, 3 | 4 | 5 | 11 | 12) {
        let e = end.min(data.len());
        (e > body).then_some(body..e)
    } else {
        None
    };
    Ok(Icmp {
        typ,
        code,
        checksum,
        checksum_status,
        off,
        end,
        ident: echo_like.then_some(hi),
        seq: echo_like.then_some(lo),
        gateway: (typ == 5).then(|| Ipv4Addr::from(word)),
        mtu: (typ == 3 && code == 4).then_some(lo),
        pointer: (typ == 12).then_some((word >> 24) as u8),
        embedded,
    })
}

/// Does the type have a table of code names (shown after the code)?
fn has_code_names(typ: u8) -> bool {
    matches!(typ, 3 | 5 | 6 | 9 | 11 | 12 | 40 | 42 | 43)
}

/// Milliseconds since midnight UTC as Wireshark writes them:
/// `1 hour, 1 minute, 1.001 seconds`.
fn msecs_text(ms: u32) -> String {
    let secs = ms / 1000;
    let frac = ms % 1000;
    let mut parts = duration_parts(secs / 3600 / 24, secs / 3600 % 24, secs / 60 % 60);
    let s = secs % 60;
    if frac != 0 {
        parts.push(format!("{s}.{frac:03} seconds"));
    } else if s != 0 || parts.is_empty() {
        parts.push(format!("{s} second{}", if s == 1 { "" } else { "s" }));
    }
    parts.join(", ")
}

/// Seconds as Wireshark writes durations: `1 hour, 1 second`.
fn secs_text(secs: u32) -> String {
    let mut parts = duration_parts(secs / 86400, secs / 3600 % 24, secs / 60 % 60);
    let s = secs % 60;
    if s != 0 || parts.is_empty() {
        parts.push(format!("{s} second{}", if s == 1 { "" } else { "s" }));
    }
    parts.join(", ")
}

fn duration_parts(d: u32, h: u32, m: u32) -> Vec<String> {
    let mut parts = Vec::new();
    for (n, unit) in [(d, "day"), (h, "hour"), (m, "minute")] {
        if n != 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts
}

/// The text of an ICMP timestamp: milliseconds since midnight UTC. Some
/// stacks send it little-endian; like Wireshark, take the byte order that
/// gives a time of day (both: the one nearer after `comp`, the frame's own
/// time of day), and drop the "non-standard" high bit.
fn timestamp_text(v: u32, comp: u32) -> String {
    const DAY_MS: u32 = 86_400_000;
    let le = v.swap_bytes();
    let pick = match (v < DAY_MS, le < DAY_MS) {
        (true, false) => v,
        (false, true) => le,
        (true, true) if v.wrapping_sub(comp) <= le.wrapping_sub(comp) => v,
        _ => le,
    };
    format!("{v} ({} after midnight UTC)", msecs_text(pick & 0x7fff_ffff))
}

impl Icmp {
    /// Wireshark's name of the type (it depends on the code for type 9).
    pub fn type_name(&self) -> &'static str {
        match self.typ {
            0 => "Echo (ping) reply",
            1 | 2 => "Reserved",
            3 => "Destination unreachable",
            4 => "Source quench (flow control)",
            5 => "Redirect",
            6 => "Alternate host address",
            8 => "Echo (ping) request",
            9 if self.code == 0 || self.code == 16 => "Mobile IP Advertisement",
            9 => "Router advertisement",
            10 => "Router solicitation",
            11 => "Time-to-live exceeded",
            12 => "Parameter problem",
            13 => "Timestamp request",
            14 => "Timestamp reply",
            15 => "Information request",
            16 => "Information reply",
            17 => "Address mask request",
            18 => "Address mask reply",
            19 => "Reserved (for security)",
            30 => "Traceroute",
            31 => "Datagram Conversion Error",
            32 => "Mobile Host Redirect",
            33 => "IPv6 Where-Are-You",
            34 => "IPv6 I-Am-Here",
            35 => "Mobile Registration Request",
            36 => "Mobile Registration Reply",
            37 => "Domain Name Request",
            38 => "Domain Name Reply",
            39 => "SKIP",
            40 => "Photuris",
            41 => "Experimental mobility protocols",
            42 => "Extended Echo request",
            43 => "Extended Echo reply",
            _ => "Unknown ICMP (obsolete or malformed?)",
        }
    }

    /// The name of the code, for the types that have code names.
    pub fn code_name(&self) -> Option<&'static str> {
        Some(match (self.typ, self.code) {
            (3, 0) => "Network unreachable",
            (3, 1) => "Host unreachable",
            (3, 2) => "Protocol unreachable",
            (3, 3) => "Port unreachable",
            (3, 4) => "Fragmentation needed",
            (3, 5) => "Source route failed",
            (3, 6) => "Destination network unknown",
            (3, 7) => "Destination host unknown",
            (3, 8) => "Source host isolated",
            (3, 9) => "Network administratively prohibited",
            (3, 10) => "Host administratively prohibited",
            (3, 11) => "Network unreachable for TOS",
            (3, 12) => "Host unreachable for TOS",
            (3, 13) => "Communication administratively filtered",
            (3, 14) => "Host precedence violation",
            (3, 15) => "Precedence cutoff in effect",
            (5, 0) => "Redirect for network",
            (5, 1) => "Redirect for host",
            (5, 2) => "Redirect for TOS and network",
            (5, 3) => "Redirect for TOS and host",
            (6, 0) => "Alternate address for host",
            (9, 0) => "Normal router advertisement",
            (9, 16) => "Does not route common traffic",
            (11, 0) => "Time to live exceeded in transit",
            (11, 1) => "Fragment reassembly time exceeded",
            (12, 0) => "Pointer indicates the error",
            (12, 1) => "Required option missing",
            (12, 2) => "Bad length",
            (40, 0) => "Bad SPI",
            (40, 1) => "Authentication Failed",
            (40, 2) => "Decompression Failed",
            (40, 3) => "Decryption Failed",
            (40, 4) => "Need Authentication",
            (40, 5) => "Need Authorization",
            (42 | 43, 0) => "No error",
            (43, 1) => "Malformed Query",
            (43, 2) => "No Such Interface",
            (43, 3) => "No Such Table Entry",
            (43, 4) => "Multiple Interfaces Satisfy Query",
            _ => return None,
        })
    }

    /// `Port unreachable`, `Unknown code: 16`, or None for types without code names.
    fn code_text(&self) -> Option<String> {
        if !has_code_names(self.typ) {
            return None;
        }
        Some(match self.code_name() {
            Some(n) => n.to_string(),
            None => format!("Unknown code: {}", self.code),
        })
    }

    /// Is this an error message carrying the invoking packet?
    pub fn is_error(&self) -> bool {
        matches!(self.typ, 3 | 4 | 5 | 11 | 12)
    }

    /// tshark's Info column: `Echo (ping) request  id=0x0001, seq=1/256, ttl=64`,
    /// `Destination unreachable (Port unreachable)`. `ttl` is the IP TTL of
    /// the packet carrying the message (shown for echo-like messages).
    pub fn info(&self, ttl: Option<u8>) -> String {
        let mut s = format!("{:<20}", self.type_name());
        if let Some(c) = self.code_text() {
            s.push_str(" (");
            s.push_str(&c);
            s.push(')');
        }
        if let (Some(id), Some(seq)) = (self.ident, self.seq) {
            s.push_str(&format!(" id=0x{id:04x}, seq={seq}/{}", seq.swap_bytes()));
            if let Some(ttl) = ttl {
                s.push_str(&format!(", ttl={ttl}"));
            }
        }
        s
    }

    /// Adds the `icmp` subtree. For error messages the invoking packet's own
    /// tree is the caller's to add (under the returned node, from `embedded`).
    pub fn tree(&self, t: &mut Tree, data: &[u8]) -> NodeId {
        self.tree_at(t, data, None)
    }

    /// [`Icmp::tree`] with the frame's capture time, which Wireshark uses to
    /// guess the byte order of timestamp messages.
    pub fn tree_at(&self, t: &mut Tree, data: &[u8], frame_ts_ns: Option<i64>) -> NodeId {
        let comp = frame_ts_ns.map_or(0, |ns| (ns.div_euclid(1_000_000).rem_euclid(86_400_000)) as u32);
        let off = self.off;
        let at = |n: usize| off.saturating_add(n);
        let captured_end = self.end.min(data.len()).max(at(HDR_LEN));
        // Nothing past the end of the message (or of the capture) becomes a field.
        let t = &mut Bounded { t, end: captured_end };
        let root = t.group(
            None,
            "icmp",
            "Internet Control Message Protocol",
            off,
            captured_end - off,
        );
        let ty = t.uint(root, "icmp.type", "Type", u64::from(self.typ), off, 1);
        t.set_text(ty, format!("{} ({})", self.typ, self.type_name()));
        let co = t.uint(root, "icmp.code", "Code", u64::from(self.code), at(1), 1);
        if let Some(c) = self.code_text() {
            t.set_text(co, format!("{} ({c})", self.code));
        }
        checksum_nodes(
            t,
            root,
            self.checksum,
            self.checksum_status,
            at(2),
            "icmp.checksum",
            "icmp.checksum.status",
            "icmp.checksum_bad",
        );

        let u16_at = |n: usize| util::be16(data, at(n)).unwrap_or(0);
        match self.typ {
            0 | 8 | 13 | 14 | 15 | 16 | 17 | 18 => {
                let id = u16_at(4);
                let seq = u16_at(6);
                for (name, label, v, pos) in [
                    ("icmp.ident", "Identifier (BE)", id, 4),
                    ("icmp.ident_le", "Identifier (LE)", id.swap_bytes(), 4),
                    ("icmp.seq", "Sequence Number (BE)", seq, 6),
                    ("icmp.seq_le", "Sequence Number (LE)", seq.swap_bytes(), 6),
                ] {
                    let n = t.uint(root, name, label, u64::from(v), at(pos), 2);
                    t.set_text(n, format!("{v} (0x{v:04x})"));
                }
                match self.typ {
                    13 | 14 => {
                        for (name, label, pos) in [
                            ("icmp.originate_timestamp", "Originate Timestamp", 8),
                            ("icmp.receive_timestamp", "Receive Timestamp", 12),
                            ("icmp.transmit_timestamp", "Transmit Timestamp", 16),
                        ] {
                            let v = util::be32(data, at(pos)).unwrap_or(0);
                            let n = t.uint(root, name, label, u64::from(v), at(pos), 4);
                            t.set_text(n, timestamp_text(v, comp));
                        }
                    }
                    17 | 18 => {
                        let m = util::ipv4_at(data, at(8)).unwrap_or(Ipv4Addr::UNSPECIFIED);
                        t.add(
                            Some(root),
                            "icmp.address_mask",
                            "Address Mask",
                            Value::Ipv4(m),
                            at(8),
                            4,
                        );
                    }
                    0 | 8 => {
                        let mut start = at(8);
                        if let Some((secs, usecs)) =
                            frame_ts_ns.and_then(|ns| data_timestamp(data, start, captured_end, ns))
                        {
                            let n = t.add(
                                Some(root),
                                "icmp.data_time",
                                "Timestamp from icmp data",
                                Value::Time {
                                    secs,
                                    nanos: usecs * 1000,
                                },
                                start,
                                8,
                            );
                            t.set_text(n, absolute_time_text(secs, usecs * 1000));
                            let rel = frame_ts_ns.unwrap_or(0).saturating_sub(
                                secs.saturating_mul(1_000_000_000)
                                    .saturating_add(i64::from(usecs) * 1000),
                            );
                            let r = t.add(
                                Some(root),
                                "icmp.data_time_relative",
                                "Timestamp from icmp data (relative)",
                                Value::Duration(rel),
                                start,
                                8,
                            );
                            t.set_generated(r);
                            start = start.saturating_add(8);
                        }
                        data_node(t, data, root, start, captured_end)
                    }
                    _ => {}
                }
            }
            42 | 43 => {
                let id = u16_at(4);
                for (name, label, v) in [
                    ("icmp.ident", "Identifier (BE)", id),
                    ("icmp.ident_le", "Identifier (LE)", id.swap_bytes()),
                ] {
                    let n = t.uint(root, name, label, u64::from(v), at(4), 2);
                    t.set_text(n, format!("{v} (0x{v:04x})"));
                }
                ext_echo_bits(t, root, data, self.typ == 42, at(6), "icmp.ext.echo");
            }
            4 => {}
            3 | 11 => {
                if self.typ == 3 && self.code == 4 {
                    t.hex_field(data, root, "icmp.unused", "Unused", at(4), 2);
                    t.uint(root, "icmp.mtu", "MTU of next hop", u64::from(u16_at(6)), at(6), 2);
                } else {
                    t.hex_field(data, root, "icmp.unused", "Unused", at(4), 4);
                }
            }
            5 => {
                let gw = self.gateway.unwrap_or(Ipv4Addr::UNSPECIFIED);
                t.add(
                    Some(root),
                    "icmp.redir_gw",
                    "Gateway Address",
                    Value::Ipv4(gw),
                    at(4),
                    4,
                );
            }
            12 => {
                t.uint(
                    root,
                    "icmp.pointer",
                    "Pointer",
                    u64::from(self.pointer.unwrap_or(0)),
                    at(4),
                    1,
                );
                t.hex_field(data, root, "icmp.unused", "Unused", at(5), 3);
            }
            9 => {
                let num = data.get(at(4)).copied().unwrap_or(0);
                let size = data.get(at(5)).copied().unwrap_or(0);
                t.uint(root, "icmp.num_addrs", "Number of addresses", u64::from(num), at(4), 1);
                t.uint(
                    root,
                    "icmp.addr_entry_size",
                    "Address entry size",
                    u64::from(size),
                    at(5),
                    1,
                );
                let life = u16_at(6);
                let l = t.uint(root, "icmp.lifetime", "Lifetime", u64::from(life), at(6), 2);
                t.set_text(l, format!("{life} ({})", secs_text(u32::from(life))));
                let step = usize::from(size).max(2) * 4;
                let mut p = at(8);
                for _ in 0..num {
                    if p.saturating_add(8) > captured_end {
                        break;
                    }
                    let a = util::ipv4_at(data, p).unwrap_or(Ipv4Addr::UNSPECIFIED);
                    t.add(
                        Some(root),
                        "icmp.router_address",
                        "Router address",
                        Value::Ipv4(a),
                        p,
                        4,
                    );
                    let pref = util::be32(data, p.saturating_add(4)).unwrap_or(0) as i32;
                    t.add(
                        Some(root),
                        "icmp.pref_level",
                        "Preference level",
                        Value::Int(i64::from(pref)),
                        p.saturating_add(4),
                        4,
                    );
                    p = p.saturating_add(step);
                }
            }
            _ => {}
        }
        root
    }
}

/// A `struct timeval` that ping put at the start of echo data: 32-bit
/// seconds and microseconds, big- or little-endian, accepted (as Wireshark
/// does) when it lies within the day before the frame's capture time.
fn data_timestamp(data: &[u8], at: usize, end: usize, frame_ns: i64) -> Option<(i64, u32)> {
    if at.checked_add(8)? > end {
        return None;
    }
    let b: [u8; 8] = data.get(at..at + 8)?.try_into().ok()?;
    let frame_secs = frame_ns.div_euclid(1_000_000_000);
    let ok = |secs: u32, usecs: u32| (frame_secs as u32).wrapping_sub(secs) < 86_400 && usecs < 1_000_000;
    let be = (
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
    );
    let le = (
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
    );
    [be, le]
        .into_iter()
        .find(|&(s, u)| ok(s, u))
        .map(|(s, u)| (i64::from(s), u))
}

/// `Aug 15, 2022 03:30:49.000000000 UTC`, as Wireshark writes absolute times.
pub(crate) fn absolute_time_text(secs: i64, nanos: u32) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = MONTHS.get((month - 1) as usize).copied().unwrap_or("???");
    format!(
        "{name} {day:>2}, {year} {:02}:{:02}:{:02}.{nanos:09} UTC",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// The sequence number and flag bits of an extended echo (RFC 8335),
/// `prefix` being `icmp.ext.echo` or `icmpv6.ext.echo`.
pub(crate) fn ext_echo_bits(
    t: &mut Bounded<'_>,
    root: NodeId,
    data: &[u8],
    request: bool,
    at: usize,
    prefix: &'static str,
) {
    let (seq_name, bits): (&'static str, &[(&'static str, &'static str, u64)]) = if prefix == "icmp.ext.echo" {
        if request {
            (
                "icmp.ext.echo.seq",
                &[
                    ("icmp.ext.echo.req.res", "Reserved", 0xfe),
                    ("icmp.ext.echo.req.local", "Local bit", 0x01),
                ],
            )
        } else {
            (
                "icmp.ext.echo.seq",
                &[
                    ("icmp.ext.echo.rsp.state", "State", 0xe0),
                    ("icmp.ext.echo.rsp.res", "Reserved", 0x18),
                    ("icmp.ext.echo.rsp.active", "Active bit", 0x04),
                    ("icmp.ext.echo.rsp.ipv4", "IPv4 bit", 0x02),
                    ("icmp.ext.echo.rsp.ipv6", "IPv6 bit", 0x01),
                ],
            )
        }
    } else if request {
        (
            "icmpv6.ext.echo.seq",
            &[
                ("icmpv6.ext.echo.req.res", "Reserved", 0xfe),
                ("icmpv6.ext.echo.req.local", "Local bit", 0x01),
            ],
        )
    } else {
        (
            "icmpv6.ext.echo.seq",
            &[
                ("icmpv6.ext.echo.rsp.state", "State", 0xe0),
                ("icmpv6.ext.echo.rsp.res", "Reserved", 0x18),
                ("icmpv6.ext.echo.rsp.active", "Active bit", 0x04),
                ("icmpv6.ext.echo.rsp.ipv4", "IPv4 bit", 0x02),
                ("icmpv6.ext.echo.rsp.ipv6", "IPv6 bit", 0x01),
            ],
        )
    };
    let seq = data.get(at).copied().unwrap_or(0);
    const STATES: [&str; 8] = [
        "Reserved",
        "Incomplete",
        "Reachable",
        "Stale",
        "Delay",
        "Probe",
        "Failed",
        "Unknown",
    ];
    let seq_label = if prefix == "icmp.ext.echo" {
        "Sequence Number"
    } else {
        "Sequence number"
    };
    let n = t.uint(root, seq_name, seq_label, u64::from(seq), at, 1);
    t.set_text(n, format!("{seq} (0x{seq:02x})"));
    let b = data.get(at.saturating_add(1)).copied().unwrap_or(0);
    for &(name, label, mask) in bits {
        let v = (u64::from(b) & mask) >> mask.trailing_zeros();
        let value = if mask.count_ones() == 1 {
            Value::Bool(v != 0)
        } else {
            Value::UInt(v)
        };
        let x = t.bits(root, name, label, value, 8, mask, at.saturating_add(1), 1);
        if label == "Reserved" && mask == 0xfe {
            t.set_text(x, format!("0x{v:02x}"));
        } else if label == "Reserved" {
            t.set_text(x, format!("0x{v:x}"));
        } else if label == "State" {
            t.set_text(
                x,
                format!("{} ({v})", STATES.get(v as usize).copied().unwrap_or("Unknown")),
            );
        }
    }
}

/// `Data (N bytes)` with `data.data` and the generated `data.len`, as
/// Wireshark's data dissector shows the rest of an echo.
pub(crate) fn data_node(t: &mut Bounded<'_>, data: &[u8], parent: NodeId, start: usize, end: usize) {
    if end <= start {
        return;
    }
    let n = end - start;
    let g = t.group(Some(parent), "data", format!("Data ({n} bytes)"), start, n);
    t.hex_field(data, g, "data.data", "Data", start, n);
    let l = t.add(Some(g), "data.len", "Length", Value::UInt(n as u64), start, 0);
    t.set_generated(l);
}

/// The checksum field with `[correct]` / `incorrect, should be` / `[unverified]`,
/// the generated status and, when bad, a Warning expert.
#[allow(clippy::too_many_arguments)]
pub(crate) fn checksum_nodes(
    t: &mut Bounded<'_>,
    root: NodeId,
    checksum: u16,
    status: ChecksumStatus,
    at: usize,
    name: &'static str,
    status_name: &'static str,
    bad_code: &'static str,
) {
    let ck = t.hex(root, name, "Checksum", u64::from(checksum), 4, at, 2);
    match status {
        ChecksumStatus::Good => t.set_text(ck, format!("0x{checksum:04x} [correct]")),
        ChecksumStatus::Bad(should) => {
            t.set_text(ck, format!("0x{checksum:04x} incorrect, should be 0x{should:04x}"));
            t.expert(
                ck,
                Severity::Warning,
                bad_code,
                format!("Bad checksum [should be 0x{should:04x}]"),
                at,
                2,
            );
        }
        ChecksumStatus::Unverified => t.set_text(ck, format!("0x{checksum:04x} [unverified]")),
    }
    let st = t.uint(root, status_name, "Checksum Status", status.code(), at, 2);
    t.set_text(st, status.label());
    t.set_generated(st);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn with_checksum(mut m: Vec<u8>) -> Vec<u8> {
        m[2] = 0;
        m[3] = 0;
        let c = util::checksum(&m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
        m
    }

    fn echo(typ: u8, payload: &[u8]) -> Vec<u8> {
        let mut m = vec![typ, 0, 0, 0, 0x12, 0x34, 0x00, 0x07];
        m.extend_from_slice(payload);
        with_checksum(m)
    }

    fn values(t: &Tree, data: &[u8], name: &str) -> Vec<String> {
        t.find(name).map(|(id, _)| t.field_string(id, data)).collect()
    }

    #[test]
    fn echo_request_fields_info_and_tree() {
        // etherparse builds the same message: the bytes agree.
        let ours = echo(8, b"abcdefgh");
        let ep = etherparse::Icmpv4Header::with_checksum(
            etherparse::Icmpv4Type::EchoRequest(etherparse::IcmpEchoHeader { id: 0x1234, seq: 7 }),
            b"abcdefgh",
        );
        assert_eq!(&ours[..8], &ep.to_bytes()[..]);

        let mut data = vec![0u8; 20];
        data.extend_from_slice(&ours);
        let m = parse(&data, 20, data.len()).unwrap();
        assert_eq!((m.typ, m.code, m.ident, m.seq), (8, 0, Some(0x1234), Some(7)));
        assert_eq!(m.checksum_status, ChecksumStatus::Good);
        assert_eq!(m.embedded, None);
        assert_eq!(m.info(Some(64)), "Echo (ping) request  id=0x1234, seq=7/1792, ttl=64");
        assert_eq!(echo_info(0), "Echo (ping) reply    id=0x1234, seq=7/1792");
        let mut t = Tree::new();
        let root = m.tree(&mut t, &data);
        assert_eq!(t.node(root).unwrap().span(), 20..36);
        for (name, v, span) in [
            ("icmp.type", "8", 20..21),
            ("icmp.code", "0", 21..22),
            ("icmp.checksum.status", "1", 22..24),
            ("icmp.ident", "4660", 24..26),
            ("icmp.ident_le", "13330", 24..26),
            ("icmp.seq", "7", 26..28),
            ("icmp.seq_le", "1792", 26..28),
            ("data.data", "6162636465666768", 28..36),
            ("data.len", "8", 28..28),
        ] {
            let (id, n) = t.find(name).next().unwrap_or_else(|| panic!("{name}"));
            assert_eq!((t.field_string(id, &data), n.span()), (v.to_string(), span), "{name}");
        }
        let mut s = String::new();
        t.render_text(&mut s, &data);
        assert!(
            s.starts_with("Internet Control Message Protocol\n    Type: 8 (Echo (ping) request)\n    Code: 0\n"),
            "{s}"
        );
        assert!(s.contains("    Sequence Number (LE): 1792 (0x0700)\n"), "{s}");
        assert!(
            s.contains("    Data (8 bytes)\n        Data: 6162636465666768\n        [Length: 8]\n"),
            "{s}"
        );
    }

    fn echo_info(typ: u8) -> String {
        let m = echo(typ, b"");
        parse(&m, 0, m.len()).unwrap().info(None)
    }

    #[test]
    fn errors_expose_the_invoking_packet() {
        let inner = [0x45u8; 28];
        let mut m = vec![3, 4, 0, 0, 0, 0, 0x05, 0xdc];
        m.extend_from_slice(&inner);
        let m = with_checksum(m);
        let msg = parse(&m, 0, m.len()).unwrap();
        assert_eq!((msg.mtu, msg.embedded.clone()), (Some(1500), Some(8..36)));
        assert!(msg.is_error());
        assert_eq!(msg.info(Some(3)), "Destination unreachable (Fragmentation needed)");
        let mut t = Tree::new();
        msg.tree(&mut t, &m);
        assert_eq!(values(&t, &m, "icmp.mtu"), vec!["1500"]);
        assert_eq!(t.find("icmp.unused").next().unwrap().1.span(), 4..6);

        let mut r = vec![5, 1, 0, 0, 10, 0, 0, 254];
        r.extend_from_slice(&inner[..20]);
        let r = with_checksum(r);
        let msg = parse(&r, 0, r.len()).unwrap();
        assert_eq!(msg.gateway, Some(Ipv4Addr::new(10, 0, 0, 254)));
        assert_eq!(msg.info(None), "Redirect             (Redirect for host)");

        // The invoking packet stops at the captured end.
        let msg = parse(&r[..15], 0, r.len()).unwrap();
        assert_eq!(
            (msg.embedded, msg.checksum_status),
            (Some(8..15), ChecksumStatus::Unverified)
        );
        let t11 = with_checksum(vec![11, 0, 0, 0, 0, 0, 0, 0]);
        let msg = parse(&t11, 0, 8).unwrap();
        assert_eq!(
            (msg.embedded.clone(), msg.info(None)),
            (
                None,
                "Time-to-live exceeded (Time to live exceeded in transit)".to_string()
            )
        );
        let p = with_checksum(vec![12, 0, 0, 0, 20, 0, 0, 0, 1]);
        let msg = parse(&p, 0, p.len()).unwrap();
        assert_eq!(msg.pointer, Some(20));
        assert_eq!(msg.info(None), "Parameter problem    (Pointer indicates the error)");
        let u = with_checksum(vec![3, 16, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            parse(&u, 0, 8).unwrap().info(None),
            "Destination unreachable (Unknown code: 16)"
        );
    }

    #[test]
    fn bad_checksum_gives_the_right_value() {
        let good = echo(8, b"abcd");
        let mut bad = good.clone();
        bad[2] = 0x11;
        bad[3] = 0x11;
        let m = parse(&bad, 0, bad.len()).unwrap();
        assert_eq!(
            m.checksum_status,
            ChecksumStatus::Bad(u16::from_be_bytes([good[2], good[3]]))
        );
        let mut t = Tree::new();
        m.tree(&mut t, &bad);
        let e: Vec<_> = t.experts().map(|(_, e)| (e.code, e.severity)).collect();
        assert_eq!(e, vec![("icmp.checksum_bad", Severity::Warning)]);
        assert_eq!(values(&t, &bad, "icmp.checksum.status"), vec!["0"]);
    }

    #[test]
    fn timestamps_and_router_advertisements() {
        let mut m = vec![14, 0, 0, 0, 0x12, 0x34, 0, 1];
        for v in [59_999u32, 86_400_000, 3_661_001] {
            m.extend_from_slice(&v.to_be_bytes());
        }
        let m = with_checksum(m);
        let msg = parse(&m, 0, m.len()).unwrap();
        assert_eq!(msg.info(Some(64)), "Timestamp reply      id=0x1234, seq=1/256, ttl=64");
        let mut t = Tree::new();
        msg.tree_at(&mut t, &m, Some(1_001_000_000_000));
        let mut s = String::new();
        t.render_text(&mut s, &m);
        assert!(
            s.contains("    Originate Timestamp: 59999 (59.999 seconds after midnight UTC)\n"),
            "{s}"
        );
        assert!(
            s.contains("    Receive Timestamp: 86400000 (1 hour, 40 minutes, 39.045 seconds after midnight UTC)\n"),
            "{s}"
        );
        assert!(
            s.contains("    Transmit Timestamp: 3661001 (1 hour, 1 minute, 1.001 seconds after midnight UTC)\n"),
            "{s}"
        );
        // Values Wireshark showed for frames at 1025 s and 1000 s after midnight.
        assert_eq!(
            timestamp_text(1, 1_025_000),
            "1 (4 hours, 39 minutes, 37.216 seconds after midnight UTC)"
        );
        assert_eq!(timestamp_text(256, 1_000_000), "256 (0.256 seconds after midnight UTC)");
        assert_eq!(
            timestamp_text(u32::MAX, 0),
            "4294967295 (24 days, 20 hours, 31 minutes, 23.647 seconds after midnight UTC)"
        );
        assert_eq!(
            timestamp_text(0x7fff_ffff, 0),
            "2147483647 (24 days, 20 hours, 31 minutes, 23.519 seconds after midnight UTC)"
        );
        assert_eq!(timestamp_text(0, 5), "0 (0 seconds after midnight UTC)");
        assert_eq!(timestamp_text(3_600_000, 5), "3600000 (1 hour after midnight UTC)");

        let ra = with_checksum(vec![
            9, 0, 0, 0, 2, 2, 0, 61, 10, 0, 0, 1, 0, 0, 0, 5, 10, 0, 0, 2, 255, 255, 255, 255,
        ]);
        let msg = parse(&ra, 0, ra.len()).unwrap();
        assert_eq!(msg.info(None), "Mobile IP Advertisement (Normal router advertisement)");
        let mut t = Tree::new();
        msg.tree(&mut t, &ra);
        assert_eq!(values(&t, &ra, "icmp.router_address"), vec!["10.0.0.1", "10.0.0.2"]);
        assert_eq!(values(&t, &ra, "icmp.pref_level"), vec!["5", "-1"]);
        let mut s = String::new();
        t.render_text(&mut s, &ra);
        assert!(s.contains("    Lifetime: 61 (1 minute, 1 second)\n"), "{s}");
    }

    #[test]
    fn ping_timestamp_in_echo_data() {
        assert_eq!(absolute_time_text(0, 0), "Jan  1, 1970 00:00:00.000000000 UTC");
        assert_eq!(
            absolute_time_text(1_660_534_249, 0),
            "Aug 15, 2022 03:30:49.000000000 UTC"
        );
        assert_eq!(
            absolute_time_text(951_782_400, 5),
            "Feb 29, 2000 00:00:00.000000005 UTC"
        );
        // A Linux ping: little-endian seconds, then the data.
        let mut payload = 1_369_953_917u32.to_le_bytes().to_vec();
        payload.extend_from_slice(&283_108u32.to_le_bytes());
        payload.extend_from_slice(&[0x10, 0x11]);
        let m = echo(8, &payload);
        let msg = parse(&m, 0, m.len()).unwrap();
        let mut t = Tree::new();
        msg.tree_at(&mut t, &m, Some(1_369_953_917_283_187_000));
        let mut s = String::new();
        t.render_text(&mut s, &m);
        assert!(
            s.contains("    Timestamp from icmp data: May 30, 2013 22:45:17.283108000 UTC\n"),
            "{s}"
        );
        assert!(
            s.contains("    [Timestamp from icmp data (relative): 0.000079000 seconds]\n"),
            "{s}"
        );
        assert!(s.contains("    Data (2 bytes)\n"), "{s}");
        // Without the frame time (or a day later) the bytes are plain data.
        let mut t = Tree::new();
        msg.tree(&mut t, &m);
        assert_eq!(t.find("icmp.data_time").count(), 0);
        assert_eq!(values(&t, &m, "data.len"), vec!["10"]);
    }

    #[test]
    fn names() {
        let cases = [
            (10, 0, "Router solicitation "),
            (30, 0, "Traceroute          "),
            (99, 3, "Unknown ICMP (obsolete or malformed?)"),
            (9, 1, "Router advertisement (Unknown code: 1)"),
            (4, 0, "Source quench (flow control)"),
        ];
        for (typ, code, info) in cases {
            let m = with_checksum(vec![typ, code, 0, 0, 0, 0, 0, 0]);
            assert_eq!(parse(&m, 0, 8).unwrap().info(Some(1)), info);
        }
    }

    #[test]
    fn truncation_sweep() {
        let m = echo(8, b"abcdefgh");
        for n in 0..m.len() {
            match parse(&m[..n], 0, m.len()) {
                Err(e) => {
                    assert!(n < 8);
                    assert_eq!(e, DissectError::truncated(LAYER, 0, 8, n));
                }
                Ok(msg) => {
                    assert_eq!(msg.checksum_status, ChecksumStatus::Unverified);
                    let mut t = Tree::new();
                    msg.tree(&mut t, &m[..n]);
                }
            }
        }
        assert!(matches!(parse(&m, 0, 6).unwrap_err().kind, ErrorKind::Malformed(_)));
    }

    #[test]
    fn hostile_messages_never_panic() {
        let mut seed = 7u32;
        for _ in 0..3000 {
            let mut m = [0u8; 40];
            for b in m.iter_mut() {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = (seed >> 16) as u8;
            }
            m[0] = [0, 3, 5, 8, 9, 11, 12, 13, 17, 42][(seed % 10) as usize];
            let n = 8 + (seed as usize >> 5) % 33;
            let end = 8 + (seed as usize >> 9) % 60;
            if let Ok(msg) = parse(&m[..n], 0, end) {
                let mut t = Tree::new();
                msg.tree(&mut t, &m[..n]);
                let _ = msg.info(Some(1));
                let mut s = String::new();
                t.render_text(&mut s, &m[..n]);
            }
        }
    }
}
