//! IPv4 (RFC 791): the header, its checksum and its options.

use std::net::Ipv4Addr;
use std::ops::Range;

use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::{IResult, Parser};

use super::{dscp_short, dscp_text, ecn_name, ecn_short, group, ip_proto_name, plural, rest, slice, truncated};
use crate::error::{DissectError, Severity};
use crate::tree::{NodeId, Tree, Value, SKIPPED};
use crate::util::{self, ChecksumStatus};

pub const LAYER: &str = "IPv4";
/// Length of the header without options.
pub const MIN_HDR_LEN: usize = 20;

/// One option of the header as found by [`parse`]: its type byte and where
/// it lies (`off..off + len` in `data`, the type byte included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Option {
    pub kind: u8,
    pub off: usize,
    pub len: usize,
}

/// A parsed IPv4 header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    pub version: u8,
    pub ihl: u8,
    pub dscp: u8,
    pub ecn: u8,
    /// The Total Length field as sent (0 for TSO captures, see `tso`).
    pub total_len: u16,
    pub id: u16,
    /// The 3 flag bits: reserved, don't fragment, more fragments.
    pub flags: u8,
    /// In 8-byte units.
    pub frag_offset: u16,
    pub ttl: u8,
    pub proto: u8,
    pub checksum: u16,
    /// Good or Bad (with the right value). A caller that parsed a zero-padded
    /// copy of a cut header, or an invoking packet inside an ICMP error (which
    /// Wireshark does not verify), sets this to Unverified before `tree`.
    pub checksum_status: ChecksumStatus,
    pub src: Ipv4Addr,
    /// The destination field of the header.
    pub dst: Ipv4Addr,
    pub off: usize,
    pub hdr_len: usize,
    /// The payload in `data`: from `off + hdr_len` to the captured end or the
    /// end given by Total Length, whichever comes first.
    pub payload: Range<usize>,
    /// Total Length minus the header length: the payload as sent.
    pub wire_payload_len: usize,
    /// Bytes after the datagram (Ethernet padding or trailer); empty if none.
    pub trailer: Range<usize>,
    /// The options in order, up to the first EOL or malformed one.
    pub options: Vec<Ipv4Option>,
    /// With a loose or strict source route still to be followed, the last
    /// address of the route: Wireshark shows it as `ip.dst` and the header
    /// destination as `ip.cur_rt` ("Via").
    pub final_dst: Option<Ipv4Addr>,
    /// Total Length was 0 (TCP segmentation offload): the captured length was used.
    pub tso: bool,
}

/// Parses the IPv4 header at `off`.
///
/// Errors: fewer than 20 bytes or fewer than the header length captured
/// (Truncated, with need/have from `off`), version not 4, header length below
/// 20 bytes, or a non-zero Total Length below the header length (Malformed).
pub fn parse(data: &[u8], off: usize) -> Result<Ipv4, DissectError> {
    let input = rest(data, off);
    let fixed: IResult<&[u8], _> = (
        be_u8, be_u8, be_u16, be_u16, be_u16, be_u8, be_u8, be_u16, be_u32, be_u32,
    )
        .parse(input);
    let (_, (vihl, tos, total_len, id, flags_frag, ttl, proto, checksum, src, dst)) =
        fixed.map_err(|_| truncated(LAYER, data, off, MIN_HDR_LEN))?;
    let version = vihl >> 4;
    let ihl = vihl & 0x0f;
    if version != 4 {
        return Err(DissectError::malformed(LAYER, "bogus IP version (not 4)", off));
    }
    if ihl < 5 {
        return Err(DissectError::malformed(
            LAYER,
            "bogus IP header length (less than 20 bytes)",
            off,
        ));
    }
    let hdr_len = usize::from(ihl) * 4;
    let hdr = slice(data, off, hdr_len).ok_or_else(|| truncated(LAYER, data, off, hdr_len))?;
    let captured = data.len().saturating_sub(off);
    let tso = total_len == 0;
    let total = if tso {
        captured
    } else if usize::from(total_len) < hdr_len {
        return Err(DissectError::malformed(
            LAYER,
            "bogus IP length (less than the header length)",
            off.saturating_add(2),
        ));
    } else {
        usize::from(total_len)
    };

    // Verify the header checksum: the sum over the header, field included, is 0.
    let checksum_status = if util::checksum(hdr) == 0 {
        ChecksumStatus::Good
    } else {
        ChecksumStatus::Bad(header_checksum(hdr))
    };

    let pay_start = off.saturating_add(hdr_len);
    let end = off.saturating_add(total).min(data.len()).max(pay_start);
    let trailer = if data.len() > end { end..data.len() } else { end..end };
    let (options, final_dst) = scan_options(data, off.saturating_add(MIN_HDR_LEN), off.saturating_add(hdr_len));

    Ok(Ipv4 {
        version,
        ihl,
        dscp: tos >> 2,
        ecn: tos & 3,
        total_len,
        id,
        flags: (flags_frag >> 13) as u8,
        frag_offset: flags_frag & 0x1fff,
        ttl,
        proto,
        checksum,
        checksum_status,
        src: Ipv4Addr::from(src),
        dst: Ipv4Addr::from(dst),
        off,
        hdr_len,
        payload: pay_start..end,
        wire_payload_len: total.saturating_sub(hdr_len),
        trailer,
        options,
        final_dst,
        tso,
    })
}

/// The checksum the header should carry (computed with the field zeroed).
fn header_checksum(hdr: &[u8]) -> u16 {
    let mut buf = [0u8; 60];
    let n = hdr.len().min(60);
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), hdr.get(..n)) {
        dst.copy_from_slice(src);
    }
    if let Some(c) = buf.get_mut(10..12) {
        c.fill(0);
    }
    util::checksum(buf.get(..n).unwrap_or(&[]))
}

/// Walks the options between `start` and `end` the way [`Ipv4::tree`] does,
/// stopping at EOL or at the first option with a bad length.
fn scan_options(data: &[u8], start: usize, end: usize) -> (Vec<Ipv4Option>, Option<Ipv4Addr>) {
    let mut out = Vec::new();
    let mut final_dst = None;
    let mut p = start;
    while p < end {
        let Some(&kind) = data.get(p) else { break };
        if kind == OPT_EOL || kind == OPT_NOP {
            out.push(Ipv4Option { kind, off: p, len: 1 });
            if kind == OPT_EOL {
                break;
            }
            p = p.saturating_add(1);
            continue;
        }
        let len = match data.get(p.saturating_add(1)) {
            Some(&l) if p.saturating_add(1) < end => usize::from(l),
            _ => break,
        };
        if len < 2 || p.saturating_add(len) > end {
            break;
        }
        out.push(Ipv4Option { kind, off: p, len });
        if (kind == OPT_LSRR || kind == OPT_SSRR) && final_dst.is_none() {
            final_dst = route_destination(data, p, len);
        }
        p = p.saturating_add(len);
    }
    (out, final_dst)
}

/// For a source route option at `p`: the last address when the route is not
/// yet used up and the pointer is valid.
fn route_destination(data: &[u8], p: usize, len: usize) -> Option<Ipv4Addr> {
    let ptr = usize::from(*data.get(p.saturating_add(2))?);
    let n = len.checked_sub(3)? / 4;
    if ptr < 4 || (ptr - 4) % 4 != 0 || n == 0 || ptr.saturating_add(3) > len {
        return None;
    }
    util::ipv4_at(data, p.saturating_add(3).saturating_add(4 * (n - 1)))
}

const OPT_EOL: u8 = 0;
const OPT_NOP: u8 = 1;
const OPT_RR: u8 = 7;
const OPT_TS: u8 = 68;
const OPT_SEC: u8 = 130;
const OPT_LSRR: u8 = 131;
const OPT_SID: u8 = 136;
const OPT_SSRR: u8 = 137;
const OPT_MTU_PROBE: u8 = 11;
const OPT_MTU_REPLY: u8 = 12;
const OPT_TRACEROUTE: u8 = 82;
const OPT_RA: u8 = 148;
const OPT_SDB: u8 = 149;

/// How an option's length is checked.
#[derive(Clone, Copy)]
enum OptLen {
    Fixed(usize),
    Min(usize),
}

/// Known options: filter name of the option subtree, display name, length rule.
fn opt_info(kind: u8) -> Option<(&'static str, &'static str, OptLen)> {
    Some(match kind {
        OPT_SEC => ("ip.options.security", "Security", OptLen::Min(3)),
        OPT_LSRR => ("ip.options.route", "Loose Source Route", OptLen::Min(3)),
        OPT_TS => ("ip.options.timestamp", "Time Stamp", OptLen::Min(4)),
        133 => ("ip.options.ext_security", "Extended Security", OptLen::Min(3)),
        134 => ("ip.options.cipso", "Commercial Security", OptLen::Min(6)),
        OPT_RR => ("ip.options.record_route", "Record Route", OptLen::Min(3)),
        OPT_SID => ("ip.options.sid", "Stream ID", OptLen::Fixed(4)),
        OPT_SSRR => ("ip.options.source_route", "Strict Source Route", OptLen::Min(3)),
        OPT_MTU_PROBE => ("ip.options.mtu_probe", "MTU Probe", OptLen::Fixed(4)),
        OPT_MTU_REPLY => ("ip.options.mtu_reply", "MTU Reply", OptLen::Fixed(4)),
        OPT_TRACEROUTE => ("ip.options.traceroute", "Traceroute", OptLen::Fixed(12)),
        OPT_RA => ("ip.options.routeralert", "Router Alert", OptLen::Fixed(4)),
        OPT_SDB => ("ip.options.sdb", "Selective Directed Broadcast", OptLen::Min(2)),
        25 => ("ip.options.qs", "Quick-Start", OptLen::Fixed(8)),
        _ => return None,
    })
}

/// `ip.opt.type.number` names.
fn opt_number_name(n: u8) -> &'static str {
    match n {
        0 => "End of Option List (EOL)",
        1 => "No-Operation (NOP)",
        2 => "Security",
        3 => "Loose source route",
        4 => "Time stamp",
        5 => "Extended security",
        6 => "Commercial IP security option",
        7 => "Record route",
        8 => "Stream identifier",
        9 => "Strict source route",
        10 => "Experimental Measurement",
        11 => "MTU probe",
        12 => "MTU Reply",
        13 => "Experimental Flow Control",
        14 => "Experimental Access Control",
        15 => "Ask Estrin",
        16 => "IMI Traffic Descriptor",
        17 => "Extended Internet Protocol",
        18 => "Traceroute",
        19 => "Address Extension",
        20 => "Router Alert",
        21 => "Selective Directed Broadcast",
        22 => "Unassigned",
        23 => "Dynamic Packet State",
        24 => "Upstream Multicast Packet",
        25 => "Quick-Start",
        30 => "RFC 3692-style experiment",
        _ => "Unknown",
    }
}

fn opt_class_name(c: u8) -> &'static str {
    match c {
        0 => "Control",
        2 => "Debugging and measurement",
        _ => "Reserved for future use",
    }
}

fn flags_text(flags: u8) -> String {
    let mut s = format!("0x{flags:x}");
    for (bit, name) in [(4u8, "Reserved bit"), (2, "Don't fragment"), (1, "More fragments")] {
        if flags & bit != 0 {
            s.push_str(", ");
            s.push_str(name);
        }
    }
    s
}

/// Is `a` in 224.0.0.0/24, the Local Network Control Block?
fn is_lncb(a: Ipv4Addr) -> bool {
    let o = a.octets();
    o[0] == 224 && o[1] == 0 && o[2] == 0
}

impl Ipv4 {
    pub fn df(&self) -> bool {
        self.flags & 2 != 0
    }
    pub fn mf(&self) -> bool {
        self.flags & 1 != 0
    }
    /// More fragments set or a non-zero offset.
    pub fn is_fragment(&self) -> bool {
        self.mf() || self.frag_offset != 0
    }
    pub fn frag_byte_offset(&self) -> usize {
        usize::from(self.frag_offset) * 8
    }
    /// The destination Wireshark shows as `ip.dst` (the end of a source route if any).
    pub fn shown_dst(&self) -> Ipv4Addr {
        self.final_dst.unwrap_or(self.dst)
    }
    /// tshark's Info for a fragment it does not dissect further:
    /// `Fragmented IP protocol (proto=TCP 6, off=0, ID=4bc5)`.
    pub fn frag_info(&self) -> String {
        format!(
            "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
            ip_proto_name(self.proto),
            self.proto,
            self.frag_byte_offset(),
            self.id
        )
    }

    /// Adds the `ip` subtree (root text `Internet Protocol Version 4, Src: a, Dst: b`).
    pub fn tree(&self, t: &mut Tree, data: &[u8]) -> NodeId {
        let off = self.off;
        let at = |n: usize| off.saturating_add(n);
        let root = group(t, None, "ip", "Internet Protocol Version 4", off, self.hdr_len);
        t.bits(
            root,
            "ip.version",
            "Version",
            Value::UInt(u64::from(self.version)),
            8,
            0xf0,
            off,
            1,
        );
        let h = t.uint(root, "ip.hdr_len", "Header Length", self.hdr_len as u64, off, 1);
        t.set_text(h, format!("{} bytes ({})", self.hdr_len, self.ihl));

        let tos = (self.dscp << 2) | self.ecn;
        let ds = t.hex(
            root,
            "ip.dsfield",
            "Differentiated Services Field",
            u64::from(tos),
            2,
            at(1),
            1,
        );
        t.set_text(
            ds,
            format!(
                "0x{:02x} (DSCP: {}, ECN: {})",
                tos,
                dscp_short(self.dscp),
                ecn_short(self.ecn)
            ),
        );
        let d = t.bits(
            ds,
            "ip.dsfield.dscp",
            "Differentiated Services Codepoint",
            Value::UInt(u64::from(self.dscp)),
            8,
            0xfc,
            at(1),
            1,
        );
        t.set_text(d, dscp_text(self.dscp));
        let e = t.bits(
            ds,
            "ip.dsfield.ecn",
            "Explicit Congestion Notification",
            Value::UInt(u64::from(self.ecn)),
            8,
            0x03,
            at(1),
            1,
        );
        t.set_text(e, format!("{} ({})", ecn_name(self.ecn), self.ecn));

        if self.tso {
            let total = self.wire_payload_len.saturating_add(self.hdr_len);
            let l = t.uint(root, "ip.len", "Total Length", total as u64, at(2), 2);
            t.set_text(
                l,
                format!("{total} bytes (reported as 0, presumed to be because of \"TCP segmentation offload\" (TSO))"),
            );
            t.set_generated(l);
            t.expert(
                l,
                Severity::Note,
                "ip.bogus_ip_length",
                "Total Length is 0, presumed to be because of \"TCP segmentation offload\" (TSO); the captured length was used",
                at(2),
                2,
            );
        } else {
            t.uint(root, "ip.len", "Total Length", u64::from(self.total_len), at(2), 2);
        }
        let id = t.hex(root, "ip.id", "Identification", u64::from(self.id), 4, at(4), 2);
        t.set_text(id, format!("0x{:04x} ({})", self.id, self.id));

        let fl = t.bits(
            root,
            "ip.flags",
            "Flags",
            Value::UInt(u64::from(self.flags)),
            8,
            0xe0,
            at(6),
            1,
        );
        t.set_base(fl, crate::tree::Base::Hex(1));
        t.set_text(fl, flags_text(self.flags));
        t.bits(
            fl,
            "ip.flags.rb",
            "Reserved bit",
            Value::Bool(self.flags & 4 != 0),
            8,
            0x80,
            at(6),
            1,
        );
        t.bits(
            fl,
            "ip.flags.df",
            "Don't fragment",
            Value::Bool(self.df()),
            8,
            0x40,
            at(6),
            1,
        );
        t.bits(
            fl,
            "ip.flags.mf",
            "More fragments",
            Value::Bool(self.mf()),
            8,
            0x20,
            at(6),
            1,
        );
        let fo = t.bits(
            root,
            "ip.frag_offset",
            "Fragment Offset",
            Value::UInt(u64::from(self.frag_offset)),
            16,
            0x1fff,
            at(6),
            2,
        );
        t.set_text(fo, self.frag_byte_offset().to_string());

        let ttl = t.uint(root, "ip.ttl", "Time to Live", u64::from(self.ttl), at(8), 1);
        let shown_dst = self.shown_dst();
        if is_lncb(shown_dst) {
            if self.ttl != 1 && self.ttl != 255 {
                t.expert(
                    ttl,
                    Severity::Note,
                    "ip.ttl.lncb",
                    "\"Time To Live\" != 1 for a packet sent to the Local Network Control Block (see RFC 3171)",
                    at(8),
                    1,
                );
            }
        } else if !shown_dst.is_multicast() && self.ttl < 5 && self.proto != 103 {
            t.expert(
                ttl,
                Severity::Note,
                "ip.ttl.too_small",
                format!("\"Time To Live\" only {}", self.ttl),
                at(8),
                1,
            );
        }
        let pr = t.uint(root, "ip.proto", "Protocol", u64::from(self.proto), at(9), 1);
        t.set_text(pr, format!("{} ({})", ip_proto_name(self.proto), self.proto));

        let ck = t.hex(
            root,
            "ip.checksum",
            "Header Checksum",
            u64::from(self.checksum),
            4,
            at(10),
            2,
        );
        let calculated = match self.checksum_status {
            ChecksumStatus::Bad(should) => {
                t.set_text(
                    ck,
                    format!(
                        "0x{:04x} incorrect, should be 0x{:04x}(may be caused by \"IP checksum offload\"?)",
                        self.checksum, should
                    ),
                );
                t.expert(
                    ck,
                    Severity::Error,
                    "ip.checksum_bad.expert",
                    format!("Bad checksum [should be 0x{should:04x}]"),
                    at(10),
                    2,
                );
                Some(should)
            }
            ChecksumStatus::Good => {
                t.set_text(ck, format!("0x{:04x} [correct]", self.checksum));
                Some(self.checksum)
            }
            ChecksumStatus::Unverified => {
                t.set_text(ck, format!("0x{:04x} [validation disabled]", self.checksum));
                None
            }
        };
        let st = t.uint(
            root,
            "ip.checksum.status",
            "Header checksum status",
            self.checksum_status.code(),
            at(10),
            2,
        );
        t.set_text(st, self.checksum_status.label());
        t.set_generated(st);
        if let Some(c) = calculated {
            let cc = t.hex(
                root,
                "ip.checksum_calculated",
                "Calculated Checksum",
                u64::from(c),
                4,
                at(10),
                2,
            );
            t.set_generated(cc);
        }

        let src_node = t.add(Some(root), "ip.src", "Source Address", Value::Ipv4(self.src), at(12), 4);
        hidden(
            t,
            root,
            "ip.addr",
            "Source or Destination Address",
            Value::Ipv4(self.src),
            at(12),
        );
        hidden(
            t,
            root,
            "ip.src_host",
            "Source Host",
            Value::Str(self.src.to_string().into()),
            at(12),
        );
        hidden(
            t,
            root,
            "ip.host",
            "Source or Destination Host",
            Value::Str(self.src.to_string().into()),
            at(12),
        );
        let dst_node = if self.final_dst.is_some() {
            let n = t.add(
                Some(root),
                "ip.cur_rt",
                "Current Route",
                Value::Ipv4(self.dst),
                at(16),
                4,
            );
            hidden(
                t,
                root,
                "ip.cur_rt_host",
                "Current Route Host",
                Value::Str(self.dst.to_string().into()),
                at(16),
            );
            n
        } else {
            add_dst(t, root, self.dst, at(16))
        };
        if src_node != SKIPPED && dst_node != SKIPPED {
            // Like Wireshark, name the addresses only when they were captured.
            let title = match self.final_dst {
                Some(f) => format!(
                    "Internet Protocol Version 4, Src: {}, Dst: {}, Via: {}",
                    self.src, f, self.dst
                ),
                None => format!("Internet Protocol Version 4, Src: {}, Dst: {}", self.src, self.dst),
            };
            t.set_text(root, title);
        }
        if self.hdr_len > MIN_HDR_LEN {
            self.options_tree(t, root, data);
        }
        root
    }

    /// Wireshark's check of Total Length against the frame as sent: `wire_end`
    /// is where the frame ends on the wire, in `data` offsets (from the
    /// record's original length). Only the caller can tell a bogus length
    /// from a capture cut by the snap length, so this is a separate step:
    /// it adds the `ip.bogus_ip_length` Error under `ip.len` and says whether it did.
    pub fn check_wire_len(&self, t: &mut Tree, root: NodeId, wire_end: usize) -> bool {
        let total = if self.tso {
            return false;
        } else {
            usize::from(self.total_len)
        };
        if self.off.saturating_add(total) <= wire_end {
            return false;
        }
        let Some(len_node) = t.children(root).find(|(_, n)| n.name == "ip.len").map(|(id, _)| id) else {
            return false;
        };
        let have = wire_end.saturating_sub(self.off);
        t.expert(
            len_node,
            Severity::Error,
            "ip.bogus_ip_length",
            format!("IPv4 total length exceeds packet length ({have} bytes)"),
            self.off.saturating_add(2),
            2,
        );
        true
    }

    fn options_tree(&self, t: &mut Tree, root: NodeId, data: &[u8]) {
        let start = self.off.saturating_add(MIN_HDR_LEN);
        let end = self.off.saturating_add(self.hdr_len);
        let opts = group(t, Some(root), "", "Options", start, end - start);
        let mut names: Vec<&'static str> = Vec::new();
        let mut p = start;
        let mut nops = 0u32;
        while p < end {
            let Some(&kind) = data.get(p) else { break };
            if kind == OPT_NOP {
                nops += 1;
                if nops == 4 {
                    t.expert(
                        opts,
                        Severity::Warning,
                        "ip.nop",
                        "4 NOP in a row - a router may have removed some options",
                        p,
                        1,
                    );
                }
            } else {
                nops = 0;
            }
            if kind == OPT_EOL || kind == OPT_NOP {
                let (name, text) = if kind == OPT_EOL {
                    ("ip.options.eol", "IP Option - End of Options List (EOL)")
                } else {
                    ("ip.options.nop", "IP Option - No-Operation (NOP)")
                };
                let o = t.text(Some(opts), name, text, p, 1);
                opt_type(t, o, kind, p);
                if kind == OPT_EOL {
                    break;
                }
                p = p.saturating_add(1);
                continue;
            }
            let info = opt_info(kind);
            let label = match info {
                Some((_, n, _)) => n.to_string(),
                None => format!("Unknown (0x{kind:02x})"),
            };
            let len_at = p.saturating_add(1);
            let len = match data.get(len_at) {
                Some(&l) if len_at < end => usize::from(l),
                _ => {
                    bad_len(
                        t,
                        opts,
                        format!("{label} (length byte past end of options)"),
                        p,
                        end - p,
                    );
                    break;
                }
            };
            if len < 2 {
                bad_len(
                    t,
                    opts,
                    format!("{label} (with too-short option length = {len} byte{})", plural(len)),
                    p,
                    2,
                );
                break;
            }
            if p.saturating_add(len) > end {
                bad_len(
                    t,
                    opts,
                    format!("{label} (option length = {len} bytes says option goes past end of options)"),
                    p,
                    end - p,
                );
                break;
            }
            let Some((filter, name, rule)) = info else {
                let o = group(
                    t,
                    Some(opts),
                    "",
                    format!("Unknown (0x{kind:02x}) ({len} bytes)"),
                    p,
                    len,
                );
                opt_type(t, o, kind, p);
                t.uint(o, "ip.opt.len", "Length", len as u64, len_at, 1);
                p = p.saturating_add(len);
                continue;
            };
            let o = group(
                t,
                Some(opts),
                filter,
                format!("IP Option - {name} ({len} bytes)"),
                p,
                len,
            );
            opt_type(t, o, kind, p);
            let ln = t.uint(o, "ip.opt.len", "Length", len as u64, len_at, 1);
            let ok = match rule {
                OptLen::Fixed(n) if len != n => {
                    let msg = format!("{name} (with option length = {len} byte{}; should be {n})", plural(len));
                    t.expert(ln, Severity::Warning, "ip.opt.len.invalid", msg, len_at, 1);
                    false
                }
                OptLen::Min(n) if len < n => {
                    let msg = format!("{name} (with too-short option length = {len} byte{})", plural(len));
                    t.expert(ln, Severity::Warning, "ip.opt.len.invalid", msg, len_at, 1);
                    false
                }
                _ => true,
            };
            if !ok {
                // Like Wireshark, stop at an option whose length is wrong.
                break;
            }
            names.push(name);
            self.option_body(t, o, data, kind, p, len);
            p = p.saturating_add(len);
        }
        let mut text = format!("Options: ({} bytes)", end - start);
        for n in names {
            text.push_str(", ");
            text.push_str(n);
        }
        t.set_text(opts, text);
    }

    /// The typed contents of a known option whose length is right.
    fn option_body(&self, t: &mut Tree, o: NodeId, data: &[u8], kind: u8, p: usize, len: usize) {
        let at = |n: usize| p.saturating_add(n);
        let u8_at = |n: usize| data.get(at(n)).copied().unwrap_or(0);
        let u16_at = |n: usize| util::be16(data, at(n)).unwrap_or(0);
        match kind {
            OPT_RR | OPT_LSRR | OPT_SSRR => route_option(t, o, data, kind, p, len),
            OPT_TS => timestamp_option(t, o, data, p, len),
            OPT_RA => {
                let v = u16_at(2);
                let vt = format!(
                    "{} ({v})",
                    if v == 0 {
                        "Router shall examine packet"
                    } else {
                        "Reserved"
                    }
                );
                let n = t.uint(o, "ip.opt.ra", "Router Alert", u64::from(v), at(2), 2);
                t.set_text(n, vt.clone());
                t.set_text(o, format!("IP Option - Router Alert ({len} bytes): {vt}"));
            }
            OPT_SID => {
                t.uint(o, "ip.opt.sid", "Stream Identifier", u64::from(u16_at(2)), at(2), 2);
            }
            OPT_MTU_PROBE | OPT_MTU_REPLY => {
                t.uint(o, "ip.opt.mtu", "MTU", u64::from(u16_at(2)), at(2), 2);
            }
            OPT_TRACEROUTE => {
                t.uint(o, "ip.opt.id_number", "ID Number", u64::from(u16_at(2)), at(2), 2);
                t.uint(o, "ip.opt.ohc", "Outbound Hop Count", u64::from(u16_at(4)), at(4), 2);
                t.uint(o, "ip.opt.rhc", "Return Hop Count", u64::from(u16_at(6)), at(6), 2);
                let a = util::ipv4_at(data, at(8)).unwrap_or(Ipv4Addr::UNSPECIFIED);
                t.add(
                    Some(o),
                    "ip.opt.originator",
                    "Originator IP Address",
                    Value::Ipv4(a),
                    at(8),
                    4,
                );
            }
            OPT_SDB => {
                let mut q = 2usize;
                while q.saturating_add(4) <= len {
                    let a = util::ipv4_at(data, at(q)).unwrap_or(Ipv4Addr::UNSPECIFIED);
                    t.add(Some(o), "ip.opt.addr", "IP Address", Value::Ipv4(a), at(q), 4);
                    q += 4;
                }
            }
            OPT_SEC if len == 11 => {
                let sec = u16_at(2);
                let n = t.hex(o, "ip.opt.sec_rfc791_sec", "Security", u64::from(sec), 4, at(2), 2);
                t.set_text(n, format!("{} (0x{sec:04x})", sec791_name(sec)));
                t.uint(
                    o,
                    "ip.opt.sec_rfc791_comp",
                    "Compartments",
                    u64::from(u16_at(4)),
                    at(4),
                    2,
                );
                let hr = c_string(data.get(at(6)..at(8)).unwrap_or(&[]));
                t.string(o, "ip.opt.sec_rfc791_hr", "Handling Restrictions", hr, at(6), 2);
                let tcc = c_string(data.get(at(8)..at(11)).unwrap_or(&[]));
                t.string(o, "ip.opt.sec_rfc791_tcc", "Transmission Control Code", tcc, at(8), 3);
            }
            OPT_SEC => {
                let cl = u8_at(2);
                let n = t.hex(o, "ip.opt.sec_cl", "Classification Level", u64::from(cl), 2, at(2), 1);
                t.set_text(n, format!("{} (0x{cl:02x})", sec1108_name(cl)));
                if len >= 4 {
                    prot_auth_flags(t, o, u8_at(3), at(3));
                }
            }
            _ => {}
        }
    }
}

fn hidden(t: &mut Tree, parent: NodeId, name: &'static str, label: &'static str, v: Value, off: usize) {
    let n = t.add(Some(parent), name, label, v, off, 4);
    t.set_hidden(n);
}

fn add_dst(t: &mut Tree, parent: NodeId, a: Ipv4Addr, off: usize) -> NodeId {
    let n = t.add(Some(parent), "ip.dst", "Destination Address", Value::Ipv4(a), off, 4);
    hidden(
        t,
        parent,
        "ip.addr",
        "Source or Destination Address",
        Value::Ipv4(a),
        off,
    );
    hidden(
        t,
        parent,
        "ip.dst_host",
        "Destination Host",
        Value::Str(a.to_string().into()),
        off,
    );
    hidden(
        t,
        parent,
        "ip.host",
        "Source or Destination Host",
        Value::Str(a.to_string().into()),
        off,
    );
    n
}

/// `Type: 148` with its copy / class / number bits.
fn opt_type(t: &mut Tree, parent: NodeId, kind: u8, p: usize) {
    let ty = t.uint(parent, "ip.opt.type", "Type", u64::from(kind), p, 1);
    let copy = kind & 0x80 != 0;
    let c = t.bits(
        ty,
        "ip.opt.type.copy",
        "Copy on fragmentation",
        Value::Bool(copy),
        8,
        0x80,
        p,
        1,
    );
    t.set_text(c, if copy { "Yes" } else { "No" });
    let class = (kind >> 5) & 3;
    let c = t.bits(
        ty,
        "ip.opt.type.class",
        "Class",
        Value::UInt(u64::from(class)),
        8,
        0x60,
        p,
        1,
    );
    t.set_text(c, format!("{} ({class})", opt_class_name(class)));
    let num = kind & 0x1f;
    let c = t.bits(
        ty,
        "ip.opt.type.number",
        "Number",
        Value::UInt(u64::from(num)),
        8,
        0x1f,
        p,
        1,
    );
    t.set_text(c, format!("{} ({num})", opt_number_name(num)));
}

/// A text line for a malformed option with its `ip.opt.len.invalid` expert.
fn bad_len(t: &mut Tree, parent: NodeId, msg: String, off: usize, len: usize) {
    let x = t.text(Some(parent), "", msg.clone(), off, len);
    t.expert(x, Severity::Warning, "ip.opt.len.invalid", msg, off, len);
}

/// Record Route, Loose and Strict Source Route.
fn route_option(t: &mut Tree, o: NodeId, data: &[u8], kind: u8, p: usize, len: usize) {
    let ptr_at = p.saturating_add(2);
    let ptr = usize::from(data.get(ptr_at).copied().unwrap_or(0));
    let pn = t.uint(o, "ip.opt.ptr", "Pointer", ptr as u64, ptr_at, 1);
    if ptr < 4 {
        t.expert(
            pn,
            Severity::Warning,
            "ip.opt.ptr.before_address",
            "Pointer points before first address",
            ptr_at,
            1,
        );
        return;
    }
    if (ptr - 4) % 4 != 0 {
        t.expert(
            pn,
            Severity::Warning,
            "ip.opt.ptr.middle_address",
            "Pointer points to middle of address",
            ptr_at,
            1,
        );
        return;
    }
    let room = len.saturating_sub(3);
    if !room.is_multiple_of(4) {
        t.expert(
            pn,
            Severity::Warning,
            "ip.subopt_too_long",
            "Suboption would go past end of option",
            ptr_at,
            1,
        );
    }
    let n = room / 4;
    let pending = ptr.saturating_add(3) <= len;
    for i in 0..n {
        let a_off = p.saturating_add(3 + 4 * i);
        let a = util::ipv4_at(data, a_off).unwrap_or(Ipv4Addr::UNSPECIFIED);
        let pos = 4 + 4 * i;
        let host = Value::Str(a.to_string().into());
        if kind != OPT_RR && i + 1 == n && pending {
            add_dst(t, o, a, a_off);
            continue;
        }
        let (name, label, hname, hlabel) = if pos < ptr {
            ("ip.rec_rt", "Recorded Route", "ip.rec_rt_host", "Recorded Route Host")
        } else if kind == OPT_RR {
            ("ip.empty_rt", "Empty Route", "ip.empty_rt_host", "Empty Route Host")
        } else {
            ("ip.src_rt", "Source Route", "ip.src_rt_host", "Source Route Host")
        };
        let node = t.add(Some(o), name, label, Value::Ipv4(a), a_off, 4);
        if pos == ptr {
            t.set_text(node, format!("{a} <- (next)"));
        }
        hidden(t, o, hname, hlabel, host, a_off);
    }
}

fn timestamp_option(t: &mut Tree, o: NodeId, data: &[u8], p: usize, len: usize) {
    let ptr_at = p.saturating_add(2);
    t.uint(
        o,
        "ip.opt.ptr",
        "Pointer",
        u64::from(data.get(ptr_at).copied().unwrap_or(0)),
        ptr_at,
        1,
    );
    let fl_at = p.saturating_add(3);
    let b = data.get(fl_at).copied().unwrap_or(0);
    t.bits(
        o,
        "ip.opt.overflow",
        "Overflow",
        Value::UInt(u64::from(b >> 4)),
        8,
        0xf0,
        fl_at,
        1,
    );
    let flag = b & 0x0f;
    let f = t.bits(
        o,
        "ip.opt.flag",
        "Flag",
        Value::UInt(u64::from(flag)),
        8,
        0x0f,
        fl_at,
        1,
    );
    let fname = match flag {
        0 => "Time stamps only",
        1 => "Time stamp and address",
        3 => "Time stamps for prespecified addresses",
        _ => "Unknown",
    };
    t.set_text(f, format!("{fname} (0x{flag:x})"));
    let with_addr = flag == 1 || flag == 3;
    let step = if with_addr { 8 } else { 4 };
    let mut q = 4usize;
    while q.saturating_add(step) <= len {
        let e = p.saturating_add(q);
        if with_addr {
            let a = util::ipv4_at(data, e).unwrap_or(Ipv4Addr::UNSPECIFIED);
            t.add(Some(o), "ip.opt.time_stamp_addr", "Address", Value::Ipv4(a), e, 4);
        }
        let ts_at = e.saturating_add(step - 4);
        t.uint(
            o,
            "ip.opt.time_stamp",
            "Time stamp",
            u64::from(util::be32(data, ts_at).unwrap_or(0)),
            ts_at,
            4,
        );
        q += step;
    }
    if q < len {
        let e = p.saturating_add(q);
        let x = t.text(Some(o), "", "Suboption would go past end of option", e, len - q);
        t.expert(
            x,
            Severity::Warning,
            "ip.subopt_too_long",
            "Suboption would go past end of option",
            e,
            len - q,
        );
    }
}

fn sec791_name(v: u16) -> &'static str {
    match v {
        0x0000 => "Unclassified",
        0xf135 => "Confidential",
        0x789a => "EFTO",
        0xbc4d => "MMMM",
        0x5e26 => "PROG",
        0xaf13 => "Restricted",
        0xd788 => "Secret",
        0x6bc5 => "Top secret",
        _ => "Reserved",
    }
}

fn sec1108_name(v: u8) -> &'static str {
    match v {
        0x01 => "Reserved 4",
        0x3d => "Top secret",
        0x5a => "Secret",
        0x96 => "Confidential",
        0x66 => "Reserved 3",
        0xcc => "Reserved 2",
        0xab => "Unclassified",
        0xf1 => "Reserved 1",
        _ => "Unknown",
    }
}

fn prot_auth_flags(t: &mut Tree, o: NodeId, b: u8, at: usize) {
    const BITS: [(&str, &str, u8); 5] = [
        ("ip.opt.sec_prot_auth_genser", "GENSER", 0x80),
        ("ip.opt.sec_prot_auth_siop_esi", "SIOP-ESI", 0x40),
        ("ip.opt.sec_prot_auth_sci", "SCI", 0x20),
        ("ip.opt.sec_prot_auth_nsa", "NSA", 0x10),
        ("ip.opt.sec_prot_auth_doe", "DOE", 0x08),
    ];
    let f = t.hex(
        o,
        "ip.opt.sec_prot_auth_flags",
        "Protection Authority Flags",
        u64::from(b),
        2,
        at,
        1,
    );
    let mut text = format!("0x{b:02x}");
    for (_, label, m) in BITS {
        if b & m != 0 {
            text.push_str(", ");
            text.push_str(label);
        }
    }
    t.set_text(f, text);
    for (name, label, m) in BITS {
        let set = b & m != 0;
        let n = t.bits(f, name, label, Value::Bool(set), 8, u64::from(m), at, 1);
        t.set_text(
            n,
            if set {
                "Datagram protected in accordance with its rules"
            } else {
                "Datagram not protected in accordance with its rules"
            },
        );
    }
    let u = t.bits(
        f,
        "ip.opt.sec_prot_auth_unassigned",
        "Unassigned",
        Value::UInt(u64::from((b >> 1) & 3)),
        8,
        0x06,
        at,
        1,
    );
    t.set_text(u, format!("0x{:x}", (b >> 1) & 3));
    let fti = b & 1 != 0;
    let n = t.bits(
        f,
        "ip.opt.sec_prot_auth_fti",
        "Field Termination Indicator",
        Value::Bool(fti),
        8,
        0x01,
        at,
        1,
    );
    t.set_text(n, if fti { "Additional octet follows" } else { "Final octet" });
}

/// Text up to the first NUL, with invalid UTF-8 replaced.
fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// A 20-byte header built by etherparse, followed by `payload`.
    fn packet(payload: &[u8], f: impl FnOnce(&mut etherparse::Ipv4Header)) -> Vec<u8> {
        let mut h = etherparse::Ipv4Header::new(
            payload.len() as u16,
            64,
            etherparse::IpNumber::UDP,
            [192, 168, 0, 1],
            [10, 0, 0, 2],
        )
        .unwrap();
        h.identification = 0x1234;
        f(&mut h);
        h.header_checksum = h.calc_header_checksum();
        let mut v = h.to_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    fn with_options(opts: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut h = etherparse::Ipv4Header::new(
            payload.len() as u16,
            64,
            etherparse::IpNumber::ICMP,
            [10, 0, 0, 1],
            [10, 0, 0, 2],
        )
        .unwrap();
        h.options = opts.try_into().unwrap();
        h.total_len = (h.header_len() + payload.len()) as u16;
        h.header_checksum = h.calc_header_checksum();
        let mut v = h.to_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    fn values(t: &Tree, data: &[u8], name: &str) -> Vec<String> {
        t.find(name).map(|(id, _)| t.field_string(id, data)).collect()
    }

    #[test]
    fn parses_a_plain_header() {
        let mut data = vec![0xaa; 3];
        data.extend(packet(b"hello", |h| {
            h.dont_fragment = true;
            h.dscp = etherparse::IpDscp::try_new(46).unwrap();
            h.ecn = etherparse::IpEcn::try_new(2).unwrap();
        }));
        data.extend_from_slice(&[0, 0, 0]);
        let ip = parse(&data, 3).unwrap();
        assert_eq!((ip.version, ip.ihl, ip.hdr_len, ip.total_len), (4, 5, 20, 25));
        assert_eq!((ip.dscp, ip.ecn, ip.id, ip.ttl, ip.proto), (46, 2, 0x1234, 64, 17));
        assert!(ip.df() && !ip.mf() && !ip.is_fragment());
        assert_eq!(ip.checksum_status, ChecksumStatus::Good);
        assert_eq!(ip.src, Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(ip.payload, 23..28);
        assert_eq!(ip.wire_payload_len, 5);
        assert_eq!(ip.trailer, 28..31);
        assert!(ip.options.is_empty());
    }

    #[test]
    fn truncation_sweep() {
        let data = with_options(&[7, 7, 4, 0, 0, 0, 0, 1], b"abcd");
        for n in 0..data.len() {
            let r = parse(&data[..n], 0);
            if n < 20 {
                assert_eq!(r, Err(DissectError::truncated(LAYER, 0, 20, n)), "prefix {n}");
            } else if n < 28 {
                assert_eq!(r, Err(DissectError::truncated(LAYER, 0, 28, n)), "prefix {n}");
            } else {
                let ip = r.unwrap();
                assert_eq!(ip.payload, 28..n);
                assert_eq!(ip.wire_payload_len, 4);
                let mut t = Tree::new();
                ip.tree(&mut t, &data[..n]);
            }
        }
        // Offsets are absolute: truncation at an offset reports from there.
        assert_eq!(parse(&data[..30], 14), Err(DissectError::truncated(LAYER, 14, 20, 16)));
        assert_eq!(parse(&data, 100), Err(DissectError::truncated(LAYER, 100, 20, 0)));
    }

    #[test]
    fn zero_padded_header_builds_a_clipped_tree() {
        // The caller's way with a cut header: parse a padded copy, clip the tree.
        let data = packet(b"", |_| {});
        let mut padded = data[..11].to_vec();
        padded.resize(20, 0);
        let ip = parse(&padded, 0).unwrap();
        let mut t = Tree::new();
        t.set_clip(Some((0, 11)));
        ip.tree(&mut t, &padded);
        t.set_clip(None);
        assert_eq!(values(&t, &padded, "ip.ttl"), vec!["64"]);
        assert_eq!(
            t.roots().next().unwrap().1.text.as_deref(),
            Some("Internet Protocol Version 4")
        );
        assert!(values(&t, &padded, "ip.src").is_empty());
        assert!(values(&t, &padded, "ip.checksum").is_empty());
    }

    #[test]
    fn malformed_headers() {
        let mut d = packet(b"x", |_| {});
        d[0] = 0x65;
        assert!(matches!(parse(&d, 0).unwrap_err().kind, ErrorKind::Malformed(_)));
        d[0] = 0x44;
        assert!(matches!(parse(&d, 0).unwrap_err().kind, ErrorKind::Malformed(_)));
        let mut d = packet(b"x", |_| {});
        d[2..4].copy_from_slice(&10u16.to_be_bytes());
        let e = parse(&d, 0).unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            (ErrorKind::Malformed("bogus IP length (less than the header length)"), 2)
        );
    }

    #[test]
    fn bad_checksum_is_flagged_with_the_expected_value() {
        let mut d = packet(b"x", |_| {});
        let good = u16::from_be_bytes([d[10], d[11]]);
        d[10] ^= 0xff;
        let ip = parse(&d, 0).unwrap();
        assert_eq!(ip.checksum_status, ChecksumStatus::Bad(good));
        let mut t = Tree::new();
        ip.tree(&mut t, &d);
        let e: Vec<_> = t.experts().map(|(_, e)| (e.code, e.severity)).collect();
        assert_eq!(e, vec![("ip.checksum_bad.expert", Severity::Error)]);
        assert_eq!(values(&t, &d, "ip.checksum.status"), vec!["0"]);
        assert_eq!(values(&t, &d, "ip.checksum_calculated"), vec![good.to_string()]);
    }

    #[test]
    fn tso_and_snap_length() {
        let mut d = packet(b"abcdef", |_| {});
        d[2] = 0;
        d[3] = 0;
        let ck = util::checksum(&{
            let mut h = d[..20].to_vec();
            h[10] = 0;
            h[11] = 0;
            h
        });
        d[10..12].copy_from_slice(&ck.to_be_bytes());
        let ip = parse(&d, 0).unwrap();
        assert!(ip.tso);
        assert_eq!((ip.payload.clone(), ip.wire_payload_len), (20..26, 6));
        let mut t = Tree::new();
        ip.tree(&mut t, &d);
        assert_eq!(values(&t, &d, "ip.len"), vec!["26"]);
        assert!(t.experts().any(|(_, e)| e.severity == Severity::Note));

        // Total Length beyond the capture: the payload stops at the capture.
        let d = packet(&[7; 100], |_| {});
        let ip = parse(&d[..40], 0).unwrap();
        assert_eq!(
            (ip.payload.clone(), ip.wire_payload_len, ip.trailer.clone()),
            (20..40, 100, 40..40)
        );
        // A snap length is no error; a frame shorter on the wire than Total Length is.
        let mut t = Tree::new();
        let root = ip.tree(&mut t, &d[..40]);
        assert!(!ip.check_wire_len(&mut t, root, 120));
        assert!(ip.check_wire_len(&mut t, root, 36));
        let e: Vec<_> = t.experts().map(|(_, e)| e.msg.clone()).collect();
        assert_eq!(
            e,
            vec!["IPv4 total length exceeds packet length (36 bytes)".to_string()]
        );
    }

    #[test]
    fn tree_has_wireshark_names_values_and_spans() {
        let d = packet(b"abc", |h| {
            h.more_fragments = true;
            h.dont_fragment = false;
            h.fragment_offset = etherparse::IpFragOffset::try_new(100).unwrap();
        });
        let ip = parse(&d, 0).unwrap();
        assert!(ip.is_fragment());
        assert_eq!(ip.frag_byte_offset(), 800);
        assert_eq!(
            ip.frag_info(),
            "Fragmented IP protocol (proto=UDP 17, off=800, ID=1234)"
        );
        let mut t = Tree::new();
        let root = ip.tree(&mut t, &d);
        let r = t.node(root).unwrap();
        assert_eq!(
            r.text.as_deref(),
            Some("Internet Protocol Version 4, Src: 192.168.0.1, Dst: 10.0.0.2")
        );
        assert_eq!(r.span(), 0..20);
        let want = [
            ("ip.version", "4", 0..1),
            ("ip.hdr_len", "20", 0..1),
            ("ip.dsfield", "0", 1..2),
            ("ip.len", "23", 2..4),
            ("ip.id", "4660", 4..6),
            ("ip.flags", "1", 6..7),
            ("ip.flags.mf", "1", 6..7),
            ("ip.flags.df", "0", 6..7),
            ("ip.frag_offset", "100", 6..8),
            ("ip.ttl", "64", 8..9),
            ("ip.proto", "17", 9..10),
            ("ip.checksum.status", "1", 10..12),
            ("ip.src", "192.168.0.1", 12..16),
            ("ip.dst", "10.0.0.2", 16..20),
            ("ip.src_host", "192.168.0.1", 12..16),
        ];
        for (name, v, span) in want {
            let (id, n) = t.find(name).next().unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(t.field_string(id, &d), v, "{name}");
            assert_eq!(n.span(), span, "{name}");
        }
        assert_eq!(values(&t, &d, "ip.addr"), vec!["192.168.0.1", "10.0.0.2"]);
        assert_eq!(values(&t, &d, "ip.host"), vec!["192.168.0.1", "10.0.0.2"]);
        let mut text = String::new();
        t.render_text(&mut text, &d);
        assert!(text.contains("    001. .... = Flags: 0x1, More fragments\n"), "{text}");
        assert!(
            text.contains("    ...0 0000 0110 0100 = Fragment Offset: 800\n"),
            "{text}"
        );
        assert!(text.contains("    Identification: 0x1234 (4660)\n"), "{text}");
        assert!(text.contains("    Protocol: UDP (17)\n"), "{text}");
        assert!(!text.contains("Source Host"));
    }

    #[test]
    fn record_route_and_router_alert() {
        let opts = [7, 11, 8, 1, 2, 3, 4, 0, 0, 0, 0, 1, 148, 4, 0, 0, 0, 0, 0, 0];
        let d = with_options(&opts, b"");
        let ip = parse(&d, 0).unwrap();
        assert_eq!(
            ip.options.iter().map(|o| (o.kind, o.len)).collect::<Vec<_>>(),
            vec![(7, 11), (1, 1), (148, 4), (0, 1)]
        );
        let mut t = Tree::new();
        ip.tree(&mut t, &d);
        assert_eq!(values(&t, &d, "ip.rec_rt"), vec!["1.2.3.4"]);
        assert_eq!(values(&t, &d, "ip.empty_rt"), vec!["0.0.0.0"]);
        assert_eq!(values(&t, &d, "ip.opt.ra"), vec!["0"]);
        assert_eq!(values(&t, &d, "ip.opt.type"), vec!["7", "1", "148", "0"]);
        assert_eq!(values(&t, &d, "ip.opt.type.copy"), vec!["0", "0", "1", "0"]);
        let mut text = String::new();
        t.render_text(&mut text, &d);
        assert!(
            text.contains("    Options: (20 bytes), Record Route, Router Alert\n"),
            "{text}"
        );
        assert!(
            text.contains("        IP Option - Router Alert (4 bytes): Router shall examine packet (0)\n"),
            "{text}"
        );
        assert!(text.contains("            Empty Route: 0.0.0.0 <- (next)\n"), "{text}");
        assert!(
            text.contains("                ...1 0100 = Number: Router Alert (20)\n"),
            "{text}"
        );
        assert_eq!(t.find("ip.options.routeralert").next().unwrap().1.span(), 32..36);
    }

    #[test]
    fn source_route_moves_the_destination() {
        let opts = [131, 11, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0];
        let d = with_options(&opts, b"");
        let ip = parse(&d, 0).unwrap();
        assert_eq!(ip.final_dst, Some(Ipv4Addr::new(5, 6, 7, 8)));
        let mut t = Tree::new();
        let root = ip.tree(&mut t, &d);
        assert_eq!(
            t.node(root).unwrap().text.as_deref(),
            Some("Internet Protocol Version 4, Src: 10.0.0.1, Dst: 5.6.7.8, Via: 10.0.0.2")
        );
        assert_eq!(values(&t, &d, "ip.dst"), vec!["5.6.7.8"]);
        assert_eq!(values(&t, &d, "ip.cur_rt"), vec!["10.0.0.2"]);
        assert_eq!(values(&t, &d, "ip.addr"), vec!["10.0.0.1", "5.6.7.8"]);
        // A used-up route leaves the destination alone.
        let d = with_options(&[131, 7, 8, 1, 2, 3, 4, 0], b"");
        assert_eq!(parse(&d, 0).unwrap().final_dst, None);
    }

    #[test]
    fn timestamp_option() {
        let d = with_options(&[68, 12, 13, 1, 1, 2, 3, 4, 0, 0, 0, 2], b"");
        let ip = parse(&d, 0).unwrap();
        let mut t = Tree::new();
        ip.tree(&mut t, &d);
        assert_eq!(values(&t, &d, "ip.opt.flag"), vec!["1"]);
        assert_eq!(values(&t, &d, "ip.opt.time_stamp_addr"), vec!["1.2.3.4"]);
        assert_eq!(values(&t, &d, "ip.opt.time_stamp"), vec!["2"]);
        assert_eq!(values(&t, &d, "ip.opt.ptr"), vec!["13"]);
    }

    #[test]
    fn bad_option_lengths_are_experts() {
        let cases: [(&[u8], &str); 5] = [
            (
                &[0x99, 1, 0, 0],
                "Unknown (0x99) (with too-short option length = 1 byte)",
            ),
            (&[1, 1, 1, 0x99], "Unknown (0x99) (length byte past end of options)"),
            (
                &[7, 40, 4, 0],
                "Record Route (option length = 40 bytes says option goes past end of options)",
            ),
            (
                &[148, 3, 0, 1],
                "Router Alert (with option length = 3 bytes; should be 4)",
            ),
            (&[1, 1, 1, 1], "4 NOP in a row - a router may have removed some options"),
        ];
        for (opts, msg) in cases {
            let d = with_options(opts, b"");
            let ip = parse(&d, 0).unwrap();
            let mut t = Tree::new();
            ip.tree(&mut t, &d);
            let e: Vec<String> = t.experts().map(|(_, e)| e.msg.clone()).collect();
            assert_eq!(e, vec![msg.to_string()], "{opts:?}");
        }
    }

    #[test]
    fn hostile_options_never_panic() {
        let mut seed = 0x1234_5678u32;
        for _ in 0..2000 {
            let mut opts = [0u8; 40];
            for b in opts.iter_mut() {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = (seed >> 16) as u8;
            }
            let n = (seed as usize % 10 + 1) * 4;
            let d = with_options(&opts[..n], b"");
            let ip = parse(&d, 0).unwrap();
            let mut t = Tree::new();
            ip.tree(&mut t, &d);
            let mut s = String::new();
            t.render_text(&mut s, &d);
        }
    }
}
